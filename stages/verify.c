/*
 * verify: what a login service calls to check a temporary password. Exit 0
 * when the password on standard input is the user's current, unexpired,
 * unclaimed temporary password. Each failure is counted and audited; after
 * ten the credential answers no more, so it cannot be guessed online.
 */
#include <string.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"
#include "stages/stage.h"

#define MAX_FAILED 10
#define PW_MAX 256

static const char usage[] =
	"usage: tempass verify USERNAME < PASSWORD\n"
	"\n"
	"Reads one line from standard input and exits 0 when it is the\n"
	"user's current, unexpired, unclaimed temporary password; 77\n"
	"otherwise (the reason on standard error). After 10 failed attempts\n"
	"the password is refused until it is regenerated.\n";

/* 1 when pw matches c, 0 when not, -1 when the sealed copy does not open. */
static int matches(struct ctx *ctx, long long user,
		   const struct store_credential *c, const char *pw,
		   size_t len)
{
	char plain[512], ad[128];
	long n;
	int ok;

	if (!c->sealed_len)
		return pwhash_verify(c->pwhash, pw, len);
	if (ctx_key(ctx, 0) != 0)
		return -1;
	n = unseal(ctx->key, c->sealed, c->sealed_len, ad,
		   credential_ad(ad, sizeof(ad), ctx->site_id, user, c->batch),
		   plain);
	if (n < 0) {
		errorf("the stored password does not open: wrong key file, or "
		       "the database was tampered with");
		return -1;
	}
	ok = (size_t)n == len && secrets_equal(plain, pw, len);
	secrets_wipe(plain, sizeof(plain));
	return ok;
}

/*
 * Counts the attempt, then checks it outside the write lock: counted
 * first, in one statement, so parallel guesses each count and no more than
 * MAX_FAILED of them are ever checked; a right password takes its attempt
 * back. Returns 0 when pw is right, else a status (reported).
 */
static int attempt(struct ctx *ctx, const char *username, long long user,
		   const struct store_credential *c, const char *pw,
		   size_t len)
{
	char detail[160];
	int n, ok, rc;

	/* A key that is missing or wrong is no guess of the user's. */
	if (c->sealed_len && (rc = ctx_key(ctx, 0)) != 0)
		return rc;
	if ((n = store_credential_attempt(ctx->store, c->id)) < 0)
		return store_status(n);
	if (n == 0) {
		errorf("'%s' has no current temporary password", username);
		return EX_NOPERM;
	}
	if (n > MAX_FAILED) {
		errorf("'%s': refused after %d failed attempts; regenerate "
		       "the password", username, MAX_FAILED);
		return EX_NOPERM;
	}
	ok = len ? matches(ctx, user, c, pw, len) : 0;
	if (ok < 0)
		return EX_DATAERR;
	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	if (ok) {
		rc = store_credential_verified(ctx->store, c->id);
	} else {
		snprintf(detail, sizeof(detail), "wrong password (failure %d)",
			 n);
		rc = store_audit(ctx->store, ctx->site_id, os_actor(),
				 "credential.verify.fail", user, c->batch,
				 detail);
	}
	if (rc == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	if (!ok) {
		errorf("'%s': wrong password", username);
		return EX_NOPERM;
	}
	return 0;
}

static int cmd_verify(struct ctx *ctx, int argc, char **argv);

const struct stage stage_verify = {
	.name = "verify",
	.summary = "check a temporary password (for a login service)",
	.usage = usage,
	.exec = cmd_verify,
};

static int cmd_verify(struct ctx *ctx, int argc, char **argv)
{
	const struct stage_opt opts[] = { OPT_END };
	struct store_credential c;
	char *pw = NULL;
	long long uid;
	size_t len = 0;
	ssize_t got;
	int argi, rc, found;

	if ((argi = stage_parse(&stage_verify, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1)
		return stage_usage(&stage_verify, "give one USERNAME");
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	pw = secrets_alloc(PW_MAX + 2);
	if (!pw)
		die("tempass: out of memory");
	while (len < PW_MAX + 1 &&
	       (got = read(STDIN_FILENO, pw + len, 1)) == 1 &&
	       pw[len] != '\n')
		len++;
	if (len > PW_MAX) {
		errorf("the password on standard input is too long");
		rc = EX_DATAERR;
		goto out;
	}
	if (len && pw[len - 1] == '\r')
		len--;
	pw[len] = '\0';
	uid = store_user_id(ctx->store, ctx->site_id, argv[argi]);
	if (uid <= 0) {
		if (uid == 0)
			errorf("no user '%s'", argv[argi]);
		rc = uid == 0 ? EX_NOPERM : store_status((int)uid);
		goto out;
	}
	if ((found = store_current_credential(ctx->store, uid, &c)) <= 0) {
		if (found == 0)
			errorf("'%s' has no current temporary password",
			       argv[argi]);
		rc = found == 0 ? EX_NOPERM : store_status(found);
		goto out;
	}
	if (c.expires <= now_seconds()) {
		errorf("'%s': the temporary password has expired",
		       argv[argi]);
		rc = EX_NOPERM;
		goto out;
	}
	rc = attempt(ctx, argv[argi], uid, &c, pw, len);
out:
	secrets_wipe(&c, sizeof(c));
	secrets_free(pw);
	return rc;
}
