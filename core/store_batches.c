/*
 * store_batches: selection, batches and their credentials, and the lists
 * of a batch pending publication (SQLite). A whole batch is issued in
 * slices through the rows held in memory (store_bulk.c): set-wise
 * statements instead of a few per user.
 */
#include "core/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== Selection and batches ==== */

int store_select(struct store *st, long long site, const char *group,
		 unsigned flags, store_row_fn fn, void *ctx)
{
	if (st->pg)
		return pg_select(st->pg, site, group, flags, fn, ctx);

#define SELECT_SQL \
		"SELECT u.username, u.forename, u.surname, u.external_id," \
		" u.user_type, g.name," \
		" coalesce(day_of(u.dob), '')," \
		" coalesce(u.email, '')," \
		" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END," \
		" CASE WHEN u.claimed_at IS NULL THEN 'no' ELSE 'yes' END," \
		" coalesce(u.class, ''), u.id" \
		" FROM grp g JOIN membership m ON m.group_id = g.id" \
		" JOIN user u ON u.id = m.user_id" \
		" WHERE g.site_id = ? AND g.name = ? AND u.status = 'active'" \
		" AND (? OR u.claimed_at IS NULL)"
	static const char sorted[] = SELECT_SQL
		" ORDER BY u.surname COLLATE listing, u.forename COLLATE listing,"
		" u.username";
	static const char unsorted[] = SELECT_SQL;
#undef SELECT_SQL
	sqlite3_stmt *s = st_prep(st, flags & STORE_UNSORTED ? unsorted :
				  sorted);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, group);
	sqlite3_bind_int(s, 3, (flags & STORE_ALL) != 0);
	return st_each_row(st, s, fn, ctx);
}

int store_select_user(struct store *st, long long site, const char *username,
		      const char *label, store_row_fn fn, void *ctx)
{
	if (st->pg)
		return pg_select_user(st->pg, site, username, label, fn, ctx);

	static const char sql[] =
		"SELECT u.username, u.forename, u.surname, u.external_id,"
		" u.user_type, ?3,"
		" coalesce(day_of(u.dob), ''),"
		" coalesce(u.email, ''),"
		" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END,"
		" CASE WHEN u.claimed_at IS NULL THEN 'no' ELSE 'yes' END,"
		" coalesce(u.class, '')"
		" FROM user u WHERE u.site_id = ?1 AND u.username = ?2";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	st_bind_text(s, 2, username);
	st_bind_text(s, 3, label);
	return st_each_row(st, s, fn, ctx);
}

int store_unavailable(struct store *st, long long site,
		      void (*fn)(void *ctx, long long user), void *ctx)
{
	if (st->pg)
		return pg_unavailable(st->pg, site, fn, ctx);

	static const char sql[] = "SELECT id FROM user NOT INDEXED"
				  " WHERE site_id = ? AND"
				  " (claimed_at IS NOT NULL OR"
				  " status = 'left')";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : st_fail(st, rc, "cannot read users");
}

int store_targets(struct store *st, long long site,
		  int (*fn)(void *ctx, const struct store_target_row *t),
		  void *ctx)
{
	if (st->pg)
		return pg_targets(st->pg, site, fn, ctx);

	static const char sql[] =
		"SELECT id, username, forename, surname, user_type,"
		" coalesce(email, ''), email_verified, claimed_at IS NOT NULL,"
		" status = 'left', coalesce(class, '')"
		" FROM user NOT INDEXED WHERE site_id = ?";
	sqlite3_stmt *s = st_prep(st, sql);
	struct store_target_row t;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(s, 0);
		t.username = st_col_str(s, 1);
		t.forename = st_col_str(s, 2);
		t.surname = st_col_str(s, 3);
		t.user_type = st_col_str(s, 4);
		t.email = st_col_str(s, 5);
		t.email_verified = sqlite3_column_int(s, 6);
		t.claimed = sqlite3_column_int(s, 7);
		t.left = sqlite3_column_int(s, 8);
		t.class_name = st_col_str(s, 9);
		if (fn(ctx, &t) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : st_fail(st, rc, "cannot read users");
}

int store_batch_create(struct store *st, long long site, const char *actor,
		       const char *criteria, long long count, long long now,
		       long long *id, long long *version)
{
	if (st->pg)
		return pg_batch_create(st->pg, site, actor, criteria, count,
			               now, id, version);

	static const char next[] = "SELECT coalesce(max(version), 0) + 1"
				   " FROM batch WHERE site_id = ?";
	static const char ins[] =
		"INSERT INTO batch (site_id, version, actor, created_at,"
		" criteria, count) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = st_prep(st, next);
	int rc;

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	rc = sqlite3_step(s);
	*version = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return st_fail(st, rc, "cannot read batches");
	if (!(s = st_prep(st, ins)))
		return -1;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, *version);
	st_bind_text(s, 3, actor);
	sqlite3_bind_int64(s, 4, now);
	st_bind_text(s, 5, criteria);
	sqlite3_bind_int64(s, 6, count);
	if ((rc = st_done(st, s, "cannot create batch")) != 0)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}


