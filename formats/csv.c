/*
 * csv: the CSV reader of roster exports and the CSV writer of record
 * streams. libcsv does the quoting rules; this file does what libcsv leaves
 * out: byte order marks, physical line numbers, encodings, size limits and
 * recovery from a quote that is never closed.
 *
 * The one design choice: libcsv is fed one physical line at a time (a line
 * ends at LF, CRLF or a lone CR, and very long lines are fed in pieces).
 * A row can only end at the end of a piece, so the line a row starts on is
 * known exactly, and when a row goes wrong (a quote left open, a misplaced
 * quote, a field that runs away) the parser is thrown away and a fresh one
 * starts on the line after the one where that row began. A bad row costs
 * its own first line and nothing else; lines it swallowed are read again.
 *
 * libcsv runs with CSV_STRICT | CSV_STRICT_FINI, so a stray quote is an
 * error rather than a guess, and an unterminated quote is reported at the
 * end instead of silently becoming one huge last field. CSV_APPEND_NULL and
 * CSV_EMPTY_IS_NULL are not used: every field is copied with its length.
 * libcsv's default trimming is kept: spaces and tabs around unquoted fields
 * and between a closing quote and the comma are dropped; inside quotes
 * everything is kept, except that line breaks come out as "\n".
 */
#include "formats/csv.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "formats/kind.h"

#define DEFAULT_MAX_FIELD ((size_t)64 * 1024)
#define DEFAULT_MAX_INPUT ((size_t)1024 * 1024 * 1024)
/* Longest run of one line fed to libcsv before field sizes are checked. */
#define PIECE ((size_t)64 * 1024)
/* Growth step of libcsv's field buffer (its default of 128 is slow). */
#define PARSER_BLOCK 4096
#define REPLACEMENT "\xEF\xBF\xBD"   /* U+FFFD */

struct csv_reader {
	char *name;
	char *buf;              /* owned input */
	const char *data;       /* input after any byte order mark */
	size_t len;
	size_t pos;             /* next byte to feed to the parser */
	unsigned long line;     /* physical line of data[pos] */
	size_t chunk_end;       /* end of the piece being parsed */
	int at_end;             /* csv_fini() has run */
	int failed;

	enum csv_encoding encoding;
	size_t max_field;
	size_t runaway;         /* raw bytes that prove a field is too long */
	iconv_t cd;             /* windows-1252 to UTF-8, or (iconv_t)-1 */
	struct csv_parser parser;

	/* The row being read. */
	int row_open;           /* a row has begun and not yet ended */
	int row_done;
	unsigned long row_line;
	size_t row_off;         /* its first byte that is not a space */
	size_t field_mark;      /* end of the piece the last field ended in */
	struct sbuf text;       /* fields, each NUL-terminated */
	size_t *offs;           /* where each field starts in text */
	size_t noffs, offs_cap;
	char **fields;
	size_t fields_cap;
	int bad;
	char error[200];
	struct sbuf scratch;    /* a field with its line breaks folded */
	struct csv_row row;
};

/* ==== Bad rows ==== */

/* Records why the row is bad; the first reason found is the one kept. */
__attribute__((format(printf, 2, 3)))
static void row_error(struct csv_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->bad)
		return;
	r->bad = 1;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static void parser_start(struct csv_reader *r)
{
	csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_blk_size(&r->parser, PARSER_BLOCK);
}

/*
 * Ends the current (bad) row and resumes on the physical line after the one
 * it started on, with a fresh parser: whatever the old parser held belongs
 * to the bad row.
 */
static void restart_after_row(struct csv_reader *r)
{
	size_t i = r->row_off;

	while (i < r->len && r->data[i] != '\n' && r->data[i] != '\r')
		i++;
	if (i < r->len && r->data[i] == '\r' && i + 1 < r->len &&
	    r->data[i + 1] == '\n')
		i++;
	if (i < r->len)
		i++;
	r->pos = i;
	r->line = r->row_line + 1;
	r->at_end = 0;
	r->row_open = 0;
	r->row_done = 1;
	csv_free(&r->parser);
	parser_start(r);
}

/* ==== Fields: encodings and limits ==== */

