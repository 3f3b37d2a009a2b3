/*
 * util: error reporting, allocation, strings and small file helpers shared by
 * every part of tempass. Nothing here knows about SQL or formats; buffers
 * are wiped with secrets_wipe() before their memory goes back.
 */
#include "core/util.h"
#include "core/secrets.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *current_stage;

void util_set_stage(const char *stage)
{
	current_stage = stage;
}

const char *util_stage(void)
{
	return current_stage;
}

static __thread int quiet_thread;
static __thread struct sbuf *held_messages;

void util_quiet_thread(int on)
{
	quiet_thread = on;
}

struct sbuf *util_hold_messages(struct sbuf *held)
{
	struct sbuf *was = held_messages;

	held_messages = held;
	return was;
}

/*
 * The code point of a UTF-8 sequence at s (n bytes left) that a terminal
 * must not act on: C1 controls, the line and paragraph separators and
 * the bidirectional controls, which reorder what follows them. Returns
 * its length (2 or 3), or 0 when it is none of those or not valid UTF-8.
 */
static int active_sequence(const unsigned char *s, size_t n, unsigned *cp)
{
	if (n >= 2 && s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) {
		*cp = s[1];
		return 2;
	}
	if (n >= 3 && s[0] == 0xE2 && (s[1] & 0xC0) == 0x80 &&
	    (s[2] & 0xC0) == 0x80) {
		utf8_decode((const char *)s, cp);
		if (*cp == 0x200E || *cp == 0x200F ||
		    (*cp >= 0x2028 && *cp <= 0x202E) ||
		    (*cp >= 0x2066 && *cp <= 0x2069))
			return 3;
	}
	return 0;
}

/* The bytes of a valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;

	return need <= n && utf8_valid((const char *)s, need) ? need : 0;
}

void sbuf_add_inert(struct sbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t run = i, len;
		unsigned cp;

		/* Printable ASCII and harmless UTF-8 go as they are. */
		while (i < n) {
			if (s[i] >= 0x20 && s[i] < 0x7F) {
				i++;
			} else if (s[i] >= 0x80 &&
				   !active_sequence(s + i, n - i, &cp) &&
				   (len = utf8_sequence(s + i, n - i))) {
				i += len;
			} else {
				break;
			}
		}
		sbuf_add(sb, s + run, i - run);
		if (i == n)
			break;
		if (s[i] == '\t')
			sbuf_addstr(sb, "\\t");
		else if (s[i] == '\n')
			sbuf_addstr(sb, "\\n");
		else if (s[i] == '\r')
			sbuf_addstr(sb, "\\r");
		else if (s[i] >= 0x80 && (len = active_sequence(s + i, n - i,
							       &cp))) {
			sbuf_addf(sb, "\\u%04x", cp);
			i += len - 1;
		} else {
			sbuf_addf(sb, "\\x%02x", (unsigned)s[i]);
		}
		i++;
	}
}

void vprintf_inert(FILE *out, const char *fmt, va_list ap)
{
	struct sbuf msg = SBUF_INIT, sb = SBUF_INIT;
	int nl;

	sbuf_vaddf(&msg, fmt, ap);
	nl = msg.len && msg.buf[msg.len - 1] == '\n';
	sbuf_add_inert(&sb, sbuf_str(&msg), msg.len - nl);
	if (nl)
		sbuf_addch(&sb, '\n');
	fwrite(sbuf_str(&sb), 1, sb.len, out);
	fflush(out);
	sbuf_release(&msg);
	sbuf_release(&sb);
}

void printf_inert(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf_inert(out, fmt, ap);
	va_end(ap);
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	struct sbuf sb = SBUF_INIT, msg = SBUF_INIT;

	if (quiet_thread)
		return;

	sbuf_addstr(&sb, "tempass: ");
	if (current_stage) {
		sbuf_addstr(&sb, current_stage);
		sbuf_addstr(&sb, ": ");
	}
	if (kind)
		sbuf_addstr(&sb, kind);
	/* What the message quotes (a name, a field, a line of a file)
	 * cannot move the cursor, ring the bell or start a line. */
	sbuf_vaddf(&msg, fmt, ap);
	sbuf_add_inert(&sb, sbuf_str(&msg), msg.len);
	sbuf_addch(&sb, '\n');
	if (held_messages) {
		sbuf_add(held_messages, sb.buf, sb.len);
	} else {
		/* One write, so messages from parallel workers do not
		 * interleave. */
		fwrite(sb.buf, 1, sb.len, stderr);
		fflush(stderr);
	}
	sbuf_release(&msg);
	sbuf_release(&sb);
}

