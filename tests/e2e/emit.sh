# emit: what people open and print, checked with other programs' readers
# (poppler, qpdf, pypdf, openpyxl), never by reading back with our own
# writer: PDF strips and class lists, XLSX, CSV neutralising, the files'
# modes and names, the terminal guard, an interrupted write and emit as one
# of several Unix tools in a pipeline.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}

# The readers, each check printed as ok / not ok. TSV values are decoded
# as formats/tsv.h says (\t \n \r \\).
cat >"$T/rd.py" <<'EOF'
import csv, re, subprocess, sys

def out(good, name, why=""):
    print(("ok - " if good else "not ok - ") + name +
          ("" if good or not why else " (" + why + ")"))

def unesc(v):
    return re.sub(r'\\(.)', lambda m: {'t': '\t', 'n': '\n', 'r': '\r',
                                       '\\': '\\'}[m.group(1)], v)

def tsv(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    head = lines[0].split('\t')
    rows = [dict(zip(head, map(unesc, l.split('\t')))) for l in lines[1:] if l]
    return head, rows

def tokens(text):
    return text.split()

def short(xs):
    xs = list(xs)
    return ', '.join(map(str, xs[:5])) + (' ...' if len(xs) > 5 else '')

# strips PDFTEXT PYPDFTEXT TSV OLDTSV: each name, username, password once.
def strips(text, pytext, stream, old):
    _, rows = tsv(stream)
    t = open(text, encoding='utf-8').read()
    pt = open(pytext, encoding='utf-8').read()
    lines = [l.strip() for l in t.split('\n')]
    toks, ptoks = tokens(t), tokens(pt)
    full = [r['forename'] + ' ' + r['surname'] for r in rows]
    bad = [n for n in full if lines.count(n) != full.count(n)]
    out(not bad and rows, 'strips: every name printed once', short(bad))
    bad = [r['username'] for r in rows if toks.count(r['username']) != 1]
    out(not bad, 'strips: every username printed once', short(bad))
    # Two users may have the same password by chance: each is printed
    # as often as the batch has it.
    pws = [r['password'] for r in rows]
    bad = [p for p in pws if toks.count(p) != pws.count(p)]
    out(not bad, 'strips: every password printed once', short(bad))
    shown = sorted(re.findall(r'(?m)^\s*password\s+(\S+)\s*$', t))
    out(shown == sorted(r['password'] for r in rows),
        'strips: no other password is printed',
        '%d password lines for %d rows' % (len(shown), len(rows)))
    _, orows = tsv(old)
    olds = set(r['password'] for r in orows) - set(pws)
    leak = [p for p in olds if p in toks or p in ptoks]
    out(olds and not leak, "strips: no password of the older batch",
        short(leak))
    bad = [p for p in pws if ptoks.count(p) != pws.count(p)]
    out(not bad, 'strips: pypdf extracts every password once', short(bad))
    bad = [r['username'] for r in rows if ptoks.count(r['username']) != 1]
    out(not bad, 'strips: pypdf extracts every username once', short(bad))

# classlist PREFIX NPAGES TSV: one group per page, rows under their group.
def classlist(prefix, npages, stream):
    _, rows = tsv(stream)
    npages = int(npages)
    pages = [open('%s-%d.txt' % (prefix, p), encoding='utf-8').read()
             for p in range(1, npages + 1)]
    groups = sorted(set(r['group'] for r in rows))
    head = []
    for p, text in enumerate(pages, 1):
        hs = [g for l in text.split('\n') for g in groups
              if l.strip() in (g, g + ' (continued)')]
        head.append(hs[0] if len(hs) == 1 else None)
        if len(hs) != 1:
            out(False, 'classlist: page %d holds one group header' % p,
                'headers: %s' % short(hs))
    out(all(head), 'classlist: every page holds exactly one group header')
    firsts = [g for g in groups if
              sum(1 for p in pages if re.search(r'(?m)^\s*' + re.escape(g)
                                                 + r'\s*$', p)) != 1]
    out(not firsts, 'classlist: each group starts one section', short(firsts))
    seq = [h for i, h in enumerate(head) if i == 0 or h != head[i - 1]]
    out(len(seq) == len(set(seq)) == len(groups),
        'classlist: one section per group, its pages together', short(seq))
    bad = []
    for r in rows:
        pat = re.compile(r'(?m)^\s*' + r'\s+'.join(re.escape(r[c]) for c in
                         ('forename', 'surname', 'username', 'password',
                          'group')) + r'(\s|$)')
        where = [i for i, p in enumerate(pages) if len(pat.findall(p)) == 1]
        if len(where) != 1 or head[where[0]] != r['group']:
            bad.append(r['username'])
    out(not bad, 'classlist: every row once, on a page of its group',
        short(bad))
    # Each group counts its own pages.
    count = {g: head.count(g) for g in set(head)}
    bad = [p for p in range(1, npages + 1) if not head[p - 1] or
           not re.search(r'(?m)^.*\bpage %d of %d\s*$' %
                         (head[:p].count(head[p - 1]), count[head[p - 1]]),
                         pages[p - 1])]
    out(not bad, 'classlist: "page X of Y" of its group on every page',
        short(bad))

# margin PGM MM: no dark pixel within MM millimetres of the page's edge.
def margin(pgm, mm, dpi):
    data = open(pgm, 'rb').read()
    magic, dims, mx, px = data.split(b'\n', 3)
    w, h = map(int, dims.split())
    band = int(float(mm) / 25.4 * int(dpi))
    dark = [(x, y) for y in range(h) for x in range(w)
            if (x < band or y < band or x >= w - band or y >= h - band)
            and px[y * w + x] < 192]
    out(magic == b'P5' and len(px) == w * h and band >= 3 and not dark,
        'page %s: nothing dark in the outer %s mm' % (pgm, mm),
        '%d dark pixels, first %s' % (len(dark), short(dark)))

# xlsx XLSX TSV [COLUMNS]: each sheet one group, its header COLUMNS (the
# stream's columns among those named, comma-separated; default: the
# teacher's columns; '*': every column), every row and value as streamed.
# A sheet is a class: the class column, else the group, as one key (case
# and separators ignored), and its class column holds that name.
TEACHER = 'forename,surname,username,password,class,born_day,expires'
def listkey(r):
    return re.sub(r'[^a-z0-9]', '', (r.get('class') or r['group']).lower())
def xlsx(path, stream, columns=TEACHER):
    import openpyxl
    head, rows = tsv(stream)
    if columns != '*':
        head = [c for c in columns.split(',') if c in head]
    wb = openpyxl.load_workbook(path)
    groups = set(map(listkey, rows))
    if 'class' in head:
        for r in rows:
            r['class'] = listkey(r)
    out(len(wb.worksheets) == len(groups) and groups,
        '%s: one sheet per group' % path,
        '%d sheets, %d groups' % (len(wb.worksheets), len(groups)))
    names = wb.sheetnames
    bad = [n for n in names if not n or len(n) > 31 or
           re.search(r'[\[\]:*?/\\]', n) or n[0] == "'" or n[-1] == "'"]
    out(not bad, '%s: sheet names valid' % path, short(bad))
    out(len(set(n.casefold() for n in names)) == len(names),
        '%s: sheet names unique ignoring case' % path, short(names))
    got, seen, typed, sheets_ok = [], set(), [], True
    for ws in wb.worksheets:
        vals = [[c.value for c in row] for row in ws.iter_rows()]
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == 'f' or (c.data_type == 'n' and
                                          c.value is not None):
                    typed.append('%s!%s=%r' % (ws.title, c.coordinate,
                                               c.value))
        if len(vals) < 2 or vals[1] != head:
            out(False, '%s: sheet %s has the stream header' % (path,
                ws.title), repr(vals[1] if len(vals) > 1 else None))
            sheets_ok = False
            continue
        body = [dict(zip(head, ['' if v is None else v for v in r]))
                for r in vals[2:]]
        for r in body:
            if 'class' in r:
                r['class'] = listkey(r)
        gs = set(r.get('class', r.get('group', ws.title)) for r in body)
        if len(gs) != 1 or gs & seen:
            sheets_ok = False
            out(False, '%s: sheet %s holds one group' % (path, ws.title),
                short(gs))
        seen |= gs
        got += body
    out(sheets_ok, '%s: every sheet: stream header, one group' % path)
    key = lambda r: tuple(r.get(c, '') for c in head)
    out(sorted(map(key, got)) == sorted(map(key, rows)) and rows,
        '%s: every row and value equal to the stream' % path,
        '%d rows read, %d streamed' % (len(got), len(rows)))
    out(not typed, '%s: no formula or number cell' % path, short(typed))

# has XLSX COLUMN VALUE...: each VALUE is a text cell of COLUMN.
# every XLSX COLUMN VALUE N: COLUMN holds VALUE, as text, in all N rows.
def cells(path, column):
    import openpyxl
    got = []
    for ws in openpyxl.load_workbook(path).worksheets:
        rows = list(ws.iter_rows())
        head = [c.value for c in rows[1]] if len(rows) > 1 else []
        if column not in head:
            return None
        k = head.index(column)
        got += [(r[k].value, r[k].data_type) for r in rows[2:]]
    return got

def has(path, column, *want):
    got = cells(path, column) or []
    for w in want:
        out((w, 's') in got, '%s: %s %s stays text' % (path, column, w),
            'got %s' % short(g for g in got if g[0] == w))

def every(path, column, value, n):
    got = cells(path, column)
    out(got is not None, '%s: has the column %s' % (path, column))
    out(got and got == [(value, 's')] * int(n),
        '%s: all %s rows hold %s in %s' % (path, n, value, column),
        'got %s' % short(set(got or [])))

# csvcol CSV COLUMN: the values of COLUMN, one a line (a real CSV parser).
def csvcol(path, column):
    with open(path, newline='', encoding='utf-8') as f:
        for r in csv.DictReader(f):
            print(r[column])

{'strips': strips, 'classlist': classlist, 'margin': margin, 'xlsx': xlsx,
 'has': has, 'every': every, 'csvcol': csvcol}[sys.argv[1]](*sys.argv[2:])
EOF
rd() { "$PY" "$T/rd.py" "$@"; }
rows() { echo $(($(wc -l <"$1") - 1)); }
pages() { pdfinfo "$1" 2>>"$T/poppler.err" | awk '/^Pages:/ { print $2 }'; }
# ptext PDF [ARGS]: pdftotext -layout to standard output, stderr kept.
ptext() { pdftotext -layout -enc UTF-8 "${@:2}" "$1" - 2>>"$T/poppler.err"; }
mode() { stat -c %a "$1"; }
regen() { tp regenerate --password-file "$T/pw" --yes "$@" 2>/dev/null; }
# conf_with NAME SETTING: a configuration with SETTING added to [output].
conf_with() { sed "/^\[output\]/a $2" "$T/pipeline.conf" >"$T/$1"; }
: >"$T/poppler.err"

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
# Staff whose names a spreadsheet would take for formulas.
cp "$ROOT/samples/staff.csv" staff.csv
cat >>staff.csv <<'EOF'
T901,Mr,=1+1,Formula,Teacher,Formulas,f1@oakfield.example,No,fone
T902,Ms,-2+3,Minus,Teacher,Formulas,f2@oakfield.example,No,ftwo
T903,Mr,+4+5,Plus,Teacher,Formulas,f3@oakfield.example,No,fthree
T904,Ms,@SUM(A1),At,Teacher,Formulas,f4@oakfield.example,No,ffour
T905,Mr,"=HYPERLINK(""http://x"",""y"")",Link,Teacher,Formulas,f5@oakfield.example,No,ffive
EOF
check_exit "import staff with formula-like names" 0 tp import --roster staff staff.csv

# ==== PDF strips
tp select --group 'Year 7' >y7sel.tsv 2>/dev/null
regen --input y7sel.tsv >old.tsv
regen --input y7sel.tsv >y7.tsv
n=$(rows y7.tsv)
check "Year 7 has more than one page of pupils" test "$n" -gt 8
check_eq "the batches' passwords differ" "$(same_passwords old.tsv y7.tsv)" 0
check_exit "emit pdf (strips)" 0 tp emit pdf --input y7.tsv -o y7.pdf
check_eq "emit prints the path it wrote" "$(cat "$T/.out")" y7.pdf
check_eq "strips: nothing on stderr" "$(cat "$T/.err")" ""
ptext y7.pdf >y7.txt
"$PY" -c 'import pypdf, sys
r = pypdf.PdfReader(sys.argv[1], strict=True)
print("\n".join(p.extract_text() for p in r.pages))' y7.pdf >y7.py.txt 2>py.err
check_eq "pypdf reads the strips without a warning" "$?:$(cat py.err)" "0:"
rd strips y7.txt y7.py.txt y7.tsv old.tsv
check_eq "strips: pages = ceil(n / 8)" "$(pages y7.pdf)" $(((n + 7) / 8))
check_grep "strips: A4 by default" "^Page size: *595.276 x 841.89 pts" <(pdfinfo y7.pdf 2>>poppler.err)
qpdf --check y7.pdf >qpdf.out 2>&1
check_eq "strips: qpdf --check passes" "$?" 0
check_grep "qpdf finds no error" "No syntax or stream encoding errors found" qpdf.out
pdffonts y7.pdf >fonts.out 2>>poppler.err
check "strips: fonts listed" test "$(tail -n +3 fonts.out | wc -l)" -ge 1
check_eq "strips: every font embedded" \
  "$(tail -n +3 fonts.out | awk '$(NF - 4) != "yes"' | wc -l)" 0
pdftoppm -r 40 -gray -f 1 -l 1 -singlefile y7.pdf y7p1 2>>poppler.err
rd margin y7p1.pgm 3 40
pdftoppm -r 40 -gray -f "$(pages y7.pdf)" -l "$(pages y7.pdf)" -singlefile y7.pdf y7pn 2>>poppler.err
rd margin y7pn.pgm 3 40

conf_with sp5.conf "strips_per_page = 5"
sed -i "/^strips = /d" sp5.conf
check_exit "emit pdf with strips_per_page = 5" 0 \
  "$TEMPASS_BIN" --config "$T/sp5.conf" emit pdf --input y7.tsv -o y7-5.pdf
check_eq "strips_per_page = 5: pages = ceil(n / 5)" "$(pages y7-5.pdf)" $(((n + 4) / 5))
check_eq "strips_per_page = 5: every password once" \
  "$(ptext y7-5.pdf | tr -s ' \n' '\n' | grep -cxFf <(col y7.tsv password))" "$n"

conf_with letter.conf "paper = letter"
check_exit "emit pdf on Letter" 0 \
  "$TEMPASS_BIN" --config "$T/letter.conf" emit pdf --input y7.tsv -o y7-letter.pdf
check_grep "letter: page size 612 x 792" "^Page size: *612 x 792 pts" <(pdfinfo y7-letter.pdf 2>>poppler.err)
check_eq "letter: pages = ceil(n / 8)" "$(pages y7-letter.pdf)" $(((n + 7) / 8))
pdftoppm -r 40 -gray -f 1 -l 1 -singlefile y7-letter.pdf y7l 2>>poppler.err
check_eq "letter: rendered page is 612 x 792 pt at 40 dpi" "$(sed -n 2p y7l.pgm)" "340 440"
rd margin y7l.pgm 3 40

# ==== PDF class list, and names outside ASCII
tp select --group 'Year 7' --group 'Year 8' --group 'Year 9' 2>/dev/null | regen >cl.tsv
check_exit "emit pdf --layout classlist" 0 tp emit pdf --layout classlist --input cl.tsv -o cl.pdf
check_eq "classlist: nothing on stderr" "$(cat "$T/.err")" ""
np=$(pages cl.pdf)
check "classlist: more pages than groups" test "${np:-0}" -gt 3
for p in $(seq "${np:-0}"); do ptext cl.pdf -f "$p" -l "$p" >"cl-$p.txt"; done
rd classlist cl "${np:-0}" cl.tsv
qpdf --check cl.pdf >/dev/null 2>&1
check_eq "classlist: qpdf --check passes" "$?" 0
pdftoppm -r 40 -gray -f 1 -l 1 -singlefile cl.pdf clp1 2>>poppler.err
rd margin clp1.pgm 3 40
check_eq "classlist: every font embedded" \
  "$(pdffonts cl.pdf 2>>poppler.err | tail -n +3 | awk '$(NF - 4) != "yes"' | wc -l)" 0
check_exit "emit pdf strips of the same records" 0 tp emit pdf --input cl.tsv -o cls.pdf
ptext cls.pdf | sed 's/^ *//; s/ *$//' >cls.txt
ptext cl.pdf >cl.txt
for name in 'Zoë Clarke' 'Łukasz Wójcik' 'Siobhán Ryan' 'Văn Thảo Nguyễn' 'Aoife Ó Súilleabháin'; do
	fn=${name% *} sn=${name##* }
	[ "$name" = 'Aoife Ó Súilleabháin' ] && fn=Aoife sn='Ó Súilleabháin'
	check_eq "'$name' is in the records" \
	  "$(awk -F'\t' -v f="$fn" -v s="$sn" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["forename"] == f && $c["surname"] == s' cl.tsv | wc -l)" 1
	check_eq "strips: '$name' exactly" "$(grep -cxF "$name" cls.txt)" 1
	check_eq "classlist: '$fn' '$sn' exactly" \
	  "$(grep -cE "(^| )$fn +$sn " cl.txt)" 1
done

# ==== XLSX
tp groups create '../../etc x' >/dev/null 2>&1
tp groups create '7/A' >/dev/null 2>&1
tp groups create 'a group name far longer than thirty-one characters' >/dev/null 2>&1
tp groups create 'A GROUP NAME FAR LONGER THAN THIRTY-ONE CHARACTERS, TOO' >/dev/null 2>&1
tp groups create '[Sheet]: *?' >/dev/null 2>&1
mapfile -t y10 < <(tp select --group 'Year 10' 2>/dev/null | col /dev/stdin username | head -8)
check_exit "custom groups filled" 0 tp groups add '../../etc x' "${y10[0]}" "${y10[1]}"
tp groups add '7/A' "${y10[2]}" "${y10[3]}" >/dev/null 2>&1
tp groups add 'a group name far longer than thirty-one characters' "${y10[4]}" >/dev/null 2>&1
tp groups add 'A GROUP NAME FAR LONGER THAN THIRTY-ONE CHARACTERS, TOO' "${y10[5]}" >/dev/null 2>&1
tp groups add '[Sheet]: *?' "${y10[6]}" >/dev/null 2>&1
check_eq "five custom groups" "$(tp groups --format tsv 2>/dev/null | awk -F'\t' '$2 == "custom"' | wc -l)" 5
tp select --group 7A --group 7B --group Formulas --group '../../etc x' --group '7/A' \
  --group 'a group name far longer than thirty-one characters' \
  --group 'A GROUP NAME FAR LONGER THAN THIRTY-ONE CHARACTERS, TOO' \
  --group '[Sheet]: *?' 2>/dev/null | regen >mg.tsv
check_eq "records of eight groups" "$(col mg.tsv group | sort -u | wc -l)" 8
check_exit "emit xlsx" 0 tp emit xlsx --input mg.tsv -o mg.xlsx
rd xlsx mg.xlsx mg.tsv
rd has mg.xlsx forename '=HYPERLINK("http://x","y")' '=1+1' '-2+3' '+4+5' '@SUM(A1)'
# The class list's batch and mg's voided Year 7's: a batch of Year 7 again.
regen --input y7sel.tsv >y7.tsv
check_exit "emit xlsx of the Year 7 batch" 0 tp emit xlsx --input y7.tsv -o y7.xlsx
rd xlsx y7.xlsx y7.tsv
# Dated by the batch, not the clock: the same batch, the same bytes.
sleep 1.1
check_exit "emit xlsx of the same batch again" 0 tp emit xlsx --input y7.tsv -o y7-again.xlsx
check "the same batch gives the same workbook" cmp -s y7.xlsx y7-again.xlsx
# A stream edited by hand: its names get import's rule, with a warning
# naming the line; a value that is not UTF-8 is refused by the reader
# (the workbook trusts its check) and nothing is written.
awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
  NR == 3 { $c["forename"] = "Ann\\tMarie"; $c["surname"] = "Lee\xe2\x80\xae" }
  NR <= 4' y7.tsv >hand.tsv
check_exit "emit xlsx of a stream with controls in its names" 0 \
  tp emit xlsx --input hand.tsv -o hand.xlsx
check_grep "the warning names the line and the column" \
  "hand.tsv:3: forename held 1 control character(s) (first U+0009); removed" "$T/.err"
check_grep "each name cleaned is named" \
  "hand.tsv:3: surname held 1 control character(s) (first U+202E); removed" "$T/.err"
check_eq "one warning a name cleaned" "$(grep -c 'control character' "$T/.err")" 2
check_eq "the workbook holds the cleaned names" "$("$PY" -c 'import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
print(sorted(r[:2] for r in ws.iter_rows(min_row=3, values_only=True)
             if r[1].startswith("Lee")))' hand.xlsx)" "[('Ann Marie', 'Lee')]"
awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
  NR == 4 { $c["username"] = "zo\xebx" } NR <= 5' y7.tsv >latin.tsv
check_exit "emit xlsx of a stream with a value not UTF-8: exit 65" 65 \
  tp emit xlsx --input latin.tsv -o latin.xlsx
check_grep "the reader names the line and the column" \
  "latin.tsv':4: column 'username': invalid UTF-8" "$T/.err"
check "no workbook written" test ! -e latin.xlsx
check_eq "nor its temporaries" "$(ls -A | grep -c '^\.latin')" 0
# The workbook's columns: the teacher's by default (checked above),
# [output] xlsx_columns names others, '*' every column of the stream; a
# name that is not a column of the records is refused at start-up.
conf_with() { sed "/^\[output\]/a xlsx_columns = $1" pipeline.conf >"$2"; }
conf_with 'username, password, group' few.conf
check_exit "emit xlsx, xlsx_columns = username, password, group" 0 \
  "$TEMPASS_BIN" --config "$T/few.conf" emit xlsx --input y7.tsv -o y7-few.xlsx
rd xlsx y7-few.xlsx y7.tsv username,password,group
conf_with '*' all.conf
check_exit "emit xlsx, xlsx_columns = *" 0 \
  "$TEMPASS_BIN" --config "$T/all.conf" emit xlsx --input y7.tsv -o y7-all.xlsx
rd xlsx y7-all.xlsx y7.tsv '*'
conf_with 'forename, klass, password' badcol.conf
check_exit "xlsx_columns naming 'klass', not a column of the records: exit 78" 78 \
  "$TEMPASS_BIN" --config "$T/badcol.conf" emit xlsx --input y7.tsv -o y7-bad.xlsx
check_grep "xlsx_columns: says which name is wrong" \
  "badcol.conf':[0-9]*: xlsx_columns: 'klass' is not a column of the records" "$T/.err"
check_eq "xlsx_columns refused: nothing written" "$(ls -A | grep -c '^y7-bad')" 0

# libxlsxwriter and libharu are loaded only to write a workbook or a PDF.
# A library that is not one, found first, fails wherever it is loaded.
mkdir -p noxlsx nohpdf
printf 'not a library\n' >noxlsx/libxlsxwriter.so.4
printf 'not a library\n' >nohpdf/libhpdf-2.3.0.so
noxlsx() { LD_LIBRARY_PATH=$T/noxlsx "$@"; }
nohpdf() { LD_LIBRARY_PATH=$T/nohpdf "$@"; }
check_exit "tempass starts where libxlsxwriter cannot be loaded" 0 noxlsx tp --version
check_exit "and writes a PDF there" 0 noxlsx tp emit pdf --input y7.tsv -o y7-noxl.pdf
check_nogrep "without a word of libxlsxwriter" "xlsxwriter" "$T/.err"
check_exit "emit xlsx without libxlsxwriter: exit 69" 69 \
  noxlsx tp emit xlsx --input y7.tsv -o y7-noxl.xlsx
check_grep "names the library and its Debian package" \
  "^tempass: emit: cannot load libxlsxwriter.so.4 (Debian package libxlsxwriter4): " "$T/.err"
check_eq "no workbook and no temporary file is left" "$(ls -A | grep -c 'noxl\.xlsx')" 0
check_exit "tempass starts where libharu cannot be loaded" 0 nohpdf tp --version
check_exit "and writes a workbook there" 0 nohpdf tp emit xlsx --input y7.tsv -o y7-nopdf.xlsx
check_nogrep "without a word of libharu" "hpdf" "$T/.err"
for kind in pdf 'pdf --layout classlist'; do
	check_exit "emit $kind without libharu: exit 69" 69 \
	  nohpdf tp emit $kind --input y7.tsv -o y7-nopdf.pdf
	check_grep "names libharu and its Debian package" \
	  "^tempass: emit: cannot load libhpdf-2.3.0.so (Debian package libhpdf-2.3.0): " "$T/.err"
done
check_eq "no PDF and no temporary file is left" "$(ls -A | grep -c 'nopdf\.pdf')" 0

# ==== CSV
tp select --group Formulas 2>/dev/null | regen >f.tsv
tp emit csv --input f.tsv >f.csv 2>"$T/.err"
check_eq "emit csv to a pipe" $? 0
fcol() { rd csvcol "$1" forename | sort | tr '\n' ' '; }
check_eq "csv: = + - @ neutralised with a leading quote" "$(fcol f.csv)" \
  "'+4+5 '-2+3 '=1+1 '=HYPERLINK(\"http://x\",\"y\") '@SUM(A1) "
tp emit csv --raw --input f.tsv >fraw.csv 2>/dev/null
check_eq "csv --raw leaves them" "$(fcol fraw.csv)" \
  "+4+5 -2+3 =1+1 =HYPERLINK(\"http://x\",\"y\") @SUM(A1) "
check_eq "csv: usernames untouched" "$(rd csvcol f.csv username | sort)" "$(col f.tsv username | sort)"

# Made-up records are of no batch: --allow-void prints them (marked VOID).
# A table large enough to be sorted on two cores (20,000 rows or more):
# the order is that of one sort by group, surname, forename, whatever the
# order of the input. Lower-case letters only, so byte order is the order.
"$PY" - f.tsv big.tsv <<'EOF'
import random, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
head = lines[0].split('\t')
tmpl = lines[1].split('\t')
rnd = random.Random(7)
word = lambda n: ''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(n))
seen, rows = set(), []
while len(rows) < 25000:
    fore = word(6)
    if fore in seen:
        continue
    seen.add(fore)
    r = list(tmpl)
    r[head.index('forename')] = fore
    r[head.index('surname')] = rnd.choice(['adams', 'brown', 'clark', 'davis'])
    r[head.index('group')] = rnd.choice(['ga', 'gb', 'gc'])
    r[head.index('username')] = 'u' + fore
    rows.append(r)
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    f.write('\t'.join(head) + '\n')
    for r in rows:
        f.write('\t'.join(r) + '\n')
EOF
{ head -1 big.tsv; tail -n +2 big.tsv | tac; } >bigrev.tsv
tp emit csv --raw --allow-void --input big.tsv >big.csv 2>/dev/null
tp emit csv --raw --allow-void --input bigrev.tsv >bigrev.csv 2>/dev/null
check_eq "a large table sorts the same from either end" "$(cmp big.csv bigrev.csv && echo same)" same
check_eq "by group, surname, forename" \
  "$("$PY" -c 'import csv, sys
r = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
k = [(x["group"], x["surname"], x["forename"]) for x in r]
print(len(r), k == sorted(k))' big.csv)" "25000 True"
# A table in order is left as it is; one row out of place anywhere is
# found, and the table sorted.
"$PY" - big.tsv <<'EOF'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().rstrip('\n').split('\n')
head, rows = lines[0], lines[1:]
h = head.split('\t')
key = lambda l: [l.split('\t')[h.index(c)] for c in ('group', 'surname', 'forename')]
rows.sort(key=key)
def put(name, rs):
    with open(name, 'w', encoding='utf-8') as f:
        f.write('\n'.join([head] + rs) + '\n')
put('bigin.tsv', rows)
put('biglast.tsv', rows[-1:] + rows[:-1])
put('bigmid.tsv', rows[:12000] + [rows[12001], rows[12000]] + rows[12002:])
EOF
for v in in last mid; do
  tp emit csv --raw --allow-void --input big$v.tsv >big$v.csv 2>/dev/null
done
order=$(col bigin.tsv username | md5sum)
check_eq "a large table in order comes out as it went in" \
  "$(rd csvcol bigin.csv username | md5sum)" "$order"
check_eq "its last row put first: sorted" \
  "$(rd csvcol biglast.csv username | md5sum)" "$order"
check_eq "two rows in its middle swapped: sorted" \
  "$(rd csvcol bigmid.csv username | md5sum)" "$order"
check_eq "the same file from all three" \
  "$(cmp bigin.csv biglast.csv && cmp bigin.csv bigmid.csv && echo same)" same
# Numbers in names and groups sort by value ("Year 7" before "Year 10",
# "007" as "7"), as a comparison of digit runs by length and digits gives,
# on one core and on two (2,000 rows and 24,000).
for n in 2000 24000; do
"$PY" - f.tsv nat.tsv "$n" <<'EOF'
import random, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
head = lines[0].split('\t')
tmpl = lines[1].split('\t')
rnd = random.Random(11)
nums = ['0', '00', '7', '07', '007', '9', '10', '099', '100',
        '1000000000000000000001', '']
word = lambda: ''.join(rnd.choice('ab') + rnd.choice(nums)
                       for _ in range(rnd.randint(1, 3)))
rows = []
while len(rows) < int(sys.argv[3]):
    r = list(tmpl)
    r[head.index('forename')] = word() + 'x' + str(len(rows))
    r[head.index('surname')] = word()
    r[head.index('group')] = 'year ' + rnd.choice(nums)
    r[head.index('username')] = 'u' + str(len(rows))
    rows.append(r)
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    f.write('\t'.join(head) + '\n')
    for r in rows:
        f.write('\t'.join(r) + '\n')
EOF
tp emit csv --raw --allow-void --input nat.tsv >nat.csv 2>/dev/null
check_eq "natural order of numbers ($n rows)" \
  "$("$PY" - nat.csv <<'EOF'
import csv, functools, re, sys
def nat(a, b):
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].isdigit() and b[j].isdigit():
            x = re.match(r'0*(\d*)', a[i:])
            y = re.match(r'0*(\d*)', b[j:])
            dx, dy = x.group(1), y.group(1)
            if len(dx) != len(dy):
                return -1 if len(dx) < len(dy) else 1
            if dx != dy:
                return -1 if dx < dy else 1
            i += x.end()
            j += y.end()
            continue
        if a[i] != b[j]:
            return -1 if a[i] < b[j] else 1
        i += 1
        j += 1
    return (i < len(a)) - (j < len(b))
r = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
k = ['\x01'.join((x['group'], x['surname'], x['forename'])) + '\x01'
     for x in r]
print(len(r), k == sorted(k, key=functools.cmp_to_key(nat)))
EOF
)" "$n True"
done
# Staff passwords may start with + - = @ too: they get the quote as well.
check_eq "csv: passwords neutralised by the same rule" "$(rd csvcol f.csv password | sort)" \
  "$(col f.tsv password | sed "s/^[-=+@]/'&/" | sort)"
check_eq "csv --raw: passwords as streamed" "$(rd csvcol fraw.csv password | sort)" "$(col f.tsv password | sort)"
check_eq "csv: one record per row" "$(rd csvcol f.csv username | wc -l)" "$(rows f.tsv)"

# ==== Files: modes, no replacing, --force
umask 022
check_exit "emit csv -o" 0 tp emit csv --input f.tsv -o f-o.csv
check_exit "emit tsv -o" 0 tp emit tsv --input f.tsv -o f-o.tsv
check_exit "emit ndjson -o" 0 tp emit ndjson --input f.tsv -o f-o.ndjson
# A stream read as TSV is pointed into, as NDJSON copied: the same
# records either way.
tp emit tsv --input f.tsv -o - >f-tsv.tsv 2>/dev/null
for k in ndjson tsv; do
	tp emit tsv --input f-o.$k -o - >f-$k.tsv 2>/dev/null
	check_eq "$k read back: the same records" "$(cmp f-tsv.tsv f-$k.tsv && echo same)" same
