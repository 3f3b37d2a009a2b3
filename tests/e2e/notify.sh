# notify: password-reset emails instead of paper. Each user with a verified
# address gets one queued message that Python's email parser reads without a
# defect, with the right names in its headers, a single-use link and no
# password; the others are passed on for print. Tokens are stored as hashes
# only, are voided by newer batches, expire and are used up once. Names and
# addresses that could add a header never reach a message. Then the same
# through `tempass run` with delivery = email-else-print, and, when the send
# stage is built, the whole way through a real SMTP server (with the
# server down, then back).
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
URL='https://reset.oakfield.example/r?t='
SITE="Académie d'Oakfield – Łódź"
# A site name outside ASCII puts encoded words in Subject and From.
sed -i "s#^name = Oakfield Academy\$#name = $SITE#" pipeline.conf
sed -i "s#^file = .*/students.csv\$#file = $T/r.csv#" pipeline.conf
cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = $URL{{token}}
token_hours = 24
templates = $ROOT/templates
message_id_domain = oakfield.example
EOF

pw_of() {
	awk -F'\t' -v u="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") p = i; next }
		$1 == u { print $p }' "$1"
}
verify() { printf '%s\n' "$2" | tp verify "$1" 2>"$T/.verr"; }
notify() { tp notify --admin demo --password-file "$T/pw" --yes "$@"; }
regen() { tp regenerate --admin demo --password-file "$T/pw" --yes "$@"; }
# token CMD TOKEN: tempass token CMD with TOKEN on standard input.
token() { printf '%s\n' "$2" | tp token "$1"; }
# token_at TIME CMD TOKEN: the same with TEMPASS_NOW=TIME.
token_at() { printf '%s\n' "$3" | TEMPASS_NOW=$1 tp token "$2"; }
queued() { find "$T/queue/new" -type f 2>/dev/null | wc -l; }
batches() { sql 'select count(*) from batch'; }
# snap / fresh: the queued messages that were not there at the last snap.
snap() { find "$T/queue/new" -type f 2>/dev/null | sort >"$T/.snap"; }
fresh() { find "$T/queue/new" -type f 2>/dev/null | sort | comm -13 "$T/.snap" -; }

# inspect OUT WORDS FILE...: parses each message with Python's email parser
# and writes one TSV line a message to OUT: to address, to name, number of
# recipients, from name, from address, subject, content type, leaf part
# types, defects, the link's token(s), how many distinct, 1 when text and
# html carry the same, how many lines of WORDS occur in the message (raw
# bytes, bytes without soft line breaks, decoded bodies, decoded headers),
# 1 when every line ends in CRLF, Auto-Submitted, 1 when both bodies say
# when the link expires (the EXPIRES environment variable).
inspect() {
	local out=$1 words=$2; shift 2
	"$PY" - "$words" "$URL" "$@" >"$out" <<'EOF'
import email.parser, email.policy, os, re, sys
words = [w for w in open(sys.argv[1], encoding='utf-8').read().split('\n') if w]
tokre = re.compile(re.escape(sys.argv[2]) + r'([A-Za-z0-9_=+/.-]*)')
expires = os.environ.get('EXPIRES', '')
for path in sys.argv[3:]:
    raw = open(path, 'rb').read()
    m = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    defects = list(m.defects)
    for h in set(m.keys()):
        for v in m.get_all(h):
            defects += list(getattr(v, 'defects', ()))
    parts, bodies = [], []
    for p in m.walk():
        defects += list(p.defects)
        if not p.is_multipart():
            parts.append(p.get_content_type())
            bodies.append(p.get_content())
    text, html = m.get_body(('plain',)), m.get_body(('html',))
    tt = text.get_content() if text else ''
    ht = html.get_content() if html else ''
    toks = set(tokre.findall(tt)) | set(tokre.findall(ht))
    same = int(set(tokre.findall(tt)) == set(tokre.findall(ht)) != set())
    to, fr = m['to'].addresses, m['from'].addresses
    hay = [raw, raw.replace(b'=\r\n', b'')] + [b.encode() for b in bodies] + \
          [str(v).encode() for h in set(m.keys()) for v in m.get_all(h)]
    hits = sum(1 for w in words if any(w.encode() in x for x in hay))
    crlf = int(all(l.endswith(b'\r\n') for l in raw.splitlines(True)))
    exp = int(bool(expires) and expires in tt and expires in ht)
    print('\t'.join(str(x) for x in (
        to[0].addr_spec if to else '', to[0].display_name if to else '',
        len(to), fr[0].display_name, fr[0].addr_spec, m['subject'],
        m.get_content_type(), ','.join(parts), len(defects),
        ','.join(sorted(toks)), len(toks), same, hits, crlf,
        m['auto-submitted'], exp)))
EOF
}
# field FILE ADDR N: column N of inspect's line for ADDR.
field() { awk -F'\t' -v a="$2" -v n="$3" '$1 == a { print $n }' "$1"; }
# found LIST FILE...: how many lines of LIST occur in the raw bytes of FILEs.
found() {
	"$PY" - "$@" <<'EOF'
import os, sys
words = [w for w in open(sys.argv[1], encoding='utf-8').read().split('\n') if w]
blob = b''.join(open(f, 'rb').read() for f in sys.argv[2:] if os.path.exists(f))
print(sum(1 for w in words if w.encode() in blob))
EOF
}
# blake2b LIST: the upper-case hex BLAKE2b-256 of each line, sorted.
blake2b() {
	"$PY" -c 'import hashlib, sys
for w in sorted(hashlib.blake2b(l.strip().encode(), digest_size=32).hexdigest().upper()
		for l in open(sys.argv[1]) if l.strip()): print(w)' "$1"
}

