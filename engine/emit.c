/*
 * emit: turns a batch's records into what people hold and open: PDF strips
 * to cut and hand out, a class list per group, an Excel workbook, CSV that
 * is safe to open in a spreadsheet, or the record stream formats. Files
 * that hold passwords are created 0600 under a temporary name and renamed
 * only when complete, and never replace a file unless --force.
 */
#include "engine/emit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/collate.h"
#include "core/hmap.h"
#include "core/name.h"
#include "core/template.h"
#include "core/policy.h"
#include "core/translit.h"
#include "core/tty.h"
#include "core/template.h"
#include "core/util.h"
#include "core/workers.h"
#include "engine/credential.h"
#include "engine/ldap.h"
#include "formats/csv.h"
#include "formats/directory.h"
#include "formats/pdf.h"
#include "formats/records.h"
#include "formats/xlsx.h"

/* ==== Sorting ==== */

struct keyed {
	const char **row;
	size_t pos;               /* the row's place in the table */
	const char *key;          /* in collate_key() form */
	size_t len;
};

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);

	if (c == 0)
		c = (a->len > b->len) - (a->len < b->len);
	/* Stable for equal keys: the input order decides (not where the
	 * rows lie in memory, which differs from one run to the next). */
	if (c == 0)
		c = a->pos < b->pos ? -1 : a->pos > b->pos;
	return c;
}

static long column(const struct emit_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (long)i;
	return -1;
}

/*
 * The column lists print and split by: the user's class, else the group
 * that selected them (records written before classes, or a stream
 * without them).
 */
static long list_column(const struct emit_table *t)
{
	long c = column(t, "class");

	return c >= 0 ? c : column(t, "group");
}

/*
 * Keys every row of t by the columns idx, into k (the keys in arena).
 * Returns 1 when the rows are in order already, as select's and then
 * regenerate's are under the default sort when the groups are named in
 * order: found on the way, at one comparison a row.
 */
static int key_rows(const struct emit_table *t, const long *idx, size_t nidx,
		    struct keyed *k, struct arena *arena)
{
	struct sbuf key = SBUF_INIT;
	/* Where each column's key lies in the previous row's key. */
	size_t at[16], len[16];
	int in_order = 1;

	for (size_t r = 0; r < t->nrows; r++) {
		const char *const *row = (const char *const *)t->rows[r];
		const char *const *prev = r ? (const char *const *)
					  t->rows[r - 1] : NULL;

		sbuf_reset(&key);
		for (size_t i = 0; i < nidx; i++) {
			const char *v = row[idx[i]];
			size_t start = key.len;

			/* A value equal to the previous row's has its key:
			 * rows come in runs of one class. */
			if (prev && strcmp(v, prev[idx[i]]) == 0)
				sbuf_add(&key, k[r - 1].key + at[i], len[i]);
			else
				collate_key(&key, v);
			at[i] = start;
			len[i] = key.len - start;
			sbuf_addch(&key, '\x01');
		}
		k[r].row = (const char **)row;
		k[r].pos = r;
		k[r].key = arena_strndup(arena, key.buf, key.len);
		k[r].len = key.len;
		if (in_order && r && keyed_cmp(&k[r - 1], &k[r]) > 0)
			in_order = 0;
	}
	sbuf_release(&key);
	return in_order;
}

/* A run of keyed rows, sorted in place. */
struct half {
	struct keyed *k;
	size_t n;
};

static void *sort_half(void *arg)
{
	struct half *h = arg;

	qsort(h->k, h->n, sizeof(*h->k), keyed_cmp);
	return NULL;
}

/*
 * Sorts by the comma-separated columns of spec that the table has. Each
 * row is keyed once, on this thread. A table found in order is left as
 * it is: no sort and no thread, for once a second thread has run,
 * glibc's malloc takes its locks on every call for the rest of the
 * process, and libxlsxwriter allocates for every cell it writes.
 * Otherwise a large table is sorted in two halves on two cores, then
 * merged: keyed_cmp() is a total order, so the result is the one a
 * single sort gives.
 */
static void sort_rows(struct emit_table *t, const char *spec)
{
	struct half h[2] = { { 0 }, { 0 } };
	struct arena arena = ARENA_INIT;
	struct keyed *k;
	long idx[16];
	size_t nidx = 0, nh = 1, i, j, r;
	char *copy = xstrdup(spec), *save = NULL;
	const char ***out = (const char ***)t->rows;
	struct worker w;

	for (char *tok = strtok_r(copy, ",", &save); tok && nidx < 16;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (char *e = tok + strlen(tok); e > tok && e[-1] == ' ';)
			*--e = '\0';
		/* "group" is the list's group: the class, when known. */
		long c = strcmp(tok, "group") == 0 || strcmp(tok, "class") == 0 ?
			 list_column(t) : column(t, tok);

		if (c >= 0)
			idx[nidx++] = c;
	}
	free(copy);
	if (nidx == 0 || t->nrows < 2)
		return;
	k = xcalloc(t->nrows, sizeof(*k));
	if (key_rows(t, idx, nidx, k, &arena))
		goto out;
	if (workers_for(t->nrows) > 1)
		nh = 2;
	for (i = 0; i < nh; i++)
		h[i] = (struct half){
			.k = k + t->nrows * i / nh,
			.n = t->nrows * (i + 1) / nh - t->nrows * i / nh,
		};
	if (nh == 2)
		worker_start(&w, sort_half, &h[1]);
	sort_half(&h[0]);
	if (nh == 2)
		worker_join(&w);
	/* Merged back into the table's own array. */
	for (i = j = r = 0; r < t->nrows; r++) {
		if (j == h[1].n || (i < h[0].n &&
				    keyed_cmp(&h[0].k[i], &h[1].k[j]) < 0))
			out[r] = h[0].k[i++].row;
		else
			out[r] = h[1].k[j++].row;
	}
out:
	arena_release(&arena);
	free(k);
}

/*
 * A user with no class is listed under the group that selected them; then,
 * once sorted, every run of rows whose list group has one key ("7A", "7a",
 * "7/A") takes the first row's spelling, so that the strips, the class
 * list's sections, the sheets and the per-group files split where the sort
 * put them together: one key, one list.
 */
static void list_groups(struct emit_table *t, int sorted)
{
	long c = column(t, "class"), g = column(t, "group");
	struct sbuf key = SBUF_INIT, prev = SBUF_INIT;
	const char *label = NULL;

	if (!sorted) {
		if (c >= 0 && g >= 0)
			for (size_t r = 0; r < t->nrows; r++)
				if (!*t->rows[r][c])
					t->rows[r][c] = t->rows[r][g];
		return;
	}
	if ((c = list_column(t)) < 0)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		/* A run of one spelling has one key: it is keyed once. */
		if (label && strcmp(t->rows[r][c], label) == 0)
			continue;
		sbuf_reset(&key);
		collate_key(&key, t->rows[r][c]);
		if (label && key.len == prev.len &&
		    memcmp(key.buf, prev.buf, key.len) == 0) {
			t->rows[r][c] = label;
			continue;
		}
		label = t->rows[r][c];
		sbuf_reset(&prev);
		sbuf_add(&prev, key.buf ? key.buf : "", key.len);
	}
	sbuf_release(&key);
	sbuf_release(&prev);
}

