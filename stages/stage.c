/*
 * stage.c: the conventions every stage shares on its side of the engine:
 * usage texts, refused options and the format of a listing.
 */
#include "stages/stage.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "core/util.h"

int stage_help(const struct stage *s)
{
	fputs(s->usage, stdout);
	return 0;
}

int stage_usage(const struct stage *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrorf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'tempass %s --help'.\n", s->name);
	return EX_USAGE;
}

void option_error(char *const *argv, const char *shortopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const char *eq = strchr(arg, '=');

	if (!optopt)   /* a long option not known, or a prefix of two */
		errorf("unknown or ambiguous option '%s'", arg);
	else if (arg[0] == '-' && arg[1] == '-' && eq)
		errorf("option '%.*s' takes no value", (int)(eq - arg), arg);
	else if (arg[0] == '-' && arg[1] == '-')
		errorf("option '%s' needs a value", arg);
	else if (strchr(shortopts, optopt))
		errorf("option '-%c' needs a value", optopt);
	else
		errorf("unknown option '-%c'", optopt);
}

int stage_bad_option(const struct stage *s, char *const *argv,
		     const char *shortopts)
{
	option_error(argv, shortopts);
	fprintf(stderr, "Try 'tempass %s --help'.\n", s->name);
	return EX_USAGE;
}
