#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# record.bats: the record layer, exercised through `koppel select` with no condition
# (which must pass valid CSV through unchanged): parsing, bad records, rejects, output.

setup() {
    load 'test_helper/common-setup'
    _common_setup
    F="$FIXTURES/record"
}

@test "quoted fields with delimiters, quotes, newlines, spaces and UTF-8 pass through byte for byte" {
    run koppel select "$F/quoted.csv"
    assert_success
    diff <(koppel select "$F/quoted.csv") "$F/quoted.csv"
}

@test "random CSV written with minimal quoting by Python passes through unchanged, across read-buffer boundaries" {
    python3 - "$BATS_TEST_TMPDIR/random.csv" <<'PY'
import csv, random, sys
random.seed(7)
alphabet = ['a', 'b', 'Z', ' ', ',', '"', '\n', '\r\n', 'é', '€', '😀', '1', '0', ';', '\t']
with open(sys.argv[1], 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f, lineterminator='\n', quoting=csv.QUOTE_MINIMAL)
    w.writerow(['id', 'text', 'more', 'last'])
    for i in range(60000):
        row = [str(i)]
        for _ in range(3):
            n = random.choice([0, 1, 3, 8, 40])
            row.append(''.join(random.choice(alphabet) for _ in range(n)))
        w.writerow(row)
PY
    [ "$(stat -c %s "$BATS_TEST_TMPDIR/random.csv")" -gt 2000000 ]
    koppel select "$BATS_TEST_TMPDIR/random.csv" > "$BATS_TEST_TMPDIR/out.csv"
    cmp "$BATS_TEST_TMPDIR/random.csv" "$BATS_TEST_TMPDIR/out.csv"
    # The same through a pipe (short reads) must give the same bytes.
    cat "$BATS_TEST_TMPDIR/random.csv" | koppel select > "$BATS_TEST_TMPDIR/piped.csv"
    cmp "$BATS_TEST_TMPDIR/random.csv" "$BATS_TEST_TMPDIR/piped.csv"
}

@test "unquoted records of every length cross the 16-byte blocks of the scanner and writer unchanged; another output delimiter quotes what needs it" {
    # Fields of 0..40 bytes (multi-byte UTF-8 among them), 1..40 fields per file, so that
    # delimiters, line ends and characters fall on every position of a 16-byte block.
    python3 - "$BATS_TEST_TMPDIR" <<'PY'
import csv, random, sys, os
random.seed(11)
alphabet = ['a', 'Q', '7', ' ', '.', '-', 'é', '€', '😀', '\t', ';', '|']
for columns in (1, 2, 5, 17, 40):
    rows = [['c%d' % i for i in range(columns)]]
    for _ in range(4000):
        rows.append([''.join(random.choice(alphabet) for _ in range(random.choice([0, 1, 7, 15, 16, 17, 31, 40])))
                     for _ in range(columns)])
    base = os.path.join(sys.argv[1], 'w%d' % columns)
    with open(base + '.in', 'w', newline='', encoding='utf-8') as f:
        # (a lone empty field is written "" as the csv module does: an empty line is no record)
        f.write(''.join((','.join(r) if r != [''] else '""') + '\n' for r in rows))
    # The expected ';' output, written by Python's csv module with minimal quoting.
    with open(base + '.semicolon', 'w', newline='', encoding='utf-8') as f:
        csv.writer(f, delimiter=';', lineterminator='\n', quoting=csv.QUOTE_MINIMAL).writerows(rows)
PY
    for columns in 1 2 5 17 40; do
        (set -o pipefail; koppel select "$BATS_TEST_TMPDIR/w$columns.in" | cmp - "$BATS_TEST_TMPDIR/w$columns.in")
        (set -o pipefail; koppel select --output-delimiter ';' "$BATS_TEST_TMPDIR/w$columns.in" \
            | cmp - "$BATS_TEST_TMPDIR/w$columns.semicolon")
        # Columns in another order are no longer adjacent in memory: the other writer path.
        if [ "$columns" -ge 2 ]; then
            python3 -c '
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.rstrip("\n").split(",")
    print(",".join([f[-1]] + f[:-1]))' "$BATS_TEST_TMPDIR/w$columns.in" > "$BATS_TEST_TMPDIR/rotated"
            last=$(head -n 1 "$BATS_TEST_TMPDIR/w$columns.in" | awk -F, '{ print $NF }')
            rest=$(head -n 1 "$BATS_TEST_TMPDIR/w$columns.in" | awk -F, '{ OFS = ","; NF--; print }')
            (set -o pipefail; koppel select --columns "$last,$rest" "$BATS_TEST_TMPDIR/w$columns.in" \
                | cmp - "$BATS_TEST_TMPDIR/rotated")
        fi
    done
}