void verrorf(const char *fmt, va_list ap)
{
	vreport(NULL, fmt, ap);
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, fmt, ap);
	va_end(ap);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_SOFTWARE);
}

void util_assert_fail(const char *expr, const char *file, int line)
{
	die("tempass: internal error: %s:%d: assertion '%s' failed", file, line,
	    expr);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("tempass: out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("tempass: out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("tempass: out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sbuf_detach(&sb);
}

/* ==== String buffer ==== */

/*
 * Never realloc(): it would leave the old block's bytes in freed memory.
 * Doubling keeps the copies and wipes to twice the final size in all.
 * The sizes stay powers of two from 64: a reader that fills whatever room
 * it is given (csv's read_all) sees the same blocks it always has.
 */
void sbuf_grow(struct sbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	char *buf;

	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	buf = xmalloc(cap);
	if (sb->buf) {
		memcpy(buf, sb->buf, sb->len);
		secrets_wipe(sb->buf, sb->cap);
		free(sb->buf);
	}
	sb->buf = buf;
	sb->cap = cap;
	sb->buf[sb->len] = '\0';
}

void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
	char small[256];
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sbuf_add(sb, small, (size_t)n);
		return;
	}
	sbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

char *sbuf_detach(struct sbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");

	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sbuf_release(struct sbuf *sb)
{
	if (sb->buf)
		secrets_wipe(sb->buf, sb->cap);
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

int sbuf_read(struct sbuf *sb, FILE *in)
{
	char chunk[65536];
	size_t got;

	while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0)
		sbuf_add(sb, chunk, got);
	return ferror(in) ? -1 : 0;
}

void sbuf_add_base64(struct sbuf *sb, const void *data, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789+/";
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		sbuf_addch(sb, b64[(v >> 18) & 63]);
		sbuf_addch(sb, b64[(v >> 12) & 63]);
		sbuf_addch(sb, i + 1 < n ? b64[(v >> 6) & 63] : '=');
		sbuf_addch(sb, i + 2 < n ? b64[v & 63] : '=');
	}
}

/* ==== UTF-8 ==== */

int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		unsigned cp, need;

		if (c < 0x80) {
			/* Then a run of ASCII, eight bytes at a time: most
			 * names, usernames and passwords are all ASCII. */
			for (i++; i + 8 <= n; i += 8) {
				uint64_t w;

				memcpy(&w, s + i, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
			}
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1, cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2, cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3, cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + need >= n)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

int utf8_decode(const char *str, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)str;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		*cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
		return 2;
	} else if ((s[0] & 0xF0) == 0xE0) {
		*cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) |
		      (s[2] & 0x3Fu);
		return 3;
	}
	*cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) |
	      ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
	return 4;
}

size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

const char *strcasestr_ascii(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return hay;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/*
 * The optimal string alignment form (no substring edited twice), as git's
 * help.c uses: a typo is a few slips of the finger, and it keeps two rows
 * of the table plus the one before.
 */
size_t edit_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), d;
	size_t *rows = xcalloc(3 * (nb + 1), sizeof(*rows));
	size_t *row0 = rows, *row1 = rows + nb + 1, *row2 = row1 + nb + 1, *t;

	for (size_t j = 0; j <= nb; j++)
		row1[j] = j;
	for (size_t i = 1; i <= na; i++) {
		int ca = tolower((unsigned char)a[i - 1]);

		row2[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = row1[j - 1] + (ca != cb);

			if (row1[j] + 1 < best)
				best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    cb == tolower((unsigned char)a[i - 2]) &&
			    row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		t = row0, row0 = row1, row1 = row2, row2 = t;
	}
	d = row1[nb];
	free(rows);
	return d;
}

const char *nearest_name(const char *typed, const char *const *names,
			 size_t n)
{
	size_t limit = strlen(typed) / 3, best = (size_t)-1, d;
	const char *found = NULL;
	int tie = 0;

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (size_t i = 0; i < n; i++) {
		d = edit_distance(typed, names[i]);
		if (d < best) {
			best = d;
			found = names[i];
			tie = 0;
		} else if (d == best) {
			tie = 1;
		}
	}
	return found && best <= limit && !tie ? found : NULL;
}

