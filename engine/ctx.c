/*
 * ctx.c: what every engine function needs before it does its one thing:
 * the configuration, the store and the site it works in, loaded once, and
 * the conventions they share (exit statuses, the audit's actor, the
 * associated data of a sealed password).
 */
#include "engine/ctx.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/policy.h"
#include "core/secrets.h"
#include "core/util.h"
#include "core/workers.h"
#include "engine/emit.h"
#include "engine/publish.h"
#include "formats/eml.h"
#include "formats/pdf.h"
#include "formats/records.h"

/*
 * The settings whose limits the engine and the formats know, checked with
 * the rest of pipeline.conf before any stage touches the store: the
 * outputs [run] names, the fonts and the logo, the sender of reset
 * emails. Reports each; the number found.
 */
static int check_settings(const struct config *c)
{
	enum emit_kind kinds[16];
	size_t nkinds = 0;
	int errors = 0, audit = 0;

	for (size_t i = 0; i < c->nrun_outputs; i++) {
		const char *o = c->run_outputs[i];
		enum emit_kind k;
		size_t j = 0;

		if (strcmp(o, "audit") == 0) {
			if (audit++) {
				errorf("'%s': [run] outputs: 'audit' is "
				       "listed twice", c->path);
				errors++;
			}
			continue;
		}
		if (emit_kind_parse(o, NULL, &k) != 0) {
			errorf("'%s': [run] outputs: '%s' is not pdf-strips, "
			       "pdf-classlist, pdf-letters, xlsx, csv, tsv, "
			       "ndjson, ldif, ad, google, gam, entra or audit",
			       c->path, o);
			errors++;
			continue;
		}
		if (k == EMIT_PDF_LETTERS && !c->letter) {
			errorf("'%s': [run] outputs: pdf-letters needs "
			       "[output] letter_template (templates/letter.txt "
			       "is not found)", c->path);
			errors++;
		}
		while (j < nkinds && kinds[j] != k)
			j++;
		if (j < nkinds) {
			/* Twice the same kind would be twice the same file. */
			errorf("'%s': [run] outputs: '%s' is listed twice",
			       c->path, o);
			errors++;
		} else if (nkinds < ARRAY_SIZE(kinds)) {
			kinds[nkinds++] = k;
		}
	}
	if (c->mail_from && !eml_addr_valid(c->mail_from)) {
		errorf("'%s': [email] from '%s' is not an address", c->path,
		       c->mail_from);
		errors++;
	}
	if (c->logo && pdf_image_kind(c->logo) < 0)
		errors++;
	for (size_t i = 0; i <= c->npdf_fonts; i++) {
		const char *f = i < c->npdf_fonts ? c->pdf_fonts[i] :
						    c->pdf_mono_font;
		char *path;

		if (!f)
			continue;
		path = xstrndup(f, strcspn(f, "#"));
		if (access(path, R_OK) != 0) {
			errorf("'%s': [output] font '%s': %s", c->path, path,
			       strerror(errno));
			errors++;
		}
		free(path);
	}
	return errors;
}

int ctx_config(struct ctx *ctx)
{
	if (ctx->cfg)
		return 0;
	ctx->cfg = config_load(ctx->config_path);
	if (!ctx->cfg)
		return EX_CONFIG;
	if (check_settings(ctx->cfg))
		return EX_CONFIG;
	ctx->site = config_site(ctx->cfg, ctx->site_code);
	if (!ctx->site) {
		errorf("site '%s' is not configured in '%s' (add a "
		       "[site %s] section)", ctx->site_code,
		       ctx->config_path, ctx->site_code);
		return EX_CONFIG;
	}
	/* Every time a person reads (lists, paper, mail) is the site's. */
	if (ctx->site->timezone) {
		setenv("TZ", ctx->site->timezone, 1);
		tzset();
	}
	pwhash_set_cost(ctx->cfg->argon2_ops, ctx->cfg->argon2_mem_kib);
	workers_set_jobs(ctx->jobs ? ctx->jobs : ctx->cfg->jobs);
	ctx->wordlists = wordlists_load(ctx->cfg->words_file,
					ctx->cfg->denylist_file);
	if (!ctx->wordlists)
		return EX_CONFIG;
	/* A weak policy is refused at start-up, not half way through. */
	for (size_t i = 0; i < ctx->cfg->npolicies; i++)
		if (policy_check(&ctx->cfg->policies[i], ctx->wordlists) != 0)
			return EX_CONFIG;
	/* Strips legible with the longest password the policies make. */
	{
		char *what = xasprintf("'%s': [output] strips",
				       ctx->cfg->path);
		int bad = emit_grid_check(ctx, ctx->cfg->strip_cols,
					  ctx->cfg->strip_rows, what);

		free(what);
		if (bad)
			return EX_CONFIG;
	}
	return 0;
}

/*
 * A key is made only while the store holds no sealed password: a new key
 * in place of a lost one would leave every sealed password unopenable,
 * and the old key, put back, the new ones. Once there are some, the key is
 * checked against the newest, so a wrong key is one refusal up front
 * rather than one per password.
 */
