/*
 * Unit tests of core/records and the encodings it uses (formats/tsv,
 * formats/ndjson, formats/table; CSV through formats/csv). Streams live in
 * memory (fmemopen, open_memstream) except where a pipe is the point: a
 * detected CSV stream that cannot be rewound. Error tests capture stderr
 * and check the message and its line number, not just the return value.
 */
#include "formats/records.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "formats/ndjson.h"
#include "formats/table.h"
#include "formats/tsv.h"
#include "tests/unit/test.h"

/* ==== Helpers ==== */

#define CHECK_HAS(hay, needle)                                             \
	do {                                                               \
		const char *h_ = (hay), *n_ = (needle);                    \
		if (!strstr(h_, n_)) {                                     \
			fprintf(stderr, "%s:%d: '%s' not in '%s'\n",       \
				__FILE__, __LINE__, n_, h_);               \
			test_failed_checks++;                              \
		}                                                          \
	} while (0)

/* A stream over text (not copied: text must outlive it). */
static FILE *mem_in(const char *text, size_t len)
{
	FILE *fp = fmemopen((void *)text, len, "r");

	if (!fp) {
		perror("fmemopen");
		exit(2);
	}
	return fp;
}

/* A pipe holding text, closed for writing: a stream that cannot seek. */
static FILE *pipe_in(const char *text)
{
	int fd[2];
	size_t len = strlen(text);
	FILE *fp;

	if (pipe(fd) != 0 || write(fd[1], text, len) != (ssize_t)len) {
		perror("pipe");
		exit(2);
	}
	close(fd[1]);
	fp = fdopen(fd[0], "r");
	if (!fp) {
		perror("fdopen");
		exit(2);
	}
	return fp;
}

/* Writes rows (nrows x ncols) in format f; caller frees the text. */
static char *write_all(enum rec_format f, const char *const *cols,
		       size_t ncols, const char *const *rows, size_t nrows,
		       size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	struct rec_writer *w = rec_writer_new(out, f, cols, ncols);

	for (size_t i = 0; i < nrows; i++)
		CHECK(rec_write(w, rows + i * ncols) == 0);
	CHECK(rec_writer_close(w) == 0);
	fclose(out);
	if (len)
		*len = n;
	return text;
}

/*
 * Reads text in format f and returns every record as "a|b|c", records
 * joined by ";" and read errors as "!"; caller frees. NULL when the reader
 * could not be made.
 */
static char *dump(const char *text, enum rec_format f)
{
	FILE *in = mem_in(text, strlen(text));
	struct rec_reader *r = rec_reader_new(in, "t", f);
	struct sbuf sb = SBUF_INIT;
	const char *const *v;
	int rc;

	if (!r) {
		fclose(in);
		return NULL;
	}
	for (size_t i = 0; i < rec_ncols(r); i++)
		sbuf_addf(&sb, "%s%s", i ? "|" : "", rec_colname(r, i));
	while ((rc = rec_read(r, &v)) != 0) {
		sbuf_addch(&sb, ';');
		if (rc < 0) {
			sbuf_addch(&sb, '!');
			continue;
		}
		for (size_t i = 0; i < rec_ncols(r); i++)
			sbuf_addf(&sb, "%s%s", i ? "|" : "", v[i]);
	}
	rec_reader_free(r);
	fclose(in);
	return sbuf_detach(&sb);
}

/* dump() with stderr captured into *err. */
static char *dump_err(const char *text, enum rec_format f, const char **err)
{
	char *d;

	capture_begin();
	d = dump(text, f);
	*err = capture_end();
	return d;
}


/* ==== formats/tsv ==== */

static void test_tsv_escape(void)
{
	struct sbuf sb = SBUF_INIT;

	tsv_escape(&sb, "a\tb\nc\rd\\e");
	CHECK_STR(sbuf_str(&sb), "a\\tb\\nc\\rd\\\\e");
	sbuf_reset(&sb);
	tsv_escape(&sb, "");
	CHECK_STR(sbuf_str(&sb), "");
	tsv_escape(&sb, "Nguyễn \\\\");
	CHECK_STR(sbuf_str(&sb), "Nguyễn \\\\\\\\");
	sbuf_release(&sb);
}

static void test_tsv_unescape(void)
{
	char s1[] = "a\\tb\\nc\\rd\\\\e", s2[] = "\\\\t", s3[] = "ok\\x",
	     s4[] = "end\\", s5[] = "plain";
	char bad = 'z';

	CHECK(tsv_unescape(s1, &bad) == 0);
	CHECK_STR(s1, "a\tb\nc\rd\\e");
	CHECK(tsv_unescape(s2, &bad) == 0);
	CHECK_STR(s2, "\\t");
	CHECK(bad == 'z');
	CHECK(tsv_unescape(s3, &bad) == -1);
	CHECK(bad == 'x');
	CHECK(tsv_unescape(s4, &bad) == -1);
	CHECK(bad == '\0');
	CHECK(tsv_unescape(s5, &bad) == 0);
	CHECK_STR(s5, "plain");
}

