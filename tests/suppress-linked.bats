#!/usr/bin/env bats
# suppress-linked.bats: koppel suppress --linked (several tables of one population, stacked,
# protected and audited as one union) and --depends (derived columns that also depend on a
# second cell). Expected patterns come from tests/fixtures/suppress/attacker.py --linked, an
# independent exact-arithmetic attacker that builds the union's cells and margins on its own,
# or are worked out by hand in the comments; never from koppel's own output.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    load 'test_helper/suppress'
    _common_setup
    S="$FIXTURES/suppress"
    T="$BATS_TEST_TMPDIR"
}

# mark_primary IN OUT: IN with a status column in which the threshold rule (count < 10) and
# any u already there mark the primary cells, for attacker.py minimal (which has no rules).
mark_primary() {
    awk -F, -v OFS=, '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
                  if (!("status" in col)) { col["status"] = NF + 1; $0 = $0 ",status" }
                  print; next }
        { if (NF < col["status"]) $0 = $0 ","
          if ($col["status"] == "" || $col["status"] == "s") $col["status"] = ($col["count"] < 10 ? "u" : "s")
          print }' "$1" > "$2"
}

# linked_attacker_passes OUT ORIGINAL DIMS [OPTIONS...]: attacker.py finds every primary cell
# of OUT protected in the union of the stacked tables.
linked_attacker_passes() {
    local out=$1 original=$2 dims=$3
    shift 3
    run python3 "$S/attacker.py" audit "$out" --original "$original" --dims "$dims" --linked "$@"
    assert_success
}

# linked_audit_passes OUT ORIGINAL DIMS [OPTIONS...]: so does koppel's own audit.
linked_audit_passes() {
    local out=$1 original=$2 dims=$3
    shift 3
    run koppel suppress --audit --linked --dims "$dims" --original "$original" "$@" "$out"
    assert_success
}

@test "--linked: tables by district and by ses of one population; the small district is protected" {
    # One population of 200: district A has 6 (< 10). Stacked, the tables share only the
    # all-Total cell, so A needs one more district to hide behind: the least is B (40).
    # Without --linked the stack is one 2-D table whose district x ses cells have no record.
    run koppel suppress --dims district,ses "$S/linked-district-ses.csv"
    assert_failure 1
    koppel suppress --linked --dims district,ses --stats "$T/s.json" "$S/linked-district-ses.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" district,ses
    assert_output "$(printf 'A,Total:u\nB,Total:x')"
    # The same single partner from the independent brute force over the union.
    mark_primary "$S/linked-district-ses.csv" "$T/marked.csv"
    run python3 "$S/attacker.py" minimal "$T/marked.csv" --dims district,ses --linked --max 2
    assert_success
    assert_output "B,Total"
    # Every record once, in input order, nothing added for the combinations that are no cell.
    run cut -d, -f1,2 "$T/out.csv"
    assert_output "$(cut -d, -f1,2 "$S/linked-district-ses.csv")"
    # 8 cells: the 5 of the district table and the 3 ses groups; none of the 12 district x
    # ses combinations, which no table has.
    [ "$(stats_field "$T/s.json" cells)" = 8 ]
    [ "$(stats_field "$T/s.json" secondary)" = 1 ]
    assert_counts_balance "$T/s.json"
    linked_attacker_passes "$T/out.csv" "$S/linked-district-ses.csv" district,ses
    linked_audit_passes "$T/out.csv" "$S/linked-district-ses.csv" district,ses
    # Both audits give the same interval for each suppressed cell: A + B = 200 - 70 - 84 = 46.
    run --separate-stderr koppel suppress --audit --linked --dims district,ses \
        --original "$S/linked-district-ses.csv" "$T/out.csv"
    assert_success
    awk -F, 'NR>1 {print $1","$2";"$5";"$6}' <<< "$output" > "$T/ours.txt"
    run --separate-stderr python3 "$S/attacker.py" audit "$T/out.csv" --original "$S/linked-district-ses.csv" \
        --dims district,ses --linked
    assert_success
    assert_line "A,Total;0;46;yes"
    assert_line "B,Total;0;46;"
    cut -d';' -f1-3 <<< "$output" > "$T/theirs.txt"
    run diff "$T/ours.txt" "$T/theirs.txt"
    assert_success
}

