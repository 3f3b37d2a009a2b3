# lib.sh: shared by the end-to-end tests. Each test script sources it, gets a
# fresh work folder with its own pipeline.conf and database, runs the real
# binary and reports each check as "ok - ..." or "not ok - ...".
set -u
: "${TEMPASS_BIN:?run through tests/run.sh}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/tempass-test.XXXXXX")
trap 'stop_smtp; rm -rf "$T"' EXIT
cd "$T"
# .began: when the test began, for store_wal (the folder's own time moves on
# with every file the test writes).
touch .began
export TEMPASS_NOW=${TEMPASS_NOW:-2026-09-03T08:14:00Z}
unset TEMPASS_CONFIG

# tp ARGS...: the binary with the test's configuration.
tp() { "$TEMPASS_BIN" --config "$T/pipeline.conf" "$@"; }

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# check NAME CMD...: ok when CMD succeeds.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

# check_exit NAME WANT CMD...: ok when CMD exits with status WANT.
check_exit() {
	local name=$1 want=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else
		notok "$name (exit $rc, want $want)"; sed 's/^/   | /' "$T/.err" | head -20
	fi
}

# check_grep NAME PATTERN FILE: ok when FILE has a line matching PATTERN.
check_grep() {
	if grep -q -- "$2" "$3"; then ok "$1"; else
		notok "$1 (no '$2' in $3)"; sed 's/^/   | /' "$3" | head -20
	fi
}

check_nogrep() {
	if ! grep -q -- "$2" "$3"; then ok "$1"; else
		notok "$1 ('$2' found in $3)"; grep -- "$2" "$3" | head -5 | sed 's/^/   | /'
	fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else notok "$1 (got '$2', want '$3')"; fi
}

# col TSV COLUMN: the values of COLUMN in a record stream (TSV).
col() {
	awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		k { print $k }' "$1"
}

# same_pairs A B: how many keys have the same value in A and B, two
# lists of "key<TAB>value" lines.
same_pairs() {
	join -t "$(printf '\t')" <(sort "$1") <(sort "$2") |
		awk -F'\t' '$2 == $3' | wc -l
}

# same_passwords OLD NEW: how many users (by username) have the same
# password in the record streams OLD and NEW. Two users' random passwords
# may be equal by chance; one user's old and new ones almost never are.
same_passwords() {
	same_pairs <(paste <(col "$1" username) <(col "$1" password)) \
		<(paste <(col "$2" username) <(col "$2" password))
}

# sql QUERY: runs QUERY on the test database (on PostgreSQL, see below).
# sql_dump: the whole store as text, to compare before and after.
sql() { sqlite3 "$T/var/tempass.db" "$@"; }
sql_dump() { sqlite3 "$T/var/tempass.db" .dump; }

# store_save NAME, store_restore NAME: a copy of the test's store kept
# as NAME, and the store made that copy again; store_fresh: the store
# emptied, as before the first run (on PostgreSQL, see pg.sh).
store_save() { sqlite3 "$T/var/tempass.db" ".backup '$T/$1.db'"; }
store_restore() {
	rm -f "$T/var/tempass.db-wal" "$T/var/tempass.db-shm"
	cp "$T/$1.db" "$T/var/tempass.db"
}
store_fresh() { rm -f "$T/var/tempass.db" "$T/var/tempass.db-wal" "$T/var/tempass.db-shm"; }

# TEMPASS_TEST_STORE=pg: the tests' store is a private PostgreSQL server
# (tests/pg.sh) that write_conf starts; sql runs there (pg_sqlite_sql).
if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
	. "$ROOT/tests/pg.sh"
	sql() {
		if [ "$1" = .dump ]; then sql_dump; else pg_sqlite_sql "$@"; fi
	}
	store_save() { pg_store_save "$@"; }
	store_restore() { pg_store_restore "$@"; }
	store_fresh() { pg_store_fresh; }
	# pg_dump's \restrict key is new each time; a sequence's value is
	# not the store's content (a rolled-back insert moves it on).
	sql_dump() {
		pg_dump -d "$PG_URL" |
			grep -v -e '^\\\(un\)\?restrict ' -e '^SELECT pg_catalog.setval('
	}
fi

# other_store CONF NAME: on PostgreSQL, CONF (a copy of the test's
# pipeline.conf, whose database file the test moved) given a new database
# NAME on the test's server; on SQLite nothing. sql_in CONF QUERY runs
# QUERY on CONF's store.
other_store() {
	[ "${TEMPASS_TEST_STORE:-}" != pg ] || pg_other_store "$@"
}
sql_in() {
	local db
	db=$(sed -n 's/^database *= *//p' "$1")
	shift
	if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
		PG_URL=$db pg_sqlite_sql "$@"
	else
		sqlite3 "$db" "$@"
	fi
}

