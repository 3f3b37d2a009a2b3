# send: the mail queue delivered to a real SMTP server (tests/smtp_server.py,
# aiosmtpd): every message arrives once and byte for byte, refusals and
# deferrals are recorded and kept, an unreachable server loses nothing, and
# what a crash leaves behind (a recorded message still in new/, a committed
# one still in tmp/, an orphan in tmp/) is put right. The queue is built
# here, as notify leaves it: delivery rows in the store, files in new/.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
# email_conf [LINE...]: pipeline.conf with an [email] section for PORT.
email_conf() {
	write_conf
	printf '\n[email]\nqueue_dir = %s/queue\nsmtp_url = smtp://127.0.0.1:%s\nfrom = tempass@oakfield.example\n' \
		"$T" "$PORT" >>"$T/pipeline.conf"
	for l in "$@"; do printf '%s\n' "$l" >>"$T/pipeline.conf"; done
}
# msg DIR NAME TO ID: a reset email as notify writes it (CRLF), with lines
# that SMTP must dot-stuff.
msg() {
	printf 'From: Oakfield Academy <tempass@oakfield.example>\r\nTo: %s\r\nSubject: Reset your Oakfield password\r\nDate: Thu, 03 Sep 2026 08:14:00 +0000\r\nMessage-ID: <%s@oakfield.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHello Zoë,\r\n\r\nSet your password: https://reset.oakfield.example/r/%s\r\n.\r\n.. two dots\r\n.one dot\r\n' \
		"$3" "$4" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >"$T/queue/$1/$2"
	chmod 600 "$T/queue/$1/$2"
}
# queue NAME USER RECIPIENT [STATE]: the delivery row of NAME, and the
# current reset token it carries (its hash: send looks it up).
queue() {
	sql "insert into reset_token (batch_id, user_id, hash, expires_at)
	     select $B, id, randomblob(32), 4102444800 from user where username = '$2';
	     insert into delivery (file, message_id, user_id, batch_id, recipient, state, queued_at, sent_at)
	     select '$1', '$1@oakfield.example', id, $B, '$3', '${4:-queued}', 1788422000,
	            case when '${4:-queued}' = 'sent' then 1788422000 end
	     from user where username = '$2'"
}
dstate() { sql "select state || '|' || attempts from delivery where file = '$1'"; }
got() { ls "$T/got" 2>/dev/null | grep -c '\.eml$'; }
# got_id ID: how many received messages carry the Message-ID <ID@...>.
got_id() { cat "$T"/got/*.eml 2>/dev/null | grep -c "^Message-ID: <$1@"; }
# same NAME: the file in cur/ and the message received with its ID are the
# same bytes, and the same message to a MIME parser; prints the envelope.
same() {
	"$PY" - "$T/queue/cur/$1" "$T/got" "$1" <<'EOF'
import email.parser, email.policy, glob, sys
path, got, name = sys.argv[1:]
sent = open(path, 'rb').read()
hits = [f for f in sorted(glob.glob(got + '/*.eml'))
	if b'Message-ID: <%s@' % name.encode() in open(f, 'rb').read()]
if len(hits) != 1:
	print('received %d times' % len(hits)); sys.exit(0)
recv = open(hits[0], 'rb').read()
p = email.parser.BytesParser(policy=email.policy.default)
a, b = p.parsebytes(sent), p.parsebytes(recv)
ok = (recv == sent and a.items() == b.items() and not a.defects
      and not b.defects and a.get_content() == b.get_content())
env = open(hits[0][:-4] + '.env', encoding='utf-8').read().split('\n')
print(('same' if ok else 'differs') + ' from=' + env[0] + ' to=' + ','.join(x for x in env[1:] if x))
EOF
}
summary() { grep -E '^[0-9]+ sent, ' "$T/.err"; }

check_exit "import the sample roster" 0 tp import
SITE=$(sql "select id from site where code = 'oakfield'")
sql "insert into batch (site_id, version, actor, created_at, criteria, count, kind)
     values ($SITE, 1, 'demo', 1788422000, 'group 7A', 12, 'email')"
B=$(sql "select id from batch where version = 1")
mapfile -t U < <(sql "select username from user order by id limit 12")
check "twelve users to write to" test "${#U[@]}" -eq 12

# ---- configuration and the queue folders
start_smtp "$T" 1800 --refuse refuse@mail.oakfield.example --defer later@mail.oakfield.example
check "the SMTP server listens" test -n "$PORT"
write_conf
check_exit "no [email] smtp_url: exit 78" 78 tp send
check_grep "says what is missing" "has no smtp_url" "$T/.err"
email_conf
check_exit "an empty queue: exit 0" 0 tp send
check_grep "an empty queue is summarised" "^0 sent, 0 refused, 0 deferred, 0 left in the queue$" "$T/.err"
check_eq "the queue folders are made 0700" \
  "$(stat -c %a "$T/queue" "$T/queue/tmp" "$T/queue/new" "$T/queue/cur" | sort -u)" 700
check_exit "--limit must be a count" 64 tp send --limit x
check_exit "--format needs --dry-run" 64 tp send --format tsv

# ---- a first run: sent, refused, deferred
msg new 1788422040.a1.eml "Pupil One <a1@mail.oakfield.example>" 1788422040.a1.eml
msg new 1788422040.a2.eml "Someone Else <someone.else@elsewhere.example>" 1788422040.a2.eml
msg new 1788422040.a3.eml "<refuse@mail.oakfield.example>" 1788422040.a3.eml
msg new 1788422040.a4.eml "<later@mail.oakfield.example>" 1788422040.a4.eml
queue 1788422040.a1.eml "${U[0]}" a1@mail.oakfield.example
queue 1788422040.a2.eml "${U[1]}" a2@mail.oakfield.example
queue 1788422040.a3.eml "${U[2]}" refuse@mail.oakfield.example
queue 1788422040.a4.eml "${U[3]}" later@mail.oakfield.example
check_exit "a refusal: exit 65" 65 tp send
check_grep "the summary counts each outcome" "^2 sent, 1 refused, 1 deferred, 0 left in the queue$" "$T/.err"
check_eq "two messages arrive" "$(got)" 2
check_eq "the first arrives as saved, to its recipient" "$(same 1788422040.a1.eml)" \
  "same from=tempass@oakfield.example to=a1@mail.oakfield.example"
check_eq "the envelope recipient is the store's, not the To: header's" \
  "$(same 1788422040.a2.eml)" "same from=tempass@oakfield.example to=a2@mail.oakfield.example"
check_eq "sent messages are recorded sent, at TEMPASS_NOW" \
  "$(sql "select group_concat(state || ':' || attempts || ':' || sent_at, ' ') from delivery where file in ('1788422040.a1.eml', '1788422040.a2.eml')")" \
  "sent:1:$(date -d "$TEMPASS_NOW" +%s) sent:1:$(date -d "$TEMPASS_NOW" +%s)"
check "sent messages are moved to cur/" test -f queue/cur/1788422040.a1.eml -a -f queue/cur/1788422040.a2.eml \
  -a ! -e queue/new/1788422040.a1.eml -a ! -e queue/new/1788422040.a2.eml
check_eq "each send is audited with its user and batch" \
  "$(sql "select count(*) from audit where action = 'email.sent' and batch_id = $B and user_id in (select id from user where username in ('${U[0]}', '${U[1]}'))")" 2
check_eq "the audit says where it went" \
  "$(tp audit --user "${U[1]}" --format tsv | awk -F'\t' '$4 == "email.sent" { print $7 }')" "to a2@mail.oakfield.example"
check_eq "the refused one is marked refused" "$(dstate 1788422040.a3.eml)" "refused|1"
check_grep "with the server's reason" "550 5.1.1 <refuse@mail.oakfield.example>: mailbox unavailable" \
  <(sql "select last_error from delivery where file = '1788422040.a3.eml'")
check_grep "the refusal is reported" "1788422040.a3.eml' to refuse@mail.oakfield.example refused: 550" "$T/.err"
check_eq "the refusal is audited" "$(sql "select count(*) from audit where action = 'email.refused'")" 1
check "the refused one stays in new/" test -f queue/new/1788422040.a3.eml
check_eq "the deferred one stays queued" "$(dstate 1788422040.a4.eml)" "queued|1"
check_grep "with the server's reason" "^451 4.7.1" <(sql "select last_error from delivery where file = '1788422040.a4.eml'")
check "the deferred one stays in new/" test -f queue/new/1788422040.a4.eml

check_exit "again, still deferred: exit 75" 75 tp send
check_grep "refused ones are left, deferred tried" "^0 sent, 0 refused, 1 deferred, 1 left in the queue$" "$T/.err"
check_grep "says how to retry the refused" "1 message(s) refused before stay in new/; --retry-refused" "$T/.err"
check_eq "nothing more arrives" "$(got)" 2
check_eq "a second attempt is counted" "$(dstate 1788422040.a4.eml)" "queued|2"
check_exit "the refused one, retried and refused again: exit 65" 65 tp send --retry-refused --limit 1
check_eq "a second refusal" "$(dstate 1788422040.a3.eml)" "refused|2"
check_eq "--limit 1 leaves the deferred one untried" "$(dstate 1788422040.a4.eml)" "queued|2"

stop_smtp
start_smtp "$T" 1800 --refuse refuse@mail.oakfield.example
email_conf
check_exit "the server no longer defers: exit 0" 0 tp send
check_eq "the deferred message arrives once" "$(same 1788422040.a4.eml)" \
  "same from=tempass@oakfield.example to=later@mail.oakfield.example"
check_eq "recorded sent" "$(sql "select state, sent_at is not null from delivery where file = '1788422040.a4.eml'")" "sent|1"
check_exit "a second send" 0 tp send
check_grep "sends nothing" "^0 sent, 0 refused, 0 deferred, 1 left in the queue$" "$T/.err"
check_eq "nothing arrives twice" "$(got)" 3

# ---- --dry-run and --limit
msg new 1788422050.b1.eml "<b1@mail.oakfield.example>" 1788422050.b1.eml
msg new 1788422050.b2.eml "<b2@mail.oakfield.example>" 1788422050.b2.eml
queue 1788422050.b1.eml "${U[4]}" b1@mail.oakfield.example
queue 1788422050.b2.eml "${U[5]}" b2@mail.oakfield.example
check_exit "--dry-run" 0 tp send --dry-run --limit 1 --format tsv
cp "$T/.out" dry.tsv
check_eq "--dry-run lists the queue" "$(cut -f1,2,5 dry.tsv)" "$(printf '%s\n' \
  "file	recipient	action" \
  "1788422040.a3.eml	refuse@mail.oakfield.example	leave (refused; --retry-refused tries again)" \
  "1788422050.b1.eml	b1@mail.oakfield.example	send" \
  "1788422050.b2.eml	b2@mail.oakfield.example	leave (over --limit)")"
check_eq "--dry-run sends nothing" "$(got)" 3
check_eq "--dry-run changes nothing" "$(dstate 1788422050.b1.eml)" "queued|0"
check_exit "--limit 1" 0 tp send --limit 1
check_grep "sends one" "^1 sent, 0 refused, 0 deferred, 2 left in the queue$" "$T/.err"
check_eq "the first by name" "$(dstate 1788422050.b1.eml) $(dstate 1788422050.b2.eml)" "sent|1 queued|0"

# ---- the server is down, then back
stop_smtp
msg new 1788422060.c1.eml "<c1@mail.oakfield.example>" 1788422060.c1.eml
queue 1788422060.c1.eml "${U[6]}" c1@mail.oakfield.example
check_exit "nothing listens: exit 75" 75 tp send
check_grep "says so, and what stays" "cannot reach smtp://127.0.0.1:$PORT: Couldn't connect to server; 2 message(s) stay queued" "$T/.err"
check_eq "both stay queued, untouched" "$(dstate 1788422050.b2.eml) $(dstate 1788422060.c1.eml)" "queued|0 queued|0"
check "both stay in new/" test -f queue/new/1788422050.b2.eml -a -f queue/new/1788422060.c1.eml
start_smtp "$T" 1800 --port "$PORT" --refuse refuse@mail.oakfield.example
check_exit "the server is back" 0 tp send
check_eq "each arrives exactly once" "$(got_id 1788422050.b2.eml) $(got_id 1788422060.c1.eml) $(got)" "1 1 6"
check_eq "both recorded sent" "$(dstate 1788422050.b2.eml) $(dstate 1788422060.c1.eml)" "sent|1 sent|1"

# ---- what a crash leaves behind
msg new 1788422070.d1.eml "<d1@mail.oakfield.example>" 1788422070.d1.eml
queue 1788422070.d1.eml "${U[7]}" d1@mail.oakfield.example sent
msg tmp 1788422070.d2.eml "<d2@mail.oakfield.example>" 1788422070.d2.eml
queue 1788422070.d2.eml "${U[8]}" d2@mail.oakfield.example
msg tmp 1788422070.orphan.eml "<o@mail.oakfield.example>" 1788422070.orphan.eml
touch -d '2 hours ago' queue/tmp/1788422070.orphan.eml
msg tmp 1788422070.young.eml "<y@mail.oakfield.example>" 1788422070.young.eml
touch -d '50 minutes ago' queue/tmp/1788422070.young.eml
msg new 1788422070.stray.eml "<s@mail.oakfield.example>" 1788422070.stray.eml
check_exit "--dry-run shows the recovery" 0 tp send --dry-run --format tsv
check_eq "--dry-run: what it would do" "$(grep 1788422070 "$T/.out" | cut -f1,5)" "$(printf '%s\n' \
  "1788422070.d1.eml	move to cur/ (sent before)" \
  "1788422070.d2.eml	recover from tmp/ and send" \
  "1788422070.orphan.eml	delete (no delivery; left by an interrupted notify)" \
  "1788422070.stray.eml	leave (no delivery recorded)")"
check "--dry-run deletes nothing" test -f queue/tmp/1788422070.orphan.eml
check_exit "send after a crash" 0 tp send
check_grep "the summary" "^1 sent, 0 refused, 0 deferred, 2 left in the queue$" "$T/.err"
check "a recorded message still in new/ is moved to cur/" \
  test -f queue/cur/1788422070.d1.eml -a ! -e queue/new/1788422070.d1.eml
check_eq "and not sent again" "$(got_id 1788422070.d1.eml)" 0
check_grep "says so" "1 message(s) sent before moved to cur/" "$T/.err"
check_eq "a committed message left in tmp/ is sent" "$(same 1788422070.d2.eml)" \
  "same from=tempass@oakfield.example to=d2@mail.oakfield.example"
check_eq "and recorded" "$(dstate 1788422070.d2.eml)" "sent|1"
check "an old orphan in tmp/ is deleted" test ! -e queue/tmp/1788422070.orphan.eml
check_grep "and that is said" "deleted '$T/queue/tmp/1788422070.orphan.eml': no delivery is recorded" "$T/.err"
check "a file in tmp/ younger than an hour (a notify at work) is left alone" test -f queue/tmp/1788422070.young.eml
check "a file in new/ with no delivery is left alone" test -f queue/new/1788422070.stray.eml
check_grep "with a warning" "1788422070.stray.eml': no delivery is recorded for it; left alone" "$T/.err"
check_eq "neither is sent" "$(got_id 1788422070.young.eml) $(got_id 1788422070.stray.eml) $(got)" "0 0 7"
check_exit "the audit chain holds" 0 tp audit verify

# ---- one send at a time
msg new 1788422080.e1.eml "<e1@mail.oakfield.example>" 1788422080.e1.eml
queue 1788422080.e1.eml "${U[9]}" e1@mail.oakfield.example
exec 9<"$T/queue"
flock 9
check_exit "while another send holds the queue: exit 75" 75 tp send
check_grep "says why" "another tempass send is delivering this queue" "$T/.err"
exec 9<&-
check_eq "nothing was sent meanwhile" "$(dstate 1788422080.e1.eml) $(got)" "queued|0 7"

# ---- TLS required
email_conf "starttls = yes"
check_exit "starttls = yes, and the server offers none: exit 75" 75 tp send
check_grep "says so" "cannot reach smtp://127.0.0.1:$PORT: .*STARTTLS" "$T/.err"
check_eq "nothing is sent in clear text" "$(dstate 1788422080.e1.eml) $(got)" "queued|0 7"

# ---- the SMTP login
stop_smtp
start_smtp "$T" 1800 --auth mailer:s3cret-Pa55
email_conf
check_exit "a server that wants a login, and none: exit 77" 77 tp send
check_grep "says so" "smtp://127.0.0.1:$PORT asks for a login (530 .*): set \[email\] smtp_credentials; 1 message(s) stay queued" "$T/.err"
check_eq "the message stays queued, not refused" "$(dstate 1788422080.e1.eml)" "queued|0"
printf 'mailer:s3cret-Pa55\n' >cred
chmod 644 cred
email_conf "smtp_credentials = $T/cred"
check_exit "a login file others can read: exit 78" 78 tp send
check_grep "says why" "permissions 0644 are too open" "$T/.err"
check_eq "nothing was sent" "$(dstate 1788422080.e1.eml) $(got)" "queued|0 7"
chmod 600 cred
check_exit "with the login" 0 tp send
check_eq "the message arrives" "$(got_id 1788422080.e1.eml)" 1
check_grep "a clear-text login is warned about" "crosses the network in clear text" "$T/.err"
printf 'mailer:wrong\n' >cred
msg new 1788422080.e2.eml "<e2@mail.oakfield.example>" 1788422080.e2.eml
queue 1788422080.e2.eml "${U[10]}" e2@mail.oakfield.example
check_exit "a wrong login: exit 77" 77 tp send
check_grep "says so" "smtp://127.0.0.1:$PORT refused the login in '$T/cred': 535" "$T/.err"
check_eq "the message stays queued, not refused" "$(dstate 1788422080.e2.eml)" "queued|0"
printf 'no colon\n' >cred
check_exit "a login file without user:password: exit 78" 78 tp send
check_nogrep "the password is never printed" "s3cret" "$T/.err"
stop_smtp

# ---- libcurl is loaded by send alone, and only when it sends
# A libcurl.so.4 that is not a library, found first: the dynamic loader
# fails on it wherever libcurl is loaded.
mkdir -p nocurl
printf 'not a library\n' >nocurl/libcurl.so.4
nocurl() { LD_LIBRARY_PATH=$T/nocurl "$@"; }
check_exit "tempass starts where libcurl cannot be loaded" 0 nocurl tp --version
check_exit "and stages that send no mail run" 0 nocurl tp users --format tsv
check_nogrep "without a word of libcurl" "curl" "$T/.err"
check_exit "so does send --dry-run" 0 nocurl tp send --dry-run --format tsv
check_grep "listing the waiting message" "1788422080.e2.eml" "$T/.out"
start_smtp "$T" 1800
email_conf
check_exit "send without libcurl: exit 69" 69 nocurl tp send
check_grep "names the library and its Debian package" \
  "^tempass: send: cannot load libcurl.so.4 (Debian package libcurl4): " "$T/.err"
check_eq "nothing is sent or recorded" "$(dstate 1788422080.e2.eml) $(got)" "queued|0 8"
check "the message stays in new/" test -f queue/new/1788422080.e2.eml
check_exit "with libcurl, it is sent" 0 tp send
check_eq "once" "$(dstate 1788422080.e2.eml) $(got_id 1788422080.e2.eml)" "sent|1 1"
check_exit "the audit chain holds" 0 tp audit verify
stop_smtp
