/*
 * select: the group picker's result as a record stream. Writes the members
 * of the chosen groups who have not claimed their account, each once, with
 * the group that selected them (the "filter criteria" of the printed list),
 * for regenerate or notify to read.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "core/util.h"
#include "engine/groups.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass select --group NAME [--group NAME...] [--all]\n"
	"                      [--format tsv|csv|ndjson|table]\n"
	"\n"
	"Writes the active members of the groups who have not claimed their\n"
	"account, each once, with the columns username, forename, surname,\n"
	"external_id, user_type, group (the first chosen group they are in),\n"
	"born_day (day of the month only), email, email_verified, claimed,\n"
	"class (the user's class from the roster, empty when none),\n"
	"criteria (the groups asked for, which regenerate records).\n"
	"--all includes users who claimed (for listings; regenerate skips\n"
	"them).\n";

static const char *const cols[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"group", "born_day", "email", "email_verified", "claimed", "class",
	"criteria",
};

struct sel {
	struct rec_writer *w;
	struct hmap seen;
	struct arena arena;
	size_t count;
	const char *criteria;    /* "groups: Year 7, 7B" */
};

static int emit_once(void *ctx, const char *const *v)
{
	struct sel *s = ctx;
	const char *vals[ARRAY_SIZE(cols)];

	if (hmap_get(&s->seen, v[0]))
		return 0;
	hmap_put(&s->seen, arena_strdup(&s->arena, v[0]), (void *)1);
	s->count++;
	memcpy(vals, v, (ARRAY_SIZE(cols) - 1) * sizeof(*vals));
	vals[ARRAY_SIZE(cols) - 1] = s->criteria;
	return rec_write(s->w, vals);
}

static int cmd_select(struct ctx *ctx, int argc, char **argv);

const struct stage stage_select = {
	.name = "select",
	.summary = "write the unclaimed members of groups as a record stream",
	.usage = usage,
	.exec = cmd_select,
};

static int cmd_select(struct ctx *ctx, int argc, char **argv)
{
	struct stage_list groups = { 0 };
	const char *format = NULL;
	int all = 0;
	const struct stage_opt opts[] = {
		OPT_LIST(0, "group", &groups),
		OPT_FLAG(0, "all", &all),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	struct sel s = { 0 };
	struct sbuf crit = SBUF_INIT;
	enum rec_format f;
	int argi, rc = 0;

	if ((argi = stage_parse(&stage_select, ctx, argc, argv, opts,
				&rc)) < 0)
		goto out;
	if (argi != argc || !groups.n) {
		rc = stage_usage(&stage_select, argi != argc ?
				 "unexpected '%s'" : "choose at least one "
				 "--group%s", argi != argc ? argv[argi] : "");
		goto out;
	}
	if (listing_format(format, stdout, &f) != 0) {
		rc = EX_USAGE;
		goto out;
	}
	if ((rc = ctx_open(ctx)) != 0)
		goto out;
	if ((rc = groups_known(ctx, groups.v, groups.n,
			       "")) != 0)
		goto out;
	for (size_t i = 0; i < groups.n; i++)
		sbuf_addf(&crit, "%s%s", i ? ", " : "groups: ", groups.v[i]);
	s.criteria = crit.buf;
	s.w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < groups.n && rc == 0; i++)
		rc = store_select(ctx->store, ctx->site_id, groups.v[i],
				  all ? STORE_ALL : 0, emit_once, &s);
	if (rec_writer_close(s.w) != 0 && rc == 0) {
		errorf("cannot write the selection: standard output failed");
		rc = EX_IOERR;
	} else if (rc) {
		rc = store_status(rc);
	} else {
		fprintf(stderr, "%zu user(s) selected\n", s.count);
	}
out:
	hmap_release(&s.seen);
	arena_release(&s.arena);
	sbuf_release(&crit);
	free(groups.v);
	return rc;
}
