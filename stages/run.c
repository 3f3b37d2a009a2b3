/*
 * run: the main job, as pipeline.conf's [run] section describes it, in one
 * process so that no plaintext password crosses a pipe: import the roster,
 * select the groups, regenerate their passwords as one batch, and write each
 * configured output under out_dir. `tempass run --demo` (what `make run`
 * does) first creates the demo admin and its 0600 password file, so a new
 * user sees the whole job on the samples with no question asked.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "core/secrets.h"
#include "core/util.h"
#include "stages/issue.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass run [--demo] [--no-import]\n"
	"\n"
	"Runs the job of pipeline.conf's [run] section: imports the roster\n"
	"kind named by 'roster' from its 'file', selects the unclaimed members\n"
	"of 'groups', regenerates their passwords as one batch (confirmed\n"
	"with 'admin' and its 'password_file'), and writes each of 'outputs'\n"
	"(tsv, csv, ndjson) to out_dir as SITE-vVERSION.EXT, mode 0600.\n"
	"\n"
	"  --demo       create the [run] admin and its password file first\n"
	"               when they do not exist (for trying tempass out)\n"
	"  --no-import  skip the import\n";

extern const struct stage stage_import;

static const char *const select_cols[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"group", "born_day", "email", "email_verified", "claimed",
};
#define NSELECT ARRAY_SIZE(select_cols)

struct picked {
	struct issue *is;
	struct hmap seen;
	struct arena arena;
	char ***rows;
	size_t cap;
};

static int pick(void *arg, const char *const *v)
{
	struct picked *p = arg;
	struct issue *is = p->is;
	char **row;

	if (hmap_get(&p->seen, v[0]))
		return 0;
	if (is->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->rows = xrealloc(p->rows, p->cap * sizeof(*p->rows));
		is->items = xrealloc(is->items, p->cap * sizeof(*is->items));
	}
	row = arena_alloc(&p->arena, NSELECT * sizeof(*row));
	for (size_t i = 0; i < NSELECT; i++)
		row[i] = arena_strdup(&p->arena, v[i]);
	p->rows[is->n] = row;
	hmap_put(&p->seen, row[0], (void *)1);
	memset(&is->items[is->n], 0, sizeof(*is->items));
	is->items[is->n].username = row[0];
	is->items[is->n].group = row[5];
	is->n++;
	return 0;
}

/* Creates the [run] admin with a random password in its password file. */
static int demo_admin(struct ctx *ctx)
{
	const struct config *c = ctx->cfg;
	struct store_admin a;
	struct atomic_file af;
	char token[SECRETS_TOKEN_CHARS + 1];
	char hash[SECRETS_PWHASH_MAX];
	long long id;
	int rc;

	if ((rc = store_admin_get(ctx->store, c->run_admin, &a)) != 0)
		return rc < 0 ? store_status(rc) : 0;
	token_new(token);
	token[24] = '\0';
	if ((rc = pwhash(token, strlen(token), hash)) != 0)
		return EX_SOFTWARE;
	{
		char *dir = xstrdup(c->run_password_file);
		char *slash = strrchr(dir, '/');

		if (slash) {
			*slash = '\0';
			rc = mkdir_p(dir, 0700);
		}
		free(dir);
		if (rc)
			return EX_CANTCREAT;
	}
	if (atomic_open(&af, c->run_password_file, 1) != 0)
		return EX_CANTCREAT;
	fprintf(af.fp, "%s\n", token);
	secrets_wipe(token, sizeof(token));
	if (atomic_commit(&af) != 0)
		return EX_CANTCREAT;
	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	id = store_admin_add(ctx->store, c->run_admin, hash, now_seconds());
	rc = id < 0 ? (int)id :
	     store_admin_grant(ctx->store, id, ctx->site_id);
	if (rc == 0)
		rc = store_audit(ctx->store, ctx->site_id, os_actor(),
				 "admin.add", 0, 0, "demo admin for run");
	if (rc == 0)
		rc = store_commit(ctx->store);
	if (rc) {
		store_rollback(ctx->store);
		return store_status(rc);
	}
	fprintf(stderr, "demo admin '%s' created; its password is in %s\n",
		c->run_admin, c->run_password_file);
	return 0;
}

