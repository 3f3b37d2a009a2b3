/*
 * store: the database of tempass, and every SQL statement of it. Callers
 * see this header only; what lies behind it is a backend, today SQLite:
 * core/store_int.h and core/store_*.c (store_sql.c statements and errors,
 * store_open.c the file, migrations and transactions, store_users.c,
 * store_admins.c, store_batches.c, store_mail.c, store_audit.c, and
 * store_bulk.c rows moved in bulk and checkpoints) are the only files that
 * include sqlite3.h, hold SQL text or use SQLite's own devices (virtual
 * tables, pragmas). The second backend, PostgreSQL, implements this
 * header beside them: core/store_backend.h is the seam, core/store_pg*.c
 * (behind store_pg_int.h) the only files that see libpq. store_open()
 * chooses the backend; everything else is the same call on either.
 *
 * The database is opened with WAL, foreign keys, secure_delete and a busy
 * timeout; the schema version lives in PRAGMA user_version and is migrated
 * forward on open. Every write runs inside store_begin()/store_commit(), a
 * BEGIN IMMEDIATE transaction, so two processes never interleave a batch.
 *
 * Return values: 0 (or a count or id) on success, -1 after reporting an
 * error, STORE_BUSY after reporting that another process holds the database
 * past the busy timeout (the caller exits EX_TEMPFAIL).
 */
#ifndef TEMPASS_STORE_H
#define TEMPASS_STORE_H

#include <stddef.h>

#define STORE_BUSY (-2)

struct store;

/*
 * What the last failure of a store call (any thread) met, for its exit
 * status: the disk or the file (the default), a full disk, a database
 * that is damaged, empty, truncated or not a database, or one (or its
 * folder) that could not be created, or a store this process cannot use
 * (libpq missing, or a stage the PostgreSQL store does not run yet).
 */
enum store_fault { STORE_FAULT_IO, STORE_FAULT_FULL, STORE_FAULT_CORRUPT,
		   STORE_FAULT_CREATE, STORE_FAULT_UNAVAILABLE };
enum store_fault store_fault(void);

/*
 * Opens and migrates the database at path. A missing one is created
 * (mode 0600, its folder 0700), whole before it has its name; an existing
 * file that is empty, truncated or not a SQLite database is refused
 * (STORE_FAULT_CORRUPT). One on a read-only mount, or that this user may
 * not write, or in a folder they may not write, is opened read-only
 * (immutable when SQLite cannot make its -shm file there): what only
 * reads works, a write fails (reported). A path that store_is_server()
 * takes for a PostgreSQL connection string opens that database instead.
 * NULL after reporting. store_close() is NULL-safe.
 */
struct store *store_open(const char *path);
void store_close(struct store *st);
/*
 * Opens the existing SQLite database at path read-only, to be copied
 * (store_copy_to()): nothing is written to it, and it is not migrated
 * (an older schema is refused). NULL after reporting.
 */
struct store *store_open_readonly(const char *path);
/*
 * Whether the database setting names a PostgreSQL server rather than a
 * file: a URL (postgresql://, postgres://) or a libpq keyword string
 * ("host=... dbname=...", "service=NAME"). store_open() then connects
 * through libpq (loaded at run time: STORE_FAULT_UNAVAILABLE when it is
 * missing) and migrates the server's schema.
 */
int store_is_server(const char *database);

int store_begin(struct store *st);
/*
 * store_begin() for bulk work whose every reference points at a row that
 * cannot go away: one made in the same transaction, a user or a site
 * (never deleted). Import and the writing of a batch use it. Foreign keys
 * are not checked until store_commit() or store_rollback() ends it, which
 * saves a parent lookup per row; new users and memberships wait to be
 * written together (see store_user_insert()); and when the first users of
 * the store are added, their unique keys are built once at the commit.
 * When its commit finds the WAL long enough to be copied into the
 * database (a checkpoint, which syncs both), it leaves that to a thread of
 * its own, which store_close() waits for, while the job goes on; no other
 * commit of the process does that copy meanwhile.
 *
 * flags: STORE_BULK_UNMAP when the job's reads of whole sites are done
 * (a batch, once chosen): the database is read from here on without its
 * memory map, so that the pages read so far stop counting against the
 * process.
 */
