#!/usr/bin/env bash
# cocoon's benchmark: times workloads natively, under cocoon and under PRoot
# (when installed) in one run; prints per workload the median of BENCH_RUNS
# runs for each runner, the ratios, and whether cocoon meets its targets.
# See docs/benchmark.md.
#
#   bash tests/bench/bench.sh BUILD_DIR
#
# Environment:
#   BENCH_RUNS=9                  runs per workload and runner (medians of these)
#   BENCH_RUNNERS=native,cocoon,proot   which runners to measure; add
#                                 "before" with BENCH_BEFORE=PATH (another
#                                 cocoon binary) for a change's before/after
#   BENCH_GETPID_N=1000000        getpid calls of workload 4
#   BENCH_PROOT_GETPID_N=10000    ... under PRoot (its time is scaled up)
#   BENCH_NOSECCOMP_GETPID_N=10000  ... under cocoon --no-seccomp
#   BENCH_FLOOR_N=20000           traced calls of the floor tracer
#   BENCH_VERBOSE=1               also print every sample
#   BENCH_PROOT=PATH              the PRoot measured; by default the peer build
#                                 beside the checkout or the main one of its
#                                 worktree (../shared/peers/proot:
#                                 upstream 5.4 with its seccomp filter), else
#                                 `proot` from PATH (Debian's 5.1 has no filter)
#   BENCH_FOREIGN_ROOT=DIR        an arm64 root (debootstrap --foreign is enough)
#                                 for the -q rows; default the cache
#                                 /var/tmp/cocoon-rootfs/bookworm-arm64-foreign,
#                                 made by tests/bench/foreign_root.sh
#   BENCH_WORKLOADS=build,apt     only these workloads (bench.py's w_* names
#                                 without w_; default all)
#   COCOON_ROOTFS_CACHE=DIR       where the Debian roots of rows 10 and 11 are
#                                 (default /var/tmp/cocoon-rootfs); when they are
#                                 missing and this runs as root, it makes them
#                                 first (tests/bench/build_root.sh, a few minutes,
#                                 the Debian archive); when that fails, the rows
#                                 say why and stay empty (never a pass)
#
# Exit status: 0, even when a target is missed (timings are noisy: this is a
# measurement, not a test); 1 if a workload failed to run; 2 on bad usage.
set -euo pipefail

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
build=$1
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-9}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_RUNS must be a positive integer" >&2; exit 2; }
runners=${BENCH_RUNNERS:-native,cocoon,proot}
cocoon=$build/cocoon
if [[ ,$runners, == *,cocoon,* && ! -x $cocoon ]]; then
  echo "bench: $cocoon not found: build cocoon first (or set BENCH_RUNNERS=native,proot)" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cocoon-bench.XXXXXX")
chmod 755 "$tmp"  # the packaging workload runs as nobody
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/work"
for helper in getpid_loop fork200 floor; do
  gcc -O2 -Wall -o "$tmp/bin/$helper" "$here/$helper.c"
done

echo "cocoon benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "kernel:  $(uname -srm)"
echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) cores"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -x $cocoon ]]; then
  echo "cocoon:  $("$cocoon" --version 2>&1 | head -n1) ($cocoon)"
fi
peer=$here/../../../shared/peers/proot
# From a git worktree elsewhere (/work/wt/NAME here), beside the main checkout.
common=$(git -C "$here" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
[[ -x $peer || -z $common ]] || peer=$(dirname "$common")/../shared/peers/proot
if [[ -z ${BENCH_PROOT:-} ]]; then
  if [[ -x $peer ]]; then BENCH_PROOT=$(realpath "$peer"); else BENCH_PROOT=$(command -v proot || true); fi
fi
export BENCH_PROOT
if [[ -n $BENCH_PROOT ]]; then
  version=$("$BENCH_PROOT" --version 2>&1 | sed -n 's/.*| \([0-9][0-9.]*\)$/\1/p' | head -n1)
  echo "proot:   $BENCH_PROOT, version ${version:-unnumbered (a peer build: see its README)}," \
       "$("$BENCH_PROOT" --version 2>&1 | sed -n 's/^built-in accelerators: //p')"
else
  echo "proot:   not installed (PRoot columns empty)"
fi
echo "runs:    $runs per workload and runner, runners: $runners"

# Rows 10 and 11's roots (issue 19's real workloads), made once.
if [[ -z ${BENCH_WORKLOADS:-} || ,$BENCH_WORKLOADS, == *,build,* || ,$BENCH_WORKLOADS, == *,apt,* ]]; then
  # (Not as root, bench.py says why the rows are not measured.)
  if ((EUID == 0)) && ! bash "$here/build_root.sh" >"$tmp/build_root.log" 2>&1; then
    export BENCH_REAL_SKIP="tests/bench/build_root.sh failed: $(tail -n1 "$tmp/build_root.log")"
    echo "roots:   $BENCH_REAL_SKIP"
  fi
fi
echo

status=0
python3 "$here/bench.py" "$build" --helpers "$tmp/bin" --work "$tmp/work" --runs "$runs" || status=$?
exit "$status"
