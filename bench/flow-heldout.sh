#!/usr/bin/env bash
# Flow schedules on held-out seeds (issue 28): digits16-flow, the trained digits DDPM as an exact rectified flow.
# Measures on seed 1234 the model's own default (FlowMatchEulerDiscreteScheduler, shift 1), SD3's shift-3 rule
# (flow_shift:3), uniform_t (uniform in the flow sigma), uniform_lambda, edm, HSO in both modes and auto (the
# service's measured selection, made once on the calibration draw), then every one of those times again on seeds
# 5000, 20000 and 40000 (hso evaluate --remeasure); then the selection as the service makes it now (hso optimize
# --mode selected, into OUT_DIR/selection), and draws bench/flow-table.py's table of four-seed means.
# The reference run is one sample: the table uses FD only. CPU here: about 1.5 h in all.
# Usage: bench/flow-heldout.sh [OUT_DIR]   (default docs/evaluation/flow)
#        bench/flow-heldout.sh --smoke      (a minute: 64 samples, ddim and unipc at NFE 4, one more seed)
set -euo pipefail
cd "$(dirname "$0")/.."
samples=1797 solvers=ddim,dpmpp2m,unipc nfes=3,4,5,6,8,10 seeds="5000 20000 40000" out=${1:-docs/evaluation/flow}
reference=(--reference-samples 1 --reference-steps 1000) calibration=()
if [ "${1:-}" = "--smoke" ]; then
  samples=64 solvers=ddim,unipc nfes=4 seeds="5000" out=$(mktemp -d)
  reference=(--reference-samples 1 --reference-steps 10) calibration=(--calibration-samples 16)
fi
schedules=default,flow_shift:3,uniform_t,uniform_lambda,edm,hso-paper,hso-robust,auto
hso=(dotnet run --project src/Cli -c Release --)
[ -f src/Cli/bin/Release/net10.0/hso.dll ] && hso=(dotnet src/Cli/bin/Release/net10.0/hso.dll)
[ -n "${HSO_DLL:-}" ] && hso=(dotnet "$HSO_DLL")
mkdir -p "$out"
"${hso[@]}" evaluate --model digits16-flow --solvers "$solvers" --nfe "$nfes" --n "$samples" "${reference[@]}" "${calibration[@]}" --seed 1234 \
  --schedules "$schedules" --out "$out/seed-1234" 2> "$out/seed-1234.log"
for seed in $seeds; do
  "${hso[@]}" evaluate --model digits16-flow --remeasure "$out/seed-1234/report.json" --solvers "$solvers" --nfe "$nfes" --n "$samples" \
    "${reference[@]}" "${calibration[@]}" --seed "$seed" --schedules "$schedules" --out "$out/seed-$seed" 2> "$out/seed-$seed.log"
done
mkdir -p "$out/selection"
for solver in ${solvers//,/ }; do
  for nfe in ${nfes//,/ }; do
    "${hso[@]}" optimize --model digits16-flow --mode selected --solver "$solver" --nfe "$nfe" "${calibration[@]}" --json \
      > "$out/selection/$solver-$nfe.json" 2> "$out/selection/$solver-$nfe.log"
  done
done
python3 bench/flow-table.py "$out"
