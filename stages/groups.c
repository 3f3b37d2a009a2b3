/*
 * groups: the group picker. Lists the site's groups with their source and
 * member count, searchable and paged as a picker on a screen is, and manages
 * custom groups (roster-made groups follow the MIS export and are not edited
 * here). Every change is one transaction with its audit event.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass groups [--search TEXT] [--page N] [--per-page N]\n"
	"                      [--format tsv|csv|ndjson|table]\n"
	"       tempass groups create NAME\n"
	"       tempass groups add NAME USERNAME...\n"
	"       tempass groups remove NAME USERNAME...\n"
	"       tempass groups delete NAME\n"
	"\n"
	"Lists the site's groups (columns: name, source, members) or manages\n"
	"custom groups. Groups made from the roster change only by import.\n"
	"On a terminal the list is shown 20 to a page; elsewhere all groups\n"
	"are written unless --page or --per-page is given. --search finds\n"
	"TEXT in the name, whatever its case or accents.\n";

static int list(struct ctx *ctx, const char *search, long page, long per_page,
		const char *format)
{
	static const char *const cols[] = { "name", "source", "members" };
	enum rec_format f;
	struct rec_writer *w;
	long total;
	int rc;

	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (per_page <= 0 && (page > 0 || f == REC_TABLE))
		per_page = 20;
	if (page <= 0)
		page = 1;
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	total = store_list_groups(ctx->store, ctx->site_id, search,
				  per_page > 0 ? per_page : -1,
				  per_page > 0 ? (page - 1) * per_page : 0,
				  write_record, w);
	if (rec_writer_close(w) != 0) {
		errorf("cannot write the list: standard output failed");
		return EX_IOERR;
	}
	if (total < 0)
		return store_status((int)total);
	if (per_page > 0 && isatty(fileno(stderr))) {
		long pages = (total + per_page - 1) / per_page;

		printf_inert(stderr, "page %ld of %ld (%ld group%s%s%s%s)\n",
			     page, pages ? pages : 1, total,
			     total == 1 ? "" : "s",
			     search ? " matching '" : "", search ? search : "",
			     search ? "'" : "");
	}
	return 0;
}

/* Checks the custom group called name; its id, or 0 after reporting. */
static long long custom_group(struct ctx *ctx, const char *name, int *status)
{
	int roster = 0;
	long long id = store_group_id(ctx->store, ctx->site_id, name, &roster);

	if (id < 0) {
		*status = store_status((int)id);
		return 0;
	}
	if (id == 0) {
		errorf("no group '%s' at site '%s'", name, ctx->site->code);
		*status = EX_DATAERR;
		return 0;
	}
	if (roster) {
		errorf("group '%s' is made from the roster; it changes only "
		       "by import", name);
		*status = EX_DATAERR;
		return 0;
	}
	return id;
}

static int valid_group_name(const char *name)
{
	if (!*name || strlen(name) > 100)
		return 0;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return utf8_valid(name, strlen(name)) && name[0] != ' ' &&
	       name[strlen(name) - 1] != ' ';
}

static int change(struct ctx *ctx, const char *verb, int argc, char **argv)
{
	const char *name = argv[0];
	struct store *st;
	long long gid = 0;
	int rc, status = 0;
	char detail[256];

	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	st = ctx->store;
	if ((rc = store_begin(st)) != 0)
		return store_status(rc);
	if (strcmp(verb, "create") == 0) {
		if (!valid_group_name(name)) {
			errorf("group name '%s' must be 1 to 100 characters, "
			       "no control characters or outer spaces", name);
			status = EX_DATAERR;
			goto fail;
		}
		if ((gid = store_group_id(st, ctx->site_id, name, NULL)) != 0) {
			if (gid > 0)
				errorf("group '%s' already exists", name);
			status = gid > 0 ? EX_DATAERR : store_status((int)gid);
			goto fail;
		}
		if ((gid = store_group_create(st, ctx->site_id, name,
					      "custom")) < 0)
			goto fail_store;
		snprintf(detail, sizeof(detail), "group '%s'", name);
	} else {
		if (!(gid = custom_group(ctx, name, &status)))
			goto fail;
		snprintf(detail, sizeof(detail), "group '%s'", name);
	}
	if (strcmp(verb, "delete") == 0 &&
	    (rc = store_group_delete(st, gid)) != 0)
		goto fail_store;
	for (int i = 1; i < argc; i++) {
		long long uid = store_user_id(st, ctx->site_id, argv[i]);

		if (uid == 0) {
			errorf("no user '%s' at site '%s'; nothing changed",
			       argv[i], ctx->site->code);
			status = EX_DATAERR;
			goto fail;
		}
		if (uid < 0 || (strcmp(verb, "add") == 0 ?
				 store_membership_add(st, gid, uid) :
				 store_membership_remove(st, gid, uid)) != 0)
			goto fail_store;
		if (store_audit(st, ctx->site_id, os_actor(),
				strcmp(verb, "add") == 0 ? "group.add" :
				"group.remove", uid, 0, detail) != 0)
			goto fail_store;
	}
	if (argc == 1 && store_audit(st, ctx->site_id, os_actor(),
				     strcmp(verb, "create") == 0 ?
				     "group.create" : "group.delete", 0, 0,
				     detail) != 0)
		goto fail_store;
	if ((rc = store_commit(st)) != 0)
		return store_status(rc);
	return 0;
fail_store:
	status = EX_IOERR;
fail:
	store_rollback(st);
	return status;
}

static int cmd_groups(struct ctx *ctx, int argc, char **argv);

const struct stage stage_groups = {
	.name = "groups",
	.summary = "list groups (the group picker); manage custom groups",
	.usage = usage,
	.exec = cmd_groups,
};

static int cmd_groups(struct ctx *ctx, int argc, char **argv)
{
	const char *search = NULL, *format = NULL, *verb;
	long page = 0, per_page = 0;
	const struct stage_opt opts[] = {
		OPT_STRING(0, "search", &search),
		OPT_INT(0, "page", &page, 1, 1000000),
		OPT_INT(0, "per-page", &per_page, 1, 1000000),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_groups, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argi == argc)
		return list(ctx, search, page, per_page, format);
	verb = argv[argi];
	argc -= argi + 1;
	argv += argi + 1;
	if (strcmp(verb, "create") == 0 || strcmp(verb, "delete") == 0) {
		if (argc != 1)
			return stage_usage(&stage_groups, "groups %s takes one "
					   "NAME", verb);
	} else if (strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0) {
		if (argc < 2)
			return stage_usage(&stage_groups, "groups %s takes "
					   "NAME and at least one USERNAME",
					   verb);
	} else {
		return stage_usage(&stage_groups, "'%s' is not create, add, "
				   "remove or delete", verb);
	}
	return change(ctx, verb, argc, argv);
}
