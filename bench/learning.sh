#!/usr/bin/env bash
# Learning check (issues "train roi cnn" and "transfer learning"): on a generated trivial CAPS of 20 AD + 20 CN subjects,
# default ROIs, batch 8, learning rate 1e-4, does `train roi cnn` reach a validation image-level balanced accuracy
# >= 0.95 within 20 epochs on CPU, and does starting from an autoencoder (--transfer_learning_path) get there in as
# few or fewer epochs? Prints, for each run, the first epoch whose validation balanced accuracy (training.tsv, ROI
# level) reaches 0.95, and the best validation image-level balanced accuracy.
# Usage: bench/learning.sh [WORK_FOLDER]   (default bench/results/learning; about 10 minutes on 2 cores)
#        bench/learning.sh image [WORK_FOLDER]   (issue "image mode": `train image cnn Conv5_FC3` from scratch on the same
#        CAPS, batch 2, 20 epochs; the first epoch whose validation image-level balanced accuracy reaches 0.95 and the
#        best one; about 10 minutes on 2 idle cores)
#        bench/learning.sh patch [WORK_FOLDER]   (issue "patch mode": `train patch cnn Conv4_FC3` from scratch on the same
#        CAPS, default 36 patches of 50³, batch 8, 20 epochs; the first epoch whose validation patch-level balanced
#        accuracy reaches 0.95, and the best model's validation image-level balanced accuracy (soft voting); about 25
#        minutes on 2 idle cores)
set -euo pipefail
mode=roi
if [ "${1:-}" = image ] || [ "${1:-}" = patch ]; then mode=$1; shift; fi
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "${1:-$here/bench/results/learning}")
dotnet build "$here/src/ClinicaDl.Cli" -c Release -v quiet -nologo >/dev/null
clinicadl() { dotnet "$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll" "$@"; }
common=(-cpu --n_splits 2 --split 0 --batch_size 8 --learning_rate 1e-4 --seed 0 --overwrite -q)

if [ ! -f "$work/caps/labels/train_splits-2/split-0/AD.tsv" ]; then
  clinicadl generate trivial "$work/caps" --n_subjects 20 --seed 0 --overwrite >/dev/null
  clinicadl tsvtool kfold "$work/caps/labels" --n_splits 2 --overwrite >/dev/null
fi

first_epoch() {  # first epoch (1-based) whose end-of-epoch validation balanced accuracy >= 0.95
  awk -F'\t' 'NR > 1 && $6 >= 0.95 { print $1 + 1; found = 1; exit } END { if (!found) print "never" }' "$1"
}
image_bacc() { awk -F'\t' 'NR == 2 { print $2 }' "$1/fold-0/cnn_classification/best_balanced_accuracy/validation_image_level_metrics.tsv"; }

if [ "$mode" = image ]; then
  # Image mode has one element per session: training.tsv's validation balanced accuracy is the image-level one.
  start=$(date +%s)
  clinicadl train image cnn "$work/caps" t1-linear "$work/caps/labels" "$work/image" Conv5_FC3 -cpu --n_splits 2 --split 0 \
    --batch_size 2 --learning_rate 1e-4 --seed 0 --overwrite -q --epochs 20 >/dev/null
  t_image=$(( $(date +%s) - start ))
  best=$(awk -F'\t' 'NR > 1 && $6 > b { b = $6 } END { print b + 0 }' "$work/image/fold-0/training.tsv")
  printf '%-26s %-28s %-30s %s\n' run "first epoch valid bacc>=0.95" "best valid image-level bacc" seconds
  printf '%-26s %-28s %-30s %s\n' "image cnn Conv5_FC3" "$(first_epoch "$work/image/fold-0/training.tsv")" "$best ($(image_bacc "$work/image") in the best model's table)" "$t_image"
  exit 0
fi

if [ "$mode" = patch ]; then
  start=$(date +%s)
  clinicadl train patch cnn "$work/caps" t1-linear "$work/caps/labels" "$work/patch" Conv4_FC3 "${common[@]}" --epochs 20 >/dev/null
  t_patch=$(( $(date +%s) - start ))
  best=$(awk -F'\t' 'NR > 1 && $6 > b { b = $6 } END { print b + 0 }' "$work/patch/fold-0/training.tsv")
  printf '%-26s %-28s %-30s %s\n' run "first epoch valid bacc>=0.95" "best valid image-level bacc" seconds
  printf '%-26s %-28s %-30s %s\n' "patch cnn Conv4_FC3" "$(first_epoch "$work/patch/fold-0/training.tsv") (patch level; best $best)" "$(image_bacc "$work/patch")" "$t_patch"
  exit 0
fi

start=$(date +%s)
clinicadl train roi cnn "$work/caps" t1-linear "$work/caps/labels" "$work/scratch" Conv4_FC3 "${common[@]}" --epochs 20 >/dev/null
t_scratch=$(( $(date +%s) - start ))
start=$(date +%s)
clinicadl train roi autoencoder "$work/caps" t1-linear "$work/caps/labels" "$work/ae" Conv4_FC3 "${common[@]}" --epochs 10 >/dev/null
t_ae=$(( $(date +%s) - start ))
start=$(date +%s)
clinicadl train roi cnn "$work/caps" t1-linear "$work/caps/labels" "$work/transfer" Conv4_FC3 "${common[@]}" --epochs 20 \
  --transfer_learning_path "$work/ae" >/dev/null
t_transfer=$(( $(date +%s) - start ))

printf '%-26s %-28s %-30s %s\n' run "first epoch valid bacc>=0.95" "best valid image-level bacc" seconds
printf '%-26s %-28s %-30s %s\n' "cnn from scratch" "$(first_epoch "$work/scratch/fold-0/training.tsv")" "$(image_bacc "$work/scratch")" "$t_scratch"
printf '%-26s %-28s %-30s %s\n' "autoencoder (10 epochs)" "-" "-" "$t_ae"
printf '%-26s %-28s %-30s %s\n' "cnn from the autoencoder" "$(first_epoch "$work/transfer/fold-0/training.tsv")" "$(image_bacc "$work/transfer")" "$t_transfer"
