// What the guest finds in place of some host files. cocoon writes the
// contents its emulation changes (the guest's /proc/PID/mounts, status with
// namespace numbers, /proc/sys/kernel/hostname, a user namespace's uid_map)
// as files in its scratch directory, and the path translation hands the
// kernel that file instead of the host's (Paths::translate, one lookup per
// resolved path argument); readlink(2) of /proc/PID/ns/KIND gets its body
// from here too. Each source of such files is one ProcOverlay added to the
// GuestView; the view asks them in the order they were added.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cocoon::syscalls {

// How the guest reaches the path: to read it (open read-only, stat,
// access...), to write it (an open for writing, or any call that changes
// it), or to read it as a link.
enum class Reach : std::uint8_t { kRead, kWrite, kReadlink };

struct Substitute {
  enum class Kind : std::uint8_t { kFile, kLinkBody };
  Kind kind = Kind::kFile;
  std::string value;  // the file opened instead, or readlink's answer
  // A kFile the guest may write (a uid_map); others refuse writes with
  // EACCES, as the kernel's read-only /proc files do.
  bool writable = false;
};

class ProcOverlay {
 public:
  virtual ~ProcOverlay() = default;
  // What stands for `host` when process `tgid` reaches it so; nullopt: the
  // host's own entry.
  virtual std::optional<Substitute> lookup(const std::string& host, pid_t tgid,
                                           Reach reach) const = 0;
  // Files and directories the guest must be able to read under Landlock
  // for the substitutes to open (docs/threat-model.md).
  virtual std::vector<std::string> files() const { return {}; }
};

// Files standing for fixed host paths (/proc/sys/kernel/hostname under
// --hostname), written once and rewritten by the handler that changes them
// (sethostname).
class FixedFiles final : public ProcOverlay {
 public:
  void set(std::string host, std::string file) { files_[std::move(host)] = std::move(file); }
  const std::map<std::string, std::string>& map() const { return files_; }
  bool empty() const { return files_.empty(); }
  std::optional<Substitute> lookup(const std::string& host, pid_t, Reach reach) const override {
    if (reach == Reach::kReadlink) return std::nullopt;
    auto it = files_.find(host);
    if (it == files_.end()) return std::nullopt;
    return Substitute{Substitute::Kind::kFile, it->second};
  }
  std::vector<std::string> files() const override {
    std::vector<std::string> out;
    for (const auto& [host, file] : files_) out.push_back(file);
    return out;
  }

 private:
  std::map<std::string, std::string> files_;
};

// Read-only files made when a path is reached: `make(host, tgid)` writes
// the file for the paths it knows (the reader's pid decides what it sees)
// and returns its name, or empty for the others.
class GeneratedFiles final : public ProcOverlay {
 public:
  using Make = std::function<std::string(const std::string& host, pid_t tgid)>;
  explicit GeneratedFiles(Make make) : make_(std::move(make)) {}
  std::optional<Substitute> lookup(const std::string& host, pid_t tgid,
                                   Reach reach) const override {
    if (reach == Reach::kReadlink) return std::nullopt;
    std::string file = make_(host, tgid);
    if (file.empty()) return std::nullopt;
    return Substitute{Substitute::Kind::kFile, std::move(file)};
  }

 private:
  Make make_;
};

}  // namespace cocoon::syscalls
