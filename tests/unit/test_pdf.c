/*
 * Unit tests of formats/pdf: the PDF is read back by independent readers,
 * as a teacher's copy and paste would: poppler (pdftotext, pdfinfo,
 * pdffonts, pdftoppm), pypdf and qpdf. Every poppler tool must also stay
 * silent on stderr, which is where libharu's broken ToUnicode CMap shows.
 * Layout is checked on rendered pixels (nothing outside the margins) and
 * on poppler's word boxes (no word crosses its strip's cut lines); the QR
 * code is checked module by module against libqrencode's own matrix, as no
 * QR decoder is installed (zbarimg, Debian's zbar-tools, would be one).
 *
 * The layout checks repeat a few constants of formats/pdf.c (margin,
 * strip padding and height): change them together.
 */
#include "formats/pdf.h"

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "tests/unit/test.h"

#define PYTHON		"/usr/bin/python3"
#define MARGIN		28.35
#define STRIP_FOOT	12.0
#define A4_W		595.276
#define A4_H		841.89
#define PAD_V		6.0
#define PAD_H		8.0
#define STRIP_H		(2 * PAD_V + 1.2 * (8 + 14 + 11 + 16 + 8 + 7))

static char tmpdir[64];

/* ==== Helpers: files, tools, text ==== */

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* The whole file, NUL-terminated; "" when it cannot be read. */
static char *slurp(const char *path)
{
	struct sbuf sb = SBUF_INIT;
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp) {
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			sbuf_add(&sb, buf, n);
		fclose(fp);
	}
	sbuf_addstr(&sb, "");
	return sbuf_detach(&sb);
}

/* Runs cmd with stdout and stderr captured; returns its exit status. */
static int run(const char *cmd, char **out, char **err)
{
	char *o = tmp_path("run.out"), *e = tmp_path("run.err");
	char *full = xasprintf("%s >%s 2>%s", cmd, o, e);
	int rc = system(full);

	*out = slurp(o);
	if (err)
		*err = slurp(e);
	free(full);
	free(o);
	free(e);
	return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Writes a PDF to path with doc (NULL: none, as pdf_write()); what was
 * printed on stderr in *diag. */
static int write_pdf_doc(const char *path, struct pdf_doc *doc,
			 const struct pdf_options *opt,
			 const struct pdf_entry *e, size_t n, char **diag)
{
	char *errpath = tmp_path("diag.txt");
	FILE *fp = fopen(path, "wb");
	int saved, fd, ret;

	if (!fp) {
		*diag = xstrdup("cannot open output");
		free(errpath);
		return -2;
	}
	fflush(stderr);
	saved = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	ret = pdf_write_prepared(doc, fp, opt, e, n);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(fp);
	*diag = slurp(errpath);
	free(errpath);
	return ret;
}

static int write_pdf(const char *path, const struct pdf_options *opt,
		     const struct pdf_entry *e, size_t n, char **diag)
{
	return write_pdf_doc(path, NULL, opt, e, n, diag);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = hay; (p = strstr(p, needle)); p += len)
		n++;
	return n;
}

/* Every run of white space as one space: a wrapped name is one name. */
static char *squash(const char *s)
{
	struct sbuf sb = SBUF_INIT;
	int space = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\f' ||
		    *s == '\r') {
			space = 1;
			continue;
		}
		if (space && sb.len)
			sbuf_addch(&sb, ' ');
		space = 0;
		sbuf_addch(&sb, *s);
	}
	sbuf_addstr(&sb, "");
	return sbuf_detach(&sb);
}

/* pdftotext of pages [first, last] (0: all); poppler must say nothing. */
static char *poppler_text(const char *pdf, int first, int last,
			  const char *extra)
{
	char *cmd, *out, *err;

	if (first)
		cmd = xasprintf("pdftotext %s -f %d -l %d '%s' -", extra,
				first, last, pdf);
	else
		cmd = xasprintf("pdftotext %s '%s' -", extra, pdf);
	CHECK(run(cmd, &out, &err) == 0);
	if (*err)
		fprintf(stderr, "  pdftotext said: %s", err);
	CHECK(*err == '\0');
	free(cmd);
	free(err);
	return out;
}

/* Each page's text as pypdf extracts it, pages ended by '\f'. */
static char *pypdf_text(const char *pdf)
{
	char *script = tmp_path("extract.py"), *cmd, *out, *err;
	FILE *fp = fopen(script, "w");

	fputs("import sys, pypdf\n"
	      "r = pypdf.PdfReader(sys.argv[1], strict=True)\n"
	      "for p in r.pages:\n"
	      "    sys.stdout.write(p.extract_text() + '\\f')\n", fp);
	fclose(fp);
	cmd = xasprintf("%s %s '%s'", PYTHON, script, pdf);
	CHECK(run(cmd, &out, &err) == 0);
	if (*err)
		fprintf(stderr, "  pypdf said: %s", err);
	CHECK(*err == '\0');
	free(cmd);
	free(err);
	free(script);
	return out;
}

/* The number after "Pages:" in pdfinfo's output, -1 if none. */
static int page_count(const char *pdf, char **info)
{
	char *cmd = xasprintf("pdfinfo '%s'", pdf), *err;
	const char *p;
	int n = -1;

	CHECK(run(cmd, info, &err) == 0);
	CHECK(*err == '\0');
	p = strstr(*info, "Pages:");
	if (p)
		n = atoi(p + 6);
	free(cmd);
	free(err);
	return n;
}

