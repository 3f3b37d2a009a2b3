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
/* The id and chain of the site with code, and whether its name is
 * name: 1, 0 when there is none, or -1 or STORE_BUSY. */
static int find_site(struct pg *pg, const char *code, const char *name,
		     long long *id, long long *chain, int *same)
{
	const char *p[] = { code, name };
	int rc = 0;
	PGresult *res = pg_query(pg, "SELECT id, chain_id, name = $2 FROM site"
				 " WHERE code = $1", 2, p, PGRES_TUPLES_OK,
				 "cannot read site", &rc);

	if (!res)
		return rc;
	if ((rc = pq.PQntuples(res)) == 1) {
		*id = pg_int(res, 0, 0);
		*chain = pg_int(res, 0, 1);
		*same = pq.PQgetvalue(res, 0, 2)[0] == 't';
	}
	pq.PQclear(res);
	return rc;
}

/*
 * A new site gets an audit chain of its own. It is made under the
 * database's lock alone (outside another transaction), after which the
 * code is looked up again: of two processes making it at once, the
 * second finds the first's.
 */
static int add_site(struct pg *pg, const char *code, const char *name,
		    long long *id, long long *chain)
{
	const char *p[] = { code, name };
	long long chain_was = pg->chain;
	int own = !pg->in_tx, same, rc = 0;
	PGresult *res;

	/* As a process that names no site: the database's lock alone. */
	pg->chain = 0;
	rc = own ? pg_begin(pg) : 0;
	pg->chain = chain_was;
	if (rc != 0)
		return rc;
	if ((rc = find_site(pg, code, name, id, chain, &same)) < 0)
		goto out;
	if (rc == 0) {
		res = pg_query(pg, "WITH c AS (INSERT INTO chain (origin)"
			       " VALUES ('this database') RETURNING id)"
			       " INSERT INTO site (code, name, chain_id)"
			       " SELECT $1, $2, id FROM c RETURNING id,"
			       " chain_id", 2, p, PGRES_TUPLES_OK,
			       "cannot add site", &rc);
		if (!res)
			goto out;
		*id = pg_int(res, 0, 0);
		*chain = pg_int(res, 0, 1);
		pq.PQclear(res);
	}
	rc = 0;
out:
	if (own)
		rc = rc == 0 ? pg_commit(pg) : (pg_rollback(pg), rc);
	return rc;
}

long long pg_site(struct pg *pg, const char *code, const char *name)
{
	const char *p[] = { code, name };
	long long id = 0, chain = 0;
	int same = 1, rc = find_site(pg, code, name, &id, &chain, &same);

	if (rc == 0)
		rc = add_site(pg, code, name, &id, &chain);
	else if (rc > 0 && !same)
		rc = pg_run(pg, "UPDATE site SET name = $2 WHERE code = $1",
			    2, p, "cannot rename site");
	else if (rc > 0)
		rc = 0;
	if (rc != 0)
		return rc;
	/* The first site named is the one the process works for. */
	if (!pg->site) {
		pg->site = id;
		pg->chain = chain;
	}
	return id;
}

int pg_seal_offsets(struct pg *pg, long long site, long long off[3])
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	int rc = 0;
	PGresult *res = pg_query(pg, "SELECT c.site_off, c.user_off,"
				 " c.batch_off FROM site s JOIN chain c"
				 " ON c.id = s.chain_id WHERE s.id = $1", 1, p,
				 PGRES_TUPLES_OK, "cannot read site", &rc);

	if (!res)
		return rc;
	for (int i = 0; i < 3; i++)
		off[i] = pq.PQntuples(res) == 1 ? pg_int(res, 0, i) : 0;
	pq.PQclear(res);
	return 0;
}

/* ==== Users (import) ==== */

/* Column col of row, a copy (NULL for NULL); caller frees. */
static char *dup_col(const PGresult *res, int row, int col)
{
	return pq.PQgetisnull(res, row, col) ? NULL :
	       xstrdup(pq.PQgetvalue(res, row, col));
}

