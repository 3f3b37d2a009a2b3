/*
 * directory: writers of the directory formats. AD's password travels as
 * unicodePwd, which a domain controller accepts only over an encrypted
 * connection and only as the password in double quotes, UTF-16LE, which
 * LDIF then carries in base64 ("unicodePwd::"). The CSVs carry the batch
 * in columns the tool that reads them ignores (GAM, Import-Csv), except
 * Google's upload, which refuses unknown columns: its file's name says
 * the batch instead.
 */
#include "formats/directory.h"

#include <string.h>

#include "core/secrets.h"
#include "core/util.h"
#include "formats/csv.h"

const char *const dir_google_header[] = {
	"First Name [Required]", "Last Name [Required]",
	"Email Address [Required]", "Password [Required]",
	"Password Hash Function [UPLOAD ONLY]", "Org Unit Path [Required]",
	"New Primary Email [UPLOAD ONLY]", "Home Secondary Email",
	"Work Secondary Email", "Work Phone", "Home Phone", "Mobile Phone",
	"Work Address", "Home Address", "Employee ID", "Employee Type",
	"Employee Title", "Manager Email", "Department", "Cost Center",
	"Building ID", "Floor Name", "Floor Section",
	"Change Password at Next Sign-In",
};
const size_t dir_google_ncols = ARRAY_SIZE(dir_google_header);

void dir_utf16le(struct sbuf *out, const char *s)
{
	while (*s) {
		unsigned cp;

		s += utf8_decode(s, &cp);
		if (cp >= 0x10000) {
			unsigned hi = 0xD800 + ((cp - 0x10000) >> 10);

			sbuf_addch(out, (char)(hi & 0xFF));
			sbuf_addch(out, (char)(hi >> 8));
			cp = 0xDC00 + ((cp - 0x10000) & 0x3FF);
		}
		sbuf_addch(out, (char)(cp & 0xFF));
		sbuf_addch(out, (char)(cp >> 8));
	}
}

/*
 * RFC 2849's SAFE-STRING: ASCII without NUL, CR or LF, not starting with
 * a space, ':' or '<', and not ending with a space (which LDIF readers
 * strip); anything else goes as base64.
 */
static int ldif_safe(const char *s)
{
	size_t n = strlen(s);

	if (n && (s[0] == ' ' || s[0] == ':' || s[0] == '<' ||
		  s[n - 1] == ' '))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return 0;
	return 1;
}

/* "name: value" or "name:: base64", as RFC 2849 wants it. */
static void ldif_line(struct sbuf *sb, const char *name, const char *v)
{
	sbuf_addstr(sb, name);
	if (ldif_safe(v)) {
		sbuf_addstr(sb, ": ");
		sbuf_addstr(sb, v);
	} else {
		sbuf_addstr(sb, ":: ");
		sbuf_add_base64(sb, v, strlen(v));
	}
	sbuf_addch(sb, '\n');
}

/* A comment's value on one line: line ends would end the comment. */
static void comment_value(struct sbuf *sb, const char *v)
{
	for (; *v; v++)
		sbuf_addch(sb, *v == '\n' || *v == '\r' ? ' ' : *v);
}

static void ad_record(struct sbuf *sb, const struct dir_batch *b,
		      const struct dir_entry *e)
{
	struct sbuf pwd = SBUF_INIT;

	sbuf_addf(sb, "# tempass: batch v%s (id %s) user ", b->version,
		  b->batch);
	comment_value(sb, e->username);
	sbuf_addch(sb, '\n');
	ldif_line(sb, "dn", e->id);
	sbuf_addstr(sb, "changetype: modify\n");
	if (b->marker && e->marker_old) {
		sbuf_addf(sb, "delete: %s\n", b->marker);
		ldif_line(sb, b->marker, e->marker_old);
		sbuf_addstr(sb, "-\n");
	}
	if (b->marker) {
		sbuf_addf(sb, "add: %s\n", b->marker);
		ldif_line(sb, b->marker, e->marker_new);
		sbuf_addstr(sb, "-\n");
	}
	sbuf_addstr(sb, "replace: unicodePwd\nunicodePwd:: ");
	dir_utf16le(&pwd, "\"");
	dir_utf16le(&pwd, e->password);
	dir_utf16le(&pwd, "\"");
	sbuf_add_base64(sb, pwd.buf, pwd.len);
	sbuf_release(&pwd);
	sbuf_addstr(sb, "\n-\nreplace: pwdLastSet\npwdLastSet: 0\n-\n\n");
}

