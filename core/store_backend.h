/*
 * store_backend: the seam between store.h and the second backend. The
 * SQLite store (store_int.h, store_*.c) is the default; when store_open()
 * is given a PostgreSQL connection string (store_is_server()), the store
 * it returns holds a struct pg, and every store.h function hands its call
 * to the pg_ function of the same name (pg_site for store_site ...) at its
 * first line: the one place per call where the backend is chosen, a
 * branch on a field, so SQLite's paths stay as they were. The pg_
 * functions (core/store_pg*.c, behind store_pg_int.h, the only files that
 * see libpq) keep store.h's contracts word for word; this header names
 * them without any library's types, so that neither backend's files
 * include the other's library.
 */
#ifndef TEMPASS_STORE_BACKEND_H
#define TEMPASS_STORE_BACKEND_H

#include <stddef.h>

#include "core/secrets.h"
#include "core/store.h"
#include "core/util.h"

/* How long a writer waits for another to finish before STORE_BUSY, on
 * either backend. */
#define BUSY_TIMEOUT_MS 10000

/* Records the kind of the failure being reported, for store_fault(). */
void st_set_fault(enum store_fault f);

/* ==== The audit chain (store_audit.c), one for both backends ==== */

/*
 * The hash of an event into out: over the previous hash, the numbers as
 * 8 bytes each (little-endian), then each text with its length first, so
 * no two events can encode alike by moving bytes between fields. sb is
 * scratch space.
 */
void audit_digest(struct sbuf *sb, const unsigned char prev[SECRETS_HASH_BYTES],
		  long long id, long long at, long long site,
		  const char *actor, const char *action, long long user,
		  long long batch, const char *detail,
		  unsigned char out[SECRETS_HASH_BYTES]);

/* A walk along the chain, event by event in id order. */
struct audit_walk {
	unsigned char prev[SECRETS_HASH_BYTES];
	long long last_id, events;
	struct sbuf scratch;          /* sbuf_release() it after the walk */
	const char *name;             /* the chain, for messages: NULL for
				       * the store's one chain */
};
#define AUDIT_WALK_INIT { { 0 }, 0, 0, SBUF_INIT, NULL }
/*
 * Checks the next event: 0 when it follows the one before and its hash
 * matches its content, 1 after reporting the first that does not (one
 * missing, cut or reordered, edited). site, user, batch: 0 for NULL.
 */
int audit_walk_next(struct audit_walk *w, long long id, long long at,
		    long long site, const char *actor, const char *action,
		    long long user, long long batch, const char *detail,
		    const void *prev, size_t prev_len, const void *hash,
		    size_t hash_len);

/* Whether the process pid has ended (not: cannot be signalled): an
 * admin's attempt whose process ended is not held against them. */
int process_ended(long long pid);

/* ==== PostgreSQL (core/store_pg*.c) ==== */

/* Adds s to sb as a column of COPY's text format (NULL for NULL). */
void copy_text(struct sbuf *sb, const char *s);
/* Adds the n columns of col to sb as one row of COPY's text format. */
void copy_row(struct sbuf *sb, const char *const *col, size_t n);

struct pg;

/*
 * Connects to the PostgreSQL database conninfo names (libpq, loaded on
 * first use) and migrates its schema; NULL after reporting (a missing
 * libpq is STORE_FAULT_UNAVAILABLE). pg_close() is NULL-safe.
 */
struct pg *pg_open(const char *conninfo);
void pg_close(struct pg *pg);

/* The rest of store.h, with a struct pg for the store. */
int pg_begin(struct pg *pg);
int pg_begin_bulk(struct pg *pg, unsigned flags);
int pg_flush(struct pg *pg);
int pg_commit(struct pg *pg);
void pg_rollback(struct pg *pg);
int pg_read_begin(struct pg *pg);
void pg_read_end(struct pg *pg);
long long pg_site(struct pg *pg, const char *code, const char *name);
int pg_seal_offsets(struct pg *pg, long long site, long long off[3]);
int pg_users_load(struct pg *pg, long long site, struct store_user **out,
		  size_t *n);
