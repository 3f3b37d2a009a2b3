/*
 * policy: the password policy of each user type, with its exact entropy and
 * an example, so an administrator sees what a pupil will have to type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/policy.h"
#include "core/secrets.h"
#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass policy [--format tsv|csv|ndjson|table]\n"
	"\n"
	"One line per user type (configured in [policy TYPE] or found among\n"
	"the site's users): user_type, style, entropy_bits (exact),\n"
	"min_entropy_bits, expiry_days, example (a fresh password that is\n"
	"stored nowhere).\n";

struct types {
	char **v;
	size_t n;
};

static void add_type(void *arg, const char *name)
{
	struct types *t = arg;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i], name) == 0)
			return;
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n++] = xstrdup(name);
}

static int cmd_policy(struct ctx *ctx, int argc, char **argv);

const struct stage stage_policy = {
	.name = "policy",
	.summary = "password policy per user type, with entropy and example",
	.usage = usage,
	.exec = cmd_policy,
};

static int cmd_policy(struct ctx *ctx, int argc, char **argv)
{
	const char *format = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	static const char *const cols[] = {
		"user_type", "style", "entropy_bits", "min_entropy_bits",
		"expiry_days", "example",
	};
	static const char *const personal[] = { NULL };
	struct types t = { 0 };
	struct rec_writer *w;
	enum rec_format f;
	int argi, rc;

	if ((argi = stage_parse(&stage_policy, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_policy, "unexpected '%s'",
				   argv[argi]);
	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	for (size_t i = 0; i < ctx->cfg->npolicies; i++)
		add_type(&t, ctx->cfg->policies[i].user_type);
	for (size_t i = 0; i < ctx->cfg->nrosters; i++)
		if (ctx->cfg->rosters[i].user_type)
			add_type(&t, ctx->cfg->rosters[i].user_type);
	if ((rc = store_user_types(ctx->store, ctx->site_id, add_type, &t)))
		rc = store_status(rc);
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		const struct policy *p = ctx_policy(ctx, t.v[i]);
		char bits[32], min[32], days[16], example[256];
		const char *vals[ARRAY_SIZE(cols)];

		if (!p) {
			rc = EX_CONFIG;
			break;
		}
		snprintf(bits, sizeof(bits), "%.1f",
			 policy_entropy(p, ctx->wordlists));
		snprintf(min, sizeof(min), "%.0f", p->min_entropy_bits);
		snprintf(days, sizeof(days), "%d", p->expiry_days);
		if (policy_generate(p, ctx->wordlists, personal, example,
				    sizeof(example)) < 0) {
			rc = EX_CONFIG;
			break;
		}
		vals[0] = p->user_type;
		vals[1] = p->style == POLICY_WORDS ? "words" : "random";
		vals[2] = bits;
		vals[3] = min;
		vals[4] = days;
		vals[5] = example;
		rec_write(w, vals);
		secrets_wipe(example, sizeof(example));
	}
	if (rec_writer_close(w) != 0 && rc == 0)
		rc = EX_IOERR;
	for (size_t i = 0; i < t.n; i++)
		free(t.v[i]);
	free(t.v);
	return rc;
}
