// runc's --console-socket: a terminal of the container's own. A pty is
// made, its master sent to whoever listens on the socket (SCM_RIGHTS, the
// message's data the slave's name, as runc's utils.SendFile), and the
// slave becomes the container's process's standard descriptors and
// controlling terminal (LaunchSpec::controlling_terminal).
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <utility>

#include "errors.h"

namespace cocoon::oci {

// The slave (close-on-exec, the caller's to close), once the master is
// sent to the listener at `socket_path`, with the window size `size`
// ({height, width}) when given.
std::expected<int, OciError> send_console(
    const std::string& socket_path, const std::optional<std::pair<unsigned short, unsigned short>>& size);

}  // namespace cocoon::oci
