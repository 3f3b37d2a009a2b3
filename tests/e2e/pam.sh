# pam.sh: tempass verify behind PAM, as a login service asks it: a service
# file of this test's own in /etc/pam.d (removed at the end) runs it through
# pam_exec with expose_authtok, which gives the user in PAM_USER and the
# password on standard input ended by a NUL; pamtester plays the login.
. "$(dirname "$0")/../lib.sh"

PAMDIR=/etc/pam.d
SERVICE=tempass-test-$$
if ! command -v pamtester >/dev/null; then
	ok "# SKIP pamtester is not installed (make deps)"; exit 0
fi
if [ ! -w "$PAMDIR" ]; then
	ok "# SKIP $PAMDIR is not writable here (root only)"; exit 0
fi
trap 'rm -f "$PAMDIR/$SERVICE"; stop_smtp; rm -rf "$T"' EXIT

write_conf
sample_batch "$T/b1.tsv"
pw_of() { paste <(col "$1" username) <(col "$1" password) | awk -F'\t' -v u="$2" '$1 == u { print $2 }'; }
u=$(col b1.tsv username | head -1)
p1=$(pw_of b1.tsv "$u")

# pam_exec gives the program PAM's environment only: the test's clock
# (and, under make check-valgrind, the binary valgrind runs) go in through
# a script.
cat >"$T/verify.sh" <<EOS
#!/bin/sh
export PATH='$PATH' TEMPASS_NOW='$TEMPASS_NOW' TEMPASS_REAL_BIN='${TEMPASS_REAL_BIN:-}'
exec "$TEMPASS_BIN" --config "$T/pipeline.conf" verify
EOS
chmod 755 "$T/verify.sh"
printf 'auth required pam_exec.so expose_authtok quiet %s\naccount required pam_permit.so\n' \
	"$T/verify.sh" >"$PAMDIR/$SERVICE"

# login USER PASSWORD: pamtester's exit status for that login.
login() { printf '%s\n' "$2" | pamtester "$SERVICE" "$1" authenticate >"$T/pam.out" 2>&1; }

check "the current password logs in through PAM" login "$u" "$p1"
check "a wrong one does not" eval '! login "$u" "x$p1"'
check "nor another user's" eval '! login "$(col b1.tsv username | sed -n 2p)" "$p1"'
printf '%s\0' "$p1" >pw.nul
check_exit "verify takes the password ended by a NUL, the user from PAM_USER" 0 env PAM_USER="$u" "$TEMPASS_BIN" --config "$T/pipeline.conf" verify <pw.nul
check_exit "without USERNAME or PAM_USER: exit 64" 64 env -u PAM_USER "$TEMPASS_BIN" --config "$T/pipeline.conf" verify <pw.nul

tp select --group 7A >sel2.tsv 2>/dev/null
check_exit "a newer batch voids the first" 0 tp regenerate --password-file pw --yes --input sel2.tsv
cp .out b2.tsv
check "the voided password no longer logs in" eval '! login "$u" "$p1"'
check "the new one does" login "$u" "$(pw_of b2.tsv "$u")"
tp audit --user "$u" >audit.tsv 2>&1
check_grep "the refusals are audited" "credential.verify.fail" audit.tsv
check_exit "the audit verifies" 0 tp audit verify
rm -f "$PAMDIR/$SERVICE"
check "the service file is gone" test ! -e "$PAMDIR/$SERVICE"