static void test_tsv_split(void)
{
	char l1[] = "a\tb\t\tc", l2[] = "", l3[200];
	char **f = NULL;
	size_t cap = 0, n;

	n = tsv_split(l1, strlen(l1), &f, &cap);
	CHECK(n == 4);
	CHECK_STR(f[0], "a");
	CHECK_STR(f[1], "b");
	CHECK_STR(f[2], "");
	CHECK_STR(f[3], "c");
	n = tsv_split(l2, 0, &f, &cap);
	CHECK(n == 1);
	CHECK_STR(f[0], "");
	/* More fields than the first allocation holds. */
	memset(l3, '\t', 40);
	l3[40] = 'x';
	l3[41] = '\0';
	n = tsv_split(l3, 41, &f, &cap);
	CHECK(n == 41);
	CHECK(cap >= 41);
	CHECK_STR(f[39], "");
	CHECK_STR(f[40], "x");
	free(f);
}

/* ==== formats/ndjson ==== */

static void test_ndjson_add_string(void)
{
	struct sbuf sb = SBUF_INIT;

	ndjson_add_string(&sb, "say \"hi\" \\ a\tb\nc\rd\x01\x1f\x7f Zoë");
	CHECK_STR(sbuf_str(&sb), "\"say \\\"hi\\\" \\\\ a\\tb\\nc\\rd"
		  "\\u0001\\u001f\\u007f Zoë\"");
	sbuf_reset(&sb);
	ndjson_add_string(&sb, "");
	CHECK_STR(sbuf_str(&sb), "\"\"");
	sbuf_release(&sb);
}

static void test_ndjson_add_object(void)
{
	const char *keys[] = { "a", "b\"", "c" };
	const char *values[] = { "1", "x", NULL };
	struct sbuf sb = SBUF_INIT;

	ndjson_add_object(&sb, keys, values, 3);
	CHECK_STR(sbuf_str(&sb), "{\"a\":\"1\",\"b\\\"\":\"x\",\"c\":\"\"}");
	sbuf_release(&sb);
}

/* Parses s; returns "k=v,k=v" or "ERR: why" in a static buffer. */
static const char *parse(const char *s)
{
	static char out[512];
	struct ndjson_object o = NDJSON_OBJECT_INIT;
	struct sbuf why = SBUF_INIT;

	out[0] = '\0';
	if (ndjson_parse(&o, s, strlen(s), &why) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", sbuf_str(&why));
	} else {
		size_t n = 0;

		for (size_t i = 0; i < o.n; i++)
			n += (size_t)snprintf(out + n, sizeof(out) - n,
					      "%s%s=%s", i ? "," : "",
					      ndjson_key(&o, i),
					      ndjson_value(&o, i));
	}
	ndjson_object_release(&o);
	sbuf_release(&why);
	return out;
}

