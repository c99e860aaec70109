#!/usr/bin/env bash
# Three operator nodes (2-of-3) as local processes, the topology of docker-compose.yml without Docker, on anvil and the
# Solana dev node: installs the local chains' npm packages and builds the Solana program when missing, then runs
# `relayer cluster --devnet` (src/Relayer/Cluster/README.md).
# Needs rabbitmq-server (apt-get install -y rabbitmq-server). Extra arguments go to the command, e.g. --epochs 5.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shellcheck source=chain-prerequisites.sh
source "$root/scripts/chain-prerequisites.sh"

echo "cluster.sh: building the relayer"
dotnet build "$root/src/Relayer" --nologo -v q -clp:ErrorsOnly
exec dotnet run --no-build --project "$root/src/Relayer" -- cluster --devnet "$@"
