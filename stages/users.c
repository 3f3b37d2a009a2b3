/*
 * users: lists the site's users, all or the members of one group, filtered
 * by a search over usernames, names, external ids and emails.
 */

#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass users [--group NAME] [--search TEXT]\n"
	"                     [--format tsv|csv|ndjson|table]\n"
	"\n"
	"Lists users with the columns username, forename, surname,\n"
	"external_id, user_type, groups, email, email_verified, status\n"
	"(active or left). A table on a terminal, TSV elsewhere. --search\n"
	"finds TEXT in the username, the name, the external id or the email,\n"
	"whatever its case, accents or script (lukasz finds Łukasz).\n";

static int cmd_users(struct ctx *ctx, int argc, char **argv);

const struct stage stage_users = {
	.name = "users",
	.summary = "list users, by group or search",
	.usage = usage,
	.exec = cmd_users,
};

static int cmd_users(struct ctx *ctx, int argc, char **argv)
{
	const char *group = NULL, *search = NULL, *format = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "group", &group),
		OPT_STRING(0, "search", &search),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	static const char *const cols[] = {
		"username", "forename", "surname", "external_id", "user_type",
		"groups", "email", "email_verified", "status",
	};
	struct rec_writer *w;
	enum rec_format f;
	int argi, rc;

	if ((argi = stage_parse(&stage_users, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_users, "unexpected '%s'",
				   argv[argi]);
	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (group) {
		long long g = store_group_id(ctx->store, ctx->site_id, group,
					     NULL);
		if (g <= 0) {
			if (g == 0)
				errorf("no group '%s' at site '%s'", group,
				       ctx->site->code);
			return g == 0 ? EX_DATAERR : store_status((int)g);
		}
	}
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	rc = store_list_users(ctx->store, ctx->site_id, group, search, NULL,
			      write_record, w);
	if (rec_writer_close(w) != 0) {
		errorf("cannot write the list: standard output failed");
		return EX_IOERR;
	}
	return rc ? store_status(rc) : 0;
}
