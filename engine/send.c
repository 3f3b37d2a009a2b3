/*
 * send.c: delivers the mail queue that notify writes (QUEUE/tmp, new, cur,
 * Maildir-style) over SMTP (core/smtp). Each file is uploaded exactly as
 * it lies on disk, so what was saved is what was sent, to the recipient
 * the store holds for it (never one parsed from the file).
 *
 * The one design choice: the store, not the folder, is the truth, and a
 * message is recorded as sent (with its audit event, in one transaction)
 * before its file leaves new/. A crash between the server's acceptance and
 * that commit sends the message again on the next run; a crash after it
 * only leaves a file that the next run moves to cur/ without sending. No
 * message the server accepted and the store recorded is sent twice, and no
 * queued message is lost.
 *
 * A message is sent only while the reset token it carries is current (the
 * store finds it by the delivery's batch and user, never by reading the
 * link): one whose token a newer notify voided, that was used, expired, or
 * whose user left or claimed their account is dropped, deleted and
 * audited. And none keeps a live token at rest: a sent message is kept in
 * cur/ with its token overwritten by x's, found as the characters whose
 * hash is the token's.
 */
#include "engine/send.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/secrets.h"
#include "core/smtp.h"
#include "core/tty.h"
#include "core/util.h"
#include "formats/eml.h"
#include "formats/records.h"

/* Files in tmp/ with no delivery this old are orphans of a notify that
 * died before its commit: their token was never stored. */
#define ORPHAN_SECONDS 3600
#define CREDENTIALS_MAX 1024

enum action {
	ACT_SEND,
	ACT_MOVE,         /* recorded as sent: the last run died before moving */
	ACT_SKIP,         /* refused before, and not --retry-refused */
	ACT_UNKNOWN,      /* no delivery: not ours to send */
	ACT_ORPHAN,       /* in tmp/, no delivery, old: deleted */
	ACT_DROP,         /* its token is no longer current: deleted */
};

struct item {
	const char *name;
	int in_tmp;
	enum action act;
	long long id, user, batch, site;
	int attempts;
	const char *state;
	const char *recipient;
	const char *last_error;
	const char *why;          /* ACT_DROP: why the token is dead */
	unsigned char token_hash[SECRETS_HASH_BYTES];
	int has_hash;
};

struct sender {
	struct ctx *ctx;
	int tmpfd, newfd, curfd;
	const char *tmpdir, *newdir, *curdir;
	struct smtp *smtp;
	char reason[600];
	size_t sent, refused, deferred, left, moved, dropped;
	int io_error;
	/* Why the run stopped early: SMTP_UNREACHABLE, SMTP_LOGIN, or
	 * SMTP_SENT when it did not. */
	enum smtp_status stop;
};

/* ==== The queue folders ==== */

