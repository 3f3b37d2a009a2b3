/*
 * test_ldif: formats/ldif.c, the LDIF written for ldapmodify and read back
 * from ldapsearch: values that are not safe strings go base64, and the
 * reader joins continued lines, decodes base64, keeps change lines ("-")
 * and skips comments and ldapsearch's own lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/secrets.h"
#include "core/util.h"
#include "formats/ldif.h"
#include "tests/unit/test.h"

static void test_ldif_line(void)
{
	struct sbuf sb = SBUF_INIT;

	ldif_line(&sb, "uid", "jkowalski");
	ldif_line(&sb, "cn", "Zoë");
	ldif_line(&sb, "sn", " lead");
	ldif_line(&sb, "sn", "trail ");
	ldif_line(&sb, "sn", ":colon");
	ldif_line(&sb, "sn", "<url");
	ldif_line(&sb, "sn", "two\nlines");
	ldif_line(&sb, "dn", "uid=a\\,b,dc=x");
	CHECK_STR(sbuf_str(&sb), "uid: jkowalski\n"
		  "cn:: Wm/Dqw==\n"
		  "sn:: IGxlYWQ=\n"
		  "sn:: dHJhaWwg\n"
		  "sn:: OmNvbG9u\n"
		  "sn:: PHVybA==\n"
		  "sn:: dHdvCmxpbmVz\n"
		  "dn: uid=a\\,b,dc=x\n");
	sbuf_release(&sb);
}

static FILE *text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

static void test_ldif_read(void)
{
	static const char in[] =
		"# extended LDIF\n"
		"version: 1\n"
		"\n"
		"# jkowalski, pupils\n"
		"dn: uid=jkowalski,ou=pupils,dc=exa\n"
		" mple,dc=org\n"
		"cn:: Wm/Dqw==\n"
		"pwdChangedTime: 20261207192901Z\n"
		"\n"
		"\n"
		"dn: uid=b,dc=x\n"
		"changetype: modify\n"
		"add: employeeNumber\n"
		"employeeNumber: tempass oakfield v2 b\n"
		"-\n"
		"\n"
		"# search result\n"
		"search: 2\n"
		"result: 0 Success\n";
	FILE *f = text(in);
	struct ldif_reader *r = ldif_reader_new(f, "t.ldif");
	struct ldif_entry *e;

	CHECK(ldif_read(r, &e) == 1);
	CHECK_STR(ldif_get(e, "dn"),
		  "uid=jkowalski,ou=pupils,dc=example,dc=org");
	CHECK_STR(ldif_get(e, "CN"), "Zoë");
	CHECK_STR(ldif_get(e, "pwdchangedtime"), "20261207192901Z");
	CHECK(ldif_get(e, "mail") == NULL);
	CHECK(e->line == 5);
	CHECK(ldif_read(r, &e) == 1);
	CHECK(e->n == 5);
	CHECK_STR(e->attrs[2].name, "add");
	CHECK_STR(e->attrs[4].name, "-");
	CHECK_STR(e->attrs[4].value, "");
	CHECK(ldif_read(r, &e) == 0);
	ldif_reader_free(r);
	fclose(f);
}

static void test_ldif_read_errors(void)
{
	static const char *const bad[][2] = {
		{ "dn: a\nnot a line\n", "'t.ldif':2: is not an 'attribute: "
		  "value' line" },
		{ "dn: a\ncn:: ***\n", "'t.ldif':2: the value of 'cn' is not "
		  "base64" },
		{ "dn: a\njpegPhoto:< file:///x\n", "'t.ldif':2: a value by "
		  "URL ('jpegPhoto:<') is not read" },
		{ "cn: a\n", "'t.ldif':1: an entry starts with 'dn:', not "
		  "'cn:'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		FILE *f = text(bad[i][0]);
		struct ldif_reader *r = ldif_reader_new(f, "t.ldif");
		struct ldif_entry *e;
		const char *err;

		capture_begin();
		CHECK(ldif_read(r, &e) == -1);
		err = capture_end();
		CHECK(strstr(err, bad[i][1]) != NULL);
		ldif_reader_free(r);
		fclose(f);
	}
}

static void test_ldif_detect(void)
{
	CHECK(ldif_detect("dn: x", 5));
	CHECK(ldif_detect("DN: x", 5));
	CHECK(ldif_detect("# extended", 10));
	CHECK(ldif_detect("version: 1", 10));
	CHECK(!ldif_detect("username\n", 9));
	CHECK(!ldif_detect("d", 1));
	CHECK(!ldif_detect("", 0));
}

int main(void)
{
	if (secrets_init() != 0)
		return 1;
	RUN(test_ldif_line);
	RUN(test_ldif_read);
	RUN(test_ldif_read_errors);
	RUN(test_ldif_detect);
	TEST_EXIT();
}
