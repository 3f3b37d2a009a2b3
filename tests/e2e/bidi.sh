# bidi: names in right-to-left and joining scripts on paper. Arabic,
# Persian, Urdu and Hebrew names are drawn joined and right to left
# inside lines that stay left to right, and read back as typed; a script
# that needs shaping a PDF list cannot give is named in a warning with
# the person; a font without Arabic presentation forms falls back along
# the chain, or to the letters unjoined. Read with poppler and qpdf.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/names_lib.sh"
PY=${PYTHON:-/usr/bin/python3}
: >"$T/poppler.err"

# text PDF: pdftotext's lines, the direction marks it puts around a
# right-to-left run taken out, and the spaces: poppler moves the space
# between a right-to-left word and a left-to-right one ("מרים Levi" comes
# out as " מריםLevi"), while the letters of each word stay as typed.
text() {
	pdftotext -enc UTF-8 "$@" - 2>>"$T/poppler.err" |
		LC_ALL=C sed 's/\xe2\x80[\x8e\x8f\xaa-\xae]//g; s/ //g'
}
# typed NAME: NAME as text() gives it back.
typed() { printf '%s' "$1" | tr -d ' '; }

# drawn PDF: the code points each Tj draws (libharu's Identity-H codes are
# the code points), one line of "U+XXXX ..." per string, from the
# uncompressed content streams qpdf writes.
cat >"$T/drawn.py" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
for m in re.finditer(rb'(?:<([0-9A-Fa-f]*)>|\(((?:[^\\)]|\\.)*)\)) Tj', data, re.S):
    if m.group(1) is not None:
        out = bytes.fromhex(m.group(1).decode())
    else:
        s, out, i = m.group(2), bytearray(), 0
        while i < len(s):
            c = s[i]
            if c == 0x5c:
                i += 1
                c = {ord('n'): 10, ord('r'): 13}.get(s[i], s[i])
            out.append(c)
            i += 1
    print(' '.join('U+%04X' % int.from_bytes(out[k:k + 2], 'big')
                   for k in range(0, len(out) - 1, 2)))
EOF
drawn() {
	qpdf --qdf --object-streams=disable "$1" "$T/qdf.pdf" 2>/dev/null
	"$PY" "$T/drawn.py" "$T/qdf.pdf"
}

names_stream names.tsv

# ==== Strips
check_exit "emit pdf: strips of the names" 0 tp emit pdf --input names.tsv -o names.pdf
cp "$T/.err" strips.err
text names.pdf >names.txt
for name in "محمد علي" "Ali سلام" "پژمان Rahimi" "عمران خان" "زینب رضایی" \
	"Yosef כהן" "שרה לוי" "מרים Levi" "Zoë Łukasz" "Nguyễn Thị Hoa"; do
	check_eq "strips: '$name' reads back as typed" \
		"$(grep -cxF "$(typed "$name")" names.txt)" 1
done
qpdf --check names.pdf >qpdf.out 2>&1
check_eq "strips: qpdf --check passes (the ToUnicode map too)" "$?" 0
drawn names.pdf >drawn.txt
check_eq "strips: no Arabic letter drawn unjoined" \
	"$(grep -cE 'U\+06([23][0-9A-F]|4[0-9A]|[7-9A-C][0-9A-F]|D[0-3])' drawn.txt)" 0
# محمد: meem initial, hah medial, meem medial, dal final, drawn from
# the left: dal first. سلام: seen initial, lam-alef final, meem isolated.
check_grep "strips: محمد drawn joined, right to left" \
	"U+FEAA U+FEE4 U+FEA4 U+FEE3" drawn.txt
check_grep "strips: سلام drawn with its lam-alef ligature" \
	"U+FEE1 U+FEFC U+FEB3" drawn.txt
# مُحَمَّد Karim: each vowel mark drawn just left of its letter, where the
# letter starts, so it sits over it (damma on the first meem).
check_grep "strips: vowel marks drawn where their letters start" \
	"U+FEAA U+0651 U+064E U+FEE4 U+064E U+FEA4 U+064F U+FEE3 U+0020 U+004B" drawn.txt
# שרה לוי: reversed, the first name on the right.
check_grep "strips: שרה לוי drawn right to left" \
	"U+05D9 U+05D5 U+05DC U+0020 U+05D4 U+05E8 U+05E9" drawn.txt
