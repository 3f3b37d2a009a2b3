/*
 * verify: what a login service calls to check a temporary password. Exit 0
 * when the password on standard input is the user's current, unexpired,
 * unclaimed temporary password. Each failure is counted and audited; after
 * ten the credential answers no more, so it cannot be guessed online.
 */
#include <unistd.h>

#include "core/util.h"
#include "engine/credential.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass verify [USERNAME] < PASSWORD\n"
	"\n"
	"Reads one line from standard input (or a password ended by a NUL,\n"
	"as pam_exec's expose_authtok writes it) and exits 0 when it is the\n"
	"user's current, unexpired, unclaimed temporary password; 77\n"
	"otherwise, with the reason on standard error (\"voided by batch v6\",\n"
	"\"expired on ...\", \"claimed\", a wrong password). After 10 failed\n"
	"attempts the password is refused until it is regenerated. Without\n"
	"USERNAME, the user is PAM_USER's, so that PAM can call it:\n"
	"  auth required pam_exec.so expose_authtok quiet /usr/local/bin/tempass verify\n";

static int cmd_verify(struct ctx *ctx, int argc, char **argv);

const struct stage stage_verify = {
	.name = "verify",
	.summary = "check a temporary password (for a login service)",
	.usage = usage,
	.exec = cmd_verify,
};

static int cmd_verify(struct ctx *ctx, int argc, char **argv)
{
	const struct stage_opt opts[] = { OPT_END };
	int argi, rc;

	if ((argi = stage_parse(&stage_verify, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi > 1)
		return stage_usage(&stage_verify, "give one USERNAME");
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	return credential_verify_fd(ctx, argi < argc ? argv[argi] : NULL,
				    STDIN_FILENO);
}
