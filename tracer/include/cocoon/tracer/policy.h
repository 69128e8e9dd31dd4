// What happens to each syscall number of each ABI a tracee can enter the
// kernel through. Compiled into the seccomp filter, and consulted by the
// tracer itself at every stop when running without seccomp, so both modes
// take the same decisions from one place.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <span>
#include <vector>

#include "cocoon/arch/arch.h"

namespace cocoon::tracer {

enum class Action : std::uint8_t {
  kAllow,  // runs natively, no stop
  kTrace,  // stops in the tracer (SECCOMP_RET_TRACE)
  // Answered by the tracer without a ptrace stop: a seccomp user
  // notification (SECCOMP_RET_USER_NOTIF, seccomp_unotify(2)). For calls
  // whose handlers only read the arguments and the guest's memory and then
  // either answer the call or let it run unchanged (SyscallHandler). Where
  // notifications are off (no seccomp, `cocoon trace`, a kernel or a parent
  // filter that refuses a listener) it is kTrace.
  kNotify,
  kErrno,  // the filter answers -err without running it (err 0: returns 0)
  kKill,   // SECCOMP_RET_KILL_PROCESS
};

// Where a handler's on_entry runs in the life of a call (docs/architecture.md,
// "The life of one intercepted syscall"): every translating handler first,
// then the one that emulates the call, then the fix-ups; at the exit stop
// the other way round.
enum class Phase : std::uint8_t {
  // Rewrites arguments into what the kernel and the emulating handler must
  // see (a guest path into a host path, a guest's pid into the host's) and
  // records them in the stop's DecodedCall. Ends the call only when an
  // argument has no translation (the errno the kernel would give), or names
  // what exists only in cocoon's view (a --symlink, a /proc magic link),
  // answered as the kernel would.
  kTranslate,
  // Owns the call: answers it, or lets the kernel run it, reading the
  // arguments from the DecodedCall. One handler per row at most: two make
  // build_policy() fail.
  kEmulate,
  // Sees a call its owner lets run: notes at entry what the exit needs,
  // corrects the result at the exit stop.
  kFixup,
};

struct Decision {
  Action action = Action::kAllow;
  std::uint16_t err = 0;  // for kErrno
  // For kTrace and kNotify: -1 acts on every call; 0..5 only on calls whose
  // argument `nonzero_arg` has a bit of `when_bits` set (all bits: is not
  // 0), the others running as allowed. The filter reads the argument itself
  // (seccomp_data.args), so send(), which glibc makes as sendto() with a
  // NULL address, costs no stop when only the address matters, and an
  // open(2) without O_CREAT none when only creations matter.
  std::int8_t nonzero_arg = -1;
  // A refusal ahead of `action`: a call whose argument `refuse_arg` (0..5)
  // has any bit of `refuse_bits` set fails with `refuse_err` without
  // running, whatever `action` says for the others. The filter tests the
  // bits itself (seccomp_data.args), so a flag that would take a call
  // around the tracer (clone's CLONE_UNTRACED, seccomp's NEW_LISTENER:
  // docs/threat-model.md) costs no stop, and the calls without it keep
  // `action`. -1: no refusal.
  std::int8_t refuse_arg = -1;
  std::uint16_t refuse_err = 0;
  std::uint64_t refuse_bits = 0;
  std::uint64_t when_bits = ~std::uint64_t{0};  // with nonzero_arg
  // Refusals and stops for chosen values of one argument, `value_arg`
  // (0..5, -1: none), compared in its low 32 bits: the commands of ioctl(2)
  // and fcntl(2) are an unsigned int to the kernel (fs/ioctl.c,
  // fs/fcntl.c), so the high half a guest sets changes nothing there and
  // must not here either. A call whose value is one of `refuse_values`
  // fails with `value_err`; one of `trace_values` stops (SECCOMP_RET_TRACE)
  // and reaches the handler's on_entry even when `action` allows the other
  // values, which keep `action` without a stop (TIOCSTI refused, F_SETOWN
  // checked, every other ioctl and fcntl untraced: docs/threat-model.md).
  // Tested after the refusal of bits above. Twelve: prctl(2) stops for
  // nine (identity's seven capability options, PR_SET_DUMPABLE,
  // PR_SET_SECCOMP); each value is two filter instructions on its row's
  // leaf only.
  static constexpr std::size_t kMaxValues = 12;
  std::int8_t value_arg = -1;
  std::uint8_t refuse_count = 0;
  std::uint8_t trace_count = 0;
  std::uint16_t value_err = 0;
  std::array<std::uint32_t, kMaxValues> refuse_values{};
  std::array<std::uint32_t, kMaxValues> trace_values{};
  // For kTrace and kNotify: where the handler's on_entry runs.
  Phase phase = Phase::kEmulate;
  // The decision stands only when no other handler emulates the row: one
  // family's answer for a row another may own (Paths refuses mount(2),
  // whose paths only an emulated mount namespace can translate, and answers
  // chroot(2) as for an unprivileged caller unless Namespaces emulates it).
  // Both fields are the dispatcher's (build_policy()): a Policy keeps
  // neither.
  bool yields_to_owner = false;
  // Not 0: a call whose sixth argument is this value runs as allowed,
  // whatever the rest says: the in-guest agent's own calls
  // (syscalls/src/agent/, docs/agent.md), which carry it in a register the
  // call does not read. All 64 bits are compared. A handler that sets it
  // vouches for every handler of the row: build_policy() keeps it while
  // the row's calls are notified or traced.
  std::uint64_t pass_key = 0;

