/*
 * paper: templates of printed items. Each printed line is kept as its
 * parts (cut at " · "), each part a core/template parsed with the line's
 * number, so a message names the file and line, and rendering is
 * template_render() with a lookup that notes which values came out empty
 * and where the username or password went.
 */
#include "core/paper.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/template.h"
#include "core/util.h"
#include "core/words.h"

#define SEP " \xC2\xB7 "

/* The fields of a person's record a template may name. */
static const char *const fields[] = {
	"forename", "surname", "name", "username", "password", "class",
	"group", "expires", "born", "batch", "made", "site", "void", NULL
};

/* What templates/strip.txt ships, for a caller that names no file. */
static const char default_strip[] =
	"{{site}}\n"
	"{{name}}\n"
	"{{word:label.username}}  {{username}}\n"
	"{{word:label.password}}  {{password}}\n"
	"{{void}} · {{word:label.class}} {{class}} · {{born}} · "
	"{{word:label.expires}} {{expires}}\n"
	"{{batch}}, {{made}}\n";

struct line {
	struct template **parts;
	size_t nparts;
	enum paper_line kind;
	unsigned long lineno;
	int blank;                 /* nothing but spaces */
};

struct paper {
	struct line *lines;
	size_t nlines;
};

void paper_free(struct paper *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nlines; i++) {
		for (size_t j = 0; j < p->lines[i].nparts; j++)
			template_free(p->lines[i].parts[j]);
		free(p->lines[i].parts);
	}
	free(p->lines);
	free(p);
}

static int is_field(const char *name)
{
	for (const char *const *f = fields; *f; f++)
		if (!strcmp(*f, name))
			return 1;
	return 0;
}

/* Checks the names of part t of line ln; 0, or -1 after reporting. */
static int check_names(const char *path, unsigned long ln,
		       const struct template *t)
{
	size_t n;
	const char *const *names = template_names(t, &n);

	for (size_t i = 0; i < n; i++) {
		const char *nm = names[i];

		if (!strncmp(nm, "word:", 5) && words_plain(nm + 5))
			continue;
		if (is_field(nm))
			continue;
		if (!strncmp(nm, "word:", 5))
			errorf("'%s':%lu: '{{%s}}' is not a word of the message "
			       "files (label.username, label.password, "
			       "label.class, label.expires, void ...)", path,
			       ln, nm);
		else
			errorf("'%s':%lu: unknown placeholder '{{%s}}' (known: "
			       "forename, surname, name, username, password, "
			       "class, group, expires, born, batch, made, site, "
			       "void, word:KEY)", path, ln, nm);
		return -1;
	}
	return 0;
}

/* Counts a field's uses in a line. */
static size_t uses(const struct line *l, const char *name)
{
	size_t n = 0;

	for (size_t j = 0; j < l->nparts; j++)
		n += template_uses(l->parts[j], name);
	return n;
}

/* Adds line [s, eol), number ln; 0, or -1 after reporting. */
static int add_line(struct paper *p, const char *path, unsigned long ln,
		    const char *s, const char *eol)
{
	struct line *l;

	p->lines = xrealloc(p->lines, (p->nlines + 1) * sizeof(*p->lines));
	l = &p->lines[p->nlines++];
	memset(l, 0, sizeof(*l));
	l->lineno = ln;
	l->blank = strspn(s, " \t") >= (size_t)(eol - s);
	for (;;) {
		const char *sep = memmem(s, (size_t)(eol - s), SEP,
					 strlen(SEP));
		const char *end = sep ? sep : eol;

		l->parts = xrealloc(l->parts, (l->nparts + 1) *
				    sizeof(*l->parts));
		l->parts[l->nparts] = template_parse(path, ln, s,
						     (size_t)(end - s), NULL,
						     TEMPLATE_ONE_LINE);
		if (!l->parts[l->nparts] ||
		    check_names(path, ln, l->parts[l->nparts++]))
			return -1;
		if (!sep)
			break;
		s = sep + strlen(SEP);
	}
	if (uses(l, "password"))
		l->kind = PAPER_PASSWORD;
	else if (uses(l, "username"))
		l->kind = PAPER_USERNAME;
	else if (uses(l, "name") || uses(l, "forename") || uses(l, "surname"))
		l->kind = PAPER_NAME;
	else
		l->kind = PAPER_TEXT;
	return 0;
}

