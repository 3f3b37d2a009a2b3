/*
 * store_open: the database file, opening it, its schema and migrations,
 * and transactions (SQLite).
 *
 * A database is opened with WAL, foreign keys, secure_delete and a busy
 * timeout; the schema version lives in PRAGMA user_version and is moved
 * forward on open. A file that is not a whole SQLite database is refused,
 * never taken for a new store; one this user may not write is opened
 * read-only. Every write runs in a BEGIN IMMEDIATE transaction.
 */
#include "core/store_int.h"

#include "core/collate.h"
#include "core/translit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ==== Schema ==== */

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
	 * anew for every row written: a large part of the cost of issuing a
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
	/* 6 -> 7: an admin's attempt counted and being checked, with the
	 * process checking it: one whose process ended before its result
	 * was recorded is not held against the admin (see
	 * store_admin_attempt()). */
	"CREATE TABLE admin_attempt ("
	"  admin_id INTEGER NOT NULL REFERENCES admin(id),"
	"  pid INTEGER NOT NULL,"
	"  number INTEGER NOT NULL,"
	"  started INTEGER NOT NULL"
	") STRICT;",
	/* 7 -> 8: a user's credentials by user, whatever their state: what
	 * says why a password is no longer current (verify, user, and
	 * unclaimed's latest credential of each user). */
	"CREATE INDEX credential_user ON credential(user_id);",
	/* 8 -> 9: a user's class (registration or form group), from the
	 * roster column [roster] class names: what lists print and split
	 * by. NULL when the roster names none. */
	"ALTER TABLE user ADD COLUMN class TEXT;",
	/* 9 -> 10: PostgreSQL's audit chain per school (store_pg.c). A
	 * SQLite store is one chain, as before: nothing here. */
	"",
	/* 10 -> 11: nothing here; PostgreSQL's references checked once per
	 * statement (store_pg.c). */
	"",
};

/* Whether a row refers to one that is not there (reported). */
static int foreign_keys_broken(struct store *st)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &s,
			       NULL) != SQLITE_OK)
		return st_fail(st, SQLITE_ERROR,
			       "cannot check foreign keys") != 0;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		errorf("'%s': table %s refers to a row that is missing from "
		       "%s", st->path, st_col_str(s, 0), st_col_str(s, 2));
	else if (rc != SQLITE_DONE)
		st_fail(st, rc, "cannot check foreign keys");
	sqlite3_finalize(s);
	return rc != SQLITE_DONE;
}