@test "--linked: region x sex and region x age protected separately leak a primary cell; together they do not" {
    # A,F = 40 is marked u (a dominance rule, say) and must be able to reach 28..52. A,M = 10
    # can fall by 10 only, so in region x sex alone every protecting pattern suppresses the
    # margin A,Total (= 50). Region x age alone has no primary cell and publishes A,Total.
    # Stacked, A,F = A,Total - A,M = 50 - 10 = 40 exactly.
    awk -F, 'NR==1 || $3=="Total"' "$S/linked-region-sex-age.csv" | cut -d, -f1,2,4,5 > "$T/sex.csv"
    awk -F, 'NR==1 || $2=="Total"' "$S/linked-region-sex-age.csv" | cut -d, -f1,3,4,5 > "$T/age.csv"
    koppel suppress --dims region,sex "$T/sex.csv" > "$T/sex-out.csv"
    koppel suppress --dims region,age "$T/age.csv" > "$T/age-out.csv"
    # The two publications stacked: a cell that either publishes is known to the reader.
    python3 - "$T/sex-out.csv" "$T/age-out.csv" "$T/separate.csv" <<'PY'
import csv, sys
cells, order = {}, []
for path, dim in ((sys.argv[1], "sex"), (sys.argv[2], "age")):
    for r in csv.DictReader(open(path)):
        key = (r["region"], r["sex"] if dim == "sex" else "Total", r["age"] if dim == "age" else "Total")
        if key not in cells:
            order.append(key)
            cells[key] = (r["count"], r["status"])
        elif r["status"] == "s":
            cells[key] = (r["count"], r["status"])
with open(sys.argv[3], "w") as f:
    f.write("region,sex,age,count,status\n")
    for key in order:
        f.write(",".join(key + cells[key]) + "\n")
PY
    run grep -c '' "$T/separate.csv"
    assert_output 26    # the 25 cells of the stack and the header
    run python3 "$S/attacker.py" audit "$T/separate.csv" --original "$S/linked-region-sex-age.csv" \
        --dims region,sex,age --linked
    assert_failure 1
    assert_line "A,F,Total;40;40;no"
    cut -d';' -f1-3 <<< "$output" > "$T/theirs.txt"
    # koppel's audit of the union finds it too, with the same interval for every suppressed cell.
    run --separate-stderr koppel suppress --audit --linked --dims region,sex,age \
        --original "$S/linked-region-sex-age.csv" "$T/separate.csv"
    assert_failure 1
    assert_line "A,F,Total,u,40,40,40,28,52,no"
    awk -F, 'NR>1 {print $1","$2","$3";"$6";"$7}' <<< "$output" > "$T/ours.txt"
    run diff "$T/ours.txt" "$T/theirs.txt"
    assert_success
    # Protected as one union: A,Total is suppressed, and then so is one of A's age cells
    # (else A,Total = A,young + A,old), and the pattern holds against the attacker.
    koppel suppress --linked --dims region,sex,age --stats "$T/s.json" "$S/linked-region-sex-age.csv" > "$T/out.csv"
    run grep '^A,Total,Total,' "$T/out.csv"
    assert_output --regexp '^A,Total,Total,,[ux]$'
    run grep -c '^A,Total,\(young\|old\),,[ux]$' "$T/out.csv"
    assert_output --regexp '^[12]$'
    assert_counts_balance "$T/s.json"
    linked_attacker_passes "$T/out.csv" "$S/linked-region-sex-age.csv" region,sex,age
    linked_audit_passes "$T/out.csv" "$S/linked-region-sex-age.csv" region,sex,age
    for method in optimal heuristic; do
        koppel suppress --linked --dims region,sex,age --method $method "$S/linked-region-sex-age.csv" > "$T/$method.csv"
        linked_attacker_passes "$T/$method.csv" "$S/linked-region-sex-age.csv" region,sex,age
    done
}