done
check_exit "emit pdf to the default path" 0 tp emit pdf --input y7.tsv
defpdf=$(cat "$T/.out")
check_eq "default path: out_dir/SITE-vN-strips.pdf" "$defpdf" "$T/out/oakfield-v$(col y7.tsv version | head -1)-strips.pdf"
check_exit "emit xlsx to the default path" 0 tp emit xlsx --input y7.tsv
defxlsx=$(cat "$T/.out")
for f in y7.pdf y7-5.pdf y7-letter.pdf cl.pdf cls.pdf mg.xlsx y7.xlsx f-o.csv f-o.tsv f-o.ndjson "$defpdf" "$defxlsx"; do
	check_eq "mode 0600: ${f##*/}" "$(mode "$f" 2>&1)" 600
done
check_eq "out_dir is 0700" "$(mode out)" 700
for f in y7.pdf y7.xlsx f-o.csv; do
	cp -p "$f" "$f.before"
	fmt=${f##*.}
	check_exit "an existing $fmt is not replaced (exit 73)" 73 tp emit "$fmt" --input y7.tsv -o "$f"
	check_grep "the refusal says to use --force" "file exists (use --force" "$T/.err"
	check "the old $fmt stays" cmp -s "$f" "$f.before"
done
check_eq "the refused runs left no other file" "$(ls | grep -c '\.tmp')" 0
check_exit "--force replaces the pdf" 0 tp emit pdf --force --allow-void --input old.tsv -o y7.pdf
check_eq "the replaced pdf holds the other batch" \
  "$(ptext y7.pdf | tr -s ' \n' '\n' | grep -cxFf <(col old.tsv password))" "$(rows old.tsv)"
check_eq "and marks each of its void strips VOID" "$(ptext y7.pdf | grep -c 'VOID: voided by batch')" "$(rows old.tsv)"
echo old >loose.csv
chmod 644 loose.csv
check_exit "--force replaces a 0644 csv" 0 tp emit csv --force --input f.tsv -o loose.csv
check_eq "the replacement is 0600" "$(mode loose.csv)" 600
check "and holds the records" cmp -s loose.csv f-o.csv
(umask 000; tp emit tsv --input f.tsv -o wide.tsv >/dev/null 2>&1)
check_eq "umask 000: still 0600" "$(mode wide.tsv)" 600

# ==== --per-group: one file per group, names that stay in out_dir
tp select --group '../../etc x' --group '7/A' --group '[Sheet]: *?' 2>/dev/null | regen >cg.tsv
v=$(col cg.tsv version | head -1)
touch marker
sleep 0.05
check_exit "emit pdf --per-group" 0 tp emit pdf --per-group --input cg.tsv
check_eq "one file per group, in out_dir, with safe names" \
  "$(sed "s#^$T/out/##" "$T/.out" | grep -cE "^oakfield-v$v-[a-z0-9]+(-[a-z0-9]+)*-strips\.pdf$")" 3
check_eq "every group file exists" "$(while read -r f; do [ -f "$f" ] && echo y; done <"$T/.out" | wc -l)" 3
check_eq "no file written outside out_dir" \
  "$(find "$T" -newer marker -type f ! -path "$T/out/*" ! -name '.out' ! -name '.err' | wc -l)" 0
ok_groups=0
while read -r f; do
	g=$(ptext "$f" | awk '/^ *class / { sub(/^ *class /, ""); sub(/ ·.*/, ""); print; exit }')
	want=$(grep -cxF -- "$g" <(col cg.tsv group))
	[ "$(ptext "$f" | grep -cE '^ *password ')" -eq "$want" ] && [ "$want" -gt 0 ] && ok_groups=$((ok_groups + 1))
	check_eq "mode 0600: ${f##*/}" "$(mode "$f")" 600
