/*
 * claim: records that users have set their own password. Their account
 * leaves the unclaimed list for good (regeneration skips them) and the
 * sealed copy of their temporary password is deleted.
 */
#include <stdlib.h>
#include <unistd.h>

#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass claim USERNAME...\n"
	"       tempass claim < STREAM\n"
	"\n"
	"Marks the users' accounts as claimed: they have set their own\n"
	"password. Without USERNAME, reads a record stream with a 'username'\n"
	"column on standard input. All or nothing: an unknown user changes\n"
	"nothing.\n";

static int claim_all(struct ctx *ctx, char **names, size_t n)
{
	struct store *st = ctx->store;
	size_t claimed = 0;
	int rc;

	if ((rc = store_begin(st)) != 0)
		return store_status(rc);
	for (size_t i = 0; i < n; i++) {
		long long uid = store_user_id(st, ctx->site_id, names[i]);
		int had;

		if (uid == 0) {
			errorf("no user '%s' at site '%s'; nothing changed",
			       names[i], ctx->site->code);
			store_rollback(st);
			return EX_DATAERR;
		}
		if (uid < 0 || (had = store_claim(st, uid,
						 now_seconds())) < 0) {
			rc = uid < 0 ? (int)uid : -1;
			goto fail;
		}
		claimed += (size_t)had;
		if ((rc = store_audit(st, ctx->site_id, os_actor(),
				      "credential.claim", uid, 0,
				      had ? "set their own password" :
				      "account claimed (no temporary "
				      "password)")) != 0)
			goto fail;
	}
	if ((rc = store_commit(st)) != 0)
		return store_status(rc);
	printf("%zu account(s) claimed; %zu temporary password(s) retired\n",
	       n, claimed);
	return 0;
fail:
	store_rollback(st);
	return store_status(rc);
}

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
		return claim_all(ctx, names, n);
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
	rc = got < 0 ? EX_DATAERR : claim_all(ctx, names, n);
out:
	rec_reader_free(r);
	free(names);
	arena_release(&arena);
	return rc;
}
