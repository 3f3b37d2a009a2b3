/*
 * send: the stage that delivers the mail queue notify writes over SMTP.
 * The delivery itself is the engine's (engine/send.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "engine/send.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass send [--dry-run [--format F]] [--limit N] "
	"[--retry-refused]\n"
	"\n"
	"Delivers the messages in [email] queue_dir/new over SMTP (smtp_url,\n"
	"with the login in smtp_credentials when set), oldest name first, and\n"
	"moves each one sent to cur/, its link's token overwritten. A message\n"
	"whose link is no longer current (a newer notify voided it, it was\n"
	"used or expired, its user left or claimed) is dropped, not sent, and\n"
	"audited. A message the server refuses for good\n"
	"(5xx) is marked refused and stays in new/; one it defers (4xx) stays\n"
	"queued for the next run. When the server cannot be reached, nothing\n"
	"is lost: every message stays queued. Messages that a crashed notify\n"
	"left in tmp/ are recovered; files there with no delivery recorded and\n"
	"older than an hour are deleted. Safe to run from cron.\n"
	"\n"
	"Options:\n"
	"  --dry-run        list what would be done (file, recipient, state,\n"
	"                   attempts, action, last_error); change nothing\n"
	"  --format F       the listing as tsv, csv, ndjson or table\n"
	"  --limit N        try at most N messages in this run\n"
	"  --retry-refused  try the messages refused before again\n"
	"\n"
	"smtp_url may end in /DOMAIN, the name sent in EHLO (default: the\n"
	"domain of [email] from).\n"
	"\n"
	"Exit status: 0 when every message tried was sent, 65 when one was\n"
	"refused, 75 when one was deferred or the server could not be reached\n"
	"(65 wins over 75), 77 when the server refused the login or wants one,\n"
	"78 when [email] or the smtp_credentials file is wrong, 69 when\n"
	"libcurl (libcurl.so.4, Debian package libcurl4) cannot be loaded.\n";

static int cmd_send(struct ctx *ctx, int argc, char **argv);

const struct stage stage_send = {
	.name = "send",
	.summary = "deliver the queued emails over SMTP",
	.usage = usage,
	.exec = cmd_send,
};

static int cmd_send(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'l' },
		{ "retry-refused", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct send_opts o = { .limit = -1 };
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = 1;
			break;
		case 'f':
			o.format = optarg;
			break;
		case 'l':
			errno = 0;
			o.limit = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.limit < 0)
				return stage_usage(&stage_send, "--limit '%s' "
						   "is not a count", optarg);
			break;
		case 'r':
			o.retry_refused = 1;
			break;
		case 'h':
			return stage_help(&stage_send);
		default:
			return stage_bad_option(&stage_send, argv, "");
		}
	}
	if (optind != argc)
		return stage_usage(&stage_send, "unexpected '%s'",
				   argv[optind]);
	if (o.format && !o.dry_run)
		return stage_usage(&stage_send, "--format shapes the --dry-run "
				   "listing only");
	return send_queue(ctx, &o);
}
