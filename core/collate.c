/*
 * collate: sort keys for names and groups, shared by emit, run and the
 * store's listings (which register collate_cmp() as a collation), so a
 * list sorts and splits the same way wherever it is made.
 */
#include "core/collate.h"

#include <ctype.h>
#include <string.h>

#include "core/translit.h"

/*
 * Appends s to sb in a form whose byte order (memcmp) is natural order on
 * it: "Year 7" before "Year 10". A run of digits becomes '0' (which orders
 * against any other byte as every digit does), the number of its digits
 * without leading zeros in two bytes, then those digits: runs compare by
 * value, and "007" as "7". One memcmp per comparison keeps the sort of a
 * whole site quick.
 */
static void natural_key(struct sbuf *sb, const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *d;
		size_t n;

		if (!isdigit((unsigned char)*s)) {
			const char *p = s;

			while (p < end && !isdigit((unsigned char)*p))
				p++;
			sbuf_add(sb, s, (size_t)(p - s));
			s = p;
			continue;
		}
		while (s < end && *s == '0')
			s++;
		for (d = s; d < end && isdigit((unsigned char)*d); d++)
			;
		n = (size_t)(d - s);
		/* Beyond 65,535 digits, runs compare as that long. */
		sbuf_addch(sb, '0');
		sbuf_addch(sb, (char)((n > 0xFFFF ? 0xFFFF : n) >> 8));
		sbuf_addch(sb, (char)((n > 0xFFFF ? 0xFFFF : n) & 0xFF));
		sbuf_add(sb, s, n);
		s = d;
	}
}

void collate_key(struct sbuf *out, const char *s)
{
	size_t start = out->len;
	struct sbuf folded = SBUF_INIT;

	/* Case, accents and separators fall away here, in out itself. */
	if (translit_ascii(out, s) == 0)
		sbuf_addstr(out, s);
	/* Digit runs are written again from a copy: most names have none. */
	for (size_t i = start; i < out->len; i++) {
		if (isdigit((unsigned char)out->buf[i])) {
			sbuf_add(&folded, out->buf + start, out->len - start);
			out->len = start;
			natural_key(out, folded.buf, folded.len);
			sbuf_release(&folded);
			break;
		}
	}
}

int collate_cmp(const char *a, const char *b)
{
	struct sbuf ka = SBUF_INIT, kb = SBUF_INIT;
	int c;

	collate_key(&ka, a);
	collate_key(&kb, b);
	c = memcmp(ka.buf ? ka.buf : "", kb.buf ? kb.buf : "",
		   ka.len < kb.len ? ka.len : kb.len);
	if (c == 0)
		c = (ka.len > kb.len) - (ka.len < kb.len);
	sbuf_release(&ka);
	sbuf_release(&kb);
	return c;
}
