# import_names: one rule for names from outside. Controls, line and
# paragraph separators and bidirectional controls are removed from names at
# import with a warning naming the file, line and column; a name left empty
# rejects its row. Every output then gets the same cleaned name: notify
# queues an email for each such pupil, the CSV and the PDF carry the name,
# and emit applies the rule to a stream edited by hand. A Persian name with
# a zero-width non-joiner is kept byte for byte.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
sed -i "s#^file = .*/students.csv\$#file = $T/r.csv#" pipeline.conf
cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = https://reset.oakfield.example/r?t={{token}}
token_hours = 24
templates = $ROOT/templates
message_id_domain = oakfield.example
EOF
regen() { tp regenerate --admin demo --password-file "$T/pw" --yes "$@"; }
u8() { printf '%b' "$1"; }

H='Adno,UPN,Forename,Surname,DOB,Gender,Year,Reg,Email,Email Verified'
PERSIAN=$(u8 '\u0645\u0647\u200c\u0644\u0642\u0627')   # ZWNJ inside
HINDI=$(u8 '\u0915\u094d\u200d\u0937\u093e')           # ZWJ inside
{
printf '%s\n' "$H"
printf '%s\n' "000001,Q1,$(u8 'Anne\u2028Marie'),Ames,01/01/2015,F,Year 7,7A,anne@pupils.example,Yes"
printf '%s\n' "000002,Q2,Bea,$(u8 'Bell\a'),01/01/2015,F,Year 7,7A,bea@pupils.example,Yes"
printf '%s\n' "000003,Q3,$(u8 'Jo\u0085Ann'),Cole,01/01/2015,F,Year 7,7A,,"
printf '%s\n' "000004,Q4,Eve,$(u8 '\u202eEvans\u202c'),01/01/2015,F,Year 7,7A,eve@pupils.example,Yes"
printf '%s\n' "000005,Q5,$(u8 '\u2066Li\u200e\u2069'),$(u8 'Wu\u200f\u2029'),01/01/2015,M,Year 7,7A,,"
printf '%s\n' "000006,Q6,Dan,$(u8 'Doe\x1b[31m\u202a\u202b\u202d\u2067\u2068'),01/01/2015,M,Year 7,7A,,"
printf '%s\n' "000007,Q7,$PERSIAN,$HINDI,01/01/2015,F,Year 7,7A,mah@pupils.example,Yes"
printf '%s\n' "000008,Q8,Ok,Plain,01/01/2015,F,Year 7,7A,,"
} >r.csv
check_exit "names with controls are imported" 0 tp import
check_grep "summary: all added" "^8 added, 0 updated, 0 moved, 0 left, 0 unchanged, 0 rejected" "$T/.out"
check_grep "a warning names file, line and column" \
  "warning: $T/r.csv:2: column 'Forename' held 1 control character(s) (first U+2028); removed" "$T/.err"
check_grep "a C1 control is named" "r.csv:4: column 'Forename' held 1 control character(s) (first U+0085)" "$T/.err"
check_grep "a bidi override is named" "r.csv:5: column 'Surname' held 2 control character(s) (first U+202E)" "$T/.err"
check_grep "an escape and bidi embeddings are counted" "r.csv:7: column 'Surname' held 6 control character(s) (first U+001B)" "$T/.err"
check_eq "one warning per cleaned name" "$(grep -c 'warning: .*/r.csv:' "$T/.err")" 7
check_eq "the cleaned names are stored" \
  "$(sql "select group_concat(forename || ' ' || surname, '|') from (select * from user order by external_id)")" \
  "Anne Marie Ames|Bea Bell|Jo Ann Cole|Eve Evans|Li Wu|Dan Doe[31m|$PERSIAN $HINDI|Ok Plain"
