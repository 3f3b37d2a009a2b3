/*
 * store_pg: the PostgreSQL store: connecting through libpq, the schema and
 * its migrations, and transactions. Chosen by
 * store_open() when the database setting is a connection string
 * (store_is_server()); the SQLite store stays the default.
 *
 * PLAN (what is done on PostgreSQL, what is not):
 * - Done: the private server of the tests (tests/pg.sh); the seam
 *   (store_backend.h: every store.h call goes to its pg_ function when the
 *   store is PostgreSQL); libpq loaded at run time; the schema at SQLite's
 *   version numbers, migrated on open under an advisory lock; every
 *   store.h function (store_pg_*.c); new users, memberships and a batch's
 *   credentials through COPY. An audit chain per school
 *   (store_pg_audit.c), and the write lock per chain (pg_begin()): one
 *   school's writers run one at a time, as SQLite's BEGIN IMMEDIATE makes
 *   them, while other schools' run at once (tests/e2e/pg_chains.sh).
 *   `tempass store copy --to URL` (store_copy.c, store_pg_copy.c): a
 *   school's SQLite store copied in whole, ids kept in a database without
 *   tempass's data or moved past the other schools' (the chain records by
 *   how much, for its hashes and its sealed passwords), identity
 *   sequences moved past them (tests/e2e/pg_copy.sh). A writer waits
 *   for its lock as long as SQLite's busy timeout. Every stage runs on
 *   it: tests/e2e/pg_store.sh compares them with SQLite's, and `make
 *   test-pg` (CI) runs the end-to-end scripts on it, one server for the
 *   run and a database each, the tests' SQLite SQL carried over
 *   (tests/pg.sh), a check of SQLite's own devices given its PostgreSQL
 *   counterpart (amcheck for integrity_check, the trigger disabled, the
 *   server's files and WAL searched, a client killed at its messages to
 *   the server) or skipped where none exists; the scripts without a
 *   store are left out (tests/pg_leave_out).
 * - Not yet: a transaction that writes an event of another
 *   school's chain than its process's (publish_recover() settling another
 *   site's batch) takes that chain's lock when it gets there, not before
 *   it reads: two such may deadlock, which the server breaks (busy, try
 *   again). The sites copied from one SQLite store share its chain, and
 *   so its lock. An admin of two schools copied from two stores is
 *   refused by name (admin names are the database's).
 * - Open questions: audit verify and the listings read whole results (a
 *   cursor for years of events); store_quick_check() checks nothing on
 *   PostgreSQL. An import's time is nearly all its three COPYs (users,
 *   memberships, audit events): the server's index upkeep, spread over
 *   many functions, and for memberships the check that each one's user
 *   exists, an index lookup a row (make bench compares the import with
 *   SQLite's).
 */
#include "core/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pq_api pq;

#define SYM(f) DL_SYMBOL(struct pq_api, f, "")
static const struct dl_symbol symbols[] = {
	SYM(PQconnectdb), SYM(PQstatus), SYM(PQerrorMessage), SYM(PQfinish),
	SYM(PQdb), SYM(PQhost), SYM(PQsetNoticeProcessor), SYM(PQexec),
	SYM(PQexecParams), SYM(PQresultStatus), SYM(PQresultErrorField),
	SYM(PQresultErrorMessage), SYM(PQntuples), SYM(PQgetvalue),
	SYM(PQgetisnull), SYM(PQclear), SYM(PQnfields), SYM(PQcmdTuples),
	SYM(PQputCopyData), SYM(PQputCopyEnd), SYM(PQgetResult),
};
#undef SYM

/* ==== Errors and statements ==== */

int pg_fail(struct pg *pg, const PGresult *res, const char *what)
{
	const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE)
				: NULL;
	const char *msg = res ? pq.PQresultErrorMessage(res) :
			  pq.PQerrorMessage(pg->conn);
	size_t len;

	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	/* Its first line: what went wrong (the rest points into SQL). */
	len = strcspn(msg, "\n");
	/* 40001 serialization failure, 40P01 deadlock, 55P03 a lock not
	 * had within lock_timeout (pg_begin()): try again. */
	if (state && (strcmp(state, "40001") == 0 ||
		      strcmp(state, "40P01") == 0 ||
		      strcmp(state, "55P03") == 0)) {
		errorf("%s: database is busy (another tempass is writing to "
		       "it); try again", pg->name);
		return STORE_BUSY;
	}
	/* 53100 disk full. */
	st_set_fault(state && strcmp(state, "53100") == 0 ?
		     STORE_FAULT_FULL : STORE_FAULT_IO);
	errorf("%s: %s: %.*s", pg->name, what, (int)len, msg);
	return -1;
}

