# directories: the files that put a batch's passwords into Active
# Directory (LDIF), Google Workspace (the Admin console's CSV, GAM) and
# Microsoft Entra, read back with Python's csv module and a decoder of
# LDIF written here from RFC 2849 and Microsoft's unicodePwd rules; the
# LDIF applied with ldbmodify to a Samba AD database provisioned here;
# modes, terminal refusal, and a void batch's file refused when fed back.
. "$(dirname "$0")/../lib.sh"
write_conf
PY=${PYTHON:-/usr/bin/python3}
cat >>"$T/pipeline.conf" <<'EOF'
[ad]
dn = CN={{forename}} {{surname}},OU={{group}},OU=Pupils,DC=school,DC=local
marker = employeeNumber
[google]
email = {{username}}@school.example
org_unit = /Pupils/{{group}}
[entra]
upn = {{username}}@school.example
EOF
sample_batch "$T/b1.tsv"

for k in ad google gam entra; do
	check_exit "emit $k" 0 tp emit "$k" --input "$T/b1.tsv"
done
cd "$T/out"
check_eq "four files, named after the site and batch" \
  "$(ls | tr '\n' ' ')" \
  "oakfield-v1-ad.ldif oakfield-v1-entra.csv oakfield-v1-gam.csv oakfield-v1-google.csv "
check_eq "each is 0600" "$(stat -c %a oakfield-v1-* | sort -u)" 600
check_eq "no temporary file left" "$(ls -a | grep -c tmp)" 0

# ---- Read back: every user once, with the batch's password
cat >"$T/rd.py" <<'EOF'
import base64, csv, sys

def out(good, name, why=""):
    print(("ok - " if good else "not ok - ") + name +
          ("" if good or not why else " (" + why + ")"))

