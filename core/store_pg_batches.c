/*
 * store_pg_batches: batches and the lists pending publication
 * (PostgreSQL).
 */
#include "core/store_pg_int.h"

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
