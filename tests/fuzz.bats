#!/usr/bin/env bats
# fuzz.bats: replays the seed corpus and every regression of each fuzz harness (tests/fuzz/)
# through the replay programs that `make check` builds with the ordinary compiler and flags
# (KOPPEL_FUZZ_BIN, default build/fuzz), so that the sanitizer build replays them too.
# A harness checks properties (round trips, an independent parser, documented rules) and aborts
# when one fails. `make fuzz` runs the same harnesses under libFuzzer.

setup() {
    load 'test_helper/common-setup'
    _common_setup
    FUZZ_BIN="${KOPPEL_FUZZ_BIN:-$PROJECT_ROOT/build/fuzz}"
    FUZZ_DIR="$PROJECT_ROOT/tests/fuzz"
}

# replay TARGET: its corpus and regressions, each file once.
replay() {
    local target=$1 inputs=("$FUZZ_DIR/corpus/$1")
    [ -d "$FUZZ_DIR/regressions/$target" ] && inputs+=("$FUZZ_DIR/regressions/$target")
    run "$FUZZ_BIN/fuzz-$target" "${inputs[@]}"
    assert_success
    local expected
    expected=$(find "${inputs[@]}" -type f ! -name '.*' | wc -l)
    assert_line "replayed $expected inputs"
}

@test "every harness has a replay program, a seed corpus and a regressions directory only for itself" {
    local harnesses=0
    for source in "$FUZZ_DIR"/*.c; do
        local target
        target=$(basename "$source" .c)
        case $target in fuzz_support | replay) continue ;; esac
        harnesses=$((harnesses + 1))
        assert_file_executable "$FUZZ_BIN/fuzz-$target"
        [ "$(find "$FUZZ_DIR/corpus/$target" -type f | wc -l)" -ge 5 ] || fail "corpus of $target has fewer than 5 seeds"
    done
    [ "$harnesses" -ge 10 ] || fail "only $harnesses harnesses"
    for directory in "$FUZZ_DIR"/regressions/* "$FUZZ_DIR"/corpus/*; do
        assert_file_exists "$FUZZ_DIR/$(basename "$directory").c"
    done
}

@test "record reader: corpus (faults of real deliveries) and regressions" { replay record; }
@test "condition rules: corpus (the shipped IZA rules) and regressions" { replay condition_rules; }
@test "Wmo category table: corpus (the shipped table) and regressions" { replay category_rules; }
@test "derive --lookup tables: corpus and regressions" { replay lookup_table; }
@test "standard population files: corpus (the shipped ESP 2013) and regressions" { replay standard_population; }
@test "key files: corpus and regressions" { replay key_file; }
@test "BSN normalisation and trimming: corpus and regressions" { replay bsn; }
@test "dates: corpus and regressions" { replay dates; }
@test "codes: corpus and regressions" { replay codes; }
@test "numbers: corpus and regressions (subnormals read back)" { replay numbers; }

@test "replay: a missing input fails, an empty directory replays nothing, inputs are named" {
    run "$FUZZ_BIN/fuzz-record" "$BATS_TEST_TMPDIR/missing"
    assert_failure
    mkdir "$BATS_TEST_TMPDIR/empty"
    run "$FUZZ_BIN/fuzz-record" "$BATS_TEST_TMPDIR/empty"
    assert_success
    assert_output "replayed 0 inputs"
    printf 'a,b\n1,2\n' > "$BATS_TEST_TMPDIR/one.csv"
    run "$FUZZ_BIN/fuzz-record" "$BATS_TEST_TMPDIR/one.csv"
    assert_success
    assert_line "replay: $BATS_TEST_TMPDIR/one.csv"
    assert_line "replayed 1 inputs"
}
