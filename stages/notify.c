/*
 * notify: the seed's alternative to paper. For each selected user with a
 * verified email address it queues a password-reset email carrying a
 * single-use link, instead of a printed password; the email never holds a
 * password. Users without a verified address are passed on in the output
 * stream, so a pipeline can print strips for them.
 *
 * One notify is a batch: its tokens (stored only as hashes) void the users'
 * older tokens and unclaimed passwords, as a newer list voids an older one.
 * Messages are written to QUEUE/tmp first, the batch is committed, and only
 * then are they moved to QUEUE/new, so `tempass send` never sends a link
 * whose token the store does not hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/template.h"
#include "core/tty.h"
#include "core/util.h"
#include "formats/eml.h"
#include "stages/issue.h"
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

static const char *const placeholders[] = {
	"forename", "surname", "username", "site", "reset_link", "expires",
	NULL,
};

struct mail {
	struct template *subject, *text, *html;
};

static void mail_release(struct mail *m)
{
	template_free(m->subject);
	template_free(m->text);
	template_free(m->html);
}

static int load_templates(struct ctx *ctx, struct mail *m)
{
	const char *dir = ctx->cfg->templates_dir;
	char *p;

	p = xasprintf("%s/reset.subject", dir);
	m->subject = template_load(p, placeholders, TEMPLATE_ONE_LINE);
	free(p);
	p = xasprintf("%s/reset.txt", dir);
	m->text = template_load(p, placeholders, 0);
	free(p);
	p = xasprintf("%s/reset.html", dir);
	m->html = template_load(p, placeholders, 0);
	free(p);
	return m->subject && m->text && m->html ? 0 : -1;
}

/* "Sunday 6 September 2026, 08:14 UTC" */
static void human_time(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%A %e %B %Y, %H:%M UTC", &tm);
	/* %e pads one-digit days with a space. */
	for (char *p = strstr(out, "  "); p; p = strstr(p, "  "))
		memmove(p, p + 1, strlen(p));
}

/* The reset link: reset_url with {{token}} replaced. */
static char *reset_link(const char *url, const char *token)
{
	const char *at = strstr(url, "{{token}}");
	struct sbuf sb = SBUF_INIT;

	sbuf_add(&sb, url, (size_t)(at - url));
	sbuf_addstr(&sb, token);
	sbuf_addstr(&sb, at + strlen("{{token}}"));
	return sbuf_detach(&sb);
}

/*
 * Renders the message for item it with token into out. Returns 0, or -1
 * after reporting why this user cannot be sent to (a name that would break
 * a header, a bad address).
 */
static int compose(struct ctx *ctx, const struct mail *m,
		   const struct issue_item *it, const char *token,
		   const char *expires, struct sbuf *out)
{
	char *link = reset_link(ctx->cfg->reset_url, token);
	struct template_var vars[] = {
		{ "forename", it->forename }, { "surname", it->surname },
		{ "username", it->username }, { "site", ctx->site->name },
		{ "reset_link", link },       { "expires", expires },
		{ NULL, NULL },
	};
	struct sbuf subject = SBUF_INIT, text = SBUF_INIT, html = SBUF_INIT;
	char *to_name = xasprintf("%s %s", it->forename, it->surname);
	struct eml_message msg = {
		.from = { ctx->cfg->mail_from_name ? ctx->cfg->mail_from_name :
			  ctx->site->name, ctx->cfg->mail_from },
		.to = { to_name, it->email },
		.date = now_seconds(),
		.id_domain = ctx->cfg->message_id_domain,
	};
	int rc = -1;

	if (template_render(m->subject, TEMPLATE_TEXT, template_vars, vars,
			    &subject) != 0 ||
	    template_render(m->text, TEMPLATE_TEXT, template_vars, vars,
			    &text) != 0 ||
	    template_render(m->html, TEMPLATE_HTML, template_vars, vars,
			    &html) != 0)
		goto out;
	msg.subject = subject.buf;
	msg.text = text.buf;
	msg.html = html.buf;
	rc = eml_compose(&msg, out);
out:
	/* The link and bodies hold the token. */
	secrets_wipe(link, strlen(link));
	if (text.buf)
		secrets_wipe(text.buf, text.len);
	if (html.buf)
		secrets_wipe(html.buf, html.len);
	free(link);
	free(to_name);
	sbuf_release(&subject);
	sbuf_release(&text);
	sbuf_release(&html);
	return rc;
}

