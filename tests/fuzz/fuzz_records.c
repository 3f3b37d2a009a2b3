/*
 * fuzz_records: core/records, the stream between stages, read from arbitrary
 * bytes. The first byte picks the format (detected, TSV, CSV or NDJSON) and
 * whether the input can seek, since a detected CSV stream is handed over
 * differently from a file and from a pipe; the rest is the stream. Every
 * record and column is read and held to what records.h promises: named,
 * distinct columns found again by name, and values that are valid UTF-8
 * on increasing lines.
 *
 * With bit 0x08 of the first byte the rest is instead a table (fields ended
 * by 0x1F, records by 0x1E, the first record naming the columns) that is
 * written with rec_writer in the chosen format and read back: what a stage
 * writes, the next must read as it was.
 */
#include "tests/fuzz/fuzz.h"

#include "formats/records.h"
#include "core/util.h"

static const enum rec_format formats[] = {
	REC_AUTO, REC_TSV, REC_CSV, REC_NDJSON,
};

/* A pipe: reads only, so ftello() and fseeko() fail as on stdin. */
struct pipe_in {
	const uint8_t *data;
	size_t size, pos;
};

static ssize_t pipe_read(void *cookie, char *buf, size_t n)
{
	struct pipe_in *p = cookie;

	if (n > p->size - p->pos)
		n = p->size - p->pos;
	memcpy(buf, p->data + p->pos, n);
	p->pos += n;
	return (ssize_t)n;
}

static void read_all(struct rec_reader *r, size_t size)
{
	const char *const *v;
	size_t ncols = rec_ncols(r);
	unsigned long last = 0, n = 0;
	int got;

	FUZZ_CHECK(ncols >= 1);
	for (size_t i = 0; i < ncols; i++) {
		const char *name = rec_colname(r, i);

		FUZZ_CHECK(name[0]);
		FUZZ_CHECK(utf8_valid(name, strlen(name)));
		FUZZ_CHECK(rec_column(r, name) == (long)i);
	}
	while ((got = rec_read(r, &v)) > 0) {
		FUZZ_CHECK(v);
		for (size_t i = 0; i < ncols; i++)
			FUZZ_CHECK(v[i] && utf8_valid(v[i], strlen(v[i])));
		FUZZ_CHECK(rec_line(r) > last);
		last = rec_line(r);
		FUZZ_CHECK(++n <= size);
	}
	FUZZ_CHECK(!v);
}

/* ==== Round trip ==== */

#define FIELD_END 0x1F
#define RECORD_END 0x1E

