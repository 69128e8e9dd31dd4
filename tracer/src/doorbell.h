// Waking the event loop from another thread.
#pragma once

namespace cocoon::tracer {

// The loop's one blocking point is waitpid(-1): a child of cocoon that
// exits at once is an event it cannot miss, however the wake races the
// loop (a signal sent just before waitpid blocks would be lost). vfork:
// the child shares the memory and only calls _exit (vfork(2)). False on
// EAGAIN: RLIMIT_NPROC, which the guest (same user) can exhaust. The loop
// reaps the child as a death of a task it never followed.
bool ring_doorbell();

}  // namespace cocoon::tracer
