/*
 * Unit tests of core/util.c and core/hmap.c: the string buffer, UTF-8,
 * secret files, folders, time and the arena, then the hash table. The file
 * tests run in a fresh folder under /tmp that is removed at the end; error
 * reports are captured from stderr so a refusal is checked to be reported.
 */
#include "core/util.h"
#include "core/hmap.h"

#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/test.h"

static char tmpdir[] = "/tmp/tempass-util.XXXXXX";

/* ==== Helpers ==== */

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Entries of dir whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	struct sbuf sb = SBUF_INIT;
	char buf[512];
	size_t n;

	if (!fp)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(fp);
	return sbuf_detach(&sb);
}

/* ==== String buffer ==== */

static void test_sbuf_add(void)
{
	struct sbuf sb = SBUF_INIT;
	char big[1000];

	CHECK_STR(sbuf_str(&sb), "");
	CHECK(sb.len == 0);
	sbuf_add(&sb, "abc\0def", 7);
	CHECK(sb.len == 7);
	CHECK(memcmp(sb.buf, "abc\0def", 8) == 0);
	sbuf_reset(&sb);
	sbuf_addstr(&sb, "tem");
	sbuf_addch(&sb, 'p');
	sbuf_addstr(&sb, "ass");
	CHECK_STR(sbuf_str(&sb), "tempass");
	CHECK(sb.len == 7);
	CHECK(sb.cap > sb.len);
	/* Growth across many doublings keeps every byte. */
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 100; i++)
		sbuf_add(&sb, big, sizeof(big));
	CHECK(sb.len == 7 + 100 * sizeof(big));
	CHECK(sb.buf[sb.len] == '\0');
	CHECK(sb.buf[6] == 's' && sb.buf[7] == 'x');
	CHECK(sb.buf[sb.len - 1] == 'x');
	CHECK(strlen(sb.buf) == sb.len);
	sbuf_release(&sb);
	CHECK(sb.buf == NULL && sb.len == 0 && sb.cap == 0);
	CHECK_STR(sbuf_str(&sb), "");
	/* Zero bytes added still leaves a string. */
	sbuf_add(&sb, "", 0);
	CHECK(sb.buf != NULL);
	CHECK_STR(sbuf_str(&sb), "");
	sbuf_release(&sb);
}

