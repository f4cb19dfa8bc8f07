#!/usr/bin/env bash
# The validated mode's strategies compared (issue: model-aware schedules at a twentieth of the cost). Runs every cheap
# strategy (trajectory, teacher, refine) for DPM-Solver++ and UniPC at NFE 3, 4, 5, 6, 8 and 10 on digits16-ddpm with
# the service's CPU defaults, measures each chosen schedule that is not a family on the held-out seeds 1234, 5000,
# 20000 and 40000 (1797 samples), and draws the table and plot with bench/strategy-table.py beside today's search
# (docs/evaluation/validated) and the families' held-out FD (docs/evaluation/auto). About an hour on this 2-core CPU.
# Usage: bench/strategies.sh [OUT_DIR]   (default docs/evaluation/strategies)
#        bench/strategies.sh --smoke      (about a minute: the trajectory strategy at DPM-Solver++ NFE 3, 64 held-out samples)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/evaluation/strategies} solvers=dpmpp2m,unipc nfes=3,4,5,6,8,10 strategies=trajectory,teacher,refine samples=1797
if [ "${1:-}" = "--smoke" ]; then
  out=$(mktemp -d) solvers=dpmpp2m nfes=3 strategies=trajectory samples=64
fi
bench=(dotnet run -c Release --project bench/HsoService.Bench --)
[ -n "${HSO_BENCH_DLL:-}" ] && bench=(dotnet "$HSO_BENCH_DLL")
mkdir -p "$out"
"${bench[@]}" strategies "$out/runs" "$solvers" "$nfes" "$strategies" "$samples" | tee "$out/runs.log"
python3 bench/strategy-table.py "$out" "$out/strategies.svg"
