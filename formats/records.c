/*
 * records: the stream between stages, in TSV, CSV or NDJSON, read and
 * written by column name. The encodings live in formats/ (tsv, csv, ndjson,
 * table); this file owns the header, the mapping of names to positions and
 * the error messages with their line numbers.
 *
 * TSV and NDJSON are read through a buffer of our own rather than getline():
 * a line is cut out of the buffer in place (no copy, no allocation per
 * record) and a line can be refused at 1 MiB before it is ever held whole,
 * where getline() would first allocate whatever the input holds. The same
 * buffer lets REC_AUTO look at the first line without consuming it, so a
 * detected CSV stream can still be handed whole to formats/csv. A reader
 * asked to keep what it read (rec_reader_keep()) sets a full buffer aside
 * and starts another, rather than moving the rest of a line to the front,
 * so the values it handed out stay where they are.
 */
#include "formats/records.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/util.h"
#include "formats/csv.h"
#include "formats/kind.h"
#include "formats/ndjson.h"
#include "formats/table.h"
#include "formats/tsv.h"

#define MAX_LINE ((size_t)1024 * 1024)
#define READ_CHUNK ((size_t)64 * 1024)
/* formats/csv holds a whole CSV stream in memory; this is its bound. */
#define MAX_CSV_INPUT ((size_t)1024 * 1024 * 1024)
#define BOM "\xEF\xBB\xBF"

int rec_format_parse(const char *s, enum rec_format *f)
{
	static const struct {
		const char *name;
		enum rec_format format;
	} names[] = {
		{ "tsv", REC_TSV },
		{ "csv", REC_CSV },
		{ "ndjson", REC_NDJSON },
		{ "table", REC_TABLE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*f = names[i].format;
			return 0;
		}
	}
	return -1;
}

/* ==== Writing ==== */

struct rec_writer {
	FILE *out;
	enum rec_format format;
	char **cols;
	size_t ncols;
	struct sbuf line;       /* one encoded record, reused */
	struct table *table;
	int failed;
};

/* Reports the first write error only: one broken pipe, one message. */
static int write_failed(struct rec_writer *w)
{
	if (!w->failed) {
		errorf("cannot write records: %s",
		       errno ? strerror(errno) : "write error");
		util_write_failed(errno);
	}
	w->failed = 1;
	return -1;
}

static int put_line(struct rec_writer *w)
{
	sbuf_addch(&w->line, '\n');
	if (fwrite(w->line.buf, 1, w->line.len, w->out) != w->line.len)
		return write_failed(w);
	return 0;
}

static int write_tsv(struct rec_writer *w, const char *const *values)
{
	sbuf_reset(&w->line);
	for (size_t i = 0; i < w->ncols; i++) {
		if (i)
			sbuf_addch(&w->line, '\t');
		tsv_escape(&w->line, values[i] ? values[i] : "");
	}
	return put_line(w);
}

struct rec_writer *rec_writer_new(FILE *out, enum rec_format f,
				  const char *const *columns, size_t ncols)
{
	struct rec_writer *w;

	ASSERT(f != REC_AUTO);
	ASSERT(ncols > 0);
	w = xcalloc(1, sizeof(*w));
	w->out = out;
	w->format = f;
	w->ncols = ncols;
	w->cols = xcalloc(ncols, sizeof(*w->cols));
	for (size_t i = 0; i < ncols; i++)
		w->cols[i] = xstrdup(columns[i]);

	switch (f) {
	case REC_TSV:
		write_tsv(w, columns);
		break;
	case REC_CSV:
		if (csv_write_row(out, columns, ncols, 0) < 0)
			write_failed(w);
		break;
	case REC_TABLE:
		w->table = table_new(columns, ncols);
		break;
	default:
		/* NDJSON names the columns in every object. */
		break;
	}
	return w;
}

/*
 * A person at a terminal reads times in the site's time zone, named
 * ("2026-09-03 09:14 BST"); the streams keep ISO 8601 UTC, which the next
 * stage and a spreadsheet read back.
 */
