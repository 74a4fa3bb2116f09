#!/usr/bin/env bash
# The one test command (README): set up, build, then run every test suite with node's test runner,
# in two lanes side by side, each one `node --test` running its files one after another:
#   browser  test/vscode and test/webview (code-server and Chromium: about half the time)
#   rest     every other suite (unit, cli, linux, smb, packaging, windows, wine)
# What lets them run together (docs/ARCHITECTURE.md, "Setup and tests"): every server takes a
# free port, every folder, profile and mount point is a new mkdtemp, every loop device comes
# from `losetup -f`. Each lane's output streams with its name in front and is kept whole in
# test-results/lanes/<lane>.log; the run fails when either lane fails, crashes or is killed.
#   npm test                      everything
#   npm test -- test/unit         only files under the given paths
#   EL_TEST_LANES=1 npm test      one lane: every file one after another (slower; for a machine
#                                 too loaded to run the browser beside the rest)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
if [ $# -gt 0 ]; then roots=("$@"); else roots=(test); fi
mapfile -t files < <(find "${roots[@]}" -name '*.test.ts' -not -path 'test/extension/*' | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "no *.test.ts files under ${roots[*]}" >&2
  exit 2
fi
browser=() rest=()
for f in "${files[@]}"; do
  case "$f" in
    *test/vscode/* | *test/webview/*) browser+=("$f") ;;
    *) rest+=("$f") ;;
  esac
done
if [ "${EL_TEST_LANES:-2}" = 1 ]; then
  rest=("${files[@]}") browser=()
fi
echo "== running ${#files[@]} test files: ${#browser[@]} in the browser lane, ${#rest[@]} in the rest lane"

# (assert-ok-message.mjs: a failing bare assert.ok fails at once; node 20's own message can take minutes under tsx)
runner=(node --import tsx --import "$PWD/test/support/assert-ok-message.mjs" --test --test-concurrency=1 --test-reporter=spec)
logs=test-results/lanes
rm -rf "$logs"
mkdir -p "$logs"

names=() pids=() followers=()
start_lane() {
  local name=$1
  shift
  [ $# -gt 0 ] || return 0
  : >"$logs/$name.log" # before tail follows it
  "${runner[@]}" "$@" >"$logs/$name.log" 2>&1 &
  local pid=$!
  names+=("$name") pids+=("$pid")
  # Stream the lane's log as it grows, each line marked with the lane; tail ends once node has
  # ended and the rest of the log is printed.
  tail -n +1 -f --pid="$pid" "$logs/$name.log" | sed -u "s/^/[$name] /" &
  followers+=($!)
}
# Ctrl-C reaches both lanes through the terminal; a TERM sent to this script alone (a CI
# timeout) is passed on to both test runners, which end their test processes.
trap 'kill -TERM "${pids[@]}" 2>/dev/null || true' TERM INT
start_lane browser "${browser[@]}"
start_lane rest "${rest[@]}"

failed=0
for i in "${!pids[@]}"; do
  rc=0
  # wait returns early (above 128) when a trapped signal arrives: wait again until node has ended
  while :; do
    wait "${pids[$i]}" && rc=0 || rc=$?
    kill -0 "${pids[$i]}" 2>/dev/null || break
  done
  codes[i]=$rc
  [ "$rc" -eq 0 ] || failed=1
done
wait "${followers[@]}" 2>/dev/null || true

echo
echo "== lanes"
for i in "${!names[@]}"; do
  log="$logs/${names[$i]}.log"
  counts=$(grep -aE '^ℹ (tests|pass|fail|cancelled|skipped|duration_ms) ' "$log" | sed 's/^ℹ //' | paste -sd ' ' -) || true
  echo "${names[$i]}: exit ${codes[$i]}; ${counts:-no summary (the runner did not finish)}; whole log: $log"
  # the failures again, unmixed with the other lane's lines
  if [ "${codes[$i]}" -ne 0 ]; then sed -n '/^✖ failing tests:/,$p' "$log"; fi
done
exit "$failed"
