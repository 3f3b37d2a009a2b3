/*
 * store: every SQL statement of tempass, over one SQLite database file.
 *
 * Statements are prepared once per connection and kept in a small cache
 * keyed by the address of their (static) SQL text, since import and
 * regeneration run the same few statements hundreds of thousands of times.
 * Errors are reported here, once, with the SQLite message.
 */
#include "core/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"

#define STMT_CACHE 256   /* a power of two, well above the statements */
#define BUSY_TIMEOUT_MS 10000

/* A value of a row waiting in a rowbuf (see "Rows held in memory"). */
enum cell_kind { CELL_NULL, CELL_INT, CELL_TEXT, CELL_BLOB };
struct cell {
	enum cell_kind kind;
	long long v;             /* the integer, or the bytes' offset in data */
	size_t len;
};

struct rowbuf {
	int ncols;
	size_t n, cap;
	struct cell *cells;      /* n rows of ncols */
	struct sbuf data;        /* the texts and blobs */
};

struct store {
	sqlite3 *db;
	char *path;
	int in_tx;
	pthread_t checkpointer;  /* store_checkpoint_later()'s thread */
	int checkpointing;       /* it was started, not yet joined */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STMT_CACHE];
	/* The audit chain's head, read once per transaction. */
	int have_head;
	unsigned char head[SECRETS_HASH_BYTES];
	long long next_audit;
	char last_type[64];      /* the user type ensure_user_type saw last */
	struct sbuf scratch;     /* reused by the audit digest */
	int bulk;                /* foreign keys off until the commit */
	int readonly;            /* opened read-only (store_open()) */
	/*
	 * Rows of this transaction waiting to be written, each moved by one
	 * INSERT ... SELECT (see "Rows held in memory"): audit events (at
	 * commit or in slices), a batch's credentials (in slices and at
 * store_issue_finish),
	 * and in a bulk transaction new users and their memberships (before
	 * any other statement runs, in slices and at commit).
	 */
	struct rowbuf audit, issue, users, members;
	/* The batch being issued (store_issue_begin) */
	long long issue_batch, issue_now;
	void (*issue_voided)(void *ctx, long long user, long long version);
	void *issue_ctx;
	long long next_user;     /* the id the next new user gets; 0: unread */
	int flushing;            /* writing the waiting users and members */
	int keys_deferred;       /* user's keys dropped until the commit */
};

/* Rows that wait before they are written, at most. */
#define SLICE 8192

/* ==== Schema ==== */

/* The unique keys of user (schema 4 on). */
#define USER_KEYS \
	"CREATE UNIQUE INDEX user_external ON user(site_id, roster," \
	" external_id);" \
	"CREATE UNIQUE INDEX user_username ON user(site_id, username);"

/*
 * Each entry moves the schema from version i to i + 1. Never edit one that
 * has shipped: add the next. They run with foreign keys off (a table that
 * others refer to can then be rebuilt, as SQLite's ALTER TABLE advice
 * does), and are checked before the commit.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the foundation. */
	"CREATE TABLE site ("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL"
	") STRICT;"
	"CREATE TABLE user_type ("
	"  name TEXT PRIMARY KEY"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE user ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES site(id),"
	"  roster TEXT NOT NULL,"
	"  external_id TEXT NOT NULL,"
	"  username TEXT NOT NULL,"
	"  forename TEXT NOT NULL,"
	"  surname TEXT NOT NULL,"
	"  dob TEXT,"
	"  email TEXT,"
	"  email_verified INTEGER NOT NULL DEFAULT 0,"
	"  user_type TEXT NOT NULL REFERENCES user_type(name),"
	"  status TEXT NOT NULL DEFAULT 'active'"
	"    CHECK (status IN ('active', 'left')),"
	"  claimed_at INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (site_id, roster, external_id),"
	"  UNIQUE (site_id, username)"
	") STRICT;"
	"CREATE TABLE grp ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES site(id),"
	"  name TEXT NOT NULL,"
	"  source TEXT NOT NULL CHECK (source IN ('roster', 'custom')),"
	"  UNIQUE (site_id, name)"
	") STRICT;"
	"CREATE TABLE membership ("
	"  group_id INTEGER NOT NULL REFERENCES grp(id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES user(id),"
	"  PRIMARY KEY (group_id, user_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX membership_user ON membership(user_id);"
	"CREATE TABLE admin ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  pwhash TEXT NOT NULL,"
	"  failed INTEGER NOT NULL DEFAULT 0,"
	"  locked_until INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE admin_site ("
	"  admin_id INTEGER NOT NULL REFERENCES admin(id),"
	"  site_id INTEGER NOT NULL REFERENCES site(id),"
	"  PRIMARY KEY (admin_id, site_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE batch ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES site(id),"
	"  version INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  criteria TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  UNIQUE (site_id, version)"
	") STRICT;"
	"CREATE TABLE credential ("
	"  id INTEGER PRIMARY KEY,"
	"  batch_id INTEGER NOT NULL REFERENCES batch(id),"
	"  user_id INTEGER NOT NULL REFERENCES user(id),"
	"  grp TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'current' CHECK (state IN"
	"    ('current', 'claimed', 'void', 'expired', 'revoked')),"
	"  sealed BLOB,"
	"  pwhash TEXT,"
	"  expires_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  voided_by INTEGER REFERENCES batch(id),"
	"  failed INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE UNIQUE INDEX credential_current ON credential(user_id)"
	"  WHERE state = 'current';"
	"CREATE INDEX credential_batch ON credential(batch_id);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  site_id INTEGER,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  user_id INTEGER,"
	"  batch_id INTEGER,"
	"  detail TEXT NOT NULL,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL"
	") STRICT;"
	"CREATE INDEX audit_user ON audit(user_id) WHERE user_id IS NOT NULL;"
	"CREATE INDEX audit_batch ON audit(batch_id)"
	"  WHERE batch_id IS NOT NULL;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
	/* 1 -> 2: password-reset emails. */
	"ALTER TABLE batch ADD COLUMN kind TEXT NOT NULL DEFAULT 'passwords'"
	"  CHECK (kind IN ('passwords', 'email'));"
	"CREATE TABLE reset_token ("
	"  id INTEGER PRIMARY KEY,"
	"  batch_id INTEGER NOT NULL REFERENCES batch(id),"
	"  user_id INTEGER NOT NULL REFERENCES user(id),"
	"  hash BLOB NOT NULL UNIQUE,"
	"  expires_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'current' CHECK (state IN"
	"    ('current', 'used', 'void', 'expired', 'revoked')),"
	"  ended_at INTEGER"
	") STRICT;"
	"CREATE UNIQUE INDEX reset_token_current ON reset_token(user_id)"
	"  WHERE state = 'current';"
	"CREATE TABLE delivery ("
	"  id INTEGER PRIMARY KEY,"
	"  file TEXT NOT NULL UNIQUE,"
	"  message_id TEXT NOT NULL,"
	"  user_id INTEGER REFERENCES user(id),"
	"  batch_id INTEGER REFERENCES batch(id),"
	"  recipient TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued'"
	"    CHECK (state IN ('queued', 'sent', 'refused')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  queued_at INTEGER NOT NULL,"
	"  sent_at INTEGER"
	") STRICT;",
	/* 2 -> 3: the state checks as comparisons. SQLite codes an IN list
	 * of more than two constants in a CHECK as a temporary b-tree built
	 * anew for every row written: a quarter of the cost of issuing a
	 * credential. The tables are rebuilt, the one way to change a
	 * CHECK, rows and ids kept. */
	"CREATE TABLE credential_new ("
	"  id INTEGER PRIMARY KEY,"
	"  batch_id INTEGER NOT NULL REFERENCES batch(id),"
	"  user_id INTEGER NOT NULL REFERENCES user(id),"
	"  grp TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'current' CHECK (state = 'current'"
	"    OR state = 'claimed' OR state = 'void' OR state = 'expired'"
	"    OR state = 'revoked'),"
	"  sealed BLOB,"
	"  pwhash TEXT,"
	"  expires_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  voided_by INTEGER REFERENCES batch(id),"
	"  failed INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"INSERT INTO credential_new SELECT * FROM credential;"
	"DROP TABLE credential;"
	"ALTER TABLE credential_new RENAME TO credential;"
	"CREATE UNIQUE INDEX credential_current ON credential(user_id)"
	"  WHERE state = 'current';"
	"CREATE INDEX credential_batch ON credential(batch_id);"
	"CREATE TABLE reset_token_new ("
	"  id INTEGER PRIMARY KEY,"
	"  batch_id INTEGER NOT NULL REFERENCES batch(id),"
	"  user_id INTEGER NOT NULL REFERENCES user(id),"
	"  hash BLOB NOT NULL UNIQUE,"
	"  expires_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'current' CHECK (state = 'current'"
	"    OR state = 'used' OR state = 'void' OR state = 'expired'"
	"    OR state = 'revoked'),"
	"  ended_at INTEGER"
	") STRICT;"
	"INSERT INTO reset_token_new SELECT * FROM reset_token;"
	"DROP TABLE reset_token;"
	"ALTER TABLE reset_token_new RENAME TO reset_token;"
	"CREATE UNIQUE INDEX reset_token_current ON reset_token(user_id)"
	"  WHERE state = 'current';"
	"CREATE TABLE delivery_new ("
	"  id INTEGER PRIMARY KEY,"
	"  file TEXT NOT NULL UNIQUE,"
	"  message_id TEXT NOT NULL,"
	"  user_id INTEGER REFERENCES user(id),"
	"  batch_id INTEGER REFERENCES batch(id),"
	"  recipient TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued' CHECK (state = 'queued'"
	"    OR state = 'sent' OR state = 'refused'),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  queued_at INTEGER NOT NULL,"
	"  sent_at INTEGER"
	") STRICT;"
	"INSERT INTO delivery_new SELECT * FROM delivery;"
	"DROP TABLE delivery;"
	"ALTER TABLE delivery_new RENAME TO delivery;",
	/* 3 -> 4: a user's two unique keys as indexes of their own, which
	 * (unlike a table's UNIQUE constraints) the first import into an
	 * empty table drops and builds again once, sorted, at its commit:
	 * see store_defer_user_keys(). Rows and ids kept. */
	"CREATE TABLE user_new ("
	"  id INTEGER PRIMARY KEY,"
	"  site_id INTEGER NOT NULL REFERENCES site(id),"
	"  roster TEXT NOT NULL,"
	"  external_id TEXT NOT NULL,"
	"  username TEXT NOT NULL,"
	"  forename TEXT NOT NULL,"
	"  surname TEXT NOT NULL,"
	"  dob TEXT,"
	"  email TEXT,"
	"  email_verified INTEGER NOT NULL DEFAULT 0,"
	"  user_type TEXT NOT NULL REFERENCES user_type(name),"
	"  status TEXT NOT NULL DEFAULT 'active'"
	"    CHECK (status IN ('active', 'left')),"
	"  claimed_at INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	") STRICT;"
	"INSERT INTO user_new SELECT * FROM user;"
	"DROP TABLE user;"
	"ALTER TABLE user_new RENAME TO user;"
	USER_KEYS,
	/* 4 -> 5: the lists of a batch committed but not yet named: each
	 * list's complete temporary file, its final name and size, and the
	 * process that writes them (see store_pending_add()). */
	"CREATE TABLE pending_list ("
	"  id INTEGER PRIMARY KEY,"
	"  batch_id INTEGER NOT NULL REFERENCES batch(id),"
	"  pid INTEGER NOT NULL,"
	"  tmp TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  size INTEGER NOT NULL"
	") STRICT;",
	/* 5 -> 6: a queued message that send will not deliver (its token is
	 * no longer current) is 'dropped'; the token of a delivery is found
	 * by its batch and user. Rows and ids kept. */
	"CREATE TABLE delivery_new ("
	"  id INTEGER PRIMARY KEY,"
	"  file TEXT NOT NULL UNIQUE,"
	"  message_id TEXT NOT NULL,"
	"  user_id INTEGER REFERENCES user(id),"
	"  batch_id INTEGER REFERENCES batch(id),"
	"  recipient TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued' CHECK (state = 'queued'"
	"    OR state = 'sent' OR state = 'refused' OR state = 'dropped'),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  queued_at INTEGER NOT NULL,"
	"  sent_at INTEGER"
	") STRICT;"
	"INSERT INTO delivery_new SELECT * FROM delivery;"
	"DROP TABLE delivery;"
	"ALTER TABLE delivery_new RENAME TO delivery;"
	"CREATE INDEX reset_token_batch ON reset_token(batch_id, user_id);",
};

