/*
 * store_bulk: the store's bulk work (SQLite): rows held in memory and moved
 * into their table by one statement, new users written that way in a bulk
 * transaction, and the checkpoints that copy a bulk transaction's WAL into
 * the database on a thread of its own.
 *
 * Rows wait in memory only for the transaction that gave them, and only
 * the calls that own them write them: the one that gave the slice's last
 * row, store_flush(), store_commit() (and, for a batch's credentials,
 * store_issue_finish()). No other statement writes them on the way, so a
 * conflict of a waiting row is reported by one of those, never by an
 * unrelated call.
 */
#include "core/store_int.h"

#include <stdlib.h>
#include <string.h>

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

int rows_register(sqlite3 *db)
{
	return sqlite3_create_module(db, "rows", &rows_module, NULL);
}

void rows_bind(sqlite3_stmt *s, int i, const struct rowbuf *rb)
{
	sqlite3_bind_pointer(s, i, (void *)rb, ROWS_PTR, NULL);
}

int rows_run(struct store *st, sqlite3_stmt *s, const struct rowbuf *rb,
	     const char *what)
{
	rows_bind(s, 1, rb);
	return st_done(st, s, what);
}

struct cell *rows_add(struct rowbuf *rb)
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

void cell_int(struct cell *c, long long v)
{
	c->kind = CELL_INT;
	c->v = v;
}

void cell_id(struct cell *c, long long id)
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

void cell_text(struct rowbuf *rb, struct cell *c, const char *s)
{
	if (s)
		cell_bytes(rb, c, CELL_TEXT, s, strlen(s));
}

void cell_blob(struct rowbuf *rb, struct cell *c, const void *p, size_t len)
{
	if (p)
		cell_bytes(rb, c, CELL_BLOB, p, len);
}

void rows_clear(struct rowbuf *rb)
{
	if (rb->data.len)
		secrets_wipe(rb->data.buf, rb->data.len);
	sbuf_reset(&rb->data);
	rb->n = 0;
}

void rows_release(struct rowbuf *rb)
{
	rows_clear(rb);
	sbuf_release(&rb->data);
	free(rb->cells);
	rb->cells = NULL;
	rb->cap = 0;
}

/* ==== Bulk transactions ==== */

int store_begin_bulk(struct store *st, unsigned flags)
{
	if (st->pg)
		return pg_begin_bulk(st->pg, flags);

	int rc;

	/* Outside a transaction: SQLite ignores foreign_keys inside, and
	 * the memory map cannot be given up while a transaction holds
	 * pages of it. */
	if ((flags & STORE_BULK_UNMAP) &&
	    (rc = st_exec(st, "PRAGMA mmap_size = 0")) != 0)
		return rc;
	if ((rc = st_exec(st, "PRAGMA foreign_keys = OFF")) != 0)
		return rc;
	st->bulk = 1;
	st->wal_pages = 0;
	if ((rc = store_begin(st)) != 0)
		bulk_end(st, 0);
	return rc;
}

int store_flush(struct store *st)
{
	if (st->pg)
		return pg_flush(st->pg);

	int rc;

	ASSERT(st->in_tx);
	if ((rc = bulk_flush_users(st)) != 0 || (rc = audit_flush(st)) != 0)
		return rc;
	return 0;
}

/* ==== New users in bulk ==== */

/*
 * Writes the new users and memberships waiting in a bulk transaction,
 * users first: a membership names its user.
 */
int bulk_flush_users(struct store *st)
{
	static const char users[] =
		"INSERT INTO user (id, site_id, roster, external_id, username,"
		" forename, surname, dob, email, email_verified, user_type,"
		" status, created_at, updated_at, class) SELECT c0, c1, c2, c3,"
		" c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14 FROM rows(?1)";
	static const char members[] =
		"INSERT INTO membership (group_id, user_id)"
		" SELECT c0, c1 FROM rows(?1)";
	sqlite3_stmt *s;
	int rc = 0;

	if (!st->users.n && !st->members.n)
		return 0;
	if (st->users.n) {
		if (!(s = st_prep(st, users)))
			rc = -1;
		else
			rc = rows_run(st, s, &st->users, "cannot add users");
	}
	if (rc == 0 && st->members.n) {
		if (!(s = st_prep(st, members)))
			rc = -1;
		else
			rc = rows_run(st, s, &st->members,
				      "cannot add memberships");
	}
	rows_clear(&st->users);
	rows_clear(&st->members);
	return rc;
}

/*
 * Drops the two unique keys of users (site and username; site, roster and
 * external id) for a bulk transaction that adds users to an empty table:
 * building them once from the sorted rows at the commit costs far less
 * than keeping them row by row. Only what the transaction adds can then
 * break them, and the commit fails if it does.
 */
static int drop_user_keys(struct store *st)
{
	if (st_exec(st, "DROP INDEX user_external; DROP INDEX user_username")
	    != 0)
		return -1;
	st->keys_deferred = 1;
	return 0;
}

