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
	# 0711: a test that runs tempass as another user (lib.sh unprivileged)
	# reaches the socket; the folder stays unlistable.
	chmod 711 "$PG_DIR"
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
	pg_helpers
}

# pg_helpers: what the tests' SQLite queries need of the database
# (pg_sqlite_sql): SQLite's group_concat(), hex(), randomblob() and
# instr(); rows
# printed as sqlite3 prints them (sqlite_rows: a boolean as 1 or 0, NULL
# as nothing, columns separated by '|'); and integrity_check(), the
# counterpart of PRAGMA integrity_check: amcheck's check of every index of
# tempass's tables against its table ('ok' when whole, else an error).
pg_helpers() {
	pg_sql -c "CREATE FUNCTION gc_step(a text, b text, sep text) RETURNS text
		LANGUAGE sql IMMUTABLE AS \$\$ SELECT CASE WHEN b IS NULL THEN a
		WHEN a IS NULL THEN b ELSE a || sep || b END \$\$" \
		-c "CREATE FUNCTION gc_step(a text, b text) RETURNS text
		LANGUAGE sql IMMUTABLE AS \$\$ SELECT gc_step(a, b, ',') \$\$" \
		-c "CREATE AGGREGATE group_concat(text, text) (SFUNC = gc_step, STYPE = text)" \
		-c "CREATE FUNCTION gc_step(a text, b anynonarray) RETURNS text
		LANGUAGE sql IMMUTABLE AS \$\$ SELECT gc_step(a, b::text, ',') \$\$" \
		-c "CREATE AGGREGATE group_concat(anynonarray) (SFUNC = gc_step, STYPE = text)" \
		-c "CREATE FUNCTION hex(b bytea) RETURNS text LANGUAGE sql IMMUTABLE
		AS \$\$ SELECT upper(encode(b, 'hex')) \$\$" \
		-c "CREATE FUNCTION hex(t text) RETURNS text LANGUAGE sql IMMUTABLE
		AS \$\$ SELECT upper(encode(convert_to(t, 'UTF8'), 'hex')) \$\$" \
		-c "CREATE FUNCTION randomblob(n integer) RETURNS bytea
		LANGUAGE sql VOLATILE AS \$\$ SELECT decode(string_agg(lpad(to_hex(
		(random() * 255)::integer), 2, '0'), ''), 'hex')
		FROM generate_series(1, n) \$\$" \
		-c "CREATE FUNCTION instr(a text, b text) RETURNS integer
		LANGUAGE sql IMMUTABLE AS \$\$ SELECT strpos(a, b) \$\$" \
		-c "CREATE FUNCTION sqlite_rows(q text) RETURNS SETOF text
		LANGUAGE plpgsql AS \$\$ DECLARE r record; BEGIN
		FOR r IN EXECUTE q LOOP RETURN NEXT (SELECT string_agg(
			CASE json_typeof(v) WHEN 'boolean' THEN
				CASE WHEN v::text = 'true' THEN '1' ELSE '0' END
			WHEN 'null' THEN '' WHEN 'string' THEN v #>> '{}'
			ELSE v::text END, '|' ORDER BY o)
			FROM json_each(row_to_json(r)) WITH ORDINALITY AS e(k, v, o));
		END LOOP; END \$\$" \
		-c "CREATE EXTENSION amcheck" \
		-c "CREATE FUNCTION integrity_check() RETURNS text
		LANGUAGE plpgsql AS \$\$ DECLARE i regclass; BEGIN
		FOR i IN SELECT c.oid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
			JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE a.amname = 'btree' AND n.nspname = 'public' LOOP
			PERFORM bt_index_check(i, true);
		END LOOP; RETURN 'ok'; END \$\$" >/dev/null
}

# pg_start_or_skip: pg_start for a script about the server itself; without
# the server's binaries the script passes as skipped, and a server that
# will not start fails it: either way the script ends there.
pg_start_or_skip() {
	pg_start && return 0
	if [ -n "$PG_SKIP" ]; then ok "# skip $PG_SKIP"; else notok "the server starts"; fi
	exit 0
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

# pg_other_store CONF NAME: CONF's database a new one on the same server,
# made as the test's own was (pg_helpers), named by the test's and NAME,
# apart from other scripts' on a server they share (tests/run.sh).
pg_other_store() {
	local db
	db=$(pg_db)_$2
	pg_sql -d postgres -c "CREATE DATABASE $db" >/dev/null || return 1
	PG_URL="host=$PG_DIR user=postgres dbname=$db" pg_helpers || return 1
	awk -v db="host=$PG_DIR user=postgres dbname=$db" \
		'/^database *=/ { $0 = "database = " db } { print }' \
		"$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# pg_store_save NAME: a copy of the test's database, named by it and
# NAME (CREATE DATABASE from it as a template); pg_store_restore NAME: the
# test's database made from that copy again; pg_store_fresh: the test's
# database made anew, empty but for pg_helpers.
pg_db() { echo "${PG_URL##*dbname=}"; }
pg_store_save() {
	pg_sql -d postgres -c "CREATE DATABASE $(pg_db)_$1 TEMPLATE $(pg_db)" >/dev/null
}
pg_store_restore() {
	pg_sql -d postgres -c "DROP DATABASE $(pg_db) WITH (FORCE)" \
		-c "CREATE DATABASE $(pg_db) TEMPLATE $(pg_db)_$1" >/dev/null
}
pg_store_fresh() {
	pg_sql -d postgres -c "DROP DATABASE $(pg_db) WITH (FORCE)" \
		-c "CREATE DATABASE $(pg_db)" >/dev/null && pg_helpers
}

# pg_sqlite_sql QUERY: a test's SQLite query on the PostgreSQL store, as
# sqlite3 prints it: the table user quoted (a reserved word here), a
# subquery in FROM given the alias PostgreSQL wants, char() as chr(),
# strftime('%s', TIME) as the epoch of TIME,
# PRAGMA integrity_check as integrity_check() (pg_helpers), PRAGMA
# wal_checkpoint as CHECKPOINT, each SELECT's
# rows through sqlite_rows() (booleans as 1 and 0, columns separated by
# '|'); statements separated by ';' run in turn.
pg_sqlite_sql() {
	pg_sql -c "$("${PYTHON:-/usr/bin/python3}" -c '
import re, sys

def alias(q):
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
	return out + q[i:]

def one(q):
	q = q.strip()
	if re.fullmatch(r"pragma\s+integrity_check", q, flags=re.I):
		q = "select integrity_check()"
	if re.fullmatch(r"pragma\s+wal_checkpoint.*", q, flags=re.I):
		q = "checkpoint"
	q = re.sub(r"\b(from|join|update|into)\s+user\b",
		   lambda m: m.group(1) + " " + chr(34) + "user" + chr(34),
		   q, flags=re.I)
	q = re.sub(r"\bchar\(", "chr(", q, flags=re.I)
	q = re.sub(r"\bstrftime\(\s*.%s.\s*,\s*(.[^\x27]*.)\s*\)",
		   r"extract(epoch from timestamptz \1)::bigint", q, flags=re.I)
	q = alias(q)
	if re.match(r"(select|with)\b", q, flags=re.I):
		q = "SELECT * FROM sqlite_rows($sqlite$" + q + "$sqlite$)"
	return q

print(";\n".join(one(q) for q in sys.argv[1].split(";") if q.strip()))' "$1")"
}
