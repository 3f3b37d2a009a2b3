/*
 * regenerate.h: new temporary passwords for a selection, as one batch (see
 * regenerate.c).
 */
#ifndef TEMPASS_REGENERATE_H
#define TEMPASS_REGENERATE_H

#include "engine/ctx.h"

struct regenerate_opts {
	const char *admin;          /* the administrator acting */
	const char *password_file;  /* theirs; NULL: asked on the terminal */
	const char *input;          /* the selection; NULL: standard input */
	enum rec_format format;     /* of the records written on stdout */
	int yes;                    /* do not ask before regenerating */
	int dry_run;                /* say how many would change, no more */
};

/*
 * Confirms the admin, reads the selection, says on stderr how many
 * passwords will change, asks unless yes, writes the batch and then its
 * records on stdout. Returns 0, 1 when the admin cancels, or a sysexits
 * status (reported); nothing is written when the batch fails.
 */
int regenerate(struct ctx *ctx, const struct regenerate_opts *o);

#endif
