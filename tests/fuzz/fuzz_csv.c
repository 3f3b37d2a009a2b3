/*
 * fuzz_csv: formats/csv, the roster reader, over arbitrary bytes. The first
 * byte picks the options (encoding, a small max_field, memory or stream);
 * the rest is the file. The first row is taken as the header and mapped
 * onto the sample roster's columns the way the import stage does it, and
 * every row is held to what csv.h promises: fields are valid UTF-8 with no
 * CR and no longer than max_field, rows start on increasing physical lines
 * that exist, and a bad row says why.
 */
#include "tests/fuzz/fuzz.h"

#include <strings.h>

#include "core/util.h"
#include "formats/csv.h"

static const size_t max_fields[] = { 0, 1, 2, 3, 4, 8, 16, 100 };

/* The columns pipeline.conf maps for the students roster. */
static const char *const mapped[] = {
	"Adno", "Forename", "Surname", "DOB", "Year", "Reg", "Email",
	"Email Verified",
};

/* Physical lines: ended by LF, CRLF or a lone CR, as csv.c counts them. */
static unsigned long count_lines(const uint8_t *d, size_t n)
{
	unsigned long lines = 1;

	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n')
			i++;
		if (d[i] == '\n' || d[i] == '\r')
			lines++;
	}
	return lines;
}

/* Like the import stage: a header name matches without case or spaces. */
static long find_column(const struct csv_row *h, const char *name)
{
	for (size_t i = 0; i < h->nfields; i++) {
		const char *s = h->fields[i];
		size_t n;

		s += strspn(s, " \t");
		n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == strlen(name) && strncasecmp(s, name, n) == 0)
			return (long)i;
	}
	return -1;
}

static void check_row(const struct csv_row *row, size_t max_field)
{
	/* A row that went wrong before its first field ended has none. */
	FUZZ_CHECK(row->nfields >= 1 || row->error);
	FUZZ_CHECK(!row->error || row->error[0]);
	for (size_t i = 0; i < row->nfields; i++) {
		const char *f = row->fields[i];
		size_t n = strlen(f);

		FUZZ_CHECK(n <= max_field);
		FUZZ_CHECK(utf8_valid(f, n));
		FUZZ_CHECK(!memchr(f, '\r', n));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_options opt = { CSV_UTF8, 0, 0 };
	struct csv_reader *r;
	struct csv_row *row;
	long cols[ARRAY_SIZE(mapped)];
	unsigned long lines, last = 0, nrows = 0;
	size_t max_field;
	FILE *fp = NULL;
	int got, header = 1;
	uint8_t o;

	if (size < 1)
		return 0;
	o = data[0];
	data++;
	size--;
	opt.encoding = o & 1 ? CSV_WINDOWS_1252 : CSV_UTF8;
	opt.max_field = max_fields[(o >> 1) & 7];
	max_field = opt.max_field ? opt.max_field : 64 * 1024;
	lines = count_lines(data, size);

	if (o & 0x10) {
		static char empty[1];

		/* fmemopen() refuses a size of 0: one byte, read at once. */
		fp = size ? fmemopen((void *)data, size, "rb") :
			    fmemopen(empty, 1, "rb");
		if (!fp)
			return 0;
		if (!size)
			fgetc(fp);
		r = csv_open("-", fp, "fuzz.csv", &opt);
	} else {
		r = csv_open_mem(data, size, "fuzz.csv", &opt);
	}
	if (!r) {
		/*
		 * Only a byte order mark that rules the file out, or, read
		 * from a stream, a line of over a megabyte.
		 */
		FUZZ_CHECK(size >= 2);
		FUZZ_CHECK((data[0] == 0xFF && data[1] == 0xFE) ||
			   (data[0] == 0xFE && data[1] == 0xFF) ||
			   (opt.encoding == CSV_WINDOWS_1252 && size >= 3 &&
			    !memcmp(data, "\xEF\xBB\xBF", 3)) ||
			   (fp && size > 1024 * 1024));
		goto out;
	}

	while ((got = csv_next(r, &row)) > 0) {
		check_row(row, max_field);
		FUZZ_CHECK(row->line > last && row->line <= lines);
		last = row->line;
		FUZZ_CHECK(++nrows <= lines);
		if (header) {
			for (size_t i = 0; i < ARRAY_SIZE(mapped); i++)
				cols[i] = find_column(row, mapped[i]);
			header = 0;
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(mapped); i++) {
			/* A short row lacks the column: read as empty. */
			const char *v = cols[i] >= 0 &&
					(size_t)cols[i] < row->nfields ?
					row->fields[cols[i]] : "";

			FUZZ_CHECK(strlen(v) <= max_field);
		}
	}
	/* The end, or a fatal error, stays where it is. */
	FUZZ_CHECK(csv_next(r, &row) == got && !row);
	csv_close(r);
out:
	if (fp)
		fclose(fp);
	return 0;
}
