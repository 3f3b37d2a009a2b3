/*
 * policy: temporary-password generation, one policy per user type.
 *
 * A policy is either "random" (characters drawn from classes with minimum
 * counts met by construction) or "words" (words from the project's own
 * child-safe list, a separator, and digits). All randomness comes from
 * libsodium through core/secrets, unbiased. A generated password never holds
 * the user's own names nor a denylisted word (also with digit-for-letter
 * swaps); such a draw is discarded and drawn again. policy_entropy() is the
 * entropy of the draw before that screening: discarding a fraction f of the
 * draws costs at most log2(1/(1-f)) bits of min-entropy, and f is about 1%
 * for the default random policy (0.015 bits) and nil for the default words
 * policy unless a user's names are in the word list.
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
	/*
	 * Drops 0 O o 1 l I | and the punctuation ` ' " , . ; : from the
	 * random alphabets, 0 and 1 from the digits of words passwords, and
	 * refuses such a separator. Words keep their l and o: inside a
	 * known word they are not misread.
	 */
	int exclude_lookalikes;
	int expiry_days;
	double min_entropy_bits;
};

/* Word list and denylist, loaded once and shared read-only. */
struct wordlists;

/*
 * Fills p with the defaults for user_type (a copy is kept); release with
 * policy_release(). Every type: exclude_lookalikes yes, expiry_days 28, and
 * the settings of both styles, so that "style = ..." alone switches:
 *   random: length 12, at least 1 each of lower, upper, digit and symbol,
 *           symbols "!#$%&*+-=?@^_"              (72.7 bits)
 *   words:  2 words, separator "-", 2 digits     ("maple-otter-47")
 * "student" is words style with min_entropy_bits 24: the shipped list of
 * 1,604 words gives 2 * 10.6 + 2 * 3 = 27.3 bits, and a floor of 24 bits
 * (16.7 million passwords, for a temporary password that lives 28 days)
 * still lets a school cut the list down to 512 words. Every other type is
 * random style with min_entropy_bits 60.
 */
void policy_init(struct policy *p, const char *user_type);
void policy_release(struct policy *p);
/*
 * Sets one key from a [policy TYPE] section. Returns 0, or -1 after
 * reporting "<key>: <why>" (the caller adds the file and line).
 */
int policy_set(struct policy *p, const char *key, const char *value);

/*
 * Loads the word list and denylist: one entry a line, trimmed, blank and
 * '#' lines skipped; an entry is lower-case letters a-z only (words 1 to 15,
 * denylist entries 3 to 32), any other line fails the load with its file
 * and line. A word that holds a denylisted entry, or repeats an earlier
 * one, is dropped with a warning. Returns NULL after reporting; the caller
 * frees with wordlists_free(), which is safe on NULL.
 */
struct wordlists *wordlists_load(const char *words_path,
				 const char *denylist_path);
void wordlists_free(struct wordlists *wl);

/*
 * Checks a policy against the lists: consistent settings, entropy at least
 * min_entropy_bits. Returns 0, or -1 after reporting.
 */
int policy_check(const struct policy *p, const struct wordlists *wl);

/*
 * The exact Shannon entropy in bits of one password drawn under p, before
 * screening. Words: words * log2(list size) + digits * log2(10, or 8
 * without 0 and 1). Random: summed over the class counts the construction
 * can give, since it is not uniform over its outputs (policy.c shows how);
 * its min-entropy is lower by less than a bit (71.9 against 72.7 bits for
 * the default). 0 for a policy that cannot draw (see policy_check).
 */
double policy_entropy(const struct policy *p, const struct wordlists *wl);

/* The most bytes a password of p can have (without its NUL). */
size_t policy_max_length(const struct policy *p, const struct wordlists *wl);

/*
 * Generates one password into out (outsz bytes, at least 256); secrets_init()
 * must have succeeded. personal is a NULL-terminated list of strings
 * (forename, surname, username), or NULL: each is split into runs of ASCII
 * letters, and no run of 3 or more letters may appear whole in the password,
 * ignoring case and digit-for-letter swaps ("Mary-Jane" bars "mary", "jane",
 * "M4RY"; "mar" may appear), and the first character is never one of
 * = + - @ (a spreadsheet reads such a cell as a formula, so a CSV list
 * would have to mangle it). A draw that fails is drawn again; after 1,000
 * failures in a row (only when the word list is tiny or the names cover it)
 * returns -1 after reporting. Returns the length. The caller wipes out when
 * done.
 */
int policy_generate(const struct policy *p, const struct wordlists *wl,
		    const char *const *personal, char *out, size_t outsz);

/*
 * 1 when s contains a denylisted word, else 0: ignoring case, and also
 * where digits and symbols stand for letters (0 o, 1 i or l, 3 e, 4 a, 5 s,
 * 7 t, 8 b, @ a, $ s, ! i), mixed in any way.
 */
int policy_is_offensive(const struct wordlists *wl, const char *s);

#endif