static int add_table_row(struct rec_writer *w, const char *const *values)
{
	char (*local)[48] = NULL;
	const char **shown = NULL;

	for (size_t i = 0; i < w->ncols; i++) {
		char buf[48];

		if (!values[i] || !local_time_of(values[i], buf, sizeof(buf)))
			continue;
		if (!shown) {
			local = xcalloc(w->ncols, sizeof(*local));
			shown = xcalloc(w->ncols, sizeof(*shown));
			memcpy(shown, values, w->ncols * sizeof(*shown));
		}
		memcpy(local[i], buf, sizeof(buf));
		shown[i] = local[i];
	}
	table_add_row(w->table, shown ? shown : values);
	free(shown);
	free(local);
	return 0;
}

int rec_write(struct rec_writer *w, const char *const *values)
{
	if (w->failed)
		return -1;
	switch (w->format) {
	case REC_TSV:
		return write_tsv(w, values);
	case REC_CSV:
		/*
		 * Not neutralised against spreadsheet formulas: the stream
		 * must read back byte for byte in the next stage.
		 */
		if (csv_write_row(w->out, values, w->ncols, 0) < 0)
			return write_failed(w);
		return 0;
	case REC_NDJSON:
		sbuf_reset(&w->line);
		ndjson_add_object(&w->line, (const char *const *)w->cols,
				  values, w->ncols);
		return put_line(w);
	default:
		return add_table_row(w, values);
	}
}

int rec_writer_close(struct rec_writer *w)
{
	int rc;

	if (w->table && !w->failed && table_print(w->table, w->out) < 0)
		write_failed(w);
	if (!w->failed && fflush(w->out) != 0)
		write_failed(w);
	rc = w->failed ? -1 : 0;
	for (size_t i = 0; i < w->ncols; i++)
		free(w->cols[i]);
	free(w->cols);
	table_free(w->table);
	sbuf_release(&w->line);
	free(w);
	return rc;
}

/* ==== Reading ==== */

struct rec_reader {
	FILE *in;
	char *name;
	enum rec_format format;
	char **cols;
	size_t ncols;
	size_t *by_name;        /* column indexes sorted by name */
	const char **values;    /* handed out by rec_read() */
	unsigned long line;     /* physical lines consumed */
	unsigned long rec_line;
	int failed;             /* a read error: nothing more comes */

	/* TSV and NDJSON: input read ahead; lines are cut out in place. */
	struct sbuf buf;
	size_t pos;             /* start of the next line in buf */
	int eof;
	int keep;               /* rec_reader_keep(): buffers read stay */
	struct sbuf *kept;      /* buffers read, which values point into */
	size_t nkept, kept_cap;
	char **fields;          /* TSV fields of the current line */
	size_t fields_cap;
	struct ndjson_object obj;
	int pending;            /* NDJSON: obj holds the first record */
	unsigned long *seen;    /* NDJSON: stamp of the record a column got */
	unsigned long stamp;
	struct sbuf why;

	struct csv_reader *csv;
};

/* Reports "'<name>':<line>: <message>" for the current record. */
static int bad(struct rec_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct rec_reader *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("tempass: out of memory");
	errorf("'%s':%lu: %s", r->name, r->rec_line, msg);
	free(msg);
	return -1;
}

/* ---- Lines ---- */

/* Reads one more chunk after what is buffered. 1, 0 at the end, or -1. */
static int fill(struct rec_reader *r)
{
	size_t got, want;

	if (r->eof)
		return 0;
	if (r->pos && r->keep) {
		/* The lines cut out of buf stay where they are: the rest of
		 * it starts a buffer of its own. */
		struct sbuf rest = SBUF_INIT;

		sbuf_grow(&rest, r->buf.len - r->pos + READ_CHUNK);
		sbuf_add(&rest, r->buf.buf + r->pos, r->buf.len - r->pos);
		if (r->nkept == r->kept_cap) {
			r->kept_cap = r->kept_cap ? 2 * r->kept_cap : 64;
			r->kept = xrealloc(r->kept,
					   r->kept_cap * sizeof(*r->kept));
		}
		r->kept[r->nkept++] = r->buf;
		r->buf = rest;
		r->pos = 0;
	} else if (r->pos) {
		memmove(r->buf.buf, r->buf.buf + r->pos, r->buf.len - r->pos);
		r->buf.len -= r->pos;
		r->pos = 0;
	}
	sbuf_grow(&r->buf, READ_CHUNK);
	/* As much as the buffer holds: at least READ_CHUNK. */
	want = r->buf.cap - r->buf.len - 1;
	got = fread(r->buf.buf + r->buf.len, 1, want, r->in);
	r->buf.len += got;
	r->buf.buf[r->buf.len] = '\0';
	if (got < want) {
		if (ferror(r->in)) {
			errorf("'%s': cannot read: %s", r->name,
			       strerror(errno));
			r->failed = 1;
			return -1;
		}
		r->eof = 1;
	}
	return got > 0;
}

