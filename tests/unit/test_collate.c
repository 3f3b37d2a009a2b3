/*
 * test_collate: the one order of names and groups (core/collate.c): case,
 * accents and separators ignored, digit runs by value, names in other
 * scripts by their bytes.
 */
#include "core/collate.h"

#include <string.h>

#include "tests/unit/test.h"

static void test_collate_cmp_same_group(void)
{
	/* One class however it is spelt: one key. */
	CHECK(collate_cmp("7A", "7a") == 0);
	CHECK(collate_cmp("7A", "7/A") == 0);
	CHECK(collate_cmp("7A", "7 A") == 0);
	CHECK(collate_cmp("Year 7", "year-7") == 0);
	CHECK(collate_cmp("7A", "7B") != 0);
}

static void test_collate_cmp_numbers(void)
{
	CHECK(collate_cmp("7A", "10A") < 0);
	CHECK(collate_cmp("10A", "7A") > 0);
	CHECK(collate_cmp("Year 9", "Year 10") < 0);
	CHECK(collate_cmp("Year 007", "Year 7") == 0);
	CHECK(collate_cmp("Year 7", "Year 7A") < 0);
	/* Digits before letters, as the lists have them. */
	CHECK(collate_cmp("11C", "Year 7") < 0);
}

static void test_collate_cmp_names(void)
{
	/* Çelik under C, Łukasz under L, as the printed lists sort. */
	CHECK(collate_cmp("Brown", "Çelik") < 0);
	CHECK(collate_cmp("Çelik", "Clark") < 0);
	CHECK(collate_cmp("Łukasz", "Lyons") < 0);
	CHECK(collate_cmp("Kowalski", "Łukasz") < 0);
	CHECK(collate_cmp("smith", "Smith") == 0);
	/* No Latin letter: the bytes decide, and stay apart. */
	CHECK(collate_cmp("王", "李") != 0);
	CHECK(collate_cmp("王", "王") == 0);
	CHECK(collate_cmp("", "a") < 0);
}

static void test_collate_key_appends(void)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addstr(&sb, "x");
	collate_key(&sb, "7/A");
	CHECK(sb.len > 1 && sb.buf[0] == 'x');
	CHECK(sb.buf[sb.len - 1] == 'a');
	sbuf_release(&sb);
}

static void test_collate_key_after_another(void)
{
	/* A key appended after another is the key it is alone: the
	 * digits' form is made from this key's letters only. */
	struct sbuf both = SBUF_INIT, alone = SBUF_INIT;

	collate_key(&both, "Élise 12");
	collate_key(&alone, "Year 10B");
	sbuf_addch(&both, '\x01');
	size_t at = both.len;
	collate_key(&both, "Year 10B");
	CHECK(both.len - at == alone.len);
	CHECK(memcmp(both.buf + at, alone.buf, alone.len) == 0);
	CHECK(memcmp(both.buf, "elise", 5) == 0);
	sbuf_release(&both);
	sbuf_release(&alone);
}

int main(void)
{
	RUN(test_collate_cmp_same_group);
	RUN(test_collate_cmp_numbers);
	RUN(test_collate_cmp_names);
	RUN(test_collate_key_after_another);
	RUN(test_collate_key_appends);
	TEST_EXIT();
}
