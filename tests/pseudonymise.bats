#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# pseudonymise.bats: koppel pseudonymise. Every expected pseudonym and fingerprint is computed
# inside the test with openssl (and python3's hmac as a second, independent implementation) from
# the pseudonym construction in README.md, never taken from the program's own output.

setup() {
    load 'test_helper/common-setup'
    _common_setup
    T="$BATS_TEST_TMPDIR"
    # A fixed master key (bytes 00..1f) and a second one, in safe key files.
    MASTER=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    OTHER=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
    printf '%s\n' "$MASTER" > "$T/master.key"
    chmod 600 "$T/master.key"
    # The system python3 first: a pyenv shim costs seconds per call, and the tests make many.
    if [ -x /usr/bin/python3 ]; then PATH="$KOPPEL_BIN:/usr/bin:$PATH"; fi
}

# assert_stats FILE KEY=VALUE...: each KEY has VALUE in the last --stats object (one python3 run).
assert_stats() {
    python3 - "$@" <<'PY'
import json, sys
stats = json.loads(open(sys.argv[1]).read().splitlines()[-1])
for pair in sys.argv[2:]:
    key, want = pair.split("=", 1)
    if str(stats.get(key)) != want:
        sys.exit("stats %s: got %r, want %s in %r" % (key, stats.get(key), want, stats))
PY
}

# hmac_hex KEYHEX MESSAGE: HMAC-SHA256 in hex, by openssl.
hmac_hex() {
    printf %s "$2" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" | awk '{print $NF}'
}
# project_key MASTERHEX NAME: K = HMAC-SHA256(master, "koppel:project:" || NAME).
project_key() { hmac_hex "$1" "koppel:project:$2"; }
# expected KEYHEX TYPE VALUE: the first 16 bytes (32 hex) of HMAC-SHA256(K, TYPE ":" VALUE).
expected() { hmac_hex "$1" "$2:$3" | cut -c1-32; }
# python_expected KEYHEX TYPE VALUE: the same with python3's hmac module.
python_expected() {
    python3 -c 'import hmac, hashlib, sys
print(hmac.new(bytes.fromhex(sys.argv[1]), (sys.argv[2] + ":" + sys.argv[3]).encode("utf-8"),
               hashlib.sha256).hexdigest()[:32])' "$1" "$2" "$3"
}
# column FILE NAME: the values of column NAME (csv-aware), one per line, header excluded.
column() {
    python3 -c 'import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline="")): print(row[sys.argv[2]])' "$1" "$2"
}

# ---------------------------------------------------------------- known answers

@test "known answer: a BSN without --project is HMAC-SHA256(master, 'bsn:' BSN), first 16 bytes" {
    printf 'bsn,sex\n123456782,F\n111222333,M\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
    assert_success
    assert_equal "${lines[0]}" "bsn,sex"
    assert_equal "${lines[1]}" "$(expected "$MASTER" bsn 123456782),F"
    assert_equal "${lines[2]}" "$(expected "$MASTER" bsn 111222333),M"
    # python3's hmac agrees with openssl (so the expected values do not hinge on one tool).
    assert_equal "$(python_expected "$MASTER" bsn 123456782)" "$(expected "$MASTER" bsn 123456782)"
    [[ "${lines[1]}" =~ ^[0-9a-f]{32},F$ ]]
}