static int void_tokens(struct store *st, long long user, long long now);
static int flush_users(struct store *st);

/* What the last failure met (store_fault()); any thread, last wins. */
static int last_fault;

static void set_fault(enum store_fault f)
{
	__atomic_store_n(&last_fault, (int)f, __ATOMIC_RELAXED);
}

enum store_fault store_fault(void)
{
	return (enum store_fault)__atomic_load_n(&last_fault,
						 __ATOMIC_RELAXED);
}

/* The kind of failure of an SQLite result code. */
static enum store_fault fault_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return STORE_FAULT_FULL;
	case SQLITE_CORRUPT: case SQLITE_NOTADB:
		return STORE_FAULT_CORRUPT;
	default:
		return STORE_FAULT_IO;
	}
}

static void report(struct store *st, const char *what)
{
	set_fault(fault_of(st->db ? sqlite3_errcode(st->db) : SQLITE_ERROR));
	errorf("'%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* Maps a failed step or exec to -1 or STORE_BUSY, reporting it. */
static int fail(struct store *st, int rc, const char *what)
{
	set_fault(fault_of(rc));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		errorf("'%s': database is busy (another tempass is writing "
		       "to it); try again", st->path);
		return STORE_BUSY;
	}
	report(st, what);
	return -1;
}

static int exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(st, rc, "cannot run SQL");
}

/*
 * The cached statement for sql, reset and unbound; NULL after reporting.
 * The cache is an open-addressing table keyed by the SQL text's address.
 */
static sqlite3_stmt *prep(struct store *st, const char *sql)
{
	size_t i = ((uintptr_t)sql >> 3) & (STMT_CACHE - 1), n;

	/* No statement sees the tables without the users still waiting. */
	if ((st->users.n || st->members.n) && flush_users(st) != 0)
		return NULL;

	for (n = 0; n < STMT_CACHE && st->cache[i].sql;
	     n++, i = (i + 1) & (STMT_CACHE - 1)) {
		if (st->cache[i].sql == sql) {
			sqlite3_reset(st->cache[i].stmt);
			sqlite3_clear_bindings(st->cache[i].stmt);
			return st->cache[i].stmt;
		}
	}
	ASSERT(n < STMT_CACHE / 2);
	if (sqlite3_prepare_v2(st->db, sql, -1, &st->cache[i].stmt, NULL) !=
	    SQLITE_OK) {
		report(st, "cannot prepare SQL");
		return NULL;
	}
	st->cache[i].sql = sql;
	return st->cache[i].stmt;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* Steps a statement that returns no rows. */
static int done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, rc, what);
	return 0;
}

/* ==== Rows held in memory, read by SQL ==== */

/*
 * Bulk writes are gathered in a rowbuf and moved into their table by one
 * INSERT ... SELECT over "rows(?)", a table-valued function whose argument
 * is the rowbuf, bound with sqlite3_bind_pointer(): a statement per row
 * would cost more in SQLite's per-statement work than in the b-tree, and a
 * temporary table would copy every row twice. Texts and blobs are copied
 * into the rowbuf's data, which is wiped when it is cleared: a batch's
 * sealed passwords pass through it.
 */
#define ROWS_COLS 16                /* columns c0 .. c15, then the source */
#define ROWS_PTR "tempass_rows"

struct rows_cursor {
	sqlite3_vtab_cursor base;
	const struct rowbuf *src;
	size_t row;
};

static int rows_connect(sqlite3 *db, void *aux, int argc,
			const char *const *argv, sqlite3_vtab **vt, char **err)
{
	int rc;

	(void)aux, (void)argc, (void)argv, (void)err;
	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(c0, c1, c2, c3, c4, c5,"
				  " c6, c7, c8, c9, c10, c11, c12, c13, c14,"
				  " c15, src HIDDEN)");
	if (rc != SQLITE_OK)
		return rc;
	*vt = sqlite3_malloc(sizeof(**vt));
	if (!*vt)
		return SQLITE_NOMEM;
	memset(*vt, 0, sizeof(**vt));
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* The only plan: the source given as the argument. */
static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	(void)vt;
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];

		if (c->iColumn == ROWS_COLS && c->usable &&
		    c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
			info->aConstraintUsage[i].argvIndex = 1;
			info->aConstraintUsage[i].omit = 1;
			info->estimatedCost = 1000;
			info->estimatedRows = 1000;
			return SQLITE_OK;
		}
	}
	return SQLITE_CONSTRAINT;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
	struct rows_cursor *c = sqlite3_malloc(sizeof(*c));

	(void)vt;
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*cur = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs,
		       int argc, sqlite3_value **argv)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;

	(void)idx, (void)idxs;
	c->src = argc == 1 ? sqlite3_value_pointer(argv[0], ROWS_PTR) : NULL;
	c->row = 0;
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
	((struct rows_cursor *)cur)->row++;
	return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
	const struct rows_cursor *c = (const struct rows_cursor *)cur;

	return !c->src || c->row >= c->src->n;
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *out,
		       int col)
{
	const struct rows_cursor *c = (const struct rows_cursor *)cur;
	const struct rowbuf *rb = c->src;
	const struct cell *v;

	if (col >= rb->ncols) {
		sqlite3_result_null(out);
		return SQLITE_OK;
	}
	v = &rb->cells[c->row * (size_t)rb->ncols + (size_t)col];
	switch (v->kind) {
	case CELL_INT:
		sqlite3_result_int64(out, v->v);
		break;
	case CELL_TEXT:
		sqlite3_result_text(out, rb->data.buf + v->v, (int)v->len,
				    SQLITE_STATIC);
		break;
	case CELL_BLOB:
		sqlite3_result_blob(out, rb->data.buf + v->v, (int)v->len,
				    SQLITE_STATIC);
		break;
	default:
		sqlite3_result_null(out);
	}
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((const struct rows_cursor *)cur)->row;
	return SQLITE_OK;
}

/* Eponymous-only (no xCreate): "rows" exists in every connection. */
static const sqlite3_module rows_module = {
	.xConnect = rows_connect,
	.xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect,
	.xOpen = rows_open,
	.xClose = rows_close,
	.xFilter = rows_filter,
	.xNext = rows_next,
	.xEof = rows_eof,
	.xColumn = rows_column,
	.xRowid = rows_rowid,
};

/* Steps s, a statement whose parameter 1 is "rows(?1)", over rb. */
static int run_rows(struct store *st, sqlite3_stmt *s, const struct rowbuf *rb,
		    const char *what)
{
	sqlite3_bind_pointer(s, 1, (void *)rb, ROWS_PTR, NULL);
	return done(st, s, what);
}

/* A new row of NULL cells at the end of rb. */
static struct cell *row_add(struct rowbuf *rb)
{
	size_t w = (size_t)rb->ncols;

	ASSERT(rb->ncols > 0 && rb->ncols <= ROWS_COLS);
	if (rb->n == rb->cap) {
		rb->cap = rb->cap ? 2 * rb->cap : 256;
		rb->cells = xrealloc(rb->cells,
				     rb->cap * w * sizeof(*rb->cells));
	}
	memset(&rb->cells[rb->n * w], 0, w * sizeof(*rb->cells));
	return &rb->cells[rb->n++ * w];
}

static void cell_int(struct cell *c, long long v)
{
	c->kind = CELL_INT;
	c->v = v;
}

/* A row id; 0 is none (NULL). */
static void cell_id(struct cell *c, long long id)
{
	if (id)
		cell_int(c, id);
}

