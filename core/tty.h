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

/*
 * A progress line on stderr, for work that takes a person's attention:
 * shown only when stderr is a terminal (never in a pipe's data nor in a
 * log), and only once the work has run half a second and is on course to
 * take over a second in all, or has run a second whatever its course, so
 * quick work stays silent whatever its count and slow work (Argon2id
 * hashes) shows at once. Redrawn at most ten times a second.
 * total 0: unknown, the count alone is shown. The caller serialises the
 * calls of one progress.
 */
struct progress {
	const char *what;
	size_t total;
	size_t done;
	int tty;                  /* stderr is a terminal */
	int shown;
	long long start_ms, last_ms;
};
void progress_start(struct progress *p, const char *what, size_t total);
/* Counts n more items done; may draw the line. */
void progress_step(struct progress *p, size_t n);
/* Draws the line complete and ends it, when it was shown. */
void progress_end(struct progress *p);

#endif
