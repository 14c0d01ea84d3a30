# completion.bash: bash completion for koppel (installed as share/bash-completion/completions/koppel
# by make install). The verbs come from `koppel --help`, a verb's options from `koppel-VERB --help`,
# so that a verb added later completes without a change here; anything else completes as a file.

# The verbs koppel lists (the koppel-* programs beside it).
_koppel_verbs() {
    "$1" --help 2> /dev/null | awk '/^Verbs:$/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

# The options of PROGRAM: the option words on the lines of its --help that start with one
# (indented a little; descriptions are indented further).
_koppel_options() {
    "$1" --help 2> /dev/null | grep -E '^ {1,8}-' |
        grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]//' | sort -u
}

# The program that runs VERB for the koppel at DISPATCHER: the one beside it, else koppel-VERB.
_koppel_program() {
    local dispatcher verb=$2 directory
    dispatcher=$(type -P "$1" 2> /dev/null) || dispatcher=$1
    directory=${dispatcher%/*}
    [ "$directory" != "$dispatcher" ] && [ -x "$directory/koppel-$verb" ] && { echo "$directory/koppel-$verb"; return; }
    echo "koppel-$verb"
}

_koppel() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} program
    COMPREPLY=()
    case ${COMP_WORDS[0]##*/} in
    koppel)
        if [ "$COMP_CWORD" -eq 1 ]; then
            mapfile -t COMPREPLY < <(compgen -W "$(_koppel_verbs "${COMP_WORDS[0]}") --help --version" -- "$cur")
            return 0
        fi
        program=$(_koppel_program "${COMP_WORDS[0]}" "${COMP_WORDS[1]}") ;;
    *)
        program=${COMP_WORDS[0]} ;;
    esac
    case $prev in
    --encoding)
        mapfile -t COMPREPLY < <(compgen -W "utf-8 latin-1 iso-8859-1 iso-8859-15 latin-9 windows-1252 cp1252" -- "$cur")
        return 0 ;;
    -d | --delimiter | --output-delimiter)
        mapfile -t COMPREPLY < <(compgen -W "tab ';' ',' '|'" -- "$cur")
        return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_koppel_options "$program")" -- "$cur")
        return 0
    fi
    compopt -o filenames 2> /dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
}

complete -F _koppel koppel
# The verbs' programs run on their own, those on PATH when this file is read.
_koppel_programs=$(compgen -c koppel- 2> /dev/null | sort -u)
[ -z "$_koppel_programs" ] || complete -F _koppel $_koppel_programs
unset _koppel_programs
