#!/usr/bin/env bats
# privacy.bats: every filter, run on inputs full of identifiers (BSNs, pseudonyms, dates of birth,
# postcodes, house numbers) in good runs and in its error paths, must never show one of them on
# standard error, in --stats, in a reject reason or in a report (README.md, "What every filter does the same way": Privacy).
bats_require_minimum_version 1.5.0

# The filters this file covers; the first test fails when a filter exists that is not here.
COVERED_FILTERS="select derive synth pseudonymise join classify-condition aggregate standardise suppress partition periods did view"

setup() {
    load 'test_helper/common-setup'
    _common_setup
    # The system python3 first: a pyenv shim costs seconds per call, and the scan is one.
    if [ -x /usr/bin/python3 ]; then PATH="$KOPPEL_BIN:/usr/bin:$PATH"; fi
    T="$BATS_TEST_TMPDIR"
    write_identifiers
    write_persons
}

# ---------------------------------------------------------------- the identifiers

# Every identifier value the inputs below hold, one "kind<TAB>value" a line. The values are
# chosen not to occur by chance (no round numbers, no dates that a program could print for its
# own reasons). The scan adds their normalised forms.
write_identifiers() {
    cat > "$T/identifiers.tsv" <<'EOF'
bsn	827756926
bsn	32432422
bsn	445.681.470
bsn	9016 90 934
bsn	556896229
bsn	39608434
bsn	5829163
bsn	928-576-681
bsn	89.930.277
bsn	312061080
bsn	754052643
bsn	994589414
bsn	195073848
bsn	089930277
bsn	950804143
bsn	337548237
bsn	478194614
bsn	402910679
bsn	398841871
pseudonym	0a8e9f78fecdeeb79f3c55481454929e
pseudonym	8a356a49798bf36c92a74c3169e00599
pseudonym	4c7dae9d4c7497b8b849a411a377cf5a
pseudonym	b44ac6556a435a0e3ecce515c900bbc0
pseudonym	8A356A49798BF36C92A74C3169E0059
pseudonym	f3b5d7e9a1c2b4d6e8f0a2c4e6b8d0f1
date	1931-07-26
date	03-11-1948
date	1957-02-31
date	14.08.1939
date	2087-05-19
date	1944-06-07
date	1939-12-01
date	1952-10-17
date	1962-04-09
date	1943-02-29
date	1938-05-14
date	1936-09-22
date	17/03/1941
date	1949-03-08
date	1951-11-30
date	1946-01-15
postcode	7384QZ
postcode	5627 XR
postcode	9681kw
postcode	7384 QZX
postcode	1043DP
postcode	2511CV
postcode	6211LK
postcode	3512JE
postcode	8011PK
postcode	9711LM
postcode	2595AN
postcode	1098XG
postcode	1017CE
postcode	3062PA
house_number	38127
house_number	6493-B
house_number	27195
house_number	4418a
house_number	15073
house_number	10974
house_number	21876
house_number	19044
house_number	33652
house_number	24817
house_number	26391
house_number	31748
house_number	44721
house_number	35219
house_number	40583
id	KL-583920
id	KL-771046
id	KL-904417
id	KL-330586
id	KL-629841
id	KL-118203
id	KL-447109
id	KL-862017
EOF
}

# A population register extract with every fault of real deliveries that carries an
# identifier. Lines (the header is line 1):
#  2 good;  3 BSN of 8 digits, birth date DD-MM-YYYY, postcode with a space, house number
#  with an addition;  4 BSN with dots, a birth date that does not exist, end before start;
#  5 BSN with spaces, birth date DD.MM.YYYY, a postcode that is not one;  6 BSN failing the
#  elfproef, born in the future;  7 empty BSN;  8 BSN of 8 digits failing the elfproef;
#  9 BSN of 7 digits;  10 too few fields;  11 too many fields;  12 invalid UTF-8;
#  13 text after a closing quote;  14 a NUL byte;  15 a bare CR;  16 an unterminated quote
#  that runs to the end.
write_persons() {
    {
        printf 'bsn,pseudonym,birth_date,sex,postcode,house_number,client_id,start_date,end_date\n'
        printf '827756926,0a8e9f78fecdeeb79f3c55481454929e,1931-07-26,F,7384QZ,38127,KL-583920,2020-01-01,\n'
        printf '32432422,8a356a49798bf36c92a74c3169e00599,03-11-1948,M,5627 XR,6493-B,KL-771046,2019-05-01,2023-06-30\n'
        printf '445.681.470,4c7dae9d4c7497b8b849a411a377cf5a,1957-02-31,F,9681kw,27195,KL-904417,2018-03-01,2017-02-01\n'
        printf '9016 90 934,b44ac6556a435a0e3ecce515c900bbc0,14.08.1939,M,7384 QZX,4418a,KL-330586,2021-09-01,\n'
        printf '556896229,8A356A49798BF36C92A74C3169E0059,2087-05-19,F,1043DP,15073,KL-629841,2016-01-01,\n'
        printf ',,1944-06-07,M,2511CV,10974,KL-118203,2017-07-01,\n'
        printf '39608434,,1939-12-01,F,6211LK,21876,KL-447109,2015-01-01,\n'
        printf '5829163,,1952-10-17,M,3512JE,19044,KL-862017,2015-01-01,\n'
        printf '928-576-681,,1962-04-09,F,8011PK,33652\n'
        printf '312061080,,1943-02-29,M,9711LM,24817,,2014-01-01,,extra\n'
        printf '754052643,,1938-05-14,F,1071\377X,26391,,2013-01-01,\n'
        printf '"402910679"x,,1949-03-08,F,1098XG,44721,,2011-01-01,\n'
        printf '398841871,,1951-11-30,M,1017\0CE,35219,,2010-01-01,\n'
        printf '337548237,,1946-01-15,F,3062\rPA,40583,,2009-01-01,\n'
        printf '994589414,,"1936-09-22,F,2595AN,31748,,2012-01-01,\n'
    } > "$T/persons.csv"
}

# ---------------------------------------------------------------- the scan

