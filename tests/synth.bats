#!/usr/bin/env bats
# synth.bats: koppel synth — the data dictionary, BSNs, determinism, the planted magnitudes
# (checked by independent python analyses in tests/fixtures/synth), faults, options, errors.
bats_require_minimum_version 1.5.0

# One clean run big enough for the statistics, one dirty run and its clean twin, shared by
# the tests (generation is deterministic, so the figures below do not depend on the machine).
setup_file() {
    load 'test_helper/common-setup'
    _common_setup
    export DATA="$BATS_FILE_TMPDIR"
    koppel synth --persons 60000 --seed 11 --out "$DATA/clean" --truth "$DATA/clean/truth.csv" \
        --stats "$DATA/clean.json"
    koppel synth --persons 20000 --seed 5 --dirty 0.01 --out "$DATA/dirty" --stats "$DATA/dirty.json"
    koppel synth --persons 20000 --seed 5 --out "$DATA/twin"
}

setup() {
    load 'test_helper/common-setup'
    _common_setup
    S="$FIXTURES/synth"
}

FILES="persons wmo wlz gp_practices gp_patients gp_episodes gp_contacts gp_referrals insured insurer_deliveries claims"

# rows FILE: data records in a CSV without quoted line breaks (lines minus the header).
rows() { echo $(( $(wc -l < "$1") - 1 )); }

# number KEY FILE: a whole-number field of the last JSON object of a --stats file (flat
# objects of words and numbers; cheaper than starting python for each figure).
number() { tail -n 1 "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

# all_balance FILE: every --stats object in FILE has in = out + filtered + rejected.
all_balance() {
    python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]).read().splitlines():
    s = json.loads(line)
    assert s["records_in"] == s["records_out"] + s["filtered"] + s["rejected"], s
PY
}

@test "--help: usage first, then every option, every column and every fault" {
    run koppel synth --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel synth"
    assert_line --index 1 --partial "synthetic sources"
    for option in --out --persons --seed --years --gp-coverage --dirty --truth --output-delimiter --stats --help --version; do
        assert_output --partial -- "$option"
    done
    for column in bsn birth_date sex postcode house_number gemeente_code wijk_code buurt_code district \
        household_type migration_background ses_quintile registration_start registration_end death_date \
        provision_code provision_type start_date end_date delivery practice_id episode_id icpc \
        contact_date contact_type provider insurer_id law discipline declaration_code diagnosis_code; do
        assert_output --partial "$column"
    done
    for value in household_help individual_support day_activities personal_care short_stay \
        housing_adaptation transport wheelchair other_aids sheltered_housing shelter \
        consult visit phone email vaccination group poh_s poh_ggz in_kind pgb zvw wlz physio exercise skin \
        dietetics occupational hospital mental_basic mental_specialist district_nursing primary_stay hap seh \
        complete incomplete DCSPH DBC ICD10; do
        assert_output --partial "$value"
    done
    for fault in bsn_8_digits bsn_separators bsn_elfproef bsn_empty duplicate_row \
        same_person_different_data date_dmy end_before_start icpc_case_padding icpc_not_icpc \
        too_few_fields too_many_fields byte-order CRLF unterminated ';'; do
        assert_output --partial -- "$fault"
    done
    assert_output --partial "README.md"
}

@test "--version" {
    run koppel synth --version
    assert_success
    assert_line --index 0 --regexp '^koppel-synth \(koppel\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "usage example: eleven files with exactly the columns its --help lists" {
    cd "$BATS_TEST_TMPDIR"
    run koppel synth --persons 20000 --seed 7 --out data
    assert_success
    assert_output ""
    assert_equal "$(head -1 data/persons.csv)" "bsn,birth_date,sex,postcode,house_number,gemeente_code,wijk_code,buurt_code,district,household_type,migration_background,ses_quintile,registration_start,registration_end,death_date"
    assert_equal "$(head -1 data/wmo.csv)" "bsn,gemeente_code,provision_code,provision_type,start_date,end_date,delivery"
    assert_equal "$(head -1 data/gp_patients.csv)" "bsn,practice_id,birth_date,sex,postcode,registration_start,registration_end,registration_end_reason"
    assert_equal "$(head -1 data/gp_episodes.csv)" "bsn,practice_id,episode_id,icpc,start_date,end_date"
    assert_equal "$(head -1 data/gp_contacts.csv)" "bsn,practice_id,contact_date,contact_type,provider,icpc"
    assert_equal "$(head -1 data/wlz.csv)" "bsn,start_date,end_date,setting"
    assert_equal "$(head -1 data/gp_practices.csv)" "practice_id,year,data_quality,missing_from,missing_to,delivers_referrals"
    assert_equal "$(head -1 data/insured.csv)" "bsn,year,insurer_id"
    assert_equal "$(head -1 data/insurer_deliveries.csv)" "insurer_id,year,delivery"
    assert_equal "$(head -1 data/claims.csv)" "bsn,insurer_id,law,discipline,declaration_code,start_date,end_date,diagnosis_code"
    assert_equal "$(rows data/persons.csv)" 20000
    assert_equal "$(ls data | paste -sd' ')" "claims.csv gp_contacts.csv gp_episodes.csv gp_patients.csv gp_practices.csv gp_referrals.csv insured.csv insurer_deliveries.csv persons.csv wlz.csv wmo.csv"
    # No temporaries left behind.
    run bash -c "ls -a data | grep -c tmp"
    assert_output 0
}