# hold_wal: a second connection to the SQLite store held open, which keeps
# the WAL from being checkpointed away when tempass exits, until
# release_wal (or the exit); PostgreSQL keeps its WAL: nothing to hold.
WAL_HOLDER=
hold_wal() {
	[ "${TEMPASS_TEST_STORE:-}" != pg ] || return 0
	mkfifo "$T/hold"
	sqlite3 "$T/var/tempass.db" <"$T/hold" >/dev/null 2>&1 &
	WAL_HOLDER=$!
	exec 9>"$T/hold"
	trap 'release_wal; stop_smtp; rm -rf "$T"' EXIT
	echo 'select count(*) from user;' >&9
}
release_wal() {
	[ -n "$WAL_HOLDER" ] || return 0
	exec 9>&-
	wait "$WAL_HOLDER" 2>/dev/null
	WAL_HOLDER=
}

# store_files CONF, store_wal CONF: the files on disk that hold CONF's
# store, and its WAL: the SQLite file and its -wal; on PostgreSQL the
# database's folder in the server's cluster, and the segments of the
# server's WAL written since the test began (the server may be shared).
store_files() {
	if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
		ls -d "$PG_DIR/data/base/$(sql_in "$1" "select oid from pg_database where datname = current_database()")"/*
	else
		sed -n 's/^database *= *//p' "$1"
	fi
}
store_wal() {
	if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
		find "$PG_DIR/data/pg_wal" -maxdepth 1 -name '0*' -newer "$T/.began"
	else
		echo "$(sed -n 's/^database *= *//p' "$1")-wal"
	fi
}

# pg_skip WHY: on PostgreSQL, a check of SQLite's own devices (its file,
# PRAGMAs, WAL) that has no counterpart there is reported skipped, and
# pg_skip fails; on SQLite it succeeds and prints nothing:
#   pg_skip "no database file" || { check ...; }
pg_skip() {
	[ "${TEMPASS_TEST_STORE:-}" = pg ] || return 0
	ok "# skip on PostgreSQL: $1"
	return 1
}

# write_conf: the samples' pipeline.conf, pointed at this folder.
write_conf() {
	sed -e "s#^database *=.*#database = $T/var/tempass.db#" \
	    -e "s#^key_file *=.*#key_file = $T/keys/tempass.key#" \
	    -e "s#^out_dir *=.*#out_dir = $T/out#" \
	    -e "s#^queue_dir *=.*#queue_dir = $T/queue#" \
	    -e "s#@ROOT@#$ROOT#g" \
	    "$ROOT/tests/fixtures/pipeline.conf" >"$T/pipeline.conf"
	[ "${TEMPASS_TEST_STORE:-}" = pg ] && pg_use_store "$T/pipeline.conf"
	return 0
}

# sample_batch OUT [GROUP]: the sample roster imported, admin 'demo'
# (password file $T/pw) added, and a batch for GROUP (default 7A)
# regenerated into OUT; each step checked.
sample_batch() {
	check_exit "import the sample roster" 0 tp import
	printf 'correct horse battery\n' >"$T/pw"
	chmod 600 "$T/pw"
	check_exit "admin added" 0 tp admin add demo --site oakfield --password-file "$T/pw"
	tp select --group "${2:-7A}" >"$T/sel.tsv" 2>/dev/null
	check_exit "a batch for ${2:-7A}" 0 tp regenerate --password-file "$T/pw" --yes --input "$T/sel.tsv"
	cp "$T/.out" "$1"
	check "the batch holds passwords" test "$(col "$1" password | wc -l)" -gt 5
}

# unprivileged DIR: sets the array `as` to what runs a command where file
# permissions hold: nothing for a user other than root; as root, setpriv
# to nobody, who is given DIR (and may pass through $T); (skip) when root
# cannot switch.
unprivileged() {
	as=()
	[ "$(id -u)" -eq 0 ] || return 0
	if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
		chown -R nobody:nogroup "$1"
		chmod 711 "$T"
	else
		as=(skip)
	fi
}

# start_smtp DIR SECONDS [ARGS...]: a real SMTP server on 127.0.0.1
# (tests/smtp_server.py, ARGS passed on), keeping what it accepts in
# DIR/got and stopping by itself after SECONDS; sets SMTP_PID and PORT
# (empty when it did not start). stop_smtp ends it; the exit trap too.
SMTP_PID=
start_smtp() {
	local dir=$1 secs=$2
	shift 2
	rm -f "$dir/port"
	"${PYTHON:-/usr/bin/python3}" "$ROOT/tests/smtp_server.py" \
		--out "$dir/got" --port-file "$dir/port" --max-seconds "$secs" \
		"$@" >/dev/null 2>"$dir/server.err" &
	SMTP_PID=$!
	for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
	PORT=$(cat "$dir/port" 2>/dev/null)
}
stop_smtp() {
	[ -n "$SMTP_PID" ] || return 0
	kill "$SMTP_PID" 2>/dev/null
	wait "$SMTP_PID" 2>/dev/null
	SMTP_PID=
}
