#!/usr/bin/env bats
# suppress.bats: primary rules, secondary suppression (optimal and heuristic), the audit,
# options, bad input and counts of koppel suppress. Every suppressed table a test writes is
# checked with --audit; several also with tests/fixtures/suppress/attacker.py, an independent
# exact-arithmetic implementation of the attacker's LP.
bats_require_minimum_version 1.5.0

setup() {
    load 'test_helper/common-setup'
    load 'test_helper/suppress'
    _common_setup
    S="$FIXTURES/suppress"
    T="$BATS_TEST_TMPDIR"
}

# audit_passes OUT ORIGINAL OPTIONS...: koppel's own audit accepts the pattern of OUT.
audit_passes() {
    local out=$1 original=$2
    shift 2
    run koppel suppress --audit --original "$original" "$@" "$out"
    assert_success
}

# python_audit_passes OUT ORIGINAL OPTIONS...: so does the independent implementation.
python_audit_passes() {
    local out=$1 original=$2
    shift 2
    run python3 "$S/attacker.py" audit "$out" --original "$original" "$@"
    assert_success
}

@test "usage example: region x sex, one small cell forces exactly three complementary cells" {
    # The structure of sdcTable's tests/testthat/test-protectTable.r (regions A-D x gender
    # with totals, one cell of region A primary: OPT, HYPERCUBE and HITAS all suppress the
    # other gender of A and both genders of one other region, 3 secondary cells). Here A,F=3
    # is below the threshold. By hand: a rectangle (A, r) x (F, M) is needed; the cheapest
    # other region r by value is B (15+18=33 < D 52 < C 55), so B,M and B,F and A,M.
    koppel suppress --dims region,sex --stats "$T/s.json" "$S/region_sex.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" region,sex
    assert_output "$(printf 'A,M:x\nA,F:u\nB,M:x\nB,F:x')"
    # The same pattern from the independent brute force over all sets of up to 3 cells.
    python3 - "$S/region_sex.csv" "$T/marked.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w") as f:
    f.write("region,sex,count,status\n")
    for r in rows:
        f.write("%s,%s,%s,%s\n" % (r["region"], r["sex"], r["count"], "u" if int(r["count"]) < 10 else "s"))
PY
    run python3 "$S/attacker.py" minimal "$T/marked.csv" --dims region,sex --max 3
    assert_output "$(printf 'A,M\nB,F\nB,M')"
    [ "$(stats_field "$T/s.json" primary)" = 1 ]
    [ "$(stats_field "$T/s.json" secondary)" = 3 ]
    [ "$(stats_field "$T/s.json" suppressed_count)" = 56 ]   # 20 + 3 + 15 + 18
    [ "$(stats_field "$T/s.json" method)" = optimal ]
    [ "$(stats_field "$T/s.json" proven_optimal)" = 1 ]
    assert_counts_balance "$T/s.json"
    # Every record in input order, values of suppressed cells blanked.
    run cut -d, -f1,2 "$T/out.csv"
    assert_output "$(cut -d, -f1,2 "$S/region_sex.csv")"
    run grep -c ',,[ux]$' "$T/out.csv"
    assert_output 4
    audit_passes "$T/out.csv" "$S/region_sex.csv" --dims region,sex
    python_audit_passes "$T/out.csv" "$S/region_sex.csv" --dims region,sex
}

@test "usage example: aggregate --totals into suppress --fill-zeros" {
    # Persons: wijk A 12 F and 15 M, B 30 M and no F, C 4 F and 22 M: the table of
    # sparse.csv, whose pattern is worked out in the --fill-zeros test below.
    { echo "pseudonym,wijk,sex"
      for i in $(seq 12); do echo "pa$i,A,F"; done
      for i in $(seq 15); do echo "pb$i,A,M"; done
      for i in $(seq 30); do echo "pc$i,B,M"; done
      for i in $(seq 4); do echo "pd$i,C,F"; done
      for i in $(seq 22); do echo "pe$i,C,M"; done; } > "$T/persons.csv"
    (set -o pipefail; koppel aggregate -g wijk,sex --totals "$T/persons.csv" |
        koppel suppress --dims wijk,sex --fill-zeros --stats "$T/s.json" -o "$T/published.csv")
    run suppressed "$T/published.csv" wijk,sex
    assert_output "$(printf 'A,F:x\nA,M:x\nC,F:u\nC,M:x')"
    assert_counts_balance "$T/s.json"
    audit_passes "$T/published.csv" "$S/sparse.csv" --dims wijk,sex --fill-zeros
}

@test "the 4x4 trap of sdcTable's test-simpleheuristic.R: two per row and column is not enough" {
    # Nine cells u, at least two in every row and column, yet w|b is fixed: rows w+x give
    # (230-89)+(250-124-31) = 236 for w_a+w_b+w_c+x_a+x_c, columns a+c give
    # (1012-92-800)+(779-59-651) = 189 for w_a+x_a+w_c+x_c, so w_b = 236-189 = 47.
    run koppel suppress --audit --dims v1,v2 --count freq --total tot "$S/trap.csv"
    assert_failure 1
    assert_line "w,b,u,47,47,47,32.9,61.1,no"
    assert_output --partial "primary cells are not protected"
    # The independent LP agrees: w,b is pinned to 47.
    run python3 "$S/attacker.py" audit "$S/trap.csv" --dims v1,v2 --count freq --total tot
    assert_failure 1
    assert_line "w,b;47;47;no"
    # sdcTable's expectation once x|b is suppressed as well: w|b lies in [0, 141].
    sed 's/^x,b,124,s$/x,b,124,x/' "$S/trap.csv" > "$T/fixed.csv"
    # (other primary cells are still not protected: both audits end with status 1)
    run --separate-stderr koppel suppress --audit --dims v1,v2 --count freq --total tot "$T/fixed.csv"
    assert_failure 1
    assert_line --partial "w,b,u,47,0,141,"
    awk -F, 'NR>1 {print $1","$2";"$5";"$6}' <<< "$output" > "$T/ours.txt"
    run --separate-stderr python3 "$S/attacker.py" audit "$T/fixed.csv" --dims v1,v2 --count freq --total tot
    assert_failure 1
    assert_line "w,b;0;141;yes"
    cut -d';' -f1-3 <<< "$output" > "$T/theirs.txt"
    # Both implementations give the same interval for every suppressed cell.
    run diff "$T/ours.txt" "$T/theirs.txt"
    assert_success
}