static int migrate(struct store *st)
{
	sqlite3_stmt *s;
	int version, rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return st_fail(st, SQLITE_ERROR, "cannot read schema version");
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
	if ((rc = store_begin_bulk(st, 0)) != 0)
		return rc;
	/* Read again inside the lock: another process may have migrated. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		goto fail;
	version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	for (; version < (int)ARRAY_SIZE(migrations); version++) {
		char pragma[64];

		if (st_exec(st, migrations[version]) != 0)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 version + 1);
		if (st_exec(st, pragma) != 0)
			goto fail;
	}
	if (foreign_keys_broken(st))
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

/* ==== Opening ==== */

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
			return st_fail(st, rc, "cannot switch to WAL");
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
 * machinery, which over a whole site's rows was most of the time of an
 * audit export and much of a selection.
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

/*
 * fold(text): what a search compares, the text as its username would
 * spell it (translit_search: Łukasz -> lukasz, Çelik -> celik, Σοφία ->
 * sofia; spaces and ASCII punctuation kept), NULL for NULL. Both sides of
 * a search go through the one function, so no script is matched by half
 * a rule.
 */
static void sql_fold(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	const unsigned char *t = sqlite3_value_text(v[0]);
	struct sbuf sb = SBUF_INIT;

	(void)argc;
	if (!t)
		return;
	translit_search(&sb, (const char *)t);
	sqlite3_result_text(cx, sbuf_str(&sb), (int)sb.len, SQLITE_TRANSIENT);
	sbuf_release(&sb);
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

/* The order of collate_cmp(), as the collation "listing" of listings. */
static int sql_listing(void *arg, int na, const void *a, int nb,
		       const void *b)
{
	char *x = xstrndup(a, (size_t)na), *y = xstrndup(b, (size_t)nb);
	int c = collate_cmp(x, y);

	(void)arg;
	free(x);
	free(y);
	return c;
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
		st_set_fault(errno == ENOSPC || errno == EDQUOT ?
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
			st_set_fault(STORE_FAULT_CREATE);
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

	if (store_is_server(path)) {
		struct pg *pg = pg_open(path);
		struct store *st;

		if (!pg)
			return NULL;
		st = xcalloc(1, sizeof(*st));
		st->pg = pg;
		return st;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (slash && slash != path) {
			char *dir = xstrndup(path, (size_t)(slash - path));
			int rc = mkdir_p(dir, 0700);

			free(dir);
			if (rc != 0) {
				st_set_fault(STORE_FAULT_CREATE);
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
		st_set_fault(STORE_FAULT_IO);
		errorf("'%s': cannot open database: %s", path,
		       strerror(errno));
		return NULL;
	}
	{
		struct store probe = { .path = (char *)path };
		int bad = check_header(&probe, fd);

		close(fd);
		if (bad) {
			st_set_fault(STORE_FAULT_CORRUPT);
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

struct store *store_open_readonly(const char *path)
{
	struct store probe = { .path = (char *)path };
	int fd = open(path, O_RDONLY | O_CLOEXEC), bad;

	if (fd < 0) {
		st_set_fault(STORE_FAULT_IO);
		errorf("'%s': cannot open database: %s", path,
		       strerror(errno));
		return NULL;
	}
	bad = check_header(&probe, fd);
	close(fd);
	if (bad) {
		st_set_fault(STORE_FAULT_CORRUPT);
		return NULL;
	}
	return open_db(path, 1);
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

	pthread_mutex_init(&st->checkpoint_lock, NULL);
	pthread_once(&once, configure_sqlite);
	st->audit.ncols = 10;
	st->issue.ncols = 5;
	st->users.ncols = 15;
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
			st_report(st, "cannot open database");
			goto fail;
		}
	} else if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
				   SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		st_report(st, "cannot open database");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 0);
	if (rows_register(st->db) != SQLITE_OK ||
	    sqlite3_create_function_v2(st->db, "iso_time", 1, SQLITE_UTF8 |
				       SQLITE_DETERMINISTIC, NULL, sql_iso_time,
				       NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(st->db, "day_of", 1, SQLITE_UTF8 |
				       SQLITE_DETERMINISTIC, NULL, sql_day_of,
				       NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(st->db, "fold", 1, SQLITE_UTF8 |
				       SQLITE_DETERMINISTIC, NULL, sql_fold,
				       NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_collation(st->db, "listing", SQLITE_UTF8, NULL,
				     sql_listing) != SQLITE_OK) {
		st_report(st, "cannot register the rows table and functions");
		goto fail;
	}
	/* 16 KiB pages for a new database (an existing one keeps its own):
	 * a batch or an import writes tens of megabytes, a quarter of the
	 * WAL frames and write calls of 4 KiB pages. */
	if (st_exec(st, "PRAGMA page_size = 16384") != 0 ||
	    (!readonly && set_wal(st) != 0) ||
	    st_exec(st, "PRAGMA synchronous = NORMAL") != 0 ||
	    st_exec(st, "PRAGMA foreign_keys = ON") != 0 ||
	    st_exec(st, "PRAGMA secure_delete = ON") != 0 ||
	    st_exec(st, "PRAGMA temp_store = MEMORY") != 0 ||
	    st_exec(st, "PRAGMA cache_size = -16384") != 0 ||
	    /* Reads map the file (up to 256 MiB) rather than copy it
	     * page by page through read(), which a read of a whole
	     * site's users would spend most of its time in. Writes still
	     * go through the WAL. */
	    st_exec(st, "PRAGMA mmap_size = 268435456") != 0)
		goto fail;
	bulk_connect(st);
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
	if (st->pg) {
		pg_close(st->pg);
		free(st);
		return;
	}
	bulk_join(st);
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
	pthread_mutex_destroy(&st->checkpoint_lock);
	free(st->path);
	free(st);
}

/* ==== Transactions ==== */

int store_begin(struct store *st)
{
	if (st->pg)
		return pg_begin(st->pg);

	int rc;

	ASSERT(!st->in_tx);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return st_fail(st, rc, "cannot start a transaction");
	st->in_tx = 1;
	st->have_head = 0;
	st->next_user = 0;
	return 0;
}


int store_commit(struct store *st)
{
	if (st->pg)
		return pg_commit(st->pg);

	int rc;

	ASSERT(st->in_tx);
	if ((rc = bulk_flush_users(st)) != 0 || (rc = audit_flush(st)) != 0 ||
	    (rc = bulk_build_keys(st)) != 0) {
		store_rollback(st);
		return rc;
	}
	rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int r = st_fail(st, rc, "cannot commit");

		store_rollback(st);
		return r;
	}
	st->in_tx = 0;
	bulk_end(st, 1);
	return 0;
}

void store_rollback(struct store *st)
{
	if (st->pg) {
		pg_rollback(st->pg);
		return;
	}

	if (!st->in_tx)
		return;
	st_reset_all(st);
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
	bulk_end(st, 0);
}

int store_read_begin(struct store *st)
{
	if (st->pg)
		return pg_read_begin(st->pg);

	int rc;

	ASSERT(!st->in_tx);
	rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : st_fail(st, rc, "cannot start reading");
}

void store_read_end(struct store *st)
{
	if (st->pg) {
		pg_read_end(st->pg);
		return;
	}

	st_reset_all(st);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int store_quick_check(struct store *st)
{
	if (st->pg)
		return pg_quick_check(st->pg);

	sqlite3_stmt *s;
	int rc, bad = 0, shown = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL) !=
	    SQLITE_OK) {
		st_report(st, "cannot check the database");
		return st_fault_of(sqlite3_errcode(st->db)) ==
		       STORE_FAULT_CORRUPT ? 1 : -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *msg = st_col_str(s, 0);

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
		st_report(st, "database is damaged");
		bad = bad || st_fault_of(rc) == STORE_FAULT_CORRUPT ? 1 : -1;
	}
	sqlite3_finalize(s);
	return bad;
}
