/*
 * unclaimed: the seed's Unclaimed Password page. Lists users who have not
 * claimed their account, with the real state of their newest temporary
 * password, hidden as dots unless --show, which needs the admin's
 * confirmation and writes one audit event per password revealed. The list
 * is the engine's (engine/unclaimed.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "engine/unclaimed.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass unclaimed [--group NAME] [--search TEXT]\n"
	"                         [--sort name|username|group|expires|version]\n"
	"                         [--show --admin NAME [--password-file FILE]]\n"
	"                         [--format tsv|csv|ndjson|table]\n"
	"\n"
	"Lists users who were given a temporary password and have not claimed\n"
	"their account: username, forename, surname, groups, and of their\n"
	"newest password: version (of the batch), generated_at, expires,\n"
	"state (current; expired once past its expiry; locked after 10 failed\n"
	"attempts; void when a reset email or lost lists ended it), password\n"
	"(dots unless --show; \"(no current password)\" when none is current).\n"
	"--search finds TEXT in the username or the name, whatever its case,\n"
	"accents or script (celik finds Çelik). An unknown --group is refused\n"
	"(exit 65) with the nearest groups.\n";

static int cmd_unclaimed(struct ctx *ctx, int argc, char **argv);

const struct stage stage_unclaimed = {
	.name = "unclaimed",
	.summary = "users who have not claimed their account yet",
	.usage = usage,
	.exec = cmd_unclaimed,
};

static int cmd_unclaimed(struct ctx *ctx, int argc, char **argv)
{
	struct unclaimed_opts o = { .sort = "name" };
	const char *format = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "group", &o.group),
		OPT_STRING(0, "search", &o.search),
		OPT_STRING(0, "sort", &o.sort),
		OPT_FLAG(0, "show", &o.show),
		OPT_STRING(0, "admin", &o.admin),
		OPT_STRING(0, "password-file", &o.password_file),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	static const char *const sorts[] = { "name", "username", "group",
					     "expires", "version" };
	int argi, rc, ok = 0;

	if ((argi = stage_parse(&stage_unclaimed, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_unclaimed, "unexpected '%s'",
				   argv[argi]);
	for (size_t i = 0; i < ARRAY_SIZE(sorts); i++)
		ok |= strcmp(o.sort, sorts[i]) == 0;
	if (!ok)
		return stage_usage(&stage_unclaimed, "--sort '%s': not name, "
				   "username, group, expires or version",
				   o.sort);
	if (o.show && !o.admin)
		return stage_usage(&stage_unclaimed, "--show needs --admin "
				   "NAME: showing passwords is confirmed and "
				   "audited");
	if (listing_format(format, stdout, &o.format) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	return unclaimed_list(ctx, &o);
}
