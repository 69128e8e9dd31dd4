#!/usr/bin/env bash
# Builds a static cocoon (core only, tests off) and the static end-to-end test
# guests (tests/guests) for another arch with Debian's cross compilers
# (g++-aarch64-linux-gnu / g++-riscv64-linux-gnu), or for x86-64 with the
# host's compiler (a static build for the qemu harness, tests/qemu).
#
#   tools/cross-build.sh ARCH [BUILD_DIR]    ARCH: aarch64 | riscv64 | x86_64
#
# BUILD_DIR defaults to build-ARCH; cocoon lands in BUILD_DIR/cocoon and the
# guests in BUILD_DIR/guests/ (int80 and x32 on x86-64 only), the adversarial
# probes in BUILD_DIR/probes/ (race on x86-64 only). Rerunning it
# rebuilds only what changed. Extra cmake -D options for cocoon can be passed
# in COCOON_CROSS_CMAKE_ARGS, e.g. a bootstrap syscall table:
#   COCOON_CROSS_CMAKE_ARGS=-DCOCOON_SYSCALL_TABLE=/tmp/boot.tbl tools/cross-build.sh riscv64
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 aarch64|riscv64|x86_64 [BUILD_DIR]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
arch=$1
case $arch in
  aarch64|riscv64|x86_64) ;;
  *) usage ;;
esac
build=$(realpath -m "${2:-build-$arch}")
toolchain=$PWD/tools/cross/$arch.cmake
build_type=${CMAKE_BUILD_TYPE:-RelWithDebInfo}

if ! command -v "$arch-linux-gnu-g++" >/dev/null; then
  pkg=g++-$arch-linux-gnu
  [[ $arch == x86_64 ]] && pkg=g++
  echo "$arch-linux-gnu-g++ not found: apt-get install --no-install-recommends $pkg" >&2
  exit 1
fi

start=$SECONDS
# shellcheck disable=SC2086  # COCOON_CROSS_CMAKE_ARGS is a word list on purpose
cmake -S . -B "$build" \
  -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE="$build_type" \
  -DCOCOON_STATIC=ON -DCOCOON_TESTS=OFF \
  ${COCOON_CROSS_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"

# The guests are a project of their own (tests/guests/CMakeLists.txt): a
# cross build has no GTest, and the rest of tests/ needs it.
cmake -S tests/guests -B "$build/guests-build" \
  -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_EXE_LINKER_FLAGS=-static \
  -DCOCOON_GUEST_DIR="$build/guests" >/dev/null
cmake --build "$build/guests-build" -j"$(nproc)"

# The adversarial probes (tests/adversarial), likewise a project of their
# own: the qemu harness runs them (tests/qemu/adversarial.sh).
cmake -S tests/adversarial -B "$build/probes-build" \
  -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE="$build_type" \
  -DCOCOON_PROBE_DIR="$build/probes" >/dev/null
cmake --build "$build/probes-build" -j"$(nproc)"

echo "built $build/cocoon and $build/guests/ in $((SECONDS - start)) s"
if command -v file >/dev/null; then
  file "$build/cocoon"
fi
