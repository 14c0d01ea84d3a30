#!/usr/bin/env bats
# classify-condition.bats: prevalence windows, sub-codes, ages, the shipped IZA table (typed in
# here from the IZA monitor's Table H.1, independently of share/koppel/rules), tagging, category mapping,
# rule-file validation, rejects and counts of koppel classify-condition.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    T="$BATS_TEST_TMPDIR"
}

# pick COL,COL... < CSV: the named columns of a CSV on standard input.
pick() {
    python3 -c '
import csv, sys
names = sys.argv[1].split(",")
rows = csv.reader(sys.stdin)
header = next(rows)
index = [header.index(n) for n in names]
print(",".join(names))
for row in rows:
    print(",".join(row[i] for i in index))' "$1"
}
export -f pick

# The Nivel IZA monitor's Table H.1 (2025, Bijlage C), typed in by hand for the tests: group id,
# subgroup id, codes, lookback years (chronic 2, long-term 1). "Astma/COPD: R96/R91, R95" is one
# group whose subgroups the monitor counts as two of its ten groups: asthma R96, COPD R91 and R95.
domain_table() {
    cat <<'EOF'
mental anxiety_mood P74,P76 1
mental personality P80 2
mental schizophrenia P72,P73 2
cancer all A79,B72,B73,B74,D74,D75,D76,D77,L71,N74,R84,R85,S77,T71,U75,U76,U77,W72,X75,X76,X77,Y77,Y78 2
cardiovascular stroke K89,K90 2
cardiovascular heart_failure K77 2
cardiovascular coronary K74,K75,K76 2
cardiovascular valve K71,K83 1
frail_elderly dementia P70 2
neck_back - L01,L02,L03,L83,L84,L86 2
osteoarthritis peripheral L89,L90,L91 2
diabetes type_1_2 T90 2
asthma_copd asthma R96 2
asthma_copd copd R91,R95 2
intellectual_disability - A90,P85 2
EOF
}
CONDITION_GROUPS="mental cancer cardiovascular frail_elderly neck_back osteoarthritis diabetes asthma_copd intellectual_disability"

# ---------------------------------------------------------------- help and usage errors

@test "--help: usage first, a one-line description, examples; --version" {
    run koppel-classify-condition --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel classify-condition"
    assert_line --index 1 --partial "Condition groups from ICPC codes"
    assert_output --partial "Examples:"
    assert_output --partial "--reference-date"
    run koppel-classify-condition --version
    assert_success
    assert_output --partial "koppel-classify-condition (koppel)"
}

@test "usage errors: no mode, two modes, no year, bad year, options of another mode, two inputs" {
    printf 'bsn,icpc,start_date,end_date\n' > "$T/e.csv"
    run koppel-classify-condition "$T/e.csv"
    assert_failure 2
    assert_output --partial "choose a mode"
    run koppel-classify-condition --tag --map "$T/e.csv"
    assert_failure 2
    assert_output --partial "choose one of"
    run koppel-classify-condition --prevalence --ignore-age-rules "$T/e.csv"
    assert_failure 2
    assert_output --partial "needs --year"
    run koppel-classify-condition --prevalence --year 23 --ignore-age-rules "$T/e.csv"
    assert_failure 2
    assert_output --partial "--year: '23' is not a year"
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --reference-date 2023-02-30 "$T/e.csv"
    assert_failure 2
    assert_output --partial "--reference-date"
    run koppel-classify-condition --tag --year 2023 "$T/e.csv"
    assert_failure 2
    assert_output --partial "--year does not apply to --tag"
    run koppel-classify-condition --map --long "$T/e.csv"
    assert_failure 2
    assert_output --partial "--long does not apply to --map"
    run koppel-classify-condition --prevalence --year 2023 --default x "$T/e.csv"
    assert_failure 2
    assert_output --partial "--default does not apply to --prevalence"
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --outside "$T/o.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "need --population"
    run koppel-classify-condition --tag "$T/e.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "one input FILE"
    run koppel-classify-condition --tag --bogus "$T/e.csv"
    assert_failure 2
    run koppel-classify-condition --prevalence --year 2023 --population - < "$T/e.csv"
    assert_failure 2
    assert_output --partial "cannot both come from standard input"
}

@test "a missing column is a usage error that lists the columns" {
    printf 'person,code,from,to\np1,T90,2023-01-01,\n' > "$T/e.csv"
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules "$T/e.csv"
    assert_failure 2
    assert_output --partial "column 'bsn' not found"
    assert_output --partial "person"
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --id person --code code \
        --start from --end to "$T/e.csv"
    assert_success
    assert_line --index 0 "person,mental,cancer,cardiovascular,frail_elderly,neck_back,osteoarthritis,diabetes,asthma_copd,intellectual_disability,multimorbidity"
    assert_line --index 1 "p1,0,0,0,0,0,0,1,0,0,1"
}

@test "age rules in the rules need a population or --ignore-age-rules" {
    printf 'bsn,icpc,start_date,end_date\np1,T90,2023-01-01,\n' > "$T/e.csv"
    run koppel-classify-condition --prevalence --year 2023 "$T/e.csv"
    assert_failure 2
    assert_output --partial "age rule (frail_elderly aged_80_plus"
    assert_output --partial "--ignore-age-rules"
}

# ---------------------------------------------------------------- prevalence windows

@test "worked example: chronic window edges for 2023 (31 Dec 2020 out, 1 Jan 2021 in)" {
    # T90 (diabetes) is chronic: it counts when the episode overlaps 2021-01-01 .. 2023-12-31.
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
a_ends_y3_dec31,T90,2019-05-01,2020-12-31
b_ends_y2_jan1,T90,2019-05-01,2021-01-01
c_open_since_2000,T90,2000-01-01,
d_starts_y_dec31,T90,2023-12-31,
e_starts_after_y,T90,2024-01-01,
f_one_day_y2,T90,2021-01-01,2021-01-01
g_open_after_y,T90,2024-06-01,
EOF
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules "$T/e.csv"
    assert_success
    # by hand: b, c, d, f overlap the window; a ends the day before it, e and g start after it
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --ignore-age-rules '$T/e.csv' | cut -d, -f1,8,11 | tail -n +2"
    assert_success
    assert_output "a_ends_y3_dec31,0,0
b_ends_y2_jan1,1,1
c_open_since_2000,1,1
d_starts_y_dec31,1,1
e_starts_after_y,0,0
f_one_day_y2,1,1
g_open_after_y,0,0"
}

@test "long-term window: 31 Dec of Y-2 out, 1 Jan of Y-1 in; chronic and long-term side by side" {
    # P74 (anxiety, mental) and K71 (valve, cardiovascular) are long-term: Y-1..Y = 2022..2023.
    # K90 (stroke, cardiovascular) is chronic: 2021..2023.
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
p1,P74,2020-01-01,2021-12-31
p2,P74,2020-01-01,2022-01-01
p3,K71,2021-06-01,2021-06-30
p4,K90,2021-06-01,2021-06-30
p5,K71,2022-01-01,
EOF
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --ignore-age-rules '$T/e.csv' | cut -d, -f1,2,4 | tail -n +2"
    assert_success
    assert_output "p1,0,0
p2,1,0
p3,0,0
p4,0,1
p5,0,1"
    # the same episodes for reference year 2022: long-term window 2021..2022
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2022 --ignore-age-rules '$T/e.csv' | cut -d, -f1,2,4 | tail -n +2"
    assert_success
    assert_output "p1,1,0
p2,1,0
p3,0,1
p4,0,1
p5,0,1"
}

@test "sub-codes match their code; case and white space are normalised" {
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
p1,T90.02,2023-01-01,
p2, t90.1 ,2023-01-01,
p3,k77.01,2023-01-01,
p4,T91,2023-01-01,
p5,	p74	,2023-01-01,
EOF
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --ignore-age-rules '$T/e.csv' | cut -d, -f1,2,4,8 | tail -n +2"
    assert_success
    assert_output "p1,0,0,1
p2,0,0,1
p3,0,1,0
p4,0,0,0
p5,1,0,0"
}

@test "multimorbidity counts groups, not subgroups or episodes" {
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
m4,T90,2023-01-01,
m4,K77,2023-01-01,
m4,P74,2023-01-01,
m4,R96,2023-01-01,
m1,K77,2022-01-01,
m1,K90,2022-01-01,
m1,K74.01,2022-01-01,
m1,T90,2019-01-01,2019-12-31
m0,A01,2023-01-01,
m2,L01,2023-01-01,
m2,L89,2023-01-01,
m2,L89.01,2023-01-01,
EOF
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --ignore-age-rules '$T/e.csv' | cut -d, -f1,11 | tail -n +2"
    assert_success
    assert_output "m0,0
m1,1
m2,2
m4,4"
}

