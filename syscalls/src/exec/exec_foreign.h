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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cocoon::syscalls {

// One qemu-user: made once per run (view_setup.cc), read by plan_exec
// (exec_script.h) through Emulators.
struct Emulator {
  std::string host;               // its host path, absolute: exec'd as it is
  std::vector<std::string> args;  // the words after its name (-cpu max)
  bool dynamic = false;           // it has an ELF interpreter (not a -static build)
  // qemu's name of the machine it runs (aarch64, riscv64; qemu_arch_of),
  // from its file name qemu-ARCH[-static]; empty when the name says none.
  std::string arch;
};

// `command` split at blanks (PRoot's -q 'qemu-aarch64 -cpu max'); its first
// word a path, or a name looked up in PATH as execvp(3) would. It must be
// an executable ELF file of this host's machine. The failure says why.
std::expected<Emulator, std::string> find_emulator(std::string_view command);

// Whether `head`, the first bytes of a file, is an ELF file the host's
// kernel would refuse for its machine: e_machine (read in the file's own
// byte order) is neither the host's nor one a compat entry runs (EM_386 on
// x86-64; 32-bit arm on an arm64 kernel that runs it, asked once).
bool is_foreign_elf(std::string_view head);

// qemu-user's name for the machine of ELF header `head` (qemu-ARCH: e_machine
// with the class, byte order and ABI flag where qemu has a binary per
// variant: aarch64, riscv64, arm, armeb, mips64el, mipsn32...); nullopt for
// a machine without a qemu-user here (xtensa), or not an ELF header. Pure.
std::optional<std::string> qemu_arch_of(std::string_view head);

// The emulators of a run. `-q QEMU` names one for every foreign program, as
// PRoot's -q; `-q auto` (and `cocoon run` with a root of its own and no -q)
// takes, per machine, the first qemu-ARCH-static in PATH's absolute
// directories that is a static program of the host's machine (a dynamic
// qemu would look its libraries up in the guest's view). A foreign program
// no emulator serves gets the kernel's ENOEXEC.
class Emulators {
 public:
  Emulators() = default;
  static Emulators named(Emulator emulator);
  static Emulators installed();  // qemu-ARCH-static in PATH, for each known ARCH

  // The emulator for a program whose first bytes are `head`: null when the
  // host runs it itself, or no emulator serves its machine.
  const Emulator* for_program(std::string_view head) const;
  const std::vector<Emulator>& all() const { return list_; }
  bool empty() const { return list_.empty(); }

 private:
  std::vector<Emulator> list_;
  bool any_machine_ = false;  // -q QEMU: list_[0] serves every foreign machine
};

}  // namespace cocoon::syscalls
