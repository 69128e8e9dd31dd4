#include "cocoon/arch/syscall_table.h"

#include <fcntl.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "syscall_rows.h"

namespace cocoon::arch {
namespace {

// Lookup structures built once from the generated rows: by name, and per ABI
// a dense vector indexed by number (the tracer asks at every stop).
struct Index {
  std::unordered_map<std::string_view, const SyscallDesc*> by_name;
  std::array<std::vector<const SyscallDesc*>, kArchCount> by_nr;

  Index() {
    for (const SyscallDesc& row : all_syscalls()) {
      by_name.emplace(row.name, &row);
      for (std::size_t a = 0; a < kArchCount; ++a) {
        const int nr = row.nr[a];
        if (nr == kAbsent) continue;
        auto& v = by_nr[a];
        if (v.size() <= static_cast<std::size_t>(nr)) v.resize(static_cast<std::size_t>(nr) + 1);
        v[static_cast<std::size_t>(nr)] = &row;
      }
    }
  }
};

const Index& index() {
  static const Index idx;
  return idx;
}

}  // namespace

bool SyscallDesc::has_role(ArgRole role) const { return arg_index(role) >= 0; }

int SyscallDesc::arg_index(ArgRole role) const {
  for (int i = 0; i < arg_count; ++i) {
    if (args[static_cast<std::size_t>(i)] == role) return i;
  }
  return -1;
}

bool follows_last(const PathSpec& p, std::uint64_t flags) {
  switch (p.follow) {
    case Follow::kYes: return true;
    case Follow::kNo: return false;
    case Follow::kUnlessAtNoFollow: return (flags & AT_SYMLINK_NOFOLLOW) == 0;
    case Follow::kIfAtFollow: return (flags & AT_SYMLINK_FOLLOW) != 0;
    // open(2): O_CREAT|O_EXCL never follows a symlink in the last component.
    case Follow::kOpenFlags:
      return (flags & O_NOFOLLOW) == 0 && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
    case Follow::kInotifyMask: return (flags & 0x02000000u /* IN_DONT_FOLLOW */) == 0;
    case Follow::kFanotifyFlags: return (flags & 0x04u /* FAN_MARK_DONT_FOLLOW */) == 0;
  }
  return true;
}

bool empty_names_dirfd(const SyscallDesc& row, const PathSpec& p, std::uint64_t flags) {
  return p.empty_ok && (row.flags_arg < 0 || (flags & AT_EMPTY_PATH) != 0);
}

std::span<const SyscallDesc> all_syscalls() { return {detail::kRows, detail::kRowCount}; }

// The enumerators are in table order (gen_syscall_table.py).
const SyscallDesc& find_syscall(Sys sys) { return detail::kRows[static_cast<std::size_t>(sys)]; }

bool strict_mode_allows(Arch abi, long nr) {
  const Sys back = abi == Arch::kI386 ? Sys::sigreturn : Sys::rt_sigreturn;
  for (Sys sys : {Sys::read, Sys::write, Sys::exit, back}) {
    const SyscallDesc& row = find_syscall(sys);
    if (row.exists_on(abi) && row.number(abi) == nr) return true;
  }
  return false;
}

const SyscallDesc* find_syscall(std::string_view name) {
  const auto& m = index().by_name;
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second;
}

const SyscallDesc* find_syscall(Arch a, long nr) {
  const auto& v = index().by_nr[static_cast<std::size_t>(a)];
  if (nr < 0 || static_cast<unsigned long>(nr) >= v.size()) return nullptr;
  return v[static_cast<std::size_t>(nr)];
}

int max_syscall_number(Arch a) {
  return static_cast<int>(index().by_nr[static_cast<std::size_t>(a)].size());
}

std::string_view role_name(ArgRole r) {
  switch (r) {
    case ArgRole::kOther: return "-";
    case ArgRole::kPath: return "path";
    case ArgRole::kDirfd: return "dirfd";
    case ArgRole::kAtFlags: return "atflags";
    case ArgRole::kOpenFlags: return "oflags";
    case ArgRole::kOpenHow: return "openhow";
    case ArgRole::kLookupFlags: return "lookupflags";
    case ArgRole::kPid: return "pid";
    case ArgRole::kUid: return "uid";
    case ArgRole::kGid: return "gid";
    case ArgRole::kFdIn: return "fd";
    case ArgRole::kFdOut: return "fdout";
    case ArgRole::kSockaddr: return "sockaddr";
    case ArgRole::kMode: return "mode";
    case ArgRole::kDev: return "dev";
    case ArgRole::kStatBuf: return "statbuf";
    case ArgRole::kStatxBuf: return "statxbuf";
    case ArgRole::kXattrName: return "xattr";
    case ArgRole::kXattrArgs: return "xattrargs";
    case ArgRole::kXattrList: return "xattrlist";
  }
  return "?";
}

std::string_view ret_role_name(RetRole r) {
  switch (r) {
    case RetRole::kOther: return "-";
    case RetRole::kFd: return "fd";
    case RetRole::kPid: return "pid";
    case RetRole::kUid: return "uid";
    case RetRole::kGid: return "gid";
    case RetRole::kAddr: return "addr";
  }
  return "?";
}

std::string_view follow_name(Follow f) {
  switch (f) {
    case Follow::kYes: return "follow";
    case Follow::kNo: return "nofollow";
    case Follow::kUnlessAtNoFollow: return "AT_SYMLINK_NOFOLLOW";
    case Follow::kIfAtFollow: return "AT_SYMLINK_FOLLOW";
    case Follow::kOpenFlags: return "O_NOFOLLOW";
    case Follow::kInotifyMask: return "IN_DONT_FOLLOW";
    case Follow::kFanotifyFlags: return "FAN_MARK_DONT_FOLLOW";
  }
  return "?";
}

std::string_view effect_name(Effect e) {
  switch (e) {
    case Effect::kRead: return "read";
    case Effect::kModify: return "modify";
    case Effect::kCreate: return "create";
    case Effect::kReplace: return "replace";
    case Effect::kOpenFlags: return "open";
  }
  return "?";
}

std::string signature(const SyscallDesc& row) {
  std::string out = "(";
  for (int i = 0; i < row.arg_count; ++i) {
    const auto idx = static_cast<std::size_t>(i);
    if (i) out += ", ";
    if (row.args[idx] != ArgRole::kOther) out += role_name(row.args[idx]);
    for (const PathSpec& p : row.path_specs()) {
      if (p.path != i) continue;
      out += '[';
      out += follow_name(p.follow);
      out += ',';
      out += effect_name(p.effect);
      if (p.empty_ok) out += ",empty";
      if (p.null_ok) out += ",null";
      if (p.same_mount) out += ",exdev";
      out += ']';
    }
    if (row.args[idx] != ArgRole::kOther) out += ':';
    out += row.arg_names[idx];
  }
  out += ')';
  if (row.ret != RetRole::kOther) {
    out += " -> ";
    out += ret_role_name(row.ret);
  }
  return out;
}

}  // namespace cocoon::arch
