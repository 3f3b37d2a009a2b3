# faults_busy: concurrent use. Four regenerations and two imports of the
# same school run at once, on overlapping groups, for several rounds; each
# must finish, or fail cleanly as busy (exit 75, saying so), and never leave
# a corrupt or interleaved batch: versions consecutive, each batch's
# credentials exactly the users of one process's output, the passwords the
# store holds the ones that process printed. Then a writer that holds the
# database longer than the busy timeout: regenerate and import give up with
# exit 75 and a clear message, print no password and change nothing.
. "$(dirname "$0")/../lib.sh"
PY=${PYTHON:-/usr/bin/python3}
. "$ROOT/tests/faults_lib.sh"
write_conf
cp "$TEMPASS_BIN" "$T/tempass" && TEMPASS_BIN=$T/tempass
ROUNDS=${FAULTS_ROUNDS:-4}

"$PY" "$ROOT/tests/gen_roster.py" 2000 --seed 12 >ra.csv
"$PY" "$ROOT/tests/gen_roster.py" 2000 --seed 12 --leavers 20 --movers 100 >rb.csv
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "import 2000 pupils" 0 tp import ra.csv
check_exit "import the other export (20 left, 100 moved)" 0 tp import rb.csv
FB=$(fp)
check_exit "and the first again" 0 tp import ra.csv
FA=$(fp)
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw

sels=("--group Year_7 --group Year_8"
      "--group 7A --group 7B --group 8A --group Year_9"
      "--group Year_8 --group Year_9 --group Year_10"
      "--group Year_7 --group Year_8 --group Year_9 --group Year_10 --group Year_11")