/* pdffonts: every font embedded, subset, with a ToUnicode map. */
static void check_fonts(const char *pdf, const char *const *want)
{
	char *cmd = xasprintf("pdffonts '%s'", pdf), *out, *err, *line;
	int fonts = 0;

	CHECK(run(cmd, &out, &err) == 0);
	CHECK(*err == '\0');
	for (; *want; want++)
		if (!strstr(out, *want)) {
			fprintf(stderr, "  no font %s in:\n%s", *want, out);
			CHECK(0);
		}
	line = strstr(out, "-----\n");
	for (line = line ? strchr(line, '\n') + 1 : out; *line; ) {
		char *end = strchr(line, '\n');

		if (end)
			*end = '\0';
		if (*line) {
			fonts++;
			if (!strstr(line, "yes yes yes")) {
				fprintf(stderr, "  font not embedded: %s\n",
					line);
				CHECK(0);
			}
		}
		line = end ? end + 1 : line + strlen(line);
	}
	CHECK(fonts > 0);
	free(cmd);
	free(out);
	free(err);
}

static void check_qpdf(const char *pdf)
{
	char *cmd = xasprintf("qpdf --check '%s'", pdf), *out, *err;

	CHECK(run(cmd, &out, &err) == 0);
	CHECK(strstr(out, "No syntax or stream encoding errors"));
	CHECK(*err == '\0');
	free(cmd);
	free(out);
	free(err);
}

/*
 * Text is written as literal strings of 2-byte codes; a code with a
 * line-end byte (U+010A, U+010D) must be escaped there, as a reader may
 * turn a raw CR into LF (ISO 32000 7.3.4.2). poppler and pypdf keep it
 * raw, so this looks at the uncompressed content itself.
 */
static const char line_ends_py[] =
	"import re, sys, zlib\n"
	"d = open(sys.argv[1], 'rb').read()\n"
	"n = [0, 0, 0, 0]\n"
	"for m in re.finditer(rb'stream\\r?\\n', d):\n"
	"    try:\n"
	"        c = zlib.decompressobj().decompress(d[m.end():])\n"
	"    except zlib.error:\n"
	"        continue\n"
	"    if b' Tj' not in c:\n"
	"        continue\n"
	"    for i, s in enumerate((b'\\x01\\r', b'\\x01\\\\r', b'\\x01\\n',\n"
	"                           b'\\x01\\\\n')):\n"
	"        n[i] += c.count(s)\n"
	"print(*n)\n";

static void check_line_ends(const char *pdf)
{
	char *py = tmp_path("line_ends.py"), *cmd, *out;
	FILE *fp = fopen(py, "w");

	CHECK(fp && fputs(line_ends_py, fp) >= 0 && fclose(fp) == 0);
	cmd = xasprintf(PYTHON " '%s' '%s'", py, pdf);
	CHECK(run(cmd, &out, NULL) == 0);
	/* In content streams: raw CR, escaped CR, raw LF, escaped LF after
	 * a 0x01 byte. */
	CHECK_STR(out, "0 1 0 1\n");
	free(cmd);
	free(out);
	free(py);
}

/* ==== Helpers: pixels and word boxes ==== */

struct pgm {
	int w, h;
	unsigned char *px;
};

static int pgm_parse(const char *data, size_t len, struct pgm *g)
{
	int maxval, used = 0;

	memset(g, 0, sizeof(*g));
	if (sscanf(data, "P5 %d %d %d%n", &g->w, &g->h, &maxval, &used) != 3
	    || maxval != 255 || g->w <= 0 || g->h <= 0 ||
	    (size_t)used + 1 + (size_t)g->w * (size_t)g->h > len)
		return -1;
	g->px = xmalloc((size_t)g->w * (size_t)g->h);
	memcpy(g->px, data + used + 1, (size_t)g->w * (size_t)g->h);
	return 0;
}

/* Page 'page' of pdf in grey at dpi, read back. */
static int render(const char *pdf, int page, int dpi, struct pgm *g)
{
	char *prefix = tmp_path("render"), *file, *cmd, *out, *err;
	struct stat st;
	int ret = -1;

	cmd = xasprintf("pdftoppm -r %d -gray -singlefile -f %d -l %d '%s' "
			"'%s'", dpi, page, page, pdf, prefix);
	file = xasprintf("%s.pgm", prefix);
	CHECK(run(cmd, &out, &err) == 0);
	CHECK(*err == '\0');
	if (stat(file, &st) == 0) {
		char *data = slurp(file);

		ret = pgm_parse(data, (size_t)st.st_size, g);
		free(data);
	}
	free(prefix);
	free(file);
	free(cmd);
	free(out);
	free(err);
	return ret;
}

/* Pixels darker than near-white outside the box [x0, x1) x [y0, y1). */
static long ink_outside(const struct pgm *g, int x0, int y0, int x1, int y1)
{
	long n = 0;

	for (int y = 0; y < g->h; y++)
		for (int x = 0; x < g->w; x++)
			if (g->px[(size_t)y * (size_t)g->w + (size_t)x] < 240 &&
			    (x < x0 || x >= x1 || y < y0 || y >= y1))
				n++;
	return n;
}

static long ink_outside_margins(const struct pgm *g, int dpi)
{
	double s = dpi / 72.0;
	/* One pixel of slack for anti-aliasing at the very edge. */
	int x0 = (int)floor(MARGIN * s) - 1, y0 = x0;
	int x1 = (int)ceil(g->w - MARGIN * s) + 1;
	int y1 = (int)ceil(g->h - MARGIN * s) + 1;

	return ink_outside(g, x0, y0, x1, y1);
}

struct word {
	int page;
	double x0, y0, x1, y1;
	char text[256];
};

static double attr(const char *tag, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(tag, key);
	return p ? atof(p + strlen(key)) : NAN;
}

