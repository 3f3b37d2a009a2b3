/*
 * Unit tests of core/words.c: the message files shipped (English the same
 * as the one built in, Welsh complete), dates, ordinals and "page X of Y"
 * in each, and every load error with its file, line and key.
 */
#include "core/words.h"

#include <stdlib.h>
#include <time.h>

#include "core/util.h"
#include "tests/unit/test.h"

static char tmpdir[] = "/tmp/test_words_XXXXXX";

static char *put_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "wb");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

/* What w prints for a fixed set of calls, one line each. */
static char *sample(const struct words *w)
{
	struct sbuf sb = SBUF_INIT;
	struct tm tm = { .tm_mday = 3, .tm_mon = 8, .tm_year = 126 };
	static const char *const plain[] = { "label.username",
		"label.password", "void", "nobody", "column.born" };

	for (int d = 1; d <= 31; d++) {
		words_day(w, &sb, d);
		sbuf_addch(&sb, '\n');
	}
	for (int m = 0; m < 12; m++) {
		tm.tm_mon = m;
		words_date(w, &sb, &tm);
		sbuf_addch(&sb, '\n');
	}
	words_page(w, &sb, 2, 3);
	sbuf_addch(&sb, '\n');
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		sbuf_addf(&sb, "%s\n", words_get(w, plain[i]));
	words_put(w, &sb, "made", (const char *const[]){ "date", "D",
		  "iso", "I", "time", "T", "zone", "Z", NULL });
	return sbuf_detach(&sb);
}

static void test_words_english(void)
{
	struct words *en = words_load("templates/messages/en.txt");
	struct sbuf sb = SBUF_INIT;
	char *a, *b;

	CHECK(en != NULL);
	if (!en)
		return;
	a = sample(en);
	b = sample(words_english());
	/* The shipped file says what the built-in English says. */
	CHECK_STR(a, b);
	words_day(en, &sb, 4);
	CHECK_STR(sbuf_str(&sb), "4th");
	sbuf_reset(&sb);
	words_day(en, &sb, 22);
	CHECK_STR(sbuf_str(&sb), "22nd");
	sbuf_reset(&sb);
	words_page(en, &sb, 1, 2);
	CHECK_STR(sbuf_str(&sb), "page 1 of 2");
	CHECK(words_plain("label.password"));
	CHECK(!words_plain("page"));
	CHECK(!words_plain("label.nothing"));
	CHECK_STR(words_get(en, "page"), "");
	sbuf_release(&sb);
	free(a);
	free(b);
	words_free(en);
}

static void test_words_welsh(void)
{
	struct words *cy = words_load("templates/messages/cy.txt");
	static const char *const ord[32] = { "", "1af", "2il", "3ydd", "4ydd",
		"5ed", "6ed", "7fed", "8fed", "9fed", "10fed", "11eg", "12fed",
		"13eg", "14eg", "15fed", "16eg", "17eg", "18fed", "19eg",
		"20fed", "21ain", "22ain", "23ain", "24ain", "25ain", "26ain",
		"27ain", "28ain", "29ain", "30ain", "31ain" };
	struct tm tm = { .tm_mday = 1, .tm_mon = 9, .tm_year = 126 };
	struct sbuf sb = SBUF_INIT;

	CHECK(cy != NULL);
	if (!cy)
		return;
	for (int d = 1; d <= 31; d++) {
		sbuf_reset(&sb);
		words_day(cy, &sb, d);
		CHECK_STR(sbuf_str(&sb), ord[d]);
	}
	sbuf_reset(&sb);
	words_date(cy, &sb, &tm);
	CHECK_STR(sbuf_str(&sb), "1 Hydref 2026");
	sbuf_reset(&sb);
	words_page(cy, &sb, 1, 2);
	CHECK_STR(sbuf_str(&sb), "tudalen 1 o 2");
	CHECK_STR(words_get(cy, "label.password"), "cyfrinair");
	sbuf_release(&sb);
	words_free(cy);
}

#define CHECK_LOAD(text, want)                                             \
	do {                                                               \
		char *p_ = put_file("m.txt", text);                        \
		struct words *w_;                                          \
		capture_begin();                                           \
		w_ = words_load(p_);                                       \
		CHECK(w_ == NULL);                                         \
		CHECK(strstr(capture_end(), want) != NULL);                \
		words_free(w_);                                            \
		free(p_);                                                  \
	} while (0)

static void test_words_errors(void)
{
	CHECK_LOAD("# nothing\n", "m.txt': no 'label.username' (English: "
		   "'username')");
	CHECK_LOAD("label.username = a\nlabel.username = b\n",
		   "m.txt':2: key 'label.username' is given twice");
	CHECK_LOAD("\n\nlabel.user = a\n", "m.txt':3: unknown key "
		   "'label.user'");
	CHECK_LOAD("label.username\n", "m.txt':1: not a 'key = value' line");
	CHECK_LOAD("page = {{page}} / {{total}}\n", "m.txt':1: unknown "
		   "placeholder '{{total}}'");
	CHECK_LOAD("label.username = {{n}}\n", "m.txt':1: unknown "
		   "placeholder '{{n}}'");
	CHECK_LOAD("void = \xff\n", "m.txt': is not UTF-8 text");
	capture_begin();
	CHECK(words_load("/nonexistent/xx.txt") == NULL);
	CHECK(strstr(capture_end(), "cannot open"));
	CHECK(words_language_valid("cy"));
	CHECK(words_language_valid("eng"));
	CHECK(!words_language_valid("c"));
	CHECK(!words_language_valid("../en"));
	CHECK(!words_language_valid("EN"));
}

int main(void)
{
	char *cmd;
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_words_english);
	RUN(test_words_welsh);
	RUN(test_words_errors);
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	rc = system(cmd);
	free(cmd);
	if (rc != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_EXIT();
}
