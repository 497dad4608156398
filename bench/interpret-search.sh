#!/usr/bin/env bash
# Timing of `interpret group` on 40 sessions of a ROI cnn, and of `random-search` with 2 jobs of 2 epochs (issue 15),
# each beside a reference run on the same data in the same script, so that the ratio survives a loaded machine:
#   interpret group (40 AD sessions, 2 ROIs each, gradient per element)  vs  classify of the same 40 sessions (forward only)
#   random-search, 2 jobs x 2 epochs (small RandomArchitectures)         vs  train roi cnn Conv4_FC3, 2 epochs, twice
# Data: generate trivial --n_subjects 40 (40 AD + 40 CN images), kfold 2 splits, fold 0 (40 training images).
# Usage: bench/interpret-search.sh [WORK_FOLDER] [REPEATS]   (default bench/results/interpret-search, 1 repeat)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "${1:-$here/bench/results/interpret-search}")
repeats=${2:-1}
dotnet build "$here/src/ClinicaDl.Cli" -c Release -v quiet -nologo >/dev/null
clinicadl() { dotnet "$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll" "$@"; }
common=(-cpu --n_splits 2 --split 0 --batch_size 8 --seed 0 -q)
search=(-cpu --n_splits 2 --split 0 --batch_size 8 -q) # each job gets its own --seed
mkdir -p "$work"
if [ ! -f "$work/caps/labels/train_splits-2/split-0/AD.tsv" ]; then
  clinicadl generate trivial "$work/caps" --n_subjects 40 --seed 0 --overwrite >/dev/null
  clinicadl tsvtool kfold "$work/caps/labels" --n_splits 2 --overwrite >/dev/null
fi
if [ ! -f "$work/model/fold-0/models/best_loss/model_best.pth.tar" ]; then
  clinicadl train roi cnn "$work/caps" t1-linear "$work/caps/labels" "$work/model" Conv4_FC3 "${common[@]}" --epochs 1 --overwrite >/dev/null
fi
cat > "$work/random_search.json" <<JSON
{ "mode": "roi", "network_type": "cnn", "caps_dir": "$work/caps", "tsv_path": "$work/caps/labels", "preprocessing": "t1-linear",
  "diagnoses": ["AD", "CN"], "epochs": 2, "learning_rate": [3, 5], "weight_decay": 4, "wd_bool": [true, false], "dropout": [0, 0.5],
  "n_convblocks": [2, 3], "first_conv_width": [4, 8], "n_conv": [1, 2], "d_reduction": ["MaxPooling", "stride"], "n_fcblocks": [1, 2] }
JSON
seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
printf '%-8s %-22s %-22s %-8s %-30s %-30s %s\n' repeat "interpret group (s)" "classify (s)" ratio "random-search 2x2 epochs (s)" "train Conv4_FC3 2x2 epochs (s)" ratio
for r in $(seq 1 "$repeats"); do
  t_int=$(seconds clinicadl interpret group "$work/model" bench -cpu --selection best_loss --batch_size 8 --overwrite -q)
  t_cls=$(seconds clinicadl classify "$work/caps" "$work/caps/labels/AD.tsv" "$work/model" bench -cpu --skip_leak_check --overwrite -q)
  rm -rf "$work/search"; mkdir -p "$work/search"; cp "$work/random_search.json" "$work/search/"
  t_rs=$(seconds bash -c "dotnet '$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll' random-search '$work/search' job-1 ${search[*]} --seed 1 &&
                          dotnet '$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll' random-search '$work/search' job-2 ${search[*]} --seed 2")
  t_tr=$(seconds bash -c "for i in 1 2; do dotnet '$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll' train roi cnn '$work/caps' t1-linear '$work/caps/labels' '$work/train-'\$i Conv4_FC3 ${common[*]} --epochs 2 --overwrite; done")
  printf '%-8s %-22.1f %-22.1f %-8.2f %-30.1f %-30.1f %.2f\n' "$r" "$t_int" "$t_cls" "$(echo "$t_int / $t_cls" | bc -l)" "$t_rs" "$t_tr" "$(echo "$t_rs / $t_tr" | bc -l)"
done
echo "sampled jobs:"; grep -h '"convolutions"' -A0 "$work"/search/job-*/commandline.json >/dev/null 2>&1 || true
for j in "$work"/search/job-*; do python3 -c "import json,sys; c=json.load(open(sys.argv[1])); print(sys.argv[1].split('/')[-2], c['network_normalization'], c['n_fcblocks'], 'FC', [(v['out_channels'], v['n_conv'], v['d_reduction']) for v in c['convolutions'].values()], 'lr', c['learning_rate'])" "$j/commandline.json"; done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
