#!/usr/bin/env bats
# synth-country.bats: koppel synth --country — the municipal Wmo sources (GMSD decisions, CAK care
# periods) of a whole country: columns, crosswalks, BSNs, determinism, the planted wijkteam
# rates (counted from the raw rows by an independent python script, tests/fixtures/synth/country.py),
# herindelingen, the population register, deliveries, faults, options and errors.
bats_require_minimum_version 1.5.0

# One clean run big enough for the statistics (340 municipalities at 0.3 of their size: about
# 5 million inhabitants), one dirty run and its clean twin, shared by the tests.
setup_file() {
    load 'test_helper/common-setup'
    _common_setup
    export DATA="$BATS_FILE_TMPDIR"
    koppel synth --country --scale 0.3 --seed 11 --out "$DATA/clean" --truth "$DATA/clean/truth.csv" \
        --stats "$DATA/clean.json"
    koppel synth --country --scale 0.05 --seed 5 --dirty 0.01 --out "$DATA/dirty" --stats "$DATA/dirty.json"
    koppel synth --country --scale 0.05 --seed 5 --out "$DATA/twin"
}

setup() {
    load 'test_helper/common-setup'
    _common_setup
    S="$FIXTURES/synth"
    RULES="$KOPPEL_SHARE/rules"
}

FILES="municipalities population gmsd cak municipality_crosswalk"

rows() { echo $(( $(wc -l < "$1") - 1 )); }
number() { tail -n 1 "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

@test "--help documents the country mode and the columns of its files" {
    run koppel synth --help
    assert_success
    assert_output --partial "koppel synth --country --out DIR [--municipalities N] [--scale F]"
    assert_output --partial "gemeente_code (GMxxxx), name (synthetic)"
    assert_output --partial "bsn, gemeente_code, product_code,"
    assert_output --partial "gemeente_code, year, period (1 to 13"
    assert_output --partial "gemeente_code, month, age_group (65plus,"
    assert_output --partial "gemeente_code, boundary_year, boundary_gemeente_code, merger_date"
}

@test "columns as documented; the files hold what --stats says" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" columns
    assert_success
    for f in $FILES; do
        assert_equal "$f: $(rows "$DATA/clean/$f.csv")" "$f: $(number "$f" "$DATA/clean.json")"
    done
    assert_equal "$(rows "$DATA/clean/municipalities.csv")" 340
    # 340 municipalities by 36 months by two age groups, less the months after the mergers.
    [ "$(rows "$DATA/clean/population.csv")" -le $((340 * 36 * 2)) ]
    [ "$(rows "$DATA/clean/population.csv")" -gt $((330 * 36 * 2)) ]
}

@test "the same options and seed give byte-identical files; another seed other ones" {
    cd "$BATS_TEST_TMPDIR"
    koppel synth --country --scale 0.05 --seed 5 --out again --truth again/truth.csv
    koppel synth --country --scale 0.05 --seed 5 --out twice --truth twice/truth.csv
    for f in $FILES; do
        cmp "$DATA/twin/$f.csv" "again/$f.csv"
    done
    cmp again/truth.csv twice/truth.csv
    koppel synth --country --scale 0.05 --seed 6 --out other
    for f in $FILES; do
        run cmp -s "$DATA/twin/$f.csv" "other/$f.csv"
        assert_failure
    done
}

@test "every product code is in the shipped crosswalk; derive maps them to category and outcome" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" codes
    assert_success
    cd "$BATS_TEST_TMPDIR"
    # No --default: a code missing from a table would be a rejected record.
    koppel derive --lookup category=product_code:"$RULES/gmsd-products.csv" \
        --lookup ondersteuning_thuis=category:"$RULES/gmsd-categories.csv" --stats g.json \
        "$DATA/clean/gmsd.csv" > g.csv
    assert_equal "$(number rejected g.json)" 0
    assert_equal "$(cut -d, -f8 g.csv | tail -n +2 | sort -u | paste -sd' ')" "no yes"
    head -20000 "$DATA/clean/cak.csv" | koppel derive --lookup category=product_code:"$RULES/cak-products.csv" \
        --lookup begeleiding_totaal=category:"$RULES/cak-categories.csv" --stats c.json > c.csv
    assert_equal "$(number rejected c.json)" 0
}

@test "clean: every BSN passes the elfproef; every file parses with the project's reader" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" bsn
    assert_success
    for f in $FILES; do
        koppel select --stats "$BATS_TEST_TMPDIR/s.json" "$DATA/clean/$f.csv" > "$BATS_TEST_TMPDIR/copy.csv"
        assert_equal "$(number rejected "$BATS_TEST_TMPDIR/s.json")" 0
        cmp "$DATA/clean/$f.csv" "$BATS_TEST_TMPDIR/copy.csv"
    done
}

