#!/usr/bin/env bats
# standardise.bats: crude, direct and indirect standardisation against published worked examples
# and an independent python3 implementation of the formulas of docs/METHODS.md (fixtures/
# standardise/reference.py: standard library only, exact limits by bisection on the Poisson CDF);
# means of per-person counts against python3 on the persons, and their coverage by simulation
# (fixtures/standardise/coverage.py); comparisons of proportions of groups that share persons
# (--overlap) by hand, from persons, paired, and by simulation.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/standardise"
    T="$BATS_TEST_TMPDIR"
}

# against_reference ARGS... FILE: koppel standardise (15 digits) agrees with reference.py.
against_reference() {
    koppel standardise --digits 15 "$@" > "$T/got.csv"
    python3 "$F/reference.py" --check "$T/got.csv" "$@"
}

# value FILE ROW COLUMN: a field of a CSV file (ROW 1 is the first data row; the fields read
# hold no quoted delimiter).
value() {
    awk -F, -v row="$2" -v name="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) column = i; next }
        NR == row + 1 { print $column; exit }' "$1"
}

# near A B TOLERANCE: |A - B| <= TOLERANCE
near() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {
        if (a - b <= t && b - a <= t) exit 0
        printf "%.15g is not within %g of %.15g\n", a, t, b; exit 1 }'
}

# calc EXPRESSION: an awk expression, printed with 15 digits
calc() {
    awk "BEGIN { printf \"%.15g\\n\", $1 }"
}

@test "usage example: ESP2013 age-sex standardised proportions per district, compared with Centrum" {
    run against_reference --method direct --standard esp2013 --strata age_band,sex \
        -g district --events wmo_users --population persons --measure proportion \
        --compare-to district=Centrum "$F/counts.csv"
    assert_success
    run koppel standardise --method direct --standard esp2013 --strata age_band,sex \
        -g district --events wmo_users --population persons --measure proportion \
        --compare-to district=Centrum "$F/counts.csv"
    assert_success
    assert_line --index 0 "district,observed,population,crude_rate,crude_lower,crude_upper,std_rate,std_lower,std_upper,ratio,ratio_lower,ratio_upper,difference,difference_lower,difference_upper,significant,note"
    assert_line --index 1 --regexp '^Centrum,.*,1,,,0,,,,reference group of the comparison$'
    # Zuid has nobody in 90+ F, which has ESP weight 1000: no standardised proportion
    assert_line --index 3 --regexp '^Zuid,.*"population 0 in stratum age_band=90\+, sex=F with positive weight: standardised proportion not defined; no rate for this group: no comparison"$'
}

@test "published: Fleiss (1981) Table 14.4, DSR 75.52901 per 100,000 for birth order 5+ (Fay & Feuer 1997; dsrTest vignette)" {
    run koppel standardise --method direct --standard "$F/fleiss-standard.csv" --weight-column births \
        --strata maternal_age -g order --events cases --population births --multiplier 100000 \
        "$F/fleiss.csv"
    assert_success
    koppel standardise --method direct --standard "$F/fleiss-standard.csv" --weight-column births \
        --strata maternal_age -g order --events cases --population births --multiplier 100000 \
        "$F/fleiss.csv" > "$T/out.csv"
    near "$(value "$T/out.csv" 1 std_rate)" 75.52901 0.000005
    # the stratum "Under 20" has no events; O = 740
    [ "$(value "$T/out.csv" 1 observed)" = 740 ]
    # Dobson limits with Byar limits on O = 740, and the crude rates: independent python3
    run against_reference --method direct --standard "$F/fleiss-standard.csv" --weight-column births \
        --strata maternal_age -g order --events cases --population births --multiplier 100000 \
        --compare-to order=1 "$F/fleiss.csv"
    assert_success
}

@test "published: SAS PROC STDRATE Getting Started, skin cancer Florida 2000 against the US: expected events and SMR" {
    # one group: the whole of Florida
    awk -F, -v OFS=, 'NR==1 {print "state",$0; next} {print "Florida",$0}' "$F/florida-c43.csv" > "$T/florida.csv"
    koppel standardise --method indirect --reference "$F/us-c43.csv" --strata age -g state \
        --events deaths --population person_years --multiplier 100000 "$T/florida.csv" > "$T/out.csv"
    # published expected events per band to 3 decimals sum to 528.726 (each within 0.0005)
    near "$(value "$T/out.csv" 1 expected)" 528.726 0.005
    near "$(value "$T/out.csv" 1 smr)" "$(calc '538/528.726')" 0.00001
    run against_reference --method indirect --reference "$F/us-c43.csv" --strata age -g state \
        --events deaths --population person_years --multiplier 100000 "$T/florida.csv"
    assert_success
    # one group per age band: the published "Strata SMR Estimates"
    awk -F, -v OFS=, 'NR==1 {print "band",$0; next} {print $1,$0}' "$F/florida-c43.csv" > "$T/bands.csv"
    koppel standardise --method indirect --reference "$F/us-c43.csv" --strata age -g band \
        --events deaths --population person_years --multiplier 100000 "$T/bands.csv" > "$T/bands-out.csv"
    local row band expected smr
    while IFS=, read -r row band expected smr; do
        [ "$(value "$T/bands-out.csv" "$row" band)" = "$band" ]
        near "$(value "$T/bands-out.csv" "$row" expected)" "$expected" 0.0005
        [ -z "$smr" ] || near "$(value "$T/bands-out.csv" "$row" smr)" "$smr" 0.00005
    done <<'EOF'
2,05-14,0.049,0.0000
3,15-24,1.972,2.0280
4,25-34,9.127,1.5339
5,35-44,32.676,1.3160
6,45-54,66.445,1.0836
7,55-64,83.112,0.8422
8,65-74,128.837,
9,75-84,142.878,
10,85+,63.630,
EOF
    # 00-04: no US deaths, so nothing is expected and the SMR is not defined
    [ "$(value "$T/bands-out.csv" 1 smr)" = "" ]
    [ "$(value "$T/bands-out.csv" 1 note)" = "expected 0: SMR not defined" ]
    run against_reference --method indirect --reference "$F/us-c43.csv" --strata age -g band \
        --events deaths --population person_years --multiplier 100000 "$T/bands.csv"
    assert_success
}

@test "O = 9, 10 and 11: exact limits below 10, Byar from 10; the DSR is not reported below 10" {
    cat > "$T/small.csv" <<'EOF'
g,age_band,events,persons
nine,young,2,1000
nine,middle,3,800
nine,old,4,200
ten,young,2,1000
ten,middle,3,800
ten,old,5,200
eleven,young,2,1000
eleven,middle,4,800
eleven,old,5,200
EOF
    printf 'age_band,weight\nyoung,5000\nmiddle,3000\nold,2000\n' > "$T/standard.csv"
    koppel standardise --method direct --standard "$T/standard.csv" --strata age_band -g g \
        --events events --population persons "$T/small.csv" > "$T/out.csv"
    # O = 9: exact limits; Garwood (1936) table: 4.1154 .. 17.0848, per 2000 persons per 1000
    near "$(value "$T/out.csv" 1 crude_lower)" "$(calc '4.1154/2')" 0.00003
    near "$(value "$T/out.csv" 1 crude_upper)" "$(calc '17.0848/2')" 0.00003
    [ "$(value "$T/out.csv" 1 std_rate)" = "" ]
    [ "$(value "$T/out.csv" 1 note)" = "O < 10: DSR not reported" ]
    # O = 10: Byar, by hand: 10*(1 - 1/90 - z/(3 sqrt 10))^3 / 2000 * 1000
    near "$(value "$T/out.csv" 2 crude_lower)" "$(calc '10 * (1 - 1/90 - 1.959963984540054 / (3 * sqrt(10)))^3 / 2')" 1e-9
    [ -n "$(value "$T/out.csv" 2 std_rate)" ]
    # DSR of ten by hand: (5000*2/1000 + 3000*3/800 + 2000*5/200) / 10000 * 1000 = 7.125
    near "$(value "$T/out.csv" 2 std_rate)" 7.125 1e-9
    [ -n "$(value "$T/out.csv" 3 std_rate)" ]
    [ "$(value "$T/out.csv" 3 note)" = "" ]
    run against_reference --method direct --standard "$T/standard.csv" --strata age_band -g g \
        --events events --population persons "$T/small.csv"
    assert_success
    run against_reference --method indirect --reference internal --strata age_band -g g \
        --events events --population persons "$T/small.csv"
    assert_success
}

