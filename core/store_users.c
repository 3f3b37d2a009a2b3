/*
 * store_users: sites, users, groups and memberships as import and the
 * listings see them (SQLite). New users of a bulk transaction are written
 * by store_bulk.c.
 */
#include "core/store_int.h"

#include <stdlib.h>
#include <string.h>

/* ==== Sites ==== */

static long long site_ensure(struct store *st, const char *code,
			     const char *name)
{
	static const char sel[] = "SELECT id, name FROM site WHERE code = ?";
	static const char ins[] = "INSERT INTO site (code, name) VALUES (?, ?)";
	static const char upd[] = "UPDATE site SET name = ? WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sel);
	long long id;

	if (!s)
		return -1;
	st_bind_text(s, 1, code);
	if (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		int same = strcmp(st_col_str(s, 1), name) == 0;

		sqlite3_reset(s);
		if (same)
			return id;
		if (!(s = st_prep(st, upd)))
			return -1;
		st_bind_text(s, 1, name);
		sqlite3_bind_int64(s, 2, id);
		return st_done(st, s, "cannot rename site") ? -1 : id;
	}
	sqlite3_reset(s);
	if (!(s = st_prep(st, ins)))
		return -1;
	st_bind_text(s, 1, code);
	st_bind_text(s, 2, name);
	if (st_done(st, s, "cannot add site"))
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int store_seal_offsets(struct store *st, long long site, long long off[3])
{
	if (st->pg)
		return pg_seal_offsets(st->pg, site, off);
	/* A SQLite store is never a copy: its ids are its own. */
	off[0] = off[1] = off[2] = 0;
	return 0;
}

long long store_site(struct store *st, const char *code, const char *name)
{
	if (st->pg)
		return pg_site(st->pg, code, name);

	static const char sel[] = "SELECT id FROM site WHERE code = ? AND "
				  "name = ?";
	sqlite3_stmt *s = st_prep(st, sel);
	long long id = 0;

	/* The common case reads only, and takes no write lock. */
	if (!s)
		return -1;
	st_bind_text(s, 1, code);
	st_bind_text(s, 2, name);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (id)
		return id;
	int own = !st->in_tx, rc;

	if (own && (rc = store_begin(st)) != 0)
		return rc;
	id = site_ensure(st, code, name);
	if (own) {
		if (id < 0)
			store_rollback(st);
		else if ((rc = store_commit(st)) != 0)
			return rc;
	}
	return id;
}

/* ==== Users and groups for import ==== */

/*
 * A read of a whole site's users says "user NOT INDEXED": SQLite would
 * otherwise walk the (site_id, ...) index and look up every row by id,
 * several times the cost of one pass over the table, where a site is most
 * or all of the rows.
 */

void store_user_release(struct store_user *u)
{
	free(u->roster);
	free(u->external_id);
	free(u->username);
	free(u->forename);
	free(u->surname);
	free(u->dob);
	free(u->email);
	free(u->user_type);
	free(u->class_name);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

int store_users_load(struct store *st, long long site, struct store_user **out,
		     size_t *n)
{
	if (st->pg)
		return pg_users_load(st->pg, site, out, n);

	static const char users_sql[] =
		"SELECT id, roster, external_id, username, forename, surname,"
		" dob, email, email_verified, user_type, status = 'left', class"
		" FROM user NOT INDEXED WHERE site_id = ? ORDER BY id";
	static const char groups_sql[] =
		"SELECT m.user_id, m.group_id FROM membership m"
		" JOIN grp g ON g.id = m.group_id"
		" WHERE g.site_id = ? AND g.source = 'roster'"
		" ORDER BY m.user_id, m.group_id";
	sqlite3_stmt *s = st_prep(st, users_sql);
	struct store_user *v = NULL;
	size_t len = 0, cap = 0, j = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_user *u;

		if (len == cap) {
			cap = cap ? cap * 2 : 1024;
			v = xrealloc(v, cap * sizeof(*v));
		}
		u = &v[len++];
		memset(u, 0, sizeof(*u));
		u->id = sqlite3_column_int64(s, 0);
		u->roster = st_col_dup(s, 1);
		u->external_id = st_col_dup(s, 2);
		u->username = st_col_dup(s, 3);
		u->forename = st_col_dup(s, 4);
		u->surname = st_col_dup(s, 5);
		u->dob = st_col_dup(s, 6);
		u->email = st_col_dup(s, 7);
		u->email_verified = sqlite3_column_int(s, 8);
		u->user_type = st_col_dup(s, 9);
		u->left = sqlite3_column_int(s, 10);
		u->class_name = st_col_dup(s, 11);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto fail;
	/* Both lists are ordered by user id: merge them. */
	if (!(s = st_prep(st, groups_sql)))
		goto fail;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long uid = sqlite3_column_int64(s, 0);

		while (j < len && v[j].id < uid)
			j++;
		if (j == len || v[j].id != uid)
			continue;
		v[j].groups = xrealloc(v[j].groups, (v[j].ngroups + 1) *
				       sizeof(*v[j].groups));
		v[j].groups[v[j].ngroups++] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto fail;
	*out = v;
	*n = len;
	return 0;
fail:
	rc = st_fail(st, rc, "cannot read users");
	for (size_t i = 0; i < len; i++)
		store_user_release(&v[i]);
	free(v);
	return rc;
}

int store_groups_load(struct store *st, long long site,
		      void (*fn)(void *ctx, const char *name, long long id,
				 int roster),
		      void *ctx)
{
	if (st->pg)
		return pg_groups_load(st->pg, site, fn, ctx);

	static const char sql[] = "SELECT name, id, source = 'roster' FROM grp"
				  " WHERE site_id = ?";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, st_col_str(s, 0), sqlite3_column_int64(s, 1),
		   sqlite3_column_int(s, 2));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : st_fail(st, rc, "cannot read groups");
}

long long store_group_create(struct store *st, long long site,
			     const char *name, const char *source)
{
	if (st->pg)
		return pg_group_create(st->pg, site, name, source);

	static const char sql[] = "INSERT INTO grp (site_id, name, source)"
				  " VALUES (?, ?, ?)";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, name);
	st_bind_text(s, 3, source);
	if (st_done(st, s, "cannot create group") != 0)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int ensure_user_type(struct store *st, const char *type)
{
	static const char sql[] = "INSERT OR IGNORE INTO user_type (name)"
				  " VALUES (?)";
	sqlite3_stmt *s;
	int rc;

	/* A roster is one type after another: skip the repeats. */
	if (strcmp(type, st->last_type) == 0)
		return 0;
	if (!(s = st_prep(st, sql)))
		return -1;
	st_bind_text(s, 1, type);
	rc = st_done(st, s, "cannot add user type");
	if (rc == 0 && strlen(type) < sizeof(st->last_type))
		strcpy(st->last_type, type);
	return rc;
}


int store_user_update(struct store *st, const struct store_user *u,
		      long long now)
{
	if (st->pg)
		return pg_user_update(st->pg, u, now);

	static const char sql[] =
		"UPDATE user SET username = ?, forename = ?, surname = ?,"
		" dob = ?, email = ?, email_verified = ?, user_type = ?,"
		" status = ?, updated_at = ?, class = ? WHERE id = ?";
	sqlite3_stmt *s;

	if (ensure_user_type(st, u->user_type) != 0 || !(s = st_prep(st, sql)))
		return -1;
	st_bind_text(s, 1, u->username);
	st_bind_text(s, 2, u->forename);
	st_bind_text(s, 3, u->surname);
	st_bind_text(s, 4, u->dob);
	st_bind_text(s, 5, u->email);
	sqlite3_bind_int(s, 6, u->email_verified);
	st_bind_text(s, 7, u->user_type);
	st_bind_text(s, 8, u->left ? "left" : "active");
	sqlite3_bind_int64(s, 9, now);
	st_bind_text(s, 10, u->class_name);
	sqlite3_bind_int64(s, 11, u->id);
	return st_done(st, s, "cannot update user");
}

int store_user_leave(struct store *st, long long user, long long now)
{
	if (st->pg)
		return pg_user_leave(st->pg, user, now);

	static const char left[] = "UPDATE user SET status = 'left',"
				   " updated_at = ? WHERE id = ?";
	static const char revoke[] =
		"UPDATE credential SET state = 'revoked', ended_at = ?,"
		" sealed = NULL, pwhash = NULL"
		" WHERE user_id = ? AND state = 'current'";
	static const char revoke_tokens[] =
		"UPDATE reset_token SET state = 'revoked', ended_at = ?"
		" WHERE user_id = ? AND state = 'current'";
	sqlite3_stmt *s = st_prep(st, left);
	int n;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (st_done(st, s, "cannot mark user as left") != 0)
		return -1;
	if (!(s = st_prep(st, revoke)))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (st_done(st, s, "cannot revoke credential") != 0)
		return -1;
	n = sqlite3_changes(st->db);
	if (!(s = st_prep(st, revoke_tokens)))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (st_done(st, s, "cannot revoke reset tokens") != 0)
		return -1;
	return n;
}

/* Runs sql, a statement of two integer parameters that returns no row. */

int store_membership_add(struct store *st, long long group, long long user)
{
	if (st->pg)
		return pg_membership_add(st->pg, group, user);

	static const char sql[] = "INSERT OR IGNORE INTO membership"
				  " (group_id, user_id) VALUES (?, ?)";

	return st_run_pair(st, sql, group, user, "cannot add membership");
}


int store_membership_remove(struct store *st, long long group, long long user)
{
	if (st->pg)
		return pg_membership_remove(st->pg, group, user);

	static const char sql[] = "DELETE FROM membership WHERE group_id = ?"
				  " AND user_id = ?";

	return st_run_pair(st, sql, group, user, "cannot remove membership");
}


long store_list_groups(struct store *st, long long site, const char *search,
		       long limit, long offset, store_row_fn fn, void *ctx)
{
	if (st->pg)
		return pg_list_groups(st->pg, site, search, limit, offset, fn,
			              ctx);

	static const char count_sql[] =
		"SELECT count(*) FROM grp WHERE site_id = ?"
		" AND instr(fold(name), ?)";
	static const char list_sql[] =
		"SELECT g.name, g.source, (SELECT count(*) FROM membership m"
		"  JOIN user u ON u.id = m.user_id"
		"  WHERE m.group_id = g.id AND u.status = 'active')"
		" FROM grp g WHERE g.site_id = ? AND instr(fold(g.name), ?)"
		" ORDER BY g.name COLLATE listing, g.name LIMIT ? OFFSET ?";
	char *pat = st_search_key(search ? search : "");
	sqlite3_stmt *s = st_prep(st, count_sql);
	long total = -1;

	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, pat);
	if (sqlite3_step(s) == SQLITE_ROW)
		total = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (total < 0 || !(s = st_prep(st, list_sql))) {
		total = -1;
		goto out;
	}
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, pat);
	sqlite3_bind_int64(s, 3, limit);
	sqlite3_bind_int64(s, 4, offset);
	if (st_each_row(st, s, fn, ctx) != 0)
		total = -1;
