/*
 * bench_xlsx: what libxlsxwriter alone costs for a batch's workbook, the
 * yardstick of `emit xlsx` in tests/bench.sh. It reads the records (TSV
 * with a header, as regenerate writes them) untimed, sorts them by group,
 * then times the library writing the cells emit writes: one sheet per
 * group in constant_memory mode (its temporary files in a folder of
 * their own beside the output, as emit's), the title row, the bold
 * header, the columns given, the password in a monospace font, frozen
 * panes and an autofilter; nothing of tempass's own (no checks, no
 * escapes, no widths, no reading or sorting, no fsync).
 *
 *   bench_xlsx RECORDS OUT.xlsx COLUMN,COLUMN,...
 *
 * prints one line, "rows=N sheets=S seconds=T cpu=C" (C: the processor
 * time of the same span, which a busy machine does not stretch), so the
 * script can read it with sed. It is built by tests/bench.sh, not by
 * make.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

struct rec {
	char **f;               /* the fields of one record */
};

static long group_col = -1;

static int by_group(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return strcmp(x->f[group_col], y->f[group_col]);
}

static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "bench_xlsx: out of memory\n");
		exit(1);
	}
	return p;
}

/* Splits line (no newline) at tabs, in place; *n fields. */
static char **split(char *line, size_t *n)
{
	size_t cap = 16;
	char **f = must(malloc(cap * sizeof(*f)));

	*n = 0;
	for (;;) {
		char *tab = strchr(line, '\t');

		if (*n == cap)
			f = must(realloc(f, (cap *= 2) * sizeof(*f)));
		f[(*n)++] = line;
		if (!tab)
			return f;
		*tab = '\0';
		line = tab + 1;
	}
}

int main(int argc, char **argv)
{
	FILE *in;
	char *line = NULL, **head, *want, *tok;
	size_t cap = 0, nhead, nf, nrec = 0, reccap = 1024, npick = 0, r, c;
	size_t sheets = 0;
	ssize_t len;
	long pick[64], pw = -1;
	struct rec *recs = must(malloc(reccap * sizeof(*recs)));
	struct timespec t0, t1, c0, c1;
	char tmpdir[4096];
	lxw_workbook_options lo = { .constant_memory = LXW_TRUE };
	lxw_workbook *wb;
	lxw_format *f_title, *f_header, *f_mono;
	lxw_error err;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_xlsx RECORDS OUT.xlsx "
			"COLUMN,...\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in || (len = getline(&line, &cap, in)) <= 0) {
		perror(argv[1]);
		return 1;
	}
	line[strcspn(line, "\n")] = '\0';
	head = split(strdup(line), &nhead);
	want = must(strdup(argv[3]));
	for (tok = strtok(want, ","); tok && npick < 64;
	     tok = strtok(NULL, ","))
		for (c = 0; c < nhead; c++)
			if (strcmp(head[c], tok) == 0)
				pick[npick++] = (long)c;
	for (c = 0; c < nhead; c++) {
		if (strcmp(head[c], "group") == 0)
			group_col = (long)c;
		if (strcmp(head[c], "password") == 0)
			pw = (long)c;
	}
	if (group_col < 0 || npick == 0) {
		fprintf(stderr, "bench_xlsx: no group column or no column "
			"to write\n");
		return 1;
	}
	while ((len = getline(&line, &cap, in)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (nrec == reccap)
			recs = must(realloc(recs, (reccap *= 2) *
					    sizeof(*recs)));
		recs[nrec].f = split(must(strdup(line)), &nf);
		if (nf != nhead) {
			fprintf(stderr, "bench_xlsx: record %zu has %zu "
				"fields\n", nrec + 1, nf);
			return 1;
		}
		nrec++;
	}
	fclose(in);
	qsort(recs, nrec, sizeof(*recs), by_group);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	{
		const char *slash = strrchr(argv[2], '/');

		snprintf(tmpdir, sizeof(tmpdir), "%.*s%s.%s.tmp.%ld.d",
			 slash ? (int)(slash - argv[2]) : 0, argv[2],
			 slash ? "/" : "", slash ? slash + 1 : argv[2],
			 (long)getpid());
		if (mkdir(tmpdir, 0700) != 0) {
			perror(tmpdir);
			return 1;
		}
		lo.tmpdir = tmpdir;
	}
	wb = workbook_new_opt(argv[2], &lo);
	if (!wb)
		return 1;
	f_title = workbook_add_format(wb);
	f_header = workbook_add_format(wb);
	f_mono = workbook_add_format(wb);
	format_set_bold(f_title);
	format_set_font_size(f_title, 13);
	format_set_bold(f_header);
	format_set_bottom(f_header, LXW_BORDER_THIN);
	format_set_font_name(f_mono, "Consolas");
	for (size_t start = 0, end; start < nrec; start = end) {
		const char *g = recs[start].f[group_col];
		char name[32], title[256];
		lxw_worksheet *ws;

		for (end = start; end < nrec &&
		     strcmp(recs[end].f[group_col], g) == 0; end++)
			;
		snprintf(name, sizeof(name), "%.31s", *g ? g : "Group");
		ws = workbook_add_worksheet(wb, name);
		if (!ws)
			return 1;
		sheets++;
		worksheet_freeze_panes(ws, 2, 0);
		worksheet_autofilter(ws, 1, 0, (lxw_row_t)(1 + end - start),
				     (lxw_col_t)(npick - 1));
		snprintf(title, sizeof(title), "Bench School \xE2\x80\x94 %s "
			 "\xE2\x80\x94 batch v1, generated 2026-09-03 08:14 "
			 "UTC", g);
		worksheet_write_string(ws, 0, 0, title, f_title);
		for (c = 0; c < npick; c++)
			worksheet_write_string(ws, 1, (lxw_col_t)c,
					       head[pick[c]], f_header);
		for (r = start; r < end; r++)
			for (c = 0; c < npick; c++)
				if (*recs[r].f[pick[c]])
					worksheet_write_string(
						ws, (lxw_row_t)(2 + r - start),
						(lxw_col_t)c, recs[r].f[pick[c]],
						pick[c] == pw ? f_mono : NULL);
		for (c = 0; c < npick; c++)
			worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
					     12, NULL);
	}
	err = workbook_close(wb);
	rmdir(tmpdir);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	if (err != LXW_NO_ERROR) {
		fprintf(stderr, "bench_xlsx: %s\n", lxw_strerror(err));
		return 1;
	}
	printf("rows=%zu sheets=%zu seconds=%.3f cpu=%.3f\n", nrec, sheets,
	       (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (double)(c1.tv_sec - c0.tv_sec) +
	       (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
	return 0;
}
