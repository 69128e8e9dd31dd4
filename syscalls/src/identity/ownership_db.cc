#include "ownership_db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

namespace cocoon::syscalls {
namespace {

constexpr const char* kHeader = "cocoon-ownership-db 2\n";

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<std::string> unhex(const std::string& text) {
  if (text.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(text.c_str() + i, "%2x", &v) != 1) return std::nullopt;
    out += static_cast<char>(v);
  }
  return out;
}

std::string put_line(const FileKey& k, const FileRecord& r) {
  std::ostringstream o;
  o << "+ " << k.dev << ' ' << k.ino << ' ' << r.btime_sec << ' ' << r.btime_nsec << ' ' << r.uid
    << ' ' << r.gid << ' ' << r.mode << ' ' << r.mode_faked << ' ' << r.rdev << ' '
    << (r.caps ? hex(*r.caps) : "-")
    << '\n';
  return o.str();
}

bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

OwnershipDb::OwnershipDb(OwnershipDb&& o) noexcept
    : records_(std::move(o.records_)),
      setgid_dirs_(std::exchange(o.setgid_dirs_, 0)),
      path_(std::move(o.path_)),
      fd_(o.fd_),
      observer_(std::exchange(o.observer_, nullptr)) {
  o.fd_ = -1;
}

OwnershipDb& OwnershipDb::operator=(OwnershipDb&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    records_ = std::move(o.records_);
    setgid_dirs_ = std::exchange(o.setgid_dirs_, 0);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    o.fd_ = -1;
    observer_ = std::exchange(o.observer_, nullptr);
  }
  return *this;
}

OwnershipDb::~OwnershipDb() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<OwnershipDb, std::string> OwnershipDb::open(const std::string& path) {
  OwnershipDb db;
  db.path_ = path;
  db.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (db.fd_ < 0) return std::unexpected("--db " + path + ": " + std::strerror(errno));
  if (::flock(db.fd_, LOCK_EX | LOCK_NB) != 0) {
    return std::unexpected("--db " + path + ": in use by another run (locked)");
  }
  std::ifstream in(path);
  std::string line;
  bool first = true;
  off_t whole = 0;  // the bytes of the complete lines
  while (std::getline(in, line)) {
    if (in.eof()) {  // no newline: a torn last write, ignored
      // ... if it is one: the start of a header, when there is none yet.
      if (first && !std::string_view(kHeader).starts_with(line)) {
        return std::unexpected("--db " + path + ": not a cocoon ownership database");
      }
      break;
    }
    whole += static_cast<off_t>(line.size()) + 1;
    if (first) {
      first = false;
      if (line + "\n" != kHeader) return std::unexpected("--db " + path + ": not a cocoon ownership database");
      continue;
    }
    std::istringstream f(line);
    std::string op;
    FileKey k;
    f >> op >> k.dev >> k.ino;
    if (op == "-" && f) {
      db.drop(k);
      continue;
    }
    FileRecord r;
    std::string caps;
    f >> r.btime_sec >> r.btime_nsec >> r.uid >> r.gid >> r.mode >> r.mode_faked >> r.rdev >> caps;
    if (op != "+" || !f) return std::unexpected("--db " + path + ": malformed line: " + line);
    if (caps != "-") {
      r.caps = unhex(caps);
      if (!r.caps) return std::unexpected("--db " + path + ": malformed line: " + line);
    }
    db.set(k, r);
  }
  // Cut a torn last write off: O_APPEND would glue this run's first line
  // to it, and the next replay would refuse the whole file as malformed.
  if (::lseek(db.fd_, 0, SEEK_END) != whole && ::ftruncate(db.fd_, whole) != 0) {
    return std::unexpected("--db " + path + ": " + std::strerror(errno));
  }
  if (first && !write_all(db.fd_, kHeader)) {
    return std::unexpected("--db " + path + ": " + std::strerror(errno));
  }
  return db;
}

