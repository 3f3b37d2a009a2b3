/*
 * template: loading, checking and rendering {{name}} templates. A loaded
 * template is its file's text cut into pieces, each either literal text
 * (pointing into the text) or a placeholder (an index into the list of
 * distinct names), so rendering is a walk over the pieces and a value is
 * copied out without ever being scanned for braces.
 */
#include "core/template.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* A template is a few kilobytes of prose; anything far larger is a mistake. */
#define TEMPLATE_MAX_BYTES (1024 * 1024)

struct piece {
	const char *text;	/* literal text, or NULL for a placeholder */
	size_t len;
	size_t name;		/* placeholder: index into names */
	unsigned long line;	/* where the placeholder is, for messages */
};

struct template {
	char *path;
	char *text;
	struct piece *pieces;
	size_t npieces, piece_cap;
	char **names;
	size_t nnames, name_cap;
};

void template_free(struct template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->pieces);
	free(t->text);
	free(t->path);
	free(t);
}

/* ==== Loading ==== */

char *template_read_file(const char *path, size_t *len)
{
	struct sbuf sb = SBUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp) {
		errorf("'%s': cannot open: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (sb.len + n > TEMPLATE_MAX_BYTES) {
			errorf("'%s': template is over %d bytes", path,
			       TEMPLATE_MAX_BYTES);
			goto fail;
		}
		sbuf_add(&sb, chunk, n);
	}
	if (ferror(fp)) {
		errorf("'%s': cannot read: %s", path, strerror(errno));
		goto fail;
	}
	fclose(fp);
	*len = sb.len;
	if (!sb.buf)
		return xstrdup("");
	return sbuf_detach(&sb);
fail:
	fclose(fp);
	sbuf_release(&sb);
	return NULL;
}

static void add_piece(struct template *t, const char *text, size_t len,
		      size_t name, unsigned long line)
{
	if (text && len == 0)
		return;
	if (t->npieces == t->piece_cap) {
		t->piece_cap = t->piece_cap ? 2 * t->piece_cap : 16;
		t->pieces = xrealloc(t->pieces,
				     t->piece_cap * sizeof(*t->pieces));
	}
	t->pieces[t->npieces++] = (struct piece){ text, len, name, line };
}

/* Index of name (n bytes) in t->names, added when new. */
static size_t name_index(struct template *t, const char *name, size_t n)
{
	for (size_t i = 0; i < t->nnames; i++)
		if (strlen(t->names[i]) == n && !memcmp(t->names[i], name, n))
			return i;
	if (t->nnames == t->name_cap) {
		t->name_cap = t->name_cap ? 2 * t->name_cap : 8;
		t->names = xrealloc(t->names, t->name_cap * sizeof(*t->names));
	}
	t->names[t->nnames] = xstrndup(name, n);
	return t->nnames++;
}

static int is_known(const char *const *known, const char *name, size_t n)
{
	if (!known)
		return 1;
	for (; *known; known++)
		if (strlen(*known) == n && !memcmp(*known, name, n))
			return 1;
	return 0;
}

/* '.' and ':' let a caller name a family of values: {{word:page}}. */
static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':';
}

/*
 * Parses the placeholder whose "{{" is at p, inside the line that ends at
 * eol. Sets *end past its "}}". 0, or -1 after reporting.
 */
static int parse_placeholder(struct template *t, const char *p,
			     const char *eol, unsigned long line,
			     const char *const *known, const char **end)
{
	const char *close = NULL, *name, *name_end;

	for (const char *q = p + 2; q + 1 < eol; q++) {
		if (q[0] == '}' && q[1] == '}') {
			close = q;
			break;
		}
	}
	if (!close) {
		errorf("'%s':%lu: '{{' without a closing '}}' on its line",
		       t->path, line);
		return -1;
	}
	name = p + 2;
	name_end = close;
	while (name < name_end && *name == ' ')
		name++;
	while (name_end > name && name_end[-1] == ' ')
		name_end--;
	for (const char *q = name; q < name_end; q++) {
		if (!is_name_char(*q)) {
			name = name_end;
			break;
		}
	}
	if (name == name_end) {
		errorf("'%s':%lu: placeholder '%.*s' is not a name (letters, "
		       "digits, '_', '.' and ':')", t->path, line,
		       (int)(close + 2 - p), p);
		return -1;
	}
	if (!is_known(known, name, (size_t)(name_end - name))) {
		struct sbuf list = SBUF_INIT;

		for (const char *const *k = known; *k; k++)
			sbuf_addf(&list, "%s%s", k == known ? "" : ", ", *k);
		errorf("'%s':%lu: unknown placeholder '{{%.*s}}' (known: %s)",
		       t->path, line, (int)(name_end - name), name,
		       sbuf_str(&list));
		sbuf_release(&list);
		return -1;
	}
	add_piece(t, NULL, 0,
		  name_index(t, name, (size_t)(name_end - name)), line);
	*end = close + 2;
	return 0;
}

