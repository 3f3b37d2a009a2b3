/*
 * run.c: the main job, as pipeline.conf's [run] section describes it, in
 * one process so that no plaintext password crosses a pipe: import the
 * roster, select the groups, regenerate their passwords as one batch, and
 * write each configured output under out_dir, each step an engine call.
 * With demo (what `make run` asks for) the demo admin and its 0600 password
 * file are created first, so a new user sees the whole job on the samples
 * with no question asked.
 */
#include "engine/run.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/name.h"
#include "core/secrets.h"
#include "core/util.h"
#include "core/workers.h"
#include "engine/admin.h"
#include "engine/emit.h"
#include "engine/groups.h"
#include "engine/import.h"
#include "engine/issue.h"
#include "engine/ldap.h"
#include "engine/mail.h"
#include "engine/publish.h"
#include "formats/eml.h"
#include "formats/pdf.h"
#include "formats/records.h"

static const char *const select_cols[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"group", "born_day", "email", "email_verified", "claimed", "class",
};
#define NSELECT ARRAY_SIZE(select_cols)

/* The niceness of the lists other than the strips (see write_list()). */
#define LIST_NICE 10

struct picked {
	struct issue *is;
	unsigned char *seen;      /* by user id: picked already */
	size_t nseen;
	struct arena arena;
	char ***rows;
	size_t cap;
};

static int pick(void *arg, const char *const *v)
{
	struct picked *p = arg;
	struct issue *is = p->is;
	struct issue_item *it;
	long long id = strtoll(v[NSELECT], NULL, 10);
	char **row, who[160];

	/* A user in two of the groups is picked once. */
	if (id <= 0)
		return 0;
	if ((size_t)id >= p->nseen) {
		size_t n = p->nseen ? p->nseen : 4096;

		while (n <= (size_t)id)
			n *= 2;
		p->seen = xrealloc(p->seen, n);
		memset(p->seen + p->nseen, 0, n - p->nseen);
		p->nseen = n;
	}
	if (p->seen[id])
		return 0;
	p->seen[id] = 1;
	if (is->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->rows = xrealloc(p->rows, p->cap * sizeof(*p->rows));
		is->items = xrealloc(is->items, p->cap * sizeof(*is->items));
	}
	row = arena_alloc(&p->arena, NSELECT * sizeof(*row));
	for (size_t i = 0; i < NSELECT; i++)
		row[i] = arena_strdup(&p->arena, v[i]);
	/* Names stored before import cleaned them get the same rule. */
	if (!name_is_clean(row[1]) || !name_is_clean(row[2])) {
		snprintf(who, sizeof(who), "user '%s'", row[0]);
		name_clean_warn(row[1], who, "forename");
		name_clean_warn(row[2], who, "surname");
	}
	p->rows[is->n] = row;
	/* What issue_resolve() would look up again: the selection has it
	 * (active, unclaimed users of this site, each once). */
	it = &is->items[is->n];
	memset(it, 0, sizeof(*it));
	it->username = row[0];
	it->forename = row[1];
	it->surname = row[2];
	it->user_type = row[4];
	it->group = row[5];
	it->class_name = row[10];
	it->email = strcmp(row[8], "yes") == 0 && *row[7] ? row[7] : NULL;
	it->user_id = id;
	it->skip = ISSUE_OK;
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
		return output_status();
	fprintf(af.fp, "%s\n", token);
	secrets_wipe(token, sizeof(token));
	if (atomic_commit(&af) != 0)
		return output_status();
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
	printf_inert(stderr, "demo admin '%s' created; its password is in "
		     "%s\n", c->run_admin, c->run_password_file);
	return 0;
}

/*
 * The [run] admin, created first with --demo, confirms with its password
 * file, on a connection and a thread of their own while the groups are
 * selected on the other core: the selection only reads, and nothing is
 * written for it before the confirmation has been waited for.
 */
struct admin_check {
	struct ctx ctx;           /* run's, with a store of its own */
	int demo;
	int rc;
};

