/*
 * store_pg_todo: the store.h functions not yet done on PostgreSQL (see the
 * PLAN in store_pg.c). Each reports that it is missing and fails; no
 * stage reaches one, since pg_supports() refuses a stage whose calls are
 * not all done. A function done moves out of this file to the store_pg
 * file of its concern.
 */
#include "core/store_pg_int.h"

/* Reports that fn is not done on PostgreSQL yet. */
static void pg_todo(struct pg *pg, const char *fn)
{
	st_set_fault(STORE_FAULT_UNAVAILABLE);
	errorf("%s: %s is not done on PostgreSQL yet", pg->name, fn);
}

long long pg_admin_add(struct pg *pg, const char *name, const char *pwhash,
		       long long now)
{
	pg_todo(pg, "store_admin_add");
	(void)name;
	(void)pwhash;
	(void)now;
	return -1;
}

int pg_admin_grant(struct pg *pg, long long admin, long long site)
{
	pg_todo(pg, "store_admin_grant");
	(void)admin;
	(void)site;
	return -1;
}

int pg_admin_get(struct pg *pg, const char *name, struct store_admin *a)
{
	pg_todo(pg, "store_admin_get");
	(void)name;
	(void)a;
	return -1;
}

int pg_admin_may(struct pg *pg, long long admin, long long site)
{
	pg_todo(pg, "store_admin_may");
	(void)admin;
	(void)site;
	return -1;
}

int pg_admin_attempt(struct pg *pg, long long admin, long long now, int max,
		     long long lock_seconds, long long pid, int *abandoned)
{
	pg_todo(pg, "store_admin_attempt");
	(void)admin;
	(void)now;
	(void)max;
	(void)lock_seconds;
	(void)pid;
	(void)abandoned;
	return -1;
}

int pg_admin_attempt_done(struct pg *pg, long long admin, long long pid)
{
	pg_todo(pg, "store_admin_attempt_done");
	(void)admin;
	(void)pid;
	return -1;
}

int pg_admin_confirmed(struct pg *pg, long long admin)
{
	pg_todo(pg, "store_admin_confirmed");
	(void)admin;
	return -1;
}

int pg_admin_set_hash(struct pg *pg, long long admin, const char *pwhash)
{
	pg_todo(pg, "store_admin_set_hash");
	(void)admin;
	(void)pwhash;
	return -1;
}

