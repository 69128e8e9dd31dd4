#include "cocoon/syscalls/handlers.h"

#include <memory>

#include "containment.h"
#include "uts.h"

namespace cocoon::syscalls {

tracer::HandlerList make_handlers(const RunConfig& config) {
  tracer::HandlerList list;
  list.push_back(std::make_unique<Containment>());
  if (config.hostname) list.push_back(std::make_unique<Uts>(*config.hostname));
  return list;
}

}  // namespace cocoon::syscalls
