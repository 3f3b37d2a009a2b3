/*
 * issue: generating and storing a batch of temporary passwords. Generation
 * (and, when passwords are only hashed, Argon2id) runs before the write
 * transaction, on every core, so the database is locked only for the inserts;
 * sealing needs the batch id as associated data and runs inside it, on every
 * core too.
 */
#include "engine/issue.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hmap.h"
#include "core/name.h"
#include "core/policy.h"
#include "core/secrets.h"
#include "core/tty.h"
#include "core/util.h"
#include "core/workers.h"

/* The longest password a batch may hold; its passwords get the room the
 * longest its policies can make, not this much. */
#define SLOT_MAX 160

struct resolve {
	struct issue *is;
	struct hmap wanted;       /* username -> item index + 1 */
};

static int resolve_one(void *arg, const struct store_target_row *t)
{
	struct resolve *r = arg;
	uintptr_t i = (uintptr_t)hmap_get(&r->wanted, t->username);
	struct issue_item *it;
	char who[160], *forename, *surname;

	if (!i)
		return 0;
	it = &r->is->items[i - 1];
	it->user_id = t->id;
	forename = arena_strdup(&r->is->arena, t->forename);
	surname = arena_strdup(&r->is->arena, t->surname);
	/* Names stored before import cleaned them get the same rule. */
	if (!name_is_clean(forename) || !name_is_clean(surname)) {
		snprintf(who, sizeof(who), "user '%s'", t->username);
		name_clean_warn(forename, who, "forename");
		name_clean_warn(surname, who, "surname");
	}
	it->forename = forename;
	it->surname = surname;
	it->user_type = arena_strdup(&r->is->arena, t->user_type);
	it->class_name = arena_strdup(&r->is->arena, t->class_name);
	it->email = t->email_verified && t->email[0] ?
		    arena_strdup(&r->is->arena, t->email) : NULL;
	it->skip = t->left ? ISSUE_LEFT : t->claimed ? ISSUE_CLAIMED :
		   ISSUE_OK;
	return 0;
}

int issue_resolve(struct ctx *ctx, struct issue *is)
{
	struct resolve r = { .is = is };
	int rc;

	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];

		if (hmap_get(&r.wanted, it->username)) {
			it->skip = ISSUE_DUPLICATE;
			continue;
		}
		hmap_put(&r.wanted, it->username, (void *)(uintptr_t)(i + 1));
		it->skip = ISSUE_UNKNOWN;   /* until the store knows them */
	}
	/* One pass over the site's users beats a lookup per user once a
	 * batch is more than a handful of pupils. */
	rc = store_targets(ctx->store, ctx->site_id, resolve_one, &r);
	hmap_release(&r.wanted);
	if (rc)
		return store_status(rc);
	for (size_t i = 0; i < is->n; i++) {
		switch (is->items[i].skip) {
		case ISSUE_UNKNOWN: is->unknown++; break;
		case ISSUE_LEFT: is->left++; break;
		case ISSUE_CLAIMED: is->claimed++; break;
		}
	}
	return 0;
}

/* ==== Generation on every core ==== */

struct gen {
	struct ctx *ctx;
	struct issue *is;
	size_t next;              /* next item to take, under lock */
	pthread_mutex_t lock;
	char **hashes;            /* hash-only mode: one per item */
	int failed;
	struct progress *progress;
};

