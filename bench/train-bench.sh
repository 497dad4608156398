#!/bin/sh
# Builds clinicadl and TrainBench in Release, then runs TrainBench (default mode: train).
#   bench/train-bench.sh                                  # cnn at N = 20, 40, 80 images, 4 epochs, 3 repeats
#   bench/train-bench.sh train --network multicnn --repeat 1
#   bench/train-bench.sh amp                              # --amp feasibility (bfloat16 vs float32 step)
#   bench/train-bench.sh conv --threads 1 --repeat 5      # LibTorch's conv3d vs ExactConvolution: errors and times
# Generated CAPS are cached in bench/results/caps-N (git-ignored); training outputs go to bench/results/runs.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dotnet build -c Release -nologo -v q src/ClinicaDl.Cli/ClinicaDl.Cli.csproj >/dev/null
dotnet build -c Release -nologo -v q bench/TrainBench/TrainBench.csproj >/dev/null
exec dotnet bench/TrainBench/bin/Release/net10.0/TrainBench.dll "$@"
