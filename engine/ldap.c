/*
 * ldap: writing a batch as LDIF change records (see ldap.h for the
 * marker that keeps an older file from undoing a newer one). The hashes
 * are made on the workers first, the file written in order after.
 */
#include "engine/ldap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/secrets.h"
#include "core/template.h"
#include "core/workers.h"
#include "formats/ldif.h"

int ldap_check(const struct ctx *ctx)
{
	const struct config *c = ctx->cfg;

	if (!c->ldap_dn) {
		errorf("'%s': [ldap] dn is not set (e.g. dn = "
		       "uid={{username}},ou=pupils,dc=example,dc=org)",
		       c->path);
		return EX_CONFIG;
	}
	if (!c->ldap_marker) {
		errorf("'%s': [ldap] marker is not set: name a single-valued "
		       "attribute of the users' entries that nothing else "
		       "uses, to hold which batch set the password", c->path);
		return EX_CONFIG;
	}
	return 0;
}

static int note_previous(void *arg, const char *username, long long version)
{
	struct ldap_previous *p = arg;

	hmap_put(&p->map, arena_strdup(&p->names, username),
		 (void *)(intptr_t)version);
	return 0;
}

int ldap_previous_load(struct ctx *ctx, long long below,
		       struct ldap_previous *p)
{
	int rc = store_previous_versions(ctx->store, ctx->site_id, below,
					 note_previous, p);

	if (rc != 0)
		return store_status(rc);
	p->loaded = 1;
	return 0;
}

void ldap_previous_release(struct ldap_previous *p)
{
	hmap_release(&p->map);
	arena_release(&p->names);
	p->loaded = 0;
}

char *ldap_marker(const char *site, long long version, const char *username)
{
	return xasprintf("tempass %s v%lld %s", site, version, username);
}

/* ==== Hashing on the workers ==== */

struct hashing {
	const struct ctx *ctx;
	const struct emit_table *t;
	long pw;                     /* the password column */
	size_t from, to;
	char (*out)[SECRETS_PWHASH_MAX];   /* out[r - first row of t] */
	size_t base;
	int failed;
};

static void *hash_range(void *arg)
{
	struct hashing *h = arg;
	const struct config *c = h->ctx->cfg;

	for (size_t r = h->from; r < h->to && !h->failed; r++) {
		const char *pw = h->t->rows[r][h->pw];

		if (c->ldap_ssha) {
			ssha_hash(pw, strlen(pw), h->out[r - h->base]);
			continue;
		}
		if (pwhash_cost(pw, strlen(pw), c->ldap_argon2_ops,
				c->ldap_argon2_mem_kib,
				h->out[r - h->base]) != 0)
			h->failed = 1;
	}
	return NULL;
}

static int hash_all(const struct ctx *ctx, const struct emit_table *t,
		    long pw, size_t from, size_t to,
		    char (*out)[SECRETS_PWHASH_MAX])
{
	size_t n = to - from, nthreads = workers_jobs();
	struct hashing *parts;
	int failed = 0;

	if (nthreads > n)
		nthreads = n ? n : 1;
	parts = xcalloc(nthreads, sizeof(*parts));
	for (size_t i = 0; i < nthreads; i++)
		parts[i] = (struct hashing){ ctx, t, pw,
					     from + n * i / nthreads,
					     from + n * (i + 1) / nthreads,
					     out, from, 0 };
	workers_run(nthreads, hash_range, parts, sizeof(*parts));
	for (size_t i = 0; i < nthreads; i++)
		failed |= parts[i].failed;
	free(parts);
	return failed ? -1 : 0;
}

/* ==== Writing ==== */

struct row_lookup {
	const struct emit_table *t;
	const char **row;
};

/* A placeholder's value: the record's column of that name; NULL when the
 * records have no such column or it is empty, which would make a DN
 * that names no entry ("ou=,ou=pupils"). */
static const char *row_value(void *arg, const char *name)
{
	struct row_lookup *l = arg;

	for (size_t i = 0; i < l->t->ncols; i++)
		if (strcmp(l->t->cols[i], name) == 0)
			return *l->row[i] ? l->row[i] : NULL;
	return NULL;
}

static long col(const struct emit_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (long)i;
	return -1;
}

