#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# hardening.bats: every filter against the bad-input corpus of tests/fixtures/bad/ (the faults of
# real deliveries and the record rules of README.md, "What every filter does the same way":
# expected status, message, rejects and counts), the
# common failure rules of every program, and the limits: a 1 GB field, a million columns,
# a binary file, and input that never ends (memory bounded, a clear error when it runs out).
#
# The corpus: cases.csv lists every file (make-corpus.py writes them), expected.csv says what
# each filter must do with each, check-runs.py holds the filter list and checks the runs.

setup() {
    load 'test_helper/common-setup'
    _common_setup
    BAD="$FIXTURES/bad"
    PY=$(command -v /usr/bin/python3 || command -v python3)
    KEY="$BATS_TEST_TMPDIR/master.key"
    printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f > "$KEY"
    chmod 600 "$KEY"
    PIDS="$BATS_TEST_TMPDIR/pids"
    : > "$PIDS"
}

teardown() {
    # Background pipelines of the memory tests, should a test fail before it stops them.
    local pid
    while read -r pid; do
        kill "$pid" 2> /dev/null || true
    done < "$PIDS"
}

# invoke FILTER FILE PARTS [OPTION...]: run the hardening invocation of FILTER (a name of
# check-runs.py filters) on FILE, with the common OPTIONs; PARTS is koppel partition's --out.
# Run from $BAD: the join partners and the standard are files of the corpus.
invoke() {
    local filter=$1 file=$2 parts=$3
    shift 3
    case $filter in
    select) koppel-select --overlaps start_date,end_date=2022-01-01..2023-12-31 "$@" "$file" ;;
    periods) koppel-periods --period start_date,end_date --window 2022-01-01..2023-12-31 "$@" "$file" ;;
    derive) koppel-derive --iso-date start_date --year start_year=start_date "$@" "$file" ;;
    pseudonymise) koppel-pseudonymise --key-file "$KEY" --bsn bsn "$@" "$file" ;;
    join-left) koppel-join -q -k bsn --type semi "$@" "$file" p-good.csv ;;
    join-right) koppel-join -q -k bsn --type semi "$@" p-good.csv "$file" ;;
    tag) koppel-classify-condition --tag "$@" "$file" ;;
    prevalence) koppel-classify-condition --prevalence --year 2023 --ignore-age-rules "$@" "$file" ;;
    aggregate) koppel-aggregate -g practice_id --count --count-distinct bsn "$@" "$file" ;;
    partition) koppel-partition -q -k bsn -n 2 --out "$parts" "$@" "$file" ;;
    join-validate) koppel-join -q -k bsn --type left --validate m:1 "$@" ep-good.csv "$file" ;;
    population) koppel-classify-condition --prevalence --year 2023 --population "$file" "$@" ep-good.csv ;;
    derive-age) koppel-derive --age age=birth_date:2023-01-01 "$@" "$file" ;;
    pseudonymise-p) koppel-pseudonymise --key-file "$KEY" --bsn bsn "$@" "$file" ;;
    # Each cell is a group; naming its stratum column makes a repeated cell a bad record.
    standardise) koppel-standardise --method crude -g district,sex --strata sex --events count \
        --population population "$@" "$file" ;;
    suppress) koppel-suppress --dims district,sex "$@" "$file" ;;
    standardise-direct) koppel-standardise --method direct --standard rate-standard.csv \
        --strata age_band -g district --events events --population population "$@" "$file" ;;
    did) koppel-did --unit gemeente_code --time month --treated wijkteam --outcome per_1000 \
        --weight population "$@" "$file" ;;
    *) echo "invoke: no invocation for $filter" >&2; return 99 ;;
    esac
}

# Is the build instrumented by AddressSanitizer? (It reserves terabytes of address space,
# so ulimit -v cannot limit it, and its quarantine grows RSS on purpose.)
asan_build() { ldd "$KOPPEL_BIN/koppel-select" 2> /dev/null | grep -q libasan; }

# The parts koppel partition wrote to DIR, as one stream (nothing when it wrote none).
collect_parts() {
    local dir=$1 target=$2
    if compgen -G "$dir/part-*.csv" > /dev/null; then
        cat "$dir"/part-*.csv > "$target"
    fi
}

# run_case FILTER DIR N CASE OPTIONS EXPECTED: the runs of one case (see run_matrix); writes
# its line of DIR/runs-N.tsv.
run_case() {
    local filter=$1 dir=$2 n=$3 case=$4 options=$5 expected=$6 status=- rstatus=0
    local -a extra=()
    [ -z "$options" ] || read -r -a extra <<< "$options"
    if [ "$expected" != 0 ]; then
        status=0
        invoke "$filter" "$case.csv" "$dir/parts-$n" "${extra[@]}" > /dev/null 2> "$dir/$n.err" || status=$?
    fi
    if [ "$filter" = partition ]; then
        invoke "$filter" "$case.csv" "$dir/rparts-$n" "${extra[@]}" --rejects "$dir/$n.rej" \
            --stats "$dir/$n.stats" > /dev/null 2> "$dir/$n.rerr" || rstatus=$?
        collect_parts "$dir/rparts-$n" "$dir/$n.rout"
    else
        invoke "$filter" "$case.csv" "$dir/rparts-$n" "${extra[@]}" --rejects "$dir/$n.rej" \
            --stats "$dir/$n.stats" -o "$dir/$n.rout" > /dev/null 2> "$dir/$n.rerr" || rstatus=$?
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$case" "$options" "$status" "$rstatus" > "$dir/runs-$n.tsv"
}

