#!/usr/bin/env bash
# Runs every PDF of a folder (default: ../shared/corpus/pdfjs, the pdf.js test corpus) through a real `wenku serve`
# with worker processes, and reports how each ended. The last lines are:
#   N ready, N held, N failed, N stuck    (held = a near duplicate held for a moderator, which is finished too;
#                                         stuck = still queued/processing when the deadline passed)
#   N refused at upload                   (with each reason)
#   failure reasons, grouped with counts
#   /health/ready: any moment it did not answer 200
# Exits 1 if a document is stuck, a failure has no reason, or /health/ready ever failed.
#
# Usage: scripts/pdfjs-corpus.sh [folder]
# Environment: WORKERS (2), DEADLINE_SECONDS (1800, counted from the last upload), PORT (free one),
#              any Wenku__… setting (e.g. Wenku__Conversion__ProcessTimeoutSeconds=30) is passed to the site.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
corpus=$(cd "${1:-../shared/corpus/pdfjs}" && pwd)
workers=${WORKERS:-2}
deadline_seconds=${DEADLINE_SECONDS:-1800}
for tool in dotnet curl jq; do command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }; done

out="$repo/.artifacts/corpus"
echo "Building Wenku (Release) into $out …"
dotnet build src/Wenku -c Release -r linux-x64 --self-contained false -o "$out" -v quiet -nologo >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/wenku-corpus.XXXXXX")
data="$work/data"
site_pid="" health_pid=""
cleanup() {
  [ -n "$health_pid" ] && kill "$health_pid" 2>/dev/null || true
  if [ -n "$site_pid" ]; then
    # The site runs in its own process group with its workers and their converters: stop them all, then wait.
    kill -TERM -- "-$site_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$site_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$site_pid" 2>/dev/null || true
    for _ in $(seq 1 25); do kill -0 -- "-$site_pid" 2>/dev/null || break; sleep 0.2; done
  fi
  [ -f "$work/site.log" ] && cp "$work/site.log" "$repo/.artifacts/pdfjs-corpus-site.log"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 5077)}
base="http://127.0.0.1:$port"

Wenku__Demo=false Wenku__Workers="$workers" Wenku__UploadsPerHour=100000 \
  setsid dotnet "$out/wenku.dll" serve --data "$data" --urls "$base" >"$work/site.log" 2>&1 &
site_pid=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$base/health/live" 2>/dev/null && break
  kill -0 "$site_pid" 2>/dev/null || { echo "the site did not start:" >&2; tail -n 30 "$work/site.log" >&2; exit 2; }
  sleep 0.2
done

dotnet "$out/wenku.dll" admin create-user --data "$data" --email corpus@wenku.local --password 'corpus-run-password' --role admin >/dev/null
token=$(dotnet "$out/wenku.dll" admin create-token --data "$data" --email corpus@wenku.local | tail -n 1)

# Health watch: once a second, every answer that is not 200 (or no answer within 5 s) is written down.
(
  while true; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/health/ready" || true)
    echo "$(date +%s) $code" >>"$work/health.log"
    sleep 1
  done
) &
health_pid=$!

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$corpus" -maxdepth 1 -type f -iname '*.pdf' -print0 | sort -z)
echo "Uploading ${#files[@]} files from $corpus with $workers workers …"
: >"$work/ids" ; : >"$work/refused"
started=$(date +%s)
for f in "${files[@]}"; do
  name=$(basename "$f")
  code=$(curl -sS -o "$work/answer.json" -w '%{http_code}' --max-time 300 -H "Authorization: Bearer $token" \
    -F "file=@$f;type=application/pdf" -F category=other "$base/api/v1/documents" || echo 000)
  if [ "$code" = 202 ]; then
    printf '%s\t%s\n' "$(jq -r .id "$work/answer.json")" "$name" >>"$work/ids"
  else
    reason=$(jq -r '.title // empty' "$work/answer.json" 2>/dev/null || true)
    printf '%s\t%s\t%s\n' "$name" "$code" "${reason:-no readable reason}" >>"$work/refused"
  fi
done
uploaded=$(date +%s)
echo "Uploaded in $((uploaded - started)) s: $(wc -l <"$work/ids") accepted, $(wc -l <"$work/refused") refused. Waiting for conversions …"

