/*
 * audit: the trail of who did what to whom. Lists events, filtered by user,
 * batch or time, and verifies the hash chain: an event edited, deleted or
 * moved in the database breaks it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass audit [--user USERNAME] [--batch VERSION]\n"
	"                     [--since DATE] [--format tsv|csv|ndjson|table]\n"
	"       tempass audit verify\n"
	"\n"
	"Lists the site's audit events (columns id, at, actor, action,\n"
	"username, batch, detail), oldest first. 'verify' checks every page\n"
	"of the database (SQLite's quick_check), recomputes the hash chain\n"
	"of every event and exits 65 at a damaged page or the first event\n"
	"that was edited, deleted or reordered. On PostgreSQL it checks\n"
	"each school's chain (and the database's own) and prints a line\n"
	"for each. DATE is 2026-09-03 or\n"
	"2026-09-03T08:14.\n";

/* A chain that holds up (PostgreSQL's, one per school). */
static int print_chain(void *ctx, const char *const *v)
{
	(void)ctx;
	printf_inert(stdout, "chain %s (%s%s%s): %s events\n", v[0], v[1],
		     v[2][0] ? "; sites: " : "", v[2], v[3]);
	return 0;
}

/*
 * The database's pages first (SQLite's quick_check), then the chain: a
 * damaged page, wherever it is, is bad data (65), as an edited event is,
 * even when it keeps the store from opening at all.
 */
static int verify(struct ctx *ctx)
{
	long long n = 0;
	int rc;

	if ((rc = ctx_open(ctx)) != 0)
		return rc == EX_IOERR && store_fault() == STORE_FAULT_CORRUPT ?
		       EX_DATAERR : rc;
	rc = store_quick_check(ctx->store);
	if (rc == 0)
		rc = store_audit_verify_chains(ctx->store, print_chain, NULL,
					       &n);
	if (rc < 0 && store_fault() == STORE_FAULT_CORRUPT)
		rc = 1;
	if (rc < 0)
		return store_status(rc);
	if (rc > 0)
		return EX_DATAERR;
	printf("audit chain intact: %lld events\n", n);
	return 0;
}

static int cmd_audit(struct ctx *ctx, int argc, char **argv);

const struct stage stage_audit = {
	.name = "audit",
	.summary = "list and verify the audit trail",
	.usage = usage,
	.exec = cmd_audit,
};

static int cmd_audit(struct ctx *ctx, int argc, char **argv)
{
	const char *user = NULL, *format = NULL, *since_text = NULL;
	long version = 0;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "user", &user),
		OPT_INT(0, "batch", &version, 1, LONG_MAX),
		OPT_STRING(0, "since", &since_text),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	static const char *const cols[] = {
		"id", "at", "actor", "action", "username", "batch", "detail",
	};
	long long uid = 0, bid = 0, since = 0;
	struct rec_writer *w;
	enum rec_format f;
	int argi, rc;

	if ((argi = stage_parse(&stage_audit, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (since_text && parse_iso8601(since_text, &since) != 0)
		return stage_usage(&stage_audit, "--since '%s': not a date "
				   "such as 2026-09-03", since_text);
	if (argi < argc && strcmp(argv[argi], "verify") == 0 &&
	    argi + 1 == argc)
		return verify(ctx);
	if (argi != argc)
		return stage_usage(&stage_audit, "unexpected '%s'",
				   argv[argi]);
	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (user && (uid = store_user_id(ctx->store, ctx->site_id, user)) <= 0) {
		if (uid == 0)
			errorf("no user '%s' at site '%s'", user,
			       ctx->site->code);
		return uid == 0 ? EX_DATAERR : store_status((int)uid);
	}
	if (version &&
	    (bid = store_batch_id(ctx->store, ctx->site_id, version)) <= 0) {
		if (bid == 0)
			errorf("no batch v%ld at site '%s'", version,
			       ctx->site->code);
		return bid == 0 ? EX_DATAERR : store_status((int)bid);
	}
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	rc = store_list_audit(ctx->store, ctx->site_id, uid, bid, since,
			      write_record, w);
	if (rec_writer_close(w) != 0)
		return EX_IOERR;
	return rc ? store_status(rc) : 0;
}
