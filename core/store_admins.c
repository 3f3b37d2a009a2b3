/*
 * store_admins: the administrators, their sites and the count of attempts
 * at their passwords (SQLite). A count is kept in one statement, so that
 * parallel attempts are each counted.
 */
#include "core/store_int.h"

#include <stdio.h>

/* ==== Administrators ==== */

long long store_admin_add(struct store *st, const char *name,
			  const char *pwhash, long long now)
{
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


int store_admin_attempt(struct store *st, long long admin, long long now,
			int max, long long lock_seconds)
{
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
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	sqlite3_bind_int64(s, 3, lock_seconds);
	sqlite3_bind_int64(s, 4, admin);
	return (int)st_step_returning(st, s, "cannot count the attempt");
}

int store_admin_confirmed(struct store *st, long long admin)
{
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

