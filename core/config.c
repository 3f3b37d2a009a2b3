/*
 * config: reads pipeline.conf with libinih and checks every value before any
 * stage runs. libinih calls one handler per key; a reader wrapper counts
 * physical lines so each problem names its line, and all problems are
 * reported before the load fails, so an administrator fixes them in one go.
 */
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paper.h"
#include "core/store.h"
#include "core/template.h"
#include "core/util.h"
#include "core/words.h"
#include "core/workers.h"

struct loader {
	struct config *c;
	FILE *fp;
	unsigned long line;
	int errors;
	int long_line;
	int have_default;    /* a [site] section was seen */
	int have_login_url;  /* [output] login_url was given, good or not */
};

enum { SEC_NONE, SEC_TEMPASS, SEC_SITE, SEC_STORE, SEC_IMPORT, SEC_ROSTER,
       SEC_POLICY, SEC_OUTPUT, SEC_RUN, SEC_EMAIL, SEC_LDAP, SEC_DIRECTORY,
       SEC_UNKNOWN };

static void bad(struct loader *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad(struct loader *l, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	errorf("'%s':%lu: %s", l->c->path, l->line, sbuf_str(&sb));
	sbuf_release(&sb);
	l->errors++;
}

/* ==== Values ==== */

int config_bool(const char *s)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int config_grid(const char *s, int *cols, int *rows)
{
	long c, r;
	const char *x = strchr(s, 'x');
	char *cs;

	if (!x || x == s)
		return -1;
	cs = xstrndup(s, (size_t)(x - s));
	if (parse_long(cs, 1, 1000, &c) < 0 || parse_long(x + 1, 1, 1000,
							  &r) < 0) {
		free(cs);
		return -1;
	}
	free(cs);
	*cols = (int)c;
	*rows = (int)r;
	return 0;
}

/* Splits "a, b ,c" on commas into trimmed, non-empty, owned strings. */
static void split_list(const char *s, char ***out, size_t *n)
{
	const char *p = s;

	for (size_t i = 0; i < *n; i++)
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		const char *end = e ? e : p + strlen(p);
		const char *a = p, *b = end;

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = xstrndup(a, (size_t)(b - a));
		}
		if (!e)
			break;
		p = e + 1;
	}
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

char *config_path(const struct config *c, const char *path)
{
	if (path[0] == '/' || !c->dir || !c->dir[0])
		return xstrdup(path);
	return xasprintf("%s/%s", c->dir, path);
}

static void set_path(struct loader *l, char **dst, const char *v)
{
	free(*dst);
	*dst = config_path(l->c, v);
}

/* ==== Installed data ==== */

#ifndef TEMPASS_DATADIR
#define TEMPASS_DATADIR "/usr/local/share/tempass"
#endif
#ifndef TEMPASS_SYSCONFDIR
#define TEMPASS_SYSCONFDIR "/usr/local/etc"
#endif

/*
 * The installed data folder: ../share/tempass beside the running binary
 * (so a tree installed under DESTDIR, or moved whole, finds its own), else
 * the one compiled in; NULL when neither holds rel. Caller frees.
 */
static char *installed(const char *rel)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		p = xasprintf("%s/../share/tempass/%s", exe, rel);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	p = xasprintf("%s/%s", TEMPASS_DATADIR, rel);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/*
 * The word lists and templates: a relative path is looked for beside the
 * configuration first, then in the installed data folder, so a school's
 * pipeline.conf needs neither a copy of them nor their installed path.
 * When neither has it, the path beside the configuration is the one an
 * error names.
 */
static char *data_path(const struct config *c, const char *path)
{
	char *p = config_path(c, path), *inst;

	if (path[0] == '/' || access(p, F_OK) == 0 || !(inst = installed(path)))
		return p;
	free(p);
	return inst;
}

static void set_data_path(struct loader *l, char **dst, const char *v)
{
	free(*dst);
	*dst = data_path(l->c, v);
}

const char *config_default_path(void)
{
	static const char sys[] = TEMPASS_SYSCONFDIR "/tempass/pipeline.conf";

	if (access("pipeline.conf", F_OK) != 0 && access(sys, F_OK) == 0)
		return sys;
	return "pipeline.conf";
}

/* ==== Sections ==== */

static struct site_conf *add_site(struct config *c, const char *code)
{
	for (size_t i = 0; i < c->nsites; i++)
		if (c->sites[i].code && strcmp(c->sites[i].code, code) == 0)
			return &c->sites[i];
	c->sites = xrealloc(c->sites, (c->nsites + 1) * sizeof(*c->sites));
	c->sites[c->nsites].code = xstrdup(code);
	c->sites[c->nsites].name = NULL;
	c->sites[c->nsites].timezone = NULL;
	c->sites[c->nsites].language = NULL;
	c->sites[c->nsites].words = NULL;
	return &c->sites[c->nsites++];
}

static struct roster_conf *find_roster(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nrosters; i++)
		if (strcmp(c->rosters[i].name, name) == 0)
			return &c->rosters[i];
	return NULL;
}

static struct roster_conf *add_roster(struct config *c, const char *name)
{
	struct roster_conf *r = find_roster(c, name);

	if (r)
		return r;
	c->rosters = xrealloc(c->rosters,
			      (c->nrosters + 1) * sizeof(*c->rosters));
	r = &c->rosters[c->nrosters++];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->encoding = xstrdup("utf-8");
	r->date_format = xstrdup("dd/mm/yyyy");
	r->username_pattern = xstrdup("{initial}{surname}");
	r->leaver_threshold = 0.10;
	return r;
}

