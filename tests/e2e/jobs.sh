# jobs: --jobs N and [tempass] jobs set the threads of each parallel step
# (core/workers.c). A bad value is a usage or configuration error that
# names it. With one job tempass starts no thread; with one or two, run,
# regenerate and emit give the same lists on a roster large enough for
# every step to split its work (WORKERS_MIN_ROWS rows), passwords and
# their checks apart, and the store stays whole.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}

# ==== Bad values
for v in 0 -1 abc 100000 4x ''; do
	check_exit "--jobs '$v': a usage error" 64 "$TEMPASS_BIN" --config "$T/pipeline.conf" --jobs "$v" users
	check_grep "which names --jobs and '$v'" "^tempass: --jobs: '$v' is not a number from 1 to 256$" "$T/.err"
done
check_exit "--jobs 2 is taken" 0 tp --jobs 2 users
check_exit "--jobs 256 is taken" 0 tp --jobs 256 users
cp pipeline.conf good.conf
for v in 0 -1 abc 100000; do
	{ printf '[tempass]\njobs = %s\n\n' "$v"; cat good.conf; } >pipeline.conf
	check_exit "[tempass] jobs = $v: a configuration error" 78 tp users
	check_grep "which names the line and the key" "pipeline.conf':2: jobs: '$v' is not a number from 1 to 256" "$T/.err"
done
printf '[tempass]\nthreads = 2\n\n' >pipeline.conf
cat good.conf >>pipeline.conf
check_exit "[tempass]: an unknown key is a configuration error" 78 tp users
check_grep "which names it" "\[tempass\]: unknown key 'threads'" "$T/.err"
{ printf '[tempass]\njobs = 1\n\n'; cat good.conf; } >pipeline.conf
check_exit "[tempass] jobs = 1 is taken" 0 tp users

# ==== One job, two jobs: the same lists
# Five year groups of 21000 pupils: one batch over WORKERS_MIN_ROWS.
"$PY" "$ROOT/tests/gen_roster.py" 21000 --seed 13 >big.csv
sed -i -e "s#^file = .*students\.csv#file = $T/big.csv#" \
	-e 's#^groups = Year 7$#groups = Year 7, Year 8, Year 9, Year 10, Year 11#' \
	good.conf
# nopw FILE: FILE without the password column (a record stream or a csv).
nopw() {
	awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") k = i }
		{ if (k) $k = ""; print }' "$1"
}
csv2tsv() {
	"$PY" -c 'import csv, sys
for r in csv.reader(open(sys.argv[1], newline="", encoding="utf-8")):
    print("\t".join(r))' "$1"
}
# one N: a store of its own in folder sN, run with --jobs N; its [tempass]
# jobs says the other, as the command line wins.
one() {
	mkdir "s$1" && cd "s$1" || return
	sed -e "s#$T/#$T/s$1/#g" -e "s#\(^file = \)$T/s$1/#\1$T/#" \
		"$T/good.conf" >pipeline.conf
	{ printf '[tempass]\njobs = %s\n\n' $((3 - $1)); cat pipeline.conf; } >p && mv p pipeline.conf
	other_store pipeline.conf "s$1"
	"$TEMPASS_BIN" --config pipeline.conf --jobs "$1" run --demo >run.out 2>run.err
	check_eq "--jobs $1: run succeeds" $? 0
	csv2tsv out/oakfield-v1.csv >run.tsv
	check_eq "--jobs $1: the run's list holds every pupil" $(($(wc -l <run.tsv) - 1)) 21000
	pdftotext -layout -enc UTF-8 out/oakfield-v1-classlist.pdf cl.txt 2>/dev/null
	check "--jobs $1: the class list holds every password" \
		test "$(col run.tsv password | grep -cxFf - <(tr -s ' ' '\n' <cl.txt))" -ge 21000
	"$TEMPASS_BIN" --config pipeline.conf select --group 'Year 7' \
		--group 'Year 8' --group 'Year 9' --group 'Year 10' --group 'Year 11' >sel.tsv 2>/dev/null
	"$TEMPASS_BIN" --config pipeline.conf --jobs "$1" regenerate --yes \
		--password-file var/demo-admin.pw --input sel.tsv >regen.tsv 2>regen.err
	check_eq "--jobs $1: regenerate succeeds" $? 0
	check_eq "--jobs $1: the audit chain verifies" "$("$TEMPASS_BIN" --config pipeline.conf audit verify >/dev/null 2>&1; echo $?)" 0
	check_eq "--jobs $1: one current credential per user, for every user" \
		"$(sql_in pipeline.conf "SELECT count(*), count(DISTINCT user_id) FROM credential WHERE state = 'current'")" \
		"21000|21000"
	"$TEMPASS_BIN" --config pipeline.conf --jobs "$1" emit csv --input regen.tsv >emit.csv 2>/dev/null
	"$TEMPASS_BIN" --config pipeline.conf --jobs "$1" emit pdf --layout classlist \
		--input "$T/s1/regen.tsv" -o emit.pdf >/dev/null 2>&1
	pdftotext -layout -enc UTF-8 emit.pdf emit.txt 2>/dev/null
	cd "$T" || return
}
one 1
one 2
check_eq "run: the same list, passwords apart" "$(nopw s1/run.tsv)" "$(nopw s2/run.tsv)"
check "run: the lists are not empty" test "$(wc -l <s1/run.tsv)" -gt 21000
check_eq "run: the same output files" "$(ls s1/out)" "$(ls s2/out)"
check_eq "regenerate: the same stream, passwords apart" "$(nopw s1/regen.tsv)" "$(nopw s2/regen.tsv)"
check_eq "emit csv: the same rows, passwords apart" \
	"$(csv2tsv s1/emit.csv | nopw /dev/stdin)" "$(csv2tsv s2/emit.csv | nopw /dev/stdin)"
check "emit pdf of the same stream: the class list's text is the same" \
	cmp -s s1/emit.txt s2/emit.txt
check "and it holds the stream's passwords" \
	test "$(col s1/regen.tsv password | grep -cxFf - <(tr -s ' ' '\n' <s1/emit.txt))" -ge 21000

# ==== One job starts no thread
cd s1 || exit 1
# trace N [INPUT]: the clone calls of an emit of 21000 rows with --jobs N,
# in N.trace; the emit's exit status. The input is regen.tsv turned
# around, which emit must sort; regenerate's own order it keeps, on this
# thread. A sanitizer build's leak checker starts a thread of its own and
# cannot run under strace: it is off here.
{ head -n 1 regen.tsv; tail -n +2 regen.tsv | tac; } >backwards.tsv
trace() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -qq -e trace=clone,clone3 -o "$1.trace" "$TEMPASS_BIN" \
		--config pipeline.conf --jobs "$1" emit csv \
		--input "${2:-backwards.tsv}" -o - >/dev/null 2>&1
}
check_exit "--jobs 1: emit under strace succeeds" 0 trace 1
check_eq "--jobs 1: emit of 21000 rows starts no thread" "$(grep -c 'clone' 1.trace)" 0
check_exit "--jobs 2: emit under strace succeeds" 0 trace 2
check "--jobs 2: the same emit starts threads" test "$(grep -c 'clone' 2.trace)" -gt 0
check_exit "--jobs 2: emit of rows in order under strace succeeds" 0 \
	trace 2 regen.tsv
check_eq "--jobs 2: rows in order are not sorted: no thread" \
	"$(grep -c 'clone' 2.trace)" 0