static void add_utf8(struct csv_reader *r, const char *s, size_t len,
		     size_t idx)
{
	size_t i = 0;

	if (utf8_valid(s, len)) {
		sbuf_add(&r->text, s, len);
		return;
	}
	row_error(r, "invalid UTF-8 in field %zu (is the file windows-1252? "
		  "set encoding = windows-1252)", idx);
	/* Keep the field readable for the rejects file, never raw bytes. */
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 :
			   c >= 0xC0 ? 2 : 1;

		if (n <= len - i && utf8_valid(s + i, n)) {
			sbuf_add(&r->text, s + i, n);
			i += n;
		} else {
			sbuf_add(&r->text, REPLACEMENT, 3);
			i++;
		}
	}
}

static void add_cp1252(struct csv_reader *r, const char *s, size_t len,
		       size_t idx)
{
	char *in = (char *)s;
	size_t inleft = len, i;

	for (i = 0; i < len && !(s[i] & 0x80); i++)
		;
	if (i == len) {
		sbuf_add(&r->text, s, len);
		return;
	}
	/*
	 * Real windows-1252 text is almost never valid UTF-8 once it has a
	 * byte over 0x7F; a field that is means the file is UTF-8, and
	 * converting it again would print Ã« for ë.
	 */
	if (utf8_valid(s, len)) {
		row_error(r, "field %zu looks like UTF-8, not windows-1252 "
			  "(set encoding = utf-8)", idx);
		sbuf_add(&r->text, s, len);
		return;
	}
	while (inleft) {
		char *out;
		size_t outleft, rc;

		sbuf_grow(&r->text, inleft * 3);
		out = r->text.buf + r->text.len;
		outleft = r->text.cap - r->text.len - 1;
		rc = iconv(r->cd, &in, &inleft, &out, &outleft);
		r->text.len = (size_t)(out - r->text.buf);
		if (rc != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ: 0x81 0x8D 0x8F 0x90 0x9D mean nothing in 1252. */
		row_error(r, "byte 0x%02X in field %zu is not windows-1252",
			  (unsigned char)*in, idx);
		sbuf_add(&r->text, REPLACEMENT, 3);
		in++;
		inleft--;
	}
	r->text.buf[r->text.len] = '\0';
}

/* Line breaks inside a quoted field come out as "\n" whatever the file used. */
static const char *fold_line_breaks(struct csv_reader *r, const char *s,
				    size_t *len)
{
	size_t i, n = *len;

	sbuf_reset(&r->scratch);
	sbuf_grow(&r->scratch, n);
	for (i = 0; i < n; i++) {
		if (s[i] != '\r') {
			r->scratch.buf[r->scratch.len++] = s[i];
			continue;
		}
		r->scratch.buf[r->scratch.len++] = '\n';
		if (i + 1 < n && s[i + 1] == '\n')
			i++;
	}
	*len = r->scratch.len;
	return r->scratch.buf;
}

static void add_field(struct csv_reader *r, const char *s, size_t len)
{
	size_t idx = r->noffs + 1, start = r->text.len;

	if (len > r->max_field) {
		row_error(r, "field %zu is over %zu bytes", idx, r->max_field);
		len = r->max_field;
	}
	if (len && memchr(s, '\r', len))
		s = fold_line_breaks(r, s, &len);
	for (;;) {
		const char *nul = len ? memchr(s, '\0', len) : NULL;
		size_t seg = nul ? (size_t)(nul - s) : len;

		if (r->encoding == CSV_WINDOWS_1252)
			add_cp1252(r, s, seg, idx);
		else
			add_utf8(r, s, seg, idx);
		if (!nul)
			break;
		row_error(r, "NUL byte in field %zu", idx);
		sbuf_add(&r->text, REPLACEMENT, 3);
		s += seg + 1;
		len -= seg + 1;
	}
	if (r->text.len - start > r->max_field) {
		/* Converted to UTF-8 it grew past the limit. */
		size_t cut = start + r->max_field;

		row_error(r, "field %zu is over %zu bytes", idx, r->max_field);
		while (cut > start && (r->text.buf[cut] & 0xC0) == 0x80)
			cut--;
		r->text.len = cut;
	}
	sbuf_addch(&r->text, '\0');
	if (r->noffs == r->offs_cap) {
		r->offs_cap = r->offs_cap ? r->offs_cap * 2 : 16;
		r->offs = xrealloc(r->offs, r->offs_cap * sizeof(*r->offs));
	}
	r->offs[r->noffs++] = start;
}

/* ==== libcsv callbacks ==== */

static void on_field(void *s, size_t len, void *data)
{
	struct csv_reader *r = data;

	ASSERT(r->row_open);
	add_field(r, s ? s : "", s ? len : 0);
	r->field_mark = r->chunk_end;
}

static void on_row(int c, void *data)
{
	struct csv_reader *r = data;

	(void)c;
	ASSERT(r->row_open);
	r->row_open = 0;
	r->row_done = 1;
}

/* ==== Feeding the parser ==== */

static int parser_failed(struct csv_reader *r)
{
	int err = csv_error(&r->parser);

	if (err == CSV_ENOMEM)
		die("out of memory");
	errorf("'%s':%lu: %s", r->name, r->line, csv_strerror(err));
	r->failed = 1;
	return -1;
}

/*
 * Feeds the next piece of input: up to and including the next line end, or
 * PIECE bytes of a longer line. Returns 0, or -1 after reporting.
 */
static int feed(struct csv_reader *r)
{
	const char *p = r->data + r->pos;
	size_t avail = r->len - r->pos;
	size_t piece = avail < PIECE ? avail : PIECE;
	const char *lf = memchr(p, '\n', piece);
	size_t n = lf ? (size_t)(lf - p) : piece;
	const char *cr = memchr(p, '\r', n);
	size_t chunk, done, i;
	int ends_line = 1;

	if (cr) {
		n = (size_t)(cr - p);
		chunk = n + 1;
		if (chunk < avail && p[chunk] == '\n')
			chunk++;
	} else if (lf) {
		chunk = n + 1;
	} else {
		chunk = piece;
		ends_line = 0;
	}

	/* libcsv skips blank lines, spaces and tabs before a row begins. */
	if (!r->row_open) {
		for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (i < n) {
			r->row_open = 1;
			r->row_line = r->line;
			r->row_off = r->pos + i;
			r->field_mark = r->pos + chunk;
		}
	}

	r->chunk_end = r->pos + chunk;
	done = csv_parse(&r->parser, p, chunk, on_field, on_row, r);
	if (done < chunk) {
		if (csv_error(&r->parser) != CSV_EPARSE)
			return parser_failed(r);
		ASSERT(r->row_open);
		if (r->line == r->row_line)
			row_error(r, "misplaced quote in field %zu",
				  r->noffs + 1);
		else
			row_error(r, "misplaced quote in field %zu on line %lu "
				  "(is a quote left open?)", r->noffs + 1,
				  r->line);
		restart_after_row(r);
		return 0;
	}
	r->pos += chunk;
	if (ends_line)
		r->line++;

	/*
	 * A quote left open swallows the rest of the file into one field;
	 * stop as soon as the field is surely too long (each output byte
	 * costs at most two input bytes) rather than at the end of input.
	 */
	if (r->row_open && r->pos - r->field_mark > r->runaway) {
		int quoted = memchr(r->data + r->row_off, '"',
				    r->pos - r->row_off) != NULL;

		row_error(r, "field %zu is over %zu bytes%s", r->noffs + 1,
			  r->max_field,
			  quoted ? " (is a quote left open?)" : "");
		restart_after_row(r);
	}
	return 0;
}

static int finish_input(struct csv_reader *r)
{
	r->at_end = 1;
	r->chunk_end = r->len;
	if (csv_fini(&r->parser, on_field, on_row, r) == 0)
		return 0;
	if (csv_error(&r->parser) != CSV_EPARSE)
		return parser_failed(r);
	ASSERT(r->row_open);
	row_error(r, "unterminated quote");
	restart_after_row(r);
	return 0;
}

int csv_next(struct csv_reader *r, struct csv_row **row)
{
	size_t i;

	*row = NULL;
	if (r->failed)
		return -1;
	sbuf_reset(&r->text);
	r->noffs = 0;
	r->bad = 0;
	r->row_done = 0;
	while (!r->row_done) {
		int rc;

		if (r->pos < r->len)
			rc = feed(r);
		else if (!r->at_end)
			rc = finish_input(r);
		else
			return 0;
		if (rc < 0)
			return -1;
	}

	/* Pointers only now: text may have moved while the row grew. */
	if (r->noffs > r->fields_cap) {
		r->fields_cap = r->noffs * 2;
		r->fields = xrealloc(r->fields,
				     r->fields_cap * sizeof(*r->fields));
	}
	for (i = 0; i < r->noffs; i++)
		r->fields[i] = r->text.buf + r->offs[i];
	r->row.fields = r->fields;
	r->row.nfields = r->noffs;
	r->row.line = r->row_line;
	r->row.error = r->bad ? r->error : NULL;
	*row = &r->row;
	return 1;
}

/* ==== Opening and closing ==== */

/*
 * Replaces *buf, UTF-16 with its byte order mark, by the same text in
 * UTF-8 with no mark. 0, or -1 after reporting where the text is not
 * UTF-16 (*buf freed).
 */
static int from_utf16(char **buf, size_t *len, const char *name)
{
	const unsigned char *u = (const unsigned char *)*buf;
	iconv_t cd = iconv_open("UTF-8", u[0] == 0xFF ? "UTF-16LE" :
				"UTF-16BE");
	size_t inleft = *len - 2, outcap = inleft / 2 * 3 + 1, outleft;
	char *in = *buf + 2, *out, *o;
	int rc = 0;

	if (cd == (iconv_t)-1) {
		errorf("'%s': cannot convert from UTF-16: %s", name,
		       strerror(errno));
		free(*buf);
		return -1;
	}
	/* Every UTF-16 unit becomes at most 3 bytes of UTF-8. */
	o = out = xmalloc(outcap);
	outleft = outcap - 1;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		errorf("'%s': not valid UTF-16 at byte %zu (%s)", name,
		       (size_t)(in - *buf), errno == EINVAL ?
		       "it ends inside a character" : "a lone surrogate");
		free(out);
		rc = -1;
	} else {
		*o = '\0';
		*len = (size_t)(o - out);
	}
	iconv_close(cd);
	free(*buf);
	*buf = rc ? NULL : out;
	return rc;
}

