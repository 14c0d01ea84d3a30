#!/usr/bin/env bats
# join.bats: koppel join. Every join type is checked against SQLite over the same CSVs (run
# here, on random data with repeated, empty, composite and unmatched keys); the linkage report
# against counts computed here in Python; --sorted against the hash join and against disorder.

bats_require_minimum_version 1.5.0

setup_file() {
    # The interpreter itself: a version manager's shim can cost a second per call.
    PYTHON3="$(command python3 -c 'import sys; print(sys.executable)')"
    export PYTHON3
}

setup() {
    load 'test_helper/common-setup'
    _common_setup
    cd "$BATS_TEST_TMPDIR"
}

python3() { "$PYTHON3" "$@"; }

# make_data SEED COMPOSITE: left.csv and right.csv with keys drawn from overlapping pools, so
# that keys repeat on both sides, some have no partner, and some have an empty key column.
# COMPOSITE=1: key (k1,k2) in LEFT, (rk1,rk2) in RIGHT, at other column positions;
# COMPOSITE=0: key id on both sides. Values hold commas and quotes to exercise quoting.
make_data() {
    python3 - "$1" "$2" <<'PY'
import csv, random, sys
seed, composite = int(sys.argv[1]), sys.argv[2] == "1"
rng = random.Random(seed)
def key1(pool):
    return "" if rng.random() < 0.06 else "KEY%04d" % rng.randrange(pool)
def key2():
    return rng.choice(["2022", "2023", "2023", ""] if rng.random() < 0.3 else ["2022", "2023"])
def value(tag, i):
    v = "%s%d" % (tag, i)
    r = rng.random()
    return v + ",x" if r < 0.1 else 'say "%s"' % v if r < 0.2 else "" if r < 0.25 else v
nl, nr = rng.randrange(40, 160), rng.randrange(30, 120)
with open("left.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    if composite:
        w.writerow(["k1", "lv", "k2", "note"])
        for i in range(nl):
            w.writerow([key1(60), value("l", i), key2(), value("n", i)])
    else:
        w.writerow(["id", "lv", "note"])
        for i in range(nl):
            w.writerow([key1(60), value("l", i), value("n", i)])
with open("right.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    if composite:
        w.writerow(["rv", "rk2", "extra", "rk1"])
        for i in range(nr):
            k1 = key1(60)
            w.writerow([value("r", i), key2(), value("e", i), "KEY%04d" % (20 + int(k1[3:])) if k1 and rng.random() < 0.3 else k1])
    else:
        w.writerow(["rv", "id", "extra"])
        for i in range(nr):
            w.writerow([value("r", i), key1(80), value("e", i)])
PY
}

# The join options for a data set made by make_data.
key_options() {
    if [ "$1" = 1 ]; then echo "--left-key k1,k2 --right-key rk1,rk2"; else echo "-k id"; fi
}

# sqlite_join TYPE COMPOSITE: the same join in SQLite, rows in the documented order, as
# fields separated by '|' (no generated value contains one).
sqlite_join() {
    local type=$1 composite=$2 lk rk on lcols rcols
    if [ "$composite" = 1 ]; then
        on="l.k1 = r.rk1 AND l.k2 = r.rk2 AND l.k1 <> '' AND l.k2 <> ''"
        lk="l.k1, l.k2"; rk="COALESCE(l.k1, r.rk1), COALESCE(l.k2, r.rk2)"
        lcols="l.k1, l.lv, l.k2, l.note"; rcols="l.lv, l.note, r.rv, r.extra"
    else
        on="l.id = r.id AND l.id <> ''"
        lk="l.id"; rk="COALESCE(l.id, r.id)"
        lcols="l.id, l.lv, l.note"; rcols="l.lv, l.note, r.rv, r.extra"
    fi
    local query
    case $type in
    inner) query="SELECT $lk, $rcols FROM l JOIN r ON $on ORDER BY l.rowid, r.rowid" ;;
    left) query="SELECT $lk, $rcols FROM l LEFT JOIN r ON $on ORDER BY l.rowid, r.rowid" ;;
    right) query="SELECT $rk, $rcols FROM l RIGHT JOIN r ON $on ORDER BY l.rowid IS NULL, l.rowid, r.rowid" ;;
    full) query="SELECT $rk, $rcols FROM l FULL JOIN r ON $on ORDER BY l.rowid IS NULL, l.rowid, r.rowid" ;;
    semi) query="SELECT $lcols FROM l WHERE EXISTS (SELECT 1 FROM r WHERE $on) ORDER BY l.rowid" ;;
    anti) query="SELECT $lcols FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE $on) ORDER BY l.rowid" ;;
    esac
    sqlite3 :memory: ".mode csv" ".import left.csv l" ".import right.csv r" ".mode list" \
        ".separator |" "$query"
}