check_grep "strips: a Latin line stays left to right" \
	"U+0059 U+006F U+0073 U+0065 U+0066 U+0020 U+05DF U+05D4 U+05DB" drawn.txt
check_nogrep "strips: no warning for Arabic, Persian, Urdu or Hebrew" \
	"warning: .*\(محمد\|پژمان\|عمران\|זינב\|שרה\|מרים\|Yosef\|Ali\)" strips.err

# ==== Scripts printed unshaped: the warning names person and script
check_grep "Devanagari: the warning names the person and the script" \
	"warning: Priya प्रिया ([a-z0-9]*): the name is in Devanagari, which needs shaping a PDF list cannot give; printed unshaped" strips.err
check_grep "Tamil: the warning names the person and the script" \
	"warning: Anbu அன்பு ([a-z0-9]*): the name is in Tamil," strips.err
check_grep "the Devanagari name still prints" "^Priya" names.txt
check_eq "one warning of each kind per person" \
	"$(grep -c 'the name is in' strips.err)" 2

# ==== Class list: the same path
check_exit "emit pdf: class list of the names" 0 \
	tp emit pdf --layout classlist --input names.tsv -o cl.pdf
text -layout cl.pdf >cl.txt
for name in "محمد" "علي" "سلام" "پژمان" "כהן" "שרה" "לוי" "رضایی"; do
	check_grep "class list: '$name' reads back as typed" "$name" cl.txt
done
check_eq "class list: no Arabic letter drawn unjoined" \
	"$(drawn cl.pdf | grep -cE 'U\+06([23][0-9A-F]|4[0-9A]|[7-9A-C][0-9A-F]|D[0-3])')" 0
check_grep "class list: the Devanagari warning too" \
	"the surname is in Devanagari" "$T/.err"

# ==== A long name wholly in Arabic breaks over two lines: the first words
# on the first line, each line right to left
long_f=$(printf 'يوسف %.0s' $(seq 16)); long_s=$(printf 'داود %.0s' $(seq 16))
awk -F'\t' -v f="${long_f% }" -v s="${long_s% }" 'BEGIN { OFS = "\t" }
	NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "forename") a = i
					      if ($i == "surname") b = i }
		  print; next }
	$a == "محمد" { $a = f; $b = s; print }' names.tsv >long.tsv
check_exit "emit pdf: a long Arabic name" 0 tp emit pdf --input long.tsv -o long.pdf
pdftotext -layout -enc UTF-8 long.pdf - 2>>poppler.err |
	LC_ALL=C sed 's/\xe2\x80[\x8e\x8f\xaa-\xae]//g; s/^ *//; s/ *$//' |
	grep '[يد]' >long.txt
check_eq "long name: two lines" "$(wc -l <long.txt)" 2
check_eq "long name: read line by line, the words in the order typed" \
	"$(tr ' ' '\n' <long.txt | uniq -c | awk '{ print $1, $2 }')" \
	"$(printf '16 يوسف\n16 داود')"
check_eq "long name: the first line holds forename words only" \
	"$(head -n 1 long.txt | tr ' ' '\n' | sort -u)" "يوسف"

# ==== Fonts without Arabic presentation forms
# DejaVu Serif has no Arabic: the chain gives it to DejaVu Sans, joined.
conf_with() { sed "/^\[output\]/a $2" "$T/pipeline.conf" >"$T/$1"; }
conf_with serif.conf "pdf_fonts = /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf, /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
check_exit "emit pdf: serif first in the chain" 0 \
	"$TEMPASS_BIN" --config serif.conf emit pdf --input names.tsv -o serif.pdf
pdffonts serif.pdf >serif.fonts 2>>poppler.err
check_grep "chain: DejaVu Serif embedded" "DejaVuSerif" serif.fonts
check_grep "chain: DejaVu Sans embedded for the Arabic" "+DejaVuSans," serif.fonts
check_eq "chain: محمد علي still reads back as typed" \
	"$(text serif.pdf | grep -cxF "$(typed 'محمد علي')")" 1
check_eq "chain: still no Arabic letter drawn unjoined" \
	"$(drawn serif.pdf | grep -cE 'U\+06([23][0-9A-F]|4[0-9A]|[7-9A-C][0-9A-F]|D[0-3])')" 0