static void *gen_worker(void *arg)
{
	struct gen *g = arg;
	struct issue *is = g->is;
	char buf[256];

	/* An Argon2id hash is slow by design: one at a time, or the last
	 * thread to finish would hold 64 of them alone. */
	size_t chunk = g->hashes ? 1 : 64;

	for (;;) {
		size_t start, end;

		pthread_mutex_lock(&g->lock);
		start = g->next;
		end = start + chunk < is->n ? start + chunk : is->n;
		g->next = end;
		pthread_mutex_unlock(&g->lock);
		if (start >= is->n || g->failed)
			break;
		for (size_t i = start; i < end; i++) {
			struct issue_item *it = &is->items[i];
			const char *personal[] = { it->forename, it->surname,
						   it->username, NULL };
			int len;

			if (it->skip)
				continue;
			len = policy_generate(it->policy, g->ctx->wordlists,
					      personal, buf, sizeof(buf));
			if (len < 0 || (size_t)len >= is->slot) {
				if (len >= 0)
					errorf("policy '%s' made a password "
					       "of %d characters, over its "
					       "bound", it->user_type, len);
				g->failed = 1;
				break;
			}
			it->password = is->secret + i * is->slot;
			memcpy(it->password, buf, (size_t)len + 1);
			if (g->hashes) {
				g->hashes[i] = xmalloc(SECRETS_PWHASH_MAX);
				if (pwhash(it->password, (size_t)len,
					   g->hashes[i]) != 0) {
					g->failed = 1;
					break;
				}
			}
		}
		/* Counted once done: a hash in hand is not a hash made. */
		pthread_mutex_lock(&g->lock);
		progress_step(g->progress, end - start);
		pthread_mutex_unlock(&g->lock);
	}
	secrets_wipe(buf, sizeof(buf));
	return NULL;
}

static int generate(struct ctx *ctx, struct issue *is, char **hashes)
{
	struct progress progress;
	struct gen g = { .ctx = ctx, .is = is, .hashes = hashes };
	/* Threads pay off for Argon2id; plain generation is quick anyway. */
	size_t nthreads = hashes ? workers_jobs() : workers_for(is->n);

	pthread_mutex_init(&g.lock, NULL);
	progress_start(&progress, hashes ? "hashing" : "generating", is->n);
	g.progress = &progress;
	/* Every thread takes items from the same counter. */
	workers_run(nthreads, gen_worker, &g, 0);
	progress_end(&progress);
	pthread_mutex_destroy(&g.lock);
	return g.failed ? EX_SOFTWARE : 0;
}

/* ==== Writing the batch ==== */

struct idset {
	long long *v;
	size_t n, cap;
};

static void idset_add(void *ctx, long long id)
{
	struct idset *s = ctx;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = id;
}

static int cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* (user id, version) of each credential a batch voids, sorted by user. */
struct pairs {
	long long (*v)[2];
	size_t n, cap;
};

static void note_voided(void *ctx, long long user, long long version)
{
	struct pairs *p = ctx;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n][0] = user;
	p->v[p->n][1] = version;
	p->n++;
}

