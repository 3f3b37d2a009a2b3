/*
 * store_pg_admins: the administrators, their sites and the count of
 * attempts at their passwords (PostgreSQL). A count is kept in one
 * statement (UPDATE ... RETURNING), so that parallel attempts are each
 * counted, as in SQLite.
 */
#include "core/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>

long long pg_admin_add(struct pg *pg, const char *name, const char *pwhash,
		       long long now)
{
	char b[24];
	const char *p[] = { name, pwhash, pg_num(b, now) };

	return pg_id(pg, "INSERT INTO admin (name, pwhash, created_at)"
		     " VALUES ($1, $2, $3) RETURNING id", 3, p,
		     "cannot add admin");
}

int pg_admin_grant(struct pg *pg, long long admin, long long site)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], admin), pg_num(b[1], site) };

	return pg_run(pg, "INSERT INTO admin_site (admin_id, site_id)"
		      " VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, p,
		      "cannot grant site");
}

int pg_admin_get(struct pg *pg, const char *name, struct store_admin *a)
{
	const char *p[] = { name };
	int rc = 0, found;
	PGresult *res = pg_query(pg, "SELECT id, pwhash, failed, locked_until"
				 " FROM admin WHERE name = $1", 1, p,
				 PGRES_TUPLES_OK, "cannot read admin", &rc);

	if (!res)
		return rc;
	found = pq.PQntuples(res) > 0;
	if (found) {
		a->id = pg_int(res, 0, 0);
		snprintf(a->pwhash, sizeof(a->pwhash), "%s",
			 pq.PQgetvalue(res, 0, 1));
		a->failed = (int)pg_int(res, 0, 2);
		a->locked_until = pg_int(res, 0, 3);
	}
	pq.PQclear(res);
	return found;
}

int pg_admin_may(struct pg *pg, long long admin, long long site)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], admin), pg_num(b[1], site) };
	long long n = pg_id(pg, "SELECT 1 FROM admin_site WHERE admin_id = $1"
			    " AND site_id = $2", 2, p,
			    "cannot read admin sites");

	return n < 0 ? (int)n : n == 1;
}

/*
 * Takes back the attempts of the admin whose process ended before their
 * result was recorded, and a lock that only they made. *n: how many.
 */
static int forgive_abandoned(struct pg *pg, long long admin, int max, int *n)
{
	char b[3][24];
	const char *p[] = { pg_num(b[0], admin) };
	int rc = 0, k = 0;
	PGresult *res = pg_query(pg, "SELECT ctid, pid FROM admin_attempt"
				 " WHERE admin_id = $1", 1, p,
				 PGRES_TUPLES_OK, "cannot read open attempts",
				 &rc);

	*n = 0;
	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res) && rc == 0; r++) {
		const char *q[] = { pq.PQgetvalue(res, r, 0) };

		if (!process_ended(pg_int(res, r, 1)))
			continue;
		rc = pg_run(pg, "DELETE FROM admin_attempt WHERE ctid = $1",
			    1, q, "cannot take back an attempt");
		k++;
	}
	pq.PQclear(res);
	if (rc != 0 || k == 0)
		return rc;
	{
		const char *q[] = { pg_num(b[0], k), pg_num(b[1], max),
				    pg_num(b[2], admin) };

		*n = k;
		return pg_run(pg, "UPDATE admin SET"
			      " failed = greatest(failed - $1, 0),"
			      " locked_until = CASE WHEN failed - $1 < $2"
			      "  THEN 0 ELSE locked_until END WHERE id = $3",
			      3, q, "cannot take back an attempt");
	}
}

