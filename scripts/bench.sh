#!/usr/bin/env bash
# `npm run bench`: the benchmarks of issue 2 (bench/run.ts) on an XFS loop image. Needs root,
# xfsprogs, e2fsprogs (filefrag) and hyperfine; writes docs/BENCHMARKS.md.
#   npm run bench                     map 100,000 extents + clone 1 GiB
#   npm run bench -- --million        ... and map a 1,000,000-extent file (minutes)
#   npm run bench -- --no-doc         print only
#   npm run bench -- --only space     the space benchmark alone (20,000 and 200,000 files)
#   npm run bench -- --only smb       the SMB benchmark alone (Samba + smbclient on loopback)
#   npm run bench -- --only dedupe    extent-lens dedupe vs duperemove (2 GiB, 2,000 files; btrfs, XFS)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "bench: needs root (loop devices, mount)" >&2; exit 2; fi
# hyperfine is only needed here (not by the tests), so it is installed here rather than in setup.
if ! command -v hyperfine >/dev/null; then
  echo "bench: installing hyperfine (apt)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine
fi
# GNU time (/usr/bin/time: peak RSS of the space benchmark), likewise only needed here.
if [ ! -x /usr/bin/time ]; then
  echo "bench: installing time (apt)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
fi
for t in xfs_io filefrag hyperfine mkfs.xfs mkfs.btrfs btrfs losetup duperemove; do
  command -v "$t" >/dev/null || { echo "bench: $t is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
done
npm run --silent build
# This sandbox sets NODE_EXTRA_CA_CERTS for every process; Node then parses that CA bundle at
# startup (~75 ms here) before running a line of ours. Users' shells do not normally set it, and
# filefrag/cp pay nothing like it, so it is removed for a fair whole-process comparison.
unset NODE_EXTRA_CA_CERTS
exec node --import tsx bench/run.ts "$@"
