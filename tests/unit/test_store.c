/*
 * Unit tests of the store (core/store.h, its SQLite backend core/store_*.c).
 * Each test opens its own database in a fresh folder under /tmp. The
 * store's own answers are checked against a second, plain SQLite
 * connection opened here (the one place outside the store's files that
 * includes sqlite3.h, since this is the store's test): it reads what
 * was really written, and plays the tamperer and the concurrent writer
 * that the store must withstand.
 */
#include "core/store.h"

#include <ftw.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"
#include "tests/unit/test.h"

static char tmpdir[] = "/tmp/tempass-store.XXXXXX";

#define NOW 1788423240LL   /* 2026-09-03T08:14:00Z */
#define DAY 86400LL

/* ==== Helpers ==== */

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* tmpdir/name; caller frees. */
static char *db_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static struct store *open_db(const char *name)
{
	char *path = db_path(name);
	struct store *st = store_open(path);

	CHECK(st != NULL);
	free(path);
	return st;
}

/* A second, plain connection to the database. */
static sqlite3 *raw_open(const char *name)
{
	char *path = db_path(name);
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "cannot open %s: %s\n", path,
			sqlite3_errmsg(db));
		test_failed_checks++;
	}
	sqlite3_busy_timeout(db, 5000);
	free(path);
	return db;
}

/* The first column of the first row of sql as an integer (-999 if none). */
static long long raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw_int: %s: %s\n", sql, sqlite3_errmsg(db));
		test_failed_checks++;
		return v;
	}
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The same as text, in a buffer that the next call overwrites. */
static const char *raw_text(sqlite3 *db, const char *sql)
{
	static char buf[1024];
	sqlite3_stmt *s;

	strcpy(buf, "(none)");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw_text: %s: %s\n", sql,
			sqlite3_errmsg(db));
		test_failed_checks++;
		return buf;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		snprintf(buf, sizeof(buf), "%s", t ? (const char *)t : "NULL");
	}
	sqlite3_finalize(s);
	return buf;
}

static int raw_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* How many mappings of tmpdir/name this process holds (/proc/self/maps). */
static int mappings(const char *name)
{
	char *path = db_path(name), line[4096];
	FILE *fp = fopen("/proc/self/maps", "r");
	size_t len = strlen(path);
	int n = 0;

	CHECK(fp != NULL);
	while (fp && fgets(line, sizeof(line), fp)) {
		size_t l = strcspn(line, "\n");

		line[l] = '\0';
		n += l >= len && strcmp(line + l - len, path) == 0;
	}
	if (fp)
		fclose(fp);
	free(path);
	return n;
}

/* A user row to insert; the strings are copied. */
static struct store_user make_user(const char *ext, const char *username,
				   const char *forename, const char *surname)
{
	struct store_user u;

	memset(&u, 0, sizeof(u));
	u.roster = xstrdup("students");
	u.external_id = xstrdup(ext);
	u.username = xstrdup(username);
	u.forename = xstrdup(forename);
	u.surname = xstrdup(surname);
	u.dob = xstrdup("2014-09-14");
	u.user_type = xstrdup("student");
	return u;
}

/* Inserts a user (in its own transaction) and returns its id. */
static long long add_user(struct store *st, long long site, const char *ext,
			  const char *username, const char *surname)
{
	struct store_user u = make_user(ext, username, "Test", surname);
	long long id;

	CHECK(store_begin(st) == 0);
	CHECK(store_user_insert(st, site, &u, NOW) == 0);
	CHECK(store_commit(st) == 0);
	id = u.id;
	store_user_release(&u);
	return id;
}

static long long add_group(struct store *st, long long site, const char *name,
			   const char *source)
{
	long long id;

	CHECK(store_begin(st) == 0);
	id = store_group_create(st, site, name, source);
	CHECK(id > 0);
	CHECK(store_commit(st) == 0);
	return id;
}

static void add_member(struct store *st, long long group, long long user)
{
	CHECK(store_begin(st) == 0);
	CHECK(store_membership_add(st, group, user) == 0);
	CHECK(store_commit(st) == 0);
}

/* Creates a batch and issues one credential; returns the credential id. */
static long long issue(struct store *st, long long site, long long user,
		       long long expires, long long *version,
		       long long *voided)
{
	static const unsigned char sealed[] = "sealed-bytes";
	long long batch, v, cred;

	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, site, "admin", "group=7A", 1, NOW, &batch,
				 &v) == 0);
	cred = store_credential_issue(st, batch, user, "7A", sealed,
				      sizeof(sealed), NULL, expires, NOW,
				      voided);
	CHECK(cred > 0);
	CHECK(store_commit(st) == 0);
	if (version)
		*version = v;
	return cred;
}

/* Collects listing rows as "a|b|c" lines. */
struct rows {
	struct sbuf sb;
	int n;
	int ncols;
	int stop_after;   /* > 0: the callback fails on that row */
};

static int collect(void *ctx, const char *const *values)
{
	struct rows *r = ctx;

	r->n++;
	if (r->stop_after && r->n >= r->stop_after)
		return -1;
	for (int i = 0; i < r->ncols; i++) {
		if (i)
			sbuf_addch(&r->sb, '|');
		sbuf_addstr(&r->sb, values[i]);
	}
	sbuf_addch(&r->sb, '\n');
	return 0;
}

/* ==== Opening ==== */

static void test_store_open(void)
{
	char *path = db_path("deep/er/open.db");
	char *dir = db_path("deep/er");
	struct store *st;
	struct stat sb;
	sqlite3 *db;
	const char *err;
	long long version;
	char sql[64], want[96];

	st = store_open(path);
	CHECK(st != NULL);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	      (sb.st_mode & 0777) == 0700);
	db = raw_open("deep/er/open.db");
	/* Migrated to the newest schema, whichever that is. */
	version = raw_int(db, "PRAGMA user_version");
	CHECK(version >= 1);
	CHECK_STR(raw_text(db, "PRAGMA journal_mode"), "wal");
	CHECK(raw_int(db, "PRAGMA page_size") == 16384);
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type ="
		      " 'table' AND name IN ('site', 'user', 'grp',"
		      " 'membership', 'batch', 'credential', 'audit',"
		      " 'admin')") == 8);
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name ="
		      " 'credential_current'") == 1);
	/* A row to find again. */
	CHECK(store_site(st, "oakfield", "Oakfield") == 1);
	store_close(st);

	/* Reopening migrates nothing and keeps the data. */
	CHECK(raw_exec(db, "CREATE TABLE marker (x)") == SQLITE_OK);
	st = store_open(path);
	CHECK(st != NULL);
	CHECK(raw_int(db, "PRAGMA user_version") == version);
	CHECK(raw_int(db, "SELECT count(*) FROM site") == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name ="
		      " 'marker'") == 1);
	CHECK(st && store_site(st, "oakfield", "Oakfield") == 1);
	store_close(st);

	/* A database from a newer tempass is refused, untouched. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", version + 1);
	CHECK(raw_exec(db, sql) == SQLITE_OK);
	snprintf(want, sizeof(want), "schema version %lld is newer than this"
		 " tempass", version + 1);
	capture_begin();
	st = store_open(path);
	err = capture_end();
	CHECK(st == NULL);
	CHECK(strstr(err, want) != NULL);
	CHECK(strstr(err, path) != NULL);
	CHECK(raw_int(db, "PRAGMA user_version") == version + 1);
	store_close(st);
	sqlite3_close(db);

	/* A file that is not a database. */
	{
		char *junk = db_path("junk.db");
		FILE *fp = fopen(junk, "w");

		CHECK(fp != NULL);
		if (fp) {
			fputs("this is not an SQLite database, not at all, "
			      "though it is long enough to have a header\n",
			      fp);
			fclose(fp);
		}
		capture_begin();
		st = store_open(junk);
		err = capture_end();
		CHECK(st == NULL);
		CHECK(strstr(err, junk) != NULL);
		store_close(st);
		free(junk);
	}
	/* A folder that cannot be made. */
	{
		char *bad = db_path("junk.db/sub/x.db");

		capture_begin();
		st = store_open(bad);
		err = capture_end();
		CHECK(st == NULL);
		CHECK(strstr(err, "cannot") != NULL);
		free(bad);
	}
	store_close(NULL);   /* NULL-safe */
	free(path);
	free(dir);
}