static void test_sbuf_addf(void)
{
	struct sbuf sb = SBUF_INIT;
	char longs[700];
	char *want;

	sbuf_addf(&sb, "%s:%d", "line", 42);
	CHECK_STR(sbuf_str(&sb), "line:42");
	/* Over the 256-byte fast path, appended to what is there. */
	memset(longs, 'y', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	sbuf_addf(&sb, "[%s]%d", longs, 7);
	CHECK(sb.len == 7 + 1 + 699 + 1 + 1);
	CHECK(strlen(sb.buf) == sb.len);
	want = xasprintf("line:42[%s]7", longs);
	CHECK_STR(sbuf_str(&sb), want);
	free(want);
	/* Exactly 255 and 256 bytes: either side of the small buffer. */
	sbuf_reset(&sb);
	sbuf_addf(&sb, "%.*s", 255, longs);
	CHECK(sb.len == 255 && strlen(sb.buf) == 255);
	sbuf_reset(&sb);
	sbuf_addf(&sb, "%.*s", 256, longs);
	CHECK(sb.len == 256 && strlen(sb.buf) == 256);
	sbuf_release(&sb);
	/* xasprintf is built on it. */
	want = xasprintf("%0300d", 5);
	CHECK(strlen(want) == 300 && want[299] == '5' && want[0] == '0');
	free(want);
}

static void test_sbuf_detach(void)
{
	struct sbuf sb = SBUF_INIT;
	char *s;

	s = sbuf_detach(&sb);
	CHECK_STR(s, "");
	free(s);
	sbuf_addstr(&sb, "kept");
	s = sbuf_detach(&sb);
	CHECK_STR(s, "kept");
	CHECK(sb.buf == NULL && sb.len == 0 && sb.cap == 0);
	/* The buffer is usable again and independent of the detached one. */
	sbuf_addstr(&sb, "new");
	CHECK_STR(sbuf_str(&sb), "new");
	CHECK_STR(s, "kept");
	free(s);
	sbuf_release(&sb);
}

static void test_sbuf_reset(void)
{
	struct sbuf sb = SBUF_INIT;
	size_t cap;

	sbuf_reset(&sb);   /* on the empty buffer */
	CHECK_STR(sbuf_str(&sb), "");
	sbuf_addstr(&sb, "something long enough");
	cap = sb.cap;
	sbuf_reset(&sb);
	CHECK(sb.len == 0);
	CHECK_STR(sbuf_str(&sb), "");
	CHECK(sb.cap == cap);   /* keeps its memory */
	sbuf_addstr(&sb, "x");
	CHECK_STR(sbuf_str(&sb), "x");
	sbuf_release(&sb);
}

/* ==== UTF-8 ==== */

static int valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void test_utf8_valid(void)
{
	CHECK(utf8_valid("", 0) == 1);
	CHECK(valid("plain ascii") == 1);
	CHECK(valid("Zo\xc3\xab \xc5\x81ukasz Nguy\xe1\xbb\x85n") == 1);
	CHECK(valid("\xf0\x9f\x98\x80") == 1);            /* U+1F600 */
	CHECK(valid("\xf4\x8f\xbf\xbf") == 1);            /* U+10FFFF */
	CHECK(valid("\xc2\x80") == 1);                    /* U+0080 */
	CHECK(valid("\xe0\xa0\x80") == 1);                /* U+0800 */
	CHECK(valid("\xed\x9f\xbf") == 1);                /* U+D7FF */
	CHECK(valid("\xee\x80\x80") == 1);                /* U+E000 */
	/* An embedded NUL is a valid code point. */
	CHECK(utf8_valid("a\0b", 3) == 1);
	/* Overlong forms. */
	CHECK(valid("\xc0\xaf") == 0);
	CHECK(valid("\xc1\xbf") == 0);
	CHECK(valid("\xe0\x80\xaf") == 0);
	CHECK(valid("\xe0\x9f\xbf") == 0);
	CHECK(valid("\xf0\x80\x80\xaf") == 0);
	CHECK(valid("\xf0\x8f\xbf\xbf") == 0);
	/* Surrogates. */
	CHECK(valid("\xed\xa0\x80") == 0);                /* U+D800 */
	CHECK(valid("\xed\xbf\xbf") == 0);                /* U+DFFF */
	/* Past U+10FFFF and bytes that never start anything. */
	CHECK(valid("\xf4\x90\x80\x80") == 0);
	CHECK(valid("\xf5\x80\x80\x80") == 0);
	CHECK(valid("\xff") == 0);
	CHECK(valid("\xfe") == 0);
	CHECK(valid("\x80") == 0);                /* a lone continuation */
	CHECK(valid("a\xbf") == 0);
	/* Truncated sequences, at the end and before another character. */
	CHECK(valid("\xc3") == 0);
	CHECK(valid("abc\xe1\xbb") == 0);
	CHECK(valid("\xf0\x9f\x98") == 0);
	CHECK(valid("\xc3" "a") == 0);
	CHECK(valid("\xe1\xbb" "a") == 0);
	/* n is respected: a valid prefix of an invalid buffer is valid. */
	CHECK(utf8_valid("ab\xff", 2) == 1);
	CHECK(utf8_valid("\xc3\xab", 1) == 0);
	/* Windows-1252 text is not UTF-8. */
	CHECK(valid("Caf\xe9") == 0);
	/* ASCII is read eight bytes at a time: a bad byte at any place in
	 * or after such a run is still found, and n still ends the text. */
	{
		char buf[40];
		int bad = 0;

		for (size_t at = 0; at < 32; at++) {
			memset(buf, 'a', sizeof(buf));
			buf[at] = (char)0xff;
			bad |= utf8_valid(buf, 33) != 0;
			bad |= utf8_valid(buf, at) != 1;
			buf[at] = (char)0xc3;
			buf[at + 1] = (char)0xab;
			bad |= utf8_valid(buf, 34) != 1;
			bad |= utf8_valid(buf, at + 1) != 0;
		}
		CHECK(!bad);
	}
}

static void test_utf8_decode(void)
{
	unsigned cp = 0;

	CHECK(utf8_decode("A", &cp) == 1 && cp == 'A');
	CHECK(utf8_decode("\xc3\xab", &cp) == 2 && cp == 0xEB);
	CHECK(utf8_decode("\xc5\x81", &cp) == 2 && cp == 0x141);
	CHECK(utf8_decode("\xe1\xbb\x85", &cp) == 3 && cp == 0x1EC5);
	CHECK(utf8_decode("\xe2\x82\xac", &cp) == 3 && cp == 0x20AC);
	CHECK(utf8_decode("\xf0\x9f\x98\x80", &cp) == 4 && cp == 0x1F600);
	CHECK(utf8_decode("\xf4\x8f\xbf\xbf", &cp) == 4 && cp == 0x10FFFF);
	CHECK(utf8_decode("\x7f", &cp) == 1 && cp == 0x7F);
	/* Walking a string visits every code point. */
	{
		const char *s = "Zo\xc3\xab\xe2\x82\xac\xf0\x9f\x98\x80!";
		unsigned want[] = { 'Z', 'o', 0xEB, 0x20AC, 0x1F600, '!' };
		size_t k = 0;

		while (*s && k < ARRAY_SIZE(want)) {
			s += utf8_decode(s, &cp);
			CHECK(cp == want[k]);
			k++;
		}
		CHECK(k == ARRAY_SIZE(want) && *s == '\0');
	}
}

static void test_utf8_len(void)
{
	CHECK(utf8_len("") == 0);
	CHECK(utf8_len("abc") == 3);
	CHECK(utf8_len("Zo\xc3\xab") == 3);
	CHECK(utf8_len("Nguy\xe1\xbb\x85n") == 6);
	CHECK(utf8_len("\xf0\x9f\x98\x80x") == 2);
	CHECK(utf8_len("\xc5\x81ukasz") == 6);
}

static void test_strcasestr_ascii(void)
{
	const char *hay = "Year 7 Registration";

	CHECK(strcasestr_ascii(hay, "year") == hay);
	CHECK(strcasestr_ascii(hay, "REG") == hay + 7);
	CHECK(strcasestr_ascii(hay, "tion") == hay + 15);
	CHECK(strcasestr_ascii(hay, "") == hay);
	CHECK(strcasestr_ascii(hay, "year 8") == NULL);
	CHECK(strcasestr_ascii(hay, "Registrations") == NULL);
	CHECK(strcasestr_ascii("", "a") == NULL);
	CHECK(strcasestr_ascii("", "") != NULL);
	CHECK(strcasestr_ascii("aaab", "AAB") != NULL);
	/* ASCII only: a different-case accented letter does not match. */
	CHECK(strcasestr_ascii("Zo\xc3\xab", "\xc3\x8b") == NULL);
}

/* ==== Files ==== */

static char *inert(const char *s, size_t n)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_add_inert(&sb, s, n);
	return sbuf_detach(&sb);
}

