# fuzz.mk: fuzzing, included by the Makefile.
# `make fuzz` builds every harness tests/fuzz/TARGET.c with clang's libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer into build-fuzz/ and runs each for FUZZ_SECONDS (default 60),
# one after another, on a working corpus in build-fuzz/corpus/TARGET/ that starts from
# tests/fuzz/corpus/TARGET/ and tests/fuzz/regressions/TARGET/ (read, never written). A crash,
# leak, timeout or failed property fails it and leaves the reproducer in build-fuzz/artifacts/.
# `make check` (and so `make asan`) builds the same harnesses with $(CC) and $(CFLAGS) as replay
# programs in $(BUILD)/fuzz/, which tests/fuzz.bats runs on the corpus and the regressions.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
                -fsanitize=address,undefined -fno-sanitize-recover=all -Icommon -Itests/fuzz \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_SUPPORT  = tests/fuzz/fuzz_support.c tests/fuzz/replay.c
FUZZ_TARGETS  = $(patsubst tests/fuzz/%.c,%,$(filter-out $(FUZZ_SUPPORT),$(wildcard tests/fuzz/*.c)))
FUZZERS       = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz-%)
FUZZ_REPLAYS  = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)

# The verb whose engine a harness fuzzes (none: common/ alone). It links that verb's engine
# library and sees its headers; never a verb's main.c.
FUZZ_VERB_bsn                = pseudonymise
FUZZ_VERB_codes              = classify-condition
FUZZ_VERB_condition_rules    = classify-condition
FUZZ_VERB_key_file           = pseudonymise
FUZZ_VERB_standard_population = standardise
fuzz_verb_include = $(if $(FUZZ_VERB_$(1)),-Ifilters/$(FUZZ_VERB_$(1)))
fuzz_engine_obj   = $(if $(FUZZ_VERB_$(1)),$(patsubst %.c,$(FUZZ_BUILD)/%.o,$(filter-out filters/$(FUZZ_VERB_$(1))/main.c,$(wildcard filters/$(FUZZ_VERB_$(1))/*.c))))

# The fuzzers' record.c reads and writes in 64-byte blocks instead of 1 MiB and 256 KiB, the
# only change: small inputs then exercise every refill and records that straddle blocks, and
# AddressSanitizer need not map a megabyte for every reader (40 runs a second instead of 1500).
FUZZ_COMMON_OBJ = $(patsubst common/%.c,$(FUZZ_BUILD)/common/%.o,$(filter-out common/record.c,$(COMMON_SRC))) \
                  $(FUZZ_BUILD)/common/record-small-blocks.o

.PHONY: fuzz fuzz-build clean-fuzz

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-fuzz $(FUZZ_TARGETS)

fuzz-build: $(DEPS_STAMP)
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang with libFuzzer (Debian: apt-get install clang)" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(FUZZERS)

$(FUZZ_BUILD)/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/filters/%.o: filters/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/common/record-small-blocks.c: common/record.c
	@mkdir -p $(@D)
	sed -e 's/^#define READ_BLOCK .*/#define READ_BLOCK 64u/' \
	    -e 's/^#define WRITE_BLOCK .*/#define WRITE_BLOCK 64u/' $< > $@
	@grep -q '^#define READ_BLOCK 64u' $@ && grep -q '^#define WRITE_BLOCK 64u' $@ || \
	  { echo "fuzz.mk: READ_BLOCK or WRITE_BLOCK is gone from common/record.c" >&2; rm -f $@; exit 1; }

$(FUZZ_BUILD)/common/record-small-blocks.o: $(FUZZ_BUILD)/common/record-small-blocks.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

# Without coverage: the support's own loops are not what the fuzzer should explore.
$(FUZZ_BUILD)/fuzz_support.o: tests/fuzz/fuzz_support.c tests/fuzz/fuzz_support.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/%.c tests/fuzz/fuzz_support.h $(FUZZ_BUILD)/fuzz_support.o $(FUZZ_COMMON_OBJ) \
                      $$(call fuzz_engine_obj,$$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(call fuzz_verb_include,$*) -fsanitize=fuzzer -o $@ $< \
	  $(FUZZ_BUILD)/fuzz_support.o $(filter $(FUZZ_BUILD)/filters/%,$^) $(FUZZ_COMMON_OBJ) $(LDLIBS)

$(BUILD)/fuzz/fuzz-%: tests/fuzz/%.c $(FUZZ_SUPPORT) tests/fuzz/fuzz_support.h \
                      $$(if $$(FUZZ_VERB_$$*),$$(call verb_engine,$$(FUZZ_VERB_$$*))) $(BUILD)/libkoppel.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/fuzz $(call fuzz_verb_include,$*) $(LDFLAGS) -o $@ $< $(FUZZ_SUPPORT) \
	  $(filter %.a,$^) $(LDLIBS)

-include $(wildcard $(FUZZ_BUILD)/common/*.d $(FUZZ_BUILD)/filters/*/*.d $(FUZZ_BUILD)/*.d)

check bats: $(FUZZ_REPLAYS)
check bats: export KOPPEL_FUZZ_BIN = $(abspath $(BUILD)/fuzz)

clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_BUILD)
