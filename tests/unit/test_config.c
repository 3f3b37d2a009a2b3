/*
 * Unit tests of core/config.c. Each test writes a small pipeline.conf into
 * a fresh folder under /tmp and loads it; refusals are checked for the
 * NULL result and for the message, with its line number, on stderr.
 */
#include "core/config.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/store.h"
#include "core/util.h"
#include "tests/unit/test.h"

static char tmpdir[] = "/tmp/tempass-config.XXXXXX";

/* A roster section that passes every check. */
#define ROSTER_OK \
	"[roster students]\n" \
	"external_id = Adno\n" \
	"forename = Forename\n" \
	"surname = Surname\n" \
	"user_type = student\n"

/* ==== Helpers ==== */

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* Writes text to tmpdir/name; returns the path, caller frees. */
static char *write_conf(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	CHECK(fp != NULL);
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
	return path;
}

/* Loads text as a configuration. */
static struct config *load(const char *text)
{
	char *path = write_conf("pipeline.conf", text);
	struct config *c = config_load(path);

	free(path);
	return c;
}

/*
 * Loads text, which must be refused; returns what was reported, and checks
 * that it holds want.
 */
static const char *refused(const char *text, const char *want, int line)
{
	struct config *c;
	const char *err;

	capture_begin();
	c = load(text);
	err = capture_end();
	if (c != NULL || !strstr(err, want)) {
		fprintf(stderr, "%s:%d: config not refused with '%s'; got:\n"
			"%s", __FILE__, line, want, err);
		test_failed_checks++;
	}
	config_free(c);
	return err;
}
#define REFUSED(text, want) refused((text), (want), __LINE__)

/* ==== Tests ==== */

