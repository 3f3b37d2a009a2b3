# classlist: the teacher's list of a class. Each row has a box to tick or
# sign when the slip is handed out; the table spans the page between its
# margins on A4 and Letter; a class that runs over a page repeats its title
# and header row on each page and counts its own pages ("page X of Y").
# Read back with pdftotext (-layout for lines, -bbox for where words lie).
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
# The 62 pupils of Year 7, their list's group: more than a page holds.
sample_batch y7.tsv 'Year 7'
n=$(col y7.tsv password | wc -l)
check "the batch holds Year 7" test "$n" -gt 50
check_exit "emit classlist" 0 tp emit pdf --layout classlist -o c.pdf --input y7.tsv
np=$(pdfinfo c.pdf | awk '/^Pages:/ { print $2 }')
check "the class runs over two pages" test "$np" -eq 2
for p in $(seq "$np"); do
	pdftotext -layout -f "$p" -l "$p" c.pdf p$p.txt
	check_grep "page $p: the class's title" '^ *Year 7\( (continued)\)\? *$' p$p.txt
	check_grep "page $p: the header row, tick column last" \
	  'Forename  *Surname  *Username  *Password  *Class  *Day of birth  *Handed out' p$p.txt
	check_grep "page $p: page $p of $np of the class" "page $p of $np" p$p.txt
done
pdftotext -layout c.pdf c.txt
check_eq "every password is listed once" \
  "$(col y7.tsv password | while read -r pw; do grep -cF -- " $pw " c.txt; done | sort | uniq -c | awk '{ print $1 ":" $2 }')" "$n:1"

# Where the table lies: its first heading at the left margin, its last
# ending near the right one, on both papers.
span() {
	pdftotext -bbox -f 1 -l 1 "$1" - | "$PY" -c '
import sys, re
t = sys.stdin.read()
w = float(re.search(r"<page width=\"([0-9.]+)\"", t).group(1))
words = re.findall(r"xMin=\"([0-9.]+)\" yMin=\"[0-9.]+\" xMax=\"([0-9.]+)\" yMax=\"[0-9.]+\">([^<]*)<", t)
left = min(float(a) for a, b, s in words if s == "Forename")
right = max(float(b) for a, b, s in words if s == "out")
print("ok" if left < 0.08 * w and right > 0.85 * w else "left %.0f right %.0f of %.0f" % (left, right, w))'
}
check_eq "A4: the table spans the page's width" "$(span c.pdf)" ok
sed -i 's/^\[output\]$/&\npaper = letter/' pipeline.conf
check_exit "emit classlist on Letter" 0 tp emit pdf --layout classlist -o l.pdf --input y7.tsv
check_eq "Letter: the table spans the page's width" "$(span l.pdf)" ok
check_eq "Letter: the width is Letter's" "$(pdfinfo l.pdf | awk '/^Page size:/ { print $3 "x" $5 }')" 612x792

# A Welsh site's heads, the tick column's too.
sed -i 's#^name = Oakfield Academy$#&\nlanguage = cy#' pipeline.conf
check_exit "a class list for a Welsh site" 0 tp emit pdf --layout classlist -o cy.pdf --input y7.tsv
check_grep "Welsh: the tick column's head" "Diwrnod geni *Wedi'i roi" <(pdftotext -layout -f 1 -l 1 cy.pdf -)
sed -i '/^language = cy$/d' pipeline.conf

# A void row is marked where it would be ticked, and struck through.
tp select --group 7A >sel.tsv 2>/dev/null
check_exit "a newer batch for 7A" 0 tp regenerate --password-file pw --yes --input sel.tsv
check_exit "the old list with --allow-void" 0 tp emit pdf --layout classlist --allow-void -o v.pdf --input y7.tsv
pdftotext -layout v.pdf v.txt
check_eq "each voided row says VOID in its tick box" "$(grep -c ' VOID *$' v.txt)" "$(col sel.tsv username | wc -l)"
check_exit "the audit log verifies" 0 tp audit verify
