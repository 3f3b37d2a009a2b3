# guesses: wrong passwords tried in parallel are each counted before they
# are checked, so a lock-out or an attempt limit holds however many
# processes guess at once: 20 parallel wrong admin confirmations leave the
# count at 20, check five and lock the admin; 20 parallel wrong verifies
# check ten and leave the password refused.
. "$(dirname "$0")/../lib.sh"
write_conf

N=20
# confirm FILE [ADMIN]: a dry-run regeneration, which starts with the
# confirmation and changes nothing else.
confirm() {
	tp regenerate --admin "${2:-demo}" --password-file "$1" --yes \
		--dry-run --input "$T/sel.tsv"
}
# parallel N CMD...: runs CMD N times at once; prints the exit codes that
# are not 77, one a line (nothing when every one was refused).
parallel() {
	local n=$1 pids=() i rc
	shift
	for i in $(seq "$n"); do "$@" >/dev/null 2>&1 & pids+=($!); done
	for i in "${pids[@]}"; do
		wait "$i"
		rc=$?
		[ "$rc" -eq 77 ] || echo "$rc"
	done
}
verify() { printf '%s\n' "$2" | tp verify "$1"; }
# attempts ACTOR: the attempt numbers the admin's audit events name.
attempts() {
	tp audit --format tsv | awk -F'\t' -v a="$1" '$3 == a' |
		grep -o 'failed attempt [0-9]*' | awk '{ print $3 }' | sort -n |
		tr '\n' ,
}
one_current() {
	sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)"
}

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
printf 'wrong horse battery\n' >bad
chmod 600 pw bad
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
check_exit "a second admin" 0 tp admin add other --site oakfield --password-file pw
tp select --group 7A >sel.tsv 2>/dev/null
check_exit "a batch for 7A" 0 tp regenerate --admin other --password-file pw --yes --input sel.tsv
cp "$T/.out" b1.tsv
pw_of() { paste <(col b1.tsv username) <(col b1.tsv password) | awk -F'\t' -v u="$1" '$1 == u { print $2 }'; }
R=$(col b1.tsv username | sed -n 1p) S=$(col b1.tsv username | sed -n 2p)
U=$(col b1.tsv username | sed -n 3p)

# ---- verify: 20 parallel wrong guesses, no more than 10 checked
check_eq "$N parallel wrong verifies are all refused" "$(parallel $N verify "$R" not-the-password)" ""
check_eq "each is counted" \
  "$(sql "select c.failed from credential c join user u on u.id = c.user_id where u.username = '$R' and c.state = 'current'")" $N
check_eq "ten were checked and audited" \
  "$(tp audit --user "$R" --format tsv | cut -f4 | grep -cx credential.verify.fail)" 10
verify "$R" "$(pw_of "$R")" 2>"$T/.err"
check_eq "then the right password is refused" $? 77
check_grep "says why" "refused after 10 failed attempts" "$T/.err"
# negative: fewer than ten wrong guesses leave the right password working
check_eq "3 parallel wrong verifies of another user" "$(parallel 3 verify "$S" not-the-password)" ""
verify "$S" "$(pw_of "$S")" 2>"$T/.err"
check_eq "then the right password works" $? 0
check_eq "and the count holds the three failures only" \
  "$(sql "select c.failed from credential c join user u on u.id = c.user_id where u.username = '$S' and c.state = 'current'")" 3
verify "$U" "$(pw_of "$U")" 2>"$T/.err"
check_eq "a right password counts no failure" \
  "$(sql "select c.failed from credential c join user u on u.id = c.user_id where u.username = '$U' and c.state = 'current'")" 0

# ---- admin: 20 parallel wrong confirmations lock after the fifth
check_eq "$N parallel wrong confirmations are all refused" "$(parallel $N confirm bad)" ""
check_eq "the count is $N" "$(sql "select failed from admin where name = 'demo'")" $N
check_eq "the audit counts attempts 1 to $N, each once" "$(attempts demo)" "$(seq -s, 1 $N),"
check_eq "five were checked" \
  "$(tp audit --format tsv | awk -F'\t' '$3 == "demo" && $4 == "admin.confirm.fail"' | wc -l)" 5