@test "--linked --method optimal: as few secondary cells as attacker.py's brute force on a tiny stack" {
    # Two regions: A,F = 40 (u) again needs A,Total, hence B,Total (column Total) and B,F
    # (column F); in the age table A,Total needs a partner in row A and B,Total one in row B,
    # in the same column: 5 cells. The brute force over all sets of up to 5 cells finds four
    # patterns of 5; the least total (190) is unique, so the cost rule (fewest cells, then the
    # least total) picks exactly this one.
    run python3 "$S/attacker.py" minimal "$S/linked-tiny.csv" --dims region,sex,age --linked --max 5
    assert_success
    expected=$output
    [ "$(wc -l <<< "$expected")" = 5 ]
    koppel suppress --linked --dims region,sex,age --method optimal --stats "$T/s.json" "$S/linked-tiny.csv" > "$T/out.csv"
    [ "$(stats_field "$T/s.json" secondary)" = 5 ]
    [ "$(stats_field "$T/s.json" secondary)" = "$(grep -c ',x$' "$T/out.csv")" ]
    run bash -c "grep ',x$' '$T/out.csv' | cut -d, -f1-3 | LC_ALL=C sort"
    assert_output "$expected"
    linked_attacker_passes "$T/out.csv" "$S/linked-tiny.csv" region,sex,age
}

@test "--linked: a district table that leaves a district out leaks it through the population table" {
    # The ses table covers all 300 persons; the district table leaves out E (7 persons), so
    # its total is 293. Each alone has no cell below 10 and is published in full...
    awk -F, 'NR==1 || ($2=="Total" && $1!="E" && $1!="Total")' "$S/linked-omitted-district.csv" > "$T/districts.csv"
    echo "Total,Total,293" >> "$T/districts.csv"
    awk -F, 'NR==1 || $1=="Total"' "$S/linked-omitted-district.csv" > "$T/ses.csv"
    koppel suppress --dims district --stats "$T/d.json" <(cut -d, -f1,3 "$T/districts.csv") > /dev/null
    koppel suppress --dims ses --stats "$T/s.json" <(cut -d, -f2,3 "$T/ses.csv") > /dev/null
    [ "$(stats_field "$T/d.json" primary)" = 0 ]
    [ "$(stats_field "$T/s.json" primary)" = 0 ]
    # ...but in the union E is the population minus the published districts: 300-293 = 7.
    awk -F, -v OFS=, 'NR==1 {print $0,"status"; next} $1=="E" {print $1,$2,"","u"; next} {print $0,"s"}' \
        "$S/linked-omitted-district.csv" > "$T/separate.csv"
    run python3 "$S/attacker.py" audit "$T/separate.csv" --original "$S/linked-omitted-district.csv" \
        --dims district,ses --linked
    assert_failure 1
    assert_line "E,Total;7;7;no"
    # Stacked with E as a row, --linked protects E with the least district that can (A, 60).
    koppel suppress --linked --dims district,ses "$S/linked-omitted-district.csv" > "$T/out.csv"
    mark_primary "$S/linked-omitted-district.csv" "$T/marked.csv"
    run python3 "$S/attacker.py" minimal "$T/marked.csv" --dims district,ses --linked --max 2
    assert_output "A,Total"
    run suppressed "$T/out.csv" district,ses
    assert_output "$(printf 'A,Total:x\nE,Total:u')"
    linked_attacker_passes "$T/out.csv" "$S/linked-omitted-district.csv" district,ses
    linked_audit_passes "$T/out.csv" "$S/linked-omitted-district.csv" district,ses
}

