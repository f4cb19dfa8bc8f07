#!/usr/bin/env bash
# Serving throughput of POST /generate against the raw unet, in one run on this machine: the service (Release, embedded
# mode, a private data directory) under 1, 8, 64 and 256 concurrent clients asking for one digits16 image at NFE 5
# each, for a fixed time per N; then the unet alone at the batch sizes the batcher formed (and at MaxBatch, for the raw
# best). Per N it prints images/s, p50, p99, the median batch, raw images/s at that batch and served / raw; last, that
# ratio for the largest N (the issue's line; the raw best is printed above it). First with each request
# sampled alone (Hso:Onnx:MaxBatch 1, as before the batcher), then batched (the defaults). Starts and stops the
# service itself. Usage: bench/load.sh [--smoke] [SECONDS [N...]]   (--smoke: seconds, not a measurement)
# On a GPU: HSO_PROVIDER=Cuda HSO_MAX_BATCH=256 bench/load.sh (the service and the raw unet both on CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/load.sh [--smoke] [SECONDS [N...]]   (SECONDS and each N a positive integer)"
smoke=false
if [ "${1:-}" = "--smoke" ]; then smoke=true; shift; fi
for arg in "$@"; do
  [[ "$arg" =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; exit $?; }
done
seconds=${1:-8}
shift || true
clients=${*:-1 8 64 256}
configurations="alone batched"
if $smoke; then seconds=1; clients="1 4"; configurations="batched"; fi
max_batch=${HSO_MAX_BATCH:-64}
export HSO_PROVIDER=${HSO_PROVIDER:-Cpu}

api=${HSO_API_DLL:-src/Api/bin/Release/net10.0/HsoService.Api.dll}
bench=${HSO_BENCH_DLL:-bench/HsoService.Bench/bin/Release/net10.0/HsoService.Bench.dll}
[ -n "${HSO_API_DLL:-}" ] || dotnet build -c Release src/Api -v q -nologo >/dev/null
[ -n "${HSO_BENCH_DLL:-}" ] || dotnet build -c Release bench/HsoService.Bench -v q -nologo >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=
data=$(mktemp -d)
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$data"' EXIT

for configuration in $configurations; do
  batch=$max_batch
  [ "$configuration" = alone ] && batch=1
  Hso__DataDirectory="$data" Hso__RateLimit__PermitsPerWindow=1000000 Hso__Onnx__MaxBatch=$batch Hso__Onnx__Provider=$HSO_PROVIDER \
    Logging__LogLevel__Default=Warning \
    dotnet "$api" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$port/health/live" >/dev/null || { echo "error: the service did not start" >&2; exit 1; }
  echo "# $configuration (Hso:Onnx:MaxBatch $batch), $seconds s per N"
  # shellcheck disable=SC2086
  dotnet "$bench" load "http://127.0.0.1:$port" models/digits16-ddpm "$seconds" "$max_batch" $clients
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
done