static void test_config_load(void)
{
	struct config *c;
	char *want;

	/* The smallest file: a site code. Everything else has a default. */
	c = load("[site]\ncode = oakfield\n");
	CHECK(c != NULL);
	if (!c)
		return;
	want = xasprintf("%s/pipeline.conf", tmpdir);
	CHECK_STR(c->path, want);
	free(want);
	CHECK_STR(c->dir, tmpdir);
	want = xasprintf("%s/var/tempass.db", tmpdir);
	CHECK_STR(c->database, want);
	free(want);
	want = xasprintf("%s/keys/tempass.key", tmpdir);
	CHECK_STR(c->key_file, want);
	free(want);
	want = xasprintf("%s/out", tmpdir);
	CHECK_STR(c->out_dir, want);
	CHECK_STR(c->rejects_dir, want);
	free(want);
	want = xasprintf("%s/templates/words.txt", tmpdir);
	CHECK_STR(c->words_file, want);
	free(want);
	CHECK(c->reveal == 1);
	CHECK(c->argon2_ops == 2);
	CHECK(c->argon2_mem_kib == 19456);
	CHECK(c->max_field == 4096);
	CHECK(c->nsites == 1);
	CHECK_STR(c->sites[0].code, "oakfield");
	CHECK_STR(c->sites[0].name, "oakfield");   /* the code by default */
	CHECK(c->nrosters == 0);
	CHECK(c->run_roster == NULL && c->nrun_groups == 0);
	config_free(c);

	/* A full file: every section, comments, spaces around '='. */
	c = load("; a comment\n"
		 "[site]\n"
		 "code = oakfield\n"
		 "name = Oakfield Academy\n"
		 "\n"
		 "[site northgate]\n"
		 "name = Northgate Primary School\n"
		 "[store]\n"
		 "database = /srv/tempass/t.db\n"
		 "key_file = keys/t.key\n"
		 "reveal = no\n"
		 "argon2_ops = 3\n"
		 "argon2_mem_kib = 65536\n"
		 "[import]\n"
		 "max_field   =   100\n"
		 "rejects_dir = rejects\n"
		 "[output]\n"
		 "out_dir = /var/out\n"
		 "[email]\n"
		 "queue_dir = queue\n"
		 ROSTER_OK
		 "[run]\n"
		 "roster = students\n"
		 "groups = Year 7 , 7A,,\n"
		 "admin = demo\n"
		 "password_file = var/demo.pw\n"
		 "outputs = tsv,csv\n");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->nsites == 2);
	CHECK_STR(c->sites[0].code, "oakfield");
	CHECK_STR(c->sites[0].name, "Oakfield Academy");
	CHECK_STR(c->sites[1].code, "northgate");
	CHECK_STR(c->sites[1].name, "Northgate Primary School");
	/* Absolute paths are kept, relative ones resolved. */
	CHECK_STR(c->database, "/srv/tempass/t.db");
	want = xasprintf("%s/keys/t.key", tmpdir);
	CHECK_STR(c->key_file, want);
	free(want);
	want = xasprintf("%s/rejects", tmpdir);
	CHECK_STR(c->rejects_dir, want);
	free(want);
	CHECK_STR(c->out_dir, "/var/out");
	want = xasprintf("%s/queue", tmpdir);
	CHECK_STR(c->queue_dir, want);
	free(want);
	CHECK(c->reveal == 0);
	CHECK(c->argon2_ops == 3);
	CHECK(c->argon2_mem_kib == 65536);
	CHECK(c->max_field == 100);
	CHECK_STR(c->run_roster, "students");
	CHECK(c->nrun_groups == 2);
	if (c->nrun_groups == 2) {
		CHECK_STR(c->run_groups[0], "Year 7");
		CHECK_STR(c->run_groups[1], "7A");
	}
	CHECK_STR(c->run_admin, "demo");
	want = xasprintf("%s/var/demo.pw", tmpdir);
	CHECK_STR(c->run_password_file, want);
	free(want);
	CHECK(c->nrun_outputs == 2);
	config_free(c);

	/* A file that is not there. */
	{
		char *path = xasprintf("%s/absent.conf", tmpdir);
		const char *err;

		capture_begin();
		c = config_load(path);
		err = capture_end();
		CHECK(c == NULL);
		CHECK(strstr(err, "cannot open configuration") != NULL);
		CHECK(strstr(err, path) != NULL);
		free(path);
	}
	/* A relative path to the file: paths stay relative to its folder. */
	{
		char *cwd = getcwd(NULL, 0);

		CHECK(chdir(tmpdir) == 0);
		c = config_load("pipeline.conf");
		CHECK(c != NULL);
		if (c) {
			CHECK_STR(c->dir, "");
			CHECK_STR(c->database, "/srv/tempass/t.db");
			CHECK_STR(c->key_file, "keys/t.key");
		}
		config_free(c);
		CHECK(mkdir("sub", 0700) == 0);
		CHECK(rename("pipeline.conf", "sub/pipeline.conf") == 0);
		c = config_load("sub/pipeline.conf");
		CHECK(c != NULL);
		if (c)
			CHECK_STR(c->key_file, "sub/keys/t.key");
		config_free(c);
		CHECK(chdir(cwd) == 0);
		free(cwd);
	}
}

static void test_config_sites(void)
{
	struct config *c;
	const struct site_conf *s;

	c = load("[site]\ncode = oakfield\nname = Oakfield\n"
		 "[site northgate]\nname = Northgate\n"
		 "[site elm-lane_2]\n");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->nsites == 2);   /* a section without keys adds nothing */
	s = config_site(c, NULL);
	CHECK(s && strcmp(s->code, "oakfield") == 0);
	s = config_site(c, "northgate");
	CHECK(s && strcmp(s->name, "Northgate") == 0);
	CHECK(config_site(c, "elsewhere") == NULL);
	CHECK(config_site(c, "") == NULL);
	config_free(c);

	/* [site other] naming a key of its own twice keeps one site. */
	c = load("[site]\ncode = a\n[site b]\nname = B1\n"
		 "[site b]\nname = B2\n");
	CHECK(c != NULL);
	if (c) {
		CHECK(c->nsites == 2);
		s = config_site(c, "b");
		CHECK(s && strcmp(s->name, "B2") == 0);
	}
	config_free(c);

	/* The default site stays first when another is written before it. */
	c = load("[site northgate]\nname = Northgate\n"
		 "[site]\ncode = oakfield\n");
	CHECK(c != NULL);
	if (c) {
		s = config_site(c, NULL);
		CHECK(s && s->code && strcmp(s->code, "oakfield") == 0);
		CHECK(s && s->name && strcmp(s->name, "oakfield") == 0);
		CHECK(c->nsites == 2);
		s = config_site(c, "northgate");
		CHECK(s && s->name && strcmp(s->name, "Northgate") == 0);
	}
	config_free(c);

	/* Refusals. */
	REFUSED("[site]\nname = No code\n", "[site] needs a code");
	REFUSED("[store]\nreveal = yes\n", "[site] needs a code");
	REFUSED("[site]\ncode = Oak Field\n",
		"site code 'Oak Field' must be lower-case");
	/* The same code twice: one of the two would never be used. */
	REFUSED("[site a]\nname = A\n[site]\ncode = a\n",
		"code 'a' is also a [site a] section");
	REFUSED("[site]\ncode = oakfield\n[site Big]\nname = B\n",
		"site code 'Big' must be lower-case");
	REFUSED("[site]\ncode =\n", "must be lower-case");
	REFUSED("[site]\ncode = oakfield\ncolour = blue\n",
		"pipeline.conf':3: [site]: unknown key 'colour'");
	REFUSED("[site]\ncode = oakfield\n[site other]\ncode = x\n",
		"pipeline.conf':4: [site]: unknown key 'code'");
}

