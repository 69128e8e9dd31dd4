// What the agent of a view needs to tell the calls it may answer
// (agent.h AgentView, agent_abi.h `view`), read from the view's mount
// table and from the run's other handlers.
#pragma once

#include <expected>
#include <string>

#include "agent/agent.h"
#include "cocoon/tracer/handler.h"
#include "view/guest_view.h"

namespace cocoon::syscalls {

// Fails, saying why, for a view the agent cannot serve: a union mount
// (whose entries come from several host directories), or more mounts
// than its header holds.
std::expected<AgentView, std::string> agent_view(const GuestView& view, const tracer::HandlerList& others);

}  // namespace cocoon::syscalls