void emit_sort(struct ctx *ctx, struct emit_table *t)
{
	list_groups(t, 0);
	sort_rows(t, ctx->cfg->sort);
	list_groups(t, 1);
	t->sorted = 1;
}

/* ==== File names ==== */

/*
 * A file name leaves room under NAME_MAX for what atomic_open() may add
 * for a moment (".tmp.PID") and for the "-N" that tells apart two groups
 * whose safe names are the same.
 */
#define NAME_ROOM (NAME_MAX - 16)
#define TWIN_ROOM 11

/*
 * A file-name-safe form of a group name, of at most max bytes (at least
 * 1): its words transliterated to lower-case letters and digits, joined by
 * '-' ("Year 7" -> "year-7"), so no '/', '..', space or control can reach
 * a path; cut at a character's boundary, without a trailing '-'.
 */
static char *safe_name(const char *group, size_t max)
{
	struct sbuf sb = SBUF_INIT;
	const char *p = group;

	while (*p && sb.len < max) {
		size_t n = strcspn(p, " \t/\\-_.");
		char *word = xstrndup(p, n);
		size_t before = sb.len;

		if (before)
			sbuf_addch(&sb, '-');
		if (translit_ascii(&sb, word) == 0) {
			sb.len = before;
			sb.buf[before] = '\0';
		}
		free(word);
		p += n;
		if (*p)
			p++;
	}
	if (sb.len > max) {
		sb.len = max;
		while (sb.len && ((unsigned char)sb.buf[sb.len] & 0xC0) == 0x80)
			sb.len--;
		while (sb.len && sb.buf[sb.len - 1] == '-')
			sb.len--;
		sb.buf[sb.len] = '\0';
	}
	if (!sb.len)
		sbuf_addstr(&sb, "group");
	return sbuf_detach(&sb);
}

static const char *extension(enum emit_kind k)
{
	static const char *const ext[] = { "pdf", "pdf", "xlsx", "csv", "tsv",
					   "ndjson", "ldif", "csv", "csv",
					   "csv", "pdf", "ldif" };

	return ext[k];
}

static const char *layout_suffix(enum emit_kind k)
{
	static const char *const suffix[] = { "-strips", "-classlist", "", "",
					      "", "", "-ad", "-google",
					      "-gam", "-entra", "-letters",
					      "" };

	return suffix[k];
}

/*
 * out_dir/SITE-vVERSION[-GROUP][-LAYOUT][-TWIN].EXT (in -o's folder with
 * --per-group), the group's part cut so that the name fits NAME_ROOM with
 * TWIN_ROOM to spare; TWIN only when twin > 1. NULL (reported) when the
 * site code and version leave no room.
 */
static char *default_path(struct ctx *ctx, const struct emit_opts *o,
			  const char *version, const char *group, int twin)
{
	const char *layout = layout_suffix(o->kind);
	const char *dir = o->output && o->per_group ? o->output :
			  ctx->cfg->out_dir;
	size_t fixed = strlen(ctx->site->code) + 2 + strlen(version) + 1 +
		       strlen(layout) + 1 + strlen(extension(o->kind)) +
		       TWIN_ROOM;
	char *safe, *path, twins[TWIN_ROOM + 1] = "";

	if (fixed >= NAME_ROOM) {
		errorf("site code '%s' and version %s leave no room for a "
		       "file name", ctx->site->code, version);
		return NULL;
	}
	safe = group ? safe_name(group, NAME_ROOM - fixed) : NULL;
	if (twin > 1)
		snprintf(twins, sizeof(twins), "-%d", twin);
	path = xasprintf("%s/%s-v%s%s%s%s%s.%s", dir, ctx->site->code,
			 version, safe ? "-" : "", safe ? safe : "", layout,
			 twins, extension(o->kind));
	free(safe);
	return path;
}

/* ==== Writers ==== */

/* How the 'state' column of --allow-void starts on a void record. */
#define VOID_MARK "VOID: "

static const char *value(const char **row, long col)
{
	return col >= 0 ? row[col] : "";
}

/* 0 when t has every column of need, else -1 (reported). */
static int need_columns(const struct emit_table *t, const char *const *need,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (column(t, need[i]) < 0) {
			char *found = rec_header_found(t->cols, t->ncols);

			errorf("the records have no '%s' column: emit reads "
			       "what regenerate writes; %s", need[i], found);
			free(found);
			return -1;
		}
	}
	return 0;
}

/* A page of a PDF laid out: one step of its progress line. */
static void page_done(void *arg)
{
	progress_step(arg, 1);
}

/* Appends v with every byte but RFC 3986's unreserved ones as %XX. */
static void add_percent_encoded(struct sbuf *out, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			sbuf_addch(out, (char)*p);
		} else {
			sbuf_addch(out, '%');
			sbuf_addch(out, hex[*p >> 4]);
			sbuf_addch(out, hex[*p & 15]);
		}
	}
}

/* The QR code's [output] login_url for username, each value
 * percent-encoded so it stays one part of the address. */
static int login_url(void *arg, const char *username, struct sbuf *out)
{
	const struct ctx *ctx = arg;
	struct sbuf user = SBUF_INIT, site = SBUF_INIT;
	int rc;

	add_percent_encoded(&user, username);
	add_percent_encoded(&site, ctx->site->code);
	struct template_var vars[] = {
		{ "username", sbuf_str(&user) }, { "site", sbuf_str(&site) },
		{ NULL, NULL },
	};
	rc = template_render(ctx->cfg->login_url, TEMPLATE_TEXT,
			     template_vars, vars, out);
	sbuf_release(&user);
	sbuf_release(&site);
	return rc;
}

/* A letter's words: [output] letter_template, a line at a time, with
 * the values the PDF writer gives. */
static int letter_text(void *arg,
		       const char *(*value)(void *value_ctx, const char *name),
		       void *value_ctx, struct sbuf *out)
{
	const struct ctx *ctx = arg;

	for (size_t i = 0; i < ctx->cfg->nletter; i++) {
		if (template_render(ctx->cfg->letter[i], TEMPLATE_TEXT, value,
				    value_ctx, out))
			return -1;
		sbuf_addch(out, '\n');
	}
	return 0;
}

/* The PDF options of pipeline.conf [pdf] for a kind, but site_name. */
static struct pdf_options pdf_opts(const struct ctx *ctx, enum emit_kind kind)
{
	const struct config *c = ctx->cfg;

	return (struct pdf_options){
		.layout = kind == EMIT_PDF_CLASSLIST ? PDF_CLASSLIST :
			  kind == EMIT_PDF_LETTERS ? PDF_LETTERS : PDF_STRIPS,
		.paper = strcmp(c->paper, "letter") == 0 ? PDF_LETTER : PDF_A4,
		.columns = c->strip_cols,
		.rows = c->strip_rows,
		.qr = strcmp(c->qr, "login") == 0 ? PDF_QR_LOGIN :
		      strcmp(c->qr, "username") == 0 ? PDF_QR_USERNAME :
		      strcmp(c->qr, "url") == 0 ? PDF_QR_URL : PDF_QR_NONE,
		.logo = c->logo,
		.qr_url = login_url,
		.qr_url_arg = (void *)ctx,
		.letter_text = c->letter ? letter_text : NULL,
		.letter_text_arg = (void *)ctx,
		.fonts = (const char *const *)c->pdf_fonts,
		.nfonts = c->npdf_fonts,
		.mono_font = c->pdf_mono_font,
		.words = ctx->site->words,
		.strip = c->strip,
	};
}

