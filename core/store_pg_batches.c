/*
 * store_pg_batches: selection, batches and their credentials, and the
 * lists pending publication (PostgreSQL). A batch's credentials go to the
 * server through COPY, a slice at a time, and are written set-wise from
 * there, as SQLite's are from the rows held in memory.
 */
#include "core/store_pg_int.h"

#include "core/collate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long pg_batch_id(struct pg *pg, long long site, long long version)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], site), pg_num(b[1], version) };

	return pg_id(pg, "SELECT id FROM batch WHERE site_id = $1 AND"
		     " version = $2", 2, p, "cannot read batch");
}

int pg_pending_each(struct pg *pg,
		    int (*fn)(void *ctx, const struct store_pending *p),
		    void *ctx)
{
	int rc = 0;
	PGresult *res = pg_query(pg,
		"SELECT p.batch_id, b.site_id, b.version, p.pid, p.tmp,"
		" p.path, p.size FROM pending_list p"
		" JOIN batch b ON b.id = p.batch_id ORDER BY p.id", 0, NULL,
		PGRES_TUPLES_OK, "cannot read pending lists", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res) && rc == 0; r++) {
		struct store_pending p = {
			.batch = pg_int(res, r, 0),
			.site = pg_int(res, r, 1),
			.version = pg_int(res, r, 2),
			.pid = pg_int(res, r, 3),
			.tmp = pq.PQgetvalue(res, r, 4),
			.path = pq.PQgetvalue(res, r, 5),
			.size = pg_int(res, r, 6),
		};

		if (fn(ctx, &p) != 0)
			rc = -1;
	}
	pq.PQclear(res);
	return rc;
}

/* ==== Selection ==== */

/* The day of month of a 'YYYY-MM-DD' date into buf; "" for anything
 * else (SQLite's day_of()). */
static const char *day_of(const char *d, char buf[4])
{
	int day;

	buf[0] = '\0';
	if (strlen(d) < 10)
		return buf;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? d[i] != '-' :
		    !(d[i] >= '0' && d[i] <= '9'))
			return buf;
	day = (d[8] - '0') * 10 + (d[9] - '0');
	if (day >= 1 && day <= 31)
		snprintf(buf, 4, "%d", day);
	return buf;
}

/* A row of a selection: its values, and the day of birth's text. */
struct sel_row {
	const char *vals[12];
	char day[4];
};

static int sel_by_listing(const void *a, const void *b)
{
	const struct sel_row *x = a, *y = b;
	int c = collate_cmp(x->vals[2], y->vals[2]);

	if (!c)
		c = collate_cmp(x->vals[1], y->vals[1]);
	return c ? c : strcmp(x->vals[0], y->vals[0]);
}

/* Hands res's rows (username, forename, surname, external_id, user_type,
 * group, dob, email, email_verified, claimed, class[, id]) to fn, the
 * date as its day, sorted as listings are unless unsorted. */
static int each_selected(const PGresult *res, int ncols, int unsorted,
			 store_row_fn fn, void *ctx)
{
	int n = pq.PQntuples(res), rc = 0;
	struct sel_row *rows = xcalloc((size_t)n + 1, sizeof(*rows));

	for (int r = 0; r < n; r++) {
		for (int i = 0; i < ncols; i++)
			rows[r].vals[i] = pq.PQgetvalue(res, r, i);
		day_of(rows[r].vals[6], rows[r].day);
	}
	if (!unsorted)
		qsort(rows, (size_t)n, sizeof(*rows), sel_by_listing);
	for (int r = 0; r < n && rc == 0; r++) {
		/* Moved by the sort: its own day is pointed at here. */
		rows[r].vals[6] = rows[r].day;
		if (fn(ctx, rows[r].vals) != 0)
			rc = -1;
	}
	free(rows);
	return rc;
}

