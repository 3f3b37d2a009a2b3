# grid: what a strip says is templates/strip.txt, a school's own lines
# printed on every strip; a template that names an unknown field, or
# prints the username or password twice or not at all, is a configuration
# error (exit 78) with its file and line, before any batch is made.
. "$(dirname "$0")/../lib.sh"
write_conf
cp pipeline.conf base.conf
# with_template FILE: base.conf with strip_template = FILE.
with_template() {
	sed "s#^strip_template = .*#strip_template = $1#" base.conf >pipeline.conf
}
# ptext PDF: its text, laid out.
ptext() { pdftotext -layout -enc UTF-8 "$1" - 2>/dev/null; }
# batches: how many batches the store holds.
batches() { sql "SELECT count(*) FROM batch"; }

sample_batch b1.tsv
n=$(($(wc -l <b1.tsv) - 1))

# ==== A school's own template: its lines on every strip
{ grep -v '^#' "$ROOT/templates/strip.txt"
  echo 'Log in at https://login.example.sch.uk'
  echo '{{forename}}, forgot your {{word:label.password}}? ask in room 12'
} >own.txt
with_template "$T/own.txt"
check_exit "emit pdf with a template of the school's" 0 tp emit pdf --input b1.tsv -o own.pdf
ptext own.pdf >own.pdf.txt
check_eq "its fixed line on every strip" "$(grep -c 'Log in at https://login.example.sch.uk' own.pdf.txt)" "$n"
check_eq "its words and fields filled on every strip" \
  "$(grep -c '^ *[^ ].*, forgot your password? ask in room 12' own.pdf.txt)" "$n"
check_eq "every password extracted exactly once" \
  "$(ptext own.pdf | tr -s ' \n' '\n' | grep -cxFf <(col b1.tsv password))" "$n"

# A template of its own wording, every field in it.
cat >fields.txt <<'T'
{{forename}} / {{surname}} / {{site}}
{{name}}
{{username}}
{{password}}
{{group}} · {{class}} · {{born}} · {{expires}} · {{batch}} · {{made}}
T
with_template "$T/fields.txt"
check_exit "every field a template can name" 0 tp emit pdf --input b1.tsv -o fields.pdf
ptext fields.pdf >fields.pdf.txt
first=$(col b1.tsv username | head -1)
fn=$(sql "SELECT forename FROM user WHERE username = '$first'")
check_grep "forename, surname and site" "$fn / .* / Oakfield Academy" fields.pdf.txt
check_grep "group, class, born, expires, batch and made" \
  "7A · 7A · born on the [0-9]*[a-z][a-z] · 1 October 2026 · batch v1 · generated 2026-09-03 08:14" fields.pdf.txt

# ==== Refused at start-up, with file and line, before any batch
nb=$(batches)
before=$(sql .dump | md5sum)
# bad NAME LINE... WANT: a template of the LINEs is exit 78 saying WANT.
bad() {
	local name=$1 want=${!#}
	printf '%s\n' "${@:2:$#-2}" >"bad-$name.txt"
	with_template "$T/bad-$name.txt"
	check_exit "$name: regenerate refuses, exit 78" 78 tp regenerate --password-file "$T/pw" --yes --input "$T/sel.tsv"
	check_grep "$name: says where and why" "$want" "$T/.err"
	check_exit "$name: run refuses too, exit 78" 78 tp run
}
bad unknown '{{name}}' '{{username}}' '{{password}}' 'Form {{form}}' \
  "bad-unknown.txt':4: unknown placeholder '{{form}}'"
bad word '{{username}}' '{{password}}' '{{word:label.pasword}}' \
  "bad-word.txt':3: '{{word:label.pasword}}' is not a word of the message files"
bad twice '{{username}}' '{{password}}' 'again {{password}}' \
  "bad-twice.txt':3: '{{password}}' again: a template prints it once"
bad same-line '{{username}}' '{{password}} {{password}}' \
  "bad-same-line.txt':2: '{{password}}' again"
bad no-password '{{name}}' '{{username}}' \
  "bad-no-password.txt': no '{{password}}': a template must print it"
bad no-username '# {{username}} in a comment is none' '{{password}}' \
  "bad-no-username.txt': no '{{username}}'"
bad unclosed '{{username}}' '{{password}}' 'Log in at {{site' \
  "bad-unclosed.txt':3: '{{' without a closing '}}'"
with_template "$T/none.txt"
check_exit "a template that does not exist: exit 78" 78 tp unclaimed
check_grep "names it" "none.txt': cannot open" "$T/.err"
check_eq "no batch was made" "$(batches)" "$nb"
check_eq "the store is as it was" "$(sql .dump | md5sum)" "$before"
cp base.conf pipeline.conf
check_exit "the audit chain verifies" 0 tp audit verify
check_eq "one current credential per user" \
  "$(sql "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1)")" 0
