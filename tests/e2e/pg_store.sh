# pg_store: a database setting that is a PostgreSQL connection string
# (postgresql://, postgres://, libpq keywords, service=) opens a
# PostgreSQL store through libpq, loaded only then; its schema is made
# once, at SQLite's version, however many processes open a new database
# at once; a stage PostgreSQL does not run yet is refused at its start
# (EX_UNAVAILABLE) with nothing written; a path keeps SQLite.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"

if ! pg_start; then
	if [ -n "$PG_SKIP" ]; then ok "# skip $PG_SKIP"; exit 0; fi
	notok "the server starts"; exit 0
fi
write_conf
cp pipeline.conf sqlite.conf
# use DATABASE: the test's pipeline.conf with [store] database = DATABASE.
use() {
	awk -v db="$1" '/^database *=/ { $0 = "database = " db } { print }' \
		sqlite.conf >pipeline.conf
}

# A path keeps SQLite (and a fake libpq, below, is never loaded for it).
mkdir fakelib
: | cc -shared -x c -o fakelib/libpq.so.5 - 2>/dev/null
check_exit "a path keeps SQLite" 0 env LD_LIBRARY_PATH="$T/fakelib" \
	"$TEMPASS_BIN" --config "$T/pipeline.conf" import
check "its store is a SQLite file" test "$(sql 'PRAGMA user_version')" -gt 0
sqlite_version=$(sql 'PRAGMA user_version')

use "$PG_URL"
check_exit "a stage PostgreSQL does not run yet is refused" 69 tp import
check_grep "it says support is incomplete for that stage" \
	"^tempass: import: PostgreSQL database 'tempass' on '$PG_DIR': tempass's support for PostgreSQL is incomplete: import does not run" .err
check_eq "in one message" "$(wc -l <.err)" 1
check_eq "the schema is at SQLite's version" \
	"$(pg_sql -c 'SELECT max(version) FROM tempass_schema')" "$sqlite_version"
check_eq "nothing is written" "$(pg_sql -c 'SELECT count(*) FROM site')$(pg_sql -c 'SELECT count(*) FROM "user"')" 00

printf '[tp]\nhost=%s\nuser=postgres\ndbname=tempass\n' "$PG_DIR" >services
for form in "postgresql:///tempass?host=$PG_DIR&user=postgres" \
	    "postgres://postgres@/tempass?host=$PG_DIR" \
	    "  dbname=tempass host=$PG_DIR user=postgres"; do
	use "$form"
	check_exit "'$form' selects PostgreSQL" 69 tp users
	check_grep "'$form' reaches the database" "PostgreSQL database 'tempass'" .err
done
use "service=tp"
PGSERVICEFILE=$T/services check_exit "service=NAME selects PostgreSQL" 69 tp users
check_grep "service=NAME reaches the database" "PostgreSQL database 'tempass'" .err

# A database that cannot be reached: unavailable, and a password in the
# setting is never shown.
use "host=$PG_DIR user=postgres dbname=nosuch password=s3cret-pw"
check_exit "a database that is not there is unavailable" 69 tp users
check_grep "it says it cannot connect" "PostgreSQL database 'nosuch' on '$PG_DIR': cannot connect: " .err
check_nogrep "the password is not shown" "s3cret" .err

# libpq is loaded at run time: one that will not load is named.
use "$PG_URL"
check_exit "without a usable libpq the store is unavailable" 69 \
	env LD_LIBRARY_PATH="$T/fakelib" "$TEMPASS_BIN" --config "$T/pipeline.conf" users
check_grep "it names the Debian package" "cannot load libpq.so.5 (Debian package libpq5)" .err

# Four processes open a new database at once: each succeeds in opening
# it (and is refused only as a stage not yet done), the schema is made
# once, by one transaction.
pg_sql -c 'CREATE DATABASE fresh' >/dev/null
use "host=$PG_DIR user=postgres dbname=fresh"
for i in 1 2 3 4; do
	(tp users >/dev/null 2>"race$i.err"; echo $? >"race$i.rc") &
done
wait
for i in 1 2 3 4; do
	check_eq "opener $i at once exits as a stage not done" "$(cat "race$i.rc")" 69
	check_grep "opener $i met no error migrating" "support for PostgreSQL is incomplete" "race$i.err"
done
fresh="host=$PG_DIR user=postgres dbname=fresh"
check_eq "each version is applied once" \
	"$(psql -X -A -t -d "$fresh" -c 'SELECT count(*), count(DISTINCT version), count(DISTINCT applied_at) FROM tempass_schema')" \
	"$sqlite_version|$sqlite_version|1"
check_eq "the tables are made" \
	"$(psql -X -A -t -d "$fresh" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 15
