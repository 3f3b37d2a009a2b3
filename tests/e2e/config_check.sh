# config_check: pipeline.conf is checked whole before any work starts.
# Every kind of mistake (an unknown section or key, a value out of range or
# of the wrong kind, a limit only the page layout knows, a [run] output or a
# font that does not exist) is exit 78 from any stage, before the store is
# created or changed. The ranges README's reference gives are the ones the
# program holds, read from README itself; '#' and ';' comments behave as it
# says.
. "$(dirname "$0")/../lib.sh"
write_conf
cp pipeline.conf base.conf

# dump: the store's content, or "none" while there is no database (on
# PostgreSQL, no tempass schema in the test's database).
made() { [ -e "$T/var/tempass.db" ]; }
[ "${TEMPASS_TEST_STORE:-}" = pg ] &&
	made() { [ -n "$(pg_sql -c "select to_regclass('tempass_schema')")" ]; }
dump() {
	if made; then sql .dump | md5sum; else echo none; fi
}
# with LINE...: pipeline.conf is base.conf with the LINEs appended (a
# "[section]" line starts a section; a section read again adds to it).
with() { { cat base.conf; printf '\n'; printf '%s\n' "$@"; } >pipeline.conf; }

# ---- before any store exists: a bad setting creates nothing
with '[output]' 'strips = 3x20'
check_exit "3x20 strips a page on a4: exit 78 from import" 78 tp import
check_grep "says what fits" "\[output\] strips 3x20: .* below the 11 pt that stays legible; the densest grid that fits on a4 paper is 3x12" "$T/.err"
check_eq "and no database was made" "$(dump)" none
check "nor any output folder" test ! -e "$T/out"

with '[run]' 'admin ='
check_exit "run without [run] admin: exit 78" 78 tp run
check_eq "before the store is made" "$(dump)" none

# ---- with a store: refused before it is touched
cp base.conf pipeline.conf
check_exit "import the sample roster" 0 tp import
mkdir -p "$T/var"
printf 'correct horse battery\n' >"$T/var/demo-admin.pw"
chmod 600 "$T/var/demo-admin.pw"
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file "$T/var/demo-admin.pw"
before=$(dump)

with '[output]' 'strips = 3x18'
check_exit "3x18 strips a page: run refuses, exit 78" 78 tp run
check_eq "no batch was made" "$(sql 'select count(*) from batch')" 0
check_eq "the store is as it was" "$(dump)" "$before"
check_eq "no list was written" "$(find "$T/out" -type f 2>/dev/null | wc -l)" 0

with '[output]' 'paper = letter' 'strips = 3x12'
check_exit "3x12 strips on letter: exit 78" 78 tp groups
check_grep "names the paper" "the densest grid that fits on letter paper is 3x11" "$T/.err"
with '[output]' 'paper = letter' 'strips = 3x11'
check_exit "3x11 strips on letter are fine" 0 tp groups
with '[output]' 'strips_per_page = 13'
check_exit "strips_per_page = 13, read as 1x13: exit 78" 78 tp groups
check_grep "deprecated, and read as a grid" "strips_per_page is deprecated: read as strips = 1x13" "$T/.err"
check_grep "a grid refused as any other" "\[output\] strips 1x13: " "$T/.err"

with '[run]' 'outputs = pdf-strips, leaflet, csv, csv'
check_exit "an output that does not exist: exit 78" 78 tp run
check_grep "names it" "\[run\] outputs: 'leaflet' is not pdf-strips" "$T/.err"
check_grep "and the one listed twice, in the same go" "'csv' is listed twice" "$T/.err"
check_exit "every stage refuses it (groups)" 78 tp groups

with '[output]' 'pdf_fonts = fonts/nosuch.ttf#1'
check_exit "a font that is not there: exit 78" 78 tp run
check_grep "names the font" "font '$T/fonts/nosuch.ttf'" "$T/.err"
check_eq "no batch was made" "$(sql 'select count(*) from batch')" 0
check_eq "the store is as it was" "$(dump)" "$before"

