# timezone: the times a person reads (lists on a terminal, strips and class
# lists, workbooks) are in the site's time zone, [site] timezone, named;
# without one, the machine's (TZ). The record streams keep ISO 8601 UTC. A
# zone the time zone database does not hold is a configuration error.
. "$(dirname "$0")/../lib.sh"
write_conf
cp pipeline.conf base.conf
# Late in the evening in London: a day later there than in UTC.
export TEMPASS_NOW=2026-09-03T23:30:00Z
sed 's/^name = Oakfield Academy$/&\ntimezone = Europe\/London/' base.conf >pipeline.conf

sample_batch b1.tsv
check_eq "the stream keeps UTC" "$(col b1.tsv generated_at | sort -u)" 2026-09-03T23:30:00Z

check_exit "unclaimed as a table" 0 tp unclaimed --format table
check_grep "shows when in London, named" "2026-09-04 00:30 BST" "$T/.out"
check_nogrep "and no UTC time" "23:30" "$T/.out"
check_exit "unclaimed as TSV" 0 tp unclaimed --format tsv
check_eq "TSV keeps UTC" "$(col "$T/.out" generated_at | sort -u)" 2026-09-03T23:30:00Z
check_exit "batches as a table" 0 tp batches --format table
check_grep "batches show London time" "2026-09-04 00:30 BST" "$T/.out"

check_exit "emit pdf" 0 tp emit pdf --input b1.tsv -o s.pdf
pdftotext -layout s.pdf s.txt 2>/dev/null
check_grep "strips say when in London, named" "generated 2026-09-04 00:30 BST" s.txt
# 28 days after 00:30 on 4 September in London: 2 October there.
check_grep "strips give the expiry day in London" "2 October 2026" s.txt
check_nogrep "not the day in UTC" "1 October 2026" s.txt

check_exit "emit xlsx" 0 tp emit xlsx --input b1.tsv -o s.xlsx
"$PYTHON" - s.xlsx >x.txt <<'EOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        print("\t".join("" if v is None else str(v) for v in row))
EOF
check_grep "the workbook's title says London time" "2026-09-04 00:30 BST" x.txt

# ---- without a timezone: the machine's (TZ)
cp base.conf pipeline.conf
TZ=Asia/Tokyo "$TEMPASS_BIN" --config "$T/pipeline.conf" unclaimed --format table >u.txt 2>&1
check_grep "no timezone: the machine's zone, named" "2026-09-04 08:30 JST" u.txt

# ---- a zone that does not exist: exit 78, the store untouched
before=$(sql .dump | md5sum)
for z in Europe/Londn ../../etc/passwd London; do
	sed "s#^name = Oakfield Academy\$#&\ntimezone = $z#" base.conf >pipeline.conf
	check_exit "timezone = $z: exit 78" 78 tp unclaimed
	check_grep "timezone = $z: said so, with its line" ":[0-9]*: timezone: '$z' is not a time zone" "$T/.err"
done
check_eq "the store is as it was" "$(sql .dump | md5sum)" "$before"
cp base.conf pipeline.conf
check_exit "the audit chain verifies" 0 tp audit verify
