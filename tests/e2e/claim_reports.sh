# claim_reports: claims read back from what directories report. An Active
# Directory export (Export-Csv of Get-ADUser, FILETIME times) and a GAM
# `print users` CSV (ISO 8601 times): a user whose password was set, or
# who logged in, after their current password was issued is claimed; one
# whose times are before it, or none, is left alone; unknown users are
# named and skipped; the summary counts each; a time that cannot be read
# changes nothing. The store is checked afterwards.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
sample_batch "$T/b1.tsv"

# The batch was made at TEMPASS_NOW; times a day after and a day before.
ft() { "$PY" -c 'import sys, calendar, time
t = calendar.timegm(time.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ"))
print((t + 11644473600) * 10**7 + 1234567)' "$1"; }
AFTER=$(ft 2026-09-04T10:00:00Z)
BEFORE=$(ft 2026-09-02T10:00:00Z)
state() { sql "SELECT c.state FROM credential c JOIN user u ON u.id = c.user_id
	WHERE u.username = '$1' ORDER BY c.id DESC LIMIT 1"; }
mapfile -t U < <(col "$T/b1.tsv" username)
check "the batch has eight users or more" test "${#U[@]}" -ge 8

# ---- Active Directory: PowerShell's Export-Csv, #TYPE line and quotes
U4=$(tr '[:lower:]' '[:upper:]' <<<"${U[4]}")
cat >"$T/ad.csv" <<EOF
#TYPE Microsoft.ActiveDirectory.Management.ADUser
"DistinguishedName","Enabled","lastLogonTimestamp","Name","pwdLastSet","SamAccountName"
"CN=a,DC=x","True","","a","$AFTER","${U[0]}"
"CN=b,DC=x","True","$AFTER","b","0","${U[1]}"
"CN=c,DC=x","True","$BEFORE","c","0","${U[2]}"
"CN=d,DC=x","True","","d","$BEFORE","${U[3]}"
"CN=e,DC=x","True","","e","$AFTER","$U4"
"CN=z,DC=x","True","$AFTER","z","$AFTER","nosuchpupil"
EOF
cp "$T/ad.csv" "$T/ad-bad.csv"
sed -i "s/\"$BEFORE\",\"${U[3]}\"/\"yesterday\",\"${U[3]}\"/" "$T/ad-bad.csv"
check_exit "an unreadable FILETIME: exit 65" 65 tp claim --input "$T/ad-bad.csv"
check_grep "it names the file, line and value" "ad-bad.csv:5: 'yesterday' is not a time" "$T/.err"
check_eq "nothing changed by it" "$(state "${U[0]}")" current

check_exit "claim reads the AD export" 0 tp claim < "$T/ad.csv"
check_grep "the summary counts each" "^3 account(s) claimed; 2 not claimed yet, left alone; 0 without a current password; 1 unknown$" "$T/.out"
check_grep "the unknown user is named" "no user 'nosuchpupil'" "$T/.err"
check_eq "password set after issue: claimed" "$(state "${U[0]}")" claimed
check_eq "logged in after issue: claimed" "$(state "${U[1]}")" claimed
check_eq "sAMAccountName matched whatever its case" "$(state "${U[4]}")" claimed
check_eq "logged in before issue, must change: left alone" "$(state "${U[2]}")" current
check_eq "password set before issue: left alone" "$(state "${U[3]}")" current
check_eq "the claimed leave the unclaimed list" \
  "$(tp unclaimed --format tsv | col /dev/stdin username | grep -cx -e "${U[0]}" -e "${U[1]}" -e "${U[4]}")" 0
check_exit "the same report again" 0 tp claim --from ad --input "$T/ad.csv"
check_grep "claims nothing twice" "^0 account(s) claimed; 2 not claimed yet, left alone; 3 without a current password; 1 unknown$" "$T/.out"
check_eq "one audit event per claim" "$(tp audit --format tsv | col /dev/stdin action | grep -c credential.claim)" 3

# ---- GAM print users: by address, ISO 8601 with fraction and offset
mapfile -t E < <(paste <(col "$T/b1.tsv" username) <(col "$T/b1.tsv" email) |
	awk -F'\t' '$2 != ""' | grep -v -e "^${U[0]}	" -e "^${U[1]}	" -e "^${U[4]}	")
if [ "${#E[@]}" -ge 3 ]; then
	g0=${E[0]%%$'\t'*} g1=${E[1]%%$'\t'*} g2=${E[2]%%$'\t'*}
	cat >"$T/gam.csv" <<EOF
primaryEmail,name.fullName,lastLoginTime,suspended
${E[0]#*$'\t'},A,2026-09-05T07:00:00.000Z,False
$(tr '[:lower:]' '[:upper:]' <<<"${E[1]#*$'\t'}"),B,2026-09-03T09:14:00+01:00,False
${E[2]#*$'\t'},C,Never,False
ghost@school.example,G,2026-09-05T07:00:00.000Z,False
EOF
	check_exit "claim reads the GAM report" 0 tp claim < "$T/gam.csv"
	check_grep "the summary counts each" "^1 account(s) claimed; 2 not claimed yet, left alone; 0 without a current password; 1 unknown$" "$T/.out"
	check_eq "logged in after issue: claimed" "$(state "$g0")" claimed
	check_eq "09:14 at +01:00 is the issue time itself, not after: left alone" "$(state "$g1")" current
	check_eq "never logged in: left alone" "$(state "$g2")" current
	check_grep "the unknown address is named" "no user 'ghost@school.example'" "$T/.err"
else
	notok "the sample batch has three users with an address for GAM"
fi

# GAM names the address emit gave Google: [google] email, made again here.
G=$(paste <(col "$T/b1.tsv" username) <(col "$T/b1.tsv" email) | awk -F'\t' '$2 == "" { print $1 }' |
	grep -vx -e "${U[0]}" -e "${U[1]}" -e "${U[2]}" -e "${U[3]}" -e "${U[4]}" -e "${U[5]}" -e "${U[6]}" | head -1)
if [ -n "$G" ]; then
	printf 'primaryEmail,lastLoginTime\n%s@school.example,2026-09-05T07:00:00.000Z\n' "$G" >"$T/gam2.csv"
	check_exit "an address of [google] email, unset: unknown, not fatal" 0 tp claim --input "$T/gam2.csv"
	check_eq "left as it was" "$(state "$G")" current
	cp "$T/pipeline.conf" "$T/plain.conf"
	printf '[google]\nemail = {{username}}@school.example\n' >>"$T/pipeline.conf"
	check_exit "with [google] email set" 0 tp claim --input "$T/gam2.csv"
	check_grep "it is matched" "^1 account(s) claimed; 0 not claimed yet" "$T/.out"
	check_eq "claimed" "$(state "$G")" claimed
	cp "$T/plain.conf" "$T/pipeline.conf"
else
	notok "the sample batch has a user without an address"
fi

# ---- Columns from pipeline.conf, and guards
printf 'login,changed\n%s,2026-09-06T00:00:00Z\n' "${U[5]}" >"$T/own.csv"
check_exit "a report of other columns, without [claim]: exit 65" 65 tp claim --from gam --input "$T/own.csv"
check_grep "it names the columns it needs" "needs a 'primaryEmail' column" "$T/.err"
printf '[claim]\nuser = login\nmatch = username\nchanged = changed\n' >>"$T/pipeline.conf"
check_exit "[claim] user, match and changed name them" 0 tp claim --from gam --input "$T/own.csv"
check_eq "claimed by those columns" "$(state "${U[5]}")" claimed
check_exit "--from bogus: exit 64" 64 tp claim --from bogus --input "$T/own.csv"
check_exit "usernames and a stream together: exit 64" 64 tp claim --input "$T/own.csv" "${U[6]}"
printf 'username\n%s\n' "${U[6]}" | tp claim >/dev/null 2>&1
check_eq "a stream of usernames is claimed as before" "$(state "${U[6]}")" claimed

# ---- The store afterwards
check_exit "the audit verifies" 0 tp audit verify
check_eq "one current credential per user" "$(sql "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1)")" 0
check_eq "no credential lost" "$(sql "SELECT count(*) FROM credential")" "${#U[@]}"
printf '[ad]\nou = x\n' >>"$T/pipeline.conf"
check_exit "an unknown key of [ad]: exit 78" 78 tp claim --input "$T/own.csv"
check_grep "it names it" "\[ad\]: unknown key 'ou'" "$T/.err"
