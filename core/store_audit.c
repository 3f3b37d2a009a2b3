/*
 * store_audit: the append-only audit log as a hash chain (SQLite). Events
 * wait in memory and are moved into the log in slices and at commit: one
 * insert into the indexed log between a stage's other writes costs more
 * than the rest of a regeneration.
 */
#include "core/store_int.h"

#include <string.h>

int audit_flush(struct store *st)
{
	static const char ins[] =
		"INSERT INTO audit (id, at, site_id, user_id, batch_id, actor,"
		" action, detail, prev, hash)"
		" SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 FROM rows(?1)";
	sqlite3_stmt *s;
	int rc;

	if (!st->audit.n)
		return 0;
	if (!(s = st_prep(st, ins)))
		return -1;
	rc = rows_run(st, s, &st->audit, "cannot write audit events");
	rows_clear(&st->audit);
	return rc;
}

/*
 * Writes the new users and memberships waiting in a bulk transaction,
 * users first: a membership names its user.
 */

/* ==== Audit ==== */

/*
 * The bytes an event's hash covers: the previous hash, the numbers as 8
 * bytes each (little-endian), then each text with its length first, so no
 * two events can encode alike by moving bytes between fields.
 */
static void put_u64(struct sbuf *sb, unsigned long long v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	sbuf_add(sb, b, sizeof(b));
}

void audit_digest(struct sbuf *sb, const unsigned char prev[SECRETS_HASH_BYTES],
		  long long id, long long at, long long site,
		  const char *actor, const char *action, long long user,
		  long long batch, const char *detail,
		  unsigned char out[SECRETS_HASH_BYTES])
{
	const char *texts[] = { actor, action, detail };
	const long long nums[] = { id, at, site, user, batch };

	sbuf_reset(sb);
	sbuf_add(sb, prev, SECRETS_HASH_BYTES);
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
		put_u64(sb, (unsigned long long)nums[i]);
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		size_t n = strlen(texts[i]);

		put_u64(sb, n);
		sbuf_add(sb, texts[i], n);
	}
	secrets_hash(sb->buf, sb->len, out);
}

int audit_walk_next(struct audit_walk *w, long long id, long long at,
		    long long site, const char *actor, const char *action,
		    long long user, long long batch, const char *detail,
		    const void *prev, size_t prev_len, const void *hash,
		    size_t hash_len)
{
	unsigned char want[SECRETS_HASH_BYTES];
	/* "chain 2 (...): " before the event, when there are chains. */
	const char *in = w->name ? w->name : "", *sep = w->name ? ": " : "";

	w->events++;
	if (id != w->last_id + 1) {
		errorf("%s%saudit event %lld is missing (the next is %lld): "
		       "events were deleted", in, sep, w->last_id + 1, id);
		return 1;
	}
	if (prev_len != SECRETS_HASH_BYTES || !prev ||
	    memcmp(prev, w->prev, SECRETS_HASH_BYTES) != 0) {
		errorf("%s%saudit event %lld does not follow event %lld: the "
		       "chain was cut or reordered", in, sep, id, w->last_id);
		return 1;
	}
	audit_digest(&w->scratch, w->prev, id, at, site, actor, action, user,
		     batch, detail, want);
	if (hash_len != SECRETS_HASH_BYTES || !hash ||
	    memcmp(hash, want, SECRETS_HASH_BYTES) != 0) {
		errorf("%s%saudit event %lld was edited: its hash does not "
		       "match its content", in, sep, id);
		return 1;
	}
	memcpy(w->prev, want, SECRETS_HASH_BYTES);
	w->last_id = id;
	return 0;
}