/* The words of pdftotext -bbox, with their page (1-based). */
static size_t words_of(const char *html, struct word **out)
{
	struct word *w = NULL;
	size_t n = 0, cap = 0;
	int page = 0;

	for (const char *p = html; (p = strchr(p, '<')); p++) {
		const char *gt = strchr(p, '>'), *end;

		if (!gt)
			break;
		if (!strncmp(p, "<page ", 6)) {
			page++;
		} else if (!strncmp(p, "<word ", 6)) {
			struct word *x;
			size_t len;

			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				w = xrealloc(w, cap * sizeof(*w));
			}
			x = &w[n++];
			x->page = page;
			x->x0 = attr(p, "xMin");
			x->y0 = attr(p, "yMin");
			x->x1 = attr(p, "xMax");
			x->y1 = attr(p, "yMax");
			end = strstr(gt, "</word>");
			len = end ? (size_t)(end - gt - 1) : 0;
			if (len >= sizeof(x->text))
				len = sizeof(x->text) - 1;
			memcpy(x->text, gt + 1, len);
			x->text[len] = '\0';
		}
	}
	*out = w;
	return n;
}

/*
 * Each word inside the margins, and inside the strip its middle is in
 * (y from the top of the page, as poppler gives it). Returns how many
 * words break that.
 */
static int words_outside_strips(const struct word *w, size_t n,
				double page_w, double page_h, int per_page,
				int report)
{
	double h = (page_h - 2 * MARGIN - STRIP_FOOT) / per_page;
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		double mid = (w[i].y0 + w[i].y1) / 2;
		int strip = (int)floor((mid - MARGIN) / h);
		double top = MARGIN + strip * h, bottom = top + h;

		/* The footer's band, below the last strip. */
		if (strip == per_page) {
			top = page_h - MARGIN - STRIP_FOOT;
			bottom = page_h - MARGIN;
			strip = 0;
		}

		if (w[i].x0 < MARGIN || w[i].x1 > page_w - MARGIN ||
		    strip < 0 || strip >= per_page ||
		    w[i].y0 < top - 0.01 || w[i].y1 > bottom + 0.01) {
			if (report)
				fprintf(stderr, "  word '%s' on page %d at "
					"(%.1f %.1f %.1f %.1f) leaves strip "
					"%d\n", w[i].text, w[i].page, w[i].x0,
					w[i].y0, w[i].x1, w[i].y1, strip);
			bad++;
		}
	}
	return bad;
}

/* ==== Fixtures ==== */

struct person {
	const char *fore, *sur, *user, *pass, *group, *day;
};

/* Names from many scripts; passwords full of look-alikes; no username or
 * password occurs inside any other text of the list. */
static const struct person class_7a[] = {
	{ "Zoë", "Adeyemi", "zadeyemi", "Il1|O0", "7A", "14" },
	{ "Łukasz", "Wiśniewski", "lwisniewski", "ukulele-hazel-57", "7A",
	  "1" },
	{ "Siobhán", "Ó Súilleabháin", "sosuilleabhain", "0O-oO-Q0-D0",
	  "7A", "2" },
	{ "Nguyễn Văn", "Thảo", "tnguyen", "rn-m-nn-rm-41", "7A", "3" },
	{ "小明", "王", "xwang", "5S-2Z-8B-6G", "7A", "11" },
	{ "Hermione Alexandra", "Montgomery-Fitzwilliam-Featherstonehaugh-"
	  "Cholmondeley", "hmontgomery", "cedar-lamp-31", "7A", "12" },
	{ "Seán", "O'Brien", "sobrien", "l1-I1-|1-71", "7A", "13" },
	{ "Chloé", "Lefèvre", "clefevre", "fluffy-office-98", "7A", "21" },
	{ "Jürgen", "Müller", "jmuller", "vv-w-VV-W-22", "7A", "22" },
	{ "Aoife", "Ní Bhriain", "anibhriain", "cl-d-c1-d-33", "7A", "23" },
	{ "Małgorzata", "Żółkiewska", "mzolkiewska", "plum-sage-99", "7A",
	  "24" },
	{ "Søren", "Kierkegaard", "skierkegaard", "pear-fig-77", "7A", "30" },
	{ "Дмитрий", "Иванов", "divanov", "kiwi-lime-44", "7A", "31" },
	{ "Ελένη", "Παπαδοπούλου", "epapadopoulou", "maple-comet-15", "7A",
	  "5" },
	{ "Ayşe", "Yılmaz", "ayilmaz", "river-otter-88", "7A", "6" },
	{ "José", "Peña", "jpena", "tulip-mango-62", "7A", "7" },
	{ "François", "Dubois", "fdubois", "lemon-heron-19", "7A", "8" },
	{ "Björn", "Åström", "bastrom", "cobalt-wren-26", "7A", "9" },
	{ "Zuzana", "Dvořáková", "zdvorakova", "amber-finch-53", "7A",
	  "10" },
	{ "Ștefan", "Țurcanu", "sturcanu", "quartz-bison-84", "7A", "15" },
	{ "Oliver", "Smith", "osmith", "violet-moose-36", "7A", "16" },
	{ "Amelia", "Jones", "ajones", "copper-lynx-47", "7A", "17" },
	{ "Mohammed", "Rahman", "mrahman", "hazel-robin-58", "7A", "18" },
	{ "Isla", "Taylor", "itaylor", "ginger-koala-69", "7A", "19" },
	{ "Noah", "Williams", "nwilliams", "indigo-panda-70", "7A", "20" },
	{ "Ava", "Brown", "abrown", "silver-gecko-81", "7A", "25" },
	{ "Grace", "Thomas-Roberts", "gthomasroberts", "coral-yak-03",
	  "7A", "27" },
	{ "Freya", "Walker", "fwalker", "saffron-ibis-14", "7A", "28" },
	/* Codes whose bytes are a literal string's specials: U+010A and
	 * U+010D (a line end), U+0128 and U+0129 (parentheses), U+015C
	 * (backslash); and the specials themselves. */
	{ "Ċensu Ĩĩ", "Vašíček (Jr) \\ Ŝ", "cvasicek", "p(a)s\\s-11", "7A",
	  "26" },
	{ "Leo", "Wright", "lwright", "azure-quail-25", "7A", "" },
};

