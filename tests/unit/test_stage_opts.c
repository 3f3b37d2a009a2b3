/*
 * Unit tests of stages/stage.c's option table and core/util.c's edit
 * distance: what each kind of option stores, where the operands start,
 * and that every refused option is reported once, as a usage error, with
 * the nearest name when one is near.
 */
#include "stages/stage.h"
#include "core/util.h"

#include <fcntl.h>

#include "tests/unit/test.h"

static const struct stage fake = {
	.name = "fake",
	.summary = "a stage for the tests",
	.usage = "usage: tempass fake [options]\n",
	.exec = NULL,
};

/* What a parse left behind. */
struct got {
	int flag;
	const char *string;
	long number;
	struct stage_list list;
	struct ctx ctx;
	int status;
	int argi;
	const char *err;
};

/* Parses the NULL-ended words (the stage's name first) into g. */
static void parse(struct got *g, const char *const *words)
{
	const struct stage_opt opts[] = {
		OPT_FLAG(0, "per-group", &g->flag),
		OPT_STRING('o', "output", &g->string),
		OPT_INT(0, "page", &g->number, 1, 1000),
		OPT_LIST(0, "group", &g->list),
		OPT_END,
	};
	char *argv[32];
	int argc = 0;

	while (words[argc]) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	capture_begin();
	g->argi = stage_parse(&fake, &g->ctx, argc, argv, opts, &g->status);
	g->err = capture_end();
}

static void release(struct got *g)
{
	free(g->list.v);
	memset(g, 0, sizeof(*g));
}

/* ==== Accepted ==== */

static void test_kinds(void)
{
	struct got g = { 0 };

	parse(&g, (const char *[]){ "fake", "A", "--per-group", "-o", "x.pdf",
				    "--page=3", "--group", "7A", "B",
				    "--group", "7B", NULL });
	CHECK(g.argi == 9);   /* operands permuted to the end */
	CHECK(g.status == 0);
	CHECK(g.flag == 1);
	CHECK_STR(g.string, "x.pdf");
	CHECK(g.number == 3);
	CHECK(g.list.n == 2);
	CHECK_STR(g.list.v[0], "7A");
	CHECK_STR(g.list.v[1], "7B");
	CHECK_STR(g.err, "");
	release(&g);
}

static void test_double_dash_and_prefix(void)
{
	struct got g = { 0 };

	parse(&g, (const char *[]){ "fake", "--out", "y", "--", "--page",
				    NULL });
	CHECK(g.argi == 4);
	CHECK_STR(g.string, "y");
	CHECK(g.number == 0);
	release(&g);
}

static void test_site_after_stage(void)
{
	struct got g = { 0 };

	parse(&g, (const char *[]){ "fake", "--site", "north", NULL });
	CHECK(g.argi == 3);
	CHECK_STR(g.ctx.site_code, "north");
	release(&g);
	/* The same site before and after is no conflict. */
	g.ctx.site_code = "north";
	parse(&g, (const char *[]){ "fake", "--site=north", NULL });
	CHECK(g.argi == 2);
	CHECK_STR(g.ctx.site_code, "north");
	release(&g);
}

static void test_help(void)
{
	struct got g = { 0 };
	int out = dup(1), null = open("/dev/null", O_WRONLY);

	fflush(stdout);
	dup2(null, 1);
	parse(&g, (const char *[]){ "fake", "--page", "2", "-h", NULL });
	fflush(stdout);
	dup2(out, 1);
	close(out);
	close(null);
	CHECK(g.argi == -1);
	CHECK(g.status == 0);
	release(&g);
}

/* ==== Refused ==== */

/* Checks that words are refused with a message starting with want. */
static void refused(const char *const *words, const char *want)
{
	struct got g = { 0 };
	char full[512];

	parse(&g, words);
	snprintf(full, sizeof(full), "tempass: %s\nTry 'tempass fake --help'.\n",
		 want);
	CHECK(g.argi == -1);
	CHECK(g.status == EX_USAGE);
	CHECK_STR(g.err, full);
	release(&g);
}

