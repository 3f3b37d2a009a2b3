/*
 * ndjson: writing and reading one flat JSON object a line. The parser is a
 * small recursive-descent one for exactly the subset a record needs, not a
 * general JSON library: it decodes keys and values straight into the
 * object's reused buffer and stops at the first problem with the byte where
 * it found it, which is what a person fixing a line by hand wants.
 */
#include "formats/ndjson.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ==== Writing ==== */

static const char hexdigits[] = "0123456789abcdef";

/*
 * What each byte means inside a string, one table lookup a byte for the
 * two hot loops of this file. JSON_OUT: escaped when writing (controls,
 * '"', '\\', and DEL so that a value never reaches a terminal raw).
 * JSON_IN: ends a run of plain bytes when reading. JSON_UTF8: the start
 * of a multi-byte sequence to check, so a line is not scanned twice.
 */
enum { JSON_OUT = 1, JSON_IN = 2, JSON_UTF8 = 4, JSON_ESC = 3 };
#define CTL4 JSON_ESC, JSON_ESC, JSON_ESC, JSON_ESC
#define CTL32 CTL4, CTL4, CTL4, CTL4, CTL4, CTL4, CTL4, CTL4
#define HI4 JSON_UTF8, JSON_UTF8, JSON_UTF8, JSON_UTF8
#define HI32 HI4, HI4, HI4, HI4, HI4, HI4, HI4, HI4
static const unsigned char special[256] = {
	CTL32, ['"'] = JSON_ESC, ['\\'] = JSON_ESC, [0x7f] = JSON_OUT,
	[0x80] = HI32, HI32, HI32, HI32,
};

void ndjson_add_string(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *w;

	/* Room for the worst case, every byte as \u00XX, bought once. */
	sbuf_grow(out, 6 * strlen(s) + 2);
	w = out->buf + out->len;
	*w++ = '"';
	for (;; p++) {
		while (!(special[*p] & JSON_OUT))
			*w++ = (char)*p++;
		if (!*p)
			break;
		*w++ = '\\';
		switch (*p) {
		case '"':
		case '\\':
			*w++ = (char)*p;
			break;
		case '\n':
			*w++ = 'n';
			break;
		case '\r':
			*w++ = 'r';
			break;
		case '\t':
			*w++ = 't';
			break;
		default:
			/* The other controls, and DEL: \u00XX. */
			*w++ = 'u';
			*w++ = '0';
			*w++ = '0';
			*w++ = hexdigits[*p >> 4];
			*w++ = hexdigits[*p & 0xf];
			break;
		}
	}
	*w++ = '"';
	*w = '\0';
	out->len = (size_t)(w - out->buf);
}

void ndjson_add_object(struct sbuf *out, const char *const *keys,
		       const char *const *values, size_t n)
{
	sbuf_addch(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_addch(out, ',');
		ndjson_add_string(out, keys[i]);
		sbuf_addch(out, ':');
		ndjson_add_string(out, values[i] ? values[i] : "");
	}
	sbuf_addch(out, '}');
}

/* ==== Reading ==== */

/*
 * The decoded text is written through w into o->text, which ndjson_parse()
 * sizes to the line's length first: nothing decodes longer than its JSON
 * form (quotes or the following ',' or '}' pay for each NUL, escapes only
 * shrink, null becomes ""), so the buffer never moves during a parse and
 * the hot loops need no bounds check of their own.
 */
struct parser {
	const char *start;
	const char *p;
	const char *end;
	char *w;
	struct ndjson_object *o;
	struct sbuf *why;
};

