#!/usr/bin/env bash
# HTTP throughput of a cached schedule read against the health endpoint, on one server, in one run.
# wrk (Debian's package) on loopback, 64 connections, 2 threads, 15 s each.
# Usage: bench/http.sh [--smoke] [port]   (--smoke: 1 s runs of a robust schedule; seconds, not a measurement)
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=false
if [ "${1:-}" = "--smoke" ]; then smoke=true; shift; fi
if [ -n "${1:-}" ] && ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: bench/http.sh [--smoke] [port]" >&2
  [ "$1" = "--help" ] || [ "$1" = "-h" ]
  exit $?
fi
port=${1:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
duration=15s
mode=
if $smoke; then duration=1s; mode=', "mode": "robust"'; fi
command -v wrk >/dev/null || { echo "error: wrk is required (apt-get install wrk)" >&2; exit 1; }

data=$(mktemp -d)
api=${HSO_API_DLL:-src/Api/bin/Release/net10.0/HsoService.Api.dll}
[ -n "${HSO_API_DLL:-}" ] || dotnet build -c Release src/Api -v q -nologo >/dev/null
# The benchmark measures the server, not the per-client rate limit, so the limit is raised for this run.
Hso__DataDirectory="$data" Hso__RateLimit__PermitsPerWindow=1000000 Logging__LogLevel__Default=Warning \
  dotnet "$api" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/health/live" >/dev/null || { echo "error: the service did not start on port $port" >&2; exit 1; }

curl -sf -X POST "http://127.0.0.1:$port/schedules" -H 'content-type: application/json' \
  -d "{\"model\": \"digits16-ddpm\", \"solver\": \"dpmpp2m\", \"nfe\": 6$mode}" >/dev/null
# The default mode measures candidates on the model first (seconds on a CPU).
query="solver=dpmpp2m"
if $smoke; then query="solver=dpmpp2m&mode=robust"; fi
for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:$port/schedules/digits16-ddpm/6?$query" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/schedules/digits16-ddpm/6?$query" >/dev/null || { echo "error: the schedule was not stored" >&2; exit 1; }

run() {
  wrk -t2 -c64 -d"$duration" --latency "http://127.0.0.1:$port$1" | awk -v name="$1" '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {p99=$2}
    END {printf "%s\t%s\t%s\n", name, rps, p99}'
}

echo -e "endpoint\trequests/s\tp99"
wrk -t2 -c64 -d"${duration/15s/3s}" "http://127.0.0.1:$port/health/live" >/dev/null   # warm-up
health=$(run /health/live)
cached=$(run "/schedules/digits16-ddpm/6?$query")
echo "$health"
echo "$cached"
awk -F'\t' -v h="$health" -v c="$cached" 'BEGIN {split(h, a, "\t"); split(c, b, "\t"); printf "cached read / health = %.2f\n", b[2] / a[2]}'