# scan_for_identifiers FILTER CASE CHANNEL=FILE...: fail, naming the filter, the channel and
# the value, when FILE holds any identifier of $T/identifiers.tsv (or a normalised form of
# one). Channels: stderr, stats (each line must also be a JSON object), rejects (only the
# reject_reason column: the other columns keep the original record by design), report (the
# whole file), and column:NAME (only column NAME of a CSV file). A listed FILE must exist.
# Numbers match whole: 38127 is not found in 0.381274 or 138127.
scan_for_identifiers() {
    python3 - "$T/identifiers.tsv" "$@" <<'PY'
import csv, json, re, sys

identifiers_path, filter_name, case = sys.argv[1:4]
channels = sys.argv[4:]

def forms(kind, value):
    """The value and the forms a program could turn it into."""
    out = {value, value.strip()}
    if kind == "bsn":
        digits = re.sub(r"[ .\-]", "", value)
        out.add(digits)
        if len(digits) == 8:
            out.add("0" + digits)
        if len(digits) == 9:
            out.add("%s.%s.%s" % (digits[:3], digits[3:6], digits[6:]))
            if digits.startswith("0"):
                out.add(digits[1:])
    elif kind == "date":
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
        if m:
            y, mo, d = m.groups()
        else:
            m = re.fullmatch(r"(\d{2})[-/.](\d{2})[-/.](\d{4})", value)
            d, mo, y = m.groups()
        out |= {"%s-%s-%s" % (y, mo, d), "%s%s%s" % (y, mo, d)}
        out |= {"%s%s%s%s%s" % (d, sep, mo, sep, y) for sep in "-/."}
    elif kind == "postcode":
        compact = re.sub(r"\s", "", value).upper()
        out |= {compact, compact[:4] + " " + compact[4:]}
    elif kind == "house_number":
        out.add(re.match(r"\d*", value.strip()).group(0) or value)
    return {f for f in out if f}

needles = {}
for line in open(identifiers_path, encoding="utf-8"):
    kind, value = line.rstrip("\n").split("\t", 1)
    for form in forms(kind, value):
        needles.setdefault(form, "%s %r" % (kind, value))

# Longest first, so that the longer form is the one reported.
alternatives = sorted(needles, key=len, reverse=True)
pattern = re.compile(r"(?<![0-9])(?<![0-9]\.)(%s)(?![0-9])(?!\.[0-9])"
                     % "|".join(re.escape(a) for a in alternatives), re.IGNORECASE)
lookup = {a.lower(): needles[a] for a in alternatives}

def csv_column(path, name):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = csv.reader(f)
        header = next(rows)
        if name not in header:
            sys.exit("%s %s: %s has no column %s (columns: %s)" % (filter_name, case, path, name, header))
        index = header.index(name)
        return "\n".join(row[index] for row in rows if len(row) > index)

hits = []
for spec in channels:
    channel, path = spec.split("=", 1)
    try:
        if channel == "rejects":
            text = csv_column(path, "reject_reason")
        elif channel.startswith("column:"):
            text = csv_column(path, channel[len("column:"):])
        else:
            text = open(path, encoding="utf-8", errors="surrogateescape").read()
    except FileNotFoundError:
        sys.exit("%s %s: channel %s: %s was not written" % (filter_name, case, channel, path))
    if channel == "stats":
        lines = text.splitlines()
        if not lines:
            sys.exit("%s %s: %s is empty" % (filter_name, case, path))
        for line in lines:
            json.loads(line)
    for match in pattern.finditer(text):
        found = match.group(1)
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line = text[start:end if end >= 0 else len(text)]
        hits.append("%s %s: %s shows %s as '%s' in: %s" % (
            filter_name, case, channel, lookup[found.lower()], found, line[:300]))
if hits:
    print("\n".join(hits))
    sys.exit(1)
PY
}

# add_identifiers KIND FILE COLUMN: add the values of COLUMN of the CSV FILE (a program's
# output: pseudonyms made, synthetic persons) to the identifiers to scan for.
add_identifiers() {
    python3 - "$T/identifiers.tsv" "$@" <<'PY'
import csv, sys
target, kind, path, column = sys.argv[1:5]
with open(path, newline="", encoding="utf-8-sig") as f, open(target, "a", encoding="utf-8") as out:
    for row in csv.DictReader(f):
        if row.get(column):
            out.write("%s\t%s\n" % (kind, row[column]))
PY
}

# ---------------------------------------------------------------- tests

@test "every filter is covered by this file" {
    local program verb missing=""
    for program in "$KOPPEL_BIN"/koppel-*; do
        verb="${program##*/koppel-}"
        case " $COVERED_FILTERS " in
            *" $verb "*) ;;
            *) missing="$missing $verb" ;;
        esac
    done
    [ -z "$missing" ] || fail "filters without a privacy scan in tests/privacy.bats:$missing"
}

@test "the scan finds an identifier in every normalised form" {
    # The scan itself must be able to fail: each line shows one identifier in another form.
    printf '%s\n' "BSN 032432422 is bad" "bsn 445681470" "value 901690934" "1931-07-26" \
        "born 1948-11-03" "date 31-02-1957" "1939-08-14" "19310726" "7384 qz" "postcode 5627XR" \
        "house 6493" "id kl-583920" "0A8E9F78FECDEEB79F3C55481454929E" "line 38127 2" > "$T/message.txt"
    run scan_for_identifiers scan self stderr="$T/message.txt"
    assert_failure
    [ "$(grep -c "^scan self: stderr shows" <<< "$output")" -eq 14 ] || fail "not every line found: $output"
    # Numbers match whole, and only the identifiers are found.
    printf '%s\n' "rate 0.38127" "rate 38127.5" "count 138127" "3812" "2023-01-01" "T90" > "$T/message.txt"
    run scan_for_identifiers scan self stderr="$T/message.txt"
    assert_success
    run scan_for_identifiers scan self stderr="$T/not-written.txt"
    assert_failure
}

# ---------------------------------------------------------------- running a filter

# run_filter NAME STATUS COMMAND...: run COMMAND with standard output in $T/NAME.out and
# standard error in $T/NAME.err; fail unless it exits with STATUS.
run_filter() {
    local name="$1" status="$2" actual=0
    shift 2
    "$@" > "$T/$name.out" 2> "$T/$name.err" || actual=$?
    [ "$actual" -eq "$status" ] ||
        fail "$name: exit status $actual, expected $status; stderr: $(cat "$T/$name.err")"
}

# each_record_alone FILTER INPUT COMMAND...: for every data line of INPUT, a file with INPUT's
# header and that line only ($T/alone.csv, whose name COMMAND must use) goes through COMMAND
# without --rejects, so that each fault stops the run with its own message. Standard error of
# all the runs, each line marked with the input line, is scanned at the end. The input must end
# with the faults that take more than one line.
each_record_alone() {
    local filter="$1" input="$2" line count status
    shift 2
    count=$(wc -l < "$input")
    : > "$T/alone-all.err"
    for ((line = 2; line <= count; line++)); do
        { head -n 1 "$input"; sed -n "${line}p" "$input"; } > "$T/alone.csv"
        status=0
        "$@" > "$T/alone.out" 2> "$T/alone.err" || status=$?
        # 0: a good record; 1: a bad one; anything else is a failure of its own.
        [ "$status" -le 1 ] || fail "$filter, line $line alone: status $status: $(cat "$T/alone.err")"
        sed "s/^/[line $line alone] /" "$T/alone.err" >> "$T/alone-all.err"
    done
    scan_for_identifiers "$filter" "one record at a time" stderr="$T/alone-all.err"
}

# assert_stat FILE KEY VALUE: the last --stats object in FILE has KEY = VALUE.
assert_stat() {
    local actual
    actual="$(stats_field "$1" "$2")"
    [ "$actual" = "$3" ] || fail "--stats $2 is $actual, expected $3"
}

# ---------------------------------------------------------------- did

# did_panel FILE: a panel whose units are BSNs, whose periods are dates of birth and whose
# outcomes are house numbers; lines 10-14 are bad (a unit and period twice, treated changing
# within a unit, an outcome with a letter, treated an id, a negative weight).
did_panel() {
    printf '%s\n' unit,period,treated,outcome,weight \
        827756926,1931-07-26,1,38127,100 827756926,1957-02-31,1,27195,100 \
        445.681.470,1931-07-26,1,15073,100 445.681.470,1957-02-31,1,10974,100 \
        556896229,1931-07-26,0,21876,100 556896229,1957-02-31,0,19044,100 \
        39608434,1931-07-26,0,33652,100 39608434,1957-02-31,0,24817,100 \
        39608434,1957-02-31,0,26391,100 827756926,1944-06-07,0,44721,100 \
        5829163,1939-12-01,1,6493-B,100 312061080,1962-04-09,KL-583920,35219,100 \
        754052643,1943-02-29,1,40583,-7384 > "$1"
}

