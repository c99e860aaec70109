#!/usr/bin/env bash
# Builds the escrow program: compiles src/entrypoint.c for BPF and links it
# with link.py into build/escrow.so. Installs clang from Debian if missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/build"

# clang-22: older clangs (Debian's clang-14) lack -bpf-stack-size and cap BPF
# stack frames at 512 bytes, which this program's frames exceed.
CLANG="${CLANG:-clang-22}"
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "build.sh: $CLANG not found, installing clang-22 lld-22 llvm-22 with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y clang-22 lld-22 llvm-22 >/dev/null; then
    apt-get update >/dev/null
    apt-get install -y clang-22 lld-22 llvm-22 >/dev/null
  fi
  command -v "$CLANG" >/dev/null 2>&1 || { echo "build.sh: error: $CLANG still not available" >&2; exit 1; }
fi

mkdir -p "$out"
"$CLANG" -target bpfel -mcpu=v2 -O2 -ffreestanding -nostdlib -fno-builtin \
  -fno-stack-protector -mllvm -bpf-stack-size=4096 -Wall -Wextra -Werror \
  -c "$here/src/entrypoint.c" -o "$out/escrow.o"
python3 "$here/link.py" "$out/escrow.o" -o "$out/escrow.so"
echo "build.sh: $out/escrow.so ($(wc -c <"$out/escrow.so") bytes, $("$CLANG" --version | head -n1))"
