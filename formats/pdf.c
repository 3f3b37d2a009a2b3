/*
 * pdf: the printed lists of temporary passwords, written with libharu 2.3.0:
 * strips to cut apart and hand out, one class list per group for the
 * teacher, or one letter per pupil. With its seam (pdf_seam.c), the only
 * file that includes hpdf.h; the only one that includes qrencode.h.
 *
 * Text: libharu draws UTF-8 (Basic Multilingual Plane only) with embedded
 * TrueType fonts but has no font fallback and no "has glyph" call. So each
 * configured font's cmap is read here (format 4, the subtable libharu itself
 * draws from; format 12 to recognise glyphs beyond the BMP), each string is
 * split into runs by the first font of the chain that has the glyph, and a
 * character no font has is printed as '?' with a warning naming the person.
 * Fallback fonts are loaded into the document only when a run needs them.
 * Widths come from libharu (the same numbers it writes to the /W array) and
 * are cached per font and code point. Before that, each string is put in
 * the order it is seen in, right-to-left runs reversed and Arabic joined
 * into presentation forms (formats/bidi.h), so libharu still draws one
 * glyph per code point, left to right.
 *
 * The one design choice a reader needs: two defects of libharu 2.3.0 are
 * repaired in the document it builds, through its own object API, rather
 * than by patching the finished bytes (compressed, with byte offsets in
 * the xref) or shipping a patched libharu. This file sees libharu's public
 * API only (hpdf.h with HPDF_SHARED: every object an opaque handle); the
 * few uses of its structures live in formats/pdf_seam.c:
 *
 *  - ToUnicode. For a UTF-8 font libharu emits a Type0 font, /Encoding
 *    /Identity-H, whose codes are the Unicode code points themselves (it
 *    maps them to glyphs through /CIDToGIDMap), and attaches as /ToUnicode
 *    a copy of its *encoding* CMap, written with "begincidrange": not a
 *    ToUnicode CMap, so poppler warns on every page and text extraction
 *    works by luck. Code and Unicode value being the same number, the right
 *    ToUnicode is the identity over the BMP, but for the Arabic forms bidi
 *    joins letters into, which map back to their letters: right after
 *    HPDF_GetFont() the stream libharu attached is emptied and refilled
 *    with a standard Adobe-Identity-UCS CMap of "bfrange" entries, one per
 *    high byte or run of codes between forms (a bfrange may not cross a
 *    last-byte boundary; at most 100 entries per block; surrogates left
 *    out), and "bfchar" entries for the forms, and its CMap-only keys are
 *    removed.
 *    poppler, pypdf and qpdf then read the file without a word.
 *  - Subsetting. libharu embeds only the glyphs it marks as used and misses
 *    the parts of composite glyphs (see mark_components()); they are
 *    found here and marked through the seam, or Vietnamese tones and many
 *    CJK characters print blank.
 *
 * Speed: libharu formats every operator through byte-wise helpers and
 * deflates every page at save time, on one core, at zlib's default level,
 * holding every page uncompressed until then. So libharu draws nothing
 * here: each page's content stream is written into a buffer by the small
 * drawing layer below (the operators libharu would write, numbers by a
 * fixed-point formatter, text as literal strings), handed to a second
 * thread that deflates it with zlib at the fastest level while the next
 * page is laid out (formats/deflate), and given back to libharu as the
 * page's stream, already deflated: libharu writes the bytes as they are.
 * Only the thread that lays out touches libharu; only deflated pages stay
 * in memory. libharu still registers each font in the page's /Resources
 * and marks each glyph used (glyph_width() asks it for every character
 * drawn), so subsetting and the /W widths are what its own ShowText would
 * give. The document is written straight to the output rather than into
 * a memory stream first.
 * Text is still drawn with as few operators as possible: one BT/ET per
 * strip, a font switch only when font or size changes, one Tj per run,
 * cut lines as one path per page, QR modules as one path per code. Pages
 * hang in a two-tier page tree (PAGES_PER_NODE).
 */
#include "formats/pdf.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libharu's objects as opaque handles: its structures are pdf_seam's. */
#define HPDF_SHARED
#include <hpdf.h>
#include <qrencode.h>

#include "core/secrets.h"
#include "core/paper.h"
#include "core/util.h"
#include "core/words.h"
#include "formats/bidi.h"
#include "formats/deflate.h"
#include "formats/pdf_seam.h"

#define DEFAULT_FONT	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define DEFAULT_CJK	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0"
#define DEFAULT_MONO	"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define MAX_FONTS	16
/* Pages under one node of the page tree. */
#define PAGES_PER_NODE	64

/* Page geometry in points. Nothing is drawn outside the 10 mm margin. */
#define A4_W		595.276f
#define A4_H		841.89f
#define LETTER_W	612.0f
#define LETTER_H	792.0f
#define MARGIN		28.35f

/* Where a baseline sits below the top of its line, and the line height,
 * both per point of font size: DejaVu's ascent is 0.928, descent 0.236. */
#define ASCENT		0.95f
#define LEADING		1.2f

/* The strip at scale 1: font sizes and padding. Its height is what the
 * template's lines need; a smaller cell scales everything down, as long
 * as the password stays at PASS_MIN or more (pdf_grid_fits()). */
#define S_SMALL		8.0f
#define S_NAME		14.0f
#define S_USER		11.0f
#define S_PASS		16.0f
#define S_NAME_MIN	7.0f
#define PAD_V		6.0f
#define PAD_H		5.0f
/* Between the words before a username or password and the value. */
#define LABEL_GAP	4.0f
/* The smallest the password prints: legible, and monospace. */
#define PASS_MIN	11.0f
/* For pdf_grid_fits(), which has no font: the advance of a monospace
 * character (DejaVu Sans Mono's 0.602 em; every monospace font is near
 * 0.6) and a bound on the average letter of a proportional font. */
#define MONO_EM		0.602f
#define TEXT_EM		0.62f
/* The grid when none is given, and the most of each way. */
#define DEFAULT_COLS	3
#define DEFAULT_ROWS	8
/* Below the strips, inside the margins: the footer "7A · page 1 of 3". */
#define STRIP_FOOT	12.0f

/* The class list. */
#define T_TITLE		16.0f
#define T_SUB		9.0f
#define T_HEAD		8.5f
#define T_CELL		9.5f
#define T_FOOT		8.0f
#define ROW_H		16.0f
#define CELL_PAD	3.0f
/* The widest a logo is drawn beside a class list's title. */
#define LOGO_HEAD_W	120.0f

/* A letter: one pupil a page, the password the largest thing on it. */
#define L_SITE		18.0f
#define L_NAME		24.0f
#define L_LABEL		10.0f
#define L_USER		20.0f
#define L_PASS		32.0f
#define L_TEXT		11.0f
#define L_BATCH		7.0f       /* the batch line at the foot */
#define L_PARA		1.45f      /* line height of the instructions */
#define L_LOGO_W	160.0f
#define L_LOGO_H	60.0f
#define L_QR		120.0f
#define L_BOX_PAD	12.0f

/* Entries may leave a field NULL for "". */
static const char *str(const char *s)
{
	return s ? s : "";
}

/* ==== Loading libharu ==== */

/*
 * libharu is not linked: pdf_load() opens its soname, so only a process
 * that writes a PDF loads it and libpng. The functions this file calls,
 * each of its prototype's type (__typeof__); pdf_seam.c loads its own.
 */
static struct hpdf_api {
	__typeof__(HPDF_AddPage) *AddPage;
	__typeof__(HPDF_Font_GetFontName) *Font_GetFontName;
	__typeof__(HPDF_Font_GetUnicodeWidth) *Font_GetUnicodeWidth;
	__typeof__(HPDF_Free) *Free;
	__typeof__(HPDF_GetError) *GetError;
	__typeof__(HPDF_GetErrorDetail) *GetErrorDetail;
	__typeof__(HPDF_GetFont) *GetFont;
	__typeof__(HPDF_GetVersion) *GetVersion;
	__typeof__(HPDF_Image_GetHeight) *Image_GetHeight;
	__typeof__(HPDF_Image_GetWidth) *Image_GetWidth;
	__typeof__(HPDF_LoadJpegImageFromFile) *LoadJpegImageFromFile;
	__typeof__(HPDF_LoadPngImageFromFile) *LoadPngImageFromFile;
	__typeof__(HPDF_LoadTTFontFromFile) *LoadTTFontFromFile;
	__typeof__(HPDF_LoadTTFontFromFile2) *LoadTTFontFromFile2;
	__typeof__(HPDF_SetCompressionMode) *SetCompressionMode;
	__typeof__(HPDF_SetInfoAttr) *SetInfoAttr;
	__typeof__(HPDF_SetPagesConfiguration) *SetPagesConfiguration;
	__typeof__(HPDF_UseUTFEncodings) *UseUTFEncodings;
} hpdf;

#define SYM(f) DL_SYMBOL(struct hpdf_api, f, "HPDF_")
static const struct dl_symbol symbols[] = {
	SYM(AddPage), SYM(Font_GetFontName), SYM(Font_GetUnicodeWidth),
	SYM(Free), SYM(GetError), SYM(GetErrorDetail), SYM(GetFont),
	SYM(GetVersion), SYM(Image_GetHeight), SYM(Image_GetWidth),
	SYM(LoadJpegImageFromFile), SYM(LoadPngImageFromFile),
	SYM(LoadTTFontFromFile), SYM(LoadTTFontFromFile2),
	SYM(SetCompressionMode), SYM(SetInfoAttr),
	SYM(SetPagesConfiguration), SYM(UseUTFEncodings),
};
#undef SYM

static int loaded;

int pdf_load(void)
{
	if (!loaded && pdf_seam_load() == 0 &&
	    dl_load(PDF_LIBHARU, PDF_LIBHARU_PACKAGE, symbols,
		    ARRAY_SIZE(symbols), &hpdf, sizeof(hpdf)) == 0)
		loaded = 1;
	return loaded ? 0 : -1;
}

int pdf_image_kind(const char *path)
{
	static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r',
					      '\n', 0x1A, '\n' };
	unsigned char head[8];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp) {
		errorf("logo '%s': %s", path, strerror(errno));
		return -1;
	}
	n = fread(head, 1, sizeof(head), fp);
	fclose(fp);
	if (n == sizeof(head) && !memcmp(head, png, sizeof(png)))
		return PDF_IMAGE_PNG;
	if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
		return PDF_IMAGE_JPEG;
	errorf("logo '%s': not a PNG or JPEG image", path);
	return -1;
}

/* ==== Fonts: coverage from the cmap ==== */

struct range {
	uint32_t first, last;
};

struct font {
	char *path;
	FILE *fp;                  /* open while the document is built */
	unsigned index;            /* face in a .ttc collection */
	int collection;
	uint16_t *gid;             /* glyph of each BMP code point, 0 none */
	struct range *astral;      /* format 12 groups beyond the BMP */
	size_t nastral;
	HPDF_Font hf;              /* NULL until a run needs the font */
	int16_t *width;            /* 1/1000 em per code point, -1 unknown */
	unsigned char *closed;     /* glyphs whose components are marked */
};

static int covers(const struct font *f, unsigned cp)
{
	return cp <= 0xFFFF && f->gid[cp];
}

