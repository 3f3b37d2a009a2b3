/*
 * store_pg_mail: reset tokens (their hashes only) and the deliveries of
 * the mail queue (PostgreSQL).
 */
#include "core/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pg_batch_set_kind(struct pg *pg, long long batch, const char *kind)
{
	char b[24];
	const char *p[] = { kind, pg_num(b, batch) };

	return pg_run(pg, "UPDATE batch SET kind = $1 WHERE id = $2", 2, p,
		      "cannot set batch kind");
}

int pg_token_issue(struct pg *pg, long long batch, long long user,
		   const unsigned char *hash, size_t len, long long expires,
		   long long now)
{
	char b[4][24];
	char *hex = pg_bytea(hash, len);
	const char *v[] = { pg_num(b[0], now), pg_num(b[1], user) };
	const char *c[] = { pg_num(b[2], batch), b[0], b[1] };
	const char *t[] = { b[2], b[1], hex, pg_num(b[3], expires) };
	int rc;

	ASSERT(pg->in_tx);
	/* The email covers the user as a newer list would: their current
	 * token and temporary password end. */
	rc = pg_run(pg, "UPDATE reset_token SET state = 'void', ended_at = $1"
		    " WHERE user_id = $2 AND state = 'current'", 2, v,
		    "cannot void reset tokens");
	if (rc == 0)
		rc = pg_run(pg, "UPDATE credential SET state = 'void',"
			    " voided_by = $1, ended_at = $2, sealed = NULL,"
			    " pwhash = NULL WHERE user_id = $3"
			    " AND state = 'current'", 3, c,
			    "cannot void credential");
	if (rc == 0)
		rc = pg_run(pg, "INSERT INTO reset_token (batch_id, user_id,"
			    " hash, expires_at) VALUES ($1, $2, $3, $4)", 4, t,
			    "cannot store reset token");
	free(hex);
	return rc;
}

int pg_token_find(struct pg *pg, long long site, const unsigned char *hash,
		  size_t len, struct store_token *t)
{
	char b[24];
	char *hex = pg_bytea(hash, len);
	const char *p[] = { hex, pg_num(b, site) };
	int rc = 0, found;
	PGresult *res = pg_query(pg,
		"SELECT t.id, t.user_id, t.batch_id, t.expires_at, t.state,"
		" u.username FROM reset_token t JOIN \"user\" u"
		" ON u.id = t.user_id WHERE t.hash = $1 AND u.site_id = $2", 2,
		p, PGRES_TUPLES_OK, "cannot read reset token", &rc);

	free(hex);
	if (!res)
		return rc;
	found = pq.PQntuples(res) > 0;
	if (found) {
		t->id = pg_int(res, 0, 0);
		t->user = pg_int(res, 0, 1);
		t->batch = pg_int(res, 0, 2);
		t->expires = pg_int(res, 0, 3);
		snprintf(t->state, sizeof(t->state), "%s",
			 pq.PQgetvalue(res, 0, 4));
		snprintf(t->username, sizeof(t->username), "%s",
			 pq.PQgetvalue(res, 0, 5));
	}
	pq.PQclear(res);
	return found;
}

int pg_token_end(struct pg *pg, long long token, const char *state,
		 long long now)
{
	char b[2][24];
	const char *p[] = { state, pg_num(b[0], now), pg_num(b[1], token) };
	int rc = 0, n;
	PGresult *res;

	ASSERT(pg->in_tx);
	res = pg_query(pg, "UPDATE reset_token SET state = $1, ended_at = $2"
		       " WHERE id = $3 AND state = 'current'", 3, p,
		       PGRES_COMMAND_OK, "cannot update reset token", &rc);
	if (!res)
		return rc;
	n = atoi(pq.PQcmdTuples(res));
	pq.PQclear(res);
	return n;
}

long long pg_delivery_add(struct pg *pg, const char *file,
			  const char *message_id, long long user,
			  long long batch, const char *recipient, long long now)
{
	char b[3][24];
	const char *p[] = { file, message_id, user ? pg_num(b[0], user) : NULL,
			    batch ? pg_num(b[1], batch) : NULL, recipient,
			    pg_num(b[2], now) };

	return pg_id(pg, "INSERT INTO delivery (file, message_id, user_id,"
		     " batch_id, recipient, queued_at) VALUES ($1, $2, $3, $4,"
		     " $5, $6) RETURNING id", 6, p, "cannot queue message");
}

int pg_delivery_get(struct pg *pg, const char *file,
		    struct store_delivery *d)
{
	const char *p[] = { file };
	int rc = 0, found;
	PGresult *res = pg_query(pg,
		"SELECT d.id, d.state, d.attempts, d.recipient,"
		" coalesce(d.user_id, 0), coalesce(d.batch_id, 0),"
		" coalesce(d.last_error, ''), coalesce(b.site_id, 0),"
		" coalesce(t.state, ''), coalesce(t.expires_at, 0), t.hash,"
		" (u.status = 'left')::int, (u.claimed_at IS NOT NULL)::int"
		" FROM delivery d LEFT JOIN batch b ON b.id = d.batch_id"
		" LEFT JOIN reset_token t ON t.batch_id = d.batch_id"
		"  AND t.user_id = d.user_id"
		" LEFT JOIN \"user\" u ON u.id = d.user_id"
		" WHERE d.file = $1", 1, p, PGRES_TUPLES_OK,
		"cannot read delivery", &rc);

	if (!res)
		return rc;
	found = pq.PQntuples(res) > 0;
	if (found) {
		d->id = pg_int(res, 0, 0);
		snprintf(d->state, sizeof(d->state), "%s",
			 pq.PQgetvalue(res, 0, 1));
		d->attempts = (int)pg_int(res, 0, 2);
		snprintf(d->recipient, sizeof(d->recipient), "%s",
			 pq.PQgetvalue(res, 0, 3));
		d->user = pg_int(res, 0, 4);
		d->batch = pg_int(res, 0, 5);
		snprintf(d->last_error, sizeof(d->last_error), "%s",
			 pq.PQgetvalue(res, 0, 6));
		d->site = pg_int(res, 0, 7);
		snprintf(d->token_state, sizeof(d->token_state), "%s",
			 pq.PQgetvalue(res, 0, 8));
		d->token_expires = pg_int(res, 0, 9);
		d->token_hash_len = pg_bytes(res, 0, 10, d->token_hash,
					     sizeof(d->token_hash));
		d->user_left = (int)pg_int(res, 0, 11);
		d->user_claimed = (int)pg_int(res, 0, 12);
	}
	pq.PQclear(res);
	return found;
}

int pg_delivery_result(struct pg *pg, long long id, const char *state,
		       const char *error, long long now)
{
	char b[2][24];
	const char *p[] = { state, error, pg_num(b[0], now),
			    pg_num(b[1], id) };

	return pg_run(pg, "UPDATE delivery SET state = $1,"
		      " attempts = attempts + 1, last_error = $2,"
		      " sent_at = CASE WHEN $1 = 'sent' THEN $3::bigint"
		      " ELSE sent_at END WHERE id = $4", 4, p,
		      "cannot record delivery");
}

int pg_delivery_drop(struct pg *pg, long long id, const char *why)
{
	char b[24];
	const char *p[] = { why, pg_num(b, id) };

	return pg_run(pg, "UPDATE delivery SET state = 'dropped',"
		      " last_error = $1 WHERE id = $2", 2, p,
		      "cannot record delivery");
}