#define NPEOPLE ARRAY_SIZE(class_7a)

static void fill(struct pdf_entry *e, const struct person *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e[i] = (struct pdf_entry){
			.forename = p[i].fore, .surname = p[i].sur,
			.username = p[i].user, .password = p[i].pass,
			.group = p[i].group, .born_day = p[i].day,
			.expires = "2026-10-01T08:14:00Z", .version = "7",
			.generated_at = "2026-09-03T08:14:00Z",
		};
}

static char *full_name(const struct person *p)
{
	return xasprintf("%s %s", p->fore, p->sur);
}

static const char *const all_fonts[] = { "DejaVuSans,Book",
	"DejaVuSansMono,Book", "WenQuanYiMicroHei", NULL };

/* ==== Tests ==== */

static void test_pdf_write_strips(void)
{
	struct pdf_entry e[NPEOPLE];
	struct pdf_options opt = { .layout = PDF_STRIPS,
				   .site_name = "Springfield Academy" };
	char *pdf = tmp_path("strips.pdf"), *diag, *info, *text, *flat;
	char *py, *pyflat;

	fill(e, class_7a, NPEOPLE);
	CHECK(write_pdf(pdf, &opt, e, NPEOPLE, &diag) == 0);
	CHECK_STR(diag, "");
	CHECK(page_count(pdf, &info) == (int)((NPEOPLE + 7) / 8));
	CHECK(strstr(info, "595.276 x 841.89 pts (A4)"));
	text = poppler_text(pdf, 0, 0, "");
	flat = squash(text);
	py = pypdf_text(pdf);
	pyflat = squash(py);
	for (size_t i = 0; i < NPEOPLE; i++) {
		char *name = full_name(&class_7a[i]);

		if (count(flat, name) != 1 || count(text, class_7a[i].user)
		    != 1 || count(text, class_7a[i].pass) != 1)
			fprintf(stderr, "  poppler: %s / %s / %s\n", name,
				class_7a[i].user, class_7a[i].pass);
		CHECK(count(flat, name) == 1);
		CHECK(count(text, class_7a[i].user) == 1);
		CHECK(count(text, class_7a[i].pass) == 1);
		if (count(pyflat, name) != 1 || count(py, class_7a[i].user)
		    != 1 || count(py, class_7a[i].pass) != 1)
			fprintf(stderr, "  pypdf: %s / %s / %s\n", name,
				class_7a[i].user, class_7a[i].pass);
		CHECK(count(pyflat, name) == 1);
		CHECK(count(py, class_7a[i].user) == 1);
		CHECK(count(py, class_7a[i].pass) == 1);
		free(name);
	}
	/* What makes a strip current, and the ordinals. */
	CHECK(count(text, "batch v7, generated 2026-09-03 08:14") ==
	      NPEOPLE);
	CHECK(count(flat, "expires 1 October 2026") == NPEOPLE);
	CHECK(count(text, "Springfield Academy") == NPEOPLE);
	CHECK(count(flat, "class 7A") == NPEOPLE);
	CHECK(count(flat, "born on the 1st ") == 1);
	CHECK(count(flat, "born on the 2nd ") == 1);
	CHECK(count(flat, "born on the 3rd ") == 1);
	CHECK(count(flat, "born on the 11th ") == 1);
	CHECK(count(flat, "born on the 12th ") == 1);
	CHECK(count(flat, "born on the 13th ") == 1);
	CHECK(count(flat, "born on the 21st ") == 1);
	CHECK(count(flat, "born on the 22nd ") == 1);
	CHECK(count(flat, "born on the 23rd ") == 1);
	CHECK(count(flat, "born on the 31st ") == 1);
	CHECK(count(flat, "born on the") == NPEOPLE - 1);
	check_fonts(pdf, all_fonts);
	check_qpdf(pdf);
	check_line_ends(pdf);
	free(pdf);
	free(diag);
	free(info);
	free(text);
	free(flat);
	free(py);
	free(pyflat);
}

/* Drawing on pixels and word boxes: inside margins and strips. */
static void test_pdf_write_layout(void)
{
	static const struct person odd[] = {
		{ "Anna-Maria Josephine Wilhelmina", "Bartholomew-"
		  "Christopherson Featherstonehaugh-Cholmondeley Montgomery-"
		  "Fitzwilliam Worthington-Smythe Abernathy-Kensington "
		  "Vanderbilt-Rothschild Saxe-Coburg-Gotha", "amb", "a-b-1",
		  "10ABCDEFGHIJKLMNOPQRSTUVWXYZ", "4" },
		{ "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwaren"
		  "gewissenhaftschaferswessenschafewarenwohlgepflegeund",
		  "Sorgfaltigkeitbeschutzenvonangreifendurchihrraub"
		  "gierigfeinde",
		  "hwolfe", "b-c-2", "7A", "5" },
		{ "Zoë", "Adeyemi", "zadeyemi", "Il1|O0", "7A", "14" },
	};
	struct pdf_entry e[ARRAY_SIZE(odd)];
	struct pdf_options opt = { .layout = PDF_STRIPS,
				   .site_name = "Springfield Academy" };
	char *pdf = tmp_path("layout.pdf"), *diag, *bbox;
	struct word *w = NULL;
	struct pgm g;
	size_t n;

	fill(e, odd, ARRAY_SIZE(odd));
	CHECK(write_pdf(pdf, &opt, e, ARRAY_SIZE(odd), &diag) == 0);
	CHECK_STR(diag, "");
	CHECK(render(pdf, 1, 50, &g) == 0);
	if (g.w != 414 || g.h != 585)
		fprintf(stderr, "  rendered %d x %d\n", g.w, g.h);
	CHECK(g.w == 414 && g.h == 585);
	CHECK(ink_outside_margins(&g, 50) == 0);
	/* The checker sees ink: a page with strips has some inside. */
	CHECK(g.px && ink_outside(&g, 0, 0, 0, 0) > 1000);
	free(g.px);

	bbox = poppler_text(pdf, 0, 0, "-bbox");
	n = words_of(bbox, &w);
	CHECK(n > 30);
	CHECK(words_outside_strips(w, n, A4_W, A4_H, 8, 1) == 0);
	/* Both words of a name broken in two lines are there. */
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i].text, "Saxe-Coburg-Gotha"))
			CHECK(w[i].y0 > MARGIN);
	free(w);
	free(bbox);
	free(diag);
	free(pdf);
}

