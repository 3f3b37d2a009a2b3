/*
 * Unit tests of core/translit.c: real names from the scripts schools see,
 * the Greek digraph rules, what is dropped, bad UTF-8, and a sweep over
 * every code point that holds the table to its promises (only [a-z0-9], no
 * more than twice the input bytes, every listed letter found).
 */
#include "core/translit.h"

#include "tests/unit/test.h"

/* Transliterates name onto a fresh buffer and checks result and count. */
#define CHECK_TL(name, want)                                               \
	do {                                                               \
		struct sbuf sb_ = SBUF_INIT;                               \
		size_t n_ = translit_ascii(&sb_, (name));                  \
		CHECK_STR(sbuf_str(&sb_), (want));                         \
		CHECK(n_ == strlen(want) && sb_.len == n_);                \
		sbuf_release(&sb_);                                        \
	} while (0)

/* UTF-8 of cp into buf (5 bytes); returns its length. */
static int encode(unsigned cp, char *buf)
{
	int n;

	if (cp < 0x80) {
		buf[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xC0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xE0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		buf[0] = (char)(0xF0 | (cp >> 18));
		buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf[n] = '\0';
	return n;
}

static void test_translit_ascii_latin(void)
{
	CHECK_TL("Zoë", "zoe");
	CHECK_TL("Łukasz", "lukasz");
	CHECK_TL("Nguyễn Văn Thảo", "nguyenvanthao");
	CHECK_TL("Siobhán", "siobhan");
	CHECK_TL("Ó Súilleabháin", "osuilleabhain");
	CHECK_TL("O'Brien", "obrien");
	CHECK_TL("van der Berg", "vanderberg");
	CHECK_TL("Müller", "muller");
	CHECK_TL("Straße", "strasse");
	CHECK_TL("STRAẞE", "strasse");
	CHECK_TL("Øyvind", "oyvind");
	CHECK_TL("Dvořák", "dvorak");
	CHECK_TL("Ștefan", "stefan");
	CHECK_TL("Ştefan", "stefan");		/* the cedilla form */
	CHECK_TL("Țuțea", "tutea");
	CHECK_TL("Jean-Luc Picard", "jeanlucpicard");
	CHECK_TL("François Ærø", "francoisaero");
	CHECK_TL("Œdipe Þórður Guðrún", "oedipethordurgudrun");
	CHECK_TL("Đặng Thị Ngọc Hân", "dangthingochan");
	CHECK_TL("İlkay Iğdır Kılıç", "ilkayigdirkilic");
	CHECK_TL("Ĳsbrand", "ijsbrand");
	CHECK_TL("Mª José", "majose");
	/* Vietnamese tones and hooks, Latin Extended-B, Welsh. */
	CHECK_TL("ễ ả ạ ậ ữ ợ ử ỹ Ỗ", "eaaauouyo");
	CHECK_TL("ǎ ǐ ǒ ǔ ơ ư Ơ Ư ǜ", "aiouououu");
	CHECK_TL("Ŵŵ Ŷŷ Ẁẁ Ẃẃ Ẅẅ Ỳỳ", "wwyywwwwwwyy");
	CHECK_TL("Llŷr Ỻ", "llyrll");
	/* Hausa, Fula, Akan, Azerbaijani letters. */
	CHECK_TL("Ɓello Ɗanjuma ƙasa", "bellodanjumakasa");
	CHECK_TL("Ɔsɛ Ama", "oseama");
	CHECK_TL("Əliyev Həsən", "aliyevhasan");
	CHECK_TL("ﬁnlay ﬀ", "finlayff");
}

static void test_translit_ascii_greek(void)
{
	CHECK_TL("Ελένη", "eleni");
	CHECK_TL("Γιώργος", "giorgos");
	CHECK_TL("Χρήστος", "christos");
	CHECK_TL("Ψαρρός", "psarros");
	CHECK_TL("Ξανθή", "xanthi");
	/* ου is ou. */
	CHECK_TL("Παπαδόπουλος", "papadopoulos");
	CHECK_TL("ΝΙΚΟΛΑΟΥ", "nikolaou");
	/* αυ ευ: v before a vowel or voiced consonant, f otherwise. */
	CHECK_TL("Ευάγγελος", "evangelos");
	CHECK_TL("Αυγερινός", "avgerinos");
	CHECK_TL("Σταύρος", "stavros");
	CHECK_TL("Εύα", "eva");
	CHECK_TL("Ευθύμιος", "efthymios");
	CHECK_TL("Ευστάθιος", "efstathios");
	CHECK_TL("Ζευς", "zefs");
	CHECK_TL("Ζευ", "zef");			/* end of the name */
	CHECK_TL("Ευ Ανδρέας", "efandreas");	/* end of a word */
	/* A diaeresis breaks the pair; υ alone is y. */
	CHECK_TL("Προϋπόθεση", "proypothesi");
	CHECK_TL("Ταΰγετος", "taygetos");
	CHECK_TL("Κυριάκος", "kyriakos");
	/* An accent on the first letter splits the pair too. */
	CHECK_TL("άυλος", "aylos");
	CHECK_TL("Όυλη Εύλη", "oylievli");
	/* γ before γ ξ χ is n; γκ stays gk. */
	CHECK_TL("Αγγελική", "angeliki");
	CHECK_TL("Σφίγξ Άγχος", "sfinxanchos");
	CHECK_TL("Αγκάθα", "agkatha");
	/* μπ is b at either end of a word, mp inside it. */
	CHECK_TL("Μπότσαρης", "botsaris");
	CHECK_TL("ΜΠΑΜΠΗΣ", "bampis");
	CHECK_TL("Γιάννης Μπαλτάς", "giannisbaltas");
	CHECK_TL("Λάμπρος", "lampros");
	CHECK_TL("Κολόμπ Μπ", "kolobb");
	CHECK_TL("Μμπ", "mb");
	/* Polytonic. */
	CHECK_TL("Ὅμηρος", "omiros");
}

/* Decomposed text (NFD: macOS, some exports) gives what composed text does. */
static void check_nfd(const char *nfc, const char *nfd, const char *want)
{
	CHECK(strcmp(nfc, nfd) != 0);
	CHECK_TL(nfc, want);
	CHECK_TL(nfd, want);
}

static void test_translit_ascii_decomposed(void)
{
	check_nfd("Zoë Müller", "Zoe\xCC\x88 Mu\xCC\x88ller", "zoemuller");
	check_nfd("Nguyễn Thảo", "Nguye\xCC\x82\xCC\x83n Tha\xCC\x89o",
		  "nguyenthao");
	check_nfd("Ștefan Dvořák", "S\xCC\xA6tefan Dvor\xCC\x8C" "a\xCC\x81k",
		  "stefandvorak");
	check_nfd("Йосиф Їжак",
		  "\xD0\x98\xCC\x86\xD0\xBE\xD1\x81\xD0\xB8\xD1\x84 "
		  "\xD0\x86\xCC\x88\xD0\xB6\xD0\xB0\xD0\xBA", "iosifizhak");
	/* The accent after υ does not hide the λ after it. */
	check_nfd("Παύλος",
		  "\xCE\xA0\xCE\xB1\xCF\x85\xCC\x81\xCE\xBB\xCE\xBF\xCF\x82",
		  "pavlos");
	/* An accent after α splits αυ; a diaeresis after υ does too. */
	check_nfd("άυλος",
		  "\xCE\xB1\xCC\x81\xCF\x85\xCE\xBB\xCE\xBF\xCF\x82",
		  "aylos");
	check_nfd("Προϋπόθεση",
		  "\xCE\xA0\xCF\x81\xCE\xBF\xCF\x85\xCC\x88\xCF\x80\xCE"
		  "\xBF\xCC\x81\xCE\xB8\xCE\xB5\xCF\x83\xCE\xB7",
		  "proypothesi");
	check_nfd("Ταΰγετος",
		  "\xCE\xA4\xCE\xB1\xCF\x85\xCC\x88\xCC\x81\xCE\xB3\xCE"
		  "\xB5\xCF\x84\xCE\xBF\xCF\x82", "taygetos");
	check_nfd("Ευάγγελος",
		  "\xCE\x95\xCF\x85\xCE\xB1\xCC\x81\xCE\xB3\xCE\xB3\xCE"
		  "\xB5\xCE\xBB\xCE\xBF\xCF\x82", "evangelos");
	/* An accent on the letter before μπ does not make a word start. */
	check_nfd("Λάμπρος",
		  "\xCE\x9B\xCE\xB1\xCC\x81\xCE\xBC\xCF\x80\xCF\x81\xCE"
		  "\xBF\xCF\x82", "lampros");
	check_nfd("Μπότσαρης",
		  "\xCE\x9C\xCF\x80\xCE\xBF\xCC\x81\xCF\x84\xCF\x83\xCE"
		  "\xB1\xCF\x81\xCE\xB7\xCF\x82", "botsaris");
}

static void test_translit_ascii_cyrillic(void)
{
	CHECK_TL("Дмитрий", "dmitrii");
	CHECK_TL("Хрущёв", "khrushchev");
	CHECK_TL("Наталья", "natalia");
	CHECK_TL("Юлия Щукина", "iuliiashchukina");
	CHECK_TL("Объедков", "obieedkov");
	CHECK_TL("ЭЛЬВИРА", "elvira");
	/* Ukrainian, Belarusian, Serbian, Macedonian, Kazakh. */
	CHECK_TL("Ґудзь Їжак Євген", "gudzizhakievgen");
	CHECK_TL("Ўладзімір", "uladzimir");
	CHECK_TL("Ђорђе Љубиша Џаја Ћосић", "dordeljubishadzajacosic");
	CHECK_TL("Ѓорѓи Ќирил Ѕвезда", "gorgikirildzvezda");
	CHECK_TL("Әлия Нұрлан Қанат Өмір Ғалым", "aliianurlanqanatomirghalym");
}

static void test_translit_ascii_dropped(void)
{
	/* No Latin letter at all: empty, and the caller falls back. */
	CHECK_TL("王秀英", "");
	CHECK_TL("김민준", "");
	CHECK_TL("محمد", "");
	CHECK_TL("דוד", "");
	CHECK_TL("😀 🙂", "");
	CHECK_TL("", "");
	CHECK_TL(" '-.,\t", "");
	CHECK_TL("Wei 王 Chen", "weichen");
	/* Digits stay; other numerals and symbols go. */
	CHECK_TL("Henry 8th", "henry8th");
	CHECK_TL("0123456789", "0123456789");
	CHECK_TL("x²³ ½ ٣ €", "x");
	CHECK_TL("Ｊｏｈｎ　Ｓｍｉｔｈ１２", "johnsmith12");
	CHECK_TL("Ａ＠Ｚ［ａ｀ｚ｛", "azaz");
	/* The soft sign has no letter of its own. */
	CHECK_TL("ь", "");
}

/* Bad UTF-8 loses the bad bytes, never the letters around them. */
static void test_translit_ascii_bad_utf8(void)
{
	CHECK_TL("Mu\xFFller", "muller");
	CHECK_TL("ab\xC3", "ab");		/* cut after a lead byte */
	CHECK_TL("ab\xE1\xBB", "ab");
	CHECK_TL("\x80\xBFx", "x");		/* lone continuations */
	CHECK_TL("\xC0\xAFx", "x");		/* overlong '/' */
	CHECK_TL("\xE0\x83\x80x", "x");		/* overlong À */
	CHECK_TL("\xED\xA0\x80x", "x");		/* surrogate */
	CHECK_TL("\xC3z\xC3\xA9", "ze");	/* lead byte then ASCII */
	CHECK_TL("\xF4\x90\x80\x80x", "x");	/* above U+10FFFF */
}

static void test_translit_ascii_appends(void)
{
	struct sbuf sb = SBUF_INIT;
	size_t n;

	sbuf_addstr(&sb, "x.");
	n = translit_ascii(&sb, "Zoë Łukasz");
	CHECK(n == 9);
	CHECK_STR(sbuf_str(&sb), "x.zoelukasz");
	CHECK(sb.len == 11);

	n = translit_ascii(&sb, "王秀英");
	CHECK(n == 0);
	CHECK_STR(sbuf_str(&sb), "x.zoelukasz");
	CHECK(sb.len == 11);

	n = translit_ascii(&sb, "Щ");
	CHECK(n == 4);
	CHECK_STR(sbuf_str(&sb), "x.zoelukaszshch");
	sbuf_release(&sb);

	/* Nothing to add to an empty buffer still leaves a string. */
	n = translit_ascii(&sb, "");
	CHECK(n == 0 && sb.len == 0 && sb.buf && sb.buf[0] == '\0');
	sbuf_release(&sb);
}

/* The longest output per input byte, where a short buffer would overflow. */
static void test_translit_ascii_long(void)
{
	struct sbuf in = SBUF_INIT, want = SBUF_INIT, out = SBUF_INIT;
	size_t n;

	for (int i = 0; i < 500; i++) {
		sbuf_addstr(&in, "Щ");
		sbuf_addstr(&want, "shch");
	}
	n = translit_ascii(&out, in.buf);
	CHECK(n == 2000 && out.len == 2000);
	CHECK_STR(sbuf_str(&out), want.buf);
	sbuf_reset(&in);
	sbuf_reset(&out);
	for (int i = 0; i < 5000; i++)
		sbuf_addstr(&in, "Ab-");
	n = translit_ascii(&out, in.buf);
	CHECK(n == 10000 && strncmp(out.buf, "abab", 4) == 0);
	sbuf_release(&in);
	sbuf_release(&want);
	sbuf_release(&out);
}

/* Every letter of these ranges gives something. */
static void check_range(unsigned first, unsigned last, const unsigned *skip)
{
	struct sbuf sb = SBUF_INIT;
	char utf8[5];

	for (unsigned cp = first; cp <= last; cp++) {
		int skipped = 0;

		for (const unsigned *s = skip; s && *s; s++)
			skipped |= *s == cp;
		if (skipped)
			continue;
		encode(cp, utf8);
		sbuf_reset(&sb);
		if (translit_ascii(&sb, utf8) == 0) {
			fprintf(stderr, "  U+%04X %s gives nothing\n", cp,
				utf8);
			CHECK(sb.len > 0);
		}
	}
	sbuf_release(&sb);
}

static void test_translit_ascii_coverage(void)
{
	static const unsigned latin1[] = { 0xD7, 0xF7, 0 };
	static const unsigned greek[] = { 0x3A2, 0 };
	static const unsigned soft[] = { 0x42C, 0x44C, 0 };
	static const unsigned ext_b[] = {
		0x184, 0x185, 0x18D, 0x19B, 0x1A7, 0x1A8, 0x1AA, 0x1B8, 0x1B9,
		0x1BB, 0x1BC, 0x1BD, 0x1BE, 0x1C0, 0x1C1, 0x1C2, 0x1C3,
		0x241, 0x242, 0x245, 0
	};

	check_range(0x00C0, 0x00FF, latin1);
	check_range(0x0100, 0x017F, NULL);
	check_range(0x0180, 0x024F, ext_b);	/* all but tone and click */
	check_range(0x1E00, 0x1EFF, NULL);
	check_range(0x0386, 0x0386, NULL);
	check_range(0x0388, 0x038A, NULL);
	check_range(0x038C, 0x038C, NULL);
	check_range(0x038E, 0x03CE, greek);
	check_range(0x0400, 0x045F, soft);
	check_range(0x0490, 0x04A7, NULL);
	check_range(0x1F00, 0x1F15, NULL);
}

/*
 * Every code point on its own: only [a-z0-9], at most twice its UTF-8
 * length (translit_ascii() grows the buffer by that much once), and as
 * many code points found as the table holds, which a table out of order
 * would not give: update the count when the table changes.
 */
static void test_translit_ascii_every_code_point(void)
{
	struct sbuf sb = SBUF_INIT;
	unsigned found = 0, bad_chars = 0, too_long = 0;
	char utf8[5];

	for (unsigned cp = 0x80; cp <= 0x10FFFF; cp++) {
		int len;
		size_t n;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		len = encode(cp, utf8);
		sbuf_reset(&sb);
		n = translit_ascii(&sb, utf8);
		if (n)
			found++;
		if (n > 2 * (size_t)len)
			too_long++;
		for (size_t i = 0; i < n; i++)
			if (!((sb.buf[i] >= 'a' && sb.buf[i] <= 'z') ||
			      (sb.buf[i] >= '0' && sb.buf[i] <= '9')))
				bad_chars++;
	}
	CHECK(bad_chars == 0);
	CHECK(too_long == 0);
	if (found != 1169 + 62)
		fprintf(stderr, "  %u code points found\n", found);
	CHECK(found == 1169 + 62);	/* the table and full-width forms */
	sbuf_release(&sb);
}

/* A search folds as usernames do and keeps what is not a letter. */
static void test_translit_search(void)
{
	static const char *const same[][2] = {
		{ "Łukasz Wiśniewski", "lukasz wisniewski" },
		{ "ŁUKASZ", "lukasz" }, { "Ayşe ÇELİK", "ayse celik" },
		{ "Σοφία", "sofia" }, { "ДМИТРИЙ", "dmitrii" },
		{ "100% club", "100% club" }, { "a_b", "a_b" },
		{ "zoe.lefevre@pupils.example", "zoe.lefevre@pupils.example" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		struct sbuf a = SBUF_INIT, b = SBUF_INIT;

		translit_search(&a, same[i][0]);
		translit_search(&b, same[i][1]);
		CHECK_STR(sbuf_str(&a), same[i][1]);
		CHECK_STR(sbuf_str(&b), same[i][1]);
		sbuf_release(&a);
		sbuf_release(&b);
	}
}

int main(void)
{
	RUN(test_translit_ascii_latin);
	RUN(test_translit_ascii_greek);
	RUN(test_translit_ascii_cyrillic);
	RUN(test_translit_ascii_decomposed);
	RUN(test_translit_ascii_dropped);
	RUN(test_translit_ascii_bad_utf8);
	RUN(test_translit_ascii_appends);
	RUN(test_translit_ascii_long);
	RUN(test_translit_ascii_coverage);
	RUN(test_translit_ascii_every_code_point);
	RUN(test_translit_search);
	TEST_EXIT();
}