int pg_admin_attempt(struct pg *pg, long long admin, long long now, int max,
		     long long lock_seconds, long long pid, int *abandoned)
{
	char b[4][24];
	const char *p[] = { pg_num(b[0], now), pg_num(b[1], max),
			    pg_num(b[2], lock_seconds), pg_num(b[3], admin) };
	long long n;

	if (forgive_abandoned(pg, admin, max, abandoned) != 0)
		return -1;
	/* One statement: parallel attempts each get their own number (the
	 * row's lock orders them); see store_admin_attempt(). */
	n = pg_id(pg, "UPDATE admin SET"
		  " failed = CASE WHEN locked_until > $1"
		  "  THEN greatest(failed, $2) + 1"
		  "  WHEN locked_until > 0 THEN 1 ELSE failed + 1 END,"
		  " locked_until = CASE WHEN locked_until > $1 THEN locked_until"
		  "  WHEN locked_until = 0 AND failed + 1 >= $2 THEN $1 + $3"
		  "  ELSE 0 END"
		  " WHERE id = $4 RETURNING failed", 4, p,
		  "cannot count the attempt");
	if (n <= 0 || n > max)
		return (int)n;
	{
		const char *q[] = { pg_num(b[0], admin), pg_num(b[1], pid),
				    pg_num(b[2], n), pg_num(b[3], now) };

		return pg_run(pg, "INSERT INTO admin_attempt (admin_id, pid,"
			      " number, started) VALUES ($1, $2, $3, $4)", 4,
			      q, "cannot count the attempt") == 0 ? (int)n :
			      -1;
	}
}

int pg_admin_attempt_done(struct pg *pg, long long admin, long long pid)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], admin), pg_num(b[1], pid) };

	return pg_run(pg, "DELETE FROM admin_attempt WHERE admin_id = $1"
		      " AND pid = $2", 2, p, "cannot close the attempt");
}

int pg_admin_confirmed(struct pg *pg, long long admin)
{
	char b[24];
	const char *p[] = { pg_num(b, admin) };

	return pg_run(pg, "UPDATE admin SET failed = 0, locked_until = 0"
		      " WHERE id = $1", 1, p, "cannot update admin");
}

int pg_admin_set_hash(struct pg *pg, long long admin, const char *pwhash)
{
	char b[24];
	const char *p[] = { pwhash, pg_num(b, admin) };

	return pg_run(pg, "UPDATE admin SET pwhash = $1, failed = 0,"
		      " locked_until = 0 WHERE id = $2", 2, p,
		      "cannot update admin");
}

int pg_list_admins(struct pg *pg, store_row_fn fn, void *ctx)
{
	int rc = 0;
	PGresult *res = pg_query(pg,
		"SELECT a.name, coalesce((SELECT string_agg(s.code, ','"
		"  ORDER BY s.code COLLATE \"C\") FROM admin_site x"
		"  JOIN site s ON s.id = x.site_id WHERE x.admin_id = a.id), ''),"
		" a.failed, a.locked_until FROM admin a"
		" ORDER BY a.name COLLATE \"C\"", 0, NULL, PGRES_TUPLES_OK,
		"cannot list admins", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res) && rc == 0; r++) {
		char until[32] = "";
		const char *vals[] = { pq.PQgetvalue(res, r, 0),
				       pq.PQgetvalue(res, r, 1),
				       pq.PQgetvalue(res, r, 2), until };

		if (pg_int(res, r, 3) > 0)
			format_iso8601(pg_int(res, r, 3), until,
				       sizeof(until));
		if (fn(ctx, vals) != 0)
			rc = -1;
	}
	pq.PQclear(res);
	return rc;
}

int pg_admin_remove(struct pg *pg, long long admin)
{
	char b[24];
	const char *p[] = { pg_num(b, admin) };

	return pg_run(pg, "DELETE FROM admin_site WHERE admin_id = $1", 1, p,
		      "cannot remove admin") ||
	       pg_run(pg, "DELETE FROM admin WHERE id = $1", 1, p,
		      "cannot remove admin") ? -1 : 0;
}

int pg_admin_rename(struct pg *pg, long long admin, const char *name)
{
	char b[24];
	const char *p[] = { name, pg_num(b, admin) };

	return pg_run(pg, "UPDATE admin SET name = $1 WHERE id = $2", 2, p,
		      "cannot rename admin");
}
