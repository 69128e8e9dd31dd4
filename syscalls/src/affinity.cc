#include "affinity.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

Affinity::Affinity(tracer::ProcessRegistry& registry)
    : set_(registry, tracer::OnClone::kCopy, tracer::OnClone::kCopy, tracer::OnExec::kKeep) {
  CPU_ZERO(&original_);
  sched_getaffinity(0, sizeof original_, &original_);
}

Decision Affinity::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  using arch::Sys;
  if (!arch::is_any(row.sys, {Sys::sched_getaffinity, Sys::sched_setaffinity})) {
    return Decision::allow();
  }
  return abi == arch::host_arch() ? Decision::trace() : Decision::allow();
}

// sched_setaffinity: remembered for the thread (its own choice is what it
// must read back), then done by the kernel. sched_getaffinity: the
// kernel's checks and length (the tracer asks the same of the same task),
// the original or remembered CPUs in the buffer. The thread by its host
// number: in an emulated PID namespace Pids translated it (Phase).
Verdict Affinity::on_entry(tracer::SyscallStop& stop) {
  const auto who = stop.call.pid(0).value_or(static_cast<pid_t>(stop.regs.arg(0)));
  const pid_t tid = who == 0 ? stop.tracee.tid : who;
  const std::size_t len = stop.regs.arg(1);
  if (stop.desc.sys == arch::Sys::sched_setaffinity) {
    cpu_set_t mask;
    CPU_ZERO(&mask);
    const std::size_t n = std::min(len, sizeof mask);
    if (n && stop.memory.read(stop.regs.arg(2), std::as_writable_bytes(std::span(
                                                     reinterpret_cast<char*>(&mask), n)))) {
      set_.set(tid, mask);
    }
    return Verdict::resume();
  }
  std::vector<char> probe(std::min<std::size_t>(len, 1 << 16));
  const long got = ::syscall(SYS_sched_getaffinity, tid, probe.size(), probe.data());
  if (got < 0) return Verdict::deny(errno);
  const cpu_set_t* set = set_.find(tid);
  const cpu_set_t& mask = set != nullptr ? *set : original_;
  std::vector<char> out(static_cast<std::size_t>(got), 0);
  std::memcpy(out.data(), &mask, std::min(out.size(), sizeof mask));
  if (!stop.memory.write(stop.regs.arg(2), std::as_bytes(std::span(out)))) {
    return Verdict::deny(EFAULT);
  }
  return Verdict::skip(got);
}

}  // namespace cocoon::syscalls
