/*
 * stage.h: how a subcommand plugs into tempass. To add one:
 *  1. write stages/<name>.c: usage text, options, static helpers, and the
 *     entry point last; export only `const struct stage stage_<name>`;
 *  2. add it to the stages[] table in tempass.c, in the order of the job;
 *  3. describe it in tempass.1 and README.md, and test it end to end in
 *     tests/e2e/.
 * A stage returns a sysexits.h status; main() exits with it. Stages never
 * include sqlite3.h or sodium.h: they go through core/store and
 * core/secrets.
 */
#ifndef TEMPASS_STAGE_H
#define TEMPASS_STAGE_H

#include <stdio.h>
#include <sysexits.h>

#include "core/config.h"
#include "formats/records.h"
#include "core/store.h"

/* What a stage runs in: the configuration, the store and the site. */
struct ctx {
	const char *config_path;
	const char *site_code;      /* --site, NULL for the default */
	struct config *cfg;
	struct store *store;
	const struct site_conf *site;
	long long site_id;
	struct wordlists *wordlists;
	struct seal_key *key;       /* loaded by ctx_key() */
	struct policy **extra;      /* default policies of unconfigured types */
	size_t nextra;
	FILE *summary;              /* where summaries go; NULL: stdout */
};

struct stage {
	const char *name;
	const char *summary;        /* one line for `tempass --help` */
	const char *usage;          /* the whole text for `--help` */
	int (*exec)(struct ctx *ctx, int argc, char **argv);
};

/* Loads the configuration once. 0, or a sysexits status (reported). */
int ctx_config(struct ctx *ctx);
/* Loads the configuration and opens the store and the site. */
int ctx_open(struct ctx *ctx);
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
 * folder cannot be created, else EX_IOERR (a full disk, a database that
 * is damaged, empty, truncated or not a database, or cannot be written).
 */
int store_status(int rc);
/*
 * The status for an output that could not be written (reported):
 * EX_IOERR when the disk failed it (full, over quota, an I/O error), as
 * for the store, else EX_CANTCREAT.
 */
int output_status(void);

/* Prints the stage's usage on stdout; returns 0. */
int stage_help(const struct stage *s);
/* Reports a usage error and a hint; returns EX_USAGE. */
int stage_usage(const struct stage *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Reports the option getopt_long() (opterr 0) just refused in argv: one
 * unknown, or one that needs a value or takes none. shortopts is what
 * getopt_long() was given.
 */
void option_error(char *const *argv, const char *shortopts);
/* option_error() and the stage's hint; returns EX_USAGE. */
int stage_bad_option(const struct stage *s, char *const *argv,
		     const char *shortopts);

/*
 * The format of a listing on out: --format when given (name may be NULL),
 * otherwise a table on a terminal and TSV elsewhere. -1 when name is
 * unknown (reported).
 */
int listing_format(const char *name, FILE *out, enum rec_format *f);

/*
 * Asks admin to confirm their own password (from password_file when not
 * NULL; for the [run] admin, from its password_file; else on the
 * terminal) before acting on the context's site. Five
 * failures in a row lock the admin for 15 minutes; every attempt, and a
 * refusal for a site the admin was not granted, is audited. Returns 0 when
 * confirmed, else a sysexits status (reported).
 */
int confirm_admin(struct ctx *ctx, const char *admin,
		  const char *password_file);

/*
 * The associated data that binds a sealed password to its credential's
 * site, user and batch, so a sealed value moved to another row no longer
 * opens. Returns its length.
 */
size_t credential_ad(char *buf, size_t size, long long site, long long user,
		     long long batch);

/* A store_row_fn that writes the row to the rec_writer ctx. */
int write_record(void *writer, const char *const *values);

/* The name of the person at the keyboard, for the audit ("os:alice"). */
const char *os_actor(void);

#endif