static int malformed(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int malformed(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("tempass: out of memory");
	sbuf_addf(ps->why, "malformed JSON at byte %zu: %s",
		  (size_t)(ps->p - ps->start) + 1, msg);
	free(msg);
	return -1;
}

static inline void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* The next byte, or -1 at the end of the line. */
static inline int peek(const struct parser *ps)
{
	return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static int hex4(struct parser *ps, unsigned *v)
{
	*v = 0;
	if (ps->end - ps->p < 4)
		return malformed(ps, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)ps->p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return malformed(ps, "\\u needs four hex digits");
		*v = (*v << 4) | d;
	}
	ps->p += 4;
	return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xC0 | (cp >> 6));
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xE0 | (cp >> 12));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*w++ = (char)(0xF0 | (cp >> 18));
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*w++ = (char)(0x80 | (cp & 0x3F));
	}
	return w;
}

/* At the 'u' of a \u escape; a surrogate pair is one code point. */
static int unicode_escape(struct parser *ps)
{
	const char *at = ps->p - 1;
	unsigned cp, lo;

	ps->p++;
	if (hex4(ps, &cp) < 0)
		return -1;
	if (cp >= 0xDC00 && cp <= 0xDFFF) {
		ps->p = at;
		return malformed(ps, "lone low surrogate \\u%04x", cp);
	}
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' ||
		    ps->p[1] != 'u') {
			ps->p = at;
			return malformed(ps, "lone high surrogate \\u%04x", cp);
		}
		ps->p += 2;
		if (hex4(ps, &lo) < 0)
			return -1;
		if (lo < 0xDC00 || lo > 0xDFFF) {
			ps->p = at;
			return malformed(ps, "lone high surrogate \\u%04x", cp);
		}
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp == 0) {
		sbuf_addf(ps->why, "\\u0000 at byte %zu: a value cannot hold "
			  "a NUL character", (size_t)(at - ps->start) + 1);
		return -1;
	}
	ps->w = put_utf8(ps->w, cp);
	return 0;
}

/* A string at ps->p, decoded with its NUL. */
static int string(struct parser *ps)
{
	if (peek(ps) != '"')
		return malformed(ps, "expected a string");
	ps->p++;
	for (;;) {
		const char *run = ps->p;
		unsigned char c;

		/* Locals: stores through ps->w could alias ps itself. */
		while (run < ps->end &&
		       !(special[(unsigned char)*run] & (JSON_IN | JSON_UTF8)))
			run++;
		memcpy(ps->w, ps->p, (size_t)(run - ps->p));
		ps->w += run - ps->p;
		ps->p = run;
		if (ps->p == ps->end)
			return malformed(ps, "unterminated string");
		c = (unsigned char)*ps->p;
		if (c >= 0x80) {
			size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;

			if ((size_t)(ps->end - ps->p) < n ||
			    !utf8_valid(ps->p, n)) {
				sbuf_addf(ps->why, "invalid UTF-8 at byte %zu",
					  (size_t)(ps->p - ps->start) + 1);
				return -1;
			}
			memcpy(ps->w, ps->p, n);
			ps->w += n;
			ps->p += n;
			continue;
		}
		if (c == '"') {
			ps->p++;
			*ps->w++ = '\0';
			return 0;
		}
		if (c != '\\')
			return malformed(ps, "control character 0x%02x in a "
					 "string must be escaped", c);
		ps->p++;
		switch (peek(ps)) {
		case '"':
		case '\\':
		case '/':
			*ps->w++ = *ps->p;
			break;
		case 'b':
			*ps->w++ = '\b';
			break;
		case 'f':
			*ps->w++ = '\f';
			break;
		case 'n':
			*ps->w++ = '\n';
			break;
		case 'r':
			*ps->w++ = '\r';
			break;
		case 't':
			*ps->w++ = '\t';
			break;
		case 'u':
			if (unicode_escape(ps) < 0)
				return -1;
			continue;
		default:
			ps->p--;
			return malformed(ps, "bad escape in a string");
		}
		ps->p++;
	}
}

static int digits(struct parser *ps)
{
	const char *from = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > from ? 0 : malformed(ps, "expected a digit");
}

