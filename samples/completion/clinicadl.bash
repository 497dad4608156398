# bash completion for clinicadl (ClinicaDL.NET).
#
# clinicadl answers completions itself through System.CommandLine's [suggest] directive:
#     clinicadl "[suggest:N]" "ARGS"   prints one candidate per line for the cursor at character N of ARGS
# (what dotnet-suggest does, without installing dotnet-suggest). Options complete after "-", verbs and
# choices (cnn, t1-linear, ...) elsewhere, and file names wherever clinicadl has nothing to offer.
#
# Install, either:
#     source /path/to/clinicadl.bash                     (e.g. from ~/.bashrc)
#     cp clinicadl.bash ~/.local/share/bash-completion/completions/clinicadl   (bash-completion loads it on demand)

_clinicadl_complete()
{
    local cur="${COMP_WORDS[COMP_CWORD]}"
    # The line up to the cursor, without the command word (clinicadl, a path to it, or an alias).
    local line="${COMP_LINE:0:COMP_POINT}"
    line="${line#"${COMP_WORDS[0]}"}"
    line="${line#"${line%%[![:space:]]*}"}"

    local IFS=$'\n'
    local -a candidates
    candidates=($("${COMP_WORDS[0]}" "[suggest:${#line}]" "$line" 2>/dev/null))

    local -a kept=()
    local c
    for c in "${candidates[@]}"; do
        case "$c" in
            -\?|/\?|/h) ;;                                        # help spellings nobody completes to
            -*) [[ "$cur" == -* ]] && kept+=("$c") ;;            # options only once "-" is typed
            *) [[ "$cur" != -* ]] && kept+=("$c") ;;
        esac
    done
    COMPREPLY=($(compgen -W "${kept[*]}" -- "$cur"))
    # Nothing from clinicadl (a CAPS folder, a TSV, OUTPUT_DIR...): "-o default" falls back to file names.
}

complete -o default -F _clinicadl_complete clinicadl
