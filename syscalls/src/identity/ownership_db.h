// The ownership database: what the guest was told about files it chowned,
// chmod'ed, mknod'ed or setcap'ed, by (device, inode), kept apart from the
// files themselves (which stay owned by the real user).
//
// Persistence (--db FILE) is a journal: one line per change, appended with
// one write(2) before the syscall that made the change returns to the
// guest, so a SIGKILL of cocoon loses nothing the guest was told. Loading
// replays it (a torn last line, which only a crash mid-write can leave, is
// ignored); compact() rewrites it as one line per record into FILE.tmp,
// fsync(2)s and rename(2)s it over FILE, so a save never leaves a
// half-written file. An exclusive flock(2) keeps two runs off one database.
//
// A reused inode number is not the old file: records carry the file's birth
// time (statx STATX_BTIME), and a lookup whose btime differs drops the
// record as stale. Filesystems without btime record 0 (not checked).
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>

namespace cocoon::syscalls {

struct FileKey {
  std::uint64_t dev = 0, ino = 0;
  auto operator<=>(const FileKey&) const = default;
};

struct FileRecord {
  std::int64_t btime_sec = 0;
  std::uint32_t btime_nsec = 0;
  std::uint32_t uid = 0, gid = 0;
  // st_mode (type and permission bits): what the guest was told when
  // `mode_faked` (a chmod the real file could not take as asked, a device
  // that is a regular file on disk), else the real file's when recorded
  // (stat shows the real file's own; fakeroot's save format wants one).
  std::uint32_t mode = 0;
  bool mode_faked = false;
  std::uint64_t rdev = 0;  // makedev() encoding, as st_rdev
  std::optional<std::string> caps;  // security.capability's bytes
  bool operator==(const FileRecord&) const = default;
};

// Told of every change of an OwnershipDb's records: the in-guest agent's
// copy of them (agent/owner_table.h).
class RecordObserver {
 public:
  virtual ~RecordObserver() = default;
  // `now`: the record `key` holds from now on; null: none.
  virtual void changed(const FileKey& key, const FileRecord* now) = 0;
};

class OwnershipDb {
 public:
  // A database for this run only.
  OwnershipDb() = default;
  // Loads (or creates) FILE and locks it; errors name the file.
  static std::expected<OwnershipDb, std::string> open(const std::string& path);
  OwnershipDb(OwnershipDb&&) noexcept;
  OwnershipDb& operator=(OwnershipDb&&) noexcept;
  ~OwnershipDb();

  // The record of `key` if it is the file born at `btime` (0: unknown).
  const FileRecord* find(const FileKey& key, std::int64_t btime_sec, std::uint32_t btime_nsec);
  // Records or forgets; with a file, on it (in the page cache) when they
  // return. The errno of a failed write.
  int put(const FileKey& key, const FileRecord& record);
  int erase(const FileKey& key);
  bool contains(const FileKey& key) const { return records_.contains(key); }
  std::size_t size() const { return records_.size(); }
  // Kept in a file (--db): what it holds outlives the run, and a SIGKILL.
  bool persistent() const { return fd_ >= 0; }
  // How many records are of set-group-ID directories: while there are none,
  // a new file's group cannot come from a recorded directory's
  // (FileCreations asks no parent directory then).
  std::size_t setgid_dirs() const { return setgid_dirs_; }

  // Rewrites the file as one line per record (atomically: tmp + rename).
  std::expected<void, std::string> compact();

  // fakeroot's save format (faked's -s / -i files):
  // "dev=HEX,ino=N,mode=OCTAL,uid=N,gid=N,nlink=N,rdev=N" per line.
  std::expected<void, std::string> import_fakeroot(const std::string& path);
  std::expected<void, std::string> export_fakeroot(const std::string& path) const;

  const std::map<FileKey, FileRecord>& records() const { return records_; }

  // Tells `o` every record held now, then every change (null: none).
  void observe(RecordObserver* o) {
    observer_ = o;
    if (o) for (const auto& [k, r] : records_) o->changed(k, &r);
  }

 private:
  int append(const std::string& line);
  // records_[key] = r, and records_.erase(key), keeping setgid_dirs_.
  void set(const FileKey& key, const FileRecord& r);
  bool drop(const FileKey& key);

  std::map<FileKey, FileRecord> records_;
  std::size_t setgid_dirs_ = 0;
  std::string path_;
  int fd_ = -1;  // the journal, O_APPEND, flock'ed
  RecordObserver* observer_ = nullptr;
};

}  // namespace cocoon::syscalls
