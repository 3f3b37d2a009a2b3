/*
 * claim: records that users have set their own password. Their account
 * leaves the unclaimed list for good (regeneration skips them) and the
 * sealed copy of their temporary password is deleted.
 */
#include <stdlib.h>
#include <unistd.h>

#include "core/util.h"
#include "engine/credential.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass claim USERNAME...\n"
	"       tempass claim < STREAM\n"
	"\n"
	"Marks the users' accounts as claimed: they have set their own\n"
	"password. Without USERNAME, reads a record stream with a 'username'\n"
	"column on standard input. All or nothing: an unknown user changes\n"
	"nothing. A user who had claimed already is named, and recorded\n"
	"once only.\n";

static int cmd_claim(struct ctx *ctx, int argc, char **argv);

const struct stage stage_claim = {
	.name = "claim",
	.summary = "record that users have set their own password",
	.usage = usage,
	.exec = cmd_claim,
};

static int cmd_claim(struct ctx *ctx, int argc, char **argv)
{
	const struct stage_opt opts[] = { OPT_END };
	struct rec_reader *r = NULL;
	struct arena arena = ARENA_INIT;
	char **names = NULL;
	size_t n = 0;
	int argi, rc;

	if ((argi = stage_parse(&stage_claim, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (argi < argc) {
		names = argv + argi;
		n = (size_t)(argc - argi);
		return claim_users(ctx, names, n);
	}
	if (isatty(STDIN_FILENO))
		return stage_usage(&stage_claim, "give USERNAME or a stream "
				   "on standard input");
	r = rec_reader_new(stdin, "<stdin>", REC_AUTO);
	if (!r)
		return EX_DATAERR;
	long col = rec_column(r, "username");
	const char *const *v;
	size_t cap = 0;
	int got;

	if (col < 0) {
		errorf("<stdin>: the stream has no 'username' column");
		rc = EX_DATAERR;
		goto out;
	}
	while ((got = rec_read(r, &v)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = arena_strdup(&arena, v[col]);
	}
	rc = got < 0 ? EX_DATAERR : claim_users(ctx, names, n);
out:
	rec_reader_free(r);
	free(names);
	arena_release(&arena);
	return rc;
}
