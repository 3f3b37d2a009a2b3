# words: the words tempass prints on paper come from the message file of
# the site's language ([site] language, templates/messages/LANG.txt):
# strips, footers and class lists of a Welsh site are in Welsh, dates and
# ordinals too. A language without a file, a file short of a word or with
# a word it does not know is a configuration error (exit 78) named before
# any work.
. "$(dirname "$0")/../lib.sh"
write_conf
cp pipeline.conf base.conf
# with LINE...: base.conf with each LINE after the [site] name line.
with() {
	local add
	add=$(printf '%s\\n' "$@")
	sed "s#^name = Oakfield Academy\$#&\\n${add%\\n}#" base.conf >pipeline.conf
}

# ---- English, as before
sample_batch b1.tsv
check_exit "emit pdf in English" 0 tp emit pdf --input b1.tsv -o en.pdf
pdftotext -layout en.pdf en.txt 2>/dev/null
check_grep "English: the password label" "^ *password " en.txt
check_grep "English: the expiry date" "expires [0-9]* [A-Z][a-z]* 2026" en.txt
check_grep "English: page X of Y" "page 1 of [0-9]" en.txt

# ---- Welsh
with 'language = cy'
check_exit "emit pdf for a Welsh site" 0 tp emit pdf --input b1.tsv -o cy.pdf
pdftotext -layout cy.pdf cy.txt 2>/dev/null
check_grep "Welsh: the password label" "^ *cyfrinair " cy.txt
check_grep "Welsh: the username label" "^ *enw defnyddiwr " cy.txt
# 3 September + 28 days: 1 October, Hydref.
check_grep "Welsh: the expiry date, its month in Welsh" "yn dod i ben 1 Hydref 2026" cy.txt
check_grep "Welsh: the footer" "tudalen 1 o [0-9]" cy.txt
check_grep "Welsh: the batch line" "swp f1, crëwyd 3 Medi 2026" cy.txt
check_nogrep "Welsh: no English word left" "password\|expires\|page 1\|born on\|October" cy.txt
# An ordinal the Welsh way: every born_day of the batch, as Welsh writes it.
day=$(col b1.tsv born_day | grep -x '[0-9]*' | head -1)
case $((10#$day)) in
1) ord=1af ;; 2) ord=2il ;; 3|4) ord=$((10#$day))ydd ;; 5|6) ord=$((10#$day))ed ;;
11|13|14|16|17|19) ord=$((10#$day))eg ;; 7|8|9|10|12|15|18|20) ord=$((10#$day))fed ;;
*) ord=$((10#$day))ain ;;
esac
check_grep "Welsh: born on the ${ord}" "ganwyd ar y $ord\b" cy.txt
check_exit "class list for a Welsh site" 0 tp emit pdf --layout classlist --input b1.tsv -o cycl.pdf
pdftotext -layout cycl.pdf cycl.txt 2>/dev/null
check_grep "Welsh class list: its column heads" "Enw cyntaf *Cyfenw *Enw defnyddiwr *Cyfrinair" cycl.txt
check_grep "Welsh class list: its expiry line" "cyfrineiriau'n dod i ben 1 Hydref 2026" cycl.txt

# ---- refused: exit 78, before any work
before=$(sql .dump | md5sum)
nb=$(sql "SELECT count(*) FROM batch")
with 'language = xx'
check_exit "a language with no message file: exit 78" 78 tp regenerate --password-file "$T/pw" --yes --input "$T/sel.tsv"
check_grep "names the language and the file it looked for" "language 'xx' has no message file '.*/xx.txt'" "$T/.err"
with 'language = ../en'
check_exit "a language that is no code: exit 78" 78 tp unclaimed
check_grep "says so, with its line" ":[0-9]*: language: '../en' is not a language code" "$T/.err"

mkdir msgs
grep -v '^month\.10 ' "$ROOT/templates/messages/cy.txt" >msgs/cy.txt
cp "$ROOT/templates/messages/en.txt" msgs/en.txt
with 'language = cy'
sed -i "s#^messages = .*#messages = $T/msgs#" pipeline.conf
check_exit "a message file short of a word: exit 78" 78 tp regenerate --password-file "$T/pw" --yes --input "$T/sel.tsv"
check_grep "names the file and the word" "msgs/cy.txt': no 'month.10' (English: 'October')" "$T/.err"
{ cat "$ROOT/templates/messages/cy.txt"; echo 'label.usrname = enw'; } >msgs/cy.txt
check_exit "a word it does not know: exit 78" 78 tp emit pdf --input b1.tsv -o x.pdf
check_grep "names the file, line and key" "msgs/cy.txt':[0-9]*: unknown key 'label.usrname'" "$T/.err"
sed 's/^page = .*/page = tudalen {{tudalen}}/' "$ROOT/templates/messages/cy.txt" >msgs/cy.txt
check_exit "a slot its word does not take: exit 78" 78 tp emit pdf --input b1.tsv -o x.pdf
check_grep "names the slot" "unknown placeholder '{{tudalen}}'" "$T/.err"
check "no file written" test ! -e x.pdf
# A site of the trust in Welsh, the default site English: the Welsh file
# is checked whatever the site a command runs for.
cp base.conf pipeline.conf
printf '\n[site northgate]\nname = Northgate\nlanguage = cy\n' >>pipeline.conf
sed -i "s#^messages = .*#messages = $T/msgs#" pipeline.conf
check_exit "another site's broken message file: exit 78" 78 tp unclaimed
check_eq "no batch was made" "$(sql "SELECT count(*) FROM batch")" "$nb"
check_eq "the store is as it was" "$(sql .dump | md5sum)" "$before"
cp base.conf pipeline.conf
check_exit "the audit chain verifies" 0 tp audit verify
