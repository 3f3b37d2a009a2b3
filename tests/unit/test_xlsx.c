/*
 * Unit tests of formats/xlsx: every workbook is read back with openpyxl,
 * a real reader, through a small Python script that prints each sheet as
 * lines of text; values are compared as Excel shows them (the _xHHHH_
 * escapes of the file format decoded), so a value that Excel would alter
 * fails here too. Refusals are checked for their message, said once.
 */
#include "formats/xlsx.h"

#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "tests/unit/test.h"

#define PYTHON "/usr/bin/python3"
#define EM "\xE2\x80\x94"       /* U+2014, the dash of the title row */
#define TITLE_END "batch v7, generated 2026-09-03 08:14 UTC"
#define SITE "Oakfield Academy"

static char tmpdir[] = "/tmp/tempass-xlsx.XXXXXX";
static char *reader;            /* the Python script */
static struct xlsx_options opt = {
	.site_name = SITE,
	.version = "7",
	.generated_at = "2026-09-03T08:14:00Z",
};

/*
 * Prints the workbook argv[1] as lines of tab-separated fields. Mode
 * "full": per sheet its name, view, title, header, rows, the data types and
 * password fonts (column argv[3], 0-based) of its cells and its column
 * widths; then the document's properties, and whether the zip's entries
 * pass their CRC and agree with their local headers. Mode "rows": sheet names and rows only, in read-only mode (fast). Mode "zip": the
 * check of the zip alone.
 */
static const char reader_py[] =
	"import re, sys, openpyxl\n"
	"from openpyxl.utils import get_column_letter\n"
	"sys.stdout.reconfigure(encoding='utf-8')\n"
	"path, mode = sys.argv[1], sys.argv[2]\n"
	"def unesc(s):\n"
	"    return re.sub(r'_x([0-9A-Fa-f]{4})_',\n"
	"                  lambda m: chr(int(m.group(1), 16)), s)\n"
	"def esc(v):\n"
	"    if v is None:\n"
	"        return ''\n"
	"    if not isinstance(v, str):\n"
	"        return '<%s %r>' % (type(v).__name__, v)\n"
	"    out = []\n"
	"    for ch in unesc(v):\n"
	"        if ch == '\\\\':\n"
	"            out.append('\\\\\\\\')\n"
	"        elif ord(ch) < 0x20 or ch == '\\x7f':\n"
	"            out.append('\\\\x%02x' % ord(ch))\n"
	"        else:\n"
	"            out.append(ch)\n"
	"    return ''.join(out)\n"
	"def line(*f):\n"
	"    print('\\t'.join(str(x) for x in f))\n"
	"def zip_check():\n"
	"    import struct, zipfile\n"
	"    z = zipfile.ZipFile(path)\n"
	"    ok = z.testzip() is None\n"
	"    with open(path, 'rb') as f:\n"
	"        for i in z.infolist():\n"
	"            f.seek(i.header_offset)\n"
	"            h = struct.unpack('<IHHHHHIIIHH', f.read(30))\n"
	"            ok = ok and h[0] == 0x04034b50 and h[3] == 8 and \\\n"
	"                h[6:9] == (i.CRC, i.compress_size, i.file_size)\n"
	"    line('zip', int(ok), z.namelist()[0], len(z.namelist()))\n"
	"if mode == 'zip':\n"
	"    zip_check()\n"
	"    sys.exit(0)\n"
	"if mode == 'rows':\n"
	"    wb = openpyxl.load_workbook(path, read_only=True)\n"
	"    for ws in wb.worksheets:\n"
	"        line('sheet', ws.title)\n"
	"        for i, r in enumerate(ws.iter_rows(values_only=True)):\n"
	"            if i >= 2:\n"
	"                line('row', *[esc(v) for v in r])\n"
	"    names = wb.sheetnames\n"
	"    line('names', len(names),\n"
	"         int(len({n.casefold() for n in names}) == len(names)),\n"
	"         max(len(n) for n in names))\n"
	"    sys.exit(0)\n"
	"pw = int(sys.argv[3])\n"
	"wb = openpyxl.load_workbook(path)\n"
	"names = wb.sheetnames\n"
	"line('sheets', len(names),\n"
	"     int(len({n.casefold() for n in names}) == len(names)))\n"
	"for ws in wb.worksheets:\n"
	"    line('sheet', ws.title)\n"
	"    line('view', ws.freeze_panes, ws.auto_filter.ref,\n"
	"         ws.print_title_rows)\n"
	"    rows = list(ws.iter_rows())\n"
	"    t = rows[0][0]\n"
	"    line('title', esc(t.value), int(bool(t.font.b)),\n"
	"         sum(c.value is not None for c in rows[0]))\n"
	"    h = rows[1]\n"
	"    line('header', int(all(c.font.b for c in h)),\n"
	"         *[esc(c.value) for c in h])\n"
	"    types, fonts = set(), set()\n"
	"    for r in rows[2:]:\n"
	"        line('row', *[esc(c.value) for c in r])\n"
	"        for c in r:\n"
	"            if c.value is not None:\n"
	"                types.add(c.data_type)\n"
	"        if r[pw].value is not None:\n"
	"            fonts.add(r[pw].font.name)\n"
	"    line('types', ''.join(sorted(types)))\n"
	"    line('fonts', ','.join(sorted(fonts)))\n"
	"    dims = ws.column_dimensions\n"
	"    line('widths', *[dims[get_column_letter(i)].width\n"
	"                     for i in range(1, ws.max_column + 1)])\n"
	"p = wb.properties\n"
	"line('props', p.title, p.created.isoformat() if p.created else '')\n"
	"zip_check()\n";

