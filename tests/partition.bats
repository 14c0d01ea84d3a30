#!/usr/bin/env bats
# partition.bats: koppel partition. The parts are checked record by record against an independent
# SipHash-2-4 written in Python from the paper (fixtures/partition/reference.py, itself checked
# against the paper's test vector); the scale-out property (partition, then aggregate --partial
# or join per part with GNU parallel, then merge) against one run over the whole input.

bats_require_minimum_version 1.5.0

setup_file() {
    # The interpreter itself: a version manager's shim can cost seconds per call.
    PYTHON3="$(command python3 -c 'import sys; print(sys.executable)')"
    export PYTHON3
    # A synthetic city once for the file: persons and their GP contacts.
    koppel_bin="${KOPPEL_BIN:-$BATS_TEST_DIRNAME/../bin}"
    "$koppel_bin/koppel-synth" --persons 3000 --seed 11 --out "$BATS_FILE_TMPDIR/city" 2>/dev/null
    export CITY="$BATS_FILE_TMPDIR/city"
}

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/partition"
    REF="$F/reference.py"
    cd "$BATS_TEST_TMPDIR"
}

python3() { "$PYTHON3" "$@"; }

# records FILE: the number of data records of a CSV without quoted newlines.
records() { echo $(($(wc -l < "$1") - 1)); }

# ---------------------------------------------------------------- the hash

@test "reference SipHash-2-4 reproduces the paper's test vector" {
    run python3 "$REF" vector
    assert_success
    assert_output ok
}

@test "usage example: contacts into 4 parts, every record where the reference hash puts it" {
    run koppel partition -k bsn -n 4 --out parts "$CITY/gp_contacts.csv"
    assert_success
    assert_output --regexp "^koppel-partition: [0-9]+ records into 4 parts in parts \(smallest [0-9]+, largest [0-9]+ records\); 0 with an empty key$"
    assert_file_exists parts/part-0000.csv
    assert_file_exists parts/part-0003.csv
    assert_file_not_exists parts/part-0004.csv
    run python3 "$REF" check 4 parts part bsn part0 , "$CITY/gp_contacts.csv"
    assert_success
    # Nothing else in the directory: no temporaries, no staging directory.
    run ls -A parts
    assert_output "part-0000.csv
part-0001.csv
part-0002.csv
part-0003.csv"
}

@test "the same key lands in the same part number in two files partitioned separately" {
    koppel partition -q -k bsn -n 8 --out p --prefix persons "$CITY/persons.csv"
    koppel partition -q -k bsn -n 8 --out p --prefix contacts "$CITY/gp_contacts.csv"
    python3 - <<'PY'
import csv, glob, re, sys
where = {}
for path in sorted(glob.glob("p/*.csv")):
    part = int(re.search(r"-(\d{4})\.csv$", path).group(1))
    for row in csv.DictReader(open(path, newline="")):
        if where.setdefault(row["bsn"], part) != part:
            sys.exit("a key is in parts %d and %d" % (where[row["bsn"]], part))
# Persons with contacts exist, so the check above compared the two files.
persons = {r["bsn"] for i in range(8) for r in csv.DictReader(open("p/persons-%04d.csv" % i, newline=""))}
contacts = {r["bsn"] for i in range(8) for r in csv.DictReader(open("p/contacts-%04d.csv" % i, newline=""))}
if len(persons & contacts) < 100:
    sys.exit("too few shared keys to test anything")
PY
}

