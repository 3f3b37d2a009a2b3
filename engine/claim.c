/*
 * claim: a directory's report read back. A report names users by their
 * login (sAMAccountName, uid) or address (primaryEmail, mail), which the store's
 * users are matched by without regard to case, as directories match them;
 * times are Windows FILETIME (100 ns since 1601) or ISO 8601. A report is
 * applied in one transaction, so a row that cannot be read leaves every
 * user as they were.
 */
#include "engine/claim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/hmap.h"
#include "core/store.h"
#include "core/template.h"
#include "core/util.h"
#include "engine/credential.h"
#include "formats/ldif.h"
#include "formats/records.h"

/* Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
#define FILETIME_EPOCH 11644473600LL

static const struct {
	const char *name;
	enum claim_from from;
	/* the report's columns when [claim] names none */
	const char *user, *match, *changed, *login;
} froms[] = {
	{ "usernames", CLAIM_USERNAMES, "username", "username", NULL, NULL },
	{ "ad", CLAIM_AD, "sAMAccountName", "username", "pwdLastSet",
	  "lastLogonTimestamp" },
	{ "gam", CLAIM_GAM, "primaryEmail", "email", NULL, "lastLoginTime" },
	{ "ldif", CLAIM_LDIF, "uid", "username", "pwdChangedTime",
	  "authTimestamp" },
};

int claim_from_parse(const char *s, enum claim_from *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(froms); i++) {
		if (strcmp(s, froms[i].name) == 0) {
			*f = froms[i].from;
			return 0;
		}
	}
	return -1;
}

/* ==== Reading a report ==== */

static long column_ci(const struct rec_reader *r, const char *name)
{
	for (size_t i = 0; name && i < rec_ncols(r); i++)
		if (strcasecmp(rec_colname(r, i), name) == 0)
			return (long)i;
	return -1;
}

/* Whether the header line (up to its end) names col, any case. */
static int header_has(const char *head, size_t len, const char *col)
{
	size_t n = strlen(col);

	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(head + i, col, n) == 0 &&
		    (i == 0 || strchr(",\t\"", head[i - 1])) &&
		    (i + n == len || strchr(",\t\"\r", head[i + n])))
			return 1;
	return 0;
}

/* The kind of a report from its header line. */
static enum claim_from sniff(const char *head, size_t len)
{
	if (header_has(head, len, "pwdLastSet") ||
	    header_has(head, len, "lastLogonTimestamp"))
		return CLAIM_AD;
	if (header_has(head, len, "primaryEmail") ||
	    header_has(head, len, "lastLoginTime"))
		return CLAIM_GAM;
	return CLAIM_USERNAMES;
}

/*
 * A time of a report into *t (0: none: empty, 0, "Never", or before
 * 1970, as GAM writes for an account never used): FILETIME digits, or ISO
 * 8601 with optional fraction and a Z or +hh:mm offset. -1 when it is
 * neither.
 */
static int parse_when(const char *v, long long *t)
{
	char buf[32];
	const char *p;
	size_t n;
	long long off = 0;

	*t = 0;
	if (!*v || strcasecmp(v, "never") == 0)
		return 0;
	if (strspn(v, "0123456789") == strlen(v)) {
		if (strlen(v) > 19)
			return -1;
		*t = strtoll(v, NULL, 10) / 10000000 - FILETIME_EPOCH;
		if (*t < 0)
			*t = 0;
		return 0;
	}
	/* The date and time, then a fraction, then the zone. */
	n = strspn(v, "0123456789-:T ");
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	p = v + n;
	if (*p == '.' || *p == ',')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
		   isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		   p[3] == ':' && isdigit((unsigned char)p[4]) &&
		   isdigit((unsigned char)p[5])) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		      ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '+')
			off = -off;
		p += 6;
	}
	if (*p || parse_iso8601(buf, t) != 0)
		return -1;
	*t += off;
	if (*t < 0)
		*t = 0;
	return 0;
}

/* ==== Matching users ==== */

struct index {
	struct hmap by_key;       /* lower-case username or email -> username */
	struct arena arena;
	int by_email;
	/* [google] email, when set and made of the store's columns: the
	 * address emit gave the directory, which its report names */
	struct template *google;
	struct sbuf addr;
};

