#include "foreign_cpuinfo.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
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

std::optional<std::string> foreign_cpuinfo_text(std::string_view arch, const std::vector<unsigned>& cpus) {
  std::string (*cpu)(unsigned) = nullptr;
  if (arch == "aarch64") cpu = aarch64_cpu;
  if (arch == "riscv64") cpu = riscv64_cpu;
  if (cpu == nullptr) return std::nullopt;
  std::string text;
  for (const unsigned n : cpus) text += cpu(n);
  return text;
}

std::vector<unsigned> parse_cpu_list(std::string_view list) {
  std::vector<unsigned> out;
  std::size_t at = 0;
  while (at < list.size()) {
    const auto end = std::min(list.find(',', at), list.size());
    const std::string item(list.substr(at, end - at));
    at = end + 1;
    char* rest = nullptr;
    const unsigned long first = std::strtoul(item.c_str(), &rest, 10);
    if (rest == item.c_str()) return {};
    unsigned long last = first;
    if (*rest == '-') last = std::strtoul(rest + 1, &rest, 10);
    if ((*rest != '\0' && *rest != '\n') || last < first || last >= 65536) return {};
    for (unsigned long c = first; c <= last; ++c) out.push_back(static_cast<unsigned>(c));
  }
  return out;
}

namespace {

// The online CPUs' ids, as the kernel lists them (offline ones leave gaps):
// /sys/devices/system/cpu/online; without it 0..N-1.
std::vector<unsigned> online_cpus() {
  std::ifstream f("/sys/devices/system/cpu/online");
  std::string line;
  if (std::getline(f, line)) {
    if (auto cpus = parse_cpu_list(line); !cpus.empty()) return cpus;
  }
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  std::vector<unsigned> cpus(n > 0 ? static_cast<std::size_t>(n) : 1);
  for (std::size_t i = 0; i < cpus.size(); ++i) cpus[i] = static_cast<unsigned>(i);
  return cpus;
}

bool write_new_file(const std::string& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  if (::close(fd) != 0 || done != text.size()) {
    if (done != text.size()) errno = saved;
    return false;
  }
  return true;
}

// The executable of process `tgid`: its /proc/TGID/exe, or, when the
// leader has exited (its exe link is gone then), one of its other threads'.
std::optional<std::string> exe_of(pid_t tgid) {
  const std::string base = "/proc/" + std::to_string(tgid);
  char exe[PATH_MAX];
  ssize_t n = ::readlink((base + "/exe").c_str(), exe, sizeof exe);
  if (n > 0) return std::string(exe, static_cast<std::size_t>(n));
  DIR* tasks = ::opendir((base + "/task").c_str());
  if (tasks == nullptr) return std::nullopt;
  std::optional<std::string> found;
  while (const dirent* d = ::readdir(tasks)) {
    if (d->d_name[0] == '.') continue;
    n = ::readlink((base + "/task/" + d->d_name + "/exe").c_str(), exe, sizeof exe);
    if (n > 0) {
      found.emplace(exe, static_cast<std::size_t>(n));
      break;
    }
  }
  ::closedir(tasks);
  return found;
}

// A -cpu option picks another CPU than the one the files describe.
bool picks_cpu(const Emulator& e) {
  return std::find(e.args.begin(), e.args.end(), "-cpu") != e.args.end();
}

}  // namespace

std::expected<std::shared_ptr<const ForeignCpuinfo>, std::string> ForeignCpuinfo::write(
    const Emulators& emulators, const std::string& dir) {
  auto out = std::make_shared<ForeignCpuinfo>();
  const std::vector<unsigned> cpus = online_cpus();
  for (const Emulator& e : emulators.all()) {
    if (picks_cpu(e)) continue;
    const auto text = foreign_cpuinfo_text(e.arch, cpus);
    if (!text) continue;
    const std::string file = dir + "/cpuinfo-" + e.arch;
    if (!write_new_file(file, *text)) return std::unexpected(file + ": " + std::strerror(errno));
    out->by_host_[e.host] = file;
  }
  if (out->by_host_.empty()) return nullptr;
  return out;
}

// Only /proc/cpuinfo gets this far: an open for reading, and also a stat,
// which then describes the file written here (its size, not /proc's 0).
std::optional<Substitute> ForeignCpuinfo::lookup(const std::string& host, pid_t tgid,
                                                 Reach reach) const {
  if (reach != Reach::kRead || host != "/proc/cpuinfo" || tgid <= 0) return std::nullopt;
  const auto exe = exe_of(tgid);
  if (!exe) return std::nullopt;
  const auto it = by_host_.find(*exe);
  if (it == by_host_.end()) return std::nullopt;
  return Substitute{Substitute::Kind::kFile, it->second};
}

std::vector<std::string> ForeignCpuinfo::files() const {
  std::vector<std::string> out;
  for (const auto& [host, file] : by_host_) out.push_back(file);
  return out;
}

}  // namespace cocoon::syscalls
