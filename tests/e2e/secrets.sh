# secrets: no generated password is ever stored, logged or audited in
# plaintext (the raw bytes of the database and of its WAL are searched, not
# checkpointed first), and with reveal = no only Argon2id hashes are kept.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}

verify() { printf '%s\n' "$2" | tp verify "$1" 2>"$T/.verr"; }
# found LIST FILE...: how many lines of LIST occur anywhere in the raw bytes
# of the FILEs that exist (UTF-8 and, for safety, UTF-16 encodings).
found() {
	"$PY" - "$@" <<'EOF'
import os, sys
words = [w for w in open(sys.argv[1], encoding='utf-8').read().split('\n') if w]
blob = b''.join(open(f, 'rb').read() for f in sys.argv[2:] if os.path.exists(f))
n = sum(1 for w in words if w.encode() in blob or w.encode('utf-16-le') in blob
	or w.encode('utf-16-be') in blob)
print(n)
EOF
}

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
# The WAL is kept when tempass exits (hold_wal), as a login service's
# open connection would keep it.
hold_wal
DB=$(store_files pipeline.conf) WAL=$(store_wal pipeline.conf)
for y in 7 8 9 10 11; do set -- "$@" --group "Year $y"; done
tp select "$@" >all.tsv 2>/dev/null
check_exit "regenerate the whole school" 0 tp regenerate --admin demo --password-file pw --yes --input all.tsv
cp "$T/.out" b1.tsv
col b1.tsv password >passwords
u=$(col b1.tsv username | head -1)
check_exit "reset one user" 0 tp reset --admin demo --password-file pw "$u"
col "$T/.out" password >resetpw
cat resetpw >>passwords
n=$(wc -l <passwords)
check "there are passwords to look for" test "$n" -gt 250
# The current ones: the batch's but the reset user's, and the reset's (each
# once: two users may have the same password by chance).
{ paste <(col b1.tsv username) <(col b1.tsv password) |
	awk -F'\t' -v u="$u" '$1 != u { print $2 }'; cat resetpw; } | sort -u >current
check "the database has a WAL with data in it" test -s "$(echo "$WAL" | tail -1)"

# The search itself must work: the usernames are in the files.
col b1.tsv username | head -50 >usernames
check_eq "the search finds what is stored (usernames)" "$(found usernames $DB $WAL)" 50
check_eq "no password in the database file" "$(found passwords $DB)" 0
check_eq "no password in the WAL" "$(found passwords $WAL)" 0
tp audit --format tsv >audit.tsv
check "the audit lists the batch" grep -q 'credential.issue' audit.tsv
check_eq "no password in the audit" "$(found passwords audit.tsv)" 0
tp user "$u" >user.txt
check_eq "no password in a user's profile" "$(found passwords user.txt)" 0
tp unclaimed --format tsv >unclaimed.tsv
check_eq "no password in the unclaimed list" "$(found passwords unclaimed.tsv)" 0
tp batches --format tsv >batches.tsv
check_eq "no password in the batches list" "$(found passwords batches.tsv)" 0
tp unclaimed --show --admin demo --password-file pw --format tsv >shown.tsv 2>/dev/null
check_eq "unclaimed --show does reveal them" "$(found current shown.tsv)" "$(wc -l <current)"
check_eq "revealing stores no password" "$(found passwords $DB $WAL)" 0
check_eq "the key file is 0600" "$(stat -c %a keys/tempass.key)" 600
check_eq "in a 0700 folder of its own" "$(stat -c %a keys)" 700
pg_skip "the database's files are the server's" &&
	check_eq "the database is 0600" "$(stat -c %a var/tempass.db)" 600
check_eq "each current credential has a sealed copy" \
  "$(sql "select count(*) from credential where state = 'current' and sealed is not null and length(sealed) > 0")" $((n - 1))
release_wal
sql 'pragma wal_checkpoint(truncate)' >/dev/null
check_eq "nor after a checkpoint" "$(found passwords $(store_files pipeline.conf))" 0

# ---- a sealed copy moved to another user's row does not open
a=$(sql "select c.id from credential c where c.state = 'current' order by c.id limit 1")
b=$(sql "select c.id from credential c where c.state = 'current' order by c.id limit 1 offset 1")
ub=$(sql "select u.username from credential c join user u on u.id = c.user_id where c.id = $b")
pa=$(awk -F'\t' -v u="$(sql "select u.username from credential c join user u on u.id = c.user_id where c.id = $a")" \
	'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") p = i; next } $1 == u { print $p }' b1.tsv)
sql "update credential set sealed = (select sealed from credential where id = $a) where id = $b"
verify "$ub" "$pa"
check "a moved sealed copy does not verify" test $? -ne 0
tp unclaimed --show --admin demo --password-file pw --format tsv --search "$ub" >moved.tsv 2>moved.err
check "unclaimed --show refuses to show it" test $? -ne 0
check_eq "and does not show the other user's password" "$(grep -cF -- "$pa" moved.tsv)" 0
check_grep "says it does not open" "does not open" moved.err

# ---- reveal = no: only Argon2id hashes
sed -i 's/^reveal *=.*/reveal = no/' pipeline.conf
check "reveal = no is set" grep -qx 'reveal = no' pipeline.conf
tp select --group 7A >a.tsv 2>/dev/null
n7a=$(($(wc -l <a.tsv) - 1))
check_exit "regenerate with reveal = no" 0 tp regenerate --admin demo --password-file pw --yes --input a.tsv
cp "$T/.out" h.tsv
v=$(col h.tsv version | sort -u)
check_eq "the batch holds one credential per user" \
  "$(sql "select count(*) from credential c join batch b on b.id = c.batch_id where b.version = $v")" "$n7a"
check_eq "stored as Argon2id hashes only" \
  "$(sql "select count(*) from credential c join batch b on b.id = c.batch_id where b.version = $v and c.pwhash like '\$argon2id\$%' and c.sealed is null")" "$n7a"
uh=$(col h.tsv username | head -1)
verify "$uh" "$(col h.tsv password | head -1)"
check_eq "verify works against the hash" $? 0
verify "$uh" "$(col h.tsv password | sed -n 2p)"
check_eq "verify refuses another password against the hash" $? 77
col h.tsv password >hashed-passwords
check_eq "no hashed password in the database or WAL" "$(found hashed-passwords $(store_files pipeline.conf) $(store_wal pipeline.conf))" 0
check_exit "unclaimed --show refused (exit 69)" 69 tp unclaimed --show --admin demo --password-file pw
check_grep "says why" "only as hashes" "$T/.err"
check_exit "unclaimed without --show still works" 0 tp unclaimed --format tsv --group 7A
check_eq "and lists the hashed passwords as dots" "$(col "$T/.out" password | sort -u)" "••••••••"
check_exit "reset with reveal = no" 0 tp reset --admin demo --password-file pw "$uh"
verify "$uh" "$(col "$T/.out" password)"
check_eq "the reset password verifies against its hash" $? 0
check_exit "expire with reveal = no" 0 env TEMPASS_NOW=2026-11-01T00:00:00Z "$TEMPASS_BIN" --config "$T/pipeline.conf" expire
check_eq "expired hashes are deleted too" \
  "$(sql "select count(*) from credential where state = 'expired' and (pwhash is not null or sealed is not null)")" 0