int ctx_key(struct ctx *ctx, int create)
{
	struct store_sealed one;
	char plain[sizeof(one.sealed)], ad[128];
	int found, rc = 0;

	if (ctx->key)
		return 0;
	ASSERT(ctx->store);
	if (secrets_init() != 0)
		return EX_SOFTWARE;
	if ((found = store_sealed(ctx->store, &one)) < 0)
		return store_status(found);
	ctx->key = seal_key_load(ctx->cfg->key_file, create && !found, found ?
				 "the store holds passwords sealed with "
				 "this key: restore it from its backup (no "
				 "new key is made while any is sealed)" :
				 NULL);
	if (!ctx->key)
		rc = EX_NOPERM;
	else if (found &&
		 unseal(ctx->key, one.sealed, one.len, ad,
			credential_ad(ad, sizeof(ad), one.site, one.user,
				      one.batch), plain) < 0) {
		errorf("'%s': this key does not open the passwords the store "
		       "holds sealed (another key, or a tampered database): "
		       "restore the key file they were sealed with",
		       ctx->cfg->key_file);
		seal_key_free(ctx->key);
		ctx->key = NULL;
		rc = EX_NOPERM;
	}
	secrets_wipe(plain, sizeof(plain));
	secrets_wipe(&one, sizeof(one));
	return rc;
}

const struct policy *ctx_policy(struct ctx *ctx, const char *user_type)
{
	const struct policy *p = config_policy(ctx->cfg, user_type);
	struct policy *np;

	if (p)
		return p;
	for (size_t i = 0; i < ctx->nextra; i++)
		if (strcmp(ctx->extra[i]->user_type, user_type) == 0)
			return ctx->extra[i];
	np = xmalloc(sizeof(*np));
	policy_init(np, user_type);
	if (policy_check(np, ctx->wordlists) != 0) {
		policy_release(np);
		free(np);
		return NULL;
	}
	ctx->extra = xrealloc(ctx->extra,
			      (ctx->nextra + 1) * sizeof(*ctx->extra));
	ctx->extra[ctx->nextra] = np;
	ctx->nextra++;
	return np;
}

int ctx_open(struct ctx *ctx)
{
	int rc = ctx_config(ctx);
	long long id;

	if (rc)
		return rc;
	if (ctx->store)
		return 0;
	if (secrets_init() != 0)
		return EX_SOFTWARE;
	ctx->store = store_open(ctx->cfg->database);
	if (!ctx->store)
		return store_status(-1);
	id = store_site(ctx->store, ctx->site->code, ctx->site->name);
	if (id < 0)
		return store_status((int)id);
	ctx->site_id = id;
	if ((rc = store_seal_offsets(ctx->store, id, ctx->seal_off)) != 0)
		return store_status(rc);
	/* A batch a killed run left without its lists is settled first. */
	return publish_recover(ctx);
}

int ctx_open_existing(struct ctx *ctx)
{
	int rc = ctx_config(ctx);

	if (rc)
		return rc;
	if (!ctx->store && !store_is_server(ctx->cfg->database) &&
	    access(ctx->cfg->database, F_OK) != 0) {
		if (errno == ENOENT)
			errorf("no store at '%s' to check against (import a "
			       "roster and regenerate first, or name the "
			       "store in [store] database)",
			       ctx->cfg->database);
		else
			errorf("'%s': %m", ctx->cfg->database);
		return EX_NOINPUT;
	}
	return ctx_open(ctx);
}

void ctx_release(struct ctx *ctx)
{
	for (size_t i = 0; i < ctx->nextra; i++) {
		policy_release(ctx->extra[i]);
		free(ctx->extra[i]);
	}
	free(ctx->extra);
	seal_key_free(ctx->key);
	wordlists_free(ctx->wordlists);
	store_close(ctx->store);
	config_free(ctx->cfg);
	ctx->store = NULL;
	ctx->cfg = NULL;
}

int store_status(int rc)
{
	if (rc == STORE_BUSY)
		return EX_TEMPFAIL;
	switch (store_fault()) {
	case STORE_FAULT_CREATE:
		return EX_CANTCREAT;
	case STORE_FAULT_UNAVAILABLE:
		return EX_UNAVAILABLE;
	default:
		return EX_IOERR;
	}
}

int output_status(void)
{
	switch (util_write_errno()) {
	case ENOSPC: case EDQUOT: case EFBIG: case EIO:
		return EX_IOERR;
	default:
		return EX_CANTCREAT;
	}
}

const char *os_actor(void)
{
	static char actor[80];
	const char *name = getenv("SUDO_USER");
	struct passwd *pw;

	if (actor[0])
		return actor;
	if (!name || !*name) {
		pw = getpwuid(getuid());
		name = pw ? pw->pw_name : "unknown";
	}
	snprintf(actor, sizeof(actor), "os:%s", name);
	return actor;
}

int write_record(void *writer, const char *const *values)
{
	return rec_write(writer, values);
}

size_t credential_ad(char *buf, size_t size, long long site, long long user,
		     long long batch)
{
	int n = snprintf(buf, size, "tempass credential site=%lld user=%lld "
			 "batch=%lld", site, user, batch);

	ASSERT(n > 0 && (size_t)n < size);
	return (size_t)n;
}

size_t ctx_credential_ad(const struct ctx *ctx, char *buf, size_t size,
			 long long user, long long batch)
{
	return credential_ad(buf, size, ctx->site_id - ctx->seal_off[0],
			     user - ctx->seal_off[1], batch - ctx->seal_off[2]);
}

int listing_format(const char *name, FILE *out, enum rec_format *f)
{
	if (name) {
		if (rec_format_parse(name, f) != 0) {
			errorf("--format '%s': not tsv, csv, ndjson or table",
			       name);
			return -1;
		}
		return 0;
	}
	*f = isatty(fileno(out)) ? REC_TABLE : REC_TSV;
	return 0;
}
