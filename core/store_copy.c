/*
 * store_copy: store copy's side on SQLite: reads every table of a SQLite
 * store, opened read-only, and hands its rows to PostgreSQL as COPY's
 * text (store_pg_copy.c), a table at a time, parents before the rows
 * that name them. Every table the source has must be one this file
 * knows, so a table added to the schema and not to the copy is refused
 * rather than left behind. A column is copied by name: an id or a column
 * that names one (site_id, user_id ...) is moved by its kind's offset, 0
 * into a database without tempass's rows.
 */
#include "core/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows that go in one COPY, at most. */
#define COPY_SLICE 8192

/* The tables, parents first; own: the kind of the table's id (-1: it
 * has none). site and audit get their chain's columns. */
static const struct {
	const char *name;         /* SQLite's */
	const char *pg;           /* PostgreSQL's */
	int own;
} tables[] = {
	{ "site", "site", COPY_SITE },
	{ "user_type", "user_type", -1 },
	{ "user", "\"user\"", COPY_USER },
	{ "grp", "grp", COPY_GRP },
	{ "membership", "membership", -1 },
	{ "admin", "admin", COPY_ADMIN },
	{ "admin_site", "admin_site", -1 },
	{ "admin_attempt", "admin_attempt", -1 },
	{ "batch", "batch", COPY_BATCH },
	{ "credential", "credential", COPY_CREDENTIAL },
	{ "reset_token", "reset_token", COPY_TOKEN },
	{ "delivery", "delivery", COPY_DELIVERY },
	{ "pending_list", "pending_list", COPY_PENDING },
	{ "audit", "audit", COPY_AUDIT },
};

/* The kind of id column col of a table whose own ids are own; -1: not
 * an id. */
static int id_kind(const char *col, int own)
{
	static const struct { const char *col; int kind; } named[] = {
		{ "site_id", COPY_SITE }, { "user_id", COPY_USER },
		{ "group_id", COPY_GRP }, { "admin_id", COPY_ADMIN },
		{ "batch_id", COPY_BATCH }, { "voided_by", COPY_BATCH },
	};

	if (strcmp(col, "id") == 0)
		return own;
	for (size_t i = 0; i < ARRAY_SIZE(named); i++)
		if (strcmp(col, named[i].col) == 0)
			return named[i].kind;
	return -1;
}

/* Each table of the source is one the copy knows; 0, or -1 (reported). */
static int known_tables(struct store *src)
{
	sqlite3_stmt *s;
	int rc, bad = 0;

	if (sqlite3_prepare_v2(src->db, "SELECT name FROM sqlite_schema WHERE"
			       " type = 'table' AND name NOT LIKE 'sqlite_%'",
			       -1, &s, NULL) != SQLITE_OK)
		return st_fail(src, SQLITE_ERROR, "cannot read the schema");
	while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = st_col_str(s, 0);
		size_t i = 0;

		while (i < ARRAY_SIZE(tables) && strcmp(tables[i].name, name))
			i++;
		if (i == ARRAY_SIZE(tables)) {
			errorf("'%s': table %s is not one store copy knows",
			       src->path, name);
			bad = 1;
		}
	}
	sqlite3_finalize(s);
	return bad ? -1 : 0;
}

/* Refuses a site code or admin name of the source that the target has:
 * 0, STORE_TAKEN, or -1 or STORE_BUSY. */
static int check_taken(struct store *src, struct pg *pg, const char *table,
		       const char *col)
{
	char *sql = xasprintf("SELECT %s FROM %s", col, table);
	sqlite3_stmt *s;
	int rc = 0, step;

	if (sqlite3_prepare_v2(src->db, sql, -1, &s, NULL) != SQLITE_OK) {
		free(sql);
		return st_fail(src, SQLITE_ERROR, "cannot read the source");
	}
	free(sql);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = pg_copy_taken(pg, table, st_col_str(s, 0));
	sqlite3_finalize(s);
	return rc > 0 ? STORE_TAKEN : rc;
}

/* A value as a column of COPY's text, an id moved by off. */
static void put_value(struct sbuf *sb, sqlite3_stmt *s, int i, long long off)
{
	static const char hex[] = "0123456789abcdef";

	switch (sqlite3_column_type(s, i)) {
	case SQLITE_NULL:
		sbuf_addstr(sb, "\\N");
		break;
	case SQLITE_INTEGER:
		sbuf_addf(sb, "%lld", (long long)sqlite3_column_int64(s, i) +
			  off);
		break;
	case SQLITE_FLOAT:
		sbuf_addf(sb, "%.17g", sqlite3_column_double(s, i));
		break;
	case SQLITE_BLOB: {
		const unsigned char *b = sqlite3_column_blob(s, i);
		int n = sqlite3_column_bytes(s, i);

		/* bytea's hex input, its backslash escaped for COPY. */
		sbuf_addstr(sb, "\\\\x");
		for (int j = 0; j < n; j++) {
			sbuf_addch(sb, hex[b[j] >> 4]);
			sbuf_addch(sb, hex[b[j] & 15]);
		}
		break;
	}
	default:
		copy_text(sb, st_col_str(s, i));
	}
}