static void test_store_begin(void)
{
	struct store *st = open_db("busy.db");
	int ready[2], rc;
	struct timeval t0, t1;
	double waited;
	pid_t pid;
	char c;

	if (!st)
		return;
	/* A transaction is real: a rollback undoes it. */
	CHECK(store_begin(st) == 0);
	CHECK(store_site(st, "rolled", "Back") > 0);
	store_rollback(st);
	store_rollback(st);   /* no transaction: harmless */
	{
		sqlite3 *db = raw_open("busy.db");

		CHECK(raw_int(db, "SELECT count(*) FROM site") == 0);
		sqlite3_close(db);
	}

	/*
	 * Another process holds the write lock for 3 s: BEGIN IMMEDIATE
	 * waits for it (within the 10 s busy timeout) and then succeeds.
	 * STORE_BUSY itself is not tested here: it takes the full 10 s.
	 * The child is forked while this process holds no store, so that
	 * it inherits no connection (and valgrind sees no leak in it).
	 */
	store_close(st);
	CHECK(pipe(ready) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = raw_open("busy.db");

		close(ready[0]);
		if (raw_exec(db, "BEGIN IMMEDIATE") != SQLITE_OK ||
		    raw_exec(db, "INSERT INTO site (code, name) VALUES"
			     " ('child', 'Child')") != SQLITE_OK)
			_exit(2);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		usleep(3000 * 1000);
		if (raw_exec(db, "COMMIT") != SQLITE_OK)
			_exit(4);
		sqlite3_close(db);
		close(ready[1]);
		_exit(0);
	}
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	/* Opening needs no write lock when there is nothing to migrate. */
	st = open_db("busy.db");
	if (!st)
		return;
	gettimeofday(&t0, NULL);
	rc = store_begin(st);
	gettimeofday(&t1, NULL);
	waited = (double)(t1.tv_sec - t0.tv_sec) +
		 (double)(t1.tv_usec - t0.tv_usec) / 1e6;
	CHECK(rc == 0);
	/* Opening took part of the 3 s (more under valgrind). */
	CHECK(waited > 0.5 && waited < 9.0);
	if (rc == 0) {
		/* It sees what the other process committed. */
		CHECK(store_site(st, "child", "Child") > 0);
		CHECK(store_commit(st) == 0);
	}
	{
		sqlite3 *db = raw_open("busy.db");

		CHECK(raw_int(db, "SELECT count(*) FROM site") == 1);
		sqlite3_close(db);
	}
	{
		int status = -1;

		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	store_close(st);
}

/* ==== Sites ==== */

static void test_store_site(void)
{
	struct store *st = open_db("site.db");
	sqlite3 *db;
	long long a, b;

	if (!st)
		return;
	db = raw_open("site.db");
	a = store_site(st, "oakfield", "Oakfield Academy");
	CHECK(a > 0);
	CHECK(store_site(st, "oakfield", "Oakfield Academy") == a);
	b = store_site(st, "northgate", "Northgate");
	CHECK(b > 0 && b != a);
	/* A new name in the configuration renames the site, same id. */
	CHECK(store_site(st, "oakfield", "Oakfield School") == a);
	CHECK_STR(raw_text(db, "SELECT name FROM site WHERE code ="
			   " 'oakfield'"), "Oakfield School");
	CHECK(raw_int(db, "SELECT count(*) FROM site") == 2);
	/* Inside a caller's transaction it does not commit on its own. */
	CHECK(store_begin(st) == 0);
	CHECK(store_site(st, "elm", "Elm") > 0);
	store_rollback(st);
	CHECK(raw_int(db, "SELECT count(*) FROM site WHERE code = 'elm'") ==
	      0);
	sqlite3_close(db);
	store_close(st);
}

/* ==== Users, groups and memberships ==== */

static void test_store_user_insert(void)
{
	struct store *st = open_db("users.db");
	struct store_user u, dup, *all = NULL;
	long long site, other;
	size_t n = 0;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("users.db");
	site = store_site(st, "oakfield", "Oakfield");
	other = store_site(st, "northgate", "Northgate");
	u = make_user("000001", "zadams", "Zo\xc3\xab", "Adams");
	u.email = xstrdup("zoe@pupils.example");
	u.email_verified = 1;
	CHECK(store_begin(st) == 0);
	CHECK(store_user_insert(st, site, &u, NOW) == 0);
	CHECK(u.id > 0);
	CHECK(store_commit(st) == 0);
	CHECK_STR(raw_text(db, "SELECT forename || ' ' || surname || ' ' ||"
			   " dob || ' ' || email || ' ' || email_verified ||"
			   " ' ' || status || ' ' || user_type FROM user"),
		  "Zo\xc3\xab Adams 2014-09-14 zoe@pupils.example 1 active "
		  "student");
	CHECK(raw_int(db, "SELECT created_at FROM user") == NOW);
	CHECK(raw_int(db, "SELECT count(*) FROM user_type WHERE name ="
		      " 'student'") == 1);

	/* The same username at the same site is refused, reported. */
	dup = make_user("000002", "zadams", "Zak", "Adams");
	CHECK(store_begin(st) == 0);
	capture_begin();
	CHECK(store_user_insert(st, site, &dup, NOW) == -1);
	capture_end();
	/* The same external id in the same roster too. */
	free(dup.username);
	dup.username = xstrdup("zadams2");
	free(dup.external_id);
	dup.external_id = xstrdup("000001");
	capture_begin();
	CHECK(store_user_insert(st, site, &dup, NOW) == -1);
	capture_end();
	store_rollback(st);
	/* ... but both are fine at another site. */
	free(dup.external_id);
	dup.external_id = xstrdup("000001");
	free(dup.username);
	dup.username = xstrdup("zadams");
	CHECK(store_begin(st) == 0);
	CHECK(store_user_insert(st, other, &dup, NOW) == 0);
	CHECK(store_commit(st) == 0);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 2);

	/* Loading sees only the site's users. */
	CHECK(store_users_load(st, site, &all, &n) == 0);
	CHECK(n == 1);
	if (n == 1) {
		CHECK(all[0].id == u.id);
		CHECK_STR(all[0].username, "zadams");
		CHECK_STR(all[0].email, "zoe@pupils.example");
		CHECK(all[0].email_verified == 1);
		CHECK_STR(all[0].dob, "2014-09-14");
		CHECK(all[0].left == 0);
		CHECK(all[0].ngroups == 0);
	}
	for (size_t i = 0; i < n; i++)
		store_user_release(&all[i]);
	free(all);
	store_user_release(&u);
	store_user_release(&dup);
	sqlite3_close(db);
	store_close(st);
}

/*
 * In a bulk transaction new users and their memberships wait and are
 * written together: by store_flush(), before a read that must see them,
 * and at commit, where a conflict fails the whole transaction.
 */
static void test_store_user_insert_bulk(void)
{
	struct store *st = open_db("bulk.db");
	struct store_user a, b, c, dup, *all = NULL;
	long long site, g;
	size_t n = 0;
	const char *err;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("bulk.db");
	site = store_site(st, "oakfield", "Oakfield");
	g = add_group(st, site, "7A", "roster");
	a = make_user("000001", "aadams", "Ann", "Adams");
	b = make_user("000002", "bbrown", "Bob", "Brown");
	CHECK(store_begin_bulk(st, 0) == 0);
	CHECK(store_user_insert(st, site, &a, NOW) == 0);
	CHECK(store_user_insert(st, site, &b, NOW) == 0);
	CHECK(a.id > 0 && b.id == a.id + 1);
	CHECK(store_membership_new(st, g, a.id) == 0);
	/* A read inside the transaction sees them, groups and all, once
	 * flushed. */
	CHECK(store_flush(st) == 0);
	CHECK(store_users_load(st, site, &all, &n) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK(all[0].id == a.id && all[0].ngroups == 1);
		CHECK_STR(all[1].username, "bbrown");
		CHECK(all[1].ngroups == 0);
	}
	for (size_t i = 0; i < n; i++)
		store_user_release(&all[i]);
	free(all);
	CHECK(store_commit(st) == 0);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM membership") == 1);

	/* A username taken: the insert is accepted, the commit fails. */
	c = make_user("000003", "cclark", "Cat", "Clark");
	dup = make_user("000004", "aadams", "Al", "Adams");
	CHECK(store_begin_bulk(st, 0) == 0);
	CHECK(store_user_insert(st, site, &c, NOW) == 0);
	CHECK(store_membership_new(st, g, c.id) == 0);
	CHECK(store_user_insert(st, site, &dup, NOW) == 0);
	capture_begin();
	CHECK(store_commit(st) == -1);
	err = capture_end();
	CHECK(strstr(err, "cannot add users") != NULL);
	CHECK(strstr(err, "UNIQUE") != NULL);
	/* Nothing of it was kept, and the store works on. */
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM membership") == 1);
	CHECK(store_begin(st) == 0);
	CHECK(store_user_insert(st, site, &c, NOW) == 0);
	CHECK(c.id == b.id + 1);
	CHECK(store_commit(st) == 0);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 3);
	store_user_release(&a);
	store_user_release(&b);
	store_user_release(&c);
	store_user_release(&dup);
	sqlite3_close(db);
	store_close(st);
}

/* Counts the rows of a listing. */
static int count_row(void *ctx, const char *const *v)
{
	(void)v;
	++*(int *)ctx;
	return 0;
}

/*
 * A row that waits in a bulk transaction is written only by the call that
 * owns it: its conflict (a username taken) is reported by store_flush()
 * or store_commit(), not by the unrelated calls made in between, which
 * succeed and report nothing. After the failed flush the transaction
 * rolls back whole; a commit that meets the conflict fails as well.
 */
