#!/usr/bin/env bats
# errors.bats: gold error messages. For every program, each case in
# tests/fixtures/errors/PROGRAM.cases gives a command, its exit status and its exact standard
# error (see tests/fixtures/errors/README), so that a changed message or status is noticed.

setup() {
    load 'test_helper/common-setup'
    _common_setup
    # strerror texts ("No such file or directory") in the C locale
    export LC_ALL=C
    WORK="$BATS_TEST_TMPDIR/errors"
    cp -R "$FIXTURES/errors" "$WORK"
    chmod 600 "$WORK/master.key"
    chmod 644 "$WORK/open.key"
}

# run_cases PROGRAM: run every case of PROGRAM.cases in $WORK; fail with the cases whose
# status or standard error differ, each with both standard errors.
run_cases() {
    local line command="" expected_status="" expected_err="" in_case=0 count=0 failures=""
    check_case() {
        local status=0 actual_err=""
        bash -c "$command" < /dev/null > /dev/null 2> "$WORK/actual.err" || status=$?
        IFS= read -r -d '' actual_err < "$WORK/actual.err" || true
        count=$((count + 1))
        if [ "$status" != "$expected_status" ] || [ "$actual_err" != "$expected_err" ]; then
            failures+=$'\n'"\$ $command"$'\n'"status $status, expected $expected_status"
            failures+=$'\n'"stderr:"$'\n'"$actual_err"$'\n'"expected:"$'\n'"$expected_err"
        fi
        command="" expected_status="" expected_err="" in_case=0
    }
    cd "$WORK"
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        '')
            [ "$in_case" = 0 ] || check_case ;;
        '$ '*)
            [ -z "$command" ] || fail "$1.cases: a second command before the blank line: $line"
            command=${line#'$ '} ;;
        '? '*)
            [ -n "$command" ] || fail "$1.cases: a status without a command: $line"
            expected_status=${line#'? '}
            in_case=1 ;;
        *)
            if [ "$in_case" = 1 ]; then
                expected_err+="$line"$'\n'
            elif [[ $line != '#'* ]]; then
                fail "$1.cases: a line outside a case: $line"
            fi ;;
        esac
    done < "$FIXTURES/errors/$1.cases"
    [ "$in_case" = 0 ] || check_case
    [ -z "$failures" ] || fail "$1:$failures"
    # a case file that lost its cases must not pass by having none
    [ "$count" -ge 3 ] || fail "$1.cases has $count cases, expected at least 3"
}

@test "gold errors: koppel (the dispatcher)" { run_cases koppel; }
@test "gold errors: aggregate" { run_cases aggregate; }
@test "gold errors: classify-condition" { run_cases classify-condition; }
@test "gold errors: did" { run_cases did; }
@test "gold errors: derive" { run_cases derive; }
@test "gold errors: join" { run_cases join; }
@test "gold errors: partition" { run_cases partition; }
@test "gold errors: periods" { run_cases periods; }
@test "gold errors: pseudonymise" { run_cases pseudonymise; }
@test "gold errors: select" { run_cases select; }
@test "gold errors: standardise" { run_cases standardise; }
@test "gold errors: suppress" { run_cases suppress; }
@test "gold errors: synth" { run_cases synth; }
@test "gold errors: view" { run_cases view; }

@test "gold errors: every program has its cases" {
    for program in "$KOPPEL_BIN"/koppel "$KOPPEL_BIN"/koppel-*; do
        name=$(basename "$program")
        name=${name#koppel-}
        assert_file_exists "$FIXTURES/errors/$name.cases"
    done
}
