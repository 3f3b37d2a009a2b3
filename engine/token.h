/*
 * token.h: the password-reset tokens a reset email links to, checked and
 * used up for the school's reset web page (see token.c).
 */
#ifndef TEMPASS_TOKEN_H
#define TEMPASS_TOKEN_H

#include <stddef.h>

#include "engine/ctx.h"

/*
 * Checks the token of n characters (redeem: and uses it up, once) for the
 * context's site. On success copies its user's name into username (size
 * bytes) and returns 0; a token that is unknown, used, void or expired is
 * refused and audited (EX_NOPERM), one that is not a token at all is
 * EX_DATAERR; else a sysexits status. Every status is reported.
 */
int token_use(struct ctx *ctx, const char *token, size_t n, int redeem,
	      char *username, size_t size);

#endif
