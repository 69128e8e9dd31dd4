// The agent's copy of the ownership records (agent_abi.h's owner table):
// a file in the run's directory that the tracer writes from a private copy
// (pwrite: a guest can truncate the file) and every armed process maps
// read-only. FileOwners' own records
// (identity/ownership_db.h) stay the truth: this copy follows each change
// (RecordObserver) before the call that made it returns to the guest, so an
// agent never answers from a record older than what the guest was told.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>

#include "agent_abi.h"
#include "identity/ownership_db.h"

namespace cocoon::syscalls {

class OwnerTable final : public RecordObserver {
 public:
  // 2^16 entries (3.5 MiB of file, allocated when made: a full
  // filesystem is a refusal then, never a SIGBUS of the tracer's write
  // later); beyond three quarters full of live records (49,152),
  // `incomplete`: agents then ask the tracer for every stat. Every armed
  // process maps it: so much address space (RLIMIT_AS) it does not have
  // natively, which is why an agent under a finite RLIMIT_AS maps nothing
  // (agent.c).
  static constexpr std::uint32_t kCapacity = 1u << 16;

  // Makes the file `path` (0600, new), allocates and maps it.
  static std::expected<OwnerTable, std::string> create(const std::string& path,
                                                       std::uint32_t capacity = kCapacity);
  OwnerTable(OwnerTable&&) noexcept;
  OwnerTable& operator=(OwnerTable&&) = delete;
  ~OwnerTable() override;

  void changed(const FileKey& key, const FileRecord* now) override;

  const std::string& path() const { return path_; }
  std::size_t size() const { return size_; }
  // For the tests: what a reader finds (agent.c's lookup, without retries).
  const cocoon_owner_entry* find(const FileKey& key) const;
  bool incomplete() const;
  std::uint32_t setgid_dirs() const { return head()->setgid_dirs; }
  // Every agent gives every call to the tracer from now on (agent_abi.h).
  void turn_off();
  bool off() const;

 private:
  OwnerTable(std::string path, void* map, std::size_t size, int fd);
  void flush(const void* at, std::size_t n);
  cocoon_owner_table* head() const { return static_cast<cocoon_owner_table*>(map_); }
  cocoon_owner_entry* entries() const { return reinterpret_cast<cocoon_owner_entry*>(head() + 1); }
  cocoon_owner_entry* slot_for(const FileKey& key) const;  // its entry, or the empty one ending its probe
  void write_begin();
  void write_end();
  void rebuild();

  std::string path_;
  void* map_ = nullptr;  // the tracer's copy (private, anonymous)
  std::size_t size_ = 0;
  int fd_ = -1;           // the file the agents map
};

}  // namespace cocoon::syscalls
