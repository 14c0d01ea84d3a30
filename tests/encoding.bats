#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# encoding.bats: reading real exports. --encoding (Latin-1, ISO-8859-15, Windows-1252 converted
# to UTF-8 as they are read), gzip input read as it is, and the hints that go with errors
# (a Latin-1 file read as UTF-8, a ';' file read with ',', UTF-16). Expected text comes from
# Python's own codecs (bytes.decode), never from koppel's output.

setup() {
    load 'test_helper/common-setup'
    _common_setup
    T="$BATS_TEST_TMPDIR"
}

# decode FILE CODEC: FILE's bytes decoded with Python's CODEC, written as UTF-8 to stdout.
decode() {
    python3 -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read().decode(sys.argv[2]).encode("utf-8"))' "$1" "$2"
}

# every_byte FILE FROM TO [SKIP...]: a header and one record per byte FROM..TO (hex), the byte
# between ASCII letters, bytes SKIP (hex) left out.
every_byte() {
    python3 - "$@" <<'PY'
import sys
path, low, high = sys.argv[1], int(sys.argv[2], 16), int(sys.argv[3], 16)
skip = {int(b, 16) for b in sys.argv[4:]}
with open(path, 'wb') as f:
    f.write(b'code,text\n')
    for b in range(low, high + 1):
        if b not in skip:
            f.write(b'%02x,a%sz\n' % (b, bytes([b])))
PY
}

# ---------------------------------------------------------------- the encodings

@test "latin-1: every byte 0x80-0xFF becomes the character Python's latin-1 codec gives it" {
    every_byte "$T/latin1.csv" 80 ff
    decode "$T/latin1.csv" latin-1 > "$T/expected.csv"
    run -0 koppel select --encoding latin-1 "$T/latin1.csv"
    assert_output "$(cat "$T/expected.csv")"
    # the other names of the same encoding, in any case
    for name in iso-8859-1 ISO8859-1 Latin1 LATIN-1; do
        diff <(koppel select --encoding "$name" "$T/latin1.csv") "$T/expected.csv"
    done
    # é is two bytes of UTF-8, ÿ too: spot checks written by hand
    run -0 koppel select --encoding latin-1 --eq code=e9 --columns text "$T/latin1.csv"
    assert_output "$(printf 'text\na\303\251z')"
}

@test "iso-8859-15: € at 0xA4, œ at 0xBD and the other six differences from Latin-1; every byte 0xA0-0xFF as Python decodes it" {
    every_byte "$T/latin9.csv" a0 ff
    decode "$T/latin9.csv" iso8859_15 > "$T/expected.csv"
    run -0 koppel select --encoding iso-8859-15 "$T/latin9.csv"
    assert_output "$(cat "$T/expected.csv")"
    diff <(koppel select --encoding latin-9 "$T/latin9.csv") "$T/expected.csv"
    run -0 koppel select --encoding iso-8859-15 --eq 'code=a4|bd|a6|be' --columns text "$T/latin9.csv"
    assert_output "$(printf 'text\na\342\202\254z\na\305\240z\na\305\223z\na\305\270z')" # € Š œ Ÿ
}

@test "windows-1252: € at 0x80, œ at 0x9C, ’ at 0x92; every defined byte 0x80-0xFF as Python's cp1252 decodes it" {
    every_byte "$T/cp1252.csv" 80 ff 81 8d 8f 90 9d
    decode "$T/cp1252.csv" cp1252 > "$T/expected.csv"
    run -0 koppel select --encoding windows-1252 "$T/cp1252.csv"
    assert_output "$(cat "$T/expected.csv")"
    diff <(koppel select --encoding CP1252 "$T/cp1252.csv") "$T/expected.csv"
    run -0 koppel select --encoding cp1252 --eq 'code=80|9c|92' --columns text "$T/cp1252.csv"
    assert_output "$(printf 'text\na\342\202\254z\na\342\200\231z\na\305\223z')" # € ’ œ
}

