/*
 * admin: the administrators who may regenerate passwords. Admin passwords
 * are kept as Argon2id hashes; confirming one is the engine's
 * (engine/admin.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/secrets.h"
#include "core/tty.h"
#include "core/util.h"
#include "engine/admin.h"
#include "stages/stage.h"

#define MIN_ADMIN_PASSWORD 10

static const char usage[] =
	"usage: tempass admin add NAME [--site CODE...] [--password-file FILE]\n"
	"       tempass admin passwd NAME [--password-file FILE]\n"
	"       tempass admin list [--format tsv|csv|ndjson|table]\n"
	"       tempass admin remove NAME\n"
	"\n"
	"Manages the administrators who may regenerate passwords. 'add'\n"
	"asks for the new password twice on the terminal (or reads the first\n"
	"line of a 0600 --password-file) and grants the named sites (without\n"
	"--site, the default: the first [site] of the configuration);\n"
	"'passwd' sets a new password and lifts a lock-out.\n";

/* ==== Managing admins ==== */

/* Reads a new password: from a file, or twice on the terminal. */
static int new_password(const char *name, const char *file, char *hash)
{
	char *pw = secrets_alloc(ADMIN_PASSWORD_MAX), *again = NULL;
	char prompt[200];
	int n, rc = 0;

	if (!pw)
		die("tempass: out of memory");
	if (file) {
		n = read_password_file(file, pw, ADMIN_PASSWORD_MAX);
	} else {
		snprintf(prompt, sizeof(prompt), "New password for admin %s: ",
			 name);
		n = tty_password(prompt, pw, ADMIN_PASSWORD_MAX);
		if (n >= 0) {
			again = secrets_alloc(ADMIN_PASSWORD_MAX);
			if (!again)
				die("tempass: out of memory");
			if (tty_password("Again: ", again, ADMIN_PASSWORD_MAX) != n ||
			    !secrets_equal(pw, again, (size_t)n)) {
				errorf("the passwords do not match");
				rc = EX_DATAERR;
			}
		}
	}
	if (n < 0 && !rc)
		rc = n == -2 ? EX_NOPERM : file ? EX_NOINPUT : EX_USAGE;
	if (!rc && n < MIN_ADMIN_PASSWORD) {
		errorf("an admin password needs at least %d characters",
		       MIN_ADMIN_PASSWORD);
		rc = EX_DATAERR;
	}
	if (!rc && pwhash(pw, (size_t)n, hash) != 0)
		rc = EX_SOFTWARE;
	secrets_free(pw);
	secrets_free(again);
	return rc;
}

static int valid_admin_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._@-") == n;
}

extern const struct stage stage_admin;

/*
 * The sites an admin is added for: each --site after the stage's name;
 * without one, the site tempass works in (the global --site, else the
 * default, the first [site] of the configuration). A global --site must
 * be among them.
 */
static int admin_sites(struct ctx *ctx, struct stage_list *sites)
{
	if (!sites->n) {
		sites->v = xrealloc(sites->v, sizeof(*sites->v));
		sites->v[sites->n++] = ctx->site->code;
		return 0;
	}
	if (!ctx->site_code)
		return 0;
	for (size_t i = 0; i < sites->n; i++)
		if (strcmp(sites->v[i], ctx->site_code) == 0)
			return 0;
	return stage_usage(&stage_admin, "--site '%s' given before the stage "
			   "is not among the --site after it",
			   ctx->site_code);
}