static int covers_astral(const struct font *f, unsigned cp)
{
	for (size_t i = 0; i < f->nastral; i++)
		if (cp >= f->astral[i].first && cp <= f->astral[i].last)
			return 1;
	return 0;
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Reads n bytes at off; -1 when the file is shorter (a broken font). */
static int read_at(FILE *fp, long off, void *buf, size_t n)
{
	if (off < 0 || fseek(fp, off, SEEK_SET) != 0)
		return -1;
	return fread(buf, 1, n, fp) == n ? 0 : -1;
}

/* Format 4: every code point of every segment that maps to a glyph that
 * exists, computed as libharu's HPDF_TTFontDef_GetGlyphid does. */
static int parse_format4(struct font *f, const unsigned char *t, size_t len,
			 unsigned nglyphs)
{
	size_t segs, ends, starts, deltas, ranges;

	if (len < 14)
		return -1;
	segs = be16(t + 6) / 2;
	ends = 14;
	starts = ends + 2 * segs + 2;
	deltas = starts + 2 * segs;
	ranges = deltas + 2 * segs;
	if (ranges + 2 * segs > len)
		return -1;
	for (size_t i = 0; i < segs; i++) {
		unsigned end = be16(t + ends + 2 * i);
		unsigned start = be16(t + starts + 2 * i);
		unsigned delta = be16(t + deltas + 2 * i);
		unsigned ro = be16(t + ranges + 2 * i);

		for (unsigned c = start; c <= end && c <= 0xFFFF; c++) {
			unsigned g;

			if (ro == 0) {
				g = (c + delta) & 0xFFFF;
			} else {
				size_t at = ranges + 2 * i + ro +
					    2 * (size_t)(c - start);

				if (at + 2 > len)
					break;
				g = be16(t + at);
				if (g)
					g = (g + delta) & 0xFFFF;
			}
			if (g && g < nglyphs)
				f->gid[c] = (uint16_t)g;
		}
	}
	return 0;
}

static int parse_format12(struct font *f, const unsigned char *t, size_t len)
{
	uint32_t ngroups;

	if (len < 16)
		return -1;
	ngroups = be32(t + 12);
	if (ngroups > (len - 16) / 12)
		return -1;
	for (uint32_t i = 0; i < ngroups; i++) {
		const unsigned char *g = t + 16 + 12 * (size_t)i;
		struct range r = { be32(g), be32(g + 4) };

		if (r.last <= 0xFFFF || r.first > r.last)
			continue;
		if (r.first <= 0xFFFF)
			r.first = 0x10000;
		f->astral = xrealloc(f->astral,
				     (f->nastral + 1) * sizeof(*f->astral));
		f->astral[f->nastral++] = r;
	}
	return 0;
}

/*
 * Splits "path.ttc#2" into path and face index, then reads the face's
 * table directory, maxp and cmap. Reports and returns -1 for a font
 * libharu could not draw from either.
 */
static int font_open(struct font *f, const char *spec)
{
	const char *hash = strrchr(spec, '#');
	unsigned char hdr[12], *dir = NULL, *cmap = NULL, buf[8];
	uint32_t base = 0, cmap_off = 0, cmap_len = 0, maxp_off = 0;
	unsigned ntables, nglyphs = 0, nsub;
	long f4 = -1, f12 = -1;
	int ret = -1;
	FILE *fp;

	if (hash && hash[1] && strspn(hash + 1, "0123456789") ==
	    strlen(hash + 1)) {
		f->path = xstrndup(spec, (size_t)(hash - spec));
		f->index = (unsigned)strtoul(hash + 1, NULL, 10);
	} else {
		f->path = xstrdup(spec);
	}
	fp = f->fp = fopen(f->path, "rb");
	if (!fp) {
		errorf("font '%s': %s", f->path, strerror(errno));
		return -1;
	}
	f->gid = xcalloc(65536, sizeof(*f->gid));
	if (read_at(fp, 0, hdr, sizeof(hdr)))
		goto bad;
	if (!memcmp(hdr, "ttcf", 4)) {
		f->collection = 1;
		if (f->index >= be32(hdr + 8)) {
			errorf("font '%s': the collection has no face %u",
			       f->path, f->index);
			goto out;
		}
		if (read_at(fp, 12 + 4 * (long)f->index, buf, 4))
			goto bad;
		base = be32(buf);
		if (read_at(fp, base, hdr, sizeof(hdr)))
			goto bad;
	} else if (f->index) {
		errorf("font '%s': face %u asked of a font that is not a "
		       "collection", f->path, f->index);
		goto out;
	}
	if (be32(hdr) != 0x00010000 && memcmp(hdr, "true", 4)) {
		errorf("font '%s': not a TrueType font (libharu cannot embed "
		       "CFF outlines)", f->path);
		goto out;
	}
	ntables = be16(hdr + 4);
	dir = xmalloc(16 * (size_t)ntables + 1);
	if (read_at(fp, (long)base + 12, dir, 16 * (size_t)ntables))
		goto bad;
	for (unsigned i = 0; i < ntables; i++) {
		const unsigned char *e = dir + 16 * i;

		if (!memcmp(e, "cmap", 4)) {
			cmap_off = be32(e + 8);
			cmap_len = be32(e + 12);
		} else if (!memcmp(e, "maxp", 4)) {
			maxp_off = be32(e + 8);
		}
	}
	if (!cmap_off || !maxp_off || cmap_len < 4 || cmap_len > 64 << 20)
		goto bad;
	if (read_at(fp, maxp_off + 4, buf, 2))
		goto bad;
	nglyphs = be16(buf);
	cmap = xmalloc(cmap_len);
	if (read_at(fp, cmap_off, cmap, cmap_len))
		goto bad;
	nsub = be16(cmap + 2);
	if (4 + 8 * (size_t)nsub > cmap_len)
		goto bad;
	for (unsigned i = 0; i < nsub; i++) {
		const unsigned char *e = cmap + 4 + 8 * i;
		unsigned pid = be16(e), eid = be16(e + 2);
		uint32_t off = be32(e + 4);

		if (off + 2 > cmap_len)
			goto bad;
		if (pid == 3 && eid == 1 && be16(cmap + off) == 4 && f4 < 0)
			f4 = off;
		if (((pid == 3 && eid == 10) || pid == 0) &&
		    be16(cmap + off) == 12 && f12 < 0)
			f12 = off;
	}
	if (f4 < 0) {
		errorf("font '%s': no Unicode (3,1) format 4 cmap, which "
		       "libharu needs", f->path);
		goto out;
	}
	/* A CJK font's format 4 table can outgrow its 16-bit length field:
	 * bound it by the cmap table instead. */
	if (parse_format4(f, cmap + f4, cmap_len - (size_t)f4, nglyphs))
		goto bad;
	if (f12 >= 0 &&
	    parse_format12(f, cmap + f12, cmap_len - (size_t)f12))
		goto bad;
	ret = 0;
	goto out;
bad:
	errorf("font '%s': truncated or broken font file", f->path);
out:
	free(cmap);
	free(dir);
	return ret;
}

static void font_release(struct font *f)
{
	if (f->fp)
		fclose(f->fp);
	free(f->path);
	free(f->gid);
	free(f->astral);
	free(f->width);
	free(f->closed);
}

/*
 * libharu embeds only the glyphs it marks as used, and its marking of the
 * parts of a composite glyph goes one level deep and reads component
 * numbers as signed (libharu issues #54, #79): a nested accent (the tilde
 * over the circumflex of Vietnamese "ễ" in DejaVu Sans) or a component
 * numbered above 32767 (most of WenQuanYi's CJK glyphs, e.g. "明") is left
 * out and prints blank. So every component, at any depth, is marked here
 * as used (pdf_seam_use_glyph()), read from the font's glyf.
 */
static void mark_components(struct font *f, unsigned gid, int depth)
{
	unsigned char buf[2048];
	long off;
	size_t len, p = 10;

	/* libharu may have flagged a glyph without its parts: "closed" is
	 * ours, so each glyph is read once and a cycle ends. */
	if (gid > 0xFFFF || depth > 16 ||
	    (f->closed[gid >> 3] >> (gid & 7) & 1))
		return;
	f->closed[gid >> 3] |= (unsigned char)(1u << (gid & 7));
	if (pdf_seam_use_glyph(f->hf, gid, &off, &len) || len <= 10)
		return;
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (read_at(f->fp, off, buf, len) || (int16_t)be16(buf) >= 0)
		return;
	while (p + 4 <= len) {
		unsigned flags = be16(buf + p), part = be16(buf + p + 2);

		p += 4 + (flags & 1 ? 4 : 2);
		if (flags & 8)
			p += 2;
		else if (flags & 64)
			p += 4;
		else if (flags & 128)
			p += 8;
		mark_components(f, part, depth + 1);
		if (!(flags & 32))
			break;
	}
}

/* ==== Writer state and libharu errors ==== */

struct hpdf_err {
	HPDF_STATUS code, detail;
	int reported;
};

static void on_hpdf_error(HPDF_STATUS code, HPDF_STATUS detail, void *data)
{
	struct hpdf_err *e = data;

	if (!e->code) {
		e->code = code;
		e->detail = detail;
	}
}

/* A run of a string that one font draws: bytes [off, off + len). */
struct run {
	int font;
	size_t off, len;
};

/* A string split into runs: s is the input, or its visual form (bidi.h)
 * when that differs, or copy when a character was replaced by '?'. width
 * is in 1/1000 em, the same for every size. */
struct text {
	const char *s;
	size_t len;
	struct sbuf visual;
	struct sbuf copy;
	struct run *runs;
	size_t nruns, cap;
	long width;
	unsigned missing;          /* first code point no font has, or 0 */
	int beyond_bmp;            /* a font has it, libharu cannot draw it */
	int rtl;                   /* wholly right to left: reads from the right */
	const char *unshaped;      /* a script printed unshaped, or NULL */
};

/* A line of a strip, rendered: its text, and on a username or password
 * line the words before the value, the value and the words after. */
struct strip_line {
	struct sbuf text, buf[3];
	size_t at, len;
	struct text t[3];
};

struct writer {
	FILE *out;
	const struct pdf_options *opt;
	HPDF_Doc pdf;
	struct hpdf_err err;
	int write_errno;           /* of the first failed write to out */
	struct font fonts[MAX_FONTS];
	int nfonts;
	int text_chain[MAX_FONTS], ntext;
	int mono_chain[MAX_FONTS], nmono;
	float page_w, page_h;
	void *resources;           /* every page's, shared; NULL before */
	HPDF_Page page;            /* the open page, NULL between pages */
	struct sbuf cs;            /* the open page's content stream */
	const char *local[MAX_FONTS];  /* its resource name of each font */
	HPDF_Font cur_font;
	float cur_size;
	float line_x, line_y;      /* start of the text line, in BT...ET */
	size_t npages;
	size_t total_pages;        /* of the document; 0: no footers */
	/* Each group's pages are counted apart: "page X of Y" of its own. */
	size_t sec_first;          /* npages before the group's first page */
	size_t sec_pages;          /* the group's pages */
	const char *sec_label;     /* strips: the group, named in the footer */
	struct deflater z;
	struct sbuf line, name, born, void_why, batch, made, expires;
	const struct pdf_entry *batch_of;  /* whose batch and made these are */
	const char *expires_of;    /* the date in expires, as given */
	struct sbuf err_context;   /* what libharu was doing, for messages */
	struct text t_misc;
	struct strip_line *sl;     /* each line of the strip template */
	size_t nsl;
	/* A letter's texts: each kept until it is drawn. */
	struct sbuf details, last_batch;
	struct text t_site, t_name, t_user, t_pass, t_details, t_batch;
	struct text t_lab_user, t_lab_pass;
	HPDF_Image logo;           /* loaded once a document; NULL: none */
	float logo_w, logo_h;      /* its size in pixels */
};

/* The words of the document's language: every word printed comes from
 * here. */
static const struct words *words_of(const struct writer *w)
{
	return w->opt->words ? w->opt->words : words_english();
}

static void text_release(struct text *t)
{
	sbuf_release(&t->visual);
	sbuf_release(&t->copy);
	free(t->runs);
}

/*
 * Reports the first libharu error once. Some internal failures are only
 * recorded in the document (HPDF_SetError), not passed to the handler, so
 * the document's own error is looked at too.
 */
static int hpdf_failed(struct writer *w)
{
	if (!w->err.code && w->pdf && hpdf.GetError(w->pdf) != HPDF_OK) {
		w->err.code = hpdf.GetError(w->pdf);
		w->err.detail = hpdf.GetErrorDetail(w->pdf);
	}
	if (!w->err.code || w->err.reported)
		return w->err.code != 0;
	w->err.reported = 1;
	errorf("cannot write PDF: libharu error 0x%04X (detail %u)%s",
	       (unsigned)w->err.code, (unsigned)w->err.detail,
	       sbuf_str(&w->err_context));
	return 1;
}

/* For a call that failed by its return value: always reports once. */
static int hpdf_fail(struct writer *w)
{
	if (!hpdf_failed(w) && !w->err.reported) {
		w->err.reported = 1;
		errorf("cannot write PDF: libharu failed without an error "
		       "code%s", sbuf_str(&w->err_context));
	}
	return -1;
}

/* Writes entries [0, n) of a CMap section, at most 100 a block. */
static void cmap_blocks(struct sbuf *sb, const char *kind,
			const struct sbuf *lines, const size_t *at, size_t n)
{
	for (size_t i = 0; i < n; i += 100) {
		size_t m = n - i < 100 ? n - i : 100;
		size_t end = i + m < n ? at[i + m] : lines->len;

		sbuf_addf(sb, "%zu begin%s\n", m, kind);
		sbuf_add(sb, lines->buf + at[i], end - at[i]);
		sbuf_addf(sb, "end%s\n", kind);
	}
}

/*
 * The correct ToUnicode for libharu's UTF-8 fonts: code = Unicode, except
 * for the Arabic presentation forms bidi_visual() draws, each mapped back
 * to its letters, so text copied out of the PDF is the letters a person
 * would type. The page holds them in visual order, and so does the map:
 * a reader that puts right-to-left text back in logical order (poppler)
 * then gives the name as typed.
 */
static void tounicode_cmap(struct sbuf *sb)
{
	struct sbuf ranges = SBUF_INIT, chars = SBUF_INIT;
	/* The forms lie in FB00 ... FEFF: at most 1024 characters, and a
	 * range for each high byte and after each character. */
	size_t *rat = xmalloc((256 + 1024) * sizeof(*rat)), nr = 0;
	size_t *cat = xmalloc(1024 * sizeof(*cat)), nc = 0;

	for (unsigned h = 0; h < 256; h++) {
		unsigned from = h << 8, end = from + 0x100;

		if (h >= 0xD8 && h <= 0xDF)
			continue;
		for (unsigned c = from; c < end; c++) {
			unsigned base[2];
			int nb = bidi_base(c, base);

			if (!nb && c + 1 < end)
				continue;
			if (c > from || !nb) {
				/* Identity over [from, c), or to end. */
				unsigned last = nb ? c - 1 : c;

				rat[nr++] = ranges.len;
				sbuf_addf(&ranges, "<%04X> <%04X> <%04X>\n",
					  from, last, from);
			}
			if (nb) {
				cat[nc++] = chars.len;
				/* Drawn in visual order, a ligature's
				 * letters are too: alef left of lam. */
				if (nb > 1)
					sbuf_addf(&chars, "<%04X> <%04X%04X>\n",
						  c, base[1], base[0]);
				else
					sbuf_addf(&chars, "<%04X> <%04X>\n", c,
						  base[0]);
			}
			from = c + 1;
		}
	}
	sbuf_addstr(sb,
		"/CIDInit /ProcSet findresource begin\n"
		"12 dict begin\n"
		"begincmap\n"
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
		"/Supplement 0 >> def\n"
		"/CMapName /Adobe-Identity-UCS def\n"
		"/CMapType 2 def\n"
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	cmap_blocks(sb, "bfrange", &ranges, rat, nr);
	cmap_blocks(sb, "bfchar", &chars, cat, nc);
	sbuf_addstr(sb, "endcmap\n"
			"CMapName currentdict /CMap defineresource pop\n"
			"end\nend\n");
	sbuf_release(&ranges);
	sbuf_release(&chars);
	free(rat);
	free(cat);
}

/* For a call into pdf_seam: 0, or reports libharu's status st once. */
static int seam_status(struct writer *w, long st)
{
	if (st > 0 && !w->err.code)
		w->err.code = (HPDF_STATUS)st;
	return w->err.code || hpdf.GetError(w->pdf) ? hpdf_fail(w) : 0;
}

static int fix_tounicode(struct writer *w, HPDF_Font hf)
{
	struct sbuf sb = SBUF_INIT;
	long st;

	tounicode_cmap(&sb);
	st = pdf_seam_set_tounicode(hf, sb.buf, sb.len);
	sbuf_release(&sb);
	if (st < 0) {
		errorf("cannot write PDF: libharu attached no ToUnicode CMap "
		       "stream to font '%s'", hpdf.Font_GetFontName(hf));
		return -1;
	}
	return seam_status(w, st);
}

/* Loads font i into the document the first time a run needs it. */
static int font_use(struct writer *w, int i)
{
	struct font *f = &w->fonts[i];
	const char *name;

	if (f->hf)
		return 0;
	if (f->collection)
		name = hpdf.LoadTTFontFromFile2(w->pdf, f->path, f->index,
						HPDF_TRUE);
	else
		name = hpdf.LoadTTFontFromFile(w->pdf, f->path, HPDF_TRUE);
	if (name)
		f->hf = hpdf.GetFont(w->pdf, name, "UTF-8");
	if (!name || !f->hf || w->err.code) {
		sbuf_addf(&w->err_context, " loading font '%s'", f->path);
		return hpdf_fail(w);
	}
	f->width = xmalloc(65536 * sizeof(*f->width));
	memset(f->width, 0xFF, 65536 * sizeof(*f->width));
	f->closed = xcalloc(65536 / 8, 1);
	return fix_tounicode(w, f->hf);
}

static int glyph_width(struct writer *w, int font, unsigned cp)
{
	struct font *f = &w->fonts[font];

	/* First use of this character in this font. */
	if (f->width[cp] < 0) {
		f->width[cp] = (int16_t)hpdf.Font_GetUnicodeWidth(f->hf, cp);
		mark_components(f, f->gid[cp], 0);
	}
	return f->width[cp];
}

/* ==== Text: runs by font, widths ==== */

/*
 * An Arabic presentation form cp that no font of chain has (a font that
 * joins letters by its own tables maps none): the letters it stands for,
 * unjoined, in letters[] in the order drawn (a lam-alef ligature: alef,
 * then lam on its right), their number returned, and in *font the first
 * font that has them all, or -1. 0 when cp is no such form. Either way,
 * the letter is what a warning names.
 */
static int form_letters(struct writer *w, const int *chain, int nchain,
			unsigned cp, unsigned letters[2], int *font)
{
	unsigned base[2];
	int n = bidi_base(cp, base);

	if (n == 2) {
		letters[0] = base[1];
		letters[1] = base[0];
	} else if (n == 1) {
		letters[0] = base[0];
	}
	*font = -1;
	for (int k = 0; n && k < nchain && *font < 0; k++) {
		int all = 1;

		for (int j = 0; j < n; j++)
			all &= covers(&w->fonts[chain[k]], letters[j]);
		if (all)
			*font = chain[k];
	}
	return n;
}

/*
 * Turns s into the order it is seen in, Arabic joined (bidi_visual()):
 * every string drawn passes here, so strips, lists and footers all read
 * right to left where they should. Then splits it into runs by the first
 * font of chain that has each character; one no font has becomes '?'.
 * Returns -1 (reported) when a font cannot be loaded.
 */
static int shape(struct writer *w, struct text *t, const char *s,
		 const int *chain, int nchain)
{
	size_t i = 0, out = 0;
	int copying = 0, cur = -1;
	struct bidi_info bidi;

	if (bidi_visual(s, &t->visual, &bidi))
		s = t->visual.buf;
	t->rtl = bidi.rtl;
	t->unshaped = bidi.unshaped;
	t->nruns = 0;
	t->width = 0;
	t->missing = 0;
	t->beyond_bmp = 0;
	sbuf_reset(&t->copy);
	while (s[i]) {
		unsigned cp, letters[2];
		int n, font = -1, nletters = 0;

		/* The common case: more ASCII that the first font, already in
		 * use, has. */
		if (cur == chain[0] && !copying) {
			struct font *f = &w->fonts[cur];
			size_t j = i;
			unsigned c;

			while ((c = (unsigned char)s[j]) != 0 && c < 0x80 &&
			       f->gid[c]) {
				t->width += f->width[c] >= 0 ? f->width[c] :
					    glyph_width(w, cur, c);
				j++;
			}
			if (j > i) {
				i = out = j;
				t->runs[t->nruns - 1].len =
					out - t->runs[t->nruns - 1].off;
				continue;
			}
		}
		n = utf8_decode(s + i, &cp);

		for (int k = 0; k < nchain && font < 0; k++)
			if (covers(&w->fonts[chain[k]], cp))
				font = chain[k];
		if (font < 0 && (nletters = form_letters(w, chain, nchain, cp,
							 letters, &font))) {
			if (font >= 0 && !copying) {
				sbuf_add(&t->copy, s, i);
				copying = 1;
			}
			cp = letters[0];
			if (font < 0)
				nletters = 0;
		}
		if (font < 0) {
			if (!t->missing) {
				t->missing = cp;
				for (int k = 0; k < nchain; k++)
					if (covers_astral(&w->fonts[chain[k]],
							  cp))
						t->beyond_bmp = 1;
			}
			if (!copying) {
				sbuf_add(&t->copy, s, i);
				copying = 1;
			}
			cp = '?';
			font = chain[0];
			for (int k = 0; k < nchain; k++)
				if (covers(&w->fonts[chain[k]], '?')) {
					font = chain[k];
					break;
				}
		}
		if (font != cur) {
			if (font_use(w, font))
				return -1;
			if (t->nruns == t->cap) {
				t->cap = t->cap ? 2 * t->cap : 4;
				t->runs = xrealloc(t->runs,
						   t->cap * sizeof(*t->runs));
			}
			t->runs[t->nruns++] = (struct run){ font, out, 0 };
			cur = font;
		}
		t->width += glyph_width(w, font, cp);
		for (int k = 1; k < nletters; k++)
			t->width += glyph_width(w, font, letters[k]);
		if (copying) {
			if (cp == '?')
				sbuf_addch(&t->copy, '?');
			else if (nletters)
				/* Letters of U+0600 ... U+06FF: 2 bytes. */
				for (int k = 0; k < nletters; k++)
					sbuf_add(&t->copy, (char[]){
						(char)(0xC0 | letters[k] >> 6),
						(char)(0x80 | (letters[k] & 0x3F))
					}, 2);
			else
				sbuf_add(&t->copy, s + i, (size_t)n);
		}
		i += (size_t)n;
		out = copying ? t->copy.len : i;
		t->runs[t->nruns - 1].len = out - t->runs[t->nruns - 1].off;
	}
	t->s = copying ? t->copy.buf : s;
	t->len = out;
	return 0;
}

static float text_width(const struct text *t, float size)
{
	return (float)t->width * size / 1000.0f;
}

/* Width in 1/1000 em of bytes [a, b) of t, which start at a character. */
static long range_width(struct writer *w, const struct text *t, size_t a,
			size_t b)
{
	long width = 0;

	for (size_t r = 0; r < t->nruns; r++) {
		const struct run *run = &t->runs[r];
		size_t i = run->off > a ? run->off : a;
		size_t end = run->off + run->len < b ? run->off + run->len : b;

		while (i < end) {
			unsigned cp;

			i += (size_t)utf8_decode(t->s + i, &cp);
			width += glyph_width(w, run->font, cp);
		}
	}
	return width;
}

/* The size at which t fits in maxw, never above size. */
static float fit(const struct text *t, float size, float maxw)
{
	float tw = text_width(t, size);

	return tw > maxw ? size * maxw / tw : size;
}

/* Reports a script printed unshaped and the first character no font
 * could draw, naming the person. */
static void warn_missing(const struct text *t, const struct pdf_entry *e,
			 const char *field)
{
	if (t->unshaped)
		warnf("%s %s (%s): the %s is in %s, which needs shaping a "
		      "PDF list cannot give; printed unshaped",
		      str(e->forename), str(e->surname), str(e->username),
		      field, t->unshaped);
	if (!t->missing)
		return;
	warnf("%s %s (%s): no font has the glyph U+%04X%s in the %s; "
	      "printed as '?'", str(e->forename), str(e->surname),
	      str(e->username),
	      t->missing, t->beyond_bmp ?
	      " (outside the Basic Multilingual Plane, which libharu cannot "
	      "draw)" : "", field);
}

/* ==== Content streams: the drawing layer ==== */

/*
 * Every operator of a page is written here into w->cs, the way libharu's
 * page operators would write it, with numbers formatted by fmt_num()
 * rather than libharu's byte-wise helpers. libharu still owns the page,
 * its resources and the fonts; it only receives the finished, deflated
 * stream (store_page()).
 */

/*
 * v in fixed point to at most 5 decimals, trailing zeros dropped: "12",
 * "-15.25", "2.61057". As many decimals as libharu writes: a QR code's
 * module size is multiplied by its module count.
 */
static char *fmt_num(char *p, float v)
{
	long long n = llround((double)v * 100000);
	unsigned long long u = n < 0 ? -(unsigned long long)n :
			       (unsigned long long)n;
	unsigned long long ip = u / 100000;
	unsigned frac = (unsigned)(u % 100000);
	char tmp[24];
	int k = 0;

	if (n < 0)
		*p++ = '-';
	do
		tmp[k++] = (char)('0' + ip % 10);
	while (ip /= 10);
	while (k)
		*p++ = tmp[--k];
	if (frac) {
		*p++ = '.';
		for (unsigned d = 10000; frac; d /= 10) {
			*p++ = (char)('0' + frac / d);
			frac %= d;
		}
	}
	return p;
}

/* n numbers, then the operator: cs_op(w, "re", 4, x, y, wd, ht). */
static void cs_op(struct writer *w, const char *op, int n, ...)
{
	struct sbuf *sb = &w->cs;
	va_list ap;
	char *p;

	sbuf_grow(sb, 26 * (size_t)n + 8);
	p = sb->buf + sb->len;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		p = fmt_num(p, (float)va_arg(ap, double));
		*p++ = ' ';
	}
	va_end(ap);
	while (*op)
		*p++ = *op++;
	*p++ = '\n';
	*p = '\0';
	sb->len = (size_t)(p - sb->buf);
}

/*
 * Positions on a grid of a quarter point (0.09 mm): exact in a float, so
 * "795.25" is written rather than "795.26569", a few percent less to
 * deflate for every line of every strip.
 */
static float snap(float v)
{
	return roundf(v * 4) / 4;
}

static void text_begin(struct writer *w)
{
	sbuf_add(&w->cs, "BT\n", 3);
	w->line_x = w->line_y = 0;
}

static void text_end(struct writer *w)
{
	sbuf_add(&w->cs, "ET\n", 3);
}

/*
 * Tf with the name libharu gives the font in this page's /Resources: the
 * first use of a font on a page registers it there. A failure is left in
 * the document's error, which the caller's hpdf_failed() reports.
 */
static void set_font(struct writer *w, int font, float size)
{
	HPDF_Font hf = w->fonts[font].hf;
	char num[32];

	if (size < 0.5f)
		size = 0.5f;
	if (hf == w->cur_font && size == w->cur_size)
		return;
	if (!w->local[font]) {
		/* The name is libharu's key in the page's font dictionary,
		 * which lives as long as the document. */
		w->local[font] = pdf_seam_font_name(w->page, hf);
		if (!w->local[font])
			return;
	}
	sbuf_addch(&w->cs, '/');
	sbuf_addstr(&w->cs, w->local[font]);
	sbuf_addch(&w->cs, ' ');
	sbuf_add(&w->cs, num, (size_t)(fmt_num(num, size) - num));
	sbuf_add(&w->cs, " Tf\n", 4);
	w->cur_font = hf;
	w->cur_size = size;
}

/*
 * "(...) Tj" for len bytes of valid UTF-8 at s. libharu's UTF-8 fonts
 * are Type0 with /Identity-H: a code is 2 bytes, big-endian, equal to the
 * code point (shape() left only BMP characters), which libharu maps to the
 * glyph through /CIDToGIDMap. Written as a literal string, 2 bytes a code
 * where libharu writes 4 hex digits: half the bytes to lay out and to
 * deflate. Parentheses and backslash are escaped, and so are the bytes of
 * a line end, which a reader may otherwise normalise.
 */
static void show(struct writer *w, const char *s, size_t len)
{
	struct sbuf *sb = &w->cs;
	size_t i = 0;
	char *p;

	/* At most 2 codes' bytes, each escaped, per byte of UTF-8. */
	sbuf_grow(sb, 4 * len + 6);
	p = sb->buf + sb->len;
	*p++ = '(';
	while (i < len) {
		unsigned cp;
		unsigned char b[2];

		/* ASCII, most of it: 0x00 and the byte, unless the byte is
		 * special (line-end bytes are not printable: never here). */
		while (i < len && (unsigned char)s[i] >= 0x20 &&
		       (unsigned char)s[i] < 0x80 && s[i] != '(' &&
		       s[i] != ')' && s[i] != '\\') {
			*p++ = '\0';
			*p++ = s[i++];
		}
		if (i == len)
			break;
		i += (size_t)utf8_decode(s + i, &cp);
		b[0] = (unsigned char)(cp >> 8);
		b[1] = (unsigned char)cp;
		for (int k = 0; k < 2; k++) {
			switch (b[k]) {
			case '(': case ')': case '\\':
				*p++ = '\\';
				*p++ = (char)b[k];
				break;
			case '\r':
				*p++ = '\\';
				*p++ = 'r';
				break;
			case '\n':
				*p++ = '\\';
				*p++ = 'n';
				break;
			default:
				*p++ = (char)b[k];
			}
		}
	}
	memcpy(p, ") Tj\n", 6);
	sb->len = (size_t)(p + 5 - sb->buf);
}

/*
 * Draws bytes [a, b) of t with its left end of baseline at (x, y), inside a
 * text object: the first run positioned with Td (relative to the start of
 * the previous line, as PDF wants), the others following it.
 */
static void put_range(struct writer *w, const struct text *t, size_t a,
		      size_t b, float x, float y, float size)
{
	int first = 1;

	for (size_t r = 0; r < t->nruns; r++) {
		const struct run *run = &t->runs[r];
		size_t i = run->off > a ? run->off : a;
		size_t end = run->off + run->len < b ? run->off + run->len : b;

		if (i >= end)
			continue;
		set_font(w, run->font, size);
		if (first) {
			x = snap(x);
			y = snap(y);
			cs_op(w, "Td", 2, x - w->line_x, y - w->line_y);
			w->line_x = x;
			w->line_y = y;
		}
		show(w, t->s + i, end - i);
		first = 0;
	}
}

static void put_text(struct writer *w, const struct text *t, float x,
		     float y, float size)
{
	put_range(w, t, 0, t->len, x, y, size);
}

/* The baseline of the next line of a given size below *top. */
static float next_line(float *top, float size)
{
	float base = *top - ASCENT * size;

	*top -= LEADING * size;
	return base;
}

/* ==== Pages: deflated on a second thread ==== */

/* Gives libharu the deflated content of a page, to write as it is. */
static int store_page(void *ctx, struct zjob *j)
{
	struct writer *w = ctx;

	if (j->zerr) {
		errorf("cannot write PDF: zlib error %d deflating a page",
		       j->zerr);
		return -1;
	}
	return seam_status(w, pdf_seam_set_content(j->tag, j->out,
						   j->out_len));
}

/* Queues the open page's content stream; w->cs is empty afterwards. */
static int queue_page(struct writer *w)
{
	return deflater_queue(&w->z, &w->cs, w->page);
}

/* Ends the open page: its footer, when the layout has one, and queues it. */
static int end_page(struct writer *w)
{
	if (!w->page)
		return 0;
	if (w->total_pages) {
		struct text *t = &w->t_misc;
		struct sbuf s = SBUF_INIT;
		int failed;

		if (w->sec_label && *w->sec_label)
			sbuf_addf(&s, "%s \xC2\xB7 ", w->sec_label);
		words_page(words_of(w), &s, w->npages - w->sec_first,
			   w->sec_pages);
		w->cur_font = NULL;
		/* The text is drawn from s: it lives until then. */
		failed = shape(w, t, s.buf, w->text_chain, w->ntext);
		if (!failed) {
			text_begin(w);
			/* Under the strips, it ends where their text does. */
		put_text(w, t, w->page_w - MARGIN - text_width(t, T_FOOT) -
			 (w->opt->layout == PDF_STRIPS ? PAD_H : 0),
			 MARGIN + 3, T_FOOT);
			text_end(w);
		}
		sbuf_release(&s);
		if (failed)
			return -1;
	}
	if (hpdf_failed(w) || queue_page(w))
		return -1;
	w->page = NULL;
	if (w->opt->on_page)
		w->opt->on_page(w->opt->on_page_arg);
	return 0;
}

/*
 * What libharu gives every page of its own, shared by all: one resource
 * dictionary (the fonts of every page; ProcSet, obsolete, as libharu
 * writes it) as an indirect object, and the page size once, at the root
 * of the page tree, whence pages inherit it. libharu's per-page copies,
 * and the graphics state it keeps for its own drawing calls (unused
 * here), were most of the memory a document of many pages held.
 */
static int share_resources(struct writer *w, HPDF_Page page)
{
	return seam_status(w, pdf_seam_share_resources(w->pdf, page,
							&w->resources,
							w->page_w,
							w->page_h));
}

static int new_page(struct writer *w)
{
	if (end_page(w))
		return -1;
	w->page = hpdf.AddPage(w->pdf);
	if (!w->page)
		return hpdf_fail(w);
	if (share_resources(w, w->page))
		return -1;
	w->cur_font = NULL;
	w->cur_size = 0;
	memset(w->local, 0, sizeof(w->local));
	w->npages++;
	return hpdf_failed(w) ? -1 : 0;
}

/*
 * A QR code whose square, quiet zone of 4 modules included, has its lower
 * left corner at (x, y). Drawn in module units (one "cm" maps them to the
 * page), so each rectangle costs a few small integers: a run of dark
 * modules in a row, grown down over the rows below that have the very same
 * run. All rectangles are one path, filled once, outside any text object.
 */
static int put_qr_code(struct writer *w, const char *payload, float x,
		       float y, float side, const struct pdf_entry *e)
{
	QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8,
					 1);
	int n, *height;
	float m;

	if (!qr) {
		errorf("cannot encode the QR code of '%s': %s",
		       str(e->username), strerror(errno));
		return -1;
	}
	n = qr->width;
	m = side / (float)(n + 8);
	/* height[r * n + c]: rows covered by the run starting at (r, c). */
	height = xcalloc((size_t)n * (size_t)n, sizeof(*height));
	sbuf_add(&w->cs, "q\n", 2);
	cs_op(w, "cm", 6, m, 0.0f, 0.0f, -m, x + 4 * m, y + side - 4 * m);
	for (int r = 0; r < n; r++) {
		const unsigned char *row = qr->data + r * n;

		for (int c = 0; c < n; ) {
			int c0 = c, rows = 1;

			if (!(row[c] & 1)) {
				c++;
				continue;
			}
			while (c < n && (row[c] & 1))
				c++;
			if (height[r * n + c0] < 0)
				continue;       /* part of a run above */
			/* Same run below: dark from c0 to c, light around. */
			for (int r2 = r + 1; r2 < n; r2++) {
				const unsigned char *b = qr->data + r2 * n;
				int same = (c0 == 0 || !(b[c0 - 1] & 1)) &&
					   (c == n || !(b[c] & 1));

				for (int k = c0; k < c && same; k++)
					same = b[k] & 1;
				if (!same)
					break;
				height[r2 * n + c0] = -1;
				rows++;
			}
			cs_op(w, "re", 4, (float)c0, (float)r,
			      (float)(c - c0), (float)rows);
		}
	}
	sbuf_add(&w->cs, "f\nQ\n", 4);
	free(height);
	secrets_wipe(qr->data, (size_t)n * (size_t)n);
	QRcode_free(qr);
	return 0;
}