int pg_users_load(struct pg *pg, long long site, struct store_user **out,
		  size_t *n)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	struct store_user *v;
	size_t len, j = 0;
	int rc = 0;
	PGresult *res = pg_query(pg,
		"SELECT id, roster, external_id, username, forename, surname,"
		" dob, email, email_verified, user_type, status = 'left', class"
		" FROM \"user\" WHERE site_id = $1 ORDER BY id", 1, p,
		PGRES_TUPLES_OK, "cannot read users", &rc);

	if (!res)
		return rc;
	len = (size_t)pq.PQntuples(res);
	v = xcalloc(len + 1, sizeof(*v));
	for (size_t i = 0; i < len; i++) {
		struct store_user *u = &v[i];
		int r = (int)i;

		u->id = pg_int(res, r, 0);
		u->roster = dup_col(res, r, 1);
		u->external_id = dup_col(res, r, 2);
		u->username = dup_col(res, r, 3);
		u->forename = dup_col(res, r, 4);
		u->surname = dup_col(res, r, 5);
		u->dob = dup_col(res, r, 6);
		u->email = dup_col(res, r, 7);
		u->email_verified = (int)pg_int(res, r, 8);
		u->user_type = dup_col(res, r, 9);
		u->left = pq.PQgetvalue(res, r, 10)[0] == 't';
		u->class_name = dup_col(res, r, 11);
	}
	pq.PQclear(res);
	res = pg_query(pg, "SELECT m.user_id, m.group_id FROM membership m"
		       " JOIN grp g ON g.id = m.group_id"
		       " WHERE g.site_id = $1 AND g.source = 'roster'"
		       " ORDER BY m.user_id, m.group_id", 1, p,
		       PGRES_TUPLES_OK, "cannot read users", &rc);
	if (!res) {
		for (size_t i = 0; i < len; i++)
			store_user_release(&v[i]);
		free(v);
		return rc;
	}
	/* Both lists are ordered by user id: merge them. */
	for (int r = 0; r < pq.PQntuples(res); r++) {
		long long uid = pg_int(res, r, 0);

		while (j < len && v[j].id < uid)
			j++;
		if (j == len || v[j].id != uid)
			continue;
		v[j].groups = xrealloc(v[j].groups, (v[j].ngroups + 1) *
				       sizeof(*v[j].groups));
		v[j].groups[v[j].ngroups++] = pg_int(res, r, 1);
	}
	pq.PQclear(res);
	*out = v;
	*n = len;
	return 0;
}

int pg_groups_load(struct pg *pg, long long site,
		   void (*fn)(void *ctx, const char *name, long long id,
			      int roster),
		   void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	int rc = 0;
	PGresult *res = pg_query(pg, "SELECT name, id, source = 'roster'"
				 " FROM grp WHERE site_id = $1", 1, p,
				 PGRES_TUPLES_OK, "cannot read groups", &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res); r++)
		fn(ctx, pq.PQgetvalue(res, r, 0), pg_int(res, r, 1),
		   pq.PQgetvalue(res, r, 2)[0] == 't');
	pq.PQclear(res);
	return 0;
}

int pg_user_update(struct pg *pg, const struct store_user *u, long long now)
{
	char b[3][24];
	const char *tp[] = { u->user_type };
	const char *p[] = {
		u->username, u->forename, u->surname, u->dob, u->email,
		pg_num(b[0], u->email_verified), u->user_type,
		u->left ? "left" : "active", pg_num(b[1], now), u->class_name,
		pg_num(b[2], u->id),
	};
	int rc = pg_run(pg, "INSERT INTO user_type (name) VALUES ($1)"
			" ON CONFLICT DO NOTHING", 1, tp,
			"cannot add user type");

	return rc ? rc : pg_run(pg, "UPDATE \"user\" SET username = $1,"
				" forename = $2, surname = $3, dob = $4,"
				" email = $5, email_verified = $6,"
				" user_type = $7, status = $8,"
				" updated_at = $9, class = $10 WHERE id = $11",
				11, p, "cannot update user");
}