# Poll the documents not yet final until none is left or the deadline passes.
cp "$work/ids" "$work/pending"
: >"$work/final"
until_ts=$((uploaded + deadline_seconds))
while [ -s "$work/pending" ] && [ "$(date +%s)" -lt "$until_ts" ]; do
  : >"$work/still"
  while IFS=$'\t' read -r id name; do
    json=$(curl -sS --max-time 10 -H "Authorization: Bearer $token" "$base/api/v1/documents/$id" || echo '{}')
    status=$(jq -r '.status // "unknown"' <<<"$json")
    case "$status" in
      ready)  printf '%s\t%s\tready\t%s\n' "$id" "$name" "$(jq -r .pageCount <<<"$json")" >>"$work/final" ;;
      held)   printf '%s\t%s\theld\t%s\t%s\n' "$id" "$name" "$(jq -r .pageCount <<<"$json")" "$(jq -r '.nearDuplicateOf // ""' <<<"$json")" >>"$work/final" ;;
      failed) printf '%s\t%s\tfailed\t%s\n' "$id" "$name" "$(jq -r '.error // "" | gsub("[\t\n]"; " ")' <<<"$json")" >>"$work/final" ;;
      *)      printf '%s\t%s\n' "$id" "$name" >>"$work/still" ;;
    esac
  done <"$work/pending"
  mv "$work/still" "$work/pending"
  [ -s "$work/pending" ] && sleep 3
  if [ $(( $(date +%s) - ${last_progress:-0} )) -ge 30 ] || [ ! -s "$work/pending" ]; then
    last_progress=$(date +%s)
    echo "  $(wc -l <"$work/final") final, $(wc -l <"$work/pending") pending after $(( last_progress - started )) s"
  fi
done
finished=$(date +%s)
kill "$health_pid" 2>/dev/null || true; health_pid=""

ready=$(awk -F'\t' '$3=="ready"' "$work/final" | wc -l)
held=$(awk -F'\t' '$3=="held"' "$work/final" | wc -l)
failed=$(awk -F'\t' '$3=="failed"' "$work/final" | wc -l)
stuck=$(wc -l <"$work/pending")
refused=$(wc -l <"$work/refused")
empty_reasons=$(awk -F'\t' '$3=="failed" && $4 ~ /^ *$/' "$work/final" | wc -l)
bad_ready=$(awk -F'\t' '($3=="ready" || $3=="held") && $4+0 <= 0' "$work/final" | wc -l)
health_checks=$(wc -l <"$work/health.log")
health_bad=$(awk '$2!="200"' "$work/health.log" | wc -l)

echo
echo "Whole run: $((finished - started)) s for ${#files[@]} files ($workers workers)."
if [ "$refused" -gt 0 ]; then
  echo "Refused at upload ($refused):"
  awk -F'\t' '{ printf "  %s  HTTP %s  %s\n", $1, $2, $3 }' "$work/refused"
fi
if [ "$failed" -gt 0 ]; then
  echo "Failure reasons (count, reason, first files):"
  awk -F'\t' '$3=="failed" { n[$4]++; if (n[$4] <= 3) f[$4] = f[$4] (n[$4] > 1 ? ", " : "") $2 }
              END { for (r in n) printf "%d\t%s\t%s\n", n[r], (r == "" ? "(no reason)" : r), f[r] }' "$work/final" \
    | sort -t$'\t' -k1,1nr -k2 | awk -F'\t' '{ printf "%5d  %s\n         e.g. %s%s\n", $1, $2, $3, ($1 > 3 ? ", …" : "") }'
fi
if [ "$held" -gt 0 ]; then
  echo "Held as near duplicates ($held):"
  awk -F'\t' 'NR==FNR { name[$1] = $2; next }
               $3=="held" { printf "  %s  near duplicate of %s\n", $2, ($5 in name ? name[$5] : "document " $5) }' "$work/ids" "$work/final"
fi
if [ "$stuck" -gt 0 ]; then
  echo "Stuck after ${deadline_seconds} s:"
  awk -F'\t' '{ printf "  %s (id %s)\n", $2, $1 }' "$work/pending"
fi
[ "$bad_ready" -gt 0 ] && echo "Ready or held without pages: $bad_ready"
if [ "$health_bad" -gt 0 ]; then
  echo "/health/ready did not answer 200 in $health_bad of $health_checks checks:"
  awk '$2!="200"' "$work/health.log" | head -n 20 | while read -r ts code; do
    echo "  $(date -d "@$ts" +%H:%M:%S)  $([ "$code" = 000 ] && echo "no answer within 5 s" || echo "HTTP $code")"
  done
else
  echo "/health/ready answered 200 in all $health_checks checks."
fi
echo "$refused refused at upload"
echo "$ready ready, $held held, $failed failed, $stuck stuck"

[ "$stuck" -eq 0 ] && [ "$empty_reasons" -eq 0 ] && [ "$bad_ready" -eq 0 ] && [ "$health_bad" -eq 0 ]
