#!/usr/bin/env bash
# `npm run test:unit`: the tests that need no root, no apt packages, no network and no build —
# pure logic, codecs, the fake-VS-Code command tests — in about 1–1.5 minutes on two cores, without running setup.
# Everything else (loop-mounted file systems, Samba, Wine, Chromium, code-server) is `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test/unit -name '*.test.ts' | sort)
files+=(test/cli/digits.test.ts test/cli/numbers.test.ts test/cli/dedupe-human.test.ts test/smb/primitives.test.ts)
exec node --import tsx --import "$PWD/test/support/assert-ok-message.mjs" --test --test-reporter=spec "${files[@]}"
