#!/usr/bin/env bats
# dist.bats: the self-contained bundle of `make dist`, unpacked into a fresh directory: its
# programs need no library but the C library's, it runs the demo study with nothing on PATH but
# its own bin and the basic system tools, the report says so when gnuplot is missing, and
# scripts/verify passes on the bundle as shipped and fails once a file is changed.
# KOPPEL_DIST names a tarball made before (else this runs make dist, about a minute on two cores;
# the demo study from the bundle takes about as long again).
bats_require_minimum_version 1.5.0

setup_file() {
    load 'test_helper/common-setup'
    _common_setup
    # The bundle is built without sanitizers whatever programs are under test: the sanitizer
    # run (make asan, bin-asan) would test the same bundle again.
    if [[ ${KOPPEL_BIN:-} == *bin-asan* ]]; then
        export DIST_SKIP="the bundle is built without sanitizers: make check tests it"
        return 0
    fi
    if [ -z "${KOPPEL_DIST:-}" ]; then
        # not the settings of a make that runs this test (make asan: the sanitizers, bin-asan)
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANFLAGS make --no-print-directory -C "$PROJECT_ROOT" dist > "$BATS_FILE_TMPDIR/dist.log" 2>&1 \
            || { tail -n 30 "$BATS_FILE_TMPDIR/dist.log" >&3; return 1; }
        KOPPEL_DIST=$(ls "$PROJECT_ROOT"/dist/koppel-*-linux-*.tar.gz | tail -n 1)
    fi
    export KOPPEL_DIST
    # far from the source tree (a path with a space: the demo's own test below, and the programs')
    export UNPACKED="$BATS_FILE_TMPDIR/unpacked"
    mkdir -p "$UNPACKED"
    tar -C "$UNPACKED" -xzf "$KOPPEL_DIST"
    BUNDLE=$(echo "$UNPACKED"/koppel-*)
    export BUNDLE
    # The demo study as a user runs it: from another directory, PATH the bundle's bin and the
    # system's tools, no library path, nothing of the source tree in the environment.
    mkdir -p "$BATS_FILE_TMPDIR/elsewhere"
    (cd "$BATS_FILE_TMPDIR/elsewhere" &&
        env -i HOME="$BATS_FILE_TMPDIR" LD_LIBRARY_PATH= PATH="$BUNDLE/bin:/usr/bin:/bin" \
            "$BUNDLE/scripts/demo") > "$BATS_FILE_TMPDIR/demo.log" 2>&1 \
        || { tail -n 30 "$BATS_FILE_TMPDIR/demo.log" >&3; return 1; }
}

setup() {
    [ -z "${DIST_SKIP:-}" ] || skip "$DIST_SKIP"
    load 'test_helper/common-setup'
    _common_setup
}

# The bundle's own environment: its bin first, the system's tools, nothing else of the caller's.
bundle_env() {
    env -i HOME="$BATS_TEST_TMPDIR" LD_LIBRARY_PATH= PATH="$BUNDLE/bin:/usr/bin:/bin" "$@"
}

@test "the tarball is named for the version and holds one directory koppel-VERSION" {
    version=$(sed -n 's/^#define KOPPEL_VERSION "\(.*\)"/\1/p' "$PROJECT_ROOT/common/koppel.h")
    [[ "$(basename "$KOPPEL_DIST")" == "koppel-$version-linux-$(uname -m).tar.gz" ]]
    run ls "$UNPACKED"
    assert_output "koppel-$version"
    assert_equal "$(cat "$BUNDLE/VERSION")" "$version"
    for f in README.md docs/METHODS.md scripts/study.mk scripts/flows.mk scripts/wijkteams.mk scripts/report scripts/demo \
        scripts/verify share/koppel/rules/iza-conditions.csv share/koppel/standards/esp2013.csv \
        share/bash-completion/completions/koppel share/man/man1/koppel.1 share/man/man1/koppel-join.1 SHA256SUMS; do
        assert_file_exists "$BUNDLE/$f"
    done
    # every program the source tree has, and its manual page
    for verb in $(ls "$PROJECT_ROOT/filters"); do
        program=koppel-$verb
        [ "$verb" = koppel ] && program=koppel
        assert_file_executable "$BUNDLE/bin/$program"
        assert_file_exists "$BUNDLE/share/man/man1/$program.1"
    done
}