@test "the trap is fixed: with protection of one unit a single extra cell suffices" {
    # With --protection 0 each u cell needs one unit either way: only w|b fails, so one more
    # cell is the minimum; the least-valued one that works comes from the brute force.
    koppel suppress --dims v1,v2 --count freq --total tot --threshold 0 --protection 0 \
        --stats "$T/s.json" "$S/trap.csv" > "$T/out.csv"
    [ "$(stats_field "$T/s.json" secondary)" = 1 ]
    expected=$(python3 "$S/attacker.py" minimal "$S/trap.csv" --dims v1,v2 --count freq --total tot \
        --protection 0 --max 1)
    run bash -c "grep ',x$' '$T/out.csv' | cut -d, -f1,2"
    assert_output "$expected"
    audit_passes "$T/out.csv" "$S/trap.csv" --dims v1,v2 --count freq --total tot --protection 0
    python_audit_passes "$T/out.csv" "$S/trap.csv" --dims v1,v2 --count freq --total tot --protection 0
}

@test "the trap with 30% protection: optimal and heuristic patterns both pass both audits" {
    for method in optimal heuristic; do
        koppel suppress --dims v1,v2 --count freq --total tot --threshold 0 --method $method \
            --stats "$T/$method.json" "$S/trap.csv" > "$T/$method.csv"
        audit_passes "$T/$method.csv" "$S/trap.csv" --dims v1,v2 --count freq --total tot
        python_audit_passes "$T/$method.csv" "$S/trap.csv" --dims v1,v2 --count freq --total tot
        [ "$(stats_field "$T/$method.json" method)" = $method ]
    done
    # The optimal method never suppresses more than the heuristic.
    [ "$(stats_field "$T/optimal.json" secondary)" -le "$(stats_field "$T/heuristic.json" secondary)" ]
    [ "$(stats_field "$T/optimal.json" proven_optimal)" = 1 ]
}

@test "1-dimensional table: one partner, the smallest that can absorb the change" {
    # 65-74 has 4 (< 10): it needs one more suppressed cell that can fall by one unit; the
    # least valued is 75+ (18).
    koppel suppress --dims age_band "$S/oned.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" age_band
    assert_output "$(printf '65-74:u\n75+:x')"
    audit_passes "$T/out.csv" "$S/oned.csv" --dims age_band
}

@test "3-dimensional table: a single small cell needs a 2x2x2 cube, seven cells" {
    # Every line through a suppressed cell needs a second one, so at least 2^3 = 8 cells
    # (each sex slice a rectangle, both slices alike: a cube). a2 < a3 < Total, b2 < Total
    # and M < Total cell by cell, so the cheapest cube is {a1,a2} x {b1,b2} x {M,F}.
    koppel suppress --dims a,b,sex --stats "$T/s.json" "$S/three.csv" > "$T/out.csv"
    [ "$(stats_field "$T/s.json" secondary)" = 7 ]
    run suppressed "$T/out.csv" a,b,sex
    assert_output "$(printf 'a1,b1,M:x\na1,b1,F:u\na1,b2,M:x\na1,b2,F:x\na2,b1,M:x\na2,b1,F:x\na2,b2,M:x\na2,b2,F:x')"
    audit_passes "$T/out.csv" "$S/three.csv" --dims a,b,sex
    python_audit_passes "$T/out.csv" "$S/three.csv" --dims a,b,sex
    koppel suppress --dims a,b,sex --method heuristic "$S/three.csv" > "$T/h.csv"
    run suppressed "$T/h.csv" a,b,sex
    assert_output "$(printf 'a1,b1,M:x\na1,b1,F:u\na1,b2,M:x\na1,b2,F:x\na2,b1,M:x\na2,b1,F:x\na2,b2,M:x\na2,b2,F:x')"
}

@test "hierarchical dimension: buurt in wijk in gemeente, nested by code prefix" {
    # BU03630101,F = 4. Its partners in area must be siblings in WK036301 (moving the wijk
    # would move the gemeente): BU03630102; in sex M (cheaper than Total). Three cells.
    koppel suppress --dims area,sex --hierarchy area --stats "$T/s.json" "$S/areas.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" area,sex
    assert_output "$(printf 'BU03630101,M:x\nBU03630101,F:u\nBU03630102,M:x\nBU03630102,F:x')"
    audit_passes "$T/out.csv" "$S/areas.csv" --dims area,sex --hierarchy area
    python_audit_passes "$T/out.csv" "$S/areas.csv" --dims area,sex --hierarchy area
    # Without --hierarchy the codes are one flat list whose margin does not add up.
    run koppel suppress --dims area,sex "$S/areas.csv"
    assert_failure 1
    assert_output --partial "is not the sum of its"
}

