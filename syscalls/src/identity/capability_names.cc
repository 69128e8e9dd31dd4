#include "cocoon/syscalls/capability_names.h"

#include <linux/capability.h>

#include <array>
#include <cctype>
#include <charconv>
#include <string>

namespace cocoon::syscalls {

namespace {

// Index = capability number (include/uapi/linux/capability.h, Linux 6.1:
// CAP_LAST_CAP is CAP_CHECKPOINT_RESTORE, 40).
constexpr std::array<std::string_view, 41> kNames = {
    "chown",           "dac_override",     "dac_read_search", "fowner",
    "fsetid",          "kill",             "setgid",          "setuid",
    "setpcap",         "linux_immutable",  "net_bind_service", "net_broadcast",
    "net_admin",       "net_raw",          "ipc_lock",        "ipc_owner",
    "sys_module",      "sys_rawio",        "sys_chroot",      "sys_ptrace",
    "sys_pacct",       "sys_admin",        "sys_boot",        "sys_nice",
    "sys_resource",    "sys_time",         "sys_tty_config",  "mknod",
    "lease",           "audit_write",      "audit_control",   "setfcap",
    "mac_override",    "mac_admin",        "syslog",          "wake_alarm",
    "block_suspend",   "audit_read",       "perfmon",         "bpf",
    "checkpoint_restore",
};
// Checked against the headers the build has: a newer kernel's capability
// needs its name here.
static_assert(kNames.size() == CAP_LAST_CAP + 1);

}  // namespace

std::optional<int> capability_from_name(std::string_view name) {
  int number = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
  if (ec == std::errc() && end == name.data() + name.size() && !name.empty()) {
    if (number < 0 || number > 63) return std::nullopt;
    return number;
  }
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!lower.starts_with("cap_")) return std::nullopt;
  const std::string_view rest = std::string_view(lower).substr(4);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == rest) return static_cast<int>(i);
  }
  return std::nullopt;
}

}  // namespace cocoon::syscalls