int store_audit(struct store *st, long long site, const char *actor,
		const char *action, long long user, long long batch,
		const char *detail)
{
	if (st->pg)
		return pg_audit(st->pg, site, actor, action, user, batch,
			        detail);

	static const char head_sql[] = "SELECT id, hash FROM audit"
				       " ORDER BY id DESC LIMIT 1";
	unsigned char hash[SECRETS_HASH_BYTES];
	struct rowbuf *rb = &st->audit;
	struct cell *c;
	long long at;
	sqlite3_stmt *s;

	ASSERT(st->in_tx);
	if (!detail)
		detail = "";
	if (!st->have_head) {
		if (!(s = st_prep(st, head_sql)))
			return -1;
		memset(st->head, 0, sizeof(st->head));
		st->next_audit = 1;
		if (sqlite3_step(s) == SQLITE_ROW) {
			st->next_audit = sqlite3_column_int64(s, 0) + 1;
			if (sqlite3_column_bytes(s, 1) == SECRETS_HASH_BYTES)
				memcpy(st->head, sqlite3_column_blob(s, 1),
				       SECRETS_HASH_BYTES);
		}
		sqlite3_reset(s);
		st->have_head = 1;
	}
	/*
	 * Kept in memory and moved into the log in slices and at commit:
	 * one insert into the indexed log between a stage's other writes
	 * costs more than the rest of a regeneration.
	 */
	at = now_seconds();
	audit_digest(&st->scratch, st->head, st->next_audit, at, site, actor,
		     action, user, batch, detail, hash);
	c = rows_add(rb);
	cell_int(&c[0], st->next_audit);
	cell_int(&c[1], at);
	cell_id(&c[2], site);
	cell_id(&c[3], user);
	cell_id(&c[4], batch);
	cell_text(rb, &c[5], actor);
	cell_text(rb, &c[6], action);
	cell_text(rb, &c[7], detail);
	cell_blob(rb, &c[8], st->head, SECRETS_HASH_BYTES);
	cell_blob(rb, &c[9], hash, SECRETS_HASH_BYTES);
	memcpy(st->head, hash, SECRETS_HASH_BYTES);
	st->next_audit++;
	if (rb->n >= SLICE)
		return audit_flush(st);
	return 0;
}

/* The audit query's head and tail, around the filter that picks its plan. */
#define AUDIT_SELECT \
	"SELECT a.id, iso_time(a.at)," \
	" a.actor, a.action, coalesce(u.username, '')," \
	" coalesce(b.version, ''), a.detail" \
	" FROM audit a LEFT JOIN user u ON u.id = a.user_id" \
	" LEFT JOIN batch b ON b.id = a.batch_id WHERE "
#define AUDIT_WHERE \
	" (a.site_id = ?1 OR a.site_id IS NULL)" \
	" AND (?2 = 0 OR a.user_id = ?2)" \
	" AND (?3 = 0 OR a.batch_id = ?3)" \
	" AND a.at >= ?4 ORDER BY a.id"

int store_list_audit(struct store *st, long long site, long long user,
		     long long batch, long long since, store_row_fn fn,
		     void *ctx)
{
	if (st->pg)
		return pg_list_audit(st->pg, site, user, batch, since, fn, ctx);

	/*
	 * A statement for each filter: with "?3 = 0 OR" alone SQLite cannot
	 * know that a batch is given, and reads the whole log, years of it,
	 * where the index of a batch's or a user's events finds them.
	 */
	static const char by_batch[] = AUDIT_SELECT "a.batch_id = ?3 AND"
		AUDIT_WHERE;
	static const char by_user[] = AUDIT_SELECT "a.user_id = ?2 AND"
		AUDIT_WHERE;
	static const char all[] = AUDIT_SELECT AUDIT_WHERE;
	sqlite3_stmt *s;

	/* Inside a transaction, its own events too. */
	if (st->in_tx && st->audit.n && audit_flush(st) != 0)
		return -1;
	if (!(s = st_prep(st, batch ? by_batch : user ? by_user : all)))
		return -1;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int64(s, 3, batch);
	sqlite3_bind_int64(s, 4, since);
	return st_each_row(st, s, fn, ctx);
}


int store_audit_verify(struct store *st, long long *events)
{
	return store_audit_verify_chains(st, NULL, NULL, events);
}

int store_audit_verify_chains(struct store *st, store_row_fn fn, void *ctx,
			      long long *events)
{
	if (st->pg)
		return pg_audit_verify(st->pg, fn, ctx, events);

	static const char sql[] =
		"SELECT id, at, coalesce(site_id, 0), actor, action,"
		" coalesce(user_id, 0), coalesce(batch_id, 0), detail, prev,"
		" hash FROM audit ORDER BY id";
	struct audit_walk w = AUDIT_WALK_INIT;
	sqlite3_stmt *s = st_prep(st, sql);
	int rc, bad = 0;

	if (!s)
		return -1;
	while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW)
		bad = audit_walk_next(&w, sqlite3_column_int64(s, 0),
				      sqlite3_column_int64(s, 1),
				      sqlite3_column_int64(s, 2),
				      st_col_str(s, 3), st_col_str(s, 4),
				      sqlite3_column_int64(s, 5),
				      sqlite3_column_int64(s, 6),
				      st_col_str(s, 7),
				      sqlite3_column_blob(s, 8),
				      (size_t)sqlite3_column_bytes(s, 8),
				      sqlite3_column_blob(s, 9),
				      (size_t)sqlite3_column_bytes(s, 9));
	sqlite3_reset(s);
	sbuf_release(&w.scratch);
	if (!bad && rc != SQLITE_DONE)
		return st_fail(st, rc, "cannot read audit");
	if (events)
		*events = w.events;
	return bad;
}

