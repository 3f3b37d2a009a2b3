/*
 * admin.c: the confirmation of their own password that every regeneration
 * starts with. Admin passwords are kept as Argon2id hashes; five failed
 * confirmations lock an admin for fifteen minutes, as SIMS ID asks for the
 * password again before a regeneration.
 */
#include "engine/admin.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/tty.h"
#include "core/util.h"

#define MAX_FAILURES 5
#define LOCK_SECONDS (15 * 60)

static int audit_now(struct ctx *ctx, const char *actor, const char *action,
		     const char *detail)
{
	int rc = store_begin(ctx->store);

	if (rc == 0 && (rc = store_audit(ctx->store, ctx->site_id, actor,
					 action, 0, 0, detail)) == 0)
		return store_commit(ctx->store);
	store_rollback(ctx->store);
	return rc;
}

/*
 * Counts the attempt, then checks the password outside the write lock: an
 * attempt is counted before its Argon2id check, in one statement, so
 * parallel wrong guesses each count and no more than MAX_FAILURES of them
 * are ever checked. Returns 0 when confirmed, else a status (reported).
 */
static int attempt(struct ctx *ctx, const struct store_admin *a,
		   const char *admin, const char *pw, size_t len)
{
	char detail[200], until[32];
	long long now = now_seconds();
	int n, ok, rc, abandoned = 0;

	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	n = store_admin_attempt(ctx->store, a->id, now, MAX_FAILURES,
				LOCK_SECONDS, (long long)getpid(), &abandoned);
	rc = n < 0 ? n : 0;
	if (rc == 0 && abandoned > 0) {
		/* Killed before their result was known: not failures. */
		snprintf(detail, sizeof(detail), "%d attempt(s) taken back: "
			 "their process ended before the check was recorded",
			 abandoned);
		rc = store_audit(ctx->store, ctx->site_id, admin,
				 "admin.attempt.abandoned", 0, 0, detail);
	}
	if (rc == 0 && n > MAX_FAILURES) {
		/* The refusal is audited with the count, in its transaction. */
		snprintf(detail, sizeof(detail), "locked out; failed attempt "
			 "%d, not checked", n);
		rc = store_audit(ctx->store, ctx->site_id, admin,
				 "admin.refused", 0, 0, detail);
	}
	if (rc == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	if (n == 0) {
		errorf("no admin '%s'", admin);
		return EX_NOPERM;
	}
	if (n > MAX_FAILURES) {
		struct store_admin locked;

		if (store_admin_get(ctx->store, admin, &locked) != 1)
			locked.locked_until = now + LOCK_SECONDS;
		format_iso8601(locked.locked_until, until, sizeof(until));
		errorf("admin '%s' is locked until %s after %d failed "
		       "confirmations", admin, until, MAX_FAILURES);
		return EX_NOPERM;
	}
	ok = pwhash_verify(a->pwhash, pw, len);
	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	rc = store_admin_attempt_done(ctx->store, a->id, (long long)getpid());
	if (rc == 0 && ok) {
		rc = store_admin_confirmed(ctx->store, a->id);
		if (rc == 0)
			rc = store_audit(ctx->store, ctx->site_id, admin,
					 "admin.confirm", 0, 0, "");
	} else if (rc == 0) {
		snprintf(detail, sizeof(detail), "failed attempt %d%s", n,
			 n == MAX_FAILURES ? "; locked for 15 minutes" : "");
		rc = store_audit(ctx->store, ctx->site_id, admin,
				 "admin.confirm.fail", 0, 0, detail);
	}
	if (rc == 0)
		rc = store_commit(ctx->store);
	else
		store_rollback(ctx->store);
	if (rc)
		return store_status(rc);
	if (!ok) {
		errorf("wrong password for admin '%s'", admin);
		return EX_NOPERM;
	}
	return 0;
}

int confirm_admin(struct ctx *ctx, const char *admin,
		  const char *password_file)
{
	struct store_admin a;
	char *pw = NULL;
	char prompt[200], detail[200];
	int found, may, rc, n;

	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	/* The [run] admin confirms with its file, as `tempass run` does. */
	if (!password_file && ctx->cfg->run_admin &&
	    ctx->cfg->run_password_file &&
	    strcmp(admin, ctx->cfg->run_admin) == 0)
		password_file = ctx->cfg->run_password_file;
	if ((found = store_admin_get(ctx->store, admin, &a)) < 0)
		return store_status(found);
	if (!found) {
		errorf("no admin '%s' (add one with 'tempass admin add')",
		       admin);
		audit_now(ctx, admin, "admin.refused", "unknown admin");
		return EX_NOPERM;
	}
	if ((may = store_admin_may(ctx->store, a.id, ctx->site_id)) < 0)
		return store_status(may);
	if (!may) {
		errorf("admin '%s' may not act on site '%s'", admin,
		       ctx->site->code);
		snprintf(detail, sizeof(detail), "not granted site '%s'",
			 ctx->site->code);
		audit_now(ctx, admin, "admin.refused", detail);
		return EX_NOPERM;
	}
	/* Read even while locked: whether a lock is in force is known only
	 * once the attempt is counted. */
	pw = secrets_alloc(ADMIN_PASSWORD_MAX);
	if (!pw)
		die("tempass: out of memory");
	snprintf(prompt, sizeof(prompt), "Password for admin %s: ", admin);
	n = password_file ? read_password_file(password_file, pw, ADMIN_PASSWORD_MAX)
			  : tty_password(prompt, pw, ADMIN_PASSWORD_MAX);
	if (n < 0)
		rc = n == -2 ? EX_NOPERM : password_file ? EX_NOINPUT :
		     EX_USAGE;
	else
		rc = attempt(ctx, &a, admin, pw, (size_t)n);
	secrets_free(pw);
	return rc;
}