@test "hierarchical dimension: a primary wijk needs its buurten and a sibling wijk" {
    # WK036301,F marked u: moving it needs one of its buurten to move (BU03630102, larger
    # than BU03630101 and with room in both directions, or BU03630101), the sibling
    # WK036302 to move the other way, and the same in M: 5 extra cells at the least.
    awk -F, 'NR==1 {print $0",status"; next} {print $0","($1=="WK036301" && $2=="F" ? "u" : "s")}' \
        "$S/areas.csv" > "$T/marked.csv"
    for method in optimal heuristic; do
        koppel suppress --dims area,sex --hierarchy area --threshold 0 --method $method \
            --stats "$T/$method.json" "$T/marked.csv" > "$T/$method.csv"
        audit_passes "$T/$method.csv" "$T/marked.csv" --dims area,sex --hierarchy area
        python_audit_passes "$T/$method.csv" "$T/marked.csv" --dims area,sex --hierarchy area
    done
    [ "$(stats_field "$T/optimal.json" secondary)" = 5 ]
    [ "$(stats_field "$T/heuristic.json" secondary)" -ge 5 ]
}

@test "--hierarchy: codes that clash without their letters are an error" {
    printf 'area,count\nTotal,30\nGM0363,15\nWK0363,15\n' > "$T/clash.csv"
    run koppel suppress --dims area --hierarchy area "$T/clash.csv"
    assert_failure 1
    assert_output --partial "codes 'GM0363' and 'WK0363' are the same without their letters"
    run koppel suppress --dims area --hierarchy sex "$T/clash.csv"
    assert_failure 2
    assert_output --partial "--hierarchy sex: not one of the --dims"
}

@test "dominance (n,k) and p% rules, worked by hand; contributions never written" {
    # R1: 900+50 > 85% of 1000 and 1000-900-50 = 50 < 20% of 900: both rules.
    # R2: 500+400 = 900 > 850: dominance only (100 >= 100 = 20% of 500).
    # R5: 800+45 = 845 <= 850, but 1000-845 = 155 < 160 = 20% of 800: p% only.
    # R3, R4, Total: neither. All counts are 12 or more, so the threshold rule is silent.
    koppel suppress --dims region --value cost --top top1_cost,top2_cost --dominance 2,85 \
        --stats "$T/d.json" "$S/costs.csv" > "$T/d.csv"
    run suppressed "$T/d.csv" region
    assert_output "$(printf 'R1:u\nR2:u')"
    [ "$(stats_field "$T/d.json" primary_dominance)" = 2 ]
    koppel suppress --dims region --value cost --top top1_cost,top2_cost --p-percent 20 \
        --stats "$T/p.json" "$S/costs.csv" > "$T/p.csv"
    run suppressed "$T/p.csv" region
    assert_output "$(printf 'R1:u\nR5:u')"
    [ "$(stats_field "$T/p.json" primary_p_percent)" = 2 ]
    koppel suppress --dims region --value cost --top top1_cost,top2_cost --dominance 2,85 \
        --p-percent 20 --blank mean_cost --stats "$T/b.json" "$S/costs.csv" > "$T/b.csv"
    run suppressed "$T/b.csv" region
    assert_output "$(printf 'R1:u\nR2:u\nR5:u')"
    # Three suppressed regions protect each other (each can absorb 30% of the others'
    # counts and values), so no secondary cell; count, cost and mean_cost are blanked,
    # the contributions are gone from the output.
    [ "$(stats_field "$T/b.json" secondary)" = 0 ]
    run head -1 "$T/b.csv"
    assert_output "region,count,cost,mean_cost,status"
    run grep '^R1,' "$T/b.csv"
    assert_output "R1,,,,u"
    run grep '^R3,' "$T/b.csv"
    assert_output "R3,25,2000,80,s"
    audit_passes "$T/b.csv" "$S/costs.csv" --dims region --value cost
}

@test "--value: the magnitude is protected too (--protect count|value|both)" {
    # P (5 persons, 1000) is primary. Counts alone: any region can absorb 1.5 persons and Q
    # has the least value. The value needs a partner that can fall by 300: Q (100) cannot,
    # V (3000) is the cheapest that can.
    printf 'region,count,cost\nP,5,1000\nQ,50,100\nW,60,5000\nV,40,3000\nTotal,155,9100\n' > "$T/v.csv"
    koppel suppress --dims region --value cost --protect count "$T/v.csv" > "$T/count.csv"
    run suppressed "$T/count.csv" region
    assert_output "$(printf 'P:u\nQ:x')"
    for what in both value; do
        koppel suppress --dims region --value cost --protect $what "$T/v.csv" > "$T/$what.csv"
        run suppressed "$T/$what.csv" region
        assert_output "$(printf 'P:u\nV:x')"
    done
    koppel suppress --dims region --value cost "$T/v.csv" > "$T/default.csv"
    run diff "$T/default.csv" "$T/both.csv"
    assert_success
    audit_passes "$T/both.csv" "$T/v.csv" --dims region --value cost
    # The audit of the count-only pattern, checking the value as well, finds P exposed.
    run --separate-stderr koppel suppress --audit --dims region --value cost --original "$T/v.csv" "$T/count.csv"
    assert_failure 1
    assert_line --index 0 "region,status,count,count_lower,count_upper,count_required_lower,count_required_upper,cost,cost_lower,cost_upper,cost_required_lower,cost_required_upper,protected"
    # By hand: W and V published, so P + Q = 9100 - 5000 - 3000 = 1100 in cost and
    # 155 - 60 - 40 = 55 in count; either can take it all.
    assert_line "P,u,5,0,55,3.5,6.5,1000,0,1100,700,1300,no"
}