@test "composite key: fields joined with NUL, quoted and UTF-8 fields, exactly as the reference" {
    for n in 1 3 16; do
        koppel partition -q -k id,year -n $n --out "p$n" "$F/records.csv"
        run python3 "$REF" check $n "p$n" part id,year part0 , "$F/records.csv"
        assert_success
    done
    # The order of the key columns matters (a2 then 2023 is another byte string than 2023 then a2).
    run python3 "$REF" part 16 a2 2023
    a=$output
    run python3 "$REF" part 16 2023 a2
    [ "$a" != "$output" ]
    # The separator makes ("ab","c") and ("a","bc") different keys, as no plain concatenation
    # would: their hashes differ, and koppel puts them where the reference does.
    [ "$(python3 "$REF" hash ab c)" != "$(python3 "$REF" hash a bc)" ]
    printf 'x,y\nab,c\na,bc\n' > two.csv
    koppel partition -q -k x,y -n 64 --out p64 two.csv
    run python3 "$REF" check 64 p64 part x,y part0 , two.csv
    assert_success
}

@test "records keep their fields byte for byte (re-quoted minimally) and their input order" {
    koppel partition -q -k id -n 1 --out one "$F/records.csv"
    cmp "$F/records.csv" one/part-0000.csv
}

@test "balance: 40000 keys over 8 parts pass a chi-square test; every part within 5 sd" {
    python3 -c '
import random
rng = random.Random(5)
print("pseudonym,n")
for i in range(40000):
    print("%032x,%d" % (rng.getrandbits(128), i))' > keys.csv
    koppel partition -q -k pseudonym -n 8 --stats s.json --out p keys.csv
    python3 - <<'PY'
import json, math
s = json.loads(open("s.json").read())
counts = [s["part_%04d" % i] for i in range(8)]
expected = 40000 / 8
chi2 = sum((c - expected) ** 2 / expected for c in counts)
# chi-square with 7 degrees of freedom: 0.999 quantile 24.32 (standard tables)
assert chi2 < 24.32, (chi2, counts)
sd = math.sqrt(40000 * (1 / 8) * (7 / 8))
assert all(abs(c - expected) < 5 * sd for c in counts), counts
PY
}

@test "powers of two refine: part P of 4 holds exactly parts P and P+4 of 8" {
    koppel partition -q -k bsn -n 4 --out four "$CITY/gp_contacts.csv"
    koppel partition -q -k bsn -n 8 --out eight "$CITY/gp_contacts.csv"
    for p in 0 1 2 3; do
        diff <(tail -n +2 "four/part-000$p.csv" | LC_ALL=C sort) \
             <(tail -q -n +2 "eight/part-000$p.csv" "eight/part-000$((p + 4)).csv" | LC_ALL=C sort)
    done
}

# ---------------------------------------------------------------- empty keys

@test "--empty-key part0 (default): a record with any empty key column goes to part 0000" {
    # By hand: records.csv has one empty id (',no id,...') and one empty year ('a6,,,4').
    koppel partition -k id,year -n 4 --stats s.json --out p "$F/records.csv" 2> err.txt
    run cat err.txt
    assert_output --partial "; 2 with an empty key (in part 0000)"
    run grep -c -e '^,no id,2023,1$' -e '^a6,,,4$' p/part-0000.csv
    assert_output 2
    [ "$(stats_field s.json empty_key_records)" = 2 ]
    [ "$(stats_field s.json records_out)" = 10 ]
    assert_counts_balance s.json
    run python3 "$REF" check 4 p part id,year part0 , "$F/records.csv"
    assert_success
}

@test "--empty-key drop: left out and counted as filtered" {
    koppel partition -k id,year -n 3 --empty-key drop --stats s.json --out p "$F/records.csv" 2> err.txt
    run cat err.txt
    assert_output --partial "2 with an empty key (dropped)"
    [ "$(stats_field s.json filtered)" = 2 ]
    [ "$(stats_field s.json records_out)" = 8 ]
    assert_counts_balance s.json
    run python3 "$REF" check 3 p part id,year drop , "$F/records.csv"
    assert_success
}