@test "output is sorted by id in byte order; one row per person, zeros included" {
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
b,T90,2023-01-01,
a,A01,2023-01-01,
B,T90,2023-01-01,
10,T90,2023-01-01,
9,T90,2023-01-01,
b,K77,2023-01-01,
_x,A01,2023-01-01,
EOF
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules "$T/e.csv"
    assert_success
    expected=$(python3 -c 'print(" ".join(sorted(["b","a","B","10","9","_x"], key=lambda s: s.encode())))')
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --ignore-age-rules '$T/e.csv' | tail -n +2 | cut -d, -f1 | paste -sd' '"
    assert_success
    assert_output "$expected"
}

@test "--subgroups: a column per named subgroup after the groups" {
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
p1,K77,2023-01-01,
p1,P80,2023-01-01,
p2,L01,2023-01-01,
EOF
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --subgroups "$T/e.csv"
    assert_success
    # named subgroups only (neck_back and intellectual_disability have none); no age
    # subgroup when age rules are ignored
    assert_line --index 0 "bsn,mental,cancer,cardiovascular,frail_elderly,neck_back,osteoarthritis,diabetes,asthma_copd,intellectual_disability,mental_anxiety_mood,mental_personality,mental_schizophrenia,cancer_all,cardiovascular_stroke,cardiovascular_heart_failure,cardiovascular_coronary,cardiovascular_valve,frail_elderly_dementia,osteoarthritis_peripheral,diabetes_type_1_2,asthma_copd_asthma,asthma_copd_copd,multimorbidity"
    assert_line --index 1 "p1,1,0,1,0,0,0,0,0,0,0,1,0,0,0,1,0,0,0,0,0,0,0,2"
    assert_line --index 2 "p2,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1"
}

# ---------------------------------------------------------------- the shipped table

@test "every code of the IZA table (typed in from the monitor) tags its group, and no other ICPC code does" {
    # every ICPC stem of every chapter, bare and with a sub-code: 1,700 x 2 records
    domain_table > "$T/table.txt"
    python3 - "$T/table.txt" "$T/all.csv" "$T/expected.csv" "$CONDITION_GROUPS" <<'PY'
import sys
table, all_path, expected_path, groups = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
code_groups = {}
for line in open(table):
    group, subgroup, codes, lookback = line.split()
    for code in codes.split(","):
        code_groups.setdefault(code, set()).add(group)
with open(all_path, "w") as a, open(expected_path, "w") as e:
    a.write("id,icpc\n")
    e.write("id,icpc," + ",".join(groups) + "\n")
    n = 0
    for chapter in "ABDFHKLNPRSTUWXYZ":
        for number in range(100):
            for code in ("%s%02d" % (chapter, number), "%s%02d.01" % (chapter, number)):
                n += 1
                stem = code[:3]
                flags = ["1" if g in code_groups.get(stem, ()) else "0" for g in groups]
                a.write("%d,%s\n" % (n, code))
                e.write("%d,%s,%s\n" % (n, code, ",".join(flags)))
PY
    run koppel-classify-condition --tag -o "$T/out.csv" --stats "$T/s.json" "$T/all.csv"
    assert_success
    run diff "$T/expected.csv" "$T/out.csv"
    assert_success
    assert_counts_balance "$T/s.json"
    # 52 codes in the table (by hand: 2+1+2+23+2+1+3+2+1+6+3+1+3+2), each bare and with a sub-code
    run stats_field "$T/s.json" records_matched
    assert_output 104
}

@test "every code of the IZA table counts for its group over its own window (chronic vs long-term)" {
    domain_table > "$T/table.txt"
    # For each code: an episode in Y-1 only (always counts), in Y-2 only (chronic only) and in
    # Y-3 only (never); reference year 2023. Expected flags per person and per subgroup.
    python3 - "$T/table.txt" "$T/e.csv" "$T/expected.csv" "$CONDITION_GROUPS" <<'PY'
import sys
table, episodes_path, expected_path, groups = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
rows = [line.split() for line in open(table)]
subgroup_columns = []
for group in groups:
    for g, s, codes, lookback in rows:
        if g == group and s != "-" and g + "_" + s not in subgroup_columns:
            subgroup_columns.append(g + "_" + s)
years = {"y1": ("2022-03-01", "2022-03-31"), "y2": ("2021-03-01", "2021-03-31"), "y3": ("2020-03-01", "2020-12-31")}
persons = []
with open(episodes_path, "w") as out:
    out.write("bsn,icpc,start_date,end_date\n")
    for g, s, codes, lookback in rows:
        for code in codes.split(","):
            for label, (start, end) in years.items():
                person = "%s_%s" % (code, label)
                out.write("%s,%s,%s,%s\n" % (person, code + ".09", start, end))
                back = {"y1": 1, "y2": 2, "y3": 3}[label]
                on = back <= int(lookback)
                flags = {x: 0 for x in groups + subgroup_columns}
                if on:
                    flags[g] = 1
                    if s != "-":
                        flags[g + "_" + s] = 1
                persons.append((person, [flags[x] for x in groups + subgroup_columns], sum(flags[x] for x in groups)))
persons.sort(key=lambda p: p[0].encode())
with open(expected_path, "w") as out:
    out.write(",".join(["bsn"] + groups + subgroup_columns + ["multimorbidity"]) + "\n")
    for person, flags, count in persons:
        out.write(",".join([person] + [str(f) for f in flags] + [str(count)]) + "\n")
PY
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --subgroups -o "$T/out.csv" "$T/e.csv"
    assert_success
    run diff "$T/expected.csv" "$T/out.csv"
    assert_success
}

# ---------------------------------------------------------------- ages and the population

@test "80th birthday just before, on and just after the reference date (default 31 December)" {
    printf 'bsn,icpc,start_date,end_date\n' > "$T/e.csv"
    cat > "$T/pop.csv" <<'EOF'
bsn,birth_date
born_1943_12_30,1943-12-30
born_1943_12_31,1943-12-31
born_1944_01_01,1944-01-01
year_1943,1943
year_1944,1944
EOF
    # by hand: on 2023-12-31 the first two have turned 80, the third is 79;
    # a year of birth 1943 gives 80 on 31 December 2023, 1944 gives 79
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --population '$T/pop.csv' --subgroups '$T/e.csv' | pick bsn,frail_elderly,frail_elderly_aged_80_plus,multimorbidity"
    assert_success
    assert_output "bsn,frail_elderly,frail_elderly_aged_80_plus,multimorbidity
born_1943_12_30,1,1,1
born_1943_12_31,1,1,1
born_1944_01_01,0,0,0
year_1943,1,1,1
year_1944,0,0,0"
}

@test "--reference-date: the 80th birthday the day before, on and after 30 June; 29 February" {
    printf 'bsn,icpc,start_date,end_date\n' > "$T/e.csv"
    cat > "$T/pop.csv" <<'EOF'
bsn,birth_date
a,1943-06-29
b,1943-06-30
c,1943-07-01
leap,1944-02-29
EOF
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --reference-date 2023-06-30 --population '$T/pop.csv' '$T/e.csv' | cut -d, -f1,5 | tail -n +2"
    assert_success
    assert_output "a,1
b,1
c,0
leap,0"
    # born 29 February 1944: 80 completed years on 1 March 2024, not on 28 February
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2024 --reference-date 2024-02-28 --population '$T/pop.csv' '$T/e.csv' | grep '^leap'"
    assert_success
    assert_output "leap,0,0,0,0,0,0,0,0,0,0"
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2024 --reference-date 2024-03-01 --population '$T/pop.csv' '$T/e.csv' | grep '^leap'"
    assert_success
    assert_output "leap,0,0,0,1,0,0,0,0,0,1"
}

@test "a year of birth with a reference date other than 31 December is rejected, not guessed" {
    printf 'bsn,icpc,start_date,end_date\n' > "$T/e.csv"
    printf 'bsn,birth_date\nx,1943\ny,1950-01-01\n' > "$T/pop.csv"
    run koppel-classify-condition --prevalence --year 2023 --reference-date 2023-06-30 --population "$T/pop.csv" "$T/e.csv"
    assert_failure 1
    assert_output --partial "pop.csv:2: column 'birth_date': a year of birth gives no exact age"
    refute_output --partial "1943"
}