static struct policy *add_policy(struct config *c, const char *type)
{
	for (size_t i = 0; i < c->npolicies; i++)
		if (strcmp(c->policies[i].user_type, type) == 0)
			return &c->policies[i];
	c->policies = xrealloc(c->policies,
			       (c->npolicies + 1) * sizeof(*c->policies));
	policy_init(&c->policies[c->npolicies], type);
	return &c->policies[c->npolicies++];
}

/* "roster students" -> kind SEC_ROSTER, *arg = "students". */
static int section_kind(const char *section, const char **arg)
{
	static const struct {
		const char *word;
		int kind;
		int takes_arg;   /* 0 no, 1 required, 2 optional */
	} kinds[] = {
		{ "tempass", SEC_TEMPASS, 0 },
		{ "site", SEC_SITE, 2 },     { "store", SEC_STORE, 0 },
		{ "import", SEC_IMPORT, 0 }, { "roster", SEC_ROSTER, 1 },
		{ "policy", SEC_POLICY, 1 }, { "output", SEC_OUTPUT, 0 },
		{ "run", SEC_RUN, 0 },       { "email", SEC_EMAIL, 0 },
		{ "ldap", SEC_LDAP, 0 },
		{ "ad", SEC_DIRECTORY, 0 },  { "google", SEC_DIRECTORY, 0 },
		{ "entra", SEC_DIRECTORY, 0 }, { "claim", SEC_DIRECTORY, 0 },
	};
	size_t wl = strcspn(section, " \t");
	const char *rest = section + wl;

	while (*rest == ' ' || *rest == '\t')
		rest++;
	*arg = rest;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strlen(kinds[i].word) != wl ||
		    strncmp(section, kinds[i].word, wl) != 0)
			continue;
		if (kinds[i].takes_arg == 0 && *rest)
			return SEC_UNKNOWN;
		if (kinds[i].takes_arg == 1 && !*rest)
			return SEC_UNKNOWN;
		return kinds[i].kind;
	}
	return SEC_UNKNOWN;
}

static void handle_tempass(struct loader *l, const char *key,
			   const char *v)
{
	long n;

	if (strcmp(key, "jobs") != 0)
		bad(l, "[tempass]: unknown key '%s'", key);
	else if (parse_long(v, 1, WORKERS_MAX, &n) < 0)
		bad(l, "jobs: '%s' is not a number from 1 to %d", v,
		    WORKERS_MAX);
	else
		l->c->jobs = n;
}

static const char *zoneinfo_dir(void)
{
	const char *d = getenv("TZDIR");

	return d && *d ? d : "/usr/share/zoneinfo";
}

/*
 * A name of the time zone database ("Europe/London"): a compiled zone file
 * under zoneinfo_dir(), the one place the C library reads it from. A name
 * libc does not find would silently mean UTC, so it is refused here.
 */
