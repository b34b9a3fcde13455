#!/usr/bin/env bash
# Sets up and runs Wenku on the embedded default (SQLite, local files, embedded queue, demo data on first start).
# Usage: scripts/run.sh [--urls http://127.0.0.1:5000] [--data ./data]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
urls="http://127.0.0.1:5000"; data="./data"
while [ $# -gt 0 ]; do
  case "$1" in
    --urls) urls="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
dotnet build src/Wenku -c Release -r linux-x64 --self-contained false -o .artifacts/wenku -v quiet -nologo
echo "Wenku is starting on $urls (data in $data). Create an admin with:"
echo "  dotnet .artifacts/wenku/Wenku.dll admin create-user --data $data --email you@example.com --password '…' --role admin"
exec dotnet .artifacts/wenku/Wenku.dll serve --urls "$urls" --data "$data"
