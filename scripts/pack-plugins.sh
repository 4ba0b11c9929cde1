#!/usr/bin/env bash
# Builds every plugin under plugins/ and packs it as artifacts/plugins/<id>-<version>.zip in the
# package format of API.md: one top-level folder <id>/ holding plugin.json, the entry DLL, its
# private dependencies and its .deps.json — never the SDK, which the host provides.
# Usage: scripts/pack-plugins.sh [configuration]   (default Release)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-Release}
out="$PWD/artifacts/plugins"
work="$PWD/artifacts/.pack"

command -v zip >/dev/null || { echo "pack-plugins: 'zip' is missing (apt-get install zip)" >&2; exit 1; }

# A field of our own well-formed plugin.json ("key": "value" on one line).
field() { sed -n "s/^[[:space:]]*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$2" | head -n 1; }

shopt -s nullglob
mkdir -p "$out"
for project in plugins/*/*.csproj; do
  dir=$(dirname "$project")
  manifest="$dir/plugin.json"
  [ -f "$manifest" ] || { echo "pack-plugins: $dir has no plugin.json" >&2; exit 1; }
  id=$(field id "$manifest")
  version=$(field version "$manifest")
  entry=$(field entryAssembly "$manifest")
  [ -n "$id" ] && [ -n "$version" ] && [ -n "$entry" ] || { echo "pack-plugins: $manifest lacks id, version or entryAssembly" >&2; exit 1; }

  rm -rf "$work"
  dotnet publish "$project" -c "$configuration" -o "$work/$id" -v quiet -nologo -clp:ErrorsOnly
  rm -f "$work/$id"/*.pdb "$work/$id"/*.runtimeconfig.json
  [ -f "$work/$id/$entry" ] || { echo "pack-plugins: $entry was not built for $id" >&2; exit 1; }
  if [ -e "$work/$id/CloudService.Plugins.Sdk.dll" ]; then
    echo "pack-plugins: $id ships the SDK; reference it with <Private>false</Private><ExcludeAssets>runtime</ExcludeAssets>" >&2
    exit 1
  fi

  package="$out/$id-$version.zip"
  rm -f "$package"
  (cd "$work" && zip -qrX "$package" "$id")
  echo "Packed $package"
done
rm -rf "$work"