static void test_sbuf_add_inert(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "Zo\xc3\xab Nguy\xe1\xbb\x85n", "Zo\xc3\xab Nguy\xe1\xbb\x85n" },
		{ "a\x1b[2Jb", "a\\x1b[2Jb" },
		{ "bell\a", "bell\\x07" },
		{ "one\ntempass: forged", "one\\ntempass: forged" },
		{ "\tx\r", "\\tx\\r" },
		{ "del\x7f", "del\\x7f" },
		{ "csi\xc2\x9b" "1m", "csi\\u009b1m" },
		{ "\xe2\x80\xae" "evil", "\\u202eevil" },
		{ "\xe2\x80\xaa\xe2\x80\xac", "\\u202a\\u202c" },
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069" },
		{ "\xe2\x80\x8e\xe2\x80\x8f", "\\u200e\\u200f" },
		{ "l\xe2\x80\xa8p\xe2\x80\xa9", "l\\u2028p\\u2029" },
		/* Joiners belong to Persian and Indic names: kept. */
		{ "\xd9\x85\xe2\x80\x8c\xd8\xa7", "\xd9\x85\xe2\x80\x8c\xd8\xa7" },
		{ "\xe0\xa4\x95\xe2\x80\x8d", "\xe0\xa4\x95\xe2\x80\x8d" },
		/* Bytes that are not UTF-8, a sequence cut short. */
		{ "b\xff\xc3", "b\\xff\\xc3" },
		{ "\xe2\x80", "\\xe2\\x80" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "back\\slash", "back\\slash" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = inert(cases[i].in, strlen(cases[i].in));

		CHECK_STR(got, cases[i].want);
		free(got);
	}
	/* A NUL inside the bytes is escaped, not an end. */
	{
		char *got = inert("a\0b", 3);

		CHECK_STR(got, "a\\x00b");
		free(got);
	}
}

/* errorf() and warnf() make what they quote inert; the newline that
 * ends the message stays. */
static void test_report_inert(void)
{
	const char *err;

	util_set_stage("import");
	capture_begin();
	errorf("r.csv:3: date '1\x1b]0;x\a\n%s' is not a day", "tempass: ok");
	err = capture_end();
	CHECK_STR(err, "tempass: import: r.csv:3: date '1\\x1b]0;x\\x07\\n"
		  "tempass: ok' is not a day\n");
	capture_begin();
	warnf("name '%s'", "A\xe2\x80\xae" "B");
	err = capture_end();
	CHECK_STR(err, "tempass: import: warning: name 'A\\u202eB'\n");
	util_set_stage(NULL);
}