@test "did: no identifier in messages, reject reasons or --stats" {
    did_panel "$T/panel.csv"
    run_filter did 0 koppel did --unit unit --time period --treated treated --outcome outcome --weight weight \
        --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/panel.csv"
    assert_stat "$T/stats.json" rejected 5
    assert_stat "$T/stats.json" records_used 8
    scan_for_identifiers did --rejects stderr="$T/did.err" stats="$T/stats.json" rejects="$T/rejects.csv"
    # The event study, too, says nothing of the units.
    run_filter did-event 0 koppel did --unit unit --time period --treated treated --outcome outcome --weight weight \
        --event-study --rejects "$T/rejects2.csv" --stats "$T/stats2.json" "$T/panel.csv"
    scan_for_identifiers did --event-study stderr="$T/did-event.err" stats="$T/stats2.json" rejects="$T/rejects2.csv"
}

@test "did: no identifier when a bad record or a singular design stops the run" {
    did_panel "$T/panel.csv"
    run_filter did 1 koppel did --unit unit --time period --treated treated --outcome outcome "$T/panel.csv"
    assert_file_contains "$T/did.err" "panel.csv:10:"
    scan_for_identifiers did "no --rejects" stderr="$T/did.err"
    # No treated unit: the message names the period by its place, a date is not shown.
    head -n 9 "$T/panel.csv" | sed 's/,1,\([0-9]*\),/,0,\1,/' > "$T/none.csv"
    run_filter did-none 1 koppel did --unit unit --time period --treated treated --outcome outcome "$T/none.csv"
    assert_file_contains "$T/did-none.err" "no treated unit has a record in period 1 of the window's 2"
    scan_for_identifiers did "singular" stderr="$T/did-none.err"
    each_record_alone did "$T/panel.csv" koppel did --unit unit --time period --treated treated --outcome outcome \
        --weight weight "$T/alone.csv"
}

# ---------------------------------------------------------------- periods

@test "periods: no identifier in messages, reject reasons or --stats" {
    # By hand, --period start_date,end_date: line 4 ends before it starts (rejected), 10-16
    # malformed (rejected), the other seven lie in the window.
    run_filter periods 0 koppel periods --period start_date,end_date --window 2015-01-01..2023-12-31 \
        --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/persons.csv"
    assert_stat "$T/stats.json" rejected 8
    assert_stat "$T/stats.json" records_expanded 7
    assert_stat "$T/stats.json" filtered 0
    scan_for_identifiers periods --rejects stderr="$T/periods.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv"
    # Dates of birth as the start: lines 3, 4 and 5 are not ISO dates, line 6 is born after the
    # end (its start_date); the reasons name the column, never the date.
    run_filter periods-birth 0 koppel periods --period birth_date,start_date --window 1900-01-01..2030-12-31 \
        --unit year --rejects "$T/rejects2.csv" --stats "$T/stats2.json" "$T/persons.csv"
    assert_stat "$T/stats2.json" rejected 11
    scan_for_identifiers periods "--period birth_date" stderr="$T/periods-birth.err" stats="$T/stats2.json" \
        rejects="$T/rejects2.csv"
}

@test "periods: no identifier when a bad record stops the run" {
    run_filter periods 1 koppel periods --period birth_date,start_date --window 1900-01-01..2030-12-31 "$T/persons.csv"
    assert_file_contains "$T/periods.err" "persons.csv:3:"
    scan_for_identifiers periods "no --rejects" stderr="$T/periods.err"
    each_record_alone periods "$T/persons.csv" koppel periods --period birth_date,end_date \
        --window 1900-01-01..2030-12-31 "$T/alone.csv"
}

# ---------------------------------------------------------------- select

@test "select: no identifier in messages, reject reasons or --stats" {
    # By hand: line 2 born before 1935 (filtered); 3, 4, 5 birth dates not ISO (rejected);
    # 6 and 8 women registered in 2023 (out); 7 and 9 men (filtered); 10-16 malformed.
    run_filter select 0 koppel select --ge birth_date=1935-01-01 --eq sex=F \
        --overlaps start_date,end_date=2023-01-01..2023-12-31 --rejects "$T/rejects.csv" \
        --stats "$T/stats.json" "$T/persons.csv"
    assert_stat "$T/stats.json" rejected 10
    assert_stat "$T/stats.json" filtered 3
    assert_counts_balance "$T/stats.json"
    scan_for_identifiers select --rejects stderr="$T/select.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv"
    # A condition on an identifier column, given on the command line, is not echoed either.
    run_filter select-bsn 0 koppel select --eq bsn=827756926 --lt start_date=2021-01-01 \
        --rejects "$T/rejects2.csv" --stats "$T/stats2.json" "$T/persons.csv"
    assert_stat "$T/stats2.json" records_out 1
    scan_for_identifiers select "--eq bsn" stderr="$T/select-bsn.err" stats="$T/stats2.json" \
        rejects="$T/rejects2.csv"
}

@test "select: no identifier when a bad record stops the run" {
    run_filter select 1 koppel select --ge birth_date=1935-01-01 "$T/persons.csv"
    assert_file_contains "$T/select.err" "persons.csv:3:"
    scan_for_identifiers select "no --rejects" stderr="$T/select.err"
    each_record_alone select "$T/persons.csv" koppel select --ge birth_date=1900-01-01 \
        --overlaps start_date,end_date=2000-01-01..2030-12-31 "$T/alone.csv"
    run_filter select-missing 2 koppel select --eq wijk_code=WK036301 "$T/persons.csv"
    scan_for_identifiers select "missing column" stderr="$T/select-missing.err"
    # a value typed where a column name belongs (a BSN, a date of birth) is described, not echoed
    local bsn pseudonym birth
    IFS=, read -r bsn pseudonym birth _ < <(sed -n 2p "$T/persons.csv")
    run_filter select-typed-bsn 2 koppel select --columns "$bsn" "$T/persons.csv"
    run_filter select-typed-pseudonym 2 koppel select --columns "sex,$pseudonym" "$T/persons.csv"
    run_filter select-typed-birth 2 koppel select --eq "$birth=1" "$T/persons.csv"
    scan_for_identifiers select "a value as a column name" stderr="$T/select-typed-bsn.err" \
        stderr="$T/select-typed-pseudonym.err" stderr="$T/select-typed-birth.err"
    assert_file_contains "$T/select-typed-bsn.err" "column (9 digits) not found"
}

# ---------------------------------------------------------------- view