/* The columns of store_list_users() a [google] email template may use. */
static const char *const user_vars[] = { "username", "forename", "surname",
					 "external_id", "user_type" };

/* [google] email as a template over user_vars, or NULL when unset or when
 * it names another column (not reported: emit says so). */
static struct template *google_template(const struct config *c)
{
	struct template *t;
	const char *const *names;
	size_t n, known;

	if (!c->google_email ||
	    !(t = template_parse("[google] email", 1, c->google_email,
				 strlen(c->google_email), NULL,
				 TEMPLATE_ONE_LINE)))
		return NULL;
	names = template_names(t, &n);
	for (size_t i = 0; i < n; i++) {
		for (known = 0; known < ARRAY_SIZE(user_vars) &&
		     strcmp(names[i], user_vars[known]); known++)
			;
		if (known == ARRAY_SIZE(user_vars)) {
			template_free(t);
			return NULL;
		}
	}
	return t;
}

static char *lower(struct arena *a, const char *s)
{
	char *l = arena_strdup(a, s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

/* Values: username, forename, surname, external_id, user_type, groups,
 * email, email_verified, status. */
static int index_user(void *arg, const char *const *v)
{
	struct index *ix = arg;
	const char *key = ix->by_email ? v[6] : v[0];

	char *username;

	if (strcmp(v[8], "active") != 0)
		return 0;
	username = arena_strdup(&ix->arena, v[0]);
	if (key && *key)
		hmap_put(&ix->by_key, lower(&ix->arena, key), username);
	if (ix->by_email && ix->google) {
		struct template_var vars[ARRAY_SIZE(user_vars) + 1];

		for (size_t i = 0; i < ARRAY_SIZE(user_vars); i++)
			vars[i] = (struct template_var){ user_vars[i],
							 v[i] ? v[i] : "" };
		vars[ARRAY_SIZE(user_vars)] = (struct template_var){ 0 };
		sbuf_reset(&ix->addr);
		if (template_render(ix->google, TEMPLATE_TEXT, template_vars,
				    vars, &ix->addr) == 0 && ix->addr.len)
			hmap_put(&ix->by_key,
				 lower(&ix->arena, sbuf_str(&ix->addr)),
				 username);
	}
	return 0;
}

struct current {
	long long created;        /* the current credential's batch; 0 none */
};

static int find_current(void *arg, const struct store_cred_row *r)
{
	struct current *c = arg;

	if (!c->created && strcmp(r->state, "current") == 0)
		c->created = r->created;
	return 0;
}

/* ==== Applying a report ==== */

struct counts {
	size_t claimed, alone, none, unknown;
};

/*
 * One row: claims its user when a time of it is after their current
 * credential. 0, or a status (reported).
 */
static int claim_row(struct ctx *ctx, struct index *ix, const char *who,
		     long long changed, long long login, const char *where,
		     struct counts *n)
{
	struct store *st = ctx->store;
	const char *username = hmap_get(&ix->by_key, lower(&ix->arena, who));
	struct current cur = { 0 };
	long long uid;
	int rc;

	if (!username) {
		printf_inert(stderr, "%s: no user '%s' at site '%s'; "
			     "skipped\n", where, who, ctx->site->code);
		n->unknown++;
		return 0;
	}
	if ((uid = store_user_id(st, ctx->site_id, username)) <= 0 ||
	    (rc = store_user_credentials(st, uid, find_current, &cur)) != 0)
		return store_status(uid <= 0 ? -1 : rc);
	if (!cur.created) {
		n->none++;
		return 0;
	}
	if (changed <= cur.created && login <= cur.created) {
		n->alone++;
		return 0;
	}
	if ((rc = store_claim(st, uid, now_seconds())) < 0 ||
	    (rc = store_audit(st, ctx->site_id, os_actor(), "credential.claim",
			      uid, 0, changed > cur.created ?
			      "set their own password (directory report)" :
			      "logged in (directory report)")) != 0)
		return store_status(rc);
	n->claimed++;
	return 0;
}

static int claim_report(struct ctx *ctx, FILE *in, const char *name,
			enum claim_from from)
{
	const struct config *c = ctx->cfg;
	size_t f = 0;
	struct rec_reader *r = NULL;
	struct index ix = { .by_key = HMAP_INIT, .arena = ARENA_INIT,
			    .addr = SBUF_INIT };
	struct counts n = { 0 };
	const char *const *v;
	long ucol, ccol, lcol;
	const char *match;
	int rc = EX_DATAERR, got, began = 0;

	while (froms[f].from != from)
		f++;
	match = c->claim_match ? c->claim_match : froms[f].match;
	if (strcmp(match, "username") && strcmp(match, "email")) {
		errorf("'%s': [claim] match: '%s' is not username or email",
		       c->path, match);
		return EX_CONFIG;
	}
	ix.by_email = strcmp(match, "email") == 0;
	if (!(r = rec_reader_new(in, name, REC_CSV)))
		return EX_DATAERR;
	ucol = column_ci(r, c->claim_user ? c->claim_user : froms[f].user);
	ccol = column_ci(r, c->claim_changed ? c->claim_changed :
			 froms[f].changed);
	lcol = column_ci(r, c->claim_login ? c->claim_login : froms[f].login);
	if (ucol < 0 || (ccol < 0 && lcol < 0)) {
		char *found = rec_reader_found(r);

		errorf("%s: a %s report needs a '%s' column and a '%s' or "
		       "'%s' column ([claim] user, changed, login); %s", name,
		       froms[f].name,
		       c->claim_user ? c->claim_user : froms[f].user,
		       c->claim_changed ? c->claim_changed :
		       froms[f].changed ? froms[f].changed : "-",
		       c->claim_login ? c->claim_login : froms[f].login,
		       found);
		free(found);
		goto out;
	}
	ix.google = ix.by_email ? google_template(c) : NULL;
	if ((rc = store_list_users(ctx->store, ctx->site_id, NULL, NULL, NULL,
				   index_user, &ix)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	if ((rc = store_begin(ctx->store)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	began = 1;
	while ((got = rec_read(r, &v)) > 0) {
		long long changed = 0, login = 0;
		char where[300];
		const char *bad = NULL;

		snprintf(where, sizeof(where), "%s:%lu", name, rec_line(r));
		if (ccol >= 0 && parse_when(v[ccol], &changed) != 0)
			bad = v[ccol];
		else if (lcol >= 0 && parse_when(v[lcol], &login) != 0)
			bad = v[lcol];
		if (bad) {
			errorf("%s: '%s' is not a time (FILETIME or ISO 8601); "
			       "nothing changed", where, bad);
			rc = EX_DATAERR;
			goto out;
		}
		if (!*v[ucol])
			continue;
		if ((rc = claim_row(ctx, &ix, v[ucol], changed, login, where,
				    &n)) != 0)
			goto out;
	}
	if (got < 0) {
		rc = EX_DATAERR;
		goto out;
	}
	began = 0;
	if ((rc = store_commit(ctx->store)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	printf("%zu account(s) claimed; %zu not claimed yet, left alone; "
	       "%zu without a current password; %zu unknown\n", n.claimed,
	       n.alone, n.none, n.unknown);
out:
	if (began)
		store_rollback(ctx->store);
	rec_reader_free(r);
	hmap_release(&ix.by_key);
	arena_release(&ix.arena);
	template_free(ix.google);
	sbuf_release(&ix.addr);
	return rc;
}

/* A stream of usernames: every one claimed, all or nothing. */
static int claim_names(struct ctx *ctx, FILE *in, const char *name)
{
	struct rec_reader *r = rec_reader_new(in, name, REC_AUTO);
	struct arena arena = ARENA_INIT;
	char **names = NULL;
	const char *const *v;
	size_t n = 0, cap = 0;
	long col;
	int rc = EX_DATAERR, got;

	if (!r)
		return EX_DATAERR;
	if ((col = rec_column(r, "username")) < 0) {
		errorf("%s: the stream has no 'username' column", name);
		goto out;
	}
	while ((got = rec_read(r, &v)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = arena_strdup(&arena, v[col]);
	}
	rc = got < 0 ? EX_DATAERR : claim_users(ctx, names, n);
out:
	rec_reader_free(r);
	free(names);
	arena_release(&arena);
	return rc;
}

/* ==== An LDAP search result (LDIF) ==== */

/*
 * An LDAP GeneralizedTime ("20261207192901Z", "20261207192901.123Z",
 * "20261207192901+0100") as seconds since the epoch; -1 when it is not
 * one.
 */
static long long generalized_time(const char *s)
{
	struct tm tm = { 0 };
	const char *p = s;
	long long t;
	int off = 0;

	for (int i = 0; i < 14; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	tm.tm_year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
		     (p[2] - '0') * 10 + (p[3] - '0') - 1900;
	tm.tm_mon = (p[4] - '0') * 10 + (p[5] - '0') - 1;
	tm.tm_mday = (p[6] - '0') * 10 + (p[7] - '0');
	tm.tm_hour = (p[8] - '0') * 10 + (p[9] - '0');
	tm.tm_min = (p[10] - '0') * 10 + (p[11] - '0');
	tm.tm_sec = (p[12] - '0') * 10 + (p[13] - '0');
	p += 14;
	if (*p == '.' || *p == ',')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && strlen(p) == 5 &&
	    strspn(p + 1, "0123456789") == 4) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		      ((p[3] - '0') * 10 + (p[4] - '0')) * 60;
		off = *p == '-' ? -off : off;
	} else if (strcmp(p, "Z") != 0) {
		return -1;
	}
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	t = (long long)timegm(&tm);
	return t - off;
}

struct ldif_users {
	struct hmap by_key;     /* username or email -> username */
	struct arena names;
	int by_email;
};

static int ldif_note_user(void *arg, const struct store_target_row *t)
{
	struct ldif_users *u = arg;
	const char *key = u->by_email ? t->email : t->username;
	char *user;

	if (!key || !*key || t->left)
		return 0;
	user = arena_strdup(&u->names, t->username);
	hmap_put(&u->by_key, u->by_email ? arena_strdup(&u->names, key) :
		 user, user);
	return 0;
}

/* When the user's current temporary password was issued; 0: none. */
struct ldif_issued {
	long long created;
};

static int ldif_note_current(void *arg, const struct store_cred_row *r)
{
	struct ldif_issued *is = arg;

	if (strcmp(r->state, "current") == 0 && !is->created)
		is->created = r->created;
	return 0;
}

/* The newer of the entry's change and login times; 0 for none, -1 bad. */
static long long entry_time(const struct ldif_entry *e,
			    const char *const attrs[2], const char *name)
{
	long long newest = 0;

	for (size_t i = 0; i < 2; i++) {
		const char *v = ldif_get(e, attrs[i]);
		long long t;

		if (!v)
			continue;
		if ((t = generalized_time(v)) < 0) {
			errorf("'%s':%lu: %s '%s' is not a GeneralizedTime "
			       "(20261207192901Z); nothing changed", name,
			       e->line, attrs[i], v);
			return -1;
		}
		if (t > newest)
			newest = t;
	}
	return newest;
}

struct ldif_counts {
	size_t alone, none, unknown;
};

/*
 * Whether the entry's user has claimed: adds them to *names, or counts
 * them. 0, or a status (reported).
 */
static int claim_entry(struct ctx *ctx, const struct ldif_users *users,
		       const struct ldif_entry *e, const char *who,
		       const char *const when[2], const char *name,
		       struct ldif_counts *n, struct arena *arena, char ***names,
		       size_t *nnames, size_t *cap)
{
	const char *user = hmap_get(&users->by_key, who);
	const char *reset = ldif_get(e, "pwdReset");
	struct ldif_issued is = { 0 };
	long long t, id;
	int rc;

	if (!user) {
		printf_inert(stderr, "'%s':%lu: no user '%s' at site '%s'; "
			     "skipped\n", name, e->line, who,
			     ctx->site->code);
		n->unknown++;
		return 0;
	}
	if ((t = entry_time(e, when, name)) < 0)
		return EX_DATAERR;
	id = store_user_id(ctx->store, ctx->site_id, user);
	rc = id <= 0 ? (int)id : store_user_credentials(ctx->store, id,
							ldif_note_current, &is);
	if (rc != 0 || id == 0)
		return store_status(rc ? rc : -1);
	if (!is.created) {
		n->none++;
		return 0;
	}
	/* pwdReset: the password is still the administrator's. */
	if (t <= is.created || (reset && strcasecmp(reset, "TRUE") == 0)) {
		n->alone++;
		return 0;
	}
	if (*nnames == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*names = xrealloc(*names, *cap * sizeof(**names));
	}
	(*names)[(*nnames)++] = arena_strdup(arena, user);
	return 0;
}

static int claim_ldif(struct ctx *ctx, FILE *in, const char *name)
{
	const struct config *c = ctx->cfg;
	const char *match = c->claim_match ? c->claim_match : "username";
	const char *when[2] = {
		c->claim_changed ? c->claim_changed : "pwdChangedTime",
		c->claim_login ? c->claim_login : "authTimestamp",
	};
	struct ldif_users users = { HMAP_INIT, ARENA_INIT, 0 };
	struct ldif_reader *r = NULL;
	struct ldif_entry *e;
	struct arena arena = ARENA_INIT;
	struct ldif_counts n = { 0 };
	char **names = NULL;
	size_t nnames = 0, cap = 0, claimed = 0, before = 0;
	const char *user_attr;
	int got, rc;

	if (strcmp(match, "username") && strcmp(match, "email")) {
		errorf("'%s': [claim] match: '%s' is not username or email",
		       c->path, match);
		return EX_CONFIG;
	}
	users.by_email = strcmp(match, "email") == 0;
	user_attr = c->claim_user ? c->claim_user :
		    users.by_email ? "mail" : "uid";
	if ((rc = store_targets(ctx->store, ctx->site_id, ldif_note_user,
				&users)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	r = ldif_reader_new(in, name);
	while ((got = ldif_read(r, &e)) > 0) {
		const char *who = ldif_get(e, user_attr);

		if (!who || !*who)
			continue;
		if ((rc = claim_entry(ctx, &users, e, who, when, name, &n,
				      &arena, &names, &nnames, &cap)) != 0)
			goto out;
	}
	if (got < 0) {
		rc = EX_DATAERR;
		goto out;
	}
	if (nnames &&
	    (rc = claim_mark(ctx, names, nnames, &claimed, &before)) != 0)
		goto out;
	printf("%zu account(s) claimed; %zu not claimed yet, left alone; "
	       "%zu without a current password; %zu unknown\n",
	       nnames - before, n.alone, n.none + before, n.unknown);
out:
	ldif_reader_free(r);
	free(names);
	arena_release(&arena);
	hmap_release(&users.by_key);
	arena_release(&users.names);
	return rc;
}

int claim_stream(struct ctx *ctx, FILE *in, const char *name,
		 enum claim_from from)
{
	struct sbuf all = SBUF_INIT;
	size_t skip = 0, eol;
	FILE *mem = NULL;
	int rc;

	/* Read whole: its first lines say what it is. */
	if (sbuf_read(&all, in) != 0) {
		errorf("%s: cannot read: %m", name);
		sbuf_release(&all);
		return EX_IOERR;
	}
	if (all.len >= 3 && memcmp(all.buf, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	/* PowerShell's Export-Csv starts with "#TYPE Namespace.Type". */
	if (all.len - skip >= 5 && memcmp(all.buf + skip, "#TYPE", 5) == 0) {
		const char *nl = memchr(all.buf + skip, '\n', all.len - skip);

		skip = nl ? (size_t)(nl - all.buf) + 1 : all.len;
		if (from == CLAIM_AUTO)
			from = CLAIM_AD;
	}
	/* ldapsearch's LDIF: "dn:", "version:" or a comment first. */
	if (from == CLAIM_AUTO && all.len > skip &&
	    ldif_detect(all.buf + skip, all.len - skip))
		from = CLAIM_LDIF;
	for (eol = skip; eol < all.len && all.buf[eol] != '\n'; eol++)
		;
	if (from == CLAIM_AUTO)
		from = sniff(all.buf ? all.buf + skip : "", eol - skip);
	mem = fmemopen(all.len > skip ? all.buf + skip : (char *)"",
		       all.len - skip, "r");
	if (!mem) {
		errorf("%s: cannot read: %m", name);
		sbuf_release(&all);
		return EX_IOERR;
	}
	rc = from == CLAIM_USERNAMES ? claim_names(ctx, mem, name) :
	     from == CLAIM_LDIF ? claim_ldif(ctx, mem, name) :
	     claim_report(ctx, mem, name, from);
	fclose(mem);
	sbuf_release(&all);
	return rc;
}
