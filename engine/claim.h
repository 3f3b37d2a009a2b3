/*
 * claim.h: reading who has claimed their account: usernames, a record
 * stream with a 'username' column, or a directory's report of who has set
 * their own password (an LDAP search result, LDIF as ldapsearch writes
 * it). Which one is told from the first bytes, or [claim] format.
 */
#ifndef TEMPASS_ENGINE_CLAIM_H
#define TEMPASS_ENGINE_CLAIM_H

#include <stdio.h>

#include "engine/ctx.h"

/*
 * Reads in (name in messages) and marks claimed, as claim_users() does:
 * from a record stream, every user it names (all or nothing); from a
 * directory's report, each user whose password was changed
 * ([claim] changed, pwdChangedTime) or who logged in ([claim] login,
 * authTimestamp) after their current temporary password was issued,
 * unless the entry still says the password is the administrator's
 * (pwdReset: TRUE). Entries are matched to users by [claim] match:
 * username ([claim] username, uid) or email ([claim] email, mail). Prints
 * the summary on stdout: how many were claimed, unchanged and unknown.
 * 0 or a sysexits status (reported).
 */
int claim_input(struct ctx *ctx, FILE *in, const char *name);

#endif
