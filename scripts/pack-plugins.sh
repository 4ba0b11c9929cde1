#!/usr/bin/env bash
# Packs every first-party plugin under plugins/ as artifacts/plugins/<id>-<version>.zip with the SDK's
# PackPlugin target (the same one plugin authors get from the CloudService.Plugins.Sdk package):
# one top-level folder <id>/ holding plugin.json, the entry DLL, its private dependencies and its
# .deps.json, never the SDK. A plugin the server would refuse fails here with a CSPxxx error.
# Also packs the SDK itself as artifacts/packages/CloudService.Plugins.Sdk.<version>.nupkg.
# Usage: scripts/pack-plugins.sh [configuration]   (default Release)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-Release}

dotnet pack src/Plugins.Sdk -c "$configuration" -v quiet -nologo -clp:ErrorsOnly
echo "Packed $(ls artifacts/packages/CloudService.Plugins.Sdk.*.nupkg | tr '\n' ' ')"

shopt -s nullglob
for project in plugins/*/*.csproj; do
  [ -f "$(dirname "$project")/plugin.json" ] || continue # a plugin's test project, say
  if ! dotnet build "$project" -t:PackPlugin -c "$configuration" -p:PluginPackageOutputPath="$PWD/artifacts/plugins/" \
      -v minimal -nologo -clp:NoSummary | { grep -E -- "-> .*\.zip$|error" || true; }; then
    echo "pack-plugins: $project could not be packed" >&2
    exit 1
  fi
done
