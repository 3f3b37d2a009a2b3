/*
 * xlsx: Excel workbooks of a batch, one sheet per group, for the teacher
 * who wants a spreadsheet rather than paper.
 *
 * libxlsxwriter writes them. Every value is written as a string, never
 * as a formula or number, so a name such as =HYPERLINK(...) stays text;
 * rows go to the library's temporary files as they are written
 * (constant_memory), so 100,000 users need little memory.
 */
#ifndef TEMPASS_FORMAT_XLSX_H
#define TEMPASS_FORMAT_XLSX_H

#include <stddef.h>

/* The soname xlsx_load() opens, and the Debian package that ships it. */
#define XLSX_LIB "libxlsxwriter.so.4"
#define XLSX_LIB_PACKAGE "libxlsxwriter4"

struct xlsx_options {
	const char *site_name;
	const char *version;         /* batch version for the title row */
	const char *generated_at;    /* "2026-09-03T08:14:00Z", shown as
				      * "2026-09-03 08:14 UTC"; other text
				      * as given */
	const char *name;            /* the file as messages name it (the
				      * final name); NULL for path */
	const char *const *columns;  /* the columns to write, by name, in
				      * order; those the records lack are
				      * left out; NULL: every column */
	size_t ncolumns;
	int utf8_checked;            /* the caller has checked that every
				      * value and column name is valid
				      * UTF-8: not checked again */
};

/*
 * Loads libxlsxwriter, which tempass is not linked with: only a process
 * that writes a workbook pays for it. 0, or -1 after reporting the soname
 * and its Debian package. Needed before xlsx_write(); safe to call again.
 */
int xlsx_load(void);

/*
 * Writes a workbook to path (the caller's temporary name: the caller
 * renames it when complete; made 0600 when it does not exist). cols are
 * the column names; rows[i] holds ncols values, NULL read as "" (rows may
 * be NULL when nrows is 0); opt->columns picks those written. Rows come sorted by the group column
 * (group_col, or -1 for a single sheet "Users"); a new sheet starts
 * whenever its value changes, named after the group (made valid: at most
 * 31 characters, none of []:*?/\, no outer ', unique ignoring case
 * ("7A (2)"), never empty: "Group" for an empty value). Each sheet starts
 * with a title row (site, group, batch version, generation time) and the
 * header row. group_col and password_col are indices into cols, whether
 * written or not; password_col (or -1) is set in a monospace font.
 *
 * Every string given must be valid UTF-8: otherwise nothing is written
 * and the row and column are reported. A value longer than a cell holds
 * (32,767 characters) is cut, with a warning. Returns 0, or -1 after
 * reporting; then path holds no workbook (emptied and removed if writing
 * had begun).
 */
int xlsx_write(const char *path, const struct xlsx_options *opt,
	       const char *const *cols, size_t ncols,
	       const char *const *const *rows, size_t nrows, long group_col,
	       long password_col);

#endif
