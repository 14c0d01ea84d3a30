#!/usr/bin/env bats
# did.bats: koppel did, difference-in-differences with standard errors clustered on the unit.
# A panel worked by hand (the estimate is the difference of the differences of means; its
# clustered se from the per-unit changes), random panels against an independent implementation
# in pure Python (tests/fixtures/did/reference.py: exact rational normal equations, its own
# cluster sandwich and Student t), a planted effect recovered by the 95% intervals, bad records,
# usage errors and the counts.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/did"
    T="$BATS_TEST_TMPDIR"
    REF="$F/reference.py"
    COLUMNS_OPTIONS=(--unit gemeente_code --time month --treated wijkteam --outcome per_1000)
}

# hand_panel FILE: 2 treated units (A, B) and 2 controls (C, D) in 2 months.
hand_panel() {
    printf '%s\n' gemeente_code,month,wijkteam,per_1000,population \
        A,2015-01,1,10,100 A,2015-02,1,14,110 B,2015-01,1,12,200 B,2015-02,1,15,190 \
        C,2015-01,0,8,150 C,2015-02,0,9,160 D,2015-01,0,7,300 D,2015-02,0,9,310 > "$1"
}

# field CSV MODEL WEIGHTING TERM COLUMN: one figure of koppel did's output.
field() {
    python3 - "$@" <<'PY'
import csv, sys
path, model, weighting, term, column = sys.argv[1:6]
for row in csv.DictReader(open(path)):
    if (row["model"], row["weighting"], row["term"]) == (model, weighting, term):
        print(row[column])
PY
}

# same_as_reference [OPTION...] FILE: koppel did and reference.py agree to 1e-9 (relative).
same_as_reference() {
    run --separate-stderr koppel did "$@"
    assert_success
    printf '%s\n' "$output" > "$T/actual.csv"
    python3 "$REF" fit "$@" > "$T/expected.csv"
    run python3 "$REF" compare "$T/expected.csv" "$T/actual.csv"
    assert_success
}

# assert_counts_balance_used FILE: in = used + filtered + rejected in the last --stats object.
assert_counts_balance_used() {
    python3 - "$1" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
if s["records_in"] != s["records_used"] + s["filtered"] + s["rejected"]:
    sys.exit("counts do not balance: %r" % s)
PY
}

# ---------------------------------------------------------------- by hand

@test "by hand: b1 is (mean T1 - mean T0) - (mean C1 - mean C0); its se from the per-unit changes" {
    hand_panel "$T/p.csv"
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --model two-point "$T/p.csv"
    assert_success
    echo "$output" > "$T/out.csv"
    # Treated means 11 and 14.5, control means 7.5 and 9: b1 = 3.5 - 1.5 = 2, b2 = 11 - 7.5,
    # b3 = 9 - 7.5, b0 = 7.5. The saturated model's residuals are the deviations from the cell
    # means, so the cluster score of b1 for a unit is (its change - its group's mean change)/2:
    # changes 4 and 3 (mean 3.5), 1 and 2 (mean 1.5); the meat sums 4 x 0.25/4 = 0.25; times
    # G/(G-1) (N-1)/(N-K) = 4/3 x 7/4: var = 7/12. df = G - 1 = 3.
    python3 - "$T/out.csv" <<'PY'
import csv, math, sys
rows = {r["term"]: r for r in csv.DictReader(open(sys.argv[1]))}
assert [r["model"] + "/" + r["weighting"] for r in rows.values()] == ["two-point/unweighted"] * 4, rows
def close(a, b):
    return abs(float(a) - b) <= 1e-12 * max(1, abs(b))
for term, want in (("treated_x_time", (14.5 - 11) - (9 - 7.5)), ("treated", 11 - 7.5), ("time", 9 - 7.5),
                   ("intercept", 7.5)):
    assert close(rows[term]["estimate"], want), (term, rows[term])
effect = rows["treated_x_time"]
assert close(effect["se"], math.sqrt(7 / 12)), effect
assert close(effect["t"], 2 / math.sqrt(7 / 12)), effect
assert (effect["df"], effect["n"], effect["clusters"]) == ("3", "8", "4"), effect
PY
}

@test "by hand: the event study of the same panel, and weighted means" {
    hand_panel "$T/p.csv"
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --weight population --event-study "$T/p.csv"
    assert_success
    echo "$output" > "$T/out.csv"
    # Weighted: treated (10x100 + 12x200)/300 = 34/3 and (14x110 + 15x190)/300 = 43.9/3;
    # controls (8x150 + 7x300)/450 = 22/3 and (9x160 + 9x310)/470 = 9.
    python3 - "$T/out.csv" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r["period"], r["weighting"]) for r in rows] == [("2015-01", "unweighted"), ("2015-02", "unweighted"),
                                                         ("2015-01", "weighted"), ("2015-02", "weighted")], rows
