/*
 * mail.h: the password-reset email batch, shared by notify and run (see
 * mail.c).
 */
#ifndef TEMPASS_MAIL_H
#define TEMPASS_MAIL_H

#include <stddef.h>

#include "core/template.h"
#include "engine/issue.h"
#include "engine/ctx.h"

/* The templates of a reset email: reset.subject, reset.txt, reset.html. */
struct mail {
	struct template *subject, *text, *html;
};

/* Loads the templates from [email] templates. 0, or -1 reported. */
int mail_load(struct ctx *ctx, struct mail *m);
void mail_release(struct mail *m);

/*
 * Queues one reset email for each item not skipped that has an email, as
 * one batch (see the top of mail.c). An item whose message cannot be
 * written (a name that would break a header) is reported, counted in
 * *rejected and marked skipped. Returns 0 or a sysexits status; on failure
 * nothing is stored and no message is left in the queue.
 */
int mail_batch(struct ctx *ctx, struct issue *is, const char *actor,
	       const char *criteria, const struct mail *m, size_t *queued,
	       size_t *rejected);

#endif
