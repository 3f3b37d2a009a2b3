/*
 * regenerate: the heart of tempass. Reads the record stream of the users an
 * administrator picked (from select), confirms that administrator's own
 * password, says how many passwords will change and asks, then writes a new
 * versioned batch that voids each user's older password, and passes the
 * records on with the new passwords added.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/tty.h"
#include "core/util.h"
#include "engine/admin.h"
#include "engine/issue.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass regenerate --admin NAME [options] < SELECTION\n"
	"\n"
	"Regenerates temporary passwords for the users in the record stream\n"
	"on standard input (a 'username' column; 'group' is kept as the\n"
	"filter criteria). Users who claimed their account or left are\n"
	"skipped. Writes a new batch that voids the users' older passwords,\n"
	"then the records with the columns group, site, batch, version,\n"
	"generated_at, expires and password added.\n"
	"\n"
	"Options:\n"
	"  --admin NAME          the administrator acting (default: [run] admin)\n"
	"  --password-file FILE  read the admin password from FILE (mode 0600)\n"
	"                        instead of asking on the terminal\n"
	"  --yes                 do not ask before regenerating\n"
	"  --dry-run             say how many would change; change nothing\n"
	"  --show                allow writing passwords to a terminal\n"
	"  --input FILE          read the stream from FILE instead of stdin\n"
	"  --format tsv|csv|ndjson  output format (default tsv)\n";

static int cmd_regenerate(struct ctx *ctx, int argc, char **argv);

const struct stage stage_regenerate = {
	.name = "regenerate",
	.summary = "new temporary passwords for the selected users (a batch)",
	.usage = usage,
	.exec = cmd_regenerate,
};

static int cmd_regenerate(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "show", no_argument, NULL, 'S' },
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin = NULL, *pwfile = NULL, *input = NULL;
	const char *format = "tsv";
	int yes = 0, dry_run = 0, show = 0, c, rc;
	struct issue_input inp = { .group_col = -1 };
	struct issue is = { 0 };
	enum rec_format f;
	char *crit = NULL;
	size_t todo = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': admin = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'y': yes = 1; break;
		case 'n': dry_run = 1; break;
		case 'S': show = 1; break;
		case 'i': input = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return stage_help(&stage_regenerate);
		default: return stage_bad_option(&stage_regenerate, argv, "");
		}
	}
	if (optind != argc)
		return stage_usage(&stage_regenerate, "unexpected '%s'",
				   argv[optind]);
	if (rec_format_parse(format, &f) != 0 || f == REC_TABLE)
		return stage_usage(&stage_regenerate, "--format '%s': not "
				   "tsv, csv or ndjson", format);
	if (!dry_run && !show && isatty(STDOUT_FILENO)) {
		errorf("refusing to write passwords to a terminal; redirect "
		       "the output, pipe it to 'tempass emit', or use --show");
		return EX_USAGE;
	}
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	if (!admin)
		admin = ctx->cfg->run_admin;
	if (!admin)
		return stage_usage(&stage_regenerate, "say which admin acts: "
				   "--admin NAME");
	rc = issue_read_input(input, &inp, &is);
	if (rc)
		goto out;
	if ((rc = confirm_admin(ctx, admin, pwfile)) != 0)
		goto out;
	if ((rc = issue_resolve(ctx, &is)) != 0)
		goto out;
	if (is.unknown) {
		for (size_t i = 0, shown = 0; i < is.n && shown < 5; i++)
			if (is.items[i].skip == ISSUE_UNKNOWN && ++shown)
				errorf("no user '%s' at site '%s'",
				       is.items[i].username, ctx->site->code);
		errorf("%zu user(s) of the stream are unknown; nothing "
		       "changed", is.unknown);
		rc = EX_DATAERR;
		goto out;
	}
	for (size_t i = 0; i < is.n; i++)
		todo += !is.items[i].skip;
	crit = issue_criteria(&inp);
	printf_inert(stderr, "%zu temporary password(s) will be regenerated "
		     "at %s (%s)", todo, ctx->site->name, crit);
	if (is.claimed || is.left)
		fprintf(stderr, "; skipped: %zu claimed their account, %zu "
			"left", is.claimed, is.left);
	fputc('\n', stderr);
	if (dry_run || todo == 0) {
		if (todo == 0)
			fprintf(stderr, "nothing to regenerate\n");
		rc = 0;
		goto out;
	}
	if (!yes) {
		int ok = tty_confirm("Regenerate them now?");

		if (ok <= 0) {
			if (ok == 0)
				errorf("cancelled; nothing changed");
			rc = ok < 0 ? EX_USAGE : 1;
			goto out;
		}
	}
	if ((rc = issue_batch(ctx, &is, admin, crit)) != 0)
		goto out;
	fprintf(stderr, "batch v%lld: %zu password(s) regenerated, %zu older "
		"password(s) voided", is.version, is.issued, is.voided);
	if (is.claimed)
		fprintf(stderr, ", %zu skipped (claimed)", is.claimed);
	fputc('\n', stderr);
	rc = issue_write(ctx, &is, stdout, f, (const char *const *)inp.cols,
			 inp.ncols, inp.rows);
out:
	free(crit);
	issue_input_release(&inp);
	issue_release(&is);
	return rc;
}