static void test_config_roster(void)
{
	struct config *c;
	const struct roster_conf *r;

	c = load("[site]\ncode = oakfield\n"
		 "[roster students]\n"
		 "file = samples/students.csv\n"
		 "external_id = Adno\n"
		 "forename = Forename\n"
		 "surname = Surname\n"
		 "date_of_birth = DOB\n"
		 "date_format = yyyy-mm-dd\n"
		 "groups = Year, Reg ,  Class\n"
		 "class = Reg\n"
		 "email = Email\n"
		 "email_verified = Email Verified\n"
		 "user_type = student\n"
		 "username_pattern = {forename}.{surname}\n"
		 "encoding = CP1252\n"
		 "leaver_threshold = 25%\n"
		 "[roster staff]\n"
		 "external_id = Staff ID\n"
		 "forename = Forename\n"
		 "surname = Surname\n"
		 "user_type_column = Role\n"
		 "leaver_threshold = 5\n"
		 "groups = Department\n"
		 "[roster staff]\n"
		 "username = Username\n");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->nrosters == 2);
	r = config_roster(c, NULL);
	CHECK(r != NULL && strcmp(r->name, "students") == 0);
	r = config_roster(c, "students");
	CHECK(r != NULL);
	if (r) {
		char *want = xasprintf("%s/samples/students.csv", tmpdir);

		CHECK_STR(r->file, want);
		free(want);
		CHECK_STR(r->external_id, "Adno");
		CHECK_STR(r->forename, "Forename");
		CHECK_STR(r->surname, "Surname");
		CHECK_STR(r->date_of_birth, "DOB");
		CHECK_STR(r->class_column, "Reg");
		CHECK_STR(r->date_format, "yyyy-mm-dd");
		CHECK(r->ngroups == 3);
		if (r->ngroups == 3) {
			CHECK_STR(r->groups[0], "Year");
			CHECK_STR(r->groups[1], "Reg");
			CHECK_STR(r->groups[2], "Class");
		}
		CHECK_STR(r->email, "Email");
		CHECK_STR(r->email_verified, "Email Verified");
		CHECK_STR(r->user_type, "student");
		CHECK(r->user_type_column == NULL);
		CHECK_STR(r->username_pattern, "{forename}.{surname}");
		CHECK_STR(r->encoding, "windows-1252");
		CHECK(r->leaver_threshold > 0.2499 &&
		      r->leaver_threshold < 0.2501);
		CHECK(r->username == NULL);
	}
	r = config_roster(c, "staff");
	CHECK(r != NULL);
	if (r) {
		/* A second [roster staff] section adds to the first. */
		CHECK_STR(r->username, "Username");
		CHECK_STR(r->user_type_column, "Role");
		CHECK(r->user_type == NULL);
		CHECK(r->leaver_threshold > 0.0499 &&
		      r->leaver_threshold < 0.0501);
		CHECK(r->ngroups == 1);
		/* Defaults. */
		CHECK(r->class_column == NULL);
		CHECK_STR(r->encoding, "utf-8");
		CHECK_STR(r->date_format, "dd/mm/yyyy");
		CHECK_STR(r->username_pattern, "{initial}{surname}");
		CHECK(r->file == NULL && r->date_of_birth == NULL);
	}
	CHECK(config_roster(c, "parents") == NULL);
	config_free(c);

	/* The default threshold is 10%; 0% and 100% are allowed. */
	c = load("[site]\ncode = a\n" ROSTER_OK
		 "[roster b]\nexternal_id = x\nforename = f\nsurname = s\n"
		 "user_type = t\nleaver_threshold = 0%\n"
		 "[roster c]\nexternal_id = x\nforename = f\nsurname = s\n"
		 "user_type = t\nleaver_threshold = 100%\n"
		 "encoding = UTF8\n");
	CHECK(c != NULL);
	if (c) {
		r = config_roster(c, "students");
		CHECK(r && r->leaver_threshold > 0.0999 &&
		      r->leaver_threshold < 0.1001);
		r = config_roster(c, "b");
		CHECK(r && r->leaver_threshold == 0.0);
		r = config_roster(c, "c");
		CHECK(r && r->leaver_threshold == 1.0);
		CHECK(r && strcmp(r->encoding, "utf-8") == 0);
	}
	config_free(c);

	/* Refusals. */
	REFUSED("[site]\ncode = a\n[roster s]\nforename = F\nsurname = S\n"
		"user_type = student\n",
		"[roster s] needs external_id");
	REFUSED("[site]\ncode = a\n[roster s]\nexternal_id = A\nsurname = S\n"
		"user_type = student\n",
		"[roster s] needs forename");
	REFUSED("[site]\ncode = a\n[roster s]\nexternal_id = A\n"
		"forename = F\nsurname = S\nuser_type = student\n"
		"user_type_column = Role\n",
		"[roster s] needs exactly one of user_type and "
		"user_type_column");
	REFUSED("[site]\ncode = a\n[roster s]\nexternal_id = A\n"
		"forename = F\nsurname = S\n",
		"[roster s] needs exactly one of user_type and "
		"user_type_column");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "date_format = dd/mm/yy\n",
		"pipeline.conf':8: date_format: 'dd/mm/yy' is not made of");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "date_format = dd/dd/yyyy\n",
		"pipeline.conf':8: date_format: 'dd/dd/yyyy'");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "date_format = mm yyyy dd\n",
		"pipeline.conf':8: date_format");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "leaver_threshold = 101%\n",
		"pipeline.conf':8: leaver_threshold: '101%' is not a "
		"percentage");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "leaver_threshold = ten\n",
		"pipeline.conf':8: leaver_threshold: 'ten'");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "leaver_threshold = -5%\n",
		"pipeline.conf':8: leaver_threshold");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "encoding = latin-2\n",
		"pipeline.conf':8: encoding: 'latin-2' is not utf-8");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "colour = blue\n",
		"pipeline.conf':8: [roster students]: unknown key 'colour'");
	REFUSED("[site]\ncode = a\n[roster]\nexternal_id = A\n",
		"pipeline.conf':4: unknown section [roster]");
}

