#!/usr/bin/env bash
# GPU check (issue "Performance round 2", GPU readiness): does a GPU step wait for the CPU? On a machine with an NVIDIA
# GPU, trains on a generated trivial CAPS (20 AD + 20 CN, fold 0 of 4, seed 0):
#   roi   `train roi cnn Conv4_FC3`, batch 8, --eval_batch_size 64, 4 epochs, on the GPU and then with -cpu;
#   image `train image cnn Conv5_FC3`, batch 2, 3 epochs, on the GPU.
# and prints, per run: the device environment.txt reports, the epoch time (median of epochs 2..E, from training.tsv's
# time column), the time per batch (train + evaluation batches of an epoch), peak host RSS, peak GPU memory (nvidia-smi
# sampled every 0.2 s), and the ratio CPU epoch ÷ GPU epoch for the ROI job. A GPU-bound run keeps the GPU busy
# (utilisation column); a low figure there with a long epoch means the steps wait for the host.
# Usage: bench/gpu-check.sh [WORK_FOLDER]            (default bench/results/gpu-check; a few minutes on a GPU)
#        bench/gpu-check.sh --cpu-only [WORK_FOLDER]  (the CPU run only: checks this script on a machine without a GPU)
# CLINICADL: a CUDA build of clinicadl to run (e.g. clinicadl-cuda/clinicadl from docs/install.md's GPU section);
# without it the script builds one with -p:ClinicaDlTorchBackend=cuda, which needs a NuGet source serving
# libtorch-cuda-12.8-linux-x64. Exits 2, saying why, when there is no GPU or no CUDA build.
set -euo pipefail
cpu_only=0
if [ "${1:-}" = --cpu-only ]; then cpu_only=1; shift; fi
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "${1:-$here/bench/results/gpu-check}")
fail() { echo "gpu-check: $*" >&2; exit 2; }

if [ -n "${CLINICADL:-}" ]; then
  cli=("$CLINICADL")
elif [ "$cpu_only" = 1 ]; then
  dotnet build "$here/src/ClinicaDl.Cli" -c Release -v quiet -nologo >/dev/null
  cli=(dotnet "$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll")
else
  command -v nvidia-smi >/dev/null || fail "nvidia-smi not found: this check needs an NVIDIA GPU (or --cpu-only)"
  dotnet publish "$here/src/ClinicaDl.Cli" -c Release -r linux-x64 --self-contained -p:ClinicaDlTorchBackend=cuda -o "$work/clinicadl-cuda" -v quiet -nologo >/dev/null \
    || fail "could not build the CUDA clinicadl (a NuGet source serving libtorch-cuda-12.8-linux-x64 is needed); set CLINICADL to a CUDA build"
  cli=("$work/clinicadl-cuda/clinicadl")
fi

mkdir -p "$work"
caps=$work/caps
if [ ! -f "$caps/labels/train_splits-4/split-0/AD.tsv" ]; then
  "${cli[@]}" generate trivial "$caps" --n_subjects 20 --seed 0 --overwrite >/dev/null
  "${cli[@]}" tsvtool kfold "$caps/labels" --n_splits 4 --overwrite >/dev/null
fi

gpu_sampler=
start_gpu_sampler() {  # peak GPU memory (MiB) and mean utilisation (%) of GPU 0, sampled every 0.2 s, into $1
  [ "$cpu_only" = 1 ] && return
  nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv,noheader,nounits -i 0 -lms 200 > "$1" &
  gpu_sampler=$!
}
stop_gpu_sampler() {
  [ -z "$gpu_sampler" ] && return
  kill "$gpu_sampler" 2>/dev/null || true; wait "$gpu_sampler" 2>/dev/null || true; gpu_sampler=
}
epoch_seconds() {  # median of the end-of-epoch time differences, epochs 2..E (the first includes start-up and decoding)
  awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time") c = i; next } NR > 2 { print $c - t } { t = $c }' "$1" \
    | sort -g | awk '{ d[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2 ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2) }'
}
batches() {  # train batches + evaluation batches (train and validation sets) of one epoch
  local train valid
  train=$(( $(tail -n +2 "$caps/labels/train_splits-4/split-0/AD.tsv" | wc -l) + $(tail -n +2 "$caps/labels/train_splits-4/split-0/CN.tsv" | wc -l) ))
  valid=$(( $(tail -n +2 "$caps/labels/validation_splits-4/split-0/AD_baseline.tsv" | wc -l) + $(tail -n +2 "$caps/labels/validation_splits-4/split-0/CN_baseline.tsv" | wc -l) ))
  echo $(( ($1 * train + $2 - 1) / $2 + ($1 * train + $3 - 1) / $3 + ($1 * valid + $3 - 1) / $3 ))
}

declare -A epoch
printf '%-34s %-8s %-10s %-12s %-14s %-16s %s\n' run device "epoch (s)" "batch (ms)" "host RSS (MB)" "GPU memory (MiB)" "GPU busy (%)"
run() {  # NAME ELEMENTS_PER_SESSION BATCH EVAL_BATCH MODE TASK MODEL EPOCHS [-cpu]
  local name=$1 per=$2 bs=$3 ebs=$4 mode=$5 task=$6 model=$7 epochs=$8; shift 8
  local dev=("$@")
  local out=$work/$name
  rm -rf "$out"
  [ "${#dev[@]}" = 0 ] && start_gpu_sampler "$work/$name.gpu"
  local rc=0
  /usr/bin/time -f %M -o "$work/$name.rss" "${cli[@]}" train "$mode" "$task" "$caps" t1-linear "$caps/labels" "$out" "$model" "${dev[@]}" --epochs "$epochs" --n_splits 4 --split 0 \
    --batch_size "$bs" --eval_batch_size "$ebs" --seed 0 -q >/dev/null || rc=$?
  stop_gpu_sampler
  [ "$rc" = 0 ] || fail "$name: clinicadl train failed (exit $rc)"
  local device
  device=$(sed -n 's/^device: //p' "$out/environment.txt")
  [ "${#dev[@]}" = 0 ] && [ "$device" != cuda ] && fail "$name: environment.txt says device '$device', not cuda"
  local e b mem busy
  e=$(epoch_seconds "$out/fold-0/training.tsv"); epoch[$name]=$e
  b=$(batches "$per" "$bs" "$ebs")
  mem=-; busy=-
  if [ -s "$work/$name.gpu" ]; then
    mem=$(awk -F', ' '$1 > m { m = $1 } END { print m + 0 }' "$work/$name.gpu")
    busy=$(awk -F', ' '{ s += $2; n++ } END { printf "%.0f", n ? s / n : 0 }' "$work/$name.gpu")
  fi
  printf '%-34s %-8s %-10s %-12s %-14s %-16s %s\n' "$name" "$device" "$e" "$(awk "BEGIN { printf \"%.1f\", 1000 * $e / $b }")" \
    "$(( $(cat "$work/$name.rss") / 1024 ))" "$mem" "$busy"
}

if [ "$cpu_only" = 0 ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader -i 0
  run roi-cnn-gpu 2 8 64 roi cnn Conv4_FC3 4
fi
run roi-cnn-cpu 2 8 64 roi cnn Conv4_FC3 4 -cpu
if [ "$cpu_only" = 0 ]; then
  run image-cnn-gpu 1 2 2 image cnn Conv5_FC3 3
  echo "ROI job, CPU epoch / GPU epoch: $(awk "BEGIN { printf \"%.2f\", ${epoch[roi-cnn-cpu]} / ${epoch[roi-cnn-gpu]} }")"
fi