@test "names of a municipal export: Müller, Ø, € and œ converted, quoted fields and a record across read blocks" {
    # 3 MB of records, so that characters fall on the boundaries of every read and conversion
    python3 - "$T" <<'PY'
import random, sys
random.seed(3)
names = ['Müller', 'Øster', 'Jérôme', 'Brontë', 'Œuvre', 'ĳssel', 'Groß']
latin9 = []
for i in range(90000):
    name = random.choice(names)
    price = '%d €' % i
    latin9.append('%d,"%s, %s",%s,x\n' % (i, name, name[::-1], price))
text = 'id,name,price,x\n' + ''.join(latin9)
# ĳ is not in Latin-9: written as "ij" there
text = text.replace('ĳ', 'ij')
open(sys.argv[1] + '/export.csv', 'wb').write(text.encode('iso8859_15'))
open(sys.argv[1] + '/export-cp1252.csv', 'wb').write(text.encode('cp1252'))
PY
    decode "$T/export.csv" iso8859_15 > "$T/expected.csv"
    koppel select --encoding iso-8859-15 "$T/export.csv" > "$T/out.csv"
    cmp "$T/out.csv" "$T/expected.csv"
    # through a pipe (short reads), and from Windows-1252, the same text
    cat "$T/export-cp1252.csv" | koppel select --encoding windows-1252 > "$T/piped.csv"
    cmp "$T/piped.csv" "$T/expected.csv"
}

@test "windows-1252: each of its five undefined bytes rejects its record, with a reason that names the encoding" {
    printf 'id,name\n1,ok\n2,a\201b\n3,c\215d\n4,e\217f\n5,g\220h\n6,i\235j\n7,\200\n' > "$T/undefined.csv"
    run -1 koppel select --encoding windows-1252 "$T/undefined.csv"
    assert_output --partial "koppel-select: $T/undefined.csv:3: a byte that windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90 or 0x9D)"
    refute_output --partial "hint:"
    run -0 --separate-stderr koppel select --encoding windows-1252 --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/undefined.csv"
    assert_output "$(printf 'id,name\n1,ok\n7,\342\202\254')"
    [ "$stderr" = "koppel-select: 5 of 7 records rejected (see $T/rejects.csv)" ]
    assert_counts_balance "$T/stats.json"
    [ "$(stats_field "$T/stats.json" rejected)" = 5 ]
    # every bad record is in the rejects file with its line and reason
    python3 - "$T/rejects.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8', errors='surrogateescape', newline='')))
assert [r['reject_line'] for r in rows] == ['3', '4', '5', '6', '7'], rows
assert all('windows-1252 does not define' in r['reject_reason'] for r in rows), rows
raw = [r['reject_raw'].encode('utf-8', 'surrogateescape') for r in rows]
assert raw == [b'2,a\x81b', b'3,c\x8dd', b'4,e\x8ff', b'5,g\x90h', b'6,i\x9dj'], raw
PY
}

@test "--encoding: an unknown name is a usage error that lists the known ones; every program's --help has it" {
    printf 'a\n1\n' > "$T/a.csv"
    run -2 koppel select --encoding ebcdic "$T/a.csv"
    assert_output --partial "--encoding: unknown encoding 'ebcdic' (known: utf-8, latin-1 (iso-8859-1), iso-8859-15 (latin-9), windows-1252 (cp1252))"
    run -0 koppel select --encoding utf-8 "$T/a.csv"
    assert_output "$(printf 'a\n1')"
    for program in "$KOPPEL_BIN"/koppel-*; do
        case $(basename "$program") in koppel-synth) continue ;; esac # writes, reads no records
        "$program" --help | grep -q -- '--encoding NAME' || fail "$(basename "$program") --help lacks --encoding"
    done
}