int bulk_build_keys(struct store *st)
{
	int rc;

	if (!st->keys_deferred)
		return 0;
	rc = sqlite3_exec(st->db, USER_KEYS, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return st_fail(st, rc, "cannot add users");
	st->keys_deferred = 0;
	return 0;
}

int store_user_insert(struct store *st, long long site, struct store_user *u,
		      long long now)
{
	if (st->pg)
		return pg_user_insert(st->pg, site, u, now);

	static const char last[] = "SELECT coalesce(max(id), 0) FROM user";
	struct rowbuf *rb = &st->users;
	struct cell *c;
	sqlite3_stmt *s;

	ASSERT(st->in_tx);
	if (ensure_user_type(st, u->user_type) != 0)
		return -1;
	/* Ids are given here, as SQLite would give them (the largest + 1),
	 * so that the row can wait. */
	if (!st->next_user) {
		if (!(s = st_prep(st, last)))
			return -1;
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			return st_fail(st, sqlite3_errcode(st->db),
				       "cannot read users");
		}
		st->next_user = sqlite3_column_int64(s, 0) + 1;
		sqlite3_reset(s);
		/* The first users (a first import): their keys are built
		 * once at the commit, from the sorted rows. */
		if (st->bulk && st->next_user == 1 && drop_user_keys(st) != 0)
			return -1;
	}
	u->id = st->next_user++;
	c = rows_add(rb);
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
	cell_text(rb, &c[14], u->class_name);
	/* Outside a bulk transaction a conflict is reported at once. */
	if (!st->bulk || rb->n >= SLICE)
		return bulk_flush_users(st);
	return 0;
}

int store_membership_new(struct store *st, long long group, long long user)
{
	if (st->pg)
		return pg_membership_new(st->pg, group, user);

	struct cell *c = rows_add(&st->members);

	/* A new user has no membership yet: no conflict to look for. */
	ASSERT(st->in_tx);
	cell_int(&c[0], group);
	cell_int(&c[1], user);
	if (!st->bulk || st->members.n >= SLICE)
		return bulk_flush_users(st);
	return 0;
}

/* ==== Checkpoints ==== */

/*
 * SQLite copies the WAL into the database (a checkpoint) at the commit
 * that finds it past AUTOCHECKPOINT pages, then and there. The store's own
 * WAL hook keeps that for small commits, but a bulk transaction's commit
 * that finds it so leaves it to a thread of its own (a connection of its own: WAL mode lets
 * both run), so that the job goes on while its tens of megabytes are
 * copied and synced; and while such a thread runs, no commit of this
 * process (run's admin, on a connection of its own) does it again.
 * store_close() waits for the thread.
 */
#define AUTOCHECKPOINT 1000

/* Checkpoint threads of this process that run. */
static int checkpoints_running;

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *st = arg;

	st->wal_pages = pages;
	if (st->bulk ||
	    __atomic_load_n(&checkpoints_running, __ATOMIC_ACQUIRE) > 0 ||
	    pages < AUTOCHECKPOINT)
		return SQLITE_OK;
	/* Best effort, as SQLite's own: a later commit does what it left. */
	(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
					NULL, NULL);
	return SQLITE_OK;
}

void bulk_connect(struct store *st)
{
	sqlite3_wal_hook(st->db, wal_hook, st);
}

/*
 * PASSIVE: it never waits for a lock; a later checkpoint (a commit, or
 * the last connection's close) copies what it left.
 */
static void *checkpoint_thread(void *arg)
{
	struct store *st = arg;
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL,
			     NULL);
	}
	for (;;) {
		if (db)
			sqlite3_wal_checkpoint_v2(db, NULL,
						  SQLITE_CHECKPOINT_PASSIVE,
						  NULL, NULL);
		pthread_mutex_lock(&st->checkpoint_lock);
		if (!st->checkpoint_again) {
			st->checkpoint_busy = 0;
			pthread_mutex_unlock(&st->checkpoint_lock);
			break;
		}
		st->checkpoint_again = 0;
		pthread_mutex_unlock(&st->checkpoint_lock);
	}
	sqlite3_close(db);
	__atomic_sub_fetch(&checkpoints_running, 1, __ATOMIC_RELEASE);
	return NULL;
}

void bulk_join(struct store *st)
{
	worker_join(&st->checkpointer);
}

void bulk_end(struct store *st, int committed)
{
	if (!st->bulk)
		return;
	st->bulk = 0;
	/* Best effort: a connection that cannot set them is broken, and
	 * its next statement says so. */
	(void)sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL,
			   NULL);
	if (!committed || st->wal_pages < AUTOCHECKPOINT)
		return;
	/* A thread still at work takes this commit's pages too: the job
	 * never waits for an earlier checkpoint. */
	pthread_mutex_lock(&st->checkpoint_lock);
	if (st->checkpointer.started && st->checkpoint_busy) {
		st->checkpoint_again = 1;
		pthread_mutex_unlock(&st->checkpoint_lock);
		return;
	}
	pthread_mutex_unlock(&st->checkpoint_lock);
	bulk_join(st);
	st->checkpoint_busy = 1;
	st->checkpoint_again = 0;
	__atomic_add_fetch(&checkpoints_running, 1, __ATOMIC_ACQ_REL);
	/* Without a thread of its own, it runs here, now. */
	worker_start(&st->checkpointer, checkpoint_thread, st);
}
