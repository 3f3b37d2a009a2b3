/*
 * deflate: buffers deflated on a second thread, handed back in the order
 * they were queued. The PDF writer lays out the next page while the last
 * one is being compressed: deflating at the fastest level costs half as
 * much as the layout or more, so each gets a core.
 *
 * A job is a buffer of input, deflated as one whole zlib stream (a PDF
 * page's content), by zlib, the library libharu deflates with too.
 * The sink receives each job, deflated, on the queueing thread, in order:
 * all file output happens there.
 *
 * Without a second thread (jobs is 1, or none could start: workers.h)
 * jobs are deflated inline: slower, the same bytes. Buffers are wiped when freed, as what
 * is deflated here is lists of passwords.
 */
#ifndef TEMPASS_FORMAT_DEFLATE_H
#define TEMPASS_FORMAT_DEFLATE_H

#include <pthread.h>
#include <stddef.h>
#include <zlib.h>

#include "core/util.h"
#include "core/workers.h"

#define DEFLATE_QUEUE 16

struct zjob {
	struct sbuf in;           /* what was queued */
	unsigned char *out;       /* its deflated bytes */
	size_t out_len, out_cap;
	void *tag;                /* the caller's: what the bytes belong to */
	int zerr;                 /* zlib's status when it failed, or 0 */
};

/* Called on the queueing thread for each job in order; nonzero stops. */
typedef int (*deflate_sink)(void *ctx, struct zjob *j);

struct deflater {
	pthread_mutex_t lock;
	pthread_cond_t queued_cond, deflated_cond;
	struct worker thread;
	int threaded;             /* 0: no second thread, deflate inline */
	int closing;
	/* queued >= deflated >= collected: jobs [collected, deflated) wait
	 * for the sink, [deflated, queued) to be deflated. Only the second
	 * thread moves deflated, only the queueing thread the others. */
	size_t queued, deflated, collected;
	/* The queueing thread sleeps until deflated reaches want: half a
	 * ring at a time, not a wake-up for every job. */
	size_t want;
	int waiting;
	z_stream zs;              /* the deflating thread's */
	int zs_ready;
	deflate_sink sink;
	void *ctx;
	struct zjob jobs[DEFLATE_QUEUE];
};

/* level: zlib's. */
void deflater_start(struct deflater *z, int level,
		    deflate_sink sink, void *ctx);

/*
 * Queues *in (swapped with an empty buffer: *in is empty on return),
 * tagged; hands finished jobs to the sink, and waits when DEFLATE_QUEUE
 * jobs are in flight. Returns 0, or the sink's nonzero.
 */
int deflater_queue(struct deflater *z, struct sbuf *in, void *tag);

/* Waits for every job queued and hands it to the sink: 0 or nonzero. */
int deflater_flush(struct deflater *z);

/* Lets the thread finish, ends it; wipes and frees. Safe when unstarted. */
void deflater_stop(struct deflater *z);

#endif