static void test_ndjson_parse(void)
{
	CHECK_STR(parse("{\"a\":\"x\",\"n\":-12.5e+3,\"z\":0,\"t\":true,"
			"\"f\":false,\"u\":null}"),
		  "a=x,n=-12.5e+3,z=0,t=true,f=false,u=");
	CHECK_STR(parse(" { \"a\" : \"1\" , \"b\":\"2\" } \r"), "a=1,b=2");
	CHECK_STR(parse("{}"), "");
	CHECK_STR(parse("{\"e\":\"Zo\\u00eb\",\"s\":\"\\ud83d\\ude00!\"}"),
		  "e=Zoë,s=\xF0\x9F\x98\x80!");
	CHECK_STR(parse("{\"q\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\"}"),
		  "q=\"\\/\b\f\n\r\t\x01");
	CHECK_STR(parse("{\"k\":\"Nguyễn\"}"), "k=Nguyễn");

	CHECK_STR(parse("{\"a\":{\"b\":\"c\"}}"),
		  "ERR: value of 'a' is an object: only flat objects of "
		  "strings, numbers, true, false and null are read");
	CHECK_HAS(parse("{\"a\":[1]}"), "value of 'a' is an array");
	CHECK_STR(parse("{\"a\" \"b\"}"),
		  "ERR: malformed JSON at byte 6: expected ':' after a key");
	CHECK_STR(parse("[\"a\"]"), "ERR: malformed JSON at byte 1: "
		  "expected '{': a record is one object a line");
	CHECK_HAS(parse("{\"a\":\"b\"} x"), "byte 11: text after the object");
	CHECK_HAS(parse("{\"a\":\"b"), "unterminated string");
	CHECK_HAS(parse("{\"a\":\"b\""), "expected ',' or '}'");
	CHECK_HAS(parse("{\"a\":\"b\",}"), "byte 10: expected a string");
	CHECK_HAS(parse("{\"a\":\"x\ty\"}"), "control character 0x09");
	CHECK_HAS(parse("{\"a\":\"\\x\"}"), "byte 7: bad escape");
	CHECK_HAS(parse("{\"a\":\"\\u00g1\"}"), "four hex digits");
	CHECK_HAS(parse("{\"a\":\"\\ud83d\"}"), "byte 7: lone high surrogate");
	CHECK_HAS(parse("{\"a\":\"\\ud83dx\"}"), "lone high surrogate");
	CHECK_HAS(parse("{\"a\":\"\\ud83d\\u0041\"}"), "lone high surrogate");
	CHECK_HAS(parse("{\"a\":\"\\ude00\"}"), "lone low surrogate \\ude00");
	CHECK_HAS(parse("{\"a\":\"\\u0000\"}"), "NUL character");
	CHECK_HAS(parse("{\"a\":\"Zo\xEB\"}"), "invalid UTF-8");
	CHECK_HAS(parse("{\"a\":01}"), "expected ',' or '}'");
	CHECK_HAS(parse("{\"a\":-}"), "expected a digit");
	CHECK_HAS(parse("{\"a\":1.}"), "expected a digit");
	CHECK_HAS(parse("{\"a\":1e}"), "expected a digit");
	CHECK_HAS(parse("{\"a\":tru}"), "expected a value");
	CHECK_HAS(parse("{\"a\":x}"), "expected a value");
	CHECK_HAS(parse(""), "byte 1: expected '{'");
}

/* ==== formats/table ==== */

static void test_table_print(void)
{
	const char *head[] = { "name", "id", "note" };
	const char *r1[] = { "Nguyễn Zoë", "7", "x" };
	const char *r2[] = { "Al", NULL, "a\tb\x1b[2J\xC2\x9B" };
	struct table *t = table_new(head, 3);
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);

	table_add_row(t, r1);
	table_add_row(t, r2);
	CHECK(table_print(t, out) == 0);
	fclose(out);
	/* "Nguyễn Zoë" is 10 code points but 14 bytes. */
	CHECK_STR(text, "name        id  note\n"
		  "Nguyễn Zoë  7   x\n"
		  "Al              a\\tb\\x1b[2J\\u009b\n");
	free(text);
	table_free(t);
	table_free(NULL);
}

/* ==== core/records ==== */

static void test_rec_format_parse(void)
{
	enum rec_format f = REC_AUTO;

	CHECK(rec_format_parse("tsv", &f) == 0 && f == REC_TSV);
	CHECK(rec_format_parse("csv", &f) == 0 && f == REC_CSV);
	CHECK(rec_format_parse("ndjson", &f) == 0 && f == REC_NDJSON);
	CHECK(rec_format_parse("table", &f) == 0 && f == REC_TABLE);
	f = REC_AUTO;
	CHECK(rec_format_parse("TSV", &f) == -1);
	CHECK(rec_format_parse("json", &f) == -1);
	CHECK(rec_format_parse("", &f) == -1);
	CHECK(f == REC_AUTO);
}

static const char *const cols3[] = { "id", "name", "note" };
static const char *const rows3[] = {
	"1", "Zoë", "tab\there",
	"2", "Nguyễn", "line\nbreak and cr\r",
	"3", "", "back\\slash \\t",
	"4", NULL, "",
};

static void test_rec_write_tsv(void)
{
	char *text = write_all(REC_TSV, cols3, 3, rows3, 4, NULL);

	CHECK_STR(text, "id\tname\tnote\n"
		  "1\tZoë\ttab\\there\n"
		  "2\tNguyễn\tline\\nbreak and cr\\r\n"
		  "3\t\tback\\\\slash \\\\t\n"
		  "4\t\t\n");
	free(text);
}