@test "truth: the planted rates, effects and slopes of the wijkteam model" {
    run python3 - "$DATA/clean/truth.csv" <<'PY'
import csv, sys
t = {(r["model"], r["parameter"], r["level"]): float(r["value"]) for r in csv.DictReader(open(sys.argv[1]))}
# Clients per 1,000 (CPB, Tabel 4.2, B.1 and B.2): January 2015 and December 2017 (CAK: the
# 13th care period), without and with a wijkteam; unweighted over the included municipalities.
planted = {"gmsd": ("2015-01", "2017-12", 8.0, 9.2, 10.0, 12.7, 35),
           "cak": ("2015-P01", "2017-P13", 7.4, 8.8, 8.3, 10.0, 38)}
for source, (a, b, no_a, wt_a, no_b, wt_b, units) in planted.items():
    for level, value in (("no_wijkteam:all:" + a, no_a), ("wijkteam:all:" + a, wt_a),
                         ("no_wijkteam:all:" + b, no_b), ("wijkteam:all:" + b, wt_b)):
        got = t[(source, "expected_rate", "unweighted:" + level)]
        assert abs(got - value) < 1e-9, (source, level, got)
    did = (wt_b - wt_a) - (no_b - no_a)
    assert abs(t[(source, "did_two_point", "unweighted:all")] - did) < 1e-9
    assert abs(t[(source, "did_linear_slope_per_unit", "unweighted:all")] - did / units) < 1e-9
    assert abs(t[(source, "wijkteam_effect", "")] - did) < 1e-12
    # Weighted by population, the larger (wijkteam) municipalities weigh in with higher rates.
    assert t[(source, "did_two_point", "weighted:all")] > did
print("gmsd did %.2f, cak did %.2f" % (t[("gmsd", "did_two_point", "unweighted:all")],
                                       t[("cak", "did_two_point", "unweighted:all")]))
# Wijkteam municipalities are larger (Tabel B.1: 53,131 against 32,479).
assert t[("country", "mean_population", "wijkteam")] > 1.3 * t[("country", "mean_population", "no_wijkteam")]
PY
    assert_success
    assert_output "gmsd did 1.50, cak did 0.30"
}

@test "rates: clients counted from gmsd.csv and cak.csv match the planted rates (all, 65+, under 65)" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" rates
    echo "$output"
    assert_success
    assert_output --partial "gmsd did observed"
    assert_output --partial "cak did observed"
}

@test "the study's count with koppel filters agrees with python's; model 2 recovers the planted slopes" {
    cd "$BATS_TEST_TMPDIR"
    koppel derive --lookup category=product_code:"$RULES/gmsd-products.csv" \
        --lookup ondersteuning_thuis=category:"$RULES/gmsd-categories.csv" "$DATA/clean/gmsd.csv" |
        koppel select --eq ondersteuning_thuis=yes |
        koppel periods --period start_date,end_date --window 2015-01-01..2017-12-31 |
        koppel aggregate -g gemeente_code,month --count-distinct bsn > gmsd-clients.csv
    koppel derive --lookup category=product_code:"$RULES/cak-products.csv" \
        --lookup begeleiding_totaal=category:"$RULES/cak-categories.csv" "$DATA/clean/cak.csv" |
        koppel select --eq begeleiding_totaal=yes |
        koppel aggregate -g gemeente_code,year,period --count-distinct bsn > cak-clients.csv
    run python3 "$S/country.py" "$DATA/clean" "$RULES" pipeline gmsd-clients.csv cak-clients.csv
    assert_success
    assert_output --partial "pipeline counts agree"
    # Model 2 on every month of those counts recovers the planted slope difference and trend.
    run python3 "$S/country.py" "$DATA/clean" "$RULES" slopes gmsd-clients.csv
    echo "$output"
    assert_success
}

@test "linkage: most CAK clients are GMSD clients of the same municipality, with the same birth date" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" links
    echo "$output"
    assert_success
}

@test "herindelingen: the merged municipalities stop at the merger month, the absorbing ones grow" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" mergers
    assert_success
    assert_output "10 mergers ok"
}

@test "population: sizes, growth and the share aged 65+ are sensible" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" population 0.3
    echo "$output"
    assert_success
}

@test "deliveries: no decision starts in a year a municipality did not deliver, no CAK row either" {
    run python3 "$S/country.py" "$DATA/clean" "$RULES" deliveries
    assert_success
    # Some municipalities miss a year (GMSD) or stop (CAK), a few moved support to another category.
    [ "$(grep -c ',2015 2016 2017,' "$DATA/clean/municipalities.csv")" -lt 340 ]
    [ "$(cut -d, -f11 "$DATA/clean/municipalities.csv" | grep -c .)" -gt 1 ]
}