@test "population: every person gets a row; outside episodes counted, warned about and written with --outside" {
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
in1,T90,2023-01-01,
out1,T90,2023-01-01,
in1,K77,2023-01-01,
out2,A01,2020-01-01,2020-01-02
out1,P74,2023-01-01,
EOF
    cat > "$T/pop.csv" <<'EOF'
person,born
in2,1930-05-05
in1,1970-01-01
in3,2000-01-01
in1,1970-01-01
EOF
    run koppel-classify-condition --prevalence --year 2023 --population "$T/pop.csv" --population-id person \
        --birth born --outside "$T/outside.csv" --stats "$T/s.json" -o "$T/out.csv" "$T/e.csv"
    assert_success
    assert_output --partial "3 episodes of persons not in the population were left out"
    refute_output --partial "out1"
    run cut -d, -f1,4,5,8,11 "$T/out.csv"
    assert_output "bsn,cardiovascular,frail_elderly,diabetes,multimorbidity
in1,1,0,1,2
in2,0,1,0,1
in3,0,0,0,0"
    run cat "$T/outside.csv"
    assert_output "bsn,icpc,start_date,end_date
out1,T90,2023-01-01,
out2,A01,2020-01-01,2020-01-02
out1,P74,2023-01-01,"
    # by hand: 5 episodes (2 used, 3 outside), 4 population rows (3 persons, 1 repeat)
    run stats_field "$T/s.json" episodes_outside_population
    assert_output 3
    run stats_field "$T/s.json" episodes_used
    assert_output 2
    run stats_field "$T/s.json" population_duplicates
    assert_output 1
    run stats_field "$T/s.json" records_out
    assert_output 3
    run stats_field "$T/s.json" persons_frail_elderly
    assert_output 1
}

@test "population rows: empty id, bad birth and a repeated person with another birth are rejected" {
    printf 'bsn,icpc,start_date,end_date\np1,T90,2023-01-01,\n' > "$T/e.csv"
    cat > "$T/pop.csv" <<'EOF'
bsn,birth_date
p1,1950-01-01
,1950-01-01
p2,01-01-1950
p3,
p1,1951-01-01
EOF
    run koppel-classify-condition --prevalence --year 2023 --population "$T/pop.csv" --rejects "$T/rej.csv" \
        --stats "$T/s.json" -o "$T/out.csv" "$T/e.csv"
    assert_success
    run cut -d, -f1,8,11 "$T/out.csv"
    assert_output "bsn,diabetes,multimorbidity
p1,1,1"
    run python3 -c "import csv,sys; [print(r['reject_line'], r['reject_reason']) for r in csv.DictReader(open(sys.argv[1]))]" "$T/rej.csv"
    assert_output "3 column 'bsn': empty person id
4 column 'birth_date': not a date of birth (expected YYYY-MM-DD or a year YYYY)
5 column 'birth_date': empty date of birth (the age rules need it)
6 column 'birth_date': the person appears earlier in the population with another birth"
    run stats_field "$T/s.json" population_rejected
    assert_output 4
    run stats_field "$T/s.json" episodes_rejected
    assert_output 0
}

@test "--ignore-age-rules with a population: no age column, frail elderly means dementia only" {
    printf 'bsn,icpc,start_date,end_date\nd,P70,2023-01-01,\n' > "$T/e.csv"
    printf 'bsn\nold\nd\n' > "$T/pop.csv"
    run koppel-classify-condition --prevalence --year 2023 --population "$T/pop.csv" --ignore-age-rules --subgroups "$T/e.csv"
    assert_success
    refute_output --partial "aged_80_plus"
    run bash -c "set -o pipefail; koppel-classify-condition --prevalence --year 2023 --population '$T/pop.csv' --ignore-age-rules '$T/e.csv' | cut -d, -f1,5"
    assert_success
    assert_output "bsn,frail_elderly
d,1
old,0"
}

# ---------------------------------------------------------------- bad episodes, counts

@test "invalid codes and bad episodes are rejected with their reason; ids never shown" {
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
secretid1,X999,2023-01-01,
secretid2,T9,2023-01-01,
secretid3,T90.,2023-01-01,
secretid4,I10,2023-01-01,
secretid5,T901,2023-01-01,
secretid6,123456782,2023-01-01,
secretid7,T90,,
secretid8,T90,2023-13-01,
secretid9,T90,2023-05-01,2023-04-30
,T90,2023-01-01,
secretidA,T90,2023-01-01,31-12-2023
secretidB,,2023-01-01,
secretidC,T90.0a,2023-01-01,
EOF
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --rejects "$T/rej.csv" \
        --stats "$T/s.json" -o "$T/out.csv" "$T/e.csv"
    assert_success
    refute_output --partial "secretid"
    run python3 -c "import csv,sys; [print(r['reject_line'], r['reject_reason'].split('; expected')[0]) for r in csv.DictReader(open(sys.argv[1]))]" "$T/rej.csv"
    assert_output "2 column 'icpc': 'X999' is not an ICPC code
3 column 'icpc': 'T9' is not an ICPC code
4 column 'icpc': 'T90.' is not an ICPC code
5 column 'icpc': 'I10' is not an ICPC code
6 column 'icpc': 'T901' is not an ICPC code
7 column 'icpc': the value (not shown: it could be an identifier) is not an ICPC code
8 column 'start_date': empty start of an episode
9 column 'start_date': not an ISO date (YYYY-MM-DD)
10 column 'end_date' is before column 'start_date'
11 column 'bsn': empty person id
12 column 'end_date': not an ISO date (YYYY-MM-DD); it looks like dd-mm-yyyy: convert it first with koppel derive --iso-date end_date --date-format dd-mm-yyyy
14 column 'icpc': 'T90.0a' is not an ICPC code"
    run grep -c secretid "$T/rej.csv"
    assert_output 11
    run cat "$T/out.csv"
    assert_output "bsn,mental,cancer,cardiovascular,frail_elderly,neck_back,osteoarthritis,diabetes,asthma_copd,intellectual_disability,multimorbidity
secretidB,0,0,0,0,0,0,0,0,0,0"
    run stats_field "$T/s.json" episodes_no_code
    assert_output 1
    run stats_field "$T/s.json" rejected
    assert_output 12
}

@test "without --rejects the first bad record stops the run with status 1 and file:line" {
    printf 'bsn,icpc,start_date,end_date\np1,T90,2023-01-01,\np2,Q12,2023-01-01,\n' > "$T/e.csv"
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules "$T/e.csv"
    assert_failure 1
    assert_output --partial "koppel-classify-condition: $T/e.csv:3: column 'icpc': 'Q12' is not an ICPC code"
    refute_output --partial "p2"
}

@test "prevalence counts: every episode is used, filtered (by reason) or rejected" {
    cat > "$T/e.csv" <<'EOF'
bsn,icpc,start_date,end_date
p1,T90,2023-01-01,
p1,T90.01,2022-01-01,
p2,A01,2023-01-01,
p3,T90,2015-01-01,2016-01-01
p4,,2023-01-01,
p5,ZZ,2023-01-01,
p6,T90,2023-01-01
p7,P74,2021-01-01,2021-12-31
EOF
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --rejects "$T/rej.csv" \
        --stats "$T/s.json" -o "$T/out.csv" "$T/e.csv"
    assert_success
    # by hand: used 2 (p1 twice), no_group 1 (p2), outside_window 2 (p3, p7), no_code 1 (p4),
    # rejected 2 (p5 invalid code, p6 too few fields); persons p1 p2 p3 p4 p7
    python3 - "$T/s.json" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
want = {"episodes_in": 8, "episodes_used": 2, "episodes_no_group": 1, "episodes_outside_window": 2,
        "episodes_no_code": 1, "episodes_rejected": 2, "episodes_outside_population": 0,
        "records_in": 8, "records_out": 5, "filtered": 4, "rejected": 2, "persons": 5, "persons_diabetes": 1}
bad = {k: (s.get(k), v) for k, v in want.items() if s.get(k) != v}
assert not bad, bad
assert s["episodes_in"] == s["episodes_used"] + s["filtered"] + s["episodes_rejected"], s
PY
}

@test "-d ';' input, --output-delimiter, and an atomic -o that a failed run leaves absent" {
    printf 'bsn;icpc;start_date;end_date\np1;T90;2023-01-01;\n' > "$T/e.csv"
    run koppel-classify-condition -d ';' --output-delimiter ';' --prevalence --year 2023 --ignore-age-rules "$T/e.csv"
    assert_success
    assert_line --index 1 "p1;0;0;0;0;0;0;1;0;0;1"
    printf 'bsn,icpc,start_date,end_date\np1,T90,2023-01-01,\np2,BAD,2023-01-01,\n' > "$T/bad.csv"
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules -o "$T/out.csv" "$T/bad.csv"
    assert_failure 1
    assert_file_not_exists "$T/out.csv"
    run bash -c "ls '$T' | grep -c tmp"
    assert_output 0
}

