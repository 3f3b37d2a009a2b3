# run: the whole job of pipeline.conf [run] in one process. Its outputs
# are read with other programs (poppler, qpdf, openpyxl, Python's csv):
# every output exists, is 0600 and holds the batch; a second run is batch
# v2 and voids v1 for the same pupils; the audit export holds the batch's
# events and no password.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}

# csvcol CSV COLUMN: the values of COLUMN, read with Python's csv module.
csvcol() {
	"$PY" -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    print(r[sys.argv[2]])' "$1" "$2"
}
# xlsxcol XLSX COLUMN: the values of COLUMN in every sheet (row 2 is the
# header), then a line "sheets N types T" with the cell types seen.
xlsxcol() {
	"$PY" -c 'import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
types = set()
for ws in wb.worksheets:
    rows = list(ws.iter_rows())
    head = [c.value for c in rows[1]]
    k = head.index(sys.argv[2])
    for r in rows[2:]:
        print(r[k].value)
    types |= set(c.data_type for r in rows for c in r if c.value is not None)
print("sheets %d types %s" % (len(wb.worksheets), "".join(sorted(types))))' "$1" "$2"
}
# words FILE: the whitespace-separated words of FILE, one a line.
words() { tr -s ' \n' '\n' <"$1"; }
verify() { printf '%s\n' "$2" | tp verify "$1" >/dev/null 2>&1; }
# verify_all USERS PASSWORDS WANT: how many pairs do not exit WANT (and
# the exit statuses they got).
verify_all() {
	local u p rc bad=0 got=
	while IFS=$'\t' read -r u p; do
		verify "$u" "$p"
		rc=$?
		[ "$rc" -eq "$3" ] || { bad=$((bad + 1)); got="$got $rc"; }
	done < <(paste "$1" "$2")
	echo "$bad${got:+ (exit$got)}"
}
: >poppler.err

# ---- the first run
check_exit "tp run --demo" 0 tp run --demo
cp "$T/.out" run1.out
cp "$T/.err" run1.err
check_grep "it creates the demo admin" "demo admin 'demo' created" run1.err
check_eq "the admin's password file is 0600" "$(stat -c %a var/demo-admin.pw 2>&1)" 600
n=$(($(tp select --all --group 'Year 7' 2>/dev/null | wc -l) - 1))
check "Year 7 has pupils" test "$n" -gt 8
check_grep "it says what the batch did" "^batch v1: $n password(s) regenerated, 0 older password(s) voided" run1.err
check_eq "five output paths printed" "$(grep -c "^$T/out/" run1.out)" 5
check_eq "in the order of [run] outputs" \
  "$(sed "s#^$T/out/oakfield-v1##" run1.out | tr '\n' ' ')" \
  "-strips.pdf -classlist.pdf .xlsx .csv -audit.tsv "
check_eq "stdout holds the output paths and nothing else" \
  "$(grep -v "^$T/out/" run1.out)" ""
for s in -strips.pdf -classlist.pdf .xlsx .csv -audit.tsv; do
	check_eq "run prints out_dir/oakfield-v1$s" "$(grep -cxF "$T/out/oakfield-v1$s" run1.out)" 1
done
while read -r f; do
	check "exists: ${f##*/}" test -s "$f"
	check_eq "mode 0600: ${f##*/}" "$(stat -c %a "$f" 2>&1)" 600
done < <(grep "^/" run1.out)
check_eq "out_dir holds only the outputs" "$(ls -A out | wc -l)" 5

o=out/oakfield-v1
csvcol $o.csv username >u1
csvcol $o.csv password >p1
check_eq "csv: a row per Year 7 pupil" "$(wc -l <u1)" "$n"
check_eq "csv: the pupils of Year 7" "$(sort u1)" \
  "$(tp select --all --group 'Year 7' 2>/dev/null | col /dev/stdin username | sort)"
check_eq "csv: a password for every pupil" "$(grep -c . p1)" "$n"
check_eq "csv: the batch version" "$(csvcol $o.csv version | sort -u)" 1

pdftotext -layout -enc UTF-8 $o-strips.pdf s1.txt 2>>poppler.err
# Every password as often as the batch has it (two pupils may have the
# same one by chance).
check_eq "strips: every password once" "$(words s1.txt | grep -xFf p1 | sort)" "$(sort p1)"
check_eq "strips: no other password" \
  "$(sed -n 's/^ *password  *//p' s1.txt | sort)" "$(sort p1)"
check_eq "strips: every username once" \
  "$(words s1.txt | grep -xFf u1 | sort | uniq -c | awk '$1 == 1' | wc -l)" "$n"
