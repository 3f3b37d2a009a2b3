/*
 * xlsx: Excel workbooks of a batch with libxlsxwriter, one sheet per group,
 * for the teacher who wants a spreadsheet rather than paper. The only file
 * that includes xlsxwriter.h.
 *
 * Every value is written as a string, never as a formula or number, so a
 * name such as =HYPERLINK(...) stays text; workbooks are written in
 * constant-memory mode, row after row, so 100,000 users need little memory.
 */
#ifndef TEMPASS_FORMAT_XLSX_H
#define TEMPASS_FORMAT_XLSX_H

#include <stddef.h>

struct xlsx_options {
	const char *site_name;
	const char *version;         /* batch version for the title row */
	const char *generated_at;
	const char *tmpdir;          /* libxlsxwriter's temporary files */
};

/*
 * Writes a workbook to path (the caller's temporary name: the caller
 * renames it when complete). cols are the column names; rows[i] holds
 * ncols values. Rows come sorted by the group column (group_col); a new
 * sheet starts whenever its value changes, named after the group (made
 * valid: at most 31 characters, none of []:*?/\, no outer ', unique
 * ignoring case, never empty). password_col (or -1) is set in a monospace
 * font. Returns 0, or -1 after reporting.
 */
int xlsx_write(const char *path, const struct xlsx_options *opt,
	       const char *const *cols, size_t ncols,
	       const char *const *const *rows, size_t nrows, long group_col,
	       long password_col);

#endif
