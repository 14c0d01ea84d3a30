# common-setup.bash: loaded by every Bats file. Loads bats-support, bats-assert and bats-file
# from the Debian paths and puts the programs under test (KOPPEL_BIN, default bin/) first on PATH.
# Every python3 a test runs must run its assert statements: PYTHONOPTIMIZE would drop them.
_common_setup() {
    load '/usr/lib/bats/bats-support/load'
    load '/usr/lib/bats/bats-assert/load'
    load '/usr/lib/bats/bats-file/load'
    PROJECT_ROOT="$(cd "$(dirname "$BATS_TEST_FILENAME")/.." && pwd)"
    KOPPEL_BIN="${KOPPEL_BIN:-$PROJECT_ROOT/bin}"
    FIXTURES="$PROJECT_ROOT/tests/fixtures"
    PATH="$KOPPEL_BIN:$PATH"
    export PROJECT_ROOT KOPPEL_BIN FIXTURES PATH
    export KOPPEL_SHARE="$PROJECT_ROOT/share/koppel"
    # Many of the tests' Python checks are assert statements, which PYTHONOPTIMIZE (like
    # python -O) leaves out: a check that never runs passes.
    unset PYTHONOPTIMIZE
}

# stats_field FILE KEY: the value of KEY in the last JSON object of a --stats file.
stats_field() {
    tail -n 1 "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v)' "$2"
}

# assert_counts_balance FILE: in = out + filtered + rejected in the last --stats object.
assert_counts_balance() {
    python3 - "$1" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
if s["records_in"] != s["records_out"] + s["filtered"] + s["rejected"]:
    sys.exit("counts do not balance: %r" % s)
PY
}
