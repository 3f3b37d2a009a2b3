/*
 * import: loads a roster export from the school's MIS into the store.
 *
 * The file is read and checked completely before the store is touched: each
 * row is mapped through its [roster NAME] section, and a bad row is reported
 * with its line and reason and written to a rejects file. Then one
 * transaction applies the good rows: new users are added, changes and group
 * moves applied, and users of this roster kind missing from the file are
 * marked as left (never deleted), unless so many would leave that the file
 * is more likely truncated than true.
 *
 * A rejected row still says who is in the file: a pupil whose row is bad
 * but whose external id can be read keeps their state, groups and password.
 * When a rejected row's id cannot be read, nobody is marked as left (unless
 * --allow-leavers), since that row may be any of them.
 */
#include "engine/import.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/hmap.h"
#include "core/name.h"
#include "core/store.h"
#include "core/translit.h"
#include "core/tty.h"
#include "core/util.h"
#include "core/workers.h"
#include "formats/csv.h"
#include "formats/records.h"

/* Indexes of the mapped columns in the file, -1 when not mapped. */
struct mapping {
	long external_id, forename, surname, dob, email, verified, username,
		user_type, class_name;
	long *groups;
	size_t ngroups;
};

/* One good row, its strings in the import's arena. */
struct row {
	unsigned long line;
	const char *external_id, *forename, *surname, *dob, *email, *username,
		*user_type;
	const char *class_name;   /* NULL when unmapped or empty */
	int verified;
	const char **groups;
	size_t ngroups;
};

struct import {
	const struct roster_conf *rc;
	const char *file;
	const char *rejects_path;
	struct arena arena;        /* the reader's strings */
	struct row **chunks;       /* rows in fixed chunks: never move */
	size_t nrows;              /* rows checked so far (reader only) */
	struct hmap seen_ids;      /* external_id -> row, for duplicates */
	/* The reader hands rows to the writer as it goes: */
	pthread_mutex_t lock;
	pthread_cond_t more;
	size_t published;          /* rows the writer may take */
	int reading_done;
	int read_rc;
	/* the rejects file, opened at the first reject */
	struct atomic_file rejects;
	int rejects_open;
	char **header;
	size_t nheader;
	size_t nrejected;
	/* Rejected rows' external ids (reader only until reading is done):
	 * their users are in the file, though their rows are bad. */
	struct rejected_id *rejected_ids;
	size_t nrejected_ids, cap_rejected_ids;
	int strict, dry_run, allow_leavers;
	size_t max_field;
	/* A dry run's list of what would be done to whom, written when the
	 * whole import would go through (writer only). */
	int listing;
	struct arena plan_arena;
	char ***plan;
	size_t nplan, cap_plan;
	/* counts */
	size_t added, updated, moved, left, unchanged, revoked;
	size_t kept;               /* users kept as they were: row rejected */
	size_t unreadable;         /* rejected rows whose id is unknown */
	size_t held;               /* leavers not marked for those rows */
};

/* A rejected row's external id. certain: the row has the header's fields,
 * so its id was read from the id's own column. */
struct rejected_id {
	const char *id;
	int certain;
};

/* ==== Rejects ==== */

/* 1 when s holds a C0 or C1 control character or DEL (valid UTF-8). */
static int has_control(const char *s);
/* The trimmed value of column i in the arena, "" when absent. */
static const char *field(struct import *im, const struct csv_row *r, long i);

/*
 * Keeps the external id of a rejected row when it can be read: its field
 * is there, not empty, and holds no control character and no U+FFFD (a
 * byte the reader could not decode). Otherwise the row counts as one whose
 * user is unknown.
 */
static void note_rejected_id(struct import *im, const struct csv_row *r,
			     long col)
{
	const char *id = field(im, r, col);
	struct rejected_id *ri;

	if (!*id || has_control(id) || strstr(id, "\xef\xbf\xbd")) {
		im->unreadable++;
		return;
	}
	if (im->nrejected_ids == im->cap_rejected_ids) {
		im->cap_rejected_ids = im->cap_rejected_ids ?
				       im->cap_rejected_ids * 2 : 64;
		im->rejected_ids = xrealloc(im->rejected_ids,
					    im->cap_rejected_ids *
					    sizeof(*im->rejected_ids));
	}
	ri = &im->rejected_ids[im->nrejected_ids++];
	ri->id = id;
	ri->certain = r->nfields == im->nheader;
}

/*
 * Reports row r as rejected for reason and writes it to the rejects file
 * (not in a dry run), reason in the row's last column whatever its length:
 * a short row is padded to the header's width, a long row keeps its extra
 * fields before the reason. 0, or -1 when the rejects file cannot be made.
 */
static int reject(struct import *im, long id_col, const struct csv_row *r,
		  const char *reason)
{
	size_t n = r->nfields, width = n > im->nheader ? n : im->nheader;

	errorf("%s:%lu: %s", im->file, r->line, reason);
	im->nrejected++;
	note_rejected_id(im, r, id_col);
	if (im->dry_run)
		return 0;
	if (!im->rejects_open) {
		const char **h = xmalloc((im->nheader + 1) * sizeof(*h));

		if (atomic_open(&im->rejects, im->rejects_path, 1) != 0) {
			free(h);
			return -1;
		}
		im->rejects_open = 1;
		for (size_t i = 0; i < im->nheader; i++)
			h[i] = im->header[i];
		h[im->nheader] = "reason";
		csv_write_row(im->rejects.fp, h, im->nheader + 1, 1);
		free(h);
	}
	const char **v = xmalloc((width + 1) * sizeof(*v));

	for (size_t i = 0; i < width; i++)
		v[i] = i < n ? r->fields[i] : "";
	v[width] = reason;
	/* Neutralised: people open rejects in a spreadsheet to fix them. */
	csv_write_row(im->rejects.fp, v, width + 1, 1);
	free(v);
	return 0;
}

/* ==== Mapping the header ==== */