def tsv(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    head = lines[0].split("\t")
    return [dict(zip(head, l.split("\t"))) for l in lines[1:] if l]

def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        head = next(r)
        return head, [dict(zip(head, x)) for x in r]

# The Admin console's "Download blank CSV template" of Bulk update users.
GOOGLE = ["First Name [Required]", "Last Name [Required]",
          "Email Address [Required]", "Password [Required]",
          "Password Hash Function [UPLOAD ONLY]", "Org Unit Path [Required]",
          "New Primary Email [UPLOAD ONLY]", "Home Secondary Email",
          "Work Secondary Email", "Work Phone", "Home Phone", "Mobile Phone",
          "Work Address", "Home Address", "Employee ID", "Employee Type",
          "Employee Title", "Manager Email", "Department", "Cost Center",
          "Building ID", "Floor Name", "Floor Section",
          "Change Password at Next Sign-In"]

def rfc4514(v):
    o = ""
    for i, c in enumerate(v):
        if c in '"+,;<>\\=' or (i == 0 and c in "# ") or \
           (i == len(v) - 1 and c == " "):
            o += "\\"
        o += c
    return o

def ldif_value(name, v):
    safe = v.isascii() and not v.startswith((" ", ":", "<")) and \
        not v.endswith(" ") and "\n" not in v and "\r" not in v
    if safe:
        return "%s: %s\n" % (name, v)
    return "%s:: %s\n" % (name, base64.b64encode(v.encode()).decode())

def ad(stream, path):
    users = tsv(stream)
    text = open(path, encoding="ascii").read()
    body = text.split("\n\n", 1)
    out(body[0].startswith("# tempass: Oakfield Academy, batch v%s (id %s)"
                           % (users[0]["version"], users[0]["batch"])),
        "ad: the first line names the batch")
    recs = [r for r in body[1].split("\n\n") if r.strip()]
    want = {}
    for u in users:
        dn = "CN=%s %s,OU=%s,OU=Pupils,DC=school,DC=local" % (
            rfc4514(u["forename"]), rfc4514(u["surname"]), u["group"])
        # Microsoft: unicodePwd is the password in double quotes,
        # UTF-16LE, which LDIF carries in base64.
        pwd = base64.b64encode(('"%s"' % u["password"]).encode("utf-16-le"))
        want[u["username"]] = (
            "# tempass: batch v%s (id %s) user %s\n" % (u["version"], u["batch"], u["username"]) +
            ldif_value("dn", dn) +
            "changetype: modify\nadd: employeeNumber\n" +
            ldif_value("employeeNumber", "tempass oakfield v%s %s" % (u["version"], u["username"])) +
            "-\nreplace: unicodePwd\nunicodePwd:: %s\n-\n"
            "replace: pwdLastSet\npwdLastSet: 0\n-" % pwd.decode())
    got = {}
    for r in recs:
        name = r.split("\n")[0].rsplit(" ", 1)[-1]
        got[name] = r
    bad = [u for u in want if got.get(u) != want[u]]
    out(not bad and len(recs) == len(users),
        "ad: each user's record is as documented, byte for byte",
        "%d records for %d users; differ: %s" % (len(recs), len(users), bad[:3]))
    out(any("dn:: " in r for r in recs) and any("\ndn: " in r for r in recs),
        "ad: a DN beyond ASCII goes in base64, a plain one as it is")

def google(stream, path):
    users = {u["username"]: u for u in tsv(stream)}
    head, rs = rows(path)
    out(head == GOOGLE, "google: the header is the Admin console's, in order",
        str(head))
    bad = [r for r in rs if (r["Email Address [Required]"].split("@")[0]
           not in users or users[r["Email Address [Required]"].split("@")[0]]["password"]
           != r["Password [Required]"])]
    out(rs and not bad and len(rs) == len(users),
        "google: every user's address and password", str(bad[:2]))
    out(all(r["Change Password at Next Sign-In"] == "True" for r in rs),
        "google: change password at next sign-in on every row")
    out(all(r["Org Unit Path [Required]"] == "/Pupils/7A" and
            r["Password Hash Function [UPLOAD ONLY]"] == "" for r in rs),
        "google: the org unit from [google] org_unit, no hash function")

def simple(kind, stream, path, idcol, pwcol, head0):
    users = {u["username"]: u for u in tsv(stream)}
    head, rs = rows(path)
    out(head[:len(head0)] == head0, kind + ": the header " + ",".join(head0),
        str(head))
    bad = [r for r in rs if r["username"] not in users or
           r[pwcol] != users[r["username"]]["password"] or
           r[idcol] != r["username"] + "@school.example" or
           r["version"] != users[r["username"]]["version"] or
           r["batch"] != users[r["username"]]["batch"]]
    out(rs and not bad and len(rs) == len(users),
        kind + ": every user, password and batch", str(bad[:2]))
    return rs

cmd = sys.argv[1]
if cmd == "ad":
    ad(sys.argv[2], sys.argv[3])
elif cmd == "google":
    google(sys.argv[2], sys.argv[3])
elif cmd == "gam":
    simple("gam", sys.argv[2], sys.argv[3], "email", "password",
           ["email", "password"])
elif cmd == "entra":
    rs = simple("entra", sys.argv[2], sys.argv[3], "UserPrincipalName",
                "password", ["UserPrincipalName", "password",
                             "ForceChangePasswordNextSignIn"])
    out(all(r["ForceChangePasswordNextSignIn"] == "True" for r in rs),
        "entra: ForceChangePasswordNextSignIn on every row")
EOF
"$PY" "$T/rd.py" ad "$T/b1.tsv" oakfield-v1-ad.ldif
"$PY" "$T/rd.py" google "$T/b1.tsv" oakfield-v1-google.csv
"$PY" "$T/rd.py" gam "$T/b1.tsv" oakfield-v1-gam.csv
"$PY" "$T/rd.py" entra "$T/b1.tsv" oakfield-v1-entra.csv
cd "$T"

# ---- Samba AD: the LDIF applied to a domain controller's database
S=
if command -v samba-tool >/dev/null && command -v ldbmodify >/dev/null &&
   samba-tool domain provision --realm=SCHOOL.LOCAL --domain=SCHOOL \
     --adminpass='Adm1n!Passw0rd' --targetdir="$T/dc" --use-rfc2307 \
     --server-role=dc --dns-backend=NONE >"$T/dc.log" 2>&1; then
	S=$T/dc/private/sam.ldb
	samba-tool ou create 'OU=Pupils' -H "$S" >/dev/null 2>&1
	samba-tool ou create 'OU=7A,OU=Pupils' -H "$S" >/dev/null 2>&1
	head -4 "$T/b1.tsv" >"$T/three.tsv"
	made=0
	while IFS=$'\t' read -r u f s; do
		samba-tool user add "$u" 'Start!Pass123' --given-name="$f" \
		  --surname="$s" --userou='OU=7A,OU=Pupils' -H "$S" \
		  >/dev/null 2>&1 && made=$((made + 1))
	done < <(paste <(col three.tsv username) <(col three.tsv forename) <(col three.tsv surname))
	check_eq "three pupils in the directory" "$made" 3
	check_exit "emit ad for them" 0 tp emit ad -o "$T/three.ldif" --input "$T/three.tsv"
	check_exit "ldbmodify applies the LDIF" 0 ldbmodify -H "$S" "$T/three.ldif"
	# Samba's own setpassword makes the reference hash for each password.
	samba-tool user add refuser 'Start!Pass123' -H "$S" >/dev/null 2>&1
	# hashes_differ TSV: how many of its users' NT hash, pwdLastSet 0 or
	# marker (of the TSV's batch) the directory does not hold.
	hashes_differ() {
		local bad=0 u p v want got
		while IFS=$'\t' read -r u p v; do
			samba-tool user setpassword refuser --newpassword="$p" -H "$S" >/dev/null 2>&1 || bad=$((bad + 1))
			want=$(ldbsearch -H "$S" '(sAMAccountName=refuser)' unicodePwd | sed -n 's/^unicodePwd:: //p')
			got=$(ldbsearch -H "$S" "(sAMAccountName=$u)" unicodePwd pwdLastSet employeeNumber)
			grep -qx "unicodePwd:: $want" <<<"$got" || bad=$((bad + 1))
			grep -qx "pwdLastSet: 0" <<<"$got" || bad=$((bad + 1))
			grep -qx "employeeNumber: tempass oakfield v$v $u" <<<"$got" || bad=$((bad + 1))
		done < <(paste <(col "$1" username) <(col "$1" password) <(col "$1" version))
		echo "$bad"
	}
	check_eq "each pupil's NT hash is their batch password's, and must change at next logon" "$(hashes_differ three.tsv)" 0
	check_eq "[ad] marker's employeeNumber is single-valued in Samba's AD schema" \
	  "$(ldbsearch -H "$S" -b "CN=Schema,CN=Configuration,DC=school,DC=local" '(lDAPDisplayName=employeeNumber)' isSingleValued | sed -n 's/^isSingleValued: //p')" TRUE
else
	ok "# SKIP Samba AD: samba-tool or ldbmodify (samba, samba-ad-provision, ldb-tools) not installed or provision failed"
fi

# ---- Guards
check_exit "--allow-void refused for a directory's file (exit 64)" 64 tp emit gam --allow-void --input "$T/b1.tsv"
check_grep "it says why" "holds current passwords only" "$T/.err"
if command -v script >/dev/null; then
	for k in ad google gam entra; do
		script -qec "'$TEMPASS_BIN' --config '$T/pipeline.conf' emit $k -o - --input '$T/b1.tsv'" /dev/null </dev/null >tty.out 2>&1
		check_eq "emit $k -o - to a terminal refused (exit 64)" $? 64
		check_eq "no password reached the terminal ($k)" "$(grep -cFf <(col b1.tsv password) tty.out)" 0
	done
else
	ok "# SKIP terminal checks: 'script' (util-linux) is not installed"
fi
tp emit entra -o - --input "$T/b1.tsv" >"$T/entra-stdout.csv"
check_eq "-o - writes to a pipe" "$(($(wc -l <"$T/entra-stdout.csv") - 1))" "$(($(wc -l <"$T/b1.tsv") - 1))"
check_exit "a file is not replaced without --force (exit 73)" 73 tp emit ad --input "$T/b1.tsv"
check_exit "an output to a device is refused" 73 tp emit ad -o /dev/null --force --input "$T/b1.tsv"

# Templates: what is not set, or names no column, stops before writing.
cp "$T/pipeline.conf" "$T/good.conf"
sed -i '/^\[entra\]/,$d' "$T/pipeline.conf"
check_exit "emit entra without [entra] upn: exit 78" 78 tp emit entra -o "$T/x.csv" --input "$T/b1.tsv"
check_grep "it names the key" "\[entra\] upn is not set" "$T/.err"
sed -i 's/^dn = .*/dn = CN={{nickname}},DC=school,DC=local/' "$T/pipeline.conf"
check_exit "a DN template naming no column: exit 78" 78 tp emit ad -o "$T/x.ldif" --input "$T/b1.tsv"
check_grep "it names the placeholder" "'{{nickname}}' is not a column" "$T/.err"
sed -i '/^email = /d' "$T/pipeline.conf"
check_exit "google without [google] email and an unverified address: exit 65" 65 tp emit google -o "$T/x.csv" --input "$T/b1.tsv"
check_grep "it names the user" "has no verified email address" "$T/.err"
check "nothing written by the refused ones" test ! -e "$T/x.csv" -a ! -e "$T/x.ldif"
cp "$T/good.conf" "$T/pipeline.conf"

# ---- A void batch's file, fed back, is refused
tp select --group 7A >"$T/sel2.tsv" 2>/dev/null
check_exit "batch v2 voids v1" 0 tp regenerate --password-file "$T/pw" --yes --input "$T/sel2.tsv"
cp "$T/.out" "$T/b2.tsv"
for k in gam entra; do
	check_exit "v1's $k CSV fed back: exit 65" 65 tp emit "$k" -o "$T/again-$k.csv" --input "$T/out/oakfield-v1-$k.csv"
	check_grep "it says the records are void" "not current" "$T/.err"
	tp emit "$k" -o "$T/v2-$k.csv" --input "$T/b2.tsv" >/dev/null
	check_exit "v2's $k CSV fed back is accepted" 0 tp emit "$k" -o "$T/v2-again-$k.csv" --input "$T/v2-$k.csv"
done
check_exit "v1's AD LDIF fed back: exit 65" 65 tp emit tsv -o "$T/again-ad.tsv" --input "$T/out/oakfield-v1-ad.ldif"
check_grep "it says the records are void" "not current (.*voided by batch v2" "$T/.err"
tp emit ad -o "$T/v2-ad.ldif" --input "$T/b2.tsv" >/dev/null
check_exit "v2's AD LDIF fed back is accepted" 0 tp emit tsv -o "$T/v2-ad.tsv" --input "$T/v2-ad.ldif"
check_eq "its passwords decode to the batch's, user by user" \
  "$(same_pairs <(paste <(col "$T/v2-ad.tsv" username) <(col "$T/v2-ad.tsv" password)) <(paste <(col "$T/b2.tsv" username) <(col "$T/b2.tsv" password)))" \
  "$(($(wc -l <"$T/b2.tsv") - 1))"
sed 's/^unicodePwd:: ./unicodePwd:: !/' "$T/v2-ad.ldif" >"$T/bad-ad.ldif"
check_exit "an AD LDIF whose unicodePwd is not base64: exit 65" 65 tp emit tsv -o "$T/again-bad.tsv" --input "$T/bad-ad.ldif"
check_grep "it names the line" "bad-ad.ldif:[0-9]*: not a record of tempass's AD file" "$T/.err"
check_exit "a Google CSV fed back has no batch column: refused (exit 65)" 65 tp emit google -o "$T/again-g.csv" --input "$T/out/oakfield-v1-google.csv"
check_eq "nothing written from a void file" "$(ls "$T" | grep -c '^again-')" 0

# ---- Samba AD: v2's file after v1's, then v1's again (the marker guard)
if [ -n "$S" ]; then
	awk -F'\t' 'NR == FNR { if (FNR > 1) want[$1]; next }
	  FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "username") c = i; print; next }
	  $c in want' <(col three.tsv username | sed '1i username') "$T/b2.tsv" >"$T/three2.tsv"
	check_eq "v2 holds the three" "$(col three2.tsv username | wc -l)" 3
	check_exit "emit ad for v2" 0 tp emit ad -o "$T/three2.ldif" --input "$T/three2.tsv"
	check_eq "each v2 record takes v1's marker away" "$(grep -c '^employeeNumber: tempass oakfield v1 ' "$T/three2.ldif")" 3
	check_exit "ldbmodify applies v2's LDIF after v1's" 0 ldbmodify -H "$S" "$T/three2.ldif"
	check_eq "each pupil now has v2's password and marker" "$(hashes_differ three2.tsv)" 0
	# ldbmodify has no flag to go on past an error: v1's file is applied
	# one record a time, so that each record is tried.
	awk -v d="$T/rec" 'BEGIN { RS = ""; n = 0 } /\ndn/ { f = d "." ++n; print > f; close(f) }' "$T/three.ldif"
	failed=0
	for f in "$T"/rec.*; do
		ldbmodify -H "$S" "$f" >/dev/null 2>&1 || failed=$((failed + 1))
	done
	check_eq "v1's file applied again fails for every user" "$failed" 3
	check_eq "and leaves v2's password and marker in place" "$(hashes_differ three2.tsv)" 0
	check "v1's file whole is refused too" \
		test "$(ldbmodify -H "$S" "$T/three.ldif" >/dev/null 2>&1; echo $?)" -ne 0
	check_eq "still v2's" "$(hashes_differ three2.tsv)" 0
	# v2's file against a user who is not there fails, as it should.
	samba-tool user delete "$(col three.tsv username | head -1)" -H "$S" >/dev/null 2>&1
	check "a DN that is not in the directory is refused by ldbmodify" \
		test "$(ldbmodify -H "$S" "$T/three2.ldif" >/dev/null 2>&1; echo $?)" -ne 0