/* A number is kept as written: a record holds text, not doubles. */
static int number(struct parser *ps)
{
	const char *from = ps->p;

	if (peek(ps) == '-')
		ps->p++;
	if (peek(ps) == '0')
		ps->p++;
	else if (digits(ps) < 0)
		return -1;
	if (peek(ps) == '.') {
		ps->p++;
		if (digits(ps) < 0)
			return -1;
	}
	if (peek(ps) == 'e' || peek(ps) == 'E') {
		ps->p++;
		if (peek(ps) == '+' || peek(ps) == '-')
			ps->p++;
		if (digits(ps) < 0)
			return -1;
	}
	memcpy(ps->w, from, (size_t)(ps->p - from));
	ps->w += ps->p - from;
	*ps->w++ = '\0';
	return 0;
}

static int literal(struct parser *ps, const char *word, const char *value)
{
	size_t n = strlen(word), vn = strlen(value);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return malformed(ps, "expected a value");
	ps->p += n;
	memcpy(ps->w, value, vn + 1);
	ps->w += vn + 1;
	return 0;
}

static int value(struct parser *ps, const char *key)
{
	switch (peek(ps)) {
	case '"':
		return string(ps);
	case 't':
		return literal(ps, "true", "true");
	case 'f':
		return literal(ps, "false", "false");
	case 'n':
		return literal(ps, "null", "");
	case '{':
	case '[':
		sbuf_addf(ps->why, "value of '%s' is %s: only flat objects "
			  "of strings, numbers, true, false and null are read",
			  key, *ps->p == '{' ? "an object" : "an array");
		return -1;
	case '-':
		return number(ps);
	default:
		if (peek(ps) >= '0' && peek(ps) <= '9')
			return number(ps);
		return malformed(ps, "expected a value");
	}
}

static int member(struct parser *ps)
{
	struct ndjson_object *o = ps->o;
	struct ndjson_member *m;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->members = xrealloc(o->members,
				      o->cap * sizeof(*o->members));
	}
	m = &o->members[o->n];
	m->key = (size_t)(ps->w - o->text.buf);
	if (string(ps) < 0)
		return -1;
	skip_ws(ps);
	if (peek(ps) != ':')
		return malformed(ps, "expected ':' after a key");
	ps->p++;
	skip_ws(ps);
	m->value = (size_t)(ps->w - o->text.buf);
	if (value(ps, o->text.buf + m->key) < 0)
		return -1;
	o->n++;
	return 0;
}

static int object(struct parser *ps)
{
	skip_ws(ps);
	if (peek(ps) != '{')
		return malformed(ps, "expected '{': a record is one object "
				 "a line");
	ps->p++;
	skip_ws(ps);
	if (peek(ps) == '}') {
		ps->p++;
	} else {
		for (;;) {
			if (member(ps) < 0)
				return -1;
			skip_ws(ps);
			if (peek(ps) == '}') {
				ps->p++;
				break;
			}
			if (peek(ps) != ',')
				return malformed(ps, "expected ',' or '}'");
			ps->p++;
			skip_ws(ps);
		}
	}
	skip_ws(ps);
	if (ps->p != ps->end)
		return malformed(ps, "text after the object");
	return 0;
}

int ndjson_parse(struct ndjson_object *o, const char *line, size_t len,
		 struct sbuf *why)
{
	struct parser ps = { line, line, line + len, NULL, o, why };
	int rc;

	o->n = 0;
	sbuf_reset(&o->text);
	sbuf_grow(&o->text, len + 1);
	ps.w = o->text.buf;
	rc = object(&ps);
	ASSERT(ps.w <= o->text.buf + len + 1);
	if (rc < 0) {
		o->n = 0;
		return -1;
	}
	o->text.len = (size_t)(ps.w - o->text.buf);
	return 0;
}

void ndjson_object_release(struct ndjson_object *o)
{
	free(o->members);
	sbuf_release(&o->text);
	o->members = NULL;
	o->n = o->cap = 0;
}
