# storefile: the store is what it seems. A database file that is empty,
# truncated or not a database is refused (exit 74, naming it), never taken
# for a new store that an import fills again; a damaged page anywhere is
# found by 'audit verify' (exit 65); the stages that only read work on a
# read-only copy; and each kind of failure has one exit status whatever
# the stage.
. "$(dirname "$0")/../lib.sh"
pg_skip "its subject is SQLite's file (empty, truncated, damaged, read-only)" || exit 0
write_conf

sample_batch b.tsv
users0=$(sql 'select count(*) from user')
# A copy of the store, whole (no WAL beside it).
sqlite3 var/tempass.db ".backup '$T/good.db'"
# conf_db DB: a configuration whose database is DB.
conf_db() { sed "s#^database = .*#database = $1#" pipeline.conf >"$T/db.conf"; }
td() { "$TEMPASS_BIN" --config "$T/db.conf" "$@"; }

# ==== Empty, truncated, not a database: refused, never made afresh
size=$(stat -c %s good.db)
page=$(sqlite3 good.db 'pragma page_size')
: >empty.db
head -c $((size / page / 2 * page)) good.db >half.db
head -c $((size - 100)) good.db >cut.db
printf 'Adno,Forename\n1,Ann\n' >text.db
for db in empty half cut text; do
	conf_db "$T/$db.db"
	cp -p "$db.db" "$db.before"
	check_exit "users on a $db database file: exit 74" 74 td users
	check_grep "it names the file" "^tempass: users: '$T/$db.db': " "$T/.err"
	check_exit "import on a $db database file: exit 74" 74 td import
	check "the $db file is left as it was, no user added to it" cmp -s "$db.db" "$db.before"
done
conf_db "$T/empty.db"
check_grep "an empty file is said to be empty" "database file is empty (0 bytes)" <(td users 2>&1)
conf_db "$T/half.db"
check_grep "a file cut at a page is said to be truncated" "database file is truncated" <(td users 2>&1)
conf_db "$T/cut.db"
check_grep "a file cut inside a page is said to be truncated" "database file is truncated" <(td users 2>&1)
conf_db "$T/text.db"
check_grep "a text file is not a SQLite database" "not a SQLite database" <(td users 2>&1)
# One status for a malformed store, whatever the stage (never 73).
conf_db "$T/half.db"
for st in "groups" "batches" "audit" "unclaimed" "user $(col b.tsv username | head -1)" \
	  "select --group 7A" "run --no-import"; do
	# shellcheck disable=SC2086
	check_exit "$st on a truncated store: exit 74" 74 td $st
done
check_exit "audit verify on a truncated store: exit 65, its verdict on damage" 65 td audit verify
conf_db "$T/new/var/fresh.db"
check_exit "a missing database is still created" 0 td users
check_eq "whole, with its schema, mode 0600" \
	"$(sqlite3 new/var/fresh.db 'pragma integrity_check') $(stat -c %a new/var/fresh.db)" "ok 600"
check_eq "and nothing else left beside it" "$(ls new/var | grep -vc '^fresh\.db\(-wal\|-shm\)\?$')" 0

# ==== A damaged page is found by audit verify
cp good.db bad.db
pages=$((size / page))
# Random bytes over a page in the middle, the header (page 1) intact.
head -c "$page" /dev/urandom | dd of=bad.db bs="$page" seek=$((pages / 2)) conv=notrunc 2>/dev/null
check "sqlite3 finds the page damaged" test "$(sqlite3 bad.db 'pragma quick_check' 2>&1 | head -1)" != ok
conf_db "$T/bad.db"
check_exit "audit verify on a store with a damaged page: exit 65" 65 td audit verify
check_grep "and says the database is damaged" "^tempass: audit: '$T/bad.db': database is damaged" "$T/.err"
conf_db "$T/good.db"
check_exit "audit verify on the whole copy: exit 0" 0 td audit verify

# ==== A read-only copy: the stages that only read work
ro() {
	local why
	mkdir -p "$T/ro/var"
	cp good.db "$T/ro/var/tempass.db"
	if ! why=$( { mount --bind "$T/ro/var" "$T/ro/var" && mount -o remount,bind,ro "$T/ro/var"; } 2>&1); then
		ok "skipped: a read-only store: cannot bind-mount read-only here: $why"
		return 0
	fi
	conf_db "$T/ro/var/tempass.db"
	local u
	u=$(col "$T/b.tsv" username | head -1)
	for st in "users" "groups" "user $u" "batches" "audit" "unclaimed" "audit verify"; do
		# shellcheck disable=SC2086
		check_exit "$st on a read-only mount: exit 0" 0 td $st
		# shellcheck disable=SC2086
		cp "$T/.out" "$T/ro.out"
		# shellcheck disable=SC2086
		"$TEMPASS_BIN" --config "$T/pipeline.conf" $st >"$T/rw.out" 2>/dev/null
		check "$st: the same as on the store itself" cmp -s "$T/ro.out" "$T/rw.out"
	done
	check_exit "a stage that writes, on a read-only mount: exit 74" 74 td import
	check_grep "it says the database is read-only" "'$T/ro/var/tempass.db': .*readonly database" "$T/.err"
	check_eq "nothing was made beside it" "$(ls "$T/ro/var" | tr '\n' ' ')" "tempass.db "
}
if unshare -m --propagation private true 2>/dev/null; then
	{ declare -f; declare -p T ROOT TEMPASS_BIN TEMPASS_NOW; } >"$T/ns.sh" 2>/dev/null
	unshare -m --propagation private bash -c ". '$T/ns.sh'; cd '$T'; ro"
else
	ok "skipped: a read-only store: no private mount namespace here"
fi

# A backup this user may not write: the file 0400 in a folder 0500. As
# root, permissions are not enforced: the stages then run as nobody
# (setpriv) on a copy nobody owns.
mkdir -p bk/var
cp good.db bk/var/tempass.db
unprivileged bk
chmod 400 bk/var/tempass.db
chmod 500 bk/var
sed "s#^database = .*#database = $T/bk/var/tempass.db#" pipeline.conf >bk.conf
chmod 644 bk.conf
if [ "${as[0]:-}" = skip ]; then
	ok "skipped: a backup without write permission: running as root and setpriv cannot switch to nobody"
else
	for st in "users" "groups" "batches" "audit" "audit verify"; do
		# shellcheck disable=SC2086
		check_exit "$st on a 0400 store in a 0500 folder${as:+, as nobody}: exit 0" 0 \
			"${as[@]}" "$TEMPASS_BIN" --config "$T/bk.conf" $st
	done
	check_eq "users there lists every user" \
		"$("${as[@]}" "$TEMPASS_BIN" --config "$T/bk.conf" users --format tsv 2>/dev/null | tail -n +2 | wc -l)" "$users0"
	check_exit "import there: exit 74" 74 "${as[@]}" "$TEMPASS_BIN" --config "$T/bk.conf" import
	check_eq "the backup is unchanged, nothing made beside it" \
		"$(cmp -s good.db bk/var/tempass.db && echo same) $(ls bk/var | tr '\n' ' ')" "same tempass.db "
fi

# ==== The store afterwards
check_eq "the store lost no user" "$(sql 'select count(*) from user')" "$users0"
check_eq "one current credential per user at most" \
	"$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0
check_exit "the audit chain verifies" 0 tp audit verify