/* The layout checks must be able to fail. */
static void test_layout_checks(void)
{
	struct pgm g = { 100, 100, xcalloc(100 * 100, 1) };
	struct word w[] = {
		{ 1, 40, 40, 100, 50, "inside" },
		{ 1, 40, MARGIN + 96.65 - 5, 100, MARGIN + 96.65 + 5,
		  "across" },
		{ 1, 10, 40, 100, 50, "margin" },
	};

	memset(g.px, 255, 100 * 100);
	CHECK(ink_outside(&g, 10, 10, 90, 90) == 0);
	g.px[5 * 100 + 50] = 0;
	CHECK(ink_outside(&g, 10, 10, 90, 90) == 1);
	free(g.px);
	CHECK(words_outside_strips(w, 1, A4_W, A4_H, 8, 1) == 0);
	CHECK(words_outside_strips(w + 1, 1, A4_W, A4_H, 8, 0) == 1);
	CHECK(words_outside_strips(w + 2, 1, A4_W, A4_H, 8, 0) == 1);
}

static void test_pdf_write_classlist(void)
{
	static const char *const groups[] = { "7A", "8B Science", "9C" };
	static const size_t sizes[] = { 2, 60, 3 };
	struct pdf_entry e[65];
	char users[65][16], passes[65][24];
	struct pdf_options opt = { .layout = PDF_CLASSLIST,
				   .site_name = "Springfield Academy" };
	char *pdf = tmp_path("class.pdf"), *diag, *info, *page[5] = { 0 };
	size_t k = 0;
	int pages;

	for (size_t g = 0; g < 3; g++)
		for (size_t i = 0; i < sizes[g]; i++, k++) {
			snprintf(users[k], sizeof(users[k]), "user%02zu", k);
			snprintf(passes[k], sizeof(passes[k]), "pw-%02zu-Il1O0",
				 k);
			e[k] = (struct pdf_entry){
				.forename = k == 3 ? "Łukasz" : "Pupil",
				.surname = k == 4 ? "王" : "Example",
				.username = users[k], .password = passes[k],
				.group = groups[g], .born_day = "22",
				.expires = "2026-10-01T08:14:00Z",
				.version = "7",
				.generated_at = "2026-09-03T08:14:00Z",
			};
		}
	CHECK(write_pdf(pdf, &opt, e, k, &diag) == 0);
	CHECK_STR(diag, "");
	pages = page_count(pdf, &info);
	/* 2 rows; 60 rows on two pages; 3 rows. */
	CHECK(pages == 4);
	for (int p = 1; p <= 4 && pages == 4; p++) {
		char foot[32];

		page[p] = poppler_text(pdf, p, p, "");
		/* Each group counts its own pages: 1, 2 (two), 1. */
		snprintf(foot, sizeof(foot), "page %d of %d", p == 3 ? 2 : 1,
			 p == 2 || p == 3 ? 2 : 1);
		CHECK(count(page[p], foot) == 1);
		CHECK(count(page[p], "Forename") == 1);
		CHECK(count(page[p], "Day of birth") == 1);
		CHECK(count(page[p], "Springfield Academy") == 1);
		CHECK(count(page[p], "batch v7, generated 2026-09-03 08:14")
		      == 1);
		CHECK(count(page[p], "passwords expire 1 October 2026") == 1);
	}
	if (pages == 4) {
		/* Each group starts a page; nobody from another group. */
		CHECK(count(page[1], "7A") >= 1);
		CHECK(count(page[1], "user00") == 1);
		CHECK(count(page[1], "pw-01-Il1O0") == 1);
		CHECK(count(page[1], "user02") == 0);
		CHECK(count(page[1], "Łukasz") == 0);
		CHECK(count(page[2], "8B Science") >= 1);
		CHECK(count(page[2], "(continued)") == 0);
		CHECK(count(page[2], "user02") == 1);
		CHECK(count(page[2], "Łukasz") == 1);
		CHECK(count(page[2], "王") == 1);
		CHECK(count(page[2], "22nd") >= 1);
		CHECK(count(page[3], "8B Science (continued)") == 1);
		CHECK(count(page[3], "user61") == 1);
		CHECK(count(page[3], "user62") == 0);
		CHECK(count(page[4], "9C") >= 1);
		CHECK(count(page[4], "user62") == 1);
		CHECK(count(page[4], "pw-64-Il1O0") == 1);
		/* Every row once in the whole document. */
		for (size_t i = 0; i < k; i++) {
			size_t c = 0;

			for (int p = 1; p <= 4; p++)
				c += count(page[p], passes[i]);
			CHECK(c == 1);
		}
	}
	check_fonts(pdf, all_fonts);
	check_qpdf(pdf);
	free(pypdf_text(pdf));
	for (int p = 0; p < 5; p++)
		free(page[p]);
	free(info);
	free(diag);
	free(pdf);
}

