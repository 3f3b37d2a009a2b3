# layering: the floors of the source hold (README, "Layout"): tempass.c ->
# stages -> engine -> core, formats; formats use only core's util, hmap,
# secrets, workers and the words and templates of paper; every thread starts in core/workers.c; a stage
# includes no other stage's file and runs no other
# stage's exec; each library is included in its own corner. A copy of the
# source with one breach each is caught, breach by breach.
. "$(dirname "$0")/../lib.sh"

# breaches DIR: one line per include or call that breaks a rule.
breaches() {
	local d=$1
	(
	cd "$d" || exit 1
	grep -Hn '^#include "\(formats\|engine\|stages\)/' core/*.[ch]
	grep -Hn '^#include "\(engine\|stages\)/' formats/*.[ch]
	grep -Hn '^#include "core/' formats/*.[ch] |
		grep -v '"core/\(util\|hmap\|secrets\|workers\|words\|template\|paper\)\.h"'
	grep -Hn '^#include "stages/' engine/*.[ch]
	grep -Hn '^#include "stages/' stages/*.[ch] |
		grep -v '"stages/stage\.h"'
	grep -Hn '[.>]exec *(' core/*.c formats/*.c engine/*.c stages/*.c
	grep -Hn 'pthread_create *(' tempass.c core/*.[ch] formats/*.[ch] \
		engine/*.[ch] stages/*.[ch] | grep -v '^core/workers\.c:'
	# library: the files that may include it (an extended regex)
	while read -r lib corner; do
		grep -Hln "^#include <$lib>" core/*.[ch] formats/*.[ch] \
			engine/*.[ch] stages/*.[ch] tempass.c |
			grep -Ev "^($corner)$" | sed "s#\$#: includes <$lib>#"
	done <<-'LIBS'
	sqlite3\.h core/store[a-z_]*\.[ch]
	sodium\.h core/secrets\.c
	hpdf[a-z_]*\.h formats/pdf[a-z_]*\.[ch]
	qrencode\.h formats/pdf\.c
	csv\.h formats/csv\.c
	ini\.h core/config\.c
	curl/curl\.h core/smtp\.c
	xlsxwriter\.h formats/xlsx\.c
	LIBS
	) 2>/dev/null
}

check_eq "the source keeps its floors" "$(breaches "$ROOT")" ""

mkdir src
(cd "$ROOT" && tar -cf - tempass.c core/*.[ch] formats/*.[ch] engine/*.[ch] \
	stages/*.[ch]) | (cd src && tar -xf -)
check_eq "the copy keeps them too" "$(breaches src)" ""

# breach FILE LINE WHAT: LINE added to FILE in a fresh copy is caught.
breach() {
	rm -rf bad && cp -r src bad && printf '%s\n' "$2" >>"bad/$1"
	check "caught: $3" test -n "$(breaches bad)"
}
breach core/util.c '#include "formats/csv.h"' "core includes a format"
breach core/util.h '#include "engine/ctx.h"' "core includes the engine"
breach formats/pdf.c '#include "core/store.h"' "a format includes the store"
breach formats/csv.c '#include "stages/stage.h"' "a format includes a stage header"
breach engine/run.c '#include "stages/stage.h"' "the engine includes a stage header"
breach stages/run.c '#include "stages/import.h"' "a stage includes another stage's file"
breach engine/run.c 'int x(void) { return stage_import.exec(0, 0, 0); }' \
	"the engine runs a stage's exec"
breach stages/run.c 'int y(void) { return s->exec(0, 0, 0); }' \
	"a stage runs another stage's exec"
breach formats/deflate.c \
	'static void t(pthread_t *p) { pthread_create(p, 0, 0, 0); }' \
	"a thread started outside the workers module"
breach engine/issue.c 'int z = pthread_create (0, 0, 0, 0);' \
	"a thread started outside the workers module, spaced"
breach stages/emit.c '#include <sqlite3.h>' "sqlite3.h outside the store"
breach engine/ctx.c '#include <sodium.h>' "sodium.h outside secrets"
breach engine/emit.c '#include <hpdf.h>' "hpdf.h outside the PDF writer"
breach stages/import.c '#include <csv.h>' "csv.h outside the CSV format"
breach engine/send.c '#include <curl/curl.h>' "libcurl outside the mail transport"
