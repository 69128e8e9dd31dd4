// Path translation: every path a guest passes is resolved in guest terms
// (GuestView) and replaced by the host path the kernel must see, written
// below the guest's stack (tracer::StackScratch). Emulated at the entry stop,
// never at the exit: getcwd and readlink of /proc magic links are answered
// by the tracer, so no call here costs an exit stop.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "guest_view.h"

namespace cocoon::syscalls {

// readlink(2)'s answer, given by the tracer: `body` cut at the buffer's size
// (arg.path + 2), written to the buffer (arg.path + 1), no NUL.
tracer::Verdict reply_readlink(tracer::SyscallStop& stop, const arch::PathSpec& arg,
                               std::string_view body);

class Paths final : public tracer::SyscallHandler {
 public:
  Paths(std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry);
  std::string_view name() const override { return "paths"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  // Puts back a path overwritten in place (see `restore_`).
  void on_exit(tracer::SyscallStop& stop) override;
  // Puts the guest's name for the program into the new image's AT_EXECFN
  // string (see `execfn_`).
  void on_exec(tracer::Tracee& tracee, const tracer::GuestMemory& memory) override;

 private:
  tracer::Verdict getcwd(tracer::SyscallStop& stop) const;
  tracer::Verdict chroot(tracer::SyscallStop& stop) const;
  // The row's path arguments (SyscallDesc::paths, from arch/syscalls.tbl).
  tracer::Verdict translate(tracer::SyscallStop& stop);
  // /proc/PID/exe of a process cocoon ran through the guest's ld.so: the
  // program's guest path, when the kernel's link still names that ld.so.
  // 0, or the guest's errno.
  int overwrite_in_place(tracer::SyscallStop& stop, const std::string& host, bool exec);
  std::optional<std::string> exe_override(const std::string& proc_link,
                                          const std::string& body) const;

  // Per process: the ld.so (host path) it was exec'd through, and the
  // program's guest path. Checked against the live link, so a failed exec
  // cannot make /proc/PID/exe lie. A forked child runs the same image:
  // its mm's exe_file is its parent's (dup_mmap(), kernel/fork.c).
  struct ExeRecord {
    std::string interpreter_host, program_guest;
  };
  tracer::ProcessSlot<ExeRecord> exe_;
  // Where arg0 cannot be rewritten (riscv64 before Linux 6.16), a path in
  // arg0 is translated in place: the host path is written over the guest's
  // string (with PTRACE_POKEDATA, which also writes read-only pages), and
  // the bytes it covered are put back at the exit stop (a call slot). Only
  // the guest's own other threads could see the host path meanwhile. Not
  // put back after a successful execve: the memory is a new image's then.
  struct Restore {
    std::uint64_t addr;
    std::vector<std::byte> bytes;
    bool exec;
  };
  tracer::CallSlot<Restore> restore_;
  // Per process, from an exec's entry to its PTRACE_EVENT_EXEC: the
  // host path the kernel was given and the name the guest gave. The kernel
  // copies the former to the top of the new stack for AT_EXECFN
  // (create_elf_tables(), fs/binfmt_elf.c); on_exec writes the latter over
  // it, when it fits (a guest name longer than the host path, which only
  // binds can make, is left as the kernel wrote it). Kept past the exec
  // (on_exec takes it), fresh in a new process: no exec of its own yet.
  struct ExecFn {
    std::string host, guest;
  };
  tracer::ProcessSlot<ExecFn> execfn_;
  std::shared_ptr<const GuestView> view_;
};

}  // namespace cocoon::syscalls