done <"$T/.out"
check_eq "each group file holds its group's strips" "$ok_groups" 3
mkdir -p pg
check_exit "emit xlsx --per-group -o DIR" 0 tp emit xlsx --per-group -o pg --input cg.tsv
check_eq "xlsx per group: safe names in DIR" \
  "$(grep -cE "^pg/oakfield-v$v-[a-z0-9]+(-[a-z0-9]+)*\.xlsx$" "$T/.out")" 3
check_eq "xlsx per group: nothing else in DIR" "$(ls pg | wc -l)" 3
for f in $(cat "$T/.out"); do
	check_eq "xlsx per group: ${f##*/} one sheet" "$("$PY" -c 'import openpyxl, sys
print(len(openpyxl.load_workbook(sys.argv[1]).sheetnames))' "$f")" 1
done
# Two groups whose names differ only in what the file name leaves out.
tp groups create '7 A' >/dev/null 2>&1
tp groups add '7 A' "${y10[7]}" >/dev/null 2>&1
tp select --group '7/A' --group '7 A' 2>/dev/null | regen >twin.tsv
mkdir twin
check_exit "--per-group with groups '7/A' and '7 A'" 0 tp emit pdf --per-group -o twin --input twin.tsv
check_eq "'7/A' and '7 A' sort and split as one: one file" "$(ls twin | wc -l)" 1
tp emit pdf --per-group --force -o twin --input twin.tsv >/dev/null 2>&1
check_eq "with --force, no group's strips are lost" \
  "$(for f in twin/*.pdf; do ptext "$f"; done | sed -n 's/^ *password  *//p' | sort)" \
  "$(col twin.tsv password | sort)"

