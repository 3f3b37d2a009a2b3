# fuzz_regress: replays every saved fuzzing input so that what the fuzzers
# once found stays fixed. Each harness of tests/fuzz is built here with gcc,
# its replay main() (-DFUZZ_REPLAY) and AddressSanitizer and UBSan, from the
# sources tests/fuzz/targets lists, so neither clang nor libFuzzer is needed.
# Inputs are the crashes kept in tests/fuzz/regress/NAME/ and the seed corpus
# tests/fuzz/corpus/NAME/; each must run without a sanitizer report, a failed
# harness check, a non-zero exit or taking over the fuzzers' 10 s (with room
# for gcc's slower build).
. "$(dirname "$0")/../lib.sh"

CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -DFUZZ_REPLAY
	-fsanitize=address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer -I$ROOT"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1
# The harnesses that need a file write it here; kept short for their buffer.
export TMPDIR=$T

# replay NAME BIN FILE: one input, one check.
replay() {
	local name=$1 bin=$2 f=$3 rc
	local what=${f#"$ROOT"/tests/fuzz/}

	timeout 30 "$bin" "$f" >"$T/.out" 2>"$T/.err"
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -Eq \
	    'ERROR: (Address|Leak)Sanitizer|runtime error:|fuzz check' "$T/.err"
	then
		ok "fuzz $name: $what"
	else
		notok "fuzz $name: $what (exit $rc)"
		grep -v '^tempass: ' "$T/.err" | head -20 | sed 's/^/   | /'
	fi
}

while read -r name rest; do
	case $name in ''|'#'*) continue ;; esac
	srcs=() libs=()
	for w in $rest; do
		case $w in
		-*) libs+=("$w") ;;
		*) srcs+=("$ROOT/$w") ;;
		esac
	done
	bin=$T/replay_$name
	# shellcheck disable=SC2086
	if ! gcc $CFLAGS -o "$bin" "$ROOT/tests/fuzz/fuzz_$name.c" \
	    "${srcs[@]}" "${libs[@]}" 2>"$T/.err"; then
		notok "fuzz $name: replay build"
		head -20 "$T/.err" | sed 's/^/   | /'
		continue
	fi
	n=0
	for f in "$ROOT/tests/fuzz/regress/$name"/* \
		 "$ROOT/tests/fuzz/corpus/$name"/*; do
		[ -f "$f" ] || continue
		replay "$name" "$bin" "$f"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || notok "fuzz $name: no input to replay"
done <"$ROOT/tests/fuzz/targets"
