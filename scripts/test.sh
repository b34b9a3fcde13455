#!/usr/bin/env bash
# Installs the converters the tests use for real, then runs every test (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dotnet test Wenku.slnx -c Release --logger "console;verbosity=normal" "$@"
