# import_rejects: a rejected row still says its pupil is in the file. A
# re-import with 5% of its rows made bad keeps those pupils as they were,
# password and all; a row whose external id cannot be read stops anyone
# being marked as left unless --allow-leavers; a file read in the wrong
# encoding makes nobody a leaver; --dry-run writes nothing at all; the
# rejects file keeps the reason in each row's last column.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
S=$ROOT/samples/students.csv

regen() { tp regenerate --admin demo --password-file "$T/pw" --yes "$@"; }
verify() { printf '%s\n' "$2" | tp verify "$1" 2>"$T/.verr"; }
# store_ok: the store's own promises after each step.
store_ok() {
	check_exit "$1: the audit chain verifies" 0 tp audit verify
	check_eq "$1: at most one current credential per user" \
	  "$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0
	check_eq "$1: no user lost" "$(sql 'select count(*) from user')" "$nusers"
}
# snapshot: each user's state, names, groups and current credential.
snapshot() {
	sql "select u.external_id, u.status, u.forename, u.surname,
	  (select group_concat(g.name) from (select g.name from membership m join grp g on g.id = m.group_id where m.user_id = u.id order by g.name) g),
	  (select count(*) from credential c where c.user_id = u.id and c.state = 'current')
	  from user u order by u.external_id"
}
# mangle IN OUT EVERY: every EVERY-th data row of IN made bad, by turns a
# date that is not a day and a byte that is not UTF-8 in the forename;
# prints their external ids.
mangle() {
	"$PY" - "$1" "$2" "$3" <<'PYEOF'
import sys
src, dst, every = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(src, 'rb').read().split(b'\n')
out, k = [lines[0]], 0
for i, l in enumerate(lines[1:], 1):
    if l.strip() and i % every == 0:
        f = l.split(b',')
        if k % 2 == 0:
            f[4] = b'31/02/2014'
        else:
            f[2] = f[2] + b'\xff'
        k += 1
        print(f[0].decode())
        l = b','.join(f)
    out.append(l)
open(dst, 'wb').write(b'\n'.join(out))
PYEOF
}

check_exit "import the sample roster" 0 tp import
nusers=$(sql 'select count(*) from user')
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group 'Year 7' --group 'Year 8' --group 'Year 9' \
  --group 'Year 10' --group 'Year 11' >sel.tsv 2>/dev/null
check_exit "a batch for every pupil" 0 regen --input sel.tsv
cp "$T/.out" b1.tsv
check_eq "every pupil has a password" "$(col b1.tsv password | grep -c .)" "$nusers"
snapshot >before.txt

# ---- 5% of the rows bad: their pupils stay as they were
mangle "$S" bad5.csv 20 >bad_ids.txt
nbad=$(wc -l <bad_ids.txt)
check "some rows are made bad" test "$nbad" -ge 10
check_exit "re-import with 5% bad rows: exit 65" 65 tp import bad5.csv
check_grep "nobody left" "^0 added, 0 updated, 0 moved, 0 left, $((nusers - nbad)) unchanged, $nbad rejected" "$T/.out"
check_grep "the summary says the pupils were kept" "^$nbad row(s) rejected; the $nbad known user(s) on them kept as they were" "$T/.out"
check_eq "the bad rows' pupils are still current" \
  "$(sql "select count(*) from user where status = 'active' and external_id in ($(sed "s/.*/'&'/" bad_ids.txt | paste -sd,))")" "$nbad"
snapshot >after.txt
check "state, names, groups and passwords as they were" cmp -s before.txt after.txt
bad=0
while read -r id; do
	u=$(sql "select username from user where external_id = '$id'")
	p=$(awk -F'\t' -v u="$u" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "username") a = i; if ($i == "password") b = i }; next } $a == u { print $b }' b1.tsv)
	verify "$u" "$p" || bad=$((bad + 1))
done < <(head -4 bad_ids.txt)
check_eq "their unclaimed passwords still verify" "$bad" 0
store_ok "after 5% bad rows"

# ---- a row whose external id cannot be read: nobody is marked as left
{ head -1 "$S"; tail -n +2 "$S" | sed -n '3,$p'; } >unread.csv
printf '00\xff\xfe1,Q000000000001,Ann,Unread,01/01/2015,F,Year 7,7A,,\n' >>unread.csv
gone1=$(tail -n +2 "$S" | sed -n 1p | cut -d, -f1)
gone2=$(tail -n +2 "$S" | sed -n 2p | cut -d, -f1)
check_exit "an unreadable external id: exit 65" 65 tp import unread.csv
check_grep "the summary says why nobody left" "^2 user(s) missing from the file not marked as left: 1 rejected row(s) have no readable external id" "$T/.out"
check_grep "and counts no leaver" "^0 added, 0 updated, 0 moved, 0 left" "$T/.out"
check_eq "the missing pupils are still current" \
  "$(sql "select count(*) from user where status = 'active' and external_id in ('$gone1', '$gone2')")" 2
check_eq "their passwords are not revoked" \
  "$(sql "select count(*) from credential c join user u on u.id = c.user_id where c.state = 'current' and u.external_id in ('$gone1', '$gone2')")" 2
check_grep "the import's audit event says so" "2 leaver(s) not marked" <(sql "select detail from audit where action = 'import' order by id desc limit 1")
store_ok "after an unreadable id"

