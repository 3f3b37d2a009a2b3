/*
 * token.c: a reset token is current, unused and unexpired, or refused with
 * an audit event; redeeming one ends it in the same transaction, so a
 * token works once even when two requests race. Tokens are looked up by
 * their hash: the store never holds one in the clear.
 */
#include "engine/token.h"

#include <string.h>

#include "core/secrets.h"
#include "core/util.h"

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

int token_use(struct ctx *ctx, const char *token, size_t n, int redeem,
	      char *username, size_t size)
{
	unsigned char hash[SECRETS_HASH_BYTES];
	struct store_token t;
	long long now = now_seconds();
	int rc, found;

	if (!valid_token(token, n)) {
		errorf("standard input does not hold a reset token (%d "
		       "characters of A-Z a-z 0-9 - _)", SECRETS_TOKEN_CHARS);
		return EX_DATAERR;
	}
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	secrets_hash(token, n, hash);
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
	snprintf(username, size, "%s", t.username);
	return 0;
}