@test "--empty-key reject: to --rejects with the column named, never the value" {
    koppel partition -q -k id,year -n 3 --empty-key reject --rejects bad.csv --stats s.json \
        --out p "$F/records.csv"
    [ "$(stats_field s.json rejected)" = 2 ]
    [ "$(stats_field s.json records_out)" = 8 ]
    assert_counts_balance s.json
    run python3 -c 'import csv; [print(r["reject_line"], r["reject_reason"]) for r in csv.DictReader(open("bad.csv"))]'
    assert_output "5 empty key column 'id'
8 empty key column 'year'"
    run python3 "$REF" check 3 p part id,year drop , "$F/records.csv"
    assert_success
}

@test "--empty-key reject without --rejects: status 1 at the record, and no parts appear" {
    run koppel partition -k id -n 3 --empty-key reject --out p "$F/records.csv"
    assert_failure 1
    assert_output "koppel-partition: $F/records.csv:5: empty key column 'id'"
    assert_not_exists p
}

# ---------------------------------------------------------------- options

@test "--stats: per-part counts equal the records in each file; in = out + filtered + rejected" {
    koppel partition -q -k bsn -n 5 --stats s.json --out p "$CITY/gp_contacts.csv"
    assert_counts_balance s.json
    [ "$(stats_field s.json parts)" = 5 ]
    [ "$(stats_field s.json hash)" = "partition@v1" ]
    [ "$(stats_field s.json records_in)" = "$(records "$CITY/gp_contacts.csv")" ]
    for i in 0 1 2 3 4; do
        [ "$(stats_field s.json part_000$i)" = "$(records p/part-000$i.csv)" ]
    done
}

@test "structural bad records go to --rejects and the counts balance" {
    printf 'bsn,x\n1,a\n2,b,extra\n3,"c\n' > messy.csv
    koppel partition -q -k bsn -n 2 --rejects bad.csv --stats s.json --out p messy.csv 2>/dev/null
    [ "$(stats_field s.json records_in)" = 3 ]
    [ "$(stats_field s.json rejected)" = 2 ]
    assert_counts_balance s.json
    [ $(($(records p/part-0000.csv) + $(records p/part-0001.csv))) = 1 ]
}

@test "-d ';' reads Dutch spreadsheet CSV; --output-delimiter sets the parts' delimiter" {
    tr ',' ';' < "$CITY/persons.csv" > persons-semicolon.csv
    koppel partition -q -d ';' -k bsn -n 3 --out p persons-semicolon.csv
    run python3 "$REF" check 3 p part bsn part0 ';' persons-semicolon.csv
    assert_success
    run head -n 1 p/part-0002.csv
    assert_output "$(head -n 1 "$CITY/persons.csv")"
    koppel partition -q -k bsn -n 3 --output-delimiter tab --out t "$CITY/persons.csv"
    diff <(tr '\t' ',' < t/part-0001.csv) p/part-0001.csv
}

@test "several input files with one header are one input; standard input is '-'" {
    head -n 1 "$CITY/gp_contacts.csv" > a.csv
    sed -n '2,2000p' "$CITY/gp_contacts.csv" >> a.csv
    { head -n 1 "$CITY/gp_contacts.csv"; tail -n +2001 "$CITY/gp_contacts.csv"; } > b.csv
    koppel partition -q -k bsn -n 4 --out two a.csv - < b.csv
    koppel partition -q -k bsn -n 4 --out one "$CITY/gp_contacts.csv"
    for i in 0 1 2 3; do cmp one/part-000$i.csv two/part-000$i.csv; done
}