static void test_atomic_open(void)
{
	struct atomic_file af;
	struct stat st;
	char *path = xasprintf("%s/secret.tsv", tmpdir);
	char *content;
	const char *err;
	char *tmp;
	int rc;

	CHECK(atomic_open(&af, path, 0) == 0);
	CHECK(af.fp != NULL);
	CHECK(af.tmp != NULL && strcmp(af.tmp, path) != 0);
	tmp = xstrdup(af.tmp);
	/* The file has no name yet (O_TMPFILE, named through /proc), or a
	 * temporary one in the same folder; 0600 from the start. */
	CHECK(af.unnamed ? strncmp(tmp, "/proc/self/fd/", 14) == 0 :
	      strncmp(tmp, tmpdir, strlen(tmpdir)) == 0);
	CHECK(stat(tmp, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* Nothing in the folder holds the secret before the commit. */
	CHECK(count_prefix(tmpdir, "secret.tsv") == !af.unnamed);
	fputs("password\tx\n", af.fp);
	CHECK(!exists(path));
	CHECK(atomic_commit(&af) == 0);
	CHECK(exists(path));
	CHECK(!exists(tmp));
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	content = slurp(path);
	CHECK_STR(content, "password\tx\n");
	free(content);
	free(tmp);

	/* An existing file is refused without force, and left alone. */
	capture_begin();
	rc = atomic_open(&af, path, 0);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, "file exists") != NULL);
	CHECK(strstr(err, path) != NULL);
	CHECK(af.fp == NULL && af.tmp == NULL && af.path == NULL);
	CHECK(count_prefix(tmpdir, "secret.tsv.tmp") == 0);
	/* A symlink counts as existing too (lstat). */
	{
		char *link = xasprintf("%s/link.tsv", tmpdir);

		CHECK(symlink("/nonexistent/target", link) == 0);
		capture_begin();
		rc = atomic_open(&af, link, 0);
		capture_end();
		CHECK(rc == -1);
		unlink(link);
		free(link);
	}
	/* With force it replaces the file, again only on commit. */
	CHECK(atomic_open(&af, path, 1) == 0);
	fputs("new\n", af.fp);
	content = slurp(path);
	CHECK_STR(content, "password\tx\n");
	free(content);
	CHECK(atomic_commit(&af) == 0);
	content = slurp(path);
	CHECK_STR(content, "new\n");
	free(content);

	/* A folder that does not exist is reported. */
	{
		char *bad = xasprintf("%s/nofolder/x.tsv", tmpdir);

		capture_begin();
		rc = atomic_open(&af, bad, 0);
		err = capture_end();
		CHECK(rc == -1);
		CHECK(strstr(err, "cannot create") != NULL);
		CHECK(af.fp == NULL && af.tmp == NULL);
		free(bad);
	}
	free(path);
}

/* Names that are not regular files: refused whatever force says, at
 * the open and again at the commit, and left as they were. */
static void test_atomic_open_not_regular(void)
{
	struct atomic_file af;
	char *fifo = xasprintf("%s/fifo", tmpdir);
	char *dir = xasprintf("%s/adir", tmpdir);
	char *file = xasprintf("%s/file.tsv", tmpdir);
	char *link = xasprintf("%s/file-link.tsv", tmpdir);
	char *late = xasprintf("%s/late.tsv", tmpdir);
	const char *const names[] = { fifo, dir, link };
	struct stat st;
	const char *err;
	char *content;
	int rc;

	CHECK(mkfifo(fifo, 0600) == 0);
	CHECK(mkdir(dir, 0700) == 0);
	CHECK(symlink("file.tsv", link) == 0);
	{
		FILE *fp = fopen(file, "w");

		CHECK(fp != NULL);
		if (fp) {
			fputs("keep\n", fp);
			fclose(fp);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		for (int force = 0; force <= 1; force++) {
			capture_begin();
			rc = atomic_open(&af, names[i], force);
			err = capture_end();
			CHECK(rc == -1);
			CHECK(strstr(err, "not a regular file") != NULL);
			CHECK(strstr(err, names[i]) != NULL);
			CHECK(af.fp == NULL && af.path == NULL);
		}
	}
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK(lstat(dir, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	content = slurp(file);
	CHECK_STR(content, "keep\n");
	free(content);

	/* A link that appears after the open is not replaced at the commit. */
	CHECK(atomic_open(&af, late, 1) == 0);
	fputs("secret\n", af.fp);
	CHECK(symlink("file.tsv", late) == 0);
	capture_begin();
	rc = atomic_commit(&af);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, "symbolic link") != NULL);
	CHECK(lstat(late, &st) == 0 && S_ISLNK(st.st_mode));
	content = slurp(file);
	CHECK_STR(content, "keep\n");
	free(content);
	CHECK(count_prefix(tmpdir, "late.tsv.tmp") == 0);

	unlink(late);
	unlink(link);
	unlink(file);
	unlink(fifo);
	rmdir(dir);
	free(late);
	free(link);
	free(file);
	free(dir);
	free(fifo);
}

static void test_atomic_commit(void)
{
	struct atomic_file af;
	char *path = xasprintf("%s/commit.tsv", tmpdir);
	const char *err;
	int rc;

	/* When the final name is taken meanwhile, the commit fails,
	 * reported, and the other file stays as it was. */
	CHECK(atomic_open(&af, path, 0) == 0);
	fputs("x\n", af.fp);
	if (af.unnamed) {
		FILE *other = fopen(path, "w");

		CHECK(other != NULL);
		if (other) {
			fputs("other\n", other);
			fclose(other);
		}
	} else {
		CHECK(unlink(af.tmp) == 0);
	}
	capture_begin();
	rc = atomic_commit(&af);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, "cannot write") != NULL);
	CHECK(strstr(err, path) != NULL);
	if (exists(path)) {
		char *content = slurp(path);

		CHECK_STR(content, "other\n");
		free(content);
		unlink(path);
	}
	CHECK(af.fp == NULL && af.tmp == NULL && af.path == NULL);
	/* atomic_abort after a commit is harmless. */
	atomic_abort(&af);
	CHECK(!exists(path));
	CHECK(count_prefix(tmpdir, "commit.tsv") == 0);
	free(path);
}

