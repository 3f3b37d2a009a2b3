/*
 * Unit tests of core/workers.c: a job runs on a thread of its own when
 * one can start, on the caller's otherwise (jobs 1, or a start that fails,
 * injected through workers_fail_starts()), and every piece of a split runs
 * exactly once either way. The jobs setting and its parsing too.
 */
#include "core/workers.h"

#include <pthread.h>

#include "tests/unit/test.h"

struct probe {
	pthread_t caller;
	int ran;            /* how many times the job ran */
	int own;            /* worker_own_thread() in the job */
	int other;          /* it ran on another thread than the caller */
};

static void *probe_job(void *arg)
{
	struct probe *p = arg;

	__atomic_add_fetch(&p->ran, 1, __ATOMIC_RELAXED);
	p->own = worker_own_thread();
	p->other = !pthread_equal(pthread_self(), p->caller);
	return NULL;
}

static void test_workers_start_join(void)
{
	struct probe p = { .caller = pthread_self() };
	struct worker w;

	workers_set_jobs(2);
	worker_start(&w, probe_job, &p);
	CHECK(w.started);
	worker_join(&w);
	CHECK(!w.started);
	worker_join(&w);   /* again: nothing */
	CHECK(p.ran == 1);
	CHECK(p.own);
	CHECK(p.other);
	CHECK(!worker_own_thread());
}

static void test_workers_start_fails(void)
{
	struct probe p = { .caller = pthread_self() };
	struct worker w;

	workers_set_jobs(2);
	workers_fail_starts(1);
	worker_start(&w, probe_job, &p);
	/* Already done, here, when worker_start() returns. */
	CHECK(!w.started);
	CHECK(p.ran == 1);
	CHECK(!p.own);
	CHECK(!p.other);
	worker_join(&w);
	CHECK(p.ran == 1);
	/* The failure was for one start only. */
	p = (struct probe){ .caller = pthread_self() };
	worker_start(&w, probe_job, &p);
	worker_join(&w);
	CHECK(p.ran == 1 && p.other);
}

static void test_workers_try(void)
{
	struct probe p = { .caller = pthread_self() };
	struct worker w;

	workers_set_jobs(2);
	workers_fail_starts(1);
	/* A consumer left to its caller: not run at all. */
	CHECK(worker_try(&w, probe_job, &p) == 0);
	CHECK(p.ran == 0);
	worker_join(&w);
	CHECK(p.ran == 0);
	CHECK(worker_try(&w, probe_job, &p) == 1);
	worker_join(&w);
	CHECK(p.ran == 1 && p.other);
}

static void test_workers_jobs_one(void)
{
	struct probe p = { .caller = pthread_self() };
	struct worker w;

	workers_set_jobs(1);
	CHECK(workers_jobs() == 1);
	CHECK(workers_for(WORKERS_MIN_ROWS * 10) == 1);
	worker_start(&w, probe_job, &p);
	CHECK(!w.started && p.ran == 1 && !p.other);
	CHECK(worker_try(&w, probe_job, &p) == 0);
	CHECK(p.ran == 1);
}

struct piece {
	int ran;
	int other;
};

static pthread_t run_caller;

static void *piece_job(void *arg)
{
	struct piece *pc = arg;

	pc->ran++;
	pc->other = !pthread_equal(pthread_self(), run_caller);
	return NULL;
}

/* Runs 8 pieces while the next `fails` starts fail: 1 if each ran once. */
static int pieces_once(int fails, int *on_threads)
{
	struct piece pcs[8] = { { 0, 0 } };
	int ok = 1;

	run_caller = pthread_self();
	workers_fail_starts(fails);
	workers_run(8, piece_job, pcs, sizeof(pcs[0]));
	*on_threads = 0;
	for (int i = 0; i < 8; i++) {
		ok &= pcs[i].ran == 1;
		*on_threads += pcs[i].other;
	}
	workers_fail_starts(0);
	return ok;
}

static void test_workers_run(void)
{
	int on;

	workers_set_jobs(8);
	CHECK(pieces_once(0, &on));
	CHECK(on == 7);   /* piece 0 is the caller's */
	CHECK(pieces_once(3, &on));
	CHECK(on < 7);
	CHECK(pieces_once(100, &on));
	CHECK(on == 0);
	workers_set_jobs(1);
	CHECK(pieces_once(0, &on));
	CHECK(on == 0);
}

static void test_workers_jobs(void)
{
	long n = -7;

	workers_set_jobs(3);
	CHECK(workers_jobs() == 3);
	CHECK(workers_for(WORKERS_MIN_ROWS) == 3);
	CHECK(workers_for(WORKERS_MIN_ROWS - 1) == 1);
	workers_set_jobs(0);
	CHECK(workers_jobs() >= 1 && workers_jobs() <= WORKERS_MAX);
	CHECK(workers_parse("4", &n) == 0 && n == 4);
	CHECK(workers_parse("256", &n) == 0 && n == 256);
	n = -7;
	CHECK(workers_parse("0", &n) == -1);
	CHECK(workers_parse("-1", &n) == -1);
	CHECK(workers_parse("abc", &n) == -1);
	CHECK(workers_parse("4x", &n) == -1);
	CHECK(workers_parse("", &n) == -1);
	CHECK(workers_parse("257", &n) == -1);
	CHECK(workers_parse("100000", &n) == -1);
	CHECK(n == -7);
}

int main(void)
{
	RUN(test_workers_start_join);
	RUN(test_workers_start_fails);
	RUN(test_workers_try);
	RUN(test_workers_jobs_one);
	RUN(test_workers_run);
	RUN(test_workers_jobs);
	TEST_EXIT();
}
