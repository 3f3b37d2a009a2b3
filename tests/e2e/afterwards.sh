# afterwards: what happens to a batch after it is handed out: claims, the
# unclaimed list (hidden and shown), leavers whose passwords are revoked,
# verification and its lock-out, expiry, and the per-state batch counts.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}

pairs() {
	awk -F'\t' -v g="${2:-}" 'NR == 1 { for (i = 1; i <= NF; i++) {
			if ($i == "username") u = i; if ($i == "password") p = i
			if ($i == "group") gc = i }; next }
		g == "" || $gc == g { print $u "\t" $p }' "$1"
}
pw_of() { pairs "$1" | awk -F'\t' -v u="$2" '$1 == u { print $2 }'; }
verify() { printf '%s\n' "$2" | tp verify "$1" 2>"$T/.verr"; }
# nth FILE GROUP N: the username of the Nth row of GROUP in FILE.
nth() { pairs "$1" "$2" | sed -n "$3p" | cut -f1; }
# state USERNAME: the states of the user's credentials, oldest first.
state() {
	sql "select group_concat(state) from (select c.state from credential c join user u on u.id = c.user_id where u.username = '$1' order by c.id)"
}
# in_order FILE COLUMN...: "yes" when the rows of the TSV FILE are in the
# order of those columns, ASCII case folded as SQLite's NOCASE does.
in_order() {
	"$PY" - "$@" <<'EOF'
import sys
f, cols = sys.argv[1], sys.argv[2:]
rows = [l.rstrip('\n').split('\t') for l in open(f, encoding='utf-8')]
idx = [rows[0].index(c) for c in cols]
keys = [tuple(r[i].encode().lower() for i in idx) for r in rows[1:]]
print('yes' if len(keys) > 2 and keys == sorted(keys) else 'no')
EOF
}
unclaimed() { tp unclaimed --format tsv "$@" 2>"$T/.err"; }
audit_action() { tp audit --format tsv | awk -F'\t' -v a="$1" '$4 == a { n++ } END { print n + 0 }'; }

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
printf 'wrong horse battery\n' >bad
chmod 600 pw bad
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group 7A --group 7B --group 7C >sel.tsv 2>/dev/null
check_exit "regenerate 7A, 7B and 7C" 0 tp regenerate --admin demo --password-file pw --yes --input sel.tsv
cp "$T/.out" b1.tsv
n=$(($(wc -l <b1.tsv) - 1))
check "Year 7 has pupils in 7A, 7B and 7C" test "$(pairs b1.tsv 7A | wc -l)" -gt 3 \
	-a "$(pairs b1.tsv 7B | wc -l)" -gt 3 -a "$(pairs b1.tsv 7C | wc -l)" -gt 3
A1=$(nth b1.tsv 7A 1) A2=$(nth b1.tsv 7A 2) R=$(nth b1.tsv 7A 3)
C1=$(nth b1.tsv 7C 1) C2=$(nth b1.tsv 7C 2) C3=$(nth b1.tsv 7C 3) C4=$(nth b1.tsv 7C 4)
L=$(nth b1.tsv 7B 1)

# ---- claim
check_exit "claim one user" 0 tp claim "$C1"
check_grep "claim says what it did" "^1 account(s) claimed; 1 temporary password(s) retired" "$T/.out"
check_eq "the credential is claimed" "$(state "$C1")" claimed
check_eq "its sealed copy is deleted" \
  "$(sql "select count(*) from credential c join user u on u.id = c.user_id where u.username = '$C1' and c.sealed is null and c.pwhash is null")" 1