/* A character no font has: a warning naming the person, '?' printed. */
static void test_pdf_write_missing_glyph(void)
{
	static const struct person p[] = {
		{ "Abebe", "Bekele ሀ", "abekele", "tiger-lily-11", "7A", "4" },
		{ "Grin", "Smiley 😀", "gsmiley", "happy-face-22", "7A", "5" },
	};
	struct pdf_entry e[2];
	struct pdf_options opt = { .layout = PDF_STRIPS };
	char *pdf = tmp_path("missing.pdf"), *diag, *text;

	fill(e, p, 2);
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == 0);
	CHECK(strstr(diag, "warning: Abebe Bekele ሀ (abekele): no font has "
			   "the glyph U+1200 in the name; printed as '?'"));
	CHECK(strstr(diag, "Grin Smiley 😀 (gsmiley): no font has the glyph "
			   "U+1F600"));
	CHECK(count(diag, "warning") == 2);
	text = poppler_text(pdf, 0, 0, "");
	CHECK(count(text, "Abebe Bekele ?") == 1);
	CHECK(count(text, "Grin Smiley ?") == 1);
	CHECK(count(text, "tiger-lily-11") == 1);
	check_qpdf(pdf);
	free(text);
	free(diag);
	free(pdf);
}

/* Dark pixels of g inside a word box given in points. */
static long ink_in(const struct pgm *g, const struct word *w, int dpi)
{
	double s = dpi / 72.0;
	long n = 0;

	for (int y = (int)(w->y0 * s); y < (int)(w->y1 * s) && y < g->h; y++)
		for (int x = (int)(w->x0 * s); x < (int)(w->x1 * s) &&
		     x < g->w; x++)
			n += g->px[(size_t)y * (size_t)g->w + (size_t)x] < 128;
	return n;
}

/*
 * Glyphs made of parts print whole: the tilde over the circumflex of "ễ"
 * (a composite inside a composite in DejaVu Sans) and "明" (whose parts
 * are numbered above 32767 in WenQuanYi), both of which libharu's own
 * subsetting leaves out. Compared by ink with the simpler letters.
 */
static void test_pdf_write_composite_glyphs(void)
{
	static const struct person p[] = {
		{ "ễễễễ êêêê", "eeee 明明明明", "ucomposite", "Il1|O0", "7A",
		  "4" },
	};
	struct pdf_entry e[1];
	struct pdf_options opt = { .layout = PDF_STRIPS };
	char *pdf = tmp_path("glyphs.pdf"), *diag, *bbox;
	long ink[4] = { -1, -1, -1, -1 };
	static const char *const words[4] = { "ễễễễ", "êêêê", "eeee",
					      "明明明明" };
	struct word *w;
	struct pgm g;
	size_t n;

	fill(e, p, 1);
	CHECK(write_pdf(pdf, &opt, e, 1, &diag) == 0);
	CHECK_STR(diag, "");
	bbox = poppler_text(pdf, 0, 0, "-bbox");
	n = words_of(bbox, &w);
	CHECK(render(pdf, 1, 150, &g) == 0);
	for (size_t i = 0; i < n && g.px; i++)
		for (int k = 0; k < 4; k++)
			if (!strcmp(w[i].text, words[k]))
				ink[k] = ink_in(&g, &w[i], 150);
	if (!(ink[0] > ink[1] + 20 && ink[1] > ink[2] + 20 &&
	      ink[3] > 2 * ink[2]))
		fprintf(stderr, "  ink of %s %s %s %s: %ld %ld %ld %ld\n",
			words[0], words[1], words[2], words[3], ink[0],
			ink[1], ink[2], ink[3]);
	CHECK(ink[2] > 100);
	CHECK(ink[1] > ink[2] + 20);
	CHECK(ink[0] > ink[1] + 20);
	CHECK(ink[3] > 2 * ink[2]);
	free(g.px);
	free(w);
	free(bbox);
	free(diag);
	free(pdf);
}

/*
 * Samples the QR code of the first strip at each module's centre and
 * compares it with libqrencode's matrix for the same payload.
 */
static int qr_mismatches(const char *pdf, const char *payload)
{
	const int dpi = 300;
	double s = dpi / 72.0, h = (A4_H - 2 * MARGIN - STRIP_FOOT) / 8;
	double side = h - 2 * PAD_V;
	double x = A4_W - MARGIN - PAD_H - side;
	double y = A4_H - MARGIN - h + (h - side) / 2;
	QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8,
					 1);
	struct pgm g;
	int bad = 0;

	if (!qr || render(pdf, 1, dpi, &g)) {
		if (qr)
			QRcode_free(qr);
		return -1;
	}
	/* The quiet zone and one module's width around it are blank. */
	for (int r = -4; r < qr->width + 4; r++)
		for (int c = -4; c < qr->width + 4; c++) {
			double m = side / (qr->width + 8);
			int px = (int)((x + (4 + c + 0.5) * m) * s);
			int py = (int)((A4_H - (y + side - (4 + r + 0.5) * m)) *
				       s);
			int dark = g.px[(size_t)py * (size_t)g.w +
					(size_t)px] < 128;
			int want = r >= 0 && c >= 0 && r < qr->width &&
				   c < qr->width &&
				   (qr->data[r * qr->width + c] & 1);

			bad += dark != want;
		}
	QRcode_free(qr);
	free(g.px);
	return bad;
}

static void test_pdf_write_qr(void)
{
	struct pdf_entry e[9];
	struct pdf_options opt = { .layout = PDF_STRIPS,
				   .qr = PDF_QR_USERNAME,
				   .site_name = "Springfield Academy" };
	char *pdf = tmp_path("qr.pdf"), *diag, *text, *info;

	fill(e, class_7a, 9);
	CHECK(write_pdf(pdf, &opt, e, 9, &diag) == 0);
	CHECK_STR(diag, "");
	CHECK(page_count(pdf, &info) == 2);
	text = poppler_text(pdf, 0, 0, "");
	CHECK(count(text, "Il1|O0") == 1);
	CHECK(count(text, "ukulele-hazel-57") == 1);
	CHECK(qr_mismatches(pdf, "zadeyemi") == 0);
	/* The comparison can fail: another payload does not match. */
	CHECK(qr_mismatches(pdf, "zadeyemj") > 0);
	check_qpdf(pdf);
	check_fonts(pdf, all_fonts);
	free(text);
	free(info);
	free(diag);

	opt.qr = PDF_QR_LOGIN;
	CHECK(write_pdf(pdf, &opt, e, 9, &diag) == 0);
	CHECK_STR(diag, "");
	CHECK(qr_mismatches(pdf, "zadeyemi\tIl1|O0") == 0);
	text = poppler_text(pdf, 0, 0, "");
	CHECK(count(text, "Il1|O0") == 1);
	check_qpdf(pdf);
	free(text);
	free(diag);
	free(pdf);
}