with '[output]' 'sort = group, surnme, forename'
check_exit "a sort column that is not one: exit 78 from run" 78 tp run
check_grep "names it, with the nearest" ":$(wc -l <pipeline.conf): sort: 'surnme' is not a column of the records (did you mean 'surname'?)" "$T/.err"
check_eq "no batch was made" "$(sql 'select count(*) from batch')" 0
check_eq "no list was written" "$(find "$T/out" -type f 2>/dev/null | wc -l)" 0
with '[output]' 'sort = group, zzzzzz'
check_exit "one like none: exit 78 from emit" 78 tp emit csv --input /dev/null
check_grep "named, with no guess" "sort: 'zzzzzz' is not a column of the records (group, surname, forename, ...)" "$T/.err"
with '[output]' 'sort = class, Surname , forename'
check_exit "names as the lists' columns: refused while misspelt in case" 78 tp groups
with '[output]' 'sort = class , surname,forename,username'
check_exit "and taken when spelt as the records spell them" 0 tp groups
check_eq "the store is as it was" "$(dump)" "$before"

with '[email]' 'from = it at oakfield'
check_exit "a sender that is no address: exit 78 from import" 78 tp import
check_grep "names it" "\[email\] from 'it at oakfield' is not an address" "$T/.err"

# An unknown key in each section, and an unknown section.
for sec in tempass site 'site northgate' store import 'roster students' \
	'policy student' output email run; do
	with "[$sec]" 'colour = blue'
	check_exit "[$sec] unknown key: exit 78" 78 tp run
	check_grep "[$sec] unknown key named with its line" ":$(wc -l <pipeline.conf): .*unknown key 'colour'" "$T/.err"
done
with '[printer]' 'colour = blue'
check_exit "an unknown section: exit 78" 78 tp run
check_grep "names it" "unknown section \[printer\]" "$T/.err"
check_eq "after all of them the store is as it was" "$(dump)" "$before"

# ---- README's ranges are the program's: for each numeric key README gives
# as "N to M", N and M are taken and N - 1 and M + 1 refused as out of range.
ranges() {
	awk -F'|' '/^## pipeline.conf reference/ { on = 1; next }
		on && /^## / { exit }
		on && /^\| / {
			s = $2; gsub(/[ `]/, "", s)
			if (s != "") sec = s
			if ($4 !~ /[0-9]+%? to [0-9]+%?/) next
			match($4, /[0-9]+%? to [0-9]+%?/)
			r = substr($4, RSTART, RLENGTH)
			split(r, b, / to /)
			n = split($3, k, /`/)
			for (i = 2; i <= n; i += 2) print sec, k[i], b[1], b[2]
		}' "$ROOT/README.md" |
	sed -e 's/^\[policyTYPE\]/[policystudent]/' \
	    -e 's/^\[rosterNAME\]/[rosterstudents]/'
}
check "README gives ranges" test "$(ranges | wc -l)" -ge 15
while read -r sec key lo hi; do
	sec=${sec/policy/policy } sec=${sec/roster/roster }
	pct=${lo//[0-9]/}
	lo=${lo%\%} hi=${hi%\%}
	for v in "$lo" "$hi"; do
		with "$sec" "$key = $v$pct"
		tp groups >/dev/null 2>"$T/.err"
		check_nogrep "$sec $key = $v$pct is in range" "$key: '$v$pct' is" "$T/.err"
	done
	for v in $((lo - 1)) $((hi + 1)); do
		with "$sec" "$key = $v$pct"
		check_exit "$sec $key = $v$pct is refused" 78 tp groups
		check_grep "$sec $key = $v$pct: said so" "$key: '$v$pct' is" "$T/.err"
	done
done < <(ranges)
check_eq "no probe touched the store" "$(dump)" "$before"

# ---- comments: ';' or '#' at the start, or after a value and a space
with '[site]' '  # a comment, indented' '; another' \
	'name = Oakfield Academy # the name on every list' \
	'[output]' 'strips_per_page = 9 ; nine' '[tempass]' 'jobs = 2	# tab'
check_exit "comments after values are comments" 0 tp groups
with '[site]' 'name = Oakfield#2 Academy ; a # inside a value stays'
check_exit "a # inside a value" 0 tp groups
check_eq "is part of the value" "$(sql "select name from site where code = 'oakfield'")" "Oakfield#2 Academy"
with '[site]' 'name = Oakfield Academy # comment'
check_exit "a # after a space" 0 tp groups
check_eq "starts a comment" "$(sql "select name from site where code = 'oakfield'")" "Oakfield Academy"