/*
 * Copies table t's rows, a slice per COPY; site and audit rows get the
 * chain, and an event its place in it (its id in the source). *rows
 * counts them. 0, -1 or STORE_BUSY.
 */
static int copy_table(struct store *src, struct pg *pg, size_t t,
		      const long long off[COPY_NIDS], long long chain,
		      long long *rows)
{
	int site = t == 0, audit = tables[t].own == COPY_AUDIT;
	char *sql = xasprintf("SELECT * FROM \"%s\"", tables[t].name);
	struct sbuf cols = SBUF_INIT, sb = SBUF_INIT;
	sqlite3_stmt *s;
	long long *shift;
	int n, rc = 0, step, pending = 0;

	*rows = 0;
	if (sqlite3_prepare_v2(src->db, sql, -1, &s, NULL) != SQLITE_OK) {
		free(sql);
		return st_fail(src, SQLITE_ERROR, "cannot read the source");
	}
	free(sql);
	n = sqlite3_column_count(s);
	shift = xcalloc((size_t)n, sizeof(*shift));
	for (int i = 0; i < n; i++) {
		int k = id_kind(sqlite3_column_name(s, i), tables[t].own);

		shift[i] = k >= 0 ? off[k] : 0;
		sbuf_addf(&cols, "%s\"%s\"", i ? ", " : "",
			  sqlite3_column_name(s, i));
	}
	if (site || audit)
		sbuf_addstr(&cols, ", chain_id");
	if (audit)
		sbuf_addstr(&cols, ", seq");
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			if (i)
				sbuf_addch(&sb, '\t');
			put_value(&sb, s, i, shift[i]);
		}
		if (site || audit)
			sbuf_addf(&sb, "\t%lld", chain);
		/* The event's place in its chain: its id in the source. */
		if (audit)
			sbuf_addf(&sb, "\t%lld",
				  (long long)sqlite3_column_int64(s, 0));
		sbuf_addch(&sb, '\n');
		++*rows;
		if (++pending == COPY_SLICE) {
			rc = pg_copy_rows(pg, tables[t].pg, cols.buf, &sb);
			sbuf_reset(&sb);
			pending = 0;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = st_fail(src, step, "cannot read the source");
	if (rc == 0 && pending)
		rc = pg_copy_rows(pg, tables[t].pg, cols.buf, &sb);
	sqlite3_finalize(s);
	free(shift);
	sbuf_release(&cols);
	sbuf_release(&sb);
	return rc;
}

/* User types are shared by every school: each added unless there. */
static int copy_types(struct store *src, struct pg *pg)
{
	sqlite3_stmt *s;
	int rc = 0, step;

	if (sqlite3_prepare_v2(src->db, "SELECT name FROM user_type", -1, &s,
			       NULL) != SQLITE_OK)
		return st_fail(src, SQLITE_ERROR, "cannot read the source");
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = pg_copy_type(pg, st_col_str(s, 0));
	sqlite3_finalize(s);
	return rc;
}

int store_copy_to(struct store *src, const char *url,
		  struct store_copied *out)
{
	long long off[COPY_NIDS], rows;
	char at[32];
	char *origin = NULL;
	struct pg *pg;
	int rc;

	ASSERT(!src->pg);
	memset(out, 0, sizeof(*out));
	if (known_tables(src) != 0)
		return -1;
	if (!(pg = pg_open(url)))
		return -1;
	if ((rc = pg_copy_begin(pg, off)) != 0)
		goto out;
	if ((rc = check_taken(src, pg, "site", "code")) != 0 ||
	    (rc = check_taken(src, pg, "admin", "name")) != 0)
		goto fail;
	format_iso8601(now_seconds(), at, sizeof(at));
	origin = xasprintf("%s, copied %s", src->path, at);
	if ((out->chain = pg_copy_chain(pg, origin, off)) < 0) {
		rc = (int)out->chain;
		goto fail;
	}
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		rc = tables[t].own < 0 && strcmp(tables[t].name, "user_type") == 0 ?
		     copy_types(src, pg) :
		     copy_table(src, pg, t, off, out->chain, &rows);
		if (rc != 0)
			goto fail;
		if (tables[t].own == COPY_SITE)
			out->sites = rows;
		else if (tables[t].own == COPY_USER)
			out->users = rows;
		else if (tables[t].own == COPY_BATCH)
			out->batches = rows;
		else if (tables[t].own == COPY_AUDIT)
			out->events = rows;
	}
	for (int i = 0; i < COPY_NIDS; i++)
		out->shifted |= off[i] != 0;
	rc = pg_copy_finish(pg);
	goto out;
fail:
	pg_rollback(pg);
out:
	free(origin);
	pg_close(pg);
	return rc;
}