static void cell_bytes(struct rowbuf *rb, struct cell *c, enum cell_kind k,
		       const void *p, size_t len)
{
	c->kind = k;
	c->v = (long long)rb->data.len;
	c->len = len;
	sbuf_add(&rb->data, p, len);
}

/* A text; NULL is NULL. */
static void cell_text(struct rowbuf *rb, struct cell *c, const char *s)
{
	if (s)
		cell_bytes(rb, c, CELL_TEXT, s, strlen(s));
}

static void cell_blob(struct rowbuf *rb, struct cell *c, const void *p,
		      size_t len)
{
	if (p)
		cell_bytes(rb, c, CELL_BLOB, p, len);
}

/* Empties rb, its data wiped. */
static void rows_clear(struct rowbuf *rb)
{
	if (rb->data.len)
		secrets_wipe(rb->data.buf, rb->data.len);
	sbuf_reset(&rb->data);
	rb->n = 0;
}

static void rows_release(struct rowbuf *rb)
{
	rows_clear(rb);
	sbuf_release(&rb->data);
	free(rb->cells);
	rb->cells = NULL;
	rb->cap = 0;
}

/* Steps s, a query for one id: the id, 0 when there is no row, or -1
 * (reported). */
static long long step_id(struct store *st, sqlite3_stmt *s, const char *what)
{
	long long id = 0;
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, rc, what);
	return id;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static const char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Whether a row refers to one that is not there (reported). */
static int foreign_keys_broken(struct store *st)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s,
			       NULL) != SQLITE_OK)
		return fail(st, SQLITE_ERROR, "cannot check foreign keys") != 0;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		errorf("'%s': table %s refers to a row that is missing from "
		       "%s", st->path, col_str(s, 0), col_str(s, 2));
	else if (rc != SQLITE_DONE)
		fail(st, rc, "cannot check foreign keys");
	sqlite3_finalize(s);
	return rc != SQLITE_DONE;
}

static int migrate(struct store *st)
{
	sqlite3_stmt *s;
	int version, rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return fail(st, SQLITE_ERROR, "cannot read schema version");
	version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (version > (int)ARRAY_SIZE(migrations)) {
		errorf("'%s': database schema version %d is newer than this "
		       "tempass (%zu); upgrade tempass", st->path, version,
		       ARRAY_SIZE(migrations));
		return -1;
	}
	if (version == (int)ARRAY_SIZE(migrations))
		return 0;
	if (st->readonly) {
		errorf("'%s': database schema version %d is older than this "
		       "tempass's (%zu), and the file is read-only: open it "
		       "once where it can be written to bring it up to date",
		       st->path, version, ARRAY_SIZE(migrations));
		return -1;
	}
	/* Foreign keys off until the commit (checked before it, below). */
	if ((rc = store_begin_bulk(st)) != 0)
		return rc;
	/* Read again inside the lock: another process may have migrated. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		goto fail;
	version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	for (; version < (int)ARRAY_SIZE(migrations); version++) {
		char pragma[64];

		if (exec(st, migrations[version]) != 0)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 version + 1);
		if (exec(st, pragma) != 0)
			goto fail;
	}
	if (foreign_keys_broken(st))
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

/* ==== Opening and transactions ==== */

/*
 * Switches a new database to WAL. SQLite answers BUSY at once, without the
 * busy handler, when another process is switching the same new file at the
 * same moment: retry for as long as the busy timeout would have waited.
 */
static int set_wal(struct store *st)
{
	for (int waited = 0;; waited += 20) {
		int rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL,
				      NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
		    waited >= BUSY_TIMEOUT_MS)
			return fail(st, rc, "cannot switch to WAL");
		sqlite3_sleep(20);
	}
}

/*
 * Debian's SQLite is built without lookaside memory, so every small
 * allocation of a statement goes to malloc, and with memory statistics on
 * (the default) each of those takes a global mutex to count it. tempass
 * never reads the statistics: turned off once, before SQLite starts.
 */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * iso_time(seconds): "2026-09-03T08:14:00Z", as strftime('%Y-%m-%dT%H:%M:
 * %SZ', x, 'unixepoch') gives, NULL for NULL; day_of(date): the day of
 * month of a 'YYYY-MM-DD' date as an integer, NULL for anything else.
 * SQLite's date functions parse and format through its general date
 * machinery: over 100,000 rows they were most of the time of an audit
 * export and a third of a selection.
 */
static void sql_iso_time(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	char buf[32];

	(void)argc;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL)
		return;
	format_iso8601(sqlite3_value_int64(v[0]), buf, sizeof(buf));
	sqlite3_result_text(cx, buf, -1, SQLITE_TRANSIENT);
}

static void sql_day_of(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	const unsigned char *d = sqlite3_value_text(v[0]);
	int day;

	(void)argc;
	if (!d || sqlite3_value_bytes(v[0]) < 10)
		return;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? d[i] != '-' : !isdigit(d[i]))
			return;
	day = (d[8] - '0') * 10 + (d[9] - '0');
	if (day >= 1 && day <= 31)
		sqlite3_result_int(cx, day);
}

/* ==== The database file ==== */

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	       (unsigned long)p[2] << 8 | p[3];
}

/* Size of path plus suffix ("-wal"), or -1 when it does not exist. */
static long long size_of(const char *path, const char *suffix)
{
	char *p = xasprintf("%s%s", path, suffix);
	struct stat sb;
	long long n = stat(p, &sb) == 0 ? (long long)sb.st_size : -1;

	free(p);
	return n;
}

/*
 * Refuses an existing database file that is not a whole SQLite database:
 * of 0 bytes, not one at all, cut short of a whole page, or of the pages
 * its header counts (checked only without a WAL, whose frames may hold
 * what the file does not yet). Such a file is never taken for a new,
 * empty store, which an import would then fill with every user again.
 * 0, or -1 (reported).
 */
static int check_header(struct store *st, int fd)
{
	unsigned char h[100];
	struct stat sb;
	unsigned page;
	unsigned long long want;

	if (fstat(fd, &sb) != 0) {
		errorf("'%s': cannot read database: %s", st->path,
		       strerror(errno));
		return -1;
	}
	if (sb.st_size == 0) {
		errorf("'%s': database file is empty (0 bytes): it is not "
		       "taken for a new store; restore it from a backup, or "
		       "move it away to start a new one", st->path);
		return -1;
	}
	if (sb.st_size < (off_t)sizeof(h) ||
	    pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16) != 0) {
		errorf("'%s': not a SQLite database (%lld bytes)", st->path,
		       (long long)sb.st_size);
		return -1;
	}
	page = be16(h + 16) == 1 ? 65536 : be16(h + 16);
	if (page < 512 || (page & (page - 1)) || sb.st_size % page) {
		errorf("'%s': database file is truncated: %lld bytes are not "
		       "a whole number of %u-byte pages", st->path,
		       (long long)sb.st_size, page);
		return -1;
	}
	want = (unsigned long long)be32(h + 28) * page;
	if (size_of(st->path, "-wal") <= 0 &&
	    be32(h + 24) == be32(h + 92) && want > (unsigned long long)sb.st_size) {
		errorf("'%s': database file is truncated: %lld bytes, its "
		       "header counts %llu", st->path, (long long)sb.st_size,
		       want);
		return -1;
	}
	return 0;
}

/* "file:" URI of path with query, for SQLITE_OPEN_URI; caller frees. */
static char *file_uri(const char *path, const char *query)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addstr(&sb, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '?' || *p == '#' || *p == '%' || *p < 0x20)
			sbuf_addf(&sb, "%%%02X", *p);
		else
			sbuf_addch(&sb, (char)*p);
	}
	sbuf_addf(&sb, "?%s", query);
	return sbuf_detach(&sb);
}

static struct store *open_db(const char *path, int readonly);

/*
 * A new database is made whole under a name of its own, then linked to
 * path, which never replaces: path is never a file of 0 bytes that
 * another tempass could take for a damaged store, and of two made at once
 * the first linked is the one both use. 0, or -1 (reported).
 */
