#!/usr/bin/env bash
# Golden check for refactorings (issue 11, "behaviour unchanged"): on a tiny generated CAPS, with a fixed seed and one
# torch thread, runs
#   train roi cnn, train roi multicnn, train roi autoencoder --visualization, classify (with the cnn results),
#   extract roi + train roi multicnn --use_extracted_roi, and train roi cnn interrupted by SIGTERM then train resume,
# and writes a manifest of everything they wrote: the file tree (names with time stamps or host names normalised),
# the TSVs with their `time` column removed, and the sha256 of every other deterministic file (weights, optimizer
# and checkpoint state, commandline.json, reconstructions, extracted tensors, plots). Files that hold wall times or
# the machine (environment.txt, the log, event files) are listed, not hashed.
# Usage: bench/golden-check.sh WORK_FOLDER [BASELINE_MANIFEST]
#   Writes WORK_FOLDER/manifest.txt; with BASELINE_MANIFEST, diffs against it and exits 1 on any difference.
#   Build: Release of src/ClinicaDl.Cli (this checkout). About 2-4 minutes on 2 busy cores.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "$1")
baseline=${2:-}
rm -rf "$work"; mkdir -p "$work"
dotnet build "$here/src/ClinicaDl.Cli" -c Release -v quiet -nologo >/dev/null
dll="$here/src/ClinicaDl.Cli/bin/Release/net10.0/clinicadl.dll"
clinicadl() { dotnet "$dll" "$@"; }

caps="$work/caps"; out="$work/out"
clinicadl generate trivial "$caps" --n_subjects 4 --seed 1 >/dev/null
clinicadl tsvtool kfold "$caps/labels" --n_splits 2 >/dev/null
# --epochs is given per run (System.CommandLine refuses an option given twice).
common=(t1-linear "$caps/labels" -cpu --threads 1 --n_splits 2 --batch_size 2 --seed 5 -esteps 3 -q)
train() { local network=$1 dir=$2; shift 2; clinicadl train roi "$network" "$caps" "${common[0]}" "${common[1]}" "$out/$dir" Conv4_FC3 "${common[@]:2}" --epochs 2 "$@" >/dev/null; }

train cnn cnn --sampler weighted
train multicnn multicnn --dropout 0.2
train autoencoder autoencoder --visualization
clinicadl classify "$caps" "$caps/labels/validation_splits-2/split-0" "$out/cnn" golden -cpu --threads 1 --skip_leak_check -q >/dev/null
clinicadl extract roi "$caps" t1-linear --roi_list rightHippocampusBox leftHippocampusBox >/dev/null
train multicnn multicnn-extracted --use_extracted_roi --roi_list rightHippocampusBox leftHippocampusBox

# Interrupt: SIGTERM (a background job of a script ignores SIGINT) once the first checkpoint exists, then resume. A correct resume gives the same files whatever the
# moment of the interrupt (tests/…/ResumeTests), so the manifest does not depend on the timing; the exit code is printed.
dotnet "$dll" train roi cnn "$caps" t1-linear "$caps/labels" "$out/resumed" Conv4_FC3 "${common[@]:2}" --epochs 6 --split 1 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  if compgen -G "$out/resumed/fold-1/models/checkpoint.pth.tar" >/dev/null || ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
done
kill -TERM "$pid" 2>/dev/null || true
set +e; wait "$pid"; rc=$?; set -e
echo "interrupted run exit code: $rc (143: interrupted; 0: it finished first)"
clinicadl train resume "$out/resumed" -q >/dev/null

manifest="$work/manifest.txt"
(
  cd "$out"
  find . -type f | sort | while read -r f; do
    name=$(echo "$f" | sed -E 's/events\.out\.tfevents\..*/events.out.tfevents.*/')
    case "$f" in
      *tfevents*|*/environment.txt|*.log) echo "$name (listed)";;
      */commandline.json) echo "$name $(sed -e "s#$work#WORK#g" -e 's#"working_directory": ".*"#"working_directory": CWD#' "$f" | sha256sum | cut -d' ' -f1) (WORK_FOLDER and working_directory replaced)";;
      *.tsv)
        echo "$name"
        awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time") t = i }
                    { line = ""; for (i = 1; i <= NF; i++) if (i != t) line = line (line == "" ? "" : "\t") $i; print "  " line }' "$f";;
      *) echo "$name $(sha256sum "$f" | cut -d' ' -f1)";;
    esac
  done
  cd "$caps"
  find . -path '*roi_based*' -name '*.pt' | sort | while read -r f; do echo "caps/$f $(sha256sum "$f" | cut -d' ' -f1)"; done
) > "$manifest"
echo "manifest: $manifest ($(grep -c '^\.' "$manifest") files, $(wc -l < "$manifest") lines)"
if [ -n "$baseline" ]; then
  if diff -u "$baseline" "$manifest" > "$work/manifest.diff"; then
    echo "golden check: identical to $baseline"
  else
    echo "golden check: DIFFERS from $baseline (first lines of $work/manifest.diff):"; head -40 "$work/manifest.diff"; exit 1
  fi
fi