@test "deterministic: same options give byte-identical files, another seed other files" {
    cd "$BATS_TEST_TMPDIR"
    koppel synth --persons 20000 --seed 5 --out again
    for f in $FILES; do
        cmp "$DATA/twin/$f.csv" "again/$f.csv"
    done
    koppel synth --persons 60000 --seed 11 --out big --truth big/truth.csv
    for f in $FILES truth; do
        cmp "$DATA/clean/$f.csv" "big/$f.csv"
    done
    koppel synth --persons 20000 --seed 6 --out other
    for f in $FILES; do
        run cmp -s "$DATA/twin/$f.csv" "other/$f.csv"
        assert_failure
    done
}

@test "clean: every BSN passes the elfproef, persons' BSNs are unique, codes nest, dates hold" {
    run python3 "$S/validate.py" "$DATA/clean" 2017 2023
    assert_success
    assert_output --partial "persons=60000"
}

@test "clean: the other patients' BSNs are valid and unique too" {
    run python3 - "$DATA/clean" <<'PY'
import csv, sys
out = sys.argv[1]
persons = {r["bsn"] for r in csv.DictReader(open(f"{out}/persons.csv"))}
outside = {r["bsn"] for r in csv.DictReader(open(f"{out}/gp_patients.csv"))} - persons
def elfproef(b):
    d = [int(c) for c in b]
    return len(b) == 9 and b != "000000000" and (sum((9 - i) * d[i] for i in range(8)) - d[8]) % 11 == 0
assert outside and all(elfproef(b) for b in outside)
print(len(outside), len(persons | outside) == len(persons) + len(outside))
PY
    assert_success
    assert_output --regexp '^[0-9]+ True$'
}

@test "clean: a Wlz stay for each institution resident while registered; no contacts in a practice's missing months" {
    run python3 - "$DATA/clean" <<'PY'
import csv, sys
out = sys.argv[1]
persons = {r["bsn"]: r for r in csv.DictReader(open(f"{out}/persons.csv"))}
stays = list(csv.DictReader(open(f"{out}/wlz.csv")))
institution = {b for b, r in persons.items() if r["household_type"] == "institution"}
by_bsn = {}
for r in stays:
    by_bsn.setdefault(r["bsn"], []).append(r)
# one stay per institution resident (bar one who never was an adult resident), none for others
assert set(by_bsn) <= institution and all(len(v) == 1 for v in by_bsn.values())
assert len(by_bsn) >= 0.95 * len(institution), (len(by_bsn), len(institution))
for b, (r,) in by_bsn.items():
    p = persons[b]
    assert r["end_date"] == p["registration_end"] and r["setting"] == "institution"
    assert r["start_date"] >= min(p["registration_start"], "2017-01-01") or r["start_date"] >= p["registration_start"]
    assert r["start_date"] >= p["birth_date"]
practices = list(csv.DictReader(open(f"{out}/gp_practices.csv")))
ids = {r["practice_id"] for r in csv.DictReader(open(f"{out}/gp_patients.csv"))}
assert {r["practice_id"] for r in practices} == ids
assert sorted({r["year"] for r in practices}) == [str(y) for y in range(2017, 2024)]
assert len(practices) == 7 * len(ids)
gaps = {(r["practice_id"], r["year"]): (r["missing_from"], r["missing_to"])
        for r in practices if r["data_quality"] == "insufficient"}
for (pid, year), (a, b) in gaps.items():
    assert a[:4] == year == b[:4] and a[8:] == "01" and a <= b
for r in practices:
    assert (r["data_quality"] == "sufficient") == (r["missing_from"] == "" == r["missing_to"])
inside = 0
for r in csv.DictReader(open(f"{out}/gp_contacts.csv")):
    g = gaps.get((r["practice_id"], r["contact_date"][:4]))
    if g and g[0] <= r["contact_date"] <= g[1]:
        inside += 1
assert inside == 0
print(len(by_bsn), len(gaps))
PY
    assert_success
    assert_output --regexp '^[0-9]+ [0-9]+$'
}

