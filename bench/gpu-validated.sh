#!/usr/bin/env bash
# The validated-mode evidence run on a GPU machine: for each solver and NFE, `hso evaluate` measures the candidate
# schedules and the validated one (searched on calibration seed 1000003, K = 2048 on CUDA) on 1797 held-out samples
# (seed 1234). Run from the repository root with a self-contained hso (see ../shared/docs/GPU-RUNS.md for staging).
# Usage: bench/gpu-validated.sh [--smoke] "dpmpp2m unipc"   (env: HSO_APP, OUT, NFES, MEASUREMENTS, PROVIDER, BATCH, N)
# --smoke: the same flow on this CPU with scripts/hso, NFE 3 and tiny sizes (seconds, not evidence).
set -uo pipefail
if [ "${1:-}" = "--smoke" ]; then
  shift
  export HSO_APP=${HSO_APP:-scripts/hso} NFES=3 MEASUREMENTS=2 PROVIDER=cpu BATCH=64 N=32 EXTRA="--calibration-samples 16 --reference-samples 8 --reference-steps 20"
  set -- "${1:-dpmpp2m}"
fi
app=${HSO_APP:-/tmp/stage/app/hso}
out=${OUT:-/tmp/hso-gpu}
for solver in ${1:-dpmpp2m unipc}; do
  for nfe in ${NFES:-6 8 4 5 10}; do
    start=$(date +%s)
    "$app" evaluate --model models/digits16-ddpm --data data/digits16.csv.gz --solvers "$solver" --nfe "$nfe" \
      --schedules uniform_t,uniform_lambda,edm,ays,hso-paper,hso-robust,validated --provider "${PROVIDER:-cuda}" --batch "${BATCH:-1024}" --n "${N:-1797}" ${EXTRA:-} \
      --measurements "${MEASUREMENTS:-200}" --cache-dir /tmp/hso-cache --out "$out/$solver-$nfe" 2>&1 |
      tr '\r' '\n' | grep -v '━' | grep -v '^\s*$' | grep -v '^wrote'
    echo "$solver nfe $nfe: $(( $(date +%s) - start )) s"
  done
done
