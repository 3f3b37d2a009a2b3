# badinput: every class of bad input a school's files, pipes, settings and
# users can hand tempass, as one table run in a loop. Each row says what is
# set up, the command, the exit status wanted (sysexits: 64 usage, 65 bad
# data, 66 no input, 73 cannot create, 77 permission, 78 configuration), the
# text wanted in its output and whether the store may change. Every row also
# checks what holds for any input: no signal (exit < 128), no sanitizer
# report, no hang (timeout 20 s), no flood of messages (stderr < 64 KiB) and
# the store byte for byte as it was (`sqlite3 .dump`) unless the row says so.
. "$(dirname "$0")/../lib.sh"
write_conf
export T ROOT PYTHON=${PYTHON:-/usr/bin/python3}

cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = https://reset.oakfield.example/r?t={{token}}
templates = $ROOT/templates
message_id_domain = oakfield.example
EOF

# ---- fixtures: three pupils, an admin and a batch of passwords for them
H='Adno,UPN,Forename,Surname,DOB,Gender,Year,Reg,Email,Email Verified'
GOOD=(
 '000001,A000000000001,Zoë,Adams,14/09/2014,F,Year 7,7A,zoe.adams@pupils.example,Yes'
 '000002,A000000000002,Ben,Yu,11/11/2014,M,Year 7,7A,,'
 '000003,A000000000003,Cara,Xu,12/12/2014,F,Year 7,7B,cara.xu@pupils.example,No'
)
# roster FILE [ROW...]: the header, the three pupils already imported, then
# the ROWs (the first on line 5), so only the ROWs can be wrong.
roster() {
	local f=$1; shift
	printf '%s\n' "$H" "${GOOD[@]}" "$@" >"$f"
}
roster r.csv
printf 'correct horse battery\n' >pw
chmod 600 pw
tp import r.csv >/dev/null 2>&1 &&
tp admin add demo --site oakfield --password-file pw >/dev/null 2>&1 &&
tp select --group 7A --group 7B 2>/dev/null |
	tp regenerate --admin demo --password-file pw --yes >b1.tsv 2>/dev/null
check_eq "fixtures: three pupils with a password" "$(($(wc -l <b1.tsv) - 1))" 3

# ---- helpers the rows use (exported: each command runs in its own bash)

# rep CHAR N: CHAR N times, no newline.
rep() { head -c "$2" /dev/zero | tr '\0' "$1"; }
regen() { tp regenerate --admin demo --password-file "$T/pw" --yes "$@"; }
# tpb ARGS...: tempass with bad.conf, the configuration a row spoilt.
tpb() { "$TEMPASS_BIN" --config "$T/bad.conf" "$@"; }
# conf_add SECTION LINE...: bad.conf is pipeline.conf with the LINEs at the
# top of [SECTION], or in a new [SECTION] at the end.
conf_add() {
	local sec="[$1]" line found=0
	shift
	: >"$T/bad.conf"
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$T/bad.conf"
		if [ "$line" = "$sec" ]; then
			printf '%s\n' "$@" >>"$T/bad.conf"
			found=1
		fi
	done <"$T/pipeline.conf"
	[ "$found" = 1 ] || printf '\n%s\n' "$sec" "$@" >>"$T/bad.conf"
}
# conf_set KEY VALUE: bad.conf with every KEY = ... line set to VALUE.
conf_set() {
	local line
	while IFS= read -r line; do
		case $line in
		"$1 = "*) printf '%s = %s\n' "$1" "$2" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$T/pipeline.conf" >"$T/bad.conf"
}
# conf_del LINE: bad.conf without LINE.
conf_del() { grep -vxF -- "$1" "$T/pipeline.conf" >"$T/bad.conf"; }
# html_part: the decoded HTML part of the newest queued message.
html_part() {
	"$PYTHON" - "$(ls -t "$T"/queue/new/* | head -1)" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'),
                                   policy=email.policy.default)
