#include "console.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace cocoon::oci {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

OciError failure(const std::string& socket_path, const std::string& what) {
  return OciError("--console-socket " + socket_path + ": " + what + ": " + std::strerror(errno));
}

// runc's utils.SendFile: one message, the name as its data, the
// descriptor as SCM_RIGHTS.
bool send_fd(int sock, const std::string& name, int fd) {
  iovec iov{const_cast<char*>(name.data()), name.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(name.size());
}

}  // namespace

std::expected<int, OciError> send_console(
    const std::string& socket_path, const std::optional<std::pair<unsigned short, unsigned short>>& size) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return std::unexpected(OciError("--console-socket " + socket_path + ": path too long"));
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0 || ::connect(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return std::unexpected(failure(socket_path, "connect"));
  }
  Fd master{::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (master.fd < 0 || ::grantpt(master.fd) != 0 || ::unlockpt(master.fd) != 0) {
    return std::unexpected(failure(socket_path, "making a pty"));
  }
  char name[128];
  if (::ptsname_r(master.fd, name, sizeof name) != 0) return std::unexpected(failure(socket_path, "ptsname"));
  Fd slave{::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)};
  if (slave.fd < 0) return std::unexpected(failure(socket_path, name));
  if (size) {
    const winsize ws{size->first, size->second, 0, 0};
    if (::ioctl(master.fd, TIOCSWINSZ, &ws) != 0) return std::unexpected(failure(socket_path, "TIOCSWINSZ"));
  }
  if (!send_fd(sock.fd, name, master.fd)) return std::unexpected(failure(socket_path, "sending the pty"));
  return slave.release();
}

}  // namespace cocoon::oci