int pg_groups_load(struct pg *pg, long long site,
		   void (*fn)(void *ctx, const char *name, long long id,
			      int roster),
		   void *ctx);
long long pg_group_create(struct pg *pg, long long site, const char *name,
			  const char *source);
int pg_user_insert(struct pg *pg, long long site, struct store_user *u,
		   long long now);
int pg_user_update(struct pg *pg, const struct store_user *u, long long now);
int pg_user_leave(struct pg *pg, long long user, long long now);
int pg_membership_add(struct pg *pg, long long group, long long user);
int pg_membership_new(struct pg *pg, long long group, long long user);
int pg_membership_remove(struct pg *pg, long long group, long long user);
long pg_list_groups(struct pg *pg, long long site, const char *search,
		    long limit, long offset, store_row_fn fn, void *ctx);
int pg_list_users(struct pg *pg, long long site, const char *group,
		  const char *search, const char *username, store_row_fn fn,
		  void *ctx);
long long pg_user_id(struct pg *pg, long long site, const char *username);
long long pg_group_id(struct pg *pg, long long site, const char *name,
		      int *roster);
int pg_group_delete(struct pg *pg, long long group);
long long pg_admin_add(struct pg *pg, const char *name, const char *pwhash,
		       long long now);
int pg_admin_grant(struct pg *pg, long long admin, long long site);
int pg_admin_get(struct pg *pg, const char *name, struct store_admin *a);
int pg_admin_may(struct pg *pg, long long admin, long long site);
int pg_admin_attempt(struct pg *pg, long long admin, long long now, int max,
		     long long lock_seconds, long long pid, int *abandoned);
int pg_admin_attempt_done(struct pg *pg, long long admin, long long pid);
int pg_admin_confirmed(struct pg *pg, long long admin);
int pg_admin_set_hash(struct pg *pg, long long admin, const char *pwhash);
int pg_list_admins(struct pg *pg, store_row_fn fn, void *ctx);
int pg_admin_remove(struct pg *pg, long long admin);
int pg_admin_rename(struct pg *pg, long long admin, const char *name);
int pg_select(struct pg *pg, long long site, const char *group, unsigned flags,
	      store_row_fn fn, void *ctx);
int pg_select_user(struct pg *pg, long long site, const char *username,
		   const char *label, store_row_fn fn, void *ctx);
int pg_unavailable(struct pg *pg, long long site,
		   void (*fn)(void *ctx, long long user), void *ctx);
int pg_targets(struct pg *pg, long long site,
	       int (*fn)(void *ctx, const struct store_target_row *t),
	       void *ctx);
int pg_batch_create(struct pg *pg, long long site, const char *actor,
		    const char *criteria, long long count, long long now,
		    long long *id, long long *version);
void pg_issue_begin(struct pg *pg, long long batch, long long now,
		    void (*voided)(void *ctx, long long user,
				   long long version),
		    void *ctx);
int pg_issue_add(struct pg *pg, long long user, const char *group,
		 const unsigned char *sealed, size_t len, const char *pwhash,
		 long long expires);
int pg_issue_finish(struct pg *pg);
long long pg_credential_issue(struct pg *pg, long long batch, long long user,
			      const char *group, const unsigned char *sealed,
			      size_t len, const char *pwhash, long long expires,
			      long long now, long long *voided_version);
int pg_current_credential(struct pg *pg, long long user,
			  struct store_credential *c);
int pg_credential_attempt(struct pg *pg, long long credential);
int pg_credential_verified(struct pg *pg, long long credential);
int pg_sealed(struct pg *pg, struct store_sealed *one);
int pg_claim(struct pg *pg, long long user, long long now);
long pg_expire(struct pg *pg, long long site, long long now,
	       int (*fn)(void *ctx, long long user, long long batch),
	       void *ctx);
int pg_list_unclaimed(struct pg *pg, long long site, const char *group,
		      const char *search, const char *sort, int max_failed,
		      store_row_fn fn, void *ctx);
int pg_batch_members(struct pg *pg, long long batch, long long now,
		     int max_failed, store_member_fn fn, void *ctx);
