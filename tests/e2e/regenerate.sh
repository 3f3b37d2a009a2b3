# regenerate: batches that void older passwords, claimed users left alone,
# reset of one user, and the guards of the stage (terminal, dry run, unknown
# users, a stream without usernames, columns passed through).
. "$(dirname "$0")/../lib.sh"
write_conf

# pairs FILE [GROUP]: "username<TAB>password" of each row (in GROUP).
pairs() {
	awk -F'\t' -v g="${2:-}" 'NR == 1 { for (i = 1; i <= NF; i++) {
			if ($i == "username") u = i; if ($i == "password") p = i
			if ($i == "group") gc = i }; next }
		g == "" || $gc == g { print $u "\t" $p }' "$1"
}
# pw_of FILE USERNAME: the password USERNAME has in FILE.
pw_of() { pairs "$1" | awk -F'\t' -v u="$2" '$1 == u { print $2 }'; }
# verify USERNAME PASSWORD: the exit status of tempass verify.
verify() { printf '%s\n' "$2" | tp verify "$1" 2>"$T/.verr"; }
# verify_all FILE GROUP WANT: how many users of GROUP in FILE do not get
# exit status WANT from verify with their password of FILE.
verify_all() {
	local u p bad=0
	while IFS=$'\t' read -r u p; do
		verify "$u" "$p"
		[ $? -eq "$3" ] || bad=$((bad + 1))
	done < <(pairs "$1" "$2")
	echo "$bad"
}
batches() { sql 'select count(*) from batch'; }
creds() { sql 'select count(*) from credential'; }
regen() { tp regenerate --admin demo --password-file "$T/pw" --yes "$@"; }

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw

tp select --group 7A >a.tsv 2>/dev/null
tp select --group 7B >b.tsv 2>/dev/null
n7a=$(($(wc -l <a.tsv) - 1))
n7b=$(($(wc -l <b.tsv) - 1))
check "7A and 7B have pupils" test "$n7a" -gt 2 -a "$n7b" -gt 2

# ---- batch 1 covers 7A and 7B, batch 2 covers 7A
tp select --group 7A --group 7B >ab.tsv 2>/dev/null
check_exit "batch 1: regenerate 7A and 7B" 0 regen --input ab.tsv
cp "$T/.out" b1.tsv
check_grep "batch 1 summary" "^batch v1: $((n7a + n7b)) password(s) regenerated, 0 older password(s) voided" "$T/.err"
check_eq "batch 1 writes one row per user" "$(($(wc -l <b1.tsv) - 1))" $((n7a + n7b))
check_eq "batch 1 rows carry version 1" "$(col b1.tsv version | sort -u)" 1
check_eq "batch 1 gives every user a password" "$(col b1.tsv password | grep -c .)" $((n7a + n7b))
check_eq "the group that selected each user is kept" \
  "$(pairs b1.tsv 7A | wc -l) $(pairs b1.tsv 7B | wc -l)" "$n7a $n7b"
check_eq "expiry is 28 days on (default policy)" "$(col b1.tsv expires | sort -u)" 2026-10-01T08:14:00Z
check_eq "generated_at is the batch time" "$(col b1.tsv generated_at | sort -u)" 2026-09-03T08:14:00Z

check_exit "batch 2: regenerate 7A" 0 regen --input a.tsv
cp "$T/.out" b2.tsv
check_grep "batch 2 summary counts the voided" "^batch v2: $n7a password(s) regenerated, $n7a older password(s) voided" "$T/.err"
check_eq "batch 2 rows carry version 2" "$(col b2.tsv version | sort -u)" 2
check_eq "7A's new passwords differ from batch 1" "$(same_passwords b1.tsv b2.tsv)" 0
check_eq "7A's batch-1 passwords are void (verify fails)" "$(verify_all b1.tsv 7A 77)" 0
check_eq "7A's batch-2 passwords work" "$(verify_all b2.tsv 7A 0)" 0
check_eq "7B's batch-1 passwords stay valid" "$(verify_all b1.tsv 7B 0)" 0
u7a=$(col a.tsv username | head -1)
verify "$u7a" "$(pw_of b1.tsv "$u7a")"
check_grep "a void password is refused as wrong" "wrong password" "$T/.verr"
check_eq "voided credentials are state void, sealed copy gone" \
  "$(sql "select count(*) from credential c join batch b on b.id = c.batch_id where b.version = 1 and c.state = 'void' and c.sealed is null and c.voided_by = (select id from batch where version = 2)")" "$n7a"
