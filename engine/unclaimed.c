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
#include "engine/groups.h"

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
			     ctx_credential_ad(ctx, ad, sizeof(ad), user,
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

/* ==== The list ==== */

int unclaimed_list(struct ctx *ctx, const struct unclaimed_opts *o)
{
	struct list l = { .ctx = ctx, .show = o->show, .admin = o->admin };
	int rc;

	if (o->group && (rc = groups_known(ctx, &o->group, 1, "")) != 0)
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
