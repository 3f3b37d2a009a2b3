/*
 * translit: names to the lower-case ASCII letters and digits that usernames
 * are made of. A fixed table from code point to ASCII, sorted by code point
 * and searched with bsearch(), so the result never depends on the locale
 * and a name always gives the same letters. ASCII never reaches the table.
 *
 * Latin letters lose their diacritics (ü is u, not ue: Müller -> muller);
 * Greek follows ELOT 743 and Cyrillic ICAO Doc 9303, the spellings on
 * passports, so a username matches what a family writes on forms. Greek is
 * the one script whose letters depend on their neighbours, so its entries
 * carry flags for the ELOT 743 pairs: ου is ou; αυ ευ ηυ are av ev iv before
 * a vowel or voiced consonant, af ef if otherwise; γ before γ ξ χ is n; μπ
 * is b at either end of a word (Ευάγγελος -> evangelos, Μπότσαρης ->
 * botsaris). An accent on the first letter, or a diaeresis on the second,
 * splits a pair, as in the standard (άυλος -> aylos).
 */
#include "core/translit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What a Greek letter means to its neighbours. */
enum {
	GL = 1 << 0,	/* any Greek letter: words end where they stop */
	GV = 1 << 1,	/* vowel or voiced consonant: αυ before it is av */
	GA = 1 << 2,	/* α ε η without accent: υ after it is v or f */
	GO = 1 << 3,	/* ο without accent: υ after it is u */
	GU = 1 << 4,	/* υ without diaeresis */
	GG = 1 << 5,	/* γ */
	GN = 1 << 6,	/* γ ξ χ: γ before it is n */
	GM = 1 << 7,	/* μ */
	GP = 1 << 8,	/* π */
};

struct translit {
	uint16_t cp;
	uint16_t greek;		/* G* flags; 0 outside Greek */
	char ascii[5];		/* at most 4 letters: щ is shch */
};

#define L(cp, s) { cp, 0, s }
#define G(cp, s, flags) { cp, (flags) | GL, s }

/*
 * Letters with diacritics map to their base letter (their Unicode
 * decomposition); the rest are listed by hand. Code points not here are
 * dropped.
 */