# ==== A terminal gets no passwords unless asked
if command -v script >/dev/null 2>&1; then
	for fmt in csv tsv ndjson; do
		script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit $fmt --input '$T/f.tsv'" /dev/null </dev/null >tty.out 2>&1
		check_eq "emit $fmt to a terminal refused (exit 64)" $? 64
		check_grep "the $fmt refusal says why" "refusing to write passwords to a terminal" tty.out
		check_eq "no password reached the terminal ($fmt)" "$(grep -cFf <(col f.tsv password) tty.out)" 0
	done
	script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit csv --show --input '$T/f.tsv'" /dev/null </dev/null >tty.out 2>&1
	check_eq "--show allows the terminal" $? 0
	check_eq "--show printed every password" "$(tr -d '\r' <tty.out | grep -oFf <(col f.tsv password) | sort -u | wc -l)" "$(rows f.tsv)"
else
	ok "# SKIP terminal checks: 'script' (util-linux) is not installed"
fi

# ==== An interrupted emit leaves nothing behind
sed -e "s#$T/var/tempass.db#$T/var/big.db#" pipeline.conf >big.conf
other_store big.conf big
big() { "$TEMPASS_BIN" --config "$T/big.conf" "$@"; }
"$PY" "$ROOT/tests/gen_roster.py" 5000 --seed 1 >big.csv
check_exit "import 5000 pupils" 0 big import big.csv
big admin add demo --site oakfield --password-file pw >/dev/null 2>&1
big select --group 'Year 7' --group 'Year 8' --group 'Year 9' --group 'Year 10' --group 'Year 11' 2>/dev/null |
	big regenerate --password-file pw --yes >big.tsv 2>/dev/null
