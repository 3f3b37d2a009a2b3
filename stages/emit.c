/*
 * emit: the stage that writes a record stream (regenerate's or reset's) as
 * the outputs people use. Sorting, naming and writing the files is the
 * engine's (engine/emit.c), shared with run.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/util.h"
#include "engine/emit.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass emit FORMAT [options] < RECORDS\n"
	"\n"
	"Writes the record stream of regenerate (or reset) as FORMAT:\n"
	"  pdf      printed lists (--layout strips, the default, to cut and\n"
	"           hand out; --layout classlist, a table per class with\n"
	"           a box to tick as each slip is handed out; --layout\n"
	"           letter, a page a pupil with the words of [output]\n"
	"           letter_template)\n"
	"  xlsx     an Excel workbook, a sheet per class\n"
	"  csv      for spreadsheets: cells starting with = + - @ TAB CR are\n"
	"           neutralised (--raw leaves them)\n"
	"  tsv, ndjson  the record stream formats\n"
	"  ad       LDIF for ldapmodify against an Active Directory or Samba\n"
	"           AD domain controller over LDAPS: sets unicodePwd and\n"
	"           pwdLastSet 0 (change at next logon); DN from [ad] dn;\n"
	"           a marker in [ad] marker, as ldif's\n"
	"  google   the Google Admin console's bulk update CSV, change at\n"
	"           next sign-in; address from [google] email, else the\n"
	"           user's verified one; OU from [google] org_unit (/)\n"
	"  gam      CSV for: gam csv FILE gam update user ~email password\n"
	"           ~password changepassword on\n"
	"  entra    CSV for Microsoft Graph PowerShell (Update-MgUser); UPN\n"
	"           from [entra] upn\n"
	"The directory files hold passwords (the LDIF base64-encoded, not\n"
	"hashed) and name their batch: a comment in the LDIF, the columns\n"
	"'version' and 'batch' in the GAM and Entra CSVs, the file name\n"
	"(SITE-vVERSION-google.csv) for Google, whose upload takes no other\n"
	"column. Fed back to emit, an AD LDIF (read back as username,\n"
	"version, batch, dn, password), GAM or Entra CSV of a void batch is\n"
	"refused like any record stream.\n"
	"  ldif     for ldapmodify: per user, userPassword as an {ARGON2}\n"
	"           hash (no password), the DN from [ldap] dn, a marker in\n"
	"           [ldap] marker that makes an older batch's records fail,\n"
	"           pwdReset: TRUE with [ldap] ppolicy = yes ({SSHA}, with\n"
	"           a warning, with [ldap] scheme = ssha); an ldif file\n"
	"           given as the records is checked as records are\n"
	"Records are sorted by [output] sort (default: group, surname,\n"
	"forename). A list's group is the 'class' column, else 'group' (the\n"
	"group that selected the user); names alike but for case and\n"
	"separators (7A, 7a, 7/A) are one group. Each group starts a page\n"
	"and counts its own pages. Each record is checked against the store:\n"
	"records whose password is no longer current (voided by a newer\n"
	"batch, expired, claimed, revoked, refused after 10 failed attempts,\n"
	"not of their batch, or without a batch version) are refused (exit\n"
	"65), with how many and why, unless --allow-void.\n"
	"\n"
	"Options:\n"
	"  -o, --output PATH  the file to write (with --per-group, a folder);\n"
	"                     default: out_dir/SITE-vVERSION[-LAYOUT].EXT for\n"
	"                     pdf, xlsx and the directories' files, standard\n"
	"                     output for the others; '-': standard output\n"
	"                     (csv, tsv, ndjson, ad, google, gam, entra, ldif)\n"
	"  --per-group        one file per class (or group), named after it\n"
	"  --layout L         pdf: strips, classlist or letter\n"
	"  --strips CxR       pdf strips: C columns and R rows a page (default:\n"
	"                     [output] strips, 3x8), refused when the longest\n"
	"                     password would print below 11 pt\n"
	"  --force            replace existing regular files (never a device,\n"
	"                     fifo, socket, folder or symbolic link)\n"
	"  --raw              csv: leave formulas as they are\n"
	"  --allow-void       print records that are no longer current too\n"
	"                     (not for a directory's file),\n"
	"                     marked VOID: across the strip or class list row,\n"
	"                     and in a 'state' column (\"current\" or \"VOID:\n"
	"                     why\") of the other formats\n"
	"  --show             allow passwords on a terminal\n"
	"  --input FILE       read the records from FILE, not standard input\n";

static int cmd_emit(struct ctx *ctx, int argc, char **argv);

const struct stage stage_emit = {
	.name = "emit",
	.summary = "write records as PDF strips or class lists, XLSX, CSV, "
		   "directory updates",
	.usage = usage,
	.exec = cmd_emit,
};

static int cmd_emit(struct ctx *ctx, int argc, char **argv)
{
	struct emit_opts o = { 0 };
	const char *layout = NULL, *input = NULL, *strips = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING('o', "output", &o.output),
		OPT_FLAG(0, "per-group", &o.per_group),
		OPT_STRING(0, "layout", &layout),
		OPT_STRING(0, "strips", &strips),
		OPT_FLAG(0, "force", &o.force),
		OPT_FLAG(0, "raw", &o.raw),
		OPT_FLAG(0, "show", &o.show),
		OPT_FLAG(0, "allow-void", &o.allow_void),
		OPT_STRING(0, "input", &input),
		OPT_END,
	};
	FILE *in = stdin;
	int argi, rc;

	if ((argi = stage_parse(&stage_emit, ctx, argc, argv, opts,
				&rc)) < 0)
		return rc;
	if (argc - argi != 1)
		return stage_usage(&stage_emit, "give one FORMAT: pdf, xlsx, "
				   "csv, tsv, ndjson, ad, google, gam, entra "
				   "or ldif");
	if (emit_kind_parse(argv[argi], layout, &o.kind) != 0)
		return stage_usage(&stage_emit, "'%s%s%s' is not a format "
				   "(pdf --layout strips|classlist|letter, xlsx, "
				   "csv, tsv, ndjson, ad, google, gam, entra, "
				   "ldif)",
				   argv[argi],
				   layout ? " --layout " : "",
				   layout ? layout : "");
	if (strips && (o.kind != EMIT_PDF_STRIPS ||
		       config_grid(strips, &o.strip_cols, &o.strip_rows)))
		return stage_usage(&stage_emit, "--strips '%s': give "
				   "COLUMNSxROWS (e.g. 3x8), for pdf strips",
				   strips);
	/* "-o -": the stream on standard output, with its terminal rule. */
	if (o.output && strcmp(o.output, "-") == 0) {
		if (o.per_group || emit_kind_pdf(o.kind) ||
		    o.kind == EMIT_XLSX)
			return stage_usage(&stage_emit, "-o -: only csv, tsv, "
					   "ndjson and ldif go to standard output, "
					   "one file at a time");
		o.output = NULL;
		o.to_stdout = 1;
	}
	if ((rc = ctx_config(ctx)) != 0)
		return rc;
	if (input && !(in = fopen(input, "r"))) {
		errorf("'%s': cannot open: %m", input);
		return EX_NOINPUT;
	}
	rc = emit_records(ctx, &o, in, input ? input : "<stdin>");
	if (in != stdin)
		fclose(in);
	return rc;
}
