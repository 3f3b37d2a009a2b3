/*
 * run.h: the main job of pipeline.conf's [run] section in one process (see
 * run.c).
 */
#ifndef TEMPASS_RUN_H
#define TEMPASS_RUN_H

#include "engine/ctx.h"

struct run_opts {
	int demo;                 /* create the [run] admin first if missing */
	int no_import;            /* skip the import */
};

/*
 * Imports the [run] roster, selects the unclaimed members of its groups,
 * confirms its admin, queues reset emails or writes one batch, and writes
 * its outputs, which appear only once the batch is committed. Prints the
 * path of each file written on stdout, summaries on stderr. Returns 0 or a
 * sysexits status (reported); a failure leaves no batch without its lists.
 */
int run_job(struct ctx *ctx, const struct run_opts *o);

#endif
