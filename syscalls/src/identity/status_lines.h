// The credential lines of /proc/PID/status as the emulated credentials
// have them (proc(5): Uid and Gid as real, effective, saved set and
// filesystem ids; Groups; CapInh, CapPrm, CapEff, CapBnd, CapAmb). The ids
// are mapped out through the reader's user namespace, as the kernel's
// proc_pid_status() maps them through the opener's (seq_user_ns()).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "cocoon/tracer/registry.h"
#include "identity/credentials.h"
#include "identity/id_mapper.h"
#include "view/proc_status.h"

namespace cocoon::syscalls {

struct IdentityState;

// `text` with those lines rewritten from `c`, as `reader` sees them. Pure
// but for the mapper.
std::string show_credentials(const std::string& text, const Credentials& c, IdMapper& ids,
                             pid_t reader);

// The editor of ProcStatusFiles for the run's identity state: a task the
// run does not follow keeps the host's lines.
ProcStatusFiles::Editor credentials_status_editor(std::shared_ptr<IdentityState> state,
                                                  tracer::ProcessRegistry& registry);

}  // namespace cocoon::syscalls
