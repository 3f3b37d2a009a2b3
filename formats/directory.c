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
	sbuf_addstr(sb, "changetype: modify\nreplace: unicodePwd\n"
		    "unicodePwd:: ");
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
		    "applied\n\n");
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