/* The longest password any policy makes: the configured ones and the
 * defaults of the types that have none. */
static size_t longest_password(const struct ctx *ctx)
{
	static const char *const types[] = { "student", "staff", "other" };
	const struct config *c = ctx->cfg;
	size_t longest = 0;

	for (size_t i = 0; i < c->npolicies; i++) {
		size_t n = policy_max_length(&c->policies[i], ctx->wordlists);

		if (n > longest)
			longest = n;
	}
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct policy p;
		size_t n;

		policy_init(&p, types[i]);
		n = policy_max_length(&p, ctx->wordlists);
		policy_release(&p);
		if (n > longest)
			longest = n;
	}
	return longest;
}

int emit_grid_check(struct ctx *ctx, int cols, int rows, const char *what)
{
	struct pdf_options opt = pdf_opts(ctx, EMIT_PDF_STRIPS);
	size_t longest = longest_password(ctx);
	int bc, br;
	float size;

	if (cols > PDF_GRID_MAX_COLS || rows > PDF_GRID_MAX_ROWS) {
		errorf("%s %dx%d: at most %dx%d", what, cols, rows,
		       PDF_GRID_MAX_COLS, PDF_GRID_MAX_ROWS);
		return -1;
	}
	/* A policy may allow passwords no grid keeps at 11 pt (up to 159
	 * characters): they shrink to fit their strip, and only a grid
	 * denser than one that fits is refused. */
	if (pdf_grid_fits(&opt, cols, rows, longest, &size, &bc, &br) == 0 ||
	    !bc)
		return 0;
	errorf("%s %dx%d: the longest password the policies make (%zu "
	       "characters) would print at %.1f pt, below the 11 pt that "
	       "stays legible; the densest grid that fits on %s paper is "
	       "%dx%d", what, cols, rows, longest, (double)size,
	       ctx->cfg->paper, bc, br);
	return -1;
}

struct pdf_doc *emit_pdf_prepare(const struct ctx *ctx, enum emit_kind kind)
{
	struct pdf_options opt = pdf_opts(ctx, kind);

	ASSERT(emit_kind_pdf(kind));
	return pdf_prepare(&opt);
}

static int write_pdf(struct ctx *ctx, const struct emit_opts *o,
		     const struct emit_table *t, size_t from, size_t to,
		     FILE *fp)
{
	static const char *const need[] = { "username", "password",
					    "forename", "surname" };
	long col[9];
	static const char *const names[] = {
		"forename", "surname", "username", "password", "",
		"born_day", "expires", "version", "generated_at",
	};
	struct pdf_entry *e;
	struct pdf_options opt = pdf_opts(ctx, o->kind);
	struct pdf_doc *doc = NULL;
	struct progress progress;
	long site = column(t, "site");
	long selected = column(t, "group");
	long state = o->allow_void ? column(t, "state") : -1;
	int rc;

	if (need_columns(t, need, ARRAY_SIZE(need)) != 0)
		return EX_DATAERR;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		col[i] = column(t, names[i]);
	col[4] = list_column(t);
	opt.site_name = site >= 0 && t->nrows ? t->rows[from][site] :
			ctx->site->name;
	if (o->strip_cols) {
		opt.columns = o->strip_cols;
		opt.rows = o->strip_rows;
	}
	e = xcalloc(to - from + 1, sizeof(*e));
	for (size_t r = from; r < to; r++) {
		const char **row = t->rows[r];
		struct pdf_entry *p = &e[r - from];

		p->forename = value(row, col[0]);
		p->surname = value(row, col[1]);
		p->username = value(row, col[2]);
		p->password = value(row, col[3]);
		p->group = value(row, col[4]);
		p->selected = value(row, selected);
		p->born_day = value(row, col[5]);
		p->expires = value(row, col[6]);
		p->version = value(row, col[7]);
		p->generated_at = value(row, col[8]);
		if (state >= 0 && strncmp(row[state], VOID_MARK,
					  strlen(VOID_MARK)) == 0)
			p->void_reason = row[state] + strlen(VOID_MARK);
	}
	/* A document set up ahead serves the first file only. */
	if (o->prepared) {
		doc = *o->prepared;
		*o->prepared = NULL;
	}
	progress_start(&progress, "PDF pages", 0);
	if (!o->no_progress) {
		opt.on_page = page_done;
		opt.on_page_arg = &progress;
	}
	rc = pdf_write_prepared(doc, fp, &opt, e, to - from) == 0 ? 0 :
	     EX_CANTCREAT;
	progress_end(&progress);
	free(e);
	return rc;
}

/* LDIF for ldapmodify, with the markers of the batch before. */
static int write_ldif(struct ctx *ctx, const struct emit_opts *o,
		      const struct emit_table *t, size_t from, size_t to,
		      FILE *fp)
{
	struct ldap_previous own = LDAP_PREVIOUS_INIT;
	long v = column(t, "version");
	int rc = 0;

	if (!o->previous && v >= 0 && to > from)
		rc = ldap_previous_load(ctx, strtoll(t->rows[from][v], NULL,
						     10), &own);
	if (rc == 0)
		rc = ldap_write(ctx, o->previous ? o->previous : &own, t,
				from, to, fp);
	ldap_previous_release(&own);
	return rc;
}

static int write_text(struct ctx *ctx, const struct emit_opts *o,
		      const struct emit_table *t, size_t from, size_t to,
		      FILE *fp)
{
	if (o->kind == EMIT_LDIF)
		return write_ldif(ctx, o, t, from, to, fp);
	if (o->kind == EMIT_CSV) {
		int failed = csv_write_row(fp, t->cols, t->ncols, !o->raw);

		for (size_t r = from; r < to && !failed; r++)
			failed = csv_write_row(fp, t->rows[r], t->ncols,
					       !o->raw);
		if (failed) {
			util_write_failed(errno);
			errorf("cannot write CSV: %m");
		}
		return failed ? EX_IOERR : 0;
	}
	struct rec_writer *w = rec_writer_new(fp, o->kind == EMIT_TSV ?
					      REC_TSV : REC_NDJSON, t->cols,
					      t->ncols);
	int rc = 0;

	for (size_t r = from; r < to && rc == 0; r++)
		rc = rec_write(w, t->rows[r]);
	if (rec_writer_close(w) != 0 || rc)
		return EX_IOERR;
	return 0;
}

/*
 * The workbook's columns with 'state' added after 'password' (at the end
 * when there is none), unless they have it: *n names, the caller frees
 * the array.
 */
static const char **state_columns(const char *const *cols, size_t *n)
{
	const char **out = xcalloc(*n + 1, sizeof(*out));
	size_t k = 0, at = *n;

	for (size_t i = 0; i < *n; i++) {
		if (strcmp(cols[i], "state") == 0)
			at = SIZE_MAX;
		else if (strcmp(cols[i], "password") == 0 && at != SIZE_MAX)
			at = i + 1;
	}
	if (at == SIZE_MAX) {
		memcpy(out, cols, *n * sizeof(*out));
		return out;
	}
	for (size_t i = 0; i <= *n; i++)
		out[i] = i == at ? "state" : cols[k++];
	++*n;
	return out;
}

