# pg_refs: on PostgreSQL the references of users (site, user type),
# memberships (group, user), credentials (user, batch, voiding batch) and
# audit events (chain) are checked once per statement, over the rows it
# added, not row by row by foreign keys; every reference a foreign key
# kept is still kept: a row that refers to nothing is refused, a row that
# is referred to cannot be deleted or have its key changed, and a group's
# memberships go with it.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"

pg_start_or_skip
write_conf
awk -v db="$PG_URL" '/^database *=/ { $0 = "database = " db } { print }' \
	pipeline.conf >pg.conf && mv pg.conf pipeline.conf
sample_batch batch.tsv

check_eq "no foreign key of users or memberships is checked row by row" \
  "$(pg_sql -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('\"user\"'::regclass, 'membership'::regclass)")" 0
check_eq "their references are checked by statement triggers" \
  "$(pg_sql -c "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('\"user\"'::regclass, 'membership'::regclass)")" \
  "membership_refs,membership_refs_update,user_kept,user_refs,user_refs_update"
check_eq "nor those of credentials or audit events" \
  "$(pg_sql -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('credential'::regclass, 'audit'::regclass)")" 0
check_eq "theirs are checked by statement triggers too" \
  "$(pg_sql -c "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('credential'::regclass, 'audit'::regclass, 'batch'::regclass, 'chain'::regclass)")" \
  "audit_no_change,audit_no_truncate,audit_refs,batch_kept,chain_kept,credential_refs,credential_refs_update"

# refused NAME SQL PATTERN: SQL, in a transaction rolled back, fails with
# an error matching PATTERN.
refused() {
	if pg_sql -c "BEGIN" -c "$2" -c "ROLLBACK" >"$T/psql.out" 2>&1; then
		notok "$1 (it was not refused)"
	elif grep -q -- "$3" "$T/psql.out"; then
		ok "$1"
	else
		notok "$1 (no '$3')"; sed 's/^/   | /' "$T/psql.out" | head -5
	fi
}
# allowed NAME SQL: SQL, in a transaction rolled back, succeeds.
allowed() {
	if pg_sql -c "BEGIN" -c "$2" -c "ROLLBACK" >"$T/psql.out" 2>&1; then
		ok "$1"
	else
		notok "$1"; sed 's/^/   | /' "$T/psql.out" | head -5
	fi
}

site=$(pg_sql -c "SELECT id FROM site WHERE code = 'oakfield'")
grp=$(pg_sql -c "SELECT id FROM grp WHERE site_id = $site AND name = '7A'")
# A member of a group who has no credential: only memberships refer to them.
member=$(pg_sql -c "SELECT min(user_id) FROM membership m WHERE NOT EXISTS (SELECT 1 FROM credential c WHERE c.user_id = m.user_id)")
last=$(pg_sql -c 'SELECT max(id) FROM "user"')
check "a member without credentials" test -n "$member"

refused "a membership of a user who does not exist is refused" \
	"INSERT INTO membership VALUES ($grp, $((last + 1)))" \
	"a membership refers to a group or user that does not exist"
refused "a membership of a group that does not exist is refused" \
	"INSERT INTO membership SELECT max(id) + 1, $member FROM grp" \
	"a membership refers to a group or user that does not exist"
refused "so is one bad row among good ones, through COPY" \
	"COPY membership FROM PROGRAM 'printf \"$grp\\t$member\\n$grp\\t$((last + 1))\\n\"'" \
	"a membership refers to a group or user that does not exist"
allowed "a membership of a group and user that exist is taken" \
	"INSERT INTO membership SELECT id, $member FROM grp WHERE site_id = $site AND id <> $grp AND NOT EXISTS (SELECT 1 FROM membership WHERE group_id = grp.id AND user_id = $member) LIMIT 1"
refused "a membership moved to a user who does not exist is refused" \
	"UPDATE membership SET user_id = $((last + 1)) WHERE user_id = $member" \
	"a membership refers to a group or user that does not exist"

new_user="INSERT INTO \"user\" (id, site_id, roster, external_id, username, forename, surname, user_type, created_at, updated_at)"
refused "a user of a user type that does not exist is refused" \
	"$new_user VALUES ($((last + 1)), $site, 'students', 'X1', 'x1', 'X', 'Y', 'nosuch', 0, 0)" \
	"a user refers to a site or user type that does not exist"
refused "a user of a site that does not exist is refused" \
	"$new_user VALUES ($((last + 1)), $((site + 100)), 'students', 'X1', 'x1', 'X', 'Y', 'student', 0, 0)" \
	"a user refers to a site or user type that does not exist"
allowed "a user of a site and user type that exist is taken" \
	"$new_user VALUES ($((last + 1)), $site, 'students', 'X1', 'x1', 'X', 'Y', 'student', 0, 0)"
refused "a user moved to a user type that does not exist is refused" \
	"UPDATE \"user\" SET user_type = 'nosuch' WHERE id = $member" \
	"a user refers to a site or user type that does not exist"