/* ==== Helpers ==== */

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A value as the reader prints it: backslash and control characters
 * escaped, NULL empty. */
static void add_escaped(struct sbuf *sb, const char *v)
{
	for (; v && *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '\\')
			sbuf_addstr(sb, "\\\\");
		else if (c < 0x20 || c == 0x7F)
			sbuf_addf(sb, "\\x%02x", c);
		else
			sbuf_addch(sb, (char)c);
	}
}

/* "tag\tv1\tv2..." with the values escaped; caller frees. */
static char *fields(const char *tag, const char *const *v, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;

	sbuf_addstr(&sb, tag);
	for (i = 0; i < n; i++) {
		sbuf_addch(&sb, '\t');
		add_escaped(&sb, v[i]);
	}
	return sbuf_detach(&sb);
}

struct lines {
	char **v;
	size_t n;
};

static void lines_add(struct lines *l, char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = s;
}

static void lines_free(struct lines *l)
{
	while (l->n)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
}

/* Runs the reader on path; its lines into out. Returns its exit status. */
static int read_back(const char *path, const char *mode, long pw,
		     struct lines *out)
{
	char *cmd = xasprintf("'%s' '%s' '%s' '%s' %ld", PYTHON, reader,
			      path, mode, pw);
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int status;

	free(cmd);
	if (!p)
		return -1;
	while ((n = getline(&buf, &cap, p)) > 0) {
		if (buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		lines_add(out, xstrdup(buf));
	}
	free(buf);
	status = pclose(p);
	return status;
}

/* The first line of got that starts with prefix, from index *from on
 * (which it moves past the line); NULL when none. */
static const char *find_line(const struct lines *got, size_t *from,
			     const char *prefix)
{
	size_t n = strlen(prefix);

	for (; *from < got->n; (*from)++)
		if (strncmp(got->v[*from], prefix, n) == 0)
			return got->v[(*from)++];
	return NULL;
}

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ==== The main workbook ==== */

#define NCOLS 6
static const char *const cols[NCOLS] = {
	"username", "forename", "surname", "group", "password", "note"
};
#define GROUP_COL 3
#define PW_COL 4

#define G_SLASH "7/A: [Year 7]*?"
/* 40 characters (43 bytes), the same first 31. */
#define G_LONG "\xC5\x81\xC4\x85" "czona grupa j\xC4\x99zyka polskiego"
#define G_LONG1 G_LONG ", poziom 1"
#define G_LONG2 G_LONG ", poziom 2"
/* Equal ignoring case beyond ASCII: A-umlaut l-stroke, a-umlaut L-stroke. */
#define G_UPPER "\xC3\x84\xC5\x82"
#define G_LOWER "\xC3\xA4\xC5\x81"
#define LONG_NOTE \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const char *const main_rows[][NCOLS] = {
	{ "zoe.b", "Zo\xC3\xAB", "Bront\xC3\xAB", "", "Kq7-mZ2p-Tz", NULL },
	{ "lukasz.k", "\xC5\x81ukasz", "Kowalski", "", "007", "" },
	{ "nguyen.v", "Nguy\xE1\xBB\x85n V\xC4\x83n", "Tr\xE1\xBA\xA7n",
	  G_SLASH, "Pw-1", "=HYPERLINK(\"http://x\",\"y\")" },
	{ "plus", "+1", "-1", G_SLASH, "@SUM(A1)", "=1+1" },
	{ "nums", "1E5", "TRUE", G_SLASH, "0012.50", " spaced " },
	{ "a1", "Ann", "Lee", "7a", "p1", "tab\there" },
	{ "a2", "Bob", "Lee", "7A", "p2", "line\nbreak\r\n" },
	{ "l1", "Ada", "Nowak", G_LONG1, "p3", LONG_NOTE },
	{ "l2", "Ida", "Nowak", G_LONG2, "p4", "back\\slash" },
	{ "q", "Quinn", "O'Brien", "'Quoted'", "p5", "'" },
	{ "h", "Hal", "Story", "History", "p6", "" },
	{ "u1", "Uma", "\xC3\x84\xC5\x82", G_UPPER, "p7", "" },
	{ "u2", "Una", "\xC3\xA4\xC5\x81", G_LOWER, "p8", "" },
	{ "e1", "_x0041_", "_x005F_x0041_", "Escapes", "p9", "a\x01" "b" },
	{ "e2", "\xEF\xBF\xBF", "\xF0\x9F\x98\x80", "Escapes", "_xABCD_",
	  "_x12" },
	{ "w", "Wes", "Who", "???", "p10", "" },
};
#define MAIN_NROWS ARRAY_SIZE(main_rows)