def close(a, b):
    return abs(float(a) - b) <= 1e-12 * max(1, abs(b))
first, second = rows[0], rows[1]
assert close(first["treated_mean"], 11) and close(first["control_mean"], 7.5) and close(first["difference"], 3.5)
assert first["estimate"] == "0" and first["se"] == first["t"] == first["p"] == first["ci_low"] == "", first
assert close(second["estimate"], 2) and close(second["se"], math.sqrt(7 / 12)), second
w0, w1 = rows[2], rows[3]
assert close(w0["treated_mean"], 34 / 3) and close(w0["control_mean"], 22 / 3), w0
assert close(w1["treated_mean"], 43.9 / 3) and close(w1["control_mean"], 9), w1
assert close(w1["estimate"], (43.9 / 3 - 9) - (34 / 3 - 22 / 3)), w1
PY
}

@test "with two periods, the linear model is the two-point model" {
    hand_panel "$T/p.csv"
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --weight population "$T/p.csv"
    assert_success
    echo "$output" > "$T/out.csv"
    [ "$(grep -c '^two-point,' "$T/out.csv")" = 8 ]
    diff <(grep '^two-point,' "$T/out.csv" | cut -d, -f2-) <(grep '^linear,' "$T/out.csv" | cut -d, -f2-)
}

# ---------------------------------------------------------------- against the reference

@test "random panels (30 units, 12 months): both models, unweighted and weighted, as the reference to 1e-9" {
    for seed in 1 2 3; do
        python3 "$REF" panel --seed "$seed" > "$T/p$seed.csv"
        same_as_reference "${COLUMNS_OPTIONS[@]}" --weight population "$T/p$seed.csv"
    done
    same_as_reference "${COLUMNS_OPTIONS[@]}" "$T/p1.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --model two-point --weight population "$T/p2.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --model linear "$T/p3.csv"
}

@test "weights of 0: those records leave the weighted fits (n and clusters count them not), as the reference" {
    python3 "$REF" panel --seed 12 --units 20 --periods 6 > "$T/p.csv"
    # G001 has weight 0 throughout, every fifth record of the others too.
    python3 - "$T/p.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
for i, r in enumerate(rows[1:]):
    if r[0] == "G001" or i % 5 == 0:
        r[4] = "0"
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n").writerows(rows)
PY
    same_as_reference "${COLUMNS_OPTIONS[@]}" --weight population "$T/p.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --weight population --event-study "$T/p.csv"
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --weight population --model linear "$T/p.csv"
    assert_success
    # 120 records: out go G001's 6 and the 22 other fifth records (0, 5, ..., 115 less 0 and 5): 92 stay.
    assert_line --index 2 --regexp '^linear,unweighted,treated_x_time,.*,120,20$'
    assert_line --index 6 --regexp '^linear,weighted,treated_x_time,.*,92,19$'
}

@test "random panels: the event study, unweighted and weighted, as the reference to 1e-9" {
    python3 "$REF" panel --seed 11 --units 24 --periods 8 > "$T/p.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --weight population --event-study "$T/p.csv"
}

@test "a window (--first, --last): the models use its first and last month; the rest is filtered and counted" {
    python3 "$REF" panel --seed 5 --periods 15 > "$T/p.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --weight population --first 2015-03 --last 2015-11 "$T/p.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --event-study --first 2015-06 "$T/p.csv"
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --first 2015-03 --last 2015-11 --stats "$T/s.json" "$T/p.csv"
    assert_success
    # 30 units x 15 months; 9 months in the window.
    [ "$(stats_field "$T/s.json" records_in)" = 450 ]
    [ "$(stats_field "$T/s.json" records_used)" = 270 ]
    [ "$(stats_field "$T/s.json" filtered)" = 180 ]
    [ "$(stats_field "$T/s.json" periods)" = 9 ]
    [ "$(stats_field "$T/s.json" units)" = 30 ]
    [ "$(stats_field "$T/s.json" treated_units)" = 15 ]
    [ "$(stats_field "$T/s.json" records_out)" = 8 ]
    # --model two-point alone uses the window's two ends: the months between are filtered too.
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --model two-point --first 2015-03 --last 2015-11 \
        --stats "$T/s.json" "$T/p.csv"
    assert_success
    [ "$(stats_field "$T/s.json" records_used)" = 60 ]
    [ "$(stats_field "$T/s.json" filtered)" = 390 ]
    assert_counts_balance_used "$T/s.json"
}

