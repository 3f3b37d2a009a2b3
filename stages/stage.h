/*
 * stage.h: how a subcommand plugs into tempass. To add one:
 *  1. write stages/<name>.c: usage text, static helpers, and the entry
 *     point last, which reads its options from a struct stage_opt table
 *     with stage_parse(); export only `const struct stage stage_<name>`;
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

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <sysexits.h>

#include "engine/ctx.h"

struct stage {
	const char *name;
	const char *summary;        /* one line for `tempass --help` */
	const char *usage;          /* the whole text for `--help` */
	int (*exec)(struct ctx *ctx, int argc, char **argv);
};

/*
 * Options, git's parse_options way: a stage lists its options in a table
 * ending with OPT_END, each storing into a variable of the stage, and
 * stage_parse() reads them with getopt_long() (permutation, --opt=value,
 * unique prefixes, "--" ending the options). It also takes, for every
 * stage, -h/--help (prints the stage's usage) and the global --site CODE,
 * unless the stage's table names its own "site".
 */
enum stage_opt_kind {
	STAGE_OPT_FLAG,     /* int: set to 1 */
	STAGE_OPT_STRING,   /* const char *: the value; given once */
	STAGE_OPT_INT,      /* long: a number from min to max; given once */
	STAGE_OPT_LIST,     /* struct stage_list: each value, in order */
};

struct stage_opt {
	const char *name;   /* long name without "--"; NULL ends the table */
	int letter;         /* short form, or 0 */
	enum stage_opt_kind kind;
	void *value;
	long min, max;      /* STAGE_OPT_INT */
};

/* The values of a repeatable option; the caller frees v. */
struct stage_list {
	const char **v;
	size_t n;
};

/* The value's pointer, checked to be of the kind's type. */
#define OPT_VALUE_(type, p) ((void *)(1 ? (p) : (type *)0))
#define OPT_FLAG(letter, name, p) \
	{ (name), (letter), STAGE_OPT_FLAG, OPT_VALUE_(int, p), 0, 0 }
#define OPT_STRING(letter, name, p) \
	{ (name), (letter), STAGE_OPT_STRING, OPT_VALUE_(const char *, p), 0, 0 }
#define OPT_INT(letter, name, p, min, max) \
	{ (name), (letter), STAGE_OPT_INT, OPT_VALUE_(long, p), (min), (max) }
#define OPT_LIST(letter, name, p) \
	{ (name), (letter), STAGE_OPT_LIST, \
	  OPT_VALUE_(struct stage_list, p), 0, 0 }
#define OPT_END { NULL, 0, STAGE_OPT_FLAG, NULL, 0, 0 }

/*
 * Reads the options of argv (argv[0] the stage's name) into opts' values,
 * and a --site after the stage's name into ctx->site_code. Returns the
 * index in argv of the first operand; or -1 with *status 0 after --help,
 * or EX_USAGE after reporting a refused option: unknown (with the nearest
 * name), ambiguous, missing its value or given one it does not take, a
 * number out of its range, a single-valued option given twice, or a --site
 * other than the one given before the stage's name.
 */
int stage_parse(const struct stage *s, struct ctx *ctx, int argc,
		char **argv, const struct stage_opt *opts, int *status);

/* Prints the stage's usage on stdout; returns 0. */
int stage_help(const struct stage *s);
/* Reports a usage error and a hint; returns EX_USAGE. */
int stage_usage(const struct stage *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Reports the option getopt_long() (opterr 0, shortopts starting with
 * ':') just refused in argv, having returned c: unknown (with the nearest
 * of longopts' names when one is near), ambiguous, or one that needs a
 * value or takes none.
 */
void option_error(char *const *argv, const struct option *longopts, int c);

#endif