#define SELECT_COLUMNS \
	"SELECT u.username, u.forename, u.surname, u.external_id," \
	" u.user_type, %s, coalesce(u.dob, '')," \
	" coalesce(u.email, '')," \
	" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END," \
	" CASE WHEN u.claimed_at IS NULL THEN 'no' ELSE 'yes' END," \
	" coalesce(u.class, '')"

int pg_select(struct pg *pg, long long site, const char *group,
	      unsigned flags, store_row_fn fn, void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site), group,
			    flags & STORE_ALL ? "true" : "false" };
	char sql[1024];
	int rc = 0;
	PGresult *res;

	snprintf(sql, sizeof(sql), SELECT_COLUMNS ", u.id"
		 " FROM grp g JOIN membership m ON m.group_id = g.id"
		 " JOIN \"user\" u ON u.id = m.user_id"
		 " WHERE g.site_id = $1 AND g.name = $2 AND u.status = 'active'"
		 " AND ($3::boolean OR u.claimed_at IS NULL)", "g.name");
	res = pg_query(pg, sql, 3, p, PGRES_TUPLES_OK, "cannot select", &rc);
	if (!res)
		return rc;
	rc = each_selected(res, 12, (flags & STORE_UNSORTED) != 0, fn, ctx);
	pq.PQclear(res);
	return rc;
}

int pg_select_user(struct pg *pg, long long site, const char *username,
		   const char *label, store_row_fn fn, void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site), username, label };
	char sql[1024];
	int rc = 0;
	PGresult *res;

	snprintf(sql, sizeof(sql), SELECT_COLUMNS " FROM \"user\" u"
		 " WHERE u.site_id = $1 AND u.username = $2", "$3::text");
	res = pg_query(pg, sql, 3, p, PGRES_TUPLES_OK, "cannot select", &rc);
	if (!res)
		return rc;
	rc = each_selected(res, 11, 1, fn, ctx);
	pq.PQclear(res);
	return rc;
}

int pg_unavailable(struct pg *pg, long long site,
		   void (*fn)(void *ctx, long long user), void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	int rc = 0;
	PGresult *res = pg_query(pg, "SELECT id FROM \"user\" WHERE"
				 " site_id = $1 AND (claimed_at IS NOT NULL"
				 " OR status = 'left')", 1, p,
				 PGRES_TUPLES_OK, "cannot read users", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res); r++)
		fn(ctx, pg_int(res, r, 0));
	pq.PQclear(res);
	return 0;
}

int pg_targets(struct pg *pg, long long site,
	       int (*fn)(void *ctx, const struct store_target_row *t),
	       void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	int rc = 0;
	PGresult *res = pg_query(pg,
		"SELECT id, username, forename, surname, user_type,"
		" coalesce(email, ''), email_verified,"
		" (claimed_at IS NOT NULL)::int, (status = 'left')::int,"
		" coalesce(class, '') FROM \"user\" WHERE site_id = $1", 1, p,
		PGRES_TUPLES_OK, "cannot read users", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res) && rc == 0; r++) {
		struct store_target_row t = {
			.id = pg_int(res, r, 0),
			.username = pq.PQgetvalue(res, r, 1),
			.forename = pq.PQgetvalue(res, r, 2),
			.surname = pq.PQgetvalue(res, r, 3),
			.user_type = pq.PQgetvalue(res, r, 4),
			.email = pq.PQgetvalue(res, r, 5),
			.email_verified = (int)pg_int(res, r, 6),
			.claimed = (int)pg_int(res, r, 7),
			.left = (int)pg_int(res, r, 8),
			.class_name = pq.PQgetvalue(res, r, 9),
		};

		if (fn(ctx, &t) != 0)
			rc = -1;
	}
	pq.PQclear(res);
	return rc;
}

/* ==== Batches ==== */

/* The next version of the site: the write lock (pg_begin()) keeps two
 * transactions from taking the same one. */