/*
 * The QR code of e as [output] qr says, its square's lower left corner at
 * (x, y). Login: a tab between username and password, as keyboard-wedge
 * scanners type it into a login form, and no Enter after it. The payload
 * is wiped: it may hold the password.
 */
static int put_qr(struct writer *w, const struct pdf_entry *e, float x,
		  float y, float side)
{
	int ret = 0;

	sbuf_reset(&w->line);
	if (w->opt->qr == PDF_QR_URL) {
		ret = w->opt->qr_url(w->opt->qr_url_arg, str(e->username),
				     &w->line);
	} else {
		sbuf_addstr(&w->line, str(e->username));
		if (w->opt->qr == PDF_QR_LOGIN) {
			sbuf_addch(&w->line, '\t');
			sbuf_addstr(&w->line, str(e->password));
		}
	}
	if (!ret)
		ret = put_qr_code(w, sbuf_str(&w->line), x, y, side, e);
	secrets_wipe(w->line.buf, w->line.len);
	return ret;
}

/*
 * The logo as large as fits the box whose top right corner is (x1, top),
 * its aspect ratio kept, against the box's right edge. Returns the width
 * it takes (0 without a logo), or -1 when libharu fails.
 */
static float put_logo(struct writer *w, float x1, float top, float bw,
		      float bh)
{
	const char *name;
	float k, lw, lh;

	if (!w->logo)
		return 0;
	name = pdf_seam_xobject_name(w->page, w->logo);
	if (!name)
		return hpdf_fail(w);
	k = bw / w->logo_w < bh / w->logo_h ? bw / w->logo_w :
					      bh / w->logo_h;
	lw = w->logo_w * k;
	lh = w->logo_h * k;
	sbuf_add(&w->cs, "q\n", 2);
	cs_op(w, "cm", 6, lw, 0.0f, 0.0f, lh, x1 - lw, top - lh);
	sbuf_addf(&w->cs, "/%s Do\nQ\n", name);
	return lw;
}

