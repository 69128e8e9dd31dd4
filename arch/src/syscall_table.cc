#include "cocoon/arch/syscall_table.h"

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

std::span<const SyscallDesc> all_syscalls() { return {detail::kRows, detail::kRowCount}; }

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
    case ArgRole::kPid: return "pid";
    case ArgRole::kUid: return "uid";
    case ArgRole::kGid: return "gid";
    case ArgRole::kFdIn: return "fd";
    case ArgRole::kFdOut: return "fdout";
    case ArgRole::kSockaddr: return "sockaddr";
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
  }
  return "?";
}

}  // namespace cocoon::arch
