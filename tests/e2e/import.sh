# import: the roster import end to end, on fixtures made here.
. "$(dirname "$0")/../lib.sh"
write_conf

H='Adno,UPN,Forename,Surname,DOB,Gender,Year,Reg,Email,Email Verified'
roster() { # roster FILE ROWS...: a students export with CRLF line ends
	local f=$1; shift
	{ printf '%s\r\n' "$H"; for r in "$@"; do printf '%s\r\n' "$r"; done; } >"$f"
}

# ---- a first import
roster r1.csv \
 '000001,A000000000001,Zoë,Adams,14/09/2014,F,Year 7,7A,zoe.adams@pupils.example,Yes' \
 '000002,A000000000002,Łukasz,Nowak,02/01/2015,M,Year 7,7A,,' \
 '000003,A000000000003,Thảo,Nguyễn Văn,30/11/2014,F,Year 7,7B,thao@pupils.example,No' \
 '000004,A000000000004,Oliver,Smith,05/05/2015,M,Year 7,7B,,' \
 '000005,A000000000005,Oliver,Smith,06/06/2015,M,Year 7,7B,,' \
 '000006,A000000000006,Seán,O'"'"'Brien,07/07/2011,M,Year 11,11A,,' \
 '000007,A000000000007,Daan,van der Berg,08/08/2011,M,Year 11,11A,,' \
 '000008,A000000000008,Siobhán,Ó Súilleabháin,09/09/2010,F,Year 11,11A,,' \
 '000009,A000000000009,Amy,Zed,10/10/2010,F,Year 11,11B,,' \
 '000010,A000000000010,Ben,Yu,11/11/2010,M,Year 11,11B,,' \
 '000011,A000000000011,Cara,Xu,12/12/2010,F,Year 11,11B,,'
check_exit "first import succeeds" 0 tp import r1.csv
check_grep "summary counts the added" "^11 added, 0 updated, 0 moved, 0 left, 0 unchanged, 0 rejected" "$T/.out"
pg_skip "the database's files are the server's" &&
	check_eq "database created 0600" "$(stat -c %a var/tempass.db)" 600
check_eq "users stored" "$(sql 'select count(*) from user')" 11
check_eq "transliterated usernames" \
  "$(sql "select group_concat(username, ' ') from (select username from user order by external_id)")" \
  "zadams lnowak tnguyenvan osmith osmith2 sobrien dvanderberg sosuilleabhain azed byu cxu"
check_eq "dates stored as ISO" "$(sql "select dob from user where external_id='000001'")" 2014-09-14
check_eq "verified email kept" "$(sql "select email_verified from user where external_id='000001'")" 1
check_eq "unverified email is not verified" "$(sql "select email_verified from user where external_id='000003'")" 0
check_eq "roster groups made" "$(sql "select group_concat(name, ',') from (select name from grp order by name)")" "11A,11B,7A,7B,Year 11,Year 7"
check_eq "memberships" "$(sql "select count(*) from membership")" 22

tp groups --format tsv >groups.tsv
check_grep "groups lists members" "^7B	roster	3$" groups.tsv
check_grep "groups has a header" "^name	source	members$" groups.tsv
tp groups --search 'year' --format tsv >g2.tsv
check_eq "groups --search" "$(tail -n +2 g2.tsv | cut -f1 | tr '\n' ,)" "Year 7,Year 11,"
tp groups --per-page 2 --page 2 --format tsv >g3.tsv
check_eq "groups paging" "$(tail -n +2 g3.tsv | cut -f1 | tr '\n' ,)" "11A,11B,"
tp users --group 7B --format csv >u.csv
check_eq "users --group" "$(tail -n +2 u.csv | wc -l)" 3
check_grep "users csv has the columns" "^username,forename,surname,external_id,user_type,groups,email,email_verified,status" u.csv
tp users --search 'súil' --format tsv >u2.tsv
check_eq "users --search matches accented names" "$(tail -n +2 u2.tsv | cut -f1)" sosuilleabhain

# ---- re-import: unchanged, stable usernames
check_exit "same file again" 0 tp import r1.csv
check_grep "nothing changes the second time" "^0 added, 0 updated, 0 moved, 0 left, 11 unchanged" "$T/.out"