/* ==== Entry fields ==== */


/* "14" -> 14; 0 for "", -1 for anything that is not a day of a month. */
static int parse_day(const char *s)
{
	int d = 0;

	if (!*s)
		return 0;
	if (strlen(s) > 2 || strspn(s, "0123456789") != strlen(s))
		return -1;
	d = atoi(s);
	return d >= 1 && d <= 31 ? d : -1;
}

static int parse_when(const char *s, struct tm *tm)
{
	long long t;
	time_t tt;

	if (parse_iso8601(s, &t))
		return -1;
	tt = (time_t)t;
	/* In the site's time zone: the day and hour its staff read. */
	return localtime_r(&tt, tm) ? 0 : -1;
}

/* "1 October 2026" */
static void add_date(const struct writer *w, struct sbuf *sb,
		     const char *iso)
{
	struct tm tm;

	if (!parse_when(iso, &tm))
		words_date(words_of(w), sb, &tm);
}

/* "generated 2026-09-03 09:14 BST" (the site's time zone) */
static void add_made(const struct writer *w, struct sbuf *sb,
		     const struct tm *tm)
{
	struct sbuf date = SBUF_INIT;
	char iso[32], hm[16];

	words_date(words_of(w), &date, tm);
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", tm->tm_year + 1900,
		 tm->tm_mon + 1, tm->tm_mday);
	snprintf(hm, sizeof(hm), "%02d:%02d", tm->tm_hour, tm->tm_min);
	words_put(words_of(w), sb, "made", (const char *const[]){
		"date", sbuf_str(&date), "iso", iso, "time", hm,
		"zone", tm->tm_zone ? tm->tm_zone : "", NULL });
	sbuf_release(&date);
}

/* "batch v7, generated 2026-09-03 09:14 BST" */
static void add_batch(const struct writer *w, struct sbuf *sb,
		      const struct pdf_entry *e)
{
	struct tm tm;

	if (*str(e->version))
		words_put(words_of(w), sb, "batch", (const char *const[]){
			"version", e->version, NULL });
	if (*str(e->generated_at) && !parse_when(e->generated_at, &tm)) {
		if (sb->len)
			sbuf_addstr(sb, ", ");
		add_made(w, sb, &tm);
	}
}

static void add_name(struct sbuf *sb, const struct pdf_entry *e)
{
	sbuf_addstr(sb, str(e->forename));
	if (*str(e->forename) && *str(e->surname))
		sbuf_addch(sb, ' ');
	sbuf_addstr(sb, str(e->surname));
}

/*
 * Checks what would otherwise print as nonsense, before any page. prev,
 * the entry before (NULL for the first), was checked: the times it shares
 * with e, as most entries of a batch do, are not parsed again.
 */
