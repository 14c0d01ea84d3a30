#!/usr/bin/env bats
# view.bats: koppel view, the terminal view. Expected layouts are written by hand (column widths
# counted in characters, numbers right-aligned); --sample against a Python reimplementation of
# GSL's MT19937 and reservoir sampling, and against the chance each record has; --head stops
# reading; bad records, options, a closed pipe and a full disk.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/view"
    T="$BATS_TEST_TMPDIR"
}

@test "the usage example: aligned columns, numbers right, text left, widths in characters" {
    # By hand: id and age hold only numbers (age one empty): right-aligned, header included;
    # name is 5 characters wide for Ëlise (6 bytes); the last column is not padded.
    run koppel view "$F/people.csv"
    assert_success
    assert_output " id  name   age  city
---  -----  ---  ---------
  1  Jan      5  Amsterdam
 12  Ëlise   45  Den Haag
123  Ö           Utrecht"
}

@test "--width cuts to W-1 characters and an ellipsis, counting UTF-8 characters; --columns picks and orders" {
    run koppel view -w 3 --columns city,name "$F/people.csv"
    assert_success
    assert_output "ci…  na…
---  ---
Am…  Jan
De…  Ël…
Ut…  Ö"
    # -w 0 never cuts; a value of exactly W characters is not cut
    run koppel view --width 0 --columns city "$F/people.csv"
    assert_output --partial "Amsterdam"
    run koppel view --width 9 --columns city "$F/people.csv"
    assert_line "Amsterdam"
    run koppel view --width 8 --columns city "$F/people.csv"
    assert_line "Amsterd…"
    assert_line "Den Haag"
}