static int create_db(const char *path)
{
	char *tmp = xasprintf("%s.new.%ld", path, (long)getpid());
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	struct store *st;
	int rc = -1;

	if (fd < 0) {
		set_fault(errno == ENOSPC || errno == EDQUOT ?
			  STORE_FAULT_FULL : STORE_FAULT_CREATE);
		errorf("'%s': cannot create database: %s", path,
		       strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	/* Closed, it is whole: the last connection's checkpoint has
	 * copied the WAL into it and removed it. */
	if ((st = open_db(tmp, 0)) != NULL) {
		store_close(st);
		if (link(tmp, path) == 0 || errno == EEXIST) {
			rc = 0;
		} else {
			set_fault(STORE_FAULT_CREATE);
			errorf("'%s': cannot create database: %s", path,
			       strerror(errno));
		}
	}
	unlink(tmp);
	free(tmp);
	return rc;
}

struct store *store_open(const char *path)
{
	const char *slash = strrchr(path, '/');
	int fd, readonly = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (slash && slash != path) {
			char *dir = xstrndup(path, (size_t)(slash - path));
			int rc = mkdir_p(dir, 0700);

			free(dir);
			if (rc != 0) {
				set_fault(STORE_FAULT_CREATE);
				return NULL;
			}
		}
		if (create_db(path) != 0)
			return NULL;
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	/* A read-only mount, or a file this user may not write: read it. */
	if (fd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM)) {
		readonly = 1;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		set_fault(STORE_FAULT_IO);
		errorf("'%s': cannot open database: %s", path,
		       strerror(errno));
		return NULL;
	}
	{
		struct store probe = { .path = (char *)path };
		int bad = check_header(&probe, fd);

		close(fd);
		if (bad) {
			set_fault(STORE_FAULT_CORRUPT);
			return NULL;
		}
	}
	/* Whose folder it cannot write (for the WAL's -shm): read too. */
	if (!readonly && size_of(path, "-shm") < 0) {
		char *dir = slash ? (slash == path ? xstrdup("/") :
				     xstrndup(path, (size_t)(slash - path))) :
			    xstrdup(".");

		readonly = access(dir, W_OK) != 0;
		free(dir);
	}
	return open_db(path, readonly);
}

/*
 * Opens the database at path, which exists. Read-only, SQLite needs the
 * WAL's -shm file, which it cannot make in a folder it cannot write: the
 * file is then opened immutable (nothing changes it while it is read: a
 * backup, a read-only mount), which needs neither.
 */
static struct store *open_db(const char *path, int readonly)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct store *st = xcalloc(1, sizeof(*st));

	pthread_once(&once, configure_sqlite);
	st->audit.ncols = 10;
	st->issue.ncols = 5;
	st->users.ncols = 14;
	st->members.ncols = 2;
	st->path = xstrdup(path);
	st->readonly = readonly;
	if (readonly) {
		/* Never immutable over a WAL that holds commits: they
		 * would be missed. SQLite then says why it cannot open. */
		int plain = size_of(path, "-shm") < 0 &&
			    size_of(path, "-wal") <= 0;
		char *uri = file_uri(path, plain ? "immutable=1" : "mode=ro");
		int rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY |
					 SQLITE_OPEN_URI |
					 SQLITE_OPEN_NOMUTEX, NULL);

		free(uri);
		if (rc != SQLITE_OK) {
			report(st, "cannot open database");
			goto fail;
		}
	} else if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
				   SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		report(st, "cannot open database");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 0);
	if (sqlite3_create_module(st->db, "rows", &rows_module, NULL) !=
	    SQLITE_OK ||
	    sqlite3_create_function_v2(st->db, "iso_time", 1, SQLITE_UTF8 |
				       SQLITE_DETERMINISTIC, NULL, sql_iso_time,
				       NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(st->db, "day_of", 1, SQLITE_UTF8 |
				       SQLITE_DETERMINISTIC, NULL, sql_day_of,
				       NULL, NULL, NULL) != SQLITE_OK) {
		report(st, "cannot register the rows table and functions");
		goto fail;
	}
	/* 16 KiB pages for a new database (an existing one keeps its own):
	 * a batch or an import writes tens of megabytes, a quarter of the
	 * WAL frames and write calls of 4 KiB pages; -15% time for both. */
	if (exec(st, "PRAGMA page_size = 16384") != 0 ||
	    (!readonly && set_wal(st) != 0) ||
	    exec(st, "PRAGMA synchronous = NORMAL") != 0 ||
	    exec(st, "PRAGMA foreign_keys = ON") != 0 ||
	    exec(st, "PRAGMA secure_delete = ON") != 0 ||
	    exec(st, "PRAGMA temp_store = MEMORY") != 0 ||
	    exec(st, "PRAGMA cache_size = -16384") != 0 ||
	    /* Reads map the file (up to 256 MiB) rather than copy it
	     * page by page through read(): reading a whole site's users
	     * takes half the time. Writes still go through the WAL. */
	    exec(st, "PRAGMA mmap_size = 268435456") != 0)
		goto fail;
	if (migrate(st) != 0)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->checkpointing)
		pthread_join(st->checkpointer, NULL);
	for (size_t i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].sql)
			sqlite3_finalize(st->cache[i].stmt);
	if (st->db) {
		if (st->in_tx)
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(st->db);
	}
	sbuf_release(&st->scratch);
	rows_release(&st->audit);
	rows_release(&st->issue);
	rows_release(&st->users);
	rows_release(&st->members);
	free(st->path);
	free(st);
}

/* After a bulk transaction: foreign keys are checked again. */
static void end_bulk(struct store *st)
{
	if (st->bulk)
		sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL,
			     NULL);
	st->bulk = 0;
}

int store_begin(struct store *st)
{
	int rc;

	ASSERT(!st->in_tx);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, "cannot start a transaction");
	st->in_tx = 1;
	st->have_head = 0;
	st->next_user = 0;
	return 0;
}

void store_defer_checkpoints(struct store *st)
{
	/* Best effort: without it, commits checkpoint as usual. */
	(void)sqlite3_exec(st->db, "PRAGMA wal_autocheckpoint = 0", NULL,
			   NULL, NULL);
}

/*
 * The checkpointing thread: a connection of its own, which copies what
 * the WAL holds of committed transactions into the database while the
 * opening connection reads and writes (WAL mode lets both run). PASSIVE:
 * it never waits for a lock; a later commit checkpoints what it left.
 */
static void *checkpoint_thread(void *arg)
{
	struct store *st = arg;
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL,
			     NULL);
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
					  NULL, NULL);
	}
	sqlite3_close(db);
	return NULL;
}

void store_checkpoint_later(struct store *st)
{
	if (st->checkpointing || st->in_tx)
		return;
	st->checkpointing = pthread_create(&st->checkpointer, NULL,
					   checkpoint_thread, st) == 0;
}

void store_resume_checkpoints(struct store *st)
{
	(void)sqlite3_exec(st->db, "PRAGMA wal_autocheckpoint = 1000", NULL,
			   NULL, NULL);
}

int store_unmap(struct store *st)
{
	return exec(st, "PRAGMA mmap_size = 0");
}

int store_begin_bulk(struct store *st)
{
	int rc;

	/* Must be set outside a transaction: SQLite ignores it inside. */
	if ((rc = exec(st, "PRAGMA foreign_keys = OFF")) != 0)
		return rc;
	st->bulk = 1;
	if ((rc = store_begin(st)) != 0)
		end_bulk(st);
	return rc;
}

/* Moves the buffered audit events into the log (see store_audit). */
static int flush_audit(struct store *st)
{
	static const char ins[] =
		"INSERT INTO audit (id, at, site_id, user_id, batch_id, actor,"
		" action, detail, prev, hash)"
		" SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 FROM rows(?1)";
	sqlite3_stmt *s;
	int rc;

	if (!st->audit.n)
		return 0;
	if (!(s = prep(st, ins)))
		return -1;
	rc = run_rows(st, s, &st->audit, "cannot write audit events");
	rows_clear(&st->audit);
	return rc;
}

/*
 * Writes the new users and memberships waiting in a bulk transaction,
 * users first: a membership names its user.
 */
static int flush_users(struct store *st)
{
	static const char users[] =
		"INSERT INTO user (id, site_id, roster, external_id, username,"
		" forename, surname, dob, email, email_verified, user_type,"
		" status, created_at, updated_at) SELECT c0, c1, c2, c3, c4, c5,"
		" c6, c7, c8, c9, c10, c11, c12, c13 FROM rows(?1)";
	static const char members[] =
		"INSERT INTO membership (group_id, user_id)"
		" SELECT c0, c1 FROM rows(?1)";
	sqlite3_stmt *s;
	int rc = 0;

	if (st->flushing || (!st->users.n && !st->members.n))
		return 0;
	st->flushing = 1;
	if (st->users.n) {
		if (!(s = prep(st, users)))
			rc = -1;
		else
			rc = run_rows(st, s, &st->users, "cannot add users");
	}
	if (rc == 0 && st->members.n) {
		if (!(s = prep(st, members)))
			rc = -1;
		else
			rc = run_rows(st, s, &st->members,
				      "cannot add memberships");
	}
	rows_clear(&st->users);
	rows_clear(&st->members);
	st->flushing = 0;
	return rc;
}

int store_defer_user_keys(struct store *st)
{
	static const char any[] = "SELECT EXISTS (SELECT 1 FROM user)";
	sqlite3_stmt *s;
	int rc, some;

	ASSERT(st->in_tx && st->bulk);
	if (st->keys_deferred)
		return 1;
	if (!(s = prep(st, any)))
		return -1;
	rc = sqlite3_step(s);
	some = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return fail(st, rc, "cannot read users");
	if (some)
		return 0;
	if (exec(st, "DROP INDEX user_external; DROP INDEX user_username") !=
	    0)
		return -1;
	st->keys_deferred = 1;
	return 1;
}

/* Builds the keys store_defer_user_keys() dropped: a user twice fails. */
static int build_user_keys(struct store *st)
{
	int rc;

	if (!st->keys_deferred)
		return 0;
	rc = sqlite3_exec(st->db, USER_KEYS, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(st, rc, "cannot add users");
	st->keys_deferred = 0;
	return 0;
}

int store_commit(struct store *st)
{
	int rc;

	ASSERT(st->in_tx);
	if ((rc = flush_users(st)) != 0 || (rc = flush_audit(st)) != 0 ||
	    (rc = build_user_keys(st)) != 0) {
		store_rollback(st);
		return rc;
	}
	rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int r = fail(st, rc, "cannot commit");

		store_rollback(st);
		return r;
	}
	st->in_tx = 0;
	end_bulk(st);
	return 0;
}

void store_rollback(struct store *st)
{
	if (!st->in_tx)
		return;
	for (size_t i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].sql)
			sqlite3_reset(st->cache[i].stmt);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
	st->have_head = 0;
	st->next_user = 0;
	rows_clear(&st->audit);
	rows_clear(&st->issue);
	st->issue_voided = NULL;
	rows_clear(&st->users);
	rows_clear(&st->members);
	st->last_type[0] = '\0';
	st->keys_deferred = 0;
	end_bulk(st);
}

int store_read_begin(struct store *st)
{
	int rc;

	ASSERT(!st->in_tx);
	rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : fail(st, rc, "cannot start reading");
}

void store_read_end(struct store *st)
{
	for (size_t i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].sql)
			sqlite3_reset(st->cache[i].stmt);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

/* ==== Sites ==== */