@test "--cost: fewest cells, or the least total" {
    # a (4, marked u) with protection 2: it must be able to rise by 8 and fall by 4. One
    # cell: d (90) or the total (104); b or c alone (5) cannot give 8. Two cells: b and c.
    printf 'part,count,status\na,4,u\nb,5,s\nc,5,s\nd,90,s\nTotal,104,s\n' > "$T/c.csv"
    koppel suppress --dims part --threshold 0 --protection 2 "$T/c.csv" > "$T/cells.csv"
    run suppressed "$T/cells.csv" part
    assert_output "$(printf 'a:u\nd:x')"
    koppel suppress --dims part --threshold 0 --protection 2 --cost value "$T/c.csv" > "$T/value.csv"
    run suppressed "$T/value.csv" part
    assert_output "$(printf 'a:u\nb:x\nc:x')"
    for f in cells value; do
        audit_passes "$T/$f.csv" "$T/c.csv" --dims part --protection 2
    done
}

@test "status z forces a cell to be published; a primary z or no way out is an error" {
    # B,F may not be suppressed, so region B cannot complete the rectangle; next cheapest:
    # D (A,M 20 + D,F 12 + D,M 40 = 72) before C (75) and the sex margin (87).
    awk -F, 'NR==1 {print $0",status"; next}
             {print $0","($1=="B" && $2=="F" ? "z" : $1=="A" && $2=="F" ? "u" : "")}' \
        "$S/region_sex.csv" > "$T/forced.csv"
    koppel suppress --dims region,sex "$T/forced.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" region,sex
    assert_output "$(printf 'A,M:x\nA,F:u\nD,M:x\nD,F:x')"
    run grep '^B,F,' "$T/out.csv"
    assert_output "B,F,18,s"
    run python3 "$S/attacker.py" minimal "$T/forced.csv" --dims region,sex --max 3
    assert_output "$(printf 'A,M\nD,F\nD,M')"
    audit_passes "$T/out.csv" "$T/forced.csv" --dims region,sex
    # A forced cell that a rule finds unsafe.
    awk -F, 'NR==1 {print $0",status"; next} {print $0","($1=="65-74" ? "z" : "s")}' "$S/oned.csv" > "$T/z.csv"
    run koppel suppress --dims age_band "$T/z.csv"
    assert_failure 1
    assert_output --partial "z.csv:4: the cell is unsafe (threshold rule) but its status 'z' forces it"
    # Every possible partner forced: no pattern exists.
    awk -F, 'NR==1 {print $0",status"; next} {print $0","($1=="65-74" ? "s" : "z")}' "$S/oned.csv" > "$T/none.csv"
    run koppel suppress --dims age_band "$T/none.csv"
    assert_failure 1
    assert_output --partial "none.csv:4: this primary cell cannot be protected"
}

@test "--singletons: sdcTable's example of two singletons in one margin" {
    # sdcTable tests/testthat/test-protectTable.r: regions a, b, b, c (d empty) under "tot",
    # cells with one unit primary: a = 1 and c = 1 protect each other against an outsider
    # (no secondary cell, detectSingletons = FALSE), but the person in a knows a = 1 and so
    # c = 4 - 2 - 0 - 1; with singleton detection one more cell is suppressed.
    printf 'region,count\na,1\nb,2\nc,1\nd,0\ntot,4\n' > "$T/single.csv"
    koppel suppress --dims region --total tot --threshold 2 --singletons no \
        --stats "$T/no.json" "$T/single.csv" > "$T/no.csv"
    [ "$(stats_field "$T/no.json" secondary)" = 0 ]
    koppel suppress --dims region --total tot --threshold 2 --stats "$T/yes.json" "$T/single.csv" > "$T/yes.csv"
    [ "$(stats_field "$T/yes.json" secondary)" = 1 ]
    [ "$(stats_field "$T/yes.json" secondary_for_singletons)" = 1 ]
    for f in no yes; do
        audit_passes "$T/$f.csv" "$T/single.csv" --dims region --total tot
    done
    run koppel suppress --dims region --total tot --singletons maybe "$T/single.csv"
    assert_failure 2
}

@test "--threshold and --zeros" {
    run koppel suppress --dims region,sex --threshold 0 "$S/region_sex.csv"
    assert_success
    refute_output --regexp ',[ux]$'
    run koppel suppress --dims region,sex --threshold 3 "$S/region_sex.csv"
    refute_output --regexp ',[ux]$'     # 3 is not fewer than 3
    run koppel suppress --dims region,sex --threshold 4 "$S/region_sex.csv"
    assert_line "A,F,,u"
    # A zero cell: safe by default, unsafe with --zeros unsafe (and then protected upwards).
    { cat "$S/sparse.csv"; echo "B,F,0"; } > "$T/zero.csv"
    koppel suppress --dims wijk,sex --stats "$T/safe.json" "$T/zero.csv" > /dev/null
    [ "$(stats_field "$T/safe.json" primary)" = 1 ]
    koppel suppress --dims wijk,sex --zeros unsafe --stats "$T/unsafe.json" "$T/zero.csv" > "$T/out.csv"
    [ "$(stats_field "$T/unsafe.json" primary)" = 2 ]
    run grep '^B,F,' "$T/out.csv"
    assert_output "B,F,,u"
    audit_passes "$T/out.csv" "$T/zero.csv" --dims wijk,sex
}

@test "--fill-zeros: combinations without a record, as aggregate --totals leaves them" {
    run koppel suppress --dims wijk,sex "$S/sparse.csv"
    assert_failure 1
    assert_output --partial "sparse.csv: the cell wijk=B,sex=F has no record (1 of 12 cells are missing)"
    # B,F is a known zero; C,F = 4 pairs with A (cheaper than the sex margin or the Total
    # row): A,F 12 + A,M 15 + C,M 22.
    koppel suppress --dims wijk,sex --fill-zeros --stats "$T/s.json" "$S/sparse.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" wijk,sex
    assert_output "$(printf 'A,F:x\nA,M:x\nC,F:u\nC,M:x')"
    [ "$(wc -l < "$T/out.csv")" = 12 ]   # 11 records and the header: nothing added
    [ "$(stats_field "$T/s.json" cells_without_record)" = 1 ]
    assert_counts_balance "$T/s.json"
    audit_passes "$T/out.csv" "$S/sparse.csv" --dims wijk,sex --fill-zeros
    run koppel suppress --dims wijk,sex --fill-zeros --zeros unsafe "$S/sparse.csv"
    assert_failure 2
    assert_output --partial "--zeros unsafe cannot be honoured with --fill-zeros"
}

