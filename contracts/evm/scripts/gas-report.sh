#!/usr/bin/env bash
# Gas of open, refundExpired and settle (1/10/100 Payouts to fresh recipients, 1/10/100 Releases,
# 100 Payouts to existing holders) as real transactions on a local anvil: prints receipts'
# gasUsed and the per-action figures as a markdown table (README's table comes from here).
# Usage: scripts/gas-report.sh   (needs node_modules; builds with forge if needed)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=node_modules/@foundry-rs
FORGE=$BIN/forge-linux-amd64/bin/forge
ANVIL=$BIN/anvil-linux-amd64/bin/anvil
CAST=$BIN/cast-linux-amd64/bin/cast

# anvil's well-known dev account 0 deploys; the two other keys are funded by the script.
export GAS_KEY_ADMIN=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
export GAS_KEY_USER=0x00000000000000000000000000000000000000000000000000000000000a11ce
export GAS_KEY_REFUNDEE=0x0000000000000000000000000000000000000000000000000000000000000b0b
HARDFORK=${GAS_HARDFORK:-prague}

PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
RPC=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
"$ANVIL" --host 127.0.0.1 --port "$PORT" --chain-id 31337 --hardfork "$HARDFORK" --silent >"$WORK/anvil.log" 2>&1 &
ANVIL_PID=$!
cleanup() {
    kill "$ANVIL_PID" 2>/dev/null || true
    wait "$ANVIL_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 50); do
    "$CAST" chain-id --rpc-url "$RPC" >/dev/null 2>&1 && break
    sleep 0.1
done

run_script() {
    if ! "$FORGE" script script/GasScenarios.s.sol:GasScenarios --sig "$1" --rpc-url "$RPC" \
        --broadcast --skip-simulation --slow >"$WORK/$1.log" 2>&1; then
        cat "$WORK/$1.log" >&2
        echo "gas-report: forge script $1 failed" >&2
        exit 1
    fi
}

run_script "prepare()"
# Past the refundExpired intent's deadline (60 s) plus the minimum grace (1 hour).
"$CAST" rpc --rpc-url "$RPC" evm_increaseTime 3700 >/dev/null
"$CAST" rpc --rpc-url "$RPC" evm_mine >/dev/null
run_script "measure()"

node - broadcast/GasScenarios.s.sol/31337/measure-latest.json "$HARDFORK" <<'NODE'
const fs = require('fs');
const [file, hardfork] = process.argv.slice(2);
const run = JSON.parse(fs.readFileSync(file, 'utf8'));
// The order of measure()'s transactions.
const rows = [
  ['open (exact approval)', 'open', 1, 75000, 'per op'],
  ['open (infinite approval)', 'open', 1, 75000, 'per op'],
  ['refundExpired', 'refundExpired', 1, null, 'per op'],
  ['settle, 1 Payout (fresh recipient)', 'settle', 1, 45000, 'per Payout'],
  ['settle, 10 Payouts (fresh recipients)', 'settle', 10, 45000, 'per Payout'],
  ['settle, 100 Payouts (fresh recipients)', 'settle', 100, 45000, 'per Payout'],
  ['settle, 1 Release', 'settle', 1, 10000, 'per Release'],
  ['settle, 10 Releases', 'settle', 10, 10000, 'per Release'],
  ['settle, 100 Releases', 'settle', 100, 10000, 'per Release'],
  ['settle, 100 Payouts (recipients already hold the token)', 'settle', 100, 45000, 'per Payout'],
];
if (run.receipts.length !== rows.length) {
  console.error(`gas-report: expected ${rows.length} measured transactions, got ${run.receipts.length}`);
  process.exit(1);
}
const fmt = (n) => n.toLocaleString('en-US');
console.log(`Gas on anvil (${hardfork}), receipts' gasUsed: 21000 intrinsic + calldata + execution - refunds; settle signed 2-of-3.`);
console.log('');
console.log('| scenario | tx gasUsed | actions | per action | goal (amortised at 100) |');
console.log('|---|---:|---:|---:|---|');
run.transactions.forEach((tx, i) => {
  const [label, fn, n, goal] = rows[i];
  if (!String(tx.function).startsWith(fn + '(')) {
    console.error(`gas-report: transaction ${i} is ${tx.function}, expected ${fn}`);
    process.exit(1);
  }
  const receipt = run.receipts.find((r) => r.transactionHash === tx.hash);
  if (!receipt || receipt.status !== '0x1') {
    console.error(`gas-report: transaction ${i} (${label}) missing or reverted`);
    process.exit(1);
  }
  const gas = Number(BigInt(receipt.gasUsed));
  const per = Math.floor(gas / n);
  let verdict = '';
  if (goal !== null && (n === 100 || fn === 'open')) verdict = `${per <= goal ? 'met' : 'missed'} (<= ${fmt(goal)})`;
  console.log(`| ${label} | ${fmt(gas)} | ${n} | ${fmt(per)} | ${verdict} |`);
});
NODE
