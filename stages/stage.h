/*
 * stage.h: how a subcommand plugs into tempass. To add one:
 *  1. write stages/<name>.c: usage text, options, static helpers, and the
 *     entry point last; export only `const struct stage stage_<name>`;
 *  2. add it to the stages[] table in tempass.c, in the order of the job;
 *  3. describe it in tempass.1 and README.md, and test it end to end in
 *     tests/e2e/.
 * A stage parses its options, calls the engine (engine/) and returns a
 * sysexits.h status; main() exits with it. A stage never calls another
 * stage nor includes another stage's file, and never includes sqlite3.h or
 * sodium.h: it goes through the engine, core/store and core/secrets.
 */
#ifndef TEMPASS_STAGE_H
#define TEMPASS_STAGE_H

#include <stdio.h>
#include <sysexits.h>

#include "engine/ctx.h"

struct stage {
	const char *name;
	const char *summary;        /* one line for `tempass --help` */
	const char *usage;          /* the whole text for `--help` */
	int (*exec)(struct ctx *ctx, int argc, char **argv);
};

/* Prints the stage's usage on stdout; returns 0. */
int stage_help(const struct stage *s);
/* Reports a usage error and a hint; returns EX_USAGE. */
int stage_usage(const struct stage *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Reports the option getopt_long() (opterr 0) just refused in argv: one
 * unknown, or one that needs a value or takes none. shortopts is what
 * getopt_long() was given.
 */
void option_error(char *const *argv, const char *shortopts);
/* option_error() and the stage's hint; returns EX_USAGE. */
int stage_bad_option(const struct stage *s, char *const *argv,
		     const char *shortopts);

#endif