@test "proportions near 0 and 1: Wilson limits as published by Newcombe (1998), Table II" {
    cat > "$T/props.csv" <<'EOF'
g,yes,n
a,81,263
b,15,148
c,0,20
d,1,29
e,28,29
f,20,20
EOF
    koppel standardise --method crude --measure proportion --multiplier 1 -g g --events yes \
        --population n "$T/props.csv" > "$T/out.csv"
    local row lower upper
    while IFS=, read -r row lower upper; do
        near "$(value "$T/out.csv" "$row" crude_lower)" "$lower" 0.00005
        near "$(value "$T/out.csv" "$row" crude_upper)" "$upper" 0.00005
    done <<'EOF'
1,0.2553,0.3662
2,0.0624,0.1605
3,0.0000,0.1611
4,0.0061,0.1718
5,0.8282,0.9939
EOF
    [ "$(value "$T/out.csv" 3 crude_lower)" = 0 ]
    [ "$(value "$T/out.csv" 6 crude_upper)" = 1 ]
    run against_reference --method crude --measure proportion -g g --events yes --population n "$T/props.csv"
    assert_success
    # standardised proportions near 0 and near 1 (binomial variance, normal interval)
    cat > "$T/strata.csv" <<'EOF'
g,sex,yes,n
rare,M,0,400
rare,F,2,350
common,M,398,400
common,F,350,350
EOF
    run against_reference --method direct --standard internal --measure proportion --strata sex \
        -g g --events yes --population n --compare-to g=common "$T/strata.csv"
    assert_success
}

@test "internal standard: the pooled population; one group alone gets its crude rate back" {
    run against_reference --method direct --standard internal --strata age_band,sex -g district \
        --events wmo_users --population persons --compare-to district=Noord "$F/counts.csv"
    assert_success
    # by hand: with one group the weights are its own populations, so the DSR is the crude rate
    grep -e '^district' -e '^Noord' "$F/counts.csv" > "$T/noord.csv"
    koppel standardise --method direct --standard internal --strata age_band,sex -g district \
        --events wmo_users --population persons "$T/noord.csv" > "$T/out.csv"
    near "$(value "$T/out.csv" 1 std_rate)" "$(value "$T/out.csv" 1 crude_rate)" 1e-8
    run against_reference --method indirect --reference internal --strata age_band,sex -g district \
        --events wmo_users --population persons --compare-to district=Noord "$F/counts.csv"
    assert_success
}

@test "ESP2013 with age_band,sex gives both sexes the ESP weights, as a standard file listing both does" {
    # the ESP2013 weights as published (Eurostat 2013), typed in here for both sexes
    local weights="5000 5500 5500 5500 6000 6000 6500 7000 7000 7000 7000 6500 6000 5500 5000 4000 2500 1500 1000"
    awk -v weights="$weights" 'BEGIN {
        print "sex,age_band,esp"; n = split(weights, w, " ")
        for (s = 1; s <= 2; s++)
            for (i = 1; i <= n; i++)
                printf "%s,%s,%d\n", (s == 1 ? "F" : "M"), (i < n ? (5*i-5) "-" (5*i-1) : "90+"), w[i] }' > "$T/esp-sex.csv"
    koppel standardise --method direct --standard esp2013 --strata age_band,sex -g district \
        --events wmo_users --population persons "$F/counts.csv" > "$T/a.csv"
    koppel standardise --method direct --standard "$T/esp-sex.csv" --weight-column esp \
        --strata age_band,sex -g district --events wmo_users --population persons "$F/counts.csv" > "$T/b.csv"
    run diff "$T/a.csv" "$T/b.csv"
    assert_success
    run against_reference --method direct --standard esp2013 --strata age_band,sex -g district \
        --events wmo_users --population persons --multiplier 100000 "$F/counts.csv"
    assert_success
}

@test "the shipped ESP2013: 19 bands labelled as koppel derive labels them, weights as published" {
    assert_file_exists "$PROJECT_ROOT/share/koppel/standards/esp2013.csv"
    { echo age; seq 0 99; } > "$T/ages.csv"
    (set -o pipefail; koppel derive --band age_band=age:esp2013 "$T/ages.csv" | cut -d, -f2 | tail -n +2 | uniq > "$T/labels")
    cut -d, -f1 "$PROJECT_ROOT/share/koppel/standards/esp2013.csv" | tail -n +2 > "$T/shipped"
    run diff "$T/labels" "$T/shipped"
    assert_success
    run bash -c "cut -d, -f2 '$PROJECT_ROOT/share/koppel/standards/esp2013.csv' | tail -n +2 | paste -sd' '"
    assert_output "5000 5500 5500 5500 6000 6000 6500 7000 7000 7000 7000 6500 6000 5500 5000 4000 2500 1500 1000"
}

@test "--compare-to with two group columns compares within the other group column" {
    # two years: 2023 has a quarter more users (whole numbers, at most the population)
    awk -F, -v OFS=, 'NR == 1 { print "year", $0; next }
        { rows[NR] = $0; x[NR] = $5; n[NR] = $4; last = NR }
        END { for (y = 2022; y <= 2023; y++) for (i = 2; i <= last; i++) {
                  split(rows[i], f, ","); users = x[i] + (y == 2023 ? int(x[i] / 4) : 0)
                  if (users > n[i]) users = n[i]
                  print y, f[1], f[2], f[3], f[4], users } }' "$F/counts.csv" > "$T/years.csv"
    run against_reference --method direct --standard internal --strata age_band,sex \
        -g year,district --events wmo_users --population persons --measure proportion \
        --compare-to district=Noord "$T/years.csv"
    assert_success
    koppel standardise --method direct --standard internal --strata age_band,sex -g year,district \
        --events wmo_users --population persons --compare-to district=Noord "$T/years.csv" > "$T/out.csv"
    # Noord of each year is its own year's reference group
    [ "$(value "$T/out.csv" 2 note)" = "reference group of the comparison" ]
    [ "$(value "$T/out.csv" 5 note)" = "reference group of the comparison" ]
    [ "$(value "$T/out.csv" 4 year)" = 2023 ]
    # significant is 1 exactly when the ratio's interval excludes 1
    run awk -F, 'NR > 1 && $12 != "" {
        if (($12 > 1 || $13 < 1) != ($17 == 1)) { print "line " NR ": " $0; bad = 1 } }
        END { exit bad }' "$T/out.csv"
    assert_success
    run awk -F, 'NR > 1 && $17 == 1' "$T/out.csv"
    refute_output ""
}

