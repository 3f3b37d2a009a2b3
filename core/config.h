/*
 * config: pipeline.conf, the one file that says how a school runs tempass.
 * It is INI, read with libinih: [site], [store], [import], one
 * [roster NAME] section per roster kind, one [policy TYPE] per user type,
 * [output], [email], [run], [ldap] and [claim]. Relative paths are taken
 * relative to the folder that holds pipeline.conf, so `--config
 * /etc/tempass/pipeline.conf` works from any folder.
 *
 * Every value is checked here, at start-up, so a stage never meets a bad
 * setting half way through a batch.
 */
#ifndef TEMPASS_CONFIG_H
#define TEMPASS_CONFIG_H

#include <stddef.h>

#include "core/policy.h"

struct paper;
struct template;
struct words;

struct site_conf {
	char *code;
	char *name;
	char *timezone;          /* "Europe/London"; NULL: the machine's */
	char *language;          /* "en", "cy": its message file's name;
				    NULL: English */
	struct words *words;     /* that file, loaded and checked; NULL:
				    the English built in */
};

/* One roster kind: how the columns of an MIS export map onto users. */
struct roster_conf {
	char *name;              /* "students" */
	char *file;              /* default roster file for `run`; may be NULL */
	char *encoding;          /* "utf-8" or "windows-1252" */
	char *external_id;       /* column names, NULL when not mapped */
	char *forename;
	char *surname;
	char *date_of_birth;
	char *date_format;       /* "dd/mm/yyyy" */
	char **groups;           /* columns whose values are group names */
	size_t ngroups;
	char *class_column;      /* the pupil's class (form group), or NULL */
	char *email;
	char *email_verified;
	char *username;
	char *user_type;         /* fixed type ... */
	char *user_type_column;  /* ... or the column that holds it */
	char *username_pattern;  /* "{initial}{surname}" */
	double leaver_threshold; /* share of users that may leave, 0..1 */
};

struct config {
	char *path;              /* the file read */
	char *dir;               /* its folder, for relative paths */
	struct site_conf *sites; /* sites[0] is the default */
	size_t nsites;
	/* [store] */
	char *database;
	char *key_file;
	int reveal;              /* sealed (1) or hash-only (0) credentials */
	unsigned long long argon2_ops;
	size_t argon2_mem_kib;
	/* [import] */
	size_t max_field;
	char *rejects_dir;
	struct roster_conf *rosters;
	size_t nrosters;
	struct policy *policies;
	size_t npolicies;
	char *words_file;
	char *denylist_file;
	/* [output] */
	char *out_dir;
	char **pdf_fonts;        /* fallback chain; none = the built-in one */
	size_t npdf_fonts;
	char *pdf_mono_font;
	char *messages_dir;      /* the message files, LANG.txt */
	char *strip_template;    /* what a strip says (core/paper) ... */
	struct paper *strip;     /* ... loaded and checked; NULL: shipped */
	char *paper;             /* "a4" or "letter" */
	int strip_cols, strip_rows; /* strips = COLSxROWS */
	char *qr;                /* "none", "username", "login" or "url" */
	/* The QR code's URL, {{username}} and {{site}} its only
	 * placeholders (never the password); NULL: none. */
	struct template *login_url;
	char *logo;              /* PNG or JPEG on the paper; NULL: none */
	/* The words of a letter: a template per line of the file, checked;
	 * NULL when none is set and templates/letter.txt is not found. */
	char *letter_template;
	struct template **letter;
	size_t nletter;
	char *sort;              /* columns, e.g. "group, surname, forename" */
	char **xlsx_columns;     /* the workbook's columns, of the stream */
	size_t nxlsx_columns;
	int xlsx_all;            /* xlsx_columns = *: every column */
	/* [email] */
	char *queue_dir;          /* Maildir-style: tmp/, new/, cur/ */
	char *smtp_url;           /* smtp:// or smtps:// */
	char *smtp_credentials;   /* 0600 file: "user:password" */
	int smtp_starttls;        /* require STARTTLS on smtp:// */
	char *mail_from;          /* address */
	char *mail_from_name;
	char *reset_url;          /* with {{token}} */
	int token_hours;
	char *templates_dir;
	char *message_id_domain;
	char *delivery;           /* print, email, email-else-print */
	/* [ad], [google], [entra]: templates over a record's columns */
	char *ad_dn;              /* the user's DN (values RFC 4514 escaped) */
	char *ad_marker;          /* single-valued: the batch guard; NULL */
	char *google_email;       /* NULL: the user's verified address */
	char *google_org_unit;    /* NULL: "/" */
	char *entra_upn;
	/* [claim]: the columns of a directory's report; NULL: the format's */
	char *claim_user;         /* names the user ... */
	char *claim_match;        /* ... by "username" or "email" */
	char *claim_changed;      /* when the password was last set */
	char *claim_login;        /* when the user last logged in */
	/* [tempass] */
	long jobs;               /* threads per parallel step, 0 = cores */
	/* [run] */
	char *run_roster;        /* roster kind to import, NULL = first */
	char **run_groups;
	size_t nrun_groups;
	char *run_admin;
	char *run_password_file;
	char **run_outputs;
	size_t nrun_outputs;
	/* [ldap] */
	struct template *ldap_dn;      /* over the stream's columns; NULL */
	int ldap_ppolicy;              /* set pwdReset: TRUE */
	int ldap_ssha;                 /* {SSHA}, not {ARGON2} */
	char *ldap_marker;             /* single-valued: the batch guard */
	unsigned long long ldap_argon2_ops;
	size_t ldap_argon2_mem_kib;
};

/*
 * Reads and checks path. Returns NULL after reporting every problem found
 * as "'<path>':<line>: <what>". Caller frees with config_free().
 */
struct config *config_load(const char *path);
void config_free(struct config *c);

/* The roster kind called name, or the first when name is NULL; NULL when
 * there is none (not reported). */
const struct roster_conf *config_roster(const struct config *c,
					const char *name);
/* The site with code, or the default when code is NULL; NULL when absent. */
const struct site_conf *config_site(const struct config *c, const char *code);
/* The policy for user_type, or NULL (not reported). */
const struct policy *config_policy(const struct config *c,
				   const char *user_type);

/* Resolves a path from the configuration: absolute as is, else relative to
 * the configuration's folder. Caller frees. */
char *config_path(const struct config *c, const char *path);

/* The configuration to read when none is named: ./pipeline.conf, else
 * SYSCONFDIR/tempass/pipeline.conf when only that one exists. */
const char *config_default_path(void);

/* Parses a grid of strips, "3x8": 0, or -1 when s is none (not
 * reported). */
int config_grid(const char *s, int *cols, int *rows);

/* Parses yes/no/true/false/on/off/1/0; -1 when it is none of them. */
int config_bool(const char *s);

#endif