# a short row whose id is nobody known: its fields may have moved
{ head -1 "$S"; tail -n +4 "$S"; printf '999999,Q1,Short,Row\n'; } >short.csv
check_exit "a short row with an unknown id: exit 65" 65 tp import short.csv
check_grep "counts as unreadable" "^2 user(s) missing from the file not marked as left: 1 rejected" "$T/.out"
check_eq "nobody left" "$(sql "select count(*) from user where status = 'left'")" 0

check_exit "--allow-leavers marks them" 65 tp import --allow-leavers unread.csv
check_grep "two left" "^0 added, 0 updated, 0 moved, 2 left" "$T/.out"
check_eq "the two are marked left" \
  "$(sql "select count(*) from user where status = 'left' and external_id in ('$gone1', '$gone2')")" 2
store_ok "after --allow-leavers"
check_exit "they come back" 0 tp import
check_exit "and get passwords again" 0 regen --input sel.tsv
snapshot | cut -d'|' -f1-5 >before.txt

# ---- the wrong encoding: nobody leaves, no name is garbled
# (rows with letters Windows-1252 has not stay as they were, in UTF-8)
"$PY" - "$S" cp1252.csv <<'PYEOF'
import sys
out = open(sys.argv[2], 'wb')
for l in open(sys.argv[1], encoding='utf-8-sig', newline=''):
    try:
        out.write(l.encode('cp1252'))
    except UnicodeEncodeError:
        out.write(l.encode('utf-8'))
PYEOF
check "the sample has names outside ASCII" grep -q "$(printf '\xc7')" cp1252.csv
check_exit "windows-1252 read as UTF-8: exit 65" 65 tp import cp1252.csv
check_grep "nobody left" "^0 added, 0 updated, 0 moved, 0 left" "$T/.out"
check_grep "the pupils of bad rows kept" "known user(s) on them kept as they were" "$T/.out"
snapshot | cut -d'|' -f1-5 >after.txt
check "everyone as they were (windows-1252 as UTF-8)" cmp -s before.txt after.txt
sed -i '/^\[roster students\]/a encoding = windows-1252' pipeline.conf
tail -c +4 "$S" >nobom.csv
check_exit "UTF-8 read as windows-1252: exit 65" 65 tp import nobom.csv
check_grep "nobody left" "^0 added, 0 updated, 0 moved, 0 left" "$T/.out"
snapshot | cut -d'|' -f1-5 >after.txt
check "everyone as they were (UTF-8 as windows-1252)" cmp -s before.txt after.txt
sed -i '/^encoding = windows-1252/d' pipeline.conf
store_ok "after the wrong encodings"

# ---- --dry-run writes nothing: no rejects file, no store change
rm -rf out
mkdir -p out
sum() { sha256sum var/tempass.db | cut -d' ' -f1; ls -la out; }
sum >sum.before
check_exit "a dry run with bad rows and leavers: exit 65" 65 tp import --dry-run --allow-leavers unread.csv
sum >sum.after
check "the database and the rejects folder are unchanged" cmp -s sum.before sum.after
check_eq "no rejects file" "$(ls out | wc -l)" 0
check_grep "the summary says what would happen" "^dry run: would add 0, update 0, move 0, mark 2 left" "$T/.err"
check_grep "and what would be revoked" "^2 unclaimed password(s) of leavers would be revoked" "$T/.err"
check_grep "the rejects are said, not written" "1 row(s) would be rejected; a dry run writes no rejects file" "$T/.err"
check_eq "nobody marked left" "$(sql "select count(*) from user where status = 'left'")" 0
# where no store exists yet, none is made
mkdir fresh
sed -e "s#$T/var/#$T/fresh/var/#" -e "s#^out_dir *=.*#out_dir = $T/fresh/out#" pipeline.conf >fresh/pipeline.conf
other_store fresh/pipeline.conf fresh
check_exit "a dry run before any import" 0 "$TEMPASS_BIN" --config fresh/pipeline.conf import --dry-run
check_grep "would add every pupil" "^dry run: would add $nusers, " "$T/.err"
check_eq "no database, key or rejects folder made" "$(find fresh -mindepth 1 | sort)" "fresh/pipeline.conf"

# ---- the rejects file: reason in each row's own last column
printf '%s\n' "$(head -1 "$S" | tail -c +4)" \
 '003925,Q1,Ahmet,Çelik,01/10/2014,M,Year 7' \
 '003931,Q2,Elijah,Edwards,11/05/2015,M,Year 7,7A,,,extra1,extra2' \
 '003925,Q1,"Unterminated,Çelik,01/10/2014,M,Year 7,7A,,' >shape.csv
check_exit "short, long and unterminated rows: exit 65" 65 tp import --allow-leavers shape.csv
"$PY" - out/students.rejects.csv >shape.txt <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))
print(len(rows[0]), rows[0][-1])
for r in rows[1:]:
    print(len(r), r[0], r[-1])
print(rows[2][10], rows[2][11])
PYEOF
check_eq "rejects read back by Python's csv module" "$(cat shape.txt)" \
"11 reason
11 003925 7 fields where the header has 10
13 003931 12 fields where the header has 10
11 003925 unterminated quote
extra1 extra2"
store_ok "at the end"
