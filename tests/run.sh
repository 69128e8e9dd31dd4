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
# The static cross builds (a whole cocoon per arch) before ctest and off its
# clock, with a limit of their own: on a busy 2-core machine they took more
# than the 900 s of ctest's cross.build.ARCH, and every boot after them was
# "Not Run". build/cross is kept, so a warm run rebuilds nothing and the
# cross.build tests only check it is up to date. A failed build shows its
# log here and its cross.build test fails with it again.
for arch in aarch64 riscv64 x86_64; do
  timeout 3600 nice bash tests/qemu/run.sh --build-root "$(realpath -m "$build")/cross" --build-only "$arch" ||
    echo "the $arch cross build failed (its ctest cross.build.$arch will say why)"
done
ctest --test-dir "$build" --output-on-failure -j2 -L cross || status=1
exit "$status"
