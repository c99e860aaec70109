# Sourced by scripts/devnet.sh and scripts/chaos.sh (expects $root): installs the local chains' npm packages
# (anvil; LiteSVM and the Solana dev node) and builds the Solana escrow program when they are missing or stale.
if [[ ! -x "$root/contracts/evm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]]; then
    echo "$(basename "$0"): installing the EVM toolchain (npm ci in contracts/evm)"
    npm ci --prefix "$root/contracts/evm" --no-audit --no-fund --loglevel=error
fi
if [[ ! -d "$root/programs/solana/node_modules/litesvm" ]]; then
    echo "$(basename "$0"): installing the Solana dev node (npm ci in programs/solana)"
    npm ci --prefix "$root/programs/solana" --no-audit --no-fund --loglevel=error
fi
so="$root/programs/solana/build/escrow.so"
# Built when missing, and again when a program source is newer than it (a checkout that moved on).
if [[ ! -f "$so" ]] || [[ -n "$(find "$root/programs/solana/src" "$root/programs/solana/link.py" -newer "$so" -print -quit)" ]]; then
    echo "$(basename "$0"): building the Solana escrow program"
    bash "$root/programs/solana/build.sh"
fi