static int valid_zone(const char *name)
{
	char magic[4];
	char *path;
	FILE *fp;
	int ok;

	if (!*name || name[0] == '/' || strstr(name, "..") ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789/_+-") != strlen(name))
		return 0;
	path = xasprintf("%s/%s", zoneinfo_dir(), name);
	fp = fopen(path, "rb");
	free(path);
	if (!fp)
		return 0;
	ok = fread(magic, 1, 4, fp) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(fp);
	return ok;
}

static void handle_site(struct loader *l, const char *arg, const char *key,
			const char *v)
{
	struct site_conf *s;

	if (!*arg) {
		/* [site] is the default site: it must be sites[0], even
		 * when a [site CODE] section came first. */
		if (!l->have_default) {
			struct config *c = l->c;

			c->sites = xrealloc(c->sites, (c->nsites + 1) *
					    sizeof(*c->sites));
			memmove(c->sites + 1, c->sites,
				c->nsites * sizeof(*c->sites));
			c->sites[0].code = NULL;
			c->sites[0].name = NULL;
			c->sites[0].timezone = NULL;
			c->sites[0].language = NULL;
			c->sites[0].words = NULL;
			c->nsites++;
			l->have_default = 1;
		}
		s = &l->c->sites[0];
		if (strcmp(key, "code") == 0) {
			set_str(&s->code, v);
			return;
		}
	} else {
		s = add_site(l->c, arg);
	}
	if (strcmp(key, "name") == 0)
		set_str(&s->name, v);
	else if (strcmp(key, "timezone") == 0 && !valid_zone(v))
		bad(l, "timezone: '%s' is not a time zone of %s (e.g. "
		    "Europe/London, UTC)", v, zoneinfo_dir());
	else if (strcmp(key, "timezone") == 0)
		set_str(&s->timezone, v);
	else if (strcmp(key, "language") == 0 && !words_language_valid(v))
		bad(l, "language: '%s' is not a language code (en, cy ...)",
		    v);
	else if (strcmp(key, "language") == 0)
		set_str(&s->language, v);
	else
		bad(l, "[site]: unknown key '%s'", key);
}

/*
 * argon2_ops and argon2_mem_kib, the cost of an Argon2id hash, in [store]
 * and [ldap] alike: 1 when key is one of them (set, or reported), else 0.
 */
static int set_argon2(struct loader *l, const char *key, const char *v,
		      unsigned long long *ops, size_t *kib)
{
	long n;

	if (strcmp(key, "argon2_ops") == 0) {
		if (parse_long(v, 1, 100, &n) < 0)
			bad(l, "argon2_ops: '%s' is not a number from 1 to 100",
			    v);
		else
			*ops = (unsigned long long)n;
	} else if (strcmp(key, "argon2_mem_kib") == 0) {
		if (parse_long(v, 8, 4 * 1024 * 1024, &n) < 0)
			bad(l, "argon2_mem_kib: '%s' is not a number from 8 "
			    "to 4194304", v);
		else
			*kib = (size_t)n;
	} else {
		return 0;
	}
	return 1;
}

static void handle_store(struct loader *l, const char *key, const char *v)
{
	struct config *c = l->c;

	if (strcmp(key, "database") == 0) {
		/* A PostgreSQL connection string is no path. */
		if (store_is_server(v)) {
			free(c->database);
			c->database = xstrdup(v);
		} else {
			set_path(l, &c->database, v);
		}
	} else if (strcmp(key, "key_file") == 0) {
		set_path(l, &c->key_file, v);
	} else if (strcmp(key, "reveal") == 0) {
		if ((c->reveal = config_bool(v)) < 0)
			bad(l, "reveal: '%s' is not yes or no", v);
	} else if (!set_argon2(l, key, v, &c->argon2_ops,
			       &c->argon2_mem_kib)) {
		bad(l, "[store]: unknown key '%s'", key);
	}
}

static void handle_import(struct loader *l, const char *key, const char *v)
{
	struct config *c = l->c;
	long n;

	if (strcmp(key, "max_field") == 0) {
		if (parse_long(v, 16, 16 * 1024 * 1024, &n) < 0)
			bad(l, "max_field: '%s' is not a number from 16 to "
			    "16777216", v);
		else
			c->max_field = (size_t)n;
	} else if (strcmp(key, "rejects_dir") == 0) {
		set_path(l, &c->rejects_dir, v);
	} else if (strcmp(key, "words") == 0) {
		set_data_path(l, &c->words_file, v);
	} else if (strcmp(key, "denylist") == 0) {
		set_data_path(l, &c->denylist_file, v);
	} else {
		bad(l, "[import]: unknown key '%s'", key);
	}
}

static int valid_date_format(const char *f)
{
	int d = 0, m = 0, y = 0;

	while (*f) {
		if (strncmp(f, "yyyy", 4) == 0)
			y++, f += 4;
		else if (strncmp(f, "dd", 2) == 0 || strncmp(f, "mm", 2) == 0)
			(*f == 'd' ? d++ : m++), f += 2;
		else if (*f == '/' || *f == '-' || *f == '.')
			f++;
		else
			return 0;
	}
	return d == 1 && m == 1 && y == 1;
}

static void handle_roster(struct loader *l, const char *name,
			  const char *key, const char *v)
{
	struct roster_conf *r = add_roster(l->c, name);
	static const struct {
		const char *key;
		size_t off;
	} cols[] = {
		{ "external_id", offsetof(struct roster_conf, external_id) },
		{ "forename", offsetof(struct roster_conf, forename) },
		{ "surname", offsetof(struct roster_conf, surname) },
		{ "date_of_birth", offsetof(struct roster_conf, date_of_birth) },
		{ "email", offsetof(struct roster_conf, email) },
		{ "email_verified",
		  offsetof(struct roster_conf, email_verified) },
		{ "username", offsetof(struct roster_conf, username) },
		{ "user_type", offsetof(struct roster_conf, user_type) },
		{ "user_type_column",
		  offsetof(struct roster_conf, user_type_column) },
		{ "username_pattern",
		  offsetof(struct roster_conf, username_pattern) },
		{ "class", offsetof(struct roster_conf, class_column) },
	};
	long n;

	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		if (strcmp(key, cols[i].key) == 0) {
			set_str((char **)((char *)r + cols[i].off), v);
			return;
		}
	}
	if (strcmp(key, "file") == 0) {
		set_path(l, &r->file, v);
	} else if (strcmp(key, "groups") == 0) {
		split_list(v, &r->groups, &r->ngroups);
	} else if (strcmp(key, "encoding") == 0) {
		if (strcasecmp(v, "utf-8") && strcasecmp(v, "utf8") &&
		    strcasecmp(v, "windows-1252") && strcasecmp(v, "cp1252"))
			bad(l, "encoding: '%s' is not utf-8 or windows-1252",
			    v);
		else
			set_str(&r->encoding, strncasecmp(v, "utf", 3) == 0 ?
					      "utf-8" : "windows-1252");
	} else if (strcmp(key, "date_format") == 0) {
		if (!valid_date_format(v))
			bad(l, "date_format: '%s' is not made of dd, mm, "
			    "yyyy and / - . (e.g. dd/mm/yyyy)", v);
		else
			set_str(&r->date_format, v);
	} else if (strcmp(key, "leaver_threshold") == 0) {
		/* A percentage: "10" or "10%". */
		char *tmp = xstrdup(v);
		size_t len = strlen(tmp);

		if (len && tmp[len - 1] == '%')
			tmp[len - 1] = '\0';
		if (parse_long(tmp, 0, 100, &n) < 0)
			bad(l, "leaver_threshold: '%s' is not a percentage "
			    "from 0 to 100", v);
		else
			r->leaver_threshold = (double)n / 100.0;
		free(tmp);
	} else {
		bad(l, "[roster %s]: unknown key '%s'", name, key);
	}
}