/* Sheet name, group as the title shows it, first and end row. */
static const struct {
	const char *name;
	const char *group;
	size_t first, end;
} sheets[] = {
	{ "Group", "", 0, 2 },
	{ "7-A (Year 7)", G_SLASH, 2, 5 },
	{ "7a", "7a", 5, 6 },
	{ "7A (2)", "7A", 6, 7 },
	{ G_LONG ",", G_LONG1, 7, 8 },
	{ "\xC5\x81\xC4\x85" "czona grupa j\xC4\x99zyka polski (2)", G_LONG2,
	  8, 9 },
	{ "Quoted", "'Quoted'", 9, 10 },
	{ "History (2)", "History", 10, 11 },
	{ G_UPPER, G_UPPER, 11, 12 },
	{ G_LOWER " (2)", G_LOWER, 12, 13 },
	{ "Escapes", "Escapes", 13, 15 },
	{ "Group (2)", "???", 15, 16 },
};

static char *main_path;

static const char *const *const *main_table(void)
{
	static const char *const *table[MAIN_NROWS];
	size_t i;

	for (i = 0; i < MAIN_NROWS; i++)
		table[i] = main_rows[i];
	return table;
}

/* The workbook the next tests read: written without a message. */
static void test_xlsx_write(void)
{
	const char *err;
	int rc;

	main_path = xasprintf("%s/main.xlsx", tmpdir);
	capture_begin();
	rc = xlsx_write(main_path, &opt, cols, NCOLS, main_table(),
			MAIN_NROWS, GROUP_COL, PW_COL);
	err = capture_end();
	CHECK(rc == 0);
	if (*err)
		fprintf(stderr, "  unexpected messages: %s", err);
	CHECK(*err == '\0');
}

/*
 * The container: every entry's CRC and sizes right, in the central
 * directory and in its local header, the content types first, one part
 * per sheet besides the eight of libxlsxwriter's workbook.
 */
static void test_xlsx_write_zip(void)
{
	struct lines got = { 0 };
	size_t at = 0;
	char *want;

	CHECK(read_back(main_path, "full", PW_COL, &got) == 0);
	want = xasprintf("zip\t1\t[Content_Types].xml\t%zu",
			 8 + ARRAY_SIZE(sheets));
	CHECK_STR(find_line(&got, &at, "zip\t"), want);
	free(want);
	lines_free(&got);
}

/* Sheet names: as chosen, and valid by Excel's rules. */
static void test_xlsx_write_sheet_names(void)
{
	struct lines got = { 0 };
	size_t i, at = 0;
	const char *l;
	char *want;

	CHECK(read_back(main_path, "full", PW_COL, &got) == 0);
	want = xasprintf("sheets\t%zu\t1", ARRAY_SIZE(sheets));
	CHECK_STR(got.n ? got.v[0] : NULL, want);
	free(want);
	for (i = 0; i < ARRAY_SIZE(sheets); i++) {
		const char *name;

		l = find_line(&got, &at, "sheet\t");
		CHECK(l != NULL);
		if (!l)
			break;
		name = l + strlen("sheet\t");
		CHECK_STR(name, sheets[i].name);
		CHECK(utf8_len(name) >= 1 && utf8_len(name) <= 31);
		CHECK(strpbrk(name, "[]:*?/\\") == NULL);
		CHECK(name[0] != '\'' && name[strlen(name) - 1] != '\'');
	}
	CHECK(find_line(&got, &at, "sheet\t") == NULL);
	lines_free(&got);
}

/* Every value comes back as the same text: no formula, no number. */
static void test_xlsx_write_values(void)
{
	struct lines got = { 0 };
	size_t i, r, at = 0;
	const char *l;
	char *want;

	CHECK(read_back(main_path, "full", PW_COL, &got) == 0);
	for (i = 0; i < ARRAY_SIZE(sheets); i++) {
		CHECK(find_line(&got, &at, "sheet\t") != NULL);
		want = fields("header\t1", cols, NCOLS);
		CHECK_STR(find_line(&got, &at, "header\t"), want);
		free(want);
		for (r = sheets[i].first; r < sheets[i].end; r++) {
			want = fields("row", main_rows[r], NCOLS);
			l = at < got.n ? got.v[at++] : NULL;
			CHECK_STR(l, want);
			free(want);
		}
		/* No cell is a formula ('f') or a number ('n'). */
		CHECK_STR(find_line(&got, &at, "types\t"), "types\ts");
	}
	lines_free(&got);
}