PGresult *pg_query(struct pg *pg, const char *sql, int n,
		   const char *const *params, ExecStatusType want,
		   const char *what, int *rc)
{
	PGresult *res = pq.PQexecParams(pg->conn, sql, n, NULL, params, NULL,
					NULL, 0);

	if (res && pq.PQresultStatus(res) == want)
		return res;
	*rc = pg_fail(pg, res, what);
	pq.PQclear(res);
	return NULL;
}

int pg_exec(struct pg *pg, const char *sql, const char *what)
{
	PGresult *res = pq.PQexec(pg->conn, sql);
	ExecStatusType got = res ? pq.PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = got == PGRES_COMMAND_OK || got == PGRES_TUPLES_OK ? 0 :
		 pg_fail(pg, res, what);

	pq.PQclear(res);
	return rc;
}

const char *pg_num(char buf[24], long long v)
{
	snprintf(buf, 24, "%lld", v);
	return buf;
}

int pg_run(struct pg *pg, const char *sql, int n, const char *const *params,
	   const char *what)
{
	int rc = 0;
	PGresult *res = pg_query(pg, sql, n, params, PGRES_COMMAND_OK, what,
				 &rc);

	pq.PQclear(res);
	return res ? 0 : rc;
}

long long pg_id(struct pg *pg, const char *sql, int n,
		const char *const *params, const char *what)
{
	int rc = 0;
	PGresult *res = pg_query(pg, sql, n, params, PGRES_TUPLES_OK, what,
				 &rc);
	long long id;

	if (!res)
		return rc;
	id = pq.PQntuples(res) > 0 ? pg_int(res, 0, 0) : 0;
	pq.PQclear(res);
	return id;
}

long long pg_int(const PGresult *res, int row, int col)
{
	return pq.PQgetisnull(res, row, col) ? 0 :
	       strtoll(pq.PQgetvalue(res, row, col), NULL, 10);
}

static int hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

size_t pg_bytes(const PGresult *res, int row, int col, unsigned char *out,
		size_t size)
{
	const char *v = pq.PQgetvalue(res, row, col);
	size_t n;

	/* bytea's text output is hex: \x0a1b... */
	if (pq.PQgetisnull(res, row, col) || strncmp(v, "\\x", 2) != 0)
		return 0;
	v += 2;
	n = strlen(v) / 2;
	if (n > size)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(hexval(v[2 * i]) << 4 |
					 hexval(v[2 * i + 1]));
	return n;
}

char *pg_bytea(const void *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = p;
	char *s = xmalloc(2 * len + 3), *o = s;

	*o++ = '\\';
	*o++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*o++ = hex[b[i] >> 4];
		*o++ = hex[b[i] & 15];
	}
	*o = '\0';
	return s;
}

int pg_each_row(const PGresult *res, store_row_fn fn, void *ctx)
{
	return pg_each_row_at(res, -1, fn, ctx);
}

int pg_each_row_at(const PGresult *res, int time_col, store_row_fn fn,
		   void *ctx)
{
	const char *vals[32];
	char at[32];
	int ncols = pq.PQnfields(res), rows = pq.PQntuples(res);

	ASSERT(ncols <= (int)ARRAY_SIZE(vals) && time_col < ncols);
	for (int r = 0; r < rows; r++) {
		for (int i = 0; i < ncols; i++)
			vals[i] = pq.PQgetvalue(res, r, i);
		if (time_col >= 0) {
			format_iso8601(pg_int(res, r, time_col), at,
				       sizeof(at));
			vals[time_col] = at;
		}
		if (fn(ctx, vals) != 0)
			return -1;
	}
	return 0;
}

/* ==== Schema ==== */