@test "utf-8 stays the default: a UTF-8 file with a byte-order mark is read as before; with --encoding latin-1 it is refused" {
    printf '\357\273\277naam\nM\303\274ller\n' > "$T/utf8.csv"
    run -0 koppel select "$T/utf8.csv"
    assert_output "$(printf 'naam\nM\303\274ller')"
    # read as Latin-1, ü would silently become Ã¼: the mark says it is UTF-8, and the run stops
    run -2 koppel select --encoding latin-1 --columns naam "$T/utf8.csv"
    assert_line "koppel-select: $T/utf8.csv: the input starts with a UTF-8 byte-order mark, but --encoding latin-1 was given"
    assert_line "koppel-select: $T/utf8.csv: hint: the file is UTF-8: read it without --encoding"
    gzip -c "$T/utf8.csv" | { run -2 koppel select --encoding cp1252; assert_output --partial "but --encoding windows-1252 was given"; }
}

@test "join: both inputs are converted (--encoding applies to every input)" {
    printf 'id,naam\n1,M\374ller\n2,Brant\n' > "$T/left.csv"
    printf 'id,plaats\n1,Z\374tphen\n' > "$T/right.csv"
    run -0 koppel join -k id --encoding latin-1 "$T/left.csv" "$T/right.csv"
    assert_output --partial "$(printf '1,M\303\274ller,Z\303\274tphen')"
}

# ---------------------------------------------------------------- gzip

@test "gzip: a compressed file gives the same output as the plain one, from a file and from stdin" {
    python3 - "$T/plain.csv" <<'PY'
import random, sys
random.seed(5)
with open(sys.argv[1], 'w', encoding='utf-8', newline='') as f:
    f.write('id,text,n\n')
    for i in range(200000):
        f.write('%d,%s,%d\n' % (i, random.choice(['a', 'é', '"quoted, with comma"', '€uro', '']), random.randint(0, 999)))
PY
    gzip -c "$T/plain.csv" > "$T/plain.csv.gz"
    koppel select "$T/plain.csv" > "$T/expected.csv"
    koppel select "$T/plain.csv.gz" > "$T/from-file.csv"
    cmp "$T/expected.csv" "$T/from-file.csv"
    koppel select < "$T/plain.csv.gz" > "$T/from-stdin.csv"
    cmp "$T/expected.csv" "$T/from-stdin.csv"
    cat "$T/plain.csv.gz" | koppel select > "$T/from-pipe.csv"
    cmp "$T/expected.csv" "$T/from-pipe.csv"
    # the name does not matter: the magic bytes do
    cp "$T/plain.csv.gz" "$T/no-suffix"
    koppel select "$T/no-suffix" | cmp - "$T/expected.csv"
}

@test "gzip: two members appended (cat a.gz b.gz) are read as one input" {
    printf 'id,x\n1,a\n2,b\n' > "$T/a.csv"
    printf '3,c\n4,d\n' > "$T/b.csv"
    { gzip -c "$T/a.csv"; gzip -c "$T/b.csv"; } > "$T/ab.csv.gz"
    run -0 koppel select --stats "$T/stats.json" "$T/ab.csv.gz"
    assert_output "$(cat "$T/a.csv" "$T/b.csv")"
    [ "$(stats_field "$T/stats.json" records_in)" = 4 ]
    # a member that splits a record in two: still one record
    printf 'id,x\n1,a\n2,' > "$T/c.csv"
    printf 'b\n' > "$T/d.csv"
    { gzip -c "$T/c.csv"; gzip -c "$T/d.csv"; } | koppel select > "$T/cd.csv"
    diff "$T/cd.csv" <(printf 'id,x\n1,a\n2,b\n')
}

@test "gzip: a truncated file is an error naming the file (status 1), and -o leaves no output behind" {
    seq 1 100000 | sed 's/^/r/' | { echo id; cat; } > "$T/long.csv"
    gzip -c "$T/long.csv" > "$T/long.csv.gz"
    size=$(stat -c %s "$T/long.csv.gz")
    head -c $((size / 2)) "$T/long.csv.gz" > "$T/cut.csv.gz"
    run -1 koppel select -o "$T/out.csv" "$T/cut.csv.gz"
    assert_output --partial "koppel-select: $T/cut.csv.gz: truncated gzip input"
    assert_file_not_exists "$T/out.csv"
    # cut inside the 8-byte trailer (the checksum and length): the data is complete but unchecked
    head -c $((size - 3)) "$T/long.csv.gz" > "$T/no-trailer.csv.gz"
    run -1 koppel select "$T/no-trailer.csv.gz"
    assert_output --partial "truncated gzip input"
    # through stdin the message names '-'
    run -1 bash -c "koppel select < '$T/cut.csv.gz' > /dev/null"
    assert_output --partial "koppel-select: -: truncated gzip input"
    # even with --rejects: a damaged input is not a bad record
    run -1 koppel select --rejects "$T/rejects.csv" "$T/cut.csv.gz"
    assert_output --partial "truncated gzip input"
}

