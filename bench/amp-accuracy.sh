#!/usr/bin/env bash
# --amp accuracy check (issue "Performance"): trains fold 0 of a trivial CAPS of 20 images twice, in float32 and with
# --amp (bfloat16 mixed), same seed and settings as the quickstart (12 epochs, batch 4, lr 1e-4), and prints each run's
# wall time, best validation ROI-level balanced accuracy (training.tsv) and validation image-level metrics.
# Target: the best validation balanced accuracy of the two within 0.02.
# Usage: bench/amp-accuracy.sh [WORK_FOLDER]   (default bench/results/amp-accuracy; ~5 minutes on a CPU without bf16)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "${1:-$here/bench/results/amp-accuracy}")
dotnet build "$here/src/ClinicaDl.Cli" -c Release -v quiet -nologo >/dev/null
clinicadl() { dotnet "$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll" "$@"; }
if [ ! -f "$work/caps/labels/train_splits-2/split-0/AD.tsv" ]; then
  clinicadl generate trivial "$work/caps" --n_subjects 10 --seed 0 --overwrite >/dev/null
  clinicadl tsvtool kfold "$work/caps/labels" --n_splits 2 --overwrite >/dev/null
fi
for mode in float32 amp; do
  extra=(); [ "$mode" = amp ] && extra=(--amp)
  start=$(date +%s)
  clinicadl train roi cnn "$work/caps" t1-linear "$work/caps/labels" "$work/$mode" Conv4_FC3 -cpu --n_splits 2 --split 0 \
    --epochs 12 --batch_size 4 --learning_rate 1e-4 --seed 0 --overwrite -q "${extra[@]}" >/dev/null
  echo "$mode: $(( $(date +%s) - start )) s; $(grep '^precision' "$work/$mode/environment.txt")"
  awk -F'\t' 'NR > 1 && $6 > m { m = $6 } END { print "  best validation ROI-level balanced accuracy:", m }' "$work/$mode/fold-0/training.tsv"
  for sel in best_balanced_accuracy best_loss; do
    echo "  $sel, validation image level (accuracy, balanced accuracy, sensitivity, specificity): $(sed -n 2p "$work/$mode/fold-0/cnn_classification/$sel/validation_image_level_metrics.tsv" | cut -f1-4 | tr '\t' ' ')"
  done
done