static const struct translit table[] = {

	/* Latin-1 Supplement */
	L(0x00AA, "a"), L(0x00BA, "o"), L(0x00C0, "a"), /* ª º À */
	L(0x00C1, "a"), L(0x00C2, "a"), L(0x00C3, "a"), /* Á Â Ã */
	L(0x00C4, "a"), L(0x00C5, "a"), L(0x00C6, "ae"), /* Ä Å Æ */
	L(0x00C7, "c"), L(0x00C8, "e"), L(0x00C9, "e"), /* Ç È É */
	L(0x00CA, "e"), L(0x00CB, "e"), L(0x00CC, "i"), /* Ê Ë Ì */
	L(0x00CD, "i"), L(0x00CE, "i"), L(0x00CF, "i"), /* Í Î Ï */
	L(0x00D0, "d"), L(0x00D1, "n"), L(0x00D2, "o"), /* Ð Ñ Ò */
	L(0x00D3, "o"), L(0x00D4, "o"), L(0x00D5, "o"), /* Ó Ô Õ */
	L(0x00D6, "o"), L(0x00D8, "o"), L(0x00D9, "u"), /* Ö Ø Ù */
	L(0x00DA, "u"), L(0x00DB, "u"), L(0x00DC, "u"), /* Ú Û Ü */
	L(0x00DD, "y"), L(0x00DE, "th"), L(0x00DF, "ss"), /* Ý Þ ß */
	L(0x00E0, "a"), L(0x00E1, "a"), L(0x00E2, "a"), /* à á â */
	L(0x00E3, "a"), L(0x00E4, "a"), L(0x00E5, "a"), /* ã ä å */
	L(0x00E6, "ae"), L(0x00E7, "c"), L(0x00E8, "e"), /* æ ç è */
	L(0x00E9, "e"), L(0x00EA, "e"), L(0x00EB, "e"), /* é ê ë */
	L(0x00EC, "i"), L(0x00ED, "i"), L(0x00EE, "i"), /* ì í î */
	L(0x00EF, "i"), L(0x00F0, "d"), L(0x00F1, "n"), /* ï ð ñ */
	L(0x00F2, "o"), L(0x00F3, "o"), L(0x00F4, "o"), /* ò ó ô */
	L(0x00F5, "o"), L(0x00F6, "o"), L(0x00F8, "o"), /* õ ö ø */
	L(0x00F9, "u"), L(0x00FA, "u"), L(0x00FB, "u"), /* ù ú û */
	L(0x00FC, "u"), L(0x00FD, "y"), L(0x00FE, "th"), /* ü ý þ */
	L(0x00FF, "y"), /* ÿ */

	/* Latin Extended-A */
	L(0x0100, "a"), L(0x0101, "a"), L(0x0102, "a"), /* Ā ā Ă */
	L(0x0103, "a"), L(0x0104, "a"), L(0x0105, "a"), /* ă Ą ą */
	L(0x0106, "c"), L(0x0107, "c"), L(0x0108, "c"), /* Ć ć Ĉ */
	L(0x0109, "c"), L(0x010A, "c"), L(0x010B, "c"), /* ĉ Ċ ċ */
	L(0x010C, "c"), L(0x010D, "c"), L(0x010E, "d"), /* Č č Ď */
	L(0x010F, "d"), L(0x0110, "d"), L(0x0111, "d"), /* ď Đ đ */
	L(0x0112, "e"), L(0x0113, "e"), L(0x0114, "e"), /* Ē ē Ĕ */
	L(0x0115, "e"), L(0x0116, "e"), L(0x0117, "e"), /* ĕ Ė ė */
	L(0x0118, "e"), L(0x0119, "e"), L(0x011A, "e"), /* Ę ę Ě */
	L(0x011B, "e"), L(0x011C, "g"), L(0x011D, "g"), /* ě Ĝ ĝ */
	L(0x011E, "g"), L(0x011F, "g"), L(0x0120, "g"), /* Ğ ğ Ġ */
	L(0x0121, "g"), L(0x0122, "g"), L(0x0123, "g"), /* ġ Ģ ģ */
	L(0x0124, "h"), L(0x0125, "h"), L(0x0126, "h"), /* Ĥ ĥ Ħ */
	L(0x0127, "h"), L(0x0128, "i"), L(0x0129, "i"), /* ħ Ĩ ĩ */
	L(0x012A, "i"), L(0x012B, "i"), L(0x012C, "i"), /* Ī ī Ĭ */
	L(0x012D, "i"), L(0x012E, "i"), L(0x012F, "i"), /* ĭ Į į */
	L(0x0130, "i"), L(0x0131, "i"), L(0x0132, "ij"), /* İ ı Ĳ */
	L(0x0133, "ij"), L(0x0134, "j"), L(0x0135, "j"), /* ĳ Ĵ ĵ */
	L(0x0136, "k"), L(0x0137, "k"), L(0x0138, "k"), /* Ķ ķ ĸ */
	L(0x0139, "l"), L(0x013A, "l"), L(0x013B, "l"), /* Ĺ ĺ Ļ */
	L(0x013C, "l"), L(0x013D, "l"), L(0x013E, "l"), /* ļ Ľ ľ */
	L(0x013F, "l"), L(0x0140, "l"), L(0x0141, "l"), /* Ŀ ŀ Ł */
	L(0x0142, "l"), L(0x0143, "n"), L(0x0144, "n"), /* ł Ń ń */
	L(0x0145, "n"), L(0x0146, "n"), L(0x0147, "n"), /* Ņ ņ Ň */
	L(0x0148, "n"), L(0x0149, "n"), L(0x014A, "ng"), /* ň ŉ Ŋ */
	L(0x014B, "ng"), L(0x014C, "o"), L(0x014D, "o"), /* ŋ Ō ō */
	L(0x014E, "o"), L(0x014F, "o"), L(0x0150, "o"), /* Ŏ ŏ Ő */
	L(0x0151, "o"), L(0x0152, "oe"), L(0x0153, "oe"), /* ő Œ œ */
	L(0x0154, "r"), L(0x0155, "r"), L(0x0156, "r"), /* Ŕ ŕ Ŗ */
	L(0x0157, "r"), L(0x0158, "r"), L(0x0159, "r"), /* ŗ Ř ř */
	L(0x015A, "s"), L(0x015B, "s"), L(0x015C, "s"), /* Ś ś Ŝ */
	L(0x015D, "s"), L(0x015E, "s"), L(0x015F, "s"), /* ŝ Ş ş */
	L(0x0160, "s"), L(0x0161, "s"), L(0x0162, "t"), /* Š š Ţ */
	L(0x0163, "t"), L(0x0164, "t"), L(0x0165, "t"), /* ţ Ť ť */
	L(0x0166, "t"), L(0x0167, "t"), L(0x0168, "u"), /* Ŧ ŧ Ũ */
	L(0x0169, "u"), L(0x016A, "u"), L(0x016B, "u"), /* ũ Ū ū */
	L(0x016C, "u"), L(0x016D, "u"), L(0x016E, "u"), /* Ŭ ŭ Ů */
	L(0x016F, "u"), L(0x0170, "u"), L(0x0171, "u"), /* ů Ű ű */
	L(0x0172, "u"), L(0x0173, "u"), L(0x0174, "w"), /* Ų ų Ŵ */
	L(0x0175, "w"), L(0x0176, "y"), L(0x0177, "y"), /* ŵ Ŷ ŷ */
	L(0x0178, "y"), L(0x0179, "z"), L(0x017A, "z"), /* Ÿ Ź ź */
	L(0x017B, "z"), L(0x017C, "z"), L(0x017D, "z"), /* Ż ż Ž */
	L(0x017E, "z"), L(0x017F, "s"), /* ž ſ */

	/* Latin Extended-B */
	L(0x0180, "b"), L(0x0181, "b"), L(0x0182, "b"), /* ƀ Ɓ Ƃ */
	L(0x0183, "b"), L(0x0186, "o"), L(0x0187, "c"), /* ƃ Ɔ Ƈ */
	L(0x0188, "c"), L(0x0189, "d"), L(0x018A, "d"), /* ƈ Ɖ Ɗ */
	L(0x018B, "d"), L(0x018C, "d"), L(0x018E, "e"), /* Ƌ ƌ Ǝ */
	L(0x018F, "a"), L(0x0190, "e"), L(0x0191, "f"), /* Ə Ɛ Ƒ */
	L(0x0192, "f"), L(0x0193, "g"), L(0x0194, "g"), /* ƒ Ɠ Ɣ */
	L(0x0195, "hv"), L(0x0196, "i"), L(0x0197, "i"), /* ƕ Ɩ Ɨ */
	L(0x0198, "k"), L(0x0199, "k"), L(0x019A, "l"), /* Ƙ ƙ ƚ */
	L(0x019C, "m"), L(0x019D, "n"), L(0x019E, "n"), /* Ɯ Ɲ ƞ */
	L(0x019F, "o"), L(0x01A0, "o"), L(0x01A1, "o"), /* Ɵ Ơ ơ */
	L(0x01A2, "gh"), L(0x01A3, "gh"), L(0x01A4, "p"), /* Ƣ ƣ Ƥ */
	L(0x01A5, "p"), L(0x01A6, "r"), L(0x01A9, "sh"), /* ƥ Ʀ Ʃ */
	L(0x01AB, "t"), L(0x01AC, "t"), L(0x01AD, "t"), /* ƫ Ƭ ƭ */
	L(0x01AE, "t"), L(0x01AF, "u"), L(0x01B0, "u"), /* Ʈ Ư ư */
	L(0x01B1, "u"), L(0x01B2, "v"), L(0x01B3, "y"), /* Ʊ Ʋ Ƴ */
	L(0x01B4, "y"), L(0x01B5, "z"), L(0x01B6, "z"), /* ƴ Ƶ ƶ */
	L(0x01B7, "z"), L(0x01BA, "z"), L(0x01BF, "w"), /* Ʒ ƺ ƿ */
	L(0x01C4, "dz"), L(0x01C5, "dz"), L(0x01C6, "dz"), /* Ǆ ǅ ǆ */
	L(0x01C7, "lj"), L(0x01C8, "lj"), L(0x01C9, "lj"), /* Ǉ ǈ ǉ */
	L(0x01CA, "nj"), L(0x01CB, "nj"), L(0x01CC, "nj"), /* Ǌ ǋ ǌ */
	L(0x01CD, "a"), L(0x01CE, "a"), L(0x01CF, "i"), /* Ǎ ǎ Ǐ */
	L(0x01D0, "i"), L(0x01D1, "o"), L(0x01D2, "o"), /* ǐ Ǒ ǒ */
	L(0x01D3, "u"), L(0x01D4, "u"), L(0x01D5, "u"), /* Ǔ ǔ Ǖ */
	L(0x01D6, "u"), L(0x01D7, "u"), L(0x01D8, "u"), /* ǖ Ǘ ǘ */
	L(0x01D9, "u"), L(0x01DA, "u"), L(0x01DB, "u"), /* Ǚ ǚ Ǜ */
	L(0x01DC, "u"), L(0x01DD, "e"), L(0x01DE, "a"), /* ǜ ǝ Ǟ */
	L(0x01DF, "a"), L(0x01E0, "a"), L(0x01E1, "a"), /* ǟ Ǡ ǡ */
	L(0x01E2, "ae"), L(0x01E3, "ae"), L(0x01E4, "g"), /* Ǣ ǣ Ǥ */
	L(0x01E5, "g"), L(0x01E6, "g"), L(0x01E7, "g"), /* ǥ Ǧ ǧ */
	L(0x01E8, "k"), L(0x01E9, "k"), L(0x01EA, "o"), /* Ǩ ǩ Ǫ */
	L(0x01EB, "o"), L(0x01EC, "o"), L(0x01ED, "o"), /* ǫ Ǭ ǭ */
	L(0x01EE, "z"), L(0x01EF, "z"), L(0x01F0, "j"), /* Ǯ ǯ ǰ */
	L(0x01F1, "dz"), L(0x01F2, "dz"), L(0x01F3, "dz"), /* Ǳ ǲ ǳ */
	L(0x01F4, "g"), L(0x01F5, "g"), L(0x01F6, "hv"), /* Ǵ ǵ Ƕ */
	L(0x01F7, "w"), L(0x01F8, "n"), L(0x01F9, "n"), /* Ƿ Ǹ ǹ */
	L(0x01FA, "a"), L(0x01FB, "a"), L(0x01FC, "ae"), /* Ǻ ǻ Ǽ */
	L(0x01FD, "ae"), L(0x01FE, "o"), L(0x01FF, "o"), /* ǽ Ǿ ǿ */
	L(0x0200, "a"), L(0x0201, "a"), L(0x0202, "a"), /* Ȁ ȁ Ȃ */
	L(0x0203, "a"), L(0x0204, "e"), L(0x0205, "e"), /* ȃ Ȅ ȅ */
	L(0x0206, "e"), L(0x0207, "e"), L(0x0208, "i"), /* Ȇ ȇ Ȉ */
	L(0x0209, "i"), L(0x020A, "i"), L(0x020B, "i"), /* ȉ Ȋ ȋ */
	L(0x020C, "o"), L(0x020D, "o"), L(0x020E, "o"), /* Ȍ ȍ Ȏ */
	L(0x020F, "o"), L(0x0210, "r"), L(0x0211, "r"), /* ȏ Ȑ ȑ */
	L(0x0212, "r"), L(0x0213, "r"), L(0x0214, "u"), /* Ȓ ȓ Ȕ */
	L(0x0215, "u"), L(0x0216, "u"), L(0x0217, "u"), /* ȕ Ȗ ȗ */
	L(0x0218, "s"), L(0x0219, "s"), L(0x021A, "t"), /* Ș ș Ț */
	L(0x021B, "t"), L(0x021C, "y"), L(0x021D, "y"), /* ț Ȝ ȝ */
	L(0x021E, "h"), L(0x021F, "h"), L(0x0220, "n"), /* Ȟ ȟ Ƞ */
	L(0x0221, "d"), L(0x0222, "ou"), L(0x0223, "ou"), /* ȡ Ȣ ȣ */
	L(0x0224, "z"), L(0x0225, "z"), L(0x0226, "a"), /* Ȥ ȥ Ȧ */
	L(0x0227, "a"), L(0x0228, "e"), L(0x0229, "e"), /* ȧ Ȩ ȩ */
	L(0x022A, "o"), L(0x022B, "o"), L(0x022C, "o"), /* Ȫ ȫ Ȭ */
	L(0x022D, "o"), L(0x022E, "o"), L(0x022F, "o"), /* ȭ Ȯ ȯ */
	L(0x0230, "o"), L(0x0231, "o"), L(0x0232, "y"), /* Ȱ ȱ Ȳ */
	L(0x0233, "y"), L(0x0234, "l"), L(0x0235, "n"), /* ȳ ȴ ȵ */
	L(0x0236, "t"), L(0x0237, "j"), L(0x0238, "db"), /* ȶ ȷ ȸ */
	L(0x0239, "qp"), L(0x023A, "a"), L(0x023B, "c"), /* ȹ Ⱥ Ȼ */
	L(0x023C, "c"), L(0x023D, "l"), L(0x023E, "t"), /* ȼ Ƚ Ⱦ */
	L(0x023F, "s"), L(0x0240, "z"), L(0x0243, "b"), /* ȿ ɀ Ƀ */
	L(0x0244, "u"), L(0x0246, "e"), L(0x0247, "e"), /* Ʉ Ɇ ɇ */
	L(0x0248, "j"), L(0x0249, "j"), L(0x024A, "q"), /* Ɉ ɉ Ɋ */
	L(0x024B, "q"), L(0x024C, "r"), L(0x024D, "r"), /* ɋ Ɍ ɍ */
	L(0x024E, "y"), L(0x024F, "y"), /* Ɏ ɏ */

	/* IPA Extensions: lower case of African letters above, and schwa */
	L(0x0253, "b"), L(0x0254, "o"), L(0x0256, "d"), /* ɓ ɔ ɖ */
	L(0x0257, "d"), L(0x0259, "a"), L(0x025B, "e"), /* ɗ ə ɛ */
	L(0x0260, "g"), L(0x0263, "g"), L(0x0268, "i"), /* ɠ ɣ ɨ */
	L(0x0269, "i"), L(0x026F, "m"), L(0x0272, "n"), /* ɩ ɯ ɲ */
	L(0x0275, "o"), L(0x0280, "r"), L(0x0283, "sh"), /* ɵ ʀ ʃ */
	L(0x0288, "t"), L(0x0289, "u"), L(0x028A, "u"), /* ʈ ʉ ʊ */
	L(0x028B, "v"), L(0x0292, "z"), /* ʋ ʒ */

	/* Greek (ELOT 743, as on Greek passports) */
	G(0x037F, "j", 0), G(0x0386, "a", GV), G(0x0388, "e", GV), /* Ϳ Ά Έ */
	G(0x0389, "i", GV), G(0x038A, "i", GV), G(0x038C, "o", GV), /* Ή Ί Ό */
	G(0x038E, "y", GV | GU), G(0x038F, "o", GV), /* Ύ Ώ */
	G(0x0390, "i", GV), G(0x0391, "a", GV | GA), /* ΐ Α */
	G(0x0392, "v", GV), G(0x0393, "g", GV | GG | GN), /* Β Γ */
	G(0x0394, "d", GV), G(0x0395, "e", GV | GA), /* Δ Ε */
	G(0x0396, "z", GV), G(0x0397, "i", GV | GA), /* Ζ Η */
	G(0x0398, "th", 0), G(0x0399, "i", GV), G(0x039A, "k", 0), /* Θ Ι Κ */
	G(0x039B, "l", GV), G(0x039C, "m", GV | GM), /* Λ Μ */
	G(0x039D, "n", GV), G(0x039E, "x", GN), /* Ν Ξ */
	G(0x039F, "o", GV | GO), G(0x03A0, "p", GP), /* Ο Π */
	G(0x03A1, "r", GV), G(0x03A3, "s", 0), G(0x03A4, "t", 0), /* Ρ Σ Τ */
	G(0x03A5, "y", GV | GU), G(0x03A6, "f", 0), /* Υ Φ */
	G(0x03A7, "ch", GN), G(0x03A8, "ps", 0), /* Χ Ψ */
	G(0x03A9, "o", GV), G(0x03AA, "i", GV), G(0x03AB, "y", GV), /* Ω Ϊ Ϋ */
	G(0x03AC, "a", GV), G(0x03AD, "e", GV), G(0x03AE, "i", GV), /* ά έ ή */
	G(0x03AF, "i", GV), G(0x03B0, "y", GV), /* ί ΰ */
	G(0x03B1, "a", GV | GA), G(0x03B2, "v", GV), /* α β */
	G(0x03B3, "g", GV | GG | GN), G(0x03B4, "d", GV), /* γ δ */
	G(0x03B5, "e", GV | GA), G(0x03B6, "z", GV), /* ε ζ */
	G(0x03B7, "i", GV | GA), G(0x03B8, "th", 0), /* η θ */
	G(0x03B9, "i", GV), G(0x03BA, "k", 0), G(0x03BB, "l", GV), /* ι κ λ */
	G(0x03BC, "m", GV | GM), G(0x03BD, "n", GV), /* μ ν */
	G(0x03BE, "x", GN), G(0x03BF, "o", GV | GO), /* ξ ο */
	G(0x03C0, "p", GP), G(0x03C1, "r", GV), G(0x03C2, "s", 0), /* π ρ ς */
	G(0x03C3, "s", 0), G(0x03C4, "t", 0), /* σ τ */
	G(0x03C5, "y", GV | GU), G(0x03C6, "f", 0), /* υ φ */
	G(0x03C7, "ch", GN), G(0x03C8, "ps", 0), /* χ ψ */
	G(0x03C9, "o", GV), G(0x03CA, "i", GV), G(0x03CB, "y", GV), /* ω ϊ ϋ */
	G(0x03CC, "o", GV), G(0x03CD, "y", GV | GU), /* ό ύ */
	G(0x03CE, "o", GV), G(0x03D0, "v", GV), G(0x03D1, "th", 0), /* ώ ϐ ϑ */
	G(0x03D2, "y", 0), G(0x03D3, "y", 0), G(0x03D4, "y", 0), /* ϒ ϓ ϔ */
	G(0x03D5, "f", 0), G(0x03D6, "p", 0), G(0x03F0, "k", 0), /* ϕ ϖ ϰ */
	G(0x03F1, "r", GV), G(0x03F2, "s", 0), G(0x03F3, "j", 0), /* ϱ ϲ ϳ */
	G(0x03F4, "th", 0), G(0x03F5, "e", 0), G(0x03F9, "s", 0), /* ϴ ϵ Ϲ */

	/* Cyrillic (ICAO Doc 9303, as on passports; soft sign dropped) */
	L(0x0400, "e"), L(0x0401, "e"), L(0x0402, "d"), /* Ѐ Ё Ђ */
	L(0x0403, "g"), L(0x0404, "ie"), L(0x0405, "dz"), /* Ѓ Є Ѕ */
	L(0x0406, "i"), L(0x0407, "i"), L(0x0408, "j"), /* І Ї Ј */
	L(0x0409, "lj"), L(0x040A, "nj"), L(0x040B, "c"), /* Љ Њ Ћ */
	L(0x040C, "k"), L(0x040D, "i"), L(0x040E, "u"), /* Ќ Ѝ Ў */
	L(0x040F, "dz"), L(0x0410, "a"), L(0x0411, "b"), /* Џ А Б */
	L(0x0412, "v"), L(0x0413, "g"), L(0x0414, "d"), /* В Г Д */
	L(0x0415, "e"), L(0x0416, "zh"), L(0x0417, "z"), /* Е Ж З */
	L(0x0418, "i"), L(0x0419, "i"), L(0x041A, "k"), /* И Й К */
	L(0x041B, "l"), L(0x041C, "m"), L(0x041D, "n"), /* Л М Н */
	L(0x041E, "o"), L(0x041F, "p"), L(0x0420, "r"), /* О П Р */
	L(0x0421, "s"), L(0x0422, "t"), L(0x0423, "u"), /* С Т У */
	L(0x0424, "f"), L(0x0425, "kh"), L(0x0426, "ts"), /* Ф Х Ц */
	L(0x0427, "ch"), L(0x0428, "sh"), L(0x0429, "shch"), /* Ч Ш Щ */
	L(0x042A, "ie"), L(0x042B, "y"), L(0x042D, "e"), /* Ъ Ы Э */
	L(0x042E, "iu"), L(0x042F, "ia"), L(0x0430, "a"), /* Ю Я а */
	L(0x0431, "b"), L(0x0432, "v"), L(0x0433, "g"), /* б в г */
	L(0x0434, "d"), L(0x0435, "e"), L(0x0436, "zh"), /* д е ж */
	L(0x0437, "z"), L(0x0438, "i"), L(0x0439, "i"), /* з и й */
	L(0x043A, "k"), L(0x043B, "l"), L(0x043C, "m"), /* к л м */
	L(0x043D, "n"), L(0x043E, "o"), L(0x043F, "p"), /* н о п */
	L(0x0440, "r"), L(0x0441, "s"), L(0x0442, "t"), /* р с т */
	L(0x0443, "u"), L(0x0444, "f"), L(0x0445, "kh"), /* у ф х */
	L(0x0446, "ts"), L(0x0447, "ch"), L(0x0448, "sh"), /* ц ч ш */
	L(0x0449, "shch"), L(0x044A, "ie"), L(0x044B, "y"), /* щ ъ ы */
	L(0x044D, "e"), L(0x044E, "iu"), L(0x044F, "ia"), /* э ю я */
	L(0x0450, "e"), L(0x0451, "e"), L(0x0452, "d"), /* ѐ ё ђ */
	L(0x0453, "g"), L(0x0454, "ie"), L(0x0455, "dz"), /* ѓ є ѕ */
	L(0x0456, "i"), L(0x0457, "i"), L(0x0458, "j"), /* і ї ј */
	L(0x0459, "lj"), L(0x045A, "nj"), L(0x045B, "c"), /* љ њ ћ */
	L(0x045C, "k"), L(0x045D, "i"), L(0x045E, "u"), /* ќ ѝ ў */
	L(0x045F, "dz"), L(0x0462, "e"), L(0x0463, "e"), /* џ Ѣ ѣ */
	L(0x0472, "f"), L(0x0473, "f"), L(0x0474, "i"), /* Ѳ ѳ Ѵ */
	L(0x0475, "i"), L(0x0476, "i"), L(0x0477, "i"), /* ѵ Ѷ ѷ */
	L(0x0490, "g"), L(0x0491, "g"), L(0x0492, "gh"), /* Ґ ґ Ғ */
	L(0x0493, "gh"), L(0x0494, "gh"), L(0x0495, "gh"), /* ғ Ҕ ҕ */
	L(0x0496, "zh"), L(0x0497, "zh"), L(0x0498, "z"), /* Җ җ Ҙ */
	L(0x0499, "z"), L(0x049A, "q"), L(0x049B, "q"), /* ҙ Қ қ */
	L(0x049C, "k"), L(0x049D, "k"), L(0x049E, "k"), /* Ҝ ҝ Ҟ */
	L(0x049F, "k"), L(0x04A0, "q"), L(0x04A1, "q"), /* ҟ Ҡ ҡ */
	L(0x04A2, "ng"), L(0x04A3, "ng"), L(0x04A4, "ng"), /* Ң ң Ҥ */
	L(0x04A5, "ng"), L(0x04A6, "p"), L(0x04A7, "p"), /* ҥ Ҧ ҧ */
	L(0x04AA, "s"), L(0x04AB, "s"), L(0x04AC, "t"), /* Ҫ ҫ Ҭ */
	L(0x04AD, "t"), L(0x04AE, "u"), L(0x04AF, "u"), /* ҭ Ү ү */
	L(0x04B0, "u"), L(0x04B1, "u"), L(0x04B2, "h"), /* Ұ ұ Ҳ */
	L(0x04B3, "h"), L(0x04B4, "ts"), L(0x04B5, "ts"), /* ҳ Ҵ ҵ */
	L(0x04B6, "j"), L(0x04B7, "j"), L(0x04B8, "ch"), /* Ҷ ҷ Ҹ */
	L(0x04B9, "ch"), L(0x04BA, "h"), L(0x04BB, "h"), /* ҹ Һ һ */
	L(0x04BC, "ch"), L(0x04BD, "ch"), L(0x04BE, "ch"), /* Ҽ ҽ Ҿ */
	L(0x04BF, "ch"), L(0x04C1, "zh"), L(0x04C2, "zh"), /* ҿ Ӂ ӂ */
	L(0x04C3, "q"), L(0x04C4, "q"), L(0x04C5, "l"), /* Ӄ ӄ Ӆ */
	L(0x04C6, "l"), L(0x04C7, "ng"), L(0x04C8, "ng"), /* ӆ Ӈ ӈ */
	L(0x04C9, "n"), L(0x04CA, "n"), L(0x04CB, "ch"), /* Ӊ ӊ Ӌ */
	L(0x04CC, "ch"), L(0x04CD, "m"), L(0x04CE, "m"), /* ӌ Ӎ ӎ */
	L(0x04D0, "a"), L(0x04D1, "a"), L(0x04D2, "a"), /* Ӑ ӑ Ӓ */
	L(0x04D3, "a"), L(0x04D4, "ae"), L(0x04D5, "ae"), /* ӓ Ӕ ӕ */
	L(0x04D6, "e"), L(0x04D7, "e"), L(0x04D8, "a"), /* Ӗ ӗ Ә */
	L(0x04D9, "a"), L(0x04DA, "a"), L(0x04DB, "a"), /* ә Ӛ ӛ */
	L(0x04DC, "zh"), L(0x04DD, "zh"), L(0x04DE, "z"), /* Ӝ ӝ Ӟ */
	L(0x04DF, "z"), L(0x04E0, "dz"), L(0x04E1, "dz"), /* ӟ Ӡ ӡ */
	L(0x04E2, "i"), L(0x04E3, "i"), L(0x04E4, "i"), /* Ӣ ӣ Ӥ */
	L(0x04E5, "i"), L(0x04E6, "o"), L(0x04E7, "o"), /* ӥ Ӧ ӧ */
	L(0x04E8, "o"), L(0x04E9, "o"), L(0x04EA, "o"), /* Ө ө Ӫ */
	L(0x04EB, "o"), L(0x04EC, "e"), L(0x04ED, "e"), /* ӫ Ӭ ӭ */
	L(0x04EE, "u"), L(0x04EF, "u"), L(0x04F0, "u"), /* Ӯ ӯ Ӱ */
	L(0x04F1, "u"), L(0x04F2, "u"), L(0x04F3, "u"), /* ӱ Ӳ ӳ */
	L(0x04F4, "ch"), L(0x04F5, "ch"), L(0x04F6, "g"), /* Ӵ ӵ Ӷ */
	L(0x04F7, "g"), L(0x04F8, "y"), L(0x04F9, "y"), /* ӷ Ӹ ӹ */

	/* Latin Extended Additional (Vietnamese, Welsh) */
	L(0x1E00, "a"), L(0x1E01, "a"), L(0x1E02, "b"), /* Ḁ ḁ Ḃ */
	L(0x1E03, "b"), L(0x1E04, "b"), L(0x1E05, "b"), /* ḃ Ḅ ḅ */
	L(0x1E06, "b"), L(0x1E07, "b"), L(0x1E08, "c"), /* Ḇ ḇ Ḉ */
	L(0x1E09, "c"), L(0x1E0A, "d"), L(0x1E0B, "d"), /* ḉ Ḋ ḋ */
	L(0x1E0C, "d"), L(0x1E0D, "d"), L(0x1E0E, "d"), /* Ḍ ḍ Ḏ */
	L(0x1E0F, "d"), L(0x1E10, "d"), L(0x1E11, "d"), /* ḏ Ḑ ḑ */
	L(0x1E12, "d"), L(0x1E13, "d"), L(0x1E14, "e"), /* Ḓ ḓ Ḕ */
	L(0x1E15, "e"), L(0x1E16, "e"), L(0x1E17, "e"), /* ḕ Ḗ ḗ */
	L(0x1E18, "e"), L(0x1E19, "e"), L(0x1E1A, "e"), /* Ḙ ḙ Ḛ */
	L(0x1E1B, "e"), L(0x1E1C, "e"), L(0x1E1D, "e"), /* ḛ Ḝ ḝ */
	L(0x1E1E, "f"), L(0x1E1F, "f"), L(0x1E20, "g"), /* Ḟ ḟ Ḡ */
	L(0x1E21, "g"), L(0x1E22, "h"), L(0x1E23, "h"), /* ḡ Ḣ ḣ */
	L(0x1E24, "h"), L(0x1E25, "h"), L(0x1E26, "h"), /* Ḥ ḥ Ḧ */
	L(0x1E27, "h"), L(0x1E28, "h"), L(0x1E29, "h"), /* ḧ Ḩ ḩ */
	L(0x1E2A, "h"), L(0x1E2B, "h"), L(0x1E2C, "i"), /* Ḫ ḫ Ḭ */
	L(0x1E2D, "i"), L(0x1E2E, "i"), L(0x1E2F, "i"), /* ḭ Ḯ ḯ */
	L(0x1E30, "k"), L(0x1E31, "k"), L(0x1E32, "k"), /* Ḱ ḱ Ḳ */
	L(0x1E33, "k"), L(0x1E34, "k"), L(0x1E35, "k"), /* ḳ Ḵ ḵ */
	L(0x1E36, "l"), L(0x1E37, "l"), L(0x1E38, "l"), /* Ḷ ḷ Ḹ */
	L(0x1E39, "l"), L(0x1E3A, "l"), L(0x1E3B, "l"), /* ḹ Ḻ ḻ */
	L(0x1E3C, "l"), L(0x1E3D, "l"), L(0x1E3E, "m"), /* Ḽ ḽ Ḿ */
	L(0x1E3F, "m"), L(0x1E40, "m"), L(0x1E41, "m"), /* ḿ Ṁ ṁ */
	L(0x1E42, "m"), L(0x1E43, "m"), L(0x1E44, "n"), /* Ṃ ṃ Ṅ */
	L(0x1E45, "n"), L(0x1E46, "n"), L(0x1E47, "n"), /* ṅ Ṇ ṇ */
	L(0x1E48, "n"), L(0x1E49, "n"), L(0x1E4A, "n"), /* Ṉ ṉ Ṋ */
	L(0x1E4B, "n"), L(0x1E4C, "o"), L(0x1E4D, "o"), /* ṋ Ṍ ṍ */
	L(0x1E4E, "o"), L(0x1E4F, "o"), L(0x1E50, "o"), /* Ṏ ṏ Ṑ */
	L(0x1E51, "o"), L(0x1E52, "o"), L(0x1E53, "o"), /* ṑ Ṓ ṓ */
	L(0x1E54, "p"), L(0x1E55, "p"), L(0x1E56, "p"), /* Ṕ ṕ Ṗ */
	L(0x1E57, "p"), L(0x1E58, "r"), L(0x1E59, "r"), /* ṗ Ṙ ṙ */
	L(0x1E5A, "r"), L(0x1E5B, "r"), L(0x1E5C, "r"), /* Ṛ ṛ Ṝ */
	L(0x1E5D, "r"), L(0x1E5E, "r"), L(0x1E5F, "r"), /* ṝ Ṟ ṟ */
	L(0x1E60, "s"), L(0x1E61, "s"), L(0x1E62, "s"), /* Ṡ ṡ Ṣ */
	L(0x1E63, "s"), L(0x1E64, "s"), L(0x1E65, "s"), /* ṣ Ṥ ṥ */
	L(0x1E66, "s"), L(0x1E67, "s"), L(0x1E68, "s"), /* Ṧ ṧ Ṩ */
	L(0x1E69, "s"), L(0x1E6A, "t"), L(0x1E6B, "t"), /* ṩ Ṫ ṫ */
	L(0x1E6C, "t"), L(0x1E6D, "t"), L(0x1E6E, "t"), /* Ṭ ṭ Ṯ */
	L(0x1E6F, "t"), L(0x1E70, "t"), L(0x1E71, "t"), /* ṯ Ṱ ṱ */
	L(0x1E72, "u"), L(0x1E73, "u"), L(0x1E74, "u"), /* Ṳ ṳ Ṵ */
	L(0x1E75, "u"), L(0x1E76, "u"), L(0x1E77, "u"), /* ṵ Ṷ ṷ */
	L(0x1E78, "u"), L(0x1E79, "u"), L(0x1E7A, "u"), /* Ṹ ṹ Ṻ */
	L(0x1E7B, "u"), L(0x1E7C, "v"), L(0x1E7D, "v"), /* ṻ Ṽ ṽ */
	L(0x1E7E, "v"), L(0x1E7F, "v"), L(0x1E80, "w"), /* Ṿ ṿ Ẁ */
	L(0x1E81, "w"), L(0x1E82, "w"), L(0x1E83, "w"), /* ẁ Ẃ ẃ */
	L(0x1E84, "w"), L(0x1E85, "w"), L(0x1E86, "w"), /* Ẅ ẅ Ẇ */
	L(0x1E87, "w"), L(0x1E88, "w"), L(0x1E89, "w"), /* ẇ Ẉ ẉ */
	L(0x1E8A, "x"), L(0x1E8B, "x"), L(0x1E8C, "x"), /* Ẋ ẋ Ẍ */
	L(0x1E8D, "x"), L(0x1E8E, "y"), L(0x1E8F, "y"), /* ẍ Ẏ ẏ */
	L(0x1E90, "z"), L(0x1E91, "z"), L(0x1E92, "z"), /* Ẑ ẑ Ẓ */
	L(0x1E93, "z"), L(0x1E94, "z"), L(0x1E95, "z"), /* ẓ Ẕ ẕ */
	L(0x1E96, "h"), L(0x1E97, "t"), L(0x1E98, "w"), /* ẖ ẗ ẘ */
	L(0x1E99, "y"), L(0x1E9A, "a"), L(0x1E9B, "s"), /* ẙ ẚ ẛ */
	L(0x1E9C, "s"), L(0x1E9D, "s"), L(0x1E9E, "ss"), /* ẜ ẝ ẞ */
	L(0x1E9F, "d"), L(0x1EA0, "a"), L(0x1EA1, "a"), /* ẟ Ạ ạ */
	L(0x1EA2, "a"), L(0x1EA3, "a"), L(0x1EA4, "a"), /* Ả ả Ấ */
	L(0x1EA5, "a"), L(0x1EA6, "a"), L(0x1EA7, "a"), /* ấ Ầ ầ */
	L(0x1EA8, "a"), L(0x1EA9, "a"), L(0x1EAA, "a"), /* Ẩ ẩ Ẫ */
	L(0x1EAB, "a"), L(0x1EAC, "a"), L(0x1EAD, "a"), /* ẫ Ậ ậ */
	L(0x1EAE, "a"), L(0x1EAF, "a"), L(0x1EB0, "a"), /* Ắ ắ Ằ */
	L(0x1EB1, "a"), L(0x1EB2, "a"), L(0x1EB3, "a"), /* ằ Ẳ ẳ */
	L(0x1EB4, "a"), L(0x1EB5, "a"), L(0x1EB6, "a"), /* Ẵ ẵ Ặ */
	L(0x1EB7, "a"), L(0x1EB8, "e"), L(0x1EB9, "e"), /* ặ Ẹ ẹ */
	L(0x1EBA, "e"), L(0x1EBB, "e"), L(0x1EBC, "e"), /* Ẻ ẻ Ẽ */
	L(0x1EBD, "e"), L(0x1EBE, "e"), L(0x1EBF, "e"), /* ẽ Ế ế */
	L(0x1EC0, "e"), L(0x1EC1, "e"), L(0x1EC2, "e"), /* Ề ề Ể */
	L(0x1EC3, "e"), L(0x1EC4, "e"), L(0x1EC5, "e"), /* ể Ễ ễ */
	L(0x1EC6, "e"), L(0x1EC7, "e"), L(0x1EC8, "i"), /* Ệ ệ Ỉ */
	L(0x1EC9, "i"), L(0x1ECA, "i"), L(0x1ECB, "i"), /* ỉ Ị ị */
	L(0x1ECC, "o"), L(0x1ECD, "o"), L(0x1ECE, "o"), /* Ọ ọ Ỏ */
	L(0x1ECF, "o"), L(0x1ED0, "o"), L(0x1ED1, "o"), /* ỏ Ố ố */
	L(0x1ED2, "o"), L(0x1ED3, "o"), L(0x1ED4, "o"), /* Ồ ồ Ổ */
	L(0x1ED5, "o"), L(0x1ED6, "o"), L(0x1ED7, "o"), /* ổ Ỗ ỗ */
	L(0x1ED8, "o"), L(0x1ED9, "o"), L(0x1EDA, "o"), /* Ộ ộ Ớ */
	L(0x1EDB, "o"), L(0x1EDC, "o"), L(0x1EDD, "o"), /* ớ Ờ ờ */
	L(0x1EDE, "o"), L(0x1EDF, "o"), L(0x1EE0, "o"), /* Ở ở Ỡ */
	L(0x1EE1, "o"), L(0x1EE2, "o"), L(0x1EE3, "o"), /* ỡ Ợ ợ */
	L(0x1EE4, "u"), L(0x1EE5, "u"), L(0x1EE6, "u"), /* Ụ ụ Ủ */
	L(0x1EE7, "u"), L(0x1EE8, "u"), L(0x1EE9, "u"), /* ủ Ứ ứ */
	L(0x1EEA, "u"), L(0x1EEB, "u"), L(0x1EEC, "u"), /* Ừ ừ Ử */
	L(0x1EED, "u"), L(0x1EEE, "u"), L(0x1EEF, "u"), /* ử Ữ ữ */
	L(0x1EF0, "u"), L(0x1EF1, "u"), L(0x1EF2, "y"), /* Ự ự Ỳ */
	L(0x1EF3, "y"), L(0x1EF4, "y"), L(0x1EF5, "y"), /* ỳ Ỵ ỵ */
	L(0x1EF6, "y"), L(0x1EF7, "y"), L(0x1EF8, "y"), /* Ỷ ỷ Ỹ */
	L(0x1EF9, "y"), L(0x1EFA, "ll"), L(0x1EFB, "ll"), /* ỹ Ỻ ỻ */
	L(0x1EFC, "v"), L(0x1EFD, "v"), L(0x1EFE, "y"), /* Ỽ ỽ Ỿ */
	L(0x1EFF, "y"), /* ỿ */

	/* Greek Extended (polytonic) */
	G(0x1F00, "a", GV), G(0x1F01, "a", GV), G(0x1F02, "a", GV), /* ἀ ἁ ἂ */
	G(0x1F03, "a", GV), G(0x1F04, "a", GV), G(0x1F05, "a", GV), /* ἃ ἄ ἅ */
	G(0x1F06, "a", GV), G(0x1F07, "a", GV), G(0x1F08, "a", GV), /* ἆ ἇ Ἀ */
	G(0x1F09, "a", GV), G(0x1F0A, "a", GV), G(0x1F0B, "a", GV), /* Ἁ Ἂ Ἃ */
	G(0x1F0C, "a", GV), G(0x1F0D, "a", GV), G(0x1F0E, "a", GV), /* Ἄ Ἅ Ἆ */
	G(0x1F0F, "a", GV), G(0x1F10, "e", GV), G(0x1F11, "e", GV), /* Ἇ ἐ ἑ */
	G(0x1F12, "e", GV), G(0x1F13, "e", GV), G(0x1F14, "e", GV), /* ἒ ἓ ἔ */
	G(0x1F15, "e", GV), G(0x1F18, "e", GV), G(0x1F19, "e", GV), /* ἕ Ἐ Ἑ */
	G(0x1F1A, "e", GV), G(0x1F1B, "e", GV), G(0x1F1C, "e", GV), /* Ἒ Ἓ Ἔ */
	G(0x1F1D, "e", GV), G(0x1F20, "i", GV), G(0x1F21, "i", GV), /* Ἕ ἠ ἡ */
	G(0x1F22, "i", GV), G(0x1F23, "i", GV), G(0x1F24, "i", GV), /* ἢ ἣ ἤ */
	G(0x1F25, "i", GV), G(0x1F26, "i", GV), G(0x1F27, "i", GV), /* ἥ ἦ ἧ */
	G(0x1F28, "i", GV), G(0x1F29, "i", GV), G(0x1F2A, "i", GV), /* Ἠ Ἡ Ἢ */
	G(0x1F2B, "i", GV), G(0x1F2C, "i", GV), G(0x1F2D, "i", GV), /* Ἣ Ἤ Ἥ */
	G(0x1F2E, "i", GV), G(0x1F2F, "i", GV), G(0x1F30, "i", GV), /* Ἦ Ἧ ἰ */
	G(0x1F31, "i", GV), G(0x1F32, "i", GV), G(0x1F33, "i", GV), /* ἱ ἲ ἳ */
	G(0x1F34, "i", GV), G(0x1F35, "i", GV), G(0x1F36, "i", GV), /* ἴ ἵ ἶ */
	G(0x1F37, "i", GV), G(0x1F38, "i", GV), G(0x1F39, "i", GV), /* ἷ Ἰ Ἱ */
	G(0x1F3A, "i", GV), G(0x1F3B, "i", GV), G(0x1F3C, "i", GV), /* Ἲ Ἳ Ἴ */
	G(0x1F3D, "i", GV), G(0x1F3E, "i", GV), G(0x1F3F, "i", GV), /* Ἵ Ἶ Ἷ */
	G(0x1F40, "o", GV), G(0x1F41, "o", GV), G(0x1F42, "o", GV), /* ὀ ὁ ὂ */
	G(0x1F43, "o", GV), G(0x1F44, "o", GV), G(0x1F45, "o", GV), /* ὃ ὄ ὅ */
	G(0x1F48, "o", GV), G(0x1F49, "o", GV), G(0x1F4A, "o", GV), /* Ὀ Ὁ Ὂ */
	G(0x1F4B, "o", GV), G(0x1F4C, "o", GV), G(0x1F4D, "o", GV), /* Ὃ Ὄ Ὅ */
	G(0x1F50, "y", GV | GU), G(0x1F51, "y", GV | GU), /* ὐ ὑ */
	G(0x1F52, "y", GV | GU), G(0x1F53, "y", GV | GU), /* ὒ ὓ */
	G(0x1F54, "y", GV | GU), G(0x1F55, "y", GV | GU), /* ὔ ὕ */
	G(0x1F56, "y", GV | GU), G(0x1F57, "y", GV | GU), /* ὖ ὗ */
	G(0x1F59, "y", GV | GU), G(0x1F5B, "y", GV | GU), /* Ὑ Ὓ */
	G(0x1F5D, "y", GV | GU), G(0x1F5F, "y", GV | GU), /* Ὕ Ὗ */
	G(0x1F60, "o", GV), G(0x1F61, "o", GV), G(0x1F62, "o", GV), /* ὠ ὡ ὢ */
	G(0x1F63, "o", GV), G(0x1F64, "o", GV), G(0x1F65, "o", GV), /* ὣ ὤ ὥ */
	G(0x1F66, "o", GV), G(0x1F67, "o", GV), G(0x1F68, "o", GV), /* ὦ ὧ Ὠ */
	G(0x1F69, "o", GV), G(0x1F6A, "o", GV), G(0x1F6B, "o", GV), /* Ὡ Ὢ Ὣ */
	G(0x1F6C, "o", GV), G(0x1F6D, "o", GV), G(0x1F6E, "o", GV), /* Ὤ Ὥ Ὦ */
	G(0x1F6F, "o", GV), G(0x1F70, "a", GV), G(0x1F71, "a", GV), /* Ὧ ὰ ά */
	G(0x1F72, "e", GV), G(0x1F73, "e", GV), G(0x1F74, "i", GV), /* ὲ έ ὴ */
	G(0x1F75, "i", GV), G(0x1F76, "i", GV), G(0x1F77, "i", GV), /* ή ὶ ί */
	G(0x1F78, "o", GV), G(0x1F79, "o", GV), /* ὸ ό */
	G(0x1F7A, "y", GV | GU), G(0x1F7B, "y", GV | GU), /* ὺ ύ */
	G(0x1F7C, "o", GV), G(0x1F7D, "o", GV), G(0x1F80, "a", GV), /* ὼ ώ ᾀ */
	G(0x1F81, "a", GV), G(0x1F82, "a", GV), G(0x1F83, "a", GV), /* ᾁ ᾂ ᾃ */
	G(0x1F84, "a", GV), G(0x1F85, "a", GV), G(0x1F86, "a", GV), /* ᾄ ᾅ ᾆ */
	G(0x1F87, "a", GV), G(0x1F88, "a", GV), G(0x1F89, "a", GV), /* ᾇ ᾈ ᾉ */
	G(0x1F8A, "a", GV), G(0x1F8B, "a", GV), G(0x1F8C, "a", GV), /* ᾊ ᾋ ᾌ */
	G(0x1F8D, "a", GV), G(0x1F8E, "a", GV), G(0x1F8F, "a", GV), /* ᾍ ᾎ ᾏ */
	G(0x1F90, "i", GV), G(0x1F91, "i", GV), G(0x1F92, "i", GV), /* ᾐ ᾑ ᾒ */
	G(0x1F93, "i", GV), G(0x1F94, "i", GV), G(0x1F95, "i", GV), /* ᾓ ᾔ ᾕ */
	G(0x1F96, "i", GV), G(0x1F97, "i", GV), G(0x1F98, "i", GV), /* ᾖ ᾗ ᾘ */
	G(0x1F99, "i", GV), G(0x1F9A, "i", GV), G(0x1F9B, "i", GV), /* ᾙ ᾚ ᾛ */
	G(0x1F9C, "i", GV), G(0x1F9D, "i", GV), G(0x1F9E, "i", GV), /* ᾜ ᾝ ᾞ */
	G(0x1F9F, "i", GV), G(0x1FA0, "o", GV), G(0x1FA1, "o", GV), /* ᾟ ᾠ ᾡ */
	G(0x1FA2, "o", GV), G(0x1FA3, "o", GV), G(0x1FA4, "o", GV), /* ᾢ ᾣ ᾤ */
	G(0x1FA5, "o", GV), G(0x1FA6, "o", GV), G(0x1FA7, "o", GV), /* ᾥ ᾦ ᾧ */
	G(0x1FA8, "o", GV), G(0x1FA9, "o", GV), G(0x1FAA, "o", GV), /* ᾨ ᾩ ᾪ */
	G(0x1FAB, "o", GV), G(0x1FAC, "o", GV), G(0x1FAD, "o", GV), /* ᾫ ᾬ ᾭ */
	G(0x1FAE, "o", GV), G(0x1FAF, "o", GV), G(0x1FB0, "a", GV), /* ᾮ ᾯ ᾰ */
	G(0x1FB1, "a", GV), G(0x1FB2, "a", GV), G(0x1FB3, "a", GV), /* ᾱ ᾲ ᾳ */
	G(0x1FB4, "a", GV), G(0x1FB6, "a", GV), G(0x1FB7, "a", GV), /* ᾴ ᾶ ᾷ */
	G(0x1FB8, "a", GV), G(0x1FB9, "a", GV), G(0x1FBA, "a", GV), /* Ᾰ Ᾱ Ὰ */
	G(0x1FBB, "a", GV), G(0x1FBC, "a", GV), G(0x1FBE, "i", GV), /* Ά ᾼ ι */
	G(0x1FC2, "i", GV), G(0x1FC3, "i", GV), G(0x1FC4, "i", GV), /* ῂ ῃ ῄ */
	G(0x1FC6, "i", GV), G(0x1FC7, "i", GV), G(0x1FC8, "e", GV), /* ῆ ῇ Ὲ */
	G(0x1FC9, "e", GV), G(0x1FCA, "i", GV), G(0x1FCB, "i", GV), /* Έ Ὴ Ή */
	G(0x1FCC, "i", GV), G(0x1FD0, "i", GV), G(0x1FD1, "i", GV), /* ῌ ῐ ῑ */
	G(0x1FD2, "i", GV), G(0x1FD3, "i", GV), G(0x1FD6, "i", GV), /* ῒ ΐ ῖ */
	G(0x1FD7, "i", GV), G(0x1FD8, "i", GV), G(0x1FD9, "i", GV), /* ῗ Ῐ Ῑ */
	G(0x1FDA, "i", GV), G(0x1FDB, "i", GV), /* Ὶ Ί */
	G(0x1FE0, "y", GV | GU), G(0x1FE1, "y", GV | GU), /* ῠ ῡ */
	G(0x1FE2, "y", GV), G(0x1FE3, "y", GV), G(0x1FE4, "r", GV), /* ῢ ΰ ῤ */
	G(0x1FE5, "r", GV), G(0x1FE6, "y", GV | GU), /* ῥ ῦ */
	G(0x1FE7, "y", GV), G(0x1FE8, "y", GV | GU), /* ῧ Ῠ */
	G(0x1FE9, "y", GV | GU), G(0x1FEA, "y", GV | GU), /* Ῡ Ὺ */
	G(0x1FEB, "y", GV | GU), G(0x1FEC, "r", GV), /* Ύ Ῥ */
	G(0x1FF2, "o", GV), G(0x1FF3, "o", GV), G(0x1FF4, "o", GV), /* ῲ ῳ ῴ */
	G(0x1FF6, "o", GV), G(0x1FF7, "o", GV), G(0x1FF8, "o", GV), /* ῶ ῷ Ὸ */
	G(0x1FF9, "o", GV), G(0x1FFA, "o", GV), G(0x1FFB, "o", GV), /* Ό Ὼ Ώ */
	G(0x1FFC, "o", GV), /* ῼ */

	/* Alphabetic Presentation Forms (ligatures) */
	L(0xFB00, "ff"), L(0xFB01, "fi"), L(0xFB02, "fl"), /* ﬀ ﬁ ﬂ */
	L(0xFB03, "ffi"), L(0xFB04, "ffl"), L(0xFB05, "st"), /* ﬃ ﬄ ﬅ */
	L(0xFB06, "st"), /* ﬆ */
};

