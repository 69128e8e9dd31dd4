#!/usr/bin/env bash
# The packaging workload (bench.sh's 7b) alone, on tmpfs, as nobody, with
# runners interleaved run by run (a noisy machine drifts less between them
# than between bench.sh's blocks); prints each runner's median and its ratio
# to native. Not run by bench.sh or CI (docs/benchmark.md).
#
#   bash tests/bench/pkg_series.sh RUNS NAME=WRAPPER...
#   e.g. bash tests/bench/pkg_series.sh 21 "fakeroot=fakeroot --" \
#          "cocoon=build/cocoon fakeroot --" "old=/tmp/cocoon.old fakeroot --"
set -euo pipefail
if (($# < 1)) || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
runs=$1
shift
script='mkdir t && for d in $(seq 40); do mkdir t/d$d; for f in $(seq 50); do : >t/d$d/f$f; done; done; chown -R 0:0 t 2>/dev/null; tar -cf t.tar t'
as_nobody=()
((EUID == 0)) && as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
dir=$(mktemp -d /dev/shm/cocoon-pkg.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
declare -A times
one() {
  local name=$1
  shift
  rm -rf "$dir/w" && mkdir -m 777 "$dir/w"
  local t0 t1
  t0=$(date +%s%N)
  (cd "$dir/w" && "${as_nobody[@]}" "$@" sh -c "$script" >/dev/null 2>&1) || {
    echo "pkg_series: $name failed" >&2
    exit 1
  }
  t1=$(date +%s%N)
  times[$name]+="$(((t1 - t0) / 1000)) "
}
# A wrapper's program given by a relative path is made absolute: the runs
# happen in the work directory.
wrapper() {
  local -a words
  read -ra words <<<"${1#*=}"
  [[ ${words[0]} == */* && ${words[0]} != /* ]] && words[0]=$PWD/${words[0]}
  printf '%s\n' "${words[@]}"
}
for ((i = 0; i < runs; i++)); do
  one native
  for v in "$@"; do
    mapfile -t w < <(wrapper "$v")
    one "${v%%=*}" "${w[@]}"
  done
done
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
base=$(median "${times[native]}")
for name in native "${@%%=*}"; do
  m=$(median "${times[$name]}")
  awk -v n="$name" -v m="$m" -v b="$base" 'BEGIN {printf "%-12s %8.1f ms  %.3fx\n", n, m / 1000, m / b}'
done
