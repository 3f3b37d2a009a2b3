# qr: what the QR code of each strip holds, for each [output] qr, read back
# by a real decoder (zbarimg) from pages rendered with pdftoppm: none; the
# username; the username, a tab and the password; the school's login_url
# with the username percent-encoded into it. login_url is checked when the
# configuration is read: its only placeholders are {{username}} and
# {{site}}, never the password.
. "$(dirname "$0")/../lib.sh"
write_conf
command -v zbarimg >/dev/null || { notok "zbarimg is missing (make deps: zbar-tools)"; exit 0; }

# A member of staff whose username needs encoding in an address.
sed 's/,alawson$/,a.lawson@oakfield/' "$ROOT/samples/staff.csv" >staff.csv
check_exit "import staff" 0 tp import --roster staff staff.csv
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group Leadership >sel.tsv 2>/dev/null
check_exit "a batch for Leadership" 0 tp regenerate --password-file pw --yes --input sel.tsv
cp .out b.tsv
check "the batch holds the username with '@'" grep -q 'a.lawson@oakfield' b.tsv

# codes PDF: every code decoded from the PDF's pages, one a line, sorted.
codes() {
	rm -f pg-*.png
	pdftoppm -r 150 -png "$1" pg
	zbarimg -q --raw -Sdisable -Sqrcode.enable pg-*.png 2>/dev/null | sed '/^$/d' | LC_ALL=C sort
}
# emit_qr MODE: the strips with qr = MODE, their codes in MODE.codes.
emit_qr() {
	sed -i '/^qr = /d; /^login_url = /d' pipeline.conf
	sed -i "s#^\[output\]\$#&\nqr = $1#" pipeline.conf
	[ -z "${2:-}" ] || sed -i "s#^\[output\]\$#&\nlogin_url = $2#" pipeline.conf
	check_exit "emit strips with qr = $1" 0 tp emit pdf --force -o "$1.pdf" --input b.tsv
	codes "$1.pdf" >"$1.codes"
}
n=$(col b.tsv username | wc -l)

emit_qr none
check_eq "qr = none: no code on the page" "$(wc -l <none.codes)" 0
emit_qr username
check_eq "qr = username: each strip's code is its username" \
  "$(cat username.codes)" "$(col b.tsv username | LC_ALL=C sort)"
emit_qr login
check_eq "qr = login: username, a tab, the password" \
  "$(cat login.codes)" "$(paste <(col b.tsv username) <(col b.tsv password) | LC_ALL=C sort)"
emit_qr url 'https://login.example.sch.uk/{{site}}/?user={{username}}'
check_eq "qr = url: the address with the username filled in" \
  "$(cat url.codes)" \
  "$(col b.tsv username | sed 's/@/%40/; s#^#https://login.example.sch.uk/oakfield/?user=#' | LC_ALL=C sort)"
check_grep "qr = url: '@' is percent-encoded" 'user=a.lawson%40oakfield$' url.codes
check_nogrep "qr = url: no password in any code" "$(col b.tsv password | head -1)" url.codes
check_eq "qr = url: a code a strip" "$(wc -l <url.codes)" "$n"

# ==== Checked at start-up: exit 78 naming the problem, nothing written
bad_conf() {
	sed -i '/^qr = /d; /^login_url = /d' pipeline.conf
	sed -i "s#^\[output\]\$#&\n$1#" pipeline.conf
	check_exit "$2: exit 78" 78 tp emit pdf --force -o bad.pdf --input b.tsv
	check_grep "$2: the message says why" "$3" .err
	check "$2: nothing written" test ! -e bad.pdf
}
bad_conf 'qr = url\nlogin_url = https://login.example.sch.uk/?u={{username}}\&p={{password}}' \
  "the password is no placeholder" "pipeline.conf':[0-9]*: unknown placeholder '{{password}}' (known: username, site)"
bad_conf 'qr = url\nlogin_url = https://login.example.sch.uk/?u={{usernme}}' \
  "a misspelt placeholder" "unknown placeholder '{{usernme}}'"
bad_conf 'qr = url\nlogin_url = https://login.example.sch.uk/?u={{username' \
  "an unclosed placeholder" "without a closing"
bad_conf 'qr = url\nlogin_url = javascript:alert({{username}})' \
  "an address that is not http(s)" "login_url: 'javascript:alert({{username}})' is not an http:// or https:// address"
bad_conf 'qr = url' "qr = url without login_url" "qr = url needs login_url"
bad_conf 'qr = address' "an unknown qr" "qr: 'address' is not none, username, login or url"
sed -i '/^qr = /d; /^login_url = /d' pipeline.conf
check_exit "the audit log verifies" 0 tp audit verify