/* Takes ownership of buf (len bytes of input, NUL after them). */
static struct csv_reader *reader_new(char *buf, size_t len, const char *name,
				     const struct csv_options *opt)
{
	struct csv_reader *r;
	const unsigned char *u = (const unsigned char *)buf;
	enum csv_encoding enc = opt ? opt->encoding : CSV_UTF8;
	size_t skip = 0;

	switch (content_kind(buf, len)) {
	case KIND_TEXT:
		break;
	case KIND_UTF16LE:
	case KIND_UTF16BE:
		/* Excel's "Unicode Text": its mark says what it is, whatever
		 * the declared encoding. */
		if (from_utf16(&buf, &len, name) != 0)
			return NULL;
		u = (const unsigned char *)buf;
		enc = CSV_UTF8;
		break;
	default:
		content_kind_refuse(name, content_kind(buf, len), 1);
		free(buf);
		return NULL;
	}
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		if (enc == CSV_WINDOWS_1252) {
			errorf("'%s': starts with a UTF-8 byte order mark but "
			       "the encoding is windows-1252 (set encoding = "
			       "utf-8)", name);
			free(buf);
			return NULL;
		}
		skip = 3;
	}

	r = xcalloc(1, sizeof(*r));
	r->cd = (iconv_t)-1;
	if (enc == CSV_WINDOWS_1252) {
		r->cd = iconv_open("UTF-8", "WINDOWS-1252");
		if (r->cd == (iconv_t)-1) {
			errorf("'%s': cannot convert from windows-1252: %s",
			       name, strerror(errno));
			free(buf);
			free(r);
			return NULL;
		}
	}
	r->name = xstrdup(name);
	r->buf = buf;
	r->data = buf + skip;
	r->len = len - skip;
	r->line = 1;
	r->encoding = enc;
	r->max_field = opt && opt->max_field ? opt->max_field :
		       DEFAULT_MAX_FIELD;
	r->runaway = r->max_field > (SIZE_MAX - 2) / 2 ? SIZE_MAX :
		     2 * r->max_field + 2;
	parser_start(r);
	return r;
}

