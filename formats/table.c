/*
 * table: aligned text output. All cells live in one growing buffer, each
 * stored already made safe for a terminal, with one offset per cell; widths
 * are kept up to date as rows come in, so printing is a single pass.
 */
#include "formats/table.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct table {
	size_t ncols;
	size_t *width;      /* per column, in code points */
	struct sbuf text;   /* cells, each NUL-terminated */
	size_t *cell;       /* offset of each cell in text, row by row */
	size_t ncells;
	size_t cap;
};

/* Copies s into text made inert for a terminal (sbuf_add_inert()). */
static void add_visible(struct sbuf *text, const char *s)
{
	sbuf_add_inert(text, s, strlen(s));
	sbuf_addch(text, '\0');
}

static void add_row(struct table *t, const char *const *values)
{
	if (t->ncells + t->ncols > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64 * t->ncols;
		t->cell = xrealloc(t->cell, t->cap * sizeof(*t->cell));
	}
	for (size_t i = 0; i < t->ncols; i++) {
		size_t off = t->text.len, w;

		add_visible(&t->text, values[i] ? values[i] : "");
		w = utf8_len(t->text.buf + off);
		if (w > t->width[i])
			t->width[i] = w;
		t->cell[t->ncells++] = off;
	}
}

struct table *table_new(const char *const *header, size_t ncols)
{
	struct table *t = xcalloc(1, sizeof(*t));

	ASSERT(ncols > 0);
	t->ncols = ncols;
	t->width = xcalloc(ncols, sizeof(*t->width));
	add_row(t, header);
	return t;
}

void table_add_row(struct table *t, const char *const *values)
{
	add_row(t, values);
}

int table_print(const struct table *t, FILE *out)
{
	for (size_t c = 0; c < t->ncells; c++) {
		const char *s = t->text.buf + t->cell[c];
		size_t col = c % t->ncols;

		fputs(s, out);
		if (col + 1 < t->ncols) {
			/* Two spaces apart; the last column is not padded. */
			for (size_t n = utf8_len(s); n < t->width[col] + 2; n++)
				putc(' ', out);
		} else {
			putc('\n', out);
		}
	}
	return ferror(out) ? -1 : 0;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	free(t->width);
	free(t->cell);
	sbuf_release(&t->text);
	free(t);
}