static void test_store_flush(void)
{
	struct store *st = open_db("flush.db");
	struct store_user a, dup, c, *all = NULL;
	long long site, g, g2;
	size_t n = 0;
	int listed = 0, rc;
	const char *err;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("flush.db");
	site = store_site(st, "oakfield", "Oakfield");
	g = add_group(st, site, "7A", "roster");
	a = make_user("000001", "aadams", "Ann", "Adams");
	CHECK(store_begin(st) == 0);
	CHECK(store_user_insert(st, site, &a, NOW) == 0);
	CHECK(store_commit(st) == 0);

	dup = make_user("000002", "aadams", "Al", "Adams");
	CHECK(store_begin_bulk(st, 0) == 0);
	CHECK(store_user_insert(st, site, &dup, NOW) == 0);
	CHECK(store_membership_new(st, g, dup.id) == 0);
	capture_begin();
	g2 = store_group_create(st, site, "7B", "roster");
	rc = store_user_update(st, &a, NOW + DAY);
	CHECK(store_membership_add(st, g2, a.id) == 0);
	CHECK(store_audit(st, site, "admin", "test", a.id, 0, "") == 0);
	CHECK(store_list_users(st, site, NULL, NULL, NULL, count_row,
			       &listed) == 0);
	err = capture_end();
	CHECK(g2 > 0);
	CHECK(rc == 0);
	CHECK(err[0] == '\0');
	/* Not written yet: the listing saw Ann alone. */
	CHECK(listed == 1);
	capture_begin();
	rc = store_flush(st);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, "cannot add users") != NULL);
	CHECK(strstr(err, "UNIQUE") != NULL);
	store_rollback(st);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM grp") == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM membership") == 0);
	CHECK(raw_int(db, "SELECT updated_at FROM user") == NOW);

	/* A flush writes users and memberships that the reads after it
	 * see; the commit then reports a conflict given after the flush. */
	c = make_user("000003", "cclark", "Cat", "Clark");
	CHECK(store_begin_bulk(st, 0) == 0);
	CHECK(store_user_insert(st, site, &c, NOW) == 0);
	CHECK(store_membership_new(st, g, c.id) == 0);
	CHECK(store_flush(st) == 0);
	CHECK(store_flush(st) == 0);
	CHECK(store_users_load(st, site, &all, &n) == 0);
	CHECK(n == 2);
	if (n == 2)
		CHECK(all[1].id == c.id && all[1].ngroups == 1);
	for (size_t i = 0; i < n; i++)
		store_user_release(&all[i]);
	free(all);
	CHECK(store_user_insert(st, site, &dup, NOW) == 0);
	CHECK(store_group_create(st, site, "7C", "roster") > 0);
	capture_begin();
	rc = store_commit(st);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, "cannot add users") != NULL);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM grp") == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM audit") == 0);
	CHECK_STR(raw_text(db, "PRAGMA foreign_key_check"), "(none)");
	store_user_release(&a);
	store_user_release(&dup);
	store_user_release(&c);
	sqlite3_close(db);
	store_close(st);
}

static void test_store_user_update(void)
{
	struct store *st = open_db("update.db");
	struct store_user u, *all = NULL;
	long long site;
	size_t n = 0;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("update.db");
	site = store_site(st, "oakfield", "Oakfield");
	u = make_user("000001", "zadams", "Zoe", "Adams");
	CHECK(store_begin(st) == 0);
	CHECK(store_user_insert(st, site, &u, NOW) == 0);
	free(u.surname);
	u.surname = xstrdup("Adams-Baker");
	free(u.dob);
	u.dob = NULL;
	u.email = xstrdup("z@x.example");
	free(u.user_type);
	u.user_type = xstrdup("staff");
	CHECK(store_user_update(st, &u, NOW + DAY) == 0);
	CHECK(store_commit(st) == 0);
	CHECK_STR(raw_text(db, "SELECT surname || '|' || coalesce(dob, 'none')"
			   " || '|' || email || '|' || user_type FROM user"),
		  "Adams-Baker|none|z@x.example|staff");
	CHECK(raw_int(db, "SELECT updated_at - created_at FROM user") == DAY);
	CHECK(store_users_load(st, site, &all, &n) == 0);
	CHECK(n == 1);
	if (n == 1) {
		CHECK_STR(all[0].surname, "Adams-Baker");
		CHECK(all[0].dob == NULL);
		CHECK_STR(all[0].user_type, "staff");
	}
	for (size_t i = 0; i < n; i++)
		store_user_release(&all[i]);
	free(all);
	/* Marked left through an update, and back. */
	u.left = 1;
	CHECK(store_begin(st) == 0);
	CHECK(store_user_update(st, &u, NOW) == 0);
	CHECK(store_commit(st) == 0);
	CHECK_STR(raw_text(db, "SELECT status FROM user"), "left");
	u.left = 0;
	CHECK(store_begin(st) == 0);
	CHECK(store_user_update(st, &u, NOW) == 0);
	CHECK(store_commit(st) == 0);
	CHECK_STR(raw_text(db, "SELECT status FROM user"), "active");
	store_user_release(&u);
	sqlite3_close(db);
	store_close(st);
}

static void test_store_users_load(void)
{
	struct store *st = open_db("load.db");
	struct store_user *all = NULL;
	long long site, y7, r7a, chess, ids[3];
	size_t n = 0;

	if (!st)
		return;
	site = store_site(st, "oakfield", "Oakfield");
	ids[0] = add_user(st, site, "1", "aa", "A");
	ids[1] = add_user(st, site, "2", "bb", "B");
	ids[2] = add_user(st, site, "3", "cc", "C");
	/* Created in an order unlike their ids' order in memberships. */
	r7a = add_group(st, site, "7A", "roster");
	y7 = add_group(st, site, "Year 7", "roster");
	chess = add_group(st, site, "Chess club", "custom");
	add_member(st, y7, ids[0]);
	add_member(st, r7a, ids[0]);
	add_member(st, chess, ids[0]);
	add_member(st, y7, ids[2]);
	CHECK(store_users_load(st, site, &all, &n) == 0);
	CHECK(n == 3);
	if (n == 3) {
		/* Roster-made groups only, sorted by id. */
		CHECK(all[0].ngroups == 2);
		if (all[0].ngroups == 2) {
			CHECK(all[0].groups[0] == r7a);
			CHECK(all[0].groups[1] == y7);
		}
		CHECK(all[1].ngroups == 0 && all[1].groups == NULL);
		CHECK(all[2].ngroups == 1 && all[2].groups &&
		      all[2].groups[0] == y7);
		CHECK(all[0].id < all[1].id && all[1].id < all[2].id);
	}
	for (size_t i = 0; i < n; i++)
		store_user_release(&all[i]);
	free(all);
	/* A site without users. */
	all = NULL;
	CHECK(store_users_load(st, store_site(st, "empty", "Empty"), &all,
			       &n) == 0);
	CHECK(n == 0);
	free(all);
	/* A bulk transaction that gives up the memory map: the file is no
	 * longer mapped, and the same reads and writes still work. */
	CHECK(mappings("load.db") > 0);
	CHECK(store_begin_bulk(st, STORE_BULK_UNMAP) == 0);
	CHECK(mappings("load.db") == 0);
	all = NULL;
	CHECK(store_users_load(st, site, &all, &n) == 0);
	CHECK(n == 3 && all && all[2].ngroups == 1);
	for (size_t i = 0; i < n; i++)
		store_user_release(&all[i]);
	free(all);
	CHECK(store_commit(st) == 0);
	CHECK(mappings("load.db") == 0);
	CHECK(add_user(st, site, "4", "dd", "D") > ids[2]);
	store_close(st);
}

struct groups_seen {
	int n, roster;
	long long chess_id;
};

static void on_group(void *ctx, const char *name, long long id, int roster)
{
	struct groups_seen *g = ctx;

	g->n++;
	g->roster += roster;
	if (strcmp(name, "Chess club") == 0)
		g->chess_id = id;
}

static void test_store_group_create(void)
{
	struct store *st = open_db("groups.db");
	struct groups_seen seen = { 0 };
	long long site, other, chess;
	int roster = -1;

	if (!st)
		return;
	site = store_site(st, "oakfield", "Oakfield");
	other = store_site(st, "northgate", "Northgate");
	add_group(st, site, "Year 7", "roster");
	chess = add_group(st, site, "Chess club", "custom");
	add_group(st, other, "Year 7", "roster");   /* per site */
	/* A name twice at one site, and an unknown source, are refused. */
	CHECK(store_begin(st) == 0);
	capture_begin();
	CHECK(store_group_create(st, site, "Year 7", "roster") == -1);
	CHECK(store_group_create(st, site, "X", "made-up") == -1);
	capture_end();
	store_rollback(st);
	CHECK(store_groups_load(st, site, on_group, &seen) == 0);
	CHECK(seen.n == 2 && seen.roster == 1 && seen.chess_id == chess);
	CHECK(store_group_id(st, site, "Chess club", &roster) == chess);
	CHECK(roster == 0);
	CHECK(store_group_id(st, site, "Year 7", &roster) > 0);
	CHECK(roster == 1);
	CHECK(store_group_id(st, site, "Year 8", NULL) == 0);
	CHECK(store_begin(st) == 0);
	CHECK(store_group_delete(st, chess) == 0);
	CHECK(store_commit(st) == 0);
	CHECK(store_group_id(st, site, "Chess club", NULL) == 0);
	store_close(st);
}

static void test_store_membership_add(void)
{
	struct store *st = open_db("members.db");
	long long site, g, u1, u2;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("members.db");
	site = store_site(st, "oakfield", "Oakfield");
	u1 = add_user(st, site, "1", "aa", "A");
	u2 = add_user(st, site, "2", "bb", "B");
	g = add_group(st, site, "7A", "roster");
	add_member(st, g, u1);
	add_member(st, g, u1);   /* twice is once */
	add_member(st, g, u2);
	CHECK(raw_int(db, "SELECT count(*) FROM membership") == 2);
	/* Foreign keys are on: no membership of a user who is not there. */
	CHECK(store_begin(st) == 0);
	capture_begin();
	CHECK(store_membership_add(st, g, 9999) == -1);
	capture_end();
	store_rollback(st);
	CHECK(raw_int(db, "SELECT count(*) FROM membership") == 2);
	sqlite3_close(db);
	store_close(st);
}

