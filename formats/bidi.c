/*
 * bidi: the visual form of a line of text, by GNU FriBidi (see bidi.h).
 * The only file that includes fribidi.h.
 *
 * The one choice a reader needs: shaping stops at what Unicode's Arabic
 * presentation forms can express. Those are single code points a font
 * draws without a shaping engine, so the writer keeps drawing one glyph
 * per code point. Every script that needs more (conjuncts, reordered
 * vowel signs, stacked marks, joining letters with no presentation form)
 * is named instead of half-drawn: printing it unshaped is the caller's
 * choice, reported to the person who reads the warnings.
 */
#include "formats/bidi.h"

#include <fribidi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* ==== Scripts ==== */

/*
 * Blocks whose scripts print wrong without a shaping engine: consonant
 * clusters and vowel signs that move or stack (Brahmic scripts, Thai,
 * Lao, Tibetan, Myanmar, Khmer), and joining scripts Unicode gives no
 * presentation forms to (Mongolian). Joining letters of the right-to-left
 * scripts are judged one by one instead (unshaped_joiner()). In code
 * point order.
 */
static const struct block {
	unsigned first, last;
	const char *script;
	int always;                /* unshaped whatever the letters */
} blocks[] = {
	{ 0x0590, 0x05FF, "Hebrew", 0 },
	{ 0x0600, 0x06FF, "Arabic", 0 },
	{ 0x0700, 0x074F, "Syriac", 0 },
	{ 0x0750, 0x077F, "Arabic", 0 },
	{ 0x07C0, 0x07FF, "NKo", 0 },
	{ 0x0840, 0x085F, "Mandaic", 0 },
	{ 0x0860, 0x086F, "Syriac", 0 },
	{ 0x0870, 0x08FF, "Arabic", 0 },
	{ 0x0900, 0x097F, "Devanagari", 1 },
	{ 0x0980, 0x09FF, "Bengali", 1 },
	{ 0x0A00, 0x0A7F, "Gurmukhi", 1 },
	{ 0x0A80, 0x0AFF, "Gujarati", 1 },
	{ 0x0B00, 0x0B7F, "Oriya", 1 },
	{ 0x0B80, 0x0BFF, "Tamil", 1 },
	{ 0x0C00, 0x0C7F, "Telugu", 1 },
	{ 0x0C80, 0x0CFF, "Kannada", 1 },
	{ 0x0D00, 0x0D7F, "Malayalam", 1 },
	{ 0x0D80, 0x0DFF, "Sinhala", 1 },
	{ 0x0E00, 0x0E7F, "Thai", 1 },
	{ 0x0E80, 0x0EFF, "Lao", 1 },
	{ 0x0F00, 0x0FFF, "Tibetan", 1 },
	{ 0x1000, 0x109F, "Myanmar", 1 },
	{ 0x1780, 0x17FF, "Khmer", 1 },
	{ 0x1800, 0x18AF, "Mongolian", 1 },
	{ 0x1900, 0x194F, "Limbu", 1 },
	{ 0x1980, 0x19DF, "New Tai Lue", 1 },
	{ 0x19E0, 0x19FF, "Khmer", 1 },
	{ 0x1A20, 0x1AAF, "Tai Tham", 1 },
	{ 0x1B00, 0x1B7F, "Balinese", 1 },
	{ 0x1B80, 0x1BBF, "Sundanese", 1 },
	{ 0x1BC0, 0x1BFF, "Batak", 1 },
	{ 0x1C00, 0x1C4F, "Lepcha", 1 },
	{ 0xA800, 0xA82F, "Syloti Nagri", 1 },
	{ 0xA840, 0xA877, "Phags-pa", 1 },
	{ 0xA880, 0xA8DF, "Saurashtra", 1 },
	{ 0xA8E0, 0xA8FF, "Devanagari", 1 },
	{ 0xA980, 0xA9DF, "Javanese", 1 },
	{ 0xA9E0, 0xA9FF, "Myanmar", 1 },
	{ 0xAA00, 0xAA5F, "Cham", 1 },
	{ 0xAA60, 0xAA7F, "Myanmar", 1 },
	{ 0xAA80, 0xAADF, "Tai Viet", 1 },
	{ 0xABC0, 0xABFF, "Meetei Mayek", 1 },
};

