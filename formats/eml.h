/*
 * eml: one email as an RFC 5322 / MIME message, ready for a Maildir-style
 * queue or an SMTP client: Date, From, To, Subject, Message-ID,
 * Auto-Submitted (so no out-of-office reply comes back), then a
 * multipart/alternative body with UTF-8 text/plain and text/html parts in
 * quoted-printable. Every line ends in CRLF and stays within 78 characters
 * (76 in the bodies), but for an address or Message-ID too long to fit,
 * which cannot be folded; names and subjects outside plain ASCII become
 * RFC 2047 encoded words.
 *
 * The one design choice: every header value is checked before a byte is
 * written, and anything that could end a header early (CR, LF or any other
 * control character, bad UTF-8, an address that is not a plain
 * local@domain) is an error, so a roster value can never add a header or a
 * recipient. Nothing here sends mail.
 */
#ifndef TEMPASS_FORMAT_EML_H
#define TEMPASS_FORMAT_EML_H

#include <stdio.h>

struct sbuf;

/* A mailbox: "Zoë O'Brien" <zoe@school.example.org>. */
struct eml_addr {
	const char *name;	/* display name, UTF-8; NULL or "" for none */
	const char *addr;	/* must pass eml_addr_valid() */
};

/*
 * What a message is made of. All strings are borrowed for the call, UTF-8,
 * and line ends in the bodies may be "\n" or "\r\n" (written as CRLF).
 */
struct eml_message {
	struct eml_addr from;
	struct eml_addr to;
	const char *subject;	/* one line, not empty */
	const char *text;	/* the text/plain body */
	const char *html;	/* the text/html body; NULL for text only */
	long long date;		/* seconds since the epoch; 0: now_seconds() */
	const char *id_domain;	/* after '@' in the Message-ID; NULL: from's */
	/*
	 * Tests fix these two to compare bytes; left NULL they are drawn from
	 * secrets_random(), so secrets_init() must have run.
	 */
	const char *message_id;	/* "left@right", without the angle brackets */
	const char *boundary;	/* the MIME boundary, 1 to 70 characters */
};

/*
 * 1 when addr is an address tempass will write: ASCII local@domain, at most
 * 254 characters, a dot-atom local part of at most 64, and a domain of at
 * least two dot-separated labels of letters, digits and inner hyphens, the
 * last not all digits. No spaces, quotes, angle brackets, comments or
 * control characters. Otherwise 0; nothing is reported.
 */
int eml_addr_valid(const char *addr);

/*
 * Appends the message m to out. Returns 0, or -1 after reporting what was
 * refused (the value shown with control characters escaped); out is then
 * as it was before the call.
 */
int eml_compose(const struct eml_message *m, struct sbuf *out);

/*
 * Writes the message m to fp (name is used in messages only; fp is flushed,
 * not closed). Returns 0, or -1 after reporting; on a refused message
 * nothing is written.
 */
int eml_write(const struct eml_message *m, FILE *fp, const char *name);

#endif