print(m.get_body(('html',)).get_content())
EOF
}
# per_group_inside DIR FORMAT ARGS... < RECORDS: tempass emit FORMAT
# --per-group ARGS, then "OUTSIDE ..." for each file it wrote (the paths it
# prints, and any new file in the test's folder) that is not in DIR, and
# "inside: N file(s)". Exits with emit's status.
per_group_inside() {
	local dir rc n=0 f
	dir=$(realpath -m "$1")
	shift
	find "$T" -type f | sort >"$T/.before"
	tp emit "$@" --per-group >"$T/.paths"
	rc=$?
	while IFS= read -r f; do
		case $(realpath -m "$f") in
		"$dir"/*) n=$((n + 1)) ;;
		*) echo "OUTSIDE $dir: $f" ;;
		esac
	done <"$T/.paths"
	find "$T" -type f | sort | comm -13 "$T/.before" - |
		grep -v -e "^$dir/" -e "^$T/var/" -e "^$T/\.paths\$" \
			-e "^$T/\.before\$" |
		sed 's/^/OUTSIDE: /'
	echo "inside: $n file(s)"
	return "$rc"
}
export -f tp tpb rep regen html_part per_group_inside

# snap / restore: the database files before a row, put back after it, so
# that a row tempass gets wrong cannot spoil the rows after it.
DBFILES="tempass.db tempass.db-wal tempass.db-shm"
mkdir -p "$T/.snap"
snap() {
	local f
	for f in $DBFILES; do
		rm -f "$T/.snap/$f"
		[ ! -e "$T/var/$f" ] || cp -p "$T/var/$f" "$T/.snap/$f"
	done
}
restore() {
	local f
	for f in $DBFILES; do
		rm -f "$T/var/$f"
		[ ! -e "$T/.snap/$f" ] || cp -p "$T/.snap/$f" "$T/var/$f"
	done
}
dump() { sqlite3 "$T/var/tempass.db" .dump 2>&1 | sha256sum; }
dump_noaudit() {
	sqlite3 "$T/var/tempass.db" .dump 2>&1 | grep -v '^INSERT INTO audit ' |
		sha256sum
}

# row LINE: runs one row of the table and prints its one ok / not ok line.
row() {
	local line=$1 rest name setup cmd want msg store rc
	local before= after= why=() m
	name=${line%% | *}; rest=${line#* | }
	setup=${rest%% | *}; rest=${rest#* | }
	store=${rest##* | }; rest=${rest% | *}
	msg=${rest##* | }; rest=${rest% | *}
	want=${rest##* | }; cmd=${rest% | *}
	if [ "$setup" != - ] && ! eval "$setup" >"$T/.setup" 2>&1; then
		notok "$name (setup failed: $setup)"
		sed 's/^/   | /' "$T/.setup" | head -5
		return
	fi
	case $store in
	same) snap; before=$(dump) ;;
	audit) snap; before=$(dump_noaudit) ;;
	esac
	timeout -k 5 20 bash -c "$cmd" </dev/null >"$T/.row.out" 2>"$T/.row.err"
	rc=$?
	case $store in
	same) after=$(dump); restore ;;
	audit) after=$(dump_noaudit); restore ;;
	esac
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why+=("hung: killed after 20 s (exit $rc)")
	elif [ "$rc" -ge 128 ]; then
		why+=("crashed: signal $((rc - 128))")
	fi
	if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$T/.row.err"; then
		why+=("sanitizer report on stderr")
	fi
	[ "$rc" -eq "$want" ] || why+=("exit $rc, want $want")
	if [ "$msg" != - ]; then
		while [ -n "$msg" ]; do
			m=${msg%% && *}
			[ "$m" = "$msg" ] && msg= || msg=${msg#* && }
			if [ "${m:0:1}" = '!' ]; then
				! grep -qF -- "${m:1}" "$T/.row.out" "$T/.row.err" ||
					why+=("'${m:1}' in the output")
			else
				grep -qF -- "$m" "$T/.row.out" "$T/.row.err" ||
					why+=("no '$m' in the output")
			fi
		done
	fi
	[ "$(stat -c %s "$T/.row.err")" -lt 65536 ] ||
		why+=("$(stat -c %s "$T/.row.err") bytes on stderr")
	[ "$before" = "$after" ] || why+=("the store changed")
	if [ ${#why[@]} -eq 0 ]; then
		ok "$name"
	else
		m=${why[0]}
		for rc in "${why[@]:1}"; do m+="; $rc"; done
		notok "$name ($m)"
		cut -c1-200 "$T/.row.err" | head -5 | sed 's/^/   | /'
	fi
}

# ---- the table
# name | setup (run here, before) | command (under timeout 20) |
#   exit status | text wanted in stdout or stderr ('A && B'; '!A': not
#   there; '-': none) | store: same, audit (only audit events may be
#   added) or any
# A line ending in ' \' goes on on the next line. Rows run in order: the
# few that change the store come after the rows that rely on it.
TABLE=$(cat <<'EOF'
# -- malformed CSV rows (--strict: nothing may be imported)
too few fields | roster few.csv '000009,A000000000009,Too,Few,01/01/2015,F,Year 7' | \
  tp import --strict few.csv | 65 | few.csv:5: 7 fields where the header has 10 | same
too many fields | roster many.csv '000009,A000000000009,Too,Many,01/01/2015,F,Year 7,7A,,,extra' | \
  tp import --strict many.csv | 65 | many.csv:5: 11 fields where the header has 10 | same
a quote closing inside a field | roster q1.csv '000009,A000000000009,"Zo"e,Quote,01/01/2015,F,Year 7,7A,,' | \
  tp import --strict q1.csv | 65 | q1.csv:5: misplaced quote in field 3 | same
a quote that never closes | roster q2.csv '000009,A000000000009,"Open,Quote,01/01/2015,F,Year 7,7A,,' | \
  tp import --strict q2.csv | 65 | q2.csv:5: unterminated quote | same
bad rows without --strict: the rest imported, the rows rejected | \
  roster few2.csv '000009,A000000000009,Too,Few,01/01/2015,F,Year 7' | \
  tp import few2.csv | 65 | 0 added, 0 updated, 0 moved, 0 left, 3 unchanged, 1 rejected | audit

# -- wrong encodings
Latin-1 bytes in a UTF-8 roster | roster lat.csv "$(printf '000009,A000000000009,Caf\xe9,Latin,01/01/2015,F,Year 7,7A,,')" | \
  tp import --strict lat.csv | 65 | lat.csv:5: invalid UTF-8 in field 3 | same
an overlong UTF-8 sequence | roster ovl.csv "$(printf '000009,A000000000009,A\xc0\xafB,Overlong,01/01/2015,F,Year 7,7A,,')" | \
  tp import --strict ovl.csv | 65 | ovl.csv:5: invalid UTF-8 in field 3 | same
a UTF-16 roster is bad data | roster u8.csv && iconv -f UTF-8 -t UTF-16 u8.csv >u16.csv | \
  tp import --strict u16.csv | 65 | is UTF-16 text | same
a UTF-8 BOM with encoding = windows-1252 is a setting to fix | \
  conf_add 'roster students' 'encoding = windows-1252' && roster bom0.csv && { printf '\357\273\277'; cat bom0.csv; } >bom.csv | \
  tpb import --strict bom.csv | 65 | byte order mark && encoding = utf-8 | same
a byte windows-1252 does not have (0x81) | \
  conf_add 'roster students' 'encoding = windows-1252' && roster w81.csv "$(printf '000009,A000000000009,Ca\x81t,Undef,01/01/2015,F,Year 7,7A,,')" | \
  tpb import --strict w81.csv | 65 | byte 0x81 in field 3 is not windows-1252 | same

# -- sizes: a field far over max_field (4096), lines that never end
a 1 MB name | roster big.csv "000009,A000000000009,$(rep n 1000000),Big,01/01/2015,F,Year 7,7A,," | \
  tp import --strict big.csv | 65 | big.csv:5: field 3 is over 4096 bytes | same
a 5 MB line with no newline as the roster | - | \
  head -c 5000000 /dev/zero | tr '\0' a | tp import /dev/stdin | 65 | /dev/stdin':1: a line runs over | same
a 5 MB line with no newline after good rows | - | \
  { cat r.csv; head -c 5000000 /dev/zero | tr '\0' a; } | tp import --strict /dev/stdin | 65 | /dev/stdin':5: a line runs over | same
a line that never ends, as the roster | - | \
  tr '\0' a </dev/zero | tp import /dev/stdin | 65 | without a line end | same
a 5 MB line with no newline as the record stream | - | \
  head -c 5000000 /dev/zero | tr '\0' a | regen | 65 | line over | same
a line that never ends, as the record stream | - | \
  tr '\0' a </dev/zero | regen | 65 | line over | same
a header of 2,000,000 empty columns: said in a few lines | \
  { rep , 2000000; echo; printf '%s\n' "${GOOD[@]}"; } >wide.csv | \
  tp import --strict wide.csv | 78 | column 'Adno' is not in | same

# -- NUL bytes
a NUL byte in a roster | roster nul.csv && printf '000009,A000000000009,Ca\0t,Nul,01/01/2015,F,Year 7,7A,,\n' >>nul.csv | \
  tp import --strict nul.csv | 65 | nul.csv:5: NUL byte in field 3 | same
a NUL byte in the record stream of regenerate | - | \
  printf 'username\tgroup\nzad\0ams\t7A\n' | regen | 65 | NUL byte | same
a NUL byte in the records to emit | - | \
  { head -1 b1.tsv; sed -n 2p b1.tsv | sed 's/Adams/Ad\x00ams/'; } | tp emit csv | 65 | NUL byte | same

# -- mapping errors
a mapped column missing | printf 'Adno,Forename,DOB,Year,Reg,Email,Email Verified\n1,A,01/01/2015,Year 7,7A,,\n' >nosur.csv | \
  tp import nosur.csv | 78 | column 'Surname' is not in nosur.csv | same
an empty header | { printf ',,,,,,,,,\n'; printf '%s\n' "${GOOD[@]}"; } >emptyhead.csv | \
  tp import emptyhead.csv | 78 | column 'Adno' is not in emptyhead.csv | same
an empty file | : >empty.csv | tp import empty.csv | 65 | the file is empty | same
user_type_column names a column the file lacks | sed 's/^user_type = student$/user_type_column = Type/' pipeline.conf >bad.conf | \
  tpb import r.csv | 78 | column 'Type' is not in r.csv | same
a mapped column twice in the header | \
  { printf '%s,Forename\n' "$H"; printf '%s,Other\n' "${GOOD[@]}"; } >twice.csv | \
  tp import --strict twice.csv | 78 | 'Forename' | same

# -- bad configuration values, each section
[site] unknown key | conf_add site 'colour = blue' | tpb groups | 78 | [site]: unknown key 'colour' | same
[site] code with a path in it | conf_set code '../x' | tpb groups | 78 | site code '../x' must be | same
[store] unknown key | conf_add store 'cache = 1' | tpb groups | 78 | [store]: unknown key 'cache' | same
[store] bad boolean | conf_set reveal perhaps | tpb groups | 78 | reveal: 'perhaps' is not yes or no | same
[store] bad number | conf_set argon2_ops two | tpb groups | 78 | argon2_ops: 'two' is not a number | same
[import] unknown key | conf_add import 'maxfield = 10' | tpb groups | 78 | [import]: unknown key 'maxfield' | same
[import] bad number | conf_set max_field 4k | tpb groups | 78 | max_field: '4k' is not a number | same
[import] number out of range | conf_set max_field 8 | tpb groups | 78 | max_field: '8' is not a number from 16 | same
[roster] unknown key | conf_add 'roster students' 'colour = blue' | tpb groups | 78 | [roster students]: unknown key 'colour' | same
[roster] bad number | conf_set leaver_threshold 110% | tpb groups | 78 | leaver_threshold: '110%' is not a percentage | same
[roster] bad encoding | conf_add 'roster students' 'encoding = latin1' | tpb groups | 78 | encoding: 'latin1' is not utf-8 or windows-1252 | same
[roster] bad date_format | conf_set date_format dd/mm/yy | tpb groups | 78 | date_format: 'dd/mm/yy' | same
[roster] without external_id | conf_del 'external_id = Adno' | tpb groups | 78 | [roster students] needs external_id | same
[roster] both user_type and user_type_column | conf_add 'roster students' 'user_type_column = Type' | \
  tpb groups | 78 | needs exactly one of user_type and user_type_column | same
[policy] unknown key | conf_add 'policy student' 'colour = blue' | tpb groups | 78 | unknown key 'colour' | same
[policy] bad boolean | conf_add 'policy student' 'exclude_lookalikes = sometimes' | \
  tpb groups | 78 | exclude_lookalikes: 'sometimes' is not yes or no | same
[policy] bad number | conf_add 'policy staff' 'length = twelve' | tpb groups | 78 | length: 'twelve' is not a number | same
[policy student] below its entropy floor | conf_add 'policy student' 'words = 1' 'digits = 0' | \
  tpb groups | 78 | policy 'student': entropy 10.1 bits is below min_entropy_bits 24 | same
[policy staff] below its entropy floor | conf_add 'policy staff' 'length = 8' 'min_symbols = 0' | \
  tpb groups | 78 | policy 'staff': entropy 45.9 bits is below min_entropy_bits 60 | same
[policy staff] symbols all removed | conf_add 'policy staff' 'symbols = ' | tpb groups | 78 | no symbol is left | same
[output] unknown key | conf_add output 'colour = blue' | tpb groups | 78 | [output]: unknown key 'colour' | same
[output] bad number | conf_add output 'strips_per_page = 0' | tpb groups | 78 | strips_per_page: '0' is not a number | same
[run] unknown key | conf_add run 'colour = blue' | tpb groups | 78 | [run]: unknown key 'colour' | same
[run] roster with no section | conf_set roster nosuch | tpb groups | 78 | [run] roster 'nosuch' has no [roster nosuch] section | same
[email] unknown key | conf_add email 'bcc = spy@evil.example' | tpb groups | 78 | [email]: unknown key 'bcc' | same
[email] bad boolean | conf_add email 'starttls = maybe' | tpb groups | 78 | starttls: 'maybe' is not yes or no | same
[email] bad number | conf_add email 'token_hours = 0' | tpb groups | 78 | token_hours: '0' is not a number | same
[email] smtp_url not smtp:// | conf_add email 'smtp_url = http://mail.oakfield.example' | \
  tpb groups | 78 | smtp_url: 'http://mail.oakfield.example' is not smtp:// | same
[email] reset_url without {{token}} | conf_set reset_url 'https://reset.oakfield.example/r?t=' | \
  tpb groups | 78 | has no {{token}} placeholder | same
a configuration line over 200 bytes | conf_add site "name = $(rep a 250)" | \
  tpb groups | 78 | line is longer than | same
a line that is not key = value | conf_add store 'just some words' | tpb groups | 78 | not a [section] nor a key = value line | same
an unknown section | conf_add bogus 'a = b' | tpb groups | 78 | unknown section [bogus] | same

# -- bad dates (date_format dd/mm/yyyy)
31/02/2014 | roster d1.csv '000009,A000000000009,Dee,Date,31/02/2014,F,Year 7,7A,,' | \
  tp import --strict d1.csv | 65 | d1.csv:5: date '31/02/2014' is not a day | same
2014-13-01 in dd/mm/yyyy | roster d2.csv '000009,A000000000009,Dee,Date,2014-13-01,F,Year 7,7A,,' | \
  tp import --strict d2.csv | 65 | d2.csv:5: date '2014-13-01' is not in the form dd/mm/yyyy | same
00/01/2015 | roster d3.csv '000009,A000000000009,Dee,Date,00/01/2015,F,Year 7,7A,,' | \
  tp import --strict d3.csv | 65 | d3.csv:5: date '00/01/2015' is not a day | same
29/02/2015 | roster d4.csv '000009,A000000000009,Dee,Date,29/02/2015,F,Year 7,7A,,' | \
  tp import --strict d4.csv | 65 | d4.csv:5: date '29/02/2015' is not a day | same
29/02/2016 is a day (leap year) | roster d5.csv '000009,A000000000009,Dee,Date,29/02/2016,F,Year 7,7A,,' | \
  tp import --strict --dry-run d5.csv | 0 | dry run: would add 1, | same

# -- duplicate ids
a duplicate external id | roster dup.csv '000001,A000000000009,Dup,Id,01/01/2015,F,Year 7,7A,,' | \
  tp import --strict dup.csv | 65 | dup.csv:5: duplicate external id '000001' (first on line 2) | same

# -- record streams: missing columns, bad shapes
regenerate without a username column | - | \
  printf 'forename\tsurname\nZoë\tAdams\n' | regen | 65 | no 'username' column | same
emit pdf without a password column | cut -f1-15 b1.tsv >nopw.tsv | \
  tp emit pdf -o nopw.pdf <nopw.tsv | 65 | no 'password' column | same
a stream row with a field too many | - | \
  printf 'username\tgroup\nzadams\t7A\textra\n' | regen | 65 | 3 fields, expected 2 | same
a CSV stream with a quote that never closes | - | \
  printf 'username,group\n"zadams,7A\n' | regen --format csv | 65 | unterminated quote | same
malformed NDJSON | - | printf '{"username":"zadams"\n' | regen --format ndjson | 65 | malformed JSON | same
NDJSON nested beyond flat objects | - | \
  printf '{"username":["zadams"]}\n' | regen --format ndjson | 65 | only flat objects | same
an unknown user in the stream | - | printf 'username\nnosuch\n' | regen | 65 | no user 'nosuch' && nothing changed | audit
an unknown output format | - | printf 'username\nzadams\n' | regen --format xml | 64 | --format 'xml' | same

# -- tokens and passwords of the wrong shape
token verify: 10 characters | - | printf 'abcdefghij\n' | tp token verify | 65 | does not hold a reset token | same
token verify: 43 characters with a + | - | printf '%042d+\n' 0 | tr 0 A | tp token verify | 65 | does not hold a reset token | same
token verify: a newline inside | - | printf '%021d\n%022d\n' 0 0 | tr 0 A | tp token verify | 65 | does not hold a reset token | same
token redeem: 10 characters | - | printf 'abcdefghij\n' | tp token redeem | 65 | does not hold a reset token | same
verify: a 10,000-character password | - | \
  { rep a 10000; echo; } | tp verify zadams | 65 | too long | same
an admin password file others can read | cp pw pw644 && chmod 644 pw644 | \
  printf 'username\nzadams\n' | tp regenerate --admin demo --password-file pw644 --yes | 77 | are too open | same

# -- header injection: a line break in an address or group is refused; in a
# name it is removed, with a warning (tests/e2e/import_names.sh)
CR/LF in a forename | roster hi1.csv '000009,A000000000009,"Eve'$'\r\n''Bcc: spy@evil.example",Smith,01/01/2015,F,Year 7,7A,eve@pupils.example,Yes' | \
  tp import --strict --dry-run hi1.csv | 0 | column 'Forename' held 1 control character(s) (first U+000A); removed | same
LF in an email address | roster hi2.csv '000009,A000000000009,Eve,Smith,01/01/2015,F,Year 7,7A,"eve@pupils.example'$'\n''Bcc: spy@evil.example",Yes' | \
  tp import --strict hi2.csv | 65 | column 'Email' holds a control character or line break | same
CR/LF in a group | roster hi3.csv '000009,A000000000009,Eve,Smith,01/01/2015,F,Year 7,"7A'$'\r\n''Bcc: spy@evil.example",eve@pupils.example,Yes' | \
  tp import --strict hi3.csv | 65 | column 'Reg' holds a control character or line break | same
a C1 control (U+0085 NEL) in a surname | roster hi4.csv "000009,A000000000009,Eve,Sm$(printf '\302\205')ith,01/01/2015,F,Year 7,7A,,"  | \
  tp import --strict --dry-run hi4.csv | 0 | column 'Surname' held 1 control character(s) (first U+0085); removed | same

# -- emit: a class list of one pupil
emit pdf classlist of a single pupil | - | \
  head -2 b1.tsv | tp emit pdf --layout classlist -o one.pdf | 0 | one.pdf | same

# -- path injection (these rows change the store)
a custom group named ../../x | - | tp groups create '../../x' && tp groups add '../../x' zadams | 0 | - | any
a custom group named a/b | - | tp groups create 'a/b' && tp groups add 'a/b' byu | 0 | - | any
emit pdf --per-group keeps ../../x and a/b in out_dir | \
  tp select --group '../../x' --group 'a/b' >pgsel.tsv 2>/dev/null && regen --input pgsel.tsv >pg.tsv 2>/dev/null | \
  per_group_inside "$T/out" pdf <pg.tsv | 0 | inside: 2 file(s) && !OUTSIDE | same
emit xlsx --per-group keeps them in out_dir | - | \
  per_group_inside "$T/out" xlsx <pg.tsv | 0 | inside: 2 file(s) && !OUTSIDE | same
emit csv --per-group -o DIR with forged groups .. and /etc/cron.d/x | \
  awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "group") g = i } NR == 2 { $g = ".." } NR == 3 { $g = "/etc/cron.d/x" } 1' pg.tsv >fg.tsv | \
  per_group_inside "$T/fg" csv -o "$T/fg" <fg.tsv | 0 | inside: 2 file(s) && !OUTSIDE | same
--site ../x is refused as an unknown site | - | tp --site '../x' groups | 78 | site '../x' is not configured | same
--site ../x: import refused too | - | tp --site '../x' import r.csv | 78 | site '../x' is not configured | same
a roster path with spaces and quotes | cp r.csv "it's a \"roster\" file.csv" | \
  tp import "$T/it's a \"roster\" file.csv" | 0 | 0 added, 0 updated, 0 moved, 0 left, 3 unchanged | audit

# -- names built for CSV and HTML (these rows change the store)
=1+1 and <script> in names: import accepts them | \
  roster inj.csv '000004,A000000000004,=1+1,<script>alert(1)</script>,01/01/2015,F,Year 7,7C,dee@pupils.example,Yes' | \
  tp import inj.csv | 0 | 1 added | any
emit csv neutralises =1+1 | \
  tp select --group 7C >c.tsv 2>/dev/null && regen --input c.tsv >c1.tsv 2>/dev/null | \
  tp emit csv <c1.tsv | 0 | ,'=1+1, && !,=1+1, | same
emit csv --raw leaves =1+1 as it is | - | tp emit csv --raw <c1.tsv | 0 | ,=1+1, | same
the reset email's HTML part escapes <script> | - | \
  tp notify --admin demo --password-file pw --yes --input c.tsv >/dev/null && html_part | \
  0 | &lt;script&gt;alert(1)&lt;/script&gt; && !<script> | any
EOF
)

# The table comes on fd 3, so that no command can read it as its input.
pending=
while IFS= read -r -u 3 line; do
	line="${line#"${line%%[![:space:]]*}"}"
	case $line in
	*' \') pending+="${line%\\}"; continue ;;
	esac
	line="$pending$line"
	pending=
	case $line in ''|'#'*) continue ;; esac
	row "$line"
done 3<<<"$TABLE"