enum { STORE_BULK_UNMAP = 1 };
int store_begin_bulk(struct store *st, unsigned flags);
/*
 * Writes what the open transaction holds in memory (new users and
 * memberships of a bulk transaction, audit events): what a statement that
 * reads them must see first. A conflict of a waiting row (a username or
 * external id taken) is reported here, or by store_commit(), which
 * flushes too; no other call writes them. 0, -1 or STORE_BUSY.
 */
int store_flush(struct store *st);
int store_commit(struct store *st);
/* Rolls back the open transaction, if any. */
void store_rollback(struct store *st);
/*
 * A read transaction: many lookups see one snapshot and pay for the lock
 * once. store_read_end() ends it (it has nothing to commit).
 */
int store_read_begin(struct store *st);
void store_read_end(struct store *st);

/* A row of a listing: values in the order the listing documents. */
typedef int (*store_row_fn)(void *ctx, const char *const *values);

/* ==== Sites ==== */

/* The id of site code, created (or renamed) to match the configuration. */
long long store_site(struct store *st, const char *code, const char *name);
/*
 * What the site's ids, its users' and its batches' were moved by when
 * its store was copied into PostgreSQL (store_copy_to()), into off[]
 * (site, user, batch): a password sealed before binds the ids less
 * these, and so do those sealed after, so both open. 0 for a site made
 * where it is, and on SQLite. 0, -1 or STORE_BUSY.
 */
int store_seal_offsets(struct store *st, long long site, long long off[3]);

/* ==== Users, groups, memberships (import) ==== */

/* One user as import sees it. Strings are owned by the struct. */
struct store_user {
	long long id;
	char *roster;
	char *external_id;
	char *username;
	char *forename;
	char *surname;
	char *dob;             /* yyyy-mm-dd or NULL */
	char *email;           /* NULL when none */
	int email_verified;
	char *user_type;
	char *class_name;      /* the roster's class column; NULL when none */
	int left;
	long long *groups;     /* roster-made group ids, sorted */
	size_t ngroups;
};

/* Frees the strings and groups of u (not u itself). */
void store_user_release(struct store_user *u);

/*
 * Loads every user of the site with their roster-made group ids. *out is
 * an array of *n users; the caller frees each with store_user_release()
 * and the array with free().
 */
int store_users_load(struct store *st, long long site, struct store_user **out,
		     size_t *n);
/* Calls fn(ctx, name, id, is_roster) for each group of the site. */
int store_groups_load(struct store *st, long long site,
		      void (*fn)(void *ctx, const char *name, long long id,
				 int roster),
		      void *ctx);
/* Creates a group; returns its id. source is "roster" or "custom". */
long long store_group_create(struct store *st, long long site,
			     const char *name, const char *source);
/*
 * Inserts u and sets u->id. In a bulk transaction the row waits and is
 * written with the others a slice at a time, by store_flush() or by
 * store_commit(): a conflict (a username or external id taken) is
 * reported then, and fails that call; until then no statement sees it.
 */
int store_user_insert(struct store *st, long long site, struct store_user *u,
		      long long now);
/* Writes every field of u (not its groups) to the row u->id. */
int store_user_update(struct store *st, const struct store_user *u,
		      long long now);
/*
 * Marks the user as left and revokes their current credential in the same
 * transaction. Returns the number of credentials revoked, or -1.
 */
int store_user_leave(struct store *st, long long user, long long now);
int store_membership_add(struct store *st, long long group, long long user);
/* The same for a user added in this transaction (no membership yet);
 * in a bulk transaction it waits as store_user_insert()'s rows do. */
int store_membership_new(struct store *st, long long group, long long user);
int store_membership_remove(struct store *st, long long group,
			    long long user);

/* ==== Listings and custom groups ==== */

/*
 * Listings order names and groups as the printed lists do (collate.h).
 *
 * Groups of the site whose name holds search (case-insensitive; NULL for
 * all), ordered by name, limit rows from offset (limit < 0: all). Values:
 * name, source, members (active members). Returns the number of groups
 * that match in all, or -1.
 */
long store_list_groups(struct store *st, long long site, const char *search,
		       long limit, long offset, store_row_fn fn, void *ctx);
/*
 * Users of the site, optionally only members of group, optionally whose
 * username, names, external id or email hold search. Values: username,
 * forename, surname, external_id, user_type, groups, email,
 * email_verified, status. Ordered by surname, forename, username.
 * username, when not NULL, picks that one user.
 */