check_eq "5000 records" "$(rows big.tsv)" 5000
# interrupt FORMAT FILE: runs emit into kout and kills it (-9) once it
# has written part of the file it holds there, before it names FILE;
# prints how many bytes it had written, 0 when emit finished first every
# time.
interrupt() {
	local pid fd pos try
	for try in 1 2 3 4 5; do
		rm -rf kout; mkdir kout
		"$TEMPASS_BIN" --config "$T/big.conf" emit "$1" --input big.tsv \
		  -o "kout/$2" >/dev/null 2>&1 &
		pid=$! pos=0
		# Its descriptors on files in kout (XLSX opens a second one);
		# fdinfo's first line is "pos: N".
		while [ "$pos" -eq 0 ] && kill -0 "$pid" 2>/dev/null; do
			for fd in $(ls -l "/proc/$pid/fd" 2>/dev/null |
				    awk -v d="$T/kout/" 'index($0, d) { print $9 }'); do
				read -r _ pos 2>/dev/null <"/proc/$pid/fdinfo/$fd" || pos=0
				[ "${pos:-0}" -gt 0 ] && break
			done
		done
		if [ "${pos:-0}" -gt 0 ]; then
			# Stopped first: one that has named its file already
			# is let finish (and tried again), not killed after.
			kill -STOP "$pid" 2>/dev/null
			if [ -e "kout/$2" ]; then
				kill -CONT "$pid" 2>/dev/null
				pos=0
			else
				kill -9 "$pid" 2>/dev/null
			fi
		fi
		wait "$pid" 2>/dev/null
		[ "$?" -eq 137 ] && [ "${pos:-0}" -gt 0 ] && { echo "$pos"; return; }
	done
	echo 0
}
pos=$(interrupt pdf big.pdf)
if [ "$pos" -gt 0 ]; then
	echo "# the PDF emit was killed after writing $pos bytes"
	check_eq "kill -9 while writing a PDF: no *.pdf in out_dir" "$(ls kout | grep -c '\.pdf$')" 0
	check_eq "kill -9 while writing a PDF: no file at all (no temporary left)" "$(ls -A kout | tr '\n' ' ')" ""
