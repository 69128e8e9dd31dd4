// Capability names as capabilities(7) and libcap's cap_from_name(3) spell
// them, for front ends that take them on the command line (bwrap's
// --cap-add/--cap-drop). The numbers are the kernel's ABI
// (include/uapi/linux/capability.h), which only ever grows.
#pragma once

#include <optional>
#include <string_view>

namespace cocoon::syscalls {

// "CAP_NET_ADMIN", any case, or a number ("12", as cap_from_name takes
// one) -> its number; nullopt for anything else. A number beyond the
// kernel's last capability is returned as is: the kernel ignores such a
// bit, and so does the emulation (kAllCaps masks it).
std::optional<int> capability_from_name(std::string_view name);

}  // namespace cocoon::syscalls