static void test_rec_read_tsv(void)
{
	char *text = write_all(REC_TSV, cols3, 3, rows3, 4, NULL);
	FILE *in = mem_in(text, strlen(text));
	struct rec_reader *r = rec_reader_new(in, "t.tsv", REC_TSV);
	const char *const *v;

	CHECK(r != NULL);
	if (!r)
		goto out;
	CHECK(rec_ncols(r) == 3);
	CHECK_STR(rec_colname(r, 2), "note");
	for (size_t i = 0; i < 4; i++) {
		CHECK(rec_read(r, &v) == 1);
		for (size_t c = 0; c < 3; c++)
			CHECK_STR(v[c], rows3[i * 3 + c] ? rows3[i * 3 + c] :
				  "");
		CHECK(rec_line(r) == i + 2);
	}
	CHECK(rec_read(r, &v) == 0);
	CHECK(v == NULL);
	CHECK(rec_read(r, &v) == 0);
	rec_reader_free(r);
out:
	fclose(in);
	free(text);

	/* CRLF line ends, a BOM, a last line without '\n', one column. */
	text = dump("\xEF\xBB\xBFid\tname\r\n1\tZoë\r\n2\tAl", REC_TSV);
	CHECK_STR(text, "id|name;1|Zoë;2|Al");
	free(text);
	text = dump("only\n\nx\n", REC_TSV);
	CHECK_STR(text, "only;;x");
	free(text);
}

static void test_rec_csv(void)
{
	static const char *const rows[] = {
		"1", "Smith, Jo", "say \"hi\"",
		"2", " padded ", "two\nlines",
		"3", "", "Nguyễn",
	};
	char *text = write_all(REC_CSV, cols3, 3, rows, 3, NULL);
	char *d;

	CHECK_STR(text, "id,name,note\r\n"
		  "1,\"Smith, Jo\",\"say \"\"hi\"\"\"\r\n"
		  "2,\" padded \",\"two\nlines\"\r\n"
		  "3,,Nguyễn\r\n");
	d = dump(text, REC_CSV);
	CHECK_STR(d, "id|name|note;1|Smith, Jo|say \"hi\";"
		  "2| padded |two\nlines;3||Nguyễn");
	free(d);
	free(text);

	/* The line of a record is the physical line it starts on. */
	{
		const char *s = "a,b\r\n\"x\ny\",1\r\nz,2\r\n";
		FILE *in = mem_in(s, strlen(s));
		struct rec_reader *r = rec_reader_new(in, "t", REC_CSV);
		const char *const *v;

		CHECK(r != NULL);
		if (r) {
			CHECK(rec_read(r, &v) == 1 && rec_line(r) == 2);
			CHECK(rec_read(r, &v) == 1 && rec_line(r) == 4);
			CHECK_STR(v[0], "z");
			CHECK(rec_read(r, &v) == 0);
			rec_reader_free(r);
		}
		fclose(in);
	}
}

static void test_rec_ndjson(void)
{
	static const char *const cols[] = { "id", "name", "note" };
	static const char *const rows[] = {
		"1", "Zoë \"Z\"", "back\\slash",
		"2", "Nguyễn", "ctl\x01\x1f\t\n\r",
		"3", NULL, "",
	};
	char *text = write_all(REC_NDJSON, cols, 3, rows, 3, NULL);
	char *d;

	CHECK_STR(text,
		  "{\"id\":\"1\",\"name\":\"Zoë \\\"Z\\\"\","
		  "\"note\":\"back\\\\slash\"}\n"
		  "{\"id\":\"2\",\"name\":\"Nguyễn\","
		  "\"note\":\"ctl\\u0001\\u001f\\t\\n\\r\"}\n"
		  "{\"id\":\"3\",\"name\":\"\",\"note\":\"\"}\n");
	d = dump(text, REC_NDJSON);
	CHECK_STR(d, "id|name|note;1|Zoë \"Z\"|back\\slash;"
		  "2|Nguyễn|ctl\x01\x1f\t\n\r;3||");
	free(d);
	free(text);

	/*
	 * From another tool: escapes, numbers, null, keys in another
	 * order, a missing key, blank lines, CRLF.
	 */
	d = dump("{\"id\":1,\"name\":\"Zo\\u00eb\",\"ok\":true}\r\n"
		 "\n  \n"
		 "{\"ok\":null,\"id\":-2.5e3,\"name\":\"\\ud83d\\ude00\"}\n"
		 "{\"name\":\"Al\"}\n", REC_NDJSON);
	CHECK_STR(d, "id|name|ok;1|Zoë|true;-2.5e3|\xF0\x9F\x98\x80|;|Al|");
	free(d);
}