static void test_store_membership_remove(void)
{
	struct store *st = open_db("remove.db");
	long long site, g, h, u1, u2;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("remove.db");
	site = store_site(st, "oakfield", "Oakfield");
	u1 = add_user(st, site, "1", "aa", "A");
	u2 = add_user(st, site, "2", "bb", "B");
	g = add_group(st, site, "7A", "roster");
	h = add_group(st, site, "7B", "roster");
	add_member(st, g, u1);
	add_member(st, g, u2);
	add_member(st, h, u1);
	CHECK(store_begin(st) == 0);
	CHECK(store_membership_remove(st, g, u1) == 0);
	CHECK(store_membership_remove(st, g, u1) == 0);   /* already gone */
	CHECK(store_commit(st) == 0);
	CHECK(raw_int(db, "SELECT count(*) FROM membership") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM membership WHERE user_id ="
		      " 1 AND group_id = 2") == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM membership WHERE user_id ="
		      " 2 AND group_id = 1") == 1);
	sqlite3_close(db);
	store_close(st);
}

static void test_store_user_leave(void)
{
	struct store *st = open_db("leave.db");
	struct store_credential c;
	long long site, u, other, cred, voided;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("leave.db");
	site = store_site(st, "oakfield", "Oakfield");
	u = add_user(st, site, "1", "aa", "A");
	other = add_user(st, site, "2", "bb", "B");
	cred = issue(st, site, u, NOW + 28 * DAY, NULL, &voided);
	issue(st, site, other, NOW + 28 * DAY, NULL, &voided);
	CHECK(store_current_credential(st, u, &c) == 1);
	CHECK(c.id == cred);
	CHECK(store_begin(st) == 0);
	CHECK(store_user_leave(st, u, NOW + DAY) == 1);
	CHECK(store_commit(st) == 0);
	CHECK_STR(raw_text(db, "SELECT status FROM user WHERE id = 1"),
		  "left");
	CHECK_STR(raw_text(db, "SELECT state || '|' || ended_at || '|' ||"
			   " (sealed IS NULL) FROM credential WHERE id = 1"),
		  "revoked|1788509640|1");
	CHECK(store_current_credential(st, u, &c) == 0);
	/* The other user's credential is untouched. */
	CHECK(store_current_credential(st, other, &c) == 1);
	/* Leaving again revokes nothing more. */
	CHECK(store_begin(st) == 0);
	CHECK(store_user_leave(st, u, NOW + DAY) == 0);
	CHECK(store_commit(st) == 0);
	sqlite3_close(db);
	store_close(st);
}

/* ==== Listings ==== */

static void test_store_list_groups(void)
{
	struct store *st = open_db("list.db");
	struct rows r = { SBUF_INIT, 0, 3, 0 };
	long long site, other, y7, club, u1, u2, u3;
	long total;

	if (!st)
		return;
	site = store_site(st, "oakfield", "Oakfield");
	other = store_site(st, "northgate", "Northgate");
	u1 = add_user(st, site, "1", "aa", "A");
	u2 = add_user(st, site, "2", "bb", "B");
	u3 = add_user(st, site, "3", "cc", "C");
	y7 = add_group(st, site, "Year 7", "roster");
	add_group(st, site, "Year 10", "roster");
	add_group(st, site, "year 11", "roster");
	add_group(st, site, "7A", "roster");
	club = add_group(st, site, "100% club", "custom");
	add_group(st, site, "a_b", "custom");
	add_group(st, site, "axb", "custom");
	add_group(st, other, "Year 9", "roster");
	add_member(st, y7, u1);
	add_member(st, y7, u2);
	add_member(st, y7, u3);
	add_member(st, club, u1);
	/* A leaver is not counted among the members. */
	CHECK(store_begin(st) == 0);
	CHECK(store_user_leave(st, u3, NOW) == 0);
	CHECK(store_commit(st) == 0);

	total = store_list_groups(st, site, NULL, -1, 0, collect, &r);
	CHECK(total == 7);
	CHECK(r.n == 7);
	CHECK_STR(sbuf_str(&r.sb),
		  "100% club|custom|1\n7A|roster|0\na_b|custom|0\n"
		  "axb|custom|0\nYear 10|roster|0\nyear 11|roster|0\n"
		  "Year 7|roster|2\n");
	/* Search is case-insensitive and counts all matches. */
	sbuf_reset(&r.sb);
	r.n = 0;
	total = store_list_groups(st, site, "YEAR", -1, 0, collect, &r);
	CHECK(total == 3);
	CHECK_STR(sbuf_str(&r.sb), "Year 10|roster|0\nyear 11|roster|0\n"
		  "Year 7|roster|2\n");
	/* A page: the total is still every match. */
	sbuf_reset(&r.sb);
	r.n = 0;
	total = store_list_groups(st, site, "year", 1, 1, collect, &r);
	CHECK(total == 3);
	CHECK(r.n == 1);
	CHECK_STR(sbuf_str(&r.sb), "year 11|roster|0\n");
	/* Past the end: no rows, the same total. */
	sbuf_reset(&r.sb);
	r.n = 0;
	CHECK(store_list_groups(st, site, "year", 10, 5, collect, &r) == 3);
	CHECK(r.n == 0);
	/* LIKE wildcards in the search are plain characters. */
	sbuf_reset(&r.sb);
	r.n = 0;
	CHECK(store_list_groups(st, site, "%", -1, 0, collect, &r) == 1);
	CHECK_STR(sbuf_str(&r.sb), "100% club|custom|1\n");
	sbuf_reset(&r.sb);
	r.n = 0;
	CHECK(store_list_groups(st, site, "_", -1, 0, collect, &r) == 1);
	CHECK_STR(sbuf_str(&r.sb), "a_b|custom|0\n");
	/* No match. */
	sbuf_reset(&r.sb);
	r.n = 0;
	CHECK(store_list_groups(st, site, "Year 8", -1, 0, collect, &r) == 0);
	CHECK(r.n == 0);
	/* Another site's groups. */
	sbuf_reset(&r.sb);
	r.n = 0;
	CHECK(store_list_groups(st, other, NULL, -1, 0, collect, &r) == 1);
	CHECK_STR(sbuf_str(&r.sb), "Year 9|roster|0\n");
	/* A callback that fails stops the listing with -1. */
	r.n = 0;
	r.stop_after = 2;
	CHECK(store_list_groups(st, site, NULL, -1, 0, collect, &r) == -1);
	CHECK(r.n == 2);
	sbuf_release(&r.sb);
	store_close(st);
}

static void test_store_select(void)
{
	struct store *st = open_db("select.db");
	struct rows r = { SBUF_INIT, 0, 10, 0 };
	long long site, g, u1, u2, u3;
	sqlite3 *db;

	if (!st)
		return;
	site = store_site(st, "oakfield", "Oakfield");
	u1 = add_user(st, site, "1", "bsmith", "Smith");
	u2 = add_user(st, site, "2", "aadams", "Adams");
	u3 = add_user(st, site, "3", "czed", "Zed");
	g = add_group(st, site, "7A", "roster");
	add_member(st, g, u1);
	add_member(st, g, u2);
	add_member(st, g, u3);
	CHECK(store_begin(st) == 0);
	CHECK(store_claim(st, u1, NOW) == 0);
	CHECK(store_user_leave(st, u3, NOW) == 0);
	CHECK(store_commit(st) == 0);
	/* Unclaimed and active, by surname; only the day of birth. */
	CHECK(store_select(st, site, "7A", 0, collect, &r) == 0);
	CHECK_STR(sbuf_str(&r.sb),
		  "aadams|Test|Adams|2|student|7A|14||no|no\n");
	sbuf_reset(&r.sb);
	CHECK(store_select(st, site, "7A", STORE_ALL, collect, &r) == 0);
	CHECK_STR(sbuf_str(&r.sb),
		  "aadams|Test|Adams|2|student|7A|14||no|no\n"
		  "bsmith|Test|Smith|1|student|7A|14||no|yes\n");
	sbuf_reset(&r.sb);
	CHECK(store_select(st, site, "7B", STORE_ALL, collect, &r) == 0);
	CHECK(r.sb.len == 0);
	/* Unsorted: the same rows, in whatever order. */
	sbuf_reset(&r.sb);
	CHECK(store_select(st, site, "7A", STORE_ALL | STORE_UNSORTED,
			   collect, &r) == 0);
	CHECK(strstr(sbuf_str(&r.sb),
		     "aadams|Test|Adams|2|student|7A|14||no|no\n") != NULL);
	CHECK(strstr(sbuf_str(&r.sb),
		     "bsmith|Test|Smith|1|student|7A|14||no|yes\n") != NULL);
	CHECK(r.sb.len == strlen("aadams|Test|Adams|2|student|7A|14||no|no\n"
				 "bsmith|Test|Smith|1|student|7A|14||no|yes\n"));
	/* The day of a date as the store keeps it; nothing for no date or
	 * for one in another form. */
	db = raw_open("select.db");
	raw_exec(db, "UPDATE user SET dob = '2014-11-03' WHERE id = 2");
	raw_exec(db, "UPDATE user SET dob = NULL WHERE id = 1");
	sbuf_reset(&r.sb);
	CHECK(store_select(st, site, "7A", STORE_ALL, collect, &r) == 0);
	CHECK_STR(sbuf_str(&r.sb),
		  "aadams|Test|Adams|2|student|7A|3||no|no\n"
		  "bsmith|Test|Smith|1|student|7A|||no|yes\n");
	raw_exec(db, "UPDATE user SET dob = '3/11/2014' WHERE id = 2");
	raw_exec(db, "UPDATE user SET dob = '2014-11-3x' WHERE id = 1");
	sbuf_reset(&r.sb);
	CHECK(store_select(st, site, "7A", STORE_ALL, collect, &r) == 0);
	CHECK_STR(sbuf_str(&r.sb),
		  "aadams|Test|Adams|2|student|7A|||no|no\n"
		  "bsmith|Test|Smith|1|student|7A|||no|yes\n");
	sqlite3_close(db);
	sbuf_release(&r.sb);
	store_close(st);
}

