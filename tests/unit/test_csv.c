/*
 * Unit tests of formats/csv: the reader over what MIS exports really send
 * (byte order marks, every line end, broken quotes, wrong encodings) and
 * the writer, checked by reading its output back.
 */
#include "formats/csv.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "tests/unit/test.h"

#define FFFD "\xEF\xBF\xBD"

static struct csv_reader *open_str(const char *s, size_t len,
				   enum csv_encoding enc, size_t max_field,
				   size_t max_input)
{
	struct csv_options opt = { enc, max_field, max_input };

	return csv_open_mem(s, len, "t.csv", &opt);
}

/* Text without NULs; open_str() where a test needs embedded NULs. */
static struct csv_reader *open_text(const char *s)
{
	return open_str(s, strlen(s), CSV_UTF8, 0, 0);
}

static struct csv_reader *open_cp1252(const char *s, size_t max_field)
{
	return open_str(s, strlen(s), CSV_WINDOWS_1252, max_field, 0);
}

/*
 * Reads the next row and compares it with line, error (NULL for a good
 * row) and the fields that follow, ended by NULL. Prints what differs.
 */
static int row_is(struct csv_reader *r, unsigned long line, const char *error,
		  ...)
{
	struct csv_row *row = NULL;
	va_list ap;
	size_t i = 0;
	int ok = 1;
	const char *want;

	if (!r || csv_next(r, &row) != 1 || !row) {
		fprintf(stderr, "  no row where line %lu was expected\n", line);
		return 0;
	}
	if (row->line != line) {
		fprintf(stderr, "  row on line %lu, want %lu\n", row->line,
			line);
		ok = 0;
	}
	if ((error == NULL) != (row->error == NULL) ||
	    (error && strcmp(error, row->error) != 0)) {
		fprintf(stderr, "  line %lu: error '%s', want '%s'\n", line,
			row->error ? row->error : "(none)",
			error ? error : "(none)");
		ok = 0;
	}
	va_start(ap, error);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= row->nfields) {
			fprintf(stderr, "  line %lu: no field %zu, want '%s'\n",
				line, i + 1, want);
			ok = 0;
		} else if (strcmp(row->fields[i], want) != 0) {
			fprintf(stderr, "  line %lu: field %zu is '%s', "
				"want '%s'\n", line, i + 1, row->fields[i],
				want);
			ok = 0;
		}
		i++;
	}
	va_end(ap);
	if (i != row->nfields) {
		fprintf(stderr, "  line %lu: %zu fields, want %zu\n", line,
			row->nfields, i);
		ok = 0;
	}
	for (i = 0; i < row->nfields; i++) {
		if (!utf8_valid(row->fields[i], strlen(row->fields[i]))) {
			fprintf(stderr, "  line %lu: field %zu is not UTF-8\n",
				line, i + 1);
			ok = 0;
		}
	}
	return ok;
}

static int at_end(struct csv_reader *r)
{
	struct csv_row *row = NULL;

	return r && csv_next(r, &row) == 0 && row == NULL &&
	       csv_next(r, &row) == 0;
}

/* ==== Opening ==== */

static void test_csv_open_mem(void)
{
	struct csv_reader *r;

	r = open_text("");
	CHECK(r != NULL);
	CHECK(at_end(r));
	csv_close(r);

	r = open_text("\xEF\xBB\xBF");
	CHECK(at_end(r));
	csv_close(r);

	r = open_text("\n\r\n  \t \r\n\r");
	CHECK(at_end(r));
	csv_close(r);

	/* max_input is inclusive. */
	r = open_str("a,b\r\n1234", 9, CSV_UTF8, 0, 9);
	CHECK(row_is(r, 1, NULL, "a", "b", NULL));
	CHECK(row_is(r, 2, NULL, "1234", NULL));
	CHECK(at_end(r));
	csv_close(r);
	CHECK(open_str("a,b\r\n12345", 10, CSV_UTF8, 0, 9) == NULL);

	/* Excel's "Unicode Text" is UTF-16 with its mark: read as the
	 * text it is, whatever the declared encoding. */
	r = open_str("\xFF\xFEi\0d\0,\0\xEB\0\n\0", 12, CSV_UTF8, 0, 0);
	CHECK(row_is(r, 1, NULL, "id", "\xC3\xAB", NULL));
	CHECK(at_end(r));
	csv_close(r);
	r = open_str("\xFE\xFF\0i\0d", 6, CSV_WINDOWS_1252, 0, 0);
	CHECK(row_is(r, 1, NULL, "id", NULL));
	csv_close(r);
	/* Half a character, a lone surrogate, or no mark: refused. */
	CHECK(open_str("\xFF\xFEi\0d", 5, CSV_UTF8, 0, 0) == NULL);
	CHECK(open_str("\xFF\xFE\x00\xD8i\0", 6, CSV_UTF8, 0, 0) == NULL);
	CHECK(open_str("i\0d\0,\0x\0", 8, CSV_UTF8, 0, 0) == NULL);
	/* Workbooks, PDFs and archives are named, not parsed. */
	CHECK(open_str("PK\3\4\x14\0\0\0[Content_Types].xml xl/",
		       sizeof("PK\3\4\x14\0\0\0[Content_Types].xml xl/") - 1,
		       CSV_UTF8, 0, 0) == NULL);
	CHECK(open_str("%PDF-1.4\n", 9, CSV_UTF8, 0, 0) == NULL);
	/* A BOM says UTF-8: converting it as windows-1252 is mojibake. */
	CHECK(open_cp1252("\xEF\xBB\xBFid\n", 0) == NULL);

	/* NULL options are the defaults. */
	r = csv_open_mem("x\n", 2, "t.csv", NULL);
	CHECK(row_is(r, 1, NULL, "x", NULL));
	csv_close(r);
	csv_close(NULL);
}