int pg_batch_create(struct pg *pg, long long site, const char *actor,
		    const char *criteria, long long count, long long now,
		    long long *id, long long *version)
{
	char b[4][24];
	const char *p[] = { pg_num(b[0], site), actor, pg_num(b[1], now),
			    criteria, pg_num(b[2], count) };
	int rc = 0;
	PGresult *res;

	ASSERT(pg->in_tx);
	res = pg_query(pg, "INSERT INTO batch (site_id, version, actor,"
		       " created_at, criteria, count) SELECT $1,"
		       " coalesce(max(version), 0) + 1, $2, $3, $4, $5"
		       " FROM batch WHERE site_id = $1 RETURNING id, version",
		       5, p, PGRES_TUPLES_OK, "cannot create batch", &rc);
	if (!res)
		return rc;
	*id = pg_int(res, 0, 0);
	*version = pg_int(res, 0, 1);
	pq.PQclear(res);
	return 0;
}

int pg_list_batches(struct pg *pg, long long site, store_row_fn fn,
		    void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	int rc = 0;
	PGresult *res = pg_query(pg,
		"WITH ends AS ("
		"  SELECT batch_id,"
		"   count(*) FILTER (WHERE state = 'current') AS current,"
		"   count(*) FILTER (WHERE state = 'claimed') AS claimed,"
		"   count(*) FILTER (WHERE state = 'void') AS void,"
		"   count(*) FILTER (WHERE state = 'expired') AS expired,"
		"   count(*) FILTER (WHERE state = 'revoked') AS revoked"
		"  FROM (SELECT batch_id, state FROM credential"
		"   UNION ALL SELECT batch_id, CASE state WHEN 'used'"
		"    THEN 'claimed' ELSE state END FROM reset_token) x"
		"  GROUP BY batch_id)"
		"SELECT b.version, b.created_at, b.actor, b.criteria, b.count,"
		" coalesce(e.current, 0), coalesce(e.claimed, 0),"
		" coalesce(e.void, 0), coalesce(e.expired, 0),"
		" coalesce(e.revoked, 0), b.kind"
		" FROM batch b LEFT JOIN ends e ON e.batch_id = b.id"
		" WHERE b.site_id = $1 ORDER BY b.version DESC", 1, p,
		PGRES_TUPLES_OK, "cannot list batches", &rc);

	if (!res)
		return rc;
	rc = pg_each_row_at(res, 1, fn, ctx);
	pq.PQclear(res);
	return rc;
}

/* ==== Issuing a batch ==== */

void pg_issue_begin(struct pg *pg, long long batch, long long now,
		    void (*voided)(void *ctx, long long user,
				   long long version),
		    void *ctx)
{
	ASSERT(pg->in_tx && pg->nissue == 0);
	pg->issue_batch = batch;
	pg->issue_now = now;
	pg->issue_voided = voided;
	pg->issue_ctx = ctx;
}

/*
 * Writes the credentials waiting: COPY into a temporary table, then, as
 * SQLite's flush_issue() does, set-wise: the users' current credentials
 * are voided (issue_voided told of each), the new ones
 * inserted, the users' reset tokens voided. The partial unique index of
 * current credentials holds one per user whatever happens.
 */
