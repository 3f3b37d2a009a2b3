/*
 * Unit tests of formats/table.c: columns line up, and no value reaches
 * the terminal with a control in it (C0, DEL, C1, bidirectional
 * controls), while the letters of any script, zero-width joiners too,
 * are shown as they are.
 */
#include "formats/table.h"

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

int main(void)
{
	RUN(test_table_print);
	RUN(test_table_inert);
	TEST_EXIT();
}
