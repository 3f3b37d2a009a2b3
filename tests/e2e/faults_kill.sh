# faults_kill: crash consistency. import, regenerate, emit and send are
# killed with SIGKILL at random points of their run (a delay drawn between 0
# and the command's measured run time), many times each, and after every
# kill the store and the folders must be whole: the database passes
# integrity_check, a batch exists completely or not at all, no user holds
# two current passwords, the audit chain verifies, an import is applied
# entirely or not at all, out_dir holds only complete files and no
# temporary, and no queued message is lost or sent twice (a message the
# server accepted just before send was killed, before send recorded it,
# may arrive twice: those are counted apart and must stay rare).
#
# FAULTS_KILLS (default 50) is how many kills each command gets;
# FAULTS_SEED makes the delays repeatable (the seed is printed).
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
KILLS=${FAULTS_KILLS:-50}
SEED=${FAULTS_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED
echo "# FAULTS_SEED=$SEED FAULTS_KILLS=$KILLS"
SERVER=
trap 'stop_server; rm -rf "$T"' EXIT
stop_server() {
	[ -n "$SERVER" ] || return 0
	kill "$SERVER" 2>/dev/null
	wait "$SERVER" 2>/dev/null
	SERVER=
}

col() {
	awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		k { print $k }' "$1"
}
rows() { echo $(($(wc -l <"$1") - 1)); }
ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- the record of what broke: "PROPERTY<TAB>what" lines in $T/viol
: >"$T/viol"
viol() { printf '%s\t%s\n' "$1" "$2" >>"$T/viol"; }
# report PROP TEXT: one ok / not ok line for PROP over the whole stage.
report() {
	local n
	n=$(grep -c "^$1	" "$T/viol")
	if [ "$n" -eq 0 ]; then ok "$2"; else
		notok "$2 ($n violation(s))"
		grep "^$1	" "$T/viol" | cut -f2- | head -5 | sed 's/^/   | /'
	fi
}

# store_ok WHEN: the store's invariants, each broken one recorded.
store_ok() {
	local r
	r=$(sql 'pragma integrity_check' 2>&1)
	[ "$r" = ok ] || viol integrity "$1: $(echo "$r" | head -3 | tr '\n' ' ')"
	r=$(sql "
	select 'batch v' || version || ' (' || kind || ') counts ' || count ||
	       ' but has ' || n || ' rows' from (select b.*, case b.kind
		when 'passwords' then (select count(*) from credential c where c.batch_id = b.id)
		else (select count(*) from reset_token r where r.batch_id = b.id) end n
		from batch b) where n != count;
	select 'batch v' || version || ' counts ' || count || ' but has ' || n ||
	       ' issue events' from (select b.*, (select count(*) from audit a
		where a.batch_id = b.id and a.action in ('credential.issue', 'token.issue')) n
		from batch b) where n != count;
	select 'batch v' || version || ' has ' || n || ' batch.create events'
	  from (select b.*, (select count(*) from audit a where a.batch_id = b.id
		and a.action = 'batch.create') n from batch b) where n != 1;
	select 'credential ' || id || ' has no batch' from credential
	 where batch_id not in (select id from batch);
	select 'reset token ' || id || ' has no batch' from reset_token
	 where batch_id not in (select id from batch);
	select 'site ' || site_id || ': versions ' || min(version) || '..' ||
	       max(version) || ' in ' || count(*) || ' batches' from batch
	 group by site_id having min(version) != 1 or max(version) != count(*);" 2>&1)
	[ -z "$r" ] || viol batch "$1: $(echo "$r" | head -3 | tr '\n' ' ')"
	r=$(sql "select 'user ' || user_id || ' has ' || count(*) || ' current passwords'
		   from credential where state = 'current' group by user_id having count(*) > 1" 2>&1)
	[ -z "$r" ] || viol current "$1: $(echo "$r" | head -3 | tr '\n' ' ')"
	tp audit verify >/dev/null 2>"$T/.aerr" ||
		viol audit "$1: $(head -2 "$T/.aerr" | tr '\n' ' ')"
}

# killrun DELAY_MS ARGS...: runs tempass ARGS in the background (output in
# k.out, k.err) and kills it with SIGKILL after DELAY_MS; sets RC to its
# exit status (137 when the kill came first).
killrun() {
	local d=$1; shift
	"$TEMPASS_BIN" --config "$T/pipeline.conf" "$@" >"$T/k.out" 2>"$T/k.err" &
	local pid=$!
	sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	RC=$?
}
# timed ARGS...: the run time of tempass ARGS in ms (the median of three).
timed() {
	local a b c t0
	for v in a b c; do
		t0=$(ms); tp "$@" >/dev/null 2>&1; printf -v "$v" %s $(($(ms) - t0))
	done
	printf '%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p
}
delay() { echo $((RANDOM * 32768 + RANDOM)) | awk -v m="$1" '{ print $1 % (m + 1) }'; }

# ---- the school: two exports of 2000 pupils, each with two bad rows, so
# every import changes 120 users and writes a rejects file.
bad='999901,,Bad,Date,31/02/2014,F,Year 7,7A,,
999902,,Also,Bad,01/01/2014,F,Year 7,7A,not-an-email,Maybe'
{ "$PY" "$ROOT/tests/gen_roster.py" 2000 --seed 11; echo "$bad"; } >ra.csv
{ "$PY" "$ROOT/tests/gen_roster.py" 2000 --seed 11 --leavers 20 --movers 100; echo "$bad"; } >rb.csv
# fp: the users and their groups, as import leaves them.
fp() {
	sql "select u.username, u.external_id, u.status, u.forename, u.surname,
		u.email, u.email_verified, u.updated_at, (select group_concat(name, '+')
		from (select g.name from membership m join grp g on g.id = m.group_id
		      where m.user_id = u.id order by g.name))
	     from user u order by u.id" | sha256sum | cut -c1-16
}
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "import the 2000 pupils (two rows rejected)" 65 tp import ra.csv
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
years=(--group 'Year 7' --group 'Year 8' --group 'Year 9' --group 'Year 10' --group 'Year 11')
tp select "${years[@]}" >sel.tsv 2>/dev/null
check_exit "a first batch for everyone" 0 tp regenerate --admin demo --password-file pw --yes --input sel.tsv
tp import rb.csv >/dev/null 2>&1
FB=$(fp); mkdir ref; cp out/students.rejects.csv ref/rejects-b.csv
tp import ra.csv >/dev/null 2>&1
FA=$(fp); cp out/students.rejects.csv ref/rejects-a.csv
check "the two exports differ" test "$FA" != "$FB" -a -n "$FA"
store_ok "before any kill"
check_eq "the store is consistent before the kills" "$(cut -f1 "$T/viol" | sort -u | tr '\n' ' ')" ""

# ==== import
# Each run imports the export that is not applied, so it changes 120
# users, revokes the leavers' passwords and writes its rejects.
t0=$(ms); tp import rb.csv >/dev/null 2>&1
t1=$(ms); tp import ra.csv >/dev/null 2>&1
tms=$(($(ms) - t1)); [ $((t1 - t0)) -gt "$tms" ] && tms=$((t1 - t0))
tms=$((tms * 3 / 2 + 20))
kills=0 runs=0
: >"$T/viol"
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt $((KILLS * 3)) ]; do
	runs=$((runs + 1))
	before=$(fp)
	if [ "$before" = "$FA" ]; then roster=rb.csv want=$FB; else roster=ra.csv want=$FA; fi
	killrun "$(delay "$tms")" import "$roster"
	after=$(fp)
	if [ "$RC" -eq 137 ]; then
		kills=$((kills + 1))
		[ "$after" = "$before" ] || [ "$after" = "$want" ] ||
			viol atomic "kill $kills: the users are neither as before nor as imported"
	else
		[ "$RC" -eq 65 ] && [ "$after" = "$want" ] ||
			viol atomic "run $runs: exit $RC (want 65), users imported: $([ "$after" = "$want" ] && echo yes || echo no)"
	fi
	for f in $(ls -A out); do
		case $f in
		students.rejects.csv)
			cmp -s out/$f ref/rejects-a.csv || cmp -s out/$f ref/rejects-b.csv ||
				viol files "kill $kills: out/$f is not a complete rejects file ($(wc -c <out/$f) bytes)" ;;
		*)	viol files "kill $kills: unexpected out/$f" ;;
		esac
	done
	store_ok "import kill $kills"
