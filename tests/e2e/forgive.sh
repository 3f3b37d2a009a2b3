# forgive: mistakes an administrator makes with files are named, not
# misread: a workbook, PDF or archive given as a roster or a stream, a
# roster in UTF-16 (read), a stream whose header line a grep dropped.
. "$(dirname "$0")/../lib.sh"
write_conf

S=$ROOT/samples/students.csv
sample_batch b1.tsv
users() { sql 'select count(*) from user'; }
state() { sql 'select count(*) from user; select count(*) from batch; select count(*) from credential; select count(*) from audit'; }

# ---- the wrong kind of file, as a roster and as a stream
check_exit "an xlsx written" 0 tp emit xlsx -o b1.xlsx --input b1.tsv
check_exit "a pdf written" 0 tp emit pdf -o b1.pdf --input b1.tsv
"$PYTHON" - <<'PY'
import zipfile
z = zipfile.ZipFile('r.ods', 'w')
z.writestr(zipfile.ZipInfo('mimetype'), 'application/vnd.oasis.opendocument.spreadsheet')
z.writestr('content.xml', '<office:document-content/>')
z.close()
z = zipfile.ZipFile('r.zip', 'w')
z.write('/dev/null', 'students.csv')
z.close()
PY
gzip -c "$S" >r.csv.gz
iconv -f UTF-8 -t UTF-16LE "$S" | tail -c +4 >bare16.csv   # no mark
before=$(state)
while IFS='|' read -r file what todo; do
	check_exit "$what as a roster: bad data" 65 tp import "$file"
	check_grep "$what as a roster: named" "^tempass: import: '$file': is $what, not CSV: $todo" "$T/.err"
	check_eq "$what as a roster: one message" "$(wc -l <"$T/.err")" 1
	check_exit "$what as regenerate's stream: bad data" 65 \
		tp regenerate --password-file "$T/pw" --yes --dry-run --input "$file"
	check_grep "$what as a stream: named" "'$file': is $what, not a record stream" "$T/.err"
	check_exit "$what to emit: bad data" 65 tp emit pdf -o x.pdf <"$file"
	check_grep "$what to emit: named" "'<stdin>': is $what, not a record stream" "$T/.err"
done <<'EOF2'
b1.xlsx|an Excel workbook (XLSX)|in Excel, save it as 'CSV UTF-8
r.ods|an OpenDocument spreadsheet (ODS)|in LibreOffice Calc, save it as 'Text CSV'
b1.pdf|a PDF document|export the roster from the MIS as CSV UTF-8
r.zip|a zip archive|unpack it
r.csv.gz|gzip-compressed|unpack it first
bare16.csv|UTF-16 text without a byte order mark|save it as UTF-8, or as UTF-16 with its byte order mark
EOF2
check_eq "none of them changed the store" "$(state)" "$before"
check "nor made x.pdf" test ! -e x.pdf

# ---- a roster in UTF-16 with its mark (Excel's "Unicode Text") is read
for enc in UTF-16LE UTF-16BE; do
	{ if [ $enc = UTF-16LE ]; then printf '\377\376'; else printf '\376\377'; fi
	  tail -c +4 "$S" | iconv -f UTF-8 -t $enc; } >"r-$enc.csv"
	check_exit "$enc: a dry run reads it" 0 tp import --dry-run "r-$enc.csv"
	check_grep "$enc: every pupil is there, unchanged" "^dry run: would add 0, update 0, move 0, mark 0 left; 300 unchanged, 0 rejected" "$T/.err"
done
mkdir fresh
sed -e "s#$T/var/#$T/fresh/var/#" -e "s#$T/keys/#$T/fresh/keys/#" pipeline.conf >fresh/pipeline.conf
other_store fresh/pipeline.conf fresh
check_exit "a UTF-16 roster imported into a new store" 0 "$TEMPASS_BIN" --config fresh/pipeline.conf import r-UTF-16LE.csv
check_grep "all of it" "^300 added, 0 updated, 0 moved, 0 left, 0 unchanged, 0 rejected" "$T/.out"
check_eq "names as they were written" \
	"$(sql_in fresh/pipeline.conf "select forename || ' ' || surname from user where external_id = '003925'")" "Ahmet Çelik"
