#!/usr/bin/env bats
# study.bats: the demo study (scripts/study.mk) end to end on synthetic data: every table is
# suppressed and passes the audit, the linkage reports add up, reruns are byte-identical, and
# the study recovers what koppel synth planted (--truth) where the design identifies it.
bats_require_minimum_version 1.5.0

setup_file() {
    load 'test_helper/common-setup'
    _common_setup
    export STUDY="$BATS_FILE_TMPDIR/study"
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$STUDY" PERSONS=60000 SEED=2017 \
        K="$KOPPEL_BIN/koppel" -j 2 > "$BATS_FILE_TMPDIR/make.log" 2>&1 \
        || { tail -n 30 "$BATS_FILE_TMPDIR/make.log" >&3; return 1; }
}

setup() {
    load 'test_helper/common-setup'
    _common_setup
}

# check_person_counts TABLES: no published count of persons below 10 (zeros excepted) in any
# column that counts persons: persons everywhere, linked in T1, the Wmo users (observed) in T4 and
# T5 (in T2 and T3 observed is a sum of contacts, not of persons); suppressed records show none.
check_person_counts() {
    python3 - "$1" <<'PY'
import csv, glob, os, sys
counts = {'t1': ['persons', 'linked', 'wmo_users', 'linked_wmo_users'], 't4': ['persons', 'observed'], 't5': ['persons', 'observed']}
checked = 0
for path in glob.glob(os.path.join(sys.argv[1], 't[1-6]-*.csv')):
    columns = counts.get(os.path.basename(path)[:2], ['persons'])
    for row in csv.DictReader(open(path, newline='')):
        for column in columns:
            if row['status'] == 's' and row[column] != '':
                n = int(row[column])
                assert n == 0 or n >= 10, (path, column, row)
                checked += 1
            if row['status'] in ('u', 'x'):
                assert row[column] == '', (path, 'suppressed value is shown', column, row)
assert checked > 20, checked
PY
}

@test "every published table went through suppress and its audit: no primary cell unprotected" {
    for t in t1-representativeness t2-contacts-by-age t3-contacts-by-sex t4-wmo-by-ses \
             t4-wmo-by-household t4-wmo-by-migration t5-wmo-by-district t6-iza-indicators t7-top-problems; do
        assert_file_exists "$STUDY/tables/$t.csv"
        assert_file_exists "$STUDY/tables/$t.audit.txt"
        head -n 1 "$STUDY/tables/$t.csv" | grep -q ',status$'
        # the audit's 'protected' column never says no
        run grep -c ',no$' "$STUDY/tables/$t.audit.txt"
        assert_output 0
    done
}

@test "no published count of persons is below 10 (zeros excepted): persons, linked, Wmo users" {
    check_person_counts "$STUDY/tables"
}

@test "the demo's own size: T1 publishes no linked count below 10 (Westpoort: 11 residents, 1 linked)" {
    # At the demo's 100,000 persons the port district has a dozen adults, of whom one is linked:
    # the linked count is protected as the persons are, and the district's record suppressed.
    local demo="$BATS_TEST_TMPDIR/demo"
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$demo" PERSONS=100000 SEED=2017 \
        K="$KOPPEL_BIN/koppel" -j 2 "$demo/tables/t1-representativeness.csv" > "$BATS_TEST_TMPDIR/make.log" 2>&1
    check_person_counts "$demo/tables"
    run grep '^district,Westpoort,' "$demo/tables/t1-representativeness.csv"
    assert_output 'district,Westpoort,,,,,,,,,,,u'
}

@test "derived values never reopen a suppressed cell: changes, shares and comparisons are blank" {
    # An output checker's attack on the derived columns: a 2023 change against a suppressed 2019
    # cell gives that cell's percentage (and with the 2019 total, its count); a share of a
    # suppressed total gives the total; a ratio to a suppressed reference group gives its rate.
    python3 - "$STUDY/tables" <<'PY'
import csv, os, sys
def rows(name):
    return list(csv.DictReader(open(os.path.join(sys.argv[1], name + '.csv'), newline='')))
checked = 0
t6 = rows('t6-iza-indicators')
status = {(r['condition'], r['year'], r['discipline'], r['contact']): r['status'] for r in t6}
first = min(r['year'] for r in t6)
for r in t6:
    c, y, d, k = r['condition'], r['year'], r['discipline'], r['contact']
    # a change of shares needs the first year's cell and its total, a share needs its total;
    # the % with a referral has the patients of delivering practices (yes and no) as its total
    base = 'no' if d == 'referral' else 'Total'
    for column, others in (('change_pp', [(c, first, d, k), (c, first, d, base), (c, y, d, base)]),
                           ('change_lower', [(c, first, d, k), (c, first, d, base)]),
                           ('contact_pct', [(c, y, d, base)])):
        if r[column] != '':
            for other in others:
                assert status[other] == 's', ('published %s computed with a suppressed cell' % column, r, other)
            checked += 1
assert {r['discipline'] for r in t6} == {'gp', 'poh_ggz', 'referral'}
references = {'t2-contacts-by-age': ('wmo_user', '0'), 't3-contacts-by-sex': ('wmo_user', '0'),
              't4-wmo-by-ses': ('ses', '5'), 't4-wmo-by-household': ('household', 'couple'),
              't4-wmo-by-migration': ('migration', 'dutch'), 't5-wmo-by-district': ('district', 'Centrum')}
for name, (dim, code) in references.items():
    table = rows(name)
    keys = [c for c in table[0] if c in ('age_group', 'sex', 'ses', 'household', 'migration', 'district', 'wmo_user')]
    by_key = {tuple(r[k] for k in keys): r for r in table}
    for r in table:
        reference = by_key[tuple(code if k == dim else r[k] for k in keys)]
        for column in ('ratio', 'ratio_lower', 'difference', 'difference_upper', 'significant'):
            if r[column] != '':
                assert reference['status'] == 's' and r['status'] == 's', (name, column, r)
                checked += 1
assert checked > 50, checked
PY
}

@test "tables of one population add up to each other: T5's districts (Westpoort too) make T4's total" {
    # Publishing T5 without the port district made T4's total minus T5's the port's persons and
    # Wmo users, two of them; the districts are now one table with the others, protected together.
    python3 - "$STUDY/tables" <<'PY'
import csv, os, sys
def rows(name):
    return list(csv.DictReader(open(os.path.join(sys.argv[1], name + '.csv'), newline='')))
t5 = rows('t5-wmo-by-district')
t1 = [r for r in rows('t1-representativeness') if r['characteristic'] == 'district']
assert sorted(r['district'] for r in t5) == sorted(r['category'] for r in t1), 'T5 and T1 list other districts'
total = lambda table, key: next(r for r in table if r[key] == 'Total')
for name in ('t4-wmo-by-ses', 't4-wmo-by-household', 't4-wmo-by-migration'):
    t4 = total(rows(name), name.split('-')[-1])
    assert (t4['persons'], t4['observed']) == (total(t5, 'district')['persons'], total(t5, 'district')['observed']), name
# a district's persons are one cell: the same status and count in T1 and T5
t1_by = {r['category']: r for r in t1}
for r in t5:
    assert r['status'] == t1_by[r['district']]['status'], r['district']
    assert r['persons'] == t1_by[r['district']]['persons'], r['district']
PY
}

