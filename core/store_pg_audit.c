/*
 * store_pg_audit: the audit log as hash chains (PostgreSQL), one per
 * school: a site made here has a chain of its own, the sites copied from
 * one SQLite store share that store's chain (whose events interleave
 * them), and events of no site go to the database's own chain (1), which
 * also holds what the database held before it had chains. An event's
 * hash is SQLite's (audit_digest(), audit_walk_next()) over its place in
 * its chain (seq) and its ids less the offsets its chain was copied with,
 * so a chain copied from SQLite verifies with the hashes SQLite made.
 * audit.id stays one order over all chains. Events wait in memory and go
 * to the server through COPY, in slices and at the commit. A chain's
 * head is read once per write transaction, under the chain's lock
 * (pg_begin(), pg_lock_chain()), so two transactions never extend it
 * from the same event.
 */
#include "core/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long pg_chain_of(struct pg *pg, long long site)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	long long chain;

	if (!site)
		return 1;
	if (site == pg->last_site)
		return pg->last_site_chain;
	chain = pg_id(pg, "SELECT chain_id FROM site WHERE id = $1", 1, p,
		      "cannot read site");
	if (chain > 0) {
		pg->last_site = site;
		pg->last_site_chain = chain;
	}
	return chain;
}

/* The transaction's entry for chain, made when new. */
static struct pg_chain *chain_entry(struct pg *pg, long long chain)
{
	struct pg_chain *c;

	for (size_t i = 0; i < pg->nchains; i++)
		if (pg->chains[i].id == chain)
			return &pg->chains[i];
	if (pg->nchains == ARRAY_SIZE(pg->chains)) {
		errorf("%s: one transaction writes to more than %zu audit "
		       "chains", pg->name, ARRAY_SIZE(pg->chains));
		return NULL;
	}
	c = &pg->chains[pg->nchains++];
	memset(c, 0, sizeof(*c));
	c->id = chain;
	return c;
}

int pg_lock_chain(struct pg *pg, long long chain)
{
	struct pg_chain *c = chain_entry(pg, chain);
	char sql[80];
	int rc;

	if (!c)
		return -1;
	if (c->locked || pg->db_locked)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d, %lld)",
		 LOCK_CHAIN, chain);
	if ((rc = pg_exec(pg, sql, "cannot lock the audit chain")) != 0)
		return rc;
	c->locked = 1;
	return 0;
}

/* Reads the head and offsets of chain c, once per transaction. */
static int read_head(struct pg *pg, struct pg_chain *c)
{
	char b[24];
	const char *p[] = { pg_num(b, c->id) };
	int rc = 0;
	PGresult *res;

	if (c->have_head)
		return 0;
	res = pg_query(pg, "SELECT c.site_off, c.user_off, c.batch_off,"
		       " a.seq, a.hash FROM chain c LEFT JOIN LATERAL"
		       " (SELECT seq, hash FROM audit WHERE chain_id = c.id"
		       " ORDER BY seq DESC LIMIT 1) a ON true WHERE c.id = $1",
		       1, p, PGRES_TUPLES_OK, "cannot read audit", &rc);
	if (!res)
		return rc;
	if (pq.PQntuples(res) != 1) {
		pq.PQclear(res);
		errorf("%s: audit chain %lld is missing", pg->name, c->id);
		return -1;
	}
	c->site_off = pg_int(res, 0, 0);
	c->user_off = pg_int(res, 0, 1);
	c->batch_off = pg_int(res, 0, 2);
	c->next_seq = pg_int(res, 0, 3) + 1;
	memset(c->head, 0, sizeof(c->head));
	pg_bytes(res, 0, 4, c->head, sizeof(c->head));
	pq.PQclear(res);
	c->have_head = 1;
	return 0;
}

/* An id less its chain's offset; 0 (none) stays 0. */
static long long unshift(long long id, long long off)
{
	return id ? id - off : 0;
}

int pg_audit(struct pg *pg, long long site, const char *actor,
	     const char *action, long long user, long long batch,
	     const char *detail)
{
	unsigned char hash[SECRETS_HASH_BYTES];
	struct sbuf *sb = &pg->audit;
	struct pg_chain *c;
	char b[6][24];
	char *prev, *cur;
	long long at = now_seconds(), chain;
	int rc = 0;

	ASSERT(pg->in_tx);
	if (!detail)
		detail = "";
	if ((chain = pg_chain_of(pg, site)) <= 0) {
		if (chain == 0)
			errorf("%s: no site %lld for an audit event", pg->name,
			       site);
		return chain ? (int)chain : -1;
	}
	/* An event of another school's chain: its lock too. */
	if ((rc = pg_lock_chain(pg, chain)) != 0)
		return rc;
	c = chain_entry(pg, chain);
	if ((rc = read_head(pg, c)) != 0)
		return rc;
	audit_digest(&pg->scratch, c->head, c->next_seq, at,
		     unshift(site, c->site_off), actor, action,
		     unshift(user, c->user_off), unshift(batch, c->batch_off),
		     detail, hash);
	/* Waits, as COPY's text, for the next flush: an INSERT per event
	 * would be a round trip per user of an import. */
	prev = pg_bytea(c->head, SECRETS_HASH_BYTES);
	cur = pg_bytea(hash, SECRETS_HASH_BYTES);
	{
		const char *col[] = {
			pg_num(b[3], chain), pg_num(b[4], c->next_seq),
			pg_num(b[5], at), site ? pg_num(b[0], site) : NULL,
			user ? pg_num(b[1], user) : NULL,
			batch ? pg_num(b[2], batch) : NULL, actor, action,
			detail, prev, cur,
		};

		copy_row(sb, col, ARRAY_SIZE(col));
	}
	free(prev);
	free(cur);
	memcpy(c->head, hash, SECRETS_HASH_BYTES);
	c->next_seq++;
	return ++pg->naudit >= 8192 ? pg_flush_audit(pg) : 0;
}