@test "a record with a wrong field count keeps its original bytes in the rejects file" {
    printf 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n' > "$BATS_TEST_TMPDIR/in.csv"
    koppel select --rejects "$BATS_TEST_TMPDIR/rejects.csv" "$BATS_TEST_TMPDIR/in.csv" > "$BATS_TEST_TMPDIR/out.csv" 2> /dev/null
    assert_equal "$(cat "$BATS_TEST_TMPDIR/out.csv")" 'a,b,c
1,2,3'
    run cut -d, -f4- "$BATS_TEST_TMPDIR/rejects.csv"
    assert_output --partial '"4,5"'
    assert_output --partial '"6,7,8,9"'
}

@test "a field larger than the read buffer passes through" {
    python3 -c '
import sys
big = "x" * 5000000
sys.stdout.write("a,b\n1,\"" + big + ",\"\"\"\n2," + big + "\n")' > "$BATS_TEST_TMPDIR/big.csv"
    (set -o pipefail; koppel select "$BATS_TEST_TMPDIR/big.csv" | cmp - "$BATS_TEST_TMPDIR/big.csv")
}

@test "a UTF-8 byte-order mark is skipped and CRLF becomes LF; CR LF inside quotes is data" {
    run koppel select "$F/bom-crlf.csv"
    assert_success
    koppel select "$F/bom-crlf.csv" > "$BATS_TEST_TMPDIR/out.csv"
    assert_equal "$(od -c < "$BATS_TEST_TMPDIR/out.csv" | head -c 2000)" \
                 "$(printf 'id,name\n1,a\n2,"b\r\nc"\n' | od -c | head -c 2000)"
}

@test "a byte-order mark inside the file is a bad record, not data (issue 23)" {
    # Two files joined with cat: the second file's BOM and header become line 3.
    printf '\xef\xbb\xbfid,name\n1,a\n' > "$BATS_TEST_TMPDIR/one.csv"
    printf '\xef\xbb\xbfid,name\n2,b\n' > "$BATS_TEST_TMPDIR/two.csv"
    cat "$BATS_TEST_TMPDIR/one.csv" "$BATS_TEST_TMPDIR/two.csv" > "$BATS_TEST_TMPDIR/joined.csv"
    run koppel select "$BATS_TEST_TMPDIR/joined.csv"
    assert_failure 1
    assert_output "koppel-select: $BATS_TEST_TMPDIR/joined.csv:3: a byte-order mark inside the file (files joined with cat?)"
    run --separate-stderr koppel select --rejects "$BATS_TEST_TMPDIR/rej.csv" "$BATS_TEST_TMPDIR/joined.csv"
    assert_success
    assert_output $'id,name\n1,a\n2,b'
    run cat "$BATS_TEST_TMPDIR/rej.csv"
    assert_line --index 1 --partial ",3,a byte-order mark inside the file (files joined with cat?),"
    # At the start of a later field too, with ; as the delimiter.
    printf 'id;name\n1;\xef\xbb\xbfa\n' > "$BATS_TEST_TMPDIR/semi.csv"
    run koppel select -d ';' "$BATS_TEST_TMPDIR/semi.csv"
    assert_failure 1
    assert_output --partial "semi.csv:2: a byte-order mark inside the file"
    # U+FEFF inside a field, other characters starting with 0xEF at a field start, and a BOM
    # inside quotes are data.
    printf 'id,name\n1,a\xef\xbb\xbfb\n2,\xef\xbc\x81\n3,"\xef\xbb\xbfq"\n' > "$BATS_TEST_TMPDIR/data.csv"
    run koppel select "$BATS_TEST_TMPDIR/data.csv"
    assert_success
    assert_line --index 1 $'1,a\xef\xbb\xbfb'
    assert_line --index 2 $'2,\xef\xbc\x81'
    assert_line --index 3 $'3,\xef\xbb\xbfq'
}

@test "a record with too many fields: file, line and status 1" {
    run koppel select "$F/too-many.csv"
    assert_failure 1
    assert_output --partial "koppel-select: $F/too-many.csv:3: 3 fields, expected 2 as in the header"
}

