// The handler families, assembled for one run.
#pragma once

#include "cocoon/syscalls/config.h"
#include "cocoon/tracer/dispatch.h"

namespace cocoon::syscalls {

// Always includes the containment rules; adds a family only when the
// configuration needs it, so an empty configuration traces nothing.
tracer::HandlerList make_handlers(const RunConfig& config);

}  // namespace cocoon::syscalls