static int check_entry(const struct pdf_entry *e,
		       const struct pdf_entry *prev, size_t i)
{
	const char *fields[] = { e->forename, e->surname, e->username,
				 e->password, e->group, e->born_day,
				 e->expires, e->version, e->generated_at,
				 e->selected };
	static const char *const names[] = { "forename", "surname",
		"username", "password", "group", "born_day", "expires",
		"version", "generated_at", "selected" };
	struct tm tm;

	for (size_t k = 0; k < ARRAY_SIZE(fields); k++)
		if (!utf8_valid(str(fields[k]), strlen(str(fields[k])))) {
			errorf("entry %zu ('%s'): %s is not valid UTF-8",
			       i + 1, str(e->username), names[k]);
			return -1;
		}
	if (parse_day(str(e->born_day)) < 0) {
		errorf("entry %zu ('%s'): born_day '%s' is not a day of the "
		       "month", i + 1, str(e->username), e->born_day);
		return -1;
	}
	if (*str(e->expires) &&
	    !(prev && !strcmp(str(prev->expires), e->expires)) &&
	    parse_when(e->expires, &tm)) {
		errorf("entry %zu ('%s'): expires '%s' is not a date", i + 1,
		       str(e->username), e->expires);
		return -1;
	}
	if (*str(e->generated_at) &&
	    !(prev && !strcmp(str(prev->generated_at), e->generated_at)) &&
	    parse_when(e->generated_at, &tm)) {
		errorf("entry %zu ('%s'): generated_at '%s' is not a time",
		       i + 1, str(e->username), e->generated_at);
		return -1;
	}
	return 0;
}

/* ==== Strips ==== */

/*
 * The name t in a box of one line of S_NAME * k: shrunk to fit, down to
 * S_NAME_MIN * k; below that, broken at the space that balances two lines
 * in the same box; never wider than maxw, whatever the size it takes.
 */
static void put_name(struct writer *w, const struct text *t, float x,
		     float *top, float k, float maxw)
{
	float box = LEADING * S_NAME * k, size = fit(t, S_NAME * k, maxw);
	float y = *top;
	size_t best = 0;
	long best_w = t->width;
	int found = 0;

	*top -= box;
	if (size >= S_NAME_MIN * k) {
		put_text(w, t, x, y - ASCENT * size, size);
		return;
	}
	for (size_t i = 0; i < t->len; i++) {
		long l, r;

		if (t->s[i] != ' ')
			continue;
		l = range_width(w, t, 0, i);
		r = range_width(w, t, i + 1, t->len);
		if ((l > r ? l : r) < best_w) {
			best_w = l > r ? l : r;
			best = i;
			found = 1;
		}
	}
	if (found) {
		float two = box / (2 * LEADING);
		float need = (float)best_w * two / 1000.0f;

		if (need > maxw)
			two *= maxw / need;
		if (two > size) {
			/* A name wholly right to left starts on the right. */
			size_t a = t->rtl ? best + 1 : 0;
			size_t b = t->rtl ? t->len : best;
			size_t c = t->rtl ? 0 : best + 1;
			size_t d = t->rtl ? best : t->len;

			put_range(w, t, a, b, x, y - ASCENT * two, two);
			put_range(w, t, c, d, x,
				  y - LEADING * two - ASCENT * two, two);
			return;
		}
	}
	put_text(w, t, x, y - ASCENT * size, size);
}

/* A grey line struck through a void strip or row, at height y. */
static void strike(struct writer *w, float x0, float x1, float y)
{
	cs_op(w, "w", 1, 1.0f);
	cs_op(w, "G", 1, 0.4f);
	cs_op(w, "m", 2, x0, y);
	cs_op(w, "l", 2, x1, y);
	sbuf_addstr(&w->cs, "S\n");
	cs_op(w, "G", 1, 0.0f);
}

/*
 * The mark of a void strip: "VOID" as large as the box (x, top, bw, bh)
 * holds, in grey, and a line struck through the strip's middle from
 * from up to it,
 * so a list reprinted with its void passwords cannot pass for a current
 * one.
 */
static int put_void(struct writer *w, float from, float x, float top,
		    float bw, float bh)
{
	struct text *t = &w->t_misc;
	float size;

	if (shape(w, t, words_get(words_of(w), "void"), w->text_chain,
		  w->ntext))
		return -1;
	size = fit(t, bh * 0.6f, bw);
	cs_op(w, "g", 1, 0.4f);
	text_begin(w);
	put_text(w, t, x + (bw - text_width(t, size)) / 2,
		 top - bh / 2 - size * 0.35f, size);
	text_end(w);
	cs_op(w, "g", 1, 0.0f);
	strike(w, from, x, top - bh / 2);
	return hpdf_failed(w) ? -1 : 0;
}

/* The strip of one person: what its template's fields print. */
struct strip_values {
	struct writer *w;
	const struct pdf_entry *e;
};

/* A paper_value_fn: the fields of templates/strip.txt for one entry. */
static const char *strip_value(void *ctx, const char *name)
{
	struct strip_values *sv = ctx;
	struct writer *w = sv->w;
	const struct pdf_entry *e = sv->e;

	switch (name[0]) {
	case 'b':
		if (!strcmp(name, "batch"))
			return sbuf_str(&w->batch);
		return sbuf_str(&w->born);
	case 'c':
		return str(e->group);
	case 'e':
		return sbuf_str(&w->expires);
	case 'f':
		return str(e->forename);
	case 'g':
		return *str(e->selected) ? e->selected : str(e->group);
	case 'm':
		return sbuf_str(&w->made);
	case 'n':
		return sbuf_str(&w->name);
	case 'p':
		return str(e->password);
	case 's':
		if (!strcmp(name, "site"))
			return str(w->opt->site_name);
		return str(e->surname);
	case 'u':
		return str(e->username);
	case 'v':
		return sbuf_str(&w->void_why);
	case 'w':
		return words_get(words_of(w), name + 5);
	}
	return NULL;
}

/* The fields of e that are phrases, made once for a run of strips that
 * share them (the batch, the expiry date: the same on nearly every one). */
static void strip_phrases(struct writer *w, const struct pdf_entry *e)
{
	int day = parse_day(str(e->born_day));
	struct tm tm;

	sbuf_reset(&w->name);
	add_name(&w->name, e);
	sbuf_reset(&w->born);
	if (day > 0) {
		struct sbuf d = SBUF_INIT;

		words_day(words_of(w), &d, day);
		words_put(words_of(w), &w->born, "born",
			  (const char *const[]){ "day", d.buf, NULL });
		sbuf_release(&d);
	}
	sbuf_reset(&w->void_why);
	if (*str(e->void_reason))
		words_put(words_of(w), &w->void_why, "void.reason",
			  (const char *const[]){ "reason", e->void_reason,
						 NULL });
	if (!w->expires_of || strcmp(w->expires_of, str(e->expires))) {
		sbuf_reset(&w->expires);
		add_date(w, &w->expires, str(e->expires));
		w->expires_of = str(e->expires);
	}
	if (w->batch_of &&
	    !strcmp(str(w->batch_of->version), str(e->version)) &&
	    !strcmp(str(w->batch_of->generated_at), str(e->generated_at)))
		return;
	w->batch_of = e;
	sbuf_reset(&w->batch);
	sbuf_reset(&w->made);
	if (*str(e->version))
		words_put(words_of(w), &w->batch, "batch",
			  (const char *const[]){ "version", e->version, NULL });
	if (*str(e->generated_at) && !parse_when(e->generated_at, &tm))
		add_made(w, &w->made, &tm);
}

/* The font size of a line of a strip at scale 1. */
static float line_size(enum paper_line kind)
{
	switch (kind) {
	case PAPER_NAME: return S_NAME;
	case PAPER_USERNAME: return S_USER;
	case PAPER_PASSWORD: return S_PASS;
	default: return S_SMALL;
	}
}

/* The strip's height at scale 1: its lines and padding. */
static float strip_height(const struct paper *p)
{
	float h = 2 * PAD_V;

	for (size_t i = 0; i < paper_lines(p); i++)
		h += LEADING * line_size(paper_line_kind(p, i));
	return h;
}

/* The end of the words before a value that ends at at: the spaces
 * before it are LABEL_GAP's to make. */
static size_t label_end(const char *s, size_t at)
{
	while (at > 0 && s[at - 1] == ' ')
		at--;
	return at;
}

/* Shapes bytes [a, b) of s into t; -1 when a font cannot be loaded. */
static int shape_part(struct writer *w, struct text *t, struct sbuf *buf,
		      const char *s, size_t a, size_t b, int mono)
{
	sbuf_reset(buf);
	sbuf_add(buf, s + a, b - a);
	return shape(w, t, sbuf_str(buf), mono ? w->mono_chain :
		     w->text_chain, mono ? w->nmono : w->ntext);
}

/*
 * One strip in the cell from x0 to x1 (its padding inside), top down h,
 * at scale k: the template's lines, each shrunk to fit, the username and
 * password after their words in a column of their own.
 */
static int put_strip(struct writer *w, const struct pdf_entry *e, float x0,
		     float x1, float top, float h, float k)
{
	const struct pdf_options *opt = w->opt;
	const struct paper *p = opt->strip ? opt->strip : paper_default_strip();
	struct strip_values sv = { w, e };
	float qside = 0, stamp = 0, cur, maxw, vx = 0, sh = strip_height(p);
	float logo_room = 0;
	size_t nl = paper_lines(p);

	x0 += PAD_H * k;
	x1 -= PAD_H * k;
	if (opt->qr != PDF_QR_NONE) {
		/* As tall as the strip, but never more than a third of it. */
		qside = h - 2 * PAD_V * k;
		if (qside > (x1 - x0) / 3)
			qside = (x1 - x0) / 3;
		x1 -= qside + PAD_H * k;
	}
	/* A void strip keeps its right quarter for the mark. */
	if (*str(e->void_reason)) {
		stamp = (x1 - x0) / 4;
		x1 -= stamp + PAD_H * k;
	}
	maxw = x1 - x0;
	strip_phrases(w, e);

	/* Each line rendered, its username or password cut out. */
	for (size_t i = 0; i < nl; i++) {
		struct strip_line *sl = &w->sl[i];

		sbuf_reset(&sl->text);
		if (paper_render(p, i, strip_value, &sv, &sl->text, &sl->at,
				 &sl->len))
			return -1;
		if (paper_line_kind(p, i) == PAPER_USERNAME ||
		    paper_line_kind(p, i) == PAPER_PASSWORD) {
			int pass = paper_line_kind(p, i) == PAPER_PASSWORD;

			if (shape_part(w, &sl->t[0], &sl->buf[0], sl->text.buf,
				       0, label_end(sl->text.buf, sl->at), 0) ||
			    shape_part(w, &sl->t[1], &sl->buf[1], sl->text.buf,
				       sl->at, sl->at + sl->len, pass) ||
			    shape_part(w, &sl->t[2], &sl->buf[2], sl->text.buf,
				       sl->at + sl->len, sl->text.len, 0))
				return -1;
			warn_missing(&sl->t[1], e, pass ? "password" :
				     "username");
			if (text_width(&sl->t[0], S_SMALL * k) > vx)
				vx = text_width(&sl->t[0], S_SMALL * k);
		} else {
			struct text *t = &sl->t[0];

			if (shape(w, t, sbuf_str(&sl->text), w->text_chain,
				  w->ntext))
				return -1;
			warn_missing(t, e, paper_line_kind(p, i) == PAPER_NAME ?
				     "name" : "strip");
		}
	}
	/* The values start in one column, after the longest of their
	 * words, but never further than half the strip. */
	vx = x0 + (vx > maxw / 2 ? maxw / 2 : vx) + (vx > 0 ? LABEL_GAP * k : 0);

	cur = top - (h - sh * k) / 2 - PAD_V * k;
	/* The logo stands at the right of the first line, as tall as it;
	 * that line alone gives it room, so the password keeps its size. */
	if (nl > 0 && w->logo) {
		float lh = LEADING * line_size(paper_line_kind(p, 0)) * k;
		float lw = put_logo(w, x1, cur, maxw / 3, lh);

		if (lw < 0)
			return -1;
		logo_room = lw + LABEL_GAP * k;
	}
	text_begin(w);
	for (size_t i = 0; i < nl; i++) {
		struct strip_line *sl = &w->sl[i];
		enum paper_line kind = paper_line_kind(p, i);
		float size = line_size(kind) * k, base, room, vs, after;
		float lx1 = x1 - (i == 0 ? logo_room : 0), lmaxw = lx1 - x0;

		if (kind == PAPER_NAME) {
			/* put_name() breaks a long name on two lines. */
			put_name(w, &sl->t[0], x0, &cur, k, lmaxw);
			continue;
		}
		base = next_line(&cur, size);
		if (kind == PAPER_TEXT) {
			if (sl->t[0].len)
				put_text(w, &sl->t[0], x0, base,
					 fit(&sl->t[0], size, lmaxw));
			continue;
		}
		put_text(w, &sl->t[0], x0, base, fit(&sl->t[0], S_SMALL * k,
						      vx - x0));
		after = text_width(&sl->t[2], S_SMALL * k);
		room = lx1 - vx - after;
		/* One font covers a generated password: one Tj. */
		vs = fit(&sl->t[1], size, room);
		put_text(w, &sl->t[1], vx, base, vs);
		if (sl->t[2].len)
			put_text(w, &sl->t[2], vx + text_width(&sl->t[1], vs),
				 base, fit(&sl->t[2], S_SMALL * k, lx1 - vx -
					   text_width(&sl->t[1], vs)));
	}
	text_end(w);
	if (stamp > 0 && put_void(w, x0, x1 + PAD_H * k,
				  top - (h - sh * k) / 2, stamp, sh * k))
		return -1;

	if (opt->qr != PDF_QR_NONE &&
	    put_qr(w, e, x1 + PAD_H * k + (stamp > 0 ? stamp + PAD_H * k : 0),
		   top - h + (h - qside) / 2, qside))
		return -1;
	/* The rendered lines held the password: wiped, not just reused. */
	for (size_t i = 0; i < nl; i++) {
		secrets_wipe(w->sl[i].text.buf, w->sl[i].text.len);
		for (int j = 0; j < 3; j++)
			secrets_wipe(w->sl[i].buf[j].buf, w->sl[i].buf[j].len);
	}
	return hpdf_failed(w) ? -1 : 0;
}

