#!/usr/bin/env bash
# Installs the converters the tests use for real, starts the scale-out engines (PostgreSQL and s3rver on loopback,
# see scripts/services.sh), then runs every test (unit and integration) on the embedded default, and the site suite
# (test classes with the trait Suite=both-stacks) a second time on PostgreSQL + s3rver + PostgreSQL search.
# Arguments (e.g. --filter) apply to the first run. Engines this script started, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! bash scripts/services.sh status; then
  trap 'bash scripts/services.sh stop' EXIT
fi
services_env=$(bash scripts/services.sh start)
while IFS= read -r line; do export "${line?}"; done <<< "$services_env"
dotnet test Wenku.slnx -c Release --logger "console;verbosity=normal" "$@"
echo "== The site suite again on the scale-out stack (PostgreSQL, s3rver, PostgreSQL search)"
WENKU_TEST_STACK=scaleout dotnet test Wenku.slnx -c Release --no-build --filter "Suite=both-stacks" --logger "console;verbosity=normal"