/* ==== Batches and credentials ==== */

static void test_store_batch_create(void)
{
	struct store *st = open_db("batch.db");
	long long a, b, id, v, ids[3];
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("batch.db");
	a = store_site(st, "oakfield", "Oakfield");
	b = store_site(st, "northgate", "Northgate");
	CHECK(store_begin(st) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK(store_batch_create(st, a, "admin", "group=Year 7", 10,
					 NOW + i, &ids[i], &v) == 0);
		CHECK(v == i + 1);
	}
	/* Each site counts its own versions. */
	CHECK(store_batch_create(st, b, "admin", "group=7A", 5, NOW, &id,
				 &v) == 0);
	CHECK(v == 1);
	CHECK(store_batch_create(st, a, "admin", "group=7A", 5, NOW, &id,
				 &v) == 0);
	CHECK(v == 4);
	CHECK(store_commit(st) == 0);
	CHECK(ids[0] < ids[1] && ids[1] < ids[2]);
	CHECK(raw_int(db, "SELECT count(*) FROM batch") == 5);
	CHECK_STR(raw_text(db, "SELECT actor || '|' || criteria || '|' ||"
			   " count || '|' || created_at FROM batch WHERE"
			   " version = 2 AND site_id = 1"),
		  "admin|group=Year 7|10|1788423241");
	CHECK(store_batch_id(st, a, 2) == ids[1]);
	CHECK(store_batch_id(st, a, 9) == 0);
	CHECK(store_batch_id(st, b, 1) == id - 1);
	/* A rolled-back batch gives its version back. */
	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, b, "admin", "x", 1, NOW, &id, &v) == 0);
	CHECK(v == 2);
	store_rollback(st);
	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, b, "admin", "x", 1, NOW, &id, &v) == 0);
	CHECK(v == 2);
	CHECK(store_commit(st) == 0);
	/* Versions are unique per site even against a raw writer. */
	CHECK(raw_exec(db, "INSERT INTO batch (site_id, version, actor,"
		       " created_at, criteria, count) VALUES (1, 2, 'x', 0,"
		       " '', 0)") == SQLITE_CONSTRAINT);
	sqlite3_close(db);
	store_close(st);
}

static void count_voided(void *ctx, long long user, long long version)
{
	long long *n = ctx;

	(void)user;
	n[0]++;
	n[1] += version;
}

/*
 * A batch larger than the slices it is written in: every user's older
 * credential voided and reported once, one current credential each.
 */
static void test_store_issue_bulk(void)
{
	enum { USERS = 20000 };
	static const unsigned char sealed[] = { 7, 7, 7 };
	struct store *st = open_db("issue_bulk.db");
	long long site, batch[2], v, voided[2] = { 0, 0 };
	long long *ids = xcalloc(USERS, sizeof(*ids));
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("issue_bulk.db");
	site = store_site(st, "oakfield", "Oakfield");
	CHECK(store_begin_bulk(st, 0) == 0);
	for (int i = 0; i < USERS; i++) {
		char ext[16], name[16];
		struct store_user u;

		snprintf(ext, sizeof(ext), "%06d", i);
		snprintf(name, sizeof(name), "u%06d", i);
		u = make_user(ext, name, "Test", name);
		CHECK(store_user_insert(st, site, &u, NOW) == 0);
		ids[i] = u.id;
		store_user_release(&u);
	}
	CHECK(store_commit(st) == 0);
	for (int b = 0; b < 2; b++) {
		CHECK(store_begin_bulk(st, 0) == 0);
		CHECK(store_batch_create(st, site, "admin", "all", USERS,
					 NOW + b, &batch[b], &v) == 0);
		store_issue_begin(st, batch[b], NOW + b, count_voided,
				  voided);
		/* Newest users first: slices are not in user order. */
		for (int i = USERS - 1; i >= 0; i--)
			CHECK(store_issue_add(st, ids[i], "7A", sealed,
					      sizeof(sealed), NULL,
					      NOW + DAY) == 0);
		CHECK(store_issue_finish(st) == 0);
		CHECK(store_commit(st) == 0);
		/* The first batch voided nothing; the second all of it. */
		CHECK(voided[0] == (b ? USERS : 0));
		CHECK(voided[1] == (b ? USERS : 0));
	}
	CHECK(raw_int(db, "SELECT count(*) FROM credential WHERE state ="
		      " 'current' AND batch_id = (SELECT max(id) FROM batch)")
	      == USERS);
	CHECK(raw_int(db, "SELECT count(*) FROM credential WHERE state ="
		      " 'void' AND sealed IS NULL AND voided_by = (SELECT"
		      " max(id) FROM batch)") == USERS);
	CHECK(raw_int(db, "SELECT count(DISTINCT user_id) FROM credential")
	      == USERS);
	sqlite3_close(db);
	free(ids);
	store_close(st);
}

/* Bytes of the database file itself, without its WAL. */
static long long db_file_size(const char *name)
{
	char *path = db_path(name);
	struct stat sb;
	long long n = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;

	free(path);
	return n;
}

/* n users in one bulk transaction, each of about size bytes. */
static void write_bulk(struct store *st, int n, size_t size)
{
	long long site = store_site(st, "oakfield", "Oakfield");
	char *surname = xmalloc(size + 1);

	memset(surname, 'x', size);
	surname[size] = '\0';
	CHECK(store_begin_bulk(st, 0) == 0);
	for (int i = 0; i < n; i++) {
		char ext[16];
		struct store_user u;

		snprintf(ext, sizeof(ext), "%06d", i);
		u = make_user(ext, ext, "Test", surname);
		CHECK(store_user_insert(st, site, &u, NOW) == 0);
		store_user_release(&u);
	}
	CHECK(store_commit(st) == 0);
	free(surname);
}

/*
 * A bulk commit that finds the WAL past SQLite's 1,000 frames leaves
 * copying it into the database to a thread of its own, which
 * store_close() waits for: the database holds the transaction once the
 * store is closed. A plain connection stays open, having read (a
 * connection that has read holds the lock that keeps a closing one from
 * checkpointing), so that closing the store is not what checkpoints. A
 * shorter WAL stays as it is, as SQLite leaves it after a commit; a
 * rolled-back transaction copies nothing.
 */
static void test_store_bulk_checkpoint(void)
{
	struct store *st = open_db("ckpt.db");
	sqlite3 *db = raw_open("ckpt.db");
	long long before;

	if (!st)
		return;
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 0);
	before = db_file_size("ckpt.db");
	write_bulk(st, 5000, 4000);
	store_close(st);
	CHECK(db_file_size("ckpt.db") > before + 16000000);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 5000);
	CHECK_STR(raw_text(db, "PRAGMA integrity_check"), "ok");
	sqlite3_close(db);

	st = open_db("ckpt4.db");
	db = raw_open("ckpt4.db");
	if (!st)
		return;
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 0);
	before = db_file_size("ckpt4.db");
	write_bulk(st, 5000, 10);
	store_close(st);
	CHECK(db_file_size("ckpt4.db") == before);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 5000);
	sqlite3_close(db);

	st = open_db("ckpt2.db");
	db = raw_open("ckpt2.db");
	if (!st)
		return;
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 0);
	{
		long long site = store_site(st, "oakfield", "Oakfield");
		struct store_user u = make_user("x1", "x1", "Test", "User");

		before = db_file_size("ckpt2.db");
		CHECK(store_begin_bulk(st, 0) == 0);
		CHECK(store_user_insert(st, site, &u, NOW) == 0);
		CHECK(store_flush(st) == 0);
		store_user_release(&u);
		store_rollback(st);
	}
	store_close(st);
	CHECK(db_file_size("ckpt2.db") == before);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 0);
	sqlite3_close(db);
}

/*
 * Small commits copy the WAL into the database as SQLite's own
 * checkpoints would, once it is past 1,000 frames: the store's WAL hook
 * keeps that default.
 */
static void test_store_small_commits_checkpoint(void)
{
	struct store *st = open_db("ckpt3.db");
	sqlite3 *db = raw_open("ckpt3.db");
	long long before;

	if (!st)
		return;
	CHECK(raw_int(db, "SELECT count(*) FROM site") == 0);
	before = db_file_size("ckpt3.db");
	for (int i = 0; i < 1200; i++) {
		char code[16];

		snprintf(code, sizeof(code), "s%d", i);
		CHECK(store_site(st, code, "Site") > 0);
	}
	CHECK(db_file_size("ckpt3.db") > before);
	store_close(st);
	CHECK(raw_int(db, "SELECT count(*) FROM site") == 1200);
	sqlite3_close(db);
}

/* Adds n users "u<first + i>" (external ids alike) in the open bulk
 * transaction; 0 or the first failure. */
#define SLICE_USERS 8192

static int add_users(struct store *st, long long site, int first, int n)
{
	for (int i = first; i < first + n; i++) {
		char name[16];
		struct store_user u;
		int rc;

		snprintf(name, sizeof(name), "u%d", i);
		u = make_user(name, name, "Test", "User");
		rc = store_user_insert(st, site, &u, NOW);
		store_user_release(&u);
		if (rc)
			return rc;
	}
	return 0;
}