# as_rows FILE: a CSV's data rows as fields separated by '|' (header dropped), read by SQLite.
as_rows() {
    sqlite3 :memory: ".import --csv $1 o" ".mode list" ".separator |" "SELECT * FROM o ORDER BY rowid"
}

# expected_report COMPOSITE TYPE: the linkage report computed here from left.csv/right.csv.
expected_report() {
    python3 - "$1" <<'PY'
import csv, sys
composite = sys.argv[1] == "1"
def keys(path, names):
    rows = list(csv.DictReader(open(path, newline="")))
    return [tuple(r[n] for n in names) for r in rows]
left = keys("left.csv", ["k1", "k2"] if composite else ["id"])
right = keys("right.csv", ["rk1", "rk2"] if composite else ["id"])
def nonempty(k): return all(k)
def figures(mine, other):
    good = [k for k in mine if nonempty(k)]
    other_set = set(k for k in other if nonempty(k))
    counts = {}
    for k in good: counts[k] = counts.get(k, 0) + 1
    matched = sum(1 for k in good if k in other_set)
    n = len(mine)
    rate = repr(100.0 * matched / n) if n else ""
    return [n, 0, len(counts), n - len(good), sum(1 for c in counts.values() if c > 1),
            len(set(counts) & other_set), matched, n - matched, rate]
for side, mine, other, path in (("left", left, right, "left.csv"), ("right", right, left, "right.csv")):
    print(",".join([side, path] + [str(x) for x in figures(mine, other)]))
PY
}

# actual_report FILE: the --report CSV rows with the match rate as Python prints the double.
actual_report() {
    python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["side", "file", "records", "rejected_records", "distinct_keys", "empty_key_records",
                   "duplicated_keys", "matched_keys", "matched_records", "unmatched_records",
                   "match_rate_percent"], rows[0]
for row in rows[1:]:
    row[-1] = repr(float(row[-1])) if row[-1] else ""
    print(",".join(row))
PY
}

# assert_no_key_values FILE...: no key value of left.csv or right.csv appears in the files.
assert_no_key_values() {
    python3 - "$@" <<'PY'
import csv, sys
values = set()
for path in ("left.csv", "right.csv"):
    for row in csv.DictReader(open(path, newline="")):
        for column in ("id", "k1", "rk1"):
            if row.get(column):
                values.add(row[column])
for path in sys.argv[1:]:
    text = open(path, errors="replace").read()
    leaked = [v for v in values if v in text]
    if leaked:
        sys.exit("%s shows key values: %s" % (path, leaked[:3]))
PY
}

