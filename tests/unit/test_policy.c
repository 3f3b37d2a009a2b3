/*
 * test_policy: core/policy. Run from the top of the repository: it loads
 * templates/words.txt and templates/denylist.txt.
 *
 * The generation tests draw 100,000 passwords per policy and check every one
 * with checkers written here from the rules, not with policy.c's own
 * matcher. Their statistical bounds are many standard deviations wide, so
 * they cannot fail by chance in practice; libsodium's randomness has no seed
 * to print.
 */
#include "core/policy.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"
#include "tests/unit/test.h"

#define WORDS_FILE "templates/words.txt"
#define DENY_FILE "templates/denylist.txt"
#define N 100000

static char tmpdir[] = "/tmp/test_policy.XXXXXX";
static const char *const amber_gold[] = { "Amber", "Gold", "agold", NULL };

/* ==== Helpers ==== */

static char *tmp_file(const char *name, const char *content)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	if (!fp)
		die("cannot write '%s'", path);
	fputs(content, fp);
	fclose(fp);
	return path;
}

/*
 * Everything errorf() and warnf() write between the two calls is kept here.
 * The stderr stream is swapped (glibc allows it) rather than file
 * descriptor 2, so a sanitizer report still reaches the terminal.
 */
static char captured[8192];
static FILE *capture_fp, *real_stderr;

static void stderr_swap_begin(void)
{
	fflush(stderr);
	capture_fp = tmpfile();
	if (!capture_fp)
		die("tmpfile failed");
	real_stderr = stderr;
	stderr = capture_fp;
}

static const char *stderr_swap_end(void)
{
	size_t n;

	stderr = real_stderr;
	rewind(capture_fp);
	n = fread(captured, 1, sizeof(captured) - 1, capture_fp);
	captured[n] = '\0';
	fclose(capture_fp);
	return captured;
}

/* policy_set with its message captured; the message, or NULL on success. */
static const char *set_err(struct policy *p, const char *key, const char *v)
{
	int rc;

	stderr_swap_begin();
	rc = policy_set(p, key, v);
	stderr_swap_end();
	return rc < 0 ? captured : NULL;
}

/*
 * 1 when password character c can be read as the letter w: the same letter
 * in either case, or a swap (0 o, 1 i l, 3 e, 4 a, 5 s, 7 t, 8 b, @ a, $ s,
 * ! i). Written apart from policy.c's letter sets on purpose.
 */
static int reads_as(char c, char w)
{
	if (c == w || c == w - 'a' + 'A')
		return 1;
	switch (c) {
	case '0': return w == 'o';
	case '1': return w == 'i' || w == 'l';
	case '3': return w == 'e';
	case '4': return w == 'a';
	case '5': return w == 's';
	case '7': return w == 't';
	case '8': return w == 'b';
	case '@': return w == 'a';
	case '$': return w == 's';
	case '!': return w == 'i';
	default: return 0;
	}
}

static int holds(const char *s, const char *word)
{
	size_t n = strlen(word), len = strlen(s);

	for (size_t i = 0; i + n <= len; i++) {
		size_t j = 0;

		while (j < n && reads_as(s[i + j], word[j]))
			j++;
		if (j == n)
			return 1;
	}
	return 0;
}

/* The entries of a list file, read here without policy.c. */
struct list {
	char **v;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_read(const char *path, struct list *l)
{
	FILE *fp = fopen(path, "r");
	char line[256];

	l->v = NULL;
	l->n = 0;
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = xstrdup(line);
	}
	fclose(fp);
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static long list_find(const struct list *sorted, const char *w)
{
	char **hit = bsearch(&w, sorted->v, sorted->n, sizeof(*sorted->v),
			     cmp_str);

	return hit ? hit - sorted->v : -1;
}

static struct wordlists *load_quiet(const char *words, const char *deny)
{
	struct wordlists *wl;