/* ==== Directories ==== */

int emit_kind_directory(enum emit_kind kind)
{
	return kind == EMIT_AD || kind == EMIT_GOOGLE || kind == EMIT_GAM ||
	       kind == EMIT_ENTRA;
}

/* A template_lookup_fn over a row: its value of the named column. */
struct row_vars {
	const struct emit_table *t;
	const char **row;
};

static const char *row_var(void *arg, const char *name)
{
	struct row_vars *rv = arg;
	long c = column(rv->t, name);

	return c >= 0 ? rv->row[c] : NULL;
}

/*
 * The template of pipeline.conf [section] key (text), every placeholder
 * checked against t's columns. NULL after reporting.
 */
static struct template *row_template(const struct emit_table *t,
				     const char *text, const char *where)
{
	struct template *tp = template_parse(where, 1, text, strlen(text),
					     NULL, TEMPLATE_ONE_LINE);
	const char *const *names;
	size_t n;

	if (!tp)
		return NULL;
	names = template_names(tp, &n);
	for (size_t i = 0; i < n; i++) {
		if (column(t, names[i]) < 0) {
			char *found = rec_header_found(t->cols, t->ncols);

			errorf("'%s': '{{%s}}' is not a column of the "
			       "records; %s", where, names[i], found);
			free(found);
			template_free(tp);
			return NULL;
		}
	}
	return tp;
}

/*
 * Rows [from, to) as the directory file of o->kind: the DN, address or
 * principal name of each made from pipeline.conf ([ad] dn, [google]
 * email, else the user's verified address, [entra] upn). A record that
 * cannot be named is refused, with its user, and nothing is written.
 */
static int write_directory(struct ctx *ctx, const struct emit_opts *o,
			   const struct emit_table *t, size_t from,
			   size_t to, FILE *fp)
{
	static const char *const need[] = { "username", "password",
					    "version" };
	const struct config *c = ctx->cfg;
	const char *id_text = o->kind == EMIT_AD ? c->ad_dn :
			      o->kind == EMIT_ENTRA ? c->entra_upn :
			      c->google_email;
	const char *where = o->kind == EMIT_AD ? "[ad] dn" :
			    o->kind == EMIT_ENTRA ? "[entra] upn" :
			    "[google] email";
	struct template *id = NULL, *ou = NULL;
	struct dir_entry *e = NULL;
	struct arena arena = ARENA_INIT;
	struct sbuf sb = SBUF_INIT;
	long ucol = column(t, "username"), pcol = column(t, "password");
	long ecol = column(t, "email"), vcol = column(t, "email_verified");
	long bcol = column(t, "batch");
	struct dir_batch b = { .site = ctx->site->name, .version = "",
			       .batch = "", .generated_at = "" };
	struct ldap_previous own = LDAP_PREVIOUS_INIT;
	const struct ldap_previous *prev = o->previous ? o->previous : &own;
	int rc = EX_DATAERR;

	if (need_columns(t, need, ARRAY_SIZE(need)) != 0)
		return EX_DATAERR;
	if (!id_text && o->kind != EMIT_GOOGLE && o->kind != EMIT_GAM) {
		errorf("'%s': %s is not set: the template of each user's %s "
		       "(README: Putting passwords into your directory)",
		       c->path, where, o->kind == EMIT_AD ? "DN" :
		       "user principal name");
		return EX_CONFIG;
	}
	if (id_text && !(id = row_template(t, id_text, where)))
		return EX_CONFIG;
	if (o->kind == EMIT_GOOGLE && c->google_org_unit &&
	    !(ou = row_template(t, c->google_org_unit, "[google] org_unit"))) {
		rc = EX_CONFIG;
		goto out;
	}
	if (to > from) {
		long site = column(t, "site"), g = column(t, "generated_at");

		if (site >= 0)
			b.site = t->rows[from][site];
		b.version = t->rows[from][column(t, "version")];
		b.batch = bcol >= 0 ? t->rows[from][bcol] : "";
		b.generated_at = g >= 0 ? t->rows[from][g] : "";
	}
	/* The same marker as emit ldif's, moved from the user's previous
	 * batch to this one in the modify that sets the password. */
	if (o->kind == EMIT_AD && c->ad_marker) {
		b.marker = c->ad_marker;
		if (!o->previous && to > from &&
		    (rc = ldap_previous_load(ctx, strtoll(b.version, NULL, 10),
					     &own)) != 0)
			goto out;
		rc = EX_DATAERR;
	} else if (o->kind == EMIT_AD) {
		warnf("'%s': [ad] marker is not set: an older batch's file "
		      "can still put back a void password (README: Putting "
		      "passwords into your directory)", c->path);
	}
	e = xcalloc(to - from + 1, sizeof(*e));
	for (size_t r = from; r < to; r++) {
		const char **row = t->rows[r];
		struct dir_entry *d = &e[r - from];
		struct row_vars rv = { t, row };

		d->username = row[ucol];
		d->password = row[pcol];
		d->forename = value(row, column(t, "forename"));
		d->surname = value(row, column(t, "surname"));
		d->org_unit = "/";
		if (b.marker) {
			long long v = strtoll(row[column(t, "version")], NULL,
					      10), before;
			char *m;

			before = (long long)(intptr_t)hmap_get(&prev->map,
							       row[ucol]);
			if (before) {
				m = ldap_marker(ctx->site->code, before,
						row[ucol]);
				d->marker_old = arena_strdup(&arena, m);
				free(m);
			}
			m = ldap_marker(ctx->site->code, v, row[ucol]);
			d->marker_new = arena_strdup(&arena, m);
			free(m);
		}
		sbuf_reset(&sb);
		if (id) {
			if (template_render(id, o->kind == EMIT_AD ?
					    TEMPLATE_DN : TEMPLATE_TEXT,
					    row_var, &rv, &sb) != 0)
				goto out;
			d->id = arena_strdup(&arena, sbuf_str(&sb));
		} else if (ecol >= 0 && vcol >= 0 && *row[ecol] &&
			   strcmp(row[vcol], "yes") == 0) {
			d->id = row[ecol];
		} else {
			errorf("'%s' has no verified email address and "
			       "[google] email is not set; nothing written",
			       row[ucol]);
			goto out;
		}
		if (!*d->id) {
			errorf("%s makes nothing for '%s'; nothing written",
			       where, row[ucol]);
			goto out;
		}
		if (ou) {
			sbuf_reset(&sb);
			if (template_render(ou, TEMPLATE_TEXT, row_var, &rv,
					    &sb) != 0)
				goto out;
			d->org_unit = arena_strdup(&arena, sbuf_str(&sb));
		}
	}
	rc = 0;
	if (dir_write(fp, o->kind == EMIT_AD ? DIR_AD :
		      o->kind == EMIT_GOOGLE ? DIR_GOOGLE :
		      o->kind == EMIT_GAM ? DIR_GAM : DIR_ENTRA,
		      &b, e, to - from) != 0) {
		util_write_failed(errno);
		errorf("cannot write: %m");
		rc = EX_IOERR;
	}
out:
	free(e);
	sbuf_release(&sb);
	arena_release(&arena);
	ldap_previous_release(&own);
	template_free(id);
	template_free(ou);
	return rc;
}

