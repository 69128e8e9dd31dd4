// -k and --disasm. libunwind-ptrace reads the stopped tracee through
// ptrace and its ELF files' unwind tables (.eh_frame) and symbols; Capstone
// disassembles bytes read with process_vm_readv. Both are optional at build
// time (COCOON_HAVE_LIBUNWIND, COCOON_HAVE_CAPSTONE); Capstone is also
// dlopened at the first disassembly rather than linked (capstone_api.h).
#include "cocoon/trace/machine.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "cocoon/tracer/memory.h"

#ifdef COCOON_HAVE_LIBUNWIND
#include <libunwind-ptrace.h>
#endif
#ifdef COCOON_HAVE_CAPSTONE
#include "capstone_api.h"
#endif

namespace cocoon::trace {

std::vector<std::string> modules_of(pid_t tid, const std::vector<std::uint64_t>& addrs) {
  std::vector<std::string> out(addrs.size());
  std::ifstream maps("/proc/" + std::to_string(tid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    // "start-end perms offset dev inode   path"
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode, path;
    in >> range >> perms >> offset >> dev >> inode;
    std::getline(in >> std::ws, path);
    const auto dash = range.find('-');
    if (dash == std::string::npos || path.empty()) continue;
    const std::uint64_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const std::uint64_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      if (addrs[i] >= lo && addrs[i] < hi) out[i] = path;
    }
  }
  return out;
}

#ifdef COCOON_HAVE_LIBUNWIND
std::vector<Frame> unwind_stack(pid_t tid, std::string& error, int max_frames) {
  std::vector<Frame> frames;
  // A fresh address space per stop: the guest execs and maps libraries, and
  // a cache would outlive the mappings it describes.
  unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
  if (as == nullptr) {
    error = "unw_create_addr_space failed";
    return frames;
  }
  void* ui = _UPT_create(tid);
  unw_cursor_t cursor;
  if (ui == nullptr || unw_init_remote(&cursor, as, ui) != 0) {
    error = "libunwind cannot start at this stop";
  } else {
    do {
      unw_word_t ip = 0, off = 0;
      if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
      char name[256] = "";
      Frame f;
      f.ip = ip;
      if (unw_get_proc_name(&cursor, name, sizeof name, &off) == 0) {
        f.function = name;
        f.offset = off;
      }
      frames.push_back(std::move(f));
    } while (static_cast<int>(frames.size()) < max_frames && unw_step(&cursor) > 0);
  }
  if (ui != nullptr) _UPT_destroy(ui);
  unw_destroy_addr_space(as);
  std::vector<std::uint64_t> ips;
  for (const Frame& f : frames) ips.push_back(f.ip);
  const auto mods = modules_of(tid, ips);
  for (std::size_t i = 0; i < frames.size(); ++i) frames[i].module = mods[i];
  return frames;
}

namespace {

// Where the function holding the stopped tracee's ip starts (its unwind
// info's range), for disassembling x86 from an instruction boundary.
std::uint64_t function_start(pid_t tid) {
  unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
  if (as == nullptr) return 0;
  void* ui = _UPT_create(tid);
  unw_cursor_t cursor;
  unw_proc_info_t info{};
  std::uint64_t start = 0;
  if (ui != nullptr && unw_init_remote(&cursor, as, ui) == 0 &&
      unw_get_proc_info(&cursor, &info) == 0) {
    start = info.start_ip;
  }
  if (ui != nullptr) _UPT_destroy(ui);
  unw_destroy_addr_space(as);
  return start;
}

}  // namespace
#else
std::uint64_t function_start(pid_t) { return 0; }

std::vector<Frame> unwind_stack(pid_t, std::string& error, int) {
  error = "this cocoon was built without libunwind";
  return {};
}
#endif

namespace {

std::string hex_bytes(const std::uint8_t* p, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%s%02x", i ? " " : "", p[i]);
    out += b;
  }
  return out;
}

// Raw words when no disassembler covers the arch: fixed 4-byte slots for
// the RISC arches, one 2-byte slot (the syscall) plus the rest for x86.
std::vector<Instruction> raw_slots(const std::vector<std::uint8_t>& code, std::uint64_t base,
                                   std::uint64_t site, std::size_t step) {
  std::vector<Instruction> out;
  for (std::size_t at = 0; at + step <= code.size(); at += step) {
    Instruction in;
    in.address = base + at;
    in.bytes = hex_bytes(code.data() + at, step);
    in.is_syscall = in.address == site;
    out.push_back(std::move(in));
  }
  return out;
}

// The fallback without a disassembler: 4-byte slots for the RISC arches;
// for x86, whose instruction boundaries are unknown without decoding, the
// bytes before the site as one slot, then the 2-byte syscall instruction.
std::vector<Instruction> raw_bytes(arch::Arch abi, const std::vector<std::uint8_t>& code,
                                   std::uint64_t base, std::uint64_t site) {
  if (arch::syscall_insn_size(abi) == 4) return raw_slots(code, base, site, 4);
  const std::size_t lead = site - base;
  std::vector<Instruction> out;
  out.push_back({base, hex_bytes(code.data(), lead), "", false});
  out.push_back({site, hex_bytes(code.data() + lead, 2), "", true});
  return out;
}

}  // namespace

