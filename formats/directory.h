/*
 * directory: the files that put a batch's passwords into the directories
 * pupils log in to: LDIF for Active Directory and Samba AD (ldapmodify over
 * LDAPS), the Google Admin console's bulk update CSV, a CSV for GAM and one
 * for Microsoft Entra (Microsoft Graph PowerShell). Each holds the
 * passwords in plaintext (the directory hashes them itself) and records the
 * batch it came from; the caller writes it 0600 and atomically.
 */
#ifndef TEMPASS_DIRECTORY_H
#define TEMPASS_DIRECTORY_H

#include <stddef.h>
#include <stdio.h>

enum dir_kind { DIR_AD, DIR_GOOGLE, DIR_GAM, DIR_ENTRA };

/* One user: id is the DN (ad), the email address (google, gam) or the
 * user principal name (entra). */
struct dir_entry {
	const char *id;
	const char *username, *forename, *surname, *password;
	const char *org_unit;     /* google: "/" or a path */
	/* ad with a marker: the value the user's previous batch left (NULL:
	 * none) and this batch's */
	const char *marker_old, *marker_new;
};

/* The batch a file comes from (the first record's). */
struct dir_batch {
	const char *site, *version, *batch, *generated_at;
	const char *marker;       /* ad: the marker's attribute; NULL: none */
};

/* The Google Admin console's bulk update header, in its order. */
extern const char *const dir_google_header[];
extern const size_t dir_google_ncols;

/*
 * Writes the n entries to fp as kind. AD: one changetype: modify record
 * each; with b->marker, first "delete" of the entry's marker_old (when
 * set) and "add" of its marker_new in that attribute, then replacing
 * unicodePwd (the password in double quotes, UTF-16LE, base64) and
 * setting pwdLastSet to 0 (change at next logon), the DN as
 * "dn::" base64 unless it is plain ASCII, after a comment naming the
 * batch. CSVs: RFC 4180, formulas not neutralised (a directory takes the
 * values as they are). 0, or -1 on a write error (errno set, not
 * reported). Buffers that held a password are wiped.
 */
int dir_write(FILE *fp, enum dir_kind kind, const struct dir_batch *b,
	      const struct dir_entry *e, size_t n);

/* One record of an AD file read back; its strings are valid during the
 * call only, and the password's buffer is wiped after it. */
struct dir_ad_record {
	const char *username, *version, *batch, *password, *dn;
	unsigned long line;       /* where its record starts */
};

/*
 * 1 when text (len bytes) starts as an AD file of dir_write() does: its
 * first line "# tempass: SITE, batch vN (id M), made ...".
 */
int dir_is_ad(const char *text, size_t len);

/*
 * Reads an AD file written by dir_write() back from text (len bytes,
 * name in messages): for each record, its batch and user (from the
 * comment above it), DN and password (unicodePwd decoded), fn(arg, r).
 * 0, fn's non-zero, or -1 after reporting "name:line: why".
 */
int dir_read_ad(const char *text, size_t len, const char *name,
		int (*fn)(void *arg, const struct dir_ad_record *r),
		void *arg);

/* Appends s (valid UTF-8) as UTF-16LE to out. */
struct sbuf;
void dir_utf16le(struct sbuf *out, const char *s);

#endif
