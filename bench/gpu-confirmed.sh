#!/usr/bin/env bash
# Validated mode with its confirmation stage on a GPU machine, judged on four held-out seeds. For each solver and NFE,
# `hso evaluate` searches the validated schedule (calibration seed 1000003, K samples, MEASUREMENTS measured schedules'
# worth of budget, DRAWS confirmation draws) and measures it beside the training-free candidates on 1797 held-out
# samples (seed 1234); then `--remeasure` measures the same schedules on seeds 5000, 20000 and 40000.
# The two solvers run side by side (one process each) to keep the GPU busy while the other does CPU work.
# Run from the repository root with a self-contained hso (staging: ../shared/docs/GPU-RUNS.md).
# Usage: bench/gpu-confirmed.sh [--smoke] OUTDIR   (env: HSO_APP, PROVIDER, SOLVERS, NFES, K, MEASUREMENTS, DRAWS, N,
# BATCH, REFERENCE_SAMPLES, REFERENCE_STEPS, WARMUP_N, CACHE)
# --smoke: the whole flow on this CPU with scripts/hso, one solver at NFE 3 and tiny sizes (seconds, not evidence).
# The device tool brings back at most 8 files, no more than two folders below $OUT, and this run writes about 130
# files three folders down: write them outside $OUT and pack them afterwards, so that a run stopped by its time limit
# still comes back:  timeout 540 bench/gpu-confirmed.sh /tmp/run > /tmp/run.log 2>&1; tar czf $OUT/run.tgz -C /tmp run run.log
set -uo pipefail
if [ "${1:-}" = "--smoke" ]; then
  shift
  export HSO_APP=${HSO_APP:-scripts/hso} PROVIDER=cpu SOLVERS=dpmpp2m NFES=3 K=16 MEASUREMENTS=2 DRAWS=1 N=32 BATCH=64 REFERENCE_SAMPLES=8 REFERENCE_STEPS=20 WARMUP_N=8 CACHE=$(mktemp -d)
fi
out=${1:?usage: bench/gpu-confirmed.sh [--smoke] OUTDIR}
app=${HSO_APP:-/tmp/stage/app/hso}
provider=${PROVIDER:-cuda}
cache=${CACHE:-/tmp/hso-cache}
mkdir -p "$out"
common=(--model models/digits16-ddpm --data data/digits16.csv.gz --provider "$provider" --batch "${BATCH:-1024}" --cache-dir "$cache" --reference-samples "${REFERENCE_SAMPLES:-128}" --reference-steps "${REFERENCE_STEPS:-1000}")

quiet() { tr '\r' '\n' | grep -v '━' | grep -v '^\s*$' | grep -v '^wrote' | grep -v 'VerifyEachNodeIsAssignedToAnEp'; }

# The reference runs (RMSE) of each held-out seed are cached once, and the first one proves the provider is the one asked for.
"$app" evaluate "${common[@]}" --solvers dpmpp2m --nfe 4 --schedules edm --n "${WARMUP_N:-128}" --seed 1234 --out "$out/warmup" 2>&1 | quiet
grep -q "\"execution_provider\": \"$provider\"" "$out/warmup/report.json" || { echo "warm-up did not run on $provider"; exit 1; }
(for seed in 5000 20000 40000; do
  "$app" evaluate "${common[@]}" --solvers dpmpp2m --nfe 4 --schedules edm --n "${WARMUP_N:-128}" --seed "$seed" --out "$out/warmup-$seed" 2>&1 | quiet
done) > "$out/warmup.log" 2>&1 &

stream() {
  local solver=$1
  for nfe in ${NFES:-6 8 4 5 10}; do
    local dir="$out/$solver-$nfe" start
    start=$(date +%s%N)
    "$app" evaluate "${common[@]}" --solvers "$solver" --nfe "$nfe" --n "${N:-1797}" --seed 1234 \
      --schedules uniform_t,uniform_lambda,edm,ays,hso-paper,hso-robust,validated \
      --calibration-samples "${K:-2048}" --measurements "${MEASUREMENTS:-160}" --confirmation-draws "${DRAWS:-4}" \
      --out "$dir/seed-1234" 2>&1 | quiet
    echo "$solver nfe $nfe seed 1234 (search + evaluation): $(( ($(date +%s%N) - start) / 1000000 )) ms"
    for seed in 5000 20000 40000; do
      start=$(date +%s%N)
      "$app" evaluate "${common[@]}" --remeasure "$dir/seed-1234/report.json" --n "${N:-1797}" --seed "$seed" \
        --solvers "$solver" --nfe "$nfe" --out "$dir/seed-$seed" 2>&1 | quiet
      echo "$solver nfe $nfe seed $seed: $(( ($(date +%s%N) - start) / 1000000 )) ms"
    done
  done
}

for solver in ${SOLVERS:-dpmpp2m unipc}; do
  stream "$solver" > "$out/$solver.log" 2>&1 &
done
wait
cat "$out"/*.log