int store_list_users(struct store *st, long long site, const char *group,
		     const char *search, const char *username,
		     store_row_fn fn, void *ctx);
/* The user's id, or 0 when site has no such username, or -1. */
long long store_user_id(struct store *st, long long site,
			const char *username);
/* The group's id and whether it is roster-made; 0 when absent, or -1. */
long long store_group_id(struct store *st, long long site, const char *name,
			 int *roster);
/* Deletes a group and its memberships. */
int store_group_delete(struct store *st, long long group);

/* ==== Administrators ==== */

struct store_admin {
	long long id;
	char pwhash[160];
	int failed;
	long long locked_until;
};

/* Adds an admin with an Argon2id hash; fails when the name exists. */
long long store_admin_add(struct store *st, const char *name,
			  const char *pwhash, long long now);
/* Grants the admin the site. */
int store_admin_grant(struct store *st, long long admin, long long site);
/* Fills a for name; returns 1 found, 0 not found, or -1. */
int store_admin_get(struct store *st, const char *name,
		    struct store_admin *a);
/* 1 when the admin was granted the site, 0 when not, or -1. */
int store_admin_may(struct store *st, long long admin, long long site);
/*
 * Counts one attempt at the admin's password before it is checked, in one
 * statement, so parallel attempts are each counted. Returns the attempt's
 * number in the series since the last success (or the last lock's end),
 * or -1 or STORE_BUSY; 0 when there is no such admin. The attempt
 * numbered max locks the admin until now + lock_seconds; a number over
 * max means locked: refuse without checking. An attempt to be checked is
 * recorded with pid, the process checking it, until
 * store_admin_attempt_done(); first, attempts whose process has ended
 * before that (killed mid-check) are taken back from the count, and a
 * lock that only they made is lifted: *abandoned says how many. A
 * success calls store_admin_confirmed().
 */
int store_admin_attempt(struct store *st, long long admin, long long now,
			int max, long long lock_seconds, long long pid,
			int *abandoned);
/* The result of pid's attempt is being recorded: it is no longer open. */
int store_admin_attempt_done(struct store *st, long long admin,
			     long long pid);
/* Clears the count of attempts and any lock. */
int store_admin_confirmed(struct store *st, long long admin);
int store_admin_set_hash(struct store *st, long long admin,
			 const char *pwhash);
/* Values: name, sites (comma-separated codes), failed, locked_until. */
int store_list_admins(struct store *st, store_row_fn fn, void *ctx);
int store_admin_remove(struct store *st, long long admin);
/* Gives admin another name; a name that another admin has fails. */
int store_admin_rename(struct store *st, long long admin, const char *name);

/* ==== Selection and batches ==== */

/*
 * Members of the group (by name) at the site, active, and unclaimed unless
 * flags holds STORE_ALL. Values: username, forename, surname, external_id,
 * user_type, group, born_day, email, email_verified, claimed, class (""
 * when none), and then the user's id (for a caller that goes on to issue). Ordered by
 * surname, forename, unless flags holds STORE_UNSORTED (for a caller that
 * sorts what it gathers anyway).
 */
enum { STORE_ALL = 1, STORE_UNSORTED = 2 };
int store_select(struct store *st, long long site, const char *group,
		 unsigned flags, store_row_fn fn, void *ctx);
/* The same values for one user (no id), with group set to label. */
int store_select_user(struct store *st, long long site, const char *username,
		      const char *label, store_row_fn fn, void *ctx);
/* Calls fn(ctx, id) for each user of the site who claimed or left. */
int store_unavailable(struct store *st, long long site,
		      void (*fn)(void *ctx, long long user), void *ctx);

/* One user of a site, as store_targets() hands them over: strings valid
 * during the call only. */
struct store_target_row {
	long long id;
	const char *username, *forename, *surname, *user_type, *email;
	const char *class_name;   /* "" when none */
	int email_verified, claimed, left;
};
/* Calls fn for every user of the site, in one pass over the table. */
int store_targets(struct store *st, long long site,
		  int (*fn)(void *ctx, const struct store_target_row *t),
		  void *ctx);

/* Creates the site's next batch version; sets *id and *version. */
int store_batch_create(struct store *st, long long site, const char *actor,
		       const char *criteria, long long count, long long now,
		       long long *id, long long *version);
