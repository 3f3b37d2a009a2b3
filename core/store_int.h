/*
 * store_int: what the SQLite store's files share and nothing outside them
 * sees: the connection's state, the statement helpers, the rows held in
 * memory for bulk writes. Only core/store_*.c include it; it is the one
 * header besides the SQLite files themselves that includes sqlite3.h.
 *
 * The files, by what they do: store_sql.c (errors, the statement cache,
 * stepping), store_open.c (the file, opening, migrations, transactions),
 * store_users.c (sites, users, groups), store_admins.c (administrators),
 * store_batches.c (selection, batches, credentials, pending lists),
 * store_mail.c (reset tokens, deliveries), store_audit.c (the hash chain),
 * store_bulk.c (rows held in memory and moved in one statement, new users
 * in bulk, checkpoints).
 */
#ifndef TEMPASS_STORE_INT_H
#define TEMPASS_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>

#include "core/secrets.h"
#include "core/store.h"
#include "core/store_backend.h"
#include "core/util.h"
#include "core/workers.h"

#define STMT_CACHE 256   /* a power of two, well above the statements */

/* Rows that wait before they are written, at most. */
#define SLICE 8192

/* The unique keys of user (schema 4 on), which a bulk transaction that
 * adds the first users drops and builds again at its commit. */
#define USER_KEYS \
	"CREATE UNIQUE INDEX user_external ON user(site_id, roster," \
	" external_id);" \
	"CREATE UNIQUE INDEX user_username ON user(site_id, username);"

/* A value of a row waiting in a rowbuf (see store_bulk.c). */
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
	struct pg *pg;           /* a PostgreSQL store: all else unused */
	sqlite3 *db;
	char *path;
	int in_tx;
	struct worker checkpointer;   /* the checkpoint after a bulk commit */
	/* Under checkpoint_lock: the thread is still at work; another bulk
	 * commit asked it for one more round before it ends. */
	pthread_mutex_t checkpoint_lock;
	int checkpoint_busy, checkpoint_again;
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
	int bulk;                /* in store_begin_bulk()'s transaction */
	int readonly;            /* opened read-only (store_open()) */
	/*
	 * Rows of this transaction waiting to be written, each moved by one
	 * INSERT ... SELECT (see store_bulk.c): audit events (in slices, at
	 * store_flush() and at commit), a batch's credentials (in slices and
	 * at store_issue_finish()), and in a bulk transaction new users and
	 * their memberships (in slices, at store_flush() and at commit).
	 * Nothing else writes them: a failure of theirs is reported by the
	 * call that gave the rows or by the flush, never by another call.
	 */
	struct rowbuf audit, issue, users, members;
	/* The batch being issued (store_issue_begin) */
	long long issue_batch, issue_now;
	void (*issue_voided)(void *ctx, long long user, long long version);
	void *issue_ctx;
	long long next_user;     /* the id the next new user gets; 0: unread */
	int keys_deferred;       /* user's keys dropped until the commit */
	int wal_pages;           /* pages in the WAL at the last commit */
};

/* ==== Errors and statements (store_sql.c) ==== */

/* The kind of failure of an SQLite result code. */
enum store_fault st_fault_of(int rc);
/* Reports the connection's last error: "'path': what: why". */
void st_report(struct store *st, const char *what);
/* Maps a failed step or exec to -1 or STORE_BUSY, reporting it. */
int st_fail(struct store *st, int rc, const char *what);
/* Runs sql (no rows); 0, -1 or STORE_BUSY (reported). */
int st_exec(struct store *st, const char *sql);
/*
 * The cached statement for sql (static text: the cache is keyed by its
 * address), reset and unbound; NULL after reporting. It writes nothing
 * that waits in memory: see store_flush().
 */
sqlite3_stmt *st_prep(struct store *st, const char *sql);
/* Binds a text; NULL binds NULL. */
void st_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Steps a statement that returns no rows; 0, -1 or STORE_BUSY. */
int st_done(struct store *st, sqlite3_stmt *s, const char *what);
/* Steps a query for one id: the id, 0 when there is no row, or -1. */
long long st_step_id(struct store *st, sqlite3_stmt *s, const char *what);
/* Steps an UPDATE ... RETURNING of one integer: the value, 0 when no row
 * was updated, or -1 or STORE_BUSY (reported). */
long long st_step_returning(struct store *st, sqlite3_stmt *s,
			    const char *what);
/* Runs sql, a statement of two integer parameters that returns no row. */
int st_run_pair(struct store *st, const char *sql, long long a, long long b,
		const char *what);
/* Steps s, handing each row's columns as strings to fn. */
int st_each_row(struct store *st, sqlite3_stmt *s, store_row_fn fn,
		void *ctx);
/* Column i as a copy (NULL for NULL; caller frees) or as a string valid
 * until the next step ("" for NULL). */
char *st_col_dup(sqlite3_stmt *s, int i);
const char *st_col_str(sqlite3_stmt *s, int i);
/*
 * What a search for s looks for: s folded as fold() folds what it is
 * compared with (SQL: instr(fold(column), key)), so case, accents and the
 * script of a name do not matter; NULL for NULL. Caller frees.
 */
char *st_search_key(const char *s);
/* Resets every cached statement (a transaction's end). */
void st_reset_all(struct store *st);

/* ==== Rows held in memory (store_bulk.c) ==== */

/* Registers the "rows" table over rowbufs in db: SQLITE_OK or an error. */
int rows_register(sqlite3 *db);
/* Steps s, a statement whose parameter 1 is "rows(?1)", over rb. */
int rows_run(struct store *st, sqlite3_stmt *s, const struct rowbuf *rb,
	     const char *what);
/* Binds rb to parameter i of s, for "rows(?i)". */
void rows_bind(sqlite3_stmt *s, int i, const struct rowbuf *rb);
/* A new row of NULL cells at the end of rb. */
struct cell *rows_add(struct rowbuf *rb);
void cell_int(struct cell *c, long long v);
/* A row id; 0 is none (NULL). */
void cell_id(struct cell *c, long long id);
/* A text; NULL is NULL. */
void cell_text(struct rowbuf *rb, struct cell *c, const char *s);
void cell_blob(struct rowbuf *rb, struct cell *c, const void *p, size_t len);
/* Empties rb, its data wiped. */
void rows_clear(struct rowbuf *rb);
void rows_release(struct rowbuf *rb);

/* ==== Bulk transactions and checkpoints (store_bulk.c) ==== */

/* Sets up a new connection's checkpoints (see store_bulk.c). */
void bulk_connect(struct store *st);
/* Writes the new users and memberships waiting; 0, -1 or STORE_BUSY. */
int bulk_flush_users(struct store *st);
/* Before the commit of a bulk transaction: builds the keys of users
 * dropped for it (a user twice fails); 0 or -1. */
int bulk_build_keys(struct store *st);
/* After a transaction, committed or not: what bulk work changed in the
 * connection is put back; after a commit (committed), the checkpoint of
 * a bulk transaction starts on its thread. */
void bulk_end(struct store *st, int committed);
/* Waits for the checkpoint's thread, if any (store_close()). */
void bulk_join(struct store *st);

/* ==== Audit (store_audit.c) ==== */

/* Moves the buffered audit events into the log; 0, -1 or STORE_BUSY. */
int audit_flush(struct store *st);

/* ==== Users (store_users.c) ==== */

/* Adds the user type unless it is there; 0 or -1. */
int ensure_user_type(struct store *st, const char *type);

#endif
