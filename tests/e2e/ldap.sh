# ldap.sh: emit ldif against a real slapd (Debian's, with its argon2 and
# ppolicy modules) that this script starts on 127.0.0.1 with a configuration
# of its own and stops at the end, whatever happens: pupils bind with their
# batch's password, a newer batch's file takes the older password away, the
# older file applied again changes nothing, and claim reads the pupils'
# own password changes back from an ldapsearch report.
. "$(dirname "$0")/../lib.sh"

if ! command -v slapd >/dev/null || ! command -v ldapmodify >/dev/null ||
   [ ! -e /usr/lib/ldap/argon2.so ]; then
	ok "# SKIP slapd, ldap-utils or slapd's argon2 module missing (make deps)"
	exit 0
fi

SLAPD=$T/slapd
stop_slapd() {
	local pid
	pid=$(cat "$SLAPD/slapd.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$pid" 2>/dev/null
	rm -f "$SLAPD/slapd.pid"
}
trap 'stop_slapd; stop_smtp; rm -rf "$T"' EXIT

BASE=dc=example,dc=org
ADMIN=cn=admin,$BASE
mkdir -p "$SLAPD/db"
cat >"$SLAPD/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload argon2
moduleload ppolicy
pidfile $SLAPD/slapd.pid
argsfile $SLAPD/slapd.args
database mdb
suffix "$BASE"
rootdn "$ADMIN"
rootpw secret
directory $SLAPD/db
maxsize 10485760
overlay ppolicy
ppolicy_default "cn=default,ou=policies,$BASE"
access to attrs=userPassword by self write by anonymous auth by * none
access to * by self read by * read
EOF
started=
for _ in 1 2 3 4 5; do
	PORT=$("${PYTHON:-/usr/bin/python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	if slapd -h "ldap://127.0.0.1:$PORT/" -f "$SLAPD/slapd.conf" \
	     -u "$(id -un)" >"$SLAPD/start.err" 2>&1; then
		for _ in $(seq 100); do [ -s "$SLAPD/slapd.pid" ] && break; sleep 0.05; done
		started=1
		break
	fi
done
if [ -z "$started" ]; then
	notok "slapd starts"; sed 's/^/   | /' "$SLAPD/start.err"; exit 0
fi
H=ldap://127.0.0.1:$PORT
admin=(-x -H "$H" -D "$ADMIN" -w secret)
# binds USER PASSWORD: ldapwhoami's exit status for the pupil's bind.
binds() { ldapwhoami -x -H "$H" -D "$(dn_of "$1")" -w "$2" >/dev/null 2>&1; }
dn_of() { ldapsearch -LLL "${admin[@]}" -b "$BASE" "(uid=$1)" dn | sed -n 's/^dn: //p'; }
attr_of() { ldapsearch -LLL "${admin[@]}" -b "$BASE" "(uid=$1)" "$2" | sed -n "s/^$2: //p"; }
pw_of() { paste <(col "$1" username) <(col "$1" password) | awk -F'\t' -v u="$2" '$1 == u { print $2 }'; }

write_conf
sed -i 's/^groups = Year, Reg$/&\nclass = Reg/' "$T/pipeline.conf"
cat >>"$T/pipeline.conf" <<'EOF'

[ldap]
dn = uid={{username}},ou={{class}},ou=pupils,dc=example,dc=org
marker = employeeNumber
ppolicy = yes
EOF
sample_batch "$T/b1.tsv"

# The directory: a policy, and each pupil of the batch under their class.
{
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n' "$BASE"
	printf 'dn: ou=policies,%s\nobjectClass: organizationalUnit\nou: policies\n\n' "$BASE"
	printf 'dn: cn=default,ou=policies,%s\nobjectClass: pwdPolicy\nobjectClass: device\ncn: default\npwdAttribute: userPassword\npwdAllowUserChange: TRUE\n\n' "$BASE"
	printf 'dn: ou=pupils,%s\nobjectClass: organizationalUnit\nou: pupils\n\n' "$BASE"
	for c in $(col b1.tsv class | sort -u); do
		printf 'dn: ou=%s,ou=pupils,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$c" "$BASE" "$c"
	done
	paste <(col b1.tsv username) <(col b1.tsv class) <(col b1.tsv email) |
	while IFS=$'\t' read -r u c m; do
		printf 'dn: uid=%s,ou=%s,ou=pupils,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n%s\n' \
			"$u" "$c" "$BASE" "$u" "$u" "$u" "${m:+mail: $m
}"
	done
	printf 'dn: uid=stranger,ou=pupils,%s\nobjectClass: inetOrgPerson\nuid: stranger\ncn: s\nsn: s\nmail: stranger@example.org\n\n' "$BASE"
} >dir.ldif
check_exit "the pupils are added to the directory" 0 ldapadd "${admin[@]}" -f dir.ldif

# ==== The first batch
check_exit "emit ldif writes the batch" 0 tp emit ldif --input b1.tsv -o b1.ldif
check_eq "the LDIF is 0600" "$(stat -c %a b1.ldif)" 600
check_grep "it names its batch" "^# tempass batch v1 site oakfield" b1.ldif
check_eq "a change record per user" "$(grep -c '^changetype: modify$' b1.ldif)" "$(col b1.tsv username | wc -l)"
check_eq "no password of the batch is in it" "$(grep -cFf <(col b1.tsv password) b1.ldif)" 0
check_eq "every userPassword is {ARGON2} argon2id" \
  "$(grep -c '^userPassword: {ARGON2}\$argon2id\$v=19\$m=4096,t=1,p=1\$' b1.ldif)" "$(col b1.tsv username | wc -l)"
check_exit "ldapmodify applies it" 0 ldapmodify "${admin[@]}" -f b1.ldif
u1=$(col b1.tsv username | head -1)
u2=$(col b1.tsv username | sed -n 2p)
p1=$(pw_of b1.tsv "$u1")
check "$u1 binds with the batch's password" binds "$u1" "$p1"
check "a wrong password does not bind" eval '! binds "$u1" "x$p1"'
check_eq "ppolicy's pwdReset is set" "$(attr_of "$u1" pwdReset)" TRUE
check_eq "the marker names the batch" "$(attr_of "$u1" employeeNumber)" "tempass oakfield v1 $u1"

# ==== A newer batch
tp select --group 7A >sel2.tsv 2>/dev/null
check_exit "a second batch for 7A" 0 tp regenerate --password-file pw --yes --input sel2.tsv
cp .out b2.tsv
check_exit "emit ldif writes it" 0 tp emit ldif --input b2.tsv -o b2.ldif
check_grep "its records take the first batch's marker away" "^employeeNumber: tempass oakfield v1 $u1$" b2.ldif
check_exit "ldapmodify applies it" 0 ldapmodify "${admin[@]}" -f b2.ldif
p1b=$(pw_of b2.tsv "$u1")
check "the old password no longer binds" eval '! binds "$u1" "$p1"'
check "the new password binds" binds "$u1" "$p1b"

# ==== The older file again: the guard
ldapmodify -c "${admin[@]}" -f b1.ldif >again.out 2>&1
check "ldapmodify -c of the older file fails" test $? -ne 0
check "the old password still does not bind" eval '! binds "$u1" "$p1"'
check "the new password still binds" binds "$u1" "$p1b"
check_eq "the marker still names the second batch" "$(attr_of "$u1" employeeNumber)" "tempass oakfield v2 $u1"
check_eq "no other pupil got an old password back" \
  "$(paste <(col b1.tsv username) <(col b1.tsv password) | while IFS=$'\t' read -r u p; do binds "$u" "$p" && echo "$u"; done | wc -l)" 0
check_exit "tempass refuses the void batch's records" 65 tp emit ldif --input b1.tsv -o void.ldif
check "and writes no file" test ! -e void.ldif
check_exit "tempass refuses the void batch's LDIF fed back" 65 tp emit tsv --input b1.ldif
check_grep "saying why" "voided by batch v2" .err
check_exit "the current LDIF fed back passes" 0 tp emit tsv --input b2.ldif

# ==== run writes the LDIF among its outputs
sed -i -e 's/^groups = Year 7$/groups = 7A/' -e 's/^outputs = .*/outputs = tsv, ldif/' \
    -e "s#^password_file = .*#password_file = $T/pw#" pipeline.conf
check_exit "run makes a third batch" 0 tp run
check_grep "with its LDIF" "^$T/out/oakfield-v3.ldif$" .out
check_eq "which is 0600" "$(stat -c %a out/oakfield-v3.ldif)" 600
check_grep "its records take the second batch's marker away" "^employeeNumber: tempass oakfield v2 $u1$" out/oakfield-v3.ldif
check_exit "ldapmodify applies it" 0 ldapmodify "${admin[@]}" -f out/oakfield-v3.ldif
cp out/oakfield-v3.tsv b3.tsv
check "the second password no longer binds" eval '! binds "$u1" "$p1b"'
check "the third binds" binds "$u1" "$(pw_of b3.tsv "$u1")"

# ==== Settings
cp pipeline.conf good.conf
sed 's/^dn = .*/dn = uid={{usrname}},dc=example,dc=org/' good.conf >pipeline.conf
check_exit "an unknown placeholder in [ldap] dn: exit 78" 78 tp users
check_grep "naming it" "unknown placeholder '{{usrname}}'" .err
sed '/^marker = /d' good.conf >pipeline.conf
check_exit "no [ldap] marker: exit 78" 78 tp emit ldif --input b3.tsv -o m.ldif
cp good.conf pipeline.conf
# A user without a class is under the group that selected them, as on
# the lists; one without either has no DN.
awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "class") k = i; if ($i == "group") g = i } }
	NR == 3 { $k = ""; $g = "" } 1' b3.tsv >noclass.tsv
