/*
 * credential.c: a temporary password after its batch: why it is no longer
 * current, checking one (verify), retiring them as users claim their
 * accounts (claim), and the helpdesk's view of one user (user). Each
 * reason a password is refused is worded here once.
 */
#include "engine/credential.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"

/* ==== Why a password is not current ==== */

/* "2026-10-01 08:14 UTC": the form the lists print. */
static void when(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, size, "%lld", t);
}

const char *credential_state(const struct store_cred_row *r, long long now)
{
	if (strcmp(r->state, "current") != 0)
		return r->state;
	if (r->expires <= now)
		return "expired";
	return r->failed >= CREDENTIAL_MAX_FAILED ? "locked" : "current";
}

const char *credential_why(const struct store_cred_row *r, long long now,
			   char *buf, size_t size)
{
	const char *s = credential_state(r, now);
	char at[40];

	if (strcmp(s, "current") == 0)
		return NULL;
	if (strcmp(s, "void") == 0) {
		if (r->voided_by)
			snprintf(buf, size, "voided by batch v%lld",
				 r->voided_by);
		else
			snprintf(buf, size, "void: its lists were lost");
	} else if (strcmp(s, "expired") == 0) {
		when(r->expires, at, sizeof(at));
		snprintf(buf, size, "expired on %s", at);
	} else if (strcmp(s, "revoked") == 0) {
		snprintf(buf, size, "revoked: the user left");
	} else if (strcmp(s, "locked") == 0) {
		snprintf(buf, size, "refused after %d failed attempts",
			 CREDENTIAL_MAX_FAILED);
	} else {
		snprintf(buf, size, "%s", s);
	}
	return buf;
}

/* The user's newest credential into *r (strings copied into names);
 * 1, 0 when they never had one, or a store error. */
struct newest {
	struct store_cred_row r;
	char state[16];
	int found;
};

static int take_newest(void *arg, const struct store_cred_row *r)
{
	struct newest *n = arg;

	if (n->found)
		return 0;
	n->r = *r;
	snprintf(n->state, sizeof(n->state), "%s", r->state);
	n->r.state = n->state;
	n->r.username = "";
	n->found = 1;
	return 0;
}

/* ==== verify ==== */

/* 1 when pw matches c, 0 when not, -1 when the sealed copy does not open. */
static int matches(struct ctx *ctx, long long user,
		   const struct store_credential *c, const char *pw,
		   size_t len)
{
	char plain[512], ad[128];
	long n;
	int ok;

	if (!c->sealed_len)
		return pwhash_verify(c->pwhash, pw, len);
	if (ctx_key(ctx, 0) != 0)
		return -1;
	n = unseal(ctx->key, c->sealed, c->sealed_len, ad,
		   ctx_credential_ad(ctx, ad, sizeof(ad), user, c->batch),
		   plain);
	if (n < 0) {
		errorf("the stored password does not open: wrong key file, or "
		       "the database was tampered with");
		return -1;
	}
	ok = (size_t)n == len && secrets_equal(plain, pw, len);
	secrets_wipe(plain, sizeof(plain));
	return ok;
}

/*
 * Counts the attempt, then checks it outside the write lock: counted
 * first, in one statement, so parallel guesses each count and no more than
 * CREDENTIAL_MAX_FAILED of them are ever checked; a right password takes
 * its attempt back. Returns 0 when pw is right, else a status (reported).
 */
