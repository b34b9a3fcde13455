#!/usr/bin/env bash
# The purchase benchmark alone (bench/run.sh --only purchases): purchases per second and p99 at 16 concurrent buyers
# (POST /api/v1/documents/{id}/purchase on a real `wenku serve`) beside a bare conditional UPDATE of one balance row on
# the same database, on SQLite and on PostgreSQL in one run; then `wenku admin ledger verify` of what the load left.
# PostgreSQL comes from scripts/services.sh (WENKU_PG_PORT); see bench/README.md.
# Usage: bench/purchases.sh [--connections 16] [--duration 10] [--warmup 3]
exec "$(dirname "$0")/run.sh" --only purchases "$@"
