#!/usr/bin/env bash
# The fault campaign (tests/Chaos/README.md): both local chains, a real RabbitMQ and Redis, fault-injecting RPC
# proxies and the node (or with --nodes 3 the three operators of the 2-of-3 set) as child processes, under faults
# drawn from the seed; every intent's fate is then read from the chains. Installs what it needs when missing (the chains' npm packages, the Solana program,
# redis-server and rabbitmq-server). Ends with "1 passed, 0 failed" (0 violations) or "0 passed, 1 failed".
#   bash scripts/chaos.sh --seed S --minutes M [--nodes 1|3] [--rate R] [--drain-minutes N] [--data-dir D]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shellcheck source=chain-prerequisites.sh
source "$root/scripts/chain-prerequisites.sh" || { echo "0 passed, 1 failed"; exit 1; }
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
if (( ${#missing[@]} )); then
    echo "chaos.sh: installing ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
        || { echo "chaos.sh: apt-get install ${missing[*]} failed"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "chaos.sh: building the harness and the relayer"
dotnet build "$root/tests/Chaos" --nologo -v q -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
dotnet "$root/tests/Chaos/bin/Debug/net10.0/DiscreteExec.Chaos.dll" "$@"
status=$?
if [[ $status -eq 0 ]]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
