// The handler families, assembled for one run.
#pragma once

#include <memory>

#include "cocoon/syscalls/config.h"
#include "cocoon/tracer/dispatch.h"
#include "cocoon/tracer/registry.h"

namespace cocoon::syscalls {

class GuestView;
struct IdentityState;

// Always includes the containment rules; adds a family only when the
// configuration needs it, so an empty configuration traces only
// sched_getaffinity/sched_setaffinity (for the CPU placement; rare calls). `view`:
// the filesystem view build_view() made (null: the host's own).
// `identity`: the state identity emulation runs on (open_identity()), when
// the configuration asks for it. `registry`: where the handlers keep their
// per-process and per-thread state, the one the view and the identity
// state were built with and the tracer is given. `landlocked`: the guest
// runs under the Landlock ruleset build_view() made.
tracer::HandlerList make_handlers(const RunConfig& config, tracer::ProcessRegistry& registry,
                                  std::shared_ptr<const GuestView> view = nullptr,
                                  std::shared_ptr<IdentityState> identity = nullptr,
                                  bool landlocked = false);

}  // namespace cocoon::syscalls
