#!/usr/bin/env bash
# Installs the converters the tests use for real, starts the scale-out engines (PostgreSQL and s3rver on loopback,
# see scripts/services.sh), then runs every test (unit and integration). Engines this script started, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! bash scripts/services.sh status; then
  trap 'bash scripts/services.sh stop' EXIT
fi
services_env=$(bash scripts/services.sh start)
while IFS= read -r line; do export "${line?}"; done <<< "$services_env"
dotnet test Wenku.slnx -c Release --logger "console;verbosity=normal" "$@"
