# logo: [output] logo, a PNG or JPEG, is drawn on the class list's header
# (each page), on each strip and on letters, loaded into each document once and kept to
# its aspect ratio. pdfimages -list reads back what the PDF holds. A logo
# that is missing, unreadable or of another kind stops the stage at
# start-up (exit 78) naming the file, with nothing written.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
sample_batch b.tsv

# A 240 x 80 PNG with an alpha channel, written by hand (zlib).
"$PY" - <<'PYEOF'
import struct, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 240, 80
raw = b''.join(b'\0' + b''.join(bytes((20, 90 + y, 200, 255 if x < 200 else 0)) for x in range(w)) for y in range(h))
open('logo.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 6, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PYEOF

# logo_conf PATH: [output] logo = PATH.
logo_conf() {
	sed -i '/^logo = /d' pipeline.conf
	[ -z "$1" ] || sed -i "s#^\[output\]\$#&\nlogo = $1#" pipeline.conf
}
# images PDF: pdfimages -list's "page type width height enc" per image.
images() { pdfimages -list "$1" | awk 'NR > 2 { print $1, $3, $4, $5, $9 }'; }

check_exit "a class list without a logo" 0 tp emit pdf --layout classlist -o none.pdf --input b.tsv
check_eq "no logo: no image" "$(images none.pdf | wc -l)" 0

logo_conf logo.png
check_exit "a class list with a PNG logo" 0 tp emit pdf --layout classlist -o png.pdf --input b.tsv
check_eq "PNG: the logo at its size, its alpha as a soft mask" \
  "$(images png.pdf)" "$(printf '1 image 240 80 image\n1 smask 240 80 image')"

# Two pages: the one image object drawn on both.
tp select --group 'Year 7' >y7sel.tsv 2>/dev/null
check_exit "a batch for Year 7" 0 tp regenerate --password-file pw --yes --input y7sel.tsv
cp .out y7.tsv
check_exit "a two-page class list with the logo" 0 tp emit pdf --layout classlist -o two.pdf --input y7.tsv
check_eq "each page draws the logo" "$(images two.pdf | awk '$2 == "image" { print $1 }' | tr '\n' ' ')" "1 2 "
check_eq "one image object in the file" \
  "$(pdfimages -list two.pdf | awk 'NR > 2 && $3 == "image" { print $11 }' | sort -u | wc -l)" 1
check_grep "the title is still there" '^ *Year 7 *$' <(pdftotext -layout -f 1 -l 1 two.pdf -)

# The logo keeps its aspect ratio: drawn 3 wide to 1 high (pdfimages gives
# its resolution each way; equal when the ratio is kept).
check_eq "the aspect ratio is kept" \
  "$(pdfimages -list png.pdf | awk 'NR == 3 { print ($13 == $14) ? "kept" : $13 "/" $14 }')" kept

pdftoppm -r 30 -jpeg -scale-to-x 150 -scale-to-y 100 -f 1 -l 1 none.pdf logo
mv logo-1.jpg logo.jpg 2>/dev/null || mv logo-01.jpg logo.jpg
logo_conf logo.jpg
check_exit "a class list with a JPEG logo" 0 tp emit pdf --layout classlist -o jpg.pdf --input y7.tsv
check_eq "JPEG: the logo at its size, as JPEG" "$(images jpg.pdf | sort -u)" "$(printf "1 image 150 100 jpeg\n2 image 150 100 jpeg")"

# On strips: at the right of each strip's first line, one image object
# drawn on every strip; each password still prints once.
check_exit "strips with the logo" 0 tp emit pdf -o strips.pdf --input y7.tsv
nstrips=$(($(wc -l <y7.tsv) - 1))
check_eq "each strip draws the logo" \
  "$(images strips.pdf | awk '$2 == "image"' | wc -l)" "$nstrips"
check_eq "one image object in the strips" \
  "$(pdfimages -list strips.pdf | awk 'NR > 2 && $3 == "image" { print $11 }' | sort -u | wc -l)" 1
pdftotext strips.pdf strips.txt
pcol=$(head -1 y7.tsv | tr '\t' '\n' | grep -nx password | cut -d: -f1)
check_eq "every password of the strips printed once beside the logo" \
  "$(tail -n +2 y7.tsv | cut -f"$pcol" | while read -r p; do grep -o -- "$p" strips.txt | wc -l; done | sort -u | tr '\n' ' ')" "1 "
logo_conf ""
check_exit "strips without a logo" 0 tp emit pdf -o plain.pdf --input y7.tsv
check_eq "no logo: no image on the strips" "$(images plain.pdf | wc -l)" 0
logo_conf logo.jpg

# ==== Refused at start-up, the file named
bad_logo() {
	logo_conf "$1"
	check_exit "$2: exit 78" 78 tp emit pdf --layout classlist -o bad.pdf --input y7.tsv
	check_grep "$2: the message names the file" "logo '$T/$1': $3" .err
	check "$2: nothing written" test ! -e bad.pdf
}
bad_logo missing.png "a missing logo" "No such file or directory"
printf 'GIF89a\001\000\001\000' >logo.gif
bad_logo logo.gif "a GIF" "not a PNG or JPEG image"
cp logo.png locked.png
chmod 000 locked.png
unprivileged "$T"
if [ "${as[*]}" = skip ]; then
	ok "an unreadable logo (skip: cannot drop root)"
elif [ ${#as[@]} -eq 0 ]; then
	bad_logo locked.png "an unreadable logo" "Permission denied"
else
	logo_conf locked.png
	check_exit "an unreadable logo: exit 78" 78 "${as[@]}" "$TEMPASS_BIN" --config "$T/pipeline.conf" emit pdf --layout classlist -o bad.pdf --input y7.tsv
	check_grep "an unreadable logo: the message names the file" "logo '$T/locked.png': Permission denied" .err
fi
logo_conf ""
check_exit "the audit log verifies" 0 tp audit verify
