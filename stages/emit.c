/*
 * emit: the stage that writes a record stream (regenerate's or reset's) as
 * the outputs people use. Sorting, naming and writing the files is the
 * engine's (engine/emit.c), shared with run.
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "engine/emit.h"
#include "stages/stage.h"

static const char usage[] =
	"usage: tempass emit FORMAT [options] < RECORDS\n"
	"\n"
	"Writes the record stream of regenerate (or reset) as FORMAT:\n"
	"  pdf      printed lists (--layout strips, the default, to cut and\n"
	"           hand out; --layout classlist, a section per class)\n"
	"  xlsx     an Excel workbook, a sheet per class\n"
	"  csv      for spreadsheets: cells starting with = + - @ TAB CR are\n"
	"           neutralised (--raw leaves them)\n"
	"  tsv, ndjson  the record stream formats\n"
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
	"                     pdf and xlsx, standard output for the others;\n"
	"                     '-': standard output (csv, tsv, ndjson)\n"
	"  --per-group        one file per class (or group), named after it\n"
	"  --layout L         pdf: strips or classlist\n"
	"  --force            replace existing regular files (never a device,\n"
	"                     fifo, socket, folder or symbolic link)\n"
	"  --raw              csv: leave formulas as they are\n"
	"  --allow-void       print records that are no longer current too,\n"
	"                     marked VOID: across the strip or class list row,\n"
	"                     and in a 'state' column (\"current\" or \"VOID:\n"
	"                     why\") of the other formats\n"
	"  --show             allow passwords on a terminal\n"
	"  --input FILE       read the records from FILE, not standard input\n";

static int cmd_emit(struct ctx *ctx, int argc, char **argv);

const struct stage stage_emit = {
	.name = "emit",
	.summary = "write records as PDF strips or class lists, XLSX, CSV",
	.usage = usage,
	.exec = cmd_emit,
};

static int cmd_emit(struct ctx *ctx, int argc, char **argv)
{
	struct emit_opts o = { 0 };
	const char *layout = NULL, *input = NULL;
	const struct stage_opt opts[] = {
		OPT_STRING('o', "output", &o.output),
		OPT_FLAG(0, "per-group", &o.per_group),
		OPT_STRING(0, "layout", &layout),
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
				   "csv, tsv or ndjson");
	if (emit_kind_parse(argv[argi], layout, &o.kind) != 0)
		return stage_usage(&stage_emit, "'%s%s%s' is not a format "
				   "(pdf --layout strips|classlist, xlsx, csv, "
				   "tsv, ndjson)", argv[argi],
				   layout ? " --layout " : "",
				   layout ? layout : "");
	/* "-o -": the stream on standard output, with its terminal rule. */
	if (o.output && strcmp(o.output, "-") == 0) {
		if (o.per_group || o.kind == EMIT_PDF_STRIPS ||
		    o.kind == EMIT_PDF_CLASSLIST || o.kind == EMIT_XLSX)
			return stage_usage(&stage_emit, "-o -: only csv, tsv "
					   "and ndjson go to standard output, "
					   "one file at a time");
		o.output = NULL;
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
