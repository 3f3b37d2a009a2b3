/*
 * store: the store as a whole. 'copy' moves a school's SQLite store into
 * a PostgreSQL database (copy_store()), once per school, as a trust
 * brings its schools onto one server.
 */
#include <string.h>

#include "engine/copy.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass store copy --to DATABASE [--from PATH]\n"
	"\n"
	"Copies the SQLite store ([store] database, or PATH) into the\n"
	"PostgreSQL database DATABASE (a connection string, as [store]\n"
	"database takes), in one transaction: every row, the ids kept in a\n"
	"database without tempass's data, moved past the other schools' in\n"
	"one with them; the audit chain copied whole, as a chain of its own\n"
	"that verifies as it did. The source is only read, and its chain\n"
	"must verify first (exit 65). A site code or admin name the target\n"
	"holds already is refused (exit 73); nothing is written then, nor\n"
	"when the copy fails or is killed.\n";

static int cmd_store(struct ctx *ctx, int argc, char **argv);

const struct stage stage_store = {
	.name = "store",
	.summary = "copy a SQLite store into PostgreSQL",
	.usage = usage,
	.exec = cmd_store,
};

static int cmd_store(struct ctx *ctx, int argc, char **argv)
{
	const char *to = NULL, *from = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "to", &to),
		OPT_STRING(0, "from", &from),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_store, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi >= argc)
		return stage_usage(&stage_store, "what to do: copy");
	if (strcmp(argv[argi], "copy") != 0)
		return stage_usage(&stage_store, "unexpected '%s'",
				   argv[argi]);
	if (argi + 1 != argc)
		return stage_usage(&stage_store, "unexpected '%s'",
				   argv[argi + 1]);
	if (!to)
		return stage_usage(&stage_store, "copy needs --to DATABASE");
	/* A path is not a server: the name is shown, a string never. */
	if (!store_is_server(to))
		return stage_usage(&stage_store, "--to '%s': not a PostgreSQL "
				   "connection string (postgresql://..., "
				   "host=... dbname=..., service=NAME)", to);
	return copy_store(ctx, from, to);
}
