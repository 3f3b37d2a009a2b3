/*
 * unclaimed.c: the list of users who have not claimed their account yet.
 * Each shows the state of their newest temporary password as verify
 * would judge it, so a user whose password expired, was voided by a reset
 * email or is refused after too many attempts is listed as having none
 * current, never as current.
 */
#include "engine/unclaimed.h"

#include <stdlib.h>
#include <string.h>

#include "core/secrets.h"
#include "core/util.h"
#include "engine/admin.h"
#include "engine/credential.h"

static const char *const cols[] = {
	"username", "forename", "surname", "groups", "version",
	"generated_at", "expires", "state", "password",
};

struct list {
	struct ctx *ctx;
	struct rec_writer *w;
	const char *admin;
	int show;
	int failed;
};

static int row(void *arg, const char *const *v)
{
	struct list *l = arg;
	struct ctx *ctx = l->ctx;
	const char *vals[ARRAY_SIZE(cols)];
	struct store_credential c;
	char plain[512], ad[128];
	int rc;

	memcpy(vals, v, 8 * sizeof(*vals));
	/* v[11]: the credential's state in the store. */
	if (strcmp(v[11], "current") != 0) {
		vals[8] = "(no current password)";
		return rec_write(l->w, vals);
	}
	vals[8] = "••••••••";
	if (l->show) {
		long long cred = strtoll(v[8], NULL, 10);
		long long user = strtoll(v[9], NULL, 10);
		long long batch = strtoll(v[10], NULL, 10);
		long len;

		if (store_credential_get(ctx->store, cred, &c) != 1 ||
		    !c.sealed_len) {
			vals[8] = "(hashed: cannot be shown)";
			return rec_write(l->w, vals);
		}
		len = unseal(ctx->key, c.sealed, c.sealed_len, ad,
			     credential_ad(ad, sizeof(ad), ctx->site_id, user,
					   batch), plain);
		secrets_wipe(c.sealed, sizeof(c.sealed));
		if (len < 0) {
			errorf("the password of '%s' does not open: wrong key "
			       "file, or the database was tampered with",
			       v[0]);
			l->failed = 1;
			vals[8] = "(cannot be opened)";
			return rec_write(l->w, vals);
		}
		plain[len] = '\0';
		vals[8] = plain;
		rc = store_audit(ctx->store, ctx->site_id, l->admin,
				 "credential.reveal", user, batch, "shown by "
				 "unclaimed --show");
		if (rc == 0)
			rc = rec_write(l->w, vals);
		secrets_wipe(plain, sizeof(plain));
		return rc;
	}
	return rec_write(l->w, vals);
}

/* ==== Groups by name ==== */

static int add_name(void *arg, const char *const *v)
{
	struct sbuf *sb = arg;

	sbuf_addf(sb, "%s'%s'", sb->len ? ", " : "", v[0]);
	return 0;
}

int group_known(struct ctx *ctx, const char *group)
{
	struct sbuf near = SBUF_INIT;
	char *typed = xstrdup(group);
	size_t len = strlen(typed);
	long long id;
	long found = 0;

	id = store_group_id(ctx->store, ctx->site_id, group, NULL);
	if (id != 0) {
		free(typed);
		return id < 0 ? store_status((int)id) : 0;
	}
	/* The nearest: groups holding what was typed, or the longest
	 * start of it that some group holds ("Year 77" finds "Year 7"). */
	while (len > 0 && found == 0) {
		typed[len--] = '\0';
		found = store_list_groups(ctx->store, ctx->site_id, typed, 5,
					  0, add_name, &near);
		if (found < 0) {
			free(typed);
			sbuf_release(&near);
			return store_status((int)found);
		}
	}
	if (found > 0)
		errorf("no group '%s' at site '%s'; nearest: %s%s", group,
		       ctx->site->code, sbuf_str(&near),
		       found > 5 ? ", ..." : "");
	else
		errorf("no group '%s' at site '%s' (see 'tempass groups')",
		       group, ctx->site->code);
	free(typed);
	sbuf_release(&near);
	return EX_DATAERR;
}

/* ==== The list ==== */

int unclaimed_list(struct ctx *ctx, const struct unclaimed_opts *o)
{
	struct list l = { .ctx = ctx, .show = o->show, .admin = o->admin };
	int rc;

	if (o->group && (rc = group_known(ctx, o->group)) != 0)
		return rc;
	if (o->show) {
		if (!ctx->cfg->reveal) {
			errorf("passwords are kept only as hashes (reveal = "
			       "no): they cannot be shown; regenerate for a "
			       "new list");
			return EX_UNAVAILABLE;
		}
		if ((rc = confirm_admin(ctx, o->admin, o->password_file)) ||
		    (rc = ctx_key(ctx, 0)) != 0)
			return rc;
		if ((rc = store_begin(ctx->store)) != 0)
			return store_status(rc);
	}
	l.w = rec_writer_new(stdout, o->format, cols, ARRAY_SIZE(cols));
	rc = store_list_unclaimed(ctx->store, ctx->site_id, o->group,
				  o->search, o->sort, CREDENTIAL_MAX_FAILED,
				  row, &l);
	if (o->show) {
		if (rc == 0)
			rc = store_commit(ctx->store);
		else
			store_rollback(ctx->store);
	}
	if (rec_writer_close(l.w) != 0) {
		errorf("cannot write the list: standard output failed");
		return EX_IOERR;
	}
	if (rc)
		return store_status(rc);
	return l.failed ? EX_DATAERR : 0;
}
