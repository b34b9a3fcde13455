#!/usr/bin/env bash
# Installs the converters the tests use for real, starts the scale-out engines (PostgreSQL and s3rver on loopback,
# see scripts/services.sh), then runs every test (unit and integration) on the embedded default, and the site suite
# (test classes with the trait Suite=both-stacks) a second time on PostgreSQL + s3rver + PostgreSQL search.
# Both halves always run (a failure in the first does not hide the second); each ends with a summary line, and the
# script exits non-zero if either failed. Arguments (e.g. --filter) apply to the first run. Engines this script
# started, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
if ! bash scripts/services.sh status; then
  trap 'bash scripts/services.sh stop' EXIT
fi
services_env=$(bash scripts/services.sh start)
# Only the settings: anything else a first start prints (an install's progress) is not a variable.
while IFS= read -r line; do
  if [[ "$line" =~ ^WENKU_[A-Z0-9_]+= ]]; then export "$line"; fi
done <<< "$services_env"

logs=$(mktemp -d)
summaries=()
failed=0

# run_half NAME COMMAND…: runs one dotnet test run to its end (its output shown as it comes), then records one line:
# the counts from dotnet's closing "Total tests / Passed / Failed / Skipped" block, or "failed (exit N)" without one.
run_half() {
  local name=$1; shift
  local log
  log="$logs/$(echo "$name" | tr -c 'a-zA-Z0-9' '_').log"
  set +e
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  count() { sed -nE "s/^ *$1: +([0-9]+) *\r?$/\1/p" "$log" | awk '{s+=$1} END {print s+0}'; }
  local line
  if grep -qE '^Total tests: +[0-9]+' "$log"; then
    line="$name: $(count Passed) passed, $(count Failed) failed, $(count Skipped) skipped"
    [ "$rc" -ne 0 ] && line="$line — failed (exit $rc)"
  elif [ "$rc" -ne 0 ]; then
    line="$name: failed (exit $rc) before any test result"
  else
    line="$name: no tests ran"
  fi
  [ "$rc" -ne 0 ] && failed=1
  summaries+=("$line")
  # The failed tests by name, with the first lines of their message: the tail of a long run is often all one sees.
  local failures
  failures=$(grep -E -A6 '^ +Failed [A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+' "$log" | grep -v -E '^ *(Stack Trace:|at |--$)' | head -40 || true)
  if [ -n "$failures" ]; then summaries+=("$failures"); fi
}

# A test that hangs (no test takes a minute) fails its run after 10 minutes and is named, instead of holding CI.
hang=(--blame-hang-timeout 10m --blame-hang-dump-type none)
run_half "Embedded default (SQLite, local files, Lucene)" \
  dotnet test Wenku.slnx -c Release "${hang[@]}" --logger "console;verbosity=normal" "$@"
echo "== The site suite again on the scale-out stack (PostgreSQL, s3rver, PostgreSQL search)"
run_half "Scale-out (PostgreSQL, s3rver, PostgreSQL search)" \
  env WENKU_TEST_STACK=scaleout dotnet test Wenku.slnx -c Release --no-build "${hang[@]}" --filter "Suite=both-stacks" --logger "console;verbosity=normal"

echo
echo "== Summary"
for line in "${summaries[@]}"; do echo "$line"; done
rm -rf "$logs"
exit "$failed"
