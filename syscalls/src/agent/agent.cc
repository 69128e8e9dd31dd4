#include "agent/agent.h"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <algorithm>
#include <cstring>
#include <vector>

#include "agent/agent_image.h"
#include "cocoon/arch/arch.h"
#include "cocoon/arch/sys.h"
#include "cocoon/tracer/log.h"
#include "cocoon/tracer/tracee.h"
#include "owned_fd.h"

namespace cocoon::syscalls {
namespace {

using arch::Sys;

bool stat_row(Sys s) {
  return s == Sys::stat || s == Sys::lstat || s == Sys::fstat || s == Sys::newfstatat || s == Sys::statx;
}

// Rows the agent answers (agent.c's dispatch): the stat family, and the
// calls that make files.
bool agent_row(Sys s) {
  return stat_row(s) || s == Sys::open || s == Sys::openat || s == Sys::creat || s == Sys::mkdir ||
         s == Sys::mkdirat;
}

// Rows that change the ids a process makes files with (CredentialCalls).
bool id_change_row(Sys s) {
  return s == Sys::setuid || s == Sys::setgid || s == Sys::setreuid || s == Sys::setregid ||
         s == Sys::setresuid || s == Sys::setresgid || s == Sys::setfsuid || s == Sys::setfsgid;
}

std::uint64_t new_key() {
  std::uint64_t k = 0;
  while (k == 0) {
    if (::getrandom(&k, sizeof k, 0) != sizeof k) k = 0x636f636f6f6e2121ULL ^ static_cast<std::uint64_t>(::getpid());
  }
  return k;
}

// Where to ask for the region: within reach (rel32, 2 GiB) of the code
// that will call it. The first brk(0) is made by the dynamic loader (its
// libraries go below it, top-down) or by a static program itself: a
// region 256 MiB below that call, or, for a program linked low (non-PIE at
// 4 MiB), just under 2 GiB above it, out of the way of its heap. A hint
// only: where it is taken, sites out of reach stay unpatched. (Any address
// may be one a program maps with MAP_FIXED natively: docs/agent.md.)
std::uint64_t hint_for(std::uint64_t ip) {
  constexpr std::uint64_t kBelow = 256ull << 20;
  if (ip > 2 * kBelow) return (ip & ~std::uint64_t{0xfffff}) - kBelow;
  return (ip & ~std::uint64_t{0xfffff}) + (2032ull << 20);  // just under 2 GiB above
}

// Writes into the task's memory whatever its protection
// (/proc/PID/mem, FOLL_FORCE: a private read-only mapping gets a private
// copy of the page): only into the agent's region, and a site's own bytes.
OwnedFd open_mem(pid_t tid) {
  return OwnedFd(::open(("/proc/" + std::to_string(tid) + "/mem").c_str(), O_RDWR | O_CLOEXEC));
}

bool write_mem(int fd, std::uint64_t at, const void* data, std::size_t n) {
  return ::pwrite(fd, data, n, static_cast<off_t>(at)) == static_cast<ssize_t>(n);
}

}  // namespace

bool Agent::available() { return arch::host_arch() == arch::Arch::kX86_64 && !agent::image().empty(); }

static_assert(sizeof(cocoon_agent_header) <= COCOON_AGENT_CODE, "the header fits its page");

std::expected<std::unique_ptr<Agent>, std::string> Agent::make(std::shared_ptr<IdentityState> identity,
                                                               std::optional<AgentView> view,
                                                               tracer::ProcessRegistry& registry,
                                                               const std::string& table_path) {
  if (view && (view->marks.size() > COCOON_AGENT_MARKS || view->devs.size() > COCOON_AGENT_DEVS)) {
    return std::unexpected("the view has more mounts than the agent can tell apart");
  }
  // Without emulated ids the table holds no record, only the switch that
  // turns every agent off (agent_abi.h `off`): one entry, not 3.5 MiB to
  // allocate, copy and discard at every run.
  auto table = OwnerTable::create(table_path, identity ? OwnerTable::kCapacity : 1);
  if (!table) return std::unexpected(table.error());
  return std::unique_ptr<Agent>(new Agent(std::move(identity), std::move(view), registry, std::move(*table)));
}

Agent::Agent(std::shared_ptr<IdentityState> identity, std::optional<AgentView> view,
             tracer::ProcessRegistry& registry, OwnerTable table)
    : identity_(std::move(identity)),
      view_(std::move(view)),
      table_(std::move(table)),
      key_(new_key()),
      armed_(registry, tracer::OnClone::kCopy, tracer::OnExec::kReset) {
  if (identity_) identity_->db.observe(&table_);
}

Agent::~Agent() {
  if (identity_) identity_->db.observe(nullptr);
}

// openat2 only for the agent's own (plain_walk): the guest's go to the
// tracer.
bool Agent::view_row(Sys s) {
  return stat_row(s) || arch::is_any(s, {Sys::open, Sys::openat, Sys::openat2, Sys::getdents64, Sys::readlink,
                                         Sys::readlinkat, Sys::access, Sys::faccessat, Sys::faccessat2});
}

bool Agent::answers(Sys s) const { return view_ ? view_row(s) : agent_row(s); }

tracer::Decision Agent::decision(const arch::SyscallDesc& row, arch::Arch abi) const {
  using tracer::Decision;
  if (abi != arch::Arch::kX86_64) return Decision::allow();
  // brk(0) stops (the first arms the process); other brk calls run.
  if (row.sys == Sys::brk) return Decision::allow().tracing_values(0, {0}).in(tracer::Phase::kTranslate);
  // In a view: the rows the other handlers stop at, with their condition
  // (a stop the agent added would cost what it saves).
  if (view_) {
    if (!view_row(row.sys)) return row_for_everyone(row.sys);
    const auto it = view_->stopped.find(row.sys);
    if (it == view_->stopped.end()) return Decision::allow();
    Decision d = it->second.conditional()
                     ? Decision::notify_if_any(it->second.nonzero_arg, it->second.when_bits)
                     : Decision::notify();
    return d.in(tracer::Phase::kTranslate).passing(key_);
  }
  // The agent's rows: notified as FileOwners and FileCreations have them
  // (open and openat only with O_CREAT or O_TMPFILE), its own calls let
  // through. Its translate phase patches the site a call came from.
  if (agent_row(row.sys)) {
    const int flags = row.arg_index(arch::ArgRole::kOpenFlags);
    const Decision d = (row.sys == Sys::open || row.sys == Sys::openat) && flags >= 0
                           ? Decision::notify_if_any(flags, O_CREAT | 020000000 /* O_TMPFILE's own bit */)
                           : Decision::notify();
    return d.in(tracer::Phase::kTranslate).passing(key_);
  }
  if (id_change_row(row.sys) && identity_) return Decision::notify().in(tracer::Phase::kTranslate);
  return row_for_everyone(row.sys);
}

// The rows every agent stops at, with or without a view.
tracer::Decision Agent::row_for_everyone(Sys sys) {
  using tracer::Decision;
  // A debugger in the guest, or a user namespace of the kernel's (the
  // host allows them: the agent's calls would get its ids, which the
  // tracer's answers do not), turns every agent off (agent_abi.h: `off`).
  if (sys == Sys::ptrace || sys == Sys::unshare || sys == Sys::setns) {
    return Decision::trace().in(tracer::Phase::kTranslate);
  }
  if (sys == Sys::clone) return Decision::trace_if_any(0, CLONE_NEWUSER).in(tracer::Phase::kTranslate);
  return Decision::allow();
}

tracer::Verdict Agent::on_entry(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.process();
  const Sys sys = stop.desc.sys;
  Armed* a = armed_.find(tgid);
  const bool new_userns =
      ((sys == Sys::unshare || sys == Sys::clone) && (stop.regs.arg(0) & CLONE_NEWUSER)) || sys == Sys::setns;
  if (sys == Sys::ptrace || new_userns) {
    if (!table_.off()) tracer::module_logger("identity")->debug("{}: {}: the agent is off", stop.tracee.tid, stop.desc.name);
    table_.turn_off();
  } else if (sys == Sys::brk) {
    if (stop.regs.arg(0) == 0 && a == nullptr && !table_.off()) return arm(stop);
  } else if (id_change_row(sys) && identity_) {
    if (a && a->region != 0 && a->plain_creator) not_plain(stop, *a);
  } else if (answers(sys) && a && a->region != 0) {
    patch(stop, *a);
  }
  return tracer::Verdict::resume();
}

// The process's first brk(0) becomes the mmap of the region: its number
// and arguments changed at its entry (the kernel runs the call the tracer
// leaves at a seccomp stop, seccomp(2)), and at its exit (on_exit) the
// image written and the task's registers put back to make its brk(0)
// again, which the filter stops once more and the agent lets run: three
// stops, where an injection from a call's entry takes six
// (tracer/src/injection.cc).
tracer::Verdict Agent::arm(tracer::SyscallStop& stop) {
  const pid_t tgid = stop.tracee.process();
  Armed& armed = *armed_.set(tgid, Armed{});
  if (!control_ || !control_->filtered() || stop.via != tracer::Via::kStop) return tracer::Verdict::resume();
  const std::array<std::uint64_t, 6> args{hint_for(stop.regs.ip()), COCOON_AGENT_REGION,
                                          PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                                          ~std::uint64_t{0}, 0};
  stop.regs.set_nr(SYS_mmap);
  for (int i = 0; i < 6; ++i) stop.regs.set_arg(i, args[static_cast<std::size_t>(i)]);
  armed.arming = true;
  return tracer::Verdict::resume_to_exit();
}

void Agent::on_exit(tracer::SyscallStop& stop) {
  Armed* a = armed_.find(stop.tracee.process());
  if (!a || !a->arming) return;
  a->arming = false;
  const std::int64_t got = stop.regs.result();
  // The guest's brk(0) again, every register as it made it: the ip back on
  // its syscall instruction, its number and arg0 (rerun_call), the other
  // arguments (stored after this).
  for (int i = 1; i < 6; ++i) stop.regs.set_arg(i, stop.tracee.guest_args[static_cast<std::size_t>(i)]);
  if (!arch::SyscallRegs::rerun_call(stop.tracee.tid, stop.regs.abi(), SYS_brk, stop.tracee.guest_args[0])) {
    return;  // the task is gone
  }
  if (got < 0) {
    tracer::module_logger("identity")->debug("{}: agent not armed: {}", stop.tracee.tid,
                                             std::strerror(static_cast<int>(-got)));
    return;
  }
  install(stop, *a, static_cast<std::uint64_t>(got));
}

// The image and its header written into the region.
void Agent::install(tracer::SyscallStop& stop, Armed& armed, std::uint64_t region) {
  const pid_t tgid = stop.tracee.process();
  const auto image = agent::image();
  std::vector<std::byte> bytes(image.begin(), image.end());
  cocoon_agent_header h{};
  h.magic = COCOON_AGENT_MAGIC;
  h.key = key_;
  h.slots_offset = agent::slots_offset();
  h.slot_count = agent::slot_count();
  h.table_size = table_.size();
  // Without emulated ids every file shows the kernel's owner; in a view
  // creations go to the tracer (a read-only mount, a placeholder).
  h.unknown_is_real = 1;
  if (identity_) {
    const IdentityConfig& config = identity_->config;
    const Credentials& c = identity_->of(tgid);
    h.uid = config.uid;
    h.gid = config.gid;
    h.unknown_is_real = config.unknown_is_real ? 1 : 0;
    armed.plain_creator = !view_ && !config.real_creations && c.fsuid == config.uid && c.fsgid == config.gid;
  }
  h.plain_creator = armed.plain_creator ? 1 : 0;
  if (view_) {
    h.view = 1;
    h.real_ids = identity_ ? 0 : 1;
    h.link_bodies = view_->link_bodies ? 1 : 0;
    h.nmarks = static_cast<std::uint32_t>(view_->marks.size());
    std::copy(view_->marks.begin(), view_->marks.end(), h.marks);
    h.ndevs = static_cast<std::uint32_t>(view_->devs.size());
    std::copy(view_->devs.begin(), view_->devs.end(), h.devs);
    if (view_->root) {
      h.absolute = 1;
      std::memcpy(h.root, view_->root->data(), view_->root->size());
      for (const std::string& t : view_->targets) {
        std::memcpy(h.targets + h.targets_len, t.c_str(), t.size() + 1);
        h.targets_len += static_cast<std::uint32_t>(t.size() + 1);
      }
    }
  }
  std::strncpy(h.table_path, table_.path().c_str(), sizeof h.table_path - 1);
  std::memcpy(bytes.data(), &h, sizeof h);
  const OwnedFd mem = open_mem(stop.tracee.tid);
  if (mem.fd < 0 || !write_mem(mem.fd, region, bytes.data(), bytes.size())) return;
  armed.region = region;
}

void Agent::on_event_stop(tracer::Tracee& tracee, const tracer::EventStop& stop) {
  (void)tracee;
  if (stop.event == PTRACE_EVENT_VFORK) vforked_.insert(static_cast<pid_t>(stop.message));
}

// A new thread marks its process; a new process sharing the address space
// (kcmp KCMP_VM: the kernel's answer, whatever the clone flags were) marks
// itself, and its parent unless the parent waits for it (vfork).
void Agent::on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) {
  const bool vforked = vforked_.erase(child.tid) > 0;
  Armed* p = armed_.find(parent.process());
  if (!p || p->region == 0) return;
  if (child.process() == parent.process()) {
    p->ever_threaded = true;
    return;
  }
  // 1 or 2: two address spaces; 0: one; -1 (no kcmp in this kernel):
  // taken as one.
  const long order = ::syscall(SYS_kcmp, parent.tid, child.tid, KCMP_VM, 0, 0);
  if (order == 1 || order == 2) return;
  if (Armed* c = armed_.find(child.process())) c->shares_mm = true;
  if (!vforked) p->shares_mm = true;
}

