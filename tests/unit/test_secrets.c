/*
 * Unit tests of core/secrets.c. They run in a fresh folder under /tmp, since
 * the key file tests create and chmod real files, and they capture stderr
 * to check both that refusals are reported and that failed unseals are not.
 * Argon2id runs at a small cost except for one hash at the default cost.
 */
#include "core/secrets.h"

#include <ctype.h>
#include <sodium.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "tests/unit/test.h"

/* ==== Helpers ==== */

static void write_file(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, data, len) == (ssize_t)len);
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Runs fn in a child; returns its exit status, or -1 when it did not exit. */
static int exit_status_of(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A sealed test value with its identity as associated data. */
static const char plain[] = "Tr0ub4dor&3";
static const char ad[] = "site 1 user 42 batch 7";

/* Seals with a, opens with b: 1 when the value came back intact. */
static int opens_with(struct seal_key *a, struct seal_key *b)
{
	unsigned char sealed[sizeof(plain) + 64];
	char out[sizeof(sealed)];
	long n;

	if (seal(a, plain, strlen(plain), ad, strlen(ad), sealed) != 0)
		return 0;
	n = unseal(b, sealed, seal_size(strlen(plain)), ad, strlen(ad), out);
	return n == (long)strlen(plain) && memcmp(out, plain, (size_t)n) == 0;
}

/* ==== Initialisation and randomness ==== */

static void alloc_before_init(void)
{
	secrets_alloc(16);
}

static void uniform_zero(void)
{
	secrets_uniform(0);
}

static void test_secrets_init(void)
{
	/* Using secrets before secrets_init() is a bug that must stop us. */
	CHECK(exit_status_of(alloc_before_init) == EX_SOFTWARE);
	CHECK(secrets_init() == 0);
	CHECK(secrets_init() == 0);
	/* libsodium's generator in process, not a system call per draw. */
	CHECK_STR(randombytes_implementation_name(), "internal");
}

static void *draws(void *arg)
{
	uint32_t *v = arg;

	for (int i = 0; i < 8; i++)
		v[i] = secrets_uniform(UINT32_MAX);
	return NULL;
}

/* Each thread has its own stream, seeded apart: no two alike. */
static void test_secrets_uniform_threads(void)
{
	uint32_t v[2][8];
	pthread_t t;

	CHECK(pthread_create(&t, NULL, draws, v[0]) == 0);
	draws(v[1]);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(memcmp(v[0], v[1], sizeof(v[0])) != 0);
}

static void test_secrets_uniform(void)
{
	unsigned counts[6] = { 0 };
	unsigned low = 0;
	int out_of_range = 0;

	for (int i = 0; i < 60000; i++) {
		uint32_t v = secrets_uniform(6);

		if (v >= 6)
			out_of_range++;
		else
			counts[v]++;
	}
	CHECK(out_of_range == 0);
	/* Expected 10000 each, standard deviation about 91. */
	for (int i = 0; i < 6; i++)
		CHECK(counts[i] >= 9000 && counts[i] <= 11000);

	for (int i = 0; i < 1000; i++)
		CHECK(secrets_uniform(1) == 0);

	/*
	 * 3 * 2^30 is where a 32-bit modulo is most biased: it would put half
	 * of all draws below 2^30 instead of a third.
	 */
	for (int i = 0; i < 30000; i++) {
		uint32_t v = secrets_uniform(3u << 30);

		CHECK(v < (3u << 30));
		if (v < (1u << 30))
			low++;
	}
	CHECK(low >= 9000 && low <= 11000);

	CHECK(exit_status_of(uniform_zero) == EX_SOFTWARE);
}

static void test_secrets_random(void)
{
	unsigned char a[64], b[64], zero[64] = { 0 };

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	secrets_random(a, sizeof(a));
	secrets_random(b, sizeof(b));
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	secrets_random(a, 0);
}

static void test_secrets_wipe(void)
{
	unsigned char buf[33], zero[33] = { 0 };

	memset(buf, 'x', sizeof(buf));
	secrets_wipe(buf, sizeof(buf) - 1);
	CHECK(memcmp(buf, zero, sizeof(buf) - 1) == 0);
	CHECK(buf[sizeof(buf) - 1] == 'x');
}

static void test_secrets_alloc(void)
{
	unsigned char *p = secrets_alloc(100);

	CHECK(p != NULL);
	memset(p, 0xA5, 100);
	CHECK(p[0] == 0xA5 && p[99] == 0xA5);
	secrets_free(p);
	secrets_free(NULL);
}

/* ==== Key file ==== */

static void test_seal_key_load(void)
{
	const char *path = "var/keys/tempass.key";
	struct seal_key *k1, *k2, *k3, *other;
	char text[80];
	struct stat st;
	int fd;
	ssize_t n;

	/* Missing and not to be created. */
	capture_begin();
	k1 = seal_key_load(path, 0, NULL);
	CHECK(strstr(capture_end(), "'var/keys/tempass.key': cannot open "
		     "key file") != NULL);
	CHECK(k1 == NULL);
	CHECK(access("var", F_OK) != 0);

	/* Why it must be this file is said on the same line. */
	capture_begin();
	k1 = seal_key_load(path, 0, "it seals them");
	CHECK(strcmp(capture_end(), "tempass: 'var/keys/tempass.key': cannot "
		     "open key file: No such file or directory; it seals "
		     "them\n") == 0);
	CHECK(k1 == NULL);

	/* Created: folders 0700, file 0600, 64 hex digits and a newline. */
	k1 = seal_key_load(path, 1, NULL);
	CHECK(k1 != NULL);
	CHECK(stat("var/keys", &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	      (st.st_mode & 0777) == 0600);
	CHECK(st.st_size == 65);
	CHECK(count_entries("var/keys") == 1);	/* no temporary left */
	fd = open(path, O_RDONLY);
	n = read(fd, text, sizeof(text));
	close(fd);
	CHECK(n == 65 && text[64] == '\n');
	for (int i = 0; i < 64; i++)
		CHECK(isxdigit((unsigned char)text[i]) &&
		      !isupper((unsigned char)text[i]));

	/* Reloaded, and create=1 on an existing file does not replace it. */
	k2 = seal_key_load(path, 0, NULL);
	k3 = seal_key_load(path, 1, NULL);
	CHECK(k2 != NULL && k3 != NULL);
	if (k1 && k2 && k3) {
		CHECK(opens_with(k1, k2));
		CHECK(opens_with(k2, k1));
		CHECK(opens_with(k1, k3));
	}
	CHECK(stat(path, &st) == 0 && st.st_size == 65);

	/* The same digits without the final newline are the same key. */
	write_file("nonl.key", text, 64, 0600);
	other = seal_key_load("nonl.key", 0, NULL);
	CHECK(other != NULL);
	if (k1 && other)
		CHECK(opens_with(k1, other));
	seal_key_free(other);

	/* A different key does not open k1's values. */
	other = seal_key_load("other.key", 1, NULL);
	CHECK(other != NULL);
	if (k1 && other) {
		CHECK(!opens_with(k1, other));
		CHECK(!opens_with(other, k1));
		CHECK(opens_with(other, other));
	}
	seal_key_free(other);

	seal_key_free(k1);
	seal_key_free(k2);
	seal_key_free(k3);
	seal_key_free(NULL);
}

/* Loading path must fail with a message containing want. */
static void check_refused(const char *path, int create, const char *want)
{
	struct seal_key *k;
	const char *msg;

	capture_begin();
	k = seal_key_load(path, create, NULL);
	msg = capture_end();
	CHECK(k == NULL);
	if (!strstr(msg, want)) {
		fprintf(stderr, "  message '%s' lacks '%s'\n", msg, want);
		CHECK(strstr(msg, want) != NULL);
	}
	seal_key_free(k);
}

static void test_seal_key_load_refusals(void)
{
	char hex[80];

	memset(hex, 'a', sizeof(hex));
	hex[64] = '\n';

	write_file("open644.key", hex, 65, 0644);
	check_refused("open644.key", 1, "tempass: 'open644.key': permissions "
		      "0644 are too open; run chmod 600 'open644.key'\n");
	write_file("open640.key", hex, 65, 0640);
	check_refused("open640.key", 0, "permissions 0640 are too open");
	write_file("open602.key", hex, 65, 0602);
	check_refused("open602.key", 0, "permissions 0602 are too open");

	/* The same content at 0600 loads: the mode was the only problem. */
	write_file("ok.key", hex, 65, 0600);
	{
		struct seal_key *k = seal_key_load("ok.key", 0, NULL);

		CHECK(k != NULL);
		seal_key_free(k);
	}

	write_file("short.key", hex + 2, 63, 0600);	/* 62 digits + \n */
	check_refused("short.key", 1, "'short.key': key file is 63 bytes");
	write_file("short64.key", hex + 1, 64, 0600);	/* 63 digits + \n */
	check_refused("short64.key", 0, "key file is not 64 hex digits");
	write_file("long.key", hex, 66, 0600);
	check_refused("long.key", 0, "key file is 66 bytes");
	write_file("raw.key", hex, 32, 0600);
	check_refused("raw.key", 0, "key file is 32 bytes");
	write_file("empty.key", "", 0, 0600);
	check_refused("empty.key", 1, "key file is 0 bytes");

	hex[10] = 'g';
	write_file("nothex.key", hex, 65, 0600);
	check_refused("nothex.key", 0, "key file is not 64 hex digits");
	hex[10] = 'a';
	hex[64] = 'a';	/* 65 digits, no newline */
	write_file("nonl65.key", hex, 65, 0600);
	check_refused("nonl65.key", 0, "key file is not 64 hex digits");

	CHECK(mkdir("dir.key", 0700) == 0);
	check_refused("dir.key", 1,
		      "'dir.key': key file is not a regular file");
	CHECK(mkfifo("fifo.key", 0600) == 0);
	check_refused("fifo.key", 0, "'fifo.key': key file is not a regular");

	/* A file stands where the folder would be. */
	write_file("afile", "x", 1, 0600);
	check_refused("afile/tempass.key", 1,
		      "'afile/tempass.key': cannot open key file");
	/* The folder cannot be made: its parent is a dangling link. */
	CHECK(symlink("nowhere", "dangling") == 0);
	check_refused("dangling/sub/tempass.key", 1,
		      "'dangling/sub': cannot create folder");
	CHECK(access("nowhere", F_OK) != 0);
}

/* ==== Sealing ==== */

static void test_seal_size(void)
{
	CHECK(seal_size(0) == 40);
	CHECK(seal_size(11) == 51);
}

static void test_seal(void)
{
	struct seal_key *k = seal_key_load("seal.key", 1, NULL);
	size_t len = strlen(plain), slen = seal_size(len);
	unsigned char a[64], b[64];
	char out[64];

	CHECK(k != NULL);
	if (!k)
		return;
	CHECK(seal(k, plain, len, ad, strlen(ad), a) == 0);
	CHECK(seal(k, plain, len, ad, strlen(ad), b) == 0);
	/* A fresh nonce each time, so equal passwords do not look equal. */
	CHECK(memcmp(a, b, 24) != 0);
	CHECK(memcmp(a + 24, b + 24, slen - 24) != 0);
	CHECK(memmem(a, slen, plain, len) == NULL);

	CHECK(unseal(k, a, slen, ad, strlen(ad), out) == (long)len);
	CHECK(memcmp(out, plain, len) == 0);
	CHECK(unseal(k, b, slen, ad, strlen(ad), out) == (long)len);
	CHECK(memcmp(out, plain, len) == 0);

	/* Empty value and no associated data. */
	CHECK(seal(k, "", 0, NULL, 0, a) == 0);
	CHECK(unseal(k, a, seal_size(0), NULL, 0, out) == 0);
	seal_key_free(k);
}

static void test_unseal(void)
{
	struct seal_key *k = seal_key_load("unseal.key", 1, NULL);
	size_t len = strlen(plain), slen = seal_size(len);
	unsigned char s[64];
	char out[64];
	int opened = 0;

	CHECK(k != NULL);
	if (!k)
		return;
	CHECK(seal(k, plain, len, ad, strlen(ad), s) == 0);

	capture_begin();
	/* Moved to another row. */
	CHECK(unseal(k, s, slen, "site 1 user 43 batch 7", strlen(ad),
		     out) == -1);
	CHECK(unseal(k, s, slen, ad, strlen(ad) - 1, out) == -1);
	CHECK(unseal(k, s, slen, NULL, 0, out) == -1);
	/* Any flipped bit: nonce, ciphertext or tag. */
	for (size_t i = 0; i < slen; i++) {
		s[i] ^= 0x01;
		if (unseal(k, s, slen, ad, strlen(ad), out) != -1)
			opened++;
		s[i] ^= 0x01;
	}
	/* Truncated, down to nothing, and one byte too long. */
	for (size_t n = 0; n < slen; n++)
		if (unseal(k, s, n, ad, strlen(ad), out) != -1)
			opened++;
	s[slen] = 0;
	CHECK(unseal(k, s, slen + 1, ad, strlen(ad), out) == -1);
	CHECK(strcmp(capture_end(), "") == 0);	/* not reported */
	CHECK(opened == 0);

	/* Intact after all that. */
	CHECK(unseal(k, s, slen, ad, strlen(ad), out) == (long)len);
	seal_key_free(k);
}

/* ==== Argon2id ==== */

static void test_pwhash(void)
{
	char h[SECRETS_PWHASH_MAX], dflt[SECRETS_PWHASH_MAX];
	const char *pw = "correct horse";
	const char *msg;

	/* Default cost: t=2, m=19456 KiB. */
	CHECK(pwhash(pw, strlen(pw), dflt) == 0);
	CHECK(strncmp(dflt, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);

	pwhash_set_cost(1, 8192);
	CHECK(pwhash(pw, strlen(pw), h) == 0);
	CHECK(strncmp(h, "$argon2id$v=19$m=8192,t=1,p=1$", 30) == 0);
	CHECK(strlen(h) < SECRETS_PWHASH_MAX);

	/* Out-of-range cost is reported and leaves no usable hash. */
	pwhash_set_cost(1, 4);
	capture_begin();
	CHECK(pwhash(pw, strlen(pw), h) == -1);
	msg = capture_end();
	CHECK(strstr(msg, "argon2id t=1 m=4 KiB") != NULL);
	CHECK(h[0] == '\0');
	pwhash_set_cost(0, 8192);
	capture_begin();
	CHECK(pwhash(pw, strlen(pw), h) == -1);
	capture_end();
	pwhash_set_cost(1, 8192);
}

static void test_pwhash_verify(void)
{
	char h[SECRETS_PWHASH_MAX], dflt[SECRETS_PWHASH_MAX];
	const char *pw = "correct horse";

	pwhash_set_cost(2, 19456);
	CHECK(pwhash(pw, strlen(pw), dflt) == 0);
	pwhash_set_cost(1, 8192);
	CHECK(pwhash(pw, strlen(pw), h) == 0);

	CHECK(pwhash_verify(h, pw, strlen(pw)) == 1);
	/* A hash keeps its own cost: still checks after the cost changed. */
	CHECK(pwhash_verify(dflt, pw, strlen(pw)) == 1);
	CHECK(pwhash_verify(h, "correct horsf", 13) == 0);
	CHECK(pwhash_verify(h, pw, strlen(pw) - 1) == 0);
	CHECK(pwhash_verify(h, "", 0) == 0);
	CHECK(pwhash_verify(dflt, "Correct horse", 13) == 0);

	CHECK(pwhash_verify(NULL, pw, strlen(pw)) == 0);
	CHECK(pwhash_verify("", pw, strlen(pw)) == 0);
	CHECK(pwhash_verify("$argon2id$v=19$nonsense", pw, strlen(pw)) == 0);
	h[40] ^= 1;
	CHECK(pwhash_verify(h, pw, strlen(pw)) == 0);
}

static int thread_failures;
static pthread_mutex_t thread_lock = PTHREAD_MUTEX_INITIALIZER;

static void *hash_worker(void *arg)
{
	char pw[32], h[SECRETS_PWHASH_MAX];
	int bad = 0;

	for (int i = 0; i < 4; i++) {
		int len = snprintf(pw, sizeof(pw), "pw-%d-%d", *(int *)arg, i);

		if (pwhash(pw, (size_t)len, h) != 0 ||
		    pwhash_verify(h, pw, (size_t)len) != 1 ||
		    pwhash_verify(h, "pw", 2) != 0)
			bad++;
	}
	pthread_mutex_lock(&thread_lock);
	thread_failures += bad;
	pthread_mutex_unlock(&thread_lock);
	return NULL;
}

/* Several threads hash at once while the cost changes under them. */
static void test_pwhash_threads(void)
{
	pthread_t t[4];
	int ids[4];

	thread_failures = 0;
	for (int i = 0; i < 4; i++) {
		ids[i] = i;
		CHECK(pthread_create(&t[i], NULL, hash_worker, &ids[i]) == 0);
	}
	for (int i = 0; i < 20; i++)
		pwhash_set_cost(1 + (unsigned)(i & 1), 8192);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(thread_failures == 0);
	pwhash_set_cost(1, 8192);
}

/* ==== Tokens and hashes ==== */

static void test_token_new(void)
{
	char a[SECRETS_TOKEN_CHARS + 1], b[SECRETS_TOKEN_CHARS + 1];

	memset(a, '!', sizeof(a));
	token_new(a);
	token_new(b);
	CHECK(strlen(a) == 43 && strlen(b) == 43);
	for (int i = 0; i < 43; i++)
		CHECK(isalnum((unsigned char)a[i]) || a[i] == '-' ||
		      a[i] == '_');
	CHECK(strcmp(a, b) != 0);
}

static void test_secrets_hash(void)
{
	unsigned char h[SECRETS_HASH_BYTES];
	char hex[2 * SECRETS_HASH_BYTES + 1];

	/* From Python's hashlib.blake2b(..., digest_size=32). */
	secrets_hash("abc", 3, h);
	secrets_hex(h, sizeof(h), hex);
	CHECK_STR(hex, "bddd813c634239723171ef3fee98579b"
		       "94964e3bb1cb3e427262c8c068d52319");
	secrets_hash("", 0, h);
	secrets_hex(h, sizeof(h), hex);
	CHECK_STR(hex, "0e5751c026e543b2e8ab2eb06099daa1"
		       "d1e5df47778f7787faab45cdf12fe3a8");
}

static void test_secrets_equal(void)
{
	unsigned char a[16], b[16];

	memset(a, 7, sizeof(a));
	memset(b, 7, sizeof(b));
	CHECK(secrets_equal(a, b, sizeof(a)) == 1);
	b[15] = 8;
	CHECK(secrets_equal(a, b, sizeof(a)) == 0);
	CHECK(secrets_equal(a, b, 15) == 1);
	b[0] = 8;
	CHECK(secrets_equal(a, b, 15) == 0);
	CHECK(secrets_equal(a, b, 0) == 1);
}

static void test_secrets_hex(void)
{
	const unsigned char in[] = { 0x00, 0x01, 0xab, 0xff, 0x7e };
	char out[2 * sizeof(in) + 1];

	memset(out, '!', sizeof(out));
	secrets_hex(in, sizeof(in), out);
	CHECK_STR(out, "0001abff7e");
	secrets_hex(in, 0, out);
	CHECK_STR(out, "");
}

/* SHA-1 against FIPS 180's examples (one and two blocks, a million
 * bytes); {SSHA} checked by its own recipe with the salt it carries. */
static void test_secrets_sha1(void)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	};
	unsigned char dig[20], raw[28];
	char hex[41], ssha[SECRETS_SSHA_MAX], *buf;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		secrets_sha1(v[i].in, strlen(v[i].in), dig);
		secrets_hex(dig, 20, hex);
		CHECK_STR(hex, v[i].hex);
	}
	buf = malloc(1000000);
	memset(buf, 'a', 1000000);
	secrets_sha1(buf, 1000000, dig);
	secrets_hex(dig, 20, hex);
	CHECK_STR(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(buf);

	ssha_hash("parade-frame-34", 15, ssha);
	CHECK(strncmp(ssha, "{SSHA}", 6) == 0);
	CHECK(secrets_unbase64(ssha + 6, strlen(ssha + 6), raw,
			       sizeof(raw)) == 28);
	buf = xasprintf("parade-frame-34%.8s", "--------");
	memcpy(buf + 15, raw + 20, 8);
	secrets_sha1(buf, 23, dig);
	CHECK(memcmp(dig, raw, 20) == 0);
	free(buf);
	CHECK(secrets_unbase64("not base64!", 11, raw, sizeof(raw)) == -1);
}

/* ==== Main ==== */

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	char dir[] = "/tmp/test_secrets.XXXXXX";

	if (!mkdtemp(dir) || chdir(dir) != 0) {
		perror("test_secrets: temporary folder");
		return 1;
	}
	umask(022);

	RUN(test_secrets_init);
	RUN(test_secrets_uniform_threads);
	RUN(test_secrets_uniform);
	RUN(test_secrets_random);
	RUN(test_secrets_wipe);
	RUN(test_secrets_alloc);
	RUN(test_seal_key_load);
	RUN(test_seal_key_load_refusals);
	RUN(test_seal_size);
	RUN(test_seal);
	RUN(test_unseal);
	RUN(test_pwhash);
	RUN(test_pwhash_verify);
	RUN(test_pwhash_threads);
	RUN(test_token_new);
	RUN(test_secrets_hash);
	RUN(test_secrets_equal);
	RUN(test_secrets_hex);
	RUN(test_secrets_sha1);

	if (chdir("/") == 0)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	TEST_EXIT();
}
