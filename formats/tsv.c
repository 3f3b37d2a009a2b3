/*
 * tsv: escaping, unescaping and splitting of tab-separated values. Runs of
 * plain bytes are copied in one go (strcspn, memchr) because this is the
 * inner loop of every stage that reads or writes the default stream.
 */
#include "formats/tsv.h"

#include <string.h>

#include "core/util.h"

void tsv_escape(struct sbuf *out, const char *s)
{
	for (;;) {
		size_t run = strcspn(s, "\t\n\r\\");

		if (run)
			sbuf_add(out, s, run);
		s += run;
		switch (*s) {
		case '\0':
			return;
		case '\t':
			sbuf_add(out, "\\t", 2);
			break;
		case '\n':
			sbuf_add(out, "\\n", 2);
			break;
		case '\r':
			sbuf_add(out, "\\r", 2);
			break;
		default:
			sbuf_add(out, "\\\\", 2);
			break;
		}
		s++;
	}
}

int tsv_unescape(char *s, char *bad)
{
	char *r = strchr(s, '\\');
	char *w = r;

	if (!r)
		return 0;
	while (*r) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		switch (r[1]) {
		case 't':
			*w++ = '\t';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case '\\':
			*w++ = '\\';
			break;
		default:
			*bad = r[1];
			*w = '\0';
			return -1;
		}
		r += 2;
	}
	*w = '\0';
	return 0;
}

size_t tsv_split(char *line, size_t n, char ***fields, size_t *cap)
{
	char *end = line + n;
	size_t nf = 0;

	for (;;) {
		char *tab = memchr(line, '\t', (size_t)(end - line));

		if (nf == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*fields = xrealloc(*fields, *cap * sizeof(**fields));
		}
		(*fields)[nf++] = line;
		if (!tab)
			return nf;
		*tab = '\0';
		line = tab + 1;
	}
}