check_eq "the claim is audited" "$(tp audit --user "$C1" --format tsv | cut -f4 | grep -cx credential.claim)" 1
verify "$C1" "$(pw_of b1.tsv "$C1")"
check_eq "a claimed password no longer verifies" $? 77
check_grep "verify says why" "the password of batch v1 is no longer valid: claimed" "$T/.verr"
printf 'username\textra\n%s\tx\n%s\ty\n' "$C2" "$C3" | tp claim >claim.out 2>&1
check_eq "claim from a stream" $? 0
check_grep "claim from a stream counts both" "^2 account(s) claimed; 2 temporary password(s) retired" claim.out
check_exit "claim with an unknown user: exit 65" 65 tp claim "$C4" nosuchuser
check_grep "names the unknown user" "no user 'nosuchuser'" "$T/.err"
check_eq "all or nothing: the known user is not claimed" "$(state "$C4")" current
check_eq "all or nothing: claimed_at not set" "$(sql "select claimed_at is null from user where username = '$C4'")" 1
check_exit "claim stream without username: exit 65" 65 sh -c "printf 'name\n%s\n' '$C4' | '$TEMPASS_BIN' --config '$T/pipeline.conf' claim"
check_eq "still not claimed" "$(state "$C4")" current

# ---- unclaimed: hidden by default
unclaimed >u.tsv
check_eq "unclaimed exits 0" $? 0
check_eq "unclaimed header" "$(head -1 u.tsv)" \
  "$(printf 'username\tforename\tsurname\tgroups\tversion\tgenerated_at\texpires\tstate\tpassword')"
check_eq "lists every unclaimed user" "$(($(wc -l <u.tsv) - 1))" $((n - 3))
check_eq "claimed users are not listed" "$(col u.tsv username | grep -cx -e "$C1" -e "$C2" -e "$C3")" 0
check_eq "passwords are dots" "$(col u.tsv password | sort -u)" "••••••••"
check_eq "no password of the batch is listed" \
  "$(col b1.tsv password | grep -cxF -f - u.tsv)" 0
check_eq "state current" "$(col u.tsv state | sort -u)" current
check_eq "version 1" "$(col u.tsv version | sort -u)" 1

# ---- unclaimed --show
check_exit "--show needs --admin" 64 tp unclaimed --show
check_exit "--show with a wrong admin password: exit 77" 77 tp unclaimed --show --admin demo --password-file bad --format tsv
check_eq "nothing revealed then" "$(grep -c '	[a-z]*-[a-z]*-[0-9]*$' "$T/.out")" 0
check_eq "no reveal audited then" "$(audit_action credential.reveal)" 0
unclaimed --show --admin demo --password-file pw >shown.tsv
check_eq "--show with the admin's password" $? 0
check_eq "--show prints the real passwords" \
  "$(pairs shown.tsv | sort)" "$(pairs b1.tsv | grep -v -e "^$C1	" -e "^$C2	" -e "^$C3	" | sort)"
check_eq "each reveal is audited" "$(audit_action credential.reveal)" $((n - 3))
check_eq "reveals are audited with the admin as actor" \
  "$(tp audit --user "$A1" --format tsv | awk -F'\t' '$4 == "credential.reveal" { print $3 }')" demo

# ---- unclaimed --group, --search
unclaimed --group 7A >g.tsv
check_eq "--group 7A lists 7A" "$(col g.tsv username | sort)" "$(pairs b1.tsv 7A | cut -f1 | sort)"
s=$(awk -F'\t' 'NR > 1 && $3 ~ /^[A-Za-z]+$/ { print tolower($3); exit }' b1.tsv)
unclaimed --search "$s" >s.tsv
check_eq "--search '$s' finds matches" "$(($(wc -l <s.tsv) > 1))" 1
check_eq "--search matches on the name only" \
  "$(LC_ALL=C awk -F'\t' -v s="$s" 'NR > 1 && index(tolower($1 " " $2 " " $3), s) == 0' s.tsv | wc -l)" 0
check_eq "--search finds every match" "$(col s.tsv username | sort)" \
  "$(LC_ALL=C awk -F'\t' -v s="$s" 'NR > 1 && index(tolower($1 " " $2 " " $3), s)' u.tsv | cut -f1 | sort)"