const FileRecord* OwnershipDb::find(const FileKey& key, std::int64_t btime_sec,
                                    std::uint32_t btime_nsec) {
  const auto it = records_.find(key);
  if (it == records_.end()) return nullptr;
  const FileRecord& r = it->second;
  const bool known = (r.btime_sec | r.btime_nsec) != 0 && (btime_sec | btime_nsec) != 0;
  if (known && (r.btime_sec != btime_sec || r.btime_nsec != btime_nsec)) {
    (void)erase(key);  // the inode number was reused: another file
    return nullptr;
  }
  return &it->second;
}

namespace {

bool setgid_dir(const FileRecord& r) { return S_ISDIR(r.mode) && (r.mode & S_ISGID) != 0; }

}  // namespace

void OwnershipDb::set(const FileKey& key, const FileRecord& r) {
  auto [it, added] = records_.try_emplace(key, r);
  if (!added) {
    setgid_dirs_ -= setgid_dir(it->second);
    it->second = r;
  }
  setgid_dirs_ += setgid_dir(r);
  if (observer_) observer_->changed(key, &it->second);
}

bool OwnershipDb::drop(const FileKey& key) {
  const auto it = records_.find(key);
  if (it == records_.end()) return false;
  setgid_dirs_ -= setgid_dir(it->second);
  records_.erase(it);
  if (observer_) observer_->changed(key, nullptr);
  return true;
}

int OwnershipDb::append(const std::string& line) {
  if (fd_ < 0) return 0;
  return write_all(fd_, line) ? 0 : errno;
}

int OwnershipDb::put(const FileKey& key, const FileRecord& record) {
  if (int err = append(put_line(key, record))) return err;
  set(key, record);
  return 0;
}

int OwnershipDb::erase(const FileKey& key) {
  if (!drop(key)) return 0;
  return append("- " + std::to_string(key.dev) + " " + std::to_string(key.ino) + "\n");
}

std::expected<void, std::string> OwnershipDb::compact() {
  if (fd_ < 0) return {};
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(tmp + ": " + std::strerror(errno));
  std::string all = kHeader;
  for (const auto& [k, r] : records_) all += put_line(k, r);
  const bool ok = write_all(fd, all) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return std::unexpected(path_ + ": " + std::strerror(ok ? errno : err));
  }
  // The lock and the appends follow the new file.
  const int nfd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (nfd < 0) return std::unexpected(path_ + ": " + std::strerror(errno));
  ::flock(nfd, LOCK_EX | LOCK_NB);
  ::close(fd_);
  fd_ = nfd;
  return {};
}

std::expected<void, std::string> OwnershipDb::import_fakeroot(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected(path + ": " + std::strerror(errno));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    unsigned long long dev = 0, ino = 0, mode = 0, uid = 0, gid = 0, nlink = 0, rdev = 0;
    if (std::sscanf(line.c_str(), "dev=%llx,ino=%llu,mode=%llo,uid=%llu,gid=%llu,nlink=%llu,rdev=%llu",
                    &dev, &ino, &mode, &uid, &gid, &nlink, &rdev) != 7) {
      return std::unexpected(path + ": not a fakeroot save file: " + line);
    }
    FileRecord r;
    r.uid = static_cast<std::uint32_t>(uid);
    r.gid = static_cast<std::uint32_t>(gid);
    r.mode = static_cast<std::uint32_t>(mode);
    r.mode_faked = true;  // fakeroot's files say what the guest was told
    r.rdev = rdev;
    if (int err = put({dev, ino}, r)) return std::unexpected(path_ + ": " + std::strerror(err));
  }
  return {};
}

std::expected<void, std::string> OwnershipDb::export_fakeroot(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return std::unexpected(tmp + ": " + std::strerror(errno));
    for (const auto& [k, r] : records_) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "dev=%llx,ino=%llu,mode=%llo,uid=%llu,gid=%llu,nlink=1,rdev=%llu\n",
                    static_cast<unsigned long long>(k.dev), static_cast<unsigned long long>(k.ino),
                    static_cast<unsigned long long>(r.mode), static_cast<unsigned long long>(r.uid),
                    static_cast<unsigned long long>(r.gid), static_cast<unsigned long long>(r.rdev));
      out << buf;
    }
    if (!out.flush()) return std::unexpected(tmp + ": write failed");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return std::unexpected(path + ": " + std::strerror(errno));
  return {};
}

}  // namespace cocoon::syscalls
