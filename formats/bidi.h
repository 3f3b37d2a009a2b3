/*
 * bidi: names in right-to-left and joining scripts, made ready for a
 * writer that draws one glyph per code point, left to right, without a
 * shaping engine (the PDF writer: libharu draws what it is given).
 * GNU FriBidi does the work; formats/bidi.c is the only file that
 * includes fribidi.h.
 *
 * A string is turned into the order it is seen in: Arabic letters are
 * joined into the presentation forms Unicode keeps for them (Arabic
 * Presentation Forms-A and -B, lam-alef ligatures included), then the
 * line is reordered by the Unicode Bidirectional Algorithm with a
 * left-to-right paragraph, so a Latin line stays left to right while a
 * run of Arabic or Hebrew inside it, or a name wholly in them, reads
 * right to left. Scripts whose letters change shape in ways presentation
 * forms cannot give (Devanagari, Bengali, Tamil ... and joining scripts
 * Unicode has no such forms for, as Syriac) are named, so the caller can
 * warn: they print unshaped.
 */
#ifndef TEMPASS_FORMAT_BIDI_H
#define TEMPASS_FORMAT_BIDI_H

#include "core/util.h"

struct bidi_info {
	/* Every strong character is right to left (a name wholly in
	 * Arabic or Hebrew): its visual form reads from the right. */
	int rtl;
	/* The first script in the string that prints unshaped, a static
	 * string ("Devanagari"), or NULL. */
	const char *unshaped;
};

/*
 * The visual form of UTF-8 s, as drawn from left to right. Returns 0 when
 * s is its own visual form (no right-to-left or joining character, no
 * direction mark: every string of Latin, Cyrillic, Greek, CJK ...), and
 * leaves out alone; 1 when out (reset first) holds the visual form,
 * shaped and reordered, with direction marks and joiners, which draw
 * nothing, left out. *info is set either way. s must be valid UTF-8.
 */
int bidi_visual(const char *s, struct sbuf *out, struct bidi_info *info);

/*
 * What an Arabic presentation form made by bidi_visual() stands for: the
 * base letters (1, or 2 for a lam-alef ligature, in logical order) in
 * base[], their number returned; 0 when cp is no such form.
 */
int bidi_base(unsigned cp, unsigned base[2]);

#endif
