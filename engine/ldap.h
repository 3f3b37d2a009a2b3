/*
 * ldap.h: a batch as LDIF for ldapmodify: one change record per user that
 * replaces userPassword with an Argon2id hash in the {ARGON2} scheme of
 * slapd's argon2 module, never the password itself, so the file is safe
 * to hand to the directory's administrator. Where the directory has no
 * argon2 module, [ldap] scheme = ssha writes {SSHA} instead, with a
 * warning.
 *
 * Each record also moves a marker, one value of the single-valued
 * attribute [ldap] marker, from the user's previous batch to this one:
 * "delete" of the exact value the previous batch left, then "add" of this
 * batch's ("tempass SITE vN USERNAME"). A modify is applied whole or not at
 * all, so once a newer batch is in the directory an older file's record
 * fails ("no such value", or the attribute holds a value already), even
 * with ldapmodify -c, and cannot put back a void password. emit's AD
 * file moves the same marker, in [ad] marker, with these functions.
 */
#ifndef TEMPASS_ENGINE_LDAP_H
#define TEMPASS_ENGINE_LDAP_H

#include <stdio.h>

#include "core/hmap.h"
#include "core/util.h"
#include "engine/ctx.h"
#include "engine/emit.h"

/* The markers left before a batch: username -> version (as a pointer). */
struct ldap_previous {
	struct hmap map;
	struct arena names;
	int loaded;
};
#define LDAP_PREVIOUS_INIT { HMAP_INIT, ARENA_INIT, 0 }

/*
 * Checks that pipeline.conf says how to write LDIF ([ldap] dn and
 * marker). 0, or EX_CONFIG (reported).
 */
int ldap_check(const struct ctx *ctx);
/*
 * Loads into p, for each user of the site, the newest version below
 * `below` that gave them a credential: the marker the batch of version
 * below takes away. Needs the store (the calling thread's). 0 or a
 * sysexits status (reported). Release with ldap_previous_release().
 */
int ldap_previous_load(struct ctx *ctx, long long below,
		       struct ldap_previous *p);
void ldap_previous_release(struct ldap_previous *p);

/*
 * Writes rows [from, to) of t as LDIF to fp: a comment naming the batch,
 * then a change record per user. prev is what ldap_previous_load() gave
 * for the batch's version. Hashes on the workers. 0, or a sysexits status
 * (reported): EX_DATAERR for a record without username, password or
 * version, or whose DN cannot be made.
 */
int ldap_write(struct ctx *ctx, const struct ldap_previous *prev,
	       const struct emit_table *t, size_t from, size_t to, FILE *fp);

/*
 * Reads a file ldap_write() wrote back, as records: username, version
 * (both from each record's marker) and dn, into t (its rows in arena; the
 * caller frees t->rows), so that emit can check whether the batch is
 * still current. 0, or a sysexits status (reported): EX_DATAERR for a
 * record without a marker or of another site.
 */
int ldap_read_records(struct ctx *ctx, FILE *in, const char *name,
		      struct emit_table *t, struct arena *arena);

/* The marker value of a user's batch: "tempass SITE vN USERNAME".
 * Caller frees. */
char *ldap_marker(const char *site, long long version, const char *username);

#endif
