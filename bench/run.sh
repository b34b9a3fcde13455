#!/usr/bin/env bash
# Builds Release and runs Wenku's benchmarks, each beside its comparison:
#   1. ingest: a 100-page PDF end to end through `wenku serve` vs bare pdftoppm + pdftotext (median of 3)
#   2. document page: /d/{id} under wrk vs nginx serving the same HTML as a static file
#   3. duplicates: near-duplicate fingerprint + lookup in 1M synthetic fingerprints vs exact SHA-256, and the evaluation
#   4. office: a 20-page DOCX, Wenku (upload→ready, and its LibreOffice step alone) vs bare soffice --convert-to pdf, cold and warm
#   5. ocr: scanned Chinese A4 pages, Wenku's PageOcr vs bare tesseract, pages/s
#   6. words: the sensitive-word matcher on 1 MB of Chinese text against 50,000 words vs a naive IndexOf loop, MB/s
# Only on request (--only scaleout, or bench/scaleout.sh): a batch of PDFs converted by 1 vs 2 `wenku worker` processes and
# /d/{id} from 1 vs 2 `serve` processes behind nginx, on PostgreSQL + S3 (s3rver), beside the embedded default. It starts
# PostgreSQL and s3rver with scripts/services.sh (ports WENKU_PG_PORT, WENKU_S3_PORT) and stops them after if it started them.
# Only on request (--only purchases, or bench/purchases.sh): purchases/s and p99 at --connections concurrent buyers through the
# API, beside a bare conditional UPDATE of one balance row, on SQLite and on PostgreSQL (scripts/services.sh, as above).
# The search benchmark (Lucene vs SQLite FTS5 on 100,000 documents) is bench/search.sh.
# Loads only loopback addresses. Needs what scripts/setup.sh installs (poppler-utils, fonts-noto-cjk, wrk, nginx-light, LibreOffice, tesseract).
# Usage: bench/run.sh [--runs 3] [--pages 100] [--duration 10] [--connections 16] [--only ingest|page|duplicates|office|ocr|words|scaleout|purchases] [--index 1000000] [--diagnostics 3]
#                     [--docs 12] [--doc-pages 10]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

missing=()
for tool in dotnet wrk pdftoppm pdftotext pdfinfo prlimit fc-list; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing: ${missing[*]}. Run scripts/setup.sh first." >&2
  exit 1
fi
fc-list :lang=zh family | grep -q . || { echo "No Chinese font (fonts-noto-cjk); run scripts/setup.sh first." >&2; exit 1; }

work="$(mktemp -d -t wenku-bench.XXXXXX)"
bench_pid=""
services_started=""

# Child pids of $1, from /proc (no procps needed): the 4th field of /proc/<pid>/stat is the parent.
descendants() {
  local stat line fields child
  for stat in /proc/[0-9]*/stat; do
    line="$(cat "$stat" 2>/dev/null)" || continue
    fields=(${line##*) })
    [ "${fields[1]:-}" = "$1" ] || continue
    child="${stat#/proc/}"; child="${child%/stat}"
    echo "$child"
    descendants "$child"
  done
}

cleanup() {
  local status=$? pid pids=()
  trap - EXIT INT TERM
  # Everything this run started, by pid: the benchmark and its process tree (site, worker, poppler, wrk, nginx),
  # plus anything it recorded in $work/pids that outlived it (only while its command line still names $work).
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    pids+=("$bench_pid" $(descendants "$bench_pid"))
  fi
  if [ -f "$work/pids" ]; then
    while read -r pid; do
      [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF "$work" || continue
      pids+=("$pid" $(descendants "$pid"))
    done < "$work/pids"
  fi
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" -eq 0 ] && break
      sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] || continue
      echo "--- last lines of $(basename "$log") ---" >&2
      tail -n 40 "$log" >&2 || true
    done
  fi
  [ -n "$services_started" ] && bash scripts/services.sh stop
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ " $* " == *" --only scaleout "* || " $* " == *" --only purchases "* ]]; then
  bash scripts/services.sh status || services_started=1
  services_env=$(bash scripts/services.sh start)
  # Purchases also run on a cluster with PostgreSQL's durable defaults (the tests' cluster has fsync off).
  if [[ " $* " == *" --only purchases "* ]]; then services_env+=$'\n'$(bash scripts/services.sh start-durable); fi
  while IFS= read -r line; do [[ "$line" =~ ^WENKU_[A-Z0-9_]+= ]] && export "${line?}"; done <<< "$services_env"
fi

echo "Building Release…"
dotnet build bench/Wenku.Bench -c Release -v quiet -nologo -clp:ErrorsOnly
# In the background and waited for, so that an interrupt runs the cleanup at once.
dotnet bench/Wenku.Bench/bin/Release/net10.0/Wenku.Bench.dll \
  --work "$work" --wenku src/Wenku/bin/Release/net10.0/wenku.dll "$@" &
bench_pid=$!
wait "$bench_pid"
