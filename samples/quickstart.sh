#!/usr/bin/env bash
# Quickstart: generate a small synthetic CAPS, split it into 2 folds and train `train roi cnn` on CPU.
# Usage: samples/quickstart.sh [OUTPUT_FOLDER]   (default: ./quickstart; needs only the .NET SDK)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-quickstart}")

echo "== building clinicadl (Release)"
dotnet build "$here/src/ClinicaDl.Cli" -c Release -v quiet -nologo >/dev/null
clinicadl() { dotnet "$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll" "$@"; }

run() { echo "== clinicadl $*"; clinicadl "$@"; }
run generate trivial "$out/caps" --n_subjects 10 --seed 0 --overwrite
# Batch 4: with only 10 training images per fold, smaller batches give BatchNorm's running statistics (used for
# evaluation) enough steps to settle; ClinicaDL's default learning rate.
run tsvtool kfold "$out/caps/labels" --n_splits 2 --overwrite
run train roi cnn "$out/caps" t1-linear "$out/caps/labels" "$out/results" Conv4_FC3 \
    -cpu --n_splits 2 --epochs 12 --batch_size 4 --learning_rate 1e-4 --seed 0 --overwrite
