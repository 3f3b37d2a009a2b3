/*
 * tty: prompts, confirmations and progress on the controlling terminal,
 * keeping standard input and output free for the record stream.
 */
#include "core/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/util.h"

/* The terminal; -1 after reporting, with what to give instead. */
static int open_tty(const char *instead)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		errorf("no terminal to ask on (use %s in scripts)", instead);
	return fd;
}

/* Reads one line from fd into buf; -1 on end of input or overflow. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return n ? (int)n : -1;
		if (c == '\n')
			break;
		if (n + 1 >= size) {
			/* Drain the rest so it does not reach the shell. */
			while (read(fd, &c, 1) == 1 && c != '\n')
				;
			buf[0] = '\0';
			return -2;
		}
		buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

int tty_password(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int fd = open_tty("--password-file"), n, echo_off = 0;

	if (fd < 0)
		return -1;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return -1;
	}
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	n = read_line(fd, buf, size);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* The answer is read; a lost newline changes nothing. */
	}
	close(fd);
	if (n == -2)
		errorf("password is longer than %zu bytes", size - 1);
	else if (n < 0)
		errorf("no password given");
	return n < 0 ? -1 : n;
}

int tty_confirm(const char *question)
{
	char buf[16];
	int fd = open_tty("--yes"), n;

	if (fd < 0)
		return -1;
	if (write(fd, question, strlen(question)) < 0 ||
	    write(fd, " [y/N] ", 7) < 0) {
		close(fd);
		return -1;
	}
	n = read_line(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && (strcasecmp(buf, "y") == 0 ||
			 strcasecmp(buf, "yes") == 0);
}

int read_password_file(const char *path, char *buf, size_t size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0) {
		errorf("'%s': cannot open password file: %s", path,
		       strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errorf("'%s': not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		errorf("'%s': permissions %04o are too open for a password "
		       "file; run chmod 600 '%s'", path,
		       (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -2;
	}
	n = read_line(fd, buf, size);
	close(fd);
	if (n == -2)
		errorf("'%s': password is longer than %zu bytes", path,
		       size - 1);
	else if (n <= 0)
		errorf("'%s': no password in the file", path);
	return n <= 0 ? -1 : n;
}

/* ==== Progress ==== */

void progress_start(struct progress *p, const char *what, size_t total)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->total = total;
	p->last_pct = -1;
	p->shown = total >= 5000 && isatty(STDERR_FILENO);
}

void progress_step(struct progress *p, size_t n)
{
	int pct;

	p->done += n;
	if (!p->shown || !p->total)
		return;
	pct = (int)(p->done * 100 / p->total);
	if (pct == p->last_pct)
		return;
	p->last_pct = pct;
	char bar[41];
	int fill = pct * 40 / 100;

	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(40 - fill));
	bar[40] = '\0';
	fprintf(stderr, "\r%s [%s] %3d%% (%zu/%zu)", p->what, bar, pct,
		p->done, p->total);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = 0;
}
