/*
 * secrets: the one file that talks to libsodium. Everything secret that
 * tempass holds goes through here, so the rules for it live in one place:
 * randomness only from libsodium, keys only in guarded memory, buffers wiped.
 *
 * The key file holds the 32-byte XChaCha20-Poly1305 key as 64 lower-case hex
 * digits and a newline, so it survives being copied through a terminal,
 * a password manager or a printed backup unchanged. A new key file is
 * written under a temporary name, synced, and only then linked to its final
 * name: a crash never leaves a short key, and two processes creating the key
 * at once agree on one of them instead of one overwriting the other.
 */
#include "core/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_HEX (2 * KEY_BYTES)

_Static_assert(SECRETS_PWHASH_MAX == crypto_pwhash_STRBYTES,
	       "SECRETS_PWHASH_MAX must match crypto_pwhash_STRBYTES");
_Static_assert(SECRETS_TOKEN_CHARS + 1 ==
	       sodium_base64_ENCODED_LEN(32,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	       "SECRETS_TOKEN_CHARS must fit 32 bytes of base64");
_Static_assert(SECRETS_HASH_BYTES >= crypto_generichash_BYTES_MIN &&
	       SECRETS_HASH_BYTES <= crypto_generichash_BYTES_MAX,
	       "SECRETS_HASH_BYTES must be a BLAKE2b output size");

/*
 * libsodium before sodium_init() is a tempass bug: sodium_malloc() would not
 * even know the page size.
 */
static atomic_int initialised;
#define NEED_INIT() ASSERT(atomic_load(&initialised))

int secrets_init(void)
{
	/*
	 * libsodium's own generator (ChaCha20 with fast key erasure, one
	 * stream per thread, seeded by getrandom) instead of one getrandom
	 * system call per draw: a batch draws hundreds of thousands of
	 * numbers. tempass never forks, which that generator refuses.
	 */
	randombytes_set_implementation(&randombytes_internal_implementation);
	if (sodium_init() < 0) {
		errorf("cannot initialise libsodium");
		return -1;
	}
	atomic_store(&initialised, 1);
	return 0;
}

uint32_t secrets_uniform(uint32_t upper)
{
	NEED_INIT();
	ASSERT(upper > 0);
	return randombytes_uniform(upper);
}

void secrets_random(void *buf, size_t n)
{
	NEED_INIT();
	randombytes_buf(buf, n);
}

void *secrets_alloc(size_t n)
{
	void *p;

	NEED_INIT();
	p = sodium_malloc(n);
	if (!p)
		die("tempass: out of memory");
	return p;
}

void secrets_free(void *p)
{
	sodium_free(p);
}

/* ==== The key file ==== */

/* The whole struct lives in one sodium_malloc() region, read-only once set. */
struct seal_key {
	unsigned char key[KEY_BYTES];
};

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads until n bytes or end of file; returns the count, or -1. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The folder part of path, or NULL when path has none; caller frees. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return NULL;
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/*
 * Makes the new name durable. Best effort: some filesystems refuse fsync on
 * a folder, and the key itself was already synced before it got its name.
 */
static void sync_folder(const char *dir)
{
	int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * Writes a new random key to path. link() rather than rename(): when
 * another process got there first its key stays, and both then load it.
 */
static int create_key_file(const char *path)
{
	unsigned char key[KEY_BYTES];
	char text[KEY_HEX + 1];
	char *dir = folder_of(path);
	char *tmp = NULL;
	int fd = -1, rc = -1;

	if (dir && mkdir_p(dir, 0700) < 0)
		goto out;
	tmp = xasprintf("%s.%08" PRIx32 ".tmp", path, randombytes_random());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		errorf("'%s': cannot create key file: %s", tmp,
		       strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	sodium_bin2hex(text, sizeof(text), key, sizeof(key));
	text[KEY_HEX] = '\n';
	if (write_all(fd, text, sizeof(text)) < 0 || fsync(fd) < 0) {
		errorf("'%s': cannot write key file: %s", tmp,
		       strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		errorf("'%s': cannot write key file: %s", tmp,
		       strerror(errno));
		goto out;
	}
	fd = -1;
	if (link(tmp, path) < 0 && errno != EEXIST) {
		errorf("'%s': cannot create key file: %s", path,
		       strerror(errno));
		goto out;
	}
	sync_folder(dir);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	secrets_wipe(key, sizeof(key));
	secrets_wipe(text, sizeof(text));
	return rc;
}

/*
 * Reports that the key file at path cannot be used, the reason from fmt
 * and, when why is not NULL, why it must be this file (one line).
 */
static void refuse_key(const char *path, const char *why, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));
static void refuse_key(const char *path, const char *why, const char *fmt,
		       ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	errorf("'%s': %s%s%s", path, reason, why ? "; " : "", why ? why : "");
}

static struct seal_key *read_key(int fd, const char *path, const char *why)
{
	char text[KEY_HEX + 2];
	struct seal_key *k = NULL;
	struct stat st;
	size_t bin_len = 0;
	ssize_t n;
	int ok = 0;

	if (fstat(fd, &st) < 0) {
		refuse_key(path, why, "cannot read key file: %s",
			   strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse_key(path, why, "key file is not a regular file");
		return NULL;
	}
	if (st.st_mode & 077) {
		errorf("'%s': permissions %04o are too open; "
		       "run chmod 600 '%s'", path,
		       (unsigned)(st.st_mode & 07777), path);
		return NULL;
	}
	if (st.st_size != KEY_HEX && st.st_size != KEY_HEX + 1) {
		refuse_key(path, why, "key file is %lld bytes, not 64 hex "
			   "digits and a newline", (long long)st.st_size);
		return NULL;
	}
	n = read_full(fd, text, sizeof(text));
	if (n < 0) {
		refuse_key(path, why, "cannot read key file: %s",
			   strerror(errno));
		goto out;
	}
	k = secrets_alloc(sizeof(*k));
	if ((n != KEY_HEX && (n != KEY_HEX + 1 || text[KEY_HEX] != '\n')) ||
	    sodium_hex2bin(k->key, sizeof(k->key), text, KEY_HEX, NULL,
			   &bin_len, NULL) != 0 || bin_len != KEY_BYTES) {
		refuse_key(path, why, "key file is not 64 hex digits and a "
			   "newline");
		goto out;
	}
	if (sodium_mprotect_readonly(k) != 0) {
		errorf("'%s': cannot protect the key in memory: %s", path,
		       strerror(errno));
		goto out;
	}
	ok = 1;
out:
	secrets_wipe(text, sizeof(text));
	if (!ok) {
		sodium_free(k);
		k = NULL;
	}
	return k;
}

struct seal_key *seal_key_load(const char *path, int create,
			       const char *why)
{
	/* O_NONBLOCK: a FIFO put in the key's place must not hang us. */
	const int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
	struct seal_key *k;
	int fd;

	NEED_INIT();
	fd = open(path, flags);
	if (fd < 0 && errno == ENOENT && create) {
		if (create_key_file(path) < 0)
			return NULL;
		fd = open(path, flags);
	}
	if (fd < 0) {
		refuse_key(path, why, "cannot open key file: %s",
			   strerror(errno));
		return NULL;
	}
	k = read_key(fd, path, why);
	close(fd);
	return k;
}

void seal_key_free(struct seal_key *k)
{
	sodium_free(k);
}

/* ==== Sealing ==== */

size_t seal_size(size_t plain_len)
{
	return NONCE_BYTES + plain_len + TAG_BYTES;
}

int seal(const struct seal_key *k, const void *plain, size_t len,
	 const void *ad, size_t adlen, unsigned char *out)
{
	unsigned long long clen;

	if (len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX -
		  NONCE_BYTES) {
		errorf("cannot seal a value of %zu bytes", len);
		return -1;
	}
	randombytes_buf(out, NONCE_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE_BYTES,
			&clen, plain, len, ad, adlen, NULL, out,
			k->key) != 0) {
		errorf("cannot seal a value of %zu bytes", len);
		return -1;
	}
	return 0;
}

long unseal(const struct seal_key *k, const unsigned char *sealed,
	    size_t sealed_len, const void *ad, size_t adlen, void *plain)
{
	unsigned long long mlen;

	if (sealed_len < NONCE_BYTES + TAG_BYTES)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL,
			sealed + NONCE_BYTES, sealed_len - NONCE_BYTES,
			ad, adlen, sealed, k->key) != 0)
		return -1;
	return (long)mlen;
}

/* ==== Argon2id ==== */

/* Regeneration hashes from several threads while the cost may be set. */
static pthread_mutex_t cost_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long cost_ops = 2;
static size_t cost_mem_kib = 19456;

void pwhash_set_cost(unsigned long long ops, size_t mem_kib)
{
	pthread_mutex_lock(&cost_lock);
	cost_ops = ops;
	cost_mem_kib = mem_kib;
	pthread_mutex_unlock(&cost_lock);
}

int pwhash(const char *pw, size_t len, char out[SECRETS_PWHASH_MAX])
{
	unsigned long long ops;
	size_t kib;

	pthread_mutex_lock(&cost_lock);
	ops = cost_ops;
	kib = cost_mem_kib;
	pthread_mutex_unlock(&cost_lock);
	return pwhash_cost(pw, len, ops, kib, out);
}

int pwhash_cost(const char *pw, size_t len, unsigned long long ops,
		size_t kib, char out[SECRETS_PWHASH_MAX])
{
	int rc;

	NEED_INIT();
	errno = EINVAL;
	rc = kib > SIZE_MAX / 1024 ? -1 :
	     crypto_pwhash_str(out, pw, len, ops, kib * 1024);
	if (rc != 0) {
		int e = errno;

		secrets_wipe(out, SECRETS_PWHASH_MAX);
		errorf("cannot hash a password with argon2id t=%llu m=%zu KiB: "
		       "%s", ops, kib, strerror(e));
		return -1;
	}
	return 0;
}

int pwhash_verify(const char *hash, const char *pw, size_t len)
{
	NEED_INIT();
	if (!hash)
		return 0;
	return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

/* ==== Tokens and hashes ==== */

void token_new(char out[SECRETS_TOKEN_CHARS + 1])
{
	unsigned char raw[32];

	NEED_INIT();
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SECRETS_TOKEN_CHARS + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	secrets_wipe(raw, sizeof(raw));
}

void secrets_hash(const void *data, size_t len,
		  unsigned char out[SECRETS_HASH_BYTES])
{
	crypto_generichash(out, SECRETS_HASH_BYTES, data, len, NULL, 0);
}

int secrets_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void secrets_hex(const unsigned char *in, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

/* ==== {SSHA}: salted SHA-1, for directories without Argon2 ==== */

/*
 * SHA-1 (FIPS 180-4), which libsodium does not offer: only for the {SSHA}
 * scheme slapd checks natively, never for anything tempass keeps.
 */
static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5A827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ED9EBA1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
		else
			f = b ^ c ^ d, k = 0xCA62C1D6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
	secrets_wipe(w, sizeof(w));
}

void secrets_sha1(const void *data, size_t len, unsigned char out[20])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
			  0xC3D2E1F0 };
	const unsigned char *p = data;
	unsigned char last[128] = { 0 };
	size_t full = len / 64 * 64, rest = len - full, n;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t i = 0; i < full; i += 64)
		sha1_block(h, p + i);
	memcpy(last, p + full, rest);
	last[rest] = 0x80;
	n = rest < 56 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		last[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (size_t i = 0; i < n; i += 64)
		sha1_block(h, last + i);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
	secrets_wipe(last, sizeof(last));
	secrets_wipe(h, sizeof(h));
}

#define SSHA_SALT 8

void ssha_hash(const char *pw, size_t len, char out[SECRETS_SSHA_MAX])
{
	unsigned char *buf = secrets_alloc(len + SSHA_SALT);
	unsigned char dig[20 + SSHA_SALT];

	NEED_INIT();
	randombytes_buf(dig + 20, SSHA_SALT);
	memcpy(buf, pw, len);
	memcpy(buf + len, dig + 20, SSHA_SALT);
	secrets_sha1(buf, len + SSHA_SALT, dig);
	memcpy(out, "{SSHA}", 6);
	secrets_base64(dig, sizeof(dig), out + 6, SECRETS_SSHA_MAX - 6);
	secrets_free(buf);
	secrets_wipe(dig, sizeof(dig));
}

/* ==== Base64 ==== */

size_t secrets_base64(const void *in, size_t n, char *out, size_t size)
{
	ASSERT(size >= SECRETS_BASE64_LEN(n));
	sodium_bin2base64(out, size, in, n, sodium_base64_VARIANT_ORIGINAL);
	return strlen(out);
}

long secrets_unbase64(const char *in, size_t n, void *out, size_t size)
{
	size_t len;

	if (sodium_base642bin(out, size, in, n, " \t\r\n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return (long)len;
}