else
	ok "# SKIP interrupted PDF: emit finished before it could be killed"
fi
pos=$(interrupt xlsx big.xlsx)
if [ "$pos" -gt 0 ]; then
	echo "# the XLSX emit was killed after writing $pos bytes"
	check_eq "kill -9 while writing an XLSX: no file among the lists" "$(ls kout | tr '\n' ' ')" ""
	check "kill -9 while writing an XLSX: the library's temporaries left only in a private folder, empty" \
	  test -z "$(find kout -mindepth 1 ! -path 'kout/.big.xlsx.tmp.[0-9]*.d' ! \( -path 'kout/.big.xlsx.tmp.[0-9]*.d/*' -size 0 \))"
	check_exit "emit xlsx after the kill" 0 big emit xlsx --input big.tsv -o kout/big.xlsx
	check_eq "the next emit of the name removed the killed one's folder" "$(ls -A kout | tr '\n' ' ')" "big.xlsx "
else
	ok "# SKIP interrupted XLSX: emit finished before it could be killed"
fi
# libxlsxwriter's temporaries go in a private folder beside the output,
# .NAME.tmp.PID.d: the next write of NAME removes one of a dead process
# with what is in it; one of a live process, another output's, and a
# symbolic link are left alone (not followed).
rm -rf kout; mkdir kout keep
dead=$(sh -c 'echo $$')
mkdir -m 700 "kout/.big.xlsx.tmp.$dead.d" "kout/.big.xlsx.tmp.$$.d" "kout/.other.xlsx.tmp.$dead.d"
printf 'timer-firefly-92\n' >"kout/.big.xlsx.tmp.$dead.d/tmp.AbCdEf1234"
printf 'kept\n' >keep/file
ln -s "$T/keep" "kout/.big.xlsx.tmp.$(sh -c 'echo $$').d"
check_exit "emit xlsx beside folders of temporaries" 0 big emit xlsx --input big.tsv -o kout/big.xlsx
check "a dead process's folder is removed, with its file" test ! -e "kout/.big.xlsx.tmp.$dead.d"
check "a live process's folder is left" test -d "kout/.big.xlsx.tmp.$$.d"
check "another output's folder is left" test -d "kout/.other.xlsx.tmp.$dead.d"
check "a symbolic link is not followed" test -f keep/file
check_eq "the write's own folder is gone, the workbook is whole" "$(ls kout | tr '\n' ' ')" "big.xlsx "
rd xlsx kout/big.xlsx big.tsv
rm -rf kout keep; mkdir kout
check_exit "the uninterrupted emit writes the file" 0 big emit pdf --input big.tsv -o kout/big.pdf
check_eq "5000 rows: pages = 625" "$(pages kout/big.pdf)" 625

