# letters: `emit pdf --layout letter` (and run's pdf-letters) prints one
# pupil a page: the site and logo, the name, the username and, largest,
# the password, the QR code when configured, then the school's words from
# [output] letter_template (templates/letter.txt) with the pupil's fields
# filled in. Read back with pdftotext, pdfimages and zbarimg. The template
# is checked when the configuration is read: an unknown placeholder, or
# the password, is refused (exit 78) before anything is made.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
sed -i '/^groups = Year, Reg$/a class = Reg' pipeline.conf
sed -i "s#^\[output\]\$#&\nletter_template = $ROOT/templates/letter.txt#" pipeline.conf
sample_batch b.tsv 'Year 7'
n=$(col b.tsv password | wc -l)

check_exit "emit letters" 0 tp emit pdf --layout letter -o l.pdf --input b.tsv
check_eq "a page a pupil" "$(pdfinfo l.pdf | awk '/^Pages:/ { print $2 }')" "$n"
check_eq "the file is 0600" "$(stat -c %a l.pdf)" 600
pdftotext -layout l.pdf l.txt
check_eq "every password is printed exactly once" \
  "$(col b.tsv password | while read -r p; do grep -ow -- "$p" l.txt | wc -l; done | sort | uniq -c | awk '{ print $1 ":" $2 }')" "$n:1"

# Page by page: the pupil's own name, username, password, words and class
# footer, and nobody else's password.
for p in $(seq "$n"); do pdftotext -layout -f "$p" -l "$p" l.pdf "p$p.txt"; done
"$PY" - b.tsv "$n" <<'PYEOF' >py.out
import sys, collections
head, *rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1], encoding='utf-8')]
rows = [dict(zip(head, r)) for r in rows]
pw = {r['password']: r for r in rows}
n = int(sys.argv[2])
per_class = collections.Counter(r['class'] or r['group'] for r in rows)
seen, bad, at = set(), [], collections.Counter()
for p in range(1, n + 1):
    t = open('p%d.txt' % p, encoding='utf-8').read()
    words = t.split()
    mine = [w for w in words if w in pw]
    if len(mine) != 1:
        bad.append('page %d: passwords %s' % (p, mine)); continue
    r = pw[mine[0]]
    seen.add(r['username'])
    c = r['class'] or r['group']
    at[c] += 1
    want = ['%s %s' % (r['forename'], r['surname']), r['username'],
            'Dear %s,' % r['forename'], 'works until 1 October 2026',
            'Oakfield Academy', '%s · page %d of %d' % (c, at[c], per_class[c]),
            'class %s' % c, 'expires 1 October 2026 · batch v1']
    for s in want:
        if s not in ' '.join(words):
            bad.append('page %d (%s): no %r' % (p, r['username'], s))
print('ok' if not bad and len(seen) == n else bad[:5])
PYEOF
check_eq "each page: its pupil's name, username, password, words and class page count" "$(cat py.out)" ok

