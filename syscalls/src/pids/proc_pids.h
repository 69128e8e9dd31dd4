// /proc in an emulated PID namespace (issue 6): the guest sees its own
// processes under their numbers and nobody else's.
//  - Paths: "/proc/N/..." is "/proc/REAL/..." (GuestView::resolve), a
//    number no member has is ENOENT, readlink /proc/self is the number;
//  - ProcListing: getdents64 of /proc and /proc/N/task lists only members,
//    renamed;
//  - proc_file_generator() and proc_status_editor(): /proc/N/stat and
//    status opened from inside are copies whose Pid, Tgid, PPid,
//    TracerPid, NS* and stat's pid, ppid, pgrp, session and tpgid fields
//    are the namespace's numbers.
// Assumes the guest's /proc is the host's (a bind of it, or the host's
// root): cocoon has no proc filesystem of its own.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cocoon/tracer/handler.h"
#include "pid_namespace.h"
#include "view/proc_status.h"

namespace cocoon::syscalls {

class ProcListing final : public tracer::SyscallHandler {
 public:
  explicit ProcListing(std::shared_ptr<const PidNamespaces> ns) : ns_(std::move(ns)) {}
  std::string_view name() const override { return "proc-listing"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;

 private:
  std::shared_ptr<const PidNamespaces> ns_;
};

// Rewrites the records of one getdents64 buffer of a /proc directory:
// numeric names are replaced by `rename` (nullopt: dropped), others kept;
// at most `capacity` bytes. When a record does not fit, `complete` is
// false and `resume_off` is the directory position to seek back to so the
// next read starts with it (`start` if it was the first). Pure.
struct DirentsOut {
  std::string bytes;
  bool complete = true;
  long long resume_off = 0;
};
DirentsOut filter_proc_dirents(std::string_view in, std::size_t capacity, long long start,
                               const std::function<std::optional<pid_t>(pid_t)>& rename);

// The file to open instead of host /proc/REAL/stat (or under task/TID) for
// reader `tgid`, written into `dir`; empty for other paths and for a
// reader whose /proc shows the host's numbers.
std::function<std::string(const std::string&, pid_t)> proc_file_generator(
    std::shared_ptr<const PidNamespaces> ns, std::string dir);
// /proc/N/status's numbers as the reader's PID namespace has them.
ProcStatusFiles::Editor proc_status_editor(std::shared_ptr<const PidNamespaces> ns);

// The text of those files, rewritten. Pure.
std::string rewrite_proc_status(const std::string& text, const PidNamespace& ns);
std::string rewrite_proc_stat(const std::string& text, const PidNamespace& ns);

}  // namespace cocoon::syscalls
