/*
 * eml: writing RFC 5322 / MIME messages by hand. The message is small and
 * fixed in shape (a few headers, two quoted-printable parts), so the code
 * is three encoders and a checker rather than a MIME library: RFC 2047
 * encoded words for non-ASCII names and subjects, quoted-printable for the
 * bodies, and a header folder that breaks lines only before a space.
 *
 * Every value is checked in full before anything is appended, so a refused
 * message leaves no half-written bytes behind. Randomness (Message-ID,
 * boundary) comes from secrets_random().
 */
#include "formats/eml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/secrets.h"
#include "core/util.h"

#define HDR_WIDTH 78		/* RFC 5322 2.1.1: SHOULD be no more */
#define QP_WIDTH 76		/* RFC 2045 6.7 (5): MUST be no more */
#define EW_MAX 75		/* RFC 2047 2: an encoded word's limit */
#define EW_OVERHEAD 12		/* "=?UTF-8?Q?" and "?=" */
#define EW_MIN_ROOM (EW_OVERHEAD + 12)	/* one 4-byte character in Q */

/* ==== Checks ==== */

/* Appends s as it can safely be shown in a message: controls escaped. */
static void add_shown(struct sbuf *sb, const char *s)
{
	int valid = utf8_valid(s, strlen(s));

	while (*s) {
		unsigned char c = (unsigned char)*s;
		unsigned cp;
		int n;

		if (c == '\r' || c == '\n' || c == '\t' || c == '\\') {
			sbuf_addch(sb, '\\');
			sbuf_addch(sb, c == '\r' ? 'r' : c == '\n' ? 'n' :
				   c == '\t' ? 't' : '\\');
			s++;
		} else if (c < 0x20 || c == 0x7F || (c >= 0x80 && !valid)) {
			sbuf_addf(sb, "\\x%02X", c);
			s++;
		} else if (c < 0x80) {
			sbuf_addch(sb, (char)c);
			s++;
		} else {
			n = utf8_decode(s, &cp);
			if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029)
				sbuf_addf(sb, "\\u%04X", cp);
			else
				sbuf_add(sb, s, (size_t)n);
			s += n;
		}
	}
}

static void report(const char *what, const char *value, const char *why)
{
	struct sbuf sb = SBUF_INIT;

	add_shown(&sb, value);
	errorf("%s '%s' %s", what, sbuf_str(&sb), why);
	sbuf_release(&sb);
}

/*
 * 1 when s (valid UTF-8) holds a character that could break a header or
 * fool a reader: C0 and C1 controls, DEL, and the Unicode line and
 * paragraph separators, which some parsers split lines at.
 */
static int has_control(const char *s)
{
	while (*s) {
		unsigned cp;
		int n = utf8_decode(s, &cp);

		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
		    cp == 0x2028 || cp == 0x2029)
			return 1;
		s += n;
	}
	return 0;
}

