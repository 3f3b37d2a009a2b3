/*
 * workers: see workers.h. A thread runs a trampoline that marks it as
 * its own before calling the job, so that a job knows whether it may
 * set what belongs to a thread alone.
 */
#include "core/workers.h"

#include "core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static size_t jobs;                 /* 0: not set, the online cores */
static int fail_starts;             /* tests: starts still to fail */
static _Thread_local int own_thread;

void workers_set_jobs(long n)
{
	jobs = n >= 1 && n <= WORKERS_MAX ? (size_t)n : 0;
}

size_t workers_jobs(void)
{
	long n;

	if (jobs)
		return jobs;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (size_t)n;
}

size_t workers_for(size_t nrows)
{
	return nrows >= WORKERS_MIN_ROWS ? workers_jobs() : 1;
}

int workers_parse(const char *s, long *n)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 1 || v > WORKERS_MAX)
		return -1;
	*n = v;
	return 0;
}

void workers_fail_starts(int n)
{
	__atomic_store_n(&fail_starts, n, __ATOMIC_RELAXED);
}

static void *trampoline(void *arg)
{
	struct worker *w = arg;

	own_thread = 1;
	return w->fn(w->arg);
}

int worker_try(struct worker *w, worker_fn fn, void *arg)
{
	w->fn = fn;
	w->arg = arg;
	w->started = 0;
	if (workers_jobs() < 2)
		return 0;
	if (__atomic_load_n(&fail_starts, __ATOMIC_RELAXED) > 0 &&
	    __atomic_sub_fetch(&fail_starts, 1, __ATOMIC_RELAXED) >= 0)
		return 0;
	w->started = pthread_create(&w->thread, NULL, trampoline, w) == 0;
	return w->started;
}

void worker_start(struct worker *w, worker_fn fn, void *arg)
{
	if (!worker_try(w, fn, arg))
		fn(arg);
}

void worker_join(struct worker *w)
{
	if (!w->started)
		return;
	pthread_join(w->thread, NULL);
	w->started = 0;
}

int worker_own_thread(void)
{
	return own_thread;
}

void workers_run(size_t n, worker_fn fn, void *base, size_t stride)
{
	struct worker *w;

	if (n == 0)
		return;
	w = xcalloc(n, sizeof(*w));
	for (size_t i = 1; i < n; i++)
		if (!worker_try(&w[i], fn, (char *)base + i * stride))
			break;
	fn(base);
	/* Those that found no thread run here, after the first piece. */
	for (size_t i = 1; i < n; i++)
		if (!w[i].started)
			fn((char *)base + i * stride);
	for (size_t i = 1; i < n; i++)
		worker_join(&w[i]);
	free(w);
}
