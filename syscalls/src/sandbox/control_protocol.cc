#include "sandbox/control_protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "owned_fd.h"

namespace cocoon::syscalls {
namespace {

constexpr std::size_t kMaxMessage = 256 * 1024;
constexpr std::size_t kMaxFds = 3;
#ifndef SO_PEERPIDFD
constexpr int SO_PEERPIDFD = 77;  // asm-generic/socket.h, Linux 6.5
#endif

// The "TracerPid:" of /proc/PID/status: 0 for a process nobody traces.
std::optional<pid_t> tracer_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("TracerPid:")) return static_cast<pid_t>(std::stol(line.substr(10)));
  }
  return std::nullopt;
}

// A pidfd still names a live process while it is not readable (pidfd_open(2)).
bool alive(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

OwnedFd peer_pidfd(int sock, pid_t pid) {
  int fd = -1;
  socklen_t len = sizeof fd;
  if (::getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &fd, &len) == 0 && fd >= 0) return OwnedFd(fd);
  return OwnedFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

}  // namespace

bool send_message(int sock, const std::vector<std::string>& words, const std::vector<int>& fds) {
  std::string data;
  for (const auto& w : words) {
    data += w;
    data += '\0';
  }
  iovec iov{data.data(), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  if (!fds.empty() && fds.size() <= kMaxFds) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

std::optional<ControlMessage> receive_message(int sock) {
  std::string data(kMaxMessage, '\0');
  iovec iov{data.data(), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  ControlMessage out;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    out.fds.resize(count);
    std::memcpy(out.fds.data(), CMSG_DATA(c), count * sizeof(int));
  }
  if (n <= 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    for (int fd : out.fds) ::close(fd);
    return std::nullopt;
  }
  data.resize(static_cast<std::size_t>(n));
  std::size_t start = 0;
  while (start < data.size()) {
    const std::size_t end = data.find('\0', start);
    if (end == std::string::npos) break;
    out.words.push_back(data.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> peer_problem(int sock, pid_t expected_pid) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return std::string("SO_PEERCRED: ") + std::strerror(errno);
  }
  if (cred.uid != ::getuid()) return "the peer is uid " + std::to_string(cred.uid);
  if (expected_pid != 0 && cred.pid != expected_pid) {
    return "the socket is served by process " + std::to_string(cred.pid) + ", not the run's " +
           std::to_string(expected_pid);
  }
  const OwnedFd pidfd = peer_pidfd(sock, cred.pid);
  if (pidfd.fd < 0 || !alive(pidfd.fd)) return std::string("the peer is gone");
  const auto tracer = tracer_of(cred.pid);
  // Read, then checked alive again: the status read was the peer's, not
  // a newcomer's under a reused number.
  if (!tracer || !alive(pidfd.fd)) return std::string("the peer is gone");
  if (*tracer != 0) {
    return "the peer (process " + std::to_string(cred.pid) + ") is traced by " +
           std::to_string(*tracer) + ": a guest of a run, or under a debugger";
  }
  return std::nullopt;
}

}  // namespace cocoon::syscalls
