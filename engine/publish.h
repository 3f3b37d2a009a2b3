/*
 * publish.h: naming a batch's lists so that a committed batch never stays
 * without them (see publish.c). Used by run, and by ctx_open() for the
 * batches a killed process left pending.
 */
#ifndef TEMPASS_PUBLISH_H
#define TEMPASS_PUBLISH_H

#include "core/util.h"
#include "engine/ctx.h"

/*
 * Inside batch's write transaction, before its commit: gives the complete
 * list af its temporary name (atomic_name()) and records it as pending
 * with the batch. atomic_commit(af) names it after the commit. Returns 0
 * or a sysexits status (reported); the caller then rolls back and aborts
 * af.
 */
int publish_pending(struct ctx *ctx, long long batch, struct atomic_file *af);

/*
 * After batch's commit and the atomic_commit() of each of its lists: named
 * set when every one was named. Forgets the pending marks; when a list
 * could not be named, voids the batch instead, as publish_recover() does
 * for a lost list. Returns 0 or a sysexits status (reported).
 */
int publish_finish(struct ctx *ctx, long long batch, int named);

/*
 * Settles the batches whose lists a process that is no longer running
 * left pending (killed between the batch's commit and the renames): when
 * every list is still there, complete, under its temporary name (or
 * already named), the renames are finished; when one is gone, the batch is
 * voided: its credentials void, as a newer batch would leave them, so its
 * users have no current password. Either way audited. Called by
 * ctx_open(), under the store's write lock. Returns 0 (a store it cannot
 * write to is left for the next process, with a warning) or a sysexits
 * status (reported).
 */
int publish_recover(struct ctx *ctx);

#endif