static void one_voided(void *ctx, long long user, long long version)
{
	(void)user;
	*(long long *)ctx = version;
}

long long store_credential_issue(struct store *st, long long batch,
				 long long user, const char *group,
				 const unsigned char *sealed, size_t len,
				 const char *pwhash, long long expires,
				 long long now, long long *voided_version)
{
	if (st->pg)
		return pg_credential_issue(st->pg, batch, user, group, sealed,
			                   len, pwhash, expires, now,
			                   voided_version);

	int rc;

	*voided_version = 0;
	store_issue_begin(st, batch, now, one_voided, voided_version);
	if ((rc = store_issue_add(st, user, group, sealed, len, pwhash,
				  expires)) != 0 ||
	    (rc = store_issue_finish(st)) != 0)
		return rc;
	return sqlite3_last_insert_rowid(st->db);
}

static void fill_credential(sqlite3_stmt *s, struct store_credential *c)
{
	int n = sqlite3_column_bytes(s, 4);

	c->id = sqlite3_column_int64(s, 0);
	c->batch = sqlite3_column_int64(s, 1);
	c->version = sqlite3_column_int64(s, 2);
	c->expires = sqlite3_column_int64(s, 3);
	c->sealed_len = 0;
	if (n > 0 && (size_t)n <= sizeof(c->sealed)) {
		memcpy(c->sealed, sqlite3_column_blob(s, 4), (size_t)n);
		c->sealed_len = (size_t)n;
	}
	snprintf(c->pwhash, sizeof(c->pwhash), "%s", st_col_str(s, 5));
	c->failed = sqlite3_column_int(s, 6);
}

#define CREDENTIAL_COLUMNS \
	"c.id, c.batch_id, b.version, c.expires_at, c.sealed, c.pwhash," \
	" c.failed FROM credential c JOIN batch b ON b.id = c.batch_id"

static int one_credential(struct store *st, const char *sql, long long key,
			  struct store_credential *c)
{
	sqlite3_stmt *s = st_prep(st, sql);
	int rc, found = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		fill_credential(s, c);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read credential");
	return found;
}

int store_current_credential(struct store *st, long long user,
			     struct store_credential *c)
{
	if (st->pg)
		return pg_current_credential(st->pg, user, c);

	static const char sql[] = "SELECT " CREDENTIAL_COLUMNS
				  " WHERE c.user_id = ? AND"
				  " c.state = 'current'";

	return one_credential(st, sql, user, c);
}

/* The columns of a store_cred_row, in its order. */
#define CRED_ROW_SQL \
	"SELECT u.username, c.state, c.id, c.user_id, c.batch_id," \
	" b.version, b.created_at, c.expires_at, coalesce(c.ended_at, 0)," \
	" coalesce(vb.version, 0), c.failed" \
	" FROM credential c JOIN batch b ON b.id = c.batch_id" \
	" JOIN user u ON u.id = c.user_id" \
	" LEFT JOIN batch vb ON vb.id = c.voided_by"

