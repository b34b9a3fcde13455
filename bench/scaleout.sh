#!/usr/bin/env bash
# The scale-out benchmark alone (bench/run.sh --only scaleout): a batch of PDFs converted by the embedded default and by
# 1 and 2 `wenku worker` processes on PostgreSQL + S3 (s3rver), then /d/{id} under wrk from the embedded site, one
# PostgreSQL serve, nginx in front of it, and nginx in front of two serves. PostgreSQL and s3rver come from
# scripts/services.sh (set WENKU_PG_PORT / WENKU_S3_PORT to move them); see bench/README.md.
# Usage: bench/scaleout.sh [--docs 12] [--doc-pages 10] [--duration 10] [--connections 16]
exec "$(dirname "$0")/run.sh" --only scaleout "$@"
