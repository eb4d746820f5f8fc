#!/usr/bin/env bash
# Measures CityPass on this machine against real PostgreSQL and RabbitMQ (started like ./test.sh does) and prints a
# table; the figures go to artifacts/bench/latest.json. --quick: under a minute, a smoke run (CI runs it).
# --only taps,history,offline,webhook,denylist: those sections only (with the baselines and the ledger check), written
# to artifacts/bench/partial.json. --offline-cards N: the offline section's taps spread over N cards (default 500; 20000:
# one tap a card stream, a city's shape).
# --city [--quick] [--cards N --taps N --days N --busy-day N --ledger-seconds N --rebuild --in-place --stripe-rows N]: a city's history
# (built once, cached under artifacts/bench/city/ with scripts/backup.sh, restored with scripts/restore.sh; --in-place:
# measured in the schema it was built in when still there; --in-place-schema test_cityXXXX: a city whose build was stopped,
# described from its schema) measured against a small database in the same run, to
# artifacts/bench/city.json (docs/performance.md, City scale).
# --stripe-report [--rows 10000,100000]: reconciling a day's Stripe itemized report of each size, on a fresh schema and on
# one holding the previous imports (docs/performance.md, City scale).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The host runs inside the benchmark's process: it collects as the deployed host does (Microsoft.NET.Sdk.Web's Server GC),
# not as a console program (workstation GC: 0.43 against 0.51-0.59 ms of host CPU per offline tap, 2026-12-01).
export DOTNET_gcServer=1
scripts/services.sh start || { echo "could not start PostgreSQL and RabbitMQ" >&2; exit 1; }
# A build that fails stops here: running the binaries an earlier build left would measure other code than this tree's.
build=$(dotnet build tests/CityPass.Benchmarks -c Release 2>&1)
status=$?
grep -E " error |rror\(s\)" <<<"$build" | sort -u
[ "$status" -eq 0 ] || { echo "the benchmark did not build: nothing measured" >&2; exit 1; }
dotnet run --project tests/CityPass.Benchmarks -c Release --no-build -- "$@"