static void handle_run(struct loader *l, const char *key, const char *v)
{
	struct config *c = l->c;

	if (strcmp(key, "roster") == 0)
		set_str(&c->run_roster, v);
	else if (strcmp(key, "groups") == 0)
		split_list(v, &c->run_groups, &c->nrun_groups);
	else if (strcmp(key, "admin") == 0)
		set_str(&c->run_admin, v);
	else if (strcmp(key, "password_file") == 0)
		set_path(l, &c->run_password_file, v);
	else if (strcmp(key, "outputs") == 0)
		split_list(v, &c->run_outputs, &c->nrun_outputs);
	else
		bad(l, "[run]: unknown key '%s'", key);
}

/*
 * The columns of the record stream regenerate, reset and run write: what
 * [output] xlsx_columns may name. The default is what a teacher uses;
 * the title row of each sheet carries the site, batch and time.
 */
static const char *const stream_columns[] = {
	"username", "forename", "surname", "external_id", "user_type",
	"group", "born_day", "email", "email_verified", "claimed", "class",
	"site", "batch", "version", "generated_at", "expires", "password",
};
#define XLSX_COLUMNS "forename, surname, username, password, class, " \
		     "born_day, expires"

/* xlsx_columns: names of the stream, or "*" for every column. */
static void set_xlsx_columns(struct loader *l, const char *v)
{
	struct config *c = l->c;

	split_list(v, &c->xlsx_columns, &c->nxlsx_columns);
	c->xlsx_all = c->nxlsx_columns == 1 &&
		      strcmp(c->xlsx_columns[0], "*") == 0;
	if (c->xlsx_all)
		return;
	if (c->nxlsx_columns == 0)
		bad(l, "xlsx_columns: no column named");
	for (size_t i = 0; i < c->nxlsx_columns; i++) {
		size_t k = 0;

		while (k < ARRAY_SIZE(stream_columns) &&
		       strcmp(stream_columns[k], c->xlsx_columns[i]) != 0)
			k++;
		if (k == ARRAY_SIZE(stream_columns))
			bad(l, "xlsx_columns: '%s' is not a column of the "
			    "records (%s, ...; or * for all)",
			    c->xlsx_columns[i], XLSX_COLUMNS);
	}
}

/*
 * login_url: an http(s) address whose placeholders are only what a
 * printed code may show to anyone who photographs it; the password is no
 * placeholder, so it can never be put in the address.
 */
static void set_login_url(struct loader *l, const char *v)
{
	static const char *const known[] = { "username", "site", NULL };
	struct config *c = l->c;
	struct template *t;

	l->have_login_url = 1;
	if (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)) {
		bad(l, "login_url: '%s' is not an http:// or https:// "
		    "address", v);
		return;
	}
	t = template_parse(c->path, l->line, v, strlen(v), known,
			   TEMPLATE_ONE_LINE);
	if (!t) {
		l->errors++;
		return;
	}
	template_free(c->login_url);
	c->login_url = t;
}

/*
 * The letter's template, read and checked now, before any batch: the one
 * [output] letter_template names, else templates/letter.txt when there is
 * one (a letter is then refused, not printed without its words). Each line
 * is a template of its own, so a message names its line; its placeholders
 * are those of a strip but the password, which the letter prints once, in
 * its own box.
 */
static void load_letter(struct loader *l)
{
	static const char *const fields[] = { "forename", "surname", "name",
		"username", "class", "group", "expires", "born", "batch",
		"made", "site", "void" };
	struct config *c = l->c;
	const char *s, *end;
	unsigned long ln = 1;
	char *text;
	size_t len;

	if (!c->letter_template) {
		c->letter_template = data_path(c, "templates/letter.txt");
		if (access(c->letter_template, R_OK) != 0) {
			free(c->letter_template);
			c->letter_template = NULL;
			return;
		}
	}
	if (!(text = template_read_file(c->letter_template, &len))) {
		l->errors++;
		return;
	}
	c->letter = xcalloc(1, sizeof(*c->letter));
	s = text;
	end = text + len;
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	for (; s < end; ln++) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *next = eol ? eol + 1 : end, *const *names;
		size_t n, k;
		struct template *t;

		if (!eol)
			eol = end;
		if (eol > s && eol[-1] == '\r')
			eol--;
		t = template_parse(c->letter_template, ln, s,
				   (size_t)(eol - s), NULL, TEMPLATE_ONE_LINE);
		if (!t) {
			l->errors++;
			break;
		}
		c->letter = xrealloc(c->letter, (c->nletter + 1) *
				     sizeof(*c->letter));
		c->letter[c->nletter++] = t;
		names = template_names(t, &n);
		for (size_t i = 0; i < n; i++) {
			for (k = 0; k < ARRAY_SIZE(fields) &&
			     strcmp(fields[k], names[i]); k++)
				;
			if (k < ARRAY_SIZE(fields) ||
			    (!strncmp(names[i], "word:", 5) &&
			     words_plain(names[i] + 5)))
				continue;
			errorf("'%s':%lu: unknown placeholder '{{%s}}' (known: "
			       "forename, surname, name, username, class, "
			       "group, expires, born, batch, made, site, void, "
			       "word:KEY; the password is printed in its own "
			       "box)", c->letter_template, ln, names[i]);
			l->errors++;
			break;
		}
		s = next;
	}
	free(text);
}

static void free_list(char **v, size_t n);