check_exit "a record without the class its DN needs: exit 65" 65 tp emit ldif --input noclass.tsv -o noclass.ldif
check_grep "naming the user" "ldif: no DN for '$(col b3.tsv username | sed -n 2p)'" .err
check "and no file is written" test ! -e noclass.ldif
tp emit ldif --input noclass.tsv -o - >noclass.out 2>/dev/null
check_eq "nor any of it to standard output" "$(wc -c <noclass.out)" 0
check_exit "--allow-void is refused for ldif" 64 tp emit ldif --allow-void --input b1.tsv -o av.ldif
if command -v script >/dev/null 2>&1; then
	script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit ldif --input '$T/b3.tsv'" /dev/null </dev/null >tty.out 2>&1
	check_eq "emit ldif to a terminal refused (exit 64)" $? 64
	check_eq "nothing of it reached the terminal" "$(grep -c '^userPassword' tty.out)" 0
else
	ok "# SKIP terminal check: 'script' (util-linux) is not installed"
fi

# ==== Claims read back from the directory
p2=$(pw_of b3.tsv "$u2")
check_exit "$u2 changes their own password" 0 ldappasswd -x -H "$H" -D "$(dn_of "$u2")" -w "$p2" -s 'my own secret 42'
check "$u2 binds with it" binds "$u2" 'my own secret 42'
ldapsearch -LLL "${admin[@]}" -b "ou=pupils,$BASE" '(objectClass=inetOrgPerson)' uid mail pwdChangedTime pwdReset >report.ldif
check_exit "claim reads the ldapsearch report" 0 tp claim <report.ldif
check_grep "one claimed, the others left alone, the stranger unknown" \
  "^1 account(s) claimed; $(( $(col b3.tsv username | wc -l) - 1 )) not claimed yet, left alone; 0 without a current password; 1 unknown$" .out
