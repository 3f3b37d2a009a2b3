# void: a list whose passwords are no longer current is recognisable as
# void. emit refuses records that are not current (voided, expired,
# claimed, revoked, not of their batch, without a batch) with how many and
# why, or with --allow-void prints them marked VOID on every output kind;
# verify says why a password is refused; claim twice is recorded once;
# unclaimed shows each user's real state; user is the helpdesk view.
. "$(dirname "$0")/../lib.sh"
write_conf
cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = https://id.oakfield.example/reset?token={{token}}
templates = $ROOT/templates
EOF
PY=${PYTHON:-/usr/bin/python3}

rows() { echo $(($(wc -l <"$1") - 1)); }
ptext() { pdftotext -layout -enc UTF-8 "$1" - 2>/dev/null; }
regen() { tp regenerate --password-file "$T/pw" --yes "$@" 2>/dev/null; }
# store_holds: the store's guarantees after each step.
store_holds() {
	check_exit "$1: audit verify passes" 0 tp audit verify
	check_eq "$1: at most one current credential per user" \
	  "$(sql "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1)")" 0
	check_eq "$1: no password in the store or audit as text" \
	  "$(sql "SELECT count(*) FROM audit WHERE detail IN ($(col v2.tsv password | sed "s/.*/'&'/" | paste -sd,))")" 0
}

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group 7A >sel.tsv 2>/dev/null
regen --input sel.tsv >v1.tsv
regen --input sel.tsv >v2.tsv
n=$(rows v1.tsv)
v1=$(col v1.tsv version | head -1)
v2=$(col v2.tsv version | head -1)
check "7A has pupils in both batches" test "$n" -gt 2 -a "$(rows v2.tsv)" -eq "$n"

# ==== emit refuses a void list
for fmt in pdf xlsx csv tsv ndjson; do
	check_exit "emit $fmt of a voided list: exit 65" 65 \
	  tp emit "$fmt" --force --input v1.tsv -o "o1.$fmt"
	check_grep "emit $fmt: says how many and why" \
	  "$n records are not current ($n voided by batch v$v2); --allow-void prints them marked VOID" "$T/.err"
	check "emit $fmt: nothing written" test ! -e "o1.$fmt"
done
check_exit "emit pdf --force < a voided list on standard input: exit 65" 65 \
  sh -c "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit pdf --force -o o1.pdf < v1.tsv"
# The check runs beside the writing of one file when it can (two jobs or
# more): the file waits unnamed until the check has passed, and what each
# side says waits with it. With one job, or for several files, it runs
# first. Both ways: nothing named, and only the refusal said.
tp select --group 8A --group 8B >sel8.tsv 2>/dev/null
regen --input sel8.tsv >v8a.tsv
regen --input sel8.tsv >v8b.tsv
n8=$(rows v8a.tsv)
v8b=$(col v8b.tsv version | head -1)
# A value longer than a cell holds: a warning when the workbook is written.
long=$(head -c 33000 /dev/zero | tr '\0' x)
for f in v8a v8b; do
	awk -F'\t' -v OFS='\t' -v long="$long" 'NR == 1 { print $0, "note"; next }
		{ print $0, (NR == 2 ? long : "") }' "$f.tsv" >"$f-long.tsv"
