/*
 * fuzz_config: core/config, pipeline.conf, loaded from arbitrary bytes
 * written to a scratch file (config_load() takes a path). A configuration
 * that loads is held to what config.h promises, that every value was
 * checked at start-up: a default site with a valid code, rosters that map
 * the three required columns and say how a user type is found, settings
 * within their ranges, and look-ups that find what was loaded.
 */
#include "tests/fuzz/fuzz.h"

#include "core/config.h"
#include "core/util.h"

static int valid_code(const char *s)
{
	return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") ==
		       strlen(s);
}

static void check_config(const struct config *c)
{
	char *p;

	FUZZ_CHECK(c->nsites >= 1 && c->sites[0].code);
	FUZZ_CHECK(config_site(c, NULL) == &c->sites[0]);
	for (size_t i = 0; i < c->nsites; i++) {
		FUZZ_CHECK(c->sites[i].code && valid_code(c->sites[i].code));
		FUZZ_CHECK(c->sites[i].name);
		FUZZ_CHECK(config_site(c, c->sites[i].code) == &c->sites[i]);
	}
	FUZZ_CHECK(config_roster(c, NULL) ==
		   (c->nrosters ? &c->rosters[0] : NULL));
	for (size_t i = 0; i < c->nrosters; i++) {
		const struct roster_conf *r = &c->rosters[i];

		FUZZ_CHECK(r->name && r->external_id && r->forename &&
			   r->surname && r->date_format && r->username_pattern);
		FUZZ_CHECK(!r->user_type != !r->user_type_column);
		FUZZ_CHECK(!strcmp(r->encoding, "utf-8") ||
			   !strcmp(r->encoding, "windows-1252"));
		FUZZ_CHECK(r->leaver_threshold >= 0 &&
			   r->leaver_threshold <= 1);
		for (size_t g = 0; g < r->ngroups; g++)
			FUZZ_CHECK(r->groups[g][0]);
		FUZZ_CHECK(config_roster(c, r->name) == r);
	}
	for (size_t i = 0; i < c->npolicies; i++)
		FUZZ_CHECK(config_policy(c, c->policies[i].user_type) ==
			   &c->policies[i]);
	FUZZ_CHECK(!c->run_roster || config_roster(c, c->run_roster));
	FUZZ_CHECK(c->max_field >= 16 && c->max_field <= 16 * 1024 * 1024);
	FUZZ_CHECK(c->strip_cols >= 1 && c->strip_rows >= 1);
	FUZZ_CHECK(!strcmp(c->paper, "a4") || !strcmp(c->paper, "letter"));
	FUZZ_CHECK(!strcmp(c->qr, "none") || !strcmp(c->qr, "username") ||
		   !strcmp(c->qr, "login"));
	FUZZ_CHECK(c->database && c->key_file && c->out_dir &&
		   c->rejects_dir && c->words_file && c->denylist_file);
	p = config_path(c, "x");
	FUZZ_CHECK(!strncmp(p, c->dir, strlen(c->dir)));
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = config_load(fuzz_file(data, size, ".conf"));

	if (c)
		check_config(c);
	config_free(c);
	return 0;
}
