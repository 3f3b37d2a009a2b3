/*
 * claim: records that users have set their own password. Their account
 * leaves the unclaimed list for good (regeneration skips them) and the
 * sealed copy of their temporary password is deleted. What the input is
 * (usernames, or a directory's report) is the engine's (engine/claim.c).
 */
#include <stdio.h>
#include <unistd.h>

#include "core/util.h"
#include "engine/claim.h"
#include "engine/credential.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass claim USERNAME...\n"
	"       tempass claim [--from usernames|ldif] [--input FILE] < STREAM\n"
	"\n"
	"Marks the users' accounts as claimed: they have set their own\n"
	"password. Without USERNAME, reads standard input (or --input FILE):\n"
	"  usernames  a record stream with a 'username' column; all or\n"
	"             nothing: an unknown user changes nothing\n"
	"  ldif       an LDAP search result (ldapsearch ... uid\n"
	"             pwdChangedTime pwdReset): uid, pwdChangedTime and\n"
	"             authTimestamp (GeneralizedTime); an entry that still\n"
	"             holds pwdReset: TRUE has the administrator's password\n"
	"--from is told by the first bytes when not given ('dn:', 'version:'\n"
	"or '#' is ldif). From a report, a user whose password was set or\n"
	"who logged in after their current temporary password was issued is\n"
	"claimed; the others are left alone; an entry naming no user is\n"
	"reported and skipped. [claim] user, match (username or email),\n"
	"changed and login in pipeline.conf name other attributes. A user\n"
	"who had claimed already is named, and recorded once only.\n"
	"\n"
	"Options:\n"
	"  --from KIND   usernames or ldif\n"
	"  --input FILE  read FILE, not standard input\n";

static int cmd_claim(struct ctx *ctx, int argc, char **argv);

const struct stage stage_claim = {
	.name = "claim",
	.summary = "record that users have set their own password",
	.usage = usage,
	.exec = cmd_claim,
};

static int cmd_claim(struct ctx *ctx, int argc, char **argv)
{
	const char *from_s = NULL, *input = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "from", &from_s),
		OPT_STRING(0, "input", &input),
		OPT_END,
	};
	enum claim_from from = CLAIM_AUTO;
	FILE *in = stdin;
	int argi, rc;

	if ((argi = stage_parse(&stage_claim, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (from_s && claim_from_parse(from_s, &from) != 0)
		return stage_usage(&stage_claim, "--from: '%s' is not "
				   "usernames or ldif", from_s);
	if (argi < argc && (from_s || input))
		return stage_usage(&stage_claim, "give USERNAME or a stream, "
				   "not both");
	if (argi == argc && !input && isatty(STDIN_FILENO))
		return stage_usage(&stage_claim, "give USERNAME or a stream "
				   "on standard input");
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (argi < argc)
		return claim_users(ctx, argv + argi, (size_t)(argc - argi));
	if (input && !(in = fopen(input, "r"))) {
		errorf("'%s': cannot open: %m", input);
		return EX_NOINPUT;
	}
	rc = claim_stream(ctx, in, input ? input : "<stdin>", from);
	if (in != stdin)
		fclose(in);
	return rc;
}
