/*
 * admin.h: the administrators, and the confirmation of their own password
 * before a batch is made for a site (see admin.c).
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

/*
 * Adds admin name with a new password (the first line of the 0600
 * password_file, else asked twice on the terminal) for the configured
 * sites named (none: the site tempass works in), audited. Returns 0 or a
 * sysexits status (reported).
 */
int admin_add(struct ctx *ctx, const char *name, const char *const *sites,
	      size_t nsites, const char *password_file);
/* Sets a new password for admin name, which also lifts a lock-out. */
int admin_passwd(struct ctx *ctx, const char *name,
		 const char *password_file);
/* Removes admin name and their grants, audited. */
int admin_remove(struct ctx *ctx, const char *name);
/*
 * Gives admin name the name to, keeping their password, grants and any
 * lock-out, audited (events already in the audit keep the name they were
 * made under). A name another admin has is refused (EX_DATAERR).
 */
int admin_rename(struct ctx *ctx, const char *name, const char *to);

#endif