H='Adno,UPN,Forename,Surname,DOB,Gender,Year,Reg,Email,Email Verified'
ROWS=(
 "000001,A000000000001,Zoë,O'Brien,14/09/2014,F,Year 7,7A,zoe.obrien@pupils.example,Yes"
 '000002,A000000000002,Łukasz,Wiśniewski,02/01/2015,M,Year 7,7A,lukasz.w@pupils.example,Yes'
 '000003,A000000000003,Thảo,Nguyễn Văn,30/11/2014,F,Year 7,7A,thao.nguyen@pupils.example,Yes'
 '000004,A000000000004,Oliver,Smith,05/05/2015,M,Year 7,7A,oliver.smith@pupils.example,No'
 '000005,A000000000005,Amy,Zed,10/10/2014,F,Year 7,7A,,'
 '000006,A000000000006,Ben,Yu,11/11/2014,M,Year 7,7B,ben.yu@pupils.example,Yes'
 '000007,A000000000007,Cara,Xu,12/12/2014,F,Year 7,7B,,'
)
{ printf '%s\r\n' "$H"; printf '%s\r\n' "${ROWS[@]}"; } >r.csv
check_exit "import a roster with verified addresses" 0 tp import r.csv
printf 'correct horse battery\n' >pw
printf 'wrong horse battery\n' >bad
chmod 600 pw bad
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
# The three of 7A with a verified address: their display names, addresses.
NAME_zoe="Zoë O'Brien" NAME_lukasz='Łukasz Wiśniewski' NAME_thao='Thảo Nguyễn Văn'
ZOE=zoe.obrien@pupils.example LUK=lukasz.w@pupils.example THAO=thao.nguyen@pupils.example

# The WAL is kept (hold_wal), so its raw bytes can be searched for tokens.
hold_wal

tp select --group 7A >a.tsv 2>/dev/null
tp select --group 7A --group 7B >ab.tsv 2>/dev/null
check_exit "regenerate 7A and 7B first" 0 regen --input ab.tsv
cp "$T/.out" b1.tsv
col b1.tsv password >passwords
echo 'correct horse battery' >>passwords
check_eq "every user has a password to look for" "$(col b1.tsv password | grep -c .)" 7

# ---- notify 7A: three verified addresses, two without
nb=$(batches)
check_exit "notify 7A" 0 notify --input a.tsv
cp "$T/.out" n1.tsv
cp "$T/.err" n1.err
check_grep "says what it will do" \
  "^3 reset email(s) will be queued at $SITE (groups: 7A); 2 user(s) without a verified address passed on for print\$" n1.err
