#!/usr/bin/env bats
# layout.bats: the floor plan holds. common/ includes nothing of filters/; a verb includes its own
# files and common/'s, never another verb's; no source includes a .c file; a verb's main.c is its
# only main. No tracked file cites the project's internal briefs, which users do not have.

setup() {
    load 'test_helper/common-setup'
    _common_setup
    # The tree to check: this checkout, or the planted one of the last test.
    ROOT="${LAYOUT_ROOT:-$PROJECT_ROOT}"
}

# includes FILE: the names in FILE's #include "..." lines.
includes() {
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

@test "layout: common/ includes only common/" {
    local file name problems=""
    for file in "$ROOT"/common/*.[ch]; do
        for name in $(includes "$file"); do
            [ -f "$ROOT/common/$name" ] || problems+="${file#"$ROOT"/} includes $name"$'\n'
        done
    done
    [ -z "$problems" ] || fail "$problems"
}

@test "layout: a verb includes its own files and common/, never another verb's" {
    local dir file name verb problems=""
    for dir in "$ROOT"/filters/*/; do
        verb=$(basename "$dir")
        for file in "$dir"*.[ch]; do
            for name in $(includes "$file"); do
                [ -f "$dir$name" ] || [ -f "$ROOT/common/$name" ] ||
                    problems+="filters/$verb/$(basename "$file") includes $name"$'\n'
            done
        done
    done
    [ -z "$problems" ] || fail "$problems"
}

@test "layout: no source, test or fuzz harness includes a .c file or reaches into another folder" {
    local hits
    hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*\.c|\.\./[^"]*)"' \
        "$ROOT"/common "$ROOT"/filters "$ROOT"/tests/unit "$ROOT"/tests/fuzz || true)
    [ -z "$hits" ] || fail "$hits"
}

@test "layout: each verb folder has a main.c, and main() is defined only there" {
    local dir file problems=""
    for dir in "$ROOT"/filters/*/; do
        [ -f "${dir}main.c" ] || problems+="$(basename "$dir") has no main.c"$'\n'
        for file in "$dir"*.c; do
            [ "$(basename "$file")" = main.c ] && continue
            ! grep -qE '^int main\(' "$file" || problems+="${file#"$ROOT"/} defines main"$'\n'
        done
    done
    [ -z "$problems" ] || fail "$problems"
}

@test "layout: the checks above can fail (a verb including another verb's header is found)" {
    local copy="$BATS_TEST_TMPDIR/tree"
    mkdir -p "$copy/filters/select" "$copy/filters/suppress" "$copy/common"
    printf '#include "sdc.h"\n#include "koppel.h"\n' > "$copy/filters/select/main.c"
    : > "$copy/filters/suppress/sdc.h"
    : > "$copy/common/koppel.h"
    LAYOUT_ROOT="$copy" run bats --filter "a verb includes its own files" "$BATS_TEST_FILENAME"
    assert_failure
    assert_output --partial "filters/select/main.c includes sdc.h"
}

@test "layout: no function over 80 lines, except option parsing (parse_options)" {
    run python3 - "$ROOT"/common/*.c "$ROOT"/filters/*/*.c <<'PY'
import re, sys
# A function body runs from a '{' alone at the start of a line to the next '}' alone there.
long = []
for path in sys.argv[1:]:
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{" and i > 0:
            j = i - 1
            while j > 0 and "(" not in lines[j]:
                j -= 1
            name = re.search(r"(\w+)\s*\(", lines[j])
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            name = name.group(1) if name else "?"
            if k - i + 1 > 80 and name != "parse_options":
                long.append("%s:%d: %s has %d lines" % (path, j + 1, name, k - i + 1))
            i = k
        i += 1
print("\n".join(long))
sys.exit(1 if long else 0)
PY
    assert_success
}

@test "layout: no tracked file cites DOMAIN.md or CONVENTIONS.md (internal briefs users do not have)" {
    # Cite the public source, README.md, docs/METHODS.md or share/koppel/rules/README.md instead,
    # or describe the thing. Also catches the short forms ("DOMAIN 2.6", "CONVENTIONS Records").
    git -C "$PROJECT_ROOT" rev-parse --is-inside-work-tree > /dev/null 2>&1 ||
        skip "not a git checkout"
    local hits
    hits=$(cd "$PROJECT_ROOT" && git ls-files -z | grep -zvxF tests/layout.bats |
        xargs -0 grep -snIE 'DOMAIN\.md|CONVENTIONS\.md|\bDOMAIN( section| §)? ?[0-9]|\bCONVENTIONS\b' || true)
    [ -z "$hits" ] || fail "$hits"
}

@test "layout: every verb has a line in README.md's list of filters and a gold error file" {
    local dir verb problems=""
    for dir in "$ROOT"/filters/*/; do
        verb=$(basename "$dir")
        [ "$verb" = koppel ] && continue # the dispatcher
        grep -q "^| \`$verb\` | " "$ROOT/README.md" || problems+="$verb is not in README.md's list of filters"$'\n'
        [ -f "$ROOT/tests/fixtures/errors/$verb.cases" ] || problems+="$verb has no tests/fixtures/errors/$verb.cases"$'\n'
        [ -f "$ROOT/tests/$verb.bats" ] || problems+="$verb has no tests/$verb.bats"$'\n'
    done
    [ -z "$problems" ] || fail "$problems"
}
