/*
 * run: the stage of the main job, as pipeline.conf's [run] section
 * describes it, in one process so that no plaintext password crosses a
 * pipe. The job itself is the engine's (engine/run.c).
 */

#include "engine/run.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass run [--demo] [--no-import]\n"
	"\n"
	"Runs the job of pipeline.conf's [run] section in one process, so no\n"
	"password crosses a pipe: imports the roster kind named by 'roster'\n"
	"from its 'file', selects the unclaimed members of 'groups', and\n"
	"confirms 'admin' with its 'password_file'. With [email] delivery =\n"
	"email or email-else-print, users with a verified address are sent a\n"
	"reset email (queued for 'tempass send'); the others (all, with\n"
	"delivery = print) get new passwords as one batch, written as each of\n"
	"'outputs' (pdf-strips, pdf-classlist, xlsx, csv, tsv, ndjson, ad,\n"
	"google, gam, entra, ldif, audit) to out_dir. Independent outputs are\n"
	"written on all cores, while the batch is stored; they appear only\n"
	"once it is committed, and one that cannot be written rolls the batch\n"
	"back.\n"
	"\n"
	"  --demo       create the [run] admin and its password file first\n"
	"               when they do not exist (for trying tempass out)\n"
	"  --no-import  skip the import\n";

static int cmd_run(struct ctx *ctx, int argc, char **argv);

const struct stage stage_run = {
	.name = "run",
	.summary = "the whole job of pipeline.conf [run], in one process",
	.usage = usage,
	.exec = cmd_run,
};

static int cmd_run(struct ctx *ctx, int argc, char **argv)
{
	struct run_opts o = { 0 };
	const struct stage_opt opts[] = {
		OPT_FLAG(0, "demo", &o.demo),
		OPT_FLAG(0, "no-import", &o.no_import),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_run, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_run, "unexpected '%s'",
				   argv[argi]);
	return run_job(ctx, &o);
}
