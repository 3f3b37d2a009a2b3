/*
 * xlsx: Excel workbooks of a batch, one sheet per group: a title row
 * (site, group, batch version, generation time), a bold header row kept
 * in view and filtered, then one row per user, every value a string.
 *
 * The workbook is written here, not by libxlsxwriter: an XLSX file is a
 * zip of a few XML parts, and for 100,000 users almost all of it is one
 * XML text of 90 MB. libxlsxwriter 1.1.4 formats every cell with fprintf
 * into a temporary file and deflates the parts at zlib's default level on
 * one core when the workbook is closed (1.6 s for 95,000 users). Here
 * the XML of a part is made in memory and deflated by libdeflate at its
 * fastest level, whole, up to WHOLE_MAX bytes (a sheet of about 25,000
 * users); a larger part goes in pieces of 256 KiB to a second thread
 * (formats/deflate) that deflates them with zlib as one stream while the
 * next piece is made, so memory stays bounded whatever the batch. The
 * file is written once, front to back. The parts and their XML are the
 * ones libxlsxwriter
 * writes (without its theme, which nothing here refers to); zip entries
 * carry their sizes and CRC in their local headers, filled in when each
 * entry is done, as Excel's own files do. A workbook over 4 GiB (zip64)
 * is refused.
 *
 * The input is checked in full before the file is touched: a workbook
 * that fails halfway is worthless. Invalid UTF-8, which would make a file
 * Excel refuses, fails the whole call, naming the row and column; it is
 * not replaced with U+FFFD, as a list of passwords with altered names is
 * worse than none.
 *
 * Sheet names are made valid and unique ignoring case beyond ASCII
 * (towlower_l() with a C.UTF-8 locale object; the process locale is never
 * set); a value longer than a cell holds is cut with a warning; the
 * characters XML cannot hold (controls, U+FFFE, U+FFFF) and text that
 * Excel would decode as an escape (_x0041_) are written as _xHHHH_
 * escapes, so Excel shows the value as given.
 */
#include "formats/xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>
#include <zlib.h>

#include "core/hmap.h"
#include "core/secrets.h"
#include "core/util.h"
#include "formats/deflate.h"

/* Limits of Excel, in UTF-16 code units where they count characters. */
#define SHEET_NAME_MAX 31
#define CELL_MAX 32767
#define SHEET_ROWS 1048576
#define SHEET_COLS 16384

#define HEAD_ROWS 2             /* the title row and the header row */
#define WIDTH_MIN 6.0
#define WIDTH_MAX 60.0
/* The autofilter button covers about this many characters of a header. */
#define FILTER_BUTTON 3
#define MONO_FONT "Consolas"
#define EMPTY_GROUP_NAME "Group"
#define UNGROUPED_NAME "Users"

/* Cell styles, as numbered in styles.xml. */
#define STYLE_TITLE "1"
#define STYLE_HEADER "2"
#define STYLE_MONO "3"

/*
 * A part of up to WHOLE_MAX bytes of XML (a sheet of up to about 25,000
 * users) is deflated whole by libdeflate, in half zlib's time; a larger
 * one is handed to the deflating thread in pieces of about PIECE bytes,
 * which zlib deflates as one stream, so memory stays bounded whatever the
 * size of a group.
 */
#define WHOLE_MAX (24 << 20)
/* Bytes of XML around a cell's value and a row's cells, about. */
#define CELL_XML 64
#define ROW_XML 32
#define PIECE (256 * 1024)
#define ZIP_MAX 0xFFFFFFFFu     /* beyond it a zip needs zip64 */

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" " \
		 "standalone=\"yes\"?>\n"
#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/" \
	       "relationships"
#define NS_PKG_REL "http://schemas.openxmlformats.org/package/2006/" \
		   "relationships"

/* One file in the zip. */
struct part {
	char name[48];
	uint32_t crc;           /* of the XML, as made */
	uint64_t size;          /* of the XML */
	uint64_t csize;         /* deflated */
	uint64_t offset;        /* of its local header in the file */
};

struct sheet {
	const char *name;       /* valid, unique; in the writer's arena */
	const char *folded;     /* the name case-folded, for sorting */
	size_t start, end;      /* its rows */
};

struct writer {
	const char *shown;      /* the file as messages name it */
	const struct xlsx_options *opt;
	const char *const *cols;
	size_t ncols;
	long password_col;

	FILE *out;
	int failed;             /* an error was reported */
	uint64_t pos;           /* bytes written to out */
	struct part *parts;
	size_t nparts;
	struct part *open;      /* the part being made, or NULL */
	struct part *writing;   /* the part the sink is writing */
	struct deflater z;
	struct sbuf xml;        /* the open part's XML not yet queued */
	int streaming;          /* the open part goes in pieces (zlib) */
	size_t bytes;           /* about the XML of the sheet measured */
	struct libdeflate_compressor *ld;  /* whole parts, on this thread */
	unsigned char *zout;    /* a whole part deflated */
	size_t zout_cap;

	struct sheet *sheets;
	size_t nsheets;
	char (*col_ref)[4];     /* "A" ... "XFD" per column */

	locale_t ctype;         /* C.UTF-8 for case folding, or 0 */
	struct hmap used;       /* case-folded names of the sheets so far */
	struct hmap next_k;     /* folded base name: next suffix to try */
	struct arena keys;      /* the keys of both maps, the sheet names */
	double *widths;
	struct sbuf name;
	struct sbuf text;
};

/* ==== UTF-8 helpers ==== */

static void add_cp(struct sbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sbuf_add(sb, b, n);
}

/* Excel counts UTF-16 code units: a character beyond U+FFFF is two. */
static size_t units(unsigned cp)
{
	return cp >= 0x10000 ? 2 : 1;
}