/* ==== Files ==== */

static int write_errno;

void util_write_failed(int err)
{
	__atomic_store_n(&write_errno, err ? err : EIO, __ATOMIC_RELAXED);
}

int util_write_errno(void)
{
	return __atomic_load_n(&write_errno, __ATOMIC_RELAXED);
}

/* Removes folder name in dfd and the files in it; never follows a link. */
static void remove_folder(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

/* The PID of name when it is pre BASE.tmp.PID post, or 0. */
static long temp_pid(const char *name, const char *pre, const char *base,
		     const char *post)
{
	size_t plen = strlen(pre), blen = strlen(base);
	const char *s = name + plen + blen + 5;
	char *p;
	long pid;

	if (strncmp(name, pre, plen) != 0 ||
	    strncmp(name + plen, base, blen) != 0 ||
	    strncmp(name + plen + blen, ".tmp.", 5) != 0)
		return 0;
	pid = strtol(s, &p, 10);
	return p != s && strcmp(p, post) == 0 && pid > 0 ? pid : 0;
}

/*
 * Removes PATH.tmp.PID files that a killed process left behind (between
 * naming its temporary and renaming it over PATH): each holds a complete
 * copy of secrets; and .PATH.tmp.PID.d folders (tmpdir_beside()) with
 * the library's files in them. A PID still alive is someone's work in
 * progress.
 */
static void remove_stale(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? (slash == path ? xstrdup("/") :
			     xstrndup(path, (size_t)(slash - path))) :
		    xstrdup(".");
	const char *base = slash ? slash + 1 : path;
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		const char *n = e->d_name;
		long pid = temp_pid(n, "", base, "");
		int folder = pid == 0;

		if (folder)
			pid = temp_pid(n, ".", base, ".d");
		if (pid == 0 || pid == (long)getpid())
			continue;
		/* Alive, or not ours to judge: leave it. */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (folder)
			remove_folder(dirfd(d), n);
		else
			unlinkat(dirfd(d), n, 0);
	}
	if (d)
		closedir(d);
	free(dir);
}

char *tmpdir_beside(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xasprintf("%.*s/.%s.tmp.%ld.d",
				      (int)(slash - path), path, slash + 1,
				      (long)getpid()) :
		    xasprintf(".%s.tmp.%ld.d", path, (long)getpid());

	int made = mkdir(dir, 0700) == 0, err;

	if (!made && errno == EEXIST) {
		/* Left by an earlier write of this process: made anew. */
		tmpdir_remove(dir);
		made = mkdir(dir, 0700) == 0;
	}
	if (!made) {
		err = errno;
		free(dir);
		errno = err;
		return NULL;
	}
	return dir;
}

void tmpdir_remove(const char *dir)
{
	if (dir)
		remove_folder(AT_FDCWD, dir);
}

/* What a name that is not a regular file names, for a refusal. */
static const char *file_kind(mode_t mode)
{
	return S_ISLNK(mode) ? "a symbolic link" : S_ISDIR(mode) ? "a folder" :
	       S_ISCHR(mode) ? "a character device" :
	       S_ISBLK(mode) ? "a block device" : S_ISFIFO(mode) ? "a fifo" :
	       S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

/*
 * Whether path may be given a new file: it does not exist, or it is a
 * regular file and force is set. A device, fifo, socket or folder is
 * never replaced, and a symbolic link (to anything) neither replaced nor
 * written through, whatever force says: --force replaces a list, never
 * /dev/sda or the link a colleague made. 0, or -1 (reported).
 */
int atomic_check(const char *path, int force)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return 0;   /* absent; other errors show at its creation */
	if (!S_ISREG(st.st_mode)) {
		errorf("'%s': is %s, not a regular file: refusing to "
		       "replace it%s", path, file_kind(st.st_mode),
		       S_ISLNK(st.st_mode) ? " or write through it" : "");
		util_write_failed(EEXIST);
		return -1;
	}
	if (!force) {
		errorf("'%s': file exists (use --force to replace it)", path);
		util_write_failed(EEXIST);
		return -1;
	}
	return 0;
}

