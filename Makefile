# tempass build. `make run` and `make test` are the two set-up commands:
# both install missing Debian packages first (make deps), then build.

CC      ?= cc
PKGS    := sqlite3 libsodium inih libqrencode zlib fribidi
# libcsv and libharu ship no pkg-config file in Debian: linked by name.
# libcurl, libxlsxwriter and libharu are not linked, only their headers
# used: core/smtp.c loads libcurl.so.4 (libcurl4) when send needs it,
# formats/xlsx.c libxlsxwriter.so.4 (libxlsxwriter4) when a workbook is
# written, formats/pdf.c libhpdf-2.3.0.so (libhpdf-2.3.0) for a PDF,
# core/store_pg.c libpq.so.5 (libpq5) for a PostgreSQL store; each pulls
# in libraries every other start would pay for.
PKGS_LOADED := xlsxwriter libpq
LIBS_NOPC := -lcsv
CFLAGS  ?= -O2 -g
# What every build needs, whatever CFLAGS a caller sets (check-asan does).
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(PKGS_LOADED) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS  += $(PKG_LIBS) $(LIBS_NOPC) -lpthread -lm

# Debian packages: build dependencies, then what tests and run use.
DEB_BUILD := build-essential pkg-config libcsv-dev libsodium-dev \
             libsqlite3-dev libinih-dev libhpdf-dev \
             libqrencode-dev libcurl4-openssl-dev zlib1g-dev \
             libxlsxwriter-dev libpq-dev libfribidi-dev tzdata \
             fonts-dejavu-core fonts-wqy-microhei
DEB_TEST  := sqlite3 python3 python3-openpyxl python3-pypdf poppler-utils \
             qpdf python3-aiosmtpd valgrind time util-linux strace man-db \
             slapd ldap-utils pamtester zbar-tools \
             samba samba-ad-provision ldb-tools postgresql
PYTHON  := /usr/bin/python3

