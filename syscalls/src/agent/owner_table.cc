#include "agent/owner_table.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace cocoon::syscalls {
namespace {

std::atomic_ref<std::uint64_t> seq_of(cocoon_owner_table* t) { return std::atomic_ref(t->seq); }

}  // namespace

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
  void* map = MAP_FAILED;
  int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
  if (err == 0) {
    map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) err = errno;
  }
  ::close(fd);
  if (map == MAP_FAILED) {
    ::unlink(path.c_str());
    return std::unexpected(path + ": " + std::strerror(err));
  }
  OwnerTable t(path, map, size);
  t.head()->capacity = capacity;
  // Last: an agent checks the magic before it trusts the rest.
  std::atomic_ref(t.head()->magic).store(COCOON_AGENT_MAGIC, std::memory_order_release);
  return t;
}

OwnerTable::OwnerTable(std::string path, void* map, std::size_t size)
    : path_(std::move(path)), map_(map), size_(size) {}

OwnerTable::OwnerTable(OwnerTable&& o) noexcept
    : path_(std::move(o.path_)), map_(std::exchange(o.map_, nullptr)), size_(o.size_) {}

OwnerTable::~OwnerTable() {
  if (!map_) return;
  ::munmap(map_, size_);
  ::unlink(path_.c_str());
}

// A seqlock's writer: readers (agent.c lookup()) retry while the count is
// odd or has moved. x86-64 keeps stores in order (TSO): the fences only
// keep the compiler from moving them.
void OwnerTable::write_begin() {
  auto seq = seq_of(head());
  seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
}

void OwnerTable::write_end() {
  std::atomic_thread_fence(std::memory_order_release);
  auto seq = seq_of(head());
  seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
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

void OwnerTable::turn_off() { std::atomic_ref(head()->off).store(1, std::memory_order_release); }

bool OwnerTable::off() const { return std::atomic_ref(head()->off).load(std::memory_order_acquire) != 0; }

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
  }
  write_end();
}

}  // namespace cocoon::syscalls
