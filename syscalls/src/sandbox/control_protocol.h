// The control socket's messages (SOCK_SEQPACKET: one request or reply per
// message, its boundaries kept): words separated by NUL bytes, and for
// `enter` the caller's standard descriptors as SCM_RIGHTS.
//
//   client                          server (the run's cocoon)
//   tasks                        -> one line per task (task_line())
//   enter TARGET CWD UID:GID ARGC ARGV.. ENV.. + fds 0,1,2
//     (TARGET, CWD, UID:GID: empty for the default)
//                                <- ok PID   |  error STATUS REASON
//                                <- exit STATUS (when the command ends)
//
// Each side checks the other (peer_problem()): the same user, and a
// process nobody traces. Every guest task is traced by its cocoon from its
// first instruction (CLONE_UNTRACED and PTRACE_TRACEME are refused), so no
// guest of any run passes, whatever it can reach of the state directory.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace cocoon::syscalls {

struct ControlMessage {
  std::vector<std::string> words;
  std::vector<int> fds;  // received descriptors, close-on-exec, the receiver's to close
};

bool send_message(int sock, const std::vector<std::string>& words, const std::vector<int>& fds = {});
// nullopt at the end of the stream or on an error.
std::optional<ControlMessage> receive_message(int sock);

// Why the peer of the connected socket `sock` may not be talked to: another
// user, a traced process (a guest of some run, or a process under a
// debugger), or not the process `expected_pid` (when not 0); nullopt when
// it may. The pid is the peer's at connect(2)/listen(2), pinned with
// SO_PEERPIDFD (Linux 6.5; before, pidfd_open of that pid).
std::optional<std::string> peer_problem(int sock, pid_t expected_pid = 0);

}  // namespace cocoon::syscalls