# run_matrix FILTER: run FILTER on every case expected.csv plans for it with --rejects,
# --stats and -o, and also plainly where it must fail without --rejects; then let
# check-runs.py check every run.
run_matrix() {
    local filter=$1 dir="$BATS_TEST_TMPDIR/runs" n=0 case options expected
    mkdir -p "$dir"
    cd "$BAD"
    while IFS='|' read -r case options expected; do
        n=$((n + 1))
        run_case "$filter" "$dir" "$n" "$case" "$options" "$expected"
    done < <("$PY" check-runs.py plan "$filter")
    [ "$n" -gt 0 ]
    cat "$dir"/runs-*.tsv > "$dir/runs.tsv"
    [ "$(wc -l < "$dir/runs.tsv")" -eq "$n" ]
    # A failed run leaves no temporary beside its -o file.
    run bash -c "ls '$dir' | grep -F '.tmp' || true"
    assert_output ""
    run "$PY" check-runs.py check "$filter" "$dir"
    assert_success
}

# ---------------------------------------------------------------- the corpus itself

@test "corpus: the files are what make-corpus.py writes, and cases.csv names every one" {
    mkdir "$BATS_TEST_TMPDIR/fresh"
    cp "$BAD/make-corpus.py" "$BATS_TEST_TMPDIR/fresh/"
    "$PY" "$BATS_TEST_TMPDIR/fresh/make-corpus.py"
    for f in "$BATS_TEST_TMPDIR"/fresh/*.csv; do
        cmp "$f" "$BAD/$(basename "$f")"
    done
    # Every .csv in the corpus directory is a case, the manifest or the expectations.
    run bash -c "cd '$BAD' && ls *.csv | grep -vxF -e cases.csv -e expected.csv | sort"
    assert_output "$(tail -n +2 "$BAD/cases.csv" | cut -d, -f2 | grep '\.csv$' | sort)"
}

@test "corpus: every case has exactly one expectation for every filter of its shape" {
    cd "$BAD"
    run "$PY" check-runs.py complete
    assert_success
    assert_output ""
}

@test "corpus: every koppel-* program in KOPPEL_BIN is in the matrix (synth: its own test below; view: tests/view.bats)" {
    # koppel view writes no CSV and takes no -o, --rejects or --stats, which the matrix runs
    # with: its bad records, usage errors, closed pipe and full disk are tested in view.bats.
    cd "$BAD"
    local verbs programs
    verbs=$("$PY" check-runs.py filters | awk '{print $2}' | sort -u)
    programs=$(cd "$KOPPEL_BIN" && ls koppel-* | sed 's/^koppel-//' | grep -vxE 'synth|view' | sort)
    assert_equal "$programs" "$verbs"
    # ... and every filter name has an invocation and a matrix test in this file.
    local name
    for name in $("$PY" check-runs.py filters | awk '{print $1}'); do
        grep -q "^    $name) " "$BATS_TEST_FILENAME"
        grep -q "^@test \"matrix: $name\"" "$BATS_TEST_FILENAME"
    done
}

# ---------------------------------------------------------------- the matrix: one test per filter

@test "matrix: select" { run_matrix select; }
@test "matrix: periods" { run_matrix periods; }
@test "matrix: derive" { run_matrix derive; }
@test "matrix: pseudonymise" { run_matrix pseudonymise; }
@test "matrix: join-left" { run_matrix join-left; }
@test "matrix: join-right" { run_matrix join-right; }
@test "matrix: tag" { run_matrix tag; }
@test "matrix: prevalence" { run_matrix prevalence; }
@test "matrix: aggregate" { run_matrix aggregate; }
@test "matrix: partition" { run_matrix partition; }
@test "matrix: join-validate" { run_matrix join-validate; }
@test "matrix: population" { run_matrix population; }
@test "matrix: derive-age" { run_matrix derive-age; }
@test "matrix: pseudonymise-p" { run_matrix pseudonymise-p; }
@test "matrix: standardise" { run_matrix standardise; }
@test "matrix: suppress" { run_matrix suppress; }
@test "matrix: standardise-direct" { run_matrix standardise-direct; }
@test "matrix: did" { run_matrix did; }

# ---------------------------------------------------------------- what the handled cases give

@test "handled: 8 digits, spaces and dots give the pseudonym of the normalised BSN (HMAC by Python)" {
    cd "$BAD"
    expected=$("$PY" - "$KEY" <<'PY'
import hashlib, hmac, sys
key = bytes.fromhex(open(sys.argv[1]).read().strip())
for bsn in ("111222333", "123456782", "080999992"):
    print(hmac.new(key, b"bsn:" + bsn.encode(), hashlib.sha256).hexdigest()[:32])
PY
)
    got=$(set -o pipefail; (set -e; koppel-pseudonymise --key-file "$KEY" --bsn bsn ep-bsn-separators.csv | sed -n '2p;3p'
            koppel-pseudonymise --key-file "$KEY" --bsn bsn ep-bsn-8-digits.csv | sed -n 5p) 2> /dev/null | cut -d, -f1)
    assert_equal "$got" "$expected"
}

@test "handled: ' t90 ' is tagged diabetes, DD-MM-YYYY becomes ISO, 8 digits stay unmatched in the report" {
    cd "$BAD"
    # The row of ' t90 ' (line 2) has diabetes 1; the column is found by name.
    run bash -c "set -o pipefail; koppel-classify-condition --tag ep-icpc-padded.csv | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
print(repr(rows[0][\"icpc\"]), rows[0][\"diabetes\"])'"
    assert_success
    assert_output "' t90 ' 1"
    run bash -c "set -o pipefail; koppel-derive --iso-date start_date ep-date-dmy.csv | sed -n 3p"
    assert_success
    assert_output "123456782,P01,E02,K77.01,2022-06-15,2023-02-01"
    # The linkage report counts the person whose leading zero was lost as unmatched.
    koppel-join -q -k bsn --type semi --stats "$BATS_TEST_TMPDIR/s.json" ep-bsn-8-digits.csv p-good.csv > /dev/null
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" left_unmatched_records)" 2
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" right_unmatched_records)" 2
}

@test "handled: a stratum without population leaves the DSR empty and says why; the other group by hand" {
    cd "$BAD"
    for f in rate-missing-stratum.csv rate-zero-population.csv; do
        run koppel-standardise --method direct --standard rate-standard.csv --strata age_band \
            -g district --events events --population population "$f"
        assert_success
        # Noord by hand: (50*12/4000 + 30*20/3000 + 20*35/1000) / 100 * 1000 = 10.5
        assert_line --regexp '^Noord,67,8000,[^,]*,[^,]*,[^,]*,10\.5,'
        assert_line --regexp '^Zuid,.*,,,,population 0 in stratum age_band=65\+ with positive weight: DSR not defined$'
    done
}

# ---------------------------------------------------------------- every program: common rules

# One ordinary invocation per program (the matrix's first of each verb).
each_program() {
    "$PY" "$BAD/check-runs.py" filters | awk '!seen[$2]++ {print $1, $2, $3}'
}

@test "every program: an unreadable file, an unknown option, a missing file, a directory: status 2" {
    cd "$BAD"
    cp ep-good.csv "$BATS_TEST_TMPDIR/secret.csv"
    chmod 000 "$BATS_TEST_TMPDIR/secret.csv"
    local name verb shape as=()
    # root reads any file: read it as nobody then (setpriv), else as ourselves
    if [ "$(id -u)" = 0 ]; then as=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
    chmod 755 "$BATS_TEST_TMPDIR"
    run "${as[@]}" "$KOPPEL_BIN/koppel-select" "$BATS_TEST_TMPDIR/secret.csv"
    assert_failure 2
    assert_output --partial "cannot open $BATS_TEST_TMPDIR/secret.csv: Permission denied"
    while read -r name verb shape; do
        run invoke "$name" "$shape-good.csv" "$BATS_TEST_TMPDIR/p" --no-such-option
        assert_failure 2
        assert_output --partial "koppel-$verb: try 'koppel $verb --help'"
        run invoke "$name" no-such-file.csv "$BATS_TEST_TMPDIR/p"
        assert_failure 2
        assert_output --partial "koppel-$verb: cannot open no-such-file.csv: No such file or directory"
        run invoke "$name" "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/p"
        assert_failure 2
        assert_output --partial "koppel-$verb: cannot read $BATS_TEST_TMPDIR: it is a directory"
    done < <(each_program)
}

@test "every program: a full disk is status 3; stdin is named '-' in messages" {
    cd "$BAD"
    local name verb shape
    while read -r name verb shape; do
        [ "$verb" != partition ] || continue # writes no standard output: see partition.bats
        run invoke "$name" "$shape-good.csv" "$BATS_TEST_TMPDIR/p" -o /dev/full
        assert_failure 3
        assert_output --partial "koppel-$verb: error writing /dev/full: No space left on device"
    done < <(each_program)
    while read -r name verb shape; do
        [ "$shape" = ep ] || continue
        run invoke "$name" - "$BATS_TEST_TMPDIR/p" < ep-too-few.csv
        assert_failure 1
        assert_output --partial "koppel-$verb: -:3: 5 fields, expected 6 as in the header"
    done < <(each_program)
}

@test "every program: a binary file is a bad header (status 1); binary records after a header are rejected" {
    cd "$BAD"
    head -c 65536 /bin/ls > "$BATS_TEST_TMPDIR/binary.csv"
    { head -n 1 ep-good.csv; head -c 65536 /bin/ls; } > "$BATS_TEST_TMPDIR/ep-binary.csv"
    local name verb shape
    while read -r name verb shape; do
        run invoke "$name" "$BATS_TEST_TMPDIR/binary.csv" "$BATS_TEST_TMPDIR/p"
        assert_failure 1
        assert_output --partial "koppel-$verb: $BATS_TEST_TMPDIR/binary.csv:1: header: NUL byte in the record"
    done < <("$PY" check-runs.py filters)
    while read -r name verb shape; do
        [ "$shape" = ep ] || continue
        rm -f "$BATS_TEST_TMPDIR/s.json"
        run invoke "$name" "$BATS_TEST_TMPDIR/ep-binary.csv" "$BATS_TEST_TMPDIR/p-$name" \
            --rejects "$BATS_TEST_TMPDIR/r.csv" --stats "$BATS_TEST_TMPDIR/s.json"
        assert_success
        # Every line of the binary part is a record that is rejected (none has six fields).
        [ "$(stats_field "$BATS_TEST_TMPDIR/s.json" rejected)" -gt 40 ]
        assert_equal "$name: $(stats_field "$BATS_TEST_TMPDIR/s.json" records_out)" "$name: 0"
    done < <("$PY" check-runs.py filters)
}

@test "every program: its good input compressed with gzip, or read with --encoding windows-1252, gives the same output" {
    # (The good inputs are ASCII, which every encoding reads alike: this checks that every
    # program reads through the byte source and takes the option; tests/encoding.bats has
    # the conversions themselves.)
    cd "$BAD"
    local name verb shape kind t
    while read -r name verb shape kind; do
        t="$BATS_TEST_TMPDIR/$name"
        gzip -c "$shape-good.csv" > "$t.csv.gz"
        invoke "$name" "$shape-good.csv" "$t-plain" > "$t.plain"
        invoke "$name" "$t.csv.gz" "$t-gzip" > "$t.gzip"
        invoke "$name" "$shape-good.csv" "$t-encoded" --encoding windows-1252 > "$t.encoded"
        for run in plain gzip encoded; do
            collect_parts "$t-$run" "$t.$run" # partition writes parts, not standard output
        done
        [ -s "$t.plain" ] || fail "$name: no output"
        cmp "$t.plain" "$t.gzip" || fail "$name: gzip input gives another output"
        cmp "$t.plain" "$t.encoded" || fail "$name: --encoding windows-1252 gives another output"
    done < <("$PY" check-runs.py filters)
}

@test "synth: option errors are status 2 with a clear message, and nothing is written" {
    local out="$BATS_TEST_TMPDIR/synth"
    run koppel-synth
    assert_failure 2
    assert_output --partial "koppel-synth: --out DIR is required"
    run koppel-synth --out "$out" --no-such-option
    assert_failure 2
    assert_output --partial "unrecognized option '--no-such-option'"
    local bad
    for bad in "--persons -1" "--persons abc" "--persons 0" "--persons 50000001" "--seed 4294967296" \
        "--seed -1" "--dirty 0.5" "--dirty x" "--years 2023-2017" "--years 1900-2000" "--gp-coverage 0.9"; do
        run koppel-synth --out "$out" $bad
        assert_failure 2
        assert_output --partial "koppel-synth: ${bad%% *} expects"
    done
    for bad in "-d ;" "-o x.csv" "--rejects r.csv"; do
        run koppel-synth --out "$out" --persons 10 $bad
        assert_failure 2
        assert_output --partial "-o, --rejects and -d do not apply"
    done
    run koppel-synth --out "$out" --persons 10 input.csv
    assert_failure 2
    assert_output --partial "synth reads no input files"
    run koppel-synth --out "$KEY" --persons 10
    assert_failure 2
    assert_output --partial "is not a directory"
    run koppel-synth --out /dev/full/x --persons 10
    assert_failure 3
    assert_not_exist "$out"
}

@test "every program: two outputs (or an output and an input) naming one file are a usage error (regression)" {
    cd "$BAD"
    local t="$BATS_TEST_TMPDIR" name verb shape
    cp ep-too-few.csv "$t/in.csv"
    # The common outputs, for every program that reads CSV.
    while read -r name verb shape; do
        cp "$shape-good.csv" "$t/in.csv"
        [ "$verb" = partition ] || {
            run invoke "$name" "$t/in.csv" "$t/p" -o "$t/x.csv" --rejects "$t/./x.csv"
            assert_failure 2
            assert_output --partial "koppel-$verb: -o and --rejects name the same file $t/./x.csv"
            run invoke "$name" "$t/in.csv" "$t/p" -o "$t/x.csv" --stats "$t/x.csv"
            assert_failure 2
            assert_output --partial "koppel-$verb: -o and --stats name the same file"
            run invoke "$name" "$t/in.csv" "$t/p" --rejects -
            assert_failure 2
            assert_output --partial "koppel-$verb: -o and --rejects are both standard output"
        }
        run invoke "$name" "$t/in.csv" "$t/p" --rejects "$t/in.csv"
        assert_failure 2
        assert_output --partial "koppel-$verb: --rejects and the input name the same file"
        run invoke "$name" "$t/in.csv" "$t/p" --stats "$t/in.csv"
        assert_failure 2
        assert_output --partial "koppel-$verb: --stats and the input name the same file"
        cmp "$t/in.csv" "$shape-good.csv"
        assert_not_exist "$t/x.csv"
    done < <(each_program)
    # -o may replace the input: it does so once the input is read.
    cp ep-good.csv "$t/in.csv"
    koppel-select -o "$t/in.csv" "$t/in.csv"
    cmp "$t/in.csv" ep-good.csv
    # The by-products of join, classify-condition and synth.
    run koppel-join -k bsn --unmatched-left "$t/u.csv" -o "$t/u.csv" ep-good.csv p-good.csv
    assert_failure 2
    assert_output --partial "-o and --unmatched-left name the same file"
    run koppel-join -k bsn --report p-good.csv ep-good.csv p-good.csv
    assert_failure 2
    assert_output --partial "--report and RIGHT name the same file"
    run koppel-classify-condition --prevalence --year 2023 --population p-good.csv --outside p-good.csv ep-good.csv
    assert_failure 2
    assert_output --partial "--outside and --population name the same file"
    run koppel-synth --out "$t/synth" --persons 10 --truth "$t/synth/persons.csv"
    assert_failure 2
    assert_output --partial "--truth and --out DIR name the same file"
    run koppel-synth --out "$t/synth" --persons 10 --truth "$t/truth.csv" --stats "$t/truth.csv"
    assert_failure 2
    assert_output --partial "--truth and --stats name the same file"
}

@test "every program: a run ended by a signal (TERM, HUP, INT) leaves no temporary behind (regression)" {
    cd "$BAD"
    local dir="$BATS_TEST_TMPDIR" signal command pid status
    for signal in TERM HUP INT; do
        for command in "koppel-select -o $dir/out.csv" "koppel-partition -q -k bsn -n 4 --out $dir/parts" \
            "koppel-join -q -k bsn --type left -o $dir/out.csv - p-good.csv"; do
            # A background job of a shell without job control starts with SIGINT ignored (and
            # koppel keeps an ignored signal ignored, as nohup wants): give it the default, as
            # a terminal's Ctrl-C finds it.
            "$PY" endless.py new-keys | env --default-signal=INT $command &
            pid=$!
            echo "$pid" >> "$PIDS"
            # wait until it writes its temporary
            for _ in $(seq 100); do
                ls -a "$dir" "$dir/parts" 2> /dev/null | grep -q '\.tmp' && break
                sleep 0.1
            done
            ls -a "$dir" "$dir/parts" 2> /dev/null | grep -q '\.tmp'
            kill -"$signal" "$pid"
            status=0
            wait "$pid" || status=$?
            assert_equal "$command: $status" "$command: $((128 + $(kill -l "$signal")))"
            run ls -a "$dir"
            refute_output --partial ".tmp"
            refute_output --partial "out.csv"
            assert_not_exist "$dir/parts"
        done
    done
}

@test "every program: a closed pipe downstream ends the run with status 0 and no --rejects or --stats, as --help says (issue 23)" {
    cd "$BAD"
    local dir="$BATS_TEST_TMPDIR" program command status checked=0
    for program in "$KOPPEL_BIN"/koppel-*; do
        run "$program" --help
        [[ "$output" == *"--rejects FILE"* ]] || continue
        assert_output --partial "quietly with status 0 and without --rejects or --stats: the run did not finish."
        checked=$((checked + 1))
    done
    [ "$checked" -ge 10 ]
    printf '{"earlier":"run"}\n' > "$dir/kept.json"
    for command in "koppel-select" "koppel-pseudonymise --key-file $KEY --bsn bsn" "koppel-derive --year y=start_date" \
        "koppel-classify-condition --tag"; do
        rm -f "$dir/rejects.csv" "$dir/stats.json"
        status=$( (set +o pipefail; "$PY" endless.py new-keys 2> /dev/null |
            $command --rejects "$dir/rejects.csv" --stats "$dir/stats.json" 2> "$dir/err"
            echo "status ${PIPESTATUS[1]}" >&3) 3>&1 > >(head -c 100000 > /dev/null) )
        assert_equal "$command: $status" "$command: status 0"
        # quietly: nothing but pseudonymise's key fingerprint, which it shows at the start
        assert_equal "$command: $(grep -v 'key fingerprint' "$dir/err")" "$command: "
        assert_not_exist "$dir/rejects.csv"
        assert_not_exist "$dir/stats.json"
        # An existing stats file gets no line from the unfinished run.
        cp "$dir/kept.json" "$dir/stats.json"
        (set +o pipefail; "$PY" endless.py new-keys 2> /dev/null | $command --stats "$dir/stats.json" | head -c 100000 > /dev/null)
        cmp "$dir/kept.json" "$dir/stats.json"
    done
    run ls -a "$dir"
    refute_output --partial ".tmp"
}

# ---------------------------------------------------------------- limits

@test "limit: a 1 GB field through koppel select (the record layer) and koppel derive, streamed" {
    # One stream through both programs: select must pass it on byte for byte, derive add a
    # column after it; big-field.py compares the result on the fly and stores nothing.
    # AddressSanitizer builds take 64 MiB (the same code paths, a fraction of the time).
    local size=1073741824
    asan_build && size=67108864
    run "$PY" "$BAD/big-field.py" "$size" --column src=z -- \
        bash -o pipefail -c 'koppel-select | koppel-derive --const src=z'
    assert_success
    assert_output "same: $((size + 22)) bytes"
}

# A header of N columns c0..c(N-1) and three records: A/B/Total in c0, counts in c1, c2.
wide_file() {
    "$PY" - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
rest = ",".join(str(i % 10) for i in range(3, n))
with open(path, "w") as f:
    f.write(",".join("c%d" % i for i in range(n)) + "\n")
    for a, b, c in (("A", 5, 100), ("B", 7, 100), ("Total", 12, 200)):
        f.write("%s,%d,%d,%s\n" % (a, b, c, rest))
PY
}

# RECORD LAYER (common/record.c): record_reader_open once compared every pair of header names
# to refuse duplicates, O(n^2): a million columns took about an hour. It now checks them with
# a hash set; a failure here is the record layer's, not a filter's.
@test "limit: a million columns through the record layer (koppel select) [RECORD LAYER]" {
    wide_file 1000000 "$BATS_TEST_TMPDIR/wide.csv"
    run timeout 20 koppel-select "$BATS_TEST_TMPDIR/wide.csv" -o "$BATS_TEST_TMPDIR/out.csv"
    assert_success
    cmp "$BATS_TEST_TMPDIR/wide.csv" "$BATS_TEST_TMPDIR/out.csv"
}

@test "limit: a million columns through every filter: right output, in seconds" {
    local wide="$BATS_TEST_TMPDIR/wide.csv" o="$BATS_TEST_TMPDIR/o.csv"
    # Each run takes a second or two; a run that handled columns in quadratic time would take
    # hours. The limit is generous so that a loaded machine or a sanitizer build cannot trip it.
    local WIDE_LIMIT=300
    wide_file 1000000 "$wide"
    printf 'c0,extra\nA,x\nB,y\n' > "$BATS_TEST_TMPDIR/right.csv"
    printf 'code,category\n5,five\n7,seven\n12,twelve\n' > "$BATS_TEST_TMPDIR/map.csv"
    sed '1s/^c0,c1,/c0,icpc,/; 2,$s/^\([A-Za-z]*\),[0-9]*,/\1,T90,/' "$wide" > "$BATS_TEST_TMPDIR/wide-icpc.csv"
    timeout "$WIDE_LIMIT" koppel-select --eq c999999=9 --columns c0,c999999 "$wide" > "$o"
    assert_equal "$(cat "$o")" "$(printf 'c0,c999999\nA,9\nB,9\nTotal,9')"
    timeout "$WIDE_LIMIT" koppel-derive --const x=1 "$wide" > "$o"
    assert_equal "$(cut -d, -f1000000,1000001 "$o")" "$(printf 'c999999,x\n9,1\n9,1\n9,1')"
    timeout "$WIDE_LIMIT" koppel-pseudonymise --key-file "$KEY" --id c0 --rename c1=count "$wide" > "$o" 2> /dev/null
    assert_equal "$(cut -d, -f2,1000000 "$o")" "$(printf 'count,c999999\n5,9\n7,9\n12,9')"
    timeout "$WIDE_LIMIT" koppel-join -q -k c0 --prefix-right r_ "$wide" "$wide" > "$o"
    assert_equal "$(head -c 20 "$o" | head -n 1)" "c0,c1,c2,c3,c4,c5,c6"
    assert_equal "$(cut -d, -f1,1000001,1999999 "$o")" "$(printf 'c0,r_c1,r_c999999\nA,5,9\nB,7,9\nTotal,12,9')"
    timeout "$WIDE_LIMIT" koppel-join -q -k c0 "$BATS_TEST_TMPDIR/right.csv" "$wide" > "$o"
    assert_equal "$(cut -d, -f1,2,3,1000001 "$o")" "$(printf 'c0,extra,c1,c999999\nA,x,5,9\nB,y,7,9')"
    timeout "$WIDE_LIMIT" koppel-classify-condition --tag "$BATS_TEST_TMPDIR/wide-icpc.csv" > "$o"
    assert_equal "$(sed -n 2p "$o" | tr , '\n' | tail -n 9 | paste -sd,)" "0,0,0,0,0,0,1,0,0"
    timeout "$WIDE_LIMIT" koppel-classify-condition --map --code c1 --rules "$BATS_TEST_TMPDIR/map.csv" "$wide" > "$o"
    assert_equal "$(cut -d, -f1,1000001 "$o")" "$(printf 'c0,category\nA,five\nB,seven\nTotal,twelve')"
    timeout "$WIDE_LIMIT" koppel-aggregate -g c0 --sum c1 --count-distinct c999999 "$wide" > "$o"
    assert_equal "$(cat "$o")" "$(printf 'c0,sum_c1,distinct_c999999\nA,5,1\nB,7,1\nTotal,12,1')"
    timeout "$WIDE_LIMIT" koppel-standardise --method crude -g c0 --events c1 --population c2 --multiplier 100 "$wide" > "$o"
    assert_equal "$(cut -d, -f1-4 "$o")" "$(printf 'c0,observed,population,crude_rate\nA,5,100,5\nB,7,100,7\nTotal,12,200,6')"
    # A and B below the threshold 8: both suppressed, the total published.
    timeout "$WIDE_LIMIT" koppel-suppress --dims c0 --count c1 --threshold 8 "$wide" > "$o"
    assert_equal "$(cut -d, -f1,2,1000001 "$o")" "$(printf 'c0,c1,status\nA,,u\nB,,u\nTotal,12,s')"
    timeout "$WIDE_LIMIT" koppel-partition -q -k c0 -n 2 --out "$BATS_TEST_TMPDIR/parts" "$wide"
    assert_equal "$(cat "$BATS_TEST_TMPDIR"/parts/part-*.csv | grep -vc '^c0,')" 3
}

@test "limit: duplicate names: refused in a header (the matrix), and no program writes two columns of one name" {
    # The matrix shows every filter refusing a header with a name twice (ep-/tab-duplicate-header).
    # Here: options that would make the output's header repeat a name are usage errors.
    cd "$BAD"
    run koppel-select --columns bsn,icpc,bsn ep-good.csv
    assert_failure 2
    assert_output --partial "koppel-select: --columns: column 'bsn' is named twice"
    run koppel-derive --rename icpc=bsn ep-good.csv
    assert_failure 2
    assert_output --partial "there is a column 'bsn' already"
    run koppel-pseudonymise --key-file "$KEY" --bsn bsn --rename icpc=bsn ep-good.csv
    assert_failure 2
    assert_output --partial "the output would have two columns named 'bsn'"
    run koppel-join -k bsn ep-good.csv ep-good.csv
    assert_failure 2
    assert_output --partial "columns in both LEFT and RIGHT"
    run koppel-classify-condition --map --as bsn --code icpc ep-good.csv
    assert_failure 2
    assert_output --partial "the input already has a column 'bsn'"
    run koppel-aggregate -g practice_id,practice_id --count ep-good.csv
    assert_failure 2
    assert_output --partial "two columns of the output would be named 'practice_id'"
    run koppel-standardise --method crude -g district,district --events count --population population tab-good.csv
    assert_failure 2
    assert_output --partial "koppel-standardise: two columns of the output would be named 'district'"
    sed '1s/^district,/note,/' tab-good.csv > "$BATS_TEST_TMPDIR/note.csv"
    run koppel-standardise --method crude -g note --events count --population population "$BATS_TEST_TMPDIR/note.csv"
    assert_failure 2
    assert_output --partial "koppel-standardise: two columns of the output would be named 'note'"
    run koppel-suppress --dims district,district tab-good.csv
    assert_failure 2
    assert_output --partial "koppel-suppress: --dims: column 'district' is named twice"
}

@test "limit: two inputs with 20000 columns in common: join names ten and counts the rest (regression)" {
    wide_file 20000 "$BATS_TEST_TMPDIR/wide.csv"
    run timeout 30 koppel-join -k c0 "$BATS_TEST_TMPDIR/wide.csv" "$BATS_TEST_TMPDIR/wide.csv"
    assert_failure 2
    assert_output --partial "koppel-join: 19999 columns in both LEFT and RIGHT: c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 and 19989 more; give --prefix-right P"
}

@test "limit: every filter that uses uthash dies with status 3 when it runs out of memory (regression)" {
    # uthash's default on a failed bucket allocation is exit(-1): status 255 and no message.
    local file
    for file in $(grep -l '#include <uthash.h>' "$PROJECT_ROOT"/filters/*/*.c "$PROJECT_ROOT"/common/*.c); do
        grep -Eq '#define uthash_(fatal|malloc)\(' "$file" || fail "$file includes uthash without uthash_fatal or uthash_malloc"
    done
}

@test "limit: input that never ends, filters that hold state: 'out of memory', status 3, nothing left" {
    asan_build && skip "AddressSanitizer build: ulimit -v does not apply"
    cd "$BAD"
    local dir="$BATS_TEST_TMPDIR" name
    # name, kind of endless input, then the command (the endless input is standard input).
    # join keeps LEFT's unmatched keys only for a report (here --report; with -q alone LEFT is
    # streamed: see the next test).
    local -a jobs=(
        "join-right|new-keys|koppel-join -q -k bsn --type semi p-good.csv -"
        "join-left-unmatched|new-keys|koppel-join -q --report $dir/report.csv -k bsn --type semi - p-good.csv"
        "aggregate|new-keys|koppel-aggregate -g bsn --count"
        "prevalence|new-keys|koppel-classify-condition --prevalence --year 2023 --ignore-age-rules"
        "standardise|table|koppel-standardise --method crude -g district,sex --events count --population population"
        "suppress|table|koppel-suppress --dims district,sex"
        "did|panel|koppel-did --unit gemeente_code --time month --treated wijkteam --outcome per_1000 --weight population"
    )
    local job kind command
    for job in "${jobs[@]}"; do
        IFS='|' read -r name kind command <<< "$job"
        (
            set +e
            "$PY" endless.py "$kind" | ( ulimit -v 100000; exec timeout 120 $command -o "$dir/$name.csv" ) \
                2> "$dir/$name.err"
            echo "${PIPESTATUS[1]}" > "$dir/$name.status"
        ) &
        echo $! >> "$PIDS"
    done
    wait
    for job in "${jobs[@]}"; do
        IFS='|' read -r name kind command <<< "$job"
        assert_equal "$name: $(cat "$dir/$name.status")" "$name: 3"
        run cat "$dir/$name.err"
        assert_line "${command%% *}: out of memory"
        assert_not_exist "$dir/$name.csv"
    done
    run bash -c "ls '$dir' | grep -F .tmp || true"
    assert_output ""
}

# VmHWM (peak resident memory) of PID in kB, and the bytes it has read so far.
peak_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
read_bytes() { awk '/^rchar:/ {print $2}' "/proc/$1/io"; }

@test "limit: streaming filters keep their memory flat on input that never ends" {
    asan_build && skip "AddressSanitizer build: its quarantine grows memory on purpose"
    cd "$BAD"
    local dir="$BATS_TEST_TMPDIR"
    local -a jobs=(
        "select|episodes|koppel-select --overlaps start_date,end_date=2022-01-01..2023-12-31"
        "derive|episodes|koppel-derive --iso-date start_date --year start_year=start_date"
        "pseudonymise|episodes|koppel-pseudonymise --key-file $KEY --bsn bsn"
        "tag|episodes|koppel-classify-condition --tag"
        "partition|episodes|koppel-partition -q -k bsn -n 4 --out $dir/parts"
        "join-streamed|few-groups|koppel-join -q -k bsn --type left - p-good.csv"
        "join-quiet-new-keys|new-keys|koppel-join -q -k bsn --type semi - p-good.csv"
        "aggregate-few|few-groups|koppel-aggregate -g practice_id --count --count-distinct bsn"
        "prevalence-few|few-groups|koppel-classify-condition --prevalence --year 2023 --ignore-age-rules"
    )
    local job name kind command
    local -A pid
    for job in "${jobs[@]}"; do
        IFS='|' read -r name kind command <<< "$job"
        "$PY" endless.py "$kind" | $command > /dev/null 2> "$dir/$name.err" &
        pid[$name]=$!
        echo "${pid[$name]}" >> "$PIDS"
    done
    sleep 3
    local -A first_peak first_read
    for name in "${!pid[@]}"; do
        first_peak[$name]=$(peak_kb "${pid[$name]}")
        first_read[$name]=$(read_bytes "${pid[$name]}")
    done
    sleep 4
    local report="" peak read
    for name in "${!pid[@]}"; do
        peak=$(peak_kb "${pid[$name]}")
        read=$(read_bytes "${pid[$name]}")
        report+="$name: ${first_peak[$name]} kB -> $peak kB after $(((read - first_read[$name]) / 1000000)) MB more"$'\n'
        kill "${pid[$name]}"
        # It kept reading (not stuck) and its peak did not grow by more than 1 MB.
        [ $((read - first_read[$name])) -gt 1000000 ] || fail "$name stopped reading: $report"
        [ $((peak - first_peak[$name])) -le 1024 ] || fail "$name grew: $report"
    done
    wait || true
    echo "$report" >&3
}

@test "the tests' Python checks run their assert statements (no PYTHONOPTIMIZE in the tests)" {
    # A check written as an assert passes silently under python -O or PYTHONOPTIMIZE.
    run python3 -c 'assert False, "asserts run"'
    assert_failure 1
    assert_output --partial "AssertionError: asserts run"
}

# Issue 23: no library's default error handler (GSL's, GLPK's: abort, status 134) ends a run.
# The GSL error here comes from standardise's event total passing 2^63 (a signed overflow in
# standardise's own summation, UBSan: that part is standardise's to fix, and will turn this into
# status 1); what is tested is that the handler koppel_init installs makes it a located message
# and status 3, never an abort. tests/unit/library_errors.c checks both handlers alone.
@test "issue 23: events of a group that add up past 2^63 are a bad record (status 1), not an abort" {
    run koppel standardise --method crude -g g --events ev --population pop <<'CSV'
g,ev,pop
A,4611686018427387904,4611686018427387904
A,4611686018427387904,4611686018427387904
CSV
    assert_failure 1
    assert_output "koppel-standardise: -:3: column 'ev': the group's events add up to more than 9223372036854775807"
}

@test "issue 23: the GSL and GLPK error handlers alone (unit test)" {
    local unit="$PROJECT_ROOT/build/unit/library_errors"
    [ -x "$unit" ] || skip "build/unit/library_errors not built (make unit)"
    run "$unit"
    assert_success
}

# A program loads only the libraries it calls (a study starts the filters some 1,400 times, and
# every library loaded costs each start): select and join load neither GLPK, GSL nor libsodium;
# suppress, standardise and pseudonymise load theirs, and their --version says which they carry.
@test "each program loads only the libraries it calls, and --version names them" {
    # readelf comes with binutils, as the linker the build needs does
    needed() { readelf -d "$KOPPEL_BIN/koppel-$1" | sed -n 's/.*(NEEDED).*\[\(lib[a-z]*\).*/\1/p' | paste -sd ' ' -; }
    local verb
    for verb in select join aggregate derive; do
        run needed "$verb"
        refute_output --regexp 'libglpk|libgsl|libsodium'
        assert_output --partial libcsv
    done
    run needed suppress
    assert_output --partial libglpk
    run needed standardise
    assert_output --partial libgsl
    run needed pseudonymise
    assert_output --partial libsodium
    run koppel-select --version
    assert_line --index 1 --regexp '^libcsv [0-9.]+, zlib [0-9.]+$'
    run koppel-suppress --version
    assert_line --index 1 --regexp '^libcsv [0-9.]+, GLPK [0-9.]+, zlib [0-9.]+$'
}

