# CMake toolchain file: cross-compile cocoon for aarch64 Linux with Debian's
# g++-aarch64-linux-gnu (sysroot /usr/aarch64-linux-gnu). Used by tools/cross-build.sh:
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=tools/cross/aarch64.cmake
set(COCOON_CROSS_ARCH aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