/* sort: columns of the records, checked here, not found missing later. */
static void set_sort(struct loader *l, const char *v)
{
	char **names = NULL;
	size_t n = 0;

	set_str(&l->c->sort, v);
	split_list(v, &names, &n);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		const char *near;

		while (k < ARRAY_SIZE(stream_columns) &&
		       strcmp(stream_columns[k], names[i]) != 0)
			k++;
		if (k < ARRAY_SIZE(stream_columns))
			continue;
		near = nearest_name(names[i], stream_columns,
				    ARRAY_SIZE(stream_columns));
		if (near)
			bad(l, "sort: '%s' is not a column of the records "
			    "(did you mean '%s'?)", names[i], near);
		else
			bad(l, "sort: '%s' is not a column of the records "
			    "(group, surname, forename, ...)", names[i]);
	}
	free_list(names, n);
}

static void handle_output(struct loader *l, const char *key, const char *v)
{
	struct config *c = l->c;
	long n;

	if (strcmp(key, "out_dir") == 0) {
		set_path(l, &c->out_dir, v);
	} else if (strcmp(key, "pdf_fonts") == 0) {
		split_list(v, &c->pdf_fonts, &c->npdf_fonts);
		for (size_t i = 0; i < c->npdf_fonts; i++) {
			char *abs = config_path(c, c->pdf_fonts[i]);

			free(c->pdf_fonts[i]);
			c->pdf_fonts[i] = abs;
		}
	} else if (strcmp(key, "strip_template") == 0) {
		set_data_path(l, &c->strip_template, v);
	} else if (strcmp(key, "messages") == 0) {
		set_data_path(l, &c->messages_dir, v);
	} else if (strcmp(key, "pdf_mono_font") == 0) {
		set_path(l, &c->pdf_mono_font, v);
	} else if (strcmp(key, "paper") == 0) {
		if (strcasecmp(v, "a4") && strcasecmp(v, "letter"))
			bad(l, "paper: '%s' is not a4 or letter", v);
		else
			set_str(&c->paper, strcasecmp(v, "a4") ? "letter" :
							       "a4");
	} else if (strcmp(key, "strips") == 0) {
		/* Whether the passwords stay legible depends on the paper,
		 * the template and the policies: checked with them, in
		 * ctx_config(). */
		if (config_grid(v, &c->strip_cols, &c->strip_rows) < 0)
			bad(l, "strips: '%s' is not COLUMNSxROWS (e.g. 3x8)",
			    v);
	} else if (strcmp(key, "strips_per_page") == 0) {
		/* The one column of strips before the grid, read as such. */
		if (parse_long(v, 1, INT_MAX, &n) < 0) {
			bad(l, "strips_per_page: '%s' is not a number of "
			    "strips (1 or more)", v);
		} else {
			warnf("'%s':%lu: strips_per_page is deprecated: read "
			      "as strips = 1x%ld", c->path, l->line, n);
			c->strip_cols = 1;
			c->strip_rows = n > INT_MAX - 1 ? INT_MAX - 1 : (int)n;
		}
	} else if (strcmp(key, "qr") == 0) {
		if (strcmp(v, "none") && strcmp(v, "username") &&
		    strcmp(v, "login") && strcmp(v, "url"))
			bad(l, "qr: '%s' is not none, username, login or url",
			    v);
		else
			set_str(&c->qr, v);
	} else if (strcmp(key, "login_url") == 0) {
		set_login_url(l, v);
	} else if (strcmp(key, "letter_template") == 0) {
		free(c->letter_template);
		c->letter_template = data_path(c, v);
	} else if (strcmp(key, "logo") == 0) {
		/* Its kind is the PDF writer's to check: ctx_config(). */
		set_path(l, &c->logo, v);
	} else if (strcmp(key, "sort") == 0) {
		set_sort(l, v);
	} else if (strcmp(key, "xlsx_columns") == 0) {
		set_xlsx_columns(l, v);
	} else {
		bad(l, "[output]: unknown key '%s'", key);
	}
}

static void handle_email(struct loader *l, const char *key, const char *v)
{
	struct config *c = l->c;
	long n;
	int b;

	if (strcmp(key, "queue_dir") == 0) {
		set_path(l, &c->queue_dir, v);
	} else if (strcmp(key, "smtp_url") == 0) {
		if (strncmp(v, "smtp://", 7) && strncmp(v, "smtps://", 8))
			bad(l, "smtp_url: '%s' is not smtp://HOST[:PORT] or "
			    "smtps://HOST[:PORT]", v);
		else
			set_str(&c->smtp_url, v);
	} else if (strcmp(key, "smtp_credentials") == 0) {
		set_path(l, &c->smtp_credentials, v);
	} else if (strcmp(key, "starttls") == 0) {
		if ((b = config_bool(v)) < 0)
			bad(l, "starttls: '%s' is not yes or no", v);
		else
			c->smtp_starttls = b;
	} else if (strcmp(key, "from") == 0) {
		set_str(&c->mail_from, v);
	} else if (strcmp(key, "from_name") == 0) {
		set_str(&c->mail_from_name, v);
	} else if (strcmp(key, "reset_url") == 0) {
		if (!strstr(v, "{{token}}"))
			bad(l, "reset_url: '%s' has no {{token}} placeholder",
			    v);
		else
			set_str(&c->reset_url, v);
	} else if (strcmp(key, "token_hours") == 0) {
		if (parse_long(v, 1, 24 * 30, &n) < 0)
			bad(l, "token_hours: '%s' is not a number from 1 to "
			    "720", v);
		else
			c->token_hours = (int)n;
	} else if (strcmp(key, "templates") == 0) {
		set_data_path(l, &c->templates_dir, v);
	} else if (strcmp(key, "message_id_domain") == 0) {
		set_str(&c->message_id_domain, v);
	} else if (strcmp(key, "delivery") == 0) {
		if (strcmp(v, "print") && strcmp(v, "email") &&
		    strcmp(v, "email-else-print"))
			bad(l, "delivery: '%s' is not print, email or "
			    "email-else-print", v);
		else
			set_str(&c->delivery, v);
	} else {
		bad(l, "[email]: unknown key '%s'", key);
	}
}

