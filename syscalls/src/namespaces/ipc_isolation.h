// IPC namespace emulation (CLONE_NEWIPC inside the guest, bwrap's
// --unshare-ipc): System V IPC objects and POSIX message queues made in an
// emulated IPC namespace are that namespace's (ipc_namespaces(7)).
//  - shmget/semget/msgget: a key other than IPC_PRIVATE is made the
//    namespace's own (ipc_key()), so the same key in two namespaces names
//    two objects; the id returned is recorded as the namespace's.
//  - every call taking an id (shmat, shmctl, semop, semtimedop, semctl,
//    msgsnd, msgrcv, msgctl) with an id of another namespace is EINVAL, as
//    the kernel says of an id it does not know; ids cocoon never saw made
//    belong to the initial namespace. The *_STAT enumerations are EINVAL in
//    an emulated namespace; /proc/sysvipc/* list the reader's namespace's.
//  - mq_open/mq_unlink: the name gets the namespace's prefix.
// Traced only with --namespaces or --unshare-ipc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cocoon/tracer/handler.h"
#include "ns_state.h"

namespace cocoon::syscalls {

// The key a guest's `key` becomes in IPC namespace `ns` (0: unchanged).
std::int32_t ipc_key(std::uint32_t ns, std::int32_t key);
// The POSIX message queue name a guest's `name` becomes in namespace `ns`.
std::string mq_name(std::uint32_t ns, const std::string& name);

class IpcIsolation final : public tracer::SyscallHandler {
 public:
  explicit IpcIsolation(std::shared_ptr<NamespaceState> ns) : ns_(std::move(ns)) {}
  // The objects of emulated namespaces die with the run, as a namespace's
  // die with it (ipc_namespaces(7)); the initial namespace's stay.
  ~IpcIsolation() override;
  std::string_view name() const override { return "ipc-isolation"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;


 private:
  tracer::Verdict mq(tracer::SyscallStop& stop, std::uint32_t ns);
  std::shared_ptr<NamespaceState> ns_;
  std::vector<std::string> queues_;  // message queue names made in emulated namespaces
};

// /proc/sysvipc/{shm,sem,msg} as reader `tgid` sees it: the file to open
// instead (its namespace's objects only), or empty.
std::string sysvipc_file(const NamespaceState& ns, const std::string& dir, const std::string& host,
                         pid_t tgid);

}  // namespace cocoon::syscalls