static char *trimmed(const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

static long find_column(struct import *im, const char *key, const char *name,
			int *errors)
{
	struct sbuf found = SBUF_INIT;

	long at = -1;

	if (!name)
		return -1;
	for (size_t i = 0; i < im->nheader; i++) {
		if (strcasecmp(im->header[i], name) != 0)
			continue;
		if (at >= 0) {
			errorf("[roster %s] %s: column '%s' appears twice in "
			       "the header of %s (columns %ld and %zu): which "
			       "one is meant?", im->rc->name, key, name,
			       im->file, at + 1, i + 1);
			(*errors)++;
			return -1;
		}
		at = (long)i;
	}
	if (at >= 0)
		return at;
	for (size_t i = 0; i < im->nheader && i < 30; i++)
		sbuf_addf(&found, "%s'%s'", i ? ", " : "", im->header[i]);
	if (im->nheader > 30)
		sbuf_addf(&found, " and %zu more", im->nheader - 30);
	errorf("[roster %s] %s: column '%s' is not in %s (its columns: %s)",
	       im->rc->name, key, name, im->file, sbuf_str(&found));
	sbuf_release(&found);
	(*errors)++;
	return -1;
}

static int map_header(struct import *im, struct mapping *m)
{
	const struct roster_conf *rc = im->rc;
	int errors = 0;

	m->external_id = find_column(im, "external_id", rc->external_id,
				     &errors);
	m->forename = find_column(im, "forename", rc->forename, &errors);
	m->surname = find_column(im, "surname", rc->surname, &errors);
	m->dob = find_column(im, "date_of_birth", rc->date_of_birth, &errors);
	m->email = find_column(im, "email", rc->email, &errors);
	m->verified = find_column(im, "email_verified", rc->email_verified,
				  &errors);
	m->username = find_column(im, "username", rc->username, &errors);
	m->user_type = find_column(im, "user_type_column",
				   rc->user_type_column, &errors);
	m->class_name = find_column(im, "class", rc->class_column, &errors);
	m->groups = xcalloc(rc->ngroups, sizeof(*m->groups));
	m->ngroups = rc->ngroups;
	for (size_t i = 0; i < rc->ngroups; i++)
		m->groups[i] = find_column(im, "groups", rc->groups[i],
					   &errors);
	return errors ? -1 : 0;
}

/* ==== Checking a row ==== */

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Parses s by format (dd, mm, yyyy and separators; one-digit days and
 * months accepted) into "yyyy-mm-dd". Returns NULL with *why set.
 */
static const char *parse_date(const char *s, const char *format, char out[16],
			      const char **why)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int d = -1, m = -1, y = -1;
	const char *f = format;

	while (*f) {
		int *dst = NULL, maxdig = 2, n = 0, v = 0;

		if (strncmp(f, "yyyy", 4) == 0)
			dst = &y, maxdig = 4, f += 4;
		else if (strncmp(f, "dd", 2) == 0)
			dst = &d, f += 2;
		else if (strncmp(f, "mm", 2) == 0)
			dst = &m, f += 2;
		if (dst) {
			while (n < maxdig && *s >= '0' && *s <= '9')
				v = v * 10 + (*s++ - '0'), n++;
			if (n == 0 || (maxdig == 4 && n != 4))
				goto shape;
			*dst = v;
		} else if (*s++ != *f++) {
			goto shape;
		}
	}
	if (*s)
		goto shape;
	if (m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)) || y < 1900) {
		*why = "is not a day";
		return NULL;
	}
	snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
	return out;
shape:
	*why = NULL;
	return NULL;
}

static int has_control(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return 1;
		/* U+0080..U+009F are C2 80..C2 9F in UTF-8. */
		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* A plausible address: local@domain.tld, no spaces or controls. */
static int valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return 0;
	if (at[1] == '.' || s[strlen(s) - 1] == '.')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || strchr("<>()[]\\,;:\"", *s))
			return 0;
	return 1;
}

static int valid_name_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '_' || *s == '-' || *s == '@'))
			return 0;
	return 1;
}