@test "view: shows the data asked for on standard output, but no identifier in any message" {
    # The records it shows are the point (as head's are); its messages are scanned. By hand:
    # line 10 has too few fields, the first bad record the default --head 20 reads.
    run_filter view 1 koppel view "$T/persons.csv"
    assert_file_contains "$T/view.err" "persons.csv:10:"
    scan_for_identifiers view "bad record" stderr="$T/view.err"
    run_filter view-tail 1 koppel view --tail 3 --columns bsn,postcode "$T/persons.csv"
    scan_for_identifiers view "--tail" stderr="$T/view-tail.err"
    each_record_alone view "$T/persons.csv" koppel view --sample 1 --seed 3 "$T/alone.csv"
    # option values that are identifiers are not echoed
    run_filter view-head 2 koppel view --head 827756926x "$T/persons.csv"
    run_filter view-seed 2 koppel view --sample 2 --seed 1931-07-26 "$T/persons.csv"
    scan_for_identifiers view "option values" stderr="$T/view-head.err" stderr="$T/view-seed.err"
}

# ---------------------------------------------------------------- derive

@test "derive: no identifier in messages, reject reasons or --stats" {
    # A lookup from postcode to wijk: the codes are identifiers.
    printf 'postcode,wijk\n7384QZ,WK036301\n5627 XR,WK036302\n1043DP,WK036303\n2511CV,WK036304\n6211LK,WK036305\n' \
        > "$T/wijken.csv"
    # By hand: 4 (a day that does not exist), 5 (postcode not in the lookup), 6 (born after
    # the reference date), 9 (postcode not in the lookup) and 10-16 (malformed) are rejected.
    run_filter derive 0 koppel derive --iso-date birth_date --age age=birth_date:2023-01-01 \
        --band age_band=age:esp2013 --lookup wijk=postcode:"$T/wijken.csv" --year start_year=start_date \
        --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/persons.csv"
    assert_stat "$T/stats.json" rejected 11
    assert_stat "$T/stats.json" records_out 4
    scan_for_identifiers derive --rejects stderr="$T/derive.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv"
}

@test "derive: no identifier when a bad record or a bad lookup file stops the run" {
    printf 'postcode,wijk\n7384QZ,WK036301\n' > "$T/wijken.csv"
    each_record_alone derive "$T/persons.csv" koppel derive --iso-date birth_date \
        --age age=birth_date:start_date --band age_band=age:0,18,65 --lookup wijk=postcode:"$T/wijken.csv" \
        "$T/alone.csv"
    run_filter derive-age 1 koppel derive --age age=birth_date:2023-01-01 "$T/persons.csv"
    assert_file_contains "$T/derive-age.err" "persons.csv:3:"
    scan_for_identifiers derive "no --rejects" stderr="$T/derive-age.err"
    # The same postcode twice with different values is a configuration error.
    printf 'postcode,wijk\n7384QZ,WK036301\n1043DP,WK036303\n7384QZ,WK036302\n' > "$T/conflict.csv"
    run_filter derive-lookup 2 koppel derive --lookup wijk=postcode:"$T/conflict.csv" "$T/persons.csv"
    assert_file_contains "$T/derive-lookup.err" "conflict.csv:4:"
    scan_for_identifiers derive "lookup conflict" stderr="$T/derive-lookup.err"
    run_filter derive-missing 2 koppel derive --year y=date_of_birth "$T/persons.csv"
    scan_for_identifiers derive "missing column" stderr="$T/derive-missing.err"
}

# ---------------------------------------------------------------- synth

@test "synth: no generated identifier in messages, --stats or --truth" {
    # synth reads nothing: the identifiers are the ones it writes. House numbers are left out
    # of this scan: small whole numbers also occur as counts.
    run_filter synth 0 koppel synth --persons 400 --seed 11 --dirty 0.05 --truth "$T/truth.csv" \
        --stats "$T/stats.json" --out "$T/synth"
    : > "$T/identifiers.tsv"
    local file column
    for file in persons gp_patients; do
        for column in bsn birth_date postcode; do
            add_identifiers "$column" "$T/synth/$file.csv" "$column"
        done
    done
    [ "$(grep -c '^bsn' "$T/identifiers.tsv")" -gt 400 ]
    scan_for_identifiers synth --dirty stderr="$T/synth.err" stats="$T/stats.json" report="$T/truth.csv"
}

@test "synth --country: no generated identifier in messages, --stats or --truth" {
    run_filter synth-country 0 koppel synth --country --municipalities 20 --scale 0.02 --seed 11 \
        --dirty 0.05 --truth "$T/truth.csv" --stats "$T/stats.json" --out "$T/synth"
    : > "$T/identifiers.tsv"
    local file column
    for file in gmsd cak; do
        for column in bsn birth_date; do
            add_identifiers "$column" "$T/synth/$file.csv" "$column"
        done
    done
    [ "$(grep -c '^bsn' "$T/identifiers.tsv")" -gt 400 ]
    scan_for_identifiers synth --country-dirty stderr="$T/synth-country.err" stats="$T/stats.json" \
        report="$T/truth.csv"
}

# ---------------------------------------------------------------- pseudonymise

# A master key (64 hexadecimal characters), readable by its owner only.
write_key() {
    printf '3f1c9a0b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f2a4c6e8b0d1f3a\n' > "$T/master.key"
    chmod 600 "$T/master.key"
}

@test "pseudonymise: no identifier or pseudonym in messages, reject reasons or --stats" {
    write_key
    # By hand: 2 and 3 pass (the 8-digit BSN gets its zero back, the DD-MM-YYYY date gives
    # its year); 4 has no such date, 5 no such postcode, 6 and 8 fail the elfproef, 7 is
    # empty, 9 has 7 digits, 10-16 are malformed.
    run_filter pseudonymise 0 koppel pseudonymise --key-file "$T/master.key" --project privacy \
        --bsn bsn --id client_id --coarsen birth_date=year --coarsen postcode=pc4 \
        --drop house_number,pseudonym --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/persons.csv"
    assert_stat "$T/stats.json" rejected 13
    assert_stat "$T/stats.json" records_out 2
    # The pseudonyms it made are identifiers too.
    local before
    before=$(wc -l < "$T/identifiers.tsv")
    add_identifiers pseudonym "$T/pseudonymise.out" bsn
    add_identifiers pseudonym "$T/pseudonymise.out" client_id
    [ "$(wc -l < "$T/identifiers.tsv")" -eq $((before + 4)) ]
    scan_for_identifiers pseudonymise --rejects stderr="$T/pseudonymise.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv"
}

@test "pseudonymise: no identifier when a bad record stops the run" {
    write_key
    each_record_alone pseudonymise "$T/persons.csv" koppel pseudonymise --key-file "$T/master.key" \
        --bsn bsn --id client_id --coarsen birth_date=year --coarsen postcode=pc4 \
        --drop house_number,pseudonym "$T/alone.csv"
    run_filter pseudonymise-bsn 1 koppel pseudonymise --key-file "$T/master.key" --bsn bsn \
        --drop pseudonym "$T/persons.csv"
    assert_file_contains "$T/pseudonymise-bsn.err" "persons.csv:6:"
    scan_for_identifiers pseudonymise "no --rejects" stderr="$T/pseudonymise-bsn.err"
    # A second column with 'bsn' in its name is refused (it may hold BSNs).
    sed '1s/pseudonym/bsn_partner/' "$T/persons.csv" > "$T/partner.csv"
    run_filter pseudonymise-partner 2 koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/partner.csv"
    scan_for_identifiers pseudonymise "bsn column" stderr="$T/pseudonymise-partner.err"
}