check_eq "strips: pages = ceil(n / 8)" \
  "$(pdfinfo $o-strips.pdf 2>>poppler.err | awk '/^Pages:/ { print $2 }')" $(((n + 7) / 8))
qpdf --check $o-strips.pdf >/dev/null 2>&1
check_eq "strips: qpdf --check passes" $? 0
check_eq "strips: every font embedded" \
  "$(pdffonts $o-strips.pdf 2>>poppler.err | tail -n +3 | awk '$(NF - 4) != "yes"' | wc -l)" 0

pdftotext -layout -enc UTF-8 $o-classlist.pdf c1.txt 2>>poppler.err
np=$(pdfinfo $o-classlist.pdf 2>>poppler.err | awk '/^Pages:/ { print $2 }')
check_eq "classlist: every password once" "$(words c1.txt | grep -xFf p1 | sort)" "$(sort p1)"
check_eq "classlist: page X of Y on every page" \
  "$(grep -oE 'page [0-9]+ of [0-9]+' c1.txt | tr '\n' ,)" \
  "$(for p in $(seq "${np:-0}"); do printf 'page %d of %d,' "$p" "$np"; done)"
qpdf --check $o-classlist.pdf >/dev/null 2>&1
check_eq "classlist: qpdf --check passes" $? 0

xlsxcol $o.xlsx password >x1 2>&1
check_eq "xlsx: the passwords of the csv" "$(sed '$d' x1 | sort)" "$(sort p1)"
check_eq "xlsx: one sheet, every cell text" "$(tail -1 x1)" "sheets 1 types s"

a=$o-audit.tsv
check_grep "audit: the columns of tempass audit" "^id	at	actor	action	username	batch	detail$" $a
check_eq "audit: one credential.issue per pupil" \
  "$(awk -F'\t' '$4 == "credential.issue" { print $5 }' $a | sort)" "$(sort u1)"
check_eq "audit: the batch.create event" "$(awk -F'\t' '$4 == "batch.create"' $a | wc -l)" 1
check_eq "audit: only batch 1's events" "$(awk -F'\t' 'NR > 1 { print $6 }' $a | sort -u)" 1
check_eq "audit: the same as tempass audit --batch 1" "$(cat $a)" "$(tp audit --batch 1 --format tsv 2>&1)"
check_eq "audit: no password in it" "$(grep -cFf p1 $a)" 0
check_exit "the audit chain verifies" 0 tp audit verify

# ---- the second run: v2 voids v1
mkdir keep
cp -p out/* var/demo-admin.pw keep/
check_exit "tp run --demo again" 0 tp run --demo
cp "$T/.out" run2.out
cp "$T/.err" run2.err
check_nogrep "the admin is not made again" "demo admin" run2.err
check "its password file is unchanged" cmp -s var/demo-admin.pw keep/demo-admin.pw
check_grep "the second run is batch v2 and voids v1" \
  "^batch v2: $n password(s) regenerated, $n older password(s) voided" run2.err
check_eq "v2: five outputs" "$(grep -c "^$T/out/oakfield-v2[-.]" run2.out)" 5
ok2=0
while read -r f; do
	[ -s "$f" ] && [ "$(stat -c %a "$f")" = 600 ] && ok2=$((ok2 + 1))
done < <(grep "^/" run2.out)
check_eq "v2: every output exists, 0600" "$ok2" 5
v1same=0
for f in keep/oakfield-v1*; do cmp -s "$f" "out/${f#keep/}" && v1same=$((v1same + 1)); done
check_eq "v1's outputs are left as they were" "$v1same" 5
o2=out/oakfield-v2
csvcol $o2.csv username >u2
csvcol $o2.csv password >p2
check_eq "v2 covers the same pupils" "$(sort u2)" "$(sort u1)"
check_eq "v2's passwords are new" "$(same_pairs <(paste u1 p1) <(paste u2 p2))" 0
tp batches --format tsv >batches.tsv
check_eq "batches: v2 then v1" "$(col batches.tsv version | tr '\n' ,)" 2,1,
check_eq "batches: v2 all current" \
  "$(awk -F'\t' '$1 == 2 { print $4 "|" $5 "|" $6 "|" $8 }' batches.tsv)" "groups: Year 7|$n|$n|0"
check_eq "batches: v1 all void" \
  "$(awk -F'\t' '$1 == 1 { print $4 "|" $5 "|" $6 "|" $8 }' batches.tsv)" "groups: Year 7|$n|0|$n"
check_eq "v1's passwords fail verify (exit 77)" "$(verify_all u1 p1 77)" 0
check_eq "v2's passwords verify" "$(verify_all u2 p2 0)" 0
a2=$o2-audit.tsv
check_eq "v2 audit: each issue voided the v1 password" \
  "$(grep -c "	credential.issue	.*	2	batch v2; group 'Year 7'; voided the password of batch v1$" $a2)" "$n"
check_eq "v2 audit: no password of either batch" "$(cat p1 p2 | grep -cFf - $a2)" 0
check_eq "v2 strips: v2's passwords, none of v1's" \
  "$(pdftotext -layout $o2-strips.pdf - 2>>poppler.err | sed -n 's/^ *password  *//p' | sort)" "$(sort p2)"