static int cmp_pair(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* ==== Sealing on every core ==== */

/* Bytes of a sealed password of the batch, the longest. */
static size_t box_size(const struct issue *is)
{
	return seal_size(is->slot - 1);
}

struct sealing {
	struct ctx *ctx;
	struct issue *is;
	unsigned char *box;       /* box_size() bytes per item */
	size_t from, to;
	int failed;
};

static void *seal_range(void *arg)
{
	struct sealing *sg = arg;
	struct issue *is = sg->is;

	for (size_t i = sg->from; i < sg->to; i++) {
		struct issue_item *it = &is->items[i];
		char ad[128];
		size_t adlen;

		if (it->skip)
			continue;
		adlen = ctx_credential_ad(sg->ctx, ad, sizeof(ad),
					  it->user_id, is->batch_id);
		if (seal(sg->ctx->key, it->password, strlen(it->password), ad,
			 adlen, sg->box + i * box_size(is)) != 0) {
			sg->failed = 1;
			break;
		}
	}
	return NULL;
}

/*
 * Seals every password of the batch into box, on every core for a large
 * batch: the associated data holds the batch id, so this runs inside the
 * write transaction, where time is the lock's.
 */
static int seal_all(struct ctx *ctx, struct issue *is, unsigned char *box)
{
	size_t nthreads = workers_for(is->n);
	struct sealing *parts;
	int failed = 0;

	parts = xcalloc(nthreads, sizeof(*parts));
	for (size_t t = 0; t < nthreads; t++)
		parts[t] = (struct sealing){ ctx, is, box,
					     is->n * t / nthreads,
					     is->n * (t + 1) / nthreads, 0 };
	workers_run(nthreads, seal_range, parts, sizeof(*parts));
	for (size_t t = 0; t < nthreads; t++)
		failed |= parts[t].failed;
	free(parts);
	return failed ? -1 : 0;
}

static int write_batch(struct ctx *ctx, struct issue *is, const char *actor,
		       const char *criteria, char **hashes)
{
	struct store *st = ctx->store;
	struct idset gone = { 0 };
	struct pairs old = { 0 };
	unsigned char *box = NULL;   /* sealed passwords, box_size() each */
	struct sbuf detail = SBUF_INIT;
	size_t count = 0;
	int rc, started = 0, hook = 0;   /* hook: what during() said */

	/* Every reference below is to the new batch or to a user, and users
	 * are never deleted: no foreign key needs checking row by row. The
	 * batch is chosen: the whole-site reads are done. */
	if ((rc = store_begin_bulk(st, STORE_BULK_UNMAP)) != 0)
		return store_status(rc);
	/* Claimed or left since selection: re-read inside the lock. */
	if ((rc = store_unavailable(st, ctx->site_id, idset_add, &gone)) != 0)
		goto fail;
	if (gone.n)
		qsort(gone.v, gone.n, sizeof(*gone.v), cmp_id);
	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];

		if (it->skip)
			continue;
		if (gone.n && bsearch(&it->user_id, gone.v, gone.n,
				      sizeof(*gone.v), cmp_id)) {
			it->skip = ISSUE_CLAIMED;
			is->claimed++;
			continue;
		}
		count++;
	}
	if ((rc = store_batch_create(st, ctx->site_id, actor, criteria,
				     (long long)count, is->generated_at,
				     &is->batch_id, &is->version)) != 0)
		goto fail;
	for (size_t i = 0; i < is->n; i++)
		if (!is->items[i].skip)
			is->items[i].expires = is->generated_at +
				(long long)is->items[i].policy->expiry_days *
				86400;
	/* The lists start as soon as they can, beside the sealing. */
	if (is->during) {
		if ((hook = is->during(is->during_arg, is, ISSUE_READY)))
			goto fail;
		started = 1;
	}
	if (ctx->cfg->reveal) {
		box = xmalloc(is->n * box_size(is));
		if ((rc = seal_all(ctx, is, box)) != 0)
			goto fail;
	}
	store_issue_begin(st, is->batch_id, is->generated_at, note_voided,
			  &old);
	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];

		if (it->skip)
			continue;
		if (ctx->cfg->reveal) {
			rc = store_issue_add(st, it->user_id, it->group ?
					     it->group : "", box + i * box_size(is),
					     seal_size(strlen(it->password)),
					     NULL, it->expires);
		} else {
			rc = store_issue_add(st, it->user_id, it->group ?
					     it->group : "", NULL, 0,
					     hashes[i], it->expires);
		}
		if (rc)
			goto fail;
	}
	if ((rc = store_issue_finish(st)) != 0)
		goto fail;
	/* The store holds its own copies now. */
	free(box);
	box = NULL;
	if (old.n)
		qsort(old.v, old.n, sizeof(*old.v), cmp_pair);
	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];
		long long key[2] = { it->user_id, 0 };
		const long long *hit;

		if (it->skip)
			continue;
		sbuf_reset(&detail);
		sbuf_addf(&detail, "batch v%lld; group '%s'", is->version,
			  it->group ? it->group : "");
		hit = old.n ? bsearch(key, old.v, old.n, sizeof(*old.v),
				      cmp_pair) : NULL;
		if (hit) {
			sbuf_addf(&detail, "; voided the password of batch "
				  "v%lld", hit[1]);
			is->voided++;
		}
		if ((rc = store_audit(st, ctx->site_id, actor,
				      "credential.issue", it->user_id,
				      is->batch_id, detail.buf)) != 0)
			goto fail;
		is->issued++;
	}
	sbuf_reset(&detail);
	sbuf_addf(&detail, "%s; %zu issued, %zu voided, %zu skipped as "
		  "claimed, %zu as left", criteria, is->issued, is->voided,
		  is->claimed, is->left);
	if ((rc = store_audit(st, ctx->site_id, actor, "batch.create", 0,
			      is->batch_id, detail.buf)) != 0)
		goto fail;
	if (started && (hook = is->during(is->during_arg, is, ISSUE_DONE)))
		goto fail;
	if ((rc = store_commit(st)) != 0)
		goto fail;
	free(box);
	sbuf_release(&detail);
	free(gone.v);
	free(old.v);
	return 0;