static void *check_admin(void *arg)
{
	struct admin_check *a = arg;
	const struct config *c = a->ctx.cfg;

	if (!(a->ctx.store = store_open(c->database))) {
		a->rc = store_status(-1);
		return NULL;
	}
	if (a->demo)
		a->rc = demo_admin(&a->ctx);
	if (a->rc == 0)
		a->rc = confirm_admin(&a->ctx, c->run_admin,
				      c->run_password_file);
	store_close(a->ctx.store);
	a->ctx.store = NULL;
	return NULL;
}

/*
 * [email] delivery = email or email-else-print: users with a verified
 * address are sent a reset email and get no password; with email, the
 * others get nothing either.
 */
static int send_emails(struct ctx *ctx, struct issue *is, const char *crit)
{
	int only_email = strcmp(ctx->cfg->delivery, "email") == 0;
	size_t emails = 0, queued = 0, rejected = 0, others = 0;
	struct mail m = { 0 };
	int rc;

	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];

		if (it->skip)
			continue;
		if (it->email && eml_addr_valid(it->email))
			emails++;
		else
			it->email = NULL, others++;
	}
	if (emails) {
		if (mail_load(ctx, &m) != 0) {
			mail_release(&m);
			return EX_CONFIG;
		}
		rc = mail_batch(ctx, is, ctx->cfg->run_admin, crit, &m,
				&queued, &rejected);
		mail_release(&m);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];

		/* Emailed users get no password as well. */
		if (!it->skip && (it->email || only_email))
			it->skip = ISSUE_DUPLICATE;
	}
	fprintf(stderr, "%zu reset email(s) queued; %zu user(s) without a "
		"verified address %s\n", queued, others, only_email ?
		"get nothing (delivery = email)" : "get a printed password");
	return 0;
}

/* ==== Outputs ==== */

struct job {
	struct ctx *ctx;
	struct emit_opts opts;
	struct pdf_doc *doc;     /* a PDF's document, set up ahead */
	struct ldap_previous previous;  /* ldif: the markers before it */
	struct emit_pending pending;   /* its files, named after the commit */
	struct emit_table t;     /* its own copy of the sorted row list */
	int rc;
};

static void *write_list(void *arg)
{
	struct job *j = arg;

	/*
	 * The workbook and the strips take longest: the workbook is one
	 * thread from its first cell to the library's close, and the
	 * strips' pages are laid out in order. Every other list yields to
	 * them (and to the store's writes), so that neither is the one
	 * still running alone at the end. A thread's own niceness,
	 * inherited by the threads it starts; raising it needs no privilege.
	 */
	if (j->opts.kind != EMIT_PDF_STRIPS && j->opts.kind != EMIT_XLSX &&
	    worker_own_thread())
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), LIST_NICE);
	j->rc = emit(j->ctx, &j->opts, &j->t);
	return NULL;
}

/*
 * The batch's audit events into out_dir/SITE-vN-audit.tsv, under a
 * temporary name in *af until lists_publish() names it. Read inside the
 * batch's transaction, while the lists are still being written.
 */
static int write_audit(struct ctx *ctx, const struct issue *is,
		       struct atomic_file *af)
{
	static const char *const cols[] = {
		"id", "at", "actor", "action", "username", "batch", "detail",
	};
	struct rec_writer *w;
	char *path = xasprintf("%s/%s-v%lld-audit.tsv", ctx->cfg->out_dir,
			       ctx->site->code, is->version);
	int rc;

	rc = atomic_open(af, path, 0);
	free(path);
	if (rc != 0)
		return output_status();
	w = rec_writer_new(af->fp, REC_TSV, cols, ARRAY_SIZE(cols));
	rc = store_list_audit(ctx->store, ctx->site_id, 0, is->batch_id, 0,
			      write_record, w);
	if (rec_writer_close(w) != 0 || rc) {
		atomic_abort(af);
		return rc ? store_status(rc) : EX_IOERR;
	}
	if (atomic_sync(af) != 0) {
		atomic_abort(af);
		return output_status();
	}
	return 0;
}

/*
 * The records of the batch as a table: the selection's columns (less
 * group, which the batch writes) and the batch's. Strings live in arena,
 * the passwords stay in the issue's locked memory.
 */
static void batch_table(struct ctx *ctx, const struct issue *is,
			char ***rows, struct arena *arena,
			struct emit_table *t)
{
	size_t nsel = NSELECT - 1, n = nsel + ISSUE_NCOLUMNS, k = 0;
	const char **cols = arena_alloc(arena, n * sizeof(*cols));
	char *batch, *version, *gen, *expires = NULL, buf[32];
	long long expires_at = 0;