/* Throws away the rest of an overlong line, up to and with its '\n'. */
static int skip_line(struct rec_reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf.buf + r->pos, '\n',
				  r->buf.len - r->pos);
		int rc;

		if (nl) {
			r->pos = (size_t)(nl - r->buf.buf) + 1;
			return 0;
		}
		r->pos = r->buf.len;
		rc = fill(r);
		if (rc <= 0)
			return rc;
	}
}

/*
 * Cuts the next line out of the buffer: NUL-terminated in place, without
 * its line end (LF or CRLF) or, on the first line, a UTF-8 byte order mark.
 * Returns 1, 0 at the end of input, or -1 after reporting.
 */
static int next_line(struct rec_reader *r, char **line, size_t *len)
{
	size_t scanned = 0;   /* bytes of this line known to hold no '\n' */
	char *start, *nl = NULL;
	size_t n;

	for (;;) {
		size_t have = r->buf.len - r->pos;
		int rc;

		if (have > scanned)
			nl = memchr(r->buf.buf + r->pos + scanned, '\n',
				    have - scanned);
		if (nl || have > MAX_LINE)
			break;
		scanned = have;
		rc = fill(r);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (have == 0)
				return 0;
			break;   /* a last line without its '\n' */
		}
	}
	r->line++;
	r->rec_line = r->line;
	start = r->buf.buf + r->pos;
	n = nl ? (size_t)(nl - start) : r->buf.len - r->pos;
	if (n > MAX_LINE) {
		if (nl)
			r->pos += n + 1;
		else if (skip_line(r) < 0)
			return -1;
		return bad(r, "line over %zu bytes", MAX_LINE);
	}
	r->pos += nl ? n + 1 : n;
	if (n && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	if (r->line == 1 && n >= 3 && memcmp(start, BOM, 3) == 0) {
		start += 3;
		n -= 3;
	}
	*line = start;
	*len = n;
	return 1;
}

static int blank(const char *s)
{
	return s[strspn(s, " \t\r")] == '\0';
}

/* ---- Columns ---- */

static int by_name_cmp(const void *a, const void *b, void *cols)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(((char **)cols)[i], ((char **)cols)[j]);

	return c ? c : (i > j) - (i < j);
}

/*
 * Takes the header's names (copied). Sorting them both finds duplicates
 * and gives rec_column() a binary search, so a header of thousands of
 * columns costs n log n, not n squared.
 */
static int set_columns(struct rec_reader *r, const char *const *names,
		       size_t n)
{
	if (n == 0)
		return bad(r, "no columns");
	r->ncols = n;
	r->cols = xcalloc(n, sizeof(*r->cols));
	r->by_name = xcalloc(n, sizeof(*r->by_name));
	r->values = xcalloc(n, sizeof(*r->values));
	for (size_t i = 0; i < n; i++) {
		if (!names[i][0]) {
			/* An empty value is common in records, rare in a
			 * header: say what the line holds. */
			char *found = rec_header_found(names, n);
			int rc = bad(r, "column %zu has no name; %s: is the "
				     "header line missing (a grep or tail "
				     "that dropped it)?", i + 1, found);

			free(found);
			return rc;
		}
		r->cols[i] = xstrdup(names[i]);
		r->by_name[i] = i;
	}
	qsort_r(r->by_name, n, sizeof(*r->by_name), by_name_cmp, r->cols);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(r->cols[r->by_name[i - 1]],
			   r->cols[r->by_name[i]]) == 0) {
			/* Names repeat in records, hardly ever in a
			 * header: say what the line holds. */
			char *found = rec_header_found(
				(const char *const *)r->cols, n);
			int rc = bad(r, "column '%s' is named twice; %s: is "
				     "the header line missing (a grep or "
				     "tail that dropped it)?",
				     r->cols[r->by_name[i]], found);

			free(found);
			return rc;
		}
	}
	return 0;
}

