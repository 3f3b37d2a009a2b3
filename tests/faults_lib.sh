# faults_lib.sh: shared by the fault tests (tests/e2e/faults_*.sh), sourced
# after lib.sh. A fault test breaks a run many times and checks the same
# invariants after each break; one "ok - ..." line per invariant and stage
# says how it went, so what broke is collected first: viol records one
# broken invariant, report prints its line.

col() {
	awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		k { print $k }' "$1"
}
rows() { echo $(($(wc -l <"$1") - 1)); }
ms() { echo $(($(date +%s%N) / 1000000)); }

: >"$T/viol"
# viol PROPERTY WHAT: records a broken invariant.
viol() { printf '%s\t%s\n' "$1" "$2" >>"$T/viol"; }
# report PROPERTY TEXT: ok when nothing broke PROPERTY since the last
# reset (: >"$T/viol"), else not ok with the first few cases.
report() {
	local n
	n=$(grep -c "^$1	" "$T/viol")
	if [ "$n" -eq 0 ]; then ok "$2"; else
		notok "$2 ($n violation(s))"
		grep "^$1	" "$T/viol" | cut -f2- | head -5 | sed 's/^/   | /'
	fi
}

# store_ok WHEN: the store's invariants, each broken one recorded under
# integrity, batch (a batch whole: its count, rows and issue events agree,
# one batch.create, versions 1..N per site), current (one current password
# a user) or audit (the hash chain verifies).
store_ok() {
	local r
	r=$(sql "pragma integrity_check;
	select 'batch: batch v' || version || ' (' || kind || ') counts ' || count ||
	       ' but has ' || n || ' rows' from (select b.*, case b.kind
		when 'passwords' then (select count(*) from credential c where c.batch_id = b.id)
		else (select count(*) from reset_token r where r.batch_id = b.id) end n
		from batch b) where n != count;
	select 'batch: batch v' || version || ' counts ' || count || ' but has ' || n ||
	       ' issue events' from (select b.*, (select count(*) from audit a
		where a.batch_id = b.id and a.action in ('credential.issue', 'token.issue')) n
		from batch b) where n != count;
	select 'batch: batch v' || version || ' has ' || n || ' batch.create events'
	  from (select b.*, (select count(*) from audit a where a.batch_id = b.id
		and a.action = 'batch.create') n from batch b) where n != 1;
	select 'batch: credential ' || id || ' has no batch' from credential
	 where batch_id not in (select id from batch);
	select 'batch: reset token ' || id || ' has no batch' from reset_token
	 where batch_id not in (select id from batch);
	select 'batch: site ' || site_id || ': versions ' || min(version) || '..' ||
	       max(version) || ' in ' || count(*) || ' batches' from batch
	 group by site_id having min(version) != 1 or max(version) != count(*);
	select 'current: user ' || user_id || ' has ' || count(*) || ' current passwords'
	  from credential where state = 'current' group by user_id having count(*) > 1;" 2>&1)
	[ "$(echo "$r" | head -1)" = ok ] ||
		viol integrity "$1: $(echo "$r" | grep -v -e '^batch: ' -e '^current: ' | head -3 | tr '\n' ' ')"
	echo "$r" | grep -q '^batch: ' &&
		viol batch "$1: $(echo "$r" | sed -n 's/^batch: //p' | head -3 | tr '\n' ' ')"
	echo "$r" | grep -q '^current: ' &&
		viol current "$1: $(echo "$r" | sed -n 's/^current: //p' | head -3 | tr '\n' ' ')"
	tp audit verify >/dev/null 2>"$T/.aerr" ||
		viol audit "$1: $(head -2 "$T/.aerr" | tr '\n' ' ')"
	return 0
}
# report_store WHAT: the four lines of store_ok's invariants.
report_store() {
	report integrity "$1: integrity_check ok after each"
	report batch "$1: every batch whole (count = rows = issue events), versions consecutive after each"
	report current "$1: no user with two current passwords after each"
	report audit "$1: audit verify passes after each"
}

# killrun WINDOW_MS ARGS...: tempass ARGS in the background (output in
# k.out and k.err), killed with SIGKILL after a random delay from 0 to
# WINDOW_MS times F/100; RC is its exit status, 137 when the kill came
# first. $! is tempass itself: bash execs a simple command it forks.
# WINDOW_MS is a run's measured time, but runs slow down when the machine
# is busy: F grows a little after each kill and shrinks after each run that
# finished first, so that about one run in six finishes and the kills fall
# all over the run, whatever its speed (set F=100 before a new command).
F=100
killrun() {
	local d pid
	d=$(delay $(($1 * F / 100)))
	shift
	"$TEMPASS_BIN" --config "$T/pipeline.conf" "$@" >"$T/k.out" 2>"$T/k.err" &
	pid=$!
	sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	RC=$?
	if [ "$RC" -eq 137 ]; then F=$((F * 104 / 100 + 1)); else F=$((F * 80 / 100)); fi
	[ "$F" -ge 20 ] || F=20
}
# need_strace: ends the test, skipped, when strace cannot trace here.
need_strace() {
	local why
	if ! why=$(strace -f -qq -o /dev/null true 2>&1); then
		ok "skipped: strace cannot trace here: ${why:-strace is not installed}"
		exit 0
	fi
}
# killat PATH SYSCALL N ARGS...: tempass ARGS, killed with SIGKILL at its
# N-th SYSCALL on PATH (on any file when PATH is empty); RC is its exit
# status, 137 when it was killed.
killat() {
	local path=$1 sc=$2 n=$3 p=()
	shift 3
	[ -n "$path" ] && p=(-P "$path")
	{ strace -f -qq -o /dev/null "${p[@]}" -e trace="$sc" \
		-e inject="$sc":signal=KILL:when="$n" \
		"$TEMPASS_BIN" --config "$T/pipeline.conf" "$@" >"$T/k.out" 2>"$T/k.err"; } 2>/dev/null
	RC=$?
}
# timed ARGS...: the run time of tempass ARGS in ms, the median of three.
timed() {
	local a b c t0 v
	for v in a b c; do
		t0=$(ms); tp "$@" >/dev/null 2>&1; printf -v "$v" %s $(($(ms) - t0))
	done
	printf '%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p
}
# delay MAX: a number of ms from 0 to MAX, from the seeded $RANDOM.
delay() { echo $(((RANDOM * 32768 + RANDOM) % ($1 + 1))); }

# rosters N: ra.csv and rb.csv, two exports of the same school of N pupils
# (rb: 20 left, 100 moved), each with two bad rows, so each import of one
# after the other changes 120 users and writes a rejects file.
rosters() {
	local bad='999901,,Bad,Date,31/02/2014,F,Year 7,7A,,
999902,,Also,Bad,01/01/2014,F,Year 7,7A,not-an-email,Maybe'
	{ "$PY" "$ROOT/tests/gen_roster.py" "$1" --seed 11; echo "$bad"; } >"$T/ra.csv"
	{ "$PY" "$ROOT/tests/gen_roster.py" "$1" --seed 11 --leavers 20 --movers 100
	  echo "$bad"; } >"$T/rb.csv"
}
# fp: a digest of the users and their groups, as import leaves them.
fp() {
	sql "select u.username, u.external_id, u.status, u.forename, u.surname,
		u.email, u.email_verified, u.updated_at, (select group_concat(name, '+')
		from (select g.name from membership m join grp g on g.id = m.group_id
		      where m.user_id = u.id order by g.name))
	     from user u order by u.id" | sha256sum | cut -c1-16
}
YEARS=(--group 'Year 7' --group 'Year 8' --group 'Year 9' --group 'Year 10' --group 'Year 11')