# ---- movers, a name change, one leaver within the threshold (1 of 11)
roster r2.csv \
 '000001,A000000000001,Zoë,Adams-Baker,14/09/2014,F,Year 7,7B,zoe.adams@pupils.example,Yes' \
 '000002,A000000000002,Łukasz,Nowak,02/01/2015,M,Year 7,7A,,' \
 '000003,A000000000003,Thảo,Nguyễn Văn,30/11/2014,F,Year 7,7B,thao@pupils.example,No' \
 '000004,A000000000004,Oliver,Smith,05/05/2015,M,Year 7,7B,,' \
 '000005,A000000000005,Oliver,Smith,06/06/2015,M,Year 7,7B,,' \
 '000006,A000000000006,Seán,O'"'"'Brien,07/07/2011,M,Year 11,11A,,' \
 '000007,A000000000007,Daan,van der Berg,08/08/2011,M,Year 11,11A,,' \
 '000008,A000000000008,Siobhán,Ó Súilleabháin,09/09/2010,F,Year 11,11A,,' \
 '000009,A000000000009,Amy,Zed,10/10/2010,F,Year 11,11B,,' \
 '000010,A000000000010,Ben,Yu,11/11/2010,M,Year 11,11B,,'
check_exit "re-import with a mover and a leaver" 0 tp import r2.csv
check_grep "summary of the re-import" "^0 added, 1 updated, 1 moved, 1 left, 9 unchanged, 0 rejected" "$T/.out"
check_eq "the mover is in 7B only" "$(sql "select group_concat(g.name) from membership m join grp g on g.id=m.group_id join user u on u.id=m.user_id where u.external_id='000001' and g.name like '7%'")" 7B
check_eq "username stable after a surname change" "$(sql "select username from user where external_id='000001'")" zadams
check_eq "the leaver is marked, not deleted" "$(sql "select status from user where external_id='000011'")" left
tp users --format tsv >u3.tsv
check_grep "users shows the status" "^cxu	Cara	Xu	000011	student	11B, Year 11		no	left$" u3.tsv
tp user zadams >profile.txt
check_grep "user profile shows groups" "^groups *7B, Year 7$" profile.txt
check_grep "user profile shows the move event" "user.move" profile.txt

# ---- the safety valve: a truncated file would empty the school
roster r3.csv '000001,A000000000001,Zoë,Adams-Baker,14/09/2014,F,Year 7,7B,zoe.adams@pupils.example,Yes'
check_exit "too many leavers refused" 65 tp import r3.csv
check_grep "the refusal says why" "would mark 9 of 10 users of roster 'students' as left" "$T/.err"
check_eq "refused import changed nothing" "$(sql "select count(*) from user where status='left'")" 1
check_exit "--dry-run with --allow-leavers" 0 tp import --dry-run --allow-leavers r3.csv
check_grep "dry run reports the leavers" "^dry run: would add 0, update 0, move 0, mark 9 left" "$T/.err"
check_eq "dry run wrote nothing" "$(sql "select count(*) from user where status='left'")" 1
check_exit "--allow-leavers applies" 0 tp import --allow-leavers r3.csv
check_eq "leavers marked" "$(sql "select count(*) from user where status='left'")" 10
check_exit "a leaver who returns" 0 tp import --allow-leavers r2.csv
check_eq "returners active again" "$(sql "select count(*) from user where status='left'")" 1
check_eq "returners keep their username" "$(sql "select username from user where external_id='000005'")" osmith2

# ---- bad rows: each class rejected with its line, the rest imported
printf '%s\n' "$H" \
 '000101,A000000000101,Good,Row,01/01/2015,F,Year 7,7C,,' \
 '000102,A000000000102,Too,Few,01/01/2015,F,Year 7' \
 '000103,A000000000103,Too,Many,01/01/2015,F,Year 7,7C,,,extra' \
 '000104,A000000000104,,Noforename,01/01/2015,F,Year 7,7C,,' \
 '000105,A000000000105,Bad,Date,31/02/2014,F,Year 7,7C,,' \
 '000106,A000000000106,Bad,Shape,2014-01-01,F,Year 7,7C,,' \
 '000101,A000000000107,Dupe,Id,01/01/2015,F,Year 7,7C,,' \
 '000108,A000000000108,Bad,Email,01/01/2015,F,Year 7,7C,not-an-address,Yes' \
 '000109,A000000000109,Bad,Verified,01/01/2015,F,Year 7,7C,a@b.example,perhaps' >bad.csv