@test "a record with too few fields: file, line and status 1" {
    run koppel select "$F/too-few.csv"
    assert_failure 1
    assert_output --partial "too-few.csv:3: 1 fields, expected 2"
}

@test "an unterminated quote is reported at the line where its record starts, after a multi-line field" {
    run koppel select "$F/unterminated.csv"
    assert_failure 1
    # line 3 holds a field over three lines, so the unterminated record starts on line 6
    assert_output --partial "unterminated.csv:6: unterminated quote"
}

@test "a NUL byte is a bad record" {
    run koppel select "$F/nul.csv"
    assert_failure 1
    assert_output --partial "nul.csv:3: NUL byte"
}

@test "invalid UTF-8 is a bad record; valid multi-byte characters are not" {
    run koppel select "$F/bad-utf8.csv"
    assert_failure 1
    assert_output --partial "bad-utf8.csv:3: invalid UTF-8"
    for bad in '\xc0\xaf' '\xed\xa0\x80' '\xf4\x90\x80\x80' '\xe2\x82'; do
        printf "a,b\n1,x${bad}y\n" > "$BATS_TEST_TMPDIR/u.csv"
        run koppel select "$BATS_TEST_TMPDIR/u.csv"
        assert_failure 1
        assert_output --partial "u.csv:2: invalid UTF-8"
    done
}

@test "a quote inside an unquoted field and text after a closing quote are bad records" {
    run --separate-stderr koppel select --rejects "$BATS_TEST_TMPDIR/rej.csv" "$F/stray-quote.csv"
    assert_success
    assert_output $'id,name\n1,a\n4,d'
    run cat "$BATS_TEST_TMPDIR/rej.csv"
    assert_line --index 0 "id,name,reject_file,reject_line,reject_reason,reject_raw"
    assert_line --partial ",3,quote inside an unquoted field"
    assert_line --partial ",4,text after a closing quote"
}

@test "a bare carriage return outside quotes is a bad record" {
    run koppel select "$F/bare-cr.csv"
    assert_failure 1
    assert_output --partial "bare-cr.csv:2: carriage return outside quotes"
}

@test "the last record needs no final newline" {
    run koppel select "$F/no-final-newline.csv"
    assert_success
    assert_output $'id,name\n1,a\n2,b'
}

@test "an empty input is an error; a header alone gives a header alone" {
    run koppel select "$F/empty.csv"
    assert_failure 1
    assert_output --partial "empty input: no header row"
    run koppel select "$F/header-only.csv"
    assert_success
    assert_output "id,name"
}

@test "duplicate column names in the header are an error" {
    run koppel select "$F/duplicate-header.csv"
    assert_failure 1
    assert_output --partial "duplicate-header.csv:1: duplicate column name 'id'"
}

@test "with --rejects the good records come out and in = out + filtered + rejected" {
    run --separate-stderr koppel select --rejects "$BATS_TEST_TMPDIR/rej.csv" --stats "$BATS_TEST_TMPDIR/stats.json" \
        "$F/unterminated.csv"
    assert_success
    assert_output $'id,name\n1,a\n2,"multi\nline\nvalue"'
    assert_counts_balance "$BATS_TEST_TMPDIR/stats.json"
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/stats.json" records_in)" 3
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/stats.json" rejected)" 1
    # the raw text of the bad record is kept, nothing is lost
    python3 - "$BATS_TEST_TMPDIR/rej.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 1, rows
assert rows[0]['reject_line'] == '6'
assert rows[0]['reject_raw'] == '3,"unterminated\n4,d\n', repr(rows[0]['reject_raw'])
PY
}

@test "rejects of several kinds are all counted and the counts balance" {
    cat "$F/too-many.csv" > "$BATS_TEST_TMPDIR/mixed.csv"
    tail -n +2 "$F/too-few.csv" >> "$BATS_TEST_TMPDIR/mixed.csv"
    tail -n +2 "$F/bad-utf8.csv" >> "$BATS_TEST_TMPDIR/mixed.csv"
    run --separate-stderr koppel select --rejects "$BATS_TEST_TMPDIR/rej.csv" --stats "$BATS_TEST_TMPDIR/s.json" "$BATS_TEST_TMPDIR/mixed.csv"
    assert_success
    assert_counts_balance "$BATS_TEST_TMPDIR/s.json"
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" records_in)" 9
    assert_equal "$(stats_field "$BATS_TEST_TMPDIR/s.json" rejected)" 3
    assert_equal "$(tail -n +2 "$BATS_TEST_TMPDIR/rej.csv" | wc -l)" 3
    assert [ "$(echo "$stderr" | grep -c "3 of 9 records rejected")" = 1 ]
}

