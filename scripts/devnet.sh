#!/usr/bin/env bash
# The relayer's main job on a local devnet, from a fresh clone: installs the local chains' npm packages
# (anvil; LiteSVM and the Solana dev node) and builds the Solana escrow program when they are missing,
# then runs `relayer devnet` (src/Relayer/Devnet/README.md). Extra arguments go to the devnet command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shellcheck source=chain-prerequisites.sh
source "$root/scripts/chain-prerequisites.sh"

echo "devnet.sh: building the relayer (dotnet build; the first time takes a minute)"
dotnet build "$root/src/Relayer" --nologo -v q -clp:ErrorsOnly
exec dotnet run --no-build --project "$root/src/Relayer" -- run --devnet "$@"
