# readme: the shell examples of README.md run as written (tests/readme.py),
# in order, in a folder laid out as a checkout is (pipeline.conf, samples/,
# templates/) with the built tempass on the PATH. README's set-up runs
# `make run` first, which is `tempass run --demo` here, twice, as README
# says ("Run it again"). Passwords are asked on a terminal and answered
# with alice's; ~/.tempass-pw holds it for the examples that read a file.
# The mail goes to a local SMTP server (tests/smtp_server.py, as README's
# sink) on a port of its own, and TOKEN is the link of a mail it received.
. "$(dirname "$0")/../lib.sh"

S=$T/school
mkdir -p "$S" "$T/bin" "$T/home" "$T/smtp"
cp "$ROOT/pipeline.conf" "$S/"
cp -r "$ROOT/samples" "$ROOT/templates" "$S/"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$TEMPASS_BIN" >"$T/bin/tempass"
chmod 755 "$T/bin/tempass"
PW='alice has a long password'
printf '%s\n' "$PW" >"$T/home/.tempass-pw"
chmod 600 "$T/home/.tempass-pw"
start_smtp "$T/smtp" 600
check "a local SMTP server listens" test -n "$PORT"
sed -i "s#^smtp_url *=.*#smtp_url = smtp://127.0.0.1:$PORT#" "$S/pipeline.conf"

# Every command's bash reads this first: TOKEN, the token of the link in
# the first mail the server received, once one has come.
cat >"$T/token.py" <<'PY'
import email, email.policy, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml"))[:1]:
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    for part in m.walk():
        if part.get_content_type() == "text/plain":
            t = re.search(r"token=([A-Za-z0-9_-]+)", part.get_content())
            print(t.group(1) if t else "")
PY
printf 'TOKEN=$("%s" "%s" "%s")\n' "${PYTHON:-/usr/bin/python3}" "$T/token.py" "$T/smtp/got" >"$T/env.sh"
cd "$S"
export PATH="$T/bin:$PATH" HOME="$T/home" BASH_ENV="$T/env.sh"
check_exit "make run's job, once" 0 tempass run --demo
check_exit "make run's job, again" 0 tempass run --demo

"${PYTHON:-/usr/bin/python3}" "$ROOT/tests/readme.py" "$ROOT/README.md" "$PW" >"$T/readme.tap"
cat "$T/readme.tap"
check "README's examples were found and run" \
	test "$(grep -c '^\(not \)\{0,1\}ok - README' "$T/readme.tap")" -ge 25
check_exit "the store after README's examples: audit verify" 0 tempass audit verify
