#include "dir_listing.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "cocoon/tracer/tracee.h"
#include "proc_fields.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// struct linux_dirent64 (include/linux/dirent.h): d_ino, d_off, d_reclen,
// d_type, then the NUL-terminated name, the record padded to 8 bytes.
constexpr std::size_t kHeader = 8 + 8 + 2 + 1;

void append_record(std::vector<std::byte>& out, std::uint64_t ino, std::int64_t off,
                   unsigned char type, const std::string& name) {
  const std::size_t len = (kHeader + name.size() + 1 + 7) & ~std::size_t{7};
  const std::size_t at = out.size();
  out.resize(at + len);
  const auto reclen = static_cast<std::uint16_t>(len);
  std::memcpy(out.data() + at, &ino, 8);
  std::memcpy(out.data() + at + 8, &off, 8);
  std::memcpy(out.data() + at + 16, &reclen, 2);
  std::memcpy(out.data() + at + 18, &type, 1);
  std::memcpy(out.data() + at + kHeader, name.data(), name.size());
}

// The d_off of the last record the kernel wrote: telldir() of our names
// then points after the kernel's, so seekdir() there continues the listing.
std::int64_t last_offset(std::span<const std::byte> records) {
  std::int64_t off = 0;
  for (std::size_t at = 0; at + kHeader <= records.size();) {
    std::uint16_t reclen = 0;
    std::memcpy(&off, records.data() + at + 8, 8);
    std::memcpy(&reclen, records.data() + at + 16, 2);
    if (reclen == 0) break;
    at += reclen;
  }
  return off;
}

// The file position of a tracee's fd (/proc/TID/fdinfo/N, "pos:").
long long fd_position(pid_t tid, int fd) {
  const auto pos = proc_field(tid, "fdinfo/" + std::to_string(fd), "pos:");
  return pos ? std::stoll(*pos) : -1;
}

unsigned char dirent_type(const struct stat& st) {
  if (S_ISDIR(st.st_mode)) return DT_DIR;
  if (S_ISLNK(st.st_mode)) return DT_LNK;
  if (S_ISREG(st.st_mode)) return DT_REG;
  return DT_UNKNOWN;
}

}  // namespace

DirListing::DirListing(std::shared_ptr<const GuestView> view, tracer::ProcessRegistry& registry)
    : view_(std::move(view)), pending_(registry) {
  for (const std::string& dir : view_->table().mount_ancestors()) {
    if (!view_->table().synthetic_children(dir, view_->fs()).empty()) dirs_.insert(dir);
  }
}

Decision DirListing::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  if (dirs_.empty() || row.sys != arch::Sys::getdents64 || abi != arch::host_arch()) {
    return Decision::allow();
  }
  // Completes what the kernel listed, when the kernel lists it (a /proc
  // listing ProcListing answers whole is not).
  return Decision::trace().in(tracer::Phase::kFixup);
}

Verdict DirListing::on_entry(tracer::SyscallStop& stop) {
  const int fd = static_cast<int>(stop.regs.arg(0));
  auto dir = view_->base_dir(stop.tracee.tid, fd);
  if (!dir || !dirs_.contains(dir->str())) return Verdict::resume();
  if (fd_position(stop.tracee.tid, fd) != 0) return Verdict::resume();
  pending_.set(stop.tracee.tid, dir->str());
  return Verdict::resume_to_exit();
}

void DirListing::on_exit(tracer::SyscallStop& stop) {
  const auto pending = pending_.take(stop.tracee.tid);
  if (!pending) return;
  const std::string& dir = *pending;
  const std::int64_t got = stop.regs.result();
  if (got < 0) return;
  const std::uint64_t buf = stop.tracee.entry_args[1];
  const std::uint64_t count = stop.tracee.entry_args[2];
  std::vector<std::byte> kernel(static_cast<std::size_t>(got));
  if (got > 0 && !stop.memory.read(buf, kernel)) return;
  const std::int64_t off = last_offset(kernel);
  std::vector<std::byte> extra;
  for (const std::string& name : view_->table().synthetic_children(dir, view_->fs())) {
    const std::string child = (dir == "/" ? "" : dir) + "/" + name;
    auto r = view_->resolve(stop.tracee.tid, stop.tracee.tgid, child, vfs::GuestPath("/"),
                            vfs::ResolveFlags{.follow_last = false});
    struct stat st {};
    if (!r || ::lstat(r->host.c_str(), &st) != 0) {
      st.st_ino = 1;  // a --symlink has no host file
      st.st_mode = S_IFLNK;
    }
    append_record(extra, st.st_ino, off, dirent_type(st), name);
  }
  // Only what fits in the caller's buffer; the rest of a huge first chunk
  // is not added (docs/internals/paths.md, `DirListing`).
  if (extra.empty() || static_cast<std::uint64_t>(got) + extra.size() > count) return;
  if (!stop.memory.write(buf + static_cast<std::uint64_t>(got), extra)) return;
  stop.regs.set_result(got + static_cast<std::int64_t>(extra.size()));
}

}  // namespace cocoon::syscalls
