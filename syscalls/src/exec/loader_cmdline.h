// /proc/PID/cmdline of a process cocoon started through the guest's ld.so
// (exec_script.h, LoaderArgs). The kernel reads that file from the
// process's memory, between mm->arg_start and arg_end (proc_pid_cmdline_read(),
// fs/proc/base.c), where ld.so's own arguments lie before the program's:
// "/lib64/ld-linux-x86-64.so.2 --argv0 sh /usr/bin/sh -c ...". ps -o args,
// pgrep -f and the program's own /proc/self/cmdline want "sh -c ...", what
// the kernel shows when it starts the program itself. This overlay (added
// to the view under -r, where cocoon starts programs so) generates the file
// without ld.so, "--argv0" and the program's path; the same for a program
// started through qemu-user (exec_foreign.h: "QEMU OPTIONS -0 NAME PATH").
//
// A program that rewrites its argument area (setproctitle: sshd, postgres,
// nginx write their title from argv[0]'s address on) changes what the
// kernel reads; the prefix is taken out only while the memory still holds
// it: ld.so and "--argv0" go as long as they are there, the path only
// while it is there in full; the rest (the title a program wrote where
// argv[0] began) shows as the kernel reads it, so a title shows as it does
// natively.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "cocoon/tracer/registry.h"
#include "exec/exec_script.h"
#include "view/proc_overlay.h"

namespace cocoon::syscalls {

// The cmdline a process started as `args` says and the kernel's `cmdline`
// read; nullopt when `cmdline` does not start with ld.so's arguments (a
// process whose title covers them). Pure.
std::optional<std::string> without_loader_args(std::string_view cmdline, const LoaderArgs& args);

class LoaderCmdlines final : public ProcOverlay {
 public:
  // `dir`: an empty directory of the scratch directory for the files.
  LoaderCmdlines(tracer::ProcessRegistry& registry, std::string dir);
  // At an exec's entry stop (Paths): how the program is started, or
  // nullopt when cocoon starts it as the guest asked. It becomes the
  // process's at the exec event (exec_done): a failed exec changes nothing.
  void planned(pid_t tgid, std::optional<LoaderArgs> args);
  void exec_done(pid_t tgid);

  std::optional<Substitute> lookup(const std::string& host, pid_t tgid,
                                   Reach reach) const override;
  std::vector<std::string> files() const override { return {dir_}; }

 private:
  // A forked child runs its parent's image, argument area and all
  // (dup_mmap(), kernel/fork.c): copied at fork, kept across exec (which
  // exec_done decides), gone with the process.
  struct Record {
    std::optional<LoaderArgs> planned, started;
  };
  tracer::ProcessSlot<Record> records_;
  std::string dir_;
  mutable unsigned counter_ = 0;
};

}  // namespace cocoon::syscalls
