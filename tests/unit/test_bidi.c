/*
 * Unit tests of formats/bidi.c: names in Arabic, Persian, Hebrew and
 * mixed with Latin, each checked code point by code point against the
 * joined forms and the order the Unicode standard gives them (the
 * presentation form of each letter in each position is Unicode's, from
 * its charts, not read back from the code); the scripts named as printing
 * unshaped; the way back from a presentation form to its letters.
 */
#include "formats/bidi.h"

#include "tests/unit/test.h"

/* The code points of UTF-8 s as "U+0041 U+FEFC ...", for readable diffs. */
static const char *points(struct sbuf *sb, const char *s)
{
	sbuf_reset(sb);
	for (size_t i = 0; s[i];) {
		unsigned cp;

		i += (size_t)utf8_decode(s + i, &cp);
		sbuf_addf(sb, "%sU+%04X", sb->len ? " " : "", cp);
	}
	return sbuf_str(sb);
}

/* bidi_visual() of name changes it, into the code points want, and
 * finds it wholly right to left or not. */
#define CHECK_VISUAL(name, want, want_rtl)                                 \
	do {                                                               \
		struct sbuf out_ = SBUF_INIT, p_ = SBUF_INIT;              \
		struct bidi_info info_;                                    \
		CHECK(bidi_visual((name), &out_, &info_) == 1);            \
		CHECK_STR(points(&p_, sbuf_str(&out_)), (want));           \
		CHECK(info_.rtl == (want_rtl));                            \
		CHECK(info_.unshaped == NULL);                             \
		sbuf_release(&out_);                                       \
		sbuf_release(&p_);                                         \
	} while (0)

static void test_bidi_visual_arabic(void)
{
	/* سلام: seen initial, lam-alef final as one ligature, meem
	 * isolated (alef joins nothing on its left); right to left. */
	CHECK_VISUAL("\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85",
		     "U+FEE1 U+FEFC U+FEB3", 1);
	/* محمد علي: two words, the first on the right. */
	CHECK_VISUAL("\xd9\x85\xd8\xad\xd9\x85\xd8\xaf "
		     "\xd8\xb9\xd9\x84\xd9\x8a",
		     "U+FEF2 U+FEE0 U+FECB U+0020 U+FEAA U+FEE4 U+FEA4 U+FEE3",
		     1);
}

static void test_bidi_visual_marks(void)
{
	/* مُحَمَّد with its vowel marks: each mark drawn just before (left
	 * of) its letter, where the letter starts; the marks join nothing. */
	CHECK_VISUAL("\xd9\x85\xd9\x8f\xd8\xad\xd9\x8e\xd9\x85\xd9\x91"
		     "\xd9\x8e\xd8\xaf",
		     "U+FEAA U+064E U+0651 U+FEE4 U+064E U+FEA4 U+064F U+FEE3",
		     1);
	/* שָׁלוֹם: the same for Hebrew points. */
	CHECK_VISUAL("\xd7\xa9\xd7\x81\xd6\xb8\xd7\x9c\xd7\x95\xd6\xb9"
		     "\xd7\x9d",
		     "U+05DD U+05B9 U+05D5 U+05DC U+05B8 U+05C1 U+05E9", 1);
}

static void test_bidi_visual_persian(void)
{
	/* پژمان: peh initial, zheh final (it joins nothing on its left),
	 * meem initial, alef final, noon isolated. */
	CHECK_VISUAL("\xd9\xbe\xda\x98\xd9\x85\xd8\xa7\xd9\x86",
		     "U+FEE5 U+FE8E U+FEE3 U+FB8B U+FB58", 1);
}

static void test_bidi_visual_hebrew(void)
{
	/* שלום: reversed, no joining. */
	CHECK_VISUAL("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
		     "U+05DD U+05D5 U+05DC U+05E9", 1);
}

