/*
 * test.h: the tiny harness of the unit tests. Each test_<thing>() checks
 * with CHECK(); a failed check prints file and line. main() runs the tests
 * through RUN(), which prints "ok - name" or "not ok - name" (TAP style),
 * and tests/run.sh adds them up.
 */
#ifndef TEMPASS_TEST_H
#define TEMPASS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_checks;
static int test_failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			test_failed_checks++;                              \
		}                                                          \
	} while (0)

#define CHECK_STR(got, want)                                               \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		if (!g_ || strcmp(g_, w_) != 0) {                          \
			fprintf(stderr, "%s:%d: got '%s', want '%s'\n",    \
				__FILE__, __LINE__, g_ ? g_ : "(null)",    \
				w_);                                       \
			test_failed_checks++;                              \
		}                                                          \
	} while (0)

#define RUN(fn)                                                            \
	do {                                                               \
		int before_ = test_failed_checks;                          \
		fn();                                                      \
		if (test_failed_checks == before_) {                       \
			printf("ok - %s\n", #fn);                          \
		} else {                                                   \
			printf("not ok - %s\n", #fn);                      \
			test_failures++;                                   \
		}                                                          \
		fflush(stdout);                                            \
	} while (0)

#define TEST_EXIT() return test_failures ? 1 : 0

#endif
