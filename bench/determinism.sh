#!/usr/bin/env bash
# Same input, same bytes (issue 32), measured while BURNERS busy loops keep the cores loaded:
# 1. the probe (bench/HsoService.Bench determinism): every graph the tests run, on one fixed input RUNS times per
#    session setting (the service's; one intra-op thread; no spinning; basic graph optimisations; inputs at a new
#    address each run), counting runs whose outputs differ in any bit from the session's first run, and how far each
#    setting's output is from the service setting's;
# 2. the promises: `hso reference-stats` and `hso generate` (digits16-ddpm, tiny-sd) with the same seed REPEATS times
#    each, printing how many distinct files each gave (1 is the promise).
# CPU here: about 15 min at the defaults.
# Usage: bench/determinism.sh [RUNS REPEATS BURNERS]   (default 50 20 1)
#        bench/determinism.sh --smoke                    (seconds: 3 runs, 2 repeats, one graph)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50} repeats=${2:-20} burners=${3:-1}
graphs=(models/digits16-ddpm/unet/model.onnx models/digits16-ddpm/classifier/model.onnx tests/fixtures/tiny-sd/text_encoder/model.onnx
  tests/fixtures/tiny-sd/unet/model.onnx tests/fixtures/tiny-sd/vae_decoder/model.onnx tests/fixtures/tiny-sdxl-fp16/unet/model.onnx)
if [ "${1:-}" = "--smoke" ]; then
  runs=3 repeats=2 burners=1 graphs=(models/digits16-ddpm/classifier/model.onnx)
fi
hso=(dotnet run --project src/Cli -c Release --)
[ -f src/Cli/bin/Release/net10.0/hso.dll ] && hso=(dotnet src/Cli/bin/Release/net10.0/hso.dll)
[ -n "${HSO_DLL:-}" ] && hso=(dotnet "$HSO_DLL")
bench=(dotnet run --project bench/HsoService.Bench -c Release --)
[ -n "${HSO_BENCH_DLL:-}" ] && bench=(dotnet "$HSO_BENCH_DLL")
out=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq "$burners"); do
  (while :; do :; done) &
  pids+=($!)
done
echo "load: $burners busy loop(s) on $(nproc) cores"
"${bench[@]}" determinism "$runs" 64 "${graphs[@]}"
distinct() {
  local name=$1; shift
  for i in $(seq "$repeats"); do
    "${hso[@]}" "$@" --out "$out/$name-$i" > /dev/null 2>&1
  done
  echo "$name: $repeats runs, $(sha256sum "$out/$name"-* | cut -d' ' -f1 | sort -u | wc -l) distinct file(s)"
}
distinct reference-stats reference-stats --model digits16-ddpm --images data/digits16.csv.gz
distinct digits-generate generate --model digits16-ddpm --label 3 --nfe 6 --solver dpmpp2m --schedule uniform_lambda --n 16 --seed 7
distinct tiny-sd-generate generate --model tests/fixtures/tiny-sd --prompt "a photo of a cat" --nfe 4 --solver unipc --schedule uniform_t --width 64 --height 64 --seed 3
