#!/usr/bin/env bash
# npm dependencies, exactly as locked. Re-installs only when package-lock.json changed.
set -euo pipefail
stamp=node_modules/.extent-lens-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