@test "the whole set of T1-T5 is audited together, also by an independent attacker" {
    assert_file_exists "$STUDY/tables/whole-set.audit.txt"
    run grep -c ',no$' "$STUDY/tables/whole-set.audit.txt"
    assert_output 0
    # Restack the published tables on our own (T1 per characteristic, T2-T5 by their
    # dimensions), one status per cell, and let attacker.py solve the union's LP, once per
    # count. A count that no table shows for a cell is unknown to the attacker there: such a
    # cell is suppressed in that count's LP (primary when the count is 1 to 9, so it must be
    # protected too).
    python3 - "$STUDY/tables" "$STUDY/work/union-cells.csv" "$BATS_TEST_TMPDIR" <<'PY'
import csv, os, sys
dims = ['age_group', 'sex', 'ses', 'migration', 'district', 'household', 'wmo_user']
cells = {}
def put(codes, status, where):
    key = tuple(codes.get(d, 'Total') for d in dims)
    assert cells.setdefault(key, status) == status, ('two statuses for one cell', key, where)
def rows(name):
    return list(csv.DictReader(open(os.path.join(sys.argv[1], name + '.csv'), newline='')))
shown = {}  # which counts each cell shows, from the published tables' own columns
def show(codes, counts):
    shown.setdefault(tuple(codes.get(d, 'Total') for d in dims), set()).update(counts)
for r in rows('t1-representativeness'):
    put({r['characteristic']: r['category']}, r['status'], 't1')
    show({r['characteristic']: r['category']}, ['persons', 'linked', 'observed', 'linked_users'])
for name, keys, counts in (('t2-contacts-by-age', ['age_group', 'wmo_user'], ['linked']),
                           ('t3-contacts-by-sex', ['sex', 'wmo_user'], ['linked']),
                           ('t4-wmo-by-ses', ['ses'], ['persons', 'observed']),
                           ('t4-wmo-by-household', ['household'], ['persons', 'observed']),
                           ('t4-wmo-by-migration', ['migration'], ['persons', 'observed']),
                           ('t5-wmo-by-district', ['district'], ['persons', 'observed'])):
    for r in rows(name):
        put({k: r[k] for k in keys}, r['status'], name)
        show({k: r[k] for k in keys}, counts)
original = {tuple(r[d] for d in dims): r for r in csv.DictReader(open(sys.argv[2], newline=''))}
assert set(original) == set(cells), 'the published tables and the protected set have other cells'
for count in ('persons', 'linked', 'observed', 'linked_users'):
    with open(os.path.join(sys.argv[3], 'set-%s.csv' % count), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(dims + [count, 'status'])
        for key, status in cells.items():
            value = int(original[key][count])
            if status == 's' and count not in shown[key]:
                status = 'u' if 1 <= value <= 9 else 'x'
            w.writerow(list(key) + [value, status])
print(sum(s in 'ux' for s in cells.values()), 'suppressed of', len(cells))
PY
    for count in persons linked observed linked_users; do
        run python3 "$PROJECT_ROOT/tests/fixtures/suppress/attacker.py" audit "$BATS_TEST_TMPDIR/set-$count.csv" \
            --linked --dims age_group,sex,ses,migration,district,household,wmo_user --count "$count"
        assert_success
    done
}

@test "T6 is attacked by an independent attacker too: GP, POH-GGZ and referral tables of one group together" {
    # Per year and group, T6 publishes three tables of the group's patients (GP contact yes/no,
    # POH-GGZ contact yes/no, referral yes/no/not_delivered), each adding up to the group's total.
    # Restack the published table into those cells, with the true counts of work/t6-cells.csv,
    # and let attacker.py solve the LP of each year and group.
    python3 - "$STUDY/tables/t6-iza-indicators.csv" "$STUDY/work/t6-cells.csv" "$BATS_TEST_TMPDIR" <<'PY'
import csv, os, sys
dims = ['gp_contact', 'poh_ggz_contact', 'referral']
dim_of = {'gp': 'gp_contact', 'poh_ggz': 'poh_ggz_contact', 'referral': 'referral'}
status = {}
for r in csv.DictReader(open(sys.argv[1], newline='')):
    key = tuple(r['contact'] if dim_of[r['discipline']] == d else 'Total' for d in dims)
    assert status.setdefault((r['year'], r['condition'], key), r['status']) == r['status'], ('two statuses', r)
true = {(r['year'], r['condition'], tuple(r[d] for d in dims)): r['persons'] for r in csv.DictReader(open(sys.argv[2], newline=''))}
assert set(true) == set(status), 'T6 and its cells differ'
groups = sorted({(y, c) for y, c, _ in status})
for y, c in groups:
    with open(os.path.join(sys.argv[3], 't6-%s-%s.csv' % (y, c)), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(dims + ['persons', 'status'])
        for (yy, cc, key), s in sorted(status.items()):
            if (yy, cc) == (y, c):
                w.writerow(list(key) + [true[(yy, cc, key)], s])
print(len(groups), sum(s in 'ux' for s in status.values()))
PY
    local n=0
    for f in "$BATS_TEST_TMPDIR"/t6-*.csv; do
        run python3 "$PROJECT_ROOT/tests/fixtures/suppress/attacker.py" audit "$f" --linked \
            --dims gp_contact,poh_ggz_contact,referral --count persons --fill-zeros
        assert_success
        n=$((n + 1))
    done
    [ "$n" -eq 20 ]
}

@test "T7 top 15 health problems: ranks, contacts and shares of GP contacts and physiotherapy claims, worked out from the cleaned files" {
    # GP: the year's contacts of the counted types of T6's eligible patients, by ICPC main code;
    # physiotherapy: the claims starting in the year of T8's claims population, by DCSPH code with
    # the sub-location as X. A code of another system is left out (rejected), an empty one counts
    # in the total only. The top 15 of each year (ties by code), every listed code in both years,
    # other and Total; a row is primary when fewer than 10 persons make its contacts or two make
    # over 85%, and such a code is not ranked (it counts in other).
    run python3 - "$STUDY" <<'PY'
import csv, re, sys
from collections import Counter
out = sys.argv[1]
rows = lambda path: list(csv.DictReader(open(path, newline="")))
published = rows(f"{out}/tables/t7-top-problems.csv")
contacts = rows(f"{out}/clean/gp_contacts.csv")
claims = [r for r in rows(f"{out}/clean/claims.csv") if r["discipline"] == "physio"]
icpc = re.compile(r"[ABDFHKLNPRSTUWXYZ][0-9]{2}(\.[0-9]+)?")
def gp(year):
    eligible = {r["bsn"] for r in rows(f"{out}/work/iza-{year}/eligible.csv")}
    for r in contacts:
        code = r["icpc"].strip().upper()
        if r["contact_date"][:4] == year and r["provider"] == "gp" and r["bsn"] in eligible \
           and r["contact_type"] in ("consult", "visit", "phone", "email", "vaccination") and (code == "" or icpc.fullmatch(code)):
            yield r["bsn"], code[:3]
def physio(year):
    population = {r["bsn"] for r in rows(f"{out}/work/flows-{year}/population.csv")}
    for r in claims:
        code = r["diagnosis_code"].strip()
        if r["start_date"][:4] == year and r["bsn"] in population and (code == "" or re.fullmatch(r"[0-9]{4}", code)):
            yield r["bsn"], (code[0] + "X" + code[2:] if code else "")
checked = 0
for discipline, source in (("gp", gp), ("physio", physio)):
    by_year, totals, per_person = {}, {}, {}
    for year in ("2019", "2023"):
        mine = list(source(year))
        by_year[year] = Counter(c for b, c in mine)
        per_person[year] = Counter((c, b) for b, c in mine)
        totals[year] = len(mine)
    def safe(year, code):   # 10 persons or more, the two largest of them at most 85% of the contacts
        largest = sorted((v for (c, b), v in per_person[year].items() if c == code), reverse=True)
        return len(largest) >= 10 and sum(largest[:2]) <= 0.85 * by_year[year][code]
    ranks = {y: {c: i + 1 for i, (c, n) in enumerate(sorted(((c, n) for c, n in by_year[y].items() if c and safe(y, c)),
                                                          key=lambda t: (-t[1], t[0]))[:15])} for y in by_year}
    ranked = set(ranks["2019"]) | set(ranks["2023"])
    for year in ("2019", "2023"):
        # a code ranked in one year has a row in the other unless it fails the rules there
        listed = {c for c in ranked if by_year[year][c] == 0 or safe(year, c)}
        total = totals[year]
        expected = {c: by_year[year][c] for c in listed}
        expected["other"] = total - sum(expected.values())
        expected["Total"] = total
        got = {r["code"]: r for r in published if r["year"] == year and r["discipline"] == discipline}
        assert set(got) == set(expected), (discipline, year, sorted(set(got) ^ set(expected)))
        for c, n in expected.items():
            r = got[c]
            contributions = Counter()
            for (cc, b), v in per_person[year].items():
                if cc == c or c == "Total" or (c == "other" and cc not in listed):
                    contributions[b] += v
            largest = sorted(contributions.values(), reverse=True)
            if 0 < len(largest) < 10 or (n > 0 and sum(largest[:2]) > 0.85 * n):
                assert r["status"] == "u", (discipline, year, c, r)
            if r["status"] == "s":
                assert int(r["contacts"]) == n, (discipline, year, c, r, n)
                assert abs(float(r["share_pct"]) - 100 * n / total) < 1e-4, (discipline, year, c, r)
                assert r["rank"] == str(ranks[year].get(c, "")), (discipline, year, c, r["rank"], ranks[year].get(c))
                checked += 1
    print(discipline, checked, len(ranked))
PY
    assert_success
    assert_line --regexp '^gp [1-9][0-9]+ (1[5-9]|[2-3][0-9])$'
    assert_line --regexp '^physio [1-9][0-9]+ (1[5-9]|[2-3][0-9])$'
    run grep -c ',no$' "$STUDY/tables/t7-top-problems.audit.txt"
    assert_output 0
}

@test "the linkage reports add up and every source carries the same key fingerprint" {
    run cat "$STUDY/work/fingerprints.txt"
    assert_success
    assert_equal "$(wc -l < "$STUDY/work/fingerprints.txt")" 1
    python3 - "$STUDY/tables" <<'PY'
import csv, os, sys
for name in ('linkage-gp', 'linkage-wmo', 'linkage-contacts'):
    for row in csv.DictReader(open(os.path.join(sys.argv[1], name + '.csv'), newline='')):
        records = int(row['records'])
        assert records == int(row['matched_records']) + int(row['unmatched_records']), row
        assert abs(float(row['match_rate_percent']) - 100.0 * int(row['matched_records']) / records) < 1e-9
PY
    # the linked set is the population's matched records, and T1's linked total says the same
    linked=$(( $(wc -l < "$STUDY/work/linked.csv") - 1 ))
    run awk -F, '$1 == "left" { print $9 }' "$STUDY/tables/linkage-gp.csv"
    assert_output "$linked"
}

@test "the study recovers the Wmo rate ratios by household type that synth planted" {
    # Household type is assigned by age in synth, so standardising for age and sex identifies
    # its planted rate ratio; every planted ratio must lie in the 95% interval of the study's.
    python3 - "$STUDY/raw/truth.csv" "$STUDY/tables/t4-wmo-by-household.csv" <<'PY'
import csv, sys
truth = {r['level']: float(r['value']) for r in csv.DictReader(open(sys.argv[1]))
         if r['model'] == 'wmo' and r['parameter'] == 'rate_ratio_household_type'}
rows = {r['household']: r for r in csv.DictReader(open(sys.argv[2])) if r['household'] != 'Total'}
assert truth['couple'] == 1.0 and rows['couple']['ratio'] == '1'
checked = 0
for level, planted in truth.items():
    if level == 'couple':
        continue
    r = rows[level]
    if r['status'] != 's':   # suppressed to protect another cell: nothing to compare
        continue
    lo, hi = float(r['ratio_lower']), float(r['ratio_upper'])
    assert lo <= planted <= hi, (level, planted, lo, hi)
    checked += 1
assert checked >= 4, checked
PY
}

@test "Wmo use is about 8.7% of residents 18+ and rises with lower SES, as planted" {
    python3 - "$STUDY/tables/t4-wmo-by-ses.csv" <<'PY'
import csv, sys
rows = {r['ses']: r for r in csv.DictReader(open(sys.argv[1]))}
rates = [float(rows[q]['std_rate']) for q in '12345']
assert all(a > b for a, b in zip(rates, rates[1:])), rates
total = sum(int(rows[q]['observed']) for q in '12345') / int(rows['Total']['persons'])
assert 0.06 < total < 0.115, total
PY
}

@test "the population: residents registered in the year (or on 1 January), 18 and over on 1 January, persons delivered twice left out" {
    # Clean data (nobody delivered twice: the candidates become the population as they are),
    # against the rule worked out here on the pseudonymised persons: registered at any time in
    # 2017 (the default, as the Amsterdam report counts) or on 1 January (REGISTERED=january).
    local clean="$BATS_TEST_TMPDIR/clean" january="$BATS_TEST_TMPDIR/january"
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$clean" PERSONS=4000 SEED=5 \
        DIRTY=0 YEAR=2017 K="$KOPPEL_BIN/koppel" "$clean/work/population.csv" > "$BATS_TEST_TMPDIR/make.log" 2>&1
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$january" PERSONS=4000 SEED=5 \
        DIRTY=0 YEAR=2017 REGISTERED=january K="$KOPPEL_BIN/koppel" "$january/work/population.csv" \
        > "$BATS_TEST_TMPDIR/make.log" 2>&1
    assert_equal "$(wc -l < "$clean/work/persons-duplicated.csv")" 1
    assert_file_not_exists "$clean/work/population-candidates.csv"
    python3 - "$clean" "$january" <<'PY'
import csv, sys
def check(out, first, last):
    expected = {}
    for r in csv.DictReader(open(out + "/pseudo/persons.csv", newline="")):
        start, end, born = r["registration_start"], r["registration_end"], r["birth_date"]
        if start <= last and (end == "" or end >= first) and born and born <= "1999-01-01":
            y, m, d = map(int, born.split("-"))
            expected[r["bsn"]] = 2017 - y - ((m, d) > (1, 1))
    rows = list(csv.DictReader(open(out + "/work/population.csv", newline="")))
    got = {r["bsn"]: int(r["age"]) for r in rows}
    assert len(rows) == len(got), "a person twice in the population"
    assert got == expected, (len(got), len(expected))
    assert min(got.values()) == 18 and len(got) > 1000, (min(got.values()), len(got))
    return len(got)
year = check(sys.argv[1], "2017-01-01", "2017-12-31")
january = check(sys.argv[2], "2017-01-01", "2017-01-01")
assert year > january * 1.03, (year, january)   # movers in and out, and the dead, during the year
PY
    run make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$january" REGISTERED=june \
        K="$KOPPEL_BIN/koppel" "$january/work/population.csv"
    assert_failure
    assert_output --partial "REGISTERED is year or january, not 'june'"
    # A second row of a resident, with a date that cannot be read: rejected by the cleaning,
    # and still a second delivery, so the resident leaves the population.
    local bsn before
    bsn=$(sed -n 2p "$clean/work/population.csv" | cut -d, -f1)
    before=$(wc -l < "$clean/work/population.csv")
    grep "^$bsn," "$clean/pseudo/persons.csv" | sed 's/,\([0-9]\{4\}\)-\([0-9][0-9]\)-\([0-9][0-9]\),/,\1-13-\3,/' \
        >> "$clean/pseudo/persons.csv"
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$clean" PERSONS=4000 SEED=5 \
        DIRTY=0 YEAR=2017 K="$KOPPEL_BIN/koppel" "$clean/work/population.csv" > "$BATS_TEST_TMPDIR/make.log" 2>&1
    run grep -c "^$bsn," "$clean/rejects/clean-persons.csv"
    assert_output 1
    run grep -cx "$bsn" "$clean/work/persons-duplicated.csv"
    assert_output 1
    run grep -c "^$bsn," "$clean/work/population.csv"
    assert_output 0
    assert_equal "$(wc -l < "$clean/work/population.csv")" "$(( before - 1 ))"
    # Dirty data: the persons delivered twice are counted and none of them is in the population.
    python3 - "$STUDY" <<'PY'
import csv, sys
out = sys.argv[1]
twice = {r["bsn"] for r in csv.DictReader(open(out + "/work/persons-duplicated.csv", newline=""))}
population = {r["bsn"] for r in csv.DictReader(open(out + "/work/population.csv", newline=""))}
assert len(twice) > 10, len(twice)
assert not twice & population
PY
}

@test "the IZA population: whole-year patients of one practice, the born and the dead for their part, less Wlz residents and incomplete practices" {
    # Clean data, seed 6: one practice delivered incompletely in both IZA years. The rule worked
    # out here on the cleaned (pseudonymised) files, against work/iza-YEAR/eligible.csv.
    local clean="$BATS_TEST_TMPDIR/iza"
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$clean" PERSONS=8000 SEED=6 \
        DIRTY=0 K="$KOPPEL_BIN/koppel" "$clean/work/iza-2019/prevalence-rates.csv" "$clean/work/iza-2023/prevalence-rates.csv" \
        > "$BATS_TEST_TMPDIR/make.log" 2>&1 || { tail -n 20 "$BATS_TEST_TMPDIR/make.log"; false; }
    run python3 - "$clean" <<'PY'
import csv, datetime as dt, sys
out = sys.argv[1]
rows = lambda name: list(csv.DictReader(open(f"{out}/clean/{name}.csv", newline="")))
patients, wlz, practices = rows("gp_patients"), rows("wlz"), rows("gp_practices")
partial_total = 0
for year in ("2019", "2023"):
    first, last = year + "-01-01", year + "-12-31"
    overlaps = lambda start, end: start <= last and (end == "" or end >= first)
    practices_of = {}
    births = {}
    whole = set()
    days = {}
    for r in patients:
        start, end = r["registration_start"], r["registration_end"]
        if overlaps(start, end):
            practices_of.setdefault(r["bsn"], set()).add(r["practice_id"])
        births.setdefault(r["bsn"], set()).add(r["birth_date"])
        born_here = r["birth_date"][:4] == year and start[:4] == year
        died = r["registration_end_reason"] == "death" and end[:4] == year
        from_start = start <= first or born_here
        to_end = end == "" or end >= last or died
        if overlaps(start, end) and from_start and to_end:
            whole.add(r["bsn"])
            d0 = max(dt.date.fromisoformat(start), dt.date.fromisoformat(first))
            d1 = min(dt.date.fromisoformat(end) if end else dt.date.fromisoformat(last), dt.date.fromisoformat(last))
            days[r["bsn"]] = max(days.get(r["bsn"], 0), (d1 - d0).days + 1)
    eligible = {b for b in whole if len(practices_of[b]) == 1 and len(births[b]) == 1}
    in_wlz = {r["bsn"] for r in wlz if overlaps(r["start_date"], r["end_date"])}
    bad = {r["practice_id"] for r in practices if r["year"] == year and r["data_quality"] == "insufficient"}
    at_bad = {b for b in eligible if practices_of[b] & bad}
    expected = eligible - in_wlz - at_bad
    got = {r["bsn"] for r in csv.DictReader(open(f"{out}/work/iza-{year}/eligible.csv", newline=""))}
    assert got == expected, (year, len(got), len(expected), len(got - expected), len(expected - got))
    counts = {r["reason"]: int(r["patients"]) for r in csv.DictReader(open(f"{out}/work/iza-{year}/exclusions.csv"))}
    assert counts == {"wlz_institution": len(eligible & in_wlz), "practice_data_insufficient": len(at_bad),
                      "remaining": len(expected)}, counts
    partial = {b for b in expected if b not in {r["bsn"] for r in patients
               if r["registration_start"] <= first and (r["registration_end"] == "" or r["registration_end"] >= last)}}
    assert at_bad and eligible & in_wlz, (len(at_bad), len(eligible & in_wlz))
    partial_total += len(partial)   # the born and the dead: a few a year, none in some years
    # prevalence per 100 patient-years: the denominator is the registered days of the eligible
    patient_days = sum(days[b] for b in expected)
    assert (patient_days < 365 * len(expected)) == bool(partial), (patient_days, len(expected), len(partial))
    for r in csv.DictReader(open(f"{out}/work/iza-{year}/prevalence-rates.csv", newline="")):
        assert int(r["population"]) == patient_days and int(r["count"]) == len(expected), (r, patient_days)
        assert abs(float(r["crude_rate"]) - 100 * int(r["observed"]) / (patient_days / 365)) <= 1e-8 * float(r["crude_rate"]), r
    print(year, len(expected), len(at_bad), len(eligible & in_wlz), len(partial))
assert partial_total > 0, partial_total
PY
    assert_success
    assert_line --regexp '^2019 [0-9]+ [0-9]+ [0-9]+ [0-9]+$'
    assert_line --regexp '^2023 [0-9]+ [0-9]+ [0-9]+ [0-9]+$'
}

@test "IZA referrals: patients of practices that deliver them, a referral for the condition by its codes, ggz left out" {
    # Worked out here from the cleaned files and the rules table, against work/iza-YEAR/cells.csv:
    # the referral rows are yes (a non-ggz referral in the year whose ICPC code is the group's;
    # any referral for frail elderly and intellectual disability), no, and not_delivered (the
    # patient's practice delivers no referrals), and they add up to the group's patients.
    local clean="$BATS_TEST_TMPDIR/iza"
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$clean" PERSONS=8000 SEED=6 \
        DIRTY=0 K="$KOPPEL_BIN/koppel" "$clean/work/iza-2019/cells.csv" "$clean/work/iza-2023/cells.csv" \
        "$clean/work/t6-overlap.csv" > "$BATS_TEST_TMPDIR/make.log" 2>&1 || { tail -n 20 "$BATS_TEST_TMPDIR/make.log"; false; }
    run python3 - "$clean" "$PROJECT_ROOT/share/koppel/rules/iza-conditions.csv" <<'PY'
import csv, sys
out, rules_file = sys.argv[1], sys.argv[2]
rows = lambda path: list(csv.DictReader(open(path, newline="")))
codes = {}
for r in rows(rules_file):
    if r["codes"]:
        group = r["subgroup"] if r["condition"] == "asthma_copd" else r["condition"]
        codes.setdefault(group, []).extend(r["codes"].split())
def of_group(code, group):
    code = code.strip().upper()
    return any(code == c or code.startswith(c + ".") for c in codes.get(group, []))
patients, practices, referrals = rows(f"{out}/clean/gp_patients.csv"), rows(f"{out}/clean/gp_practices.csv"), rows(f"{out}/clean/gp_referrals.csv")
checked, state = 0, {}
for year in ("2019", "2023"):
    first, last = year + "-01-01", year + "-12-31"
    delivering_practices = {r["practice_id"] for r in practices if r["year"] == year and r["delivers_referrals"] == "yes"}
    at_delivering = {r["bsn"] for r in patients if r["practice_id"] in delivering_practices
                     and r["registration_start"] <= last and (r["registration_end"] == "" or r["registration_end"] >= first)}
    year_referrals = [r for r in referrals if r["referral_date"][:4] == year and r["specialism"] != "ggz"]
    prevalence = rows(f"{out}/work/iza-{year}/prevalence.csv")
    cells = {(r["condition"], r["referral"]): int(r["persons"]) for r in rows(f"{out}/work/iza-{year}/cells.csv")
             if r["gp_contact"] == "Total" and r["poh_ggz_contact"] == "Total"}
    for group in ("mental", "cancer", "cardiovascular", "frail_elderly", "neck_back", "osteoarthritis",
                  "diabetes", "asthma", "copd", "intellectual_disability"):
        members = {r["bsn"] for r in prevalence if r[group] == "1"}
        any_care = group in ("frail_elderly", "intellectual_disability")
        referred = {r["bsn"] for r in year_referrals if any_care or of_group(r["icpc"], group)}
        expected = {"yes": len(members & at_delivering & referred), "no": len((members & at_delivering) - referred),
                    "not_delivered": len(members - at_delivering), "Total": len(members)}
        got = {k: cells[(group, k)] for k in expected}
        assert got == expected, (year, group, got, expected)
        state.setdefault(group, {})[year] = {b: ("not_delivered" if b not in at_delivering else "yes" if b in referred else "no")
                                              for b in members}
        assert got["yes"] + got["no"] + got["not_delivered"] == got["Total"]
        checked += got["yes"]
    print(year, len(delivering_practices), len(at_delivering))
assert checked > 0, checked
# the patients at delivering practices in both years, for the change's interval
overlap = {r["condition"]: r for r in rows(f"{out}/work/t6-overlap.csv") if r["referral"] == "yes"}
for group, years in state.items():
    first, last = years["2019"], years["2023"]
    both = [b for b in first if b in last and first[b] != "not_delivered" and last[b] != "not_delivered"]
    expected = (len(both), sum(first[b] == "yes" and last[b] == "yes" for b in both),
                sum(first[b] == "no" and last[b] == "yes" for b in both), sum(first[b] == "yes" and last[b] == "no" for b in both))
    # a cell of 1 to 9 among the four (both, last only, first only, neither) leaves them out
    if any(0 < n < 10 for n in (expected[1], expected[2], expected[3], expected[0] - sum(expected[1:]))):
        expected = (0, 0, 0, 0)
    r = overlap[group]
    got = (int(r["in_both"]), int(r["event_both"]), int(r["event_last_only"]), int(r["event_first_only"]))
    assert got == expected, (group, got, expected)
PY
    assert_success
    assert_line --regexp '^2019 [1-9][0-9]* [1-9][0-9]*$'
}

@test "T8's claims classification: one row per person, group, start and end year, the group's lookback; two lookbacks for a group stop the study" {
    # A hand-made discipline file and rules table, classified by the study's own step (the
    # claims upstream of it taken as made, -o), expected rows written out by hand.
    out="$BATS_TEST_TMPDIR/out" rules="$BATS_TEST_TMPDIR/rules"
    mkdir -p "$out/work/claims" "$out/rejects" "$rules"
    cat > "$out/work/claims/physio.csv" <<'CSV'
bsn,start_date,end_date,diagnosis_code
p1,2018-03-01,2019-02-01,3180
p1,2018-05-01,2019-01-10,3181
p2,2021-01-01,,5171
p3,2022-01-01,2022-01-01,9999
p4,2020-01-01,2020-01-01,1X
CSV
    header=condition,condition_label,subgroup,subgroup_label,code_system,codes,duration,lookback_years,min_age
    printf '%s\n' "$header" "neck_back,neck and back,,,DCSPH,3XXX,chronic,2," \
        "asthma_copd,asthma/COPD,asthma,asthma,DCSPH,5X71,long,1," "asthma_copd,asthma/COPD,copd,COPD,DCSPH,5X72,long,1," \
        > "$rules/iza-claims-paramedical.csv"
    target="$out/work/claims/physio-conditions.csv"
    run make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$out" RULES="$rules" \
        K="$KOPPEL_BIN/koppel" -o "$out/work/claims/physio.csv" "$target"
    assert_success
    assert_equal "$(cat "$target")" "bsn,condition,start_year,end_year,lookback
p1,neck_back,2018,2019,2
p2,asthma,2021,,1"
    # the code of another form is rejected and counted, not lost
    assert_equal "$(tail -n +2 "$out/rejects/classify-claims-physio.csv" | cut -d, -f1)" p4
    # a group given two lookbacks: the step stops, names the table and the group
    echo "neck_back,neck and back,,,DCSPH,4X31,long,1," >> "$rules/iza-claims-paramedical.csv"
    rm -f "$target"
    run make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$out" RULES="$rules" \
        K="$KOPPEL_BIN/koppel" -o "$out/work/claims/physio.csv" "$target"
    assert_failure
    assert_output --partial "gives neck_back two lookbacks (2 and 1); a claims group needs one"
    assert_file_not_exists "$target"
}

@test "T8 patient flows: the claims population, found in GP data, claims or both, and claims per discipline, worked out from the cleaned files" {
    # Clean data, seed 6. Worked out here from clean/ (claims, insured, insurer deliveries, Wlz),
    # the persons' dates of birth, T6's GP prevalence and the rules tables (code matching written
    # here: DBC and DIET by dotted prefix, DCSPH with X as any digit), against work/t8-long.csv.
    local clean="$BATS_TEST_TMPDIR/iza"
    make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$clean" PERSONS=8000 SEED=6 \
        DIRTY=0 K="$KOPPEL_BIN/koppel" "$clean/work/t8-long.csv" "$clean/tables/t8-patient-flows.csv" \
        > "$BATS_TEST_TMPDIR/make.log" 2>&1 || { tail -n 20 "$BATS_TEST_TMPDIR/make.log"; false; }
    run python3 - "$clean" "$PROJECT_ROOT/share/koppel/rules" <<'PY'
import csv, sys
from collections import Counter
out, rules_dir = sys.argv[1], sys.argv[2]
rows = lambda path: list(csv.DictReader(open(path, newline="")))
conditions = ["mental", "cancer", "cardiovascular", "frail_elderly", "neck_back", "osteoarthritis",
              "diabetes", "asthma", "copd", "intellectual_disability"]
def rules(name):
    table = []
    for r in rows(f"{rules_dir}/{name}"):
        group = r["subgroup"] if r["condition"] == "asthma_copd" else r["condition"]
        for code in r["codes"].split():
            table.append((group, code, int(r["lookback_years"])))
    return table
def matches(system, rule, code):
    code = code.strip().upper()
    if system == "DCSPH":
        return len(code) == 4 and all(p == "X" or p == c for p, c in zip(rule, code))
    return code == rule or code.startswith(rule + ".")
systems = {"hospital": ("DBC", rules("iza-claims-hospital.csv")), "physio": ("DCSPH", rules("iza-claims-paramedical.csv")),
           "exercise": ("DCSPH", rules("iza-claims-paramedical.csv")), "dietetics": ("DIET", rules("iza-claims-dietetics.csv"))}
declarations = {(r["discipline"], r["declaration_code"]): r["condition"] for r in rows(f"{rules_dir}/iza-claims-declarations.csv")}
counted = {}
for r in rows(f"{rules_dir}/iza-disciplines.csv"):
    for group in (["asthma", "copd"] if r["condition"] == "asthma_copd" else [r["condition"]]):
        counted.setdefault(group, {})[r["discipline"]] = r["counts"]
claims, insured, deliveries, wlz = rows(f"{out}/clean/claims.csv"), rows(f"{out}/clean/insured.csv"), rows(f"{out}/clean/insurer_deliveries.csv"), rows(f"{out}/clean/wlz.csv")
births = {r["bsn"]: r["birth_date"] for r in rows(f"{out}/work/birth-dates.csv")}
expected = Counter()
for year in ("2019", "2023"):
    y = int(year)
    incomplete = {r["insurer_id"] for r in deliveries if r["delivery"] == "incomplete" and r["year"] in (year, str(y - 1))}
    insurers = {}
    for r in insured:
        if r["year"] == year:
            insurers.setdefault(r["bsn"], set()).add(r["insurer_id"])
    in_wlz = {r["bsn"] for r in wlz if r["start_date"] <= f"{year}-12-31" and (r["end_date"] == "" or r["end_date"] >= f"{year}-01-01")}
    population = {b for b, i in insurers.items() if len(i) == 1 and b in births and not (i & incomplete) and b not in in_wlz}
    found = {}
    for r in claims:
        if r["bsn"] not in population or r["discipline"] not in systems:
            continue
        system, table = systems[r["discipline"]]
        for group, rule, lookback in table:
            if matches(system, rule, r["diagnosis_code"]) and r["start_date"] <= f"{year}-12-31" \
               and (r["end_date"] == "" or r["end_date"] >= f"{y - lookback}-01-01"):
                found.setdefault((r["bsn"], group), set()).add("claims")
    for b in population:
        born = births[b]
        if (y - int(born[:4]) - (born[5:] > "12-31")) >= 80:
            found.setdefault((b, "frail_elderly"), set()).add("claims")
    for r in rows(f"{out}/work/iza-{year}/prevalence.csv"):
        for group in conditions:
            if r[group] == "1" and r["bsn"] in population:
                found.setdefault((r["bsn"], group), set()).add("gp")
    hits = set()
    for r in claims:
        if r["start_date"][:4] != year:
            continue
        hits.add((r["bsn"], "any", r["discipline"]))
        if r["discipline"] in systems:
            system, table = systems[r["discipline"]]
            for group, rule, lookback in table:
                if matches(system, rule, r["diagnosis_code"]):
                    hits.add((r["bsn"], group, r["discipline"]))
        if (r["discipline"], r["declaration_code"]) in declarations:
            hits.add((r["bsn"], declarations[(r["discipline"], r["declaration_code"])], r["discipline"]))
    for (b, group), sources in found.items():
        where = "both" if len(sources) == 2 else sources.pop()
        expected[(year, group, "found_in", where)] += 1
        expected[(year, group, "found_in", "Total")] += 1
        for discipline, counts in counted[group].items():
            hit = (b, "any" if counts == "all" else group, discipline) in hits
            expected[(year, group, discipline, "yes" if hit else "no")] += 1
            expected[(year, group, discipline, "Total")] += 1
got = {(r["year"], r["condition"], r["discipline"], r["contact"]): int(r["persons"]) for r in rows(f"{out}/work/t8-long.csv")}
nonzero = {k: v for k, v in got.items() if v}
assert nonzero == dict(expected), sorted(set(nonzero.items()) ^ set(expected.items()))[:10]
published = rows(f"{out}/tables/t8-patient-flows.csv")
for r in published:
    if r["status"] == "s":
        assert int(r["persons"]) == expected[(r["year"], r["condition"], r["discipline"], r["contact"])], r
    if r["status"] == "s" and r["contact"] == "yes" and r["discipline"] != "found_in":
        total = expected[(r["year"], r["condition"], r["discipline"], "Total")]
        assert abs(float(r["contact_pct"]) - 100 * int(r["persons"]) / total) < 1e-6, r
print(sum(v for k, v in expected.items() if k[2] == "found_in" and k[3] == "both"),
      sum(v for k, v in expected.items() if k[2] == "found_in" and k[3] == "claims"),
      sum(v for k, v in expected.items() if k[2] == "found_in" and k[3] == "gp"))
PY
    assert_success
    # persons found in both sources, in the claims only and in GP data only
    assert_output --regexp '^[1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$'
    run grep -c ',no$' "$clean/tables/t8-patient-flows.audit.txt"
    assert_output 0
    # found_in and intellectual disability are not published: with T6 they would give, by
    # subtraction, the group's GP patients outside the claims population
    run grep -Ec '^[0-9]{4},(intellectual_disability,|[a-z_]+,found_in,)' "$clean/tables/t8-patient-flows.csv"
    assert_output 0
    # and attacked by attacker.py: per year and group, its tables (one per discipline)
    # stacked as linked tables with the true counts
    python3 - "$clean/tables/t8-patient-flows.csv" "$clean/work/t8-cells.csv" "$BATS_TEST_TMPDIR/t8" <<'PY'
import csv, os, sys
os.makedirs(sys.argv[3])
status = {(r["year"], r["condition"], r["discipline"], r["contact"]): r["status"] for r in csv.DictReader(open(sys.argv[1], newline=""))}
true = {(r["year"], r["condition"], r["discipline"], r["contact"]): r["persons"] for r in csv.DictReader(open(sys.argv[2], newline=""))}
assert set(status) == set(true), "T8 and its cells differ"
for year, condition in sorted({k[:2] for k in status}):
    keys = [k for k in status if k[:2] == (year, condition)]
    dims = sorted({k[2] for k in keys})
    totals = {status[k] for k in keys if k[3] == "Total"}
    assert len(totals) == 1, ("the group's total has two statuses", year, condition)
    with open(os.path.join(sys.argv[3], "%s-%s.csv" % (year, condition)), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(dims + ["persons", "status"])
        w.writerow(["Total"] * len(dims) + [true[keys[0][:2] + (dims[0], "Total")], totals.pop()])
        for k in keys:
            if k[3] != "Total":
                w.writerow([k[3] if d == k[2] else "Total" for d in dims] + [true[k], status[k]])
    print(",".join(dims), file=open(os.path.join(sys.argv[3], "%s-%s.dims" % (year, condition)), "w"))
PY
    local n=0 f
    for f in "$BATS_TEST_TMPDIR"/t8/*.csv; do
        run python3 "$PROJECT_ROOT/tests/fixtures/suppress/attacker.py" audit "$f" --linked \
            --dims "$(cat "${f%.csv}.dims")" --count persons --fill-zeros
        assert_success
        n=$((n + 1))
    done
    [ "$n" -eq 18 ]   # nine groups (not intellectual disability) in two years
}

@test "the municipal study: clients per 1,000 per municipality and month as counted here, and the DiD recovers the planted effect" {
    # The panel against a count worked out here on the cleaned decisions (product -> category ->
    # outcome from the shipped tables; a decision counts in every month it touches; a client once
    # per municipality and month), the two-point DiD against the difference of the four group
    # means, and each effect's interval against the planted one.
    run python3 - "$STUDY" "$PROJECT_ROOT/share/koppel/rules" <<'PY'
import csv, sys
out, rules = sys.argv[1], sys.argv[2]
read = lambda path: list(csv.DictReader(open(path, newline="")))
category = {r["product_code"]: r["category"] for r in read(rules + "/gmsd-products.csv")}
outcome = {r["category"]: r["ondersteuning_thuis"] for r in read(rules + "/gmsd-categories.csv")}
municipalities = read(out + "/raw/country/municipalities.csv")
included = {m["gemeente_code"]: int(m["wijkteam"]) for m in municipalities
            if m["gmsd_delivered"] == "2015 2016 2017" and not m["merged_into"] and not m["merger_date"]
            and not m["category_change"]}
months = ["%d-%02d" % (y, m) for y in (2015, 2016, 2017) for m in range(1, 13)]
clients = {}
for r in read(out + "/clean/country/gmsd.csv"):
    if outcome[category[r["product_code"]]] != "yes" or r["gemeente_code"] not in included:
        continue
    first, last = r["start_date"][:7], (r["end_date"] or "9999-12")[:7]
    for month in months:
        if first <= month <= last:
            clients.setdefault((r["gemeente_code"], month), set()).add(r["bsn"])
inhabitants = {}
for r in read(out + "/raw/country/population.csv"):
    key = (r["gemeente_code"], r["month"])
    inhabitants[key] = inhabitants.get(key, 0) + int(r["inhabitants"])
panel = {(r["gemeente_code"], r["month"]): r for r in read(out + "/work/wijkteams/panel.csv")}
by_age = {(r["gemeente_code"], r["month"], r["age_group"]): r for r in read(out + "/work/wijkteams/panel-by-age.csv")}
assert set(panel) == {(g, m) for g in included for m in months}, len(panel)
for (g, m), r in panel.items():
    expected = 1000 * len(clients.get((g, m), ())) / inhabitants[(g, m)]
    assert abs(float(r["per_1000"]) - expected) <= 1e-9 * max(1, expected), (g, m, r["per_1000"], expected)
    assert int(r["wijkteam"]) == included[g]
# 65 and over on the first of the month, against the age groups' inhabitants
def age_on(birth, day):
    return int(day[:4]) - int(birth[:4]) - ((day[5:], ) < (birth[5:], ))
older = {}
for r in read(out + "/clean/country/gmsd.csv"):
    if outcome[category[r["product_code"]]] != "yes" or r["gemeente_code"] not in included:
        continue
    first, last = r["start_date"][:7], (r["end_date"] or "9999-12")[:7]
    for month in months:
        if first <= month <= last and age_on(r["birth_date"], month + "-01") >= 65:
            older.setdefault((r["gemeente_code"], month), set()).add(r["bsn"])
inhabitants_65 = {(r["gemeente_code"], r["month"]): int(r["inhabitants"]) for r in read(out + "/raw/country/population.csv")
                  if r["age_group"] == "65plus"}
for (g, m), n in inhabitants_65.items():
    if g in included:
        expected = 1000 * len(older.get((g, m), ())) / n
        got = float(by_age[(g, m, "65plus")]["per_1000"])
        assert abs(got - expected) <= 1e-9 * max(1, expected), (g, m, got, expected)
def mean(group, month):
    values = [float(panel[(g, month)]["per_1000"]) for g, w in included.items() if w == group]
    return sum(values) / len(values)
did = (mean(1, "2017-12") - mean(1, "2015-01")) - (mean(0, "2017-12") - mean(0, "2015-01"))
effects = {(r["model"], r["weighting"]): r for r in read(out + "/tables/w1-wijkteam-did.csv")
           if r["term"] == "treated_x_time" and r["source"] == "gmsd" and r["age_group"] == "all"}
assert abs(float(effects[("two-point", "unweighted")]["estimate"]) - did) < 1e-9, (effects, did)
truth = {(r["parameter"], r["level"]): float(r["value"]) for r in read(out + "/raw/country/truth.csv") if r["model"] == "gmsd"}
inside = 0
for (model, weighting), r in effects.items():
    planted = truth[("did_two_point" if model == "two-point" else "did_linear_slope_per_unit", weighting + ":all")]
    inside += float(r["ci_low"]) <= planted <= float(r["ci_high"])
    assert int(r["clusters"]) == len(included)
assert len(effects) == 4 and inside >= 3, (inside, effects)
# CAK: its own municipalities (a CAK delivery in every year), the same four estimates
included_cak = {m["gemeente_code"] for m in municipalities
                if m["cak_delivered"] == "2015 2016 2017" and not m["merged_into"] and not m["merger_date"]
                and not m["category_change"]}
cak = [r for r in read(out + "/tables/w1-wijkteam-did.csv") if r["term"] == "treated_x_time" and r["source"] == "cak"]
ages = [r for r in read(out + "/tables/w1-wijkteam-did.csv") if r["term"] == "treated_x_time" and r["age_group"] != "all"]
assert sorted({r["age_group"] for r in ages}) == ["65plus", "under65"] and len(ages) == 8, ages
truth_cak = {(r["parameter"], r["level"]): float(r["value"]) for r in read(out + "/raw/country/truth.csv") if r["model"] == "cak"}
cak_inside = sum(float(r["ci_low"]) <= truth_cak[("did_two_point" if r["model"] == "two-point" else "did_linear_slope_per_unit",
                                                  r["weighting"] + ":all")] <= float(r["ci_high"]) for r in cak)
assert len(cak) == 4 and all(int(r["clusters"]) == len(included_cak) for r in cak) and cak_inside >= 3, (cak, cak_inside)
periods = {r["period"] for r in read(out + "/work/wijkteams/cak-panel.csv")}
assert len(periods) == 39 and min(periods) == "2015-01" and max(periods) == "2017-13", sorted(periods)[:3]
print(len(included), round(did, 3), inside)
PY
    assert_success
    assert_output --regexp '^[0-9]+ [0-9.-]+ [34]$'
    grep -q '<h2 id="wijkteams"' "$STUDY/report.html"
}

@test "a rerun gives byte-identical tables and report" {
    # the same output directory twice (the linkage reports name their input files)
    for run_dir in a b; do
        make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$BATS_TEST_TMPDIR/run" \
            PERSONS=6000 SEED=5 K="$KOPPEL_BIN/koppel" -j 2 > "$BATS_TEST_TMPDIR/$run_dir.log" 2>&1
        mv "$BATS_TEST_TMPDIR/run" "$BATS_TEST_TMPDIR/$run_dir"
    done
    diff -r "$BATS_TEST_TMPDIR/a/tables" "$BATS_TEST_TMPDIR/b/tables"
    cmp "$BATS_TEST_TMPDIR/a/report.html" "$BATS_TEST_TMPDIR/b/report.html"
}

@test "the report is self-contained: every table and a chart for each, no external resources" {
    local report="$STUDY/report.html"
    assert_file_exists "$report"
    run grep -c '<svg' "$report"
    assert [ "$output" -ge 7 ]
    for h in linkage rejects t1 t2 t3 t4 t5 t6 t7 suppression; do
        grep -q "<h2 id=\"$h\"" "$report"
    done
    run grep -Ec '(src|href)="(https?:)?//' "$report"
    assert_output 0
}

@test "T2 (mean of contacts per person): the 18-44 ratio's interval is as wide as a person-level bootstrap" {
    # Resample persons within each group x stratum (sex, SES group) of age 18-44, 1000 times;
    # the internal standard's weights are the strata's persons in the linked set. The bootstrap
    # is the oracle, not the method: the published interval's width on the log scale must be
    # within 25% of the bootstrap's (a Poisson interval is about a third as wide).
    run python3 - "$STUDY/work/linked.csv" "$STUDY/tables/t2-contacts-by-age.csv" <<'PY'
import csv, math, random, sys
rows = list(csv.DictReader(open(sys.argv[1])))
weight, cells = {}, {}
for r in rows:
    s = (r['sex'], r['ses_group'])
    weight[s] = weight.get(s, 0) + 1
    if r['age_group'] == '18-44':
        cells.setdefault((r['wmo_user'], s), []).append(float(r['gp_contacts']))
def dsm(g, sample):
    return sum(w * sum(sample[(g, s)]) / len(sample[(g, s)]) for s, w in weight.items()) / sum(weight.values())
rng = random.Random(2017)
ratios = sorted(dsm('1', b) / dsm('0', b) for b in
                ({k: rng.choices(v, k=len(v)) for k, v in cells.items()} for _ in range(1000)))
low, high = ratios[25], ratios[974]
t2 = next(r for r in csv.DictReader(open(sys.argv[2])) if r['age_group'] == '18-44' and r['wmo_user'] == '1')
published = math.log(float(t2['ratio_upper']) / float(t2['ratio_lower']))
bootstrap = math.log(high / low)
print('T2 18-44 ratio %s [%s, %s]; bootstrap [%.3f, %.3f]' % (t2['ratio'], t2['ratio_lower'], t2['ratio_upper'], low, high))
assert abs(published / bootstrap - 1) < 0.25, (published, bootstrap)
PY
    echo "# $output" >&3
    assert_success
}

@test "the report's disclosure control names every suppressed cell, primary or secondary, and no value" {
    run python3 - "$STUDY/tables" "$STUDY/report.html" <<'PY'
import csv, glob, html, os, re, sys
section = open(sys.argv[2]).read().split('<h2 id="suppression">', 1)[1]
rows = [[html.unescape(re.sub(r'<[^>]+>', '', c)) for c in re.findall(r'<td[^>]*>(.*?)</td>', r)]
        for r in re.findall(r'<tr>(.*?)</tr>', section)]
listed = [r for r in rows if r and r[-1].startswith(('primary:', 'secondary:'))]
expected = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], 't[1-8]-*.csv'))):
    records = list(csv.reader(open(path, newline='')))
    # every column before the first count names the cell; T7's by year, discipline and code (its
    # suppressed rows are other and Total, which have no rank)
    identifying = records[0].index('persons') if 'persons' in records[0] else records[0].index('code') + 1
    status = records[0].index('status')
    for r in records[1:]:
        if r[status] in ('u', 'x'):
            expected.append(r[:identifying] + ['primary' if r[status] == 'u' else 'secondary'])
assert sorted(r[:-1] + [r[-1].split(':')[0]] for r in listed) == sorted(expected), (listed, expected)
assert re.search(r'audited (on its own|together)[^<]*: \d+ suppressed cells checked[^<]*all protected', section)
print('%d suppressed cells listed' % len(listed))
PY
    echo "# $output" >&3
    assert_success
}

@test "the report sets the estimates against the planted truth: T4 household flags agree, 90% inside" {
    # The section rows carry a key (table:level); the test recomputes T4's household rows from
    # the table, truth.csv and the population on its own: the true value of a T4 ratio is the
    # planted model's probabilities of these residents, standardised directly for age (strata)
    # and sex as T4 is. It counts the flags of every row.
    run python3 - "$STUDY/raw/truth.csv" "$STUDY/tables/t4-wmo-by-household.csv" "$STUDY/report.html" \
        "$STUDY/work/population-wmo.csv" <<'PY'
import csv, html, re, sys
report = open(sys.argv[3]).read()
assert '<h2 id="truth">Estimates against the planted truth</h2>' in report
section = report.split('<h2 id="truth">', 1)[1].split('<h2 ', 1)[0]
rows = {}
for key, cells in re.findall(r'<tr data-key="([^"]*)"[^>]*>(.*?)</tr>', section):
    # table, parameter, estimate, 95% interval, true value, inside, planted, explanation
    rows[html.unescape(key)] = [html.unescape(re.sub(r'<[^>]+>', '', c)) for c in re.findall(r'<td[^>]*>(.*?)</td>', cells)]
for prefix in ('t4-wmo-by-ses:', 't4-wmo-by-household:', 't4-wmo-by-migration:', 't5:', 't2:', 't3:', 'share', 't6:asthma_copd:2019', 't6:asthma_copd:2023'):
    assert any(k.startswith(prefix) for k in rows), ('no row for', prefix)
truth = {r['level']: float(r['value']) for r in csv.DictReader(open(sys.argv[1]))
         if r['model'] == 'wmo' and r['parameter'] == 'rate_ratio_household_type'}
planted_model = {}
for r in csv.DictReader(open(sys.argv[1])):
    planted_model[(r['model'], r['parameter'], r['level'])] = float(r['value'])
def probability(p):
    age = int(p['age'])
    bands = [(int(l.split(':')[1].rstrip('+').split('-')[0]), l) for (m, q, l) in planted_model
             if m == 'wmo' and q == 'base_probability' and l.startswith(p['sex'] + ':')]
    band = max((lo, l) for lo, l in bands if lo <= age)[1]
    v = planted_model[('wmo', 'base_probability', band)]
    v *= planted_model[('wmo', 'rate_ratio_ses_quintile', p['ses'])]
    v *= planted_model[('wmo', 'rate_ratio_household_type', p['household'])]
    v *= planted_model[('wmo', 'rate_ratio_migration_background', p['migration'])]
    v *= planted_model[('wmo', 'rate_ratio_district', p['district'])]
    return min(v, planted_model[('wmo', 'cap', '')])
weight, sums = {}, {}
for p in csv.DictReader(open(sys.argv[4])):
    stratum = (p['age_strata'], p['sex'])
    weight[stratum] = weight.get(stratum, 0) + 1
    s_n = sums.setdefault((p['household'], stratum), [0.0, 0])
    s_n[0] += probability(p); s_n[1] += 1
def direct(level):
    num = den = 0.0
    for stratum, w in weight.items():
        if (level, stratum) in sums:
            total, count = sums[(level, stratum)]
            num += w * total / count; den += w
    return num / den
checked = 0
for r in csv.DictReader(open(sys.argv[2])):
    level = r['household']
    if level in ('Total', 'couple'):
        continue
    got = rows['t4-wmo-by-household:' + level]
    planted = truth[level] / truth['couple']
    if r['status'] != 's':
        assert got[2] == 'suppressed' and got[5] == '', (level, got)
        continue
    true_value = direct(level) / direct('couple')
    inside = float(r['ratio_lower']) <= true_value <= float(r['ratio_upper'])
    assert got[5] == ('yes' if inside else 'no'), (level, got, r, true_value)
    assert abs(float(got[2]) / float(r['ratio']) - 1) < 5e-4, (level, got, r)
    assert abs(float(got[4]) / true_value - 1) < 5e-4, (level, got, true_value)
    assert abs(float(got[6]) / planted - 1) < 5e-4, (level, got, planted)
    checked += 1
assert checked == 5, checked
# calibration targets (T3's overall ratio, T6's prevalences of 2019 and 2023) are counted apart
calibration = lambda key: key.startswith(('t3:', 't6:'))
flags = [c[5] for k, c in rows.items() if c[5] in ('yes', 'no') and not calibration(k)]
targets = [c[5] for k, c in rows.items() if c[5] in ('yes', 'no') and calibration(k)]
inside = flags.count('yes')
assert len(flags) >= 20 and len(targets) >= 15, (len(flags), len(targets))
assert any(k.endswith(':2019') for k in rows) and any(k.endswith(':2023') for k in rows)
assert inside >= 0.9 * len(flags), (inside, len(flags))
m = re.search(r'(\d+) of (\d+) planted values lie inside their 95% interval', section)
assert m and (int(m.group(1)), int(m.group(2))) == (inside, len(flags)), m
m = re.search(r'Of the (\d+) calibration targets [^<]*?, (\d+) lie inside', section)
assert m and (int(m.group(2)), int(m.group(1))) == (targets.count('yes'), len(targets)), m
outside = len(flags) - inside + targets.count('no')
assert section.count('<li>') == outside   # each one outside is listed, with why
print('%d of %d planted values inside, %d of %d targets' % (inside, len(flags), targets.count('yes'), len(targets)))
PY
    echo "# $output" >&3
    assert_success
}
