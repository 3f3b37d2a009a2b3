# cli: a tool that forgives typing. A mistyped stage or option names the
# nearest one; -h and `tempass help STAGE` print the stage's help; --site
# is the same before and after the stage's name; `admin add` without
# --site grants the default site; and no help text or hint names an option
# its stage does not take.
. "$(dirname "$0")/../lib.sh"
write_conf

# ---- did you mean
check_exit "a mistyped stage is a usage error" 64 tp improt
check_eq "which names the stage meant" "$(head -1 "$T/.err")" \
  "tempass: 'improt' is not a stage; did you mean 'import'?"
check_exit "a stage typed in capitals" 64 tp IMPORT
check_grep "names it in lower case" "did you mean 'import'?" "$T/.err"
check_exit "a word nothing like a stage" 64 tp zzzzzz
check_nogrep "gets no guess" "did you mean" "$T/.err"
check_exit "a mistyped long option is a usage error" 64 tp emit pdf --per-grup
check_eq "which names the option meant" "$(head -1 "$T/.err")" \
  "tempass: emit: unknown option '--per-grup' (did you mean '--per-group'?)"
check_exit "a mistyped option with its value" 64 tp import --rosetr=pupils
check_grep "names the option without the value" \
  "unknown option '--rosetr' (did you mean '--roster'?)" "$T/.err"
check_exit "a mistyped global option" 64 "$TEMPASS_BIN" --confg x users
check_grep "names the global option meant" \
  "unknown option '--confg' (did you mean '--config'?)" "$T/.err"
check_exit "an ambiguous prefix" 64 tp groups --p 2
check_grep "lists what it could be" \
  "option '--p' is ambiguous: --page, --per-page" "$T/.err"
check_exit "a single-valued option given twice" 64 \
  tp users --format tsv --format csv
check_grep "says so" "option '--format' is given twice" "$T/.err"

# ---- help
"$TEMPASS_BIN" import --help >want.txt
check_exit "tempass help STAGE" 0 tp help import
check "prints the stage's help" cmp -s "$T/.out" want.txt
check_exit "STAGE -h" 0 tp import -h
check "prints the same help" cmp -s "$T/.out" want.txt
"$TEMPASS_BIN" --help >list.txt
check_exit "tempass help" 0 tp help
check "prints the list of stages" cmp -s "$T/.out" list.txt
check_exit "tempass -h" 0 "$TEMPASS_BIN" -h
check "prints the list too" cmp -s "$T/.out" list.txt
check_exit "help for no stage" 64 tp help improt
check_grep "names the stage meant" "did you mean 'import'?" "$T/.err"
check_exit "help for two stages" 64 tp help import emit
differ=
for s in $(awk '/^Stages:/ { on = 1; next } on { print $1 }' list.txt); do
	"$TEMPASS_BIN" "$s" --help >want.txt
	"$TEMPASS_BIN" help "$s" >got.txt 2>&1
	cmp -s got.txt want.txt || differ="$differ $s"
done
check_eq "help STAGE is STAGE --help for every stage" "$differ" ""

# ---- --site before and after the stage
check_exit "import at the default site" 0 tp import
check_exit "import at northgate, --site after the stage" 0 \
  tp import --site northgate
tp --site northgate users --format tsv >before.tsv
check_exit "users --site after the stage" 0 tp users --site northgate --format tsv
check "lists the same users as --site before it" cmp -s "$T/.out" before.tsv
check_eq "which are northgate's: one site's users, not both" \
  "$(($(wc -l <before.tsv) - 1))" \
  "$(sql "select count(*) from user u join site s on s.id = u.site_id where s.code = 'northgate'")"
check_exit "an unknown site after the stage" 78 tp users --site nowhere
check_grep "is named as not configured" "site 'nowhere' is not configured" "$T/.err"
check_exit "two different sites, before and after" 64 \
  tp --site oakfield users --site northgate
check_grep "is a conflict" "--site 'northgate' differs from --site 'oakfield'" "$T/.err"
check_exit "the same site before and after" 0 \
  tp --site northgate users --site northgate --format tsv
check "is no conflict" cmp -s "$T/.out" before.tsv

