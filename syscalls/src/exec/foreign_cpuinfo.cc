#include "foreign_cpuinfo.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

namespace cocoon::syscalls {
namespace {

// What qemu-aarch64 7.2's default ("max") CPU gives a program in AT_HWCAP
// (0xecfffffb) and AT_HWCAP2 (0x7f877fff), measured on Debian 12's
// qemu-user-static, named as the kernel's hwcap_str[] names the bits, in
// bit order (arch/arm64/kernel/cpuinfo.c).
constexpr std::string_view kAarch64Features =
    "fp asimd aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc "
    "dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm ilrcpc flagm sb paca pacg dcpodp sve2 sveaes "
    "svepmull svebitperm svesha3 svesm4 flagm2 frint svei8mm svef32mm svef64mm svebf16 i8mm bf16 "
    "rng bti mte sme smei16i64 smef64f64 smei8i32 smef16f32 smeb16f32 smef32f32 smefa64";

// One CPU as arm64's c_show() prints it. qemu's "max" CPU has MIDR_EL1
// implementer 0 ("software use"), part 'Q' (target/arm/cpu64.c); BogoMIPS
// is twice the timer's MHz, qemu's 62.5 MHz (GTIMER_SCALE 16).
std::string aarch64_cpu(unsigned n) {
  return "processor\t: " + std::to_string(n) + "\nBogoMIPS\t: 125.00\nFeatures\t: " +
         std::string(kAarch64Features) +
         "\nCPU implementer\t: 0x00\nCPU architecture: 8\nCPU variant\t: 0x0\n"
         "CPU part\t: 0x051\nCPU revision\t: 0\n\n";
}

// One hart as riscv's c_show() prints it: qemu-riscv64's AT_HWCAP is 0x112d
// (i, m, a, f, d, c); the vendor, architecture and implementation ids of
// qemu's CPU are 0.
std::string riscv64_cpu(unsigned n) {
  const std::string id = std::to_string(n);
  return "processor\t: " + id + "\nhart\t\t: " + id +
         "\nisa\t\t: rv64imafdc\nmmu\t\t: sv48\n"
         "mvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n";
}

}  // namespace

std::optional<std::string> foreign_cpuinfo_text(std::string_view arch, unsigned cpus) {
  std::string (*cpu)(unsigned) = nullptr;
  if (arch == "aarch64") cpu = aarch64_cpu;
  if (arch == "riscv64") cpu = riscv64_cpu;
  if (cpu == nullptr) return std::nullopt;
  std::string text;
  for (unsigned n = 0; n < cpus; ++n) text += cpu(n);
  return text;
}

std::expected<std::shared_ptr<const ForeignCpuinfo>, std::string> ForeignCpuinfo::write(
    std::shared_ptr<const Emulators> emulators, const std::string& dir) {
  auto out = std::make_shared<ForeignCpuinfo>();
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  const unsigned cpus = online > 0 ? static_cast<unsigned>(online) : 1;
  for (const Emulator& e : emulators->all()) {
    const auto text = foreign_cpuinfo_text(e.arch, cpus);
    if (!text) continue;
    const std::string file = dir + "/cpuinfo-" + e.arch;
    std::ofstream f(file, std::ios::binary);
    f << *text;
    if (!f.flush()) return std::unexpected(file + ": " + std::strerror(errno));
    out->by_host_[e.host] = file;
  }
  if (out->by_host_.empty()) return nullptr;
  out->emulators_ = std::move(emulators);
  return out;
}

// One readlink of the reader's exe per open of /proc/cpuinfo: only that
// path, read, ever gets this far.
std::optional<Substitute> ForeignCpuinfo::lookup(const std::string& host, pid_t tgid,
                                                 Reach reach) const {
  if (reach != Reach::kRead || host != "/proc/cpuinfo" || tgid <= 0) return std::nullopt;
  char exe[PATH_MAX];
  const std::string link = "/proc/" + std::to_string(tgid) + "/exe";
  const ssize_t n = ::readlink(link.c_str(), exe, sizeof exe);
  if (n <= 0) return std::nullopt;
  const auto it = by_host_.find(std::string(exe, static_cast<std::size_t>(n)));
  if (it == by_host_.end()) return std::nullopt;
  return Substitute{Substitute::Kind::kFile, it->second};
}

std::vector<std::string> ForeignCpuinfo::files() const {
  std::vector<std::string> out;
  for (const auto& [host, file] : by_host_) out.push_back(file);
  return out;
}

}  // namespace cocoon::syscalls
