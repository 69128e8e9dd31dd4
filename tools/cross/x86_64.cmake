# CMake toolchain file: a static x86-64 cocoon for the qemu harness
# (tests/qemu), built on an x86-64 host. Not a real cross compile: it exists
# so CMAKE_CROSSCOMPILING is set and the top-level CMakeLists.txt takes
# spdlog, fmt and CLI11 header-only, because Debian ships no static libfmt or
# libspdlog to link a static binary with. Used by tools/cross-build.sh x86_64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(COCOON_CROSS_TRIPLE x86_64-linux-gnu)
set(CMAKE_C_COMPILER   ${COCOON_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${COCOON_CROSS_TRIPLE}-g++)
