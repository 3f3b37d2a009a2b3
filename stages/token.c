/*
 * token: what the school's password-reset web page calls. `token verify`
 * says whose a reset token is while it is current, unused and unexpired;
 * `token redeem` does the same and uses it up, once. Tokens are looked up
 * by their hash: the store never holds one in the clear.
 */
#include <string.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass token verify < TOKEN\n"
	"       tempass token redeem < TOKEN\n"
	"\n"
	"Reads a reset token (from the link of a reset email) on standard\n"
	"input. 'verify' prints the username when the token is current,\n"
	"unused and unexpired; 'redeem' does the same and marks it used, so\n"
	"it works once. Exit 77 when the token is unknown, used, void or\n"
	"expired; 65 when the input is not a token.\n";

static int valid_token(const char *s, size_t n)
{
	if (n != SECRETS_TOKEN_CHARS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789-_", s[i]) || !s[i])
			return 0;
	return 1;
}

static int refuse(struct ctx *ctx, const struct store_token *t,
		  const char *why)
{
	int rc;

	errorf("the token is %s", why);
	if ((rc = store_begin(ctx->store)) == 0 &&
	    (rc = store_audit(ctx->store, ctx->site_id, os_actor(),
			      "token.refused", t ? t->user : 0,
			      t ? t->batch : 0, why)) == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	return EX_NOPERM;
}

static int cmd_token(struct ctx *ctx, int argc, char **argv);

const struct stage stage_token = {
	.name = "token",
	.summary = "verify or redeem a password-reset token",
	.usage = usage,
	.exec = cmd_token,
};

static int cmd_token(struct ctx *ctx, int argc, char **argv)
{
	const struct stage_opt opts[] = { OPT_END };
	char buf[SECRETS_TOKEN_CHARS + 8];
	unsigned char hash[SECRETS_HASH_BYTES];
	struct store_token t;
	size_t n = 0;
	int argi, rc, redeem, found;
	long long now = now_seconds();

	if ((argi = stage_parse(&stage_token, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1 || (strcmp(argv[argi], "verify") != 0 &&
				   strcmp(argv[argi], "redeem") != 0))
		return stage_usage(&stage_token, "say verify or redeem");
	redeem = strcmp(argv[argi], "redeem") == 0;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	while (n < sizeof(buf) - 1 && read(STDIN_FILENO, buf + n, 1) == 1 &&
	       buf[n] != '\n')
		n++;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (!valid_token(buf, n)) {
		secrets_wipe(buf, sizeof(buf));
		errorf("standard input does not hold a reset token (%d "
		       "characters of A-Z a-z 0-9 - _)", SECRETS_TOKEN_CHARS);
		return EX_DATAERR;
	}
	secrets_hash(buf, n, hash);
	secrets_wipe(buf, sizeof(buf));
	found = store_token_find(ctx->store, ctx->site_id, hash, sizeof(hash),
				 &t);
	if (found < 0)
		return store_status(found);
	if (!found)
		return refuse(ctx, NULL, "unknown");
	if (strcmp(t.state, "current") != 0)
		return refuse(ctx, &t, strcmp(t.state, "used") == 0 ?
			      "already used" : t.state);
	if (t.expires <= now) {
		if ((rc = store_begin(ctx->store)) == 0 &&
		    (rc = store_token_end(ctx->store, t.id, "expired",
					  now)) >= 0)
			rc = store_commit(ctx->store);
		else
			store_rollback(ctx->store);
		if (rc)
			return store_status(rc);
		return refuse(ctx, &t, "expired");
	}
	if (redeem) {
		if ((rc = store_begin(ctx->store)) != 0)
			return store_status(rc);
		rc = store_token_end(ctx->store, t.id, "used", now);
		if (rc == 0) {
			/* Redeemed by another process in between. */
			store_rollback(ctx->store);
			return refuse(ctx, &t, "already used");
		}
		if (rc < 0 || (rc = store_audit(ctx->store, ctx->site_id,
						os_actor(), "token.redeem",
						t.user, t.batch, "")) != 0 ||
		    (rc = store_commit(ctx->store)) != 0) {
			store_rollback(ctx->store);
			return store_status(rc);
		}
	}
	printf("%s\n", t.username);
	return 0;
}
