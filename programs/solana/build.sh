#!/usr/bin/env bash
# Builds the escrow program: compiles src/entrypoint.c for BPF and links it
# with link.py into build/escrow.so. Installs clang from Debian if missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/build"

find_clang() {
  for c in clang-22 clang-14 clang; do
    if command -v "$c" >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  return 1
}

CLANG="${CLANG:-$(find_clang || true)}"
if [ -z "$CLANG" ]; then
  echo "build.sh: installing clang-22 with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y clang-22 lld-22 llvm-22 >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y clang-22 lld-22 llvm-22 >/dev/null; } \
    || { apt-get install -y clang-14 >/dev/null; }
  CLANG="$(find_clang)"
fi

mkdir -p "$out"
"$CLANG" -target bpfel -mcpu=v2 -O2 -ffreestanding -nostdlib -fno-builtin \
  -fno-stack-protector -mllvm -bpf-stack-size=4096 -Wall -Wextra -Werror \
  -c "$here/src/entrypoint.c" -o "$out/escrow.o"
python3 "$here/link.py" "$out/escrow.o" -o "$out/escrow.so"
echo "build.sh: $out/escrow.so ($(wc -c <"$out/escrow.so") bytes, $("$CLANG" --version | head -n1))"