@test "gzip: damaged data (a changed byte, the wrong checksum, garbage after the stream) is status 1" {
    printf 'id,x\n1,a\n2,b\n' > "$T/a.csv"
    gzip -c "$T/a.csv" > "$T/a.csv.gz"
    python3 - "$T" <<'PY'
import sys
d = sys.argv[1]
data = bytearray(open(d + '/a.csv.gz', 'rb').read())
crc = bytearray(data); crc[-6] ^= 0xFF  # the CRC-32 in the trailer
open(d + '/crc.gz', 'wb').write(crc)
open(d + '/garbage.gz', 'wb').write(bytes(data) + b'not gzip')
PY
    run -1 koppel select "$T/crc.gz"
    assert_output --partial "koppel-select: $T/crc.gz: damaged gzip input (incorrect data check)"
    run -1 koppel select "$T/garbage.gz"
    assert_output --partial "koppel-select: $T/garbage.gz: damaged gzip input"
    # an empty compressed file has no header row
    : | gzip -c > "$T/empty.gz"
    run -1 koppel select "$T/empty.gz"
    assert_output --partial "empty input: no header row"
}

@test "gzip and --encoding together: a compressed Latin-1 export" {
    every_byte "$T/latin1.csv" a0 ff
    gzip -c "$T/latin1.csv" > "$T/latin1.csv.gz"
    decode "$T/latin1.csv" latin-1 > "$T/expected.csv"
    koppel select --encoding latin-1 "$T/latin1.csv.gz" | cmp - "$T/expected.csv"
}

# ---------------------------------------------------------------- hints

@test "hint: a Latin-1 file read as UTF-8 says so, once per file, and the suggested option reads it" {
    printf 'naam,plaats\nM\374ller,Den Haag\nJ\351r\364me,Zw\366lle\nBront\353,Ede\n' > "$T/latin1.csv"
    run -1 koppel select "$T/latin1.csv"
    assert_line "koppel-select: $T/latin1.csv:2: invalid UTF-8"
    assert_line "koppel-select: $T/latin1.csv: hint: the file looks like Latin-1 or Windows-1252: try --encoding windows-1252"
    run -0 koppel select --rejects "$T/rejects.csv" "$T/latin1.csv"
    [ "$(grep -c 'hint:' <<< "$output")" = 1 ]
    assert_line "koppel-select: 3 of 3 records rejected (see $T/rejects.csv)"
    # two such files: a hint for each
    cp "$T/latin1.csv" "$T/second.csv"
    run -0 koppel select --rejects "$T/rejects.csv" "$T/latin1.csv" "$T/second.csv"
    [ "$(grep -c 'hint:' <<< "$output")" = 2 ]
    assert_line --partial "$T/second.csv: hint: the file looks like Latin-1"
    # the hint's advice works
    run -0 koppel select --encoding windows-1252 --columns naam "$T/latin1.csv"
    assert_output "$(printf 'naam\nM\303\274ller\nJ\303\251r\303\264me\nBront\303\253')"
    # a Latin-1 header is hinted too
    printf 'stra\337e\nx\n' > "$T/header.csv"
    run -1 koppel select "$T/header.csv"
    assert_line "koppel-select: $T/header.csv:1: header: invalid UTF-8"
    assert_line --partial "hint: the file looks like Latin-1 or Windows-1252"
}