static size_t max_input(const struct csv_options *opt)
{
	return opt && opt->max_input ? opt->max_input : DEFAULT_MAX_INPUT;
}

/* Reads fp to its end into sb; 0, or -1 after reporting. */
/*
 * Reads fp whole into sb, up to max bytes, but gives up as soon as one
 * physical line runs over max_line bytes: a pipe that never sends a line
 * end is refused at once, not after a gigabyte.
 */
/* The longest physical line read_all() accepts: far more than any row of
 * fields within max_field needs. */
static size_t max_line(const struct csv_options *opt)
{
	size_t f = opt && opt->max_field ? opt->max_field : 64 * 1024;
	size_t m = 64 * f;

	return m > 1024 * 1024 ? m : 1024 * 1024;
}

static int read_all(FILE *fp, const char *name, size_t max, size_t max_line,
		    struct sbuf *sb)
{
	/* One byte past the limit is enough to know it is too much. */
	size_t want = max < SIZE_MAX - 1 ? max + 1 : max;
	size_t line_start = 0;
	unsigned long lines = 0;    /* line ends before line_start */

	while (sb->len < want) {
		size_t room, got;

		sbuf_grow(sb, 64 * 1024);
		room = sb->cap - sb->len - 1;
		if (room > want - sb->len)
			room = want - sb->len;
		got = fread(sb->buf + sb->len, 1, room, fp);
		for (size_t i = 0; i < got; i++) {
			if (sb->buf[sb->len + i] == '\n') {
				lines++;
				line_start = sb->len + i + 1;
			} else if (sb->buf[sb->len + i] == '\r') {
				line_start = sb->len + i + 1;
			}
		}
		sb->len += got;
		sb->buf[sb->len] = '\0';
		if (sb->len - line_start > max_line) {
			errorf("'%s':%lu: a line runs over %zu bytes without "
			       "a line end", name, lines + 1, max_line);
			return -1;
		}
		if (got < room) {
			if (ferror(fp)) {
				errorf("'%s': cannot read: %s", name,
				       strerror(errno));
				return -1;
			}
			break;
		}
	}
	if (sb->len > max) {
		errorf("'%s': input is over %zu bytes", name, max);
		return -1;
	}
	return 0;
}

