/*
 * pdf: printed lists of temporary passwords with libharu: strips to cut and
 * hand out, a class list per group for the teacher, or a letter a pupil. pdf.c and its seam
 * to libharu's structures (pdf_seam.c) are the only files that include
 * hpdf.h; pdf.c the only one that includes qrencode.h (the optional QR
 * code per strip).
 *
 * Text is UTF-8 throughout, drawn with embedded TrueType fonts; a name is
 * split into runs by which font of the fallback chain has each glyph, and a
 * name that no font can draw is reported, never printed as empty boxes.
 * Arabic, Persian, Urdu and Hebrew names print joined and right to left
 * (formats/bidi.h); a name in a script that needs more shaping than that
 * is reported, and printed unshaped.
 * Every page carries the batch version and generation time, so anyone can
 * tell whether a printout is current.
 */
#ifndef TEMPASS_FORMAT_PDF_H
#define TEMPASS_FORMAT_PDF_H

#include <stddef.h>
#include <stdio.h>

struct paper;
struct words;

enum pdf_layout { PDF_STRIPS, PDF_CLASSLIST, PDF_LETTERS };
enum pdf_paper { PDF_A4, PDF_LETTER };
enum pdf_qr { PDF_QR_NONE, PDF_QR_USERNAME, PDF_QR_LOGIN, PDF_QR_URL };

struct sbuf;

struct pdf_options {
	enum pdf_layout layout;
	enum pdf_paper paper;
	/* Strips: a grid of columns x rows strips a page, cut lines on
	 * both axes; 0 = the default, 3 x 8. pdf_grid_fits() says whether
	 * a grid is legible. */
	int columns, rows;
	/* A QR code on each strip: QR_USERNAME holds the username;
	 * QR_LOGIN holds username, a tab, password (what a keyboard-wedge
	 * scanner types into a login form: the tab moves to the password
	 * field; no Enter, so the pupil still confirms); QR_URL holds what
	 * qr_url appends to out for the username: the school's login
	 * address, 0 or -1 after reporting (which fails the document). */
	enum pdf_qr qr;
	int (*qr_url)(void *arg, const char *username, struct sbuf *out);
	void *qr_url_arg;
	/* Letters: appends to out the words under the password box, the
	 * school's template with each placeholder's value from
	 * value(value_ctx, name): the fields of a strip template
	 * (templates/strip.txt) and {{word:KEY}}; 0, or -1 after reporting
	 * (which fails the document); NULL: none. */
	int (*letter_text)(void *arg,
			   const char *(*value)(void *value_ctx,
						const char *name),
			   void *value_ctx, struct sbuf *out);
	void *letter_text_arg;
	const char *site_name;       /* NULL or "": none */
	/* A PNG or JPEG drawn on strips, class-list headers and letters,
	 * kept to its aspect ratio inside a fixed box; NULL or "": none. */
	const char *logo;
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

/* The most columns and rows of strips a page is cut into. */
#define PDF_GRID_MAX_COLS 8
#define PDF_GRID_MAX_ROWS 60

/*
 * Whether a grid of cols x rows strips (opt's paper, QR code, template
 * and words) prints a password of longest characters at 11 pt or more,
 * the least that stays legible: 0, or -1. *size is the size it prints at;
 * *best_cols x *best_rows the densest grid that fits (0 x 0: none). By
 * the widths of DejaVu Sans Mono and a bound on a proportional font's
 * letters: no font is read.
 */
int pdf_grid_fits(const struct pdf_options *opt, int cols, int rows,
		  size_t longest, float *size, int *best_cols, int *best_rows);

enum pdf_image { PDF_IMAGE_PNG, PDF_IMAGE_JPEG };

/*
 * What kind of image the file at path is, by its first bytes: a logo is
 * checked with the rest of the configuration, before any list is made.
 * Returns the kind, or -1 after reporting "logo 'path': why" (cannot be
 * read, or neither PNG nor JPEG).
 */
int pdf_image_kind(const char *path);

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
 * (atomic_open). Warnings (a character no font can draw, printed as '?';
 * a script printed unshaped) are reported with warnf(), naming the person,
 * and do not fail the call.
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
