/*
 * csv: reading roster exports and record streams in CSV (RFC 4180 and what
 * MIS exports really send) with libcsv, and writing CSV fields. The only file
 * that includes csv.h from libcsv.
 *
 * The whole input is read into memory first (bounded by max_input), which
 * lets a row with an unterminated quote be rejected on its own and parsing
 * resume at the next physical line instead of the rest of the file vanishing
 * into one field. Rows carry the physical line they start on, since libcsv
 * drops blank lines and folds quoted line breaks.
 */
#ifndef TEMPASS_FORMAT_CSV_H
#define TEMPASS_FORMAT_CSV_H

#include <stddef.h>
#include <stdio.h>

enum csv_encoding { CSV_UTF8, CSV_WINDOWS_1252 };

struct csv_options {
	enum csv_encoding encoding;
	size_t max_field;   /* bytes; 0 = 64 KiB */
	size_t max_input;   /* bytes; 0 = 1 GiB */
};

/*
 * One row. fields are UTF-8 (converted from the declared encoding) and
 * NUL-terminated; an empty field is "". Spaces and tabs around an unquoted
 * field are trimmed; a line break inside a quoted field is "\n" whatever
 * the file used. When error is not NULL the row is bad (invalid bytes in
 * the declared encoding, a UTF-8 field when windows-1252 was declared,
 * field over max_field, unterminated or misplaced quote, NUL byte) and
 * fields hold what could be read, for the rejects file: still valid UTF-8
 * (bad bytes and NULs become U+FFFD), cut to max_field. After an
 * unterminated or misplaced quote, reading resumes on the line after the
 * one the bad row started on. Valid until the next csv_next() or
 * csv_close().
 */
struct csv_row {
	char **fields;
	size_t nfields;
	unsigned long line;   /* physical line the row starts on, from 1 */
	const char *error;    /* NULL, or the reason the row is bad */
};

struct csv_reader;

/*
 * Opens path for reading ("-" reads fp, e.g. stdin, which stays open and
 * the caller's). name is used in messages. A UTF-8 BOM is skipped; UTF-16
 * with its BOM (Excel's "Unicode Text") is read whatever the declared
 * encoding. Returns NULL after reporting ("'<name>': cannot open: ...",
 * input over max_input, invalid UTF-16, a workbook, PDF or archive (see
 * formats/kind.h), a UTF-8 BOM when the encoding is windows-1252).
 * The caller frees with csv_close().
 */
struct csv_reader *csv_open(const char *path, FILE *fp, const char *name,
			    const struct csv_options *opt);
/* Same, over a buffer in memory (copied). */
struct csv_reader *csv_open_mem(const void *data, size_t len,
				const char *name,
				const struct csv_options *opt);
/*
 * Returns 1 and sets *row (owned by r), 0 at end of input, -1 on a fatal
 * error (reported; later calls return -1 too). A bad row is not fatal.
 */
int csv_next(struct csv_reader *r, struct csv_row **row);
/* Frees r and its rows; NULL is fine. */
void csv_close(struct csv_reader *r);

/*
 * Writes one row as RFC 4180 CSV with CRLF line ends. A field is quoted
 * when it holds a comma, quote, CR or LF or starts or ends with a space or
 * tab; a row of one empty field is written as "" so it is not a blank
 * line. NULL fields are written as empty. With neutralise, a field
 * starting with = + - @ TAB or CR is prefixed with a single quote (OWASP
 * CSV-injection advice). Returns 0 or -1 (write error, not reported).
 */
int csv_write_row(FILE *out, const char *const *fields, size_t n,
		  int neutralise);

#endif
