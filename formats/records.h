/*
 * records: the stream between stages. A header line names the columns, one
 * record a line after it, in TSV (default), CSV or NDJSON. Columns are
 * addressed by name, never by position, and a stage passes through the
 * columns it does not know, so a user can add one with awk and still find it
 * at the end of the pipeline.
 *
 * TSV escapes \t \n \r and \\ inside values; CSV is RFC 4180; NDJSON is one
 * flat JSON object of strings a line. "table" is an aligned, human-readable
 * form for terminals only (never read back).
 */
#ifndef TEMPASS_RECORDS_H
#define TEMPASS_RECORDS_H

#include <stddef.h>
#include <stdio.h>

enum rec_format { REC_TSV, REC_CSV, REC_NDJSON, REC_TABLE, REC_AUTO };

/* Parses "tsv", "csv", "ndjson", "table"; -1 when unknown (not reported). */
int rec_format_parse(const char *s, enum rec_format *f);

/* ==== Writing ==== */

struct rec_writer;

/*
 * Starts a stream on out with the given columns (copied). The header is
 * written at once for TSV and CSV; REC_TABLE buffers everything until
 * rec_writer_close() to align columns. REC_AUTO is not allowed here.
 */
struct rec_writer *rec_writer_new(FILE *out, enum rec_format f,
				  const char *const *columns, size_t ncols);
/* Writes one record: values[i] belongs to column i; NULL is written empty. */
int rec_write(struct rec_writer *w, const char *const *values);
/* Flushes (and aligns a table); frees w. Returns 0, or -1 on write error. */
int rec_writer_close(struct rec_writer *w);

/* ==== Reading ==== */

struct rec_reader;

/*
 * Reads a stream from in; name is used in messages ("<stdin>"). REC_AUTO
 * detects the format from the first line: '{' is NDJSON, a tab in the
 * header is TSV, otherwise CSV. Returns NULL after reporting (empty input,
 * malformed header, a column named twice: then the message says what the
 * first line holds, as one whose header was dropped holds a record).
 */
struct rec_reader *rec_reader_new(FILE *in, const char *name,
				  enum rec_format f);
size_t rec_ncols(const struct rec_reader *r);
const char *rec_colname(const struct rec_reader *r, size_t i);
/* The index of the named column, or -1 when absent. */
long rec_column(const struct rec_reader *r, const char *name);
/*
 * Reads the next record into *values (rec_ncols() strings, "" when absent
 * in an NDJSON object, each valid UTF-8, as every column name is), valid
 * until the next call. Returns 1, 0 at end of
 * input, -1 after reporting "<name>:<line>: <why>" (wrong number of fields,
 * bad escape, invalid UTF-8, malformed JSON).
 */
int rec_read(struct rec_reader *r, const char *const **values);
/* Line number of the last record read. */
unsigned long rec_line(const struct rec_reader *r);
/*
 * Asks that the values rec_read() hands out from now on stay valid, and
 * writable in place, until rec_reader_free() (which wipes them), not only
 * until the next call. Returns 1 when they do (TSV: they point into the
 * input read, which is then kept, not copied), 0 when they do not (CSV,
 * NDJSON: the caller copies what it keeps).
 */
int rec_reader_keep(struct rec_reader *r);
void rec_reader_free(struct rec_reader *r);

/*
 * "the first line is read as the header and holds 'a', 'b', ... and N
 * more", for a message about a column that is missing: a stream whose
 * header a grep dropped shows its first record here. Caller frees.
 */
char *rec_header_found(const char *const *cols, size_t ncols);
/* The same for the header r read. */
char *rec_reader_found(const struct rec_reader *r);

#endif
