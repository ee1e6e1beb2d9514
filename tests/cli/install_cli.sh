#!/usr/bin/env bash
# install_cli.sh: the installed tree and the Debian package (issue 16).
#
#   usage: DAUYS_BUILD_DIR=BUILD bash tests/cli/install_cli.sh BUILD/bin/dauys BUILD/bin/dauys-audit
#
# BUILD is the build the programs come from (default: the first directory
# above them with a CMakeCache.txt; its sources are the ones checked). The
# test installs and packages that build (cpack, as always, first brings a
# stale build up to date). Under scripts/valgrind.sh the --help pages come
# from its wrappers; the installed and packaged programs run natively.
# 1. --version: both programs print the version of the top-level
#    CMakeLists.txt's project() and exit 0; --help lists --version.
# 2. cmake --install BUILD --prefix /usr into a DESTDIR: the programs in
#    usr/bin run; the manual pages dauys(1), dauys-audit(1), dauys-formats(5)
#    are roff with their .TH header and a NAME section; dauys-formats(5) has
#    every section of docs/FORMATS.md; the bash completion is installed under
#    both names and bash -n accepts it.
# 3. No drift: every command that "PROG --help" lists, and every option that
#    "PROG COMMAND --help" shows in its usage or its option list, is in the
#    man page's section for that command and is offered by the completion
#    (the completion function run as bash runs it on TAB).
# 4. cpack -G DEB from BUILD: the package's control file names the shared
#    libraries the programs need (libc6, libsodium23, libssl3, libsqlite3-0)
#    and its files are in /usr/bin, /usr/share/man/man1, man5 and
#    bash-completion; dauys demo from the unpacked package, which runs the
#    dauys-audit beside it, passes its audit.
#
# Needs bash, cmake (cmake, cpack), dpkg (dpkg-deb), dpkg-dev (dpkg-shlibdeps)
# and file (both for cpack), coreutils. Prints every failing check, ends with
# "N passed, M failed", exits 1 if M > 0.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2

cli_args "$@"
# find_build: the build above the programs' directory (BUILD/bin/dauys; under
# scripts/valgrind.sh, BUILD/valgrind/bin/dauys, its wrappers).
find_build() {
    local d
    d=$(dirname "$DAUYS")
    for _ in 1 2 3; do
        d=$(dirname "$d")
        [ -f "$d/CMakeCache.txt" ] && { echo "$d"; return 0; }
    done
    return 1
}
BUILD=${DAUYS_BUILD_DIR:-$(find_build)}
if [ ! -f "$BUILD/CMakeCache.txt" ] || [ ! -f "$BUILD/CPackConfig.cmake" ]; then
    echo "$0: no configured build above $DAUYS (set DAUYS_BUILD_DIR)" >&2
    exit 2
fi
# The sources of that build (this script may be a copy elsewhere).
SRC=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")
# file and dpkg-shlibdeps: cpack runs them for the package's dependencies.
for tool in cmake cpack dpkg-deb dpkg-shlibdeps file; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is needed" >&2; exit 2; }
done
cli_workdir install
run() { run_split "$@"; }

# The one version: project(dauys VERSION x.y.z ...) in CMakeLists.txt.
VERSION=$(sed -n 's/^project(dauys VERSION \([0-9][0-9.]*\) .*/\1/p' "$SRC/CMakeLists.txt")
check "CMakeLists.txt's project() has a VERSION" matches "$VERSION" "."

# commands_of PROG: the commands PROG --help lists, one a line.
commands_of() {
    "$1" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'
}