static void test_rec_column(void)
{
	/* The columns come in an order other than the reader expects. */
	const char *s = "note\temail\tname\tid\nn1\ta@b\tZoë\t7\n";
	FILE *in = mem_in(s, strlen(s));
	struct rec_reader *r = rec_reader_new(in, "t", REC_TSV);
	const char *const *v;
	long id, name, email, note;

	CHECK(r != NULL);
	if (!r) {
		fclose(in);
		return;
	}
	id = rec_column(r, "id");
	name = rec_column(r, "name");
	email = rec_column(r, "email");
	note = rec_column(r, "note");
	CHECK(id == 3 && name == 2 && email == 1 && note == 0);
	CHECK(rec_column(r, "missing") == -1);
	CHECK(rec_column(r, "") == -1);
	CHECK(rec_column(r, "Name") == -1);
	CHECK(rec_read(r, &v) == 1);
	CHECK_STR(v[id], "7");
	CHECK_STR(v[name], "Zoë");
	CHECK_STR(v[email], "a@b");
	rec_reader_free(r);
	fclose(in);

	/* Many columns: the sorted index against a linear search. */
	{
		struct sbuf h = SBUF_INIT;
		char name_buf[16];
		int ok = 1;

		for (int i = 0; i < 500; i++)
			sbuf_addf(&h, "%sc%d", i ? "\t" : "", (i * 7919) % 500);
		sbuf_addch(&h, '\n');
		in = mem_in(h.buf, h.len);
		r = rec_reader_new(in, "t", REC_TSV);
		CHECK(r != NULL);
		for (int i = 0; r && i < 500; i++) {
			snprintf(name_buf, sizeof(name_buf), "c%d",
				 (i * 7919) % 500);
			if (rec_column(r, name_buf) != i)
				ok = 0;
		}
		CHECK(ok);
		CHECK(r && rec_column(r, "c500") == -1);
		rec_reader_free(r);
		fclose(in);
		sbuf_release(&h);
	}
}

