// A file descriptor closed when its owner goes.
#pragma once

#include <unistd.h>

#include <utility>

namespace cocoon::syscalls {

struct OwnedFd {
  int fd = -1;
  OwnedFd() = default;
  explicit OwnedFd(int f) : fd(f) {}
  OwnedFd(OwnedFd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  OwnedFd& operator=(OwnedFd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace cocoon::syscalls