@test "--fill-zeros: a zero without a record is never a secondary cell (it has no row to blank)" {
    # Column b0 is a1,b0 = 8 and a zero without a record (a0,b0); a0,b1 is such a zero too.
    # A reader sees those zeros, so suppressing one hides nothing: Total,b0 = a1,b0 for
    # everyone. Before the fix the optimal pattern used a0,b1, the output had no row to
    # blank, a1,b1 was published and narrowed a1,b0 and Total,b0 to [0, 9] (need 5.6..10.4).
    printf 'a,b,count\na0,b2,5\na0,b3,40\na0,Total,45\na1,b0,8\na1,b1,12\na1,b3,1\na1,Total,21\nTotal,b0,8\nTotal,b1,12\nTotal,b2,5\nTotal,b3,41\nTotal,Total,66\n' > "$T/t.csv"
    koppel suppress --dims a,b --fill-zeros --stats "$T/s.json" "$T/t.csv" > "$T/p.csv"
    [ "$(wc -l < "$T/p.csv")" = 13 ]   # 12 records and the header
    audit_passes "$T/p.csv" "$T/t.csv" --dims a,b --fill-zeros
    run python3 "$S/attacker.py" audit "$T/p.csv" --original "$T/t.csv" --dims a,b --fill-zeros
    assert_success
    # --stats counts what the output shows.
    [ "$(stats_field "$T/s.json" primary)" = "$(grep -c ',u$' "$T/p.csv")" ]
    [ "$(stats_field "$T/s.json" secondary)" = "$(grep -c ',x$' "$T/p.csv")" ]
    [ "$(stats_field "$T/s.json" verified)" = 1 ]
}

@test "--fill-zeros: 60 random sparse 2-D and 3-D tables, each audited by attacker.py" {
    # About one random sparse table in 30 leaked before the fix (seed 2: three of these 60,
    # and eleven whose --stats counted a secondary cell that the output does not show).
    mkdir "$T/random"
    run python3 "$S/random_sparse.py" 60 2 "$T/random"
    assert_success
    assert_output --partial "60 tables,"
    assert_output --partial ", 0 failed"
}

@test "--count with several columns: a numerator and its denominator are both protected" {
    # persons is safe everywhere, but linked = 1 in district A. By hand: A is primary (linked
    # 1 < 10). A partner must absorb A's change in both counts: D (the cheapest by persons,
    # 30) has linked 0 and cannot take a linked person away, so B (50, linked 20) it is.
    # Then the singleton rule: the one linked person of A knows A's linked and so B's, 20: a
    # count that is safe (B is secondary, not primary) and in no other margin, where knowing it
    # could open a primary cell; so nothing more is suppressed.
    koppel suppress --dims district --count persons,linked --stats "$T/s.json" "$S/two_counts.csv" > "$T/out.csv"
    assert_equal "$(cat "$T/out.csv")" "$(printf 'district,persons,linked,status\nA,,,u\nB,,,x\nC,60,25,s\nD,30,0,s\nTotal,180,46,s')"
    [ "$(stats_field "$T/s.json" secondary_for_singletons)" = 0 ]
    # The same with the option repeated; both audits attack each count column.
    run koppel suppress --dims district --count persons --count linked "$S/two_counts.csv"
    assert_output "$(cat "$T/out.csv")"
    audit_passes "$T/out.csv" "$S/two_counts.csv" --dims district --count persons,linked
    for column in persons linked; do
        python_audit_passes "$T/out.csv" "$S/two_counts.csv" --dims district --count "$column"
    done
    # A pattern that hides persons but not linked (D has no linked person to trade): the
    # audit of both columns finds it, linked A in [0, 1] where 2 is needed.
    printf 'district,persons,linked,status\nA,,,u\nB,50,20,s\nC,60,25,s\nD,,,x\nTotal,180,46,s\n' > "$T/weak.csv"
    run koppel suppress --audit --dims district --count persons,linked --original "$S/two_counts.csv" "$T/weak.csv"
    assert_failure 1
    assert_line 'A,u,40,0,70,28,52,1,0,1,0,2,no'
    run python3 "$S/attacker.py" audit "$T/weak.csv" --original "$S/two_counts.csv" --dims district --count linked
    assert_failure 1
    audit_passes "$T/weak.csv" "$S/two_counts.csv" --dims district --count persons
    # A bad number in the second count is rejected with that column's name.
    printf 'district,persons,linked\nA,40,x\n' > "$T/bad.csv"
    run koppel suppress --dims district --count persons,linked "$T/bad.csv"
    assert_failure 1
    assert_output --partial "column 'linked': not a whole number of at least 0"
    run koppel suppress --dims district --count persons,persons "$S/two_counts.csv"
    assert_failure 2
}

@test "--by: separate tables in one file" {
    # 2022: F = 3 needs a partner in 2022 only: X (25) rather than M (40) or the total.
    koppel suppress --dims sex --by year "$S/years.csv" > "$T/out.csv"
    run suppressed "$T/out.csv" year,sex
    assert_output "$(printf '2022,F:u\n2022,X:x')"
    audit_passes "$T/out.csv" "$S/years.csv" --dims sex --by year
    run koppel suppress --dims sex,year "$S/years.csv"
    assert_failure 1
    assert_output --partial "column 'year' has no total ('Total')"
    run koppel suppress --dims sex --by sex "$S/years.csv"
    assert_failure 2
}

