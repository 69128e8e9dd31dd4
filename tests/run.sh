#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (unit and
# end-to-end) with ctest. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
build=${COCOON_BUILD_DIR:-build}
ctest --test-dir "$build" --output-on-failure -j2 "$@"
