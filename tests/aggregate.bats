#!/usr/bin/env bats
# aggregate.bats: koppel aggregate against independent results (SQLite GROUP BY with margins as
# UNION ALL, Python's statistics and math.fsum, hand calculation), partial + merge against one
# run byte for byte, margins, exact sums, rejects and the counts, options and errors.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/aggregate"
    T="$BATS_TEST_TMPDIR"
}

# Every statistic, on the columns of gen.py.
STATS="--count --count-distinct id --sum x --mean x --min x --max x --sum y --mean y --min y --max y
       --count-values y --weighted-sum y:w --sd x --sd y --top 3:x --weighted-mean y:w"

# stat FILE KEY: a number from the last --stats object (without starting Python).
stat() {
    tail -n 1 "$1" | grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

# check DATA GROUPS MARGINS LABEL ACTUAL [--subset]: compare with SQLite and Python (reference.py).
check() {
    run python3 "$F/reference.py" check $6 "$1" "$5" "$2" "$3" "$4"
    assert_success
}

# ---------------------------------------------------------------- worked examples

@test "usage example: records and distinct persons per gemeente, age band and sex" {
    # By hand: GM0363 65-69 F has a1, a2, a1 (3 records, 2 persons); the rest one person each,
    # GM0599 65-69 F with two records of a5.
    run koppel aggregate -g gemeente_code,age_band,sex --count --count-distinct bsn "$F/linked.csv"
    assert_success
    assert_output "gemeente_code,age_band,sex,count,distinct_bsn
GM0363,65-69,F,3,2
GM0363,65-69,M,1,1
GM0363,70-74,F,1,1
GM0599,65-69,F,2,1
GM0599,65-69,M,1,1"
}

@test "usage example: district x sex with totals, top 2 and sum of costs" {
    # By hand: Noord F 100+300, M 50; Zuid F (empty cost), M 20+20+5. A total row follows the
    # rows it sums; Zuid F has no cost: its sum and top values are empty.
    run koppel aggregate -g district,sex --totals --count --top 2:cost --sum cost "$F/wmo-costs.csv"
    assert_success
    assert_output "district,sex,count,top1_cost,top2_cost,sum_cost
Noord,F,2,300,100,400
Noord,M,1,50,,50
Noord,Total,3,300,100,450
Zuid,F,1,,,
Zuid,M,3,20,20,45
Zuid,Total,4,20,20,45
Total,F,3,300,100,400
Total,M,4,50,20,95
Total,Total,7,300,100,495"
}

@test "usage example: mean, sd and weighted mean per year (Python's statistics)" {
    run koppel aggregate -g year --mean contacts --sd contacts --weighted-mean contacts:weight "$F/contacts.csv"
    assert_success
    # 2019: 2, 4, 4 with weights 1, 1, 2; 2023: 5, 7, 9 (one empty), weights 0.5 and 1.5 where
    # both values are there (7 has no weight).
    run python3 - "$output" <<'PY'
import csv, io, statistics, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
assert [r['year'] for r in rows] == ['2019', '2023'], rows
expect = {'2019': ([2, 4, 4], (2*1 + 4*1 + 4*2) / (1 + 1 + 2)),
          '2023': ([5, 7, 9], (5*0.5 + 9*1.5) / (0.5 + 1.5))}
for r in rows:
    values, weighted = expect[r['year']]
    assert float(r['mean_contacts']) == statistics.mean(values), r
    assert float(r['sd_contacts']) == statistics.stdev(values), r
    assert float(r['wmean_contacts']) == weighted, r
PY
    assert_success
}

# ---------------------------------------------------------------- against SQLite and Python

@test "cube totals match SQLite (UNION ALL of GROUP BYs) and Python on random data, 3 seeds" {
    for seed in 1 2 3; do
        python3 "$F/gen.py" "$seed" 3000 > "$T/data.csv"
        koppel aggregate -g district,sex,age_band --totals $STATS "$T/data.csv" > "$T/out.csv"
        check "$T/data.csv" district,sex,age_band cube Total "$T/out.csv"
    done
    # Many groups: 14 districts x 3 sexes x 7 bands, nearly all present.
    run bash -c "tail -n +2 '$T/out.csv' | grep -vc Total"
    [ "$output" -gt 250 ]
}

@test "rollup and a changed total label match SQLite and Python" {
    python3 "$F/gen.py" 4 3000 > "$T/data.csv"
    koppel aggregate -g sex,age_band,district --rollup --total-label Alle $STATS "$T/data.csv" > "$T/out.csv"
    check "$T/data.csv" sex,age_band,district rollup Alle "$T/out.csv"
    # The rollup has no row with a total before a grouped column.
    run grep -cE '^Alle,[^A]|^[^,]*,Alle,[^A]' "$T/out.csv"
    assert_output 0
}

@test "no margins, one group column, and no group column match SQLite and Python" {
    python3 "$F/gen.py" 5 2500 > "$T/data.csv"
    koppel aggregate -g district,age_band $STATS "$T/data.csv" > "$T/out.csv"
    check "$T/data.csv" district,age_band none Total "$T/out.csv"
    koppel aggregate -g age_band $STATS "$T/data.csv" > "$T/out.csv"
    check "$T/data.csv" age_band none Total "$T/out.csv"
    koppel aggregate $STATS "$T/data.csv" > "$T/out.csv"
    check "$T/data.csv" "" none Total "$T/out.csv"
}

@test "sorted input (runs across look-up batches), a group per id, and ids sharing long beginnings match SQLite and Python" {
    # aggregate looks groups up 32 records at a time; a record whose group is the one before it
    # skips the look-up. Runs of every length, and nearly one group per record.
    python3 "$F/gen.py" 10 3000 > "$T/data.csv"
    { head -n 1 "$T/data.csv"; tail -n +2 "$T/data.csv" | LC_ALL=C sort -t, -k1,2 -s; } > "$T/sorted.csv"
    koppel aggregate -g district,sex $STATS "$T/sorted.csv" > "$T/out.csv"
    check "$T/sorted.csv" district,sex none Total "$T/out.csv"
    koppel aggregate -g id,district --totals $STATS "$T/data.csv" > "$T/out.csv"
    check "$T/data.csv" id,district cube Total "$T/out.csv"
    run bash -c "grep -vc Total '$T/out.csv'"
    [ "$output" -gt 2000 ]
    # Many groups are sorted by their first 8 bytes, then by the whole key where those tie:
    # ids that share long beginnings (and some that do not).
    awk -F, -v OFS=, 'NR > 1 && NR % 3 { $4 = "pseudonym-" $4 } NR > 1 && NR % 5 == 0 { $4 = "pse" $4 } 1' \
        "$T/data.csv" > "$T/prefixed.csv"
    koppel aggregate -g id,sex --totals $STATS "$T/prefixed.csv" > "$T/out.csv"
    check "$T/prefixed.csv" id,sex cube Total "$T/out.csv"
}

@test "--min-count with counts only (counted by sorting): SQLite's HAVING, grouped and scattered repeats" {
    # Nothing but --count and no totals: the groups are counted in a key log and only those of
    # N records or more are kept. Keys repeated on consecutive records and far apart, keys that
    # start alike, a second group column with empty values; against SQLite, with --stats.
    python3 - "$T/keys.csv" <<'PY'
import random, sys
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    f.write("bsn,kind\n")
    for _ in range(30000):
        k = "p%05d" % r.randrange(20000)
        k = r.choice([k, k + "0", k[:-1]])
        for _ in range(r.choice([1, 1, 2, 3])):
            f.write("%s,%s\n" % (k, r.choice(["a", "b", ""])))
PY
    for n in 2 4; do
        for groups in bsn bsn,kind; do
            koppel aggregate -g "$groups" --count --min-count "$n" --stats "$T/stats.json" "$T/keys.csv" > "$T/out.csv"
            python3 - "$T/keys.csv" "$n" "$groups" > "$T/expected.csv" 2> "$T/expected-stats.txt" <<'PY'
import csv, sqlite3, sys
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE t (bsn TEXT, kind TEXT)")
with open(sys.argv[1]) as f:
    db.executemany("INSERT INTO t VALUES (?, ?)", [(r["bsn"], r["kind"]) for r in csv.DictReader(f)])
n, groups = int(sys.argv[2]), sys.argv[3]
order = ", ".join("CAST(%s AS BLOB)" % g for g in groups.split(","))
print(groups + ",count")
for row in db.execute("SELECT %s, count(*) FROM t GROUP BY %s HAVING count(*) >= ? ORDER BY %s" % (groups, groups, order), (n,)):
    print(",".join(str(v) for v in row))
total, below = db.execute("SELECT count(*), sum(c < ?) FROM (SELECT count(*) AS c FROM t GROUP BY %s)" % groups, (n,)).fetchone()
print(total, below, file=sys.stderr)
PY
            diff "$T/expected.csv" "$T/out.csv"
            [ "$(stat "$T/stats.json" groups) $(stat "$T/stats.json" groups_below_min_count)" = "$(cat "$T/expected-stats.txt")" ]
            run wc -l < "$T/out.csv"
            [ "$output" -gt 100 ]
        done
    done
}

@test "--count-distinct per person: sets of one value, repeats, a second value late, prefixes; SQLite's COUNT(DISTINCT)" {
    # Most persons have one practice: a repeat of the value a set took last is not looked up.
    # Repeats of the first value before and after a second one,
    # values that are prefixes of each other, empty values (not counted); with and without
    # --min-count 2, and as partials merged, against SQLite.
    python3 - "$T/practices.csv" <<'PY'
import random, sys
r = random.Random(11)
rows = []
for p in range(4000):
    kind = r.random()
    values = ["P%d" % r.randrange(40)]
    if kind < 0.2:
        values.append(r.choice([values[0] + "0", values[0][:-1], "P%d" % r.randrange(40), ""]))
    if kind < 0.05:
        values.append("P%d" % r.randrange(40))
    for _ in range(r.choice([1, 1, 2, 4])):
        rows.append(("id%04d" % p, r.choice(values)))
    rows.append(("id%04d" % p, values[0]))
r.shuffle(rows[: len(rows) // 2])  # half scattered, half grouped by person
with open(sys.argv[1], "w") as f:
    f.write("bsn,practice_id\n")
    f.writelines("%s,%s\n" % row for row in rows)
PY
    python3 - "$T/practices.csv" "$T/expected" <<'PY'
import csv, sqlite3, sys
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE t (bsn TEXT, practice_id TEXT)")
with open(sys.argv[1]) as f:
    db.executemany("INSERT INTO t VALUES (?, ?)", [(r["bsn"], r["practice_id"]) for r in csv.DictReader(f)])
query = ("SELECT bsn, count(*), count(DISTINCT nullif(practice_id, '')) FROM t GROUP BY bsn %s "
         "ORDER BY CAST(bsn AS BLOB)")
for name, having in (("all", ""), ("min2", "HAVING count(*) >= 2")):
    with open(sys.argv[2] + "-" + name + ".csv", "w") as out:
        out.write("bsn,count,distinct_practice_id\n")
        out.writelines("%s,%d,%d\n" % row for row in db.execute(query % having))
PY
    koppel aggregate -g bsn --count --count-distinct practice_id "$T/practices.csv" > "$T/out.csv"
    diff "$T/expected-all.csv" "$T/out.csv"
    koppel aggregate -g bsn --count --count-distinct practice_id --min-count 2 "$T/practices.csv" > "$T/out.csv"
    diff "$T/expected-min2.csv" "$T/out.csv"
    # several values per person do occur, and sets of one value are most
    run awk -F, 'NR > 1 && $3 > 1' "$T/out.csv"
    [ "${#lines[@]}" -gt 300 ]
    run awk -F, 'NR > 1 && $3 == 1' "$T/out.csv"
    [ "${#lines[@]}" -gt 2000 ]
    # partials of two halves, merged
    head -n 1 "$T/practices.csv" > "$T/a.csv"; cp "$T/a.csv" "$T/b.csv"
    tail -n +2 "$T/practices.csv" | awk -v a="$T/a.csv" -v b="$T/b.csv" 'NR % 2 { print >> a; next } { print >> b }'
    koppel aggregate -g bsn --count --count-distinct practice_id --partial "$T/a.csv" > "$T/a.state"
    koppel aggregate -g bsn --count --count-distinct practice_id --partial "$T/b.csv" > "$T/b.state"
    koppel aggregate --merge "$T/a.state" "$T/b.state" > "$T/merged.csv"
    diff "$T/expected-all.csv" "$T/merged.csv"
}

@test "--count-distinct with margins: repeats inside and across groups, empty values; SQLite's COUNT(DISTINCT) per grouping set, and partial + merge" {
    # The distinct counts of margins come from the finest groups' values projected onto each
    # margin: a value in several groups counts once in their total. Persons with contacts in
    # one practice and several codes, some in a second practice, empty values of every column,
    # values that are prefixes of each other; cube and rollup, against SQLite.
    python3 - "$T/contacts.csv" <<'PY'
import random, sys
r = random.Random(5)
practices = ["P1", "P10", "P2", "P3", "P30", ""]
codes = ["K86", "K8", "T90", "R05", ""]
with open(sys.argv[1], "w") as f:
    f.write("practice_id,icpc,patient_id\n")
    for i in range(6000):
        p = r.randrange(700)
        practice = practices[p % 6] if r.random() > 0.1 else r.choice(practices)
        patient = "" if r.random() < 0.03 else ("pat%d" % p if p % 7 else "pat%d0" % (p // 7))
        f.write("%s,%s,%s\n" % (practice, r.choice(codes), patient))
PY
    python3 - "$T/contacts.csv" "$T/expected" <<'PY'
import csv, itertools, sqlite3, sys
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE t (a TEXT, b TEXT, c TEXT, v TEXT)")
with open(sys.argv[1]) as f:
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                   [(r["practice_id"], r["icpc"], r["practice_id"][:2], r["patient_id"]) for r in csv.DictReader(f)])
def write(name, columns, sets):
    selects = []
    for kept in sets:
        fields = [c if c in kept else "'Total'" for c in columns]
        group = " GROUP BY " + ", ".join(kept) if kept else ""
        selects.append("SELECT %s, count(*), count(DISTINCT nullif(v, '')) FROM t%s" % (", ".join(fields), group))
    rows = sorted(",".join(str(x) for x in row) for row in db.execute(" UNION ALL ".join(selects)))
    with open(sys.argv[2] + "-" + name, "w") as out:
        out.writelines(row + "\n" for row in rows)
write("cube", ["a", "b"], [k for n in range(3) for k in itertools.combinations(["a", "b"], n)])
write("rollup", ["c", "a", "b"], [["c", "a", "b"], ["c", "a"], ["c"], []])
PY
    koppel aggregate -g practice_id,icpc --count --count-distinct patient_id --totals "$T/contacts.csv" > "$T/cube.csv"
    tail -n +2 "$T/cube.csv" | LC_ALL=C sort | diff "$T/expected-cube" -
    # the rollup groups by a column made from the practice (its first two bytes)
    awk -F, -v OFS=, 'NR == 1 { print "group", $0; next } { print substr($1, 1, 2), $0 }' "$T/contacts.csv" > "$T/grouped.csv"
    koppel aggregate -g group,practice_id,icpc --count --count-distinct patient_id --rollup "$T/grouped.csv" > "$T/rollup.csv"
    tail -n +2 "$T/rollup.csv" | LC_ALL=C sort | diff "$T/expected-rollup" -
    # the totals count fewer persons than their groups summed: values repeat across groups
    run awk -F, '$1 == "Total" && $2 == "Total" { print $4 }' "$T/cube.csv"
    [ "$output" -lt "$(awk -F, 'NR > 1 && $1 != "Total" && $2 != "Total" { n += $4 } END { print n }' "$T/cube.csv")" ]
    # partials with totals, merged, and merged into a partial that merges again; partials
    # without margins with the totals added by the merge: all one run's output, byte for byte
    awk -v stem="$T/part-" 'NR == 1 { for (i = 1; i <= 3; i++) print > (stem i ".csv"); next }
        { print > (stem (NR % 3 + 1) ".csv") }' "$T/contacts.csv"
    opts="-g practice_id,icpc --count --count-distinct patient_id"
    for part in "$T"/part-*.csv; do
        koppel aggregate $opts --totals --partial "$part" > "$part.totals"
        koppel aggregate $opts --partial "$part" > "$part.none"
    done
    koppel aggregate --merge "$T"/part-*.totals | cmp "$T/cube.csv" -
    koppel aggregate --merge --totals "$T"/part-*.none | cmp "$T/cube.csv" -
    koppel aggregate --merge --partial --totals "$T"/part-*.none > "$T/merged.totals"
    koppel aggregate $opts --totals --partial "$T/contacts.csv" | cmp "$T/merged.totals" -
    koppel aggregate --merge "$T/merged.totals" | cmp "$T/cube.csv" -
    koppel aggregate --merge --partial "$T/part-1.csv.totals" "$T/part-2.csv.totals" > "$T/12.totals"
    koppel aggregate --merge "$T/12.totals" "$T/part-3.csv.totals" | cmp "$T/cube.csv" -
}

@test "--min-count: the groups of at least N records, as SQLite's HAVING; totals still sum every record" {
    # Keys delivered once, twice or more (as persons delivered twice in a register), against
    # SQLite's GROUP BY ... HAVING count(*) >= N, sorted by the bytes of the key.
    python3 - "$T/keys.csv" <<'PY'
import random, sys
r = random.Random(11)
with open(sys.argv[1], "w") as f:
    f.write("bsn,x\n")
    for _ in range(20000):
        f.write("p%05d,%d\n" % (r.randrange(15000), r.randrange(-50, 100)))
PY
    for n in 2 3; do
        koppel aggregate -g bsn --count --sum x --min-count "$n" --stats "$T/stats-$n.json" "$T/keys.csv" > "$T/out-$n.csv"
        python3 - "$T/keys.csv" "$n" > "$T/expected-$n.csv" <<'PY'
import csv, sqlite3, sys
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE t (bsn TEXT, x INTEGER)")
with open(sys.argv[1]) as f:
    db.executemany("INSERT INTO t VALUES (?, ?)", [(r["bsn"], int(r["x"])) for r in csv.DictReader(f)])
print("bsn,count,sum_x")
for row in db.execute("SELECT bsn, count(*), sum(x) FROM t GROUP BY bsn HAVING count(*) >= ? ORDER BY CAST(bsn AS BLOB)",
                      (int(sys.argv[2]),)):
    print("%s,%d,%d" % row)
below = db.execute("SELECT count(*) FROM (SELECT bsn FROM t GROUP BY bsn HAVING count(*) < ?)", (int(sys.argv[2]),)).fetchone()[0]
print(below, file=sys.stderr)
PY
        diff "$T/expected-$n.csv" "$T/out-$n.csv"
        run wc -l < "$T/out-$n.csv"
        [ "$output" -gt 100 ]
    done
    # groups counts them all, groups_below_min_count those left out (SQLite: HAVING count < 2).
    below=$(python3 -c "
import csv, collections, sys
c = collections.Counter(r['bsn'] for r in csv.DictReader(open('$T/keys.csv')))
print(len(c), sum(1 for v in c.values() if v < 2))")
    [ "$(stat "$T/stats-2.json" groups) $(stat "$T/stats-2.json" groups_below_min_count)" = "$below" ]
    # By hand (the usage example above): Noord M and Zuid F have one record and go; the totals
    # still count and sum them (Noord 3 records, 450).
    run koppel aggregate -g district,sex --totals --count --sum cost --min-count 2 "$F/wmo-costs.csv"
    assert_success
    assert_output "district,sex,count,sum_cost
Noord,F,2,400
Noord,Total,3,450
Zuid,M,3,45
Zuid,Total,4,45
Total,F,3,400
Total,M,4,95
Total,Total,7,495"
    # On a merge: the same as one run; not on a partial (a merge needs every group).
    awk -v T="$T" 'NR == 1 { for (i = 1; i <= 3; i++) print > (T "/part-" i ".csv"); next }
                   { print > (T "/part-" (NR % 3 + 1) ".csv") }' "$T/keys.csv"
    for part in "$T"/part-?.csv; do
        koppel aggregate -g bsn --count --sum x --partial "$part" > "$part.state"
    done
    koppel aggregate --merge --min-count 2 "$T"/part-?.csv.state > "$T/merged.csv"
    cmp "$T/out-2.csv" "$T/merged.csv"
    run koppel aggregate -g bsn --partial --min-count 2 "$T/keys.csv"
    assert_failure 2
    assert_output --partial "not --partial"
    for bad in 0 -1 two 1.5 ''; do
        run koppel aggregate -g bsn --min-count "$bad" "$T/keys.csv"
        assert_failure 2
        assert_output --partial "--min-count takes a whole number"
    done
}

@test "a wrong result is detected by the comparison (the test can fail)" {
    python3 "$F/gen.py" 6 500 > "$T/data.csv"
    koppel aggregate -g district $STATS "$T/data.csv" > "$T/out.csv"
    sed -i '3s/^\([^,]*\),\([0-9]*\),/\1,999\2,/' "$T/out.csv"
    run python3 "$F/reference.py" check "$T/data.csv" "$T/out.csv" district none Total
    assert_failure
    assert_output --partial "sqlite: row 3 column count"
}

# ---------------------------------------------------------------- partial and merge

@test "partial + merge equals one run byte for byte, for several splits and orders" {
    python3 "$F/gen.py" 7 3000 > "$T/data.csv"
    koppel aggregate -g district,sex,age_band --totals $STATS "$T/data.csv" > "$T/single.csv"
    python3 "$F/split.py" "$T/data.csv" "$T/" halves roundrobin3 byid3
    for mode in halves roundrobin3 byid3; do
        for part in "$T/$mode"-*.csv; do
            koppel aggregate -g district,sex,age_band --totals $STATS --partial "$part" > "$part.state"
        done
        koppel aggregate --merge "$T/$mode"-*.state > "$T/merged.csv"
        cmp "$T/single.csv" "$T/merged.csv"
        # Any order of the partial files.
        ls "$T/$mode"-*.state | sort -r | xargs koppel aggregate --merge > "$T/merged-reverse.csv"
        cmp "$T/single.csv" "$T/merged-reverse.csv"
    done
    # A merged partial merges again (a tree of merges), with a partial from another split.
    koppel aggregate --merge --partial "$T"/roundrobin3-1.csv.state "$T"/roundrobin3-2.csv.state > "$T/rr12.state"
    koppel aggregate --merge "$T/rr12.state" "$T/roundrobin3-3.csv.state" > "$T/tree.csv"
    cmp "$T/single.csv" "$T/tree.csv"
}

@test "partials without margins: --merge --totals and --rollup add them as one run does" {
    python3 "$F/gen.py" 8 2000 > "$T/data.csv"
    python3 "$F/split.py" "$T/data.csv" "$T/part-" roundrobin3
    for part in "$T"/part-*.csv; do
        koppel aggregate -g district,sex $STATS --partial "$part" > "$part.state"
    done
    koppel aggregate -g district,sex --totals $STATS "$T/data.csv" > "$T/single.csv"
    koppel aggregate --merge --totals "$T"/part-*.state > "$T/merged.csv"
    cmp "$T/single.csv" "$T/merged.csv"
    koppel aggregate -g district,sex --rollup $STATS "$T/data.csv" > "$T/single.csv"
    koppel aggregate --merge --rollup "$T"/part-*.state > "$T/merged.csv"
    cmp "$T/single.csv" "$T/merged.csv"
    # Partials that already contain totals refuse more.
    koppel aggregate -g district --totals --count --partial "$T/part-1.csv" > "$T/with-totals.state"
    run koppel aggregate --merge --totals "$T/with-totals.state"
    assert_failure 2
    assert_output --partial "already contain totals"
}

@test "--split-by: parts split by the pseudonym keep counts, and merge to the exact distinct count" {
    python3 "$F/gen.py" 9 3000 > "$T/data.csv"
    python3 "$F/split.py" "$T/data.csv" "$T/part-" byid3
    opts="-g district,sex --totals --count --count-distinct id --sum x"
    for part in "$T"/part-*.csv; do
        koppel aggregate $opts --split-by id --partial "$part" > "$part.state"
    done
    head -1 "$T/part-1.csv.state" | grep -q 'distinct_id@disjoint'
    # The state holds counts, not pseudonyms.
    run grep -c 'p0' "$T/part-1.csv.state"
    assert_output 0
    koppel aggregate $opts "$T/data.csv" > "$T/single.csv"
    koppel aggregate --merge "$T"/part-*.state > "$T/merged.csv"
    cmp "$T/single.csv" "$T/merged.csv"
    # And against SQLite.
    check "$T/data.csv" district,sex cube Total "$T/merged.csv" --subset
    # Totals cannot be added at merge time to counts: they need the sets.
    koppel aggregate -g district --count-distinct id --split-by id --partial "$T/part-1.csv" > "$T/nototals.state"
    run koppel aggregate --merge --totals "$T/nototals.state"
    assert_failure 2
    assert_output --partial "distinct_id"
}

@test "partial state: distinct sets as LENGTH:VALUE, values with commas and quotes survive" {
    printf 'g,v\na,"x,y"\na,"q""t"\na,x\nb,\n' > "$T/odd.csv"
    run koppel aggregate -g g --count-distinct v --partial "$T/odd.csv"
    assert_success
    # Sorted by bytes: "q\"t" (q), "x", "x,y".
    assert_output 'g,partial@v2:none,distinct_v@set
a,g,"3:q""t1:x3:x,y"
b,g,'
    koppel aggregate -g g --count-distinct v --partial "$T/odd.csv" > "$T/odd.state"
    run koppel aggregate --merge "$T/odd.state" "$T/odd.state"
    assert_output "g,distinct_v
a,3
b,0"
}

@test "merge errors: not a partial, different columns, different labels, corrupt state" {
    run koppel aggregate --merge "$F/linked.csv"
    assert_failure 2
    assert_output --partial "is not a partial result of koppel aggregate"
    koppel aggregate -g sex --count --partial "$F/wmo-costs.csv" > "$T/a.state"
    koppel aggregate -g sex --sum cost --partial "$F/wmo-costs.csv" > "$T/b.state"
    run koppel aggregate --merge "$T/a.state" "$T/b.state"
    assert_failure 2
    assert_output --partial "columns differ"
    koppel aggregate -g sex --totals --count --partial "$F/wmo-costs.csv" > "$T/t1.state"
    koppel aggregate -g sex --totals --total-label All --count --partial "$F/wmo-costs.csv" > "$T/t2.state"
    run koppel aggregate --merge "$T/t1.state" "$T/t2.state"
    assert_failure 2
    assert_output --partial "label their totals differently"
    koppel aggregate -g sex --sum cost --partial "$F/wmo-costs.csv" > "$T/c.state"
    sed -i '2s/,[0-9]*,\([0-9]*\),$/,2,x\1,/' "$T/c.state"
    run koppel aggregate --merge "$T/c.state"
    assert_failure 1
    assert_output --partial "c.state:2: column 'sum_cost@int'"
    run koppel aggregate --merge --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/c.state"
    assert_success
    [ "$(stat "$T/stats.json" rejected)" = 1 ]
    [ "$(stat "$T/stats.json" records_used)" = 1 ]
    sed -i '2s/,g,/,q,/' "$T/a.state"
    run koppel aggregate --merge "$T/a.state"
    assert_failure 1
    assert_output --partial "column 'partial@v2:none'"
    run koppel aggregate --merge -g sex "$T/t1.state"
    assert_failure 2
}

@test "merge refuses partials made with different margins, and partial@v1 (issue 23)" {
    # One part with --totals, one without: merged, the Total would count only the first part's records.
    printf 'g\na\na\nb\n' > "$T/p1.csv"
    printf 'g\na\na\n' > "$T/p2.csv"
    koppel aggregate -g g --totals --partial "$T/p1.csv" > "$T/p1.state"
    koppel aggregate -g g --partial "$T/p2.csv" > "$T/p2.state"
    run koppel aggregate --merge "$T/p1.state" "$T/p2.state"
    assert_failure 2
    assert_output "koppel-aggregate: $T/p1.state was written with --totals and $T/p2.state without margins: partial results to merge must come from runs with the same options (margins may be added by the --merge, to partials without any)"
    assert_equal "$(head -1 "$T/p1.state")" "g,partial@v2:totals,count@n"
    assert_equal "$(head -1 "$T/p2.state")" "g,partial@v2:none,count@n"
    koppel aggregate -g g --rollup --partial "$T/p2.csv" > "$T/r2.state"
    run koppel aggregate --merge "$T/p1.state" "$T/r2.state"
    assert_failure 2
    assert_output --partial "with --totals and $T/r2.state with --rollup"
    # The same margins on both sides merge into what one run writes: a 4, b 1, Total 5.
    koppel aggregate -g g --totals --partial "$T/p2.csv" > "$T/t2.state"
    run koppel aggregate --merge "$T/p1.state" "$T/t2.state"
    assert_success
    assert_output "g,count
a,4
b,1
Total,5"
    # A merged partial keeps the margins in its marker.
    run koppel aggregate --merge --partial "$T/p1.state" "$T/t2.state"
    assert_line --index 0 "g,partial@v2:totals,count@n"
    # A total row in a partial declared without margins is a bad row.
    printf 'g,partial@v2:none,count@n\na,g,2\nTotal,t,2\n' > "$T/forged.state"
    run koppel aggregate --merge "$T/forged.state"
    assert_failure 1
    assert_output --partial "forged.state:3: column 'partial@v2:none': a total in a partial written without margins"
    # The older format did not record its margins: refused with a way out.
    sed '1s/partial@v2:none/partial@v1/' "$T/p2.state" > "$T/old.state"
    run koppel aggregate --merge "$T/old.state"
    assert_failure 2
    assert_output --partial "old.state is in the format partial@v1 of an older koppel aggregate"
    assert_output --partial "write the partial again"
    sed '1s/partial@v2:none/partial@v2:cube/' "$T/p2.state" > "$T/odd.state"
    run koppel aggregate --merge "$T/odd.state"
    assert_failure 2
    assert_output --partial "expected partial@v2:none, partial@v2:totals or partial@v2:rollup"
    run koppel aggregate -g partial@x --count "$T/p2.csv"
    assert_failure 2
}

# ---------------------------------------------------------------- numbers

@test "integer sums are exact beyond 64 bits; means and mixed columns" {
    printf 'g,x\na,9223372036854775807\na,9223372036854775807\na,9223372036854775806\nb,-9223372036854775808\nb,-5\nc,1\nc,2.5\n' > "$T/big.csv"
    run koppel aggregate -g g --sum x --mean x --min x --max x "$T/big.csv"
    assert_success
    run python3 - "$output" <<'PY'
import csv, io, sys
from fractions import Fraction
rows = {r['g']: r for r in csv.DictReader(io.StringIO(sys.argv[1]))}
a = [9223372036854775807, 9223372036854775807, 9223372036854775806]
b = [-9223372036854775808, -5]
# Whole-number columns: the exact integer; a column with a decimal: a double for every group.
assert float(rows['a']['sum_x']) == float(sum(a)), rows
assert float(rows['b']['sum_x']) == float(sum(b)), rows
assert float(rows['c']['sum_x']) == 3.5, rows
assert abs(float(rows['a']['mean_x']) - float(Fraction(sum(a), 3))) <= 1e-15 * 2**63, rows
assert rows['a']['max_x'] == '9223372036854775807' and rows['b']['min_x'] == '-9223372036854775808', rows
PY
    assert_success
    # Without the decimal the column is whole numbers: sums print every digit.
    grep -v '^c' "$T/big.csv" > "$T/whole.csv"
    run koppel aggregate -g g --sum x "$T/whole.csv"
    expected=$(python3 -c 'print("g,sum_x\na,%d\nb,%d" % (2*9223372036854775807 + 9223372036854775806, -9223372036854775808 - 5))')
    assert_output "$expected"
}

@test "a result beyond the range of doubles is an error naming the column" {
    printf 'x\n1e308\n1e308\n' > "$T/huge.csv"
    run koppel aggregate --sum x "$T/huge.csv"
    assert_failure 1
    assert_output --partial "column 'sum_x': the sum of a group overflows the range of doubles"
    # The squares of 1e200 overflow although the sd is 0.
    printf 'x\n1e200\n1e200\n' > "$T/huge.csv"
    run koppel aggregate --sd x -o "$T/out.csv" "$T/huge.csv"
    assert_failure 1
    assert_output --partial "column 'sd_x'"
    assert_file_not_exists "$T/out.csv"
}

@test "decimal sums are the exactly rounded sum (math.fsum), whatever the order" {
    printf 'x\n1e16\n1\n-1e16\n0.1\n0.1\n0.1\n0.1\n0.1\n0.1\n0.1\n0.1\n0.1\n0.1\n' > "$T/f.csv"
    # math.fsum of the same values, exactly: 1e16 + 1 - 1e16 is 1, ten times 0.1 rounds to 1.
    python3 -c 'import math; assert math.fsum([1e16, 1, -1e16] + [0.1] * 10) == 2.0'
    run koppel aggregate --sum x "$T/f.csv"
    assert_output "sum_x
2"
    (head -1 "$T/f.csv"; tail -n +2 "$T/f.csv" | tac) > "$T/reversed.csv"
    run koppel aggregate --sum x "$T/reversed.csv"
    assert_output "sum_x
2"
}

@test "mean is the exact mean rounded once (Fraction), not the rounded sum divided (issue 23)" {
    python3 - "$T/m.csv" <<'PY'
import random, sys
r = random.Random(23)
with open(sys.argv[1], 'w') as f:
    f.write('g,x\n')
    for g in range(300):
        for _ in range(r.randint(2, 7)):
            x = r.choice([repr(r.uniform(1e15, 1e17)), str(r.randint(2**53, 2**62)),
                          repr(r.uniform(-1, 1) * 10 ** r.randint(0, 300))])
            f.write('%d,%s\n' % (g, x))
PY
    koppel aggregate -g g --mean x "$T/m.csv" > "$T/m.out"
    run python3 - "$T/m.csv" "$T/m.out" <<'PY'
import csv, sys
from fractions import Fraction
values = {}
for r in csv.DictReader(open(sys.argv[1])):
    text = r['x']
    values.setdefault(r['g'], []).append(Fraction(int(text)) if text.lstrip('-').isdigit() else Fraction(float(text)))
wrong = [r['g'] for r in csv.DictReader(open(sys.argv[2]))
         if float(r['mean_x']) != float(sum(values[r['g']]) / len(values[r['g']]))]
assert len(values) == 300 and not wrong, wrong
PY
    assert_success
    # By hand: 2^53, 2^53 and 1 sum exactly to 2^54 + 1 = 18014398509481985, whose mean
    # 6004799503160661.67 rounds to 6004799503160662 (doubles there are 1 apart). The sum rounded
    # first is 2^54 (doubles there are 4 apart), and 2^54 / 3 = 6004799503160661.33 rounds to
    # 6004799503160661: one off.
    printf 'g,x\na,9007199254740992\na,9007199254740992\na,1\n' > "$T/hand.csv"
    run koppel aggregate -g g --mean x "$T/hand.csv"
    assert_output "g,mean_x
a,6004799503160662"
}

@test "numeric limits are those --help states: sd keeps every digit of whole numbers, weighted sums do not, overflow is status 1 (issue 23)" {
    run koppel aggregate --help
    assert_output --partial "number beyond 2^53 (about 9.0e15) as the nearest double (--sd keeps every digit"
    # 2^62, 2^62 + 1, 2^62 + 2 are one double, but --sd keeps the rest: sd 1, as by hand.
    printf 'g,x,w\na,4611686018427387904,1\na,4611686018427387905,1\na,4611686018427387906,1\n' > "$T/big.csv"
    run koppel aggregate -g g --sd x --sum x --sumsq x --weighted-sum x:w "$T/big.csv"
    assert_success
    python3 -c 'import statistics; assert statistics.stdev([2**62, 2**62 + 1, 2**62 + 2]) == 1'
    # The weighted sum reads each as the double 2^62: 3 * 2^62 = 1.3835058055282164e+19 (the
    # exact sum 13835058055282163715 rounds to the same double here).
    assert_output "g,sd_x,sum_x,sumsq_x,wsum_x
a,1,13835058055282163715,$(python3 -c 'print(repr(float((2**62)**2 + (2**62 + 1)**2 + (2**62 + 2)**2)))'),1.3835058055282164e+19"
    # 2^53 + 1 rounds to 2^53 itself; near -2^63 and 2^63 - 1 too: each sd as Python's on the
    # exact integers (statistics.stdev uses exact fractions).
    printf 'g,x\nc,9007199254740993\nc,9007199254740992.5\nc,9007199254740995\nd,9223372036854775807\nd,9223372036854775806\nd,-9223372036854775808\n' > "$T/edges.csv"
    run koppel aggregate -g g --sd x "$T/edges.csv"
    assert_output "g,sd_x
c,$(python3 -c 'import statistics; print(repr(statistics.stdev([9007199254740993, 9007199254740992, 9007199254740995])))')
d,$(python3 -c 'import statistics; print(repr(statistics.stdev([2**63 - 1, 2**63 - 2, -2**63])))')"
    # A running decimal total beyond the double range: status 1, in this order.
    printf 'x\n1e308\n1e308\n-1e308\n' > "$T/over.csv"
    run koppel aggregate --sum x "$T/over.csv"
    assert_failure 1
    assert_output --partial "overflows the range of doubles"
    # Squares beyond it: status 1 for --sd, though the sd (about 7.1e199) is a double.
    printf 'x\n1e200\n2e200\n' > "$T/square.csv"
    run koppel aggregate --sd x "$T/square.csv"
    assert_failure 1
    assert_output --partial "for the squares of the values"
}

@test "sd matches Python's statistics.stdev, and is empty below two values" {
    python3 - "$T/sd.csv" <<'PY'
import random, sys
r = random.Random(11)
with open(sys.argv[1], 'w') as f:
    f.write('g,v\n')
    for g in range(20):
        for _ in range(g % 5):
            f.write('%d,%r\n' % (g, r.gauss(1e6, 3)))
PY
    koppel aggregate -g g --sd v --count "$T/sd.csv" > "$T/out.csv"
    run python3 - "$T/sd.csv" "$T/out.csv" <<'PY'
import csv, statistics, sys
values = {}
for r in csv.DictReader(open(sys.argv[1])):
    values.setdefault(r['g'], []).append(float(r['v']))
for r in csv.DictReader(open(sys.argv[2])):
    v = values[r['g']]
    if len(v) < 2:
        assert r['sd_v'] == '', r
    else:
        expected = statistics.stdev(v)
        assert abs(float(r['sd_v']) - expected) <= 1e-12 * expected, (r, expected)
PY
    assert_success
}

@test "--sumsq: exact sums of squares (Python's integers and Fractions), with totals" {
    python3 - "$T/sq.csv" <<'PY'
import random, sys
r = random.Random(5)
with open(sys.argv[1], 'w') as f:
    f.write('g,h,n,x\n')
    for i in range(3000):
        # n: overdispersed whole counts, one huge value (its square needs more than 64 bits);
        # x: decimals; both sometimes empty
        n = '' if r.random() < 0.05 else str(int(r.expovariate(0.2) * r.choice([1, 1, 5])))
        x = '' if r.random() < 0.05 else repr(r.uniform(-1e3, 1e3))
        f.write('%s,%s,%s,%s\n' % (r.choice('abc'), r.choice('pq'), n, x))
    f.write('c,q,3037000500,\n')
PY
    koppel aggregate -g g,h --totals --count --sum n --sumsq n --sumsq x "$T/sq.csv" > "$T/out.csv"
    run python3 - "$T/sq.csv" "$T/out.csv" <<'PY'
import csv, sys
from fractions import Fraction
rows = list(csv.DictReader(open(sys.argv[1])))
seen = 0
for out in csv.DictReader(open(sys.argv[2])):
    mine = [r for r in rows if out['g'] in (r['g'], 'Total') and out['h'] in (r['h'], 'Total')]
    n = [int(r['n']) for r in mine if r['n']]
    x = [Fraction(float(r['x'])) for r in mine if r['x']]
    assert out['count'] == str(len(mine)), out
    assert int(out['sum_n']) == sum(n), out
    # whole numbers: the exact square sum as a whole number, even beyond 2^64
    assert out['sumsq_n'] == str(sum(v * v for v in n)), (out, sum(v * v for v in n))
    # decimals: the exact sum of the exact squares, rounded once
    assert float(out['sumsq_x']) == float(sum(v * v for v in x)), out
    seen += 1
assert seen == 12, seen
PY
    assert_success
}

@test "--sumsq: partial + merge equals one run byte for byte; a wrong sum is noticed" {
    python3 "$F/gen.py" 9 3000 > "$T/data.csv"
    koppel aggregate -g district,sex --totals --count --sum x --sumsq x --sumsq y "$T/data.csv" > "$T/single.csv"
    python3 "$F/split.py" "$T/data.csv" "$T/rr-" roundrobin3
    for part in "$T"/rr-*.csv; do
        koppel aggregate -g district,sex --totals --count --sum x --sumsq x --sumsq y --partial "$part" > "$part.state"
    done
    head -1 "$T/rr-1.csv.state" | grep -q 'sumsq_x@n,sumsq_x@int,sumsq_x@float'
    koppel aggregate --merge "$T"/rr-*.state > "$T/merged.csv"
    cmp "$T/single.csv" "$T/merged.csv"
    # The merged values against Python (exact sums of the squares of the parsed values).
    cat > "$T/check.py" <<'PY'
import csv, sys
from fractions import Fraction
rows = list(csv.DictReader(open(sys.argv[1])))
def value(text):
    try:
        return Fraction(int(text))
    except ValueError:
        return Fraction(float(text))
for out in csv.DictReader(open(sys.argv[2])):
    mine = [r for r in rows if out['district'] in (r['district'], 'Total') and out['sex'] in (r['sex'], 'Total')]
    for column in 'xy':
        values = [value(r[column]) for r in mine if r[column].strip()]
        expected = sum(v * v for v in values)
        if not values:
            assert out['sumsq_' + column] == '', out
        else:
            assert float(out['sumsq_' + column]) == float(expected), (column, out, float(expected))
PY
    run python3 "$T/check.py" "$T/data.csv" "$T/merged.csv"
    assert_success
    # the check can fail: one value changed in the data
    python3 -c '
import sys
lines = open(sys.argv[1]).read().split("\n")
h = lines[0].split(","); i = h.index("x")
for k in range(1, len(lines)):
    f = lines[k].split(",")
    if len(f) == len(h) and f[i].strip():
        f[i] = "1000"; lines[k] = ",".join(f); break
open(sys.argv[2], "w").write("\n".join(lines))' "$T/data.csv" "$T/changed.csv"
    run python3 "$T/check.py" "$T/changed.csv" "$T/merged.csv"
    assert_failure
}

@test "top values: duplicates count, fewer values than N leave columns empty" {
    printf 'g,v\na,5\na,9\na,5\na,1\nb,\nb,3\nc,2.5\nc,-1\n' > "$T/top.csv"
    run koppel aggregate -g g --top 3:v --max v --min v "$T/top.csv"
    assert_success
    assert_output "g,top1_v,top2_v,top3_v,max_v,min_v
a,9,5,5,9,1
b,3,,,3,3
c,2.5,-1,,2.5,-1"
}

@test "weighted sum and mean skip records missing the value or the weight; zero weight gives empty mean" {
    printf 'g,v,w\na,2,3\na,4,\na,,5\na,10,1\nb,7,0\nb,1,0\n' > "$T/w.csv"
    run koppel aggregate -g g --weighted-sum v:w --weighted-mean v:w --count-values v "$T/w.csv"
    # a: 2*3 + 10*1 = 16 over weights 3 + 1; b: weights sum to 0.
    assert_output "g,wsum_v,wmean_v,n_v
a,16,4,3
b,0,,2"
}

# ---------------------------------------------------------------- empty values, rejects, counts

@test "empty values: a group of their own, sorted first; skipped by statistics, counted as missing" {
    printf 'g,h,v\nb,,1\n,x,\n,x,4\nb,,\na,y,2\n' > "$T/e.csv"
    run koppel aggregate -g g,h --count --sum v --count-values v --stats "$T/stats.json" "$T/e.csv"
    assert_output "g,h,count,sum_v,n_v
,x,2,4,1
a,y,1,2,1
b,,2,1,1"
    [ "$(stat "$T/stats.json" missing_v)" = 2 ]
    [ "$(stat "$T/stats.json" groups)" = 3 ]
}

@test "text in a numeric column rejects the record (never showing the value); counts balance" {
    printf 'district,x,w\nNoord,1,1\nNoord,12abc,1\nZuid,3,n/a\nZuid,4,2\n' > "$T/bad.csv"
    run koppel aggregate -g district --sum x --weighted-sum x:w "$T/bad.csv"
    assert_failure 1
    assert_output --partial "bad.csv:3: column 'x': not a number"
    refute_output --partial "12abc"
    run --separate-stderr koppel aggregate -g district --count --sum x --weighted-sum x:w --rejects "$T/rejects.csv" \
        --stats "$T/stats.json" "$T/bad.csv"
    assert_success
    # The rejected records count in no group.
    assert_output "district,count,sum_x,wsum_x
Noord,1,1,1
Zuid,1,4,8"
    run cut -d, -f1,2,3,5,6 "$T/rejects.csv"
    assert_output "district,x,w,reject_line,reject_reason
Noord,12abc,1,3,column 'x': not a number
Zuid,3,n/a,4,column 'w': not a number"
    # in = used + filtered + rejected; out is the number of groups.
    run python3 -c "
import json; s = json.loads(open('$T/stats.json').read().splitlines()[-1])
assert s['records_in'] == s['records_used'] + s['filtered'] + s['rejected'] == 4, s
assert s['records_used'] == 2 and s['rejected'] == 2 and s['records_out'] == 2, s"
    assert_success
}

@test "a structurally bad record is rejected by the record layer and counted" {
    printf 'g,v\na,1\na,2,3\nb,4\n' > "$T/short.csv"
    run --separate-stderr koppel aggregate -g g --sum v --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/short.csv"
    assert_success
    assert_output "g,sum_v
a,1
b,4"
    [ "$(stat "$T/stats.json" rejected)" = 1 ]
    [ "$(stat "$T/stats.json" records_used)" = 2 ]
}

@test "empty input: header only gives no groups; without -g one record with count 0" {
    printf 'g,v\n' > "$T/empty.csv"
    run koppel aggregate -g g --count --sum v "$T/empty.csv"
    assert_output "g,count,sum_v"
    run koppel aggregate --count --sum v --min v "$T/empty.csv"
    assert_output "count,sum_v,min_v
0,,"
}

# ---------------------------------------------------------------- options and files

@test "several input files, columns found by name in each" {
    printf 'g,v\na,1\nb,2\n' > "$T/one.csv"
    printf 'v,extra,g\n3,x,a\n4,y,c\n' > "$T/two.csv"
    run koppel aggregate -g g --sum v --count "$T/one.csv" "$T/two.csv"
    assert_output "g,sum_v,count
a,4,2
b,2,1
c,4,1"
}

@test "delimiters, -o writes atomically, and standard input" {
    printf 'g;v\na;1,5\na;2\n' > "$T/semi.csv"
    run koppel aggregate -d ';' -g g --count "$T/semi.csv"
    assert_output "g,count
a,2"
    run koppel aggregate -d ';' --output-delimiter ';' -g g --count --count-distinct v "$T/semi.csv"
    assert_output "g;count;distinct_v
a;2;2"
    koppel aggregate -g sex --count -o "$T/out.csv" < "$F/wmo-costs.csv"
    run cat "$T/out.csv"
    assert_output "sex,count
F,3
M,4"
    run ls "$T"
    refute_output --partial "tmp"
}

@test "write error is status 3; --help and --version" {
    run bash -c "koppel aggregate -g sex --count '$F/wmo-costs.csv' > /dev/full"
    assert_failure 3
    run koppel aggregate --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel aggregate"
    assert_output --partial "--weighted-mean"
    assert_output --partial "--sumsq COL              [sumsq_COL]"
    run koppel aggregate --version
    assert_success
    assert_output --partial "koppel-aggregate"
}

@test "usage errors have status 2 and say what is wrong" {
    run koppel aggregate -g nosuch --count "$F/wmo-costs.csv"
    assert_failure 2
    assert_output --partial "column 'nosuch' not found"
    assert_output --partial "bsn, district, sex, cost"
    run koppel aggregate -g sex --sum nosuch "$F/wmo-costs.csv"
    assert_failure 2
    assert_output --partial "--sum: column 'nosuch'"
    run koppel aggregate -g sex --top cost "$F/wmo-costs.csv"
    assert_failure 2
    assert_output --partial "--top expects N:COL"
    run koppel aggregate -g sex --top 0:cost "$F/wmo-costs.csv"
    assert_failure 2
    run koppel aggregate -g sex --weighted-sum cost "$F/wmo-costs.csv"
    assert_failure 2
    assert_output --partial "COL:WEIGHT"
    run koppel aggregate -g sex --totals --rollup "$F/wmo-costs.csv"
    assert_failure 2
    assert_output --partial "exclude each other"
    run koppel aggregate --totals --count "$F/wmo-costs.csv"
    assert_failure 2
    run koppel aggregate -g sex --sum cost --sum cost "$F/wmo-costs.csv"
    assert_failure 2
    assert_output --partial "'sum_cost'"
    run koppel aggregate -g sex,sex "$F/wmo-costs.csv"
    assert_failure 2
    run koppel aggregate -g sex --count-distinct bsn --split-by bsn "$F/wmo-costs.csv"
    assert_failure 2
    assert_output --partial "--split-by"
    run koppel aggregate -g sex --count-distinct bsn --split-by district --partial "$F/wmo-costs.csv"
    assert_failure 2
    run koppel aggregate -g sex --total-label Alle "$F/wmo-costs.csv"
    assert_failure 2
    run koppel aggregate -g sex --totals --total-label '' "$F/wmo-costs.csv"
    assert_failure 2
    run koppel aggregate -g sex --nosuch "$F/wmo-costs.csv"
    assert_failure 2
}

@test "a group value equal to the total label is an error" {
    printf 'g\nTotal\na\n' > "$T/label.csv"
    run koppel aggregate -g g --totals "$T/label.csv"
    assert_failure 2
    assert_output --partial "column 'g' has the value 'Total', the label of total rows"
    run koppel aggregate -g g --totals --total-label All "$T/label.csv"
    assert_success
    assert_output "g,count
Total,1
a,1
All,2"
}

# ---------------------------------------------------------------- --order natural

@test "--order natural: age bands in the order a reader expects, with rollup totals (order written by hand)" {
    # age-bands.csv holds the bands scrambled; counted by hand: 45-49 F twice, every other
    # (band, sex) once. By bytes 10-14 would come before 5-9 and 85+ after 80-84 anyway.
    run koppel aggregate -g age_band,sex --order natural --rollup "$F/age-bands.csv"
    assert_success
    assert_output "age_band,sex,count
0-4,F,1
0-4,M,1
0-4,Total,2
5-9,F,1
5-9,M,1
5-9,Total,2
10-14,F,1
10-14,M,1
10-14,Total,2
15-19,M,1
15-19,Total,1
20-24,F,1
20-24,Total,1
40-44,M,1
40-44,Total,1
45-49,F,2
45-49,Total,2
80-84,F,1
80-84,Total,1
85+,F,1
85+,M,1
85+,Total,2
Total,Total,14"
}

@test "--order bytes is the default: the same bands sorted by their bytes" {
    run koppel aggregate -g age_band "$F/age-bands.csv"
    assert_success
    assert_output "age_band,count
0-4,2
10-14,2
15-19,1
20-24,1
40-44,1
45-49,2
5-9,2
80-84,1
85+,2"
    run koppel aggregate -g age_band --order bytes "$F/age-bands.csv"
    assert_success
    assert_output "$(koppel aggregate -g age_band "$F/age-bands.csv")"
}

@test "--order natural: numbers by value (9 before 10), leading zeros tie and go by bytes, empty first" {
    # By hand: the empty value first; 0; 05 and 5 are both five (then by bytes: '0' < '5');
    # 9, 10, 100; then text by bytes (B 0x42 before a 0x61 before i), item2a < item2b < item9 < item10.
    run koppel aggregate -g code --order natural "$F/natural.csv"
    assert_success
    assert_output "code,count
,1
0,1
05,1
5,1
9,1
10,1
100,1
B,1
a,1
item2a,1
item2b,1
item9,1
item10,1"
}

@test "--order natural on 2,000 groups (beyond the radix sort's threshold) matches a Python natural sort" {
    python3 - "$T/many.csv" <<'PY'
import random, sys
random.seed(11)
parts = ["", "x", "band", "ü", "-", "+", "0", "007", "a1b"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("g,h\n")
    for i in range(2000):
        value = "".join(random.choice(parts) + (str(random.randrange(0, 10 ** random.randrange(1, 25)))
                        if random.random() < 0.7 else "") for _ in range(random.randrange(1, 4)))
        f.write("%s,%d\n" % (value, random.randrange(3)))
PY
    koppel aggregate -g g,h --order natural --totals "$T/many.csv" > "$T/out.csv"
    python3 - "$T/many.csv" "$T/out.csv" <<'PY'
import csv, re, sys
# The natural key: runs of digits as (0x30, number), any other byte as (byte,); the shorter
# first when one is a beginning of the other; ties by the bytes. Totals after the values.
def key(value):
    b = value.encode("utf-8")
    tokens = tuple((0x30, int(t)) if t[:1].isdigit() else (t[0],) for t in re.findall(rb"[0-9]+|[^0-9]", b))
    return (tokens, b)
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
groups = {(r["g"], r["h"]) for r in rows}
cells = set(groups) | {(g, None) for g, _ in groups} | {(None, h) for _, h in groups} | {(None, None)}
def cell_key(c):
    return tuple((1, ()) if v is None else (0, key(v)) for v in c)
expected = [["Total" if v is None else v for v in c] for c in sorted(cells, key=cell_key)]
got = [r[:2] for r in list(csv.reader(open(sys.argv[2], encoding="utf-8", newline="")))[1:]]
assert len(got) == len(expected), (len(got), len(expected))
for i, (a, b) in enumerate(zip(got, expected)):
    assert a == b, (i, a, b)
PY
}

@test "--order: anything but bytes or natural is a usage error" {
    run koppel aggregate -g age_band --order numeric "$F/age-bands.csv"
    assert_failure 2
    assert_output "koppel-aggregate: --order takes bytes or natural (try 'koppel aggregate --help')"
}