check_grep "the stranger is named" "no user 'stranger' at site 'oakfield'; skipped" .err
check_eq "$u2 is claimed in the store" "$(sql "SELECT claimed_at IS NOT NULL FROM user WHERE username = '$u2'")" 1
check_eq "$u1 is not" "$(sql "SELECT claimed_at IS NOT NULL FROM user WHERE username = '$u1'")" 0
check_exit "claim again (--input, --from ldif) changes nothing" 0 tp claim --from ldif --input report.ldif
check_grep "and says so" "^0 account(s) claimed; .*; 1 without a current password; 1 unknown$" .out
check_exit "--from usernames does not read it as a report" 65 tp claim --from usernames --input report.ldif
check_exit "the audit verifies" 0 tp audit verify
check_eq "one current credential per user at most" \
  "$(sql "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1)")" 0

u3=$(paste <(col b3.tsv username) <(col b3.tsv email) | awk -F'\t' -v a="$u1" -v b="$u2" '$2 != "" && $1 != a && $1 != b { print $1; exit }')
check_exit "$u3 changes their own password" 0 ldappasswd -x -H "$H" -D "$(dn_of "$u3")" -w "$(pw_of b3.tsv "$u3")" -s 'another own secret 7'
ldapsearch -LLL "${admin[@]}" -b "ou=pupils,$BASE" '(objectClass=inetOrgPerson)' mail pwdChangedTime pwdReset >bymail.ldif
sed 's/^pwdChangedTime: .*/pwdChangedTime: yesterday/' bymail.ldif >badtime.ldif
printf '[claim]\nmatch = email\n' >>pipeline.conf
check_exit "a report with a time that is not one: exit 65" 65 tp claim <badtime.ldif
check_grep "naming the line" "pwdChangedTime 'yesterday' is not a GeneralizedTime" .err
check_eq "and nothing was claimed" "$(sql "SELECT claimed_at IS NOT NULL FROM user WHERE username = '$u3'")" 0
check_exit "claim matches by email with [claim] match = email" 0 tp claim <bymail.ldif
check_grep "one more claimed, the stranger unknown" "^1 account(s) claimed; .*; 1 unknown$" .out
check_eq "$u3 is claimed in the store" "$(sql "SELECT claimed_at IS NOT NULL FROM user WHERE username = '$u3'")" 1
check_eq "and their temporary password retired" "$(sql "SELECT count(*) FROM credential c JOIN user u ON u.id = c.user_id WHERE u.username = '$u3' AND c.state = 'current'")" 0
check_exit "usernames on standard input still work" 0 tp claim < <(printf 'username\n%s\n' "$u1")
check_grep "as before" "^1 account(s) claimed" .out