/* A child writes s in small pieces with pauses, so reads come back short. */
static pid_t slow_writer(const char *s, size_t len, size_t piece, int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_DFL);
		while (len) {
			size_t n = len < piece ? len : piece;
			ssize_t w = write(p[1], s, n);

			if (w <= 0)
				_exit(1);
			s += w;
			len -= (size_t)w;
			usleep(2000);
		}
		_exit(0);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

static void test_csv_open(void)
{
	struct csv_options opt = { CSV_UTF8, 0, 0 };
	struct csv_reader *r;
	char path[] = "/tmp/test_csv_XXXXXX";
	const char *text = "id,name\n1,Zo\xC3\xAB\n";
	int fd = mkstemp(path);
	FILE *fp;
	pid_t pid;
	int status;
	char *big;

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	r = csv_open(path, NULL, NULL, &opt);
	CHECK(row_is(r, 1, NULL, "id", "name", NULL));
	CHECK(row_is(r, 2, NULL, "1", "Zo\xC3\xAB", NULL));
	CHECK(at_end(r));
	csv_close(r);
	opt.max_input = 10;
	CHECK(csv_open(path, NULL, "roster", &opt) == NULL);
	opt.max_input = 0;
	unlink(path);
	CHECK(csv_open(path, NULL, "roster", &opt) == NULL);
	CHECK(csv_open("/", NULL, NULL, &opt) == NULL);

	/* A pipe that delivers a row in pieces. */
	text = "id,name\r\n1,\"Smith,\r\nJo\"\r\n2,Lee";
	pid = slow_writer(text, strlen(text), 3, &fd);
	CHECK(pid > 0);
	fp = fdopen(fd, "rb");
	r = csv_open("-", fp, "stdin", &opt);
	CHECK(row_is(r, 1, NULL, "id", "name", NULL));
	CHECK(row_is(r, 2, NULL, "1", "Smith,\nJo", NULL));
	CHECK(row_is(r, 4, NULL, "2", "Lee", NULL));
	CHECK(at_end(r));
	csv_close(r);
	fclose(fp);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);

	/* A pipe that never sends a line end is cut off at max_input. */
	big = xmalloc(1 << 20);
	memset(big, 'x', 1 << 20);
	pid = slow_writer(big, 1 << 20, 1 << 16, &fd);
	fp = fdopen(fd, "rb");
	opt.max_input = 100000;
	CHECK(csv_open("-", fp, "stdin", &opt) == NULL);
	fclose(fp);
	CHECK(waitpid(pid, &status, 0) == pid);
	free(big);

	/* The caller's stream stays open after "-". */
	fp = fmemopen((void *)"a\n", 2, "r");
	opt.max_input = 0;
	r = csv_open("-", fp, NULL, &opt);
	CHECK(row_is(r, 1, NULL, "a", NULL));
	csv_close(r);
	CHECK(fgetc(fp) == EOF && !ferror(fp));
	fclose(fp);
}

/* ==== Reading ==== */