@test "known answer: a BSN with --project uses K = HMAC-SHA256(master, 'koppel:project:' NAME)" {
    printf 'bsn\n123456782\n' > "$T/in.csv"
    K=$(project_key "$MASTER" ahti-2017)
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --project ahti-2017 --bsn bsn "$T/in.csv"
    assert_success
    assert_equal "${lines[1]}" "$(expected "$K" bsn 123456782)"
    K_PY=$(python3 -c 'import hmac, hashlib, sys
print(hmac.new(bytes.fromhex(sys.argv[1]), b"koppel:project:ahti-2017", hashlib.sha256).hexdigest())' "$MASTER")
    assert_equal "$K_PY" "$K"
}

@test "known answer: a plain identifier is HMAC(K, 'id:' VALUE) with surrounding white space removed" {
    printf 'bsn,client_id\n123456782,  C-0042 \n123456782,\tpatiënt 7\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --id client_id "$T/in.csv"
    assert_success
    assert_equal "${lines[1]}" "$(expected "$MASTER" bsn 123456782),$(expected "$MASTER" id C-0042)"
    # UTF-8 bytes are hashed as they are; inner white space stays.
    assert_equal "${lines[2]}" "$(expected "$MASTER" bsn 123456782),$(python_expected "$MASTER" id 'patiënt 7')"
}

@test "known answer: a plain identifier with --project" {
    printf 'practice_patient\nP17\n' > "$T/in.csv"
    K=$(project_key "$MASTER" nivel-iza)
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --project nivel-iza --id practice_patient "$T/in.csv"
    assert_success
    assert_equal "${lines[1]}" "$(python_expected "$K" id P17)"
}

@test "a BSN of 8 digits gets its leading zero back: same pseudonym as the 9-digit form" {
    # 012345672: 0*9+1*8+2*7+3*6+4*5+5*4+6*3+7*2 = 112, 112 - 2 = 110 = 10*11.
    printf 'bsn\n12345672\n012345672\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
    assert_success
    assert_equal "${lines[1]}" "$(expected "$MASTER" bsn 012345672)"
    assert_equal "${lines[2]}" "$(expected "$MASTER" bsn 012345672)"
}

@test "dots, spaces and hyphens in a BSN are removed before hashing" {
    printf 'bsn\n1234.56.782\n123 456 782\n123-456-782\n" 123456782 "\n1234.567.82\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
    assert_success
    want=$(expected "$MASTER" bsn 123456782)
    assert_equal "${#lines[@]}" 6
    for i in 1 2 3 4 5; do assert_equal "${lines[$i]}" "$want"; done
}

@test "several BSN and identifier columns in one pass, each replaced in place" {
    printf 'client_id,bsn,year,partner_bsn\nA1,123456782,2023,111222333\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn,partner_bsn --id client_id "$T/in.csv"
    assert_success
    assert_equal "${lines[0]}" "client_id,bsn,year,partner_bsn"
    assert_equal "${lines[1]}" "$(expected "$MASTER" id A1),$(expected "$MASTER" bsn 123456782),2023,$(expected "$MASTER" bsn 111222333)"
    # --bsn repeated is the same as a list.
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --bsn partner_bsn --id client_id "$T/in.csv"
    assert_equal "${lines[1]}" "$(expected "$MASTER" id A1),$(expected "$MASTER" bsn 123456782),2023,$(expected "$MASTER" bsn 111222333)"
}

@test "a BSN and an identifier with the same digits get different pseudonyms (the TYPE differs)" {
    printf 'bsn,other\n123456782,123456782\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --id other "$T/in.csv"
    assert_success
    assert_equal "${lines[1]}" "$(expected "$MASTER" bsn 123456782),$(expected "$MASTER" id 123456782)"
    [ "$(expected "$MASTER" bsn 123456782)" != "$(expected "$MASTER" id 123456782)" ]
}

# ---------------------------------------------------------------- projects and files

@test "two projects give different pseudonyms for the same person, and both differ from no project" {
    printf 'bsn\n123456782\n' > "$T/in.csv"
    a=$(set -o pipefail; koppel pseudonymise --key-file "$T/master.key" --project study-a --bsn bsn "$T/in.csv" 2>/dev/null | tail -n 1)
    b=$(set -o pipefail; koppel pseudonymise --key-file "$T/master.key" --project study-b --bsn bsn "$T/in.csv" 2>/dev/null | tail -n 1)
    none=$(set -o pipefail; koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv" 2>/dev/null | tail -n 1)
    assert_equal "$a" "$(expected "$(project_key "$MASTER" study-a)" bsn 123456782)"
    assert_equal "$b" "$(expected "$(project_key "$MASTER" study-b)" bsn 123456782)"
    [ "$a" != "$b" ] && [ "$a" != "$none" ] && [ "$b" != "$none" ]
}

@test "two files of one project (persons and Wmo) give identical pseudonyms for the same person" {
    printf 'bsn,birth_date,sex\n123456782,1950-03-04,F\n111222333,1970-01-01,M\n' > "$T/persons.csv"
    printf 'bsn,provision_type,start_date\n111.222.333,household_help,2023-01-01\n123 456 782,transport,2023-02-01\n' > "$T/wmo.csv"
    koppel pseudonymise --key-file "$T/master.key" --project ahti --bsn bsn "$T/persons.csv" > "$T/persons-p.csv" 2>/dev/null
    koppel pseudonymise --key-file "$T/master.key" --project ahti --bsn bsn "$T/wmo.csv" > "$T/wmo-p.csv" 2>/dev/null
    K=$(project_key "$MASTER" ahti)
    assert_equal "$(column "$T/persons-p.csv" bsn)" "$(expected "$K" bsn 123456782)
$(expected "$K" bsn 111222333)"
    assert_equal "$(column "$T/wmo-p.csv" bsn)" "$(expected "$K" bsn 111222333)
$(expected "$K" bsn 123456782)"
    # The join key sets are the same.
    assert_equal "$(column "$T/persons-p.csv" bsn | sort)" "$(column "$T/wmo-p.csv" bsn | sort)"
}

@test "several input files with one header are read in turn; a different header is status 1" {
    printf 'bsn\n123456782\n' > "$T/a.csv"
    printf 'bsn\n111222333\n' > "$T/b.csv"
    printf 'bsn,x\n111222333,1\n' > "$T/c.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/a.csv" "$T/b.csv"
    assert_success
    assert_equal "${#lines[@]}" 3
    assert_equal "${lines[2]}" "$(expected "$MASTER" bsn 111222333)"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/a.csv" "$T/c.csv"
    assert_failure 1
    assert_output --partial "$T/c.csv:1: header differs"
}

@test "standard input, a ';' delimiter and --output-delimiter" {
    printf 'bsn;sex\n123456782;F\n' | koppel pseudonymise --key-file "$T/master.key" --bsn bsn -d ';' --output-delimiter '\t' > "$T/out.tsv" 2>/dev/null
    assert_equal "$(cat "$T/out.tsv")" "$(printf 'bsn\tsex\n%s\tF' "$(expected "$MASTER" bsn 123456782)")"
}

# ---------------------------------------------------------------- bad identifiers

@test "a BSN failing the elfproef stops the run with status 1, file:line and the reason, not the value" {
    # 123456783: 156 - 3 = 153 = 13*11 + 10, not divisible by 11.
    printf 'bsn\n123456782\n123456783\n' > "$T/in.csv"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn -o "$T/out.csv" "$T/in.csv"
    assert_failure 1
    assert_output --partial "koppel-pseudonymise: $T/in.csv:3: column 'bsn': BSN fails the elfproef"
    refute_output --partial 123456783
    assert_file_not_exists "$T/out.csv"
}

@test "bad BSNs are rejected with their reason and never hashed; the rest is written" {
    cat > "$T/in.csv" <<'EOF'
bsn,n
123456782,1
123456783,2
000000000,3
00000000,4
,5
 . - ,6
1234567,7
1234567890,8
12345678x,9
111222333,10
EOF
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --rejects "$T/rej.csv" --stats "$T/stats.json" "$T/in.csv"
    assert_success
    assert_equal "${#lines[@]}" 3
    assert_equal "${lines[1]}" "$(expected "$MASTER" bsn 123456782),1"
    assert_equal "${lines[2]}" "$(expected "$MASTER" bsn 111222333),10"
    assert_equal "$(column "$T/rej.csv" reject_reason)" "column 'bsn': BSN fails the elfproef
column 'bsn': BSN is 000000000
column 'bsn': BSN is 000000000
column 'bsn': BSN is empty
column 'bsn': BSN is empty
column 'bsn': BSN has the wrong number of digits
column 'bsn': BSN has the wrong number of digits
column 'bsn': BSN has characters other than digits, spaces, dots and hyphens"
    assert_equal "$(column "$T/rej.csv" reject_line | tr '\n' ' ')" "3 4 5 6 7 8 9 10 "
    # Rejected values are never hashed: none of their pseudonyms appears in the output.
    for v in 123456783 000000000 000000000; do
        refute_output --partial "$(expected "$MASTER" bsn "$v")"
    done
    assert_stats "$T/stats.json" records_in=10 rejected=8 pseudonyms=2 rejected_bsn_fails_the_elfproef=1 \
        rejected_bsn_is_000000000=2 rejected_bsn_is_empty=2 rejected_bsn_has_the_wrong_number_of_digits=2 \
        rejected_bsn_has_characters_other_than_digits_spaces_dots_and_hyphens=1
    assert_counts_balance "$T/stats.json"
}

@test "an empty or blank identifier is rejected and never hashed" {
    printf 'client_id\nA1\n\n"  "\nB2\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --id client_id --rejects "$T/rej.csv" --stats "$T/stats.json" "$T/in.csv"
    assert_success
    assert_equal "${#lines[@]}" 3
    refute_output --partial "$(expected "$MASTER" id '')"
    assert_equal "$(column "$T/rej.csv" reject_reason | sort -u)" "column 'client_id': identifier is empty"
    assert_stats "$T/stats.json" rejected_identifier_is_empty=2
    assert_counts_balance "$T/stats.json"
}

@test "without --rejects an empty BSN stops the run with status 1" {
    printf 'bsn,x\n,1\n' > "$T/in.csv"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
    assert_failure 1
    assert_output --partial "$T/in.csv:2: column 'bsn': BSN is empty"
}

@test "structurally bad records are rejected by the record layer and counted apart" {
    printf 'bsn,x\n123456782,1\n111222333\n123456783,3\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --rejects "$T/rej.csv" --stats "$T/stats.json" "$T/in.csv"
    assert_success
    assert_stats "$T/stats.json" rejected=2 rejected_malformed_record=1 rejected_bsn_fails_the_elfproef=1
    assert_counts_balance "$T/stats.json"
}

# ---------------------------------------------------------------- quasi-identifiers and columns

@test "--coarsen COL=year: ISO and DD-MM-YYYY dates become the year, empty stays empty, bad is rejected" {
    printf 'bsn,birth_date\n123456782,1950-03-04\n123456782,31-12-1949\n123456782,\n123456782,1950-02-30\n123456782,1950\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --coarsen birth_date=year \
        --rejects "$T/rej.csv" --stats "$T/stats.json" "$T/in.csv"
    assert_success
    p=$(expected "$MASTER" bsn 123456782)
    assert_equal "$output" "bsn,birth_date
$p,1950
$p,1949
$p,"
    assert_equal "$(column "$T/rej.csv" reject_reason | sort -u)" "column 'birth_date': not a date (YYYY-MM-DD or DD-MM-YYYY)"
    assert_stats "$T/stats.json" rejected_not_a_date=2
    assert_counts_balance "$T/stats.json"
}

@test "--coarsen COL=pc4: a Dutch postcode keeps its 4 digits; anything else is rejected" {
    printf 'bsn,postcode\n123456782,1011AB\n123456782,1011 ab\n123456782,9999ZZ\n123456782,\n' > "$T/in.csv"
    printf '123456782,0123AB\n123456782,1011A\n123456782,10111AB\n123456782,1011  AB\n123456782,1011-AB\n123456782,1011\n123456782,AB1011\n' >> "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --coarsen postcode=pc4 \
        --rejects "$T/rej.csv" --stats "$T/stats.json" "$T/in.csv"
    assert_success
    assert_equal "$(column <(printf '%s\n' "$output") postcode | tr '\n' ' ')" "1011 1011 9999  "
    assert_stats "$T/stats.json" rejected_not_a_dutch_postcode=7
    assert_equal "$(column "$T/rej.csv" reject_line | tr '\n' ' ')" "6 7 8 9 10 11 12 "
    assert_counts_balance "$T/stats.json"
}

@test "--drop and --rename shape the output header" {
    printf 'bsn,name,birth_date,house_number,sex\n123456782,Jan,1950-03-04,12,F\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --drop name,house_number \
        --coarsen birth_date=year --rename birth_date=birth_year --rename bsn=pid "$T/in.csv"
    assert_success
    assert_equal "$output" "pid,birth_year,sex
$(expected "$MASTER" bsn 123456782),1950,F"
}

@test "a column whose name contains 'bsn' must be pseudonymised, dropped or explicitly kept" {
    printf 'bsn,partner_bsn,BSN_checked\n123456782,111222333,yes\n' > "$T/in.csv"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "column 'partner_bsn' may hold BSNs"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --drop partner_bsn --keep BSN_checked "$T/in.csv"
    assert_success
    assert_equal "$output" "bsn,BSN_checked
$(expected "$MASTER" bsn 123456782),yes"
}

@test "a name that says BSN, burgerservicenummer or sofinummer in any case is refused unless kept" {
    for name in Burgerservicenummer_partner BSN_moeder SofiNummer sofi_nr Sofi-Nummer bsn.kind 'burger_service_nummer'; do
        printf 'bsn,%s\n123456782,x\n' "$name" > "$T/in.csv"
        run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn -o "$T/out.csv" "$T/in.csv"
        assert_failure 2
        [[ "$stderr" == *"column '$name' may hold BSNs (its name says so) but is not named by --bsn, --id or --drop (use --keep $name if it holds none)"* ]]
        assert_file_not_exists "$T/out.csv"
        run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --keep "$name" "$T/in.csv"
        assert_success
        assert_equal "$output" "bsn,$name
$(expected "$MASTER" bsn 123456782),x"
    done
    # 'sofie' passes; 'bs_nummer_oud' without its '_' is 'bsnummeroud', which holds 'bsn'.
    printf 'bsn,sofie,bs_nummer_oud\n123456782,x,y\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    [[ "$stderr" == *"column 'bs_nummer_oud' may hold BSNs"* ]]
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --keep bs_nummer_oud "$T/in.csv"
    assert_success
}

# guard_file FILE N SHARE START: CSV "bsn,client,other" of N records; from record START (1-based)
# on, SHARE of the non-empty 'other' values are BSNs (elfproef worked in python), the rest random
# nine-digit numbers that fail it. 'client' is a running number. Prints the BSNs among the first
# 1000 'other' values and how many values those are.
guard_file() {
    python3 - "$@" <<'PY'
import random, sys
path, n, share, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rng = random.Random(11)
def elfproef(d):
    return sum(w * int(c) for w, c in zip([9, 8, 7, 6, 5, 4, 3, 2, -1], d)) % 11 == 0 and d != "000000000"
def number(want_bsn):
    while True:
        d = "%09d" % rng.randrange(10**9)
        if elfproef(d) == want_bsn:
            return d
bsns = values = 0
with open(path, "w") as f:
    f.write("bsn,client,other\n")
    for i in range(1, n + 1):
        is_bsn = i >= start and rng.random() < share
        other = number(is_bsn) if i >= start else number(False)
        if i <= 1000:
            values += 1
            bsns += is_bsn
        f.write("%s,%d,%s\n" % (number(True), i, other))
print(bsns, values)
PY
}

@test "a column whose first values are mostly BSNs is refused (counts, never a value); --keep passes it" {
    read bsns values < <(guard_file "$T/in.csv" 2500 0.8 1)
    [ "$bsns" -ge 700 ] && [ "$values" -eq 1000 ]
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn -o "$T/out.csv" "$T/in.csv"
    assert_failure 2
    assert_output ""
    [[ "$stderr" == *"column 'other' may hold BSNs ($bsns of its first $values non-empty values pass the elfproef) but is not named by --bsn, --id or --drop (use --keep other if it holds none)"* ]]
    # no value of the file in the message
    [[ ! "$stderr" =~ [0-9]{8} ]]
    assert_file_not_exists "$T/out.csv"
    # Kept on purpose: every record comes out, in order (the held ones first, then the stream).
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --keep other --stats "$T/s.json" "$T/in.csv"
    assert_success
    assert_stats "$T/s.json" records_in=2500 records_out=2500 pseudonyms=2500
    diff <(printf '%s\n' "$output" | cut -d, -f2,3) <(cut -d, -f2,3 "$T/in.csv")
    # Named by --id or --drop, it is not a copied column any more.
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --drop other "$T/in.csv"
    assert_success
}

@test "the value guard: fewer than half, or fewer than 3, BSNs pass; exactly half is refused" {
    # Random nine-digit numbers: about one in 11 passes the elfproef, far below half.
    read bsns values < <(guard_file "$T/in.csv" 1500 0.0 1)
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
    assert_success
    # By hand (weights 9..2, -1): 111222333 and 123456782 pass the elfproef, 111222330 and
    # 111222334-6 fail. 2 BSNs of 2 values is below the minimum of 3; 3 of 6 is half (refused);
    # 3 of 7 is not.
    printf 'bsn,x\n123456782,111222333\n123456782,\n123456782,123456782\n' > "$T/two.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/two.csv"
    assert_success
    printf 'bsn,x\n' > "$T/half.csv"
    for v in 111222330 123456782 111222334 123456782 111222335 123456782; do printf '123456782,%s\n' "$v" >> "$T/half.csv"; done
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/half.csv"
    assert_failure 2
    [[ "$stderr" == *"column 'x' may hold BSNs (3 of its first 6 non-empty values pass the elfproef)"* ]]
    printf '123456782,111222336\n' >> "$T/half.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/half.csv"
    assert_success
    # BSNs with a lost leading zero (8 digits) or written with dots count, as --bsn reads them.
    printf 'bsn,x\n123456782,11.12.22.333\n123456782,1234.56.782\n123456782,1234.56.782\n123456782,12345678\n' > "$T/dots.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/dots.csv"
    assert_failure 2
}

@test "the value guard looks at the first 1,000 records only, and rejects among them keep their lines" {
    # BSNs from record 1001 on are past the records held before writing (the documented bound).
    read bsns values < <(guard_file "$T/in.csv" 1500 1.0 1001)
    [ "$bsns" -eq 0 ]
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --stats "$T/s.json" "$T/in.csv"
    assert_success
    assert_stats "$T/s.json" records_in=1500 records_out=1500
    # A bad BSN on line 4 (record 3) among the held records: rejected with its own line.
    printf 'bsn,x\n123456782,a\n123456782,b\n123456783,c\n123456782,d\n' > "$T/bad.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/bad.csv"
    assert_failure 1
    [[ "$stderr" == *"bad.csv:4: column 'bsn': BSN fails the elfproef"* ]]
}

# ---------------------------------------------------------------- key files

@test "a key file open to group or others is refused with status 2 and how to fix it" {
    printf 'bsn\n123456782\n' > "$T/in.csv"
    for mode in 640 604 644 660 620 602 700 400; do
        chmod "$mode" "$T/master.key"
        run koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/in.csv"
        if [ "$mode" = 700 ] || [ "$mode" = 400 ]; then
            assert_success
            continue
        fi
        assert_failure 2
        assert_output --partial "key file $T/master.key is open to group or others (mode 0$mode)"
        assert_output --partial "chmod 600"
        refute_output --partial "$MASTER"
    done
}

@test "key files of the wrong length, with non-hex characters, missing or not regular: status 2, key never shown" {
    short=${MASTER:0:63}
    printf '%s\n' "$short" > "$T/short.key"
    printf '%sa\n' "$MASTER" > "$T/long.key"
    printf '%s\n\n' "$MASTER" > "$T/twolines.key"
    printf '' > "$T/empty.key"
    printf '%sg%s\n' "${MASTER:0:9}" "${MASTER:10}" > "$T/nonhex.key"
    printf '%s \n' "${MASTER}" > "$T/space.key"
    mkdir -m 700 "$T/dir.key"
    chmod 600 "$T"/*.key
    printf 'bsn\n123456782\n' > "$T/in.csv"
    run koppel pseudonymise --key-file "$T/short.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "key file $T/short.key has 63 characters: expected 64 hexadecimal characters"
    refute_output --partial "$short"
    run koppel pseudonymise --key-file "$T/long.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "key file $T/long.key is too long"
    run koppel pseudonymise --key-file "$T/twolines.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "is too long"
    run koppel pseudonymise --key-file "$T/space.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    run koppel pseudonymise --key-file "$T/empty.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "has 0 characters"
    run koppel pseudonymise --key-file "$T/nonhex.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "key file $T/nonhex.key: character 10 is not a hexadecimal digit"
    refute_output --partial "${MASTER:0:9}"
    run koppel pseudonymise --key-file "$T/dir.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "is not a regular file"
    run koppel pseudonymise --key-file "$T/missing.key" --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "cannot open key file $T/missing.key"
    # Nothing was written for any of them.
    run koppel pseudonymise --bsn bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "--key-file is required"
}

@test "a key file with CRLF, without a newline, or in upper case gives the same key" {
    printf '%s\r\n' "$MASTER" > "$T/crlf.key"
    printf '%s' "$MASTER" > "$T/bare.key"
    printf '%s\n' "${MASTER^^}" > "$T/upper.key"
    chmod 600 "$T"/*.key
    printf 'bsn\n123456782\n' > "$T/in.csv"
    want=$(expected "$MASTER" bsn 123456782)
    for k in crlf bare upper; do
        run --separate-stderr koppel pseudonymise --key-file "$T/$k.key" --bsn bsn "$T/in.csv"
        assert_success
        assert_equal "${lines[-1]}" "$want"
    done
}

@test "the key fingerprint is HMAC-SHA256(K, 'koppel:fingerprint'), on stderr and in --stats" {
    printf 'bsn\n123456782\n' > "$T/in.csv"
    fp=$(hmac_hex "$MASTER" koppel:fingerprint | cut -c1-8)
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --stats "$T/stats.json" "$T/in.csv"
    assert_success
    assert_equal "$stderr" "koppel-pseudonymise: key fingerprint $fp (master key, no --project)"
    assert_equal "$(stats_field "$T/stats.json" key_fingerprint)" "$fp"
    K=$(project_key "$MASTER" ahti-2017)
    pfp=$(hmac_hex "$K" koppel:fingerprint | cut -c1-8)
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --project ahti-2017 --bsn bsn --stats "$T/stats.json" "$T/in.csv"
    assert_equal "$stderr" "koppel-pseudonymise: key fingerprint $pfp (project ahti-2017)"
    assert_stats "$T/stats.json" key_fingerprint="$pfp" project=ahti-2017
    [ "$fp" != "$pfp" ]
}

@test "a project name that is empty, padded or has control characters is refused" {
    printf 'bsn\n123456782\n' > "$T/in.csv"
    for name in '' 'ahti ' ' ahti' $'ah\tti'; do
        run koppel pseudonymise --key-file "$T/master.key" --project "$name" --bsn bsn "$T/in.csv"
        assert_failure 2
        assert_output --partial "--project: the project name"
    done
}

@test "--new-key writes 64 lower-case hex characters and LF, mode 0600, never overwriting" {
    run koppel pseudonymise --new-key "$T/new.key"
    assert_success
    assert_equal "$(stat -c %a "$T/new.key")" 600
    assert_equal "$(stat -c %s "$T/new.key")" 65
    grep -Eqx '[0-9a-f]{64}' "$T/new.key"
    fp=$(hmac_hex "$(cat "$T/new.key")" koppel:fingerprint | cut -c1-8)
    assert_output "koppel-pseudonymise: new master key written to $T/new.key; key fingerprint $fp (master key, no --project)"
    refute_output --partial "$(cat "$T/new.key")"
    # A second key is different; the first is never overwritten.
    koppel pseudonymise --new-key "$T/second.key" 2>/dev/null
    [ "$(cat "$T/new.key")" != "$(cat "$T/second.key")" ]
    before=$(sha256sum < "$T/new.key")
    run koppel pseudonymise --new-key "$T/new.key"
    assert_failure 2
    assert_output --partial "cannot create key file $T/new.key: File exists (a key file is never overwritten)"
    assert_equal "$(sha256sum < "$T/new.key")" "$before"
    # Nor is a symlink followed.
    ln -s "$T/elsewhere.key" "$T/link.key"
    run koppel pseudonymise --new-key "$T/link.key"
    assert_failure 2
    assert_file_not_exists "$T/elsewhere.key"
    # The new key works, under a restrictive umask too.
    (umask 077 && koppel pseudonymise --new-key "$T/umask.key" 2>/dev/null)
    assert_equal "$(stat -c %a "$T/umask.key")" 600
    printf 'bsn\n123456782\n' > "$T/in.csv"
    run --separate-stderr koppel pseudonymise --key-file "$T/new.key" --bsn bsn "$T/in.csv"
    assert_success
    assert_equal "${lines[-1]}" "$(expected "$(cat "$T/new.key")" bsn 123456782)"
}

@test "--new-key with --project also prints the project key's fingerprint; other options are refused" {
    run koppel pseudonymise --new-key "$T/new.key" --project ahti
    assert_success
    pfp=$(hmac_hex "$(project_key "$(cat "$T/new.key")" ahti)" koppel:fingerprint | cut -c1-8)
    assert_line "koppel-pseudonymise: key fingerprint $pfp (project ahti)"
    run koppel pseudonymise --new-key "$T/other.key" --bsn bsn
    assert_failure 2
    assert_output --partial "--new-key FILE takes no other option than --project"
    assert_file_not_exists "$T/other.key"
    run koppel pseudonymise --new-key "$T/missing-dir/x.key"
    assert_failure 3
}

# ---------------------------------------------------------------- no identifier in any message

@test "no identifier value appears on stderr, in reject reasons or in --stats" {
    cat > "$T/in.csv" <<'EOF'
bsn,client_id,birth_date,postcode
123456782,CLIENT-7781,1950-03-04,1011AB
123456783,CLIENT-7782,1951-04-05,1012 CD
111222333,CLIENT-7783,1952-05-06,0123XY
111222333,,1953-06-07,1013EF
12345672,CLIENT-7785,1954-13-08,1014GH
,CLIENT-7786,1955-07-09,1015JK
1234.5678,CLIENT-7787,1956-08-10,1016LM
EOF
    run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --project scan --bsn bsn --id client_id \
        --coarsen birth_date=year --coarsen postcode=pc4 --rejects "$T/rej.csv" --stats "$T/stats.json" "$T/in.csv"
    assert_success
    printf '%s\n' "$stderr" > "$T/messages.txt"
    column "$T/rej.csv" reject_reason > "$T/reasons.txt"
    [ "$(wc -l < "$T/reasons.txt")" -eq 6 ]
    # Also the message of a run that stops at the first bad record (each kind in turn).
    for skip in 2 3 4 5 6 7; do
        sed "2,${skip}d" "$T/in.csv" > "$T/part.csv"
        run --separate-stderr koppel pseudonymise --key-file "$T/master.key" --bsn bsn --id client_id \
            --coarsen birth_date=year --coarsen postcode=pc4 "$T/part.csv"
        assert_failure 1
        printf '%s\n' "$stderr" >> "$T/messages.txt"
    done
    # The test directory's own name must not count as a hit.
    sed -i "s|$T||g" "$T/messages.txt"
    values="123456782 123456783 111222333 12345672 012345672 1234.5678 12345678 CLIENT-7781 CLIENT-7782
            CLIENT-7783 CLIENT-7785 CLIENT-7786 CLIENT-7787 1950-03-04 1951-04-05 1952-05-06 1953-06-07
            1954-13-08 1955-07-09 1956-08-10 1011AB 0123XY 1013EF 1014GH 1015JK 1016LM"
    for v in $values; do
        for f in "$T/reasons.txt" "$T/stats.json" "$T/messages.txt"; do
            if grep -qF -- "$v" "$f"; then
                echo "identifier value $v found in $f" >&2
                return 1
            fi
        done
    done
    # The scan itself can fail: the values are in the rejects file (which stays at the source).
    grep -qF 0123XY "$T/rej.csv"
    grep -qF 1954-13-08 "$T/rej.csv"
}

# ---------------------------------------------------------------- usage, counts, system errors

@test "usage errors: no identifier column, a missing column, one column twice, a bad --coarsen or --rename" {
    printf 'bsn,x\n123456782,1\n' > "$T/in.csv"
    run koppel pseudonymise --key-file "$T/master.key" "$T/in.csv"
    assert_failure 2
    assert_output --partial "name the identifier columns with --bsn and/or --id"
    run koppel pseudonymise --key-file "$T/master.key" --bsn burgerservicenummer "$T/in.csv"
    assert_failure 2
    assert_output --partial "burgerservicenummer"
    assert_output --partial "bsn"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn --drop bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "column 'bsn' is named by both --bsn and --drop"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn --coarsen x=month "$T/in.csv"
    assert_failure 2
    assert_output --partial "unknown method 'month'"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn --rename x=bsn "$T/in.csv"
    assert_failure 2
    assert_output --partial "two columns named 'bsn'"
    run koppel pseudonymise --key-file "$T/master.key" --bsn bsn --drop x --rename x=y "$T/in.csv"
    assert_failure 2
    assert_output --partial "--rename x: the column is dropped"
}

@test "--help starts with the usage line and a one-line description; --version" {
    run koppel pseudonymise --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel pseudonymise --key-file FILE"
    assert_line --index 1 "Replace BSNs and other identifiers by keyed pseudonyms; coarsen or drop quasi-identifiers."
    assert_output --partial "koppel pseudonymise --new-key ahti.key"
    run koppel pseudonymise --version
    assert_success
    assert_output --partial "koppel-pseudonymise (koppel)"
}

@test "the worked example from the usage text, and in = out + filtered + rejected" {
    koppel pseudonymise --new-key "$T/ahti.key" 2>/dev/null
    cat > "$T/persons.csv" <<'EOF'
bsn,birth_date,sex,postcode,house_number
123456782,1950-03-04,F,1011AB,12
12345672,1988-11-30,M,3511 XY,7
123456783,1960-01-01,F,1011AB,1
EOF
    printf 'bsn,provision_type\n012345672,transport\n' > "$T/wmo.csv"
    cd "$T"
    run --separate-stderr koppel pseudonymise --key-file ahti.key --project ahti-2017 --bsn bsn \
      --coarsen birth_date=year --coarsen postcode=pc4 --drop house_number \
      --rename birth_date=birth_year --rejects persons-rejects.csv --stats stats.json persons.csv
    assert_success
    K=$(project_key "$(cat ahti.key)" ahti-2017)
    assert_equal "$output" "bsn,birth_year,sex,postcode
$(expected "$K" bsn 123456782),1950,F,1011
$(expected "$K" bsn 012345672),1988,M,3511"
    assert_counts_balance stats.json
    assert_stats stats.json records_out=2 rejected=1
    wmo=$(set -o pipefail; koppel pseudonymise --key-file ahti.key --project ahti-2017 --bsn bsn wmo.csv 2>/dev/null | tail -n 1)
    assert_equal "$wmo" "$(expected "$K" bsn 012345672),transport"
}

@test "a write error is status 3; -o appears atomically" {
    printf 'bsn\n123456782\n' > "$T/in.csv"
    run bash -c 'koppel pseudonymise --key-file "$1" --bsn bsn "$2" > /dev/full' _ "$T/master.key" "$T/in.csv"
    assert_failure 3
    koppel pseudonymise --key-file "$T/master.key" --bsn bsn -o "$T/out.csv" "$T/in.csv" 2>/dev/null
    assert_equal "$(tail -n 1 "$T/out.csv")" "$(expected "$MASTER" bsn 123456782)"
}

@test "issue 23: an all-zero key file is refused (status 2)" {
    printf '%064d\n' 0 > "$BATS_TEST_TMPDIR/zero.key"
    chmod 600 "$BATS_TEST_TMPDIR/zero.key"
    run koppel-pseudonymise --key-file "$BATS_TEST_TMPDIR/zero.key" --bsn bsn <<< $'bsn\n111222333'
    assert_failure 2
    assert_output --partial "holds the all-zero key, which is no secret"
    refute_output --partial 111222333
}