# options_of PROG COMMAND: the options of PROG COMMAND --help, one a line:
# those of its usage lines (up to the first empty line) and those that start
# a line of its option list ("  -p, --central-key FILE  ..."), not the ones
# its prose names of other programs (minisign -V, tar -xf).
options_of() {
    "$1" "$2" --help | awk '
        NR == 1 { usage = 1 }
        usage && /^$/ { usage = 0 }
        usage { text = $0; while (match(text, /(^|[ [(|])--?[A-Za-z][A-Za-z-]*/)) {
                    opt = substr(text, RSTART, RLENGTH); sub(/^[ [(|]/, "", opt); print opt
                    text = substr(text, RSTART + RLENGTH) } next }
        /^ +-/ { n = split($0, w, /[ ,]+/)
                 for (i = 2; i <= n && w[i] ~ /^-/; i++) print w[i] }
        /^--[a-z]/ { split($0, w, /[ :]/); print w[1] }' | sort -u
}

section "--version"
for prog in "$DAUYS" "$AUDIT"; do
    name=$(basename "$prog")
    expect_ok "$name --version prints the project's version" "$name $VERSION" "$prog" --version
    expect_eq "$name --version: one line, nothing else" "$name $VERSION" "$STDOUT"
    expect_ok "$name --help lists --version" "--version*print the version" "$prog" --help
done

section "cmake --install into a DESTDIR"
DEST=$WORK/dest
run env DESTDIR="$DEST" cmake --install "$BUILD" --prefix /usr
expect_eq "cmake --install exits 0" 0 "$RC"
for prog in dauys dauys-audit; do
    check "usr/bin/$prog is installed, executable" test -x "$DEST/usr/bin/$prog"
    expect_ok "the installed $prog runs: --version" "$prog $VERSION" "$DEST/usr/bin/$prog" --version
done
# man_page FILE NAME SECTION: roff from scdoc with its header and NAME.
man_page() {
    [[ $(grep -m1 '^\.TH ' "$1") == ".TH \"$2\" \"$3\" \""* ]] &&
        grep -qx '\.SH NAME' "$1" && grep -q "^$2 - [a-z]" "$1"
}
MAN=$DEST/usr/share/man
check "dauys(1) is a man page (.TH \"dauys\" \"1\", NAME)" man_page "$MAN/man1/dauys.1" dauys 1
check "dauys-audit(1) is a man page" man_page "$MAN/man1/dauys-audit.1" dauys-audit 1
check "dauys-formats(5) is a man page" man_page "$MAN/man5/dauys-formats.5" dauys-formats 5
# Every ## and ### heading of FORMATS.md is a section or subsection of the page.
missing=''
while IFS= read -r heading; do
    level=${heading%% *} title=${heading#* }
    title=${title//\`/}
    want=$([ "$level" = '##' ] && echo .SH || echo .SS)
    grep -qxF "$want $title" "$MAN/man5/dauys-formats.5" || missing+="$level $title"$'\n'
done < <(grep -E '^###? ' "$SRC/docs/FORMATS.md")
expect_eq "dauys-formats(5) has every section of docs/FORMATS.md" "" "$missing"
check "... the FORMATS.md of many sections (at least 60)" \
    test "$(grep -cE '^\.S[HS] ' "$MAN/man5/dauys-formats.5")" -ge 60
# Its text: the first line of every code block of FORMATS.md is on the page
# (roff's \& marks taken away; lines with a backslash, which roff escapes, left out).
page_text=$(sed 's/\\&//g' "$MAN/man5/dauys-formats.5")
lost='' blocks=0
while IFS= read -r line; do
    blocks=$((blocks + 1))
    [[ $line == *\\* || -z $line ]] || [[ $page_text == *"$line"* ]] || lost+="$line"$'\n'
done < <(awk '/^ *```/ { if (!in_block) first = 1; in_block = !in_block; next } first { print; first = 0 }' \
    "$SRC/docs/FORMATS.md" | sed 's/^  //')
check "docs/FORMATS.md has code blocks (at least 50)" test "$blocks" -ge 50
expect_eq "the first line of each code block of FORMATS.md is on dauys-formats(5)" "" "$lost"
COMP=$DEST/usr/share/bash-completion/completions
for prog in dauys dauys-audit; do
    check "bash completion for $prog installed" test -s "$COMP/$prog"
    run bash -n "$COMP/$prog"
    expect_eq "bash -n $COMP/$prog: no syntax error" "0:" "$RC:$OUT"
done
check "the documents the man pages name are in usr/share/doc/dauys" \
    test -s "$DEST/usr/share/doc/dauys/FORMATS.md" -a -s "$DEST/usr/share/doc/dauys/copyright"

# complete PROG WORD...: what the completion offers for PROG WORD... (the
# last word being typed), one a line, as bash would on TAB.
complete_words() {
    local prog=$1
    shift
    # shellcheck disable=SC2016 # expanded by the inner bash
    bash -c '. "$1" && shift && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) &&
        fn=$(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/") && "$fn" "$1" &&
        printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP/$(basename "$prog")" "$(basename "$prog")" "$@"
}

# man_section PAGE PROG COMMAND: the lines of PAGE's subsection ".SS PROG COMMAND".
man_section() {
    awk -v want=".SS $2 $3" '$0 == want { on = 1; next } on && /^\.S[HS] / { exit } on' "$1"
}

section "every command and option of --help in the man page and the completion"
for prog in "$DAUYS" "$AUDIT"; do
    name=$(basename "$prog")
    page=$MAN/man1/$name.1
    commands=$(commands_of "$prog")
    check "$name --help lists commands" test "$(wc -w <<<"$commands")" -ge 8
    offered=$(complete_words "$prog" "$name" "")
    for w in --help --version; do
        check "completion of \"$name \" offers $w" grep -qx -- "$w" <<<"$offered"
        check "$name($w) in the man page's OPTIONS" grep -qF -- "\\fB$w\\fR" "$page"
    done
    n_opts=0
    for cmd in $commands; do
        check "$name $cmd: a subsection of $name(1)" grep -qx ".SS $name $cmd" "$page"
        check "completion of \"$name \" offers $cmd" grep -qx -- "$cmd" <<<"$offered"
        text=$(man_section "$page" "$name" "$cmd")
        opts=$(complete_words "$prog" "$name" "$cmd" -)
        for opt in $(options_of "$prog" "$cmd"); do
            n_opts=$((n_opts + 1))
            [ "$opt" = --help ] && continue
            if [[ $text != *"\\fB$opt\\fR"* ]]; then
                fail_value "$name $cmd $opt in $name(1)" "$name $cmd --help shows $opt; the man page's section \"$name $cmd\" does not"
            else
                pass
            fi
            if ! grep -qx -- "$opt" <<<"$opts"; then
                fail_value "$name $cmd $opt completed" "$name $cmd --help shows $opt; the completion of \"$name $cmd -\" does not offer it (it offers: $(echo $opts))"
            else
                pass
            fi
        done
    done
    check "$name: the --help pages show options (at least 25)" test "$n_opts" -ge 25
done
# The completion's arguments: a directory for -w, the values of --kdf.
mkdir -p comp/ws-dir && : >comp/ws-file
check "completion of \"dauys ingest -w comp/ws\" offers the directory only" \
    test "$(complete_words "$DAUYS" dauys ingest -w comp/ws)" = comp/ws-dir
check "completion of \"dauys keygen --kdf \" offers its costs" \
    test "$(complete_words "$DAUYS" dauys keygen --kdf '' | sort | tr '\n' ' ')" = "interactive sensitive "

section "cpack -G DEB"
run cpack -G DEB -B "$WORK/pkg" --config "$BUILD/CPackConfig.cmake"
expect_eq "cpack -G DEB exits 0" 0 "$RC"
deb=$WORK/pkg/dauys_${VERSION}_$(dpkg --print-architecture).deb
check "it made dauys_VERSION_ARCH.deb" test -s "$deb"
info=$(dpkg-deb -f "$deb" Package Version Depends 2>&1)
check "the package is dauys $VERSION" matches "$info" "Package: dauys*Version: $VERSION"
depends=$(dpkg-deb -f "$deb" Depends 2>&1)
# depends_on LIB: the Depends field names package LIB (with or without a version).
depends_on() { grep -qE "(^|, )$1( \(|,|$)" <<<"$depends"; }
for lib in libc6 libsodium23 libssl3 libsqlite3-0 libmicrohttpd12 libcurl4; do
    check "Depends: $lib (it has: $depends)" depends_on "$lib"
done
check "no minisign in Depends (the programs do not run it)" test "${depends/minisign/}" = "$depends"
files=$(dpkg-deb -c "$deb" | awk '{ print $NF }')
for f in ./usr/bin/dauys ./usr/bin/dauys-audit ./usr/share/man/man1/dauys.1 \
    ./usr/share/man/man1/dauys-audit.1 ./usr/share/man/man5/dauys-formats.5 \
    ./usr/share/bash-completion/completions/dauys ./usr/share/bash-completion/completions/dauys-audit \
    ./usr/share/doc/dauys/copyright; do
    check "the package has $f" grep -qxF -- "$f" <<<"$files"
done
check "every file of the package is under /usr" test -z "$(grep -v '^\./usr/\|^\./$' <<<"$files")"
mkdir unpacked
run dpkg-deb -x "$deb" unpacked
expect_eq "dpkg-deb -x exits 0" 0 "$RC"
expect_ok "dauys demo from the package (its dauys-audit beside it) passes its audit" \
    "The audit passed" unpacked/usr/bin/dauys demo --precincts 40 --out demo2
summary