/* Writes rows [from, to) to path (a file that holds passwords). */
static int write_file(struct ctx *ctx, const struct emit_opts *o,
		      const struct emit_table *t, size_t from, size_t to,
		      const char *path)
{
	struct atomic_file af;
	int rc;

	if (atomic_open(&af, path, o->force) != 0)
		return output_status();
	if (emit_kind_pdf(o->kind)) {
		rc = write_pdf(ctx, o, t, from, to, af.fp);
	} else if (o->kind == EMIT_XLSX) {
		struct xlsx_options xo = {
			.site_name = ctx->site->name,
			.name = path,
			.columns = ctx->cfg->xlsx_all ? NULL :
				   (const char *const *)ctx->cfg->xlsx_columns,
			.ncolumns = ctx->cfg->nxlsx_columns,
			.utf8_checked = t->utf8_checked,
		};
		const char **with_state = NULL;
		long v = column(t, "version"), g = column(t, "generated_at");
		long site = column(t, "site");

		if (site >= 0 && to > from)
			xo.site_name = t->rows[from][site];
		xo.version = v >= 0 && to > from ? t->rows[from][v] : "";
		xo.generated_at = g >= 0 && to > from ? t->rows[from][g] : "";
		/* A workbook of void records shows their state beside the
		 * password, whatever columns it is given. */
		if (o->allow_void && xo.columns) {
			with_state = state_columns(xo.columns, &xo.ncolumns);
			xo.columns = with_state;
		}
		/* Written by name: the temporary one. */
		rc = xlsx_write(af.tmp, &xo, t->cols, t->ncols,
				(const char *const *const *)t->rows + from,
				to - from, list_column(t),
				column(t, "password")) == 0 ? 0 :
		     EX_CANTCREAT;
		free(with_state);
	} else if (emit_kind_directory(o->kind)) {
		rc = write_directory(ctx, o, t, from, to, af.fp);
	} else {
		rc = write_text(ctx, o, t, from, to, af.fp);
	}
	if (rc) {
		atomic_abort(&af);
		errorf("'%s' not written", path);
		/* A file that cannot be written is output not created,
		 * unless the disk failed it (full: as for the store). */
		return rc == EX_IOERR || rc == EX_CANTCREAT ?
		       output_status() : rc;
	}
	if (o->pending) {
		struct emit_pending *p = o->pending;

		/* Written to disk here, beside the other lists: naming it
		 * later is then all that is left. */
		if (atomic_sync(&af) != 0) {
			atomic_abort(&af);
			return output_status();
		}

		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 8;
			p->files = xrealloc(p->files,
					    p->cap * sizeof(*p->files));
		}
		p->files[p->n++] = af;
		return 0;
	}
	if (atomic_commit(&af) != 0)
		return output_status();
	if (!o->quiet)
		printf("%s\n", path);
	return 0;
}

int emit_pending_commit(struct emit_pending *p, int quiet)
{
	int rc = 0;

	for (size_t i = 0; i < p->n; i++) {
		char *path = xstrdup(p->files[i].path);

		if (atomic_commit(&p->files[i]) != 0)
			rc = output_status();
		else if (!quiet)
			printf("%s\n", path);
		free(path);
	}
	p->n = 0;
	emit_pending_abort(p);
	return rc;
}

void emit_pending_abort(struct emit_pending *p)
{
	for (size_t i = 0; i < p->n; i++)
		atomic_abort(&p->files[i]);
	p->n = 0;
	free(p->files);
	p->files = NULL;
	p->cap = 0;
}

int emit_kind_pdf(enum emit_kind kind)
{
	return kind == EMIT_PDF_STRIPS || kind == EMIT_PDF_CLASSLIST ||
	       kind == EMIT_PDF_LETTERS;
}

int emit_kind_parse(const char *name, const char *layout, enum emit_kind *k)
{
	static const struct {
		const char *name;
		enum emit_kind kind;
	} kinds[] = {
		{ "pdf-strips", EMIT_PDF_STRIPS },
		{ "pdf-classlist", EMIT_PDF_CLASSLIST },
		{ "pdf-letters", EMIT_PDF_LETTERS },
		{ "xlsx", EMIT_XLSX }, { "csv", EMIT_CSV },
		{ "tsv", EMIT_TSV }, { "ndjson", EMIT_NDJSON },
		{ "ad", EMIT_AD }, { "google", EMIT_GOOGLE },
		{ "gam", EMIT_GAM }, { "entra", EMIT_ENTRA },
		{ "ldif", EMIT_LDIF },
	};

	if (strcmp(name, "pdf") == 0) {
		if (!layout || strcmp(layout, "strips") == 0)
			*k = EMIT_PDF_STRIPS;
		else if (strcmp(layout, "classlist") == 0)
			*k = EMIT_PDF_CLASSLIST;
		else if (strcmp(layout, "letter") == 0)
			*k = EMIT_PDF_LETTERS;
		else
			return -1;
		return 0;
	}
	if (layout)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(name, kinds[i].name) == 0) {
			*k = kinds[i].kind;
			return 0;
		}
	}
	return -1;
}

/*
 * One file per group. Every file's name is made first, and checked as
 * atomic_open() would check it, before any is written: a name too long or
 * taken is refused while nothing is written yet, never after the first
 * few groups. Rows of one group lie together when sort puts group first;
 * by default it does. Two groups whose names make the same file name
 * ("7/A", "7 A") get "-2", "-3" ... rather than one file.
 */
static int emit_per_group(struct ctx *ctx, const struct emit_opts *o,
			  const struct emit_table *t, const char *version,
			  long gcol)
{
	struct hmap used = HMAP_INIT;
	struct arena names = ARENA_INIT;
	struct { size_t from, to; char *path; } *plan = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t from = 0, to; from < t->nrows && rc == 0; from = to) {
		const char *group = t->rows[from][gcol];
		char *path = NULL;

		for (to = from + 1; to < t->nrows &&
		     strcmp(t->rows[to][gcol], group) == 0; to++)
			;
		for (int twin = 1; !path || hmap_get(&used, path); twin++) {
			free(path);
			if (!(path = default_path(ctx, o, version, group,
						  twin)))
				break;
		}
		if (!path || atomic_check(path, o->force) != 0) {
			free(path);
			rc = path ? output_status() : EX_CANTCREAT;
			break;
		}
		hmap_put(&used, arena_strdup(&names, path), (void *)1);
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			plan = xrealloc(plan, cap * sizeof(*plan));
		}
		plan[n].from = from;
		plan[n].to = to;
		plan[n++].path = path;
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = write_file(ctx, o, t, plan[i].from, plan[i].to,
					plan[i].path);
		free(plan[i].path);
	}
	free(plan);
	hmap_release(&used);
	arena_release(&names);
	return rc;
}

int emit_load(enum emit_kind kind)
{
	if ((kind == EMIT_XLSX && xlsx_load() != 0) ||
	    (emit_kind_pdf(kind) && pdf_load() != 0))
		return EX_UNAVAILABLE;
	return 0;
}

/* Letters are not printed without their words. 0, or EX_CONFIG. */
static int letters_ready(const struct ctx *ctx, enum emit_kind kind)
{
	if (kind != EMIT_PDF_LETTERS || ctx->cfg->letter)
		return 0;
	errorf("letters need their words: set [output] letter_template "
	       "(templates/letter.txt is not found)");
	return EX_CONFIG;
}