# sort_inputs COMPOSITE: left.csv/right.csv sorted on the key, byte order, column by column.
sort_inputs() {
    python3 - "$1" <<'PY'
import csv, sys
composite = sys.argv[1] == "1"
for path, names in (("left.csv", ["k1", "k2"] if composite else ["id"]),
                    ("right.csv", ["rk1", "rk2"] if composite else ["id"])):
    rows = list(csv.reader(open(path, newline="")))
    index = [rows[0].index(n) for n in names]
    body = sorted(rows[1:], key=lambda r: [r[i].encode() for i in index])
    with open("sorted-" + path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(rows[0])
        w.writerows(body)
PY
}

# ---------------------------------------------------------------- the worked example

@test "--help: usage first, the description, the examples" {
    run koppel-join --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel join -k KEY"
    assert_line --index 1 "Link two inputs on a key (hash or sorted merge join) and report how well they linked."
    assert_output --partial "koppel join -k bsn --type left --report linkage.csv contacts.csv persons.csv"
    run koppel-join --version
    assert_success
    assert_output --partial "koppel-join (koppel)"
}

@test "worked example: contacts to persons, left join, with the report worked out by hand" {
    cat > contacts.csv <<'EOF'
bsn,contact_date,icpc
p1,2023-01-05,T90
p2,2023-02-11,K86
p1,2023-03-20,R05
,2023-04-01,A01
p9,2023-05-09,P74
EOF
    cat > persons.csv <<'EOF'
bsn,sex,ses_quintile
p1,F,2
p2,M,4
p3,F,1
EOF
    run --separate-stderr koppel-join -k bsn --type left --report linkage.csv contacts.csv persons.csv
    assert_success
    # Rows in LEFT's order; the empty key and p9 have no partner and keep empty RIGHT columns.
    assert_output "$(printf '%s\n' 'bsn,contact_date,icpc,sex,ses_quintile' \
        'p1,2023-01-05,T90,F,2' 'p2,2023-02-11,K86,M,4' 'p1,2023-03-20,R05,F,2' \
        ',2023-04-01,A01,,' 'p9,2023-05-09,P74,,')"
    [ "$stderr" = "$(printf '%s\n' \
        'koppel-join: linkage report, left join (LEFT contacts.csv, RIGHT persons.csv):' \
        '                             LEFT          RIGHT' \
        '  records                         5              3' \
        '  rejected records                0              0' \
        '  distinct keys                   3              3' \
        '  empty key records               1              0' \
        '  duplicated keys                 1              0' \
        '  matched keys                    2              2' \
        '  matched records                 3              2' \
        '  unmatched records               2              1' \
        '  match rate (%)               60.0           66.7')" ]
    # By hand: LEFT 3 of 5 records matched (60%), RIGHT 2 of 3 (200/3 %).
    run cat linkage.csv
    assert_output "$(printf '%s\n' \
        'side,file,records,rejected_records,distinct_keys,empty_key_records,duplicated_keys,matched_keys,matched_records,unmatched_records,match_rate_percent' \
        'left,contacts.csv,5,0,3,1,1,2,3,2,60' \
        "right,persons.csv,3,0,3,0,0,2,2,1,$(python3 -c 'print(repr(100.0*2/3))')")"
}

# ---------------------------------------------------------------- against SQLite

check_against_sqlite() {
    local seed=$1 composite=$2 type
    make_data "$seed" "$composite"
    for type in inner left right full semi anti; do
        koppel-join $(key_options "$composite") --type "$type" -q left.csv right.csv > out.csv
        as_rows out.csv > ours.txt
        sqlite_join "$type" "$composite" > theirs.txt
        if ! cmp -s ours.txt theirs.txt; then
            echo "seed $seed composite $composite type $type differs from SQLite:"
            diff ours.txt theirs.txt | head -20
            return 1
        fi
    done
}

@test "every join type equals SQLite, single key, several seeds" {
    for seed in 1 2 3; do
        check_against_sqlite "$seed" 0
    done
}

@test "every join type equals SQLite, composite key at other positions in RIGHT, several seeds" {
    for seed in 11 12 13; do
        check_against_sqlite "$seed" 1
    done
}

@test "the generated data has what the comparison needs: repeats, empty keys, unmatched on both sides" {
    make_data 11 1
    run python3 - <<'PY'
import csv
l = [(r["k1"], r["k2"]) for r in csv.DictReader(open("left.csv"))]
r = [(x["rk1"], x["rk2"]) for x in csv.DictReader(open("right.csv"))]
full = lambda k: all(k)
ls, rs = set(filter(full, l)), set(filter(full, r))
assert any(l.count(k) > 1 for k in ls) and any(r.count(k) > 1 for k in rs), "repeats"
assert any(k in rs and l.count(k) > 1 and r.count(k) > 1 for k in ls), "many-to-many"
assert not all(map(full, l)) and not all(map(full, r)), "empty keys"
assert ls - rs and rs - ls and ls & rs, "matched and unmatched"
assert any(k[0] and not k[1] for k in l), "empty second column only"
PY
    assert_success
}

@test "output header: key columns once (LEFT's names), LEFT's others, RIGHT's others" {
    make_data 3 1
    run koppel-join --left-key k1,k2 --right-key rk1,rk2 -q left.csv right.csv
    assert_success
    assert_line --index 0 "k1,k2,lv,note,rv,extra"
    run koppel-join --left-key k1,k2 --right-key rk1,rk2 --type semi -q left.csv right.csv
    assert_line --index 0 "k1,lv,k2,note"
}

# ---------------------------------------------------------------- the linkage report

@test "report figures equal counts computed independently, both key kinds, several seeds" {
    # The figures do not depend on the join type; each run uses another one.
    local types=(inner left right full semi anti) n=0
    for composite in 0 1; do
        for seed in 21 22 23; do
            make_data "$seed" "$composite"
            koppel-join $(key_options "$composite") --type "${types[n++]}" --report report.csv \
                left.csv right.csv > /dev/null 2> stderr.txt
            expected_report "$composite" > expected.txt
            actual_report report.csv > actual.txt
            run diff expected.txt actual.txt
            assert_success
        done
    done
}

@test "report figures on many unmatched LEFT keys: grouped, scattered and prefix repeats" {
    # Without --validate, LEFT's unmatched keys are logged and counted by sorting: a key on
    # the next record again is marked, not logged; the same key further on is found in the
    # sort; keys of other lengths with a common start stay apart.
    python3 - <<'PY'
import csv, random
rng = random.Random(7)
with open("left.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "lv", "note"])
    for i in range(30000):
        k = "P%05d" % rng.randrange(12000)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):  # grouped repeats
            w.writerow([rng.choice([k, k + "0", k[:-1]]), i, ""])
with open("right.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["rv", "id", "extra"])
    for i in range(3000):
        w.writerow([i, "P%05d" % rng.randrange(12000), ""])
PY
    for type in semi anti left; do
        koppel-join -k id --type "$type" --report report.csv left.csv right.csv > /dev/null 2> stderr.txt
        expected_report 0 > expected.txt
        actual_report report.csv > actual.txt
        run diff expected.txt actual.txt
        assert_success
    done
    # The data has what the test needs: unmatched keys on one record and on several.
    run python3 -c "
import csv
from collections import Counter
right = {r['id'] for r in csv.DictReader(open('right.csv'))}
c = Counter(r['id'] for r in csv.DictReader(open('left.csv')) if r['id'] not in right)
print(sum(v == 1 for v in c.values()) > 1000, sum(v > 1 for v in c.values()) > 1000)"
    assert_output "True True"
}

@test "report, stderr and --stats never show a key value" {
    make_data 31 0
    koppel-join -k id --type full --report report.csv --stats stats.json \
        --unmatched-left ul.csv left.csv right.csv > /dev/null 2> stderr.txt
    assert_file_not_empty stderr.txt
    assert_no_key_values stderr.txt report.csv stats.json
    # ... nor do the messages of --validate and --sorted.
    run koppel-join -k id --validate 1:1 left.csv right.csv
    assert_failure 1
    echo "$output" > validate.txt
    assert_no_key_values validate.txt
    run koppel-join -k id --sorted left.csv right.csv
    assert_failure 1
    echo "$output" > sorted.txt
    assert_no_key_values sorted.txt
}

@test "--stats: per side figures, records_in and out; the balance per side and for semi/anti" {
    make_data 41 1
    for type in inner left right full semi anti; do
        rm -f stats.json
        koppel-join --left-key k1,k2 --right-key rk1,rk2 --type "$type" -q --stats stats.json \
            left.csv right.csv > out.csv
        run python3 - "$type" <<'PY'
import csv, json, sys
t = sys.argv[1]
s = json.loads(open("stats.json").read().splitlines()[-1])
left = list(csv.DictReader(open("left.csv")))
right = list(csv.DictReader(open("right.csv")))
rows = list(csv.reader(open("out.csv")))[1:]
assert s["filter"] == "join" and s["join_type"] == t and s["method"] == "hash"
assert s["records_in"] == len(left) + len(right), s
assert s["records_out"] == len(rows), s
for side in ("left", "right"):
    assert s[side + "_records"] == s[side + "_written"] + s[side + "_filtered"] + 0, (side, s)
assert s["filtered"] == s["left_filtered"] + s["right_filtered"]
if t in ("semi", "anti"):
    assert s["records_in"] == s["records_out"] + s["filtered"] + s["rejected"], s
    assert s["right_written"] == 0
if t == "full":
    assert s["left_filtered"] == 0 and s["right_filtered"] == 0
PY
        assert_success
    done
    koppel-join --left-key k1,k2 --right-key rk1,rk2 --type anti -q --stats stats.json left.csv right.csv > /dev/null
    assert_counts_balance stats.json
}

@test "-q leaves standard error empty; an empty RIGHT gives a match rate of '-' and 0" {
    make_data 5 0
    run --separate-stderr koppel-join -k id -q left.csv right.csv
    assert_success
    [ -z "$stderr" ]
    printf 'rv,id,extra\n' > empty.csv
    run --separate-stderr koppel-join -k id --report report.csv left.csv empty.csv
    assert_success
    [[ "$stderr" == *"match rate (%)"*"0.0"*"-"* ]]
    run sed -n 3p report.csv
    assert_output "right,empty.csv,0,0,0,0,0,0,0,0,"
}

# ---------------------------------------------------------------- --sorted

@test "--sorted equals the hash join on sorted input, every type, both key kinds" {
    for composite in 0 1; do
        for seed in 51 52; do
            make_data "$seed" "$composite"
            sort_inputs "$composite"
            for type in inner left right full semi anti; do
                koppel-join $(key_options "$composite") --type "$type" -q \
                    --report hash-report.csv sorted-left.csv sorted-right.csv > hash.csv
                koppel-join $(key_options "$composite") --type "$type" -q --sorted \
                    --report merge-report.csv sorted-left.csv sorted-right.csv > merge.csv
                case $type in
                right | full)
                    # RIGHT-only rows come at their key's place rather than at the end.
                    run diff <(sort hash.csv) <(sort merge.csv) ;;
                *) run diff hash.csv merge.csv ;;
                esac
                assert_success
                run diff hash-report.csv merge-report.csv
                assert_success
            done
        done
    done
}