check_eq "the same users as from the UTF-8 file" \
	"$(sql_in fresh/pipeline.conf 'select external_id, username, forename, surname, dob from user order by 1' | sha256sum)" \
	"$(sql 'select external_id, username, forename, surname, dob from user order by 1' | sha256sum)"
{ printf '\377\376'; printf 'A\0d\0n\0o\0\n\0\0\xd8x\0'; } >bad16.csv
check_exit "UTF-16 that is not: bad data" 65 tp import --dry-run bad16.csv
check_grep "said where" "'bad16.csv': not valid UTF-16 at byte" "$T/.err"

# ---- a stream whose header line was dropped
tail -n +2 b1.tsv >nohead.tsv
check_exit "regenerate: a stream without its header: bad data" 65 \
	tp regenerate --password-file "$T/pw" --yes --dry-run --input nohead.tsv
check_eq "one message" "$(wc -l <"$T/.err")" 1
check_grep "it says the first line is read as the header, and what it holds" \
	"the first line is read as the header and holds '$(head -1 nohead.tsv | cut -f1)', '$(head -1 nohead.tsv | cut -f2)'" "$T/.err"
check_nogrep "not only 'duplicate column'" "duplicate column" "$T/.err"
check_exit "emit: the same" 65 tp emit pdf -o y.pdf --input nohead.tsv
check_grep "emit says the same" "the first line is read as the header and holds" "$T/.err"
check "no file made" test ! -e y.pdf
# A first record with no value twice: the missing column is what is said.
printf 'zz1\tZed\n' >onerec.tsv
check_exit "a lone record, no 'username'" 65 \
	tp regenerate --password-file "$T/pw" --yes --dry-run --input onerec.tsv
check_grep "says which column and what the first line holds" \
	"no 'username' column; the first line is read as the header and holds 'zz1', 'Zed'" "$T/.err"
check_eq "the store is unchanged" "$(state)" "$before"
check_exit "the audit chain verifies" 0 tp audit verify

# ---- regenerate -o FILE: the passwords go to a 0600 file, named when whole
batches() { sql 'select count(*) from batch'; }
tp select --group 7B >sel7b.tsv 2>/dev/null
n7b=$(($(wc -l <sel7b.tsv) - 1))
regen() { tp regenerate --password-file "$T/pw" --yes --input sel7b.tsv "$@"; }
nb=$(batches)
check_exit "regenerate -o year7.tsv, under umask 000" 0 \
	bash -c "umask 000; $(printf '%q ' "$TEMPASS_BIN") --config '$T/pipeline.conf' regenerate --password-file '$T/pw' --yes --input sel7b.tsv -o year7.tsv"
check_eq "the file is 0600" "$(stat -c %a year7.tsv)" 600
check_eq "nothing on standard output" "$(wc -c <"$T/.out")" 0
check_eq "a password for each selected user" "$(col year7.tsv password | grep -c .)" "$n7b"
u=$(col year7.tsv username | head -1)
p=$(paste <(col year7.tsv username) <(col year7.tsv password) | awk -F'\t' -v u="$u" '$1 == u { print $2 }')
check_exit "a password of the file verifies" 0 sh -c "printf '%s\n' '$p' | $(printf '%q ' "$TEMPASS_BIN") --config '$T/pipeline.conf' verify '$u'"
check_eq "one batch more" "$(batches)" "$((nb + 1))"
sum=$(sha256sum <year7.tsv)
check_exit "the same name again: refused (cannot create)" 73 regen -o year7.tsv
check_grep "it says the file exists" "'year7.tsv': file exists (use --force to replace it)" "$T/.err"
check_eq "refused before any batch" "$(batches)" "$((nb + 1))"
check_eq "and the file is as it was" "$(sha256sum <year7.tsv)" "$sum"
check_exit "a folder that is not there: refused" 73 regen -o nowhere/year7.tsv
check_eq "before any batch" "$(batches)" "$((nb + 1))"
ln -s year7.tsv link.tsv
check_exit "a symbolic link is never written through" 73 regen -o link.tsv --force
check_eq "no batch for it" "$(batches)" "$((nb + 1))"
check_exit "--dry-run -o: nothing written" 0 regen --dry-run -o dry.tsv
check "no file made" test ! -e dry.tsv
check_exit "--force replaces the file" 0 regen -o year7.tsv --force
check_eq "with the new batch's passwords" "$(col year7.tsv version | sort -u)" "$(sql 'select max(version) from batch')"
check_eq "still 0600" "$(stat -c %a year7.tsv)" 600
check_eq "no temporary file left beside it" "$(ls -a | grep -c 'year7.tsv.tmp')" 0
check_exit "-o - is standard output" 0 regen -o -
check_eq "the records on standard output" "$(col "$T/.out" password | grep -c .)" "$n7b"
if command -v script >/dev/null; then
	script -qec "$TEMPASS_BIN --config $T/pipeline.conf regenerate --password-file $T/pw --yes --input sel7b.tsv -o -" /dev/null >tty.out 2>&1
	check_grep "-o - to a terminal: refused as stdout is" "refusing to write passwords to a terminal" tty.out
	script -qec "$TEMPASS_BIN --config $T/pipeline.conf regenerate --password-file $T/pw --yes --input sel7b.tsv -o tty.tsv" /dev/null >tty.out 2>&1
	check "-o FILE from a terminal: written" test -s tty.tsv
	check_nogrep "and no password on the terminal" "$(col tty.tsv password | head -1)" tty.out