@test "line breaks inside a field are shown as ↵, other control characters (tab, ESC) as a space" {
    # By hand: column a is 6 characters wide ('e [31m'); b holds numbers (-2.5 the widest).
    run koppel view "$F/control.csv"
    assert_success
    assert_output "a          b
------  ----
x↵y        1
t z        2
e [31m     3
p↵q     -2.5"
    refute_output --partial $'\033'
    refute_output --partial $'\t'
    refute_output --partial $'\r'
}

@test "a column with one value that is no number is left-aligned" {
    printf 'code,n\n7,1\nA12,22\n' > "$T/mixed.csv"
    run koppel view "$T/mixed.csv"
    assert_success
    assert_output "code   n
----  --
7      1
A12   22"
}

@test "--head N shows the first N records and reads no further (endless input, a bad record after them)" {
    run timeout 20 bash -c '{ echo n; yes 7; } | koppel view -n 3'
    assert_success
    assert_output "n
-
7
7
7"
    # line 4 is bad: the first two records do not reach it
    run koppel view --head 2 "$F/bad.csv"
    assert_success
    assert_output "a  b
-  -
1  2
3  4"
    run koppel view --head 0 "$F/bad.csv"
    assert_success
    assert_output "a  b
-  -"
}

@test "the default is the first 20 records" {
    { echo n; seq 1 25; } > "$T/25.csv"
    run koppel view "$T/25.csv"
    assert_success
    assert_equal "$(wc -l <<< "$output")" 22
    assert_line --index 2 " 1"
    assert_line --index 21 "20"
}

@test "--tail N: the last N records, over several files read as one" {
    run koppel view --tail 2 "$F/people.csv"
    assert_success
    assert_output " id  name   age  city
---  -----  ---  --------
 12  Ëlise   45  Den Haag
123  Ö           Utrecht"
    { echo n; seq 1 10; } > "$T/a.csv"
    { echo n; seq 11 13; } > "$T/b.csv"
    run koppel view --tail 4 "$T/a.csv" "$T/b.csv"
    assert_success
    assert_output " n
--
10
11
12
13"
    run koppel view --tail 50 "$T/b.csv"
    assert_output " n
--
11
12
13"
}

@test "--all shows every record" {
    { echo n; seq 1 100; } > "$T/100.csv"
    run koppel view --all "$T/100.csv"
    assert_success
    assert_equal "$(wc -l <<< "$output")" 102
    assert_line --index 101 "100"
}

@test "--sample N --seed S draws what GSL's MT19937 and reservoir sampling draw (Python reimplementation)" {
    { echo n; seq 1 1000; } > "$T/1000.csv"
    for seed in 1 2 42 4357 123456789; do
        koppel view --sample 7 --seed "$seed" "$T/1000.csv" | tail -n +3 | tr -d ' ' > "$T/got-$seed"
        python3 - "$seed" 1000 7 > "$T/expected-$seed" <<'PY'
import random, sys
seed, records, size = map(int, sys.argv[1:])
# GSL's mt19937 seeding (seed 0 means 4357), then Python's Mersenne Twister runs from that state.
s = seed or 4357
mt = [s & 0xFFFFFFFF]
for i in range(1, 624):
    mt.append((1812433253 * (mt[-1] ^ (mt[-1] >> 30)) + i) & 0xFFFFFFFF)
random.setstate((3, tuple(mt) + (624,), None))
def uniform_int(n):  # gsl_rng_uniform_int: scale the 32-bit range down, reject the rest
    scale = 0xFFFFFFFF // n
    while True:
        k = random.getrandbits(32) // scale
        if k < n:
            return k
# Algorithm R: record i (0-based) replaces kept record j = uniform(0..i) when j < size.
kept = []
for i in range(records):
    if i < size:
        kept.append(i)
    else:
        j = uniform_int(i + 1)
        if j < size:
            kept[j] = i
for i in sorted(kept):
    print(i + 1)
PY
        diff "$T/expected-$seed" "$T/got-$seed"
    done
    # the seed is what makes it reproducible: two runs agree, another seed draws another sample
    run koppel view --sample 7 --seed 42 "$T/1000.csv"
    assert_output "$(koppel view --sample 7 --seed 42 "$T/1000.csv")"
    refute_output "$(koppel view --sample 7 --seed 43 "$T/1000.csv")"
    # without --seed: seed 1
    run koppel view --sample 7 "$T/1000.csv"
    assert_output "$(koppel view --sample 7 --seed 1 "$T/1000.csv")"
}

@test "--sample gives every record the same chance (3 of 10 over 600 seeds), in input order; all when N >= records" {
    { echo n; seq 1 10; } > "$T/10.csv"
    for seed in $(seq 1 600); do
        koppel view --sample 3 --seed "$seed" "$T/10.csv" | tail -n +3 | tr -d ' ' | paste -sd, -
    done > "$T/draws"
    python3 - "$T/draws" <<'PY'
import sys
draws = [list(map(int, line.split(","))) for line in open(sys.argv[1])]
assert len(draws) == 600
counts = {i: 0 for i in range(1, 11)}
for d in draws:
    assert len(d) == 3 and len(set(d)) == 3, d
    assert d == sorted(d), d  # input order
    for i in d:
        counts[i] += 1
# each record is drawn with chance 3/10: 180 of 600, sd sqrt(600*0.3*0.7) = 11.2; 5 sd either side
assert all(180 - 56 <= c <= 180 + 56 for c in counts.values()), counts
# and the chi-square of the ten counts is far below its 0.999 quantile with 9 df (27.88)
chi2 = sum((c - 180) ** 2 / 180 for c in counts.values())
assert chi2 < 27.88, (chi2, counts)
PY
    run koppel view --sample 20 --seed 5 "$T/10.csv"
    assert_equal "$(tail -n +3 <<< "$output" | tr -d ' ' | paste -sd, -)" "1,2,3,4,5,6,7,8,9,10"
}

@test "-d, --encoding and gzip input go through the record layer" {
    printf 'naam;plaats\nM\374ller;Z\374rich\n' > "$T/latin1.csv"
    run koppel view -d ';' --encoding latin-1 "$T/latin1.csv"
    assert_success
    assert_output "naam    plaats
------  ------
Müller  Zürich"
    gzip -c "$F/people.csv" > "$T/people.csv.gz"
    run koppel view "$T/people.csv.gz"
    assert_success
    assert_output "$(koppel view "$F/people.csv")"
    run koppel view - < "$F/people.csv"
    assert_output "$(koppel view "$F/people.csv")"
}

@test "a bad record among those read stops the run: file:line, status 1, no value shown" {
    run koppel view "$F/bad.csv"
    assert_failure 1
    assert_output "koppel-view: $F/bad.csv:4: 3 fields, expected 2 as in the header"
    run koppel view --tail 1 - < "$F/bad.csv"
    assert_failure 1
    assert_output "koppel-view: -:4: 3 fields, expected 2 as in the header"
    run koppel view --sample 1 "$F/bad.csv"
    assert_failure 1
}

@test "usage errors: status 2 with a pointer to --help, and no value shown" {
    run koppel view --head 5 --tail 5 "$F/people.csv"
    assert_failure 2
    assert_output "koppel-view: --head and --tail exclude each other (try 'koppel view --help')"
    run koppel view --seed 3 "$F/people.csv"
    assert_failure 2
    assert_output "koppel-view: --seed goes with --sample (try 'koppel view --help')"
    run koppel view -n x "$F/people.csv"
    assert_failure 2
    assert_output "koppel-view: --head expects a whole number (0 or more), got 'x' (try 'koppel view --help')"
    run koppel view --width -1 "$F/people.csv"
    assert_failure 2
    # a value that could be an identifier is described, not shown
    run koppel view --tail 123456782x "$F/people.csv"
    assert_failure 2
    refute_output --partial 123456782
    run koppel view --columns nosuch "$F/people.csv"
    assert_failure 2
    assert_output "koppel-view: --columns: column 'nosuch' not found in $F/people.csv; the columns are: id, name, age, city"
    run koppel view --columns id,id "$F/people.csv"
    assert_failure 2
    # view writes no CSV, so the options of the filters that do are unknown here
    for option in "-o out.csv" "--rejects r.csv" "--stats s.json" "--output-delimiter ;"; do
        run koppel view $option "$F/people.csv"
        assert_failure 2
        assert_line "koppel-view: try 'koppel view --help'"
    done
    run koppel view "$T/no-such.csv"
    assert_failure 2
    assert_output --partial "koppel-view: cannot open $T/no-such.csv: No such file or directory"
}

@test "a closed pipe ends the run quietly with status 0; a full disk is status 3" {
    { echo n; seq 1 300000; } > "$T/big.csv"
    run bash -c "koppel view --all '$T/big.csv' 2> '$T/err' | head -n 1; echo \"status \${PIPESTATUS[0]}\""
    assert_line "status 0"
    assert_equal "$(cat "$T/err")" ""
    run bash -c "LC_ALL=C koppel view '$F/people.csv' > /dev/full"
    assert_failure 3
    assert_output "koppel-view: error writing standard output: No space left on device"
}

@test "--help says it is for eyes, not pipes, with examples; --version" {
    run koppel view --help
    assert_success
    assert_line --index 1 "Show some records as aligned columns, for a quick look in a terminal."
    assert_output --partial "This is for eyes, not for"
    assert_output --partial "Examples:"
    assert_output --partial "--encoding NAME"
    run koppel view --version
    assert_success
    assert_line --index 0 --regexp '^koppel-view \(koppel\) [0-9]+\.[0-9]+\.[0-9]+$'
    # the libraries view carries (it calls GSL; not libsodium or GLPK)
    assert_line --index 1 --regexp '^libcsv [0-9.]+, GSL [0-9.]+, zlib [0-9.]+$'
}
