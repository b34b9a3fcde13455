#!/usr/bin/env bash
# Search benchmark: generates N documents (default 100,000, about 1 GB of text) from the sentences of the cnews
# corpus, indexes them with Wenku's Lucene index and with SQLite FTS5 (trigram tokenizer) in the same run, and prints
# both side by side: build rate, index size, p50/p99 latency and queries/s for 1–3 Chinese terms, quoted phrases and
# a term with a category filter and facet counts, plus the serving process's memory.
# Usage: bench/search.sh [--docs 100000] [--queries 200] [--work DIR [--reuse]] [--corpus cnews.val.tsv]
#        bench/search.sh --postgres [--docs 10000] [--queries 200] [--keep-db] [--explain]   the PostgreSQL backend
#        beside Lucene instead (starts PostgreSQL with scripts/services.sh and uses a database of its own, dropped at
#        the end unless --keep-db; --explain prints EXPLAIN (ANALYZE, BUFFERS) of the two slowest queries of each class)
# Needs ~5 GB of free disk for 100,000 documents (both indexes); takes roughly 20–40 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
if [[ " $* " == *" --postgres "* ]]; then
  services_env=$(bash scripts/services.sh start)
  while IFS= read -r line; do export "${line?}"; done <<< "$services_env"
fi
echo "Building Release…"
dotnet build bench/Wenku.Bench -c Release -v quiet -nologo -clp:ErrorsOnly
exec dotnet bench/Wenku.Bench/bin/Release/net10.0/Wenku.Bench.dll search "$@"
