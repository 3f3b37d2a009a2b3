/*
 * copy.h: a school's SQLite store copied into a PostgreSQL database,
 * once per school, as a trust moves its schools onto one server.
 */
#ifndef TEMPASS_COPY_H
#define TEMPASS_COPY_H

#include "engine/ctx.h"

/*
 * Copies the SQLite store at from (NULL: the configured [store]
 * database) into the PostgreSQL database to (a connection string), after
 * checking that the source's audit chain holds (EX_DATAERR when not,
 * nothing written). The source is only read. A site code or admin name
 * the target has already is refused (EX_CANTCREAT, nothing written); a
 * target that cannot be reached is EX_UNAVAILABLE. Prints what was
 * copied. 0 or a status (reported).
 */
int copy_store(struct ctx *ctx, const char *from, const char *to);

#endif