/* Title, bold header, frozen panes, filter, fonts and widths. */
static void test_xlsx_write_layout(void)
{
	struct lines got = { 0 };
	size_t i, at = 0;
	char *want;
	const char *l;

	CHECK(read_back(main_path, "full", PW_COL, &got) == 0);
	for (i = 0; i < ARRAY_SIZE(sheets); i++) {
		size_t last = 2 + sheets[i].end - sheets[i].first;
		double w[NCOLS] = { 0 };
		char *p;
		size_t c;

		CHECK(find_line(&got, &at, "sheet\t") != NULL);
		want = xasprintf("view\tA3\tA2:F%zu\t$1:$2", last);
		CHECK_STR(find_line(&got, &at, "view\t"), want);
		free(want);
		if (*sheets[i].group)
			want = xasprintf("title\t" SITE " " EM " %s " EM " "
					 TITLE_END "\t1\t1", sheets[i].group);
		else
			want = xstrdup("title\t" SITE " " EM " " TITLE_END
				       "\t1\t1");
		CHECK_STR(find_line(&got, &at, "title\t"), want);
		free(want);
		CHECK_STR(find_line(&got, &at, "fonts\t"), "fonts\tConsolas");

		l = find_line(&got, &at, "widths\t");
		CHECK(l != NULL);
		p = (char *)(l ? l + strlen("widths") : "");
		for (c = 0; c < NCOLS && *p == '\t'; c++)
			w[c] = strtod(p + 1, &p);
		CHECK(c == NCOLS && *p == '\0');
		for (c = 0; c < NCOLS; c++)
			CHECK(w[c] >= 6 && w[c] <= 80);
		/* At least the header and its filter button. */
		CHECK(w[0] >= strlen("username") + 3);
		/* Counted in characters: 40 of them, 43 bytes. */
		if (i == 4 || i == 5)
			CHECK(w[3] > 41 && w[3] < 42);
		/* A 100-character note is capped. */
		if (i == 4)
			CHECK(w[5] >= 60 && w[5] < 62);
	}
	/* The document is titled and dated by the batch, not the clock. */
	CHECK_STR(find_line(&got, &at, "props\t"),
		  "props\t" SITE " " EM " " TITLE_END "\t2026-09-03T08:14:00");
	lines_free(&got);
}