/* Both unique keys of users are there, and the database is sound. */
static void check_user_keys(sqlite3 *db)
{
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type ="
		      " 'index' AND name IN ('user_external',"
		      " 'user_username')") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name"
		      " LIKE 'sqlite_autoindex_user%'") == 0);
	CHECK_STR(raw_text(db, "PRAGMA integrity_check"), "ok");
}

/*
 * A bulk transaction that adds the first users drops the unique keys of
 * users and builds them at its commit; two users with one name (or one
 * external id) then fail the commit, and nothing of it stays. With users
 * there, nothing is dropped.
 */
static void test_store_first_user_keys(void)
{
	struct store *st = open_db("keys.db");
	sqlite3 *db = raw_open("keys.db");
	long long site;
	const char *err;
	struct store_user u;
	int rc;

	if (!st)
		return;
	site = store_site(st, "oakfield", "Oakfield");
	CHECK(store_begin_bulk(st, 0) == 0);
	CHECK(add_users(st, site, 0, 3 * SLICE_USERS) == 0);
	CHECK(store_commit(st) == 0);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 3 * SLICE_USERS);
	check_user_keys(db);

	/* Users there: kept, and still enforced, when the waiting row is
	 * written. */
	CHECK(store_begin_bulk(st, 0) == 0);
	u = make_user("new", "u7", "Other", "User");
	CHECK(store_user_insert(st, site, &u, NOW) == 0);
	capture_begin();
	rc = store_flush(st);
	err = capture_end();
	store_user_release(&u);
	CHECK(rc != 0);
	CHECK(strstr(err, "UNIQUE") != NULL);
	store_rollback(st);
	store_close(st);
	sqlite3_close(db);

	/* A name twice, then an external id twice: each fails the commit,
	 * which leaves no user and both keys. */
	for (int twice = 0; twice < 2; twice++) {
		st = open_db(twice ? "keys3.db" : "keys2.db");
		db = raw_open(twice ? "keys3.db" : "keys2.db");
		if (!st)
			return;
		site = store_site(st, "oakfield", "Oakfield");
		CHECK(store_begin_bulk(st, 0) == 0);
		CHECK(add_users(st, site, 0, 100) == 0);
		u = twice ? make_user("u5", "other", "Same", "Id") :
			    make_user("other", "u5", "Same", "Name");
		CHECK(store_user_insert(st, site, &u, NOW) == 0);
		store_user_release(&u);
		/* Written past it (a slice more): no key stops it yet. */
		CHECK(add_users(st, site, 100, SLICE_USERS) == 0);
		capture_begin();
		rc = store_commit(st);
		err = capture_end();
		CHECK(rc != 0);
		CHECK(strstr(err, "cannot add users") != NULL);
		CHECK(strstr(err, twice ? "external_id" : "username") != NULL);
		CHECK(raw_int(db, "SELECT count(*) FROM user") == 0);
		check_user_keys(db);
		/* And the store goes on: the same import, fixed. */
		CHECK(store_begin_bulk(st, 0) == 0);
		CHECK(add_users(st, site, 0, 100) == 0);
		CHECK(store_commit(st) == 0);
		CHECK(raw_int(db, "SELECT count(*) FROM user") == 100);
		check_user_keys(db);
		store_close(st);
		sqlite3_close(db);
	}
}

/* The user table as schemas 1 to 3 had it, its keys UNIQUE constraints
 * (and none of the tables of later schemas). */
static const char old_user_table[] =
	"PRAGMA foreign_keys = OFF;"
	"BEGIN;"
	"CREATE TABLE user_old ("
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
	"INSERT INTO user_old SELECT * FROM user;"
	"DROP TABLE user;"
	"ALTER TABLE user_old RENAME TO user;"
	/* What schemas 5 to 8 added. */
	"DROP TABLE IF EXISTS pending_list;"
	"DROP INDEX IF EXISTS reset_token_batch;"
	"DROP TABLE IF EXISTS admin_attempt;"
	"DROP INDEX IF EXISTS credential_user;"
	"PRAGMA user_version = 3;"
	"COMMIT;";

/*
 * A database of schema 3, with users that others refer to, is moved to
 * schema 4: the same rows and ids, the keys as indexes. One whose rows
 * refer to a user that is missing is refused, untouched.
 */
static void test_store_migrate_user_keys(void)
{
	struct store *st = open_db("v3.db");
	sqlite3 *db = raw_open("v3.db");
	long long site, g, batch, version, v;
	const char *err;
	char *path = db_path("v3.db");

	if (!st)
		return;
	version = raw_int(db, "PRAGMA user_version");
	site = store_site(st, "oakfield", "Oakfield");
	CHECK(store_begin_bulk(st, 0) == 0);
	CHECK(add_users(st, site, 0, 50) == 0);
	g = store_group_create(st, site, "7A", "roster");
	CHECK(g > 0);
	CHECK(store_membership_new(st, g, 7) == 0);
	CHECK(store_membership_new(st, g, 9) == 0);
	CHECK(store_commit(st) == 0);
	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, site, "admin", "groups: 7A", 2, NOW,
				 &batch, &v) == 0);
	CHECK(store_credential_issue(st, batch, 7, "7A", NULL, 0, "hash",
				     NOW + 86400, NOW, &v) > 0);
	CHECK(store_commit(st) == 0);
	store_close(st);
	CHECK(raw_exec(db, old_user_table) == SQLITE_OK);
	CHECK(raw_int(db, "PRAGMA user_version") == 3);
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name"
		      " LIKE 'sqlite_autoindex_user%'") == 2);

	st = open_db("v3.db");
	CHECK(raw_int(db, "PRAGMA user_version") == version);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 50);
	CHECK_STR(raw_text(db, "SELECT username || ' ' || external_id || ' '"
			   " || forename || ' ' || dob FROM user WHERE id = 9"),
		  "u8 u8 Test 2014-09-14");
	CHECK(raw_int(db, "SELECT count(*) FROM membership m JOIN user u"
		      " ON u.id = m.user_id") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM credential c JOIN user u"
		      " ON u.id = c.user_id WHERE u.username = 'u6'") == 1);
	CHECK(raw_int(db, "SELECT count(*) FROM pragma_foreign_key_check")
	      == 0);
	check_user_keys(db);
	if (st) {
		int rc;

		/* Foreign keys are on again after the migration. */
		CHECK(store_begin(st) == 0);
		capture_begin();
		rc = store_membership_add(st, g, 9999);
		err = capture_end();
		CHECK(rc != 0);
		CHECK(strstr(err, "FOREIGN KEY") != NULL);
		store_rollback(st);
		store_close(st);
	}

	/* Schema 3 again, with a membership of a user who is not there. */
	CHECK(raw_exec(db, old_user_table) == SQLITE_OK);
	CHECK(raw_exec(db, "PRAGMA foreign_keys = OFF;"
		       "INSERT INTO membership VALUES (1, 999)") == SQLITE_OK);
	capture_begin();
	st = store_open(path);
	err = capture_end();
	CHECK(st == NULL);
	CHECK(strstr(err, "membership refers to a row that is missing from "
			  "user") != NULL);
	CHECK(raw_int(db, "PRAGMA user_version") == 3);
	CHECK(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name"
		      " LIKE 'sqlite_autoindex_user%'") == 2);
	CHECK(raw_int(db, "SELECT count(*) FROM user") == 50);
	store_close(st);
	sqlite3_close(db);
	free(path);
}

static void test_store_credential_issue(void)
{
	static const unsigned char sealed1[] = { 1, 2, 3, 4, 5 };
	static const unsigned char sealed2[] = { 9, 8, 7 };
	struct store *st = open_db("cred.db");
	struct store_credential c;
	long long site, u, b1, b2, b3, v, c1, c2, c3, voided = -1;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("cred.db");
	site = store_site(st, "oakfield", "Oakfield");
	u = add_user(st, site, "1", "aa", "A");
	CHECK(store_current_credential(st, u, &c) == 0);

	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, site, "admin", "g", 1, NOW, &b1, &v) ==
	      0);
	c1 = store_credential_issue(st, b1, u, "7A", sealed1, sizeof(sealed1),
				    NULL, NOW + 28 * DAY, NOW, &voided);
	CHECK(c1 > 0);
	CHECK(voided == 0);
	CHECK(store_commit(st) == 0);
	CHECK(store_current_credential(st, u, &c) == 1);
	CHECK(c.id == c1 && c.batch == b1 && c.version == 1);
	CHECK(c.expires == NOW + 28 * DAY);
	CHECK(c.sealed_len == sizeof(sealed1) &&
	      memcmp(c.sealed, sealed1, sizeof(sealed1)) == 0);
	CHECK(c.pwhash[0] == '\0');
	CHECK(c.failed == 0);

	/* A second batch voids the first credential and says which. */
	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, site, "admin", "g", 1, NOW + 60, &b2,
				 &v) == 0);
	c2 = store_credential_issue(st, b2, u, "7A", sealed2, sizeof(sealed2),
				    NULL, NOW + 29 * DAY, NOW + 60, &voided);
	CHECK(c2 > 0 && c2 != c1);
	CHECK(voided == 1);
	CHECK(store_commit(st) == 0);
	CHECK_STR(raw_text(db, "SELECT state || '|' || voided_by || '|' ||"
			   " ended_at || '|' || (sealed IS NULL) FROM"
			   " credential WHERE id = 1"),
		  "void|2|1788423300|1");
	CHECK(raw_int(db, "SELECT count(*) FROM credential WHERE state ="
		      " 'current'") == 1);
	CHECK(store_current_credential(st, u, &c) == 1);
	CHECK(c.id == c2 && c.version == 2 && c.sealed_len == 3 &&
	      c.sealed[0] == 9);
	/* The voided one is still readable by id, without its secret. */
	CHECK(store_credential_get(st, c1, &c) == 1);
	CHECK(c.sealed_len == 0);
	CHECK(store_credential_get(st, 9999, &c) == 0);

	/* Hash mode: no sealed copy, the Argon2id string kept. */
	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, site, "admin", "g", 1, NOW, &b3, &v) ==
	      0);
	c3 = store_credential_issue(st, b3, u, "7A", NULL, 0,
				    "$argon2id$v=19$m=8,t=1,p=1$x$y",
				    NOW + DAY, NOW, &voided);
	CHECK(c3 > 0);
	CHECK(voided == 2);
	CHECK(store_commit(st) == 0);
	CHECK(store_current_credential(st, u, &c) == 1);
	CHECK(c.id == c3 && c.sealed_len == 0);
	CHECK_STR(c.pwhash, "$argon2id$v=19$m=8,t=1,p=1$x$y");
	CHECK(store_credential_attempt(st, c3) == 1);
	CHECK(store_credential_attempt(st, c3) == 2);
	CHECK(store_credential_attempt(st, c3) == 3);
	CHECK(store_credential_verified(st, c3) == 0);
	CHECK(store_current_credential(st, u, &c) == 1 && c.failed == 2);

	/* A rolled-back issue leaves the current credential current. */
	CHECK(store_begin(st) == 0);
	CHECK(store_batch_create(st, site, "admin", "g", 1, NOW, &b3, &v) ==
	      0);
	CHECK(store_credential_issue(st, b3, u, "7A", NULL, 0, "h", NOW, NOW,
				     &voided) > 0);
	store_rollback(st);
	CHECK(store_current_credential(st, u, &c) == 1 && c.id == c3);
	sqlite3_close(db);
	store_close(st);
}

