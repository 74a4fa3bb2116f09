#!/usr/bin/env bash
# Extension packaging tests: `unzip` unpacks the built VSIX (test/packaging/vsix.test.ts).
set -euo pipefail
if ! command -v unzip >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "setup: need root to install: unzip" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip
fi