# ---------------------------------------------------------------- join

# LEFT: contacts by pseudonym (a key twice, a key without a match, an empty key, a record
# with too few fields); RIGHT: pseudonymised persons (a key without a match, an empty key,
# too few fields).
write_join_inputs() {
    cat > "$T/contacts.csv" <<'CSV'
pseudonym,contact_date,icpc
0a8e9f78fecdeeb79f3c55481454929e,2023-02-14,T90
8a356a49798bf36c92a74c3169e00599,2023-03-01,K86
0a8e9f78fecdeeb79f3c55481454929e,2023-05-09,R96
f3b5d7e9a1c2b4d6e8f0a2c4e6b8d0f1,2023-06-12,P76
,2023-07-01,L03
4c7dae9d4c7497b8b849a411a377cf5a,2023-08-21
CSV
    cat > "$T/persons-p.csv" <<'CSV'
pseudonym,birth_date,postcode,house_number
8a356a49798bf36c92a74c3169e00599,1931-07-26,7384QZ,38127
0a8e9f78fecdeeb79f3c55481454929e,03-11-1948,5627 XR,6493-B
b44ac6556a435a0e3ecce515c900bbc0,14.08.1939,9681kw,27195
,1957-02-31,1043DP,15073
4c7dae9d4c7497b8b849a411a377cf5a,1944-06-07,2511CV
CSV
    # Wmo periods by BSN, in every form a delivery has them, to join with persons.csv.
    cat > "$T/wmo.csv" <<'CSV'
bsn,provision_type,provision_start
827756926,household_help,2023-01-01
032432422,wheelchair,2022-05-01
445681470,personal_care,2021-03-01
195073848,transport,2020-02-01
089930277,shelter,2019-01-01
CSV
}

@test "join: no key in the linkage report, messages, reject reasons or --stats" {
    write_join_inputs
    # By hand: LEFT 5 good records (one rejected), RIGHT 4 (one rejected).
    run_filter join 0 koppel join -k pseudonym --type full --validate m:1 --report "$T/report.csv" \
        --unmatched-left "$T/unmatched-left.csv" --unmatched-right "$T/unmatched-right.csv" \
        --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/contacts.csv" "$T/persons-p.csv"
    assert_stat "$T/stats.json" rejected 2
    assert_stat "$T/stats.json" left_unmatched_records 2
    assert_file_contains "$T/join.err" "linkage report"
    scan_for_identifiers join "full, --rejects" stderr="$T/join.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv" report="$T/report.csv"
    # On BSNs in several forms, with the malformed persons file on the right.
    run_filter join-bsn 0 koppel join -k bsn --type left --report "$T/report-bsn.csv" \
        --rejects "$T/rejects-bsn.csv" --stats "$T/stats-bsn.json" "$T/wmo.csv" "$T/persons.csv"
    assert_stat "$T/stats-bsn.json" rejected 7
    scan_for_identifiers join "bsn, --rejects" stderr="$T/join-bsn.err" stats="$T/stats-bsn.json" \
        rejects="$T/rejects-bsn.csv" report="$T/report-bsn.csv"
    # The same sorted (both inputs are out of order), semi and anti.
    { head -n 1 "$T/wmo.csv"; tail -n +2 "$T/wmo.csv" | LC_ALL=C sort -t, -k1,1; } > "$T/wmo-sorted.csv"
    run_filter join-sorted 1 koppel join -k bsn --sorted --report "$T/report-sorted.csv" \
        --rejects "$T/rejects-sorted.csv" "$T/wmo-sorted.csv" "$T/persons.csv"
    assert_file_contains "$T/join-sorted.err" "persons.csv:3: --sorted: RIGHT is not sorted"
    scan_for_identifiers join "--sorted out of order" stderr="$T/join-sorted.err"
    run_filter join-anti 0 koppel join -k pseudonym --type anti --stats "$T/stats-anti.json" \
        --rejects "$T/rejects-anti.csv" "$T/contacts.csv" "$T/persons-p.csv"
    scan_for_identifiers join anti stderr="$T/join-anti.err" stats="$T/stats-anti.json" \
        rejects="$T/rejects-anti.csv"
}

@test "join: no key when a duplicate, a bad record or a missing column stops the run" {
    write_join_inputs
    # The key of line 3 of contacts.csv repeats that of line 2.
    run_filter join-1to1 1 koppel join -k pseudonym --validate 1:1 --rejects "$T/rejects-1to1.csv" \
        "$T/contacts.csv" "$T/persons-p.csv"
    assert_file_contains "$T/join-1to1.err" "contacts.csv:4:"
    scan_for_identifiers join "--validate 1:1" stderr="$T/join-1to1.err"
    cat "$T/persons-p.csv" <(sed -n 2p "$T/persons-p.csv") > "$T/persons-twice.csv"
    run_filter join-mto1 1 koppel join -k pseudonym --validate m:1 --rejects "$T/rejects.csv" \
        "$T/contacts.csv" "$T/persons-twice.csv"
    assert_file_contains "$T/join-mto1.err" "persons-twice.csv:7: --validate m:1"
    scan_for_identifiers join "--validate m:1" stderr="$T/join-mto1.err"
    run_filter join-bad 1 koppel join -k pseudonym "$T/contacts.csv" "$T/persons-p.csv"
    assert_file_contains "$T/join-bad.err" "persons-p.csv:6:"
    scan_for_identifiers join "no --rejects" stderr="$T/join-bad.err"
    run_filter join-missing 2 koppel join -k bsn "$T/contacts.csv" "$T/persons-p.csv"
    scan_for_identifiers join "missing column" stderr="$T/join-missing.err"
    each_record_alone join "$T/persons.csv" koppel join -k bsn --type full "$T/wmo.csv" "$T/alone.csv"
}

# ---------------------------------------------------------------- classify-condition

# Episodes by BSN with identifiers in the code column (where a shifted or mistyped delivery
# puts them), a DD-MM-YYYY start, an end before its start, an empty BSN; a population with
# dates of birth that do not exist or are not dates, a repeated person and an empty BSN.
write_classify_inputs() {
    cat > "$T/episodes.csv" <<'CSV'
bsn,practice_id,episode_id,icpc,start_date,end_date
827756926,P001,E1,T90,2020-03-01,
827756926,P001,E2, k77 ,2022-01-10,2022-06-30
032432422,P001,E3,827756926,2021-01-01,
445681470,P002,E4,7384QZ,2021-01-01,
195073848,P002,E5,0a8e9f78fecdeeb79f3c55481454929e,2021-01-01,
089930277,P002,E6,38127,2021-01-01,
950804143,P003,E7,KL-583920,2021-01-01,
337548237,P003,E8,P76,26-07-1931,
478194614,P003,E9,R96,2023-05-01,2022-04-09
,P003,E10,T90,2021-01-01,
402910679,P003,E11,T90.02,2020-01-01,
950804143,P003,E12,6493-B,2021-01-01,
950804143,P003,E13,9681 KW,2021-01-01,
950804143,P003,E14,89.930.277,2021-01-01,
CSV
    cat > "$T/population.csv" <<'CSV'
bsn,birth_date
827756926,1931-07-26
032432422,03-11-1948
445681470,1957-02-31
195073848,2087-05-19
089930277,1939-12-01
089930277,1939-12-01
,1952-10-17
337548237,1962-04-09
478194614,1938-05-14
950804143,14.08.1939
CSV
    cat > "$T/wmo-codes.csv" <<'CSV'
bsn,provision_type
827756926,household_help
032432422,7384QZ
445681470,38127
195073848,0a8e9f78fecdeeb79f3c55481454929e
089930277,1931-07-26
950804143,
337548237,Shelter
478194614,KL-583920
402910679,6493-B
754052643,556896229
754052643,89.930.277
CSV
}

