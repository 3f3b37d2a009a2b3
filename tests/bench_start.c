/*
 * bench_start: the start-up yardstick of tests/bench.sh. Run with no
 * arguments it is the smallest useful C program linked with libc, SQLite
 * and libsodium (it prints their versions), which is what a start of
 * `tempass --version` is judged against.
 *
 *   bench_start time COUNT CMD [ARGS...] -- CMD [ARGS...]
 *
 * starts each of the two commands COUNT times, taking turns so a machine
 * whose speed drifts drifts for both alike, with standard output on
 * /dev/null, and prints one line, "a_ms=A b_ms=B ratio=R" (the median wall
 * time of one start of each, in milliseconds, and A / B), so the script
 * can read it with sed. Starting them here, not from a shell loop, keeps
 * the shell's own fork out of both times. It is built by tests/bench.sh,
 * not by make.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Starts argv once, standard output on /dev/null; its wall time in ms, or
 * -1 when it could not start or did not exit 0. */
static double start_once(char **argv)
{
	posix_spawn_file_actions_t fa;
	double t0, t1;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	t0 = now_ms();
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "bench_start: cannot start %s: %s\n", argv[0],
			strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	t1 = now_ms();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_start: %s failed\n", argv[0]);
		return -1;
	}
	return t1 - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int time_two(long count, char **a, char **b)
{
	double *ta = calloc((size_t)count, sizeof(*ta));
	double *tb = calloc((size_t)count, sizeof(*tb));
	double ma, mb;

	if (!ta || !tb)
		return 1;
	for (long i = 0; i < count; i++) {
		/* Taking turns, each first half of the time. */
		char **first = i % 2 ? b : a, **second = i % 2 ? a : b;
		double *tf = i % 2 ? tb : ta, *ts = i % 2 ? ta : tb;

		if ((tf[i] = start_once(first)) < 0 ||
		    (ts[i] = start_once(second)) < 0)
			return 1;
	}
	ma = median(ta, count);
	mb = median(tb, count);
	printf("a_ms=%.3f b_ms=%.3f ratio=%.2f\n", ma, mb, ma / mb);
	free(ta);
	free(tb);
	return 0;
}

int main(int argc, char **argv)
{
	long count;
	char *end;
	int sep = 0;

	if (argc == 1) {
		/* The yardstick itself: a function of each library is
		 * called, so both are loaded however the linker was told to
		 * link (--as-needed drops a library nothing calls). */
		printf("sqlite %s, libsodium %s\n", sqlite3_libversion(),
		       sodium_version_string());
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "time") == 0) {
		count = strtol(argv[2], &end, 10);
		for (int i = 3; i < argc; i++)
			if (strcmp(argv[i], "--") == 0)
				sep = i;
		if (!*end && count > 0 && sep > 3 && sep + 1 < argc) {
			argv[sep] = NULL;
			return time_two(count, argv + 3, argv + sep + 1);
		}
	}
	fprintf(stderr, "usage: bench_start\n"
		"       bench_start time COUNT CMD [ARGS...] -- CMD [ARGS...]\n");
	return 2;
}
