/*
 * notify: the seed's alternative to paper. For each selected user with a
 * verified email address it queues a password-reset email carrying a
 * single-use link, instead of a printed password; the email never holds a
 * password. Users without a verified address are passed on in the output
 * stream, so a pipeline can print strips for them.
 *
 * One notify is a batch (stages/mail.c): its tokens, stored only as hashes,
 * void the users' older tokens and unclaimed passwords, as a newer list
 * voids an older one.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/tty.h"
#include "core/util.h"
#include "engine/admin.h"
#include "formats/eml.h"
#include "engine/issue.h"
#include "engine/mail.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass notify --admin NAME [options] < SELECTION\n"
	"\n"
	"Queues a password-reset email, with a single-use link, for each user\n"
	"of the selection (select's output) who has a verified email address,\n"
	"as one batch. Users without one are written to standard output as\n"
	"they came, for printing. Messages go to [email] queue_dir; 'tempass\n"
	"send' delivers them.\n"
	"\n"
	"Options:\n"
	"  --admin NAME          the administrator acting (default: [run] admin)\n"
	"  --password-file FILE  the admin password from FILE (mode 0600)\n"
	"  --yes                 do not ask before queueing\n"
	"  --dry-run             say how many would be queued; change nothing\n"
	"  --input FILE          read the selection from FILE, not stdin\n"
	"  --format tsv|csv|ndjson  the output format (default tsv)\n";

/* Passes the users who get no email on, as they came. */
static int pass_on(const struct issue_input *inp, const struct issue *is,
		   enum rec_format f)
{
	struct rec_writer *w = rec_writer_new(stdout, f,
		(const char *const *)inp->cols, inp->ncols);
	int rc = 0;

	for (size_t i = 0; i < is->n && rc == 0; i++) {
		const struct issue_item *it = &is->items[i];

		if (it->skip || it->email)
			continue;
		rc = rec_write(w, (const char *const *)inp->rows[i]);
	}
	if (rec_writer_close(w) != 0 || rc)
		return EX_IOERR;
	return 0;
}

static int cmd_notify(struct ctx *ctx, int argc, char **argv);

const struct stage stage_notify = {
	.name = "notify",
	.summary = "queue password-reset emails for users with a verified address",
	.usage = usage,
	.exec = cmd_notify,
};

static int cmd_notify(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin = NULL, *pwfile = NULL, *input = NULL;
	const char *format = "tsv";
	struct issue_input inp = { .group_col = -1 };
	struct issue is = { 0 };
	struct mail m = { 0 };
	size_t email = 0, print = 0, queued = 0, rejected = 0;
	int yes = 0, dry_run = 0, c, rc;
	enum rec_format f;
	char *crit = NULL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': admin = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'y': yes = 1; break;
		case 'n': dry_run = 1; break;
		case 'i': input = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_notify);
		default: return stage_bad_option(&stage_notify, argv, "");
		}
	}
	if (optind != argc)
		return stage_usage(&stage_notify, "unexpected '%s'",
				   argv[optind]);
	if (rec_format_parse(format, &f) != 0 || f == REC_TABLE)
		return stage_usage(&stage_notify, "--format '%s': not tsv, "
				   "csv or ndjson", format);
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	if (mail_load(ctx, &m) != 0) {
		mail_release(&m);
		return EX_CONFIG;
	}
	if (!admin)
		admin = ctx->cfg->run_admin;
	if (!admin) {
		mail_release(&m);
		return stage_usage(&stage_notify, "say which admin acts: "
				   "--admin NAME");
	}
	rc = issue_read_input(input, &inp, &is);
	if (rc || (rc = confirm_admin(ctx, admin, pwfile)) != 0 ||
	    (rc = issue_resolve(ctx, &is)) != 0)
		goto out;
	if (is.unknown) {
		errorf("%zu user(s) of the stream are unknown at site '%s'; "
		       "nothing changed", is.unknown, ctx->site->code);
		rc = EX_DATAERR;
		goto out;
	}
	for (size_t i = 0; i < is.n; i++) {
		const struct issue_item *it = &is.items[i];

		if (it->skip)
			continue;
		if (it->email && !eml_addr_valid(it->email)) {
			warnf("'%s': email '%s' is not an address tempass will "
			      "write to; passed on for print", it->username,
			      it->email);
			is.items[i].email = NULL;
		}
		if (it->email)
			email++;
		else
			print++;
	}
	crit = issue_criteria(&inp);
	printf_inert(stderr, "%zu reset email(s) will be queued at %s (%s); "
		     "%zu user(s) without a verified address passed on for "
		     "print", email, ctx->site->name, crit, print);
	if (is.claimed || is.left)
		fprintf(stderr, "; skipped: %zu claimed their account, %zu "
			"left", is.claimed, is.left);
	fputc('\n', stderr);
	if (dry_run)
		goto out;
	if (email && !yes) {
		int ok = tty_confirm("Queue them now?");

		if (ok <= 0) {
			if (ok == 0)
				errorf("cancelled; nothing changed");
			rc = ok < 0 ? EX_USAGE : 1;
			goto out;
		}
	}
	if (email && (rc = mail_batch(ctx, &is, admin, crit, &m, &queued,
					&rejected)) != 0)
		goto out;
	fprintf(stderr, "%zu queued, %zu passed on for print%s\n", queued,
		print, rejected ? ", some rejected (see above)" : "");
	rc = pass_on(&inp, &is, f);
	if (rc == 0 && rejected)
		rc = EX_DATAERR;
out:
	free(crit);
	issue_input_release(&inp);
	issue_release(&is);
	mail_release(&m);
	return rc;
}