/*
 * Issuing a whole batch in bulk, inside one transaction:
 * store_issue_begin(), store_issue_add() for each user (at most once
 * each), then store_issue_finish(). The credentials are written a slice
 * at a time, as they come and at the finish: for each user whose current
 * credential is about to be voided, voided(ctx, user, version) is called;
 * those credentials and the users' reset tokens are voided and the new
 * credentials of batch stored. Set-wise statements instead of a few per
 * user.
 */
void store_issue_begin(struct store *st, long long batch, long long now,
		       void (*voided)(void *ctx, long long user,
				      long long version),
		       void *ctx);
int store_issue_add(struct store *st, long long user, const char *group,
		    const unsigned char *sealed, size_t len, const char *pwhash,
		    long long expires);
int store_issue_finish(struct store *st);
/*
 * Issues one credential of batch to user as store_issue_finish() does
 * (voiding the user's current one and reset tokens); the batch of one. sealed (len bytes) or pwhash holds the
 * password at rest. Sets *voided_version to the version of the batch whose
 * credential was voided (0 when none). Returns the new credential id.
 */
long long store_credential_issue(struct store *st, long long batch,
				 long long user, const char *group,
				 const unsigned char *sealed, size_t len,
				 const char *pwhash, long long expires,
				 long long now, long long *voided_version);

/* The current credential of a user. */
struct store_credential {
	long long id;
	long long batch;
	long long version;
	long long expires;
	unsigned char sealed[512];
	size_t sealed_len;        /* 0 when hashed */
	char pwhash[160];
	int failed;
};
/* Fills c; 1 found, 0 when the user has no current credential, or -1. */
int store_current_credential(struct store *st, long long user,
			     struct store_credential *c);
/*
 * Counts one attempt at the credential before it is checked, in one
 * statement, so parallel attempts are each counted. Returns the count
 * with this attempt, 0 when the credential is no longer current, or -1 or
 * STORE_BUSY. A right password takes its attempt back with
 * store_credential_verified(), so the count is of failures.
 */
int store_credential_attempt(struct store *st, long long credential);
int store_credential_verified(struct store *st, long long credential);
/* A sealed password and the associated data it was sealed with (its ids
 * less store_seal_offsets()). */
struct store_sealed {
	long long site, user, batch;
	unsigned char sealed[512];
	size_t len;
};
/*
 * Whether the store holds a sealed password (1, with the newest in *one),
 * none (0), or -1: what decides whether a missing key may be made anew.
 */
int store_sealed(struct store *st, struct store_sealed *one);
/*
 * Marks the user's account claimed and their current credential claimed,
 * deleting its sealed copy. Returns 1 when a credential was claimed, 0 when
 * the user had none (the account is marked claimed all the same),
 * STORE_CLAIMED_BEFORE when the account was claimed already and had no
 * current credential (nothing changed), or -1.
 */
#define STORE_CLAIMED_BEFORE 2
int store_claim(struct store *st, long long user, long long now);
/*
 * Expires every current credential of the site past its expiry, deleting
 * the sealed copies; fn(ctx, user, batch) is called for each first, for the
 * audit. Returns the number expired, or -1.
 */
long store_expire(struct store *st, long long site, long long now,
		  int (*fn)(void *ctx, long long user, long long batch),
		  void *ctx);
/*
 * Active users of the site who have not claimed their account and were
 * given a temporary password, with their newest one, whatever became of
 * it. Values: username, forename, surname, groups, version, generated_at,
 * expires, state, credential id, user id, batch id, the credential's
 * state in the store. state is the user's real state: current; expired
 * (past its expiry, retired by expire or not yet); locked (max_failed
 * failed attempts or more: verify refuses it); void (a newer batch, a
 * reset email, or lost lists ended it). sort is one of "name",
 * "username", "group", "expires", "version".
 */
int store_list_unclaimed(struct store *st, long long site, const char *group,
			 const char *search, const char *sort, int max_failed,
			 store_row_fn fn, void *ctx);
/*
 * One credential and what became of it, for emit's check of a record
 * stream, verify's reason and the helpdesk view. Strings are valid during
 * the call only.
 */
