/*
 * claim: recording that users have set their own password, from what the
 * directory they log in to reports: a stream of usernames, an Active
 * Directory export (pwdLastSet, lastLogonTimestamp) or a GAM `print users`
 * CSV (lastLoginTime), or an LDAP search result (ldapsearch's LDIF with
 * pwdChangedTime, authTimestamp; an entry still holding pwdReset: TRUE has
 * the administrator's password and is left alone). A user whose password changed, or who logged in,
 * after their current temporary password was issued has claimed their
 * account; the others are left alone.
 */
#ifndef TEMPASS_CLAIM_H
#define TEMPASS_CLAIM_H

#include <stdio.h>

#include "engine/ctx.h"

/* What a claim stream is; CLAIM_AUTO: told by its first lines. */
enum claim_from { CLAIM_AUTO, CLAIM_USERNAMES, CLAIM_AD, CLAIM_GAM,
		  CLAIM_LDIF };

/* Parses "usernames", "ad", "gam", "ldif". 0, or -1 (not reported). */
int claim_from_parse(const char *s, enum claim_from *f);

/*
 * Reads a claim stream from in (name in messages) as from says, or as its
 * first lines say with CLAIM_AUTO: "#TYPE" (PowerShell's Export-Csv) or a
 * pwdLastSet or lastLogonTimestamp column is AD, a primaryEmail or
 * lastLoginTime column GAM, else a record stream with a 'username'
 * column. Usernames: claim_users(). A report: the user of each row (by
 * [claim] user and match, else the format's column and key) is claimed
 * when [claim] changed or login (else the format's columns) is later than
 * their current credential's batch; one transaction, an audit event per
 * claim. A row naming no user of the site is reported and counted, not
 * fatal; a time that cannot be read stops it all (nothing changed). Prints
 * how many were claimed, left alone, without a current password, unknown.
 * 0 or a sysexits status (reported).
 */
int claim_stream(struct ctx *ctx, FILE *in, const char *name,
		 enum claim_from from);

#endif
