/*
 * reset: the stage that gives one person a new temporary password, as a
 * batch of one. The batch itself is the engine's (engine/reset.c).
 */
#include <unistd.h>

#include "core/util.h"
#include "engine/reset.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass reset --admin NAME [--password-file FILE] [--show]\n"
	"                     [--format tsv|csv|ndjson] USERNAME\n"
	"\n"
	"Regenerates one user's temporary password as a batch of one, after\n"
	"the admin confirms their own password, and writes the record (the\n"
	"columns of select, then site, batch, version, generated_at, expires,\n"
	"password). A user who has claimed their account is refused.\n";

static int cmd_reset(struct ctx *ctx, int argc, char **argv);

const struct stage stage_reset = {
	.name = "reset",
	.summary = "a new temporary password for one user",
	.usage = usage,
	.exec = cmd_reset,
};

static int cmd_reset(struct ctx *ctx, int argc, char **argv)
{
	struct reset_opts o = { 0 };
	const char *format = "tsv";
	int show = 0;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "admin", &o.admin),
		OPT_STRING(0, "password-file", &o.password_file),
		OPT_FLAG(0, "show", &show),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_reset, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1)
		return stage_usage(&stage_reset, "give one USERNAME");
	if (rec_format_parse(format, &o.format) != 0)
		return stage_usage(&stage_reset, "--format '%s': not tsv, csv, "
				   "ndjson or table", format);
	if (!o.admin)
		return stage_usage(&stage_reset, "say which admin acts: "
				   "--admin NAME");
	if (!show && isatty(STDOUT_FILENO)) {
		errorf("refusing to write a password to a terminal; redirect "
		       "the output or use --show");
		return EX_USAGE;
	}
	o.username = argv[argi];
	return reset_user(ctx, &o);
}
