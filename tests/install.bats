#!/usr/bin/env bats
# install.bats: make install PREFIX=DIR puts the programs, share/koppel, a man page per program
# and the bash completion where a newcomer's shell finds them; the man pages render without
# warnings, keep their examples as --help writes them and name related pages that exist; the
# completion knows every verb; make uninstall takes it all away again.

setup_file() {
    load 'test_helper/common-setup'
    _common_setup
    # make install builds and installs bin/ of the checkout (BUILD and BIN as make sets them):
    # a run of the suite on another build (make asan: bin-asan) does not test it.
    [ "$KOPPEL_BIN" = "$PROJECT_ROOT/bin" ] || return 0
    export PREFIX_DIR="$BATS_FILE_TMPDIR/prefix"
    make -s -C "$PROJECT_ROOT" install PREFIX="$PREFIX_DIR" > "$BATS_FILE_TMPDIR/install.log" 2>&1 ||
        { cat "$BATS_FILE_TMPDIR/install.log" >&3; return 1; }
}

setup() {
    load 'test_helper/common-setup'
    _common_setup
    [ "$KOPPEL_BIN" = "$PROJECT_ROOT/bin" ] || skip "make install installs bin/, not $KOPPEL_BIN"
    P="$PREFIX_DIR"
    # The verbs are the folders of filters/ (koppel: the dispatcher).
    VERBS=$(cd "$PROJECT_ROOT/filters" && ls -d */ | tr -d / | grep -vx koppel)
}

@test "install: every program, its man page, share/koppel and the completion are where they belong" {
    local verb
    assert_file_executable "$P/bin/koppel"
    assert_file_exists "$P/share/man/man1/koppel.1"
    for verb in $VERBS; do
        assert_file_executable "$P/bin/koppel-$verb"
        assert_file_exists "$P/share/man/man1/koppel-$verb.1"
    done
    assert_file_exists "$P/share/bash-completion/completions/koppel"
    assert_file_exists "$P/share/koppel/standards/esp2013.csv"
    # the installed koppel runs its verbs and finds its shipped data
    run env -u KOPPEL_SHARE "$P/bin/koppel" view --columns name "$FIXTURES/view/people.csv"
    assert_success
    assert_line --index 2 "Jan"
    printf 'age\n3\n' > "$BATS_TEST_TMPDIR/a.csv"
    run env -u KOPPEL_SHARE "$P/bin/koppel" derive --band b=age:esp2013 "$BATS_TEST_TMPDIR/a.csv"
    assert_success
    assert_output "age,b
3,0-4"
}

@test "man pages render without warnings (man -l)" {
    command -v man > /dev/null || skip "man is not installed (apt-get install man-db)"
    local page warnings problems=""
    for page in "$P"/share/man/man1/*.1; do
        warnings=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$page" 2>&1 > /dev/null)
        [ -z "$warnings" ] || problems+="${page##*/}: $warnings"$'\n'
    done
    [ -z "$problems" ] || fail "$problems"
    # README.md's promise: with PREFIX/bin on PATH, man finds the pages (man-db's manpath)
    run env -u MANPATH PATH="$P/bin:/usr/bin:/bin" man -w koppel-view
    assert_success
    assert_output "$P/share/man/man1/koppel-view.1"
}