/* Synced first, named later: the content is on disk before the name. */
static void test_atomic_sync(void)
{
	struct atomic_file af;
	char *path = xasprintf("%s/synced.tsv", tmpdir);
	const char *err;
	char *content;
	FILE *mine, *full;
	int rc;

	CHECK(atomic_open(&af, path, 0) == 0);
	fputs("written\n", af.fp);
	CHECK(atomic_sync(&af) == 0);
	CHECK(af.synced);
	/* Flushed: the file (by its temporary name) holds it all. */
	content = slurp(af.tmp);
	CHECK_STR(content, "written\n");
	free(content);
	CHECK(!exists(path));
	CHECK(atomic_commit(&af) == 0);
	content = slurp(path);
	CHECK_STR(content, "written\n");
	free(content);
	unlink(path);

	/* A write that fails at the sync is reported there. */
	full = fopen("/dev/full", "w");
	if (full) {
		CHECK(atomic_open(&af, path, 0) == 0);
		mine = af.fp;
		af.fp = full;
		fputs("more than the disk holds\n", af.fp);
		capture_begin();
		rc = atomic_sync(&af);
		err = capture_end();
		CHECK(rc == -1);
		CHECK(!af.synced);
		CHECK(strstr(err, "cannot write") != NULL);
		CHECK(strstr(err, path) != NULL);
		atomic_abort(&af);
		fclose(mine);
		CHECK(!exists(path));
	}
	free(path);
}

struct quiet_arg {
	int on;
	char text[256];
};

/* errorf() on a thread of its own, quiet or not; what it printed. */
static void *report_on_thread(void *arg)
{
	struct quiet_arg *q = arg;

	util_quiet_thread(q->on);
	errorf("from the thread");
	warnf("a warning too");
	util_quiet_thread(0);
	return NULL;
}

static void test_quiet_thread(void)
{
	struct quiet_arg q = { 1, "" };
	pthread_t th;
	const char *err;

	/* Quiet on that thread: nothing; the calling thread still prints. */
	capture_begin();
	CHECK(pthread_create(&th, NULL, report_on_thread, &q) == 0);
	pthread_join(th, NULL);
	errorf("from main");
	err = capture_end();
	CHECK(strstr(err, "from the thread") == NULL);
	CHECK(strstr(err, "a warning too") == NULL);
	CHECK(strstr(err, "from main") != NULL);
	/* Not quiet: both said. */
	q.on = 0;
	capture_begin();
	CHECK(pthread_create(&th, NULL, report_on_thread, &q) == 0);
	pthread_join(th, NULL);
	err = capture_end();
	CHECK(strstr(err, "from the thread") != NULL);
	CHECK(strstr(err, "a warning too") != NULL);
	/* Quiet on this thread, then not. */
	util_quiet_thread(1);
	capture_begin();
	errorf("hidden");
	err = capture_end();
	CHECK_STR(err, "");
	util_quiet_thread(0);
	capture_begin();
	errorf("shown");
	err = capture_end();
	CHECK(strstr(err, "shown") != NULL);
}

static void test_atomic_abort(void)
{
	struct atomic_file af;
	char *path = xasprintf("%s/aborted.tsv", tmpdir);
	char *tmp;

	CHECK(atomic_open(&af, path, 0) == 0);
	tmp = xstrdup(af.tmp);
	fputs("half a file\n", af.fp);
	CHECK(exists(tmp));
	atomic_abort(&af);
	CHECK(!exists(tmp));
	CHECK(!exists(path));
	CHECK(count_prefix(tmpdir, "aborted") == 0);
	CHECK(af.fp == NULL && af.tmp == NULL && af.path == NULL);
	/* On a zeroed struct, and twice. */
	memset(&af, 0, sizeof(af));
	atomic_abort(&af);
	atomic_abort(&af);
	free(tmp);
	free(path);
}

