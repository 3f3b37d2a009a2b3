# keyfile: the sealing key lives in a folder of its own (keys/, 0700), and
# is made only while the store holds no sealed password. Once there are
# some, a key that is missing, empty or another one is refused (exit 77)
# by every stage that needs it, with one message that names the file; no
# new key is made, nothing is written; putting the key back mends all.
. "$(dirname "$0")/../lib.sh"
write_conf

KEY=$T/keys/tempass.key
batches() { sql 'select count(*) from batch'; }
sealed() { sql "select count(*) from credential where state = 'current' and sealed is not null"; }
verify() { printf '%s\n' "$2" | tp verify "$1"; }
failed_of() { sql "select c.failed from credential c join user u on u.id = c.user_id where u.username = '$1' and c.state = 'current'"; }
# refused NAME CMD...: CMD exits 77, says which key file and why, makes no
# key file and no batch.
refused() {
	local name=$1 before
	shift
	before=$(batches)
	check_exit "$name: exit 77" 77 "$@"
	check_grep "$name: names the key file and says passwords are sealed with it" \
		"'$KEY': .*; the store holds passwords sealed with this key" "$T/.err"
	check_eq "$name: says it once" "$(grep -c "^tempass:" "$T/.err")" 1
	check "$name: no new key file" test ! -e "$KEY"
	check_eq "$name: no batch" "$(batches)" "$before"
}

# ---- a new store makes its key, apart from the database's folder
check_exit "run --demo on a new store" 0 tp run --demo
check "the key is made" test -s "$KEY"
check_eq "in keys/, 0700" "$(stat -c %a "$T/keys")" 700
check_eq "the key is 0600" "$(stat -c %a "$KEY")" 600
check "nothing key-like beside the database" test -z "$(ls "$T/var" | grep -v '^tempass\.db' | grep -v '\.pw$')"
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add alice --site oakfield --password-file pw
tp select --group 7A >sel.tsv 2>/dev/null
check_exit "a batch for 7A" 0 tp regenerate --admin alice --password-file pw --yes --input sel.tsv
cp "$T/.out" b1.tsv
P=$(col b1.tsv username | sed -n 1p)
PW=$(paste <(col b1.tsv username) <(col b1.tsv password) | awk -F'\t' -v u="$P" '$1 == u { print $2 }')
n=$(sealed)
check "the store holds sealed passwords" test "$n" -gt 0
cp -p "$KEY" saved.key

# ---- the key moved away
mv "$KEY" moved.key
refused "regenerate without the key" tp regenerate --admin alice --password-file pw --yes --input sel.tsv
check_nogrep "regenerate without the key: refused before it offers the batch" \
	"will be regenerated" "$T/.err"
refused "verify without the key" verify "$P" "$PW"
check_eq "verify without the key counts no failure" "$(failed_of "$P")" 0
refused "unclaimed --show without the key" tp unclaimed --show --admin alice --password-file pw --format tsv
refused "reset without the key" tp reset --admin alice --password-file pw "$P"
refused "run without the key" tp run
check_eq "nothing sealed was lost" "$(sealed)" "$n"

# ---- an empty key file
: >"$KEY"
chmod 600 "$KEY"
check_exit "regenerate with an empty key file: exit 77" 77 \
	tp regenerate --admin alice --password-file pw --yes --input sel.tsv
check_grep "says it is empty and that passwords are sealed with it" \
	"'$KEY': key file is 0 bytes.*; the store holds passwords sealed with this key" "$T/.err"
check_eq "the empty file is left as it was" "$(stat -c %s "$KEY")" 0
verify "$P" "$PW" 2>"$T/.err"
check_eq "verify with an empty key file: exit 77" $? 77
check_exit "unclaimed --show with an empty key file: exit 77" 77 \
	tp unclaimed --show --admin alice --password-file pw --format tsv
check_eq "no batch" "$(batches)" 2

# ---- another valid key
"${PYTHON:-/usr/bin/python3}" -c 'import os; print(os.urandom(32).hex())' >"$KEY"
cp "$KEY" other.key
check_exit "unclaimed --show with another key: exit 77" 77 \
	tp unclaimed --show --admin alice --password-file pw --format tsv
check_grep "says the key does not open the sealed passwords" \
	"'$KEY': this key does not open the passwords the store holds sealed" "$T/.err"
check_eq "in one message, not one per password" "$(grep -c "^tempass:" "$T/.err")" 1
check_eq "and shows no password" "$(col "$T/.out" password | grep -vc '•')" 0
check_exit "regenerate with another key: exit 77" 77 \
	tp regenerate --admin alice --password-file pw --yes --input sel.tsv
check_eq "seals nothing with it: no batch" "$(batches)" 2
verify "$P" "$PW" 2>"$T/.err"
check_eq "verify with another key: exit 77" $? 77
check_grep "verify says so once" "this key does not open" "$T/.err"
check "the other key is left as it was" cmp -s "$KEY" other.key

# ---- the key put back
cp -p saved.key "$KEY"
verify "$P" "$PW" 2>"$T/.err"
check_eq "with the key back, the right password verifies" $? 0
check_exit "unclaimed --show works again" 0 \
	tp unclaimed --show --admin alice --password-file pw --format tsv
check_eq "and shows the batch's passwords" \
  "$(same_pairs <(paste <(col "$T/.out" username) <(col "$T/.out" password) | sort) \
	<(paste <(col b1.tsv username) <(col b1.tsv password) | sort))" "$(($(wc -l <b1.tsv) - 1))"
check_exit "regenerate works again" 0 tp regenerate --admin alice --password-file pw --yes --input sel.tsv
check "with the same key" cmp -s "$KEY" saved.key
check_exit "the audit chain is intact" 0 tp audit verify
check_eq "one current credential per user" \
  "$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0

# ---- a key lost for good: reveal = no until nothing is sealed
rm -f "$KEY"
sed -i 's/^reveal = yes/reveal = no/' pipeline.conf
tp select --group 'Year 7' >y7.tsv 2>/dev/null
check_exit "with reveal = no, regenerate needs no key" 0 \
	tp regenerate --admin alice --password-file pw --yes --input y7.tsv
check "and makes none" test ! -e "$KEY"
check_eq "nothing sealed is left" "$(sealed)" 0
sed -i 's/^reveal = no/reveal = yes/' pipeline.conf
check_exit "then reveal = yes makes a new key" 0 \
	tp regenerate --admin alice --password-file pw --yes --input sel.tsv
check "a new key file" test -s "$KEY"
check "which is not the old one" test "$(cat "$KEY")" != "$(cat saved.key)"
check_eq "the new batch is sealed with it" "$(sealed)" "$(($(wc -l <sel.tsv) - 1))"
check_exit "and shows" 0 tp unclaimed --show --admin alice --password-file pw --format tsv
check_exit "the audit chain is intact at the end" 0 tp audit verify
