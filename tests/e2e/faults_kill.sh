# faults_kill: crash consistency. import, regenerate, emit, run and send are
# killed with SIGKILL after a random delay (0 to about the command's run
# time: measured first, then adapted, see killrun), many times each, and
# after every kill the store and the folders must be whole: the database
# passes integrity_check, a batch exists completely or not at all, no user
# holds two current passwords, the audit chain verifies, an import is
# applied entirely or not at all, out_dir holds complete files only and no
# temporary, and no queued message is lost or sent twice. A message the
# server accepted just before send was killed, before send recorded it, is
# sent again by the next run (SMTP cannot tell the two apart): those are
# counted apart, and there is at most one a kill.
#
# faults_points.sh kills the same stages at chosen system calls. The
# temporary a kill can leave that it checks at its exact point (the name
# an output has while renamed into place) is only counted here, in a "#"
# line, so that a random kill that happens to meet it does not fail this
# test now and then.
#
# FAULTS_KILLS (default 50) is how many kills each command gets (run: half);
# FAULTS_SEED makes the delays repeatable (the seed is printed).
. "$(dirname "$0")/../lib.sh"
PY=${PYTHON:-/usr/bin/python3}
. "$ROOT/tests/faults_lib.sh"
write_conf
# The binary as it is now: others may rebuild it during the run.
cp "$TEMPASS_BIN" "$T/tempass" && TEMPASS_BIN=$T/tempass
KILLS=${FAULTS_KILLS:-50}
SEED=${FAULTS_SEED:-$(($(date +%s) % 32768))}
RANDOM=$SEED
echo "# FAULTS_SEED=$SEED FAULTS_KILLS=$KILLS"

rosters 2000
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "import 2000 pupils (two rows rejected)" 65 tp import ra.csv
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select "${YEARS[@]}" >sel.tsv 2>/dev/null
check_exit "a first batch for everyone" 0 tp regenerate --admin demo --password-file pw --yes --input sel.tsv

# The checks must see a broken store: a credential added to a batch (two
# current passwords for one user), a gap in the versions, an edited audit
# event, then bytes overwritten in the file.
store_save good
untrigger="drop trigger audit_no_update"
[ "${TEMPASS_TEST_STORE:-}" = pg ] && untrigger="alter table audit disable trigger user"
sql "drop index credential_current; $untrigger;
     insert into credential (batch_id, user_id, grp, state, expires_at)
       select batch_id, user_id, grp, 'current', expires_at from credential limit 1;
     update batch set version = 2; update audit set detail = 'x' where id = 10;"
store_ok "tampered"
check_eq "the checks see a tampered store" "$(cut -f1 "$T/viol" | sort -u | tr '\n' ' ')" "audit batch current "
: >"$T/viol"
if pg_skip "the server's files are its own, not overwritten under it"; then
	store_restore good
	dd if=/dev/urandom of=var/tempass.db bs=4096 seek=20 count=2 conv=notrunc 2>/dev/null
	store_ok "overwritten"
	check_grep "the checks see an overwritten file" "^integrity" "$T/viol"
	: >"$T/viol"
fi
store_restore good
store_ok "restored"
check_eq "the store is whole before the kills" "$(cut -f1 "$T/viol" | sort -u | tr '\n' ' ')" ""

mkdir ref
# The delays of the import kills: up to the run time of an import that
# changes users (the middle of four).
t=()
for r in rb ra rb ra; do
	t0=$(ms); tp import $r.csv >/dev/null 2>&1; t+=($(($(ms) - t0)))
	[ $r = rb ] && FB=$(fp) && cp out/students.rejects.csv ref/rejects-b.csv
done
tms=$(printf '%s\n' "${t[@]}" | sort -n | sed -n 3p)
FA=$(fp); cp out/students.rejects.csv ref/rejects-a.csv
check "the two exports differ" test "$FA" != "$FB" -a -n "$FA"