/* One change record for row into sb. -1 after reporting. */
static int record(struct ctx *ctx, const struct ldap_previous *prev,
		  const struct emit_table *t, const char **row,
		  const char *hash, struct sbuf *sb)
{
	const struct config *c = ctx->cfg;
	long u = col(t, "username"), v = col(t, "version");
	const char *site = ctx->site->code;
	long long version = strtoll(row[v], NULL, 10), before;
	struct row_lookup l = { t, row };
	struct sbuf dn = SBUF_INIT, pw = SBUF_INIT;
	char *mark;

	if (template_render(c->ldap_dn, TEMPLATE_DN, row_value, &l,
			    &dn) != 0) {
		errorf("ldif: no DN for '%s': [ldap] dn needs a value the "
		       "record does not have", row[u]);
		sbuf_release(&dn);
		return -1;
	}
	sbuf_addch(sb, '\n');
	ldif_line(sb, "dn", dn.buf);
	sbuf_addstr(sb, "changetype: modify\n");
	before = prev ? (long long)(intptr_t)hmap_get(&prev->map, row[u]) : 0;
	if (before) {
		mark = ldap_marker(site, before, row[u]);
		sbuf_addf(sb, "delete: %s\n", c->ldap_marker);
		ldif_line(sb, c->ldap_marker, mark);
		sbuf_addstr(sb, "-\n");
		free(mark);
	}
	mark = ldap_marker(site, version, row[u]);
	sbuf_addf(sb, "add: %s\n", c->ldap_marker);
	ldif_line(sb, c->ldap_marker, mark);
	sbuf_addstr(sb, "-\n");
	free(mark);
	if (!c->ldap_ssha)
		sbuf_addstr(&pw, "{ARGON2}");
	sbuf_addstr(&pw, hash);
	sbuf_addstr(sb, "replace: userPassword\n");
	ldif_line(sb, "userPassword", pw.buf);
	sbuf_addstr(sb, "-\n");
	if (c->ldap_ppolicy)
		sbuf_addstr(sb, "replace: pwdReset\npwdReset: TRUE\n-\n");
	sbuf_release(&dn);
	sbuf_release(&pw);
	return 0;
}

int ldap_write(struct ctx *ctx, const struct ldap_previous *prev,
	       const struct emit_table *t, size_t from, size_t to, FILE *fp)
{
	long pw = col(t, "password"), u = col(t, "username");
	long v = col(t, "version"), g = col(t, "generated_at");
	char (*hashes)[SECRETS_PWHASH_MAX] = NULL;
	struct sbuf sb = SBUF_INIT;
	int rc;

	if ((rc = ldap_check(ctx)) != 0)
		return rc;
	if (pw < 0 || u < 0 || v < 0) {
		errorf("ldif: the records need 'username', 'password' and "
		       "'version' columns");
		return EX_DATAERR;
	}
	for (size_t r = from; r < to; r++) {
		if (!*t->rows[r][u] || !*t->rows[r][pw] ||
		    !*t->rows[r][v]) {
			errorf("ldif: record %zu has no username, password "
			       "or version", r - from + 1);
			return EX_DATAERR;
		}
	}
	/* Every DN made once first: a record that has none stops the file
	 * before any of it is written, even to standard output. */
	for (size_t r = from; r < to; r++) {
		if (record(ctx, prev, t, t->rows[r], "", &sb) != 0) {
			sbuf_release(&sb);
			return EX_DATAERR;
		}
		sbuf_reset(&sb);
	}
	if (ctx->cfg->ldap_ssha)
		warnf("[ldap] scheme = ssha: {SSHA} (salted SHA-1) is quick to "
		      "guess from the file; use argon2 once the directory "
		      "loads slapd's argon2 module");
	_Static_assert(SECRETS_SSHA_MAX <= SECRETS_PWHASH_MAX,
		       "an {SSHA} value fits where an Argon2id one does");
	hashes = secrets_alloc((to - from + 1) * sizeof(*hashes));
	if (hash_all(ctx, t, pw, from, to, hashes) != 0) {
		rc = EX_SOFTWARE;
		goto out;
	}
	sbuf_addf(&sb, "# tempass batch v%s site %s generated %s: %zu "
		  "user(s)\n", to > from ? t->rows[from][v] : "0",
		  ctx->site->code, g >= 0 && to > from ? t->rows[from][g] : "",
		  to - from);
	sbuf_addf(&sb, "# no passwords here, only their %s hashes; a "
		  "record of an older batch\n# than the directory holds "
		  "fails on its %s\nversion: 1\n",
		  ctx->cfg->ldap_ssha ? "{SSHA}" : "{ARGON2}",
		  ctx->cfg->ldap_marker);
	for (size_t r = from; r < to; r++) {
		if (record(ctx, prev, t, t->rows[r], hashes[r - from],
			   &sb) != 0) {
			rc = EX_DATAERR;
			goto out;
		}
		if (sb.len > 65536 || r + 1 == to) {
			if (fwrite(sb.buf, 1, sb.len, fp) != sb.len) {
				util_write_failed(errno);
				errorf("cannot write LDIF: %m");
				rc = EX_IOERR;
				goto out;
			}
			sbuf_reset(&sb);
		}
	}
	if (sb.len && fwrite(sb.buf, 1, sb.len, fp) != sb.len) {
		util_write_failed(errno);
		errorf("cannot write LDIF: %m");
		rc = EX_IOERR;
	}
out:
	secrets_free(hashes);
	sbuf_release(&sb);
	return rc;
}