@test "indirect with a reference file joined on age only: the other strata use the same rates" {
    cat > "$T/reference.csv" <<'EOF'
age_band,deaths,pop
0-4,10,100000
5-9,5,120000
10-14,8,110000
15-19,20,100000
20-24,30,90000
25-29,31,90000
30-34,40,95000
35-39,50,99000
40-44,60,98000
45-49,80,97000
50-54,110,96000
55-59,150,90000
60-64,220,85000
65-69,300,80000
70-74,420,70000
75-79,600,60000
80-84,800,40000
85-89,900,20000
90+,700,8000
EOF
    run against_reference --method indirect --reference "$T/reference.csv" --reference-events deaths \
        --reference-population pop --strata age_band,sex -g district --events wmo_users \
        --population persons --compare-to district=Centrum "$F/counts.csv"
    assert_success
}

@test "--confidence, --multiplier and --digits" {
    run against_reference --method direct --standard "$F/fleiss-standard.csv" --weight-column births \
        --strata maternal_age -g order --events cases --population births --multiplier 1000 \
        --confidence 0.998 --compare-to order=1 "$F/fleiss.csv"
    assert_success
    run against_reference --method crude -g order --events cases --population births --confidence 0.9 "$F/fleiss.csv"
    assert_success
    run koppel standardise --method direct --standard "$F/fleiss-standard.csv" --weight-column births \
        --strata maternal_age -g order --events cases --population births --multiplier 100000 \
        --digits 4 "$F/fleiss.csv"
    assert_success
    assert_line --index 1 --regexp '^5\+,740,442811,167\.1,155\.3,179\.6,75\.53,'
    # the default is 10 significant digits: 75.52900745
    run koppel standardise --method direct --standard "$F/fleiss-standard.csv" --weight-column births \
        --strata maternal_age -g order --events cases --population births --multiplier 100000 "$F/fleiss.csv"
    assert_line --index 1 --regexp ',75\.52900745,'
    # without -g the whole input is one group
    run koppel standardise --method crude --events cases --population births "$F/fleiss.csv"
    assert_success
    assert_line --index 0 "observed,population,crude_rate,crude_lower,crude_upper,note"
    assert_line --index 1 --regexp '^1152,1173988,'
}

@test "Dobson lower limit below 0 with very uneven weights: clipped to 0, with a note (issue 23)" {
    # By hand: strata one (1 event in 1 person) and two (9 in 9000), weights 1 and 1. O = 10,
    # DSR = (1/1 + 9/9000) / 2 = 0.5005, var = (1 * 1^2 + 9 * (1/9000)^2) / 2^2 = 0.25000003,
    # Byar O_L = 10 (1 - 1/90 - 1.959964/(3 sqrt 10))^3 = 4.7875, so the lower limit
    # 0.5005 + sqrt(var/10) (4.7875 - 10) = 0.5005 - 0.8242 = -0.3237 per person: below 0.
    printf 'g,s,x,n\na,one,1,1\na,two,9,9000\nb,one,5,1000\nb,two,5,1000\n' > "$T/uneven.csv"
    printf 's,weight\none,1\ntwo,1\n' > "$T/uneven-standard.csv"
    run python3 -c '
import math
z = 1.959963984540054
o = 10; lower_o = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
dsr = (1 / 1 + 9 / 9000) / 2; var = (1 * 1 ** 2 + 9 * (1 / 9000) ** 2) / 4
print(round(dsr + math.sqrt(var / o) * (lower_o - o), 4))'
    assert_output "-0.3237"
    run koppel standardise --method direct --standard "$T/uneven-standard.csv" --strata s -g g \
        --events x --population n --multiplier 1 "$T/uneven.csv"
    assert_success
    assert_line --index 1 --regexp '^a,10,9001,[^,]+,[^,]+,[^,]+,0\.5005,0,1\.827[0-9]*,Dobson lower limit below 0 \(very uneven weights\): clipped to 0$'
    # b, with even weights, keeps its positive lower limit and no note.
    assert_line --index 2 --regexp '^b,10,2000,[^,]+,[^,]+,[^,]+,0\.005,0\.00[0-9]*,[^,]+,$'
    run against_reference --method direct --standard "$T/uneven-standard.csv" --strata s -g g \
        --events x --population n --multiplier 1 "$T/uneven.csv"
    assert_success
}

@test "population 0 in strata with positive weight: named in the note, never divided by" {
    cat > "$T/gaps.csv" <<'EOF'
g,age_band,events,persons
a,young,20,1000
a,middle,30,0
b,young,20,1000
c,young,0,0
c,middle,0,0
c,old,0,0
EOF
    printf 'age_band,weight\nyoung,5\nmiddle,3\nold,2\nnobody,0\n' > "$T/standard.csv"
    # a: events above 0 with population 0 is a bad record (with --rejects it goes there)
    run koppel standardise --method direct --standard "$T/standard.csv" --strata age_band -g g \
        --events events --population persons "$T/gaps.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/gaps.csv:3: column 'events' is above 0 while column 'persons' is 0"
    sed -i 's/^a,middle,30,0$/a,middle,0,0/' "$T/gaps.csv"
    run koppel standardise --method direct --standard "$T/standard.csv" --strata age_band -g g \
        --events events --population persons "$T/gaps.csv"
    assert_success
    assert_line --index 1 --regexp '^a,20,1000,[^,]+,[^,]+,[^,]+,,,,population 0 in stratum age_band=middle and 1 more strata with positive weight: DSR not defined$'
    # b lacks the strata middle and old altogether: the same
    assert_line --index 2 --regexp '^b,20,1000,[^,]+,[^,]+,[^,]+,,,,population 0 in stratum age_band=middle and 1 more strata with positive weight: DSR not defined$'
    assert_line --index 3 "c,0,0,,,,,,,population 0: crude rate not defined; population 0 in stratum age_band=young and 2 more strata with positive weight: DSR not defined"
    # the stratum without weight does not count; one missing stratum is named alone
    printf 'age_band,weight\nyoung,5\nmiddle,3\nold,0\n' > "$T/standard2.csv"
    run koppel standardise --method direct --standard "$T/standard2.csv" --strata age_band -g g \
        --events events --population persons "$T/gaps.csv"
    assert_line --index 1 --partial ",,,population 0 in stratum age_band=middle with positive weight: DSR not defined"
    run against_reference --method direct --standard "$T/standard.csv" --strata age_band -g g \
        --events events --population persons "$T/gaps.csv"
    assert_success
}

@test "bad records stop the run with status 1 and file:line, naming the stratum" {
    printf 'age_band,weight\nyoung,5\nold,2\n' > "$T/standard.csv"
    local bad reason
    while IFS='|' read -r bad reason; do
        printf 'g,age_band,events,persons\na,young,1,10\n%s\n' "$bad" > "$T/bad.csv"
        run koppel standardise --method direct --standard "$T/standard.csv" --strata age_band -g g \
            --events events --population persons --measure proportion "$T/bad.csv"
        assert_failure 1
        assert_output "koppel-standardise: $T/bad.csv:3: ${reason//\$T/$T}"
    done <<'EOF'
a,old,-1,10|column 'events': negative, expected a whole number of 0 or more
a,old,1.5,10|column 'events': not a whole number, expected a whole number of 0 or more
a,old,,10|column 'events': empty, expected a whole number of 0 or more
a,old,1,-10|column 'persons': negative, expected a number of 0 or more
a,old,1,ten|column 'persons': not a number, expected a number of 0 or more
a,old,11,10|column 'events' is above column 'persons': a proportion needs events out of the population
a,middle,1,10|stratum age_band=middle is not in the standard $T/standard.csv
a,young,2,20|stratum age_band=young occurs twice in its group (first at line 2)
EOF
    # events above the population are fine for rates (contacts per person)
    printf 'g,age_band,events,persons\na,young,30,10\n' > "$T/rate.csv"
    run koppel standardise --method crude -g g --events events --population persons "$T/rate.csv"
    assert_success
    # a stratum missing from a reference file
    printf 'age_band,events,persons\nyoung,5,100\n' > "$T/reference.csv"
    printf 'g,age_band,events,persons\na,young,1,10\na,old,1,10\n' > "$T/in.csv"
    run koppel standardise --method indirect --reference "$T/reference.csv" --strata age_band -g g \
        --events events --population persons "$T/in.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/in.csv:3: stratum age_band=old is not in the reference $T/reference.csv"
    # ESP2013 names the band it does not know
    printf 'age_band,events,persons\n0-3,1,10\n' > "$T/in.csv"
    run koppel standardise --method direct --standard esp2013 --strata age_band --events events --population persons "$T/in.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/in.csv:2: stratum age_band=0-3 is not in the standard esp2013"
    # ... but not a value that could be an identifier (a date of birth in the age band column)
    printf 'age_band,sex,events,persons\n1931-07-26,F,1,10\n' > "$T/in.csv"
    run koppel standardise --method direct --standard esp2013 --strata age_band,sex --events events --population persons "$T/in.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/in.csv:2: stratum age_band=(not shown) is not in the standard esp2013"
}