@test "--sorted: RIGHT-only rows of a full join come in key order" {
    printf 'id,a\nb,1\nd,2\n' > l.csv
    printf 'id,z\na,x\nb,y\nc,w\ne,v\n' > r.csv
    run koppel-join -k id --type full --sorted -q l.csv r.csv
    assert_success
    assert_output "$(printf '%s\n' id,a,z a,,x b,1,y c,,w d,2, e,,v)"
}

@test "--sorted fails loudly on unsorted LEFT, naming file and line" {
    printf 'id,a\nb,1\nc,2\na,3\nd,4\n' > l.csv
    printf 'id,z\na,x\nb,y\n' > r.csv
    run koppel-join -k id --sorted -o out.csv l.csv r.csv
    assert_failure 1
    assert_output --partial "koppel-join: l.csv:4: --sorted: LEFT is not sorted on the key"
    assert_output --partial "line 3"
    assert_file_not_exists out.csv
}

@test "--sorted fails loudly on unsorted RIGHT, also after LEFT has ended" {
    printf 'id,a\na,1\n' > l.csv
    printf 'id,z\na,x\nb,y\nd,w\nc,v\n' > r.csv
    run koppel-join -k id --sorted l.csv r.csv
    assert_failure 1
    assert_output --partial "koppel-join: r.csv:5: --sorted: RIGHT is not sorted on the key"
}

