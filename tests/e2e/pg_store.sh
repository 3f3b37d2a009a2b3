# pg_store: a database setting that is a PostgreSQL connection string
# (postgresql://, postgres://, libpq keywords, service=) opens a
# PostgreSQL store through libpq, loaded only then; its schema is made
# once, at SQLite's version, however many processes open a new database
# at once; a stage PostgreSQL does not run yet is refused at its start
# (EX_UNAVAILABLE) with nothing written; a path keeps SQLite. The stages
# that run on it (groups, audit) give what they give on SQLite.
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

# ==== Stages that run on PostgreSQL: the same as on SQLite ====

# both NAME CMD...: CMD on a new SQLite store and on PostgreSQL (each's
# output in sqlite.out, pg.out) exits the same and writes the same.
both() {
	local name=$1; shift
	use "$T/var/same.db"
	"$@" >sqlite.out 2>sqlite.err; local a=$?
	use "$PG_URL"
	"$@" >pg.out 2>pg.err; local b=$?
	check_eq "$name: the same exit on both" "$b" "$a"
	check "$name: the same output on both" cmp -s sqlite.out pg.out
}
both "groups create" tp groups create "Chess club"
both "a name taken" tp groups create "Chess club"
check_grep "a name taken is refused" "Chess club" pg.err
for g in "Ëco club" "Art" "zoo keepers" "Éclairs"; do
	both "groups create $g" tp groups create "$g"
done
both "groups delete" tp groups delete Art
both "groups add of a user not there" tp groups add "Chess club" nobody
both "groups on PostgreSQL list as on SQLite" tp groups --format tsv
check_grep "custom groups are listed" "Chess club	custom	0" pg.out
both "groups --search folds accents" tp groups --search eco --format tsv
check_eq "--search eco finds Ëco club" "$(tail -n +2 pg.out | cut -f1)" "Ëco club"
both "groups --per-page" tp groups --per-page 2 --page 2 --format tsv

# The audit: the same events, and a chain that verifies; an edit is
# caught.
both "audit" tp audit --format tsv
check_eq "the audit lists each change" \
	"$(cut -f4 pg.out | grep -c '^group\.')" "$(cut -f4 sqlite.out | grep -c '^group\.')"
check "the audit holds events" test "$(grep -c '	group\.' pg.out)" -ge 6
use "$PG_URL"
check_exit "audit verify passes on PostgreSQL" 0 tp audit verify
check_exit "the log refuses an update" 1 pg_sql -c "UPDATE audit SET detail = 'x' WHERE id = 2"
pg_sql -c 'ALTER TABLE audit DISABLE TRIGGER audit_no_change' \
	-c "UPDATE audit SET detail = 'forged' WHERE id = 2" \
	-c 'ALTER TABLE audit ENABLE TRIGGER audit_no_change' >/dev/null
check_exit "an edited event is caught" 65 tp audit verify
check_grep "it names the event" "audit event 2 was edited" .err