static size_t utf16_len(const char *s)
{
	size_t n = 0;
	unsigned cp;

	while (*s) {
		s += utf8_decode(s, &cp);
		n += units(cp);
	}
	return n;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* At s, text that Excel would read as the escape _xHHHH_. */
static int looks_escaped(const char *s)
{
	return s[0] == '_' && s[1] == 'x' && is_hex(s[2]) && is_hex(s[3]) &&
	       is_hex(s[4]) && is_hex(s[5]) && s[6] == '_';
}

/* ==== Sheet names ==== */

static unsigned fold_cp(const struct writer *w, unsigned cp)
{
	if (w->ctype)
		return (unsigned)towlower_l((wint_t)cp, w->ctype);
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	/* Latin-1 capitals, without the multiplication sign. */
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 32;
	return cp;
}

/* name case-folded into sb. */
static void fold(const struct writer *w, struct sbuf *sb, const char *name)
{
	unsigned cp;

	sbuf_reset(sb);
	while (*name) {
		name += utf8_decode(name, &cp);
		add_cp(sb, fold_cp(w, cp));
	}
}

/* Drops spaces and apostrophes at both ends of sb (Excel refuses an
 * apostrophe there; spaces only hide it). */
static void trim_name(struct sbuf *sb)
{
	size_t start = 0, end = sb->len;

	if (sb->len == 0)
		return;
	while (start < end && (sb->buf[start] == ' ' ||
			       sb->buf[start] == '\''))
		start++;
	while (end > start && (sb->buf[end - 1] == ' ' ||
			       sb->buf[end - 1] == '\''))
		end--;
	memmove(sb->buf, sb->buf + start, end - start);
	sb->len = end - start;
	sb->buf[sb->len] = '\0';
}

/* Cuts sb to at most max UTF-16 units, at a character boundary. */
static void cut_name(struct sbuf *sb, size_t max)
{
	size_t pos = 0, n = 0;
	unsigned cp;
	int len;

	while (pos < sb->len) {
		len = utf8_decode(sb->buf + pos, &cp);
		if (n + units(cp) > max)
			break;
		n += units(cp);
		pos += (size_t)len;
	}
	sb->len = pos;
	if (sb->buf)
		sb->buf[pos] = '\0';
}

/*
 * The group as a sheet name Excel accepts, not yet unique, into sb:
 * brackets become parentheses, slashes dashes, the other characters Excel
 * forbids (: * ?) and control characters spaces; runs of spaces become
 * one; never empty.
 */
static void base_name(struct sbuf *sb, const char *group)
{
	unsigned cp;

	sbuf_reset(sb);
	while (*group) {
		group += utf8_decode(group, &cp);
		switch (cp) {
		case '[': cp = '('; break;
		case ']': cp = ')'; break;
		case '/': case '\\': cp = '-'; break;
		case ':': case '*': case '?': cp = ' '; break;
		default:
			if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ||
			    cp == 0xFFFE || cp == 0xFFFF)
				cp = ' ';
		}
		if (cp == ' ' && sb->len && sb->buf[sb->len - 1] == ' ')
			continue;
		add_cp(sb, cp);
	}
	trim_name(sb);
	cut_name(sb, SHEET_NAME_MAX);
	trim_name(sb);
	if (sb->len == 0)
		sbuf_addstr(sb, EMPTY_GROUP_NAME);
}

static void mark_used(struct writer *w, const char *folded)
{
	hmap_put(&w->used, arena_strdup(&w->keys, folded), &w->used);
}

/*
 * The sheet name for group into w->name: valid, and unique ignoring case
 * among the sheets so far ("7A (2)", cut to fit); it is then recorded as
 * used. Suffixes go on from where the last clash of the same name ended,
 * so a thousand groups that differ only after 31 characters cost no more
 * than a thousand names.
 */
static void sheet_name(struct writer *w, const char *group)
{
	struct sbuf base = SBUF_INIT, fbase = SBUF_INIT, f = SBUF_INIT;
	char suffix[32];
	uintptr_t k;

	base_name(&base, group);
	fold(w, &fbase, sbuf_str(&base));
	sbuf_reset(&w->name);
	sbuf_addstr(&w->name, sbuf_str(&base));
	if (!hmap_get(&w->used, sbuf_str(&fbase))) {
		mark_used(w, sbuf_str(&fbase));
		goto out;
	}
	k = (uintptr_t)hmap_get(&w->next_k, sbuf_str(&fbase));
	for (k = k ? k : 2;; k++) {
		snprintf(suffix, sizeof(suffix), " (%lu)", (unsigned long)k);
		sbuf_reset(&w->name);
		sbuf_addstr(&w->name, sbuf_str(&base));
		cut_name(&w->name, SHEET_NAME_MAX - strlen(suffix));
		trim_name(&w->name);
		sbuf_addstr(&w->name, suffix);
		fold(w, &f, sbuf_str(&w->name));
		if (!hmap_get(&w->used, sbuf_str(&f)))
			break;
	}
	mark_used(w, sbuf_str(&f));
	hmap_put(&w->next_k, arena_strdup(&w->keys, sbuf_str(&fbase)),
		 (void *)(k + 1));
out:
	sbuf_release(&base);
	sbuf_release(&fbase);
	sbuf_release(&f);
}

/* ==== Checking the input ==== */

static int check_text(struct writer *w, const char *what, const char *s)
{
	if (s && !utf8_valid(s, strlen(s))) {
		errorf("cannot write workbook '%s': %s is not valid UTF-8",
		       w->shown, what);
		return -1;
	}
	return 0;
}

/* The value of column col in row r; "" for NULL. */
static const char *value(const char *const *const *rows, size_t r, long col)
{
	const char *v = col >= 0 ? rows[r][col] : NULL;

	return v ? v : "";
}

/* First row after the group that starts at row start. */
static size_t group_end(const char *const *const *rows, size_t nrows,
			size_t start, long group_col)
{
	const char *g = value(rows, start, group_col);
	size_t end = start + 1;

	if (group_col < 0)
		return nrows;
	while (end < nrows && strcmp(value(rows, end, group_col), g) == 0)
		end++;
	return end;
}

