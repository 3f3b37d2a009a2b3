# dryrun: import --dry-run lists, a record a person, who would be added,
# updated, moved (from, to) and marked as left, then says the counts on
# stderr; it changes nothing, and the real import then does what it listed.
. "$(dirname "$0")/../lib.sh"
write_conf

check_exit "the sample roster imported" 0 tp import
S=$ROOT/samples/students.csv
# The next September's file: 003932 moves from 7A to 7B, 003931 is renamed,
# 003934 is missing (a leaver), one new pupil joins.
{
	head -1 "$S"
	grep -v '^003934,' "$S" | tail -n +2 |
		sed -e '/^003932,/s/,7A,/,7B,/' -e '/^003931,/s/,Elijah,/,Eli,/'
	echo '009999,Q000000000001,Zoë,Newton,01/01/2015,F,Year 7,7C,,'
} >next.csv

sum() { sha256sum var/tempass.db | cut -d' ' -f1; }
before=$(sum)
check_exit "a dry run of the next file" 0 tp import --dry-run next.csv
cp "$T/.out" plan.tsv
cp "$T/.err" plan.err
check_eq "the store is unchanged" "$(sum)" "$before"
check_eq "the list's header" "$(head -1 plan.tsv)" \
	"$(printf 'action\texternal_id\tusername\tforename\tsurname\tfrom\tto\tchange')"
check_eq "a record for each of the four people, none for the unchanged" \
	"$(tail -n +2 plan.tsv | cut -f1,2 | sort | tr '\t\n' ': ')" \
	"add:009999 leave:003934 move:003932 update:003931 "
check_eq "the move says from and to" \
	"$(awk -F'\t' '$1 == "move" { print $3 "|" $6 "|" $7 }' plan.tsv)" "jferreira|7A|7B"
check_eq "the new pupil, with the username they would get and their groups" \
	"$(awk -F'\t' '$1 == "add" { print $3 "|" $4 "|" $5 "|" $7 }' plan.tsv)" "znewton|Zoë|Newton|Year 7, 7C"
check_eq "the update says what changes" \
	"$(awk -F'\t' '$1 == "update" { print $3 "|" $4 "|" $8 }' plan.tsv)" "eedwards|Eli|name"
check_eq "the leaver, with the groups they leave" \
	"$(awk -F'\t' '$1 == "leave" { print $3 "|" $6 }' plan.tsv)" "dhayes|Year 7, 7A"
check_grep "the counts follow on stderr, in the conditional" \
	"^dry run: would add 1, update 1, move 1, mark 1 left; 297 unchanged, 0 rejected$" plan.err
check_nogrep "and not in the list" "dry run" plan.tsv

# The import then does what the dry run listed.
check_exit "the real import" 0 tp import next.csv
check_grep "with the same counts" "^1 added, 1 updated, 1 moved, 1 left, 297 unchanged" "$T/.out"
check_eq "the new pupil got the listed username" \
	"$(sql "select username from user where external_id = '009999'")" znewton
check_eq "the mover is in 7B only" \
	"$(sql "select group_concat(g.name, ',') from membership m join grp g on g.id = m.group_id join user u on u.id = m.user_id where u.external_id = '003932' and g.name like '7%'")" 7B
check_eq "the leaver is marked as left" \
	"$(sql "select status from user where external_id = '003934'")" left
check_exit "the audit chain verifies" 0 tp audit verify

# The same file again: nothing would change, the list is its header.
check_exit "a dry run with nothing to do" 0 tp import --dry-run next.csv
check_eq "lists nobody" "$(wc -l <"$T/.out")" 1
check_grep "and says so" "^dry run: would add 0, update 0, move 0, mark 0 left; 300 unchanged" "$T/.err"

# A returning pupil is an update that says so.
check_exit "the leaver's row back: a dry run" 0 tp import --dry-run "$S" --allow-leavers
check_eq "returning is listed" \
	"$(awk -F'\t' '$2 == "003934" { print $1 "|" $7 "|" $8 }' "$T/.out")" "update||returned"

# Formats: a table on a terminal, ndjson and csv when asked.
if command -v script >/dev/null; then
	script -qec "$TEMPASS_BIN --config $T/pipeline.conf import --dry-run next.csv" /dev/null >tty.out 2>&1
	check_grep "a table on a terminal" "^action  *external_id  *username  *forename" tty.out
	check_nogrep "with no tab in it" "$(printf '\t')" tty.out
else
	ok "# skip no script(1) for a terminal"
fi
sed '/^003931,/s/,Eli,/,Elias,/' next.csv >ren.csv
check_exit "--format ndjson" 0 tp import --dry-run --format ndjson ren.csv
check_eq "one JSON object a person" "$("$PYTHON" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(len(rows), rows[0]["action"], rows[0]["external_id"], rows[0]["change"])' "$T/.out")" "1 update 003931 name"
check_exit "--format without --dry-run is a usage error" 64 tp import --format tsv next.csv

# A dry run that would be refused lists nobody: nothing would happen.
{ head -1 "$S"; tail -n +2 "$S" | head -20; } >short.csv
check_exit "too many leavers: refused" 65 tp import --dry-run short.csv
check_eq "no list" "$(wc -c <"$T/.out")" 0
check_grep "the refusal says why" "as left (.*more than leaver_threshold" "$T/.err"
check_eq "the store is still as the import left it" \
	"$(sql "select count(*) from user where status = 'left'")" 1