@test "a write error is status 3" {
    # never '-o /dev/full': -o writes a temporary and renames it, which as root would replace the device
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    printf 'bsn,icpc,start_date,end_date\np1,T90,2023-01-01,\n' > "$T/e.csv"
    run bash -c "koppel-classify-condition --prevalence --year 2023 --ignore-age-rules '$T/e.csv' > /dev/full"
    assert_failure 3
    run bash -c "koppel-classify-condition --tag '$T/e.csv' > /dev/full"
    assert_failure 3
}

@test "a closed pipe downstream ends the run quietly" {
    { echo "bsn,icpc"; seq 1 200000 | sed 's/$/,T90.02/'; } > "$T/c.csv"
    run bash -c "set -o pipefail; koppel-classify-condition --tag '$T/c.csv' | head -n 2"
    assert_success
    assert_output "bsn,icpc,mental,cancer,cardiovascular,frail_elderly,neck_back,osteoarthritis,diabetes,asthma_copd,intellectual_disability
1,T90.02,0,0,0,0,0,0,1,0,0"
}

# ---------------------------------------------------------------- tagging

@test "--tag: 0/1 columns per group; unmatched and empty codes kept; counts balance" {
    cat > "$T/c.csv" <<'EOF'
bsn,contact_date,provider,icpc
p1,2023-01-05,gp,T90.02
p1,2023-02-05,poh_s,k77
p2,2023-01-09,gp,A01
p3,2023-03-01,gp,
p4,2023-03-01,poh_ggz,P74
EOF
    run koppel-classify-condition --tag --stats "$T/s.json" "$T/c.csv"
    assert_success
    assert_output "bsn,contact_date,provider,icpc,mental,cancer,cardiovascular,frail_elderly,neck_back,osteoarthritis,diabetes,asthma_copd,intellectual_disability
p1,2023-01-05,gp,T90.02,0,0,0,0,0,0,1,0,0
p1,2023-02-05,poh_s,k77,0,0,1,0,0,0,0,0,0
p2,2023-01-09,gp,A01,0,0,0,0,0,0,0,0,0
p3,2023-03-01,gp,,0,0,0,0,0,0,0,0,0
p4,2023-03-01,poh_ggz,P74,1,0,0,0,0,0,0,0,0"
    assert_counts_balance "$T/s.json"
    run stats_field "$T/s.json" records_matched
    assert_output 3
    run stats_field "$T/s.json" records_no_code
    assert_output 1
}

@test "--tag --matched-only: unmatched records are counted as filtered; bad codes rejected" {
    printf 'bsn,icpc\np1,T90\np2,A01\np3,\np4,nope\np5,R95\n' > "$T/c.csv"
    run koppel-classify-condition --tag --matched-only --rejects "$T/rej.csv" --stats "$T/s.json" -o "$T/out.csv" "$T/c.csv"
    assert_success
    run cut -d, -f1 "$T/out.csv"
    assert_output "bsn
p1
p5"
    assert_counts_balance "$T/s.json"
    run stats_field "$T/s.json" filtered
    assert_output 2
    run stats_field "$T/s.json" rejected
    assert_output 1
}

@test "--tag --long: one record per (record, condition); with --subgroups per subgroup" {
    # a custom rules file where one code belongs to two groups and two subgroups of one group
    cat > "$T/rules.csv" <<'EOF'
condition,subgroup,code_system,codes,lookback_years,min_age
metabolic,diabetes,ICPC,T90,2,
metabolic,any_t,ICPC,T90 T91,2,
renal,,ICPC,T90.01 U99,0,
EOF
    printf 'id,icpc\nc1,T90.01\nc2,T90\nc3,U99\nc4,A01\n' > "$T/c.csv"
    run koppel-classify-condition --tag --long --rules "$T/rules.csv" --stats "$T/s.json" "$T/c.csv"
    assert_success
    assert_output "id,icpc,condition
c1,T90.01,metabolic
c1,T90.01,renal
c2,T90,metabolic
c3,U99,renal
c4,A01,"
    run stats_field "$T/s.json" pairs
    assert_output 4
    # by hand: 4 records in, all written (c4 without a condition), 5 output records
    run stats_field "$T/s.json" records_written
    assert_output 4
    run stats_field "$T/s.json" records_out
    assert_output 5
    run koppel-classify-condition --tag --long --subgroups --matched-only --rules "$T/rules.csv" "$T/c.csv"
    assert_success
    assert_output "id,icpc,condition,subgroup
c1,T90.01,metabolic,diabetes
c1,T90.01,metabolic,any_t
c1,T90.01,renal,
c2,T90,metabolic,diabetes
c2,T90,metabolic,any_t
c3,U99,renal,"
}

@test "--tag leaves out age-only subgroups and refuses to overwrite an input column" {
    printf 'bsn,icpc\np1,P70\n' > "$T/c.csv"
    run koppel-classify-condition --tag --subgroups "$T/c.csv"
    assert_success
    refute_output --partial "aged_80_plus"
    assert_output --partial "frail_elderly_dementia"
    printf 'bsn,icpc,diabetes\np1,T90,x\n' > "$T/c2.csv"
    run koppel-classify-condition --tag "$T/c2.csv"
    assert_failure 2
    assert_output --partial "already has a column 'diabetes'"
    printf 'bsn,icpc,condition\np1,T90,x\n' > "$T/c3.csv"
    run koppel-classify-condition --tag --long "$T/c3.csv"
    assert_failure 2
}

# ---------------------------------------------------------------- custom rules (ATC)

@test "ATC rules: level prefixes match, lookback 0 is the reference year only" {
    cat > "$T/atc.csv" <<'EOF'
condition,condition_label,subgroup,subgroup_label,code_system,codes,duration,lookback_years,min_age,note
glucose_lowering,glucose-lowering drugs,insulin,insulins,ATC,A10A,dispensed,0,,ATC A10A
glucose_lowering,glucose-lowering drugs,oral,oral drugs,ATC,A10B,dispensed,0,,
statins,statins,,,ATC,C10AA,dispensed,1,,
EOF
    cat > "$T/e.csv" <<'EOF'
bsn,atc,start_date,end_date
p1,a10ab01,2023-02-01,2023-02-28
p2,A10BA02,2022-12-01,2022-12-31
p3,C10AA05,2022-12-01,2022-12-31
p4,C10,2023-01-01,
p5,A10,2023-01-01,
EOF
    run koppel-classify-condition --prevalence --year 2023 --rules "$T/atc.csv" --code atc --subgroups "$T/e.csv"
    assert_success
    # by hand: p1 insulin in 2023; p2 oral only in 2022 (lookback 0: out); p3 statin in 2022
    # (lookback 1: in); p4 C10 and p5 A10 are broader than every rule code: no match
    assert_output "bsn,glucose_lowering,statins,glucose_lowering_insulin,glucose_lowering_oral,multimorbidity
p1,1,0,1,0,1
p2,0,0,0,0,0
p3,0,1,0,0,1
p4,0,0,0,0,0
p5,0,0,0,0,0"
    printf 'bsn,atc,start_date,end_date\np1,E10,2023-01-01,\n' > "$T/bad.csv"
    run koppel-classify-condition --prevalence --year 2023 --rules "$T/atc.csv" --code atc "$T/bad.csv"
    assert_failure 1
    assert_output --partial "'E10' is not an ATC code"
}