/* Dashed lines around and between the cells of a page's rows rows of
 * cols strips: where to cut, on both axes. */
static void put_cut_lines(struct writer *w, int cols, int rows, float cw,
			  float ch)
{
	float top = w->page_h - MARGIN, right = MARGIN + (float)cols * cw;
	float bottom = top - (float)rows * ch;

	cs_op(w, "w", 1, 0.5f);
	cs_op(w, "G", 1, 0.45f);
	sbuf_addstr(&w->cs, "[4 3] 0 d\n");
	for (int i = 0; i <= rows; i++) {
		cs_op(w, "m", 2, MARGIN, top - (float)i * ch);
		cs_op(w, "l", 2, right, top - (float)i * ch);
	}
	for (int i = 0; i <= cols; i++) {
		cs_op(w, "m", 2, MARGIN + (float)i * cw, top);
		cs_op(w, "l", 2, MARGIN + (float)i * cw, bottom);
	}
	sbuf_addstr(&w->cs, "S\n[] 0 d\n");
}

/* The cell of one strip in a grid of cols x rows on paper. */
static void cell_size(enum pdf_paper paper, int cols, int rows, float *cw,
		      float *ch)
{
	float pw = paper == PDF_LETTER ? LETTER_W : A4_W;
	float ph = paper == PDF_LETTER ? LETTER_H : A4_H;

	*cw = (pw - 2 * MARGIN) / (float)cols;
	*ch = (ph - 2 * MARGIN - STRIP_FOOT) / (float)rows;
}

/* The scale of a strip in a cell ch high: never enlarged. */
static float cell_scale(const struct paper *p, float ch)
{
	return ch / strip_height(p) < 1 ? ch / strip_height(p) : 1;
}

/* The password line with every field empty and the words of w: what
 * stands beside the password, counted by pdf_grid_fits(). */
struct label_count {
	const struct words *w;
};

static const char *label_value(void *ctx, const char *name)
{
	struct label_count *lc = ctx;

	if (!strncmp(name, "word:", 5))
		return words_get(lc->w, name + 5);
	return "";
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* The size the password prints at in a cell of the grid, longest
 * characters long, by the widths pdf_grid_fits() assumes. */
static float grid_pass_size(const struct pdf_options *opt, int cols,
			    int rows, size_t label, size_t longest)
{
	const struct paper *p = opt->strip ? opt->strip :
				paper_default_strip();
	float cw, ch, k, x, lw, size;

	cell_size(opt->paper, cols, rows, &cw, &ch);
	k = cell_scale(p, ch);
	x = cw - 2 * PAD_H * k;
	if (opt->qr != PDF_QR_NONE) {
		float q = ch - 2 * PAD_V * k;

		x -= (q < x / 3 ? q : x / 3) + PAD_H * k;
	}
	lw = (float)label * TEXT_EM * S_SMALL * k;
	if (lw > x / 2)
		lw = x / 2;
	if (label)
		lw += LABEL_GAP * k;
	size = S_PASS * k;
	if (longest && (float)longest * MONO_EM * size > x - lw)
		size = (x - lw) / ((float)longest * MONO_EM);
	return size;
}

int pdf_grid_fits(const struct pdf_options *opt, int cols, int rows,
		  size_t longest, float *size, int *best_cols, int *best_rows)
{
	const struct paper *p = opt->strip ? opt->strip :
				paper_default_strip();
	struct label_count lc = { opt->words ? opt->words : words_english() };
	struct sbuf sb = SBUF_INIT;
	size_t label = 0;
	int best = 0;

	for (size_t i = 0; i < paper_lines(p); i++) {
		size_t at, len;

		if (paper_line_kind(p, i) != PAPER_PASSWORD)
			continue;
		if (paper_render(p, i, label_value, &lc, &sb, &at, &len) == 0)
			label = utf8_chars(sb.buf, label_end(sb.buf, at)) +
				utf8_chars(sb.buf + at + len,
					   sb.len - at - len);
	}
	sbuf_release(&sb);
	*size = grid_pass_size(opt, cols, rows, label, longest);
	*best_cols = *best_rows = 0;
	/* The densest that fits; of two as dense, the one of fewer
	 * columns, whose strips are wider. */
	for (int c = 1; c <= PDF_GRID_MAX_COLS; c++)
		for (int r = 1; r <= PDF_GRID_MAX_ROWS; r++)
			if (c * r > best && grid_pass_size(opt, c, r, label,
							   longest) >=
			    PASS_MIN) {
				best = c * r;
				*best_cols = c;
				*best_rows = r;
			}
	return *size >= PASS_MIN ? 0 : -1;
}

static size_t group_end(const struct pdf_entry *entries, size_t n,
			size_t i);

static int write_strips(struct writer *w, const struct pdf_entry *entries,
			size_t n)
{
	const struct paper *p = w->opt->strip ? w->opt->strip :
				paper_default_strip();
	int cols = w->opt->columns ? w->opt->columns : DEFAULT_COLS;
	int rows = w->opt->rows ? w->opt->rows : DEFAULT_ROWS;
	size_t per_page = (size_t)cols * (size_t)rows;
	float cw, ch, k;

	if (cols < 1 || cols > PDF_GRID_MAX_COLS || rows < 1 ||
	    rows > PDF_GRID_MAX_ROWS) {
		errorf("strips %dx%d: a grid of 1 to %d columns and 1 to %d "
		       "rows", cols, rows, PDF_GRID_MAX_COLS,
		       PDF_GRID_MAX_ROWS);
		return -1;
	}
	cell_size(w->opt->paper, cols, rows, &cw, &ch);
	k = cell_scale(p, ch);
	w->nsl = paper_lines(p);
	w->sl = xcalloc(w->nsl, sizeof(*w->sl));
	for (size_t a = 0, b; a < n; a = b) {
		b = group_end(entries, n, a);
		w->total_pages += (b - a + per_page - 1) / per_page;
	}
	/* Each group starts a page, so its strips go to one teacher. */
	for (size_t a = 0, b; a < n; a = b) {
		b = group_end(entries, n, a);
		/* The page this ends is the previous group's. */
		if (end_page(w))
			return -1;
		w->sec_first = w->npages;
		w->sec_pages = (b - a + per_page - 1) / per_page;
		for (size_t i = a; i < b; i++) {
			size_t slot = (i - a) % per_page;
			int col = (int)(slot % (size_t)cols);
			int row = (int)(slot / (size_t)cols);
			float x = MARGIN + (float)col * cw;

			if (slot == 0) {
				size_t left = b - i;

				w->sec_label = entries[a].group;
				if (new_page(w))
					return -1;
				put_cut_lines(w, cols, left < per_page ?
					      (int)((left + (size_t)cols - 1) /
						    (size_t)cols) : rows,
					      cw, ch);
			}
			if (put_strip(w, &entries[i], x, x + cw,
				      w->page_h - MARGIN - (float)row * ch, ch,
				      k))
				return -1;
		}
	}
	return 0;
}

/* ==== Class list ==== */

enum { COL_FORENAME, COL_SURNAME, COL_USERNAME, COL_PASSWORD, COL_GROUP,
       COL_BORN, COL_TICK, NCOLS };

/* The words of the column heads. Each column's share of the width
 * between the margins, so the table spans the page whatever the paper;
 * the last is an empty box to tick or sign when the slip is handed out. */
static const char *const col_head[NCOLS] = {
	"column.forename", "column.surname", "column.username",
	"column.password", "column.class", "column.born", "column.handed"
};
static const float col_share[NCOLS] = { 0.14f, 0.16f, 0.15f, 0.21f, 0.08f,
					0.10f, 0.16f };

/* Where column c starts, from the left margin. */
static float col_x(const struct writer *w, int c)
{
	float x = MARGIN;

	for (int k = 0; k < c; k++)
		x += col_share[k] * (w->page_w - 2 * MARGIN);
	return x;
}

/* Draws s shrunk into a cell from x, width cw, inside a text object. */
static int put_cell(struct writer *w, const char *s, int mono, float size,
		    float x, float base, float cw, const struct pdf_entry *e,
		    const char *field)
{
	struct text *t = &w->t_misc;

	if (!*s)
		return 0;
	if (shape(w, t, s, mono ? w->mono_chain : w->text_chain,
		  mono ? w->nmono : w->ntext))
		return -1;
	if (e)
		warn_missing(t, e, field);
	put_text(w, t, x + CELL_PAD, base, fit(t, size, cw - 2 * CELL_PAD));
	return 0;
}

/* The title and the table's header row; returns the top of the rows. */
static int put_class_header(struct writer *w, const struct pdf_entry *e,
			    int continued, float *rows_top)
{
	float x0 = MARGIN, maxw = w->page_w - 2 * MARGIN;
	float cur = w->page_h - MARGIN, base, x, y, logo;
	struct text *t = &w->t_misc;

	/* The logo at the right of the title and its line, which keep the
	 * rest of the width. */
	logo = put_logo(w, w->page_w - MARGIN, cur, LOGO_HEAD_W,
			LEADING * (T_TITLE + T_SUB));
	if (logo < 0)
		return -1;
	if (logo > 0)
		maxw -= logo + CELL_PAD * 2;
	sbuf_reset(&w->line);
	if (continued)
		words_put(words_of(w), &w->line, "class.continued",
			  (const char *const[]){ "class", *str(e->group) ?
			  e->group : words_get(words_of(w), "class.none"),
			  NULL });
	else
		sbuf_addstr(&w->line, *str(e->group) ? e->group :
			    words_get(words_of(w), "class.none"));
	cs_op(w, "g", 1, 0.0f);
	text_begin(w);
	if (shape(w, t, sbuf_str(&w->line), w->text_chain, w->ntext))
		return -1;
	base = next_line(&cur, T_TITLE);
	put_text(w, t, x0, base, fit(t, T_TITLE, maxw));

	sbuf_reset(&w->line);
	sbuf_addstr(&w->line, str(w->opt->site_name));
	if (*str(e->version) || *str(e->generated_at)) {
		if (w->line.len)
			sbuf_addstr(&w->line, " \xC2\xB7 ");
		add_batch(w, &w->line, e);
	}
	if (*str(e->expires)) {
		struct sbuf date = SBUF_INIT;

		add_date(w, &date, e->expires);
		if (w->line.len)
			sbuf_addstr(&w->line, " \xC2\xB7 ");
		words_put(words_of(w), &w->line, "class.expire",
			  (const char *const[]){ "date", sbuf_str(&date),
						 NULL });
		sbuf_release(&date);
	}
	if (shape(w, t, sbuf_str(&w->line), w->text_chain, w->ntext))
		return -1;
	base = next_line(&cur, T_SUB);
	put_text(w, t, x0, base, fit(t, T_SUB, maxw));
	text_end(w);
	maxw = w->page_w - 2 * MARGIN;

	y = cur - 8 - ROW_H;
	cs_op(w, "g", 1, 0.85f);
	cs_op(w, "re", 4, x0, y, maxw, ROW_H);
	sbuf_addstr(&w->cs, "f\n");
	cs_op(w, "g", 1, 0.0f);
	text_begin(w);
	x = x0;
	for (int c = 0; c < NCOLS; c++) {
		if (put_cell(w, words_get(words_of(w), col_head[c]), 0,
			     T_HEAD, x, y + 5,
			     col_share[c] * maxw, NULL, NULL))
			return -1;
		x += col_share[c] * maxw;
	}
	text_end(w);
	*rows_top = y;
	return hpdf_failed(w) ? -1 : 0;
}

static int put_row(struct writer *w, const struct pdf_entry *e, float top)
{
	const char *cells[NCOLS] = { str(e->forename), str(e->surname),
				     str(e->username), str(e->password),
				     str(e->group), "", "" };
	static const char *const fields[NCOLS] = { "forename", "surname",
		"username", "password", "group", "", "" };
	float maxw = w->page_w - 2 * MARGIN, x = MARGIN;
	float base = top - ROW_H + 5;
	int d = parse_day(str(e->born_day));

	sbuf_reset(&w->name);

	if (d > 0) {
		words_day(words_of(w), &w->name, d);
		cells[COL_BORN] = sbuf_str(&w->name);
	}
	/* A void row says so where it would be ticked: its slip is not to
	 * be handed out (put_section() strikes the row through). */
	if (*str(e->void_reason))
		cells[COL_TICK] = words_get(words_of(w), "void");
	for (int c = 0; c < NCOLS; c++) {
		if (put_cell(w, cells[c], c == COL_PASSWORD,
			     c == COL_PASSWORD ? T_CELL + 0.5f : T_CELL, x,
			     base, col_share[c] * maxw, e, fields[c]))
			return -1;
		x += col_share[c] * maxw;
	}
	return 0;
}

/*
 * Rows a page of the class list holds, above the footer: the same on every
 * page (the header is as tall whatever its text), so the page count, which
 * the footers print, is known before the first page.
 */
static size_t class_rows_per_page(const struct writer *w)
{
	float bottom = MARGIN + 2 * T_FOOT, top = w->page_h - MARGIN;
	size_t rows;

	/* As put_class_header(): two lines, a gap, the header row. */
	next_line(&top, T_TITLE);
	next_line(&top, T_SUB);
	top -= 8 + ROW_H;
	rows = (size_t)((top - bottom) / ROW_H);
	return rows ? rows : 1;
}

/* The box of each of a page's rows in the tick column: one path. */
static void put_tick_boxes(struct writer *w, float top, size_t rows)
{
	float x = col_x(w, COL_TICK) + CELL_PAD;
	float bw = col_share[COL_TICK] * (w->page_w - 2 * MARGIN) -
		   2 * CELL_PAD;

	cs_op(w, "w", 1, 0.5f);
	cs_op(w, "G", 1, 0.3f);
	for (size_t r = 0; r < rows; r++)
		cs_op(w, "re", 4, x, top - (float)(r + 1) * ROW_H + 2, bw,
		      ROW_H - 4);
	sbuf_addstr(&w->cs, "S\n");
	cs_op(w, "G", 1, 0.0f);
}

/* Rows [i, j) of one group, as many pages as they need. */
static int put_section(struct writer *w, const struct pdf_entry *entries,
		       size_t i, size_t j)
{
	float maxw = w->page_w - 2 * MARGIN;
	size_t fit_rows = class_rows_per_page(w);
	int continued = 0;

	do {
		float top;
		size_t end;

		if (new_page(w) ||
		    put_class_header(w, &entries[i], continued, &top))
			return -1;
		end = j - i < fit_rows ? j : i + fit_rows;
		/* Zebra rows, one path, before the text. */
		cs_op(w, "g", 1, 0.94f);
		for (size_t r = i + 1; r < end; r += 2)
			cs_op(w, "re", 4, MARGIN,
			      top - (float)(r - i + 1) * ROW_H, maxw, ROW_H);
		/* A page of one row has no stripe: no path to fill. */
		if (end - i > 1)
			sbuf_addstr(&w->cs, "f\n");
		cs_op(w, "g", 1, 0.0f);
		text_begin(w);
		for (size_t r = i; r < end; r++)
			if (put_row(w, &entries[r],
				    top - (float)(r - i) * ROW_H))
				return -1;
		text_end(w);
		for (size_t r = i; r < end; r++)
			if (*str(entries[r].void_reason))
				strike(w, MARGIN, col_x(w, COL_TICK),
				       top - ((float)(r - i) + 0.5f) * ROW_H);
		put_tick_boxes(w, top, end - i);
		if (hpdf_failed(w))
			return -1;
		i = end;
		continued = 1;
	} while (i < j);
	return 0;
}

/* Each group starts a page: its own count of pages. The caller makes
 * a group's rows consecutive and their group names one spelling. */
static size_t group_end(const struct pdf_entry *entries, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && !strcmp(str(entries[j].group), str(entries[i].group)))
		j++;
	return j;
}