@test "--stats appends one JSON object per run" {
    koppel select --stats "$BATS_TEST_TMPDIR/s.json" "$F/quoted.csv" > /dev/null
    koppel select --stats "$BATS_TEST_TMPDIR/s.json" "$F/quoted.csv" > /dev/null
    assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/s.json")" 2
    run python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]; print(json.loads(open(sys.argv[1]).readline())["filter"])' "$BATS_TEST_TMPDIR/s.json"
    assert_output "select"
}

@test "-d ';' reads semicolon CSV; output is comma CSV unless --output-delimiter" {
    run koppel select -d ';' "$F/semicolon.csv"
    assert_success
    assert_output $'id,name,note\n1,a;b,"c,d"'
    run koppel select -d ';' --output-delimiter ';' "$F/semicolon.csv"
    assert_output $'id;name;note\n1;"a;b";c,d'
    printf 'a\tb\n1\t"x\ty"\n' | koppel select -d '\t' > "$BATS_TEST_TMPDIR/t.csv"
    run cat "$BATS_TEST_TMPDIR/t.csv"
    assert_output $'a,b\n1,x\ty'
}

@test "a write error (disk full) is status 3 with a message" {
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run bash -c "koppel select '$F/quoted.csv' > /dev/full"
    assert_failure 3
    assert_output --partial "koppel-select: error writing standard output: No space left on device"
}

@test "-o onto a device writes the device and never replaces it" {
    [ -c /dev/full ] || skip "/dev/full is not the full device on this machine"
    run koppel select -o /dev/full "$F/quoted.csv"
    assert_failure 3
    assert_output --partial "error writing /dev/full"
    [ -c /dev/full ]
    run koppel select -o /dev/null "$F/quoted.csv"
    assert_success
    [ -c /dev/null ]
}

@test "-o, --report onto an open descriptor or a symbolic link: written through, the name never replaced" {
    T="$BATS_TEST_TMPDIR"
    expected=$(cat "$F/quoted.csv")
    # /dev/fd/N and /proc/self/fd/N name what the shell opened, here a regular file (a temporary
    # renamed over /dev/stdout would replace the device node of the whole machine).
    koppel select -o /dev/fd/3 "$F/quoted.csv" 3> "$T/three.csv"
    [ "$(cat "$T/three.csv")" = "$expected" ]
    koppel select -o /proc/self/fd/4 "$F/quoted.csv" 4> "$T/four.csv"
    [ "$(cat "$T/four.csv")" = "$expected" ]
    printf 'k\n1\n2\n' > "$T/left.csv"
    printf 'k\n1\n' > "$T/right.csv"
    koppel join -k k --type semi -q --report /dev/fd/5 "$T/left.csv" "$T/right.csv" 5> "$T/report.csv" > /dev/null
    run cut -d, -f1,3 "$T/report.csv"
    assert_output "side,records
left,2
right,1"
    run koppel select -o /dev/fd/9 "$F/quoted.csv"
    assert_failure 3
    assert_output --partial "cannot write /dev/fd/9"
    # A symbolic link to a file: the file gets the output, the link stays a link.
    echo old > "$T/target.csv"
    ln -s target.csv "$T/link.csv"
    koppel select -o "$T/link.csv" "$F/quoted.csv"
    [ -L "$T/link.csv" ]
    [ "$(cat "$T/target.csv")" = "$expected" ]
}

@test "a closed pipe downstream ends quietly with status 0" {
    python3 -c 'import sys; sys.stdout.write("a,b\n" + "1,2\n" * 300000)' > "$BATS_TEST_TMPDIR/long.csv"
    run bash -c "set -o pipefail; koppel select '$BATS_TEST_TMPDIR/long.csv' 2>'$BATS_TEST_TMPDIR/err' | head -n 1"
    assert_success
    assert_output "a,b"
    assert_file_empty "$BATS_TEST_TMPDIR/err"
}

