/*
 * import: the stage that loads a roster export from the school's MIS into
 * the store. Reading, checking and applying the rows is the engine's
 * (engine/import.c), shared with run.
 */
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
	"  --dry-run        report what would change; write nothing\n"
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
	struct import_opts o = { 0 };
	const char *roster = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "roster", &roster),
		OPT_FLAG(0, "dry-run", &o.dry_run),
		OPT_FLAG(0, "strict", &o.strict),
		OPT_FLAG(0, "allow-leavers", &o.allow_leavers),
		OPT_STRING(0, "rejects", &o.rejects),
		OPT_END,
	};
	struct import_result res;
	int argi, rc;

	if ((argi = stage_parse(&stage_import, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi > 1)
		return stage_usage(&stage_import, "one roster file at a time");
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	o.roster = config_roster(ctx->cfg, roster);
	if (!o.roster) {
		errorf(roster ? "no [roster %s] section in '%s'" :
		       "no [roster NAME] section in '%s'",
		       roster ? roster : ctx->config_path, ctx->config_path);
		return EX_CONFIG;
	}
	o.file = argi < argc ? argv[argi] : o.roster->file;
	if (!o.file)
		return stage_usage(&stage_import, "no roster file given and "
				   "[roster %s] names no 'file'",
				   o.roster->name);
	rc = import_roster(ctx, &o, &res);
	if (res.applied)
		import_summary(&res, stdout);
	return rc;
}