#undef L
#undef G

/* Nothing in the table lies between Greek Extended and the ligatures. */
#define TABLE_GAP_FIRST 0x2000
#define TABLE_GAP_LAST 0xFAFF

#define BAD_CP 0xFFFD
#define COMBINING_DIAERESIS 0x0308

static int by_cp(const void *key, const void *entry)
{
	unsigned a = *(const unsigned *)key;
	unsigned b = ((const struct translit *)entry)->cp;

	return (a > b) - (a < b);
}

static const struct translit *lookup(unsigned cp)
{
	if (cp < table[0].cp || cp > table[ARRAY_SIZE(table) - 1].cp ||
	    (cp >= TABLE_GAP_FIRST && cp <= TABLE_GAP_LAST))
		return NULL;
	return bsearch(&cp, table, ARRAY_SIZE(table), sizeof(table[0]), by_cp);
}

/* Full-width forms, as typed with a Chinese or Japanese input method. */
static char fullwidth(unsigned cp)
{
	if (cp >= 0xFF10 && cp <= 0xFF19)
		return (char)('0' + (cp - 0xFF10));
	if (cp >= 0xFF21 && cp <= 0xFF3A)
		return (char)('a' + (cp - 0xFF21));
	if (cp >= 0xFF41 && cp <= 0xFF5A)
		return (char)('a' + (cp - 0xFF41));
	return 0;
}