/* [ldap] marker, [ad] marker: an LDAP attribute name ("employeeNumber"). */
static void set_marker(struct loader *l, char **dst, const char *v)
{
	if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(v))
		bad(l, "marker: '%s' is not an attribute name", v);
	else
		set_str(dst, v);
}

/*
 * [ldap]: what emit ldif writes. dn is a template over the columns of the
 * record stream, checked here so that a misspelt name stops the start,
 * not the hundredth record.
 */
static void handle_ldap(struct loader *l, const char *key, const char *v)
{
	struct config *c = l->c;

	if (strcmp(key, "dn") == 0) {
		const char *known[ARRAY_SIZE(stream_columns) + 1] = { 0 };

		memcpy(known, stream_columns, sizeof(stream_columns));
		template_free(c->ldap_dn);
		c->ldap_dn = template_parse(c->path, l->line, v, strlen(v),
					    known, TEMPLATE_ONE_LINE);
		if (!c->ldap_dn)
			l->errors++;
	} else if (strcmp(key, "scheme") == 0) {
		if (strcmp(v, "argon2") && strcmp(v, "ssha"))
			bad(l, "scheme: '%s' is not argon2 or ssha", v);
		else
			c->ldap_ssha = strcmp(v, "ssha") == 0;
	} else if (strcmp(key, "ppolicy") == 0) {
		if ((c->ldap_ppolicy = config_bool(v)) < 0)
			bad(l, "ppolicy: '%s' is not yes or no", v);
	} else if (strcmp(key, "marker") == 0) {
		set_marker(l, &c->ldap_marker, v);
	} else if (!set_argon2(l, key, v, &c->ldap_argon2_ops,
			       &c->ldap_argon2_mem_kib)) {
		bad(l, "[ldap]: unknown key '%s'", key);
	}
}

/*
 * [ad], [google], [entra] and [claim]: templates and column names, each
 * checked where it is used (emit, claim), which knows the names it fills.
 */
static void handle_directory(struct loader *l, const char *section,
			     const char *key, const char *v)
{
	struct config *c = l->c;
	const struct {
		const char *section, *key;
		char **dst;
	} keys[] = {
		{ "ad", "dn", &c->ad_dn },
		{ "google", "email", &c->google_email },
		{ "google", "org_unit", &c->google_org_unit },
		{ "entra", "upn", &c->entra_upn },
		{ "claim", "user", &c->claim_user },
		{ "claim", "match", &c->claim_match },
		{ "claim", "changed", &c->claim_changed },
		{ "claim", "login", &c->claim_login },
	};

	if (strcmp(section, "ad") == 0 && strcmp(key, "marker") == 0) {
		set_marker(l, &c->ad_marker, v);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strcmp(section, keys[i].section) == 0 &&
		    strcmp(key, keys[i].key) == 0) {
			set_str(keys[i].dst, v);
			return;
		}
	}
	bad(l, "[%s]: unknown key '%s'", section, key);
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct loader *l = user;
	const char *arg;

	if (l->long_line)
		return 1;   /* already reported by the reader */
	switch (section_kind(section, &arg)) {
	case SEC_TEMPASS:
		handle_tempass(l, key, value);
		break;
	case SEC_SITE:
		handle_site(l, arg, key, value);
		break;
	case SEC_STORE:
		handle_store(l, key, value);
		break;
	case SEC_IMPORT:
		handle_import(l, key, value);
		break;
	case SEC_ROSTER:
		handle_roster(l, arg, key, value);
		break;
	case SEC_POLICY:
	{
		/* policy_set reports "key: why"; say where, on one line,
		 * as every other setting's message does. */
		const char *stage = util_stage();
		char *where = xasprintf("%s%s'%s':%lu: [policy %s]",
					stage ? stage : "", stage ? ": " : "",
					l->c->path, l->line, arg);

		util_set_stage(where);
		if (policy_set(add_policy(l->c, arg), key, value) < 0)
			l->errors++;
		util_set_stage(stage);
		free(where);
		break;
	}
	case SEC_OUTPUT:
		handle_output(l, key, value);
		break;
	case SEC_RUN:
		handle_run(l, key, value);
		break;
	case SEC_EMAIL:
		handle_email(l, key, value);
		break;
	case SEC_LDAP:
		handle_ldap(l, key, value);
		break;
	case SEC_DIRECTORY:
		handle_directory(l, section, key, value);
		break;
	default:
		if (!section[0])
			bad(l, "'%s' is outside any [section]", key);
		else
			bad(l, "unknown section [%s]", section);
	}
	return 1;
}

/*
 * fgets for libinih that counts lines and refuses lines it would split.
 * libinih takes only ';' after a value as the start of a comment; README
 * promises '#' too, so a '#' that follows a space or tab is handed on as
 * ';' (one inside a value, as in "fonts.ttc#1", is kept).
 */