static long long site_ensure(struct store *st, const char *code,
			     const char *name)
{
	static const char sel[] = "SELECT id, name FROM site WHERE code = ?";
	static const char ins[] = "INSERT INTO site (code, name) VALUES (?, ?)";
	static const char upd[] = "UPDATE site SET name = ? WHERE id = ?";
	sqlite3_stmt *s = prep(st, sel);
	long long id;

	if (!s)
		return -1;
	bind_text(s, 1, code);
	if (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		int same = strcmp(col_str(s, 1), name) == 0;

		sqlite3_reset(s);
		if (same)
			return id;
		if (!(s = prep(st, upd)))
			return -1;
		bind_text(s, 1, name);
		sqlite3_bind_int64(s, 2, id);
		return done(st, s, "cannot rename site") ? -1 : id;
	}
	sqlite3_reset(s);
	if (!(s = prep(st, ins)))
		return -1;
	bind_text(s, 1, code);
	bind_text(s, 2, name);
	if (done(st, s, "cannot add site"))
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

long long store_site(struct store *st, const char *code, const char *name)
{
	static const char sel[] = "SELECT id FROM site WHERE code = ? AND "
				  "name = ?";
	sqlite3_stmt *s = prep(st, sel);
	long long id = 0;

	/* The common case reads only, and takes no write lock. */
	if (!s)
		return -1;
	bind_text(s, 1, code);
	bind_text(s, 2, name);
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
 * otherwise walk the (site_id, ...) index and look up every row by id, five
 * times the cost of one pass over the table, where a site is most or all
 * of the rows.
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
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

int store_users_load(struct store *st, long long site, struct store_user **out,
		     size_t *n)
{
	static const char users_sql[] =
		"SELECT id, roster, external_id, username, forename, surname,"
		" dob, email, email_verified, user_type, status = 'left'"
		" FROM user NOT INDEXED WHERE site_id = ? ORDER BY id";
	static const char groups_sql[] =
		"SELECT m.user_id, m.group_id FROM membership m"
		" JOIN grp g ON g.id = m.group_id"
		" WHERE g.site_id = ? AND g.source = 'roster'"
		" ORDER BY m.user_id, m.group_id";
	sqlite3_stmt *s = prep(st, users_sql);
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
		u->roster = col_dup(s, 1);
		u->external_id = col_dup(s, 2);
		u->username = col_dup(s, 3);
		u->forename = col_dup(s, 4);
		u->surname = col_dup(s, 5);
		u->dob = col_dup(s, 6);
		u->email = col_dup(s, 7);
		u->email_verified = sqlite3_column_int(s, 8);
		u->user_type = col_dup(s, 9);
		u->left = sqlite3_column_int(s, 10);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto fail;
	/* Both lists are ordered by user id: merge them. */
	if (!(s = prep(st, groups_sql)))
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
	rc = fail(st, rc, "cannot read users");
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
	static const char sql[] = "SELECT name, id, source = 'roster' FROM grp"
				  " WHERE site_id = ?";
	sqlite3_stmt *s = prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, col_str(s, 0), sqlite3_column_int64(s, 1),
		   sqlite3_column_int(s, 2));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, rc, "cannot read groups");
}

long long store_group_create(struct store *st, long long site,
			     const char *name, const char *source)
{
	static const char sql[] = "INSERT INTO grp (site_id, name, source)"
				  " VALUES (?, ?, ?)";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, name);
	bind_text(s, 3, source);
	if (done(st, s, "cannot create group") != 0)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

static int ensure_user_type(struct store *st, const char *type)
{
	static const char sql[] = "INSERT OR IGNORE INTO user_type (name)"
				  " VALUES (?)";
	sqlite3_stmt *s;
	int rc;

	/* A roster is one type after another: skip the repeats. */
	if (strcmp(type, st->last_type) == 0)
		return 0;
	if (!(s = prep(st, sql)))
		return -1;
	bind_text(s, 1, type);
	rc = done(st, s, "cannot add user type");
	if (rc == 0 && strlen(type) < sizeof(st->last_type))
		strcpy(st->last_type, type);
	return rc;
}

int store_user_insert(struct store *st, long long site, struct store_user *u,
		      long long now)
{
	static const char last[] = "SELECT coalesce(max(id), 0) FROM user";
	struct rowbuf *rb = &st->users;
	struct cell *c;
	sqlite3_stmt *s;

	ASSERT(st->in_tx);
	if (ensure_user_type(st, u->user_type) != 0)
		return -1;
	/* Ids are given here, as SQLite would give them (the largest + 1),
	 * so that the row can wait (see flush_users). */
	if (!st->next_user) {
		if (!(s = prep(st, last)))
			return -1;
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			return fail(st, sqlite3_errcode(st->db),
				    "cannot read users");
		}
		st->next_user = sqlite3_column_int64(s, 0) + 1;
		sqlite3_reset(s);
	}
	u->id = st->next_user++;
	c = row_add(rb);
	cell_int(&c[0], u->id);
	cell_int(&c[1], site);
	cell_text(rb, &c[2], u->roster);
	cell_text(rb, &c[3], u->external_id);
	cell_text(rb, &c[4], u->username);
	cell_text(rb, &c[5], u->forename);
	cell_text(rb, &c[6], u->surname);
	cell_text(rb, &c[7], u->dob);
	cell_text(rb, &c[8], u->email);
	cell_int(&c[9], u->email_verified);
	cell_text(rb, &c[10], u->user_type);
	cell_text(rb, &c[11], u->left ? "left" : "active");
	cell_int(&c[12], now);
	cell_int(&c[13], now);
	/* Outside a bulk transaction a conflict is reported at once. */
	if (!st->bulk || rb->n >= SLICE)
		return flush_users(st);
	return 0;
}

int store_user_update(struct store *st, const struct store_user *u,
		      long long now)
{
	static const char sql[] =
		"UPDATE user SET username = ?, forename = ?, surname = ?,"
		" dob = ?, email = ?, email_verified = ?, user_type = ?,"
		" status = ?, updated_at = ? WHERE id = ?";
	sqlite3_stmt *s;

	if (ensure_user_type(st, u->user_type) != 0 || !(s = prep(st, sql)))
		return -1;
	bind_text(s, 1, u->username);
	bind_text(s, 2, u->forename);
	bind_text(s, 3, u->surname);
	bind_text(s, 4, u->dob);
	bind_text(s, 5, u->email);
	sqlite3_bind_int(s, 6, u->email_verified);
	bind_text(s, 7, u->user_type);
	bind_text(s, 8, u->left ? "left" : "active");
	sqlite3_bind_int64(s, 9, now);
	sqlite3_bind_int64(s, 10, u->id);
	return done(st, s, "cannot update user");
}

int store_user_leave(struct store *st, long long user, long long now)
{
	static const char left[] = "UPDATE user SET status = 'left',"
				   " updated_at = ? WHERE id = ?";
	static const char revoke[] =
		"UPDATE credential SET state = 'revoked', ended_at = ?,"
		" sealed = NULL, pwhash = NULL"
		" WHERE user_id = ? AND state = 'current'";
	static const char revoke_tokens[] =
		"UPDATE reset_token SET state = 'revoked', ended_at = ?"
		" WHERE user_id = ? AND state = 'current'";
	sqlite3_stmt *s = prep(st, left);
	int n;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (done(st, s, "cannot mark user as left") != 0)
		return -1;
	if (!(s = prep(st, revoke)))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (done(st, s, "cannot revoke credential") != 0)
		return -1;
	n = sqlite3_changes(st->db);
	if (!(s = prep(st, revoke_tokens)))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (done(st, s, "cannot revoke reset tokens") != 0)
		return -1;
	return n;
}

/* Runs sql, a statement of two integer parameters that returns no row. */
static int run_pair(struct store *st, const char *sql, long long a,
		    long long b, const char *what)
{
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	return done(st, s, what);
}

int store_membership_add(struct store *st, long long group, long long user)
{
	static const char sql[] = "INSERT OR IGNORE INTO membership"
				  " (group_id, user_id) VALUES (?, ?)";

	return run_pair(st, sql, group, user, "cannot add membership");
}

int store_membership_new(struct store *st, long long group, long long user)
{
	struct cell *c = row_add(&st->members);

	/* A new user has no membership yet: no conflict to look for. */
	ASSERT(st->in_tx);
	cell_int(&c[0], group);
	cell_int(&c[1], user);
	if (!st->bulk || st->members.n >= SLICE)
		return flush_users(st);
	return 0;
}

int store_membership_remove(struct store *st, long long group, long long user)
{
	static const char sql[] = "DELETE FROM membership WHERE group_id = ?"
				  " AND user_id = ?";

	return run_pair(st, sql, group, user, "cannot remove membership");
}

/* ==== Listings ==== */

/* Steps s, handing each row's columns as strings to fn. */
static int each_row(struct store *st, sqlite3_stmt *s, store_row_fn fn,
		    void *ctx)
{
	int ncols = sqlite3_column_count(s), rc;
	const char *vals[32];

	ASSERT(ncols <= (int)ARRAY_SIZE(vals));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < ncols; i++)
			vals[i] = col_str(s, i);
		if (fn(ctx, vals) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, rc, "cannot read");
}

/* A LIKE pattern matching s anywhere, with % _ \ escaped; caller frees. */
static char *like_pattern(const char *s)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addch(&sb, '%');
	for (; s && *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			sbuf_addch(&sb, '\\');
		sbuf_addch(&sb, *s);
	}
	sbuf_addch(&sb, '%');
	return sbuf_detach(&sb);
}

long store_list_groups(struct store *st, long long site, const char *search,
		       long limit, long offset, store_row_fn fn, void *ctx)
{
	static const char count_sql[] =
		"SELECT count(*) FROM grp WHERE site_id = ?"
		" AND name LIKE ? ESCAPE '\\'";
	static const char list_sql[] =
		"SELECT g.name, g.source, (SELECT count(*) FROM membership m"
		"  JOIN user u ON u.id = m.user_id"
		"  WHERE m.group_id = g.id AND u.status = 'active')"
		" FROM grp g WHERE g.site_id = ? AND g.name LIKE ? ESCAPE '\\'"
		" ORDER BY g.name COLLATE NOCASE, g.name LIMIT ? OFFSET ?";
	char *pat = like_pattern(search);
	sqlite3_stmt *s = prep(st, count_sql);
	long total = -1;

	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, pat);
	if (sqlite3_step(s) == SQLITE_ROW)
		total = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (total < 0 || !(s = prep(st, list_sql))) {
		total = -1;
		goto out;
	}
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, pat);
	sqlite3_bind_int64(s, 3, limit);
	sqlite3_bind_int64(s, 4, offset);
	if (each_row(st, s, fn, ctx) != 0)
		total = -1;
