# faults_points: crash consistency at chosen points. Where faults_kill.sh
# kills after random delays, this kills with SIGKILL at a given system call
# (strace's fault injection: the N-th write to the WAL or the database
# file, the rename or link that names a file, the unlink of a temporary),
# so the narrow moments a random kill rarely meets are met every time: the
# commit of a batch, the checkpoint, naming an output, the moment between
# the SMTP server's acceptance and send's record of it. After each kill the
# same invariants as faults_kill.sh are checked.
. "$(dirname "$0")/../lib.sh"
PY=${PYTHON:-/usr/bin/python3}
. "$ROOT/tests/faults_lib.sh"
write_conf
# The binary as it is now: others may rebuild it during the run.
cp "$TEMPASS_BIN" "$T/tempass" && TEMPASS_BIN=$T/tempass

need_strace
DB=$T/var/tempass.db
WAL=$T/var/tempass.db-wal
# WSC: the call that writes the store. On PostgreSQL the client writes no
# file: its counterpart of a write to the WAL is a message to the server
# (sendto on the socket: statements, COPY data, the COMMIT), and a kill
# there leaves the server to roll back what was not committed; the
# server's checkpoint is its own.
WSC=pwrite64
if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
	DB= WAL= WSC=sendto
fi

# calls PATH SYSCALL ARGS...: runs tempass ARGS to the end and prints how
# many SYSCALLs it made on PATH.
calls() {
	local path=$1 sc=$2 p=()
	shift 2
	[ -n "$path" ] && p=(-P "$path")
	strace -f -qq -o "$T/calls.st" "${p[@]}" -e trace="$sc" \
		"$TEMPASS_BIN" --config "$T/pipeline.conf" "$@" >/dev/null 2>&1
	grep -c "$sc(" "$T/calls.st"
}
# points N: the write numbers to kill at: eight spread over 1..N and the
# last four (N varies a little from run to run, as the store grows).
points() {
	local k
	for k in 1 2 3 4 5 6 7 8; do echo $(((k * $1 + 8) / 9)); done | sort -nu
	for k in 3 2 1 0; do echo $(($1 - k)); done | awk -v n="$1" '$1 >= 1 && $1 <= n'
}

rosters 2000
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "import 2000 pupils (two rows rejected)" 65 tp import ra.csv
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select "${YEARS[@]}" >sel.tsv 2>/dev/null
nsel=$(rows sel.tsv)
regen=(regenerate --admin demo --password-file "$T/pw" --yes --input "$T/sel.tsv")
check_exit "a first batch for everyone" 0 tp "${regen[@]}"

# ==== regenerate at its writes to the WAL and, in the checkpoint, to the
# database file
nw=$(calls "$WAL" $WSC "${regen[@]}")
nd=0 sync=()
if [ -n "$DB" ]; then
	nd=$(calls "$DB" pwrite64 "${regen[@]}")
	sync=("$WAL:fdatasync")