static void test_config_errors(void)
{
	const char *err;
	char line[400];

	REFUSED("[site]\ncode = a\n[stores]\ndatabase = x\n",
		"pipeline.conf':4: unknown section [stores]");
	REFUSED("[site]\ncode = a\n[store extra]\ndatabase = x\n",
		"pipeline.conf':4: unknown section [store extra]");
	REFUSED("[site]\ncode = a\n[store]\ndatabse = x\n",
		"pipeline.conf':4: [store]: unknown key 'databse'");
	REFUSED("[site]\ncode = a\n[import]\nmax_fields = 1\n",
		"pipeline.conf':4: [import]: unknown key 'max_fields'");
	REFUSED("[site]\ncode = a\n[output]\ndir = x\n",
		"pipeline.conf':4: [output]: unknown key 'dir'");
	REFUSED("[site]\ncode = a\n[run]\nstage = x\n",
		"pipeline.conf':4: [run]: unknown key 'stage'");
	REFUSED("[site]\ncode = a\n[store]\nreveal = maybe\n",
		"pipeline.conf':4: reveal: 'maybe' is not yes or no");
	REFUSED("[site]\ncode = a\n[store]\nargon2_ops = two\n",
		"pipeline.conf':4: argon2_ops: 'two' is not a number");
	REFUSED("[site]\ncode = a\n[store]\nargon2_ops = 0\n",
		"pipeline.conf':4: argon2_ops: '0'");
	REFUSED("[site]\ncode = a\n[store]\nargon2_ops = 3x\n",
		"pipeline.conf':4: argon2_ops: '3x'");
	REFUSED("[site]\ncode = a\n[store]\nargon2_mem_kib = 4\n",
		"pipeline.conf':4: argon2_mem_kib: '4'");
	REFUSED("[site]\ncode = a\n[import]\n"
		"max_field = 99999999999999999999\n",
		"pipeline.conf':4: max_field:");
	REFUSED("[site]\ncode = a\n[import]\nmax_field = 8\n",
		"pipeline.conf':4: max_field: '8'");
	REFUSED("[site]\ncode = a\n" ROSTER_OK "[run]\nroster = staff\n",
		"[run] roster 'staff' has no [roster staff] section");
	REFUSED("code = a\n[site]\ncode = a\n",
		"pipeline.conf':1: 'code' is outside any [section]");
	REFUSED("[site]\ncode = a\nthis is not ini\n",
		"pipeline.conf':3: not a [section] nor a key = value line");

	/* A long line is refused with its number, not split in two. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "name = ", 7);
	line[250] = '\0';
	{
		char *text = xasprintf("[site]\ncode = a\n%s\n[store]\n"
				       "reveal = yes\n", line);

		err = REFUSED(text, "pipeline.conf':3: line is longer than");
		/* The rest of the long line is not read as keys. */
		CHECK(strstr(err, ":4:") == NULL);
		free(text);
	}
	/* The limit is exact: 198 bytes pass, 199 do not. */
	line[199] = '\0';
	{
		char *text = xasprintf("[site]\ncode = a\n%s\n", line);

		REFUSED(text,
			"pipeline.conf':3: line is longer than 198 bytes");
		free(text);
	}
	line[198] = '\0';
	{
		char *text = xasprintf("[site]\ncode = a\n%s\n", line);
		struct config *c = load(text);

		CHECK(c != NULL);
		if (c)
			CHECK(strlen(c->sites[0].name) == 198 - 7);
		config_free(c);
		free(text);
	}
	/* Every problem is reported, each with its line, in one go. */
	err = REFUSED("[site]\ncode = a\n[store]\nreveal = maybe\n"
		      "argon2_ops = x\n[bogus]\nk = v\n",
		      "pipeline.conf':4: reveal");
	CHECK(strstr(err, "pipeline.conf':5: argon2_ops") != NULL);
	CHECK(strstr(err, "pipeline.conf':7: unknown section [bogus]") !=
	      NULL);
	/* The message names the file as given. */
	{
		char *want = xasprintf("tempass: '%s/pipeline.conf':4: ",
				       tmpdir);

		CHECK(strstr(err, want) == err);
		free(want);
	}
}

