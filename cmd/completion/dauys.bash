# shellcheck shell=bash
# Bash completion for dauys and dauys-audit: their commands, each command's
# options (those of "PROGRAM COMMAND --help"), and files, directories or
# known values for the options' arguments. Installed as
# share/bash-completion/completions/dauys and .../dauys-audit (bash-completion
# loads it by the command's name); it needs nothing of bash-completion
# itself. tests/cli/install_cli.sh checks that it offers every command and
# option that the programs' --help list.

# _dauys_complete_from WORDS...: the current word completed from WORDS.
_dauys_complete_from() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

# _dauys_complete_path [-d]: the current word completed as a file name (as a
# directory name with -d).
_dauys_complete_path() {
    local cur=${COMP_WORDS[COMP_CWORD]} kind=-f
    [ "${1:-}" = -d ] && kind=-d
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen "$kind" -- "$cur")
}

# _dauys_complete_command PROGRAM COMMANDS OPTIONS-OF-COMMAND...: completes
# PROGRAM's command line. OPTIONS-OF-COMMAND is "command:option option ...".
# Options that take a directory, a fixed value or nothing are named in
# _dauys_argument; every other word after a command completes as a file.
_dauys_complete_command() {
    local commands=$1 entry cmd='' i word prev
    shift
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case " $commands " in
        *" $word "*) cmd=$word && break ;;
        esac
    done
    if [ -z "$cmd" ]; then
        _dauys_complete_from "$commands --help --version"
        return 0
    fi
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    _dauys_argument "$prev" && return 0
    if [[ ${COMP_WORDS[COMP_CWORD]} == -* ]]; then
        for entry in "$@"; do
            if [ "${entry%%:*}" = "$cmd" ]; then
                _dauys_complete_from "${entry#*:} --help"
                return 0
            fi
        done
    fi
    _dauys_complete_path
}

# _dauys_argument OPTION: completes OPTION's argument when it is a directory
# or a fixed value; false when OPTION takes a file or no argument.
_dauys_argument() {
    case $1 in
    -w | -d | --out | --dir | --tiles | --state | --copies | --cosign-state) _dauys_complete_path -d ;;
    --kdf) _dauys_complete_from sensitive interactive ;;
    --preset) _dauys_complete_from it-eligendo ;;
    --profile) _dauys_complete_from kz-constitutional kz-ordinary simple-majority quorum-majority ;;
    -P | -t | -c | -j | --jobs | --precincts | --seed | --entry | --precinct | --size | \
        --consistency | --question | --origin | --stuff | --listen | --interval | --threads | \
        --max-connections | --idle-timeout | --request-deadline | --server | --retries | \
        --timeout) ;; # a value to type: no completion
    --witness | --witness-timeout | --witness-quorum | --name) ;; # a URL or vkey, seconds, a count, a key name
    *) return 1 ;;
    esac
    return 0
}

_dauys() {
    _dauys_complete_command \
        "keygen sign verify init update-manifest ingest status tally summarize report publish archive import-csv checkpoint proof submit demo serve" \
        "keygen:-o --precincts -d --unencrypted --kdf --password-file -j --jobs --witness" \
        "sign:-k -t -c -x --password-file" \
        "verify:-p -P -x -q" \
        "init:-w --manifest --central-key" \
        "update-manifest:-w --manifest" \
        "ingest:-w -j -q" \
        "status:-w --json --missing" \
        "tally:-w --json --csv" \
        "summarize:-w --district --region -o --version --reason" \
        "report:-w --html" \
        "publish:-w -k --password-file --archive --tiles --witness --witness-timeout" \
        "archive:" \
        "import-csv:--preset --map -o" \
        "checkpoint:-w -k --password-file --tiles --witness --witness-timeout" \
        "proof:-w --entry --precinct --size --consistency" \
        "submit:--server --retries --timeout --cacert -j -q" \
        "demo:--precincts --seed --profile --out --timings --files-only --stuff" \
        "serve:-w -k --password-file --listen --interval --tiles --threads --max-connections --idle-timeout --request-deadline --port-file --witness --witness-timeout -q"
}

_dauys_audit() {
    local trust="-p --central-key -P --trust-bundle-key --origin"
    _dauys_complete_command \
        "verify retally prove check consistency check-consistency verify-signatures forensics follow witness compare-copies" \
        "verify:$trust --witness --witness-quorum --json -j" \
        "retally:-p --central-key -P --trust-bundle-key" \
        "prove:$trust" \
        "check:-p --central-key -P --origin --witness --witness-quorum --manifest" \
        "consistency:-p --central-key -P --origin" \
        "check-consistency:-p --central-key -P --origin" \
        "verify-signatures:-p -P" \
        "forensics:$trust --json --seed --question" \
        "follow:-p --central-key -P --origin --state --copies --bundle --once --interval --cacert --witness --witness-quorum --manifest --cosign --cosign-name --cosign-state --password-file" \
        "witness:--listen -k --key --name --log --origin --state --port-file --password-file --max-connections --idle-timeout --request-deadline -q" \
        "compare-copies:$trust --map --json --signature --key --receipts"
}

complete -F _dauys dauys
complete -F _dauys_audit dauys-audit
