#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine and prints one line "N passed, N failed" counted from the TRX
# results. Exits non-zero when a test fails or the build breaks. Usage: ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required: https://dotnet.microsoft.com/download" >&2
  exit 1
fi

# Tools the tests use, from Debian's packages when missing: redis-server (the Redis tests), yamllint and
# docker-compose (the deployment checks; docker-compose parses the compose file without a Docker engine), wrk
# (bench/http.sh's smoke run).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)" >&2
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "${missing[@]}" >/dev/null
fi

# A real Redis on a loopback port, no persistence; the Redis tests use it (HSO_TEST_REDIS).
redis_port=${HSO_TEST_REDIS_PORT:-6399}
redis_pid=$(mktemp -u /tmp/hso-test-redis.XXXXXX.pid)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile "$redis_pid" --logfile /dev/null
trap 'if [ -f "$redis_pid" ]; then kill "$(cat "$redis_pid")" 2>/dev/null || true; fi' EXIT
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || { echo "error: redis-server did not start on port $redis_port" >&2; exit 1; }
export HSO_TEST_REDIS="127.0.0.1:$redis_port"

results=TestResults
rm -rf "$results"
status=0
mkdir -p "$results"
set +e
dotnet test HsoService.sln -c Release --logger trx --results-directory "$results" 2>&1 | tee "$results/dotnet-test.log"
status=${PIPESTATUS[0]}
set -e
# A test host that crashes ends its run early, and its TRX counts only the tests that finished: count each crash as
# a failure, so that tests which never ran cannot pass unseen.
crashed=$(grep -c "The active test run was aborted" "$results/dotnet-test.log" || true)

passed=0
failed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

failed=$((failed + crashed))
if [ "$crashed" -gt 0 ]; then echo "error: $crashed test host(s) crashed; each is counted as a failure" >&2; fi
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