# A font with the Arabic letters and none of their presentation forms (as
# fonts that join by their own tables are): DejaVu Sans with the forms
# taken out of its cmap. Alone in the chain, it prints the letters
# unjoined, in their right-to-left order, rather than '?'.
"$PY" - /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf noforms.ttf <<'EOF'
import struct, sys
f = bytearray(open(sys.argv[1], 'rb').read())
n = struct.unpack('>H', f[4:6])[0]
tables = {bytes(f[12 + 16*i:16 + 16*i]): struct.unpack('>II', f[20 + 16*i:28 + 16*i]) for i in range(n)}
glyphs = struct.unpack('>H', f[tables[b'maxp'][0] + 4:tables[b'maxp'][0] + 6])[0]
cmap = tables[b'cmap'][0]
for k in range(struct.unpack('>H', f[cmap + 2:cmap + 4])[0]):
    pid, eid, off = struct.unpack('>HHI', f[cmap + 4 + 8*k:cmap + 12 + 8*k])
    t = cmap + off
    if struct.unpack('>H', f[t:t + 2])[0] != 4:
        continue
    segs = struct.unpack('>H', f[t + 6:t + 8])[0] // 2
    ends, starts = t + 14, t + 16 + 2*segs
    deltas, ros = starts + 2*segs, starts + 4*segs
    for i in range(segs):
        end = struct.unpack('>H', f[ends + 2*i:ends + 2*i + 2])[0]
        start = struct.unpack('>H', f[starts + 2*i:starts + 2*i + 2])[0]
        if end < 0xFB50 or start > 0xFEFC:
            continue
        ro = struct.unpack('>H', f[ros + 2*i:ros + 2*i + 2])[0]
        if start < 0xFB50:      # keep the part below the forms
            f[ends + 2*i:ends + 2*i + 2] = struct.pack('>H', 0xFB4F)
        elif end > 0xFEFC:      # keep the part above them
            f[starts + 2*i:starts + 2*i + 2] = struct.pack('>H', 0xFEFD)
            if ro:
                f[ros + 2*i:ros + 2*i + 2] = struct.pack('>H', ro + 2*(0xFEFD - start))
        elif ro:
            for c in range(start, end + 1):
                at = ros + 2*i + ro + 2*(c - start)
                f[at:at + 2] = b'\0\0'
        else:
            # every glyph number beyond the font's last: no glyph
            f[deltas + 2*i:deltas + 2*i + 2] = struct.pack('>H', (glyphs - start) & 0xFFFF)
open(sys.argv[2], 'wb').write(f)
EOF
conf_with noforms.conf "pdf_fonts = $T/noforms.ttf"
check_exit "emit pdf: a font without the forms" 0 \
	"$TEMPASS_BIN" --config noforms.conf emit pdf --input names.tsv -o noforms.pdf
cp "$T/.err" noforms.err
drawn noforms.pdf >noforms.drawn
check_eq "no forms: the letters drawn, no '?' for them" \
	"$(drawn noforms.pdf | grep -c 'U+003F')" "$(drawn names.pdf | grep -c 'U+003F')"
check_grep "no forms: محمد drawn unjoined, right to left" \
	"U+062F U+0645 U+062D U+0645" noforms.drawn
check_eq "no forms: محمد علي still reads back as typed" \
	"$(text noforms.pdf | grep -cxF "$(typed 'محمد علي')")" 1
check_nogrep "no forms: no warning for an Arabic name" "محمد" noforms.err
# With no Arabic at all in the chain, the warning names a letter as typed
# (the first drawn from the left), not a presentation form.
conf_with serifonly.conf "pdf_fonts = /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
check_exit "emit pdf: a font with no Arabic" 0 \
	"$TEMPASS_BIN" --config serifonly.conf emit pdf --input names.tsv -o serifonly.pdf
check_grep "no Arabic: the warning names the letter" \
	"warning: محمد علي ([a-z0-9]*): no font has the glyph U+06[0-4][0-9A-F] in the name; printed as '?'" "$T/.err"

check_eq "poppler printed nothing on stderr" "$(sort -u poppler.err | head -5)" ""
check_exit "the audit chain verifies" 0 tp audit verify
