#!/usr/bin/env bats
# periods.bats: koppel periods cuts periods into calendar months and years within a window:
# month boundaries, one-day periods, open ends, year ends, 29 February 2024 and 28 February 2023,
# periods partly or wholly outside the window, the person-days balance on random periods, bad
# records, usage errors and the counts. Expected rows are computed by python3 in the test, walking
# the calendar day by day with datetime; never copied from the program's output.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/periods"
    T="$BATS_TEST_TMPDIR"
}

# expected_units FILE UNIT FROM TO START END: the expected output, computed by walking every
# day of each period (cut to FROM..TO, an empty END open) and counting the days per unit.
expected_units() {
    python3 - "$@" <<'PY'
import csv, datetime as dt, sys
path, unit, w0, w1, start_col, end_col = sys.argv[1:7]
w0, w1 = dt.date.fromisoformat(w0), dt.date.fromisoformat(w1)
rows = list(csv.reader(open(path, newline="")))
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(rows[0] + [unit, "days"])
s_i, e_i = rows[0].index(start_col), rows[0].index(end_col)
for row in rows[1:]:
    start = dt.date.fromisoformat(row[s_i])
    end = dt.date.fromisoformat(row[e_i]) if row[e_i] else w1
    days = {}
    day = max(start, w0)
    while day <= min(end, w1):
        if unit == "month":
            key = "%04d-%02d" % (day.year, day.month)
        elif unit == "period":   # care periods: four weeks from 1 January, the 13th to 31 December
            key = "%04d-%02d" % (day.year, min((day - dt.date(day.year, 1, 1)).days // 28, 12) + 1)
        else:
            key = "%04d" % day.year
        days[key] = days.get(key, 0) + 1  # dicts keep insertion order: time order
        day += dt.timedelta(days=1)
    for key, n in days.items():
        out.writerow(row + [key, str(n)])
PY
}

# ---------------------------------------------------------------- the worked cases

@test "usage example: months of 2023 from start and end dates, computed independently" {
    run --separate-stderr koppel periods --period start_date,end_date --window 2023-01-01..2023-12-31 "$F/wmo.csv"
    assert_success
    expected=$(expected_units "$F/wmo.csv" month 2023-01-01 2023-12-31 start_date end_date)
    assert_output "$expected"
}

@test "months over 2023-01-01..2024-03-31: boundaries, one day, open, year end, leap and common February, cut at both ends" {
    run --separate-stderr koppel periods --period start_date,end_date --window 2023-01-01..2024-03-31 "$F/wmo.csv"
    assert_success
    expected=$(expected_units "$F/wmo.csv" month 2023-01-01 2024-03-31 start_date end_date)
    assert_output "$expected"
}

@test "years over 2022-06-01..2024-12-31, computed independently" {
    run --separate-stderr koppel periods --period start_date,end_date --window 2022-06-01..2024-12-31 --unit year "$F/wmo.csv"
    assert_success
    expected=$(expected_units "$F/wmo.csv" year 2022-06-01 2024-12-31 start_date end_date)
    assert_output "$expected"
}

@test "the cases by hand: whole months, one day, leap day, 28 February 2023, year end, open end" {
    printf 'id,s,e\n1,2023-01-01,2023-03-31\n2,2023-06-15,2023-06-15\n3,2024-02-01,2024-02-29\n4,2023-02-01,2023-02-28\n5,2024-02-28,2024-03-01\n6,2023-12-15,2024-01-10\n7,2024-12-30,\n' > "$T/p.csv"
    run --separate-stderr koppel periods --period s,e --window 2023-01-01..2025-01-02 "$T/p.csv"
    assert_success
    # 31 + 28 + 31; one day; 29 days of February 2024; 28 of February 2023; 28, 29 Feb and 1 Mar;
    # 15..31 December is 17 days and 1..10 January 10; 30 Dec 2024 to TO (2 Jan 2025): 2 + 2.
    assert_output - <<'EOF'
id,s,e,month,days
1,2023-01-01,2023-03-31,2023-01,31
1,2023-01-01,2023-03-31,2023-02,28
1,2023-01-01,2023-03-31,2023-03,31
2,2023-06-15,2023-06-15,2023-06,1
3,2024-02-01,2024-02-29,2024-02,29
4,2023-02-01,2023-02-28,2023-02,28
5,2024-02-28,2024-03-01,2024-02,2
5,2024-02-28,2024-03-01,2024-03,1
6,2023-12-15,2024-01-10,2023-12,17
6,2023-12-15,2024-01-10,2024-01,10
7,2024-12-30,,2024-12,2
7,2024-12-30,,2025-01,2
EOF
    run --separate-stderr koppel periods --period s,e --window 2023-01-01..2025-01-02 --unit year "$T/p.csv"
    assert_success
    # Years: 90; 1; 29; 28; 3; 17 and 10; 2 and 2.
    assert_output - <<'EOF'
id,s,e,year,days
1,2023-01-01,2023-03-31,2023,90
2,2023-06-15,2023-06-15,2023,1
3,2024-02-01,2024-02-29,2024,29
4,2023-02-01,2023-02-28,2023,28
5,2024-02-28,2024-03-01,2024,3
6,2023-12-15,2024-01-10,2023,17
6,2023-12-15,2024-01-10,2024,10
7,2024-12-30,,2024,2
7,2024-12-30,,2025,2
EOF
}

@test "periods partly outside the window are cut to it; wholly outside ones are filtered and counted" {
    printf 'id,s,e\n1,2022-12-20,2023-01-05\n2,2023-03-25,2023-04-10\n3,2022-01-01,2022-12-31\n4,2023-04-01,\n5,2022-05-05,\n6,2023-03-31,2023-03-31\n' > "$T/p.csv"
    run --separate-stderr koppel periods --period s,e --window 2023-01-01..2023-03-31 --stats "$T/s.json" "$T/p.csv"
    assert_success
    # 1: 1..5 January; 2: 25..31 March; 3 ends before FROM, 4 starts after TO: filtered;
    # 5: open, from FROM to TO (31 + 28 + 31); 6: the window's last day.
    assert_output - <<'EOF'
id,s,e,month,days
1,2022-12-20,2023-01-05,2023-01,5
2,2023-03-25,2023-04-10,2023-03,7
5,2022-05-05,,2023-01,31
5,2022-05-05,,2023-02,28
5,2022-05-05,,2023-03,31
6,2023-03-31,2023-03-31,2023-03,1
EOF
    [ "$(stats_field "$T/s.json" filtered)" = 2 ]
    [ "$(stats_field "$T/s.json" records_expanded)" = 4 ]
    [ "$(stats_field "$T/s.json" open_ends)" = 2 ]
    [ "$(stats_field "$T/s.json" records_out)" = 6 ]
    [ "$(stats_field "$T/s.json" person_days)" = $((5 + 7 + 31 + 28 + 31 + 1)) ]
}

@test "a one-day window, and a window of one day outside every period" {
    printf 'id,s,e\n1,2024-02-01,\n2,2024-03-01,2024-03-05\n' > "$T/p.csv"
    run --separate-stderr koppel periods --period s,e --window 2024-02-29..2024-02-29 "$T/p.csv"
    assert_success
    assert_output $'id,s,e,month,days\n1,2024-02-01,,2024-02,1'
    run --separate-stderr koppel periods --period s,e --window 2024-01-31..2024-01-31 --stats "$T/s.json" "$T/p.csv"
    assert_success
    assert_output 'id,s,e,month,days'
    [ "$(stats_field "$T/s.json" filtered)" = 2 ]
    [ "$(stats_field "$T/s.json" records_out)" = 0 ]
}

# ---------------------------------------------------------------- random periods

@test "3000 random periods: rows as walked day by day, and the days of each record sum to its cut length" {
    python3 - "$T/r.csv" <<'PY'
import datetime as dt, random, sys
random.seed(20231)
base = dt.date(2019, 1, 1)
with open(sys.argv[1], "w") as f:
    f.write("id,start,end\n")
    for i in range(3000):
        s = base + dt.timedelta(days=random.randrange(0, 6 * 366))
        kind = random.random()
        e = "" if kind < 0.15 else (s + dt.timedelta(days=0 if kind < 0.25 else random.randrange(0, 900))).isoformat()
        f.write("%d,%s,%s\n" % (i, s.isoformat(), e))
PY
    for unit in month year care-period; do
        run --separate-stderr koppel periods --period start,end --window 2020-02-29..2023-12-31 --unit "$unit" \
            --stats "$T/s-$unit.json" "$T/r.csv"
        assert_success
        echo "$output" > "$T/out-$unit.csv"
        expected=$(expected_units "$T/r.csv" "${unit%-period}" 2020-02-29 2023-12-31 start end)
        [ "$unit" = care-period ] && expected=$(expected_units "$T/r.csv" period 2020-02-29 2023-12-31 start end)
        assert_output "$expected"
    done
    # The person-days balance, by arithmetic on dates rather than by walking days.
    python3 - "$T/r.csv" "$T/out-month.csv" "$T/out-year.csv" "$T/out-care-period.csv" "$T/s-month.json" <<'PY'
import csv, datetime as dt, json, sys
w0, w1 = dt.date(2020, 2, 29), dt.date(2023, 12, 31)
want = {}
for row in csv.DictReader(open(sys.argv[1])):
    s = max(dt.date.fromisoformat(row["start"]), w0)
    e = min(dt.date.fromisoformat(row["end"]) if row["end"] else w1, w1)
    if s <= e:
        want[row["id"]] = (e - s).days + 1
for path in sys.argv[2:5]:
    got = {}
    for row in csv.DictReader(open(path)):
        got[row["id"]] = got.get(row["id"], 0) + int(row["days"])
    assert got == want, path
stats = json.loads(open(sys.argv[5]).read().splitlines()[-1])
assert stats["person_days"] == sum(want.values()), stats
assert stats["records_expanded"] == len(want), stats
assert stats["records_in"] == stats["records_expanded"] + stats["filtered"] + stats["rejected"], stats
PY
}

@test "care periods by hand: 28 days from 1 January, the 13th to 31 December (30 days in a leap year); --start-column" {
    printf 'id,start,end\n1,2015-01-01,2015-01-28\n2,2016-12-01,2017-01-05\n3,2017-12-20,\n4,2015-01-29,2015-01-29\n' > "$T/c.csv"
    run --separate-stderr koppel periods --period start,end --window 2015-01-01..2017-12-31 --unit care-period \
        --start-column first_day "$T/c.csv"
    assert_success
    # 2016 is a leap year: its 13th period starts on day 336, 2 December, and has 30 days
    assert_output "id,start,end,period,days,first_day
1,2015-01-01,2015-01-28,2015-01,28,2015-01-01
2,2016-12-01,2017-01-05,2016-12,1,2016-11-04
2,2016-12-01,2017-01-05,2016-13,30,2016-12-02
2,2016-12-01,2017-01-05,2017-01,5,2017-01-01
3,2017-12-20,,2017-13,12,2017-12-03
4,2015-01-29,2015-01-29,2015-02,1,2015-01-29"
    # the first day of each unit, and an age on it through derive --age
    run --separate-stderr bash -c "printf 'id,birth,start,end\n1,1950-02-15,2015-01-20,2015-03-10\n' \
        | koppel periods --period start,end --window 2015-01-01..2015-12-31 --start-column first_day \
        | koppel derive --age age=birth:first_day | koppel select --columns month,first_day,age"
    assert_success
    assert_output "month,first_day,age
2015-01,2015-01-01,64
2015-02,2015-02-01,64
2015-03,2015-03-01,65"
}

# ---------------------------------------------------------------- bad records

@test "bad records without --rejects: status 1, file:line, the column named and no value shown" {
    printf 'id,s,e\n1,2023-01-01,2023-01-31\n2,2023-02-29,2023-03-01\n' > "$T/p.csv"
    run koppel periods --period s,e --window 2023-01-01..2023-12-31 "$T/p.csv"
    assert_failure 1
    assert_line "koppel-periods: $T/p.csv:3: column 's': not an ISO date (YYYY-MM-DD)"
    refute_output --partial "2023-02-29"
    printf 'id,s,e\n1,2023-05-01,2023-04-01\n' > "$T/p.csv"
    run koppel periods --period s,e --window 2023-01-01..2023-12-31 "$T/p.csv"
    assert_failure 1
    assert_line "koppel-periods: $T/p.csv:2: column 'e' is before column 's'"
    printf 'id,s,e\n1,,2023-04-01\n' > "$T/p.csv"
    run koppel periods --period s,e --window 2023-01-01..2023-12-31 "$T/p.csv"
    assert_failure 1
    assert_line "koppel-periods: $T/p.csv:2: column 's': empty start of a period"
    printf 'id,s,e\n1,2023-01-01,31-12-2023\n' > "$T/p.csv"
    run koppel periods --period s,e --window 2023-01-01..2023-12-31 - < "$T/p.csv"
    assert_failure 1
    assert_line "koppel-periods: -:2: column 'e': not an ISO date (YYYY-MM-DD); it looks like dd-mm-yyyy: convert it first with koppel derive --iso-date e --date-format dd-mm-yyyy"
    refute_output --partial "31-12-2023"
}

@test "bad records with --rejects: written there with their reasons, the run goes on, in = expanded + filtered + rejected" {
    printf 'id,s,e\n1,2023-05-01,2023-04-01\n2,,2023-01-01\n3,2023-01-01,\n4,2023-13-01,\n5,2023-01-01,2023-02-30\n6,2021-01-01,2021-12-31\n7,2023-12-31,2023-12-31\n' > "$T/p.csv"
    run --separate-stderr koppel periods --period s,e --window 2023-01-01..2023-12-31 --unit year \
        --rejects "$T/r.csv" --stats "$T/s.json" "$T/p.csv"
    assert_success
    assert_output $'id,s,e,year,days\n3,2023-01-01,,2023,365\n7,2023-12-31,2023-12-31,2023,1'
    [ "$stderr" = "koppel-periods: 4 of 7 records rejected (see $T/r.csv)" ]
    run python3 -c 'import csv,sys; [print(r["reject_line"], r["reject_reason"]) for r in csv.DictReader(open(sys.argv[1]))]' "$T/r.csv"
    assert_output - <<'EOF'
2 column 'e' is before column 's'
3 column 's': empty start of a period
5 column 's': not an ISO date (YYYY-MM-DD)
6 column 'e': not an ISO date (YYYY-MM-DD)
EOF
    [ "$(stats_field "$T/s.json" records_in)" = 7 ]
    [ "$(stats_field "$T/s.json" records_out)" = 2 ]
    [ "$(stats_field "$T/s.json" rejected)" = 4 ]
    [ "$(stats_field "$T/s.json" filtered)" = 1 ]
    [ "$(stats_field "$T/s.json" records_expanded)" = 2 ]
    [ "$(stats_field "$T/s.json" person_days)" = 366 ]
}

@test "a structurally bad record (wrong field count) is rejected by the record layer" {
    printf 'id,s,e\n1,2023-01-01,2023-01-02,extra\n2,2023-01-01,2023-01-01\n' > "$T/p.csv"
    run koppel periods --period s,e --window 2023-01-01..2023-12-31 "$T/p.csv"
    assert_failure 1
    assert_output --partial "$T/p.csv:2:"
}

# ---------------------------------------------------------------- usage errors

@test "usage errors are status 2: missing or malformed --period and --window, bad --unit, columns" {
    local w=2023-01-01..2023-12-31
    run koppel periods --window "$w" "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--period START,END is required"
    run koppel periods --period start_date,end_date "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--window FROM..TO is required"
    run koppel periods --period start_date --window "$w" "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--period expects START,END"
    run koppel periods --period start_date,start_date --window "$w" "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "START and END are one column"
    for bad in 2023-01-01 2023-01-01..2023-02-30 2023-1-1..2023-12-31 2023-01-01...2023-12-31; do
        run koppel periods --period start_date,end_date --window "$bad" "$F/wmo.csv"
        assert_failure 2
        assert_output --partial "--window expects FROM..TO, two ISO dates"
    done
    run koppel periods --period start_date,end_date --window 2023-12-31..2023-01-01 "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--window: FROM is after TO"
    run koppel periods --period start_date,end_date --window "$w" --unit day "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--unit: 'day' is not a unit; use month, year or care-period"
    run koppel periods --period start_date,end_date --window "$w" --start-column days "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--start-column: 'days' is the name of the unit or days column"
    run koppel periods --period start,end_date --window "$w" "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "column 'start' not found"
    assert_output --partial "start_date"
    run koppel periods --period start_date,end_date --window "$w" --unit-column client "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "there is a column 'client' already; name the new one with --unit-column"
    run koppel periods --period start_date,end_date --window "$w" --unit-column days "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "the unit and days columns are both named 'days'"
    run koppel periods --period start_date,end_date --window "$w" --days-column '' "$F/wmo.csv"
    assert_failure 2
    assert_output --partial "--days-column expects a column name"
    run koppel periods --period start_date,end_date --window "$w" --no-such-option "$F/wmo.csv"
    assert_failure 2
}

# ---------------------------------------------------------------- options and plumbing

@test "--unit-column, --days-column, -d ';' and --output-delimiter" {
    printf 'id;s;e\n1;2023-01-30;2023-02-02\n' > "$T/p.csv"
    run --separate-stderr koppel periods -d ';' --output-delimiter ';' --period s,e --window 2023-01-01..2023-12-31 \
        --unit-column maand --days-column dagen "$T/p.csv"
    assert_success
    assert_output $'id;s;e;maand;dagen\n1;2023-01-30;2023-02-02;2023-01;2\n1;2023-01-30;2023-02-02;2023-02;2'
}

@test "several inputs read as one; -o writes atomically; a write error is status 3" {
    printf 'id,s,e\n1,2023-01-01,2023-01-01\n' > "$T/a.csv"
    printf 'id,s,e\n2,2023-02-01,2023-02-02\n' > "$T/b.csv"
    run --separate-stderr koppel periods --period s,e --window 2023-01-01..2023-12-31 -o "$T/out.csv" "$T/a.csv" "$T/b.csv"
    assert_success
    assert_equal "$(cat "$T/out.csv")" $'id,s,e,month,days\n1,2023-01-01,2023-01-01,2023-01,1\n2,2023-02-01,2023-02-02,2023-02,2'
    printf 'id,s,e\n1,2023-01-01,2022-01-01\n' > "$T/bad.csv"
    run koppel periods --period s,e --window 2023-01-01..2023-12-31 -o "$T/none.csv" "$T/bad.csv"
    assert_failure 1
    assert_file_not_exists "$T/none.csv"
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run bash -c "koppel periods --period start_date,end_date --window 2023-01-01..2023-12-31 '$F/wmo.csv' > /dev/full"
    assert_failure 3
}

@test "a closed pipe downstream ends the run quietly with status 0" {
    run bash -c "set -o pipefail; koppel periods --period start_date,end_date --window 1900-01-01..2099-12-31 '$F/wmo.csv' | head -n 2"
    assert_success
    assert_line --index 0 "client,municipality,provision_type,start_date,end_date,month,days"
}

@test "--help shows usage with the examples and the --stats balance; --version" {
    run koppel periods --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel periods --period START,END --window FROM..TO"
    assert_output --partial "koppel periods --period start_date,end_date --window 2023-01-01..2023-12-31 wmo.csv"
    assert_output --partial "records_expanded + filtered + rejected"
    assert_output --partial "Exit status: 0 success"
    run koppel periods --version
    assert_success
    assert_output --partial "0.1.0"
}

@test "the --help pipeline (with client for bsn): distinct clients per municipality and month" {
    cd "$T"
    cp "$F/wmo.csv" wmo.csv
    run --separate-stderr bash -c "set -o pipefail; koppel periods --period start_date,end_date --window 2023-01-01..2023-12-31 wmo.csv \
        | koppel aggregate -g municipality,month --count-distinct client"
    assert_success
    assert_line --partial "GM0363,2023-01,"
}