	stderr_swap_begin();
	wl = wordlists_load(words, deny);
	stderr_swap_end();
	return wl;
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

/* ==== policy_init, policy_release, policy_set ==== */

static void test_policy_init(void)
{
	struct policy s, t;

	policy_init(&s, "student");
	policy_init(&t, "staff");
	CHECK_STR(s.user_type, "student");
	CHECK(s.style == POLICY_WORDS);
	CHECK(s.words == 2 && s.digits == 2);
	CHECK_STR(s.separator, "-");
	CHECK(s.exclude_lookalikes == 1);
	CHECK(s.expiry_days == 28);
	CHECK(s.min_entropy_bits == 24);

	CHECK_STR(t.user_type, "staff");
	CHECK(t.style == POLICY_RANDOM);
	CHECK(t.length == 12);
	CHECK(t.min_lower == 1 && t.min_upper == 1 && t.min_digits == 1 &&
	      t.min_symbols == 1);
	CHECK_STR(t.symbols, "!#$%&*+-=?@^_");
	CHECK(t.exclude_lookalikes == 1);
	CHECK(t.expiry_days == 28);
	CHECK(t.min_entropy_bits == 60);
	/* Owned copies, not shared literals. */
	CHECK(s.separator != t.separator && s.symbols != t.symbols);
	policy_release(&s);
	policy_release(&t);
}

static void test_policy_release(void)
{
	struct policy p;

	policy_init(&p, "staff");
	policy_release(&p);
	CHECK(p.user_type == NULL && p.symbols == NULL && p.separator == NULL);
	policy_release(&p);              /* twice is harmless */
}

static void test_policy_set(void)
{
	static const char *const bools[][2] = {
		{ "yes", "1" }, { "no", "0" }, { "true", "1" },
		{ "false", "0" },
		{ "1", "1" }, { "0", "0" }, { "on", "1" }, { "off", "0" },
		{ "YES", "1" }, { "Off", "0" },
	};
	struct policy p;
	const char *e;

	policy_init(&p, "staff");
	CHECK(set_err(&p, "style", "words") == NULL && p.style == POLICY_WORDS);
	CHECK(set_err(&p, "style", "random") == NULL &&
	      p.style == POLICY_RANDOM);
	CHECK(set_err(&p, "length", "16") == NULL && p.length == 16);
	CHECK(set_err(&p, "length", "4") == NULL && p.length == 4);
	CHECK(set_err(&p, "length", "128") == NULL && p.length == 128);
	CHECK(set_err(&p, "min_lower", "2") == NULL && p.min_lower == 2);
	CHECK(set_err(&p, "min_upper", "0") == NULL && p.min_upper == 0);
	CHECK(set_err(&p, "min_digits", "3") == NULL && p.min_digits == 3);
	CHECK(set_err(&p, "min_symbols", "4") == NULL && p.min_symbols == 4);
	CHECK(set_err(&p, "symbols", "!#") == NULL);
	CHECK_STR(p.symbols, "!#");
	CHECK(set_err(&p, "symbols", "") == NULL);
	CHECK_STR(p.symbols, "");
	CHECK(set_err(&p, "words", "3") == NULL && p.words == 3);
	CHECK(set_err(&p, "separator", ".") == NULL);
	CHECK_STR(p.separator, ".");
	CHECK(set_err(&p, "separator", "_X_") == NULL);
	CHECK_STR(p.separator, "_X_");
	CHECK(set_err(&p, "digits", "0") == NULL && p.digits == 0);
	CHECK(set_err(&p, "expiry_days", "7") == NULL && p.expiry_days == 7);
	CHECK(set_err(&p, "min_entropy_bits", "40.5") == NULL &&
	      p.min_entropy_bits == 40.5);
	for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
		CHECK(set_err(&p, "exclude_lookalikes", bools[i][0]) == NULL);
		CHECK(p.exclude_lookalikes == atoi(bools[i][1]));
	}

