# pg_store: a database setting that is a PostgreSQL connection string
# (postgresql://, postgres://, libpq keywords, service=) opens a
# PostgreSQL store through libpq, loaded only then; its schema is made
# once, at SQLite's version, however many processes open a new database
# at once; a path keeps SQLite. The stages give what they give on SQLite
# (but for the random passwords).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"

pg_start_or_skip
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
check_exit "a stage opens the PostgreSQL store" 0 tp batches
check_eq "the schema is at SQLite's version" \
	"$(pg_sql -c 'SELECT max(version) FROM tempass_schema')" "$sqlite_version"

printf '[tp]\nhost=%s\nuser=postgres\ndbname=forms\n' "$PG_DIR" >services
# Each form of a connection string, on a database of its own.
pg_sql -c 'CREATE DATABASE forms' >/dev/null
n=0
for form in "postgresql:///forms?host=$PG_DIR&user=postgres" \
	    "postgres://postgres@/forms?host=$PG_DIR" \
	    "  dbname=forms host=$PG_DIR user=postgres"; do
	use "$form"
	check_exit "'$form' selects PostgreSQL" 0 tp groups create "g$((++n))"
	check_eq "'$form' reaches the database" \
		"$(pg_sql -d forms -c "SELECT count(*) FROM grp WHERE name = 'g$n'")" 1
done
use "service=tp"
PGSERVICEFILE=$T/services check_exit "service=NAME selects PostgreSQL" 0 tp groups create g4
check_eq "service=NAME reaches the database" \
	"$(pg_sql -d forms -c "SELECT count(*) FROM grp WHERE name = 'g4'")" 1

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

# Four processes open a new database at once: each succeeds, the schema
# is made once, by one transaction.
pg_sql -c 'CREATE DATABASE fresh' >/dev/null
use "host=$PG_DIR user=postgres dbname=fresh"
for i in 1 2 3 4; do
	(tp groups create "club $i" >/dev/null 2>"race$i.err"; echo $? >"race$i.rc") &
done
wait
for i in 1 2 3 4; do
	check_eq "opener $i at once succeeds" "$(cat "race$i.rc")" 0
	check_eq "opener $i met no error" "$(cat "race$i.err")" ""
done
fresh="host=$PG_DIR user=postgres dbname=fresh"
check_eq "each version is applied once" \
	"$(psql -X -A -t -d "$fresh" -c 'SELECT count(*), count(DISTINCT version), count(DISTINCT applied_at) FROM tempass_schema')" \
	"$sqlite_version|$sqlite_version|1"
check_eq "the tables are made" \
	"$(psql -X -A -t -d "$fresh" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 16
check_eq "each opener's group is there" \
	"$(psql -X -A -t -d "$fresh" -c "SELECT count(*) FROM grp WHERE name LIKE 'club %'")" 4

# ==== Stages that run on PostgreSQL: the same as on SQLite ====

# both_run NAME CMD...: CMD on a new SQLite store and on PostgreSQL
# (each's output in sqlite.out, pg.out) exits the same; both NAME CMD...:
# and writes the same.
both_run() {
	local name=$1; shift
	use "$T/var/same.db"
	"$@" >sqlite.out 2>sqlite.err; local a=$?
	use "$PG_URL"
	"$@" >pg.out 2>pg.err; local b=$?
	check_eq "$name: the same exit on both" "$b" "$a"
}
both() {
	both_run "$@"
	check "$1: the same output on both" cmp -s sqlite.out pg.out
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

# ==== Import: the same users, groups and audit as on SQLite ====

rm -f var/same.db*
psql -X -q -d "host=$PG_DIR user=postgres dbname=postgres" \
	-c 'DROP DATABASE tempass' -c 'CREATE DATABASE tempass' >/dev/null
both "import" tp import
check_grep "import adds the roster" "^300 added" pg.out
check_eq "users are stored" "$(pg_sql -c 'SELECT count(*) FROM "user"')" \
	"$(sqlite3 var/same.db 'SELECT count(*) FROM user')"
both "users after import" tp users --format tsv
check "users lists the roster" test "$(wc -l <pg.out)" -gt 10
both "users --search folds" tp users --search nguyen --format tsv
both "users --group" tp users --group 7A --format tsv
both "groups after import" tp groups --format tsv
# A later roster: a mover, a leaver, a new pupil.
sed -e '3d' -e '2s/,7A,/,7B,/' "$ROOT/samples/students.csv" >later.csv
printf '%s\n' "$(tail -1 later.csv | sed 's/^[0-9]*,/009999,/')" >>later.csv
both "a dry run of a later roster" tp import --dry-run later.csv
check_grep "the dry run sees the changes" "009999" pg.out
check_eq "the dry run wrote nothing" "$(pg_sql -c 'SELECT count(*) FROM "user"')" \
	"$(sqlite3 var/same.db 'SELECT count(*) FROM user')"
both "a later roster" tp import later.csv
both "users after it" tp users --format tsv
both "its audit" tp audit --format tsv
check_grep "the leaver is audited" "user.leave" pg.out
use "$PG_URL"
check_exit "audit verify passes after imports" 0 tp audit verify
check_eq "no user twice" "$(pg_sql -c 'SELECT count(*) - count(DISTINCT (site_id, username)) FROM "user"')" 0

# ==== Selection and batches: the same lists, one current credential ====

printf 'correct horse battery\n' >pw
chmod 600 pw
both "admin add" tp admin add demo --site oakfield --password-file pw
both "admin list" tp admin list --format tsv
both "select 7A" tp select --group 7A --format tsv
check "select lists 7A" test "$(wc -l <pg.out)" -gt 5
cp pg.out sel.tsv
# without_passwords FILE: the batch's stream less its password column.
without_passwords() {
	awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") p = i }
		{ if (p) $p = ""; print }' "$1"
}
both_run "regenerate 7A" tp regenerate --password-file pw --yes --input sel.tsv
check_eq "the same batch but for its passwords" \
	"$(without_passwords pg.out | md5sum)" "$(without_passwords sqlite.out | md5sum)"
check "the passwords are new ones" test "$(col pg.out password | sort -u | wc -l)" -gt 5
cp pg.out b1.tsv
both_run "regenerate 7A again" tp regenerate --password-file pw --yes --input sel.tsv
both "batches" tp batches --format tsv
both "unclaimed by name" tp unclaimed --format tsv
both "unclaimed --sort expires" tp unclaimed --sort expires --format tsv
both "unclaimed --sort group" tp unclaimed --sort group --format tsv
use "$PG_URL"
u=$(col b1.tsv username | head -1)
paste <(col b1.tsv username) <(col b1.tsv password) |
	awk -F'\t' -v u="$u" '$1 == u { print $2 }' >old.pw
check_exit "a password of the void batch is refused" 77 tp verify "$u" <old.pw
check_grep "it names the current batch" "the current one is of batch v2" .err
check_exit "claim" 0 tp claim "$u"
check_eq "one current credential per user" \
	"$(pg_sql -c "SELECT count(*) FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1")" ""
check_eq "the second batch holds the current ones" \
	"$(pg_sql -c "SELECT count(*) FROM credential c JOIN batch b ON b.id = c.batch_id WHERE c.state = 'current' AND b.version <> 2")" 0
check_eq "no password in the clear" \
	"$(pg_sql -c "SELECT count(*) FROM credential WHERE sealed IS NULL AND pwhash IS NULL AND state = 'current'")" 0
check_exit "audit verify passes after batches" 0 tp audit verify
