#!/usr/bin/env bash
# Runs every unit test binary and every end-to-end script, each of which
# prints TAP-style "ok - ..." / "not ok - ..." lines, and ends with the line
# "N passed, N failed". Exit status 0 only when nothing failed.
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
filter=${1:-}
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	local name=$1; shift
	"$@" >"$log" 2>&1
	local rc=$?
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

for t in tests/unit/test_*; do
	case $t in *.c) continue ;; esac
	[ -x "$t" ] || continue
	[ -n "$filter" ] && [[ $t != *$filter* ]] && continue
	run_one "$t" "$t"
done
for t in tests/e2e/*.sh; do
	[ -n "$filter" ] && [[ $t != *$filter* ]] && continue
	run_one "$t" bash "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