@test "clean: every file parses with the project's own reader, nothing rejected" {
    for f in $FILES; do
        koppel select --stats "$BATS_TEST_TMPDIR/s.json" "$DATA/clean/$f.csv" > "$BATS_TEST_TMPDIR/copy.csv"
        assert_equal "$(number rejected "$BATS_TEST_TMPDIR/s.json")" 0
        assert_equal "$(number records_in "$BATS_TEST_TMPDIR/s.json")" "$(rows "$DATA/clean/$f.csv")"
        cmp "$DATA/clean/$f.csv" "$BATS_TEST_TMPDIR/copy.csv"
    done
    all_balance "$BATS_TEST_TMPDIR/s.json"
}

@test "magnitudes: Wmo share, planted rate ratios, GP coverage, prevalences, contacts (tolerances in analyse.py)" {
    run python3 "$S/analyse.py" "$DATA/clean" 0.10
    echo "$output"
    assert_success
    refute_output --partial FAIL
    assert_line --partial "wmo_share_residents_18_plus"
    assert_line --partial "wmo_contact_ratio_standardised"
    assert_line --partial "prevalence_2023_asthma_copd"
}

@test "--stats: records per file equal the files' rows; nothing read" {
    J="$DATA/clean.json"
    total=0
    for f in $FILES; do
        assert_equal "$(number "$f" "$J")" "$(rows "$DATA/clean/$f.csv")"
        total=$((total + $(rows "$DATA/clean/$f.csv")))
    done
    assert_equal "$(number records_out "$J")" "$total"
    assert_equal "$(number records_in "$J")" 0
    assert_equal "$(number persons "$J")" 60000
    assert_equal "$(number practices "$J")" "$(cut -d, -f2 "$DATA/clean/gp_patients.csv" | tail -n +2 | sort -u | wc -l)"
    run grep -c fault_ "$J"
    assert_output 0
    # The JSON is valid, and number() reads what a JSON parser reads.
    assert_equal "$(stats_field "$J" gp_contacts)" "$(number gp_contacts "$J")"
}

@test "--truth: the planted parameters, readable by koppel select" {
    T="$DATA/clean/truth.csv"
    assert_equal "$(head -1 "$T")" "model,parameter,level,value"
    run koppel select --eq model=wmo --eq parameter=rate_ratio_ses_quintile --columns level,value "$T"
    assert_output "level,value
1,1.8
2,1.5
3,1.25
4,1.1
5,1"
    run koppel select --eq parameter=rate_ratio_household_type --eq level=single --columns value "$T"
    assert_line --index 1 "1.6"
    run koppel select --eq parameter=rate_ratio_migration_background --eq level=surinamese --columns value "$T"
    assert_line --index 1 "1.5"
    run koppel select --eq parameter=target_share_residents_18_plus --columns value "$T"
    assert_line --index 1 "0.087"
    run koppel select --eq model=condition --columns level,value "$T"
    assert_line "asthma_copd,0.126"
    assert_line "frail_elderly,0.048"
    # Every district has its planted ratio.
    run koppel select --eq parameter=rate_ratio_district "$T"
    assert_success
    assert_equal "$((${#lines[@]} - 1))" 8
    run koppel select --eq parameter=practices --columns value "$T"
    assert_success
    assert_equal "${lines[-1]}" "$(number practices "$DATA/clean.json")"
}

@test "dirty: every fault of real deliveries is in the files" {
    run python3 "$S/faults.py" "$DATA/dirty"
    echo "$output"
    assert_success
}