@test "classify-condition: no identifier in messages, reject reasons or --stats" {
    write_classify_inputs
    # By hand: population lines 3, 4 and 11 have no real date of birth, 8 no BSN (rejected),
    # 7 repeats 6 (filtered); episodes 4-8 and 13-15 have no ICPC code, 9 no ISO start, 10
    # ends before it starts, 11 has no BSN (rejected).
    run_filter prevalence 0 koppel classify-condition --prevalence --year 2023 --subgroups \
        --population "$T/population.csv" --outside "$T/outside.csv" --rejects "$T/rejects.csv" \
        --stats "$T/stats.json" "$T/episodes.csv"
    assert_stat "$T/stats.json" population_rejected 4
    assert_stat "$T/stats.json" episodes_rejected 11
    scan_for_identifiers classify-condition --prevalence stderr="$T/prevalence.err" \
        stats="$T/stats.json" rejects="$T/rejects.csv"
    run_filter tag 0 koppel classify-condition --tag --long --subgroups --rejects "$T/rejects-tag.csv" \
        --stats "$T/stats-tag.json" "$T/episodes.csv"
    assert_stat "$T/stats-tag.json" rejected 8
    scan_for_identifiers classify-condition --tag stderr="$T/tag.err" stats="$T/stats-tag.json" \
        rejects="$T/rejects-tag.csv"
    # By hand: lines 3-6, 9-12 have no category, 7 none at all (rejected).
    run_filter map 0 koppel classify-condition --map --rejects "$T/rejects-map.csv" \
        --stats "$T/stats-map.json" "$T/wmo-codes.csv"
    assert_stat "$T/stats-map.json" rejected 9
    scan_for_identifiers classify-condition --map stderr="$T/map.err" stats="$T/stats-map.json" \
        rejects="$T/rejects-map.csv"
}

@test "classify-condition: no identifier when a bad record or a bad category table stops the run" {
    write_classify_inputs
    each_record_alone classify-condition "$T/episodes.csv" koppel classify-condition --prevalence \
        --year 2023 --ignore-age-rules "$T/alone.csv"
    each_record_alone classify-condition "$T/population.csv" koppel classify-condition --prevalence \
        --year 2023 --population "$T/alone.csv" "$T/episodes.csv"
    each_record_alone classify-condition "$T/wmo-codes.csv" koppel classify-condition --map "$T/alone.csv"
    each_record_alone classify-condition "$T/persons.csv" koppel classify-condition --map \
        --code postcode --default unknown "$T/alone.csv"
    # A category table of postcodes (a district per postcode) with one postcode twice.
    printf 'code,district\n7384QZ,Noord\n1043DP,West\n7384qz,Oost\n' > "$T/districts.csv"
    run_filter map-twice 2 koppel classify-condition --map --rules "$T/districts.csv" --code postcode \
        "$T/persons.csv"
    assert_file_contains "$T/map-twice.err" "districts.csv:4:"
    scan_for_identifiers classify-condition "category table" stderr="$T/map-twice.err"
}

# ---------------------------------------------------------------- aggregate

# Costs per person with identifiers where a number belongs (a shifted or mistyped delivery).
write_costs() {
    cat > "$T/costs.csv" <<'CSV'
bsn,sex,wijk,cost
827756926,F,WK036301,120.5
032432422,M,WK036301,445.681.470
445681470,F,WK036302,1931-07-26
195073848,M,WK036302,7384QZ
089930277,F,WK036301,0a8e9f78fecdeeb79f3c55481454929e
950804143,M,WK036302,
337548237,F,WK036301,6493-B
478194614,M,WK036302,80
402910679,F,WK036301,9016 90 934
CSV
}

@test "aggregate: no identifier in messages, reject reasons or --stats" {
    write_costs
    # By hand: lines 3, 4, 5, 6, 8 and 10 have no number in cost (rejected).
    run_filter aggregate 0 koppel aggregate -g sex --count --count-distinct bsn --sum cost --mean cost \
        --min cost --max cost --top 2:cost --sd cost --weighted-mean cost:cost --totals \
        --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/costs.csv"
    assert_stat "$T/stats.json" rejected 6
    scan_for_identifiers aggregate --rejects stderr="$T/aggregate.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv"
    # Partial results hold the sets of BSNs by design; a damaged one must not show them.
    run_filter partial 0 koppel aggregate -g sex --count-distinct bsn --partial -o "$T/part.state" \
        --rejects "$T/rejects-partial.csv" --stats "$T/stats-partial.json" "$T/persons.csv" "$T/costs.csv"
    grep -q '9:827756926' "$T/part.state"
    sed -e 's/,9:0/,12:0/' -e '3s/,9:\([0-9]*\)/,9:\1x/' "$T/part.state" > "$T/damaged.state"
    run_filter merge 0 koppel aggregate --merge --rejects "$T/rejects-merge.csv" \
        --stats "$T/stats-merge.json" "$T/damaged.state" "$T/part.state"
    assert_stat "$T/stats-merge.json" rejected 2
    scan_for_identifiers aggregate "--partial, --merge" stderr="$T/partial.err" stats="$T/stats-partial.json" \
        rejects="$T/rejects-partial.csv" stderr="$T/merge.err" stats="$T/stats-merge.json" rejects="$T/rejects-merge.csv"
}

@test "aggregate: no identifier when a bad record stops the run" {
    write_costs
    each_record_alone aggregate "$T/costs.csv" koppel aggregate -g sex --count-distinct bsn --sum cost \
        --top 1:cost "$T/alone.csv"
    each_record_alone aggregate "$T/persons.csv" koppel aggregate -g sex --count-distinct bsn "$T/alone.csv"
    sed -e 's/,9:0/,12:0/' > "$T/damaged.state" <<'STATE'
wijk,partial@v2:none,distinct_bsn@set
WK036301,g,9:0324324229:827756926
STATE
    run_filter merge 1 koppel aggregate --merge "$T/damaged.state"
    assert_file_contains "$T/merge.err" "damaged.state:2:"
    scan_for_identifiers aggregate "--merge" stderr="$T/merge.err"
}

# ---------------------------------------------------------------- standardise

# Events and population per district and stratum, with identifiers where a number or a
# stratum belongs.
write_rates() {
    cat > "$T/rates.csv" <<'CSV'
district,age_band,sex,events,persons
Noord,85-89,F,12,140
Noord,90+,F,445.681.470,30
Noord,1931-07-26,M,3,50
Noord,85-89,M,1931-07-26,120
Noord,85-89,M,5,38127.5x
Zuid,85-89,F,9,7384QZ
Zuid,7384QZ,F,2,40
Zuid,90+,F,4,0
Zuid,90+,F,4,44
Zuid,9016 90 934,M,1,10
Zuid,90+,F,2,20
Zuid,89.930.277,F,2,20
CSV
}

