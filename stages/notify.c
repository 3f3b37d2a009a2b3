/*
 * notify: the stage that queues password-reset emails, instead of printed
 * passwords, for the users of a selection with a verified address. The
 * batch itself is the engine's (engine/notify.c).
 */

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
	struct selection_opts o = { 0 };
	const char *format = "tsv";
	const struct stage_opt opts[] = {
		OPT_STRING(0, "admin", &o.admin),
		OPT_STRING(0, "password-file", &o.password_file),
		OPT_FLAG(0, "yes", &o.yes),
		OPT_FLAG(0, "dry-run", &o.dry_run),
		OPT_STRING(0, "input", &o.input),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_notify, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_notify, "unexpected '%s'",
				   argv[argi]);
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
