/*
 * reset: the stage that gives one person a new temporary password, as a
 * batch of one. The batch itself is the engine's (engine/reset.c).
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "engine/reset.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass reset --admin NAME [--password-file FILE] [--show]\n"
	"                     [--format tsv|csv|ndjson] [-o FILE [--force]]\n"
	"                     USERNAME\n"
	"\n"
	"Regenerates one user's temporary password as a batch of one, after\n"
	"the admin confirms their own password, and writes the record (the\n"
	"columns of select, then site, batch, version, generated_at, expires,\n"
	"password). A user who has claimed their account is refused.\n"
	"\n"
	"  -o, --output FILE  write the record to FILE, made 0600 and named\n"
	"                     only when complete ('-': standard output, the\n"
	"                     default, where --show is needed on a terminal)\n"
	"  --force            replace FILE when it exists (a regular file)\n";

static int cmd_reset(struct ctx *ctx, int argc, char **argv);

const struct stage stage_reset = {
	.name = "reset",
	.summary = "a new temporary password for one user",
	.usage = usage,
	.exec = cmd_reset,
};

static int cmd_reset(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "show", no_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct reset_opts o = { 0 };
	const char *format = "tsv";
	int show = 0, c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': o.admin = optarg; break;
		case 'p': o.password_file = optarg; break;
		case 'S': show = 1; break;
		case 'f': format = optarg; break;
		case 'o': o.output = optarg; break;
		case 'F': o.force = 1; break;
		case 'h': return stage_help(&stage_reset);
		default: return stage_bad_option(&stage_reset, argv, "o:");
		}
	}
	if (argc - optind != 1)
		return stage_usage(&stage_reset, "give one USERNAME");
	if (rec_format_parse(format, &o.format) != 0)
		return stage_usage(&stage_reset, "--format '%s': not tsv, csv, "
				   "ndjson or table", format);
	if (!o.admin)
		return stage_usage(&stage_reset, "say which admin acts: "
				   "--admin NAME");
	if (o.output && strcmp(o.output, "-") == 0)
		o.output = NULL;
	if (!o.output && !show && isatty(STDOUT_FILENO)) {
		errorf("refusing to write a password to a terminal; use -o "
		       "FILE or --show");
		return EX_USAGE;
	}
	o.username = argv[optind];
	return reset_user(ctx, &o);
}
