/*
 * groups.h: a site's groups by the names people give them (--group,
 * [run] groups), checked in one place, so that a name the site lacks is
 * refused alike everywhere, with the groups nearest to it.
 */
#ifndef TEMPASS_GROUPS_H
#define TEMPASS_GROUPS_H

#include <stddef.h>

#include "engine/ctx.h"

/*
 * Whether the site (ctx open) has each of the n groups named: 0 when it
 * has them all; else EX_DATAERR after reporting each one it lacks, what
 * ("[run] groups: ", or "") before the message, with the site's groups
 * nearest to the name or, when none is near, a hint to search them; or a
 * store status.
 */
int groups_known(struct ctx *ctx, const char *const *names, size_t n,
		 const char *what);

#endif
