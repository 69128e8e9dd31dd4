#include "ipc_isolation.h"

#include <fcntl.h>
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "cocoon/arch/regs_io.h"
#include "cocoon/tracer/scratch.h"
#include "cocoon/tracer/tracee.h"

namespace cocoon::syscalls {

using tracer::Decision;
using tracer::Verdict;

namespace {

// The object kind a call's id is of, its id argument, and whether it makes
// one (a *get) or is a *_STAT enumeration command.
struct IpcCall {
  char kind = 0;
  bool get = false;
  int id_arg = 0;
  int cmd_arg = -1;
  int buf_arg = -1;  // the *ctl's struct *id_ds (semctl: the union's pointer)
};

using arch::Sys;

std::optional<IpcCall> ipc_call(Sys n) {
  switch (n) {
    case Sys::shmget: return IpcCall{'m', true, 0, -1};
    case Sys::semget: return IpcCall{'s', true, 0, -1};
    case Sys::msgget: return IpcCall{'q', true, 0, -1};
    case Sys::shmat: return IpcCall{'m', false, 0, -1};
    case Sys::shmctl: return IpcCall{'m', false, 0, 1, 2};
    case Sys::semop: case Sys::semtimedop: return IpcCall{'s', false, 0, -1};
    case Sys::semctl: return IpcCall{'s', false, 0, 2, 3};
    case Sys::msgsnd: case Sys::msgrcv: return IpcCall{'q', false, 0, -1};
    case Sys::msgctl: return IpcCall{'q', false, 0, 1, 2};
    default: return std::nullopt;
  }
}

std::uint64_t object(char kind, long id) {
  return (static_cast<std::uint64_t>(static_cast<unsigned char>(kind)) << 32) |
         static_cast<std::uint32_t>(id);
}

// IPC_STAT, with or without IPC_64 (0x100, include/uapi/linux/ipc.h), which
// glibc adds on some arches: its struct *id_ds starts with struct
// ipc64_perm, whose first field is the key.
bool stats(int cmd) { return (cmd & ~0x100) == IPC_STAT; }

// SHM_STAT, SHM_STAT_ANY, SEM_STAT... index the kernel's whole table;
// *_INFO count it.
bool enumerates(int cmd) {
  return cmd == SHM_STAT || cmd == SHM_STAT_ANY || cmd == SEM_STAT || cmd == SEM_STAT_ANY ||
         cmd == MSG_STAT || cmd == MSG_STAT_ANY;
}

}  // namespace

std::int32_t ipc_key(std::uint32_t ns, std::int32_t key) {
  if (ns == 0 || key == IPC_PRIVATE) return key;
  // A mix of the namespace and the key that keeps IPC_PRIVATE out of reach.
  std::uint32_t h = static_cast<std::uint32_t>(key) * 2654435761u ^ ns * 40503u;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h == 0 ? 1 : h);
}

std::string mq_name(std::uint32_t ns, const std::string& name) {
  if (ns == 0) return name;
  return "cocoon-ipc-" + std::to_string(ns) + "-" + name;
}

Decision IpcIsolation::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  const bool ours =
      ipc_call(row.sys) || arch::is_any(row.sys, {Sys::mq_open, Sys::mq_unlink, Sys::ipc});
  if (!ours) return Decision::allow();
  if (abi != arch::host_arch()) return Decision::fail(ENOSYS);
  // Keys, names and ids made the namespace's; the kernel does the rest.
  return Decision::trace().in(tracer::Phase::kTranslate);
}

Verdict IpcIsolation::on_entry(tracer::SyscallStop& stop) {
  const std::uint32_t ns = ns_->id_of(stop.tracee.tgid, NsKind::kIpc);
  if (arch::is_any(stop.desc.sys, {Sys::mq_open, Sys::mq_unlink})) return mq(stop, ns);
  auto call = ipc_call(stop.desc.sys);
  if (!call) return Verdict::resume();
  if (call->get) {
    const auto key = static_cast<std::int32_t>(stop.regs.arg(0));
    const std::int32_t k = ipc_key(ns, key);
    if (k != key) {
      stop.regs.set_arg(0, static_cast<std::uint32_t>(k));  // riscv64 < 6.16: run again
    }
    return Verdict::resume_to_exit();  // to record the id
  }
  if (call->cmd_arg >= 0 && ns != 0 && enumerates(static_cast<int>(stop.regs.arg(call->cmd_arg)))) {
    return Verdict::deny(EINVAL);
  }
  const long id = static_cast<std::int32_t>(stop.regs.arg(call->id_arg));
  if (call->cmd_arg >= 0) {
    const int cmd = static_cast<int>(stop.regs.arg(call->cmd_arg));
    if (cmd == IPC_INFO || cmd == SHM_INFO || cmd == SEM_INFO || cmd == MSG_INFO) return Verdict::resume();
  }
  auto it = ns_->ipc_objects.find(object(call->kind, id));
  const std::uint32_t owner = it == ns_->ipc_objects.end() ? 0 : it->second;
  if (owner != ns) return Verdict::deny(EINVAL);
  // The guest's key put back into what IPC_STAT fills (on_exit).
  const bool stat = ns != 0 && call->buf_arg >= 0 &&
                    stats(static_cast<int>(stop.regs.arg(call->cmd_arg)));
  return stat ? Verdict::resume_to_exit() : Verdict::resume();
}