/* The file holds passwords: created 0600. */
static void test_xlsx_write_mode(void)
{
	struct stat st;

	CHECK(stat(main_path, &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);
}

/* No rows, or no group column: one sheet, still with its header. */
static void test_xlsx_write_one_sheet(void)
{
	char *path = xasprintf("%s/empty.xlsx", tmpdir);
	struct lines got = { 0 };
	size_t at = 0;
	char *want;

	CHECK(xlsx_write(path, &opt, cols, NCOLS, NULL, 0, GROUP_COL,
			 PW_COL) == 0);
	CHECK(read_back(path, "full", PW_COL, &got) == 0);
	CHECK_STR(got.n ? got.v[0] : NULL, "sheets\t1\t1");
	CHECK_STR(find_line(&got, &at, "sheet\t"), "sheet\tUsers");
	CHECK_STR(find_line(&got, &at, "view\t"), "view\tA3\tA2:F2\t$1:$2");
	want = fields("header\t1", cols, NCOLS);
	CHECK_STR(find_line(&got, &at, "header\t"), want);
	free(want);
	CHECK(find_line(&got, &at, "row\t") == NULL);
	lines_free(&got);

	at = 0;
	CHECK(xlsx_write(path, &opt, cols, NCOLS, main_table(), MAIN_NROWS,
			 -1, -1) == 0);
	CHECK(read_back(path, "rows", 0, &got) == 0);
	CHECK_STR(got.n ? got.v[0] : NULL, "sheet\tUsers");
	CHECK(got.n == 1 + MAIN_NROWS + 1);
	CHECK_STR(got.n ? got.v[got.n - 1] : NULL, "names\t1\t1\t5");
	lines_free(&got);
	free(path);
}

/* A value longer than a cell holds is cut, at a character, with a
 * warning; Excel counts UTF-16 units, so an emoji counts two. */
static void test_xlsx_write_long_values(void)
{
	char *path = xasprintf("%s/long.xlsx", tmpdir);
	char *ascii = xmalloc(40001), *emoji = xmalloc(4 * 20000 + 1);
	const char *row[2], *const *rows[1] = { row };
	const char *const two[2] = { "a", "b" };
	struct lines got = { 0 };
	const char *err;
	size_t i;
	int rc;

	memset(ascii, 'a', 40000);
	ascii[40000] = '\0';
	for (i = 0; i < 20000; i++)
		memcpy(emoji + 4 * i, "\xF0\x9F\x98\x80", 4);
	emoji[4 * 20000] = '\0';
	row[0] = ascii;
	row[1] = emoji;
	capture_begin();
	rc = xlsx_write(path, &opt, two, 2, rows, 1, -1, -1);
	err = capture_end();
	CHECK(rc == 0);
	CHECK(count_lines(err) == 2);
	CHECK(strstr(err, "warning: ") != NULL);
	CHECK(strstr(err, "row 1, column 'a': value cut to the 32767 "
		      "characters a cell holds") != NULL);
	CHECK(strstr(err, "row 1, column 'b'") != NULL);
	CHECK(read_back(path, "rows", 0, &got) == 0);
	CHECK(got.n == 3);
	if (got.n == 3) {
		/* "row\t" + 32767 a + "\t" + 16383 emoji of 4 bytes */
		const char *v = got.v[1] + 4;

		CHECK(strspn(v, "a") == 32767);
		CHECK(v[32767] == '\t');
		CHECK(strlen(v + 32768) == 4 * 16383);
		CHECK(utf8_len(v + 32768) == 16383);
	}
	lines_free(&got);
	free(ascii);
	free(emoji);
	free(path);
}

/* ==== Bulk ==== */

/* A deterministic value of row r, column c: names with diacritics,
 * numbers with leading zeros, text that looks like formulas. */
static char *bulk_value(unsigned r, unsigned c, unsigned *seed)
{
	static const char *const parts[] = {
		"Zo\xC3\xAB", "\xC5\x81ukasz", "Nguy\xE1\xBB\x85n", "007",
		"=A1", "+44 20", "-3", "@x", "O'Neil", "1E3", "TRUE", "a b",
	};
	unsigned x;

	*seed = *seed * 1103515245u + 12345u;
	x = *seed >> 8;
	if (c == 0)
		return xasprintf("user%05u", r);
	if (c == 1)     /* the same 31 characters, then a number */
		return xasprintf("Registration group of Year 7, form %03u",
				 r / 37);
	if (x % 11 == 0)
		return xstrdup("");
	return xasprintf("%s%u", parts[x % ARRAY_SIZE(parts)], x % 1000);
}

static void test_xlsx_write_bulk(void)
{
	enum { N = 10000, C = 8 };
	static const char *const bcols[C] = {
		"username", "group", "c2", "c3", "c4", "c5", "password", "c7"
	};
	char *path = xasprintf("%s/bulk.xlsx", tmpdir);
	const char ***rows = xcalloc(N, sizeof(*rows));
	struct lines got = { 0 };
	unsigned seed = 7, r, c;
	size_t at = 0, bad = 0, nsheets = 0;
	char *want;

	for (r = 0; r < N; r++) {
		rows[r] = xcalloc(C, sizeof(**rows));
		for (c = 0; c < C; c++)
			rows[r][c] = bulk_value(r, c, &seed);
	}
	CHECK(xlsx_write(path, &opt, bcols, C,
			 (const char *const *const *)rows, N, 1, 6) == 0);
	CHECK(read_back(path, "rows", 0, &got) == 0);
	for (r = 0; r < N; r++) {
		char *want = fields("row", rows[r], C);
		const char *l;

		if (r % 37 == 0) {
			l = find_line(&got, &at, "sheet\t");
			nsheets += l != NULL;
			if (r == 0)
				CHECK_STR(l, "sheet\tRegistration group of "
					  "Year 7, f");
			if (r == 37)
				CHECK_STR(l, "sheet\tRegistration group of "
					  "Year (2)");
			if (r == 37 * 100)
				CHECK_STR(l, "sheet\tRegistration group of "
					  "Yea (101)");
		}
		l = at < got.n ? got.v[at++] : "";
		if (strcmp(l, want) != 0 && bad++ == 0)
			fprintf(stderr, "  row %u: got '%s', want '%s'\n", r,
				l, want);
		free(want);
	}
	CHECK(bad == 0);
	CHECK(nsheets == (N + 36) / 37);
	want = xasprintf("names\t%u\t1\t31", (N + 36) / 37);
	CHECK_STR(at < got.n ? got.v[at++] : NULL, want);
	free(want);
	CHECK(at == got.n);
	lines_free(&got);
	for (r = 0; r < N; r++) {
		for (c = 0; c < C; c++)
			free((char *)rows[r][c]);
		free(rows[r]);
	}
	free(rows);
	free(path);
}

/* ==== Refusals ==== */

/* A call that must fail: -1, one message containing want, no file. */
static void check_refused(const char *path, const struct xlsx_options *o,
			  const char *const *c, size_t nc,
			  const char *const *const *rows, size_t nrows,
			  const char *want)
{
	const char *err;
	int rc;

	capture_begin();
	rc = xlsx_write(path, o, c, nc, rows, nrows, -1, -1);
	err = capture_end();
	CHECK(rc == -1);
	if (!strstr(err, want))
		fprintf(stderr, "  got '%s', want '%s'\n", err, want);
	CHECK(strstr(err, want) != NULL);
	CHECK(count_lines(err) == 1);
	CHECK(!file_exists(path));
}

static void test_xlsx_write_refusals(void)
{
	char *missing = xasprintf("%s/missing/x.xlsx", tmpdir);
	char *path = xasprintf("%s/refused.xlsx", tmpdir);
	char *want;
	const char *bad_row[NCOLS] = {
		"x", "Ok", "Bad\xC3", "g", "p", ""
	};
	const char *const *rows[2] = { main_rows[0], bad_row };
	const char *bad_cols[2] = { "ok", "b\xFF" };
	struct xlsx_options o = opt;
	const char **many = xcalloc(16385, sizeof(*many));
	size_t i;

	want = xasprintf("tempass: cannot write workbook '%s': No such file "
			 "or directory\n", missing);
	check_refused(missing, &opt, cols, NCOLS, main_table(), 2, want);
	CHECK_STR(test_capture()->text, want);
	free(want);

	/* Invalid UTF-8 is refused before anything is written. */
	want = xasprintf("tempass: cannot write workbook '%s': row 2, column "
			 "'surname': value is not valid UTF-8\n", path);
	check_refused(path, &opt, cols, NCOLS, rows, 2, want);
	CHECK_STR(test_capture()->text, want);
	free(want);
	check_refused(path, &opt, bad_cols, 2, NULL, 0,
		      "name of column 2 is not valid UTF-8");
	o.site_name = "Oak\xE2\x82";
	check_refused(path, &o, cols, NCOLS, NULL, 0,
		      "the site name is not valid UTF-8");

	for (i = 0; i < 16385; i++)
		many[i] = "c";
	check_refused(path, &opt, many, 16385, NULL, 0,
		      "16385 columns; a sheet holds at most 16384");
	free(many);
	free(missing);
	free(path);
}

/* A group of more rows than a sheet holds is refused up front. */
static void test_xlsx_write_too_many_rows(void)
{
	size_t n = 1048575, i;
	char *path = xasprintf("%s/huge.xlsx", tmpdir);
	const char *row[1] = { "g" };
	const char *const one[1] = { "group" };
	const char *const **rows = xmalloc(n * sizeof(*rows));
	const char *err;
	int rc;

	for (i = 0; i < n; i++)
		rows[i] = row;
	capture_begin();
	rc = xlsx_write(path, &opt, one, 1, (const char *const *const *)rows,
			n, 0, -1);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, "group 'g' has 1048575 rows; a sheet holds at "
		      "most 1048574") != NULL);
	CHECK(!file_exists(path));
	free(rows);
	free(path);
}

