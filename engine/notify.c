/*
 * notify.c: the alternative to paper. For each selected user with a
 * verified email address it queues a password-reset email carrying a
 * single-use link, instead of a printed password; the email never holds a
 * password. Users without a verified address are passed on in the output
 * stream, so a pipeline can print strips for them.
 *
 * One notify is a batch (mail.c): its tokens, stored only as hashes, void
 * the users' older tokens and unclaimed passwords, as a newer list voids
 * an older one.
 */
#include "engine/notify.h"

#include <stdlib.h>

#include "core/util.h"
#include "engine/admin.h"
#include "engine/issue.h"
#include "engine/mail.h"
#include "formats/eml.h"

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

int notify(struct ctx *ctx, const struct selection_opts *o)
{
	struct issue_input inp = { .group_col = -1 };
	struct issue is = { 0 };
	struct mail m = { 0 };
	size_t email = 0, print = 0, queued = 0, rejected = 0;
	char *crit = NULL;
	int rc;

	if (mail_load(ctx, &m) != 0) {
		mail_release(&m);
		return EX_CONFIG;
	}
	rc = issue_read_input(o->input, &inp, &is);
	if (rc || (rc = confirm_admin(ctx, o->admin, o->password_file)) != 0 ||
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
	if (o->dry_run)
		goto out;
	if (email && (rc = issue_ask("Queue them now?", o->yes)) != 0)
		goto out;
	if (email && (rc = mail_batch(ctx, &is, o->admin, crit, &m, &queued,
					&rejected)) != 0)
		goto out;
	fprintf(stderr, "%zu queued, %zu passed on for print%s\n", queued,
		print, rejected ? ", some rejected (see above)" : "");
	rc = pass_on(&inp, &is, o->format);
	if (rc == 0 && rejected)
		rc = EX_DATAERR;
out:
	free(crit);
	issue_input_release(&inp);
	issue_release(&is);
	mail_release(&m);
	return rc;
}
