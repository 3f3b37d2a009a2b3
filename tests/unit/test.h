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
#include <unistd.h>

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

/*
 * Capturing what the code under test reports: capture_begin() points
 * file descriptor 2 at a temporary file, capture_end() puts it back and
 * returns what was written (up to 16 KiB), valid until the next capture.
 */
struct test_capture {
	FILE *fp;
	int saved;
	char text[16384];
};

static inline struct test_capture *test_capture(void)
{
	static struct test_capture c = { NULL, -1, "" };

	return &c;
}

static inline void capture_begin(void)
{
	struct test_capture *c = test_capture();

	fflush(stderr);
	c->fp = tmpfile();
	c->saved = dup(2);
	dup2(fileno(c->fp), 2);
}

static inline const char *capture_end(void)
{
	struct test_capture *c = test_capture();
	size_t n;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	rewind(c->fp);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->fp);
	c->text[n] = '\0';
	fclose(c->fp);
	return c->text;
}

#endif
