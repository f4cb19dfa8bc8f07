#!/usr/bin/env bash
# Builds the HTTP service for release into a folder (default ./publish): the one build command of the README and the
# Dockerfile. Usage: ./scripts/publish.sh [output-folder]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-publish}
dotnet publish src/Api/HsoService.Api.csproj -c Release -o "$out" -p:UseAppHost=false
mkdir -p "$out/models"
cp -r models/digits16-ddpm "$out/models/"
