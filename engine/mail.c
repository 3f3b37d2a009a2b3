/*
 * mail: the batch engine of password-reset emails, shared by notify and
 * run as issue.c is shared by regenerate and run. For each user with a
 * verified address it draws a single-use token, keeps only its hash, and
 * writes a message with the reset link to QUEUE/tmp; the batch (tokens,
 * deliveries, audit events) is committed in one transaction, and only then
 * are the messages moved to QUEUE/new, so `tempass send` never sends a
 * link whose token the store does not hold.
 */
#include "engine/mail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"
#include "formats/eml.h"

static const char *const placeholders[] = {
	"forename", "surname", "username", "site", "reset_link", "expires",
	NULL,
};

void mail_release(struct mail *m)
{
	template_free(m->subject);
	template_free(m->text);
	template_free(m->html);
}

int mail_load(struct ctx *ctx, struct mail *m)
{
	const char *dir = ctx->cfg->templates_dir;
	char *p;

	if (!ctx->cfg->mail_from || !ctx->cfg->reset_url) {
		errorf("'%s': [email] needs from and reset_url (with "
		       "{{token}}) to send reset emails", ctx->config_path);
		return -1;
	}
	/* from was checked with the configuration (ctx_config). */

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

/* "Sunday 6 September 2026, 09:14 BST", in the site's time zone */
static void human_time(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(out, size, "%A %e %B %Y, %H:%M %Z", &tm);
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
		   const char *expires, const char *message_id,
		   struct sbuf *out)
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
		.message_id = message_id,
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
	/* The link holds the token; the bodies' buffers wipe themselves. */
	secrets_wipe(link, strlen(link));
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
		util_write_failed(errno);
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

int mail_batch(struct ctx *ctx, struct issue *is, const char *actor,
	       const char *criteria, const struct mail *m, size_t *queued,
	       size_t *rejected)
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
		char hex[17], msgid[320];
		long long id;

		if (it->skip || !it->email)
			continue;
		token_new(token);
		sbuf_reset(&msg);
		secrets_random(rnd, sizeof(rnd));
		secrets_hex(rnd, sizeof(rnd), hex);
		snprintf(msgid, sizeof(msgid), "%s.%lld@%s", hex, now,
			 ctx->cfg->message_id_domain);
		if (compose(ctx, m, it, token, exp_text, msgid, &msg) != 0) {
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
			rc = output_status();
			goto fail;
		}
		q[nq++].item = (long long)i;
		if ((rc = store_token_issue(st, batch, it->user_id, hash,
					    sizeof(hash), expires, now)) != 0)
			goto fail_store;
		id = store_delivery_add(st, q[nq - 1].name, msgid,
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

