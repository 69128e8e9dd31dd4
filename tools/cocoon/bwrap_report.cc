// bwrap's launch report (--info-fd, --json-status-fd), as bwrap_cli.cc
// gives it: bwrap_report.h.
#include "bwrap_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace cocoon::tools {

// bwrap writes the launch report from its parent once the sandbox is
// made, and dies with its text for either descriptor when the write
// fails, before the command runs (bubblewrap 0.8: "Write to info_fd"
// for --json-status-fd too). cocoon writes from the launch hook, where
// a failure could only be ignored: a descriptor it cannot write to is
// refused before anything runs.
std::optional<std::string> unwritable_report_fd(int info_fd, int json_status_fd) {
  for (const int fd : {info_fd, json_status_fd}) {
    if (fd < 0) continue;
    const int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
      return std::string("Write to info_fd: ") + std::strerror(fl < 0 ? errno : EBADF);
    }
  }
  return std::nullopt;
}

// bwrap's --info-fd and --json-status-fd: the command's pid once it runs,
// and the ids of the namespaces bwrap made for it, in bwrap's layouts and
// order (bwrap.c: the mount namespace always, then each --unshare-* of
// cgroup, ipc, net, pid and uts; the user namespace never). The ids are
// those the command reads in /proc/self/ns: its emulated namespaces' (no
// host inode has them: a reader outside sees the kernel's).
void report_launch(int info_fd, int json_status_fd, pid_t pid,
                   const std::vector<std::pair<std::string, std::uint64_t>>& ids,
                   const std::set<std::string>& made) {
  std::string info = "{\n    \"child-pid\": " + std::to_string(pid);
  std::string json = "{ \"child-pid\": " + std::to_string(pid);
  for (const auto& [kind, id] : ids) {
    if (!made.contains(kind)) continue;
    info += ",\n    \"" + kind + "-namespace\": " + std::to_string(id);
    json += ", \"" + kind + "-namespace\": " + std::to_string(id);
  }
  if (info_fd >= 0) {
    ::dprintf(info_fd, "%s\n}\n", info.c_str());
    ::close(info_fd);
  }
  if (json_status_fd >= 0) ::dprintf(json_status_fd, "%s }\n", json.c_str());
}

}  // namespace cocoon::tools
