#!/usr/bin/env bash
# Runs test/Attacks.t.sol (issue 9's attacks) against the last protocol-v1 IntentEscrow and expects
# EVERY attack test to fail there (the attack succeeds or the v2 safeguard is missing), i.e. that
# each regression test can fail. Not part of ci.sh (a second full forge build); run by hand:
#   bash scripts/attacks-on-v1.sh
# Needs node_modules (npm ci) and the git history (commit V1 below).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
V1=dfc3687 # the last commit with the v1 contract
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$(git rev-parse --show-toplevel)" archive "$V1" contracts/evm | tar -x -C "$work"
v1="$work/contracts/evm"
ln -s "$PWD/node_modules" "$v1/node_modules"
cp test/Attacks.t.sol "$v1/test/"
cp src/test-tokens/PoisonToken.sol src/test-tokens/TestToken.sol "$v1/src/test-tokens/"
# The v2 fixture with its three protocol hooks replaced by v1's (constructor, no registry, owner rotates).
node - test/base/EscrowFixture.sol "$v1/test/base/EscrowFixture.sol" <<'NODE'
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
let s = fs.readFileSync(src, 'utf8');
const start = s.indexOf('    function _deployEscrow(uint64 grace)');
const end = s.indexOf('    /// SignerSet signatures of the first');
if (start < 0 || end < 0) { console.error('attacks-on-v1: fixture hooks not found'); process.exit(1); }
s = s.slice(0, start) + `    function _deployEscrow(uint64 grace) internal returns (IntentEscrow) {
        uint64[] memory dests = new uint64[](1);
        dests[0] = DEST;
        return new IntentEscrow(owner, grace, signerAddrs, THRESHOLD, dests);
    }

    function _registerToken(address) internal {}

    function _rotate(address[] memory newSigners, uint8 newThreshold) internal {
        vm.prank(owner);
        escrow.setSigners(newSigners, newThreshold);
    }

` + s.slice(s.indexOf("    /// The fixture's signer addresses in ascending order"));
fs.writeFileSync(dst, s);
NODE
# Only the attack suite: the other v1 suites stay as they were at V1 and are not needed here.
find "$v1/test" -name '*.t.sol' ! -name 'Attacks.t.sol' -delete
rm -rf "$v1/test/invariant" "$v1/script"
out=$(cd "$v1" && node_modules/@foundry-rs/forge-linux-amd64/bin/forge test --match-contract AttacksTest 2>&1 || true)
results=$(grep -E '^\[(PASS|FAIL)' <<<"$out" | sort -u || true)
total=$(grep -c . <<<"$results" || true)
passed=$(grep -c '^\[PASS' <<<"$results" || true)
echo "$results"
echo "attacks-on-v1: $total attack tests, $passed passed on v1 (expected 0)"
[[ $total -gt 0 && $passed -eq 0 ]]
