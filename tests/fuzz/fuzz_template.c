/*
 * fuzz_template: core/template, loading and rendering {{name}} templates
 * from arbitrary bytes. The first byte picks the flags (one line or not),
 * whether the known names are given, the escaping and whether unknown
 * names get a value; the rest is the template file. A template that loads
 * is rendered and held to what template.h promises: names are well formed
 * and known, a failed render leaves the buffer as it was, rendering is
 * repeatable, a template without placeholders renders as its own text, and
 * a one-line template renders as one line.
 */
#include "tests/fuzz/fuzz.h"

#include "core/template.h"
#include "core/util.h"

static const char *const known[] = {
	"forename", "surname", "username", "site", "reset_link", "expires",
	"missing", "bad", NULL,
};

/* Values with what a template must never read: braces, markup, quotes. */
static const struct template_var vars[] = {
	{ "forename", "Zoë" },
	{ "surname", "O'Brien <b>&amp;</b> \"Ó Súilleabháin\"" },
	{ "username", "{{username}}" },
	{ "site", "" },
	{ "reset_link", "https://example.org/reset?t=a1b2&u={{site}}" },
	{ "expires", "2026-10-01" },
	{ "bad", "caf\xE9" },
	{ NULL, NULL },
};

static const char *lookup(void *ctx, const char *name)
{
	const char *v = template_vars((void *)vars, name);

	if (!v && strcmp(name, "missing") != 0 && *(const uint8_t *)ctx & 8)
		return name;
	return v;
}

static int is_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int is_known(const char *name)
{
	for (const char *const *k = known; *k; k++)
		if (!strcmp(*k, name))
			return 1;
	return 0;
}

/* The text a template without placeholders must render as. */
static void own_text(const uint8_t *d, size_t n, unsigned flags,
		     const char **s, size_t *len)
{
	if (n >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3)) {
		d += 3;
		n -= 3;
	}
	if (flags & TEMPLATE_ONE_LINE) {
		if (n && d[n - 1] == '\n')
			n--;
		if (n && d[n - 1] == '\r')
			n--;
	}
	*s = (const char *)d;
	*len = n;
}

static void check(const struct template *t, uint8_t o, const uint8_t *data,
		  size_t size, unsigned flags)
{
	enum template_escape esc = o & 4 ? TEMPLATE_HTML : TEMPLATE_TEXT;
	struct sbuf a = SBUF_INIT, b = SBUF_INIT;
	const char *const *names;
	size_t n;
	int rc;

	names = template_names(t, &n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(is_name(names[i]));
		FUZZ_CHECK(!(o & 2) || is_known(names[i]));
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(names[i], names[j]) != 0);
	}

	sbuf_addstr(&a, "prefix");
	sbuf_addstr(&b, "prefix");
	rc = template_render(t, esc, lookup, &o, &a);
	FUZZ_CHECK(template_render(t, esc, lookup, &o, &b) == rc);
	FUZZ_CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
	FUZZ_CHECK(a.len >= 6 && !memcmp(a.buf, "prefix", 6));
	FUZZ_CHECK(a.buf[a.len] == '\0');
	if (rc < 0) {
		FUZZ_CHECK(a.len == 6);
	} else {
		FUZZ_CHECK(utf8_valid(a.buf, a.len));
		if (flags & TEMPLATE_ONE_LINE)
			FUZZ_CHECK(!memchr(a.buf, '\n', a.len) &&
				   !memchr(a.buf, '\r', a.len));
	}
	if (n == 0) {
		const char *s;
		size_t len;

		own_text(data, size, flags, &s, &len);
		FUZZ_CHECK(rc == 0 && a.len == 6 + len &&
			   !memcmp(a.buf + 6, s, len));
	}
	sbuf_release(&a);
	sbuf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template *t;
	unsigned flags;
	uint8_t o;

	if (size < 1)
		return 0;
	o = data[0];
	data++;
	size--;
	flags = o & 1 ? TEMPLATE_ONE_LINE : 0;
	t = template_load(fuzz_file(data, size, ".txt"),
			  o & 2 ? known : NULL, flags);
	if (t)
		check(t, o, data, size, flags);
	template_free(t);
	return 0;
}