@test "hint: none for damaged UTF-8 (a cut multi-byte sequence), nor for a good file" {
    # € cut after two of its three bytes, then more UTF-8: damage, not Latin-1
    printf 'a,b\n1,x\342\202\n2,y\n' > "$T/damaged.csv"
    run -1 koppel select "$T/damaged.csv"
    assert_output "koppel-select: $T/damaged.csv:2: invalid UTF-8"
    printf 'a,b\n1,M\303\274ller\n' > "$T/good.csv"
    run -0 koppel select "$T/good.csv"
    refute_output --partial "hint:"
    run -0 koppel select -d ';' --encoding latin-1 "$T/good.csv"
    refute_output --partial "hint:"
}

@test "hint: a ';' file read with ',' (one column with ';' in its name) suggests -d ';'; a tab file -d tab" {
    printf 'bsn;gemeente;leeftijd\n1;GM0363;40\n2;GM0344;4,5\n3;GM0344;"4,5"\n' > "$T/semicolon.csv"
    run -2 koppel select --columns gemeente "$T/semicolon.csv"
    assert_line "koppel-select: --columns: column 'gemeente' not found in $T/semicolon.csv; the columns are: bsn;gemeente;leeftijd"
    assert_line "koppel-select: $T/semicolon.csv: hint: the header is one column with ';' in its name: try -d ';'"
    # a decimal comma makes two fields, a quoted one a quote inside a field: both rejected, the hint given once
    run -0 koppel select --rejects "$T/rejects.csv" "$T/semicolon.csv"
    [ "$(grep -c "hint: the header is one column with ';' in its name: try -d ';'" <<< "$output")" = 1 ]
    # with -d ';' no hint, and the columns are found
    run -0 koppel select -d ';' --columns gemeente "$T/semicolon.csv"
    assert_output "$(printf 'gemeente\nGM0363\nGM0344\nGM0344')"
    printf 'a\tb\n1\t2\n' > "$T/tab.csv"
    run -2 koppel select --columns b "$T/tab.csv"
    assert_line --partial "hint: the header is one column with tabs in its name: try -d tab"
    # a one-column file without another delimiter: no hint
    printf 'a\n1\n' > "$T/one.csv"
    run -2 koppel select --columns b "$T/one.csv"
    refute_output --partial "hint:"
}

@test "hint: UTF-16 (with a byte-order mark or without) is refused with the iconv command that converts it" {
    printf 'naam,n\nM\303\274ller,1\n' > "$T/utf8.csv"
    iconv -f UTF-8 -t UTF-16 "$T/utf8.csv" > "$T/utf16.csv" # with a byte-order mark
    run -1 koppel select "$T/utf16.csv"
    assert_line --regexp "^koppel-select: $T/utf16.csv: the input is UTF-16 \(it starts with the byte-order mark (FF FE|FE FF)\), which koppel does not read$"
    assert_line "koppel-select: $T/utf16.csv: hint: convert it to UTF-8 first: iconv -f UTF-16 -t UTF-8 $T/utf16.csv > converted.csv"
    # the advice works
    iconv -f UTF-16 -t UTF-8 "$T/utf16.csv" | koppel select | cmp - "$T/utf8.csv"
    for order in LE BE; do
        iconv -f UTF-8 -t "UTF-16$order" "$T/utf8.csv" > "$T/$order.csv" # no mark
        run -1 koppel select "$T/$order.csv"
        assert_output --partial "the input is UTF-16"
        assert_output --partial "iconv -f UTF-16$order -t UTF-8"
        iconv -f "UTF-16$order" -t UTF-8 "$T/$order.csv" | cmp - "$T/utf8.csv"
    done
    # from stdin, and compressed
    run -1 bash -c "gzip -c '$T/LE.csv' | koppel select"
    assert_output --partial "koppel-select: -: the input is UTF-16"
    assert_output --partial "hint: convert it to UTF-8 on the way in: iconv -f UTF-16LE -t UTF-8 FILE | koppel"
}