static char *lowered(const char *s)
{
	char *p = xstrdup(s);

	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

/* The trimmed value of column i in the arena, "" when absent. */
static const char *field(struct import *im, const struct csv_row *r, long i)
{
	const char *s, *e;

	if (i < 0 || (size_t)i >= r->nfields)
		return "";
	s = r->fields[i];
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return arena_strndup(&im->arena, s, (size_t)(e - s));
}

#define CHUNK_ROWS 4096
#define MAX_CHUNKS 65536    /* 268 million rows: far beyond any roster */

static struct row *row_at(const struct import *im, size_t i)
{
	return &im->chunks[i / CHUNK_ROWS][i % CHUNK_ROWS];
}

/* Lets the writer take the rows checked so far. */
static void publish(struct import *im, int done, int rc)
{
	pthread_mutex_lock(&im->lock);
	im->published = im->nrows;
	if (done) {
		im->reading_done = 1;
		im->read_rc = rc;
	}
	pthread_cond_signal(&im->more);
	pthread_mutex_unlock(&im->lock);
}

/* Checks one data row; adds it to the rows, or rejects it. */
static int check_row(struct import *im, const struct mapping *m,
		     const struct csv_row *r)
{
	struct row row = { .line = r->line };
	char why[512], datebuf[16], where[256];
	const char *names[] = { "external id", "forename", "surname" };
	const char **req[] = { &row.external_id, &row.forename, &row.surname };

	if (r->error)
		return reject(im, m->external_id, r, r->error);
	if (r->nfields != im->nheader) {
		snprintf(why, sizeof(why), "%zu fields where the header has "
			 "%zu", r->nfields, im->nheader);
		return reject(im, m->external_id, r, why);
	}
	row.external_id = field(im, r, m->external_id);
	row.forename = field(im, r, m->forename);
	row.surname = field(im, r, m->surname);
	for (size_t i = 0; i < ARRAY_SIZE(req); i++) {
		if (!**req[i]) {
			snprintf(why, sizeof(why), "%s is empty", names[i]);
			return reject(im, m->external_id, r, why);
		}
	}
	for (size_t i = 0; i < r->nfields; i++) {
		/* Identifiers and addresses are not guessed at. */
		if ((i == (size_t)m->external_id || i == (size_t)m->email ||
		     i == (size_t)m->username) && has_control(r->fields[i])) {
			snprintf(why, sizeof(why), "column '%s' holds a "
				 "control character or line break",
				 im->header[i]);
			return reject(im, m->external_id, r, why);
		}
	}
	/* Names lose what would break or reorder every output later; the
	 * cleaned form is what every output gets. */
	for (size_t i = 1; i < ARRAY_SIZE(req); i++) {
		long col = i == 1 ? m->forename : m->surname;
		char *v = (char *)*req[i];   /* the arena's copy */
		char what[256];

		if (name_is_clean(v))
			continue;
		snprintf(where, sizeof(where), "%s:%lu", im->file, r->line);
		snprintf(what, sizeof(what), "column '%s'", im->header[col]);
		name_clean_warn(v, where, what);
		if (!*v) {
			snprintf(why, sizeof(why), "%s holds nothing but "
				 "control characters", names[i]);
			return reject(im, m->external_id, r, why);
		}
	}
	if (m->dob >= 0) {
		const char *v = field(im, r, m->dob), *msg = NULL;

		if (*v) {
			if (!parse_date(v, im->rc->date_format, datebuf,
					&msg)) {
				if (msg)
					snprintf(why, sizeof(why), "date '%s' "
						 "%s", v, msg);
				else
					snprintf(why, sizeof(why), "date '%s' "
						 "is not in the form %s", v,
						 im->rc->date_format);
				return reject(im, m->external_id, r, why);
			}
			row.dob = arena_strdup(&im->arena, datebuf);
		}
	}
	if (m->email >= 0) {
		const char *v = field(im, r, m->email);

		if (*v && !valid_email(v)) {
			snprintf(why, sizeof(why), "email '%s' is not an "
				 "address", v);
			return reject(im, m->external_id, r, why);
		}
		row.email = *v ? v : NULL;
	}
	if (m->verified >= 0) {
		const char *v = field(im, r, m->verified);
		int b = *v ? config_bool(v) : 0;

		if (b < 0 && (strcasecmp(v, "y") == 0 ||
			      strcasecmp(v, "n") == 0))
			b = (v[0] | 0x20) == 'y';
		if (b < 0) {
			snprintf(why, sizeof(why), "email verified '%s' is "
				 "not yes or no", v);
			return reject(im, m->external_id, r, why);
		}
		row.verified = b && row.email;
	}
	if (m->username >= 0) {
		char *v = lowered(field(im, r, m->username));

		if (*v && !valid_name_token(v)) {
			snprintf(why, sizeof(why), "username '%s' may hold "
				 "only letters, digits and . _ - @", v);
			free(v);
			return reject(im, m->external_id, r, why);
		}
		row.username = *v ? arena_strdup(&im->arena, v) : NULL;
		free(v);
	}
	if (m->user_type >= 0) {
		char *v = lowered(field(im, r, m->user_type));

		if (!valid_name_token(v)) {
			snprintf(why, sizeof(why), "user type '%s' is empty "
				 "or not a plain word", v);
			free(v);
			return reject(im, m->external_id, r, why);
		}
		row.user_type = arena_strdup(&im->arena, v);
		free(v);
	} else {
		row.user_type = im->rc->user_type;
	}
	row.groups = arena_alloc(&im->arena,
				 (m->ngroups + 1) * sizeof(*row.groups));
	for (size_t i = 0; i < m->ngroups; i++) {
		const char *g = field(im, r, m->groups[i]);

		if (has_control(g)) {
			snprintf(why, sizeof(why), "column '%s' holds a "
				 "control character or line break",
				 im->header[m->groups[i]]);
			return reject(im, m->external_id, r, why);
		}
		if (*g)
			row.groups[row.ngroups++] = g;
	}
	if (m->class_name >= 0) {
		const char *c = field(im, r, m->class_name);

		if (has_control(c)) {
			snprintf(why, sizeof(why), "column '%s' holds a "
				 "control character or line break",
				 im->header[m->class_name]);
			return reject(im, m->external_id, r, why);
		}
		row.class_name = *c ? c : NULL;
	}
	uintptr_t first = (uintptr_t)hmap_get(&im->seen_ids, row.external_id);

	if (first) {
		snprintf(why, sizeof(why), "duplicate external id '%s' (first "
			 "on line %lu)", row.external_id,
			 row_at(im, first - 1)->line);
		return reject(im, m->external_id, r, why);
	}
	if (im->nrows % CHUNK_ROWS == 0) {
		if (im->nrows / CHUNK_ROWS == MAX_CHUNKS) {
			errorf("%s: over %zu rows", im->file,
			       (size_t)MAX_CHUNKS * CHUNK_ROWS);
			return -1;
		}
		im->chunks[im->nrows / CHUNK_ROWS] =
			xmalloc(CHUNK_ROWS * sizeof(struct row));
	}
	*row_at(im, im->nrows) = row;
	/* Row indexes, not pointers: the array moves as it grows. */
	hmap_put(&im->seen_ids, row.external_id,
		 (void *)(uintptr_t)(im->nrows + 1));
	im->nrows++;
	if (im->nrows % 256 == 0)
		publish(im, 0, 0);
	return 0;
}

/* ==== Reading the file ==== */

/*
 * Opens the roster and maps its header. Returns 0 with *r open, or a
 * status (reported): a mapping that does not fit stops before the store
 * is touched.
 */
static int open_roster(struct import *im, struct csv_reader **r,
		       struct mapping *m)
{
	struct csv_options opt = {
		.encoding = strcmp(im->rc->encoding, "windows-1252") == 0 ?
			    CSV_WINDOWS_1252 : CSV_UTF8,
		.max_field = im->max_field,
	};
	struct csv_row *row;
	int got;

	*r = csv_open(im->file, stdin, im->file, &opt);
	if (!*r) {
		/* A file that opens but is not a roster is bad data. */
		return strcmp(im->file, "-") != 0 &&
		       access(im->file, R_OK) != 0 ? EX_NOINPUT : EX_DATAERR;
	}
	got = csv_next(*r, &row);
	if (got <= 0 || row->error) {
		if (got == 0)
			errorf("%s: the file is empty", im->file);
		else if (got > 0)
			errorf("%s:%lu: header: %s", im->file, row->line,
			       row->error);
		csv_close(*r);
		*r = NULL;
		return EX_DATAERR;
	}
	im->nheader = row->nfields;
	im->header = xcalloc(row->nfields, sizeof(*im->header));
	for (size_t i = 0; i < row->nfields; i++)
		im->header[i] = trimmed(row->fields[i]);
	if (map_header(im, m) != 0) {
		csv_close(*r);
		*r = NULL;
		return EX_CONFIG;
	}
	return 0;
}

struct reader {
	struct import *im;
	struct csv_reader *r;
	const struct mapping *m;
};

/* Checks every data row, handing them on as it goes. The reader's own
 * thread when the writer works at the same time. */
static void *read_rows(void *arg)
{
	struct reader *rd = arg;
	struct csv_row *row;
	int got, rc = 0;

	while ((got = csv_next(rd->r, &row)) > 0) {
		if (check_row(rd->im, rd->m, row) != 0) {
			rc = output_status();
			break;
		}
	}
	if (rc == 0 && got < 0)
		rc = EX_DATAERR;
	publish(rd->im, 1, rc);
	return NULL;
}

/*
 * The rows from i on that the reader has handed over: waits for them.
 * Returns how many there are in all, or i when the reader is done.
 */
static size_t take_rows(struct import *im, size_t i)
{
	size_t n;

	pthread_mutex_lock(&im->lock);
	while (im->published == i && !im->reading_done)
		pthread_cond_wait(&im->more, &im->lock);
	n = im->published;
	pthread_mutex_unlock(&im->lock);
	return n;
}

/* ==== Applying the rows ==== */

struct group_ref {
	long long id;
	int roster;
};

struct apply {
	struct import *im;
	struct ctx *ctx;
	struct store_user *users;
	size_t nusers;
	unsigned char *seen;
	struct hmap by_key;       /* roster \x1f external id -> index + 1 */
	struct hmap usernames;    /* taken usernames */
	struct hmap suffix;       /* username base -> next suffix to try */
	struct hmap groups;       /* name -> struct group_ref */
	struct hmap group_names;  /* decimal id -> name, for the plan */
	long long now;
	const char *actor;
	struct arena arena;       /* the writer's strings */
	size_t rejected;          /* rows refused while writing */
};

static const char *user_key(struct apply *a, const char *roster,
			    const char *external_id)
{
	size_t rl = strlen(roster), el = strlen(external_id);
	char *k = arena_alloc(&a->arena, rl + el + 2);

	memcpy(k, roster, rl);
	k[rl] = '\x1f';
	memcpy(k + rl + 1, external_id, el + 1);
	return k;
}

static void add_group_ref(void *ctx, const char *name, long long id,
			  int roster)
{
	struct apply *a = ctx;
	struct group_ref *g = arena_alloc(&a->arena, sizeof(*g));

	g->id = id;
	g->roster = roster;
	name = arena_strdup(&a->arena, name);
	hmap_put(&a->groups, name, g);
	if (a->im->listing) {
		char key[24];

		snprintf(key, sizeof(key), "%lld", id);
		hmap_put(&a->group_names, arena_strdup(&a->arena, key),
			 (void *)name);
	}
}

static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return (a > b) - (a < b);
}

