/*
 * workers: every thread tempass starts, started here, with one policy.
 *
 * A job handed to a worker is work the calling thread could do itself:
 * when no thread can start (pthread_create fails), or jobs is 1, the job
 * runs on the calling thread instead, at once, and gives the same result,
 * later. Every site could already do its work alone, and a batch that
 * has chosen its users should not fail for want of a thread, so running
 * it here keeps what each site did before (several fell back so, others
 * died) and never leaves work half done. The one exception is a helper
 * that waits on its caller (a queue's consumer): it cannot run to the
 * end before returning, so worker_try() leaves the work to its caller.
 *
 * jobs bounds the threads of each parallel step: a step that splits its
 * work runs it on at most jobs threads, the caller's included; a step
 * that overlaps two pieces of work (reading beside writing, a helper)
 * does so only when jobs is 2 or more. 1 starts no thread at all.
 */
#ifndef TEMPASS_CORE_WORKERS_H
#define TEMPASS_CORE_WORKERS_H

#include <pthread.h>
#include <stddef.h>

/*
 * Rows below which plain work is not split over threads: starting and
 * joining them costs more than the work saves, and small batches are
 * the common case. Work that is costly per row (Argon2id) is split at
 * any size.
 */
#define WORKERS_MIN_ROWS 20000
/* The highest jobs setting accepted. */
#define WORKERS_MAX 256

typedef void *(*worker_fn)(void *arg);

struct worker {
	pthread_t thread;
	worker_fn fn;
	void *arg;
	int started;   /* runs on its own thread, not yet joined */
};

/* Sets jobs: n from 1 to WORKERS_MAX, or 0 for the online cores. Before
 * any thread starts (main's work, once the configuration is read). */
void workers_set_jobs(long n);
/* The jobs setting in force: from 1 to WORKERS_MAX. */
size_t workers_jobs(void);
/* Threads for a split of nrows rows of plain work: jobs from
 * WORKERS_MIN_ROWS rows on, else 1. */
size_t workers_for(size_t nrows);
/* Parses a jobs value ("4"): 0 and n set; -1 when s is not a number from
 * 1 to WORKERS_MAX (the caller reports it, as its usage or config error). */
int workers_parse(const char *s, long *n);

/* Runs fn(arg) on a new thread; or, with jobs 1 or no thread to be had,
 * on the calling thread before returning. w is the caller's, until
 * worker_join(). */
void worker_start(struct worker *w, worker_fn fn, void *arg);
/* Starts fn(arg) on a new thread only. Returns 1 when it runs there, 0
 * when the caller is to do the work itself (jobs 1, or no thread). */
int worker_try(struct worker *w, worker_fn fn, void *arg);
/* Waits for w's thread, if one runs; then nothing. Safe to call again. */
void worker_join(struct worker *w);
/* 1 on a thread started here, 0 on main's or a job run in its caller's
 * place: what is set for the thread alone (its niceness) checks it. */
int worker_own_thread(void);

/*
 * Runs fn on n pieces of work and returns when all are done: piece i's
 * argument is (char *)base + i * stride (stride 0: all share base).
 * Piece 0 runs on the calling thread, the others on threads of their
 * own, or after it on the calling thread when none can start.
 */
void workers_run(size_t n, worker_fn fn, void *base, size_t stride);

/* Tests only: the next n thread starts fail as pthread_create might. */
void workers_fail_starts(int n);

#endif