unclaimed --search zzqqzz >none.tsv
check_eq "--search without a match lists none" "$(wc -l <none.tsv)" 1
unclaimed --search % >pct.tsv
unclaimed --search _ >usc.tsv
check_eq "--search % and _ are taken literally" "$(cat pct.tsv usc.tsv | wc -l)" 2
unclaimed --search "$s" --group 7C >sg.tsv
check_eq "--search and --group together" "$(awk -F'\t' 'NR > 1 && $4 !~ /7C/' sg.tsv | wc -l)" 0

# ---- verify: ten failures refuse the password; reset gives a new one
for i in 1 2 3 4 5 6 7 8 9 10; do verify "$R" not-the-password; done
verify "$R" "$(pw_of b1.tsv "$R")"
check_eq "after ten failures the right password is refused" $? 77
check_grep "says why" "refused after 10 failed attempts" "$T/.verr"
check_eq "the failures are audited" "$(tp audit --user "$R" --format tsv | cut -f4 | grep -cx credential.verify.fail)" 10
TEMPASS_NOW=2026-09-04T08:14:00Z tp reset --admin demo --password-file pw "$R" >r.tsv 2>/dev/null
check_eq "reset a day later" $? 0
verify "$R" "$(col r.tsv password)"
check_eq "the reset password works" $? 0

# ---- unclaimed --sort
unclaimed >default.tsv
unclaimed --sort name >name.tsv
check_eq "--sort name is the default" "$(md5sum <name.tsv)" "$(md5sum <default.tsv)"
check_eq "--sort name: by surname, forename" "$(in_order name.tsv surname forename)" yes
unclaimed --sort username >su.tsv
check_eq "--sort username" "$(in_order su.tsv username)" yes
check_eq "--sort username differs from by name" "$(in_order name.tsv username)" no
unclaimed --sort version >sv.tsv
check_eq "--sort version" "$(in_order sv.tsv version)" yes
check_eq "--sort version: the reset (v2) comes last" "$(tail -1 sv.tsv | cut -f1,5)" "$(printf '%s\t2' "$R")"
unclaimed --sort expires >se.tsv
check_eq "--sort expires" "$(in_order se.tsv expires)" yes
check_eq "--sort expires: the latest comes last" "$(tail -1 se.tsv | cut -f1,7)" "$(printf '%s\t2026-10-02T08:14:00Z' "$R")"
unclaimed --sort group >sgr.tsv
sql "select u.username, c.grp from credential c join user u on u.id = c.user_id where c.state = 'current'" |
	tr '|' '\t' | sort >grp.map
{ printf 'username\tgrp\n'; col sgr.tsv username | awk -F'\t' 'NR == FNR { g[$1] = $2; next } { print $1 "\t" g[$1] }' grp.map -; } >sgr2.tsv
check_eq "--sort group: by the selecting group" "$(in_order sgr2.tsv grp)" yes
check_eq "--sort group differs from by name" "$(in_order name.tsv groups)" no
check_exit "--sort with an unknown key" 64 tp unclaimed --sort bogus

# ---- a leaver's password is revoked
ext=$(sql "select external_id from user where username = '$L'")
grep -v "^$ext," "$ROOT/samples/students.csv" >r2.csv
check "the roster without the leaver is one line shorter" \
	test "$(wc -l <r2.csv)" -eq $(($(wc -l <"$ROOT/samples/students.csv") - 1))
check_exit "import without the leaver" 0 tp import r2.csv
check_grep "the import counts the leaver" "^0 added, 0 updated, 0 moved, 1 left" "$T/.out"
check_eq "the leaver is marked left" "$(sql "select status from user where username = '$L'")" left
check_eq "their credential is revoked" "$(state "$L")" revoked
check_eq "its sealed copy is gone" \
  "$(sql "select count(*) from credential c join user u on u.id = c.user_id where u.username = '$L' and c.sealed is null and c.pwhash is null and c.ended_at is not null")" 1
