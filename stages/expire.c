/*
 * expire: retires temporary passwords past their expiry (28 days by
 * default): their state becomes expired and their sealed copies are
 * deleted, so an old slip of paper and an old database backup both lose
 * their value. Safe to run from cron.
 */
#include <stdio.h>

#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass expire\n"
	"\n"
	"Marks every current temporary password of the site past its expiry\n"
	"as expired and deletes its sealed copy, with an audit event each.\n";

static int audit_one(void *arg, long long user, long long batch)
{
	struct ctx *ctx = arg;

	return store_audit(ctx->store, ctx->site_id, os_actor(),
			   "credential.expire", user, batch, "past expiry");
}

static int cmd_expire(struct ctx *ctx, int argc, char **argv);

const struct stage stage_expire = {
	.name = "expire",
	.summary = "retire temporary passwords past their expiry",
	.usage = usage,
	.exec = cmd_expire,
};

static int cmd_expire(struct ctx *ctx, int argc, char **argv)
{
	const struct stage_opt opts[] = { OPT_END };
	char detail[64];
	long n;
	int argi, rc;

	if ((argi = stage_parse(&stage_expire, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_expire, "unexpected '%s'",
				   argv[argi]);
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	n = store_expire(ctx->store, ctx->site_id, now_seconds(), audit_one,
			 ctx);
	snprintf(detail, sizeof(detail), "%ld expired", n);
	if (n < 0 || (rc = store_audit(ctx->store, ctx->site_id, os_actor(),
				       "expire", 0, 0, detail)) != 0 ||
	    (rc = store_commit(ctx->store)) != 0) {
		store_rollback(ctx->store);
		return store_status(n < 0 ? (int)n : rc);
	}
	printf("%ld temporary password(s) expired\n", n);
	return 0;
}
