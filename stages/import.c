/*
 * import: the stage that loads a roster export from the school's MIS into
 * the store. Reading, checking and applying the rows is the engine's
 * (engine/import.c), shared with run.
 */
#include <getopt.h>
#include <stdio.h>

#include "core/util.h"
#include "engine/import.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass import [options] [ROSTER.csv]\n"
	"\n"
	"Loads a roster export (CSV) into the store: adds new users, applies\n"
	"changes and group moves, marks users missing from the file as left.\n"
	"Without ROSTER.csv, reads the roster kind's 'file' from the\n"
	"configuration.\n"
	"\n"
	"Options:\n"
	"  --roster NAME    roster kind: the [roster NAME] section that maps\n"
	"                   the columns (default: the first)\n"
	"  --dry-run        list who would be added, updated, moved (from,\n"
	"                   to) or marked as left, then the counts on\n"
	"                   standard error; write nothing\n"
	"  --format F       the list of --dry-run: tsv, csv, ndjson or table\n"
	"                   (default: a table on a terminal, else tsv)\n"
	"  --strict         import nothing when any row is rejected\n"
	"  --allow-leavers  mark users as left even when more than the\n"
	"                   roster's leaver_threshold would leave, or when a\n"
	"                   rejected row's external id cannot be read\n"
	"  --rejects FILE   where rejected rows go (default:\n"
	"                   REJECTS_DIR/NAME.rejects.csv)\n"
	"\n"
	"A rejected row whose external id can be read keeps its user as they\n"
	"were. Control characters, line breaks and bidirectional controls are\n"
	"removed from names, with a warning.\n"
	"\n"
	"Exit status: 0 all rows imported, 65 rows were rejected or the\n"
	"import was refused, 78 the mapping does not fit the file.\n";

static int cmd_import(struct ctx *ctx, int argc, char **argv);

const struct stage stage_import = {
	.name = "import",
	.summary = "load a roster export (CSV) into the store",
	.usage = usage,
	.exec = cmd_import,
};

static int cmd_import(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "roster", required_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "strict", no_argument, NULL, 's' },
		{ "allow-leavers", no_argument, NULL, 'L' },
		{ "rejects", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts o = { 0 };
	struct import_result res;
	const char *roster = NULL, *format = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': roster = optarg; break;
		case 'n': o.dry_run = 1; break;
		case 's': o.strict = 1; break;
		case 'L': o.allow_leavers = 1; break;
		case 'j': o.rejects = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_import);
		default: return stage_bad_option(&stage_import, argv, "");
		}
	}
	if (argc - optind > 1)
		return stage_usage(&stage_import, "one roster file at a time");
	if (format && !o.dry_run)
		return stage_usage(&stage_import, "--format is the format of "
				   "--dry-run's list");
	if (o.dry_run) {
		if (listing_format(format, stdout, &o.list_format) != 0)
			return EX_USAGE;
		o.list = stdout;
	}
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	o.roster = config_roster(ctx->cfg, roster);
	if (!o.roster) {
		errorf(roster ? "no [roster %s] section in '%s'" :
		       "no [roster NAME] section in '%s'",
		       roster ? roster : ctx->config_path, ctx->config_path);
		return EX_CONFIG;
	}
	o.file = optind < argc ? argv[optind] : o.roster->file;
	if (!o.file)
		return stage_usage(&stage_import, "no roster file given and "
				   "[roster %s] names no 'file'",
				   o.roster->name);
	rc = import_roster(ctx, &o, &res);
	/* After a dry run's list, and apart from it: stdout is records. */
	if (res.applied)
		import_summary(&res, o.dry_run ? stderr : stdout);
	return rc;
}
