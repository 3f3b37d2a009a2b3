/*
 * claim: recording that users have set their own password, from what the
 * directory they log in to reports: a stream of usernames, or an LDAP
 * search result (LDIF, as ldapsearch writes it, with pwdChangedTime and
 * authTimestamp). A user whose password changed, or who logged in, after
 * their current temporary password was issued has claimed their account;
 * the others are left alone.
 */
#ifndef TEMPASS_CLAIM_H
#define TEMPASS_CLAIM_H

#include <stdio.h>

#include "engine/ctx.h"

/* What a claim stream is; CLAIM_AUTO: told by its first bytes. */
enum claim_from { CLAIM_AUTO, CLAIM_USERNAMES, CLAIM_LDIF };

/* Parses "usernames", "ldif". 0, or -1 (not reported). */
int claim_from_parse(const char *s, enum claim_from *f);

/*
 * Reads a claim stream from in (name in messages) as from says, or, with
 * CLAIM_AUTO, as its first bytes say: "dn:", "version:" or "#" is LDIF,
 * else a record stream with a 'username' column (claim_users()). From
 * LDIF, the user of each entry (by [claim] user and match, else uid and
 * username) is claimed when [claim] changed or login (else pwdChangedTime,
 * authTimestamp, GeneralizedTime) is later than their current
 * credential's batch, unless the entry still holds pwdReset: TRUE (the
 * password is the administrator's, as emit ldif sets it). An entry naming
 * no user of the site is reported and counted, not fatal; one without the
 * attribute is passed over; a time that cannot be read stops it all
 * (nothing changed). Prints how many were claimed, left alone, without a
 * current password, unknown. 0 or a sysexits status (reported).
 */
int claim_stream(struct ctx *ctx, FILE *in, const char *name,
		 enum claim_from from);

#endif
