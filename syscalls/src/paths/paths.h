// Path translation: every path a guest passes is resolved in guest terms
// (GuestView) and replaced by the host path the kernel must see, written
// below the guest's stack (tracer::StackScratch). Emulated at the entry stop,
// never at the exit: getcwd and readlink of /proc magic links are answered
// by the tracer, so no call here costs an exit stop.
#pragma once

#include <linux/openat2.h>
#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "cocoon/tracer/scratch.h"
#include "exec/exec_script.h"
#include "guard/dumpable.h"
#include "view/guest_view.h"

namespace cocoon::syscalls {

struct IdentityState;

// readlink(2)'s answer, given by the tracer: `body` cut at the buffer's size
// (arg.path + 2), written to the buffer (arg.path + 1), no NUL.
tracer::Verdict reply_readlink(tracer::SyscallStop& stop, const arch::PathSpec& arg,
                               std::string_view body);

class Paths final : public tracer::SyscallHandler {
 public:
  // The flags that decide following and writing: openat2 keeps them in
  // struct open_how (include/uapi/linux/openat2.h), which the tracer
  // rewrites with resolve = 0, since it resolved in guest terms already.
  struct CallFlags {
    std::uint64_t flags = 0;  // the flags argument (AT_*, open flags, inotify mask)
    std::optional<open_how> how;
    bool how_resolves = false;  // the guest's open_how.resolve was not 0
    vfs::ResolveFlags resolve;
  };
  // What translate() found, argument by argument (path_translate.cc).
  struct Translation {
    std::optional<vfs::Resolved> resolved[2];
    std::string guest[2];  // the guest's strings, for the teaching view's notes
    std::optional<ExecPlan> exec_plan;
    bool exec = false;
    bool as_is = true;
  };

  // `identity`: the emulated credentials, when there are (chroot(2)'s
  // CAP_SYS_CHROOT), or null. `dumpable`: the guest's emulated
  // PR_SET_DUMPABLE flags, which keep a process's private /proc files from
  // the guest's others (guard/dumpable.h), or null.
  Paths(std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry,
        std::shared_ptr<IdentityState> identity = nullptr,
        std::shared_ptr<const DumpableFlags> dumpable = nullptr);
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
  // The row's path arguments (SyscallDesc::paths, from arch/syscalls.tbl),
  // in the steps path_translate.cc describes; an early verdict (an error,
  // readlink's answer) ends the call's translation.
  tracer::Verdict translate(tracer::SyscallStop& stop);
  std::optional<tracer::Verdict> resolve_argument(tracer::SyscallStop& stop, int i,
                                                  const CallFlags& cf, Translation& t);
  // A change under a union mount (path_unions.cc): a delete or rename
  // done on its layers (the verdict), or copy-ups, after which
  // `t.resolved` names the upper layer's entries.
  std::optional<tracer::Verdict> union_writes(tracer::SyscallStop& stop, const CallFlags& cf,
                                              Translation& t);
  std::optional<tracer::Verdict> answer_readlink(tracer::SyscallStop& stop,
                                                 const arch::PathSpec& a,
                                                 const std::string& host) const;
  // The file to open instead of `r` (the view's overlays), or EACCES for a
  // write of a read-only one.
  std::expected<std::optional<std::string>, tracer::Verdict> substitute(
      tracer::SyscallStop& stop, const arch::PathSpec& a, const CallFlags& cf,
      const vfs::Resolved& r) const;
  // 0, or the errno of an exec that cannot run.
  int plan_program(tracer::SyscallStop& stop, const arch::PathSpec& a, const std::string& path,
                   const vfs::Resolved& r, Translation& t);
  tracer::Verdict write_back(tracer::SyscallStop& stop, const CallFlags& cf,
                             const Translation& t);
  // How a path in arg0 went in where arg0 cannot be set.
  enum class Arg0 : std::uint8_t { kInPlace, kExecveat };
  std::expected<Arg0, int> write_arg0(tracer::SyscallStop& stop, tracer::StackScratch& scratch,
                                      const std::string& host, bool exec);
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
  std::shared_ptr<IdentityState> identity_;
  std::shared_ptr<const DumpableFlags> dumpable_;
};

}  // namespace cocoon::syscalls
