#!/usr/bin/env bash
# The build command: compiles with forge (solc-js shim) and writes artifacts/IntentEscrow.json and
# artifacts/TestToken.json. With --check, writes nothing and fails if the committed artifacts
# differ from a fresh build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

node_modules/@foundry-rs/forge-linux-amd64/bin/forge build

if [[ "${1:-}" == "--check" ]]; then
    fresh=$(mktemp -d)
    trap 'rm -rf "$fresh"' EXIT
    node scripts/export-artifacts.js "$fresh"
    stale=0
    for f in "$fresh"/*.json; do
        name=$(basename "$f")
        if ! cmp -s "$f" "artifacts/$name"; then
            echo "artifacts/$name is stale: a fresh build differs. Run 'npm run build' in contracts/evm and commit artifacts/." >&2
            stale=1
        fi
    done
    exit "$stale"
fi
node scripts/export-artifacts.js
echo "wrote artifacts/IntentEscrow.json artifacts/TestToken.json"
