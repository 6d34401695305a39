#!/usr/bin/env bash
# The main job on embedded defaults: machine set-up (idempotent), then the smollm3 CLI.
# With no arguments it runs the one-process cluster (silo + gRPC gateway on 127.0.0.1:5080) on the
# tiny fixture model when ../shared/fixtures is there, else on HuggingFaceTB/SmolLM3-3B (downloaded once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
dotnet build src/Cli/Cli.csproj -c Release -nologo -v quiet >&2
cli=src/Cli/bin/Release/net10.0/smollm3
if [ $# -eq 0 ]; then
  fx="${SMOLLM3_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
  if [ -d "$fx/tiny-smollm3/hf" ]; then model="$fx/tiny-smollm3/hf"; else model=HuggingFaceTB/SmolLM3-3B; fi
  set -- run --model "$model"
fi
exec "$cli" "$@"