# Issue 23: a run's outputs are all or nothing. A --stats append that fails part way (a file size
# limit stands in for a full disk: deterministic, no root needed) leaves no partial line, and -o
# is not put in place when any output failed.
@test "issue 23: a --stats write that fails part way leaves no partial line and no -o" {
    cd "$BATS_TEST_TMPDIR"
    printf 'a,b\n1,2\n' > in.csv
    python3 -c "open('stats.json','w').write('x' * 999 + '\n')"
    run bash -c "trap '' XFSZ; ulimit -f 1; koppel-select in.csv -o out.csv --stats stats.json"
    assert_failure 3
    assert_output --regexp '^koppel-select: error writing stats.json: '
    assert_file_not_exists out.csv
    [ "$(wc -c < stats.json)" -eq 1000 ] || fail "stats.json has $(wc -c < stats.json) bytes: a partial line"
    run koppel-select in.csv -o out.csv --stats stats.json
    assert_success
    [ "$(tail -n 1 stats.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["filter"])')" = select ]
}

@test "issue 23: --stats or --rejects on a full disk: status 3 and -o is not put in place" {
    mkdir "$BATS_TEST_TMPDIR/run" && cd "$BATS_TEST_TMPDIR/run"
    printf 'a,b\n1,2\n' > in.csv
    run koppel-select in.csv -o out.csv --stats /dev/full
    assert_failure 3
    assert_file_not_exists out.csv
    printf 'a,b\n1,2\n3\n' > in.csv
    run koppel-select in.csv -o out.csv --rejects rejects.csv --stats /dev/full
    assert_failure 3
    assert_file_not_exists out.csv
    run koppel-select in.csv -o out.csv --rejects /dev/full
    assert_failure 3
    assert_file_not_exists out.csv
    run koppel-select in.csv -o out.csv --rejects rejects.csv --stats /dev/full
    assert_failure 3
    assert_file_not_exists out.csv
    assert_file_not_exists rejects.csv
    [ -z "$(ls -A)" ] || [ "$(ls -A)" = in.csv ] || fail "left behind: $(ls -A)"
}

