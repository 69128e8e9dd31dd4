// An in-memory host tree for the resolver's unit tests: directories, files
// and symlinks by absolute host path. It counts kind() calls so tests can
// check what the resolver asked. walk() is the interface's default.
#pragma once

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "cocoon/vfs/filesystem.h"

namespace cocoon::vfs::testing {

class FakeFilesystem : public Filesystem {
 public:
  FakeFilesystem() { nodes_["/"] = {EntryKind::kDirectory, ""}; }

  void dir(const std::string& p) { add(p, EntryKind::kDirectory, ""); }
  void file(const std::string& p) { add(p, EntryKind::kOther, ""); }
  void link(const std::string& p, const std::string& body) { add(p, EntryKind::kSymlink, body); }

  std::expected<EntryKind, int> kind(const HostPath& p) const override {
    ++kind_calls;
    auto it = nodes_.find(p.str());
    return it == nodes_.end() ? EntryKind::kMissing : it->second.kind;
  }
  std::expected<std::string, int> readlink(const HostPath& p) const override {
    auto it = nodes_.find(p.str());
    if (it == nodes_.end()) return std::unexpected(ENOENT);
    if (it->second.kind != EntryKind::kSymlink) return std::unexpected(EINVAL);
    return it->second.body;
  }
  // realpath(3) over the fake tree (host semantics: "/" is the host root).
  std::expected<HostPath, int> canonical(const HostPath& p) const override {
    std::string todo = p.str();
    int links = 0;
    for (;;) {
      std::string out;
      std::size_t i = 1;
      bool restarted = false;
      while (i <= todo.size() && !restarted) {
        std::size_t j = std::min(todo.find('/', i), todo.size());
        std::string name = todo.substr(i, j - i);
        i = j + 1;
        if (name.empty() || name == ".") continue;
        if (name == "..") { out = out.substr(0, out.rfind('/')); continue; }
        std::string next = out + "/" + name;
        auto it = nodes_.find(next);
        if (it == nodes_.end()) return std::unexpected(ENOENT);
        if (it->second.kind == EntryKind::kSymlink) {
          if (++links > 40) return std::unexpected(ELOOP);
          const std::string& b = it->second.body;
          std::string rest = j < todo.size() ? todo.substr(j) : "";
          todo = (b.front() == '/' ? b : (out.empty() ? "" : out) + "/" + b) + rest;
          restarted = true;
        } else {
          out = next;
        }
      }
      if (!restarted) return HostPath(out.empty() ? "/" : out);
    }
  }

  // The names directly in `dir` (union listings merge them).
  std::expected<std::vector<DirEntry>, int> list(const HostPath& dir) const override {
    auto it = nodes_.find(dir.str());
    if (it == nodes_.end()) return std::unexpected(ENOENT);
    if (it->second.kind != EntryKind::kDirectory) return std::unexpected(ENOTDIR);
    const std::string prefix = dir.str() == "/" ? "/" : dir.str() + "/";
    std::vector<DirEntry> out;
    for (auto n = nodes_.upper_bound(prefix); n != nodes_.end() && n->first.starts_with(prefix); ++n) {
      const std::string name = n->first.substr(prefix.size());
      if (!name.empty() && name.find('/') == std::string::npos) out.push_back({name, n->second.kind});
    }
    return out;
  }

  mutable int kind_calls = 0;

 private:
  struct Node {
    EntryKind kind;
    std::string body;
  };
  void add(const std::string& p, EntryKind k, const std::string& body) {
    for (std::size_t i = p.find('/', 1); i != std::string::npos; i = p.find('/', i + 1)) {
      nodes_.emplace(p.substr(0, i), Node{EntryKind::kDirectory, ""});
    }
    nodes_[p] = Node{k, body};
  }
  std::map<std::string, Node> nodes_;
};

}  // namespace cocoon::vfs::testing
