/*
 * store_sql: what every SQLite file of the store does with a statement:
 * prepare it once per connection, step it, read its columns, and report
 * its failure once, with the SQLite message and the fault it met.
 *
 * Statements are kept in a small cache keyed by the address of their
 * (static) SQL text, since import and regeneration run the same few
 * statements hundreds of thousands of times.
 */
#include "core/store_int.h"

#include "core/translit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What the last failure met (store_fault()); any thread, last wins. */
static int last_fault;

void st_set_fault(enum store_fault f)
{
	__atomic_store_n(&last_fault, (int)f, __ATOMIC_RELAXED);
}

enum store_fault store_fault(void)
{
	return (enum store_fault)__atomic_load_n(&last_fault,
						 __ATOMIC_RELAXED);
}

enum store_fault st_fault_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return STORE_FAULT_FULL;
	case SQLITE_CORRUPT: case SQLITE_NOTADB:
		return STORE_FAULT_CORRUPT;
	default:
		return STORE_FAULT_IO;
	}
}

void st_report(struct store *st, const char *what)
{
	st_set_fault(st_fault_of(st->db ? sqlite3_errcode(st->db) :
				 SQLITE_ERROR));
	errorf("'%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int st_fail(struct store *st, int rc, const char *what)
{
	st_set_fault(st_fault_of(rc));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		errorf("'%s': database is busy (another tempass is writing "
		       "to it); try again", st->path);
		return STORE_BUSY;
	}
	st_report(st, what);
	return -1;
}

int st_exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : st_fail(st, rc, "cannot run SQL");
}

/* The cache is an open-addressing table keyed by the SQL text's address. */
sqlite3_stmt *st_prep(struct store *st, const char *sql)
{
	size_t i = ((uintptr_t)sql >> 3) & (STMT_CACHE - 1), n;

	for (n = 0; n < STMT_CACHE && st->cache[i].sql;
	     n++, i = (i + 1) & (STMT_CACHE - 1)) {
		if (st->cache[i].sql == sql) {
			sqlite3_reset(st->cache[i].stmt);
			sqlite3_clear_bindings(st->cache[i].stmt);
			return st->cache[i].stmt;
		}
	}
	ASSERT(n < STMT_CACHE / 2);
	if (sqlite3_prepare_v2(st->db, sql, -1, &st->cache[i].stmt, NULL) !=
	    SQLITE_OK) {
		st_report(st, "cannot prepare SQL");
		return NULL;
	}
	st->cache[i].sql = sql;
	return st->cache[i].stmt;
}

void st_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int st_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return st_fail(st, rc, what);
	return 0;
}

long long st_step_id(struct store *st, sqlite3_stmt *s, const char *what)
{
	long long id = 0;
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, what);
	return id;
}

char *st_col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

const char *st_col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int st_run_pair(struct store *st, const char *sql, long long a, long long b,
		const char *what)
{
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	return st_done(st, s, what);
}

int st_each_row(struct store *st, sqlite3_stmt *s, store_row_fn fn,
		void *ctx)
{
	int ncols = sqlite3_column_count(s), rc;
	const char *vals[32];

	ASSERT(ncols <= (int)ARRAY_SIZE(vals));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < ncols; i++)
			vals[i] = st_col_str(s, i);
		if (fn(ctx, vals) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : st_fail(st, rc, "cannot read");
}

char *st_search_key(const char *s)
{
	struct sbuf sb = SBUF_INIT;

	if (!s)
		return NULL;
	translit_search(&sb, s);
	return sbuf_detach(&sb);
}

long long st_step_returning(struct store *st, sqlite3_stmt *s,
			    const char *what)
{
	long long v = 0;
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		v = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return st_fail(st, rc, what);
	return v;
}

void st_reset_all(struct store *st)
{
	for (size_t i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].sql)
			sqlite3_reset(st->cache[i].stmt);
}

long long store_scan_steps(struct store *st)
{
	if (st->pg)
		return pg_scan_steps(st->pg);

	long long n = 0;

	for (size_t i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].sql)
			n += sqlite3_stmt_status(st->cache[i].stmt,
						 SQLITE_STMTSTATUS_FULLSCAN_STEP,
						 1);
	return n;
}
