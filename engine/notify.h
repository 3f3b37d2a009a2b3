/*
 * notify.h: password-reset emails for a selection, as one batch (see
 * notify.c).
 */
#ifndef TEMPASS_NOTIFY_H
#define TEMPASS_NOTIFY_H

#include "engine/ctx.h"

struct notify_opts {
	const char *admin;          /* the administrator acting */
	const char *password_file;  /* theirs; NULL: asked on the terminal */
	const char *input;          /* the selection; NULL: standard input */
	enum rec_format format;     /* of the records passed on, on stdout */
	int yes;                    /* do not ask before queueing */
	int dry_run;                /* say how many would be queued, no more */
};

/*
 * Confirms the admin, reads the selection, says on stderr how many emails
 * will be queued, asks unless yes, queues them as one batch, and passes
 * the users without a verified address on, on stdout. Returns 0, 1 when
 * the admin cancels, EX_DATAERR when a message was rejected, or another
 * sysexits status (reported).
 */
int notify(struct ctx *ctx, const struct notify_opts *o);

#endif