struct store_cred_row {
	const char *username;
	const char *state;        /* current, claimed, void, expired, revoked */
	long long id, user, batch, version;
	long long created;        /* when its batch was made */
	long long expires, ended; /* ended: 0 while current */
	long long voided_by;      /* the version of the batch that voided it:
				   * 0 when none (or its lists were lost) */
	int failed;               /* failed attempts at it */
};
typedef int (*store_cred_fn)(void *ctx, const struct store_cred_row *r);
/*
 * The username of each credential of batch, and whether it is current by
 * now: its state is 'current', it expires after now and fewer than
 * max_failed attempts at it failed. One statement that reads no more of a
 * credential than that, since a batch's credentials are mostly current and
 * only the others need store_batch_not_current(). 0, -1 or STORE_BUSY.
 */
typedef int (*store_member_fn)(void *ctx, const char *username,
			       int current);
int store_batch_members(struct store *st, long long batch, long long now,
			int max_failed, store_member_fn fn, void *ctx);
/*
 * Every credential of batch that is not current by now, as
 * store_batch_members() counts it, in one statement. 0, -1 or STORE_BUSY.
 */
int store_batch_not_current(struct store *st, long long batch, long long now,
			    int max_failed, store_cred_fn fn, void *ctx);
/*
 * For each user of the site given a credential by a batch older than
 * version, the newest such batch's version: fn(ctx, username, version).
 * One statement. 0, -1 or STORE_BUSY.
 */
int store_previous_versions(struct store *st, long long site,
			    long long version,
			    int (*fn)(void *ctx, const char *username,
				      long long version),
			    void *ctx);
/* Every credential of the user, newest first. 0, -1 or STORE_BUSY. */
int store_user_credentials(struct store *st, long long user,
			   store_cred_fn fn, void *ctx);
/* Sealed bytes of credential id into c (other fields too); 1, 0, -1. */
int store_credential_get(struct store *st, long long id,
			 struct store_credential *c);
/*
 * Batches of the site, newest first. Values: version, created_at, actor,
 * criteria, count, current, claimed, void, expired, revoked, kind
 * (passwords, or email: then a used reset token counts as claimed).
 */
int store_list_batches(struct store *st, long long site, store_row_fn fn,
		       void *ctx);
/* The id of the site's batch with version; 0 when none, or -1. */
long long store_batch_id(struct store *st, long long site, long long version);

/* Calls fn(ctx, name) for each user type that users at the site have. */
int store_user_types(struct store *st, long long site,
		     void (*fn)(void *ctx, const char *name), void *ctx);

/* ==== Reset tokens and the mail queue ==== */

/* Marks a batch as the password-reset emails of a notify run. */
int store_batch_set_kind(struct store *st, long long batch, const char *kind);
/*
 * Stores the hash of a new reset token for user in batch, voiding the
 * user's current token and current temporary password (the email covers
 * them as a newer list would).
 */
int store_token_issue(struct store *st, long long batch, long long user,
		      const unsigned char *hash, size_t len, long long expires,
		      long long now);

struct store_token {
	long long id, user, batch, expires;
	char state[16];               /* current, used, void, expired, ... */
	char username[128];
};
/* Finds the token with this hash at the site; 1, 0 when none, or -1. */
int store_token_find(struct store *st, long long site,
		     const unsigned char *hash, size_t len,
		     struct store_token *t);
/* Ends a current token as state ("used", "expired"); 1 when it was
 * current, 0 when it was not (a second redeem), or -1. */
int store_token_end(struct store *st, long long token, const char *state,
		    long long now);

/* Records a message queued as file (its name in the queue folder). */
long long store_delivery_add(struct store *st, const char *file,
			     const char *message_id, long long user,
			     long long batch, const char *recipient,
			     long long now);

struct store_delivery {
	long long id, user, batch;
	long long site;               /* the site of its batch (0: none) */
	char state[16];               /* queued, sent, refused, dropped */
	int attempts;
	char recipient[320];
	char last_error[512];
	/* The reset token the message carries, by its batch and user:
	 * token_state is "" when the store holds none. */
	char token_state[16];         /* current, used, void, expired, ... */
	long long token_expires;
	unsigned char token_hash[64]; /* the token's hash, never the token */
	size_t token_hash_len;
	int user_left, user_claimed;
};
/* The delivery of the queued file; 1, 0 when unknown, or -1. */
int store_delivery_get(struct store *st, const char *file,
		       struct store_delivery *d);
