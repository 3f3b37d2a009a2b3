/*
 * ldif: writing values safely and reading entries back. The reader keeps
 * every line of an entry in order, so a change record ("add: x", "x: v",
 * "-") reads as well as a search result.
 */
#include "formats/ldif.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/secrets.h"
#include "core/util.h"

/* ==== Writing ==== */

/* RFC 2849 SAFE-STRING, with no trailing space (ldapmodify strips it). */
static int safe_string(const char *v)
{
	size_t n = strlen(v);

	if (n && (v[0] == ' ' || v[0] == ':' || v[0] == '<' ||
		  v[n - 1] == ' '))
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p == '\n' || *p == '\r' || *p >= 0x80)
			return 0;
	return 1;
}

void ldif_line(struct sbuf *out, const char *attr, const char *value)
{
	size_t n = strlen(value);
	char *b64;

	if (safe_string(value)) {
		sbuf_addf(out, "%s: %s\n", attr, value);
		return;
	}
	b64 = xmalloc(SECRETS_BASE64_LEN(n));
	secrets_base64(value, n, b64, SECRETS_BASE64_LEN(n));
	sbuf_addf(out, "%s:: %s\n", attr, b64);
	free(b64);
}

/* ==== Reading ==== */

struct ldif_reader {
	FILE *in;
	char *name;
	unsigned long line;      /* of the last physical line read */
	unsigned long start;     /* where the last logical line starts */
	char *next;          /* a line read ahead (a continuation test) */
	size_t next_cap;
	int have_next;
	struct ldif_entry e;
};

struct ldif_reader *ldif_reader_new(FILE *in, const char *name)
{
	struct ldif_reader *r = xcalloc(1, sizeof(*r));

	r->in = in;
	r->name = xstrdup(name);
	return r;
}

static void entry_clear(struct ldif_entry *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->attrs[i].name);
		free(e->attrs[i].value);
	}
	e->n = 0;
}

void ldif_reader_free(struct ldif_reader *r)
{
	if (!r)
		return;
	entry_clear(&r->e);
	free(r->e.attrs);
	free(r->next);
	free(r->name);
	free(r);
}

/* The next physical line without its line end, or NULL at the end. */
static char *get_line(struct ldif_reader *r)
{
	ssize_t got;

	if (r->have_next) {
		r->have_next = 0;
		return r->next;
	}
	got = getline(&r->next, &r->next_cap, r->in);
	if (got < 0)
		return NULL;
	r->line++;
	while (got && (r->next[got - 1] == '\n' || r->next[got - 1] == '\r'))
		r->next[--got] = '\0';
	return r->next;
}

/* One logical line (continuations joined) into sb; 0 at the end. */
static int logical_line(struct ldif_reader *r, struct sbuf *sb)
{
	char *l = get_line(r);

	if (!l)
		return 0;
	/* A line read ahead is always the last one read: r->line is its. */
	r->start = r->line;
	sbuf_reset(sb);
	sbuf_addstr(sb, l);
	while ((l = get_line(r))) {
		if (l[0] != ' ') {
			r->have_next = 1;
			break;
		}
		sbuf_addstr(sb, l + 1);
	}
	return 1;
}

static int add_attr(struct ldif_reader *r, const char *s, unsigned long line)
{
	struct ldif_entry *e = &r->e;
	const char *colon = strchr(s, ':');
	const char *v;
	char *value;

	if (strcmp(s, "-") == 0) {
		colon = s + 1;
		v = "";
	} else if (!colon || colon == s) {
		errorf("'%s':%lu: is not an 'attribute: value' line", r->name,
		       line);
		return -1;
	} else {
		v = colon + 1;
	}
	if (*v == ':') {
		size_t n = strspn(v + 1, " ");
		const char *b = v + 1 + n;
		size_t blen = strlen(b);
		long len;

		value = xmalloc(blen + 1);
		len = secrets_unbase64(b, blen, value, blen + 1);
		if (len < 0) {
			free(value);
			errorf("'%s':%lu: the value of '%.*s' is not base64",
			       r->name, line, (int)(colon - s), s);
			return -1;
		}
		value[len] = '\0';
		if (strlen(value) != (size_t)len) {
			free(value);
			errorf("'%s':%lu: the value of '%.*s' holds a NUL "
			       "byte", r->name, line, (int)(colon - s), s);
			return -1;
		}
	} else if (*v == '<') {
		errorf("'%s':%lu: a value by URL ('%.*s:<') is not read",
		       r->name, line, (int)(colon - s), s);
		return -1;
	} else {
		value = xstrdup(v + strspn(v, " "));
	}
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->attrs = xrealloc(e->attrs, e->cap * sizeof(*e->attrs));
	}
	e->attrs[e->n].name = xstrndup(s, (size_t)(colon - s));
	e->attrs[e->n].value = value;
	e->n++;
	return 0;
}

/* Lines that are no part of an entry: ldapsearch's own, and versions. */
static int skipped(const char *s)
{
	return s[0] == '#' || strncasecmp(s, "version:", 8) == 0 ||
	       strncasecmp(s, "search:", 7) == 0 ||
	       strncasecmp(s, "result:", 7) == 0;
}

int ldif_read(struct ldif_reader *r, struct ldif_entry **out)
{
	struct sbuf sb = SBUF_INIT;
	int rc = 0;

	entry_clear(&r->e);
	while (logical_line(r, &sb)) {
		unsigned long line = r->start;

		if (!sb.len || !sb.buf[0]) {
			if (r->e.n)
				break;
			continue;
		}
		if (skipped(sb.buf))
			continue;
		if (!r->e.n)
			r->e.line = line;
		if (add_attr(r, sb.buf, line) < 0) {
			rc = -1;
			goto out;
		}
	}
	if (r->e.n) {
		if (strcasecmp(r->e.attrs[0].name, "dn") != 0) {
			errorf("'%s':%lu: an entry starts with 'dn:', not "
			       "'%s:'", r->name, r->e.line,
			       r->e.attrs[0].name);
			rc = -1;
			goto out;
		}
		*out = &r->e;
		rc = 1;
	}
out:
	sbuf_release(&sb);
	return rc;
}

const char *ldif_get(const struct ldif_entry *e, const char *attr)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcasecmp(e->attrs[i].name, attr) == 0)
			return e->attrs[i].value;
	return NULL;
}

int ldif_detect(const char *buf, size_t len)
{
	static const char *const starts[] = { "#", "version:", "dn:" };

	for (size_t i = 0; i < ARRAY_SIZE(starts); i++) {
		size_t n = strlen(starts[i]);

		if (len >= n && strncasecmp(buf, starts[i], n) == 0)
			return 1;
	}
	return 0;
}