static int flush_issue(struct pg *pg)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], pg->issue_batch),
			    pg_num(b[1], pg->issue_now) };
	int rc = 0;
	PGresult *res;

	if (pg->nissue == 0)
		return 0;
	if ((rc = pg_exec(pg, "CREATE TEMP TABLE IF NOT EXISTS issue_new ("
			  "user_id bigint, grp text, sealed bytea,"
			  " pwhash text, expires_at bigint)"
			  " ON COMMIT DROP; TRUNCATE issue_new",
			  "cannot issue credentials")) != 0 ||
	    (rc = copy_in(pg, "COPY issue_new FROM STDIN", &pg->issue,
			  "cannot issue credentials")) != 0)
		goto out;
	res = pg_query(pg, "UPDATE credential SET state = 'void',"
		       " voided_by = $1, ended_at = $2, sealed = NULL,"
		       " pwhash = NULL FROM issue_new n, batch b"
		       " WHERE credential.user_id = n.user_id"
		       " AND credential.state = 'current'"
		       " AND b.id = credential.batch_id"
		       " RETURNING credential.user_id, b.version", 2, p,
		       PGRES_TUPLES_OK, "cannot void credentials", &rc);
	if (!res)
		goto out;
	for (int r = 0; r < pq.PQntuples(res); r++)
		pg->issue_voided(pg->issue_ctx, pg_int(res, r, 0),
				 pg_int(res, r, 1));
	pq.PQclear(res);
	if ((rc = pg_run(pg, "INSERT INTO credential (batch_id, user_id, grp,"
			 " sealed, pwhash, expires_at) SELECT $1, user_id,"
			 " grp, sealed, pwhash, expires_at FROM issue_new"
			 " ORDER BY user_id", 1, p,
			 "cannot issue credentials")) != 0)
		goto out;
	rc = pg_run(pg, "UPDATE reset_token SET state = 'void', ended_at = $1"
		    " FROM issue_new n WHERE reset_token.user_id = n.user_id"
		    " AND reset_token.state = 'current'", 1, p + 1,
		    "cannot void reset tokens");
out:
	sbuf_reset(&pg->issue);
	pg->nissue = 0;
	return rc;
}

int pg_issue_add(struct pg *pg, long long user, const char *group,
		 const unsigned char *sealed, size_t len, const char *pwhash,
		 long long expires)
{
	struct sbuf *sb = &pg->issue;

	ASSERT(pg->in_tx && pg->issue_voided);
	sbuf_addf(sb, "%lld\t", user);
	copy_text(sb, group);
	sbuf_addch(sb, '\t');
	if (sealed && len) {
		char *hex = pg_bytea(sealed, len);

		copy_text(sb, hex);
		free(hex);
	} else {
		copy_text(sb, NULL);
	}
	sbuf_addch(sb, '\t');
	copy_text(sb, pwhash);
	sbuf_addf(sb, "\t%lld\n", expires);
	/* A slice at a time: the memory held is bounded. */
	return ++pg->nissue >= 8192 ? flush_issue(pg) : 0;
}

int pg_issue_finish(struct pg *pg)
{
	int rc = flush_issue(pg);

	pg->issue_voided = NULL;
	return rc;
}

static void one_voided(void *ctx, long long user, long long version)
{
	(void)user;
	*(long long *)ctx = version;
}

long long pg_credential_issue(struct pg *pg, long long batch, long long user,
			      const char *group, const unsigned char *sealed,
			      size_t len, const char *pwhash,
			      long long expires, long long now,
			      long long *voided_version)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], batch), pg_num(b[1], user) };
	int rc;

	*voided_version = 0;
	pg_issue_begin(pg, batch, now, one_voided, voided_version);
	if ((rc = pg_issue_add(pg, user, group, sealed, len, pwhash,
			       expires)) != 0 ||
	    (rc = pg_issue_finish(pg)) != 0)
		return rc;
	return pg_id(pg, "SELECT id FROM credential WHERE batch_id = $1 AND"
		     " user_id = $2 AND state = 'current'", 2, p,
		     "cannot read credential");
}

/* ==== Credentials ==== */

/* Fills c from res's row: id, batch, version, expires, sealed, pwhash,
 * failed. */
static void fill_credential(const PGresult *res, struct store_credential *c)
{
	c->id = pg_int(res, 0, 0);
	c->batch = pg_int(res, 0, 1);
	c->version = pg_int(res, 0, 2);
	c->expires = pg_int(res, 0, 3);
	c->sealed_len = pg_bytes(res, 0, 4, c->sealed, sizeof(c->sealed));
	snprintf(c->pwhash, sizeof(c->pwhash), "%s", pq.PQgetvalue(res, 0, 5));
	c->failed = (int)pg_int(res, 0, 6);
}

