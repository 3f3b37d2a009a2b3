/*
 * pdf_seam: see pdf_seam.h. The only file that includes libharu's
 * internal headers or touches its structures; every function is one
 * short use of them, with the reason it is needed.
 */
#include "formats/pdf_seam.h"

#include <malloc.h>
#include <string.h>

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_error.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_gstate.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include "core/secrets.h"
#include "core/util.h"

/*
 * The structures below are libharu 2.3.0's (Debian's 2.3.0+dfsg): a
 * page's attributes, a TrueType font's glyph table, the document's xref,
 * page tree and output stream. Another version may lay them out or use
 * them differently: read each function against its headers and run
 * tests/unit/test_pdf_seam.c before allowing it here.
 */
#if !defined(HPDF_VERSION_ID) || HPDF_VERSION_ID != 20300
#error "formats/pdf_seam.c uses the structures of libharu 2.3.0 (HPDF_VERSION_ID 20300), not of the libharu installed"
#endif

/* ==== Loading libharu ==== */

/* The functions of libharu this file calls, each of its prototype's type
 * (__typeof__), loaded by pdf_seam_load(). */
static struct hpdf_api {
	__typeof__(HPDF_Array_AddName) *Array_AddName;
	__typeof__(HPDF_Array_AddReal) *Array_AddReal;
	__typeof__(HPDF_Array_New) *Array_New;
	__typeof__(HPDF_CallbackWriter_New) *CallbackWriter_New;
	__typeof__(HPDF_Dict_Add) *Dict_Add;
	__typeof__(HPDF_Dict_GetItem) *Dict_GetItem;
	__typeof__(HPDF_Dict_New) *Dict_New;
	__typeof__(HPDF_Dict_RemoveElement) *Dict_RemoveElement;
	__typeof__(HPDF_Error_GetCode) *Error_GetCode;
	__typeof__(HPDF_Font_Validate) *Font_Validate;
	__typeof__(HPDF_GState_Free) *GState_Free;
	__typeof__(HPDF_GetVersion) *GetVersion;
	__typeof__(HPDF_MemStream_FreeData) *MemStream_FreeData;
	__typeof__(HPDF_MemStream_New) *MemStream_New;
	__typeof__(HPDF_NewEx) *NewEx;
	__typeof__(HPDF_Page_GetLocalFontName) *Page_GetLocalFontName;
	__typeof__(HPDF_Page_GetXObjectName) *Page_GetXObjectName;
	__typeof__(HPDF_Page_SetFilter) *Page_SetFilter;
	__typeof__(HPDF_SaveToStream) *SaveToStream;
	__typeof__(HPDF_SetError) *SetError;
	__typeof__(HPDF_Stream_Free) *Stream_Free;
	__typeof__(HPDF_Stream_Write) *Stream_Write;
	__typeof__(HPDF_Stream_WriteStr) *Stream_WriteStr;
	__typeof__(HPDF_Xref_Add) *Xref_Add;
} hpdf;

#define SYM(f) DL_SYMBOL(struct hpdf_api, f, "HPDF_")
static const struct dl_symbol symbols[] = {
	SYM(Array_AddName), SYM(Array_AddReal), SYM(Array_New),
	SYM(CallbackWriter_New), SYM(Dict_Add), SYM(Dict_GetItem),
	SYM(Dict_New), SYM(Dict_RemoveElement), SYM(Error_GetCode),
	SYM(Font_Validate), SYM(GState_Free), SYM(GetVersion),
	SYM(MemStream_FreeData), SYM(MemStream_New), SYM(NewEx),
	SYM(Page_GetLocalFontName), SYM(Page_GetXObjectName),
	SYM(Page_SetFilter), SYM(SaveToStream),
	SYM(SetError), SYM(Stream_Free), SYM(Stream_Write),
	SYM(Stream_WriteStr), SYM(Xref_Add),
};
#undef SYM

int pdf_seam_load(void)
{
	static int loaded;

	if (!loaded && dl_load(PDF_LIBHARU, PDF_LIBHARU_PACKAGE, symbols,
			       ARRAY_SIZE(symbols), &hpdf, sizeof(hpdf)) == 0)
		loaded = 1;
	return loaded ? 0 : -1;
}

int pdf_seam_check_version(void)
{
	return strcmp(hpdf.GetVersion(), PDF_SEAM_LIBHARU) ? -1 : 0;
}

/* ==== Memory ==== */

/* libharu's free does not pass the size: malloc_usable_size() gives the
 * block's, at least as large. */
static void *HPDF_STDCALL wiping_alloc(HPDF_UINT size)
{
	return malloc(size);
}

static void HPDF_STDCALL wiping_free(void *ptr)
{
	if (ptr)
		secrets_wipe(ptr, malloc_usable_size(ptr));
	free(ptr);
}

