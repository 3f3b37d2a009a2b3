/*
 * store_pg_users: sites, groups and memberships (PostgreSQL). Listings
 * are ordered and searched as SQLite's are, by collate_cmp() and
 * translit_search() in C over the site's rows, so that both stores list
 * the same names in the same order.
 */
#include "core/store_pg_int.h"

#include "core/collate.h"
#include "core/translit.h"

#include <stdlib.h>
#include <string.h>

/* ==== Sites ==== */

/* One statement: two processes adding the same site at once get one. */
long long pg_site(struct pg *pg, const char *code, const char *name)
{
	const char *p[] = { code, name };
	long long id = pg_id(pg, "SELECT id FROM site WHERE code = $1 AND"
			     " name = $2", 2, p, "cannot read site");

	if (id != 0)
		return id;
	return pg_id(pg, "INSERT INTO site (code, name) VALUES ($1, $2)"
		     " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name"
		     " RETURNING id", 2, p, "cannot add site");
}

/* ==== Groups and memberships ==== */

long long pg_group_create(struct pg *pg, long long site, const char *name,
			  const char *source)
{
	char b[24];
	const char *p[] = { pg_num(b, site), name, source };

	return pg_id(pg, "INSERT INTO grp (site_id, name, source)"
		     " VALUES ($1, $2, $3) RETURNING id", 3, p,
		     "cannot create group");
}

long long pg_group_id(struct pg *pg, long long site, const char *name,
		      int *roster)
{
	char b[24];
	const char *p[] = { pg_num(b, site), name };
	int rc = 0;
	long long id = 0;
	PGresult *res = pg_query(pg, "SELECT id, source = 'roster' FROM grp"
				 " WHERE site_id = $1 AND name = $2", 2, p,
				 PGRES_TUPLES_OK, "cannot read group", &rc);

	if (!res)
		return rc;
	if (pq.PQntuples(res) > 0) {
		id = pg_int(res, 0, 0);
		if (roster)
			*roster = pq.PQgetvalue(res, 0, 1)[0] == 't';
	}
	pq.PQclear(res);
	return id;
}

int pg_group_delete(struct pg *pg, long long group)
{
	char b[24];
	const char *p[] = { pg_num(b, group) };

	/* Its memberships go with it (ON DELETE CASCADE). */
	return pg_run(pg, "DELETE FROM grp WHERE id = $1", 1, p,
		      "cannot delete group");
}

long long pg_user_id(struct pg *pg, long long site, const char *username)
{
	char b[24];
	const char *p[] = { pg_num(b, site), username };

	return pg_id(pg, "SELECT id FROM \"user\" WHERE site_id = $1 AND"
		     " username = $2", 2, p, "cannot read user");
}

int pg_membership_add(struct pg *pg, long long group, long long user)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], group), pg_num(b[1], user) };

	return pg_run(pg, "INSERT INTO membership (group_id, user_id)"
		      " VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, p,
		      "cannot add membership");
}

int pg_membership_remove(struct pg *pg, long long group, long long user)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], group), pg_num(b[1], user) };

	return pg_run(pg, "DELETE FROM membership WHERE group_id = $1 AND"
		      " user_id = $2", 2, p, "cannot remove membership");
}

/* ==== Listings ==== */

struct group_row {
	const char *name, *source, *members;
};

static int by_listing(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;
	int c = collate_cmp(x->name, y->name);

	return c ? c : strcmp(x->name, y->name);
}

long pg_list_groups(struct pg *pg, long long site, const char *search,
		    long limit, long offset, store_row_fn fn, void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	struct sbuf key = SBUF_INIT, folded = SBUF_INIT;
	struct group_row *rows = NULL;
	long total = 0;
	int rc = 0;
	PGresult *res = pg_query(pg,
		"SELECT g.name, g.source, (SELECT count(*) FROM membership m"
		"  JOIN \"user\" u ON u.id = m.user_id"
		"  WHERE m.group_id = g.id AND u.status = 'active')"
		" FROM grp g WHERE g.site_id = $1", 1, p, PGRES_TUPLES_OK,
		"cannot list groups", &rc);

	if (!res)
		return rc;
	translit_search(&key, search ? search : "");
	rows = xcalloc((size_t)pq.PQntuples(res) + 1, sizeof(*rows));
	for (int r = 0; r < pq.PQntuples(res); r++) {
		const char *name = pq.PQgetvalue(res, r, 0);

		sbuf_reset(&folded);
		translit_search(&folded, name);
		if (!strstr(sbuf_str(&folded), sbuf_str(&key)))
			continue;
		rows[total].name = name;
		rows[total].source = pq.PQgetvalue(res, r, 1);
		rows[total].members = pq.PQgetvalue(res, r, 2);
		total++;
	}
	qsort(rows, (size_t)total, sizeof(*rows), by_listing);
	for (long i = offset; i < total && (limit < 0 || i < offset + limit);
	     i++) {
		const char *vals[] = { rows[i].name, rows[i].source,
				       rows[i].members };

		if (fn(ctx, vals) != 0) {
			total = -1;
			break;
		}
	}
	free(rows);
	sbuf_release(&key);
	sbuf_release(&folded);
	pq.PQclear(res);
	return total;
}