static int each_cred_row(struct store *st, sqlite3_stmt *s, store_cred_fn fn,
			 void *ctx)
{
	struct store_cred_row r;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.username = st_col_str(s, 0);
		r.state = st_col_str(s, 1);
		r.id = sqlite3_column_int64(s, 2);
		r.user = sqlite3_column_int64(s, 3);
		r.batch = sqlite3_column_int64(s, 4);
		r.version = sqlite3_column_int64(s, 5);
		r.created = sqlite3_column_int64(s, 6);
		r.expires = sqlite3_column_int64(s, 7);
		r.ended = sqlite3_column_int64(s, 8);
		r.voided_by = sqlite3_column_int64(s, 9);
		r.failed = sqlite3_column_int(s, 10);
		if (fn(ctx, &r) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 :
	       st_fail(st, rc, "cannot read credentials");
}

int store_batch_members(struct store *st, long long batch, long long now,
			int max_failed, store_member_fn fn, void *ctx)
{
	if (st->pg)
		return pg_batch_members(st->pg, batch, now, max_failed, fn, ctx);

	static const char sql[] =
		"SELECT u.username, c.state = 'current' AND c.expires_at > ?2"
		" AND c.failed < ?3"
		" FROM credential c JOIN user u ON u.id = c.user_id"
		" WHERE c.batch_id = ?1";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, max_failed);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(ctx, st_col_str(s, 0), sqlite3_column_int(s, 1)) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 :
	       st_fail(st, rc, "cannot read credentials");
}

int store_batch_not_current(struct store *st, long long batch, long long now,
			    int max_failed, store_cred_fn fn, void *ctx)
{
	if (st->pg)
		return pg_batch_not_current(st->pg, batch, now, max_failed, fn,
					    ctx);

	static const char sql[] = CRED_ROW_SQL
		" WHERE c.batch_id = ?1 AND NOT (c.state = 'current'"
		"  AND c.expires_at > ?2 AND c.failed < ?3)";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, max_failed);
	return each_cred_row(st, s, fn, ctx);
}

int store_previous_versions(struct store *st, long long site,
			    long long version,
			    int (*fn)(void *ctx, const char *username,
				      long long version),
			    void *ctx)
{
	if (st->pg)
		return pg_previous_versions(st->pg, site, version, fn, ctx);

	static const char sql[] =
		"SELECT u.username, max(b.version)"
		" FROM credential c JOIN batch b ON b.id = c.batch_id"
		" JOIN user u ON u.id = c.user_id"
		" WHERE b.site_id = ?1 AND b.version < ?2"
		" GROUP BY c.user_id";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, version);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fn(ctx, st_col_str(s, 0), sqlite3_column_int64(s, 1))) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 :
	       st_fail(st, rc, "cannot read credentials");
}

int store_user_credentials(struct store *st, long long user,
			   store_cred_fn fn, void *ctx)
{
	if (st->pg)
		return pg_user_credentials(st->pg, user, fn, ctx);

	static const char sql[] = CRED_ROW_SQL
		" WHERE c.user_id = ? ORDER BY c.id DESC";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, user);
	return each_cred_row(st, s, fn, ctx);
}

int store_credential_get(struct store *st, long long id,
			 struct store_credential *c)
{
	if (st->pg)
		return pg_credential_get(st->pg, id, c);

	static const char sql[] = "SELECT " CREDENTIAL_COLUMNS
				  " WHERE c.id = ?";

	return one_credential(st, sql, id, c);
}

int store_credential_attempt(struct store *st, long long credential)
{
	if (st->pg)
		return pg_credential_attempt(st->pg, credential);

	static const char sql[] = "UPDATE credential SET failed = failed + 1"
				  " WHERE id = ? AND state = 'current'"
				  " RETURNING failed";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, credential);
	return (int)st_step_returning(st, s, "cannot count the attempt");
}

int store_credential_verified(struct store *st, long long credential)
{
	if (st->pg)
		return pg_credential_verified(st->pg, credential);

	static const char sql[] = "UPDATE credential SET failed = failed - 1"
				  " WHERE id = ? AND failed > 0";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, credential);
	return st_done(st, s, "cannot update credential");
}

