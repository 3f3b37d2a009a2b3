/*
 * reset.h: a new temporary password for one user, as a batch of one (see
 * reset.c).
 */
#ifndef TEMPASS_RESET_H
#define TEMPASS_RESET_H

#include "engine/ctx.h"

struct reset_opts {
	const char *admin;          /* the administrator acting */
	const char *password_file;  /* theirs; NULL: asked on the terminal */
	const char *username;       /* whose password */
	enum rec_format format;     /* of the record written */
	const char *output;         /* the record's file (see
				       issue_out_open()); NULL: stdout */
	int force;                  /* replace output when it exists */
};

/*
 * Confirms the admin, writes a batch of one for the user and their record,
 * new password included, on stdout or in o->output, a 0600 file named
 * when complete, its name checked first. Returns 0, EX_DATAERR for a user who
 * is unknown, left or claimed their account, or another sysexits status
 * (reported).
 */
int reset_user(struct ctx *ctx, const struct reset_opts *o);

#endif