verify "$L" "$(pw_of b1.tsv "$L")"
check_eq "a leaver's password no longer verifies" $? 77
check_eq "the leaver is not listed as unclaimed" "$(unclaimed | cut -f1 | grep -cx "$L")" 0
check_grep "the revocation is audited" "not in students roster; 1 credential(s) revoked" \
  <(tp audit --user "$L" --format tsv)
tp regenerate --admin demo --password-file pw --yes --dry-run --input b1.tsv >/dev/null 2>dry.err
check_grep "regenerate skips the leaver" "skipped: 3 claimed their account, 1 left" dry.err
check_exit "reset of a leaver refused" 65 tp reset --admin demo --password-file pw "$L"

# ---- expiry (28 days, the default policy)
n1=$((n - 3 - 1 - 1))   # batch 1 less the claimed, the reset and the leaver
TEMPASS_NOW=2026-09-30T08:14:00Z verify "$A1" "$(pw_of b1.tsv "$A1")"
check_eq "27 days on the password works" $? 0
check_eq "27 days on nothing expires" "$(TEMPASS_NOW=2026-09-30T08:14:00Z tp expire)" "0 temporary password(s) expired"
export TEMPASS_NOW=2026-10-01T08:15:00Z
verify "$A2" "$(pw_of b1.tsv "$A2")"
check_eq "past 28 days verify fails" $? 77
check_grep "as expired, and when" "no longer valid: expired on 2026-10-01 08:14 UTC" "$T/.verr"
unclaimed >ue.tsv
check_eq "unclaimed shows the batch-1 passwords expired" \
  "$(awk -F'\t' '$5 == 1 && $8 == "expired"' ue.tsv | wc -l)" "$n1"
check_eq "and the reset one still current" "$(awk -F'\t' '$8 == "current"' ue.tsv | cut -f1)" "$R"
check_eq "before expire they are still stored" \
  "$(sql "select count(*) from credential where state = 'current' and sealed is not null")" $((n1 + 1))
check_exit "expire" 0 tp expire
check_grep "expire counts them" "^$n1 temporary password(s) expired$" "$T/.out"
check_eq "their state is expired" "$(sql "select count(*) from credential where state = 'expired'")" "$n1"
check_eq "their sealed copies are deleted" \
  "$(sql "select count(*) from credential where state = 'expired' and (sealed is not null or pwhash is not null)")" 0
check_eq "each is audited" "$(audit_action credential.expire)" "$n1"
check_eq "the reset password is left alone" "$(sql "select count(*) from credential where state = 'current' and sealed is not null")" 1
unclaimed >ux.tsv
check_eq "after expire unclaimed lists the reset one as current" "$(awk -F'\t' '$8 == "current"' ux.tsv | cut -f1)" "$R"
check_eq "and the others still unclaimed as having no current password" \
  "$(awk -F'\t' '$8 == "expired" && $9 == "(no current password)"' ux.tsv | wc -l)" "$n1"
check_eq "expire again expires nothing" "$(tp expire)" "0 temporary password(s) expired"
verify "$A2" "$(pw_of b1.tsv "$A2")"
check_eq "an expired password still fails" $? 77

# ---- the batches' counts per state
tp batches --format tsv >batches.tsv
check_eq "batch 1: count, current, claimed, void, expired, revoked" \
  "$(awk -F'\t' '$1 == 1' batches.tsv | cut -f5-10)" "$(printf '%s\t0\t3\t1\t%s\t1' "$n" "$n1")"
check_eq "batch 2 (the reset)" "$(awk -F'\t' '$1 == 2' batches.tsv | cut -f4-10)" \
  "$(printf 'reset of %s\t1\t1\t0\t0\t0\t0' "$R")"
check_exit "the audit chain is intact" 0 tp audit verify