void *pdf_seam_new_doc(void (*on_error)(unsigned long code,
					unsigned long detail, void *data),
		       void *data)
{
	return hpdf.NewEx(on_error, wiping_alloc, wiping_free, 0, data);
}

/* The status an internal call left in the document's error, or st. */
static long status(HPDF_Error err, HPDF_STATUS st)
{
	HPDF_STATUS code = hpdf.Error_GetCode(err);

	return (long)(code ? code : st);
}

/* ==== Fonts ==== */

long pdf_seam_set_tounicode(void *font, const void *cmap, size_t len)
{
	static const char *const cmap_keys[] = {
		"Type", "CMapName", "CIDSystemInfo", "WMode"
	};
	HPDF_Dict dict = hpdf.Dict_GetItem(font, "ToUnicode",
					   HPDF_OCLASS_DICT);
	HPDF_STATUS st;

	if (!dict || !dict->stream ||
	    dict->stream->type != HPDF_STREAM_MEMORY)
		return -1;
	hpdf.MemStream_FreeData(dict->stream);
	st = hpdf.Stream_Write(dict->stream, cmap, (HPDF_UINT)len);
	/* RemoveElement reports a missing key by its return value only. */
	for (size_t i = 0; i < ARRAY_SIZE(cmap_keys) && st == HPDF_OK; i++) {
		st = hpdf.Dict_RemoveElement(dict, cmap_keys[i]);
		if (st == HPDF_DICT_ITEM_NOT_FOUND)
			st = HPDF_OK;
	}
	return (long)st;
}

/*
 * libharu subsets a TrueType font by the flags of its glyph table, one
 * byte a glyph, and finds each outline through the table's offsets (the
 * font's loca, in units of 2 bytes in its short format) from the glyf
 * table's place in the file.
 */
int pdf_seam_use_glyph(void *font, unsigned gid, long *offset, size_t *len)
{
	HPDF_Font hf = font;
	HPDF_FontAttr fa;
	HPDF_TTFontDefAttr ta;
	HPDF_TTF_GryphOffsets *tbl;
	unsigned long off, end;

	if (!hpdf.Font_Validate(hf))
		return -1;
	fa = hf->attr;
	if (!fa->fontdef || fa->fontdef->type != HPDF_FONTDEF_TYPE_TRUETYPE)
		return -1;
	ta = fa->fontdef->attr;
	if (gid >= ta->num_glyphs)
		return -1;
	tbl = &ta->glyph_tbl;
	tbl->flgs[gid] = 1;
	off = tbl->offsets[gid];
	end = tbl->offsets[gid + 1];
	if (ta->header.index_to_loc_format == 0) {
		off *= 2;
		end *= 2;
	}
	*offset = (long)(tbl->base_offset + off);
	*len = end > off ? end - off : 0;
	return 0;
}

/* ==== Pages ==== */

/*
 * libharu drops a /Filter key from a stream whose own filter is none (in
 * HPDF_Dict_Write), so the key is written by the dictionary's write hook,
 * which runs after its other keys.
 */
static HPDF_STATUS write_flate_filter(HPDF_Dict dict, HPDF_Stream stream)
{
	(void)dict;
	return hpdf.Stream_WriteStr(stream, "/Filter [/FlateDecode]\012");
}

long pdf_seam_set_content(void *page, const void *data, size_t len)
{
	HPDF_Page pg = page;
	HPDF_PageAttr attr = pg->attr;
	HPDF_Dict contents = attr->contents;
	HPDF_Stream stream;

	hpdf.Page_SetFilter(pg, HPDF_STREAM_FILTER_NONE);
	contents->write_fn = write_flate_filter;
	/* One buffer of the exact size rather than libharu's 4 KB chunks. */
	stream = hpdf.MemStream_New(contents->mmgr, (HPDF_UINT)len);
	if (!stream)
		return status(contents->error, HPDF_FAILD_TO_ALLOC_MEM);
	hpdf.Stream_Free(contents->stream);
	/* libharu's own drawing calls write to attr->stream: the same. */
	contents->stream = attr->stream = stream;
	return (long)hpdf.Stream_Write(stream, data, (HPDF_UINT)len);
}

/*
 * libharu gives every page a resource dictionary, a media box and a
 * graphics state of its own; here they are one for all pages, the page
 * size inherited from the root of the page tree. attr->fonts is where
 * hpdf.Page_GetLocalFontName() registers a page's fonts.
 */