out:
	free(pat);
	return total;
}

int store_list_users(struct store *st, long long site, const char *group,
		     const char *search, const char *username,
		     store_row_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT u.username, u.forename, u.surname, u.external_id,"
		" u.user_type, (SELECT group_concat(name, ', ') FROM"
		"   (SELECT g.name FROM membership m JOIN grp g"
		"    ON g.id = m.group_id WHERE m.user_id = u.id"
		"    ORDER BY g.name)),"
		" coalesce(u.email, ''),"
		" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END,"
		" u.status"
		" FROM user u WHERE u.site_id = ?1"
		" AND (?2 IS NULL OR u.id IN (SELECT m.user_id FROM membership m"
		"   JOIN grp g ON g.id = m.group_id"
		"   WHERE g.site_id = ?1 AND g.name = ?2))"
		" AND (?3 IS NULL OR u.username LIKE ?3 ESCAPE '\\'"
		"   OR u.forename LIKE ?3 ESCAPE '\\'"
		"   OR u.surname LIKE ?3 ESCAPE '\\'"
		"   OR (u.forename || ' ' || u.surname) LIKE ?3 ESCAPE '\\'"
		"   OR u.external_id LIKE ?3 ESCAPE '\\'"
		"   OR u.email LIKE ?3 ESCAPE '\\')"
		" AND (?4 IS NULL OR u.username = ?4)"
		" ORDER BY u.surname COLLATE NOCASE, u.forename COLLATE NOCASE,"
		" u.username";
	sqlite3_stmt *s = prep(st, sql);
	char *pat = search ? like_pattern(search) : NULL;
	int rc;

	if (!s) {
		free(pat);
		return -1;
	}
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, group);
	bind_text(s, 3, pat);
	bind_text(s, 4, username);
	rc = each_row(st, s, fn, ctx);
	free(pat);
	return rc;
}

long long store_user_id(struct store *st, long long site, const char *username)
{
	static const char sql[] = "SELECT id FROM user WHERE site_id = ?"
				  " AND username = ?";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, username);
	return step_id(st, s, "cannot read user");
}

long long store_group_id(struct store *st, long long site, const char *name,
			 int *roster)
{
	static const char sql[] = "SELECT id, source = 'roster' FROM grp"
				  " WHERE site_id = ? AND name = ?";
	sqlite3_stmt *s = prep(st, sql);
	long long id = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if (roster)
			*roster = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, rc, "cannot read group");
	return id;
}

int store_group_delete(struct store *st, long long group)
{
	static const char mem[] = "DELETE FROM membership WHERE group_id = ?";
	static const char grp[] = "DELETE FROM grp WHERE id = ?";
	sqlite3_stmt *s = prep(st, mem);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, group);
	if (done(st, s, "cannot delete group") != 0 || !(s = prep(st, grp)))
		return -1;
	sqlite3_bind_int64(s, 1, group);
	return done(st, s, "cannot delete group");
}

/* ==== Administrators ==== */

long long store_admin_add(struct store *st, const char *name,
			  const char *pwhash, long long now)
{
	static const char sql[] = "INSERT INTO admin (name, pwhash,"
				  " created_at) VALUES (?, ?, ?)";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	bind_text(s, 1, name);
	bind_text(s, 2, pwhash);
	sqlite3_bind_int64(s, 3, now);
	if (done(st, s, "cannot add admin") != 0)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int store_admin_grant(struct store *st, long long admin, long long site)
{
	static const char sql[] = "INSERT OR IGNORE INTO admin_site"
				  " (admin_id, site_id) VALUES (?, ?)";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	sqlite3_bind_int64(s, 2, site);
	return done(st, s, "cannot grant site");
}

int store_admin_get(struct store *st, const char *name, struct store_admin *a)
{
	static const char sql[] = "SELECT id, pwhash, failed, locked_until"
				  " FROM admin WHERE name = ?";
	sqlite3_stmt *s = prep(st, sql);
	int rc, found = 0;

	if (!s)
		return -1;
	bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->id = sqlite3_column_int64(s, 0);
		snprintf(a->pwhash, sizeof(a->pwhash), "%s", col_str(s, 1));
		a->failed = sqlite3_column_int(s, 2);
		a->locked_until = sqlite3_column_int64(s, 3);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, rc, "cannot read admin");
	return found;
}

int store_admin_may(struct store *st, long long admin, long long site)
{
	static const char sql[] = "SELECT 1 FROM admin_site WHERE admin_id = ?"
				  " AND site_id = ?";
	sqlite3_stmt *s = prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	sqlite3_bind_int64(s, 2, site);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, rc, "cannot read admin sites");
	return rc == SQLITE_ROW;
}

/* Steps s, an UPDATE ... RETURNING of one integer: the value, 0 when no
 * row was updated, or -1 or STORE_BUSY (reported). */
static long long step_returning(struct store *st, sqlite3_stmt *s,
				const char *what)
{
	long long v = 0;
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		v = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, rc, what);
	return v;
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
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, max);
	sqlite3_bind_int64(s, 3, lock_seconds);
	sqlite3_bind_int64(s, 4, admin);
	return (int)step_returning(st, s, "cannot count the attempt");
}

int store_admin_confirmed(struct store *st, long long admin)
{
	static const char sql[] = "UPDATE admin SET failed = 0,"
				  " locked_until = 0 WHERE id = ?";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	return done(st, s, "cannot update admin");
}

int store_admin_set_hash(struct store *st, long long admin,
			 const char *pwhash)
{
	static const char sql[] = "UPDATE admin SET pwhash = ?, failed = 0,"
				  " locked_until = 0 WHERE id = ?";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	bind_text(s, 1, pwhash);
	sqlite3_bind_int64(s, 2, admin);
	return done(st, s, "cannot update admin");
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
	sqlite3_stmt *s = prep(st, sql);

	return s ? each_row(st, s, fn, ctx) : -1;
}

int store_admin_remove(struct store *st, long long admin)
{
	static const char sites[] = "DELETE FROM admin_site WHERE admin_id = ?";
	static const char adm[] = "DELETE FROM admin WHERE id = ?";
	sqlite3_stmt *s = prep(st, sites);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	if (done(st, s, "cannot remove admin") != 0 || !(s = prep(st, adm)))
		return -1;
	sqlite3_bind_int64(s, 1, admin);
	return done(st, s, "cannot remove admin");
}

/* ==== Selection and batches ==== */

int store_select(struct store *st, long long site, const char *group,
		 unsigned flags, store_row_fn fn, void *ctx)
{
#define SELECT_SQL \
		"SELECT u.username, u.forename, u.surname, u.external_id," \
		" u.user_type, g.name," \
		" coalesce(day_of(u.dob), '')," \
		" coalesce(u.email, '')," \
		" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END," \
		" CASE WHEN u.claimed_at IS NULL THEN 'no' ELSE 'yes' END," \
		" u.id" \
		" FROM grp g JOIN membership m ON m.group_id = g.id" \
		" JOIN user u ON u.id = m.user_id" \
		" WHERE g.site_id = ? AND g.name = ? AND u.status = 'active'" \
		" AND (? OR u.claimed_at IS NULL)"
	static const char sorted[] = SELECT_SQL
		" ORDER BY u.surname COLLATE NOCASE, u.forename COLLATE NOCASE,"
		" u.username";
	static const char unsorted[] = SELECT_SQL;
#undef SELECT_SQL
	sqlite3_stmt *s = prep(st, flags & STORE_UNSORTED ? unsorted : sorted);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, group);
	sqlite3_bind_int(s, 3, (flags & STORE_ALL) != 0);
	return each_row(st, s, fn, ctx);
}

int store_select_user(struct store *st, long long site, const char *username,
		      const char *label, store_row_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT u.username, u.forename, u.surname, u.external_id,"
		" u.user_type, ?3,"
		" coalesce(day_of(u.dob), ''),"
		" coalesce(u.email, ''),"
		" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END,"
		" CASE WHEN u.claimed_at IS NULL THEN 'no' ELSE 'yes' END"
		" FROM user u WHERE u.site_id = ?1 AND u.username = ?2";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	bind_text(s, 2, username);
	bind_text(s, 3, label);
	return each_row(st, s, fn, ctx);
}

int store_unavailable(struct store *st, long long site,
		      void (*fn)(void *ctx, long long user), void *ctx)
{
	static const char sql[] = "SELECT id FROM user NOT INDEXED"
				  " WHERE site_id = ? AND"
				  " (claimed_at IS NOT NULL OR"
				  " status = 'left')";
	sqlite3_stmt *s = prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, rc, "cannot read users");
}

int store_targets(struct store *st, long long site,
		  int (*fn)(void *ctx, const struct store_target_row *t),
		  void *ctx)
{
	static const char sql[] =
		"SELECT id, username, forename, surname, user_type,"
		" coalesce(email, ''), email_verified, claimed_at IS NOT NULL,"
		" status = 'left' FROM user NOT INDEXED WHERE site_id = ?";
	sqlite3_stmt *s = prep(st, sql);
	struct store_target_row t;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(s, 0);
		t.username = col_str(s, 1);
		t.forename = col_str(s, 2);
		t.surname = col_str(s, 3);
		t.user_type = col_str(s, 4);
		t.email = col_str(s, 5);
		t.email_verified = sqlite3_column_int(s, 6);
		t.claimed = sqlite3_column_int(s, 7);
		t.left = sqlite3_column_int(s, 8);
		if (fn(ctx, &t) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, rc, "cannot read users");
}

int store_batch_create(struct store *st, long long site, const char *actor,
		       const char *criteria, long long count, long long now,
		       long long *id, long long *version)
{
	static const char next[] = "SELECT coalesce(max(version), 0) + 1"
				   " FROM batch WHERE site_id = ?";
	static const char ins[] =
		"INSERT INTO batch (site_id, version, actor, created_at,"
		" criteria, count) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = prep(st, next);
	int rc;

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	rc = sqlite3_step(s);
	*version = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return fail(st, rc, "cannot read batches");
	if (!(s = prep(st, ins)))
		return -1;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, *version);
	bind_text(s, 3, actor);
	sqlite3_bind_int64(s, 4, now);
	bind_text(s, 5, criteria);
	sqlite3_bind_int64(s, 6, count);
	if ((rc = done(st, s, "cannot create batch")) != 0)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* Ends the user's current reset token (a newer list or email covers them). */
