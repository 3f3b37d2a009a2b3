/*
 * import.h: loading a roster export into the store (see import.c), for the
 * import stage and run alike.
 */
#ifndef TEMPASS_IMPORT_H
#define TEMPASS_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "engine/ctx.h"
#include "formats/records.h"

struct import_opts {
	const struct roster_conf *roster;   /* the [roster NAME] mapping */
	const char *file;         /* the roster file */
	const char *rejects;      /* NULL: REJECTS_DIR/NAME.rejects.csv */
	int dry_run;              /* report what would change, write nothing */
	int strict;               /* import nothing when a row is rejected */
	int allow_leavers;        /* mark leavers beyond the threshold too */
	/* A dry run writes on list (NULL: nothing), as list_format, what it
	 * would do to whom: a record a user added, updated, moved or marked
	 * as left, with import_plan_columns; unchanged users are not listed. */
	FILE *list;
	enum rec_format list_format;
};

#define IMPORT_PLAN_NCOLUMNS 8
/* action (add, update, move, leave), external_id, username, forename,
 * surname, from and to (the groups left and joined), change (what else
 * changes: name, username (was X), date of birth, email, user type,
 * returned; for a leaver, whether an unclaimed password is revoked). */
extern const char *const import_plan_columns[IMPORT_PLAN_NCOLUMNS];

/* What the import did or, in a dry run, would do. */
struct import_result {
	int applied;              /* the rows were applied (or would be) */
	int dry_run;
	size_t added, updated, moved, left, unchanged, rejected;
	size_t revoked;           /* unclaimed passwords of leavers revoked */
	size_t kept;              /* users kept as they were: row rejected */
	size_t held;              /* leavers not marked for unreadable rows */
	size_t unreadable;        /* rejected rows whose id is unknown */
};

/*
 * Reads and checks the roster file, then applies its good rows in one
 * transaction (see the top of import.c); rejected rows go to the rejects
 * file. Opens the context's store. Returns 0, EX_DATAERR when rows were
 * rejected or the import refused, or another sysexits status (reported);
 * res says what was applied whatever the status.
 */
int import_roster(struct ctx *ctx, const struct import_opts *o,
		  struct import_result *res);

/* Writes what res says was done (or would be) on out, a line a fact. */
void import_summary(const struct import_result *res, FILE *out);

#endif