	for (size_t i = 0, j = 0; i < NSELECT; i++)
		if (strcmp(select_cols[i], "group") != 0)
			cols[j++] = select_cols[i];
	for (size_t i = 0; i < ISSUE_NCOLUMNS; i++)
		cols[nsel + i] = issue_columns[i];
	snprintf(buf, sizeof(buf), "%lld", is->batch_id);
	batch = arena_strdup(arena, buf);
	snprintf(buf, sizeof(buf), "%lld", is->version);
	version = arena_strdup(arena, buf);
	format_iso8601(is->generated_at, buf, sizeof(buf));
	gen = arena_strdup(arena, buf);
	t->cols = cols;
	t->ncols = n;
	t->rows = xcalloc(is->n + 1, sizeof(*t->rows));
	for (size_t r = 0; r < is->n; r++) {
		const struct issue_item *it = &is->items[r];
		const char **row;

		if (it->skip || !it->password)
			continue;
		row = arena_alloc(arena, n * sizeof(*row));
		for (size_t i = 0, j = 0; i < NSELECT; i++)
			if (strcmp(select_cols[i], "group") != 0)
				row[j++] = rows[r][i];
		/* Users of one policy share one expiry: one copy. */
		if (!expires || it->expires != expires_at) {
			format_iso8601(it->expires, buf, sizeof(buf));
			expires = arena_strdup(arena, buf);
			expires_at = it->expires;
		}
		issue_values(ctx, it, batch, version, gen, expires,
			     row + nsel);
		t->rows[k++] = row;
	}
	t->nrows = k;
}

/*
 * The batch's lists. They are written while the batch is being stored, on
 * the cores the store leaves idle, into unnamed files (issue.h's during):
 * a list that cannot be written rolls the batch back. Complete, they get
 * temporary names recorded with the batch, and their own names only once
 * it is committed (publish.c), so a run that fails leaves neither a batch
 * without its lists nor lists without their batch, and one killed in
 * between leaves the next tempass to name them.
 */
struct lists {
	struct ctx *ctx;
	char ***rows;             /* the selection's values per item */
	struct job *jobs;
	struct worker *th;        /* one per job */
	size_t njobs;
	int audit;                /* the audit export too */
	struct atomic_file audit_file;   /* it, until named */
	int running;              /* threads started, not yet joined */
	struct worker preparer;   /* sets up the PDFs' documents */
	struct arena arena;
	struct emit_table t;
};

/*
 * Sets up each PDF's document with its fonts, which libharu parses at
 * length, while the import keeps one core busy and leaves the other idle.
 */
static void *prepare_pdfs(void *arg)
{
	struct lists *l = arg;

	if (worker_own_thread())
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), LIST_NICE);
	for (size_t i = 0; i < l->njobs; i++) {
		struct job *j = &l->jobs[i];

		if (emit_kind_pdf(j->opts.kind))
			j->doc = emit_pdf_prepare(l->ctx, j->opts.kind);
	}
	return NULL;
}

static void prepare_join(struct lists *l)
{
	worker_join(&l->preparer);
}

