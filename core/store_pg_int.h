/*
 * store_pg_int: what the PostgreSQL store's files share and nothing
 * outside them sees: the connection, libpq's functions, loaded at run time
 * (dl_load) so that a SQLite store never loads libpq, and the helpers that
 * run a statement and report its failure once. Only core/store_pg*.c
 * include it; it is the one header that includes libpq-fe.h.
 *
 * The files: store_pg.c (statements, connecting, the schema and its
 * migrations, transactions, which stages run on PostgreSQL),
 * store_pg_users.c (sites, users, groups, memberships, listings),
 * store_pg_bulk.c (rows moved through COPY), store_pg_audit.c (the hash
 * chain), store_pg_admins.c (administrators), store_pg_batches.c
 * (selection, batches, credentials, pending lists), store_pg_mail.c
 * (reset tokens, deliveries).
 */
#ifndef TEMPASS_STORE_PG_INT_H
#define TEMPASS_STORE_PG_INT_H

#include <libpq-fe.h>

#include "core/secrets.h"
#include "core/store.h"
#include "core/store_backend.h"
#include "core/util.h"

#define PG_LIB "libpq.so.5"
#define PG_LIB_PACKAGE "libpq5"

/* libpq's functions, each of its prototype's type (see dl_load()). */
struct pq_api {
	__typeof__(PQconnectdb) *PQconnectdb;
	__typeof__(PQstatus) *PQstatus;
	__typeof__(PQerrorMessage) *PQerrorMessage;
	__typeof__(PQfinish) *PQfinish;
	__typeof__(PQdb) *PQdb;
	__typeof__(PQhost) *PQhost;
	__typeof__(PQsetNoticeProcessor) *PQsetNoticeProcessor;
	__typeof__(PQexec) *PQexec;
	__typeof__(PQexecParams) *PQexecParams;
	__typeof__(PQresultStatus) *PQresultStatus;
	__typeof__(PQresultErrorField) *PQresultErrorField;
	__typeof__(PQresultErrorMessage) *PQresultErrorMessage;
	__typeof__(PQntuples) *PQntuples;
	__typeof__(PQgetvalue) *PQgetvalue;
	__typeof__(PQgetisnull) *PQgetisnull;
	__typeof__(PQclear) *PQclear;
	__typeof__(PQnfields) *PQnfields;
	__typeof__(PQcmdTuples) *PQcmdTuples;
	__typeof__(PQputCopyData) *PQputCopyData;
	__typeof__(PQputCopyEnd) *PQputCopyEnd;
	__typeof__(PQgetResult) *PQgetResult;
};
extern struct pq_api pq;

/*
 * An audit chain a transaction writes to (store_pg_audit.c): its head,
 * read once per transaction under the chain's lock, and the offsets its
 * events' ids are hashed without (a chain copied from SQLite).
 */
struct pg_chain {
	long long id;
	int locked;          /* this transaction holds its lock */
	int have_head;
	unsigned char head[SECRETS_HASH_BYTES];
	long long next_seq;
	long long site_off, user_off, batch_off;
};

struct pg {
	PGconn *conn;
	char *name;       /* what messages call the database */
	int in_tx;
	/* The site the process works for (the first store_site() names)
	 * and its audit chain, whose lock pg_begin() takes; 0: none yet,
	 * and a transaction takes the lock of the whole database. */
	long long site, chain;
	int db_locked;    /* this transaction holds the database's lock */
	/* The chains this transaction locked or wrote to. */
	struct pg_chain chains[8];
	size_t nchains;
	/* The chain of the site looked up last (pg_chain_of()). */
	long long last_site, last_site_chain;
	struct sbuf scratch;
	/* New users and memberships waiting, as COPY's text (see
	 * store_pg_bulk.c), in a transaction begun by pg_begin_bulk() (bulk)
	 * or alone. */
	int bulk;
	struct sbuf users, members;
	size_t nusers, nmembers;
	/* Ids for new users, taken from the identity's sequence a few at
	 * a time: ids[next .. n) are free. */
	long long *user_ids;
	size_t user_ids_next, user_ids_n, user_ids_want;
	char *last_type;         /* the user type added last */
	/* The batch being issued (pg_issue_begin()) and its credentials
	 * waiting, as COPY's text. */
	long long issue_batch, issue_now;
	void (*issue_voided)(void *ctx, long long user, long long version);
	void *issue_ctx;
	struct sbuf issue;
	size_t nissue;
	/* Audit events waiting, as COPY's text (store_pg_audit.c). */
	struct sbuf audit;
	size_t naudit;
};

