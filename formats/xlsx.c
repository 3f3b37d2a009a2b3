/*
 * xlsx: Excel workbooks of a batch, one sheet per group: a title row
 * (site, group, batch version, generation time), a bold header row kept
 * in view and filtered, then one row per user, every value a string.
 *
 * libxlsxwriter writes the workbook, in constant_memory mode: each row
 * goes to a temporary file as soon as the next begins, so memory stays
 * bounded whatever the batch. It is loaded when first needed
 * (xlsx_load()), not linked. Its temporary files are made beside the
 * output, on its disk, but inside a private folder made for this write
 * (tmpdir_beside()): the library unlinks each only after it has made it,
 * and a kill in between must not leave a file among the lists, which
 * hold complete files only. The next write of the same name removes the
 * folder of a dead process.
 *
 * tempass keeps only what the library does not do. The input is checked
 * in full before anything is written: invalid UTF-8, which would make a
 * file Excel refuses, fails the whole call, naming the row and column (a
 * list of passwords with altered names is worse than none); a caller
 * whose reader has checked every value already says so, and the values
 * are not scanned twice. Sheet names
 * are made valid and unique ignoring case beyond ASCII (towlower_l() with
 * a C.UTF-8 locale object; the process locale is never set; the library
 * compares ASCII only). A value longer than a cell holds is cut at a
 * character, with a warning (the library refuses it). U+FFFE and U+FFFF,
 * which XML cannot hold, and text that Excel would decode as an escape
 * (_x0041_) become _xHHHH_ escapes; the library escapes the control
 * characters itself. Values are written with worksheet_write_string()
 * only: a name such as =HYPERLINK(...) stays text.
 *
 * libxlsxwriter prints its own errors on standard error and does not
 * check its writes to its temporary files. Standard error is held while
 * it runs, so an error is reported once, here; and each sheet's temporary
 * file is flushed and checked before the workbook is closed.
 */
#include "formats/xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>
#include <xlsxwriter.h>

#include "core/hmap.h"
#include "core/secrets.h"
#include "core/util.h"

/* Limits of Excel, in UTF-16 code units where they count characters. */
#define SHEET_NAME_MAX 31
#define CELL_MAX 32767
#define SHEET_ROWS 1048576
#define SHEET_COLS 16384
/* libxlsxwriter's limit on a string, in code points as given to it. */
#define LIB_STR_MAX 32767

#define HEAD_ROWS 2             /* the title row and the header row */
#define WIDTH_MIN 6.0
#define WIDTH_MAX 60.0
/* The autofilter button covers about this many characters of a header. */
#define FILTER_BUTTON 3
#define MONO_FONT "Consolas"
#define EMPTY_GROUP_NAME "Group"
#define UNGROUPED_NAME "Users"

/* ==== Loading libxlsxwriter ==== */

/*
 * libxlsxwriter is not linked: xlsx_load() opens its versioned soname, so
 * only a process that writes a workbook loads it and what it pulls in
 * (minizip, OpenSSL's libcrypto). Each pointer has the type of its
 * function's prototype in xlsxwriter.h, so every call through the table
 * is checked as a direct call would be.
 */
static struct lxw_api {
	__typeof__(workbook_new_opt) *workbook_new_opt;
	__typeof__(workbook_add_worksheet) *workbook_add_worksheet;
	__typeof__(workbook_add_format) *workbook_add_format;
	__typeof__(workbook_set_properties) *workbook_set_properties;
	__typeof__(workbook_close) *workbook_close;
	__typeof__(lxw_workbook_free) *lxw_workbook_free;
	__typeof__(lxw_strerror) *lxw_strerror;
	__typeof__(worksheet_write_string) *worksheet_write_string;
	__typeof__(worksheet_freeze_panes) *worksheet_freeze_panes;
	__typeof__(worksheet_autofilter) *worksheet_autofilter;
	__typeof__(worksheet_repeat_rows) *worksheet_repeat_rows;
	__typeof__(worksheet_fit_to_pages) *worksheet_fit_to_pages;
	__typeof__(worksheet_set_landscape) *worksheet_set_landscape;
	__typeof__(worksheet_set_column) *worksheet_set_column;
	__typeof__(format_set_bold) *format_set_bold;
	__typeof__(format_set_font_size) *format_set_font_size;
	__typeof__(format_set_bottom) *format_set_bottom;
	__typeof__(format_set_font_name) *format_set_font_name;
} lxw;

