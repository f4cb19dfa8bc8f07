#!/usr/bin/env bash
# auto on held-out seeds: measures every schedule (the four families, HSO in both modes, and auto, the service's
# measured selection) on seed 1234, then the families and auto's chosen times again on seeds 5000, 20000 and 40000
# (hso evaluate --remeasure: the selection is made once, on the calibration draw, as the service makes it), and
# draws the table with bench/auto-table.py. CPU: about 40 min for seed 1234 and 20 min for each other seed here.
# Usage: bench/auto-heldout.sh [OUT_DIR]   (default docs/evaluation/auto)
#        bench/auto-heldout.sh --smoke      (seconds: 64 samples, ddim and unipc at NFE 3, into a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
samples=1797 solvers=ddim,dpmpp2m,unipc nfes=3,4,5,6,8,10 seeds="5000 20000 40000" out=${1:-docs/evaluation/auto}
# RMSE needs a 1000-step reference run per seed (128 samples: 128k evaluations); the table uses FD only, so the
# other seeds take a one-sample reference.
reference=(--reference-samples 128) other=(--reference-samples 1) calibration=()
if [ "${1:-}" = "--smoke" ]; then
  samples=64 solvers=ddim,unipc nfes=3 seeds="5000" out=$(mktemp -d)
  reference=(--reference-samples 1 --reference-steps 10) other=("${reference[@]}") calibration=(--calibration-samples 16)
fi
hso=(dotnet run --project src/Cli -c Release --)
[ -f src/Cli/bin/Release/net10.0/hso.dll ] && hso=(dotnet src/Cli/bin/Release/net10.0/hso.dll)
[ -n "${HSO_DLL:-}" ] && hso=(dotnet "$HSO_DLL")
mkdir -p "$out"
"${hso[@]}" evaluate --solvers "$solvers" --nfe "$nfes" --n "$samples" "${reference[@]}" "${calibration[@]}" --seed 1234 \
  --schedules uniform_t,uniform_lambda,edm,ays,hso-paper,hso-robust,auto --out "$out/seed-1234" 2> "$out/seed-1234.log"
for seed in $seeds; do
  "${hso[@]}" evaluate --remeasure "$out/seed-1234/report.json" --solvers "$solvers" --nfe "$nfes" --n "$samples" "${other[@]}" "${calibration[@]}" --seed "$seed" \
    --schedules uniform_t,uniform_lambda,edm,ays,auto --out "$out/seed-$seed" 2> "$out/seed-$seed.log"
done
python3 bench/auto-table.py "$out"