/* The row's roster-made group ids, sorted, created where new. */
static int resolve_groups(struct apply *a, const struct row *r,
			  long long *ids, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < r->ngroups; i++) {
		struct group_ref *g = hmap_get(&a->groups, r->groups[i]);

		if (!g) {
			long long id = store_group_create(a->ctx->store,
							  a->ctx->site_id,
							  r->groups[i],
							  "roster");
			if (id < 0)
				return (int)id;
			add_group_ref(a, r->groups[i], id, 1);
			g = hmap_get(&a->groups, r->groups[i]);
		}
		ids[k++] = g->id;
	}
	qsort(ids, k, sizeof(*ids), cmp_ll);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (*n == 0 || ids[*n - 1] != ids[i])
			ids[(*n)++] = ids[i];
	return 0;
}

/* Expands the username pattern for r; "" when the name has no letters. */
static void expand_pattern(struct apply *a, const struct row *r,
			   struct sbuf *sb)
{
	const char *p = a->im->rc->username_pattern;

	while (*p) {
		if (strncmp(p, "{forename}", 10) == 0) {
			translit_ascii(sb, r->forename);
			p += 10;
		} else if (strncmp(p, "{surname}", 9) == 0) {
			translit_ascii(sb, r->surname);
			p += 9;
		} else if (strncmp(p, "{initial}", 9) == 0) {
			struct sbuf t = SBUF_INIT;

			if (translit_ascii(&t, r->forename))
				sbuf_addch(sb, t.buf[0]);
			sbuf_release(&t);
			p += 9;
		} else if (strncmp(p, "{external_id}", 13) == 0) {
			translit_ascii(sb, r->external_id);
			p += 13;
		} else {
			char c = *p++;

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '_' || c == '-')
				sbuf_addch(sb, c);
		}
	}
}

/*
 * A new username for r: the mapped column when it has one, else the
 * pattern, made unique within the site by a number (jsmith, jsmith2, ...).
 * NULL when the mapped username is taken (rejected).
 */