static int write_outputs(struct ctx *ctx, struct issue *is, char ***rows)
{
	const struct config *c = ctx->cfg;
	int rc = 0;

	if (mkdir_p(c->out_dir, 0700) != 0)
		return EX_CANTCREAT;
	for (size_t i = 0; i < c->nrun_outputs && rc == 0; i++) {
		struct atomic_file af;
		enum rec_format f;
		char *path;

		if (rec_format_parse(c->run_outputs[i], &f) != 0 ||
		    f == REC_TABLE) {
			errorf("[run] outputs: '%s' is not tsv, csv or ndjson",
			       c->run_outputs[i]);
			return EX_CONFIG;
		}
		path = xasprintf("%s/%s-v%lld.%s", c->out_dir,
				 ctx->site->code, is->version,
				 c->run_outputs[i]);
		if (atomic_open(&af, path, 0) != 0) {
			free(path);
			return EX_CANTCREAT;
		}
		rc = issue_write(ctx, is, af.fp, f, select_cols, NSELECT,
				 rows);
		if (rc == 0 && atomic_commit(&af) != 0)
			rc = EX_CANTCREAT;
		else if (rc)
			atomic_abort(&af);
		if (rc == 0)
			printf("%s\n", path);
		free(path);
	}
	return rc;
}

static int cmd_run(struct ctx *ctx, int argc, char **argv);

const struct stage stage_run = {
	.name = "run",
	.summary = "the whole job of pipeline.conf [run], in one process",
	.usage = usage,
	.exec = cmd_run,
};

static int cmd_run(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "demo", no_argument, NULL, 'd' },
		{ "no-import", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct picked p = { 0 };
	struct issue is = { 0 };
	struct sbuf crit = SBUF_INIT;
	int demo = 0, no_import = 0, c, rc;
	const struct config *cfg;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': demo = 1; break;
		case 'n': no_import = 1; break;
		case 'h': return stage_help(&stage_run);
		default: return stage_usage(&stage_run, "bad option");
		}
	}
	if (optind != argc)
		return stage_usage(&stage_run, "unexpected '%s'",
				   argv[optind]);
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	cfg = ctx->cfg;
	if (!cfg->nrun_groups || !cfg->run_admin || !cfg->run_password_file) {
		errorf("'%s': [run] needs groups, admin and password_file",
		       ctx->config_path);
		return EX_CONFIG;
	}
	if (!no_import) {
		const struct roster_conf *r = config_roster(cfg,
							    cfg->run_roster);
		char *args[] = { "import", "--roster", r ? r->name : "",
				 NULL };

		util_set_stage("import");
		optind = 0;
		rc = stage_import.exec(ctx, 3, args);
		util_set_stage("run");
		if (rc) {
			errorf("the import failed; nothing regenerated");
			return rc;
		}
	}
	if (demo && (rc = demo_admin(ctx)) != 0)
		return rc;
	p.is = &is;
	for (size_t i = 0; i < cfg->nrun_groups; i++) {
		long long id = store_group_id(ctx->store, ctx->site_id,
					      cfg->run_groups[i], NULL);
		if (id <= 0) {
			if (id == 0)
				errorf("[run] groups: no group '%s' at site "
				       "'%s'", cfg->run_groups[i],
				       ctx->site->code);
			rc = id == 0 ? EX_CONFIG : store_status((int)id);
			goto out;
		}
		sbuf_addf(&crit, "%s%s", i ? ", " : "groups: ",
			  cfg->run_groups[i]);
		if ((rc = store_select(ctx->store, ctx->site_id,
				       cfg->run_groups[i], 0, pick, &p)) != 0) {
			rc = store_status(rc);
			goto out;
		}
	}
	if ((rc = confirm_admin(ctx, cfg->run_admin,
				cfg->run_password_file)) != 0)
		goto out;
	if ((rc = issue_resolve(ctx, &is)) != 0)
		goto out;
	if (is.n == 0) {
		fprintf(stderr, "no unclaimed users in %s; nothing to do\n",
			crit.buf);
		goto out;
	}
	if ((rc = issue_batch(ctx, &is, cfg->run_admin, crit.buf)) != 0)
		goto out;
	fprintf(stderr, "batch v%lld: %zu password(s) regenerated, %zu older "
		"password(s) voided\n", is.version, is.issued, is.voided);
	rc = write_outputs(ctx, &is, p.rows);
out:
	sbuf_release(&crit);
	free(p.rows);
	hmap_release(&p.seen);
	arena_release(&p.arena);
	issue_release(&is);
	return rc;
}