@test "--rejects: bad records go there, their group says so, and the counts balance" {
    cat > "$T/in.csv" <<'EOF'
g,age_band,sex,events,persons
a,young,M,5,100
a,young,M,6,100
a,old,M,-2,100
b,young,M,12,100
b,old,M,3,50
EOF
    printf 'age_band,weight\nyoung,1\nold,1\n' > "$T/standard.csv"
    run koppel standardise --method direct --standard "$T/standard.csv" --strata age_band,sex -g g \
        --events events --population persons --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/in.csv"
    assert_success
    assert_line --index 1 --partial "a,5,100,"
    assert_line --index 1 --partial "2 input records of this group rejected"
    # every input record is used or rejected: records_in = records_used + filtered + rejected
    run python3 - "$T/stats.json" <<'EOF'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["records_in"] == s["records_used"] + s["filtered"] + s["rejected"], s
print(s["records_in"], s["records_used"], s["rejected"], s["groups"], s["records_out"], s["method"])
EOF
    assert_success
    assert_output "5 3 2 2 2 direct"
    run cut -d, -f1-5,7 "$T/rejects.csv"
    assert_line --index 0 "g,age_band,sex,events,persons,reject_line"
    assert_line --index 1 "a,young,M,6,100,3"
    assert_line --index 2 "a,old,M,-2,100,4"
}

@test "configuration errors exit with status 2" {
    local input="$F/fleiss.csv"
    while IFS='|' read -r arguments message; do
        eval "run koppel standardise $arguments \"$input\""
        assert_failure 2
        assert_output --partial "${message//\$F/$F}"
    done <<'EOF'
--events cases --population births|--method is required
--method fancy --events cases --population births|--method: 'fancy' is not crude, direct or indirect
--method crude --population births|--events and --population are required
--method direct --events cases --population births --standard internal|--method direct needs --strata
--method direct --events cases --population births --strata maternal_age|--method direct needs --standard
--method crude --events cases --population births --standard esp2013|--standard is for --method direct
--method indirect --events cases --population births --strata maternal_age|--method indirect needs --reference
--method crude --events cases --population births --reference internal|--reference and its columns are for --method indirect
--method crude --events deaths --population births|--events: column 'deaths' not found in
--method crude --events cases --population births -g order --compare-to maternal_age=20-24|--compare-to: 'maternal_age' is not one of the -g columns
--method crude --events cases --population births -g order --compare-to order=7|--compare-to order=7: no group has this value
--method crude --events cases --population births --compare-to order|--compare-to expects COL=VALUE
--method crude --events cases --population births --confidence 95|--confidence: '95' is not a level between 0 and 1
--method crude --events cases --population births --multiplier 0|--multiplier: '0' is not a number above 0
--method crude --events cases --population births --digits 0|--digits: '0' is not a whole number from 1 to 17
--method crude --events cases --population births --measure odds|--measure: 'odds' is not rate, proportion or mean
--method direct --events cases --population births --strata maternal_age --standard /nonexistent.csv|cannot open /nonexistent.csv
--method direct --events cases --population births --strata maternal_age --standard esp2013|the standard esp2013 is joined on a stratum column named age_band
--method direct --events cases --population births --strata maternal_age --standard $F/us-c43.csv|the standard $F/us-c43.csv has none of the strata columns of --strata
--method direct --events cases --population births --strata maternal_age --standard $F/fleiss-standard.csv|--weight-column: column 'weight' not found in
EOF
    run koppel standardise --method crude --events cases --population births --bogus "$input"
    assert_failure 2
}

@test "bad standard and reference files stop the run with status 1 and file:line" {
    printf 'maternal_age,weight\nUnder 20,5\nUnder 20,6\n' > "$T/twice.csv"
    run koppel standardise --method direct --standard "$T/twice.csv" --strata maternal_age \
        --events cases --population births "$F/fleiss.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/twice.csv:3: stratum maternal_age=Under 20 occurs twice in the standard $T/twice.csv"
    printf 'maternal_age,weight\nUnder 20,-5\n' > "$T/negative.csv"
    run koppel standardise --method direct --standard "$T/negative.csv" --strata maternal_age \
        --events cases --population births "$F/fleiss.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/negative.csv:2: column 'weight': not a number of 0 or more"
    printf 'maternal_age,cases,births\nUnder 20,5,0\n' > "$T/zero.csv"
    run koppel standardise --method indirect --reference "$T/zero.csv" --strata maternal_age \
        --events cases --population births "$F/fleiss.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/zero.csv:2: column 'births': not a number above 0"
}

@test "output: -o appears atomically, /dev/full is status 3, a closed pipe is quiet" {
    run koppel standardise --method crude -g order --events cases --population births \
        -o "$T/out.csv" "$F/fleiss.csv"
    assert_success
    assert_file_exists "$T/out.csv"
    run bash -c "ls '$T' | grep -c tmp"
    assert_output "0"
    # A closed pipe: the reader (true) has gone before the input has come, so the program's
    # first write finds the pipe closed. Its own status is 0 and it says nothing.
    run bash -c "(sleep 0.3; cat '$F/fleiss.csv') | koppel standardise --method crude -g order --events cases --population births 2> '$T/err' | true; echo \"\${PIPESTATUS[1]}\""
    assert_output 0
    assert_file_empty "$T/err"
    # never '-o /dev/full': -o renames a temporary into place, which as root replaces the device
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run bash -c "koppel standardise --method crude -g order --events cases --population births '$F/fleiss.csv' > /dev/full"
    assert_failure 3
}

@test "--help and --version" {
    run koppel standardise --help
    assert_success
    assert_line --index 0 --regexp '^Usage: koppel standardise '
    assert_line --index 1 "Crude, direct and indirect standardisation of rates and proportions, with intervals;"
    assert_output --partial "--measure rate|proportion|mean"
    assert_output --partial "--sumsq COL"
    assert_output --partial "--compare-to COL=VALUE"
    assert_output --partial "--overlap IN_BOTH,EVENT_BOTH,EVENT_GROUP_ONLY,EVENT_REFERENCE_ONLY"
    assert_output --partial "Exit status:"
    run koppel standardise --version
    assert_success
    assert_output --regexp '^koppel-standardise \(koppel\) '
}

@test "stdin and a semicolon delimiter" {
    tr , ';' < "$F/fleiss.csv" > "$T/semi.csv"
    tr , ';' < "$F/fleiss-standard.csv" > "$T/semi-standard.csv"
    run bash -c "koppel standardise -d ';' --method direct --standard '$T/semi-standard.csv' --weight-column births --strata maternal_age -g order --events cases --population births --multiplier 100000 < '$T/semi.csv'"
    assert_success
    assert_line --index 1 --regexp ',75\.52900745,'
}

