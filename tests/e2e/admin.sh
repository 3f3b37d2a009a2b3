# admin: the confirmation an admin gives before regenerating: wrong
# passwords audited, five in a row lock the admin for 15 minutes, sites not
# granted refused, password files that others can read refused, and the
# checks of 'admin add'.
. "$(dirname "$0")/../lib.sh"
write_conf

batches() { sql 'select count(*) from batch'; }
# confirm FILE [ADMIN]: a dry-run regeneration, which starts with the
# confirmation and changes nothing else.
confirm() {
	tp regenerate --admin "${2:-demo}" --password-file "$1" --yes \
		--dry-run --input "$T/sel.tsv"
}
# audit_count ACTOR ACTION DETAIL: how many such events the audit lists.
audit_count() {
	tp audit --format tsv | awk -F'\t' -v a="$1" -v b="$2" -v d="$3" \
		'$3 == a && $4 == b && $7 == d { n++ } END { print n + 0 }'
}

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
printf 'wrong horse battery\n' >bad
chmod 600 pw bad
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
check_grep "admin add says what it did" "admin 'demo' added for sites: oakfield" "$T/.err"
tp select --group 7A >sel.tsv 2>/dev/null

# ---- the right password, then a wrong one
check_exit "the right password confirms" 0 confirm pw
check_eq "the confirmation is audited" "$(audit_count demo admin.confirm '')" 1
check_exit "a wrong password: exit 77" 77 confirm bad
check_grep "says the password is wrong" "wrong password for admin 'demo'" "$T/.err"
check_eq "the failure is audited" "$(audit_count demo admin.confirm.fail 'failed attempt 1')" 1
check_exit "a wrong password on a real run: exit 77" 77 \
	tp regenerate --admin demo --password-file bad --yes --input sel.tsv
check_eq "a refused run writes no passwords" "$(wc -c <"$T/.out")" 0
check_eq "a refused run makes no batch" "$(batches)" 0

# ---- failures must be in a row: a success starts the count again
for i in 3 4; do confirm bad >/dev/null 2>&1; done
check_eq "four failures counted" "$(sql "select failed from admin where name = 'demo'")" 4
check_exit "the right password after four failures" 0 confirm pw
check_eq "a success clears the count" "$(sql "select failed from admin where name = 'demo'")" 0
check_exit "one more failure" 77 confirm bad
check_exit "is not a lock-out" 0 confirm pw

# ---- five in a row lock the admin
for i in 1 2 3 4; do confirm bad >/dev/null 2>&1; done
check_exit "the fifth failure in a row" 77 confirm bad
check_eq "the fifth failure is audited with the lock" \
  "$(audit_count demo admin.confirm.fail 'failed attempt 5; locked for 15 minutes')" 1
check_exit "the right password is refused while locked" 77 confirm pw
check_grep "says the admin is locked and until when" "admin 'demo' is locked until 2026-09-03T08:29:00Z" "$T/.err"
check_eq "the refusal while locked is audited, unchecked" "$(audit_count demo admin.refused 'locked out; failed attempt 6, not checked')" 1
check_exit "a real run is refused while locked" 77 \
	tp regenerate --admin demo --password-file pw --yes --input sel.tsv
check_eq "no batch while locked" "$(batches)" 0
tp admin list --format tsv >admins.tsv
check_grep "admin list shows the lock" "^demo	oakfield	.*2026-09-03T08:29" admins.tsv
TEMPASS_NOW=2026-09-03T08:28:00Z confirm pw >/dev/null 2>&1
check_eq "still locked 14 minutes on" $? 77
TEMPASS_NOW=2026-09-03T08:30:00Z confirm pw >/dev/null 2>&1
check_eq "the right password works 16 minutes on" $? 0
TEMPASS_NOW=2026-09-03T08:30:00Z tp regenerate --admin demo --password-file pw --yes \
	--input sel.tsv >b1.tsv 2>/dev/null
check_eq "and a real run goes through" $? 0
check_eq "which makes the batch" "$(batches)" 1
check_eq "after the lock the count starts again" "$(sql "select failed || '|' || locked_until from admin where name = 'demo'")" "0|0"

# ---- 'admin passwd' lifts a lock-out
for i in 1 2 3 4 5; do confirm bad >/dev/null 2>&1; done
check_exit "locked again" 77 confirm pw
printf 'another long passphrase\n' >pw2
chmod 600 pw2
check_exit "admin passwd" 0 tp admin passwd demo --password-file pw2
check_exit "the new password works at once" 0 confirm pw2
check_exit "the old one no longer does" 77 confirm pw
check_exit "admin passwd back" 0 tp admin passwd demo --password-file pw

# ---- an unknown admin
check_exit "an unknown admin: exit 77" 77 confirm pw nobody
check_grep "says there is no such admin" "no admin 'nobody'" "$T/.err"
check_eq "the unknown admin is audited" "$(audit_count nobody admin.refused 'unknown admin')" 1