static const char *new_username(struct apply *a, const struct row *r)
{
	struct sbuf sb = SBUF_INIT;
	const char *name;
	uintptr_t n;

	if (r->username)
		return hmap_get(&a->usernames, r->username) ? NULL :
			r->username;
	expand_pattern(a, r, &sb);
	if (sb.len == 0 || strspn(sb.buf, "0123456789._-") == sb.len) {
		sbuf_reset(&sb);
		sbuf_addstr(&sb, "user");
		translit_ascii(&sb, r->external_id);
	}
	if (sb.len > 20) {
		sb.len = 20;
		sb.buf[20] = '\0';
	}
	name = arena_strdup(&a->arena, sb.buf);
	if (!hmap_get(&a->usernames, name))
		goto out;
	n = (uintptr_t)hmap_get(&a->suffix, name);
	if (n < 2)
		n = 2;
	for (size_t base = sb.len;; n++) {
		char num[24];
		int k = (int)sizeof(num);
		unsigned long v = (unsigned long)n;

		do
			num[--k] = (char)('0' + v % 10);
		while ((v /= 10));
		sb.len = base;
		sbuf_add(&sb, num + k, sizeof(num) - (size_t)k);
		if (!hmap_get(&a->usernames, sb.buf)) {
			hmap_put(&a->suffix, name, (void *)(n + 1));
			name = arena_strdup(&a->arena, sb.buf);
			break;
		}
	}
out:
	sbuf_release(&sb);
	return name;
}

static int strdiff(const char *x, const char *y)
{
	if (!x || !y)
		return x != y;
	return strcmp(x, y) != 0;
}

static void set_field(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

/* Describes groups for the audit: "7A, Year 7". */
static void group_names(const struct row *r, struct sbuf *sb)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		if (i)
			sbuf_addstr(sb, ", ");
		sbuf_addstr(sb, r->groups[i]);
	}
}

/* ==== The plan of a dry run ==== */

const char *const import_plan_columns[IMPORT_PLAN_NCOLUMNS] = {
	"action", "external_id", "username", "forename", "surname", "from",
	"to", "change",
};

/* Adds "name" of group id to sb, after ", " when sb holds some. */
static void add_group_name(struct apply *a, struct sbuf *sb, long long id)
{
	char key[24];
	const char *name;

	snprintf(key, sizeof(key), "%lld", id);
	name = hmap_get(&a->group_names, key);
	if (sb->len)
		sbuf_addstr(sb, ", ");
	sbuf_addstr(sb, name ? name : "?");
}

/*
 * Notes what would be done to a user, for the list a dry run writes:
 * from and to are the groups they would leave and join, change what else
 * would change; NULL is empty.
 */
static void plan(struct apply *a, const char *action, const char *external_id,
		 const char *username, const char *forename,
		 const char *surname, const char *from, const char *to,
		 const char *change)
{
	struct import *im = a->im;
	const char *v[IMPORT_PLAN_NCOLUMNS] = {
		action, external_id, username, forename, surname, from, to,
		change,
	};
	char **rec;

	if (!im->listing)
		return;
	if (im->nplan == im->cap_plan) {
		im->cap_plan = im->cap_plan ? 2 * im->cap_plan : 256;
		im->plan = xrealloc(im->plan, im->cap_plan * sizeof(*im->plan));
	}
	rec = arena_alloc(&im->plan_arena, sizeof(v) / sizeof(*v) *
			  sizeof(*rec));
	for (size_t i = 0; i < IMPORT_PLAN_NCOLUMNS; i++)
		rec[i] = arena_strdup(&im->plan_arena, v[i] ? v[i] : "");
	im->plan[im->nplan++] = rec;
}

/* Writes the plan on out, a record a user, in the order of the file and
 * leavers last. 0, or EX_IOERR (reported). */
static int write_plan(struct import *im, FILE *out, enum rec_format f)
{
	struct rec_writer *w = rec_writer_new(out, f, import_plan_columns,
					      IMPORT_PLAN_NCOLUMNS);
	int rc = 0;

	for (size_t i = 0; i < im->nplan && rc == 0; i++)
		rc = rec_write(w, (const char *const *)im->plan[i]);
	if (rec_writer_close(w) != 0 || rc) {
		errorf("cannot write what the import would do: standard "
		       "output failed");
		return EX_IOERR;
	}
	return 0;
}

/* ==== Users ==== */

static int add_user(struct apply *a, const struct row *r, long long *gids,
		    size_t ngids)
{
	struct import *im = a->im;
	struct store *st = a->ctx->store;
	struct store_user u = { 0 };
	struct sbuf detail = SBUF_INIT;
	const char *username = new_username(a, r);
	int rc;

	if (!username) {
		char why[256];

		snprintf(why, sizeof(why), "username '%s' is already taken "
			 "by another user", r->username);
		errorf("%s:%lu: %s", im->file, r->line, why);
		a->rejected++;
		return 0;
	}
	u.roster = (char *)im->rc->name;
	u.external_id = (char *)r->external_id;
	u.username = (char *)username;
	u.forename = (char *)r->forename;
	u.surname = (char *)r->surname;
	u.dob = (char *)r->dob;
	u.email = (char *)r->email;
	u.email_verified = r->verified;
	u.user_type = (char *)r->user_type;
	u.class_name = (char *)r->class_name;
	if ((rc = store_user_insert(st, a->ctx->site_id, &u, a->now)) != 0)
		return rc;
	hmap_put(&a->usernames, username, (void *)1);
	for (size_t i = 0; i < ngids; i++)
		if ((rc = store_membership_new(st, gids[i], u.id)) != 0)
			return rc;
	sbuf_addstr(&detail, im->rc->name);
	sbuf_addch(&detail, ' ');
	sbuf_addstr(&detail, r->external_id);
	sbuf_addstr(&detail, "; groups: ");
	group_names(r, &detail);
	if (im->listing) {
		struct sbuf to = SBUF_INIT;

		for (size_t i = 0; i < ngids; i++)
			add_group_name(a, &to, gids[i]);
		plan(a, "add", r->external_id, username, r->forename,
		     r->surname, NULL, to.buf, NULL);
		sbuf_release(&to);
	}
	rc = store_audit(st, a->ctx->site_id, a->actor, "user.add", u.id, 0,
			 detail.buf);
	sbuf_release(&detail);
	im->added++;
	return rc;
}