check_eq "the voiding is audited" \
  "$(tp audit --batch 2 --format tsv | grep -c 'voided the password of batch v1')" "$n7a"

tp batches --format tsv >batches.tsv
check_grep "batches: header" "^version	created_at	actor	criteria	count	current	claimed	void	expired	revoked	kind$" batches.tsv
check_eq "batches: versions newest first" "$(col batches.tsv version | tr '\n' ,)" "2,1,"
check_eq "batches: v2 counts per state" "$(awk -F'\t' '$1 == 2' batches.tsv | cut -f3-10)" \
  "$(printf 'demo\tgroups: 7A\t%s\t%s\t0\t0\t0\t0' "$n7a" "$n7a")"
check_eq "batches: v1 counts per state" "$(awk -F'\t' '$1 == 1' batches.tsv | cut -f3-10)" \
  "$(printf 'demo\tgroups: 7A, 7B\t%s\t%s\t0\t%s\t0\t0' $((n7a + n7b)) "$n7b" "$n7a")"

# ---- a user who claimed is left alone
check_exit "claim one 7A user" 0 tp claim "$u7a"
tp select --group 7A >a2.tsv 2>/dev/null
check_eq "select no longer lists the claimed user" "$(col a2.tsv username | grep -cx "$u7a")" 0
check_eq "select lists the others" "$(($(wc -l <a2.tsv) - 1))" $((n7a - 1))
tp select --all --group 7A >aall.tsv 2>/dev/null
check_eq "select --all lists them, claimed" \
  "$(awk -F'\t' -v u="$u7a" '$1 == u' aall.tsv | cut -f10)" yes
cl_before=$(sql "select group_concat(state) from (select c.state from credential c join user u on u.id = c.user_id where u.username = '$u7a' order by c.id)")
check_eq "their batch-2 credential is claimed" "$cl_before" "void,claimed"
check_exit "regenerate 7A with the claimed user in the stream" 0 regen --input aall.tsv
cp "$T/.out" b3.tsv
check_grep "the summary counts the skipped before" "^$((n7a - 1)) temporary password(s) will be regenerated at Oakfield Academy (groups: 7A); skipped: 1 claimed their account, 0 left$" "$T/.err"
check_grep "the summary counts the skipped after" "^batch v3: $((n7a - 1)) password(s) regenerated, $((n7a - 1)) older password(s) voided, 1 skipped (claimed)$" "$T/.err"
check_eq "the claimed user gets no new password" "$(col b3.tsv username | grep -cx "$u7a")" 0
check_eq "the others do" "$(($(wc -l <b3.tsv) - 1))" $((n7a - 1))
check_eq "the claimed user's credentials are unchanged" \
  "$(sql "select group_concat(state) from (select c.state from credential c join user u on u.id = c.user_id where u.username = '$u7a' order by c.id)")" "$cl_before"
check_eq "the claimed user stays claimed" \
  "$(sql "select claimed_at is not null from user where username = '$u7a'")" 1
verify "$u7a" "$(pw_of b2.tsv "$u7a")"
check_eq "a claimed user's temporary password no longer verifies" $? 77
check_exit "a stream of only claimed users" 0 regen --input <(printf 'username\tgroup\n%s\t7A\n' "$u7a")
check_grep "says there is nothing to do" "^nothing to regenerate" "$T/.err"
check_eq "and makes no batch" "$(batches)" 3

# ---- reset: a batch of one
u7b=$(col b.tsv username | head -1)
check_exit "reset one 7B user" 0 tp reset --admin demo --password-file pw "$u7b"
cp "$T/.out" r.tsv
check_eq "reset writes one record" "$(($(wc -l <r.tsv) - 1))" 1
check_eq "reset record is the user's" "$(col r.tsv username)" "$u7b"
check_eq "reset is batch v4" "$(col r.tsv version)" 4
check_grep "reset says the older one is void" "^batch v4: new password for $u7b; the older one is void" "$T/.err"
check_eq "the reset batch holds one credential" \
  "$(sql "select count || '|' || criteria from batch where version = 4")" "1|reset of $u7b"
