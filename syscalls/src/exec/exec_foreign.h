// Programs of another architecture (`cocoon run -q QEMU`). The kernel runs
// an ELF file only for its own machine: load_elf_binary() (fs/binfmt_elf.c)
// answers ENOEXEC to any other e_machine, and only a binfmt_misc handler,
// which needs root to register, would hand it to an emulator. So the
// tracer does binfmt_misc's job in the guest's view: an exec whose program
// (a script's interpreter included) is an ELF file of another machine
// becomes an exec of qemu-user, run natively from its host path, with the
// guest program as its argument:
//
//     QEMU [QEMU'S OPTIONS] -0 ARGV0 PROGRAM ARGS...
//
// qemu-user issues the guest's system calls as the host's own (one host
// call per guest call, on the host's table), so the tracer sees and
// translates them as a native guest's: qemu's open of PROGRAM and of the
// ELF interpreter PROGRAM names (/lib/ld-linux-aarch64.so.1) are in the
// guest's view, which is why no -L prefix is given, and the guest's own
// execve is a host execve that comes back here (docs/internals/foreign.md).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace cocoon::syscalls {

// The emulator -q named: made once per run (view_setup.cc), read by
// plan_exec (exec_script.h).
struct Emulator {
  std::string host;               // its host path, absolute: exec'd as it is
  std::vector<std::string> args;  // the words after its name (-cpu max)
  bool dynamic = false;           // it has an ELF interpreter (not a -static build)
};

// `command` split at blanks (PRoot's -q 'qemu-aarch64 -cpu max'); its first
// word a path, or a name looked up in PATH as execvp(3) would. It must be
// an executable ELF file of this host's machine. The failure says why.
std::expected<Emulator, std::string> find_emulator(std::string_view command);

// Whether `head`, the first bytes of a file, is an ELF file the host's
// kernel would refuse for its machine: e_machine (read in the file's own
// byte order) is neither the host's nor one a compat entry runs (EM_386 on
// x86-64). Pure.
bool is_foreign_elf(std::string_view head);

}  // namespace cocoon::syscalls
