/*
 * regenerate: the stage that makes new temporary passwords for the users of
 * a selection, as one batch. The batch itself is the engine's
 * (engine/regenerate.c).
 */
#include <getopt.h>
#include <string.h>
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
	"  -o, --output FILE     write the records to FILE, made 0600 and\n"
	"                        named only when complete ('-': standard\n"
	"                        output, the default)\n"
	"  --force               replace FILE when it exists (a regular file\n"
	"                        only)\n"
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
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection_opts o = { 0 };
	const char *format = "tsv";
	int show = 0, c, rc;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': o.admin = optarg; break;
		case 'p': o.password_file = optarg; break;
		case 'y': o.yes = 1; break;
		case 'n': o.dry_run = 1; break;
		case 'S': show = 1; break;
		case 'i': o.input = optarg; break;
		case 'o': o.output = optarg; break;
		case 'F': o.force = 1; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_regenerate);
		default: return stage_bad_option(&stage_regenerate, argv, "o:");
		}
	}
	if (optind != argc)
		return stage_usage(&stage_regenerate, "unexpected '%s'",
				   argv[optind]);
	if (rec_format_parse(format, &o.format) != 0 ||
	    o.format == REC_TABLE)
		return stage_usage(&stage_regenerate, "--format '%s': not "
				   "tsv, csv or ndjson", format);
	/* "-o -": standard output, under its terminal rule. */
	if (o.output && strcmp(o.output, "-") == 0)
		o.output = NULL;
	if (!o.output && !o.dry_run && !show && isatty(STDOUT_FILENO)) {
		errorf("refusing to write passwords to a terminal; use -o "
		       "FILE, pipe the output to 'tempass emit', or use "
		       "--show");
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
