# sites: several schools of a trust in one store, each with its own
# pipeline.conf, roster and admin, regenerating at the same time. Every
# school's batch must succeed as its version 1, hold only its own users
# and leave one current credential per user; an admin of one school may
# not act on another. Then two processes per school on overlapping groups:
# each finishes or is refused as busy (75) having written nothing, never a
# half batch. Runs on the store the run selects (TEMPASS_TEST_STORE).
. "$(dirname "$0")/../lib.sh"
write_conf

schools="ash birch cedar damson"
n=300
printf 'correct horse battery\n' >pw
chmod 600 pw

# Each school: its own configuration (its [site] the default, the others
# further sites of the trust, its roster) on the one store, its roster
# imported and its admin granted it alone.
seed=1
for s in $schools; do
	{
		sed -e "s#^code = oakfield\$#code = $s#" \
		    -e "s#^name = Oakfield Academy\$#name = School $s#" \
		    -e "s#^file = .*/samples/students.csv\$#file = $T/$s.csv#" \
		    pipeline.conf
		for o in $schools; do
			[ "$o" = "$s" ] || printf '[site %s]\nname = School %s\n' "$o" "$o"
		done
	} >"$s.conf"
	"${PYTHON:-/usr/bin/python3}" "$ROOT/tests/gen_roster.py" "$n" \
		--seed "$seed" --groups 3 >"$s.csv"
	seed=$((seed + 1))
	check_exit "$s: its roster imported" 0 \
		"$TEMPASS_BIN" --config "$s.conf" import "$s.csv"
	check_exit "$s: its admin added, granted $s alone" 0 \
		"$TEMPASS_BIN" --config "$s.conf" admin add "admin-$s" \
		--password-file pw
	"$TEMPASS_BIN" --config "$s.conf" select --group 'Year 7' \
		--group 'Year 8' >"$s.sel" 2>/dev/null
	check "$s: a selection of Year 7 and Year 8" \
		test "$(($(wc -l <"$s.sel") - 1))" -gt 50
done

# regen SCHOOL ADMIN SELECTION OUT: a regeneration in the background.
regen() {
	"$TEMPASS_BIN" --config "$1.conf" regenerate --admin "$2" \
		--password-file pw --yes --input "$3" >"$4" 2>"$4.err" &
}

# store_whole WHEN EXT...: no batch holds a user of another school; every
# user of the selections (SCHOOL.EXT) has one current credential, and no
# one else any; the audit chain is intact.
store_whole() {
	local when=$1
	shift
	check_eq "$when: no batch holds a user of another school" \
	  "$(sql "select count(*) from credential c join batch b on b.id = c.batch_id join user u on u.id = c.user_id where u.site_id != b.site_id")" 0
	check_eq "$when: no user has two current credentials" \
	  "$(sql "select count(*) from (select user_id from credential where state = 'current' group by user_id having count(*) > 1)")" 0
	check_eq "$when: every user picked has one current credential" \
	  "$(sql "select count(distinct user_id) from credential where state = 'current'")" \
	  "$(picked "$@")"
	check_exit "$when: the audit chain is intact" 0 \
		"$TEMPASS_BIN" --config ash.conf audit verify
}

# picked EXT...: how many users the schools' selections (SCHOOL.EXT) hold.
picked() {
	local s e
	for s in $schools; do
		for e in "$@"; do col "$s.$e" username | sed "s/^/$s /"; done
	done | sort -u | wc -l
}

# ---- one process per school, all at once

pids=()
for s in $schools; do
	regen "$s" "admin-$s" "$s.sel" "$s.out"
	pids+=($!)
done
i=0
for s in $schools; do
	wait "${pids[$i]}"
	check_eq "$s: its regeneration at the same time as the others' succeeds" $? 0
	sed 's/^/   | /' "$s.out.err" | grep -v 'regenerated' | head -5
	i=$((i + 1))