done
sed "/^\[output\]/a xlsx_columns = *" pipeline.conf >all.conf
: >taken.xlsx
for j in 1 2; do
	tj() { "$TEMPASS_BIN" --config "$T/pipeline.conf" --jobs "$j" "$@"; }
	mkdir "j$j"
	check_exit "--jobs $j: emit xlsx of a voided list: exit 65" 65 \
	  tj emit xlsx --input v8a.tsv -o "j$j/v.xlsx"
	check_grep "--jobs $j: says how many and why" \
	  "$n8 records are not current ($n8 voided by batch v$v8b)" "$T/.err"
	check_exit "--jobs $j: emit pdf --per-group of the two groups' voided list: exit 65" 65 \
	  tj emit pdf --per-group --input v8a.tsv -o "j$j/groups"
	check_eq "--jobs $j: no file, named or temporary, of either" "$(find "j$j" -mindepth 1 | grep -v "^j$j/groups$")" ""
	check_exit "--jobs $j: emit xlsx --per-group of the current list" 0 \
	  tj emit xlsx --per-group --input v8b.tsv -o "j$j/now"
	check_eq "--jobs $j: both groups' workbooks, each path printed once named" \
	  "$(sort "$T/.out" | xargs -n1 basename)" "$(ls "j$j/now")"
	check_eq "--jobs $j: two workbooks, 0600, no temporary file left" \
	  "$(stat -c %a "j$j"/now/* | tr '\n' ' ')$(ls -A "j$j/now" | grep -c tmp)" "600 600 0"
	check_exit "--jobs $j: a voided list to a file that exists (no --force): exit 65" 65 \
	  tj emit xlsx --input v8a.tsv -o taken.xlsx
	check_grep "--jobs $j: the refusal is said" "$n8 records are not current" "$T/.err"
	check_nogrep "--jobs $j: and only the refusal" "file exists\|not written" "$T/.err"
	check "--jobs $j: the file that was there is untouched" test ! -s taken.xlsx
	check_exit "--jobs $j: a current list with a value too long for a cell: exit 0" 0 \
	  "$TEMPASS_BIN" --config "$T/all.conf" --jobs "$j" emit xlsx --input v8b-long.tsv -o "j$j/long.xlsx"
	check_grep "--jobs $j: the writing's warning is said" "column 'note': value cut" "$T/.err"
	check_eq "--jobs $j: the workbook is named, its path printed" "$(cat "$T/.out")" "j$j/long.xlsx"
	check_exit "--jobs $j: a voided list with a value too long: exit 65" 65 \
	  "$TEMPASS_BIN" --config "$T/all.conf" --jobs "$j" emit xlsx --input v8a-long.tsv -o "j$j/vlong.xlsx"
	check_eq "--jobs $j: the refusal alone is said, as if nothing were written" \
	  "$(cat "$T/.err")" "tempass: emit: $n8 records are not current ($n8 voided by batch v$v8b); --allow-void prints them marked VOID"
	check "--jobs $j: and nothing is named" test ! -e "j$j/vlong.xlsx"
done
check_eq "no temporary file beside the outputs" "$(ls -A . j1 j2 | grep -c 'tmp')" 0
# Nor does a refused list make a folder.
for j in 1 2; do
	sed "s#^out_dir *=.*#out_dir = $T/made$j#" pipeline.conf >made$j.conf
	check_exit "--jobs $j: a voided list to out_dir, which is not there yet: exit 65" 65 \
	  "$TEMPASS_BIN" --config "$T/made$j.conf" --jobs "$j" emit xlsx --input v8a.tsv
	check "--jobs $j: out_dir is not made" test ! -e "made$j"
	check_exit "--jobs $j: nor to -o FILE: exit 65" 65 \
	  "$TEMPASS_BIN" --config "$T/made$j.conf" --jobs "$j" emit xlsx --input v8a.tsv -o "j$j/o.xlsx"
	check "--jobs $j: out_dir is still not made, nor the file" test ! -e "made$j" -a ! -e "j$j/o.xlsx"
	check_exit "--jobs $j: the current list to out_dir: exit 0" 0 \
	  "$TEMPASS_BIN" --config "$T/made$j.conf" --jobs "$j" emit xlsx --input v8b.tsv
	check_eq "--jobs $j: out_dir made, the workbook in it" "$(cat "$T/.out")" "$T/made$j/oakfield-v$v8b.xlsx"
done
check_exit "emit pdf of the current list" 0 tp emit pdf --input v2.tsv -o o2.pdf
check_eq "the current list has no VOID" "$(ptext o2.pdf | grep -c VOID)" 0
check_eq "the current list prints every password" \
  "$(col v2.tsv password | grep -cxFf - <(ptext o2.pdf | tr -s ' ' '\n'))" "$n"

# ==== --allow-void: every such strip and row marked VOID
check_exit "emit pdf --allow-void" 0 tp emit pdf --allow-void --input v1.tsv -o o1.pdf
check_grep "--allow-void warns how many are marked" "$n records are not current: marked VOID" "$T/.err"
ptext o1.pdf >o1.txt
check_eq "strips: a VOID stamp on every strip" "$(grep -cE ' VOID *$' o1.txt)" "$n"
check_eq "strips: each says why" "$(grep -c "VOID: voided by batch v$v2" o1.txt)" "$n"
check_eq "strips: every username still printed" \
  "$(col v1.tsv username | grep -cxFf - <(tr -s ' ' '\n' <o1.txt))" "$n"
check_exit "emit pdf classlist --allow-void" 0 \
  tp emit pdf --layout classlist --allow-void --input v1.tsv -o o1cl.pdf
