/*
 * util: what every file of tempass shares and nothing else: error reporting
 * in the house style, allocation that dies only when memory runs out, and a
 * growable string buffer.
 *
 * Errors are reported once, where they are found, as
 *   tempass: <stage>: <what>: <why>
 * The stage part comes from util_set_stage(), which main() calls before it
 * runs a stage, so core/ and formats/ need not know who called them.
 */
#ifndef TEMPASS_UTIL_H
#define TEMPASS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An invariant that, when broken, is a bug in tempass rather than bad input. */
#define ASSERT(cond) \
	((cond) ? (void)0 : util_assert_fail(#cond, __FILE__, __LINE__))

/* Sets the stage name used in messages ("import"); NULL for none. */
void util_set_stage(const char *stage);
const char *util_stage(void);

/* Prints "tempass: <stage>: <message>\n" on stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void verrorf(const char *fmt, va_list ap);
/* Prints "tempass: <stage>: warning: <message>\n" on stderr. */
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * errorf() and warnf() print the message made inert (sbuf_add_inert()),
 * so a name or a line of a roster they quote cannot act on a terminal.
 * printf_inert() does the same for other lines meant for people (a
 * summary, a profile): all but a final newline is made inert.
 */
void printf_inert(FILE *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vprintf_inert(FILE *out, const char *fmt, va_list ap);

/*
 * For work done ahead on a thread of its own, whose failure is not final
 * (the work is done again, and reported, where it is needed): errorf() and
 * warnf() on the calling thread print nothing while on.
 */
void util_quiet_thread(int on);
struct sbuf;
/*
 * For work whose outcome decides whether its messages are said at all:
 * errorf() and warnf() on the calling thread append their lines to held
 * (when not quiet) instead of printing them, until held is put back to
 * what this returns (NULL: printed). The caller prints held, or drops it.
 * die() still prints at once.
 */
struct sbuf *util_hold_messages(struct sbuf *held);

/* Out of memory or an impossible state: prints and exits with EX_SOFTWARE. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void util_assert_fail(const char *expr, const char *file, int line)
	__attribute__((noreturn));

/* Allocation that never returns NULL: they die() when memory runs out. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable NUL-terminated byte string. SBUF_INIT is the empty buffer;
 * sbuf_release() frees it and leaves it empty again. sbuf_detach() hands the
 * string to the caller, who frees it (and wipes it first if it is secret).
 *
 * Any sbuf may hold a password or a token (a record line, a sheet's XML, a
 * page, a message), so none leaves a copy behind: memory an sbuf gives back
 * is wiped whole (secrets_wipe()) before it is freed, when it grows into a
 * new block and when it is released. sbuf_reset() keeps the memory, and
 * its bytes until they are overwritten or released.
 */
struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
};
#define SBUF_INIT { NULL, 0, 0 }
void sbuf_grow(struct sbuf *sb, size_t extra);
/* Inline, the room check with them: the writers of PDF and XLSX add
 * millions of short pieces, most of them of a constant length. */
static inline void sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	if (sb->len + len + 1 > sb->cap)
		sbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

static inline void sbuf_addstr(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

static inline void sbuf_addch(struct sbuf *sb, char c)
{
	if (sb->len + 2 > sb->cap)
		sbuf_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}
void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap);
void sbuf_reset(struct sbuf *sb);
char *sbuf_detach(struct sbuf *sb);
void sbuf_release(struct sbuf *sb);
/* The string, "" when nothing was ever added. */
static inline const char *sbuf_str(const struct sbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

/*
 * Appends n bytes of s made inert for a terminal: tab, newline and
 * carriage return as \t \n \r, other C0 controls, DEL and bytes that are
 * not UTF-8 as \xNN, C1 controls, the line and paragraph separators and
 * the bidirectional controls (U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069) as \uNNNN. Everything else, zero-width joiners too,
 * stays as it is.
 */
void sbuf_add_inert(struct sbuf *sb, const char *s, size_t n);
/* Appends the rest of in to sb. 0, or -1 on a read error (errno set, not
 * reported). */
int sbuf_read(struct sbuf *sb, FILE *in);
/* Appends base64 (RFC 4648, padded) of the n bytes at p. */
void sbuf_add_base64(struct sbuf *sb, const void *p, size_t n);

/* 1 when s is valid UTF-8 of n bytes (no overlongs, no surrogates), else 0. */
int utf8_valid(const char *s, size_t n);
/* Decodes one UTF-8 code point at s (valid input); returns bytes used. */
int utf8_decode(const char *s, unsigned *cp);
/* Number of code points in a valid UTF-8 string (display width estimate). */
size_t utf8_len(const char *s);

/* Case-insensitive ASCII substring search; NULL when absent. */
const char *strcasestr_ascii(const char *hay, const char *needle);

/*
 * The Damerau-Levenshtein distance between a and b (insertions, deletions,
 * substitutions and swaps of two neighbours, each 1), ignoring ASCII case.
 */
size_t edit_distance(const char *a, const char *b);
/*
 * The one of the n names closest to typed, for a "did you mean": NULL when
 * none is near enough to be what was meant (a third of typed's length, at
 * least one and at most three edits) or two are equally near.
 */
const char *nearest_name(const char *typed, const char *const *names,
			 size_t n);

/*
 * Files that hold secrets: created 0600 with no name (O_TMPFILE) in the
 * final folder, so a process killed while writing leaves nothing behind,
 * and given the final name only by atomic_commit(). Where the filesystem
 * has no O_TMPFILE, a temporary name in the same folder is used instead.
 * tmp names the open file for libraries that write by name. atomic_open()
 * fails when the final name exists and !force, and whatever force says
 * when it is not a regular file (a device, fifo, socket, folder, or a
 * symbolic link to anything: never replaced, never written through);
 * atomic_commit() checks that again before it names the file.
 */
struct atomic_file {
	char *path;
	char *tmp;
	FILE *fp;
	int force;
	int unnamed;   /* tmp is /proc/self/fd/N of an O_TMPFILE file */
	int synced;    /* atomic_sync() has run: nothing more is written */
};
int atomic_open(struct atomic_file *af, const char *path, int force);
/* What atomic_open() checks of the final name, alone, for a caller that
 * checks every name before it writes any: 0, or -1 (reported). */
int atomic_check(const char *path, int force);
/*
 * Flushes and fsyncs, for a file complete long before its name is given
 * (run's lists wait for their batch's commit): on the writer's thread,
 * while others work. 0, or -1 (reported); the caller then aborts.
 */
int atomic_sync(struct atomic_file *af);
/*
 * Flushes and fsyncs the file (unless synced) and gives it, when unnamed,
 * the temporary name PATH.tmp.PID in its final folder, synced there too:
 * a file that must outlive a kill before atomic_commit() names it (run's
 * lists, recorded as pending with their batch). af->tmp is that name
 * after. 0, or -1 (reported; the caller then aborts).
 */
int atomic_name(struct atomic_file *af);
/* Flushes, fsyncs (unless synced), names. Returns 0, or -1 (reported;
 * nothing is left). */
int atomic_commit(struct atomic_file *af);
/* Drops the file; safe after commit and on a zeroed struct. */
void atomic_abort(struct atomic_file *af);

/*
 * A private folder (0700) for a library's temporary files beside path:
 * .NAME.tmp.PID.d in path's folder, so they stay on the output's disk
 * and never appear among the outputs by name. atomic_open() of the same
 * path removes one whose process is dead, with its files. Caller frees
 * the name after tmpdir_remove(); NULL with errno set when it cannot be
 * made.
 */
char *tmpdir_beside(const char *path);
/* Removes dir (of tmpdir_beside()) and the files in it; NULL is safe. */
void tmpdir_remove(const char *dir);

/*
 * The errno of the last output that could not be written (0: none), set
 * where the failure is reported (atomic_*(), the writers of formats/), so
 * that a stage can tell a full disk from an output it cannot create. Any
 * thread; the last failure wins.
 */
void util_write_failed(int err);
int util_write_errno(void);

/* Creates dir and its parents with mode (like mkdir -p); 0 or -1 reported. */
int mkdir_p(const char *dir, unsigned mode);

/* Seconds since the epoch, or TEMPASS_NOW when set (tests fix the clock). */
long long now_seconds(void);
/* Formats t as "2026-09-03T08:14:00Z" into out (at least 21 bytes). */
void format_iso8601(long long t, char *out, size_t outsz);
/* Parses "2026-09-03", "2026-09-03T08:14[:SS][Z]"; 0 or -1. */
int parse_iso8601(const char *s, long long *t);
/*
 * Formats t for a person, in the local time zone (TZ: the site's, set by
 * the configuration, else the machine's) and naming it: "2026-09-03
 * 09:14 BST". Writes "" when out is too small (40 bytes is enough).
 */
void format_local_time(long long t, char *out, size_t outsz);
/*
 * The value shown for a person: an ISO 8601 UTC time of a record
 * ("2026-09-03T08:14:00Z") as format_local_time() writes it, into out;
 * NULL, out untouched, for any other text.
 */
const char *local_time_of(const char *value, char *out, size_t outsz);


/*
 * An arena of strings that all live until arena_release(): bulk work keeps
 * hundreds of thousands of small strings without a malloc each.
 */
struct arena {
	struct arena_chunk *head;
};
#define ARENA_INIT { NULL }
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_release(struct arena *a);
/* The same, wiping every byte first: for arenas that held passwords. */
void arena_release_wiped(struct arena *a);

/*
 * A library loaded at run time rather than linked, so that only the
 * process that uses it pays for loading it and what it pulls in (libcurl,
 * libxlsxwriter). Its user declares a table of function pointers, each of
 * the type of the library header's prototype (__typeof__), and lists the
 * name and offset of each: DL_SYMBOL(table type, field, prefix).
 */
struct dl_symbol {
	const char *name;
	size_t offset;            /* of the pointer in the caller's table */
};
#define DL_SYMBOL(type, field, prefix) \
	{ prefix #field, offsetof(type, field) }

/*
 * Opens soname and stores the address of each of syms[0..n) into table at
 * its offset. 0, or -1 after reporting "cannot load SONAME (Debian package
 * PACKAGE): why" with table zeroed (size bytes). The library is never
 * closed: the process keeps it, and the table stays valid, to its end.
 */
int dl_load(const char *soname, const char *package,
	    const struct dl_symbol *syms, size_t n, void *table, size_t size);

#endif
