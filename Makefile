# crm-tools — one flat Makefile (see README "Contributing").
# Overridable: CC CFLAGS CPPFLAGS LDFLAGS PREFIX DESTDIR BINDIR MANDIR SANITIZE.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
CFLAGS  ?= -O2 -g
VERSION := 0.1.0

PKGS    := sqlite3 yaml-0.1 uchardet libutf8proc nettle opencc icu-i18n icu-uc xlsxwriter \
           libzip expat freexl
override CPPFLAGS += -Ilib -DCRM_VERSION='"$(VERSION)"' -D_GNU_SOURCE
override CFLAGS   += -std=c11 -Wall -Wextra -Werror $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -pthread

# Sanitized builds live in their own tree so switching never mixes objects.
ifdef SANITIZE
override CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
B := build/san
else
B := build/default
endif

TOOLS    := $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
BINS     := $(TOOLS:%=$(B)/bin/%)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MANS     := $(wildcard man/*.[157])
# Message catalogs (crm-report's labels): po/LANG.po → LOCALE/LANG/LC_MESSAGES.
POS      := $(wildcard po/*.po)
MOS      := $(POS:po/%.po=$(B)/locale/%/LC_MESSAGES/crm-tools.mo)
# Fuzz targets: built with the normal compiler and replayed over their corpora
# in make check; tests/fuzz/run.sh builds them with clang/libFuzzer for make fuzz.
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY  := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_TAP     := $(FUZZ_REPLAY)
FUZZ_SECONDS ?= 60

.PHONY: all check check-run check-valgrind install uninstall clean demo bench fuzz deps report-shot
all: $(BINS) $(MOS)

$(B)/locale/%/LC_MESSAGES/crm-tools.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

$(B)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libcrm.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(B)/bin/%: cmd/%.c $(B)/libcrm.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcrm.a $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/testutil.h $(B)/libcrm.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcrm.a $(LDLIBS) $(shell pkg-config --libs cmocka)

$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/*.h $(B)/libcrm.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(B)/libcrm.a $(LDLIBS)

fuzz:
	@sh tests/deps.sh fuzz
	sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# deps: install the Debian build and test dependencies when any is missing.
deps:
	@sh tests/deps.sh

# check: every unit test (cmocka, TAP) and every CLI test (bats), through prove.
# deps runs first in its own make, so a fresh machine has pkg-config and the
# libraries before this Makefile's $(shell pkg-config ...) lines are read again.
check: deps
	@$(MAKE) --no-print-directory check-run

check-run: $(BINS) $(MOS) $(UNITS) $(FUZZ_REPLAY)
	@if [ -n "$(MANS)" ]; then mandoc -T lint -W warning $(MANS) || exit 1; fi
	CRM_BIN=$(CURDIR)/$(B)/bin CRM_UNIT=$(CURDIR)/$(B)/tests CRM_FUZZ=$(CURDIR)/$(B)/fuzz \
	    prove --exec 'sh tests/run-one.sh' $(UNITS) $(FUZZ_TAP) tests/cli/*.bats

# check-valgrind: the unit tests and the bats suite with every tool under
# valgrind memcheck (tests/valgrind.sh; VALGRIND_TESTS="FILES" for a subset).
check-valgrind: deps
	@sh tests/deps.sh valgrind
	@$(MAKE) --no-print-directory all $(UNITS)
	sh tests/valgrind.sh $(B)/bin $(B)/tests

demo: deps
	@$(MAKE) --no-print-directory all
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/data/demo.sh

# report-shot: crm-report's HTML for the hand-made data set, as headless
# Chromium draws it (tests/cli/report.bats takes the same picture in check).
report-shot: all
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/report-shot.sh $(CURDIR)/$(B)/report-shot.png
	@CRM_BIN=$(CURDIR)/$(B)/bin REPORT_LANG=zh-TW sh tests/report-shot.sh $(CURDIR)/$(B)/report-shot-zh-TW.png
	@echo "report-shot: $(B)/report-shot.png (English) and report-shot-zh-TW.png (繁體), each with its .html"

bench: all
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/bench/run.sh
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/bench/segment.sh
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/bench/xlsx_out.sh
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/bench/remind.sh
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/bench/report.sh
	@CRM_BIN=$(CURDIR)/$(B)/bin LIB=$(CURDIR)/$(B)/libcrm.a sh tests/bench/score.sh
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/bench/dedupe.sh
	@CRM_BIN=$(CURDIR)/$(B)/bin sh tests/bench/xlsx.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS); do \
	  if [ $$t = crm ] && [ -e $(DESTDIR)$(BINDIR)/crm ] && ! grep -q crm-tools-dispatcher $(DESTDIR)$(BINDIR)/crm; then \
	    echo "make: $(DESTDIR)$(BINDIR)/crm exists and is not ours; not overwriting it (call crm-* directly)" >&2; continue; fi; \
	  install -m 0755 $(B)/bin/$$t $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MANS); do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for p in $(POS); do l=$${p#po/}; l=$${l%.po}; install -d $(DESTDIR)$(DATADIR)/locale/$$l/LC_MESSAGES; \
	  install -m 0644 $(B)/locale/$$l/LC_MESSAGES/crm-tools.mo $(DESTDIR)$(DATADIR)/locale/$$l/LC_MESSAGES/; done
	install -d $(DESTDIR)$(DATADIR)/bash-completion/completions $(DESTDIR)$(DATADIR)/zsh/site-functions $(DESTDIR)$(DATADIR)/fish/vendor_completions.d
	install -m 0644 completions/crm.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/crm
	for t in $(TOOLS); do [ $$t = crm ] || ln -sf crm $(DESTDIR)$(DATADIR)/bash-completion/completions/$$t; done
	install -m 0644 completions/crm.zsh $(DESTDIR)$(DATADIR)/zsh/site-functions/_crm
	install -m 0644 completions/crm.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/crm.fish
	for t in $(TOOLS); do [ $$t = crm ] || ln -sf crm.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$t.fish; done
	install -d $(DESTDIR)$(DATADIR)/crm-tools
	install -m 0644 examples/config.yaml examples/reminder-message.txt $(DESTDIR)$(DATADIR)/crm-tools/

uninstall:
	for t in $(TOOLS); do \
	  if [ $$t = crm ] && [ -e $(DESTDIR)$(BINDIR)/crm ] && ! grep -q crm-tools-dispatcher $(DESTDIR)$(BINDIR)/crm; then \
	    :; else rm -f $(DESTDIR)$(BINDIR)/$$t; fi; \
	  rm -f $(DESTDIR)$(DATADIR)/bash-completion/completions/$$t $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$t.fish; done
	for m in $(MANS); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done
	for p in $(POS); do l=$${p#po/}; l=$${l%.po}; rm -f $(DESTDIR)$(DATADIR)/locale/$$l/LC_MESSAGES/crm-tools.mo; done
	rm -f $(DESTDIR)$(DATADIR)/zsh/site-functions/_crm $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/crm.fish
	rm -f $(DESTDIR)$(DATADIR)/crm-tools/config.yaml $(DESTDIR)$(DATADIR)/crm-tools/reminder-message.txt
	-rmdir $(DESTDIR)$(DATADIR)/crm-tools 2>/dev/null

clean:
	rm -rf build