@test "--sorted: byte order, column by column (a < ab; 'B' < 'a'; empty first)" {
    printf 'k1,k2,v\n,x,0\nB,1,1\na,,2\na,b,3\nab,a,4\n' > l.csv
    printf 'k1,k2,w\nB,1,p\na,b,q\na,b,r\nab,a,s\n' > r.csv
    run koppel-join -k k1,k2 --sorted -q l.csv r.csv
    assert_success
    assert_output "$(printf '%s\n' k1,k2,v,w B,1,1,p a,b,3,q a,b,3,r ab,a,4,s)"
    # Components compared one by one: ("a","b") before ("ab",""); a NUL-free join would not
    # tell "a"+"b" from "ab"+"".
    printf 'k1,k2,v\na,b,1\nab,,2\n' > l2.csv
    run koppel-join -k k1,k2 --sorted --type left -q l2.csv r.csv
    assert_success
    assert_output "$(printf '%s\n' k1,k2,v,w a,b,1,q a,b,1,r ab,,2,)"
}

@test "--sorted on random data out of order fails for both inputs" {
    make_data 61 0
    sort_inputs 0
    run koppel-join -k id --sorted -q left.csv sorted-right.csv
    assert_failure 1
    assert_output --partial "left.csv:"
    run koppel-join -k id --sorted -q sorted-left.csv right.csv
    assert_failure 1
    assert_output --partial "right.csv:"
}

# ---------------------------------------------------------------- columns

@test "a non-key column in both inputs is a usage error naming them all" {
    printf 'id,sex,age,x\n1,F,3,a\n' > l.csv
    printf 'id,age,sex,y\n1,4,M,b\n' > r.csv
    run koppel-join -k id l.csv r.csv
    assert_failure 2
    assert_output --partial "columns in both LEFT and RIGHT: age, sex"
    assert_output --partial "--prefix-right"
    # Two files without their header rows: names that are values (a date of birth, a
    # postcode) are not shown.
    printf '1,F,1931-07-26,7384QZ\n' > l.csv
    printf '1,F,1931-07-26,7384QZ\n' > r.csv
    run koppel-join -k 1 l.csv r.csv
    assert_failure 2
    assert_output --partial "columns in both LEFT and RIGHT: F, (not shown), (not shown);"
}

@test "--prefix-right P prefixes every non-key RIGHT column; a clash after prefixing is still an error" {
    printf 'id,sex,age\n1,F,3\n' > l.csv
    printf 'id,age,sex,y\n1,4,M,b\n' > r.csv
    run koppel-join -k id --prefix-right r_ -q l.csv r.csv
    assert_success
    assert_output "$(printf '%s\n' id,sex,age,r_age,r_sex,r_y 1,F,3,4,M,b)"
    printf 'id,r_y\n1,z\n' > l2.csv
    run koppel-join -k id --prefix-right r_ l2.csv r.csv
    assert_failure 2
    assert_output --partial "columns in both LEFT and RIGHT: r_y"
    run koppel-join -k id --prefix-right '' l.csv r.csv
    assert_failure 2
}