IpcIsolation::~IpcIsolation() {
  for (const auto& [obj, ns] : ns_->ipc_objects) {
    if (ns == 0) continue;
    const int id = static_cast<int>(obj & 0xffffffffu);
    switch (static_cast<char>(obj >> 32)) {
      case 'm': ::shmctl(id, IPC_RMID, nullptr); break;
      case 's': ::semctl(id, 0, IPC_RMID); break;
      case 'q': ::msgctl(id, IPC_RMID, nullptr); break;
    }
  }
  for (const std::string& q : queues_) ::mq_unlink(("/" + q).c_str());
}

void IpcIsolation::on_exit(tracer::SyscallStop& stop) {
  auto call = ipc_call(stop.desc.sys);
  const std::int64_t result = stop.regs.result();
  if (!call || result < 0) return;
  const auto& args = stop.tracee.guest_args;
  if (!call->get) {  // an IPC_STAT of the namespace's own object
    const auto key = ns_->ipc_keys.find(object(call->kind, static_cast<std::int32_t>(args[0])));
    if (key == ns_->ipc_keys.end()) return;
    const std::int32_t guest = key->second;
    (void)stop.memory.write(args[static_cast<std::size_t>(call->buf_arg)],
                            std::as_bytes(std::span(&guest, 1)));
    return;
  }
  const std::uint64_t obj = object(call->kind, result);
  const std::uint32_t ns = ns_->id_of(stop.tracee.tgid, NsKind::kIpc);
  ns_->ipc_objects[obj] = ns;
  const auto key = static_cast<std::int32_t>(args[0]);
  if (ns != 0 && key != IPC_PRIVATE) {
    ns_->ipc_keys[obj] = key;
  } else {
    ns_->ipc_keys.erase(obj);
  }
}

// The name (without glibc's leading '/') rewritten below the guest's stack.
Verdict IpcIsolation::mq(tracer::SyscallStop& stop, std::uint32_t ns) {
  if (ns == 0) return Verdict::resume();
  auto name = stop.memory.read_path(stop.regs.arg(0));
  if (!name) return Verdict::deny(name.error());
  if (name->empty() || name->find('/') != std::string::npos) return Verdict::resume();  // EINVAL/EACCES
  tracer::StackScratch scratch(stop.memory, stop.regs.sp());
  const std::string ours = mq_name(ns, *name);
  if (stop.desc.sys == Sys::mq_open && (stop.regs.arg(1) & O_CREAT)) queues_.push_back(ours);
  auto at = scratch.push_string(ours);
  if (!at) return Verdict::deny(at.error());
  // A pointer below the stack cannot wait for the call to be run again
  // (tracer/src/rerun.cc: a signal frame may land on it first).
  if (!arch::SyscallRegs::can_set_arg0()) return Verdict::deny(ENOSYS);
  stop.regs.set_arg(0, *at);
  return Verdict::resume();
}

// /proc/sysvipc/{shm,sem,msg}: a header, then one object per line whose
// second field is its id (proc(5)).
std::string sysvipc_file(const NamespaceState& state, const std::string& dir, const std::string& host,
                         pid_t tgid) {
  const char kind = host == "/proc/sysvipc/shm"   ? 'm'
                    : host == "/proc/sysvipc/sem" ? 's'
                    : host == "/proc/sysvipc/msg" ? 'q'
                                                  : 0;
  if (kind == 0) return {};
  const std::uint32_t ns = state.id_of(tgid, NsKind::kIpc);
  // The initial namespace's own view needs filtering only once another
  // namespace has objects.
  if (ns == 0 && std::none_of(state.ipc_objects.begin(), state.ipc_objects.end(),
                              [](const auto& o) { return o.second != 0; })) {
    return {};
  }
  const auto owns = [&](long id) {
    auto it = state.ipc_objects.find(object(kind, id));
    return (it == state.ipc_objects.end() ? 0 : it->second) == ns;
  };
  std::ifstream in(host);
  std::string line, out;
  if (std::getline(in, line)) out = line + "\n";
  while (std::getline(in, line)) {
    std::istringstream words(line);
    long key = 0, id = 0;
    if (!(words >> key >> id) || !owns(id)) continue;
    // The first field is the key, right-aligned: the guest's in its place.
    auto guest = state.ipc_keys.find(object(kind, id));
    if (guest != state.ipc_keys.end()) {
      const std::size_t end = line.find_first_not_of(' ');
      const std::size_t width = line.find(' ', end);
      std::string k = std::to_string(guest->second);
      if (k.size() < width) k.insert(0, width - k.size(), ' ');
      line = k + line.substr(width);
    }
    out += line + "\n";
  }
  const std::string file = dir + "/sysvipc-" + std::string(1, kind) + "-" + std::to_string(tgid);
  std::ofstream(file, std::ios::trunc) << out;
  return file;
}

}  // namespace cocoon::syscalls
