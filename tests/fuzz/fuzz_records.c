/*
 * fuzz_records: core/records, the stream between stages, read from arbitrary
 * bytes. The first byte picks the format (detected, TSV, CSV or NDJSON) and
 * whether the input can seek, since a detected CSV stream is handed over
 * differently from a file and from a pipe; the rest is the stream. Every
 * record and column is read and held to what records.h promises: named,
 * distinct columns found again by name, and values that are valid UTF-8
 * on increasing lines.
 */
#include "tests/fuzz/fuzz.h"

#include "core/records.h"
#include "core/util.h"

static const enum rec_format formats[] = {
	REC_AUTO, REC_TSV, REC_CSV, REC_NDJSON,
};

/* A pipe: reads only, so ftello() and fseeko() fail as on stdin. */
struct pipe_in {
	const uint8_t *data;
	size_t size, pos;
};

static ssize_t pipe_read(void *cookie, char *buf, size_t n)
{
	struct pipe_in *p = cookie;

	if (n > p->size - p->pos)
		n = p->size - p->pos;
	memcpy(buf, p->data + p->pos, n);
	p->pos += n;
	return (ssize_t)n;
}

static void read_all(struct rec_reader *r, size_t size)
{
	const char *const *v;
	size_t ncols = rec_ncols(r);
	unsigned long last = 0, n = 0;
	int got;

	FUZZ_CHECK(ncols >= 1);
	for (size_t i = 0; i < ncols; i++) {
		const char *name = rec_colname(r, i);

		FUZZ_CHECK(name[0]);
		FUZZ_CHECK(utf8_valid(name, strlen(name)));
		FUZZ_CHECK(rec_column(r, name) == (long)i);
	}
	while ((got = rec_read(r, &v)) > 0) {
		FUZZ_CHECK(v);
		for (size_t i = 0; i < ncols; i++)
			FUZZ_CHECK(v[i] && utf8_valid(v[i], strlen(v[i])));
		FUZZ_CHECK(rec_line(r) > last);
		last = rec_line(r);
		FUZZ_CHECK(++n <= size);
	}
	FUZZ_CHECK(!v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char empty[1];
	struct pipe_in pipe;
	struct rec_reader *r;
	FILE *fp;
	uint8_t o;

	if (size < 1)
		return 0;
	o = data[0];
	data++;
	size--;
	if (o & 4) {
		cookie_io_functions_t io = { .read = pipe_read };

		pipe = (struct pipe_in){ data, size, 0 };
		fp = fopencookie(&pipe, "rb", io);
	} else {
		/* fmemopen() refuses a size of 0: one byte, read at once. */
		fp = size ? fmemopen((void *)data, size, "rb") :
			    fmemopen(empty, 1, "rb");
		if (fp && !size)
			fgetc(fp);
	}
	if (!fp)
		return 0;
	r = rec_reader_new(fp, "<fuzz>", formats[o & 3]);
	if (r) {
		read_all(r, size);
		rec_reader_free(r);
	}
	fclose(fp);
	return 0;
}