@test "periods that are all numbers sort as numbers (2 before 10); unbalanced panels; records in any order" {
    python3 "$REF" panel --seed 7 --periods 12 > "$T/p.csv"
    # Months 1..12 as numbers, a quarter of the records dropped at random, the rest shuffled.
    python3 - "$T/p.csv" "$T/q.csv" <<'PY'
import csv, random, sys
rows = list(csv.DictReader(open(sys.argv[1])))
random.seed(3)
rows = [r for r in rows if random.random() > 0.25]
random.shuffle(rows)
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    for r in rows:
        r["month"] = str(int(r["month"][5:]))
        w.writerow(r)
PY
    same_as_reference "${COLUMNS_OPTIONS[@]}" --weight population "$T/q.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --event-study --first 2 --last 10 "$T/q.csv"
}

@test "a planted effect: the 95% intervals cover it in at least 90 of 100 random panels" {
    python3 - "$F" "$T" <<'PY'
import csv, io, subprocess, sys
sys.path.insert(0, sys.argv[1])
import reference
tmp = sys.argv[2]
covered = {"linear": 0, "two-point": 0}
for seed in range(100):
    path = "%s/planted.csv" % tmp
    open(path, "w").write(reference.panel(1000 + seed, effect=0.2))
    out = subprocess.run(["koppel", "did", "--unit", "gemeente_code", "--time", "month", "--treated", "wijkteam",
                          "--outcome", "per_1000", path], check=True, capture_output=True, text=True).stdout
    for row in csv.DictReader(io.StringIO(out)):
        if row["term"] == "treated_x_time":
            # linear: the effect per month; two-point: over the 11 months from first to last
            truth = 0.2 if row["model"] == "linear" else 0.2 * 11
            covered[row["model"]] += float(row["ci_low"]) <= truth <= float(row["ci_high"])
print(covered)
assert covered["linear"] >= 90 and covered["two-point"] >= 90, covered
PY
}

# ---------------------------------------------------------------- bad records

@test "bad records without --rejects: status 1, file:line, the column named, no value shown" {
    hand_panel "$T/p.csv"
    local -a cases=(
        "3s/,14,/,veertien,/|column 'per_1000': not a number"
        "3s/,14,/,,/|column 'per_1000': empty (a missing value)"
        "3s/,110$/,-110/|column 'population': a negative weight"
        "3s/,110$/,honderd/|column 'population': not a number"
        "3s/,1,14,/,2,14,/|column 'wijkteam': not 0 or 1"
        "3s/,1,14,/,yes,14,/|column 'wijkteam': not 0 or 1"
        "3s/^A,/,/|column 'gemeente_code': empty (a missing value)"
        "3s/2015-02/2015-01/|columns 'gemeente_code' and 'month': this unit and period occur twice (first at line 2)"
        "3s/,1,14,/,0,14,/|column 'wijkteam' differs from the unit's first record (line 2): it must be the same in every record of a unit"
    )
    local item
    for item in "${cases[@]}"; do
        sed "${item%%|*}" "$T/p.csv" > "$T/bad.csv"
        run koppel did "${COLUMNS_OPTIONS[@]}" --weight population "$T/bad.csv"
        assert_failure 1
        assert_output "koppel-did: $T/bad.csv:3: ${item#*|}"
    done
    run bash -c "sed '3s/,14,/,veertien,/' '$T/p.csv' | koppel did --unit gemeente_code --time month --treated wijkteam --outcome per_1000"
    assert_failure 1
    assert_output "koppel-did: -:3: column 'per_1000': not a number"
}

