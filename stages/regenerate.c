/*
 * regenerate: the stage that makes new temporary passwords for the users of
 * a selection, as one batch. The batch itself is the engine's
 * (engine/regenerate.c).
 */
#include <getopt.h>
#include <unistd.h>

#include "core/util.h"
#include "engine/regenerate.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass regenerate --admin NAME [options] < SELECTION\n"
	"\n"
	"Regenerates temporary passwords for the users in the record stream\n"
	"on standard input (a 'username' column; select's 'criteria', else\n"
	"the 'group' values, are recorded as the batch's criteria). Users who\n"
	"claimed their account or left are skipped. Writes a new batch that\n"
	"voids the users' older passwords, then the records with forename\n"
	"and surname (when the stream lacks them), class (from the store),\n"
	"group, site, batch, version, generated_at, expires and password.\n"
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
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "show", no_argument, NULL, 'S' },
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection_opts o = { 0 };
	const char *format = "tsv";
	int show = 0, c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': o.admin = optarg; break;
		case 'p': o.password_file = optarg; break;
		case 'y': o.yes = 1; break;
		case 'n': o.dry_run = 1; break;
		case 'S': show = 1; break;
		case 'i': o.input = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_regenerate);
		default: return stage_bad_option(&stage_regenerate, argv, "");
		}
	}
	if (optind != argc)
		return stage_usage(&stage_regenerate, "unexpected '%s'",
				   argv[optind]);
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