static int add(struct ctx *ctx, const char *name, struct stage_list *sites,
	       const char *file)
{
	char hash[SECRETS_PWHASH_MAX];
	struct store_admin a;
	long long id, *site_ids = NULL;
	struct sbuf detail = SBUF_INIT;
	size_t nsites;
	int rc;

	if (!valid_admin_name(name)) {
		errorf("admin name '%s' may hold only letters, digits and "
		       ". _ @ -", name);
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ctx_open(ctx)) != 0 || (rc = admin_sites(ctx, sites)) != 0)
		goto out;
	nsites = sites->n;
	site_ids = xcalloc(nsites, sizeof(*site_ids));
	for (size_t i = 0; i < nsites; i++) {
		const struct site_conf *sc = config_site(ctx->cfg,
							 sites->v[i]);

		if (!sc) {
			errorf("site '%s' is not configured in '%s'",
			       sites->v[i], ctx->config_path);
			rc = EX_CONFIG;
			goto out;
		}
		if ((id = store_site(ctx->store, sc->code, sc->name)) < 0) {
			rc = store_status((int)id);
			goto out;
		}
		site_ids[i] = id;
		sbuf_addf(&detail, "%s%s", i ? ", " : "sites: ", sc->code);
	}
	if ((rc = store_admin_get(ctx->store, name, &a)) != 0) {
		if (rc > 0)
			errorf("admin '%s' exists already", name);
		rc = rc > 0 ? EX_DATAERR : store_status(rc);
		goto out;
	}
	if ((rc = new_password(name, file, hash)) != 0)
		goto out;
	if ((rc = store_begin(ctx->store)) != 0) {
		rc = store_status(rc);
		goto out;
	}
	id = store_admin_add(ctx->store, name, hash, now_seconds());
	rc = id < 0 ? (int)id : 0;
	for (size_t i = 0; rc == 0 && i < nsites; i++)
		rc = store_admin_grant(ctx->store, id, site_ids[i]);
	if (rc == 0)
		rc = store_audit(ctx->store, ctx->site_id, os_actor(),
				 "admin.add", 0, 0, detail.buf);
	if (rc == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		rc = store_status(rc);
	} else {
		printf_inert(stderr, "admin '%s' added for %s\n", name,
			     detail.buf);
	}
out:
	secrets_wipe(hash, sizeof(hash));
	sbuf_release(&detail);
	free(site_ids);
	return rc;
}

static int passwd(struct ctx *ctx, const char *name, const char *file)
{
	char hash[SECRETS_PWHASH_MAX];
	struct store_admin a;
	int rc;

	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if ((rc = store_admin_get(ctx->store, name, &a)) <= 0) {
		if (rc == 0)
			errorf("no admin '%s'", name);
		return rc == 0 ? EX_DATAERR : store_status(rc);
	}
	if ((rc = new_password(name, file, hash)) != 0)
		return rc;
	if ((rc = store_begin(ctx->store)) == 0 &&
	    (rc = store_admin_set_hash(ctx->store, a.id, hash)) == 0 &&
	    (rc = store_audit(ctx->store, ctx->site_id, os_actor(),
			      "admin.passwd", 0, 0, name)) == 0)
		rc = store_commit(ctx->store);
	secrets_wipe(hash, sizeof(hash));
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	return 0;
}

static int remove_admin(struct ctx *ctx, const char *name)
{
	struct store_admin a;
	int rc;

	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if ((rc = store_admin_get(ctx->store, name, &a)) <= 0) {
		if (rc == 0)
			errorf("no admin '%s'", name);
		return rc == 0 ? EX_DATAERR : store_status(rc);
	}
	if ((rc = store_begin(ctx->store)) == 0 &&
	    (rc = store_admin_remove(ctx->store, a.id)) == 0 &&
	    (rc = store_audit(ctx->store, ctx->site_id, os_actor(),
			      "admin.remove", 0, 0, name)) == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	return 0;
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
	.summary = "add, list and remove administrators",
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
		rc = add(ctx, argv[1], &sites, file);
	else if (strcmp(verb, "passwd") == 0 && argc == 2)
		rc = passwd(ctx, argv[1], file);
	else if (strcmp(verb, "remove") == 0 && argc == 2)
		rc = remove_admin(ctx, argv[1]);
	else
		rc = stage_usage(&stage_admin, "say add, passwd, list or "
				 "remove, with one NAME");
out:
	free(sites.v);
	return rc;
}
