#!/usr/bin/env bash
# Writes the next schema migration from the Marten model: builds the app, applies every migration in
# src/Bootstrapper/Migrations to a scratch database (created beside the configured one and dropped
# afterwards), asks Marten/Weasel what the model still needs, and writes it as
# src/Bootstrapper/Migrations/NNNN-<name>.sql. Writes nothing when the model needs nothing.
# Review the file and commit it; a released migration is never edited (docs/database-migrations.md).
#   scripts/new-migration.sh add-share-links
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: $0 <name>   (lower-case letters, digits and dashes, e.g. add-share-links)" >&2; exit 2; }
source scripts/services.sh
dotnet build src/Bootstrapper/Bootstrapper.csproj -c Release -v quiet -nologo -clp:ErrorsOnly
export ConnectionStrings__Postgres=${ConnectionStrings__Postgres:-"Host=127.0.0.1;Port=5432;Database=$PG_DATABASE;Username=$PG_USER;Password=$PG_PASSWORD"}
ASPNETCORE_ENVIRONMENT=Development dotnet src/Bootstrapper/bin/Release/net10.0/CloudService.Bootstrapper.dll \
  migrations add "$1" --dir "$PWD/src/Bootstrapper/Migrations" --contentRoot "$PWD/src/Bootstrapper"