static int void_tokens(struct store *st, long long user, long long now)
{
	static const char sql[] = "UPDATE reset_token SET state = 'void',"
				  " ended_at = ? WHERE user_id = ? AND"
				  " state = 'current'";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	return done(st, s, "cannot void reset tokens");
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
	snprintf(c->pwhash, sizeof(c->pwhash), "%s", col_str(s, 5));
	c->failed = sqlite3_column_int(s, 6);
}

#define CREDENTIAL_COLUMNS \
	"c.id, c.batch_id, b.version, c.expires_at, c.sealed, c.pwhash," \
	" c.failed FROM credential c JOIN batch b ON b.id = c.batch_id"

static int one_credential(struct store *st, const char *sql, long long key,
			  struct store_credential *c)
{
	sqlite3_stmt *s = prep(st, sql);
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
		return fail(st, rc, "cannot read credential");
	return found;
}

int store_current_credential(struct store *st, long long user,
			     struct store_credential *c)
{
	static const char sql[] = "SELECT " CREDENTIAL_COLUMNS
				  " WHERE c.user_id = ? AND"
				  " c.state = 'current'";

	return one_credential(st, sql, user, c);
}

int store_credential_get(struct store *st, long long id,
			 struct store_credential *c)
{
	static const char sql[] = "SELECT " CREDENTIAL_COLUMNS
				  " WHERE c.id = ?";

	return one_credential(st, sql, id, c);
}

int store_credential_attempt(struct store *st, long long credential)
{
	static const char sql[] = "UPDATE credential SET failed = failed + 1"
				  " WHERE id = ? AND state = 'current'"
				  " RETURNING failed";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, credential);
	return (int)step_returning(st, s, "cannot count the attempt");
}

int store_credential_verified(struct store *st, long long credential)
{
	static const char sql[] = "UPDATE credential SET failed = failed - 1"
				  " WHERE id = ? AND failed > 0";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, credential);
	return done(st, s, "cannot update credential");
}

int store_sealed(struct store *st, struct store_sealed *one)
{
	/* Only current credentials keep a sealed copy: the index of current
	 * ones is walked, newest first. */
	static const char sql[] =
		"SELECT b.site_id, c.user_id, c.batch_id, c.sealed"
		" FROM credential c JOIN batch b ON b.id = c.batch_id"
		" WHERE c.state = 'current' AND c.sealed IS NOT NULL"
		" ORDER BY c.id DESC LIMIT 1";
	sqlite3_stmt *s = prep(st, sql);
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
		return fail(st, rc, "cannot read credentials");
	return found;
}

int store_claim(struct store *st, long long user, long long now)
{
	static const char usr[] = "UPDATE user SET claimed_at ="
				  " coalesce(claimed_at, ?) WHERE id = ?";
	static const char cred[] =
		"UPDATE credential SET state = 'claimed', ended_at = ?,"
		" sealed = NULL, pwhash = NULL"
		" WHERE user_id = ? AND state = 'current'";
	sqlite3_stmt *s = prep(st, usr);

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (done(st, s, "cannot claim") != 0 || !(s = prep(st, cred)))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, user);
	if (done(st, s, "cannot claim") != 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
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
	sqlite3_stmt *s = prep(st, sel);
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
		return fail(st, rc, "cannot read credentials");
	if (!(s = prep(st, upd)))
		return -1;
	for (int i = 0; i < nb; i++)
		sqlite3_bind_int64(s, i + 1, b[i]);
	if (done(st, s, "cannot end credentials") != 0)
		return -1;
	return n;
}

long store_expire(struct store *st, long long site, long long now,
		  int (*fn)(void *ctx, long long user, long long batch),
		  void *ctx)
{
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
			 const char *search, const char *sort,
			 store_row_fn fn, void *ctx)
{
	/* One statement per order: ORDER BY cannot be bound. */
	static const char base[] =
		"SELECT u.username, u.forename, u.surname,"
		" coalesce((SELECT group_concat(name, ', ') FROM"
		"   (SELECT g.name FROM membership m JOIN grp g"
		"    ON g.id = m.group_id WHERE m.user_id = u.id"
		"    ORDER BY g.name)), ''),"
		" b.version,"
		" iso_time(b.created_at),"
		" iso_time(c.expires_at),"
		" CASE WHEN c.expires_at <= ?4 THEN 'expired'"
		"  ELSE 'current' END,"
		" c.id, u.id, b.id, c.grp"
		" FROM credential c JOIN user u ON u.id = c.user_id"
		" JOIN batch b ON b.id = c.batch_id"
		" WHERE b.site_id = ?1 AND c.state = 'current'"
		" AND (?2 IS NULL OR u.id IN (SELECT m.user_id FROM membership m"
		"   JOIN grp g ON g.id = m.group_id"
		"   WHERE g.site_id = ?1 AND g.name = ?2))"
		" AND (?3 IS NULL OR u.username LIKE ?3 ESCAPE '\\'"
		"   OR (u.forename || ' ' || u.surname) LIKE ?3 ESCAPE '\\')";
	static const struct {
		const char *name;
		const char *sql;
	} orders[] = {
		{ "name", " ORDER BY u.surname COLLATE NOCASE,"
			  " u.forename COLLATE NOCASE, u.username" },
		{ "username", " ORDER BY u.username" },
		{ "group", " ORDER BY c.grp COLLATE NOCASE, u.surname"
			   " COLLATE NOCASE, u.forename COLLATE NOCASE" },
		{ "expires", " ORDER BY c.expires_at, u.surname COLLATE NOCASE" },
		{ "version", " ORDER BY b.version, u.surname COLLATE NOCASE" },
	};
	static char *sqls[ARRAY_SIZE(orders)];
	char *pat = search ? like_pattern(search) : NULL;
	sqlite3_stmt *s = NULL;
	int rc = -1;

	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		if (strcmp(sort, orders[i].name) != 0)
			continue;
		if (!sqls[i])
			sqls[i] = xasprintf("%s%s", base, orders[i].sql);
		s = prep(st, sqls[i]);
		break;
	}
	if (s) {
		sqlite3_bind_int64(s, 1, site);
		bind_text(s, 2, group);
		bind_text(s, 3, pat);
		sqlite3_bind_int64(s, 4, now_seconds());
		rc = each_row(st, s, fn, ctx);
	}
	free(pat);
	return rc;
}

int store_list_batches(struct store *st, long long site, store_row_fn fn,
		       void *ctx)
{
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
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	return each_row(st, s, fn, ctx);
}

long long store_batch_id(struct store *st, long long site, long long version)
{
	static const char sql[] = "SELECT id FROM batch WHERE site_id = ?"
				  " AND version = ?";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, version);
	return step_id(st, s, "cannot read batch");
}

int store_user_types(struct store *st, long long site,
		     void (*fn)(void *ctx, const char *name), void *ctx)
{
	static const char sql[] = "SELECT DISTINCT user_type FROM user"
				  " WHERE site_id = ? ORDER BY user_type";
	sqlite3_stmt *s = prep(st, sql);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, site);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, col_str(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, rc, "cannot read user types");
}

/* ==== Issuing a batch in bulk ==== */

void store_issue_begin(struct store *st, long long batch, long long now,
		       void (*voided)(void *ctx, long long user,
				      long long version),
		       void *ctx)
{
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
	struct rowbuf *rb = &st->issue;
	struct cell *c = row_add(rb);

	ASSERT(st->in_tx);
	cell_int(&c[0], user);
	cell_text(rb, &c[1], group);
	cell_blob(rb, &c[2], sealed, len);
	cell_text(rb, &c[3], pwhash);
	cell_int(&c[4], expires);
	/* A slice at a time: a batch of 100,000 held whole was 20 MB. */
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
	if (!(s = prep(st, old)))
		goto out;
	sqlite3_bind_pointer(s, 1, &st->issue, ROWS_PTR, NULL);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cell_int(row_add(&gone), sqlite3_column_int64(s, 0));
		st->issue_voided(st->issue_ctx, sqlite3_column_int64(s, 1),
				 sqlite3_column_int64(s, 2));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		rc = fail(st, rc, "cannot read credentials");
		goto out;
	}
	rc = -1;
	if (gone.n) {
		if (!(s = prep(st, voidit)))
			goto out;
		sqlite3_bind_int64(s, 2, batch);
		sqlite3_bind_int64(s, 3, now);
		rc = run_rows(st, s, &gone, "cannot void credentials");
		if (rc != 0)
			goto out;
		rc = -1;
	}
	if (!(s = prep(st, ins)))
		goto out;
	sqlite3_bind_int64(s, 2, batch);
	if ((rc = run_rows(st, s, &st->issue, "cannot issue credentials")) != 0)
		goto out;
	rc = -1;
	if (!(s = prep(st, tokens)))
		goto out;
	sqlite3_bind_int64(s, 2, now);
	rc = run_rows(st, s, &st->issue, "cannot void reset tokens");
out:
	rows_clear(&st->issue);
	rows_release(&gone);
	return rc;
}

int store_issue_finish(struct store *st)
{
	int rc = flush_issue(st);

	st->issue_voided = NULL;
	return rc;
}

/* ==== Reset tokens and the mail queue ==== */

int store_batch_set_kind(struct store *st, long long batch, const char *kind)
{
	static const char sql[] = "UPDATE batch SET kind = ? WHERE id = ?";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	bind_text(s, 1, kind);
	sqlite3_bind_int64(s, 2, batch);
	return done(st, s, "cannot set batch kind");
}

int store_token_issue(struct store *st, long long batch, long long user,
		      const unsigned char *hash, size_t len, long long expires,
		      long long now)
{
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
	if (!(s = prep(st, voidcred)))
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, user);
	if ((rc = done(st, s, "cannot void credential")) != 0)
		return rc;
	if (!(s = prep(st, ins)))
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_blob(s, 3, hash, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, expires);
	return done(st, s, "cannot store reset token");
}

