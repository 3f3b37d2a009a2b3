/*
 * user: one user's profile, as the seed's "My Profile" page shows it: who
 * they are, their groups, and their own event history from the audit log.
 */
#include <string.h>

#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass user [--format tsv|csv|ndjson|table] USERNAME\n"
	"\n"
	"Shows a user's profile (username, names, external id, type, groups,\n"
	"email, status) and then their events from the audit log (columns:\n"
	"id, at, actor, action, username, batch, detail).\n";

static const char *const fields[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"groups", "email", "email_verified", "status",
};

static int print_profile(void *ctx, const char *const *v)
{
	int *found = ctx;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		printf_inert(stdout, "%-15s %s\n", fields[i], v[i]);
	*found = 1;
	return 0;
}

static int cmd_user(struct ctx *ctx, int argc, char **argv);

const struct stage stage_user = {
	.name = "user",
	.summary = "one user's profile and event history",
	.usage = usage,
	.exec = cmd_user,
};

static int cmd_user(struct ctx *ctx, int argc, char **argv)
{
	const char *format = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	static const char *const cols[] = {
		"id", "at", "actor", "action", "username", "batch", "detail",
	};
	struct rec_writer *w;
	enum rec_format f;
	long long uid;
	int argi, rc, found = 0;

	if ((argi = stage_parse(&stage_user, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1)
		return stage_usage(&stage_user, "give one USERNAME");
	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	uid = store_user_id(ctx->store, ctx->site_id, argv[argi]);
	if (uid <= 0) {
		if (uid == 0)
			errorf("no user '%s' at site '%s'", argv[argi],
			       ctx->site->code);
		return uid == 0 ? EX_DATAERR : store_status((int)uid);
	}
	rc = store_list_users(ctx->store, ctx->site_id, NULL, NULL,
			      argv[argi], print_profile, &found);
	if (rc)
		return store_status(rc);
	printf("\nevents:\n");
	fflush(stdout);
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	rc = store_list_audit(ctx->store, ctx->site_id, uid, 0, 0,
			      write_record, w);
	if (rec_writer_close(w) != 0) {
		errorf("cannot write the events: standard output failed");
		return EX_IOERR;
	}
	return rc ? store_status(rc) : 0;
}