check_eq "the fifth locked the admin" \
  "$(tp audit --format tsv | awk -F'\t' '$3 == "demo" && $4 == "admin.confirm.fail" && $7 ~ /locked for 15 minutes/' | wc -l)" 1
check_exit "then the right password is refused" 77 confirm pw
check_grep "says the admin is locked" "admin 'demo' is locked until" "$T/.err"
check_eq "and that attempt is counted too" "$(sql "select failed from admin where name = 'demo'")" $((N + 1))
check_exit "a real run is refused" 77 tp regenerate --admin demo --password-file pw --yes --input sel.tsv
check_eq "no batch made by the locked admin" "$(sql "select count(*) from batch where actor = 'demo'")" 0

# negative: four parallel wrong confirmations, then the right one works
check_eq "4 parallel wrong confirmations" "$(parallel 4 confirm bad other)" ""
check_eq "count 4" "$(sql "select failed from admin where name = 'other'")" 4
check_exit "the right password still confirms" 0 confirm pw other
check_eq "and resets the count" "$(sql "select failed || '|' || locked_until from admin where name = 'other'")" "0|0"

# a lock an older tempass set (it cleared the count as it locked) holds
sql "update admin set failed = 0, locked_until = strftime('%s', '2026-09-03T08:20:00Z') where name = 'other'"
check_exit "a lock with a count of 0 still refuses" 77 confirm pw other
check_grep "says until when" "admin 'other' is locked until 2026-09-03T08:20:00Z" "$T/.err"
TEMPASS_NOW=2026-09-03T08:21:00Z confirm pw other >/dev/null 2>&1
check_eq "and lapses in its time" $? 0

# ---- an attempt whose process was killed mid-check is taken back
# A killed confirmation leaves its attempt counted and open, with its
# process; five such (as five interrupted runs would leave) lock the
# admin until the next attempt finds their processes gone.
sh -c 'exit 0' & dead=$!
wait "$dead"
abandon() {
	sql "update admin set failed = failed + 1, locked_until = case when failed + 1 >= 5 then strftime('%s', '2026-09-03T08:30:00Z') else 0 end where name = '$1';
	     insert into admin_attempt (admin_id, pid, number, started) select id, $2, failed, 0 from admin where name = '$1'"
}
check_exit "admin add 'third'" 0 tp admin add third --site oakfield --password-file pw
for _ in 1 2 3 4 5; do abandon third "$dead"; done
check_eq "five killed attempts left the admin locked" \
  "$(sql "select failed, locked_until > 0 from admin where name = 'third'" | tr '\n' ' ')" "5|1 "
check_exit "the next right password confirms: the killed ones are taken back" 0 confirm pw third
check_eq "the count and the lock are cleared" \
  "$(sql "select failed || '|' || locked_until from admin where name = 'third'")" "0|0"
check_eq "no open attempt is left" "$(sql "select count(*) from admin_attempt")" 0
check_eq "the audit says five were taken back" \
  "$(tp audit --format tsv | awk -F'\t' '$3 == "third" && $4 == "admin.attempt.abandoned"' | grep -c '5 attempt(s) taken back')" 1
# negative: attempts whose process still runs (this shell) stay counted
for _ in 1 2 3 4 5; do abandon third $$; done
check_exit "open attempts of a live process still lock" 77 confirm pw third
check_grep "says the admin is locked" "admin 'third' is locked until" "$T/.err"
check_eq "nothing was taken back" "$(sql "select count(*) from admin_attempt where pid = $$")" 5
sql "delete from admin_attempt"

# ---- the store afterwards
check_exit "the audit chain is intact" 0 tp audit verify
check_eq "one current credential per user" "$(one_current)" 0
check_eq "every 7A pupil still has theirs" \
  "$(sql "select count(*) from credential where state = 'current'")" "$(($(wc -l <b1.tsv) - 1))"

