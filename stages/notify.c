/*
 * notify: the stage that queues password-reset emails, instead of printed
 * passwords, for the users of a selection with a verified address. The
 * batch itself is the engine's (engine/notify.c).
 */
#include <getopt.h>

#include "core/util.h"
#include "engine/notify.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass notify --admin NAME [options] < SELECTION\n"
	"\n"
	"Queues a password-reset email, with a single-use link, for each user\n"
	"of the selection (select's output) who has a verified email address,\n"
	"as one batch. Users without one are written to standard output as\n"
	"they came, for printing. Messages go to [email] queue_dir; 'tempass\n"
	"send' delivers them.\n"
	"\n"
	"Options:\n"
	"  --admin NAME          the administrator acting (default: [run] admin)\n"
	"  --password-file FILE  the admin password from FILE (mode 0600)\n"
	"  --yes                 do not ask before queueing\n"
	"  --dry-run             say how many would be queued; change nothing\n"
	"  --input FILE          read the selection from FILE, not stdin\n"
	"  --format tsv|csv|ndjson  the output format (default tsv)\n";

static int cmd_notify(struct ctx *ctx, int argc, char **argv);

const struct stage stage_notify = {
	.name = "notify",
	.summary = "queue password-reset emails for users with a verified address",
	.usage = usage,
	.exec = cmd_notify,
};

static int cmd_notify(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection_opts o = { 0 };
	const char *format = "tsv";
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': o.admin = optarg; break;
		case 'p': o.password_file = optarg; break;
		case 'y': o.yes = 1; break;
		case 'n': o.dry_run = 1; break;
		case 'i': o.input = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_notify);
		default: return stage_bad_option(&stage_notify, argv, "");
		}
	}
	if (optind != argc)
		return stage_usage(&stage_notify, "unexpected '%s'",
				   argv[optind]);
	if (rec_format_parse(format, &o.format) != 0 ||
	    o.format == REC_TABLE)
		return stage_usage(&stage_notify, "--format '%s': not tsv, "
				   "csv or ndjson", format);
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	if (!o.admin)
		o.admin = ctx->cfg->run_admin;
	if (!o.admin)
		return stage_usage(&stage_notify, "say which admin acts: "
				   "--admin NAME");
	return notify(ctx, &o);
}