@test "bad records with --rejects: written there with their reasons; the run goes on; in = used + filtered + rejected" {
    python3 "$REF" panel --seed 4 --units 10 --periods 4 > "$T/p.csv"
    # Four bad records appended: a duplicate of line 2, treated flipped for G001, text, a negative weight.
    python3 - "$T/p.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
first = lines[1].split(",")
flipped = first[:]
flipped[1], flipped[2] = "2016-01", str(1 - int(first[2]))
extra = [lines[1], ",".join(flipped), "G002,2016-01,%s,veel,1000" % lines[5].split(",")[2],
         "G003,2016-01,%s,8.5,-5" % lines[9].split(",")[2]]
open(sys.argv[1], "a").write("\n".join(extra) + "\n")
PY
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --weight population --rejects "$T/r.csv" \
        --stats "$T/s.json" "$T/p.csv"
    assert_success
    [ "$stderr" = "koppel-did: 4 of 44 records rejected (see $T/r.csv)" ]
    run python3 -c 'import csv,sys; [print(r["reject_line"], r["reject_reason"]) for r in csv.DictReader(open(sys.argv[1]))]' "$T/r.csv"
    assert_output - <<'EOF'
42 columns 'gemeente_code' and 'month': this unit and period occur twice (first at line 2)
43 column 'wijkteam' differs from the unit's first record (line 2): it must be the same in every record of a unit
44 column 'per_1000': not a number
45 column 'population': a negative weight
EOF
    [ "$(stats_field "$T/s.json" records_used)" = 40 ]
    [ "$(stats_field "$T/s.json" rejected)" = 4 ]
    assert_counts_balance_used "$T/s.json"
    # The good records give what the clean panel gives.
    head -n 41 "$T/p.csv" > "$T/clean.csv"
    same_as_reference "${COLUMNS_OPTIONS[@]}" --weight population "$T/clean.csv"
}

@test "a structurally bad record (wrong field count) is rejected by the record layer" {
    hand_panel "$T/p.csv"
    sed -i '4s/$/,extra/' "$T/p.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" "$T/p.csv"
    assert_failure 1
    assert_output --partial "$T/p.csv:4:"
}

# ---------------------------------------------------------------- designs that cannot be fitted

@test "no treated unit, no control unit in a period, one unit, one period, zero weights: status 1, no output" {
    hand_panel "$T/p.csv"
    sed 's/,1,\([0-9]*\),/,0,\1,/' "$T/p.csv" > "$T/none.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" -o "$T/out.csv" "$T/none.csv"
    assert_failure 1
    assert_output "koppel-did: $T/none.csv: model two-point (unweighted): no treated unit has a record in period 1 of the window's 2: the design is singular"
    assert_file_not_exists "$T/out.csv"
    grep -v '^[AB],2015-02' "$T/p.csv" > "$T/gap.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" --event-study "$T/gap.csv"
    assert_failure 1
    assert_output "koppel-did: $T/gap.csv: model event-study (unweighted): no treated unit has a record in period 2 of the window's 2: the design is singular"
    grep -E '^(gemeente|A,)' "$T/p.csv" > "$T/one.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" "$T/one.csv"
    assert_failure 1
    assert_output "koppel-did: $T/one.csv: model two-point (unweighted): fewer than 2 units: standard errors clustered on the unit need 2 at least"
    grep -v ',2015-02,' "$T/p.csv" > "$T/month.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" "$T/month.csv"
    assert_failure 1
    assert_output "koppel-did: $T/month.csv: the window holds 1 period; two at least are needed"
    run koppel did "${COLUMNS_OPTIONS[@]}" --first 2016-01 "$T/p.csv"
    assert_failure 1
    assert_output "koppel-did: $T/p.csv: the window holds 0 periods; two at least are needed"
    sed '/^[CD],2015-01,/s/,[0-9]*$/,0/' "$T/p.csv" > "$T/zero.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" --weight population "$T/zero.csv"
    assert_failure 1
    assert_output "koppel-did: $T/zero.csv: model two-point (weighted): no control unit has a record of positive weight in period 1 of the window's 2: the design is singular"
    sed '2,$s/,[0-9]*$/,0/' "$T/p.csv" > "$T/zeros.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" --weight population "$T/zeros.csv"
    assert_failure 1
    assert_output "koppel-did: $T/zeros.csv: model two-point (weighted): every record of the model's periods has weight 0"
    sed '2,$s/,[0-9]*$/,0/; 2s/,0$/,5/; 3s/,0$/,5/' "$T/p.csv" > "$T/zeros.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" --weight population "$T/zeros.csv"
    assert_failure 1
    assert_output "koppel-did: $T/zeros.csv: model two-point (weighted): fewer than 2 units with records of positive weight: standard errors clustered on the unit need 2 at least"
    # A header alone: no period at all.
    head -n 1 "$T/p.csv" > "$T/empty.csv"
    run koppel did "${COLUMNS_OPTIONS[@]}" "$T/empty.csv"
    assert_failure 1
    assert_output "koppel-did: $T/empty.csv: the window holds 0 periods; two at least are needed"
}

