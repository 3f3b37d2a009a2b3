/*
 * xlsx: Excel workbooks of a batch with libxlsxwriter (1.1.4), one sheet
 * per group: a title row (site, group, batch version, generation time), a
 * bold header row kept in view and filtered, then one row per user, every
 * value a string. The only file that includes xlsxwriter.h.
 *
 * The one design choice: the input is checked in full before the file is
 * touched, and each group is read twice (column widths, then the rows),
 * since in constant-memory mode a row, once passed, cannot be changed and
 * a workbook that fails halfway is worthless. Invalid UTF-8, which
 * libxlsxwriter would copy into the XML and so make a file Excel refuses,
 * fails the whole call, naming the row and column; it is not replaced
 * with U+FFFD, as a list of passwords with altered names is worse than
 * none.
 *
 * What libxlsxwriter leaves to its caller is done here: sheet names are
 * made valid and unique ignoring case beyond ASCII (towlower_l() with a
 * C.UTF-8 locale object: the process locale is never set, as libxlsxwriter
 * prints numbers with %.16G); a value longer than a cell holds is cut with
 * a warning; text that Excel would decode as an escape (_x0041_) and the
 * characters XML cannot hold (U+FFFE, U+FFFF) are written escaped, so
 * Excel shows the value as given. libxlsxwriter escapes control
 * characters itself. Each sheet keeps a temporary file open until the
 * workbook is closed: a workbook needs one file descriptor per group.
 */
#include "formats/xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>
#include <xlsxwriter.h>

#include "core/hmap.h"
#include "core/util.h"

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

struct writer {
	const char *shown;      /* the file as messages name it */
	const struct xlsx_options *opt;
	const char *const *cols;
	size_t ncols;
	long password_col;

	lxw_workbook *wb;
	lxw_format *title_fmt;
	lxw_format *header_fmt;
	lxw_format *mono_fmt;

