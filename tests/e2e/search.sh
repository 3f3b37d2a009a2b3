# search: users, groups and unclaimed find people whatever the case, the
# accents and the script their names are written in, as their usernames
# are transliterated: 'lukasz', 'Łukasz' and 'ŁUKASZ' find the same pupils,
# 'çelik' finds Çelik, 'σοφία' and 'sofia' find Σοφία, 'дмитрий' finds
# Дмитрий. A search that matches nobody lists nobody.
. "$(dirname "$0")/../lib.sh"
write_conf

cat >r.csv <<'EOF'
Adno,UPN,Forename,Surname,DOB,Gender,Year,Reg,Email,Email Verified
000001,A000000000001,Łukasz,Wiśniewski,01/09/2014,M,Year 7,7A,,
000002,A000000000002,ŁUKASZ,ZIELIŃSKI,02/09/2014,M,Year 7,7B,,
000003,A000000000003,Lukasz,Smith,03/09/2014,M,Year 7,7A,,
000004,A000000000004,Ayşe,Çelik,04/09/2014,F,Year 7,7A,,
000005,A000000000005,Jürgen,Müller,05/09/2014,M,Year 7,7B,,
000006,A000000000006,Zoë,Lefèvre,06/09/2014,F,Year 7,7B,,
000007,A000000000007,Σοφία,Παπαδοπούλου,07/09/2014,F,Year 7,7A,,
000008,A000000000008,Дмитрий,Иванов,08/09/2014,M,Year 7,7B,,
000009,A000000000009,İsmail,Öztürk,09/09/2014,M,Year 7,7A,,
000010,A000000000010,Ben,Other,10/09/2014,M,Year 7,7B,,
EOF
check_exit "import names in several scripts" 0 tp import r.csv

# found STAGE TEXT: the surnames STAGE --search TEXT lists, sorted, on one line.
found() {
	tp "$1" --search "$2" --format tsv 2>/dev/null | col /dev/stdin surname | sort | tr '\n' ' '
}
for q in lukasz Łukasz ŁUKASZ łukasz LUKASZ; do
	check_eq "users --search '$q' finds every Lukasz" "$(found users "$q")" "Smith Wiśniewski ZIELIŃSKI "
done
for q in çelik Çelik CELIK celik ÇELİK; do
	check_eq "users --search '$q' finds Çelik" "$(found users "$q")" "Çelik "
done
for q in müller Muller MÜLLER; do
	check_eq "users --search '$q' finds Müller" "$(found users "$q")" "Müller "
done
check_eq "users --search 'lefevre' finds Lefèvre" "$(found users lefevre)" "Lefèvre "
check_eq "users --search 'zoe lef' finds Zoë Lefèvre by her whole name" "$(found users 'zoe lef')" "Lefèvre "
for q in σοφία ΣΟΦΙΑ sofia; do
	check_eq "users --search '$q' finds Σοφία" "$(found users "$q")" "Παπαδοπούλου "
done
for q in дмитрий ДМИТРИЙ иванов ivanov; do
	check_eq "users --search '$q' finds Дмитрий Иванов" "$(found users "$q")" "Иванов "
done
for q in ismail İSMAİL öztürk OZTURK; do
	check_eq "users --search '$q' finds İsmail Öztürk" "$(found users "$q")" "Öztürk "
done
check_eq "a search that matches nobody lists nobody" "$(found users xyzzy)" ""
check_eq "the search still finds by external id" "$(found users 000005)" "Müller "

# groups: the same folding
check_eq "groups --search '7a' finds 7A" \
	"$(tp groups --search 7a --format tsv | col /dev/stdin name)" 7A
check_eq "groups --search 'YEAR' finds Year 7" \
	"$(tp groups --search YEAR --format tsv | col /dev/stdin name)" "Year 7"

# unclaimed: after a batch, the same people are found
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
tp select --group 'Year 7' >sel.tsv 2>/dev/null
check_exit "a batch for Year 7" 0 tp regenerate --admin demo --password-file pw --yes --input sel.tsv
for q in lukasz ŁUKASZ; do
	check_eq "unclaimed --search '$q' finds every Lukasz" "$(found unclaimed "$q")" "Smith Wiśniewski ZIELIŃSKI "
done
check_eq "unclaimed --search 'çelik' finds Çelik" "$(found unclaimed çelik)" "Çelik "
check_eq "unclaimed --search 'Σοφία' finds her" "$(found unclaimed Σοφία)" "Παπαδοπούλου "
check_exit "the audit chain verifies" 0 tp audit verify