static void test_mkdir_p(void)
{
	char *deep = xasprintf("%s/a/b/c", tmpdir);
	char *mid = xasprintf("%s/a/b", tmpdir);
	char *file = xasprintf("%s/plain", tmpdir);
	char *under = xasprintf("%s/plain/sub", tmpdir);
	struct stat st;
	const char *err;
	FILE *fp;
	int rc;

	CHECK(mkdir_p(deep, 0700) == 0);
	CHECK(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK((st.st_mode & 0777) == 0700);
	CHECK(stat(mid, &st) == 0 && S_ISDIR(st.st_mode));
	/* Again: existing folders are fine. */
	CHECK(mkdir_p(deep, 0700) == 0);
	/* A trailing slash. */
	{
		char *slash = xasprintf("%s/d/e/", tmpdir);

		CHECK(mkdir_p(slash, 0755) == 0);
		CHECK(stat(slash, &st) == 0 && S_ISDIR(st.st_mode));
		free(slash);
	}
	/* A regular file in the way cannot become a parent. */
	fp = fopen(file, "w");
	CHECK(fp != NULL);
	if (fp)
		fclose(fp);
	capture_begin();
	rc = mkdir_p(under, 0700);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, "cannot create folder") != NULL);
	CHECK(!exists(under));
	/* Nor is the file itself a folder, as mkdir -p also says. */
	capture_begin();
	rc = mkdir_p(file, 0700);
	err = capture_end();
	CHECK(rc == -1);
	CHECK(strstr(err, file) != NULL);
	free(deep);
	free(mid);
	free(file);
	free(under);
}

/* ==== Time ==== */

/* Against the C library's calendar, from before 1970 to year 9999. */
static void test_format_iso8601_calendar(void)
{
	char got[32], want[32];
	long long t;
	int bad = 0;

	format_iso8601(1788423240LL, got, sizeof(got));
	CHECK_STR(got, "2026-09-03T08:14:00Z");
	format_iso8601(951782400LL, got, sizeof(got));
	CHECK_STR(got, "2000-02-29T00:00:00Z");
	format_iso8601(-1, got, sizeof(got));
	CHECK_STR(got, "1969-12-31T23:59:59Z");
	format_iso8601(253402300799LL, got, sizeof(got));
	CHECK_STR(got, "9999-12-31T23:59:59Z");
	/* A step of a day and 3,607 seconds visits every date, month end
	 * and leap day, and every hour, over the range. */
	for (t = -2208988800LL; t < 253402300799LL && !bad;
	     t += 86400 + 3607 + (t > 4102444800LL ? 86400 * 97 : 0)) {
		time_t tt = (time_t)t;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		format_iso8601(t, got, sizeof(got));
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "  %lld: got %s, want %s\n", t, got,
				want);
			bad = 1;
		}
	}
	CHECK(!bad);
}

static void test_parse_iso8601(void)
{
	long long t = 0;

	CHECK(parse_iso8601("1970-01-01", &t) == 0 && t == 0);
	CHECK(parse_iso8601("2026-09-03", &t) == 0 && t == 1788393600LL);
	CHECK(parse_iso8601("2026-09-03T08:14", &t) == 0 &&
	      t == 1788393600LL + 8 * 3600 + 14 * 60);
	CHECK(parse_iso8601("2026-09-03T08:14:00Z", &t) == 0 &&
	      t == 1788393600LL + 8 * 3600 + 14 * 60);
	CHECK(parse_iso8601("2026-09-03T08:14:59", &t) == 0 &&
	      t == 1788393600LL + 8 * 3600 + 14 * 60 + 59);
	CHECK(parse_iso8601("2026-09-03 08:14:00", &t) == 0 &&
	      t == 1788393600LL + 8 * 3600 + 14 * 60);
	CHECK(parse_iso8601("2024-02-29", &t) == 0 && t == 1709164800LL);
	/* Rejects, and leaves t alone. */
	t = 12345;
	CHECK(parse_iso8601("2026-13-01", &t) == -1);
	CHECK(parse_iso8601("2026-00-01", &t) == -1);
	CHECK(parse_iso8601("2026-01-32", &t) == -1);
	CHECK(parse_iso8601("2026-01-00", &t) == -1);
	CHECK(parse_iso8601("2026-09-03T24:00", &t) == -1);
	CHECK(parse_iso8601("2026-09-03T08:60", &t) == -1);
	CHECK(parse_iso8601("2026-09-03T08", &t) == -1);
	CHECK(parse_iso8601("2026-09-03T08:14Zjunk", &t) == -1);
	CHECK(parse_iso8601("2026-09-03x", &t) == -1);
	CHECK(parse_iso8601("garbage", &t) == -1);
	/* Not a day of the calendar, though each field is in range. */
	CHECK(parse_iso8601("2026-02-31", &t) == -1);
	CHECK(parse_iso8601("2026-04-31", &t) == -1);
	CHECK(parse_iso8601("2025-02-29", &t) == -1);
	/* Signs and short fields are not ISO 8601. */
	CHECK(parse_iso8601("2026-09-03T-1:14", &t) == -1);
	CHECK(parse_iso8601("2026-9-3", &t) == -1);
	CHECK(parse_iso8601("", &t) == -1);
	CHECK(parse_iso8601("03/09/2026", &t) == -1);
	CHECK(t == 12345);
}

