#!/usr/bin/env bash
# The one test command (README): set up, build, then run every test suite with node's test runner.
#   npm test                      everything
#   npm test -- test/unit         only files under the given paths
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
if [ $# -gt 0 ]; then roots=("$@"); else roots=(test); fi
mapfile -t files < <(find "${roots[@]}" -name '*.test.ts' -not -path 'test/extension/*' | sort)
echo "== running ${#files[@]} test files"
# (assert-ok-message.mjs: a failing bare assert.ok fails at once; node 20's own message can take minutes under tsx)
exec node --import tsx --import "$PWD/test/support/assert-ok-message.mjs" --test --test-reporter=spec "${files[@]}"