int store_sealed(struct store *st, struct store_sealed *one)
{
	if (st->pg)
		return pg_sealed(st->pg, one);

	/* Only current credentials keep a sealed copy: the index of current
	 * ones is walked, newest first. */
	static const char sql[] =
		"SELECT b.site_id, c.user_id, c.batch_id, c.sealed"
		" FROM credential c JOIN batch b ON b.id = c.batch_id"
		" WHERE c.state = 'current' AND c.sealed IS NOT NULL"
		" ORDER BY c.id DESC LIMIT 1";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc, n, found = 0;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_bytes(s, 3);
		one->site = sqlite3_column_int64(s, 0);
		one->user = sqlite3_column_int64(s, 1);
		one->batch = sqlite3_column_int64(s, 2);
		one->len = n > 0 && (size_t)n <= sizeof(one->sealed) ?
			   (size_t)n : 0;
		memcpy(one->sealed, sqlite3_column_blob(s, 3), one->len);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read credentials");
	return found;
}

int store_claim(struct store *st, long long user, long long now)
{
	if (st->pg)
		return pg_claim(st->pg, user, now);

	static const char usr[] = "UPDATE user SET claimed_at = ?"
				  " WHERE id = ? AND claimed_at IS NULL";
	static const char cred[] =
		"UPDATE credential SET state = 'claimed', ended_at = ?,"
		" sealed = NULL, pwhash = NULL"
		" WHERE user_id = ? AND state = 'current'";
	sqlite3_stmt *s = st_prep(st, usr);
	int marked;

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (st_done(st, s, "cannot claim") != 0)
		return -1;
	marked = sqlite3_changes(st->db) > 0;
	if (!(s = st_prep(st, cred)))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (st_done(st, s, "cannot claim") != 0)
		return -1;
	if (sqlite3_changes(st->db) > 0)
		return 1;
	return marked ? 0 : STORE_CLAIMED_BEFORE;
}

/*
 * Ends the credentials that sel finds (user id, batch id), in the open
 * transaction: fn(ctx, user, batch) is called for each first, for the
 * audit, then upd ends them. sel's parameters are a[0..na), upd's
 * b[0..nb). Returns how many, or -1.
 */