@test "reads what koppel aggregate writes: person records to the same table as the counts" {
    # one record per person: the first wmo_users persons of each stratum use Wmo
    awk -F, -v OFS=, 'NR == 1 { print "district,age_band,sex,wmo_user"; next }
        { for (i = 1; i <= $4; i++) print $1, $2, $3, (i <= $5 ? 1 : 0) }' "$F/counts.csv" > "$T/persons.csv"
    (set -o pipefail; koppel aggregate -g district,age_band,sex --count --sum wmo_user "$T/persons.csv" \
        | koppel standardise --method direct --standard esp2013 --strata age_band,sex -g district \
            --events sum_wmo_user --population count --measure proportion \
            --compare-to district=Centrum > "$T/from-persons.csv")
    koppel standardise --method direct --standard esp2013 --strata age_band,sex -g district \
        --events wmo_users --population persons --measure proportion \
        --compare-to district=Centrum "$F/counts.csv" > "$T/from-counts.csv"
    run diff "$T/from-persons.csv" "$T/from-counts.csv"
    assert_success
}

# ---------------------------------------------------------------- --measure mean

# mean_of ARGS...: --measure mean on what aggregate writes (count, sum_y, sumsq_y)
mean_of() {
    koppel standardise --digits 15 --measure mean --events sum_y --sumsq sumsq_y --population count "$@"
}

@test "--measure mean: persons aggregated, then crude and standardised means, ratio and difference as python3 on the persons" {
    # Two groups, two strata; the counts per person are listed, everything else is computed
    # from them here: the sample variance per stratum, DSM, its variance, ratio and difference.
    printf 'grp,s,y\n' > "$T/persons.csv"
    for v in 0 2 4; do echo "1,A,$v"; done >> "$T/persons.csv"
    for v in 1 1 7 3; do echo "1,B,$v"; done >> "$T/persons.csv"
    for v in 1 1 1 3; do echo "0,A,$v"; done >> "$T/persons.csv"
    for v in 2 2 2 9 0; do echo "0,B,$v"; done >> "$T/persons.csv"
    printf 's,weight\nA,1\nB,3\n' > "$T/standard.csv"
    koppel aggregate -g grp,s --count --sum y --sumsq y "$T/persons.csv" > "$T/strata.csv"
    mean_of --method direct --standard "$T/standard.csv" --strata s -g grp --compare-to grp=0 \
        "$T/strata.csv" > "$T/direct.csv"
    mean_of --method crude -g grp "$T/strata.csv" > "$T/crude.csv"
    run python3 - "$T/persons.csv" "$T/direct.csv" "$T/crude.csv" <<'PY'
import csv, math, statistics, sys
z = statistics.NormalDist().inv_cdf(0.975)
persons = list(csv.DictReader(open(sys.argv[1])))
weight = {'A': 1, 'B': 3}
def values(g, s=None):
    return [float(p['y']) for p in persons if p['grp'] == g and (s is None or p['s'] == s)]
def dsm(g):
    w = sum(weight.values())
    m = sum(weight[s] * statistics.mean(values(g, s)) for s in weight) / w
    v = sum(weight[s] ** 2 * statistics.variance(values(g, s)) / len(values(g, s)) for s in weight) / w ** 2
    return m, v
def close(got, expected):
    assert abs(float(got) - expected) <= 1e-12 * max(1, abs(expected)), (got, expected)
rows = {r['grp']: r for r in csv.DictReader(open(sys.argv[2]))}
for g in '01':
    m, v = dsm(g)
    close(rows[g]['std_rate'], m)
    close(rows[g]['std_lower'], m - z * math.sqrt(v))
    close(rows[g]['std_upper'], m + z * math.sqrt(v))
    close(rows[g]['observed'], sum(values(g)))
(m1, v1), (m0, v0) = dsm('1'), dsm('0')
spread = z * math.sqrt(v1 / m1 ** 2 + v0 / m0 ** 2)
close(rows['1']['ratio'], m1 / m0)
close(rows['1']['ratio_lower'], m1 / m0 * math.exp(-spread))
close(rows['1']['ratio_upper'], m1 / m0 * math.exp(spread))
close(rows['1']['difference_lower'], m1 - m0 - z * math.sqrt(v1 + v0))
close(rows['1']['difference_upper'], m1 - m0 + z * math.sqrt(v1 + v0))
assert rows['1']['significant'] == ('1' if m1 / m0 * math.exp(-spread) > 1 else '0')
for r in csv.DictReader(open(sys.argv[3])):
    y = values(r['grp'])
    m, half = statistics.mean(y), z * statistics.stdev(y) / math.sqrt(len(y))
    close(r['crude_rate'], m)
    close(r['crude_lower'], m - half)
    close(r['crude_upper'], m + half)
PY
    assert_success
    # The hand-worked numbers of group 1 (as in tests/unit/standardise_mean.c; the second row,
    # aggregate sorts the groups): DSM 11/4, variance 29/24.
    near "$(value "$T/direct.csv" 2 std_rate)" 2.75 1e-12
    near "$(value "$T/direct.csv" 2 std_upper)" "$(calc '2.75 + 1.959963984540054 * sqrt(29 / 24)')" 1e-12
}

@test "--measure mean: simulated overdispersed counts (variance/mean 10): 95% intervals cover 0.92-0.98, Poisson's below 0.8" {
    python3 "$F/coverage.py" generate 1 400 "$T"
    koppel aggregate -g replicate,grp,stratum --count --sum contacts --sumsq contacts "$T/persons.csv" > "$T/strata.csv"
    local common=(--method direct --standard "$T/standard.csv" --strata stratum -g replicate,grp
                  --events sum_contacts --population count --compare-to grp=0)
    koppel standardise "${common[@]}" --measure mean --sumsq sumsq_contacts "$T/strata.csv" > "$T/mean.csv"
    koppel standardise "${common[@]}" --multiplier 1 "$T/strata.csv" > "$T/rate.csv"
    run python3 "$F/coverage.py" check "$T/mean.csv" "$T/rate.csv"
    echo "# $output" >&3
    assert_success
    # The check can fail: a truth 20% off is covered far less often.
    run python3 "$F/coverage.py" check "$T/mean.csv" "$T/rate.csv" 1.2
    assert_failure 1
    # So can the Poisson side: the mean's intervals in place of the rate's cover too well.
    run python3 "$F/coverage.py" check "$T/mean.csv" "$T/mean.csv"
    assert_failure 1
}

@test "--measure mean: a stratum of 1 person leaves the DSM empty, with a note that does not name it; no persons likewise" {
    printf 'grp,s,count,sum_y,sumsq_y\na,A,3,6,20\na,B,1,5,25\nb,A,4,6,12\nb,B,3,6,12\nc,A,1,4,16\nd,A,2,2,2\n' \
        > "$T/strata.csv"
    printf 's,weight\nA,1\nB,3\n' > "$T/standard.csv"
    mean_of --method direct --standard "$T/standard.csv" --strata s -g grp --compare-to grp=b \
        "$T/strata.csv" > "$T/out.csv"
    run cat "$T/out.csv"
    # a stratum of one person is a count below any threshold: the note never says which it is
    assert_line --index 1 --regexp '^a,11,4,2\.75,[^,]*,[^,]*,,,,,,,,,,,a stratum with positive weight has fewer than 2 persons \(no sample variance\): standardised mean not reported; no rate for this group: no comparison$'
    assert_line --index 3 --regexp '^c,4,1,4,,,,,,.*no persons in stratum s=B with positive weight: standardised mean not defined; a stratum with positive weight has fewer than 2 persons \(no sample variance\): standardised mean not reported'
    # d: no persons in B (DSM not defined), but a crude mean with limits (2 persons, s^2 = 0)
    assert_line --index 4 --regexp '^d,2,2,1,1,1,,,,.*no persons in stratum s=B'
    # crude: a group of 1 person has its mean, no limits, and no comparison
    mean_of --method crude -g grp --compare-to grp=b "$T/strata.csv" > "$T/crude.csv"
    run grep '^c,' "$T/crude.csv"
    assert_output --regexp '^c,4,1,4,,,,,,,,,,1 person \(no sample variance\): crude limits not defined; no variance for this group: no comparison$'
}

