#!/usr/bin/env bash
# `npm start`: Extent Lens in a real VS Code, in your browser.
#   1. setup (idempotent: node 24 + code-server into ~/.cache/extent-lens, see setup.d/40-vscode.sh)
#   2. build dist/
#   3. a demo workspace (scripts/demo-workspace.sh: sparse, preallocated, reflinked files)
#   4. code-server (VS Code 1.139) on 127.0.0.1 with Extent Lens installed, and the URL to open
# Ctrl-C stops everything this started (code-server's whole process group), unmounts the demo's
# XFS image, detaches its loop device and deletes the demo workspace.
#
# Options (environment):
#   EXTENT_LENS_PORT=8123       port (default: a free one)
#   EXTENT_LENS_NO_SETUP=1      skip scripts/setup.sh (you ran it already)
#   EXTENT_LENS_WORKSPACE=DIR   open DIR instead of a fresh demo workspace (left as it is)
#   EXTENT_LENS_KEEP_DEMO=1     keep the demo workspace on exit (mounts are still undone)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ -z "${EXTENT_LENS_NO_SETUP:-}" ]; then bash scripts/setup.sh; fi
npm run --silent build

cache=${EXTENT_LENS_CACHE:-$HOME/.cache/extent-lens}
ready=$cache/vscode/ready.json
[ -f "$ready" ] || { echo "start: $ready missing; run bash scripts/setup.d/40-vscode.sh" >&2; exit 1; }
json() { node -e 'process.stdout.write(String(require(process.argv[1])[process.argv[2]]))' "$ready" "$1"; }
node24=$(json node)
entry=$(json codeServer)

run=$(mktemp -d "${TMPDIR:-/tmp}/el-vscode-start-XXXXXX")
mkdir -p "$run"/{user-data/User,extensions,xdg,home,tmp}
demo=
cs_pid=
cleanup() {
  trap - EXIT INT TERM HUP
  if [ -n "$cs_pid" ]; then
    # code-server forks extension hosts, a file watcher and an agent host: stop the whole group.
    kill -TERM -- "-$cs_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$cs_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$cs_pid" 2>/dev/null || true
    wait "$cs_pid" 2>/dev/null || true
  fi
  if [ -n "$demo" ]; then
    if [ -n "${EXTENT_LENS_KEEP_DEMO:-}" ]; then
      bash scripts/demo-workspace.sh --unmount "$demo"
      echo "start: demo workspace kept in $demo"
    else
      bash scripts/demo-workspace.sh --cleanup "$demo"
    fi
  fi
  rm -rf "$run"
  echo "start: stopped; nothing left running"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

trust=(--disable-workspace-trust)   # the demo folder was made by us a moment ago
if [ -n "${EXTENT_LENS_WORKSPACE:-}" ]; then
  folder=$(cd "$EXTENT_LENS_WORKSPACE" && pwd)
  trust=()                          # your folder: VS Code asks whether you trust it
else
  demo=$(mktemp -d "${TMPDIR:-/tmp}/el-demo-XXXXXX")
  bash scripts/demo-workspace.sh "$demo"
  folder=$demo
fi

# Install Extent Lens by linking this repository into a private extensions folder: what
# code-server runs is exactly dist/ as just built (rebuild + "Developer: Reload Window" to see
# changes). The VSIX route (npm run package; code-server --install-extension) works as well.
version=$(node -p 'require("./package.json").version')
ln -s "$repo" "$run/extensions/extent-lens.extent-lens-$version"
cat > "$run/user-data/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "files.exclude": { "**/.xfs.img": true, "**/.extent-lens-demo": true },
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "extentLens.clone.onExisting": "ask"
}
JSON

port=${EXTENT_LENS_PORT:-$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')}
# setsid: code-server leads its own process group, so cleanup() reaches everything it forks.
# Not our process group either: Ctrl-C reaches this script, which then stops it in order.
PATH="$(dirname "$node24"):$PATH" XDG_CONFIG_HOME="$run/xdg" XDG_DATA_HOME="$run/xdg" HOME="$run/home" TMPDIR="$run/tmp" \
  EXTENSIONS_GALLERY='{}' VSCODE_SKIP_BUILTIN_EXTENSIONS='GitHub.copilot-chat' \
  setsid "$node24" "$entry" --bind-addr "127.0.0.1:$port" --auth none \
    --disable-telemetry --disable-update-check --disable-getting-started-override ${trust[@]+"${trust[@]}"} \
    --user-data-dir "$run/user-data" --extensions-dir "$run/extensions" \
    > "$run/code-server.log" 2>&1 < /dev/null &
cs_pid=$!

# Up to EXTENT_LENS_START_WAIT seconds (60: a first start on a loaded machine); each check at
# most 2 s, so a port that takes connections and never answers cannot hold the script, and no URL
# is printed unless it answered.
wait_s="${EXTENT_LENS_START_WAIT:-60}"
up= deadline=$((SECONDS + wait_s))
while [ "$SECONDS" -lt "$deadline" ]; do
  if curl -fs -m 2 -o /dev/null "http://127.0.0.1:$port/healthz"; then up=1; break; fi
  kill -0 "$cs_pid" 2>/dev/null || { cat "$run/code-server.log"; echo "start: code-server exited" >&2; exit 1; }
  sleep 0.2
done
if [ -z "$up" ]; then
  tail -20 "$run/code-server.log"
  echo "start: code-server did not answer on 127.0.0.1:$port/healthz within $wait_s s (its log: $run/code-server.log; EXTENT_LENS_START_WAIT=SECONDS waits longer)" >&2
  exit 1
fi
url="http://127.0.0.1:$port/?folder=$(node -p 'encodeURIComponent(process.argv[1])' "$folder")"
# the demo's files, or (your own folder) the commands in general. The first file to inspect is
# on the demo's XFS where it has one (reflink/, as root): the demo folder itself lies under
# TMPDIR, often ext4 or tmpfs, where the inspector's first words were "Block cloning: not supported".
if [ -n "${demo:-}" ] && grep -q '^mount=' "$demo/.extent-lens-demo"; then
  try="right-click reflink/original.img > Extent Lens > Inspect Allocated Ranges (XFS: holes, and extents shared with reflinked-copy.img)
         right-click reflink/clone-me.bin > Select for Block Clone, then reflink/clone-target > Block Clone Here"
elif [ -n "${demo:-}" ]; then
  try="right-click sparse-disk.img > Extent Lens > Inspect Allocated Ranges
         right-click reflink/clone-me.bin > Select for Block Clone, then reflink/clone-target > Block Clone Here"
else
  try="right-click a file > Extent Lens > Inspect Allocated Ranges; a folder > Extent Lens > Analyze Space Usage
         (your folder opens untrusted: trust it for the commands that change files)"
fi
cat <<MSG

  Extent Lens is running in VS Code (code-server $(json codeServerVersion)).
  Open:  $url
  Try:   $try
  Log:   $run/code-server.log
  Ctrl-C stops everything.

MSG
wait "$cs_pid" || true
echo "start: code-server exited; see the log above" >&2
tail -20 "$run/code-server.log" >&2 || true
