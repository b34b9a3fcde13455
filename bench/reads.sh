#!/usr/bin/env bash
# Uncached reads at library size (issue 15): fills a site's data folder with 10,000 and 100,000 ready documents (rows
# written straight into SQLite in one transaction, tiny page images as hard links), starts `wenku serve` on it, waits
# until it has indexed the library, then drives wrk -t2 -c64 with random document ids (/d/{id}), random category pages
# (/c/{slug}?page=1..50), random uploader pages (/u/{slug}) and the document API, with the document page's output cache
# off (every read a miss), each beside the same four URLs again and again (the document page from the output cache).
# Prints req/s, p50/p99, CPU of serve per request and serve's peak RSS beside the targets. wrk comes from scripts/setup.sh.
# With --work DIR the libraries stay in DIR, and a later run with the same DIR measures them again without refilling
# or reindexing (filling and indexing 100,000 documents takes minutes).
# Usage: bench/reads.sh [--sizes 10000,100000] [--seconds 10] [--connections 64] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
command -v wrk >/dev/null || { echo "Missing: wrk. Run scripts/setup.sh first." >&2; exit 1; }
echo "Building Release…"
dotnet build -c Release -v quiet -nologo -clp:ErrorsOnly
work=()
if [[ " $* " != *" --work "* ]]; then
  tmp="$(mktemp -d -t wenku-reads.XXXXXX)"
  trap 'rm -rf "$tmp"' EXIT
  work=(--work "$tmp")
fi
dotnet bench/Wenku.Bench/bin/Release/net10.0/Wenku.Bench.dll reads "${work[@]}" --wenku src/Wenku/bin/Release/net10.0/wenku.dll "$@"
