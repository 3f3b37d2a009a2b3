/*
 * secrets: every use of libsodium in tempass: randomness, sealing temporary
 * passwords at rest, Argon2id password hashes, reset tokens and the BLAKE2b
 * hash chain of the audit log. The only file that includes sodium.h.
 *
 * Sealing is XChaCha20-Poly1305 with a fresh random nonce per value and the
 * caller's associated data (the credential's identity), so a sealed value
 * moved to another row no longer opens.
 */
#ifndef TEMPASS_SECRETS_H
#define TEMPASS_SECRETS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SECRETS_HASH_BYTES 32      /* BLAKE2b output used by the audit chain */
#define SECRETS_PWHASH_MAX 128     /* room for an Argon2id string */
#define SECRETS_TOKEN_CHARS 43     /* URL-safe base64 of 32 bytes, no pad */

/*
 * Initialises libsodium; 0 or -1 reported. Safe to call many times. Must
 * run before anything below that draws randomness, allocates secret memory,
 * loads a key or hashes a password (an assertion catches the mistake).
 */
int secrets_init(void);

/* An unbiased uniform integer in [0, upper). upper > 0. */
uint32_t secrets_uniform(uint32_t upper);
void secrets_random(void *buf, size_t n);

/*
 * Wipes n bytes at p in a way the compiler keeps: the one wipe of tempass,
 * for every secret and every buffer that may hold one (util's sbuf uses
 * it). glibc's explicit_bzero is a memset the compiler may not remove;
 * libsodium 1.0.18's sodium_memzero, as Debian builds it, zeroes one
 * volatile byte at a time. Inline, so util.c needs no libsodium.
 */
static inline void secrets_wipe(void *p, size_t n)
{
	if (n)
		explicit_bzero(p, n);
}
/*
 * Guarded memory for secrets, locked where RLIMIT_MEMLOCK allows (never
 * NULL: dies when memory runs out); secrets_free() wipes. NULL-safe.
 */
void *secrets_alloc(size_t n);
void secrets_free(void *p);

/* ==== Sealing with the key file ==== */

struct seal_key;

/*
 * Loads the key file at path. When it does not exist and create is set, a
 * new random key is written there with mode 0600 (its folder made 0700).
 * A key file readable or writable by group or others is refused. Returns
 * NULL after reporting; a file that is missing, unreadable or not a key
 * is reported with why (when not NULL) on the same line. The key lives in
 * guarded, read-only memory; caller frees with seal_key_free() (NULL-safe).
 *
 * The file holds the 32-byte key as 64 hex digits and a newline (a file of
 * exactly the 64 digits is accepted too).
 */
struct seal_key *seal_key_load(const char *path, int create,
			       const char *why);
void seal_key_free(struct seal_key *k);

/* Bytes a sealed value of plain_len bytes takes (nonce + tag included). */
size_t seal_size(size_t plain_len);

/*
 * Seals plain into out (seal_size(len) bytes) with associated data ad.
 * Returns 0, or -1 after reporting.
 */
int seal(const struct seal_key *k, const void *plain, size_t len,
	 const void *ad, size_t adlen, unsigned char *out);

/*
 * Opens a sealed value into plain (at least sealed_len bytes). Returns the
 * plaintext length, or -1 when the value was tampered with, moved to another
 * row (other ad) or sealed under another key. Not reported: the caller
 * knows what the value was.
 */
__attribute__((warn_unused_result))
long unseal(const struct seal_key *k, const unsigned char *sealed,
	    size_t sealed_len, const void *ad, size_t adlen, void *plain);

/* ==== Argon2id password hashes ==== */

/* Cost of new hashes: ops (t) and memory in KiB. Defaults t=2 m=19456. */
void pwhash_set_cost(unsigned long long ops, size_t mem_kib);
/* Hashes pw into out (SECRETS_PWHASH_MAX). 0, or -1 reported. */
int pwhash(const char *pw, size_t len, char out[SECRETS_PWHASH_MAX]);
/*
 * Hashes pw as pwhash() does with the cost given (ops, mem_kib) rather than
 * the one set: for hashes another program checks (an LDAP directory's
 * {ARGON2}), whose cost is theirs. Any thread. 0, or -1 reported.
 */
int pwhash_cost(const char *pw, size_t len, unsigned long long ops,
		size_t mem_kib, char out[SECRETS_PWHASH_MAX]);
/* 1 when pw matches hash, 0 when not (also when hash is NULL or bad). */
__attribute__((warn_unused_result))
int pwhash_verify(const char *hash, const char *pw, size_t len);

/* ==== Tokens and the audit chain ==== */

/* A new random URL-safe token of SECRETS_TOKEN_CHARS chars, NUL-ended. */
void token_new(char out[SECRETS_TOKEN_CHARS + 1]);
/* BLAKE2b-256 of data: used for token hashes and the audit chain. */
void secrets_hash(const void *data, size_t len,
		  unsigned char out[SECRETS_HASH_BYTES]);
/* Constant-time comparison; 1 when equal. */
int secrets_equal(const void *a, const void *b, size_t n);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void secrets_hex(const unsigned char *in, size_t n, char *out);

/* ==== {SSHA} for LDAP directories without Argon2 ==== */

/* Room for "{SSHA}" and the base64 of a SHA-1 digest and 8-byte salt. */
#define SECRETS_SSHA_MAX 48
/* SHA-1 of data: the digest {SSHA} is made of, nothing else. */
void secrets_sha1(const void *data, size_t len, unsigned char out[20]);
/* "{SSHA}" + base64(SHA-1(pw + salt) + salt), a fresh random salt, as
 * slapd checks it; NUL-ended. Far quicker to guess than Argon2id. */
void ssha_hash(const char *pw, size_t len, char out[SECRETS_SSHA_MAX]);

/* ==== Base64 (RFC 4648, with padding) ==== */

/* Room secrets_base64() needs for n bytes, its NUL included. */
#define SECRETS_BASE64_LEN(n) (((n) + 2) / 3 * 4 + 1)
/* Writes n bytes of in as base64 into out (size at least
 * SECRETS_BASE64_LEN(n)); returns its length. */
size_t secrets_base64(const void *in, size_t n, char *out, size_t size);
/* Decodes n chars of base64 (white space ignored) into out (size bytes);
 * the length, or -1 when in is not base64 or out too small (not
 * reported). */
long secrets_unbase64(const char *in, size_t n, void *out, size_t size);

#endif