static void test_config_path(void)
{
	struct config *c = load("[site]\ncode = a\n");

	CHECK(c != NULL);
	if (!c)
		return;
	{
		char *p = config_path(c, "/etc/tempass/key");
		char *q = config_path(c, "var/x.db");
		char *want = xasprintf("%s/var/x.db", tmpdir);

		CHECK_STR(p, "/etc/tempass/key");
		CHECK_STR(q, want);
		free(p);
		free(q);
		free(want);
	}
	/* A configuration in the root folder. */
	free(c->dir);
	c->dir = xstrdup("/");
	{
		char *p = config_path(c, "var/x.db");

		CHECK(p && strstr(p, "var/x.db") && p[0] == '/');
		free(p);
	}
	config_free(c);
}

/*
 * A PostgreSQL connection string is kept as written; a relative path,
 * even one that holds '=' or "://", is a file beside the configuration.
 */
static void test_config_database(void)
{
	static const struct {
		const char *value;
		int server;
	} cases[] = {
		{ "postgresql://tp@db.example/tempass", 1 },
		{ "postgres:///tempass?host=/run/pg", 1 },
		{ "host=/run/pg dbname=tempass", 1 },
		{ "dbname = tempass", 1 },
		{ "service=trust", 1 },
		{ "var/a=b.db", 0 },
		{ "hosts=x.db", 0 },
		{ "var/postgresql://x", 0 },
		{ "tempass.db", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = xasprintf("[site]\ncode = a\n[store]\n"
				       "database = %s\n", cases[i].value);
		struct config *c = load(text);
		char *want = cases[i].server ? xstrdup(cases[i].value) :
			     xasprintf("%s/%s", tmpdir, cases[i].value);

		CHECK(c != NULL);
		if (c)
			CHECK_STR(c->database, want);
		CHECK(store_is_server(cases[i].value) == cases[i].server);
		config_free(c);
		free(want);
		free(text);
	}
}

static void test_config_bool(void)
{
	static const char *const yes[] = { "yes", "YES", "true", "True",
					   "on", "1" };
	static const char *const no[] = { "no", "No", "false", "FALSE",
					  "off", "0" };
	static const char *const neither[] = { "", "y", "n", "2", "yess",
					       "maybe", " yes", "-1",
					       "enabled" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		CHECK(config_bool(yes[i]) == 1);
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		CHECK(config_bool(no[i]) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(neither); i++)
		CHECK(config_bool(neither[i]) == -1);
}

static void test_config_policy(void)
{
	struct config *c;
	const struct policy *p;
	const char *err;

	c = load("[site]\ncode = a\n[policy student]\nlength = 12\n"
		 "[policy staff]\nstyle = words\n[policy student]\n"
		 "min_digits = 2\n");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->npolicies == 2);
	p = config_policy(c, "student");
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->user_type, "student");
		CHECK(p->length == 12);
		CHECK(p->min_digits == 2);
	}
	p = config_policy(c, "staff");
	CHECK(p != NULL && p->style == POLICY_WORDS);
	CHECK(config_policy(c, "governor") == NULL);
	config_free(c);
	/* policy_set names the key; config adds the file and line, on the
	 * same line of the message. */
	err = REFUSED("[site]\ncode = a\n[policy student]\nlength = two\n",
		      "length: 'two' is not a number");
	CHECK(strstr(err, "pipeline.conf':4: [policy student]: length:") !=
	      NULL);
	REFUSED("[site]\ncode = a\n[policy student]\ncolour = red\n",
		"pipeline.conf':4: [policy student]: unknown key 'colour'");
	REFUSED("[site]\ncode = a\n[policy]\nlength = 12\n",
		"pipeline.conf':4: unknown section [policy]");
	config_free(NULL);   /* NULL-safe */
}

