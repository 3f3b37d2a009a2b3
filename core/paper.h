/*
 * paper: what a printed item says, as a template a school edits without
 * recompiling (templates/strip.txt for a strip): one printed line per
 * line of the file, '#' lines left out, {{field}} for a field of the
 * person's record and {{word:KEY}} for a word of the site's message file
 * (core/words). The file is parsed by core/template and checked whole when
 * it is loaded, at start-up: an unknown placeholder, or a username or
 * password missing or given twice, is a configuration error naming file
 * and line, before any batch is made.
 *
 * A line is cut into parts at " · ": a part whose placeholders all come
 * out empty is left out with its separator, so "class 7A · born on the
 * 4th" loses its second part for a pupil with no date of birth.
 */
#ifndef TEMPASS_PAPER_H
#define TEMPASS_PAPER_H

#include <stddef.h>

struct sbuf;
struct paper;

/* How a line is drawn: its placeholder decides. */
enum paper_line {
	PAPER_TEXT,      /* small text */
	PAPER_NAME,      /* holds {{name}}, {{forename}} or {{surname}} */
	PAPER_USERNAME,  /* holds {{username}}: the value larger */
	PAPER_PASSWORD,  /* holds {{password}}: the value largest, monospace */
};

/*
 * Loads and checks the template at path. NULL after reporting
 * "'path':line: why". Caller frees with paper_free() (NULL-safe).
 */
struct paper *paper_load(const char *path);
/* The strip as tempass prints it without a template of the school's:
 * what templates/strip.txt ships. Never NULL; not to be freed. */
const struct paper *paper_default_strip(void);
void paper_free(struct paper *p);

size_t paper_lines(const struct paper *p);
enum paper_line paper_line_kind(const struct paper *p, size_t line);

/*
 * The value of field name ("username", "word:label.password") for the
 * person being printed: a borrowed string, "" when empty; NULL only for a
 * name paper_load() did not accept, which cannot happen.
 */
typedef const char *paper_value_fn(void *ctx, const char *name);

/*
 * Appends line i rendered to out. On a username or password line, *at and
 * *len are set to where that value is in out (else both 0), so it can be
 * drawn apart from the words around it. Returns 0, or -1 after reporting
 * a value that is not UTF-8 (out then as before).
 */
int paper_render(const struct paper *p, size_t i, paper_value_fn *value,
		 void *ctx, struct sbuf *out, size_t *at, size_t *len);

#endif