/*
 * Each entry moves the schema from version i to i + 1, the same numbers
 * as SQLite's migrations (store_open.c), so that both stores at one
 * version hold the same tables and columns; an entry whose SQLite change
 * has no meaning here (a table rebuilt for SQLite's sake) changes
 * nothing. Never edit one that has shipped: add the next. Ids are
 * identities BY DEFAULT, so that a copy of a SQLite store keeps its ids.
 * "user" is quoted: a reserved word in PostgreSQL.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the foundation. */
	"CREATE TABLE site ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  code text NOT NULL UNIQUE,"
	"  name text NOT NULL);"
	"CREATE TABLE user_type (name text PRIMARY KEY);"
	"CREATE TABLE \"user\" ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  site_id bigint NOT NULL REFERENCES site(id),"
	"  roster text NOT NULL,"
	"  external_id text NOT NULL,"
	"  username text NOT NULL,"
	"  forename text NOT NULL,"
	"  surname text NOT NULL,"
	"  dob text,"
	"  email text,"
	"  email_verified bigint NOT NULL DEFAULT 0,"
	"  user_type text NOT NULL REFERENCES user_type(name),"
	"  status text NOT NULL DEFAULT 'active'"
	"    CHECK (status IN ('active', 'left')),"
	"  claimed_at bigint,"
	"  created_at bigint NOT NULL,"
	"  updated_at bigint NOT NULL,"
	"  UNIQUE (site_id, roster, external_id),"
	"  UNIQUE (site_id, username));"
	"CREATE TABLE grp ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  site_id bigint NOT NULL REFERENCES site(id),"
	"  name text NOT NULL,"
	"  source text NOT NULL CHECK (source IN ('roster', 'custom')),"
	"  UNIQUE (site_id, name));"
	"CREATE TABLE membership ("
	"  group_id bigint NOT NULL REFERENCES grp(id) ON DELETE CASCADE,"
	"  user_id bigint NOT NULL REFERENCES \"user\"(id),"
	"  PRIMARY KEY (group_id, user_id));"
	"CREATE INDEX membership_user ON membership(user_id);"
	"CREATE TABLE admin ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  name text NOT NULL UNIQUE,"
	"  pwhash text NOT NULL,"
	"  failed bigint NOT NULL DEFAULT 0,"
	"  locked_until bigint NOT NULL DEFAULT 0,"
	"  created_at bigint NOT NULL);"
	"CREATE TABLE admin_site ("
	"  admin_id bigint NOT NULL REFERENCES admin(id),"
	"  site_id bigint NOT NULL REFERENCES site(id),"
	"  PRIMARY KEY (admin_id, site_id));"
	"CREATE TABLE batch ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  site_id bigint NOT NULL REFERENCES site(id),"
	"  version bigint NOT NULL,"
	"  actor text NOT NULL,"
	"  created_at bigint NOT NULL,"
	"  criteria text NOT NULL,"
	"  count bigint NOT NULL,"
	"  UNIQUE (site_id, version));"
	"CREATE TABLE credential ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  batch_id bigint NOT NULL REFERENCES batch(id),"
	"  user_id bigint NOT NULL REFERENCES \"user\"(id),"
	"  grp text NOT NULL,"
	"  state text NOT NULL DEFAULT 'current' CHECK (state IN"
	"    ('current', 'claimed', 'void', 'expired', 'revoked')),"
	"  sealed bytea,"
	"  pwhash text,"
	"  expires_at bigint NOT NULL,"
	"  ended_at bigint,"
	"  voided_by bigint REFERENCES batch(id),"
	"  failed bigint NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX credential_current ON credential(user_id)"
	"  WHERE state = 'current';"
	"CREATE INDEX credential_batch ON credential(batch_id);"
	"CREATE TABLE audit ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  at bigint NOT NULL,"
	"  site_id bigint,"
	"  actor text NOT NULL,"
	"  action text NOT NULL,"
	"  user_id bigint,"
	"  batch_id bigint,"
	"  detail text NOT NULL,"
	"  prev bytea NOT NULL,"
	"  hash bytea NOT NULL);"
	"CREATE INDEX audit_user ON audit(user_id) WHERE user_id IS NOT NULL;"
	"CREATE INDEX audit_batch ON audit(batch_id)"
	"  WHERE batch_id IS NOT NULL;"
	"CREATE FUNCTION audit_append_only() RETURNS trigger"
	"  LANGUAGE plpgsql AS"
	"  $$BEGIN RAISE EXCEPTION 'the audit log is append-only'; END$$;"
	"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
	"  FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
	"  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();",
	/* 1 -> 2: password-reset emails. */
	"ALTER TABLE batch ADD COLUMN kind text NOT NULL DEFAULT 'passwords'"
	"  CHECK (kind IN ('passwords', 'email'));"
	"CREATE TABLE reset_token ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  batch_id bigint NOT NULL REFERENCES batch(id),"
	"  user_id bigint NOT NULL REFERENCES \"user\"(id),"
	"  hash bytea NOT NULL UNIQUE,"
	"  expires_at bigint NOT NULL,"
	"  state text NOT NULL DEFAULT 'current' CHECK (state IN"
	"    ('current', 'used', 'void', 'expired', 'revoked')),"
	"  ended_at bigint);"
	"CREATE UNIQUE INDEX reset_token_current ON reset_token(user_id)"
	"  WHERE state = 'current';"
	"CREATE TABLE delivery ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  file text NOT NULL UNIQUE,"
	"  message_id text NOT NULL,"
	"  user_id bigint REFERENCES \"user\"(id),"
	"  batch_id bigint REFERENCES batch(id),"
	"  recipient text NOT NULL,"
	"  state text NOT NULL DEFAULT 'queued' CONSTRAINT delivery_state"
	"    CHECK (state IN ('queued', 'sent', 'refused')),"
	"  attempts bigint NOT NULL DEFAULT 0,"
	"  last_error text,"
	"  queued_at bigint NOT NULL,"
	"  sent_at bigint);",
	/* 2 -> 3: SQLite's state checks rebuilt as comparisons, for
	 * SQLite's sake: nothing here. */
	"",
	/* 3 -> 4: SQLite's unique keys of user as indexes of their own:
	 * nothing here. */
	"",
	/* 4 -> 5: the lists of a batch committed but not yet named. */
	"CREATE TABLE pending_list ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  batch_id bigint NOT NULL REFERENCES batch(id),"
	"  pid bigint NOT NULL,"
	"  tmp text NOT NULL,"
	"  path text NOT NULL,"
	"  size bigint NOT NULL);",
	/* 5 -> 6: a delivery send will not make is 'dropped'; the token of
	 * a delivery is found by its batch and user. */
	"ALTER TABLE delivery DROP CONSTRAINT delivery_state;"
	"ALTER TABLE delivery ADD CONSTRAINT delivery_state CHECK (state IN"
	"  ('queued', 'sent', 'refused', 'dropped'));"
	"CREATE INDEX reset_token_batch ON reset_token(batch_id, user_id);",
	/* 6 -> 7: an admin's attempt being checked, with its process. */
	"CREATE TABLE admin_attempt ("
	"  admin_id bigint NOT NULL REFERENCES admin(id),"
	"  pid bigint NOT NULL,"
	"  number bigint NOT NULL,"
	"  started bigint NOT NULL);",
	/* 7 -> 8: a user's credentials by user. */
	"CREATE INDEX credential_user ON credential(user_id);",
	/* 8 -> 9: a user's class. */
	"ALTER TABLE \"user\" ADD COLUMN class text;",
	/*
	 * 9 -> 10: an audit chain per school. Chain 1 is the database's
	 * own: what was here before goes into it, in its order (seq = id),
	 * with the sites that made it. A chain copied from a SQLite store
	 * records the offsets its ids were moved by (store copy), which its
	 * events' hashes are taken without. User ids come from the
	 * identity's sequence from here on, so it is moved past the ids
	 * given before.
	 */
	"CREATE TABLE chain ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  origin text NOT NULL,"
	"  site_off bigint NOT NULL DEFAULT 0,"
	"  user_off bigint NOT NULL DEFAULT 0,"
	"  batch_off bigint NOT NULL DEFAULT 0);"
	"INSERT INTO chain (id, origin) VALUES (1, 'this database');"
	"SELECT setval(pg_get_serial_sequence('chain', 'id'), 1);"
	"ALTER TABLE site ADD COLUMN chain_id bigint NOT NULL DEFAULT 1"
	"  REFERENCES chain(id);"
	"ALTER TABLE site ALTER COLUMN chain_id DROP DEFAULT;"
	"ALTER TABLE audit ADD COLUMN chain_id bigint NOT NULL DEFAULT 1"
	"  REFERENCES chain(id);"
	"ALTER TABLE audit ALTER COLUMN chain_id DROP DEFAULT;"
	"ALTER TABLE audit ADD COLUMN seq bigint;"
	"ALTER TABLE audit DISABLE TRIGGER audit_no_change;"
	"UPDATE audit SET seq = id;"
	"ALTER TABLE audit ENABLE TRIGGER audit_no_change;"
	"ALTER TABLE audit ALTER COLUMN seq SET NOT NULL;"
	"CREATE UNIQUE INDEX audit_chain_seq ON audit(chain_id, seq);"
	"SELECT setval(pg_get_serial_sequence('\"user\"', 'id'),"
	"  coalesce(max(id), 0) + 1, false) FROM \"user\";"
	"SELECT setval(pg_get_serial_sequence('audit', 'id'),"
	"  coalesce(max(id), 0) + 1, false) FROM audit;",
	/*
	 * 10 -> 11: references checked once per statement. The foreign keys
	 * of users (site, user type), memberships (group, user), credentials
	 * (user, batch, the batch that voided one) and audit events (chain)
	 * were checked by PostgreSQL row by row, a query and a row lock for
	 * each row; each COPY or INSERT of an import or a batch is now
	 * checked by one query over the rows it added (a transition table),
	 * as SQLite's bulk transaction turns its row-by-row checks off; a
	 * site, user type, group, batch or chain is looked up once for all
	 * the rows that name it. The invariant the row locks kept holds
	 * without them: tempass never deletes a site, a user type, a user, a
	 * batch or a chain, nor changes a key, and the triggers on those
	 * tables refuse it while a row refers to it; a group's memberships
	 * go with it, as ON DELETE CASCADE made them.
	 */
	"ALTER TABLE \"user\" DROP CONSTRAINT user_site_id_fkey,"
	"  DROP CONSTRAINT user_user_type_fkey;"
	"ALTER TABLE membership DROP CONSTRAINT membership_group_id_fkey,"
	"  DROP CONSTRAINT membership_user_id_fkey;"
	"ALTER TABLE credential DROP CONSTRAINT credential_user_id_fkey,"
	"  DROP CONSTRAINT credential_batch_id_fkey,"
	"  DROP CONSTRAINT credential_voided_by_fkey;"
	"ALTER TABLE audit DROP CONSTRAINT audit_chain_id_fkey;"
	"CREATE FUNCTION user_refs_added() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$BEGIN"
	"  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT site_id, user_type"
	"    FROM added) a WHERE NOT EXISTS (SELECT 1 FROM site s"
	"    WHERE s.id = a.site_id) OR NOT EXISTS (SELECT 1 FROM user_type t"
	"    WHERE t.name = a.user_type)) THEN"
	"   RAISE foreign_key_violation USING MESSAGE ="
	"    'a user refers to a site or user type that does not exist';"
	"  END IF; RETURN NULL; END$$;"
	"CREATE TRIGGER user_refs AFTER INSERT ON \"user\""
	"  REFERENCING NEW TABLE AS added"
	"  FOR EACH STATEMENT EXECUTE FUNCTION user_refs_added();"
	"CREATE FUNCTION user_refs_changed() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$BEGIN"
	"  IF NOT EXISTS (SELECT 1 FROM site WHERE id = NEW.site_id) OR"
	"   NOT EXISTS (SELECT 1 FROM user_type WHERE name = NEW.user_type)"
	"  THEN RAISE foreign_key_violation USING MESSAGE ="
	"    'a user refers to a site or user type that does not exist';"
	"  END IF; RETURN NULL; END$$;"
	"CREATE TRIGGER user_refs_update AFTER UPDATE ON \"user\""
	"  FOR EACH ROW WHEN (OLD.site_id <> NEW.site_id OR"
	"  OLD.user_type <> NEW.user_type)"
	"  EXECUTE FUNCTION user_refs_changed();"
	"CREATE FUNCTION membership_refs_added() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$BEGIN"
	"  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT group_id FROM added) a"
	"    WHERE NOT EXISTS (SELECT 1 FROM grp g WHERE g.id = a.group_id))"
	"    OR EXISTS (SELECT 1 FROM added a WHERE NOT EXISTS (SELECT 1"
	"    FROM \"user\" u WHERE u.id = a.user_id)) THEN"
	"   RAISE foreign_key_violation USING MESSAGE ="
	"    'a membership refers to a group or user that does not exist';"
	"  END IF; RETURN NULL; END$$;"
	"CREATE TRIGGER membership_refs AFTER INSERT ON membership"
	"  REFERENCING NEW TABLE AS added"
	"  FOR EACH STATEMENT EXECUTE FUNCTION membership_refs_added();"
	"CREATE TRIGGER membership_refs_update AFTER UPDATE ON membership"
	"  REFERENCING NEW TABLE AS added"
	"  FOR EACH STATEMENT EXECUTE FUNCTION membership_refs_added();"
	"CREATE FUNCTION credential_refs_added() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$BEGIN"
	"  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT batch_id, voided_by"
	"    FROM added) a WHERE NOT EXISTS (SELECT 1 FROM batch b"
	"    WHERE b.id = a.batch_id) OR (a.voided_by IS NOT NULL AND"
	"    NOT EXISTS (SELECT 1 FROM batch b WHERE b.id = a.voided_by)))"
	"    OR EXISTS (SELECT 1 FROM added a WHERE NOT EXISTS (SELECT 1"
	"    FROM \"user\" u WHERE u.id = a.user_id)) THEN"
	"   RAISE foreign_key_violation USING MESSAGE ="
	"    'a credential refers to a user or batch that does not exist';"
	"  END IF; RETURN NULL; END$$;"
	"CREATE TRIGGER credential_refs AFTER INSERT ON credential"
	"  REFERENCING NEW TABLE AS added"
	"  FOR EACH STATEMENT EXECUTE FUNCTION credential_refs_added();"
	"CREATE TRIGGER credential_refs_update AFTER UPDATE ON credential"
	"  REFERENCING NEW TABLE AS added"
	"  FOR EACH STATEMENT EXECUTE FUNCTION credential_refs_added();"
	"CREATE FUNCTION audit_refs_added() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$BEGIN"
	"  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT chain_id FROM added) a"
	"    WHERE NOT EXISTS (SELECT 1 FROM chain c WHERE c.id = a.chain_id))"
	"  THEN RAISE foreign_key_violation USING MESSAGE ="
	"    'an audit event refers to a chain that does not exist';"
	"  END IF; RETURN NULL; END$$;"
	"CREATE TRIGGER audit_refs AFTER INSERT ON audit"
	"  REFERENCING NEW TABLE AS added"
	"  FOR EACH STATEMENT EXECUTE FUNCTION audit_refs_added();"
	"CREATE FUNCTION refs_kept() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$DECLARE referred boolean; BEGIN"
	"  IF TG_TABLE_NAME = 'site' THEN"
	"   referred := EXISTS (SELECT 1 FROM \"user\" WHERE site_id = OLD.id);"
	"  ELSIF TG_TABLE_NAME = 'user_type' THEN"
	"   referred := EXISTS (SELECT 1 FROM \"user\""
	"    WHERE user_type = OLD.name);"
	"  ELSIF TG_TABLE_NAME = 'user' THEN"
	"   referred := EXISTS (SELECT 1 FROM membership"
	"    WHERE user_id = OLD.id) OR EXISTS (SELECT 1 FROM credential"
	"    WHERE user_id = OLD.id);"
	"  ELSIF TG_TABLE_NAME = 'batch' THEN"
	"   referred := EXISTS (SELECT 1 FROM credential"
	"    WHERE batch_id = OLD.id) OR EXISTS (SELECT 1 FROM credential"
	"    WHERE voided_by = OLD.id);"
	"  ELSIF TG_TABLE_NAME = 'chain' THEN"
	"   referred := EXISTS (SELECT 1 FROM audit WHERE chain_id = OLD.id);"
	"  ELSIF TG_OP = 'UPDATE' THEN"
	"   referred := EXISTS (SELECT 1 FROM membership"
	"    WHERE group_id = OLD.id);"
	"  ELSE"
	"   DELETE FROM membership WHERE group_id = OLD.id;"
	"  END IF;"
	"  IF referred THEN"
	"   RAISE foreign_key_violation USING MESSAGE = format("
	"    'a row of %s is referred to', TG_TABLE_NAME);"
	"  END IF;"
	"  RETURN OLD; END$$;"
	"CREATE TRIGGER site_kept BEFORE DELETE OR UPDATE OF id ON site"
	"  FOR EACH ROW EXECUTE FUNCTION refs_kept();"
	"CREATE TRIGGER user_type_kept BEFORE DELETE OR UPDATE OF name"
	"  ON user_type FOR EACH ROW EXECUTE FUNCTION refs_kept();"
	"CREATE TRIGGER user_kept BEFORE DELETE OR UPDATE OF id ON \"user\""
	"  FOR EACH ROW EXECUTE FUNCTION refs_kept();"
	"CREATE TRIGGER grp_kept BEFORE DELETE OR UPDATE OF id ON grp"
	"  FOR EACH ROW EXECUTE FUNCTION refs_kept();"
	"CREATE TRIGGER batch_kept BEFORE DELETE OR UPDATE OF id ON batch"
	"  FOR EACH ROW EXECUTE FUNCTION refs_kept();"
	"CREATE TRIGGER chain_kept BEFORE DELETE OR UPDATE OF id ON chain"
	"  FOR EACH ROW EXECUTE FUNCTION refs_kept();",
};