int pg_flush_audit(struct pg *pg)
{
	int rc;

	if (!pg->naudit)
		return 0;
	rc = copy_in(pg, "COPY audit (chain_id, seq, at, site_id, user_id,"
		     " batch_id, actor, action, detail, prev, hash)"
		     " FROM STDIN",
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

/* What verify calls a chain: "chain 2 (origin; sites: a, b)". */
static char *chain_name(const PGresult *res, int r)
{
	return xasprintf("chain %s (%s%s%s)", pq.PQgetvalue(res, r, 0),
			 pq.PQgetvalue(res, r, 1),
			 pq.PQgetvalue(res, r, 2)[0] ? "; sites: " : "",
			 pq.PQgetvalue(res, r, 2));
}

/*
 * Walks each chain in its order, events of one chain after another (a
 * cursor would spare holding years of events at once: see the PLAN in
 * store_pg.c); each chain's total to fn.
 */
int pg_audit_verify(struct pg *pg, store_row_fn fn, void *ctx,
		    long long *events)
{
	struct audit_walk w = AUDIT_WALK_INIT;
	long long total = 0;
	int rc = 0, bad = 0, r = 0;
	PGresult *chains = NULL, *res = NULL;

	chains = pg_query(pg,
		"SELECT c.id, c.origin, coalesce((SELECT string_agg(code, ', '"
		" ORDER BY code) FROM site WHERE chain_id = c.id), ''),"
		" c.site_off, c.user_off, c.batch_off FROM chain c ORDER BY c.id",
		0, NULL, PGRES_TUPLES_OK, "cannot read audit chains", &rc);
	if (!chains)
		return rc;
	res = pg_query(pg,
		"SELECT chain_id, seq, at, coalesce(site_id, 0), actor, action,"
		" coalesce(user_id, 0), coalesce(batch_id, 0), detail, prev,"
		" hash, id FROM audit ORDER BY chain_id, seq", 0, NULL,
		PGRES_TUPLES_OK, "cannot read audit", &rc);
	if (!res)
		goto out;
	for (int ci = 0; ci < pq.PQntuples(chains) && !bad; ci++) {
		long long id = pg_int(chains, ci, 0);
		long long soff = pg_int(chains, ci, 3);
		long long uoff = pg_int(chains, ci, 4);
		long long boff = pg_int(chains, ci, 5);
		char *name = chain_name(chains, ci);
		char n[24];

		long long last = 0;

		memset(w.prev, 0, sizeof(w.prev));
		w.last_id = w.events = 0;
		w.name = name;
		for (; r < pq.PQntuples(res) && pg_int(res, r, 0) == id &&
		       !bad; r++) {
			unsigned char prev[SECRETS_HASH_BYTES + 1];
			unsigned char hash[SECRETS_HASH_BYTES + 1];
			size_t np = pg_bytes(res, r, 9, prev, sizeof(prev));
			size_t nh = pg_bytes(res, r, 10, hash, sizeof(hash));

			bad = audit_walk_next(&w, pg_int(res, r, 1),
					      pg_int(res, r, 2),
					      unshift(pg_int(res, r, 3), soff),
					      pq.PQgetvalue(res, r, 4),
					      pq.PQgetvalue(res, r, 5),
					      unshift(pg_int(res, r, 6), uoff),
					      unshift(pg_int(res, r, 7), boff),
					      pq.PQgetvalue(res, r, 8), prev,
					      np, hash, nh);
			/* A chain's events were written in its order: the
			 * database's order (id) agrees with it, so events
			 * whose ids were swapped are caught. */
			if (!bad && pg_int(res, r, 11) <= last) {
				errorf("%s: audit event %lld (id %lld) is out of "
				       "order: it was written before event %lld "
				       "(id %lld)", name, pg_int(res, r, 1),
				       pg_int(res, r, 11), pg_int(res, r, 1) - 1,
				       last);
				bad = 1;
			}
			last = pg_int(res, r, 11);
		}
		total += w.events;
		if (!bad && fn) {
			const char *vals[] = { pq.PQgetvalue(chains, ci, 0),
					       pq.PQgetvalue(chains, ci, 1),
					       pq.PQgetvalue(chains, ci, 2),
					       pg_num(n, w.events) };

			if (fn(ctx, vals) != 0)
				bad = -1;
		}
		w.name = NULL;
		free(name);
	}
	/* Events of a chain that is not there (a foreign key forbids it). */
	if (!bad && r < pq.PQntuples(res)) {
		errorf("%s: audit events of chain %s, which is missing",
		       pg->name, pq.PQgetvalue(res, r, 0));
		bad = 1;
	}
	rc = bad;
	if (events)
		*events = total;
out:
	pq.PQclear(res);
	pq.PQclear(chains);
	sbuf_release(&w.scratch);
	return rc;
}
