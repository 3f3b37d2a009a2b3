/*
 * ldif: LDAP Data Interchange Format (RFC 2849), written for ldapmodify
 * and read back from ldapsearch. A value that is not a SAFE-STRING (a
 * leading space, ':' or '<', a trailing space, a line end, anything not
 * ASCII) is written base64 ("attr:: ..."), so a name such as "Zoë" or a
 * value with a line end never breaks the file.
 */
#ifndef TEMPASS_FORMAT_LDIF_H
#define TEMPASS_FORMAT_LDIF_H

#include <stddef.h>
#include <stdio.h>

struct sbuf;

/* Appends "attr: value\n", or "attr:: BASE64\n" when value needs it. */
void ldif_line(struct sbuf *out, const char *attr, const char *value);

/* One entry (or change record) as read: its lines in order. */
struct ldif_attr {
	char *name;       /* "dn", "changetype", "add", "-" ... */
	char *value;      /* decoded; "" for "-" */
};
struct ldif_entry {
	struct ldif_attr *attrs;
	size_t n, cap;
	unsigned long line;     /* where it starts, for messages */
};

struct ldif_reader;

/* A reader of in; name is for messages. Caller frees with
 * ldif_reader_free() (NULL-safe), which does not close in. */
struct ldif_reader *ldif_reader_new(FILE *in, const char *name);
void ldif_reader_free(struct ldif_reader *r);
/*
 * Reads the next entry into *e (owned by r, valid until the next call):
 * 1, 0 at the end, or -1 after reporting "'name':LINE: why" (a line that
 * is not "attr: value", bad base64, a value by URL, which is not read).
 * Comments, "version:" and ldapsearch's "search:"/"result:" lines are
 * skipped; continued lines are joined.
 */
int ldif_read(struct ldif_reader *r, struct ldif_entry **e);
/* The first value of attr (case-insensitive), or NULL. */
const char *ldif_get(const struct ldif_entry *e, const char *attr);
/* 1 when the len bytes at buf start LDIF (a comment, "version:" or
 * "dn:"), 0 otherwise. */
int ldif_detect(const char *buf, size_t len);

#endif