/* An integer that sql returns (0 for none or NULL) into *v. */
static int query_int(struct pg *pg, const char *sql, const char *what,
		     int *v)
{
	int rc = 0;
	PGresult *res = pg_query(pg, sql, 0, NULL, PGRES_TUPLES_OK, what, &rc);

	if (!res)
		return rc;
	*v = pq.PQntuples(res) == 1 && !pq.PQgetisnull(res, 0, 0) ?
	     atoi(pq.PQgetvalue(res, 0, 0)) : 0;
	pq.PQclear(res);
	return 0;
}

/* The schema's version: 0 for a database without tempass's tables. */
static int schema_version(struct pg *pg, int *version)
{
	const char *what = "cannot read schema version";
	int have, rc;

	if ((rc = query_int(pg, "SELECT 1 WHERE to_regclass('tempass_schema')"
			    " IS NOT NULL", what, &have)) != 0)
		return rc;
	*version = 0;
	return have ? query_int(pg, "SELECT max(version) FROM tempass_schema",
				what, version) : 0;
}

/*
 * Moves the schema forward. Two processes that open a new database at
 * once both see it old; the advisory lock lets one migrate while the
 * other waits, then reads the version again and finds nothing to do. The
 * lock is the session's, taken before the transaction, so that the
 * transaction's reads of the catalog start after the other's commit; the
 * server drops it if the process dies. DDL is transactional: a failed
 * migration leaves the schema as it was.
 */