static char *reader(char *str, int num, void *stream)
{
	struct loader *l = stream;
	char *s = fgets(str, num, l->fp);
	size_t len;

	if (!s)
		return NULL;
	l->line++;
	l->long_line = 0;
	for (char *h = strchr(s + 1, '#'); *s && h; h = strchr(h + 1, '#'))
		if (h[-1] == ' ' || h[-1] == '\t') {
			*h = ';';
			break;
		}
	len = strlen(s);
	if (len == (size_t)num - 1 && s[len - 1] != '\n' && !feof(l->fp)) {
		int ch;

		bad(l, "line is longer than %d bytes", num - 2);
		while ((ch = fgetc(l->fp)) != EOF && ch != '\n')
			;
		l->long_line = 1;
		s[0] = '\0';
	}
	return s;
}

/* ==== Loading ==== */

/*
 * The message file of a site's language, loaded now: a language with no
 * file, or a file short of a word, is found before any work. A site that
 * names no language prints English: en.txt when there is one, else the
 * English built in (s->words NULL). 0, or -1 after reporting.
 */
static int load_words(struct config *c, struct site_conf *s)
{
	char *path = xasprintf("%s/%s.txt", c->messages_dir,
			       s->language ? s->language : "en");

	if (access(path, F_OK) != 0) {
		if (s->language)
			errorf("'%s': language '%s' has no message file '%s'",
			       c->path, s->language, path);
		free(path);
		return s->language ? -1 : 0;
	}
	s->words = words_load(path);
	free(path);
	return s->words ? 0 : -1;
}

static void check_config(struct loader *l)
{
	struct config *c = l->c;

	l->line = 0;
	if (c->nsites == 0 || !c->sites[0].code) {
		errorf("'%s': [site] needs a code (e.g. code = oakfield)",
		       c->path);
		l->errors++;
	}
	for (size_t i = 0; i < c->nsites; i++) {
		const char *code = c->sites[i].code;

		if (code && (!code[0] || strspn(code,
			"abcdefghijklmnopqrstuvwxyz0123456789-_") !=
			strlen(code))) {
			errorf("'%s': site code '%s' must be lower-case "
			       "letters, digits, - and _", c->path, code);
			l->errors++;
		}
		if (!c->sites[i].name && code)
			c->sites[i].name = xstrdup(code);
		/* A school of the trust keeps the default site's clock
		 * unless it names its own. */
		if (!c->sites[i].timezone && c->sites[0].timezone)
			c->sites[i].timezone = xstrdup(c->sites[0].timezone);
		/* Its language too. */
		if (!c->sites[i].language && c->sites[0].language)
			c->sites[i].language = xstrdup(c->sites[0].language);
		if (load_words(c, &c->sites[i]))
			l->errors++;
		/*
		 * [site] can take its code after a [site CODE] section of
		 * the same code was read: two sites that --site cannot tell
		 * apart, one of them never used.
		 */
		for (size_t j = 0; code && j < i; j++) {
			if (c->sites[j].code &&
			    strcmp(c->sites[j].code, code) == 0) {
				errorf("'%s': [site] code '%s' is also a [site "
				       "%s] section: put its settings in one "
				       "of them", c->path, code, code);
				l->errors++;
				break;
			}
		}
	}
	for (size_t i = 0; i < c->nrosters; i++) {
		struct roster_conf *r = &c->rosters[i];
		const char *missing = NULL;

		if (!r->external_id)
			missing = "external_id";
		else if (!r->forename)
			missing = "forename";
		else if (!r->surname)
			missing = "surname";
		if (missing) {
			errorf("'%s': [roster %s] needs %s (the column that "
			       "holds it)", c->path, r->name, missing);
			l->errors++;
		}
		if (!r->user_type == !r->user_type_column) {
			errorf("'%s': [roster %s] needs exactly one of "
			       "user_type and user_type_column", c->path,
			       r->name);
			l->errors++;
		}
	}
	if (c->qr && strcmp(c->qr, "url") == 0 && !l->have_login_url) {
		errorf("'%s': [output] qr = url needs login_url (e.g. "
		       "https://login.example.sch.uk/?user={{username}})",
		       c->path);
		l->errors++;
	}
	if (c->run_roster && !find_roster(c, c->run_roster)) {
		errorf("'%s': [run] roster '%s' has no [roster %s] section",
		       c->path, c->run_roster, c->run_roster);
		l->errors++;
	}
}

struct config *config_load(const char *path)
{
	struct loader l = { 0 };
	struct config *c = xcalloc(1, sizeof(*c));
	const char *slash;
	int rc;