@test "a RIGHT column named like LEFT's key column clashes when the key names differ" {
    printf 'bsn,a\n1,x\n' > l.csv
    printf 'pseudonym,bsn\n1,y\n' > r.csv
    run koppel-join --left-key bsn --right-key pseudonym l.csv r.csv
    assert_failure 2
    assert_output --partial "columns in both LEFT and RIGHT: bsn"
    # Semi and anti joins write only LEFT's columns: nothing can clash.
    run koppel-join --left-key bsn --right-key pseudonym --type semi -q l.csv r.csv
    assert_success
    assert_output "$(printf '%s\n' bsn,a 1,x)"
}

@test "fields with the delimiter, quotes and line breaks survive both join methods" {
    printf 'id,a\n1,"x,y"\n2,"say ""hi"""\n' > l.csv
    printf 'id,b,c\n1,"line\nbreak","q""q"\n2,plain,"a,b"\n' > r.csv
    expected="$(printf '%s\n' 'id,a,b,c' '1,"x,y","line' 'break","q""q"' '2,"say ""hi""",plain,"a,b"')"
    run koppel-join -k id -q l.csv r.csv
    assert_success
    assert_output "$expected"
    run koppel-join -k id --sorted -q l.csv r.csv
    assert_success
    assert_output "$expected"
    # With ';' as the output delimiter a comma needs no quotes, a ';' does.
    printf 'id,b\n1,"a;b"\n2,"c,d"\n' > r2.csv
    run koppel-join -k id -q --output-delimiter ';' l.csv r2.csv
    assert_success
    assert_output "$(printf '%s\n' 'id;a;b' '1;x,y;"a;b"' '2;"say ""hi""";c,d')"
}

# ---------------------------------------------------------------- --validate

@test "--validate m:1 passes one RIGHT record per key and fails on the second, with its line" {
    printf 'id,a\n1,x\n1,y\n2,z\n' > l.csv
    printf 'id,b\n1,p\n2,q\n,r\n,s\n' > r.csv
    run koppel-join -k id --validate m:1 -q l.csv r.csv
    assert_success
    printf 'id,b\n1,p\n2,q\n1,t\n' > r2.csv
    run koppel-join -k id --validate m:1 l.csv r2.csv
    assert_failure 1
    assert_output --partial "koppel-join: r2.csv:4: --validate m:1: key repeated in RIGHT (first on line 2)"
    run koppel-join -k id --validate m:1 --sorted l.csv <(printf 'id,b\n1,p\n1,t\n2,q\n')
    assert_failure 1
    assert_output --partial ":3: --validate m:1: key repeated in RIGHT (first on line 2)"
}

@test "--validate 1:m fails on a repeated LEFT key, matched or not, in both methods" {
    printf 'id,b\n1,p\n1,q\n' > r.csv
    printf 'id,a\n1,x\n2,y\n,e\n,f\n' > l.csv
    run koppel-join -k id --validate 1:m -q l.csv r.csv
    assert_success
    printf 'id,a\n1,x\n2,y\n1,z\n' > l2.csv
    run koppel-join -k id --validate 1:m l2.csv r.csv
    assert_failure 1
    assert_output --partial "koppel-join: l2.csv:4: --validate 1:m: key repeated in LEFT (first on line 2)"
    printf 'id,a\n1,x\n2,y\n2,z\n' > l3.csv
    run koppel-join -k id --validate 1:m l3.csv r.csv
    assert_failure 1
    assert_output --partial "l3.csv:4: --validate 1:m: key repeated in LEFT (first on line 3)"
    run koppel-join -k id --validate 1:m --sorted l3.csv r.csv
    assert_failure 1
    assert_output --partial "l3.csv:4: --validate 1:m: key repeated in LEFT (first on line 3)"
}

@test "--validate 1:1 checks both sides; bad modes are usage errors" {
    printf 'id,a\n1,x\n2,y\n' > l.csv
    printf 'id,b\n2,p\n3,q\n' > r.csv
    run koppel-join -k id --validate 1:1 -q l.csv r.csv
    assert_success
    printf 'id,b\n2,p\n2,q\n' > r2.csv
    run koppel-join -k id --validate 1:1 l.csv r2.csv
    assert_failure 1
    assert_output --partial "r2.csv:3: --validate 1:1: key repeated in RIGHT"
    printf 'id,a\n1,x\n1,y\n' > l2.csv
    run koppel-join -k id --validate 1:1 l2.csv r.csv
    assert_failure 1
    assert_output --partial "l2.csv:3: --validate 1:1: key repeated in LEFT"
    run koppel-join -k id --validate m:m l.csv r.csv
    assert_failure 2
    assert_output --partial "expected 1:1, 1:m or m:1"
}

