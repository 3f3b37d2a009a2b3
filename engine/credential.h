/*
 * credential.h: what became of a user's temporary password after its
 * batch, and the steps that ask: verify (a login service), claim (the user
 * set their own password) and the helpdesk's view of one user. The one
 * place that words why a password is no longer current, so that verify,
 * user, unclaimed and emit say it alike.
 */
#ifndef TEMPASS_CREDENTIAL_H
#define TEMPASS_CREDENTIAL_H

#include <stddef.h>

#include "engine/ctx.h"

/* Failed attempts after which verify refuses a password for good. */
#define CREDENTIAL_MAX_FAILED 10

/*
 * Why r is not a password verify accepts at now, as a phrase into buf:
 * "voided by batch v6", "void: its lists were lost", "expired on
 * 2026-10-01 08:14 UTC", "claimed", "revoked: the user left", "refused
 * after 10 failed attempts". NULL when it is current, unexpired and not
 * refused.
 */
const char *credential_why(const struct store_cred_row *r, long long now,
			   char *buf, size_t size);
/*
 * The same as one word: current, void, expired, claimed, revoked or
 * locked.
 */
const char *credential_state(const struct store_cred_row *r, long long now);

/*
 * Checks len bytes of pw against the user's current temporary password:
 * 0 when it is right, else a status (reported, with the reason a password
 * is refused). Each wrong attempt is counted and audited.
 */
int credential_verify(struct ctx *ctx, const char *username, const char *pw,
		      size_t len);
/*
 * credential_verify() of the password read from fd: one line (its line
 * end dropped), or a password ended by a NUL as pam_exec's expose_authtok
 * writes it. username NULL: PAM_USER's (pam_exec sets it); neither is
 * EX_USAGE (reported).
 */
int credential_verify_fd(struct ctx *ctx, const char *username, int fd);

/*
 * Marks the n users' accounts claimed, all or nothing, one audit event
 * each; a user who had claimed already is named and gets no second event.
 * Prints the summary on stdout. 0 or a status (reported).
 */
int claim_users(struct ctx *ctx, char *const *names, size_t n);
/*
 * claim_users() without the summary: *claimed is how many temporary
 * passwords were retired, *before how many users had claimed already.
 */
int claim_mark(struct ctx *ctx, char *const *names, size_t n,
	       size_t *claimed, size_t *before);

/*
 * The helpdesk's view of one user on stdout: their profile, their current
 * password's batch and version, expiry, failed attempts and whether it is
 * refused, then each of their credentials with its state, then their
 * events from the audit log as f. version > 0 asks about the slip of that
 * batch: the answer ends the view, and is 0 when it is current, else
 * EX_NOPERM (the reason on stderr). 0 or a status (reported).
 */
int user_show(struct ctx *ctx, const char *username, long long version,
	      enum rec_format f);

#endif
