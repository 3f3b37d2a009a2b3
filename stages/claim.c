/*
 * claim: records that users have set their own password. Their account
 * leaves the unclaimed list for good (regeneration skips them) and the
 * sealed copy of their temporary password is deleted. Reading a stream or
 * a directory's report is the engine's (engine/claim.c).
 */
#include <stdio.h>
#include <unistd.h>

#include "core/util.h"
#include "engine/claim.h"
#include "engine/credential.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass claim USERNAME...\n"
	"       tempass claim [--from usernames|ad|gam|ldif] [--input FILE] < STREAM\n"
	"\n"
	"Marks the users' accounts as claimed: they have set their own\n"
	"password. Without USERNAME, reads standard input (or --input FILE):\n"
	"  usernames  a record stream with a 'username' column; all or\n"
	"             nothing: an unknown user changes nothing\n"
	"  ad         an Active Directory export (Get-ADUser -Properties\n"
	"             pwdLastSet,lastLogonTimestamp | Export-Csv, or csvde):\n"
	"             sAMAccountName, pwdLastSet, lastLogonTimestamp (FILETIME)\n"
	"  gam        gam print users fields primaryemail,lastlogintime:\n"
	"             primaryEmail (the user's address, or the one [google]\n"
	"             email makes), lastLoginTime (ISO 8601)\n"
	"  ldif       an LDAP search result (ldapsearch ... uid\n"
	"             pwdChangedTime pwdReset): uid, pwdChangedTime and\n"
	"             authTimestamp (GeneralizedTime); an entry that still\n"
	"             holds pwdReset: TRUE has the administrator's password\n"
	"--from is told by the header when not given. From a report, a user\n"
	"whose password was set or who logged in after their current\n"
	"temporary password was issued is claimed; the others are left alone;\n"
	"a row naming no user is reported and skipped. [claim] user, match\n"
	"(username or email), changed and login in pipeline.conf name other\n"
	"columns. A user who had claimed already is named, and recorded\n"
	"once only.\n"
	"\n"
	"Options:\n"
	"  --from KIND   usernames, ad, gam or ldif\n"
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
				   "usernames, ad, gam or ldif", from_s);
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
