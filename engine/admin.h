/*
 * admin.h: an administrator confirms their own password before a batch is
 * made for a site (see admin.c).
 */
#ifndef TEMPASS_ADMIN_H
#define TEMPASS_ADMIN_H

#include "engine/ctx.h"

/* The longest admin password read, with its NUL. */
#define ADMIN_PASSWORD_MAX 256

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

#endif