@test "standardise: no identifier in messages, reject reasons, notes or --stats" {
    write_rates
    # By hand: lines 3, 5, 6, 7 have no number, 9 events without population, 12 repeats the
    # stratum of line 10 (6 rejected); with esp2013 also 4, 8, 11 and 13, whose strata are
    # not in the standard (10).
    local method rejected
    for method in "direct --standard esp2013:10" "direct --standard internal:6" \
        "indirect --reference internal:6"; do
        rejected="${method##*:}"
        method="${method%:*}"
        # shellcheck disable=SC2086
        run_filter standardise 0 koppel standardise --method $method --strata age_band,sex -g district \
            --events events --population persons --rejects "$T/rejects.csv" --stats "$T/stats.json" \
            "$T/rates.csv"
        assert_stat "$T/stats.json" rejected "$rejected"
        scan_for_identifiers standardise "--method $method" stderr="$T/standardise.err" \
            stats="$T/stats.json" rejects="$T/rejects.csv" column:note="$T/standardise.out"
    done
}

@test "standardise: no identifier when a bad record or a bad standard stops the run" {
    write_rates
    each_record_alone standardise "$T/rates.csv" koppel standardise --method direct --standard esp2013 \
        --strata age_band,sex --events events --population persons "$T/alone.csv"
    # A standard with a date of birth for a stratum, twice.
    printf 'age_band,weight\n85-89,2500\n1931-07-26,1000\n1931-07-26,1000\n' > "$T/standard.csv"
    run_filter standard 1 koppel standardise --method direct --standard "$T/standard.csv" --strata age_band \
        --events events --population persons "$T/rates.csv"
    scan_for_identifiers standardise "standard file" stderr="$T/standard.err"
}

# ---------------------------------------------------------------- suppress

# A table with margins, as koppel aggregate --totals writes it, with a column of identifiers
# beside the cells (it passes through to the output by design).
write_table() {
    cat > "$T/table.csv" <<'CSV'
wijk,sex,count,cost,top1_cost,top2_cost,status,example
WK036301,F,12,1200,300,200,,827756926
WK036301,M,3,450,200,150,,1931-07-26
WK036301,Total,15,1650,300,200,,7384QZ
WK036302,F,20,2000,400,300,,0a8e9f78fecdeeb79f3c55481454929e
WK036302,M,7,900,400,100,,38127
WK036302,Total,27,2900,400,300,,KL-583920
Total,F,32,3200,400,300,,6493-B
Total,M,10,1350,400,200,,9016 90 934
Total,Total,42,4550,400,400,,03-11-1948
CSV
}

@test "suppress: no identifier in messages, the audit report or --stats" {
    write_table
    run_filter suppress 0 koppel suppress --dims wijk,sex --value cost --top top1_cost,top2_cost \
        --dominance 2,85 --p-percent 10 --rejects "$T/rejects.csv" --stats "$T/stats.json" \
        -o "$T/published.csv" "$T/table.csv"
    assert_stat "$T/stats.json" suppressed_cells 4
    scan_for_identifiers suppress "--value" stderr="$T/suppress.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv"
    run_filter audit 0 koppel suppress --audit --dims wijk,sex --value cost --original "$T/table.csv" \
        --stats "$T/stats-audit.json" "$T/published.csv"
    assert_file_contains "$T/audit.out" "WK036301,M,u,3,"
    scan_for_identifiers suppress --audit stderr="$T/audit.err" stats="$T/stats-audit.json" \
        report="$T/audit.out"
}

@test "suppress: no identifier when a bad record stops the run" {
    write_table
    # Identifiers where a count, a value, a contribution or a status code belongs.
    sed -e '3s/,3,450,/,445.681.470,450,/' -e '4s/,1650,/,1931-07-26,/' -e '5s/,400,300,,/,7384QZ,300,,/' \
        -e '6s/,,38127$/,38127,38127/' -e '7s/,27,/,9016 90 934,/' "$T/table.csv" > "$T/bad-table.csv"
    run_filter suppress 1 koppel suppress --dims wijk,sex --value cost --top top1_cost,top2_cost \
        --dominance 2,85 --rejects "$T/rejects.csv" --stats "$T/stats.json" "$T/bad-table.csv"
    assert_file_contains "$T/suppress.err" "5 records were rejected"
    scan_for_identifiers suppress --rejects stderr="$T/suppress.err"
    each_record_alone suppress "$T/bad-table.csv" koppel suppress --dims wijk,sex --value cost \
        --top top1_cost,top2_cost --dominance 2,85 "$T/alone.csv"
    run_filter suppress-good 0 koppel suppress --dims wijk,sex --value cost -o "$T/published.csv" "$T/table.csv"
    run_filter audit 1 koppel suppress --audit --dims wijk,sex --value cost --original "$T/bad-table.csv" \
        "$T/published.csv"
    assert_file_contains "$T/audit.err" "bad-table.csv:3:"
    scan_for_identifiers suppress "--audit, bad original" stderr="$T/audit.err"
}

# ---------------------------------------------------------------- partition

@test "partition: no key in messages, reject reasons, --stats or part names" {
    # By hand: line 7 has an empty BSN (rejected), 10-16 are malformed.
    run_filter partition 0 koppel partition -k bsn -n 4 --empty-key reject --rejects "$T/rejects.csv" \
        --stats "$T/stats.json" --out "$T/parts" "$T/persons.csv"
    assert_stat "$T/stats.json" rejected 8
    ls -a "$T/parts" > "$T/part-names.txt"
    scan_for_identifiers partition --rejects stderr="$T/partition.err" stats="$T/stats.json" \
        rejects="$T/rejects.csv" report="$T/part-names.txt"
    run_filter partition-2 0 koppel partition -k bsn,birth_date,postcode -n 3 --prefix persons \
        --empty-key drop --rejects "$T/rejects-2.csv" --stats "$T/stats-2.json" --out "$T/parts" "$T/persons.csv"
    scan_for_identifiers partition "three keys" stderr="$T/partition-2.err" stats="$T/stats-2.json" \
        rejects="$T/rejects-2.csv"
}

@test "partition: no key when a bad record stops the run" {
    each_record_alone partition "$T/persons.csv" koppel partition -k bsn -n 2 --empty-key reject \
        --out "$T/alone-parts" "$T/alone.csv"
    run_filter partition 1 koppel partition -k bsn -n 4 --empty-key reject --out "$T/parts" "$T/persons.csv"
    assert_file_contains "$T/partition.err" "persons.csv:7:"
    scan_for_identifiers partition "no --rejects" stderr="$T/partition.err"
}

# ---------------------------------------------------------------- a file without its header row