@test "--measure mean: usage errors (status 2) and sums that cannot be (status 1)" {
    printf 'grp,count,sum_y,sumsq_y\na,3,6,20\n' > "$T/ok.csv"
    run koppel standardise --method crude --measure mean --events sum_y --population count "$T/ok.csv"
    assert_failure 2
    assert_output --partial "--measure mean needs --sumsq COL"
    run koppel standardise --method crude --events sum_y --sumsq sumsq_y --population count "$T/ok.csv"
    assert_failure 2
    assert_output --partial "--sumsq is for --measure mean"
    run koppel standardise --method indirect --reference internal --strata grp --measure mean \
        --events sum_y --sumsq sumsq_y --population count "$T/ok.csv"
    assert_failure 2
    assert_output --partial "--measure mean has crude and direct standardisation, not indirect"
    run koppel standardise --method crude --measure mean --events sum_y --sumsq squares \
        --population count "$T/ok.csv"
    assert_failure 2
    assert_output --partial "--sumsq: column 'squares' not found in"
    while IFS='|' read -r record message; do
        printf 'grp,count,sum_y,sumsq_y\n%s\n' "$record" > "$T/bad.csv"
        run koppel standardise --method crude --measure mean --events sum_y --sumsq sumsq_y \
            --population count "$T/bad.csv"
        assert_failure 1
        assert_output "koppel-standardise: $T/bad.csv:2: $message"
    done <<'CASES'
a,3,6,11|column 'sumsq_y' is below the square of column 'sum_y' divided by column 'count': not the sum of squares of those values
a,2.5,6,20|column 'count': not a whole number, expected the number of persons
a,0,1,1|columns 'sum_y' and 'sumsq_y' must be 0 while column 'count' is 0
a,3,-1,20|column 'sum_y': negative, expected a number of 0 or more
a,3,6,|column 'sumsq_y': empty, expected a number of 0 or more
CASES
}

@test "prevalence per 100 patient-years (crude rate, Poisson interval): simulated practices, coverage 0.93-0.985" {
    # Each of 400 replicates: 3,000 patients, 15% registered part of the year (born, died,
    # moved); each is a patient of the condition with chance 0.12 (the highest prevalence of
    # the monitor). The truth of a replicate is 0.12 patients per patient-year of its own days.
    # Persons, not events: the Poisson variance exceeds the binomial one by 1/(1 - 0.12), so the
    # interval errs on the safe side, a little.
    python3 - "$T" <<'PY'
import random, sys
r = random.Random(2024)
with open(f"{sys.argv[1]}/py.csv", "w") as out, open(f"{sys.argv[1]}/truth.csv", "w") as truth:
    out.write("replicate,patients,days\n")
    for rep in range(400):
        days = [365 if r.random() >= 0.15 else r.randint(1, 364) for _ in range(3000)]
        patients = sum(r.random() < 0.12 for _ in days)
        out.write(f"{rep},{patients},{sum(days)}\n")
        truth.write(f"{rep},{100 * 0.12 * 3000 * 365 / sum(days)}\n")
PY
    koppel standardise --method crude --measure rate --multiplier 36500 --events patients \
        --population days -g replicate "$T/py.csv" > "$T/rates.csv"
    cover() {
        python3 - "$T/rates.csv" "$T/truth.csv" "$1" <<'PY'
import csv, sys
truth = dict(line.strip().split(",") for line in open(sys.argv[2]))
shift = float(sys.argv[3])
rows = list(csv.DictReader(open(sys.argv[1])))
inside = sum(float(r["crude_lower"]) <= shift * float(truth[r["replicate"]]) <= float(r["crude_upper"]) for r in rows)
print(f"coverage {inside / len(rows):.3f} of {len(rows)}")
sys.exit(0 if len(rows) == 400 and 0.93 <= inside / len(rows) <= 0.985 else 1)
PY
    }
    run cover 1
    echo "# $output" >&3
    assert_success
    # it can fail: a truth 10% off is covered far less often
    run cover 1.1
    assert_failure 1
}

# --overlap: persons in both the compared and the reference group (the patients of both years).
# overlap_of ARGS... FILE: crude proportions of condition,year against 2019 with the overlap
# columns of the tests below.
overlap_of() {
    koppel standardise --method crude --measure proportion -g condition,year --events with_contact \
        --population patients --compare-to year=2019 "$@"
}
OVERLAP_COLUMNS=in_both,contact_both,contact_2023_only,contact_2019_only

# overlap_input FILE RECORD...: a file of counts with those columns, a RECORD a line.
overlap_input() {
    local file=$1
    shift
    printf 'condition,year,with_contact,patients,%s\n' "$OVERLAP_COLUMNS" > "$file"
    printf '%s\n' "$@" >> "$file"
}

# assert_comparison FILE DIFFERENCE SPREAD RATIO LOG_SPREAD: the second data row's difference
# interval is DIFFERENCE ± SPREAD, its ratio interval RATIO·exp(± LOG_SPREAD).
assert_comparison() {
    near "$(value "$1" 2 difference)" "$2" 1e-12
    near "$(value "$1" 2 difference_lower)" "$(calc "$2 - $3")" 1e-9
    near "$(value "$1" 2 difference_upper)" "$(calc "$2 + $3")" 1e-9
    near "$(value "$1" 2 ratio)" "$4" 1e-12
    near "$(value "$1" 2 ratio_lower)" "$(calc "$4 * exp(-$5)")" 1e-12
    near "$(value "$1" 2 ratio_upper)" "$(calc "$4 * exp($5)")" 1e-12
}