static void test_store_credential_current_unique(void)
{
	struct store *st = open_db("unique.db");
	long long site, u, voided;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("unique.db");
	site = store_site(st, "oakfield", "Oakfield");
	u = add_user(st, site, "1", "aa", "A");
	issue(st, site, u, NOW + DAY, NULL, &voided);
	/* A second current credential for the user is impossible ... */
	CHECK(raw_exec(db, "INSERT INTO credential (batch_id, user_id, grp,"
		       " expires_at) VALUES (1, 1, '7A', 0)") ==
	      SQLITE_CONSTRAINT);
	CHECK(raw_exec(db, "UPDATE credential SET state = 'current'") ==
	      SQLITE_OK);
	/* ... while ended ones may be many. */
	CHECK(raw_exec(db, "INSERT INTO credential (batch_id, user_id, grp,"
		       " state, expires_at) VALUES (1, 1, '7A', 'void', 0),"
		       " (1, 1, '7A', 'void', 0)") == SQLITE_OK);
	CHECK(raw_exec(db, "UPDATE credential SET state = 'current' WHERE"
		       " id = 3") == SQLITE_CONSTRAINT);
	/* And a state outside the list is refused. */
	CHECK(raw_exec(db, "UPDATE credential SET state = 'lost' WHERE"
		       " id = 2") == SQLITE_CONSTRAINT);
	CHECK(raw_int(db, "SELECT count(*) FROM credential WHERE state ="
		      " 'current'") == 1);
	sqlite3_close(db);
	store_close(st);
}

/* What store_targets() handed over: how many, and user "aa". */
struct seen_target {
	int n;
	long long aa_id;
	int aa_claimed, aa_left;
	char aa_surname[16];
};

static int note_target(void *ctx, const struct store_target_row *t)
{
	struct seen_target *s = ctx;

	s->n++;
	if (strcmp(t->username, "aa") == 0) {
		s->aa_id = t->id;
		s->aa_claimed = t->claimed;
		s->aa_left = t->left;
		snprintf(s->aa_surname, sizeof(s->aa_surname), "%s",
			 t->surname);
	}
	return 0;
}

static void test_store_claim(void)
{
	struct store *st = open_db("claim.db");
	struct store_credential c;
	long long site, u, plain, voided;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("claim.db");
	site = store_site(st, "oakfield", "Oakfield");
	u = add_user(st, site, "1", "aa", "A");
	plain = add_user(st, site, "2", "bb", "B");
	issue(st, site, u, NOW + DAY, NULL, &voided);
	CHECK(store_begin(st) == 0);
	CHECK(store_claim(st, u, NOW + 100) == 1);
	CHECK(store_commit(st) == 0);
	CHECK(raw_int(db, "SELECT claimed_at FROM user WHERE id = 1") ==
	      NOW + 100);
	CHECK_STR(raw_text(db, "SELECT state || '|' || ended_at || '|' ||"
			   " (sealed IS NULL) FROM credential"),
		  "claimed|1788423340|1");
	CHECK(store_current_credential(st, u, &c) == 0);
	/* Again: claimed before, nothing changes, the first time stays. */
	CHECK(store_begin(st) == 0);
	CHECK(store_claim(st, u, NOW + 500) == STORE_CLAIMED_BEFORE);
	/* A user who never had a credential is marked all the same. */
	CHECK(store_claim(st, plain, NOW + 200) == 0);
	CHECK(store_commit(st) == 0);
	CHECK(raw_int(db, "SELECT claimed_at FROM user WHERE id = 1") ==
	      NOW + 100);
	CHECK(raw_int(db, "SELECT claimed_at FROM user WHERE id = 2") ==
	      NOW + 200);
	/* Both are now unavailable for regeneration. */
	{
		struct seen_target t = { 0 };

		CHECK(store_targets(st, site, note_target, &t) == 0);
		CHECK(t.n == 2);
		CHECK(t.aa_id == u && t.aa_claimed == 1 && t.aa_left == 0);
		CHECK(strcmp(t.aa_surname, "A") == 0);
	}
	sqlite3_close(db);
	store_close(st);
}

struct expired {
	int n;
	long long users[8], batches[8];
	int fail;
};

static int on_expire(void *ctx, long long user, long long batch)
{
	struct expired *e = ctx;

	if (e->fail)
		return -1;
	if (e->n < 8) {
		e->users[e->n] = user;
		e->batches[e->n] = batch;
	}
	e->n++;
	return 0;
}

static void test_store_expire(void)
{
	struct store *st = open_db("expire.db");
	struct expired e = { 0 };
	long long site, other, u1, u2, u3, u4, voided;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("expire.db");
	site = store_site(st, "oakfield", "Oakfield");
	other = store_site(st, "northgate", "Northgate");
	u1 = add_user(st, site, "1", "aa", "A");
	u2 = add_user(st, site, "2", "bb", "B");
	u3 = add_user(st, site, "3", "cc", "C");
	u4 = add_user(st, other, "4", "dd", "D");
	issue(st, site, u1, NOW - DAY, NULL, &voided);    /* batch 1 */
	issue(st, site, u2, NOW, NULL, &voided);          /* batch 2 */
	issue(st, site, u3, NOW + DAY, NULL, &voided);    /* batch 3 */
	issue(st, other, u4, NOW - DAY, NULL, &voided);   /* batch 4 */

	/* A callback that fails stops it: nothing is expired. */
	e.fail = 1;
	CHECK(store_begin(st) == 0);
	CHECK(store_expire(st, site, NOW, on_expire, &e) == -1);
	store_rollback(st);
	CHECK(raw_int(db, "SELECT count(*) FROM credential WHERE state ="
		      " 'current'") == 4);

	e.fail = 0;
	CHECK(store_begin(st) == 0);
	CHECK(store_expire(st, site, NOW, on_expire, &e) == 2);
	CHECK(store_commit(st) == 0);
	CHECK(e.n == 2);
	CHECK((e.users[0] == u1 && e.batches[0] == 1 && e.users[1] == u2 &&
	       e.batches[1] == 2) ||
	      (e.users[1] == u1 && e.batches[1] == 1 && e.users[0] == u2 &&
	       e.batches[0] == 2));
	CHECK_STR(raw_text(db, "SELECT group_concat(state || ':' ||"
			   " (sealed IS NULL), ',') FROM (SELECT * FROM"
			   " credential ORDER BY id)"),
		  "expired:1,expired:1,current:0,current:0");
	/* Nothing left to expire now; the other site is its own. */
	e.n = 0;
	CHECK(store_begin(st) == 0);
	CHECK(store_expire(st, site, NOW, on_expire, &e) == 0);
	CHECK(store_expire(st, other, NOW, on_expire, &e) == 1);
	CHECK(store_commit(st) == 0);
	CHECK(e.n == 1 && e.users[0] == u4);
	sqlite3_close(db);
	store_close(st);
}

/* ==== Audit ==== */

/* Writes n events in one transaction. */
static void audit_some(struct store *st, long long site, int n,
		       const char *action)
{
	CHECK(store_begin(st) == 0);
	for (int i = 0; i < n; i++)
		CHECK(store_audit(st, site, "admin", action, 0, 0,
				  i % 2 ? "detail" : NULL) == 0);
	CHECK(store_commit(st) == 0);
}

/* A batch's or a user's events are found by their index, not by reading
 * the whole log (years of it); the whole log is read by a scan. */
