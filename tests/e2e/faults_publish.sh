# faults_publish: a run killed between its batch's commit and the renaming
# of its lists (strace kills it at its first or second rename) leaves a
# batch whose lists exist under their temporary names and are recorded as
# pending: the next tempass to open the store names them, complete, and
# their passwords verify. When a list is gone or cut short by then, the
# batch is voided instead, audited with the reason, and its users have no
# current password. A batch whose writer still runs is left alone.
. "$(dirname "$0")/../lib.sh"
PY=${PYTHON:-/usr/bin/python3}
. "$ROOT/tests/faults_lib.sh"
write_conf
cp "$TEMPASS_BIN" "$T/tempass" && TEMPASS_BIN=$T/tempass

need_strace
LISTS="-strips.pdf -classlist.pdf .xlsx .csv -audit.tsv"
# named V: how many of batch vV's five lists are in out/ under their names.
named() {
	local s n=0
	for s in $LISTS; do [ -f "out/oakfield-v$1$s" ] && n=$((n + 1)); done
	echo "$n"
}
pending() { sql "select count(*) from pending_list"; }
tmps() { ls out | grep -c '\.tmp\.[0-9]*$'; }
# verify_csv V: how many of batch vV's csv passwords do not verify.
verify_csv() {
	local u p bad=0
	while IFS=$'\t' read -r u p; do
		printf '%s\n' "$p" | tp verify "$u" >/dev/null 2>&1 || bad=$((bad + 1))
	done < <("$PY" -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    print(r["username"] + "\t" + r["password"])' "out/oakfield-v$1.csv")
	echo "$bad"
}
current() { sql "select count(*) from credential c join batch b on b.id = c.batch_id
		  where b.version = $1 and c.state = 'current'"; }
count() { sql "select count from batch where version = $1"; }
audited() { sql "select count(*) from audit a join batch b on b.id = a.batch_id
		 where b.version = $1 and a.action = '$2'"; }

check_exit "a first run (v1)" 0 tp run --demo
: >"$T/viol"

# ==== killed at its first rename: every list waits under its temporary name
killat "" rename 1 run --no-import
check_eq "run killed at its first rename after the commit of v2" \
  "$RC $(sql 'select max(version) from batch')" "137 2"
check_eq "no list of v2 named yet; five complete ones under temporary names, pending in the store" \
  "$(named 2) $(tmps) $(pending)" "0 5 5"
check_eq "each 0600" "$(stat -c %a out/*.tmp.* | sort -u)" 600
check_exit "the next tempass (batches) names them" 0 tp batches
check_grep "and says so" "batch v2: its lists were named after an interrupted run" "$T/.err"
check_eq "v2's five lists named, nothing pending, no temporary left" \
  "$(named 2) $(tmps) $(pending)" "5 0 0"
check_eq "every list 0600" "$(stat -c %a out/oakfield-v2* | sort -u)" 600
check_eq "the csv lists every password of v2, and each one verifies" \
  "$(($(rows out/oakfield-v2.csv))) $(verify_csv 2)" "$(count 2) 0"
pdftotext -layout -enc UTF-8 out/oakfield-v2-strips.pdf s2.txt 2>/dev/null
"$PY" -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    print(r["password"])' out/oakfield-v2.csv >p2
check_eq "the strips are whole: every password of the csv on them" \
  "$(tr -s ' \n' '\n' <s2.txt | grep -cxFf p2)" "$(wc -l <p2)"
check_eq "the audit export is whole: v2's issue events" \
  "$(awk -F'\t' '$4 == "credential.issue"' out/oakfield-v2-audit.tsv | wc -l)" "$(count 2)"
check_eq "the naming is audited; v2's passwords stay current" \
  "$(audited 2 batch.publish) $(current 2)" "1 $(count 2)"
store_ok "after v2 was named"

# ==== killed at its second rename: one list named, four waiting
killat "" rename 2 run --no-import
check_eq "run killed at its second rename (v3): one list named, four waiting" \
  "$RC $(named 3) $(tmps) $(pending)" "137 1 4 5"
check_exit "the next tempass (audit verify) names the rest" 0 tp audit verify
check_eq "v3's five lists named, nothing pending; its passwords verify" \
  "$(named 3) $(tmps) $(pending) $(verify_csv 3)" "5 0 0 0"
store_ok "after v3 was named"

# ==== killed, then a temporary file deleted: the batch is voided
killat "" rename 1 run --no-import
rm -f out/oakfield-v4.csv.tmp.*
check_eq "run killed at its first rename (v4), then its csv deleted" \
  "$RC $(named 4) $(tmps)" "137 0 4"
check_exit "the next tempass (batches) voids v4" 0 tp batches
check_grep "and says why" "batch v4 voided: its list '$T/out/oakfield-v4.csv' was lost before it was named" "$T/.err"
check_eq "v4 has no current password; each voiding audited, and the batch's" \
  "$(current 4) $(audited 4 credential.void) $(audited 4 batch.void)" "0 $(count 4) 1"
check_grep "the audit says why" "lost before it was named" \
  <(tp audit --batch 4 --format tsv | awk -F'\t' '$4 == "batch.void"')
check_eq "no list of v4 and no temporary left, nothing pending" "$(named 4) $(tmps) $(pending)" "0 0 0"
check_eq "no pupil has a current password (v3's were voided by v4)" \
  "$(sql "select count(*) from credential where state = 'current'")" 0
check_eq "so unclaimed lists each as void, with no current password" \
  "$(tp unclaimed --format tsv | awk -F'\t' 'NR > 1 && $8 == "void" && $9 == "(no current password)"' | wc -l)" "$(count 4)"
check_eq "and none as current" "$(tp unclaimed --format tsv | awk -F'\t' 'NR > 1 && $8 != "void"' | wc -l)" 0
store_ok "after v4 was voided"
check_exit "a new run (v5) gives them passwords again" 0 tp run --no-import
check_eq "v5's lists named, its passwords current and verifying" \
  "$(named 5) $(current 5) $(verify_csv 5)" "5 $(count 5) 0"

# ==== a list cut short is not named
killat "" rename 1 run --no-import
f=$(ls out/oakfield-v6.xlsx.tmp.*)
truncate -s -1 "$f"
check_exit "v6 killed before its renames, its xlsx cut short: the next tempass voids it" 0 tp batches
check_eq "v6 void, nothing of it named or left" \
  "$(current 6) $(audited 6 batch.void) $(named 6) $(tmps) $(pending)" "0 1 0 0 0"

# ==== a batch whose writer still runs is left to it
check_exit "v7" 0 tp run --no-import
sleep 600 &
live=$!
sql "insert into pending_list (batch_id, pid, tmp, path, size)
     select id, $live, '$T/out/gone.tmp.$live', '$T/out/gone', 1 from batch where version = 7"
check_exit "a pending list of a live process, its file missing: batches" 0 tp batches
check_eq "v7 left alone (still pending, still current)" "$(pending) $(current 7)" "1 $(count 7)"
kill "$live"; wait "$live" 2>/dev/null
check_exit "once that process is gone: batches" 0 tp batches
check_eq "v7 voided, nothing pending" "$(pending) $(current 7) $(audited 7 batch.void)" "0 0 1"
store_ok "after v6 and v7 were voided"
report_store "runs killed between commit and renames"