else
	ok "# SKIP Samba AD marker guard: no Samba AD database"
fi

# ---- Without [ad] marker: the file as before, with a warning
sed -i '/^marker = /d' "$T/pipeline.conf"
check_exit "emit ad without [ad] marker writes the file" 0 tp emit ad -o "$T/nomark.ldif" --input "$T/b2.tsv"
check_grep "with a warning naming the key" "\[ad\] marker is not set" "$T/.err"
check_eq "its records carry no marker" "$(grep -c 'employeeNumber' "$T/nomark.ldif")" 0
check_eq "but every password" "$(grep -c '^unicodePwd:: ' "$T/nomark.ldif")" "$(col b2.tsv username | wc -l)"
cp "$T/good.conf" "$T/pipeline.conf"
sed -i 's/^marker = .*/marker = employee Number/' "$T/pipeline.conf"
check_exit "an [ad] marker that is not an attribute name: exit 78" 78 tp emit ad -o "$T/badmark.ldif" --input "$T/b2.tsv"
check_grep "it says so" "marker: 'employee Number' is not an attribute name" "$T/.err"
cp "$T/good.conf" "$T/pipeline.conf"

# ---- As outputs of run
sed -i 's/^outputs = .*/outputs = ad, google, gam, entra, audit/' "$T/pipeline.conf"
sed -i "s#^password_file = .*#password_file = $T/pw#" "$T/pipeline.conf"
check_exit "run writes the directories' files" 0 tp run
v=$(sed -n 's/^batch v\([0-9]*\):.*/\1/p' "$T/.err" | head -1)
check_eq "run printed their paths" "$(grep -c "oakfield-v$v-\(ad.ldif\|google.csv\|gam.csv\|entra.csv\)$" "$T/.out")" 4
check_eq "run's AD file takes the marker of each user who had a batch away" \
  "$(grep -c '^delete: employeeNumber$' "$T/out/oakfield-v$v-ad.ldif")" "$(col b2.tsv username | wc -l)"
check_eq "run's files are 0600" "$(stat -c %a "$T"/out/oakfield-v"$v"-*.{ldif,csv} | sort -u)" 600
check_exit "the audit verifies" 0 tp audit verify
check_eq "one current credential per user" "$(sql "SELECT count(*) FROM (SELECT user_id FROM credential WHERE state = 'current' GROUP BY user_id HAVING count(*) > 1)")" 0
check_eq "no password in the database" "$(for p in $(col "$T/b2.tsv" password); do sql .dump | grep -c -- "$p"; done | sort -u)" 0
