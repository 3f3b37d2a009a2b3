/*
 * pdf: printed lists of temporary passwords with libharu: strips to cut and
 * hand out, or a class list per group for the teacher. pdf.c and its seam
 * to libharu's structures (pdf_seam.c) are the only files that include
 * hpdf.h; pdf.c the only one that includes qrencode.h (the optional QR
 * code per strip).
 *
 * Text is UTF-8 throughout, drawn with embedded TrueType fonts; a name is
 * split into runs by which font of the fallback chain has each glyph, and a
 * name that no font can draw is reported, never printed as empty boxes.
 * Every page carries the batch version and generation time, so anyone can
 * tell whether a printout is current.
 */
#ifndef TEMPASS_FORMAT_PDF_H
#define TEMPASS_FORMAT_PDF_H

#include <stddef.h>
#include <stdio.h>

struct paper;
struct words;

enum pdf_layout { PDF_STRIPS, PDF_CLASSLIST };
enum pdf_paper { PDF_A4, PDF_LETTER };
enum pdf_qr { PDF_QR_NONE, PDF_QR_USERNAME, PDF_QR_LOGIN };

struct pdf_options {
	enum pdf_layout layout;
	enum pdf_paper paper;
	/* Strips layout; 0 = default (8). At most 17 on A4, 16 on Letter:
	 * below half size a strip is no longer legible. */
	int strips_per_page;
	/* A QR code on each strip: QR_USERNAME holds the username;
	 * QR_LOGIN holds username, a tab, password (what a keyboard-wedge
	 * scanner types into a login form: the tab moves to the password
	 * field; no Enter, so the pupil still confirms). */
	enum pdf_qr qr;
	const char *site_name;       /* NULL or "": none */
	/* Every word printed, in the site's language (core/words);
	 * NULL: English as built in. */
	const struct words *words;
	/* What a strip says (core/paper, templates/strip.txt); NULL: the
	 * strip tempass ships. */
	const struct paper *strip;
	/* Fallback chain of TrueType fonts for text, first preferred; a
	 * .ttc collection is named "path.ttc#index" (default index 0).
	 * nfonts 0: DejaVu Sans, then WenQuanYi Micro Hei (CJK). */
	const char *const *fonts;
	size_t nfonts;
	/* The password font (monospace), the text chain behind it;
	 * NULL or "": DejaVu Sans Mono. */
	const char *mono_font;
	/* Called on the writing thread after each page is laid out, for a
	 * progress line; NULL: not called. */
	void (*on_page)(void *arg);
	void *on_page_arg;
};

/* One person on the list; every string UTF-8, "" (or NULL) when unknown. */
struct pdf_entry {
	const char *forename;
	const char *surname;
	const char *username;
	const char *password;
	const char *group;           /* their class, else the group that
					selected them */
	const char *selected;        /* the group that selected them */
	const char *born_day;        /* "14": day of the month only */
	const char *expires;         /* "2026-10-01T08:14:00Z" */
	const char *version;         /* batch version, "7" */
	const char *generated_at;    /* "2026-09-03T08:14:00Z" */
	/* NULL or "" for a current password; else why it is not ("voided
	 * by batch v6"): the strip or row is marked VOID across. */
	const char *void_reason;
};

/* The most strips a page of paper holds: below half size a strip is no
 * longer legible. */
int pdf_strips_max(enum pdf_paper paper);

/*
 * Loads libharu, which tempass is not linked with: only a process that
 * writes a PDF pays for it. 0, or -1 after reporting the soname and its
 * Debian package. Needed before any other call here; safe to call again.
 */
int pdf_load(void);

/*
 * Writes the entries, in the order given (the caller sorts; strips and a
 * classlist start a new section, on a new page, whenever group changes,
 * and count each section's pages apart: "page X of Y"), as one PDF
 * document to out, which is flushed, not closed. Returns 0, or -1 after
 * reporting (invalid UTF-8, a born_day that is no day of a month, a date
 * that does not parse, a font that cannot be read, a libharu or write
 * error); out may then hold part of a file, so write to a temporary file
 * (atomic_open). Warnings (a character no font can draw, printed as '?')
 * are reported with warnf(), naming the person, and do not fail the call.
 * No entries: one page saying that nobody is on the list.
 */
int pdf_write(FILE *out, const struct pdf_options *opt,
	      const struct pdf_entry *entries, size_t n);

/*
 * A document set up before its entries are known: loading each TrueType
 * font for Unicode text is libharu's largest fixed cost, which run pays on
 * a core its import leaves idle. pdf_prepare()
 * returns NULL when it cannot set up, and reports nothing: pdf_write()
 * then sets up again, and reports. A document is used by one thread at a
 * time.
 */
struct pdf_doc;
struct pdf_doc *pdf_prepare(const struct pdf_options *opt);
void pdf_discard(struct pdf_doc *d);
/* pdf_write() with d (NULL: none), which it takes; d must come from
 * pdf_prepare() with the same options but for site_name. */
int pdf_write_prepared(struct pdf_doc *d, FILE *out,
		       const struct pdf_options *opt,
		       const struct pdf_entry *entries, size_t n);

#endif