static const struct block *block_of(unsigned cp)
{
	size_t lo = 0, hi = sizeof(blocks) / sizeof(blocks[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < blocks[mid].first)
			hi = mid;
		else if (cp > blocks[mid].last)
			lo = mid + 1;
		else
			return &blocks[mid];
	}
	return NULL;
}

/* ==== Visual order ==== */

/* Marks that steer the algorithm and draw nothing: left out of the
 * visual form, where a font would print them as '?' or a box. */
static int invisible(FriBidiChar c)
{
	return c == FRIBIDI_CHAR_FILL || c == 0x061C ||
	       (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* Whether a character makes the visual form differ from s. */
static int moves(FriBidiChar c)
{
	FriBidiCharType t = fribidi_get_bidi_type(c);

	return FRIBIDI_IS_RTL(t) || FRIBIDI_IS_EXPLICIT(t) ||
	       FRIBIDI_IS_ISOLATE(t) || invisible(c) ||
	       (c >= 0x0600 && c <= 0x08FF);
}

static void add_utf8(struct sbuf *sb, FriBidiChar c)
{
	char b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xC0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xE0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3F));
		b[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | c >> 18);
		b[1] = (char)(0x80 | (c >> 12 & 0x3F));
		b[2] = (char)(0x80 | (c >> 6 & 0x3F));
		b[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	sbuf_add(sb, b, n);
}

/*
 * A letter fribidi joined to a neighbour but could give no joined form
 * (a Syriac letter, an Arabic letter outside the presentation forms):
 * it would print as its isolated form, which misleads a reader.
 */
static int unshaped_joiner(FriBidiChar was, FriBidiChar now,
			   FriBidiArabicProp p)
{
	return was == now && (p & FRIBIDI_MASK_ARAB_SHAPES) &&
	       !(p & FRIBIDI_MASK_TRANSPARENT) &&
	       (p & (FRIBIDI_MASK_JOINS_RIGHT | FRIBIDI_MASK_JOINS_LEFT));
}

int bidi_visual(const char *s, struct sbuf *out, struct bidi_info *info)
{
	FriBidiChar *str, *was;
	FriBidiCharType *types;
	FriBidiBracketType *brackets;
	FriBidiLevel *levels;
	FriBidiArabicProp *props;
	FriBidiParType dir = FRIBIDI_PAR_LTR;
	size_t i = 0, n = 0;
	int needed = 0, left = 0, right = 0;

	info->rtl = 0;
	info->unshaped = NULL;
	while (s[i]) {
		unsigned cp;
		const struct block *b;
		FriBidiCharType t;

		if ((unsigned char)s[i] < 0x80) {
			left |= (s[i] >= 'A' && s[i] <= 'Z') ||
				(s[i] >= 'a' && s[i] <= 'z');
			i++;
			n++;
			continue;
		}
		i += (size_t)utf8_decode(s + i, &cp);
		n++;
		b = block_of(cp);
		if (b && b->always && !info->unshaped)
			info->unshaped = b->script;
		t = fribidi_get_bidi_type(cp);
		left |= t == FRIBIDI_TYPE_LTR;
		right |= t == FRIBIDI_TYPE_RTL || t == FRIBIDI_TYPE_AL;
		needed |= moves(cp);
	}
	info->rtl = right && !left;
	if (!needed)
		return 0;

	str = xmalloc(n * sizeof(*str));
	was = xmalloc(n * sizeof(*was));
	types = xmalloc(n * sizeof(*types));
	brackets = xmalloc(n * sizeof(*brackets));
	levels = xmalloc(n * sizeof(*levels));
	props = xmalloc(n * sizeof(*props));
	for (i = 0, n = 0; s[i]; n++) {
		unsigned cp;

		i += (size_t)utf8_decode(s + i, &cp);
		str[n] = was[n] = cp;
	}
	fribidi_get_bidi_types(str, (FriBidiStrIndex)n, types);
	fribidi_get_bracket_types(str, (FriBidiStrIndex)n, types, brackets);
	if (!fribidi_get_par_embedding_levels_ex(types, brackets,
						 (FriBidiStrIndex)n, &dir,
						 levels))
		die("out of memory");
	fribidi_get_joining_types(str, (FriBidiStrIndex)n, props);
	fribidi_join_arabic(types, (FriBidiStrIndex)n, levels, props);
	fribidi_shape(FRIBIDI_FLAGS_DEFAULT | FRIBIDI_FLAGS_ARABIC, levels,
		      (FriBidiStrIndex)n, props, str);
	for (i = 0; i < n && !info->unshaped; i++)
		if (unshaped_joiner(was[i], str[i], props[i])) {
			const struct block *b = block_of(was[i]);

			info->unshaped = b ? b->script : "Arabic";
		}
	/* A mark stays on the left of its letter in a right-to-left run:
	 * with no advance of its own, it is drawn where the letter starts,
	 * over it, as the fonts draw marks for right-to-left text. */
	if (!fribidi_reorder_line(FRIBIDI_FLAGS_DEFAULT &
				  ~FRIBIDI_FLAG_REORDER_NSM, types,
				  (FriBidiStrIndex)n, 0, dir, levels, str,
				  NULL))
		die("out of memory");
	sbuf_reset(out);
	for (i = 0; i < n; i++)
		if (!invisible(str[i]))
			add_utf8(out, str[i]);
	free(str);
	free(was);
	free(types);
	free(brackets);
	free(levels);
	free(props);
	return 1;
}

/* ==== Back from presentation forms ==== */

/* The lam-alef ligatures, isolated and final: FEF5 ... FEFC. */
static const unsigned lam_alef[4] = { 0x0622, 0x0623, 0x0625, 0x0627 };

/* The base letter of each form from FORMS_FIRST to FORMS_LAST, 0 none. */
#define FORMS_FIRST	0xFB50
#define FORMS_LAST	0xFEFC
static uint16_t form_base[FORMS_LAST - FORMS_FIRST + 1];
static pthread_once_t forms_once = PTHREAD_ONCE_INIT;

/* The forms fribidi makes, asked of it: each joining letter in each of
 * its four positions. */
static void forms_init(void)
{
	for (FriBidiChar c = 0x0621; c <= 0x06FF; c++) {
		FriBidiArabicProp p = fribidi_get_joining_type(c);
		FriBidiLevel level = 1;

		if (!(p & FRIBIDI_MASK_ARAB_SHAPES) ||
		    (p & FRIBIDI_MASK_TRANSPARENT))
			continue;
		for (FriBidiArabicProp join = 0; join < 4; join++) {
			FriBidiArabicProp q = (FriBidiArabicProp)
				((p & ~(FRIBIDI_MASK_JOINS_RIGHT |
					FRIBIDI_MASK_JOINS_LEFT)) | join);
			FriBidiChar x = c;

			fribidi_shape_arabic(FRIBIDI_FLAG_SHAPE_ARAB_PRES,
					     &level, 1, &q, &x);
			if (x != c && x >= FORMS_FIRST && x <= FORMS_LAST &&
			    !form_base[x - FORMS_FIRST])
				form_base[x - FORMS_FIRST] = (uint16_t)c;
		}
	}
}

int bidi_base(unsigned cp, unsigned base[2])
{
	if (cp >= 0xFEF5 && cp <= 0xFEFC) {
		base[0] = 0x0644;
		base[1] = lam_alef[(cp - 0xFEF5) / 2];
		return 2;
	}
	if (cp < FORMS_FIRST || cp > FORMS_LAST)
		return 0;
	pthread_once(&forms_once, forms_init);
	base[0] = form_base[cp - FORMS_FIRST];
	return base[0] != 0;
}