int pg_batch_not_current(struct pg *pg, long long batch, long long now,
			 int max_failed, store_cred_fn fn, void *ctx);
int pg_previous_versions(struct pg *pg, long long site, long long version,
			 int (*fn)(void *ctx, const char *username,
				   long long version),
			 void *ctx);
int pg_user_credentials(struct pg *pg, long long user, store_cred_fn fn,
			void *ctx);
int pg_credential_get(struct pg *pg, long long id, struct store_credential *c);
int pg_list_batches(struct pg *pg, long long site, store_row_fn fn, void *ctx);
long long pg_batch_id(struct pg *pg, long long site, long long version);
int pg_user_types(struct pg *pg, long long site,
		  void (*fn)(void *ctx, const char *name), void *ctx);
int pg_batch_set_kind(struct pg *pg, long long batch, const char *kind);
int pg_token_issue(struct pg *pg, long long batch, long long user,
		   const unsigned char *hash, size_t len, long long expires,
		   long long now);
int pg_token_find(struct pg *pg, long long site, const unsigned char *hash,
		  size_t len, struct store_token *t);
int pg_token_end(struct pg *pg, long long token, const char *state,
		 long long now);
long long pg_delivery_add(struct pg *pg, const char *file,
			  const char *message_id, long long user,
			  long long batch, const char *recipient,
			  long long now);
int pg_delivery_get(struct pg *pg, const char *file, struct store_delivery *d);
int pg_delivery_result(struct pg *pg, long long id, const char *state,
		       const char *error, long long now);
int pg_delivery_drop(struct pg *pg, long long id, const char *why);
int pg_pending_add(struct pg *pg, long long batch, long long pid,
		   const char *tmp, const char *path, long long size);
int pg_pending_each(struct pg *pg,
		    int (*fn)(void *ctx, const struct store_pending *p),
		    void *ctx);
int pg_pending_clear(struct pg *pg, long long batch);
long pg_batch_void(struct pg *pg, long long batch, long long now,
		   int (*fn)(void *ctx, long long user, long long batch),
		   void *ctx);
int pg_audit(struct pg *pg, long long site, const char *actor,
	     const char *action, long long user, long long batch,
	     const char *detail);
int pg_list_audit(struct pg *pg, long long site, long long user,
		  long long batch, long long since, store_row_fn fn, void *ctx);
long long pg_scan_steps(struct pg *pg);
int pg_audit_verify(struct pg *pg, store_row_fn fn, void *ctx,
		    long long *events);
int pg_quick_check(struct pg *pg);

/*
 * store copy's side on PostgreSQL (store_pg_copy.c); store_copy.c reads
 * SQLite and calls these. The kinds of id a copy moves, each by its own
 * offset: a table's own ids and the columns that name them.
 */
enum copy_ids { COPY_SITE, COPY_USER, COPY_GRP, COPY_ADMIN, COPY_BATCH,
		COPY_CREDENTIAL, COPY_TOKEN, COPY_DELIVERY, COPY_PENDING,
		COPY_AUDIT, COPY_NIDS };
/*
 * Opens the copy's transaction under the database's lock alone, and sets
 * off[] to each table's largest id (0 in a database without tempass's
 * rows: ids kept). 0, -1 or STORE_BUSY.
 */
int pg_copy_begin(struct pg *pg, long long off[COPY_NIDS]);
/* The new chain of the copied events, from origin, with off[]'s site,
 * user and batch offsets: its id, or -1 or STORE_BUSY. */
long long pg_copy_chain(struct pg *pg, const char *origin,
			const long long off[COPY_NIDS]);
/* 1 when the target has a site with code (table "site") or an admin
 * with name ("admin"), reported as taken; 0 when not; -1, STORE_BUSY. */
int pg_copy_taken(struct pg *pg, const char *table, const char *value);
/* Adds a user type unless it is there. */
int pg_copy_type(struct pg *pg, const char *name);
/* Sends rows (COPY's text) into table's columns cols. */
int pg_copy_rows(struct pg *pg, const char *table, const char *cols,
		 const struct sbuf *rows);
/* Moves every identity past the ids copied and commits. */
int pg_copy_finish(struct pg *pg);

#endif
