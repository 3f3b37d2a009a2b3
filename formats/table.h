/*
 * table: records as an aligned text table for a person at a terminal, a
 * header row then one row a record, columns two spaces apart. Widths are
 * counted in terminal cells, whatever the locale: a CJK or Hangul
 * character takes two, a combining mark or a zero-width joiner none, so
 * 王小明, Nguyễn and Zoë line up with ASCII names.
 *
 * Every row is kept until table_print(), since no column width is known
 * before the last row. Control characters in values are shown as escapes
 * (\t, \n, \x1b, \u202e ...; see sbuf_add_inert()): a value must neither
 * break the layout, reorder what follows it nor send commands to the
 * terminal.
 */
#ifndef TEMPASS_FORMAT_TABLE_H
#define TEMPASS_FORMAT_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table;

/* A table with the given header (copied); ncols at least 1. */
struct table *table_new(const char *const *header, size_t ncols);
/* Adds a row of ncols values (copied); NULL is shown empty. */
void table_add_row(struct table *t, const char *const *values);
/* Writes the table to out. Returns 0, or -1 on write error (not reported). */
int table_print(const struct table *t, FILE *out);
/* Frees t; NULL is allowed. */
void table_free(struct table *t);

#endif
