# send_stale: send delivers a reset email only while its token is current.
# Two notifies of the same ten pupils queue twenty messages: the ten of the
# first carry tokens the second voided, and are dropped (deleted, recorded,
# audited), never sent; a token used, a pupil who left or claimed their
# account, a token past its expiry: dropped too. And after send no message
# in the queue holds a live token: a sent one is kept in cur/ with its
# token overwritten, still a message a MIME parser reads.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	ok "# SKIP send: python3-aiosmtpd is not installed"
	exit 0
fi
URL='https://reset.oakfield.example/r?t='
sed -i "s#^file = .*/students.csv\$#file = $T/r.csv#" pipeline.conf
start_smtp "$T" 1800
check "the SMTP server listens" test -n "$PORT"
cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = $URL{{token}}
token_hours = 24
templates = $ROOT/templates
message_id_domain = oakfield.example
smtp_url = smtp://127.0.0.1:$PORT
EOF
# Ten pupils in 7S, four in 7T, each with a verified address.
S10="Adams Baker Clark Davis Evans Fisher Green Hughes Irwin Jones"
T4="King Lewis Moore Nash"
{
	echo 'Adno,UPN,Forename,Surname,DOB,Gender,Year,Reg,Email,Email Verified'
	i=100
	for s in $S10; do i=$((i + 1)); echo "$i,,Sam,$s,01/01/2015,F,Year 7,7S,sam.${s,,}@pupils.example,Yes"; done
	for s in $T4; do i=$((i + 1)); echo "$i,,Tom,$s,01/01/2015,M,Year 7,7T,tom.${s,,}@pupils.example,Yes"; done
} >r.csv
grep -v ',Lewis,' r.csv >r2.csv
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "import fourteen pupils" 0 tp import r.csv
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
notify() { tp notify --admin demo --password-file "$T/pw" --yes --input "$@"; }
# links DIR|FILE...: "address<TAB>token" of each message, read with
# Python's email parser (text part).
links() {
	find "$@" -type f -name '*.eml' 2>/dev/null | sort | xargs -r "$PY" -c '
import email.parser, email.policy, re, sys
for path in sys.argv[2:]:
    m = email.parser.BytesParser(policy=email.policy.default).parsebytes(open(path, "rb").read())
    for t in re.findall(re.escape(sys.argv[1]) + r"([A-Za-z0-9_-]*)", m.get_body(("plain",)).get_content()):
        print(m["To"].addresses[0].addr_spec + "\t" + t)' "$URL"
}
# live FILE: how many tokens of "address<TAB>token" lines still verify.
live() { cut -f2 "$1" | while read -r t; do printf '%s\n' "$t" | tp token verify 2>/dev/null; done | grep -c .; }
got() { find "$T/got" -name '*.eml' 2>/dev/null | wc -l; }
states() { sql "select state || '|' || count(*) from delivery group by state order by state" | tr '\n' ' '; }

# ==== notify twice, then send
tp select --group 7S >s.tsv 2>/dev/null
check_exit "notify 7S" 0 notify s.tsv
check_exit "notify 7S again" 0 notify s.tsv
check_eq "twenty messages queued for ten pupils" "$(find queue/new -type f | wc -l)" 20
check_exit "send --dry-run" 0 tp send --dry-run --format tsv
check_eq "the dry run would drop the ten stale ones" \
  "$(col "$T/.out" action | sort | uniq -c | awk '{ $1 = $1; print }' | tr '\n' ',')" \
  "10 drop (its link is no longer current),10 send,"
check_exit "send" 0 tp send
check_grep "the summary counts the sent" "^10 sent, 0 refused, 0 deferred, 0 left in the queue$" "$T/.err"
check_grep "and says why the others were dropped" "^10 message(s) dropped, not sent: their link is no longer current" "$T/.err"
check_eq "ten messages arrive, one to each pupil" \
  "$(links got | cut -f1 | sort -u | wc -l) $(got)" "10 10"
