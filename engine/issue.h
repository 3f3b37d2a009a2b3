/*
 * issue: the batch engine shared by regenerate, reset and run. It takes the
 * users a stage picked, generates a password for each by their user type's
 * policy, and writes one new batch in one transaction: the batch, one
 * credential per user (sealed or hashed), the voiding of each user's older
 * credential, and the audit events. Passwords stay in locked memory and are
 * handed back only after the transaction has committed, or to a during()
 * hook that keeps what it writes unnamed until then, so no printed list
 * can exist for a batch that does not.
 */
#ifndef TEMPASS_ISSUE_H
#define TEMPASS_ISSUE_H

#include <stddef.h>

#include "core/util.h"
#include "engine/ctx.h"
#include "formats/records.h"

struct issue_item {
	const char *username;     /* borrowed from the caller */
	const char *group;        /* the group it was selected by */
	/* filled by issue_resolve() */
	long long user_id;
	const char *forename, *surname, *user_type;
	const char *class_name;   /* the user's class, "" when none */
	const char *email;        /* a verified address, or NULL */
	int skip;                 /* ISSUE_* reason it gets no password */
	/* filled by issue_batch() */
	const struct policy *policy;
	char *password;           /* in locked memory, NUL-terminated */
	long long expires;
};

enum { ISSUE_OK, ISSUE_CLAIMED, ISSUE_LEFT, ISSUE_UNKNOWN, ISSUE_DUPLICATE };

struct issue {
	struct issue_item *items;
	size_t n;
	struct arena arena;       /* names of the items */
	char *secret;             /* locked buffer holding the passwords */
	size_t secret_len;
	size_t slot;              /* its bytes per password */
	/* the batch, once written */
	long long batch_id, version, generated_at;
	size_t issued, claimed, left, unknown, voided;
	/*
	 * Optional, for work that must stand or fall with the batch (run's
	 * lists): called inside the transaction with ISSUE_READY once every
	 * password, the batch's id and version and each expiry date are
	 * known, then with ISSUE_DONE just before the commit (nonzero, a
	 * sysexits status, rolls the batch back); and with ISSUE_ABORT when
	 * the batch fails after ISSUE_READY, whatever ISSUE_DONE said.
	 */
	int (*during)(void *arg, struct issue *is, int phase);
	void *during_arg;
};

enum { ISSUE_READY, ISSUE_DONE, ISSUE_ABORT };

/*
 * Looks each item's user up at the context's site and marks those who
 * claimed, left, are unknown or appear twice. Returns 0 or a sysexits
 * status.
 */
int issue_resolve(struct ctx *ctx, struct issue *is);

/*
 * Generates the passwords and writes the batch (see the top of this file)
 * for the items not skipped; the users who claimed or left since
 * issue_resolve() are skipped too. actor and criteria go into the batch and
 * the audit. Returns 0 or a sysexits status; on failure nothing is written.
 */
int issue_batch(struct ctx *ctx, struct issue *is, const char *actor,
		const char *criteria);

/* The columns a batch adds to each record, in order. */
#define ISSUE_NCOLUMNS 7
extern const char *const issue_columns[ISSUE_NCOLUMNS];

/*
 * The values of issue_columns for item it into out (ISSUE_NCOLUMNS of
 * them): strings borrowed from the arguments, it and ctx.
 */
void issue_values(const struct ctx *ctx, const struct issue_item *it,
		  const char *batch, const char *version, const char *gen,
		  const char *expires, const char **out);

/*
 * Writes the records of the issued items to out in format f: the header is
 * cols, then forename and surname when cols lacks them, class, then
 * issue_columns; row i is rows[i] (ncols values), the names and class the
 * store holds for item i (so a stream of usernames alone can be printed),
 * then the batch's values. Items given no password are left out. Returns
 * 0 or EX_IOERR (reported).
 */
int issue_write(struct ctx *ctx, const struct issue *is, FILE *out,
		enum rec_format f, const char *const *cols, size_t ncols,
		char ***rows);

/* A selection read from a record stream (select's output). */
struct issue_input {
	struct arena arena;
	char **cols;              /* input columns, less those a batch adds */
	size_t ncols;
	long *from;               /* input index of each kept column */
	long group_col;           /* input index of 'group', or -1 */
	char **criteria;          /* 'criteria' per record, or NULL */
	char ***rows;             /* kept values per record */
	char **groups;            /* group value per record, or NULL */
	size_t nrows;
};

/*
 * Reads the record stream in path (NULL: standard input), with a
 * 'username' column (and maybe 'group'), into inp, and one item per record
 * into is (borrowing inp's strings). Columns
 * a batch adds (issue_columns) are dropped, but for 'group': a batch
 * writes them afresh.
 * Returns 0, EX_NOINPUT or EX_DATAERR (reported).
 */
int issue_read_input(const char *path, struct issue_input *inp,
		     struct issue *is);
/*
 * "groups: Year 7, 7B" from what select was asked (the 'criteria' column;
 * each distinct value once, in order), else from the distinct groups in
 * order; caller frees.
 */
char *issue_criteria(const struct issue_input *inp);
void issue_input_release(struct issue_input *inp);

/* What regenerate() and notify() are asked to do with a selection. */
struct selection_opts {
	const char *admin;          /* the administrator acting */
	const char *password_file;  /* theirs; NULL: asked on the terminal */
	const char *input;          /* the selection; NULL: standard input */
	enum rec_format format;     /* of the records written */
	const char *output;         /* regenerate: the records' file, made
				       0600 and named when complete; NULL:
				       standard output */
	int force;                  /* replace output when it exists */
	int yes;                    /* do not ask before acting */
	int dry_run;                /* say how many would change, no more */
};

/*
 * Asks question on the terminal before a batch is written, unless yes.
 * 0 to go on; 1 when the admin says no, EX_USAGE with no terminal to ask
 * on (reported).
 */
int issue_ask(const char *question, int yes);

/*
 * The file a batch's records go to, path (NULL: standard output): made
 * 0600 with no name now, so that a name that is taken or a folder that is
 * not there stops the batch before it is asked for; a dry run only checks
 * the name. 0, or a sysexits status (reported). af is zeroed first;
 * atomic_abort() it on every path.
 */
int issue_out_open(struct atomic_file *af, const char *path, int force,
		   int dry_run);
/* Names the file of issue_out_open() once the records of batch version
 * are in it (nothing for standard output). 0, or a sysexits status
 * (reported, with what to do). */
int issue_out_commit(struct atomic_file *af, long long version);

/* Wipes and frees everything is holds (not the items' borrowed strings). */
void issue_release(struct issue *is);

#endif
