#!/usr/bin/env bash
# How often one calibration draw picks the same family: the near-tied families (uniform_lambda, edm, ays) measured
# with FD-digits on six draws of K samples each (seeds 1000003, 2000003, ... 6000003), at K = 256 (the selection's
# draw on CPU) and K = 1024, for the settings where auto missed the best single family on the held-out seeds.
# Prints one line per (K, draw, setting): the family the draw picks and every family's FD. CPU: about 25 min here.
# Usage: bench/selection-noise.sh [OUT_DIR]   (default: a temporary folder)
#        bench/selection-noise.sh --smoke      (seconds: K = 16, one draw, one setting)
set -euo pipefail
cd "$(dirname "$0")/.."
ks="256 1024" draws="1000003 2000003 3000003 4000003 5000003 6000003" settings=("dpmpp2m 4" "dpmpp2m 6" "unipc 5") out=${1:-$(mktemp -d)}
if [ "${1:-}" = "--smoke" ]; then
  ks=16 draws=1000003 settings=("unipc 3") out=$(mktemp -d)
fi
hso=(dotnet run --project src/Cli -c Release --)
[ -f src/Cli/bin/Release/net10.0/hso.dll ] && hso=(dotnet src/Cli/bin/Release/net10.0/hso.dll)
[ -n "${HSO_DLL:-}" ] && hso=(dotnet "$HSO_DLL")
for k in $ks; do
  for draw in $draws; do
    for setting in "${settings[@]}"; do
      read -r solver nfe <<< "$setting"
      dir="$out/k$k-draw$draw-$solver-$nfe"
      # FD only: a one-sample, ten-step RMSE reference keeps the run cheap.
      "${hso[@]}" evaluate --solvers "$solver" --nfe "$nfe" --schedules uniform_lambda,edm,ays --n "$k" --seed "$draw" \
        --reference-samples 1 --reference-steps 10 --out "$dir" > /dev/null 2> "$dir.log"
      python3 - "$dir/report.json" "$k" "$draw" "$solver" "$nfe" <<'PY'
import json, sys
path, k, draw, solver, nfe = sys.argv[1:]
fd = {row["schedule"]: row["fd"] for row in json.load(open(path))["rows"]}
print(f"K {k} draw {draw} {solver} NFE {nfe}: picks {min(fd, key=fd.get)};", " ".join(f"{name} {value:.3f}" for name, value in fd.items()))
PY
    done
  done
done