static int migrate(struct pg *pg)
{
	const int want = (int)ARRAY_SIZE(migrations);
	char sql[96];
	int version, rc;

	if ((rc = schema_version(pg, &version)) != 0)
		return rc;
	if (version == want)
		return 0;
	if (version > want) {
		errorf("%s: database schema version %d is newer than this "
		       "tempass (%d); upgrade tempass", pg->name, version,
		       want);
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%lld)",
		 LOCK_SCHEMA);
	if ((rc = pg_exec(pg, sql, "cannot lock the schema")) != 0)
		return rc;
	if ((rc = pg_exec(pg, "BEGIN", "cannot start a transaction")) != 0)
		goto unlock;
	if ((rc = schema_version(pg, &version)) != 0 ||
	    (rc = pg_exec(pg, "CREATE TABLE IF NOT EXISTS tempass_schema ("
			  "version integer PRIMARY KEY,"
			  " applied_at timestamptz NOT NULL DEFAULT now())",
			  "cannot record the schema version")) != 0)
		goto fail;
	for (; version < want; version++) {
		snprintf(sql, sizeof(sql), "INSERT INTO tempass_schema"
			 " (version) VALUES (%d)", version + 1);
		if ((migrations[version][0] &&
		     (rc = pg_exec(pg, migrations[version],
				   "cannot migrate the schema")) != 0) ||
		    (rc = pg_exec(pg, sql, "cannot migrate the schema")) != 0)
			goto fail;
	}
	rc = pg_exec(pg, "COMMIT", "cannot commit");
	goto unlock;
