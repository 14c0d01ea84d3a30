#!/usr/bin/env bats
# report.bats: the study's report (scripts/report) for its two readers. Rendered in headless
# Chromium at 1280 and 400 px (tests/test_helper/report-check.mjs): no element wider than the
# viewport outside a scrolling table box, charts with a text alternative and a drawn title, no
# console error, the contents links resolve, and a small accessibility check (lang, alt, th with
# scope, captions, heading levels, link text, contrast). The order (summary first, appendices
# last), the run metadata, the CSV links and the summary's figures are checked against the
# tables. Screenshots go to out/screenshots/ (look at them). The study is the demo's (out/) when
# it is there; otherwise a small one is made here.
bats_require_minimum_version 1.5.0

setup_file() {
    load 'test_helper/common-setup'
    _common_setup
    command -v chromium >/dev/null 2>&1 || return 0
    command -v node >/dev/null 2>&1 || return 0
    export STUDY="${REPORT_STUDY:-$PROJECT_ROOT/out}"
    if [ ! -f "$STUDY/tables/t2-contacts-by-age.csv" ] || [ ! -f "$STUDY/tables/w1-wijkteam-did.csv" ]; then
        STUDY="$BATS_FILE_TMPDIR/study"
        make --no-print-directory -s -C "$PROJECT_ROOT" -f scripts/study.mk OUT="$STUDY" PERSONS=20000 SEED=2017 \
            K="$KOPPEL_BIN/koppel" -j 2 tables > "$BATS_FILE_TMPDIR/make.log" 2>&1 \
            || { tail -n 30 "$BATS_FILE_TMPDIR/make.log" >&3; return 1; }
    fi
    # the report of the current scripts/report: the study's own when it is newer, else made here
    export REPORT="$STUDY/report.html"
    if [ ! -f "$REPORT" ] || [ "$PROJECT_ROOT/scripts/report" -nt "$REPORT" ]; then
        REPORT="$BATS_FILE_TMPDIR/report.html"
        (cd "$PROJECT_ROOT" && K="$KOPPEL_BIN/koppel" scripts/report "$STUDY") > "$REPORT"
    fi
    export SHOTS="$PROJECT_ROOT/out/screenshots"
    mkdir -p "$SHOTS"
    local width
    for width in 1280 400; do
        node "$PROJECT_ROOT/tests/test_helper/report-check.mjs" "$REPORT" "$width" "$SHOTS" \
            > "$BATS_FILE_TMPDIR/check-$width.json" 2> "$BATS_FILE_TMPDIR/check-$width.err" \
            || { cat "$BATS_FILE_TMPDIR/check-$width.err" >&3; return 1; }
    done
}

setup() {
    load 'test_helper/common-setup'
    _common_setup
    command -v chromium >/dev/null 2>&1 || skip "chromium is not installed (Debian package chromium; scripts/install-deps installs it)"
    command -v node >/dev/null 2>&1 || skip "node is not installed (Debian package nodejs): it drives chromium"
}

# check_rendering WIDTH: no problem found in the page and no console message at that width.
check_rendering() {
    run python3 - "$BATS_FILE_TMPDIR/check-$1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d['problems'] == [], d['problems']
assert d['console'] == [], d['console']
assert d['charts'] >= 11 and d['tables'] >= 20, (d['charts'], d['tables'])
print('%d charts, %d tables, screenshots: %s' % (d['charts'], d['tables'], ' '.join(d['shots'])))
PY
    echo "# $output" >&3
    assert_success
}

@test "at 1280 px: nothing overflows, charts have alt text and a drawn title, no console error, links resolve, accessible" {
    check_rendering 1280
}

@test "at 400 px: nothing overflows (wide tables scroll in their box), the same checks hold" {
    check_rendering 400
}

@test "for the policy maker first: summary, contents, run, results; the appendices for the checker last" {
    run python3 - "$REPORT" <<'PY'
import re, sys
ids = re.findall(r'<h2 id="([^"]*)"', open(sys.argv[1]).read())
order = ['summary', 'contents', 'run', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 'wijkteams',
         'methods', 'linkage', 'rejects', 'suppression', 'truth']
assert ids == order, ids
PY
    assert_success
}

@test "run metadata: seed, data period, koppel's version and the key fingerprint the study checked" {
    local version fingerprint seed
    version=$("$KOPPEL_BIN/koppel" --version | awk 'NR == 1 { print $2 }')
    fingerprint=$(grep -o '[0-9a-f]\{8\}' "$STUDY/work/fingerprints.txt")
    seed=$(awk -F, '$1 == "run" && $2 == "seed" { print $4 }' "$STUDY/raw/truth.csv")
    section=$(sed -n '/<h2 id="run">/,/<\/dl>/p' "$REPORT")
    [[ $section == *"koppel $version"* ]]
    [[ $section == *"<code>$fingerprint</code>"* ]]
    [[ $section == *"seed $seed,"* ]]
    [[ $section == *"study year 2017"* ]]
    [[ $section == *"IZA monitor years 2019 and 2023"* ]]
    [[ $section == *"municipal study 2015-01 to 2017-12"* ]]
    [[ $section == *"Tables made</dt><dd>20"* ]]
}