@test "man pages keep the examples of --help line for line (backslashes, dashes, indentation)" {
    command -v man > /dev/null || skip "man is not installed (apt-get install man-db)"
    local program name checked=0
    for program in "$P"/bin/koppel "$P"/bin/koppel-*; do
        name=${program##*/}
        # the examples as --help writes them: the indented lines after 'Examples:' (or '... for
        # example:' in koppel's own), without their two spaces of indentation
        "$program" --help | awk '/^Examples:$|for example:$/ { on = 1; next }
            on && /^  / { print substr($0, 3); next } on { exit }' > "$BATS_TEST_TMPDIR/help"
        [ -s "$BATS_TEST_TMPDIR/help" ] || fail "$name --help has no examples"
        LC_ALL=C.UTF-8 MANWIDTH=250 man -l "$P/share/man/man1/$name.1" 2> /dev/null | col -b > "$BATS_TEST_TMPDIR/page"
        python3 - "$BATS_TEST_TMPDIR/help" "$BATS_TEST_TMPDIR/page" "$name" <<'PY'
import sys
help_lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
page = open(sys.argv[2], encoding="utf-8").read().splitlines()
# each example line, exactly and in order, on consecutive lines of the page (one indentation added)
first = [i for i, line in enumerate(page) if line.strip() == help_lines[0].strip()]
assert first, "%s: %r is not in the page" % (sys.argv[3], help_lines[0])
start = first[0]
indent = len(page[start]) - len(page[start].lstrip())
got = [line[indent:] for line in page[start:start + len(help_lines)]]
assert got == help_lines, "%s: the examples differ:\n%s\n---\n%s" % (sys.argv[3], "\n".join(help_lines), "\n".join(got))
PY
        checked=$((checked + 1))
    done
    [ "$checked" -ge 14 ]
}

@test "man pages: SEE ALSO names koppel(1) (koppel's: every verb), and only pages that are installed" {
    command -v man > /dev/null || skip "man is not installed (apt-get install man-db)"
    local page name named problems=""
    for page in "$P"/share/man/man1/*.1; do
        name=${page##*/}
        LC_ALL=C.UTF-8 MANWIDTH=250 man -l "$page" 2> /dev/null | col -b |
            awk '/^SEE ALSO$/ { on = 1; next } on && /^[A-Z]/ { exit } on' > "$BATS_TEST_TMPDIR/see"
        [ -s "$BATS_TEST_TMPDIR/see" ] || { problems+="$name: no SEE ALSO"$'\n'; continue; }
        for named in $(grep -oE 'koppel(-[a-z-]+)?\(1\)' "$BATS_TEST_TMPDIR/see" | sed 's/(1)$//'); do
            [ -f "$P/share/man/man1/$named.1" ] || problems+="$name names $named(1), which is not installed"$'\n'
        done
        if [ "$name" = koppel.1 ]; then
            for verb in $VERBS; do
                grep -q "koppel-$verb(1)" "$BATS_TEST_TMPDIR/see" || problems+="koppel.1 does not name koppel-$verb(1)"$'\n'
            done
        else
            grep -qE '(^|[ ,])koppel\(1\)' "$BATS_TEST_TMPDIR/see" || problems+="$name does not name koppel(1)"$'\n'
        fi
    done
    [ -z "$problems" ] || fail "$problems"
}

@test "the installed bash completion completes every verb, view's options and files" {
    local verb
    run bash -c '
        PATH="$1/bin:$PATH"
        source "$1/share/bash-completion/completions/koppel"
        complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _koppel; echo "${COMPREPLY[*]}"; }
        echo "verbs: $(complete_words koppel "")"
        echo "v: $(complete_words koppel vi)"
        echo "view options: $(complete_words koppel view --s)"
        echo "aggregate: $(complete_words koppel aggregate --ord)"
        echo "encoding: $(complete_words koppel view --encoding win)"
        echo "program: $(complete_words koppel-view --ta)"
        cd "$2" && echo "files: $(complete_words koppel view peo)"' _ "$P" "$FIXTURES/view"
    assert_success
    assert_line "v: view"
    assert_line "view options: --sample --seed"
    assert_line "aggregate: --order"
    assert_line "encoding: windows-1252"
    assert_line "program: --tail"
    assert_line "files: people.csv"
    for verb in $VERBS; do
        assert_line --regexp "^verbs: (.* )?$verb( |$)"
    done
}

@test "make uninstall removes every file make install put there" {
    run make -s -C "$PROJECT_ROOT" uninstall PREFIX="$P"
    assert_success
    run find "$P" -type f
    assert_output ""
}