@test "--linked --fill-zeros: a combination inside a table's grid without a record" {
    # C has no men: C,M,Total has no record. It is inside the region x sex grid, so without
    # --fill-zeros it is an error; attacker.py says the same.
    run koppel suppress --linked --dims region,sex,age "$S/linked-sparse.csv"
    assert_failure 1
    assert_output --partial "linked-sparse.csv: the cell region=C,sex=M,age=Total has no record (1 of 25 cells are missing)"
    run python3 "$S/attacker.py" audit "$S/linked-sparse.csv" --dims region,sex,age --linked
    assert_failure 1
    assert_output --partial "the cell region=C,sex=M,age=Total has no record"
    # With it the cell is a published zero: no record is added, and A,F = 3 is protected.
    koppel suppress --linked --fill-zeros --dims region,sex,age --stats "$T/s.json" "$S/linked-sparse.csv" > "$T/out.csv"
    [ "$(grep -c '' "$T/out.csv")" = "$(grep -c '' "$S/linked-sparse.csv")" ]
    run grep -c '^C,M,' "$T/out.csv"
    assert_output 0
    run grep '^A,F,Total,' "$T/out.csv"
    assert_output "A,F,Total,,u"
    [ "$(stats_field "$T/s.json" cells)" = 25 ]
    [ "$(stats_field "$T/s.json" cells_without_record)" = 1 ]
    assert_counts_balance "$T/s.json"
    linked_attacker_passes "$T/out.csv" "$S/linked-sparse.csv" region,sex,age --fill-zeros
    linked_audit_passes "$T/out.csv" "$S/linked-sparse.csv" region,sex,age --fill-zeros
}

@test "--linked: two records for one cell, and a margin that is not the sum of its parts" {
    { cat "$S/linked-tiny.csv"; echo "B,F,Total,30,"; } > "$T/dup.csv"
    run koppel suppress --linked --dims region,sex,age "$T/dup.csv"
    assert_failure 1
    assert_output --partial "dup.csv:17: the same cell as line 7"
    run python3 "$S/attacker.py" audit "$T/dup.csv" --dims region,sex,age --linked
    assert_failure 1
    # Total,Total,young is in the age table only: its parts are the regions' young cells.
    sed 's/^B,Total,young,25,/B,Total,young,26,/' "$S/linked-tiny.csv" > "$T/sum.csv"
    run koppel suppress --linked --dims region,sex,age "$T/sum.csv"
    assert_failure 1
    assert_output --partial "sum.csv:15: column 'count': the margin 45 is not the sum of its 2 parts along 'region' (46)"
    run python3 "$S/attacker.py" audit "$T/sum.csv" --dims region,sex,age --linked
    assert_failure 1
    assert_output --partial "the margin Total,Total,young (45) is not the sum of its parts (46)"
}

@test "--depends: a change against a reference year and a share of the total are blanked with either cell" {
    # 2019: yes = 4 (< 10) is primary; its partner is the least other 2019 cell, unknown (12
    # < no 50 < Total 66). change_pp (2023 minus 2019, in percentage points) of 2023,yes and
    # 2023,unknown would give away 2019's share and so its count: blanked; 2023,no and
    # 2023,Total have both cells published. contact_pct needs the year's Total too.
    koppel suppress --dims contact --by year --depends change_pp=year:2019 --depends contact_pct=contact:Total \
        "$S/linked-depends.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" year,contact
    assert_output "$(printf '2019,yes:u\n2019,unknown:x')"
    run cat "$T/out.csv"
    assert_output "$(printf '%s\n' \
        year,contact,count,contact_pct,change_pp,status \
        2019,yes,,,,u \
        2019,no,50,75.8,,s \
        2019,unknown,,,,x \
        2019,Total,66,100.0,,s \
        2023,yes,20,21.1,,s \
        2023,no,60,63.2,-12.6,s \
        2023,unknown,15,15.8,,s \
        2023,Total,95,100.0,0.0,s)"
    # The rule itself, whatever the pattern: blank exactly where the cell or the other is.
    python3 - "$S/linked-depends.csv" "$T/out.csv" <<'PY'
import csv, sys
original = {(r["year"], r["contact"]): r for r in csv.DictReader(open(sys.argv[1]))}
out = {(r["year"], r["contact"]): r for r in csv.DictReader(open(sys.argv[2]))}
hidden = lambda key: out[key]["status"] in ("u", "x")
for (year, contact), r in out.items():
    for column, other in (("contact_pct", (year, "Total")), ("change_pp", ("2019", contact))):
        want = "" if hidden((year, contact)) or hidden(other) else original[year, contact][column]
        assert r[column] == want, (year, contact, column, r[column], want)
PY
    run koppel suppress --audit --dims contact --by year --depends change_pp=year:2019 \
        --depends contact_pct=contact:Total --original "$S/linked-depends.csv" "$T/out.csv"
    assert_success
    # A hand-edited output that re-fills 2023,yes's change_pp (line 6): the audit names it.
    sed 's/^2023,yes,20,21.1,,s$/2023,yes,20,21.1,15.0,s/' "$T/out.csv" > "$T/edited.csv"
    run ! cmp -s "$T/out.csv" "$T/edited.csv"
    run koppel suppress --audit --dims contact --by year --depends change_pp=year:2019 \
        --depends contact_pct=contact:Total --original "$S/linked-depends.csv" "$T/edited.csv"
    assert_failure 1
    assert_output --partial "edited.csv:6: column 'change_pp' is published, but it is computed with a suppressed cell"
}

