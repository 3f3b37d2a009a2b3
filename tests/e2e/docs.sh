# docs: README.md and tempass.1 agree with the program. Every long option
# that `tempass --help` or a stage's --help names is in the man page (a
# stage's in that stage's entry) and in README (a stage's in its row of
# "Stages and their options"); every stage has both; the exit codes README and the man page list are
# exactly those the code returns (sysexits.h names, mapped to numbers).
. "$(dirname "$0")/../lib.sh"

README=$ROOT/README.md
MAN=$ROOT/tempass.1
# The man page's text as a reader sees it: no font escapes, plain hyphens.
sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$MAN" >man.txt

# long_opts: the long options named in standard input, once each.
long_opts() { grep -oE -- '(^|[^a-z0-9-])--[a-z][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u; }

# man_entry STAGE: the man page's entry for STAGE, from its .TP line to
# the next one that starts a stage (or the next section).
man_entry() {
	awk -v s="$1" '
		/^\.SH/ { on = 0 }
		prev == ".TP" && /^\.B / { on = ($2 == s) }
		on { print }
		{ prev = $0 }' man.txt
}

"$TEMPASS_BIN" --help >global.txt
stages=$(awk '/^Stages:/ { f = 1; next } f && NF { print $1 }' global.txt)
check "tempass --help lists the stages" test "$(echo "$stages" | wc -w)" -gt 10

# ==== Global options
sed -n '/^\.SH GLOBAL OPTIONS/,/^\.SH STAGES/p' man.txt >man-global.txt
missing=0
for o in $(long_opts <global.txt); do
	grep -q -- "$o\b" man-global.txt || { notok "tempass.1 GLOBAL OPTIONS lacks $o"; missing=1; }
	grep -q -- "$o\b" "$README" || { notok "README lacks the global option $o"; missing=1; }
done
[ "$missing" = 0 ] && ok "every global option of --help is in tempass.1 and README"

# ==== Each stage: its entry, its options
for s in $stages; do
	"$TEMPASS_BIN" "$s" --help >"help-$s.txt" 2>&1
	man_entry "$s" >"man-$s.txt"
	if [ ! -s "man-$s.txt" ]; then
		notok "tempass.1 has no entry for the stage $s"
		continue
	fi
	grep -q "tempass $s\b" "$README" || notok "README never shows 'tempass $s'"
	# README's row for the stage in "Stages and their options".
	sed -n '/^## Stages and their options/,/^## /p' "$README" |
		grep "^| \`$s\` |" >"readme-$s.txt"
	[ -s "readme-$s.txt" ] || notok "README's table of stages and options has no row for $s"
	missing=0
	for o in $(long_opts <"help-$s.txt"); do
		[ "$o" = --help ] && continue
		grep -q -- "$o\b" "man-$s.txt" || { notok "tempass.1 lacks $s $o"; missing=1; }
		grep -q -- "$o\b" "readme-$s.txt" || { notok "README lacks $s $o"; missing=1; }
	done
	[ "$missing" = 0 ] && ok "$s: every option of its --help is in tempass.1's entry and README"
done

# ==== Exit codes
# The numbers of the sysexits.h names the code uses, and 0.
used=$( { echo 0
	grep -rhoE '\bEX_[A-Z]+\b' "$ROOT"/tempass.c "$ROOT"/stages "$ROOT"/engine \
		"$ROOT"/core "$ROOT"/formats --include='*.c' --include='*.h' |
		sort -u | while read -r n; do
			awk -v n="$n" '$1 == "#define" && $2 == n { print $3 }' /usr/include/sysexits.h
		done; } | sort -n -u)
check "the code's exit codes are found" test "$(echo "$used" | wc -l)" -gt 5
# listed TEXT: the codes TEXT lists as "NN meaning", after ; or , or at the start.
listed() { tr '\n' ' ' | sed 's/^ *//' | grep -oE '(^|[;,] )[0-9]+ [A-Za-z]' | grep -oE '[0-9]+' | sort -n -u; }
readme_codes=$(sed -n '/^## Exit status/,/^## /p' "$README" | sed 1d | listed)
man_codes=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH SEE/p' man.txt | sed 1d | listed)
for doc in README tempass.1; do
	if [ "$doc" = README ]; then codes=$readme_codes; else codes=$man_codes; fi
	bad=0
	for c in $used; do
		echo "$codes" | grep -qx "$c" || { notok "$doc's exit status lacks $c, which the code returns"; bad=1; }
	done
	for c in $codes; do
		echo "$used" | grep -qx "$c" || { notok "$doc's exit status lists $c, which no code returns"; bad=1; }
	done
	[ "$bad" = 0 ] && ok "$doc's exit codes are the code's: $(echo $used)"
done

# ==== The checks themselves see what they check
check "emit's options are read from its --help" \
	test "$(long_opts <help-emit.txt | wc -l)" -ge 7
check "the man entry of emit is found, not the next one" \
	sh -c 'grep -q -- --per-group man-emit.txt && ! grep -q -- --retry-refused man-emit.txt'
check_eq "exit codes are read from a list such as README's" \
	"$(printf '0 success; 64 usage;\n65 bad data (rows); 74 I/O error\n' | listed | tr '\n' ' ')" \
	"0 64 65 74 "
