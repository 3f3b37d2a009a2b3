/*
 * words: the words tempass itself prints on paper ("username", "expires",
 * "born on the 4th", month names, "page 1 of 2" ...), in a site's
 * language, read from a message file (templates/messages/LANG.txt) so a
 * school can print in Welsh, or reword, without recompiling.
 *
 * A message file is "key = value" lines; '#' starts a comment line. A
 * value may hold the slots its key takes ("page {{page}} of {{pages}}"),
 * parsed by core/template. The keys are English's, built in here: a file
 * must give every one of them, and only them, so a missing word is a
 * configuration error naming the key, never a blank on the hundredth page.
 */
#ifndef TEMPASS_WORDS_H
#define TEMPASS_WORDS_H

#include <stddef.h>

struct sbuf;
struct tm;
struct words;

/* 1 when lang can name a message file: 2 or 3 lower-case letters. */
int words_language_valid(const char *lang);

/*
 * Loads and checks the message file at path. NULL after reporting
 * "'path':line: why" (an unknown or repeated key, a slot its key does not
 * take, a line that is no "key = value") or "'path': no 'key' (English:
 * 'value')". Caller frees with words_free() (NULL-safe).
 */
struct words *words_load(const char *path);
void words_free(struct words *w);

/* English as built in: the words of a caller that names no file. Never
 * NULL; not to be freed. */
const struct words *words_english(void);

/* 1 when key is a word that takes no slot: what {{word:KEY}} can print. */
int words_plain(const char *key);

/* The value of a key that takes no slot; "" for any other key. */
const char *words_get(const struct words *w, const char *key);

/*
 * Appends the value of key with its slots filled: vars are name, value
 * pairs ended by a NULL name ("page", "2", "pages", "3", NULL). A slot
 * without a value prints as nothing.
 */
void words_put(const struct words *w, struct sbuf *out, const char *key,
	       const char *const *vars);

/* "1 October 2026": the date of tm, as key 'date' says. */
void words_date(const struct words *w, struct sbuf *out, const struct tm *tm);
/* "4th": day (1 to 31) of a month, as key 'day.N' says. */
void words_day(const struct words *w, struct sbuf *out, int day);
/* "page 2 of 3" */
void words_page(const struct words *w, struct sbuf *out, size_t page,
		size_t pages);

#endif
