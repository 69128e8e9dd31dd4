// The generated rows (syscall_table_gen.cc in the build tree), seen only by
// syscall_table.cc.
#pragma once

#include <cstddef>

#include "cocoon/arch/syscall_table.h"

namespace cocoon::arch::detail {

extern const SyscallDesc kRows[];
extern const std::size_t kRowCount;

}  // namespace cocoon::arch::detail