static void test_csv_next_bom(void)
{
	struct csv_reader *r;

	r = open_text("\xEF\xBB\xBFid,name\n1,Ann\n");
	CHECK(row_is(r, 1, NULL, "id", "name", NULL));
	CHECK(row_is(r, 2, NULL, "1", "Ann", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* libcsv alone fails here: the BOM sits before the first quote. */
	r = open_text("\xEF\xBB\xBF\"id\",\"name\"\r\n\"1\",\"Ann\"\r\n");
	CHECK(row_is(r, 1, NULL, "id", "name", NULL));
	CHECK(row_is(r, 2, NULL, "1", "Ann", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* Only at the start: a BOM later is data (U+FEFF). */
	r = open_text("a\n\xEF\xBB\xBF" "b\n");
	CHECK(row_is(r, 1, NULL, "a", NULL));
	CHECK(row_is(r, 2, NULL, "\xEF\xBB\xBF" "b", NULL));
	csv_close(r);
}

static void test_csv_next_line_ends(void)
{
	static const char *const files[] = {
		"a,b\n1,2\n3,4\n",
		"a,b\r\n1,2\r\n3,4\r\n",
		"a,b\r1,2\r3,4\r",
		"a,b\r\n1,2\r3,4",
		"a,b\n1,2\r\n3,4\n",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct csv_reader *r = open_text(files[i]);

		CHECK(row_is(r, 1, NULL, "a", "b", NULL));
		CHECK(row_is(r, 2, NULL, "1", "2", NULL));
		CHECK(row_is(r, 3, NULL, "3", "4", NULL));
		CHECK(at_end(r));
		csv_close(r);
	}
}

static void test_csv_next_quoting(void)
{
	struct csv_reader *r;

	r = open_text("\"Smith, Jo\",\"say \"\"hi\"\"\",\"\"\"\"\n"
		      "\"two\nlines\",\"crlf\r\ninside\",\"cr\rinside\"\n"
		      "  padded  , \"kept  \" ,\t tab\t,,\"\"\n"
		      "in ner,\"\",x\n");
	CHECK(row_is(r, 1, NULL, "Smith, Jo", "say \"hi\"", "\"", NULL));
	CHECK(row_is(r, 2, NULL, "two\nlines", "crlf\ninside", "cr\ninside",
		     NULL));
	CHECK(row_is(r, 6, NULL, "padded", "kept  ", "tab", "", "", NULL));
	CHECK(row_is(r, 7, NULL, "in ner", "", "x", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* Many fields: the field tables grow and are reused. */
	r = open_text("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20\n"
		      "a\n");
	{
		struct csv_row *row = NULL;

		CHECK(csv_next(r, &row) == 1 && row->nfields == 20);
		if (row && row->nfields == 20)
			CHECK_STR(row->fields[19], "20");
	}
	CHECK(row_is(r, 2, NULL, "a", NULL));
	csv_close(r);
}

static void test_csv_next_line_numbers(void)
{
	struct csv_reader *r;

	r = open_text("id,note\n"
		      "\n"
		      "1,\"first\n"
		      "second\r\n"
		      "\n"
		      "third\"\n"
		      " \t \n"
		      "\r\n"
		      "2,plain\r"
		      "\r"
		      "3,\"a\rb\"\n"
		      "4,last");
	CHECK(row_is(r, 1, NULL, "id", "note", NULL));
	CHECK(row_is(r, 3, NULL, "1", "first\nsecond\n\nthird", NULL));
	CHECK(row_is(r, 9, NULL, "2", "plain", NULL));
	CHECK(row_is(r, 11, NULL, "3", "a\nb", NULL));
	CHECK(row_is(r, 13, NULL, "4", "last", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* A multi-line first field: the row starts where its quote opens. */
	r = open_text("\n\n\"x\ny\",z\nw\n");
	CHECK(row_is(r, 3, NULL, "x\ny", "z", NULL));
	CHECK(row_is(r, 5, NULL, "w", NULL));
	CHECK(at_end(r));
	csv_close(r);
}

static void test_csv_next_windows_1252(void)
{
	static const char undefined[] = { '\x81', '\x8D', '\x8F', '\x90',
					  '\x9D' };
	struct csv_reader *r;
	size_t i;
	char buf[32], want[80];

	r = open_cp1252("name\r\nZo\xEB,\x8C" "uvre,\x80" "5,caf\xE9\r\n"
			"plain\r\n", 0);
	CHECK(row_is(r, 1, NULL, "name", NULL));
	CHECK(row_is(r, 2, NULL, "Zo\xC3\xAB", "\xC5\x92uvre",
		     "\xE2\x82\xAC" "5", "caf\xC3\xA9", NULL));
	CHECK(row_is(r, 3, NULL, "plain", NULL));
	CHECK(at_end(r));
	csv_close(r);

	for (i = 0; i < ARRAY_SIZE(undefined); i++) {
		snprintf(buf, sizeof(buf), "a,x%cy\nb\n", undefined[i]);
		snprintf(want, sizeof(want), "byte 0x%02X in field 2 is not "
			 "windows-1252", (unsigned char)undefined[i]);
		r = open_cp1252(buf, 0);
		CHECK(row_is(r, 1, want, "a", "x" FFFD "y", NULL));
		CHECK(row_is(r, 2, NULL, "b", NULL));
		csv_close(r);
	}

	/* UTF-8 read as windows-1252 would come out as "ZoÃ«". */
	r = open_cp1252("1,Zo\xC3\xAB\n", 0);
	CHECK(row_is(r, 1, "field 2 looks like UTF-8, not windows-1252 "
		     "(set encoding = utf-8)", "1", "Zo\xC3\xAB", NULL));
	csv_close(r);
}

static void test_csv_next_invalid_utf8(void)
{
	struct csv_reader *r;

	r = open_text("id,forename,surname\n"
		      "1,Zo\xEB,Smith\n"
		      "2,\xC0\xAF,x\n"
		      "3,a,\xED\xA0\x80\n"
		      "4,\xF0\x9F\x98\x80,\xC3\xAB\n"
		      "5,\xC3,\xF8\n");
	CHECK(row_is(r, 1, NULL, "id", "forename", "surname", NULL));
	CHECK(row_is(r, 2, "invalid UTF-8 in field 2 (is the file "
		     "windows-1252? set encoding = windows-1252)",
		     "1", "Zo" FFFD, "Smith", NULL));
	CHECK(row_is(r, 3, "invalid UTF-8 in field 2 (is the file "
		     "windows-1252? set encoding = windows-1252)",
		     "2", FFFD FFFD, "x", NULL));
	CHECK(row_is(r, 4, "invalid UTF-8 in field 3 (is the file "
		     "windows-1252? set encoding = windows-1252)",
		     "3", "a", FFFD FFFD FFFD, NULL));
	CHECK(row_is(r, 5, NULL, "4", "\xF0\x9F\x98\x80", "\xC3\xAB", NULL));
	CHECK(row_is(r, 6, "invalid UTF-8 in field 2 (is the file "
		     "windows-1252? set encoding = windows-1252)",
		     "5", FFFD, FFFD, NULL));
	CHECK(at_end(r));
	csv_close(r);
}

static void test_csv_next_nul(void)
{
	static const char in[] = "a,b\0c,d\n\0\n\"q\0\",e\nok\n";
	struct csv_reader *r = open_str(in, sizeof(in) - 1, CSV_UTF8, 0, 0);

	CHECK(row_is(r, 1, "NUL byte in field 2", "a", "b" FFFD "c", "d",
		     NULL));
	CHECK(row_is(r, 2, "NUL byte in field 1", FFFD, NULL));
	CHECK(row_is(r, 3, "NUL byte in field 1", "q" FFFD, "e", NULL));
	CHECK(row_is(r, 4, NULL, "ok", NULL));
	CHECK(at_end(r));
	csv_close(r);

	r = open_str(in, sizeof(in) - 1, CSV_WINDOWS_1252, 0, 0);
	CHECK(row_is(r, 1, "NUL byte in field 2", "a", "b" FFFD "c", "d",
		     NULL));
	csv_close(r);
}

static void test_csv_next_max_field(void)
{
	struct csv_reader *r;
	struct sbuf sb = SBUF_INIT;
	size_t i;

	r = open_str("12345678,x\n123456789,\"abc\"\"defgh\"\nok\n", 37,
		     CSV_UTF8, 8, 0);
	CHECK(row_is(r, 1, NULL, "12345678", "x", NULL));
	CHECK(row_is(r, 2, "field 1 is over 8 bytes", "12345678",
		     "abc\"defg", NULL));
	CHECK(row_is(r, 3, NULL, "ok", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* A long row of short multi-line fields is not a runaway field. */
	r = open_str("\"a\nb\",\"c\nd\",\"e\nf\",\"g\nh\","
		     "\"i\nj\",\"k\nl\"\nm\n", 38, CSV_UTF8, 8, 0);
	CHECK(row_is(r, 1, NULL, "a\nb", "c\nd", "e\nf", "g\nh", "i\nj",
		     "k\nl", NULL));
	CHECK(row_is(r, 8, NULL, "m", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* Limits are on the UTF-8 the caller gets, cut between characters. */
	r = open_cp1252("\xEB\xEB\xEB,\xEB\xEB\n", 5);
	CHECK(row_is(r, 1, "field 1 is over 5 bytes", "\xC3\xAB\xC3\xAB",
		     "\xC3\xAB\xC3\xAB", NULL));
	csv_close(r);

	/* The default limit, and a long line fed in pieces. */
	sbuf_addstr(&sb, "a,");
	for (i = 0; i < 65536; i++)
		sbuf_addch(&sb, 'x');
	sbuf_addstr(&sb, "\nb,");
	for (i = 0; i < 65537; i++)
		sbuf_addch(&sb, 'y');
	sbuf_addstr(&sb, ",z\nc\n");
	r = open_str(sb.buf, sb.len, CSV_UTF8, 0, 0);
	{
		struct csv_row *row = NULL;

		CHECK(csv_next(r, &row) == 1 && row->error == NULL &&
		      row->nfields == 2 && strlen(row->fields[1]) == 65536);
		CHECK(csv_next(r, &row) == 1 && row->line == 2 &&
		      row->error && row->nfields == 3 &&
		      strlen(row->fields[1]) == 65536);
		if (row && row->error)
			CHECK_STR(row->error, "field 2 is over 65536 bytes");
	}
	CHECK(row_is(r, 3, NULL, "c", NULL));
	CHECK(at_end(r));
	csv_close(r);
	sbuf_release(&sb);
}

static void test_csv_next_unterminated_quote(void)
{
	struct csv_reader *r;
	struct sbuf sb = SBUF_INIT;
	size_t i;

	r = open_text("id,name\n"
		      "1,\"Smith\n"
		      "2,Jones\r\n"
		      "\n"
		      "3,Brown\n");
	CHECK(row_is(r, 1, NULL, "id", "name", NULL));
	CHECK(row_is(r, 2, "unterminated quote", "1", NULL));
	CHECK(row_is(r, 3, NULL, "2", "Jones", NULL));
	CHECK(row_is(r, 5, NULL, "3", "Brown", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* The open quote meets a later quote: caught there, not at the end. */
	r = open_text("1,\"Smith\n"
		      "2,\"Jones\",x\n"
		      "3,y\n");
	CHECK(row_is(r, 1, "misplaced quote in field 2 on line 2 "
		     "(is a quote left open?)", "1", NULL));
	CHECK(row_is(r, 2, NULL, "2", "Jones", "x", NULL));
	CHECK(row_is(r, 3, NULL, "3", "y", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* Stray quotes in or after a field. */
	r = open_text("1,5\"2,x\n2,\"a\"b,y\n3,\"a\" ,z\n");
	CHECK(row_is(r, 1, "misplaced quote in field 2", "1", NULL));
	CHECK(row_is(r, 2, "misplaced quote in field 2", "2", NULL));
	CHECK(row_is(r, 3, NULL, "3", "a", "z", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/* On the last line, without a line end. */
	r = open_text("a\n\"b");
	CHECK(row_is(r, 1, NULL, "a", NULL));
	CHECK(row_is(r, 2, "unterminated quote", NULL));
	CHECK(at_end(r));
	csv_close(r);

	/*
	 * A quote left open in a long file is stopped once the field is
	 * surely over max_field, and every later row is still read.
	 */
	sbuf_addstr(&sb, "id,name\n1,\"Smith\n");
	for (i = 0; i < 200; i++)
		sbuf_addf(&sb, "%zu,name%zu\n", i + 2, i);
	r = open_str(sb.buf, sb.len, CSV_UTF8, 16, 0);
	CHECK(row_is(r, 1, NULL, "id", "name", NULL));
	CHECK(row_is(r, 2, "field 2 is over 16 bytes (is a quote left open?)",
		     "1", NULL));
	for (i = 0; i < 200; i++) {
		char id[16], name[16];

		snprintf(id, sizeof(id), "%zu", i + 2);
		snprintf(name, sizeof(name), "name%zu", i);
		CHECK(row_is(r, i + 3, NULL, id, name, NULL));
	}
	CHECK(at_end(r));
	csv_close(r);
	sbuf_release(&sb);
}

/* ==== Writing ==== */

static char *write_rows(const char *const *fields, size_t n, int neutralise,
			int *rc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	*rc = csv_write_row(fp, fields, n, neutralise);
	fclose(fp);
	return out;
}

static void check_written(const char *const *fields, size_t n, int neutralise,
			  const char *want)
{
	int rc;
	char *got = write_rows(fields, n, neutralise, &rc);

	CHECK(rc == 0);
	CHECK_STR(got, want);
	free(got);
}

static void test_csv_write_row(void)
{
	static const char *const plain[] = {
		"id", "Zo\xC3\xAB", "", "O'Brien",
	};
	static const char *const awkward[] = {
		"a,b", "say \"hi\"", "two\nlines", "cr\rx", " lead", "trail\t",
		"in ner",
	};
	static const char *const risky[] = {
		"=1+1", "+1", "-1", "@x", "\tx", "\rx", "a=1",
		"=HYPERLINK(\"x\")",
	};
	static const char *const empty[] = { "" };
	const char *const withnull[] = { "a", NULL, "b" };
	FILE *full;

	check_written(plain, ARRAY_SIZE(plain), 0,
		      "id,Zo\xC3\xAB,,O'Brien\r\n");
	check_written(awkward, ARRAY_SIZE(awkward), 0,
		      "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\","
		      "\" lead\",\"trail\t\",in ner\r\n");
	check_written(risky, ARRAY_SIZE(risky), 1,
		      "'=1+1,'+1,'-1,'@x,\"'\tx\",\"'\rx\",a=1,"
		      "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
	check_written(risky, ARRAY_SIZE(risky), 0,
		      "=1+1,+1,-1,@x,\"\tx\",\"\rx\",a=1,"
		      "\"=HYPERLINK(\"\"x\"\")\"\r\n");
	check_written(empty, 1, 0, "\"\"\r\n");
	check_written(withnull, 3, 0, "a,,b\r\n");
	check_written(NULL, 0, 0, "\r\n");

	/* Write errors come back as -1. */
	full = fopen("/dev/full", "w");
	CHECK(full != NULL);
	if (full) {
		setvbuf(full, NULL, _IONBF, 0);
		CHECK(csv_write_row(full, plain, ARRAY_SIZE(plain), 0) == -1);
		CHECK(csv_write_row(full, awkward, 1, 0) == -1);
		fclose(full);
	}
}

/* What the writer writes, the reader reads back unchanged. */
static void test_csv_round_trip(void)
{
	static const char *const values[] = {
		"", " lead", "trail ", "\ttab\t", "a,b", "say \"hi\"", "\"",
		",", "line1\nline2", "=1+1", "Zo\xC3\xAB \xC5\x81ukasz",
		"Nguy\xE1\xBB\x85n", "O'Brien", "  ", "\n", "\"\"\"",
		"x\r\ny",
	};
	char *out = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&out, &len);
	struct csv_reader *r;
	struct csv_row *row = NULL;

	CHECK(csv_write_row(fp, values, ARRAY_SIZE(values), 0) == 0);
	for (i = 0; i < ARRAY_SIZE(values); i++)
		CHECK(csv_write_row(fp, values + i, 1, 0) == 0);
	fclose(fp);

	r = open_str(out, len, CSV_UTF8, 0, 0);
	CHECK(r && csv_next(r, &row) == 1 && row->error == NULL &&
	      row->nfields == ARRAY_SIZE(values));
	for (i = 0; row && i < row->nfields && i < ARRAY_SIZE(values); i++) {
		/* CRLF inside a field is read back as LF, as documented. */
		CHECK_STR(row->fields[i],
			  strcmp(values[i], "x\r\ny") ? values[i] : "x\ny");
	}
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		CHECK(csv_next(r, &row) == 1 && row->error == NULL &&
		      row->nfields == 1);
		if (row && row->nfields == 1)
			CHECK_STR(row->fields[0], strcmp(values[i], "x\r\ny") ?
				  values[i] : "x\ny");
	}
	CHECK(at_end(r));
	csv_close(r);
	free(out);
}

int main(void)
{
	RUN(test_csv_open_mem);
	RUN(test_csv_open);
	RUN(test_csv_next_bom);
	RUN(test_csv_next_line_ends);
	RUN(test_csv_next_quoting);
	RUN(test_csv_next_line_numbers);
	RUN(test_csv_next_windows_1252);
	RUN(test_csv_next_invalid_utf8);
	RUN(test_csv_next_nul);
	RUN(test_csv_next_max_field);
	RUN(test_csv_next_unterminated_quote);
	RUN(test_csv_write_row);
	RUN(test_csv_round_trip);
	TEST_EXIT();
}
