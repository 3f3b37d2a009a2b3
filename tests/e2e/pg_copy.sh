# pg_copy: `tempass store copy --to DATABASE` moves a school's SQLite
# store into PostgreSQL: every table's rows, ids kept in a database without
# tempass's data, the source's bytes untouched, the audit chain verifying
# as a chain of its own; then the stages go on on the copy. A second
# school's store goes into the same database, its ids moved past the
# first's, both schools kept apart and both chains verifying. Refused,
# with nothing written: a school already there, a source whose chain was
# edited, a target that is a path (a usage error), one that cannot be
# reached (69, its password never shown). All or nothing: a copy killed
# midway leaves the target as it was, and the next one succeeds.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"

pg_start_or_skip
write_conf
cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = https://reset.oakfield.example/r?t={{token}}
token_hours = 24
templates = $ROOT/templates
message_id_domain = oakfield.example

[site eastfield]
name = Eastfield High
EOF
LOCK_WRITE=$((0x746d7077))

# A store of one configuration: CONF DATABASE writes it as conf.DATABASE's
# name, the same settings with [store] database = DATABASE.
conf_for() {
	awk -v db="$2" '/^database *=/ { $0 = "database = " db } { print }' \
		pipeline.conf >"$1"
}
conf_for pg.conf "$PG_URL"
tpg() { "$TEMPASS_BIN" --config "$T/pg.conf" "$@"; }
copy() { tp store copy "$@"; }
pw_of() {
	awk -F'\t' -v u="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") p = i; next }
		$1 == u { print $p }' "$1"
}
# tables DB: the tables of the SQLite store DB.
tables() { sqlite3 "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"; }
# counts DB: each table's rows in the SQLite store DB, and on the server.
counts_sqlite() { for t in $(tables "$1"); do echo "$t $(sqlite3 "$1" "SELECT count(*) FROM \"$t\"")"; done; }
counts_pg() { for t in $(tables "$1"); do echo "$t $(pg_sql -c "SELECT count(*) FROM \"$t\"")"; done; }
# everything: the server's row count of every table, chains too.
everything() { pg_sql -c "SELECT string_agg(n || '=' || (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM public.' || quote_ident(n), false, true, '')))[1]::text, ' ' ORDER BY n) FROM (SELECT tablename n FROM pg_tables WHERE schemaname = 'public') t"; }

# ==== The first school: every table with rows ====