/* The credential that where (a condition on c, of $1) finds, with key
 * for $1, into c: 1, 0 when none, or -1 or STORE_BUSY. */
static int one_credential(struct pg *pg, const char *where, long long key,
			  struct store_credential *c)
{
	char b[24], sql[512];
	const char *p[] = { pg_num(b, key) };
	int rc = 0, found;
	PGresult *res;

	snprintf(sql, sizeof(sql), "SELECT c.id, c.batch_id, b.version,"
		 " c.expires_at, c.sealed, c.pwhash, c.failed FROM credential c"
		 " JOIN batch b ON b.id = c.batch_id WHERE %s", where);
	res = pg_query(pg, sql, 1, p, PGRES_TUPLES_OK,
		       "cannot read credential", &rc);
	if (!res)
		return rc;
	found = pq.PQntuples(res) > 0;
	if (found)
		fill_credential(res, c);
	pq.PQclear(res);
	return found;
}

int pg_current_credential(struct pg *pg, long long user,
			  struct store_credential *c)
{
	return one_credential(pg, "c.user_id = $1 AND c.state = 'current'",
			      user, c);
}

int pg_sealed(struct pg *pg, struct store_sealed *one)
{
	int rc = 0, found;
	PGresult *res = pg_query(pg,
		"SELECT b.site_id - h.site_off, c.user_id - h.user_off,"
		" c.batch_id - h.batch_off, c.sealed"
		" FROM credential c JOIN batch b ON b.id = c.batch_id"
		" JOIN site s ON s.id = b.site_id JOIN chain h ON h.id = s.chain_id"
		" WHERE c.state = 'current' AND c.sealed IS NOT NULL"
		" ORDER BY c.id DESC LIMIT 1", 0, NULL, PGRES_TUPLES_OK,
		"cannot read credentials", &rc);

	if (!res)
		return rc;
	found = pq.PQntuples(res) > 0;
	if (found) {
		one->site = pg_int(res, 0, 0);
		one->user = pg_int(res, 0, 1);
		one->batch = pg_int(res, 0, 2);
		one->len = pg_bytes(res, 0, 3, one->sealed,
				    sizeof(one->sealed));
	}
	pq.PQclear(res);
	return found;
}

int pg_credential_get(struct pg *pg, long long id, struct store_credential *c)
{
	return one_credential(pg, "c.id = $1", id, c);
}

/* One statement, the row locked while it is counted: parallel attempts
 * are each counted. */
int pg_credential_attempt(struct pg *pg, long long credential)
{
	char b[24];
	const char *p[] = { pg_num(b, credential) };

	return (int)pg_id(pg, "UPDATE credential SET failed = failed + 1"
			  " WHERE id = $1 AND state = 'current'"
			  " RETURNING failed", 1, p,
			  "cannot count the attempt");
}

int pg_credential_verified(struct pg *pg, long long credential)
{
	char b[24];
	const char *p[] = { pg_num(b, credential) };

	return pg_run(pg, "UPDATE credential SET failed = failed - 1"
		      " WHERE id = $1 AND failed > 0", 1, p,
		      "cannot update credential");
}

/* The rows an UPDATE changed, or -1 or STORE_BUSY (reported). */
static long changed(struct pg *pg, const char *sql, int n,
		    const char *const *params, const char *what)
{
	int rc = 0;
	PGresult *res = pg_query(pg, sql, n, params, PGRES_COMMAND_OK, what,
				 &rc);
	long k;

	if (!res)
		return rc;
	k = atol(pq.PQcmdTuples(res));
	pq.PQclear(res);
	return k;
}