@test "every program needs no shared library but the C library's; the stated glibc is the newest symbol version" {
    for program in "$BUNDLE"/bin/*; do
        run bundle_env ldd "$program"
        assert_success
        # each line: linux-vdso, libc, libm, the loader (libpthread, libdl where split); nothing else
        run grep -Ev '^\s*(linux-vdso\.so\.1|lib(c|m|pthread|dl)\.so\.[0-9]+ => \S+|/lib64/ld-linux-x86-64\.so\.2) ' <<< "$output"
        assert_output ''
        run grep -c 'libc\.so\.6' <<< "$(bundle_env ldd "$program")"
        assert_output 1
    done
    newest=$(objdump -T "$BUNDLE"/bin/* | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
    assert_equal "$(cat "$BUNDLE/GLIBC")" "$newest"
    # what the README states
    grep -q "glibc $newest" "$PROJECT_ROOT/README.md"
}

@test "--version: the bundle's version and the libraries it carries, for every program" {
    version=$(cat "$BUNDLE/VERSION")
    csv=$(sed -n 's/^#define CSV_\(MAJOR\|MINOR\|RELEASE\) \([0-9]*\)/\2/p' /usr/include/csv.h | paste -sd.)
    for program in "$BUNDLE"/bin/*; do
        run bundle_env "$program" --version
        assert_success
        name=$(basename "$program")
        if [ "$name" = koppel ]; then
            assert_line --index 0 "koppel $version"
        else
            assert_line --index 0 "$name (koppel) $version"
        fi
        assert_line --index 1 --regexp "^libcsv $csv, libsodium [0-9.]+, GSL [0-9.]+, GLPK [0-9.]+, zlib [0-9.]+$"
    done
    # the versions are those the build host's headers name (the static libraries came with them)
    run bundle_env "$BUNDLE/bin/koppel-select" --version
    assert_line --index 1 --partial "GSL $(sed -n 's/^#define GSL_VERSION "\(.*\)"/\1/p' /usr/include/gsl/gsl_version.h)"
    assert_line --index 1 --partial "zlib $(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' /usr/include/zlib.h)"
    assert_line --index 1 --partial "libsodium $(sed -n 's/^#define SODIUM_VERSION_STRING "\(.*\)"/\1/p' /usr/include/sodium/version.h)"
}

@test "the dispatcher runs the verbs beside it, and they find the tables beside them, from any directory" {
    cd "$BATS_TEST_TMPDIR"
    printf 'icpc\nT90\n' > contacts.csv
    # the IZA rules (share/koppel/rules) without KOPPEL_SHARE, outside the tree: T90 is diabetes
    run bundle_env koppel classify-condition --tag contacts.csv
    assert_success
    assert_equal "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "diabetes") c = i } NR == 2 { print $c }' <<< "$output")" 1
    run bundle_env koppel --help
    assert_success
    assert_output --partial "classify-condition"
    assert_output --partial "suppress"
    # unpacked once more somewhere else and called by its path, not through PATH: the same
    mkdir "moved here" && tar -C "moved here" -xzf "$KOPPEL_DIST" && mv "moved here"/koppel-* "moved here/renamed"
    run env -i PATH=/usr/bin:/bin "moved here/renamed/bin/koppel" classify-condition --tag contacts.csv
    assert_success
    assert_line --index 1 --regexp '^T90(,[01])+$'
}

@test "the demo study ran from the bundle: tables, audits and a report with charts" {
    assert_file_exists "$BUNDLE/out/report.html"
    for t in t1-representativeness t2-contacts-by-age t3-contacts-by-sex; do
        assert_file_exists "$BUNDLE/out/tables/$t.csv"
    done
    grep -q '<svg' "$BUNDLE/out/report.html"
    run grep -c 'has no charts' "$BUNDLE/out/report.html"
    assert_output 0
    # the report names the bundle's version
    grep -q "Made by koppel $(cat "$BUNDLE/VERSION")" "$BUNDLE/out/report.html"
}

@test "the demo runs from a bundle unpacked under a directory whose name has a space" {
    # Make cannot name a file whose path has a space: the demo gives the study relative paths
    cd "$BATS_TEST_TMPDIR"
    mkdir "with space" && tar -C "with space" -xzf "$KOPPEL_DIST"
    run env -i HOME="$BATS_TEST_TMPDIR" LD_LIBRARY_PATH= PATH="/usr/bin:/bin" \
        "$BATS_TEST_TMPDIR/with space/$(basename "$BUNDLE")/scripts/demo" PERSONS=5000
    assert_success
    assert_file_exists "$BATS_TEST_TMPDIR/with space/$(basename "$BUNDLE")/out/report.html"
    assert_file_exists "$BATS_TEST_TMPDIR/with space/$(basename "$BUNDLE")/out/tables/t8-patient-flows.csv"
}

@test "without gnuplot the report has no charts and says so" {
    # the system's tools without gnuplot
    mkdir "$BATS_TEST_TMPDIR/tools"
    for tool in /usr/bin/*; do
        case ${tool##*/} in gnuplot*) ;; *) ln -s "$tool" "$BATS_TEST_TMPDIR/tools/" ;; esac
    done
    run env -i HOME="$BATS_TEST_TMPDIR" PATH="$BUNDLE/bin:$BATS_TEST_TMPDIR/tools" \
        bash -c 'command -v gnuplot || "$0/scripts/report" "$0/out" > "$1"' "$BUNDLE" "$BATS_TEST_TMPDIR/report.html"
    assert_success
    assert_output ''
    grep -q 'This report has no charts: gnuplot was not installed' "$BATS_TEST_TMPDIR/report.html"
    grep -q 'No chart: gnuplot is not installed on this host' "$BATS_TEST_TMPDIR/report.html"
    run grep -c '<svg' "$BATS_TEST_TMPDIR/report.html"
    assert_output 0
    # the tables are all there: as many as in the report with charts
    assert_equal "$(grep -c '<table' "$BATS_TEST_TMPDIR/report.html")" "$(grep -c '<table' "$BUNDLE/out/report.html")"
}