#define SYM(f) DL_SYMBOL(struct lxw_api, f, "")
static const struct dl_symbol symbols[] = {
	SYM(workbook_new_opt), SYM(workbook_add_worksheet),
	SYM(workbook_add_format), SYM(workbook_set_properties),
	SYM(workbook_close), SYM(lxw_workbook_free), SYM(lxw_strerror),
	SYM(worksheet_write_string), SYM(worksheet_freeze_panes),
	SYM(worksheet_autofilter), SYM(worksheet_repeat_rows),
	SYM(worksheet_fit_to_pages), SYM(worksheet_set_landscape),
	SYM(worksheet_set_column), SYM(format_set_bold),
	SYM(format_set_font_size), SYM(format_set_bottom),
	SYM(format_set_font_name),
};
#undef SYM

static int loaded;

int xlsx_load(void)
{
	if (!loaded && dl_load(XLSX_LIB, XLSX_LIB_PACKAGE, symbols,
			       ARRAY_SIZE(symbols), &lxw, sizeof(lxw)) == 0)
		loaded = 1;
	return loaded ? 0 : -1;
}

struct sheet {
	const char *name;       /* valid, unique; in the writer's arena */
	size_t start, end;      /* its rows */
};

struct writer {
	const char *shown;      /* the file as messages name it */
	const struct xlsx_options *opt;
	const char *const *cols;
	size_t *pick;           /* the stream's columns written, in order */
	size_t npick;
	long password_col;

	lxw_workbook *wb;
	lxw_format *f_title, *f_header, *f_mono;
	struct sheet *sheets;
	size_t nsheets;

