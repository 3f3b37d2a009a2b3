# pg_chains: on PostgreSQL each school has an audit chain of its own, and
# its writers a lock of their own: a batch at one school does not wait for
# another school's transaction, while a second batch at the same school,
# and whatever takes the database's lock alone, does. audit verify walks
# every chain, names each, and names the chain and the event it finds
# edited.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"

pg_start_or_skip
write_conf
pg_use_store "$T/pipeline.conf"

# The advisory lock keys of store_pg_int.h: a chain's lock is
# (LOCK_CHAIN, chain), the database's the bigint LOCK_WRITE.
LOCK_CHAIN=$((0x746d7063)) LOCK_WRITE=$((0x746d7077))

# wait_for QUERY WANT: polls until QUERY gives WANT (a guard of a minute,
# never a measure); 0 when it did.
wait_for() {
	for _ in $(seq 600); do
		[ "$(pg_sql -c "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# hold SQL: a session of its own runs SQL (taking a lock) and keeps it
# until release; hold waits until the lock is granted.
hold() {
	rm -f hold.fifo; mkfifo hold.fifo
	pg_sql <hold.fifo >/dev/null &
	HOLD_PID=$!
	exec 7>hold.fifo
	echo "$1;" >&7
}
release() { exec 7>&-; wait "$HOLD_PID"; }
# waiting KEY1 KEY2 SUBID: how many sessions wait for that advisory lock.
waiting() {
	echo "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
	      AND classid = $1 AND objid = $2 AND objsubid = $3 AND NOT granted"
}

sample_batch oak1.tsv
check_exit "northgate imports" 0 tp --site northgate import
check_exit "an admin for northgate" 0 tp admin add north --site northgate --password-file pw
tp --site northgate select --group 7A >north.tsv 2>/dev/null
check_exit "a batch at northgate" 0 tp --site northgate regenerate --admin north --password-file pw --yes --input north.tsv

oak=$(pg_sql -c "SELECT chain_id FROM site WHERE code = 'oakfield'")
north=$(pg_sql -c "SELECT chain_id FROM site WHERE code = 'northgate'")
check "each school has a chain of its own, not the database's" \
	test -n "$oak" -a -n "$north" -a "$oak" != "$north" -a "$oak" != 1 -a "$north" != 1
[ -n "$oak" ] && [ -n "$north" ] || exit 0
check_eq "each school's events are in its chain" \
	"$(pg_sql -c "SELECT count(*) FROM audit a JOIN site s ON s.id = a.site_id WHERE a.chain_id <> s.chain_id")" 0
check_eq "both chains hold events" \
	"$(pg_sql -c "SELECT count(DISTINCT chain_id) FROM audit WHERE chain_id IN ($oak, $north)")" 2
check_eq "each chain is numbered from 1 without a gap" \
	"$(pg_sql -c "SELECT count(*) FROM (SELECT chain_id, max(seq) m, count(*) n, min(seq) f FROM audit GROUP BY chain_id) x WHERE m <> n OR f <> 1")" 0
check_exit "audit verify passes" 0 tp audit verify
check_grep "it names oakfield's chain" "^chain $oak (this database; sites: oakfield): [1-9][0-9]* events$" .out
check_grep "it names northgate's chain" "^chain $north (this database; sites: northgate): [1-9][0-9]* events$" .out
check_grep "and the database's own" "^chain 1 (this database): 0 events$" .out
total=$(pg_sql -c 'SELECT count(*) FROM audit')
check_grep "and the events of all" "^audit chain intact: $total events$" .out

# Northgate's chain held by another session: a batch at oakfield goes on,
# one at northgate waits for it.
hold "SELECT pg_advisory_lock($LOCK_CHAIN, $north)"
check "northgate's lock is held" wait_for \
	"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $LOCK_CHAIN AND objid = $north AND granted" 1
tp select --group 7A >oak.tsv 2>/dev/null
check_exit "a batch at oakfield meanwhile is not held up" 0 \
	timeout 120 "$TEMPASS_BIN" --config "$T/pipeline.conf" regenerate --admin demo --password-file pw --yes --input oak.tsv
tp --site northgate regenerate --admin north --password-file pw --yes --input north.tsv >north2.tsv 2>north2.err 7>&- &
np=$!
check "a batch at northgate waits for its chain's lock" wait_for "$(waiting $LOCK_CHAIN "$north" 2)" 1
check_eq "and has written nothing" \
	"$(pg_sql -c "SELECT count(*) FROM batch b JOIN site s ON s.id = b.site_id WHERE s.code = 'northgate'")" 1
release
wait "$np"
check_eq "then it finishes" "$?" 0
check_eq "northgate has its second batch" \
	"$(pg_sql -c "SELECT max(version) FROM batch b JOIN site s ON s.id = b.site_id WHERE s.code = 'northgate'")" 2

# The database's lock held alone (as what names no site takes it): a
# school's batch waits for it.
hold "SELECT pg_advisory_lock($LOCK_WRITE)"
check "the database's lock is held" wait_for \
	"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $LOCK_WRITE AND objsubid = 1 AND granted" 1
tp regenerate --admin demo --password-file pw --yes --input oak.tsv >oak3.tsv 2>oak3.err 7>&- &
op=$!
check "a batch at oakfield waits for the database's lock" wait_for "$(waiting 0 $LOCK_WRITE 1)" 1
release
wait "$op"
check_eq "then it finishes" "$?" 0

check_eq "one current credential per user" \
	"$(pg_sql -c "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1) x")" 0
check_exit "audit verify passes after them" 0 tp audit verify

# An event of oakfield's chain edited by the table's owner: verify fails
# naming the chain and the event (in its chain's numbering).
seq=$(pg_sql -c "SELECT seq FROM audit WHERE chain_id = $oak AND action = 'batch.create' ORDER BY seq LIMIT 1")
pg_sql -c 'ALTER TABLE audit DISABLE TRIGGER audit_no_change' \
	-c "UPDATE audit SET detail = detail || ' ' WHERE chain_id = $oak AND seq = $seq" \
	-c 'ALTER TABLE audit ENABLE TRIGGER audit_no_change'
check_exit "an edited event fails verify" 65 tp audit verify
check_grep "it names the chain and the event" \
	"^tempass: audit: chain $oak (this database; sites: oakfield): audit event $seq was edited" .err
check_eq "in one message" "$(wc -l <.err)" 1