/*
 * Decodes the code point at *sp (not at the NUL) and moves past it. A byte
 * that does not start a well-formed sequence is skipped alone as BAD_CP, so
 * bad input never makes us read past the NUL.
 */
static unsigned decode(const unsigned char **sp)
{
	const unsigned char *s = *sp;
	unsigned cp, n, min;

	if (s[0] < 0x80) {
		*sp = s + 1;
		return s[0];
	} else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 1, cp = s[0] & 0x1Fu, min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 2, cp = s[0] & 0x0Fu, min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 3, cp = s[0] & 0x07u, min = 0x10000;
	} else {
		*sp = s + 1;
		return BAD_CP;
	}
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*sp = s + 1;
			return BAD_CP;
		}
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	*sp = s + n + 1;
	return cp < min ? BAD_CP : cp;
}

/* Decomposed (NFD) text puts accents after their letter as these. */
static int is_combining(unsigned cp)
{
	return cp >= 0x0300 && cp <= 0x036F;
}

/* Greek flags of the next letter at s, looking through combining marks. */
static unsigned next_greek(const unsigned char *s)
{
	while (*s) {
		unsigned cp = decode(&s);
		const struct translit *e;

		if (is_combining(cp))
			continue;
		e = lookup(cp);
		return e ? e->greek : 0;
	}
	return 0;
}