static long end_credentials(struct store *st, const char *sel,
			    const long long *a, int na, const char *upd,
			    const long long *b, int nb,
			    int (*fn)(void *ctx, long long user,
				      long long batch),
			    void *ctx)
{
	sqlite3_stmt *s = st_prep(st, sel);
	long n = 0;
	int rc;

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	for (int i = 0; i < na; i++)
		sqlite3_bind_int64(s, i + 1, a[i]);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		if (fn(ctx, sqlite3_column_int64(s, 0),
		       sqlite3_column_int64(s, 1)) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read credentials");
	if (!(s = st_prep(st, upd)))
		return -1;
	for (int i = 0; i < nb; i++)
		sqlite3_bind_int64(s, i + 1, b[i]);
	if (st_done(st, s, "cannot end credentials") != 0)
		return -1;
	return n;
}

long store_expire(struct store *st, long long site, long long now,
		  int (*fn)(void *ctx, long long user, long long batch),
		  void *ctx)
{
	if (st->pg)
		return pg_expire(st->pg, site, now, fn, ctx);

	static const char sel[] =
		"SELECT c.user_id, c.batch_id FROM credential c"
		" JOIN batch b ON b.id = c.batch_id"
		" WHERE b.site_id = ? AND c.state = 'current'"
		" AND c.expires_at <= ?";
	static const char upd[] =
		"UPDATE credential SET state = 'expired', ended_at = ?,"
		" sealed = NULL, pwhash = NULL"
		" WHERE state = 'current' AND expires_at <= ? AND batch_id IN"
		" (SELECT id FROM batch WHERE site_id = ?)";

	return end_credentials(st, sel, (long long[]){ site, now }, 2, upd,
			       (long long[]){ now, now, site }, 3, fn, ctx);
}

int store_list_unclaimed(struct store *st, long long site, const char *group,
			 const char *search, const char *sort, int max_failed,
			 store_row_fn fn, void *ctx)
{
	if (st->pg)
		return pg_list_unclaimed(st->pg, site, group, search, sort,
			                 max_failed, fn, ctx);

	/* One statement per order: ORDER BY cannot be bound. Each user's
	 * newest credential, found by the index of credentials by user. */
	static const char base[] =
		"SELECT u.username, u.forename, u.surname,"
		" coalesce((SELECT group_concat(name, ', ') FROM"
		"   (SELECT g.name FROM membership m JOIN grp g"
		"    ON g.id = m.group_id WHERE m.user_id = u.id"
		"    ORDER BY g.name COLLATE listing)), ''),"
		" b.version,"
		" iso_time(b.created_at),"
		" iso_time(c.expires_at),"
		" CASE WHEN c.state <> 'current' THEN c.state"
		"  WHEN c.expires_at <= ?4 THEN 'expired'"
		"  WHEN c.failed >= ?5 THEN 'locked'"
		"  ELSE 'current' END,"
		" c.id, u.id, b.id, c.state, c.grp"
		" FROM user u"
		" JOIN credential c ON c.id = (SELECT max(id) FROM credential"
		"  WHERE user_id = u.id)"
		" JOIN batch b ON b.id = c.batch_id"
		" WHERE u.site_id = ?1 AND u.status = 'active'"
		" AND u.claimed_at IS NULL"
		" AND (?2 IS NULL OR u.id IN (SELECT m.user_id FROM membership m"
		"   JOIN grp g ON g.id = m.group_id"
		"   WHERE g.site_id = ?1 AND g.name = ?2))"
		" AND (?3 IS NULL OR instr(fold(u.username), ?3)"
		"   OR instr(fold(u.forename || ' ' || u.surname), ?3))";
	static const struct {
		const char *name;
		const char *sql;
	} orders[] = {
		{ "name", " ORDER BY u.surname COLLATE listing,"
			  " u.forename COLLATE listing, u.username" },
		{ "username", " ORDER BY u.username" },
		{ "group", " ORDER BY coalesce(u.class, c.grp) COLLATE listing,"
			   " u.surname"
			   " COLLATE listing, u.forename COLLATE listing" },
		{ "expires", " ORDER BY c.expires_at, u.surname COLLATE listing" },
		{ "version", " ORDER BY b.version, u.surname COLLATE listing" },
	};
	static char *sqls[ARRAY_SIZE(orders)];
	char *pat = st_search_key(search);
	sqlite3_stmt *s = NULL;
	int rc = -1;

	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		if (strcmp(sort, orders[i].name) != 0)
			continue;
		if (!sqls[i])
			sqls[i] = xasprintf("%s%s", base, orders[i].sql);
		s = st_prep(st, sqls[i]);
		break;
	}
	if (s) {
		sqlite3_bind_int64(s, 1, site);
		st_bind_text(s, 2, group);
		st_bind_text(s, 3, pat);
		sqlite3_bind_int64(s, 4, now_seconds());
		sqlite3_bind_int(s, 5, max_failed);
		rc = st_each_row(st, s, fn, ctx);
	}
	free(pat);
	return rc;
}

int store_list_batches(struct store *st, long long site, store_row_fn fn,
		       void *ctx)
{
	if (st->pg)
		return pg_list_batches(st->pg, site, fn, ctx);

	/* An email batch's tokens count as its passwords do: a used token
	 * as claimed. Counted per batch before the join: joined first, the
	 * rows of every batch ever made were indexed anew on each call. */
	static const char sql[] =
		"WITH ends AS ("
		"  SELECT batch_id,"
		"   count(state = 'current' OR NULL) AS current,"
		"   count(state = 'claimed' OR NULL) AS claimed,"
		"   count(state = 'void' OR NULL) AS void,"
		"   count(state = 'expired' OR NULL) AS expired,"
		"   count(state = 'revoked' OR NULL) AS revoked"
		"  FROM (SELECT batch_id, state FROM credential"
		"   UNION ALL SELECT batch_id, CASE state WHEN 'used'"
		"    THEN 'claimed' ELSE state END FROM reset_token)"
		"  GROUP BY batch_id)"
		"SELECT b.version,"
		" iso_time(b.created_at),"
		" b.actor, b.criteria, b.count,"
		" coalesce(e.current, 0), coalesce(e.claimed, 0),"
		" coalesce(e.void, 0), coalesce(e.expired, 0),"
		" coalesce(e.revoked, 0), b.kind"
		" FROM batch b LEFT JOIN ends e ON e.batch_id = b.id"
		" WHERE b.site_id = ? ORDER BY b.version DESC";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	return st_each_row(st, s, fn, ctx);
}

