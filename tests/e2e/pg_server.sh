# pg_server: the private PostgreSQL server of the tests (tests/pg.sh)
# starts as an unprivileged user, answers on its Unix socket only, and
# leaves no process and no folder when stopped, or when the test that
# started it exits early.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"

pg_start_or_skip
ok "the server starts"
check_eq "it answers on its socket" "$(pg_sql -c 'SELECT 1')" 1
check_eq "it listens on no TCP address" "$(pg_sql -c 'SHOW listen_addresses')" ""
check_eq "its socket is in its own folder" \
	"$(pg_sql -c 'SHOW unix_socket_directories')" "$PG_DIR"
want=$(id -un); [ "$(id -u)" -eq 0 ] && want=postgres
check_eq "it runs as $want, not root" "$(ps -o user= -p "$PG_PID" | tr -d ' ')" "$want"
# stopped PID: the process is gone, or a zombie that init has yet to reap
# (a daemon's parent is init).
stopped() { [ -n "$1" ] && { [ ! -e "/proc/$1" ] || grep -q '^State:.*zombie' "/proc/$1/status"; }; }
pid=$PG_PID dir=$PG_DIR
pg_stop
check "the server is stopped" stopped "$pid"
check "its folder is removed" test ! -e "$dir"

# A test that exits on a failure still stops its server (the EXIT trap),
# and lib.sh's own trap still removes its work folder.
bash -c '. "$1/tests/lib.sh"; . "$1/tests/pg.sh"; pg_start || exit 9
	echo "$PG_PID $PG_DIR $T" >"$2"; exit 3' _ "$ROOT" "$T/early" >/dev/null 2>&1
check_eq "the early exit is the test's own" "$?" 3
read -r pid dir work <"$T/early"
check "its server is stopped" stopped "$pid"
check "its folder is removed" test -n "$dir" -a ! -e "$dir"
check "its work folder is removed too" test -n "$work" -a ! -e "$work"
