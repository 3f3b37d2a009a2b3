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
check_exit "a UTF-16 roster imported into a new store" 0 "$TEMPASS_BIN" --config fresh/pipeline.conf import r-UTF-16LE.csv
check_grep "all of it" "^300 added, 0 updated, 0 moved, 0 left, 0 unchanged, 0 rejected" "$T/.out"
check_eq "names as they were written" \
	"$(sqlite3 fresh/var/tempass.db "select forename || ' ' || surname from user where external_id = '003925'")" "Ahmet Çelik"
check_eq "the same users as from the UTF-8 file" \
	"$(sqlite3 fresh/var/tempass.db 'select external_id, username, forename, surname, dob from user order by 1' | sha256sum)" \
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
