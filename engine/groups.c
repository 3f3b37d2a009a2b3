/*
 * groups: see groups.h. The nearest groups are those holding what was
 * typed, or the longest start of it that some group holds ("Year 77"
 * finds "Year 7"), at most five of them.
 */
#include "engine/groups.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static int add_name(void *arg, const char *const *v)
{
	struct sbuf *sb = arg;

	sbuf_addf(sb, "%s'%s'", sb->len ? ", " : "", v[0]);
	return 0;
}

/* 0 when the site has group, EX_DATAERR (reported), or a store status. */
static int group_known(struct ctx *ctx, const char *group, const char *what)
{
	struct sbuf near = SBUF_INIT;
	char *typed;
	size_t len;
	long long id;
	long found = 0;

	id = store_group_id(ctx->store, ctx->site_id, group, NULL);
	if (id != 0)
		return id < 0 ? store_status((int)id) : 0;
	typed = xstrdup(group);
	len = strlen(typed);
	while (len > 0 && found == 0) {
		typed[len--] = '\0';
		found = store_list_groups(ctx->store, ctx->site_id, typed, 5,
					  0, add_name, &near);
	}
	free(typed);
	if (found < 0) {
		sbuf_release(&near);
		return store_status((int)found);
	}
	if (found > 0)
		errorf("%sno group '%s' at site '%s'; nearest: %s%s", what,
		       group, ctx->site->code, sbuf_str(&near),
		       found > 5 ? ", ..." : "");
	else
		errorf("%sno group '%s' at site '%s' (see 'tempass groups "
		       "--search')", what, group, ctx->site->code);
	sbuf_release(&near);
	return EX_DATAERR;
}

int groups_known(struct ctx *ctx, const char *const *names, size_t n,
		 const char *what)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		int r = group_known(ctx, names[i], what);

		/* Every unknown name is reported; a store error ends it. */
		if (r && r != EX_DATAERR)
			return r;
		if (r && !rc)
			rc = r;
	}
	return rc;
}