@test "every table of tables/ is linked from the report, and every relative link names a file of the study" {
    run python3 - "$BATS_FILE_TMPDIR/check-1280.json" "$STUDY" <<'PY'
import glob, json, os, sys
links = set(json.load(open(sys.argv[1]))['links'])
study = sys.argv[2]
for link in links:
    assert os.path.isfile(os.path.join(study, link)), ('no such file', link)
for path in glob.glob(os.path.join(study, 'tables', '*.csv')):
    assert 'tables/' + os.path.basename(path) in links, ('not linked', path)
print(len(links), 'files linked')
PY
    assert_success
}

@test "the status codes s, u and x are explained, and every table with a status column points there" {
    grep -q '<h3 id="status-codes">' "$REPORT"
    sed -n '/<h3 id="status-codes">/,/<\/dl>/p' "$REPORT" | grep -q '<dt>u</dt><dd>primary suppression'
    sed -n '/<h3 id="status-codes">/,/<\/dl>/p' "$REPORT" | grep -q '<dt>x</dt><dd>secondary suppression'
    sed -n '/<h3 id="status-codes">/,/<\/dl>/p' "$REPORT" | grep -q '<dt>s</dt><dd>publishable'
    # tables with a status column: t1-t6 (8 files) and the suppressed-cell lists name none
    run grep -c 'href="#status-codes">the status codes' "$REPORT"
    assert [ "$output" -ge 8 ]
}

@test "charts name their groups in words and mark a suppressed bar instead of leaving it out" {
    run python3 - "$REPORT" "$STUDY/tables/t1-representativeness.csv" <<'PY'
import csv, re, sys
html = open(sys.argv[1]).read()
def section(name):
    return html.split('<h2 id="%s">' % name, 1)[1].split('<h2 ', 1)[0]
def texts(part):
    return [re.sub(r'<[^>]+>', '', t).strip() for t in re.findall(r'<text[^>]*>(.*?)</text>', part, re.S)]
for name in ('t2', 't3'):
    words = texts(section(name).split('<div class="table"', 1)[0])
    assert 'with Wmo' in words and 'without Wmo' in words, (name, words)
assert 'women' in texts(section('t3')) and 'men' in texts(section('t3'))
# every figure has axis labels besides its title: an x label and a y label are drawn
for figure in re.findall(r'<figure class="chart".*?</figure>', html, re.S):
    title = re.search(r'<title id="[^"]*">(.*?)</title>', figure).group(1)
    assert title in texts(figure), title
# T1 suppresses some rows (independently read from the CSV): its chart shows the x stubs and says so
# (a characteristic's Total has no bar: a small study may suppress one)
hidden = [r['category'] for r in csv.DictReader(open(sys.argv[2]))
          if r['status'] in ('u', 'x') and r['category'] != 'Total']
t1 = section('t1').split('<div class="table"', 1)[0]
if hidden:
    words = texts(t1)
    assert 'x: suppressed value' in words, words
    assert words.count('x') == len(hidden), (words.count('x'), hidden)
    for category in hidden:
        label = {'F': 'women', 'M': 'men'}.get(category, category)   # sex in words
        assert any(w.endswith(label + ' (x)') for w in words), category
print(len(hidden), 'suppressed bars marked in T1')
PY
    echo "# $output" >&3
    assert_success
}

@test "the summary's figures are the tables' own (T2 ratios, T4 share, the wijkteam effect)" {
    run python3 - "$REPORT" "$STUDY/tables" <<'PY'
import csv, os, re, sys
html = open(sys.argv[1]).read()
summary = re.sub(r'<[^>]+>', '', html.split('<h2 id="summary">', 1)[1].split('<h2 ', 1)[0])
rows = lambda name: list(csv.DictReader(open(os.path.join(sys.argv[2], name + '.csv'))))
g = lambda v: '%.3g' % float(v)
t2 = [r for r in rows('t2-contacts-by-age') if r['wmo_user'] == '1' and r['age_group'] != 'Total' and r['ratio']]
if t2:
    high = max(t2, key=lambda r: float(r['ratio']))
    assert '%s times (95%% interval %s to %s) at age %s' % (g(high['ratio']), g(high['ratio_lower']), g(high['ratio_upper']), high['age_group']) in summary, summary
else:   # a small study may publish no ratio: then the summary makes no claim
    assert 'GP contacts.' not in summary, summary
total = next(r for r in rows('t4-wmo-by-ses') if r['ses'] == 'Total')
if total['status'] == 's' and total['observed'] and total['persons']:
    assert '%s%% of residents of 18 and over' % g(100 * int(total['observed']) / int(total['persons'])) in summary
else:   # suppressed in a small study: no share is claimed
    assert '% of residents of 18 and over' not in summary, summary
w1 = next(r for r in rows('w1-wijkteam-did') if (r['source'], r['age_group'], r['model'], r['weighting'], r['term'])
          == ('gmsd', 'all', 'two-point', 'unweighted', 'treated_x_time'))
assert '(95%% interval %s to %s)' % (g(w1['ci_low']), g(w1['ci_high'])) in summary
suppressed = sum(1 for name in os.listdir(sys.argv[2]) if name.startswith('t') and name.endswith('.csv')
                 for r in csv.DictReader(open(os.path.join(sys.argv[2], name))) if r['status'] in ('u', 'x'))
assert re.search(r'\b%d of the \d+ cells of the published tables are suppressed' % suppressed, summary), summary
PY
    assert_success
}
