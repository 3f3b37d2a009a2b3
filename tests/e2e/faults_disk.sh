# faults_disk: a full disk, a read-only folder, an out_dir without write
# permission. A full disk is exit 74 from every stage, for the store, a
# file or a stream alike; an output that cannot be created is exit 73;
# each with a message that names the file and the reason,
# and leave no file behind; the store is unchanged, or whole where the
# stage had committed before it wrote. Standard output on /dev/full stands
# for a full disk under a pipe. The small filesystems are tmpfs mounts in a
# private mount namespace (unshare), which vanish with the test; where no
# namespace can be made, those checks say "skipped" and why.
. "$(dirname "$0")/../lib.sh"
PY=${PYTHON:-/usr/bin/python3}
. "$ROOT/tests/faults_lib.sh"
write_conf
cp "$TEMPASS_BIN" "$T/tempass" && TEMPASS_BIN=$T/tempass
cat >>pipeline.conf <<EOF

[email]
queue_dir = $T/queue
from = it@oakfield.example
reset_url = https://reset.oakfield.example/r?t={{token}}
templates = $ROOT/templates
message_id_domain = oakfield.example
EOF

rosters 2000
printf 'correct horse battery\n' >pw
chmod 600 pw
check_exit "import 2000 pupils (two rows rejected)" 65 tp import ra.csv
check_exit "admin added" 0 tp admin add demo --site oakfield --password-file pw
mkdir -p var && cp -p pw var/demo-admin.pw
tp select "${YEARS[@]}" >sel.tsv 2>/dev/null
check_exit "a batch for everyone" 0 tp regenerate --admin demo --password-file pw --yes --input sel.tsv
cp "$T/.out" final.tsv
ver=$(col final.tsv version | sort -u)
dump() { sql_dump | sha256sum | cut -c1-16; }

# ==== standard output on a full disk
D0=$(dump)
for f in csv tsv ndjson; do
	check_exit "emit $f > /dev/full: exit 74" 74 sh -c "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit $f --input '$T/final.tsv' >/dev/full"
	check_grep "emit $f > /dev/full: says the disk is full" "^tempass: emit: .*No space left on device" "$T/.err"
done
check_exit "select > /dev/full: exit 74" 74 sh -c "'$TEMPASS_BIN' --config '$T/pipeline.conf' select --group 'Year 7' >/dev/full"
check_grep "select > /dev/full: says so" "^tempass: select: .*No space left on device" "$T/.err"
check_exit "audit > /dev/full: exit 74" 74 sh -c "'$TEMPASS_BIN' --config '$T/pipeline.conf' audit >/dev/full"
check_eq "the store is unchanged by these" "$(dump)" "$D0"
tp select --group 7A >s7a.tsv 2>/dev/null
check_exit "regenerate > /dev/full: exit 74" 74 sh -c "'$TEMPASS_BIN' --config '$T/pipeline.conf' regenerate --admin demo --password-file '$T/pw' --yes --input '$T/s7a.tsv' >/dev/full"
check_grep "regenerate > /dev/full: says the batch's passwords were not written, and what to do" \
	"^tempass: regenerate: cannot write the passwords of batch v$((ver + 1)); regenerate again" "$T/.err"
: >"$T/viol"
store_ok "regenerate > /dev/full"
report_store "regenerate > /dev/full (its batch committed first)"
# That batch voided 7A's passwords in final.tsv, which emit would refuse:
# a batch for everyone again, whose list is current.
tp regenerate --admin demo --password-file pw --yes --input sel.tsv >final.tsv 2>/dev/null
ver=$(col final.tsv version | sort -u)