static int attempt(struct ctx *ctx, const char *username, long long user,
		   const struct store_credential *c, const char *pw,
		   size_t len)
{
	char detail[160];
	int n, ok, rc;

	/* A key that is missing or wrong is no guess of the user's. */
	if (c->sealed_len && (rc = ctx_key(ctx, 0)) != 0)
		return rc;
	if ((n = store_credential_attempt(ctx->store, c->id)) < 0)
		return store_status(n);
	if (n == 0) {
		errorf("'%s' has no current temporary password", username);
		return EX_NOPERM;
	}
	if (n > CREDENTIAL_MAX_FAILED) {
		errorf("'%s': the password of batch v%lld is refused after "
		       "%d failed attempts; regenerate the password",
		       username, c->version, CREDENTIAL_MAX_FAILED);
		return EX_NOPERM;
	}
	ok = len ? matches(ctx, user, c, pw, len) : 0;
	if (ok < 0)
		return EX_DATAERR;
	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	if (ok) {
		rc = store_credential_verified(ctx->store, c->id);
	} else {
		snprintf(detail, sizeof(detail), "wrong password (failure %d)",
			 n);
		rc = store_audit(ctx->store, ctx->site_id, os_actor(),
				 "credential.verify.fail", user, c->batch,
				 detail);
	}
	if (rc == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	if (!ok) {
		errorf("'%s': wrong password (the current one is of batch "
		       "v%lld)", username, c->version);
		return EX_NOPERM;
	}
	return 0;
}

/* Says why username, who has no current password, has none. */
static int no_current(struct ctx *ctx, const char *username, long long uid)
{
	struct newest n = { 0 };
	char why[96];
	int rc;

	if ((rc = store_user_credentials(ctx->store, uid, take_newest, &n)))
		return store_status(rc);
	if (!n.found) {
		errorf("'%s' has no temporary password", username);
		return EX_NOPERM;
	}
	errorf("'%s': the password of batch v%lld is no longer valid: %s",
	       username, n.r.version,
	       credential_why(&n.r, now_seconds(), why, sizeof(why)) ?
	       why : "no longer current");
	return EX_NOPERM;
}

int credential_verify(struct ctx *ctx, const char *username, const char *pw,
		      size_t len)
{
	struct store_credential c;
	char at[40];
	long long uid;
	int rc, found;

	uid = store_user_id(ctx->store, ctx->site_id, username);
	if (uid <= 0) {
		if (uid == 0)
			errorf("no user '%s'", username);
		return uid == 0 ? EX_NOPERM : store_status((int)uid);
	}
	found = store_current_credential(ctx->store, uid, &c);
	if (found <= 0)
		return found == 0 ? no_current(ctx, username, uid) :
		       store_status(found);
	if (c.expires <= now_seconds()) {
		when(c.expires, at, sizeof(at));
		errorf("'%s': the password of batch v%lld is no longer "
		       "valid: expired on %s", username, c.version, at);
		rc = EX_NOPERM;
	} else {
		rc = attempt(ctx, username, uid, &c, pw, len);
	}
	secrets_wipe(&c, sizeof(c));
	return rc;
}

/* Longest password verify reads, in bytes. */
#define PW_MAX 256

int credential_verify_fd(struct ctx *ctx, const char *username, int fd)
{
	char *pw;
	size_t len = 0;
	int rc;

	if (!username) {
		/* pam_exec names the user in the environment. */
		username = getenv("PAM_USER");
		if (!username || !*username) {
			errorf("no USERNAME given and no PAM_USER set");
			return EX_USAGE;
		}
	}
	pw = secrets_alloc(PW_MAX + 2);
	/*
	 * One line, or what pam_exec's expose_authtok writes: the password
	 * and a NUL, with no line end. The NUL ends it as a line end does,
	 * so it is never taken as part of the password.
	 */
	while (len < PW_MAX + 1 && read(fd, pw + len, 1) == 1 &&
	       pw[len] != '\n' && pw[len] != '\0')
		len++;
	if (len > PW_MAX) {
		errorf("the password on standard input is too long");
		rc = EX_DATAERR;
		goto out;
	}
	if (len && pw[len - 1] == '\r')
		len--;
	pw[len] = '\0';
	rc = credential_verify(ctx, username, pw, len);
out:
	secrets_free(pw);
	return rc;
}

/* ==== claim ==== */

int claim_mark(struct ctx *ctx, char *const *names, size_t n,
	       size_t *claimed_out, size_t *before_out)
{
	struct store *st = ctx->store;
	size_t claimed = 0, before = 0;
	int rc;

	if ((rc = store_begin(st)) != 0)
		return store_status(rc);
	for (size_t i = 0; i < n; i++) {
		long long uid = store_user_id(st, ctx->site_id, names[i]);
		int had;

		if (uid == 0) {
			errorf("no user '%s' at site '%s'; nothing changed",
			       names[i], ctx->site->code);
			store_rollback(st);
			return EX_DATAERR;
		}
		if (uid < 0 || (had = store_claim(st, uid,
						 now_seconds())) < 0) {
			rc = uid < 0 ? (int)uid : -1;
			goto fail;
		}
		/* Twice is once: no second event for the same claim. */
		if (had == STORE_CLAIMED_BEFORE) {
			printf_inert(stderr, "'%s' had claimed their account "
				     "already; nothing recorded\n", names[i]);
			before++;
			continue;
		}
		claimed += (size_t)had;
		if ((rc = store_audit(st, ctx->site_id, os_actor(),
				      "credential.claim", uid, 0,
				      had ? "set their own password" :
				      "account claimed (no temporary "
				      "password)")) != 0)
			goto fail;
	}
	if ((rc = store_commit(st)) != 0)
		return store_status(rc);
	*claimed_out = claimed;
	*before_out = before;
	return 0;
fail:
	store_rollback(st);
	return store_status(rc);
}

int claim_users(struct ctx *ctx, char *const *names, size_t n)
{
	size_t claimed, before;
	int rc = claim_mark(ctx, names, n, &claimed, &before);

	if (rc)
		return rc;
	printf("%zu account(s) claimed; %zu temporary password(s) retired",
	       n - before, claimed);
	if (before)
		printf("; %zu claimed already", before);
	printf("\n");
	return 0;
}

/* ==== The helpdesk's view of one user ==== */

static const char *const profile_fields[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"groups", "email", "email_verified", "status",
};

static int print_profile(void *arg, const char *const *v)
{
	int *found = arg;

	for (size_t i = 0; i < ARRAY_SIZE(profile_fields); i++)
		printf_inert(stdout, "%-15s %s\n", profile_fields[i], v[i]);
	*found = 1;
	return 0;
}

struct history {
	struct rec_writer *w;
	long long now, slip;
	struct newest newest, asked;
};

static int credential_row(void *arg, const struct store_cred_row *r)
{
	struct history *h = arg;
	char v[24], gen[40], exp[40], failed[16], why[96];
	const char *vals[6];

	take_newest(&h->newest, r);
	if (r->version == h->slip)
		take_newest(&h->asked, r);
	snprintf(v, sizeof(v), "%lld", r->version);
	when(r->created, gen, sizeof(gen));
	when(r->expires, exp, sizeof(exp));
	snprintf(failed, sizeof(failed), "%d", r->failed);
	vals[0] = v;
	vals[1] = gen;
	vals[2] = exp;
	vals[3] = credential_state(r, h->now);
	vals[4] = failed;
	vals[5] = credential_why(r, h->now, why, sizeof(why));
	if (!vals[5])
		vals[5] = "";
	return rec_write(h->w, vals);
}

/* The lines about the user's password now, after the profile. */
static void print_password(const struct history *h)
{
	const struct store_cred_row *r = &h->newest.r;
	char exp[40], why[96];
	const char *state;

	if (!h->newest.found) {
		printf("%-15s %s\n", "password", "none issued");
		return;
	}
	state = credential_state(r, h->now);
	when(r->expires, exp, sizeof(exp));
	if (strcmp(r->state, "current") != 0) {
		printf("%-15s none current: batch v%lld's %s\n", "password",
		       r->version, credential_why(r, h->now, why,
						 sizeof(why)));
		return;
	}
	printf("%-15s batch v%lld, %s\n", "password", r->version, state);
	printf("%-15s %lld\n", "version", r->version);
	printf("%-15s %s\n", "expires", exp);
	printf("%-15s %d of %d\n", "failed", r->failed,
	       CREDENTIAL_MAX_FAILED);
	printf("%-15s %s\n", "locked", r->failed >= CREDENTIAL_MAX_FAILED ?
	       "yes: regenerate or reset the password" : "no");
}

int user_show(struct ctx *ctx, const char *username, long long version,
	      enum rec_format f)
{
	static const char *const cred_cols[] = {
		"version", "generated_at", "expires", "state", "failed",
		"why",
	};
	static const char *const event_cols[] = {
		"id", "at", "actor", "action", "username", "batch", "detail",
	};
	struct history h = { .now = now_seconds(), .slip = version };
	char *creds = NULL;
	size_t ncreds = 0;
	struct rec_writer *w;
	FILE *mem;
	char why[96];
	long long uid;
	int rc, found = 0;

	uid = store_user_id(ctx->store, ctx->site_id, username);
	if (uid <= 0) {
		if (uid == 0)
			errorf("no user '%s' at site '%s'", username,
			       ctx->site->code);
		return uid == 0 ? EX_DATAERR : store_status((int)uid);
	}
	if ((rc = store_list_users(ctx->store, ctx->site_id, NULL, NULL,
				   username, print_profile, &found)) != 0)
		return store_status(rc);
	/* The credentials are read first, for the summary above them. */
	if (!(mem = open_memstream(&creds, &ncreds)))
		die("tempass: out of memory");
	h.w = rec_writer_new(mem, f, cred_cols, ARRAY_SIZE(cred_cols));
	rc = store_user_credentials(ctx->store, uid, credential_row, &h);
	rec_writer_close(h.w);
	fclose(mem);
	if (rc) {
		free(creds);
		return store_status(rc);
	}
	print_password(&h);
	printf("\ncredentials:\n");
	fwrite(creds, 1, ncreds, stdout);
	free(creds);
	printf("\nevents:\n");
	fflush(stdout);
	w = rec_writer_new(stdout, f, event_cols, ARRAY_SIZE(event_cols));
	rc = store_list_audit(ctx->store, ctx->site_id, uid, 0, 0,
			      write_record, w);
	if (rec_writer_close(w) != 0) {
		errorf("cannot write the events: standard output failed");
		return EX_IOERR;
	}
	if (rc)
		return store_status(rc);
	if (version <= 0)
		return 0;
	if (!h.asked.found) {
		errorf("'%s' has no password of batch v%lld", username,
		       version);
		return EX_NOPERM;
	}
	if (credential_why(&h.asked.r, h.now, why, sizeof(why))) {
		errorf("'%s': the slip of batch v%lld is not current: %s",
		       username, version, why);
		return EX_NOPERM;
	}
	printf("\nthe slip of batch v%lld is current\n", version);
	return 0;
}
