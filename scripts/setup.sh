#!/usr/bin/env bash
# Installs everything Extent Lens needs to build, run and test, idempotently: each step in
# scripts/setup.d/ checks what is already there and does only what is missing.
# Safe to run again; CI runs it on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/setup.d/*.sh; do
  echo "== setup: $(basename "$step")"
  bash "$step"
done