@test "scripts/verify passes on the bundle as shipped (the study's output beside it); fails once a file changes, or on an older glibc" {
    cd "$BATS_TEST_TMPDIR"
    run bundle_env "$BUNDLE/scripts/verify"
    assert_success
    assert_line --index 0 --regexp "^verify: koppel $(cat "$BUNDLE/VERSION") bundle in .*: all [0-9]+ files match SHA256SUMS$"
    assert_line --index 1 "koppel $(cat "$BUNDLE/VERSION")"
    # SHA256SUMS lists every file of the tarball but itself
    assert_equal "$(wc -l < "$BUNDLE/SHA256SUMS")" "$(tar -tzf "$KOPPEL_DIST" | grep -v '/$' | grep -vc '/SHA256SUMS$')"

    mkdir changed && tar -C changed -xzf "$KOPPEL_DIST" && mv changed/koppel-* changed/bundle
    run bundle_env changed/bundle/scripts/verify
    assert_success
    printf 'x\n' >> changed/bundle/share/koppel/rules/iza-conditions.csv
    run bundle_env changed/bundle/scripts/verify
    assert_failure 1
    assert_output --partial "share/koppel/rules/iza-conditions.csv: FAILED"
    assert_output --partial "files differ from SHA256SUMS"

    # a host whose C library is older than the programs need: said plainly, status 1
    mkdir old-host && printf '#!/bin/sh\necho "glibc 2.17"\n' > old-host/getconf && chmod +x old-host/getconf
    run env -i PATH="$PWD/old-host:/usr/bin:/bin" "$BUNDLE/scripts/verify"
    assert_failure 1
    assert_output --partial "this host has glibc 2.17; the programs need glibc $(cat "$BUNDLE/GLIBC") or newer"

    mkdir removed && tar -C removed -xzf "$KOPPEL_DIST" && mv removed/koppel-* removed/bundle
    rm removed/bundle/bin/koppel-join
    run bundle_env removed/bundle/scripts/verify
    assert_failure 1
    assert_output --partial "bin/koppel-join"
}
