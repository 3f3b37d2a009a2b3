# outputs: where emit may write. An output path that exists and is not a
# regular file (a device, a fifo, a socket, a folder, a symbolic link to
# any of these or to a regular file) is refused whatever the flags, with
# nothing created; "-o -" is standard output under the stream's terminal
# rule; --per-group makes every group's file name safe and short before it
# writes any.
. "$(dirname "$0")/../lib.sh"
write_conf

sample_batch b.tsv

# ==== Names that are not regular files are never replaced
# The device is a null device of the test's own (mknod, as root): a
# tempass that replaced devices must not take the system's /dev/null.
devs=()
if mknod nulldev c 1 3 2>/dev/null; then
	devs=(nulldev)
else
	ok "# SKIP a device node of our own: mknod needs root"
fi
mkfifo fifo
mkdir adir
ln -s "${devs[0]:-/dev/null}" null-link
echo keep >regular.csv
ln -s regular.csv reg-link
ln -s fifo fifo-link
"${PYTHON:-/usr/bin/python3}" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' sock
# snapshot: what the names look like (type, size, target).
snapshot() {
	{ stat -c '%F %s %N' "${devs[@]}" fifo adir null-link regular.csv reg-link fifo-link sock
	  ls -A adir; } 2>&1
}
before=$(snapshot)
for target in "${devs[@]}" fifo adir null-link reg-link fifo-link sock; do
	for fmt in csv pdf; do
		for force in "" --force; do
			check_exit "emit $fmt $force -o $target: refused (exit 73)" 73 \
				tp emit "$fmt" $force --input b.tsv -o "$target"
			check_grep "emit $fmt $force -o $target: says it is not a regular file" \
				"^tempass: emit: '$target': is .*, not a regular file: refusing to replace it" "$T/.err"
		done
	done
done
check_exit "a symlink to a regular file: refused with --force too" 73 tp emit csv --force --input b.tsv -o reg-link
check_grep "and the message says it is not written through" "symbolic link, not a regular file: refusing to replace it or write through it" "$T/.err"
check_eq "the device, the fifo, the folder, the links, the socket and the file behind the link are as they were" \
	"$(snapshot)" "$before"
check_eq "no temporary or other file was created" "$(ls -A | grep -c '\.tmp')" 0
check_eq "the file behind the link still holds what it held" "$(cat regular.csv)" keep
check_exit "a regular file is still replaced with --force" 0 tp emit csv --force --input b.tsv -o regular.csv
check_eq "and holds the batch's passwords" "$(grep -cFf <(col b.tsv password) regular.csv)" "$(col b.tsv password | wc -l)"

# ==== -o - is standard output
tp emit tsv --input b.tsv -o - 2>"$T/.err" | cat >stdout.tsv
check_eq "emit tsv -o - into a pipe: the stream on standard output" "$(cat stdout.tsv)" "$(tp emit tsv --input b.tsv 2>/dev/null)"
check_eq "and no file named '-'" "$(ls -A | grep -cx -- -)" 0
check_eq "csv -o - holds every password" "$(tp emit csv --input b.tsv -o - 2>/dev/null | grep -cFf <(col b.tsv password))" "$(col b.tsv password | wc -l)"
check_exit "emit pdf -o -: a usage error" 64 tp emit pdf --input b.tsv -o -
check_grep "which says what goes to standard output" "only csv, tsv, ndjson and ldif go to standard output" "$T/.err"
check_exit "emit csv --per-group -o -: a usage error" 64 tp emit csv --per-group --input b.tsv -o -
check_eq "no file named '-' after these" "$(ls -A | grep -cx -- -)" 0
if command -v script >/dev/null 2>&1; then
	script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit csv -o - --input '$T/b.tsv'" /dev/null </dev/null >tty.out 2>&1
	check_eq "emit csv -o - to a terminal: refused (exit 64)" $? 64
	check_grep "the refusal says why" "refusing to write passwords to a terminal" tty.out
	check_eq "no password reached the terminal" "$(grep -cFf <(col b.tsv password) tty.out)" 0
	script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit csv -o - --show --input '$T/b.tsv'" /dev/null </dev/null >tty.out 2>&1
	check_eq "emit csv -o - --show to a terminal: allowed" $? 0
	check_eq "--show printed every password" "$(tr -d '\r' <tty.out | grep -oFf <(col b.tsv password) | sort -u | wc -l)" "$(col b.tsv password | sort -u | wc -l)"
else
	ok "# SKIP terminal checks: 'script' (util-linux) is not installed"
fi
check_exit "the audit chain verifies" 0 tp audit verify