fi
: >"$T/viol"
kills=0 done=0
v1=$(sql 'select max(version) from batch')
ckpt=()
[ "$nd" -gt 0 ] && ckpt=("$DB:1" "$DB:$(((nd + 1) / 2))" "$DB:$nd")
for at in $(points "$nw" | sed "s#^#$WAL:#") "${ckpt[@]}" "${sync[@]}"; do
	v0=$v1
	case $at in
	*:fdatasync) killat "$WAL" fdatasync 1 "${regen[@]}" ;;
	*) killat "${at%:*}" $WSC "${at##*:}" "${regen[@]}" ;;
	esac
	v1=$(sql 'select max(version) from batch')
	[ "$RC" -eq 137 ] && kills=$((kills + 1)) || done=$((done + 1))
	[ "$v1" -eq "$v0" ] || [ "$v1" -eq $((v0 + 1)) ] ||
		viol version "at ${at##*/}: version went from $v0 to $v1"
	r=$(sql "select count(*) || ' ' || count(distinct c.batch_id) || ' ' || max(b.version)
		 from credential c join batch b on b.id = c.batch_id where c.state = 'current'")
	[ "$r" = "$nsel 1 $v1" ] ||
		viol onebatch "at ${at##*/}: current passwords, their batches, newest version: $r (want $nsel 1 $v1)"
	store_ok "at ${at##*/}"
done
echo "# regenerate: $nw writes to the WAL, $nd to the database; $kills kills, $done runs ended before the point"
what="regenerate killed at $kills writes of the WAL and the checkpoint"
report version "$what: no new batch or the next version"
report onebatch "$what: every current password is of the newest batch"
report_store "$what"
# The last points come from one counted run; another may write a page or
# two less (a password's length, the store's growth) and end before them.
check "regenerate was killed at $((${#sync[@]} + 11)) or more of its $((${#sync[@]} + 15)) points" \
	test "$kills" -ge $((${#sync[@]} + 11))

# ==== import at its writes, and at the rename of its rejects file
mkdir ref
tp import rb.csv >/dev/null 2>&1
FB=$(fp); cp out/students.rejects.csv ref/rejects-b.csv
tp import ra.csv >/dev/null 2>&1
FA=$(fp); cp out/students.rejects.csv ref/rejects-a.csv
nw=$(calls "$WAL" $WSC import rb.csv)
now=$(fp)
: >"$T/viol"
kills=0 done=0
# outdir_ok WHEN: out/ holds a complete rejects file or none, nothing else.
outdir_ok() {
	local f
	for f in $(ls -A out); do
		case $f in
		students.rejects.csv)
			cmp -s "out/$f" ref/rejects-a.csv || cmp -s "out/$f" ref/rejects-b.csv ||
				viol files "$1: out/$f is not a complete rejects file" ;;
		*)	viol files "$1: out/$f is left behind ($(wc -c <"out/$f") bytes)" ;;
		esac
	done
}
for at in $(points "$nw") rename; do
	before=$now
	if [ "$before" = "$FA" ]; then roster=rb.csv want=$FB; else roster=ra.csv want=$FA; fi
	if [ "$at" = rename ]; then
		killat "" rename 1 import "$T/$roster"
	else
		killat "$WAL" $WSC "$at" import "$T/$roster"
	fi
	now=$(fp)
	[ "$RC" -eq 137 ] && kills=$((kills + 1)) || done=$((done + 1))
	[ "$now" = "$before" ] || [ "$now" = "$want" ] ||
		viol atomic "at $at: the users are neither as before nor as imported"
	if [ "$at" = rename ]; then
		# A kill between naming the complete temporary and the rename
		# may leave it; the next write of the same file removes it.
		tp import "$T/$roster" >/dev/null 2>&1
		outdir_ok "killed at the rename of the rejects file, then run again"
	else
		outdir_ok "at WAL write $at"
	fi
	store_ok "at $at"
	rm -f out/*.tmp.*
done
echo "# import: $nw writes to the WAL; $kills kills, $done runs ended before the point"
what="import killed at $kills points (writes of the WAL, the rename of its rejects file)"
report atomic "$what: users as before or as imported"
report_store "$what"
report files "$what: out_dir holds a complete rejects file or none, no temporary"

# ==== emit at the moments a file is named
tp "${regen[@]}" >final.tsv 2>/dev/null
head -101 final.tsv >short.tsv
ver=$(col final.tsv version | sort -u)
pdf=oakfield-v$ver-strips.pdf xlsx=oakfield-v$ver.xlsx
mkdir -p ref/new ref/old
tp emit pdf --input final.tsv -o ref/new/$pdf >/dev/null 2>&1
tp emit pdf --input short.tsv -o ref/old/$pdf >/dev/null 2>&1
tp emit pdf --per-group --input final.tsv -o ref/pg >/dev/null 2>&1
# emit_at NAME SYSCALL N [--force] ARGS...: emit into a clean out/ (with the
# older file there for --force), killed at the N-th SYSCALL; prints what
# out/ holds afterwards, "name:old", "name:new" or "name:SIZE" a file.
emit_at() {
	local f sc=$2 n=$3 name=$1
	shift 3
	rm -rf out; mkdir -m 700 out
	if [ "$1" = --force ]; then
		shift
		cp "ref/old/$name" out/
		set -- "$@" --force
	fi
	killat "" "$sc" "$n" emit "$@"
	for f in $(ls -A out); do
		if cmp -s "out/$f" "ref/new/$f"; then echo "$f:new"
		elif cmp -s "out/$f" "ref/old/$f"; then echo "$f:old"
		else echo "$f:$(wc -c <"out/$f")"; fi
	done | tr '\n' ' '
}
check_eq "emit pdf killed as it links its complete file in: nothing in out_dir" \
	"$(emit_at $pdf linkat 1 pdf --input "$T/final.tsv")" ""
check_eq "emit pdf killed at its fsync: nothing in out_dir" \
	"$(emit_at $pdf fsync 1 pdf --input "$T/final.tsv")" ""
check_eq "emit pdf --force killed as it links the new file: the old file only" \
	"$(emit_at $pdf linkat 1 --force pdf --input "$T/final.tsv")" "$pdf:old "
got=$(emit_at $pdf rename 1 --force pdf --input "$T/final.tsv")
check_eq "emit pdf --force killed at the rename over the old file: the old file is whole" \
	"$(echo "$got" | sed -e "s/^$pdf:new /$pdf:old /" -e 's/ [^ ]*\.tmp\.[0-9]*:[0-9]* / /')" "$pdf:old "
tp emit pdf --force --input "$T/final.tsv" >/dev/null 2>&1
check_eq "and the next emit --force leaves the new file and no temporary" \
	"$(for f in $(ls -A out); do cmp -s "out/$f" "ref/new/$f" && echo "$f:new" || echo "$f:other"; done | tr '\n' ' ')" "$pdf:new "
check_eq "emit xlsx killed at its fsync: nothing in out_dir" \
	"$(emit_at $xlsx fsync 1 xlsx --input "$T/final.tsv")" ""
check_eq "emit xlsx killed as it links its complete file in: nothing in out_dir" \
	"$(emit_at $xlsx linkat 1 xlsx --input "$T/final.tsv")" ""
rm -rf out; mkdir -m 700 out
killat "" linkat 3 emit pdf --per-group --input "$T/final.tsv" -o "$T/out/pg"
bad=0
for f in $(ls -A out/pg); do cmp -s "out/pg/$f" "ref/pg/$f" || bad=$((bad + 1)); done
check_eq "emit --per-group killed as it links its third file: two complete files, nothing else" \
	"$RC $(ls -A out/pg | wc -l) $bad" "137 2 0"

# ==== notify and send
# send killed as it records the first message the server accepted: that
# one arrives again with the next run, and only that one. Killed as it
# moves a recorded message to cur/: the next run moves it, sends nothing
# again. notify killed after its commit, as it moves its files from tmp/
# to new/: send recovers them. notify killed before its commit, with
# files written in tmp/: they are never sent.
start_smtp "$T" 1800
check "the SMTP server listens" test -n "$PORT"
cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = https://reset.oakfield.example/r?t={{token}}
templates = $ROOT/templates
message_id_domain = oakfield.example
smtp_url = smtp://127.0.0.1:$PORT
EOF
notify() {
	tp select "$@" 2>/dev/null |
		tp notify --admin demo --password-file "$T/pw" --yes >/dev/null 2>&1
}
# arrived: how many deliveries arrived how many times, "COUNTxTIMES ...".
arrived() {
	cat got/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^Message-ID: <\(.*\)>$/\1/p' | sort >got.ids
	sql "select message_id from delivery" | sort |
		while read -r id; do echo "$(grep -c -x -F "$id" got.ids)"; done | sort -n | uniq -c |
		awk '{ printf "%s%dx%d", (NR > 1 ? " " : ""), $1, $2 }'
}
notify --group 7A --group 7B
n1=$(sql "select count(*) from delivery")
if pg_skip "send's messages to the server and to the SMTP server are the same call (sendto): no point marks its record of the first"; then
	killat "$WAL" pwrite64 1 send
	r1=$RC
	tp send >/dev/null 2>&1
	check_eq "send killed as it records the first accepted message ($n1 queued): one arrives twice, the others once" \
		"$r1 $(arrived)" "137 $((n1 - 1))x1 1x2"
	dup=1
else
	tp send >/dev/null 2>&1
	dup=0
fi
# each N: what arrived() gives for N deliveries, the twice-sent one above
# among them.
each() { [ "$dup" -eq 1 ] && echo "$(($1 - 1))x1 1x2" || echo "$1x1"; }
notify --group 7C --group 7D
n2=$(sql "select count(*) from delivery")
killat "" renameat2 1 send
r2=$RC
left=$(ls queue/new | wc -l)
tp send >"$T/.out" 2>"$T/.err"
check_eq "send killed as it moves its first sent message to cur/: the next run moves it without sending it" \
	"$r2 $left $(arrived)" "137 $((n2 - n1)) $(each $n2)"
check_grep "and says so" "1 message(s) sent before moved to cur/" "$T/.err"
notify --group 7E --group 7F >/dev/null
n3=$(sql "select count(*) from delivery")
# notify's third rename moves its third file from tmp/ to new/.
tp select --group 7G --group 7H 2>/dev/null >sel3.tsv
killat "" rename 3 notify --admin demo --password-file "$T/pw" --yes --input "$T/sel3.tsv"
r3=$RC
n4=$(sql "select count(*) from delivery")
intmp=$(ls queue/tmp | wc -l)
tp send >/dev/null 2>&1
check_eq "notify killed after its commit, at its third rename: $((n4 - n3)) queued, $intmp still in tmp/; send delivers each once" \
	"$r3 $((n4 - n3 - intmp)) $(arrived) $(ls -A queue/tmp | wc -l)" "137 2 $(each $n4) 0"
nb=$(sql 'select count(*) from batch')
killat "" fsync 3 notify --admin demo --password-file "$T/pw" --yes --input "$T/sel3.tsv"
r4=$RC
orphans=$(ls queue/tmp | wc -l)
tp send >/dev/null 2>&1
check_eq "notify killed before its commit, as it syncs its third file: files in tmp/, no batch, no delivery; send sends none of them" \
	"$r4 $orphans $(sql 'select count(*) from batch') $(sql "select count(*) from delivery") $(arrived)" \
	"137 3 $nb $n4 $(each $n4)"
check_eq "and leaves them in tmp/ (a notify may be at work: they go after an hour)" "$(ls queue/tmp | wc -l)" 3
store_ok "after the notify and send kills"
report_store "notify and send killed at chosen points"
stop_smtp