@test "issue 23: a stats file a killed run left without a final newline is not glued onto" {
    cd "$BATS_TEST_TMPDIR"
    printf 'a,b\n1,2\n' > in.csv
    printf '{"filter":"sel' > stats.json
    run koppel-select in.csv -o out.csv --stats stats.json
    assert_success
    [ "$(wc -l < stats.json)" -eq 2 ]
    tail -n 1 stats.json | python3 -c 'import json,sys; assert json.load(sys.stdin)["filter"] == "select"'
}

@test "issue 23: join puts no --unmatched-left file in place when --stats fails" {
    mkdir "$BATS_TEST_TMPDIR/run" && cd "$BATS_TEST_TMPDIR/run"
    printf 'k,a\n1,x\n2,y\n' > l.csv
    printf 'k,b\n1,z\n' > r.csv
    run koppel-join -q -k k --unmatched-left unmatched.csv l.csv r.csv -o out.csv --stats /dev/full
    assert_failure 3
    assert_file_not_exists out.csv
    assert_file_not_exists unmatched.csv
}

# Issue 23: file modes. A replaced file keeps its mode; pseudonymise's rejects (raw BSNs) are
# created 0600; -o to a dangling symbolic link is refused, the link left as it was.
@test "issue 23: replacing a 0600 file through -o or --rejects keeps 0600" {
    mkdir "$BATS_TEST_TMPDIR/run" && cd "$BATS_TEST_TMPDIR/run"
    printf 'a,b\n1,2\n3\n' > in.csv
    printf 'old\n' > out.csv
    printf 'old\n' > rejects.csv
    chmod 600 out.csv rejects.csv
    run bash -c 'umask 022; koppel-select in.csv -o out.csv --rejects rejects.csv'
    assert_success
    [ "$(stat -c %a out.csv)" = 600 ] || fail "out.csv is $(stat -c %a out.csv)"
    [ "$(stat -c %a rejects.csv)" = 600 ] || fail "rejects.csv is $(stat -c %a rejects.csv)"
    grep -q '^1,2$' out.csv
}

