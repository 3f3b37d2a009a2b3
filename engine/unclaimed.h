/*
 * unclaimed.h: who has still not claimed their account, each with the
 * real state of their newest temporary password, the password shown as
 * dots unless an admin confirms and every reveal is audited.
 */
#ifndef TEMPASS_UNCLAIMED_H
#define TEMPASS_UNCLAIMED_H

#include "engine/ctx.h"

struct unclaimed_opts {
	const char *group;          /* NULL: every group */
	const char *search;         /* NULL: everyone */
	const char *sort;           /* name, username, group, expires, version */
	int show;                   /* reveal current passwords */
	const char *admin;          /* who confirms --show */
	const char *password_file;  /* the admin's, or NULL */
	enum rec_format format;
};

/*
 * Writes the list on stdout (columns: username, forename, surname,
 * groups, version, generated_at, expires, state, password). state is
 * current, expired, locked (refused after too many failed attempts) or
 * void; a user with no current password shows "(no current password)".
 * An unknown group is refused (EX_DATAERR) naming the nearest groups.
 * 0 or a status (reported).
 */
int unclaimed_list(struct ctx *ctx, const struct unclaimed_opts *o);

#endif