long long store_batch_id(struct store *st, long long site, long long version)
{
	if (st->pg)
		return pg_batch_id(st->pg, site, version);

	static const char sql[] = "SELECT id FROM batch WHERE site_id = ?"
				  " AND version = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, version);
	return st_step_id(st, s, "cannot read batch");
}


/* ==== Issuing a batch in bulk ==== */

void store_issue_begin(struct store *st, long long batch, long long now,
		       void (*voided)(void *ctx, long long user,
				      long long version),
		       void *ctx)
{
	if (st->pg) {
		pg_issue_begin(st->pg, batch, now, voided, ctx);
		return;
	}

	ASSERT(st->in_tx && st->issue.n == 0);
	st->issue_batch = batch;
	st->issue_now = now;
	st->issue_voided = voided;
	st->issue_ctx = ctx;
}

static int flush_issue(struct store *st);

int store_issue_add(struct store *st, long long user, const char *group,
		    const unsigned char *sealed, size_t len, const char *pwhash,
		    long long expires)
{
	if (st->pg)
		return pg_issue_add(st->pg, user, group, sealed, len, pwhash,
			            expires);

	struct rowbuf *rb = &st->issue;
	struct cell *c = rows_add(rb);

	ASSERT(st->in_tx);
	cell_int(&c[0], user);
	cell_text(rb, &c[1], group);
	cell_blob(rb, &c[2], sealed, len);
	cell_text(rb, &c[3], pwhash);
	cell_int(&c[4], expires);
	/* A slice at a time: the memory held is bounded, whatever the
	 * batch's size. */
	return rb->n >= SLICE ? flush_issue(st) : 0;
}

/* Orders rows of the issue buffer (5 cells each) by user. */
static int cmp_issue_row(const void *a, const void *b)
{
	long long x = ((const struct cell *)a)->v;
	long long y = ((const struct cell *)b)->v;

	return (x > y) - (x < y);
}

/*
 * Writes the credentials waiting in st->issue: voids its users' current
 * credentials and reset tokens (telling issue_voided of each), then
 * inserts the new ones. Each user comes once in a batch, so a slice at a
 * time does what the whole batch at once would.
 */
static int flush_issue(struct store *st)
{
	static const char old[] =
		"SELECT c.id, c.user_id, b.version FROM rows(?1) n"
		" JOIN credential c ON c.user_id = n.c0"
		"  AND c.state = 'current'"
		" JOIN batch b ON b.id = c.batch_id";
	static const char voidit[] =
		"UPDATE credential SET state = 'void', voided_by = ?2,"
		" ended_at = ?3, sealed = NULL, pwhash = NULL"
		" FROM rows(?1) n WHERE credential.id = n.c0";
	static const char ins[] =
		"INSERT INTO credential (batch_id, user_id, grp, sealed,"
		" pwhash, expires_at) SELECT ?2, c0, c1, c2, c3, c4"
		" FROM rows(?1)";
	static const char tokens[] =
		"UPDATE reset_token SET state = 'void', ended_at = ?2"
		" FROM rows(?1) n WHERE reset_token.user_id = n.c0"
		" AND reset_token.state = 'current'";
	struct rowbuf gone = { .ncols = 1 };   /* credentials to void */
	long long batch = st->issue_batch, now = st->issue_now;
	sqlite3_stmt *s;
	int rc = -1;

	ASSERT(st->in_tx && st->issue_voided);
	if (st->issue.n == 0)
		return 0;
	/* In user order: the credential indexes grow at one end. */
	qsort(st->issue.cells, st->issue.n,
	      (size_t)st->issue.ncols * sizeof(*st->issue.cells),
	      cmp_issue_row);
	if (!(s = st_prep(st, old)))
		goto out;
	rows_bind(s, 1, &st->issue);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cell_int(rows_add(&gone), sqlite3_column_int64(s, 0));
		st->issue_voided(st->issue_ctx, sqlite3_column_int64(s, 1),
				 sqlite3_column_int64(s, 2));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		rc = st_fail(st, rc, "cannot read credentials");
		goto out;
	}
	rc = -1;
	if (gone.n) {
		if (!(s = st_prep(st, voidit)))
			goto out;
		sqlite3_bind_int64(s, 2, batch);
		sqlite3_bind_int64(s, 3, now);
		rc = rows_run(st, s, &gone, "cannot void credentials");
		if (rc != 0)
			goto out;
		rc = -1;
	}
	if (!(s = st_prep(st, ins)))
		goto out;
	sqlite3_bind_int64(s, 2, batch);
	if ((rc = rows_run(st, s, &st->issue, "cannot issue credentials")) != 0)
		goto out;
	rc = -1;
	if (!(s = st_prep(st, tokens)))
		goto out;
	sqlite3_bind_int64(s, 2, now);
	rc = rows_run(st, s, &st->issue, "cannot void reset tokens");