@test "dirty: row faults come at about RATE of the rows" {
    run python3 - "$DATA/dirty.json" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
rows = sum(s[f] for f in ("persons", "wmo", "gp_patients", "gp_episodes", "gp_contacts", "insured", "claims"))
for kind in ("bsn_separators", "bsn_elfproef", "bsn_empty", "duplicate_row", "date_dmy", "too_few_fields", "too_many_fields", "bsn_8_digits"):
    share = s["fault_" + kind] / rows
    assert 0.005 <= share <= 0.015, (kind, share)
for kind in ("byte_order_mark", "crlf", "unterminated_quote", "semicolon_practice"):
    assert s["fault_" + kind] == 1, kind
print("ok")
PY
    assert_success
    assert_output ok
}

@test "dirty: the project's reader takes every file, rejecting only the structurally bad rows" {
    cd "$BATS_TEST_TMPDIR"
    for f in $FILES; do
        run koppel select --rejects "$BATS_TEST_TMPDIR/rej-$f.csv" --stats dirty.json "$DATA/dirty/$f.csv"
        assert_success
    done
    all_balance dirty.json
    run koppel select --columns reject_reason "$BATS_TEST_TMPDIR/rej-wmo.csv"
    assert_output --partial "unterminated quote"
    assert_output --partial "fields, expected 7"
    run bash -c "koppel select -d ';' --stats semi.json '$DATA'/dirty/gp_contacts_practice_P*.csv > /dev/null"
    assert_success
    assert_equal "$(number rejected semi.json)" 0
    # The BOM and CRLF files read as the others do.
    run bash -c "set -o pipefail; koppel select --rejects r.csv --columns bsn '$DATA/dirty/persons.csv' 2>/dev/null | head -1"
    assert_success
    assert_output "bsn"
    run --separate-stderr koppel select --rejects r.csv --columns registration_end "$DATA/dirty/gp_patients.csv"
    assert_success
    refute_output --partial $'\r'
}

@test "dirty data is the clean data plus faults (faults have a random stream of their own)" {
    run python3 - "$DATA/dirty" "$DATA/twin" <<'PY'
import sys
dirty_dir, clean_dir = sys.argv[1:]
for name in ("persons", "wmo", "gp_episodes"):
    clean = open(f"{clean_dir}/{name}.csv", encoding="utf-8").read().splitlines()[1:]
    dirty = set(open(f"{dirty_dir}/{name}.csv", encoding="utf-8-sig").read().splitlines()[1:])
    kept = sum(line in dirty for line in clean) / len(clean)
    assert 0.85 < kept < 0.99, (name, kept)
print("ok")
PY
    assert_success
    assert_output ok
}

@test "--years: everything within the chosen years" {
    cd "$BATS_TEST_TMPDIR"
    run koppel synth --persons 20000 --seed 3 --years 2019-2020 --out y
    assert_success
    run python3 "$S/validate.py" y 2019 2020
    assert_success
    assert_equal "$(cut -d, -f3 y/gp_contacts.csv | tail -n +2 | cut -c1-4 | sort -u | paste -sd' ')" "2019 2020"
}

@test "GP contacts about a condition: the planted share of a group's patients, year by year" {
    # Of the patients with a case and a GP contact after it, the share with a contact coded for
    # the group is the planted probability (truth.csv), less a little: a coded contact may fall
    # in a month a practice did not deliver, or at the other practice of a patient who moved.
    cd "$BATS_TEST_TMPDIR"
    koppel synth --persons 60000 --seed 7 --gp-coverage 0.5 --out g --truth g/truth.csv
    python3 "$S/contact_shares.py" "$KOPPEL_SHARE/rules/iza-conditions.csv" g > shares.csv
    run python3 - shares.csv g/truth.csv <<'PY'
import csv, sys
planted = {(r["level"], r["parameter"][-4:]): float(r["value"]) for r in csv.DictReader(open(sys.argv[2]))
           if r["parameter"].startswith("gp_contact_about_")}
checked = 0
for r in csv.DictReader(open(sys.argv[1])):
    key = (r["group"], r["year"])
    if key not in planted:
        continue
    share, n, p = float(r["share"]), int(r["patients"]), planted[key]
    se = (p * (1 - p) / n) ** 0.5
    print(key, n, share, p)
    assert p - 0.04 - 3 * se <= share <= p + 3 * se, (key, share, p)
    checked += 1
assert checked == 14, checked
PY
    assert_success
}