/* Checks and cuts one line (without its line end) into pieces. */
static int parse_line(struct template *t, const char *s, const char *eol,
		      unsigned long line, const char *const *known)
{
	const char *lit = s, *p = s;

	if (!utf8_valid(s, (size_t)(eol - s))) {
		errorf("'%s':%lu: is not valid UTF-8", t->path, line);
		return -1;
	}
	while (p + 1 < eol) {
		if (p[0] == '{' && p[1] == '{') {
			add_piece(t, lit, (size_t)(p - lit), 0, line);
			if (parse_placeholder(t, p, eol, line, known, &p) < 0)
				return -1;
			lit = p;
		} else {
			p++;
		}
	}
	add_piece(t, lit, (size_t)(eol - lit), 0, line);
	return 0;
}

/* Parses t->text, len bytes, whose first line is line; t on success. */
static struct template *parse(struct template *t, size_t len,
			      unsigned long line, const char *const *known,
			      unsigned flags)
{
	const char *path = t->path, *s, *end;

	if (memchr(t->text, '\0', len)) {
		const char *nul = memchr(t->text, '\0', len);

		for (const char *q = t->text; q < nul; q++)
			line += *q == '\n';
		errorf("'%s':%lu: holds a NUL byte", path, line);
		goto fail;
	}
	s = t->text;
	end = t->text + len;
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	if (flags & TEMPLATE_ONE_LINE) {
		if (end > s && end[-1] == '\n')
			end--;
		if (end > s && end[-1] == '\r')
			end--;
		for (const char *q = s; q < end; q++) {
			if (*q == '\n' || *q == '\r') {
				errorf("'%s':%lu: must be one line",
				       path, line + (*q == '\n'));
				goto fail;
			}
		}
	}
	/* Line ends stay in the literal text: the pieces cover every byte. */
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *next = eol ? eol + 1 : end;

		if (!eol)
			eol = end;
		if (parse_line(t, s, eol, line, known) < 0)
			goto fail;
		add_piece(t, eol, (size_t)(next - eol), 0, line);
		s = next;
		line++;
	}
	return t;
fail:
	template_free(t);
	return NULL;
}

struct template *template_load(const char *path, const char *const *known,
			       unsigned flags)
{
	struct template *t = xcalloc(1, sizeof(*t));
	size_t len;

	t->path = xstrdup(path);
	t->text = template_read_file(path, &len);
	if (!t->text) {
		template_free(t);
		return NULL;
	}
	return parse(t, len, 1, known, flags);
}

struct template *template_parse(const char *path, unsigned long line,
				const char *text, size_t len,
				const char *const *known, unsigned flags)
{
	struct template *t = xcalloc(1, sizeof(*t));

	t->path = xstrdup(path);
	t->text = xmalloc(len + 1);
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	return parse(t, len, line, known, flags);
}

size_t template_uses(const struct template *t, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < t->npieces; i++)
		n += !t->pieces[i].text &&
		     !strcmp(t->names[t->pieces[i].name], name);
	return n;
}

const char *const *template_names(const struct template *t, size_t *n)
{
	*n = t->nnames;
	return (const char *const *)t->names;
}

/* ==== Rendering ==== */

static void add_html(struct sbuf *out, const char *v)
{
	for (; *v; v++) {
		switch (*v) {
		case '&': sbuf_addstr(out, "&amp;"); break;
		case '<': sbuf_addstr(out, "&lt;"); break;
		case '>': sbuf_addstr(out, "&gt;"); break;
		case '"': sbuf_addstr(out, "&quot;"); break;
		case '\'': sbuf_addstr(out, "&#39;"); break;
		default: sbuf_addch(out, *v); break;
		}
	}
}

int template_render(const struct template *t, enum template_escape esc,
		    template_lookup_fn *lookup, void *ctx, struct sbuf *out)
{
	size_t start = out->len;

	for (size_t i = 0; i < t->npieces; i++) {
		const struct piece *p = &t->pieces[i];
		const char *name, *v;

		if (p->text) {
			sbuf_add(out, p->text, p->len);
			continue;
		}
		name = t->names[p->name];
		v = lookup(ctx, name);
		if (!v) {
			errorf("'%s':%lu: no value for '{{%s}}'",
			       t->path, p->line, name);
			goto fail;
		}
		if (!utf8_valid(v, strlen(v))) {
			errorf("'%s':%lu: value of '{{%s}}' is not valid UTF-8",
			       t->path, p->line, name);
			goto fail;
		}
		if (esc == TEMPLATE_HTML)
			add_html(out, v);
		else
			sbuf_addstr(out, v);
	}
	return 0;
fail:
	out->len = start;
	if (out->buf)
		out->buf[start] = '\0';
	return -1;
}

const char *template_vars(void *ctx, const char *name)
{
	const struct template_var *v = ctx;

	for (; v->name; v++)
		if (!strcmp(v->name, name))
			return v->value;
	return NULL;
}
