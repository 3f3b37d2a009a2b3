/*
 * regenerate: the stage that makes new temporary passwords for the users of
 * a selection, as one batch. The batch itself is the engine's
 * (engine/regenerate.c).
 */
#include <unistd.h>

#include "core/util.h"
#include "engine/regenerate.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass regenerate --admin NAME [options] < SELECTION\n"
	"\n"
	"Regenerates temporary passwords for the users in the record stream\n"
	"on standard input (a 'username' column; 'group' is kept as the\n"
	"filter criteria). Users who claimed their account or left are\n"
	"skipped. Writes a new batch that voids the users' older passwords,\n"
	"then the records with the columns group, site, batch, version,\n"
	"generated_at, expires and password added.\n"
	"\n"
	"Options:\n"
	"  --admin NAME          the administrator acting (default: [run] admin)\n"
	"  --password-file FILE  read the admin password from FILE (mode 0600)\n"
	"                        instead of asking on the terminal\n"
	"  --yes                 do not ask before regenerating\n"
	"  --dry-run             say how many would change; change nothing\n"
	"  --show                allow writing passwords to a terminal\n"
	"  --input FILE          read the stream from FILE instead of stdin\n"
	"  --format tsv|csv|ndjson  output format (default tsv)\n";

static int cmd_regenerate(struct ctx *ctx, int argc, char **argv);

const struct stage stage_regenerate = {
	.name = "regenerate",
	.summary = "new temporary passwords for the selected users (a batch)",
	.usage = usage,
	.exec = cmd_regenerate,
};

static int cmd_regenerate(struct ctx *ctx, int argc, char **argv)
{
	struct selection_opts o = { 0 };
	const char *format = "tsv";
	int show = 0;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "admin", &o.admin),
		OPT_STRING(0, "password-file", &o.password_file),
		OPT_FLAG(0, "yes", &o.yes),
		OPT_FLAG(0, "dry-run", &o.dry_run),
		OPT_FLAG(0, "show", &show),
		OPT_STRING(0, "input", &o.input),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_regenerate, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_regenerate, "unexpected '%s'",
				   argv[argi]);
	if (rec_format_parse(format, &o.format) != 0 ||
	    o.format == REC_TABLE)
		return stage_usage(&stage_regenerate, "--format '%s': not "
				   "tsv, csv or ndjson", format);
	if (!o.dry_run && !show && isatty(STDOUT_FILENO)) {
		errorf("refusing to write passwords to a terminal; redirect "
		       "the output, pipe it to 'tempass emit', or use --show");
		return EX_USAGE;
	}
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	if (!o.admin)
		o.admin = ctx->cfg->run_admin;
	if (!o.admin)
		return stage_usage(&stage_regenerate, "say which admin acts: "
				   "--admin NAME");
	return regenerate(ctx, &o);
}