	locale_t ctype;         /* C.UTF-8 for case folding, or 0 */
	struct hmap used;       /* case-folded names of the sheets so far */
	struct hmap next_k;     /* folded base name: next suffix to try */
	struct arena keys;      /* the keys of both maps */
	double *widths;
	struct sbuf cell;       /* a value being escaped or cut */
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

/* ==== Cells ==== */

/*
 * Whether v needs escaping or cutting: rare, so the common value is
 * passed to libxlsxwriter as it is. A value of at most CELL_MAX bytes has
 * at most CELL_MAX UTF-16 units.
 */
static int needs_care(const char *v, size_t len)
{
	const unsigned char *p;

	if (len > CELL_MAX)
		return 1;
	for (p = (const unsigned char *)v; *p; p++) {
		if (*p == '_' && p[1] == 'x')
			return 1;
		if (*p == 0xEF && p[1] == 0xBF && (p[2] & 0xFE) == 0xBE)
			return 1;
	}
	return 0;
}

/*
 * Copies v into w->cell escaped for Excel and cut to what a cell holds:
 * CELL_MAX UTF-16 units of the value as shown, and CELL_MAX characters of
 * the escaped text (libxlsxwriter's own check). Returns 1 when it cut.
 */
static int prepare_value(struct writer *w, const char *v)
{
	size_t shown = 0, written = 0;
	unsigned cp;
	int n;

	sbuf_reset(&w->cell);
	while (*v) {
		n = utf8_decode(v, &cp);
		if (cp == 0xFFFE || cp == 0xFFFF || looks_escaped(v)) {
			if (shown + 1 > CELL_MAX || written + 7 > CELL_MAX)
				return 1;
			if (cp == '_')
				sbuf_addstr(&w->cell, "_x005F_");
			else
				sbuf_addf(&w->cell, "_x%04X_", cp);
			shown++;
			written += 7;
		} else {
			if (shown + units(cp) > CELL_MAX ||
			    written + 1 > CELL_MAX)
				return 1;
			sbuf_add(&w->cell, v, (size_t)n);
			shown += units(cp);
			written++;
		}
		v += n;
	}
	return 0;
}

static int lxw_failed(struct writer *w, lxw_error err)
{
	errorf("cannot write workbook '%s': %s", w->shown, lxw_strerror(err));
	return -1;
}

/*
 * Writes one string cell. rec is the record the value comes from (1 for
 * rows[0]), or 0 for the title and header rows: it names the cell in the
 * warning when the value is cut.
 */
static int put(struct writer *w, lxw_worksheet *ws, lxw_row_t row,
	       lxw_col_t col, const char *v, lxw_format *fmt, size_t rec)
{
	lxw_error err;
	size_t len;

	if (!v || !*v)
		return 0;
	len = strlen(v);
	if (needs_care(v, len)) {
		int cut = prepare_value(w, v);

		if (cut && rec)
			warnf("'%s': row %zu, column '%s': value cut to the "
			      "%d characters a cell holds", w->shown, rec,
			      w->cols[col] ? w->cols[col] : "", CELL_MAX);
		else if (cut)
			warnf("'%s': heading cut to the %d characters a cell "
			      "holds", w->shown, CELL_MAX);
		v = sbuf_str(&w->cell);
	}
	err = worksheet_write_string(ws, row, col, v, fmt);
	if (err != LXW_NO_ERROR)
		return lxw_failed(w, err);
	return 0;
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

/* Everything libxlsxwriter would choke on, before any file is made. */
static int check_input(struct writer *w, const char *const *const *rows,
		       size_t nrows, long group_col)
{
	const struct xlsx_options *opt = w->opt;
	size_t r, c, start, end;
	struct stat st;

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
	/* libxlsxwriter silently falls back to /tmp, which may be small. */
	if (opt->tmpdir && *opt->tmpdir) {
		const char *why = NULL;

		if (stat(opt->tmpdir, &st) != 0)
			why = strerror(errno);
		else if (!S_ISDIR(st.st_mode))
			why = "not a folder";
		else if (access(opt->tmpdir, W_OK | X_OK) != 0)
			why = strerror(errno);
		if (why) {
			errorf("cannot write workbook '%s': temporary folder "
			       "'%s': %s", w->shown, opt->tmpdir, why);
			return -1;
		}
	}
	return 0;
}

/* ==== Writing a sheet ==== */

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

/* Adds the sheet of one group and writes its rows [start, end). */
static int write_sheet(struct writer *w, const char *const *const *rows,
		       size_t start, size_t end, long group_col)
{
	const char *group = group_col >= 0 && start < end ?
			    value(rows, start, group_col) : NULL;
	lxw_row_t last = (lxw_row_t)(HEAD_ROWS - 1 + (end - start));
	lxw_worksheet *ws;
	lxw_error err;
	size_t r, c;

	sheet_name(w, group ? group : UNGROUPED_NAME);
	err = workbook_validate_sheet_name(w->wb, sbuf_str(&w->name));
	if (err != LXW_NO_ERROR)
		return lxw_failed(w, err);
	errno = 0;
	ws = workbook_add_worksheet(w->wb, sbuf_str(&w->name));
	if (!ws) {
		/* The name was valid: its temporary file failed. */
		errorf("cannot write workbook '%s': sheet '%s': %s", w->shown,
		       sbuf_str(&w->name), strerror(errno ? errno : EIO));
		return -1;
	}

	/* Everything about the sheet before its rows: constant-memory mode
	 * writes each row out as soon as the next begins. */
	measure(w, rows, start, end);
	for (c = 0; c < w->ncols; c++) {
		err = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
					   w->widths[c], NULL);
		if (err != LXW_NO_ERROR)
			return lxw_failed(w, err);
	}
	worksheet_freeze_panes(ws, HEAD_ROWS, 0);
	err = worksheet_autofilter(ws, HEAD_ROWS - 1, 0, last,
				   (lxw_col_t)(w->ncols - 1));
	if (err != LXW_NO_ERROR)
		return lxw_failed(w, err);
	/* Every printed page shows the batch and the column names. */
	err = worksheet_repeat_rows(ws, 0, HEAD_ROWS - 1);
	if (err != LXW_NO_ERROR)
		return lxw_failed(w, err);
	worksheet_set_landscape(ws);
	worksheet_fit_to_pages(ws, 1, 0);

	if (put(w, ws, 0, 0, title(w, group), w->title_fmt, 0))
		return -1;
	for (c = 0; c < w->ncols; c++)
		if (put(w, ws, 1, (lxw_col_t)c, w->cols[c], w->header_fmt, 0))
			return -1;
	for (r = start; r < end; r++)
		for (c = 0; c < w->ncols; c++)
			if (put(w, ws, (lxw_row_t)(HEAD_ROWS + r - start),
				(lxw_col_t)c, rows[r][c],
				(long)c == w->password_col ? w->mono_fmt :
							     NULL, r + 1))
				return -1;
	return 0;
}

/* ==== Entry point ==== */

static lxw_format *new_format(lxw_workbook *wb)
{
	lxw_format *f = workbook_add_format(wb);

	if (!f)
		die("tempass: out of memory");
	return f;
}

int xlsx_write(const char *path, const struct xlsx_options *opt,
	       const char *const *cols, size_t ncols,
	       const char *const *const *rows, size_t nrows, long group_col,
	       long password_col)
{
	struct writer w = { 0 };
	lxw_workbook_options lo = { 0 };
	lxw_doc_properties props = { 0 };
	long long t;
	size_t start, end;
	lxw_error err;
	int ret = -1, fd;

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

	/* Made here, 0600, so that a missing folder is reported once and
	 * a list of passwords is never readable by others. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		errorf("cannot write workbook '%s': %s", w.shown,
		       strerror(errno));
		return -1;
	}
	close(fd);

	w.ctype = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	w.widths = xcalloc(ncols, sizeof(*w.widths));
	/* Excel reserves this name (for tracking changes). */
	mark_used(&w, "history");

	lo.constant_memory = LXW_TRUE;
	/* libxlsxwriter copies the folder name; it never writes to it. */
	lo.tmpdir = opt->tmpdir && *opt->tmpdir ? (char *)opt->tmpdir : NULL;
	w.wb = workbook_new_opt(path, &lo);
	if (!w.wb)
		die("tempass: out of memory");
	/* The document's title and creation time are the batch's, so the
	 * same batch makes the same workbook, not one dated by the clock. */
	props.title = (char *)title(&w, NULL);
	if (opt->generated_at && parse_iso8601(opt->generated_at, &t) == 0)
		props.created = (time_t)t;
	if (workbook_set_properties(w.wb, &props) != LXW_NO_ERROR)
		die("tempass: out of memory");
	w.title_fmt = new_format(w.wb);
	format_set_bold(w.title_fmt);
	format_set_font_size(w.title_fmt, 13);
	w.header_fmt = new_format(w.wb);
	format_set_bold(w.header_fmt);
	format_set_bottom(w.header_fmt, LXW_BORDER_THIN);
	w.mono_fmt = new_format(w.wb);
	format_set_font_name(w.mono_fmt, MONO_FONT);

	if (nrows == 0) {
		if (write_sheet(&w, rows, 0, 0, group_col))
			goto out;
	}
	for (start = 0; start < nrows; start = end) {
		end = group_end(rows, nrows, start, group_col);
		if (write_sheet(&w, rows, start, end, group_col))
			goto out;
	}
	ret = 0;
out:
	/* Frees the workbook whatever happened, and writes it. */
	err = workbook_close(w.wb);
	if (err != LXW_NO_ERROR && ret == 0)
		ret = lxw_failed(&w, err);
	if (ret != 0) {
		/* Emptied first: path may name a caller's unnamed file
		 * (/proc/self/fd/N), which cannot be unlinked. */
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	if (w.ctype)
		freelocale(w.ctype);
	hmap_release(&w.used);
	hmap_release(&w.next_k);
	arena_release(&w.keys);
	free(w.widths);
	sbuf_release(&w.cell);
	sbuf_release(&w.name);
	sbuf_release(&w.text);
	return ret;
}