fail:
	store_rollback(st);
	if (started)
		is->during(is->during_arg, is, ISSUE_ABORT);
	free(box);
	sbuf_release(&detail);
	free(gone.v);
	free(old.v);
	is->issued = is->voided = 0;
	return hook ? hook : store_status(rc);
}

int issue_batch(struct ctx *ctx, struct issue *is, const char *actor,
		const char *criteria)
{
	char **hashes = NULL;
	int rc;

	if ((rc = ctx_open(ctx)) != 0)
		return rc;
	if (ctx->cfg->reveal && (rc = ctx_key(ctx, 1)) != 0)
		return rc;
	/* Room for the longest password any of the batch's policies makes,
	 * not the longest any policy could: the slots are locked memory. */
	is->slot = 1;
	for (size_t i = 0; i < is->n; i++) {
		struct issue_item *it = &is->items[i];
		const struct policy *last = i ? is->items[i - 1].policy : NULL;
		size_t max;

		if (it->skip)
			continue;
		if (!(it->policy = ctx_policy(ctx, it->user_type)))
			return EX_CONFIG;
		if (it->policy == last)
			continue;
		max = policy_max_length(it->policy, ctx->wordlists);
		if (max >= SLOT_MAX) {
			errorf("policy '%s' makes passwords of up to %zu "
			       "characters; at most %d", it->user_type, max,
			       SLOT_MAX - 1);
			return EX_CONFIG;
		}
		if (max + 1 > is->slot)
			is->slot = max + 1;
	}
	is->secret_len = is->n * is->slot;
	is->secret = secrets_alloc(is->secret_len ? is->secret_len : 1);
	if (!is->secret)
		die("tempass: out of memory for %zu passwords", is->n);
	if (!ctx->cfg->reveal)
		hashes = xcalloc(is->n + 1, sizeof(*hashes));
	is->generated_at = now_seconds();
	rc = generate(ctx, is, hashes);
	if (rc == 0)
		rc = write_batch(ctx, is, actor, criteria, hashes);
	if (hashes) {
		for (size_t i = 0; i < is->n; i++)
			free(hashes[i]);
		free(hashes);
	}
	if (rc != 0) {
		/* Nothing was written: no password may leave. */
		secrets_wipe(is->secret, is->secret_len);
		for (size_t i = 0; i < is->n; i++)
			is->items[i].password = NULL;
	}
	return rc;
}

static int is_added(const char *name);

const char *const issue_columns[ISSUE_NCOLUMNS] = {
	"group", "site", "batch", "version", "generated_at", "expires",
	"password",
};

void issue_values(const struct ctx *ctx, const struct issue_item *it,
		  const char *batch, const char *version, const char *gen,
		  const char *expires, const char **out)
{
	out[0] = it->group ? it->group : "";
	out[1] = ctx->site->name;
	out[2] = batch;
	out[3] = version;
	out[4] = gen;
	out[5] = expires;
	out[6] = it->password;
}

/* Whether the names of cols include name. */
static int has_column(const char *const *cols, size_t ncols, const char *name)
{
	for (size_t i = 0; i < ncols; i++)
		if (strcmp(cols[i], name) == 0)
			return 1;
	return 0;
}

