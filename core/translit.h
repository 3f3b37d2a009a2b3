/*
 * translit: names to login-safe ASCII. Usernames are lower-case ASCII made
 * from real names in any Latin script and common others: Zoë -> zoe,
 * Łukasz -> lukasz, Nguyễn -> nguyen, Siobhán -> siobhan, Ó Súilleabháin ->
 * osuilleabhain, Müller -> muller, Øyvind -> oyvind, Straße -> strasse.
 * A fixed table, not iconv//TRANSLIT, whose output depends on the locale.
 */
#ifndef TEMPASS_TRANSLIT_H
#define TEMPASS_TRANSLIT_H

#include "core/util.h"

/*
 * Appends to out the lower-case ASCII letters and digits that name (valid
 * UTF-8) transliterates to; everything else (spaces, apostrophes, hyphens,
 * characters with no transliteration) is dropped. Returns the number of
 * bytes appended.
 */
size_t translit_ascii(struct sbuf *out, const char *name);

/*
 * translit_ascii() for a search: the same letters, and the spaces, digits
 * and ASCII punctuation of text kept as they are, so "Zoë Lef", "zoe lef"
 * and "ZOE LEF" fold alike and "100%" is still "100%". Both the search and
 * what it is compared with go through it. Returns the bytes appended.
 */
size_t translit_search(struct sbuf *out, const char *text);

#endif