done
echo "# import: $SECONDS s; $tms ms window, $kills kills in $runs runs"
report atomic "import killed $kills times ($((runs - kills)) runs finished): users as before or fully imported after each"
report integrity "import killed $kills times: integrity_check ok after each"
report batch "import killed $kills times: every batch complete, versions consecutive after each"
report current "import killed $kills times: no user with two current passwords after each"
report audit "import killed $kills times: audit verify passes after each"
report files "import killed $kills times: out_dir holds only a complete rejects file, no temporary"
check "import killed at least $KILLS times" test "$kills" -ge "$KILLS"
check_exit "after the kills, an import completes" 65 tp import rb.csv
check_eq "and leaves the users as imported" "$(fp)" "$FB"

# ==== regenerate
# Every run regenerates everyone, so after each kill the current
# passwords must all belong to one batch, the newest.
tp select "${years[@]}" >sel.tsv 2>/dev/null
nsel=$(rows sel.tsv)
regen=(regenerate --admin demo --password-file "$T/pw" --yes --input "$T/sel.tsv")
tms=$(timed "${regen[@]}")
tms=$((tms * 3 / 2 + 20))
kills=0 runs=0
: >"$T/viol"
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt $((KILLS * 3)) ]; do
	runs=$((runs + 1))
	v0=$(sql 'select max(version) from batch')
	killrun "$(delay "$tms")" "${regen[@]}"
	v1=$(sql 'select max(version) from batch')
	if [ "$RC" -eq 137 ]; then
		kills=$((kills + 1))
		[ "$v1" -eq "$v0" ] || [ "$v1" -eq $((v0 + 1)) ] ||
			viol version "kill $kills: version went from $v0 to $v1"
	else
		[ "$RC" -eq 0 ] && [ "$v1" -eq $((v0 + 1)) ] &&
		  [ "$(rows k.out)" -eq "$nsel" ] && [ "$(col k.out version | sort -u)" = "$v1" ] ||
			viol version "run $runs: exit $RC, version $v0 -> $v1, $(rows k.out) rows of $nsel"
	fi
	r=$(sql "select count(*) || ' ' || count(distinct c.batch_id) || ' ' || max(b.version)
		 from credential c join batch b on b.id = c.batch_id where c.state = 'current'")
	[ "$r" = "$nsel 1 $v1" ] ||
		viol onebatch "kill $kills: current passwords, batches, newest version: $r (want $nsel 1 $v1)"
	store_ok "regenerate kill $kills"
done
echo "# regenerate: $SECONDS s; $tms ms window, $kills kills in $runs runs, $(sql 'select max(version) from batch') batches"
report version "regenerate killed $kills times ($((runs - kills)) runs finished): no batch or the next one, finished runs wrote every row"
report integrity "regenerate killed $kills times: integrity_check ok after each"
report batch "regenerate killed $kills times: every batch complete (count = credentials = issue events), versions consecutive after each"
report current "regenerate killed $kills times: no user with two current passwords after each"
report onebatch "regenerate killed $kills times: every selected user's current password is of the newest batch after each"
report audit "regenerate killed $kills times: audit verify passes after each"
check "regenerate killed at least $KILLS times" test "$kills" -ge "$KILLS"
v0=$(sql 'select max(version) from batch')
check_exit "after the kills, a regenerate completes" 0 tp "${regen[@]}"
cp "$T/.out" final.tsv
check_eq "as the next version, with every row" "$(col final.tsv version | sort -u) $(rows final.tsv)" "$((v0 + 1)) $nsel"

# ==== emit
# Outputs are deterministic, so a complete file has the bytes of a
# reference run. The modes: a new file; --force over an older complete one
# (of a shorter list, so old and new differ); one file per group.
mkdir -p ref/new ref/old
head -101 final.tsv >short.tsv
ver=$(col final.tsv version | sort -u)
modes=("pdf" "pdf --layout classlist" "xlsx")
names=("oakfield-v$ver-strips.pdf" "oakfield-v$ver-classlist.pdf" "oakfield-v$ver.xlsx")
for i in 0 1 2; do
	tp emit ${modes[$i]} --input final.tsv -o "ref/new/${names[$i]}" >/dev/null 2>&1
	tp emit ${modes[$i]} --input short.tsv -o "ref/old/${names[$i]}" >/dev/null 2>&1
done
tp emit pdf --per-group --input final.tsv -o ref/pg >/dev/null 2>&1
check_eq "reference outputs" "$(ls ref/new ref/old | grep -c .) $(ls ref/pg | wc -l)" "6 5"
rm -rf out; mkdir -m 700 out
tms=$(timed emit pdf --input "$T/final.tsv" -o "$T/ref/timing.pdf" --force)
t1=$(timed emit pdf --per-group --input "$T/final.tsv" -o "$T/ref/timing" --force)
[ "$t1" -gt "$tms" ] && tms=$t1
tms=$((tms * 3 / 2 + 20))
kills=0 runs=0 forced=0
: >"$T/viol"
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt $((KILLS * 3)) ]; do
	runs=$((runs + 1))
	i=$((runs % 4)) force=$(((runs / 4) % 2))
	rm -rf out/* out/.[!.]*
	if [ "$i" -eq 3 ]; then
		killrun "$(delay "$tms")" emit pdf --per-group --input "$T/final.tsv" -o "$T/out/pg"
	elif [ "$force" -eq 1 ]; then
		cp "ref/old/${names[$i]}" out/
		killrun "$(delay "$tms")" emit ${modes[$i]} --force --input "$T/final.tsv"
	else
		killrun "$(delay "$tms")" emit ${modes[$i]} --input "$T/final.tsv"
	fi
	[ "$RC" -eq 137 ] && kills=$((kills + 1)) && [ "$force" -eq 1 ] && [ "$i" -ne 3 ] && forced=$((forced + 1))
	[ "$RC" -eq 137 ] || [ "$RC" -eq 0 ] || viol exit "run $runs: emit exited $RC: $(head -1 k.err)"
	for f in $(ls -A out) $(ls -A out/pg 2>/dev/null | sed 's#^#pg/#'); do
		case $f in
		pg) [ "$i" -eq 3 ] || viol files "run $runs: unexpected out/pg" ;;
		pg/*) cmp -s "out/$f" "ref/$f" ||
			viol files "run $runs: out/$f is not complete ($(wc -c <"out/$f") bytes)" ;;
		*)	if [ "$f" != "${names[$i]}" ] || [ "$i" -eq 3 ]; then
				viol files "run $runs: unexpected out/$f (a temporary?)"
			elif cmp -s "out/$f" "ref/new/$f"; then :
			elif [ "$force" -eq 1 ] && cmp -s "out/$f" "ref/old/$f"; then :
			else viol files "run $runs: out/$f is neither the old nor the new file ($(wc -c <"out/$f") bytes)"
			fi ;;
		esac
	done
	if [ "$RC" -eq 0 ]; then
		if [ "$i" -eq 3 ]; then
			[ "$(ls out/pg | wc -l)" -eq 5 ] || viol files "run $runs: finished with $(ls out/pg | wc -l) of 5 files"
		else
			cmp -s "out/${names[$i]}" "ref/new/${names[$i]}" || viol files "run $runs: finished but out/${names[$i]} is not the new file"
		fi
	fi
done
echo "# emit: $SECONDS s; $tms ms window, $kills kills in $runs runs"
report files "emit killed $kills times ($forced with --force over an older file, $((runs - kills)) runs finished): out_dir holds only complete files, no temporary"
report exit "emit: every run that was not killed succeeded"
check "emit killed at least $KILLS times" test "$kills" -ge "$KILLS"
check_eq "emit did not touch the store" "$(cut -f1 "$T/viol" | grep -c -v -e files -e exit)" 0

# ==== send
# Rounds of about 50 reset emails (four registration groups), each sent by
# send runs killed at random points until one finishes; then one last
# send. Every delivery's Message-ID must have arrived exactly once.
rm -f "$T/port"
"$PY" "$ROOT/tests/smtp_server.py" --out "$T/got" --port-file "$T/port" \
	--max-seconds 300 >/dev/null 2>"$T/server.err" &
SERVER=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port" 2>/dev/null)
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
# The sends so far: each email.sent event once per delivery sent.
send_ok() {
	local r
	r=$(sql "select d.file || ': ' || d.state || ' with ' || count(a.id) || ' email.sent events'
		 from delivery d left join audit a on a.action = 'email.sent'
		  and a.user_id = d.user_id and a.batch_id = d.batch_id
		 group by d.id having count(a.id) != (d.state = 'sent')")
	[ -z "$r" ] || viol recorded "$1: $(echo "$r" | head -2 | tr '\n' ' ')"
	[ -z "$(ls -A "$T/queue/tmp" 2>/dev/null)" ] || viol recorded "$1: files left in queue/tmp: $(ls -A "$T/queue/tmp" | head -3 | tr '\n' ' ')"
}
: >"$T/viol"
notify_round 0
n0=$(queued)
t0=$(ms); tp send >/dev/null 2>&1; tsend=$(($(ms) - t0))
permsg=$((tsend / (n0 > 0 ? n0 : 1) + 1))
kills=0 runs=0 round=0
while [ "$kills" -lt "$KILLS" ] && [ "$round" -lt 40 ]; do
	round=$((round + 1))
	notify_round "$round"
	store_ok "send round $round queued"
	while [ "$(queued)" -gt 0 ] && [ "$runs" -lt $((KILLS * 4)) ]; do
		runs=$((runs + 1))
		killrun "$(delay $((30 + permsg * $(queued) * 3 / 2)))" send
		if [ "$RC" -eq 137 ]; then
			kills=$((kills + 1))
		elif [ "$RC" -ne 0 ]; then
			viol exit "run $runs: send exited $RC: $(head -1 k.err)"
			break
		fi
		send_ok "send kill $kills"
		store_ok "send kill $kills"
	done
done
check_exit "after the kills, send completes" 0 tp send
echo "# send: $SECONDS s; first $n0 in $tsend ms, $kills kills in $runs runs over $round rounds"
send_ok "the last send"
store_ok "the last send"
stop_server
# Each delivery's Message-ID against what arrived.
cat got/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^Message-ID: <\(.*\)>$/\1/p' | sort | uniq -c |
	awk '{ print $2 "\t" $1 }' >got.ids
sql "select message_id from delivery" | sort >queued.ids
ndel=$(wc -l <queued.ids)
lost=$(join -t $'\t' -v 1 queued.ids got.ids | wc -l)
twice=$(join -t $'\t' queued.ids got.ids | awk -F'\t' '$2 == 2' | wc -l)
more=$(join -t $'\t' queued.ids got.ids | awk -F'\t' '$2 > 2' | wc -l)
stray=$(cut -f1 got.ids | join -v 1 - queued.ids | wc -l)
echo "# send: $ndel messages queued, $twice received twice after $kills kills"
check_eq "send killed $kills times: every one of $ndel queued messages arrived (lost)" "$lost" 0
check_eq "send killed $kills times: none arrived three times or more" "$more" 0
check_eq "send: nothing arrived that was not queued" "$stray" 0
check "send killed $kills times: $twice message(s) arrived twice (accepted, then killed before recorded): at most one a kill, under a quarter of the kills" \
	test "$twice" -le "$kills" -a $((twice * 4)) -le "$kills"
check_eq "every delivery is recorded sent" "$(sql "select group_concat(distinct state) from delivery")" sent
check_eq "the queue's new/ is empty" "$(ls -A queue/new | wc -l)" 0
check_eq "every message is in cur/" "$(ls -A queue/cur | wc -l)" "$ndel"
report notify "send: every round's notify succeeded"
report exit "send: every run that was not killed succeeded"
report recorded "send killed $kills times: each sent delivery has one email.sent event, nothing left in tmp/, after each"
report integrity "send killed $kills times: integrity_check ok after each"
report batch "send killed $kills times: every batch complete after each"
report audit "send killed $kills times: audit verify passes after each"
check "send killed at least $KILLS times" test "$kills" -ge "$KILLS"
