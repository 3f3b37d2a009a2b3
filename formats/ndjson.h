/*
 * ndjson: one flat JSON object a line, the form of the record stream that
 * jq and web tools read. Written values are always strings; read values may
 * also be numbers (kept as written), true/false ("true", "false") or null
 * (""), since other tools emit them. Nested objects and arrays are refused:
 * a record is a row, and flattening someone else's structure by guess would
 * hide data.
 *
 * A parsed object keeps its decoded keys and values in one buffer reused
 * from line to line, so reading costs no allocation per record.
 */
#ifndef TEMPASS_FORMAT_NDJSON_H
#define TEMPASS_FORMAT_NDJSON_H

#include <stddef.h>

#include "core/util.h"

/* Appends s as a JSON string (quoted, escaped; UTF-8 passed through). */
void ndjson_add_string(struct sbuf *out, const char *s);

/*
 * Appends the object {"keys[0]":"values[0]",...} to out, without a line
 * end. A NULL value is written as "".
 */
void ndjson_add_object(struct sbuf *out, const char *const *keys,
		       const char *const *values, size_t n);

/* Offsets into ndjson_object.text, stable while text grows. */
struct ndjson_member {
	size_t key;
	size_t value;
};

struct ndjson_object {
	struct ndjson_member *members;
	size_t n;
	size_t cap;
	struct sbuf text;   /* decoded keys and values, each NUL-terminated */
};
#define NDJSON_OBJECT_INIT { NULL, 0, 0, SBUF_INIT }

/*
 * Parses line (len bytes; need not be NUL-terminated) as one JSON object
 * whose values are strings, numbers, true, false or null, replacing what o
 * held. Returns 0, or -1 with the reason appended to why ("malformed JSON
 * at byte 7: expected ':'"); not reported. Invalid UTF-8 (in a string; a
 * byte over 0x7F is malformed anywhere else), a \u0000 escape
 * (a value is a C string), a lone surrogate and a nested object or array
 * are errors too. Duplicate keys are not looked for: the caller maps keys
 * to its columns and sees them there for free.
 */
int ndjson_parse(struct ndjson_object *o, const char *line, size_t len,
		 struct sbuf *why);

static inline const char *ndjson_key(const struct ndjson_object *o, size_t i)
{
	return o->text.buf + o->members[i].key;
}

static inline const char *ndjson_value(const struct ndjson_object *o,
				       size_t i)
{
	return o->text.buf + o->members[i].value;
}

/* Frees what o holds and leaves it empty. */
void ndjson_object_release(struct ndjson_object *o);

#endif