: >"$T/viol"
nbusy=0 nok=0
for round in $(seq 1 "$ROUNDS"); do
	for i in 0 1 2 3; do
		# shellcheck disable=SC2086
		set -- ${sels[$i]}
		tp select "${@//_/ }" >s$i.tsv 2>/dev/null
	done
	v0=$(sql 'select coalesce(max(version), 0) from batch')
	pids=()
	for i in 0 1 2 3; do
		"$TEMPASS_BIN" --config "$T/pipeline.conf" regenerate --admin demo \
			--password-file "$T/pw" --yes --input "$T/s$i.tsv" >o$i.tsv 2>e$i &
		pids+=($!)
	done
	"$TEMPASS_BIN" --config "$T/pipeline.conf" import "$T/ra.csv" >/dev/null 2>e4 &
	pids+=($!)
	"$TEMPASS_BIN" --config "$T/pipeline.conf" import "$T/rb.csv" >/dev/null 2>e5 &
	pids+=($!)
	rcs=()
	for p in "${pids[@]}"; do wait "$p"; rcs+=($?); done
	echo "# round $round: exit statuses ${rcs[*]}"
	vs=()
	for i in 0 1 2 3 4 5; do
		case ${rcs[$i]} in
		0) nok=$((nok + 1)) ;;
		75) nbusy=$((nbusy + 1))
		    grep -q "database is busy" e$i ||
			viol exit "round $round, process $i: exit 75 without saying busy: $(head -1 e$i)" ;;
		*) viol exit "round $round, process $i: exit ${rcs[$i]}: $(head -1 e$i)" ;;
		esac
		[ "$i" -lt 4 ] || continue
		if [ "${rcs[$i]}" -ne 0 ]; then
			[ ! -s o$i.tsv ] || viol output "round $round, regenerate $i failed and printed $(rows o$i.tsv) rows"
			continue
		fi
		v=$(col o$i.tsv version | sort -u)
		case $v in
		''|*[!0-9]*) viol batch1 "round $round, regenerate $i: versions '$(echo "$v" | tr '\n' ' ')' in its output"; continue ;;
		esac
		vs+=("$v")
		# The batch holds exactly the users of this output.
		sql "select u.username from credential c join batch b on b.id = c.batch_id
		     join user u on u.id = c.user_id where b.version = $v order by 1" >b.users
		col o$i.tsv username | sort >o.users
		cmp -s b.users o.users ||
			viol batch1 "round $round, regenerate $i: batch v$v holds $(wc -l <b.users) users, its output $(wc -l <o.users), $(comm -3 b.users o.users | wc -l) differ"
		awk -F'\t' -v v="$v" 'NR == 1 { for (k = 1; k <= NF; k++) { if ($k == "username") u = k; if ($k == "password") p = k }; next }
			{ print $u "\t" v "\t" $p }' o$i.tsv >>printed.tsv
	done
	# Versions: this round's are v0+1.. with no gap or double.
	check_v=$(printf '%s\n' "${vs[@]}" | sort -n | tr '\n' ,)
	want_v=$(seq -s, $((v0 + 1)) $((v0 + ${#vs[@]}))),
	[ ${#vs[@]} -eq 0 ] && want_v=,
	[ "$check_v" = "$want_v" ] || [ "${#vs[@]}" -eq 0 ] ||
		viol versions "round $round: versions $check_v, want $want_v"
	[ "$(sql 'select coalesce(max(version), 0) from batch')" -eq $((v0 + ${#vs[@]})) ] ||
		viol versions "round $round: $(sql 'select coalesce(max(version), 0) from batch') is the newest version, want $((v0 + ${#vs[@]}))"
	f=$(fp)
	[ "$f" = "$FA" ] || [ "$f" = "$FB" ] || viol import "round $round: the users are as neither export left them"
	store_ok "round $round"
done
# Every current password is the one its batch's process printed (users
# the imports made leave and come back are listed with none current).
tp unclaimed --show --admin demo --password-file "$T/pw" --format tsv >shown.tsv 2>/dev/null
awk -F'\t' 'NR == 1 { for (k = 1; k <= NF; k++) { if ($k == "username") u = k
	if ($k == "version") v = k; if ($k == "password") p = k }; next }
	$p != "(no current password)" { print $u "\t" $v "\t" $p }' shown.tsv | sort >shown.pw
sort printed.tsv >printed.pw
what="$ROUNDS rounds of 4 regenerate and 2 import at once ($nok finished, $nbusy busy)"
report exit "$what: each finished, or failed with exit 75 saying the database is busy"
report output "$what: a regenerate that failed printed no password"
report batch1 "$what: each batch holds exactly the users of one output"
report versions "$what: versions consecutive, one a finished regenerate"
report import "$what: the users as one export or the other left them"
report_store "$what"
check "$what: $(wc -l <shown.pw) current passwords, each as printed by its process" \
	test -s shown.pw -a "$(comm -23 shown.pw printed.pw | wc -l)" -eq 0

# ==== a writer that keeps the database longer than the busy timeout (10 s)
# On PostgreSQL the writer holds the advisory lock of tempass's write
# transactions (core/store_pg.c, LOCK_WRITE), as BEGIN IMMEDIATE holds
# SQLite's; the store is named as the server names it.
dump() { sql_dump; }
holder() { printf 'begin immediate;\n.system touch %s/locked\n' "$T"; }
writer() { sqlite3 "$T/var/tempass.db"; }
store="'$T/var/tempass.db'"
if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
	holder() { printf 'begin;\nselect pg_advisory_xact_lock(%d);\n\\! touch %s/locked\n' 0x746d7077 "$T"; }
	writer() { psql -X -q -d "$PG_URL"; }
	store="PostgreSQL database '[^']*' on '$PG_DIR'"
fi
dump0=$(dump | sha256sum)
# It holds the lock until both have given up (at most a minute).
rm -f "$T/locked" "$T/release"
{ holder
  for _ in $(seq 600); do [ -e "$T/release" ] && break; sleep 0.1; done
  printf 'rollback;\n'; } |
	writer >/dev/null 2>&1 &
locker=$!
for _ in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
check "another writer holds the database" test -e "$T/locked"
t0=$(ms)
"$TEMPASS_BIN" --config "$T/pipeline.conf" regenerate --admin demo --password-file "$T/pw" \
	--yes --input "$T/s0.tsv" >lo.tsv 2>le1 &
p1=$!
"$TEMPASS_BIN" --config "$T/pipeline.conf" import "$T/rb.csv" >/dev/null 2>le2 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
waited=$(($(ms) - t0))
touch "$T/release"
wait $locker
check_eq "regenerate and import while it writes for longer than the busy timeout: exit 75" "$r1 $r2" "75 75"
check "they waited for the busy timeout first (${waited} ms)" test "$waited" -ge 9000
check_grep "regenerate says the database is busy and to try again" \
	"^tempass: regenerate: $store: database is busy (another tempass is writing to it); try again$" le1
check_grep "import says so too" "^tempass: import: .*database is busy.*try again" le2
check_eq "regenerate printed no password" "$(wc -c <lo.tsv)" 0
check_eq "nothing changed in the store" "$(dump | sha256sum)" "$dump0"
check_exit "once the writer is done, regenerate succeeds" 0 tp regenerate --admin demo \
	--password-file "$T/pw" --yes --input "$T/s0.tsv"
: >"$T/viol"
store_ok "after the busy writer"
report_store "after a writer held the database"