int atomic_open(struct atomic_file *af, const char *path, int force)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	memset(af, 0, sizeof(*af));
	if (atomic_check(path, force) != 0)
		return -1;
	dir = slash ? (slash == path ? xstrdup("/") :
		       xstrndup(path, (size_t)(slash - path))) :
	      xstrdup(".");
	remove_stale(path);
	af->path = xstrdup(path);
	af->force = force;
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		af->unnamed = 1;
		af->tmp = xasprintf("/proc/self/fd/%d", fd);
	} else if (errno == EOPNOTSUPP || errno == EISDIR ||
		   errno == EINVAL) {
		af->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
		fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600);
	}
	if (fd < 0) {
		util_write_failed(errno);
		errorf("'%s': cannot create: %s", path, strerror(errno));
		free(af->path);
		free(af->tmp);
		free(dir);
		memset(af, 0, sizeof(*af));
		return -1;
	}
	free(dir);
	af->fp = fdopen(fd, "w");
	if (!af->fp)
		die("tempass: out of memory");
	return 0;
}

/* Gives the unnamed file af->fp its final name. 0, or an errno. */
static int name_unnamed(struct atomic_file *af)
{
	char *tmp;
	int err = 0;

	if (!af->force) {
		/* linkat never replaces: a file that appeared meanwhile
		 * is kept, as atomic_open promised. */
		if (linkat(AT_FDCWD, af->tmp, AT_FDCWD, af->path,
			   AT_SYMLINK_FOLLOW) != 0)
			return errno;
		return 0;
	}
	tmp = xasprintf("%s.tmp.%ld", af->path, (long)getpid());
	unlink(tmp);
	if (linkat(AT_FDCWD, af->tmp, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) != 0)
		err = errno;
	else if (rename(tmp, af->path) != 0)
		err = errno, unlink(tmp);
	free(tmp);
	return err;
}

/* fflush and fsync of af->fp: 0, or an errno. */
static int flush_sync(struct atomic_file *af)
{
	if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0)
		return errno ? errno : EIO;
	return 0;
}

int atomic_sync(struct atomic_file *af)
{
	int failed = flush_sync(af);

	if (failed) {
		errorf("'%s': cannot write: %s", af->path, strerror(failed));
		util_write_failed(failed);
		return -1;
	}
	af->synced = 1;
	return 0;
}

/* fsync of the folder that holds path: its names are on disk. */
static int sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? (slash == path ? xstrdup("/") :
			     xstrndup(path, (size_t)(slash - path))) :
		    xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0 || fsync(fd) != 0)
		err = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

int atomic_name(struct atomic_file *af)
{
	int failed = af->synced ? 0 : flush_sync(af);
	char *tmp;

	if (!failed && af->unnamed) {
		tmp = xasprintf("%s.tmp.%ld", af->path, (long)getpid());
		unlink(tmp);
		if (linkat(AT_FDCWD, af->tmp, AT_FDCWD, tmp,
			   AT_SYMLINK_FOLLOW) != 0) {
			failed = errno;
			free(tmp);
		} else {
			free(af->tmp);
			af->tmp = tmp;
			af->unnamed = 0;
		}
	}
	if (!failed)
		failed = sync_dir_of(af->path);
	if (failed) {
		errorf("'%s': cannot write: %s", af->path, strerror(failed));
		return -1;
	}
	af->synced = 1;
	return 0;
}

int atomic_commit(struct atomic_file *af)
{
	int failed = af->synced ? 0 : flush_sync(af), refused = 0;

	/* Checked again: what is at the name may have changed since
	 * atomic_open(). */
	if (!failed && atomic_check(af->path, 1) != 0)
		failed = EEXIST, refused = 1;
	if (!failed) {
		if (af->unnamed)
			failed = name_unnamed(af);
		else if (!af->force && renameat2(AT_FDCWD, af->tmp, AT_FDCWD,
						 af->path, RENAME_NOREPLACE) == 0)
			;
		else if (!af->force && errno != EINVAL)
			failed = errno;
		else if (rename(af->tmp, af->path) != 0)
			failed = errno;
	}
	/* Closed only now: /proc/self/fd/N names the open file. */
	if (fclose(af->fp) != 0 && !failed)
		failed = errno ? errno : EIO;
	af->fp = NULL;
	if (failed) {
		util_write_failed(failed);
		if (!refused)
			errorf("'%s': cannot write: %s", af->path,
			       strerror(failed));
		if (!af->unnamed)
			unlink(af->tmp);
	}
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	return failed ? -1 : 0;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->fp)
		fclose(af->fp);
	if (af->tmp && !af->unnamed)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
}

