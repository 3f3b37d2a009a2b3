/*
 * publish: how a batch's lists reach their names. A list is written in full
 * under a temporary name (PATH.tmp.PID, 0600) and recorded as pending in
 * the batch's own transaction, before the commit; after the commit the
 * lists are renamed and the marks cleared. So a process killed between the
 * commit and the renames leaves a batch whose lists exist and are known:
 * the next tempass to open the store renames them, or, when one is gone,
 * voids the batch and audits why. No committed batch stays without its
 * lists, and no list names a batch that does not exist.
 */
#include "engine/publish.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int publish_pending(struct ctx *ctx, long long batch, struct atomic_file *af)
{
	struct stat st;
	int rc;

	if (atomic_name(af) != 0)
		return EX_CANTCREAT;
	if (stat(af->tmp, &st) != 0) {
		errorf("'%s': cannot read: %s", af->tmp, strerror(errno));
		return EX_CANTCREAT;
	}
	rc = store_pending_add(ctx->store, batch, (long long)getpid(), af->tmp,
			       af->path, (long long)st.st_size);
	return rc ? store_status(rc) : 0;
}

/* ==== Settling a batch ==== */

struct list {
	long long batch, site, version, pid, size;
	char *tmp, *path;
};

struct lists {
	struct list *v;
	size_t n, cap;
};

static int collect(void *arg, const struct store_pending *p)
{
	struct lists *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct list){ p->batch, p->site, p->version, p->pid,
				      p->size, xstrdup(p->tmp),
				      xstrdup(p->path) };
	return 0;
}

static void lists_free(struct lists *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].tmp);
		free(l->v[i].path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Whether the process that wrote the lists may still be naming them. */
static int writer_alive(long long pid)
{
	if (pid == (long long)getpid())
		return 1;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* Whether a list's temporary file is there, regular and whole. */
static int tmp_whole(const struct list *f)
{
	struct stat st;

	return lstat(f->tmp, &st) == 0 && S_ISREG(st.st_mode) &&
	       (long long)st.st_size == f->size;
}

static int named(const struct list *f)
{
	struct stat st;

	return lstat(f->tmp, &st) != 0 && errno == ENOENT &&
	       lstat(f->path, &st) == 0 && S_ISREG(st.st_mode);
}

struct voiding {
	struct ctx *ctx;
	long long site;
	const char *detail;
};

static int void_one(void *arg, long long user, long long batch)
{
	struct voiding *v = arg;

	return store_audit(v->ctx->store, v->site, os_actor(),
			   "credential.void", user, batch, v->detail);
}

/*
 * The lists f[0..n) of one batch, in the open write transaction: named,
 * or the batch voided (why says why the lists were not named when that is
 * already known). Returns 0 or a store error.
 */
static int settle(struct ctx *ctx, const struct list *f, size_t n,
		  const char *why)
{
	struct store *st = ctx->store;
	struct sbuf detail = SBUF_INIT;
	const char *lost = NULL;
	long voided;
	int rc;

	for (size_t i = 0; i < n && !why && !lost; i++)
		if (!tmp_whole(&f[i]) && !named(&f[i]))
			lost = f[i].path;
	for (size_t i = 0; i < n && !why && !lost; i++) {
		if (!tmp_whole(&f[i]))
			continue;
		if (rename(f[i].tmp, f[i].path) != 0) {
			errorf("'%s': cannot rename to '%s': %s", f[i].tmp,
			       f[i].path, strerror(errno));
			lost = f[i].path;
		}
	}
	if (!why && !lost) {
		sbuf_addf(&detail, "batch v%lld: %zu list(s) named after the "
			  "process that wrote them ended before naming them",
			  f[0].version, n);
		rc = store_audit(st, f[0].site, os_actor(), "batch.publish", 0,
				 f[0].batch, detail.buf);
		if (rc == 0)
			rc = store_pending_clear(st, f[0].batch);
		if (rc == 0) {
			fprintf(stderr, "batch v%lld: its lists were named "
				"after an interrupted run:\n", f[0].version);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "  %s\n", f[i].path);
		}
		sbuf_release(&detail);
		return rc;
	}
	if (why)
		sbuf_addf(&detail, "batch v%lld voided: %s", f[0].version, why);
	else
		sbuf_addf(&detail, "batch v%lld voided: its list '%s' was lost "
			  "before it was named", f[0].version, lost);
	struct voiding v = { ctx, f[0].site, detail.buf };

	voided = store_batch_void(st, f[0].batch, now_seconds(), void_one, &v);
	rc = voided < 0 ? (int)voided : 0;
	if (rc == 0) {
		sbuf_addf(&detail, "; %ld password(s) voided", voided);
		rc = store_audit(st, f[0].site, os_actor(), "batch.void", 0,
				 f[0].batch, detail.buf);
	}
	if (rc == 0)
		rc = store_pending_clear(st, f[0].batch);
	if (rc == 0) {
		/* The passwords of a void batch: no list keeps them. */
		for (size_t i = 0; i < n; i++)
			unlink(f[i].tmp);
		warnf("%s; its users have no current password until a new "
		      "batch", detail.buf);
	}
	sbuf_release(&detail);
	return rc;
}

/* Settles each batch of l whose writer is gone (all of them: !live). */
static int settle_all(struct ctx *ctx, const struct lists *l, int live,
		      const char *why)
{
	for (size_t i = 0, j; i < l->n; i = j) {
		int rc;

		for (j = i + 1; j < l->n && l->v[j].batch == l->v[i].batch;
		     j++)
			;
		if (live && writer_alive(l->v[i].pid))
			continue;
		if ((rc = settle(ctx, &l->v[i], j - i, why)) != 0)
			return rc;
	}
	return 0;
}

static int any_settled(const struct lists *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!writer_alive(l->v[i].pid))
			return 1;
	return 0;
}

