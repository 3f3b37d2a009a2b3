# visual: pages rendered by poppler (pdftoppm, 50 dpi, grey) compared with
# the reference pages in tests/fixtures/pages, pixel by pixel within a
# small tolerance (tests/pgmdiff.py), so a layout that runs over a cut
# line, off the page or out of its column is caught. The input is fixed
# (tests/names_lib.sh: names in Latin, Arabic, Persian, Urdu, Hebrew and
# more, fixed passwords, lib.sh's fixed time), so the pages are the same
# on every run.
#
# After an intended change of layout, `make refs` writes the references
# anew (VISUAL_WRITE=1 runs this script to write rather than compare);
# look at them before committing them.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/names_lib.sh"
PY=${PYTHON:-/usr/bin/python3}
REFS=$ROOT/tests/fixtures/pages
: >"$T/poppler.err"
not() { ! "$@"; }

# render PDF PAGE OUT: page PAGE of PDF as the greyscale PGM OUT.
render() {
	pdftoppm -r 50 -gray -f "$2" -l "$2" -singlefile "$1" "${3%.pgm}" \
		2>>"$T/poppler.err"
}
# same NAME GOT: GOT matches the reference NAME; on a mismatch the
# pixels that differ are kept in $T/NAME-diff.pgm and the count shown.
same() {
	"$PY" "$ROOT/tests/pgmdiff.py" "$2" "$REFS/$1.pgm" "$T/$1-diff.pgm" \
		>"$T/$1-diff.txt"
}

names_stream names.tsv
check_exit "emit pdf: strips" 0 tp emit pdf --input names.tsv -o strips.pdf
check_exit "emit pdf: class list" 0 \
	tp emit pdf --layout classlist --input names.tsv -o classlist.pdf
render strips.pdf 1 strips-1.pgm
render strips.pdf 2 strips-2.pgm
render classlist.pdf 1 classlist-1.pgm
# The pages drawn hold the right-to-left names the compare is about.
check_grep "the strips hold an Arabic name" "محمد" <(pdftotext strips.pdf - 2>>poppler.err)
check_grep "the strips hold a Hebrew name" "לוי" <(pdftotext strips.pdf - 2>>poppler.err)
check_grep "the class list holds an Arabic name" "سلام" <(pdftotext classlist.pdf - 2>>poppler.err)

if [ -n "${VISUAL_WRITE:-}" ]; then
	mkdir -p "$REFS"
	for p in strips-1 strips-2 classlist-1; do
		check "wrote the reference $p" cp "$p.pgm" "$REFS/$p.pgm"
	done
	exit 0
fi

for p in strips-1 strips-2 classlist-1; do
	if same "$p" "$p.pgm"; then ok "$p matches its reference"; else
		notok "$p matches its reference ($(cat "$p-diff.txt"); after an intended change of layout, 'make refs' writes the references anew: look at them before committing)"
	fi
done

# ==== The compare catches what it is for
# A page moved by 2 pixels (1 mm) to the right, as a strip that runs over
# its cut line is moved.
"$PY" - strips-1.pgm shifted.pgm <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
head = data.split(b'\n', 3)
w, h = map(int, head[1].split())
px = head[3]
rows = [px[y * w:(y + 1) * w] for y in range(h)]
out = b''.join(b'\xff\xff' + r[:-2] for r in rows)
open(sys.argv[2], 'wb').write(b'\n'.join(head[:3]) + b'\n' + out)
EOF
check "the shifted page is as large as the reference" \
	test "$(stat -c %s shifted.pgm)" -eq "$(stat -c %s "$REFS/strips-1.pgm")"
check "caught: the page moved by 2 pixels" not same strips-1 shifted.pgm
check_grep "the count of differing pixels is shown" "pixels differ" strips-1-diff.txt
# Another layout of the same strips: two columns of 8 a page.
conf_with() { sed "/^\[output\]/a $2" "$T/pipeline.conf" >"$T/$1"; }
sed 's/^strips = .*/strips = 2x8/' "$T/pipeline.conf" >"$T/nine.conf"
check "the other layout's configuration differs" \
	grep -qx 'strips = 2x8' "$T/nine.conf"
check_exit "emit pdf: 2x8 strips a page" 0 \
	"$TEMPASS_BIN" --config nine.conf emit pdf --input names.tsv -o nine.pdf
render nine.pdf 1 nine-1.pgm
check "caught: another layout of the strips" not same strips-1 nine-1.pgm
# Letter paper: another size.
conf_with letter.conf "paper = letter"
check_exit "emit pdf: Letter" 0 \
	"$TEMPASS_BIN" --config letter.conf emit pdf --input names.tsv -o letter.pdf
render letter.pdf 1 letter-1.pgm
check "caught: a page of another size" not same strips-1 letter-1.pgm
check_grep "the sizes are named" "^size " strips-1-diff.txt
# The class list is not the strips.
check "caught: the class list against the strips' reference" \
	not same strips-1 classlist-1.pgm

check_eq "poppler printed nothing on stderr" "$(sort -u poppler.err | head -5)" ""