static void test_format_iso8601(void)
{
	char out[32];
	long long t, back;
	static const char *const samples[] = {
		"1970-01-01T00:00:00Z", "2026-09-03T08:14:00Z",
		"2024-02-29T23:59:59Z", "2038-01-19T03:14:08Z",
		"2099-12-31T12:00:01Z",
	};

	format_iso8601(0, out, sizeof(out));
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	format_iso8601(1788423240LL, out, sizeof(out));
	CHECK_STR(out, "2026-09-03T08:14:00Z");
	CHECK(strlen(out) == 20);   /* fits the documented 21 bytes */
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		CHECK(parse_iso8601(samples[i], &t) == 0);
		format_iso8601(t, out, sizeof(out));
		CHECK_STR(out, samples[i]);
		CHECK(parse_iso8601(out, &back) == 0 && back == t);
	}
	/* Every hour of a leap year survives the round trip. */
	{
		int bad = 0;

		CHECK(parse_iso8601("2028-01-01", &t) == 0);
		for (long long x = t; x < t + 366LL * 86400; x += 3599) {
			format_iso8601(x, out, sizeof(out));
			if (parse_iso8601(out, &back) != 0 || back != x)
				bad++;
		}
		CHECK(bad == 0);
	}
}

static void test_now_seconds(void)
{
	long long before = (long long)time(NULL), got;

	unsetenv("TEMPASS_NOW");
	got = now_seconds();
	CHECK(got >= before && got <= (long long)time(NULL));
	setenv("TEMPASS_NOW", "2026-09-03T08:14:00Z", 1);
	CHECK(now_seconds() == 1788423240LL);
	setenv("TEMPASS_NOW", "2030-01-01", 1);
	CHECK(now_seconds() == 1893456000LL);
	/* An unreadable value falls back to the real clock. */
	setenv("TEMPASS_NOW", "yesterday", 1);
	got = now_seconds();
	CHECK(got >= before && got <= (long long)time(NULL));
	setenv("TEMPASS_NOW", "", 1);
	got = now_seconds();
	CHECK(got >= before);
	unsetenv("TEMPASS_NOW");
}

/* ==== Arena ==== */

static void test_arena(void)
{
	struct arena a = ARENA_INIT;
	char **strs = xmalloc(200000 * sizeof(*strs));
	int bad = 0, misaligned = 0;
	char name[32];
	char *big, *after;

	for (int i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "user%06d", i);
		strs[i] = arena_strdup(&a, name);
		if ((uintptr_t)strs[i] % 8 != 0)
			misaligned++;
	}
	for (int i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "user%06d", i);
		if (strcmp(strs[i], name) != 0)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(misaligned == 0);
	/* One allocation larger than a chunk, then small ones again. */
	big = arena_alloc(&a, 200 * 1024);
	CHECK(big != NULL && (uintptr_t)big % 8 == 0);
	memset(big, 0xAB, 200 * 1024);
	after = arena_strndup(&a, "abcdef", 3);
	CHECK_STR(after, "abc");
	CHECK((unsigned char)big[0] == 0xAB &&
	      (unsigned char)big[200 * 1024 - 1] == 0xAB);
	/* Nothing was overwritten by the large block. */
	bad = 0;
	for (int i = 0; i < 200000; i += 997) {
		snprintf(name, sizeof(name), "user%06d", i);
		if (strcmp(strs[i], name) != 0)
			bad++;
	}
	CHECK(bad == 0);
	/* Sizes around the chunk size. */
	{
		char *p = arena_alloc(&a, 65536);
		char *q = arena_alloc(&a, 60000);
		char *r = arena_alloc(&a, 0);

		memset(p, 1, 65536);
		memset(q, 2, 60000);
		CHECK(p[65535] == 1 && q[0] == 2 && q[59999] == 2);
		CHECK(r != NULL);
	}
	CHECK(a.head != NULL);
	arena_release(&a);
	CHECK(a.head == NULL);
	arena_release(&a);   /* twice is harmless */
	free(strs);
}

