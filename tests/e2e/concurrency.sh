# concurrency: two regenerations started together on overlapping groups must
# both finish with their own versions and leave every user with exactly one
# current password, the one of the batch that committed last.
. "$(dirname "$0")/../lib.sh"
write_conf

verify() { printf '%s\n' "$2" | tp verify "$1" 2>/dev/null; }

check_exit "import the sample roster" 0 tp import
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
# Year 7 and Year 8 against 7A, 8A and Year 9: 7A and 8A are in both.
tp select --group 'Year 7' --group 'Year 8' >one.tsv 2>/dev/null
tp select --group 7A --group 8A --group 'Year 9' >two.tsv 2>/dev/null
both=$(comm -12 <(col one.tsv username | sort) <(col two.tsv username | sort))
check "the two selections overlap" test -n "$both"
users=$(sort -u <(col one.tsv username) <(col two.tsv username) | wc -l)

rounds=5
for round in $(seq 1 $rounds); do
	tp regenerate --admin demo --password-file pw --yes --input one.tsv >o1.tsv 2>e1 &
	p1=$!
	tp regenerate --admin demo --password-file pw --yes --input two.tsv >o2.tsv 2>e2 &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	check_eq "round $round: both finish" "$r1 $r2" "0 0"
	[ "$r1 $r2" = "0 0" ] || { sed 's/^/   | /' e1 e2; continue; }
	v1=$(col o1.tsv version | sort -u) v2=$(col o2.tsv version | sort -u)
	check "round $round: distinct versions ($v1, $v2)" \
		test -n "$v1" -a -n "$v2" -a "$v1" != "$v2"
	check_eq "round $round: the two are the newest batches" \
	  "$(printf '%s\n' "$v1" "$v2" | sort -n | tr '\n' ,)" "$((2 * round - 1)),$((2 * round)),"
	check_eq "round $round: each output is complete" \
	  "$(($(wc -l <o1.tsv) - 1)) $(($(wc -l <o2.tsv) - 1))" \
	  "$(($(wc -l <one.tsv) - 1)) $(($(wc -l <two.tsv) - 1))"
	check_eq "round $round: each batch holds its output's credentials" \
	  "$(sql "select group_concat(n) from (select count(*) n from credential c join batch b on b.id = c.batch_id where b.version in ($v1, $v2) group by b.version order by b.version = $v2)")" \
	  "$(($(wc -l <o1.tsv) - 1)),$(($(wc -l <o2.tsv) - 1))"
	check_eq "round $round: no user with two current credentials" \
	  "$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0
	check_eq "round $round: every user picked has one current credential" \
	  "$(sql "select count(distinct user_id) from credential where state = 'current'")" "$users"
	# The later batch wins for the users in both.
	if [ "$v1" -gt "$v2" ]; then late=o1.tsv early=o2.tsv lv=$v1; else late=o2.tsv early=o1.tsv lv=$v2; fi
	check_eq "round $round: the shared users' current password is the later batch's" \
	  "$(sql "select count(*) from credential c join batch b on b.id = c.batch_id join user u on u.id = c.user_id where c.state = 'current' and b.version = $lv and u.username in ($(printf "'%s'," $both)'')")" \
	  "$(printf '%s\n' $both | wc -l)"
	u=$(printf '%s\n' $both | head -1)
	verify "$u" "$(awk -F'\t' -v u="$u" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") p = i; next } $1 == u { print $p }' "$late")"
	check_eq "round $round: the later password of a shared user works" $? 0
	verify "$u" "$(awk -F'\t' -v u="$u" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "password") p = i; next } $1 == u { print $p }' "$early")"
	check_eq "round $round: the earlier one is void" $? 77
done
check_eq "no credential lost: batches' counts match their rows" \
  "$(sql "select count(*) from batch b where b.count != (select count(*) from credential c where c.batch_id = b.id)")" 0
check_eq "versions 1 to $((2 * rounds)), no gap or double" \
  "$(sql "select group_concat(version) from (select version from batch order by version)")" \
  "$(seq -s, 1 $((2 * rounds)))"
check_exit "the audit chain is intact" 0 tp audit verify
check_eq "one batch.create per batch" "$(tp audit --format tsv | awk -F'\t' '$4 == "batch.create"' | wc -l)" $((2 * rounds))
check_eq "integrity check of the database" "$(sql 'pragma integrity_check')" ok

# ---- two stages opening a database that does not exist yet (first run of
# two cron jobs): both must wait for each other, not fail as busy.
sed "s#^database *=.*#database = $T/fresh/tempass.db#" pipeline.conf >fresh.conf
busy=0
for round in $(seq 1 10); do
	rm -rf fresh
	"$TEMPASS_BIN" --config fresh.conf batches >/dev/null 2>f1 &
	p1=$!
	"$TEMPASS_BIN" --config fresh.conf batches >/dev/null 2>f2 &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	[ "$r1 $r2" = "0 0" ] || { busy=$((busy + 1)); cat f1 f2 >fresh.err; }
done
check_eq "a fresh database opened by two stages at once: rounds failed" "$busy" 0
[ "$busy" -eq 0 ] || sed 's/^/   | /' fresh.err
check_eq "the fresh database ends in WAL mode" "$(sqlite3 fresh/tempass.db 'pragma journal_mode')" wal
