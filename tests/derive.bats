#!/usr/bin/env bats
# derive.bats: ages (around birthdays and 29 February), age bands and their edges, date parts,
# ISO dates, lookups, constants, renames, bad values and the counts of koppel derive.
# Expected values are worked out by hand in the comments or computed by python3 in the test.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/derive"
    T="$BATS_TEST_TMPDIR"
}

# The values of column NAME in CSV on stdin, one per line (Perl's Text::ParseWords splits the
# quoted fields; the files read here have no line breaks inside fields).
column() {
    COLUMN="$1" perl -ne '
        chomp;
        my @fields;
        while (/\G(?:"((?:[^"]|"")*)"|([^,"]*))(,|$)/g) {
            push @fields, defined $1 ? $1 =~ s/""/"/gr : $2;
            last if $3 eq "";
        }
        if ($. == 1) {
            ($want) = grep { $fields[$_] eq $ENV{COLUMN} } 0 .. $#fields;
            die "no column $ENV{COLUMN}\n" unless defined $want;
            next;
        }
        print "$fields[$want]\n";'
}

# stat FILE KEY: a whole-number figure from the last --stats object (grep, to spare python starts).
stat() {
    tail -n 1 "$1" | grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

# ages_by_anniversaries: reads "birth,reference" lines (ISO) and prints the age in whole years
# by counting anniversaries; the anniversary of 29 February in a common year is 1 March.
ages_by_anniversaries() {
    python3 -c '
import datetime as dt, sys
def age(b, r):
    n = 0
    for year in range(b.year + 1, r.year + 1):
        try:
            anniversary = dt.date(year, b.month, b.day)
        except ValueError:
            anniversary = dt.date(year, 3, 1)
        n += anniversary <= r
    return n
for line in sys.stdin:
    b, r = line.strip().split(",")
    print(age(dt.date.fromisoformat(b), dt.date.fromisoformat(r)))'
}

# The 19 age bands of the European Standard Population 2013 (Eurostat).
ESP2013="0-4 5-9 10-14 15-19 20-24 25-29 30-34 35-39 40-44 45-49 50-54 55-59 60-64 65-69 70-74 75-79 80-84 85-89 90+"

# A CSV with columns age (the given values) and x, so that an empty age is not a blank line.
ages_file() {
    { echo age,x; printf '%s,x\n' "$@"; } > "$T/ages.csv"
}

# ---------------------------------------------------------------- the usage example

@test "usage example: age on 2023-01-01, ESP2013 band and birth year, computed independently" {
    run --separate-stderr koppel derive --age age=birth_date:2023-01-01 --band age_band=age:esp2013 \
        --year birth_year=birth_date "$F/persons.csv"
    assert_success
    # Expected: every input column, then age (anniversaries), band (ESP list), year of birth.
    expected=$(python3 - "$F/persons.csv" "$ESP2013" <<'PY'
import csv, datetime as dt, sys
bands = sys.argv[2].split()
def age(b, r):
    n = 0
    for year in range(b.year + 1, r.year + 1):
        try:
            a = dt.date(year, b.month, b.day)
        except ValueError:
            a = dt.date(year, 3, 1)
        n += a <= r
    return n
rows = list(csv.reader(open(sys.argv[1])))
print(",".join(rows[0] + ["age", "age_band", "birth_year"]))
for row in rows[1:]:
    if row[1] == "":
        print(",".join(row + ["", "", ""]))
        continue
    a = age(dt.date.fromisoformat(row[1]), dt.date(2023, 1, 1))
    print(",".join(row + [str(a), bands[min(a // 5, 18)], row[1][:4]]))
PY
)
    assert_output "$expected"
    # A few by hand: 1933-01-01 turns 90 that day; 1938-01-02 is 84 until tomorrow;
    # 1937-12-31 turned 85 yesterday; 2018-01-02 is 4, 2018-01-01 turns 5.
    run bash -c "set -o pipefail; koppel derive --age age=birth_date:2023-01-01 --band age_band=age:esp2013 '$F/persons.csv' | cut -d, -f1,5,6 | grep -E '^(p01|p07|p08|p03|p04|p09),'"
    assert_success
    assert_output "$(printf 'p01,90,90+\np03,4,0-4\np04,5,5-9\np07,84,80-84\np08,85,85-89\np09,,')"
}

# ---------------------------------------------------------------- ages

@test "--age: the day before, on and after a birthday" {
    printf 'id,birth_date\na,1990-06-15\n' > "$T/b.csv"
    # By hand: 29 on 2020-06-14, 30 on 2020-06-15 and 2020-06-16.
    for pair in 2020-06-14:29 2020-06-15:30 2020-06-16:30 1990-06-15:0; do
        run koppel derive --age "age=birth_date:${pair%%:*}" "$T/b.csv"
        assert_success
        assert_output "$(printf 'id,birth_date,age\na,1990-06-15,%s' "${pair##*:}")"
    done
}

@test "--age: born on 29 February, on 28 February and 1 March of common and leap years" {
    printf 'id,birth_date,ref\n' > "$T/leap.csv"
    refs="2001-02-28 2001-03-01 2003-02-28 2003-03-01 2004-02-28 2004-02-29 2004-03-01 2100-02-28 2100-03-01"
    for r in $refs; do echo "x,2000-02-29,$r" >> "$T/leap.csv"; done
    # By hand: common year: still 0 on 2001-02-28, 1 on 2001-03-01; 2 then 3 in 2003;
    # leap year 2004: 3 on 28 Feb, 4 on 29 Feb and 1 Mar; 2100 is common: 99, then 100.
    run bash -c "set -o pipefail; koppel derive --age age=birth_date:ref '$T/leap.csv' | cut -d, -f4 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "0 1 2 3 3 4 4 99 100"
    assert_equal "$(tail -n +2 "$T/leap.csv" | cut -d, -f2,3 | ages_by_anniversaries | paste -sd' ')" "0 1 2 3 3 4 4 99 100"
}

@test "--age agrees with python over 3000 random dates of birth and reference dates" {
    python3 - "$T/random.csv" <<'PY'
import datetime as dt, random, sys
rng = random.Random(20231)
with open(sys.argv[1], "w") as f:
    f.write("birth_date,ref\n")
    for i in range(3000):
        b = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(0, 45000))
        if i % 10 == 0:  # plenty of 29 February birthdays
            b = dt.date(rng.choice([1904, 1948, 1996, 2000]), 2, 29)
        r = b + dt.timedelta(days=rng.randrange(0, 40000))
        if i % 7 == 0:  # reference on or around an anniversary
            try:
                r = dt.date(b.year + rng.randrange(0, 100), b.month, b.day) + dt.timedelta(days=rng.choice([-1, 0, 1]))
            except ValueError:
                r = dt.date(b.year + rng.randrange(1, 100), 3, 1) + dt.timedelta(days=rng.choice([-1, 0, 1]))
            r = max(r, b)
        f.write(f"{b},{r}\n")
PY
    (set -o pipefail; koppel derive --age age=birth_date:ref "$T/random.csv" | column age > "$T/got.txt")
    tail -n +2 "$T/random.csv" | ages_by_anniversaries > "$T/expected.txt"
    run diff "$T/expected.txt" "$T/got.txt"
    assert_success
    assert_equal "$(wc -l < "$T/got.txt")" 3000
}

@test "--age from a birth year: the age reached during the reference year" {
    printf 'id,birth_year\na,1990\nb,2023\nc,\nd,1900\n' > "$T/y.csv"
    # By hand: 2023-1990 = 33 (also on 1 January); 2023-2023 = 0; empty; 2023-1900 = 123.
    run koppel derive --age age=birth_year:2023-01-01 --stats "$T/s.json" "$T/y.csv"
    assert_success
    assert_output "$(printf 'id,birth_year,age\na,1990,33\nb,2023,0\nc,,\nd,1900,123')"
    assert_equal "$(stat "$T/s.json" ages_from_birth_year)" 3
    assert_equal "$(stat "$T/s.json" ages_missing)" 1
}

@test "--age with a reference column; an empty birth or reference gives an empty age, counted" {
    printf 'id,birth_date,contact_date\na,1980-05-20,2023-05-19\nb,1980-05-20,2023-05-20\nc,,2023-01-01\nd,1980-05-20,\n' > "$T/c.csv"
    run koppel derive --age age=birth_date:contact_date --stats "$T/s.json" "$T/c.csv"
    assert_success
    # By hand: 42 the day before the 43rd birthday, 43 on it.
    assert_output "$(printf 'id,birth_date,contact_date,age\na,1980-05-20,2023-05-19,42\nb,1980-05-20,2023-05-20,43\nc,,2023-01-01,\nd,1980-05-20,,')"
    assert_equal "$(stat "$T/s.json" ages_missing)" 2
    assert_equal "$(stat "$T/s.json" records_out)" 4
}

@test "--age: bad dates of birth and births after the reference are rejected without showing the value" {
    printf 'id,birth_date\ngood,1961-03-15\nimpossible,1961-02-30\ndutch,15-03-1961\nslashes,1961/03/15\nlater,2024-06-01\nyear_later,2024\nzero_year,0000\n' > "$T/bad.csv"
    run --separate-stderr koppel derive --age age=birth_date:2023-01-01 --rejects "$T/r.csv" --stats "$T/s.json" "$T/bad.csv"
    assert_success
    assert_output "$(printf 'id,birth_date,age\ngood,1961-03-15,61')"
    run column reject_reason < "$T/r.csv"
    assert_line --index 0 "column 'birth_date': not an ISO date of birth (YYYY-MM-DD) or a birth year (YYYY)"
    # 15-03-1961 is day-month-year: the reason says how to convert it (the format, not the value).
    assert_line --index 1 "column 'birth_date': not an ISO date of birth (YYYY-MM-DD) or a birth year (YYYY); it looks like dd-mm-yyyy: convert it first with --iso-date birth_date --date-format dd-mm-yyyy"
    assert_line --index 2 "column 'birth_date': not an ISO date of birth (YYYY-MM-DD) or a birth year (YYYY)"
    assert_line --index 3 "column 'birth_date': born after the reference date 2023-01-01"
    assert_line --index 4 "column 'birth_date': born after the reference date 2023-01-01"
    assert_line --index 5 "column 'birth_date': not an ISO date of birth (YYYY-MM-DD) or a birth year (YYYY)"
    refute_output --partial 1961
    refute_output --partial 2024
    run column reject_line < "$T/r.csv"
    assert_output "$(printf '3\n4\n5\n6\n7\n8')"
    assert_equal "$(stat "$T/s.json" rejected)" 6
    assert_counts_balance "$T/s.json"
}

@test "--age: without --rejects a bad date stops the run with status 1, file:line, and no value" {
    printf 'id,birth_date\na,1961-03-15\nb,1961-02-30\n' > "$T/bad.csv"
    run --separate-stderr koppel derive --age age=birth_date:2023-01-01 "$T/bad.csv"
    assert_failure 1
    [[ "$stderr" == "koppel-derive: $T/bad.csv:3: column 'birth_date': not an ISO date"* ]]
    [[ "$stderr" != *1961* ]]
}

@test "--age: a bad reference column value is rejected naming that column" {
    printf 'id,birth_date,contact_date\na,1961-03-15,01-02-2023\n' > "$T/bad.csv"
    run --separate-stderr koppel derive --age age=birth_date:contact_date "$T/bad.csv"
    assert_failure 1
    assert_equal "$stderr" "koppel-derive: $T/bad.csv:2: column 'contact_date': not an ISO date (YYYY-MM-DD); it looks like dd-mm-yyyy: convert it first with --iso-date contact_date --date-format dd-mm-yyyy"
}

@test "--age: a reference that is neither an ISO date nor a column, and malformed arguments, are usage errors" {
    run --separate-stderr koppel derive --age age=birth_date:2023-02-30 "$F/persons.csv"
    assert_failure 2
    # a date could be a date of birth: described, not shown (issue 23)
    [[ "$stderr" == *"the reference a value of 10 characters (not shown) is neither an ISO date (YYYY-MM-DD) nor a column"* ]]
    run --separate-stderr koppel derive --age age=birth_date "$F/persons.csv"
    assert_failure 2
    [[ "$stderr" == *"--age expects NEW=BIRTH:REF"* ]]
    run --separate-stderr koppel derive --age =birth_date:2023-01-01 "$F/persons.csv"
    assert_failure 2
}

# ---------------------------------------------------------------- bands

@test "--band esp2013: every edge, and all 19 labels of the European Standard Population 2013" {
    ages_file 0 4 5 9 10 84 85 89 90 117
    run bash -c "set -o pipefail; koppel derive --band b=age:esp2013 '$T/ages.csv' | cut -d, -f1,3 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "0,0-4 4,0-4 5,5-9 9,5-9 10,10-14 84,80-84 85,85-89 89,85-89 90,90+ 117,90+"
    ages_file $(seq 0 100)
    run bash -c "set -o pipefail; koppel derive --band b=age:esp2013 '$T/ages.csv' | cut -d, -f3 | tail -n +2 | uniq | paste -sd' '"
    assert_success
    assert_output "$ESP2013"
}

@test "--band esp2013 labels are those of share/koppel/standards/esp2013.csv" {
    standard="$PROJECT_ROOT/share/koppel/standards/esp2013.csv"
    assert_file_exists "$standard"
    ages_file $(seq 0 100)
    (set -o pipefail; koppel derive --band b=age:esp2013 "$T/ages.csv" | cut -d, -f3 | tail -n +2 | uniq > "$T/labels.txt")
    while read -r label; do
        grep -q "^\"\\?$label\"\\?," "$standard" || fail "band $label is not in $standard"
    done < "$T/labels.txt"
}

@test "--band 5y (open top 90+), 5y:85 and 10y:80" {
    ages_file 0 84 85 89 90
    run bash -c "set -o pipefail; koppel derive --band b=age:5y '$T/ages.csv' | cut -d, -f3 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "0-4 80-84 85-89 85-89 90+"
    run bash -c "set -o pipefail; koppel derive --band b=age:5y:85 '$T/ages.csv' | cut -d, -f3 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "0-4 80-84 85+ 85+ 85+"
    ages_file 0 9 10 79 80 101
    run bash -c "set -o pipefail; koppel derive --band b=age:10y:80 '$T/ages.csv' | cut -d, -f3 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "0-9 0-9 10-19 70-79 80+ 80+"
}

@test "--band with cut points 0,18,65,75: the edges 17/18, 64/65, 74/75" {
    ages_file 0 17 18 64 65 74 75 104
    run bash -c "set -o pipefail; koppel derive --band g=age:0,18,65,75 '$T/ages.csv' | cut -d, -f3 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "0-17 0-17 18-64 18-64 65-74 65-74 75+ 75+"
    # A one-year band is labelled by its single age.
    ages_file 0 1 2
    run bash -c "set -o pipefail; koppel derive --band g=age:0,1,2 '$T/ages.csv' | cut -d, -f3 | tail -n +2 | paste -sd' '"
    assert_success
    assert_output "0 1 2+"
}

@test "--band below the first cut point is rejected, or empty with --below-first NEW=empty" {
    ages_file 17 18 65 ""
    run --separate-stderr koppel derive --band g=age:18,65 --rejects "$T/r.csv" --stats "$T/s.json" "$T/ages.csv"
    assert_success
    assert_output "$(printf 'age,x,g\n18,x,18-64\n65,x,65+\n,x,')"
    run column reject_reason < "$T/r.csv"
    assert_output "column 'age': below the first cut point (18) of --band g"
    assert_counts_balance "$T/s.json"
    assert_equal "$(stat "$T/s.json" bands_missing)" 1
    run --separate-stderr koppel derive --band g=age:18,65 --below-first g=empty --stats "$T/s2.json" "$T/ages.csv"
    assert_success
    assert_output "$(printf 'age,x,g\n17,x,\n18,x,18-64\n65,x,65+\n,x,')"
    assert_equal "$(stat "$T/s2.json" bands_below_first_cut)" 1
    assert_equal "$(stat "$T/s2.json" bands_missing)" 1
    run --separate-stderr koppel derive --band g=age:18,65 --below-first g=reject "$T/ages.csv"
    assert_failure 1
    [[ "$stderr" == *"ages.csv:2: column 'age': below the first cut point (18)"* ]]
}

@test "--band: negative and non-whole ages are rejected; an empty age gives an empty band" {
    ages_file 3 -1 4.5 abc ""
    run --separate-stderr koppel derive --band b=age:esp2013 --rejects "$T/r.csv" --stats "$T/s.json" "$T/ages.csv"
    assert_success
    assert_output "$(printf 'age,x,b\n3,x,0-4\n,x,')"
    run column reject_reason < "$T/r.csv"
    assert_output "$(printf "column 'age': negative age\ncolumn 'age': not a whole number\ncolumn 'age': not a whole number")"
    assert_equal "$(stat "$T/s.json" rejected)" 3
    assert_equal "$(stat "$T/s.json" bands_missing)" 1
    assert_counts_balance "$T/s.json"
}

@test "--band: bad specifications are usage errors" {
    ages_file 1
    for spec in 7y 5y:0 0y abc 18,18 65,18 -5,10 5x esp2011 "5y:" "0,,18"; do
        run --separate-stderr koppel derive --band "b=age:$spec" "$T/ages.csv"
        assert_failure 2
        [[ "$stderr" == *"--band b"* ]] || fail "spec $spec: $stderr"
    done
    run --separate-stderr koppel derive --band b=age "$T/ages.csv"
    assert_failure 2
    run --separate-stderr koppel derive --below-first b=maybe --band b=age:18 "$T/ages.csv"
    assert_failure 2
    run --separate-stderr koppel derive --below-first c=empty --band b=age:18 "$T/ages.csv"
    assert_failure 2
    [[ "$stderr" == *"no --band makes a column 'c'"* ]]
}

# ---------------------------------------------------------------- date parts and ISO dates

@test "--year, --month and --yearmonth; empty stays empty; a bad date is rejected" {
    printf 'id,d\na,2023-01-05\nb,1999-12-31\nc,\nd,2024-02-30\ne,05-01-2023\n' > "$T/d.csv"
    run --separate-stderr koppel derive --year y=d --month m=d --yearmonth ym=d --rejects "$T/r.csv" --stats "$T/s.json" "$T/d.csv"
    assert_success
    assert_output "$(printf 'id,d,y,m,ym\na,2023-01-05,2023,1,2023-01\nb,1999-12-31,1999,12,1999-12\nc,,,,')"
    run column reject_reason < "$T/r.csv"
    # 2024-02-30 does not exist; 05-01-2023 is day-month-year, and the reason says so.
    assert_output "$(printf "column 'd': not an ISO date (YYYY-MM-DD)\ncolumn 'd': not an ISO date (YYYY-MM-DD); it looks like dd-mm-yyyy: convert it first with --iso-date d --date-format dd-mm-yyyy")"
    assert_equal "$(stat "$T/s.json" dates_missing)" 3
    assert_counts_balance "$T/s.json"
}

@test "--iso-date rewrites DD-MM-YYYY, DD/MM/YYYY and DD.MM.YYYY in place; ISO and empty pass" {
    printf 'id,d,x\na,31-12-2023,1\nb,01/02/2023,2\nc,29.02.2024,3\nd,2023-07-04,4\ne,,5\n' > "$T/d.csv"
    run --separate-stderr koppel derive --iso-date d --stats "$T/s.json" "$T/d.csv"
    assert_success
    assert_output "$(printf 'id,d,x\na,2023-12-31,1\nb,2023-02-01,2\nc,2024-02-29,3\nd,2023-07-04,4\ne,,5')"
    assert_equal "$(stat "$T/s.json" iso_dates_rewritten)" 3
}

@test "--iso-date rejects impossible and unreadable dates without showing them" {
    printf 'id,d\na,31-02-2023\nb,29-02-2023\nc,2023/12/31\nd,1-2-2023\ne,31-12-23\nf,2023-02-29\ng,15-03-1961\n' > "$T/d.csv"
    run --separate-stderr koppel derive --iso-date d --rejects "$T/r.csv" --stats "$T/s.json" "$T/d.csv"
    assert_success
    assert_output "$(printf 'id,d\ng,1961-03-15')"
    assert_equal "$(stat "$T/s.json" rejected)" 6
    run column reject_reason < "$T/r.csv"
    for i in 0 1 2 4 5; do
        assert_line --index "$i" "column 'd': not a date that exists, written dd-mm-yyyy or yyyy-mm-dd (see --date-format)"
    done
    # 1-2-2023 has one-digit day and month: the reason names the format that reads it.
    assert_line --index 3 "column 'd': not a date written dd-mm-yyyy (it looks like d-m-yyyy: give --iso-date d --date-format d-m-yyyy)"
    refute_output --regexp '[0-9]'\{2\}'[-/.]'
    [[ "$stderr" != *2023* ]]
}

# register_dates FORMAT: CSV "id,d" of 300 random days (seeded; leap days among them) written
# as FORMAT with python's strftime, a third with a time part; and beside it (expected.csv) the
# ISO dates, from python's datetime alone.
register_dates() {
    python3 - "$1" "$T" <<'PY'
import datetime, random, sys
fmt, out = sys.argv[1], sys.argv[2]
rng = random.Random(20240229)
start = datetime.date(1900, 1, 1).toordinal()
days = [datetime.date.fromordinal(start + rng.randrange(0, 45000)) for _ in range(294)]
days += [datetime.date(2000, 2, 29), datetime.date(2024, 2, 29), datetime.date(1999, 12, 31),
         datetime.date(2023, 1, 1), datetime.date(1905, 9, 5), datetime.date(2010, 10, 10)]
def written(d, i):
    if fmt == "yyyymmdd":
        text = d.strftime("%Y%m%d")
    elif fmt == "dd-mm-yyyy":
        text = d.strftime("%d" + "-/."[i % 3] + "%m" + "-/."[i % 3] + "%Y")
    else:  # d-m-yyyy: no leading zeros, or some
        sep = "-/."[i % 3]
        day = str(d.day) if i % 2 else "%02d" % d.day
        text = day + sep + str(d.month) + sep + str(d.year)
    return text + ["", " %02d:%02d" % (i % 24, i % 60), " %02d:%02d:%02d" % (23, 59, i % 60)][i % 3]
with open(out + "/dates.csv", "w") as f, open(out + "/expected.csv", "w") as e:
    f.write("id,d\n"); e.write("id,d\n")
    for i, d in enumerate(days):
        f.write("r%d,%s\n" % (i, written(d, i)))
        e.write("r%d,%s\n" % (i, d.isoformat()))
PY
}

@test "--date-format yyyymmdd, dd-mm-yyyy and d-m-yyyy read 300 dates as python does; a time part is dropped" {
    for format in yyyymmdd dd-mm-yyyy d-m-yyyy; do
        register_dates "$format"
        run koppel derive --iso-date d --date-format "$format" --stats "$T/s.json" "$T/dates.csv"
        assert_success
        assert_output "$(cat "$T/expected.csv")"
        assert_equal "$(stat "$T/s.json" iso_dates_rewritten)" 300
        assert_equal "$(stat "$T/s.json" partial_dates_imputed)" 0
    done
    # yyyy-mm-dd drops a time part; a value already ISO passes under every format.
    printf 'id,d\na,2023-07-04 08:15\nb,2023-07-05\nc,2024-02-29 23:59:59\n' > "$T/iso.csv"
    run koppel derive --iso-date d --date-format yyyy-mm-dd "$T/iso.csv"
    assert_output "$(printf 'id,d\na,2023-07-04\nb,2023-07-05\nc,2024-02-29')"
    run koppel derive --iso-date d --date-format yyyymmdd "$T/iso.csv"
    assert_output "$(printf 'id,d\na,2023-07-04\nb,2023-07-05\nc,2024-02-29')"
    # d-m-yyyy also reads two-digit days and months.
    printf 'id,d\na,05-07-2023\nb,5/7/2023\nc,15.10.2023\n' > "$T/dm.csv"
    run koppel derive --iso-date d --date-format d-m-yyyy "$T/dm.csv"
    assert_output "$(printf 'id,d\na,2023-07-05\nb,2023-07-05\nc,2023-10-15')"
}

@test "--date-format: days that do not exist, bad times and other shapes stay bad records" {
    # By hand: 2019 is a common year, 2000 a leap year and 1900 not; a clock has no 24:00.
    printf 'id,d\nok,20000229\nfeb29,20190229\nc1900,19000229\nmonth13,20191301\nday32,20190132\nhour24,20190101 24:00\nminute60,20190101 10:60\nseconds,20190101 10:00:61\nshort,2019011\ntime_no_space,20190101T10:00\nmonth00day15,19800015\nletters,2019O101\n' > "$T/y.csv"
    run --separate-stderr koppel derive --iso-date d --date-format yyyymmdd --rejects "$T/r.csv" --stats "$T/s.json" "$T/y.csv"
    assert_success
    assert_output "$(printf 'id,d\nok,2000-02-29')"
    assert_equal "$(stat "$T/s.json" rejected)" 11
    assert_counts_balance "$T/s.json"
    run column reject_reason < "$T/r.csv"
    refute_output --regexp '20[0-9][0-9]|19[0-9][0-9]'
    assert_equal "$(grep -c "column 'd': not a date that exists, written yyyymmdd or yyyy-mm-dd" "$T/r.csv")" 11
    # 31-02-2019 read as day-month-year: a bad record whatever the separator.
    printf 'id,d\na,31-02-2019\nb,31/02/2019\nc,31.2.2019\nd,29-02-2020\n' > "$T/d.csv"
    run --separate-stderr koppel derive --iso-date d --date-format d-m-yyyy --rejects "$T/r.csv" --stats "$T/s.json" "$T/d.csv"
    assert_output "$(printf 'id,d\nd,2020-02-29')"
    assert_equal "$(stat "$T/s.json" rejected)" 3
    # Mixed separators (31-12/2019) are not a date.
    printf 'id,d\na,31-12/2019\n' > "$T/m.csv"
    run --separate-stderr koppel derive --iso-date d --date-format dd-mm-yyyy "$T/m.csv"
    assert_failure 1
}

@test "--partial-dates: 00 day and month of the BRP are rejected by default, or completed as documented" {
    printf 'id,d\nfull,19800521\nday00,19800500\nboth00,19800000\nfeb00,20240200\nunknown,00000000\n' > "$T/p.csv"
    # Default: a partial date is a bad record whose reason names the option.
    run --separate-stderr koppel derive --iso-date d --date-format yyyymmdd --rejects "$T/r.csv" --stats "$T/s.json" "$T/p.csv"
    assert_success
    assert_output "$(printf 'id,d\nfull,1980-05-21')"
    run column reject_reason < "$T/r.csv"
    for i in 0 1 2; do
        assert_line --index "$i" "column 'd': a partial date (day or month 00, unknown): give --partial-dates first or middle after --iso-date d to complete it"
    done
    assert_line --index 3 "column 'd': an unknown date (year 0000)"
    # first: day 00 -> the 1st, month and day 00 -> 1 January (by hand).
    run --separate-stderr koppel derive --iso-date d --date-format yyyymmdd --partial-dates first --rejects "$T/r.csv" --stats "$T/s.json" "$T/p.csv"
    assert_output "$(printf 'id,d\nfull,1980-05-21\nday00,1980-05-01\nboth00,1980-01-01\nfeb00,2024-02-01')"
    assert_equal "$(stat "$T/s.json" partial_dates_imputed)" 3
    assert_equal "$(stat "$T/s.json" iso_dates_rewritten)" 4
    assert_equal "$(stat "$T/s.json" rejected)" 1
    # middle: day 00 -> the 15th, month and day 00 -> 1 July (by hand).
    run --separate-stderr koppel derive --iso-date d --date-format yyyymmdd --partial-dates middle --rejects "$T/r.csv" "$T/p.csv"
    assert_output "$(printf 'id,d\nfull,1980-05-21\nday00,1980-05-15\nboth00,1980-07-01\nfeb00,2024-02-15')"
    # explicit reject is the default; the other formats take 00 as well.
    printf 'id,d\na,00-05-1980\nb,0-0-1980\n' > "$T/q.csv"
    run --separate-stderr koppel derive --iso-date d --date-format d-m-yyyy --partial-dates reject "$T/q.csv"
    assert_failure 1
    [[ "$stderr" == *"q.csv:2: column 'd': a partial date"* ]]
    run koppel derive --iso-date d --date-format d-m-yyyy --partial-dates middle "$T/q.csv"
    assert_output "$(printf 'id,d\na,1980-05-15\nb,1980-07-01')"
    # the next steps use the completed ISO date: an age on 2023-01-01, by hand 42 and 42.
    run koppel derive --iso-date d --date-format d-m-yyyy --partial-dates first --age age=d:2023-01-01 "$T/q.csv"
    assert_output "$(printf 'id,d,age\na,1980-05-01,42\nb,1980-01-01,43')"
}

@test "--age, --year: a value in a register's format is refused with the --date-format that reads it" {
    printf 'id,d\na,21-05-1980\nb,19800521\nc,1-5-1980\nd,1980-00-00\n' > "$T/h.csv"
    run --separate-stderr koppel derive --year y=d --rejects "$T/r.csv" "$T/h.csv"
    assert_success
    run column reject_reason < "$T/r.csv"
    assert_line --index 0 "column 'd': not an ISO date (YYYY-MM-DD); it looks like dd-mm-yyyy: convert it first with --iso-date d --date-format dd-mm-yyyy"
    assert_line --index 1 "column 'd': not an ISO date (YYYY-MM-DD); it looks like yyyymmdd: convert it first with --iso-date d --date-format yyyymmdd"
    assert_line --index 2 "column 'd': not an ISO date (YYYY-MM-DD); it looks like d-m-yyyy: convert it first with --iso-date d --date-format d-m-yyyy"
    assert_line --index 3 "column 'd': not an ISO date (YYYY-MM-DD); it looks like a partial date written yyyy-mm-dd: convert it first with --iso-date d --date-format yyyy-mm-dd --partial-dates first|middle"
    refute_output --partial 1980
    # Following the hint works: by hand 42 on 2023-01-01 for a birth on 21 May 1980.
    run koppel derive --iso-date d --date-format dd-mm-yyyy --age age=d:2023-01-01 <(head -2 "$T/h.csv")
    assert_output "$(printf 'id,d,age\na,1980-05-21,42')"
}

@test "--date-format and --partial-dates: usage errors" {
    printf 'id,d\na,19800521\n' > "$T/u.csv"
    run --separate-stderr koppel derive --date-format yyyymmdd --iso-date d "$T/u.csv"
    assert_failure 2
    [[ "$stderr" == *"--date-format describes the --iso-date COL given just before it"* ]]
    run --separate-stderr koppel derive --age a=d:2023-01-01 --partial-dates first "$T/u.csv"
    assert_failure 2
    run --separate-stderr koppel derive --iso-date d --date-format YYYYMMDD "$T/u.csv"
    assert_failure 2
    [[ "$stderr" == *"'YYYYMMDD' is not a date format"* ]]
    run --separate-stderr koppel derive --iso-date d --partial-dates last "$T/u.csv"
    assert_failure 2
    [[ "$stderr" == *"'last' is not a rule: use reject, first or middle"* ]]
    run --separate-stderr koppel derive --iso-date d --date-format yyyymmdd --date-format yyyymmdd "$T/u.csv"
    assert_failure 2
    [[ "$stderr" == *"--date-format is given twice for --iso-date d"* ]]
    # each --iso-date has its own format
    printf 'id,a,b\n1,19800521,21-05-1980\n' > "$T/two.csv"
    run koppel derive --iso-date a --date-format yyyymmdd --iso-date b "$T/two.csv"
    assert_output "$(printf 'id,a,b\n1,1980-05-21,1980-05-21')"
}

@test "derivations apply in order: --iso-date, then --age, --band and --yearmonth on the results" {
    printf 'id,birth_date,contact_date\na,29-02-2000,01-03-2023\nb,15.06.1950,2023-06-14\n' > "$T/c.csv"
    run koppel derive --iso-date birth_date --iso-date contact_date --age age=birth_date:contact_date \
        --band band=age:0,18,65,75 --yearmonth month=contact_date "$T/c.csv"
    assert_success
    # By hand: 23 on 1 March 2023 (29 Feb birthday); 72 the day before the 73rd birthday.
    assert_output "$(printf 'id,birth_date,contact_date,age,band,month\na,2000-02-29,2023-03-01,23,18-64,2023-03\nb,1950-06-15,2023-06-14,72,65-74,2023-06')"
    # Using a column before the option that makes it is a usage error.
    run --separate-stderr koppel derive --band band=age:esp2013 --age age=birth_date:2023-01-01 "$T/c.csv"
    assert_failure 2
    assert_equal "$stderr" "koppel-derive: --band: column 'age' not found in $T/c.csv; the columns are: id, birth_date, contact_date"
}

# ---------------------------------------------------------------- lookups

@test "--lookup maps codes through a two-column file; an empty code gives an empty value" {
    run --separate-stderr koppel derive --lookup category=provision_type:"$F/categories.csv" \
        --stats "$T/s.json" "$F/wmo.csv"
    assert_success
    assert_output "$(printf 'client,provision_type,start_date,category\nw1,household_help,2023-01-15,hulp bij het huishouden\nw2,wheelchair,2023-11-30,hulpmiddelen en diensten\nw3,,2022-12-01,\nw4,personal_care,2024-02-29,ondersteuning thuis')"
    assert_equal "$(stat "$T/s.json" lookups_missing)" 1
    assert_equal "$(stat "$T/s.json" lookups_defaulted)" 0
}

@test "--lookup with the shipped Wmo categories (CBS Wmo statistics; CPB 2019, Table 4.1), as in the --help example" {
    run koppel derive --lookup category=provision_type:"$PROJECT_ROOT/share/koppel/rules/wmo-categories.csv" \
        --yearmonth month=start_date --rename client=person "$F/wmo.csv"
    assert_success
    # By hand from the CBS Wmo categories (CPB 2019, Table 4.1).
    assert_output "$(printf 'person,provision_type,start_date,category,month\nw1,household_help,2023-01-15,hulp bij het huishouden,2023-01\nw2,wheelchair,2023-11-30,hulpmiddelen en diensten,2023-11\nw3,,2022-12-01,,2022-12\nw4,personal_care,2024-02-29,ondersteuning thuis,2024-02')"
}

@test "--lookup: an unlisted code is rejected without showing it, or takes --default" {
    printf 'id,postcode\na,1011AB\nb,9999ZZ\n' > "$T/p.csv"
    printf 'postcode,district\n1011AB,Centrum\n' > "$T/districts.csv"
    run --separate-stderr koppel derive --lookup district=postcode:"$T/districts.csv" "$T/p.csv"
    assert_failure 1
    assert_equal "$stderr" "koppel-derive: $T/p.csv:3: column 'postcode': code not found in $T/districts.csv (give --default district=VALUE to accept it)"
    run --separate-stderr koppel derive --lookup district=postcode:"$T/districts.csv" --rejects "$T/r.csv" "$T/p.csv"
    assert_success
    assert_output "$(printf 'id,postcode,district\na,1011AB,Centrum')"
    run column reject_reason < "$T/r.csv"
    refute_output --partial 9999ZZ
    [[ "$stderr" != *9999ZZ* ]]
    # --default may come before or after its --lookup.
    run --separate-stderr koppel derive --default district=unknown --lookup district=postcode:"$T/districts.csv" --stats "$T/s.json" "$T/p.csv"
    assert_success
    assert_output "$(printf 'id,postcode,district\na,1011AB,Centrum\nb,9999ZZ,unknown')"
    assert_equal "$(stat "$T/s.json" lookups_defaulted)" 1
    assert_counts_balance "$T/s.json"
}

@test "--lookup: a code listed twice with different values is a configuration error (status 2)" {
    run --separate-stderr koppel derive --lookup c=provision_type:"$F/conflicting.csv" "$F/wmo.csv"
    assert_failure 2
    assert_equal "$stderr" "koppel-derive: $F/conflicting.csv:4: the code of line 2 again, with a different value"
    assert_output ""
}

@test "--lookup: missing, empty, three-column and empty-code files are configuration errors" {
    run --separate-stderr koppel derive --lookup c=provision_type:"$T/nonexistent.csv" "$F/wmo.csv"
    assert_failure 2
    [[ "$stderr" == *"cannot open $T/nonexistent.csv"* ]]
    : > "$T/empty.csv"
    run --separate-stderr koppel derive --lookup c=provision_type:"$T/empty.csv" "$F/wmo.csv"
    assert_failure 2
    run --separate-stderr koppel derive --lookup c=provision_type:"$F/three-columns.csv" "$F/wmo.csv"
    assert_failure 2
    [[ "$stderr" == *"exactly two columns"* ]]
    run --separate-stderr koppel derive --lookup c=provision_type:"$F/empty-code.csv" "$F/wmo.csv"
    assert_failure 2
    [[ "$stderr" == *"empty-code.csv:2: empty code"* ]]
    printf 'code,value\n"unterminated,x\n' > "$T/broken.csv"
    run --separate-stderr koppel derive --lookup c=provision_type:"$T/broken.csv" "$F/wmo.csv"
    assert_failure 2
    run --separate-stderr koppel derive --default c=x "$F/wmo.csv"
    assert_failure 2
    [[ "$stderr" == *"no --lookup makes a column 'c'"* ]]
    run --separate-stderr koppel derive --lookup c=provision_type:"$F/categories.csv" --default c=x --default c=y "$F/wmo.csv"
    assert_failure 2
    [[ "$stderr" == *"--default c is given twice"* ]]
}

# ---------------------------------------------------------------- constants, renames, replacing

@test "--const and --rename" {
    run koppel derive --const source=nivel --const empty= --rename client=person "$F/wmo.csv"
    assert_success
    assert_output "$(printf 'person,provision_type,start_date,source,empty\nw1,household_help,2023-01-15,nivel,\nw2,wheelchair,2023-11-30,nivel,\nw3,,2022-12-01,nivel,\nw4,personal_care,2024-02-29,nivel,')"
    # A renamed column is used by its new name afterwards; the old name is gone.
    run koppel derive --rename start_date=start --year y=start "$F/wmo.csv"
    assert_success
    assert_line --index 0 "client,provision_type,start,y"
    assert_line --index 4 "w4,personal_care,2024-02-29,2024"
    run --separate-stderr koppel derive --rename start_date=start --year y=start_date "$F/wmo.csv"
    assert_failure 2
    [[ "$stderr" == *"columns are: client, provision_type, start"* ]]
}

@test "--rename onto an existing column, or of a missing one, is a usage error" {
    run --separate-stderr koppel derive --rename client=start_date "$F/wmo.csv"
    assert_failure 2
    [[ "$stderr" == *"--rename client=start_date: there is a column 'start_date' already"* ]]
    run --separate-stderr koppel derive --const c=1 --rename client=c "$F/wmo.csv"
    assert_failure 2
    run --separate-stderr koppel derive --rename nope=x "$F/wmo.csv"
    assert_failure 2
    assert_equal "$stderr" "koppel-derive: --rename: column 'nope' not found in $F/wmo.csv; the columns are: client, provision_type, start_date"
    # A file without its header row: the first record's values are not listed as names.
    printf '827756926,1931-07-26,7384QZ,F\n' > "$T/no-header.csv"
    run --separate-stderr koppel derive --year y=birth_date "$T/no-header.csv"
    assert_failure 2
    assert_equal "$stderr" "koppel-derive: --year: column 'birth_date' not found in $T/no-header.csv; the columns are: (not shown), (not shown), (not shown), F (names that look like data are not shown: has the file a header row?)"
    # A long name stays: read with the wrong delimiter, the header is one name that shows why.
    printf 'bsn;practice_id;episode_id;icpc;start_date;end_date\n' > "$T/semicolon.csv"
    run --separate-stderr koppel derive --year y=start_date "$T/semicolon.csv"
    assert_failure 2
    assert_equal "$stderr" "koppel-derive: --year: column 'start_date' not found in $T/semicolon.csv; the columns are: bsn;practice_id;episode_id;icpc;start_date;end_date"
    run --separate-stderr koppel derive --rename client "$F/wmo.csv"
    assert_failure 2
}

@test "--rename A=a,B=b is two renames, as two --rename options are" {
    # By hand: client -> person and start_date -> start; provision_type stays.
    run koppel derive --rename client=person,start_date=start "$F/wmo.csv"
    assert_success
    assert_line --index 0 "person,provision_type,start"
    run koppel derive --rename client=person --rename start_date=start "$F/wmo.csv"
    assert_line --index 0 "person,provision_type,start"
    # The two forms give the same records.
    diff <(koppel derive --rename client=person,start_date=start "$F/wmo.csv") \
         <(koppel derive --rename client=person --rename start_date=start "$F/wmo.csv")
    # A piece without '=' (a name holding a comma, or a stray comma) is refused, not made a name.
    printf '"a,b",c\n1,2\n' > "$T/comma.csv"
    run --separate-stderr koppel derive --rename 'a,b=ab' "$T/comma.csv"
    assert_failure 2
    [[ "$stderr" == *"a column name holding ',' cannot be renamed by --rename"* ]]
    run --separate-stderr koppel derive --rename client=person, "$F/wmo.csv"
    assert_failure 2
    assert_output ""
}

@test "a NEW name equal to an existing column replaces its values in place" {
    run koppel derive --year start_date=start_date --const client=anonymous "$F/wmo.csv"
    assert_success
    assert_output "$(printf 'client,provision_type,start_date\nanonymous,household_help,2023\nanonymous,wheelchair,2023\nanonymous,,2022\nanonymous,personal_care,2024')"
    # Replacing a date of birth by the age keeps no date of birth in the output.
    run bash -c "set -o pipefail; koppel derive --age birth_date=birth_date:2023-01-01 '$F/persons.csv' | head -2"
    assert_success
    assert_output "$(printf 'bsn,birth_date,sex,postcode\np01,90,F,1011AB')"
}

@test "missing columns are usage errors (status 2) that list the columns" {
    for option in "--age a=dob:2023-01-01" "--band b=leeftijd:esp2013" "--year y=date" "--month m=date" \
                  "--yearmonth ym=date" "--iso-date date" "--lookup l=code:$F/categories.csv"; do
        run --separate-stderr koppel derive $option "$F/persons.csv"
        assert_failure 2
        [[ "$stderr" == *"not found in $F/persons.csv; the columns are: bsn, birth_date, sex, postcode" ]] || fail "$option: $stderr"
    done
    run --separate-stderr koppel derive --age a=birth_date:contact_date "$F/persons.csv"
    assert_failure 2
    [[ "$stderr" == *"neither an ISO date (YYYY-MM-DD) nor a column"* ]]
}

# ---------------------------------------------------------------- counts, identifiers, output

@test "in = out + filtered + rejected, with every kind of bad value in one run" {
    cat > "$T/mixed.csv" <<'EOF'
id,birth_date,visit,code,age_given
1,1950-01-01,2023-01-01,household_help,70
2,01-01-1950,2023-01-01,household_help,70
3,1950-01-01,2023-02-30,household_help,70
4,1950-01-01,2023-01-01,unknown_code,70
5,1950-01-01,2023-01-01,wheelchair,-3
6,,2023-01-01,,
7,2030-01-01,2023-01-01,wheelchair,1
8,1950-01-01,2023-01-01,wheelchair,70
EOF
    run --separate-stderr koppel derive --age age=birth_date:visit --month m=visit \
        --lookup cat=code:"$F/categories.csv" --band b=age_given:esp2013 \
        --rejects "$T/r.csv" --stats "$T/s.json" "$T/mixed.csv"
    assert_success
    # By hand: records 1, 6 and 8 pass; 2 (Dutch date), 3 (30 Feb), 4 (unknown code),
    # 5 (negative age), 7 (born after the visit) are rejected.
    run column id <<< "$(koppel derive --age age=birth_date:visit --month m=visit --lookup cat=code:"$F/categories.csv" --band b=age_given:esp2013 --rejects "$T/r2.csv" "$T/mixed.csv")"
    assert_output "$(printf '1\n6\n8')"
    assert_equal "$(stat "$T/s.json" records_in)" 8
    assert_equal "$(stat "$T/s.json" records_out)" 3
    assert_equal "$(stat "$T/s.json" filtered)" 0
    assert_equal "$(stat "$T/s.json" rejected)" 5
    assert_equal "$(stat "$T/s.json" ages_missing)" 1
    assert_equal "$(stat "$T/s.json" lookups_missing)" 1
    assert_equal "$(stat "$T/s.json" bands_missing)" 1
    assert_counts_balance "$T/s.json"
    run column reject_line < "$T/r.csv"
    assert_output "$(printf '3\n4\n5\n6\n8')"
}

@test "no date of birth, postcode or code value appears in stderr or in the reject reasons" {
    cat > "$T/ids.csv" <<'EOF'
bsn,birth_date,postcode
123456782,1961-02-30,1011AB
234567891,30-02-1961,9999ZZ
345678910,1961-14-01,1011AB
EOF
    printf 'code,district\n1011AB,Centrum\n' > "$T/districts.csv"
    run --separate-stderr koppel derive --age age=birth_date:2023-01-01 --rejects "$T/r1.csv" "$T/ids.csv"
    assert_success
    run --separate-stderr koppel derive --iso-date birth_date --rejects "$T/r2.csv" "$T/ids.csv"
    assert_success
    run --separate-stderr koppel derive --lookup d=postcode:"$T/districts.csv" --rejects "$T/r3.csv" "$T/ids.csv"
    assert_success
    for r in r1 r2 r3; do
        reasons=$(column reject_reason < "$T/$r.csv")
        [ -n "$reasons" ]
        for value in 1961 9999ZZ 1011AB 123456782 234567891 345678910; do
            [[ "$reasons" != *"$value"* ]] || fail "$r shows $value: $reasons"
        done
    done
    for option in "--age age=birth_date:2023-01-01" "--iso-date birth_date" "--lookup d=postcode:$T/districts.csv"; do
        run --separate-stderr koppel derive $option "$T/ids.csv"
        assert_failure 1
        for value in 1961 9999ZZ 1011AB 123456782 234567891; do
            [[ "$stderr" != *"$value"* ]] || fail "stderr shows $value: $stderr"
        done
    done
}

@test "several input files with the same header; a different header is bad input" {
    printf 'id,d\na,2023-01-01\n' > "$T/one.csv"
    printf 'id,d\nb,2024-12-31\n' > "$T/two.csv"
    printf 'id,date\nc,2024-12-31\n' > "$T/other.csv"
    run koppel derive --year y=d "$T/one.csv" "$T/two.csv"
    assert_success
    assert_output "$(printf 'id,d,y\na,2023-01-01,2023\nb,2024-12-31,2024')"
    run --separate-stderr koppel derive --year y=d "$T/one.csv" "$T/other.csv"
    assert_failure 1
    [[ "$stderr" == *"other.csv:1: header differs"* ]]
}

@test "standard input, -d ';' and --output-delimiter" {
    run bash -c "printf 'id;d\na;05-01-2023\n' | koppel derive -d ';' --iso-date d --month m=d"
    assert_success
    assert_output "$(printf 'id,d,m\na,2023-01-05,1')"
    run bash -c "printf 'id;d\na;05-01-2023\n' | koppel derive -d ';' --output-delimiter ';' --iso-date d"
    assert_output "$(printf 'id;d\na;2023-01-05')"
}

@test "-o writes the output atomically: complete on success, absent after a failure" {
    run koppel derive --age age=birth_date:2023-01-01 -o "$T/out.csv" "$F/persons.csv"
    assert_success
    assert_output ""
    assert_file_exists "$T/out.csv"
    assert_equal "$(wc -l < "$T/out.csv")" 11
    assert_equal "$(head -1 "$T/out.csv")" "bsn,birth_date,sex,postcode,age"
    printf 'id,birth_date\na,1961-03-15\nb,nonsense\n' > "$T/bad.csv"
    mkdir "$T/dir"
    run koppel derive --age age=birth_date:2023-01-01 -o "$T/dir/out.csv" "$T/bad.csv"
    assert_failure 1
    assert_file_not_exists "$T/dir/out.csv"
    assert_equal "$(ls -A "$T/dir")" ""
}

@test "a write error is status 3" {
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run --separate-stderr bash -c "koppel derive --const c=1 '$F/persons.csv' > /dev/full"
    assert_failure 3
    [[ "$stderr" == *"error writing standard output"* ]]
}

@test "a closed pipe downstream ends the run quietly with status 0" {
    run bash -c "yes 'a,1990-01-01' | head -200000 | sed '1i id,birth_date' | koppel derive --age age=birth_date:2023-01-01 | head -1; echo \"\${PIPESTATUS[3]}\""
    assert_output "$(printf 'id,birth_date,age\n0')"
}

@test "--help shows usage with the example pipeline; --version; unknown options are status 2" {
    run koppel derive --help
    assert_success
    assert_line --index 0 "Usage: koppel derive [OPTIONS] [FILE...]"
    assert_output --partial "koppel derive --age age=birth_date:2023-01-01 --band age_band=age:esp2013"
    assert_output --partial "--year birth_year=birth_date persons.csv"
    assert_output --partial "Exit status: 0 success"
    run koppel-derive --version
    assert_success
    assert_output --regexp '^koppel-derive \(koppel\) [0-9]+\.[0-9]+'
    run --separate-stderr koppel derive --no-such-option "$F/persons.csv"
    assert_failure 2
    run --separate-stderr koppel derive --iso-date "" "$F/persons.csv"
    assert_failure 2
}

@test "the usage example from --help runs as written on shipped-style data" {
    cd "$F"
    run bash -c "set -o pipefail; koppel derive --help | grep -m1 -A1 'koppel derive --age age=birth_date:2023-01-01 --band' | sed 's/\\\\\$//' | tr -d '\n'"
    assert_success
    command="$output"
    run bash -c "$command"
    assert_success
    assert_line --index 0 "bsn,birth_date,sex,postcode,age,age_band,birth_year"
}

@test "--fill sets empty values of an existing column and counts them" {
    printf 'id,contacts,note\n1,,a\n2,3,\n3,0,b\n' > "$BATS_TEST_TMPDIR/f.csv"
    run --separate-stderr koppel derive --fill contacts=0 --fill note=none --stats "$BATS_TEST_TMPDIR/s.json" "$BATS_TEST_TMPDIR/f.csv"
    assert_success
    # by hand: row 1 contacts empty -> 0, row 2 note empty -> none; nothing else changes
    assert_output $'id,contacts,note\n1,0,a\n2,3,none\n3,0,b'
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" filled)" 2
    assert_counts_balance "$BATS_TEST_TMPDIR/s.json"
    run koppel derive --fill nope=0 "$BATS_TEST_TMPDIR/f.csv"
    assert_failure 2
    assert_output --partial "--fill: column 'nope' not found"
    run koppel derive --fill contacts "$BATS_TEST_TMPDIR/f.csv"
    assert_failure 2
}

# ---------------------------------------------------------------- masks

@test "--mask: '?' keeps the code's character, others are written; the code is trimmed and upper-cased" {
    cat > "$T/c.csv" <<'EOF'
id,code
a,3120
b, t90.02 
c,I21.4
d,
e,R55
EOF
    run --separate-stderr koppel derive --mask main=code:??? --mask fixed=code:?-? --stats "$T/s.json" "$T/c.csv"
    assert_success
    # by hand: the first three characters; then the first, a dash, the third
    assert_output "id,code,main,fixed
a,3120,312,3-2
b, t90.02 ,T90,T-0
c,I21.4,I21,I-1
d,,,
e,R55,R55,R-5"
    # the empty code of d, once per mask
    assert_equal "$(stat "$T/s.json" masks_missing)" 2
    run koppel derive --mask code=code:?X?? "$T/c.csv" --rejects "$T/rej.csv"
    assert_success
    # NEW may be COL itself: rewritten in place
    assert_line --index 1 "a,3X20"
    assert_line --index 2 "b,TX0."
}

@test "--mask: a code shorter than the mask or not ASCII is a bad record, never shown; a mask too long is a usage error" {
    printf 'id,code\nsecret1,12\nsecret2,\xc3\xa9123\nsecret3,1234\n' > "$T/c.csv"
    run --separate-stderr koppel derive --mask m=code:?X?? --rejects "$T/rej.csv" --stats "$T/s.json" "$T/c.csv"
    assert_success
    assert_output "id,code,m
secret3,1234,1X34"
    run python3 -c "import csv,sys; [print(r['reject_line'], r['reject_reason']) for r in csv.DictReader(open(sys.argv[1]))]" "$T/rej.csv"
    assert_output "2 column 'code': shorter than the mask of --mask m (4 characters)
3 column 'code': not an ASCII code (--mask m)"
    run stat "$T/s.json" rejected
    assert_output 2
    run koppel derive --mask m=code:12345678901234567890123456789012 "$T/c.csv"
    assert_failure 2
    assert_output --partial "--mask m: a mask has at most 31 characters"
    run koppel derive --mask m=code "$T/c.csv"
    assert_failure 2
    assert_output --partial "--mask expects NEW=COL:MASK"
}