/* Records an attempt: state "sent", "queued" (try again) or "refused". */
int store_delivery_result(struct store *st, long long id, const char *state,
			  const char *error, long long now);
/* Marks a delivery dropped (never to be sent) for the reason why. */
int store_delivery_drop(struct store *st, long long id, const char *why);

/* ==== Lists pending publication ==== */

/*
 * A batch's list written in full under its temporary name tmp (by process
 * pid) but not yet renamed to path: recorded inside the batch's own
 * transaction, cleared once every list is named, so that a batch
 * committed by a process killed before its renames can be published, or
 * voided, by the next one (stages/publish.c).
 */
struct store_pending {
	long long batch, site, version, pid, size;
	const char *tmp, *path;       /* valid during the callback only */
};
int store_pending_add(struct store *st, long long batch, long long pid,
		      const char *tmp, const char *path, long long size);
/* Calls fn for each pending list, a batch's together, oldest first. */
int store_pending_each(struct store *st,
		       int (*fn)(void *ctx, const struct store_pending *p),
		       void *ctx);
/* Forgets the pending lists of batch (they are named, or it is void). */
int store_pending_clear(struct store *st, long long batch);
/*
 * Voids every current credential of batch (its lists were lost), deleting
 * the sealed copies; fn(ctx, user) is called for each first, for the
 * audit. Returns the number voided, or -1.
 */
long store_batch_void(struct store *st, long long batch, long long now,
		      int (*fn)(void *ctx, long long user, long long batch),
		      void *ctx);

/* ==== Audit ==== */

/*
 * Appends an event to the hash chain inside the open transaction. user and
 * batch are 0 when not about one. detail never holds a secret.
 */
int store_audit(struct store *st, long long site, const char *actor,
		const char *action, long long user, long long batch,
		const char *detail);
/*
 * Events of the site, oldest first, filtered by user (0 any), batch (0
 * any) and since (0 any). Values: id, at, actor, action, username,
 * batch (version), detail.
 */
int store_list_audit(struct store *st, long long site, long long user,
		     long long batch, long long since, store_row_fn fn,
		     void *ctx);
/*
 * Rows SQLite stepped through in scans of whole tables, by the store's
 * statements since the last call: what tests of the query plans look at.
 */
long long store_scan_steps(struct store *st);
/*
 * Recomputes the whole chain (all sites). Returns 0 when intact, 1 after
 * reporting the first event that was edited, deleted or reordered, -1 on
 * error.
 */
int store_audit_verify(struct store *st, long long *events);
/*
 * store_audit_verify(), and fn (when not NULL) for each chain that holds
 * up: a PostgreSQL store has a chain per school (and its own, for what
 * names no site), a SQLite store one, for which fn is not called.
 * Values: chain id, origin ("this database", or the SQLite file it was
 * copied from and when), its sites' codes (comma-separated), events. A
 * failure names the chain and the event, in its chain's numbering.
 */
int store_audit_verify_chains(struct store *st, store_row_fn fn, void *ctx,
			      long long *events);
/* ==== Copying a SQLite store into PostgreSQL ==== */

/* A site code or admin name of the source that the target holds. */
#define STORE_TAKEN (-3)
struct store_copied {
	long long chain;           /* the audit chain the events went into */
	long long sites, users, batches, events;
	int shifted;               /* ids moved past the target's own */
};
/*
 * Copies every row of the SQLite store src (store_open_readonly()) into
 * the PostgreSQL database url, in one transaction under the database's
 * lock, through COPY: all or nothing, src untouched. Into a database
 * without tempass's rows every id is kept; into one with other schools',
 * each table's ids are moved past the largest there, and the new chain
 * records by how much, so the copied events verify with the hashes SQLite
 * made. Identity sequences are moved past the ids copied. 0; STORE_TAKEN
 * when a site code or admin name of src is in the target (nothing
 * written); -1 or STORE_BUSY (reported; a target that cannot be reached
 * is STORE_FAULT_UNAVAILABLE). The caller verifies src's chain first.
 */
int store_copy_to(struct store *src, const char *url,
		  struct store_copied *out);
/*
 * SQLite's quick_check of the whole database: 0 when it holds, 1 after
 * reporting what is damaged (a page, an index), -1 on another error.
 */
int store_quick_check(struct store *st);

#endif
