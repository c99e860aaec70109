#!/usr/bin/env bash
# CI for programs/solana: npm ci, build the program from source (clang is
# installed with apt-get if missing), run the linker tests (python unittest)
# and the node tests (LiteSVM program tests, loader deployment, CU table,
# dev node with @solana/kit). The last line is "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
passed=0
failed=0
summary() { echo "${passed} passed, ${failed} failed"; }

echo "== npm ci"
if ! npm ci --no-audit --no-fund --loglevel=error; then
  failed=$((failed + 1)); summary; exit 1
fi

echo "== build"
rm -rf build
if ! bash build.sh; then
  failed=$((failed + 1)); summary; exit 1
fi

echo "== linker tests (python unittest)"
py_counts="$(python3 - "$here/test" <<'PY'
import sys, unittest
suite = unittest.defaultTestLoader.discover(sys.argv[1], pattern="linker_test.py")
result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
bad = len(result.failures) + len(result.errors) + len(result.skipped) + len(result.unexpectedSuccesses)
print(result.testsRun - bad, bad)
PY
)" || true
read -r py_pass py_fail <<<"${py_counts:-0 1}"
echo "linker tests: ${py_pass} passed, ${py_fail} failed"
passed=$((passed + py_pass)); failed=$((failed + py_fail))

echo "== node tests"
tap="$(mktemp)"
node --test --test-reporter=tap test/*.test.js >"$tap" 2>&1 || true
grep -E '^(not ok|# (tests|pass|fail|cancelled|skipped))' "$tap" || true
grep -B2 -A30 '^not ok' "$tap" | head -n 200 || true
node_pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -n1)"
node_fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -n1)"
node_cancel="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -n1)"
if [ -z "$node_pass" ]; then node_pass=0; node_fail=1; cat "$tap"; fi
rm -f "$tap"
passed=$((passed + node_pass)); failed=$((failed + ${node_fail:-0} + ${node_cancel:-0}))

if [ -f build/cu.md ]; then echo "== compute units"; cat build/cu.md; fi
summary
[ "$failed" -eq 0 ]