static int write_ad(FILE *fp, const struct dir_batch *b,
		    const struct dir_entry *e, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	int rc = 0;

	sbuf_addstr(&sb, "# tempass: ");
	comment_value(&sb, b->site);
	sbuf_addf(&sb, ", batch v%s (id %s), made %s\n", b->version,
		  b->batch, b->generated_at);
	sbuf_addstr(&sb, "# Active Directory: apply over LDAPS only, e.g.\n"
		    "#   ldapmodify -H ldaps://DC -D ADMIN -W -f FILE\n"
		    "# holds passwords (encoded, not hashed): delete it once "
		    "applied\n");
	if (b->marker)
		sbuf_addf(&sb, "# a record of an older batch than the directory "
			  "holds fails on its %s\n", b->marker);
	sbuf_addch(&sb, '\n');
	for (size_t i = 0; i < n && rc == 0; i++) {
		ad_record(&sb, b, &e[i]);
		if (sb.len >= 65536 || i + 1 == n) {
			if (fwrite(sb.buf, 1, sb.len, fp) != sb.len)
				rc = -1;
			secrets_wipe(sb.buf, sb.len);
			sbuf_reset(&sb);
		}
	}
	if (n == 0 && fwrite(sb.buf, 1, sb.len, fp) != sb.len)
		rc = -1;
	sbuf_release(&sb);
	return rc;
}

/* ==== Reading an AD file back ==== */

int dir_is_ad(const char *text, size_t len)
{
	static const char head[] = "# tempass: ";
	const char *nl = memchr(text, '\n', len);
	size_t n = nl ? (size_t)(nl - text) : len;

	return n > sizeof(head) && memcmp(text, head, sizeof(head) - 1) == 0 &&
	       memmem(text, n, ", batch v", 9) != NULL;
}

static int b64_value(char c)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(abc, c) : NULL;

	return p ? (int)(p - abc) : -1;
}

/* Decodes base64 s into out. 0, or -1 when it is not base64. */
static int from_base64(struct sbuf *out, const char *s)
{
	size_t n = strlen(s);

	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];

		for (int k = 0; k < 4; k++) {
			v[k] = s[i + k] == '=' && i + 4 == n && k >= 2 ? 0 :
			       b64_value(s[i + k]);
			if (v[k] < 0)
				return -1;
		}
		sbuf_addch(out, (char)(v[0] << 2 | v[1] >> 4));
		if (s[i + 2] != '=')
			sbuf_addch(out, (char)((v[1] & 15) << 4 | v[2] >> 2));
		if (s[i + 3] != '=')
			sbuf_addch(out, (char)((v[2] & 3) << 6 | v[3]));
	}
	return 0;
}