	c->path = xstrdup(path);
	slash = strrchr(path, '/');
	c->dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
	if (slash == path)
		set_str(&c->dir, "/");
	c->reveal = 1;
	c->argon2_ops = 2;
	c->argon2_mem_kib = 19456;
	c->max_field = 4096;
	c->ldap_argon2_ops = 1;
	c->ldap_argon2_mem_kib = 4096;
	l.c = c;
	l.fp = fopen(path, "r");
	if (!l.fp) {
		errorf("'%s': cannot open configuration: %s", path,
		       strerror(errno));
		config_free(c);
		return NULL;
	}
	rc = ini_parse_stream(reader, &l, handler, &l);
	fclose(l.fp);
	if (rc > 0 && l.errors == 0) {
		l.line = (unsigned long)rc;
		bad(&l, "not a [section] nor a key = value line");
	} else if (rc < 0) {
		errorf("'%s': cannot read configuration", path);
		l.errors++;
	}
	/* Defaults that depend on where the file is. */
	if (!c->database)
		c->database = config_path(c, "var/tempass.db");
	if (!c->key_file)
		c->key_file = config_path(c, "keys/tempass.key");
	if (!c->out_dir)
		c->out_dir = config_path(c, "out");
	if (!c->queue_dir)
		c->queue_dir = config_path(c, "queue");
	if (!c->templates_dir)
		c->templates_dir = data_path(c, "templates");
	if (!c->token_hours)
		c->token_hours = 72;
	if (!c->delivery)
		c->delivery = xstrdup("print");
	if (!c->message_id_domain)
		c->message_id_domain = xstrdup("tempass.invalid");
	c->smtp_starttls = c->smtp_starttls < 0 ? 0 : c->smtp_starttls;
	if (!c->messages_dir)
		c->messages_dir = data_path(c, "templates/messages");
	/* What a strip says: checked now, before any batch is made. The
	 * shipped one, unless a school names its own, is the one built in
	 * when it is not found. */
	if (!c->strip_template) {
		char *p = data_path(c, "templates/strip.txt");

		if (access(p, F_OK) == 0)
			c->strip_template = p;
		else
			free(p);
	}
	if (c->strip_template && !(c->strip = paper_load(c->strip_template)))
		l.errors++;
	if (!c->paper)
		c->paper = xstrdup("a4");
	if (!c->qr)
		c->qr = xstrdup("none");
	if (!c->sort)
		c->sort = xstrdup("group, surname, forename");
	if (!c->strip_cols) {
		c->strip_cols = 3;
		c->strip_rows = 8;
	}
	if (!c->xlsx_columns)
		split_list(XLSX_COLUMNS, &c->xlsx_columns, &c->nxlsx_columns);
	load_letter(&l);
	if (!c->rejects_dir)
		c->rejects_dir = xstrdup(c->out_dir);
	if (!c->words_file)
		c->words_file = data_path(c, "templates/words.txt");
	if (!c->denylist_file)
		c->denylist_file = data_path(c, "templates/denylist.txt");
	check_config(&l);
	if (l.errors) {
		config_free(c);
		return NULL;
	}
	return c;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsites; i++) {
		free(c->sites[i].code);
		free(c->sites[i].name);
		free(c->sites[i].timezone);
		free(c->sites[i].language);
		words_free(c->sites[i].words);
	}
	free(c->sites);
	for (size_t i = 0; i < c->nrosters; i++) {
		struct roster_conf *r = &c->rosters[i];

		free(r->name);
		free(r->file);
		free(r->encoding);
		free(r->external_id);
		free(r->forename);
		free(r->surname);
		free(r->date_of_birth);
		free(r->date_format);
		free_list(r->groups, r->ngroups);
		free(r->email);
		free(r->email_verified);
		free(r->username);
		free(r->user_type);
		free(r->user_type_column);
		free(r->username_pattern);
		free(r->class_column);
	}
	free(c->rosters);
	for (size_t i = 0; i < c->npolicies; i++)
		policy_release(&c->policies[i]);
	free(c->policies);
	free(c->path);
	free(c->dir);
	free(c->database);
	free(c->key_file);
	free(c->rejects_dir);
	free(c->words_file);
	free(c->messages_dir);
	free(c->strip_template);
	paper_free(c->strip);
	free(c->denylist_file);
	free(c->out_dir);
	free_list(c->pdf_fonts, c->npdf_fonts);
	free(c->pdf_mono_font);
	free(c->paper);
	free(c->qr);
	template_free(c->login_url);
	free(c->logo);
	free(c->letter_template);
	for (size_t i = 0; i < c->nletter; i++)
		template_free(c->letter[i]);
	free(c->letter);
	free(c->sort);
	free_list(c->xlsx_columns, c->nxlsx_columns);
	free(c->queue_dir);
	free(c->smtp_url);
	free(c->smtp_credentials);
	free(c->mail_from);
	free(c->mail_from_name);
	free(c->reset_url);
	free(c->templates_dir);
	free(c->message_id_domain);
	free(c->delivery);
	free(c->ad_dn);
	free(c->ad_marker);
	free(c->google_email);
	free(c->google_org_unit);
	free(c->entra_upn);
	free(c->claim_user);
	free(c->claim_match);
	free(c->claim_changed);
	free(c->claim_login);
	free(c->run_roster);
	free_list(c->run_groups, c->nrun_groups);
	free(c->run_admin);
	free(c->run_password_file);
	free_list(c->run_outputs, c->nrun_outputs);
	template_free(c->ldap_dn);
	free(c->ldap_marker);
	free(c);
}

const struct roster_conf *config_roster(const struct config *c,
					const char *name)
{
	if (!name)
		return c->nrosters ? &c->rosters[0] : NULL;
	for (size_t i = 0; i < c->nrosters; i++)
		if (strcmp(c->rosters[i].name, name) == 0)
			return &c->rosters[i];
	return NULL;
}

const struct site_conf *config_site(const struct config *c, const char *code)
{
	if (!code)
		return c->nsites ? &c->sites[0] : NULL;
	for (size_t i = 0; i < c->nsites; i++)
		if (c->sites[i].code && strcmp(c->sites[i].code, code) == 0)
			return &c->sites[i];
	return NULL;
}

const struct policy *config_policy(const struct config *c,
				   const char *user_type)
{
	for (size_t i = 0; i < c->npolicies; i++)
		if (strcmp(c->policies[i].user_type, user_type) == 0)
			return &c->policies[i];
	return NULL;
}