static int update_user(struct apply *a, struct store_user *u,
		       const struct row *r, long long *gids, size_t ngids)
{
	struct import *im = a->im;
	struct store *st = a->ctx->store;
	struct sbuf detail = SBUF_INIT;
	struct sbuf change = SBUF_INIT, from = SBUF_INIT, to = SBUF_INIT;
	int changed = 0, moved, rc = 0;

	if (r->username && strcmp(r->username, u->username) != 0) {
		if (hmap_get(&a->usernames, r->username)) {
			warnf("%s:%lu: username '%s' is already taken; '%s' "
			      "keeps '%s'", im->file, r->line, r->username,
			      r->external_id, u->username);
		} else {
			sbuf_addf(&detail, "username %s -> %s; ",
				  u->username, r->username);
			sbuf_addf(&change, "username (was %s); ",
				  u->username);
			set_field(&u->username, r->username);
			hmap_put(&a->usernames, r->username, (void *)1);
			changed = 1;
		}
	}
	if (strdiff(u->forename, r->forename) ||
	    strdiff(u->surname, r->surname)) {
		sbuf_addstr(&detail, "name changed; ");
		sbuf_addstr(&change, "name; ");
		set_field(&u->forename, r->forename);
		set_field(&u->surname, r->surname);
		changed = 1;
	}
	if (strdiff(u->dob, r->dob) || strdiff(u->email, r->email) ||
	    u->email_verified != r->verified ||
	    strdiff(u->user_type, r->user_type)) {
		sbuf_addstr(&detail, "details changed; ");
		if (strdiff(u->dob, r->dob))
			sbuf_addstr(&change, "date of birth; ");
		if (strdiff(u->email, r->email) ||
		    u->email_verified != r->verified)
			sbuf_addstr(&change, "email; ");
		if (strdiff(u->user_type, r->user_type))
			sbuf_addstr(&change, "user type; ");
		set_field(&u->dob, r->dob);
		set_field(&u->email, r->email);
		u->email_verified = r->verified;
		set_field(&u->user_type, r->user_type);
		changed = 1;
	}
	if (u->left) {
		sbuf_addstr(&detail, "returned; ");
		sbuf_addstr(&change, "returned; ");
		u->left = 0;
		changed = 1;
	}
	moved = ngids != u->ngroups ||
		memcmp(gids, u->groups, ngids * sizeof(*gids)) != 0;
	/* A new class is a move, written with the user's row. */
	if (strdiff(u->class_name, r->class_name)) {
		set_field(&u->class_name, r->class_name);
		moved = 1;
	}
	if (changed || moved) {
		if ((rc = store_user_update(st, u, a->now)) != 0)
			goto out;
	}
	if (changed) {
		detail.len -= 2;
		detail.buf[detail.len] = '\0';
		rc = store_audit(st, a->ctx->site_id, a->actor, "user.update",
				 u->id, 0, detail.buf);
		if (rc)
			goto out;
		im->updated++;
	}
	if (moved) {
		/* Both lists are sorted: walk them together. */
		size_t i = 0, j = 0;

		while (rc == 0 && (i < u->ngroups || j < ngids)) {
			if (j == ngids ||
			    (i < u->ngroups && u->groups[i] < gids[j])) {
				if (im->listing)
					add_group_name(a, &from, u->groups[i]);
				rc = store_membership_remove(st, u->groups[i++],
							     u->id);
			} else if (i == u->ngroups || gids[j] < u->groups[i]) {
				if (im->listing)
					add_group_name(a, &to, gids[j]);
				rc = store_membership_add(st, gids[j++], u->id);
			} else
				i++, j++;
		}
		if (rc)
			goto out;
		sbuf_reset(&detail);
		sbuf_addstr(&detail, "groups: ");
		group_names(r, &detail);
		if (r->class_name)
			sbuf_addf(&detail, "; class: %s", r->class_name);
		rc = store_audit(st, a->ctx->site_id, a->actor, "user.move",
				 u->id, 0, detail.buf);
		im->moved++;
	}
	if (!changed && !moved)
		im->unchanged++;
	if (changed || moved) {
		if (change.len)
			change.buf[change.len -= 2] = '\0';
		plan(a, moved ? "move" : "update", r->external_id,
		     u->username, r->forename, r->surname, from.buf, to.buf,
		     change.buf);
	}
out:
	sbuf_release(&detail);
	sbuf_release(&change);
	sbuf_release(&from);
	sbuf_release(&to);
	return rc;
}

/*
 * Counts the users of rejected rows as present: an id of a known user keeps
 * that user as they were; an id of nobody known, on a row whose fields may
 * have moved, says nothing sure, so it counts as unreadable.
 */
static void keep_rejected(struct apply *a)
{
	struct import *im = a->im;

	for (size_t i = 0; i < im->nrejected_ids; i++) {
		const struct rejected_id *ri = &im->rejected_ids[i];
		uintptr_t idx = (uintptr_t)hmap_get(&a->by_key,
			user_key(a, im->rc->name, ri->id));

		if (idx) {
			if (!a->seen[idx - 1])
				im->kept++;
			a->seen[idx - 1] = 1;
		} else if (!ri->certain &&
			   !hmap_get(&im->seen_ids, ri->id)) {
			im->unreadable++;
		}
	}
}

static int mark_leavers(struct apply *a)
{
	struct import *im = a->im;
	size_t active = 0, leaving = 0;
	int rc;

	for (size_t i = 0; i < a->nusers; i++) {
		const struct store_user *u = &a->users[i];

		if (strcmp(u->roster, im->rc->name) != 0 || u->left)
			continue;
		active++;
		leaving += !a->seen[i];
	}
	if (leaving && im->unreadable && !im->allow_leavers) {
		/* One of them may be on a row that could not be read. */
		im->held = leaving;
		return 0;
	}
	if (leaving && !im->allow_leavers &&
	    (double)leaving > im->rc->leaver_threshold * (double)active) {
		errorf("%s: would mark %zu of %zu users of roster '%s' as "
		       "left (%.0f%%, more than leaver_threshold %.0f%%); is "
		       "the file complete? Use --allow-leavers if it is",
		       im->file,
		       leaving, active, im->rc->name,
		       100.0 * (double)leaving / (double)active,
		       100.0 * im->rc->leaver_threshold);
		return EX_DATAERR;
	}
	for (size_t i = 0; i < a->nusers; i++) {
		const struct store_user *u = &a->users[i];
		char detail[160];

		if (strcmp(u->roster, im->rc->name) != 0 || u->left ||
		    a->seen[i])
			continue;
		if ((rc = store_user_leave(a->ctx->store, u->id, a->now)) < 0)
			return store_status(rc);
		im->revoked += (size_t)rc;
		if (im->listing) {
			struct sbuf from = SBUF_INIT;

			for (size_t k = 0; k < u->ngroups; k++)
				add_group_name(a, &from, u->groups[k]);
			plan(a, "leave", u->external_id, u->username,
			     u->forename, u->surname, from.buf, NULL,
			     rc ? "unclaimed password revoked" : NULL);
			sbuf_release(&from);
		}
		snprintf(detail, sizeof(detail), "not in %s roster; %d "
			 "credential(s) revoked", im->rc->name, rc);
		if ((rc = store_audit(a->ctx->store, a->ctx->site_id,
				      a->actor, "user.leave", u->id, 0,
				      detail)) != 0)
			return store_status(rc);
		im->left++;
	}
	return 0;
}

