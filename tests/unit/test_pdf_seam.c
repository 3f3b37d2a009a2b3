/*
 * Unit tests of formats/pdf_seam: each assumption it makes about libharu
 * 2.3.0's structures, checked on a small document built through it, so
 * that a libharu laid out otherwise fails here, loudly, rather than in a
 * printout. The document is saved uncompressed (but for the page
 * contents, which the seam writes as given) and read as bytes, by qpdf
 * and by poppler; where the seam reads the font's glyph table, the test
 * reads the font file itself and compares.
 *
 * One test looks into libharu's memory itself (hpdf_streams.h): it finds
 * the buffer of a page's content, lets libharu free it and reads what is
 * left there, to see that the document's allocator wipes.
 */
#include "formats/pdf_seam.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <zlib.h>

#include <hpdf.h>
#include <hpdf_list.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include "core/util.h"
#include "tests/unit/test.h"

#define FONT	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

static char tmpdir[64];

/* ==== Helpers ==== */

static char *slurp(const char *path, size_t *len)
{
	struct sbuf sb = SBUF_INIT;
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp) {
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			sbuf_add(&sb, buf, n);
		fclose(fp);
	}
	if (len)
		*len = sb.len;
	sbuf_addstr(&sb, "");
	return sbuf_detach(&sb);
}

