#!/usr/bin/env bats
# select.bats: conditions, column choice, bad values, and the counts of koppel select.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/select"
}

ids() { cut -d, -f1 | tail -n +2 | paste -sd' '; }

@test "usage example: persons 18 and over who are women" {
    run bash -c "set -o pipefail; koppel select --ge age=18 --eq sex=F '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "5"
}

@test "--eq with several values and --ne" {
    run bash -c "set -o pipefail; koppel select --eq 'provision_type=household_help|wheelchair' '$F/wmo.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "a1 a2 a4 a6"
    run bash -c "set -o pipefail; koppel select --ne 'provision_type=household_help|wheelchair' '$F/wmo.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "a3 a5"
}

@test "--eq with an empty value selects missing values" {
    run bash -c "set -o pipefail; koppel select --eq end_date= '$F/wmo.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "a2 a5"
}

@test "numeric comparisons; an empty value never meets a comparison" {
    run bash -c "set -o pipefail; koppel select --lt age=18 '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "1"
    run bash -c "set -o pipefail; koppel select --le age=64.5 '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "1 2 4"
    run bash -c "set -o pipefail; koppel select --gt age=64.5 '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "5"
    run bash -c "set -o pipefail; koppel select --gt age=17 --lt age=90 '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "2 4"
}

@test "ISO date comparisons" {
    run bash -c "set -o pipefail; koppel select --ge visit=2023-01-01 '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "1 2 4"
    run bash -c "set -o pipefail; koppel select --lt visit=2023-01-01 '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "3"
}

@test "--in-year: an ISO date in one of the years; empty never meets; a date that is not ISO is rejected" {
    # by hand on ages.csv: visits 2023-05-01, 2023-06-01, 2022-12-31, 2023-01-01 and empty
    run bash -c "set -o pipefail; koppel select --in-year visit=2023 '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "1 2 4"
    run bash -c "set -o pipefail; koppel select --in-year 'visit=2021|2022' '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "3"
    # against Python on many dates: days at the turn of the year, 29 February, empty, and
    # dates as DD-MM-YYYY or days that do not exist (bad records, with the reason)
    python3 - "$BATS_TEST_TMPDIR" <<'PY'
import datetime, random, sys
r = random.Random(3)
out = sys.argv[1]
good, bad, wanted = [], [], {2016, 2019, 2020}
with open(out + "/dates.csv", "w") as f:
    f.write("id,contact_date\n")
    for i in range(3000):
        kind = r.random()
        if kind < 0.85:
            day = datetime.date(2015, 1, 1) + datetime.timedelta(days=r.randrange(6 * 366))
            if r.random() < 0.2:
                day = datetime.date(r.choice([2015, 2016, 2019, 2020, 2021]), r.choice([1, 12]), r.choice([1, 31]))
            value = day.isoformat()
            if day.year in wanted:
                good.append(str(i))
        elif kind < 0.9:
            value = ""
        else:
            value = r.choice(["29-02-2016", "2019-02-29", "2020-13-01", "2016/03/01", "2020-1-05", "20160301"])
            bad.append(str(i))
        f.write("%d,%s\n" % (i, value))
open(out + "/good.txt", "w").write(" ".join(good) + "\n")
open(out + "/bad.txt", "w").write(" ".join(bad) + "\n")
PY
    (set -o pipefail; koppel select --in-year 'contact_date=2016|2019|2020' --rejects "$BATS_TEST_TMPDIR/r.csv" \
        --stats "$BATS_TEST_TMPDIR/s.json" "$BATS_TEST_TMPDIR/dates.csv" 2>/dev/null | ids > "$BATS_TEST_TMPDIR/got.txt")
    cmp "$BATS_TEST_TMPDIR/good.txt" "$BATS_TEST_TMPDIR/got.txt"
    ids < "$BATS_TEST_TMPDIR/r.csv" | cmp "$BATS_TEST_TMPDIR/bad.txt" -
    run bash -c "tail -n +2 '$BATS_TEST_TMPDIR/r.csv' | cut -d, -f5 | sort -u"
    # a value that reads as a date in another form says how to convert it
    assert_output "column 'contact_date': not an ISO date (YYYY-MM-DD)
column 'contact_date': not an ISO date (YYYY-MM-DD); it looks like dd-mm-yyyy: convert it first with koppel derive --iso-date contact_date --date-format dd-mm-yyyy
column 'contact_date': not an ISO date (YYYY-MM-DD); it looks like yyyymmdd: convert it first with koppel derive --iso-date contact_date --date-format yyyymmdd"
    assert_counts_balance "$BATS_TEST_TMPDIR/s.json"
    # without --rejects the first bad date stops the run, without showing it
    run koppel select --in-year contact_date=2016 "$BATS_TEST_TMPDIR/dates.csv"
    assert_failure 1
    refute_output --partial "29-02-2016"
    refute_output --partial "2019-02-29"
}