# ==== import
# Each run imports the export that is not applied: 120 users change, the
# leavers' passwords are revoked, the rejects are written.
F=100 kills=0 runs=0 known=0
: >"$T/viol"
now=$FA
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt $((KILLS * 3)) ]; do
	runs=$((runs + 1))
	before=$now
	if [ "$before" = "$FA" ]; then roster=rb.csv want=$FB; else roster=ra.csv want=$FA; fi
	killrun "$tms" import "$T/$roster"
	now=$(fp)
	if [ "$RC" -eq 137 ]; then
		kills=$((kills + 1))
		[ "$now" = "$before" ] || [ "$now" = "$want" ] ||
			viol atomic "kill $kills: the users are neither as before nor as imported"
	elif [ "$RC" -ne 65 ] || [ "$now" != "$want" ]; then
		viol atomic "run $runs: exit $RC (want 65), $([ "$now" = "$want" ] || echo not) imported: $(head -1 k.err)"
	fi
	for f in $(ls -A out); do
		case $f in
		students.rejects.csv)
			cmp -s "out/$f" ref/rejects-a.csv || cmp -s "out/$f" ref/rejects-b.csv ||
				viol files "run $runs: out/$f is not a complete rejects file ($(wc -c <"out/$f") bytes)" ;;
		students.rejects.csv.tmp.[0-9]*)
			# Known, and checked at its point by faults_points.sh.
			known=$((known + 1)); rm -f "out/$f" ;;
		*)	viol files "run $runs: unexpected out/$f" ;;
		esac
	done
	[ "$RC" -ne 137 ] || store_ok "import run $runs"
done
echo "# import: ${SECONDS}s; delays 0-$tms ms x $F%; $kills kills in $runs runs"
[ "$known" -eq 0 ] || echo "# import: a kill left the rejects file's temporary name $known time(s) (see faults_points.sh)"
what="import killed $kills times ($((runs - kills)) runs finished)"
report atomic "$what: users as before or as imported after each"
report_store "$what"
report files "$what: out_dir holds a complete rejects file or none, no temporary"
check "import killed at least $KILLS times" test "$kills" -ge "$KILLS"
if [ "$now" = "$FA" ]; then roster=rb.csv want=$FB; else roster=ra.csv want=$FA; fi
check_exit "after the kills, an import completes" 65 tp import "$roster"
check_eq "and leaves the users as imported" "$(fp)" "$want"

# ==== regenerate
# Every run regenerates everyone, so after each kill every current password
# must be of one batch, the newest.
tp select "${YEARS[@]}" >sel.tsv 2>/dev/null
nsel=$(rows sel.tsv)
regen=(regenerate --admin demo --password-file "$T/pw" --yes --input "$T/sel.tsv")
tms=$(timed "${regen[@]}")
F=100 kills=0 runs=0
: >"$T/viol"
v1=$(sql 'select max(version) from batch')
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt $((KILLS * 3)) ]; do
	runs=$((runs + 1))
	v0=$v1
	killrun "$tms" "${regen[@]}"
	v1=$(sql 'select max(version) from batch')
	if [ "$RC" -eq 137 ]; then
		kills=$((kills + 1))
		[ "$v1" -eq "$v0" ] || [ "$v1" -eq $((v0 + 1)) ] ||
			viol version "kill $kills: version went from $v0 to $v1"
	elif [ "$RC" -ne 0 ] || [ "$v1" -ne $((v0 + 1)) ] || [ "$(rows k.out)" -ne "$nsel" ] ||
	     [ "$(col k.out version | sort -u)" != "$v1" ]; then
		viol version "run $runs: exit $RC, version $v0 -> $v1, $(rows k.out) rows of $nsel: $(head -1 k.err)"
	fi
	r=$(sql "select count(*) || ' ' || count(distinct c.batch_id) || ' ' || max(b.version)
		 from credential c join batch b on b.id = c.batch_id where c.state = 'current'")
	[ "$r" = "$nsel 1 $v1" ] ||
		viol onebatch "run $runs: current passwords, their batches, newest version: $r (want $nsel 1 $v1)"
	[ "$RC" -ne 137 ] || store_ok "regenerate run $runs"
done
echo "# regenerate: ${SECONDS}s; delays 0-$tms ms x $F%; $kills kills in $runs runs; $v1 batches"
what="regenerate killed $kills times ($((runs - kills)) runs finished)"
report version "$what: no new batch or the next version, finished runs wrote every row"
report onebatch "$what: every selected user's current password is of the newest batch after each"
report_store "$what"
check "regenerate killed at least $KILLS times" test "$kills" -ge "$KILLS"
check_exit "after the kills, a regenerate completes" 0 tp "${regen[@]}"
cp "$T/.out" final.tsv
check_eq "as the next version, with every row" "$(col final.tsv version | sort -u) $(rows final.tsv)" "$((v1 + 1)) $nsel"

# ==== emit
# A complete file has the bytes of a reference run (an XLSX: the same
# parts, as its creation time changes). Each mode writes a new file, or,
# with --force, replaces an older one of a shorter list, so old and new
# differ; --per-group writes a folder of files.
cat >same.py <<'EOF'
import sys, zipfile
def parts(p):
    with zipfile.ZipFile(p) as z:
        if z.testzip() is not None:
            raise ValueError(p)
        return {n: z.read(n) for n in z.namelist() if n != 'docProps/core.xml'}
try:
    sys.exit(0 if parts(sys.argv[1]) == parts(sys.argv[2]) else 1)
except Exception:
    sys.exit(1)
EOF
same() {
	case $1 in
	*.xlsx) [ -s "$1" ] && [ -s "$2" ] && "$PY" "$T/same.py" "$1" "$2" ;;
	*) cmp -s "$1" "$2" ;;
	esac
}
ver=$(col final.tsv version | sort -u)
head -101 final.tsv >short.tsv
dump0=$(sql .dump | sha256sum)
mkdir -p ref/new ref/old
modes=() names=()
for m in "pdf:oakfield-v$ver-strips.pdf" "pdf --layout classlist:oakfield-v$ver-classlist.pdf" \
	 "xlsx:oakfield-v$ver.xlsx"; do
	# shellcheck disable=SC2086
	if tp emit ${m%%:*} --input final.tsv -o "ref/new/${m#*:}" >/dev/null 2>"$T/.err" &&
	   tp emit ${m%%:*} --input short.tsv -o "ref/old/${m#*:}" >/dev/null 2>>"$T/.err"; then
		modes+=("${m%%:*}") names+=("${m#*:}")
	else
		notok "emit ${m%%:*} of $nsel pupils (the reference for the kills) ($(head -1 "$T/.err"))"
	fi
