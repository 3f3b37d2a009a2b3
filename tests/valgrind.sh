#!/usr/bin/env bash
# valgrind.sh: stands in for the tempass binary under `make check-valgrind`.
# Runs the real binary under valgrind; any invalid access or definite leak
# makes the command exit 99, which fails the check that ran it.
exec valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--suppressions="$(dirname "$0")/valgrind.supp" \
	"$TEMPASS_REAL_BIN" "$@"
