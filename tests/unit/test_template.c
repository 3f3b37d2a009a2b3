/*
 * Unit tests of core/template.c: placeholders found and rendered, HTML
 * escaping of values (never of the template's own text), values never
 * expanded again, and every load error with its file and line. The reset
 * templates shipped in templates/ are loaded with the names the reset
 * email fills, so a typo there fails here first.
 */
#include "core/template.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "tests/unit/test.h"

/* ==== Helpers ==== */

static char tmpdir[] = "/tmp/test_template_XXXXXX";

/* Writes len bytes of text to name in the test folder; returns its path. */
static char *put_file(const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

static const char *const reset_names[] = {
	"forename", "surname", "username", "site", "reset_link", "expires",
	NULL,
};

/* Loads text as a template file; NULL when refused. */
static struct template *load_text(const char *text, unsigned flags)
{
	char *path = put_file("t.txt", text, strlen(text));
	struct template *t = template_load(path, reset_names, flags);

	free(path);
	return t;
}

/*
 * Expects text to be refused at load; want is the whole message after
 * "tempass: ", the file being <tmpdir>/t.txt.
 */
static void check_load_error(const char *text, size_t len, unsigned flags,
			     const char *want)
{
	char *path = put_file("t.txt", text, len);
	char *full = xasprintf("tempass: '%s'%s\n", path, want);
	struct template *t;
	const char *err;

	capture_begin();
	t = template_load(path, reset_names, flags);
	err = capture_end();
	CHECK(t == NULL);
	CHECK_STR(err, full);
	template_free(t);
	free(full);
	free(path);
}

/* check_load_error() on a string literal, NULs included. */
#define CHECK_LOAD(lit, flags, want) \
	check_load_error((lit), sizeof(lit) - 1, (flags), (want))

/* Renders t with vars into a fresh string; NULL when it failed. */
static char *render(const struct template *t, enum template_escape esc,
		    struct template_var *vars)
{
	struct sbuf sb = SBUF_INIT;

	if (template_render(t, esc, template_vars, vars, &sb) < 0) {
		sbuf_release(&sb);
		return NULL;
	}
	return sb.buf ? sbuf_detach(&sb) : xstrdup("");
}

static struct template_var zoe[] = {
	{ "forename", "Zoë" },
	{ "surname", "O'Brien" },
	{ "username", "zobrien" },
	{ "site", "Hillside Academy" },
	{ "reset_link", "https://accounts.example.org/r?t=abc&s=1" },
	{ "expires", "3 September 2026, 08:14" },
	{ NULL, NULL },
};

/* ==== Tests ==== */

static void test_template_load(void)
{
	struct template *t;
	const char *const *names;
	size_t n;
	char *s;

	t = load_text("Hello {{forename}} {{ surname }},\n"
		      "{{forename}}{{username}}\n"
		      "no newline at the end {{site}}", 0);
	CHECK(t != NULL);
	if (!t)
		return;
	names = template_names(t, &n);
	CHECK(n == 4);
	if (n == 4) {
		CHECK_STR(names[0], "forename");
		CHECK_STR(names[1], "surname");
		CHECK_STR(names[2], "username");
		CHECK_STR(names[3], "site");
	}
	s = render(t, TEMPLATE_TEXT, zoe);
	CHECK_STR(s, "Hello Zoë O'Brien,\nZoëzobrien\n"
		     "no newline at the end Hillside Academy");
	free(s);
	template_free(t);

	/* Text without placeholders, single braces, an empty file. */
	t = load_text("{ } }} {x} a{b}c\n\xef\xbb\xbfnot at the start\n", 0);
	CHECK(t != NULL);
	names = template_names(t, &n);
	CHECK(n == 0);
	s = render(t, TEMPLATE_HTML, zoe);
	CHECK_STR(s, "{ } }} {x} a{b}c\n\xef\xbb\xbfnot at the start\n");
	free(s);
	template_free(t);
	t = load_text("", 0);
	CHECK(t != NULL);
	s = render(t, TEMPLATE_TEXT, zoe);
	CHECK_STR(s, "");
	free(s);
	template_free(t);

	/* A byte order mark from a Windows editor is dropped. */
	t = load_text("\xef\xbb\xbfHi {{forename}}\r\n", 0);
	CHECK(t != NULL);
	s = render(t, TEMPLATE_TEXT, zoe);
	CHECK_STR(s, "Hi Zoë\r\n");
	free(s);
	template_free(t);

	/* known NULL accepts any name. */
	s = put_file("any.txt", "{{anything_1}} {{Other}}", 24);
	t = template_load(s, NULL, 0);
	free(s);
	CHECK(t != NULL);
	names = template_names(t, &n);
	CHECK(n == 2 && !strcmp(names[0], "anything_1") &&
	      !strcmp(names[1], "Other"));
	template_free(t);
	template_free(NULL);
}

static void test_template_load_errors(void)
{
	static const char big_line[] = "0123456789abcdef";
	char *path, *want;
	const char *err;
	struct template *t;
	struct sbuf big = SBUF_INIT;

	CHECK_LOAD("Hello {{forename}},\n\nYour {{sitename}} account\n", 0,
		   ":3: unknown placeholder '{{sitename}}' (known: "
		   "forename, surname, username, site, reset_link, "
		   "expires)");
	/* Names are case-sensitive. */
	CHECK_LOAD("{{Forename}}", 0,
		   ":1: unknown placeholder '{{Forename}}' (known: "
		   "forename, surname, username, site, reset_link, "
		   "expires)");
	CHECK_LOAD("a\nb {{}} c", 0,
		   ":2: placeholder '{{}}' is not a name (letters, "
		   "digits, '_', '.' and ':')");
	CHECK_LOAD("{{ }}", 0,
		   ":1: placeholder '{{ }}' is not a name (letters, "
		   "digits, '_', '.' and ':')");
	CHECK_LOAD("{{reset-link}}", 0,
		   ":1: placeholder '{{reset-link}}' is not a name "
		   "(letters, digits, '_', '.' and ':')");
	CHECK_LOAD("{{fore name}}", 0,
		   ":1: placeholder '{{fore name}}' is not a name "
		   "(letters, digits, '_', '.' and ':')");
	CHECK_LOAD("{{{site}}}", 0,
		   ":1: placeholder '{{{site}}' is not a name "
		   "(letters, digits, '_', '.' and ':')");
	CHECK_LOAD("ok\nok\nHello {{forename", 0,
		   ":3: '{{' without a closing '}}' on its line");
	CHECK_LOAD("Hello {{forename}", 0,
		   ":1: '{{' without a closing '}}' on its line");
	CHECK_LOAD("Hello {{fore\nname}}\n", 0,
		   ":1: '{{' without a closing '}}' on its line");
	CHECK_LOAD("ok\nZo\xeb\n", 0, ":2: is not valid UTF-8");
	CHECK_LOAD("ok\nok\nok\xc3\n", 0, ":3: is not valid UTF-8");
	CHECK_LOAD("ok\nok\0there\n", 0, ":2: holds a NUL byte");

	/* One-line templates: a final line end is fine, a second line not. */
	CHECK_LOAD("Set your password\nfor {{site}}\n", TEMPLATE_ONE_LINE,
		   ":2: must be one line");
	CHECK_LOAD("Set your password\n\n", TEMPLATE_ONE_LINE,
		   ":2: must be one line");
	CHECK_LOAD("Set your\rpassword", TEMPLATE_ONE_LINE,
		   ":1: must be one line");

	/* A missing file. */
	path = xasprintf("%s/no-such.txt", tmpdir);
	want = xasprintf("tempass: '%s': cannot open: No such file or "
			 "directory\n", path);
	capture_begin();
	t = template_load(path, reset_names, 0);
	err = capture_end();
	CHECK(t == NULL);
	CHECK_STR(err, want);
	free(path);
	free(want);

	/* A folder is not a template. */
	capture_begin();
	t = template_load(tmpdir, reset_names, 0);
	err = capture_end();
	CHECK(t == NULL);
	CHECK(strstr(err, "': cannot read: Is a directory") != NULL);

	/* Over 1 MiB: refused rather than read. */
	while (big.len <= 1024 * 1024)
		sbuf_addstr(&big, big_line);
	check_load_error(big.buf, big.len, 0,
			 ": template is over 1048576 bytes");
	big.len = 1024 * 1024;
	big.buf[big.len] = '\0';
	path = put_file("big.txt", big.buf, big.len);
	t = template_load(path, reset_names, 0);
	CHECK(t != NULL);
	template_free(t);
	free(path);
	sbuf_release(&big);
}

static void test_template_render(void)
{
	struct template_var vars[] = {
		{ "forename", "<script>alert('x')</script>" },
		{ "surname", "O'Brien & \"Sons\" > 1" },
		{ "username", "{{site}}" },
		{ "site", "{{username}}" },
		{ "reset_link", "https://x.example/?a=1&b=<2>" },
		{ "expires", "" },
		{ NULL, NULL },
	};
	struct template *t = load_text(
		"<p class=\"x\">{{forename}} {{surname}} & co</p>\n"
		"<a href=\"{{reset_link}}\">{{username}} {{site}}</a>"
		"[{{expires}}]\n", 0);
	struct sbuf sb = SBUF_INIT;
	const char *err;
	char *s, *want;

	CHECK(t != NULL);
	if (!t)
		return;
	/* HTML: values escaped, the template's own markup kept. */
	s = render(t, TEMPLATE_HTML, vars);
	CHECK_STR(s, "<p class=\"x\">&lt;script&gt;alert(&#39;x&#39;)"
		     "&lt;/script&gt; O&#39;Brien &amp; &quot;Sons&quot; "
		     "&gt; 1 & co</p>\n"
		     "<a href=\"https://x.example/?a=1&amp;b=&lt;2&gt;\">"
		     "{{site}} {{username}}</a>[]\n");
	free(s);
	/* Text: values as they are, and still never expanded. */
	s = render(t, TEMPLATE_TEXT, vars);
	CHECK_STR(s, "<p class=\"x\"><script>alert('x')</script> "
		     "O'Brien & \"Sons\" > 1 & co</p>\n"
		     "<a href=\"https://x.example/?a=1&b=<2>\">"
		     "{{site}} {{username}}</a>[]\n");
	free(s);

	/* Appends to what the buffer holds. */
	sbuf_addstr(&sb, "before|");
	CHECK(template_render(t, TEMPLATE_TEXT, template_vars, zoe, &sb) == 0);
	CHECK(!strncmp(sbuf_str(&sb), "before|<p class=\"x\">Zoë O'Brien",
		       32));

	/* A missing value: reported at its line, the buffer as it was. */
	vars[4].name = "reset_url";
	sbuf_reset(&sb);
	sbuf_addstr(&sb, "kept");
	capture_begin();
	CHECK(template_render(t, TEMPLATE_HTML, template_vars, vars,
			      &sb) == -1);
	err = capture_end();
	CHECK_STR(sbuf_str(&sb), "kept");
	want = xasprintf("tempass: '%s/t.txt':2: no value for "
			 "'{{reset_link}}'\n", tmpdir);
	CHECK_STR(err, want);
	free(want);
	vars[4].name = "reset_link";

	/* A value that is not UTF-8. */
	vars[2].value = "zo\xeb";
	capture_begin();
	CHECK(template_render(t, TEMPLATE_TEXT, template_vars, vars,
			      &sb) == -1);
	err = capture_end();
	CHECK_STR(sbuf_str(&sb), "kept");
	want = xasprintf("tempass: '%s/t.txt':2: value of '{{username}}' is "
			 "not valid UTF-8\n", tmpdir);
	CHECK_STR(err, want);
	free(want);

	/* On an empty buffer a failure leaves it empty. */
	sbuf_release(&sb);
	capture_begin();
	CHECK(template_render(t, TEMPLATE_TEXT, template_vars, vars,
			      &sb) == -1);
	capture_end();
	CHECK_STR(sbuf_str(&sb), "");
	CHECK(sb.len == 0);
	sbuf_release(&sb);
	template_free(t);
}

static void test_template_vars(void)
{
	struct template_var none[] = { { NULL, NULL } };

	CHECK_STR(template_vars(zoe, "forename"), "Zoë");
	CHECK_STR(template_vars(zoe, "expires"), "3 September 2026, 08:14");
	CHECK(template_vars(zoe, "Forename") == NULL);
	CHECK(template_vars(zoe, "") == NULL);
	CHECK(template_vars(none, "forename") == NULL);
}

/* The reset email's templates: they load, use every name, and escape. */
static void test_template_reset_files(void)
{
	static const char *const files[] = {
		"templates/reset.subject", "templates/reset.txt",
		"templates/reset.html",
	};
	struct template_var evil[] = {
		{ "forename", "<script>x()</script>" },
		{ "surname", "O'Brien" },
		{ "username", "{{reset_link}}" },
		{ "site", "Hillside & Co" },
		{ "reset_link", "https://accounts.example.org/r?t=abc&s=1" },
		{ "expires", "3 September 2026, 08:14" },
		{ NULL, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct template *t = template_load(files[i], reset_names,
						   i == 0 ? TEMPLATE_ONE_LINE
							  : 0);
		size_t n;
		char *s;

		CHECK(t != NULL);
		if (!t)
			continue;
		template_names(t, &n);
		/* The bodies use every name; the subject only the site. */
		CHECK(n == (i == 0 ? 1 : 6));
		s = render(t, i == 2 ? TEMPLATE_HTML : TEMPLATE_TEXT, evil);
		CHECK(s != NULL);
		if (i == 0)
			CHECK_STR(s, "Set your password for Hillside & Co");
		if (i == 1) {
			CHECK(strstr(s, "\nhttps://accounts.example.org/r?t="
					"abc&s=1\n") != NULL);
			CHECK(strstr(s, "3 September 2026, 08:14") != NULL);
			CHECK(strstr(s, "Username: {{reset_link}}\n") != NULL);
		}
		if (i == 2) {
			CHECK(strstr(s, "<script>") == NULL);
			CHECK(strstr(s, "&lt;script&gt;x()&lt;/script&gt;"));
			CHECK(strstr(s, "href=\"https://accounts.example.org/r"
					"?t=abc&amp;s=1\""));
			CHECK(strstr(s, "<title>Set your password for "
					"Hillside &amp; Co</title>"));
			CHECK(strstr(s, "{{reset_link}}") != NULL);
		}
		free(s);
		template_free(t);
	}
}

int main(void)
{
	char *cmd;
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_template_load);
	RUN(test_template_load_errors);
	RUN(test_template_render);
	RUN(test_template_vars);
	RUN(test_template_reset_files);
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	rc = system(cmd);
	free(cmd);
	if (rc != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_EXIT();
}