@test "--dirty: the faults are counted, and dirty data is the clean data plus the faults" {
    local fault total=0
    for fault in bsn_separators bsn_elfproef bsn_empty duplicate_row date_dmy too_few_fields; do
        [ "$(number "fault_$fault" "$DATA/dirty.json")" -gt 0 ]
    done
    for f in municipalities population municipality_crosswalk; do
        cmp "$DATA/dirty/$f.csv" "$DATA/twin/$f.csv"
    done
    local extra=$(( $(number fault_duplicate_row "$DATA/dirty.json") +
                    $(number fault_same_person_different_data "$DATA/dirty.json") ))
    assert_equal $(( $(rows "$DATA/dirty/gmsd.csv") + $(rows "$DATA/dirty/cak.csv") )) \
        $(( $(rows "$DATA/twin/gmsd.csv") + $(rows "$DATA/twin/cak.csv") + extra ))
}

@test "--municipalities, --years and --output-delimiter" {
    cd "$BATS_TEST_TMPDIR"
    koppel synth --country --municipalities 20 --scale 0.05 --years 2016-2017 --output-delimiter ';' --out small
    assert_equal "$(rows small/municipalities.csv)" 20
    assert_equal "$(head -1 small/cak.csv)" "bsn;gemeente_code;year;period;product_code;hours;birth_date"
    assert_equal "$(cut -d';' -f2 small/population.csv | tail -n +2 | cut -c1-4 | sort -u | paste -sd' ')" "2016 2017"
    assert_equal "$(cut -d';' -f3 small/cak.csv | tail -n +2 | sort -u | paste -sd' ')" "2016 2017"
    koppel select -d ';' --stats s.json small/gmsd.csv > /dev/null
    assert_equal "$(number rejected s.json)" 0
}

@test "a long study: 40 years of months, periods and delivered years, nothing cut" {
    cd "$BATS_TEST_TMPDIR"
    koppel synth --country --municipalities 10 --scale 0.01 --years 1990-2029 --out long
    run python3 - long <<'PY'
import csv, sys
out = sys.argv[1]
years = " ".join(str(y) for y in range(1990, 2030))
munis = list(csv.DictReader(open(out + "/municipalities.csv")))
assert any(m["gmsd_delivered"] == years for m in munis), [m["gmsd_delivered"] for m in munis]
months = {r["month"] for r in csv.DictReader(open(out + "/population.csv"))}
assert len(months) == 480 and min(months) == "1990-01" and max(months) == "2029-12"
periods = {(r["year"], r["period"]) for r in csv.DictReader(open(out + "/cak.csv"))}
assert ("2029", "13") in periods and ("1990", "1") in periods
print("ok")
PY
    assert_success
    assert_output "ok"
}

@test "a run that cannot write its truth file stops with status 3 before writing data" {
    cd "$BATS_TEST_TMPDIR"
    run koppel synth --country --municipalities 10 --scale 0.01 --out d3 --truth no/such/dir/truth.csv
    assert_failure 3
    assert_dir_not_exists d3
}

@test "streaming: memory does not grow with the number of clients" {
    [ -x /usr/bin/time ] || skip "no /usr/bin/time"
    cd "$BATS_TEST_TMPDIR"
    small=$(/usr/bin/time -f %M koppel synth --country --scale 0.01 --out m1 2>&1 >/dev/null)
    large=$(/usr/bin/time -f %M koppel synth --country --scale 0.3 --out m2 2>&1 >/dev/null)
    echo "small=$small KB large=$large KB"
    [ "$large" -lt $((small + 2048)) ]
}

@test "usage errors: status 2 with a message" {
    cd "$BATS_TEST_TMPDIR"
    for bad in "--municipalities 5" "--municipalities 1001" "--municipalities x" "--scale 0" \
        "--scale 3" "--scale x"; do
        run koppel synth --country $bad --out e
        assert_failure 2
        assert_output --partial "${bad%% *} expects"
    done
    run koppel synth --country --persons 100 --out e
    assert_failure 2
    assert_output --partial "--persons does not apply with --country"
    run koppel synth --country --gp-coverage 0.2 --out e
    assert_failure 2
    assert_output --partial "--gp-coverage does not apply with --country"
    run koppel synth --municipalities 20 --out e
    assert_failure 2
    assert_output --partial "--municipalities needs --country"
    run koppel synth --country --out e --truth e/gmsd.csv
    assert_failure 2
    assert_dir_not_exists e
}