allowed "a user changed but for their references is taken" \
	"UPDATE \"user\" SET forename = 'Changed' WHERE id = $member"

refused "a user with memberships cannot be deleted" \
	"DELETE FROM \"user\" WHERE id = $member" "a row of user is referred to"
refused "nor have their id changed" \
	"UPDATE \"user\" SET id = $((last + 1)) WHERE id = $member" \
	"a row of user is referred to"
refused "a user type users have cannot be deleted" \
	"DELETE FROM user_type WHERE name = 'student'" \
	"a row of user_type is referred to"
refused "a site with users cannot be deleted" \
	"DELETE FROM site WHERE id = $site" "a row of site is referred to"
# A copy of the first credential, with COLUMNS (jsonb pairs) changed;
# void, so that the user's current one is not doubled.
cred=$(pg_sql -c "SELECT min(id) FROM credential")
cred_copy() {
	echo "INSERT INTO credential SELECT (jsonb_populate_record(c, jsonb_build_object('id', (SELECT max(id) + 1 FROM credential), 'state', 'void', $1))).* FROM credential c WHERE id = $cred"
}
batch=$(pg_sql -c "SELECT batch_id FROM credential WHERE id = $cred")
cuser=$(pg_sql -c "SELECT user_id FROM credential WHERE id = $cred")
check "a credential to copy" test -n "$batch"
refused "a credential of a user who does not exist is refused" \
	"$(cred_copy "'user_id', $((last + 1))")" \
	"a credential refers to a user or batch that does not exist"
refused "a credential of a batch that does not exist is refused" \
	"$(cred_copy "'batch_id', $((batch + 100))")" \
	"a credential refers to a user or batch that does not exist"
refused "a credential voided by a batch that does not exist is refused" \
	"$(cred_copy "'voided_by', $((batch + 100))")" \
	"a credential refers to a user or batch that does not exist"
allowed "a credential of a user and batches that exist is taken" \
	"$(cred_copy "'voided_by', $batch")"
refused "a credential moved to a batch that does not exist is refused" \
	"UPDATE credential SET voided_by = $((batch + 100)) WHERE id = $cred" \
	"a credential refers to a user or batch that does not exist"
allowed "a credential changed but for its references is taken" \
	"UPDATE credential SET failed = failed + 1 WHERE id = $cred"
refused "a user with credentials cannot be deleted" \
	"DELETE FROM membership WHERE user_id = $cuser; DELETE FROM \"user\" WHERE id = $cuser" \
	"a row of user is referred to"
refused "a batch with credentials cannot be deleted" \
	"DELETE FROM batch WHERE id = $batch" "a row of batch is referred to"
refused "nor have its id changed" \
	"UPDATE batch SET id = $((batch + 100)) WHERE id = $batch" \
	"a row of batch is referred to"

chain=$(pg_sql -c "SELECT chain_id FROM site WHERE id = $site")
event="INSERT INTO audit SELECT (jsonb_populate_record(a, jsonb_build_object('id', (SELECT max(id) + 1 FROM audit), 'seq', (SELECT max(seq) + 1 FROM audit), 'chain_id', CHAIN))).* FROM audit a WHERE id = (SELECT max(id) FROM audit)"
refused "an audit event of a chain that does not exist is refused" \
	"${event/CHAIN/$((chain + 100))}" \
	"an audit event refers to a chain that does not exist"
allowed "one of a chain that exists is taken" "${event/CHAIN/$chain}"
refused "a chain with events cannot be deleted" \
	"DELETE FROM chain WHERE id = $chain" "a row of chain is referred to"

check_eq "a group's memberships go with it" \
  "$(pg_sql -c "BEGIN" -c "DELETE FROM grp WHERE id = $grp" -c "SELECT count(*) FROM membership WHERE group_id = $grp" -c "ROLLBACK")" 0
check "the group had members" \
	test "$(pg_sql -c "SELECT count(*) FROM membership WHERE group_id = $grp")" -gt 0

# The store is whole after all this (everything above was rolled back),
# and a second import, with changes, goes through the checks.
"${PYTHON:-/usr/bin/python3}" - "$ROOT/samples/students.csv" >moved.csv <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
head, body = rows[0], rows[1:]
reg = head.index("Reg")
for r in body[:3]:
    r[reg] = "7B" if r[reg] != "7B" else "7C"
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(head)
w.writerows(body[:-2])
EOF
check_exit "a second import with moves and leavers" 0 tp import moved.csv
check_grep "it moved and marked leavers" "moved" "$T/.out"
check_eq "every membership's group and user exist" \
  "$(pg_sql -c 'SELECT count(*) FROM membership m WHERE NOT EXISTS (SELECT 1 FROM grp g WHERE g.id = m.group_id) OR NOT EXISTS (SELECT 1 FROM "user" u WHERE u.id = m.user_id)')" 0
check_eq "one current credential per user" \
  "$(pg_sql -c "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1) x")" 0
check_exit "the audit chain is intact" 0 tp audit verify