/*
 * A failure after the file was begun (here: a file size limit, as a full
 * disk would, hit in the middle of the sheets) leaves no half-written
 * workbook behind, and is reported once.
 */
static void test_xlsx_write_failure_removes(void)
{
	char *path = xasprintf("%s/partial.xlsx", tmpdir);
	struct rlimit saved, low;
	const char *err;
	int rc;

	CHECK(getrlimit(RLIMIT_FSIZE, &saved) == 0);
	low = saved;
	low.rlim_cur = 3000;
	signal(SIGXFSZ, SIG_IGN);
	capture_begin();
	CHECK(setrlimit(RLIMIT_FSIZE, &low) == 0);
	rc = xlsx_write(path, &opt, cols, NCOLS, main_table(), MAIN_NROWS,
			GROUP_COL, PW_COL);
	setrlimit(RLIMIT_FSIZE, &saved);
	err = capture_end();
	signal(SIGXFSZ, SIG_DFL);
	CHECK(rc == -1);
	CHECK(strstr(err, "tempass: cannot write workbook '") != NULL);
	CHECK(strstr(err, "File too large") != NULL);
	CHECK(count_lines(err) == 1);
	CHECK(!file_exists(path));
	free(path);
}

/*
 * As emit writes it: to the temporary of atomic_open(), which may be an
 * unnamed file reached as /proc/self/fd/N, then committed. A failure
 * while the workbook is being written (here: a file size limit, as a full
 * disk would) leaves that file empty.
 */
static void test_xlsx_write_atomic_file(void)
{
	char *path = xasprintf("%s/atomic.xlsx", tmpdir);
	struct lines got = { 0 };
	struct atomic_file af;
	struct rlimit saved, low;
	struct xlsx_options o = opt;
	struct stat st;
	const char *err;
	char *want;
	int rc;

	o.name = path;
	CHECK(atomic_open(&af, path, 0) == 0);
	CHECK(xlsx_write(af.tmp, &o, cols, NCOLS, main_table(), MAIN_NROWS,
			 GROUP_COL, PW_COL) == 0);
	CHECK(atomic_commit(&af) == 0);
	CHECK(read_back(path, "rows", 0, &got) == 0);
	CHECK(got.n == ARRAY_SIZE(sheets) + MAIN_NROWS + 1);
	lines_free(&got);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	unlink(path);

	CHECK(atomic_open(&af, path, 0) == 0);
	CHECK(getrlimit(RLIMIT_FSIZE, &saved) == 0);
	low = saved;
	low.rlim_cur = 3000;
	signal(SIGXFSZ, SIG_IGN);
	capture_begin();
	CHECK(setrlimit(RLIMIT_FSIZE, &low) == 0);
	rc = xlsx_write(af.tmp, &o, cols, NCOLS, main_table(), MAIN_NROWS,
			GROUP_COL, PW_COL);
	setrlimit(RLIMIT_FSIZE, &saved);
	err = capture_end();
	signal(SIGXFSZ, SIG_DFL);
	CHECK(rc == -1);
	/* Named by its final name, not /proc/self/fd/N. */
	want = xasprintf("tempass: cannot write workbook '%s': ", path);
	CHECK(strstr(err, want) != NULL);
	free(want);
	CHECK(fstat(fileno(af.fp), &st) == 0 && st.st_size == 0);
	atomic_abort(&af);
	CHECK(!file_exists(path));
	free(path);
}

/*
 * A sheet of 30 MB of text, then a small one: both read back, and the
 * zip holds together.
 */
static void test_xlsx_write_large_part(void)
{
	enum { N = 6000, LEN = 5000 };
	static const char *const lcols[2] = { "group", "text" };
	char *path = xasprintf("%s/large.xlsx", tmpdir);
	const char ***rows = xcalloc(N + 2, sizeof(*rows));
	struct lines got = { 0 };
	size_t at = 0, bad = 0;
	const char *l;
	unsigned r;

	for (r = 0; r < N + 2; r++) {
		char *t = xmalloc(LEN + 1);

		for (unsigned i = 0; i < LEN; i++)
			t[i] = (char)('a' + (r * 7 + i * 13 + i / 97) % 26);
		t[LEN] = '\0';
		rows[r] = xcalloc(2, sizeof(**rows));
		rows[r][0] = xstrdup(r < N ? "big" : "small");
		rows[r][1] = t;
	}
	CHECK(xlsx_write(path, &opt, lcols, 2,
			 (const char *const *const *)rows, N + 2, 0, -1) == 0);
	CHECK(read_back(path, "zip", 0, &got) == 0);
	CHECK_STR(got.n ? got.v[0] : NULL, "zip\t1\t[Content_Types].xml\t10");
	lines_free(&got);
	CHECK(read_back(path, "rows", 0, &got) == 0);
	CHECK_STR(find_line(&got, &at, "sheet\t"), "sheet\tbig");
	for (r = 0; r < N + 2; r++) {
		char *want = fields("row", rows[r], 2);

		if (r == N)
			CHECK_STR(find_line(&got, &at, "sheet\t"),
				  "sheet\tsmall");
		l = at < got.n ? got.v[at++] : "";
		if (strcmp(l, want) != 0 && bad++ == 0)
			fprintf(stderr, "  row %u differs\n", r);
		free(want);
	}
	CHECK(bad == 0);
	lines_free(&got);
	for (r = 0; r < N + 2; r++) {
		free((char *)rows[r][0]);
		free((char *)rows[r][1]);
		free(rows[r]);
	}
	free(rows);
	free(path);
}