fail:
	pg_exec(pg, "ROLLBACK", "cannot roll back");
unlock:
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)",
		 LOCK_SCHEMA);
	pg_exec(pg, sql, "cannot unlock the schema");
	return rc;
}

/* ==== Connecting ==== */

/* The server's notices (an index that exists ...) are not errors. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

struct pg *pg_open(const char *conninfo)
{
	static int loaded;
	struct pg *pg;
	const char *host;

	if (!loaded) {
		if (dl_load(PG_LIB, PG_LIB_PACKAGE, symbols,
			    ARRAY_SIZE(symbols), &pq, sizeof(pq)) != 0) {
			st_set_fault(STORE_FAULT_UNAVAILABLE);
			return NULL;
		}
		loaded = 1;
	}
	pg = xcalloc(1, sizeof(*pg));
	pg->conn = pq.PQconnectdb(conninfo);
	if (!pg->conn) {
		errorf("cannot connect to PostgreSQL: out of memory");
		free(pg);
		return NULL;
	}
	/* Named by database and host, never by the string, which may hold
	 * a password. */
	host = pq.PQhost(pg->conn);
	pg->name = xasprintf("PostgreSQL database '%s' on '%s'",
			     pq.PQdb(pg->conn) ? pq.PQdb(pg->conn) : "",
			     host && host[0] ? host : "localhost");
	/* A server that cannot be reached is a service unavailable. */
	if (pq.PQstatus(pg->conn) != CONNECTION_OK) {
		pg_fail(pg, NULL, "cannot connect");
		st_set_fault(STORE_FAULT_UNAVAILABLE);
		goto fail;
	}
	pq.PQsetNoticeProcessor(pg->conn, quiet, NULL);
	if (pg_exec(pg, "SET client_encoding = 'UTF8'",
		    "cannot set the encoding") != 0 ||
	    migrate(pg) != 0)
		goto fail;
	return pg;