/* Where the username or password is: once, on its own line. */
static int check_once(const struct paper *p, const char *path,
		      const char *field)
{
	unsigned long first = 0;

	for (size_t i = 0; i < p->nlines; i++) {
		size_t n = uses(&p->lines[i], field);

		if (n && (first || n > 1)) {
			errorf("'%s':%lu: '{{%s}}' again: a template prints it "
			       "once", path, p->lines[i].lineno, field);
			return -1;
		}
		if (n)
			first = p->lines[i].lineno;
	}
	if (!first) {
		errorf("'%s': no '{{%s}}': a template must print it", path,
		       field);
		return -1;
	}
	return 0;
}

static struct paper *parse(const char *path, const char *text, size_t len)
{
	struct paper *p = xcalloc(1, sizeof(*p));
	const char *s = text, *end = text + len;
	unsigned long ln = 1;

	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	for (; s < end; ln++) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *e;

		if (!eol)
			eol = end;
		e = eol;
		if (e > s && e[-1] == '\r')
			e--;
		if (*s != '#' && add_line(p, path, ln, s, e))
			goto fail;
		s = eol + 1;
	}
	/* Blank lines at the end print nothing: they are left out. */
	while (p->nlines && p->lines[p->nlines - 1].blank) {
		struct line *l = &p->lines[--p->nlines];

		for (size_t j = 0; j < l->nparts; j++)
			template_free(l->parts[j]);
		free(l->parts);
	}
	if (check_once(p, path, "username") || check_once(p, path, "password"))
		goto fail;
	return p;
fail:
	paper_free(p);
	return NULL;
}

struct paper *paper_load(const char *path)
{
	size_t len;
	char *text = template_read_file(path, &len);
	struct paper *p;

	if (!text)
		return NULL;
	if (memchr(text, '\0', len)) {
		errorf("'%s': holds a NUL byte", path);
		free(text);
		return NULL;
	}
	p = parse(path, text, len);
	free(text);
	return p;
}

static struct paper *builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void load_default(void)
{
	builtin = parse("(built-in strip)", default_strip,
			sizeof(default_strip) - 1);
	ASSERT(builtin);
}

const struct paper *paper_default_strip(void)
{
	pthread_once(&builtin_once, load_default);
	return builtin;
}

size_t paper_lines(const struct paper *p)
{
	return p->nlines;
}

enum paper_line paper_line_kind(const struct paper *p, size_t line)
{
	return p->lines[line].kind;
}

/* The lookup of one rendering: notes what a part printed. */
struct render {
	paper_value_fn *value;
	void *ctx;
	struct sbuf *out;
	const char *field;         /* the line's username or password */
	int filled;                /* a placeholder of the part had a value */
	size_t at, len;
	int found;
};

static const char *lookup(void *arg, const char *name)
{
	struct render *r = arg;
	const char *v = r->value(r->ctx, name);

	if (v && *v)
		r->filled = 1;
	if (r->field && !strcmp(name, r->field)) {
		/* Called as the value is appended: out->len is where. */
		r->at = r->out->len;
		r->len = v ? strlen(v) : 0;
		r->found = 1;
	}
	return v;
}

int paper_render(const struct paper *p, size_t i, paper_value_fn *value,
		 void *ctx, struct sbuf *out, size_t *at, size_t *len)
{
	const struct line *l = &p->lines[i];
	struct render r = { value, ctx, out, NULL, 0, 0, 0, 0 };
	size_t start = out->len;

	if (l->kind == PAPER_PASSWORD)
		r.field = "password";
	else if (l->kind == PAPER_USERNAME)
		r.field = "username";
	*at = *len = 0;
	for (size_t j = 0; j < l->nparts; j++) {
		size_t before = out->len, names;
		int found = r.found;

		if (j && out->len > start)
			sbuf_addstr(out, SEP);
		r.filled = 0;
		if (template_render(l->parts[j], TEMPLATE_TEXT, lookup, &r,
				    out)) {
			out->len = start;
			if (out->buf)
				out->buf[start] = '\0';
			return -1;
		}
		template_names(l->parts[j], &names);
		/* A part of placeholders that all came out empty: left out. */
		if (names && !r.filled && !(r.found && !found)) {
			out->len = before;
			out->buf[before] = '\0';
		}
	}
	if (r.found) {
		*at = r.at;
		*len = r.len;
	}
	return 0;
}
