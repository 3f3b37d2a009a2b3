/*
 * bench_argon2: the bare Argon2id throughput of this machine, the yardstick
 * of hash mode in tests/bench.sh. It hashes COUNT passwords with
 * crypto_pwhash_str() at the given cost on THREADS threads (default: every
 * online core), each thread taking the next password from a shared
 * counter, the way a batch would spread its users over the cores.
 *
 *   bench_argon2 COUNT OPS MEM_KIB [THREADS]
 *
 * prints one line, "hashes=N seconds=S cpu=C threads=T per_second=R" (C:
 * user and system seconds of all threads), so the script can read it with
 * sed. It is built by tests/bench.sh, not by make.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static atomic_long next;
static long count;
static unsigned long long ops;
static size_t mem_bytes;
static atomic_int failed;

static void *worker(void *arg)
{
	char out[crypto_pwhash_STRBYTES];
	char pw[32];

	(void)arg;
	for (;;) {
		long i = atomic_fetch_add(&next, 1);
		int n;

		if (i >= count)
			break;
		/* A temporary password of the usual length. */
		n = snprintf(pw, sizeof(pw), "Tp-%08ld-bench", i);
		if (crypto_pwhash_str(out, pw, (unsigned long long)n, ops,
				      mem_bytes) != 0)
			atomic_store(&failed, 1);
	}
	return NULL;
}

static long parse(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1) {
		fprintf(stderr, "bench_argon2: %s '%s' is not a positive "
			"number\n", what, s);
		exit(64);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	pthread_t *threads;
	long nthreads;
	double secs;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: bench_argon2 COUNT OPS MEM_KIB "
			"[THREADS]\n");
		return 64;
	}
	count = parse(argv[1], "count");
	ops = (unsigned long long)parse(argv[2], "ops");
	mem_bytes = (size_t)parse(argv[3], "memory") * 1024;
	nthreads = argc == 5 ? parse(argv[4], "threads") :
			       sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_argon2: cannot initialise libsodium\n");
		return 70;
	}
	threads = calloc((size_t)nthreads, sizeof(*threads));
	if (!threads)
		return 70;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < nthreads; i++) {
		if (pthread_create(&threads[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "bench_argon2: cannot start a "
				"thread\n");
			return 70;
		}
	}
	for (long i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(threads);
	if (atomic_load(&failed)) {
		fprintf(stderr, "bench_argon2: crypto_pwhash_str failed (out "
			"of memory?)\n");
		return 70;
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	printf("hashes=%ld seconds=%.3f cpu=%.3f threads=%ld "
	       "per_second=%.2f\n", count, secs,
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       nthreads, (double)count / secs);
	return 0;
}