static void test_pdf_write_paper(void)
{
	struct pdf_entry e[NPEOPLE];
	struct pdf_options opt = { .layout = PDF_STRIPS, .paper = PDF_LETTER,
				   .strips_per_page = 10,
				   .site_name = "Springfield Academy" };
	char *pdf = tmp_path("letter.pdf"), *diag, *info, *bbox;
	struct word *w;
	struct pgm g;
	size_t n;

	fill(e, class_7a, NPEOPLE);
	CHECK(write_pdf(pdf, &opt, e, NPEOPLE, &diag) == 0);
	CHECK_STR(diag, "");
	CHECK(page_count(pdf, &info) == 3);
	CHECK(strstr(info, "Page size:       612 x 792 pts (letter)"));
	CHECK(render(pdf, 1, 50, &g) == 0);
	CHECK(g.w == 425 && g.h == 550);
	CHECK(ink_outside_margins(&g, 50) == 0);
	free(g.px);
	bbox = poppler_text(pdf, 0, 0, "-bbox");
	n = words_of(bbox, &w);
	CHECK(n > 100);
	CHECK(words_outside_strips(w, n, 612, 792, 10, 1) == 0);
	free(w);
	free(bbox);
	free(info);
	free(diag);
	free(pdf);
}

static void test_pdf_write_empty(void)
{
	struct pdf_options opt = { .layout = PDF_CLASSLIST,
				   .site_name = "Springfield Academy" };
	char *pdf = tmp_path("empty.pdf"), *diag, *info, *text;

	CHECK(write_pdf(pdf, &opt, NULL, 0, &diag) == 0);
	CHECK_STR(diag, "");
	CHECK(page_count(pdf, &info) == 1);
	text = poppler_text(pdf, 0, 0, "");
	CHECK(strstr(text, "Springfield Academy: nobody on this list"));
	CHECK(strstr(text, "page 1 of 1"));
	check_qpdf(pdf);
	free(text);
	free(info);
	free(diag);
	free(pdf);
}

/*
 * Fonts libharu rejects though their cmap reads well here: "cmap" says
 * version 1 (libharu reports error 0x105F), or "hmtx" is moved off the end
 * of the file (libharu fails without any error code).
 */
static char *broken_font(const char *name, const char *table)
{
	char *path = tmp_path(name);
	struct stat st;
	char *data;
	unsigned ntables;
	FILE *fp;

	if (stat("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", &st))
		return path;
	data = slurp("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
	ntables = (unsigned)((unsigned char)data[4] << 8 |
			     (unsigned char)data[5]);
	for (unsigned i = 0; i < ntables; i++) {
		unsigned char *e = (unsigned char *)data + 12 + 16 * i;
		size_t off = (size_t)e[8] << 24 | (size_t)e[9] << 16 |
			     (size_t)e[10] << 8 | e[11];

		if (memcmp(e, table, 4))
			continue;
		if (!strcmp(table, "cmap"))
			data[off + 1] = 1;
		else
			memset(e + 8, 0x7F, 4);
	}
	fp = fopen(path, "wb");
	fwrite(data, 1, (size_t)st.st_size, fp);
	fclose(fp);
	free(data);
	return path;
}

static void test_pdf_write_guards(void)
{
	struct pdf_entry e[2];
	struct pdf_options opt = { .layout = PDF_STRIPS };
	char *pdf = tmp_path("guard.pdf"), *diag;
	char *broken = broken_font("cmap1.ttf", "cmap");
	char *silent = broken_font("hmtx.ttf", "hmtx");
	const char *bad_font[] = { "/nonexistent/font.ttf" };
	const char *text_font[] = { "/etc/passwd" };
	const char *ttc_face[] = {
		"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#7" };
	const char *broken_chain[] = { broken }, *silent_chain[] = { silent };
	FILE *full;

	fill(e, class_7a, 2);
	opt.strips_per_page = -1;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "strips_per_page -1: must be between 1 and 17"));
	free(diag);
	opt.strips_per_page = 18;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "strips_per_page 18"));
	free(diag);
	opt.strips_per_page = 17;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == 0);
	CHECK_STR(diag, "");
	free(diag);
	opt.strips_per_page = 0;

	opt.layout = (enum pdf_layout)7;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "unknown PDF layout 7"));
	free(diag);
	opt.layout = PDF_STRIPS;

	e[1].surname = "Br\xC3\x28";
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "entry 2 ('lwisniewski'): surname is not valid "
			   "UTF-8"));
	free(diag);
	fill(e, class_7a, 2);
	e[0].born_day = "45";
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "born_day '45' is not a day of the month"));
	free(diag);
	e[0].born_day = "1x";
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	free(diag);
	e[0].born_day = "05";
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == 0);
	free(diag);
	e[0].expires = "2026-13-01";
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "expires '2026-13-01' is not a date"));
	free(diag);
	fill(e, class_7a, 2);

	opt.fonts = bad_font;
	opt.nfonts = 1;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "font '/nonexistent/font.ttf': No such file"));
	free(diag);
	opt.fonts = text_font;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "font '/etc/passwd'"));
	free(diag);
	opt.fonts = ttc_face;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "the collection has no face 7"));
	free(diag);
	opt.fonts = broken_chain;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "cannot write PDF: libharu error 0x105F (detail "
			   "0) loading font '"));
	CHECK(count(diag, "tempass") == 1);
	free(diag);
	opt.fonts = silent_chain;
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "cannot write PDF: libharu failed without an "
			   "error code loading font '"));
	CHECK(count(diag, "tempass") == 1);
	free(diag);
	opt.fonts = NULL;
	opt.nfonts = 0;
	opt.mono_font = "/nonexistent/mono.ttf";
	CHECK(write_pdf(pdf, &opt, e, 2, &diag) == -1);
	CHECK(strstr(diag, "/nonexistent/mono.ttf"));
	free(diag);
	opt.mono_font = NULL;

	/* A full disk: the write fails and says so. */
	full = fopen("/dev/full", "w");
	if (full) {
		char *errpath = tmp_path("full.txt");
		int saved = dup(2), fd, ret;

		fflush(stderr);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		close(fd);
		ret = pdf_write(full, &opt, e, 2);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		fclose(full);
		diag = slurp(errpath);
		CHECK(ret == -1);
		CHECK(strstr(diag, "cannot write PDF: No space left on "
				   "device"));
		free(diag);
		free(errpath);
	}
	free(broken);
	free(silent);
	free(pdf);
}