int issue_write(struct ctx *ctx, const struct issue *is, FILE *out,
		enum rec_format f, const char *const *cols, size_t ncols,
		char ***rows)
{
	size_t n = ncols + 3 + ISSUE_NCOLUMNS;
	const char **hdr = xcalloc(n, sizeof(*hdr));
	const char **vals = xcalloc(n, sizeof(*vals));
	char batch[24], version[24], gen[32], exp[32];
	struct rec_writer *w;
	int rc = 0;
	int add_fore = !has_column(cols, ncols, "forename");
	int add_sur = !has_column(cols, ncols, "surname");
	size_t *keep = xcalloc(ncols + 1, sizeof(*keep)), nkeep = 0, k;

	/* A batch writes its own columns afresh: drop any older ones, the
	 * class (the store's is written) and the selection's criteria
	 * (recorded with the batch). */
	for (size_t i = 0; i < ncols; i++)
		if (!is_added(cols[i]) && strcmp(cols[i], "class") != 0 &&
		    strcmp(cols[i], "criteria") != 0)
			keep[nkeep++] = i;
	for (size_t i = 0; i < nkeep; i++)
		hdr[i] = cols[keep[i]];
	k = nkeep;
	/* What emit prints comes from the store when the stream lacks it. */
	if (add_fore)
		hdr[k++] = "forename";
	if (add_sur)
		hdr[k++] = "surname";
	hdr[k++] = "class";
	for (size_t i = 0; i < ISSUE_NCOLUMNS; i++)
		hdr[k + i] = issue_columns[i];
	n = k + ISSUE_NCOLUMNS;
	snprintf(batch, sizeof(batch), "%lld", is->batch_id);
	snprintf(version, sizeof(version), "%lld", is->version);
	format_iso8601(is->generated_at, gen, sizeof(gen));
	w = rec_writer_new(out, f, hdr, n);
	for (size_t r = 0; r < is->n; r++) {
		const struct issue_item *it = &is->items[r];
		size_t j = nkeep;

		if (it->skip || !it->password)
			continue;
		for (size_t i = 0; i < nkeep; i++)
			vals[i] = rows[r][keep[i]];
		if (add_fore)
			vals[j++] = it->forename ? it->forename : "";
		if (add_sur)
			vals[j++] = it->surname ? it->surname : "";
		vals[j++] = it->class_name ? it->class_name : "";
		format_iso8601(it->expires, exp, sizeof(exp));
		issue_values(ctx, it, batch, version, gen, exp, vals + j);
		if (rec_write(w, vals) != 0) {
			rc = -1;
			break;
		}
	}
	if (rec_writer_close(w) != 0 || rc) {
		errorf("cannot write the passwords of batch v%lld; regenerate "
		       "again for a new list", is->version);
		rc = EX_IOERR;
	}
	free(keep);
	free(hdr);
	free(vals);
	return rc;
}

/* ==== Reading a selection ==== */

static int is_added(const char *name)
{
	for (size_t i = 0; i < ISSUE_NCOLUMNS; i++)
		if (strcmp(name, issue_columns[i]) == 0)
			return 1;
	return 0;
}

int issue_read_input(const char *path, struct issue_input *inp,
		     struct issue *is)
{
	const char *name = path ? path : "<stdin>";
	FILE *in = path ? fopen(path, "r") : stdin;
	struct rec_reader *r;
	const char *const *v;
	long user_col, crit_col;
	size_t cap = 0;
	int got;

