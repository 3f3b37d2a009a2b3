/*
 * policy: temporary-password generation, one policy per user type.
 *
 * A policy is either "random" (characters drawn from classes with minimum
 * counts met by construction) or "words" (words from the project's own
 * child-safe list, a separator, and digits). All randomness comes from
 * libsodium through core/secrets, unbiased. A generated password never holds
 * the user's own names nor a denylisted word (also with digit-for-letter
 * swaps); such a draw is discarded and drawn again, which changes the
 * distribution so little that the entropy computed here stays a sound bound.
 */
#ifndef TEMPASS_POLICY_H
#define TEMPASS_POLICY_H

#include <stddef.h>

enum policy_style { POLICY_RANDOM, POLICY_WORDS };

struct policy {
	char *user_type;          /* "student", "staff", ...; owned */
	enum policy_style style;
	/* random */
	int length;
	int min_lower, min_upper, min_digits, min_symbols;
	char *symbols;            /* the allowed symbol set; owned */
	/* words */
	int words;
	char *separator;          /* owned */
	int digits;               /* digits appended */
	/* both */
	int exclude_lookalikes;
	int expiry_days;
	double min_entropy_bits;
};

/* Word list and denylist, loaded once and shared read-only. */
struct wordlists;

/* Fills p with the defaults for user_type (a copy is kept). */
void policy_init(struct policy *p, const char *user_type);
void policy_release(struct policy *p);
/*
 * Sets one key from a [policy TYPE] section. Returns 0, or -1 after
 * reporting "<key>: <why>" (the caller adds the file and line).
 */
int policy_set(struct policy *p, const char *key, const char *value);

/*
 * Loads the word list and denylist (one entry a line, '#' comments).
 * Returns NULL after reporting. wordlists_free() is safe on NULL.
 */
struct wordlists *wordlists_load(const char *words_path,
				 const char *denylist_path);
void wordlists_free(struct wordlists *wl);

/*
 * Checks a policy against the lists: consistent settings, entropy at least
 * min_entropy_bits. Returns 0, or -1 after reporting.
 */
int policy_check(const struct policy *p, const struct wordlists *wl);

/* The exact entropy in bits of one password drawn under p. */
double policy_entropy(const struct policy *p, const struct wordlists *wl);

/*
 * Generates one password into out (outsz bytes, at least 256). personal is
 * a NULL-terminated list of strings (forename, surname, username) whose
 * 3+-letter pieces must not appear. Returns the length, or -1 after
 * reporting. The caller wipes out when done.
 */
int policy_generate(const struct policy *p, const struct wordlists *wl,
		    const char *const *personal, char *out, size_t outsz);

/* 1 when s contains a denylisted word (also with leet swaps), else 0. */
int policy_is_offensive(const struct wordlists *wl, const char *s);

#endif