# ==== What the terminal shows is inert
# Rows whose fields quoted in the errors hold an escape sequence (clear
# the screen, set the window title), a bell, a line break that forges a
# message, a C1 control and a right-to-left override.
"${PYTHON:-/usr/bin/python3}" - "$ROOT/samples/students.csv" <<'EOF' >evil.csv
import sys
rows = open(sys.argv[1], encoding='utf-8-sig').read().split('\n')
bad = [
    '900001,Q1,Eve,Dawes,"1/1\x1b]0;pwned\x07/2014",F,Year 7,7A,,',
    '900002,Q2,Bob,Smith,"01/01\ntempass: import: 0 row(s) rejected/2014",M,Year 7,7A,,',
    '900003,Q3,Ann,Lee,"01/\x1b[2J\x1b[H01/2014",F,Year 7,7A,,',
    '900004,Q4,Zed,Ward,"\u009b31m01/01/2014",M,Year 7,7A,,',
    '900005,Q5,Ida,Moss,"\u202e4102/10/10",F,Year 7,7A,,',
    '900006,Q6,Kim,Hale,01/01/2014,F,Year 7,7A,"kim\x1b[8m@x",Yes',
]
print('\n'.join([r for r in rows if r] + bad), end='\n')
EOF
tp import --dry-run evil.csv >evil.out 2>evil.err
check_eq "import of rows with controls in their fields: exit 65" $? 65
# controls FILE: how many raw ESC, BEL, C1 and bidirectional controls FILE holds.
controls() { LC_ALL=C grep -caP '\x1b|\x07|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]' "$1"; }
check_eq "no raw escape, bell, C1 or bidi control on stderr" "$(controls evil.err)" 0
check_eq "each rejected row reported once, on a line of its own" \
	"$(grep -c '^tempass: import: evil\.csv:[0-9]*: ' evil.err)" 6
check_eq "every line on stderr is tempass's: none forged" \
	"$(grep -v '^dry run: would ' evil.err | grep -vc '^tempass: import: ') $(grep -c '^tempass: import: 0 row' evil.err)" "0 0"
check_grep "the escape is shown as text" "1/1\\\\x1b]0;pwned\\\\x07/2014" evil.err
check_grep "the line break is shown as \\n" "01/01\\\\ntempass: import: 0 row(s) rejected/2014" evil.err
check_grep "the override is shown as \\u202e" "\\\\u202e4102/10/10" evil.err
tp groups create $'evil\e[2J\a' >grp.out 2>grp.err
check_eq "a group name with controls: refused (exit 65)" $? 65
check_eq "its refusal holds no raw control" "$(controls grp.err)" 0
check_grep "and quotes the name inertly" "'evil\\\\x1b\[2J\\\\x07'" grp.err
"$TEMPASS_BIN" $'\e]0;x\a' >stage.out 2>stage.err
check_eq "a stage name with controls: refused (exit 64), inertly" "$? $(controls stage.err)" "64 0"
check_eq "nothing was imported by the dry run" "$(sql "select count(*) from user where external_id like '90000%'")" 0
check_exit "the audit chain verifies" 0 tp audit verify

# ==== --per-group: every name made safe and short before any is written
# Eight groups in the stream: one whose name is 300 bytes, others with
# slashes, dots, a control character and letters of other scripts.
long=$(printf 'Щука%.0s' $(seq 35))$(printf 'x%.0s' $(seq 20))
check_eq "a group name of 300 bytes" "$(printf %s "$long" | wc -c)" 300
awk -F'\t' -v OFS='\t' -v long="$long" '
	NR == 1 { for (i = 1; i <= NF; i++) if ($i == "group") g = i; print; next }
	{ split(long "|../../etc|7/A|a.b.c|\033red|Ωμέγα|" long "x|Year 7", n, "|")
	  $g = n[(NR - 2) % 8 + 1]; print }' b.tsv >g8.tsv
check_eq "eight groups in the stream" "$(col g8.tsv group | sort -u | wc -l)" 8
mkdir pg
tp emit csv --per-group -o pg --input g8.tsv >pg.out 2>pg.err
check_eq "emit csv --per-group with a 300-byte group name: exit 0" $? 0
check_eq "eight files, all in the folder" "$(ls pg | wc -l) $(wc -l <pg.out)" "8 8"
check_eq "no file name longer than 255 bytes" "$(ls pg | awk 'length($0) > 255' | wc -l)" 0
check_eq "every name is made of safe characters" "$(ls pg | grep -cvE '^oakfield-v[0-9]+-[a-z0-9-]+\.csv$')" 0
check_eq "every file is complete: each password once, in its group's file" \
	"$(for f in pg/*.csv; do tail -n +2 "$f"; done | grep -cFf <(col b.tsv password))" "$(col b.tsv password | wc -l)"
check_eq "the two long names that differ past the cut get a file each" \
	"$(ls pg | grep -c 'shchuka')" 2
# One name taken: refused before any file is written.
mkdir pg2
tp emit csv --per-group -o pg2 --input g8.tsv >/dev/null 2>&1
victim=$(ls pg2 | sed -n 5p)
rm pg2/*
echo keep >"pg2/$victim"
check_exit "--per-group with the fifth file's name taken: refused (exit 73)" 73 \
	tp emit csv --per-group -o pg2 --input g8.tsv
check_eq "before any file is written" "$(ls pg2)" "$victim"
check_eq "and the taken file is kept" "$(cat "pg2/$victim")" keep
