/*
 * admin: the administrators who may regenerate passwords. Adding,
 * changing, removing and confirming them is the engine's (engine/admin.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "engine/admin.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass admin add NAME [--site CODE...] [--password-file FILE]\n"
	"       tempass admin passwd NAME [--password-file FILE]\n"
	"       tempass admin list [--format tsv|csv|ndjson|table]\n"
	"       tempass admin remove NAME\n"
	"       tempass admin rename NAME NEW\n"
	"\n"
	"Manages the administrators who may regenerate passwords. 'add'\n"
	"asks for the new password twice on the terminal (or reads the first\n"
	"line of a 0600 --password-file) and grants the named sites (without\n"
	"--site, the default: the first [site] of the configuration);\n"
	"'passwd' sets a new password and lifts a lock-out; 'rename' keeps\n"
	"the password and the sites granted.\n";

extern const struct stage stage_admin;

/* A global --site must be among the --site given after the stage's name. */
static int global_site_listed(struct ctx *ctx, const struct stage_list *sites)
{
	if (!sites->n || !ctx->site_code)
		return 0;
	for (size_t i = 0; i < sites->n; i++)
		if (strcmp(sites->v[i], ctx->site_code) == 0)
			return 0;
	return stage_usage(&stage_admin, "--site '%s' given before the stage "
			   "is not among the --site after it",
			   ctx->site_code);
}

static int list(struct ctx *ctx, const char *format)
{
	static const char *const cols[] = { "name", "sites", "failed",
					    "locked_until" };
	struct rec_writer *w;
	enum rec_format f;
	int rc;

	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	rc = store_list_admins(ctx->store, write_record, w);
	if (rec_writer_close(w) != 0)
		return EX_IOERR;
	return rc ? store_status(rc) : 0;
}

static int cmd_admin(struct ctx *ctx, int argc, char **argv);

const struct stage stage_admin = {
	.name = "admin",
	.summary = "add, list, rename and remove administrators",
	.usage = usage,
	.exec = cmd_admin,
};

static int cmd_admin(struct ctx *ctx, int argc, char **argv)
{
	struct stage_list sites = { 0 };
	const char *file = NULL, *format = NULL, *verb;
	const struct stage_opt opts[] = {
		OPT_LIST(0, "site", &sites),
		OPT_STRING(0, "password-file", &file),
		OPT_STRING(0, "format", &format),
		OPT_END,
	};
	int argi, rc;

	if ((argi = stage_parse(&stage_admin, ctx, argc, argv, opts,
				&rc)) < 0)
		goto out;
	argc -= argi;
	argv += argi;
	verb = argc ? argv[0] : "";
	if (strcmp(verb, "list") == 0 && argc == 1)
		rc = list(ctx, format);
	else if (strcmp(verb, "add") == 0 && argc == 2)
		rc = global_site_listed(ctx, &sites) ? EX_USAGE :
		     admin_add(ctx, argv[1], (const char *const *)sites.v,
			       sites.n, file);
	else if (strcmp(verb, "passwd") == 0 && argc == 2)
		rc = admin_passwd(ctx, argv[1], file);
	else if (strcmp(verb, "remove") == 0 && argc == 2)
		rc = admin_remove(ctx, argv[1]);
	else if (strcmp(verb, "rename") == 0 && argc == 3)
		rc = admin_rename(ctx, argv[1], argv[2]);
	else
		rc = stage_usage(&stage_admin, "say add, passwd, list or "
				 "remove, with one NAME, or rename NAME NEW");
out:
	free(sites.v);
	return rc;
}