/* The value as a CSV reader gives it back: every line break is "\n". */
static char *csv_expected(const char *s)
{
	char *e = xmalloc(strlen(s) + 1), *w = e;

	for (; *s; s++) {
		if (*s == '\r') {
			*w++ = '\n';
			if (s[1] == '\n')
				s++;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return e;
}

/*
 * Whether REC_AUTO can tell the format from the first line: a header of
 * one column has no tab to show it is TSV, and a first column name that
 * opens with '{' (after spaces) looks like NDJSON.
 */
static int detectable(enum rec_format f, char **names, size_t ncols)
{
	if (f == REC_NDJSON)
		return 1;
	if (names[0][strspn(names[0], " ")] == '{')
		return 0;
	if (f == REC_TSV)
		return ncols > 1;
	for (size_t i = 0; i < ncols; i++)
		if (strchr(names[i], '\t'))
			return 0;
	return 1;
}

/* Whether a value written as want in format f was read back as got. */
static int same(const char *got, const char *want, enum rec_format f)
{
	char *csv = f == REC_CSV ? csv_expected(want) : NULL;
	int eq = !strcmp(got, csv ? csv : want);

	free(csv);
	return eq;
}

/* Reads what was written in format f back as format rf. */
static void read_back(const char *out, size_t len, enum rec_format f,
		      enum rec_format rf, char **names, size_t ncols,
		      char ***rows, size_t nrows)
{
	const char *const *v;
	struct rec_reader *r;
	FILE *fp = fmemopen((void *)out, len, "rb");
	size_t n = 0;
	int got;

	FUZZ_CHECK(fp);
	r = rec_reader_new(fp, "<round trip>", rf);
	FUZZ_CHECK(r);
	FUZZ_CHECK(rec_ncols(r) == ncols);
	for (size_t i = 0; i < ncols; i++)
		FUZZ_CHECK(same(rec_colname(r, i), names[i], f));
	while ((got = rec_read(r, &v)) > 0) {
		FUZZ_CHECK(n < nrows);
		for (size_t i = 0; i < ncols; i++)
			FUZZ_CHECK(same(v[i], rows[n][i] ? rows[n][i] : "", f));
		n++;
	}
	FUZZ_CHECK(got == 0 && n == nrows);
	rec_reader_free(r);
	fclose(fp);
}

static void round_trip(uint8_t o, const uint8_t *data, size_t size)
{
	static const enum rec_format wf[] = {
		REC_TSV, REC_TSV, REC_CSV, REC_NDJSON,
	};
	enum rec_format f = wf[o & 3];
	char *text, **fields = NULL, **names = NULL, ***rows = NULL;
	size_t nfields = 0, ncols = 0, nrows = 0, len = 0, start = 0;
	struct rec_writer *w;
	char *out = NULL;
	FILE *ms;

	/* Values are C strings of UTF-8. */
	if (memchr(data, '\0', size) || !utf8_valid((const char *)data, size))
		return;
	text = xstrndup((const char *)data, size);
	for (size_t i = 0; i <= size; i++) {
		int end_rec = i == size || text[i] == RECORD_END;

		if (!end_rec && text[i] != FIELD_END)
			continue;
		text[i] = '\0';
		fields = xrealloc(fields, (nfields + 1) * sizeof(*fields));
		fields[nfields++] = text + start;
		start = i + 1;
		if (!end_rec)
			continue;
		if (!names) {
			names = fields;
			ncols = nfields;
		} else {
			/* Short records are padded with NULL, long ones cut. */
			char **row = xcalloc(ncols, sizeof(*row));

			for (size_t j = 0; j < ncols && j < nfields; j++)
				row[j] = fields[j];
			rows = xrealloc(rows, (nrows + 1) * sizeof(*rows));
			rows[nrows++] = row;
			free(fields);
		}
		fields = NULL;
		nfields = 0;
	}

	/*
	 * Columns must have distinct names, also once CSV has made every
	 * line break "\n"; a byte order mark opening the stream is dropped
	 * by design (spreadsheets write one); an NDJSON stream of no record
	 * has nothing to name its columns.
	 */
	for (size_t i = 0; i < ncols; i++) {
		char *csv = f == REC_CSV ? csv_expected(names[i]) : NULL;
		int dup = !names[i][0];

		for (size_t j = 0; j < i && !dup; j++)
			dup = same(csv ? csv : names[i], names[j], f);
		free(csv);
		if (dup)
			goto out;
	}
	if (!strncmp(names[0], "\xEF\xBB\xBF", 3) ||
	    (f == REC_NDJSON && !nrows))
		goto out;

	ms = open_memstream(&out, &len);
	FUZZ_CHECK(ms);
	w = rec_writer_new(ms, f, (const char *const *)names, ncols);
	for (size_t i = 0; i < nrows; i++)
		FUZZ_CHECK(rec_write(w, (const char *const *)rows[i]) == 0);
	FUZZ_CHECK(rec_writer_close(w) == 0);
	fclose(ms);

	read_back(out, len, f, f, names, ncols, rows, nrows);
	if (detectable(f, names, ncols))
		read_back(out, len, f, REC_AUTO, names, ncols, rows, nrows);
out:
	for (size_t i = 0; i < nrows; i++)
		free(rows[i]);
	free(rows);
	free(names);
	free(out);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char empty[1];
	struct pipe_in pipe;
	struct rec_reader *r;
	FILE *fp;
	uint8_t o;

	if (size < 1)
		return 0;
	o = data[0];
	data++;
	size--;
	if (o & 8) {
		round_trip(o, data, size);
		return 0;
	}
	if (o & 4) {
		cookie_io_functions_t io = { .read = pipe_read };

		pipe = (struct pipe_in){ data, size, 0 };
		fp = fopencookie(&pipe, "rb", io);
	} else {
		/* fmemopen() refuses a size of 0: one byte, read at once. */
		fp = size ? fmemopen((void *)data, size, "rb") :
			    fmemopen(empty, 1, "rb");
		if (fp && !size)
			fgetc(fp);
	}
	if (!fp)
		return 0;
	r = rec_reader_new(fp, "<fuzz>", formats[o & 3]);
	if (r) {
		read_all(r, size);
		rec_reader_free(r);
	}
	fclose(fp);
	return 0;
}
