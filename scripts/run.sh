#!/usr/bin/env bash
# The main job on embedded defaults: machine set-up (idempotent), then the smollm3 CLI.
# With no arguments it scores the tiny fixture model against its llama.cpp reference.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
dotnet build src/Cli/Cli.csproj -c Release -nologo -v quiet >&2
cli=src/Cli/bin/Release/net10.0/smollm3
if [ $# -eq 0 ]; then
  fx="${SMOLLM3_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
  set -- inspect --model "$fx/tiny-smollm3/hf"
fi
exec "$cli" "$@"
