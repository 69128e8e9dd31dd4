// The in-guest agent (issue 19; docs/agent.md): code cocoon places in each
// process of an identity-only run (fake root, no view) that answers the
// stat family without leaving the guest, from a shared copy of the
// ownership records (owner_table.h). x86-64 only.
//
// Its life in a process:
// - armed at the process's first brk(0), which glibc's start (ld.so's, or
//   a static program's own) makes before anything else: that one call
//   stops (a value stop, Decision::tracing_values) and is made the mmap of
//   the region; at its exit cocoon writes the image and the header into it
//   (/proc/PID/mem) and has the task make its brk(0) again (Agent::arm);
// - a call site is patched when a stat of the process is notified from
//   it while the process has one thread (so no other thread runs the
//   bytes being written): glibc's `mov $nr,%eax; syscall` becomes
//   `jmp trampoline; syscall`, and the trampoline calls the agent and
//   jumps back past the syscall instruction. The calls of that site then
//   cost no notification;
// - the agent's own calls carry the run's pass key (Decision::pass_key),
//   so the filter lets them run; what it cannot decide it makes again
//   without the key, which the tracer answers as before.
// exec drops the region with the rest of the image; fork copies it.
//
// Not containment: the guest can read the key and make any call pass.
// Without a view cocoon claims nothing to contain (fakeroot's job); in a
// view the agent serves only under Landlock, which confines what a keyed
// call can open or change to the root's and the mounts' host trees, as it
// does a call that won a race against the tracer (docs/threat-model.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agent/agent_abi.h"
#include "agent/owner_table.h"
#include "cocoon/tracer/handler.h"
#include "cocoon/tracer/registry.h"
#include "identity/identity.h"

namespace cocoon::syscalls {

// What the agent of a view needs to tell a plain walk (agent_abi.h
// `view`), and the path rows the run's other handlers stop at: the agent
// stops only where they do (it must add no stop), with their condition.
struct AgentView {
  std::vector<cocoon_agent_dir> marks;
  std::vector<std::uint64_t> devs;
  // For absolute paths (agent_abi.h `absolute`): the root's host
  // directory ("" for /) and the other mounts' targets; unset when they do
  // not fit the header.
  std::optional<std::string> root;
  std::vector<std::string> targets;
  // No mount shows its symlinks' bodies in guest terms (the proot front
  // end's rule, vfs::Mount::links_in_guest_terms): readlink's answer is
  // the kernel's (agent_abi.h `link_bodies`).
  bool link_bodies = false;
  std::unordered_map<arch::Sys, tracer::Decision> stopped;
};

class Agent final : public tracer::SyscallHandler {
 public:
  // Whether this build has an agent for this host (x86-64).
  static bool available();
  // The agent of a run whose records are `identity`'s (null: ids are not
  // emulated), in `view` (null: the host's, untranslated); the table goes
  // to `table_path`. Fails when the table cannot be made.
  static std::expected<std::unique_ptr<Agent>, std::string> make(std::shared_ptr<IdentityState> identity,
                                                                  std::optional<AgentView> view,
                                                                  tracer::ProcessRegistry& registry,
                                                                  const std::string& table_path);
  // The rows the agent answers in a view (agent.c view_call).
  static bool view_row(arch::Sys s);
  ~Agent() override;

  std::string_view name() const override { return "agent"; }
  tracer::Decision decision(const arch::SyscallDesc& row, arch::Arch abi) const override;
  tracer::Verdict on_entry(tracer::SyscallStop& stop) override;
  void on_exit(tracer::SyscallStop& stop) override;
  void on_start(tracer::StopControl& control) override { control_ = &control; }
  void on_event_stop(tracer::Tracee& tracee, const tracer::EventStop& stop) override;
  void on_clone(const tracer::Tracee& parent, const tracer::Tracee& child) override;

  std::uint64_t key() const { return key_; }

 private:
  struct Armed {
    std::uint64_t region = 0;                // 0: arming failed, not tried again
    bool arming = false;                      // its brk(0) made the region's mmap (Agent::arm)
    std::unordered_set<std::uint64_t> tried;  // sites (their ip) not to look at again
    bool plain_creator = false;               // as the region's header says
    // Has had a second thread since its exec: never patches. Another
    // thread could run the bytes a patch writes; and glibc's open, openat
    // and creat then run their call with asynchronous cancellation on
    // (SYSCALL_CANCEL), where a thread cancelled inside the agent, which
    // has no unwind tables, would skip its cleanups. (Sites patched before
    // stay: the agent serves any number of threads.)
    bool ever_threaded = false;
    // Shares its address space with another process (a vfork child; a
    // clone(CLONE_VM) without CLONE_THREAD, and its parent): another
    // process's threads may run the bytes a patch writes. Never patches.
    bool shares_mm = false;
  };
  Agent(std::shared_ptr<IdentityState> identity, std::optional<AgentView> view,
        tracer::ProcessRegistry& registry, OwnerTable table);
  bool answers(arch::Sys s) const;
  static tracer::Decision row_for_everyone(arch::Sys s);
  tracer::Verdict arm(tracer::SyscallStop& stop);
  void install(tracer::SyscallStop& stop, Armed& armed, std::uint64_t region);
  void patch(tracer::SyscallStop& stop, Armed& armed);
  void not_plain(tracer::SyscallStop& stop, Armed& armed);

  std::shared_ptr<IdentityState> identity_;
  std::optional<AgentView> view_;
  OwnerTable table_;
  std::uint64_t key_ = 0;
  tracer::ProcessSlot<Armed> armed_;
  tracer::StopControl* control_ = nullptr;
  std::unordered_set<pid_t> vforked_;  // vfork children between the event and their birth
};

}  // namespace cocoon::syscalls
