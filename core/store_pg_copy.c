/*
 * store_pg_copy: store copy's side on PostgreSQL: the transaction that
 * takes a SQLite store's rows (read by store_copy.c) through COPY, under
 * the database's lock alone, so that no school writes while the offsets
 * are read and the rows go in, and so that a failure, or the copy's
 * process killed, leaves the database as it was (the server rolls back a
 * transaction whose connection is gone).
 */
#include "core/store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tables of each kind of id, in enum copy_ids' order. */
static const char *const id_tables[COPY_NIDS] = {
	"site", "\"user\"", "grp", "admin", "batch", "credential",
	"reset_token", "delivery", "pending_list", "audit",
};

int pg_copy_begin(struct pg *pg, long long off[COPY_NIDS])
{
	int rc;

	/* No site named: pg_begin() takes the database's lock alone. */
	ASSERT(!pg->chain);
	if ((rc = pg_begin(pg)) != 0)
		return rc;
	for (int i = 0; i < COPY_NIDS; i++) {
		char sql[96];

		snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM %s",
			 id_tables[i]);
		if ((off[i] = pg_id(pg, sql, 0, NULL, "cannot read ids")) < 0) {
			rc = (int)off[i];
			pg_rollback(pg);
			return rc;
		}
	}
	return 0;
}

long long pg_copy_chain(struct pg *pg, const char *origin,
			const long long off[COPY_NIDS])
{
	char b[3][24];
	const char *p[] = { origin, pg_num(b[0], off[COPY_SITE]),
			    pg_num(b[1], off[COPY_USER]),
			    pg_num(b[2], off[COPY_BATCH]) };

	return pg_id(pg, "INSERT INTO chain (origin, site_off, user_off,"
		     " batch_off) VALUES ($1, $2, $3, $4) RETURNING id", 4, p,
		     "cannot add the audit chain");
}

int pg_copy_taken(struct pg *pg, const char *table, const char *value)
{
	const char *p[] = { value };
	int site = strcmp(table, "site") == 0;
	long long n = pg_id(pg, site ? "SELECT 1 FROM site WHERE code = $1" :
			    "SELECT 1 FROM admin WHERE name = $1", 1, p,
			    "cannot read the target");

	if (n > 0 && site)
		errorf("%s: site '%s' is there already: a school is copied "
		       "once, into a database that does not hold its site",
		       pg->name, value);
	else if (n > 0)
		errorf("%s: admin '%s' is there already: admins' names are "
		       "the database's, not a school's; give the school's "
		       "its own name first ('tempass admin rename %s NEW' on "
		       "the store copied)", pg->name, value, value);
	return (int)n;
}

int pg_copy_type(struct pg *pg, const char *name)
{
	const char *p[] = { name };

	return pg_run(pg, "INSERT INTO user_type (name) VALUES ($1)"
		      " ON CONFLICT DO NOTHING", 1, p, "cannot add user type");
}

int pg_copy_rows(struct pg *pg, const char *table, const char *cols,
		 const struct sbuf *rows)
{
	char *sql = xasprintf("COPY %s (%s) FROM STDIN", table, cols);
	char *what = xasprintf("cannot copy into %s", table);
	int rc = copy_in(pg, sql, rows, what);

	free(sql);
	free(what);
	return rc;
}

int pg_copy_finish(struct pg *pg)
{
	int rc = 0;

	for (int i = 0; i < COPY_NIDS && rc == 0; i++) {
		char *sql = xasprintf("SELECT setval(pg_get_serial_sequence("
				      "'%s', 'id'), coalesce(max(id), 0) + 1,"
				      " false) FROM %s", id_tables[i],
				      id_tables[i]);

		rc = pg_exec(pg, sql, "cannot move the ids on");
		free(sql);
	}
	if (rc != 0) {
		pg_rollback(pg);
		return rc;
	}
	return pg_commit(pg);
}