/*
 * Names in every script the roster holds, as values and as sheet names,
 * come back as given.
 */
static void test_xlsx_write_scripts(void)
{
	static const char *const scols[3] = { "forename", "surname", "group" };
	static const char *const srows[][3] = {
		{ "Zo\xC3\xAB", "Bront\xC3\xAB", "Zo\xC3\xAB's class" },
		{ "\xC5\x81ukasz", "W\xC3\xB3jcik", "\xC5\x81\xC3\xB3" "d\xC5\xBA" },
		{ "V\xC4\x83n Th\xE1\xBA\xA3o", "Nguy\xE1\xBB\x85n",
		  "L\xE1\xBB\x9Bp 7" },
		/* Arabic: Layla Haddad, group "class 7" */
		{ "\xD9\x84\xD9\x8A\xD9\x84\xD9\x89",
		  "\xD8\xAD\xD8\xAF\xD8\xA7\xD8\xAF",
		  "\xD8\xB5\xD9\x81 7" },
		/* Chinese, Japanese, Korean */
		{ "\xE5\xB0\x8F\xE6\x98\x8E", "\xE7\x8E\x8B",
		  "\xE4\xB8\x83\xE5\xB9\xB4\xE7\xBA\xA7" },
		{ "\xE3\x81\x95\xE3\x81\x8F\xE3\x82\x89",
		  "\xE5\xB1\xB1\xE7\x94\xB0",
		  "\xE4\xB8\x83\xE5\xB9\xB4\xE7\xBA\xA7" },
		{ "\xEC\xA7\x80\xEB\xAF\xBC", "\xEA\xB9\x80",
		  "\xEC\xB9\xA0\xED\x95\x99\xEB\x85\x84" },
	};
	char *path = xasprintf("%s/scripts.xlsx", tmpdir);
	const char *const *rows[ARRAY_SIZE(srows)];
	struct lines got = { 0 };
	size_t i, at = 0;

	for (i = 0; i < ARRAY_SIZE(srows); i++)
		rows[i] = srows[i];
	CHECK(xlsx_write(path, &opt, scols, 3, rows, ARRAY_SIZE(srows), 2,
			 -1) == 0);
	CHECK(read_back(path, "rows", 0, &got) == 0);
	for (i = 0; i < ARRAY_SIZE(srows); i++) {
		char *want;

		if (i == 0 || strcmp(srows[i][2], srows[i - 1][2]) != 0) {
			want = xasprintf("sheet\t%s", srows[i][2]);
			CHECK_STR(find_line(&got, &at, "sheet\t"), want);
			free(want);
		}
		want = fields("row", srows[i], 3);
		CHECK_STR(at < got.n ? got.v[at++] : NULL, want);
		free(want);
	}
	lines_free(&got);
	free(path);
}

/*
 * opt.columns picks the columns written, in its order, whatever the
 * stream's order; a name the stream lacks is left out; the group column
 * still splits the sheets when it is not written; none at all is refused.
 */
static void test_xlsx_write_columns(void)
{
	static const char *const pick[] = { "password", "nowhere", "forename" };
	char *path = xasprintf("%s/columns.xlsx", tmpdir);
	struct xlsx_options o = opt;
	struct lines got = { 0 };
	size_t r, at = 0;

	o.columns = pick;
	o.ncolumns = ARRAY_SIZE(pick);
	CHECK(xlsx_write(path, &o, cols, NCOLS, main_table(), MAIN_NROWS,
			 GROUP_COL, PW_COL) == 0);
	CHECK(read_back(path, "full", 0, &got) == 0);
	CHECK_STR(got.n ? got.v[0] : NULL, "sheets\t12\t1");
	CHECK_STR(find_line(&got, &at, "header\t"),
		  "header\t1\tpassword\tforename");
	for (r = 0; r < 2; r++) {
		const char *v[2] = { main_rows[r][PW_COL], main_rows[r][1] };
		char *want = fields("row", v, 2);

		CHECK_STR(find_line(&got, &at, "row\t"), want);
		free(want);
	}
	/* The password column, now the first, in the monospace font. */
	CHECK_STR(find_line(&got, &at, "fonts\t"), "fonts\tConsolas");
	lines_free(&got);

	o.columns = pick + 1;
	o.ncolumns = 1;
	free(path);
	path = xasprintf("%s/no-columns.xlsx", tmpdir);
	check_refused(path, &o, cols, NCOLS, main_table(), MAIN_NROWS,
		      "the records have none of its columns (nowhere, ...)");
	free(path);
}