/* Whether o writes files (named when complete), not stdout. */
static int to_files(const struct emit_opts *o)
{
	return o->output || o->per_group || o->to_file ||
	       emit_kind_pdf(o->kind) || o->kind == EMIT_XLSX ||
	       (emit_kind_directory(o->kind) && !o->to_stdout);
}

int emit(struct ctx *ctx, const struct emit_opts *o, struct emit_table *t)
{
	long vcol = column(t, "version"), gcol = list_column(t);
	const char *version = vcol >= 0 && t->nrows ? t->rows[0][vcol] : "";
	int file = to_files(o);
	int rc = 0;

	if (!*version)
		version = "0";
	for (const char *p = version; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			errorf("column 'version' holds '%s', not a batch "
			       "version", version);
			return EX_DATAERR;
		}
	}
	if ((rc = letters_ready(ctx, o->kind)) != 0)
		return rc;
	if (file && (rc = emit_load(o->kind)) != 0)
		return rc;
	/* A directory takes what it is given: a void password never. */
	if (o->allow_void && emit_kind_directory(o->kind)) {
		errorf("--allow-void: a directory's file holds current "
		       "passwords only");
		return EX_USAGE;
	}
	/* A grid asked for on the command line: as legible as the
	 * configured one was checked to be. */
	if (o->kind == EMIT_PDF_STRIPS && o->strip_cols &&
	    emit_grid_check(ctx, o->strip_cols, o->strip_rows, "--strips"))
		return EX_USAGE;
	if (o->kind == EMIT_LDIF) {
		if (o->allow_void) {
			errorf("ldif: --allow-void would put passwords that "
			       "are no longer current into the directory");
			return EX_USAGE;
		}
		if ((rc = ldap_check(ctx)) != 0)
			return rc;
	}
	if (!t->sorted)
		emit_sort(ctx, t);
	if (!file) {
		if (!o->show && isatty(STDOUT_FILENO)) {
			errorf("refusing to write passwords to a terminal; use "
			       "-o FILE or --show");
			return EX_USAGE;
		}
		if (emit_kind_directory(o->kind)) {
			rc = write_directory(ctx, o, t, 0, t->nrows, stdout);
			return rc == 0 && fflush(stdout) != 0 ? EX_IOERR : rc;
		}
		return write_text(ctx, o, t, 0, t->nrows, stdout);
	}
	if (mkdir_p(o->per_group && o->output ? o->output : ctx->cfg->out_dir,
		    0700) != 0)
		return EX_CANTCREAT;
	if (!o->per_group) {
		char *path = o->output ? xstrdup(o->output) :
			     default_path(ctx, o, version, NULL, 0);

		rc = path ? write_file(ctx, o, t, 0, t->nrows, path) :
		     EX_CANTCREAT;
		free(path);
		return rc;
	}
	if (gcol < 0) {
		errorf("--per-group: the records have no 'class' or 'group' "
		       "column");
		return EX_DATAERR;
	}
	return emit_per_group(ctx, o, t, version, gcol);
}

/* ==== Whether each record is still current ==== */

/*
 * What the store says of each credential of one batch version: for each
 * username, why its password is not current ("" when it is). Reasons are
 * few (a batch's credentials end alike), so each is kept once.
 */
struct batch_states {
	long long version, id;
	struct hmap why;
	size_t ended;             /* usernames whose reason is still to read */
	const char *not_in;       /* "not in batch vN" */
};

struct checker {
	struct ctx *ctx;
	struct arena arena;
	struct hmap reasons;      /* reason -> its one copy */
	struct batch_states *b;
	size_t nb;
	long long now;
	int status;               /* why the store could not be read */
	/* The reasons met, in the order first met, and their counts. */
	const char **seen;
	size_t *count, nseen;
};

static const char *intern(struct checker *c, const char *why)
{
	const char *k = hmap_get(&c->reasons, why);

	if (!k) {
		k = arena_strdup(&c->arena, why);
		hmap_put(&c->reasons, k, (void *)k);
	}
	return k;
}

static int note_member(void *arg, const char *username, int current)
{
	struct checker *c = arg;
	struct batch_states *b = &c->b[c->nb - 1];

	/* Until its reason is read, an ended one is "not current". */
	hmap_put(&b->why, arena_strdup(&c->arena, username),
		 (void *)(current ? "" : intern(c, "not current")));
	b->ended += !current;
	return 0;
}

static int note_state(void *arg, const struct store_cred_row *r)
{
	struct checker *c = arg;
	struct batch_states *b = &c->b[c->nb - 1];
	char buf[96];
	const char *why = credential_why(r, c->now, buf, sizeof(buf));
	const char *key = r->username;

	/* The map keeps the first read's copy of a username it holds. */
	if (!hmap_get(&b->why, key))
		key = arena_strdup(&c->arena, key);
	hmap_put(&b->why, key, (void *)(why ? intern(c, why) : ""));
	return 0;
}

/*
 * The states of batch version v, read once: the usernames and whether
 * each is current, then the reasons of those that are not, which a batch
 * that is all current (the common case) does not read at all. NULL on a
 * store error.
 */
static struct batch_states *states_of(struct checker *c, long long v)
{
	struct store *st;
	struct batch_states *b;
	char buf[48];
	int rc = 0;

	for (size_t i = 0; i < c->nb; i++)
		if (c->b[i].version == v)
			return &c->b[i];
	/* The store is opened for the first record that names a batch, and
	 * only if it exists: a check makes none. */
	if ((c->status = ctx_open_existing(c->ctx)) != 0)
		return NULL;
	st = c->ctx->store;
	c->b = xrealloc(c->b, (c->nb + 1) * sizeof(*c->b));
	b = &c->b[c->nb++];
	*b = (struct batch_states){ .version = v, .why = HMAP_INIT };
	snprintf(buf, sizeof(buf), "not in batch v%lld", v);
	b->not_in = intern(c, buf);
	b->id = store_batch_id(st, c->ctx->site_id, v);
	if (b->id < 0)
		rc = (int)b->id;
	else if (b->id > 0)
		rc = store_batch_members(st, b->id, c->now,
					 CREDENTIAL_MAX_FAILED, note_member, c);
	if (rc == 0 && b->ended)
		rc = store_batch_not_current(st, b->id, c->now,
					     CREDENTIAL_MAX_FAILED,
					     note_state, c);
	if (rc != 0) {
		c->status = store_status(rc);
		return NULL;
	}
	return b;
}

/* The batch version a record's 'version' value names (1 or more), or 0
 * when it names none. */
static long long record_version(const char *v)
{
	char *end;
	long long version = strtoll(v, &end, 10);

	return isdigit((unsigned char)*v) && !*end && version > 0 ? version :
	       0;
}

/* Why row's password is not current, or NULL; "" on a store error. */
static const char *why_not(struct checker *c, const char *const *row,
			   long vcol, long ucol, long bcol)
{
	long long version = record_version(vcol >= 0 ? row[vcol] : "");
	const char *why;
	struct batch_states *b;

	if (!version)
		return intern(c, "no batch version");
	if (!(b = states_of(c, version)))
		return "";
	why = ucol >= 0 ? hmap_get(&b->why, row[ucol]) : NULL;
	/* A record whose batch id is another's is not of this batch. */
	if (!why || (bcol >= 0 && *row[bcol] &&
		     strtoll(row[bcol], NULL, 10) != b->id))
		return b->not_in;
	return *why ? why : NULL;
}

