// Builds the guest's filesystem view from a RunConfig: the mount table, the
// scratch directories behind --tmpfs, --dir and guest paths the root lacks,
// and the host directory the command starts in.
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "cocoon/syscalls/config.h"
#include "cocoon/tracer/registry.h"
#include "view/guest_view.h"
#include "owned_fd.h"

namespace cocoon::syscalls {

// A private directory under $TMPDIR (or /tmp), "cocoon.PID.XXXXXX", removed
// with everything in it when the run ends. A SIGKILLed cocoon cannot remove
// it; the next run in the same $TMPDIR removes such orphans.
// $TMPDIR, or /tmp when it is unset or empty.
std::string tmp_dir();

class ScratchDir {
 public:
  static std::expected<std::unique_ptr<ScratchDir>, std::string> create();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  // A new empty subdirectory.
  std::expected<std::string, std::string> make_subdir(const std::string& hint);
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
  int next_ = 0;
};

struct ViewSetup {
  // Not const until the session has given it what comes after it (the
  // identity's lookups: GuestView::set_lookup_override).
  std::shared_ptr<GuestView> view;
  std::unique_ptr<ScratchDir> scratch;  // null when nothing needed one
  std::string host_cwd;                 // where the command starts, on the host
  std::string guest_cwd;                // ... in the guest's terms (with host_cwd)
  OwnedFd landlock;                     // the guest's Landlock ruleset, if any
};

// Errors are one line naming the culprit (an option's value). `registry`:
// where the emulated namespaces keep each process's membership.
std::expected<ViewSetup, std::string> build_view(const RunConfig& config,
                                                 tracer::ProcessRegistry& registry);

}  // namespace cocoon::syscalls
