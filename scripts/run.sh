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
echo "Wenku starts on $urls (data in $data). Make yourself an admin with:"
echo "  ./wenku admin create-user --data $data --email you@example.com --password '…' --role admin"
exec ./wenku serve --urls "$urls" --data "$data"
