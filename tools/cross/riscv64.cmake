# CMake toolchain file: cross-compile cocoon for riscv64 Linux with Debian's
# g++-riscv64-linux-gnu (sysroot /usr/riscv64-linux-gnu). Used by tools/cross-build.sh:
#   cmake -S . -B build-riscv64 -DCMAKE_TOOLCHAIN_FILE=tools/cross/riscv64.cmake
set(COCOON_CROSS_ARCH riscv64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
