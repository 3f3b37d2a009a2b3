/*
 * words: message files. The keys and the slots each takes are the table
 * below; English, the reference every file is checked against, is built
 * in as a message file's text and read by the same parser, so
 * templates/messages/en.txt can only differ from it in wording (its unit
 * test keeps the two alike).
 */
#include "core/words.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/template.h"
#include "core/util.h"

static const char *const no_slots[] = { NULL };
static const char *const s_day[] = { "day", NULL };
static const char *const s_date[] = { "date", NULL };
static const char *const s_version[] = { "version", NULL };
static const char *const s_made[] = { "date", "iso", "time", "zone", NULL };
static const char *const s_dmy[] = { "day", "month", "year", NULL };
static const char *const s_n[] = { "n", NULL };
static const char *const s_page[] = { "page", "pages", NULL };
static const char *const s_reason[] = { "reason", NULL };
static const char *const s_class[] = { "class", NULL };

#define MONTH(n) { "month." #n, no_slots }
#define DAY(n) { "day." #n, s_n }

static const struct key {
	const char *name;
	const char *const *slots;
} keys[] = {
	{ "label.username", no_slots }, { "label.password", no_slots },
	{ "label.class", no_slots }, { "label.expires", no_slots },
	{ "born", s_day },
	{ "batch", s_version }, { "made", s_made }, { "date", s_dmy },
	MONTH(1), MONTH(2), MONTH(3), MONTH(4), MONTH(5), MONTH(6),
	MONTH(7), MONTH(8), MONTH(9), MONTH(10), MONTH(11), MONTH(12),
	DAY(1), DAY(2), DAY(3), DAY(4), DAY(5), DAY(6), DAY(7), DAY(8),
	DAY(9), DAY(10), DAY(11), DAY(12), DAY(13), DAY(14), DAY(15),
	DAY(16), DAY(17), DAY(18), DAY(19), DAY(20), DAY(21), DAY(22),
	DAY(23), DAY(24), DAY(25), DAY(26), DAY(27), DAY(28), DAY(29),
	DAY(30), DAY(31),
	{ "page", s_page }, { "void", no_slots }, { "void.reason", s_reason },
	{ "nobody", no_slots }, { "class.continued", s_class },
	{ "class.none", no_slots }, { "class.expire", s_date },
	{ "column.forename", no_slots }, { "column.surname", no_slots },
	{ "column.username", no_slots }, { "column.password", no_slots },
	{ "column.class", no_slots }, { "column.born", no_slots },
	{ "column.handed", no_slots },
};
#define NKEYS ARRAY_SIZE(keys)

/* English: the keys' reference values. */
static const char english[] =
	"label.username = username\n"
	"label.password = password\n"
	"label.class = class\n"
	"label.expires = expires\n"
	"born = born on the {{day}}\n"
	"batch = batch v{{version}}\n"
	"made = generated {{iso}} {{time}} {{zone}}\n"
	"date = {{day}} {{month}} {{year}}\n"
	"month.1 = January\nmonth.2 = February\nmonth.3 = March\n"
	"month.4 = April\nmonth.5 = May\nmonth.6 = June\n"
	"month.7 = July\nmonth.8 = August\nmonth.9 = September\n"
	"month.10 = October\nmonth.11 = November\nmonth.12 = December\n"
	"day.1 = {{n}}st\nday.2 = {{n}}nd\nday.3 = {{n}}rd\n"
	"day.4 = {{n}}th\nday.5 = {{n}}th\nday.6 = {{n}}th\n"
	"day.7 = {{n}}th\nday.8 = {{n}}th\nday.9 = {{n}}th\n"
	"day.10 = {{n}}th\nday.11 = {{n}}th\nday.12 = {{n}}th\n"
	"day.13 = {{n}}th\nday.14 = {{n}}th\nday.15 = {{n}}th\n"
	"day.16 = {{n}}th\nday.17 = {{n}}th\nday.18 = {{n}}th\n"
	"day.19 = {{n}}th\nday.20 = {{n}}th\nday.21 = {{n}}st\n"
	"day.22 = {{n}}nd\nday.23 = {{n}}rd\nday.24 = {{n}}th\n"
	"day.25 = {{n}}th\nday.26 = {{n}}th\nday.27 = {{n}}th\n"
	"day.28 = {{n}}th\nday.29 = {{n}}th\nday.30 = {{n}}th\n"
	"day.31 = {{n}}st\n"
	"page = page {{page}} of {{pages}}\n"
	"void = VOID\n"
	"void.reason = VOID: {{reason}}\n"
	"nobody = nobody on this list\n"
	"class.continued = {{class}} (continued)\n"
	"class.none = (no group)\n"
	"class.expire = passwords expire {{date}}\n"
	"column.forename = Forename\n"
	"column.surname = Surname\n"
	"column.username = Username\n"
	"column.password = Password\n"
	"column.class = Class\n"
	"column.born = Day of birth\n"
	"column.handed = Handed out\n";

struct words {
	struct template *value[NKEYS];
	char *plain[NKEYS];        /* the value of a key without slots */
};

static long key_index(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len &&
		    !memcmp(keys[i].name, name, len))
			return (long)i;
	return -1;
}

int words_language_valid(const char *lang)
{
	size_t n = strspn(lang, "abcdefghijklmnopqrstuvwxyz");

	return !lang[n] && n >= 2 && n <= 3;
}

void words_free(struct words *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		template_free(w->value[i]);
		free(w->plain[i]);
	}
	free(w);
}