@test "--empty and --not-empty" {
    run bash -c "set -o pipefail; koppel select --empty age '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "3"
    run bash -c "set -o pipefail; koppel select --not-empty visit '$F/ages.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "1 2 3 4"
}

@test "--overlaps: period overlap with open ends, both days included" {
    # by hand: a1 2022-03..2022-12 no; a2 from 2023-12-31 open yes; a3 ends 2022 no;
    # a4 starts 2024 no; a5 2020 open yes; a6 one day 2023-01-01 yes
    run bash -c "set -o pipefail; koppel select --overlaps start_date,end_date=2023-01-01..2023-12-31 '$F/wmo.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "a2 a5 a6"
    run bash -c "set -o pipefail; koppel select --overlaps start_date,end_date=2022-12-31..2022-12-31 '$F/wmo.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "a1 a3 a5"
}

@test "--covers: the period contains the whole of FROM..TO" {
    # by hand: a1 ends 2022-12-31 no; a2 starts 2023-12-31 no; a3 2021..2022 covers 2022;
    # a5 2020-05-05 open covers 2022 and 2023; a6 one day
    run bash -c "set -o pipefail; koppel select --covers start_date,end_date=2022-01-01..2022-12-31 '$F/wmo.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "a3 a5"
    run bash -c "set -o pipefail; koppel select --covers start_date,end_date=2023-01-01..2023-01-01 '$F/wmo.csv' | cut -d, -f1 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "a5 a6"
    run koppel select --covers start_date=2023-01-01..2023-12-31 "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--covers expects START,END=FROM..TO"
}

@test "--columns keeps and orders columns; --drop removes some" {
    run koppel select --columns provision_type,bsn "$F/wmo.csv"
    assert_success
    assert_line --index 0 "provision_type,bsn"
    assert_line --index 1 "household_help,a1"
    run koppel select --drop gemeente_code,provision_code,delivery "$F/wmo.csv"
    assert_line --index 0 "bsn,provision_type,start_date,end_date"
    run koppel select --columns bsn --drop delivery "$F/wmo.csv"
    assert_failure 2
}

@test "a missing column is a usage error listing the columns that exist" {
    run koppel select --eq nope=1 "$F/ages.csv"
    assert_failure 2
    assert_output --partial "column 'nope' not found in $F/ages.csv; the columns are: id, age, sex, visit"
    run koppel select --columns id,nope "$F/ages.csv"
    assert_failure 2
    assert_output --partial "--columns: column 'nope' not found"
}

@test "bad option values are usage errors" {
    run koppel select --lt age=abc "$F/ages.csv"
    assert_failure 2
    assert_output --partial "neither a number nor an ISO date"
    run koppel select --overlaps start_date=2023-01-01..2023-12-31 "$F/wmo.csv"
    assert_failure 2
    run koppel select --overlaps start_date,end_date=2023-12-31..2023-01-01 "$F/wmo.csv"
    assert_failure 2
    run koppel select --eq "$F/wmo.csv"
    assert_failure 2
    for years in 17 2017x +201 '2017|' '2017||2019' 0000; do
        run koppel select --in-year "visit=$years" "$F/ages.csv"
        assert_failure 2
        assert_output --partial "is not a year (YYYY)"
    done
    run koppel select --bogus "$F/wmo.csv"
    assert_failure 2
}

