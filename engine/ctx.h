/*
 * ctx.h: what the engine runs in: the configuration, the store and the
 * site, loaded once per process by the stage that needs them, and the
 * conventions every engine function shares (the exit status of a failed
 * store call or output, the actor of the audit, the associated data of a
 * sealed password). Engine functions take a ctx and return 0 or a
 * sysexits.h status, reported once; they write nothing to stdout but what
 * their contract names.
 */
#ifndef TEMPASS_CTX_H
#define TEMPASS_CTX_H

#include <stddef.h>
#include <stdio.h>
#include <sysexits.h>

#include "core/config.h"
#include "core/store.h"
#include "formats/records.h"

/* What the engine runs in: the configuration, the store and the site. */
struct ctx {
	const char *config_path;
	const char *site_code;      /* --site, NULL for the default */
	long jobs;                  /* --jobs, 0 for [tempass] jobs */
	struct config *cfg;
	struct store *store;
	const struct site_conf *site;
	long long site_id;
	long long seal_off[3];      /* store_seal_offsets() of the site */
	struct wordlists *wordlists;
	struct seal_key *key;       /* loaded by ctx_key() */
	struct policy **extra;      /* default policies of unconfigured types */
	size_t nextra;
};

/* Loads the configuration once. 0, or a sysexits status (reported). */
int ctx_config(struct ctx *ctx);
/* Loads the configuration and opens the store and the site. */
int ctx_open(struct ctx *ctx);
/*
 * ctx_open() for work that reads what the store holds: where the
 * configuration's database file does not exist yet, none is made and
 * the answer is EX_NOINPUT (reported); a server's database (PostgreSQL)
 * is opened as it is, since opening one makes no file.
 */
int ctx_open_existing(struct ctx *ctx);
void ctx_release(struct ctx *ctx);
/*
 * Loads the key file, creating it when create is set and the store holds
 * no sealed password yet; with sealed passwords, a key that is missing,
 * unreadable or does not open them is refused. 0, or EX_NOPERM (reported).
 * Needs the store open.
 */
int ctx_key(struct ctx *ctx, int create);
/*
 * The policy of a user type: its [policy TYPE] section, or the defaults
 * for that type, checked. NULL after reporting a policy that fails its
 * check. Not thread-safe: look policies up before starting threads.
 */
const struct policy *ctx_policy(struct ctx *ctx, const char *user_type);

/*
 * The status for a failed store call, one per kind of failure whatever
 * the stage: EX_TEMPFAIL when busy, EX_CANTCREAT when the database or its
 * folder cannot be created, EX_UNAVAILABLE when its backend cannot be
 * used (libpq missing, a stage PostgreSQL does not run yet), else
 * EX_IOERR (a full disk, a database that is damaged, empty, truncated or
 * not a database, or cannot be written).
 */
int store_status(int rc);
/*
 * The status for an output that could not be written (reported):
 * EX_IOERR when the disk failed it (full, over quota, an I/O error), as
 * for the store, else EX_CANTCREAT.
 */
int output_status(void);

/*
 * The associated data that binds a sealed password to its credential's
 * site, user and batch, so a sealed value moved to another row no longer
 * opens. Returns its length.
 */
size_t credential_ad(char *buf, size_t size, long long site, long long user,
		     long long batch);
/* credential_ad() of a credential of the ctx's site, its ids as they
 * were when the site's store was made (store_seal_offsets()). */
size_t ctx_credential_ad(const struct ctx *ctx, char *buf, size_t size,
			 long long user, long long batch);

/* A store_row_fn that writes the row to the rec_writer ctx. */
int write_record(void *writer, const char *const *values);

/* The name of the person at the keyboard, for the audit ("os:alice"). */
const char *os_actor(void);

/*
 * The format of a listing on out: --format when given (name may be NULL),
 * otherwise a table on a terminal and TSV elsewhere. -1 when name is
 * unknown (reported).
 */
int listing_format(const char *name, FILE *out, enum rec_format *f);

#endif
