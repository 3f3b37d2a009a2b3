/*
 * notify.h: password-reset emails for a selection, as one batch (see
 * notify.c).
 */
#ifndef TEMPASS_NOTIFY_H
#define TEMPASS_NOTIFY_H

#include "engine/ctx.h"
#include "engine/issue.h"

/*
 * Confirms the admin, reads the selection, says on stderr how many emails
 * will be queued, asks unless yes, queues them as one batch, and passes
 * the users without a verified address on, on stdout. Returns 0, 1 when
 * the admin cancels, EX_DATAERR when a message was rejected, or another
 * sysexits status (reported).
 */
int notify(struct ctx *ctx, const struct selection_opts *o);

#endif
