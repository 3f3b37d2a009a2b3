#!/usr/bin/env bash
# Runs every unit test binary and every end-to-end script, each of which
# prints TAP-style "ok - ..." / "not ok - ..." lines, and ends with the line
# "N passed, N failed". Exit status 0 only when nothing failed.
#
# TEMPASS_TEST_STORE=pg (make test-pg): the end-to-end scripts only, on
# PostgreSQL: one private server for the whole run (tests/pg.sh), stopped
# at the end whatever happens, and a fresh database for each script, made
# from a template that holds the tests' helpers; the scripts of
# tests/pg_leave_out are left out, for the reason given there.
set -u
cd "$(dirname "$0")/.."
export PYTHON=${PYTHON:-/usr/bin/python3}
export TEMPASS_BIN=$PWD/tempass
# make check-valgrind: every run of the binary goes through valgrind.
if [ -n "${TEMPASS_VALGRIND:-}" ]; then
	export TEMPASS_REAL_BIN=$TEMPASS_BIN
	export TEMPASS_BIN=$PWD/tests/valgrind.sh
fi
export TESTS_DIR=$PWD/tests
# Arguments: only the tests whose path holds one of them ("e2e/void.sh").
filters=("$@")
wanted() {
	[ ${#filters[@]} -eq 0 ] && return 0
	for f in "${filters[@]}"; do
		[[ $1 == *"$f"* ]] && return 0
	done
	return 1
}
passed=0 failed=0
log=$(mktemp) out=$(mktemp -d)
trap 'rm -rf "$log" "$out"' EXIT
# Ctrl-C or a kill goes through the EXIT trap: the server is stopped.
trap 'exit 130' INT
trap 'exit 143' TERM

pg=
if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
	pg=1
	. tests/pg.sh
	if ! pg_start; then
		echo "not ok - the PostgreSQL server of the run starts${PG_SKIP:+: $PG_SKIP}"
		echo "0 passed, 1 failed"
		exit 1
	fi
	export TEMPASS_TEST_PG_HOST=$PG_DIR
	# Each script's database is a copy of pg_start's (helpers included).
	leave_out=$(awk '!/^#/ && NF { print $1 }' tests/pg_leave_out)
fi

# report NAME LOG RC: counts NAME's checks in LOG (its output; RC its exit
# status) and prints its summary, and LOG when something failed.
report() {
	local name=$1 log=$2 rc=$3
	local p f
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name (exited $rc)" >>"$log"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name (ran no check)" >>"$log"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		echo "== $name: $p passed, $f failed"
		sed 's/^/   /' "$log"
	else
		echo "== $name: $p passed"
	fi
}
run_one() {
	local name=$1; shift
	"$@" >"$log" 2>&1
	report "$name" "$log" $?
}
# pg_one SCRIPT OUT: SCRIPT on a database of its own, made for it and
# dropped after; its output in OUT.log, its exit status in OUT.rc.
pg_one() {
	local db=t${2##*/}
	pg_sql -d postgres -c "CREATE DATABASE $db TEMPLATE tempass" >/dev/null
	TEMPASS_TEST_PG_URL="host=$PG_DIR user=postgres dbname=$db" \
		bash "$1" >"$2.log" 2>&1
	echo $? >"$2.rc"
	pg_sql -d postgres -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
}

for t in tests/unit/test_*; do
	[ -n "$pg" ] && break
	case $t in *.c) continue ;; esac
	[ -x "$t" ] || continue
	wanted "$t" || continue
	run_one "$t" "$t"
done
# On PostgreSQL, TEMPASS_TEST_JOBS scripts at a time (default 1), each
# reported when all have ended, in order.
names=()
for t in tests/e2e/*.sh; do
	wanted "$t" || continue
	if [ -n "$pg" ]; then
		grep -qx "$(basename "$t" .sh)" <<<"$leave_out" && continue
		while [ "$(jobs -rp | wc -l)" -ge "${TEMPASS_TEST_JOBS:-1}" ]; do
			wait -n
		done
		pg_one "$t" "$out/${#names[@]}" &
		names+=("$t")
		continue
	fi
	run_one "$t" bash "$t"
done
wait
for i in "${!names[@]}"; do
	report "${names[$i]}" "$out/$i.log" "$(cat "$out/$i.rc" 2>/dev/null || echo 1)"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
