# policy: the password policy of each user type with its entropy, the
# passwords a regeneration makes under it, and a policy weaker than its own
# floor refused at start-up as a configuration error.
. "$(dirname "$0")/../lib.sh"
write_conf

row() { awk -F'\t' -v t="$2" '$1 == t' "$1"; }
# The student default: 2 words of the shipped list and 2 of 8 digits.
STUDENT_BITS=$(grep -cv '^#\|^$' "$ROOT/templates/words.txt" |
	awk '{ printf "%.1f", 2 * log($1) / log(2) + 2 * 3 }')

check_exit "policy on an empty store" 0 tp policy --format tsv
cp "$T/.out" p.tsv
check_eq "policy header" "$(head -1 p.tsv)" \
  "$(printf 'user_type\tstyle\tentropy_bits\tmin_entropy_bits\texpiry_days\texample')"
check_eq "student: words, entropy, floor, expiry" "$(row p.tsv student | cut -f2-5)" "$(printf 'words\t%s\t24\t28' "$STUDENT_BITS")"
check_eq "staff: random, entropy, floor, expiry" "$(row p.tsv staff | cut -f2-5)" "$(printf 'random\t70.1\t60\t28')"
check_eq "a student example looks like words-words-digits" \
  "$(row p.tsv student | cut -f6 | grep -cE '^[a-z]+-[a-z]+-[2-9]{2}$')" 1
check_eq "a staff example is 12 characters" "$(row p.tsv staff | cut -f6 | tr -d '\n' | wc -c)" 12
check_eq "a staff example has no look-alikes" "$(row p.tsv staff | cut -f6 | grep -c '[0O1lI|S5Z2B8G6]')" 0
tp policy --format tsv >p2.tsv
check "examples are fresh each time" test "$(row p.tsv student | cut -f6)$(row p.tsv staff | cut -f6)" != \
	"$(row p2.tsv student | cut -f6)$(row p2.tsv staff | cut -f6)"

# ---- what regeneration makes follows the policy
check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group 'Year 7' >sel.tsv 2>/dev/null
check_exit "regenerate Year 7" 0 tp regenerate --admin demo --password-file pw --yes --input sel.tsv
cp "$T/.out" b1.tsv
check_eq "every student password follows the words policy" \
  "$(col b1.tsv password | grep -cvE '^[a-z]+-[a-z]+-[2-9]{2}$')" 0
check_eq "no password holds the user's own name" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "password") p = i; if ($i == "forename") f = i; if ($i == "surname") s = i }; next }
	length($f) >= 3 && $f ~ /^[A-Za-z]+$/ && index(tolower($p), tolower($f)) { n++ }
	length($s) >= 3 && $s ~ /^[A-Za-z]+$/ && index(tolower($p), tolower($s)) { n++ } END { print n + 0 }' b1.tsv)" 0

# ---- a [policy] section that changes the rules
cp pipeline.conf base.conf
printf '\n[policy student]\nstyle = random\nlength = 14\nexpiry_days = 7\nmin_entropy_bits = 60\n' >>pipeline.conf
check_exit "a configured random student policy" 0 tp policy --format tsv
check_eq "policy shows it" "$(row "$T/.out" student | cut -f2,4,5)" "$(printf 'random\t60\t7')"
check_eq "with more entropy than the default" \
  "$(row "$T/.out" student | cut -f3 | awk '{ print ($1 > 70.1) }')" 1
tp select --group 7A >a.tsv 2>/dev/null
check_exit "regenerate under it" 0 tp regenerate --admin demo --password-file pw --yes --input a.tsv
check_eq "the passwords are 14 characters" "$(col "$T/.out" password | awk 'length($0) != 14' | wc -l)" 0
check_eq "and expire in 7 days" "$(col "$T/.out" expires | sort -u)" 2026-09-10T08:14:00Z

# ---- a policy below its own floor is a configuration error at start-up
cp base.conf pipeline.conf
printf '\n[policy student]\nmin_entropy_bits = 40\n' >>pipeline.conf
check_exit "policy with a floor above its entropy: exit 78" 78 tp policy
check_grep "names the policy" "policy 'student'" "$T/.err"
check_grep "says the entropy and the floor" "$STUDENT_BITS bits is below" "$T/.err"
check_exit "every stage refuses to start (batches)" 78 tp batches
check_exit "regenerate refuses before reading anything" 78 tp regenerate --admin demo --password-file pw --yes --input a.tsv
check_eq "so no batch was made" "$(sql 'select count(*) from batch')" 2
check_exit "verify refuses to start too" 78 sh -c "echo x | '$TEMPASS_BIN' --config '$T/pipeline.conf' verify nobody"

cp base.conf pipeline.conf
printf '\n[policy staff]\nlength = 8\nmin_entropy_bits = 60\n' >>pipeline.conf
check_exit "a short staff policy: exit 78" 78 tp policy
check_grep "names the staff policy" "policy 'staff'" "$T/.err"

cp base.conf pipeline.conf
printf '\n[policy student]\nmin_entropy_bits = 20\n' >>pipeline.conf
check_exit "a floor below the entropy is fine" 0 tp policy --format tsv
check_eq "policy shows the floor" "$(row "$T/.out" student | cut -f3,4)" "$(printf '%s\t20' "$STUDENT_BITS")"

# ---- room for a password is sized by what its policy can make
cp base.conf pipeline.conf
printf 'mountainsideway\nwatercolourpens\nblackcurrantjam\nhazelnutbiscuit\n' >long-words.txt
sed -i "s#^words *=.*#words = $T/long-words.txt#" pipeline.conf
printf '\n[policy student]\nwords = 12\nseparator = ----\ndigits = 12\n' >>pipeline.conf
check_exit "a policy that can make passwords of 240 characters: exit 78" 78 \
	tp regenerate --admin demo --password-file pw --yes --input a.tsv
check_grep "says how long and the limit" "policy 'student' makes passwords of up to 240 characters; at most 159" "$T/.err"
check_eq "and no batch was made" "$(sql 'select count(*) from batch')" 2
printf '\n[policy student]\nwords = 8\n' >>pipeline.conf
check_exit "8 such words (164 characters at most) are refused too" 78 \
	tp regenerate --admin demo --password-file pw --yes --input a.tsv
printf '\n[policy student]\nwords = 7\n' >>pipeline.conf
check_exit "7 of them (145 at most) make a batch" 0 \
	tp regenerate --admin demo --password-file pw --yes --input a.tsv
check_eq "of passwords 145 characters long, the most the policy allows" \
	"$(col "$T/.out" password | awk '{ print length($0) }' | sort -u)" 145

cp base.conf pipeline.conf
printf '\n[policy student]\nstyle = pictures\n' >>pipeline.conf
check_exit "an unknown style: exit 78" 78 tp policy
check_grep "names the key" "style: 'pictures' is not words or random" "$T/.err"