# ==== emit among other Unix tools
ny7=$(rows y7sel.tsv)
rm -f xl.done
tp select --group 'Year 7' 2>/dev/null | tp regenerate --yes --password-file "$T/pw" 2>/dev/null |
	tee >(tp emit xlsx -o y7p.xlsx >/dev/null 2>xl.err; echo $? >xl.done) |
	tp emit pdf -o y7p.pdf >/dev/null 2>pdf.err
check_eq "select | regenerate | tee >(emit xlsx) | emit pdf" "${PIPESTATUS[*]}" "0 0 0 0"
for i in $(seq 100); do [ -s xl.done ] && break; sleep 0.1; done
check_eq "the xlsx of the process substitution finished" "$(cat xl.done 2>/dev/null)" 0
check_eq "the pdf and the xlsx hold the same passwords" \
  "$("$PY" -c 'import openpyxl, sys
ws = [r for s in openpyxl.load_workbook(sys.argv[1]).worksheets for r in s.iter_rows(values_only=True)]
k = list(ws[1]).index("password")
print("\n".join(sorted(r[k] for r in ws[2:])))' y7p.xlsx 2>&1)" \
  "$(ptext y7p.pdf | sed -n 's/^ *password  *//p' | sort)"
check_eq "as many as Year 7 has" "$(ptext y7p.pdf | grep -c '^ *password ')" "$ny7"
u=$("$PY" -c 'import openpyxl, sys
ws = list(openpyxl.load_workbook(sys.argv[1]).worksheets[0].iter_rows(values_only=True))
h = list(ws[1]); print(ws[2][h.index("username")] + "\t" + ws[2][h.index("password")])' y7p.xlsx)
printf '%s\n' "${u#*	}" | tp verify "${u%%	*}" >/dev/null 2>&1
check_eq "a password of the piped batch verifies" $? 0
n7b=$(($(tp select --group 7B 2>/dev/null | wc -l) - 1))
tp select --group 7B 2>/dev/null | tp regenerate --yes --password-file "$T/pw" 2>/dev/null |
	awk -F'\t' -v OFS='\t' 'NR==1{print $0,"room"; next}{print $0,"R12"}' |
	"$TEMPASS_BIN" --config "$T/all.conf" emit xlsx -o room.xlsx >/dev/null 2>&1
check_eq "select | regenerate | awk | emit xlsx (xlsx_columns = *)" "${PIPESTATUS[*]}" "0 0 0 0"
rd every room.xlsx room R12 "$n7b"

# ==== No store: emit makes none
sed "s#^database *=.*#database = $T/none/tempass.db#" "$T/pipeline.conf" >"$T/none.conf"
printf 'username\tforename\tsurname\tgroup\tversion\tpassword\naabdi\tAbdi\tAbdirahman\t7A\t1\tcheese-trainer-84\n' >nostore.tsv
check_exit "records to check with no store: exit 66" 66 \
  "$TEMPASS_BIN" --config "$T/none.conf" emit csv --input nostore.tsv -o nostore.csv
check_grep "says there is no store, and where" \
  "^tempass: emit: no store at '$T/none/tempass.db' to check against" "$T/.err"
check "and makes none" test ! -e "$T/none/tempass.db" -a ! -e "$T/none"
check "nor the list" test ! -e nostore.csv
# A version that names no batch ("0", "1x") needs no store: it is why the
# record is refused, with one job or more.
awk -F'\t' -v OFS='\t' 'NR == 1 { print; next } { $5 = "1x"; print; $5 = "0"; print }' nostore.tsv >v0.tsv
for j in 1 2; do
	check_exit "--jobs $j: records of version 1x and 0 with no store: exit 65" 65 \
	  "$TEMPASS_BIN" --config "$T/none.conf" --jobs "$j" emit csv --input v0.tsv -o v0.csv
	check_grep "--jobs $j: as having no batch version" "2 records are not current (2 no batch version)" "$T/.err"
	check "--jobs $j: no store made, no list" test ! -e "$T/none" -a ! -e v0.csv
done
cut -f1-4,6 nostore.tsv >nover.tsv
check_exit "records without a batch need no store: --allow-void prints them" 0 \
  "$TEMPASS_BIN" --config "$T/none.conf" emit csv --allow-void --input nover.tsv -o nover.csv
check_grep "marked VOID" ',VOID: no batch version' nover.csv
check "still no store made" test ! -e "$T/none"

check_eq "poppler tools printed nothing on stderr" "$(sort -u poppler.err | head -5)" ""