out:
	rows_clear(&st->issue);
	rows_release(&gone);
	return rc;
}

int store_issue_finish(struct store *st)
{
	if (st->pg)
		return pg_issue_finish(st->pg);

	int rc = flush_issue(st);

	st->issue_voided = NULL;
	return rc;
}


/* ==== Lists pending publication ==== */

int store_pending_add(struct store *st, long long batch, long long pid,
		      const char *tmp, const char *path, long long size)
{
	if (st->pg)
		return pg_pending_add(st->pg, batch, pid, tmp, path, size);

	static const char sql[] =
		"INSERT INTO pending_list (batch_id, pid, tmp, path, size)"
		" VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *s = st_prep(st, sql);

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, pid);
	st_bind_text(s, 3, tmp);
	st_bind_text(s, 4, path);
	sqlite3_bind_int64(s, 5, size);
	return st_done(st, s, "cannot record a pending list");
}

int store_pending_each(struct store *st,
		       int (*fn)(void *ctx, const struct store_pending *p),
		       void *ctx)
{
	if (st->pg)
		return pg_pending_each(st->pg, fn, ctx);

	static const char sql[] =
		"SELECT p.batch_id, b.site_id, b.version, p.pid, p.tmp,"
		" p.path, p.size FROM pending_list p"
		" JOIN batch b ON b.id = p.batch_id ORDER BY p.id";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_pending p = {
			.batch = sqlite3_column_int64(s, 0),
			.site = sqlite3_column_int64(s, 1),
			.version = sqlite3_column_int64(s, 2),
			.pid = sqlite3_column_int64(s, 3),
			.tmp = st_col_str(s, 4),
			.path = st_col_str(s, 5),
			.size = sqlite3_column_int64(s, 6),
		};

		if (fn(ctx, &p) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 :
	       st_fail(st, rc, "cannot read pending lists");
}

int store_pending_clear(struct store *st, long long batch)
{
	if (st->pg)
		return pg_pending_clear(st->pg, batch);

	static const char sql[] = "DELETE FROM pending_list WHERE batch_id = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	return st_done(st, s, "cannot clear pending lists");
}

long store_batch_void(struct store *st, long long batch, long long now,
		      int (*fn)(void *ctx, long long user, long long batch),
		      void *ctx)
{
	if (st->pg)
		return pg_batch_void(st->pg, batch, now, fn, ctx);

	static const char sel[] =
		"SELECT user_id, batch_id FROM credential"
		" WHERE batch_id = ? AND state = 'current'";
	static const char upd[] =
		"UPDATE credential SET state = 'void', ended_at = ?,"
		" sealed = NULL, pwhash = NULL"
		" WHERE batch_id = ? AND state = 'current'";

	return end_credentials(st, sel, (long long[]){ batch }, 1, upd,
			       (long long[]){ now, batch }, 2, fn, ctx);
}