@test "rules files are validated strictly: status 2 with file and line" {
    h='condition,subgroup,code_system,codes,lookback_years,min_age'
    printf 'bsn,icpc,start_date,end_date\n' > "$T/e.csv"
    check_rules() { # expected message, then the rule rows
        local message="$1"; shift
        printf '%s\n' "$h" "$@" > "$T/r.csv"
        run koppel-classify-condition --prevalence --year 2023 --rules "$T/r.csv" --ignore-age-rules "$T/e.csv"
        assert_failure 2
        assert_output --partial "$message"
    }
    check_rules "r.csv:2: column 'codes': 'T9' is not an ICPC code" 'a,,ICPC,T90 T9,2,'
    check_rules "r.csv:2: column 'condition': 'Diabetes' is not an id" 'Diabetes,,ICPC,T90,2,'
    check_rules "r.csv:2: column 'subgroup': 'type 1' is not an id" 'a,type 1,ICPC,T90,2,'
    check_rules "r.csv:2: column 'lookback_years' is empty" 'a,,ICPC,T90,,'
    check_rules "r.csv:2: column 'lookback_years': 'two' is not a whole number" 'a,,ICPC,T90,two,'
    check_rules "r.csv:2: column 'code_system': 'ICD9' is not a known code system; expected ICPC, ATC, DBC, DCSPH, DIET or ICD10" 'a,,ICD9,T90,2,'
    check_rules "r.csv:3: code system ATC differs from ICPC on line 2" 'a,,ICPC,T90,2,' 'b,,ATC,A10,2,'
    check_rules "r.csv:2: a row has either codes or a min_age" 'a,,ICPC,T90,2,80'
    check_rules "r.csv:2: a row needs codes or a min_age" 'a,,ICPC,,2,'
    check_rules "r.csv:3: an age rule (min_age without codes) takes no lookback_years" 'a,x,ICPC,T90,2,' 'a,y,,,2,80'
    check_rules "r.csv:3: code T90 is listed twice for the same subgroup (also on line 2)" 'a,,ICPC,T90,2,' 'a,,ICPC,t90,1,'
    check_rules "r.csv:4: condition 'a' appeared already on line 2" 'a,,ICPC,T90,2,' 'b,,ICPC,K77,2,' 'a,,ICPC,P74,2,'
    check_rules "r.csv:3: condition 'a' mixes rows with and without a subgroup" 'a,x,ICPC,T90,2,' 'a,,ICPC,K77,2,'
    check_rules "r.csv:2: column 'condition': 'multimorbidity' is a reserved name" 'multimorbidity,,ICPC,T90,2,'
    check_rules "r.csv:3: subgroup column 'a_b' has the name of the condition on line 2" 'a_b,,ICPC,T90,2,' 'a,b,ICPC,K77,2,'
    check_rules "r.csv:3: subgroup 'x' has a second age rule" 'a,x,,,,80' 'a,x,,,,65' 'b,,ICPC,T90,2,'
    check_rules "r.csv:3: subgroup 'x' has code rules" 'a,x,ICPC,T90,2,' 'a,x,,,,80'
    check_rules "r.csv:3: subgroup 'x' has an age rule on line 2" 'a,x,,,,80' 'a,x,ICPC,T90,2,'
    check_rules "r.csv:2: column 'min_age': '200' is not a whole number from 0 to 150" 'a,,,,,200'
    check_rules "no code rules" 'a,x,,,,80'
    check_rules "r.csv:3: 7 fields, expected 6" 'a,,ICPC,T90,2,' 'a,,ICPC,T90,2,,'
    # columns
    printf 'condition,subgroup,code_system,codes,lookback_years\na,,ICPC,T90,2\n' > "$T/r.csv"
    run koppel-classify-condition --tag --rules "$T/r.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "r.csv:1: a rules file needs the column 'min_age'"
    printf 'condition,subgroup,code_system,codes,lookback_years,min_age,colour\na,,ICPC,T90,2,,red\n' > "$T/r.csv"
    run koppel-classify-condition --tag --rules "$T/r.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "r.csv:1: unknown column 'colour'"
    printf 'condition,condition_label,subgroup,code_system,codes,duration,lookback_years,min_age\na,A,,ICPC,T90,chronic,1,\n' > "$T/r.csv"
    run koppel-classify-condition --tag --rules "$T/r.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "r.csv:2: duration 'chronic' means lookback_years 2, not 1"
    printf 'condition,condition_label,subgroup,code_system,codes,lookback_years,min_age\na,A,x,ICPC,T90,2,\na,B,y,ICPC,K77,2,\n' > "$T/r.csv"
    run koppel-classify-condition --tag --rules "$T/r.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "r.csv:3: condition 'a' has another condition_label than on line 2"
    : > "$T/r.csv"
    run koppel-classify-condition --tag --rules "$T/r.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "empty rules file"
    run koppel-classify-condition --tag --rules "$T/missing.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "cannot open"
}

@test "the id column may not take the name of an output column" {
    printf 'diabetes,icpc,start_date,end_date\np1,T90,2023-01-01,\n' > "$T/e.csv"
    run koppel-classify-condition --prevalence --year 2023 --ignore-age-rules --id diabetes "$T/e.csv"
    assert_failure 2
    assert_output --partial "the id column 'diabetes' has the name of an output column"
}

# ---------------------------------------------------------------- category mapping

@test "--map: Wmo provision types to the categories of the CBS Wmo statistics" {
    # CBS Wmo statistics (CPB, Table 4.1), typed in by hand
    cat > "$T/expected.txt" <<'EOF'
household_help hulp bij het huishouden
individual_support ondersteuning thuis
day_activities ondersteuning thuis
personal_care ondersteuning thuis
short_stay ondersteuning thuis
housing_adaptation hulpmiddelen en diensten
transport hulpmiddelen en diensten
wheelchair hulpmiddelen en diensten
other_aids hulpmiddelen en diensten
sheltered_housing verblijf en opvang
shelter verblijf en opvang
EOF
    { echo "bsn,provision_type"; awk '{print NR "," $1}' "$T/expected.txt"; } > "$T/wmo.csv"
    run koppel-classify-condition --map --stats "$T/s.json" -o "$T/out.csv" "$T/wmo.csv"
    assert_success
    run bash -c "tail -n +2 '$T/out.csv' | cut -d, -f2,3 | tr ',' ' '"
    assert_output "$(cat "$T/expected.txt")"
    run head -n 1 "$T/out.csv"
    assert_output "bsn,provision_type,category"
    assert_counts_balance "$T/s.json"
}

@test "--map: white space and case ignored; unmatched rejected, or --default; --as" {
    printf 'bsn,provision_type\n1, Household_Help \n2,jeugdzorg\n3,\n4,SHELTER\n' > "$T/wmo.csv"
    run koppel-classify-condition --map "$T/wmo.csv"
    assert_failure 1
    assert_output --partial "wmo.csv:3: column 'provision_type': 'jeugdzorg' has no category"
    run koppel-classify-condition --map --rejects "$T/rej.csv" --stats "$T/s.json" "$T/wmo.csv"
    assert_success
    assert_output --partial "1, Household_Help ,hulp bij het huishouden
4,SHELTER,verblijf en opvang"
    run cut -d, -f3-5 "$T/rej.csv"
    assert_output "reject_file,reject_line,reject_reason
$T/wmo.csv,3,column 'provision_type': 'jeugdzorg' has no category in $KOPPEL_SHARE/rules/wmo-categories.csv
$T/wmo.csv,4,column 'provision_type' is empty: no category"
    assert_counts_balance "$T/s.json"
    run koppel-classify-condition --map --default onbekend --as wmo_category --stats "$T/s2.json" "$T/wmo.csv"
    assert_success
    assert_output "bsn,provision_type,wmo_category
1, Household_Help ,hulp bij het huishouden
2,jeugdzorg,onbekend
3,,onbekend
4,SHELTER,verblijf en opvang"
    run stats_field "$T/s2.json" records_defaulted
    assert_output 2
}

@test "--map: a category table is validated (two columns, unique codes); an existing column is refused" {
    printf 'bsn,code\n1,a\n' > "$T/in.csv"
    printf 'code,category,extra\na,b,c\n' > "$T/t.csv"
    run koppel-classify-condition --map --code code --rules "$T/t.csv" "$T/in.csv"
    assert_failure 2
    assert_output --partial "t.csv:1: a category table has exactly two columns (code, category), this one has 3"
    printf 'code,category\na,x\n A ,y\n' > "$T/t.csv"
    run koppel-classify-condition --map --code code --rules "$T/t.csv" "$T/in.csv"
    assert_failure 2
    assert_output --partial "t.csv:3: code 'a' is also on line 2"
    # A table of postcodes: the repeated code could be an identifier and is not shown.
    printf 'postcode\n7384QZ\n' > "$T/pc.csv"
    printf 'code,district\n7384QZ,Noord\n7384qz,Oost\n' > "$T/t.csv"
    run koppel-classify-condition --map --code postcode --rules "$T/t.csv" "$T/pc.csv"
    assert_failure 2
    assert_output --partial "t.csv:3: the code of line 2 again (not shown"
    refute_output --partial "7384"
    printf 'code,category\na,\n' > "$T/t.csv"
    run koppel-classify-condition --map --code code --rules "$T/t.csv" "$T/in.csv"
    assert_failure 2
    assert_output --partial "t.csv:2: empty value (in a category table)"
    printf 'code,category\na,x\n' > "$T/t.csv"
    run koppel-classify-condition --map --code code --rules "$T/t.csv" --as bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "already has a column 'bsn'"
    run koppel-classify-condition --map --code code --rules "$T/t.csv" "$T/in.csv"
    assert_success
    assert_output "bsn,code,category
1,a,x"
}

# ---------------------------------------------------------------- against koppel synth