static int by_name(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * Appends an item for each regular file of the folder at fd (dot files and
 * anything else are not the queue's) to *items.
 */
static int scan(int fd, const char *path, int in_tmp, struct arena *arena,
		struct item **items, size_t *n, size_t *cap)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;

	if (!d) {
		errorf("'%s': cannot read folder: %s", path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	rewinddir(d);
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		struct item *it;

		if (e->d_name[0] == '.')
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*items = xrealloc(*items, *cap * sizeof(**items));
		}
		it = &(*items)[(*n)++];
		memset(it, 0, sizeof(*it));
		it->name = arena_strdup(arena, e->d_name);
		it->in_tmp = in_tmp;
		errno = 0;
	}
	if (errno) {
		errorf("'%s': cannot read folder: %s", path, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

/* Opens QUEUE/sub, creating it 0700 unless dry_run (absent: -2). */
static int open_sub(const char *queue, const char *sub, int dry_run,
		    char **path)
{
	int fd;

	*path = xasprintf("%s/%s", queue, sub);
	if (!dry_run && mkdir_p(*path, 0700) != 0)
		return -1;
	fd = open(*path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && dry_run && errno == ENOENT)
		return -2;
	if (fd < 0)
		errorf("'%s': cannot open folder: %s", *path, strerror(errno));
	return fd;
}

/* A character of a token: URL-safe base64. */
static int token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Overwrites with x's each run of SECRETS_TOKEN_CHARS token characters in
 * buf whose hash is hash, read across quoted-printable soft line breaks
 * ("=" at a line's end), which may cut a link anywhere. Returns how many.
 */
static size_t redact(char *buf, size_t len, const unsigned char *hash)
{
	enum { K = SECRETS_TOKEN_CHARS };
	size_t *pos = xcalloc(len + 1, sizeof(*pos)), n = 0, found = 0;
	char *ch = xmalloc(len + 1);
	unsigned char h[SECRETS_HASH_BYTES];

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '=' && i + 1 < len && buf[i + 1] == '\n') {
			i++;
			continue;
		}
		if (buf[i] == '=' && i + 2 < len && buf[i + 1] == '\r' &&
		    buf[i + 2] == '\n') {
			i += 2;
			continue;
		}
		pos[n] = i;
		ch[n++] = buf[i];
	}
	for (size_t i = 0; i + K <= n;) {
		size_t run = 0;

		while (i + run < n && token_char(ch[i + run]))
			run++;
		if (run < K) {
			i += run + 1;
			continue;
		}
		/* A token may follow other token characters ("t=3D" in
		 * quoted-printable): every window of the run is tried. */
		for (size_t k = i; k + K <= i + run;) {
			secrets_hash(ch + k, K, h);
			if (!secrets_equal(h, hash, sizeof(h))) {
				k++;
				continue;
			}
			for (size_t j = k; j < k + K; j++)
				buf[pos[j]] = 'x';
			found++;
			k += K;
		}
		i += run + 1;
	}
	secrets_wipe(ch, len + 1);
	free(ch);
	free(pos);
	return found;
}

/*
 * Moves a sent message from new/ to cur/ with its token redacted: the copy
 * is written to cur/.NAME (dot files are not the queue's), synced, renamed
 * to cur/NAME, and only then is new/NAME deleted. A run killed on the way
 * leaves new/NAME, recorded as sent, for the next run to move. 0, or -1
 * reported.
 */
static int to_cur(struct sender *s, const struct item *it)
{
	char dot[NAME_MAX + 2];
	struct sbuf sb = SBUF_INIT;
	char chunk[8192];
	ssize_t got;
	int in, out = -1, rc = -1;

	snprintf(dot, sizeof(dot), ".%s", it->name);
	in = openat(s->newfd, it->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		errorf("'%s/%s': cannot read: %s", s->newdir, it->name,
		       strerror(errno));
		goto out;
	}
	while ((got = read(in, chunk, sizeof(chunk))) > 0)
		sbuf_add(&sb, chunk, (size_t)got);
	/* It held the message, live token and all. */
	secrets_wipe(chunk, sizeof(chunk));
	if (got < 0) {
		errorf("'%s/%s': cannot read: %s", s->newdir, it->name,
		       strerror(errno));
		goto out;
	}
	if (it->has_hash && sb.len)
		redact(sb.buf, sb.len, it->token_hash);
	out = openat(s->curfd, dot, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		     O_CLOEXEC, 0600);
	if (out < 0 || (sb.len && write(out, sb.buf, sb.len) !=
				  (ssize_t)sb.len) || fsync(out) != 0) {
		errorf("'%s/%s': cannot write: %s", s->curdir, dot,
		       strerror(errno));
		unlinkat(s->curfd, dot, 0);
		goto out;
	}
	/* A copy already there is this message's, from a run killed
	 * before it deleted new/NAME: the two are the same, redacted. */
	if (renameat2(s->curfd, dot, s->curfd, it->name,
		      RENAME_NOREPLACE) != 0 && errno != EEXIST) {
		errorf("'%s/%s' cannot be moved to '%s': %s", s->newdir,
		       it->name, s->curdir, strerror(errno));
		unlinkat(s->curfd, dot, 0);
		goto out;
	}
	unlinkat(s->curfd, dot, 0);
	if (unlinkat(s->newfd, it->name, 0) != 0) {
		errorf("'%s/%s': cannot delete: %s", s->newdir, it->name,
		       strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	sbuf_release(&sb);
	return rc;
}

/* ==== SMTP ==== */

/* Reads [email] smtp_credentials and opens the SMTP session. 0, or the
 * status to exit with (reported). */
static int sender_open(struct sender *s)
{
	const struct config *cfg = s->ctx->cfg;
	char *credentials = NULL, *colon = NULL;
	int rc = EX_CONFIG;

	if (smtp_load() != 0)
		return EX_UNAVAILABLE;
	if (cfg->smtp_credentials) {
		/* "user:password" while it is read */
		credentials = secrets_alloc(CREDENTIALS_MAX);
		if (read_password_file(cfg->smtp_credentials, credentials,
				       CREDENTIALS_MAX) < 0)
			goto out;
		colon = strchr(credentials, ':');
		if (!colon || colon == credentials) {
			errorf("'%s': not 'user:password' on one line",
			       cfg->smtp_credentials);
			goto out;
		}
		*colon = '\0';
	}
	s->smtp = smtp_open(cfg->smtp_url, cfg->mail_from, cfg->smtp_starttls,
			    colon ? credentials : NULL,
			    colon ? colon + 1 : NULL);
	if (!s->smtp) {
		rc = EX_SOFTWARE;
		goto out;
	}
	if (colon && strncmp(cfg->smtp_url, "smtp://", 7) == 0 &&
	    !cfg->smtp_starttls)
		warnf("the SMTP login crosses the network in clear text: "
		      "use smtps:// or starttls = yes in [email]");
	rc = 0;
out:
	secrets_free(credentials);
	return rc;
}

/*
 * Uploads the item's file in new/ to its recipient. Sets s->reason for
 * anything but SMTP_SENT.
 */
static enum smtp_status deliver(struct sender *s, const struct item *it)
{
	enum smtp_status out;
	struct stat st;
	FILE *fp;
	int fd;

	if (!eml_addr_valid(it->recipient)) {
		/* A CR or LF here would add an SMTP command. */
		snprintf(s->reason, sizeof(s->reason), "the recipient is not "
			 "a plain address");
		return SMTP_REFUSED;
	}
	fd = openat(s->newfd, it->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(s->reason, sizeof(s->reason), "cannot read '%s/%s': "
			 "%s", s->newdir, it->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SMTP_LOCAL;
	}
	if (!S_ISREG(st.st_mode) || !(fp = fdopen(fd, "rb"))) {
		snprintf(s->reason, sizeof(s->reason), "cannot read '%s/%s': "
			 "not a file", s->newdir, it->name);
		close(fd);
		return SMTP_LOCAL;
	}
	out = smtp_send_file(s->smtp, it->recipient, fp, st.st_size,
			     s->reason, sizeof(s->reason));
	fclose(fp);
	if (out == SMTP_LOCAL)
		snprintf(s->reason, sizeof(s->reason), "cannot read '%s/%s'",
			 s->newdir, it->name);
	return out;
}

/* ==== Recording ==== */

/* Records the attempt (and, for a final one, its audit event) in one
 * transaction. 0 or a sysexits status. */
static int record(struct sender *s, const struct item *it, const char *state,
		  const char *error, const char *action)
{
	struct ctx *ctx = s->ctx;
	char detail[700];
	int rc;

	if ((rc = store_begin(ctx->store)) != 0)
		return store_status(rc);
	if ((rc = store_delivery_result(ctx->store, it->id, state, error,
					now_seconds())) != 0)
		goto fail;
	if (action) {
		if (error)
			snprintf(detail, sizeof(detail), "to %s: %s",
				 it->recipient, error);
		else
			snprintf(detail, sizeof(detail), "to %s",
				 it->recipient);
		/* Audited at the site whose notify queued it, whichever
		 * --site send runs with: the queue is one for the store. */
		if ((rc = store_audit(ctx->store, it->site ? it->site :
				      ctx->site_id, os_actor(), action,
				      it->user, it->batch, detail)) != 0)
			goto fail;
	}
	if ((rc = store_commit(ctx->store)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(ctx->store);
	return store_status(rc);
}

/*
 * Drops an item whose token is no longer current: recorded and audited
 * (once: a run killed before the delete finds it dropped already), then
 * its file deleted from tmp/ or new/.
 */
static int drop_item(struct sender *s, const struct item *it)
{
	struct ctx *ctx = s->ctx;
	char detail[700];
	int rc;

	if (strcmp(it->state, "dropped") != 0) {
		if ((rc = store_begin(ctx->store)) != 0)
			return store_status(rc);
		snprintf(detail, sizeof(detail), "to %s: not sent: %s",
			 it->recipient, it->why);
		if ((rc = store_delivery_drop(ctx->store, it->id,
					      it->why)) != 0 ||
		    (rc = store_audit(ctx->store, it->site ? it->site :
				      ctx->site_id, os_actor(),
				      "email.dropped", it->user, it->batch,
				      detail)) != 0 ||
		    (rc = store_commit(ctx->store)) != 0) {
			store_rollback(ctx->store);
			return store_status(rc);
		}
	}
	if (unlinkat(it->in_tmp ? s->tmpfd : s->newfd, it->name, 0) != 0 &&
	    errno != ENOENT) {
		errorf("'%s/%s': cannot delete: %s", it->in_tmp ? s->tmpdir :
		       s->newdir, it->name, strerror(errno));
		s->io_error = 1;
	}
	s->dropped++;
	return 0;
}

/*
 * Sends one item and records what came of it. Returns 0 to go on, or the
 * status to stop with: after setting s->stop when the server cannot be
 * reached or refuses the login (s->reason says why, not yet reported),
 * else after reporting.
 */
static int send_item(struct sender *s, const struct item *it)
{
	int rc;

	switch (deliver(s, it)) {
	case SMTP_SENT:
		if ((rc = record(s, it, "sent", NULL, "email.sent")) != 0) {
			errorf("'%s/%s' was accepted by the server but is not "
			       "recorded as sent; it stays in new/ and the "
			       "next run sends it again", s->newdir,
			       it->name);
			return rc;
		}
		s->sent++;
		/* Recorded: should the move fail, the next run moves it. */
		if (to_cur(s, it) != 0)
			s->io_error = 1;
		return 0;
	case SMTP_REFUSED:
		warnf("'%s' to %s refused: %s", it->name, it->recipient,
		      s->reason);
		s->refused++;
		return record(s, it, "refused", s->reason, "email.refused");
	case SMTP_DEFERRED:
		warnf("'%s' to %s deferred: %s", it->name, it->recipient,
		      s->reason);
		s->deferred++;
		return record(s, it, "queued", s->reason, NULL);
	case SMTP_LOCAL:
		errorf("%s; it stays queued", s->reason);
		s->left++;
		s->io_error = 1;
		return 0;
	case SMTP_LOGIN:
		s->stop = SMTP_LOGIN;
		return EX_NOPERM;
	case SMTP_UNREACHABLE:
		break;
	}
	s->stop = SMTP_UNREACHABLE;
	return EX_TEMPFAIL;
}

/* ==== Planning ==== */

/*
 * Why the token a delivery carries can no longer be used (so the message
 * is not sent), or NULL while it is current.
 */
static const char *dead_token(const struct store_delivery *d, long long now)
{
	const char *t = d->token_state;

	if (!*t)
		return "no reset token is stored for it";
	if (strcmp(t, "used") == 0)
		return "its link was used";
	if (strcmp(t, "void") == 0)
		return "a newer batch voided its link";
	if (strcmp(t, "expired") == 0 || (strcmp(t, "current") == 0 &&
					   d->token_expires <= now))
		return "its link expired";
	if (strcmp(t, "revoked") == 0 || d->user_left)
		return "the user left";
	if (strcmp(t, "current") != 0)
		return "its link is no longer current";
	if (d->user_claimed)
		return "the user claimed their account";
	return NULL;
}

/* Looks up the delivery of each item and decides what to do with it. */
static int plan(struct sender *s, struct item *items, size_t n,
		int retry_refused, struct arena *arena)
{
	time_t now = time(NULL);
	long long clock = now_seconds();

	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		struct store_delivery d;
		struct stat st;
		int found = store_delivery_get(s->ctx->store, it->name, &d);

		if (found < 0)
			return store_status(found);
		if (!found) {
			it->act = ACT_UNKNOWN;
			/* File times are on the real clock, not
			 * TEMPASS_NOW's. */
			if (it->in_tmp && fstatat(s->tmpfd, it->name, &st,
						  AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) &&
			    now - st.st_mtime > ORPHAN_SECONDS)
				it->act = ACT_ORPHAN;
			continue;
		}
		it->id = d.id;
		it->user = d.user;
		it->batch = d.batch;
		it->site = d.site;
		it->attempts = d.attempts;
		it->state = arena_strdup(arena, d.state);
		it->recipient = arena_strdup(arena, d.recipient);
		it->last_error = arena_strdup(arena, d.last_error);
		if (d.token_hash_len == sizeof(it->token_hash)) {
			memcpy(it->token_hash, d.token_hash,
			       sizeof(it->token_hash));
			it->has_hash = 1;
		}
		if (strcmp(d.state, "sent") == 0)
			it->act = ACT_MOVE;
		else if (strcmp(d.state, "dropped") == 0 ||
			 (it->why = dead_token(&d, clock)) != NULL) {
			it->act = ACT_DROP;
			it->why = arena_strdup(arena, it->why ? it->why :
					       d.last_error);
		}
		else if (strcmp(d.state, "refused") == 0 && !retry_refused)
			it->act = ACT_SKIP;
		else
			it->act = ACT_SEND;
	}
	return 0;
}

static const char *action_text(const struct item *it, int over_limit)
{
	switch (it->act) {
	case ACT_SEND:
		if (over_limit)
			return "leave (over --limit)";
		return it->in_tmp ? "recover from tmp/ and send" : "send";
	case ACT_MOVE:
		return it->in_tmp ? "recover from tmp/ and move to cur/ "
			"(sent before)" : "move to cur/ (sent before)";
	case ACT_SKIP:
		return "leave (refused; --retry-refused tries again)";
	case ACT_ORPHAN:
		return "delete (no delivery; left by an interrupted notify)";
	case ACT_DROP:
		return "drop (its link is no longer current)";
	case ACT_UNKNOWN:
		break;
	}
	return "leave (no delivery recorded)";
}

static int list_plan(const struct item *items, size_t n, long limit,
		     const char *format)
{
	static const char *const cols[] = {
		"file", "recipient", "state", "attempts", "action",
		"last_error",
	};
	struct rec_writer *w;
	enum rec_format f;
	long tried = 0;
	size_t nsend = 0;
	int rc = 0;

	if (listing_format(format, stdout, &f) != 0)
		return EX_USAGE;
	w = rec_writer_new(stdout, f, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct item *it = &items[i];
		char attempts[24];
		int over = 0;

		/* A young file in tmp/ with no delivery may be a notify
		 * at work: not the queue's yet. */
		if (it->in_tmp && it->act == ACT_UNKNOWN)
			continue;
		if (it->act == ACT_SEND) {
			over = limit >= 0 && tried >= limit;
			tried++;
			nsend += !over;
		}
		snprintf(attempts, sizeof(attempts), "%d", it->attempts);
		const char *v[] = {
			it->name, it->recipient, it->state,
			it->state ? attempts : NULL, action_text(it, over),
			it->last_error,
		};
		rc = rec_write(w, v);
	}
	if (rec_writer_close(w) != 0 || rc)
		return EX_IOERR;
	fprintf(stderr, "dry run: %zu message(s) would be sent\n", nsend);
	return 0;
}

/* ==== The run ==== */

/*
 * Moves the files of tmp/ that have a delivery (notify died between its
 * commit and its renames) into new/, and deletes the orphans.
 */
static void recover_tmp(struct sender *s, struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];

		if (!it->in_tmp || it->act == ACT_UNKNOWN ||
		    it->act == ACT_DROP)
			continue;
		if (it->act == ACT_ORPHAN) {
			if (unlinkat(s->tmpfd, it->name, 0) == 0)
				warnf("deleted '%s/%s': no delivery is "
				      "recorded for it (an interrupted notify "
				      "left it; its link was never stored)",
				      s->tmpdir, it->name);
			else if (errno != ENOENT)
				warnf("'%s/%s': cannot delete: %s", s->tmpdir,
				      it->name, strerror(errno));
			it->act = ACT_UNKNOWN;
			continue;
		}
		/* notify may be renaming it right now: whoever renames
		 * first wins, and the other finds it gone. */
		if (renameat2(s->tmpfd, it->name, s->newfd, it->name,
			      RENAME_NOREPLACE) == 0 || errno == ENOENT) {
			it->in_tmp = 0;
			continue;
		}
		errorf("'%s/%s' cannot be moved to '%s': %s", s->tmpdir,
		       it->name, s->newdir, errno == EEXIST ? "a file of "
		       "that name is already there" : strerror(errno));
		s->io_error = 1;
		it->act = ACT_UNKNOWN;
	}
}

/* Sends, moves and skips the items of new/; returns the exit status. */
static int run(struct sender *s, const struct item *items, size_t n,
	       long limit)
{
	size_t waiting = 0, skipped = 0, unknown = 0;
	long tried = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const struct item *it = &items[i];

		if (it->in_tmp)
			continue;
		waiting += it->act == ACT_SEND;
		skipped += it->act == ACT_SKIP;
		if (it->act == ACT_UNKNOWN) {
			warnf("'%s/%s': no delivery is recorded for it; left "
			      "alone", s->newdir, it->name);
			unknown++;
		}
	}
	/* Dead links first, wherever they wait: none is sent. */
	for (size_t i = 0; i < n && rc == 0; i++)
		if (items[i].act == ACT_DROP)
			rc = drop_item(s, &items[i]);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct item *it = &items[i];

		if (it->in_tmp)
			continue;
		if (it->act == ACT_MOVE) {
			if (to_cur(s, it) == 0)
				s->moved++;
			else
				s->io_error = 1;
			continue;
		}
		if (it->act != ACT_SEND || (limit >= 0 && tried >= limit))
			continue;
		tried++;
		rc = send_item(s, it);
		if (s->stop == SMTP_SENT)
			waiting--;
	}
	s->left += waiting + skipped + unknown;
	if (s->stop == SMTP_UNREACHABLE)
		errorf("cannot reach %s: %s; %zu message(s) stay queued",
		       s->ctx->cfg->smtp_url, s->reason, waiting);
	else if (s->stop == SMTP_LOGIN && s->ctx->cfg->smtp_credentials)
		errorf("%s refused the login in '%s': %s; %zu message(s) stay "
		       "queued", s->ctx->cfg->smtp_url,
		       s->ctx->cfg->smtp_credentials, s->reason, waiting);
	else if (s->stop == SMTP_LOGIN)
		errorf("%s asks for a login (%s): set [email] "
		       "smtp_credentials; %zu message(s) stay queued",
		       s->ctx->cfg->smtp_url, s->reason, waiting);
	if (skipped)
		fprintf(stderr, "%zu message(s) refused before stay in new/; "
			"--retry-refused tries them again\n", skipped);
	if (s->moved)
		fprintf(stderr, "%zu message(s) sent before moved to cur/\n",
			s->moved);
	if (s->dropped)
		fprintf(stderr, "%zu message(s) dropped, not sent: their link "
			"is no longer current (see tempass audit)\n",
			s->dropped);
	fprintf(stderr, "%zu sent, %zu refused, %zu deferred, %zu left in the "
		"queue\n", s->sent, s->refused, s->deferred, s->left);
	if (rc && s->stop == SMTP_SENT)
		return rc;           /* the store failed (reported) */
	if (s->io_error)
		return EX_IOERR;
	if (s->stop == SMTP_LOGIN)
		return EX_NOPERM;
	if (s->refused)
		return EX_DATAERR;
	if (s->stop == SMTP_UNREACHABLE || s->deferred)
		return EX_TEMPFAIL;
	return 0;
}

/* Checks [email] before anything is touched. */
static int check_email(const struct ctx *ctx)
{
	const struct config *cfg = ctx->cfg;

	if (!cfg->smtp_url) {
		errorf("'%s': [email] has no smtp_url (smtp://HOST:PORT or "
		       "smtps://HOST:PORT)", ctx->config_path);
		return EX_CONFIG;
	}
	if (!cfg->mail_from || !eml_addr_valid(cfg->mail_from)) {
		errorf("'%s': [email] from '%s' is not an address",
		       ctx->config_path, cfg->mail_from ? cfg->mail_from : "");
		return EX_CONFIG;
	}
	return 0;
}

int send_queue(struct ctx *ctx, const struct send_opts *o)
{
	struct sender s = { .ctx = ctx, .tmpfd = -1, .newfd = -1,
			    .curfd = -1 };
	struct arena arena = ARENA_INIT;
	struct item *items = NULL;
	size_t n = 0, cap = 0;
	char *tmpdir = NULL, *newdir = NULL, *curdir = NULL;
	const char *queue;
	int dry_run = o->dry_run, lockfd = -1, rc;

	if ((rc = ctx_open(ctx)) != 0 || (rc = check_email(ctx)) != 0)
		return rc;
	/* A bad login file is refused before the queue is touched. */
	if (!dry_run && (rc = sender_open(&s)) != 0)
		goto out;
	queue = ctx->cfg->queue_dir;
	rc = EX_CANTCREAT;
	if (!dry_run && mkdir_p(queue, 0700) != 0)
		goto out;
	lockfd = open(queue, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lockfd < 0 && dry_run && errno == ENOENT) {
		rc = list_plan(NULL, 0, o->limit, o->format);
		goto out;
	}
	if (lockfd < 0) {
		errorf("'%s': cannot open the queue: %s", queue,
		       strerror(errno));
		goto out;
	}
	/* Two sends at once would send every message twice. */
	if (!dry_run && flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		errorf("'%s': another tempass send is delivering this queue; "
		       "try again later", queue);
		rc = EX_TEMPFAIL;
		goto out;
	}
	if ((s.tmpfd = open_sub(queue, "tmp", dry_run, &tmpdir)) == -1 ||
	    (s.newfd = open_sub(queue, "new", dry_run, &newdir)) == -1 ||
	    (s.curfd = open_sub(queue, "cur", dry_run, &curdir)) == -1)
		goto out;
	s.tmpdir = tmpdir;
	s.newdir = newdir;
	s.curdir = curdir;
	/*
	 * new/ before tmp/: a file notify renames in between is then seen
	 * in neither folder (and sent next time), never in both.
	 */
	rc = EX_IOERR;
	if ((s.newfd >= 0 && scan(s.newfd, newdir, 0, &arena, &items, &n,
				  &cap) != 0) ||
	    (s.tmpfd >= 0 && scan(s.tmpfd, tmpdir, 1, &arena, &items, &n,
				  &cap) != 0))
		goto out;
	if ((rc = plan(&s, items, n, o->retry_refused, &arena)) != 0)
		goto out;
	if (n)
		qsort(items, n, sizeof(*items), by_name);
	if (dry_run) {
		rc = list_plan(items, n, o->limit, o->format);
		goto out;
	}
	recover_tmp(&s, items, n);
	rc = run(&s, items, n, o->limit);
out:
	smtp_close(s.smtp);
	if (s.tmpfd >= 0)
		close(s.tmpfd);
	if (s.newfd >= 0)
		close(s.newfd);
	if (s.curfd >= 0)
		close(s.curfd);
	if (lockfd >= 0)
		close(lockfd);
	free(items);
	free(tmpdir);
	free(newdir);
	free(curdir);
	arena_release(&arena);
	return rc;
}