#ifdef COCOON_HAVE_CAPSTONE
namespace {

Instruction from_capstone(const cs_insn& insn, std::uint64_t site) {
  Instruction in;
  in.address = insn.address;
  in.bytes = hex_bytes(insn.bytes, insn.size);
  in.text = std::string(insn.mnemonic) + (insn.op_str[0] ? " " : "") + insn.op_str;
  in.is_syscall = in.address == site;
  return in;
}

// x86 instructions have no fixed length, so decoding cannot start just
// anywhere before the site: from the function's start when it lies in the
// window, else from the first offset whose instructions end exactly at the
// syscall instruction (which may decode a few bytes of the previous
// function as nonsense).
std::vector<Instruction> decode(const CapstoneApi& cs, csh h, const std::vector<std::uint8_t>& code,
                                std::uint64_t base, std::uint64_t site, bool variable,
                                std::uint64_t func) {
  const std::size_t first = func > base && func <= site ? func - base : 0;
  const std::size_t limit = variable ? code.size() : 1;
  for (std::size_t start = first; start < limit; start += variable ? 1 : 4) {
    cs_insn* insn = nullptr;
    const std::size_t n =
        cs.disasm(h, code.data() + start, code.size() - start, base + start, 0, &insn);
    std::vector<Instruction> out;
    bool aligned = false;
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(from_capstone(insn[i], site));
      aligned = aligned || out.back().is_syscall;
    }
    if (n > 0) cs.free(insn, n);
    if (aligned) return out;
  }
  return {};
}

struct CapstoneTarget {
  cs_arch arch;
  cs_mode mode;
};

// Capstone's arch and mode for an ABI; nullopt when the Capstone we were
// built against lacks the arch (4 has no RISC-V).
std::optional<CapstoneTarget> capstone_target(arch::Arch abi) {
  switch (abi) {
    case arch::Arch::kX86_64:
    case arch::Arch::kI386:  // int 0x80 from 64-bit code: still 64-bit code
      return CapstoneTarget{CS_ARCH_X86, CS_MODE_64};
    case arch::Arch::kAarch64: return CapstoneTarget{CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN};
    case arch::Arch::kRiscv64:
#if CS_API_MAJOR >= 5
      return CapstoneTarget{CS_ARCH_RISCV, static_cast<cs_mode>(CS_MODE_RISCV64 | CS_MODE_RISCVC)};
#else
      return std::nullopt;
#endif
  }
  return std::nullopt;
}

std::string cannot_disassemble(arch::Arch abi) {
  return "this Capstone (" + std::to_string(CS_API_MAJOR) + "." + std::to_string(CS_API_MINOR) +
         ") cannot disassemble " + std::string(arch::name(abi)) + "; raw bytes";
}

// The instructions around the site, or empty with `note` saying why not.
// The library is only loaded for an arch it could disassemble.
std::vector<Instruction> capstone_disassemble(arch::Arch abi,
                                              const std::vector<std::uint8_t>& code,
                                              std::uint64_t base, std::uint64_t site,
                                              std::uint64_t func, std::string& note) {
  const auto target = capstone_target(abi);
  if (!target) {
    note = cannot_disassemble(abi);
    return {};
  }
  const CapstoneApi* cs = capstone_api();
  if (cs == nullptr) {
    note = std::string("Capstone (") + kCapstoneSoname +
           ") could not be loaded: " + capstone_load_error() + "; raw bytes";
    return {};
  }
  csh h = 0;
  if (cs->open(target->arch, target->mode, &h) != CS_ERR_OK) {
    note = cannot_disassemble(abi);
    return {};
  }
  const bool x86 = target->arch == CS_ARCH_X86;
  auto out = decode(*cs, h, code, base, site, x86, x86 ? func : 0);
  cs->close(&h);
  if (out.empty()) note = "no instruction boundary found at the syscall site; raw bytes";
  return out;
}

}  // namespace
#endif

std::vector<Instruction> disassemble_at(pid_t tid, arch::Arch abi, std::uint64_t ip,
                                        std::string& note) {
  constexpr std::uint64_t kBefore = 24, kAfter = 8;
  const std::uint64_t site = ip - arch::syscall_insn_size(abi);
  const std::uint64_t base = site - kBefore;
  std::vector<std::uint8_t> code(kBefore + arch::syscall_insn_size(abi) + kAfter);
  auto got = tracer::GuestMemory(tid).read_some(base, std::as_writable_bytes(std::span(code)));
  if (!got || *got < kBefore + arch::syscall_insn_size(abi)) {
    note = "code not readable";
    return {};
  }
  code.resize(*got);
  return disassemble(abi, code, base, site, function_start(tid), note);
}

std::vector<Instruction> disassemble(arch::Arch abi, std::vector<std::uint8_t> code,
                                     std::uint64_t base, std::uint64_t site, std::uint64_t func,
                                     std::string& note) {
#ifdef COCOON_HAVE_CAPSTONE
  auto out = capstone_disassemble(abi, code, base, site, func, note);
  if (!out.empty()) return out;
#else
  (void)func;  // only x86 decoding with Capstone starts from it
  note = "this cocoon was built without Capstone; raw bytes";
#endif
  return raw_bytes(abi, code, base, site);
}

}  // namespace cocoon::trace