else
	ok "# skip no script(1) for a terminal"
fi
# reset -o FILE: the same for one person's slip
nb=$(batches)
check_exit "reset -o slip.tsv, under umask 000" 0 \
	bash -c "umask 000; $(printf '%q ' "$TEMPASS_BIN") --config '$T/pipeline.conf' reset --admin demo --password-file '$T/pw' -o slip.tsv '$u'"
check_eq "the slip is 0600" "$(stat -c %a slip.tsv)" 600
check_exit "its password verifies" 0 sh -c "printf '%s\n' '$(col slip.tsv password)' | $(printf '%q ' "$TEMPASS_BIN") --config '$T/pipeline.conf' verify '$u'"
check_exit "the same name again: refused" 73 tp reset --admin demo --password-file "$T/pw" -o slip.tsv "$u"
check_eq "before any batch" "$(batches)" "$((nb + 1))"
check_exit "--force replaces it" 0 tp reset --admin demo --password-file "$T/pw" -o slip.tsv --force "$u"
check_eq "with a new batch" "$(batches)" "$((nb + 2))"
check_nogrep "README sends no password to a file with '>'" \
	'tempass \(regenerate\|reset\).*> *[a-z0-9-]*\.tsv' "$ROOT/README.md"
check_exit "the audit chain verifies after the batches" 0 tp audit verify
check_eq "one current credential per user" \
	"$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0

# ---- progress: shown on a terminal for slow work whatever its count,
# never in a pipe nor in a file. Passwords kept as Argon2id hashes at
# three times the passes pipeline.conf uses: 62 of them, one thread, take
# seconds even on a quiet fast machine (progress is shown for work on
# course to take over a second; at pipeline.conf's cost they can take less).
sed -e 's/^reveal *=.*/reveal = no/' -e 's/^argon2_ops *=.*/argon2_ops = 6/' \
    -e 's/^argon2_mem_kib *=.*/argon2_mem_kib = 19456/' fresh/pipeline.conf >fresh/hash.conf
th() { "$TEMPASS_BIN" --config fresh/hash.conf --jobs 1 "$@"; }
th admin add demo --site oakfield --password-file "$T/pw" >/dev/null 2>&1
th select --group 'Year 7' >fresh/sel.tsv 2>/dev/null
n7=$(($(wc -l <fresh/sel.tsv) - 1))
if command -v script >/dev/null; then
	# stdout a pipe, stderr the terminal: the data stays clean.
	script -qec "$(printf '%q ' "$TEMPASS_BIN") --config fresh/hash.conf --jobs 1 regenerate --password-file $T/pw --yes --input fresh/sel.tsv | cat >fresh/h2.tsv" /dev/null >prog2.tty 2>&1
	check_grep "a terminal shows the hashing's progress" "hashing \[.*\] *[0-9]*% ([0-9]*/$n7)" prog2.tty
	check_grep "to its end" "100% ($n7/$n7)" prog2.tty
	check_nogrep "and none in the pipe" "hashing" fresh/h2.tsv
	check_eq "whose records are whole" "$(col fresh/h2.tsv password | grep -c .)" "$n7"
else
	ok "# skip no script(1) for a terminal"
fi
th regenerate --password-file "$T/pw" --yes --input fresh/sel.tsv >fresh/h3.tsv 2>prog.err
check_eq "stderr in a file: the same work" "$?" 0
check_nogrep "shows no progress" "hashing" prog.err
check_eq "both batches are in the store" "$(sql_in fresh/pipeline.conf 'select count(*) from batch')" \
	"$(command -v script >/dev/null && echo 2 || echo 1)"
check_exit "its audit chain verifies" 0 th audit verify