	/* Bad values: refused with "<key>: <why>", the old value kept. */
	p.length = 12;
	e = set_err(&p, "length", "0");
	CHECK(e && strstr(e, "length: '0' is not a number from 4 to 128\n"));
	CHECK(set_err(&p, "length", "129") != NULL);
	CHECK(set_err(&p, "length", "3") != NULL);
	CHECK(set_err(&p, "length", "12x") != NULL);
	CHECK(set_err(&p, "length", "-12") != NULL);
	CHECK(set_err(&p, "length", " 12") != NULL);
	CHECK(set_err(&p, "length", "") != NULL);
	CHECK(set_err(&p, "length", "99999999999999999999") != NULL);
	CHECK(p.length == 12);
	e = set_err(&p, "min_lower", "many");
	CHECK(e && strstr(e, "min_lower: 'many' is not a number from 0 to "
			  "128"));
	CHECK(set_err(&p, "min_symbols", "129") != NULL);
	CHECK(set_err(&p, "words", "0") != NULL);
	CHECK(set_err(&p, "words", "13") != NULL);
	CHECK(set_err(&p, "digits", "13") != NULL);
	CHECK(set_err(&p, "expiry_days", "0") != NULL);
	CHECK(set_err(&p, "expiry_days", "366") != NULL);
	CHECK(p.words == 3 && p.digits == 0 && p.expiry_days == 7);
	e = set_err(&p, "style", "pretty");
	CHECK(e && strstr(e, "style: 'pretty' is not words or random"));
	e = set_err(&p, "exclude_lookalikes", "maybe");
	CHECK(e && strstr(e, "exclude_lookalikes: 'maybe' is not yes or no"));
	CHECK(set_err(&p, "exclude_lookalikes", "") != NULL);
	e = set_err(&p, "symbols", "!a#");
	CHECK(e && strstr(e, "symbols: '!a#' holds 'a', which is not a "
			  "symbol"));
	e = set_err(&p, "symbols", "!#!");
	CHECK(e && strstr(e, "symbols: '!#!' holds '!' twice"));
	CHECK(set_err(&p, "symbols", "! #") != NULL);
	CHECK(set_err(&p, "symbols", "!\xc2\xa3") != NULL);
	CHECK(set_err(&p, "symbols", "5") != NULL);
	CHECK_STR(p.symbols, "");
	e = set_err(&p, "separator", "");
	CHECK(e && strstr(e, "separator: '' is not 1 to 4 characters"));
	CHECK(set_err(&p, "separator", "-----") != NULL);
	e = set_err(&p, "separator", "and");
	CHECK(e && strstr(e, "separator: 'and' holds a lower-case letter"));
	CHECK(set_err(&p, "separator", "- -") != NULL);
	CHECK(set_err(&p, "separator", "\t") != NULL);
	CHECK_STR(p.separator, "_X_");
	CHECK(set_err(&p, "min_entropy_bits", "-1") != NULL);
	CHECK(set_err(&p, "min_entropy_bits", "257") != NULL);
	CHECK(set_err(&p, "min_entropy_bits", "nan") != NULL);
	CHECK(set_err(&p, "min_entropy_bits", "1e2") != NULL);
	CHECK(set_err(&p, "min_entropy_bits", ".") != NULL);
	CHECK(p.min_entropy_bits == 40.5);
	e = set_err(&p, "colour", "blue");
	CHECK(e && strstr(e, "unknown key 'colour'"));
	CHECK(set_err(&p, "Length", "12") != NULL);
	policy_release(&p);
}

/* ==== wordlists_load, wordlists_free ==== */

static void test_wordlists_load(void)
{
	struct list shipped, deny;
	struct wordlists *wl;
	struct policy p;
	char *w, *d, *d2;
	const char *msg;
	int ok = 1;

	/* The shipped list: >= 1000 words of 3-7 letters a-z, sorted,
	 * unique, none holding a denylisted word, loaded without warnings. */
	list_read(WORDS_FILE, &shipped);
	list_read(DENY_FILE, &deny);
	CHECK(shipped.n >= 1000);
	CHECK(deny.n >= 100);
	for (size_t i = 0; i < shipped.n; i++) {
		size_t n = strlen(shipped.v[i]);

		if (n < 3 || n > 7 ||
		    strspn(shipped.v[i], "abcdefghijklmnopqrstuvwxyz") != n ||
		    (i && strcmp(shipped.v[i - 1], shipped.v[i]) >= 0)) {
			fprintf(stderr, "bad word '%s'\n", shipped.v[i]);
			ok = 0;
		}
		for (size_t k = 0; k < deny.n; k++)
			if (strstr(shipped.v[i], deny.v[k])) {
				fprintf(stderr, "word '%s' holds '%s'\n",
					shipped.v[i], deny.v[k]);
				ok = 0;
			}
	}
	CHECK(ok);
	/* Words for eleven-year-olds: none a Year 7 pupil would stumble
	 * over, none spelt two ways, none that sounds like another word. */
	{
		static const char *const hard[] = {
			"tahini", "brioche", "blintz", "satsuma", "quinoa",
			"bouquet", "rhythm", "sieve", "gray", "cozy",
			"harbor", "yoghurt", "yogurt", "sail", "flour",
			"knead", "thyme", "week", "sea", "tea", "write",
		};

		for (size_t k = 0; k < ARRAY_SIZE(hard); k++)
			for (size_t i = 0; i < shipped.n; i++)
				if (strcmp(shipped.v[i], hard[k]) == 0) {
					fprintf(stderr, "hard word '%s'\n",
						hard[k]);
					ok = 0;
				}
		CHECK(ok);
	}
	stderr_swap_begin();
	wl = wordlists_load(WORDS_FILE, DENY_FILE);
	msg = stderr_swap_end();
	CHECK(wl != NULL);
	CHECK_STR(msg, "");
	/* One word, no digits: the entropy is log2 of the words kept. */
	policy_init(&p, "student");
	p.words = 1;
	p.digits = 0;
	CHECK(near(policy_entropy(&p, wl), log2((double)shipped.n)));
	wordlists_free(wl);
	list_free(&shipped);
	list_free(&deny);

	/* Comments, blanks, spaces, CRLF and a BOM are fine; a word holding
	 * a denylisted one and a repeated word are dropped with a warning. */
	w = tmp_file("w1.txt", "\xef\xbb\xbf# header\n\n  apple \r\n"
		     "pear\t\n# note\nglass\nkite\napple\nplum\n");
	d = tmp_file("d1.txt", "# rude\n\nass\nass\n");
	stderr_swap_begin();
	wl = wordlists_load(w, d);
	msg = stderr_swap_end();
	CHECK(wl != NULL);
	CHECK(strstr(msg, "warning: '") && strstr(msg, "w1.txt':6: word "
		      "'glass' holds denylisted 'ass'; dropped"));
	CHECK(strstr(msg, "w1.txt':8: word 'apple' is also on line 3; "
		      "dropped"));
	p.words = 1;
	CHECK(near(policy_entropy(&p, wl), 2.0));   /* apple pear kite plum */
	CHECK(policy_is_offensive(wl, "a55"));
	CHECK(!policy_is_offensive(wl, "apple"));
	wordlists_free(wl);
	free(w);
	free(d);

	/* Lines that are not lower-case letters a-z fail the load. */
	d = tmp_file("d2.txt", "ass\n");
	w = tmp_file("w2.txt", "apple\npear\n\xc3\xa4pfel\n");
	stderr_swap_begin();
	wl = wordlists_load(w, d);
	msg = stderr_swap_end();
	CHECK(wl == NULL);
	CHECK(strstr(msg, "w2.txt':3: '\xc3\xa4pfel' is not lower-case "
		      "letters a-z"));
	free(w);
	w = tmp_file("w3.txt", "apple\nPear\n");
	stderr_swap_begin();
	wl = wordlists_load(w, d);
	msg = stderr_swap_end();
	CHECK(wl == NULL && strstr(msg, "w3.txt':2: 'Pear' is not lower-case"));
	free(w);
	w = tmp_file("w4.txt", "apple\ngreen apple\n");
	CHECK(load_quiet(w, d) == NULL);
	free(w);
	w = tmp_file("w5.txt", "apple\nabcdefghijklmnop\n");
	stderr_swap_begin();
	wl = wordlists_load(w, d);
	msg = stderr_swap_end();
	CHECK(wl == NULL && strstr(msg, "w5.txt':2: 'abcdefghijklmnop' is not "
				    "1 to 15 letters long"));
	free(w);
	w = tmp_file("w6.txt", "apple\n\xff\xfe\n");
	stderr_swap_begin();
	wl = wordlists_load(w, d);
	msg = stderr_swap_end();
	CHECK(wl == NULL && strstr(msg, "w6.txt':2: line is not lower-case"));
	free(w);
	/* A denylist entry shorter than 3 letters would bar too much. */
	w = tmp_file("w7.txt", "apple\n");
	d2 = tmp_file("d3.txt", "ass\nxy\n");
	stderr_swap_begin();
	wl = wordlists_load(w, d2);
	msg = stderr_swap_end();
	CHECK(wl == NULL && strstr(msg, "d3.txt':2: 'xy' is not 3 to 32"));
	free(d2);
	/* Missing files. */
	stderr_swap_begin();
	wl = wordlists_load("/nonexistent/words.txt", d);
	msg = stderr_swap_end();
	CHECK(wl == NULL && strstr(msg, "'/nonexistent/words.txt': cannot "
				    "open"));
	CHECK(load_quiet(w, "/nonexistent/deny.txt") == NULL);
	free(w);
	free(d);
	policy_release(&p);
}

static void test_wordlists_free(void)
{
	wordlists_free(NULL);
	CHECK(1);
}

/* ==== policy_entropy, policy_check ==== */

static void test_policy_entropy(void)
{
	struct policy p;
	struct wordlists *wl;
	char *w, *d;
	double h;

	policy_init(&p, "staff");
	/* Random, no minimums: L * log2(alphabet). Letters and digits are
	 * always in; symbols "" leaves 62, or 48 without the look-alikes
	 * l o, I O 0 1, S 5 Z 2 B 8 G 6. */
	free(p.symbols);
	p.symbols = xstrdup("");
	p.min_lower = p.min_upper = p.min_digits = p.min_symbols = 0;
	p.length = 2;
	p.exclude_lookalikes = 0;
	CHECK(near(policy_entropy(&p, NULL), log2(62.0 * 62.0)));
	p.exclude_lookalikes = 1;
	CHECK(near(policy_entropy(&p, NULL), log2(48.0 * 48.0)));
	free(p.symbols);
	p.symbols = xstrdup("#|.");            /* | and . are look-alikes */
	CHECK(near(policy_entropy(&p, NULL), log2(49.0 * 49.0)));
	p.exclude_lookalikes = 0;
	CHECK(near(policy_entropy(&p, NULL), log2(65.0 * 65.0)));

	/*
	 * Length 2, one digit required, 62 characters: one digit d and one
	 * character u, shuffled. Two digits "xy": drawn as (x, y) or (y, x),
	 * each order 1/2 of the shuffles, so 1/620 for each of the 100;
	 * a digit and one of the 52 letters: 1/1240 for each of the 1040.
	 */
	free(p.symbols);
	p.symbols = xstrdup("");
	p.min_digits = 1;
	h = 100.0 / 620 * log2(620.0) + 1040.0 / 1240 * log2(1240.0);
	CHECK(near(policy_entropy(&p, NULL), h));
	CHECK(policy_entropy(&p, NULL) < log2(62.0 * 62.0));

	/* One of each of three classes and nothing else: every order of
	 * every choice once, 3! * 24 * 20 * 4, uniform. */
	p.exclude_lookalikes = 1;
	p.length = 3;
	p.min_lower = p.min_upper = p.min_digits = 1;
	CHECK(near(policy_entropy(&p, NULL), log2(6.0 * 24 * 20 * 4)));

	/* The default staff policy, checked against an exhaustive
	 * enumeration of small cases of the same sum (70.12 bits). */
	policy_release(&p);
	policy_init(&p, "staff");
	h = policy_entropy(&p, NULL);
	CHECK(fabs(h - 70.1185267629) < 1e-6);
	CHECK(h < 12 * log2(61.0));
	p.length = 128;
	CHECK(policy_entropy(&p, NULL) > 128 * log2(61.0) - 1);
	CHECK(policy_entropy(&p, NULL) < 128 * log2(61.0));
	/* Cannot draw: 0. */
	p.length = 12;
	free(p.symbols);
	p.symbols = xstrdup("");
	CHECK(policy_entropy(&p, NULL) == 0);
	p.min_symbols = 0;
	p.min_lower = 13;
	CHECK(policy_entropy(&p, NULL) == 0);
	policy_release(&p);

	/* Words: 2 of 10 words and 1 of 8 digits. */
	w = tmp_file("ten.txt", "mint\nfern\nkite\nsand\nreed\nmoss\nlake\n"
		     "pine\nwren\nfrog\n");
	d = tmp_file("tend.txt", "ass\n");
	wl = load_quiet(w, d);
	CHECK(wl != NULL);
	policy_init(&p, "student");
	p.digits = 1;
	CHECK(near(policy_entropy(&p, wl), 2 * log2(10.0) + 3));
	p.exclude_lookalikes = 0;
	CHECK(near(policy_entropy(&p, wl), 3 * log2(10.0)));
	p.digits = 0;
	p.words = 4;
	CHECK(near(policy_entropy(&p, wl), 4 * log2(10.0)));
	CHECK(policy_entropy(&p, NULL) == 0);
	policy_release(&p);
	wordlists_free(wl);
	free(w);
	free(d);
}

static int check_fails(const struct policy *p, const struct wordlists *wl,
		       const char *want)
{
	const char *msg;
	int rc;

	stderr_swap_begin();
	rc = policy_check(p, wl);
	msg = stderr_swap_end();
	if (rc != -1 || !strstr(msg, want)) {
		fprintf(stderr, "policy_check gave %d, '%s'; want '%s'\n", rc,
			msg, want);
		return 0;
	}
	return 1;
}

static void test_policy_check(void)
{
	struct wordlists *wl = load_quiet(WORDS_FILE, DENY_FILE);
	struct wordlists *empty;
	struct policy s, t;
	char *w;

	CHECK(wl != NULL);
	if (!wl)
		return;
	policy_init(&s, "student");
	policy_init(&t, "staff");
	CHECK(policy_check(&s, wl) == 0);
	CHECK(policy_check(&t, wl) == 0);
	CHECK(policy_check(&t, NULL) == 0);  /* random needs no word list */

	/* Entropy below the floor. */
	s.min_entropy_bits = 40;
	CHECK(check_fails(&s, wl, "policy 'student': entropy 26.2 bits is "
			  "below min_entropy_bits 40"));
	s.min_entropy_bits = 24;
	s.words = 1;
	CHECK(check_fails(&s, wl, "policy 'student': entropy 16.1 bits"));
	s.words = 2;
	t.length = 8;
	CHECK(check_fails(&t, wl, "policy 'staff': entropy 45.7 bits is below "
			  "min_entropy_bits 60"));
	t.min_entropy_bits = 40;
	CHECK(policy_check(&t, wl) == 0);

	/* Minimums beyond the length. */
	t.length = 6;
	t.min_lower = t.min_upper = 2;
	t.min_entropy_bits = 0;
	CHECK(policy_check(&t, wl) == 0);
	t.min_digits = 2;
	CHECK(check_fails(&t, wl, "policy 'staff': min_lower 2 + min_upper 2 "
			  "+ min_digits 2 + min_symbols 1 = 7 is more than "
			  "length 6"));
	t.length = 12;
	t.min_lower = t.min_upper = t.min_digits = 1;

	/* No symbol left for min_symbols. */
	free(t.symbols);
	t.symbols = xstrdup("");
	CHECK(check_fails(&t, wl, "policy 'staff': min_symbols is 1 but no "
			  "symbol is left"));
	free(t.symbols);
	t.symbols = xstrdup(".,;|");
	CHECK(check_fails(&t, wl, "exclude_lookalikes yes"));
	t.exclude_lookalikes = 0;
	CHECK(policy_check(&t, wl) == 0);
	t.min_symbols = 0;
	free(t.symbols);
	t.symbols = xstrdup("");
	CHECK(policy_check(&t, wl) == 0);

	/* Out-of-range values set in the struct directly. */
	t.length = 3;
	CHECK(check_fails(&t, wl, "length 3 is not from 4 to 128"));
	t.length = 12;
	t.expiry_days = 0;
	CHECK(check_fails(&t, wl, "expiry_days 0 is not from 1 to 365"));
	t.expiry_days = 28;
	t.min_upper = -1;
	CHECK(check_fails(&t, wl, "min_upper -1 is not from 0 to 128"));
	t.min_upper = 1;
	CHECK(policy_check(&t, wl) == 0);

	/* Words: at least one word, a list, a separator that is no
	 * look-alike when those are excluded. */
	s.words = 0;
	CHECK(check_fails(&s, wl, "words 0 is not from 1 to 12"));
	s.words = 2;
	s.digits = 13;
	CHECK(check_fails(&s, wl, "digits 13 is not from 0 to 12"));
	s.digits = 2;
	CHECK(check_fails(&s, NULL, "policy 'student': the word list is "
			  "empty"));
	w = tmp_file("comments.txt", "# nothing yet\n\n");
	empty = load_quiet(w, DENY_FILE);
	CHECK(empty != NULL);
	CHECK(check_fails(&s, empty, "the word list is empty"));
	wordlists_free(empty);
	free(w);
	free(s.separator);
	s.separator = xstrdup(".");
	CHECK(check_fails(&s, wl, "separator '.' holds the look-alike '.'"));
	s.exclude_lookalikes = 0;
	CHECK(policy_check(&s, wl) == 0);
	free(s.separator);
	s.separator = xstrdup("");
	CHECK(check_fails(&s, wl, "separator '' is not 1 to 4 characters"));
	free(s.separator);
	s.separator = xstrdup("x");
	CHECK(check_fails(&s, wl, "separator 'x' holds a lower-case letter"));

	policy_release(&s);
	policy_release(&t);
	wordlists_free(wl);
}

/* ==== policy_generate ==== */

/*
 * The default random policy: 100,000 passwords, every rule on each, and
 * none holds a look-alike (S/5, Z/2, B/8, G/6, l/1/I, O/0 among them).
 */
static void test_policy_generate_random(void)
{
	static const char lower[] = "abcdefghijkmnpqrstuvwxyz";
	static const char upper[] = "ACDEFHJKLMNPQRTUVWXY";
	static const char digits[] = "3479";
	static const char symbols[] = "!#$%&*+-=?@^_";
	const char *cls[4] = { lower, upper, digits, symbols };
	static unsigned count[12][128];
	struct wordlists *wl = load_quiet(WORDS_FILE, DENY_FILE);
	struct list deny;
	struct policy p;
	char out[256], **all;
	int bad_len = 0, bad_class = 0, bad_char = 0, bad_name = 0;
	int bad_deny = 0, bad_pos = 0, dups = 0, bad_formula = 0;

	CHECK(wl != NULL);
	if (!wl)
		return;
	list_read(DENY_FILE, &deny);
	policy_init(&p, "staff");
	memset(count, 0, sizeof(count));
	all = xcalloc(N, sizeof(*all));
	for (int i = 0; i < N; i++) {
		int n[4] = { 0 };
		int len = policy_generate(&p, wl, amber_gold, out, sizeof(out));

		all[i] = xstrdup(out);
		if (strchr("=+-@", out[0]))
			bad_formula++;
		if (len != 12 || strlen(out) != 12) {
			bad_len++;
			continue;
		}
		for (int k = 0; k < 12; k++) {
			int c = -1;

			for (int j = 0; j < 4; j++)
				if (strchr(cls[j], out[k]))
					c = j;
			if (c < 0 ||
			    strchr("0Oo1lI|`'\",.;:S5Z2B8G6", out[k])) {
				bad_char++;
				continue;
			}
			n[c]++;
			count[k][(unsigned char)out[k]]++;
		}
		if (!n[0] || !n[1] || !n[2] || !n[3])
			bad_class++;
		if (holds(out, "amber") || holds(out, "gold") ||
		    holds(out, "agold"))
			bad_name++;
		for (size_t k = 0; k < deny.n; k++)
			if (holds(out, deny.v[k])) {
				if (bad_deny++ < 5)
					fprintf(stderr, "'%s' holds '%s'\n",
						out, deny.v[k]);
			}
	}
	CHECK(bad_len == 0);
	CHECK(bad_char == 0);
	CHECK(bad_class == 0);
	CHECK(bad_name == 0);
	CHECK(bad_deny == 0);
	CHECK(bad_formula == 0);

	/*
	 * Every position has the same distribution: with chance 1/12 the
	 * required character of class i (1/a_i each), else one of the 69
	 * (8/12 in all). Bounds of +-25% are 9 standard deviations and more.
	 * But position 0 never holds = + - @ (a spreadsheet formula): those
	 * draws are redrawn, so the other characters there weigh 1/(1-f)
	 * more, f being the chance the four had.
	 */
	const double f = 4 * (1.0 / 12 / 13 + 8.0 / 12 / 69);

	for (int k = 0; k < 12; k++)
		for (int j = 0; j < 4; j++) {
			double a = (double)strlen(cls[j]);

			for (const char *c = cls[j]; *c; c++) {
				unsigned got = count[k][(unsigned char)*c];
				double want = N * (1.0 / 12 / a + 8.0 / 12 / 69);

				if (k == 0)
					want = strchr("=+-@", *c) ? 0 :
					       want / (1 - f);

				if (got < 0.75 * want || got > 1.25 * want) {
					fprintf(stderr, "position %d '%c': %u, "
						"want %.0f\n", k, *c, got,
						want);
					bad_pos++;
				}
			}
		}
	CHECK(bad_pos == 0);

	/* 72 bits: two equal passwords in 100,000 would mean broken draws. */
	qsort(all, N, sizeof(*all), cmp_str);
	for (int i = 1; i < N; i++)
		if (strcmp(all[i - 1], all[i]) == 0)
			dups++;
	CHECK(dups == 0);
	for (int i = 0; i < N; i++)
		free(all[i]);
	free(all);

	/* Other settings: a long password with no look-alike exclusion. */
	free(p.symbols);
	p.symbols = xstrdup("|.");
	p.exclude_lookalikes = 0;
	p.length = 128;
	p.min_lower = 0;
	p.min_upper = 60;
	p.min_digits = 60;
	p.min_symbols = 8;
	bad_class = 0;
	for (int i = 0; i < 1000; i++) {
		int up = 0, dig = 0, sym = 0;

		if (policy_generate(&p, wl, NULL, out, sizeof(out)) != 128) {
			bad_class++;
			continue;
		}
		for (int k = 0; k < 128; k++) {
			up += out[k] >= 'A' && out[k] <= 'Z';
			dig += out[k] >= '0' && out[k] <= '9';
			sym += out[k] == '|' || out[k] == '.';
		}
		if (up < 60 || dig < 60 || sym < 8)
			bad_class++;
	}
	CHECK(bad_class == 0);

	/* An inconsistent policy is refused, not drawn from. */
	p.min_lower = 1;
	stderr_swap_begin();
	CHECK(policy_generate(&p, wl, NULL, out, sizeof(out)) == -1);
	CHECK(strstr(stderr_swap_end(), "is more than length 128"));
	CHECK(out[0] == '\0');

	policy_release(&p);
	list_free(&deny);
	wordlists_free(wl);
}

/* The default words policy on the shipped list, which holds "amber",
 * "gold" and "golden": the user's names must keep them out. */
/* The bound a batch sizes its room by: never passed, and reached. */
static void test_policy_max_length(void)
{
	struct wordlists *wl = load_quiet(WORDS_FILE, DENY_FILE);
	struct policy p;
	char out[256];
	size_t longest = 0;
	int over = 0;

	CHECK(wl != NULL);
	if (!wl)
		return;
	policy_init(&p, "staff");
	CHECK(policy_max_length(&p, wl) == 12);
	p.length = 40;
	CHECK(policy_max_length(&p, wl) == 40);
	policy_release(&p);
	/* 2 words of at most 7 letters, "-", "-", 2 digits. */
	policy_init(&p, "student");
	CHECK(policy_max_length(&p, wl) == 18);
	for (int i = 0; i < N; i++) {
		int len = policy_generate(&p, wl, NULL, out, sizeof(out));

		over += len < 0 || (size_t)len > policy_max_length(&p, wl);
		if (len > 0 && (size_t)len > longest)
			longest = (size_t)len;
	}
	CHECK(over == 0);
	CHECK(longest == 18);
	p.words = 3;
	p.digits = 0;
	CHECK(policy_max_length(&p, wl) == 3 * 7 + 2);
	policy_release(&p);
	wordlists_free(wl);
}

static void test_policy_generate_words(void)
{
	struct wordlists *wl = load_quiet(WORDS_FILE, DENY_FILE);
	struct list words;
	struct policy p;
	unsigned *count[2], digit[2][10] = { { 0 } };
	char out[256], w1[32], w2[32], dd[8], tail;
	int bad_form = 0, bad_word = 0, bad_name = 0, bad_count = 0;
	int amber = 0;

	CHECK(wl != NULL);
	if (!wl)
		return;
	list_read(WORDS_FILE, &words);
	count[0] = xcalloc(words.n, sizeof(unsigned));
	count[1] = xcalloc(words.n, sizeof(unsigned));
	policy_init(&p, "student");
	for (int i = 0; i < N; i++) {
		int len = policy_generate(&p, wl, amber_gold, out, sizeof(out));
		long k1, k2;

		if (len < 0 || (size_t)len != strlen(out) ||
		    sscanf(out, "%31[a-z]-%31[a-z]-%7[0-9]%c", w1, w2, dd,
			   &tail) != 3 || strlen(dd) != 2 ||
		    strspn(dd, "23456789") != 2) {
			if (bad_form++ < 5)
				fprintf(stderr, "bad form '%s'\n", out);
			continue;
		}
		k1 = list_find(&words, w1);
		k2 = list_find(&words, w2);
		if (k1 < 0 || k2 < 0) {
			bad_word++;
			continue;
		}
		count[0][k1]++;
		count[1][k2]++;
		digit[0][dd[0] - '0']++;
		digit[1][dd[1] - '0']++;
		if (holds(out, "amber") || holds(out, "gold") ||
		    holds(out, "agold"))
			bad_name++;
	}
	CHECK(bad_form == 0);
	CHECK(bad_word == 0);
	CHECK(bad_name == 0);

	/* Each word in each place about N / n times (62 for 1,604 words;
	 * the bounds are over 6 standard deviations out); each digit 2-9
	 * N / 8 times within 10%, 0 and 1 never. */
	for (int k = 0; k < 2; k++) {
		double want = (double)N / (double)words.n;

		for (size_t i = 0; i < words.n; i++) {
			int barred = strstr(words.v[i], "amber") ||
				     strstr(words.v[i], "gold");
			unsigned got = count[k][i];

			if (barred ? got != 0 :
			    (got < want / 4 || got > want * 2.5)) {
				fprintf(stderr, "word '%s' in place %d: %u, "
					"want %.0f\n", words.v[i], k + 1, got,
					barred ? 0.0 : want);
				bad_count++;
			}
		}
		for (int dgt = 0; dgt < 10; dgt++) {
			double dw = dgt < 2 ? 0 : N / 8.0;

			if (fabs(digit[k][dgt] - dw) > 0.1 * N / 8.0)
				bad_count++;
		}
	}
	CHECK(bad_count == 0);

	/* Without names "amber" comes up (about 25 times in 20,000). */
	for (int i = 0; i < 20000; i++) {
		policy_generate(&p, wl, NULL, out, sizeof(out));
		amber += strstr(out, "amber") != NULL;
	}
	CHECK(amber > 0);

	/* Other settings: 3 words, "+", no digits, look-alikes kept. */
	free(p.separator);
	p.separator = xstrdup("+");
	p.words = 3;
	p.digits = 0;
	p.exclude_lookalikes = 0;
	bad_form = 0;
	for (int i = 0; i < 1000; i++) {
		char w3[32];

		policy_generate(&p, wl, NULL, out, sizeof(out));
		if (sscanf(out, "%31[a-z]+%31[a-z]+%31[a-z]%c", w1, w2, w3,
			   &tail) != 3 || list_find(&words, w3) < 0)
			bad_form++;
	}
	CHECK(bad_form == 0);
	/* All 10 digits without look-alike exclusion. */
	p.digits = 12;
	memset(digit, 0, sizeof(digit));
	for (int i = 0; i < 1000; i++) {
		policy_generate(&p, wl, NULL, out, sizeof(out));
		for (char *c = strrchr(out, '+') + 1; *c; c++)
			digit[0][*c - '0']++;
	}
	for (int dgt = 0; dgt < 10; dgt++)
		CHECK(digit[0][dgt] > 600);             /* 1,200 expected */

	free(count[0]);
	free(count[1]);
	list_free(&words);
	policy_release(&p);
	wordlists_free(wl);
}

/* A tiny list where names and the denylist really have to work. */
static void test_policy_generate_screening(void)
{
	char *w = tmp_file("tiny.txt", "amber\ngold\nmint\nfern\n");
	char *w2 = tmp_file("names.txt", "amber\ngold\n");
	char *w3 = tmp_file("tea.txt", "kite\nmint\nfern\nsand\n");
	char *nod = tmp_file("nodeny.txt", "# empty\n");
	char *tea = tmp_file("teadeny.txt", "tea\n");
	char *ass = tmp_file("assdeny.txt", "ass\n");
	struct wordlists *wl = load_quiet(w, nod);
	struct wordlists *only_names = load_quiet(w2, nod);
	struct wordlists *tea_open = load_quiet(w3, nod);
	struct wordlists *tea_barred = load_quiet(w3, tea);
	struct wordlists *ass_open = load_quiet(w, nod);
	struct wordlists *ass_barred = load_quiet(w, ass);
	unsigned seen[4] = { 0 };
	struct policy p;
	char out[256];
	int bad = 0, hits = 0, kite = 0;
	const char *msg;

	CHECK(wl && only_names && tea_open && tea_barred && ass_open &&
	      ass_barred);
	if (!wl || !only_names || !tea_open || !tea_barred || !ass_open ||
	    !ass_barred)
		goto out;

	/* Names: half of all draws hold "amber" or "gold"; none may pass. */
	policy_init(&p, "student");
	for (int i = 0; i < N; i++) {
		if (policy_generate(&p, wl, amber_gold, out, sizeof(out)) < 0 ||
		    holds(out, "amber") || holds(out, "gold") ||
		    holds(out, "agold")) {
			bad++;
			continue;
		}
		seen[0] += strncmp(out, "mint-mint", 9) == 0;
		seen[1] += strncmp(out, "mint-fern", 9) == 0;
		seen[2] += strncmp(out, "fern-mint", 9) == 0;
		seen[3] += strncmp(out, "fern-fern", 9) == 0;
	}
	CHECK(bad == 0);
	/* The four pairs left, each about 25,000 times. */
	for (int k = 0; k < 4; k++)
		CHECK(seen[k] > 22000 && seen[k] < 28000);
	/* Names match whole letter runs, whatever the case and swaps. */
	{
		const char *const odd[] = { "x-MINT 7", NULL };

		bad = 0;
		for (int i = 0; i < 2000; i++) {
			policy_generate(&p, wl, odd, out, sizeof(out));
			bad += strstr(out, "mint") != NULL;
		}
		CHECK(bad == 0);
	}

	/* Only names in the list: every draw fails, and that is reported. */
	stderr_swap_begin();
	CHECK(policy_generate(&p, only_names, amber_gold, out,
			      sizeof(out)) == -1);
	msg = stderr_swap_end();
	CHECK(strstr(msg, "policy 'student': 1000 draws in a row held a "
		      "denylisted word or the user's name"));
	CHECK(out[0] == '\0');

	/*
	 * Denylist, words style: with separator "4", "kite4" reads "tea",
	 * and so can the digits ("734"). Without the denylist about 45% of
	 * draws hold it; with it none may, and "kite" can never be drawn.
	 */
	free(p.separator);
	p.separator = xstrdup("4");
	p.digits = 3;
	p.exclude_lookalikes = 0;
	for (int i = 0; i < 20000; i++) {
		policy_generate(&p, tea_open, NULL, out, sizeof(out));
		hits += holds(out, "tea");
	}
	CHECK(hits > 20000 / 4);
	bad = 0;
	for (int i = 0; i < N; i++) {
		if (policy_generate(&p, tea_barred, NULL, out,
				    sizeof(out)) < 0 || holds(out, "tea"))
			bad++;
		kite += strstr(out, "kite") != NULL;
	}
	CHECK(bad == 0);
	CHECK(kite == 0);
	policy_release(&p);

	/*
	 * Denylist, random style: 62 places, and a, s standing for 4 of 65
	 * characters each, put "ass" in some form in about 1.4% of draws.
	 */
	policy_init(&p, "staff");
	free(p.symbols);
	p.symbols = xstrdup("$@!");
	p.exclude_lookalikes = 0;
	p.length = 64;
	hits = 0;
	for (int i = 0; i < 20000; i++) {
		policy_generate(&p, ass_open, NULL, out, sizeof(out));
		hits += holds(out, "ass");
	}
	CHECK(hits > 50);
	bad = 0;
	for (int i = 0; i < 20000; i++)
		if (policy_generate(&p, ass_barred, NULL, out,
				    sizeof(out)) != 64 || holds(out, "ass"))
			bad++;
	CHECK(bad == 0);
	policy_release(&p);
out:
	wordlists_free(wl);
	wordlists_free(only_names);
	wordlists_free(tea_open);
	wordlists_free(tea_barred);
	wordlists_free(ass_open);
	wordlists_free(ass_barred);
	unlink(w);
	unlink(w2);
	unlink(w3);
	unlink(nod);
	unlink(tea);
	unlink(ass);
	free(w);
	free(w2);
	free(w3);
	free(nod);
	free(tea);
	free(ass);
}

/* ==== policy_is_offensive ==== */

static void test_policy_is_offensive(void)
{
	static const char *const rude[] = {
		"shit", "SHIT", "sh1t", "5h!7", "a55", "@$$", "Pa55word",
		"h3ll0", "he11", "b00b", "xxc0ckxx", "d13", "fUcK", "4n4l",
	};
	static const char *const fine[] = {
		"", "kitten", "maple-otter-47", "Tq8#mZ2k", "xyz", "s-h-i-t",
	};
	struct wordlists *wl = load_quiet(WORDS_FILE, DENY_FILE);

	CHECK(wl != NULL);
	if (!wl)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(rude); i++)
		if (!policy_is_offensive(wl, rude[i])) {
			fprintf(stderr, "'%s' passed\n", rude[i]);
			CHECK(0);
		}
	for (size_t i = 0; i < ARRAY_SIZE(fine); i++)
		if (policy_is_offensive(wl, fine[i])) {
			fprintf(stderr, "'%s' was refused\n", fine[i]);
			CHECK(0);
		}
	wordlists_free(wl);
}

int main(void)
{
	if (secrets_init() < 0 || !mkdtemp(tmpdir))
		return 1;
	RUN(test_policy_init);
	RUN(test_policy_release);
	RUN(test_policy_set);
	RUN(test_wordlists_load);
	RUN(test_wordlists_free);
	RUN(test_policy_entropy);
	RUN(test_policy_check);
	RUN(test_policy_generate_random);
	RUN(test_policy_generate_words);
	RUN(test_policy_max_length);
	RUN(test_policy_generate_screening);
	RUN(test_policy_is_offensive);
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
		free(cmd);
	}
	TEST_EXIT();
}