# A batch for 8A a month ago, expired today.
TEMPASS_NOW=2026-08-01T08:00:00Z sample_batch old8a.tsv 8A
tp select --group 7A >sel7a.tsv 2>/dev/null
check_exit "a batch for 7A" 0 tp regenerate --admin demo --password-file pw --yes --input sel7a.tsv
cp .out b7a.tsv
check_exit "a second batch for 7A voids the first" 0 tp regenerate --admin demo --password-file pw --yes --input sel7a.tsv
cp .out b7a2.tsv
check_exit "expire" 0 tp expire
claimed=$(col b7a2.tsv username | head -1)
check_exit "a claim" 0 tp claim "$claimed"
tp select --group 7B >sel7b.tsv 2>/dev/null
check_exit "reset emails for 7B" 0 tp notify --admin demo --password-file pw --yes --input sel7b.tsv
# What only a killed process leaves: an attempt being checked, a list
# not yet named.
sql "INSERT INTO admin_attempt (admin_id, pid, number, started) VALUES (1, 999999999, 1, 1)"
sql "INSERT INTO pending_list (batch_id, pid, tmp, path, size) VALUES (1, 999999999, '$T/none.tmp', '$T/none', 1)"
src=$T/var/tempass.db
check_eq "every table of the source has rows" "$(for t in $(tables "$src"); do sqlite3 "$src" "SELECT count(*) > 0 FROM \"$t\""; done | sort -u)" 1
tp select --group 7A >want7a.tsv 2>/dev/null
tp audit >want_audit.tsv 2>/dev/null
sum_before=$(cat "$T"/var/* | sha256sum)

# ==== Refused, nothing written ====

check_exit "a target that is a path is a usage error" 64 copy --to "$T/other.db"
check_grep "it says it is not a connection string" "not a PostgreSQL connection string" .err
check "and makes no file there" test ! -e "$T/other.db"
check_exit "a target that cannot be reached is unavailable" 69 \
	copy --to "host=$PG_DIR user=postgres dbname=nosuch password=s3cret-pw"
check_grep "it says it cannot connect" "cannot connect" .err
check_nogrep "the password is not shown" "s3cret" .err
cp "$src" bad.db
for trig in $(sqlite3 bad.db "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit'"); do
	sqlite3 bad.db "DROP TRIGGER \"$trig\""
done
sqlite3 bad.db "UPDATE audit SET detail = detail || ' ' WHERE id = 3"
check_exit "a source whose chain was edited is refused" 65 copy --from bad.db --to "$PG_URL"
check_grep "it names the event" "audit event 3 was edited" .err
check_eq "nothing is written, not even the schema" \
	"$(pg_sql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0

# ==== Into an empty database ====

check_exit "the store is copied" 0 copy --to "$PG_URL"
check_grep "with its ids" "^copied '$src': 1 site(s), .* (ids kept)$" .out
check_eq "the source is untouched" "$(cat "$T"/var/* | sha256sum)" "$sum_before"
check_eq "every table has the rows it had" "$(counts_pg "$src")" "$(counts_sqlite "$src")"
# The same ids and values, row by row, in the tables that hold the most.
q_users="SELECT id, site_id, username, external_id, forename, surname, coalesce(dob, ''), coalesce(class, ''), status FROM %s ORDER BY id"
check_eq "users: the same ids and values" \
	"$(pg_sql -F'|' -c "$(printf "$q_users" '"user"')")" "$(sqlite3 "$src" "$(printf "$q_users" user)")"
check_eq "credentials: the same ids, states, sealed bytes and hashes" \
	"$(pg_sql -F'|' -c "SELECT id, batch_id, user_id, state, coalesce(encode(sealed, 'hex'), ''), coalesce(pwhash, ''), coalesce(voided_by::text, '') FROM credential ORDER BY id")" \
	"$(sqlite3 "$src" "SELECT id, batch_id, user_id, state, lower(coalesce(hex(sealed), '')), coalesce(pwhash, ''), coalesce(voided_by, '') FROM credential ORDER BY id")"
check_eq "audit: the same ids, events and hashes" \
	"$(pg_sql -F'|' -c "SELECT id, seq, at, action, detail, encode(hash, 'hex') FROM audit ORDER BY id")" \
	"$(sqlite3 "$src" "SELECT id, id, at, action, detail, lower(hex(hash)) FROM audit ORDER BY id")"
check_eq "reset tokens: the same hashes" \
	"$(pg_sql -F'|' -c "SELECT id, user_id, encode(hash, 'hex'), state FROM reset_token ORDER BY id")" \
	"$(sqlite3 "$src" "SELECT id, user_id, lower(hex(hash)), state FROM reset_token ORDER BY id")"
# Rows only a killed process leaves, gone before the stages go on.
pg_sql -c "DELETE FROM admin_attempt" -c "DELETE FROM pending_list"

# ==== The stages on the copy ====

check_exit "audit verify passes on the copy" 0 tpg audit verify
chain=$(pg_sql -c "SELECT chain_id FROM site WHERE code = 'oakfield'")
check_grep "it names the copied chain" "^chain $chain ($src, copied 2026-[0-9T:-]*Z; sites: oakfield): $(sqlite3 "$src" 'SELECT count(*) FROM audit') events$" .out
check_exit "select on the copy" 0 tpg select --group 7A
check_eq "selects what the source selected" "$(cat .out)" "$(cat want7a.tsv)"
check_exit "audit lists what the source listed" 0 tpg audit
check_eq "the same events" "$(cat .out)" "$(cat want_audit.tsv)"
u=$(col b7a2.tsv username | grep -vxF "$claimed" | head -1)
printf '%s\n' "$(pw_of b7a2.tsv "$u")" | tpg verify "$u" >/dev/null 2>&1
check_eq "a password sealed in the source verifies on the copy" "$?" 0
last=$(sqlite3 "$src" 'SELECT max(id) FROM batch')
check_exit "regenerate on the copy" 0 tpg regenerate --admin demo --password-file pw --yes --input sel7a.tsv
cp .out b7a3.tsv
check_eq "its batch has the next id and version" \
	"$(pg_sql -c "SELECT id, version FROM batch ORDER BY id DESC LIMIT 1")" \
	"$((last + 1))|$(($(sqlite3 "$src" "SELECT max(version) FROM batch") + 1))"
check_eq "it voids the copied batch's passwords" \
	"$(pg_sql -c "SELECT count(*) FROM credential WHERE batch_id = (SELECT id FROM batch WHERE version = $(col b7a2.tsv version | head -1)) AND state = 'current'")" 0
check_exit "emit csv on the copy" 0 tpg emit csv --input b7a3.tsv -o "$T/out7a.csv"
u=$(col b7a3.tsv username | sed -n 2p)
printf '%s\n' "$(pw_of b7a3.tsv "$u")" | tpg verify "$u" >/dev/null 2>&1
check_eq "verify a new password on the copy" "$?" 0
check_eq "one current credential per user" \
	"$(pg_sql -c "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1) x")" 0
check_exit "audit verify passes after them" 0 tpg audit verify

# ==== A second school into the same database ====

conf_for two.conf "$T/var2/tempass.db"
tp2() { "$TEMPASS_BIN" --config "$T/two.conf" --site northgate "$@"; }
check_exit "northgate's own store: import" 0 tp2 import
check_exit "its admin" 0 tp2 admin add north --site northgate --password-file pw
tp2 select --group 7A >sel_n.tsv 2>/dev/null
check_exit "its batch" 0 tp2 regenerate --admin north --password-file pw --yes --input sel_n.tsv
cp .out bn.tsv
src2=$T/var2/tempass.db
# Its IT team also named an admin 'demo', as the first school did: admins'
# names are the database's, so the copy is refused until it is renamed.
check_exit "northgate's own 'demo'" 0 tp2 admin add demo --site northgate --password-file pw
all=$(everything)
check_exit "a second school with an admin name the database has: exit 73" 73 \
	tp store copy --from "$src2" --to "$PG_URL"
check_grep "it names the admin and the way out" \
	"admin 'demo' is there already: .*'tempass admin rename demo NEW' on the store copied" .err
check_eq "nothing is written" "$(everything)" "$all"
check_exit "renamed in the school's store" 0 tp2 admin rename demo demo-north
check_grep "the rename is audited there" "admin.rename.*demo -> demo-north" \
	<(tp2 audit --format tsv 2>/dev/null)
before=$(pg_sql -c 'SELECT count(*) FROM "user"')
check_exit "the second school is copied" 0 tp store copy --from "$src2" --to "$PG_URL"
check_grep "its ids moved" "^copied '$src2': 1 site(s), .* (ids moved past the other schools')$" .out
check_eq "its users are added" "$(pg_sql -c 'SELECT count(*) FROM "user"')" \
	"$((before + $(sqlite3 "$src2" 'SELECT count(*) FROM user')))"
check_exit "select at northgate on the copy" 0 tpg --site northgate select --group 7A --all
n_pg=$(cat .out)
check_eq "northgate's users and nobody else's" "$n_pg" "$(tp2 select --group 7A --all 2>/dev/null)"
check_exit "select at oakfield on the copy" 0 tpg select --group 7A --all
check_eq "oakfield's are oakfield's" "$(col .out username | sort)" \
	"$( (col want7a.tsv username; echo "$claimed") | sort)"
check_eq "each school's batches are its own" \
	"$(tpg --site northgate batches --format tsv 2>/dev/null | tail -n +2 | cut -f1,5 | tr '\n' ' ')" \
	"$(tp2 batches --format tsv 2>/dev/null | tail -n +2 | cut -f1,5 | tr '\n' ' ')"
check_exit "both chains verify" 0 tpg audit verify
check_grep "the first school's" "^chain $chain ($src, copied .*; sites: oakfield): " .out
check_grep "the second's" "($src2, copied .*; sites: northgate): $(sqlite3 "$src2" 'SELECT count(*) FROM audit') events$" .out
u=$(col bn.tsv username | head -1)
printf '%s\n' "$(pw_of bn.tsv "$u")" | tpg --site northgate verify "$u" >/dev/null 2>&1
check_eq "a password sealed before the ids moved verifies on the copy" "$?" 0
check_exit "unclaimed --show opens every copied one" 0 tpg --site northgate unclaimed --show --admin north --password-file pw --format tsv
check_eq "the passwords the source handed out" \
	"$(paste <(col .out username) <(col .out password) | grep -v '(' | sort)" \
	"$(paste <(col bn.tsv username) <(col bn.tsv password) | sort)"
check_exit "a batch at northgate on the copy" 0 tpg --site northgate regenerate --admin north --password-file pw --yes --input sel_n.tsv
check_exit "both chains verify after it" 0 tpg audit verify
check_exit "the renamed admin confirms at northgate" 0 tpg --site northgate regenerate \
	--admin demo-north --password-file pw --yes --dry-run --input sel_n.tsv
check_exit "the first school's 'demo' is refused there" 77 tpg --site northgate regenerate \
	--admin demo --password-file pw --yes --dry-run --input sel_n.tsv

# ==== Refused: a school already there ====

all=$(everything)
check_exit "copying the first school again is refused" 73 copy --to "$PG_URL"
check_grep "it names the site" "site 'oakfield' is there already" .err
check_eq "nothing is written" "$(everything)" "$all"

# ==== All or nothing: a copy killed midway, and the database's lock ====

conf_for three.conf "$T/var3/tempass.db"
tp3() { "$TEMPASS_BIN" --config "$T/three.conf" --site eastfield "$@"; }
"${PYTHON:-python3}" "$ROOT/tests/gen_roster.py" 20000 --seed 3 >big.csv
check_exit "a large school's store" 0 tp3 import big.csv
src3=$T/var3/tempass.db
all=$(everything)
"$TEMPASS_BIN" --config "$T/pipeline.conf" store copy --from "$src3" --to "$PG_URL" >kill.out 2>kill.err &
cp_pid=$!
for _ in $(seq 600); do
	[ "$(pg_sql -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%' AND pid <> pg_backend_pid()")" -gt 0 ] && break
	sleep 0.1
done
kill -9 "$cp_pid"; wait "$cp_pid" 2>/dev/null
check "the copy was killed while it wrote" test ! -s kill.out
# The server ends the dead connection's transaction (rolled back).
for _ in $(seq 600); do
	[ "$(pg_sql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'tempass' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")" = 0 ] && break
	sleep 0.1
done
check_eq "the target holds no row of it" "$(pg_sql -c "SELECT count(*) FROM site WHERE code = 'eastfield'")" 0
check_eq "and is as it was" "$(everything)" "$all"

# A school's writer holds the database's lock shared: the copy, which
# takes it alone, waits for it.
rm -f hold.fifo; mkfifo hold.fifo
pg_sql <hold.fifo >/dev/null &
hold_pid=$!
exec 7>hold.fifo
echo "SELECT pg_advisory_lock_shared($LOCK_WRITE);" >&7
"$TEMPASS_BIN" --config "$T/pipeline.conf" store copy --from "$src3" --to "$PG_URL" >again.out 2>again.err 7>&- &
cp_pid=$!
waiting=0
for _ in $(seq 600); do
	[ "$(pg_sql -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $LOCK_WRITE AND objsubid = 1 AND NOT granted")" = 1 ] && { waiting=1; break; }
	sleep 0.1
done
check_eq "the copy waits for the school's writer" "$waiting" 1
exec 7>&-; wait "$hold_pid"
wait "$cp_pid"
check_eq "then a second copy succeeds" "$?" 0
check_eq "with every user" "$(pg_sql -c "SELECT count(*) FROM \"user\" u JOIN site s ON s.id = u.site_id WHERE s.code = 'eastfield'")" 20000
check_exit "and every chain verifies" 0 tpg audit verify
check_eq "three schools' chains and the database's" "$(grep -c '^chain ' .out)" 4