@test "a value that is not a number or not a date is a rejected record, value not shown" {
    printf 'id,age\n1,20\n2,x99\n3,30\n' > "$BATS_TEST_TMPDIR/a.csv"
    run koppel select --ge age=18 "$BATS_TEST_TMPDIR/a.csv"
    assert_failure 1
    assert_output --partial "a.csv:3: column 'age': not a number"
    refute_output --partial "x99"
    run --separate-stderr koppel select --ge age=18 --rejects "$BATS_TEST_TMPDIR/r.csv" --stats "$BATS_TEST_TMPDIR/s.json" "$BATS_TEST_TMPDIR/a.csv"
    assert_success
    assert_output $'id,age\n1,20\n3,30'
    assert_counts_balance "$BATS_TEST_TMPDIR/s.json"
    printf 'id,birth_date\n1,1950-13-01\n' > "$BATS_TEST_TMPDIR/d.csv"
    run koppel select --lt birth_date=2000-01-01 "$BATS_TEST_TMPDIR/d.csv"
    assert_failure 1
    assert_output --partial "column 'birth_date': not an ISO date"
    refute_output --partial "1950"
}

@test "--overlaps rejects an end before the start and an empty start" {
    printf 'id,s,e\n1,2023-05-01,2023-04-01\n2,,2023-01-01\n3,2023-01-01,\n' > "$BATS_TEST_TMPDIR/p.csv"
    run --separate-stderr koppel select --overlaps s,e=2023-01-01..2023-12-31 --rejects "$BATS_TEST_TMPDIR/r.csv" "$BATS_TEST_TMPDIR/p.csv"
    assert_success
    assert_output $'id,s,e\n3,2023-01-01,'
    run cut -d, -f6 "$BATS_TEST_TMPDIR/r.csv"
    assert_line --index 1 "column 'e' is before column 's'"
    assert_line --index 2 "column 's': empty start of a period"
}

@test "filtered records are counted and in = out + filtered + rejected" {
    koppel select --ge age=18 --stats "$BATS_TEST_TMPDIR/s.json" "$F/ages.csv" > /dev/null
    assert_counts_balance "$BATS_TEST_TMPDIR/s.json"
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" records_in)" 5
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" records_out)" 3
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" filtered)" 2
}

@test "several input files with the same header are concatenated; a different header is an error" {
    run bash -c "set -o pipefail; koppel select '$F/ages.csv' '$F/ages.csv' | wc -l"
    assert_success
    assert_output 11
    run koppel select "$F/ages.csv" "$F/wmo.csv"
    assert_failure 1
    assert_output --partial "wmo.csv:1: header differs from that of $F/ages.csv"
}

@test "--help shows usage with an example and --version the version" {
    run koppel select --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel select"
    assert_output --partial "Examples:"
    run koppel select --version
    assert_success
    assert_line --index 0 --regexp '^koppel-select \(koppel\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "--help into a closed pipe ends quietly; --help into a full disk is status 3" {
    run bash -c "set -o pipefail; koppel select --help 2>'$BATS_TEST_TMPDIR/err' | head -n 1"
    assert_success
    assert_output --partial "Usage: koppel select"
    assert_file_empty "$BATS_TEST_TMPDIR/err"
    run bash -c "set -o pipefail; koppel --help 2>'$BATS_TEST_TMPDIR/err2' | head -n 1"
    assert_success
    assert_file_empty "$BATS_TEST_TMPDIR/err2"
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run bash -c "koppel select --help > /dev/full"
    assert_failure 3
    assert_output --partial "error writing standard output"
}

@test "the koppel command runs verbs, lists them, and refuses unknown ones" {
    run koppel select --columns id "$F/ages.csv"
    assert_success
    assert_line --index 0 "id"
    run koppel --help
    assert_success
    assert_output --regexp "select +Keep the records"
    run koppel
    assert_success
    run koppel frobnicate
    assert_failure 2
    assert_output --partial "'frobnicate' is not a koppel verb"
    run koppel --version
    assert_success
}
