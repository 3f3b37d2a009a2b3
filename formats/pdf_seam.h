/*
 * pdf_seam: the one place where tempass reaches into libharu's own
 * structures. Private to formats/pdf.c (and its unit test).
 *
 * formats/pdf.c includes hpdf.h with HPDF_SHARED defined, which makes
 * every libharu object an opaque handle: there it can call libharu's
 * public functions and nothing else. What libharu's public API cannot do,
 * and pdf.c needs, is here as a few small functions over the installed
 * internal headers (hpdf_objects.h, hpdf_pages.h, hpdf_fontdef.h,
 * hpdf_streams.h, hpdf_doc.h): two repairs of the document libharu
 * builds (the ToUnicode CMap of its UTF-8 fonts, the parts of composite
 * glyphs) and the savings that let pdf.c lay pages out itself (a page's
 * content given already deflated, one resource dictionary shared by every
 * page, the document written straight to a file). The document itself is
 * made here too, with an allocator that wipes what libharu frees.
 *
 * Those structures are not a stable interface: this was written against
 * libharu 2.3.0, pdf_seam.c does not compile against another version's
 * headers, pdf.c refuses to run with another version's library, and
 * tests/unit/test_pdf_seam.c checks every assumption on a document it
 * builds. Handles are void *, as hpdf.h declares them with HPDF_SHARED.
 * Nothing here reports: a call returns 0 or libharu's status, and pdf.c
 * reports.
 */
#ifndef TEMPASS_FORMAT_PDF_SEAM_H
#define TEMPASS_FORMAT_PDF_SEAM_H

#include <stddef.h>

/* The libharu version pdf_seam.c was written against. */
#define PDF_SEAM_LIBHARU "2.3.0"

/* The soname libharu is loaded from, and the Debian package that ships
 * it: not linked, so a process that writes no PDF never loads it. */
#define PDF_LIBHARU "libhpdf-2.3.0.so"
#define PDF_LIBHARU_PACKAGE "libhpdf-2.3.0"

/* Loads the functions of libharu the seam calls (pdf_load() does, for
 * the PDF writer). 0, or -1 after reporting. */
int pdf_seam_load(void);

/*
 * 0 when the libharu this process loaded is PDF_SEAM_LIBHARU; -1
 * otherwise (its structures may differ from those compiled in here).
 */
int pdf_seam_check_version(void);

/*
 * A new libharu document whose every block is wiped when libharu frees
 * it: it holds every page's deflated content, the passwords one inflate
 * away, until the document is freed. on_error and data as HPDF_NewEx()
 * takes them. NULL when out of memory. Free it with HPDF_Free().
 */
void *pdf_seam_new_doc(void (*on_error)(unsigned long code,
					unsigned long detail, void *data),
		       void *data);

/*
 * Replaces the ToUnicode CMap libharu attached to font (right after
 * HPDF_GetFont() with "UTF-8") by the len bytes at cmap, and removes the
 * keys of its dictionary that belong to an encoding CMap. Returns 0,
 * libharu's status, or -1 when the font carries no ToUnicode stream of
 * libharu's making.
 */
long pdf_seam_set_tounicode(void *font, const void *cmap, size_t len);

/*
 * Marks glyph gid of a TrueType font used, so libharu embeds it in the
 * font's subset, and gives where its outline lies in the font file:
 * offset from the start of the file and length. Returns 0, or -1 when
 * font is no TrueType font or has no glyph gid.
 */
int pdf_seam_use_glyph(void *font, unsigned gid, long *offset, size_t *len);

/*
 * The page's content becomes the len bytes at data, a zlib stream,
 * written as they are under /Filter /FlateDecode. Returns 0 or libharu's
 * status.
 */
long pdf_seam_set_content(void *page, const void *data, size_t len);

/*
 * Makes page use the document's shared resources instead of its own:
 * *shared is NULL before the first page, which creates them (a resource
 * dictionary with /ProcSet and an empty /Font, as libharu gives each
 * page) and sets /MediaBox [0 0 width height] once at the root of the
 * page tree. The page's own resources, media box and graphics state are
 * freed. Returns 0 or libharu's status.
 */
long pdf_seam_share_resources(void *doc, void *page, void **shared,
			      float width, float height);

/*
 * The name under which font is in the page's /Font resources, added on
 * first use; NULL when libharu fails (its error is in the document).
 */
const char *pdf_seam_font_name(void *page, void *font);

/*
 * The name under which an image (an XObject) is in the page's /XObject
 * resources, added on first use to the resources every page shares; NULL
 * when libharu fails (its error is in the document).
 */
const char *pdf_seam_xobject_name(void *page, void *xobject);

/*
 * Saves the document through write, called with consecutive pieces of
 * it; write returns 0, or nonzero to stop (the save then fails with
 * HPDF_FILE_IO_ERROR). The document is never held in memory whole.
 * Returns 0 or libharu's status.
 */
long pdf_seam_save(void *doc, int (*write)(void *ctx, const void *buf,
					   size_t len),
		   void *ctx);

#endif