out:
	free(pat);
	return total;
}

int store_list_users(struct store *st, long long site, const char *group,
		     const char *search, const char *username,
		     store_row_fn fn, void *ctx)
{
	if (st->pg)
		return pg_list_users(st->pg, site, group, search, username, fn,
			             ctx);

	static const char sql[] =
		"SELECT u.username, u.forename, u.surname, u.external_id,"
		" u.user_type, (SELECT group_concat(name, ', ') FROM"
		"   (SELECT g.name FROM membership m JOIN grp g"
		"    ON g.id = m.group_id WHERE m.user_id = u.id"
		"    ORDER BY g.name COLLATE listing)),"
		" coalesce(u.email, ''),"
		" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END,"
		" u.status"
		" FROM user u WHERE u.site_id = ?1"
		" AND (?2 IS NULL OR u.id IN (SELECT m.user_id FROM membership m"
		"   JOIN grp g ON g.id = m.group_id"
		"   WHERE g.site_id = ?1 AND g.name = ?2))"
		" AND (?3 IS NULL OR instr(fold(u.username), ?3)"
		"   OR instr(fold(u.forename || ' ' || u.surname), ?3)"
		"   OR instr(fold(u.external_id), ?3)"
		"   OR instr(fold(u.email), ?3))"
		" AND (?4 IS NULL OR u.username = ?4)"
		" ORDER BY u.surname COLLATE listing, u.forename COLLATE listing,"
		" u.username";
	sqlite3_stmt *s = st_prep(st, sql);
	char *pat = st_search_key(search);
	int rc;

	if (!s) {
		free(pat);
		return -1;
	}
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, group);
	st_bind_text(s, 3, pat);
	st_bind_text(s, 4, username);
	rc = st_each_row(st, s, fn, ctx);
	free(pat);
	return rc;
}