/*
 * Reports what failed: "NAME: what: why", why libpq's message (of res
 * when not NULL, else of the connection), and the fault it met. Returns
 * STORE_BUSY for a serialization failure or deadlock (the caller may
 * retry the transaction), else -1.
 */
int pg_fail(struct pg *pg, const PGresult *res, const char *what);
/*
 * Runs sql (text parameters params[0..n), NULL for NULL) and checks that
 * it ended as want (PGRES_COMMAND_OK, PGRES_TUPLES_OK). The result, which
 * the caller clears, or NULL after reporting (*rc: -1 or STORE_BUSY).
 */
PGresult *pg_query(struct pg *pg, const char *sql, int n,
		   const char *const *params, ExecStatusType want,
		   const char *what, int *rc);
/* Runs sql (one or more statements) without parameters, any rows it
 * returns unread; 0, -1 or STORE_BUSY (reported). */
int pg_exec(struct pg *pg, const char *sql, const char *what);

/* A parameter's text for v, in buf. */
const char *pg_num(char buf[24], long long v);
/* Runs sql (no rows wanted); 0, -1 or STORE_BUSY (reported). */
int pg_run(struct pg *pg, const char *sql, int n, const char *const *params,
	   const char *what);
/* Runs sql for one integer: the first row's first column, 0 when there
 * is no row (or it is NULL), or -1 or STORE_BUSY (reported). */
long long pg_id(struct pg *pg, const char *sql, int n,
		const char *const *params, const char *what);
/* Column col of row as an integer (0 for NULL). */
long long pg_int(const PGresult *res, int row, int col);
/* Column col of row as bytes of a bytea (text result) into out, at most
 * size; returns their length, or 0 for NULL or more than size. */
size_t pg_bytes(const PGresult *res, int row, int col, unsigned char *out,
		size_t size);
/* A bytea parameter's text for p (len bytes); caller frees. */
char *pg_bytea(const void *p, size_t len);
/* Hands each row of res to fn as strings ("" for NULL); 0, or -1 when fn
 * stopped. */
int pg_each_row(const PGresult *res, store_row_fn fn, void *ctx);
/* pg_each_row() with column time_col, seconds since 1970, given as ISO
 * 8601 (as SQLite's listings give it); -1: none. */
int pg_each_row_at(const PGresult *res, int time_col, store_row_fn fn,
		   void *ctx);

/* ==== COPY (store_pg_bulk.c) ==== */

/* Sends rows, lines of COPY's text format, through sql (COPY ... FROM
 * STDIN); 0, -1 or STORE_BUSY (reported as what). */
int copy_in(struct pg *pg, const char *sql, const struct sbuf *rows,
	    const char *what);
/* Writes the new users, memberships and audit events waiting; 0, -1 or
 * STORE_BUSY. */
int pg_flush_users(struct pg *pg);
/* Writes the audit events waiting (store_pg_audit.c). */
int pg_flush_audit(struct pg *pg);
/* Forgets what waits and what the transaction knew (its end). */
void pg_bulk_clear(struct pg *pg);

/* ==== Locks and chains (store_pg.c, store_pg_audit.c) ==== */

/*
 * The advisory locks of tempass: "tmps" and "tmpw" as numbers (one
 * bigint key each), and "tmpc" with a chain's id (two int4 keys, which
 * PostgreSQL keeps apart from the bigint keys), unlikely to meet another
 * application's. LOCK_WRITE is the database's: a transaction that knows
 * its site holds it shared, with its chain's lock; one that does not, or
 * that changes what every chain stands on (store copy), holds it alone.
 */
#define LOCK_SCHEMA 0x746d7073LL
#define LOCK_WRITE 0x746d7077LL
#define LOCK_CHAIN 0x746d7063
/* The chain of site (the database's own, 1, for 0); 0 when there is no
 * such site, or -1 or STORE_BUSY (reported). */
long long pg_chain_of(struct pg *pg, long long site);
/* Locks chain for the open transaction, once; 0, -1 or STORE_BUSY. */
int pg_lock_chain(struct pg *pg, long long chain);

#endif