@test "koppel synth: prevalences agree with an independent Python classification and the planted targets" {
    assert_file_executable "$KOPPEL_BIN/koppel-synth"
    koppel-synth --persons 30000 --gp-coverage 0.5 --seed 11 --out "$T/syn" --truth "$T/syn/truth.csv" >/dev/null
    koppel-select --overlaps registration_start,registration_end=2023-01-01..2023-12-31 \
        "$T/syn/gp_patients.csv" > "$T/patients-2023.csv"
    run koppel-classify-condition --prevalence --year 2023 --population "$T/patients-2023.csv" \
        --subgroups --stats "$T/s.json" -o "$T/prevalence.csv" "$T/syn/gp_episodes.csv"
    assert_success
    domain_table > "$T/table.txt"
    python3 - "$T/table.txt" "$T/syn/gp_episodes.csv" "$T/patients-2023.csv" "$T/prevalence.csv" \
        "$T/syn/truth.csv" "$CONDITION_GROUPS" <<'PY'
import csv, datetime, math, sys
table, episodes, patients, output, truth, groups = sys.argv[1:7]
groups = groups.split()
Y = 2023
rules = {}  # stem -> [(group, subgroup, lookback)]
for line in open(table):
    g, s, codes, lookback = line.split()
    for code in codes.split(","):
        rules.setdefault(code, []).append((g, s, int(lookback)))
def day(text):
    return datetime.date.fromisoformat(text)
births = {}
for row in csv.DictReader(open(patients)):
    births.setdefault(row["bsn"], row["birth_date"])
flags = {bsn: set() for bsn in births}
for bsn, birth in births.items():
    b = day(birth)
    age = Y - b.year - ((12, 31) < (b.month, b.day))
    if age >= 80:
        flags[bsn].update({"frail_elderly", "frail_elderly_aged_80_plus"})
for row in csv.DictReader(open(episodes)):
    if row["bsn"] not in flags:
        continue
    code = row["icpc"].strip().upper()
    stem = code.split(".")[0]
    start = day(row["start_date"])
    end = day(row["end_date"]) if row["end_date"] else datetime.date.max
    for g, s, lookback in rules.get(stem, []):
        if start <= datetime.date(Y, 12, 31) and end >= datetime.date(Y - lookback, 1, 1):
            flags[row["bsn"]].add(g)
            if s != "-":
                flags[row["bsn"]].add(g + "_" + s)
got = {row["bsn"]: row for row in csv.DictReader(open(output))}
assert set(got) == set(flags), "persons differ"
columns = [c for c in next(csv.reader(open(output)))[1:] if c != "multimorbidity"]
for bsn, row in got.items():
    for c in columns:
        assert int(row[c]) == (c in flags[bsn]), (c, row[c])
    assert int(row["multimorbidity"]) == len([g for g in groups if g in flags[bsn]])
# planted targets (IZA 2023 prevalences): within 20% of the target plus 3 standard errors
targets = {r[2]: float(r[3]) for r in csv.reader(open(truth)) if r[0] == "condition" and r[1] == "target_prevalence"}
assert len(targets) >= 8, targets
n = len(got)
for g, target in targets.items():
    observed = sum(int(r[g]) for r in got.values()) / n
    allowed = 0.2 * target + 3 * math.sqrt(target * (1 - target) / n)
    assert abs(observed - target) <= allowed, (g, observed, target, allowed)
PY
}

# ---------------------------------------------------------------- the claims code systems

# The condition codes of the synthetic claims delivery (the code lists koppel synth draws from, documented in share/koppel/rules/README.md), typed in by hand
# for the tests (independently of share/koppel/rules): file, key (condition, or
# condition/subgroup for asthma/COPD), codes.
claims_table() {
    cat <<'EOF'
hospital mental 0329
hospital cancer 0313.401,0322.511,0303.301,0361
hospital cardiovascular 0320.202,0320.203,0320.205,0330.111
hospital neck_back 0305.111,0330.141
hospital osteoarthritis 0305.201,0305.202,0324.301
hospital diabetes 0313.221,0313.222
hospital asthma_copd/asthma 0322.211
hospital asthma_copd/copd 0322.231
paramedical cancer XX80
paramedical cardiovascular 5X60,8X52
paramedical neck_back 3XXX
paramedical osteoarthritis 2X31,4X31,6X31,7X31
paramedical asthma_copd/asthma 5X71
paramedical asthma_copd/copd 5X72
dietetics cardiovascular 05
dietetics diabetes 04
dietetics asthma_copd/asthma 06.02
dietetics asthma_copd/copd 06.01
EOF
}

# tag_codes SYSTEM RULE... : a rules file of SYSTEM with one condition per rule code, named
# r1, r2, ... in order; then tag the codes of standard input (column code) with --long.
tag_codes() {
    local system="$1"; shift
    local i=0
    echo 'condition,subgroup,code_system,codes,lookback_years,min_age' > "$T/rules.csv"
    for code in "$@"; do
        i=$((i + 1))
        echo "r$i,,$system,$code,2," >> "$T/rules.csv"
    done
    koppel-classify-condition --tag --long --code code --rules "$T/rules.csv" -
}
export -f tag_codes

# reject_reasons FILE: line and reason (up to '; expected') of each rejected record.
reject_reasons() {
    python3 -c "import csv,sys; [print(r['reject_line'], r['reject_reason'].split('; expected')[0]) for r in csv.DictReader(open(sys.argv[1]))]" "$1"
}

@test "claims codes: DBC, DCSPH, DIET and ICD10 input codes are validated; case and space normalised; ids never shown" {
    check_system() { # SYSTEM RULE: tag $T/in.csv with --rejects; the output codes and the reasons
        printf 'condition,subgroup,code_system,codes,lookback_years,min_age\na,,%s,%s,2,\n' "$1" "$2" > "$T/r.csv"
        run koppel-classify-condition --tag --code code --rules "$T/r.csv" --rejects "$T/rej.csv" \
            --stats "$T/s.json" -o "$T/out.csv" "$T/in.csv"
        assert_success
        refute_output --partial secretid
        assert_counts_balance "$T/s.json"
    }
    printf 'bsn,code\nsecretid1,0320.202\nsecretid2, 0329.101 \nsecretid3,0329\nsecretid4,320.202\nsecretid5,0320.20\nsecretid6,0320202\nsecretid7,123456782\nsecretid8,\n' > "$T/in.csv"
    check_system DBC 0329
    run cat "$T/out.csv"
    assert_output "bsn,code,a
secretid1,0320.202,0
secretid2, 0329.101 ,1
secretid8,,0"
    run reject_reasons "$T/rej.csv"
    # four digits in a row or six in all cannot be told from identifiers: described, not shown
    assert_output "4 column 'code': the value (not shown: it could be an identifier) is not a DBC code
5 column 'code': the value (not shown: it could be an identifier) is not a DBC code
6 column 'code': the value (not shown: it could be an identifier) is not a DBC code
7 column 'code': the value (not shown: it could be an identifier) is not a DBC code
8 column 'code': the value (not shown: it could be an identifier) is not a DBC code"
    run grep -c "expected a four-digit specialism, a dot and a three-digit diagnosis" "$T/rej.csv"
    assert_output 5

    printf 'bsn,code\nsecretid1,3120\nsecretid2,\t3180 \nsecretid3,3X20\nsecretid4,312\nsecretid5,31200\nsecretid6,31a0\nsecretid7,x180\n' > "$T/in.csv"
    check_system DCSPH XX80
    run cut -d, -f3 "$T/out.csv"
    assert_output "a
0
1"
    run reject_reasons "$T/rej.csv"
    assert_output "4 column 'code': '3X20' is not a DCSPH code
5 column 'code': '312' is not a DCSPH code
6 column 'code': the value (not shown: it could be an identifier) is not a DCSPH code
7 column 'code': '31a0' is not a DCSPH code
8 column 'code': 'x180' is not a DCSPH code"

    printf 'bsn,code\nsecretid1,04.02\nsecretid2, 05.01\nsecretid3,04\nsecretid4,4.02\nsecretid5,04.2\nsecretid6,04-02\nsecretid7,04.021\n' > "$T/in.csv"
    check_system DIET 04
    run cut -d, -f3 "$T/out.csv"
    assert_output "a
1
0"
    run reject_reasons "$T/rej.csv"
    assert_output "4 column 'code': '04' is not a DIET code
5 column 'code': '4.02' is not a DIET code
6 column 'code': '04.2' is not a DIET code
7 column 'code': '04-02' is not a DIET code
8 column 'code': '04.021' is not a DIET code"

    printf 'bsn,code\nsecretid1,I21\nsecretid2, i21.4 \nsecretid3,U07.1\nsecretid4,I21.45\nsecretid5,I2\nsecretid6,I21.\nsecretid7,I21.456\nsecretid8,121\nsecretid9,I214\n' > "$T/in.csv"
    check_system ICD10 I21
    run cut -d, -f3 "$T/out.csv"
    assert_output "a
1
1
0
1"
    run reject_reasons "$T/rej.csv"
    assert_output "6 column 'code': 'I2' is not an ICD10 code
7 column 'code': 'I21.' is not an ICD10 code
8 column 'code': 'I21.456' is not an ICD10 code
9 column 'code': '121' is not an ICD10 code
10 column 'code': 'I214' is not an ICD10 code"
}