int pg_user_leave(struct pg *pg, long long user, long long now)
{
	char b[2][24];
	const char *p[] = { pg_num(b[0], now), pg_num(b[1], user) };
	int rc = 0, n;
	PGresult *res;

	if ((rc = pg_run(pg, "UPDATE \"user\" SET status = 'left',"
			 " updated_at = $1 WHERE id = $2", 2, p,
			 "cannot mark user as left")) != 0)
		return rc;
	res = pg_query(pg, "UPDATE credential SET state = 'revoked',"
		       " ended_at = $1, sealed = NULL, pwhash = NULL"
		       " WHERE user_id = $2 AND state = 'current'", 2, p,
		       PGRES_COMMAND_OK, "cannot revoke credential", &rc);
	if (!res)
		return rc;
	n = atoi(pq.PQcmdTuples(res));
	pq.PQclear(res);
	rc = pg_run(pg, "UPDATE reset_token SET state = 'revoked',"
		    " ended_at = $1 WHERE user_id = $2 AND state = 'current'",
		    2, p, "cannot revoke reset tokens");
	return rc ? rc : n;
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

	/* Its memberships go with it (the trigger grp_kept). */
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

/* A user of a listing, and the groups that go in its groups column. */
struct user_row {
	long long id;
	const char *const *vals;      /* the listing's columns but groups */
	char *groups;                 /* "7A, Year 7", in listing order */
};

static int users_by_listing(const void *a, const void *b)
{
	const struct user_row *x = a, *y = b;
	int c = collate_cmp(x->vals[2], y->vals[2]);

	if (!c)
		c = collate_cmp(x->vals[1], y->vals[1]);
	return c ? c : strcmp(x->vals[0], y->vals[0]);
}

static int names_by_listing(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return collate_cmp(*x, *y);
}

/* Whether the folded s holds key. */
static int holds(struct sbuf *scratch, const char *s, const char *key)
{
	sbuf_reset(scratch);
	translit_search(scratch, s);
	return strstr(sbuf_str(scratch), key) != NULL;
}

int pg_list_users(struct pg *pg, long long site, const char *group,
		  const char *search, const char *username, store_row_fn fn,
		  void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site), group, username };
	struct sbuf key = SBUF_INIT, scratch = SBUF_INIT;
	struct user_row *rows;
	const char **vals;
	size_t n = 0;
	int rc = 0, nu, ng;
	PGresult *users = pg_query(pg,
		"SELECT u.id, u.username, u.forename, u.surname,"
		" u.external_id, u.user_type, coalesce(u.email, ''),"
		" CASE u.email_verified WHEN 1 THEN 'yes' ELSE 'no' END,"
		" u.status FROM \"user\" u WHERE u.site_id = $1"
		" AND ($2::text IS NULL OR u.id IN (SELECT m.user_id"
		"   FROM membership m JOIN grp g ON g.id = m.group_id"
		"   WHERE g.site_id = $1 AND g.name = $2))"
		" AND ($3::text IS NULL OR u.username = $3)"
		" ORDER BY u.id", 3, p, PGRES_TUPLES_OK, "cannot list users",
		&rc);
	PGresult *groups;

	if (!users)
		return rc;
	groups = pg_query(pg, "SELECT m.user_id, g.name FROM membership m"
			  " JOIN grp g ON g.id = m.group_id"
			  " WHERE g.site_id = $1 ORDER BY m.user_id", 1, p,
			  PGRES_TUPLES_OK, "cannot list users", &rc);
	if (!groups) {
		pq.PQclear(users);
		return rc;
	}
	nu = pq.PQntuples(users);
	ng = pq.PQntuples(groups);
	rows = xcalloc((size_t)nu + 1, sizeof(*rows));
	vals = xcalloc((size_t)nu * 8 + 1, sizeof(*vals));
	if (search)
		translit_search(&key, search);
	for (int r = 0, g = 0; r < nu; r++) {
		struct user_row *u = &rows[n];
		const char **v = &vals[n * 8];
		const char **names = NULL;
		size_t nn = 0;
		struct sbuf joined = SBUF_INIT;

		u->id = pg_int(users, r, 0);
		for (int i = 0; i < 8; i++)
			v[i] = pq.PQgetvalue(users, r, i + 1);
		while (g < ng && pg_int(groups, g, 0) < u->id)
			g++;
		for (; g < ng && pg_int(groups, g, 0) == u->id; g++) {
			names = xrealloc(names, (nn + 1) * sizeof(*names));
			names[nn++] = pq.PQgetvalue(groups, g, 1);
		}
		if (search) {
			char *full = xasprintf("%s %s", v[1], v[2]);
			int hit = holds(&scratch, v[0], sbuf_str(&key)) ||
				  holds(&scratch, full, sbuf_str(&key)) ||
				  holds(&scratch, v[3], sbuf_str(&key)) ||
				  (v[5][0] &&
				   holds(&scratch, v[5], sbuf_str(&key)));

			free(full);
			if (!hit) {
				free(names);
				continue;
			}
		}
		qsort(names, nn, sizeof(*names), names_by_listing);
		for (size_t i = 0; i < nn; i++)
			sbuf_addf(&joined, "%s%s", i ? ", " : "", names[i]);
		free(names);
		u->groups = sbuf_detach(&joined);
		u->vals = v;
		n++;
	}
	qsort(rows, n, sizeof(*rows), users_by_listing);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *const *v = rows[i].vals;
		const char *out[] = { v[0], v[1], v[2], v[3], v[4],
				      rows[i].groups, v[5], v[6], v[7] };

		if (fn(ctx, out) != 0)
			rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].groups);
	free(rows);
	free(vals);
	sbuf_release(&key);
	sbuf_release(&scratch);
	pq.PQclear(users);
	pq.PQclear(groups);
	return rc;
}