@test "--overlap: a small example by hand, and the same from the persons in python3" {
    # 2019: 100 patients, 40 with a contact; 2023: 120 patients, 60 with a contact; 80 patients
    # in both years, of whom 30 had a contact in both, 15 in 2023 only, 5 in 2019 only.
    # By hand: cov = 80 (30/80 - 45/80 * 35/80) / (120 * 100) = 0.000859375 (as fractions),
    # var(difference) = 0.5 * 0.5/120 + 0.4 * 0.6/100 - 2 cov = 0.0027645833...
    overlap_input "$T/hand.csv" diabetes,2019,40,100,,,, diabetes,2023,60,120,80,30,15,5
    overlap_of --digits 15 --overlap "$OVERLAP_COLUMNS" "$T/hand.csv" > "$T/out.csv"
    # the ratio's var(ln R) = var1/p1^2 + var0/p0^2 - 2 cov/(p1 p0)
    local z=1.959963984540054
    assert_comparison "$T/out.csv" 10 "$(calc "100 * $z * sqrt(0.25 / 120 + 0.24 / 100 - 2 * 0.000859375)")" \
        1.25 "$(calc "$z * sqrt(0.25 / 120 / 0.25 + 0.24 / 100 / 0.16 - 2 * 0.000859375 / 0.2)")"
    # Narrower than the interval without the overlap, which is otherwise the same output
    overlap_of --digits 15 "$T/hand.csv" > "$T/independent.csv"
    awk -v a="$(value "$T/out.csv" 2 difference_lower)" -v b="$(value "$T/independent.csv" 2 difference_lower)" \
        'BEGIN { exit !(a > b) }'
    run diff <(cut -d, -f1-8,11,14- "$T/out.csv") <(cut -d, -f1-8,11,14- "$T/independent.csv")
    assert_success

    # From persons: python3 draws two years of patients (some in both), counts them as the
    # input wants them and computes the covariance from the persons' indicators.
    python3 - "$T" <<'PY'
import csv, math, random, sys
r = random.Random(7)
z = 1.959963984540054
with open(f"{sys.argv[1]}/persons.csv", "w") as out, open(f"{sys.argv[1]}/expected.csv", "w") as expected:
    out.write("condition,year,with_contact,patients,in_both,contact_both,contact_2023_only,contact_2019_only\n")
    expected.write("condition,difference_lower,difference_upper,ratio_lower,ratio_upper\n")
    for condition, only19, both, only23 in (("copd", 30, 50, 40), ("asthma", 200, 10, 150), ("dementia", 12, 60, 0)):
        first = [r.random() < 0.4 for _ in range(only19)]
        pairs = []
        for _ in range(both):
            high = r.random() < 0.5
            pairs.append((r.random() < (0.8 if high else 0.2), r.random() < (0.9 if high else 0.3)))
        second = [r.random() < 0.5 for _ in range(only23)]
        x19 = first + [a for a, b in pairs]
        x23 = second + [b for a, b in pairs]
        n0, n1 = len(x19), len(x23)
        p0, p1 = sum(x19) / n0, sum(x23) / n1
        out.write(f"{condition},2019,{sum(x19)},{n0},,,,\n")
        out.write(f"{condition},2023,{sum(x23)},{n1},{both},{sum(a and b for a, b in pairs)},"
                  f"{sum(b and not a for a, b in pairs)},{sum(a and not b for a, b in pairs)}\n")
        # the covariance of the two means over the shared persons
        m0 = sum(a for a, b in pairs) / both
        m1 = sum(b for a, b in pairs) / both
        c = sum((a - m0) * (b - m1) for a, b in pairs) / both * both / (n0 * n1)
        var_d = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0 - 2 * c
        var_l = (1 - p1) / (n1 * p1) + (1 - p0) / (n0 * p0) - 2 * c / (p1 * p0)
        d, l = 100 * (p1 - p0), math.log(p1 / p0)
        expected.write(f"{condition},{d - 100 * z * math.sqrt(var_d)},{d + 100 * z * math.sqrt(var_d)},"
                       f"{math.exp(l - z * math.sqrt(var_l))},{math.exp(l + z * math.sqrt(var_l))}\n")
PY
    overlap_of --digits 15 --overlap "$OVERLAP_COLUMNS" "$T/persons.csv" > "$T/out.csv"
    run python3 - "$T/out.csv" "$T/expected.csv" <<'PY'
import csv, sys
got = {r["condition"]: r for r in csv.DictReader(open(sys.argv[1])) if r["year"] == "2023"}
for e in csv.DictReader(open(sys.argv[2])):
    for column in ("difference_lower", "difference_upper", "ratio_lower", "ratio_upper"):
        assert abs(float(got[e["condition"]][column]) - float(e[column])) < 1e-9, (e, column)
print(len(got))
PY
    assert_success
    assert_output 3
}

@test "--overlap: all persons in both (paired): the paired proportions' variances" {
    # A paired 2x2 table of 100 patients: a = 30 with a contact in both years, b = 15 in 2023
    # only, c = 5 in 2019 only, d = 50 in neither. The difference of paired proportions has
    # variance ((b + c) - (b - c)^2/n) / n^2 (Agresti 2013, sec. 11.1; Newcombe 1998, method 1),
    # the log of their ratio (b + c) / ((a + b)(a + c)).
    overlap_input "$T/paired.csv" copd,2019,35,100,0,0,0,0 copd,2023,45,100,100,30,15,5
    overlap_of --digits 15 --overlap "$OVERLAP_COLUMNS" "$T/paired.csv" > "$T/out.csv"
    local z=1.959963984540054
    assert_comparison "$T/out.csv" 10 "$(calc "100 * $z * sqrt((20 - 10 * 10 / 100) / 100 ^ 2)")" \
        "$(calc "45 / 35")" "$(calc "$z * sqrt(20 / (45 * 35))")"
    [ "$(value "$T/out.csv" 2 significant)" = 1 ]
    # Nobody changes (b = c = 0): the variance ((b + c) - (b - c)^2/n)/n^2 is 0, the intervals
    # of the difference and of the ratio are points, and the change is not significant.
    overlap_input "$T/same.csv" copd,2019,35,100,,,, copd,2023,35,100,100,35,0,0
    overlap_of --overlap "$OVERLAP_COLUMNS" "$T/same.csv" > "$T/out.csv"
    run sed -n 3p "$T/out.csv"
    assert_output --regexp '^copd,2023,35,100,35,[^,]*,[^,]*,1,1,1,0,0,0,0,$'
}

@test "--overlap with no person in both groups: the output of --compare-to alone, byte for byte" {
    python3 - "$T/zero.csv" <<'PY'
import random, sys
r = random.Random(11)
with open(sys.argv[1], "w") as out:
    out.write("condition,year,with_contact,patients,in_both,contact_both,contact_2023_only,contact_2019_only\n")
    for condition in ("copd", "diabetes", "asthma", "heart failure", "dementia"):
        for year in (2019, 2023):
            n = r.randint(1, 5000)
            x = r.randint(0, n)
            out.write(f"{condition},{year},{x},{n}," + (",,," if year == 2019 else "0,0,0,0") + "\n")
    out.write("no patients,2019,0,0,,,,\nno patients,2023,0,0,0,0,0,0\n")
    out.write("all,2019,7,7,,,,\nall,2023,0,9,0,0,0,0\n")
PY
    local digits
    for digits in 10 17; do
        overlap_of --digits "$digits" "$T/zero.csv" > "$T/independent.csv"
        overlap_of --digits "$digits" --overlap "$OVERLAP_COLUMNS" "$T/zero.csv" > "$T/overlap.csv"
        cmp "$T/independent.csv" "$T/overlap.csv"
    done
    run grep -c 'reference group of the comparison' "$T/overlap.csv"
    assert_output 7
}