@test "-o writes the output atomically and leaves nothing behind on failure" {
    run koppel select -o "$BATS_TEST_TMPDIR/out.csv" "$F/quoted.csv"
    assert_success
    cmp "$BATS_TEST_TMPDIR/out.csv" "$F/quoted.csv"
    run koppel select -o "$BATS_TEST_TMPDIR/bad.csv" "$F/too-many.csv"
    assert_failure 1
    assert_file_not_exists "$BATS_TEST_TMPDIR/bad.csv"
    run bash -c "ls '$BATS_TEST_TMPDIR' | grep -c tmp"
    assert_output 0
}

@test "a missing input file is status 2; a directory is status 2" {
    run koppel select "$BATS_TEST_TMPDIR/nope.csv"
    assert_failure 2
    assert_output --partial "cannot open $BATS_TEST_TMPDIR/nope.csv"
    run koppel select "$BATS_TEST_TMPDIR"
    assert_failure 2
}

@test "stdin is named '-' in messages" {
    run bash -c "koppel select < '$F/too-many.csv'"
    assert_failure 1
    assert_output --partial "koppel-select: -:3: 3 fields"
}

@test "progress is not shown when stderr is not a terminal" {
    python3 -c 'import sys; sys.stdout.write("a,b\n" + "1,2\n" * 200000)' > "$BATS_TEST_TMPDIR/long.csv"
    koppel select "$BATS_TEST_TMPDIR/long.csv" > /dev/null 2> "$BATS_TEST_TMPDIR/err"
    assert_file_empty "$BATS_TEST_TMPDIR/err"
}

@test "progress (records and records per second) is shown on a terminal" {
    command -v script >/dev/null || skip "script(1) not installed"
    python3 -c 'import sys; sys.stdout.write("a,b\n" + "1,2\n" * 3000000)' > "$BATS_TEST_TMPDIR/long.csv"
    # script gives the program a terminal; slow the reader so that a second passes
    run script -qec "cat '$BATS_TEST_TMPDIR/long.csv' | (sleep 1.5; cat) | koppel select > /dev/null" /dev/null
    assert_output --partial "records/s"
}

@test "a first column whose name begins with U+FEFF survives a second reading (it is quoted, not taken for a byte-order mark)" {
    printf '\xef\xbb\xbf\xef\xbb\xbfbsn,a\n1,2\n' > "$BATS_TEST_TMPDIR/two-marks.csv"
    (set -o pipefail; koppel select "$BATS_TEST_TMPDIR/two-marks.csv" | koppel select > "$BATS_TEST_TMPDIR/again.csv")
    # the column is U+FEFF followed by bsn: one mark was the file's, the other is the name's
    run koppel select --columns "$(printf '\xef\xbb\xbfbsn')" "$BATS_TEST_TMPDIR/again.csv"
    assert_success
    assert_line --index 1 '1'
}

@test "the rejects file's own columns never clash with an input's (a rejects file read again)" {
    printf 'id,reject_line,_reject_raw\n1,2,3\n4,5\n' > "$BATS_TEST_TMPDIR/in.csv"
    koppel select --rejects "$BATS_TEST_TMPDIR/rejects.csv" "$BATS_TEST_TMPDIR/in.csv" > /dev/null 2>&1
    assert_equal "$(head -n 1 "$BATS_TEST_TMPDIR/rejects.csv")" \
        'id,reject_line,_reject_raw,reject_file,_reject_line,reject_reason,__reject_raw'
    # and it reads back as CSV with a header of unique names
    run koppel select --columns _reject_line "$BATS_TEST_TMPDIR/rejects.csv"
    assert_success
    assert_line --index 1 '3'
}

@test "a header of 200,000 columns and a record pass through (duplicate names found by hash, not by pairs)" {
    python3 -c '
n = 200000
print(",".join("c%d" % i for i in range(n)))
print(",".join(str(i) for i in range(n)))' > "$BATS_TEST_TMPDIR/wide.csv"
    (set -o pipefail; koppel select "$BATS_TEST_TMPDIR/wide.csv" | cmp - "$BATS_TEST_TMPDIR/wide.csv")
    run koppel select --columns c199999,c0 "$BATS_TEST_TMPDIR/wide.csv"
    assert_output 'c199999,c0
199999,0'
    printf 'a,b,c,b\n1,2,3,4\n' > "$BATS_TEST_TMPDIR/dup.csv"
    run koppel select "$BATS_TEST_TMPDIR/dup.csv"
    assert_failure 1
    assert_output --partial "duplicate column name 'b'"
}

