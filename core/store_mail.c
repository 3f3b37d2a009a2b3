/*
 * store_mail: reset tokens (their hashes only) and the deliveries of the
 * mail queue (SQLite).
 */
#include "core/store_int.h"

#include <stdio.h>
#include <string.h>

/* ==== Reset tokens and the mail queue ==== */

/* Ends the user's current reset token (a newer list or email covers them). */
static int void_tokens(struct store *st, long long user, long long now)
{
	static const char sql[] = "UPDATE reset_token SET state = 'void',"
				  " ended_at = ? WHERE user_id = ? AND"
				  " state = 'current'";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	return st_done(st, s, "cannot void reset tokens");
}

int store_batch_set_kind(struct store *st, long long batch, const char *kind)
{
	if (st->pg)
		return pg_batch_set_kind(st->pg, batch, kind);

	static const char sql[] = "UPDATE batch SET kind = ? WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	st_bind_text(s, 1, kind);
	sqlite3_bind_int64(s, 2, batch);
	return st_done(st, s, "cannot set batch kind");
}

int store_token_issue(struct store *st, long long batch, long long user,
		      const unsigned char *hash, size_t len, long long expires,
		      long long now)
{
	if (st->pg)
		return pg_token_issue(st->pg, batch, user, hash, len, expires,
			              now);

	static const char voidcred[] =
		"UPDATE credential SET state = 'void', voided_by = ?,"
		" ended_at = ?, sealed = NULL, pwhash = NULL"
		" WHERE user_id = ? AND state = 'current'";
	static const char ins[] =
		"INSERT INTO reset_token (batch_id, user_id, hash, expires_at)"
		" VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s;
	int rc;

	ASSERT(st->in_tx);
	if ((rc = void_tokens(st, user, now)) != 0)
		return rc;
	/* The email covers the user as a newer list would. */
	if (!(s = st_prep(st, voidcred)))
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, user);
	if ((rc = st_done(st, s, "cannot void credential")) != 0)
		return rc;
	if (!(s = st_prep(st, ins)))
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_blob(s, 3, hash, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, expires);
	return st_done(st, s, "cannot store reset token");
}

int store_token_find(struct store *st, long long site,
		     const unsigned char *hash, size_t len,
		     struct store_token *t)
{
	if (st->pg)
		return pg_token_find(st->pg, site, hash, len, t);

	static const char sql[] =
		"SELECT t.id, t.user_id, t.batch_id, t.expires_at, t.state,"
		" u.username FROM reset_token t JOIN user u ON u.id = t.user_id"
		" WHERE t.hash = ? AND u.site_id = ?";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc, found = 0;

	if (!s)
		return -1;
	sqlite3_bind_blob(s, 1, hash, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, site);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		t->id = sqlite3_column_int64(s, 0);
		t->user = sqlite3_column_int64(s, 1);
		t->batch = sqlite3_column_int64(s, 2);
		t->expires = sqlite3_column_int64(s, 3);
		snprintf(t->state, sizeof(t->state), "%s", st_col_str(s, 4));
		snprintf(t->username, sizeof(t->username), "%s",
			 st_col_str(s, 5));
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read reset token");
	return found;
}

int store_token_end(struct store *st, long long token, const char *state,
		    long long now)
{
	if (st->pg)
		return pg_token_end(st->pg, token, state, now);

	static const char sql[] = "UPDATE reset_token SET state = ?,"
				  " ended_at = ? WHERE id = ? AND"
				  " state = 'current'";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	st_bind_text(s, 1, state);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, token);
	if ((rc = st_done(st, s, "cannot update reset token")) != 0)
		return rc;
	return sqlite3_changes(st->db);
}

