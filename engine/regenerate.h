/*
 * regenerate.h: new temporary passwords for a selection, as one batch (see
 * regenerate.c).
 */
#ifndef TEMPASS_REGENERATE_H
#define TEMPASS_REGENERATE_H

#include "engine/ctx.h"
#include "engine/issue.h"

/*
 * Confirms the admin, reads the selection, says on stderr how many
 * passwords will change, asks unless yes, writes the batch and then its
 * records on stdout, or in o->output: a file made 0600 before anything
 * else is done (a taken name stops it all) and named only when complete.
 * Returns 0, 1 when the admin cancels, or a sysexits status (reported);
 * nothing is written when the batch fails.
 */
int regenerate(struct ctx *ctx, const struct selection_opts *o);

#endif