static int apply_rows(struct import *im, struct ctx *ctx)
{
	struct apply a = { .im = im, .ctx = ctx, .now = now_seconds(),
			   .actor = os_actor() };
	long long *gids = xmalloc((im->rc->ngroups + 1) * sizeof(*gids));
	size_t ngids = 0;
	struct sbuf detail = SBUF_INIT;
	struct progress progress;
	int rc;

	/* The rows' count is known only at the end: the count alone. */
	progress_start(&progress, "rows imported", 0);
	/* Every user, group and membership id below comes from this
	 * transaction or the store itself: no foreign key can break. */
	if ((rc = store_begin_bulk(ctx->store, 0)) != 0)
		goto fail_store;
	if ((rc = store_users_load(ctx->store, ctx->site_id, &a.users,
				   &a.nusers)) != 0 ||
	    (rc = store_groups_load(ctx->store, ctx->site_id, add_group_ref,
				    &a)) != 0)
		goto fail_store;
	a.seen = xcalloc(a.nusers + 1, 1);
	for (size_t i = 0; i < a.nusers; i++) {
		hmap_put(&a.by_key, user_key(&a, a.users[i].roster,
					      a.users[i].external_id),
			 (void *)(uintptr_t)(i + 1));
		/* A copy: update_user may replace the user's username. */
		hmap_put(&a.usernames, arena_strdup(&a.arena,
						    a.users[i].username),
			 (void *)1);
	}
	for (size_t i = 0, n; (n = take_rows(im, i)) > i; ) {
		for (; i < n; i++) {
			const struct row *r = row_at(im, i);
			uintptr_t idx = (uintptr_t)hmap_get(&a.by_key,
				user_key(&a, im->rc->name, r->external_id));

			if ((rc = resolve_groups(&a, r, gids, &ngids)) != 0)
				goto fail_store;
			if (idx) {
				a.seen[idx - 1] = 1;
				rc = update_user(&a, &a.users[idx - 1], r,
						 gids, ngids);
			} else {
				rc = add_user(&a, r, gids, ngids);
			}
			if (rc)
				goto fail_store;
		}
		progress_step(&progress, n - progress.done);
	}
	progress_end(&progress);
	/* The reader is done: a file that broke off is not imported. */
	if ((rc = im->read_rc) != 0)
		goto fail;
	im->nrejected += a.rejected;
	if (im->strict && a.rejected) {
		rc = EX_DATAERR;
		goto fail;
	}
	keep_rejected(&a);
	if ((rc = mark_leavers(&a)) != 0)
		goto fail;
	sbuf_addf(&detail, "roster %s from '%s': %zu added, %zu updated, "
		  "%zu moved, %zu left, %zu unchanged, %zu rejected",
		  im->rc->name, im->file, im->added, im->updated, im->moved,
		  im->left, im->unchanged, im->nrejected);
	if (im->kept)
		sbuf_addf(&detail, "; %zu user(s) of rejected rows kept",
			  im->kept);
	if (im->held)
		sbuf_addf(&detail, "; %zu leaver(s) not marked: %zu rejected "
			  "row(s) without a readable external id", im->held,
			  im->unreadable);
	if ((rc = store_audit(ctx->store, ctx->site_id, a.actor, "import", 0,
			      0, detail.buf)) != 0)
		goto fail_store;
	if (im->dry_run)
		store_rollback(ctx->store);
	else if ((rc = store_commit(ctx->store)) != 0)
		goto fail_store;
	rc = 0;
	goto out;
fail_store:
	rc = store_status(rc);
fail:
	store_rollback(ctx->store);
out:
	progress_end(&progress);
	sbuf_release(&detail);
	for (size_t i = 0; i < a.nusers; i++) {
		/* Names the arena does not own were set by update_user. */
		store_user_release(&a.users[i]);
	}
	free(a.users);
	free(a.seen);
	free(gids);
	hmap_release(&a.by_key);
	hmap_release(&a.usernames);
	hmap_release(&a.suffix);
	hmap_release(&a.groups);
	hmap_release(&a.group_names);
	arena_release(&a.arena);
	return rc;
}

/* ==== Entry point ==== */

/*
 * A dry run where no database exists yet works on a scratch one in a
 * private temporary folder, removed afterwards, so that it creates nothing
 * of the installation's. Sets *dir to that folder (caller frees) or NULL
 * when the database exists (a PostgreSQL one always does). Returns 0, or EX_CANTCREAT (reported).
 */
static int scratch_store(struct ctx *ctx, char **dir, char **saved)
{
	const char *tmp = getenv("TMPDIR");

	*dir = NULL;
	/* A server's database always exists: the dry run rolls back. */
	if (store_is_server(ctx->cfg->database) ||
	    access(ctx->cfg->database, F_OK) == 0 || errno != ENOENT)
		return 0;
	*dir = xasprintf("%s/tempass-dry-run.XXXXXX", tmp && *tmp ? tmp :
			 "/tmp");
	if (!mkdtemp(*dir)) {
		errorf("'%s': cannot make a scratch folder: %s", *dir,
		       strerror(errno));
		free(*dir);
		*dir = NULL;
		return EX_CANTCREAT;
	}
	*saved = ctx->cfg->database;
	ctx->cfg->database = xasprintf("%s/dry-run.db", *dir);
	return 0;
}