static void count_reason(struct checker *c, const char *why)
{
	size_t i;

	for (i = 0; i < c->nseen && c->seen[i] != why; i++)
		;
	if (i == c->nseen) {
		c->seen = xrealloc(c->seen, (i + 1) * sizeof(*c->seen));
		c->count = xrealloc(c->count, (i + 1) * sizeof(*c->count));
		c->seen[i] = why;
		c->count[i] = 0;
		c->nseen++;
	}
	c->count[i]++;
}

/*
 * Checks every row of t against the store as of now, as emit_records()
 * says: refuses when one is not current, unless o->allow_void, which sets
 * the 'state' column (added to t when it has none; its rows and names are
 * then new, from arena, which nothing else needs). 0 or a status
 * (reported).
 */
static int check_current(struct ctx *ctx, const struct emit_opts *o,
			 struct emit_table *t, struct arena *arena,
			 long long now)
{
	struct checker c = { .ctx = ctx, .arena = ARENA_INIT,
			     .reasons = HMAP_INIT, .now = now };
	long vcol = column(t, "version"), ucol = column(t, "username");
	long bcol = column(t, "batch"), scol = column(t, "state");
	const char **why = xcalloc(t->nrows + 1, sizeof(*why));
	const char **marks = NULL;
	size_t bad = 0;
	int rc = 0;

	for (size_t r = 0; r < t->nrows; r++) {
		why[r] = why_not(&c, t->rows[r], vcol, ucol, bcol);
		if (why[r] && !*why[r]) {
			rc = c.status;
			goto out;
		}
		if (why[r]) {
			count_reason(&c, why[r]);
			bad++;
		}
	}
	if (bad && !o->allow_void) {
		struct sbuf sb = SBUF_INIT;

		for (size_t i = 0; i < c.nseen; i++)
			sbuf_addf(&sb, "%s%zu %s", i ? ", " : "", c.count[i],
				  c.seen[i]);
		errorf("%zu record%s not current (%s); --allow-void prints "
		       "them marked VOID", bad, bad == 1 ? " is" : "s are",
		       sbuf_str(&sb));
		sbuf_release(&sb);
		rc = EX_DATAERR;
		goto out;
	}
	if (!o->allow_void)
		goto out;
	if (scol < 0) {
		const char **cols = arena_alloc(arena, (t->ncols + 1) *
						sizeof(*cols));

		memcpy(cols, t->cols, t->ncols * sizeof(*cols));
		cols[t->ncols] = "state";
		t->cols = cols;
		for (size_t r = 0; r < t->nrows; r++) {
			const char **row = arena_alloc(arena, (t->ncols + 1) *
						       sizeof(*row));

			memcpy(row, t->rows[r], t->ncols * sizeof(*row));
			t->rows[r] = row;
		}
		scol = (long)t->ncols++;
	}
	/* One mark per reason, in the rows' arena; reasons are few. */
	marks = xcalloc(c.nseen + 1, sizeof(*marks));
	for (size_t i = 0; i < c.nseen; i++) {
		char *mark = arena_alloc(arena, strlen(VOID_MARK) +
					 strlen(c.seen[i]) + 1);

		strcpy(mark, VOID_MARK);
		strcat(mark, c.seen[i]);
		marks[i] = mark;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		size_t i = 0;

		while (why[r] && c.seen[i] != why[r])
			i++;
		t->rows[r][scol] = why[r] ? marks[i] : "current";
	}
	if (bad)
		warnf("%zu record%s not current: marked VOID", bad,
		      bad == 1 ? " is" : "s are");
out:
	for (size_t i = 0; i < c.nb; i++)
		hmap_release(&c.b[i].why);
	free(c.b);
	free(c.seen);
	free(c.count);
	free(marks);
	free(why);
	hmap_release(&c.reasons);
	arena_release(&c.arena);
	return rc;
}

struct check_job {
	struct ctx *ctx;
	const struct emit_opts *o;
	struct emit_table t;      /* the rows in the order they came */
	long long now;
	struct sbuf said;         /* its messages, held */
	int rc;
};

static void *check_job(void *arg)
{
	struct check_job *j = arg;
	struct sbuf *was = util_hold_messages(&j->said);

	j->rc = check_current(j->ctx, j->o, &j->t, NULL, j->now);
	util_hold_messages(was);
	return NULL;
}

/*
 * Whether t's check can run beside its writing: the records go to one
 * file, which can wait unnamed, out_dir is there, and nothing
 * that writes it reads the store (LDIF reads the batch before; the
 * directories' files are written as their kind says); the check can only
 * refuse (no --allow-void, which adds a column the writing needs). Its
 * first record names a batch, so the check would open the store for it:
 * it is opened here, and *rc is its status when it cannot be.
 */
static int check_beside(struct ctx *ctx, const struct emit_opts *o,
			const struct emit_table *t, int *rc)
{
	long vcol = column(t, "version");

	*rc = 0;
	if (o->allow_void || o->pending || o->per_group || !to_files(o) ||
	    o->kind == EMIT_LDIF || emit_kind_directory(o->kind) ||
	    vcol < 0 || !t->nrows || !record_version(t->rows[0][vcol]))
		return 0;
	if ((*rc = ctx_open_existing(ctx)) != 0)
		return 0;
	/* Nor does a refused list make a folder: where emit() would make
	 * out_dir, the check goes first. */
	return access(ctx->cfg->out_dir, F_OK) == 0;
}

/*
 * Checks t against the store, then writes it: emit() of the records
 * check_current() lets through.
 *
 * Where check_beside() allows, the check runs on a worker while the rows
 * are sorted and the file written. Invariant: the file is not named
 * before the check has passed, and is dropped when it refuses; the
 * messages of each side are held until then, and only the refusal's are
 * said when it refuses, as if nothing had been written. While it runs,
 * the store is the worker's alone (sorting and writing this file read the
 * configuration, never the store), and the worker reads its own copy of
 * the row array, in the order the rows came, so the sort moves nothing
 * under it; of the values, the sort rewrites only the class, which the
 * check does not read.
 */
static int check_and_emit(struct ctx *ctx, const struct emit_opts *o,
			  struct emit_table *t, struct arena *arena)
{
	struct check_job job = { .ctx = ctx, .o = o, .t = *t,
				 .now = now_seconds(), .said = SBUF_INIT };
	struct emit_pending pending = { 0 };
	struct emit_opts own = *o;
	struct sbuf said = SBUF_INIT, *was;
	struct worker w;
	int rc;