static int write_classlist(struct writer *w, const struct pdf_entry *entries,
			   size_t n)
{
	size_t i = 0, per_page = class_rows_per_page(w);

	for (size_t a = 0, b; a < n; a = b) {
		b = group_end(entries, n, a);
		w->total_pages += (b - a + per_page - 1) / per_page;
	}
	while (i < n) {
		size_t j = group_end(entries, n, i);

		if (end_page(w))
			return -1;
		w->sec_first = w->npages;
		w->sec_pages = (j - i + per_page - 1) / per_page;
		if (put_section(w, entries, i, j))
			return -1;
		i = j;
	}
	return 0;
}

/* ==== Letters ==== */

/*
 * Draws bytes [0, t->len) of t from (x, *top) down, broken at spaces into
 * lines no wider than maxw (a word wider than that is shrunk to fit),
 * each line's height LEADING * size * spacing; *top ends below the last.
 * Nothing is drawn below bottom: returns 1 when text was left out, else 0.
 */
static int put_wrapped(struct writer *w, const struct text *t, float x,
		       float *top, float size, float spacing, float maxw,
		       float bottom)
{
	size_t a = 0;
	long room = (long)(maxw * 1000.0f / size);

	while (a < t->len) {
		size_t b = a, best = 0;
		float line = LEADING * size * spacing, sz = size;
		long width;

		/* The longest run of words from a that fits. */
		while (b < t->len) {
			size_t e = b;

			while (e < t->len && t->s[e] == ' ')
				e++;
			while (e < t->len && t->s[e] != ' ')
				e++;
			if (best && range_width(w, t, a, e) > room)
				break;
			best = e;
			b = e;
		}
		width = range_width(w, t, a, best);
		if (width > room)
			sz = size * (float)room / (float)width;
		if (*top - line < bottom)
			return 1;
		put_range(w, t, a, best, x, *top - ASCENT * size, sz);
		*top -= line;
		a = best;
		while (a < t->len && t->s[a] == ' ')
			a++;
	}
	return 0;
}

/*
 * The school's instructions for e (opt->letter_text fills in its
 * template), a paragraph a line of it, an empty line a gap, from *top
 * down and no lower than bottom: what does not fit is left out, with a
 * warning naming the person.
 */
static int letter_instructions(struct writer *w, const struct pdf_entry *e,
			       float x, float *top, float maxw, float bottom)
{
	/* The fields of a strip, the same words on both. */
	struct strip_values sv = { w, e };
	struct sbuf text = SBUF_INIT;
	int ret = -1, cut = 0;
	size_t p = 0;

	strip_phrases(w, e);
	if (w->opt->letter_text(w->opt->letter_text_arg, strip_value, &sv,
				&text))
		goto out;
	/* A line of the template is a paragraph; an empty one, a gap. */
	while (p < text.len && !cut) {
		size_t end = p;

		while (end < text.len && text.buf[end] != '\n')
			end++;
		text.buf[end] = '\0';
		if (end > p && text.buf[end - 1] == '\r')
			text.buf[end - 1] = '\0';
		if (!text.buf[p]) {
			*top -= LEADING * L_TEXT * 0.6f;
		} else {
			if (shape(w, &w->t_misc, text.buf + p, w->text_chain,
				  w->ntext))
				goto out;
			warn_missing(&w->t_misc, e, "letter");
			cut = put_wrapped(w, &w->t_misc, x, top, L_TEXT, L_PARA,
					  maxw, bottom);
		}
		p = end + 1;
	}
	if (cut)
		warnf("%s %s (%s): the letter's text runs off the page; "
		      "the rest is left out", str(e->forename),
		      str(e->surname), str(e->username));
	ret = 0;
out:
	sbuf_release(&text);
	return ret;
}

/*
 * One pupil's letter: the site and logo, the name, a box with the
 * username and, largest of all, the password (and the QR code beside
 * them), then the school's instructions and the batch line.
 */
static int put_letter(struct writer *w, const struct pdf_entry *e)
{
	float x0 = MARGIN + PAD_H, x1 = w->page_w - MARGIN - PAD_H;
	float cur = w->page_h - MARGIN, base, box_top, box_h, tx, tw, size;
	float qside = w->opt->qr != PDF_QR_NONE ? L_QR : 0;
	float bottom = MARGIN + 2 * T_FOOT + LEADING * L_BATCH;
	float logo;
	int day = parse_day(str(e->born_day));
	struct text *t = &w->t_misc;

	logo = put_logo(w, w->page_w - MARGIN, cur, L_LOGO_W, L_LOGO_H);
	if (logo < 0)
		return -1;
	sbuf_reset(&w->name);
	add_name(&w->name, e);
	if (shape(w, &w->t_name, sbuf_str(&w->name), w->text_chain,
		  w->ntext) ||
	    shape(w, &w->t_user, str(e->username), w->text_chain, w->ntext) ||
	    shape(w, &w->t_pass, str(e->password), w->mono_chain, w->nmono) ||
	    shape(w, &w->t_lab_user, words_get(words_of(w), "label.username"),
		  w->text_chain, w->ntext) ||
	    shape(w, &w->t_lab_pass, words_get(words_of(w), "label.password"),
		  w->text_chain, w->ntext) ||
	    shape(w, &w->t_site, str(w->opt->site_name), w->text_chain,
		  w->ntext))
		return -1;
	warn_missing(&w->t_name, e, "name");
	warn_missing(&w->t_user, e, "username");
	warn_missing(&w->t_pass, e, "password");

	text_begin(w);
	base = next_line(&cur, L_SITE);
	if (w->t_site.len)
		put_text(w, &w->t_site, x0, base, fit(&w->t_site, L_SITE,
						       x1 - x0 - logo - PAD_H));
	cur = w->page_h - MARGIN - (L_LOGO_H > LEADING * L_SITE ? L_LOGO_H :
				    LEADING * L_SITE) - 24;
	base = next_line(&cur, L_NAME);
	put_text(w, &w->t_name, x0, base, fit(&w->t_name, L_NAME, x1 - x0));
	sbuf_reset(&w->details);
	if (*str(e->group)) {
		sbuf_addstr(&w->details, words_get(words_of(w), "label.class"));
		sbuf_addch(&w->details, ' ');
		sbuf_addstr(&w->details, e->group);
	}
	if (day > 0) {
		sbuf_reset(&w->line);
		words_day(words_of(w), &w->line, day);
		if (w->details.len)
			sbuf_addstr(&w->details, " \xC2\xB7 ");
		words_put(words_of(w), &w->details, "born",
			  (const char *const[]){ "day", sbuf_str(&w->line),
						 NULL });
	}
	if (shape(w, &w->t_details, sbuf_str(&w->details), w->text_chain,
		  w->ntext))
		return -1;
	base = next_line(&cur, L_TEXT);
	if (w->t_details.len)
		put_text(w, &w->t_details, x0, base, fit(&w->t_details, L_TEXT,
							  x1 - x0));
	text_end(w);

	/* The box: labels above their values, the QR code at its right. */
	cur -= 16;
	box_top = cur;
	box_h = 2 * L_BOX_PAD + LEADING * (2 * L_LABEL + L_USER + L_PASS) + 6;
	if (box_h < qside + 2 * L_BOX_PAD)
		box_h = qside + 2 * L_BOX_PAD;
	cs_op(w, "g", 1, 0.94f);
	cs_op(w, "re", 4, MARGIN, box_top - box_h, w->page_w - 2 * MARGIN,
	      box_h);
	sbuf_addstr(&w->cs, "f\n");
	cs_op(w, "g", 1, 0.0f);
	tx = MARGIN + L_BOX_PAD;
	tw = w->page_w - 2 * MARGIN - 2 * L_BOX_PAD -
	     (qside ? qside + L_BOX_PAD : 0);
	cur = box_top - L_BOX_PAD;
	text_begin(w);
	put_text(w, &w->t_lab_user, tx, next_line(&cur, L_LABEL), L_LABEL);
	put_text(w, &w->t_user, tx, next_line(&cur, L_USER),
		 fit(&w->t_user, L_USER, tw));
	cur -= 6;
	put_text(w, &w->t_lab_pass, tx, next_line(&cur, L_LABEL), L_LABEL);
	/* One font covers a generated password: one Tj. */
	size = fit(&w->t_pass, L_PASS, tw);
	put_text(w, &w->t_pass, tx, next_line(&cur, L_PASS), size);
	text_end(w);
	if (qside) {
		float qx = w->page_w - MARGIN - L_BOX_PAD - qside;
		float qy = box_top - L_BOX_PAD - qside;

		/* Its quiet zone white, as scanners want it, on the grey. */
		cs_op(w, "g", 1, 1.0f);
		cs_op(w, "re", 4, qx, qy, qside, qside);
		sbuf_addstr(&w->cs, "f\n");
		cs_op(w, "g", 1, 0.0f);
		if (put_qr(w, e, qx, qy, qside))
			return -1;
	}
	if (*str(e->void_reason)) {
		if (put_void(w, MARGIN, tx + tw / 2, box_top, tw / 2, box_h))
			return -1;
		sbuf_reset(&w->line);
		words_put(words_of(w), &w->line, "void.reason",
			  (const char *const[]){ "reason", e->void_reason,
						 NULL });
		if (shape(w, t, sbuf_str(&w->line), w->text_chain, w->ntext))
			return -1;
		text_begin(w);
		cur = box_top - box_h - 4;
		put_text(w, t, MARGIN, next_line(&cur, L_TEXT),
			 fit(t, L_TEXT, w->page_w - 2 * MARGIN));
		text_end(w);
	}

	/* The school's words, then when it expires and which batch. */
	cur = box_top - box_h - 20 - (*str(e->void_reason) ? LEADING * L_TEXT :
				       0);
	text_begin(w);
	if (w->opt->letter_text &&
	    letter_instructions(w, e, MARGIN + PAD_H, &cur,
				w->page_w - 2 * (MARGIN + PAD_H), bottom))
		return -1;
	sbuf_reset(&w->expires);
	add_date(w, &w->expires, str(e->expires));
	w->expires_of = NULL;
	sbuf_reset(&w->last_batch);
	if (w->expires.len)
		sbuf_addf(&w->last_batch, "%s %s \xC2\xB7 ",
			  words_get(words_of(w), "label.expires"),
			  sbuf_str(&w->expires));
	add_batch(w, &w->last_batch, e);
	if (shape(w, &w->t_batch, sbuf_str(&w->last_batch), w->text_chain,
		  w->ntext))
		return -1;
	w->batch_of = NULL;
	put_text(w, &w->t_batch, MARGIN, MARGIN + 2 * T_FOOT,
		 fit(&w->t_batch, L_BATCH + 1, w->page_w - 2 * MARGIN));
	text_end(w);
	return hpdf_failed(w) ? -1 : 0;
}