# ==== an out_dir that is not writable
# As root, permissions are not enforced: emit then runs as nobody (setpriv)
# on copies it can read; as another user, the folder is made 0500.
mkdir -p np/var np/keys np/out
# (On PostgreSQL nobody reaches the server's socket: the store is as it is.)
[ "${TEMPASS_TEST_STORE:-}" = pg ] || sqlite3 var/tempass.db ".backup '$T/np/var/tempass.db'"
cp keys/tempass.key np/keys/
cp final.tsv np/
sed -e "s#$T/var/#$T/np/var/#" -e "s#$T/keys/#$T/np/keys/#" -e "s#^out_dir = .*#out_dir = $T/np/out#" pipeline.conf >np/pipeline.conf
unprivileged np
chmod 500 np/out
npsql() { sqlite3 "$T/np/var/tempass.db" .dump | sha256sum | cut -c1-16; }
[ "${TEMPASS_TEST_STORE:-}" = pg ] && npsql() { dump; }
if [ "${as[0]:-}" = skip ]; then
	ok "skipped: an out_dir without write permission: running as root and setpriv cannot switch to nobody here"
else
	N0=$(npsql)
	for m in "pdf:oakfield-v$ver-strips.pdf" "xlsx:oakfield-v$ver.xlsx"; do
		check_exit "emit ${m%%:*} into an out_dir without write permission (mode 0500${as:+, as nobody}): exit 73" 73 \
			"${as[@]}" "$TEMPASS_BIN" --config "$T/np/pipeline.conf" emit ${m%%:*} --input "$T/np/final.tsv"
		check_grep "emit ${m%%:*}: names the file and the reason" "^tempass: emit: '$T/np/out/${m#*:}': cannot create: Permission denied$" "$T/.err"
	done
	check_exit "emit pdf --per-group into it: exit 73" 73 \
		"${as[@]}" "$TEMPASS_BIN" --config "$T/np/pipeline.conf" emit pdf --per-group --input "$T/np/final.tsv"
	check_grep "emit --per-group: says why" "Permission denied" "$T/.err"
	check_exit "emit pdf -o into a missing folder of it: exit 73" 73 \
		"${as[@]}" "$TEMPASS_BIN" --config "$T/np/pipeline.conf" emit pdf --input "$T/np/final.tsv" -o "$T/np/out/sub/x.pdf"
	check_eq "nothing was written there, the store is unchanged" "$(ls -A np/out | wc -l) $(npsql)" "0 $N0"
fi

# ==== the small filesystems, in a private mount namespace
ns=()
if unshare -m --propagation private true 2>/dev/null; then
	ns=(unshare -m --propagation private)
elif unshare -rm true 2>/dev/null; then
	ns=(unshare -rm)
