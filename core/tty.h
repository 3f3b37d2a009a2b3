/*
 * tty: talking to the person at the keyboard while standard input and
 * output carry records. Questions go to /dev/tty, never to stdout, so
 * `tempass select ... | tempass regenerate ... > out.tsv` can still ask for
 * a password; passwords are read without echo, like ssh and gpg do.
 */
#ifndef TEMPASS_TTY_H
#define TEMPASS_TTY_H

#include <stddef.h>

/*
 * Asks prompt on /dev/tty and reads a line without echo into buf (size
 * bytes, NUL-terminated, newline removed). Returns the length, or -1 after
 * reporting (no terminal, end of input, line too long). The caller wipes
 * buf.
 */
int tty_password(const char *prompt, char *buf, size_t size);

/*
 * Asks a yes/no question on /dev/tty; default no. Returns 1 for yes, 0 for
 * no, -1 after reporting that there is no terminal to ask on.
 */
int tty_confirm(const char *question);

/*
 * Reads the first line of path into buf as tty_password does, refusing a
 * file that group or others can read. Returns the length, or -2 for loose
 * permissions, -1 for any other failure, reported.
 */
int read_password_file(const char *path, char *buf, size_t size);

/* A progress bar on stderr when it is a terminal and total is large. */
struct progress {
	const char *what;
	size_t total;
	size_t done;
	int shown;
	int last_pct;
};
void progress_start(struct progress *p, const char *what, size_t total);
void progress_step(struct progress *p, size_t n);
void progress_end(struct progress *p);

#endif
