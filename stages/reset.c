/*
 * reset: a new temporary password for one person, as a batch of one. For
 * the pupil who lost their slip: it voids their older password like any
 * batch and writes the same record stream as regenerate.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "engine/admin.h"
#include "engine/issue.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass reset --admin NAME [--password-file FILE] [--show]\n"
	"                     [--format tsv|csv|ndjson] USERNAME\n"
	"\n"
	"Regenerates one user's temporary password as a batch of one, after\n"
	"the admin confirms their own password, and writes the record (the\n"
	"columns of select, then site, batch, version, generated_at, expires,\n"
	"password). A user who has claimed their account is refused.\n";

static const char *const cols[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"group", "born_day", "email", "email_verified", "claimed",
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

	for (size_t i = 0; i < 10; i++)
		vals[i] = v[i];
	for (size_t i = 0; i < 6; i++)
		vals[10 + i] = o->extra[i];
	return rec_write(o->w, vals);
}

static int cmd_reset(struct ctx *ctx, int argc, char **argv);

const struct stage stage_reset = {
	.name = "reset",
	.summary = "a new temporary password for one user",
	.usage = usage,
	.exec = cmd_reset,
};

static int cmd_reset(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "show", no_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin = NULL, *pwfile = NULL, *format = "tsv";
	struct issue is = { 0 };
	struct issue_item item = { 0 };
	char batch[24], version[24], gen[32], exp[32], crit[200];
	struct out o = { 0 };
	enum rec_format f;
	int show = 0, c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': admin = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'S': show = 1; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_reset);
		default: return stage_bad_option(&stage_reset, argv, "");
		}
	}
	if (argc - optind != 1)
		return stage_usage(&stage_reset, "give one USERNAME");
	if (rec_format_parse(format, &f) != 0)
		return stage_usage(&stage_reset, "--format '%s': not tsv, csv, "
				   "ndjson or table", format);
	if (!admin)
		return stage_usage(&stage_reset, "say which admin acts: "
				   "--admin NAME");
	if (!show && isatty(STDOUT_FILENO)) {
		errorf("refusing to write a password to a terminal; redirect "
		       "the output or use --show");
		return EX_USAGE;
	}
	if ((rc = confirm_admin(ctx, admin, pwfile)) != 0)
		return rc;
	item.username = argv[optind];
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
	if ((rc = issue_batch(ctx, &is, admin, crit)) != 0)
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
	o.extra[0] = ctx->site->name;
	o.extra[1] = batch;
	o.extra[2] = version;
	o.extra[3] = gen;
	o.extra[4] = exp;
	o.extra[5] = is.items[0].password;
	o.w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	rc = store_select_user(ctx->store, ctx->site_id, item.username,
			       "reset", write_one, &o);
	if (rec_writer_close(o.w) != 0 || rc) {
		errorf("cannot write the password; batch v%lld exists: reset "
		       "again for a new one", is.version);
		rc = EX_IOERR;
		goto out;
	}
	printf_inert(stderr, "batch v%lld: new password for %s%s\n",
		     is.version, item.username,
		     is.voided ? "; the older one is void" : "");
out:
	issue_release(&is);
	return rc;
}
