# Shared part of the toolchain files for Debian's cross compilers: the file
# that includes this sets COCOON_CROSS_ARCH (aarch64, riscv64) first.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${COCOON_CROSS_ARCH})

set(COCOON_CROSS_TRIPLE ${COCOON_CROSS_ARCH}-linux-gnu)
set(CMAKE_C_COMPILER   ${COCOON_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${COCOON_CROSS_TRIPLE}-g++)
set(CMAKE_AR           ${COCOON_CROSS_TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB       ${COCOON_CROSS_TRIPLE}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP        ${COCOON_CROSS_TRIPLE}-strip CACHE FILEPATH "")

# Libraries, headers and packages come only from the cross tree, never from
# the host's /usr; programs (python3, the generator) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${COCOON_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Run target binaries (try_run, tests) under qemu-user when it is installed.
find_program(COCOON_QEMU qemu-${COCOON_CROSS_ARCH}-static qemu-${COCOON_CROSS_ARCH})
if(COCOON_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${COCOON_QEMU} -L /usr/${COCOON_CROSS_TRIPLE})
endif()
