# grid: strips in a grid of COLUMNSxROWS ([output] strips, emit pdf
# --strips), on A4 and Letter: N strips of a class take ceil(N / (C x R))
# pages, each class its own; a grid that would print the longest password
# below 11 pt is refused (exit 78 in pipeline.conf, 64 on the command
# line) naming the densest grid that fits. What a strip says is
# templates/strip.txt, a school's own lines printed on every strip; a
# template that names an unknown field, or prints the username or
# password twice or not at all, is a configuration error (exit 78) with
# its file and line, before any batch is made.
. "$(dirname "$0")/../lib.sh"
write_conf
sed -i '/^groups = Year, Reg$/a class = Reg' pipeline.conf
# The default grid, not the fixture's one column.
sed -i '/^strips = /d' pipeline.conf
cp pipeline.conf base.conf
# with_template FILE: base.conf with strip_template = FILE.
with_template() {
	sed "s#^strip_template = .*#strip_template = $1#" base.conf >pipeline.conf
}
# ptext PDF: its text, laid out.
ptext() { pdftotext -layout -enc UTF-8 "$1" - 2>/dev/null; }
# batches: how many batches the store holds.
batches() { sql "SELECT count(*) FROM batch"; }

sample_batch b1.tsv

# pages PDF: its page count.
pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ { print $2 }'; }
# want_pages TSV C R: the pages of TSV's strips at C x R, each class apart.
want_pages() {
	col "$1" class | sort | uniq -c |
	  awk -v per=$(($2 * $3)) '{ p += int(($1 + per - 1) / per) } END { print p }'
}