	if (!check_beside(ctx, o, t, &rc)) {
		if (rc == 0)
			rc = check_current(ctx, o, t, arena, job.now);
		return rc ? rc : emit(ctx, o, t);
	}
	job.t.rows = xmalloc(t->nrows * sizeof(*t->rows));
	memcpy(job.t.rows, t->rows, t->nrows * sizeof(*t->rows));
	/* With one job, or no thread: the check first, alone. */
	worker_start(&w, check_job, &job);
	own.pending = &pending;
	was = util_hold_messages(&said);
	rc = w.started || !job.rc ? emit(ctx, &own, t) : 0;
	util_hold_messages(was);
	worker_join(&w);
	free(job.t.rows);
	fputs(sbuf_str(&job.said), stderr);
	if (job.rc)
		rc = job.rc;
	else
		fputs(sbuf_str(&said), stderr);
	sbuf_release(&job.said);
	sbuf_release(&said);
	if (rc) {
		emit_pending_abort(&pending);
		return rc;
	}
	return emit_pending_commit(&pending, o->quiet);
}

/* ==== Reading records ==== */

/*
 * A record's values into arena as one block: the pointers, then, unless
 * the reader keeps what it read (kept), the strings. lens is scratch for
 * n lengths.
 */
static const char **copy_record(struct arena *arena, const char *const *v,
				size_t n, size_t *lens, int kept)
{
	size_t total = n * sizeof(const char *);
	const char **row;
	char *p;

	if (kept) {
		row = arena_alloc(arena, total);
		memcpy(row, v, total);
		return row;
	}
	for (size_t i = 0; i < n; i++)
		total += (lens[i] = strlen(v[i])) + 1;
	row = arena_alloc(arena, total);
	p = (char *)(row + n);
	for (size_t i = 0; i < n; i++) {
		memcpy(p, v[i], lens[i] + 1);
		row[i] = p;
		p += lens[i] + 1;
	}
	return row;
}

static int emit_stream(struct ctx *ctx, const struct emit_opts *o, FILE *in,
		       const char *name)
{
	struct emit_table t = { 0 };
	struct arena arena = ARENA_INIT;
	struct rec_reader *r;
	const char *const *v;
	char **cols = NULL;
	size_t cap = 0, *lens;
	long name_cols[2];
	int rc, got, c, kept;

	if ((rc = letters_ready(ctx, o->kind)) != 0)
		return rc;
	if (o->kind == EMIT_LDIF && (rc = ldap_check(ctx)) != 0)
		return rc;
	/* A record stream starts with its header; emit ldif's file with
	 * its comment: fed back, its batch is checked all the same. */
	if ((c = getc(in)) != EOF)
		ungetc(c, in);
	if (c == '#') {
		rc = ldap_read_records(ctx, in, name, &t, &arena);
		if (rc == 0)
			rc = check_and_emit(ctx, o, &t, &arena);
		free(t.rows);
		arena_release(&arena);
		return rc;
	}
	r = rec_reader_new(in, name, REC_AUTO);
	if (!r)
		return EX_DATAERR;
	/* The rows point into what the reader read, when it keeps that:
	 * the values are not copied a second time. */
	kept = rec_reader_keep(r);
	t.ncols = rec_ncols(r);
	cols = xcalloc(t.ncols + 1, sizeof(*cols));
	for (size_t i = 0; i < t.ncols; i++)
		cols[i] = arena_strdup(&arena, rec_colname(r, i));
	t.cols = (const char *const *)cols;
	lens = xcalloc(t.ncols, sizeof(*lens));
	name_cols[0] = rec_column(r, "forename");
	name_cols[1] = rec_column(r, "surname");
	while ((got = rec_read(r, &v)) > 0) {
		const char **row;
		char where[256];

		if (t.nrows == cap) {
			cap = cap ? cap * 2 : 1024;
			t.rows = xrealloc(t.rows, cap * sizeof(*t.rows));
		}
		row = copy_record(&arena, v, t.ncols, lens, kept);
		/* A stream edited by hand gets import's rule for names. */
		for (size_t i = 0; i < ARRAY_SIZE(name_cols); i++) {
			char *nm = name_cols[i] >= 0 ?
				   (char *)row[name_cols[i]] : NULL;

			if (!nm || name_is_clean(nm))
				continue;
			snprintf(where, sizeof(where), "%s:%lu", name,
				 rec_line(r));
			name_clean_warn(nm, where, cols[name_cols[i]]);
		}
		t.rows[t.nrows++] = row;
	}
	free(lens);
	/* rec_read() hands out valid UTF-8 only, and name_clean_warn()
	 * keeps it so. */
	t.utf8_checked = 1;
	rc = got < 0 ? EX_DATAERR : check_and_emit(ctx, o, &t, &arena);
	free(t.rows);
	free(cols);
	/* What held passwords is wiped before it goes back: the reader's
	 * buffers, or the copies in the arena. */
	rec_reader_free(r);
	if (kept)
		arena_release(&arena);
	else
		arena_release_wiped(&arena);
	return rc;
}

/* ==== An AD file fed back ==== */

static const char *const ad_cols[] = { "username", "version", "batch", "dn",
				       "password" };

struct ad_rows {
	struct emit_table t;
	struct arena *arena;
	size_t cap;
};

static int add_ad_row(void *arg, const struct dir_ad_record *r)
{
	struct ad_rows *a = arg;
	const char *v[] = { r->username, r->version, r->batch, r->dn,
			    r->password };
	const char **row = arena_alloc(a->arena, sizeof(v));

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		row[i] = arena_strdup(a->arena, v[i]);
	if (a->t.nrows == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 256;
		a->t.rows = xrealloc(a->t.rows, a->cap * sizeof(*a->t.rows));
	}
	a->t.rows[a->t.nrows++] = row;
	return 0;
}

/*
 * An AD file of emit's read back as records (username, version, batch,
 * dn, password), checked against the store as any stream is: the file of
 * a batch a newer one voided is refused.
 */
static int emit_ad_file(struct ctx *ctx, const struct emit_opts *o,
			const char *text, size_t len, const char *name)
{
	struct arena arena = ARENA_INIT;
	struct ad_rows a = { .t = { .cols = ad_cols,
				    .ncols = ARRAY_SIZE(ad_cols) },
			     .arena = &arena };
	int rc;

	if (!utf8_valid(text, len)) {
		errorf("%s: not valid UTF-8", name);
		return EX_DATAERR;
	}
	rc = dir_read_ad(text, len, name, add_ad_row, &a) != 0 ? EX_DATAERR :
	     check_and_emit(ctx, o, &a.t, &arena);
	free(a.t.rows);
	arena_release_wiped(&arena);
	return rc;
}

int emit_records(struct ctx *ctx, const struct emit_opts *o, FILE *in,
		 const char *name)
{
	struct sbuf all = SBUF_INIT;
	FILE *mem;
	int c = getc(in), rc;

	/* A record stream's header does not start with '#'; a file of
	 * emit's own for AD does: it alone is read whole to tell. */
	if (c == EOF || ungetc(c, in) == EOF || c != '#')
		return emit_stream(ctx, o, in, name);
	if (sbuf_read(&all, in) != 0) {
		errorf("%s: cannot read: %m", name);
		sbuf_release(&all);
		return EX_IOERR;
	}
	if (dir_is_ad(all.buf, all.len)) {
		rc = emit_ad_file(ctx, o, all.buf, all.len, name);
	} else if (!(mem = fmemopen(all.buf, all.len, "r"))) {
		errorf("%s: cannot read: %m", name);
		rc = EX_IOERR;
	} else {
		rc = emit_stream(ctx, o, mem, name);
		fclose(mem);
	}
	sbuf_release(&all);
	return rc;
}
