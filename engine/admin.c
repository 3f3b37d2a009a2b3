/*
 * admin.c: the administrators: adding, changing and removing them, and
 * the confirmation of their own password that every regeneration starts
 * with. Admin passwords are kept as Argon2id hashes; five failed
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

#define MIN_ADMIN_PASSWORD 10
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

/* ==== Managing admins ==== */

/* Reads a new password: from a file, or twice on the terminal. */
static int new_password(const char *name, const char *file, char *hash)
{
	char *pw = secrets_alloc(ADMIN_PASSWORD_MAX), *again = NULL;
	char prompt[200];
	int n, rc = 0;

	if (!pw)
		die("tempass: out of memory");
	if (file) {
		n = read_password_file(file, pw, ADMIN_PASSWORD_MAX);
	} else {
		snprintf(prompt, sizeof(prompt), "New password for admin %s: ",
			 name);
		n = tty_password(prompt, pw, ADMIN_PASSWORD_MAX);
		if (n >= 0) {
			again = secrets_alloc(ADMIN_PASSWORD_MAX);
			if (!again)
				die("tempass: out of memory");
			if (tty_password("Again: ", again, ADMIN_PASSWORD_MAX) != n ||
			    !secrets_equal(pw, again, (size_t)n)) {
				errorf("the passwords do not match");
				rc = EX_DATAERR;
			}
		}
	}
	if (n < 0 && !rc)
		rc = n == -2 ? EX_NOPERM : file ? EX_NOINPUT : EX_USAGE;
	if (!rc && n < MIN_ADMIN_PASSWORD) {
		errorf("an admin password needs at least %d characters",
		       MIN_ADMIN_PASSWORD);
		rc = EX_DATAERR;
	}
	if (!rc && pwhash(pw, (size_t)n, hash) != 0)
		rc = EX_SOFTWARE;
	secrets_free(pw);
	secrets_free(again);
	return rc;
}

static int valid_admin_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._@-") == n;
}

int admin_add(struct ctx *ctx, const char *name, const char *const *sites,
	      size_t nsites, const char *file)
{
	char hash[SECRETS_PWHASH_MAX];
	struct store_admin a;
	long long id, *site_ids = NULL;
	struct sbuf detail = SBUF_INIT;
	const char *default_site;
	int rc;

	if (!valid_admin_name(name)) {
		errorf("admin name '%s' may hold only letters, digits and "
		       ". _ @ -", name);
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ctx_open(ctx)) != 0)
		goto out;
	if (!nsites) {
		sites = &default_site;
		default_site = ctx->site->code;
		nsites = 1;
	}
	site_ids = xcalloc(nsites, sizeof(*site_ids));
	for (size_t i = 0; i < nsites; i++) {
		const struct site_conf *sc = config_site(ctx->cfg,
							 sites[i]);

		if (!sc) {
			errorf("site '%s' is not configured in '%s'",
			       sites[i], ctx->config_path);
			rc = EX_CONFIG;
			goto out;
		}
		if ((id = store_site(ctx->store, sc->code, sc->name)) < 0) {
			rc = store_status((int)id);
			goto out;
		}
		site_ids[i] = id;
		sbuf_addf(&detail, "%s%s", i ? ", " : "sites: ", sc->code);
	}
	if ((rc = store_admin_get(ctx->store, name, &a)) != 0) {
		if (rc > 0)
			errorf("admin '%s' exists already", name);
		rc = rc > 0 ? EX_DATAERR : store_status(rc);
		goto out;
	}
	if ((rc = new_password(name, file, hash)) != 0)
		goto out;
	if ((rc = store_begin(ctx->store)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	id = store_admin_add(ctx->store, name, hash, now_seconds());
	rc = id < 0 ? (int)id : 0;
	for (size_t i = 0; rc == 0 && i < nsites; i++)
		rc = store_admin_grant(ctx->store, id, site_ids[i]);
	if (rc == 0)
		rc = store_audit(ctx->store, ctx->site_id, os_actor(),
				 "admin.add", 0, 0, detail.buf);
	if (rc == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		rc = store_status(rc);
	} else {
		printf_inert(stderr, "admin '%s' added for %s\n", name,
			     detail.buf);
	}
out:
	secrets_wipe(hash, sizeof(hash));
	sbuf_release(&detail);
	free(site_ids);
	return rc;
}

/* Opens the store and finds admin name: 0, or a status (reported). */
static int existing_admin(struct ctx *ctx, const char *name,
			  struct store_admin *a)
{
	int rc;

	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if ((rc = store_admin_get(ctx->store, name, a)) <= 0) {
		if (rc == 0)
			errorf("no admin '%s'", name);
		return rc == 0 ? EX_DATAERR : store_status(rc);
	}
	return 0;
}

int admin_passwd(struct ctx *ctx, const char *name, const char *file)
{
	char hash[SECRETS_PWHASH_MAX];
	struct store_admin a;
	int rc;

	if ((rc = existing_admin(ctx, name, &a)) != 0)
		return rc;
	if ((rc = new_password(name, file, hash)) != 0)
		return rc;
	if ((rc = store_begin(ctx->store)) == 0 &&
	    (rc = store_admin_set_hash(ctx->store, a.id, hash)) == 0 &&
	    (rc = store_audit(ctx->store, ctx->site_id, os_actor(),
			      "admin.passwd", 0, 0, name)) == 0)
		rc = store_commit(ctx->store);
	secrets_wipe(hash, sizeof(hash));
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	return 0;
}

int admin_remove(struct ctx *ctx, const char *name)
{
	struct store_admin a;
	int rc;

	if ((rc = existing_admin(ctx, name, &a)) != 0)
		return rc;
	if ((rc = store_begin(ctx->store)) == 0 &&
	    (rc = store_admin_remove(ctx->store, a.id)) == 0 &&
	    (rc = store_audit(ctx->store, ctx->site_id, os_actor(),
			      "admin.remove", 0, 0, name)) == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	return 0;
}

int admin_rename(struct ctx *ctx, const char *name, const char *to)
{
	struct store_admin a, other;
	char detail[160];
	int rc;

	if (!valid_admin_name(to)) {
		errorf("admin name '%s' may hold only letters, digits and "
		       ". _ @ -", to);
		return EX_DATAERR;
	}
	if ((rc = existing_admin(ctx, name, &a)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "%s -> %s", name, to);
	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	if ((rc = store_admin_get(ctx->store, to, &other)) > 0) {
		store_rollback(ctx->store);
		errorf("admin '%s' exists already", to);
		return EX_DATAERR;
	}
	if (rc == 0 &&
	    (rc = store_admin_rename(ctx->store, a.id, to)) == 0 &&
	    (rc = store_audit(ctx->store, ctx->site_id, os_actor(),
			      "admin.rename", 0, 0, detail)) == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	return 0;
}
