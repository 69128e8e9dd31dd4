// Guest paths and host paths are different types, so a path the guest gave
// can never be handed to a host syscall without going through translation.
// vfs/ depends on no other cocoon module.
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace cocoon::vfs {

// A path as the guest names it, in the guest's view of the filesystem.
class GuestPath {
 public:
  GuestPath() = default;
  explicit GuestPath(std::string p) : p_(std::move(p)) {}
  const std::string& str() const { return p_; }
  bool is_absolute() const { return !p_.empty() && p_.front() == '/'; }
  friend auto operator<=>(const GuestPath&, const GuestPath&) = default;

 private:
  std::string p_;
};

// A path in the host's filesystem, as cocoon passes it to the kernel.
class HostPath {
 public:
  HostPath() = default;
  explicit HostPath(std::string p) : p_(std::move(p)) {}
  const std::string& str() const { return p_; }
  const char* c_str() const { return p_.c_str(); }
  friend auto operator<=>(const HostPath&, const HostPath&) = default;

 private:
  std::string p_;
};

// Lexical normalisation of an absolute path: collapses "//" and ".", and
// resolves ".." without climbing above "/" (as the kernel does at a root,
// path_resolution(7)). No symlinks are followed: that needs a filesystem.
std::string normalize_lexically(std::string_view absolute);

// Whether `path` is `prefix` or lies below it, component-wise ("/a/bc" is not
// below "/a/b").
bool is_within(std::string_view path, std::string_view prefix);

}  // namespace cocoon::vfs
