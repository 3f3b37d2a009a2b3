/*
 * verify: what a login service calls to check a temporary password. Exit 0
 * when the password on standard input is the user's current, unexpired,
 * unclaimed temporary password. Each failure is counted and audited; after
 * ten the credential answers no more, so it cannot be guessed online.
 */
#include <string.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"
#include "engine/credential.h"
#include "stages/stage.h"

#define PW_MAX 256

static const char usage[] =
	"usage: tempass verify USERNAME < PASSWORD\n"
	"\n"
	"Reads one line from standard input and exits 0 when it is the\n"
	"user's current, unexpired, unclaimed temporary password; 77\n"
	"otherwise, with the reason on standard error (\"voided by batch v6\",\n"
	"\"expired on ...\", \"claimed\", a wrong password). After 10 failed\n"
	"attempts the password is refused until it is regenerated.\n";

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
	char *pw = NULL;
	size_t len = 0;
	ssize_t got;
	int argi, rc;

	if ((argi = stage_parse(&stage_verify, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1)
		return stage_usage(&stage_verify, "give one USERNAME");
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	pw = secrets_alloc(PW_MAX + 2);
	if (!pw)
		die("tempass: out of memory");
	while (len < PW_MAX + 1 &&
	       (got = read(STDIN_FILENO, pw + len, 1)) == 1 &&
	       pw[len] != '\n')
		len++;
	if (len > PW_MAX) {
		errorf("the password on standard input is too long");
		rc = EX_DATAERR;
		goto out;
	}
	if (len && pw[len - 1] == '\r')
		len--;
	pw[len] = '\0';
	rc = credential_verify(ctx, argv[argi], pw, len);
out:
	secrets_free(pw);
	return rc;
}