static void test_bidi_visual_mixed(void)
{
	/* Ali علي: the line stays left to right, the Arabic word in it
	 * reads right to left: ain initial, lam medial, yeh final. */
	CHECK_VISUAL("Ali \xd8\xb9\xd9\x84\xd9\x8a",
		     "U+0041 U+006C U+0069 U+0020 U+FEF2 U+FEE0 U+FECB", 0);
	/* محمد Smith: the Arabic word first, on the left. */
	CHECK_VISUAL("\xd9\x85\xd8\xad\xd9\x85\xd8\xaf Smith",
		     "U+FEAA U+FEE4 U+FEA4 U+FEE3 U+0020 U+0053 U+006D U+0069 "
		     "U+0074 U+0068", 0);
	/* A right-to-left mark steers and draws nothing. */
	CHECK_VISUAL("A\xe2\x80\x8f" "B", "U+0041 U+0042", 0);
}

static void test_bidi_visual_unchanged(void)
{
	static const char *const names[] = {
		"", "Smith", "Zo\xc3\xab \xc5\x81ukasz", "Nguy\xe1\xbb\x85n",
		"\xe6\x98\x8e \xe6\x9d\x8e", "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sbuf out = SBUF_INIT;
		struct bidi_info info;

		sbuf_addstr(&out, "kept");
		CHECK(bidi_visual(names[i], &out, &info) == 0);
		CHECK_STR(sbuf_str(&out), "kept");
		CHECK(!info.rtl && !info.unshaped);
		sbuf_release(&out);
	}
}

static void test_bidi_unshaped(void)
{
	struct sbuf out = SBUF_INIT;
	struct bidi_info info;

	/* प्रिया (Devanagari): a conjunct and a vowel sign that moves. */
	CHECK(bidi_visual("\xe0\xa4\xaa\xe0\xa5\x8d\xe0\xa4\xb0\xe0\xa4\xbf"
			  "\xe0\xa4\xaf\xe0\xa4\xbe", &out, &info) == 0);
	CHECK_STR(info.unshaped, "Devanagari");
	/* Tamil after Latin: the first script that needs shaping. */
	CHECK(bidi_visual("Anbu \xe0\xae\x85\xe0\xae\xa9\xe0\xaf\x8d\xe0\xae"
			  "\xaa\xe0\xaf\x81", &out, &info) == 0);
	CHECK_STR(info.unshaped, "Tamil");
	/* ܒܓܐ (Syriac): joined letters Unicode has no forms for. */
	CHECK(bidi_visual("\xdc\x92\xdc\x93\xdc\x90", &out, &info) == 1);
	CHECK_STR(info.unshaped, "Syriac");
	CHECK(info.rtl);
	sbuf_release(&out);
}

static void test_bidi_base(void)
{
	unsigned b[2] = { 0, 0 };

	CHECK(bidi_base(0xFEE3, b) == 1 && b[0] == 0x0645);
	CHECK(bidi_base(0xFB58, b) == 1 && b[0] == 0x067E);
	CHECK(bidi_base(0xFB8B, b) == 1 && b[0] == 0x0698);
	CHECK(bidi_base(0xFEFC, b) == 2 && b[0] == 0x0644 && b[1] == 0x0627);
	CHECK(bidi_base(0xFEF5, b) == 2 && b[0] == 0x0644 && b[1] == 0x0622);
	CHECK(bidi_base('A', b) == 0);
	CHECK(bidi_base(0x0645, b) == 0);
	CHECK(bidi_base(0xFE30, b) == 0);
	/* Every form bidi_visual() makes of a letter leads back to it. */
	for (unsigned c = 0x0621; c <= 0x064A; c++) {
		struct sbuf out = SBUF_INIT;
		struct bidi_info info;
		char s[3] = { (char)(0xC0 | c >> 6), (char)(0x80 | (c & 0x3F)) };
		unsigned cp;

		if (bidi_visual(s, &out, &info) == 1 && out.len) {
			utf8_decode(out.buf, &cp);
			if (cp != c)
				CHECK(bidi_base(cp, b) == 1 && b[0] == c);
		}
		sbuf_release(&out);
	}
}

int main(void)
{
	RUN(test_bidi_visual_arabic);
	RUN(test_bidi_visual_marks);
	RUN(test_bidi_visual_persian);
	RUN(test_bidi_visual_hebrew);
	RUN(test_bidi_visual_mixed);
	RUN(test_bidi_visual_unchanged);
	RUN(test_bidi_unshaped);
	RUN(test_bidi_base);
	TEST_EXIT();
}
