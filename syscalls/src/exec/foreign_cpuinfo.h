// /proc/cpuinfo for programs run through qemu-user (-q, exec_foreign.h).
// The file is the kernel's, in the host's format (x86's "vendor_id", "flags"),
// and Debian 12's qemu 7.2 passes the host's through for aarch64 and riscv64
// (it makes its own only for some other targets: linux-user/syscall.c,
// open_cpuinfo); tools that read it (lscpu, a build's CPU feature probe)
// then see an x86 CPU under an arm64 `uname -m`. A reader that is one of the
// run's emulators gets, instead, the file as that machine's kernel writes it
// (c_show() of arch/arm64/kernel/cpuinfo.c and arch/riscv/kernel/cpu.c,
// Linux 6.1), one entry per online host CPU (by its id), describing the CPU qemu
// emulates by default (its "max" CPU for aarch64, "any" for riscv64). Other
// machines keep the host's file.
#pragma once

#include <sys/types.h>

#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exec_foreign.h"
#include "view/proc_overlay.h"

namespace cocoon::syscalls {

// The /proc/cpuinfo text of the CPUs numbered `cpus` of qemu machine `arch`
// (qemu_arch_of's names); nullopt for a machine without one here. Pure.
std::optional<std::string> foreign_cpuinfo_text(std::string_view arch, const std::vector<unsigned>& cpus);

// A kernel CPU list ("0-3,5", /sys/devices/system/cpu/online) as its ids;
// empty when it does not parse. Pure.
std::vector<unsigned> parse_cpu_list(std::string_view list);

// The overlay: /proc/cpuinfo opened by a process whose executable is one of
// `emulators` gets that emulator's machine's file, written once in `dir`.
// An emulator given -cpu gets none (the file describes qemu's default CPU;
// QEMU_CPU in the guest's environment is not looked at).
class ForeignCpuinfo final : public ProcOverlay {
 public:
  // null when no emulator's machine has a text of its own.
  static std::expected<std::shared_ptr<const ForeignCpuinfo>, std::string> write(
      const Emulators& emulators, const std::string& dir);
  std::optional<Substitute> lookup(const std::string& host, pid_t tgid, Reach reach) const override;
  std::vector<std::string> files() const override;

 private:
  std::map<std::string, std::string> by_host_;  // emulator's host path -> its file
};

}  // namespace cocoon::syscalls
