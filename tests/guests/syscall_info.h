// PTRACE_GET_SYSCALL_INFO (Linux 5.3) and its struct ptrace_syscall_info
// (include/uapi/linux/ptrace.h), which Debian 12's glibc headers do not
// name: for the small tracer guests (archtracer, seizer, secfilter).
#pragma once

#include <stdint.h>

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#endif

struct syscall_info {
  uint8_t op;
  uint8_t pad[3];
  uint32_t arch;
  uint64_t ip, sp;
  union {
    struct { uint64_t nr, args[6]; } entry;
    struct { int64_t rval; uint8_t is_error; } exit;
    struct { uint64_t nr, args[6]; uint32_t ret_data, reserved; } seccomp;
  };
};
