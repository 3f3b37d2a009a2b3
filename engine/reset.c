/*
 * reset.c: a new temporary password for one person, as a batch of one. For
 * the pupil who lost their slip: it voids their older password like any
 * batch and writes the same record stream as regenerate.
 */
#include "engine/reset.h"

#include <stdlib.h>

#include "core/util.h"
#include "engine/admin.h"
#include "engine/issue.h"

static const char *const cols[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"group", "born_day", "email", "email_verified", "claimed", "class",
	"site", "batch", "version", "generated_at", "expires", "password",
};

struct out {
	struct rec_writer *w;
	const char *extra[6];
};

static int write_one(void *ctx, const char *const *v)
{
	struct out *o = ctx;
	const char *vals[ARRAY_SIZE(cols)];

	for (size_t i = 0; i < 11; i++)
		vals[i] = v[i];
	for (size_t i = 0; i < 6; i++)
		vals[11 + i] = o->extra[i];
	return rec_write(o->w, vals);
}

int reset_user(struct ctx *ctx, const struct reset_opts *o)
{
	struct issue is = { 0 };
	struct issue_item item = { 0 };
	char batch[24], version[24], gen[32], exp[32], crit[200];
	struct out out = { 0 };
	struct atomic_file af;
	int rc;

	if ((rc = issue_out_open(&af, o->output, o->force, 0)) != 0)
		return rc;
	if ((rc = confirm_admin(ctx, o->admin, o->password_file)) != 0)
		goto out;
	item.username = o->username;
	item.group = "reset";
	is.items = xmalloc(sizeof(*is.items));
	is.items[0] = item;
	is.n = 1;
	if ((rc = issue_resolve(ctx, &is)) != 0)
		goto out;
	switch (is.items[0].skip) {
	case ISSUE_UNKNOWN:
		errorf("no user '%s' at site '%s'", item.username,
		       ctx->site->code);
		rc = EX_DATAERR;
		goto out;
	case ISSUE_CLAIMED:
		errorf("'%s' has claimed their account: they set their own "
		       "password", item.username);
		rc = EX_DATAERR;
		goto out;
	case ISSUE_LEFT:
		errorf("'%s' has left", item.username);
		rc = EX_DATAERR;
		goto out;
	}
	snprintf(crit, sizeof(crit), "reset of %s", item.username);
	if ((rc = issue_batch(ctx, &is, o->admin, crit)) != 0)
		goto out;
	if (is.issued == 0) {
		errorf("'%s' claimed their account meanwhile; nothing changed",
		       item.username);
		rc = EX_DATAERR;
		goto out;
	}
	snprintf(batch, sizeof(batch), "%lld", is.batch_id);
	snprintf(version, sizeof(version), "%lld", is.version);
	format_iso8601(is.generated_at, gen, sizeof(gen));
	format_iso8601(is.items[0].expires, exp, sizeof(exp));
	out.extra[0] = ctx->site->name;
	out.extra[1] = batch;
	out.extra[2] = version;
	out.extra[3] = gen;
	out.extra[4] = exp;
	out.extra[5] = is.items[0].password;
	out.w = rec_writer_new(af.fp ? af.fp : stdout, o->format, cols,
			       ARRAY_SIZE(cols));
	/* The slip's group is the user's class (the class column), not
	 * how they were picked. */
	rc = store_select_user(ctx->store, ctx->site_id, item.username, "",
			       write_one, &out);
	if (rec_writer_close(out.w) != 0 || rc) {
		errorf("cannot write the password; batch v%lld exists: reset "
		       "again for a new one", is.version);
		rc = EX_IOERR;
		goto out;
	}
	if ((rc = issue_out_commit(&af, is.version)) != 0)
		goto out;
	printf_inert(stderr, "batch v%lld: new password for %s%s\n",
		     is.version, item.username,
		     is.voided ? "; the older one is void" : "");
out:
	atomic_abort(&af);
	issue_release(&is);
	return rc;
}