static void test_store_list_audit_plan(void)
{
	struct store *st = open_db("auditplan.db");
	long long site, u1, u2;
	int n;

	if (!st)
		return;
	site = store_site(st, "oakfield", "Oakfield");
	u1 = add_user(st, site, "1", "aa", "A");
	u2 = add_user(st, site, "2", "bb", "B");
	CHECK(store_begin(st) == 0);
	for (int i = 0; i < 300; i++)
		CHECK(store_audit(st, site, "admin", "credential.issue",
				  i % 3 ? u1 : u2, 1 + i % 2, "x") == 0);
	CHECK(store_commit(st) == 0);
	(void)store_scan_steps(st);
	n = 0;
	CHECK(store_list_audit(st, site, 0, 2, 0, count_row, &n) == 0);
	CHECK(n == 150);
	CHECK(store_scan_steps(st) == 0);
	n = 0;
	CHECK(store_list_audit(st, site, u2, 0, 0, count_row, &n) == 0);
	CHECK(n == 100);
	CHECK(store_scan_steps(st) == 0);
	n = 0;
	CHECK(store_list_audit(st, site, u2, 1, 0, count_row, &n) == 0);
	CHECK(n == 50);
	CHECK(store_scan_steps(st) == 0);
	n = 0;
	CHECK(store_list_audit(st, site, 0, 0, 0, count_row, &n) == 0);
	CHECK(n == 300);
	CHECK(store_scan_steps(st) > 0);
	store_close(st);
}

static void test_store_audit(void)
{
	struct store *st = open_db("audit.db");
	long long site, u, events = -1;
	sqlite3 *db;

	if (!st)
		return;
	db = raw_open("audit.db");
	site = store_site(st, "oakfield", "Oakfield");
	u = add_user(st, site, "1", "aa", "A");
	/* An empty log verifies. */
	CHECK(store_audit_verify(st, &events) == 0);
	CHECK(events == 0);
	audit_some(st, site, 3, "import");
	CHECK(store_begin(st) == 0);
	CHECK(store_audit(st, site, "admin", "user.add", u, 0, "username=aa")
	      == 0);
	CHECK(store_audit(st, 0, "system", "start", 0, 0, "") == 0);
	CHECK(store_commit(st) == 0);
	/* A rolled-back transaction leaves no gap in the chain. */
	CHECK(store_begin(st) == 0);
	CHECK(store_audit(st, site, "admin", "gone", 0, 0, "x") == 0);
	store_rollback(st);
	audit_some(st, site, 2, "after-rollback");
	CHECK(raw_int(db, "SELECT count(*) FROM audit") == 7);
	CHECK(raw_int(db, "SELECT max(id) FROM audit") == 7);
	CHECK(raw_int(db, "SELECT count(*) FROM audit WHERE action ="
		      " 'gone'") == 0);
	/* Each event links to the one before; the first to zeros. */
	CHECK(raw_int(db, "SELECT count(*) FROM audit a JOIN audit b"
		      " ON b.id = a.id - 1 WHERE a.prev = b.hash") == 6);
	CHECK(raw_int(db, "SELECT prev = zeroblob(32) FROM audit WHERE"
		      " id = 1") == 1);
	CHECK(raw_int(db, "SELECT at FROM audit WHERE id = 1") == NOW);
	CHECK(raw_int(db, "SELECT site_id IS NULL FROM audit WHERE action ="
		      " 'start'") == 1);
	CHECK(store_audit_verify(st, &events) == 0);
	CHECK(events == 7);
	/* A second connection (another tempass) continues the chain. */
	store_close(st);
	st = open_db("audit.db");
	if (!st)
		return;
	audit_some(st, site, 1, "reopened");
	CHECK(store_audit_verify(st, &events) == 0 && events == 8);
	CHECK(store_audit_verify(st, NULL) == 0);
	/* The log is append-only at the SQL level too. */
	CHECK(raw_exec(db, "UPDATE audit SET detail = 'x' WHERE id = 2") ==
	      SQLITE_CONSTRAINT);
	CHECK(raw_exec(db, "DELETE FROM audit WHERE id = 2") ==
	      SQLITE_CONSTRAINT);
	sqlite3_close(db);
	store_close(st);
}

/* Builds a chain of 5 events in name, then lets tamper() loose on it. */
static int tampered(const char *name, const char *sql, const char **err)
{
	struct store *st = open_db(name);
	long long site, events = -1;
	sqlite3 *db;
	int rc;

	if (!st)
		return -99;
	site = store_site(st, "oakfield", "Oakfield");
	audit_some(st, site, 5, "event");
	CHECK(store_audit_verify(st, &events) == 0 && events == 5);
	db = raw_open(name);
	CHECK(raw_exec(db, "DROP TRIGGER audit_no_update;"
		       " DROP TRIGGER audit_no_delete") == SQLITE_OK);
	CHECK(raw_exec(db, sql) == SQLITE_OK);
	sqlite3_close(db);
	capture_begin();
	rc = store_audit_verify(st, &events);
	*err = capture_end();
	store_close(st);
	return rc;
}

/* Writes the events "one", "two", ... (n of them) in one transaction. */
static void audit_named(struct store *st, long long site, int n)
{
	static const char *const names[] = { "one", "two", "three", "four" };

	CHECK(store_begin(st) == 0);
	for (int i = 0; i < n && i < 4; i++)
		CHECK(store_audit(st, site, "admin", "event", 0, 0,
				  i == 1 && n == 2 ? "forged" : names[i]) ==
		      0);
	CHECK(store_commit(st) == 0);
}

/*
 * Replaces event 2 of name with a forged event 2 that carries a valid hash:
 * the forger lets the store build the same history up to event 1 (the clock
 * is fixed) with other words in event 2, and copies that event over.
 */
static void forge_event_2(const char *name, long long site)
{
	struct store *forger = open_db("forger.db");
	sqlite3 *db;
	char *attach;

	if (!forger)
		return;
	CHECK(store_site(forger, "oakfield", "Oakfield") == site);
	audit_named(forger, site, 2);
	store_close(forger);
	db = raw_open(name);
	attach = xasprintf("ATTACH '%s/forger.db' AS f", tmpdir);
	CHECK(raw_exec(db, attach) == SQLITE_OK);
	free(attach);
	CHECK(raw_exec(db, "DROP TRIGGER audit_no_update") == SQLITE_OK);
	CHECK(raw_exec(db, "UPDATE audit SET"
		       " detail = (SELECT detail FROM f.audit WHERE id = 2),"
		       " hash = (SELECT hash FROM f.audit WHERE id = 2)"
		       " WHERE id = 2") == SQLITE_OK);
	CHECK_STR(raw_text(db, "SELECT detail FROM audit WHERE id = 2"),
		  "forged");
	sqlite3_close(db);
}

static void test_store_audit_verify(void)
{
	const char *err;

	CHECK(tampered("edit.db", "UPDATE audit SET detail = 'harmless'"
		       " WHERE id = 3", &err) == 1);
	CHECK(strstr(err, "audit event 3 was edited") != NULL);
	CHECK(tampered("actor.db", "UPDATE audit SET actor = 'someone'"
		       " WHERE id = 5", &err) == 1);
	CHECK(strstr(err, "audit event 5 was edited") != NULL);
	CHECK(tampered("time.db", "UPDATE audit SET at = at - 1"
		       " WHERE id = 1", &err) == 1);
	CHECK(strstr(err, "audit event 1 was edited") != NULL);
	CHECK(tampered("delete.db", "DELETE FROM audit WHERE id = 2", &err) ==
	      1);
	CHECK(strstr(err, "audit event 2 is missing") != NULL);
	CHECK(tampered("hash.db", "UPDATE audit SET hash = zeroblob(32)"
		       " WHERE id = 2", &err) == 1);
	CHECK(strstr(err, "audit event 2 was edited") != NULL);
	CHECK(tampered("swap.db", "UPDATE audit SET prev = zeroblob(32)"
		       " WHERE id = 4", &err) == 1);
	CHECK(strstr(err, "audit event 4 does not follow event 3") != NULL);

	/* A forged event with a matching hash breaks the next link. */
	{
		struct store *st = open_db("forged.db");
		long long site, events;
		int rc;

		if (!st)
			return;
		site = store_site(st, "oakfield", "Oakfield");
		audit_named(st, site, 4);
		forge_event_2("forged.db", site);
		capture_begin();
		rc = store_audit_verify(st, &events);
		err = capture_end();
		CHECK(rc == 1);
		CHECK(strstr(err, "audit event 3 does not follow event 2") !=
		      NULL);
		store_close(st);
	}
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("TEMPASS_NOW", "2026-09-03T08:14:00Z", 1);
	if (secrets_init() != 0)
		return 1;
	RUN(test_store_open);
	RUN(test_store_begin);
	RUN(test_store_site);
	RUN(test_store_user_insert);
	RUN(test_store_user_insert_bulk);
	RUN(test_store_flush);
	RUN(test_store_user_update);
	RUN(test_store_users_load);
	RUN(test_store_group_create);
	RUN(test_store_membership_add);
	RUN(test_store_membership_remove);
	RUN(test_store_user_leave);
	RUN(test_store_list_groups);
	RUN(test_store_select);
	RUN(test_store_batch_create);
	RUN(test_store_bulk_checkpoint);
	RUN(test_store_small_commits_checkpoint);
	RUN(test_store_first_user_keys);
	RUN(test_store_migrate_user_keys);
	RUN(test_store_credential_issue);
	RUN(test_store_issue_bulk);
	RUN(test_store_credential_current_unique);
	RUN(test_store_claim);
	RUN(test_store_expire);
	RUN(test_store_audit);
	RUN(test_store_list_audit_plan);
	RUN(test_store_audit_verify);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	TEST_EXIT();
}