int publish_recover(struct ctx *ctx)
{
	struct store *st = ctx->store;
	struct lists l = { 0 };
	int rc;

	/* The common case: nothing pending, one read and no lock. */
	if ((rc = store_pending_each(st, collect, &l)) != 0 || !any_settled(&l)) {
		lists_free(&l);
		return rc ? store_status(rc) : 0;
	}
	lists_free(&l);
	if ((rc = store_begin(st)) != 0) {
		warnf("a batch's lists wait to be named; the next tempass "
		      "that can write to the store names them");
		return 0;
	}
	/* Read again under the lock: another process may have settled. */
	if ((rc = store_pending_each(st, collect, &l)) == 0 &&
	    (rc = settle_all(ctx, &l, 1, NULL)) == 0)
		rc = store_commit(st);
	if (rc)
		store_rollback(st);
	lists_free(&l);
	return rc ? store_status(rc) : 0;
}

int publish_finish(struct ctx *ctx, long long batch, int named_all)
{
	struct store *st = ctx->store;
	struct lists l = { 0 }, mine = { 0 };
	int rc;

	if ((rc = store_begin(st)) != 0)
		return store_status(rc);
	if ((rc = store_pending_each(st, collect, &l)) == 0) {
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i].batch == batch)
				collect(&mine, &(struct store_pending){
					l.v[i].batch, l.v[i].site,
					l.v[i].version, l.v[i].pid,
					l.v[i].size, l.v[i].tmp, l.v[i].path });
		if (named_all)
			rc = store_pending_clear(st, batch);
		else if (mine.n)
			rc = settle_all(ctx, &mine, 0, "a list could not be "
					"named (see above)");
	}
	if (rc == 0)
		rc = store_commit(st);
	if (rc)
		store_rollback(st);
	lists_free(&l);
	lists_free(&mine);
	return rc ? store_status(rc) : named_all ? 0 : EX_CANTCREAT;
}