@test "a file without its header row: the filters' own messages show none of its values" {
    # A common mistake: the first record becomes the header, so messages that name columns
    # could show its values. Lines 2-3 of persons.csv; no-header-2.csv repeats line 2.
    sed -n 2,3p "$T/persons.csv" > "$T/no-header.csv"
    sed -n 2,2p "$T/persons.csv" > "$T/no-header-2.csv"
    local name leaking=""
    run_filter derive 2 koppel derive --year y=birth_date "$T/no-header.csv"
    run_filter join 2 koppel join -k 827756926 "$T/no-header-2.csv" "$T/no-header.csv"
    run_filter merge 2 koppel aggregate --merge "$T/no-header.csv"
    for name in derive join merge; do
        scan_for_identifiers "$name" "no header row" stderr="$T/$name.err" || leaking="$leaking $name"
    done
    [ -z "$leaking" ] || fail "the first record shown by:$leaking"
}

@test "a file without its header row: the record layer's messages show none of its values" {
    sed -n 2,3p "$T/persons.csv" > "$T/no-header.csv"
    # Registered on the day of birth: the first record has two equal values.
    printf '827756926,1931-07-26,1931-07-26,7384QZ\n' > "$T/repeated.csv"
    write_key
    local name leaking=""
    run_filter select 2 koppel select --eq sex=F "$T/no-header.csv"
    run_filter pseudonymise 2 koppel pseudonymise --key-file "$T/master.key" --bsn bsn "$T/no-header.csv"
    run_filter join 2 koppel join -k bsn "$T/no-header.csv" "$T/no-header.csv"
    run_filter classify-condition 2 koppel classify-condition --tag "$T/no-header.csv"
    run_filter aggregate 2 koppel aggregate -g sex "$T/no-header.csv"
    run_filter standardise 2 koppel standardise --method crude --events events --population persons \
        "$T/no-header.csv"
    run_filter suppress 2 koppel suppress --dims wijk,sex "$T/no-header.csv"
    run_filter partition 2 koppel partition -k bsn -n 2 --out "$T/parts" "$T/no-header.csv"
    run_filter repeated 1 koppel select "$T/repeated.csv"
    for name in select pseudonymise join classify-condition aggregate standardise suppress partition \
        repeated; do
        scan_for_identifiers "$name" "no header row" stderr="$T/$name.err" || leaking="$leaking $name"
    done
    [ -z "$leaking" ] || fail "the first record shown by:$leaking"
}

# ---------------------------------------------------------------- issue 23: names and option values

@test "issue 23: a header that looks like data is described by shape, not listed" {
    # A persons file without its header row: select's list of "columns" showed the house number
    # and the surname. Once one name looks like data, none of them is shown.
    printf '827756926,Jansen,144,7384QZ\n' > "$T/persons-no-header.csv"
    run koppel select --eq sex=F "$T/persons-no-header.csv"
    assert_failure 2
    assert_output --partial "(9 digits), (6 letters), (3 digits), (6 characters)"
    refute_output --partial Jansen
    refute_output --regexp '[^0-9]144[^0-9]'
    refute_output --partial 827756926
    refute_output --partial 7384QZ
}

@test "issue 23: a duplicate column name that could be data is not echoed" {
    printf '827756926,Jansen,Jansen\n' > "$T/dup.csv"
    run koppel select "$T/dup.csv"
    assert_failure 1
    assert_output --partial "columns 2 and 3, a name of 6 letters"
    refute_output --partial Jansen
    # A capitalised name in an honest header: a surname could be one too, so it is not shown.
    printf 'bsn,Jansen,Jansen\n1,2,3\n' > "$T/dup2.csv"
    run koppel select "$T/dup2.csv"
    assert_failure 1
    refute_output --partial Jansen
    # A plain column name is still named.
    printf 'bsn,start_date,start_date\n' > "$T/dup3.csv"
    run koppel select "$T/dup3.csv"
    assert_failure 1
    assert_output --partial "duplicate column name 'start_date'"
}

@test "issue 23: command-line values that could be data are described, not echoed" {
    printf 'bsn,sex\n827756926,F\n' > "$T/p.csv"
    run koppel select --lt bsn=123456782x "$T/p.csv"
    assert_failure 2
    refute_output --partial 123456782
    assert_output --partial "a value of 10 characters (not shown) is neither a number nor an ISO date"
    run koppel select --in-year bsn=123456782 "$T/p.csv"
    assert_failure 2
    refute_output --partial 123456782
    assert_output --partial "a value of 9 digits (not shown) is not a year"
    run koppel select --eq 123456782 "$T/p.csv"
    assert_failure 2
    refute_output --partial 123456782
    # A value that cannot be an identifier is still shown, to help.
    run koppel select --lt bsn=abc "$T/p.csv"
    assert_failure 2
    assert_output --partial "'abc' is neither"
}

@test "issue 23: command-line values of pseudonymise, partition, derive and classify-condition are described, not echoed" {
    printf 'bsn,birth_date,sex\n827756926,1950-04-02,F\n' > "$T/p.csv"
    printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f > "$T/key"
    chmod 600 "$T/key"
    # each: the command, then what the message must say instead of the value
    local -a cases=(
        "pseudonymise --key-file $T/key --bsn bsn --coarsen 123456782|--coarsen expects COL=year or COL=pc4, got a value of 9 digits (not shown)"
        "pseudonymise --key-file $T/key --bsn bsn --coarsen birth_date=123456782|--coarsen: unknown method a value of 9 digits (not shown)"
        "pseudonymise --key-file $T/key --bsn bsn --rename 123456782|--rename expects COL=NEW, got a value of 9 digits (not shown)"
        "partition -k bsn --out $T/parts -n 123456782|-n expects a number of parts from 1 to 4096, got a value of 9 digits (not shown)"
        "partition -k bsn -n 2 --out $T/parts --empty-key 123456782|--empty-key expects part0, reject or drop, got a value of 9 digits (not shown)"
        "partition -k bsn -n 2 --out $T/parts --prefix 1234/56782|--prefix: a value of 10 characters (not shown) is not a file name prefix"
        "derive --band b=birth_date:123456782x|--band b: a value of 10 characters (not shown) is not a band specification"
        "derive --band b=birth_date:123456782,x|--band b: a value of 11 characters (not shown) is not a band specification"
        "derive --band b=birth_date:1y:123456782|--band b: the open top band (a value of 9 digits (not shown)) must start"
        "derive --age a=birth_date:123456782|--age a: the reference a value of 9 digits (not shown) is neither an ISO date"
        "classify-condition --prevalence --year 123456782|--year: a value of 9 digits (not shown) is not a year"
        "classify-condition --prevalence --year 2023 --reference-date 123456782|--reference-date: a value of 9 digits (not shown) is not a date"
    )
    local entry command expected
    for entry in "${cases[@]}"; do
        command=${entry%%|*}
        expected=${entry#*|}
        run koppel $command "$T/p.csv"
        assert_equal "$command: $status" "$command: 2"
        refute_output --partial 123456782
        refute_output --partial 56782
        assert_output --partial "$expected"
    done
    # A value that cannot be an identifier is still shown, to help.
    run koppel pseudonymise --key-file "$T/key" --bsn bsn --coarsen birth_date=month "$T/p.csv"
    assert_output --partial "unknown method 'month'"
    run koppel partition -k bsn -n 2 --out "$T/parts" --empty-key skip "$T/p.csv"
    assert_output --partial "got 'skip'"
    run koppel derive --band b=birth_date:5y:87 "$T/p.csv"
    assert_output --partial "the open top band ('87') must start at a multiple of the band width ('5')"
}