@test "referrals: a quarter of practices deliver them; the planted chance per group; mental episodes only to ggz" {
    cd "$BATS_TEST_TMPDIR"
    koppel synth --persons 150000 --seed 7 --gp-coverage 0.5 --out f --truth f/truth.csv
    assert_equal "$(head -1 f/gp_referrals.csv)" "bsn,practice_id,referral_date,specialism,icpc"
    run python3 - f "$KOPPEL_SHARE/rules/iza-conditions.csv" <<'PY'
import csv, sys
from collections import defaultdict
d, rules = sys.argv[1], sys.argv[2]
groups = {}
for r in csv.DictReader(open(rules)):
    if r["code_system"] == "ICPC" and r["codes"]:
        for c in r["codes"].split():
            groups[c] = r["condition"]
group_of = lambda code: groups.get(code.split(".")[0])
planted = {(r["level"], r["parameter"][-4:]): float(r["value"]) for r in csv.DictReader(open(f"{d}/truth.csv"))
           if r["parameter"].startswith("referral_about_")}
practices = {r["practice_id"]: r["delivers_referrals"] for r in csv.DictReader(open(f"{d}/gp_practices.csv"))}
share = sum(v == "yes" for v in practices.values()) / len(practices)
print("practices", len(practices), "delivering", share)
assert 0.1 <= share <= 0.45, share
# per (bsn, practice, year): the groups with an episode open in the year, and the groups referred for
episodes = defaultdict(list)
for r in csv.DictReader(open(f"{d}/gp_episodes.csv")):
    episodes[(r["bsn"], r["practice_id"])].append((group_of(r["icpc"]), r["start_date"], r["end_date"] or "9999"))
referred = defaultdict(set)
for r in csv.DictReader(open(f"{d}/gp_referrals.csv")):
    g = group_of(r["icpc"]) if r["icpc"] else None
    assert (r["specialism"] == "ggz") == (g == "mental"), r["specialism"]
    if g:
        referred[(r["bsn"], r["practice_id"], r["referral_date"][:4])].add(g)
checked = 0
for year in ("2019", "2023"):
    n, k = defaultdict(int), defaultdict(int)
    for (bsn, practice), eps in episodes.items():
        if practices[practice] != "yes":
            continue
        for g in {g for g, s, e in eps if g and s <= f"{year}-12-31" and e >= f"{year}-01-01"}:
            n[g] += 1
            k[g] += g in referred[(bsn, practice, year)]
    for g in n:
        if (g, year) not in planted or n[g] < 100:
            continue
        p = planted[(g, year)]
        se = (p * (1 - p) / n[g]) ** 0.5
        print(g, year, n[g], k[g] / n[g], p)
        # a little below: a referral in a month the practice did not deliver is missing
        assert p - 0.02 - 4 * se <= k[g] / n[g] <= p + 4 * se, (g, year)
        checked += 1
assert checked >= 8, checked
PY
    echo "# ${lines[0]}" >&3
    assert_success
}

@test "claims: the planted chance of care per condition, discipline and year, for cases found by GP data and by claims alone" {
    # Two cohorts of residents registered the whole year, outside a Wlz institution, with an
    # insurer that delivered completely: GP patients with an episode of the group open in the
    # year, and persons without a GP found by a hospital claim about the group (claims_shares.py).
    # The share with a claim about the group in a discipline is the planted chance (truth.csv).
    cd "$BATS_TEST_TMPDIR"
    koppel synth --persons 60000 --seed 11 --gp-coverage 0.3 --out k --truth k/truth.csv
    python3 "$S/claims_shares.py" k > shares.csv
    run python3 - shares.csv k <<'PY'
import collections, csv, sys
planted = {r["level"]: float(r["value"]) for r in csv.DictReader(open(f"{sys.argv[2]}/truth.csv"))
           if r["model"] == "claims" and r["parameter"] == "claim_chance"}
cells = {("gp", "diabetes", "dietetics"), ("gp", "diabetes", "hospital"), ("gp", "neck_back", "physio"),
         ("gp", "osteoarthritis", "physio"), ("gp", "osteoarthritis", "hospital"),
         ("gp", "cardiovascular", "hospital"), ("gp", "cardiovascular", "physio"), ("gp", "mental", "hospital"),
         ("gp", "asthma_copd", "hospital"), ("gp", "cancer", "hospital"),
         ("claims", "diabetes", "dietetics"), ("claims", "neck_back", "physio"),
         ("claims", "osteoarthritis", "physio"), ("claims", "cardiovascular", "physio"), ("claims", "cancer", "physio")}
checked = collections.Counter()
for r in csv.DictReader(open(sys.argv[1])):
    if (r["cohort"], r["group"], r["discipline"]) not in cells or r["year"] not in ("2019", "2023"):
        continue
    n, share = int(r["cases"]), int(r["with_claim"]) / int(r["cases"])
    p = planted[f'{r["group"]}:{r["discipline"]}:{r["year"]}']
    se = (p * (1 - p) / n) ** 0.5
    print(r["cohort"], r["group"], r["discipline"], r["year"], n, round(share, 3), p)
    assert n >= 100, (r, n)
    assert abs(share - p) <= 4 * se, (r, share, p)
    checked[r["cohort"]] += 1
assert checked == {"gp": 20, "claims": 10}, checked
PY
    echo "$output"
    assert_success
}

