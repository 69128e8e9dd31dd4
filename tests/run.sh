#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite with ctest: the
# native tests (labels unit, fuzz, e2e) first, then the cross-architecture suite
# (label cross: qemu-system boots, docs/cross-arch.md) on its own, so the
# e2e timing checks do not share the two cores with qemu. Extra arguments go
# to ctest and select what runs (e.g. -L unit), in one ctest call.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
build=${COCOON_BUILD_DIR:-build}
if (($#)); then
  exec ctest --test-dir "$build" --output-on-failure -j2 "$@"
fi
status=0
ctest --test-dir "$build" --output-on-failure -j2 -L 'unit|e2e|fuzz' || status=1
ctest --test-dir "$build" --output-on-failure -j2 -L cross || status=1
exit "$status"