int store_token_find(struct store *st, long long site,
		     const unsigned char *hash, size_t len,
		     struct store_token *t)
{
	static const char sql[] =
		"SELECT t.id, t.user_id, t.batch_id, t.expires_at, t.state,"
		" u.username FROM reset_token t JOIN user u ON u.id = t.user_id"
		" WHERE t.hash = ? AND u.site_id = ?";
	sqlite3_stmt *s = prep(st, sql);
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
		snprintf(t->state, sizeof(t->state), "%s", col_str(s, 4));
		snprintf(t->username, sizeof(t->username), "%s",
			 col_str(s, 5));
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, rc, "cannot read reset token");
	return found;
}

int store_token_end(struct store *st, long long token, const char *state,
		    long long now)
{
	static const char sql[] = "UPDATE reset_token SET state = ?,"
				  " ended_at = ? WHERE id = ? AND"
				  " state = 'current'";
	sqlite3_stmt *s = prep(st, sql);
	int rc;

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	bind_text(s, 1, state);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, token);
	if ((rc = done(st, s, "cannot update reset token")) != 0)
		return rc;
	return sqlite3_changes(st->db);
}

long long store_delivery_add(struct store *st, const char *file,
			     const char *message_id, long long user,
			     long long batch, const char *recipient,
			     long long now)
{
	static const char sql[] =
		"INSERT INTO delivery (file, message_id, user_id, batch_id,"
		" recipient, queued_at) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s = prep(st, sql);
	int rc;

	if (!s)
		return -1;
	bind_text(s, 1, file);
	bind_text(s, 2, message_id);
	if (user)
		sqlite3_bind_int64(s, 3, user);
	if (batch)
		sqlite3_bind_int64(s, 4, batch);
	bind_text(s, 5, recipient);
	sqlite3_bind_int64(s, 6, now);
	if ((rc = done(st, s, "cannot queue message")) != 0)
		return rc;
	return sqlite3_last_insert_rowid(st->db);
}

int store_delivery_get(struct store *st, const char *file,
		       struct store_delivery *d)
{
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
	sqlite3_stmt *s = prep(st, sql);
	int rc, found = 0;

	if (!s)
		return -1;
	bind_text(s, 1, file);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *hash = sqlite3_column_blob(s, 10);
		int hlen = sqlite3_column_bytes(s, 10);

		d->id = sqlite3_column_int64(s, 0);
		snprintf(d->state, sizeof(d->state), "%s", col_str(s, 1));
		d->attempts = sqlite3_column_int(s, 2);
		snprintf(d->recipient, sizeof(d->recipient), "%s",
			 col_str(s, 3));
		d->user = sqlite3_column_int64(s, 4);
		d->batch = sqlite3_column_int64(s, 5);
		snprintf(d->last_error, sizeof(d->last_error), "%s",
			 col_str(s, 6));
		d->site = sqlite3_column_int64(s, 7);
		snprintf(d->token_state, sizeof(d->token_state), "%s",
			 col_str(s, 8));
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
		return fail(st, rc, "cannot read delivery");
	return found;
}

int store_delivery_result(struct store *st, long long id, const char *state,
			  const char *error, long long now)
{
	static const char sql[] =
		"UPDATE delivery SET state = ?, attempts = attempts + 1,"
		" last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ?"
		" ELSE sent_at END WHERE id = ?";
	sqlite3_stmt *s = prep(st, sql);

	if (!s)
		return -1;
	bind_text(s, 1, state);
	bind_text(s, 2, error);
	bind_text(s, 3, state);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, id);
	return done(st, s, "cannot record delivery");
}

int store_delivery_drop(struct store *st, long long id, const char *why)
{
	static const char sql[] =
		"UPDATE delivery SET state = 'dropped', last_error = ?"
		" WHERE id = ?";
	sqlite3_stmt *s = prep(st, sql);

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	bind_text(s, 1, why);
	sqlite3_bind_int64(s, 2, id);
	return done(st, s, "cannot record delivery");
}

/* ==== Lists pending publication ==== */

int store_pending_add(struct store *st, long long batch, long long pid,
		      const char *tmp, const char *path, long long size)
{
	static const char sql[] =
		"INSERT INTO pending_list (batch_id, pid, tmp, path, size)"
		" VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *s = prep(st, sql);

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	sqlite3_bind_int64(s, 2, pid);
	bind_text(s, 3, tmp);
	bind_text(s, 4, path);
	sqlite3_bind_int64(s, 5, size);
	return done(st, s, "cannot record a pending list");
}

int store_pending_each(struct store *st,
		       int (*fn)(void *ctx, const struct store_pending *p),
		       void *ctx)
{
	static const char sql[] =
		"SELECT p.batch_id, b.site_id, b.version, p.pid, p.tmp,"
		" p.path, p.size FROM pending_list p"
		" JOIN batch b ON b.id = p.batch_id ORDER BY p.id";
	sqlite3_stmt *s = prep(st, sql);
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_pending p = {
			.batch = sqlite3_column_int64(s, 0),
			.site = sqlite3_column_int64(s, 1),
			.version = sqlite3_column_int64(s, 2),
			.pid = sqlite3_column_int64(s, 3),
			.tmp = col_str(s, 4),
			.path = col_str(s, 5),
			.size = sqlite3_column_int64(s, 6),
		};

		if (fn(ctx, &p) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, rc, "cannot read pending lists");
}

int store_pending_clear(struct store *st, long long batch)
{
	static const char sql[] = "DELETE FROM pending_list WHERE batch_id = ?";
	sqlite3_stmt *s = prep(st, sql);

	ASSERT(st->in_tx);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, batch);
	return done(st, s, "cannot clear pending lists");
}

long store_batch_void(struct store *st, long long batch, long long now,
		      int (*fn)(void *ctx, long long user, long long batch),
		      void *ctx)
{
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

static void audit_digest(struct sbuf *sb,
			 const unsigned char prev[SECRETS_HASH_BYTES],
			 long long id, long long at, long long site,
			 const char *actor, const char *action,
			 long long user, long long batch, const char *detail,
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

int store_audit(struct store *st, long long site, const char *actor,
		const char *action, long long user, long long batch,
		const char *detail)
{
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
		if (!(s = prep(st, head_sql)))
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
	c = row_add(rb);
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
		return flush_audit(st);
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
	if (st->in_tx && st->audit.n && flush_audit(st) != 0)
		return -1;
	if (!(s = prep(st, batch ? by_batch : user ? by_user : all)))
		return -1;
	sqlite3_bind_int64(s, 1, site);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int64(s, 3, batch);
	sqlite3_bind_int64(s, 4, since);
	return each_row(st, s, fn, ctx);
}

long long store_scan_steps(struct store *st)
{
	long long n = 0;

	for (size_t i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].sql)
			n += sqlite3_stmt_status(st->cache[i].stmt,
						 SQLITE_STMTSTATUS_FULLSCAN_STEP,
						 1);
	return n;
}

int store_audit_verify(struct store *st, long long *events)
{
	static const char sql[] =
		"SELECT id, at, coalesce(site_id, 0), actor, action,"
		" coalesce(user_id, 0), coalesce(batch_id, 0), detail, prev,"
		" hash FROM audit ORDER BY id";
	unsigned char prev[SECRETS_HASH_BYTES] = { 0 };
	unsigned char want[SECRETS_HASH_BYTES];
	sqlite3_stmt *s = prep(st, sql);
	long long n = 0, last_id = 0;
	int rc, bad = 0;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(s, 0);
		const void *p = sqlite3_column_blob(s, 8);
		const void *h = sqlite3_column_blob(s, 9);

		n++;
		if (id != last_id + 1) {
			errorf("audit event %lld is missing (the next is "
			       "%lld): events were deleted", last_id + 1, id);
			bad = 1;
			break;
		}
		if (sqlite3_column_bytes(s, 8) != SECRETS_HASH_BYTES ||
		    !p || memcmp(p, prev, SECRETS_HASH_BYTES) != 0) {
			errorf("audit event %lld does not follow event %lld: "
			       "the chain was cut or reordered", id, last_id);
			bad = 1;
			break;
		}
		audit_digest(&st->scratch, prev, id,
			     sqlite3_column_int64(s, 1),
			     sqlite3_column_int64(s, 2), col_str(s, 3),
			     col_str(s, 4), sqlite3_column_int64(s, 5),
			     sqlite3_column_int64(s, 6), col_str(s, 7), want);
		if (sqlite3_column_bytes(s, 9) != SECRETS_HASH_BYTES || !h ||
		    memcmp(h, want, SECRETS_HASH_BYTES) != 0) {
			errorf("audit event %lld was edited: its hash does "
			       "not match its content", id);
			bad = 1;
			break;
		}
		memcpy(prev, want, SECRETS_HASH_BYTES);
		last_id = id;
	}
	sqlite3_reset(s);
	if (!bad && rc != SQLITE_DONE)
		return fail(st, rc, "cannot read audit");
	if (events)
		*events = n;
	return bad;
}

int store_quick_check(struct store *st)
{
	sqlite3_stmt *s;
	int rc, bad = 0, shown = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL) !=
	    SQLITE_OK) {
		report(st, "cannot check the database");
		return fault_of(sqlite3_errcode(st->db)) ==
		       STORE_FAULT_CORRUPT ? 1 : -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *msg = col_str(s, 0);

		if (strcmp(msg, "ok") == 0)
			continue;
		bad = 1;
		if (shown++ < 5)
			errorf("'%s': database is damaged: %s", st->path, msg);
	}
	if (shown > 5)
		errorf("'%s': and %d more damaged item(s)", st->path,
		       shown - 5);
	if (rc != SQLITE_DONE) {
		/* A page SQLite cannot read at all ends the check. */
		report(st, "database is damaged");
		bad = bad || fault_of(rc) == STORE_FAULT_CORRUPT ? 1 : -1;
	}
	sqlite3_finalize(s);
	return bad;
}
