/*
 * store_pg_audit: the audit log as a hash chain (PostgreSQL), the same
 * chain as SQLite's (audit_digest(), audit_walk_next()), so that a store
 * copied from one to the other still verifies. Events wait in memory and
 * go to the server through COPY, in slices and at the commit. One chain for the whole
 * database: its head is read once per write transaction, under the write
 * lock (pg_begin()), so two transactions never extend it from the same
 * event.
 */
#include "core/store_pg_int.h"

#include <stdlib.h>
#include <string.h>

int pg_audit(struct pg *pg, long long site, const char *actor,
	     const char *action, long long user, long long batch,
	     const char *detail)
{
	unsigned char hash[SECRETS_HASH_BYTES];
	struct sbuf *sb = &pg->audit;
	char b[3][24];
	char *prev, *cur;
	long long at = now_seconds();
	int rc = 0;

	ASSERT(pg->in_tx);
	if (!detail)
		detail = "";
	if (!pg->have_head) {
		PGresult *res = pg_query(pg, "SELECT id, hash FROM audit"
					 " ORDER BY id DESC LIMIT 1", 0, NULL,
					 PGRES_TUPLES_OK, "cannot read audit",
					 &rc);

		if (!res)
			return rc;
		memset(pg->head, 0, sizeof(pg->head));
		pg->next_audit = 1;
		if (pq.PQntuples(res) == 1) {
			pg->next_audit = pg_int(res, 0, 0) + 1;
			pg_bytes(res, 0, 1, pg->head, sizeof(pg->head));
		}
		pq.PQclear(res);
		pg->have_head = 1;
	}
	audit_digest(&pg->scratch, pg->head, pg->next_audit, at, site, actor,
		     action, user, batch, detail, hash);
	/* Waits, as COPY's text, for the next flush: an INSERT per event
	 * would be a round trip per user of an import. */
	prev = pg_bytea(pg->head, SECRETS_HASH_BYTES);
	cur = pg_bytea(hash, SECRETS_HASH_BYTES);
	sbuf_addf(sb, "%lld\t%lld\t", pg->next_audit, at);
	copy_text(sb, site ? pg_num(b[0], site) : NULL);
	sbuf_addch(sb, '\t');
	copy_text(sb, user ? pg_num(b[1], user) : NULL);
	sbuf_addch(sb, '\t');
	copy_text(sb, batch ? pg_num(b[2], batch) : NULL);
	sbuf_addch(sb, '\t');
	copy_text(sb, actor);
	sbuf_addch(sb, '\t');
	copy_text(sb, action);
	sbuf_addch(sb, '\t');
	copy_text(sb, detail);
	sbuf_addch(sb, '\t');
	copy_text(sb, prev);
	sbuf_addch(sb, '\t');
	copy_text(sb, cur);
	sbuf_addch(sb, '\n');
	free(prev);
	free(cur);
	memcpy(pg->head, hash, SECRETS_HASH_BYTES);
	pg->next_audit++;
	return ++pg->naudit >= 8192 ? pg_flush_audit(pg) : 0;
}

int pg_flush_audit(struct pg *pg)
{
	int rc;

	if (!pg->naudit)
		return 0;
	rc = copy_in(pg, "COPY audit (id, at, site_id, user_id, batch_id,"
		     " actor, action, detail, prev, hash) FROM STDIN",
		     &pg->audit, "cannot write audit events");
	sbuf_reset(&pg->audit);
	pg->naudit = 0;
	return rc;
}

int pg_list_audit(struct pg *pg, long long site, long long user,
		  long long batch, long long since, store_row_fn fn, void *ctx)
{
	char b[4][24];
	const char *p[] = { pg_num(b[0], site), pg_num(b[1], user),
			    pg_num(b[2], batch), pg_num(b[3], since) };
	int rc = 0;
	PGresult *res;

	/* Inside a transaction, its own events too. */
	if (pg->in_tx && (rc = pg_flush_audit(pg)) != 0)
		return rc;
	res = pg_query(pg,
		"SELECT a.id, a.at, a.actor, a.action,"
		" coalesce(u.username, ''), coalesce(b.version::text, ''),"
		" a.detail FROM audit a"
		" LEFT JOIN \"user\" u ON u.id = a.user_id"
		" LEFT JOIN batch b ON b.id = a.batch_id"
		" WHERE (a.site_id = $1 OR a.site_id IS NULL)"
		" AND ($2 = 0 OR a.user_id = $2) AND ($3 = 0 OR a.batch_id = $3)"
		" AND a.at >= $4 ORDER BY a.id", 4, p, PGRES_TUPLES_OK,
		"cannot read audit", &rc);

	if (!res)
		return rc;
	rc = pg_each_row_at(res, 1, fn, ctx);
	pq.PQclear(res);
	return rc;
}

int pg_audit_verify(struct pg *pg, long long *events)
{
	struct audit_walk w = AUDIT_WALK_INIT;
	int rc = 0, bad = 0;
	PGresult *res = pg_query(pg,
		"SELECT id, at, coalesce(site_id, 0), actor, action,"
		" coalesce(user_id, 0), coalesce(batch_id, 0), detail, prev,"
		" hash FROM audit ORDER BY id", 0, NULL, PGRES_TUPLES_OK,
		"cannot read audit", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res) && !bad; r++) {
		unsigned char prev[SECRETS_HASH_BYTES + 1];
		unsigned char hash[SECRETS_HASH_BYTES + 1];
		size_t np = pg_bytes(res, r, 8, prev, sizeof(prev));
		size_t nh = pg_bytes(res, r, 9, hash, sizeof(hash));

		bad = audit_walk_next(&w, pg_int(res, r, 0), pg_int(res, r, 1),
				      pg_int(res, r, 2),
				      pq.PQgetvalue(res, r, 3),
				      pq.PQgetvalue(res, r, 4),
				      pg_int(res, r, 5), pg_int(res, r, 6),
				      pq.PQgetvalue(res, r, 7), prev, np,
				      hash, nh);
	}
	pq.PQclear(res);
	sbuf_release(&w.scratch);
	if (events)
		*events = w.events;
	return bad;
}