  static constexpr Decision allow() { return {}; }
  static constexpr Decision trace() { return {Action::kTrace, 0}; }
  static constexpr Decision notify() { return {Action::kNotify, 0}; }
  static constexpr Decision trace_if_nonzero(int arg) {
    return {Action::kTrace, 0, static_cast<std::int8_t>(arg)};
  }
  // Stops when argument `arg` has any of `bits`; allowed otherwise.
  static constexpr Decision trace_if_any(int arg, std::uint64_t bits) {
    Decision d = trace();
    d.nonzero_arg = static_cast<std::int8_t>(arg);
    d.when_bits = bits;
    return d;
  }
  // Notified when argument `arg` has any of `bits`; allowed otherwise.
  static constexpr Decision notify_if_any(int arg, std::uint64_t bits) {
    Decision d = notify();
    d.nonzero_arg = static_cast<std::int8_t>(arg);
    d.when_bits = bits;
    return d;
  }
  static constexpr Decision fail(int e) { return {Action::kErrno, static_cast<std::uint16_t>(e)}; }
  static constexpr Decision kill() { return {Action::kKill, 0}; }
  constexpr Decision in(Phase p) const {
    Decision d = *this;
    d.phase = p;
    return d;
  }
  constexpr Decision passing(std::uint64_t key) const {
    Decision d = *this;
    d.pass_key = key;
    return d;
  }
  constexpr Decision unless_owned() const {
    Decision d = *this;
    d.yields_to_owner = true;
    return d;
  }
  // Allowed, but refused with `err` when argument `arg` has any of `bits`.
  static constexpr Decision refuse_if_any(int arg, std::uint64_t bits, int err) {
    return allow().refusing(arg, bits, err);
  }
  // This decision with the refusal above in front of it.
  constexpr Decision refusing(int arg, std::uint64_t bits, int err) const {
    Decision d = *this;
    d.refuse_arg = static_cast<std::int8_t>(arg);
    d.refuse_bits = bits;
    d.refuse_err = static_cast<std::uint16_t>(err);
    return d;
  }
  // This decision, refusing with `err` the calls whose argument `arg` is
  // one of `values` (low 32 bits, above).
  constexpr Decision refusing_values(int arg, std::initializer_list<std::uint32_t> values, int err) const {
    Decision d = *this;
    d.value_arg = static_cast<std::int8_t>(arg);
    d.value_err = static_cast<std::uint16_t>(err);
    for (std::uint32_t v : values) d.add_value(d.refuse_values, d.refuse_count, v);
    return d;
  }
  // This decision, stopping at the calls whose argument `arg` is one of
  // `values` (low 32 bits, above).
  constexpr Decision tracing_values(int arg, std::initializer_list<std::uint32_t> values) const {
    Decision d = *this;
    d.value_arg = static_cast<std::int8_t>(arg);
    for (std::uint32_t v : values) d.add_value(d.trace_values, d.trace_count, v);
    return d;
  }
  // This decision without its refusals and value stops (what the other
  // calls get).
  constexpr Decision unguarded() const {
    Decision d = *this;
    d.refuse_arg = -1;
    d.refuse_bits = 0;
    d.refuse_err = 0;
    d.value_arg = -1;
    d.refuse_count = d.trace_count = 0;
    d.value_err = 0;
    d.refuse_values = {};
    d.trace_values = {};
    return d;
  }
  constexpr bool refuses() const { return refuse_arg >= 0; }
  // Acts only on some calls (see nonzero_arg).
  constexpr bool conditional() const {
    return (action == Action::kTrace || action == Action::kNotify) && nonzero_arg >= 0;
  }
  // This decision for every call, its condition dropped.
  constexpr Decision unconditional() const {
    Decision d = *this;
    d.nonzero_arg = -1;
    d.when_bits = ~std::uint64_t{0};
    return d;
  }
  constexpr bool tests_values() const { return value_arg >= 0; }
  constexpr bool stops_always() const { return action == Action::kTrace && nonzero_arg < 0; }
  static constexpr bool has_value(const std::array<std::uint32_t, kMaxValues>& set, std::uint8_t n,
                                  std::uint32_t v) {
    for (std::uint8_t i = 0; i < n; ++i) {
      if (set[i] == v) return true;
    }
    return false;
  }
  // Adds `v` to a value set once; more than kMaxValues is a programming
  // error (the filter's leaf would grow), caught by the unit tests.
  static constexpr void add_value(std::array<std::uint32_t, kMaxValues>& set, std::uint8_t& n,
                                  std::uint32_t v) {
    if (has_value(set, n, v)) return;
    if (n == kMaxValues) std::abort();
    set[n++] = v;
  }
  // What the decision comes to for one call: the refusal when its bits are
  // set; allow when a conditional decision's argument has none of its bits.
  template <typename Args>
  constexpr Decision for_call(const Args& args) const {
    if (pass_key != 0 && static_cast<std::uint64_t>(args(5)) == pass_key) return allow();
    if (refuse_arg >= 0 && (args(refuse_arg) & refuse_bits) != 0) return fail(refuse_err);
    if (value_arg >= 0) {
      const auto v = static_cast<std::uint32_t>(args(value_arg));
      if (has_value(refuse_values, refuse_count, v)) return fail(value_err);
      if (has_value(trace_values, trace_count, v) && !stops_always()) return trace();
    }
    if (conditional() && (args(nonzero_arg) & when_bits) == 0) return allow();
    return unguarded();
  }
  friend bool operator==(const Decision&, const Decision&) = default;
};

class Policy {
 public:
  // Numbers with a table row start as kAllow; numbers the table does not know
  // (gaps, numbers past the end, x32 numbers) are answered ENOSYS, so a
  // syscall newer than our table cannot reach a path behind cocoon's back.
  explicit Policy(arch::Arch host = arch::host_arch());

  void set(arch::Arch abi, int nr, Decision d);
  Decision decide(arch::Arch abi, long nr) const;

  arch::Arch host() const { return host_; }
  std::span<const arch::Arch> abis() const { return arch::entry_abis(host_); }
  // This policy with every kNotify made kTrace: what the tracer applies when
  // it has no notification listener.
  Policy without_notify() const;
  bool notifies() const;
  // Numbers [0, size) carry their own decision; past it, unknown_decision().
  int size(arch::Arch abi) const;
  static constexpr Decision unknown_decision() { return Decision::fail(ENOSYS); }

 private:
  arch::Arch host_;
  std::array<std::vector<Decision>, arch::kArchCount> by_abi_;
};

const char* action_name(Action a);

}  // namespace cocoon::tracer
