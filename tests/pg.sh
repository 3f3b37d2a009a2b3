# pg.sh: a private PostgreSQL server for tests. A test sources it (after
# lib.sh) and calls pg_start: a new cluster (initdb) in a folder of its own
# under /tmp, owned by the user who runs the server (as root, Debian's
# `postgres` system user, since the server refuses to run as root),
# listening on a Unix socket in that folder only (listen_addresses = ''),
# started with pg_ctl. It sets PG_DIR, PG_URL (a libpq connection string
# for the database `tempass`) and PG_PID. pg_stop stops the server and
# removes the folder; pg_start adds it to the EXIT trap, so a test that
# fails or exits early leaves no server behind. Without the server's
# binaries (Debian package postgresql), pg_start returns 1 and sets
# PG_SKIP to say why.
PG_DIR= PG_URL= PG_PID= PG_SKIP=

# pg_bin: the newest server binaries, /usr/lib/postgresql/*/bin.
pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

# pg_as CMD...: CMD as the user who owns the cluster, in its folder.
pg_as() (
	cd "$PG_DIR" || exit 1
	if [ "$(id -u)" -eq 0 ]; then
		exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
	fi
	exec "$@"
)

pg_start() {
	local bin prev
	if ! bin=$(pg_bin); then
		PG_SKIP="no PostgreSQL server binaries under /usr/lib/postgresql (Debian package postgresql)"
		return 1
	fi
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_SKIP="running as root and there is no postgres user to run the server"
		return 1
	fi
	PG_DIR=$(mktemp -d /tmp/tempass-pg.XXXXXX) || return 1
	prev=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
	trap "pg_stop; $prev" EXIT
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
	chmod 700 "$PG_DIR"
	if ! pg_as "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		sed 's/^/   | /' "$PG_DIR/initdb.log" | tail -5 >&2
		return 1
	fi
	# Tests need no durability: nothing is synced to disk.
	if ! pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
		-o "-c listen_addresses='' -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null 2>&1; then
		sed 's/^/   | /' "$PG_DIR/server.log" | tail -5 >&2
		return 1
	fi
	PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
	pg_as "$bin/createdb" -h "$PG_DIR" -U postgres tempass || return 1
	PG_URL="host=$PG_DIR user=postgres dbname=tempass"
	# SQLite's group_concat(), for the tests' queries (pg_sqlite_sql).
	pg_sql -c "CREATE FUNCTION gc_step(a text, b text, sep text) RETURNS text
		LANGUAGE sql IMMUTABLE AS \$\$ SELECT CASE WHEN b IS NULL THEN a
		WHEN a IS NULL THEN b ELSE a || sep || b END \$\$" \
		-c "CREATE FUNCTION gc_step(a text, b text) RETURNS text
		LANGUAGE sql IMMUTABLE AS \$\$ SELECT gc_step(a, b, ',') \$\$" \
		-c "CREATE AGGREGATE group_concat(text, text) (SFUNC = gc_step, STYPE = text)" \
		-c "CREATE FUNCTION gc_step(a text, b anynonarray) RETURNS text
		LANGUAGE sql IMMUTABLE AS \$\$ SELECT gc_step(a, b::text, ',') \$\$" \
		-c "CREATE AGGREGATE group_concat(anynonarray) (SFUNC = gc_step, STYPE = text)" ||
		return 1
}

pg_stop() {
	local bin
	[ -n "$PG_DIR" ] || return 0
	if [ -n "$PG_PID" ] && bin=$(pg_bin); then
		pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
			>/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR= PG_PID=
}

# pg_sql [-d DB] ARGS...: psql on the test database (or DB on the same
# server), unaligned, tuples only.
pg_sql() {
	local db=$PG_URL
	if [ "${1:-}" = -d ]; then db="host=$PG_DIR user=postgres dbname=$2"; shift 2; fi
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# pg_use_store CONF: CONF's [store] database is the private server's
# database, started first if need be (TEMPASS_TEST_STORE=pg, tests/lib.sh),
# or the database tests/run.sh made for this script on the run's server
# (TEMPASS_TEST_PG_URL, on the socket folder TEMPASS_TEST_PG_HOST), which
# the script neither starts nor stops.
pg_use_store() {
	if [ -z "$PG_URL" ] && [ -n "${TEMPASS_TEST_PG_URL:-}" ]; then
		PG_URL=$TEMPASS_TEST_PG_URL PG_DIR=$TEMPASS_TEST_PG_HOST
	fi
	if [ -z "$PG_URL" ] && ! pg_start; then
		echo "not ok - the PostgreSQL store of TEMPASS_TEST_STORE=pg starts${PG_SKIP:+: $PG_SKIP}"
		exit 1
	fi
	awk -v db="$PG_URL" '/^database *=/ { $0 = "database = " db } { print }' \
		"$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# pg_sqlite_sql QUERY: a test's SQLite query on the PostgreSQL store, as
# sqlite3 prints it: the table user quoted (a reserved word here), a
# subquery in FROM given the alias PostgreSQL wants, char() as chr(),
# group_concat() as SQLite's (pg_start), columns separated by '|'.
pg_sqlite_sql() {
	pg_sql -c "$("${PYTHON:-/usr/bin/python3}" -c '
import re, sys
q = re.sub(r"\b(from|join|update|into)\s+user\b",
	   lambda m: m.group(1) + " " + chr(34) + "user" + chr(34),
	   sys.argv[1], flags=re.I)
q = re.sub(r"\bchar\(", "chr(", q, flags=re.I)
out, i = "", 0
for m in re.finditer(r"\bfrom\s*\(", q, flags=re.I):
	depth, j = 0, m.end() - 1
	while j < len(q):
		depth += {"(": 1, ")": -1}.get(q[j], 0)
		if depth == 0:
			break
		j += 1
	if not re.match(r"\s*(as\b|[a-z_]\w*\s*(,|$|\)|where|join|on|order|group|limit))", q[j + 1:], flags=re.I):
		out += q[i:j + 1] + " AS sub"
		i = j + 1
print(out + q[i:])' "$1")"
}
