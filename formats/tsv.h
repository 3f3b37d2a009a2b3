/*
 * tsv: the value encoding of tab-separated records. A value is written with
 * tab, line feed, carriage return and backslash as the two-character
 * sequences \t \n \r \\, so one record is always one physical line and a
 * field never holds a tab; that is what lets `cut`, `sort` and `awk -F'\t'`
 * work on the stream. No other escape exists: anything else after a
 * backslash is an error rather than a guess.
 *
 * Decoding works in place on a line the caller owns: an escape is never
 * shorter than what it stands for, so no allocation per value is needed.
 */
#ifndef TEMPASS_FORMAT_TSV_H
#define TEMPASS_FORMAT_TSV_H

#include <stddef.h>

struct sbuf;

/* Appends s to out, escaped. */
void tsv_escape(struct sbuf *out, const char *s);

/*
 * Decodes the escapes of the NUL-terminated value s in place. Returns 0, or
 * -1 with *bad set to the character after the offending backslash ('\0'
 * when the value ends in a lone backslash); s is then partly decoded.
 */
int tsv_unescape(char *s, char *bad);

/*
 * Splits line (n bytes, NUL-terminated at line[n]) in place at every tab,
 * which becomes a NUL, and points (*fields)[i] at field i. *fields is grown
 * as needed, *cap tracking its size; the caller keeps it across lines and
 * frees it. Returns the number of fields, at least 1.
 */
size_t tsv_split(char *line, size_t n, char ***fields, size_t *cap);

#endif