@test "claims: diabetes cases found by GP data only, by claims only and by both" {
    # Prevalent in 2023 (a code in 2021-2023): by the GP episodes of residents (T90), by claims
    # with a hospital (DBC) code of diabetes.
    run python3 - "$DATA/clean" <<'PY'
import csv, sys
d = sys.argv[1]
residents = {r["bsn"] for r in csv.DictReader(open(f"{d}/persons.csv"))}
gp = {r["bsn"] for r in csv.DictReader(open(f"{d}/gp_episodes.csv"))
      if r["icpc"].startswith("T90") and r["start_date"] <= "2023-12-31" and (r["end_date"] or "9999") >= "2021-01-01"}
gp &= residents
claims = {r["bsn"] for r in csv.DictReader(open(f"{d}/claims.csv"))
          if r["diagnosis_code"] in ("0313.221", "0313.222") and r["start_date"] >= "2021-01-01"}
patients = {r["bsn"] for r in csv.DictReader(open(f"{d}/gp_patients.csv"))}
both, gp_only, claims_only = len(gp & claims), len(gp - claims), len(claims - gp)
without_gp = len(claims - patients)
print("both", both, "gp only", gp_only, "claims only", claims_only, "of them without a GP", without_gp)
assert both > 30 and gp_only > 30 and claims_only > 5 * both
assert 0 < claims_only - without_gp < without_gp  # GP patients whose practice has no T90
PY
    echo "$output"
    assert_success
}

@test "claims: an incomplete insurer-year has about 40% fewer claims per insured than the insurer's complete years" {
    run python3 - "$DATA/clean" <<'PY'
import collections, csv, sys
d = sys.argv[1]
status = {(r["insurer_id"], r["year"]): r["delivery"] for r in csv.DictReader(open(f"{d}/insurer_deliveries.csv"))}
insured = collections.Counter((r["insurer_id"], r["year"]) for r in csv.DictReader(open(f"{d}/insured.csv")))
claims = collections.Counter((r["insurer_id"], r["start_date"][:4]) for r in csv.DictReader(open(f"{d}/claims.csv")))
incomplete = [k for k, v in status.items() if v == "incomplete"]
assert incomplete
largest = max(incomplete, key=lambda k: insured[k])
complete = [k for k, v in status.items() if v == "complete" and k[0] == largest[0]]
rate = claims[largest] / insured[largest]
usual = sum(claims[k] for k in complete) / sum(insured[k] for k in complete)
print(largest, insured[largest], round(rate, 3), round(usual, 3), round(1 - rate / usual, 3))
assert 0.30 <= 1 - rate / usual <= 0.50
PY
    echo "$output"
    assert_success
}

@test "dirty: claims.csv and insured.csv get the row faults too" {
    run python3 - "$DATA/dirty" <<'PY'
import csv, re, sys
d = sys.argv[1]
rows = list(csv.reader(open(f"{d}/claims.csv")))[1:]
bad_bsn = sum(not re.fullmatch(r"\d{9}", r[0]) for r in rows)
dmy = sum(len(r) == 8 and (re.fullmatch(r"\d\d-\d\d-\d{4}", r[5]) or re.fullmatch(r"\d\d-\d\d-\d{4}", r[6])) is not None
          for r in rows)
padded = sum(len(r) == 8 and r[7] != r[7].strip() for r in rows)
widths = {len(r) for r in rows}
insured_bad = sum(not re.fullmatch(r"\d{9}", r[0]) for r in list(csv.reader(open(f"{d}/insured.csv")))[1:])
print(len(rows), bad_bsn, dmy, padded, sorted(widths), insured_bad)
assert bad_bsn > 0 and dmy > 0 and padded > 0 and widths == {7, 8, 9} and insured_bad > 0
PY
    echo "$output"
    assert_success
}