/* Everything that would make a broken workbook, before any file is made. */
static int check_input(struct writer *w, const char *const *const *rows,
		       size_t nrows, long group_col)
{
	const struct xlsx_options *opt = w->opt;
	size_t r, c, start, end;

	if (w->ncols > SHEET_COLS) {
		errorf("cannot write workbook '%s': %zu columns; a sheet "
		       "holds at most %d", w->shown, w->ncols, SHEET_COLS);
		return -1;
	}
	if (check_text(w, "the site name", opt->site_name) ||
	    check_text(w, "the batch version", opt->version) ||
	    check_text(w, "the generation time", opt->generated_at))
		return -1;
	for (c = 0; c < w->ncols; c++) {
		if (w->cols[c] && !utf8_valid(w->cols[c],
					      strlen(w->cols[c]))) {
			errorf("cannot write workbook '%s': name of column "
			       "%zu is not valid UTF-8", w->shown, c + 1);
			return -1;
		}
	}
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < w->ncols; c++) {
			const char *v = rows[r][c];

			if (v && !utf8_valid(v, strlen(v))) {
				errorf("cannot write workbook '%s': row %zu, "
				       "column '%s': value is not valid "
				       "UTF-8", w->shown, r + 1,
				       w->cols[c] ? w->cols[c] : "");
				return -1;
			}
		}
	}
	for (start = 0; start < nrows; start = end) {
		end = group_end(rows, nrows, start, group_col);
		if (end - start > SHEET_ROWS - HEAD_ROWS) {
			errorf("cannot write workbook '%s': group '%s' has "
			       "%zu rows; a sheet holds at most %d",
			       w->shown, value(rows, start, group_col),
			       end - start, SHEET_ROWS - HEAD_ROWS);
			return -1;
		}
	}
	return 0;
}

/* ==== Zip ==== */

/* 1980-01-01 00:00, the date libxlsxwriter gives every entry: a
 * workbook depends on its batch only. */
#define DOS_DATE 0x0021
#define DOS_TIME 0x0000

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xFF);
	p[1] = (unsigned char)(v >> 8 & 0xFF);
}

static void put32(unsigned char *p, uint64_t v)
{
	put16(p, (unsigned)(v & 0xFFFF));
	put16(p + 2, (unsigned)(v >> 16 & 0xFFFF));
}

/* Reports the first failure only; every later call just says -1. */
static int failed(struct writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int failed(struct writer *w, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	if (w->failed)
		return -1;
	w->failed = 1;
	util_write_failed(errno);
	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	errorf("cannot write workbook '%s': %s", w->shown, sbuf_str(&sb));
	sbuf_release(&sb);
	return -1;
}

static int too_big(struct writer *w)
{
	return failed(w, "over 4 GiB, more than a workbook written here "
		      "holds");
}

static int out_write(struct writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->out) != n)
		return failed(w, "%s", strerror(errno ? errno : EIO));
	w->pos += n;
	return 0;
}

/* The local header of p, as it stands (30 bytes). */
static void local_header(unsigned char h[30], const struct part *p)
{
	put32(h, 0x04034b50);
	put16(h + 4, 20);               /* needs zip 2.0: deflate */
	put16(h + 6, 0);                /* no flags */
	put16(h + 8, Z_DEFLATED);
	put16(h + 10, DOS_TIME);
	put16(h + 12, DOS_DATE);
	put32(h + 14, p->crc);
	put32(h + 18, p->csize);
	put32(h + 22, p->size);
	put16(h + 26, (unsigned)strlen(p->name));
	put16(h + 28, 0);               /* no extra field */
}

/* Fills in the CRC and sizes of a finished entry. */
static int patch_header(struct writer *w, const struct part *p)
{
	unsigned char h[30];

	if (p->csize > ZIP_MAX || p->offset > ZIP_MAX)
		return too_big(w);
	local_header(h, p);
	if (fflush(w->out) != 0 ||
	    pwrite(fileno(w->out), h + 14, 12, (off_t)p->offset + 14) != 12)
		return failed(w, "%s", strerror(errno ? errno : EIO));
	return 0;
}

/*
 * The deflater's sink: writes each deflated piece of a part, after the
 * part's local header when it is the first, and completes the header
 * when it is the last.
 */
static int sink(void *ctx, struct zjob *j)
{
	struct writer *w = ctx;
	struct part *p = j->tag;

	if (j->zerr)
		return failed(w, "zlib error %d", j->zerr);
	if (p != w->writing) {
		unsigned char h[30];
		struct part blank = *p;

		/* CRC and sizes are filled in when the part is done. */
		blank.crc = 0;
		blank.csize = blank.size = 0;
		local_header(h, &blank);
		w->writing = p;
		p->offset = w->pos;
		p->csize = 0;
		if (out_write(w, h, sizeof(h)) ||
		    out_write(w, p->name, strlen(p->name)))
			return -1;
	}
	if (out_write(w, j->out, j->out_len))
		return -1;
	p->csize += j->out_len;
	return j->last ? patch_header(w, p) : 0;
}

