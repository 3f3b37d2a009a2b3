/*
 * kind: what a file is, told from its first bytes, for the readers of
 * rosters and record streams. A workbook, a PDF or an archive given where
 * text is expected is named with what to do, instead of being read as a
 * line of mojibake that then fails somewhere far from its cause.
 */
#ifndef TEMPASS_FORMAT_KIND_H
#define TEMPASS_FORMAT_KIND_H

#include <stddef.h>

enum content_kind {
	KIND_TEXT,        /* nothing else recognised: read it as text */
	KIND_UTF16LE,     /* UTF-16 with its byte order mark FF FE */
	KIND_UTF16BE,     /* UTF-16 with its byte order mark FE FF */
	KIND_UTF16_BARE,  /* UTF-16 without a byte order mark (NULs between
			     ASCII letters) */
	KIND_XLSX,
	KIND_ODS,
	KIND_XLS,         /* Excel 97-2003 (an OLE2 compound file) */
	KIND_ZIP,         /* another zip archive (DOCX, a folder ...) */
	KIND_PDF,
	KIND_GZIP,
};

/*
 * The kind of the file whose first len bytes are buf (as many as the
 * caller has: a zip's member names are looked for in them).
 */
enum content_kind content_kind(const void *buf, size_t len);

/*
 * Reports that name is of kind k, not a roster (CSV) or, !roster, not a
 * record stream, with what to do: "'roster.xlsx': is an Excel workbook
 * (XLSX), not CSV: in Excel, save it as 'CSV UTF-8 (Comma delimited)'".
 * k is not KIND_TEXT.
 */
void content_kind_refuse(const char *name, enum content_kind k,
			 int roster);

#endif