SRC_LIB := $(sort $(wildcard core/*.c formats/*.c engine/*.c stages/*.c))
OBJ_LIB := $(SRC_LIB:.c=.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:.c=)
CONFIG  ?= pipeline.conf

.PHONY: all deps run test test-pg unit e2e bench clean check-asan check-tsan check-valgrind fuzz \
	install uninstall refs

# Where `make install` puts things; DESTDIR is prepended to each, as
# packaging expects. The binary finds its data in ../share/tempass beside
# itself, else in DATADIR, and reads SYSCONFDIR/tempass/pipeline.conf when
# there is no ./pipeline.conf.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/tempass
MANDIR  ?= $(PREFIX)/share/man
ifeq ($(PREFIX),/usr)
SYSCONFDIR ?= /etc
else
SYSCONFDIR ?= $(PREFIX)/etc
endif
# Word lists, denylist and templates: every file in templates/; the
# message files of each language in templates/messages/.
DATA    := $(sort $(filter-out templates/messages,$(wildcard templates/*)))
MESSAGES := $(sort $(wildcard templates/messages/*.txt))

all: tempass

tempass: tempass.o libtempass.a
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ tempass.o libtempass.a $(LDLIBS)

libtempass.a: $(OBJ_LIB)
	rm -f $@
	ar rcs $@ $^

%.o: %.c
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJ_LIB:.o=.d) tempass.d

# The installed paths are compiled into config.o; .paths changes (and
# config.o is rebuilt) only when they do.
core/config.o: CFLAGS += -DTEMPASS_DATADIR='"$(DATADIR)"' \
	-DTEMPASS_SYSCONFDIR='"$(SYSCONFDIR)"'
core/config.o: .paths
.paths: FORCE
	@echo '$(DATADIR) $(SYSCONFDIR)' | cmp -s - $@ || \
	  echo '$(DATADIR) $(SYSCONFDIR)' >$@
FORCE:

install: tempass
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates \
	  $(DESTDIR)$(DATADIR)/templates/messages $(DESTDIR)$(MANDIR)/man1
	install -m 755 tempass $(DESTDIR)$(BINDIR)/tempass
	install -m 644 tempass.1 $(DESTDIR)$(MANDIR)/man1/tempass.1
	install -m 644 $(DATA) $(DESTDIR)$(DATADIR)/templates/
	install -m 644 $(MESSAGES) $(DESTDIR)$(DATADIR)/templates/messages/
	install -m 644 pipeline.conf $(DESTDIR)$(DATADIR)/pipeline.conf.example

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tempass $(DESTDIR)$(MANDIR)/man1/tempass.1 \
	  $(addprefix $(DESTDIR)$(DATADIR)/,$(DATA) $(MESSAGES)) \
	  $(DESTDIR)$(DATADIR)/pipeline.conf.example
	-rmdir $(DESTDIR)$(DATADIR)/templates/messages \
	  $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)

tests/unit/test_%: tests/unit/test_%.c tests/unit/test.h libtempass.a \
		   $(wildcard core/*.h formats/*.h engine/*.h)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) $(TEST_FLAGS) -o $@ $< libtempass.a $(LDLIBS)

# test_pdf_seam calls libharu itself, beside the seam.
tests/unit/test_pdf_seam: LDLIBS += -lhpdf

# test_wipe sees every free() and realloc() of tempass's code first (and
# its own, which the compiler must not reason away).
tests/unit/test_wipe: TEST_FLAGS := -Wl,--wrap=free -Wl,--wrap=realloc \
	-fno-builtin-free -fno-builtin-realloc

# Installs what is missing; as root with apt-get, otherwise prints the command.
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "make deps: missing packages; run as root:"; \
	  echo "  apt-get install$$missing"; exit 1; \
	fi

run: deps
	$(MAKE) tempass
	./tempass --config $(CONFIG) run --demo

test: deps
	$(MAKE) tempass $(UNIT_BIN)
	PYTHON=$(PYTHON) tests/run.sh

# The end-to-end scripts again on PostgreSQL: one private server, a
# database each, TEST_PG_JOBS scripts at once (tests/run.sh;
# tests/pg_leave_out says which are left out and why).
TEST_PG_JOBS ?= 2
test-pg: deps
	$(MAKE) tempass
	TEMPASS_TEST_STORE=pg TEMPASS_TEST_JOBS=$(TEST_PG_JOBS) \
	  PYTHON=$(PYTHON) tests/run.sh

# The reference pages tests/e2e/visual.sh compares renders with, written
# anew after an intended change of layout: look at them
# (tests/fixtures/pages/*.pgm) before committing them.
refs: deps
	$(MAKE) tempass
	VISUAL_WRITE=1 PYTHON=$(PYTHON) tests/run.sh e2e/visual.sh

bench: deps
	$(MAKE) tempass
	PYTHON=$(PYTHON) tests/bench.sh

check-asan: deps
	@$(MAKE) --no-print-directory -s clean
	$(MAKE) --no-print-directory \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" tempass $(UNIT_BIN)
	@rc=0; ASAN_OPTIONS=detect_leaks=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  PYTHON=$(PYTHON) tests/run.sh || rc=$$?; \
	$(MAKE) --no-print-directory -s clean >/dev/null; exit $$rc

# The end-to-end scripts whose work runs on threads, with tempass built
# with ThreadSanitizer: a data race ends the run it happens in with exit
# 99, and its script fails. Quick (a minute or two): CI runs it last.
TSAN_TESTS ?= void emit outputs ldap jobs run regenerate import \
	      concurrency sites
check-tsan: deps
	@$(MAKE) --no-print-directory -s clean
	$(MAKE) --no-print-directory CFLAGS="-O1 -g -fsanitize=thread" \
	  LDFLAGS="-fsanitize=thread" tempass
	@rc=0; TSAN_OPTIONS=halt_on_error=1:exitcode=99 \
	  PYTHON=$(PYTHON) tests/run.sh $(TSAN_TESTS:%=e2e/%.sh) || rc=$$?; \
	$(MAKE) --no-print-directory -s clean >/dev/null; exit $$rc

# The end-to-end tests with every run of tempass under valgrind: no
# invalid access, no definite leak. Slow (tens of minutes): not in CI. The
# fault and concurrency tests are left out: valgrind's slowness turns
# their timing into noise. CHECK=NAME picks scripts by name.
VALGRIND_TESTS ?= import admin afterwards audit regenerate secrets policy \
		  emit run notify send badinput
check-valgrind: deps
	$(MAKE) tempass
	@rc=0; for t in $(VALGRIND_TESTS); do \
	  TEMPASS_VALGRIND=1 PYTHON=$(PYTHON) tests/run.sh e2e/$$t.sh || rc=1; \
	done; exit $$rc

clean:
	rm -f tempass tempass.o tempass.d libtempass.a .paths $(OBJ_LIB) \
	      $(OBJ_LIB:.o=.d) $(UNIT_BIN)

# ==== Fuzzing ====
# `make fuzz` builds the libFuzzer harnesses of tests/fuzz with clang and runs
# each for FUZZ_SECONDS on its seed corpus. It fails on the first crash, leak,
# sanitizer report, input over 10 s or over 2 GB, and names the input; save
# that under tests/fuzz/regress/NAME/ so tests/e2e/fuzz_regress.sh replays it
# in `make test` once fixed. tests/fuzz/NAME.dict, where there is one, gives
# the fuzzer the words of the format. Inputs found along the way grow a
# working corpus under tests/tmp/fuzz/, kept between runs.

FUZZ_SECONDS ?= 60
FUZZ_CC     ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
               -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I.
FUZZ_OPTS   := -rss_limit_mb=2048 -timeout=10 -close_fd_mask=2 \
               -print_final_stats=1
FUZZ_DIR    := tests/tmp/fuzz
FUZZ_NAMES  := $(shell awk '!/^\#/ && NF { print $$1 }' tests/fuzz/targets)
FUZZ_BIN    := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))
# clang; libclang-rt-14-dev holds libFuzzer and the sanitizer runtimes.
DEB_FUZZ    := clang libclang-rt-14-dev

.PHONY: fuzz-deps

# As deps: installs what is missing as root, otherwise prints the command.
fuzz-deps:
	@missing=""; for p in $(DEB_FUZZ); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make fuzz-deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "make fuzz-deps: missing packages; run as root:"; \
	  echo "  apt-get install$$missing"; exit 1; \
	fi

# The sources each harness links are listed in tests/fuzz/targets.
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/targets \
		    $(wildcard core/*.[ch] formats/*.[ch])
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< \
	  $$(awk '$$1 == "$*" { $$1 = ""; print }' tests/fuzz/targets)

fuzz: deps fuzz-deps
	$(MAKE) $(FUZZ_BIN)
	@for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$n; \
	  regress=; [ -d tests/fuzz/regress/$$n ] && regress=tests/fuzz/regress/$$n; \
	  dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/fuzz_$$n $(FUZZ_OPTS) $$dict -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(FUZZ_DIR)/$$n- $(FUZZ_DIR)/corpus/$$n \
	    tests/fuzz/corpus/$$n $$regress || { \
	    echo "fuzz: $$n failed; the input is $(FUZZ_DIR)/$$n-*:"; \
	    ls -t $(FUZZ_DIR)/$$n-* 2>/dev/null | head -n 1; \
	    echo "(see why: $(FUZZ_DIR)/fuzz_$$n INPUT); save it under" \
	         "tests/fuzz/regress/$$n/ once fixed"; exit 1; }; \
	done