/* The central directory and its end record, after the last part. */
static int finish_zip(struct writer *w)
{
	struct sbuf cd = SBUF_INIT;
	uint64_t start = w->pos;
	unsigned char h[46], e[22];
	int rc;

	for (size_t i = 0; i < w->nparts; i++) {
		const struct part *p = &w->parts[i];

		unsigned char l[30];

		/* From "version needed" to "extra field length" a central
		 * header repeats the local one. */
		local_header(l, p);
		put32(h, 0x02014b50);
		put16(h + 4, 20);       /* made by zip 2.0, MS-DOS */
		memcpy(h + 6, l + 4, 26);
		put16(h + 32, 0);       /* no comment */
		put16(h + 34, 0);       /* disk 0 */
		put16(h + 36, 0);       /* internal attributes */
		put32(h + 38, 0);       /* external attributes */
		put32(h + 42, p->offset);
		sbuf_add(&cd, h, sizeof(h));
		sbuf_addstr(&cd, p->name);
	}
	if (start > ZIP_MAX || cd.len > ZIP_MAX) {
		sbuf_release(&cd);
		return too_big(w);
	}
	put32(e, 0x06054b50);
	put16(e + 4, 0);                /* this disk */
	put16(e + 6, 0);                /* the directory's disk */
	put16(e + 8, (unsigned)w->nparts);
	put16(e + 10, (unsigned)w->nparts);
	put32(e + 12, cd.len);
	put32(e + 16, start);
	put16(e + 20, 0);               /* no comment */
	rc = out_write(w, cd.buf, cd.len) || out_write(w, e, sizeof(e)) ?
	     -1 : 0;
	sbuf_release(&cd);
	return rc;
}

/* ==== Parts ==== */

#define X(w, lit) sbuf_add(&(w)->xml, lit, sizeof(lit) - 1)

static void begin_part(struct writer *w, const char *name)
{
	struct part *p = &w->parts[w->nparts++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->crc = 0;
	w->open = p;
	w->streaming = 0;
	/* The last part's XML held passwords; only what it used: wiping
	 * the whole room would bring in pages never written. */
	if (w->xml.buf)
		secrets_wipe(w->xml.buf, w->xml.len);
	sbuf_reset(&w->xml);
}

/* Hands the XML made so far to the deflating thread. */
static int queue_piece(struct writer *w, int last)
{
	struct part *p = w->open;

	/* libdeflate's CRC-32 uses the carry-less multiply of the
	 * processor: a tenth of zlib's time here. */
	if (w->xml.len)
		p->crc = libdeflate_crc32(p->crc, w->xml.buf, w->xml.len);
	p->size += w->xml.len;
	if (p->size > ZIP_MAX)
		return too_big(w);
	w->streaming = 1;
	return deflater_queue(&w->z, &w->xml, p, last);
}

/*
 * After each row: a part that outgrows WHOLE_MAX starts going out in
 * pieces.
 */
static int piece_done(struct writer *w)
{
	if (w->xml.len >= (w->streaming ? PIECE : WHOLE_MAX))
		return queue_piece(w, 0);
	return 0;
}

/* The open part deflated whole and written, after what is queued. */
static int write_whole(struct writer *w)
{
	struct part *p = w->open;
	size_t bound = libdeflate_deflate_compress_bound(w->ld, w->xml.len);
	unsigned char h[30];

	if (deflater_flush(&w->z))
		return -1;
	if (w->zout_cap < bound) {
		free(w->zout);      /* wiped after each part */
		w->zout = xmalloc(bound);
		w->zout_cap = bound;
	}
	p->crc = libdeflate_crc32(0, w->xml.buf, w->xml.len);
	p->size = w->xml.len;
	p->csize = libdeflate_deflate_compress(w->ld, w->xml.buf, w->xml.len,
					       w->zout, w->zout_cap);
	if (p->csize == 0)
		return failed(w, "cannot deflate part '%s'", p->name);
	if (p->size > ZIP_MAX || p->csize > ZIP_MAX)
		return too_big(w);
	p->offset = w->pos;
	local_header(h, p);
	if (out_write(w, h, sizeof(h)) ||
	    out_write(w, p->name, strlen(p->name)) ||
	    out_write(w, w->zout, p->csize))
		return -1;
	secrets_wipe(w->zout, p->csize);
	return 0;
}

static int end_part(struct writer *w)
{
	int rc = w->streaming ? queue_piece(w, 1) : write_whole(w);

	w->open = NULL;
	return rc;
}

/* s escaped for XML text or an attribute value. */
static void x_esc(struct writer *w, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': X(w, "&amp;"); break;
		case '<': X(w, "&lt;"); break;
		case '>': X(w, "&gt;"); break;
		case '"': X(w, "&quot;"); break;
		default: sbuf_addch(&w->xml, *s);
		}
	}
}

/* ==== Cells ==== */

/*
 * The bytes after which a value needs more than copying: XML's markup,
 * control characters but tab and line feed (XML cannot hold them; a
 * carriage return would be read as a line feed), '_' (the start of what
 * Excel reads as an escape) and the lead byte of U+FFFE and U+FFFF.
 */
