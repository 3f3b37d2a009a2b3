/*
 * Unit tests of core/paper.c: the shipped templates/strip.txt says what
 * the built-in strip says, lines render with their empty parts left out
 * and the username or password found, and every load error names file,
 * line and why.
 */
#include "core/paper.h"

#include <stdlib.h>

#include "core/util.h"
#include "tests/unit/test.h"

static char tmpdir[] = "/tmp/test_paper_XXXXXX";

static char *put_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "wb");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

/* A person: every field its own name in capitals, born and void empty. */
static const char *value(void *ctx, const char *name)
{
	static char buf[64];

	(void)ctx;
	if (!strcmp(name, "born") || !strcmp(name, "void"))
		return "";
	snprintf(buf, sizeof(buf), "<%s>", name);
	return buf;
}

static char *render_all(const struct paper *p)
{
	struct sbuf sb = SBUF_INIT;

	for (size_t i = 0; i < paper_lines(p); i++) {
		size_t at, len;

		CHECK(paper_render(p, i, value, NULL, &sb, &at, &len) == 0);
		sbuf_addf(&sb, " [%d]\n", (int)paper_line_kind(p, i));
	}
	return sbuf_detach(&sb);
}

static void test_paper_shipped(void)
{
	struct paper *p = paper_load("templates/strip.txt");
	char *a, *b;

	CHECK(p != NULL);
	if (!p)
		return;
	a = render_all(p);
	b = render_all(paper_default_strip());
	CHECK_STR(a, b);
	CHECK(strstr(a, "<word:label.password>  <password> [3]\n"));
	CHECK(strstr(a, "<name> [1]\n"));
	/* void and born empty: their parts left out, separators too. */
	CHECK(strstr(a, "\n<word:label.class> <class> \xC2\xB7 "
		     "<word:label.expires> <expires> [0]\n"));
	free(a);
	free(b);
	paper_free(p);
}

static void test_paper_render(void)
{
	char *path = put_file("s.txt", "# a comment {{nothing}}\n"
			      "Hi {{username}} there\n\n{{password}}\n"
			      "{{born}} · x · {{void}}\n\n\n");
	struct paper *p = paper_load(path);
	struct sbuf sb = SBUF_INIT;
	size_t at, len;

	CHECK(p != NULL);
	if (!p)
		goto out;
	/* The comment left out, the blank line kept, the last ones not. */
	CHECK(paper_lines(p) == 4);
	CHECK(paper_render(p, 0, value, NULL, &sb, &at, &len) == 0);
	CHECK_STR(sbuf_str(&sb), "Hi <username> there");
	CHECK(at == 3 && len == strlen("<username>"));
	CHECK(paper_line_kind(p, 0) == PAPER_USERNAME);
	sbuf_reset(&sb);
	CHECK(paper_render(p, 1, value, NULL, &sb, &at, &len) == 0);
	CHECK_STR(sbuf_str(&sb), "");
	CHECK(at == 0 && len == 0);
	sbuf_reset(&sb);
	CHECK(paper_render(p, 2, value, NULL, &sb, &at, &len) == 0);
	CHECK(at == 0 && len == strlen("<password>"));
	sbuf_reset(&sb);
	/* A part of fixed words stays; parts of empty fields go. */
	CHECK(paper_render(p, 3, value, NULL, &sb, &at, &len) == 0);
	CHECK_STR(sbuf_str(&sb), "x");
	sbuf_release(&sb);
	paper_free(p);
out:
	free(path);
}

#define CHECK_LOAD(text, want)                                             \
	do {                                                               \
		char *p_ = put_file("bad.txt", text);                      \
		struct paper *t_;                                          \
		capture_begin();                                           \
		t_ = paper_load(p_);                                       \
		CHECK(t_ == NULL);                                         \
		CHECK(strstr(capture_end(), want) != NULL);                \
		paper_free(t_);                                            \
		free(p_);                                                  \
	} while (0)

static void test_paper_errors(void)
{
	CHECK_LOAD("{{username}}\n{{password}}\n{{form}}\n",
		   "bad.txt':3: unknown placeholder '{{form}}'");
	CHECK_LOAD("{{username}}\n{{password}}\n{{word:page}}\n",
		   "bad.txt':3: '{{word:page}}' is not a word");
	CHECK_LOAD("{{username}}\n{{password}}\n{{word:nothing}}\n",
		   "bad.txt':3: '{{word:nothing}}' is not a word");
	CHECK_LOAD("{{username}}\n{{password}} · {{password}}\n",
		   "bad.txt':2: '{{password}}' again");
	CHECK_LOAD("{{username}}\n{{password}}\n\n{{username}}\n",
		   "bad.txt':4: '{{username}}' again");
	CHECK_LOAD("{{username}}\n", "bad.txt': no '{{password}}'");
	CHECK_LOAD("#{{username}}\n{{password}}\n",
		   "bad.txt': no '{{username}}'");
	CHECK_LOAD("{{username}}\n{{password}}\n{{a-b}}\n",
		   "bad.txt':3: placeholder '{{a-b}}' is not a name");
	CHECK_LOAD("{{username}}\n{{password}}\n\xff\n",
		   "bad.txt':3: is not valid UTF-8");
	capture_begin();
	CHECK(paper_load("/nonexistent/strip.txt") == NULL);
	CHECK(strstr(capture_end(), "strip.txt': cannot open"));
}

int main(void)
{
	char *cmd;
	int rc;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_paper_shipped);
	RUN(test_paper_render);
	RUN(test_paper_errors);
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	rc = system(cmd);
	free(cmd);
	if (rc != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	TEST_EXIT();
}