done
for s in $schools; do
	check_eq "$s: its output holds its whole selection, as version 1" \
	  "$(col "$s.out" version | sort | uniq -c | awk '{ print $1 " " $2 }')" \
	  "$(($(wc -l <"$s.sel") - 1)) 1"
	check_eq "$s: its output holds only its own users" \
	  "$(col "$s.out" site | sort -u)" "School $s"
	check_eq "$s: its output's users are its selection's" \
	  "$(col "$s.out" username | sort | md5sum)" \
	  "$(col "$s.sel" username | sort | md5sum)"
	check_eq "$s: its one batch is its version 1, holding its selection" \
	  "$(sql "select group_concat(b.version || ':' || b.count || ':' || (select count(*) from credential c where c.batch_id = b.id)) from batch b join site s on s.id = b.site_id where s.code = '$s'")" \
	  "1:$(($(wc -l <"$s.sel") - 1)):$(($(wc -l <"$s.sel") - 1))"
done
store_whole "schools at once" sel

# An admin of one school may not regenerate another's: refused, nothing
# written, the refusal audited.
before=$(sql "select count(*) from batch")
check_exit "the admin of ash may not regenerate birch's users" 77 \
	"$TEMPASS_BIN" --config birch.conf regenerate --admin admin-ash \
	--password-file pw --yes --input birch.sel
check_grep "the refusal names the admin and the school" \
	"admin 'admin-ash' may not act on site 'birch'" "$T/.err"
check_exit "the admin of ash may not regenerate through --site birch" 77 \
	"$TEMPASS_BIN" --config ash.conf --site birch regenerate \
	--admin admin-ash --password-file pw --yes --input birch.sel
check_eq "the refusals wrote no batch" "$(sql "select count(*) from batch")" \
	"$before"
check_eq "the refusals are audited" \
  "$(sql "select count(*) from audit where action = 'admin.refused' and actor = 'admin-ash'")" 2

# ---- two processes per school, on overlapping groups, all at once

pids=() outs=()
for s in $schools; do
	"$TEMPASS_BIN" --config "$s.conf" select --group 8A --group 8B \
		--group 'Year 9' >"$s.sel2" 2>/dev/null
	regen "$s" "admin-$s" "$s.sel" "$s.one"
	pids+=($!) outs+=("$s.one:$s.sel")
	regen "$s" "admin-$s" "$s.sel2" "$s.two"
	pids+=($!) outs+=("$s.two:$s.sel2")
done
done_ok=0 refused=0 other=0 finished=
for i in "${!pids[@]}"; do
	wait "${pids[$i]}"
	rc=$? out=${outs[$i]%%:*} sel=${outs[$i]#*:}
	case $rc in
	0)
		done_ok=$((done_ok + 1)) finished="$finished ${out%%.*}"
		check_eq "$out: complete" "$(($(wc -l <"$out") - 1))" \
			"$(($(wc -l <"$sel") - 1))" ;;
	75)
		refused=$((refused + 1))
		check_eq "$out: refused as busy, it wrote no record" \
			"$(wc -c <"$out")" 0 ;;
	*)
		other=$((other + 1))
		notok "$out: exit $rc, want 0 or 75"
		sed 's/^/   | /' "$out.err" | head -5 ;;
	esac
done
check_eq "two per school: each finished or was refused as busy" "$other" 0
check_eq "two per school: at least one finished in every school ($refused refused)" \
  "$(printf '%s\n' $finished | sort -u | tr '\n' ' ')" "$(printf '%s\n' $schools | sort | tr '\n' ' ')"
check_eq "two per school: one batch per finished process" \
  "$(sql "select count(*) from batch where version > 1")" "$done_ok"
check_eq "two per school: no half batch, counts match rows" \
  "$(sql "select count(*) from batch b where b.count != (select count(*) from credential c where c.batch_id = b.id)")" 0
check_eq "two per school: each school's versions run on without gap" \
  "$(sql "select count(*) from site s where (select count(*) from batch b where b.site_id = s.id) != (select coalesce(max(version), 0) from batch b where b.site_id = s.id)")" 0
store_whole "two per school" sel sel2
