/*
 * user: the helpdesk's view of one user: who they are, their groups, what
 * became of each of their temporary passwords, and their own event history
 * from the audit log (engine/credential.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "engine/credential.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass user [--slip VERSION] [--format tsv|csv|ndjson|table]\n"
	"                    USERNAME\n"
	"\n"
	"The helpdesk's view of a user: their profile (username, names,\n"
	"external id, type, groups, email, status), their password now (its\n"
	"batch version, expiry, failed attempts of 10, whether it is locked),\n"
	"each of their temporary passwords (version, generated_at, expires,\n"
	"state, failed, why), and their events from the audit log (id, at,\n"
	"actor, action, username, batch, detail).\n"
	"\n"
	"  --slip VERSION  whether the password on a slip of batch VERSION\n"
	"                  (3 or v3) is current: exit 0 when it is, 77 when\n"
	"                  not, with the reason\n";

static int cmd_user(struct ctx *ctx, int argc, char **argv);

const struct stage stage_user = {
	.name = "user",
	.summary = "one user: profile, passwords, events (the helpdesk view)",
	.usage = usage,
	.exec = cmd_user,
};

static int cmd_user(struct ctx *ctx, int argc, char **argv)
{
	const char *format = NULL, *slip = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "format", &format),
		OPT_STRING(0, "slip", &slip),
		OPT_END,
	};
	long long version = 0;
	enum rec_format f;
	int argi, rc;

	if ((argi = stage_parse(&stage_user, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1)
		return stage_usage(&stage_user, "give one USERNAME");
	if (slip) {
		char *end;

		version = strtoll(slip + (*slip == 'v'), &end, 10);
		if (version <= 0 || *end || end == slip + (*slip == 'v'))
			return stage_usage(&stage_user, "--slip '%s': not a "
					   "batch version (3 or v3)", slip);
	}
	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	return user_show(ctx, argv[argi], version, f);
}