@test "issue 23: a new pseudonymise rejects file is created 0600 under umask 022" {
    mkdir "$BATS_TEST_TMPDIR/run" && cd "$BATS_TEST_TMPDIR/run"
    printf 'bsn,sex\n111222333,F\n123456789,M\n' > persons.csv
    run bash -c "umask 022; koppel-pseudonymise --key-file '$KEY' --bsn bsn --rejects rejects.csv -o out.csv persons.csv"
    assert_success
    [ "$(stat -c %a rejects.csv)" = 600 ] || fail "rejects.csv is $(stat -c %a rejects.csv)"
    [ "$(stat -c %a out.csv)" = 644 ] || fail "out.csv is $(stat -c %a out.csv)"
    grep -q '123456789' rejects.csv
}

@test "issue 23: -o to a dangling symbolic link is refused and the link stays" {
    mkdir "$BATS_TEST_TMPDIR/run" && cd "$BATS_TEST_TMPDIR/run"
    printf 'a,b\n1,2\n' > in.csv
    ln -s missing/out.csv link.csv
    run koppel-select in.csv -o link.csv
    assert_failure 2
    assert_output --partial "cannot write link.csv: a symbolic link to a file that does not exist"
    [ -L link.csv ] || fail "the link was replaced"
    [ "$(readlink link.csv)" = missing/out.csv ]
    [ "$(ls -A)" = "$(printf 'in.csv\nlink.csv')" ] || fail "left behind: $(ls -A)"
}