@test "--depends: a published cell whose other cell is suppressed loses its derived columns" {
    # 2019,no and 2019,unknown forced published (z): yes is protected by the 2019 Total
    # instead (yes = Total - 50 - 12 for an unknown Total). Their counts stay, but their
    # shares of the Total would give the Total away (50 / 0.758), so contact_pct goes; so
    # does 2023,Total's change_pp, against the suppressed 2019 Total.
    awk -F, -v OFS=, 'NR==1 {print $0,"status"; next}
        {print $0, ($1=="2019" && ($2=="no" || $2=="unknown") ? "z" : "")}' "$S/linked-depends.csv" > "$T/forced.csv"
    koppel suppress --dims contact --by year --depends change_pp=year:2019 --depends contact_pct=contact:Total \
        "$T/forced.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" year,contact
    assert_output "$(printf '2019,yes:u\n2019,Total:x')"
    run grep '^2019,' "$T/out.csv"
    assert_output "$(printf '%s\n' 2019,yes,,,,u 2019,no,50,,,s 2019,unknown,12,,,s 2019,Total,,,,x)"
    run grep '^2023,Total,' "$T/out.csv"
    assert_output "2023,Total,95,100.0,,s"
    run grep '^2023,yes,' "$T/out.csv"
    assert_output "2023,yes,20,21.1,,s"
    run koppel suppress --audit --dims contact --by year --depends change_pp=year:2019 \
        --depends contact_pct=contact:Total --original "$T/forced.csv" "$T/out.csv"
    assert_success
    # 2019,no's share put back (line 3): 50 / 75.8% gives the Total away, and with it yes.
    sed 's/^2019,no,50,,,s$/2019,no,50,75.8,,s/' "$T/out.csv" > "$T/edited.csv"
    run ! cmp -s "$T/out.csv" "$T/edited.csv"
    run koppel suppress --audit --dims contact --by year --depends change_pp=year:2019 \
        --depends contact_pct=contact:Total --original "$T/forced.csv" "$T/edited.csv"
    assert_failure 1
    assert_output --partial "edited.csv:3: column 'contact_pct' is published, but it is computed with a suppressed cell"
}