# ---------------------------------------------------------------- unmatched files

@test "--unmatched-left/--unmatched-right hold the records without a match, with their own headers" {
    for method in "" --sorted; do
        make_data 71 1
        if [ -n "$method" ]; then sort_inputs 1; mv sorted-left.csv left.csv; mv sorted-right.csv right.csv; fi
        koppel-join --left-key k1,k2 --right-key rk1,rk2 $method -q --unmatched-left ul.csv \
            --unmatched-right ur.csv left.csv right.csv > /dev/null
        run head -1 ul.csv
        assert_output "k1,lv,k2,note"
        run head -1 ur.csv
        assert_output "rv,rk2,extra,rk1"
        sqlite3 :memory: ".mode csv" ".import left.csv l" ".import right.csv r" ".mode list" ".separator |" \
            "SELECT * FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE l.k1 = r.rk1 AND l.k2 = r.rk2 AND l.k1 <> '' AND l.k2 <> '') ORDER BY rowid" > theirs-left.txt
        sqlite3 :memory: ".mode csv" ".import left.csv l" ".import right.csv r" ".mode list" ".separator |" \
            "SELECT * FROM r WHERE NOT EXISTS (SELECT 1 FROM l WHERE l.k1 = r.rk1 AND l.k2 = r.rk2 AND l.k1 <> '' AND l.k2 <> '') ORDER BY rowid" > theirs-right.txt
        as_rows ul.csv > ours-left.txt
        as_rows ur.csv > ours-right.txt
        run diff ours-left.txt theirs-left.txt
        assert_success
        run diff ours-right.txt theirs-right.txt
        assert_success
        [ -s ours-left.txt ] && [ -s ours-right.txt ]
    done
}

@test "a failed run leaves no output, unmatched or report file behind" {
    printf 'id,a\n1,x\n1,y\n' > l.csv
    printf 'id,b\n1,p\n' > r.csv
    run koppel-join -k id --validate 1:m -o out.csv --unmatched-left ul.csv --unmatched-right ur.csv \
        --report rep.csv l.csv r.csv
    assert_failure 1
    assert_file_not_exists out.csv
    assert_file_not_exists ul.csv
    assert_file_not_exists ur.csv
    assert_file_not_exists rep.csv
    run bash -c "ls | grep tmp"
    assert_failure
}

# ---------------------------------------------------------------- bad records, inputs, options

@test "bad records of either input: status 1 with file:line, or --rejects with reject_file" {
    printf 'id,a\n1,x\n2,y,extra\n3,z\n' > l.csv
    printf 'id,b\n1,p\n"3,q\n' > r.csv
    run koppel-join -k id l.csv r.csv
    assert_failure 1
    assert_output --partial "koppel-join: r.csv:3:"
    printf 'id,b\n1,p\n3\n3,q\n' > r.csv
    run --separate-stderr koppel-join -k id -q --rejects rejects.csv --stats stats.json l.csv r.csv
    assert_success
    assert_output "$(printf '%s\n' id,a,b 1,x,p 3,z,q)"
    [ "$stderr" = "koppel-join: 2 of 6 records rejected (see rejects.csv)" ]
    run python3 - <<'PY'
import csv, json
rows = list(csv.DictReader(open("rejects.csv")))
assert list(rows[0].keys()) == ["id", "a", "reject_file", "reject_line", "reject_reason", "reject_raw"], rows[0].keys()
got = sorted((r["reject_file"], r["reject_line"], r["reject_raw"]) for r in rows)
assert got == [("l.csv", "3", "2,y,extra"), ("r.csv", "3", "3")], got
s = json.loads(open("stats.json").read().splitlines()[-1])
assert s["rejected"] == 2 and s["left_rejected"] == 1 and s["right_rejected"] == 1, s
assert s["records_in"] == 6 and s["left_records"] == 2 and s["right_records"] == 2, s
PY
    assert_success
}

@test "bad records are counted in the report as rejected, apart from the records" {
    printf 'id,a\n1,x\n2,y,extra\n' > l.csv
    printf 'id,b\n1,p\n' > r.csv
    run koppel-join -k id -q --rejects rejects.csv --report rep.csv l.csv r.csv
    assert_success
    run sed -n 2p rep.csv
    assert_output "left,l.csv,1,1,1,0,0,1,1,0,100"
}