@test "--mark, --blank and --status-column" {
    koppel suppress --dims region,sex --mark x --status-column sdc "$S/region_sex.csv" > "$T/out.csv"
    run head -1 "$T/out.csv"
    assert_output "region,sex,count,sdc"
    assert_equal "$(grep -c ',x,[ux]$' "$T/out.csv")" 4
    run koppel suppress --audit --dims region,sex --status-column sdc --original "$S/region_sex.csv" "$T/out.csv"
    assert_success
}

@test "--round: published counts to a multiple of B, suppressed stay blank" {
    koppel suppress --dims region,sex --round 5 "$S/region_sex.csv" > "$T/out.csv"
    # Expected: round half up to a multiple of 5 for every published cell, by python.
    python3 - "$S/region_sex.csv" "$T/out.csv" <<'PY'
import csv, sys
original = {(r["region"], r["sex"]): int(r["count"]) for r in csv.DictReader(open(sys.argv[1]))}
for r in csv.DictReader(open(sys.argv[2])):
    key = (r["region"], r["sex"])
    if r["status"] == "s":
        want = (original[key] * 2 + 5) // 10 * 5
        assert int(r["count"]) == want, (key, r["count"], want)
    else:
        assert r["count"] == "", key
PY
    run grep '^Total,Total,' "$T/out.csv"
    assert_output "Total,Total,165,s"
    run grep '^D,F,' "$T/out.csv"
    assert_output "D,F,10,s"
    run koppel suppress --dims region,sex --round 0 "$S/region_sex.csv"
    assert_failure 2
}

@test "--audit reads other tools' codes with --code; bad statuses and missing values" {
    (set -o pipefail; koppel suppress --dims v1,v2 --count freq --total tot --threshold 0 "$S/trap.csv" |
        sed -e 's/,s$/,S/' -e 's/,u$/,U/' -e 's/,x$/,M/' > "$T/argus.csv")
    run koppel suppress --audit --dims v1,v2 --count freq --total tot --original "$S/trap.csv" \
        --code S=s --code U=u --code M=x --stats "$T/a.json" "$T/argus.csv"
    assert_success
    assert_counts_balance "$T/a.json"
    run koppel suppress --audit --dims v1,v2 --count freq --total tot --original "$S/trap.csv" "$T/argus.csv"
    assert_failure 1
    assert_output --partial "argus.csv:2: column 'status': unknown status code"
    # Without --original only exact disclosure can be checked (see the next test).
    run koppel suppress --audit --dims v1,v2 --count freq --total tot --code S=s --code U=u --code M=x "$T/argus.csv"
    assert_success
    assert_output --partial "suppressed cells have no values, so only exact disclosure (an interval of width zero) is checked"
    assert_line 'w,a,u,,0,120,,,not exact'
    run koppel suppress --audit --dims region,sex "$S/region_sex.csv"
    assert_failure 2
    assert_output --partial "--audit needs the status column 'status'"
    run koppel suppress --dims region,sex --code S=q "$S/region_sex.csv"
    assert_failure 2
}

@test "--audit without --original: a suppressed cell worked out exactly is found (status 1)" {
    # By hand: A alone suppressed in a 1-D table is Total - B - C = 150 - 50 - 60 = 40 exactly.
    printf 'district,persons,status\nA,,u\nB,50,s\nC,60,s\nTotal,150,s\n' > "$T/one.csv"
    run koppel suppress --audit --dims district --count persons "$T/one.csv"
    assert_failure 1
    assert_line 'A,u,,40,40,,,no'
    assert_output --partial "one.csv:2: 1 primary cell is not protected: the attacker's LP works out the exact value of it"
    # With B suppressed too, A + B = 90: A lies in [0, 90], not exact (the levels need --original).
    printf 'district,persons,status\nA,,u\nB,,x\nC,60,s\nTotal,150,s\n' > "$T/two.csv"
    run koppel suppress --audit --dims district --count persons "$T/two.csv"
    assert_success
    assert_line 'A,u,,0,90,,,not exact'
    assert_line 'B,x,,0,90,,,'
    # Margins without blanks are still checked: C + Total that do not add up with a published B.
    printf 'r,c,count,status\nA,F,,u\nA,M,,x\nA,Total,20,s\nB,F,5,s\nB,M,7,s\nB,Total,13,s\nTotal,F,,x\nTotal,M,,x\nTotal,Total,33,s\n' > "$T/bad.csv"
    run koppel suppress --audit --dims r,c "$T/bad.csv"
    assert_failure 1
    assert_output --partial "the margin 13 is not the sum of its 2 parts"
}