	if (!in) {
		errorf("'%s': cannot open: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	r = rec_reader_new(in, name, REC_AUTO);
	if (!r) {
		if (in != stdin)
			fclose(in);
		return EX_DATAERR;
	}
	user_col = rec_column(r, "username");
	if (user_col < 0) {
		char *found = rec_reader_found(r);

		errorf("%s: the stream has no 'username' column; %s", name,
		       found);
		free(found);
		rec_reader_free(r);
		if (in != stdin)
			fclose(in);
		return EX_DATAERR;
	}
	inp->group_col = rec_column(r, "group");
	crit_col = rec_column(r, "criteria");
	inp->cols = xcalloc(rec_ncols(r) + 1, sizeof(*inp->cols));
	inp->from = xcalloc(rec_ncols(r) + 1, sizeof(*inp->from));
	for (size_t i = 0; i < rec_ncols(r); i++) {
		/* A batch writes its columns afresh; 'group' is kept, as
		 * the selection's filter criteria. */
		const char *c = rec_colname(r, i);

		if (is_added(c) && strcmp(c, "group") != 0)
			continue;
		inp->from[inp->ncols] = (long)i;
		inp->cols[inp->ncols++] = arena_strdup(&inp->arena,
						       rec_colname(r, i));
	}
	while ((got = rec_read(r, &v)) > 0) {
		char **row;

		if (inp->nrows == cap) {
			cap = cap ? cap * 2 : 256;
			inp->rows = xrealloc(inp->rows, cap * sizeof(*inp->rows));
			inp->groups = xrealloc(inp->groups,
					       cap * sizeof(*inp->groups));
			inp->criteria = xrealloc(inp->criteria, cap *
						 sizeof(*inp->criteria));
			is->items = xrealloc(is->items,
					     cap * sizeof(*is->items));
		}
		row = arena_alloc(&inp->arena, inp->ncols * sizeof(*row));
		for (size_t i = 0; i < inp->ncols; i++)
			row[i] = arena_strdup(&inp->arena, v[inp->from[i]]);
		inp->rows[inp->nrows] = row;
		inp->groups[inp->nrows] = inp->group_col >= 0 ?
			arena_strdup(&inp->arena, v[inp->group_col]) : NULL;
		inp->criteria[inp->nrows] = crit_col >= 0 ?
			arena_strdup(&inp->arena, v[crit_col]) : NULL;
		memset(&is->items[inp->nrows], 0, sizeof(*is->items));
		is->items[inp->nrows].username =
			arena_strdup(&inp->arena, v[user_col]);
		is->items[inp->nrows].group = inp->groups[inp->nrows];
		inp->nrows++;
	}
	is->n = inp->nrows;
	rec_reader_free(r);
	if (in != stdin)
		fclose(in);
	return got < 0 ? EX_DATAERR : 0;
}

char *issue_criteria(const struct issue_input *inp)
{
	struct hmap seen = HMAP_INIT;
	struct sbuf sb = SBUF_INIT;
	size_t shown = 0;

	/* What was asked, as select wrote it: a user in two of the groups
	 * shows only the first in 'group'. */
	for (size_t i = 0; i < inp->nrows; i++) {
		const char *c = inp->criteria[i];

		if (!c || !*c || hmap_get(&seen, c))
			continue;
		hmap_put(&seen, c, (void *)1);
		if (sb.len)
			sbuf_addstr(&sb, "; ");
		sbuf_addstr(&sb, c);
	}
	if (sb.len) {
		hmap_release(&seen);
		return sbuf_detach(&sb);
	}
	for (size_t i = 0; i < inp->nrows; i++) {
		const char *g = inp->groups[i];

		if (!g || !*g || hmap_get(&seen, g))
			continue;
		hmap_put(&seen, g, (void *)1);
		if (shown++ == 20) {
			sbuf_addstr(&sb, ", ...");
			break;
		}
		sbuf_addf(&sb, "%s%s", shown > 1 ? ", " : "groups: ", g);
	}
	hmap_release(&seen);
	if (!sb.len)
		sbuf_addstr(&sb, "selected users");
	return sbuf_detach(&sb);
}

void issue_input_release(struct issue_input *inp)
{
	free(inp->cols);
	free(inp->from);
	free(inp->rows);
	free(inp->groups);
	free(inp->criteria);
	arena_release(&inp->arena);
	memset(inp, 0, sizeof(*inp));
	inp->group_col = -1;
}

void issue_release(struct issue *is)
{
	if (is->secret)
		secrets_free(is->secret);
	is->secret = NULL;
	arena_release(&is->arena);
	free(is->items);
	is->items = NULL;
	is->n = 0;
}

int issue_out_open(struct atomic_file *af, const char *path, int force,
		   int dry_run)
{
	memset(af, 0, sizeof(*af));
	if (path && (dry_run ? atomic_check(path, force) :
		     atomic_open(af, path, force)) != 0)
		return output_status();
	return 0;
}

int issue_out_commit(struct atomic_file *af, long long version)
{
	if (!af->fp || atomic_commit(af) == 0)
		return 0;
	errorf("cannot write the passwords of batch v%lld; make a new batch "
	       "for a new list", version);
	return output_status();
}

int issue_ask(const char *question, int yes)
{
	int ok = yes ? 1 : tty_confirm(question);

	if (ok > 0)
		return 0;
	if (ok == 0)
		errorf("cancelled; nothing changed");
	return ok < 0 ? EX_USAGE : 1;
}