# ==== The QR code and the logo on letters
"$PY" - <<'PYEOF'
import struct, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 300, 100
raw = b''.join(b'\0' + bytes((30, 60, 150)) * w for y in range(h))
open('logo.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PYEOF
sed -i "s#^\[output\]\$#&\nlogo = logo.png\nqr = url\nlogin_url = https://login.example.sch.uk/?user={{username}}#" pipeline.conf
check_exit "letters with a logo and qr = url" 0 tp emit pdf --layout letter -o q.pdf --input b.tsv
check_eq "the logo on every letter, at its size" \
  "$(pdfimages -list q.pdf | awk 'NR > 2 { print $3, $4, $5 }' | sort | uniq -c | awk '{ print $1, $2, $3, $4 }')" \
  "$n image 300 100"
rm -f pg-*.png
pdftoppm -r 100 -png q.pdf pg
check_eq "each letter's QR code is its pupil's login address" \
  "$(zbarimg -q --raw -Sdisable -Sqrcode.enable pg-*.png 2>/dev/null | sed '/^$/d' | sort)" \
  "$(col b.tsv username | sed 's#^#https://login.example.sch.uk/?user=#' | sort)"
pdftotext -layout q.pdf q.txt
check_eq "still every password once" \
  "$(col b.tsv password | while read -r p; do grep -ow -- "$p" q.txt | wc -l; done | sort -u)" 1

# Words that run off the page are left out, with a warning naming the
# pupil; the letter keeps its one page. A long word is shrunk to the width.
long=Averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword
{ echo "Dear {{forename}}, $long"; for i in $(seq 80); do echo "Line $i of a letter far too long for one page."; done; } >long.txt
cp pipeline.conf keep.conf
sed -i "s#^letter_template = .*#letter_template = long.txt#" pipeline.conf
check_exit "a template too long for a page" 0 tp emit pdf --layout letter -o long.pdf --input b.tsv
check_eq "a warning for each pupil, naming them" \
  "$(grep -c "the letter's text runs off the page" .err)" "$n"
check_grep "the warning names the pupil" "$(col b.tsv username | head -1)).*runs off the page" .err
check_eq "still a page a pupil" "$(pdfinfo long.pdf | awk '/^Pages:/ { print $2 }')" "$n"
pdftotext -layout long.pdf long.txt
check_nogrep "the text stops above the footer" "Line 80 of" long.txt
check_eq "a word wider than the page is shrunk to fit, whole" "$(grep -c "^ *$long *$" long.txt)" "$n"
cp keep.conf pipeline.conf

# ==== A Welsh site: tempass's own words in Welsh, the school's as written
cp pipeline.conf en.conf
sed -i 's#^name = Oakfield Academy$#&\nlanguage = cy#' pipeline.conf
check_exit "letters for a Welsh site" 0 tp emit pdf --layout letter -o cy.pdf --input b.tsv
pdftotext -layout -f 1 -l 1 cy.pdf cy.txt
check_grep "Welsh: the username label" "^ *enw defnyddiwr *$" cy.txt
check_grep "Welsh: the password label" "^ *cyfrinair *$" cy.txt
check_grep "Welsh: the class and day of birth" "dosbarth 7A · ganwyd ar y " cy.txt
check_grep "Welsh: the expiry and batch" "yn dod i ben 1 Hydref 2026 · swp f1" cy.txt
check_grep "Welsh: the class's page count" "7A · tudalen 1 o " cy.txt
check_grep "Welsh: the template's words fill in the Welsh date" "until 1 Hydref 2026" cy.txt
check_grep "Welsh: {{word:KEY}} in the template, in Welsh" "with the enw defnyddiwr and cyfrinair above" cy.txt
check_nogrep "Welsh: no English word of tempass's own" "page 1 of\|^ *username *$\|born on\|October" cy.txt
cp en.conf pipeline.conf

# ==== run's pdf-letters
sed -i -e 's/^outputs = .*/outputs = pdf-letters, audit/' \
    -e "s#^password_file = .*#password_file = $T/pw#" pipeline.conf
check_exit "run with pdf-letters" 0 tp run
f=$(ls out/*-letters.pdf 2>/dev/null | head -1)
check "run wrote the letters" test -n "$f"
check_eq "run's letters: a page a pupil of its batch" \
  "$(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ { print $2 }')" \
  "$(sql "SELECT count(*) FROM credential c JOIN batch b ON b.id = c.batch_id WHERE b.version = (SELECT max(version) FROM batch)")"

# The first batch's letters, voided by run's: refused, or marked VOID.
check_exit "void letters are refused" 65 tp emit pdf --layout letter -o v.pdf --input b.tsv
check_exit "void letters with --allow-void" 0 tp emit pdf --layout letter --allow-void -o v.pdf --input b.tsv
check_eq "each void letter says why" \
  "$(pdftotext -layout v.pdf - | grep -c 'VOID: voided by batch v2')" "$n"

# ==== The template is checked when the configuration is read
bad_letter() {
	printf '%s\n' "$1" >bad.txt
	sed -i '/^letter_template = /d' pipeline.conf
	sed -i "s#^\[output\]\$#&\nletter_template = bad.txt#" pipeline.conf
	check_exit "$2: emit letters exit 78" 78 tp emit pdf --layout letter -o bad.pdf --input b.tsv
	check_grep "$2: the message names file, line and placeholder" "$3" .err
	check "$2: nothing written" test ! -e bad.pdf
	check_exit "$2: strips are refused too, before anything" 78 tp emit pdf -o bad.pdf --input b.tsv
}
bad_letter "$(printf 'Dear {{forename}},\n\nYour password is {{password}}')" "the password" \
  "'$T/bad.txt':3: unknown placeholder '{{password}}' (known: .*; the password is printed in its own box)"
bad_letter "Log in by {{expiry}}" "a misspelt placeholder" "'$T/bad.txt':1: unknown placeholder '{{expiry}}'"
bad_letter "$(printf 'a\nb\n{{word:label.nothing}}')" "a word the message files lack" "'$T/bad.txt':3: unknown placeholder '{{word:label.nothing}}'"
bad_letter "Hello {{forename" "an unclosed placeholder" "'$T/bad.txt':1: '{{' without a closing"
rm -f bad.txt
check_exit "a letter_template that is missing: exit 78" 78 tp emit pdf --layout letter -o bad.pdf --input b.tsv
check_grep "it is named" "'$T/bad.txt': cannot open" .err

# Without letter_template and no templates/letter.txt: letters are refused,
# run's pdf-letters at start-up, the other lists unaffected.
sed -i '/^letter_template = /d' pipeline.conf
check_exit "no template: run with pdf-letters exit 78" 78 tp run
check_grep "no template: run says why" "pdf-letters needs \[output\] letter_template" .err
sed -i 's/^outputs = .*/outputs = pdf-strips, audit/' pipeline.conf
check_exit "no template: emit letters exit 78" 78 tp emit pdf --layout letter -o bad.pdf --input b.tsv
check_grep "no template: says what to set" "set \[output\] letter_template" .err
check_exit "no template: a class list is still made" 0 tp emit pdf --layout classlist --allow-void -o c.pdf --input b.tsv
sed -i 's/^outputs = .*/outputs = pdf-strips, audit/' pipeline.conf
check_exit "the audit log verifies" 0 tp audit verify