long pdf_seam_share_resources(void *doc, void *page, void **shared,
			      float width, float height)
{
	HPDF_Doc pdf = doc;
	HPDF_Page pg = page;
	HPDF_PageAttr attr = pg->attr;
	HPDF_MMgr mmgr = pdf->mmgr;
	HPDF_Dict resources = *shared, fonts;

	if (!resources) {
		HPDF_Array procset = hpdf.Array_New(mmgr);
		HPDF_Array box = hpdf.Array_New(mmgr);

		resources = hpdf.Dict_New(mmgr);
		fonts = hpdf.Dict_New(mmgr);
		if (!procset || !box || !resources || !fonts ||
		    hpdf.Xref_Add(pdf->xref, resources) != HPDF_OK ||
		    hpdf.Dict_Add(resources, "ProcSet", procset) != HPDF_OK ||
		    hpdf.Array_AddName(procset, "PDF") != HPDF_OK ||
		    hpdf.Array_AddName(procset, "Text") != HPDF_OK ||
		    hpdf.Array_AddName(procset, "ImageB") != HPDF_OK ||
		    hpdf.Array_AddName(procset, "ImageC") != HPDF_OK ||
		    hpdf.Array_AddName(procset, "ImageI") != HPDF_OK ||
		    hpdf.Dict_Add(resources, "Font", fonts) != HPDF_OK ||
		    hpdf.Dict_Add(pdf->root_pages, "MediaBox", box) !=
		    HPDF_OK ||
		    hpdf.Array_AddReal(box, 0) != HPDF_OK ||
		    hpdf.Array_AddReal(box, 0) != HPDF_OK ||
		    hpdf.Array_AddReal(box, width) != HPDF_OK ||
		    hpdf.Array_AddReal(box, height) != HPDF_OK)
			return status(&pdf->error, HPDF_FAILD_TO_ALLOC_MEM);
		*shared = resources;
	}
	fonts = hpdf.Dict_GetItem(resources, "Font", HPDF_OCLASS_DICT);
	/* Replacing the entry frees the page's own dictionary. */
	if (!fonts || hpdf.Dict_Add(pg, "Resources", resources) != HPDF_OK ||
	    hpdf.Dict_RemoveElement(pg, "MediaBox") != HPDF_OK)
		return status(&pdf->error, HPDF_INVALID_OBJECT);
	attr->fonts = fonts;
	/* NULL until an image is drawn: hpdf.Page_GetXObjectName() then
	 * adds the dictionary to the shared resources, and later pages find
	 * it there, so an image is one object under one name throughout. */
	attr->xobjects = hpdf.Dict_GetItem(resources, "XObject",
					   HPDF_OCLASS_DICT);
	hpdf.GState_Free(pg->mmgr, attr->gstate);
	attr->gstate = NULL;
	return 0;
}

const char *pdf_seam_font_name(void *page, void *font)
{
	HPDF_Page pg = page;
	const char *name = hpdf.Page_GetLocalFontName(pg, font);

	if (!name && !hpdf.Error_GetCode(pg->error))
		hpdf.SetError(pg->error, HPDF_INVALID_OBJECT, 0);
	return name;
}

const char *pdf_seam_xobject_name(void *page, void *xobject)
{
	HPDF_Page pg = page;
	const char *name = hpdf.Page_GetXObjectName(pg, xobject);

	if (!name && !hpdf.Error_GetCode(pg->error))
		hpdf.SetError(pg->error, HPDF_INVALID_OBJECT, 0);
	return name;
}

/* ==== Saving ==== */

struct sink {
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

static HPDF_STATUS write_out(HPDF_Stream stream, const HPDF_BYTE *buf,
			     HPDF_UINT size)
{
	struct sink *s = stream->attr;

	if (!s->write(s->ctx, buf, size))
		return HPDF_OK;
	/* Recorded: hpdf.SaveToStream() returns the document's error, not
	 * what the stream's writer returned. */
	return hpdf.SetError(stream->error, HPDF_FILE_IO_ERROR, 0);
}

/*
 * hpdf.SaveToStream() writes into the document's stream, a memory stream
 * that it creates when there is none: given one that calls write instead,
 * it writes the document as it goes. The stream is freed afterwards, as
 * it points at this call's sink.
 */
long pdf_seam_save(void *doc, int (*write)(void *ctx, const void *buf,
					   size_t len),
		   void *ctx)
{
	HPDF_Doc pdf = doc;
	struct sink s = { write, ctx };
	HPDF_STATUS st;

	ASSERT(!pdf->stream);
	pdf->stream = hpdf.CallbackWriter_New(pdf->mmgr, write_out, &s);
	if (!pdf->stream)
		return status(&pdf->error, HPDF_FAILD_TO_ALLOC_MEM);
	st = hpdf.SaveToStream(pdf);
	hpdf.Stream_Free(pdf->stream);
	pdf->stream = NULL;
	return (long)st;
}