check_eq "classlist: every pupil's row ends with VOID" \
  "$(ptext o1cl.pdf | grep -wFf <(col v1.tsv username) | grep -cE ' VOID *$')" "$n"
for fmt in csv tsv ndjson xlsx; do
	check_exit "emit $fmt --allow-void" 0 tp emit "$fmt" --allow-void --input v1.tsv -o "o1.$fmt"
done
want=$(yes "VOID: voided by batch v$v2" | head -"$n")
check_eq "tsv: the state column says VOID and why on every row" "$(col o1.tsv state)" "$want"
check_eq "csv: the same" "$("$PY" -c 'import csv, sys
print("\n".join(r["state"] for r in csv.DictReader(open(sys.argv[1], newline=""))))' o1.csv)" "$want"
check_eq "ndjson: the same" "$("$PY" -c 'import json, sys
print("\n".join(json.loads(l)["state"] for l in open(sys.argv[1])))' o1.ndjson)" "$want"
check_eq "xlsx: a state column after the password, VOID on every row" "$("$PY" -c 'import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
rows = list(ws.iter_rows(values_only=True))
head = list(rows[1])
print(head[head.index("password") + 1])
print("\n".join(r[head.index("state")] for r in rows[2:]))' o1.xlsx)" "state
$want"
store_holds "after the void emits"

# ==== Each reason, counted and named
u_claim=$(col v2.tsv username | sed -n 1p)
u_lock=$(col v2.tsv username | sed -n 2p)
u_left=$(col v2.tsv username | sed -n 3p)
check_exit "claim one pupil of the list" 0 tp claim "$u_claim"
for i in $(seq 10); do echo wrong | tp verify "$u_lock" >/dev/null 2>&1; done
ext=$(tp users --format tsv 2>/dev/null | awk -F'\t' -v u="$u_left" '$1 == u { print $4 }')
grep -v "^$ext," "$ROOT/samples/students.csv" >left.csv
check_exit "an import without one pupil: they leave" 0 tp import left.csv
check_exit "emit of the list: exit 65" 65 tp emit tsv --input v2.tsv -o o2b.tsv
check_grep "names each reason with its count" \
  "3 records are not current (1 claimed, 1 refused after 10 failed attempts, 1 revoked: the user left); --allow-void" "$T/.err"
check_exit "emit tsv --allow-void of the list" 0 tp emit tsv --allow-void --input v2.tsv -o o2b.tsv
check_eq "only those three marked, each with its reason" \
  "$(paste <(col o2b.tsv username) <(col o2b.tsv state) | grep VOID | sort)" \
  "$(printf '%s\tVOID: claimed\n%s\tVOID: refused after 10 failed attempts\n%s\tVOID: revoked: the user left\n' "$u_claim" "$u_lock" "$u_left" | sort)"
check_eq "the others current" "$(col o2b.tsv state | grep -cx current)" "$((n - 3))"
TEMPASS_NOW=2026-10-02T08:14:00Z tp emit tsv --input v2.tsv >/dev/null 2>exp.err
check_grep "past the expiry: expired, with the date" \
  "$((n - 2)) expired on 2026-10-01 08:14 UTC" exp.err
# A stream made by hand has no batch to check against.
cut -f"$(head -1 v2.tsv | tr '\t' '\n' | grep -nvx version | cut -d: -f1 | paste -sd,)" v2.tsv >nover.tsv
check_exit "records without a version column: exit 65" 65 tp emit csv --input nover.tsv -o nv.csv
check_grep "as having no batch version" "$n records are not current ($n no batch version)" "$T/.err"
check_exit "--allow-void prints them marked VOID" 0 tp emit csv --allow-void --input nover.tsv -o nv.csv
check_eq "each marked VOID: no batch version" "$(grep -c ',VOID: no batch version' nv.csv)" "$n"
# A record edited to another batch's version is not of that batch.
awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "version") k = i; print; next } { $k = 1; print }' v2.tsv >wrongv.tsv
awk -F'\t' -v OFS='\t' 'NR == 1 { print; next } NR == 2 { $1 = "nosuchuser" } { print }' v2.tsv >nouser.tsv
check_exit "records given another batch's version: exit 65" 65 tp emit tsv --input wrongv.tsv -o w.tsv
check_grep "not in that batch" "$n records are not current ($n not in batch v1)" "$T/.err"
check_exit "a record of an unknown user: exit 65" 65 tp emit tsv --input nouser.tsv -o w.tsv
check_grep "not in its batch" "1 not in batch v$v2" "$T/.err"
store_holds "after the checks"