struct csv_reader *csv_open(const char *path, FILE *fp, const char *name,
			    const struct csv_options *opt)
{
	struct sbuf sb = SBUF_INIT;
	FILE *in = fp;
	int rc;

	if (!name)
		name = path ? path : "-";
	if (path && strcmp(path, "-") != 0) {
		in = fopen(path, "rb");
		if (!in) {
			errorf("'%s': cannot open: %s", name, strerror(errno));
			return NULL;
		}
	}
	ASSERT(in);
	rc = read_all(in, name, max_input(opt), max_line(opt), &sb);
	if (in != fp)
		fclose(in);
	if (rc < 0) {
		sbuf_release(&sb);
		return NULL;
	}
	sbuf_grow(&sb, 0);
	return reader_new(sb.buf, sb.len, name, opt);
}

struct csv_reader *csv_open_mem(const void *data, size_t len,
				const char *name,
				const struct csv_options *opt)
{
	size_t max = max_input(opt);
	char *buf;

	if (!name)
		name = "-";
	if (len > max) {
		errorf("'%s': input is over %zu bytes", name, max);
		return NULL;
	}
	buf = xmalloc(len + 1);
	if (len)
		memcpy(buf, data, len);
	buf[len] = '\0';
	return reader_new(buf, len, name, opt);
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	csv_free(&r->parser);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	sbuf_release(&r->text);
	sbuf_release(&r->scratch);
	free(r->offs);
	free(r->fields);
	free(r->buf);
	free(r->name);
	free(r);
}

/* ==== Writing ==== */

static int needs_quotes(const char *s, size_t len)
{
	if (!len)
		return 0;
	/* The reader, like libcsv, trims spaces and tabs around fields. */
	if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t')
		return 1;
	return strpbrk(s, ",\"\r\n") != NULL;
}

static int write_field(FILE *out, const char *s, int neutralise)
{
	size_t len = strlen(s);
	int prefix = neutralise && s[0] && strchr("=+-@\t\r", s[0]);
	int quote = needs_quotes(s, len);

	if (quote && putc_unlocked('"', out) == EOF)
		return -1;
	if (prefix && putc_unlocked('\'', out) == EOF)
		return -1;
	if (!quote)
		return fwrite_unlocked(s, 1, len, out) == len ? 0 : -1;
	for (; *s; s++) {
		if (*s == '"' && putc_unlocked('"', out) == EOF)
			return -1;
		if (putc_unlocked(*s, out) == EOF)
			return -1;
	}
	return putc_unlocked('"', out) == EOF ? -1 : 0;
}

/* The row's characters go out under one lock of out, not one each. */
static int write_row(FILE *out, const char *const *fields, size_t n,
		     int neutralise)
{
	/* A lone empty field would be a blank line, which readers skip. */
	if (n == 1 && (!fields[0] || !fields[0][0]))
		return fputs_unlocked("\"\"\r\n", out) == EOF ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		if (i && putc_unlocked(',', out) == EOF)
			return -1;
		if (write_field(out, fields[i] ? fields[i] : "",
				neutralise) < 0)
			return -1;
	}
	return fputs_unlocked("\r\n", out) == EOF ? -1 : 0;
}

int csv_write_row(FILE *out, const char *const *fields, size_t n,
		  int neutralise)
{
	int rc;

	flockfile(out);
	rc = write_row(out, fields, n, neutralise);
	funlockfile(out);
	return rc;
}