printf '000110,A000000000110,Caf\xe9,Latin1,01/01/2015,F,Year 7,7C,,\n' >>bad.csv
printf '000111,A000000000111,"Multi\nLine",Name,01/01/2015,F,Year 7,7C,,\n' >>bad.csv
printf '000112,A000000000112,Last,Good,01/01/2015,F,Year 7,7C,,\n' >>bad.csv
printf '000113,A000000000113,"Unterminated,Quote,01/01/2015,F,Year 7,7C,,\n' >>bad.csv
check_exit "bad rows give exit 65" 65 tp import --allow-leavers bad.csv
for want in 'bad.csv:3: ' 'bad.csv:4: ' 'bad.csv:5: forename is empty' \
	"bad.csv:6: date '31/02/2014' is not a day" \
	"bad.csv:7: date '2014-01-01' is not in the form dd/mm/yyyy" \
	"bad.csv:8: duplicate external id '000101' (first on line 2)" \
	"bad.csv:9: email 'not-an-address' is not an address" \
	"bad.csv:10: email verified 'perhaps' is not yes or no" \
	'bad.csv:11: invalid UTF-8' 'bad.csv:15: unterminated quote'; do
	check_grep "rejected: $want" "$want" "$T/.err"
done
check_grep "a line break in a name is removed, with a warning" \
  "warning: bad.csv:12: column 'Forename' held 1 control character(s) (first U+000A); removed" "$T/.err"
check_eq "the name is stored with a space for the break" \
  "$(sql "select forename from user where external_id='000111'")" "Multi Line"
check_grep "rows after a multi-line field keep their line" "^3 added" "$T/.out"
check_eq "good rows imported" "$(sql "select group_concat(external_id) from user where external_id in ('000101','000112')")" "000101,000112"
check "rejects file written" test -f out/students.rejects.csv
check_eq "rejects file is 0600" "$(stat -c %a out/students.rejects.csv)" 600
check_eq "rejects file: header + reason, one row per reject" \
  "$("$PYTHON" -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1],encoding="utf-8",errors="replace"))); print(r[0][-1], len(r)-1)' out/students.rejects.csv)" "reason 10"

# ---- --strict imports nothing when anything is bad
before=$(sql 'select count(*) from user')
check_exit "--strict refuses" 65 tp import --strict --allow-leavers bad.csv
check_eq "--strict imported nothing" "$(sql 'select count(*) from user')" "$before"

# ---- a mapping that does not fit is a configuration error
printf 'Admission,Forename,Surname\n1,A,B\n' >wrong.csv
check_exit "missing mapped column" 78 tp import wrong.csv
check_grep "names the column and what was found" "column 'Adno' is not in wrong.csv (its columns: 'Admission', 'Forename', 'Surname')" "$T/.err"

# ---- Windows-1252, BOM, LF
sed -i 's/^encoding.*//' pipeline.conf
sed -i '/^\[roster students\]/a encoding = windows-1252' pipeline.conf
printf '%s\r\n' "$H" >w.csv
printf '000201,A000000000201,Zo\xeb,M\xfcller,01/01/2015,F,Year 7,7D,,\r\n' >>w.csv
check_exit "windows-1252 import" 0 tp import --allow-leavers w.csv
check_eq "windows-1252 converted to UTF-8" "$(sql "select forename || ' ' || surname || ' ' || username from user where external_id='000201'")" "Zoë Müller zmuller"
sed -i '/^encoding = windows-1252/d' pipeline.conf
printf '\xef\xbb\xbf"Adno",UPN,Forename,Surname,DOB,Gender,Year,Reg,Email,Email Verified\n000301,A000000000301,Ana,Bom,01/01/2015,F,Year 7,7D,,\n' >bom.csv
check_exit "BOM with a quoted first header" 0 tp import --allow-leavers bom.csv

# ---- usage and help
check_exit "import --help" 0 tp import --help
check_grep "help shows usage" "usage: tempass import" "$T/.out"
check_exit "unknown option" 64 tp import --bogus
check_eq "said once, by tempass, with the hint" "$(cat "$T/.err")" \
  "tempass: import: unknown option '--bogus'
Try 'tempass import --help'."
check_exit "an option without its value" 64 tp import --roster
check_eq "says it needs a value" "$(head -1 "$T/.err")" "tempass: import: option '--roster' needs a value"
check_exit "a value for an option that takes none" 64 tp import --dry-run=yes
check_eq "says it takes none" "$(head -1 "$T/.err")" "tempass: import: option '--dry-run' takes no value"
check_exit "emit -o without its value" 64 tp emit pdf -o
check_eq "says -o needs a value" "$(head -1 "$T/.err")" "tempass: emit: option '-o' needs a value"
check_exit "an unknown short option" 64 tp emit pdf -x
check_eq "says it is unknown" "$(head -1 "$T/.err")" "tempass: emit: unknown option '-x'"
check_exit "an unknown option before the stage" 64 "$TEMPASS_BIN" --bogus import
check_eq "said by tempass, with the hint" "$(cat "$T/.err")" \
  "tempass: unknown option '--bogus'
Try 'tempass --help'."
check_exit "missing file" 66 tp import nothere.csv