static const unsigned char special[256] = {
	[0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x0B] = 1, [0x0C] = 1,
	[0x0D] = 1, [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1,
	[0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1,
	[0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1,
	[0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1,
	['&'] = 1, ['<'] = 1, ['>'] = 1, ['_'] = 1, [0xEF] = 1,
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Writes v escaped for XML and for Excel, cut to what a cell holds
 * (CELL_MAX UTF-16 units as shown). Returns 1 when it cut.
 */
static int put_escaped(struct writer *w, const char *v)
{
	size_t shown = 0;
	unsigned cp;
	int n;

	while (*v) {
		n = utf8_decode(v, &cp);
		if (shown + units(cp) > CELL_MAX)
			return 1;
		shown += units(cp);
		if (cp == '&')
			X(w, "&amp;");
		else if (cp == '<')
			X(w, "&lt;");
		else if (cp == '>')
			X(w, "&gt;");
		else if ((cp < 0x20 && cp != '\t' && cp != '\n') ||
			 cp == 0xFFFE || cp == 0xFFFF || looks_escaped(v))
			sbuf_addf(&w->xml, "_x%04X_", cp);
		else
			sbuf_add(&w->xml, v, (size_t)n);
		v += n;
	}
	return 0;
}

/*
 * Writes one string cell at column col of the row whose number (as text)
 * is row; style is one of STYLE_* or NULL. rec is the record the value
 * comes from (1 for rows[0]), or 0 for the title and header rows: it
 * names the cell in the warning when the value is cut.
 */
static void put(struct writer *w, size_t col, const char *row,
		size_t row_len, const char *v, const char *style, size_t rec)
{
	const unsigned char *p;
	size_t len;

	if (!v || !*v)
		return;
	X(w, "<c r=\"");
	sbuf_addstr(&w->xml, w->col_ref[col]);
	sbuf_add(&w->xml, row, row_len);
	if (style) {
		X(w, "\" s=\"");
		sbuf_addstr(&w->xml, style);
	}
	X(w, "\" t=\"inlineStr\"><is><t");
	for (p = (const unsigned char *)v; !special[*p] && *p; p++)
		;
	len = (size_t)(p - (const unsigned char *)v) + strlen((const char *)p);
	if (is_space(v[0]) || is_space(v[len - 1]))
		X(w, " xml:space=\"preserve\"");
	X(w, ">");
	if (!*p && len <= CELL_MAX) {
		/* The common value: copied as it is. */
		sbuf_add(&w->xml, v, len);
	} else if (put_escaped(w, v)) {
		if (rec)
			warnf("'%s': row %zu, column '%s': value cut to the "
			      "%d characters a cell holds", w->shown, rec,
			      w->cols[col] ? w->cols[col] : "", CELL_MAX);
		else
			warnf("'%s': heading cut to the %d characters a cell "
			      "holds", w->shown, CELL_MAX);
	}
	X(w, "</t></is></c>");
}

/* ==== Sheets ==== */

/* "2026-09-03T08:14:00Z" as "2026-09-03 08:14 UTC"; other text as is. */
static void add_time(struct sbuf *sb, const char *when)
{
	long long t;
	time_t tt;
	struct tm tm;
	char buf[64];

	if (parse_iso8601(when, &t) == 0 && when[strlen(when) - 1] == 'Z') {
		tt = (time_t)t;
		if (gmtime_r(&tt, &tm) &&
		    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm)) {
			sbuf_addstr(sb, buf);
			return;
		}
	}
	sbuf_addstr(sb, when);
}

/* "Oakfield Academy — 7A — batch v7, generated 2026-09-03 08:14 UTC". */
static const char *title(struct writer *w, const char *group)
{
	const struct xlsx_options *opt = w->opt;
	struct sbuf *sb = &w->text;

	sbuf_reset(sb);
	if (opt->site_name && *opt->site_name)
		sbuf_addstr(sb, opt->site_name);
	if (group && *group)
		sbuf_addf(sb, "%s%s", sb->len ? " \u2014 " : "", group);
	if (opt->version && *opt->version)
		sbuf_addf(sb, "%sbatch v%s", sb->len ? " \u2014 " : "",
			  opt->version);
	if (opt->generated_at && *opt->generated_at) {
		sbuf_addstr(sb, sb->len ? ", generated " : "generated ");
		add_time(sb, opt->generated_at);
	}
	return sbuf_str(sb);
}

/* Widths in characters from the header and the rows of one group. */
static void measure(struct writer *w, const char *const *const *rows,
		    size_t start, size_t end)
{
	size_t r, c, len;

	w->bytes = 4096 + (end - start) * ROW_XML;
	for (c = 0; c < w->ncols; c++) {
		const char *h = w->cols[c] ? w->cols[c] : "";

		w->widths[c] = (double)(utf16_len(h) + FILTER_BUTTON);
	}
	for (r = start; r < end; r++) {
		for (c = 0; c < w->ncols; c++) {
			const char *v = rows[r][c];

			if (!v)
				continue;
			/* Bytes bound characters: most values need no
			 * count. */
			len = strlen(v);
			w->bytes += len + CELL_XML;
			if ((double)len + 1 <= w->widths[c] ||
			    w->widths[c] >= WIDTH_MAX)
				continue;
			len = utf8_len(v) + 1;
			if ((double)len > w->widths[c])
				w->widths[c] = (double)len;
		}
	}
	for (c = 0; c < w->ncols; c++) {
		if (w->widths[c] < WIDTH_MIN)
			w->widths[c] = WIDTH_MIN;
		if (w->widths[c] > WIDTH_MAX)
			w->widths[c] = WIDTH_MAX;
		/* Monospace is wider than the default proportional font. */
		if ((long)c == w->password_col)
			w->widths[c] *= 1.2;
	}
}

/*
 * A width in characters as Excel stores it: whole pixels at 7 to the
 * digit of the default font plus 5 of padding, in 256ths of a digit.
 */
static double stored_width(double chars)
{
	double pixels = (double)(unsigned)(chars * 7 + 0.5) + 5;

	return (double)(unsigned)(pixels / 7 * 256) / 256;
}

/* Column c as a cell reference: "A", ..., "Z", "AA", ..., "XFD". */
static void col_name(char out[4], size_t c)
{
	char rev[4];
	size_t n = 0, i;

	c++;
	while (c && n < 3) {
		rev[n++] = (char)('A' + (c - 1) % 26);
		c = (c - 1) / 26;
	}
	for (i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

static void start_row(struct writer *w, char *num, size_t *len, size_t r)
{
	*len = (size_t)snprintf(num, 24, "%zu", r);
	X(w, "<row r=\"");
	sbuf_add(&w->xml, num, *len);
	X(w, "\">");
}

/* The part of sheet k: its settings, title and header, then its rows. */
static int write_sheet(struct writer *w, size_t k,
		       const char *const *const *rows, long group_col)
{
	const struct sheet *s = &w->sheets[k];
	const char *group = group_col >= 0 && s->start < s->end ?
			    value(rows, s->start, group_col) : NULL;
	const char *last_col = w->col_ref[w->ncols - 1];
	size_t last = HEAD_ROWS + (s->end - s->start), r, c, len;
	char name[48], num[24];

	snprintf(name, sizeof(name), "xl/worksheets/sheet%zu.xml", k + 1);
	begin_part(w, name);
	measure(w, rows, s->start, s->end);
	/* One allocation of the size the sheet will have, when it is to
	 * be deflated whole: doubling up to it left copies behind. */
	if (w->bytes <= WHOLE_MAX && w->bytes > w->xml.cap)
		sbuf_grow(&w->xml, w->bytes - w->xml.len);
	X(w, XML_DECL "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL
	  "\"><sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>");
	sbuf_addf(&w->xml, "<dimension ref=\"A1:%s%zu\"/>", last_col, last);
	/* The title and header rows stay in view. */
	sbuf_addf(&w->xml, "<sheetViews><sheetView %sworkbookViewId=\"0\">"
		  "<pane ySplit=\"%d\" topLeftCell=\"A%d\" "
		  "activePane=\"bottomLeft\" state=\"frozen\"/>"
		  "<selection pane=\"bottomLeft\"/></sheetView></sheetViews>",
		  k == 0 ? "tabSelected=\"1\" " : "", HEAD_ROWS,
		  HEAD_ROWS + 1);
	X(w, "<sheetFormatPr defaultRowHeight=\"15\"/><cols>");
	for (c = 0; c < w->ncols; c++)
		sbuf_addf(&w->xml, "<col min=\"%zu\" max=\"%zu\" "
			  "width=\"%.16g\" customWidth=\"1\"/>", c + 1, c + 1,
			  stored_width(w->widths[c]));
	X(w, "</cols><sheetData>");

	start_row(w, num, &len, 1);
	put(w, 0, num, len, title(w, group), STYLE_TITLE, 0);
	X(w, "</row>");
	start_row(w, num, &len, 2);
	for (c = 0; c < w->ncols; c++)
		put(w, c, num, len, w->cols[c], STYLE_HEADER, 0);
	X(w, "</row>");
	for (r = s->start; r < s->end; r++) {
		start_row(w, num, &len, HEAD_ROWS + 1 + (r - s->start));
		for (c = 0; c < w->ncols; c++)
			put(w, c, num, len, rows[r][c],
			    (long)c == w->password_col ? STYLE_MONO : NULL,
			    r + 1);
		X(w, "</row>");
		if (piece_done(w))
			return -1;
	}

	X(w, "</sheetData>");
	/* Filtered from the header row; every printed page repeats the
	 * title and header (workbook.xml), landscape, one page wide. */
	sbuf_addf(&w->xml, "<autoFilter ref=\"A%d:%s%zu\"/>", HEAD_ROWS,
		  last_col, last);
	X(w, "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" "
	  "bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>"
	  "<pageSetup fitToHeight=\"0\" orientation=\"landscape\"/>"
	  "</worksheet>");
	return end_part(w);
}

/*
 * The sheets of the workbook, each a run of rows of one group, named:
 * known before anything is written, as the first parts list them.
 */
static int plan_sheets(struct writer *w, const char *const *const *rows,
		       size_t nrows, long group_col)
{
	size_t start = 0, end, cap = 8;

	w->sheets = xmalloc(cap * sizeof(*w->sheets));
	do {
		const char *group = NULL;

		end = nrows ? group_end(rows, nrows, start, group_col) : 0;
		if (group_col >= 0 && start < end)
			group = value(rows, start, group_col);
		if (w->nsheets == cap) {
			cap *= 2;
			w->sheets = xrealloc(w->sheets,
					     cap * sizeof(*w->sheets));
		}
		sheet_name(w, group ? group : UNGROUPED_NAME);
		w->sheets[w->nsheets].name = arena_strdup(&w->keys,
							  sbuf_str(&w->name));
		w->sheets[w->nsheets].start = start;
		w->sheets[w->nsheets].end = end;
		w->nsheets++;
		start = end;
	} while (start < nrows);
	/* A zip holds 65,535 entries; the workbook has 7 besides. */
	if (w->nsheets > 65535 - 7) {
		errorf("cannot write workbook '%s': %zu groups; a workbook "
		       "holds at most %d sheets here", w->shown, w->nsheets,
		       65535 - 7);
		return -1;
	}
	return 0;
}

/* ==== The other parts ==== */

static int write_content_types(struct writer *w)
{
	begin_part(w, "[Content_Types].xml");
	X(w, XML_DECL "<Types xmlns=\"http://schemas.openxmlformats.org/"
	  "package/2006/content-types\"><Default Extension=\"rels\" "
	  "ContentType=\"application/vnd.openxmlformats-package."
	  "relationships+xml\"/><Default Extension=\"xml\" "
	  "ContentType=\"application/xml\"/><Override "
	  "PartName=\"/docProps/app.xml\" ContentType=\"application/"
	  "vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
	  "<Override PartName=\"/docProps/core.xml\" ContentType="
	  "\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
	  "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/"
	  "vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
	  "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
	  "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>");
	for (size_t k = 0; k < w->nsheets; k++)
		sbuf_addf(&w->xml, "<Override PartName=\"/xl/worksheets/"
			  "sheet%zu.xml\" ContentType=\"application/"
			  "vnd.openxmlformats-officedocument.spreadsheetml."
			  "worksheet+xml\"/>", k + 1);
	X(w, "</Types>");
	return end_part(w);
}

static int write_root_rels(struct writer *w)
{
	begin_part(w, "_rels/.rels");
	X(w, XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">"
	  "<Relationship Id=\"rId1\" Type=\"" NS_REL "/officeDocument\" "
	  "Target=\"xl/workbook.xml\"/><Relationship Id=\"rId2\" Type=\""
	  NS_PKG_REL "/metadata/core-properties\" "
	  "Target=\"docProps/core.xml\"/><Relationship Id=\"rId3\" Type=\""
	  NS_REL "/extended-properties\" Target=\"docProps/app.xml\"/>"
	  "</Relationships>");
	return end_part(w);
}

/* The sheet names, for whoever lists a file's contents. Application is
 * what libxlsxwriter writes too: readers expect it. */
static int write_app(struct writer *w)
{
	begin_part(w, "docProps/app.xml");
	sbuf_addf(&w->xml, XML_DECL "<Properties xmlns=\"http://schemas."
		  "openxmlformats.org/officeDocument/2006/extended-properties"
		  "\" xmlns:vt=\"http://schemas.openxmlformats.org/"
		  "officeDocument/2006/docPropsVTypes\"><Application>"
		  "Microsoft Excel</Application><DocSecurity>0</DocSecurity>"
		  "<ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector "
		  "size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>"
		  "Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>%zu"
		  "</vt:i4></vt:variant></vt:vector></HeadingPairs>"
		  "<TitlesOfParts><vt:vector size=\"%zu\" baseType=\"lpstr\">",
		  w->nsheets, w->nsheets);
	for (size_t k = 0; k < w->nsheets; k++) {
		X(w, "<vt:lpstr>");
		x_esc(w, w->sheets[k].name);
		X(w, "</vt:lpstr>");
	}
	X(w, "</vt:vector></TitlesOfParts><LinksUpToDate>false"
	  "</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>"
	  "false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"
	  "</Properties>");
	return end_part(w);
}

/* The document's title and creation time are the batch's, so the same
 * batch makes the same workbook, not one dated by the clock. */
static int write_core(struct writer *w)
{
	const char *when = w->opt->generated_at;
	const char *t = title(w, NULL);
	long long secs;

	begin_part(w, "docProps/core.xml");
	X(w, XML_DECL "<cp:coreProperties xmlns:cp=\"http://schemas."
	  "openxmlformats.org/package/2006/metadata/core-properties\" "
	  "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
	  "xmlns:dcterms=\"http://purl.org/dc/terms/\" "
	  "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
	  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">");
	if (*t) {
		X(w, "<dc:title>");
		x_esc(w, t);
		X(w, "</dc:title>");
	}
	X(w, "<dc:creator></dc:creator><cp:lastModifiedBy>"
	  "</cp:lastModifiedBy>");
	if (when && parse_iso8601(when, &secs) == 0) {
		char iso[32];

		format_iso8601(secs, iso, sizeof(iso));
		sbuf_addf(&w->xml, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">"
			  "%s</dcterms:created><dcterms:modified "
			  "xsi:type=\"dcterms:W3CDTF\">%s</dcterms:modified>",
			  iso, iso);
	}
	X(w, "</cp:coreProperties>");
	return end_part(w);
}

/* A sheet's name as a formula refers to it: quoted, ' doubled. */
static void x_sheet_ref(struct writer *w, const char *name)
{
	struct sbuf q = SBUF_INIT;

	sbuf_addch(&q, '\'');
	for (; *name; name++) {
		if (*name == '\'')
			sbuf_addch(&q, '\'');
		sbuf_addch(&q, *name);
	}
	sbuf_addstr(&q, "'!");
	x_esc(w, sbuf_str(&q));
	sbuf_release(&q);
}

static int by_folded_name(const void *a, const void *b)
{
	const struct sheet *x = *(const struct sheet *const *)a;
	const struct sheet *y = *(const struct sheet *const *)b;

	return strcmp(x->folded, y->folded);
}

/*
 * The sheets, and for each its filter range and the rows repeated on
 * every printed page, as defined names; Excel lists them sorted by name,
 * then by sheet.
 */
static int write_workbook(struct writer *w)
{
	const char *last_col = w->col_ref[w->ncols - 1];
	struct sheet **order = xmalloc(w->nsheets * sizeof(*order));
	size_t k;

	begin_part(w, "xl/workbook.xml");
	X(w, XML_DECL "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL
	  "\"><fileVersion appName=\"xl\" lastEdited=\"4\" "
	  "lowestEdited=\"4\" rupBuild=\"4505\"/><workbookPr/><bookViews>"
	  "<workbookView xWindow=\"240\" yWindow=\"15\" "
	  "windowWidth=\"16095\" windowHeight=\"9660\"/></bookViews>"
	  "<sheets>");
	for (k = 0; k < w->nsheets; k++) {
		X(w, "<sheet name=\"");
		x_esc(w, w->sheets[k].name);
		sbuf_addf(&w->xml, "\" sheetId=\"%zu\" r:id=\"rId%zu\"/>",
			  k + 1, k + 1);
		order[k] = &w->sheets[k];
	}
	X(w, "</sheets><definedNames>");
	qsort(order, w->nsheets, sizeof(*order), by_folded_name);
	for (k = 0; k < w->nsheets; k++) {
		sbuf_addf(&w->xml, "<definedName name=\"_xlnm._FilterDatabase\" "
			  "localSheetId=\"%zu\" hidden=\"1\">",
			  (size_t)(order[k] - w->sheets));
		x_sheet_ref(w, order[k]->name);
		sbuf_addf(&w->xml, "$A$%d:$%s$%zu</definedName>", HEAD_ROWS,
			  last_col, HEAD_ROWS + order[k]->end -
			  order[k]->start);
	}
	for (k = 0; k < w->nsheets; k++) {
		sbuf_addf(&w->xml, "<definedName name=\"_xlnm.Print_Titles\" "
			  "localSheetId=\"%zu\">",
			  (size_t)(order[k] - w->sheets));
		x_sheet_ref(w, order[k]->name);
		sbuf_addf(&w->xml, "$1:$%d</definedName>", HEAD_ROWS);
	}
	X(w, "</definedNames><calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/>"
	  "</workbook>");
	free(order);
	return end_part(w);
}

static int write_workbook_rels(struct writer *w)
{
	size_t k;

	begin_part(w, "xl/_rels/workbook.xml.rels");
	X(w, XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">");
	for (k = 0; k < w->nsheets; k++)
		sbuf_addf(&w->xml, "<Relationship Id=\"rId%zu\" Type=\""
			  NS_REL "/worksheet\" Target=\"worksheets/"
			  "sheet%zu.xml\"/>", k + 1, k + 1);
	sbuf_addf(&w->xml, "<Relationship Id=\"rId%zu\" Type=\"" NS_REL
		  "/styles\" Target=\"styles.xml\"/></Relationships>", k + 1);
	return end_part(w);
}

/* Fonts: the default, the title's, the header's, the password's; cell
 * styles STYLE_TITLE, STYLE_HEADER (underlined by a thin border) and
 * STYLE_MONO use them in that order. */
static int write_styles(struct writer *w)
{
	begin_part(w, "xl/styles.xml");
	X(w, XML_DECL "<styleSheet xmlns=\"" NS_MAIN "\"><fonts count=\"4\">"
	  "<font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/>"
	  "</font><font><b/><sz val=\"13\"/><name val=\"Calibri\"/>"
	  "<family val=\"2\"/></font><font><b/><sz val=\"11\"/>"
	  "<name val=\"Calibri\"/><family val=\"2\"/></font><font>"
	  "<sz val=\"11\"/><name val=\"" MONO_FONT "\"/><family val=\"3\"/>"
	  "</font></fonts><fills count=\"2\"><fill><patternFill "
	  "patternType=\"none\"/></fill><fill><patternFill "
	  "patternType=\"gray125\"/></fill></fills><borders count=\"2\">"
	  "<border><left/><right/><top/><bottom/><diagonal/></border>"
	  "<border><left/><right/><top/><bottom style=\"thin\"><color "
	  "auto=\"1\"/></bottom><diagonal/></border></borders>"
	  "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" "
	  "fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"4\">"
	  "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" "
	  "xfId=\"0\"/><xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" "
	  "borderId=\"0\" xfId=\"0\" applyFont=\"1\"/><xf numFmtId=\"0\" "
	  "fontId=\"2\" fillId=\"0\" borderId=\"1\" xfId=\"0\" "
	  "applyFont=\"1\" applyBorder=\"1\"/><xf numFmtId=\"0\" "
	  "fontId=\"3\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
	  "applyFont=\"1\"/></cellXfs><cellStyles count=\"1\"><cellStyle "
	  "name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
	  "<dxfs count=\"0\"/><tableStyles count=\"0\" "
	  "defaultTableStyle=\"TableStyleMedium9\" "
	  "defaultPivotStyle=\"PivotStyleLight16\"/></styleSheet>");
	return end_part(w);
}

/* Every part, in the order libxlsxwriter writes them: the small ones
 * first, so a reader that looks at the start sees a workbook. */
static int write_parts(struct writer *w, const char *const *const *rows,
		       long group_col)
{
	if (write_content_types(w) || write_root_rels(w) || write_app(w) ||
	    write_core(w) || write_workbook(w) || write_workbook_rels(w) ||
	    write_styles(w))
		return -1;
	for (size_t k = 0; k < w->nsheets; k++)
		if (write_sheet(w, k, rows, group_col))
			return -1;
	return 0;
}

/* ==== Entry point ==== */

int xlsx_write(const char *path, const struct xlsx_options *opt,
	       const char *const *cols, size_t ncols,
	       const char *const *const *rows, size_t nrows, long group_col,
	       long password_col)
{
	struct writer w = { 0 };
	int ret = -1, fd;
	size_t c;

	ASSERT(path && opt && cols && ncols > 0 && (rows || nrows == 0));
	ASSERT(group_col >= -1 && group_col < (long)ncols);
	ASSERT(password_col >= -1 && password_col < (long)ncols);
	w.shown = opt->name ? opt->name : path;
	w.opt = opt;
	w.cols = cols;
	w.ncols = ncols;
	w.password_col = password_col;
	if (check_input(&w, rows, nrows, group_col))
		return -1;

	w.ctype = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	/* Excel reserves this name (for tracking changes). */
	mark_used(&w, "history");
	if (plan_sheets(&w, rows, nrows, group_col))
		goto out;
	for (size_t k = 0; k < w.nsheets; k++) {
		fold(&w, &w.text, w.sheets[k].name);
		w.sheets[k].folded = arena_strdup(&w.keys, sbuf_str(&w.text));
	}

	/* 0600: a list of passwords is never readable by others. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(w.out = fdopen(fd, "w"))) {
		util_write_failed(errno);
		errorf("cannot write workbook '%s': %s", w.shown,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	w.col_ref = xmalloc(ncols * sizeof(*w.col_ref));
	for (c = 0; c < ncols; c++)
		col_name(w.col_ref[c], c);
	w.widths = xcalloc(ncols, sizeof(*w.widths));
	w.parts = xcalloc(7 + w.nsheets, sizeof(*w.parts));
	deflater_start(&w.z, 1, Z_BEST_SPEED, sink, &w);
	w.ld = libdeflate_alloc_compressor(1);
	if (!w.ld)
		die("tempass: out of memory");
	ret = write_parts(&w, rows, group_col);
	if (ret == 0)
		ret = deflater_flush(&w.z);
	if (ret == 0)
		ret = finish_zip(&w);
	/* The XML held passwords. */
	deflater_stop(&w.z);
	libdeflate_free_compressor(w.ld);
	/* Each whole part's bytes were wiped once written. */
	free(w.zout);
	if (fclose(w.out) != 0 && ret == 0)
		ret = failed(&w, "%s", strerror(errno));
	if (ret != 0) {
		/* Emptied first: path may name a caller's unnamed file
		 * (/proc/self/fd/N), which cannot be unlinked. */
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
out:
	if (w.ctype)
		freelocale(w.ctype);
	hmap_release(&w.used);
	hmap_release(&w.next_k);
	arena_release(&w.keys);
	free(w.sheets);
	free(w.parts);
	free(w.col_ref);
	free(w.widths);
	if (w.xml.buf)
		secrets_wipe(w.xml.buf, w.xml.len);
	sbuf_release(&w.xml);
	sbuf_release(&w.name);
	sbuf_release(&w.text);
	return ret;
}