static void test_rec_reader_new_auto(void)
{
	static const char *const cases[][2] = {
		{ "{\"a\":\"1\",\"b\":\"x,y\"}\n", "a|b;1|x,y" },
		{ "\n \r\n{\"a\":\"1\"}\n", "a;1" },
		{ "a\tb\n1\tx,y\n", "a|b;1|x,y" },
		{ "\xEF\xBB\xBF" "a\tb\n1\t2\n", "a|b;1|2" },
		{ "a,b\n1,\"x\ty\"\n", "a|b;1|x\ty" },
		{ "\xEF\xBB\xBF" "a,b\r\n1,2\r\n", "a|b;1|2" },
		{ "name\nZoë\n", "name;Zoë" },
		{ "{\"a\":\"1\"}", "a;1" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *d = dump(cases[i][0], REC_AUTO);

		CHECK_STR(d, cases[i][1]);
		free(d);
	}

	/* A pipe cannot seek back: detection hands its buffer to csv. */
	{
		FILE *in = pipe_in("a,b\n1,\"two\nlines\"\n2,3\n");
		struct rec_reader *r = rec_reader_new(in, "<stdin>",
						      REC_AUTO);
		const char *const *v;

		CHECK(r != NULL);
		if (r) {
			CHECK_STR(rec_colname(r, 1), "b");
			CHECK(rec_read(r, &v) == 1);
			CHECK_STR(v[1], "two\nlines");
			CHECK(rec_read(r, &v) == 1 && rec_line(r) == 4);
			CHECK_STR(v[0], "2");
			CHECK(rec_read(r, &v) == 0);
			rec_reader_free(r);
		}
		fclose(in);
	}
	/* And a TSV pipe keeps what detection read. */
	{
		FILE *in = pipe_in("a\tb\n1\t2\n");
		struct rec_reader *r = rec_reader_new(in, "<stdin>",
						      REC_AUTO);
		const char *const *v;

		CHECK(r != NULL);
		if (r) {
			CHECK(rec_read(r, &v) == 1);
			CHECK_STR(v[1], "2");
			CHECK(rec_read(r, &v) == 0);
			rec_reader_free(r);
		}
		fclose(in);
	}
}

static void test_rec_reader_new_errors(void)
{
	static const struct {
		const char *in;
		enum rec_format f;
		const char *msg;
	} cases[] = {
		{ "", REC_TSV, "'t': empty input" },
		{ "", REC_CSV, "'t': empty input" },
		{ "", REC_NDJSON, "'t': empty input" },
		{ "", REC_AUTO, "'t': empty input" },
		{ "\n\n \r\n", REC_AUTO, "'t': empty input" },
		{ "\n\n", REC_TSV, "'t': empty input" },
		{ "\n  \n", REC_NDJSON, "'t': empty input" },
		/* A name twice: a record where the header should be? */
		{ "id\tname\tid\n", REC_TSV, "'t':1: column 'id' is named "
		  "twice; the first line is read as the header and holds "
		  "'id', 'name', 'id': is the header line missing" },
		{ "\nb\ta\tb\n", REC_AUTO, "'t':2: column 'b' is named twice" },
		{ "x,y,x\r\n", REC_CSV, "'t':1: column 'x' is named twice" },
		{ "{\"k\":\"1\",\"k\":\"2\"}\n", REC_NDJSON,
		  "'t':1: column 'k' is named twice" },
		{ "1\t2\t3\t4\t5\t6\t1\n", REC_TSV, "holds '1', '2', '3', '4', "
		  "'5' and 2 more: is" },
		/* Not a stream at all: said what it is. */
		{ "PK\3\4\x14\0", REC_AUTO, "'t': is a zip archive, not a "
		  "record stream" },
		{ "%PDF-1.7\n", REC_AUTO, "'t': is a PDF document, not a record "
		  "stream (TSV, CSV or NDJSON in UTF-8): give the records" },
		{ "\xff\xfe" "a", REC_AUTO, "'t': is UTF-16 text, not a record" },
		{ "a\t\tc\n", REC_TSV, "'t':1: column 2 has no name" },
		{ "a\\qb\tc\n", REC_TSV, "'t':1: column 1: bad escape '\\q'" },
		{ "a\xff\tc\n", REC_TSV, "'t':1: column 1: invalid UTF-8" },
		{ "{}\n", REC_NDJSON, "'t':1: no columns" },
		{ "{\"a\":\"1\"\n", REC_AUTO,
		  "'t':1: malformed JSON at byte 9: expected ',' or '}'" },
		{ "{\"a\":{}}\n", REC_NDJSON, "'t':1: value of 'a' is an obj" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *err;
		char *d = dump_err(cases[i].in, cases[i].f, &err);

		CHECK(d == NULL);
		CHECK_HAS(err, cases[i].msg);
		free(d);
	}
}

static void test_rec_read_errors(void)
{
	static const struct {
		const char *in;
		enum rec_format f;
		const char *dump;
		const char *msg;
	} cases[] = {
		{ "a\tb\n1\t2\t3\n4\t5\n6\n7\t8\n", REC_TSV,
		  "a|b;!;4|5;!;7|8",
		  "'t':2: 3 fields, expected 2\n" },
		{ "a\tb\n1\t2\n6\n", REC_TSV, "a|b;1|2;!",
		  "'t':3: 1 fields, expected 2\n" },
		{ "a\tb\n1\tx\\x\n2\tok\n", REC_TSV, "a|b;!;2|ok",
		  "'t':2: column 'b': bad escape '\\x'\n" },
		{ "a\tb\n1\tx\\\n", REC_TSV, "a|b;!",
		  "'t':2: column 'b': '\\' at end of value\n" },
		{ "a\tb\n1\tZo\xEB\n", REC_TSV, "a|b;!",
		  "'t':2: column 'b': invalid UTF-8\n" },
		{ "a\tb\n1\t\xC0\xAF\n", REC_TSV, "a|b;!",
		  "'t':2: column 'b': invalid UTF-8\n" },
		{ "{\"a\":\"1\"}\n{\"a\":1,}\n{\"a\":\"3\"}\n", REC_NDJSON,
		  "a;1;!;3",
		  "'t':2: malformed JSON at byte 8: expected a string\n" },
		{ "{\"a\":\"1\"}\n{\"a\":\"1\",\"b\":\"2\"}\n", REC_NDJSON,
		  "a;1;!", "'t':2: key 'b' is not a column" },
		{ "{\"a\":\"1\",\"b\":\"x\"}\n{\"b\":\"1\",\"b\":\"2\"}\n",
		  REC_NDJSON, "a|b;1|x;!", "'t':2: duplicate key 'b'\n" },
		{ "{\"a\":\"1\"}\n\n{\"a\":[\"x\"]}\n", REC_NDJSON, "a;1;!",
		  "'t':3: value of 'a' is an array" },
		{ "{\"a\":\"1\"}\n{\"a\":\"Zo\xEB\"}\n", REC_NDJSON, "a;1;!",
		  "'t':2: invalid UTF-8 at byte 9\n" },
		{ "a,b\r\n1,2,3\r\n4,5\r\n", REC_CSV, "a|b;!;4|5",
		  "'t':2: 3 fields, expected 2\n" },
		{ "a,b\r\n1,\"x\"y\r\n4,5\r\n", REC_CSV, "a|b;!;4|5",
		  "'t':2: misplaced quote" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *err;
		char *d = dump_err(cases[i].in, cases[i].f, &err);

		CHECK_STR(d, cases[i].dump);
		CHECK_HAS(err, cases[i].msg);
		free(d);
	}

	/* A NUL byte would cut a value short without a word. */
	{
		static const char s[] = "a\tb\n1\tx\0y\n2\t3\n";
		FILE *in = mem_in(s, sizeof(s) - 1);
		struct rec_reader *r = rec_reader_new(in, "t", REC_TSV);
		const char *const *v;
		const char *err;

		CHECK(r != NULL);
		if (r) {
			capture_begin();
			CHECK(rec_read(r, &v) == -1);
			err = capture_end();
			CHECK_HAS(err, "'t':2: NUL byte");
			CHECK(rec_read(r, &v) == 1);
			CHECK_STR(v[1], "3");
			rec_reader_free(r);
		}
		fclose(in);
	}
}

/* A line over 1 MiB is refused, skipped, and reading goes on after it. */
static void test_rec_read_long_line(void)
{
	size_t big = 3 * 1024 * 1024;
	char *s = xmalloc(big + 64);
	size_t n = 0;
	const char *err;
	char *d;

	n += (size_t)sprintf(s + n, "a\tb\n1\t");
	memset(s + n, 'x', big);
	n += big;
	n += (size_t)sprintf(s + n, "\n2\t3\n");
	d = dump_err(s, REC_TSV, &err);
	CHECK_STR(d, "a|b;!;2|3");
	CHECK_HAS(err, "'t':2: line over 1048576 bytes\n");
	free(d);

	/* Just under the bound is fine; just over is not. */
	n = (size_t)sprintf(s, "a\n");
	memset(s + n, 'y', 1024 * 1024);
	n += 1024 * 1024;
	n += (size_t)sprintf(s + n, "\n");
	s[n] = '\0';
	d = dump_err(s, REC_TSV, &err);
	CHECK(d && strlen(d) == 2 + 1024 * 1024);
	CHECK_STR(err, "");
	free(d);
	strcpy(s + n - 1, "y\n");
	d = dump_err(s, REC_TSV, &err);
	CHECK_STR(d, "a;!");
	CHECK_HAS(err, "'t':2: line over 1048576 bytes");
	free(d);
	strcpy(s + n - 1, "y");
	d = dump_err(s, REC_TSV, &err);
	CHECK_STR(d, "a;!");
	CHECK_HAS(err, "'t':2: line over 1048576 bytes");
	free(d);

	/* Blank lines with no end before any header. */
	memset(s, '\n', big);
	strcpy(s + big, "a\tb\n");
	d = dump_err(s, REC_AUTO, &err);
	CHECK(d == NULL);
	CHECK_HAS(err, "'t': no header in the first 1048576 bytes");
	free(d);

	/* A first line that never ends. */
	memset(s, 'z', big);
	s[big] = '\0';
	d = dump_err(s, REC_AUTO, &err);
	CHECK(d == NULL);
	CHECK_HAS(err, "'t':1: line over 1048576 bytes");
	free(d);
	free(s);
}

/*
 * rec_reader_keep(): TSV values stay where they were handed out, through
 * many buffers of input, escapes decoded; CSV and NDJSON say they do not
 * keep.
 */
static void test_rec_reader_keep(void)
{
	enum { N = 30000 };
	struct sbuf text = SBUF_INIT;
	const char **got = xcalloc(N, sizeof(*got));
	const char *const *v;
	char want[64];
	size_t n = 0;
	struct rec_reader *r;
	FILE *in;

	sbuf_addstr(&text, "id\tvalue\n");
	for (size_t i = 0; i < N; i++)
		sbuf_addf(&text, "%zu\tvalue %zu\\tof a line\n", i, i);
	in = mem_in(text.buf, text.len);
	r = rec_reader_new(in, "t", REC_TSV);
	CHECK(r && rec_reader_keep(r) == 1);
	while (r && n < N && rec_read(r, &v) == 1)
		got[n++] = v[1];
	CHECK(n == N);
	/* All of them still hold their own value. */
	for (size_t i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "value %zu\tof a line", i);
		if (strcmp(got[i], want) != 0) {
			CHECK_STR(got[i], want);
			break;
		}
	}
	CHECK(r && rec_read(r, &v) == 0);
	rec_reader_free(r);
	fclose(in);

	/* Without keep, the buffer is reused: an early value is gone. */
	in = mem_in(text.buf, text.len);
	r = rec_reader_new(in, "t", REC_TSV);
	n = 0;
	while (r && rec_read(r, &v) == 1)
		if (n++ == 0)
			got[0] = v[1];
	CHECK(n == N);
	CHECK(strcmp(got[0], "value 0\tof a line") != 0);
	rec_reader_free(r);
	fclose(in);

	in = mem_in("a,b\n1,2\n", 8);
	r = rec_reader_new(in, "t", REC_CSV);
	CHECK(r && rec_reader_keep(r) == 0);
	rec_reader_free(r);
	fclose(in);
	in = mem_in("{\"a\":\"1\"}\n", 10);
	r = rec_reader_new(in, "t", REC_NDJSON);
	CHECK(r && rec_reader_keep(r) == 0);
	rec_reader_free(r);
	fclose(in);
	free(got);
	sbuf_release(&text);
}

static void test_rec_writer_table(void)
{
	static const char *const cols[] = { "name", "id" };
	static const char *const rows[] = { "Nguyễn", "12", "Al", "3" };
	char *text = write_all(REC_TABLE, cols, 2, rows, 2, NULL);

	CHECK_STR(text, "name    id\nNguyễn  12\nAl      3\n");
	free(text);
	text = write_all(REC_TABLE, cols, 2, rows, 0, NULL);
	CHECK_STR(text, "name  id\n");
	free(text);
}

static void test_rec_writer_close(void)
{
	static const char *const cols[] = { "a" };
	static const char *const row[] = { "x" };
	FILE *out = fopen("/dev/full", "w");
	struct rec_writer *w;
	const char *err;

	if (!out) {
		CHECK(!"/dev/full");
		return;
	}
	capture_begin();
	w = rec_writer_new(out, REC_NDJSON, cols, 1);
	CHECK(rec_write(w, row) == 0);   /* buffered by stdio so far */
	CHECK(rec_writer_close(w) == -1);
	err = capture_end();
	CHECK_STR(err, "tempass: cannot write records: "
		  "No space left on device\n");
	fclose(out);
}

/* Writes n in decimal at p; returns the end. */
static char *put_number(char *p, size_t n)
{
	char tmp[24];
	int k = 0;

	do
		tmp[k++] = (char)('0' + n % 10);
	while (n /= 10);
	while (k)
		*p++ = tmp[--k];
	return p;
}

/*
 * Writes 100,000 records of 12 columns in format f to a file and reads
 * them back; clears *ok on a wrong value.
 */
static void round_trip(enum rec_format f, int *ok)
{
	static const char *const cols[12] = {
		"id", "site", "forename", "surname", "username", "email",
		"group", "year", "type", "password", "batch", "expires",
	};
	const size_t nrec = 100000;
	char vals[12][40];
	const char *row[12];
	size_t got = 0;
	FILE *tmp = tmpfile();
	struct rec_writer *w;
	struct rec_reader *r;
	const char *const *v;

	for (int c = 0; c < 12; c++) {
		snprintf(vals[c], sizeof(vals[c]), "%s Zoë Nguyễn", cols[c]);
		row[c] = vals[c];
	}
	w = rec_writer_new(tmp, f, cols, 12);
	for (size_t i = 0; i < nrec; i++) {
		strcpy(put_number(vals[0], i), "\t\"x\"");
		if (rec_write(w, row) != 0)
			*ok = 0;
	}
	if (rec_writer_close(w) != 0)
		*ok = 0;
	rewind(tmp);
	r = rec_reader_new(tmp, "t", f);
	while (r && rec_read(r, &v) == 1) {
		if (strtoul(v[0], NULL, 10) != got ||
		    strcmp(v[0] + strcspn(v[0], "\t"), "\t\"x\"") != 0 ||
		    strcmp(v[11], "expires Zoë Nguyễn") != 0)
			*ok = 0;
		got++;
	}
	if (!r || got != nrec)
		*ok = 0;
	rec_reader_free(r);
	fclose(tmp);
}

/*
 * 100,000 records through each format and back: the values must survive
 * in bulk, across buffer refills. Speed is measured by `make bench`, not
 * here: the machine the tests run on is shared.
 */
static void test_rec_bulk(void)
{
	static const enum rec_format formats[] = { REC_TSV, REC_NDJSON,
						   REC_CSV };

	for (size_t k = 0; k < ARRAY_SIZE(formats); k++) {
		int ok = 1;

		round_trip(formats[k], &ok);
		CHECK(ok);
	}
}

int main(void)
{
	RUN(test_tsv_escape);
	RUN(test_tsv_unescape);
	RUN(test_tsv_split);
	RUN(test_ndjson_add_string);
	RUN(test_ndjson_add_object);
	RUN(test_ndjson_parse);
	RUN(test_table_print);
	RUN(test_rec_format_parse);
	RUN(test_rec_write_tsv);
	RUN(test_rec_read_tsv);
	RUN(test_rec_csv);
	RUN(test_rec_ndjson);
	RUN(test_rec_column);
	RUN(test_rec_reader_new_auto);
	RUN(test_rec_reader_new_errors);
	RUN(test_rec_read_errors);
	RUN(test_rec_read_long_line);
	RUN(test_rec_reader_keep);
	RUN(test_rec_writer_table);
	RUN(test_rec_writer_close);
	RUN(test_rec_bulk);
	TEST_EXIT();
}