# ==== {SSHA} where the directory has no argon2 module, with a warning
printf '[ldap]\nscheme = ssha\n' >>pipeline.conf
tp select --group 7A >sel4.tsv 2>/dev/null
check_exit "a fourth batch" 0 tp regenerate --password-file pw --yes --input sel4.tsv
cp .out b4.tsv
check_exit "emit ldif with scheme = ssha" 0 tp emit ldif --input b4.tsv -o b4.ldif
check_grep "warns that SHA-1 is quick to guess" "scheme = ssha: {SSHA} (salted SHA-1) is quick to guess" .err
check_eq "every userPassword is {SSHA}" "$(grep -c '^userPassword: {SSHA}' b4.ldif)" "$(col b4.tsv username | wc -l)"
check_eq "no password of the batch is in it" "$(grep -cFf <(col b4.tsv password) b4.ldif)" 0
check_exit "ldapmodify applies it" 0 ldapmodify "${admin[@]}" -f b4.ldif
u4=$(col b4.tsv username | head -1)
check "$u4 binds with the {SSHA} password" binds "$u4" "$(pw_of b4.tsv "$u4")"
check "and not with a wrong one" eval '! binds "$u4" "x$(pw_of b4.tsv "$u4")"'

stop_slapd
check "slapd is stopped" test ! -e "$SLAPD/slapd.pid"
