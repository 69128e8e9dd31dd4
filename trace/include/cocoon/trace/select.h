// `-e trace=SET`: which syscalls the view shows, as strace spells it: names
// and classes (%file, %process, ...) separated by commas, `!` in front to
// show everything but the set.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "cocoon/arch/syscall_table.h"

namespace cocoon::trace {

class Selection {
 public:
  // Everything.
  Selection() = default;
  // Parses SET (the part after "trace="); an unknown name or class is an
  // error naming it.
  static std::expected<Selection, std::string> parse(std::string_view set);

  bool selects(const arch::SyscallDesc& row) const;
  bool everything() const { return all_ && !negate_; }

 private:
  bool all_ = true;
  bool negate_ = false;
  std::vector<arch::Sys> calls_;       // rows chosen by name
  std::vector<std::string> classes_;  // "file", "process", ...
};

// Whether `row` belongs to the class (without the %): file, desc, process,
// network (net), signal, memory, creds, ipc. False for an unknown class.
bool in_class(std::string_view cls, const arch::SyscallDesc& row);
bool known_class(std::string_view cls);

}  // namespace cocoon::trace