/* Reads [run] outputs and makes out_dir: before any batch exists. */
static int lists_plan(struct ctx *ctx, struct lists *l)
{
	const struct config *c = ctx->cfg;

	memset(l, 0, sizeof(*l));
	l->ctx = ctx;
	l->jobs = xcalloc(c->nrun_outputs + 1, sizeof(*l->jobs));
	l->th = xcalloc(c->nrun_outputs + 1, sizeof(*l->th));
	for (size_t i = 0; i < c->nrun_outputs; i++) {
		struct job *j = &l->jobs[l->njobs];

		/* Names and repeats were checked with the configuration. */
		if (strcmp(c->run_outputs[i], "audit") == 0) {
			l->audit = 1;
			continue;
		}
		ASSERT(emit_kind_parse(c->run_outputs[i], NULL,
				       &j->opts.kind) == 0);
		/* Before the batch: it is not issued without its lists. */
		if (emit_load(j->opts.kind) != 0)
			return EX_UNAVAILABLE;
		/* The store is this thread's: the markers the batch takes
		 * away are every user's newest until now. */
		if (j->opts.kind == EMIT_LDIF ||
		    (j->opts.kind == EMIT_AD && ctx->cfg->ad_marker)) {
			int rc = j->opts.kind == EMIT_LDIF ? ldap_check(ctx) : 0;

			if (rc == 0)
				rc = ldap_previous_load(ctx, LLONG_MAX,
							&j->previous);
			if (rc)
				return rc;
			j->opts.previous = &j->previous;
		}
		j->ctx = ctx;
		j->opts.to_file = 1;
		/* A file of this new version can only be stale (a store made
		 * afresh): the batch just written is the truth. */
		j->opts.force = 1;
		j->opts.pending = &j->pending;
		j->opts.no_progress = 1;
		j->opts.prepared = &j->doc;
		l->njobs++;
	}
	if (mkdir_p(c->out_dir, 0700) != 0)
		return EX_CANTCREAT;
	worker_start(&l->preparer, prepare_pdfs, l);
	return 0;
}

static int lists_join(struct lists *l)
{
	int rc = 0;

	for (size_t i = 0; l->running && i < l->njobs; i++) {
		worker_join(&l->th[i]);
		if (l->jobs[i].rc && !rc)
			rc = l->jobs[i].rc;
	}
	l->running = 0;
	return rc;
}

static int lists_during(void *arg, struct issue *is, int phase)
{
	struct lists *l = arg;

	switch (phase) {
	case ISSUE_READY:
		prepare_join(l);
		batch_table(l->ctx, is, l->rows, &l->arena, &l->t);
		/* Sorted once for all of them; then one thread per output:
		 * they share nothing but read-only rows. */
		emit_sort(l->ctx, &l->t);
		for (size_t i = 0; i < l->njobs; i++) {
			struct job *j = &l->jobs[i];

			j->t = l->t;
			j->t.rows = xcalloc(l->t.nrows + 1,
					    sizeof(*j->t.rows));
			memcpy(j->t.rows, l->t.rows,
			       l->t.nrows * sizeof(*l->t.rows));
			worker_start(&l->th[i], write_list, j);
		}
		l->running = 1;
		return 0;
	case ISSUE_DONE: {
		/* Every event of the batch is stored: exported while the
		 * lists are still being written. */
		int rc = l->audit ? write_audit(l->ctx, is, &l->audit_file) :
			 0, r = lists_join(l);

		if (!rc)
			rc = r;
		/* Complete, and named as pending with the batch: should
		 * the run end before the renames, the next tempass names
		 * them (publish.c). */
		for (size_t i = 0; !rc && i < l->njobs; i++)
			for (size_t k = 0; !rc && k < l->jobs[i].pending.n; k++)
				rc = publish_pending(l->ctx, is->batch_id,
						     &l->jobs[i].pending.files[k]);
		if (!rc && l->audit)
			rc = publish_pending(l->ctx, is->batch_id,
					     &l->audit_file);
		return rc;
	}
	default:
		lists_join(l);
		for (size_t i = 0; i < l->njobs; i++)
			emit_pending_abort(&l->jobs[i].pending);
		atomic_abort(&l->audit_file);
		return 0;
	}
}

/* After the commit: the lists get their names, in the order of [run]
 * outputs, and the audit is exported; then they are no longer pending. */
static int lists_publish(struct lists *l, long long batch)
{
	int rc = 0, r;

	for (size_t i = 0; i < l->njobs; i++) {
		int r = emit_pending_commit(&l->jobs[i].pending, 0);

		if (!rc)
			rc = r;
	}
	if (l->audit) {
		char *path = xstrdup(l->audit_file.path);

		if (atomic_commit(&l->audit_file) != 0) {
			if (!rc)
				rc = output_status();
		} else {
			printf("%s\n", path);
		}
		free(path);
	}
	r = publish_finish(l->ctx, batch, rc == 0);
	return rc ? rc : r;
}

static void lists_release(struct lists *l)
{
	lists_join(l);
	prepare_join(l);
	atomic_abort(&l->audit_file);
	for (size_t i = 0; i < l->njobs; i++) {
		emit_pending_abort(&l->jobs[i].pending);
		pdf_discard(l->jobs[i].doc);
		ldap_previous_release(&l->jobs[i].previous);
		free(l->jobs[i].t.rows);
	}
	free(l->t.rows);
	free(l->jobs);
	free(l->th);
	arena_release(&l->arena);
}

