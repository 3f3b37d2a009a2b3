/*
 * stage.c: the conventions every stage shares on its side of the engine:
 * usage texts, reading options from a table, and how a refused option is
 * told (with the nearest name when one is near).
 */
#include "stages/stage.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
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

/* ==== Refused options ==== */

/* An unknown or ambiguous long option: typed is what follows "--". */
static void long_option_error(const char *typed,
			      const struct option *longopts)
{
	size_t len = strcspn(typed, "="), n = 0, prefixes = 0;
	char *name = xstrndup(typed, len);
	const char **names;
	const char *near;
	struct sbuf list = SBUF_INIT;

	while (longopts[n].name)
		n++;
	names = xcalloc(n ? n : 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		names[i] = longopts[i].name;
		if (strncmp(names[i], name, len) == 0) {
			sbuf_addf(&list, "%s--%s", prefixes ? ", " : "",
				  names[i]);
			prefixes++;
		}
	}
	if (prefixes > 1)
		errorf("option '--%s' is ambiguous: %s", name, list.buf);
	else if ((near = nearest_name(name, names, n)))
		errorf("unknown option '--%s' (did you mean '--%s'?)", name,
		       near);
	else
		errorf("unknown option '--%s'", name);
	sbuf_release(&list);
	free(names);
	free(name);
}

void option_error(char *const *argv, const struct option *longopts, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const char *eq = strchr(arg, '=');
	int is_long = arg[0] == '-' && arg[1] == '-';

	if (c == ':' && is_long)
		errorf("option '%s' needs a value", arg);
	else if (c == ':')
		errorf("option '-%c' needs a value", optopt);
	else if (!optopt && is_long)
		long_option_error(arg + 2, longopts);
	else if (is_long && eq)
		errorf("option '%.*s' takes no value", (int)(eq - arg), arg);
	else
		errorf("unknown option '-%c'", optopt);
}

/* ==== Reading a stage's options ==== */

/* getopt_long()'s value for a long option with no letter: past any char. */
#define LONG_ONLY 256

/* Stores value into opt; 0, or -1 after reporting. */
static int store_value(const struct stage_opt *opt, const char *value,
		       int again)
{
	char *end;
	long v;

	switch (opt->kind) {
	case STAGE_OPT_FLAG:
		*(int *)opt->value = 1;
		return 0;
	case STAGE_OPT_LIST: {
		struct stage_list *l = opt->value;

		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = value;
		return 0;
	}
	case STAGE_OPT_STRING:
	case STAGE_OPT_INT:
		break;
	}
	if (again) {
		errorf("option '--%s' is given twice", opt->name);
		return -1;
	}
	if (opt->kind == STAGE_OPT_STRING) {
		*(const char **)opt->value = value;
		return 0;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < opt->min || v > opt->max) {
		if (opt->max == LONG_MAX)
			errorf("option '--%s': '%s' is not a number from %ld",
			       opt->name, value, opt->min);
		else
			errorf("option '--%s': '%s' is not a number from %ld "
			       "to %ld", opt->name, value, opt->min, opt->max);
		return -1;
	}
	*(long *)opt->value = v;
	return 0;
}

/* The global --site, given again after the stage's name. */
static int site_after_stage(struct ctx *ctx, const char *code)
{
	if (ctx->site_code && strcmp(ctx->site_code, code) != 0) {
		errorf("--site '%s' differs from --site '%s' given before",
		       code, ctx->site_code);
		return -1;
	}
	ctx->site_code = code;
	return 0;
}

int stage_parse(const struct stage *s, struct ctx *ctx, int argc,
		char **argv, const struct stage_opt *opts, int *status)
{
	size_t n = 0, nlong = 0, nshort = 1;
	struct option *longopts;
	char *shortopts, *seen;
	int c, own_site = 0, site_val, ret = -1;

	while (opts[n].name)
		own_site |= strcmp(opts[n++].name, "site") == 0;
	site_val = LONG_ONLY + (int)n;
	longopts = xcalloc(n + 3, sizeof(*longopts));
	shortopts = xcalloc(3 * n + 3, 1);
	seen = xcalloc(n ? n : 1, 1);
	/* ':' first: a missing value is told from an unknown option. */
	shortopts[0] = ':';
	for (size_t i = 0; i < n; i++) {
		int has_arg = opts[i].kind != STAGE_OPT_FLAG;

		longopts[nlong++] = (struct option){
			opts[i].name, has_arg ? required_argument : no_argument,
			NULL, opts[i].letter ? opts[i].letter :
			LONG_ONLY + (int)i };
		if (opts[i].letter) {
			shortopts[nshort++] = (char)opts[i].letter;
			if (has_arg)
				shortopts[nshort++] = ':';
		}
	}
	longopts[nlong++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (!own_site)
		longopts[nlong++] = (struct option){ "site", required_argument,
						     NULL, site_val };
	shortopts[nshort] = 'h';
	opterr = 0;
	optind = 0;   /* glibc: start afresh, argv[0] being the stage */
	*status = EX_USAGE;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		size_t i = 0;

		if (c == '?' || c == ':') {
			option_error(argv, longopts, c);
			goto usage;
		}
		if (c == 'h') {
			*status = stage_help(s);
			goto out;
		}
		if (c == site_val) {
			if (site_after_stage(ctx, optarg) != 0)
				goto usage;
			continue;
		}
		if (c >= LONG_ONLY)
			i = (size_t)(c - LONG_ONLY);
		else
			while (opts[i].letter != c)
				i++;
		if (store_value(&opts[i], optarg, seen[i]) != 0)
			goto usage;
		seen[i] = 1;
	}
	*status = 0;
	ret = optind;
	goto out;
usage:
	fprintf(stderr, "Try 'tempass %s --help'.\n", s->name);
out:
	free(seen);
	free(shortopts);
	free(longopts);
	return ret;
}