# ==== verify says why a password is refused; exit codes unchanged
vfy() { printf '%s\n' "$2" | tp verify "$1" >/dev/null 2>"$T/.verr"; }
pw_of() { awk -F'\t' -v u="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["username"] == u { print $c["password"] }' "$1"; }
vfy "$u_claim" "$(pw_of v2.tsv "$u_claim")"
check_eq "verify of a claimed account: 77" $? 77
check_grep "says claimed" "'$u_claim': the password of batch v$v2 is no longer valid: claimed" "$T/.verr"
vfy "$u_left" "$(pw_of v2.tsv "$u_left")"
check_eq "verify of a leaver: 77" $? 77
check_grep "says revoked" "no longer valid: revoked: the user left" "$T/.verr"
vfy "$u_lock" "$(pw_of v2.tsv "$u_lock")"
check_eq "verify of a locked password: 77" $? 77
check_grep "says refused after 10 failed attempts" "refused after 10 failed attempts" "$T/.verr"
u_ok=$(col v2.tsv username | sed -n 4p)
vfy "$u_ok" "$(pw_of v1.tsv "$u_ok")"
check_eq "an older slip's password: 77" $? 77
check_grep "says the current one is of a newer batch" "wrong password (the current one is of batch v$v2)" "$T/.verr"
(export TEMPASS_NOW=2026-10-02T08:14:00Z; vfy "$u_ok" "$(pw_of v2.tsv "$u_ok")")
check_eq "verify past the expiry: 77" $? 77
check_grep "says expired on the day" "no longer valid: expired on 2026-10-01 08:14 UTC" "$T/.verr"
vfy "$u_ok" "$(pw_of v2.tsv "$u_ok")"
check_eq "the current password still verifies: 0" $? 0
# A reset email voids the password of a pupil with a verified address.
tp select --group 7B >sel7b.tsv 2>/dev/null
regen --input sel7b.tsv >b7.tsv
tp notify --admin demo --password-file pw --yes --input sel7b.tsv >/dev/null 2>notify.err
ve=$(tp users --group 7B --format tsv 2>/dev/null | awk -F'\t' '$8 == "yes" { print $1; exit }')
vm=$(sql "SELECT max(version) FROM batch")
check "a 7B pupil with a verified address was emailed" test -n "$ve" -a "$(sql "SELECT kind FROM batch WHERE version = $vm")" = email
vfy "$ve" "$(pw_of b7.tsv "$ve")"
check_eq "verify of a password voided by a reset email: 77" $? 77
check_grep "says voided by that batch" "'$ve': the password of batch v$(col b7.tsv version | head -1) is no longer valid: voided by batch v$vm" "$T/.verr"
check_exit "emit of the 7B list: exit 65" 65 tp emit tsv --input b7.tsv -o b7o.tsv
check_grep "emit counts them as voided by the email batch" "voided by batch v$vm" "$T/.err"

# ==== claim twice is recorded once
claims() { sql "SELECT count(*) FROM audit a JOIN user u ON u.id = a.user_id WHERE a.action = 'credential.claim' AND u.username = '$1'"; }
check_exit "claim an account claimed already: exit 0" 0 tp claim "$u_claim"
check_grep "says so" "'$u_claim' had claimed their account already; nothing recorded" "$T/.err"
check_grep "and counts it apart" "0 account(s) claimed; 0 temporary password(s) retired; 1 claimed already" "$T/.out"
check_eq "one claim event, not two" "$(claims "$u_claim")" 1
check_eq "the first claim time stays" \
  "$(sql "SELECT claimed_at = (SELECT min(at) FROM audit a WHERE a.action = 'credential.claim' AND a.user_id = u.id) FROM user u WHERE username = '$u_claim'")" 1
check_exit "claim of one new and one claimed: exit 0" 0 tp claim "$u_ok" "$u_claim"
check_grep "the new one is counted" "1 account(s) claimed; 1 temporary password(s) retired; 1 claimed already" "$T/.out"
check_eq "still one event for the first" "$(claims "$u_claim")" 1
check_eq "one for the second" "$(claims "$u_ok")" 1
check_exit "an unknown user still changes nothing: exit 65" 65 tp claim nosuchuser "$u_claim"

# ==== unclaimed shows each user's real state
tp unclaimed --group 7A --format tsv >u7a.tsv 2>/dev/null
check_eq "a locked password is listed as locked" "$(awk -F'\t' -v u="$u_lock" '$1 == u { print $8 }' u7a.tsv)" locked
check_eq "claimed and left are not listed" "$(cut -f1 u7a.tsv | grep -cxE "$u_claim|$u_left|$u_ok")" 0
check_eq "the others current" "$(awk -F'\t' '$8 == "current"' u7a.tsv | wc -l)" "$((n - 4))"
check_eq "a user whose password a reset email voided: void, none current" \
  "$(tp unclaimed --group 7B --format tsv 2>/dev/null | awk -F'\t' -v u="$ve" '$1 == u { print $8 "/" $9 }')" "void/(no current password)"
# ---- user: the helpdesk view (before expiry)
u4=$(col v2.tsv username | sed -n 5p)
for i in 1 2; do echo wrong | tp verify "$u4" >/dev/null 2>&1; done
check_exit "user shows the helpdesk view" 0 tp user "$u4"
check_grep "the current password's batch" "^password  *batch v$v2, current$" "$T/.out"
check_grep "its version" "^version  *$v2$" "$T/.out"
check_grep "its expiry" "^expires  *2026-10-01 08:14 UTC$" "$T/.out"
check_grep "failed attempts" "^failed  *2 of 10$" "$T/.out"
check_grep "lock state" "^locked  *no$" "$T/.out"
check_grep "the older password, voided" "voided by batch v$v2" "$T/.out"
check_exit "user --slip of the current batch: exit 0" 0 tp user --slip "v$v2" "$u4"
check_grep "says it is current" "the slip of batch v$v2 is current" "$T/.out"
check_exit "user --slip of the older batch: exit 77" 77 tp user --slip "$v1" "$u4"
check_grep "says why not" "'$u4': the slip of batch v$v1 is not current: voided by batch v$v2" "$T/.err"
check_exit "user --slip of a batch they were not in: exit 77" 77 tp user --slip "$(col b7.tsv version | head -1)" "$u4"
check_exit "user --slip that is no version: exit 64" 64 tp user --slip seven "$u4"
check_exit "a locked user" 0 tp user "$u_lock"
check_grep "is shown locked" "^locked  *yes" "$T/.out"
check_exit "a claimed user" 0 tp user "$u_claim"
check_grep "shows no current password and why" "^password  *none current: batch v$v2's claimed$" "$T/.out"
# ---- expire
TEMPASS_NOW=2026-10-02T08:14:00Z tp expire >/dev/null 2>&1
TEMPASS_NOW=2026-10-02T08:14:00Z tp unclaimed --group 7A --format tsv >u7x.tsv 2>/dev/null
check_eq "after expire the unclaimed are still listed" "$(($(wc -l <u7x.tsv) - 1))" "$((n - 3))"
check_eq "as expired, with no current password" \
  "$(awk -F'\t' '$8 == "expired" && $9 == "(no current password)"' u7x.tsv | wc -l)" "$((n - 3))"
check_exit "an unknown group: exit 65" 65 tp unclaimed --group 7Z
check_grep "names the nearest groups" "no group '7Z' at site 'oakfield'; nearest: '7A', '7B'" "$T/.err"
check_exit "a group typed in another case: exit 65" 65 tp unclaimed --group 'year 7x'
check_grep "names it" "nearest: 'Year 7'" "$T/.err"
store_holds "after claims and expiry"

# ==== --per-group: one file open at a time, whatever the number of groups
tp select $(for y in 7 8 9 10 11; do for c in A B C; do printf -- '--group %s ' "$y$c"; done; done) \
  >all.tsv 2>/dev/null
regen --input all.tsv >vall.tsv
ng=$(col vall.tsv group | sort -u | wc -l)
check "the whole school's list spans many classes" test "$ng" -ge 12
for j in 1 2; do
	check_exit "--jobs $j: emit csv --per-group of $ng classes with 16 files open at most" 0 \
	  sh -c "ulimit -n 16 && exec '$TEMPASS_BIN' --config '$T/pipeline.conf' --jobs $j emit csv --per-group --input vall.tsv -o many$j"
	check_eq "--jobs $j: a file for each class" "$(ls many$j | wc -l)" "$ng"
done

store_holds "at the end"