# ---- an admin of another site
check_exit "admin for northgate only" 0 tp admin add north --site northgate --password-file pw
check_exit "refused at oakfield: exit 77" 77 confirm pw north
check_grep "says the site is not theirs" "admin 'north' may not act on site 'oakfield'" "$T/.err"
check_eq "the refusal is audited" "$(audit_count north admin.refused "not granted site 'oakfield'")" 1
check_eq "the refusal is not counted as a wrong password" "$(sql "select failed from admin where name = 'north'")" 0
printf 'username\tgroup\n' >empty.tsv
tp --site northgate regenerate --admin north --password-file pw --yes --dry-run \
	--input empty.tsv >/dev/null 2>"$T/.err"
check_eq "north confirms at northgate" $? 0
check_exit "a real oakfield run by north refused" 77 \
	tp regenerate --admin north --password-file pw --yes --input sel.tsv
check_eq "no batch by north" "$(sql "select count(*) from batch where actor = 'north'")" 0

# ---- password files
cp pw open.pw
chmod 644 open.pw
confirm open.pw >/dev/null 2>"$T/.err"
rc=$?
check "a 0644 password file is refused" test "$rc" -ne 0
check_grep "says the file is too open" "permissions 0644 are too open" "$T/.err"
tp regenerate --admin demo --password-file open.pw --yes --input sel.tsv >o.tsv 2>/dev/null
check "a real run with a 0644 file fails" test $? -ne 0
check_eq "and makes no batch" "$(batches)" 1
check_eq "a refused file is not a wrong password" "$(sql "select failed from admin where name = 'demo'")" 0
check_exit "a missing password file" 66 confirm nothere.pw

# ---- admin add
printf 'short\n' >short.pw
chmod 600 short.pw
check_exit "admin add with a too-short password" 65 tp admin add shorty --site oakfield --password-file short.pw
check_grep "says how long it must be" "at least 10 characters" "$T/.err"
check_eq "the admin was not added" "$(sql "select count(*) from admin where name = 'shorty'")" 0
tp admin add loose --site oakfield --password-file open.pw >/dev/null 2>"$T/.err"
check "admin add with a 0644 file refused" test $? -ne 0
check_grep "says the file is too open" "permissions 0644 are too open" "$T/.err"
check_eq "that admin was not added" "$(sql "select count(*) from admin where name = 'loose'")" 0
check_exit "a --site after the stage other than the one before" 64 tp --site northgate admin add nosite --site oakfield --password-file pw
check_exit "admin add for an unconfigured site" 78 tp admin add far --site elsewhere --password-file pw
check_exit "admin add of an existing name" 65 tp admin add demo --site oakfield --password-file pw
check_exit "admin add with a bad name" 65 tp admin add 'bad name' --site oakfield --password-file pw
check_eq "admins stored as Argon2id hashes" \
  "$(sql "select count(*) from admin where pwhash like '\$argon2id\$%'")" 2
cat var/tempass.db var/tempass.db-wal >dbbytes 2>/dev/null
check "no admin password in the database or its WAL" test "$(grep -c -a -F 'correct horse battery' dbbytes)" -eq 0
tp admin list --format tsv >admins.tsv
check_eq "admin list" "$(cut -f1,2 admins.tsv | tr '\t\n' ':,')" "name:sites,demo:oakfield,north:northgate,"
check_exit "the audit chain is intact" 0 tp audit verify

# ---- a renamed admin keeps their password and sites
check_exit "admin rename" 0 tp admin rename north northgate-it
check_eq "the old name is gone" "$(sql "select count(*) from admin where name = 'north'")" 0
check_exit "the new name confirms with the same password" 0 tp --site northgate regenerate \
	--admin northgate-it --password-file pw --yes --dry-run --input empty.tsv
check_exit "the old name is refused" 77 tp --site northgate regenerate --admin north \
	--password-file pw --yes --dry-run --input empty.tsv
check_eq "the rename is audited" \
	"$(tp audit --format tsv | awk -F'\t' '$4 == "admin.rename" { print $7 }')" "north -> northgate-it"
check_exit "a rename to a name another admin has" 65 tp admin rename northgate-it demo
check_grep "says so" "admin 'demo' exists already" "$T/.err"
check_exit "a rename to a bad name" 65 tp admin rename northgate-it 'bad name'
check_exit "a rename of an admin that does not exist" 65 tp admin rename nosuch other
check_exit "a rename without its new name" 64 tp admin rename northgate-it
check_eq "those changed nothing" "$(sql "select name from admin order by name" | tr '\n' ' ')" "demo northgate-it "
check_exit "renamed back" 0 tp admin rename northgate-it north

# ---- a removed admin is refused
check_exit "admin remove" 0 tp admin remove north
check_exit "a removed admin is refused" 77 tp --site northgate regenerate --admin north \
	--password-file pw --yes --dry-run --input empty.tsv
check_eq "the removal is audited" "$(audit_count "$(tp audit --format tsv | awk -F'\t' '$4 == "admin.remove" { print $3 }')" admin.remove north)" 1