/* Checks a text that goes into a header; 0, or -1 after reporting. */
static int check_header_text(const char *what, const char *s)
{
	if (!utf8_valid(s, strlen(s))) {
		report(what, s, "is not valid UTF-8");
		return -1;
	}
	if (has_control(s)) {
		report(what, s, "holds a control character");
		return -1;
	}
	return 0;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* RFC 5322 atext: what an atom, and a dot-atom between dots, is made of. */
static int is_atext(char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* 1 when the n bytes at d are a domain eml_addr_valid() accepts. */
static int domain_valid(const char *d, size_t n)
{
	size_t labels = 0, i = 0;
	int all_digits = 0;

	if (n == 0 || n > 253)
		return 0;
	while (i <= n) {
		size_t start = i;

		all_digits = 1;
		while (i < n && d[i] != '.') {
			if (!is_alnum(d[i]) && d[i] != '-')
				return 0;
			if (d[i] < '0' || d[i] > '9')
				all_digits = 0;
			i++;
		}
		if (i == start || i - start > 63 || d[start] == '-' ||
		    d[i - 1] == '-')
			return 0;
		labels++;
		i++;
	}
	return labels >= 2 && !all_digits;
}

int eml_addr_valid(const char *addr)
{
	const char *at;
	size_t len;

	if (!addr)
		return 0;
	len = strlen(addr);
	at = strchr(addr, '@');
	if (len > 254 || !at || at == addr || at - addr > 64)
		return 0;
	for (const char *p = addr; p < at; p++) {
		if (*p == '.') {
			if (p == addr || p[-1] == '.' || p + 1 == at)
				return 0;
		} else if (!is_atext(*p)) {
			return 0;
		}
	}
	return domain_valid(at + 1, len - (size_t)(at + 1 - addr));
}

/* RFC 2046 5.1.1 bcharsnospace: a boundary we never have to think about. */
static int boundary_valid(const char *b)
{
	size_t n = strlen(b);

	if (n == 0 || n > 70)
		return 0;
	for (; *b; b++)
		if (!is_alnum(*b) && !strchr("'()+_,-./:=?", *b))
			return 0;
	return 1;
}

static int check_mailbox(const char *which, const struct eml_addr *a)
{
	struct sbuf what = SBUF_INIT;
	int ret = 0;

	if (!a->addr) {
		errorf("%s address is missing", which);
		return -1;
	}
	sbuf_addf(&what, "%s address", which);
	if (!eml_addr_valid(a->addr)) {
		report(sbuf_str(&what), a->addr, "is not a valid address");
		ret = -1;
	} else if (a->name) {
		sbuf_reset(&what);
		sbuf_addf(&what, "%s name", which);
		ret = check_header_text(sbuf_str(&what), a->name);
	}
	sbuf_release(&what);
	return ret;
}

/* Checks everything about m that can be wrong; 0, or -1 after reporting. */
static int check_message(const struct eml_message *m)
{
	if (check_mailbox("from", &m->from) < 0 ||
	    check_mailbox("to", &m->to) < 0)
		return -1;
	if (!m->subject || !*m->subject) {
		errorf("subject is empty");
		return -1;
	}
	if (check_header_text("subject", m->subject) < 0)
		return -1;
	if (!m->text) {
		errorf("text body is missing");
		return -1;
	}
	if (!utf8_valid(m->text, strlen(m->text))) {
		errorf("text body is not valid UTF-8");
		return -1;
	}
	if (m->html && !utf8_valid(m->html, strlen(m->html))) {
		errorf("html body is not valid UTF-8");
		return -1;
	}
	if (m->id_domain &&
	    !domain_valid(m->id_domain, strlen(m->id_domain))) {
		report("message id domain", m->id_domain, "is not a domain");
		return -1;
	}
	if (m->message_id && !eml_addr_valid(m->message_id)) {
		report("message id", m->message_id, "is not left@right");
		return -1;
	}
	if (m->boundary && !boundary_valid(m->boundary)) {
		report("boundary", m->boundary, "is not a MIME boundary");
		return -1;
	}
	return 0;
}

/* ==== Header folding ==== */

/*
 * A header being written. Every word after the colon is preceded by one
 * space, and a fold is a CRLF put before that space, so unfolding gives
 * back exactly the words and spaces that were added.
 */
struct hdr {
	struct sbuf *sb;
	size_t col;
	int empty;	/* nothing after the colon yet: never fold here */
};

static void hdr_begin(struct hdr *h, struct sbuf *sb, const char *name)
{
	h->sb = sb;
	sbuf_addstr(sb, name);
	sbuf_addch(sb, ':');
	h->col = strlen(name) + 1;
	h->empty = 1;
}

static void hdr_word(struct hdr *h, const char *w, size_t n)
{
	if (!h->empty && h->col + 1 + n > HDR_WIDTH) {
		sbuf_addstr(h->sb, "\r\n");
		h->col = 0;
	}
	sbuf_addch(h->sb, ' ');
	sbuf_add(h->sb, w, n);
	h->col += 1 + n;
	h->empty = 0;
}

static void hdr_end(struct hdr *h)
{
	sbuf_addstr(h->sb, "\r\n");
}

/* Q encoding in a phrase (RFC 2047 5 (3)) is the strictest: used for all. */
static int q_literal(unsigned char c)
{
	return is_alnum((char)c) || (c && strchr("!*+-/", c));
}

static size_t q_cost(unsigned char c)
{
	return q_literal(c) || c == ' ' ? 1 : 3;
}

/*
 * Writes the n bytes at s (valid UTF-8) as RFC 2047 encoded words, each
 * at most 75 characters and within the line, cut only between characters
 * so every word decodes on its own. Q unless B is clearly shorter: Q keeps
 * mostly-Latin names readable in the queue, B keeps Vietnamese short.
 */
static void hdr_encoded(struct hdr *h, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + n;
	size_t qlen = 0;
	struct sbuf word = SBUF_INIT;
	int use_b;

	for (size_t i = 0; i < n; i++)
		qlen += q_cost(p[i]);
	use_b = 5 * 4 * ((n + 2) / 3) < 4 * qlen;
	while (p < end) {
		size_t room = HDR_WIDTH - h->col - 1, take = 0, cost = 0;

		if (room < EW_MIN_ROOM && !h->empty)
			room = HDR_WIDTH - 1;
		if (room > EW_MAX)
			room = EW_MAX;
		room -= EW_OVERHEAD;
		for (;;) {
			unsigned cp;
			size_t k, c = 0;

			if (p + take == end)
				break;
			k = (size_t)utf8_decode((const char *)p + take, &cp);
			if (use_b) {
				c = 4 * ((take + k + 2) / 3) - cost;
			} else {
				for (size_t j = 0; j < k; j++)
					c += q_cost(p[take + j]);
			}
			if (cost + c > room)
				break;
			cost += c;
			take += k;
		}
		ASSERT(take > 0);
		sbuf_reset(&word);
		sbuf_addstr(&word, use_b ? "=?UTF-8?B?" : "=?UTF-8?Q?");
		if (use_b) {
			sbuf_add_base64(&word, p, take);
		} else {
			for (size_t j = 0; j < take; j++) {
				if (p[j] == ' ')
					sbuf_addch(&word, '_');
				else if (q_literal(p[j]))
					sbuf_addch(&word, (char)p[j]);
				else
					sbuf_addf(&word, "=%02X", p[j]);
			}
		}
		sbuf_addstr(&word, "?=");
		hdr_word(h, word.buf, word.len);
		p += take;
	}
	sbuf_release(&word);
}

static int is_printable_ascii(char c)
{
	return c > 0x20 && c < 0x7F;
}

/* 1 when s has single spaces between its words and none at either end. */
static int spaced_simply(const char *s)
{
	size_t n = strlen(s);

	return n && s[0] != ' ' && s[n - 1] != ' ' && !strstr(s, "  ");
}

/*
 * 1 when the word w (n bytes) can stand as it is: made of bytes ok()
 * accepts, nothing a reader could take for an encoded word, and short
 * enough to fit on any line, the first one included.
 */
static int plain_word(const char *w, size_t n, int (*ok)(char))
{
	if (n > HDR_WIDTH - 10 || memmem(w, n, "=?", 2))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!ok(w[i]))
			return 0;
	return 1;
}

static int all_plain(const char *s, int (*ok)(char))
{
	while (*s) {
		size_t n = strcspn(s, " ");

		if (!plain_word(s, n, ok))
			return 0;
		s += n;
		if (*s == ' ')
			s++;
	}
	return 1;
}

/*
 * Writes s (spaced_simply()) word by word: a word plain_word() accepts as
 * it is, each run of other words, with the spaces inside the run, as
 * encoded words. Readers keep the space between an encoded word and plain
 * text and drop it between two encoded words, so every space of s comes
 * back, and an English word stays readable next to an encoded name.
 *
 * One reader is known to differ: Python 3.11 (CPython gh-128110) shows a
 * space between two encoded words in an address header. Runs are long
 * enough to need two words only for names of over 40 or so non-ASCII
 * bytes in a row, so most names read back right there too.
 */
static void hdr_words(struct hdr *h, const char *s, int (*ok)(char))
{
	while (*s) {
		size_t n = strcspn(s, " ");

		if (plain_word(s, n, ok)) {
			hdr_word(h, s, n);
		} else {
			while (s[n] == ' ') {
				size_t next = strcspn(s + n + 1, " ");

				if (plain_word(s + n + 1, next, ok))
					break;
				n += 1 + next;
			}
			hdr_encoded(h, s, n);
		}
		s += n;
		if (*s == ' ')
			s++;
	}
}

/* Subject and other unstructured text (RFC 5322 3.2.5). */
static void hdr_unstructured(struct hdr *h, const char *s)
{
	if (spaced_simply(s))
		hdr_words(h, s, is_printable_ascii);
	else
		hdr_encoded(h, s, strlen(s));
}

/*
 * A display name: atoms when it is made of them (Zoe O'Brien), a quoted
 * string when it is other printable ASCII that fits the line (J. Smith),
 * atoms and encoded words otherwise (Zoë O'Brien).
 */
static void hdr_phrase(struct hdr *h, const char *name)
{
	struct sbuf q = SBUF_INIT;
	int ascii = !strstr(name, "=?");

	if (spaced_simply(name) && all_plain(name, is_atext)) {
		hdr_words(h, name, is_atext);
		return;
	}
	for (const char *s = name; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			ascii = 0;
	if (ascii) {
		sbuf_addch(&q, '"');
		for (const char *s = name; *s; s++) {
			if (*s == '"' || *s == '\\')
				sbuf_addch(&q, '\\');
			sbuf_addch(&q, *s);
		}
		sbuf_addch(&q, '"');
		if (h->col + 1 + q.len <= HDR_WIDTH) {
			hdr_word(h, q.buf, q.len);
			sbuf_release(&q);
			return;
		}
	}
	sbuf_release(&q);
	if (spaced_simply(name))
		hdr_words(h, name, is_atext);
	else
		hdr_encoded(h, name, strlen(name));
}

static void add_mailbox_header(struct sbuf *sb, const char *field,
			       const struct eml_addr *a)
{
	struct hdr h;

	hdr_begin(&h, sb, field);
	if (a->name && *a->name) {
		char *angle = xasprintf("<%s>", a->addr);

		hdr_phrase(&h, a->name);
		hdr_word(&h, angle, strlen(angle));
		free(angle);
	} else {
		hdr_word(&h, a->addr, strlen(a->addr));
	}
	hdr_end(&h);
}

/* RFC 5322 3.3, in English whatever the locale; 0, or -1 reported. */
static int add_date(struct sbuf *sb, long long t)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || tm.tm_year < 0 || tm.tm_year > 8099) {
		errorf("date %lld is out of range", t);
		return -1;
	}
	sbuf_addf(sb, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
		  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

/* ==== Quoted-printable ==== */

/*
 * The encoded form of the byte at p for output column col: '=', controls,
 * non-ASCII and whitespace at the end of a line are =XX; so are a '.' or
 * the 'F' of "From " that would start a line, which mail transports and
 * mbox files are known to alter.
 */
static size_t qp_token(const unsigned char *p, size_t col, int at_eol,
		       char tok[4])
{
	unsigned char c = *p;
	int lit = (c >= 33 && c <= 126 && c != '=') ||
		  ((c == ' ' || c == '\t') && !at_eol);

	if (lit && col == 0 &&
	    (c == '.' || !strncmp((const char *)p, "From ", 5)))
		lit = 0;
	if (lit) {
		tok[0] = (char)c;
		return 1;
	}
	snprintf(tok, 4, "=%02X", c);
	return 3;
}

/*
 * Appends s as quoted-printable (RFC 2045 6.7): "\n" and "\r\n" become
 * CRLF line breaks, lines are cut with soft breaks ("=" CRLF) to at most
 * 76 characters, never inside an =XX.
 */
static void qp_encode(struct sbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0;

	while (*p) {
		char tok[4];
		size_t n;
		int at_eol;

		if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {
			sbuf_addstr(sb, "\r\n");
			col = 0;
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		at_eol = p[1] == '\0' || p[1] == '\n' ||
			 (p[1] == '\r' && p[2] == '\n');
		n = qp_token(p, col, at_eol, tok);
		/* Room for the soft break's '=' unless the line ends here. */
		if (col + n > QP_WIDTH - !at_eol) {
			sbuf_addstr(sb, "=\r\n");
			col = 0;
			n = qp_token(p, col, at_eol, tok);
		}
		sbuf_add(sb, tok, n);
		col += n;
		p++;
	}
}

/* ==== The message ==== */

/* The QP-encoded body of one text part, after its headers. */
static void add_part(struct sbuf *sb, const char *type, const char *qp)
{
	sbuf_addf(sb, "Content-Type: text/%s; charset=UTF-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s",
		  type, qp);
}

/*
 * 1 when a line of the encoded text qp starts with the delimiter "--b",
 * which would cut the part short. Only a fixed boundary can: a random one
 * starts with "=_", and QP text has no '=' but in =XX and soft breaks.
 */
static int holds_delimiter(const char *qp, const char *b)
{
	size_t n = strlen(b);

	for (const char *line = qp; line; line = strstr(line, "\r\n")) {
		if (line != qp)
			line += 2;
		if (!strncmp(line, "--", 2) && !strncmp(line + 2, b, n))
			return 1;
	}
	return 0;
}

int eml_compose(const struct eml_message *m, struct sbuf *out)
{
	struct sbuf sb = SBUF_INIT, text = SBUF_INIT, html = SBUF_INIT;
	char hex[2 * 16 + 1], *boundary = NULL;
	unsigned char rnd[16];
	struct hdr h;
	int ret = -1;

	if (check_message(m) < 0)
		return -1;
	qp_encode(&text, m->text);
	if (m->html) {
		qp_encode(&html, m->html);
		if (m->boundary) {
			boundary = xstrdup(m->boundary);
		} else {
			secrets_random(rnd, 12);
			secrets_hex(rnd, 12, hex);
			boundary = xasprintf("=_%s", hex);
		}
		if (holds_delimiter(sbuf_str(&text), boundary) ||
		    holds_delimiter(sbuf_str(&html), boundary)) {
			report("boundary", boundary, "occurs in a body");
			goto out;
		}
	}
	if (add_date(&sb, m->date ? m->date : now_seconds()) < 0)
		goto out;
	add_mailbox_header(&sb, "From", &m->from);
	add_mailbox_header(&sb, "To", &m->to);
	hdr_begin(&h, &sb, "Subject");
	hdr_unstructured(&h, m->subject);
	hdr_end(&h);
	if (m->message_id) {
		sbuf_addf(&sb, "Message-ID: <%s>\r\n", m->message_id);
	} else {
		secrets_random(rnd, sizeof(rnd));
		secrets_hex(rnd, sizeof(rnd), hex);
		sbuf_addf(&sb, "Message-ID: <%s@%s>\r\n", hex,
			  m->id_domain ? m->id_domain
				       : strchr(m->from.addr, '@') + 1);
	}
	/* RFC 3834: no out-of-office replies to an automatic message. */
	sbuf_addstr(&sb, "Auto-Submitted: auto-generated\r\n"
		    "MIME-Version: 1.0\r\n");
	if (!m->html) {
		add_part(&sb, "plain", sbuf_str(&text));
		/* The message ends in a line end, even if the text does not. */
		if (text.len < 2 || memcmp(text.buf + text.len - 2, "\r\n", 2))
			sbuf_addstr(&sb, "\r\n");
	} else {
		sbuf_addf(&sb, "Content-Type: multipart/alternative;\r\n"
			  " boundary=\"%s\"\r\n\r\n--%s\r\n",
			  boundary, boundary);
		add_part(&sb, "plain", sbuf_str(&text));
		sbuf_addf(&sb, "\r\n--%s\r\n", boundary);
		add_part(&sb, "html", sbuf_str(&html));
		sbuf_addf(&sb, "\r\n--%s--\r\n", boundary);
	}
	sbuf_add(out, sb.buf, sb.len);
	ret = 0;
out:
	sbuf_release(&sb);
	sbuf_release(&text);
	sbuf_release(&html);
	free(boundary);
	return ret;
}

int eml_write(const struct eml_message *m, FILE *fp, const char *name)
{
	struct sbuf sb = SBUF_INIT;
	int ret = -1;

	if (eml_compose(m, &sb) < 0)
		goto out;
	errno = 0;
	if (fwrite(sb.buf, 1, sb.len, fp) != sb.len || fflush(fp) != 0) {
		errorf("'%s': cannot write: %s", name,
		       errno ? strerror(errno) : "write error");
		goto out;
	}
	ret = 0;
out:
	sbuf_release(&sb);
	return ret;
}