@test "either input may be standard input, not both" {
    printf 'id,a\n1,x\n2,y\n' > l.csv
    printf 'id,b\n2,p\n' > r.csv
    run bash -c 'koppel-join -k id -q - r.csv < l.csv'
    assert_success
    assert_output "$(printf '%s\n' id,a,b 2,y,p)"
    run bash -c 'koppel-join -k id -q l.csv - < r.csv'
    assert_success
    assert_output "$(printf '%s\n' id,a,b 2,y,p)"
    run koppel-join -k id - -
    assert_failure 2
    assert_output --partial "cannot both be standard input"
}

@test "-d applies to both inputs; --right-delimiter to RIGHT alone" {
    printf 'id;a\n1;x\n2;y\n' > l.csv
    printf 'id;b\n2;p\n' > r.csv
    printf 'id\tb\n1\tq\n' > r.tsv
    run koppel-join -k id -d ';' -q l.csv r.csv
    assert_success
    assert_output "$(printf '%s\n' id,a,b 2,y,p)"
    run koppel-join -k id -d ';' --right-delimiter tab -q l.csv r.tsv
    assert_success
    assert_output "$(printf '%s\n' id,a,b 1,x,q)"
}

@test "usage errors: no key, missing column, key lengths, unknown type, operands" {
    printf 'id,a\n1,x\n' > l.csv
    printf 'pid,b\n1,p\n' > r.csv
    run koppel-join l.csv r.csv
    assert_failure 2
    assert_output --partial "no key"
    run koppel-join -k id l.csv r.csv
    assert_failure 2
    assert_output --partial "column 'id' not found in r.csv; the columns are: pid, b"
    run koppel-join --left-key id,a --right-key pid l.csv r.csv
    assert_failure 2
    assert_output --partial "LEFT's key has 2 columns and RIGHT's 1"
    run koppel-join --left-key id --right-key pid --type outer l.csv r.csv
    assert_failure 2
    assert_output --partial "'outer' is not a join type"
    run koppel-join --left-key id --right-key pid l.csv
    assert_failure 2
    assert_output --partial "expected two inputs"
    run koppel-join --left-key id,id --right-key pid,b l.csv r.csv
    assert_failure 2
    assert_output --partial "named twice"
    run koppel-join --left-key id --right-key pid --bogus l.csv r.csv
    assert_failure 2
    run koppel-join --left-key id --right-key pid l.csv missing.csv
    assert_failure 2
}

@test "-o writes atomically; a full disk is status 3; an unwritable report is status 3" {
    printf 'id,a\n1,x\n' > l.csv
    printf 'id,b\n1,p\n' > r.csv
    run koppel-join -k id -q -o out.csv l.csv r.csv
    assert_success
    assert_equal "$(cat out.csv)" "$(printf '%s\n' id,a,b 1,x,p)"
    # Standard output only: -o /dev/full would rename a temporary over the device as root.
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run bash -c 'koppel-join -k id -q l.csv r.csv > /dev/full'
    assert_failure 3
    run koppel-join -k id -q --report no-such-directory/report.csv l.csv r.csv
    assert_failure 3
    assert_output --partial "no-such-directory/report.csv"
}

@test "a closed pipe downstream ends the run quietly" {
    python3 -c '
print("id,a")
for i in range(200000): print("%d,x" % (i % 1000))' > l.csv
    python3 -c '
print("id,b")
for i in range(1000): print("%d,y" % i)' > r.csv
    run bash -c 'koppel-join -k id -q l.csv r.csv | head -2; echo "status ${PIPESTATUS[0]}"'
    assert_output "$(printf '%s\n' id,a,b 0,x,y 'status 0')"
}

@test "a key repeated many times on both sides gives every pair (hash and merge)" {
    python3 -c '
print("id,a")
for i in range(300): print("k,%d" % i)' > l.csv
    python3 -c '
print("id,b")
for i in range(200): print("k,%d" % i)
print("z,0")' > r.csv
    run bash -c 'set -o pipefail; koppel-join -k id -q l.csv r.csv | wc -l'
    assert_success
    assert_output "60001"
    run bash -c 'set -o pipefail; koppel-join -k id --sorted -q l.csv r.csv | wc -l'
    assert_success
    assert_output "60001"
    run bash -c 'set -o pipefail; koppel-join -k id -q --type right l.csv r.csv | tail -1'
    assert_success
    assert_output "z,,0"
}
