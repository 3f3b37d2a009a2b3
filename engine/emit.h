/*
 * emit.h: writing a batch's records as the outputs people use: PDF strips
 * and class lists, Excel workbooks, CSV for spreadsheets, and the record
 * stream formats. Shared by the emit stage (records from a pipe) and run
 * (records in memory), so both write the same files the same way.
 */
#ifndef TEMPASS_EMIT_H
#define TEMPASS_EMIT_H

#include <stddef.h>
#include <stdio.h>

#include "core/util.h"
#include "engine/ctx.h"

struct pdf_doc;
struct ldap_previous;

/* Records in memory: rows[i] holds ncols values. emit() sorts rows. */
struct emit_table {
	const char *const *cols;
	size_t ncols;
	const char ***rows;
	size_t nrows;
	int sorted;              /* rows are in [output] sort order already */
	int utf8_checked;        /* every value and column name is known to
				  * be valid UTF-8 (not checked again) */
};

enum emit_kind { EMIT_PDF_STRIPS, EMIT_PDF_CLASSLIST, EMIT_XLSX, EMIT_CSV,
		 EMIT_TSV, EMIT_NDJSON,
		 /* for directories: LDIF for Active Directory, CSVs for
		  * Google's Admin console, GAM and Microsoft Entra */
		 EMIT_AD, EMIT_GOOGLE, EMIT_GAM, EMIT_ENTRA,
		 EMIT_PDF_LETTERS,
		 EMIT_LDIF };      /* LDIF of {ARGON2} hashes for OpenLDAP */

/* Whether kind is one of the PDF layouts. */
int emit_kind_pdf(enum emit_kind kind);

/*
 * Files written in full but not yet given their names: a list of passwords
 * appears only with the batch it lists (run names them after the commit).
 */
struct emit_pending {
	struct atomic_file *files;
	size_t n, cap;
};

struct emit_opts {
	enum emit_kind kind;
	const char *output;      /* a file; a folder with per_group; NULL */
	int force;               /* replace existing files */
	int per_group;           /* one file per group */
	int raw;                 /* CSV: do not neutralise formulas */
	int show;                /* allow passwords on a terminal */
	int quiet;               /* do not print the paths written */
	int to_file;             /* stream formats to out_dir too */
	int to_stdout;           /* a directory's file to stdout ("-o -") */
	/* emit_records(): print records whose password is no longer
	 * current, each marked VOID, rather than refuse them */
	int allow_void;
	int strip_cols, strip_rows;     /* strips' grid; 0: [output] strips */
	struct emit_pending *pending;   /* files wait in it, unnamed */
	/* No progress line: run writes its lists side by side, and one
	 * line each would fight. */
	int no_progress;
	/* A PDF document set up ahead (emit_pdf_prepare()), which the
	 * first PDF written takes and sets to NULL; NULL: none. */
	struct pdf_doc **prepared;
	/* ldif, and ad with [ad] marker: the markers before the batch
	 * (engine/ldap.h), loaded ahead on the thread that owns the store;
	 * NULL: emit() loads them. */
	const struct ldap_previous *previous;
};

/*
 * Whether strips in a grid of cols x rows keep the longest password the
 * policies make at 11 pt or more on the configured paper, with the
 * strip template and the site's words: 0, or -1 after reporting
 * "what: ..." with the densest grid that fits.
 */
int emit_grid_check(struct ctx *ctx, int cols, int rows, const char *what);

/*
 * Parses "pdf" (with layout "strips", "classlist" or "letter"),
 * "pdf-strips", "pdf-classlist", "pdf-letters", "xlsx", "csv", "tsv",
 * "ndjson", "ad", "google", "gam", "entra", "ldif". 0, or -1 (not
 * reported).
 */
int emit_kind_parse(const char *name, const char *layout, enum emit_kind *k);

/*
 * The document of a PDF kind set up with its fonts as pipeline.conf says,
 * for emit_opts.prepared, or NULL when that fails (not reported: emit()
 * sets up again, and reports). Any thread; free with pdf_discard().
 */
struct pdf_doc *emit_pdf_prepare(const struct ctx *ctx, enum emit_kind kind);

/* 1 for a directory's kind (ad, google, gam, entra), else 0. */
int emit_kind_directory(enum emit_kind kind);

/* Loads the library a file of kind needs when it is loaded at run time
 * (libxlsxwriter, libharu). 0, or EX_UNAVAILABLE (reported). */
int emit_load(enum emit_kind kind);

/* Sorts t's rows by [output] sort (stable) and marks t sorted. */
void emit_sort(struct ctx *ctx, struct emit_table *t);

/*
 * Sorts t by the configured columns (unless t->sorted) and writes it as o
 * says: to files
 * (mode 0600, written under a temporary name and renamed when complete;
 * the paths are printed on stdout) or, for the stream formats without an
 * output, to stdout. Returns 0 or a sysexits status (reported).
 */
int emit(struct ctx *ctx, const struct emit_opts *o, struct emit_table *t);

/*
 * Reads a record stream from in (name in messages: "<stdin>", a path),
 * cleans its names as import does, and emit()s it. An AD file of emit's
 * own is read back as records too (username, version, batch, dn,
 * password). Each record is checked against the store, which it opens
 * (ctx_open_existing(): a missing store is EX_NOINPUT, and none is made)
 * for the first record that names a batch version; one query per batch
 * version, and one for the reasons when some are not current: a record
 * whose password is no longer current (voided, expired, claimed, revoked,
 * refused after too many attempts, not of its batch, or without a batch
 * version) is refused, the count and reasons reported, unless
 * o->allow_void: then every record gets a 'state' column ("current" or
 * "VOID: " and the reason) and the void ones are marked VOID on paper.
 * Returns 0 or a sysexits status (reported).
 */
int emit_records(struct ctx *ctx, const struct emit_opts *o, FILE *in,
		 const char *name);

/* Names every file of p, in order, printing each path unless quiet, and
 * ends p. Returns 0 or EX_CANTCREAT (reported; the rest are named). */
int emit_pending_commit(struct emit_pending *p, int quiet);
/* Drops every file of p (none of them appears) and ends p. */
void emit_pending_abort(struct emit_pending *p);

#endif
