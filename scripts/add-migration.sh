#!/usr/bin/env bash
# Adds a migration for both database engines: SQLite (Data/Migrations, context WenkuDb) and PostgreSQL
# (Data/PostgresMigrations, context PostgresWenkuDb). Run it after changing the model (WenkuDb.OnModelCreating,
# entities); commit both folders.
#
#   scripts/add-migration.sh NAME                  both engines
#   scripts/add-migration.sh --only sqlite NAME     one engine (e.g. after a merge brought only SQLite migrations)
#   scripts/add-migration.sh --only postgres NAME
#   scripts/add-migration.sh --reset-postgres       replace every PostgreSQL migration by one Initial; only while no
#                                                   PostgreSQL install exists that has applied the old ones
set -euo pipefail
cd "$(dirname "$0")/.."
engines=(sqlite postgres)
if [ "${1:-}" = "--only" ]; then engines=("$2"); shift 2; fi
if [ "${1:-}" = "--reset-postgres" ]; then
  rm -rf src/Wenku/Data/PostgresMigrations
  engines=(postgres)
  set -- Initial
fi
name=${1:?usage: scripts/add-migration.sh [--only sqlite|postgres] NAME | --reset-postgres}

dotnet tool restore >/dev/null
dotnet build src/Wenku -c Release -nologo -v q >/dev/null
for engine in "${engines[@]}"; do
  case "$engine" in
    sqlite) context=WenkuDb; folder=Data/Migrations ;;
    postgres) context=PostgresWenkuDb; folder=Data/PostgresMigrations ;;
    *) echo "unknown engine: $engine (sqlite or postgres)" >&2; exit 2 ;;
  esac
  echo "== $engine: $name"
  dotnet ef migrations add "$name" -p src/Wenku --configuration Release --no-build \
    --context "$context" -o "$folder"
done
