#!/usr/bin/env bash
# The relayer's main job on a local devnet, from a fresh clone: installs the local chains' npm packages
# (anvil; LiteSVM and the Solana dev node) and builds the Solana escrow program when they are missing,
# then runs `relayer devnet` (src/Relayer/Devnet/README.md). Extra arguments go to the devnet command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ ! -x "$root/contracts/evm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]]; then
    echo "devnet.sh: installing the EVM toolchain (npm ci in contracts/evm)"
    npm ci --prefix "$root/contracts/evm" --no-audit --no-fund --loglevel=error
fi
if [[ ! -d "$root/programs/solana/node_modules/litesvm" ]]; then
    echo "devnet.sh: installing the Solana dev node (npm ci in programs/solana)"
    npm ci --prefix "$root/programs/solana" --no-audit --no-fund --loglevel=error
fi
so="$root/programs/solana/build/escrow.so"
# Built when missing, and again when a program source is newer than it (a checkout that moved on).
if [[ ! -f "$so" ]] || [[ -n "$(find "$root/programs/solana/src" "$root/programs/solana/link.py" -newer "$so" -print -quit)" ]]; then
    echo "devnet.sh: building the Solana escrow program"
    bash "$root/programs/solana/build.sh"
fi

echo "devnet.sh: building the relayer (dotnet build; the first time takes a minute)"
dotnet build "$root/src/Relayer" --nologo -v q -clp:ErrorsOnly
exec dotnet run --no-build --project "$root/src/Relayer" -- run --devnet "$@"