static void test_unknown(void)
{
	refused((const char *[]){ "fake", "--bogus", NULL },
		"unknown option '--bogus'");
	refused((const char *[]){ "fake", "--per-grup", NULL },
		"unknown option '--per-grup' (did you mean '--per-group'?)");
	refused((const char *[]){ "fake", "--ouptut=x", NULL },
		"unknown option '--ouptut' (did you mean '--output'?)");
	refused((const char *[]){ "fake", "-x", NULL },
		"unknown option '-x'");
	refused((const char *[]){ "fake", "--p", NULL },
		"option '--p' is ambiguous: --per-group, --page");
}

static void test_values(void)
{
	refused((const char *[]){ "fake", "--output", NULL },
		"option '--output' needs a value");
	refused((const char *[]){ "fake", "-o", NULL },
		"option '-o' needs a value");
	refused((const char *[]){ "fake", "--per-group=yes", NULL },
		"option '--per-group' takes no value");
	refused((const char *[]){ "fake", "--page", "two", NULL },
		"option '--page': 'two' is not a number from 1 to 1000");
	refused((const char *[]){ "fake", "--page", "0", NULL },
		"option '--page': '0' is not a number from 1 to 1000");
	refused((const char *[]){ "fake", "--page", "99999999999999999999",
				  NULL },
		"option '--page': '99999999999999999999' is not a number "
		"from 1 to 1000");
	refused((const char *[]){ "fake", "--page", "", NULL },
		"option '--page': '' is not a number from 1 to 1000");
}

static void test_repeated(void)
{
	struct got g = { 0 };

	refused((const char *[]){ "fake", "-o", "a", "--output", "b", NULL },
		"option '--output' is given twice");
	refused((const char *[]){ "fake", "--page", "1", "--page", "1", NULL },
		"option '--page' is given twice");
	/* A flag given twice is still the flag. */
	parse(&g, (const char *[]){ "fake", "--per-group", "--per-group",
				    NULL });
	CHECK(g.argi == 3);
	CHECK(g.flag == 1);
	release(&g);
}

static void test_site_conflict(void)
{
	struct got g = { 0 };

	g.ctx.site_code = "north";
	parse(&g, (const char *[]){ "fake", "--site", "south", NULL });
	CHECK(g.argi == -1);
	CHECK(g.status == EX_USAGE);
	CHECK(strstr(g.err, "--site 'south' differs from --site 'north'"));
	release(&g);
}

/* ==== Did you mean ==== */

static void test_edit_distance(void)
{
	static const char *const stages[] = { "import", "groups", "users",
					      "user", "emit", "expire" };

	CHECK(edit_distance("", "") == 0);
	CHECK(edit_distance("improt", "import") == 1);   /* a swap */
	CHECK(edit_distance("IMPORT", "import") == 0);
	CHECK(edit_distance("kitten", "sitting") == 3);
	CHECK(edit_distance("", "abc") == 3);
	CHECK_STR(nearest_name("improt", stages, 6), "import");
	CHECK_STR(nearest_name("grups", stages, 6), "groups");
	CHECK(nearest_name("zzzzzz", stages, 6) == NULL);
	/* Two equally near: no guess. */
	CHECK(nearest_name("abe", (const char *const[]){ "abc", "abd" }, 2)
	      == NULL);
	CHECK(nearest_name("x", stages, 0) == NULL);
}

int main(void)
{
	RUN(test_kinds);
	RUN(test_double_dash_and_prefix);
	RUN(test_site_after_stage);
	RUN(test_help);
	RUN(test_unknown);
	RUN(test_values);
	RUN(test_repeated);
	RUN(test_site_conflict);
	RUN(test_edit_distance);
	TEST_EXIT();
}
