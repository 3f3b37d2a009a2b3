/*
 * kind: recognising a file from its first bytes (see kind.h). Only
 * signatures that no roster or record stream can start with are used: a
 * zip's "PK\3\4", "%PDF-", OLE2's eight bytes, gzip's two, and UTF-16's
 * byte order marks, which a UTF-8 text never holds. UTF-16 without a mark
 * is told by NUL bytes beside ASCII ones, which text never holds either.
 */
#include "formats/kind.h"

#include <string.h>

#include "core/util.h"

static int has(const unsigned char *b, size_t len, const char *s)
{
	return memmem(b, len, s, strlen(s)) != NULL;
}

/* NULs on every other byte of the first few characters: UTF-16 text
 * of mostly ASCII (a header line), LE when the NULs come second. */
static enum content_kind bare_utf16(const unsigned char *b, size_t len)
{
	size_t n = len < 64 ? len & ~(size_t)1 : 64, le = 0, be = 0;

	if (n < 4)
		return KIND_TEXT;
	for (size_t i = 0; i < n; i += 2) {
		le += b[i] && !b[i + 1];
		be += !b[i] && b[i + 1];
	}
	return le == n / 2 || be == n / 2 ? KIND_UTF16_BARE : KIND_TEXT;
}

enum content_kind content_kind(const void *buf, size_t len)
{
	const unsigned char *b = buf;

	if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE)
		return KIND_UTF16LE;
	if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF)
		return KIND_UTF16BE;
	if (len >= 4 && memcmp(b, "PK\3\4", 4) == 0) {
		/* ODF puts an uncompressed 'mimetype' member first; OOXML
		 * names its members, xl/ for a workbook. */
		if (has(b, len, "application/vnd.oasis.opendocument."
			"spreadsheet"))
			return KIND_ODS;
		if (has(b, len, "xl/"))
			return KIND_XLSX;
		return KIND_ZIP;
	}
	if (len >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return KIND_PDF;
	if (len >= 8 && memcmp(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
		return KIND_XLS;
	if (len >= 2 && b[0] == 0x1F && b[1] == 0x8B)
		return KIND_GZIP;
	return bare_utf16(b, len);
}

void content_kind_refuse(const char *name, enum content_kind k,
			 int roster)
{
	const char *expected = roster ? "CSV" : "a record stream (TSV, CSV "
					"or NDJSON in UTF-8)";
	static const char excel[] = "in Excel, save it as 'CSV UTF-8 "
				    "(Comma delimited)'";
	const char *what = "", *todo = "";

	switch (k) {
	case KIND_UTF16LE:
	case KIND_UTF16BE:
		what = "UTF-16 text";
		todo = "save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma "
		       "delimited)')";
		break;
	case KIND_UTF16_BARE:
		what = "UTF-16 text without a byte order mark";
		todo = roster ? "save it as UTF-8, or as UTF-16 with its byte "
				"order mark (Excel's 'Unicode Text' does)" :
		       "save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma "
		       "delimited)')";
		break;
	case KIND_XLSX:
		what = "an Excel workbook (XLSX)";
		todo = excel;
		break;
	case KIND_XLS:
		what = "an Excel 97-2003 workbook (XLS)";
		todo = excel;
		break;
	case KIND_ODS:
		what = "an OpenDocument spreadsheet (ODS)";
		todo = "in LibreOffice Calc, save it as 'Text CSV' with "
		       "character set UTF-8";
		break;
	case KIND_ZIP:
		what = "a zip archive";
		todo = "unpack it and give the CSV file inside";
		break;
	case KIND_PDF:
		what = "a PDF document";
		todo = roster ? "export the roster from the MIS as CSV UTF-8" :
		       "give the records themselves (regenerate -o FILE "
		       "writes them)";
		break;
	case KIND_GZIP:
		what = "gzip-compressed";
		todo = "unpack it first (gunzip)";
		break;
	case KIND_TEXT:
		ASSERT(!"text is not refused");
		return;
	}
	errorf("'%s': is %s, not %s: %s", name, what, expected, todo);
}
