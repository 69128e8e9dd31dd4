#include "union_listing.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cocoon/tracer/tracee.h"
#include "cocoon/vfs/union.h"
#include "owned_fd.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// struct linux_dirent64 (include/linux/dirent.h): d_ino, d_off, d_reclen,
// d_type, the NUL-terminated name; records 8-byte aligned.
constexpr std::size_t kNameAt = 19;

unsigned char dirent_type(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
    case S_IFREG: return DT_REG;
    case S_IFIFO: return DT_FIFO;
    case S_IFSOCK: return DT_SOCK;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    default: return DT_UNKNOWN;
  }
}

// One record, or false when it does not fit in `capacity`.
bool append(std::string& out, std::size_t capacity, const std::string& name, const struct stat& st,
            std::int64_t next) {
  const std::size_t len = (kNameAt + name.size() + 1 + 7) & ~std::size_t{7};
  if (out.size() + len > capacity) return false;
  std::string r(len, '\0');
  const std::uint64_t ino = st.st_ino;
  const auto reclen = static_cast<std::uint16_t>(len);
  std::memcpy(r.data(), &ino, 8);
  std::memcpy(r.data() + 8, &next, 8);
  std::memcpy(r.data() + 16, &reclen, 2);
  r[18] = static_cast<char>(dirent_type(st.st_mode));
  std::memcpy(r.data() + kNameAt, name.data(), name.size());
  out += r;
  return true;
}

// The directory's listing as the guest sees it: ".", "..", then the
// merged names; each with the host entry that lstat would show.
struct Listed {
  std::string name;
  std::string host;
};
std::expected<std::vector<Listed>, int> listing(const vfs::Mount& m, const std::string& rel,
                                                const std::string& fd_host) {
  static const vfs::HostFilesystem fs;
  auto names = vfs::union_list(fs, m.layers, rel);
  if (!names) return std::unexpected(names.error());
  std::vector<Listed> out{{".", fd_host}, {"..", fd_host + "/.."}};
  for (vfs::UnionDirEntry& e : *names) {
    std::string host = vfs::layer_path(m.layers[static_cast<std::size_t>(e.layer)], rel).str();
    host += "/" + e.name;
    out.push_back({std::move(e.name), std::move(host)});
  }
  return out;
}

}  // namespace

Decision UnionListing::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (row.sys != arch::Sys::getdents64 || abi != arch::host_arch()) return Decision::allow();
  for (const vfs::Mount& m : view_->table().mounts()) {
    if (m.kind == vfs::MountKind::kOverlay) return Decision::trace().in(tracer::Phase::kTranslate);
  }
  return Decision::allow();
}

Verdict UnionListing::on_entry(tracer::SyscallStop& stop) {
  const int fd = static_cast<int>(stop.regs.arg(0));
  const pid_t tid = stop.tracee.tid, tgid = stop.tracee.tgid;
  auto link = view_->fs().readlink(vfs::HostPath("/proc/" + std::to_string(tid) + "/fd/" +
                                                 std::to_string(fd)));
  if (!link || link->empty() || link->front() != '/') return Verdict::resume();
  auto guest = view_->table(tgid).to_guest(*link);
  if (!guest) return Verdict::resume();
  const vfs::Mount& m = view_->table(tgid).covering(guest->str());
  if (m.kind != vfs::MountKind::kOverlay) return Verdict::resume();
  std::string rel = guest->str().substr(m.target.str().size());
  if (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  auto all = listing(m, rel, *link);
  if (!all) return Verdict::deny(all.error());
  OwnedFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, tid, 0)));
  if (pidfd.fd < 0) return Verdict::resume();
  OwnedFd dup(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.fd, fd, 0)));
  if (dup.fd < 0) return Verdict::resume();
  const long long pos = ::lseek(dup.fd, 0, SEEK_CUR);
  if (pos < 0) return Verdict::deny(errno);
  const auto capacity = static_cast<std::size_t>(static_cast<unsigned>(stop.regs.arg(2)));
  std::string out;
  auto i = static_cast<std::size_t>(pos);
  for (; i < all->size(); ++i) {
    struct stat st {};
    if (::lstat((*all)[i].host.c_str(), &st) != 0) continue;  // gone meanwhile
    if (!append(out, capacity, (*all)[i].name, st, static_cast<std::int64_t>(i + 1))) break;
  }
  if (out.empty() && i < all->size()) return Verdict::deny(EINVAL);  // buffer too small
  if (!out.empty() && !stop.memory.write(stop.regs.arg(1), std::as_bytes(std::span(out)))) {
    return Verdict::deny(EFAULT);
  }
  (void)::lseek(dup.fd, static_cast<off_t>(i), SEEK_SET);
  return Verdict::skip(static_cast<std::int64_t>(out.size()));
}

}  // namespace cocoon::syscalls