int pg_user_types(struct pg *pg, long long site,
		  void (*fn)(void *ctx, const char *name), void *ctx)
{
	char b[24];
	const char *p[] = { pg_num(b, site) };
	int rc = 0;
	PGresult *res = pg_query(pg, "SELECT user_type FROM \"user\""
				 " WHERE site_id = $1 GROUP BY user_type"
				 " ORDER BY user_type COLLATE \"C\"", 1, p,
				 PGRES_TUPLES_OK, "cannot read user types",
				 &rc);

	if (!res)
		return rc;
	for (int r = 0; r < pq.PQntuples(res); r++)
		fn(ctx, pq.PQgetvalue(res, r, 0));
	pq.PQclear(res);
	return 0;
}

/* ==== Who has not claimed ==== */

/* A row of the unclaimed listing: its values, and what it sorts by. */
struct unclaimed_row {
	const char *vals[13];
	char *groups;
	char created[32], expires[32];
	const char *class_or_group;
	long long expires_at, version;
};

/* The order asked for (store_list_unclaimed()'s sort). */
static const char *unclaimed_sort;

static int unclaimed_cmp(const void *a, const void *b)
{
	const struct unclaimed_row *x = a, *y = b;
	const char *s = unclaimed_sort;
	int c = 0;

	if (strcmp(s, "username") == 0)
		return strcmp(x->vals[0], y->vals[0]);
	if (strcmp(s, "group") == 0)
		c = collate_cmp(x->class_or_group, y->class_or_group);
	else if (strcmp(s, "expires") == 0)
		c = (x->expires_at > y->expires_at) -
		    (x->expires_at < y->expires_at);
	else if (strcmp(s, "version") == 0)
		c = (x->version > y->version) - (x->version < y->version);
	if (!c)
		c = collate_cmp(x->vals[2], y->vals[2]);
	if (!c && strcmp(s, "expires") != 0 && strcmp(s, "version") != 0)
		c = collate_cmp(x->vals[1], y->vals[1]);
	if (!c && strcmp(s, "name") == 0)
		c = strcmp(x->vals[0], y->vals[0]);
	return c;
}

