# audit: the trail of a regeneration, its filters, and the hash chain that
# catches an event edited, deleted or moved by hand in the database, as an
# attacker with the file (and sqlite3) would.
. "$(dirname "$0")/../lib.sh"
write_conf

audit_count() {
	tp audit --format tsv "$@" | awk -F'\t' 'NR > 1 { n++ } END { print n + 0 }'
}

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group 7A >a.tsv 2>/dev/null
n7a=$(($(wc -l <a.tsv) - 1))
check_exit "batch 1" 0 tp regenerate --admin demo --password-file pw --yes --input a.tsv
cp "$T/.out" b1.tsv
check_exit "batch 2" 0 tp regenerate --admin demo --password-file pw --yes --input a.tsv
u=$(tail -n +2 a.tsv | head -1 | cut -f1)

# ---- the trail
tp audit --format tsv >all.tsv
check_eq "audit header" "$(head -1 all.tsv)" "$(printf 'id\tat\tactor\taction\tusername\tbatch\tdetail')"
check_eq "ids count up from 1" "$(tail -n +2 all.tsv | cut -f1 | awk '$1 != NR { bad++ } END { print bad + 0 }')" 0
check_eq "one issue event per credential" "$(awk -F'\t' '$4 == "credential.issue"' all.tsv | wc -l)" $((2 * n7a))
check_eq "one batch.create per batch" "$(awk -F'\t' '$4 == "batch.create" { print $6 }' all.tsv | tr '\n' ,)" "1,2,"
check_grep "batch.create says what it did" "	batch.create		2	groups: 7A; $n7a issued, $n7a voided, 0 skipped as claimed, 0 as left$" all.tsv
check_eq "--batch 1 lists the events of batch 1" "$(tp audit --batch 1 --format tsv | tail -n +2 | cut -f6 | sort -u)" 1
check_eq "--batch 1 lists all of them" "$(audit_count --batch 1)" $((n7a + 1))
tp audit --user "$u" --format tsv >user.tsv
check_eq "--user lists only that user" "$(tail -n +2 user.tsv | cut -f5 | sort -u)" "$u"
check_eq "--user: import, two issues" "$(tail -n +2 user.tsv | cut -f4 | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')" \
  "credential.issue=2 user.add=1 "
check_eq "--since after everything lists nothing" "$(audit_count --since 2026-09-04)" 0
check_eq "--since before everything lists all" "$(audit_count --since 2026-09-03)" "$(($(wc -l <all.tsv) - 1))"
check_exit "--batch of a batch that does not exist" 65 tp audit --batch 9
check_exit "--user who does not exist" 65 tp audit --user nosuchuser
check_exit "--since that is not a date" 64 tp audit --since yesterday

# ---- the chain
check_exit "audit verify on the untouched trail" 0 tp audit verify
events=$(sql 'select count(*) from audit')
check_grep "audit verify counts the events" "^audit chain intact: $events events$" "$T/.out"
refused() { ! sql "$1" >/dev/null 2>&1; }
check "the triggers refuse an UPDATE" refused "update audit set detail = 'x' where id = 3"
check "the triggers refuse a DELETE" refused 'delete from audit where id = 3'
check_eq "so the row is unchanged" "$(sql "select count(*) from audit where id = 3 and detail != 'x'")" 1

# pristine: a copy of the store; tamper SQL: a fresh copy of it, the
# triggers dropped (on PostgreSQL, disabled), then SQL.
if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
	untrigger="alter table audit disable trigger user"
else
	untrigger="drop trigger audit_no_update; drop trigger audit_no_delete"
fi
store_save pristine
pristine() { store_restore pristine; }
tamper() {
	pristine
	sql "$untrigger; $1"
}
mid=$((events / 2))
issue=$(sql "select id from audit where action = 'credential.issue' order by id limit 1 offset 3")

tamper "update audit set detail = detail || ' (edited)' where id = $mid"
check_exit "an edited detail is caught (exit 65)" 65 tp audit verify
check_grep "names the edited event" "audit event $mid was edited" "$T/.err"

tamper "update audit set actor = 'someone-else' where id = $issue"
check_exit "an edited actor is caught" 65 tp audit verify
check_grep "names the event" "audit event $issue was edited" "$T/.err"

tamper "update audit set user_id = user_id + 1 where id = $issue"
check_exit "an event moved to another user is caught" 65 tp audit verify

tamper "update audit set at = at - 86400 where id = $mid"
check_exit "an edited time is caught" 65 tp audit verify

tamper "delete from audit where id = $mid"
check_exit "a deleted event is caught (exit 65)" 65 tp audit verify
check_grep "names the missing event" "audit event $mid is missing" "$T/.err"

tamper "delete from audit where id in ($mid, $((mid + 1)))"
check_exit "two deleted events are caught" 65 tp audit verify

tamper "update audit set id = -1 where id = $mid; update audit set id = $mid where id = $((mid + 1)); update audit set id = $((mid + 1)) where id = -1"
check_exit "two events swapped are caught" 65 tp audit verify
if [ "${TEMPASS_TEST_STORE:-}" = pg ]; then
	# A chain's order is its own (seq); the ids must agree with it.
	check_grep "names where the chain breaks" "(id $mid) is out of order" "$T/.err"
else
	check_grep "names where the chain breaks" "audit event $mid does not follow event $((mid - 1))" "$T/.err"
fi

tamper "update audit set action = 'credential.claim' where id = $issue"
check_exit "an edited action is caught" 65 tp audit verify

tamper "update audit set hash = (select hash from audit where id = $((mid + 1))) where id = $mid"
check_exit "an edited hash is caught" 65 tp audit verify

# The untampered copy still verifies: the failures above are the edits.
pristine
check_exit "the pristine copy verifies" 0 tp audit verify
