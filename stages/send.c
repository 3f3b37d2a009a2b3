/*
 * send: the stage that delivers the mail queue notify writes over SMTP.
 * The delivery itself is the engine's (engine/send.c).
 */
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
	struct send_opts o = { .limit = -1 };
	const struct stage_opt opts[] = {
		OPT_FLAG(0, "dry-run", &o.dry_run),
		OPT_STRING(0, "format", &o.format),
		OPT_INT(0, "limit", &o.limit, 0, LONG_MAX),
		OPT_FLAG(0, "retry-refused", &o.retry_refused),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_send, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi != argc)
		return stage_usage(&stage_send, "unexpected '%s'",
				   argv[argi]);
	if (o.format && !o.dry_run)
		return stage_usage(&stage_send, "--format shapes the --dry-run "
				   "listing only");
	return send_queue(ctx, &o);
}