check_eq "the reset batch has one credential row" \
  "$(sql "select count(*) from credential where batch_id = (select id from batch where version = 4)")" 1
verify "$u7b" "$(pw_of b1.tsv "$u7b")"
check_eq "after reset the old password is void" $? 77
verify "$u7b" "$(col r.tsv password)"
check_eq "after reset the new password works" $? 0
check_eq "other 7B users keep batch 1" "$(sql "select count(*) from credential c join batch b on b.id = c.batch_id where b.version = 1 and c.state = 'current'")" $((n7b - 1))
check_exit "reset of a claimed user refused" 65 tp reset --admin demo --password-file pw "$u7a"
check_grep "the refusal says why" "'$u7a' has claimed their account" "$T/.err"
check_exit "reset of an unknown user refused" 65 tp reset --admin demo --password-file pw nosuchuser
check_eq "refused resets made no batch" "$(batches)" 4

# ---- passwords never go to a terminal by accident
tp select --group 7C >c.tsv 2>/dev/null
n7c=$(($(wc -l <c.tsv) - 1))
if command -v script >/dev/null 2>&1; then
	nb=$(batches)
	script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' regenerate --admin demo --password-file '$T/pw' --yes --input '$T/c.tsv'" /dev/null </dev/null >tty.out 2>&1
	check_eq "regenerate to a terminal refused (exit 64)" $? 64
	check_grep "the terminal refusal says why" "refusing to write passwords to a terminal" tty.out
	check_eq "the refused run made no batch" "$(batches)" "$nb"
	script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' reset --admin demo --password-file '$T/pw' '$u7b'" /dev/null </dev/null >tty2.out 2>&1
	check_eq "reset to a terminal refused (exit 64)" $? 64
	check_eq "the refused reset made no batch" "$(batches)" "$nb"
	script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' regenerate --admin demo --password-file '$T/pw' --yes --show --input '$T/c.tsv'" /dev/null </dev/null >tty3.out 2>&1
	check_eq "--show allows the terminal" $? 0
	check_eq "--show made a batch" "$(batches)" $((nb + 1))
	check_eq "--show printed the passwords" \
	  "$(grep -cE '	[a-z]+-[a-z]+-[2-9]{2}'$'\r''?$' tty3.out)" "$n7c"
else
	ok "# SKIP terminal checks: 'script' (util-linux) is not installed"
fi

# ---- --dry-run changes nothing
nb=$(batches) nc=$(creds)
check_exit "--dry-run" 0 regen --dry-run --input c.tsv
check_eq "--dry-run writes no passwords" "$(wc -c <"$T/.out")" 0
check_grep "--dry-run says how many" "^$n7c temporary password(s) will be regenerated" "$T/.err"
check_eq "--dry-run makes no batch" "$(batches)" "$nb"
check_eq "--dry-run makes no credential" "$(creds)" "$nc"

# ---- an unknown user in the stream changes nothing
awk -F'\t' 'BEGIN { OFS = FS } { print } END { $1 = "nosuchuser"; print }' c.tsv >cbad.tsv
check_exit "an unknown username exits 65" 65 regen --input cbad.tsv
check_grep "names the unknown user" "no user 'nosuchuser' at site 'oakfield'" "$T/.err"
check_grep "says nothing changed" "nothing changed" "$T/.err"
check_eq "no passwords written" "$(wc -c <"$T/.out")" 0
check_eq "unknown user: no batch" "$(batches)" "$nb"
check_eq "unknown user: no credential" "$(creds)" "$nc"

# ---- a stream without a username column
cut -f2- c.tsv >nouser.tsv
check_exit "a stream without username exits 65" 65 regen --input nouser.tsv
check_grep "says which column is missing" "no 'username' column" "$T/.err"
check_eq "no username: no batch" "$(batches)" "$nb"

