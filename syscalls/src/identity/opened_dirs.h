// The real user's own directories (and a file) whose modes bar it, widened
// for the time of one call of the emulated root's and given back: root's
// CAP_DAC_OVERRIDE, lent by the real user's right to chmod its own files.
// Used by the creations (file_creation.h), the removals, renames and the
// stat family (FileOwners), and the reads and lookups (dac_override.h).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "file_target.h"
#include "ownership_db.h"

namespace cocoon::syscalls {

struct IdentityState;

// Directories (and a file) of the real user's whose mode cocoon widened so
// that the emulated root could pass, given their modes back when this goes:
// at the end of the notification, or with the exit stop's record of the
// call (also when the exit stop does not come: a restarted call, a death).
class OpenedDirs {
 public:
  OpenedDirs() = default;
  OpenedDirs(OpenedDirs&& o) noexcept : dirs_(std::exchange(o.dirs_, {})) {}
  OpenedDirs& operator=(OpenedDirs&& o) noexcept;
  OpenedDirs(const OpenedDirs&) = delete;
  OpenedDirs& operator=(const OpenedDirs&) = delete;
  ~OpenedDirs() { restore(); }

  // Each takes the identity state `s` whose database explains a widened
  // mode until it is given back (explain()); null: none.
  //
  // Widens each directory from `anchor` (the directory the guest's path
  // starts from, as the tracer reaches it) down to the one that holds
  // `path`'s last component: search on the way, `last` there (write and
  // search for an entry to add or remove).
  static OpenedDirs open_to(IdentityState* s, const std::string& anchor, const std::string& path,
                            std::uint32_t last = S_IWUSR | S_IXUSR);
  // Search on the way to the file `t` names, from where the task `tid`'s
  // path starts (for a lookup that does not change the directory).
  static OpenedDirs search_to(IdentityState* s, const Target& t, pid_t tid);
  // Also widens the real user's own file at `path` (following a last
  // symlink when `follow`), a regular file or a directory, by the
  // permission bits `need` it lacks.
  void open_file(IdentityState* s, const std::string& path, bool follow, std::uint32_t need);
  // For the emulated root about to add or remove the entry `t` names (the
  // removals, renames and creations of the task `tid`): the directories on
  // the way, opened when the real user may not write and search its
  // directory (none otherwise).
  static OpenedDirs for_entry(IdentityState* s, const Target& t, pid_t tid);
  // Takes `more`'s directories too (given back before these).
  void append(OpenedDirs&& more);
  bool empty() const { return dirs_.empty(); }
  void restore();

 private:
  // An O_PATH descriptor of the directory (its mode goes back through it
  // even when the path through the guest's /proc/TID has gone with the
  // task), the mode it had, and, where a database outlives the run, the
  // record that stood for the file before (explain()).
  struct Dir {
    int fd;
    std::uint32_t mode;
    IdentityState* s = nullptr;  // explained in its database
    FileKey key{};
    std::optional<FileRecord> before;
  };
  // Before the widening of `d`: with --db, a record saying the mode it has
  // now, so that a SIGKILL of cocoon before the mode goes back leaves a
  // wider mode on disk that the database explains (the guest of a later
  // run is shown the mode the file had). Nothing when the file's record
  // fakes its mode already.
  static void explain(IdentityState* s, Dir& d, const struct statx& sx);
  // Widens `fd` (of mode `mode`) by `need`; false, and `fd` closed, when
  // the chmod failed.
  bool widen(IdentityState* s, int fd, const struct statx& sx, std::uint32_t need);
  std::vector<Dir> dirs_;
};

}  // namespace cocoon::syscalls
