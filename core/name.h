/*
 * name: the one rule for a person's name that comes from outside (a roster,
 * a record stream, a store filled before the rule). Characters that break
 * lines, ring, move the cursor or reorder text are taken out, once, where the
 * name comes in, so every output (PDF, workbook, email, stream) gets the
 * same name and no writer has to refuse a pupil later.
 *
 * Taken out: C0 controls, DEL, C1 controls, U+2028 and U+2029, and the
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069). Kept: everything else, the zero-width joiner and
 * non-joiner (U+200D, U+200C) among it, which Persian and Indic names need.
 */
#ifndef TEMPASS_NAME_H
#define TEMPASS_NAME_H

#include <stddef.h>

#include "core/util.h"

/* 1 when the code point cp may not be part of a name, else 0. */
int name_forbidden(unsigned cp);

/*
 * 1 when name_clean() would remove nothing from s, found without a copy:
 * a caller that names the place in its warning need not build the name
 * of the place for the names that are clean, which are nearly all.
 */
int name_is_clean(const char *s);

/*
 * Writes the name s (valid UTF-8) without its forbidden characters into out
 * (reset first). A removed tab, line or paragraph break becomes a space;
 * when anything was removed, runs of spaces then become one and the ends
 * are trimmed. When nothing was removed, out holds s byte for byte.
 * Returns how many code points were removed; *first (when not NULL) gets
 * the first of them.
 */
size_t name_clean(const char *s, struct sbuf *out, unsigned *first);

/*
 * The same for a name in place (its cleaned form is never longer), with a
 * warning "<where>: <what> held N control character(s) (first U+XXXX);
 * removed" when anything was removed. Returns what name_clean() returns.
 */
size_t name_clean_warn(char *s, const char *where, const char *what);

#endif