# ---- columns added with awk pass through
awk -F'\t' 'BEGIN { OFS = FS } NR == 1 { print $0, "locker"; next } { print $0, "L-" $1 }' c.tsv |
	regen >pt.tsv 2>"$T/.err"
check_eq "regenerate reads a stream from a pipe" $? 0
check_eq "the added column is in the output header" "$(head -1 pt.tsv | tr '\t' '\n' | grep -cx locker)" 1
check_eq "every row carries its own added value" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "locker") l = i; if ($i == "username") u = i }; next }
	l && $l == "L-" $u { n++ } END { print n + 0 }' pt.tsv)" "$n7c"
check_eq "known columns pass too (forename)" "$(col pt.tsv forename | sort | tr '\n' ,)" "$(col c.tsv forename | sort | tr '\n' ,)"

# ---- an earlier output fed back in: its password column is replaced
regen --input pt.tsv >pt2.tsv 2>"$T/.err"
check_eq "regenerate from an earlier output" $? 0
check_eq "one password column, not two" "$(head -1 pt2.tsv | tr '\t' '\n' | grep -cx password)" 1
check_eq "the passwords are new" "$(same_passwords pt.tsv pt2.tsv)" 0
check_eq "the version is the new batch's" "$(col pt2.tsv version | sort -u)" "$(batches)"

# ---- pass-through in CSV and NDJSON, with values that need quoting
tp select --group 7C --format csv 2>/dev/null |
	awk '{ sub(/\r$/, "") } NR == 1 { print $0 ",note\r"; next } { print $0 ",\"desk 4, \"\"front\"\"\"\r" }' |
	regen --format ndjson >pt.ndjson 2>"$T/.err"
check_eq "regenerate reads CSV and writes NDJSON" $? 0
check_eq "the added CSV column reaches every NDJSON record, unquoted" \
  "$("${PYTHON:-/usr/bin/python3}" -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(len(r), sum(1 for x in r if x.get("note") == "desk 4, \"front\"" and x.get("password")))' pt.ndjson)" \
  "$n7c $n7c"

# ---- a user twice in the stream gets one password
awk -F'\t' 'BEGIN { OFS = FS } { print } NR == 2 { print }' c.tsv >dup.tsv
nc=$(creds)
check_exit "a stream with a user twice" 0 regen --input dup.tsv
check_grep "counts the user once" "^$n7c temporary password(s) will be regenerated" "$T/.err"
check_eq "one output row for that user" "$(col "$T/.out" username | grep -cx "$(col c.tsv username | head -1)")" 1
check_eq "one credential per user" "$(creds)" $((nc + n7c))

# ---- standard output failing after the batch is written
nb=$(batches)
regen --input c.tsv >/dev/full 2>"$T/.err"
check_eq "a failed standard output exits 74" $? 74
check_grep "names the batch and says what to do" "batch v$((nb + 1)).*regenerate again" "$T/.err"

# ---- a name stored before import cleaned names gets the same rule
u=$(col c.tsv username | head -1)
sql "update user set forename = 'Am' || char(27) || 'y' where username = '$u'"
check_exit "regenerate of a user whose stored forename holds an escape" 0 regen --input c.tsv
check_grep "warns, naming the user" \
  "user '$u': forename held 1 control character(s) (first U+001B); removed" "$T/.err"
check_eq "one warning: the other names are clean" "$(grep -c 'control character' "$T/.err")" 1

# ---- select's own guards
check_exit "select of an unknown group" 65 tp select --group 'No Such Group'
check_grep "names the group" "no group 'No Such Group'" "$T/.err"
check_exit "select of two groups, one unknown, one mistyped" 65 tp select --group 'No Such Group' --group 'Year 77'
check_grep "each named: one with a hint to search" "no group 'No Such Group' at site 'oakfield' (see 'tempass groups --search')" "$T/.err"
check_grep "the other with the nearest, as unclaimed names them" "no group 'Year 77' at site 'oakfield'; nearest: 'Year 7'" "$T/.err"
check_exit "unclaimed of a group like none: the same hint" 65 tp unclaimed --group 'No Such Group'
check_grep "as select gives it" "no group 'No Such Group' at site 'oakfield' (see 'tempass groups --search')" "$T/.err"
check_exit "select without --group" 64 tp select
