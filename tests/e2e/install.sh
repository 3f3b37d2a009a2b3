# install: `make install` puts the binary, the man page, the word lists and
# templates under PREFIX inside DESTDIR without root; the installed binary,
# run from a school's own folder holding only its pipeline.conf and roster,
# finds the installed word lists and templates without a path; `make
# uninstall` leaves nothing behind. The tree's binary is installed as built
# (make -o tempass): the other tests use it, so it is not rebuilt here.
. "$(dirname "$0")/../lib.sh"

D=$T/dest
# made_of WORDS TSV: every password of TSV (more than five) is two words of
# the list WORDS and its digits.
made_of() {
	awk -F'\t' -v w="$1" '
		BEGIN { while ((getline l < w) > 0) ok[l] = 1 }
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") k = i; next }
		{ n++; split($k, p, "-"); if (!(p[1] in ok) || !(p[2] in ok)) exit 1 }
		END { exit !(k && n > 5) }' "$2"
}
mk() { make -s --no-print-directory -C "$ROOT" -o tempass PREFIX=/usr DESTDIR="$D" "$@"; }

check_exit "make install PREFIX=/usr DESTDIR=... (not as root: nothing outside DESTDIR)" 0 mk install
check "the binary is installed, executable" test -x "$D/usr/bin/tempass"
check_eq "the binary's mode" "$(stat -c %a "$D/usr/bin/tempass" 2>&1)" 755
check_eq "the man page's mode" "$(stat -c %a "$D/usr/share/man/man1/tempass.1" 2>&1)" 644
for f in "$ROOT"/templates/* "$ROOT"/templates/messages/*; do
	[ -f "$f" ] || continue
	f=${f#"$ROOT"/templates/}
	check "templates/$f installed as it is" \
		cmp -s "$ROOT/templates/$f" "$D/usr/share/tempass/templates/$f"
done
check "an example pipeline.conf is installed" \
	cmp -s "$ROOT/pipeline.conf" "$D/usr/share/tempass/pipeline.conf.example"

# ==== The installed page reads with man -l
MANWIDTH=80 man -l "$D/usr/share/man/man1/tempass.1" >man.txt 2>man.err
check_grep "man -l shows NAME" '^NAME' man.txt
check_grep "man -l shows SYNOPSIS" '^SYNOPSIS' man.txt
check_grep "man -l shows the FILES section" '^FILES' man.txt
check_nogrep "man -l gives no warning" . man.err

# ==== A school's folder: its pipeline.conf and roster, nothing else
# No words, denylist nor templates key: the defaults are found installed.
S=$T/school
mkdir -p "$S"
cp "$ROOT/samples/students.csv" "$S/"
cat >"$S/pipeline.conf" <<'CONF'
[site]
code = oakfield
name = Oakfield Academy

[store]
argon2_ops = 1
argon2_mem_kib = 8192

[roster students]
file = students.csv
external_id = Adno
forename = Forename
surname = Surname
date_of_birth = DOB
groups = Year, Reg
user_type = student

[email]
from = it@oakfield.example
reset_url = https://id.oakfield.example/reset?token={{token}}
CONF
printf 'correct horse battery\n' >"$S/pw"
chmod 600 "$S/pw"
cd "$S"
export PATH="$D/usr/bin:$PATH"
check_eq "tempass on PATH is the installed one" "$(command -v tempass)" "$D/usr/bin/tempass"
check_exit "installed: import from the school's folder (./pipeline.conf)" 0 tempass import students.csv
check_exit "installed: admin add" 0 tempass admin add demo --site oakfield --password-file pw
tempass select --group 7A >sel.tsv 2>sel.err
check "installed: select writes the group" test "$(col sel.tsv username | wc -l)" -gt 5
check_exit "installed: regenerate with the installed word list" 0 \
	tempass regenerate --admin demo --password-file pw --yes --input sel.tsv
cp "$T/.out" b.tsv
check "installed: every password is made of installed words" \
	made_of "$D/usr/share/tempass/templates/words.txt" b.tsv
check_exit "installed: emit pdf" 0 tempass emit pdf --input b.tsv
pdf=$(cat "$T/.out")
check "installed: the strips are in the school's out/" test -f "$S/out/oakfield-v1-strips.pdf"
pdftotext "$S/out/oakfield-v1-strips.pdf" strips.txt 2>/dev/null
check_grep "installed: the strips hold the first password" \
	"$(col b.tsv password | head -n 1)" strips.txt
check_exit "installed: notify --dry-run finds the installed email templates" 0 \
	tempass notify --admin demo --password-file pw --dry-run --input sel.tsv
check_exit "installed: audit verify" 0 tempass audit verify

# A word list beside pipeline.conf is the school's own and wins.
mkdir templates
head -n 1200 "$ROOT/templates/words.txt" | tail -n 1100 >templates/words.txt
check_exit "installed: regenerate with the school's own word list" 0 \
	tempass regenerate --admin demo --password-file pw --yes --input sel.tsv
cp "$T/.out" own.tsv
check "the school's word list is used, not the installed one" \
	made_of "$S/templates/words.txt" own.tsv
rm -r templates

# Negative: without the installed data, the word list is missing and the
# message names the path beside pipeline.conf.
mv "$D/usr/share/tempass" "$T/moved"
check_exit "no installed data: regenerate refused" 78 \
	tempass regenerate --admin demo --password-file pw --yes --input sel.tsv
check_grep "no installed data: the message names the list beside pipeline.conf" \
	"^tempass: regenerate: 'templates/[a-z]*\\.txt': cannot open" "$T/.err"
mv "$T/moved" "$D/usr/share/tempass"
mv "$D/usr/share/tempass/templates/reset.subject" "$T/"
check_exit "no installed reset.subject: notify refused" 78 \
	tempass notify --admin demo --password-file pw --dry-run --input sel.tsv
check_grep "no installed reset.subject: the message names it" \
	"templates/reset.subject" "$T/.err"
mv "$T/reset.subject" "$D/usr/share/tempass/templates/"

# No ./pipeline.conf and no TEMPASS_CONFIG: the message names the file.
cd "$T"
check_exit "no pipeline.conf here: configuration error" 78 tempass groups
check_grep "no pipeline.conf here: the message names pipeline.conf" \
	'pipeline.conf' "$T/.err"

# ==== make uninstall removes what install put there
check_exit "make uninstall" 0 mk uninstall
check_eq "nothing installed is left" "$(find "$D" -type f | wc -l)" 0
check "the data folder is gone" test ! -e "$D/usr/share/tempass"