/*
 * libxlsxwriter's temporary files are made beside the output but never
 * among the outputs: the one name made in the output's folder other than
 * the workbook is the private folder .book.xlsx.tmp.PID.d (a kill between
 * a file's making and its unlinking leaves it there, not a file);
 * afterwards the folder holds the workbook alone.
 */
static void test_xlsx_write_temporaries(void)
{
	char *dir = xasprintf("%s/beside", tmpdir);
	char *path = xasprintf("%s/book.xlsx", dir);
	char *own = xasprintf(".book.xlsx.tmp.%ld.d", (long)getpid());
	char buf[4096] __attribute__((aligned(8)));
	size_t made = 0, folders = 0, entries = 0;
	struct dirent *de;
	ssize_t n;
	DIR *d;
	int fd;

	CHECK(mkdir(dir, 0700) == 0);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(fd >= 0 && inotify_add_watch(fd, dir, IN_CREATE) >= 0);
	CHECK(xlsx_write(path, &opt, cols, NCOLS, main_table(), MAIN_NROWS,
			 GROUP_COL, PW_COL) == 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len && strcmp(ev->name, own) == 0 &&
			    (ev->mask & IN_ISDIR))
				folders++;
			else if (ev->len && strcmp(ev->name, "book.xlsx"))
				made++;
			p += sizeof(*ev) + ev->len;
		}
	}
	close(fd);
	CHECK(made == 0);
	CHECK(folders == 1);
	d = opendir(dir);
	CHECK(d != NULL);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
		{
			entries++;
			CHECK_STR(de->d_name, "book.xlsx");
		}
	if (d)
		closedir(d);
	CHECK(entries == 1);
	free(own);
	free(path);
	free(dir);
}

/*
 * libxlsxwriter does not check its writes to a sheet's temporary file: a
 * disk that fills there (here: a file size limit between the size of the
 * sheet's text and of the workbook, which then fits) is still reported,
 * once, and leaves no workbook, not a complete-looking one without rows.
 */
static void test_xlsx_write_temporary_full(void)
{
	enum { N = 4000 };
	static const char *const tcols[2] = { "username", "text" };
	char *path = xasprintf("%s/tmpfull.xlsx", tmpdir);
	const char ***rows = xcalloc(N, sizeof(*rows));
	char *text = xmalloc(201);
	struct rlimit saved, low;
	const char *err;
	unsigned r;
	int rc;

	memset(text, 'z', 200);
	text[200] = '\0';
	for (r = 0; r < N; r++) {
		rows[r] = xcalloc(2, sizeof(**rows));
		rows[r][0] = xasprintf("user%05u", r);
		rows[r][1] = text;
	}
	CHECK(getrlimit(RLIMIT_FSIZE, &saved) == 0);
	low = saved;
	low.rlim_cur = 256 * 1024;      /* the sheet's text is 1 MB */
	signal(SIGXFSZ, SIG_IGN);
	capture_begin();
	CHECK(setrlimit(RLIMIT_FSIZE, &low) == 0);
	rc = xlsx_write(path, &opt, tcols, 2,
			(const char *const *const *)rows, N, -1, -1);
	setrlimit(RLIMIT_FSIZE, &saved);
	err = capture_end();
	signal(SIGXFSZ, SIG_DFL);
	if (rc != -1 || count_lines(err) != 1)
		fprintf(stderr, "  rc %d, reported: %s", rc, err);
	CHECK(rc == -1);
	CHECK(strstr(err, "tempass: cannot write workbook '") != NULL);
	CHECK(strstr(err, "File too large") != NULL);
	CHECK(count_lines(err) == 1);
	CHECK(!file_exists(path));
	for (r = 0; r < N; r++) {
		free((char *)rows[r][0]);
		free(rows[r]);
	}
	free(rows);
	free(text);
	free(path);
}

/* ==== Main ==== */

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	FILE *f;

	ASSERT(xlsx_load() == 0);
	ASSERT(xlsx_load() == 0);       /* again: already loaded */
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	reader = xasprintf("%s/reader.py", tmpdir);
	f = fopen(reader, "w");
	if (!f || fputs(reader_py, f) < 0 || fclose(f) != 0) {
		perror(reader);
		return 1;
	}

	RUN(test_xlsx_write);
	RUN(test_xlsx_write_zip);
	RUN(test_xlsx_write_sheet_names);
	RUN(test_xlsx_write_values);
	RUN(test_xlsx_write_layout);
	RUN(test_xlsx_write_mode);
	RUN(test_xlsx_write_one_sheet);
	RUN(test_xlsx_write_long_values);
	RUN(test_xlsx_write_bulk);
	RUN(test_xlsx_write_large_part);
	RUN(test_xlsx_write_refusals);
	RUN(test_xlsx_write_too_many_rows);
	RUN(test_xlsx_write_failure_removes);
	RUN(test_xlsx_write_atomic_file);
	RUN(test_xlsx_write_scripts);
	RUN(test_xlsx_write_columns);
	RUN(test_xlsx_write_temporaries);
	RUN(test_xlsx_write_temporary_full);

	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(main_path);
	free(reader);
	TEST_EXIT();
}
