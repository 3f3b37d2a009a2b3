/*
 * policy: temporary passwords as each user type's policy says, their exact
 * entropy, and the screening that keeps names and rude words out of them.
 *
 * The one design choice a reader needs: screening turns a candidate into one
 * set of letters per character (a letter stands for itself in either case,
 * '4' and '@' for a, '1' for i or l, ...) and an entry matches where each of
 * its letters is in the set at its position. Plain, upper-case and swapped
 * forms, mixed in any way, are all found in one pass without building
 * variants, and the same matcher serves the denylist and the user's names.
 */
#include "core/policy.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/secrets.h"
#include "core/util.h"

#define MIN_LENGTH 4
#define MAX_LENGTH 128
#define MAX_WORDS 12
#define MAX_WORD_LEN 15
#define MAX_SEPARATOR 4
#define MAX_DIGITS 12
#define MIN_DENY_LEN 3
#define MAX_DENY_LEN 32
#define MAX_EXPIRY 365
#define MAX_ENTROPY 256
#define MAX_DRAWS 1000
#define OUT_MIN 256

_Static_assert(MAX_WORDS * (MAX_WORD_LEN + MAX_SEPARATOR) + MAX_DIGITS <
	       OUT_MIN, "the longest words password must fit OUT_MIN");
_Static_assert(MAX_LENGTH < OUT_MIN, "the longest random password must fit");

enum { C_LOWER, C_UPPER, C_DIGIT, C_SYMBOL, NCLASS };

static const char *const class_key[NCLASS] = {
	"min_lower", "min_upper", "min_digits", "min_symbols"
};

/* The alphabets a policy draws from, lookalikes already removed. */
struct alphabets {
	char cls[NCLASS][96];
	int len[NCLASS];
	char all[96 * NCLASS];
	int nall;
};

struct wordlists {
	char **words;
	size_t nwords;
	char **deny;                 /* sorted, so entries sharing a first */
	size_t ndeny;                /* letter sit together */
	size_t longest;              /* bytes of the longest word */
	size_t first[27];            /* entries starting with 'a'+c: */
	                             /* deny[first[c]] .. deny[first[c+1]-1] */
	uint32_t letters[256];       /* the letters each byte may stand for */
};

#define LETTER_BIT(c) (UINT32_C(1) << ((c) - 'a'))

/*
 * Characters dropped under exclude_lookalikes: those misread for each other
 * on a printed slip (0 O o, 1 l I |) and punctuation too small to tell
 * apart or to see at all (` ' " , . ; :). A mixed-case random password
 * also leaves out both sides of S/5, Z/2, B/8 and G/6, which a reader
 * cannot tell apart in many fonts; a words-style one keeps 2 5 6 8, since
 * beside lower-case words no capital letter is expected.
 */
static int is_lookalike(int c)
{
	switch (c) {
	case '0': case 'O': case 'o': case '1': case 'l': case 'I': case '|':
	case '`': case '\'': case '"': case ',': case '.': case ';': case ':':
		return 1;
	default:
		return 0;
	}
}

static int is_symbol(int c)
{
	return c > 0x20 && c < 0x7f && !(c >= '0' && c <= '9') &&
	       !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z');
}

static int min_of(const struct policy *p, int cls)
{
	switch (cls) {
	case C_LOWER:
		return p->min_lower;
	case C_UPPER:
		return p->min_upper;
	case C_DIGIT:
		return p->min_digits;
	default:
		return p->min_symbols;
	}
}

/*
 * Adds to dst the symbols of src that the policy allows, once each:
 * policy_set refuses repeated or non-symbol characters, and a struct filled
 * in by hand is held to the same alphabet here.
 */
