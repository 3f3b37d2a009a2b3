/*
 * claim: records that users have set their own password. Their account
 * leaves the unclaimed list for good (regeneration skips them) and the
 * sealed copy of their temporary password is deleted. What the input is
 * (usernames, or a directory's report) is the engine's (engine/claim.c).
 */
#include <unistd.h>

#include "core/util.h"
#include "engine/claim.h"
#include "engine/credential.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass claim USERNAME...\n"
	"       tempass claim < STREAM\n"
	"       ldapsearch ... uid pwdChangedTime pwdReset | tempass claim\n"
	"\n"
	"Marks the users' accounts as claimed: they have set their own\n"
	"password. Without USERNAME, reads a record stream with a 'username'\n"
	"column on standard input. All or nothing: an unknown user changes\n"
	"nothing. A user who had claimed already is named, and recorded\n"
	"once only.\n"
	"\n"
	"Input that starts with 'dn:', 'version:' or '#' is an LDAP search\n"
	"result (or [claim] format = ldif): each user whose pwdChangedTime or\n"
	"authTimestamp is later than their current password's batch, and\n"
	"whose entry lacks pwdReset: TRUE, is claimed; the others are left\n"
	"alone. Entries are matched by [claim] match (username: uid, email:\n"
	"mail). Prints how many were claimed, unchanged and unknown.\n";

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
	int argi, rc;

	if ((argi = stage_parse(&stage_claim, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (argi < argc)
		return claim_users(ctx, argv + argi, (size_t)(argc - argi));
	if (isatty(STDIN_FILENO))
		return stage_usage(&stage_claim, "give USERNAME or a stream "
				   "on standard input");
	return claim_input(ctx, stdin, "<stdin>");
}
