/*
 * regenerate.c: the heart of tempass. Reads the record stream of the users
 * an administrator picked (from select), confirms that administrator's own
 * password, says how many passwords will change and asks, then writes a
 * new versioned batch that voids each user's older password, and passes
 * the records on with the new passwords added.
 */
#include "engine/regenerate.h"

#include <stdlib.h>

#include "core/util.h"
#include "engine/admin.h"
#include "engine/issue.h"

int regenerate(struct ctx *ctx, const struct selection_opts *o)
{
	struct issue_input inp = { .group_col = -1 };
	struct issue is = { 0 };
	struct atomic_file af;
	char *crit = NULL;
	size_t todo = 0;
	int rc;

	if ((rc = issue_out_open(&af, o->output, o->force, o->dry_run)) != 0)
		return rc;
	rc = issue_read_input(o->input, &inp, &is);
	if (rc)
		goto out;
	if ((rc = confirm_admin(ctx, o->admin, o->password_file)) != 0)
		goto out;
	if ((rc = issue_resolve(ctx, &is)) != 0)
		goto out;
	if (is.unknown) {
		for (size_t i = 0, shown = 0; i < is.n && shown < 5; i++)
			if (is.items[i].skip == ISSUE_UNKNOWN && ++shown)
				errorf("no user '%s' at site '%s'",
				       is.items[i].username, ctx->site->code);
		errorf("%zu user(s) of the stream are unknown; nothing "
		       "changed", is.unknown);
		rc = EX_DATAERR;
		goto out;
	}
	for (size_t i = 0; i < is.n; i++)
		todo += !is.items[i].skip;
	/* A key that is missing or wrong is said before the batch is
	 * offered, not after the administrator has said yes to it. */
	if (!o->dry_run && todo && ctx->cfg->reveal &&
	    (rc = ctx_key(ctx, 1)) != 0)
		goto out;
	crit = issue_criteria(&inp);
	printf_inert(stderr, "%zu temporary password(s) will be regenerated "
		     "at %s (%s)", todo, ctx->site->name, crit);
	if (is.claimed || is.left)
		fprintf(stderr, "; skipped: %zu claimed their account, %zu "
			"left", is.claimed, is.left);
	fputc('\n', stderr);
	if (o->dry_run || todo == 0) {
		if (todo == 0)
			fprintf(stderr, "nothing to regenerate\n");
		rc = 0;
		goto out;
	}
	if ((rc = issue_ask("Regenerate them now?", o->yes)) != 0)
		goto out;
	if ((rc = issue_batch(ctx, &is, o->admin, crit)) != 0)
		goto out;
	fprintf(stderr, "batch v%lld: %zu password(s) regenerated, %zu older "
		"password(s) voided", is.version, is.issued, is.voided);
	if (is.claimed)
		fprintf(stderr, ", %zu skipped (claimed)", is.claimed);
	fputc('\n', stderr);
	rc = issue_write(ctx, &is, af.fp ? af.fp : stdout, o->format,
			 (const char *const *)inp.cols, inp.ncols, inp.rows);
	if (rc == 0)
		rc = issue_out_commit(&af, is.version);
out:
	atomic_abort(&af);
	free(crit);
	issue_input_release(&inp);
	issue_release(&is);
	return rc;
}
