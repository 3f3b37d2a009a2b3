/*
 * collate: the one order of names and groups that every list follows: the
 * PDFs, the workbooks, the per-group files and the listings. Two names
 * that differ only in case, accents or separators ("7A", "7a", "7/A") have
 * the same key, so they sort together and are split as one group; runs of
 * digits compare by value ("7A" before "10A").
 */
#ifndef TEMPASS_COLLATE_H
#define TEMPASS_COLLATE_H

#include <stddef.h>

#include "core/util.h"

/*
 * Appends the sort key of s (len bytes of UTF-8) to out: lower-case ASCII
 * letters transliterated from the Latin letters (translit_ascii()), the
 * bytes of s as they are when it has none (a name in another script),
 * digit runs in a form whose byte order is their numeric order. Keys
 * compare with memcmp(), then by length.
 */
void collate_key(struct sbuf *out, const char *s);

/* The order of two names by their keys: <0, 0 or >0. */
int collate_cmp(const char *a, const char *b);

#endif