links got >received
check_eq "each with a live token: each verifies, for its own pupil" \
  "$(cut -f2 received | while read -r t; do printf '%s\n' "$t" | tp token verify 2>/dev/null; done | sort -u | wc -l)" 10
check_eq "the store: ten sent, ten dropped" "$(states)" "dropped|10 sent|10 "
check_eq "each drop audited, with its pupil and why" \
  "$(tp audit --format tsv | awk -F'\t' '$4 == "email.dropped" && $5 != "" && $7 ~ /a newer batch voided its link/' | wc -l)" 10
check_eq "the dropped ones are gone from the queue; the sent ten in cur/" \
  "$(find queue/new queue/tmp -type f | wc -l) $(find queue/cur -type f | wc -l)" "0 10"
links queue >atrest
check_eq "no message in the queue holds a token that verifies" "$(live atrest)" 0
check_eq "none holds a token that was sent (soft line breaks undone)" \
  "$(cat queue/cur/* | sed -e ':a' -e '/=\r$/{N;s/=\r\n//;ba}' | grep -cFf <(cut -f2 received))" 0
check_eq "the kept copies still carry the link, its token overwritten" \
  "$(cut -f2 atrest | sort | uniq -c | awk '{ $1 = $1; print }')" "10 $(printf 'x%.0s' $(seq 43))"
check_eq "and parse without a defect" \
  "$("$PY" -c '
import email.parser, email.policy, sys
n = 0
for p in sys.argv[1:]:
    m = email.parser.BytesParser(policy=email.policy.default).parsebytes(open(p, "rb").read())
    n += sum(len(x.defects) for x in m.walk())
print(n)' queue/cur/*)" 0
check_exit "send again" 0 tp send
check_eq "sends nothing more" "$(got)" 10

# ==== a token used, a pupil who left, one who claimed: dropped
tp select --group 7T 2>/dev/null >t.tsv
awk -F'\t' 'NR == 1 || $1 != "tnash"' t.tsv >t3.tsv
check_exit "notify King, Lewis, Moore" 0 notify t3.tsv
tok=$(links queue/new | awk -F'\t' '$1 == "tom.king@pupils.example" { print $2 }')
check_eq "King redeems his link before it is sent" "$(printf '%s\n' "$tok" | tp token redeem 2>/dev/null)" tking
check_exit "Lewis leaves" 0 tp import r2.csv
check_exit "Moore claims his account" 0 tp claim tmoore
check_exit "send" 0 tp send
check_eq "none of the three is sent" "$(got)" 10
check_eq "each drop says why" \
  "$(tp audit --format tsv | awk -F'\t' '$4 == "email.dropped" && $5 ~ /^t/ { sub(/.*not sent: /, "", $7); print $5 ": " $7 }' | sort | tr '\n' ',')" \
  "tking: its link was used,tlewis: the user left,tmoore: the user claimed their account,"

# ==== a token past its expiry: dropped
awk -F'\t' 'NR == 1 || $1 == "tnash"' t.tsv >t1.tsv
check_exit "notify Nash" 0 notify t1.tsv
check_exit "send two days later" 0 env TEMPASS_NOW=2026-09-05T09:00:00Z "$TEMPASS_BIN" --config "$T/pipeline.conf" send
check_eq "Nash's expired link is not sent" "$(got)" 10
check_grep "its drop says so" "to tom.nash@pupils.example: not sent: its link expired" \
  <(tp audit --format tsv | awk -F'\t' '$4 == "email.dropped" && $5 == "tnash"')
check_eq "the store: ten sent, fourteen dropped; nothing in new/ or tmp/" \
  "$(states)$(find queue/new queue/tmp -type f | wc -l)" "dropped|14 sent|10 0"
links queue >atrest
check_eq "no message in the queue holds a token that verifies" "$(live atrest)" 0
check_exit "the audit chain verifies" 0 tp audit verify
stop_smtp