check_grep "says where the batch went" "^batch v$((nb + 1)): 3 reset email(s) queued in $T/queue/new\$" n1.err
check_eq "one message a verified user in queue/new" "$(queued)" 3
check_eq "queue/tmp is left empty" "$(find queue/tmp -type f | wc -l)" 0
check_eq "messages are 0600" "$(find queue/new -type f -printf '%m\n' | sort -u)" 600
check_eq "queue folders are 0700" "$(stat -c %a queue queue/new queue/tmp queue/cur | sort -u)" 700
EXPIRES='Friday 4 September 2026, 08:14 UTC' inspect m1.tsv passwords queue/new/*
check_eq "the parser reads three messages" "$(wc -l <m1.tsv)" 3
check_eq "one message to each verified address" "$(cut -f1 m1.tsv | sort | tr '\n' ' ')" "$LUK $THAO $ZOE "
check_eq "To decodes to Zoë's name" "$(field m1.tsv $ZOE 2)" "$NAME_zoe"
check_eq "To decodes to Łukasz's name" "$(field m1.tsv $LUK 2)" "$NAME_lukasz"
check_eq "To decodes to Thảo's name" "$(field m1.tsv $THAO 2)" "$NAME_thao"
check_eq "one recipient a message" "$(cut -f3 m1.tsv | sort -u)" 1
check_eq "From decodes to the site's name" "$(cut -f4 m1.tsv | sort -u)" "$SITE"
check_eq "From is the [email] address" "$(cut -f5 m1.tsv | sort -u)" it@oakfield.example
check_eq "Subject decodes with the site's name" "$(cut -f6 m1.tsv | sort -u)" "Set your password for $SITE"
check_eq "multipart/alternative" "$(cut -f7 m1.tsv | sort -u)" multipart/alternative
check_eq "a text and an html part" "$(cut -f8 m1.tsv | sort -u)" text/plain,text/html
check_eq "no parser defects" "$(cut -f9 m1.tsv | sort -u)" 0
check_eq "one token a message" "$(cut -f11 m1.tsv | sort -u)" 1
check_eq "text and html carry the same link" "$(cut -f12 m1.tsv | sort -u)" 1
check_eq "tokens are 43 URL-safe characters" "$(cut -f10 m1.tsv | grep -cE '^[A-Za-z0-9_-]{43}$')" 3
check_eq "tokens differ" "$(cut -f10 m1.tsv | sort -u | wc -l)" 3
check_eq "no password in any message" "$(cut -f13 m1.tsv | sort -u)" 0
check_eq "every line ends in CRLF" "$(cut -f14 m1.tsv | sort -u)" 1
check_eq "Auto-Submitted: auto-generated" "$(cut -f15 m1.tsv | sort -u)" auto-generated
check_eq "both bodies say when the link expires (token_hours = 24)" "$(cut -f16 m1.tsv | sort -u)" 1
# The search must work: each message holds its user's username.
col a.tsv username >usernames
inspect m1u.tsv usernames queue/new/*
check_eq "the search finds what is there (usernames)" "$(cut -f13 m1u.tsv | sort -u)" 1
tz=$(field m1.tsv $ZOE 10) tl=$(field m1.tsv $LUK 10) tt=$(field m1.tsv $THAO 10)
cut -f10 m1.tsv >tokens

token verify "$tz" >v.out 2>v.err
check_eq "token verify accepts Zoë's token" $? 0
check_eq "and prints her username" "$(cat v.out)" zobrien
check_eq "token verify: Łukasz's" "$(token verify "$tl" 2>/dev/null)" lwisniewski
check_eq "token verify: Thảo's" "$(token verify "$tt" 2>/dev/null)" tnguyenvan
check_eq "verify does not use a token up" "$(token verify "$tz" 2>/dev/null)" zobrien
token redeem "$tz" >v.out 2>v.err
check_eq "token redeem accepts it once" $? 0
check_eq "redeem prints the username" "$(cat v.out)" zobrien
token redeem "$tz" >v.out 2>v.err
check_eq "a second redeem is refused (exit 77)" $? 77
check_eq "the refused redeem prints no username" "$(wc -c <v.out)" 0
check_grep "says it is used" "already used" v.err
token verify "$tz" >/dev/null 2>&1
check_eq "a used token no longer verifies" $? 77
check_eq "the redeem is audited once" \
  "$(tp audit --format tsv | awk -F'\t' '$4 == "token.redeem" && $5 == "zobrien"' | wc -l)" 1

check "the database has a WAL with data in it" test -s "$(store_wal pipeline.conf | tail -1)"
check_eq "the search finds what is stored (usernames)" "$(found usernames $(store_files pipeline.conf) $(store_wal pipeline.conf))" 5
check_eq "no token in the database or WAL bytes" "$(found tokens $(store_files pipeline.conf) $(store_wal pipeline.conf))" 0
check_eq "the store holds the tokens' BLAKE2b-256 hashes" \
  "$(sql "select hex(hash) from reset_token where batch_id = (select id from batch where version = $((nb + 1))) order by 1" | tr '\n' ' ')" \
  "$(blake2b tokens | tr '\n' ' ')"

check_eq "passed on: exactly the users without a verified address" \
  "$(col n1.tsv username | sort | tr '\n' ' ')" "azed osmith "
check_eq "passed on as they came (header)" "$(head -1 n1.tsv)" "$(head -1 a.tsv)"
check_eq "passed on as they came (rows)" "$(tail -n +2 n1.tsv | sort)" \
  "$(awk -F'\t' '$1 == "osmith" || $1 == "azed"' a.tsv | sort)"
check_eq "no password passed on" "$(found passwords n1.tsv)" 0

verify zobrien "$(pw_of b1.tsv zobrien)"
check_eq "notify voids the emailed user's temporary password" $? 77
verify tnguyenvan "$(pw_of b1.tsv tnguyenvan)"
check_eq "for each of them (Thảo)" $? 77
verify osmith "$(pw_of b1.tsv osmith)"
check_eq "a user passed on for print keeps theirs" $? 0
verify byu "$(pw_of b1.tsv byu)"
check_eq "a user outside the selection keeps theirs" $? 0

v=$((nb + 1))
tp audit --batch "$v" --format tsv >audit.tsv
check_eq "token.issue audited per user" \
  "$(awk -F'\t' '$4 == "token.issue" { print $5 }' audit.tsv | sort | tr '\n' ' ')" "lwisniewski tnguyenvan zobrien "
check_eq "batch.create audited once per run" "$(awk -F'\t' '$4 == "batch.create"' audit.tsv | wc -l)" 1
check_grep "the batch.create counts the queued" "batch.create.*groups: 7A; 3 reset email(s) queued, 0 rejected" audit.tsv
check_eq "no token and no password in the audit" "$(found tokens audit.tsv) $(found passwords audit.tsv)" "0 0"
tp batches --format tsv >batches.tsv
check_eq "batches shows the email batch (kind email)" \
  "$(awk -F'\t' -v v="$v" '$1 == v { print $4 "|" $5 "|" $NF }' batches.tsv)" "groups: 7A|3|email"
check_eq "its counts: 2 current, 1 used (as claimed)" \
  "$(awk -F'\t' -v v="$v" '$1 == v { print $6, $7, $8 }' batches.tsv)" "2 1 0"
check_eq "the password batch before it counts the voided" \
  "$(awk -F'\t' -v v="$nb" '$1 == v { print $5, $6, $8, $NF }' batches.tsv)" "7 4 3 passwords"

# ---- a stream cannot choose the address or the name
snap
printf '%s\n' '{"username":"zobrien","forename":"Eve\r\nBcc: spy@evil.example","surname":"X","email":"spy@evil.example","email_verified":"yes","group":"7A"}' >forged.ndjson
check_exit "notify a stream with forged columns" 0 notify --input forged.ndjson
# Words with characters that a random token, boundary or Message-ID never
# holds, so that only the forged values themselves can match.
printf '%s\n' 'evil.example' 'spy@' 'Bcc:' 'bcc:' >forged.words
inspect mf.tsv forged.words $(fresh)
check_eq "the message goes to the stored address" "$(cut -f1 mf.tsv)" "$ZOE"
check_eq "with the stored name" "$(cut -f2 mf.tsv)" "$NAME_zoe"
check_eq "to one recipient" "$(cut -f3 mf.tsv)" 1
check_eq "nothing of the forged values in it" "$(cut -f13 mf.tsv)" 0
check_eq "no Bcc header" "$(cat $(fresh) | grep -c -i '^bcc:')" 0
tz2=$(cut -f10 mf.tsv)

# ---- notify | regenerate | emit: strips for the others
snap
nb=$(batches)
notify --input a.tsv 2>n2.err | regen 2>r2.err | tee r2.tsv | tp emit pdf -o strips.pdf 2>e.err
st=("${PIPESTATUS[@]}")
check_eq "notify | regenerate | emit succeeds" "${st[*]}" "0 0 0 0"
[ "${st[*]}" = "0 0 0 0" ] || sed 's/^/   | /' r2.err e.err | head -5
check_eq "regenerate got exactly the users without a verified address" \
  "$(col r2.tsv username | sort | tr '\n' ' ')" "azed osmith "
check_eq "their group reaches the records" "$(col r2.tsv group | sort -u)" 7A
if command -v pdftotext >/dev/null 2>&1 && [ -s strips.pdf ]; then
	pdftotext strips.pdf strips.txt 2>/dev/null
	check_eq "the strips name Oliver and Amy" \
	  "$(grep -c -e 'Oliver' -e 'Amy' strips.txt | awk '{ print ($1 >= 2) }')" 1
	check_eq "the strips name none of the emailed" "$(grep -c -e Zoë -e Łukasz -e Thảo strips.txt)" 0
else
	notok "strips.pdf written and readable (pdftotext)"
fi
inspect m2.tsv passwords $(fresh)
check_eq "the second notify queues three more" "$(cut -f1 m2.tsv | sort | tr '\n' ' ')" "$LUK $THAO $ZOE "
check_eq "no password in them either" "$(cut -f13 m2.tsv | sort -u)" 0
tl2=$(field m2.tsv $LUK 10) tt2=$(field m2.tsv $THAO 10) tz3=$(field m2.tsv $ZOE 10)
token verify "$tl" >/dev/null 2>v.err
check_eq "a newer notify voids the older token (exit 77)" $? 77
check_grep "says it is void" "the token is void" v.err
token verify "$tz2" >/dev/null 2>&1
check_eq "and the token of the notify before it" $? 77
check_eq "the newer token verifies" "$(token verify "$tl2" 2>/dev/null)" lwisniewski
check_eq "one current token a user" \
  "$(sql "select count(*) from reset_token where state = 'current' group by user_id having count(*) > 1")" ""

# ---- a newer password batch voids the user's token
printf 'username\tgroup\ntnguyenvan\t7A\n' >thao.tsv
check_exit "regenerate Thảo" 0 regen --input thao.tsv
token verify "$tt2" >/dev/null 2>v.err
check_eq "a newer batch voids the token (exit 77)" $? 77
check_grep "says it is void" "the token is void" v.err
check_exit "reset Łukasz" 0 tp reset --admin demo --password-file pw lwisniewski
token verify "$tl2" >/dev/null 2>&1
check_eq "a reset voids the token too" $? 77
check_eq "Zoë's token is untouched" "$(token verify "$tz3" 2>/dev/null)" zobrien

# ---- expiry, unknown and malformed tokens (token_hours = 24)
check_eq "a token verifies just before it expires" \
  "$(token_at 2026-09-04T08:13:59Z verify "$tz3" 2>/dev/null)" zobrien
token_at 2026-09-04T08:14:00Z verify "$tz3" >/dev/null 2>v.err
check_eq "an expired token is refused (exit 77)" $? 77
check_grep "says it expired" "the token is expired" v.err
token_at 2026-09-04T08:14:00Z redeem "$tz3" >/dev/null 2>&1
check_eq "an expired token cannot be redeemed" $? 77
token_at 2026-09-03T09:00:00Z verify "$tz3" >/dev/null 2>&1
check_eq "an expired token stays expired" $? 77
unknown=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-43)
token verify "$unknown" >/dev/null 2>v.err
check_eq "an unknown token is refused (exit 77)" $? 77
check_grep "says it is unknown" "the token is unknown" v.err
token redeem "$unknown" >/dev/null 2>&1
check_eq "an unknown token cannot be redeemed" $? 77
for bad in "${tl2:0:42}" "${tl2}A" "${tl2:0:42}=" "${tl2:0:42}+" "${tl2:0:42}." \
	   "${tl2:0:42} " "" "$URL$tl2" "${tl2:0:20}"$'\001'"${tl2:21}"; do
	token verify "$bad" >/dev/null 2>v.err
	rc=$?
	check_eq "a malformed token is refused with 65 ('$(printf '%q' "$bad")')" $rc 65
done
check_grep "says what a token is" "does not hold a reset token" v.err
check_eq "refusals are audited" \
  "$(tp audit --format tsv | awk -F'\t' '$4 == "token.refused"' | wc -l | awk '{ print ($1 >= 6) }')" 1

# ---- the admin must confirm; --dry-run changes nothing
snap
nb=$(batches) nt=$(sql 'select count(*) from reset_token')
check_exit "notify with a wrong admin password (exit 77)" 77 \
  tp notify --admin demo --password-file bad --yes --input a.tsv
check_exit "notify by an unknown admin (exit 77)" 77 \
  tp notify --admin nobody --password-file pw --yes --input a.tsv
check_exit "notify --dry-run" 0 notify --dry-run --input a.tsv
check_grep "--dry-run says how many" "^3 reset email(s) will be queued" "$T/.err"
check_eq "nothing queued" "$(fresh | wc -l)" 0
check_eq "no batch" "$(batches)" "$nb"
check_eq "no token" "$(sql 'select count(*) from reset_token')" "$nt"
awk -F'\t' 'BEGIN { OFS = FS } { print } END { $1 = "nosuchuser"; print }' a.tsv >unk.tsv
check_exit "a stream with an unknown user (exit 65)" 65 notify --input unk.tsv
check_eq "nothing queued for it" "$(fresh | wc -l) $(batches)" "0 $nb"

# ---- addresses that could add a header are refused at import; names lose
# their line breaks (core/name.c), so no name can add one either
{ printf '%s\r\n' "$H"; printf '%s\r\n' "${ROWS[@]}"
  printf '000021,A000000000021,"Eve\r\nBcc: spy@evil.example",Hacker,01/01/2015,F,Year 7,7A,eve@pupils.example,Yes\r\n'
  printf '000022,A000000000022,Mal,"Lory\r\nTo: spy@evil.example",01/01/2015,F,Year 7,7A,mal@pupils.example,Yes\r\n'
  printf '000023,A000000000023,Cr,"Only\rTo: spy@evil.example",01/01/2015,F,Year 7,7A,cr@pupils.example,Yes\r\n'
  printf '000024,A000000000024,Lf,"Only\nTo: spy@evil.example",01/01/2015,F,Year 7,7A,lf@pupils.example,Yes\r\n'
  printf '000025,A000000000025,Space,Addr,01/01/2015,F,Year 7,7A,sp ace@pupils.example,Yes\r\n'
  printf '000026,A000000000026,Crlf,Addr,01/01/2015,F,Year 7,7A,"crlf@pupils.example\r\nBcc: spy@evil.example",Yes\r\n'
  printf '000027,A000000000027,Two,Addr,01/01/2015,F,Year 7,7A,"a@pupils.example, spy@evil.example",Yes\r\n'
  printf '000028,A000000000028,Angle,Addr,01/01/2015,F,Year 7,7A,Eve <eve@pupils.example>,Yes\r\n'
} >inj.csv
check_exit "import refuses the injection rows (exit 65)" 65 tp import inj.csv
# (the line a record starts on; CR and LF in quotes count as line breaks)
for l in 9:Forename 11:Surname 13:Surname 15:Surname; do
	check_grep "line ${l%%:*}: line break removed from ${l#*:}" \
	  "inj.csv:${l%%:*}: column '${l#*:}' held 1 control character(s) (first U+000A); removed" "$T/.err"
done
check_grep "line 18: control character in Email" \
  "inj.csv:18: column 'Email' holds a control character or line break" "$T/.err"
check_grep "an address with a space is not an address" "inj.csv:17: email 'sp ace@pupils.example' is not an address" "$T/.err"
check_grep "two addresses are not an address" "inj.csv:20: email 'a@pupils.example, spy@evil.example' is not an address" "$T/.err"
check_grep "a name and an address are not an address" "inj.csv:21: email 'Eve <eve@pupils.example>' is not an address" "$T/.err"
check_eq "no bad address imported" "$(sql "select count(*) from user where external_id > '000024'")" 0
check_eq "no line break stored in a name" "$(sql "select count(*) from user where instr(forename || surname, char(10)) > 0 or instr(forename || surname, char(13)) > 0")" 0
check_eq "the names are kept on one line" "$(sql "select forename from user where external_id = '000021'")" "Eve Bcc: spy@evil.example"
check_eq "nothing of the addresses stored" "$(sql "select count(*) from user where email like '%evil%'")" 0

# ---- an invalid [email] configuration is refused (78)
snap
nb=$(batches)
# bad_conf SED NAME: notify with pipeline.conf changed by SED exits 78.
bad_conf() {
	sed "$1" pipeline.conf >bad.conf
	check_exit "$2 (exit 78)" 78 "$TEMPASS_BIN" --config "$T/bad.conf" notify \
	  --admin demo --password-file "$T/pw" --yes --input "$T/a.tsv"
}
bad_conf 's/^from = .*/from = IT Desk <it@oakfield.example>/' "from with a display name"
check_grep "says from is not an address" "from 'IT Desk <it@oakfield.example>' is not an address" "$T/.err"
bad_conf 's/^from = .*/from = it@oakfield.example, spy@evil.example/' "from with two addresses"
bad_conf 's/^from = .*/from = it@oakfield/' "from without a dotted domain"
bad_conf 's/^from = .*/from = "it"@oakfield.example/' "from with a quoted local part"
bad_conf '/^from = /d' "no from"
bad_conf "s#^reset_url = .*#reset_url = ${URL}#" "reset_url without {{token}}"
bad_conf 's/^token_hours = .*/token_hours = 0/' "token_hours 0"
bad_conf 's/^\[email\]/[email]\nbcc = spy@evil.example/' "an unknown [email] key"
check_eq "nothing queued by a bad configuration" "$(fresh | wc -l) $(batches)" "0 $nb"