char *rec_header_found(const char *const *cols, size_t ncols)
{
	struct sbuf sb = SBUF_INIT;
	size_t shown = ncols < 6 ? ncols : 5;

	sbuf_addstr(&sb, "the first line is read as the header and holds ");
	for (size_t i = 0; i < shown; i++)
		sbuf_addf(&sb, "%s'%.40s'", i ? ", " : "", cols[i]);
	if (ncols > shown)
		sbuf_addf(&sb, " and %zu more", ncols - shown);
	return sbuf_detach(&sb);
}

char *rec_reader_found(const struct rec_reader *r)
{
	return rec_header_found((const char *const *)r->cols, r->ncols);
}

long rec_column(const struct rec_reader *r, const char *name)
{
	size_t lo = 0, hi = r->ncols;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, r->cols[r->by_name[mid]]);

		if (c == 0)
			return (long)r->by_name[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

size_t rec_ncols(const struct rec_reader *r)
{
	return r->ncols;
}

const char *rec_colname(const struct rec_reader *r, size_t i)
{
	ASSERT(i < r->ncols);
	return r->cols[i];
}

unsigned long rec_line(const struct rec_reader *r)
{
	return r->rec_line;
}

int rec_reader_keep(struct rec_reader *r)
{
	/* TSV values are cut out of the buffer in place; CSV's and
	 * NDJSON's are decoded into storage of their own, reused. */
	if (r->format == REC_TSV)
		r->keep = 1;
	return r->keep;
}

/* ---- TSV ---- */

/* Splits and decodes the current line into r->fields; count or -1. */
static long tsv_fields(struct rec_reader *r, char *line, size_t n,
		       int header)
{
	size_t nf;
	int valid, escaped;

	if (memchr(line, '\0', n))
		return bad(r, "NUL byte");
	/* One check a line, not a field: a tab is never part of a sequence,
	 * and a field holds an escape only if its line holds a '\\'. */
	valid = utf8_valid(line, n);
	escaped = memchr(line, '\\', n) != NULL;
	nf = tsv_split(line, n, &r->fields, &r->fields_cap);
	if (!header && nf != r->ncols)
		return bad(r, "%zu fields, expected %zu", nf, r->ncols);
	for (size_t i = 0; i < nf; i++) {
		char *f = r->fields[i];
		char c;

		if (!valid && !utf8_valid(f, strlen(f))) {
			if (header)
				return bad(r, "column %zu: invalid UTF-8",
					   i + 1);
			return bad(r, "column '%s': invalid UTF-8",
				   r->cols[i]);
		}
		if (!escaped || tsv_unescape(f, &c) == 0)
			continue;
		sbuf_reset(&r->why);
		if (c == '\0')
			sbuf_addstr(&r->why, "'\\' at end of value");
		else if ((unsigned char)c > ' ' && (unsigned char)c < 0x7f)
			sbuf_addf(&r->why, "bad escape '\\%c'", c);
		else
			sbuf_addf(&r->why, "bad escape: '\\' then byte 0x%02x",
				  (unsigned char)c);
		if (header)
			return bad(r, "column %zu: %s", i + 1,
				   sbuf_str(&r->why));
		return bad(r, "column '%s': %s", r->cols[i],
			   sbuf_str(&r->why));
	}
	return (long)nf;
}

static int tsv_header(struct rec_reader *r)
{
	char *line;
	size_t n;
	long nf;
	int rc;

	do {
		rc = next_line(r, &line, &n);
		if (rc <= 0)
			return rc;
	} while (n == 0);
	nf = tsv_fields(r, line, n, 1);
	if (nf < 0)
		return -1;
	return set_columns(r, (const char *const *)r->fields,
			   (size_t)nf) < 0 ? -1 : 1;
}

static int tsv_read(struct rec_reader *r)
{
	char *line;
	size_t n;
	int rc = next_line(r, &line, &n);

	if (rc <= 0)
		return rc;
	if (tsv_fields(r, line, n, 0) < 0)
		return -1;
	memcpy(r->values, r->fields, r->ncols * sizeof(*r->values));
	return 1;
}

/* ---- NDJSON ---- */

/* The next line that is not blank, parsed into r->obj. */
static int ndjson_next(struct rec_reader *r)
{
	char *line;
	size_t n;
	int rc;

	do {
		rc = next_line(r, &line, &n);
		if (rc <= 0)
			return rc;
	} while (blank(line));
	sbuf_reset(&r->why);
	if (ndjson_parse(&r->obj, line, n, &r->why) < 0)
		return bad(r, "%s", sbuf_str(&r->why));
	return 1;
}

/* The keys of the first object are the columns, in their order. */
static int ndjson_header(struct rec_reader *r)
{
	const char **names;
	int rc = ndjson_next(r);

	if (rc <= 0)
		return rc;
	names = xcalloc(r->obj.n ? r->obj.n : 1, sizeof(*names));
	for (size_t i = 0; i < r->obj.n; i++)
		names[i] = ndjson_key(&r->obj, i);
	rc = set_columns(r, names, r->obj.n);
	free(names);
	if (rc < 0)
		return -1;
	r->seen = xcalloc(r->ncols, sizeof(*r->seen));
	r->pending = 1;
	return 1;
}

static int ndjson_read(struct rec_reader *r)
{
	const struct ndjson_object *o = &r->obj;

	if (r->pending) {
		r->pending = 0;
	} else {
		int rc = ndjson_next(r);

		if (rc <= 0)
			return rc;
	}
	r->stamp++;
	for (size_t i = 0; i < r->ncols; i++)
		r->values[i] = "";
	for (size_t m = 0; m < o->n; m++) {
		const char *key = ndjson_key(o, m);
		long c;

		/* Objects usually keep the first line's order: try it first. */
		if (m < r->ncols && strcmp(r->cols[m], key) == 0)
			c = (long)m;
		else
			c = rec_column(r, key);
		if (c < 0)
			return bad(r, "key '%s' is not a column (the first "
				   "line names the columns)", key);
		if (r->seen[c] == r->stamp)
			return bad(r, "duplicate key '%s'", key);
		r->seen[c] = r->stamp;
		r->values[c] = ndjson_value(o, m);
	}
	return 1;
}

/* ---- CSV ---- */

/* Takes the row's line as the record's; reports a row formats/csv found bad. */
static int check_csv_row(struct rec_reader *r, const struct csv_row *row)
{
	r->rec_line = row->line;
	if (row->error)
		return bad(r, "%s", row->error);
	return 0;
}

static int csv_header(struct rec_reader *r)
{
	struct csv_row *row;
	int rc = csv_next(r->csv, &row);

	if (rc <= 0)
		return rc;
	if (check_csv_row(r, row) < 0)
		return -1;
	return set_columns(r, (const char *const *)row->fields,
			   row->nfields) < 0 ? -1 : 1;
}

static int csv_read(struct rec_reader *r)
{
	struct csv_row *row;
	int rc = csv_next(r->csv, &row);

	if (rc <= 0)
		return rc;
	if (check_csv_row(r, row) < 0)
		return -1;
	if (row->nfields != r->ncols)
		return bad(r, "%zu fields, expected %zu", row->nfields,
			   r->ncols);
	memcpy(r->values, row->fields, r->ncols * sizeof(*r->values));
	return 1;
}

/*
 * Hands the stream to formats/csv, which reads all of it. What detection
 * has buffered is given back first: by seeking back when the input is a
 * file, by passing buffer and rest of input together when it is a pipe.
 */
static int csv_start(struct rec_reader *r, off_t start)
{
	struct csv_options opt = { CSV_UTF8, 0, MAX_CSV_INPUT };
	int seekable = start >= 0 && fseeko(r->in, start, SEEK_SET) == 0;

	if (!r->buf.len || seekable) {
		r->csv = csv_open("-", r->in, r->name, &opt);
	} else {
		int rc = 0;

		/* One byte over the bound is enough for csv to refuse it. */
		while (r->buf.len <= MAX_CSV_INPUT && (rc = fill(r)) > 0)
			;
		if (rc < 0)
			return -1;
		r->csv = csv_open_mem(r->buf.buf, r->buf.len, r->name, &opt);
	}
	sbuf_release(&r->buf);
	r->pos = 0;
	return r->csv ? 0 : -1;
}

/* ---- Detection ---- */

/*
 * Buffers the input up to the end of its first line that is not blank and
 * looks at it without consuming anything. Returns 0, 1 when there is no
 * such line, or -1 after reporting.
 */
static int detect(struct rec_reader *r, enum rec_format *f)
{
	size_t i, end;
	enum content_kind kind;

	if (!r->buf.len && fill(r) < 0)
		return -1;
	if ((kind = content_kind(r->buf.buf, r->buf.len)) != KIND_TEXT) {
		content_kind_refuse(r->name, kind, 0);
		return -1;
	}
	for (;;) {
		char *nl = NULL;
		int rc;

		i = r->buf.len >= 3 && memcmp(r->buf.buf, BOM, 3) == 0 ? 3 : 0;
		while (i < r->buf.len && (r->buf.buf[i] == ' ' ||
					  r->buf.buf[i] == '\r' ||
					  r->buf.buf[i] == '\n'))
			i++;
		if (i < r->buf.len)
			nl = memchr(r->buf.buf + i, '\n', r->buf.len - i);
		if (nl || r->buf.len > MAX_LINE) {
			end = nl ? (size_t)(nl - r->buf.buf) : r->buf.len;
			break;
		}
		rc = fill(r);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (i == r->buf.len)
				return 1;
			end = r->buf.len;
			break;
		}
	}
	if (i == r->buf.len) {
		errorf("'%s': no header in the first %zu bytes", r->name,
		       MAX_LINE);
		return -1;
	}
	if (end - i > MAX_LINE) {
		const char *p = r->buf.buf;

		/* The line it is on, for the message. */
		r->rec_line = 1;
		while ((p = memchr(p, '\n', (size_t)(r->buf.buf + i - p)))) {
			r->rec_line++;
			p++;
		}
		return bad(r, "line over %zu bytes", MAX_LINE);
	}
	if (r->buf.buf[i] == '{')
		*f = REC_NDJSON;
	else if (memchr(r->buf.buf + i, '\t', end - i))
		*f = REC_TSV;
	else
		*f = REC_CSV;
	return 0;
}

