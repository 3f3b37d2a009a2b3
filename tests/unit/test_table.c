/*
 * Unit tests of formats/table.c: columns line up, and no value reaches
 * the terminal with a control in it (C0, DEL, C1, bidirectional
 * controls), while the letters of any script, zero-width joiners too,
 * are shown as they are.
 */
#include "formats/table.h"

#include <locale.h>
#include <stdlib.h>
#include <wchar.h>

#include "core/util.h"
#include "tests/unit/test.h"

/* The table printed into a string; caller frees. */
static char *printed(const char *const *head, const char *const *rows,
		     size_t ncols, size_t nrows)
{
	struct table *t = table_new(head, ncols);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	for (size_t r = 0; r < nrows; r++)
		table_add_row(t, rows + r * ncols);
	CHECK(table_print(t, fp) == 0);
	fclose(fp);
	table_free(t);
	return buf;
}

static void test_table_print(void)
{
	static const char *const head[] = { "name", "group" };
	static const char *const rows[] = { "Zoë", "7A", "Al", "Year 10" };
	char *s = printed(head, rows, 2, 2);

	CHECK_STR(s, "name  group\nZoë   7A\nAl    Year 10\n");
	free(s);
}

static void test_table_inert(void)
{
	static const char *const head[] = { "name", "group" };
	static const char *const rows[] = {
		"Eve\x1b[2J\a", "7A\nforged",
		"Ab\xe2\x80\xae" "dc", "\xc2\x9b" "31m",
		"\xe2\x81\xa6x\xe2\x81\xa9", "b\xff",
		"\xd9\x85\xe2\x80\x8c\xd8\xa7", "\xe0\xa4\x95\xe2\x80\x8d",
	};
	char *s = printed(head, rows, 2, 4);

	CHECK(strchr(s, '\x1b') == NULL && strchr(s, '\a') == NULL);
	CHECK(strstr(s, "\xe2\x80\xae") == NULL);
	CHECK(strstr(s, "\xe2\x81\xa6") == NULL);
	CHECK(strstr(s, "\xc2\x9b") == NULL);
	CHECK(strstr(s, "Eve\\x1b[2J\\x07") != NULL);
	CHECK(strstr(s, "7A\\nforged") != NULL);
	CHECK(strstr(s, "Ab\\u202edc") != NULL);
	CHECK(strstr(s, "\\u009b31m") != NULL);
	CHECK(strstr(s, "\\u2066x\\u2069") != NULL);
	CHECK(strstr(s, "b\\xff") != NULL);
	/* Zero-width non-joiner and joiner are part of names: kept. */
	CHECK(strstr(s, "\xd9\x85\xe2\x80\x8c\xd8\xa7") != NULL);
	CHECK(strstr(s, "\xe0\xa4\x95\xe2\x80\x8d") != NULL);
	/* One line per row: no value starts a line of its own. */
	{
		int lines = 0;

		for (const char *p = s; *p; p++)
			lines += *p == '\n';
		CHECK(lines == 5);
	}
	free(s);
}

/*
 * Columns line up on a terminal in any script: a CJK or Hangul character
 * takes two cells, a combining mark or a zero-width joiner none. The
 * process runs under LC_ALL=C, as the tests do; the check measures the
 * output with the C library's wcswidth() in a UTF-8 locale, a second
 * implementation, where one is installed.
 */
static void test_table_wide(void)
{
	static const char *const head[] = { "name", "group" };
	static const char *const two[] = { "王小明", "7A", "Zoë", "7B" };
	static const char *const rows[] = {
		"王小明", "7A",
		"Zoë", "7B",
		"Nguye\xcc\x82\xcc\x83n Van", "7C",   /* e + 2 combining */
		"김민준", "7D",
		"ｆｕｌｌ", "7E",
		"\xd9\x85\xe2\x80\x8c\xd8\xa7", "7F",   /* ZWNJ */
		"क्षत्रिय", "7G",
		"佐藤 Ana", "7H",
		"Al", "7I",
	};
	char *s = printed(head, two, 2, 2);

	CHECK_STR(s, "name    group\n王小明  7A\nZoë     7B\n");
	free(s);
	s = printed(head, rows, 2, ARRAY_SIZE(rows) / 2);
	if (setlocale(LC_CTYPE, "C.UTF-8") || setlocale(LC_CTYPE, "en_US.UTF-8")) {
		int want = -1, ok = 1;

		for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
			char *g = strrchr(line, ' ') + 1;
			wchar_t wc[128];
			size_t n;
			int w;

			*g = '\0';
			n = mbstowcs(wc, line, ARRAY_SIZE(wc));
			CHECK(n != (size_t)-1);
			w = wcswidth(wc, n);
			if (want < 0)
				want = w;
			if (w != want) {
				fprintf(stderr, "'%s': %d cells, want %d\n", line,
					w, want);
				ok = 0;
			}
		}
		CHECK(ok);
		CHECK(want == 12);   /* "Nguyễn Van" and two spaces */
		setlocale(LC_CTYPE, "C");
	} else {
		fprintf(stderr, "  (no UTF-8 locale: wcswidth not compared)\n");
	}
	free(s);
}

int main(void)
{
	RUN(test_table_print);
	RUN(test_table_inert);
	RUN(test_table_wide);
	TEST_EXIT();
}