check_eq "ZWNJ and ZWJ kept byte for byte" \
  "$(sql "select hex(forename) || ' ' || hex(surname) from user where external_id = '000007'")" \
  "$(printf '%s' "$PERSIAN" | xxd -p -u | tr -d '\n') $(printf '%s' "$HINDI" | xxd -p -u | tr -d '\n')"
check_eq "no control is stored in any name" \
  "$(sql "select hex(forename || surname) from user" | "$PY" -c 'import re,sys; print(sum(1 for h in sys.stdin if re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]", bytes.fromhex(h.strip()).decode())))')" 0

# a name of nothing but controls rejects the row; its pupil is kept
{ cat r.csv; printf '%s\n' "000009,Q9,$(u8 '\u200e\a'),Nobody,01/01/2015,F,Year 7,7A,,"; } >r9.csv
check_exit "a name left empty rejects its row" 65 tp import r9.csv
check_grep "and says why" "r9.csv:10: forename holds nothing but control characters" "$T/.err"
check_grep "nothing else changes" "^0 added, 0 updated, 0 moved, 0 left, 8 unchanged, 1 rejected" "$T/.out"

# ---- every output gets the cleaned name; nobody drops out
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group 7A >sel.tsv 2>/dev/null
check_exit "notify the group" 0 tp notify --admin demo --password-file "$T/pw" --yes --input sel.tsv
cp "$T/.out" print.tsv
check_eq "an email is queued for each verified address" "$(find queue/new -type f | wc -l)" 4
"$PY" - queue/new/* >to.txt <<'EOF'
import email.parser, email.policy, sys
for p in sys.argv[1:]:
    m = email.parser.BytesParser(policy=email.policy.default).parsebytes(open(p, 'rb').read())
    print(m['To'].addresses[0].display_name)
EOF
check_eq "the emails carry the cleaned names" "$(sort to.txt | paste -sd'|')" \
  "$(printf '%s\n' 'Anne Marie Ames' 'Bea Bell' 'Eve Evans' "$PERSIAN $HINDI" | sort | paste -sd'|')"
check_eq "the others are passed on for print" "$(col print.tsv username | wc -l)" 4
check_exit "regenerate those passed on" 0 regen --input print.tsv
cp "$T/.out" b.tsv
check_eq "the batch carries the cleaned names" \
  "$(paste -d' ' <(col b.tsv forename) <(col b.tsv surname) | sort | paste -sd'|')" \
  "Dan Doe[31m|Jo Ann Cole|Li Wu|Ok Plain"
check_exit "emit csv" 0 tp emit csv --input b.tsv -o list.csv
check_eq "the CSV has every pupil with the cleaned name" \
  "$("$PY" -c 'import csv,sys; r = list(csv.DictReader(open(sys.argv[1], encoding="utf-8"))); print("|".join(sorted(x["forename"] + " " + x["surname"] for x in r)))' list.csv)" \
  "Dan Doe[31m|Jo Ann Cole|Li Wu|Ok Plain"
check_exit "emit pdf strips" 0 tp emit pdf --input b.tsv -o strips.pdf
pdftotext strips.pdf strips.txt
check_grep "the PDF has the cleaned name" "Jo Ann Cole" strips.txt

# a stream edited by hand gets the same rule
"$PY" - b.tsv >edited.tsv <<'EOF'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
cols = lines[0].split('\t')
f = lines[1].split('\t')
f[cols.index('forename')] = '\u202e' + f[cols.index('forename')] + '\u2028'
lines[1] = '\t'.join(f)
print('\n'.join(lines), end='')
EOF
check_exit "emit from an edited stream" 0 tp emit csv --input edited.tsv -o edited.csv
check_grep "warns with the stream's line" "warning: edited.tsv:2: forename held 2 control character(s) (first U+202E); removed" "$T/.err"
check "the output is as from the clean stream" cmp -s list.csv edited.csv

check_exit "the audit chain verifies" 0 tp audit verify
check_eq "one current credential per user at most" \
  "$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0
check_eq "no user lost" "$(sql 'select count(*) from user')" 8