/* Whether two files hold the same bytes, and something. */
static int same_bytes(const char *a, const char *b)
{
	FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
	size_t total = 0;
	int same = x && y;

	while (same) {
		int c = getc(x);

		same = c == getc(y);
		if (c == EOF)
			break;
		total++;
	}
	if (x)
		fclose(x);
	if (y)
		fclose(y);
	return same && total > 1000;
}

struct prep {
	const struct pdf_options *opt;
	struct pdf_doc *doc;
};

static void *prepare_thread(void *arg)
{
	struct prep *p = arg;

	p->doc = pdf_prepare(p->opt);
	return NULL;
}

/* pdf_prepare() on a thread of its own, stderr captured in *diag. */
static struct pdf_doc *prepare_elsewhere(const struct pdf_options *opt,
					 char **diag)
{
	char *errpath = tmp_path("prep.txt");
	struct prep p = { opt, NULL };
	pthread_t th;
	int saved, fd;

	fflush(stderr);
	saved = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	CHECK(pthread_create(&th, NULL, prepare_thread, &p) == 0);
	pthread_join(th, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	*diag = slurp(errpath);
	free(errpath);
	return p.doc;
}

/*
 * A document set up ahead, on another thread, gives the very file that
 * pdf_write() gives; one that cannot be set up is NULL and says nothing,
 * and the write then says why. Errors on the thread that writes are
 * still printed after a quiet set-up elsewhere.
 */
static void test_pdf_prepared(void)
{
	static const enum pdf_layout layouts[] = { PDF_STRIPS,
						   PDF_CLASSLIST };
	const char *bad_font[] = { "/nonexistent/font.ttf" };
	char *a = tmp_path("plain.pdf"), *b = tmp_path("prepared.pdf");
	struct pdf_entry e[NPEOPLE];
	struct pdf_doc *doc;
	char *diag;

	fill(e, class_7a, NPEOPLE);
	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++) {
		struct pdf_options opt = { .layout = layouts[i],
					   .site_name = "Springfield" };

		CHECK(write_pdf(a, &opt, e, NPEOPLE, &diag) == 0);
		free(diag);
		doc = prepare_elsewhere(&opt, &diag);
		CHECK(doc != NULL);
		CHECK_STR(diag, "");
		free(diag);
		CHECK(write_pdf_doc(b, doc, &opt, e, NPEOPLE, &diag) == 0);
		CHECK_STR(diag, "");
		free(diag);
		CHECK(same_bytes(a, b));
	}
	/* Prepared, then not used: freed whole (valgrind looks). */
	{
		struct pdf_options opt = { .layout = PDF_STRIPS };

		doc = prepare_elsewhere(&opt, &diag);
		CHECK(doc != NULL);
		free(diag);
		pdf_discard(doc);
		pdf_discard(NULL);
	}
	/* A bad entry with a prepared document: refused, nothing leaks. */
	{
		struct pdf_options opt = { .layout = PDF_STRIPS };
		struct pdf_entry bad[2];

		fill(bad, class_7a, 2);
		bad[1].surname = "Br\xC3\x28";
		doc = prepare_elsewhere(&opt, &diag);
		free(diag);
		CHECK(write_pdf_doc(b, doc, &opt, bad, 2, &diag) == -1);
		CHECK(strstr(diag, "surname is not valid UTF-8"));
		free(diag);
	}
	{
		struct pdf_options opt = { .layout = PDF_STRIPS,
					   .fonts = bad_font, .nfonts = 1 };

		doc = prepare_elsewhere(&opt, &diag);
		CHECK(doc == NULL);
		CHECK_STR(diag, "");
		free(diag);
		CHECK(write_pdf_doc(b, doc, &opt, e, NPEOPLE, &diag) == -1);
		CHECK(strstr(diag, "font '/nonexistent/font.ttf': No such "
				   "file"));
		free(diag);
	}
	free(a);
	free(b);
}

int main(void)
{
	ASSERT(pdf_load() == 0);
	strcpy(tmpdir, "/tmp/test_pdf.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_layout_checks);
	RUN(test_pdf_write_strips);
	RUN(test_pdf_write_layout);
	RUN(test_pdf_write_classlist);
	RUN(test_pdf_write_missing_glyph);
	RUN(test_pdf_write_composite_glyphs);
	RUN(test_pdf_write_qr);
	RUN(test_pdf_write_paper);
	RUN(test_pdf_write_empty);
	RUN(test_pdf_write_guards);
	RUN(test_pdf_prepared);
	if (!getenv("TEST_PDF_KEEP")) {
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
		free(cmd);
	} else {
		fprintf(stderr, "files kept in %s\n", tmpdir);
	}
	TEST_EXIT();
}