fail:
	pg_close(pg);
	return NULL;
}

void pg_close(struct pg *pg)
{
	if (!pg)
		return;
	pq.PQfinish(pg->conn);
	pg_bulk_clear(pg);
	sbuf_release(&pg->scratch);
	sbuf_release(&pg->users);
	sbuf_release(&pg->members);
	sbuf_release(&pg->issue);
	sbuf_release(&pg->audit);
	free(pg->user_ids);
	free(pg->name);
	free(pg);
}

/* ==== Transactions ==== */

/*
 * A write transaction locks, before it reads anything, the audit chain
 * of the process's site (the first store_site() named: the configured
 * site), held to its end: writers of one school run one at a time, as
 * SQLite's BEGIN IMMEDIATE makes them, so a batch is never interleaved
 * with another for the same users (a user belongs to one site, a site to
 * one chain) and what a transaction read stays true until it commits;
 * other schools' writers do not wait. The database's lock is taken
 * first, shared; a transaction of a process that named no site takes it
 * alone, and so waits for every chain's writers and they for it. Always
 * the database's lock before a chain's, so neither order deadlocks; a
 * second chain's lock (an event of another site, store_pg_audit.c) may,
 * which the server breaks (40P01: busy, try again). Readers are not held
 * up. A writer waits for its locks as long as SQLite's busy timeout
 * would, then gives up (STORE_BUSY: the caller exits EX_TEMPFAIL) rather
 * than wait without end.
 */
