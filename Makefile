# koppel: build, test, demo, benchmark and install the filters.
# `make demo` and `make check` first install missing Debian packages (scripts/install-deps).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
BIN     ?= bin

CC      ?= cc
OPTFLAGS ?= -O3 -g
WARNFLAGS = -Wall -Wextra $(if $(WERROR),-Werror)
PKGS    = libsodium gsl zlib
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARNFLAGS) $(SANFLAGS) -Icommon \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += -lcsv -lglpk $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsodium -lgsl -lgslcblas -lz) -lm
# Each program loads only the libraries it calls (not GLPK in select, say): a study runs the
# filters some 1,500 times, and loading every library cost each run 5 ms of start-up.
LDFLAGS += $(SANFLAGS) -Wl,--as-needed

# common/ is one library every program links; filters/VERB/ holds a verb's main.c and the engine
# files only that verb uses, built into a library of its own that its tests and fuzz harnesses link.
COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)
VERBS      = $(filter-out koppel,$(notdir $(wildcard filters/*)))
FILTERS    = $(VERBS:%=$(BIN)/koppel-%)
UNIT_SRC   = $(wildcard tests/unit/*.c)
UNITS      = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
DEPS_STAMP = $(BUILD)/.deps-ok
# The engine library of VERB, and of a unit test named VERB_something (none for common/'s tests).
verb_engine = $(BUILD)/filters/$(1)/libengine.a
engine_objects = $(patsubst %.c,$(BUILD)/%.o,$(filter-out filters/$(1)/main.c,$(wildcard filters/$(1)/*.c)))
unit_verb   = $(firstword $(foreach v,$(VERBS),$(if $(filter $(v)_%,$(1)),$(v))))

.PHONY: all check unit bats demo bench bench-linked bench-national asan install uninstall clean deps man dist FORCE
.SECONDARY:

all: $(DEPS_STAMP) $(BIN)/koppel $(FILTERS)

# Every package present, or at least the libraries and headers the build needs (a host without
# root where they were installed some other way, e.g. under $$HOME/.local through CPATH and
# LIBRARY_PATH); else install-deps installs them, or, without root, says what to install.
LINK_PROBE = printf '\#include <csv.h>\n\#include <sodium.h>\n\#include <gsl/gsl_version.h>\n\#include <glpk.h>\n\#include <zlib.h>\n\#include <uthash.h>\nint main(void) { return 0; }\n' \
             | $(CC) $(CFLAGS) -x c -o /dev/null - $(LDFLAGS) $(LDLIBS)
$(DEPS_STAMP): scripts/install-deps
	@scripts/install-deps --check >/dev/null 2>&1 || ( $(LINK_PROBE) ) >/dev/null 2>&1 || scripts/install-deps
	@mkdir -p $(@D) && touch $@

deps:
	scripts/install-deps

# The compiler and flags of the last build: objects are rebuilt when they change.
FLAGS_STAMP = $(BUILD)/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@
FORCE:

# Headers an object includes are found by the compiler (-MMD): the .d files beside the objects.
$(BUILD)/%.o: %.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libkoppel.a: $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

.SECONDEXPANSION:
$(BUILD)/filters/%/libengine.a: $$(call engine_objects,$$*) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

$(BIN)/koppel-%: $(BUILD)/filters/%/main.o $(BUILD)/filters/%/libengine.a $(BUILD)/libkoppel.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/koppel: $(BUILD)/filters/koppel/main.o $(BUILD)/libkoppel.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $$(if $$(call unit_verb,$$*),$$(call verb_engine,$$(call unit_verb,$$*))) \
                 $(BUILD)/libkoppel.a $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(if $(call unit_verb,$*),-Ifilters/$(call unit_verb,$*)) -MMD -MP $(LDFLAGS) \
	  -o $@ $< $(filter %.a,$^) $(LDLIBS)

-include $(wildcard $(BUILD)/common/*.d $(BUILD)/filters/*/*.d $(BUILD)/unit/*.d $(BUILD)/fuzz/*.d)

JOBS ?= $(shell nproc 2>/dev/null || echo 2)

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "unit: $$t"; $$t; done

bats: all
	KOPPEL_BIN=$(abspath $(BIN)) bats --jobs $(JOBS) tests/

# Every unit test and Bats file, closing with one line "N passed, N failed".
check: all $(UNITS)
	KOPPEL_BIN=$(abspath $(BIN)) JOBS=$(JOBS) scripts/run-tests $(UNITS)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build-asan BIN=bin-asan OPTFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" check

# Each filter once under valgrind, main path and reject path: no memory errors and no leaks of
# any kind, one line per run (scripts/valgrind-check, on the -O2 -g build of $(BIN)).
.PHONY: valgrind
valgrind: all
	KOPPEL_BIN=$(abspath $(BIN)) scripts/valgrind-check

demo: all
	scripts/demo

# Benchmarks against DuckDB, Miller, datamash, sort | join (scripts/bench): 1,000,000 persons,
# or 18,000,000 persons and about 100 million contacts (hours; some 30 GB of disk); at both, the
# Wmo clients per municipality and month of a whole country (wmo-months, 1.13M decisions).
# bench-linked (also part of bench): suppress --linked on ten linked tables, about 2,000 cells.
bench: all
	KOPPEL_BIN=$(abspath $(BIN)) BENCH_SCALE=1m scripts/bench
	KOPPEL_BIN=$(abspath $(BIN)) scripts/bench-linked

bench-linked: all
	KOPPEL_BIN=$(abspath $(BIN)) scripts/bench-linked

bench-national: all
	KOPPEL_BIN=$(abspath $(BIN)) BENCH_SCALE=national scripts/bench

# Man pages from each program's --help (help2man), examples kept line for line, SEE ALSO added.
man: all
	@mkdir -p $(BUILD)/man
	@for p in $(BIN)/koppel $(FILTERS); do \
	  scripts/man-page $$p $(BUILD)/man/$$(basename $$p).1 || exit 1; done

# The programs, share/koppel, a man page per program and the bash completion (found by
# bash-completion under PREFIX/share, ~/.local/share included). Without help2man the manual
# pages are left out (each program's --help has the same text).
COMPLETIONS = $(PREFIX)/share/bash-completion/completions
MAN1        = $(PREFIX)/share/man/man1

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/koppel $(DESTDIR)$(COMPLETIONS)
	install -m 755 $(BIN)/koppel $(FILTERS) $(DESTDIR)$(PREFIX)/bin/
	cp -R share/koppel/. $(DESTDIR)$(PREFIX)/share/koppel/
	install -m 644 share/bash-completion/completions/koppel $(DESTDIR)$(COMPLETIONS)/koppel
	@if command -v help2man >/dev/null; then \
	  $(MAKE) --no-print-directory man && install -d $(DESTDIR)$(MAN1) && \
	  install -m 644 $(patsubst $(BIN)/%,$(BUILD)/man/%.1,$(BIN)/koppel $(FILTERS)) $(DESTDIR)$(MAN1)/; \
	else echo "install: no help2man here: manual pages left out (koppel VERB --help has the text)"; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/koppel $(FILTERS:$(BIN)/%=$(DESTDIR)$(PREFIX)/bin/%)
	rm -f $(DESTDIR)$(MAN1)/koppel.1 $(FILTERS:$(BIN)/%=$(DESTDIR)$(MAN1)/%.1)
	rm -f $(DESTDIR)$(COMPLETIONS)/koppel
	rm -rf $(DESTDIR)$(PREFIX)/share/koppel

# The self-contained bundle dist/koppel-VERSION-linux-ARCH.tar.gz (scripts/dist): every program
# linked statically against libcsv, libsodium, GSL, GLPK (and the AMD, COLAMD and GMP it uses)
# and zlib, dynamically only against the C library (scripts/dist-shims.c says what that takes);
# with the tables, manual pages, the demo study and SHA256SUMS. Ends with the bundle's size and
# the newest glibc symbol version it needs (tests/dist.bats runs the demo study from it).
VERSION   := $(shell sed -n 's/^\#define KOPPEL_VERSION "\(.*\)"/\1/p' common/koppel.h)
DIST_LIBS  = -lcsv -lsodium -lgsl -lgslcblas -lglpk -lcolamd -lamd -lsuitesparseconfig -lgmp -lz
.PHONY: dist
build-dist/dist-shims.o: scripts/dist-shims.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -c -o $@ $<
dist: build-dist/dist-shims.o
	rm -f build-dist/bin/*
	$(MAKE) --no-print-directory BUILD=build-dist BIN=build-dist/bin OPTFLAGS='-O3 -DKOPPEL_ALL_LIBRARIES' \
	  LDLIBS='$(abspath build-dist/dist-shims.o) -Wl,--wrap=hypot -Wl,-Bstatic $(DIST_LIBS) -Wl,-Bdynamic -lm' all
	scripts/dist build-dist/bin $(VERSION)

clean:
	rm -rf build build-asan build-dist bin bin-asan out dist

# Fuzzing: make fuzz, and the replay programs make check runs (tests/fuzz/fuzz.mk).
include tests/fuzz/fuzz.mk