@test "the linear model with the treated units in one month only: singular" {
    python3 "$REF" panel --seed 8 --units 6 --periods 3 > "$T/p.csv"
    python3 - "$T/p.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
keep = [rows[0]] + [r for r in rows[1:] if r[2] == "0" or r[1] == "2015-02"]
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n").writerows(keep)
PY
    run koppel did "${COLUMNS_OPTIONS[@]}" --model linear "$T/p.csv"
    assert_failure 1
    assert_output "koppel-did: $T/p.csv: model linear (unweighted): the design is singular (no treated or no control unit, or one of them in one period only)"
}

# ---------------------------------------------------------------- usage errors

@test "usage errors are status 2: required options, columns, --model, --first after --last, two inputs" {
    hand_panel "$T/p.csv"
    run koppel did --time month --treated wijkteam --outcome per_1000 "$T/p.csv"
    assert_failure 2
    assert_output --partial "--unit COL is required"
    run koppel did --unit gemeente_code --time month --treated wijkteam "$T/p.csv"
    assert_failure 2
    assert_output --partial "--outcome COL is required"
    run koppel did "${COLUMNS_OPTIONS[@]}" --weight pop "$T/p.csv"
    assert_failure 2
    assert_output --partial "--weight: column 'pop' not found"
    run koppel did "${COLUMNS_OPTIONS[@]}" --model quadratic "$T/p.csv"
    assert_failure 2
    assert_output --partial "--model: 'quadratic' is not a model; use two-point, linear or both"
    run koppel did "${COLUMNS_OPTIONS[@]}" --model linear --event-study "$T/p.csv"
    assert_failure 2
    assert_output --partial "--event-study and --model exclude each other"
    run koppel did "${COLUMNS_OPTIONS[@]}" --weight per_1000 "$T/p.csv"
    assert_failure 2
    assert_output --partial "--outcome and --weight name one column 'per_1000'"
    run koppel did "${COLUMNS_OPTIONS[@]}" --first 2015-02 --last 2015-01 "$T/p.csv"
    assert_failure 2
    assert_output --partial "--first comes after --last in the order of the periods"
    run koppel did "${COLUMNS_OPTIONS[@]}" --unit '' "$T/p.csv"
    assert_failure 2
    assert_output --partial "--unit expects a column name"
    run koppel did "${COLUMNS_OPTIONS[@]}" "$T/p.csv" "$T/p.csv"
    assert_failure 2
    assert_output --partial "one input FILE at most"
    run koppel did "${COLUMNS_OPTIONS[@]}" --no-such-option "$T/p.csv"
    assert_failure 2
}

# ---------------------------------------------------------------- options and plumbing

@test "-d ';', --output-delimiter, -o atomically; a write error is status 3" {
    hand_panel "$T/p.csv"
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --model two-point -o "$T/comma.csv" "$T/p.csv"
    assert_success
    tr ',' ';' < "$T/p.csv" > "$T/semi.csv"
    run --separate-stderr koppel did -d ';' --output-delimiter ';' "${COLUMNS_OPTIONS[@]}" --model two-point "$T/semi.csv"
    assert_success
    assert_output "$(tr ',' ';' < "$T/comma.csv")"
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run bash -c "koppel did --unit gemeente_code --time month --treated wijkteam --outcome per_1000 '$T/p.csv' > /dev/full"
    assert_failure 3
}

@test "--stats: the counts and the did figures" {
    hand_panel "$T/p.csv"
    run --separate-stderr koppel did "${COLUMNS_OPTIONS[@]}" --weight population --stats "$T/s.json" "$T/p.csv"
    assert_success
    [ "$(stats_field "$T/s.json" records_in)" = 8 ]
    [ "$(stats_field "$T/s.json" records_out)" = 16 ]
    [ "$(stats_field "$T/s.json" records_used)" = 8 ]
    [ "$(stats_field "$T/s.json" filtered)" = 0 ]
    [ "$(stats_field "$T/s.json" rejected)" = 0 ]
    [ "$(stats_field "$T/s.json" units)" = 4 ]
    [ "$(stats_field "$T/s.json" treated_units)" = 2 ]
    [ "$(stats_field "$T/s.json" periods)" = 2 ]
    assert_counts_balance_used "$T/s.json"
}

@test "--help shows usage with the examples and the --stats balance; --version" {
    run koppel did --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel did --unit COL --time COL --treated COL --outcome COL"
    assert_output --partial "koppel did --unit gemeente_code --time month --treated wijkteam --outcome per_1000"
    assert_output --partial "records_in =
records_used + filtered + rejected"
    assert_output --partial "Exit status: 0 success"
    run koppel did --version
    assert_success
    assert_output --partial "0.1.0"
}