/* 1 when the combining marks at s include a diaeresis (decomposed ϋ). */
static int diaeresis_follows(const unsigned char *s)
{
	while (*s) {
		unsigned cp = decode(&s);

		if (cp == COMBINING_DIAERESIS)
			return 1;
		if (!is_combining(cp))
			break;
	}
	return 0;
}

/* translit_ascii(), and with keep set, the printable ASCII that is no
 * letter or digit kept as it is (translit_search()). */
static size_t fold(struct sbuf *out, const char *name, int keep)
{
	const unsigned char *s = (const unsigned char *)name;
	unsigned prev = 0;	/* Greek flags of the letter before */
	int skip_p = 0;		/* the π of an initial μπ comes next */
	char *start, *w;

	/* No code point gives more letters than twice its UTF-8 bytes. */
	sbuf_grow(out, 2 * strlen(name));
	start = w = out->buf + out->len;
	while (*s) {
		const struct translit *e;
		unsigned c = *s, cp, f;

		if (c < 0x80) {
			s++;
			prev = 0;
			if ((c | 0x20) - 'a' < 26)
				*w++ = (char)(c | 0x20);
			else if (c - '0' < 10 || (keep && c >= 0x20 && c < 0x7f))
				*w++ = (char)c;
			continue;
		}
		cp = decode(&s);
		if (is_combining(cp)) {
			prev &= ~(unsigned)(GA | GO);	/* an accented vowel */
			continue;
		}
		e = lookup(cp);
		if (!e) {
			char fw = fullwidth(cp);

			if (fw)
				*w++ = fw;
			prev = 0;
			continue;
		}
		f = e->greek;
		if ((f & GU) && (prev & (GA | GO)) && !diaeresis_follows(s)) {
			if (prev & GO)
				*w++ = 'u';
			else
				*w++ = next_greek(s) & GV ? 'v' : 'f';
		} else if ((f & GG) && (next_greek(s) & GN)) {
			*w++ = 'n';
		} else if ((f & GM) && !(prev & GL) && (next_greek(s) & GP)) {
			*w++ = 'b';
			prev = f;
			skip_p = 1;
			continue;
		} else if ((f & GP) && skip_p) {
			/* written with the μ, as the b */
		} else if ((f & GP) && (prev & GM) && !(next_greek(s) & GL)) {
			w[-1] = 'b';	/* the m just written: a final μπ */
		} else {
			for (const char *a = e->ascii; *a; a++)
				*w++ = *a;
		}
		prev = f;
		skip_p = 0;
	}
	*w = '\0';
	out->len = (size_t)(w - out->buf);
	return (size_t)(w - start);
}

size_t translit_ascii(struct sbuf *out, const char *name)
{
	return fold(out, name, 0);
}

size_t translit_search(struct sbuf *out, const char *text)
{
	return fold(out, text, 1);
}
