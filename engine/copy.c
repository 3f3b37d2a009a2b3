/*
 * copy: see copy.h. The rows move in the store (store_copy_to()); here
 * the source is chosen, opened read-only and its chain checked first,
 * since a chain that does not hold would be copied as it is.
 */
#include "engine/copy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/util.h"

int copy_store(struct ctx *ctx, const char *from, const char *to)
{
	struct store_copied c;
	struct store *src;
	long long events = 0;
	int rc;

	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	if (!from)
		from = ctx->cfg->database;
	if (store_is_server(from)) {
		errorf("the store to copy is a PostgreSQL database: name the "
		       "SQLite file with --from");
		return EX_USAGE;
	}
	if (access(from, F_OK) != 0) {
		errorf("'%s': %s", from, errno == ENOENT ?
		       "no store to copy there" : strerror(errno));
		return EX_NOINPUT;
	}
	if (secrets_init() != 0)
		return EX_SOFTWARE;
	if (!(src = store_open_readonly(from)))
		return store_fault() == STORE_FAULT_CORRUPT ? EX_DATAERR :
		       store_status(-1);
	/* One snapshot for the check and the copy. */
	if ((rc = store_read_begin(src)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	rc = store_audit_verify(src, &events);
	if (rc > 0) {
		errorf("'%s': nothing copied: a store is copied only with an "
		       "audit chain that holds", from);
		rc = EX_DATAERR;
		goto done;
	}
	if (rc < 0 || (rc = store_copy_to(src, to, &c)) < 0) {
		rc = rc == STORE_TAKEN ? EX_CANTCREAT : store_status(rc);
		goto done;
	}
	printf_inert(stdout, "copied '%s': %lld site(s), %lld users, "
		     "%lld batches, %lld audit events into chain %lld%s\n",
		     from, c.sites, c.users, c.batches, c.events, c.chain,
		     c.shifted ? " (ids moved past the other schools')" :
		     " (ids kept)");
done:
	store_read_end(src);
out:
	store_close(src);
	return rc;
}