// Before the process's ids change (its set*id call runs after this
// handler): the agent leaves its creations to the tracer from now on. Not
// given back when they return: rare, and the tracer's answers are right
// whatever they are.
void Agent::not_plain(tracer::SyscallStop& stop, Armed& armed) {
  const OwnedFd mem = open_mem(stop.tracee.tid);
  const std::uint32_t zero = 0;
  const std::uint64_t at = armed.region + offsetof(cocoon_agent_header, plain_creator);
  if (mem.fd >= 0 && write_mem(mem.fd, at, &zero, sizeof zero)) {
    armed.plain_creator = false;
    return;
  }
  // Only a task that is gone (or going) cannot be written: nothing of it
  // runs the agent again.
  tracer::module_logger("identity")->debug("{}: could not tell the agent of new ids", stop.tracee.tid);
}

// The site the notified call came from, patched when it is glibc's
// `mov $nr,%eax; syscall` (or its open_nocancel's `mov $-100,%edi;
// syscall`: agent::displaceable) and no other thread can be running it: the
// process has had one thread since its exec (on_clone marks it before a
// new thread runs its first instruction) and shares its memory with no
// other process.
void Agent::patch(tracer::SyscallStop& stop, Armed& armed) {
  const std::uint64_t ip = stop.regs.ip();
  if (ip >= armed.region && ip < armed.region + COCOON_AGENT_REGION) return;  // the agent's own
  if (armed.shares_mm || armed.ever_threaded) return;
  if (!armed.tried.insert(ip).second || ip < 8) return;
  std::array<std::byte, 8> code{};
  if (!stop.memory.read(ip - 8, code)) return;
  const auto nr = static_cast<std::uint32_t>(stop.regs.nr());
  std::array<std::byte, 6> window{};
  std::memcpy(window.data(), code.data(), 6);
  if (!agent::displaceable(window, nr) || code[6] != std::byte{0x0f} || code[7] != std::byte{0x05}) return;
  std::array<std::byte, 5> mov{};
  std::memcpy(mov.data(), code.data() + 1, 5);
  const OwnedFd mem = open_mem(stop.tracee.tid);
  if (mem.fd < 0) return;
  const std::uint64_t next_at = armed.region + offsetof(cocoon_agent_header, next_slot);
  const std::uint64_t count_at = armed.region + offsetof(cocoon_agent_header, slot_count);
  std::uint32_t next = 0, count = 0;
  if (::pread(mem.fd, &next, 4, static_cast<off_t>(next_at)) != 4 ||
      ::pread(mem.fd, &count, 4, static_cast<off_t>(count_at)) != 4 || next >= count) {
    return;
  }
  const std::uint64_t slot = armed.region + agent::slots_offset() + std::uint64_t{next} * COCOON_AGENT_SLOT;
  const auto t = agent::trampoline(slot, mov, armed.region + COCOON_AGENT_CODE, ip);
  std::array<std::byte, 5> jmp{};
  if (!t.ok || !agent::jump(ip - 7, slot, jmp)) return;
  ++next;
  if (!write_mem(mem.fd, slot, t.bytes.data(), t.bytes.size()) ||
      !write_mem(mem.fd, next_at, &next, 4) || !write_mem(mem.fd, ip - 7, jmp.data(), jmp.size())) {
    return;
  }
  tracer::module_logger("identity")->debug("{}: stat site {:#x} patched (slot {})", stop.tracee.tid, ip - 7,
                                           next - 1);
}

}  // namespace cocoon::syscalls