@test "bad tables: margins that do not add up, duplicates, missing cells, bad numbers" {
    sed 's/^A,Total,23$/A,Total,24/' "$S/region_sex.csv" > "$T/sum.csv"
    run koppel suppress --dims region,sex "$T/sum.csv"
    assert_failure 1
    # A,Total breaks two constraints; the first reported is the region margin's (line 2).
    assert_output --partial "sum.csv:2: column 'count': the margin 163 is not the sum of its 4 parts along 'region' (164)"
    { cat "$S/region_sex.csv"; echo "B,F,18"; } > "$T/dup.csv"
    run koppel suppress --dims region,sex "$T/dup.csv"
    assert_failure 1
    assert_output --partial "dup.csv:17: the same cell as line 10"
    grep -v '^C,M,' "$S/region_sex.csv" > "$T/missing.csv"
    run koppel suppress --dims region,sex "$T/missing.csv"
    assert_failure 1
    assert_output --partial "the cell region=C,sex=M has no record"
    sed 's/^B,M,15$/B,M,fifteen/' "$S/region_sex.csv" > "$T/text.csv"
    run koppel suppress --dims region,sex "$T/text.csv"
    assert_failure 1
    assert_output --partial "text.csv:9: column 'count': not a whole number of at least 0"
    # With --rejects the record is set aside, and then the table misses that cell.
    run koppel suppress --dims region,sex --rejects "$T/rej.csv" "$T/text.csv"
    assert_failure 1
    assert_output --partial "the cell region=B,sex=M has no record"
    assert_output --partial "1 record was rejected"
    sed 's/^R2,15,1000,500,400/R2,15,1000,400,500/' "$S/costs.csv" > "$T/order.csv"
    run koppel suppress --dims region --value cost --top top1_cost,top2_cost --dominance 2,85 "$T/order.csv"
    assert_failure 1
    assert_output --partial "order.csv:3: column 'top2_cost' is larger than column 'top1_cost'"
    sed 's/^R2,15,1000,500,400/R2,15,800,500,400/' "$S/costs.csv" > "$T/over.csv"
    run koppel suppress --dims region --value cost --top top1_cost,top2_cost --dominance 2,85 "$T/over.csv"
    assert_failure 1
    assert_output --partial "over.csv:3: the contributions in --top add up to more than column 'cost'"
}

@test "usage errors" {
    run koppel suppress "$S/region_sex.csv"
    assert_failure 2
    assert_output --partial "--dims is required"
    run koppel suppress --dims region,gender "$S/region_sex.csv"
    assert_failure 2
    assert_output --partial "gender"
    assert_output --partial "region"
    run koppel suppress --dims region,sex --dominance 2 --value count "$S/region_sex.csv"
    assert_failure 2
    run koppel suppress --dims region,sex --dominance 2,85 "$S/region_sex.csv"
    assert_failure 2
    assert_output --partial "--dominance and --p-percent need --value and --top"
    run koppel suppress --dims region,sex --protect value "$S/region_sex.csv"
    assert_failure 2
    run koppel suppress --dims region,sex --method best "$S/region_sex.csv"
    assert_failure 2
    run koppel suppress --dims region,sex --zeros maybe "$S/region_sex.csv"
    assert_failure 2
    run koppel suppress --dims region,sex --original x.csv "$S/region_sex.csv"
    assert_failure 2
    run koppel suppress --dims region,sex "$S/region_sex.csv" "$S/region_sex.csv"
    assert_failure 2
    run koppel suppress --dims region,sex --count region "$S/region_sex.csv"
    assert_failure 2
    assert_output --partial "column 'region' is a dimension"
}

@test "--help, --version, delimiters, -o and a full disk" {
    run koppel suppress --help
    assert_success
    assert_line --index 0 --partial "Usage: koppel suppress"
    assert_output --partial "--protection P"
    run koppel suppress --version
    assert_success
    tr ',' ';' < "$S/region_sex.csv" > "$T/semi.csv"
    koppel suppress -d ';' --dims region,sex "$T/semi.csv" > "$T/semi-out.csv"
    koppel suppress --dims region,sex -o "$T/out.csv" "$S/region_sex.csv"
    run diff "$T/semi-out.csv" "$T/out.csv"
    assert_success
    koppel suppress --dims region,sex < "$S/region_sex.csv" > "$T/stdin.csv"
    run diff "$T/stdin.csv" "$T/out.csv"
    assert_success
    run koppel suppress --dims region,sex "$S/region_sex.csv" -o /dev/full
    assert_failure 3
}

@test "--time-limit bounds the whole run; --stats says which method ran and whether it was cut short" {
    # Not a test of the clock: a limit of a microsecond has passed before secondary
    # suppression starts, whatever the machine, and the default of 60 s is far off.
    for method in optimal heuristic; do
        run koppel suppress --dims area,sex --hierarchy area --method "$method" --time-limit 0.000001 \
            --stats "$T/$method.json" -o "$T/$method.csv" "$S/areas.csv"
        assert_success
        assert_output --partial "the heuristic reached the time limit (1e-06 s): the primary cells left were protected by hypercubes alone"
        [ "$(stats_field "$T/$method.json" method)" = "$method" ]
        [ "$(stats_field "$T/$method.json" time_limit_reached)" = 1 ]
        [ "$(stats_field "$T/$method.json" verified)" = 0 ]
        [ "$(stats_field "$T/$method.json" proven_optimal)" = 0 ]
        # Cut short, but still a protected pattern.
        audit_passes "$T/$method.csv" "$S/areas.csv" --dims area,sex --hierarchy area
        python_audit_passes "$T/$method.csv" "$S/areas.csv" --dims area,sex --hierarchy area
    done
    koppel suppress --dims area,sex --hierarchy area --stats "$T/default.json" "$S/areas.csv" > /dev/null
    [ "$(stats_field "$T/default.json" time_limit_reached)" = 0 ]
    [ "$(stats_field "$T/default.json" verified)" = 1 ]
    [ "$(stats_field "$T/default.json" method)" = optimal ]
}

