/*
 * smtp: the mail transport. Uploads a message file, exactly as it lies on
 * disk, to one recipient over SMTP (smtp:// with optional STARTTLS, or
 * smtps://), and says what came of it in the terms send decides by.
 *
 * The one design choice: libcurl is loaded at run time (dlopen of its
 * versioned soname) by smtp_load(), so only a process that sends mail pays
 * for libcurl and the libraries it pulls in; tempass is not linked with
 * it. This is the only file pair that knows libcurl exists.
 */
#ifndef TEMPASS_SMTP_H
#define TEMPASS_SMTP_H

#include <stdio.h>
#include <sys/types.h>

/* The soname loaded, and the Debian package that ships it. */
#define SMTP_LIBCURL "libcurl.so.4"
#define SMTP_LIBCURL_PACKAGE "libcurl4"

/* What came of one message. */
enum smtp_status {
	SMTP_SENT,
	SMTP_REFUSED,     /* refused for good (5xx): trying again is useless */
	SMTP_DEFERRED,    /* 4xx, or a failure of this message alone */
	SMTP_UNREACHABLE, /* no connection or no TLS: every message would fail */
	SMTP_LOGIN,       /* the login is refused or needed: likewise */
	SMTP_LOCAL,       /* the message could not be read here */
};

struct smtp;

/*
 * Loads libcurl and each function of it this file uses. 0, or -1 after
 * reporting what is missing (the soname and its Debian package). Safe to
 * call many times; the library stays loaded until the process ends.
 */
int smtp_load(void);

/*
 * A session to url (smtp://HOST[:PORT][/EHLO-NAME] or smtps://...; with no
 * EHLO name, the domain of from is sent) with envelope sender from (a bare
 * address). starttls: an smtp:// session must upgrade to TLS or fail. user
 * and password (both or neither) are copied: the caller may wipe its own
 * at once. Needs smtp_load() first. NULL after reporting; caller frees
 * with smtp_close() (NULL-safe).
 */
struct smtp *smtp_open(const char *url, const char *from, int starttls,
		       const char *user, const char *password);
void smtp_close(struct smtp *s);

/*
 * Uploads size bytes of fp to the bare address rcpt. For anything but
 * SMTP_SENT, reason (reason_size bytes) says why, in one line: the
 * server's refusal or deferral when it gave one, else libcurl's error.
 * SMTP_LOCAL leaves reason empty: the caller names the file.
 */
enum smtp_status smtp_send_file(struct smtp *s, const char *rcpt, FILE *fp,
				off_t size, char *reason, size_t reason_size);

#endif