@test "claims codes: without --rejects a bad code stops the run with file:line and no identifier" {
    printf 'bsn,diagnosis_code\nsecretid1,3120\nsecretid2,3X20\n' > "$T/c.csv"
    run koppel-classify-condition --tag --code diagnosis_code --rules "$KOPPEL_SHARE/rules/iza-claims-paramedical.csv" "$T/c.csv"
    assert_failure 1
    assert_output --partial "koppel-classify-condition: $T/c.csv:3: column 'diagnosis_code': '3X20' is not a DCSPH code; expected four digits"
    refute_output --partial secretid
}

@test "DBC: a specialism rule matches every code of the specialism, a full code only itself" {
    run tag_codes DBC 0329 0320.202 <<'EOF'
code
0329.101
0329.999
0320.202
0320.203
0328.101
EOF
    assert_success
    assert_output "code,condition
0329.101,r1
0329.999,r1
0320.202,r2
0320.203,
0328.101,"
}

@test "DCSPH: X is any one digit in a rule code (XX80, 3XXX, 5X71, a full code); a code may match several" {
    run tag_codes DCSPH XX80 3XXX 5X71 3120 <<'EOF'
code
1280
3180
3120
5171
5971
5172
4171
8100
EOF
    assert_success
    # by hand: 1280 has pathology 80; 3180 is spine and pathology 80; 3120 is spine and listed
    # itself; 5171 and 5971 are thorax with pathology 71; 5172, 4171 and 8100 match nothing
    assert_output "code,condition
1280,r1
3180,r1
3180,r2
3120,r2
3120,r4
5171,r3
5971,r3
5172,
4171,
8100,"
}

@test "DIET: a group rule matches the codes of the group, a full code only itself" {
    run tag_codes DIET 04 06.02 <<'EOF'
code
04.01
04.99
06.02
06.01
40.04
EOF
    assert_success
    assert_output "code,condition
04.01,r1
04.99,r1
06.02,r2
06.01,
40.04,"
}

@test "ICD10: a rule code matches itself and its dotted sub-codes, not a code that merely starts alike" {
    run tag_codes ICD10 I21 I21.4 U07.1 <<'EOF'
code
I21
I21.4
I21.45
I21.3
U07.1
U07.2
I22
EOF
    assert_success
    assert_output "code,condition
I21,r1
I21.4,r1
I21.4,r2
I21.45,r1
I21.45,r2
I21.3,r1
U07.1,r3
U07.2,
I22,"
}

@test "claims rules files: a rule code that is not of the file's system is status 2 with file and line" {
    printf 'bsn,code\n' > "$T/e.csv"
    check_rule() { # expected message, system, codes
        printf 'condition,subgroup,code_system,codes,lookback_years,min_age\nok,,%s,%s,2,\nbad,,%s,%s,2,\n' \
            "$2" "$3" "$2" "$4" > "$T/r.csv"
        run koppel-classify-condition --tag --code code --rules "$T/r.csv" "$T/e.csv"
        assert_failure 2
        assert_output --partial "$1"
    }
    check_rule "r.csv:3: column 'codes': '329' is not a DBC code; expected a four-digit specialism (0329) or a full code (0320.202)" DBC 0329 329
    check_rule "r.csv:3: column 'codes': '0329.1' is not a DBC code" DBC 0329 0329.1
    check_rule "r.csv:3: column 'codes': '3Y20' is not a DCSPH code; expected four characters, each a digit or the wildcard X" DCSPH 3XXX 3Y20
    check_rule "r.csv:3: column 'codes': 'XX8' is not a DCSPH code" DCSPH 3XXX XX8
    check_rule "r.csv:3: column 'codes': '4' is not a DIET code; expected a two-digit group (04) or a full code (04.02)" DIET 04 4
    check_rule "r.csv:3: column 'codes': 'I2X' is not an ICD10 code" ICD10 I21 I2X
    printf 'condition,subgroup,code_system,codes,lookback_years,min_age\na,,DBC,0329,2,\nb,,DIET,04,2,\n' > "$T/r.csv"
    run koppel-classify-condition --tag --code code --rules "$T/r.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "r.csv:3: code system DIET differs from DBC on line 2"
    # a rule code of another system is no rule code of this one
    printf 'condition,subgroup,code_system,codes,lookback_years,min_age\na,,DCSPH,0329,2,\nb,,DCSPH,0320.202,2,\n' > "$T/r.csv"
    run koppel-classify-condition --tag --code code --rules "$T/r.csv" "$T/e.csv"
    assert_failure 2
    assert_output --partial "r.csv:3: column 'codes': '0320.202' is not a DCSPH code"
    # lower case x is a wildcard too (rule codes are normalised like input codes)
    printf 'condition,subgroup,code_system,codes,lookback_years,min_age\na,,dcsph,xx80,2,\n' > "$T/r.csv"
    run bash -c "printf 'code\n3180\n' | koppel-classify-condition --tag --code code --rules '$T/r.csv'"
    assert_success
    assert_output "code,a
3180,1"
}

# claims_prevalence TABLE FILE [OPTION...]: prevalence in 2023 of FILE's diagnosis codes by the
# shipped iza-claims-TABLE.csv.
claims_prevalence() {
    koppel-classify-condition --prevalence --year 2023 --code diagnosis_code \
        --rules "$KOPPEL_SHARE/rules/iza-claims-$1.csv" "${@:3}" "$2"
}

@test "prevalence from claims with the shipped tables: DCSPH, DBC and DIET, chronic window, worked by hand" {
    # reference year 2023, every claims rule chronic: a claim counts when it overlaps 2021-01-01..2023-12-31
    cat > "$T/physio.csv" <<'EOF'
bsn,discipline,diagnosis_code,start_date,end_date
p1,physio,3120,2023-03-01,2023-03-01
p1,physio,5171,2020-12-31,2020-12-31
p2,physio,3280,2021-01-01,2021-01-01
p3,exercise,6231,2022-06-01,2022-06-01
p3,exercise, 5172 ,2023-02-02,2023-02-02
p4,physio,8152,2024-01-02,2024-01-02
p4,physio,8110,2023-01-01,2023-01-01
p5,physio,5160,2023-05-05,2023-05-05
p6,exercise,4121,2023-05-05,2023-05-05
EOF
    run claims_prevalence paramedical "$T/physio.csv"
    assert_success
    # p1: 3120 spine (3XXX); 5171 (asthma) ends before the window. p2: 3280 spine and oncology.
    # p3: 6231 pelvis osteoarthritis, 5172 COPD. p4: 8152 after the year, 8110 no condition.
    # p5: 5160 thorax cardiac. p6: 4121 no condition.
    assert_output "bsn,cancer,cardiovascular,neck_back,osteoarthritis,asthma_copd,multimorbidity
p1,0,0,1,0,0,1
p2,1,0,1,0,0,2
p3,0,0,0,1,1,2
p4,0,0,0,0,0,0
p5,0,1,0,0,0,1
p6,0,0,0,0,0,0"

    cat > "$T/hospital.csv" <<'EOF'
bsn,discipline,diagnosis_code,start_date,end_date
q1,hospital,0329.101,2021-06-01,2021-06-03
q1,hospital,0320.202,2023-11-30,2024-02-01
q2,hospital,0320.204,2023-01-10,2023-01-10
q2,hospital,0361.999,2022-01-10,2022-01-10
q3,hospital,0313.221,2020-12-01,2021-01-01
q4,hospital,0322.231,2019-01-01,2020-12-31
EOF
    run claims_prevalence hospital "$T/hospital.csv"
    assert_success
    # q1: psychiatry (0329) and 0320.202; q2: 0320.204 is not listed, 0361 is a specialism rule;
    # q3: overlaps 1 January 2021 by its last day; q4 ends on 31 December 2020
    assert_output "bsn,mental,cancer,cardiovascular,neck_back,osteoarthritis,diabetes,asthma_copd,multimorbidity
q1,1,0,1,0,0,0,0,2
q2,0,1,0,0,0,0,0,1
q3,0,0,0,0,0,1,0,1
q4,0,0,0,0,0,0,0,0"

    cat > "$T/dietetics.csv" <<'EOF'
bsn,discipline,diagnosis_code,start_date,end_date
r1,dietetics,04.02,2023-04-01,2023-04-01
r1,dietetics,05.01,2022-04-01,2022-04-01
r2,dietetics,06.02,2021-04-01,2021-04-01
r3,dietetics,06.03,2023-04-01,2023-04-01
r3,dietetics,07.01,2023-04-01,2023-04-01
EOF
    run claims_prevalence dietetics "$T/dietetics.csv" --subgroups
    assert_success
    assert_output "bsn,cardiovascular,diabetes,asthma_copd,diabetes_type_1_2,asthma_copd_asthma,asthma_copd_copd,multimorbidity
r1,1,1,0,1,0,0,2
r2,0,0,1,0,1,0,1
r3,0,0,0,0,0,0,0"
}

