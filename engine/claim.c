/*
 * claim: what claim reads, told apart by its first bytes, and a
 * directory's report turned into the users who claimed. A report only
 * ever adds claims: a user whose entry shows no change of their own is
 * left as they are, so reading the same report twice changes nothing.
 * The claims of a report are made in one transaction (claim_mark()).
 */
#include "engine/claim.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/hmap.h"
#include "core/util.h"
#include "engine/credential.h"
#include "formats/ldif.h"
#include "formats/records.h"

/* ==== A record stream of usernames ==== */

static int claim_names(struct ctx *ctx, FILE *in, const char *name)
{
	struct rec_reader *r = rec_reader_new(in, name, REC_AUTO);
	struct arena arena = ARENA_INIT;
	const char *const *v;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long col;
	int got, rc;

	if (!r)
		return EX_DATAERR;
	if ((col = rec_column(r, "username")) < 0) {
		errorf("%s: the stream has no 'username' column", name);
		rc = EX_DATAERR;
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

/* ==== A directory's report ==== */

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

struct users {
	struct hmap by_key;     /* username or email -> username */
	struct arena names;
	int by_email;
};

static int note_user(void *arg, const struct store_target_row *t)
{
	struct users *u = arg;
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
struct issued {
	long long created;
};

static int note_current(void *arg, const struct store_cred_row *r)
{
	struct issued *is = arg;

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

struct counts {
	size_t alone, none, unknown;
};

/*
 * Whether the entry's user has claimed: adds them to *names, or counts
 * them. 0, or a status (reported).
 */
static int claim_entry(struct ctx *ctx, const struct users *users,
		       const struct ldif_entry *e, const char *who,
		       const char *const when[2], const char *name,
		       struct counts *n, struct arena *arena, char ***names,
		       size_t *nnames, size_t *cap)
{
	const char *user = hmap_get(&users->by_key, who);
	const char *reset = ldif_get(e, "pwdReset");
	struct issued is = { 0 };
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
							note_current, &is);
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
	struct users users = { HMAP_INIT, ARENA_INIT, 0 };
	struct ldif_reader *r = NULL;
	struct ldif_entry *e;
	struct arena arena = ARENA_INIT;
	struct counts n = { 0 };
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
	if ((rc = store_targets(ctx->store, ctx->site_id, note_user,
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

int claim_from_parse(const char *s, enum claim_from *f)
{
	if (strcmp(s, "usernames") == 0)
		*f = CLAIM_USERNAMES;
	else if (strcmp(s, "ldif") == 0)
		*f = CLAIM_LDIF;
	else
		return -1;
	return 0;
}

int claim_stream(struct ctx *ctx, FILE *in, const char *name,
		 enum claim_from from)
{
	struct sbuf sb = SBUF_INIT;
	char chunk[65536];
	size_t got;
	FILE *mem;
	int rc;

	/* Read whole, so that its first bytes can say what it is. */
	while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0)
		sbuf_add(&sb, chunk, got);
	if (ferror(in)) {
		errorf("%s: cannot read: %m", name);
		sbuf_release(&sb);
		return EX_IOERR;
	}
	if (from == CLAIM_AUTO)
		from = ldif_detect(sb.buf ? sb.buf : "", sb.len) ?
		       CLAIM_LDIF : CLAIM_USERNAMES;
	mem = fmemopen(sb.buf ? sb.buf : (char *)"", sb.len, "r");
	if (!mem)
		die("tempass: out of memory");
	rc = from == CLAIM_LDIF ? claim_ldif(ctx, mem, name) :
				  claim_names(ctx, mem, name);
	fclose(mem);
	sbuf_release(&sb);
	return rc;
}