/* ==== hmap ==== */

static void test_hmap_put(void)
{
	struct hmap m = HMAP_INIT;
	int one = 1, two = 2, three = 3;
	char key[] = "7A";

	hmap_put(&m, "Year 7", &one);
	hmap_put(&m, "7A", &two);
	CHECK(m.len == 2);
	CHECK(m.cap >= 4 && (m.cap & (m.cap - 1)) == 0);
	CHECK(hmap_get(&m, "Year 7") == &one);
	CHECK(hmap_get(&m, "7A") == &two);
	/* A key is found by content, not by address. */
	CHECK(hmap_get(&m, key) == &two);
	/* Replacing keeps the count. */
	hmap_put(&m, key, &three);
	CHECK(m.len == 2);
	CHECK(hmap_get(&m, "7A") == &three);
	CHECK(hmap_get(&m, "Year 7") == &one);
	/* The empty string is a key like any other. */
	hmap_put(&m, "", &one);
	CHECK(hmap_get(&m, "") == &one);
	CHECK(m.len == 3);
	hmap_release(&m);
	CHECK(m.slots == NULL && m.cap == 0 && m.len == 0);
}

static void test_hmap_get(void)
{
	struct hmap m = HMAP_INIT;
	static int v;

	/* An empty map answers without a table. */
	CHECK(hmap_get(&m, "anything") == NULL);
	CHECK(hmap_get(&m, "") == NULL);
	hmap_put(&m, "present", &v);
	CHECK(hmap_get(&m, "present") == &v);
	CHECK(hmap_get(&m, "Present") == NULL);
	CHECK(hmap_get(&m, "presen") == NULL);
	CHECK(hmap_get(&m, "presentt") == NULL);
	CHECK(hmap_get(&m, "") == NULL);
	hmap_release(&m);
	CHECK(hmap_get(&m, "present") == NULL);
}

static void test_hmap_many(void)
{
	enum { N = 100000 };
	struct hmap m = HMAP_INIT;
	struct arena a = ARENA_INIT;
	char **keys = xmalloc(N * sizeof(*keys));
	size_t last_cap = 0, grew = 0;
	int wrong = 0, found_absent = 0;
	char buf[32];

	for (size_t i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "%zu-ext", i * 7919);
		keys[i] = arena_strdup(&a, buf);
		hmap_put(&m, keys[i], (void *)(uintptr_t)(i + 1));
		if (m.cap != last_cap) {
			grew++;
			last_cap = m.cap;
		}
		/* The load factor stays under 3/4. */
		if (m.len * 4 > m.cap * 3)
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(m.len == N);
	CHECK(grew > 10);
	CHECK(m.cap >= N && (m.cap & (m.cap - 1)) == 0);
	wrong = 0;
	for (size_t i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "%zu-ext", i * 7919);
		if (hmap_get(&m, buf) != (void *)(uintptr_t)(i + 1))
			wrong++;
	}
	CHECK(wrong == 0);
	for (size_t i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "%zu-absent", i);
		if (hmap_get(&m, buf) != NULL)
			found_absent++;
	}
	CHECK(found_absent == 0);
	/* Replacing every value leaves the size alone. */
	for (size_t i = 0; i < N; i += 2)
		hmap_put(&m, keys[i], (void *)(uintptr_t)(i + 2));
	CHECK(m.len == N);
	wrong = 0;
	for (size_t i = 0; i < N; i++)
		if (hmap_get(&m, keys[i]) !=
		    (void *)(uintptr_t)(i % 2 ? i + 1 : i + 2))
			wrong++;
	CHECK(wrong == 0);
	hmap_release(&m);
	arena_release(&a);
	free(keys);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_sbuf_add);
	RUN(test_sbuf_addf);
	RUN(test_sbuf_detach);
	RUN(test_sbuf_reset);
	RUN(test_utf8_valid);
	RUN(test_utf8_decode);
	RUN(test_utf8_len);
	RUN(test_strcasestr_ascii);
	RUN(test_sbuf_add_inert);
	RUN(test_report_inert);
	RUN(test_atomic_open);
	RUN(test_atomic_open_not_regular);
	RUN(test_atomic_commit);
	RUN(test_atomic_sync);
	RUN(test_quiet_thread);
	RUN(test_atomic_abort);
	RUN(test_mkdir_p);
	RUN(test_format_iso8601_calendar);
	RUN(test_parse_iso8601);
	RUN(test_format_iso8601);
	RUN(test_now_seconds);
	RUN(test_arena);
	RUN(test_hmap_put);
	RUN(test_hmap_get);
	RUN(test_hmap_many);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	TEST_EXIT();
}
