# names_lib.sh: names in many scripts (tests/fixtures/names.csv) made into a
# record stream with fixed passwords, for tests that read or render PDFs.
# Sourced after lib.sh by bidi.sh and visual.sh.

# names_stream OUT: the names imported, admin 'demo' added, a batch of
# Year 7 made (at lib.sh's fixed TEMPASS_NOW), and its stream written to
# OUT with each password replaced by "pass-" and the external id, so the
# pages are the same on every run; each step checked.
names_stream() {
	write_conf
	check_exit "import the names" 0 tp import --roster students \
		"$ROOT/tests/fixtures/names.csv"
	printf 'correct horse battery\n' >"$T/pw"
	chmod 600 "$T/pw"
	check_exit "admin added" 0 tp admin add demo --site oakfield \
		--password-file "$T/pw"
	tp select --group 'Year 7' >"$T/names-sel.tsv" 2>/dev/null
	check_exit "a batch for the names" 0 tp regenerate \
		--password-file "$T/pw" --yes --input "$T/names-sel.tsv"
	awk -F'\t' 'BEGIN { OFS = "\t" }
		NR == 1 { for (i = 1; i <= NF; i++) {
				if ($i == "password") p = i
				if ($i == "external_id") x = i }
			  print; next }
		{ $p = "pass-" $x; print }' "$T/.out" >"$1"
	check_eq "every name has a fixed password" \
		"$(col "$1" password | grep -c '^pass-2000')" \
		"$(($(wc -l <"$ROOT/tests/fixtures/names.csv") - 1))"
}
