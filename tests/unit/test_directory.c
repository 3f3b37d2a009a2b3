/*
 * test_directory: the directory formats' encodings checked against values
 * worked out by hand from their specifications: base64 (RFC 4648's test
 * vectors), UTF-16LE (a character beyond the BMP as a surrogate pair),
 * and AD's unicodePwd (Microsoft: the password in double quotes, UTF-16LE).
 */
#include "formats/directory.h"

#include "core/util.h"
#include "tests/unit/test.h"

static void test_sbuf_add_base64(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob",
					  "fooba", "foobar" };
	static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v",
					    "Zm9vYg==", "Zm9vYmE=",
					    "Zm9vYmFy" };

	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		struct sbuf sb = SBUF_INIT;

		sbuf_add_base64(&sb, in[i], strlen(in[i]));
		CHECK_STR(sbuf_str(&sb), want[i]);
		sbuf_release(&sb);
	}
}

static void test_dir_utf16le(void)
{
	struct sbuf sb = SBUF_INIT;

	/* "aé😀": 61 00, e9 00, then U+1F600 as D83D DE00. */
	dir_utf16le(&sb, "a\xc3\xa9\xf0\x9f\x98\x80");
	CHECK(sb.len == 8);
	CHECK(sb.len == 8 && memcmp(sb.buf, "a\0\xe9\0\x3d\xd8\x00\xde", 8) == 0);
	sbuf_release(&sb);
}

/* One AD record, whole: Microsoft's example password "newPassword". */
static void test_dir_ad(void)
{
	struct dir_batch b = { "Oak", "3", "7", "2026-09-03T08:14:00Z",
			       NULL };
	struct dir_entry e = { .id = "CN=Ann Lee,DC=x", .username = "alee",
			       .password = "newPassword" };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	CHECK(dir_write(fp, DIR_AD, &b, &e, 1) == 0);
	fclose(fp);
	CHECK(strstr(buf, "# tempass: Oak, batch v3 (id 7), made "
		     "2026-09-03T08:14:00Z\n") == buf);
	CHECK(strstr(buf, "\n\n# tempass: batch v3 (id 7) user alee\n"
		     "dn: CN=Ann Lee,DC=x\nchangetype: modify\n"
		     "replace: unicodePwd\n"
		     "unicodePwd:: IgBuAGUAdwBQAGEAcwBzAHcAbwByAGQAIgA=\n-\n"
		     "replace: pwdLastSet\npwdLastSet: 0\n-\n\n") != NULL);
	free(buf);
}

/* With a marker: the previous batch's value deleted and this one's added
 * before the password, in the same modify; the password part as without;
 * a user with no previous batch only adds. */
static void test_dir_ad_marker(void)
{
	struct dir_batch b = { "Oak", "3", "7", "2026-09-03T08:14:00Z",
			       "employeeNumber" };
	struct dir_entry e[] = {
		{ .id = "CN=Ann Lee,DC=x", .username = "alee",
		  .password = "newPassword",
		  .marker_old = "tempass oak v2 alee",
		  .marker_new = "tempass oak v3 alee" },
		{ .id = "CN=Bo,DC=x", .username = "bo", .password = "x",
		  .marker_new = "tempass oak v3 bo" },
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	CHECK(dir_write(fp, DIR_AD, &b, e, 2) == 0);
	fclose(fp);
	CHECK(strstr(buf, "# a record of an older batch than the directory "
		     "holds fails on its employeeNumber\n\n") != NULL);
	CHECK(strstr(buf, "dn: CN=Ann Lee,DC=x\nchangetype: modify\n"
		     "delete: employeeNumber\n"
		     "employeeNumber: tempass oak v2 alee\n-\n"
		     "add: employeeNumber\n"
		     "employeeNumber: tempass oak v3 alee\n-\n"
		     "replace: unicodePwd\n"
		     "unicodePwd:: IgBuAGUAdwBQAGEAcwBzAHcAbwByAGQAIgA=\n-\n"
		     "replace: pwdLastSet\npwdLastSet: 0\n-\n\n") != NULL);
	CHECK(strstr(buf, "dn: CN=Bo,DC=x\nchangetype: modify\n"
		     "add: employeeNumber\n"
		     "employeeNumber: tempass oak v3 bo\n-\n"
		     "replace: unicodePwd\n") != NULL);
	free(buf);
}

static int got_record(void *arg, const struct dir_ad_record *r)
{
	char **out = arg;

	*out = xasprintf("%s|%s|%s|%s|%s|%lu", r->username, r->version,
			 r->batch, r->dn, r->password, r->line);
	return 0;
}

/* What dir_write() writes, dir_read_ad() reads back: a DN beyond ASCII
 * and a password beyond the BMP too; a damaged value is refused. */
static void test_dir_read_ad(void)
{
	struct dir_batch b = { "Oak", "3", "7", "2026-09-03T08:14:00Z",
			       NULL };
	struct dir_entry e = { .id = "CN=Zo\xc3\xab,DC=x", .username = "zoe",
			       .password = "p\xc3\xa4ss\xf0\x9f\x98\x80" };
	char *buf = NULL, *got = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	CHECK(dir_write(fp, DIR_AD, &b, &e, 1) == 0);
	fclose(fp);
	CHECK(dir_is_ad(buf, len));
	CHECK(!dir_is_ad("username\tpassword\n", 18));
	CHECK(dir_read_ad(buf, len, "t", got_record, &got) == 0);
	CHECK_STR(got, "zoe|3|7|CN=Zo\xc3\xab,DC=x|p\xc3\xa4ss\xf0\x9f\x98\x80|6");
	free(got);
	got = NULL;
	*strstr(buf, "unicodePwd:: ") = 'X';   /* no password: no record */
	CHECK(dir_read_ad(buf, len, "t", got_record, &got) == 0 && !got);
	free(buf);
	const char *bad = "# tempass: batch v1 (id 1) user a\ndn: x\n"
			  "unicodePwd:: IgB!\n\n";

	CHECK(dir_read_ad(bad, strlen(bad), "t", got_record, &got) == -1);
}

int main(void)
{
	RUN(test_sbuf_add_base64);
	RUN(test_dir_utf16le);
	RUN(test_dir_ad);
	RUN(test_dir_ad_marker);
	RUN(test_dir_read_ad);
	TEST_EXIT();
}