# ---------------------------------------------------------------- blank lines at the end

@test "blank lines just before the end of the input (LF or CRLF) are no records, for any filter" {
    T="$BATS_TEST_TMPDIR"
    for ending in '\n' '\n\n' '\n\n\n\n' '\r\n' '\r\n\r\n' '\n\r\n\n'; do
        printf "id,x\\n1,a\\n2,b$ending" > "$T/t.csv"
        run --separate-stderr koppel select --stats "$T/s.json" "$T/t.csv"
        assert_success
        assert_output "$(printf 'id,x\n1,a\n2,b')"
        # records_in counts the two records only (in = out, nothing rejected)
        run python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(s["records_in"], s["records_out"], s["rejected"])' "$T/s.json"
        assert_output "2 2 0"
    done
    # The same through other filters, and gzipped.
    printf 'id,x\n1,a\n2,b\n\n\n' > "$T/t.csv"
    run koppel derive --const c=1 "$T/t.csv"
    assert_success
    assert_output "$(printf 'id,x,c\n1,a,1\n2,b,1')"
    run koppel aggregate -g x --count "$T/t.csv"
    assert_success
    gzip -c "$T/t.csv" > "$T/t.csv.gz"
    run koppel select "$T/t.csv.gz"
    assert_success
    assert_output "$(printf 'id,x\n1,a\n2,b')"
    # A header and blank lines: a header alone.
    printf 'id,x\r\n\r\n' > "$T/h.csv"
    run koppel select "$T/h.csv"
    assert_success
    assert_output "id,x"
    # Two megabytes of trailing blank lines cross the read buffer (1 MB).
    python3 -c 'import sys; open(sys.argv[1], "w").write("id,x\n1,a\n" + "\n" * 2000000)' "$T/many.csv"
    run koppel select "$T/many.csv"
    assert_success
    assert_output "$(printf 'id,x\n1,a')"
}

@test "a blank line in the middle stays a bad record; blank lines before a record are each rejected" {
    T="$BATS_TEST_TMPDIR"
    printf 'id,x\n1,a\n\n2,b\n' > "$T/m.csv"
    run --separate-stderr koppel select "$T/m.csv"
    assert_failure 1
    assert_equal "$stderr" "koppel-select: $T/m.csv:3: empty line (expected 2 fields)"
    # Lines 3, 4 and 5 are blank, a record follows on 6, then a trailing blank line (by hand).
    printf 'id,x\r\n1,a\r\n\r\n\r\n\r\n2,b\r\n\r\n' > "$T/m.csv"
    run --separate-stderr koppel select --rejects "$T/r.csv" --stats "$T/s.json" "$T/m.csv"
    assert_success
    assert_output "$(printf 'id,x\n1,a\n2,b')"
    run python3 -c 'import csv,sys; print(" ".join(r["reject_line"] for r in csv.DictReader(open(sys.argv[1]))))' "$T/r.csv"
    assert_output "3 4 5"
    run python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(s["records_in"], s["records_out"], s["rejected"])' "$T/s.json"
    assert_output "5 2 3"
    # A line of spaces is not blank: at the end it is a bad record.
    printf 'id,x\n1,a\n \n' > "$T/s.csv"
    run --separate-stderr koppel select "$T/s.csv"
    assert_failure 1
}

@test "a one-column file: a blank line in the middle is an empty value, as before; at the end nothing" {
    T="$BATS_TEST_TMPDIR"
    # By hand: the records are 1, (empty), 2 and a quoted empty value; the last two lines are blank.
    printf 'id\n1\n\n2\n""\n\n\n' > "$T/one.csv"
    run --separate-stderr koppel select --stats "$T/s.json" "$T/one.csv"
    assert_success
    assert_output "$(printf 'id\n1\n""\n2\n""')"
    run python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(s["records_in"], s["records_out"])' "$T/s.json"
    assert_output "4 4"
    # A long run of blank lines in the middle, then a record, then CRLF blank lines to the end.
    python3 -c 'import sys; open(sys.argv[1], "w").write("id\n1\n" + "\n" * 1500000 + "2\n" + "\r\n" * 1500000)' "$T/run.csv"
    run koppel select --not-empty id "$T/run.csv"
    assert_output "$(printf 'id\n1\n2')"
    assert_equal "$(koppel select --empty id "$T/run.csv" | wc -l)" 1500001
}