@test "--overlap: bad counts stop the run with status 1 and file:line; --rejects takes them" {
    local bad reason
    while IFS='|' read -r bad reason; do
        overlap_input "$T/bad.csv" copd,2019,40,100,,,, "$bad"
        run overlap_of --overlap "$OVERLAP_COLUMNS" "$T/bad.csv"
        assert_failure 1
        assert_output "koppel-standardise: $T/bad.csv:3: $reason"
    done <<'EOF'
copd,2023,60,120,-80,30,15,5|column 'in_both': negative, expected a whole number of 0 or more
copd,2023,60,120,80,2.5,15,5|column 'contact_both': not a whole number, expected a whole number of 0 or more
copd,2023,60,120,80,30,,5|column 'contact_2023_only': empty, expected a whole number of 0 or more
copd,2023,60,120,80,30,15,many|column 'contact_2019_only': not a whole number, expected a whole number of 0 or more
copd,2023,60,120,121,30,15,5|column 'in_both' is above column 'patients': more persons in both groups than in this group
copd,2023,60,120,80,30,15,40|columns 'contact_both', 'contact_2023_only' and 'contact_2019_only' add up to more than column 'in_both': each person in both groups is in one of them at most
copd,2023,40,120,80,30,15,5|columns 'contact_both' and 'contact_2023_only' add up to more than column 'with_contact': the persons in both groups with the event in this group are some of its events
copd,2023,110,120,80,30,15,5|column 'in_both' less columns 'contact_both' and 'contact_2023_only' is above column 'patients' less column 'with_contact': more persons in both groups without the event in this group than it has
copd,2019,40,100,0,0,0,1|column 'contact_2019_only': a record of the reference group (year=2019) has no overlap with itself, expected empty or 0
EOF
    # Against the reference group (2019: 40 of 100 with a contact), once it is read: the
    # message names the compared group's record.
    while IFS='|' read -r bad reason; do
        overlap_input "$T/bad.csv" "$bad" copd,2019,40,100,,,,
        run overlap_of --overlap "$OVERLAP_COLUMNS" "$T/bad.csv"
        assert_failure 1
        assert_output "koppel-standardise: $T/bad.csv:2: $reason"
    done <<'EOF'
copd,2023,110,120,101,50,50,0|column 'in_both' is above the reference group's column 'patients': more persons in both groups than in the reference group
copd,2023,60,120,80,30,15,11|columns 'contact_both' and 'contact_2019_only' add up to more than the reference group's column 'with_contact': the persons in both groups with the event in the reference group are some of its events
copd,2023,70,120,80,10,50,2|column 'in_both' less columns 'contact_both' and 'contact_2019_only' is above the reference group's column 'patients' less column 'with_contact': more persons in both groups without the event in the reference group than it has
EOF
    # Two records of a group are added up, and so are their overlaps
    overlap_input "$T/bad.csv" copd,2023,60,70,60,30,30,0 copd,2023,50,50,50,10,40,0 copd,2019,40,100,,,,
    run overlap_of --overlap "$OVERLAP_COLUMNS" "$T/bad.csv"
    assert_failure 1
    assert_output "koppel-standardise: $T/bad.csv:2: column 'in_both' (the group's records together) is above the reference group's column 'patients': more persons in both groups than in the reference group"
    # --rejects: the bad record is set aside and its group says so
    overlap_input "$T/bad.csv" copd,2019,40,100,,,, copd,2023,60,120,121,30,15,5 asthma,2019,5,50,,,, \
        asthma,2023,6,50,40,4,1,1
    run overlap_of --overlap "$OVERLAP_COLUMNS" --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/bad.csv"
    assert_success
    assert_line --index 2 --regexp '^copd,2023,0,0,.*1 input record of this group rejected; no rate for this group: no comparison$'
    assert_line --index 4 --regexp '^asthma,2023,6,50,12,.*,$'
    run cut -d, -f1,2,10 "$T/rejects.csv"
    assert_line --index 1 "copd,2023,3"
    [ "$(stats_field "$T/stats.json" records_in)" = 4 ]
    [ "$(stats_field "$T/stats.json" records_used)" = 3 ]
    [ "$(stats_field "$T/stats.json" rejected)" = 1 ]
}

@test "--overlap: usage errors exit with status 2" {
    overlap_input "$T/in.csv" copd,2019,40,100,,,,
    local base=(--events with_contact --population patients -g condition,year)
    while IFS='|' read -r arguments message; do
        eval "run koppel standardise \"\${base[@]}\" $arguments \"$T/in.csv\""
        assert_failure 2
        assert_output --partial "$message"
    done <<'EOF'
--method crude --measure proportion --overlap in_both,contact_both,contact_2023_only,contact_2019_only|--overlap counts the persons a group shares with its --compare-to reference group: it needs --compare-to
--method crude --compare-to year=2019 --overlap in_both,contact_both,contact_2023_only,contact_2019_only|--overlap is for --method crude --measure proportion
--method direct --standard internal --strata condition --measure proportion --compare-to year=2019 --overlap in_both,contact_both,contact_2023_only,contact_2019_only|--overlap is for --method crude --measure proportion
--method crude --measure proportion --compare-to year=2019 --overlap in_both,contact_both,contact_2023_only|--overlap expects four columns: IN_BOTH,EVENT_BOTH,EVENT_GROUP_ONLY,EVENT_REFERENCE_ONLY
--method crude --measure proportion --compare-to year=2019 --overlap in_both,contact_both,contact_2023_only,contact_2019|--overlap: column (12 characters) not found in
EOF
}

@test "--overlap: 2,000 of 3,000 patients in both years, correlated: coverage 0.93-0.97, the independent interval over-covers" {
    # Each of 400 replicates: patients 0-499 in 2019 only, 500-2499 in both years, 2500-2999 in
    # 2023 only. 30% of the patients are frequent visitors (a contact with chance 0.8 in 2019,
    # 0.9 in 2023), the others not (0.1 and 0.15); the years are independent given that. True
    # proportions 0.31 and 0.375: difference 6.5 percentage points, ratio 0.375/0.31.
    python3 - "$T/counts.csv" <<'PY'
import random, sys
r = random.Random(2023)
with open(sys.argv[1], "w") as out:
    out.write("replicate,year,with_contact,patients,in_both,contact_both,contact_2023_only,contact_2019_only\n")
    for rep in range(400):
        x19 = x23 = both = only23 = only19 = 0
        for person in range(3000):
            frequent = r.random() < 0.3
            c19 = person < 2500 and r.random() < (0.8 if frequent else 0.1)
            c23 = person >= 500 and r.random() < (0.9 if frequent else 0.15)
            x19 += c19
            x23 += c23
            if 500 <= person < 2500:
                both += c19 and c23
                only23 += c23 and not c19
                only19 += c19 and not c23
        out.write(f"{rep},2019,{x19},2500,,,,\n{rep},2023,{x23},2500,2000,{both},{only23},{only19}\n")
PY
    local common=(--method crude --measure proportion -g replicate,year --events with_contact
                  --population patients --compare-to year=2019)
    koppel standardise "${common[@]}" --overlap "$OVERLAP_COLUMNS" "$T/counts.csv" > "$T/overlap.csv"
    koppel standardise "${common[@]}" "$T/counts.csv" > "$T/independent.csv"
    cover() {
        python3 - "$T/overlap.csv" "$T/independent.csv" "$1" <<'PY'
import csv, sys
shift = float(sys.argv[3])
difference, ratio = 6.5 * shift, 0.375 / 0.31 * shift
def figures(path):
    rows = [r for r in csv.DictReader(open(path)) if r["year"] == "2023"]
    assert len(rows) == 400
    lower, upper = [float(r["difference_lower"]) for r in rows], [float(r["difference_upper"]) for r in rows]
    inside = sum(l <= difference <= u for l, u in zip(lower, upper)) / len(rows)
    ratio_inside = sum(float(r["ratio_lower"]) <= ratio <= float(r["ratio_upper"]) for r in rows) / len(rows)
    width = sum(u - l for l, u in zip(lower, upper)) / len(rows)
    return inside, ratio_inside, width
new, old = figures(sys.argv[1]), figures(sys.argv[2])
print(f"with the overlap: difference covered {new[0]:.3f}, ratio {new[1]:.3f}, mean width {new[2]:.2f} points; "
      f"independent: {old[0]:.3f}, {old[1]:.3f}, {old[2]:.2f} points")
ok = 0.93 <= new[0] <= 0.97 and 0.93 <= new[1] <= 0.97 and old[0] > 0.975 and old[1] > 0.975 and old[2] > new[2]
sys.exit(0 if ok else 1)
PY
    }
    run cover 1
    echo "# $output" >&3
    assert_success
    # it can fail: a truth 25% further off is covered far less often
    run cover 1.25
    assert_failure 1
}