@test "--gp-coverage: the share of residents with a participating practice follows it" {
    cd "$BATS_TEST_TMPDIR"
    koppel synth --persons 20000 --seed 3 --gp-coverage 0.3 --out c30
    run python3 - c30 <<'PY'
import csv, sys
out = sys.argv[1]
day = "2020-07-01"
regs = {}
for r in csv.DictReader(open(f"{out}/gp_patients.csv")):
    regs.setdefault(r["bsn"], []).append((r["registration_start"], r["registration_end"] or "9999"))
res = [r["bsn"] for r in csv.DictReader(open(f"{out}/persons.csv"))
       if r["registration_start"] <= day <= (r["registration_end"] or "9999")]
share = sum(any(s <= day <= e for s, e in regs.get(b, ())) for b in res) / len(res)
print(round(share, 2))
assert abs(share - 0.3) < 0.03, share
PY
    assert_success
    koppel synth --persons 5000 --seed 3 --gp-coverage 0 --out c0
    for f in gp_patients gp_episodes gp_contacts; do
        assert_equal "$(rows c0/$f.csv)" 0
    done
}

@test "--output-delimiter ';' writes every file with ';'" {
    cd "$BATS_TEST_TMPDIR"
    koppel synth --persons 5000 --seed 3 --output-delimiter ';' --out semi
    assert_equal "$(head -1 semi/wmo.csv)" "bsn;gemeente_code;provision_code;provision_type;start_date;end_date;delivery"
    for f in $FILES; do
        koppel select -d ';' --stats s.json semi/$f.csv > /dev/null
        assert_equal "$(number rejected s.json)" 0
    done
}

@test "streaming: memory does not grow with the number of persons" {
    [ -x /usr/bin/time ] || skip "no /usr/bin/time"
    cd "$BATS_TEST_TMPDIR"
    # Under AddressSanitizer freed memory waits in a quarantine (256 MB by default) that grows with
    # what the run has freed, not with what it holds: measure the program's own memory.
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
    small=$(/usr/bin/time -f %M koppel synth --persons 2000 --out m1 2>&1 >/dev/null)
    large=$(/usr/bin/time -f %M koppel synth --persons 200000 --out m2 2>&1 >/dev/null)
    echo "small=$small KB large=$large KB"
    [ "$large" -lt $((small + 4096)) ]
}

@test "usage errors: status 2 with a message" {
    cd "$BATS_TEST_TMPDIR"
    run koppel synth --persons 10
    assert_failure 2
    assert_output --partial "--out DIR is required"
    for bad in "--persons 0" "--persons abc" "--persons 60000000" "--persons -5" "--seed -1" \
        "--seed 4294967296" "--gp-coverage 2" "--gp-coverage x" "--dirty 0.2" "--dirty -0.1"; do
        run koppel synth $bad --out e
        assert_failure 2
        assert_output --partial "expects"
    done
    for bad in 2023-2017 2017 1800-1900 2000-2050 2017-2023x; do
        run koppel synth --years $bad --out e
        assert_failure 2
        assert_output --partial "--years expects FIRST-LAST"
    done
    run koppel synth --out e -o x.csv
    assert_failure 2
    assert_output --partial "do not apply"
    run koppel synth --out e --rejects r.csv
    assert_failure 2
    run koppel synth --out e -d ';'
    assert_failure 2
    run koppel synth --out e input.csv
    assert_failure 2
    assert_output --partial "reads no input"
    run koppel synth --bogus
    assert_failure 2
    touch afile
    run koppel synth --out afile
    assert_failure 2
    assert_output --partial "not a directory"
}

@test "a run that cannot write its truth file stops with status 3 before writing data" {
    cd "$BATS_TEST_TMPDIR"
    run koppel synth --persons 100 --out d3 --truth no/such/dir/truth.csv
    assert_failure 3
    assert_output --partial "cannot create"
    # The directory the run made is removed again; one that was there stays, without data.
    assert_dir_not_exists d3
    mkdir d4
    run koppel synth --persons 100 --out d4 --truth no/such/dir/truth.csv
    assert_failure 3
    assert_dir_exists d4
    assert_equal "$(find d4 -mindepth 1 | wc -l)" 0
}