/* Runs cmd, its stdout and stderr in *out (NULL: dropped); exit status. */
static int run(const char *cmd, char **out)
{
	char *path = xasprintf("%s/run.out", tmpdir);
	char *full = xasprintf("%s >%s 2>&1", cmd, path);
	int rc = system(full);

	if (out)
		*out = slurp(path, NULL);
	free(full);
	free(path);
	return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static size_t count(const char *hay, size_t len, const char *needle,
		    size_t nlen)
{
	size_t n = 0;

	for (const char *p = hay; p + nlen <= hay + len; p++) {
		p = memmem(p, (size_t)(hay + len - p), needle, nlen);
		if (!p)
			break;
		n++;
	}
	return n;
}

static size_t count_str(const struct sbuf *sb, const char *needle)
{
	return count(sb->buf, sb->len, needle, strlen(needle));
}

static void on_error(HPDF_STATUS code, HPDF_STATUS detail, void *data)
{
	(void)detail;
	if (!*(HPDF_STATUS *)data)
		*(HPDF_STATUS *)data = code;
}

static int to_sbuf(void *ctx, const void *buf, size_t len)
{
	sbuf_add(ctx, buf, len);
	return 0;
}

static int refuse(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return -1;
}

/* s deflated as a zlib stream; caller frees. */
static unsigned char *deflated(const char *s, size_t len, size_t *out)
{
	uLongf n = compressBound((uLong)len);
	unsigned char *z = xmalloc(n);

	CHECK(compress2(z, &n, (const Bytef *)s, (uLong)len, 1) == Z_OK);
	*out = n;
	return z;
}

static uint32_t be(const unsigned char *p, int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/* The font file's own glyph table, read here: what the seam must agree
 * with. */
struct glyphs {
	unsigned char *file;
	size_t len;
	unsigned nglyphs;
	uint32_t glyf;
	int long_loca;
	const unsigned char *loca;
};

static int read_glyphs(struct glyphs *g)
{
	const unsigned char *f;
	unsigned ntables;
	uint32_t head = 0, maxp = 0, loca = 0;

	g->file = (unsigned char *)slurp(FONT, &g->len);
	f = g->file;
	if (g->len < 12)
		return -1;
	ntables = be(f + 4, 2);
	for (unsigned i = 0; i < ntables; i++) {
		const unsigned char *e = f + 12 + 16 * i;

		if (!memcmp(e, "head", 4))
			head = be(e + 8, 4);
		else if (!memcmp(e, "maxp", 4))
			maxp = be(e + 8, 4);
		else if (!memcmp(e, "loca", 4))
			loca = be(e + 8, 4);
		else if (!memcmp(e, "glyf", 4))
			g->glyf = be(e + 8, 4);
	}
	if (!head || !maxp || !loca || !g->glyf)
		return -1;
	g->long_loca = be(f + head + 50, 2) != 0;
	g->nglyphs = be(f + maxp + 4, 2);
	g->loca = f + loca;
	return 0;
}

static void glyph_at(const struct glyphs *g, unsigned gid, long *off,
		     size_t *len)
{
	uint32_t a, b;

	if (g->long_loca) {
		a = be(g->loca + 4 * gid, 4);
		b = be(g->loca + 4 * gid + 4, 4);
	} else {
		a = 2 * be(g->loca + 2 * gid, 2);
		b = 2 * be(g->loca + 2 * gid + 2, 2);
	}
	*off = (long)(g->glyf + a);
	*len = b - a;
}

/* ==== Tests ==== */

static void test_seam_version(void)
{
	CHECK_STR(HPDF_GetVersion(), PDF_SEAM_LIBHARU);
	CHECK(pdf_seam_check_version() == 0);
}

/*
 * The seam refuses to compile against another libharu: the installed
 * headers are copied, one copy says 2.4.0, and the seam is compiled
 * against each (the unchanged copy must compile, or the check proves
 * nothing).
 */
static void test_seam_version_guard(void)
{
	char *same = xasprintf("%s/same", tmpdir);
	char *other = xasprintf("%s/other", tmpdir);
	char *cmd, *out;

	cmd = xasprintf("mkdir -p %s %s && cp /usr/include/hpdf*.h %s && "
			"cp /usr/include/hpdf*.h %s && sed -i "
			"'s/HPDF_VERSION_ID 20300/HPDF_VERSION_ID 20400/' "
			"%s/hpdf_version.h", same, other, same, other, other);
	CHECK(run(cmd, NULL) == 0);
	free(cmd);
	cmd = xasprintf("cc -std=c11 -D_GNU_SOURCE -I. -I%s -fsyntax-only "
			"formats/pdf_seam.c", same);
	CHECK(run(cmd, &out) == 0);
	if (*out)
		fprintf(stderr, "  %s", out);
	free(out);
	free(cmd);
	cmd = xasprintf("cc -std=c11 -D_GNU_SOURCE -I. -I%s -fsyntax-only "
			"formats/pdf_seam.c", other);
	CHECK(run(cmd, &out) != 0);
	CHECK(strstr(out, "uses the structures of libharu 2.3.0"));
	free(out);
	free(cmd);
	free(same);
	free(other);
}

/*
 * Two pages of one shared resource dictionary, each with its content
 * given deflated; a UTF-8 font whose ToUnicode is replaced and two of
 * whose glyphs are marked used; saved through a callback.
 */
static void test_seam_document(void)
{
	static const char cmap[] =
		"/CIDInit /ProcSet findresource begin\n12 dict begin\n"
		"begincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering "
		"(UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS "
		"def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\n"
		"endcodespacerange\n1 beginbfrange\n<0000> <00FF> <0000>\n"
		"endbfrange\nendcmap\nCMapName currentdict /CMap "
		"defineresource pop\nend\nend\n";
	HPDF_STATUS err = 0;
	HPDF_Doc doc = pdf_seam_new_doc(on_error, &err);
	HPDF_Page page[2] = { NULL, NULL };
	HPDF_Font font = NULL;
	void *shared = NULL, *first = NULL;
	const char *name, *fname = NULL;
	struct sbuf out = SBUF_INIT, ref = SBUF_INIT;
	struct glyphs g = { 0 };
	unsigned char *z[2] = { NULL, NULL };
	size_t zlen[2] = { 0, 0 };
	char *pdf = xasprintf("%s/seam.pdf", tmpdir), *cmd, *text;
	const char *p;
	FILE *fp;

	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK(read_glyphs(&g) == 0);
	CHECK(HPDF_SetCompressionMode(doc, HPDF_COMP_NONE) == HPDF_OK);
	CHECK(HPDF_UseUTFEncodings(doc) == HPDF_OK);
	fname = HPDF_LoadTTFontFromFile(doc, FONT, HPDF_TRUE);
	CHECK(fname != NULL);
	if (fname)
		font = HPDF_GetFont(doc, fname, "UTF-8");
	CHECK(font != NULL);
	if (!font || !g.nglyphs)
		goto out;
	CHECK(pdf_seam_set_tounicode(font, cmap, strlen(cmap)) == 0);

	for (int i = 0; i < 2; i++) {
		page[i] = HPDF_AddPage(doc);
		CHECK(page[i] != NULL);
		CHECK(pdf_seam_share_resources(doc, page[i], &shared, 300,
					       200) == 0);
		CHECK(shared != NULL);
		if (!i)
			first = shared;
		/* The font registered on one page is on both. */
		name = pdf_seam_font_name(page[i], font);
		CHECK(name != NULL);
		if (!name)
			goto out;
		sbuf_reset(&ref);
		sbuf_addf(&ref, "BT\n/%s 24 Tf\n20 100 Td\n(%c%s%c%s) Tj\nET\n",
			  name, 0, i ? "O" : "H", 0, i ? "k" : "i");
		z[i] = deflated(ref.buf, ref.len, &zlen[i]);
		CHECK(pdf_seam_set_content(page[i], z[i], zlen[i]) == 0);
	}
	CHECK(shared == first);

	/* Where the seam finds glyphs is where the font file has them. */
	for (unsigned gid = 0; gid < g.nglyphs; gid += 97) {
		long off = -1, want_off;
		size_t len = 0, want_len;

		if (gid == 500)
			continue;
		CHECK(pdf_seam_use_glyph(font, gid, &off, &len) == 0);
		glyph_at(&g, gid, &want_off, &want_len);
		if (off != want_off || len != want_len)
			fprintf(stderr, "  glyph %u: seam %ld+%zu, font file "
				"%ld+%zu\n", gid, off, len, want_off,
				want_len);
		CHECK(off == want_off && len == want_len);
	}
	{
		long off;
		size_t len;

		CHECK(pdf_seam_use_glyph(font, g.nglyphs, &off, &len) == -1);
		CHECK(pdf_seam_use_glyph(NULL, 1, &off, &len) == -1);
	}
	CHECK(err == 0);

	CHECK(pdf_seam_save(doc, to_sbuf, &out) == 0);
	CHECK(err == 0);
	CHECK(out.len > 1000 && !memcmp(out.buf, "%PDF-1.", 7));
	CHECK(out.len > 6 && memmem(out.buf + out.len - 7, 7, "%%EOF", 5));

	/* Contents: as given, under one /Filter each, with their length. */
	for (int i = 0; i < 2; i++) {
		char len[64];

		CHECK(count(out.buf, out.len, (char *)z[i], zlen[i]) == 1);
		/* libharu writes a length as an object of its own. */
		snprintf(len, sizeof(len), " 0 obj\n%zu\nendobj", zlen[i]);
		CHECK(count_str(&out, len) >= 1);
	}
	CHECK(count_str(&out, "/Filter [/FlateDecode]") == 2);
	/* One resource dictionary, one media box, at the root. */
	CHECK(count_str(&out, "/MediaBox [ 0 0 300 200 ]") == 1);
	CHECK(count_str(&out, "/Resources ") == 2);
	p = memmem(out.buf, out.len, "/Resources ", 11);
	if (p) {
		char res[32];

		snprintf(res, sizeof(res), "%.*s",
			 (int)strcspn(p + 11, "R") + 12, p);
		CHECK(count_str(&out, res) == 2);
	}
	/* The ToUnicode CMap is ours, its dictionary a stream's only. */
	CHECK(count_str(&out, cmap) == 1);
	CHECK(count_str(&out, "begincidrange") == 0);
	CHECK(count_str(&out, "/Type /CMap") == 0);
	/* Glyphs marked are embedded; one not marked is not. */
	for (unsigned gid = 97; gid < g.nglyphs; gid += 97 * 7) {
		long off;
		size_t len;

		glyph_at(&g, gid, &off, &len);
		if (len >= 24)
			CHECK(count(out.buf, out.len,
				    (char *)g.file + off, len) == 1);
	}
	{
		long off;
		size_t len;

		glyph_at(&g, 500, &off, &len);
		CHECK(len >= 24);
		CHECK(count(out.buf, out.len, (char *)g.file + off, len) ==
		      0);
	}

	/* What other readers make of it. */
	fp = fopen(pdf, "wb");
	CHECK(fp && fwrite(out.buf, 1, out.len, fp) == out.len);
	if (fp)
		fclose(fp);
	cmd = xasprintf("qpdf --check '%s'", pdf);
	CHECK(run(cmd, &text) == 0);
	CHECK(strstr(text, "No syntax or stream encoding errors"));
	free(text);
	free(cmd);
	cmd = xasprintf("pdftotext '%s' -", pdf);
	CHECK(run(cmd, &text) == 0);
	CHECK(strstr(text, "Hi") && strstr(text, "Ok"));
	/* poppler says nothing else (its warnings would be here too). */
	CHECK(strlen(text) == strspn(text, "HiOk\n\f"));
	free(text);
	free(cmd);

	/* A write that fails fails the save. */
	CHECK(pdf_seam_save(doc, refuse, NULL) == HPDF_FILE_IO_ERROR);
	CHECK(err == HPDF_FILE_IO_ERROR);
out:
	HPDF_Free(doc);
	free(z[0]);
	free(z[1]);
	free(g.file);
	sbuf_release(&out);
	sbuf_release(&ref);
	free(pdf);
}

/* Copies what is at src, freed or not, past the sanitizers. */
__attribute__((no_sanitize_address, noinline))
static void peek(unsigned char *dst, const volatile unsigned char *src,
		 size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

/*
 * How much of a page's content of n marker bytes is still in its buffer
 * after doc is freed. The first 16 bytes are the allocator's own once
 * the block is free.
 */
static size_t left_after_free(HPDF_Doc doc)
{
	enum { N = 512 };
	unsigned char data[N], seen[N];
	HPDF_Page page = HPDF_AddPage(doc);
	HPDF_MemStreamAttr attr;
	unsigned char *buf;
	size_t left = 0;

	memset(data, 'S', N);
	CHECK(page && pdf_seam_set_content(page, data, N) == 0);
	attr = ((HPDF_PageAttr)page->attr)->contents->stream->attr;
	buf = HPDF_List_ItemAt(attr->buf, 0);
	CHECK(buf && !memcmp(buf, data, N));
	HPDF_Free(doc);
	peek(seen, buf, N);
	for (size_t i = 16; i < N; i++)
		left += seen[i] == 'S';
	return left;
}

static void test_seam_wipes(void)
{
	HPDF_STATUS err = 0;

	CHECK(left_after_free(pdf_seam_new_doc(on_error, &err)) == 0);
	/* The check sees what libharu's own allocator leaves behind. */
	CHECK(left_after_free(HPDF_New(on_error, &err)) > 400);
	CHECK(err == 0);
}

int main(void)
{
	ASSERT(pdf_seam_load() == 0);
	strcpy(tmpdir, "/tmp/test_pdf_seam.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_seam_version);
	RUN(test_seam_version_guard);
	RUN(test_seam_document);
	RUN(test_seam_wipes);
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (!getenv("KEEP") && system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
		free(cmd);
	}
	TEST_EXIT();
}