long long store_delivery_add(struct store *st, const char *file,
			     const char *message_id, long long user,
			     long long batch, const char *recipient,
			     long long now)
{
	if (st->pg)
		return pg_delivery_add(st->pg, file, message_id, user, batch,
			               recipient, now);

	static const char sql[] =
		"INSERT INTO delivery (file, message_id, user_id, batch_id,"
		" recipient, queued_at) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc;

	if (!s)
		return -1;
	st_bind_text(s, 1, file);
	st_bind_text(s, 2, message_id);
	if (user)
		sqlite3_bind_int64(s, 3, user);
	if (batch)
		sqlite3_bind_int64(s, 4, batch);
	st_bind_text(s, 5, recipient);
	sqlite3_bind_int64(s, 6, now);
	if ((rc = st_done(st, s, "cannot queue message")) != 0)
		return rc;
	return sqlite3_last_insert_rowid(st->db);
}

int store_delivery_get(struct store *st, const char *file,
		       struct store_delivery *d)
{
	if (st->pg)
		return pg_delivery_get(st->pg, file, d);

	static const char sql[] =
		"SELECT d.id, d.state, d.attempts, d.recipient,"
		" coalesce(d.user_id, 0), coalesce(d.batch_id, 0),"
		" coalesce(d.last_error, ''), coalesce(b.site_id, 0),"
		" coalesce(t.state, ''), coalesce(t.expires_at, 0), t.hash,"
		" u.status = 'left', u.claimed_at IS NOT NULL"
		" FROM delivery d LEFT JOIN batch b ON b.id = d.batch_id"
		" LEFT JOIN reset_token t ON t.batch_id = d.batch_id"
		"  AND t.user_id = d.user_id"
		" LEFT JOIN user u ON u.id = d.user_id"
		" WHERE d.file = ?";
	sqlite3_stmt *s = st_prep(st, sql);
	int rc, found = 0;

	if (!s)
		return -1;
	st_bind_text(s, 1, file);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *hash = sqlite3_column_blob(s, 10);
		int hlen = sqlite3_column_bytes(s, 10);

		d->id = sqlite3_column_int64(s, 0);
		snprintf(d->state, sizeof(d->state), "%s", st_col_str(s, 1));
		d->attempts = sqlite3_column_int(s, 2);
		snprintf(d->recipient, sizeof(d->recipient), "%s",
			 st_col_str(s, 3));
		d->user = sqlite3_column_int64(s, 4);
		d->batch = sqlite3_column_int64(s, 5);
		snprintf(d->last_error, sizeof(d->last_error), "%s",
			 st_col_str(s, 6));
		d->site = sqlite3_column_int64(s, 7);
		snprintf(d->token_state, sizeof(d->token_state), "%s",
			 st_col_str(s, 8));
		d->token_expires = sqlite3_column_int64(s, 9);
		d->token_hash_len = hash && hlen > 0 &&
				    (size_t)hlen <= sizeof(d->token_hash) ?
				    (size_t)hlen : 0;
		if (d->token_hash_len)
			memcpy(d->token_hash, hash, d->token_hash_len);
		d->user_left = sqlite3_column_int(s, 11);
		d->user_claimed = sqlite3_column_int(s, 12);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read delivery");
	return found;
}

int store_delivery_result(struct store *st, long long id, const char *state,
			  const char *error, long long now)
{
	if (st->pg)
		return pg_delivery_result(st->pg, id, state, error, now);

	static const char sql[] =
		"UPDATE delivery SET state = ?, attempts = attempts + 1,"
		" last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ?"
		" ELSE sent_at END WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	if (!s)
		return -1;
	st_bind_text(s, 1, state);
	st_bind_text(s, 2, error);
	st_bind_text(s, 3, state);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, id);
	return st_done(st, s, "cannot record delivery");
}

int store_delivery_drop(struct store *st, long long id, const char *why)
{
	if (st->pg)
		return pg_delivery_drop(st->pg, id, why);

	static const char sql[] =
		"UPDATE delivery SET state = 'dropped', last_error = ?"
		" WHERE id = ?";
	sqlite3_stmt *s = st_prep(st, sql);

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	st_bind_text(s, 1, why);
	sqlite3_bind_int64(s, 2, id);
	return st_done(st, s, "cannot record delivery");
}
