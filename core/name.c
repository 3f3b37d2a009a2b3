/*
 * name: the one rule for names from outside; see name.h. The cleaned form
 * is never longer than the original, so callers may clean in place.
 */
#include "core/name.h"

#include <string.h>

int name_forbidden(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	       cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Removed characters that separated words: a space keeps them apart. */
static int separates(unsigned cp)
{
	return cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' ||
	       cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

/* The code point at s and its bytes; a sequence cut by the string's end
 * is not UTF-8 after all: its first byte is kept, as it was (U+FFFD). */
static int next_cp(const char *s, unsigned *cp)
{
	unsigned char c = (unsigned char)s[0];
	int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;

	/* Looked at before decoding: utf8_decode() reads all n bytes. */
	for (int i = 1; i < n; i++) {
		if (!s[i]) {
			*cp = 0xFFFD;
			return 1;
		}
	}
	return utf8_decode(s, cp);
}

int name_is_clean(const char *s)
{
	while (*s) {
		unsigned cp;
		int n;

		/* Printable ASCII is never forbidden. */
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7F) {
			s++;
			continue;
		}
		n = next_cp(s, &cp);
		if (name_forbidden(cp))
			return 0;
		s += n;
	}
	return 1;
}

size_t name_clean(const char *s, struct sbuf *out, unsigned *first)
{
	size_t removed = 0;

	sbuf_reset(out);
	sbuf_add(out, "", 0);
	while (*s) {
		unsigned cp;
		int n;

		n = next_cp(s, &cp);
		if (!name_forbidden(cp)) {
			sbuf_add(out, s, (size_t)n);
		} else {
			if (!removed && first)
				*first = cp;
			removed++;
			if (separates(cp))
				sbuf_addch(out, ' ');
		}
		s += n;
	}
	if (removed) {
		/* Collapse runs of spaces and trim the ends. */
		size_t w = 0;

		for (size_t r = 0; r < out->len; r++) {
			if (out->buf[r] == ' ' &&
			    (w == 0 || out->buf[w - 1] == ' '))
				continue;
			out->buf[w++] = out->buf[r];
		}
		while (w > 0 && out->buf[w - 1] == ' ')
			w--;
		out->len = w;
		out->buf[w] = '\0';
	}
	return removed;
}

size_t name_clean_warn(char *s, const char *where, const char *what)
{
	struct sbuf sb = SBUF_INIT;
	unsigned first = 0;
	size_t removed;

	if (name_is_clean(s))
		return 0;
	removed = name_clean(s, &sb, &first);

	if (removed) {
		memcpy(s, sb.buf, sb.len + 1);
		warnf("%s: %s held %zu control character(s) (first U+%04X); "
		      "removed", where, what, removed, first);
	}
	sbuf_release(&sb);
	return removed;
}
