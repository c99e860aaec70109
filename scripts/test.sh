#!/usr/bin/env bash
# Runs every test suite of the repository and ends with one line: "N passed, N failed".
#   EVM escrow (forge)          contracts/evm/ci.sh      (installs its npm packages: solc, forge, anvil, cast)
#   Solana program + dev node   programs/solana/ci.sh    (installs clang if missing, builds the program, node tests)
#   .NET solution               dotnet test DiscreteExec.sln (unit + integration against anvil, the dev node,
#                               redis-server and rabbitmq-server, the dashboard in chromium; those Debian packages
#                               are installed when missing)
#   fault campaign              scripts/chaos.sh --seed 7 --minutes 2.5 (tests/Chaos/README.md): the node under seeded
#                               faults, every intent checked on the chains; one test, failed on any violation
# The .NET integration tests use the anvil and the program built by the first two suites, so the order matters.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
logs="$root/.ci/logs"
mkdir -p "$logs"

total_passed=0
total_failed=0
total_skipped=0
status=0

# Adds the counts of one suite from its closing "N passed, N failed" line; a suite that ends without one counts as one failure.
add_counts() {
    local name="$1" log="$2" exit_code="$3"
    local line
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)"
    if [[ -z "$line" ]]; then
        echo "!! $name: no test summary (exit $exit_code); see $log" >&2
        total_failed=$((total_failed + 1))
        status=1
        return
    fi
    local passed failed skipped
    passed="$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")"
    failed="$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")"
    skipped="$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)"
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    if [[ "$exit_code" -ne 0 || "$failed" -ne 0 ]]; then
        status=1
        echo "!! $name: $line (exit $exit_code); see $log" >&2
    else
        echo "== $name: $line"
    fi
}

run_suite() {
    local name="$1"; shift
    local log="$logs/$name.log"
    echo "== $name: $*"
    local started=$SECONDS
    "$@" 2>&1 | tee "$log" | sed -u "s/^/   [$name] /"
    local exit_code=${PIPESTATUS[0]}
    echo "== $name: finished in $((SECONDS - started)) s"
    add_counts "$name" "$log" "$exit_code"
}

dotnet_suite() {
    # dotnet test prints "Passed!  - Failed: F, Passed: P, Skipped: S" per test assembly; add them up.
    local log="$logs/dotnet.raw.log"
    dotnet test "$root/DiscreteExec.sln" --nologo 2>&1 | tee "$log"
    local exit_code=${PIPESTATUS[0]}
    local summaries
    summaries="$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" || true)"
    if [[ -z "$summaries" ]]; then
        return "$exit_code"
    fi
    local p f s
    p="$(grep -oE 'Passed: +[0-9]+' <<<"$summaries" | grep -oE '[0-9]+' | paste -sd+ | bc)"
    f="$(grep -oE 'Failed: +[0-9]+' <<<"$summaries" | grep -oE '[0-9]+' | paste -sd+ | bc)"
    s="$(grep -oE 'Skipped: +[0-9]+' <<<"$summaries" | grep -oE '[0-9]+' | paste -sd+ | bc)"
    echo "$p passed, $f failed, $s skipped"
    return "$exit_code"
}

# The node's store and bus tests need real servers; they fail (never skip) without them.
missing_servers=()
command -v redis-server >/dev/null || missing_servers+=(redis-server)
[[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing_servers+=(rabbitmq-server)
# The dashboard's browser test drives Debian's chromium (Playwright with the system browser).
[[ -x /usr/bin/chromium ]] || missing_servers+=(chromium)
if (( ${#missing_servers[@]} )); then
    echo "== installing ${missing_servers[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_servers[@]}" >/dev/null; } \
        || echo "!! apt-get install ${missing_servers[*]} failed: the store, bus and browser tests will fail" >&2
fi

if [[ -f "$root/contracts/evm/ci.sh" ]]; then
    run_suite evm-contract bash "$root/contracts/evm/ci.sh"
fi
if [[ -f "$root/programs/solana/ci.sh" ]]; then
    run_suite solana-program bash "$root/programs/solana/ci.sh"
fi
run_suite dotnet dotnet_suite
run_suite chaos bash "$root/scripts/chaos.sh" --seed 7 --minutes 2.5 --data-dir "$logs/chaos"

echo "== exit status $status"
if (( total_skipped > 0 )); then
    echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
else
    echo "$total_passed passed, $total_failed failed"
fi
exit "$status"