long long store_user_id(struct store *st, long long site, const char *username)
{
	if (st->pg)
		return pg_user_id(st->pg, site, username);

	static const char sql[] = "SELECT id FROM user WHERE site_id = ?"
				  " AND username = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, username);
	return st_step_id(st, s, "cannot read user");
}

long long store_group_id(struct store *st, long long site, const char *name,
			 int *roster)
{
	if (st->pg)
		return pg_group_id(st->pg, site, name, roster);

	static const char sql[] = "SELECT id, source = 'roster' FROM grp"
				  " WHERE site_id = ? AND name = ?";
	sqlite3_stmt *s = st_prep(st, sql);
	long long id = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if (roster)
			*roster = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read group");
	return id;
}

int store_group_delete(struct store *st, long long group)
{
	if (st->pg)
		return pg_group_delete(st->pg, group);

	static const char mem[] = "DELETE FROM membership WHERE group_id = ?";
	static const char grp[] = "DELETE FROM grp WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, mem);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, group);
	if (st_done(st, s, "cannot delete group") != 0 ||
	    !(s = st_prep(st, grp)))
		return -1;
	sqlite3_bind_int64(s, 1, group);
	return st_done(st, s, "cannot delete group");
}


int store_user_types(struct store *st, long long site,
		     void (*fn)(void *ctx, const char *name), void *ctx)
{
	if (st->pg)
		return pg_user_types(st->pg, site, fn, ctx);

	static const char sql[] = "SELECT DISTINCT user_type FROM user"
				  " WHERE site_id = ? ORDER BY user_type";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, st_col_str(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : st_fail(st, rc, "cannot read user types");
}