# ---- run with delivery = email-else-print
mkdir -p run/var
sed -e "s#$T/var/#$T/run/var/#" -e "s#$T/queue#$T/run/queue#" -e "s#^out_dir = .*#out_dir = $T/run/out#" \
    -e 's/^outputs = .*/outputs = pdf-strips, csv/' pipeline.conf >run/pipeline.conf
other_store run/pipeline.conf run
printf '%s\n' 'delivery = email-else-print' "from_name = Oakfield IT – Zoë's desk" >>run/pipeline.conf
cp pw run/var/demo-admin.pw
tpr() { "$TEMPASS_BIN" --config "$T/run/pipeline.conf" "$@"; }
tpr admin add demo --site oakfield --password-file pw >/dev/null 2>&1
check_exit "run with delivery = email-else-print" 0 tpr run
cp "$T/.err" run.err
check_grep "run says who gets what" \
  "^4 reset email(s) queued; 3 user(s) without a verified address get a printed password\$" run.err
"$PY" -c 'import csv, sys
r = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
for x in r: print(x["username"] + "\t" + x["password"])' run/out/oakfield-v2.csv >run.pw 2>/dev/null
check_eq "the printed passwords are for the others only" "$(cut -f1 run.pw | sort | tr '\n' ' ')" "azed cxu osmith "
cut -f2 run.pw >run.passwords
echo 'correct horse battery' >>run.passwords
check_eq "and they are passwords" "$(grep -cE '^[a-z]+-[a-z]+-[0-9]+$' run.passwords)" 3
inspect mr.tsv run.passwords run/queue/new/*
check_eq "run queues a message a verified user" "$(cut -f1 mr.tsv | sort | tr '\n' ' ')" \
  "ben.yu@pupils.example $LUK $THAO $ZOE "
check_eq "run's messages parse without defects" "$(cut -f9 mr.tsv | sort -u)" 0
check_eq "From decodes to [email] from_name" "$(cut -f4 mr.tsv | sort -u)" "Oakfield IT – Zoë's desk"
check_eq "no password in run's messages" "$(cut -f13 mr.tsv | sort -u)" 0
check_eq "the emailed users have no password (no current credential)" \
  "$(sql_in run/pipeline.conf "select count(*) from credential c join user u on u.id = c.user_id where u.email_verified = 1 and c.state = 'current'")" 0
check_eq "run's tokens verify" \
  "$(for t in $(cut -f10 mr.tsv); do printf '%s\n' "$t" | tpr token verify 2>/dev/null; done | sort | tr '\n' ' ')" \
  "byu lwisniewski tnguyenvan zobrien "
if pdftotext run/out/oakfield-v2-strips.pdf run.txt 2>/dev/null; then
	check_eq "run's strips name none of the emailed" "$(grep -c -e Zoë -e Łukasz -e Thảo -e 'Ben' run.txt)" 0
	check_eq "run's strips name the others" "$(grep -c -e Oliver -e Amy -e Cara run.txt | awk '{ print ($1 >= 3) }')" 1
else
	notok "run wrote readable strips (run/out/oakfield-v2-strips.pdf)"
fi
check_eq "no password in run's stderr or database" \
  "$(found run.passwords run.err $(store_files run/pipeline.conf) $(store_wal run/pipeline.conf))" 0

# ---- the whole way: notify, send, an SMTP server
if ! [ -f "$ROOT/stages/send.c" ] || ! "$TEMPASS_BIN" send --help >/dev/null 2>&1; then
	ok "# SKIP send: stages/send.c is not built into tempass yet"
	exit 0
fi
if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	ok "# SKIP send: python3-aiosmtpd is not installed"
	exit 0
fi
S=$T/smtp
mkdir -p "$S"
sed -e "s#$T/var/#$S/var/#" -e "s#$T/queue#$S/queue#" -e "s#^out_dir = .*#out_dir = $S/out#" \
    pipeline.conf >"$S/pipeline.conf"
other_store "$S/pipeline.conf" send
tps() { "$TEMPASS_BIN" --config "$S/pipeline.conf" "$@"; }
# start_server: the SMTP server keeping what it accepts in $S/got, its URL
# in the configuration.
start_server() {
	start_smtp "$S" 1800
	sed -i '/^smtp_url = /d' "$S/pipeline.conf"
	echo "smtp_url = smtp://127.0.0.1:$PORT" >>"$S/pipeline.conf"
}
got() { find "$S/got" -name '*.eml' 2>/dev/null | wc -l; }
sent() { sql_in "$S/pipeline.conf" "select state, count(*) from delivery group by state order by state" | tr '\n' ' '; }

tps import r.csv >/dev/null 2>&1
tps admin add demo --site oakfield --password-file pw >/dev/null 2>&1
check_exit "send: regenerate everyone first" 0 \
  tps regenerate --admin demo --password-file pw --yes --input ab.tsv
col "$T/.out" password >s.passwords
echo 'correct horse battery' >>s.passwords
start_server
check "the SMTP server listens" test -s "$S/port"
check_exit "send: notify 7A and 7B" 0 tps notify --admin demo --password-file pw --yes --input ab.tsv
check_exit "send delivers the queue" 0 tps send
check_eq "one message a verified user arrived" "$(got)" 4
check_eq "the queue is empty, the messages in cur/" \
  "$(find "$S/queue/new" -type f | wc -l) $(find "$S/queue/cur" -type f | wc -l)" "0 4"
check_eq "the store has them sent" "$(sent)" "sent|4 "
inspect ms.tsv s.passwords "$S"/got/*.eml
check_eq "to each verified address once" "$(cut -f1 ms.tsv | sort | tr '\n' ' ')" \
  "ben.yu@pupils.example $LUK $THAO $ZOE "
check_eq "received: To decodes to Zoë's name" "$(field ms.tsv $ZOE 2)" "$NAME_zoe"
check_eq "received: To decodes to Łukasz's name" "$(field ms.tsv $LUK 2)" "$NAME_lukasz"
check_eq "received: To decodes to Thảo's name" "$(field ms.tsv $THAO 2)" "$NAME_thao"
check_eq "received: From decodes to the site's name" "$(cut -f4 ms.tsv | sort -u)" "$SITE"
check_eq "received: Subject decodes" "$(cut -f6 ms.tsv | sort -u)" "Set your password for $SITE"
check_eq "received: multipart/alternative, text and html" "$(cut -f7,8 ms.tsv | sort -u)" \
  "multipart/alternative	text/plain,text/html"
check_eq "received: no parser defects" "$(cut -f9 ms.tsv | sort -u)" 0
check_eq "received: one link, the same in both parts" "$(cut -f11,12 ms.tsv | sort -u)" "1	1"
check_eq "received: no password in any message" "$(cut -f13 ms.tsv | sort -u)" 0
check_eq "the envelope goes to the To address only" \
  "$(for f in "$S"/got/*.env; do sed -n '2,$p' "$f" | tr '\n' ' '; echo; done | sort | tr -d '\n')" \
  "ben.yu@pupils.example $LUK $THAO $ZOE "
check_eq "the envelope sender is [email] from" "$(head -qn1 "$S"/got/*.env | sort -u)" it@oakfield.example
bad=0
while IFS=$'\t' read -r addr tok; do
	u=$(printf '%s\n' "$tok" | tps token redeem 2>/dev/null)
	[ -n "$u" ] || bad=$((bad + 1))
	printf '%s\n' "$tok" | tps token redeem >/dev/null 2>&1
	[ $? -eq 77 ] || bad=$((bad + 1))
done < <(cut -f1,10 ms.tsv)
check_eq "each received link redeems once, then exit 77" "$bad" 0
check_exit "send with nothing queued" 0 tps send
check_eq "sends nothing again" "$(got)" 4

stop_smtp
check_exit "send: notify again" 0 tps notify --admin demo --password-file pw --yes --input ab.tsv
check_exit "server down: send exits 75" 75 tps send
check_eq "server down: the messages stay queued" "$(find "$S/queue/new" -type f | wc -l)" 4
check_eq "server down: the store still has them queued" "$(sent)" "queued|4 sent|4 "
start_server
check_exit "server back: send" 0 tps send
check_eq "server back: delivered" "$(got)" 8
check_eq "server back: the queue is empty" "$(find "$S/queue/new" -type f | wc -l)" 0
check_exit "and a send after it" 0 tps send
check_eq "delivers each once" "$(got)" 8
check_eq "the store has all sent" "$(sent)" "sent|8 "
inspect ms2.tsv s.passwords "$S"/got/*.eml
check_eq "each address got one message a notify" "$(cut -f1 ms2.tsv | sort | uniq -c | awk '{ print $1 }' | sort -u)" 2
check_eq "no defects, no password in any" "$(cut -f9,13 ms2.tsv | sort -u)" "0	0"
check_eq "the newer links verify" \
  "$(for t in $(comm -13 <(cut -f10 ms.tsv | sort) <(cut -f10 ms2.tsv | sort)); do
	printf '%s\n' "$t" | tps token verify 2>/dev/null; done | sort | tr '\n' ' ')" \
  "byu lwisniewski tnguyenvan zobrien "
stop_smtp
