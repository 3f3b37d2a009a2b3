/*
 * store_pg_bulk: rows written through COPY (PostgreSQL). New users and
 * their memberships wait in memory, as COPY's text, and go to the server
 * in one COPY each, a slice at a time and at store_flush() or the commit,
 * rather than in a statement per row. Ids of new users are given here,
 * taken from the identity's sequence (take_user_ids()).
 */
#include "core/store_pg_int.h"

#include <stdlib.h>
#include <string.h>

/* Rows that wait before they are written, at most. */
#define PG_SLICE 8192

/* ==== COPY's text format ==== */

/* A text column: NULL as \N; backslash, tab, newline and return escaped. */
void copy_text(struct sbuf *sb, const char *s)
{
	if (!s) {
		sbuf_addstr(sb, "\\N");
		return;
	}
	for (; *s; s++) {
		switch (*s) {
		case '\\': sbuf_addstr(sb, "\\\\"); break;
		case '\t': sbuf_addstr(sb, "\\t"); break;
		case '\n': sbuf_addstr(sb, "\\n"); break;
		case '\r': sbuf_addstr(sb, "\\r"); break;
		default: sbuf_addch(sb, *s);
		}
	}
}

void copy_row(struct sbuf *sb, const char *const *col, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_addch(sb, '\t');
		copy_text(sb, col[i]);
	}
	sbuf_addch(sb, '\n');
}

/* Sends rows (COPY's text) through sql, a COPY ... FROM STDIN. */
int copy_in(struct pg *pg, const char *sql, const struct sbuf *rows,
	    const char *what)
{
	PGresult *res = pq.PQexec(pg->conn, sql);
	int rc = 0;

	if (!res || pq.PQresultStatus(res) != PGRES_COPY_IN) {
		rc = pg_fail(pg, res, what);
		pq.PQclear(res);
		return rc;
	}
	pq.PQclear(res);
	if (pq.PQputCopyData(pg->conn, rows->buf ? rows->buf : "",
			     (int)rows->len) != 1 ||
	    pq.PQputCopyEnd(pg->conn, NULL) != 1)
		rc = pg_fail(pg, NULL, what);
	while ((res = pq.PQgetResult(pg->conn)) != NULL) {
		if (rc == 0 && pq.PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(pg, res, what);
		pq.PQclear(res);
	}
	return rc;
}

/* ==== New users and memberships ==== */

int pg_flush_users(struct pg *pg)
{
	int rc = 0;

	if (pg->nusers) {
		rc = copy_in(pg, "COPY \"user\" (id, site_id, roster,"
			     " external_id, username, forename, surname, dob,"
			     " email, email_verified, user_type, status,"
			     " created_at, updated_at, class) FROM STDIN",
			     &pg->users, "cannot add users");
		sbuf_reset(&pg->users);
		pg->nusers = 0;
	}
	if (rc == 0 && pg->nmembers)
		rc = copy_in(pg, "COPY membership (group_id, user_id)"
			     " FROM STDIN", &pg->members,
			     "cannot add memberships");
	sbuf_reset(&pg->members);
	pg->nmembers = 0;
	if (rc == 0)
		rc = pg_flush_audit(pg);
	return rc;
}

/* Adds the user type unless it is there. */
static int ensure_type(struct pg *pg, const char *type)
{
	const char *p[] = { type };
	int rc;

	/* A roster is one type after another: skip the repeats. */
	if (pg->last_type && strcmp(type, pg->last_type) == 0)
		return 0;
	rc = pg_run(pg, "INSERT INTO user_type (name) VALUES ($1)"
		    " ON CONFLICT DO NOTHING", 1, p, "cannot add user type");
	free(pg->last_type);
	pg->last_type = rc == 0 ? xstrdup(type) : NULL;
	return rc;
}

/*
 * Takes ids for new users from the identity's sequence, more each time
 * up to a slice: schools import at once (each under its own chain's
 * lock), so an id is never the largest + 1 read from the table. Ids
 * taken and not used are gaps, never given twice.
 */
static int take_user_ids(struct pg *pg)
{
	char b[24];
	const char *p[] = { NULL };
	int rc = 0;
	PGresult *res;

	pg->user_ids_want = pg->user_ids_want ? pg->user_ids_want * 4 : 16;
	if (pg->user_ids_want > PG_SLICE)
		pg->user_ids_want = PG_SLICE;
	p[0] = pg_num(b, (long long)pg->user_ids_want);
	/* The sequence is looked up once (OFFSET 0 keeps the subquery
	 * whole), not once for each id. */
	res = pg_query(pg, "SELECT nextval(q.s) FROM (SELECT"
		       " pg_get_serial_sequence('\"user\"', 'id')::regclass"
		       " AS s OFFSET 0) q, generate_series(1, $1)", 1, p,
		       PGRES_TUPLES_OK, "cannot add users", &rc);
	if (!res)
		return rc;
	pg->user_ids_n = (size_t)pq.PQntuples(res);
	pg->user_ids = xrealloc(pg->user_ids,
				pg->user_ids_n * sizeof(*pg->user_ids));
	for (size_t i = 0; i < pg->user_ids_n; i++)
		pg->user_ids[i] = pg_int(res, (int)i, 0);
	pg->user_ids_next = 0;
	pq.PQclear(res);
	return 0;
}

int pg_user_insert(struct pg *pg, long long site, struct store_user *u,
		   long long now)
{
	struct sbuf *sb = &pg->users;
	int rc;

	ASSERT(pg->in_tx);
	if (ensure_type(pg, u->user_type) != 0)
		return -1;
	if (pg->user_ids_next == pg->user_ids_n &&
	    (rc = take_user_ids(pg)) != 0)
		return rc;
	u->id = pg->user_ids[pg->user_ids_next++];
	{
		char b[5][24];
		const char *col[] = {
			pg_num(b[0], u->id), pg_num(b[1], site), u->roster,
			u->external_id, u->username, u->forename, u->surname,
			u->dob, u->email, pg_num(b[4], u->email_verified),
			u->user_type, u->left ? "left" : "active",
			pg_num(b[2], now), pg_num(b[3], now), u->class_name,
		};

		copy_row(sb, col, ARRAY_SIZE(col));
	}
	pg->nusers++;
	/* Outside a bulk transaction a conflict is reported at once. */
	if (!pg->bulk || pg->nusers >= PG_SLICE)
		return pg_flush_users(pg);
	return 0;
}

int pg_membership_new(struct pg *pg, long long group, long long user)
{
	ASSERT(pg->in_tx);
	sbuf_addf(&pg->members, "%lld\t%lld\n", group, user);
	pg->nmembers++;
	if (!pg->bulk || pg->nmembers >= PG_SLICE)
		return pg_flush_users(pg);
	return 0;
}

/* Forgets the rows waiting (a rollback). */
void pg_bulk_clear(struct pg *pg)
{
	sbuf_reset(&pg->users);
	sbuf_reset(&pg->members);
	pg->nusers = pg->nmembers = 0;
	pg->user_ids_next = pg->user_ids_n = pg->user_ids_want = 0;
	pg->bulk = 0;
	sbuf_reset(&pg->issue);
	pg->nissue = 0;
	pg->issue_voided = NULL;
	sbuf_reset(&pg->audit);
	pg->naudit = 0;
	free(pg->last_type);
	pg->last_type = NULL;
}