static int add_symbols(char *dst, const char *src, int exclude)
{
	unsigned char seen[128] = { 0 };
	int n = 0;

	for (; *src && n < 95; src++) {
		unsigned char c = (unsigned char)*src;

		if (!is_symbol(c) || seen[c] || (exclude && is_lookalike(c)))
			continue;
		seen[c] = 1;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return n;
}

static void alphabets_build(const struct policy *p, struct alphabets *ab)
{
	/* All of each class; without the look-alikes of a mixed-case
	 * password; the digits without 0 1 that follow words. */
	static const char *const base[2][NCLASS - 1] = {
		{ "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		  "0123456789" },
		{ "abcdefghijkmnpqrstuvwxyz", "ACDEFHJKLMNPQRTUVWXY",
		  "3479" },
	};
	static const char word_digits[] = "23456789";
	int ex = p->exclude_lookalikes != 0;

	for (int c = 0; c < NCLASS - 1; c++) {
		const char *set = base[ex][c];

		if (ex && c == C_DIGIT && p->style == POLICY_WORDS)
			set = word_digits;
		ab->len[c] = (int)strlen(set);
		memcpy(ab->cls[c], set, (size_t)ab->len[c] + 1);
	}
	ab->len[C_SYMBOL] = add_symbols(ab->cls[C_SYMBOL],
					p->symbols ? p->symbols : "", ex);
	ab->nall = 0;
	for (int c = 0; c < NCLASS; c++) {
		memcpy(ab->all + ab->nall, ab->cls[c], (size_t)ab->len[c]);
		ab->nall += ab->len[c];
	}
	ab->all[ab->nall] = '\0';
}

/* ==== Defaults and settings ==== */

void policy_init(struct policy *p, const char *user_type)
{
	memset(p, 0, sizeof(*p));
	p->user_type = xstrdup(user_type);
	/* Both styles get their defaults, so "style = ..." alone switches. */
	p->length = 12;
	p->min_lower = p->min_upper = p->min_digits = p->min_symbols = 1;
	p->symbols = xstrdup("!#$%&*+-=?@^_");
	p->words = 2;
	p->separator = xstrdup("-");
	p->digits = 2;
	p->exclude_lookalikes = 1;
	p->expiry_days = 28;
	if (strcmp(user_type, "student") == 0) {
		p->style = POLICY_WORDS;
		p->min_entropy_bits = 24;
	} else {
		p->style = POLICY_RANDOM;
		p->min_entropy_bits = 60;
	}
}

void policy_release(struct policy *p)
{
	free(p->user_type);
	free(p->symbols);
	free(p->separator);
	memset(p, 0, sizeof(*p));
}

/* A plain decimal number in [lo, hi]; no sign, no spaces. */
static int parse_int(const char *v, int lo, int hi, int *out)
{
	long n = 0;
	size_t len = strlen(v);

	if (len == 0 || len > 6 || strspn(v, "0123456789") != len)
		return -1;
	n = strtol(v, NULL, 10);
	if (n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "1", "on" };
	static const char *const no[] = { "no", "false", "0", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * Why a separator is refused, or NULL. It must not hold a lower-case letter:
 * then every password splits back into its words in one way only, which is
 * what makes the words entropy exact (with "" or "s", "sun"+"rise" and
 * "sunrise" could be the same password).
 */
static const char *separator_problem(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > MAX_SEPARATOR)
		return "is not 1 to 4 characters";
	for (; *s; s++) {
		if (*s >= 'a' && *s <= 'z')
			return "holds a lower-case letter, which would run "
			       "into the words";
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return "holds a space or a character that is not "
			       "printable ASCII";
	}
	return NULL;
}

static int set_symbols(struct policy *p, const char *key, const char *v)
{
	for (const char *s = v; *s; s++) {
		if (!is_symbol((unsigned char)*s)) {
			if ((unsigned char)*s < 0x80)
				errorf("%s: '%s' holds '%c', which is not a "
				       "symbol", key, v, *s);
			else
				errorf("%s: '%s' holds a character that is not "
				       "ASCII", key, v);
			return -1;
		}
		if (strchr(s + 1, *s)) {
			errorf("%s: '%s' holds '%c' twice", key, v, *s);
			return -1;
		}
	}
	free(p->symbols);
	p->symbols = xstrdup(v);
	return 0;
}

int policy_set(struct policy *p, const char *key, const char *value)
{
	static const struct {
		const char *key;
		size_t offset;
		int lo, hi;
	} ints[] = {
		{ "length", offsetof(struct policy, length),
		  MIN_LENGTH, MAX_LENGTH },
		{ "min_lower", offsetof(struct policy, min_lower),
		  0, MAX_LENGTH },
		{ "min_upper", offsetof(struct policy, min_upper),
		  0, MAX_LENGTH },
		{ "min_digits", offsetof(struct policy, min_digits),
		  0, MAX_LENGTH },
		{ "min_symbols", offsetof(struct policy, min_symbols),
		  0, MAX_LENGTH },
		{ "words", offsetof(struct policy, words), 1, MAX_WORDS },
		{ "digits", offsetof(struct policy, digits), 0, MAX_DIGITS },
		{ "expiry_days", offsetof(struct policy, expiry_days),
		  1, MAX_EXPIRY },
	};
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
		if (strcmp(key, ints[i].key) != 0)
			continue;
		if (parse_int(value, ints[i].lo, ints[i].hi,
			      (int *)((char *)p + ints[i].offset)) < 0) {
			errorf("%s: '%s' is not a number from %d to %d", key,
			       value, ints[i].lo, ints[i].hi);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "style") == 0) {
		if (strcasecmp(value, "words") == 0) {
			p->style = POLICY_WORDS;
		} else if (strcasecmp(value, "random") == 0) {
			p->style = POLICY_RANDOM;
		} else {
			errorf("%s: '%s' is not words or random", key, value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "exclude_lookalikes") == 0) {
		if (parse_bool(value, &p->exclude_lookalikes) < 0) {
			errorf("%s: '%s' is not yes or no", key, value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "symbols") == 0)
		return set_symbols(p, key, value);
	if (strcmp(key, "separator") == 0) {
		why = separator_problem(value);
		if (why) {
			errorf("%s: '%s' %s", key, value, why);
			return -1;
		}
		free(p->separator);
		p->separator = xstrdup(value);
		return 0;
	}
	if (strcmp(key, "min_entropy_bits") == 0) {
		char *end;
		double d;

		errno = 0;
		d = strtod(value, &end);
		if (!*value || *end || errno || !isfinite(d) || d < 0 ||
		    d > MAX_ENTROPY || strspn(value, "0123456789.") !=
		    strlen(value)) {
			errorf("%s: '%s' is not a number from 0 to %d", key,
			       value, MAX_ENTROPY);
			return -1;
		}
		p->min_entropy_bits = d;
		return 0;
	}
	errorf("unknown key '%s'", key);
	return -1;
}

/* ==== Word list and denylist ==== */

struct entry {
	char *word;
	unsigned long line;
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static void entries_add(struct entries *e, const char *word,
			unsigned long line)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 256;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	e->v[e->n].word = xstrdup(word);
	e->v[e->n].line = line;
	e->n++;
}

static void entries_release(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].word);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* By word, then by line, so the first of two equal lines comes first. */
static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->word, y->word);

	if (c)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\f' || c == '\v';
}

/*
 * Reads one entry a line from path into e: trimmed, blank and '#' lines
 * skipped, each entry minlen to maxlen letters a-z. Returns 0, or -1 after
 * reporting the first bad line.
 */
static int read_list(const char *path, size_t minlen, size_t maxlen,
		     struct entries *e)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, len;
	unsigned long lineno = 0;
	ssize_t got;
	int ret = -1;

	if (!fp) {
		errorf("'%s': cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &cap, fp)) >= 0) {
		char *s = line;

		lineno++;
		len = (size_t)got;
		/* A UTF-8 byte order mark, as some Windows editors add. */
		if (lineno == 1 && len >= 3 &&
		    memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			len -= 3;
		}
		while (len && is_blank(s[len - 1]))
			s[--len] = '\0';
		while (len && is_blank(*s)) {
			s++;
			len--;
		}
		if (len == 0 || *s == '#')
			continue;
		if (strspn(s, "abcdefghijklmnopqrstuvwxyz") != len) {
			if (memchr(s, '\0', len) || !utf8_valid(s, len))
				errorf("'%s':%lu: line is not lower-case "
				       "letters a-z", path, lineno);
			else
				errorf("'%s':%lu: '%s' is not lower-case "
				       "letters a-z", path, lineno, s);
			goto out;
		}
		if (len < minlen || len > maxlen) {
			errorf("'%s':%lu: '%s' is not %zu to %zu letters long",
			       path, lineno, s, minlen, maxlen);
			goto out;
		}
		entries_add(e, s, lineno);
	}
	if (ferror(fp)) {
		errorf("'%s': cannot read: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(fp);
	return ret;
}

static void letters_init(uint32_t letters[256])
{
	static const char swaps[][3] = {
		"0o", "1i", "1l", "3e", "4a", "5s", "7t", "8b", "@a", "$s",
		"!i",
	};

	memset(letters, 0, 256 * sizeof(*letters));
	for (int c = 'a'; c <= 'z'; c++) {
		letters[c] = LETTER_BIT(c);
		letters[c - 'a' + 'A'] = LETTER_BIT(c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(swaps); i++)
		letters[(unsigned char)swaps[i][0]] |= LETTER_BIT(swaps[i][1]);
}

/* Fills mask[0..len) with the letter sets of s, and mask[len] = 0. */
static void letter_masks(const struct wordlists *wl, const char *s,
			 size_t len, uint32_t *mask)
{
	for (size_t i = 0; i < len; i++)
		mask[i] = wl->letters[(unsigned char)s[i]];
	mask[len] = 0;
}

/* 1 when the letters of pat stand at mask (which ends with a 0 set). */
static int match_at(const uint32_t *mask, const char *pat)
{
	for (; *pat; pat++, mask++)
		if (!(*mask & LETTER_BIT(*pat)))
			return 0;
	return 1;
}

/* The denylist entry found in the letter sets mask[0..len), or NULL. */
static const char *deny_hit(const struct wordlists *wl, const uint32_t *mask,
			    size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t m = mask[i];

		while (m) {
			int c = __builtin_ctz(m);

			m &= m - 1;
			for (size_t k = wl->first[c]; k < wl->first[c + 1]; k++)
				if (match_at(mask + i + 1, wl->deny[k] + 1))
					return wl->deny[k];
		}
	}
	return NULL;
}

static const char *deny_hit_str(const struct wordlists *wl, const char *s)
{
	uint32_t local[OUT_MIN + 1], *mask = local;
	size_t len = strlen(s);
	const char *hit;

	if (len > OUT_MIN)
		mask = xmalloc((len + 1) * sizeof(*mask));
	letter_masks(wl, s, len, mask);
	hit = deny_hit(wl, mask, len);
	if (mask != local)
		free(mask);
	return hit;
}

int policy_is_offensive(const struct wordlists *wl, const char *s)
{
	return deny_hit_str(wl, s) != NULL;
}

struct wordlists *wordlists_load(const char *words_path,
				 const char *denylist_path)
{
	struct wordlists *wl = xcalloc(1, sizeof(*wl));
	struct entries deny = { 0 }, words = { 0 };
	unsigned long kept_line = 0;
	size_t i, n;
	int c;

	letters_init(wl->letters);
	if (read_list(denylist_path, MIN_DENY_LEN, MAX_DENY_LEN, &deny) < 0 ||
	    read_list(words_path, 1, MAX_WORD_LEN, &words) < 0)
		goto fail;

	/* The denylist: sorted, repeats dropped, indexed by first letter. */
	if (deny.n)                  /* qsort(NULL, 0, ...) is undefined */
		qsort(deny.v, deny.n, sizeof(*deny.v), entry_cmp);
	wl->deny = xcalloc(deny.n + 1, sizeof(*wl->deny));
	for (i = 0, n = 0; i < deny.n; i++) {
		if (n && strcmp(wl->deny[n - 1], deny.v[i].word) == 0)
			continue;
		wl->deny[n++] = deny.v[i].word;
		deny.v[i].word = NULL;
	}
	wl->ndeny = n;
	for (c = 0, i = 0; c <= 26; c++) {
		while (i < n && wl->deny[i][0] - 'a' < c)
			i++;
		wl->first[c] = i;
	}

	/* The word list: a word that holds a denylisted one, or comes twice,
	 * is dropped with a warning so the list can be fixed at leisure. */
	if (words.n)
		qsort(words.v, words.n, sizeof(*words.v), entry_cmp);
	wl->words = xcalloc(words.n + 1, sizeof(*wl->words));
	for (i = 0, n = 0; i < words.n; i++) {
		struct entry *e = &words.v[i];
		const char *hit = deny_hit_str(wl, e->word);

		if (hit) {
			warnf("'%s':%lu: word '%s' holds denylisted '%s'; "
			      "dropped", words_path, e->line, e->word, hit);
			continue;
		}
		if (n && strcmp(wl->words[n - 1], e->word) == 0) {
			warnf("'%s':%lu: word '%s' is also on line %lu; "
			      "dropped", words_path, e->line, e->word,
			      kept_line);
			continue;
		}
		kept_line = e->line;
		if (strlen(e->word) > wl->longest)
			wl->longest = strlen(e->word);
		wl->words[n++] = e->word;
		e->word = NULL;
	}
	wl->nwords = n;
	entries_release(&deny);
	entries_release(&words);
	return wl;
fail:
	entries_release(&deny);
	entries_release(&words);
	wordlists_free(wl);
	return NULL;
}

size_t policy_max_length(const struct policy *p, const struct wordlists *wl)
{
	size_t seplen = strlen(p->separator);

	if (p->style == POLICY_RANDOM)
		return (size_t)p->length;
	/* As gen_words() puts them together. */
	return (size_t)p->words * wl->longest +
	       (size_t)(p->words > 0 ? p->words - 1 : 0) * seplen +
	       (p->digits ? seplen + (size_t)p->digits : 0);
}

void wordlists_free(struct wordlists *wl)
{
	if (!wl)
		return;
	for (size_t i = 0; i < wl->nwords; i++)
		free(wl->words[i]);
	free(wl->words);
	for (size_t i = 0; i < wl->ndeny; i++)
		free(wl->deny[i]);
	free(wl->deny);
	free(wl);
}

/* ==== Entropy ==== */

/*
 * Random style. The construction draws min_i characters uniformly from each
 * class i (a_i characters), r = L - sum(min_i) from the union (A
 * characters), and shuffles all L uniformly. That is not uniform over the
 * strings it can produce (with L = 2, one digit required, "42" comes out
 * twice as often as "4x"), so the entropy is the Shannon entropy of the
 * actual distribution, summed exactly:
 *
 * By symmetry a string's probability depends only on its class counts n_i.
 * Of the L! orders of the shuffle, r! * prod n_i!/(n_i - min_i)! put class
 * i characters into the min_i class-i draws, so
 *   P(n) = r! prod(n_i! / (n_i - min_i)!) / L!  *  prod a_i^-min_i  *  A^-r.
 * With e_i = n_i - min_i the class counts of the r union draws, which are
 * multinomial, W(e) = r!/prod e_i! * prod (a_i/A)^e_i is the chance that a
 * password has counts n, and H = -sum_e W(e) log2 P(min + e): at most
 * C(r+3, 3) terms (366,145 for L = 128), summed in long double. With no
 * minimums P = A^-L and H = L log2 A, as it must.
 */
struct entropy_sum {
	int k;                       /* classes with characters */
	int a[NCLASS], m[NCLASS], e[NCLASS];
	int r, length;
	long double lnfact[MAX_LENGTH + 1], lna[NCLASS], lnA, sum;
};

static void entropy_term(struct entropy_sum *s)
{
	long double lnw = s->lnfact[s->r] - s->r * s->lnA;
	long double lnp = s->lnfact[s->r] - s->lnfact[s->length] -
			  s->r * s->lnA;

	for (int i = 0; i < s->k; i++) {
		lnw += s->e[i] * s->lna[i] - s->lnfact[s->e[i]];
		lnp += s->lnfact[s->m[i] + s->e[i]] - s->lnfact[s->e[i]] -
		       s->m[i] * s->lna[i];
	}
	s->sum += expl(lnw) * lnp;
}

static void entropy_walk(struct entropy_sum *s, int i, int left)
{
	if (i == s->k - 1) {
		s->e[i] = left;
		entropy_term(s);
		return;
	}
	for (int x = 0; x <= left; x++) {
		s->e[i] = x;
		entropy_walk(s, i + 1, left - x);
	}
}

static double random_entropy(const struct policy *p)
{
	struct alphabets ab;
	struct entropy_sum s;
	int total = 0, mins = 0;

	if (p->length < 1 || p->length > MAX_LENGTH)
		return 0;
	alphabets_build(p, &ab);
	memset(&s, 0, sizeof(s));
	for (int c = 0; c < NCLASS; c++) {
		int m = min_of(p, c);

		if (m < 0)
			return 0;
		if (ab.len[c] == 0) {
			if (m > 0)
				return 0;
			continue;
		}
		s.a[s.k] = ab.len[c];
		s.m[s.k] = m;
		s.lna[s.k] = logl(ab.len[c]);
		s.k++;
		total += ab.len[c];
		mins += m;
	}
	if (mins > p->length)
		return 0;
	s.length = p->length;
	s.r = p->length - mins;
	s.lnA = logl(total);
	for (int n = 0; n <= MAX_LENGTH; n++)
		s.lnfact[n] = lgammal(n + 1.0L);
	entropy_walk(&s, 0, s.r);
	return (double)(-s.sum / logl(2.0L));
}

/*
 * Words style: each word uniform and independent over the list (repeats
 * allowed), each digit uniform over 10 digits (8 without 0 and 1), nothing
 * else varies (no capitals). The separator holds no lower-case letter, so
 * different draws never give the same string, and the entropy is the log2
 * of the number of equally likely draws.
 */
static double words_entropy(const struct policy *p,
			    const struct wordlists *wl)
{
	int ndigits = p->exclude_lookalikes ? 8 : 10;

	if (!wl || wl->nwords == 0 || p->words < 1 || p->digits < 0)
		return 0;
	return p->words * log2((double)wl->nwords) +
	       p->digits * log2((double)ndigits);
}

double policy_entropy(const struct policy *p, const struct wordlists *wl)
{
	if (p->style == POLICY_WORDS)
		return words_entropy(p, wl);
	return random_entropy(p);
}

/* ==== Checking ==== */

/* Everything but the entropy; policy_generate relies on these bounds. */
static int consistent(const struct policy *p, const struct wordlists *wl)
{
	const char *type = p->user_type ? p->user_type : "?";
	struct alphabets ab;
	const char *why;
	int sum = 0;

	if (p->expiry_days < 1 || p->expiry_days > MAX_EXPIRY) {
		errorf("policy '%s': expiry_days %d is not from 1 to %d", type,
		       p->expiry_days, MAX_EXPIRY);
		return -1;
	}
	if (p->style == POLICY_RANDOM) {
		if (p->length < MIN_LENGTH || p->length > MAX_LENGTH) {
			errorf("policy '%s': length %d is not from %d to %d",
			       type, p->length, MIN_LENGTH, MAX_LENGTH);
			return -1;
		}
		alphabets_build(p, &ab);
		for (int c = 0; c < NCLASS; c++) {
			int m = min_of(p, c);

			if (m < 0 || m > MAX_LENGTH) {
				errorf("policy '%s': %s %d is not from 0 to %d",
				       type, class_key[c], m, MAX_LENGTH);
				return -1;
			}
			if (m > 0 && ab.len[c] == 0) {
				errorf("policy '%s': min_symbols is %d but no "
				       "symbol is left (symbols '%s', "
				       "exclude_lookalikes %s)", type, m,
				       p->symbols ? p->symbols : "",
				       p->exclude_lookalikes ? "yes" : "no");
				return -1;
			}
			sum += m;
		}
		if (sum > p->length) {
			errorf("policy '%s': min_lower %d + min_upper %d + "
			       "min_digits %d + min_symbols %d = %d is more "
			       "than length %d", type, p->min_lower,
			       p->min_upper, p->min_digits, p->min_symbols,
			       sum, p->length);
			return -1;
		}
		return 0;
	}
	if (p->style != POLICY_WORDS) {
		errorf("policy '%s': style %d is not words or random", type,
		       (int)p->style);
		return -1;
	}
	if (p->words < 1 || p->words > MAX_WORDS) {
		errorf("policy '%s': words %d is not from 1 to %d", type,
		       p->words, MAX_WORDS);
		return -1;
	}
	if (p->digits < 0 || p->digits > MAX_DIGITS) {
		errorf("policy '%s': digits %d is not from 0 to %d", type,
		       p->digits, MAX_DIGITS);
		return -1;
	}
	why = p->separator ? separator_problem(p->separator) : "is missing";
	if (why) {
		errorf("policy '%s': separator '%s' %s", type,
		       p->separator ? p->separator : "", why);
		return -1;
	}
	if (p->exclude_lookalikes)
		for (const char *s = p->separator; *s; s++)
			if (is_lookalike(*s)) {
				errorf("policy '%s': separator '%s' holds the "
				       "look-alike '%c' and exclude_lookalikes "
				       "is yes", type, p->separator, *s);
				return -1;
			}
	if (!wl || wl->nwords == 0) {
		errorf("policy '%s': the word list is empty", type);
		return -1;
	}
	return 0;
}

int policy_check(const struct policy *p, const struct wordlists *wl)
{
	double bits;

	if (consistent(p, wl) < 0)
		return -1;
	bits = policy_entropy(p, wl);
	if (bits < p->min_entropy_bits) {
		errorf("policy '%s': entropy %.1f bits is below "
		       "min_entropy_bits %g", p->user_type, bits,
		       p->min_entropy_bits);
		return -1;
	}
	return 0;
}

/* ==== Generation ==== */

/* Working memory of one policy_generate() call; wiped before it returns. */
struct scratch {
	char buf[OUT_MIN];
	uint32_t range[2 * MAX_LENGTH];
	uint32_t val[2 * MAX_LENGTH];
	uint32_t mask[OUT_MIN + 1];
	unsigned char pos[MAX_LENGTH];
};

/*
 * Fills val[i] with independent uniform draws from [0, range[i]). Draws
 * share one secrets_uniform() call while the product of their ranges fits
 * in 32 bits: the mixed-radix digits of a uniform number are independent
 * and uniform, and each call is a system call. A product is not grown when
 * that would make libsodium's rejection step (2^32 mod product of every
 * 2^32 values are redrawn) throw away more than one call in 16.
 */
static void draw_uniform(const uint32_t *range, uint32_t *val, int n)
{
	const uint64_t span = UINT64_C(1) << 32;
	int i = 0;

	while (i < n) {
		uint64_t prod = range[i], next;
		uint32_t v;
		int j = i + 1;

		ASSERT(range[i] > 0);
		for (; j < n; j++) {
			ASSERT(range[j] > 0);
			next = prod * range[j];
			if (next > UINT32_MAX || span % next > span / 16)
				break;
			prod = next;
		}
		v = prod > 1 ? secrets_uniform((uint32_t)prod) : 0;
		for (; i < j; i++) {
			val[i] = v % range[i];
			v /= range[i];
		}
	}
}

/*
 * The minimums are met by construction: min_i characters drawn from each
 * class, the rest from the union of the classes, then shuffled with
 * Fisher-Yates over the positions, stopped once the m required characters
 * have their places: step k swaps pos[k] with a uniform one of pos[k..L-1],
 * and character k goes to pos[k], the union characters to what is left.
 * The union characters are independent and identically distributed, so
 * shuffling them among themselves as well would give exactly the same
 * distribution while costing log2((L-m)!) more bits: 15 bits and one more
 * system call for the default 12-character password. The tests check every
 * position against the distribution of a full shuffle.
 */
static size_t gen_random(const struct policy *p, const struct alphabets *ab,
			 struct scratch *s)
{
	const char *from[MAX_LENGTH];
	unsigned char *pos = s->pos;
	int len = p->length, n = 0, m, i;

	for (int c = 0; c < NCLASS; c++)
		for (int j = 0; j < min_of(p, c); j++) {
			from[n] = ab->cls[c];
			s->range[n++] = (uint32_t)ab->len[c];
		}
	m = n;
	while (n < len) {
		from[n] = ab->all;
		s->range[n++] = (uint32_t)ab->nall;
	}
	for (i = 0; i < m && i < len - 1; i++)
		s->range[n++] = (uint32_t)(len - i);
	draw_uniform(s->range, s->val, n);
	for (i = 0; i < len; i++)
		pos[i] = (unsigned char)i;
	for (i = 0; i < m && i < len - 1; i++) {
		int j = i + (int)s->val[len + i];
		unsigned char t = pos[i];

		pos[i] = pos[j];
		pos[j] = t;
	}
	for (i = 0; i < len; i++)
		s->buf[pos[i]] = from[i][s->val[i]];
	s->buf[len] = '\0';
	return (size_t)len;
}

/* "word-word-47": words, then the digits after one more separator. */
static size_t gen_words(const struct policy *p, const struct alphabets *ab,
			const struct wordlists *wl, struct scratch *s)
{
	size_t seplen = strlen(p->separator), len = 0, wlen;
	int n = 0, i;

	for (i = 0; i < p->words; i++)
		s->range[n++] = (uint32_t)wl->nwords;
	for (i = 0; i < p->digits; i++)
		s->range[n++] = (uint32_t)ab->len[C_DIGIT];
	draw_uniform(s->range, s->val, n);
	for (i = 0; i < p->words; i++) {
		if (i) {
			memcpy(s->buf + len, p->separator, seplen);
			len += seplen;
		}
		wlen = strlen(wl->words[s->val[i]]);
		memcpy(s->buf + len, wl->words[s->val[i]], wlen);
		len += wlen;
	}
	if (p->digits) {
		memcpy(s->buf + len, p->separator, seplen);
		len += seplen;
	}
	for (i = 0; i < p->digits; i++)
		s->buf[len++] = ab->cls[C_DIGIT][s->val[p->words + i]];
	s->buf[len] = '\0';
	return len;
}

/*
 * The letter runs of 3 or more letters of each personal string, lower-case,
 * each followed by a NUL, into sb. "Mary-Jane O'Neil" gives "mary", "jane"
 * and "neil"; a non-ASCII letter ends a run, as it can never be in a
 * password. A run must not appear whole; its pieces may ("mar" is fine).
 */
static void name_runs(const char *const *personal, struct sbuf *sb)
{
	for (; personal && *personal; personal++) {
		const char *s = *personal;

		while (*s) {
			size_t n = 0;

			while ((s[n] >= 'a' && s[n] <= 'z') ||
			       (s[n] >= 'A' && s[n] <= 'Z'))
				n++;
			if (n >= 3 && n < OUT_MIN) {
				for (size_t i = 0; i < n; i++)
					sbuf_addch(sb, (char)(s[i] | 0x20));
				sbuf_addch(sb, '\0');
			}
			s += n ? n : 1;
		}
	}
}

static int name_hit(const struct sbuf *runs, const uint32_t *mask,
		    size_t len)
{
	for (size_t off = 0; off < runs->len;) {
		const char *run = runs->buf + off;
		size_t n = strlen(run);

		for (size_t i = 0; i + n <= len; i++)
			if (match_at(mask + i, run))
				return 1;
		off += n + 1;
	}
	return 0;
}

/*
 * Wipes the whole scratch: drawn values, positions, characters and their
 * masks. All of it, not just what this password's draws wrote, so no
 * reckoning of what was written can leave a byte of a password behind.
 */
static void scratch_wipe(struct scratch *s)
{
	secrets_wipe(s, sizeof(*s));
}

int policy_generate(const struct policy *p, const struct wordlists *wl,
		    const char *const *personal, char *out, size_t outsz)
{
	struct scratch s;
	struct alphabets ab;
	struct sbuf runs = SBUF_INIT;
	size_t len, most = 0;
	int ret = -1;

	ASSERT(outsz >= OUT_MIN);
	ASSERT(wl != NULL);
	out[0] = '\0';
	if (consistent(p, wl) < 0)
		return -1;
	alphabets_build(p, &ab);
	name_runs(personal, &runs);
	for (int draw = 0; draw < MAX_DRAWS; draw++) {
		if (p->style == POLICY_RANDOM)
			len = gen_random(p, &ab, &s);
		else
			len = gen_words(p, &ab, wl, &s);
		if (len > most)
			most = len;
		letter_masks(wl, s.buf, len, s.mask);
		/* A spreadsheet reads a cell starting = + - @ as a formula,
		 * and CSV output would have to mangle it: draw again. */
		if (deny_hit(wl, s.mask, len) || name_hit(&runs, s.mask, len) ||
		    strchr("=+-@", s.buf[0]))
			continue;
		memcpy(out, s.buf, len + 1);
		ret = (int)len;
		goto out;
	}
	errorf("policy '%s': %d draws in a row held a denylisted word or the "
	       "user's name; the word list is too small for these names",
	       p->user_type, MAX_DRAWS);
out:
	scratch_wipe(&s);
	sbuf_release(&runs);
	return ret;
}