int run_job(struct ctx *ctx, const struct run_opts *o)
{
	struct picked p = { 0 };
	struct admin_check adm;
	struct worker checker = { .started = 0 };
	struct issue is = { 0 };
	struct lists lists;
	struct sbuf crit = SBUF_INIT;
	size_t todo = 0;
	int planned = 0, rc;
	const struct config *cfg;

	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	cfg = ctx->cfg;
	if (!cfg->nrun_groups || !cfg->run_admin || !*cfg->run_admin ||
	    !cfg->run_password_file) {
		errorf("'%s': [run] needs groups, admin and password_file",
		       ctx->config_path);
		return EX_CONFIG;
	}
	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	/* The key (a lost one is not made anew) and the outputs are checked
	 * before anything is done. */
	if (cfg->reveal && (rc = ctx_key(ctx, 1)) != 0)
		return rc;
	planned = 1;
	if ((rc = lists_plan(ctx, &lists)) != 0)
		goto out;
	if (!o->no_import) {
		struct import_opts io = { 0 };
		struct import_result ir;

		io.roster = config_roster(cfg, cfg->run_roster);
		if (!io.roster) {
			errorf("no [roster NAME] section in '%s'",
			       ctx->config_path);
			rc = EX_CONFIG;
			goto out;
		}
		io.file = io.roster->file;
		if (!io.file) {
			errorf("[roster %s] names no 'file' to import",
			       io.roster->name);
			rc = EX_CONFIG;
			goto out;
		}
		/* The import's WAL is copied into the database on the other
		 * core while the batch is chosen and made (see
		 * store_begin_bulk()). */
		rc = import_roster(ctx, &io, &ir);
		/* run's stdout lists the files it wrote, nothing else. */
		if (ir.applied)
			import_summary(&ir, stderr);
		if (rc) {
			errorf("the import failed; nothing regenerated");
			goto out;
		}
	}
	p.is = &is;
	/* A group the site lacks is a mistake in the configuration. */
	if ((rc = groups_known(ctx, (const char *const *)cfg->run_groups,
			       cfg->nrun_groups, "[run] groups: ")) != 0) {
		if (rc == EX_DATAERR)
			rc = EX_CONFIG;
		goto out;
	}
	adm = (struct admin_check){ .ctx = *ctx, .demo = o->demo };
	worker_start(&checker, check_admin, &adm);
	for (size_t i = 0; i < cfg->nrun_groups; i++) {
		sbuf_addf(&crit, "%s%s", i ? ", " : "groups: ",
			  cfg->run_groups[i]);
		/* Unsorted: the batch's lists are sorted once, later. */
		if ((rc = store_select(ctx->store, ctx->site_id,
				       cfg->run_groups[i], STORE_UNSORTED, pick,
				       &p)) != 0) {
			rc = store_status(rc);
			goto out;
		}
	}
	worker_join(&checker);
	if ((rc = adm.rc) != 0)
		goto out;
	if (strcmp(cfg->delivery, "print") != 0 &&
	    (rc = send_emails(ctx, &is, crit.buf)) != 0)
		goto out;
	for (size_t i = 0; i < is.n; i++)
		todo += !is.items[i].skip;
	if (todo == 0) {
		fprintf(stderr, "no passwords to regenerate for %s\n",
			crit.buf);
		goto out;
	}
	lists.rows = p.rows;
	is.during = lists_during;
	is.during_arg = &lists;
	if ((rc = issue_batch(ctx, &is, cfg->run_admin, crit.buf)) != 0)
		goto out;
	fprintf(stderr, "batch v%lld: %zu password(s) regenerated, %zu older "
		"password(s) voided\n", is.version, is.issued, is.voided);
	rc = lists_publish(&lists, is.batch_id);
out:
	worker_join(&checker);
	if (planned)
		lists_release(&lists);
	sbuf_release(&crit);
	free(p.rows);
	free(p.seen);
	arena_release(&p.arena);
	issue_release(&is);
	return rc;
}