/* Closes and removes the scratch store; the configuration is as it was. */
static void drop_scratch(struct ctx *ctx, char *dir, char *saved)
{
	static const char *const ends[] = { "", "-wal", "-shm", "-journal" };

	if (!dir)
		return;
	store_close(ctx->store);
	ctx->store = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		char *p = xasprintf("%s%s", ctx->cfg->database, ends[i]);

		unlink(p);
		free(p);
	}
	rmdir(dir);
	free(dir);
	free(ctx->cfg->database);
	ctx->cfg->database = saved;
}

int import_roster(struct ctx *ctx, const struct import_opts *o,
		  struct import_result *res)
{
	struct import im = { 0 };
	struct reader reader = { 0 };
	struct mapping map = { 0 };
	struct worker reading = { .started = 0 };
	int applied;
	const char *rejects = o->rejects;
	char *rejects_path = NULL, *scratch = NULL, *saved_database = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	res->dry_run = o->dry_run;
	im.rc = o->roster;
	im.file = o->file;
	im.dry_run = o->dry_run;
	im.strict = o->strict;
	im.allow_leavers = o->allow_leavers;
	im.listing = o->dry_run && o->list;
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	im.max_field = ctx->cfg->max_field;
	im.chunks = xcalloc(MAX_CHUNKS, sizeof(*im.chunks));
	pthread_mutex_init(&im.lock, NULL);
	pthread_cond_init(&im.more, NULL);
	if (!rejects && !im.dry_run) {
		if (mkdir_p(ctx->cfg->rejects_dir, 0700) != 0) {
			rc = EX_CANTCREAT;
			goto out;
		}
		rejects = rejects_path = xasprintf("%s/%s.rejects.csv",
						   ctx->cfg->rejects_dir,
						   im.rc->name);
	}
	im.rejects_path = rejects;
	rc = im.dry_run ? scratch_store(ctx, &scratch, &saved_database) : 0;
	if (rc == 0)
		rc = open_roster(&im, &reader.r, &map);
	reader.im = &im;
	reader.m = &map;
	if (rc == 0 && im.strict) {
		/* Nothing may be written while a row could still be bad:
		 * read everything first. */
		read_rows(&reader);
		rc = im.read_rc;
		if (rc == 0 && im.nrejected) {
			errorf("%zu row(s) rejected; --strict: nothing "
			       "imported", im.nrejected);
			rc = EX_DATAERR;
		}
		if (rc == 0 && (rc = ctx_open(ctx)) == 0)
			rc = apply_rows(&im, ctx);
	} else if (rc == 0 && (rc = ctx_open(ctx)) == 0) {
		/* Reading and checking rows runs beside the writer, on the
		 * second core; without one, before it. */
		worker_start(&reading, read_rows, &reader);
		rc = apply_rows(&im, ctx);
		/* Had the writer given up, the reader still runs out. */
		worker_join(&reading);
	}
	applied = rc == 0;
	csv_close(reader.r);
	free(map.groups);
	if (im.rejects_open) {
		if (atomic_commit(&im.rejects) != 0 && rc == 0)
			rc = output_status();
		else
			errorf("%zu row(s) rejected; see %s", im.nrejected,
			       im.rejects_path);
	}
	if (im.dry_run && im.nrejected)
		errorf("%zu row(s) would be rejected; a dry run writes no "
		       "rejects file", im.nrejected);
	drop_scratch(ctx, scratch, saved_database);
	/* What was imported is said even when the rejects file failed. */
	if (applied) {
		res->applied = 1;
		res->added = im.added;
		res->updated = im.updated;
		res->moved = im.moved;
		res->left = im.left;
		res->unchanged = im.unchanged;
		res->rejected = im.nrejected;
		res->revoked = im.revoked;
		res->kept = im.kept;
		res->held = im.held;
		res->unreadable = im.unreadable;
		if (im.listing) {
			int wrc = write_plan(&im, o->list, o->list_format);

			if (wrc && (rc == 0 || rc == EX_DATAERR))
				rc = wrc;
		}
		if (im.nrejected && rc == 0)
			rc = EX_DATAERR;
	}
out:
	arena_release(&im.arena);
	hmap_release(&im.seen_ids);
	for (size_t i = 0; i * CHUNK_ROWS < im.nrows; i++)
		free(im.chunks[i]);
	free(im.chunks);
	pthread_mutex_destroy(&im.lock);
	pthread_cond_destroy(&im.more);
	for (size_t i = 0; i < im.nheader; i++)
		free(im.header[i]);
	free(im.header);
	free(im.rejected_ids);
	free(im.plan);
	arena_release(&im.plan_arena);
	free(rejects_path);
	return rc;
}

void import_summary(const struct import_result *im, FILE *out)
{
	const char *would = im->dry_run ? "would be " : "";

	if (im->dry_run)
		fprintf(out, "dry run: would add %zu, update %zu, move %zu, "
			"mark %zu left; %zu unchanged, %zu rejected\n",
			im->added, im->updated, im->moved, im->left,
			im->unchanged, im->rejected);
	else
		fprintf(out, "%zu added, %zu updated, %zu moved, %zu left, "
			"%zu unchanged, %zu rejected\n", im->added,
			im->updated, im->moved, im->left, im->unchanged,
			im->rejected);
	if (im->revoked)
		fprintf(out, "%zu unclaimed password(s) of leavers %srevoked\n",
			im->revoked, would);
	if (im->kept)
		fprintf(out, "%zu row(s) rejected; the %zu known user(s) on "
			"them %skept as they were\n", im->rejected, im->kept,
			would);
	if (im->held)
		fprintf(out, "%zu user(s) missing from the file %snot marked "
			"as left: %zu rejected row(s) have no readable "
			"external id and may be theirs; --allow-leavers marks "
			"them\n", im->held, would, im->unreadable);
}