static const char *space_end(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r'))
		end--;
	return end;
}

/* One "key = value" line, [s, eol); 0, or -1 after reporting. */
static int parse_line(struct words *w, const char *path, unsigned long line,
		      const char *s, const char *eol)
{
	const char *eq, *k_end, *v;
	struct sbuf sb = SBUF_INIT;
	long k;

	while (s < eol && (*s == ' ' || *s == '\t'))
		s++;
	eol = space_end(s, eol);
	if (s == eol || *s == '#')
		return 0;
	eq = memchr(s, '=', (size_t)(eol - s));
	if (!eq) {
		errorf("'%s':%lu: not a 'key = value' line", path, line);
		return -1;
	}
	k_end = space_end(s, eq);
	k = key_index(s, (size_t)(k_end - s));
	if (k < 0) {
		errorf("'%s':%lu: unknown key '%.*s'", path, line,
		       (int)(k_end - s), s);
		return -1;
	}
	if (w->value[k]) {
		errorf("'%s':%lu: key '%s' is given twice", path, line,
		       keys[k].name);
		return -1;
	}
	v = eq + 1;
	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	w->value[k] = template_parse(path, line, v, (size_t)(eol - v),
				     keys[k].slots, TEMPLATE_ONE_LINE);
	if (!w->value[k])
		return -1;
	if (!keys[k].slots[0]) {
		template_render(w->value[k], TEMPLATE_TEXT, template_vars,
				&(struct template_var){ NULL, NULL }, &sb);
		w->plain[k] = sb.buf ? sbuf_detach(&sb) : xstrdup("");
	}
	return 0;
}

/* Parses a message file's text; NULL after reporting. */
static struct words *parse(const char *path, const char *text, size_t len)
{
	struct words *w = xcalloc(1, sizeof(*w));
	const char *s = text, *end = text + len;
	unsigned long line = 1;

	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	if (memchr(text, '\0', len) || !utf8_valid(text, len)) {
		errorf("'%s': is not UTF-8 text", path);
		goto fail;
	}
	for (; s < end; line++) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));

		if (!eol)
			eol = end;
		if (parse_line(w, path, line, s, eol))
			goto fail;
		s = eol + 1;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (!w->value[i]) {
			struct sbuf sb = SBUF_INIT;

			/* English's own text, slots and all, as a model. */
			for (const char *p = english; p; ) {
				size_t n = strlen(keys[i].name);

				if (!strncmp(p, keys[i].name, n) &&
				    p[n] == ' ') {
					p += n + 3;
					sbuf_add(&sb, p, strcspn(p, "\n"));
					break;
				}
				p = strchr(p, '\n');
				p = p ? p + 1 : NULL;
			}
			errorf("'%s': no '%s' (English: '%s')", path,
			       keys[i].name, sbuf_str(&sb));
			sbuf_release(&sb);
			goto fail;
		}
	}
	return w;
fail:
	words_free(w);
	return NULL;
}

struct words *words_load(const char *path)
{
	size_t len;
	char *text = template_read_file(path, &len);
	struct words *w;

	if (!text)
		return NULL;
	w = parse(path, text, len);
	free(text);
	return w;
}

static struct words *builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void load_english(void)
{
	builtin = parse("(built-in English)", english, sizeof(english) - 1);
	ASSERT(builtin);
}

const struct words *words_english(void)
{
	pthread_once(&builtin_once, load_english);
	return builtin;
}

int words_plain(const char *key)
{
	long k = key_index(key, strlen(key));

	return k >= 0 && !keys[k].slots[0];
}

const char *words_get(const struct words *w, const char *key)
{
	long k = key_index(key, strlen(key));

	return k >= 0 && w->plain[k] ? w->plain[k] : "";
}

/* The value of a slot in vars (name, value, ..., NULL); "" when none. */
static const char *var_lookup(void *ctx, const char *name)
{
	const char *const *v = ctx;

	for (; *v; v += 2)
		if (!strcmp(*v, name))
			return v[1] ? v[1] : "";
	return "";
}

void words_put(const struct words *w, struct sbuf *out, const char *key,
	       const char *const *vars)
{
	long k = key_index(key, strlen(key));

	ASSERT(k >= 0);
	/* Values are checked UTF-8 by their callers: it cannot fail. */
	template_render(w->value[k], TEMPLATE_TEXT, var_lookup,
			(void *)vars, out);
}

void words_date(const struct words *w, struct sbuf *out, const struct tm *tm)
{
	char day[16], month[24], year[16];

	snprintf(day, sizeof(day), "%d", tm->tm_mday);
	snprintf(month, sizeof(month), "month.%d", tm->tm_mon + 1);
	snprintf(year, sizeof(year), "%d", tm->tm_year + 1900);
	words_put(w, out, "date", (const char *const[]){
		"day", day, "month", words_get(w, month), "year", year, NULL });
}

void words_day(const struct words *w, struct sbuf *out, int day)
{
	char key[24], n[16];

	ASSERT(day >= 1 && day <= 31);
	snprintf(key, sizeof(key), "day.%d", day);
	snprintf(n, sizeof(n), "%d", day);
	words_put(w, out, key, (const char *const[]){ "n", n, NULL });
}

void words_page(const struct words *w, struct sbuf *out, size_t page,
		size_t pages)
{
	char a[24], b[24];

	snprintf(a, sizeof(a), "%zu", page);
	snprintf(b, sizeof(b), "%zu", pages);
	words_put(w, out, "page", (const char *const[]){ "page", a,
							 "pages", b, NULL });
}
