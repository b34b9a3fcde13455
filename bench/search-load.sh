#!/usr/bin/env bash
# Search under concurrency (issue 15): starts `wenku serve` over a library written straight into its database (ready
# documents with page text), waits until the site has indexed it and is idle again, warms every query class up, then
# drives `wrk -c64` against the search API and the search page for 1, 2 and 3 terms, a phrase and an OR query, at 10
# and 300 pages per document and at two library sizes (3 and 30 documents by default), printing req/s, p50/p99 and the
# CPU of serve per request beside the target (≥ 1,000 req/s, p99 < 100 ms). wrk comes from scripts/setup.sh.
# Usage: bench/search-load.sh [--seconds 10] [--libraries 3,30] [--pages 10,300] [--connections 64] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
echo "Building Release…"
dotnet build -c Release -v quiet -nologo -clp:ErrorsOnly
exec dotnet bench/Wenku.Bench/bin/Release/net10.0/Wenku.Bench.dll search-load "$@"
