#!/usr/bin/env bash
# CI for contracts/evm: install the pinned toolchain if needed, build, lint the contract, check the
# committed artifacts are fresh, run the forge suite (unit, fuzz, invariant) with forge's gas report,
# then the anvil gas scenarios. Works from any cwd on a machine with node/npm only.
# Last line: "N passed, N failed" (forge test counts). Exit status non-zero if any step failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

FORGE=node_modules/@foundry-rs/forge-linux-amd64/bin/forge
started=$SECONDS
problems=()
passed=0
failed=0

step() { echo; echo "==> $*"; }

if [[ ! -x "$FORGE" ]]; then
    step "npm ci"
    npm ci --no-audit --no-fund
fi

step "build"
if ! "$FORGE" build; then
    echo "0 passed, 1 failed"
    exit 1
fi

step "lint src"
lint_out=$("$FORGE" lint src 2>&1) || problems+=("forge lint failed")
if grep -qE "^(warning|error|note)" <<<"$lint_out"; then
    echo "$lint_out"
    problems+=("forge lint reported findings in src/")
fi

step "artifacts are fresh"
bash scripts/build.sh --check >/dev/null || problems+=("committed artifacts are stale")

step "forge test --gas-report"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$FORGE" test --gas-report 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "[0-9]+ tests passed, [0-9]+ failed" "$log" | tail -n 1 || true)
if [[ -n "$summary" ]]; then
    passed=$(sed -E 's/.* ([0-9]+) tests passed.*/\1/' <<<"$summary")
    failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")
elif [[ $test_status -ne 0 ]]; then
    failed=1
fi
[[ $test_status -eq 0 ]] || problems+=("forge test exited with $test_status")

step "gas scenarios on anvil"
bash scripts/gas-report.sh || problems+=("gas report failed")

echo
echo "ci.sh: $((SECONDS - started)) s"
if ((${#problems[@]})); then
    printf 'ci.sh: FAILED: %s\n' "${problems[@]}"
fi
echo "$passed passed, $failed failed"
[[ ${#problems[@]} -eq 0 && $failed -eq 0 ]]