# ---- admin add and its sites
printf 'correct horse battery\n' >pw
chmod 600 pw
sites_of() { tp admin list --format tsv | awk -F'\t' -v n="$1" '$1 == n { print $2 }'; }
check_exit "admin add without --site" 0 tp admin add plain --password-file pw
check_eq "grants the default site" "$(sites_of plain)" oakfield
check_exit "admin add under a global --site" 0 \
  tp --site northgate admin add north --password-file pw
check_eq "grants that site" "$(sites_of north)" northgate
check_exit "admin add with --site twice" 0 \
  tp admin add both --site oakfield --site northgate --password-file pw
check_eq "grants both" "$(sites_of both | tr -d ' ' | tr , '\n' | sort | paste -sd,)" \
  "northgate,oakfield"
check_exit "a global --site not among those after the stage" 64 \
  tp --site northgate admin add odd --site oakfield --password-file pw
check_eq "adds no admin" "$(sql "select count(*) from admin where name = 'odd'")" 0
check_exit "the audit chain holds" 0 tp audit verify

# ---- every option a text names is one its stage takes
# takes STAGE OPTION: the stage accepts --OPTION (a global one counts).
# Nothing runs: the parse stops at --OPTION=x (a flag, or a number) or at
# the unknown option after it.
takes() {
	case $2 in config|site|jobs|help|version) return 0 ;; esac
	"$TEMPASS_BIN" --config "$T/pipeline.conf" "$1" "--$2=x" --zzqq \
		>/dev/null 2>opt.err </dev/null
	[ $? -eq 64 ] && ! grep -q -E -e "(unknown|ambiguous) option '--$2['=]" \
		-e "option '--$2' is ambiguous" opt.err
}
# options STAGE FILE: "STAGE OPTION" for each --OPTION that FILE (the
# stage's help, source, or engine file of the same name) names, C strings
# split over lines joined; one named after 'tempass OTHER' is OTHER's.
options() {
	sed -z 's/"\n[[:space:]]*"//g' "$2" |
		grep -o -E "(tempass [a-z]+)?[^-a-z]--[a-z][a-z-]+" |
		sed -E "s/^tempass ([a-z]+)[^-a-z]--/\1 /; t; s/^.*--/$1 /"
}
bad=0
for s in $(awk '/^Stages:/ { on = 1; next } on { print $1 }' list.txt); do
	"$TEMPASS_BIN" "$s" --help >"help-$s.txt"
	{ options "$s" "help-$s.txt"; options "$s" "$ROOT/stages/$s.c"
	  [ ! -f "$ROOT/engine/$s.c" ] || options "$s" "$ROOT/engine/$s.c"; } |
		sort -u >"named-$s.txt"
	while read -r stage opt; do
		if ! takes "$stage" "$opt"; then
			notok "$s names --$opt, which $stage does not take"
			bad=1
		fi
	done <"named-$s.txt"
done
check_eq "every option named in a help text or a stage's hint exists" "$bad" 0
check_grep "the scan finds options in help texts" "^emit per-group$" named-emit.txt
check_grep "and in hints naming another stage" "^groups search$" named-groups.txt
lacks() { ! takes "$@"; }
check "the probe refuses an option a stage lacks" lacks admin yes
check "and takes one it has" takes admin password-file

# A hint printed when there is no terminal names options of that stage.
sel() { tp select --group 7A 2>/dev/null; }
hint_ok() {
	local stage=$1 opt
	for opt in $(grep -o -E -- "--[a-z][a-z-]*" "$T/.err" | sed 's/^--//' | sort -u); do
		takes "$stage" "$opt" || { notok "$stage's hint names --$opt"; return 1; }
	done
	ok "$stage's hint names only its own options"
}
check_exit "admin add with no terminal" 64 setsid -w "$TEMPASS_BIN" \
  --config "$T/pipeline.conf" admin add tty --site oakfield </dev/null
check_grep "says there is no terminal" "no terminal to ask on" "$T/.err"
hint_ok admin
sel >sel.tsv
check_exit "regenerate with no terminal to confirm on" 64 setsid -w "$TEMPASS_BIN" \
  --config "$T/pipeline.conf" regenerate --admin plain --password-file pw \
  --input sel.tsv </dev/null
check_grep "says there is no terminal" "no terminal to ask on" "$T/.err"
hint_ok regenerate
check_eq "and makes no batch" "$(sql 'select count(*) from batch')" 0
