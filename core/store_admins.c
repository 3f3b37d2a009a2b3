/*
 * store_admins: the administrators, their sites and the count of attempts
 * at their passwords (SQLite). A count is kept in one statement, so that
 * parallel attempts are each counted.
 */
#include "core/store_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

/* ==== Administrators ==== */

long long store_admin_add(struct store *st, const char *name,
			  const char *pwhash, long long now)
{
	if (st->pg)
		return pg_admin_add(st->pg, name, pwhash, now);

	static const char sql[] = "INSERT INTO admin (name, pwhash,"
				  " created_at) VALUES (?, ?, ?)";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	st_bind_text(s, 1, name);
	st_bind_text(s, 2, pwhash);
	sqlite3_bind_int64(s, 3, now);
	if (st_done(st, s, "cannot add admin") != 0)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int store_admin_grant(struct store *st, long long admin, long long site)
{
	if (st->pg)
		return pg_admin_grant(st->pg, admin, site);

	static const char sql[] = "INSERT OR IGNORE INTO admin_site"
				  " (admin_id, site_id) VALUES (?, ?)";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	sqlite3_bind_int64(s, 2, site);
	return st_done(st, s, "cannot grant site");
}

int store_admin_get(struct store *st, const char *name, struct store_admin *a)
{
	if (st->pg)
		return pg_admin_get(st->pg, name, a);

	static const char sql[] = "SELECT id, pwhash, failed, locked_until"
				  " FROM admin WHERE name = ?";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc, found = 0;

	if (!s)
		return -1;
	st_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->id = sqlite3_column_int64(s, 0);
		snprintf(a->pwhash, sizeof(a->pwhash), "%s", st_col_str(s, 1));
		a->failed = sqlite3_column_int(s, 2);
		a->locked_until = sqlite3_column_int64(s, 3);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read admin");
	return found;
}

int store_admin_may(struct store *st, long long admin, long long site)
{
	if (st->pg)
		return pg_admin_may(st->pg, admin, site);

	static const char sql[] = "SELECT 1 FROM admin_site WHERE admin_id = ?"
				  " AND site_id = ?";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	sqlite3_bind_int64(s, 2, site);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read admin sites");
	return rc == SQLITE_ROW;
}


int process_ended(long long pid)
{
	return pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}

/*
 * Takes back the attempts of the admin whose process ended before their
 * result was recorded, and a lock that only they made. *n: how many.
 */
static int forgive_abandoned(struct store *st, long long admin, int max,
			     int *n)
{
	static const char list[] =
		"SELECT rowid, pid FROM admin_attempt WHERE admin_id = ?";
	static const char drop[] = "DELETE FROM admin_attempt WHERE rowid = ?";
	static const char uncount[] =
		"UPDATE admin SET failed = max(failed - ?1, 0),"
		" locked_until = CASE WHEN failed - ?1 < ?2 THEN 0"
		"  ELSE locked_until END WHERE id = ?3";
	long long rows[64];
	size_t k = 0;
	sqlite3_stmt *s = st_prep(st, list);
	int rc;

	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && k < ARRAY_SIZE(rows))
		if (process_ended(sqlite3_column_int64(s, 1)))
			rows[k++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read open attempts");
	for (size_t i = 0; i < k; i++) {
		if (!(s = st_prep(st, drop)))
			return -1;
		sqlite3_bind_int64(s, 1, rows[i]);
		if (st_done(st, s, "cannot take back an attempt") != 0)
			return -1;
	}
	if (k == 0)
		return 0;
	if (!(s = st_prep(st, uncount)))
		return -1;
	sqlite3_bind_int64(s, 1, (long long)k);
	sqlite3_bind_int(s, 2, max);
	sqlite3_bind_int64(s, 3, admin);
	*n = (int)k;
	return st_done(st, s, "cannot take back an attempt");
}

int store_admin_attempt(struct store *st, long long admin, long long now,
			int max, long long lock_seconds, long long pid,
			int *abandoned)
{
	if (st->pg)
		return pg_admin_attempt(st->pg, admin, now, max, lock_seconds,
			                pid, abandoned);

	/* One statement: parallel attempts each get their own number. A
	 * lock in force counts on from at least max, so every attempt
	 * under it is over max (an older tempass cleared the count when it
	 * locked); a lapsed lock starts a new series at 1. */
	static const char sql[] =
		"UPDATE admin SET"
		" failed = CASE WHEN locked_until > ?1 THEN max(failed, ?2) + 1"
		"  WHEN locked_until > 0 THEN 1 ELSE failed + 1 END,"
		" locked_until = CASE WHEN locked_until > ?1 THEN locked_until"
		"  WHEN locked_until = 0 AND failed + 1 >= ?2 THEN ?1 + ?3"
		"  ELSE 0 END"
		" WHERE id = ?4 RETURNING failed";
	static const char open_sql[] = "INSERT INTO admin_attempt"
		" (admin_id, pid, number, started) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s;
	long long n;

	if (forgive_abandoned(st, admin, max, abandoned) != 0)
		return -1;
	if (!(s = st_prep(st, sql)))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	sqlite3_bind_int64(s, 3, lock_seconds);
	sqlite3_bind_int64(s, 4, admin);
	n = st_step_returning(st, s, "cannot count the attempt");
	if (n <= 0 || n > max)
		return (int)n;
	if (!(s = st_prep(st, open_sql)))
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	sqlite3_bind_int64(s, 2, pid);
	sqlite3_bind_int64(s, 3, n);
	sqlite3_bind_int64(s, 4, now);
	return st_done(st, s, "cannot count the attempt") == 0 ? (int)n : -1;
}

int store_admin_attempt_done(struct store *st, long long admin,
			     long long pid)
{
	if (st->pg)
		return pg_admin_attempt_done(st->pg, admin, pid);

	static const char sql[] =
		"DELETE FROM admin_attempt WHERE admin_id = ? AND pid = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	sqlite3_bind_int64(s, 2, pid);
	return st_done(st, s, "cannot close the attempt");
}

int store_admin_confirmed(struct store *st, long long admin)
{
	if (st->pg)
		return pg_admin_confirmed(st->pg, admin);

	static const char sql[] = "UPDATE admin SET failed = 0,"
				  " locked_until = 0 WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	return st_done(st, s, "cannot update admin");
}

int store_admin_set_hash(struct store *st, long long admin,
			 const char *pwhash)
{
	if (st->pg)
		return pg_admin_set_hash(st->pg, admin, pwhash);

	static const char sql[] = "UPDATE admin SET pwhash = ?, failed = 0,"
				  " locked_until = 0 WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	st_bind_text(s, 1, pwhash);
	sqlite3_bind_int64(s, 2, admin);
	return st_done(st, s, "cannot update admin");
}

int store_list_admins(struct store *st, store_row_fn fn, void *ctx)
{
	if (st->pg)
		return pg_list_admins(st->pg, fn, ctx);

	static const char sql[] =
		"SELECT a.name, coalesce((SELECT group_concat(code, ',') FROM"
		"  (SELECT s.code FROM admin_site x JOIN site s"
		"   ON s.id = x.site_id WHERE x.admin_id = a.id"
		"   ORDER BY s.code)), ''),"
		" a.failed, CASE WHEN a.locked_until > 0 THEN"
		"  iso_time(a.locked_until)"
		"  ELSE '' END"
		" FROM admin a ORDER BY a.name";
	sqlite3_stmt *s = st_prep(st, sql);

	return s ? st_each_row(st, s, fn, ctx) : -1;
}

int store_admin_remove(struct store *st, long long admin)
{
	if (st->pg)
		return pg_admin_remove(st->pg, admin);

	static const char sites[] = "DELETE FROM admin_site WHERE admin_id = ?";
	static const char adm[] = "DELETE FROM admin WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sites);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	if (st_done(st, s, "cannot remove admin") != 0 ||
	    !(s = st_prep(st, adm)))
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	return st_done(st, s, "cannot remove admin");
}

int store_admin_rename(struct store *st, long long admin, const char *name)
{
	if (st->pg)
		return pg_admin_rename(st->pg, admin, name);

	static const char sql[] = "UPDATE admin SET name = ? WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	st_bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, admin);
	return st_done(st, s, "cannot rename admin");
}