@test "a larger table: the heuristic's pattern is verified and passes the audit" {
    # 30 wijken x 6 age-sex cells, counts from a fixed pseudo-random stream (many below 10).
    python3 - > "$T/big.csv" <<'PY'
import random
random.seed(9)
rows, cols = 30, 6
inner = {(r, c): int(random.expovariate(1 / random.choice([4, 15, 60]))) for r in range(rows) for c in range(cols)}
print("wijk,agesex,count")
for r in list(range(rows)) + ["Total"]:
    for c in list(range(cols)) + ["Total"]:
        rr = range(rows) if r == "Total" else [r]
        cc = range(cols) if c == "Total" else [c]
        name = "Total" if r == "Total" else "WK%04d" % r
        col = "Total" if c == "Total" else "g%d" % c
        print("%s,%s,%d" % (name, col, sum(inner[(a, b)] for a in rr for b in cc)))
PY
    for method in heuristic optimal; do
        koppel suppress --dims wijk,agesex --method $method --stats "$T/$method.json" "$T/big.csv" > "$T/$method.csv"
        [ "$(stats_field "$T/$method.json" verified)" = 1 ]
        assert_counts_balance "$T/$method.json"
        audit_passes "$T/$method.csv" "$T/big.csv" --dims wijk,agesex
    done
    [ "$(stats_field "$T/optimal.json" suppressed_cells)" -le "$(stats_field "$T/heuristic.json" suppressed_cells)" ]
}

@test "--unpublished: a count a cell does not show is skipped by the rules, blanked, and made primary where it can be worked out" {
    # Districts A, B, C, W and the total, stacked with a table by ses. W does not show its Wmo
    # users, but the total and the other districts do: 99 - 30 - 40 - 25 = 4 (by hand), below 10.
    printf 'district,ses,persons,observed,unpub\nA,Total,120,30,\nB,Total,200,40,\nC,Total,150,25,\nW,Total,14,4,observed\nTotal,Total,484,99,\nTotal,1,100,30,\nTotal,2,184,30,\nTotal,3,200,39,\n' > "$T/t.csv"
    run koppel suppress --linked --dims district,ses --count persons,observed --unpublished unpub \
        --stats "$T/s.json" "$T/t.csv"
    assert_success
    assert_line --index 0 'district,ses,persons,observed,unpub,status'
    assert_line 'W,Total,,,observed,u'
    [ "$(stats_field "$T/s.json" primary_threshold)" = 0 ]
    [ "$(stats_field "$T/s.json" primary)" = 1 ]
    printf '%s\n' "${lines[@]}" > "$T/p.csv"
    # attacker.py, with W's Wmo users unknown (its row suppressed): protected
    run python3 "$S/attacker.py" audit "$T/p.csv" --original "$T/t.csv" --linked --dims district,ses --count observed
    assert_success
    # C does not show its Wmo users either: then W's 4 is one of two unknowns (29 between them),
    # [0, 29] is wide enough, and nothing is suppressed; both counts are blanked all the same.
    sed -e 's/^C,Total,150,25,$/C,Total,150,25,observed/' "$T/t.csv" > "$T/t2.csv"
    run koppel suppress --linked --dims district,ses --count persons,observed --unpublished unpub "$T/t2.csv"
    assert_success
    assert_line 'W,Total,14,,observed,s'
    assert_line 'C,Total,150,,observed,s'
    refute_line --regexp ',(u|x)$'
    # The audit finds the exposed count in a table that published W as s, and needs --original
    printf 'district,ses,persons,observed,unpub,status\nA,Total,120,30,,s\nB,Total,200,40,,s\nC,Total,150,25,,s\nW,Total,14,,observed,s\nTotal,Total,484,99,,s\nTotal,1,100,30,,s\nTotal,2,184,30,,s\nTotal,3,200,39,,s\n' > "$T/bad.csv"
    run --separate-stderr koppel suppress --audit --linked --dims district,ses --count persons,observed \
        --unpublished unpub --original "$T/t.csv" "$T/bad.csv"
    assert_failure 1
    assert_equal "$stderr" "koppel-suppress: $T/bad.csv:5: 1 count below the threshold that the table does not publish can be worked out from what it does"
    run --separate-stderr koppel suppress --audit --linked --dims district,ses --count persons,observed \
        --unpublished unpub "$T/bad.csv"
    assert_failure 2
    # a name that is not a count
    sed -e 's/^W,Total,14,4,observed$/W,Total,14,4,wmo/' "$T/t.csv" > "$T/t3.csv"
    run --separate-stderr koppel suppress --linked --dims district,ses --count persons,observed --unpublished unpub "$T/t3.csv"
    assert_failure 1
    assert_equal "$stderr" "koppel-suppress: $T/t3.csv:5: column 'unpub': names a column that is not one of --count"
}

@test "--cost-weight: a cell that costs a hundred is left published where another rectangle protects as well" {
    # region x sex with A,F = 3: without weights the rectangle goes through B (the smallest other
    # region: A,M, B,M, B,F); with B's cells at 100 times the cost, through D (40 + 12 = 52 persons
    # against C's 55): A,M, D,M, D,F. Worked by hand from the fixture.
    awk -F, -v OFS=, 'NR == 1 { print $0, "weight"; next } { print $0, ($1 == "B" ? 100 : 1) }' \
        "$S/region_sex.csv" > "$T/weighted.csv"
    run koppel suppress --dims region,sex --method optimal --cost-weight weight "$T/weighted.csv"
    assert_success
    assert_equal "$(printf '%s\n' "${lines[@]}" | grep -E ',(u|x)$' | cut -d, -f1,2,5 | tr '\n' ' ')" \
        "A,M,x A,F,u D,M,x D,F,x "
    run --separate-stderr koppel suppress --dims region,sex --cost-weight count "$S/region_sex.csv"
    assert_success
    sed -e 's/^B,M,15,100$/B,M,15,0/' "$T/weighted.csv" > "$T/zero.csv"
    run --separate-stderr koppel suppress --dims region,sex --cost-weight weight "$T/zero.csv"
    assert_failure 1
    assert_equal "$stderr" "koppel-suppress: $T/zero.csv:9: column 'weight': not a number above 0"
}
