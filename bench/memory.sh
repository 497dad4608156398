#!/bin/sh
# Peak RSS (and wall/CPU time, with the load) of `train roi cnn` on a generated trivial CAPS; see bench/README.md.
#   bench/memory.sh [N_SUBJECTS_PER_CLASS] [REPEATS] [EXTRA TRAIN OPTIONS...]   (e.g. bench/memory.sh 16 3 --amp)
# Extra environment (e.g. DOTNET_GCConserveMemory=5) passes through to clinicadl. BREAKDOWN=1 also says, per run, where
# the peak went (bench/MemoryHook: malloc's arenas, in use and kept free, and the managed heap, sampled every 20 ms).
# TENSORS=1 trains from a copy of the CAPS that also holds the whole-image tensors ClinicaDL 0.2.1 needs
# (`clinicadl extract image`; train then reads those instead of the NIfTI images, as on a CAPS prepared for ClinicaDL).
# REFERENCE=1 runs, after each clinicadl run, the same job in plain PyTorch as 0.2.1 runs it (bench/pytorch-reference.py,
# Debian's python3-torch) on that tensor CAPS, and prints its figures and clinicadl's ratios to them.
set -eu
n=${1:-16}
repeats=${2:-3}
[ $# -le 2 ] || { shift 2; extra="$*"; }
extra=${extra:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dotnet build -c Release -nologo -v q src/ClinicaDl.Cli/ClinicaDl.Cli.csproj >/dev/null
hook=
if [ "${BREAKDOWN:-0}" = 1 ]; then
    dotnet build -c Release -nologo -v q bench/MemoryHook/MemoryHook.csproj >/dev/null
    hook=$root/bench/MemoryHook/bin/Release/net10.0/MemoryHook.dll
fi
cli="dotnet $root/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll"
work=$root/bench/results/memory
caps=$work/caps-$n
if [ ! -f "$caps/.bench-complete" ]; then
    rm -rf "$caps"
    $cli generate trivial "$caps" --n_subjects "$n" >/dev/null
    $cli tsvtool kfold "$caps/labels" --n_splits 4 >/dev/null
    touch "$caps/.bench-complete"
fi
tensors=$work/caps-$n-tensors
if [ "${TENSORS:-0}" = 1 ] || [ "${REFERENCE:-0}" = 1 ]; then
    if [ ! -f "$tensors/.bench-complete" ]; then
        rm -rf "$tensors"
        cp -r "$caps" "$tensors"
        $cli extract image "$tensors" t1-linear -q >/dev/null
    fi
    [ "${TENSORS:-0}" = 1 ] && caps=$tensors
fi
echo "train roi cnn, $((2 * n)) images, fold 0 of 4, batch 8, 5 epochs, -np 2, --threads 2${extra:+ $extra} ($(grep -o 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' '))"
i=1
while [ "$i" -le "$repeats" ]; do
    rm -rf "$work/run"
    load=$(uptime | sed 's/.*load average: //')
    rm -f "$work/breakdown.txt"
    ${hook:+env DOTNET_STARTUP_HOOKS=$hook MEMORY_HOOK_OUT=$work/breakdown.txt} /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" $cli train roi cnn "$caps" t1-linear "$caps/labels" "$work/run" Conv4_FC3 \
        -cpu --n_splits 4 --split 0 --batch_size 8 --epochs 5 -np 2 --threads 2 -q $extra >/dev/null
    read -r wall user sys rss < "$work/time.txt"
    echo "run $i: wall ${wall} s, CPU $(awk "BEGIN { print $user + $sys }") s (user $user, sys $sys), peak RSS $((rss / 1024)) MB; load before: $load"
    [ -z "$hook" ] || echo "       $(cat "$work/breakdown.txt")"
    if [ "${REFERENCE:-0}" = 1 ]; then
        rm -rf "$work/reference"
        /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" /usr/bin/python3 "$root/bench/pytorch-reference.py" "$tensors" "$tensors/labels" \
            "$work/reference" --n_splits 4 --split 0 --batch_size 8 --epochs 5 -np 2 --threads 2 >/dev/null
        read -r rwall ruser rsys rrss < "$work/time.txt"
        echo "       PyTorch reference: wall ${rwall} s, CPU $(awk "BEGIN { print $ruser + $rsys }") s, peak RSS $((rrss / 1024)) MB;" \
            "clinicadl/reference: wall $(awk "BEGIN { printf \"%.2f\", $wall / $rwall }"), CPU $(awk "BEGIN { printf \"%.2f\", ($user + $sys) / ($ruser + $rsys) }"), peak RSS $(awk "BEGIN { printf \"%.2f\", $rss / $rrss }")"
    fi
    i=$((i + 1))
done
rm -rf "$work/run" "$work/reference" "$work/time.txt" "$work/breakdown.txt"
