/*
 * Unit tests of core/name.c: which characters a name may not hold, and what
 * cleaning leaves of a name: the same bytes when nothing is removed, one
 * space where a removed break stood, no space at the ends.
 */
#include "core/name.h"

#include "tests/unit/test.h"

static void test_name_forbidden(void)
{
	static const unsigned bad[] = { 0x00, 0x07, 0x09, 0x0A, 0x1B, 0x1F,
					0x7F, 0x80, 0x85, 0x9F, 0x061C,
					0x200E, 0x200F, 0x2028, 0x2029,
					0x202A, 0x202B, 0x202C, 0x202D,
					0x202E, 0x2066, 0x2067, 0x2068,
					0x2069 };
	static const unsigned good[] = { ' ', 'A', '\'', '-', 0xA0, 0xE9,
					 0x0645, 0x200B, 0x200C, 0x200D,
					 0x2010, 0x2027, 0x202F, 0x2065,
					 0x206A, 0x1F600 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(name_forbidden(bad[i]));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(!name_forbidden(good[i]));
}

static void test_name_clean(void)
{
	struct sbuf sb = SBUF_INIT;
	unsigned first = 0;

	/* Nothing to remove: the same bytes, spaces and all. */
	CHECK(name_clean("Zoë  Adams ", &sb, &first) == 0);
	CHECK_STR(sb.buf, "Zoë  Adams ");
	CHECK(name_clean("", &sb, NULL) == 0);
	CHECK_STR(sb.buf, "");
	/* Persian with a zero-width non-joiner, Hindi with a joiner. */
	CHECK(name_clean("\xd9\x85\xd9\x87\xe2\x80\x8c\xd8\xb3\xd8\xa7",
			 &sb, NULL) == 0);
	CHECK_STR(sb.buf, "\xd9\x85\xd9\x87\xe2\x80\x8c\xd8\xb3\xd8\xa7");
	CHECK(name_clean("\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d\xe0\xa4\xb7",
			 &sb, NULL) == 0);
	CHECK_STR(sb.buf, "\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d\xe0\xa4\xb7");
	/* A bell and an escape go; the first is named. */
	CHECK(name_clean("Am\ay\x1b", &sb, &first) == 2);
	CHECK_STR(sb.buf, "Amy");
	CHECK(first == 0x07);
	/* A line or paragraph break between words leaves one space. */
	CHECK(name_clean("Anne\xe2\x80\xa8Marie", &sb, &first) == 1);
	CHECK_STR(sb.buf, "Anne Marie");
	CHECK(first == 0x2028);
	CHECK(name_clean("Anne \xe2\x80\xa9 Marie\t", &sb, NULL) == 2);
	CHECK_STR(sb.buf, "Anne Marie");
	/* Bidirectional overrides, isolates and marks; C1 controls. */
	CHECK(name_clean("\xe2\x80\xae" "Eve" "\xe2\x80\xac", &sb, &first)
	      == 2);
	CHECK_STR(sb.buf, "Eve");
	CHECK(first == 0x202E);
	CHECK(name_clean("\xe2\x81\xa6" "Li\xe2\x80\x8f" "\xe2\x81\xa9",
			 &sb, NULL) == 3);
	CHECK_STR(sb.buf, "Li");
	CHECK(name_clean("Jo\xc2\x85" "e\xc2\x9b", &sb, &first) == 2);
	CHECK_STR(sb.buf, "Jo e");
	CHECK(first == 0x85);
	/* Only controls: nothing is left. */
	CHECK(name_clean("\r\n\xe2\x80\x8e", &sb, NULL) == 3);
	CHECK_STR(sb.buf, "");
	sbuf_release(&sb);
}

static void test_name_clean_warn(void)
{
	char s[] = "Ma\x1b[2Jry\xe2\x80\xae";
	char same[] = "Mary";

	CHECK(name_clean_warn(s, "r.csv:2", "forename") == 2);
	CHECK_STR(s, "Ma[2Jry");
	CHECK(name_clean_warn(same, "r.csv:3", "forename") == 0);
	CHECK_STR(same, "Mary");
}

/* name_is_clean() says what name_clean() would do, on names built from
 * pieces that are and are not forbidden, cut sequences among them. */
static void test_name_is_clean(void)
{
	static const char *const pieces[] = {
		"A", " ", "\xc3\xab", "\xe2\x80\x8c", "\x1b", "\t",
		"\xc2\x85", "\xe2\x80\xae", "\xe2\x81\xa9", "\xd8\x9c",
		"\xe2", "\xe2\x80", "\xf0\x9f\x98\x80", "\x7f",
	};
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	struct sbuf sb = SBUF_INIT, out = SBUF_INIT;

	CHECK(name_is_clean(""));
	CHECK(name_is_clean("Zo\xc3\xab  Adams"));
	CHECK(!name_is_clean("Am\ay"));
	CHECK(!name_is_clean("Eve\xe2\x80\xae"));
	/* A cut sequence is kept, and what follows it still counts. */
	CHECK(name_is_clean("Jo\xe2"));
	CHECK(!name_is_clean("Jo\xe2\x1b"));
	/* Every name of three pieces. */
	for (size_t i = 0; i < np * np * np; i++) {
		sbuf_reset(&sb);
		sbuf_addstr(&sb, pieces[i % np]);
		sbuf_addstr(&sb, pieces[i / np % np]);
		sbuf_addstr(&sb, pieces[i / np / np]);
		if (name_is_clean(sb.buf) != (name_clean(sb.buf, &out, NULL) ==
					      0)) {
			fprintf(stderr, "name_is_clean: pieces %zu %zu %zu\n",
				i % np, i / np % np, i / np / np);
			CHECK(0);
			break;
		}
	}
	sbuf_release(&sb);
	sbuf_release(&out);
}

int main(void)
{
	RUN(test_name_forbidden);
	RUN(test_name_clean);
	RUN(test_name_clean_warn);
	RUN(test_name_is_clean);
	TEST_EXIT();
}
