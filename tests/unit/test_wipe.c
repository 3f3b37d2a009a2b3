/*
 * test_wipe: util's buffers, and the record reader's, leave no secret in
 * the memory they give back.
 *
 * This test is linked with -Wl,--wrap=free -Wl,--wrap=realloc (see the
 * Makefile), so every free() and realloc() that tempass's own code and
 * this file call passes through the checks below on its way to glibc.
 * While watching, a block that still holds the marker when it is freed,
 * or that is handed to realloc() (which may move it and leave its bytes
 * behind, unwiped), counts as a leak. The negative tests show the check
 * catches both.
 */
#include <malloc.h>

#include "core/secrets.h"
#include "core/util.h"
#include "formats/records.h"
#include "tests/unit/test.h"

void __real_free(void *p);
void *__real_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_realloc(void *p, size_t n);

/* Stands for a password: what must not be left in freed memory. */
static const char mark[] = "Tp-marker-7Qx9";

/* volatile: the compiler, which cannot know that free() is wrapped to
 * code of this file, must not drop a store before a call of free(). */
static volatile int watching;
static volatile size_t seen, leaked;

static int holds_mark(void *p)
{
	return memmem(p, malloc_usable_size(p), mark, sizeof(mark) - 1) !=
	       NULL;
}

static void look(void *p)
{
	if (!watching || !p)
		return;
	seen++;
	if (holds_mark(p))
		leaked++;
}

void __wrap_free(void *p)
{
	look(p);
	__real_free(p);
}

void *__wrap_realloc(void *p, size_t n)
{
	look(p);
	return __real_realloc(p, n);
}

static void watch(void)
{
	seen = leaked = 0;
	watching = 1;
}

/* ==== The check itself ==== */

static void test_check_catches_free(void)
{
	char *p = xmalloc(64);

	memcpy(p, mark, sizeof(mark));
	watch();
	free(p);
	watching = 0;
	CHECK(seen == 1);
	CHECK(leaked == 1);
}

/* What sbuf_grow() did with realloc(): the old block may stay behind. */
static void test_check_catches_realloc(void)
{
	char *p = xmalloc(64);

	memcpy(p, mark, sizeof(mark));
	watch();
	p = xrealloc(p, 1 << 20);
	watching = 0;
	CHECK(leaked == 1);
	secrets_wipe(p, 1 << 20);
	free(p);
}

/* ==== sbuf ==== */

static void test_sbuf_grow_wipes(void)
{
	struct sbuf sb = SBUF_INIT;
	char chunk[100];

	memset(chunk, 'a', sizeof(chunk));
	watch();
	sbuf_addstr(&sb, mark);
	/* From 64 bytes to 128 KiB: eleven new blocks, the marker copied
	 * into each, every old one given back. */
	while (sb.len < 100000)
		sbuf_add(&sb, chunk, sizeof(chunk));
	CHECK(seen >= 10);
	CHECK(leaked == 0);
	/* Nothing lost on the way. */
	CHECK(memcmp(sb.buf, mark, sizeof(mark) - 1) == 0);
	CHECK(sb.buf[sb.len - 1] == 'a' && sb.buf[sb.len] == '\0');
	sbuf_release(&sb);
	watching = 0;
	CHECK(leaked == 0);
	CHECK(sb.buf == NULL && sb.len == 0 && sb.cap == 0);
}

static void test_sbuf_addf_wipes(void)
{
	struct sbuf sb = SBUF_INIT;

	watch();
	for (int i = 0; i < 200; i++)
		sbuf_addf(&sb, "%s %0300d\n", mark, i);
	CHECK(seen >= 5);
	CHECK(leaked == 0);
	for (int i = 0; i < 5000; i++)
		sbuf_addch(&sb, 'x');
	CHECK(leaked == 0);
	sbuf_release(&sb);
	watching = 0;
	CHECK(leaked == 0);
}

/* Release wipes the whole block, not only the bytes in use. */
static void test_sbuf_release_wipes_whole(void)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addstr(&sb, "a first, longer line with ");
	sbuf_addstr(&sb, mark);
	sbuf_reset(&sb);
	sbuf_addstr(&sb, "short");
	CHECK(holds_mark(sb.buf));
	watch();
	sbuf_release(&sb);
	watching = 0;
	CHECK(seen == 1);
	CHECK(leaked == 0);
}

/* ==== arena ==== */

static void test_arena_release_wiped(void)
{
	struct arena a = ARENA_INIT;

	for (int i = 0; i < 1000; i++)
		arena_strdup(&a, mark);
	watch();
	arena_release_wiped(&a);
	watching = 0;
	CHECK(seen >= 1);
	CHECK(leaked == 0);
}

/* ==== records ==== */

/* A reader that keeps what it read wipes every buffer it kept. */
static void test_rec_reader_keep_wipes(void)
{
	struct sbuf text = SBUF_INIT;
	const char *const *v;
	struct rec_reader *r;
	FILE *in;
	int n = 0;

	sbuf_addstr(&text, "username\tpassword\n");
	for (int i = 0; i < 20000; i++)
		sbuf_addf(&text, "u%d\t%s\n", i, mark);
	in = fmemopen(text.buf, text.len, "r");
	r = in ? rec_reader_new(in, "t", REC_TSV) : NULL;
	CHECK(r && rec_reader_keep(r) == 1);
	while (r && rec_read(r, &v) == 1)
		n++;
	CHECK(n == 20000);
	watch();
	rec_reader_free(r);
	watching = 0;
	CHECK(seen >= 3);
	CHECK(leaked == 0);
	if (in)
		fclose(in);
	sbuf_release(&text);
}

int main(void)
{
	RUN(test_check_catches_free);
	RUN(test_check_catches_realloc);
	RUN(test_sbuf_grow_wipes);
	RUN(test_sbuf_addf_wipes);
	RUN(test_sbuf_release_wipes_whole);
	RUN(test_arena_release_wiped);
	RUN(test_rec_reader_keep_wipes);
	TEST_EXIT();
}