int mkdir_p(const char *dir, unsigned mode)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) != 0 && errno != EEXIST) {
				errorf("'%s': cannot create folder: %s", p,
				       strerror(errno));
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	if (rc == 0) {
		struct stat st;

		if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
			errorf("'%s': not a folder", p);
			rc = -1;
		}
	}
	free(p);
	return rc;
}

/* ==== Time ==== */

long long now_seconds(void)
{
	const char *fixed = getenv("TEMPASS_NOW");
	long long t;

	if (fixed && *fixed && parse_iso8601(fixed, &t) == 0)
		return t;
	return (long long)time(NULL);
}

/*
 * The civil date of a day count since 1970-01-01 in the proleptic
 * Gregorian calendar (H. Hinnant's days_from_civil, inverted): exact for
 * any year, without gmtime_r's time zone lock, as audit listings format
 * a time for every row.
 */
static void civil(long long days, long long *y, int *m, int *d)
{
	long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void format_local_time(long long t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) ||
	    !strftime(out, outsz, "%Y-%m-%d %H:%M %Z", &tm))
		out[0] = '\0';
}

const char *local_time_of(const char *value, char *out, size_t outsz)
{
	long long t;

	if (strlen(value) != 20 || value[10] != 'T' || value[19] != 'Z' ||
	    parse_iso8601(value, &t) != 0)
		return NULL;
	format_local_time(t, out, outsz);
	return out[0] ? out : NULL;
}

void format_iso8601(long long t, char *out, size_t outsz)
{
	long long days = t / 86400, secs = t % 86400, y;
	int m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil(days, &y, &m, &d);
	if (y < 0 || y > 9999 || outsz < 21) {
		snprintf(out, outsz, "%04lld-%02d-%02dT%02lld:%02lld:%02lldZ",
			 y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
		return;
	}
	/* Without printf: audit listings format a time for every row. */
	{
		/* Two digits each, and what follows them. */
		int f[7] = { (int)(y / 100), (int)(y % 100), m, d,
			     (int)(secs / 3600), (int)(secs / 60 % 60),
			     (int)(secs % 60) };
		static const char after[] = "\0--T::Z";
		char *p = out;

		for (int i = 0; i < 7; i++) {
			*p++ = (char)('0' + f[i] / 10);
			*p++ = (char)('0' + f[i] % 10);
			if (after[i])
				*p++ = after[i];
		}
		*p = '\0';
	}
}

/* Reads exactly n digits at *s into *v; advances *s. */
static int digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

int parse_iso8601(const char *s, long long *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, leap;
	struct tm tm;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d))
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
			return -1;
		if (*s == ':' && (s++, digits(&s, 2, &sec)))
			return -1;
		if (*s == 'Z')
			s++;
	}
	if (*s)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = (long long)timegm(&tm);
	return 0;
}

/* ==== Libraries loaded at run time ==== */

int dl_load(const char *soname, const char *package,
	    const struct dl_symbol *syms, size_t n, void *table, size_t size)
{
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		errorf("cannot load %s (Debian package %s): %s", soname,
		       package, dlerror());
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(lib, syms[i].name);

		if (!f) {
			errorf("cannot load %s (Debian package %s): it has no "
			       "%s", soname, package, syms[i].name);
			dlclose(lib);
			memset(table, 0, size);
			return -1;
		}
		/* POSIX: a function's address, as dlsym's object pointer. */
		memcpy((char *)table + syms[i].offset, &f, sizeof(f));
	}
	return 0;
}

/* ==== Arena ==== */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 60000 ? n : 65536 - sizeof(*c);

		c = xmalloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_release(struct arena *a)
{
	while (a->head) {
		struct arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

void arena_release_wiped(struct arena *a)
{
	for (struct arena_chunk *c = a->head; c; c = c->next)
		secrets_wipe(c->data, c->cap);
	arena_release(a);
}