/* ==== Reading a written file back ==== */

/* The marker this record adds, parsed: 0, or -1 when it has none. */
static int added_marker(const struct ldif_entry *e, const char *marker,
			char **site, long long *version, char **user)
{
	const char *target = NULL;

	for (size_t i = 0; i < e->n; i++) {
		const struct ldif_attr *a = &e->attrs[i];
		char s[64], u[256];
		int end = 0;

		if (strcmp(a->name, "-") == 0) {
			target = NULL;
		} else if (strcasecmp(a->name, "add") == 0) {
			target = a->value;
		} else if (target && strcasecmp(target, marker) == 0 &&
			   strcasecmp(a->name, marker) == 0 &&
			   sscanf(a->value, "tempass %63s v%lld %255s%n", s,
				  version, u, &end) == 3 && !a->value[end]) {
			*site = xstrdup(s);
			*user = xstrdup(u);
			return 0;
		}
	}
	return -1;
}

int ldap_read_records(struct ctx *ctx, FILE *in, const char *name,
		      struct emit_table *t, struct arena *arena)
{
	static const char *const cols[] = { "username", "version", "dn" };
	struct ldif_reader *r = ldif_reader_new(in, name);
	struct ldif_entry *e;
	size_t cap = 0;
	int got, rc = 0;

	if ((rc = ldap_check(ctx)) != 0)
		goto out;
	t->cols = cols;
	t->ncols = ARRAY_SIZE(cols);
	while ((got = ldif_read(r, &e)) > 0) {
		char *site = NULL, *user = NULL, num[32];
		long long version;
		const char **row;

		if (added_marker(e, ctx->cfg->ldap_marker, &site, &version,
				 &user) != 0) {
			errorf("'%s':%lu: the record adds no %s marker: not a "
			       "file of emit ldif", name, e->line,
			       ctx->cfg->ldap_marker);
			rc = EX_DATAERR;
			goto out;
		}
		if (strcmp(site, ctx->site->code) != 0) {
			errorf("'%s':%lu: the record is of site '%s', not "
			       "'%s'", name, e->line, site, ctx->site->code);
			free(site);
			free(user);
			rc = EX_DATAERR;
			goto out;
		}
		snprintf(num, sizeof(num), "%lld", version);
		row = arena_alloc(arena, 3 * sizeof(*row));
		row[0] = arena_strdup(arena, user);
		row[1] = arena_strdup(arena, num);
		row[2] = arena_strdup(arena, e->attrs[0].value);
		free(site);
		free(user);
		if (t->nrows == cap) {
			cap = cap ? cap * 2 : 1024;
			t->rows = xrealloc(t->rows, cap * sizeof(*t->rows));
		}
		t->rows[t->nrows++] = row;
	}
	if (got < 0)
		rc = EX_DATAERR;
out:
	ldif_reader_free(r);
	return rc;
}