@test "--depends with two references: a change of shares also needs the first year's total" {
    # As above, 2019,no and 2019,unknown forced published, 2019,yes (4) primary and the 2019
    # Total secondary. 2023,no's change_pp (-12.6) is its share (63.2) minus 2019's share of no:
    # 63.2 + 12.6 = 75.8% = 50 / Total gives Total = 66 and yes = 66 - 50 - 12 = 4, the primary
    # cell. change=year:2019 alone does not see it (2019,no is published); change=year:2019,
    # contact:Total names the first year's total as well, and blanks it.
    awk -F, -v OFS=, 'NR==1 {print $0,"status"; next}
        {print $0, ($1=="2019" && ($2=="no" || $2=="unknown") ? "z" : "")}' "$S/linked-depends.csv" > "$T/forced.csv"
    koppel suppress --dims contact --by year --depends change_pp=year:2019 --depends contact_pct=contact:Total \
        "$T/forced.csv" > "$T/one.csv"
    run grep '^2023,no,' "$T/one.csv"
    assert_output "2023,no,60,63.2,-12.6,s"
    koppel suppress --dims contact --by year --depends change_pp=year:2019 \
        --depends change_pp=year:2019,contact:Total --depends contact_pct=contact:Total "$T/forced.csv" > "$T/two.csv"
    run grep '^2023,' "$T/two.csv"
    assert_output "$(printf '%s\n' 2023,yes,20,21.1,,s 2023,no,60,63.2,,s 2023,unknown,15,15.8,,s 2023,Total,95,100.0,,s)"
    # the audit with both references finds the leak in the first output, and passes the second
    run --separate-stderr koppel suppress --audit --dims contact --by year --depends change_pp=year:2019 \
        --depends change_pp=year:2019,contact:Total --depends contact_pct=contact:Total \
        --original "$T/forced.csv" "$T/one.csv"
    assert_failure 1
    assert_equal "$stderr" "koppel-suppress: $T/one.csv:7: column 'change_pp' is published, but it is computed with a suppressed cell (this one, or its reference in 'year'): it reopens that cell
koppel-suppress: $T/one.csv: 2 published values are computed with suppressed cells"
    run koppel suppress --audit --dims contact --by year --depends change_pp=year:2019 \
        --depends change_pp=year:2019,contact:Total --depends contact_pct=contact:Total \
        --original "$T/forced.csv" "$T/two.csv"
    assert_success
}

@test "--depends: usage errors" {
    run koppel suppress --dims contact --by year --depends change_pp=month:2019 "$S/linked-depends.csv"
    assert_failure 2
    assert_output --partial "--depends: 'month' is not one of the --dims or --by columns"
    run koppel suppress --dims contact --by year --depends nosuch=year:2019 "$S/linked-depends.csv"
    assert_failure 2
    assert_output --partial "--depends: column 'nosuch' not found in"
    run koppel suppress --dims contact --by year --depends change_pp "$S/linked-depends.csv"
    assert_failure 2
    assert_output --partial "--depends expects COL[,COL...]=DIM:CODE"
}