/* [output] xlsx_columns: the teacher's columns by default, names of the
 * record stream in the order given, '*' for all; any other name refused. */
static void test_config_xlsx_columns(void)
{
	static const char *const teacher[] = {
		"forename", "surname", "username", "password", "class",
		"born_day", "expires",
	};
	struct config *c = load("[site]\ncode = a\n");
	size_t i;

	CHECK(c && c->nxlsx_columns == ARRAY_SIZE(teacher) && !c->xlsx_all);
	for (i = 0; c && i < c->nxlsx_columns && i < ARRAY_SIZE(teacher); i++)
		CHECK_STR(c->xlsx_columns[i], teacher[i]);
	config_free(c);
	c = load("[site]\ncode = a\n[output]\nxlsx_columns = password ,"
		 "username\n");
	CHECK(c && c->nxlsx_columns == 2 && !c->xlsx_all);
	if (c && c->nxlsx_columns == 2) {
		CHECK_STR(c->xlsx_columns[0], "password");
		CHECK_STR(c->xlsx_columns[1], "username");
	}
	config_free(c);
	c = load("[site]\ncode = a\n[output]\nxlsx_columns = *\n");
	CHECK(c && c->xlsx_all);
	config_free(c);
	REFUSED("[site]\ncode = a\n[output]\nxlsx_columns = forename, klass\n",
		"pipeline.conf':4: xlsx_columns: 'klass' is not a column of "
		"the records");
	REFUSED("[site]\ncode = a\n[output]\nxlsx_columns = *, group\n",
		"xlsx_columns: '*' is not a column of the records");
	REFUSED("[site]\ncode = a\n[output]\nxlsx_columns = ,\n",
		"pipeline.conf':4: xlsx_columns: no column named");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_config_load);
	RUN(test_config_sites);
	RUN(test_config_roster);
	RUN(test_config_errors);
	RUN(test_config_path);
	RUN(test_config_database);
	RUN(test_config_bool);
	RUN(test_config_policy);
	RUN(test_config_xlsx_columns);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	TEST_EXIT();
}