int pg_list_admins(struct pg *pg, store_row_fn fn, void *ctx)
{
	pg_todo(pg, "store_list_admins");
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_admin_remove(struct pg *pg, long long admin)
{
	pg_todo(pg, "store_admin_remove");
	(void)admin;
	return -1;
}

int pg_select(struct pg *pg, long long site, const char *group, unsigned flags,
	      store_row_fn fn, void *ctx)
{
	pg_todo(pg, "store_select");
	(void)site;
	(void)group;
	(void)flags;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_select_user(struct pg *pg, long long site, const char *username,
		   const char *label, store_row_fn fn, void *ctx)
{
	pg_todo(pg, "store_select_user");
	(void)site;
	(void)username;
	(void)label;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_unavailable(struct pg *pg, long long site,
		   void (*fn)(void *ctx, long long user), void *ctx)
{
	pg_todo(pg, "store_unavailable");
	(void)site;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_targets(struct pg *pg, long long site,
	       int (*fn)(void *ctx, const struct store_target_row *t),
	       void *ctx)
{
	pg_todo(pg, "store_targets");
	(void)site;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_batch_create(struct pg *pg, long long site, const char *actor,
		    const char *criteria, long long count, long long now,
		    long long *id, long long *version)
{
	pg_todo(pg, "store_batch_create");
	(void)site;
	(void)actor;
	(void)criteria;
	(void)count;
	(void)now;
	(void)id;
	(void)version;
	return -1;
}

void pg_issue_begin(struct pg *pg, long long batch, long long now,
		    void (*voided)(void *ctx, long long user,
				   long long version),
		    void *ctx)
{
	pg_todo(pg, "store_issue_begin");
	(void)batch;
	(void)now;
	(void)voided;
	(void)ctx;
}

int pg_issue_add(struct pg *pg, long long user, const char *group,
		 const unsigned char *sealed, size_t len, const char *pwhash,
		 long long expires)
{
	pg_todo(pg, "store_issue_add");
	(void)user;
	(void)group;
	(void)sealed;
	(void)len;
	(void)pwhash;
	(void)expires;
	return -1;
}

int pg_issue_finish(struct pg *pg)
{
	pg_todo(pg, "store_issue_finish");
	return -1;
}

long long pg_credential_issue(struct pg *pg, long long batch, long long user,
			      const char *group, const unsigned char *sealed,
			      size_t len, const char *pwhash, long long expires,
			      long long now, long long *voided_version)
{
	pg_todo(pg, "store_credential_issue");
	(void)batch;
	(void)user;
	(void)group;
	(void)sealed;
	(void)len;
	(void)pwhash;
	(void)expires;
	(void)now;
	(void)voided_version;
	return -1;
}

int pg_current_credential(struct pg *pg, long long user,
			  struct store_credential *c)
{
	pg_todo(pg, "store_current_credential");
	(void)user;
	(void)c;
	return -1;
}

int pg_credential_attempt(struct pg *pg, long long credential)
{
	pg_todo(pg, "store_credential_attempt");
	(void)credential;
	return -1;
}

int pg_credential_verified(struct pg *pg, long long credential)
{
	pg_todo(pg, "store_credential_verified");
	(void)credential;
	return -1;
}

int pg_sealed(struct pg *pg, struct store_sealed *one)
{
	pg_todo(pg, "store_sealed");
	(void)one;
	return -1;
}

int pg_claim(struct pg *pg, long long user, long long now)
{
	pg_todo(pg, "store_claim");
	(void)user;
	(void)now;
	return -1;
}

long pg_expire(struct pg *pg, long long site, long long now,
	       int (*fn)(void *ctx, long long user, long long batch),
	       void *ctx)
{
	pg_todo(pg, "store_expire");
	(void)site;
	(void)now;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_list_unclaimed(struct pg *pg, long long site, const char *group,
		      const char *search, const char *sort, int max_failed,
		      store_row_fn fn, void *ctx)
{
	pg_todo(pg, "store_list_unclaimed");
	(void)site;
	(void)group;
	(void)search;
	(void)sort;
	(void)max_failed;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_batch_credentials(struct pg *pg, long long site, long long version,
			 store_cred_fn fn, void *ctx)
{
	pg_todo(pg, "store_batch_credentials");
	(void)site;
	(void)version;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_user_credentials(struct pg *pg, long long user, store_cred_fn fn,
			void *ctx)
{
	pg_todo(pg, "store_user_credentials");
	(void)user;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_credential_get(struct pg *pg, long long id, struct store_credential *c)
{
	pg_todo(pg, "store_credential_get");
	(void)id;
	(void)c;
	return -1;
}

int pg_list_batches(struct pg *pg, long long site, store_row_fn fn, void *ctx)
{
	pg_todo(pg, "store_list_batches");
	(void)site;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_user_types(struct pg *pg, long long site,
		  void (*fn)(void *ctx, const char *name), void *ctx)
{
	pg_todo(pg, "store_user_types");
	(void)site;
	(void)fn;
	(void)ctx;
	return -1;
}

int pg_batch_set_kind(struct pg *pg, long long batch, const char *kind)
{
	pg_todo(pg, "store_batch_set_kind");
	(void)batch;
	(void)kind;
	return -1;
}

int pg_token_issue(struct pg *pg, long long batch, long long user,
		   const unsigned char *hash, size_t len, long long expires,
		   long long now)
{
	pg_todo(pg, "store_token_issue");
	(void)batch;
	(void)user;
	(void)hash;
	(void)len;
	(void)expires;
	(void)now;
	return -1;
}

int pg_token_find(struct pg *pg, long long site, const unsigned char *hash,
		  size_t len, struct store_token *t)
{
	pg_todo(pg, "store_token_find");
	(void)site;
	(void)hash;
	(void)len;
	(void)t;
	return -1;
}

int pg_token_end(struct pg *pg, long long token, const char *state,
		 long long now)
{
	pg_todo(pg, "store_token_end");
	(void)token;
	(void)state;
	(void)now;
	return -1;
}

long long pg_delivery_add(struct pg *pg, const char *file,
			  const char *message_id, long long user,
			  long long batch, const char *recipient,
			  long long now)
{
	pg_todo(pg, "store_delivery_add");
	(void)file;
	(void)message_id;
	(void)user;
	(void)batch;
	(void)recipient;
	(void)now;
	return -1;
}

int pg_delivery_get(struct pg *pg, const char *file, struct store_delivery *d)
{
	pg_todo(pg, "store_delivery_get");
	(void)file;
	(void)d;
	return -1;
}

int pg_delivery_result(struct pg *pg, long long id, const char *state,
		       const char *error, long long now)
{
	pg_todo(pg, "store_delivery_result");
	(void)id;
	(void)state;
	(void)error;
	(void)now;
	return -1;
}

int pg_delivery_drop(struct pg *pg, long long id, const char *why)
{
	pg_todo(pg, "store_delivery_drop");
	(void)id;
	(void)why;
	return -1;
}

int pg_pending_add(struct pg *pg, long long batch, long long pid,
		   const char *tmp, const char *path, long long size)
{
	pg_todo(pg, "store_pending_add");
	(void)batch;
	(void)pid;
	(void)tmp;
	(void)path;
	(void)size;
	return -1;
}

int pg_pending_clear(struct pg *pg, long long batch)
{
	pg_todo(pg, "store_pending_clear");
	(void)batch;
	return -1;
}

long pg_batch_void(struct pg *pg, long long batch, long long now,
		   int (*fn)(void *ctx, long long user, long long batch),
		   void *ctx)
{
	pg_todo(pg, "store_batch_void");
	(void)batch;
	(void)now;
	(void)fn;
	(void)ctx;
	return -1;
}