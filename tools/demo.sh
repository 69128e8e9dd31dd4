#!/usr/bin/env bash
# Sets everything up, then runs a shell under cocoon that prints what it sees.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
build=${COCOON_BUILD_DIR:-build}
echo "--- a shell under cocoon, with an emulated hostname:"
exec "$build/cocoon" run --hostname cocoon-demo -- sh -c '
  echo "hostname (uname -n): $(uname -n)"
  echo "real host name file: $(cat /etc/hostname)"
  echo "my pid: $$, my parent: $PPID"
  echo "id: $(id)"
  echo "kernel: $(uname -sr)"
  echo "threads and children work: $(sh -c "echo child; sleep 0.1" & wait)"
  echo "ls /: $(ls / | tr "\n" " ")"'