struct rec_reader *rec_reader_new(FILE *in, const char *name,
				  enum rec_format f)
{
	struct rec_reader *r = xcalloc(1, sizeof(*r));
	off_t start = -1;
	int rc;

	ASSERT(f != REC_TABLE);
	r->in = in;
	r->name = xstrdup(name);
	if (f == REC_AUTO) {
		start = ftello(in);
		rc = detect(r, &f);
		if (rc < 0)
			goto fail;
		if (rc > 0)
			goto empty;
	}
	r->format = f;
	switch (f) {
	case REC_TSV:
		rc = tsv_header(r);
		break;
	case REC_NDJSON:
		rc = ndjson_header(r);
		break;
	default:
		rc = csv_start(r, start);
		if (rc == 0)
			rc = csv_header(r);
		break;
	}
	if (rc < 0)
		goto fail;
	if (rc > 0)
		return r;
empty:
	errorf("'%s': empty input: no header line", r->name);
fail:
	rec_reader_free(r);
	return NULL;
}

int rec_read(struct rec_reader *r, const char *const **values)
{
	int rc;

	*values = NULL;
	if (r->failed)
		return -1;
	switch (r->format) {
	case REC_TSV:
		rc = tsv_read(r);
		break;
	case REC_NDJSON:
		rc = ndjson_read(r);
		break;
	default:
		rc = csv_read(r);
		break;
	}
	if (rc == 1)
		*values = r->values;
	return rc;
}

void rec_reader_free(struct rec_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncols; i++)
		free(r->cols[i]);
	free(r->cols);
	free(r->by_name);
	free(r->values);
	free(r->name);
	sbuf_release(&r->buf);
	for (size_t i = 0; i < r->nkept; i++)
		sbuf_release(&r->kept[i]);
	free(r->kept);
	free(r->fields);
	ndjson_object_release(&r->obj);
	free(r->seen);
	sbuf_release(&r->why);
	csv_close(r->csv);
	free(r);
}