int pg_claim(struct pg *pg, long long user, long long now)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], now), pg_num(b[1], user) };
	long marked, ended;

	ASSERT(pg->in_tx);
	if ((marked = changed(pg, "UPDATE \"user\" SET claimed_at = $1"
			      " WHERE id = $2 AND claimed_at IS NULL", 2, p,
			      "cannot claim")) < 0)
		return (int)marked;
	if ((ended = changed(pg, "UPDATE credential SET state = 'claimed',"
			     " ended_at = $1, sealed = NULL, pwhash = NULL"
			     " WHERE user_id = $2 AND state = 'current'", 2,
			     p, "cannot claim")) < 0)
		return (int)ended;
	if (ended > 0)
		return 1;
	return marked ? 0 : STORE_CLAIMED_BEFORE;
}

/*
 * Ends the credentials that upd ends, in the open transaction: upd (an
 * UPDATE ... RETURNING user_id, batch_id) ends them, then fn(ctx, user,
 * batch) is called for each, for the audit, which goes in the same
 * transaction. Returns how many, or -1.
 */
static long end_credentials(struct pg *pg, const char *upd, int n,
			    const char *const *params,
			    int (*fn)(void *ctx, long long user,
				      long long batch),
			    void *ctx)
{
	int rc = 0;
	PGresult *res;
	long k;

	ASSERT(pg->in_tx);
	res = pg_query(pg, upd, n, params, PGRES_TUPLES_OK,
		       "cannot end credentials", &rc);
	if (!res)
		return rc;
	k = pq.PQntuples(res);
	for (int r = 0; r < k && rc == 0; r++)
		if (fn(ctx, pg_int(res, r, 0), pg_int(res, r, 1)) != 0)
			rc = -1;
	pq.PQclear(res);
	return rc ? rc : k;
}

long pg_expire(struct pg *pg, long long site, long long now,
	       int (*fn)(void *ctx, long long user, long long batch),
	       void *ctx)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], now), pg_num(b[1], site) };

	return end_credentials(pg, "UPDATE credential SET state = 'expired',"
			       " ended_at = $1, sealed = NULL, pwhash = NULL"
			       " WHERE state = 'current' AND expires_at <= $1"
			       " AND batch_id IN (SELECT id FROM batch"
			       " WHERE site_id = $2)"
			       " RETURNING user_id, batch_id", 2, p, fn, ctx);
}

long pg_batch_void(struct pg *pg, long long batch, long long now,
		   int (*fn)(void *ctx, long long user, long long batch),
		   void *ctx)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], now), pg_num(b[1], batch) };

	return end_credentials(pg, "UPDATE credential SET state = 'void',"
			       " ended_at = $1, sealed = NULL, pwhash = NULL"
			       " WHERE batch_id = $2 AND state = 'current'"
			       " RETURNING user_id, batch_id", 2, p, fn, ctx);
}

/* Hands each row of res (a store_cred_row's columns) to fn. */
static int each_cred_row(const PGresult *res, store_cred_fn fn, void *ctx)
{
	for (int r = 0; r < pq.PQntuples(res); r++) {
		struct store_cred_row c = {
			.username = pq.PQgetvalue(res, r, 0),
			.state = pq.PQgetvalue(res, r, 1),
			.id = pg_int(res, r, 2),
			.user = pg_int(res, r, 3),
			.batch = pg_int(res, r, 4),
			.version = pg_int(res, r, 5),
			.created = pg_int(res, r, 6),
			.expires = pg_int(res, r, 7),
			.ended = pg_int(res, r, 8),
			.voided_by = pg_int(res, r, 9),
			.failed = (int)pg_int(res, r, 10),
		};

		if (fn(ctx, &c) != 0)
			return -1;
	}
	return 0;
}

#define CRED_ROW_SQL \
	"SELECT u.username, c.state, c.id, c.user_id, c.batch_id," \
	" b.version, b.created_at, c.expires_at, coalesce(c.ended_at, 0)," \
	" coalesce(vb.version, 0), c.failed" \
	" FROM credential c JOIN batch b ON b.id = c.batch_id" \
	" JOIN \"user\" u ON u.id = c.user_id" \
	" LEFT JOIN batch vb ON vb.id = c.voided_by"

