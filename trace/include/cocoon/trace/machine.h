// The guest's machine state at a stop, for the lesson: its call stack
// (libunwind-ptrace) and the instructions around the syscall (Capstone).
// Either library may be missing from a build (cross builds have neither):
// then the functions say so in their one line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cocoon/arch/arch.h"

namespace cocoon::trace {

struct Frame {
  std::uint64_t ip = 0;
  std::string function;  // empty when no symbol covers ip
  std::uint64_t offset = 0;
  std::string module;  // the mapped file, from /proc/TID/maps
};

// The stack of stopped tracee `tid`, innermost first. Empty, with `error`
// set, when it cannot be unwound.
std::vector<Frame> unwind_stack(pid_t tid, std::string& error, int max_frames = 32);

struct Instruction {
  std::uint64_t address = 0;
  std::string bytes;  // hex, "0f 05"
  std::string text;   // "syscall", "svc #0"; empty when not disassembled
  bool is_syscall = false;  // the instruction that entered the kernel
};

// The instructions of stopped tracee `tid` before and after the syscall
// instruction that ends at `ip` (the address the kernel reports: after the
// instruction on all three arches). `note` says what could not be done
// (no Capstone, an arch this Capstone lacks: raw bytes then).
std::vector<Instruction> disassemble_at(pid_t tid, arch::Arch abi, std::uint64_t ip,
                                        std::string& note);

// The same for `code` (read from `base`; the syscall instruction at `site`;
// `func`, where the function holding it starts, or 0): the pure part,
// unit-tested with other arches' bytes on any host.
std::vector<Instruction> disassemble(arch::Arch abi, std::vector<std::uint8_t> code,
                                     std::uint64_t base, std::uint64_t site, std::uint64_t func,
                                     std::string& note);

// The module (mapped file) holding each address, from /proc/TID/maps.
std::vector<std::string> modules_of(pid_t tid, const std::vector<std::uint64_t>& addrs);

}  // namespace cocoon::trace