@test "the shipped claims and label tables load without error" {
    for table in iza-claims-hospital iza-claims-paramedical iza-claims-dietetics; do
        run bash -c "printf 'bsn,code\n' | koppel-classify-condition --tag --code code --rules '$KOPPEL_SHARE/rules/$table.csv'"
        assert_success
    done
    for table in dcsph-labels dietetics-labels icd10-blocks icd10-block-labels icpc-labels; do
        run bash -c "printf 'code\n' | koppel-derive --lookup label=code:'$KOPPEL_SHARE/rules/$table.csv'"
        assert_success
        assert_output "code,label"
    done
    run cat "$KOPPEL_SHARE/rules/iza-claims-declarations.csv"
    assert_output "condition,discipline,declaration_code
cardiovascular,physio,1001
cardiovascular,exercise,1001
cardiovascular,skin,1001"
}

@test "the shipped claims tables hold exactly the condition codes koppel synth draws for its claims, all chronic" {
    claims_table > "$T/spec.txt"
    run python3 - "$T/spec.txt" "$KOPPEL_SHARE/rules" <<'PY'
import csv, sys
spec_file, rules = sys.argv[1:3]
systems = {"hospital": "DBC", "paramedical": "DCSPH", "dietetics": "DIET"}
spec = {}
for line in open(spec_file):
    table, key, codes = line.split()
    spec.setdefault(table, {})[key] = set(codes.split(","))
for table, system in systems.items():
    shipped = {}
    for row in csv.DictReader(open("%s/iza-claims-%s.csv" % (rules, table))):
        assert row["code_system"] == system, (table, row)
        assert row["lookback_years"] == "2" and row["duration"] == "chronic", (table, row)
        key = row["condition"] + ("/" + row["subgroup"] if row["condition"] == "asthma_copd" else "")
        shipped.setdefault(key, set()).update(row["codes"].split())
    assert shipped == spec[table], (table, shipped, spec[table])
    for group in ("frail_elderly", "intellectual_disability"):
        assert group not in shipped, (table, group)
print("agree")
PY
    assert_success
    assert_output agree
}

@test "label tables cover every claims code koppel synth draws and every ICPC code synth writes" {
    # DCSPH codes koppel synth draws, concrete and as the rule patterns' locations, in top-15 form LXPP
    for code in 3120 3220 6120 7121 7221 2120 4121 8110 8140 8190 1120 8160 5160 8152 3131 2131 4131 6131 7131 5171 5172 1180 2180 3180 4180 5180 6180 7180 8180; do
        echo "${code:0:1}X${code:2:2}"
    done | sort -u > "$T/dcsph.txt"
    run bash -c "cut -d, -f1 '$KOPPEL_SHARE/rules/dcsph-labels.csv' | sort | comm -23 '$T/dcsph.txt' -"
    assert_success
    assert_output ""
    printf '%s\n' 01.01 01.02 02.01 03.01 07.01 05.01 04.02 06.01 06.02 | sort > "$T/diet.txt"
    run bash -c "cut -d, -f1 '$KOPPEL_SHARE/rules/dietetics-labels.csv' | sort | comm -23 '$T/diet.txt' -"
    assert_output ""
    printf '%s\n' S00.0 S01.8 S52.5 S62.6 S82.0 S93.4 R07.4 R10.4 R55 I21.4 I63.9 J44.1 J18.9 N39.0 T78.4 U07.1 F41.0 E11.6 \
        | cut -c1-3 | sort -u > "$T/icd10.txt"
    run bash -c "cut -d, -f1 '$KOPPEL_SHARE/rules/icd10-blocks.csv' | sort | comm -23 '$T/icd10.txt' -"
    assert_output ""
    run grep -c . "$KOPPEL_SHARE/rules/icd10-blocks.csv"
    assert_output 19
    # blocks by hand from the WHO ICD-10 chapters
    run grep -E '^(I21|S62|U07|J18),' "$KOPPEL_SHARE/rules/icd10-blocks.csv"
    assert_output "I21,I20-I25
J18,J09-J18
S62,S60-S69
U07,U00-U49"
    run grep -E '^(I20-I25|J09-J18|S60-S69|U00-U49),' "$KOPPEL_SHARE/rules/icd10-block-labels.csv"
    assert_output "I20-I25,ischaemic heart diseases
J09-J18,influenza and pneumonia
S60-S69,injuries to the wrist and hand
U00-U49,provisional assignment of new diseases of uncertain aetiology or emergency use"
    # every block has its label
    run bash -c "cut -d, -f2 '$KOPPEL_SHARE/rules/icd10-blocks.csv' | tail -n +2 | sort -u | comm -23 - <(cut -d, -f1 '$KOPPEL_SHARE/rules/icd10-block-labels.csv' | sort)"
    assert_output ""
    # ICPC: the out-of-hours codes koppel synth draws and every main code of synth's GP contacts
    koppel-synth --persons 3000 --seed 5 --out "$T/syn" > /dev/null
    { printf '%s\n' R74 S18 L81 A04 K77 N17 U71 R78 D01 H71 S01 A90
      python3 -c "import csv,sys; [print(r['icpc'][:3]) for r in csv.DictReader(open(sys.argv[1])) if r['icpc']]" "$T/syn/gp_contacts.csv"
    } | sort -u > "$T/icpc.txt"
    run bash -c "cut -d, -f1 '$KOPPEL_SHARE/rules/icpc-labels.csv' | sort | comm -23 '$T/icpc.txt' -"
    assert_output ""
    # rubric titles of ICPC-2 (WONCA), typed in by hand
    run grep -E '^(K90|L84|P74|R95|T90),' "$KOPPEL_SHARE/rules/icpc-labels.csv"
    assert_output "K90,Stroke/cerebrovascular accident
L84,Back syndrome without radiating pain
P74,Anxiety disorder/anxiety state
R95,Chronic obstructive pulmonary disease
T90,Diabetes non-insulin dependent"
}

@test "top-15 forms: derive --mask gives DCSPH LXPP and the ICPC/ICD-10 main code, then the label" {
    cat > "$T/c.csv" <<'EOF'
bsn,discipline,diagnosis_code
p1,physio,3120
p2,physio, 3220
p3,exercise,7221
p4,hap,t90.02
p5,seh,I21.4
p6,seh,R55
EOF
    head -4 "$T/c.csv" > "$T/physio.csv"
    run koppel-derive --mask group=diagnosis_code:?X?? "$T/physio.csv"
    assert_success
    assert_line --index 1 "p1,physio,3120,3X20"
    assert_line --index 2 "p2,physio, 3220,3X20"
    assert_line --index 3 "p3,exercise,7221,7X21"
    run bash -c "koppel-derive --mask group=diagnosis_code:?X?? '$T/physio.csv' \
        --lookup label=group:'$KOPPEL_SHARE/rules/dcsph-labels.csv' | cut -d, -f4-"
    assert_output 'group,label
3X20,"spine: muscle, tendon and fascia"
3X20,"spine: muscle, tendon and fascia"
7X21,"knee, lower leg and foot: joint complaints"'
    run bash -c "koppel-select --eq discipline=hap '$T/c.csv' | koppel-derive --mask main=diagnosis_code:??? \
        --lookup label=main:'$KOPPEL_SHARE/rules/icpc-labels.csv' | cut -d, -f4-"
    assert_output "main,label
T90,Diabetes non-insulin dependent"
    run bash -c "koppel-select --eq discipline=seh '$T/c.csv' | koppel-derive --mask main=diagnosis_code:??? \
        --lookup block=main:'$KOPPEL_SHARE/rules/icd10-blocks.csv' \
        --lookup label=block:'$KOPPEL_SHARE/rules/icd10-block-labels.csv' | cut -d, -f4-"
    assert_output "main,block,label
I21,I20-I25,ischaemic heart diseases
R55,R50-R69,general symptoms and signs"
}
