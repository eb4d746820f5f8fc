#!/usr/bin/env bash
# Runs every CityPass test against real PostgreSQL and RabbitMQ, starting them first (scripts/services.sh).
# Works on a fresh machine (installs what is missing) and again when the services are already up.
# Ends with a line of its own: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
command -v dotnet >/dev/null || { echo "dotnet (the .NET 10 SDK) is required" >&2; echo "0 passed, 1 failed"; exit 1; }

scripts/services.sh start || { echo "could not start PostgreSQL and RabbitMQ" >&2; echo "0 passed, 1 failed"; exit 1; }
scripts/chromium.sh || { echo "could not install Chromium for the portal's browser tests" >&2; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
started=$(date +%s)
dotnet build CityPass.sln -c Debug 2>&1 | tail -n 3
build=${PIPESTATUS[0]}
if [ "$build" -ne 0 ]; then
  dotnet build CityPass.sln -c Debug 2>&1 | grep -E "error" | sort -u | head -20
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
dotnet test CityPass.sln --no-build -c Debug "$@" 2>&1 | tee "$log" | grep -vE '^\s+at |^\s*$|--- End of stack trace'
status=${PIPESTATUS[0]}

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests took $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
exit "$status"
