/*
 * send.h: delivering the mail queue over SMTP (see send.c).
 */
#ifndef TEMPASS_SEND_H
#define TEMPASS_SEND_H

#include "engine/ctx.h"

struct send_opts {
	int dry_run;              /* list what would be done on stdout */
	const char *format;       /* of that listing; NULL: table or TSV */
	long limit;               /* messages to try at most; -1: all */
	int retry_refused;        /* try the messages refused before again */
};

/*
 * Delivers the queue under [email] queue_dir (see the top of send.c), or
 * with dry_run lists what would be done and changes nothing. Returns 0
 * when every message tried was sent, else a sysexits status (reported):
 * EX_DATAERR when one was refused, EX_TEMPFAIL when one was deferred or
 * the server could not be reached (EX_DATAERR wins), EX_NOPERM for a
 * refused login, EX_CONFIG for a wrong [email], EX_UNAVAILABLE when
 * libcurl cannot be loaded.
 */
int send_queue(struct ctx *ctx, const struct send_opts *o);

#endif