int pg_begin(struct pg *pg)
{
	char sql[96];
	int rc;

	ASSERT(!pg->in_tx);
	if ((rc = pg_exec(pg, "BEGIN", "cannot start a transaction")) != 0)
		return rc;
	pg->in_tx = 1;
	pg->nchains = 0;
	pg->db_locked = !pg->chain;
	snprintf(sql, sizeof(sql), "SET LOCAL lock_timeout = %d",
		 BUSY_TIMEOUT_MS);
	if ((rc = pg_exec(pg, sql, "cannot start a transaction")) != 0) {
		pg_rollback(pg);
		return rc;
	}
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock%s(%lld)",
		 pg->chain ? "_shared" : "", LOCK_WRITE);
	if ((rc = pg_exec(pg, sql, "cannot start a transaction")) != 0 ||
	    (pg->chain && (rc = pg_lock_chain(pg, pg->chain)) != 0)) {
		pg_rollback(pg);
		return rc;
	}
	return 0;
}

/* New users of any transaction go through COPY; a bulk one lets them
 * wait until a slice is full (store_pg_bulk.c). The flags are SQLite's. */
int pg_begin_bulk(struct pg *pg, unsigned flags)
{
	int rc = pg_begin(pg);

	(void)flags;
	if (rc == 0)
		pg->bulk = 1;
	return rc;
}

int pg_flush(struct pg *pg)
{
	return pg_flush_users(pg);
}

int pg_commit(struct pg *pg)
{
	int rc;

	ASSERT(pg->in_tx);
	if ((rc = pg_flush_users(pg)) != 0) {
		pg_rollback(pg);
		return rc;
	}
	rc = pg_exec(pg, "COMMIT", "cannot commit");
	if (rc != 0)
		pg_exec(pg, "ROLLBACK", "cannot roll back");
	pg->in_tx = 0;
	pg->nchains = 0;
	pg_bulk_clear(pg);
	return rc;
}

void pg_rollback(struct pg *pg)
{
	if (!pg->in_tx)
		return;
	pg_exec(pg, "ROLLBACK", "cannot roll back");
	pg->in_tx = 0;
	pg->nchains = 0;
	pg_bulk_clear(pg);
}

int pg_read_begin(struct pg *pg)
{
	ASSERT(!pg->in_tx);
	return pg_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		       "cannot start reading");
}

void pg_read_end(struct pg *pg)
{
	pg_exec(pg, "COMMIT", "cannot end reading");
}

/* SQLite's count of rows stepped in scans: none here. */
long long pg_scan_steps(struct pg *pg)
{
	(void)pg;
	return 0;
}

/*
 * The server checks its own pages (data checksums, when the cluster was
 * made with them) as it reads them: nothing to check from here.
 */
int pg_quick_check(struct pg *pg)
{
	(void)pg;
	return 0;
}