/* Writes data as a new 0600 file dir/name. 0, or -1 reported. */
static int write_new(const char *dir, const char *name, const char *data,
		     size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		errorf("'%s': cannot write: %s", path, strerror(errno));
		rc = -1;
		if (fd >= 0)
			unlink(path);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

struct queued {
	char name[64];
	long long item;
};

static int queue_dirs(const char *queue, char **tmp, char **new)
{
	char *cur = xasprintf("%s/cur", queue);
	int rc;

	*tmp = xasprintf("%s/tmp", queue);
	*new = xasprintf("%s/new", queue);
	rc = mkdir_p(*tmp, 0700) || mkdir_p(*new, 0700) || mkdir_p(cur, 0700);
	free(cur);
	return rc ? -1 : 0;
}

static int notify_batch(struct ctx *ctx, struct issue *is, const char *actor,
			const char *criteria, const struct mail *m,
			size_t *queued, size_t *rejected)
{
	struct store *st = ctx->store;
	struct queued *q = xcalloc(is->n + 1, sizeof(*q));
	char *tmpdir = NULL, *newdir = NULL;
	struct sbuf msg = SBUF_INIT, detail = SBUF_INIT;
	long long now = now_seconds(), batch, version;
	long long expires = now + (long long)ctx->cfg->token_hours * 3600;
	char exp_text[64];
	size_t nq = 0, count = 0;
	int rc;

	human_time(expires, exp_text, sizeof(exp_text));
	if (queue_dirs(ctx->cfg->queue_dir, &tmpdir, &newdir) != 0) {
		rc = EX_CANTCREAT;
		goto out;
	}
	for (size_t i = 0; i < is->n; i++)
		count += !is->items[i].skip && is->items[i].email;
	if ((rc = store_begin(st)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	if ((rc = store_batch_create(st, ctx->site_id, actor, criteria,
				     (long long)count, now, &batch,
				     &version)) != 0 ||
	    (rc = store_batch_set_kind(st, batch, "email")) != 0)
		goto fail_store;
	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];
		char token[SECRETS_TOKEN_CHARS + 1];
		unsigned char hash[SECRETS_HASH_BYTES], rnd[8];
		char hex[17];
		long long id;

		if (it->skip || !it->email)
			continue;
		token_new(token);
		sbuf_reset(&msg);
		if (compose(ctx, m, it, token, exp_text, &msg) != 0) {
			errorf("'%s' is not sent an email (see above)",
			       it->username);
			secrets_wipe(token, sizeof(token));
			(*rejected)++;
			it->skip = ISSUE_DUPLICATE;   /* not passed on either */
			continue;
		}
		secrets_hash(token, strlen(token), hash);
		secrets_wipe(token, sizeof(token));
		secrets_random(rnd, sizeof(rnd));
		secrets_hex(rnd, sizeof(rnd), hex);
		snprintf(q[nq].name, sizeof(q[nq].name), "%lld.%s.eml", now,
			 hex);
		rc = write_new(tmpdir, q[nq].name, msg.buf, msg.len);
		secrets_wipe(msg.buf, msg.len);
		if (rc) {
			rc = EX_CANTCREAT;
			goto fail;
		}
		q[nq++].item = (long long)i;
		if ((rc = store_token_issue(st, batch, it->user_id, hash,
					    sizeof(hash), expires, now)) != 0)
			goto fail_store;
		id = store_delivery_add(st, q[nq - 1].name, q[nq - 1].name,
					it->user_id, batch, it->email, now);
		if (id < 0) {
			rc = (int)id;
			goto fail_store;
		}
		sbuf_reset(&detail);
		sbuf_addf(&detail, "batch v%lld; reset email to %s; group "
			  "'%s'", version, it->email, it->group ? it->group :
			  "");
		if ((rc = store_audit(st, ctx->site_id, actor, "token.issue",
				      it->user_id, batch, detail.buf)) != 0)
			goto fail_store;
	}
	sbuf_reset(&detail);
	sbuf_addf(&detail, "%s; %zu reset email(s) queued, %zu rejected",
		  criteria, nq, *rejected);
	if ((rc = store_audit(st, ctx->site_id, actor, "batch.create", 0,
			      batch, detail.buf)) != 0 ||
	    (rc = store_commit(st)) != 0)
		goto fail_store;
	/* Committed: hand the messages to send. A crash here leaves them in
	 * tmp/, where send finds them by their delivery rows. */
	for (size_t k = 0; k < nq; k++) {
		char *from = xasprintf("%s/%s", tmpdir, q[k].name);
		char *to = xasprintf("%s/%s", newdir, q[k].name);

		if (rename(from, to) != 0)
			warnf("'%s': cannot move to %s: %s (send will find "
			      "it)", from, newdir, strerror(errno));
		free(from);
		free(to);
	}
	*queued = nq;
	fprintf(stderr, "batch v%lld: %zu reset email(s) queued in %s\n",
		version, nq, newdir);
	rc = 0;
	goto out;
fail_store:
	rc = store_status(rc);
fail:
	store_rollback(st);
	for (size_t k = 0; k < nq; k++) {
		char *p = xasprintf("%s/%s", tmpdir, q[k].name);

		unlink(p);
		free(p);
	}
out:
	sbuf_release(&msg);
	sbuf_release(&detail);
	free(q);
	free(tmpdir);
	free(newdir);
	return rc;
}

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
	FILE *in = stdin;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': admin = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'y': yes = 1; break;
		case 'n': dry_run = 1; break;
		case 'i': input = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_notify);
		default: return stage_usage(&stage_notify, "bad option");
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
	if (!ctx->cfg->mail_from || !ctx->cfg->reset_url) {
		errorf("'%s': [email] needs from and reset_url (with "
		       "{{token}}) to send reset emails", ctx->config_path);
		return EX_CONFIG;
	}
	if (!eml_addr_valid(ctx->cfg->mail_from)) {
		errorf("'%s': [email] from '%s' is not an address",
		       ctx->config_path, ctx->cfg->mail_from);
		return EX_CONFIG;
	}
	if (load_templates(ctx, &m) != 0) {
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
	if (input && !(in = fopen(input, "r"))) {
		errorf("'%s': cannot open: %s", input, strerror(errno));
		mail_release(&m);
		return EX_NOINPUT;
	}
	rc = issue_read_input(in, input ? input : "<stdin>", &inp, &is);
	if (in != stdin)
		fclose(in);
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
	fprintf(stderr, "%zu reset email(s) will be queued at %s (%s); %zu "
		"user(s) without a verified address passed on for print",
		email, ctx->site->name, crit, print);
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
	if (email && (rc = notify_batch(ctx, &is, admin, crit, &m, &queued,
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