fi
# The checks below run in the namespace, in a shell of their own: it gets
# this one's functions and variables.
nscheck() {
	local why
	mkdir -p tiny tiny2 rofs/out
	if ! why=$(mount -t tmpfs -o size=64k tmpfs "$T/tiny" 2>&1); then
		ok "skipped: a full disk: cannot mount a tmpfs here: $why"
		return 0
	fi
	sed -e "s#^out_dir = .*#out_dir = $T/tiny/out#" pipeline.conf >tiny.conf
	tt() { "$TEMPASS_BIN" --config "$T/tiny.conf" "$@"; }
	local D0 m args name files
	D0=$(dump)
	# ---- emit: each output larger than the filesystem
	for m in "pdf:oakfield-v$ver-strips.pdf" "pdf --layout classlist:oakfield-v$ver-classlist.pdf" \
		 "xlsx:oakfield-v$ver.xlsx" "csv -o $T/tiny/out/list.csv:list.csv"; do
		args=${m%%:*} name=${m#*:}
		# shellcheck disable=SC2086
		check_exit "emit $args on a full disk (64 KiB): exit 74" 74 tt emit $args --input "$T/final.tsv"
		check_grep "emit $args: says the disk is full" "No space left on device" "$T/.err"
		check_grep "emit $args: names the file" "'$T/tiny/out/$name'" "$T/.err"
		check_eq "emit $args: leaves no file, not even a temporary; the store is unchanged" \
			"$(ls -A tiny/out | tr '\n' ' ')$(dump)" "$D0"
	done
	check_exit "emit pdf --per-group on a full disk: exit 74" 74 tt emit pdf --per-group --input "$T/final.tsv" -o "$T/tiny/out/pg"
	files=$(ls -A tiny/out/pg 2>/dev/null | wc -l)
	tp emit pdf --per-group --input final.tsv -o ref-pg >/dev/null 2>&1
	local bad=0 f
	for f in $(ls -A tiny/out/pg 2>/dev/null); do cmp -s "tiny/out/pg/$f" "ref-pg/$f" || bad=$((bad + 1)); done
	check_eq "emit --per-group: $files file(s) left, each complete; the store is unchanged" "$bad $(dump)" "0 $D0"
	rm -rf tiny/out/pg
	# ---- run: its outputs do not fit, so its batch is rolled back
	local v0 rc failed
	v0=$(sql 'select max(version) from batch')
	tt run --no-import >run.out 2>run.err
	rc=$?
	check_eq "run with out_dir on a full disk: exit 74, as for the store" "$rc" 74
	sed 's/^/   # /' run.err | head -8
	check_eq "run on a full disk: no batch v$((v0 + 1)) was kept" \
		"$(sql "select count(*) from batch where version > $v0")" 0
	check_eq "run on a full disk: nothing left in out_dir" \
		"$(ls -A tiny/out | tr '\n' ' ')" ""
	check_eq "run on a full disk: no path printed as written" \
		"$(wc -c <run.out)" 0
	# Each output that failed is named; the ones that fitted are dropped.
	failed=$(grep -c "^tempass: run: '$T/tiny/out/oakfield-v$((v0 + 1))[-.].*' not written$" run.err)
	check "run on a full disk: the failed outputs are named ($failed)" \
		test "$failed" -ge 1
	: >"$T/viol"
	store_ok "run on a full disk"
	report_store "run on a full disk (its batch rolled back)"
	rm -rf tiny/out
	# ---- notify with its queue on the full disk
	dd if=/dev/zero of=tiny/filler bs=4k count=64 2>/dev/null
	sed -i "s#^queue_dir = .*#queue_dir = $T/tiny/queue#" tiny.conf
	D0=$(dump)
	tp select --group 10A 2>/dev/null >s10a.tsv
	check_exit "notify with its queue on a full disk: exit 74" 74 tt notify --admin demo --password-file "$T/pw" --yes --input "$T/s10a.tsv"
	check_grep "notify: names the file and says the disk is full" "^tempass: notify: '$T/tiny/queue/tmp/.*': cannot write: No space left on device" "$T/.err"
	check_eq "notify: no batch, no delivery, nothing in the queue" \
		"$(sql "select count(*) from batch where kind = 'email'") $(sql 'select count(*) from delivery') $(find tiny/queue -type f | wc -l)" "0 0 0"
	# ---- import with its rejects file on the full disk
	sed -i "s#^rejects_dir = .*#rejects_dir = $T/tiny/rej#" tiny.conf
	local f0 f1
	f0=$(fp)
	tt import "$T/rb.csv" >imp.out 2>imp.err
	rc=$?
	f1=$(fp)
	check_eq "import with its rejects file on a full disk: exit 74" "$rc" 74
	check_grep "import: names the rejects file and says the disk is full" \
		"'$T/tiny/rej/students.rejects.csv': cannot write: No space left on device" imp.err
	check_eq "import: no rejects file, not even a temporary" "$(ls -A tiny/rej 2>/dev/null | wc -l)" 0
	# The good rows are committed before the rejects file is: the
	# import must then still say what it changed.
	if [ "$f1" != "$f0" ]; then
		check_grep "import: its good rows were imported, and it says what changed" \
			"^0 added, 0 updated, 100 moved, 20 left, " imp.out
	else
		ok "import: its good rows were not imported"
	fi
	: >"$T/viol"
	store_ok "import with the rejects on a full disk"
	report_store "import with its rejects on a full disk"
	rm -f tiny/filler

	# ---- the database on a full disk
	local kb h0
	if pg_skip "the database's disk is the server's, not a file of tempass's"; then
		sqlite3 var/tempass.db ".backup '$T/small.db'"
		# 256 KiB free once a filler of 8 MiB is written; removing it makes
		# room again (a tmpfs cannot be resized in a user namespace).
		kb=$(($(stat -c %s small.db) / 1024 + 256 + 8192))
		mount -t tmpfs -o size=${kb}k tmpfs "$T/tiny2"
		cp small.db tiny2/tempass.db
		dd if=/dev/zero of=tiny2/filler bs=1k count=8192 2>/dev/null
		sed -e "s#^database = .*#database = $T/tiny2/tempass.db#" pipeline.conf >db.conf
		tdb() { "$TEMPASS_BIN" --config "$T/db.conf" "$@"; }
		v0=$(sqlite3 tiny2/tempass.db 'select max(version) from batch')
		h0=$(sqlite3 tiny2/tempass.db "select count(*) from credential; select count(*) from batch")
		tdb regenerate --admin demo --password-file "$T/pw" --yes --input "$T/sel.tsv" >db.out 2>db.err
		rc=$?
		check_eq "regenerate with the database on a full disk: exit 74, prints no password" "$rc $(wc -c <db.out)" "74 0"
		check_grep "regenerate: says the database's disk is full" "^tempass: regenerate: '$T/tiny2/tempass.db': .*database or disk is full" db.err
		check_eq "regenerate: no batch, no credential added" \
			"$(sqlite3 tiny2/tempass.db "select count(*) from credential; select count(*) from batch")" "$h0"
		check_eq "the database passes integrity_check" "$(sqlite3 tiny2/tempass.db 'pragma integrity_check')" ok
		check_exit "and its audit chain verifies" 0 tdb audit verify
		rm -f tiny2/filler
		check_exit "with room again, regenerate succeeds" 0 tdb regenerate --admin demo --password-file "$T/pw" --yes --input "$T/sel.tsv"
		check_eq "as the next version" "$(col "$T/.out" version | sort -u)" $((v0 + 1))
	fi

	# ---- a read-only filesystem
	if ! why=$( { mount --bind "$T/rofs" "$T/rofs" && mount -o remount,bind,ro "$T/rofs"; } 2>&1); then
		ok "skipped: a read-only out_dir: cannot bind-mount read-only here: $why"
		return 0
	fi
	sed -e "s#^out_dir = .*#out_dir = $T/rofs/out#" pipeline.conf >ro.conf
	D0=$(dump)
	# The import above made some of final.tsv's pupils leavers: their
	# records are printed marked VOID, the rest as they are.
	for m in "pdf:oakfield-v$ver-strips.pdf" "xlsx:oakfield-v$ver.xlsx"; do
		check_exit "emit ${m%%:*} into a read-only out_dir: exit 73" 73 \
			"$TEMPASS_BIN" --config "$T/ro.conf" emit ${m%%:*} --allow-void --input "$T/final.tsv"
		check_grep "emit ${m%%:*}: names the file and the reason" "^tempass: emit: '$T/rofs/out/${m#*:}': cannot create: Read-only file system$" "$T/.err"
	done
	check_eq "nothing was written there, the store is unchanged" "$(ls -A rofs/out | wc -l) $(dump)" "0 $D0"
}
if [ ${#ns[@]} -eq 0 ]; then
	ok "skipped: a full disk and a read-only folder: no private mount namespace (unshare -m and unshare -rm both fail here)"
else
	{ declare -f; declare -p T ROOT TEMPASS_BIN TEMPASS_NOW PY ver YEARS PG_URL PG_DIR; } >"$T/ns.sh" 2>/dev/null
	"${ns[@]}" bash -c ". '$T/ns.sh'; cd '$T'; nscheck"
fi