@test "a UTF-16 table given with an option (rules, lookup, standard population) is a configuration error: status 2" {
    printf 'icpc,age\nT90,40\n' > "$T/data.csv"
    iconv -f UTF-8 -t UTF-16 "$KOPPEL_SHARE/rules/iza-conditions.csv" > "$T/rules16.csv"
    run -2 koppel classify-condition --tag --rules "$T/rules16.csv" "$T/data.csv"
    assert_output --partial "$T/rules16.csv: the input is UTF-16"
    assert_output --partial "iconv -f UTF-16 -t UTF-8 $T/rules16.csv > converted.csv"
    printf 'code,value\nT90,diabetes\n' | iconv -f UTF-8 -t UTF-16LE > "$T/lookup16.csv"
    run -2 koppel derive --lookup group=icpc:"$T/lookup16.csv" "$T/data.csv"
    assert_output --partial "the input is UTF-16"
    iconv -f UTF-8 -t UTF-16 "$KOPPEL_SHARE/standards/esp2013.csv" > "$T/standard16.csv"
    printf 'age_band,events,population\n40-44,1,10\n' > "$T/rates.csv"
    run -2 koppel standardise --method direct --standard "$T/standard16.csv" --strata age_band \
        --events events --population population "$T/rates.csv"
    assert_output --partial "the input is UTF-16"
    # the same bytes as input data: bad input data, status 1
    iconv -f UTF-8 -t UTF-16 "$T/data.csv" > "$T/data16.csv"
    run -1 koppel classify-condition --tag "$T/data16.csv"
}

# ---------------------------------------------------------------- a real export

@test "a Latin-1 export with ';', CRLF and no byte-order mark through select and aggregate: counts as Python finds them" {
    python3 - "$T" <<'PY'
import random, sys
random.seed(9)
places = ['Den Haag', 'Zoetermeer', 'Súdwest-Fryslân', 'Noardeast-Fryslân', 'Gemeente Bergen (NH)']
types = ['hulp bij het huishouden', 'begeleiding', 'dagbesteding', 'woningaanpassing']
rows = ['bsn;gemeente;voorziening;bedrag']
for i in range(20000):
    place = random.choice(places)
    rows.append('%d;%s;%s;%d,%02d' % (100000 + i, place, random.choice(types), random.randint(0, 999), random.randint(0, 99)))
text = '\r\n'.join(rows) + '\r\n'
open(sys.argv[1] + '/wmo.csv', 'wb').write(text.encode('latin-1'))
# the expected figures, from the rows Python wrote
from collections import Counter
counts = Counter(r.split(';')[1] for r in rows[1:])
with open(sys.argv[1] + '/expected-counts.csv', 'w', encoding='utf-8', newline='') as f:
    f.write('gemeente,count\n')
    for place in sorted(counts, key=lambda p: p.encode('utf-8')):
        f.write('%s,%d\n' % ('"%s"' % place if ',' in place else place, counts[place]))
fryslan = sum(1 for r in rows[1:] if r.split(';')[1] == 'Súdwest-Fryslân')
open(sys.argv[1] + '/expected-fryslan', 'w').write('%d\n' % fryslan)
PY
    run -0 koppel aggregate -d ';' --encoding latin-1 -g gemeente --count "$T/wmo.csv"
    assert_output "$(cat "$T/expected-counts.csv")"
    koppel select -d ';' --encoding latin-1 --eq 'gemeente=Súdwest-Fryslân' --stats "$T/stats.json" "$T/wmo.csv" > "$T/fryslan.csv"
    [ "$(($(wc -l < "$T/fryslan.csv") - 1))" = "$(cat "$T/expected-fryslan")" ]
    assert_counts_balance "$T/stats.json"
    [ "$(stats_field "$T/stats.json" rejected)" = 0 ]
    # the same export compressed, through a pipe
    gzip -c "$T/wmo.csv" | koppel aggregate -d ';' --encoding latin-1 -g gemeente --count > "$T/piped.csv"
    diff "$T/piped.csv" "$T/expected-counts.csv"
    # read without --encoding: every record with â, ú or ï rejected, and the hint given
    run -0 koppel select -d ';' --rejects "$T/rejects.csv" --stats "$T/stats2.json" "$T/wmo.csv"
    assert_line --partial "hint: the file looks like Latin-1 or Windows-1252: try --encoding windows-1252"
    assert_counts_balance "$T/stats2.json"
}
