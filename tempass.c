/*
 * tempass: temporary passwords for schools, as a batch pipeline. main() only
 * reads the global options, looks the stage up in the table below and exits
 * with the status the stage returns; each stage lives in stages/<name>.c.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/util.h"
#include "core/workers.h"
#include "stages/stage.h"

#define TEMPASS_VERSION "0.1"

extern const struct stage stage_import, stage_groups, stage_users,
	stage_user, stage_admin, stage_policy, stage_select, stage_regenerate,
	stage_reset, stage_unclaimed, stage_claim, stage_verify, stage_expire,
	stage_batches, stage_audit, stage_emit, stage_notify, stage_send,
	stage_token, stage_run, stage_store;

/* In the order of the job, as `tempass --help` lists them. */
static const struct stage *const stages[] = {
	&stage_import, &stage_groups, &stage_users, &stage_user,
	&stage_admin, &stage_policy, &stage_select, &stage_regenerate,
	&stage_reset, &stage_unclaimed, &stage_claim, &stage_verify,
	&stage_expire, &stage_batches, &stage_audit, &stage_emit,
	&stage_notify, &stage_send, &stage_token, &stage_run, &stage_store,
};

static const char usage_head[] =
	"usage: tempass [--config FILE] [--site CODE] [--jobs N] STAGE [ARGS...]\n"
	"\n"
	"Temporary passwords for schools: import rosters, regenerate\n"
	"passwords for groups, hand them out safely.\n"
	"\n"
	"Options:\n"
	"  --config FILE  pipeline configuration (default: $TEMPASS_CONFIG,\n"
	"                 else ./pipeline.conf, else the system's\n"
	"                 tempass/pipeline.conf)\n"
	"  --site CODE    work in another configured site than the default\n"
	"  --jobs N       threads per parallel step, 1 to 256 (default:\n"
	"                 [tempass] jobs, else the machine's cores)\n"
	"  --help         this text; 'tempass STAGE --help' for a stage\n"
	"  --version      the version\n"
	"\n"
	"Stages:\n";

static void usage(FILE *out)
{
	fputs(usage_head, out);
	for (size_t i = 0; i < ARRAY_SIZE(stages); i++)
		fprintf(out, "  %-12s %s\n", stages[i]->name,
			stages[i]->summary);
}

/* The stage called name; NULL after reporting, with the nearest name. */
static const struct stage *find_stage(const char *name)
{
	const char *names[ARRAY_SIZE(stages)], *near;

	for (size_t i = 0; i < ARRAY_SIZE(stages); i++) {
		if (strcmp(stages[i]->name, name) == 0)
			return stages[i];
		names[i] = stages[i]->name;
	}
	if ((near = nearest_name(name, names, ARRAY_SIZE(names))))
		errorf("'%s' is not a stage; did you mean '%s'?", name, near);
	else
		errorf("'%s' is not a stage; see 'tempass --help'", name);
	return NULL;
}

/* `tempass help [STAGE]`: the list of stages, or one stage's usage. */
static int help(int argc, char **argv)
{
	const struct stage *stage;

	if (argc == 1) {
		usage(stdout);
		return 0;
	}
	if (argc > 2) {
		errorf("help takes one STAGE; see 'tempass --help'");
		return EX_USAGE;
	}
	if (!(stage = find_stage(argv[1])))
		return EX_USAGE;
	return stage_help(stage);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "site", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx ctx = { 0 };
	const struct stage *stage = NULL;
	int c, rc;

	/*
	 * One malloc arena for every thread. With glibc's default (one per
	 * thread, up to eight per core), memory a thread frees stays in its
	 * arena, so run's peak depends on which list thread was given which
	 * arena; with one it is steady, in no more time (per-thread caches
	 * take most small allocations without the arena's lock).
	 */
	mallopt(M_ARENA_MAX, 1);
	/* A refused option is reported once, by option_error(). */
	opterr = 0;
	ctx.config_path = getenv("TEMPASS_CONFIG");
	if (!ctx.config_path || !*ctx.config_path)
		ctx.config_path = config_default_path();
	/*
	 * '+': stop at the stage name; its options are its own. ':': a
	 * missing value is told from an unknown option.
	 */
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx.config_path = optarg;
			break;
		case 's':
			ctx.site_code = optarg;
			break;
		case 'j':
			if (workers_parse(optarg, &ctx.jobs) != 0) {
				errorf("--jobs: '%s' is not a number from 1 "
				       "to %d", optarg, WORKERS_MAX);
				return EX_USAGE;
			}
			workers_set_jobs(ctx.jobs);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tempass %s\n", TEMPASS_VERSION);
			return 0;
		default:
			option_error(argv, opts, c);
			fputs("Try 'tempass --help'.\n", stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0)
		return help(argc - optind, argv + optind);
	if (!(stage = find_stage(argv[optind])))
		return EX_USAGE;
	util_set_stage(stage->name);
	argc -= optind;
	argv += optind;
	rc = stage->exec(&ctx, argc, argv);
	ctx_release(&ctx);
	return rc;
}