check_exit "the audit chain still verifies" 0 tp audit verify
check_eq "poppler tools printed nothing on stderr" "$(sort -u poppler.err | head -5)" ""

# ---- a list that cannot be written: no batch, and no list
# The strips' font is no font (one that is missing is refused with the
# configuration): the PDF fails while the batch is being stored, so the
# batch is rolled back and no output appears.
printf 'not a font\n' >tempass-font.ttf
sed "s#^out_dir *=.*#&\npdf_fonts = $T/tempass-font.ttf#" \
	pipeline.conf >broken.conf
# state: batches, the events of batches and credentials (the admin's
# confirmation is audited whatever follows), the current credentials.
state() {
	sql "SELECT (SELECT count(*) FROM batch) || '|' ||
	     (SELECT count(*) FROM audit WHERE action NOT IN ('import',
	      'admin.confirm') AND action NOT LIKE 'user.%') || '|' ||
	     (SELECT group_concat(id) FROM credential WHERE state = 'current')"
}
before=$(state)
ls -A out | sort >out.before
check_exit "run with a missing font fails" 73 \
	"$TEMPASS_BIN" --config broken.conf run --no-import
check_grep "it names the font" "$T/tempass-font.ttf" "$T/.err"
check_nogrep "it says no batch was written" "^batch v3" "$T/.err"
check_eq "no batch, credential or batch event was kept" "$(state)" "$before"
check_eq "no output appeared" "$(ls -A out | sort | diff out.before - | wc -l)" 0
check_eq "nothing printed as written" "$(wc -c <"$T/.out")" 0
check_exit "the audit chain still verifies" 0 tp audit verify

# A bad output name is found before anything is done, the import too.
sed 's#^outputs *=.*#outputs = pdf-strips, pdf-poster#' \
	pipeline.conf >badout.conf
check_exit "run with an unknown output" 78 \
	"$TEMPASS_BIN" --config badout.conf run
check_grep "it names the output" "'pdf-poster' is not" "$T/.err"
check_eq "nothing was done, not even the import" "$(state)" "$before"
check_nogrep "no import ran" "added" "$T/.err"

# The same output twice would be the same file twice.
for dup in 'pdf-strips, xlsx, pdf-strips' 'audit, csv, audit'; do
	sed "s#^outputs *=.*#outputs = $dup#" pipeline.conf >dupout.conf
	check_exit "run with outputs '$dup'" 78 \
		"$TEMPASS_BIN" --config dupout.conf run
	check_grep "it names the repeated output" "is listed twice" "$T/.err"
done
check_eq "still nothing was done" "$(state)" "$before"

