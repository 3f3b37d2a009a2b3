/*
 * smtp: the mail transport over libcurl, the only file that includes
 * curl/curl.h. libcurl is not linked: smtp_load() opens its versioned
 * soname and looks up each function used here into one table, so every
 * other stage starts without loading libcurl and the libraries it pulls
 * in (TLS, Kerberos, LDAP, HTTP/2 ...).
 *
 * The header gives the prototypes, and each pointer of the table has the
 * type of its function's prototype (__typeof__), so a call through the
 * table is checked as a direct call would be. The library is never closed:
 * libcurl and its TLS library keep process-wide state that does not
 * survive being unloaded.
 */
#include <curl/curl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/smtp.h"
#include "core/util.h"

/* ==== Loading libcurl ==== */

static struct curl_api {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} api;

#define SYM(f) DL_SYMBOL(struct curl_api, f, "curl_")
static const struct dl_symbol symbols[] = {
	SYM(global_init), SYM(global_cleanup), SYM(easy_init),
	SYM(easy_cleanup), SYM(easy_setopt), SYM(easy_perform),
	SYM(easy_getinfo), SYM(easy_strerror), SYM(slist_append),
	SYM(slist_free_all),
};
#undef SYM

static int loaded;

int smtp_load(void)
{
	if (!loaded && dl_load(SMTP_LIBCURL, SMTP_LIBCURL_PACKAGE, symbols,
			       ARRAY_SIZE(symbols), &api, sizeof(api)) == 0)
		loaded = 1;
	return loaded ? 0 : -1;
}

/* ==== The session ==== */

struct smtp {
	CURL *curl;
	char *url;
	char *from;
	char errbuf[CURL_ERROR_SIZE];
	char reply[512];          /* the server's last 4xx/5xx line */
};

/* Keeps the server's last refusal or deferral line, for the reason. */
static size_t on_reply(char *buf, size_t size, size_t n, void *arg)
{
	struct smtp *s = arg;
	size_t len = size * n, k = 0;

	if (len >= 4 && (buf[0] == '4' || buf[0] == '5') &&
	    buf[1] >= '0' && buf[1] <= '9' && buf[2] >= '0' && buf[2] <= '9') {
		for (size_t i = 0; i < len && k + 1 < sizeof(s->reply); i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c == '\r' || c == '\n')
				break;
			/* A reply is ASCII; it goes into the store and onto
			 * a terminal, so nothing else passes. */
			s->reply[k++] = c < 0x20 || c > 0x7e ? '?' : (char)c;
		}
		s->reply[k] = '\0';
	}
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	FILE *fp = arg;
	size_t got = fread(buf, 1, size * n, fp);

	return got == 0 && ferror(fp) ? CURL_READFUNC_ABORT : got;
}

/* The URL to connect to: url, with the sender's domain as the EHLO name
 * when url names none (libcurl would say "localhost"). */
static char *target(const char *url, const char *from)
{
	const char *host = strstr(url, "://");
	const char *at = strchr(from, '@');

	if (!host || strchr(host + 3, '/') || !at)
		return xstrdup(url);
	return xasprintf("%s/%s", url, at + 1);
}

struct smtp *smtp_open(const char *url, const char *from, int starttls,
		       const char *user, const char *password)
{
	struct smtp *s;
	CURL *c;
	CURLcode bad = CURLE_OK;

	ASSERT(loaded);
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto fail;
	s = xcalloc(1, sizeof(*s));
	if (!(c = s->curl = api.easy_init())) {
		api.global_cleanup();
		free(s);
		goto fail;
	}
	s->url = target(url, from);
	s->from = xasprintf("<%s>", from);
	/* Every option is one this libcurl must know: an older one that
	 * ignored the protocol limit or the TLS demand would weaken both. */
#define SET(opt, v) (bad = bad ? bad : api.easy_setopt(c, opt, v))
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_MAIL_FROM, s->from);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, on_read);
	SET(CURLOPT_HEADERFUNCTION, on_reply);
	SET(CURLOPT_HEADERDATA, s);
	SET(CURLOPT_ERRORBUFFER, s->errbuf);
	SET(CURLOPT_CONNECTTIMEOUT, 10L);
	SET(CURLOPT_TIMEOUT, 60L);
	SET(CURLOPT_NOSIGNAL, 1L);
	if (starttls && strncmp(url, "smtp://", 7) == 0)
		SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (user && password) {
		/* libcurl keeps copies of its own. */
		SET(CURLOPT_USERNAME, user);
		SET(CURLOPT_PASSWORD, password);
	}
