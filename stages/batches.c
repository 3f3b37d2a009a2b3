/*
 * batches: every regeneration of the site, newest first, with how many of
 * its passwords are still current and how many were claimed, voided by a
 * newer batch, expired or revoked, so anyone can tell which list is current.
 */

#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass batches [--format tsv|csv|ndjson|table]\n"
	"\n"
	"Lists the site's batches with the columns version, created_at,\n"
	"actor, criteria, count, current, claimed, void, expired, revoked,\n"
	"kind (passwords, or email for the reset emails of notify, whose\n"
	"used links count as claimed).\n";

static int cmd_batches(struct ctx *ctx, int argc, char **argv);

const struct stage stage_batches = {
	.name = "batches",
	.summary = "every batch and the state of its passwords",
	.usage = usage,
	.exec = cmd_batches,
};

static int cmd_batches(struct ctx *ctx, int argc, char **argv)
{
	const char *format = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	static const char *const cols[] = {
		"version", "created_at", "actor", "criteria", "count",
		"current", "claimed", "void", "expired", "revoked", "kind",
	};
	struct rec_writer *w;
	enum rec_format f;
	int argi, rc;

	if ((argi = stage_parse(&stage_batches, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_batches, "unexpected '%s'",
				   argv[argi]);
	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	rc = store_list_batches(ctx->store, ctx->site_id, write_record, w);
	if (rec_writer_close(w) != 0)
		return EX_IOERR;
	return rc ? store_status(rc) : 0;
}
