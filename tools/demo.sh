#!/usr/bin/env bash
# Sets everything up, then runs a shell under cocoon in the built-in busybox
# root (tools/busybox-root.sh): a guest root, the host's /proc, a minimal
# /dev, a private /tmp, this checkout bound read-only at /src, an emulated
# hostname. Interactive on a terminal; otherwise it prints what it sees.
set -euo pipefail
cd "$(dirname "$0")/.."
# COCOON_DEMO_NO_SETUP=1 (the e2e demo test): use the build as it is.
[[ ${COCOON_DEMO_NO_SETUP:-} == 1 ]] || bash tools/install-deps.sh --run
build=${COCOON_BUILD_DIR:-build}
root=${COCOON_DEMO_ROOT:-$build/busybox-root}
bash tools/busybox-root.sh "$root"
view=(-r "$root" --proc /proc --dev /dev --tmpfs /tmp --ro-bind "$PWD:/src" -w /src
      --hostname cocoon-demo)
echo "--- the guest's mounts (cocoon mounts ${view[*]}):"
"$build/cocoon" mounts "${view[@]}"
if [[ -t 0 && -t 1 ]]; then
  echo "--- a shell under cocoon in the busybox root (exit to leave):"
  exec "$build/cocoon" run "${view[@]}" -- /bin/sh -c 'cat /etc/motd; exec /bin/sh -i'
fi
echo "--- a shell under cocoon in the busybox root:"
exec "$build/cocoon" run "${view[@]}" -- /bin/sh -c '
  echo "hostname (uname -n): $(uname -n)"
  echo "ls /: $(ls / | tr "\n" " ")"
  echo "pwd: $(pwd), README here: $(head -n1 README.md)"
  echo "readlink /proc/self/exe: $(readlink /proc/self/exe)"
  echo "ls /dev: $(ls /dev | tr "\n" " ")"
  echo "writing to /src (read-only bind): $(touch /src/x 2>&1)"
  echo "my pid: $$, id: $(id)"
  echo "/proc/self/mounts:"; cat /proc/self/mounts'
