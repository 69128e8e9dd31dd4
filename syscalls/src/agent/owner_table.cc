#include "agent/owner_table.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

namespace cocoon::syscalls {
std::expected<OwnerTable, std::string> OwnerTable::create(const std::string& path,
                                                          std::uint32_t capacity) {
  if (capacity == 0 || (capacity & (capacity - 1)) != 0) return std::unexpected("capacity");
  const std::size_t size = sizeof(cocoon_owner_table) + std::size_t{capacity} * sizeof(cocoon_owner_entry);
  // A new file, or the empty one the view's setup made for its Landlock
  // rule (view_setup.cc): in the run's own 0700 directory, before any
  // guest runs.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0 || st.st_uid != ::geteuid() ||
      st.st_nlink != 1) {
    ::close(fd);
    return std::unexpected(path + ": exists already");
  }
  // The tracer's own copy is private memory, written through to the file
  // with pwrite (flush()): a guest of the same user can truncate the file
  // under every mapping of it, and a store through a shared mapping past
  // the end would be the tracer's SIGBUS. Its agents map the file, and a
  // truncation is then their own SIGBUS.
  void* map = MAP_FAILED;
  int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
  if (err == 0) {
    map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) err = errno;
  }
  if (map == MAP_FAILED) {
    ::close(fd);
    ::unlink(path.c_str());
    return std::unexpected(path + ": " + std::strerror(err));
  }
  OwnerTable t(path, map, size, fd);
  t.head()->capacity = capacity;
  t.flush(t.head(), sizeof(cocoon_owner_table));
  // Last: an agent checks the magic before it trusts the rest.
  t.head()->magic = COCOON_AGENT_MAGIC;
  t.flush(&t.head()->magic, sizeof t.head()->magic);
  return t;
}

OwnerTable::OwnerTable(std::string path, void* map, std::size_t size, int fd)
    : path_(std::move(path)), map_(map), size_(size), fd_(fd) {}

// The bytes at `at` (in the copy) to the same place in the file. A write
// that fails (a full filesystem, the file gone) leaves the agents with an
// older record: they would answer from it, so the table says incomplete
// (every stat to the tracer), if even that can be written.
void OwnerTable::flush(const void* at, std::size_t n) {
  const auto off = static_cast<off_t>(static_cast<const std::byte*>(at) - static_cast<const std::byte*>(map_));
  if (::pwrite(fd_, at, n, off) == static_cast<ssize_t>(n)) return;
  head()->incomplete = 1;
  (void)!::pwrite(fd_, &head()->incomplete, sizeof head()->incomplete,
                  static_cast<off_t>(offsetof(cocoon_owner_table, incomplete)));
}

OwnerTable::OwnerTable(OwnerTable&& o) noexcept
    : path_(std::move(o.path_)), map_(std::exchange(o.map_, nullptr)), size_(o.size_),
      fd_(std::exchange(o.fd_, -1)) {}

OwnerTable::~OwnerTable() {
  if (fd_ >= 0) ::close(fd_);
  if (!map_) return;
  ::munmap(map_, size_);
  ::unlink(path_.c_str());
}

// A seqlock's writer: readers (agent.c lookup()) retry while the count is
// odd or has moved. Each pwrite is a system call that copies into the
// page cache the readers map, in order: the count, the entry, the count.
void OwnerTable::write_begin() {
  ++head()->seq;
  flush(&head()->seq, sizeof head()->seq);
}

void OwnerTable::write_end() {
  constexpr std::size_t kCounters = offsetof(cocoon_owner_table, capacity);
  flush(reinterpret_cast<const std::byte*>(head()) + kCounters, sizeof(cocoon_owner_table) - kCounters);
  ++head()->seq;
  flush(&head()->seq, sizeof head()->seq);
}

cocoon_owner_entry* OwnerTable::slot_for(const FileKey& key) const {
  const std::uint32_t cap = head()->capacity;
  std::uint32_t i = cocoon_owner_slot(key.dev, key.ino, cap);
  for (std::uint32_t n = 0; n < cap; ++n, i = (i + 1) & (cap - 1)) {
    cocoon_owner_entry* e = &entries()[i];
    if (e->state == COCOON_ENTRY_EMPTY || (e->dev == key.dev && e->ino == key.ino)) return e;
  }
  return nullptr;
}

const cocoon_owner_entry* OwnerTable::find(const FileKey& key) const {
  const cocoon_owner_entry* e = slot_for(key);
  return e && e->state == COCOON_ENTRY_LIVE ? e : nullptr;
}

bool OwnerTable::incomplete() const { return head()->incomplete != 0; }

void OwnerTable::turn_off() {
  head()->off = 1;
  flush(&head()->off, sizeof head()->off);
}

bool OwnerTable::off() const { return head()->off != 0; }

namespace {

bool setgid_dir(const cocoon_owner_entry& e) {
  return e.state == COCOON_ENTRY_LIVE && S_ISDIR(e.mode) && (e.mode & S_ISGID) != 0;
}

}  // namespace

void OwnerTable::changed(const FileKey& key, const FileRecord* now) {
  if (!map_ || head()->incomplete) return;
  cocoon_owner_entry* e = slot_for(key);
  if (!now && (!e || e->state != COCOON_ENTRY_LIVE)) return;  // nothing to forget
  const std::uint32_t cap = head()->capacity;
  if (now && e && e->state == COCOON_ENTRY_EMPTY && head()->used + 1 > cap / 4 * 3) {
    rebuild();  // dead entries out; then perhaps still too full
    if (head()->incomplete) return;
    e = slot_for(key);
  }
  write_begin();
  if (e && setgid_dir(*e)) --head()->setgid_dirs;
  if (!now) {
    e->state = COCOON_ENTRY_DEAD;
  } else if (e == nullptr) {
    head()->incomplete = 1;
  } else {
    if (e->state == COCOON_ENTRY_EMPTY) ++head()->used;
    e->dev = key.dev;
    e->ino = key.ino;
    e->btime_sec = now->btime_sec;
    e->btime_nsec = now->btime_nsec;
    e->uid = now->uid;
    e->gid = now->gid;
    e->mode = now->mode;
    e->mode_faked = now->mode_faked ? 1 : 0;
    e->rdev = now->rdev;
    e->state = COCOON_ENTRY_LIVE;
    if (setgid_dir(*e)) ++head()->setgid_dirs;
  }
  if (e) flush(e, sizeof *e);
  write_end();
}

// The live entries again without the dead ones, under one write: readers
// meanwhile retry, then ask the tracer.
void OwnerTable::rebuild() {
  const std::uint32_t cap = head()->capacity;
  std::vector<cocoon_owner_entry> live;
  for (std::uint32_t i = 0; i < cap; ++i) {
    if (entries()[i].state == COCOON_ENTRY_LIVE) live.push_back(entries()[i]);
  }
  write_begin();
  if (live.size() + 1 > cap / 4 * 3) {
    head()->incomplete = 1;
  } else {
    std::memset(static_cast<void*>(entries()), 0, std::size_t{cap} * sizeof(cocoon_owner_entry));
    head()->used = 0;
    for (const cocoon_owner_entry& r : live) {
      cocoon_owner_entry* e = slot_for({r.dev, r.ino});
      *e = r;
      ++head()->used;
    }
    flush(entries(), std::size_t{cap} * sizeof(cocoon_owner_entry));
  }
  write_end();
}

}  // namespace cocoon::syscalls