@test "usage example: two deliveries, records without a bsn rejected, 16 parts" {
    python3 - "$CITY/gp_contacts.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
header, body = rows[0], rows[1:]
for i in range(0, len(body), 50):   # every 50th contact loses its bsn
    body[i][0] = ""
for year in ("2022", "2023"):
    with open("contacts-%s.csv" % year, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(r for r in body if r[2].startswith(year))
PY
    koppel partition -k bsn -n 16 --empty-key reject --rejects no-bsn.csv \
        --stats run.json --out parts contacts-2022.csv contacts-2023.csv 2>/dev/null
    assert_counts_balance run.json
    run python3 - <<'PY'
import csv
inputs = [r for y in ("2022", "2023") for r in csv.DictReader(open("contacts-%s.csv" % y, newline=""))]
rejected = list(csv.DictReader(open("no-bsn.csv", newline="")))
assert rejected and all(r["bsn"] == "" and r["reject_reason"] == "empty key column 'bsn'" for r in rejected)
assert len(rejected) == sum(1 for r in inputs if r["bsn"] == "")
print("ok")
PY
    assert_output ok
    run python3 "$REF" check 16 parts part bsn drop , contacts-2022.csv contacts-2023.csv
    assert_success
}

@test "a second file with another header: status 1, and no parts appear" {
    run koppel partition -k bsn -n 4 --out p "$CITY/gp_contacts.csv" "$CITY/persons.csv"
    assert_failure 1
    assert_output "koppel-partition: $CITY/persons.csv:1: header differs from that of $CITY/gp_contacts.csv"
    assert_not_exists p
}

@test "--prefix names the files; a prefix that is no file name is a usage error" {
    koppel partition -q -k bsn -n 2 --prefix wmo.2023 --out p "$CITY/wmo.csv"
    run ls p
    assert_output "wmo.2023-0000.csv
wmo.2023-0001.csv"
    for bad in a/b .hidden "" 'x y'; do
        run koppel partition -k bsn -n 2 --prefix "$bad" --out q "$CITY/wmo.csv"
        assert_failure 2
        assert_output --partial "--prefix: '$bad' is not a file name prefix"
    done
}

@test "-q: no summary on standard error" {
    run koppel partition -q -k bsn -n 2 --out p "$CITY/wmo.csv"
    assert_success
    assert_output ""
}

@test "an input with only a header gives N parts with only the header" {
    head -n 1 "$CITY/wmo.csv" > empty.csv
    koppel partition -q -k bsn -n 3 --stats s.json --out p empty.csv
    for i in 0 1 2; do cmp empty.csv p/part-000$i.csv; done
    [ "$(stats_field s.json records_in)" = 0 ]
}

@test "usage errors: status 2 with a clear message" {
    run koppel partition -n 2 --out p "$F/records.csv"
    assert_failure 2
    assert_output --partial "-k COL[,COL...] is required"
    run koppel partition -k id --out p "$F/records.csv"
    assert_failure 2
    assert_output --partial "-n N is required"
    run koppel partition -k id -n 2 "$F/records.csv"
    assert_failure 2
    assert_output --partial "--out DIR is required"
    for n in 0 -1 abc 2x ''; do
        run koppel partition -k id -n "$n" --out p "$F/records.csv"
        assert_failure 2
        assert_output --partial "-n expects a number of parts from 1 to 4096, got '$n'"
    done
    # four digits in a row could be (part of) an identifier: described, not shown (issue 23)
    run koppel partition -k id -n 4097 --out p "$F/records.csv"
    assert_failure 2
    assert_output --partial "-n expects a number of parts from 1 to 4096, got a value of 4 digits (not shown)"
    run koppel partition -k id -n 2 -o out.csv --out p "$F/records.csv"
    assert_failure 2
    assert_output --partial "-o does not apply: the parts are files in --out DIR"
    run koppel partition -k id -n 2 --empty-key keep --out p "$F/records.csv"
    assert_failure 2
    assert_output --partial "--empty-key expects part0, reject or drop, got 'keep'"
    run koppel partition -k nosuch -n 2 --out p "$F/records.csv"
    assert_failure 2
    assert_output --partial "column 'nosuch' not found in $F/records.csv; the columns are: id, name, year, amount"
    run koppel partition -k id,,year -n 2 --out p "$F/records.csv"
    assert_failure 2
    run koppel partition --nonsense
    assert_failure 2
    touch plainfile
    run koppel partition -k id -n 2 --out plainfile "$F/records.csv"
    assert_failure 2
    assert_output --partial "--out plainfile is not a directory"
    assert_not_exists p
}

@test "--help and --version" {
    run koppel partition --help
    assert_success
    assert_line --index 0 "Usage: koppel partition -k COL[,COL...] -n N --out DIR [OPTIONS] [FILE...]"
    assert_output --partial "SipHash-2-4"
    assert_output --partial "6b6f7070656c2d706172746974696f6e"
    run koppel partition --version
    assert_success
    assert_line --index 0 --regexp "^koppel-partition \(koppel\) [0-9.]+$"
    run koppel --help
    assert_output --partial "partition"
}

# ---------------------------------------------------------------- atomic output

@test "a failed run leaves no part and no temporary, and keeps an earlier set intact" {
    koppel partition -q -k bsn -n 64 --out p "$CITY/gp_contacts.csv"
    cp -r p before
    { cat "$CITY/gp_contacts.csv"; echo '1,2'; } > broken.csv
    run koppel partition -k bsn -n 64 --out p broken.csv
    assert_failure 1
    assert_output --partial "broken.csv:$(($(wc -l < "$CITY/gp_contacts.csv") + 1)):"
    diff -r before p
    # A directory the failed run created is removed with everything in it.
    run koppel partition -k bsn -n 64 --out fresh broken.csv
    assert_failure 1
    assert_not_exists fresh
    # A successful run replaces the earlier set.
    run koppel partition -q -k id -n 64 --out p "$F/records.csv"
    assert_success
    [ "$(cat p/part-*.csv | grep -vc '^id,')" = 10 ]
    [ "$(ls -A p | wc -l)" = 64 ]
}

@test "a write error in a part (file size limit, as a full disk): status 3, nothing left behind" {
    # With SIGXFSZ ignored, writing past ulimit -f fails with EFBIG, as a full disk fails with ENOSPC.
    mkdir existing
    run bash -c "trap '' XFSZ; ulimit -f 40; koppel partition -k bsn -n 4 --out existing '$CITY/gp_contacts.csv'"
    assert_failure 3
    assert_output --regexp "^koppel-partition: error writing existing/\.part\.tmp[A-Za-z0-9]{6}/part-000[0-3]\.csv: File too large$"
    run ls -A existing
    assert_output ""
    run bash -c "trap '' XFSZ; ulimit -f 40; koppel partition -k bsn -n 4 --out created '$CITY/gp_contacts.csv'"
    assert_failure 3
    assert_not_exists created
}

@test "a --stats file that cannot be written: status 3 and no parts" {
    run koppel partition -k bsn -n 4 --stats /dev/full --out p "$CITY/wmo.csv"
    assert_failure 3
    assert_output --partial "error writing /dev/full"
    assert_not_exists p
}

@test "parts of an earlier run with more parts are refused, not mixed in" {
    koppel partition -q -k bsn -n 8 --out p "$CITY/wmo.csv"
    run koppel partition -k bsn -n 4 --out p "$CITY/wmo.csv"
    assert_failure 2
    assert_output --partial "p/part-000"
    assert_output --partial "is a part this run with -n 4 would not replace"
    # Another prefix in the same directory is no conflict.
    run koppel partition -q -k bsn -n 4 --prefix wmo --out p "$CITY/wmo.csv"
    assert_success
}

@test "256 parts work; the open file limit is raised to the hard limit or refused clearly" {
    koppel partition -q -k bsn -n 256 --stats s.json --out p "$CITY/gp_contacts.csv"
    [ "$(ls p | wc -l)" = 256 ]
    run python3 "$REF" check 256 p part bsn part0 , "$CITY/gp_contacts.csv"
    assert_success
    # A soft limit below what 256 parts need is raised (the hard limit allows it).
    run bash -c "ulimit -S -n 64 && koppel partition -q -k bsn -n 256 --out soft '$CITY/wmo.csv'"
    assert_success
    [ "$(ls soft | wc -l)" = 256 ]
    # A hard limit below it is a clear error before anything is written.
    run bash -c "ulimit -n 64 && koppel partition -k bsn -n 256 --out hard '$CITY/wmo.csv'"
    assert_failure 2
    assert_output "koppel-partition: -n 256 needs 266 open files at once, but this process may open at most 64 (ulimit -n; hard limit 64): use fewer parts or raise the limit"
    assert_not_exists hard
}

# ---------------------------------------------------------------- scale-out

# scale_out PARTIAL_OPTIONS AGGREGATE_OPTIONS...: one aggregate run over linked.csv against
# aggregate --partial PARTIAL_OPTIONS per part of lp/ with GNU parallel, then --merge; byte for byte.
scale_out() {
    local partial_options=$1
    shift
    koppel aggregate "$@" linked.csv > single.csv
    rm -f lp/*.state
    parallel -j 2 koppel aggregate "$@" --partial $partial_options -o {.}.state {} ::: lp/part-*.csv
    koppel aggregate --merge lp/*.state > merged.csv
    cmp single.csv merged.csv
}

@test "scale-out: partitioned join equals one join; parallel partial aggregates merge to one run" {
    # Join: both sides partitioned by bsn with the same N, joined part by part.
    koppel partition -q -k bsn -n 4 --out p --prefix contacts "$CITY/gp_contacts.csv"
    koppel partition -q -k bsn -n 4 --out p --prefix persons "$CITY/persons.csv"
    koppel join -q -k bsn "$CITY/gp_contacts.csv" "$CITY/persons.csv" > linked.csv
    parallel -j 2 koppel join -q -k bsn -o linked-{}.csv p/contacts-{}.csv p/persons-{}.csv \
        ::: 0000 0001 0002 0003
    for i in 0000 0001 0002 0003; do cmp <(head -n 1 linked.csv) <(head -n 1 linked-$i.csv); done
    diff <(tail -n +2 linked.csv | LC_ALL=C sort) <(tail -q -n +2 linked-*.csv | LC_ALL=C sort)
    [ "$(records linked.csv)" -gt 1000 ]

    # Aggregates over the linked records, partitioned by bsn.
    koppel partition -q -k bsn -n 4 --out lp linked.csv
    scale_out "" -g district,contact_type --count --sum ses_quintile --mean ses_quintile \
        --sd ses_quintile --count-distinct bsn --totals
    scale_out "--split-by bsn" -g district,contact_type --count --sum ses_quintile \
        --mean ses_quintile --sd ses_quintile --count-distinct bsn --totals
    scale_out "--split-by bsn" -g sex,provider --count-distinct bsn --rollup
    scale_out "" -g practice_id --count --count-distinct practice_id --min house_number \
        --max house_number --count-values icpc
}

@test "scale-out with parallel --sshlogin : (the local host, standing in for several)" {
    koppel partition -q -k bsn -n 4 --out p "$CITY/gp_contacts.csv"
    koppel aggregate -g practice_id,provider --count --count-distinct bsn --totals \
        "$CITY/gp_contacts.csv" > single.csv
    rm -f p/*.state
    parallel --sshlogin : --transferfile {} --return {.}.state --cleanup \
        koppel aggregate -g practice_id,provider --count --count-distinct bsn --totals \
        --split-by bsn --partial -o {.}.state {} ::: p/part-*.csv 2>/dev/null
    koppel aggregate --merge p/*.state > merged.csv
    cmp single.csv merged.csv
}

@test "issue 23: a --prefix too long for a file name is a usage error (status 2), before any directory" {
    cd "$BATS_TEST_TMPDIR"
    run koppel-partition -k k -n 2 --out parts --prefix "$(printf 'a%.0s' $(seq 300))" <<< $'k\n1'
    assert_failure 2
    assert_output --partial "--prefix: a prefix of 300 characters is too long (at most 200)"
    assert_not_exists parts
}