/* One page a pupil; each class its own count of pages. */
static int write_letters(struct writer *w, const struct pdf_entry *entries,
			 size_t n)
{
	w->total_pages = n;
	for (size_t a = 0, b; a < n; a = b) {
		b = group_end(entries, n, a);
		if (end_page(w))
			return -1;
		w->sec_first = w->npages;
		w->sec_pages = b - a;
		w->sec_label = entries[a].group;
		for (size_t i = a; i < b; i++)
			if (new_page(w) || put_letter(w, &entries[i]))
				return -1;
	}
	return 0;
}

/* A list with nobody on it still prints, and says so. */
static int write_empty(struct writer *w)
{
	struct text *t = &w->t_misc;
	float cur = w->page_h - MARGIN;

	if (new_page(w))
		return -1;
	sbuf_reset(&w->line);
	sbuf_addstr(&w->line, str(w->opt->site_name));
	if (w->line.len)
		sbuf_addstr(&w->line, ": ");
	sbuf_addstr(&w->line, words_get(words_of(w), "nobody"));
	if (shape(w, t, w->line.buf, w->text_chain, w->ntext))
		return -1;
	text_begin(w);
	put_text(w, t, MARGIN, next_line(&cur, T_TITLE),
		 fit(t, T_TITLE, w->page_w - 2 * MARGIN));
	text_end(w);
	return hpdf_failed(w) ? -1 : 0;
}

/* ==== Output ==== */

/* The document goes straight to w->out, never whole in memory. */
static int write_out(void *ctx, const void *buf, size_t len)
{
	struct writer *w = ctx;

	if (fwrite_unlocked(buf, 1, len, w->out) != len) {
		w->write_errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

static int save(struct writer *w)
{
	long st;

	if (end_page(w) || deflater_flush(&w->z))
		return -1;
	ASSERT(!w->total_pages || w->npages == w->total_pages);
	st = pdf_seam_save(w->pdf, write_out, w);
	if (st && !w->write_errno)
		return seam_status(w, st);
	if (w->write_errno || fflush(w->out) || ferror(w->out)) {
		int err = w->write_errno ? w->write_errno : errno;

		errorf("cannot write PDF: %s", strerror(err));
		util_write_failed(err);
		return -1;
	}
	return hpdf_failed(w) ? -1 : 0;
}

static int add_font(struct writer *w, const char *spec)
{
	for (int i = 0; i < w->nfonts; i++) {
		const char *hash = strrchr(spec, '#');
		size_t plen = hash ? (size_t)(hash - spec) : strlen(spec);
		unsigned idx = hash ? (unsigned)strtoul(hash + 1, NULL, 10) : 0;

		if (strlen(w->fonts[i].path) == plen &&
		    !strncmp(w->fonts[i].path, spec, plen) &&
		    w->fonts[i].index == idx)
			return i;
	}
	if (w->nfonts == MAX_FONTS) {
		errorf("too many fonts: at most %d", MAX_FONTS - 1);
		return -1;
	}
	if (font_open(&w->fonts[w->nfonts], spec)) {
		font_release(&w->fonts[w->nfonts]);
		memset(&w->fonts[w->nfonts], 0, sizeof(w->fonts[0]));
		return -1;
	}
	return w->nfonts++;
}

/* The logo, into the document once, however many pages draw it. */
static int load_logo(struct writer *w, const char *path)
{
	int kind = pdf_image_kind(path);

	if (kind < 0)
		return -1;
	w->logo = kind == PDF_IMAGE_PNG ?
		  hpdf.LoadPngImageFromFile(w->pdf, path) :
		  hpdf.LoadJpegImageFromFile(w->pdf, path);
	if (!w->logo || w->err.code) {
		sbuf_addf(&w->err_context, " loading logo '%s'", path);
		return hpdf_fail(w);
	}
	w->logo_w = (float)hpdf.Image_GetWidth(w->logo);
	w->logo_h = (float)hpdf.Image_GetHeight(w->logo);
	if (w->logo_w < 1 || w->logo_h < 1) {
		errorf("logo '%s': an image of no size", path);
		return -1;
	}
	return 0;
}

static int set_up(struct writer *w)
{
	static const char *const defaults[] = { DEFAULT_FONT, DEFAULT_CJK };
	const struct pdf_options *opt = w->opt;
	const char *const *specs = opt->nfonts ? opt->fonts : defaults;
	size_t nspecs = opt->nfonts ? opt->nfonts : ARRAY_SIZE(defaults);
	int mono;

	if (opt->layout != PDF_STRIPS && opt->layout != PDF_CLASSLIST &&
	    opt->layout != PDF_LETTERS) {
		errorf("unknown PDF layout %d", (int)opt->layout);
		return -1;
	}
	if ((opt->qr != PDF_QR_NONE && opt->qr != PDF_QR_USERNAME &&
	     opt->qr != PDF_QR_LOGIN && opt->qr != PDF_QR_URL) ||
	    (opt->qr == PDF_QR_URL && !opt->qr_url)) {
		errorf("unknown QR code choice %d", (int)opt->qr);
		return -1;
	}
	if (opt->paper != PDF_A4 && opt->paper != PDF_LETTER) {
		errorf("unknown paper size %d", (int)opt->paper);
		return -1;
	}
	if (opt->nfonts && !opt->fonts) {
		errorf("%zu fonts announced, none given", opt->nfonts);
		return -1;
	}
	if (nspecs >= MAX_FONTS) {
		errorf("too many fonts: at most %d", MAX_FONTS - 1);
		return -1;
	}
	w->page_w = opt->paper == PDF_LETTER ? LETTER_W : A4_W;
	w->page_h = opt->paper == PDF_LETTER ? LETTER_H : A4_H;
	for (size_t i = 0; i < nspecs; i++) {
		int f;

		if (!specs[i] || !*specs[i]) {
			errorf("font %zu of the fallback chain has no path",
			       i + 1);
			return -1;
		}
		f = add_font(w, specs[i]);
		if (f < 0)
			return -1;
		w->text_chain[w->ntext++] = f;
	}
	mono = add_font(w, opt->mono_font && *opt->mono_font ?
			   opt->mono_font : DEFAULT_MONO);
	if (mono < 0)
		return -1;
	w->mono_chain[w->nmono++] = mono;
	for (int i = 0; i < w->ntext; i++)
		if (w->text_chain[i] != mono)
			w->mono_chain[w->nmono++] = w->text_chain[i];

	if (pdf_seam_check_version()) {
		errorf("cannot write PDF: libharu %s is loaded; tempass was "
		       "built for libharu %s", hpdf.GetVersion(),
		       PDF_SEAM_LIBHARU);
		return -1;
	}
	/* Its blocks are wiped when freed: it holds every page's deflated
	 * content, the passwords one inflate away, until it is freed. */
	w->pdf = pdf_seam_new_doc(on_hpdf_error, &w->err);
	if (!w->pdf)
		die("out of memory");
	/*
	 * Pages in a two-tier tree, PAGES_PER_NODE under each node: one
	 * node holding every page of a large batch (11,900 for 95,000
	 * strips) breaks the 8,191-element array limit of older readers,
	 * and libharu grows an array 20 elements at a time, copying it
	 * whole each time.
	 */
	if (hpdf.SetPagesConfiguration(w->pdf, PAGES_PER_NODE) != HPDF_OK ||
	    hpdf.SetCompressionMode(w->pdf, HPDF_COMP_ALL) != HPDF_OK ||
	    hpdf.UseUTFEncodings(w->pdf) != HPDF_OK ||
	    hpdf.SetInfoAttr(w->pdf, HPDF_INFO_CREATOR, "tempass") !=
	    HPDF_OK ||
	    hpdf.SetInfoAttr(w->pdf, HPDF_INFO_TITLE,
			     opt->layout == PDF_STRIPS ?
			     "Temporary passwords" :
			     opt->layout == PDF_LETTERS ?
			     "Temporary passwords: letters" :
			     "Temporary passwords: class list") != HPDF_OK)
		return hpdf_fail(w);
	if (opt->logo && *opt->logo && load_logo(w, opt->logo))
		return -1;
	/* The first font of each chain is in the document even if nothing
	 * is drawn with it. */
	return font_use(w, w->text_chain[0]) || font_use(w, mono) ? -1 : 0;
}

static void writer_free(struct writer *w)
{
	/* Before HPDF_Free: the queue points at libharu's pages. */
	deflater_stop(&w->z);
	if (w->pdf)
		hpdf.Free(w->pdf);
	for (int i = 0; i < w->nfonts; i++)
		font_release(&w->fonts[i]);
	text_release(&w->t_misc);
	text_release(&w->t_site);
	text_release(&w->t_name);
	text_release(&w->t_user);
	text_release(&w->t_pass);
	text_release(&w->t_details);
	text_release(&w->t_batch);
	text_release(&w->t_lab_user);
	text_release(&w->t_lab_pass);
	sbuf_release(&w->details);
	sbuf_release(&w->last_batch);
	for (size_t i = 0; i < w->nsl; i++) {
		sbuf_release(&w->sl[i].text);
		for (int j = 0; j < 3; j++) {
			sbuf_release(&w->sl[i].buf[j]);
			text_release(&w->sl[i].t[j]);
		}
	}
	free(w->sl);
	sbuf_release(&w->cs);
	sbuf_release(&w->line);
	sbuf_release(&w->name);
	sbuf_release(&w->born);
	sbuf_release(&w->void_why);
	sbuf_release(&w->batch);
	sbuf_release(&w->made);
	sbuf_release(&w->expires);
	sbuf_release(&w->err_context);
	free(w);
}

/* ==== Documents set up ahead ==== */

struct pdf_doc {
	struct writer *w;          /* set up, with no page yet */
	struct pdf_options setup;  /* the options it was set up with */
};

struct pdf_doc *pdf_prepare(const struct pdf_options *opt)
{
	struct pdf_doc *d;
	int failed;

	ASSERT(loaded);
	d = xcalloc(1, sizeof(*d));
	d->w = xcalloc(1, sizeof(*d->w));
	d->w->opt = opt;
	util_quiet_thread(1);
	failed = set_up(d->w);
	util_quiet_thread(0);
	d->w->opt = NULL;
	d->setup = *opt;
	if (failed) {
		pdf_discard(d);
		return NULL;
	}
	return d;
}

void pdf_discard(struct pdf_doc *d)
{
	if (!d)
		return;
	writer_free(d->w);
	free(d);
}

/* Takes the writer of d, which must have been set up as opt says. */
static struct writer *take_prepared(struct pdf_doc *d,
				    const struct pdf_options *opt)
{
	struct writer *w = d->w;

	ASSERT(d->setup.layout == opt->layout &&
	       d->setup.paper == opt->paper && d->setup.qr == opt->qr &&
	       d->setup.fonts == opt->fonts &&
	       d->setup.nfonts == opt->nfonts &&
	       d->setup.mono_font == opt->mono_font);
	free(d);
	return w;
}

int pdf_write(FILE *out, const struct pdf_options *opt,
	      const struct pdf_entry *entries, size_t n)
{
	return pdf_write_prepared(NULL, out, opt, entries, n);
}

int pdf_write_prepared(struct pdf_doc *d, FILE *out,
		       const struct pdf_options *opt,
		       const struct pdf_entry *entries, size_t n)
{
	struct writer *w = d ? take_prepared(d, opt) : NULL;
	int ret = -1;

	ASSERT(loaded);
	ASSERT(out && opt && (entries || n == 0));
	for (size_t i = 0; i < n; i++)
		if (check_entry(&entries[i], i ? &entries[i - 1] : NULL, i))
			goto out;
	if (!w) {
		w = xcalloc(1, sizeof(*w));
		w->opt = opt;
		if (set_up(w))
			goto out;
	}
	w->out = out;
	w->opt = opt;
	/* The fastest level: each page is a small stream of its own, and
	 * the deflating thread keeps pace with the layout only there. */
	deflater_start(&w->z, Z_BEST_SPEED, store_page, w);
	if (n == 0) {
		/* "page 1 of 1" on an empty class list too. */
		if (opt->layout != PDF_STRIPS)
			w->total_pages = w->sec_pages = 1;
		ret = write_empty(w);
	} else if (opt->layout == PDF_STRIPS) {
		ret = write_strips(w, entries, n);
	} else if (opt->layout == PDF_LETTERS) {
		ret = write_letters(w, entries, n);
	} else {
		ret = write_classlist(w, entries, n);
	}
	if (!ret)
		ret = save(w);
out:
	if (w)
		writer_free(w);
	return ret;
}
