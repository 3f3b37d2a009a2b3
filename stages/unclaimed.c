/*
 * unclaimed: the seed's Unclaimed Password page. Lists users whose current
 * temporary password has not been claimed, with the password hidden as dots
 * unless --show, which needs the admin's confirmation and writes one audit
 * event per password revealed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/secrets.h"
#include "core/util.h"
#include "engine/admin.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass unclaimed [--group NAME] [--search TEXT]\n"
	"                         [--sort name|username|group|expires|version]\n"
	"                         [--show --admin NAME [--password-file FILE]]\n"
	"                         [--format tsv|csv|ndjson|table]\n"
	"\n"
	"Lists users with a current, unclaimed temporary password: username,\n"
	"forename, surname, groups, version (of the batch), generated_at,\n"
	"expires, state (current, or expired once past its expiry), password\n"
	"(dots unless --show).\n";

static const char *const cols[] = {
	"username", "forename", "surname", "groups", "version",
	"generated_at", "expires", "state", "password",
};

struct list {
	struct ctx *ctx;
	struct rec_writer *w;
	const char *admin;
	int show;
	int failed;
	size_t n;
};

static int row(void *arg, const char *const *v)
{
	struct list *l = arg;
	struct ctx *ctx = l->ctx;
	const char *vals[ARRAY_SIZE(cols)];
	struct store_credential c;
	char plain[512], ad[128];
	int rc;

	memcpy(vals, v, 8 * sizeof(*vals));
	vals[8] = "••••••••";
	l->n++;
	if (l->show) {
		long long cred = strtoll(v[8], NULL, 10);
		long long user = strtoll(v[9], NULL, 10);
		long long batch = strtoll(v[10], NULL, 10);
		long len;

		if (store_credential_get(ctx->store, cred, &c) != 1 ||
		    !c.sealed_len) {
			vals[8] = "(hashed: cannot be shown)";
			return rec_write(l->w, vals);
		}
		len = unseal(ctx->key, c.sealed, c.sealed_len, ad,
			     credential_ad(ad, sizeof(ad), ctx->site_id, user,
					   batch), plain);
		secrets_wipe(c.sealed, sizeof(c.sealed));
		if (len < 0) {
			errorf("the password of '%s' does not open: wrong key "
			       "file, or the database was tampered with",
			       v[0]);
			l->failed = 1;
			vals[8] = "(cannot be opened)";
			return rec_write(l->w, vals);
		}
		plain[len] = '\0';
		vals[8] = plain;
		rc = store_audit(ctx->store, ctx->site_id, l->admin,
				 "credential.reveal", user, batch, "shown by "
				 "unclaimed --show");
		if (rc == 0)
			rc = rec_write(l->w, vals);
		secrets_wipe(plain, sizeof(plain));
		return rc;
	}
	return rec_write(l->w, vals);
}

static int cmd_unclaimed(struct ctx *ctx, int argc, char **argv);

const struct stage stage_unclaimed = {
	.name = "unclaimed",
	.summary = "users who have not claimed their account yet",
	.usage = usage,
	.exec = cmd_unclaimed,
};

static int cmd_unclaimed(struct ctx *ctx, int argc, char **argv)
{
	const char *group = NULL, *search = NULL, *sort = "name";
	const char *pwfile = NULL, *format = NULL;
	struct list l = { .ctx = ctx };
	const struct stage_opt opts[] = {
		OPT_STRING(0, "group", &group),
		OPT_STRING(0, "search", &search),
		OPT_STRING(0, "sort", &sort),
		OPT_FLAG(0, "show", &l.show),
		OPT_STRING(0, "admin", &l.admin),
		OPT_STRING(0, "password-file", &pwfile),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	static const char *const sorts[] = { "name", "username", "group",
					     "expires", "version" };
	enum rec_format f;
	int argi, rc, ok = 0;

	if ((argi = stage_parse(&stage_unclaimed, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_unclaimed, "unexpected '%s'",
				   argv[argi]);
	for (size_t i = 0; i < ARRAY_SIZE(sorts); i++)
		ok |= strcmp(sort, sorts[i]) == 0;
	if (!ok)
		return stage_usage(&stage_unclaimed, "--sort '%s': not name, "
				   "username, group, expires or version", sort);
	if (l.show && !l.admin)
		return stage_usage(&stage_unclaimed, "--show needs --admin "
				   "NAME: showing passwords is confirmed and "
				   "audited");
	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (l.show) {
		if (!ctx->cfg->reveal) {
			errorf("passwords are kept only as hashes (reveal = "
			       "no): they cannot be shown; regenerate for a "
			       "new list");
			return EX_UNAVAILABLE;
		}
		if ((rc = confirm_admin(ctx, l.admin, pwfile)) != 0 ||
		    (rc = ctx_key(ctx, 0)) != 0)
			return rc;
		if ((rc = store_begin(ctx->store)) != 0)
			return store_status(rc);
	}
	l.w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	rc = store_list_unclaimed(ctx->store, ctx->site_id, group, search,
				  sort, row, &l);
	if (l.show) {
		if (rc == 0)
			rc = store_commit(ctx->store);
		else
			store_rollback(ctx->store);
	}
	if (rec_writer_close(l.w) != 0) {
		errorf("cannot write the list: standard output failed");
		return EX_IOERR;
	}
	if (rc)
		return store_status(rc);
	return l.failed ? EX_DATAERR : 0;
}