done
tp emit pdf --per-group --input final.tsv -o ref/pg >/dev/null 2>&1
npg=$(ls ref/pg | wc -l)
check "references written: ${#modes[@]} modes, $npg files per group" test "$npg" -eq 5 -a "${#modes[@]}" -gt 0
rm -rf out; mkdir -m 700 out
# The delays: up to each mode's run time.
wins=()
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086
	wins+=($(timed emit $m --input "$T/final.tsv" -o "$T/ref/timing" --force))
done
wins+=($(timed emit pdf --per-group --input "$T/final.tsv" -o "$T/ref/timing.d" --force))
nm=$((${#modes[@]} + 1))
F=100 kills=0 runs=0 forced=0 known=0 folders=0
: >"$T/viol"
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt $((KILLS * 3)) ]; do
	runs=$((runs + 1))
	i=$((runs % nm)) force=$(((runs / nm) % 2))
	rm -rf out/* out/.[!.]*
	if [ "$i" -eq "${#modes[@]}" ]; then
		killrun "${wins[$i]}" emit pdf --per-group --input "$T/final.tsv" -o "$T/out/pg"
		name=pg
	elif [ "$force" -eq 1 ]; then
		cp "ref/old/${names[$i]}" out/
		# shellcheck disable=SC2086
		killrun "${wins[$i]}" emit ${modes[$i]} --force --input "$T/final.tsv"
		name=${names[$i]}
	else
		# shellcheck disable=SC2086
		killrun "${wins[$i]}" emit ${modes[$i]} --input "$T/final.tsv"
		name=${names[$i]}
	fi
	if [ "$RC" -eq 137 ]; then
		kills=$((kills + 1))
		[ "$force" -eq 1 ] && [ "$name" != pg ] && forced=$((forced + 1))
	elif [ "$RC" -ne 0 ]; then
		viol exit "run $runs: emit ${modes[$i]:-pdf --per-group} exited $RC: $(head -1 k.err)"
	fi
	for f in $(ls -A out); do
		# Known, and checked at its point by faults_points.sh: the
		# temporary name of a --force replacement.
		if [ "$force" -eq 1 ] && [[ $f == "$name".tmp.[0-9]* ]]; then
			known=$((known + 1))
		elif [[ $f == ."$name".tmp.[0-9]*.d ]] && [ -d "out/$f" ]; then
			# The private folder of libxlsxwriter's temporaries:
			# at most a file made and not yet unlinked, empty.
			folders=$((folders + 1))
			[ -z "$(find "out/$f" -mindepth 1 ! -type f -o -size +0)" ] ||
				viol files "run $runs: out/$f holds more than empty temporaries"
		elif [ "$f" != "$name" ]; then
			viol files "run $runs: unexpected out/$f (a temporary?)"
		elif [ "$f" = pg ]; then
			for g in $(ls -A out/pg); do
				same "out/pg/$g" "ref/pg/$g" ||
					viol files "run $runs: out/pg/$g is not complete ($(wc -c <"out/pg/$g") bytes)"
			done
		elif ! same "out/$f" "ref/new/$f" && ! { [ "$force" -eq 1 ] && same "out/$f" "ref/old/$f"; }; then
			viol files "run $runs: out/$f is neither the old nor the new file ($(wc -c <"out/$f") bytes)"
		fi
	done
	if [ "$RC" -eq 0 ] && [ "$name" = pg ]; then
		[ "$(ls out/pg | wc -l)" -eq "$npg" ] || viol files "run $runs: finished with $(ls out/pg | wc -l) of $npg files"
	elif [ "$RC" -eq 0 ]; then
		same "out/$name" "ref/new/$name" || viol files "run $runs: finished but out/$name is not the new file"
	fi
done
echo "# emit: ${SECONDS}s; delays 0-(${wins[*]}) ms x $F%; $kills kills in $runs runs"
[ "$known" -eq 0 ] || echo "# emit: a kill left a known temporary $known time(s) (see faults_points.sh)"
echo "# emit: a kill left the private folder of the workbook's temporaries $folders time(s)"
report files "emit killed $kills times ($forced with --force over an older file, $((runs - kills)) runs finished): out_dir holds complete files only, no temporary"
report exit "emit: every run that was not killed succeeded"
check "emit killed at least $KILLS times" test "$kills" -ge "$KILLS"
check_eq "emit leaves the store as it was" "$(sql .dump | sha256sum)" "$dump0"

# ==== run
# The main job: select, regenerate and write five outputs (on all cores)
# in one process. After each kill every file in out_dir must be a complete
# output of a batch that exists: a PDF that ends in %%EOF, an XLSX that
# unzips, a CSV with a row for each of the batch's credentials, the
# batch's audit events.
mkdir -p var && cp -p pw var/demo-admin.pw
rm -rf out; mkdir -m 700 out
# outputs_ok WHEN: the check above, on out/.
outputs_ok() {
	local f v n
	for f in $(ls -A out); do
		v=${f#oakfield-v}; v=${v%%[-.]*}
		case $v in ''|*[!0-9]*) v=0 ;; esac
		n=$(sql "select count from batch where version = $v")
		# Known, and checked at its point by faults_points.sh: the
		# temporary name of an output being renamed into place.
		case $f in
		.*.xlsx.tmp.[0-9]*.d)
			# The private folder of libxlsxwriter's temporaries,
			# removed by the next write of its workbook.
			[ -d "out/$f" ] && [ -z "$(find "out/$f" -mindepth 1 ! -type f -o -size +0)" ] ||
				viol files "$1: out/$f is not a folder of empty temporaries"
			continue ;;
		*.tmp.[0-9]*)
			known=$((known + 1)); continue ;;
		esac
		if [ -z "$n" ]; then
			viol files "$1: out/$f is not an output of a batch"
			continue
		fi
		case $f in
		*.pdf) [ "$(tail -c 7 "out/$f" | tr -d '\r\n')" = "%%EOF" ] ;;
		*.xlsx) "$PY" -c 'import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "out/$f" 2>/dev/null ;;
		*.csv) [ "$("$PY" -c 'import csv, sys; print(len(list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))))' "out/$f" 2>/dev/null)" = "$n" ] ;;
		# The export holds the batch's events up to its writing: a
		# later run that named its lists after a kill adds one more,
		# batch.publish, which no export of the batch can hold.
		*-audit.tsv) [ $(($(wc -l <"out/$f") - 1)) -eq "$(sql "select count(*) from audit a join batch b on b.id = a.batch_id where b.version = $v and a.action <> 'batch.publish'")" ] ;;
		*) false ;;
		esac || viol files "$1: out/$f is not complete ($(wc -c <"out/$f") bytes)"
	done
}
runk=(run --no-import)
tms=$(timed "${runk[@]}")
outputs_ok "the timed runs"
rm -rf out/*
RKILLS=$(((KILLS + 1) / 2))
F=100 kills=0 runs=0 known=0
: >"$T/viol"
v1=$(sql 'select max(version) from batch')
while [ "$kills" -lt "$RKILLS" ] && [ "$runs" -lt $((RKILLS * 3)) ]; do
	runs=$((runs + 1))
	v0=$v1
	killrun "$tms" "${runk[@]}"
	v1=$(sql 'select max(version) from batch')
	if [ "$RC" -eq 137 ]; then
		kills=$((kills + 1))
		[ "$v1" -eq "$v0" ] || [ "$v1" -eq $((v0 + 1)) ] ||
			viol version "kill $kills: version went from $v0 to $v1"
		store_ok "run kill $kills"
	elif [ "$RC" -ne 0 ] || [ "$v1" -ne $((v0 + 1)) ] || [ "$(ls out | wc -l)" -ne 5 ]; then
		viol version "run $runs: exit $RC, version $v0 -> $v1, $(ls out | wc -l) outputs: $(head -1 k.err)"
	fi
	outputs_ok "run $runs"
	rm -rf out/*
done
echo "# run: ${SECONDS}s; delays 0-$tms ms x $F%; $kills kills in $runs runs"
[ "$known" -eq 0 ] || echo "# run: a kill left a known temporary $known time(s) (see faults_points.sh)"
what="run killed $kills times ($((runs - kills)) runs finished)"
report version "$what: no new batch or the next version; finished runs wrote their five outputs"
report files "$what: out_dir holds complete outputs of existing batches only, no temporary"
report_store "$what"
check "run killed at least $RKILLS times" test "$kills" -ge "$RKILLS"

# ==== send
# A fresh store (small, so the checks after each kill stay cheap). Rounds
# of about 50 reset emails (four registration groups) are sent by send
# runs killed at random until one finishes, then a last send.
store_fresh
tp import ra.csv >/dev/null 2>&1
tp admin add demo --site oakfield --password-file pw >/dev/null 2>&1
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
regs=()
for y in 7 8 9 10 11; do for r in A B C D E F G H I J; do regs+=("$y$r"); done; done
# notify_round N: queues the reset emails of round N's four groups.
notify_round() {
	local g=() k
	for k in 0 1 2 3; do g+=(--group "${regs[$(((4 * $1 + k) % 50))]}"); done
	tp select "${g[@]}" 2>/dev/null |
		tp notify --admin demo --password-file "$T/pw" --yes >/dev/null 2>"$T/n.err" ||
		viol notify "round $1: notify failed: $(head -1 "$T/n.err")"
}
queued() { sql "select count(*) from delivery where state = 'queued'"; }
# What arrived: got.ids, each Message-ID once, and the counts dups (a
# message that arrived before and was not recorded sent, arriving again)
# and wrong (one that was recorded sent before the run, arriving again).
: >got.ids
seen=0 dups=0 wrong=0
arrivals() {
	local new
	mapfile -t new < <(ls got 2>/dev/null | grep '\.eml$' | sort | tail -n +$((seen + 1)))
	[ "${#new[@]}" -gt 0 ] || return 0
	seen=$((seen + ${#new[@]}))
	(cd got && cat "${new[@]}") | tr -d '\r' | sed -n 's/^Message-ID: <\(.*\)>$/\1/p' >new.ids
	read -r d w < <(awk 'FILENAME == ARGV[1] { sent[$1] = 1; next }
		FILENAME == ARGV[2] { got[$1] = 1; next }
		{ if ($1 in sent) w++; else if ($1 in got) d++; got[$1] = 1 }
		END { print d + 0, w + 0 }' sent.before got.ids new.ids)
	dups=$((dups + d)) wrong=$((wrong + w))
	[ "$w" -eq 0 ] || viol twice "run $runs: $w message(s) recorded sent before arrived again"
	sort -u got.ids new.ids -o got.ids
}
# After each run: each sent delivery has its one email.sent event, tmp/
# is empty, and at most one message arrived without being recorded (the
# one in flight when send was killed).
send_ok() {
	local r
	r=$(sql "select d.file || ': ' || d.state || ' with ' || count(a.id) || ' email.sent events'
		 from delivery d left join audit a on a.action = 'email.sent'
		  and a.user_id = d.user_id and a.batch_id = d.batch_id
		 group by d.id having count(a.id) != (case when d.state = 'sent' then 1 else 0 end)")
	[ -z "$r" ] || viol recorded "run $runs: $(echo "$r" | head -2 | tr '\n' ' ')"
	[ -z "$(ls -A queue/tmp 2>/dev/null)" ] ||
		viol recorded "run $runs: left in queue/tmp: $(ls -A queue/tmp | head -3 | tr '\n' ' ')"
	r=$(sql "select message_id from delivery where state = 'queued'" | sort | comm -12 - got.ids | wc -l)
	[ "$r" -le 1 ] || viol inflight "run $runs: $r messages arrived but are not recorded sent"
}
: >"$T/viol"
: >sent.before
# The delays: up to a run's time for the messages queued, from the time of
# a run with nothing to send and the median time of three first rounds (a
# slow first connection must not stretch every window after it).
ts=()
for r in 0 1 2; do
	notify_round "$r"
	[ "$r" -eq 0 ] && n0=$(queued)
	t0=$(ms); tp send >/dev/null 2>&1; ts+=($(($(ms) - t0)))
	arrivals
done
tsend=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p)
t0=$(ms); tp send >/dev/null 2>&1; t_empty=$(($(ms) - t0))
[ "$n0" -gt 0 ] && [ "$tsend" -gt "$t_empty" ] || { n0=1; tsend=$((t_empty + 5)); }
F=100 kills=0 runs=0 round=2
while [ "$kills" -lt "$KILLS" ] && [ "$round" -lt 42 ]; do
	round=$((round + 1))
	notify_round "$round"
	while [ "$(queued)" -gt 0 ] && [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt $((KILLS * 4)) ]; do
		runs=$((runs + 1))
		sql "select message_id from delivery where state = 'sent'" | sort >sent.before
		killrun $((t_empty + (tsend - t_empty) * $(queued) / n0)) send
		if [ "$RC" -eq 137 ]; then
			kills=$((kills + 1))
			# The server may still be saving what it received.
			sleep 0.05
		elif [ "$RC" -ne 0 ]; then
			viol exit "run $runs: send exited $RC: $(head -1 k.err)"
			break
		fi
		arrivals
		send_ok
		store_ok "send run $runs"
	done
done
sql "select message_id from delivery where state = 'sent'" | sort >sent.before
check_exit "after the kills, send completes" 0 tp send
runs=$((runs + 1))
arrivals
send_ok
store_ok "the last send"
stop_smtp
ndel=$(sql "select count(*) from delivery")
lost=$(sql "select message_id from delivery" | sort | comm -23 - got.ids | wc -l)
stray=$(comm -13 <(sql "select message_id from delivery" | sort) got.ids | wc -l)
echo "# send: ${SECONDS}s; $n0 messages in $tsend ms at first (${ts[*]}), none in $t_empty ms; window x $F%; $kills kills in $runs runs over $round rounds; $ndel messages, $dups sent again"
what="send killed $kills times ($((runs - kills)) runs finished, $round rounds of ~$n0 messages)"
check_eq "$what: none of $ndel queued messages lost" "$lost" 0
check_eq "send: nothing arrived that was not queued" "$stray" 0
report twice "$what: no message recorded sent arrived again"
report inflight "$what: at most one message accepted and not yet recorded after each"
check "$what: $dups message(s) sent again after a kill between the server's acceptance and the record, at most one a kill" \
	test "$dups" -le "$kills"
check_eq "every delivery is recorded sent" "$(sql "select group_concat(distinct state) from delivery")" sent
check_eq "every message is in cur/, none in new/ or tmp/" \
	"$(ls -A queue/cur | wc -l) $(ls -A queue/new queue/tmp | grep -c '\.eml$')" "$ndel 0"
report notify "send: every round's notify succeeded"
report exit "send: every run that was not killed succeeded"
report recorded "$what: each sent delivery has one email.sent event, nothing left in tmp/, after each"
report_store "$what"
check "send killed at least $KILLS times" test "$kills" -ge "$KILLS"
