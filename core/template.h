/*
 * template: text with {{name}} placeholders, kept in files under templates/
 * so a school can reword its emails without recompiling. A template is
 * parsed once, when it is loaded, against the list of names its caller can
 * fill: a misspelt placeholder is an error naming the file and line before
 * anything is sent, not a blank in the hundredth email.
 *
 * Rendering walks the parsed pieces and never looks at a value again, so a
 * value that holds "{{username}}" comes out as exactly that text: there is
 * no way for data to reach the template language.
 */
#ifndef TEMPASS_TEMPLATE_H
#define TEMPASS_TEMPLATE_H

#include <stddef.h>

struct sbuf;
struct template;

/* The file must be one line (a final line end is dropped): a subject. */
#define TEMPLATE_ONE_LINE 1u

/*
 * Loads and parses the template file at path. A placeholder is "{{name}}"
 * on one line (spaces inside the braces allowed), name being letters,
 * digits, '_', '.' and ':'; every "{{" starts one. known is the NULL-terminated list
 * of names the caller will fill; a placeholder not in it is an error, as is
 * a malformed one, a file that is not UTF-8 or holds a NUL byte, and (with
 * TEMPLATE_ONE_LINE) a second line. known NULL accepts any well-formed
 * name. A leading UTF-8 byte order mark is dropped.
 *
 * Returns the template, or NULL after reporting "'path':line: why". The
 * caller frees it with template_free() (NULL-safe). path and known are not
 * kept.
 */
struct template *template_load(const char *path, const char *const *known,
			       unsigned flags);
void template_free(struct template *t);

/*
 * The whole file at path, NUL-terminated, its length in *len; NULL after
 * reporting "'path': cannot open: why" or a file over 1 MiB. Caller frees.
 */
char *template_read_file(const char *path, size_t *len);

/*
 * template_load() of len bytes at text (which need not end in a NUL), as
 * if read from path starting at line: for a template that is part of a
 * larger file, one line of a message file or of a strip template. text is
 * copied.
 */
struct template *template_parse(const char *path, unsigned long line,
				const char *text, size_t len,
				const char *const *known, unsigned flags);

/* How many times placeholder name appears in t. */
size_t template_uses(const struct template *t, const char *name);

/*
 * The distinct placeholder names of t in order of first use, *n set to how
 * many. Owned by t.
 */
const char *const *template_names(const struct template *t, size_t *n);

enum template_escape {
	TEMPLATE_TEXT,	/* values as they are */
	TEMPLATE_HTML,	/* & < > " ' in values as entities */
};

/*
 * Returns the value of placeholder name, or NULL when there is none. The
 * string is borrowed: it must live until template_render() returns.
 */
typedef const char *template_lookup_fn(void *ctx, const char *name);

/*
 * Appends t to out with each placeholder replaced by lookup(ctx, name),
 * called for each placeholder in the order of the text, as its value is
 * appended (so out->len, when it is called, is where the value goes),
 * escaped as esc says; the template's own text is never escaped. Returns 0,
 * or -1 after reporting "'path':line: ..." when a value is missing or not
 * valid UTF-8; out is then as it was before the call.
 */
int template_render(const struct template *t, enum template_escape esc,
		    template_lookup_fn *lookup, void *ctx, struct sbuf *out);

/* A name and its value, for template_vars(). */
struct template_var {
	const char *name;
	const char *value;
};

/*
 * A template_lookup_fn over ctx, an array of struct template_var ended by
 * one whose name is NULL.
 */
const char *template_vars(void *ctx, const char *name);

#endif