static int cred_rows(struct pg *pg, const char *sql, int n,
		     const char *const *params, store_cred_fn fn, void *ctx)
{
	int rc = 0;
	PGresult *res = pg_query(pg, sql, n, params, PGRES_TUPLES_OK,
				 "cannot read credentials", &rc);

	if (!res)
		return rc;
	rc = each_cred_row(res, fn, ctx);
	pq.PQclear(res);
	return rc;
}

int pg_batch_members(struct pg *pg, long long batch, long long now,
		     int max_failed, store_member_fn fn, void *ctx)
{
	char b[3][24];
	const char *p[] = { pg_num(b[0], batch), pg_num(b[1], now),
			    pg_num(b[2], max_failed) };
	int rc = 0;
	PGresult *res = pg_query(pg, "SELECT u.username,"
				 " (c.state = 'current' AND c.expires_at > $2"
				 " AND c.failed < $3)::int"
				 " FROM credential c JOIN \"user\" u"
				 " ON u.id = c.user_id WHERE c.batch_id = $1",
				 3, p, PGRES_TUPLES_OK,
				 "cannot read credentials", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res) && rc == 0; r++)
		if (fn(ctx, pq.PQgetvalue(res, r, 0),
		       (int)pg_int(res, r, 1)) != 0)
			rc = -1;
	pq.PQclear(res);
	return rc;
}

int pg_batch_not_current(struct pg *pg, long long batch, long long now,
			 int max_failed, store_cred_fn fn, void *ctx)
{
	char b[3][24];
	const char *p[] = { pg_num(b[0], batch), pg_num(b[1], now),
			    pg_num(b[2], max_failed) };

	return cred_rows(pg, CRED_ROW_SQL " WHERE c.batch_id = $1 AND NOT"
			 " (c.state = 'current' AND c.expires_at > $2"
			 " AND c.failed < $3)", 3, p, fn, ctx);
}

int pg_previous_versions(struct pg *pg, long long site, long long version,
			 int (*fn)(void *ctx, const char *username,
				   long long version),
			 void *ctx)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], site), pg_num(b[1], version) };
	int rc = 0;
	PGresult *res = pg_query(pg, "SELECT u.username, max(b.version)"
				 " FROM credential c JOIN batch b"
				 " ON b.id = c.batch_id JOIN \"user\" u"
				 " ON u.id = c.user_id WHERE b.site_id = $1"
				 " AND b.version < $2 GROUP BY u.id, u.username",
				 2, p, PGRES_TUPLES_OK,
				 "cannot read credentials", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res) && rc == 0; r++)
		if (fn(ctx, pq.PQgetvalue(res, r, 0), pg_int(res, r, 1)))
			rc = -1;
	pq.PQclear(res);
	return rc;
}

int pg_user_credentials(struct pg *pg, long long user, store_cred_fn fn,
			void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, user) };

	return cred_rows(pg, CRED_ROW_SQL " WHERE c.user_id = $1"
			 " ORDER BY c.id DESC", 1, p, fn, ctx);
}

/* ==== Lists pending publication ==== */

int pg_pending_add(struct pg *pg, long long batch, long long pid,
		   const char *tmp, const char *path, long long size)
{
	char b[3][24];
	const char *p[] = { pg_num(b[0], batch), pg_num(b[1], pid), tmp, path,
			    pg_num(b[2], size) };

	ASSERT(pg->in_tx);
	return pg_run(pg, "INSERT INTO pending_list (batch_id, pid, tmp,"
		      " path, size) VALUES ($1, $2, $3, $4, $5)", 5, p,
		      "cannot record a pending list");
}

int pg_pending_clear(struct pg *pg, long long batch)
{
	char b[24];
	const char *p[] = { pg_num(b, batch) };

	return pg_run(pg, "DELETE FROM pending_list WHERE batch_id = $1", 1,
		      p, "cannot clear pending lists");
}