static void put_utf8(struct sbuf *out, unsigned cp)
{
	if (cp < 0x80) {
		sbuf_addch(out, (char)cp);
	} else if (cp < 0x800) {
		sbuf_addch(out, (char)(0xC0 | cp >> 6));
		sbuf_addch(out, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		sbuf_addch(out, (char)(0xE0 | cp >> 12));
		sbuf_addch(out, (char)(0x80 | (cp >> 6 & 0x3F)));
		sbuf_addch(out, (char)(0x80 | (cp & 0x3F)));
	} else {
		sbuf_addch(out, (char)(0xF0 | cp >> 18));
		sbuf_addch(out, (char)(0x80 | (cp >> 12 & 0x3F)));
		sbuf_addch(out, (char)(0x80 | (cp >> 6 & 0x3F)));
		sbuf_addch(out, (char)(0x80 | (cp & 0x3F)));
	}
}

/*
 * unicodePwd's value (UTF-16LE, in double quotes) as the UTF-8 password
 * into out. 0, or -1 when it is not that form.
 */
static int from_unicode_pwd(struct sbuf *out, const unsigned char *u,
			    size_t n)
{
	if (n < 4 || n % 2 || u[0] != '"' || u[1] || u[n - 2] != '"' ||
	    u[n - 1])
		return -1;
	for (size_t i = 2; i + 2 < n; i += 2) {
		unsigned cp = u[i] | (unsigned)u[i + 1] << 8;

		if (cp >= 0xD800 && cp < 0xDC00 && i + 4 < n) {
			unsigned lo = u[i + 2] | (unsigned)u[i + 3] << 8;

			if (lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if (cp >= 0xD800 && cp < 0xE000) {
			return -1;
		}
		if (cp == 0)
			return -1;
		put_utf8(out, cp);
	}
	return 0;
}

/* The fields a record of an AD file is read into. */
struct ad_fields {
	struct sbuf user, version, batch, dn, pwd, raw;
	unsigned long line;
	int have_pwd;
};

static void ad_fields_reset(struct ad_fields *f)
{
	sbuf_reset(&f->user);
	sbuf_reset(&f->version);
	sbuf_reset(&f->batch);
	sbuf_reset(&f->dn);
	secrets_wipe(f->pwd.buf, f->pwd.cap);
	sbuf_reset(&f->pwd);
	secrets_wipe(f->raw.buf, f->raw.cap);
	sbuf_reset(&f->raw);
	f->have_pwd = 0;
	f->line = 0;
}

/* "# tempass: batch vN (id M) user U" into f. 0, or -1. */
static int ad_comment(struct ad_fields *f, const char *l)
{
	static const char head[] = "# tempass: batch v";
	const char *p = l + sizeof(head) - 1, *q;

	if (strncmp(l, head, sizeof(head) - 1) != 0)
		return 0;
	if (!(q = strstr(p, " (id ")))
		return -1;
	sbuf_add(&f->version, p, (size_t)(q - p));
	p = q + 5;
	if (!(q = strstr(p, ") user ")))
		return -1;
	sbuf_add(&f->batch, p, (size_t)(q - p));
	sbuf_addstr(&f->user, q + 7);
	return 0;
}

/* One line of a record into f. 0, or -1 when it cannot be read. */
static int ad_line(struct ad_fields *f, const char *l)
{
	if (l[0] == '#')
		return ad_comment(f, l);
	if (strncmp(l, "dn:: ", 5) == 0)
		return from_base64(&f->dn, l + 5);
	if (strncmp(l, "dn: ", 4) == 0) {
		sbuf_addstr(&f->dn, l + 4);
		return 0;
	}
	if (strncmp(l, "unicodePwd:: ", 13) == 0) {
		f->have_pwd = 1;
		return from_base64(&f->raw, l + 13) != 0 ||
		       from_unicode_pwd(&f->pwd, (unsigned char *)f->raw.buf,
					f->raw.len) != 0 ? -1 : 0;
	}
	return 0;
}

int dir_read_ad(const char *text, size_t len, const char *name,
		int (*fn)(void *arg, const struct dir_ad_record *r),
		void *arg)
{
	struct ad_fields f = { SBUF_INIT, SBUF_INIT, SBUF_INIT, SBUF_INIT,
			       SBUF_INIT, SBUF_INIT, 0, 0 };
	struct sbuf line = SBUF_INIT;
	unsigned long lineno = 0;
	size_t at = 0;
	int rc = 0;

	while (rc == 0 && at <= len) {
		const char *nl = at < len ? memchr(text + at, '\n', len - at) :
				 NULL;
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;

		lineno++;
		sbuf_reset(&line);
		sbuf_add(&line, text + at, n && text[at + n - 1] == '\r' ?
			 n - 1 : n);
		at += n + 1;
		if (line.len && !f.line)
			f.line = lineno;
		if (line.len) {
			if (ad_line(&f, sbuf_str(&line)) != 0) {
				errorf("%s:%lu: not a record of tempass's AD "
				       "file", name, lineno);
				rc = -1;
			}
			continue;
		}
		/* A blank line ends a record: one with a password counts. */
		if (f.have_pwd) {
			struct dir_ad_record r = {
				sbuf_str(&f.user), sbuf_str(&f.version),
				sbuf_str(&f.batch), sbuf_str(&f.pwd),
				sbuf_str(&f.dn), f.line,
			};

			if (!f.user.len || !f.dn.len) {
				errorf("%s:%lu: a record without its tempass "
				       "comment or DN", name, f.line);
				rc = -1;
			} else {
				rc = fn(arg, &r);
			}
		}
		ad_fields_reset(&f);
	}
	ad_fields_reset(&f);
	sbuf_release(&f.user);
	sbuf_release(&f.version);
	sbuf_release(&f.batch);
	sbuf_release(&f.dn);
	sbuf_release(&f.pwd);
	sbuf_release(&f.raw);
	sbuf_release(&line);
	return rc;
}

static int write_csv(FILE *fp, enum dir_kind kind, const struct dir_batch *b,
		     const struct dir_entry *e, size_t n)
{
	static const char *const gam[] = {
		"email", "password", "username", "version", "batch",
	};
	static const char *const entra[] = {
		"UserPrincipalName", "password",
		"ForceChangePasswordNextSignIn", "username", "version",
		"batch",
	};
	const char *v[24] = { 0 };
	int failed;

	if (kind == DIR_GOOGLE)
		failed = csv_write_row(fp, dir_google_header,
				       dir_google_ncols, 0);
	else if (kind == DIR_GAM)
		failed = csv_write_row(fp, gam, ARRAY_SIZE(gam), 0);
	else
		failed = csv_write_row(fp, entra, ARRAY_SIZE(entra), 0);
	for (size_t i = 0; i < n && !failed; i++) {
		if (kind == DIR_GOOGLE) {
			v[0] = e[i].forename;
			v[1] = e[i].surname;
			v[2] = e[i].id;
			v[3] = e[i].password;
			v[5] = e[i].org_unit;
			v[dir_google_ncols - 1] = "True";
			failed = csv_write_row(fp, v, dir_google_ncols, 0);
		} else if (kind == DIR_GAM) {
			const char *g[] = { e[i].id, e[i].password,
					    e[i].username, b->version,
					    b->batch };

			failed = csv_write_row(fp, g, ARRAY_SIZE(g), 0);
		} else {
			const char *m[] = { e[i].id, e[i].password, "True",
					    e[i].username, b->version,
					    b->batch };

			failed = csv_write_row(fp, m, ARRAY_SIZE(m), 0);
		}
	}
	return failed ? -1 : 0;
}

int dir_write(FILE *fp, enum dir_kind kind, const struct dir_batch *b,
	      const struct dir_entry *e, size_t n)
{
	int rc = kind == DIR_AD ? write_ad(fp, b, e, n) :
		 write_csv(fp, kind, b, e, n);

	if (rc == 0 && fflush(fp) != 0)
		rc = -1;
	return rc;
}