	locale_t ctype;         /* C.UTF-8 for case folding, or 0 */
	struct hmap used;       /* case-folded names of the sheets so far */
	struct hmap next_k;     /* folded base name: next suffix to try */
	struct arena keys;      /* the keys of both maps, the sheet names */
	double *widths;
	struct sbuf name;
	struct sbuf text;
	struct sbuf cell;       /* a value escaped or cut: may hold a
				 * password, wiped */
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

/*
 * The columns to write: opt->columns that the stream has, in that order,
 * or every column when opt->columns is NULL.
 */
static int pick_columns(struct writer *w, size_t ncols)
{
	const struct xlsx_options *opt = w->opt;
	size_t i, c;

	w->pick = xcalloc(opt->columns ? opt->ncolumns : ncols,
			  sizeof(*w->pick));
	if (!opt->columns) {
		for (c = 0; c < ncols; c++)
			w->pick[w->npick++] = c;
		return 0;
	}
	for (i = 0; i < opt->ncolumns; i++)
		for (c = 0; c < ncols; c++)
			if (w->cols[c] && strcmp(w->cols[c],
						 opt->columns[i]) == 0) {
				w->pick[w->npick++] = c;
				break;
			}
	if (w->npick == 0) {
		errorf("cannot write workbook '%s': the records have none of "
		       "its columns (%s, ...)", w->shown, opt->columns[0]);
		return -1;
	}
	return 0;
}

/* Everything that would make a broken workbook, before any file is made:
 * the columns written and the group column, which names the sheets. */
static int check_input(struct writer *w, const char *const *const *rows,
		       size_t nrows, long group_col)
{
	const struct xlsx_options *opt = w->opt;
	size_t r, i, start, end;
	long extra = group_col;

	if (w->npick > SHEET_COLS) {
		errorf("cannot write workbook '%s': %zu columns; a sheet "
		       "holds at most %d", w->shown, w->npick, SHEET_COLS);
		return -1;
	}
	if (check_text(w, "the site name", opt->site_name) ||
	    check_text(w, "the batch version", opt->version) ||
	    check_text(w, "the generation time", opt->generated_at))
		return -1;
	for (i = 0; i < w->npick && !opt->utf8_checked; i++) {
		const char *name = w->cols[w->pick[i]];

		if (name && !utf8_valid(name, strlen(name))) {
			errorf("cannot write workbook '%s': name of column "
			       "%zu is not valid UTF-8", w->shown,
			       w->pick[i] + 1);
			return -1;
		}
	}
	/* The group column is checked once, written or not. */
	for (i = 0; i < w->npick; i++)
		if ((long)w->pick[i] == group_col)
			extra = -1;
	for (r = 0; r < nrows && !opt->utf8_checked; r++) {
		for (i = 0; i <= w->npick; i++) {
			long c = i < w->npick ? (long)w->pick[i] : extra;
			const char *v = c >= 0 ? rows[r][c] : NULL;

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

/* ==== Cells ==== */

/*
 * The bytes after which a value needs more than handing over: '_' (the
 * start of what Excel reads as an escape) and the lead byte of U+FFFE
 * and U+FFFF. A value with neither, and no longer than a cell holds, is
 * given to the library as it is: one scan finds both its length and
 * that, and nothing is copied.
 */
static const char special[] = "_\xEF";

/*
 * v as Excel is to show it, into w->cell: escaped where the library
 * does not, cut to what a cell holds (CELL_MAX UTF-16 units as shown, and
 * the library's own limit on what it is given). Returns 1 when it cut.
 */
static int escape_cell(struct writer *w, const char *v)
{
	size_t shown = 0, given = 0, add;
	unsigned cp;
	int n, esc;

	if (w->cell.buf)
		secrets_wipe(w->cell.buf, w->cell.len);
	sbuf_reset(&w->cell);
	while (*v) {
		n = utf8_decode(v, &cp);
		esc = cp == 0xFFFE || cp == 0xFFFF;
		/* "_x0041_" is kept as text by escaping its '_'. */
		if (looks_escaped(v))
			cp = '_', esc = 1;
		add = esc ? strlen("_x0000_") : 1;
		if (shown + units(cp) > CELL_MAX || given + add > LIB_STR_MAX)
			return 1;
		shown += units(cp);
		given += add;
		if (esc)
			sbuf_addf(&w->cell, "_x%04X_", cp);
		else
			sbuf_add(&w->cell, v, (size_t)n);
		v += esc && cp == '_' ? 1 : n;
	}
	return 0;
}

/*
 * Writes one string cell; fmt is one of the writer's formats or NULL.
 * rec is the record the value comes from (1 for rows[0]), or 0 for the
 * title and header rows: it names the cell in the warning when the value
 * is cut. Widens column col (of those written) to fit the value.
 */
static int put(struct writer *w, lxw_worksheet *ws, lxw_row_t row,
	       size_t col, const char *v, lxw_format *fmt, size_t rec)
{
	size_t len, plain;
	lxw_error err;

	if (!v || !*v)
		return 0;
	plain = strcspn(v, special);
	len = plain + strlen(v + plain);
	if (rec && (double)len + 1 > w->widths[col] &&
	    w->widths[col] < WIDTH_MAX) {
		/* Bytes bound characters: most values need no count. */
		double chars = (double)utf8_len(v) + 1;

		if (chars > w->widths[col])
			w->widths[col] = chars;
	}
	if (plain < len || len > CELL_MAX) {
		if (escape_cell(w, v)) {
			if (rec)
				warnf("'%s': row %zu, column '%s': value cut "
				      "to the %d characters a cell holds",
				      w->shown, rec,
				      w->cols[w->pick[col]] ?
				      w->cols[w->pick[col]] : "", CELL_MAX);
			else
				warnf("'%s': heading cut to the %d characters "
				      "a cell holds", w->shown, CELL_MAX);
		}
		v = sbuf_str(&w->cell);
	}
	err = lxw.worksheet_write_string(ws, row, (lxw_col_t)col, v, fmt);
	if (err != LXW_NO_ERROR) {
		errorf("cannot write workbook '%s': %s", w->shown,
		       lxw.lxw_strerror(err));
		return -1;
	}
	return 0;
}


/* "2026-09-03T08:14:00Z" as "2026-09-03 09:14 BST", in the site's time
 * zone (format_local_time()); other text as is. */
static void add_time(struct sbuf *sb, const char *when)
{
	char buf[64];
	const char *local = local_time_of(when, buf, sizeof(buf));

	sbuf_addstr(sb, local ? local : when);
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


/* ==== Sheets ==== */

/*
 * The sheets of the workbook, each a run of rows of one group, named:
 * known before anything is written.
 */
static void plan_sheets(struct writer *w, const char *const *const *rows,
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
}

/* Reports a failure of the library, once. */
static int lib_failed(struct writer *w, lxw_error err)
{
	errorf("cannot write workbook '%s': %s", w->shown,
	       lxw.lxw_strerror(err));
	return -1;
}

/*
 * Sheet k: its settings, title and header, then its rows, written front
 * to back as constant_memory requires; then its column widths, measured
 * on the way.
 */
static int write_sheet(struct writer *w, size_t k,
		       const char *const *const *rows, long group_col)
{
	const struct sheet *s = &w->sheets[k];
	const char *group = group_col >= 0 && s->start < s->end ?
			    value(rows, s->start, group_col) : NULL;
	lxw_row_t last = (lxw_row_t)(HEAD_ROWS - 1 + (s->end - s->start));
	lxw_col_t last_col = (lxw_col_t)(w->npick - 1);
	lxw_worksheet *ws = lxw.workbook_add_worksheet(w->wb, s->name);
	lxw_error err;
	size_t r, c;

	if (!ws)
		return lib_failed(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
	for (c = 0; c < w->npick; c++) {
		const char *h = w->cols[w->pick[c]] ? w->cols[w->pick[c]] : "";

		w->widths[c] = (double)(utf16_len(h) + FILTER_BUTTON);
	}
	/* The title and header stay in view and are repeated on every
	 * printed page: landscape, one page wide. */
	lxw.worksheet_freeze_panes(ws, HEAD_ROWS, 0);
	if ((err = lxw.worksheet_autofilter(ws, HEAD_ROWS - 1, 0, last,
					last_col)) ||
	    (err = lxw.worksheet_repeat_rows(ws, 0, HEAD_ROWS - 1)))
		return lib_failed(w, err);
	lxw.worksheet_fit_to_pages(ws, 1, 0);
	lxw.worksheet_set_landscape(ws);

	if (put(w, ws, 0, 0, title(w, group), w->f_title, 0))
		return -1;
	for (c = 0; c < w->npick; c++)
		if (put(w, ws, 1, c, w->cols[w->pick[c]], w->f_header, 0))
			return -1;
	for (r = s->start; r < s->end; r++) {
		lxw_row_t row = (lxw_row_t)(HEAD_ROWS + (r - s->start));

		for (c = 0; c < w->npick; c++)
			if (put(w, ws, row, c, rows[r][w->pick[c]],
				(long)w->pick[c] == w->password_col ?
				w->f_mono : NULL, r + 1))
				return -1;
	}

	for (c = 0; c < w->npick; c++) {
		double width = w->widths[c];

		width = width < WIDTH_MIN ? WIDTH_MIN :
			width > WIDTH_MAX ? WIDTH_MAX : width;
		/* Monospace is wider than the default proportional font. */
		if ((long)w->pick[c] == w->password_col)
			width *= 1.2;
		if ((err = lxw.worksheet_set_column(ws, (lxw_col_t)c,
						(lxw_col_t)c, width, NULL)))
			return lib_failed(w, err);
	}
	/* The library does not check its writes to the sheet's temporary
	 * file: a full disk there would leave rows out of a workbook it
	 * then calls complete. */
	if (ws->optimize_tmpfile && (fflush(ws->optimize_tmpfile) != 0 ||
				     ferror(ws->optimize_tmpfile))) {
		util_write_failed(errno ? errno : EIO);
		errorf("cannot write workbook '%s': %s", w->shown,
		       strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

/* The title row's format, the header's (bold, underlined by a thin
 * border) and the password's (monospace). */
static void add_formats(struct writer *w)
{
	w->f_title = lxw.workbook_add_format(w->wb);
	w->f_header = lxw.workbook_add_format(w->wb);
	w->f_mono = lxw.workbook_add_format(w->wb);
	if (!w->f_title || !w->f_header || !w->f_mono)
		die("tempass: out of memory");
	lxw.format_set_bold(w->f_title);
	lxw.format_set_font_size(w->f_title, 13);
	lxw.format_set_bold(w->f_header);
	lxw.format_set_bottom(w->f_header, LXW_BORDER_THIN);
	lxw.format_set_font_name(w->f_mono, MONO_FONT);
}

/* The document's title and creation time are the batch's, so the same
 * batch makes the same workbook, not one dated by the clock. The library
 * does not escape control characters here: they become spaces. */
static lxw_error set_properties(struct writer *w, char *doc_title)
{
	lxw_doc_properties props = { .title = doc_title };
	long long secs;

	for (char *p = doc_title; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	if (w->opt->generated_at &&
	    parse_iso8601(w->opt->generated_at, &secs) == 0)
		props.created = (time_t)secs;
	return lxw.workbook_set_properties(w->wb, &props);
}

/* ==== Standard error while the library runs ==== */

/*
 * libxlsxwriter prints its errors itself ("[ERROR] workbook_close(): ..."),
 * and tempass reports each error once, in its own words. While the
 * library runs, file descriptor 2 points at a memory file; what other
 * threads wrote there meanwhile is passed on afterwards, the library's
 * own lines are dropped. One workbook at a time does this.
 */
struct held_stderr {
	int saved, fd;
};

static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;

static void hold_stderr(struct held_stderr *h)
{
	pthread_mutex_lock(&hold_lock);
	fflush(stderr);
	h->fd = memfd_create("tempass-xlsx-stderr", MFD_CLOEXEC);
	h->saved = h->fd >= 0 ? dup(2) : -1;
	if (h->saved < 0 || dup2(h->fd, 2) < 0) {
		/* Then the library's lines go through as they are. */
		if (h->saved >= 0)
			close(h->saved);
		if (h->fd >= 0)
			close(h->fd);
		h->saved = h->fd = -1;
	}
}

static void release_stderr(struct held_stderr *h)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;

	if (h->fd >= 0) {
		fflush(stderr);
		dup2(h->saved, 2);
		close(h->saved);
		if (lseek(h->fd, 0, SEEK_SET) == 0 &&
		    (fp = fdopen(h->fd, "r"))) {
			while (getline(&line, &cap, fp) > 0)
				if (strncmp(line, "[ERROR]", 7) != 0 &&
				    strncmp(line, "[WARNING]", 9) != 0)
					fputs(line, stderr);
			free(line);
			fclose(fp);
		} else {
			close(h->fd);
		}
	}
	pthread_mutex_unlock(&hold_lock);
}

/* ==== Entry point ==== */

/* The workbook, from an empty file at path to its close. */
static int write_book(struct writer *w, const char *path,
		      const char *const *const *rows, long group_col)
{
	lxw_workbook_options lo = { .constant_memory = LXW_TRUE };
	struct held_stderr held;
	char *tmpdir = tmpdir_beside(w->opt->name ? w->opt->name : path);
	lxw_error err;
	int ret = -1;
	size_t k;

	hold_stderr(&held);
	if (!tmpdir) {
		util_write_failed(errno);
		errorf("cannot write workbook '%s': cannot make a folder for "
		       "its temporary files: %s", w->shown, strerror(errno));
		goto out;
	}
	lo.tmpdir = tmpdir;
	errno = 0;
	w->wb = lxw.workbook_new_opt(path, &lo);
	if (!w->wb) {
		util_write_failed(errno ? errno : ENOMEM);
		errorf("cannot write workbook '%s': %s", w->shown,
		       strerror(errno ? errno : ENOMEM));
		goto out;
	}
	add_formats(w);
	if ((err = set_properties(w, (char *)title(w, NULL)))) {
		lib_failed(w, err);
		goto out;
	}
	for (k = 0; k < w->nsheets; k++)
		if (write_sheet(w, k, rows, group_col))
			goto out;
	ret = 0;
out:
	if (w->wb) {
		/* The file is made at the close, whose result decides. */
		errno = 0;
		err = ret == 0 ? lxw.workbook_close(w->wb) : LXW_NO_ERROR;
		if (ret != 0)
			lxw.lxw_workbook_free(w->wb);
		if (err != LXW_NO_ERROR) {
			int e = errno;

			util_write_failed(e);
			errorf("cannot write workbook '%s': %s", w->shown,
			       e && err != LXW_ERROR_MEMORY_MALLOC_FAILED ?
			       strerror(e) : lxw.lxw_strerror(err));
			ret = -1;
		}
	}
	tmpdir_remove(tmpdir);
	free(tmpdir);
	release_stderr(&held);
	return ret;
}

int xlsx_write(const char *path, const struct xlsx_options *opt,
	       const char *const *cols, size_t ncols,
	       const char *const *const *rows, size_t nrows, long group_col,
	       long password_col)
{
	struct writer w = { 0 };
	int ret = -1, fd;

	ASSERT(loaded);
	ASSERT(path && opt && cols && ncols > 0 && (rows || nrows == 0));
	ASSERT(group_col >= -1 && group_col < (long)ncols);
	ASSERT(password_col >= -1 && password_col < (long)ncols);
	w.shown = opt->name ? opt->name : path;
	w.opt = opt;
	w.cols = cols;
	w.password_col = password_col;
	if (pick_columns(&w, ncols) || check_input(&w, rows, nrows, group_col))
		goto out;

	w.ctype = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	/* Excel reserves this name (for tracking changes). */
	mark_used(&w, "history");
	plan_sheets(&w, rows, nrows, group_col);
	w.widths = xcalloc(w.npick, sizeof(*w.widths));

	/* 0600 before the library opens it: a list of passwords is never
	 * readable by others. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		util_write_failed(errno);
		errorf("cannot write workbook '%s': %s", w.shown,
		       strerror(errno));
		goto out;
	}
	close(fd);
	ret = write_book(&w, path, rows, group_col);
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
	free(w.pick);
	free(w.widths);
	sbuf_release(&w.cell);
	sbuf_release(&w.name);
	sbuf_release(&w.text);
	return ret;
}