# libxlsxwriter and libharu are loaded when a workbook or a PDF is
# written; where one cannot be, a run that needs it stops before its
# import (a library that is not one, found first: the dynamic loader fails
# on it wherever it is loaded).
mkdir -p nolibs
for lib in libxlsxwriter.so.4:libxlsxwriter4 libhpdf-2.3.0.so:libhpdf-2.3.0; do
	rm -f nolibs/*
	printf 'not a library\n' >"nolibs/${lib%%:*}"
	check_exit "run, ${lib%%:*} missing: exit 69" 69 \
		env LD_LIBRARY_PATH="$T/nolibs" "$TEMPASS_BIN" --config pipeline.conf run
	check_grep "it names ${lib%%:*} and its Debian package" \
		"^tempass: run: cannot load ${lib%%:*} (Debian package ${lib#*:}): " "$T/.err"
	check_nogrep "no import ran" "added" "$T/.err"
	check_eq "no batch, credential or batch event was made" "$(state)" "$before"
	check_eq "no output appeared" "$(ls -A out | sort | diff out.before - | wc -l)" 0
done
printf 'not a library\n' >nolibs/libxlsxwriter.so.4
sed 's#^outputs *=.*#outputs = csv, audit#' pipeline.conf >nolibs.conf
check_exit "run writing neither runs where both are missing" 0 \
	env LD_LIBRARY_PATH="$T/nolibs" "$TEMPASS_BIN" --config nolibs.conf run --no-import
check_eq "one batch more" "$(sql "select count(*) from batch")" "$(( ${before%%|*} + 1 ))"
check_exit "the audit chain verifies" 0 tp audit verify
before=$(state)
ls -A out | sort >out.before

# ---- the admin's confirmation, worked out beside the import, still
# refuses: a wrong password (counted and audited), a file others can read
cp -p var/demo-admin.pw keep/pw.good
printf 'not-the-password-at-all\n' >var/demo-admin.pw
chmod 600 var/demo-admin.pw
creds() { sql "SELECT (SELECT count(*) FROM batch) || '|' ||
	(SELECT group_concat(id) FROM credential WHERE state = 'current')"; }
b4=$(creds)
check_exit "run with a wrong admin password: exit 77" 77 tp run
check_grep "it says so" "^tempass: run: wrong password for admin 'demo'$" "$T/.err"
check_eq "nothing regenerated" "$(creds)" "$b4"
check_eq "the failure is counted" "$(sql "select failed from admin where name = 'demo'")" 1
check_eq "and audited" "$(sql "select count(*) from audit where action = 'admin.confirm.fail'")" 1
cp -p keep/pw.good var/demo-admin.pw
chmod 644 var/demo-admin.pw
check_exit "run with a password file others can read: exit 77" 77 tp run
check_grep "it says why, as run" "^tempass: run: '.*demo-admin.pw': permissions 0644 are too open" "$T/.err"
check_nogrep "and only once" "import: .*demo-admin.pw" "$T/.err"
check_eq "nothing regenerated either" "$(creds)" "$b4"
chmod 600 var/demo-admin.pw

# ---- groups that share pupils: each pupil once (Year 7 holds 7A)
sed 's#^groups = Year 7$#groups = 7A, Year 7#' pipeline.conf >both.conf
check_exit "run over 7A and Year 7" 0 "$TEMPASS_BIN" --config both.conf run --no-import
v=$(sql "select max(version) from batch")
check_eq "each pupil of Year 7 once" \
  "$(csvcol out/oakfield-v$v.csv username | sort | uniq -d | wc -l) $(csvcol out/oakfield-v$v.csv username | wc -l)" "0 $n"
check_eq "as many credentials as pupils" \
  "$(sql "select count from batch where version = $v")" "$n"

# ---- a group the site lacks is a mistake in [run] groups
sed 's#^groups = Year 7$#groups = 7A, 7Z#' pipeline.conf >nogroup.conf
b4=$(creds)
check_exit "run over a group the site lacks: exit 78" 78 "$TEMPASS_BIN" --config nogroup.conf run --no-import
check_grep "named with the nearest, as select names it" "\[run\] groups: no group '7Z' at site 'oakfield'; nearest: '7A', '7B'" "$T/.err"
check_eq "nothing regenerated" "$(creds)" "$b4"

# ---- the import is a step of run's own, not another stage run inside
# it: what it reports is run's, its summary goes to stderr, and standard
# output lists only the files written
cp "$ROOT/samples/students.csv" roster.csv
printf '009999,Q9,Bad,Date,31/02/2014,M,Year 7,7A,,\r\n' >>roster.csv
sed "s#^file = .*/samples/students.csv#file = $T/roster.csv#" pipeline.conf >rej.conf
b4=$(creds)
check_exit "run over a roster with a bad row: exit 65" 65 \
	"$TEMPASS_BIN" --config rej.conf run
check_grep "the bad row is reported as run's, with its line" \
	"^tempass: run: .*roster.csv:[0-9]*: .*31/02/2014" "$T/.err"
check_grep "so is the rejects file" "^tempass: run: 1 row(s) rejected; see " "$T/.err"
check_nogrep "nothing is reported as import's" "^tempass: import:" "$T/.err"
check_grep "the import's summary is on standard error" ", 1 rejected$" "$T/.err"
check_eq "standard output is empty" "$(wc -c <"$T/.out")" 0
check_eq "nothing regenerated" "$(creds)" "$b4"
check_exit "the audit chain verifies" 0 tp audit verify

# A roster kind with no file is a configuration error, before anything
# is imported or regenerated.
sed '/^file = .*samples\/students.csv/d' pipeline.conf >nofile.conf
check_exit "run when [roster students] names no file: exit 78" 78 \
	"$TEMPASS_BIN" --config nofile.conf run
check_grep "it says so" "^tempass: run: \[roster students\] names no 'file' to import$" "$T/.err"
check_eq "nothing regenerated" "$(creds)" "$b4"
check_exit "run --no-import needs no file" 0 \
	"$TEMPASS_BIN" --config nofile.conf run --no-import
check_eq "one current credential per user" \
	"$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0