int pg_list_unclaimed(struct pg *pg, long long site, const char *group,
		      const char *search, const char *sort, int max_failed,
		      store_row_fn fn, void *ctx)
{
	static const char *const sorts[] = { "name", "username", "group",
					     "expires", "version" };
	char b[3][24];
	const char *p[] = { pg_num(b[0], site), group,
			    pg_num(b[1], now_seconds()),
			    pg_num(b[2], max_failed) };
	struct sbuf key = SBUF_INIT, scratch = SBUF_INIT;
	struct unclaimed_row *rows;
	PGresult *res, *groups;
	size_t n = 0;
	int rc = 0, nu, ng, known = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sorts); i++)
		known |= strcmp(sort, sorts[i]) == 0;
	if (!known)
		return -1;
	res = pg_query(pg,
		"SELECT u.username, u.forename, u.surname, b.version,"
		" b.created_at, c.expires_at,"
		" CASE WHEN c.state <> 'current' THEN c.state"
		"  WHEN c.expires_at <= $3 THEN 'expired'"
		"  WHEN c.failed >= $4 THEN 'locked'"
		"  ELSE 'current' END,"
		" c.id, u.id, b.id, c.state, c.grp, coalesce(u.class, c.grp)"
		" FROM \"user\" u"
		" JOIN credential c ON c.id = (SELECT max(id) FROM credential"
		"  WHERE user_id = u.id)"
		" JOIN batch b ON b.id = c.batch_id"
		" WHERE u.site_id = $1 AND u.status = 'active'"
		" AND u.claimed_at IS NULL"
		" AND ($2::text IS NULL OR u.id IN (SELECT m.user_id"
		"   FROM membership m JOIN grp g ON g.id = m.group_id"
		"   WHERE g.site_id = $1 AND g.name = $2))"
		" ORDER BY u.id", 4, p, PGRES_TUPLES_OK,
		"cannot list unclaimed", &rc);
	if (!res)
		return rc;
	groups = pg_query(pg, "SELECT m.user_id, g.name FROM membership m"
			  " JOIN grp g ON g.id = m.group_id"
			  " WHERE g.site_id = $1 ORDER BY m.user_id", 1, p,
			  PGRES_TUPLES_OK, "cannot list unclaimed", &rc);
	if (!groups) {
		pq.PQclear(res);
		return rc;
	}
	nu = pq.PQntuples(res);
	ng = pq.PQntuples(groups);
	rows = xcalloc((size_t)nu + 1, sizeof(*rows));
	if (search)
		translit_search(&key, search);
	for (int r = 0, g = 0; r < nu; r++) {
		struct unclaimed_row *u = &rows[n];
		long long uid = pg_int(res, r, 8);
		const char **names = NULL;
		struct sbuf joined = SBUF_INIT;
		size_t nn = 0;

		if (search) {
			char *full = xasprintf("%s %s", pq.PQgetvalue(res, r, 1),
					       pq.PQgetvalue(res, r, 2));
			int hit = holds(&scratch, pq.PQgetvalue(res, r, 0),
					sbuf_str(&key)) ||
				  holds(&scratch, full, sbuf_str(&key));

			free(full);
			if (!hit)
				continue;
		}
		while (g < ng && pg_int(groups, g, 0) < uid)
			g++;
		for (; g < ng && pg_int(groups, g, 0) == uid; g++) {
			names = xrealloc(names, (nn + 1) * sizeof(*names));
			names[nn++] = pq.PQgetvalue(groups, g, 1);
		}
		qsort(names, nn, sizeof(*names), names_by_listing);
		for (size_t i = 0; i < nn; i++)
			sbuf_addf(&joined, "%s%s", i ? ", " : "", names[i]);
		free(names);
		u->groups = sbuf_detach(&joined);
		format_iso8601(pg_int(res, r, 4), u->created,
			       sizeof(u->created));
		format_iso8601(pg_int(res, r, 5), u->expires,
			       sizeof(u->expires));
		u->vals[0] = pq.PQgetvalue(res, r, 0);
		u->vals[1] = pq.PQgetvalue(res, r, 1);
		u->vals[2] = pq.PQgetvalue(res, r, 2);
		u->vals[4] = pq.PQgetvalue(res, r, 3);
		for (int i = 7; i < 13; i++)
			u->vals[i] = pq.PQgetvalue(res, r, i - 1);
		u->class_or_group = pq.PQgetvalue(res, r, 12);
		u->expires_at = pg_int(res, r, 5);
		u->version = pg_int(res, r, 3);
		n++;
	}
	unclaimed_sort = sort;
	qsort(rows, n, sizeof(*rows), unclaimed_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* Moved by the sort: its own texts are pointed at here. */
		rows[i].vals[3] = rows[i].groups;
		rows[i].vals[5] = rows[i].created;
		rows[i].vals[6] = rows[i].expires;
		if (fn(ctx, rows[i].vals) != 0)
			rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].groups);
	free(rows);
	sbuf_release(&key);
	sbuf_release(&scratch);
	pq.PQclear(res);
	pq.PQclear(groups);
	return rc;
}
