/*
 * token: what the school's password-reset web page calls. `token verify`
 * says whose a reset token is while it is current, unused and unexpired;
 * `token redeem` does the same and uses it up, once (engine/token.c).
 */
#include <string.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"
#include "engine/token.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass token verify < TOKEN\n"
	"       tempass token redeem < TOKEN\n"
	"\n"
	"Reads a reset token (from the link of a reset email) on standard\n"
	"input. 'verify' prints the username when the token is current,\n"
	"unused and unexpired; 'redeem' does the same and marks it used, so\n"
	"it works once. Exit 77 when the token is unknown, used, void or\n"
	"expired; 65 when the input is not a token.\n";

static int cmd_token(struct ctx *ctx, int argc, char **argv);

const struct stage stage_token = {
	.name = "token",
	.summary = "verify or redeem a password-reset token",
	.usage = usage,
	.exec = cmd_token,
};

static int cmd_token(struct ctx *ctx, int argc, char **argv)
{
	const struct stage_opt opts[] = { OPT_END };
	char buf[SECRETS_TOKEN_CHARS + 8], username[128];
	size_t n = 0;
	int argi, rc;

	if ((argi = stage_parse(&stage_token, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1 || (strcmp(argv[argi], "verify") != 0 &&
				   strcmp(argv[argi], "redeem") != 0))
		return stage_usage(&stage_token, "say verify or redeem");
	while (n < sizeof(buf) - 1 && read(STDIN_FILENO, buf + n, 1) == 1 &&
	       buf[n] != '\n')
		n++;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	rc = token_use(ctx, buf, n, strcmp(argv[argi], "redeem") == 0,
		       username, sizeof(username));
	secrets_wipe(buf, sizeof(buf));
	if (rc == 0)
		printf("%s\n", username);
	return rc;
}
