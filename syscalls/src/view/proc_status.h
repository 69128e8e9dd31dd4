// /proc/PID/status (and /proc/PID/task/TID/status) as the emulation shows
// it: each emulation that changes what the file says (the PID namespace's
// numbers, the emulated credentials' ids and capabilities) adds an Editor,
// and a guest opening the file gets a copy with every editor's changes,
// written to the run's scratch directory. Without an editor, or when none
// changes the text, the guest reads the host's file. One overlay for both
// so that neither hides the other's lines.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "view/proc_overlay.h"

namespace cocoon::syscalls {

class ProcStatusFiles final : public ProcOverlay {
 public:
  // The text of task `subject`'s status (its process `subject_tgid`,
  // read from the host's own Tgid line) as `reader` (a tgid) is to see
  // it; returns it edited or as it was.
  struct Subject {
    pid_t tid = 0, tgid = 0;
  };
  using Editor = std::function<std::string(std::string text, Subject subject, pid_t reader)>;

  explicit ProcStatusFiles(std::string dir) : dir_(std::move(dir)) {}
  // Before the run starts (lookups are made without a lock).
  void add_editor(Editor e) { editors_.push_back(std::move(e)); }
  bool empty() const { return editors_.empty(); }

  std::optional<Substitute> lookup(const std::string& host, pid_t tgid,
                                   Reach reach) const override;
  std::vector<std::string> files() const override { return {dir_}; }

 private:
  std::string dir_;
  std::vector<Editor> editors_;
  mutable std::atomic<unsigned> counter_{0};
};

// The number on a "Key:" line of a status text (Tgid, Pid, PPid...).
std::optional<pid_t> status_number(const std::string& text, std::string_view key);

}  // namespace cocoon::syscalls