# ==== Page counts follow the grid, per class, on A4 and Letter
tp select --group 'Year 7' >y7.tsv 2>/dev/null
tp regenerate --password-file "$T/pw" --yes --input y7.tsv >y7b.tsv 2>/dev/null
ny7=$(($(wc -l <y7b.tsv) - 1))
check "Year 7 is more than one class" test "$(col y7b.tsv class | sort -u | wc -l)" -gt 1
for paper in a4 letter; do
	sed "s/^\[output\]\$/&\npaper = $paper/" base.conf >pipeline.conf
	for g in 2x8 3x10 default; do
		if [ $g = default ]; then
			check_exit "$paper, the default grid: emit" 0 tp emit pdf --input y7b.tsv -o "$paper-$g.pdf"
			c=3 r=8
		else
			check_exit "$paper, $g: emit" 0 tp emit pdf --strips $g --input y7b.tsv -o "$paper-$g.pdf"
			c=${g%x*} r=${g#*x}
		fi
		check_eq "$paper, $g: pages = ceil(strips of each class / $((c * r)))" \
		  "$(pages "$paper-$g.pdf")" "$(want_pages y7b.tsv $c $r)"
		check_eq "$paper, $g: every password extracted exactly once" \
		  "$(ptext "$paper-$g.pdf" | tr -s ' \n' '\n' | grep -cxFf <(col y7b.tsv password))" "$ny7"
		check_eq "$paper, $g: every username extracted exactly once" \
		  "$(ptext "$paper-$g.pdf" | tr -s ' \n' '\n' | grep -cxFf <(col y7b.tsv username))" "$ny7"
	done
	pw=$(pdfinfo "$paper-default.pdf" | awk '/^Page size:/ { print $3 }')
	check_eq "$paper: the page is $paper" "$pw" "$([ $paper = a4 ] && echo 595.276 || echo 612)"
done
cp base.conf pipeline.conf
# Each class starts a page, which names it in the footer.
for c in $(col y7b.tsv class | sort -u); do
	check "the default grid: $c starts a page of its own" \
	  grep -q "^ *class $c \|$c · page 1 of" <(for p in $(seq "$(pages a4-default.pdf)"); do
		pdftotext -layout -f "$p" -l "$p" a4-default.pdf - 2>/dev/null | grep -m1 -o "$c · page 1 of"; done)
done
# 100 strips of one class: 100 / 30 -> 4 pages at 3x10, 100 / 24 -> 5 at the default.
head -1 y7b.tsv >one.tsv
for i in $(seq 100); do sed -n "$((i % ny7 + 2))p" y7b.tsv; done >>one.tsv
"$PYTHON" - one.tsv <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
head = rows[0]
c = head.index('class'); u = head.index('username')
for i, r in enumerate(rows[1:]):
    r[c] = '7Z'; r[u] = 'u%03d' % i
open(sys.argv[1], 'w').write(''.join('\t'.join(r) + '\n' for r in rows))
PY
check_exit "100 strips of one class at 3x10" 0 tp emit pdf --allow-void --strips 3x10 --input one.tsv -o one.pdf
check_eq "take 4 pages" "$(pages one.pdf)" 4
check_exit "at the default grid" 0 tp emit pdf --allow-void --input one.tsv -o one-d.pdf
check_eq "take 5 pages" "$(pages one-d.pdf)" 5
check_grep "the last says page 5 of 5" "7Z · page 5 of 5" <(ptext one-d.pdf)

# ==== A grid too dense for an 11 pt password: refused, the densest named
check_exit "--strips 3x13 on A4: exit 64" 64 tp emit pdf --strips 3x13 --input y7b.tsv -o dense.pdf
check_grep "names the densest that fits" "strips 3x13: the longest password the policies make (18 characters) would print at [0-9.]* pt, below the 11 pt that stays legible; the densest grid that fits on a4 paper is 3x12" "$T/.err"
check "and writes nothing" test ! -e dense.pdf
check_exit "--strips 3x12 fits" 0 tp emit pdf --strips 3x12 --input y7b.tsv -o d12.pdf
for bad in 3 x8 3x 0x8 3x0 3x8x2 axb; do
	check_exit "--strips $bad: exit 64" 64 tp emit pdf --strips $bad --input y7b.tsv -o x.pdf
done
check_exit "--strips with a class list: exit 64" 64 tp emit pdf --layout classlist --strips 3x8 --input y7b.tsv -o x.pdf
nb=$(batches)
sed 's/^\[output\]$/&\nstrips = 4x12/' base.conf >pipeline.conf
check_exit "strips = 4x12: regenerate refuses, exit 78" 78 tp regenerate --password-file "$T/pw" --yes --input y7.tsv
check_grep "with the densest that fits" "\[output\] strips 4x12: .* the densest grid that fits on a4 paper is 3x12" "$T/.err"
check_eq "before any batch" "$(batches)" "$nb"
sed 's/^\[output\]$/&\nstrips = 3x12\npaper = letter/' base.conf >pipeline.conf
check_exit "strips = 3x12 on letter: exit 78" 78 tp unclaimed
check_grep "the densest on letter" "the densest grid that fits on letter paper is 3x11" "$T/.err"
# Longer passwords make the densest grid sparser.
printf '[policy student]\nstyle = random\nlength = 30\n' >>pipeline.conf
sed -i 's/^strips = 3x12$/strips = 3x11/' pipeline.conf
check_exit "30-character passwords at 3x11: exit 78" 78 tp unclaimed
check_grep "names a sparser grid" "(30 characters) .* the densest grid that fits on letter paper is 2x11" "$T/.err"
# A template too tall for the grid: its lines shrink the password.
{ grep -v '^#' "$ROOT/templates/strip.txt"; for i in $(seq 8); do echo "line $i"; done; } >tall.txt
sed "s#^strip_template = .*#strip_template = $T/tall.txt#; s/^\[output\]\$/&\nstrips = 3x10/" base.conf >pipeline.conf
check_exit "a template of 14 lines at 3x10: exit 78" 78 tp unclaimed
check_grep "names a grid of fewer rows" "strips 3x10: .* the densest grid that fits on a4 paper is 3x[0-9]$" "$T/.err"
sed -i 's/^strips = 3x10$/strips_per_page = 5/' pipeline.conf
check_exit "strips_per_page = 5 is read as 1x5" 0 tp emit pdf --input y7b.tsv -o spp.pdf
check_grep "with a warning that it is deprecated" "strips_per_page is deprecated: read as strips = 1x5" "$T/.err"
check_eq "1x5: pages = ceil(strips of each class / 5)" "$(pages spp.pdf)" "$(want_pages y7b.tsv 1 5)"
cp base.conf pipeline.conf

# ==== A school's own template: its lines on every strip
{ grep -v '^#' "$ROOT/templates/strip.txt"
  echo 'Log in at https://login.example.sch.uk'
  echo '{{forename}}, forgot your {{word:label.password}}? ask in room 12'
} >own.txt
with_template "$T/own.txt"
check_exit "emit pdf with a template of the school's" 0 tp emit pdf --input y7b.tsv -o own.pdf
ptext own.pdf >own.pdf.txt
check_eq "its fixed line on every strip" "$(grep -o 'Log in at https://login.example.sch.uk' own.pdf.txt | wc -l)" "$ny7"
check_eq "its words and fields filled on every strip" \
  "$(grep -o ', forgot your password? ask in room 12' own.pdf.txt | wc -l)" "$ny7"
check_eq "every password extracted exactly once" \
  "$(ptext own.pdf | tr -s ' \n' '\n' | grep -cxFf <(col y7b.tsv password))" "$ny7"

# A template of its own wording, every field in it.
cat >fields.txt <<'T'
{{forename}} / {{surname}} / {{site}}
{{name}}
{{username}}
{{password}}
{{group}} · {{class}} · {{born}} · {{expires}} · {{batch}} · {{made}}
T
with_template "$T/fields.txt"
check_exit "every field a template can name" 0 tp emit pdf --input y7b.tsv -o fields.pdf
ptext fields.pdf >fields.pdf.txt
first=$(col y7b.tsv username | head -1)
cl=$(col y7b.tsv class | head -1)
fn=$(sql "SELECT forename FROM user WHERE username = '$first'")
check_grep "forename, surname and site" "$fn / .* / Oakfield Academy" fields.pdf.txt
check_grep "group, class, born, expires, batch and made" \
  "Year 7 · $cl · born on the [0-9]*[a-z][a-z] · 1 October 2026 · batch v2 · generated 2026-09-03 08:14" fields.pdf.txt

# ==== Refused at start-up, with file and line, before any batch
nb=$(batches)
before=$(sql .dump | md5sum)
# bad NAME LINE... WANT: a template of the LINEs is exit 78 saying WANT.
bad() {
	local name=$1 want=${!#}
	printf '%s\n' "${@:2:$#-2}" >"bad-$name.txt"
	with_template "$T/bad-$name.txt"
	check_exit "$name: regenerate refuses, exit 78" 78 tp regenerate --password-file "$T/pw" --yes --input "$T/sel.tsv"
	check_grep "$name: says where and why" "$want" "$T/.err"
	check_exit "$name: run refuses too, exit 78" 78 tp run
}
bad unknown '{{name}}' '{{username}}' '{{password}}' 'Form {{form}}' \
  "bad-unknown.txt':4: unknown placeholder '{{form}}'"
bad word '{{username}}' '{{password}}' '{{word:label.pasword}}' \
  "bad-word.txt':3: '{{word:label.pasword}}' is not a word of the message files"
bad twice '{{username}}' '{{password}}' 'again {{password}}' \
  "bad-twice.txt':3: '{{password}}' again: a template prints it once"
bad same-line '{{username}}' '{{password}} {{password}}' \
  "bad-same-line.txt':2: '{{password}}' again"
bad no-password '{{name}}' '{{username}}' \
  "bad-no-password.txt': no '{{password}}': a template must print it"
bad no-username '# {{username}} in a comment is none' '{{password}}' \
  "bad-no-username.txt': no '{{username}}'"
bad unclosed '{{username}}' '{{password}}' 'Log in at {{site' \
  "bad-unclosed.txt':3: '{{' without a closing '}}'"
with_template "$T/none.txt"
check_exit "a template that does not exist: exit 78" 78 tp unclaimed
check_grep "names it" "none.txt': cannot open" "$T/.err"
check_eq "no batch was made" "$(batches)" "$nb"
check_eq "the store is as it was" "$(sql .dump | md5sum)" "$before"
cp base.conf pipeline.conf
check_exit "the audit chain verifies" 0 tp audit verify
check_eq "one current credential per user" \
  "$(sql "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1)")" 0