@test "--linked: random stacks of linked tables of one population, each audited by attacker.py" {
    # Each stack: one random population over region, sex, age and education, published as a
    # random set of tables (two 2-D tables sharing a margin, three 2-D tables of a cube, a
    # 3-D table with a 2-D one, tables sharing only the grand total, a chain, 1-D tables),
    # most table cells below 10 and some zero. Every third stack leaves out its zero cells and
    # is read with --fill-zeros. Every primary cell must hold in the union.
    python3 - 9 5 "$T" "$S/attacker.py" <<'PY'
import csv, itertools, os, random, subprocess, sys
count, seed, work, attacker = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rng = random.Random(seed)
dims = ["region", "sex", "age", "edu"]
shapes = [[{0, 1}, {0, 2}], [{0, 1}, {0, 2}, {1, 2}], [{0, 1, 2}, {0, 3}], [{0, 1}, {2, 3}],
          [{0, 1}, {1, 2}, {2, 3}], [{0}, {1}, {3}], [{0, 2}, {0, 3}, {1}]]
failed, suppressed = [], 0
for t in range(count):
    tables = shapes[t % len(shapes)]
    used = sorted(set().union(*tables))
    codes = [["%s%d" % (dims[d][0], k) for k in range(rng.randint(2, 3))] if d in used else ["Total"]
             for d in range(len(dims))]
    inner = {key: rng.choice([0, 0, rng.randint(1, 4), rng.randint(1, 8), rng.randint(5, 30)]) for key in itertools.product(*codes)}
    cells = set()
    for table in tables:
        choices = [codes[d] + ["Total"] if d in table else ["Total"] for d in range(len(dims))]
        cells.update(itertools.product(*choices))
    value = {cell: sum(v for key, v in inner.items() if all(c in ("Total", k) for c, k in zip(cell, key)))
             for cell in cells}
    fill = ["--fill-zeros"] if t % 3 == 2 else []
    cells = sorted(cell for cell in cells if value[cell] or not fill)
    rng.shuffle(cells)
    path = os.path.join(work, "stack%d.csv" % t)
    out = os.path.join(work, "stack%d-out.csv" % t)
    with open(path, "w") as f:
        f.write(",".join(dims) + ",count\n")
        for cell in cells:
            f.write(",".join(cell) + ",%d\n" % value[cell])
    method = ["optimal", "heuristic"][t % 2]
    with open(out, "w") as f:
        run = subprocess.run(["koppel", "suppress", "--linked", "--dims", ",".join(dims), "--method", method] + fill + [path],
                             stdout=f, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        failed.append("stack%d (%s): koppel status %d: %s" % (t, method, run.returncode, run.stderr.strip()))
        continue
    rows = list(csv.DictReader(open(out)))
    assert [tuple(r[d] for d in dims) for r in rows] == cells, "stack%d: not every record once, in order" % t
    suppressed += sum(r["status"] in ("u", "x") for r in rows)
    audit = subprocess.run(["python3", attacker, "audit", out, "--original", path, "--dims", ",".join(dims), "--linked"] + fill,
                           capture_output=True, text=True)
    if audit.returncode != 0:
        failed.append("stack%d (%s): attacker.py: %s %s" % (t, method, audit.stdout.strip().replace("\n", " | "),
                                                             audit.stderr.strip()))
print("%d stacks, %d suppressed cells, %d failed" % (count, suppressed, len(failed)))
for line in failed:
    print(line)
sys.exit(1 if failed else 0)
PY
}

@test "--linked on one complete table changes nothing" {
    # A single table with all its margins is its own union: same cells, same margins.
    koppel suppress --dims region,sex "$S/region_sex.csv" > "$T/plain.csv"
    koppel suppress --linked --dims region,sex "$S/region_sex.csv" > "$T/linked.csv"
    run diff "$T/plain.csv" "$T/linked.csv"
    assert_success
    linked_attacker_passes "$T/linked.csv" "$S/region_sex.csv" region,sex
}

@test "--linked --by year: each year is its own stack; a shared total can protect both tables" {
    # 2019 as in the first test. 2023: district D (5) and ses high (5) are primary, one in
    # each table; the grand total alone hides both (D and high each lie in [0, inf) once it
    # is unknown), and no single other cell does: one secondary cell, by the brute force.
    koppel suppress --linked --dims district,ses --by year --stats "$T/s.json" "$S/linked-years.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" year,district,ses
    assert_output "$(printf '2019,A,Total:u\n2019,B,Total:x\n2023,D,Total:u\n2023,Total,Total:x\n2023,Total,high:u')"
    [ "$(stats_field "$T/s.json" secondary)" = 2 ]
    for year in 2019 2023; do
        awk -F, -v y=$year 'NR==1 || $1==y' "$S/linked-years.csv" | cut -d, -f2- > "$T/in$year.csv"
        awk -F, -v y=$year 'NR==1 || $1==y' "$T/out.csv" | cut -d, -f2- > "$T/out$year.csv"
        linked_attacker_passes "$T/out$year.csv" "$T/in$year.csv" district,ses
    done
    mark_primary "$T/in2023.csv" "$T/marked.csv"
    run python3 "$S/attacker.py" minimal "$T/marked.csv" --dims district,ses --linked --max 1
    assert_output "Total,Total"
    linked_audit_passes "$T/out.csv" "$S/linked-years.csv" district,ses --by year
}

@test "--linked --hierarchy: area (buurt in wijk in gemeente) x sex stacked with area x age" {
    # areas.csv by sex, and the same areas by age band; BU03630101,F (4), and the young of
    # BU03630101 (6), WK038401 (3) and so GM0384 (3) are primary.
    for method in optimal heuristic; do
        koppel suppress --linked --dims area,sex,age --hierarchy area --method $method \
            "$S/linked-areas.csv" > "$T/$method.csv"
        run suppressed "$T/$method.csv" area,sex,age
        assert_line "BU03630101,F,Total:u"
        assert_line "BU03630101,Total,young:u"
        assert_line "WK038401,Total,young:u"
        assert_line "GM0384,Total,young:u"
        linked_attacker_passes "$T/$method.csv" "$S/linked-areas.csv" area,sex,age --hierarchy area
        linked_audit_passes "$T/$method.csv" "$S/linked-areas.csv" area,sex,age --hierarchy area
    done
}
