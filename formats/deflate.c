/*
 * deflate: see deflate.h. A ring of DEFLATE_QUEUE jobs and three
 * counters; each job belongs to one thread at a time, so only the
 * counters need the lock.
 */
#include "formats/deflate.h"

#include "core/secrets.h"

#include <stdlib.h>
#include <string.h>

/* Makes room for at least room bytes of output in j (its bytes wiped). */
static void out_room(struct zjob *j, size_t room)
{
	if (j->out_cap >= room)
		return;
	if (j->out)
		secrets_wipe(j->out, j->out_cap);
	free(j->out);
	j->out = xmalloc(room);
	j->out_cap = room;
}

/* Deflates j->in into j->out as one whole stream; on the deflating
 * thread, or inline. */
static void deflate_job(struct deflater *z, struct zjob *j)
{
	z_stream *zs = &z->zs;
	int ret;

	/* Room for all of it in one call. */
	out_room(j, deflateBound(zs, (uLong)j->in.len));
	j->zerr = 0;
	j->out_len = 0;
	zs->next_in = (Bytef *)j->in.buf;
	zs->avail_in = (uInt)j->in.len;
	for (;;) {
		unsigned char *bigger;

		zs->next_out = j->out + j->out_len;
		zs->avail_out = (uInt)(j->out_cap - j->out_len);
		ret = deflate(zs, Z_FINISH);
		j->out_len = j->out_cap - zs->avail_out;
		if (ret == Z_STREAM_END)
			break;
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			j->zerr = ret;
			break;
		}
		if (zs->avail_out > 0) {
			j->zerr = Z_BUF_ERROR;
			break;
		}
		/* Out of room (the bound did not hold): grow, wiping. */
		bigger = xmalloc(2 * j->out_cap);
		memcpy(bigger, j->out, j->out_len);
		secrets_wipe(j->out, j->out_cap);
		free(j->out);
		j->out = bigger;
		j->out_cap *= 2;
	}
	if (deflateReset(zs) != Z_OK && !j->zerr)
		j->zerr = Z_STREAM_ERROR;
}

static void *deflate_thread(void *arg)
{
	struct deflater *z = arg;

	pthread_mutex_lock(&z->lock);
	for (;;) {
		struct zjob *j;

		while (z->deflated == z->queued && !z->closing)
			pthread_cond_wait(&z->queued_cond, &z->lock);
		if (z->deflated == z->queued)
			break;
		j = &z->jobs[z->deflated % DEFLATE_QUEUE];
		pthread_mutex_unlock(&z->lock);
		deflate_job(z, j);
		pthread_mutex_lock(&z->lock);
		z->deflated++;
		if (z->waiting && z->deflated >= z->want) {
			z->waiting = 0;
			pthread_cond_signal(&z->deflated_cond);
		}
	}
	pthread_mutex_unlock(&z->lock);
	return NULL;
}

/*
 * zlib's memLevel. Each stream starts with deflateReset(), which clears a
 * hash table of 2^(MEM_LEVEL + 8) bytes, and a PDF page is a stream of a
 * few kilobytes: at zlib's default (8) the page's deflation wrote a 64 KB
 * table for it first. At 5 the table is 8 KB and a block holds 2,048
 * symbols, still a whole page at the fastest level, so the bytes come out
 * as good as at 8 (a few hundred bytes more over a large document).
 */
#define MEM_LEVEL 5

void deflater_start(struct deflater *z, int level,
		    deflate_sink sink, void *ctx)
{
	memset(z, 0, sizeof(*z));
	if (deflateInit2(&z->zs, level, Z_DEFLATED, 15, MEM_LEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		die("out of memory");
	z->zs_ready = 1;
	z->sink = sink;
	z->ctx = ctx;
	pthread_mutex_init(&z->lock, NULL);
	pthread_cond_init(&z->queued_cond, NULL);
	pthread_cond_init(&z->deflated_cond, NULL);
	/* A consumer of the queue: without a thread, queueing deflates. */
	z->threaded = worker_try(&z->thread, deflate_thread, z);
}

/* Sleeps until want jobs are deflated; with the lock held. */
static void wait_deflated(struct deflater *z, size_t want)
{
	z->want = want;
	z->waiting = 1;
	/* In case the thread sleeps with fewer than a wake-up's worth. */
	pthread_cond_signal(&z->queued_cond);
	while (z->deflated < want)
		pthread_cond_wait(&z->deflated_cond, &z->lock);
	z->waiting = 0;
}

/* Hands deflated jobs to the sink: those ready, or every one queued
 * when all is set. */
static int collect(struct deflater *z, int all)
{
	while (z->collected < z->queued) {
		size_t ready;
		int rc;

		pthread_mutex_lock(&z->lock);
		if (all && z->deflated == z->collected)
			wait_deflated(z, z->queued);
		ready = z->deflated;
		pthread_mutex_unlock(&z->lock);
		if (ready == z->collected)
			return 0;
		for (; z->collected < ready; z->collected++) {
			rc = z->sink(z->ctx, &z->jobs[z->collected %
						      DEFLATE_QUEUE]);
			if (rc) {
				z->collected++;
				return rc;
			}
		}
	}
	return 0;
}

int deflater_queue(struct deflater *z, struct sbuf *in, void *tag)
{
	struct zjob *j;
	struct sbuf tmp;
	int rc;

	if ((rc = collect(z, 0)))
		return rc;
	while (z->queued - z->collected == DEFLATE_QUEUE) {
		/* Full: wait for the older half of the ring. */
		pthread_mutex_lock(&z->lock);
		if (z->deflated == z->collected)
			wait_deflated(z, z->collected + DEFLATE_QUEUE / 2);
		pthread_mutex_unlock(&z->lock);
		if ((rc = collect(z, 0)))
			return rc;
	}
	j = &z->jobs[z->queued % DEFLATE_QUEUE];
	j->tag = tag;
	tmp = j->in;
	j->in = *in;
	*in = tmp;
	if (in->buf)
		secrets_wipe(in->buf, in->len);
	sbuf_reset(in);
	if (!z->threaded) {
		deflate_job(z, j);
		z->queued++;
		z->deflated++;
		return collect(z, 0);
	}
	/*
	 * The deflating thread is woken for half a ring of jobs at a time,
	 * not for each: a PDF page deflates faster than it is laid out, and
	 * a wake-up for every page was a context switch each way.
	 */
	pthread_mutex_lock(&z->lock);
	z->queued++;
	if (z->queued - z->deflated >= DEFLATE_QUEUE / 2)
		pthread_cond_signal(&z->queued_cond);
	pthread_mutex_unlock(&z->lock);
	return 0;
}

int deflater_flush(struct deflater *z)
{
	return collect(z, 1);
}

void deflater_stop(struct deflater *z)
{
	if (!z->zs_ready)
		return;
	if (z->threaded) {
		pthread_mutex_lock(&z->lock);
		z->closing = 1;
		pthread_cond_signal(&z->queued_cond);
		pthread_mutex_unlock(&z->lock);
		worker_join(&z->thread);
	}
	pthread_cond_destroy(&z->deflated_cond);
	pthread_cond_destroy(&z->queued_cond);
	pthread_mutex_destroy(&z->lock);
	deflateEnd(&z->zs);
	for (size_t i = 0; i < DEFLATE_QUEUE; i++) {
		struct zjob *j = &z->jobs[i];

		sbuf_release(&j->in);
		if (j->out)
			secrets_wipe(j->out, j->out_cap);
		free(j->out);
	}
	z->zs_ready = 0;
}