#undef SET
	if (bad != CURLE_OK) {
		errorf("libcurl (%s) cannot send mail: %s", SMTP_LIBCURL,
		       api.easy_strerror(bad));
		smtp_close(s);
		return NULL;
	}
	return s;
fail:
	errorf("cannot start libcurl (%s)", SMTP_LIBCURL);
	return NULL;
}

void smtp_close(struct smtp *s)
{
	if (!s)
		return;
	api.easy_cleanup(s->curl);
	api.global_cleanup();
	free(s->url);
	free(s->from);
	free(s);
}

/* ==== Sending ==== */

/*
 * Failures of the session itself (no connection, no TLS): the server
 * cannot be reached, whatever the server may have answered on the way.
 */
static int session_failed(CURLcode res)
{
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

/* Failures where the connection went away without a reply to judge. */
static int connection_lost(CURLcode res)
{
	return res == CURLE_OPERATION_TIMEDOUT || res == CURLE_GOT_NOTHING ||
	       res == CURLE_RECV_ERROR || res == CURLE_SEND_ERROR;
}

/* The reason from curl's error: its name, and the detail for TLS. */
static void curl_reason(const struct smtp *s, CURLcode res, char *reason,
			size_t size)
{
	const char *what = api.easy_strerror(res);

	if (s->errbuf[0] && res != CURLE_COULDNT_CONNECT &&
	    strcmp(s->errbuf, what) != 0)
		snprintf(reason, size, "%s (%s)", what, s->errbuf);
	else
		snprintf(reason, size, "%s", what);
}

enum smtp_status smtp_send_file(struct smtp *s, const char *rcpt, FILE *fp,
				off_t size, char *reason, size_t reason_size)
{
	struct curl_slist *list;
	CURLcode res;
	long code = 0;
	char *to;

	reason[0] = '\0';
	to = xasprintf("<%s>", rcpt);
	list = api.slist_append(NULL, to);
	free(to);
	if (!list)
		die("tempass: out of memory");
	api.easy_setopt(s->curl, CURLOPT_MAIL_RCPT, list);
	api.easy_setopt(s->curl, CURLOPT_READDATA, fp);
	api.easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	s->reply[0] = s->errbuf[0] = '\0';
	res = api.easy_perform(s->curl);
	api.easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	api.easy_setopt(s->curl, CURLOPT_READDATA, NULL);
	api.slist_free_all(list);
	if (res == CURLE_OK)
		return SMTP_SENT;
	/* The code of this transfer's own refusal, when one came. */
	if (s->reply[0])
		code = strtol(s->reply, NULL, 10);
	else if (!session_failed(res) && !connection_lost(res))
		api.easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_READ_ERROR || res == CURLE_ABORTED_BY_CALLBACK)
		return SMTP_LOCAL;
	if (res == CURLE_LOGIN_DENIED || code == 530) {
		/* Every message would fail alike (530: a login is needed):
		 * the fault is the login's, not the message's. */
		if (s->reply[0])
			snprintf(reason, reason_size, "%s", s->reply);
		else
			curl_reason(s, res, reason, reason_size);
		return SMTP_LOGIN;
	}
	if (session_failed(res)) {
		curl_reason(s, res, reason, reason_size);
		return SMTP_UNREACHABLE;
	}
	if (code >= 400) {
		if (s->reply[0])
			snprintf(reason, reason_size, "%s", s->reply);
		else
			snprintf(reason, reason_size, "%ld %s", code,
				 s->errbuf[0] ? s->errbuf :
				 api.easy_strerror(res));
		return code >= 500 ? SMTP_REFUSED : SMTP_DEFERRED;
	}
	curl_reason(s, res, reason, reason_size);
	return connection_lost(res) ? SMTP_UNREACHABLE : SMTP_DEFERRED;
}
