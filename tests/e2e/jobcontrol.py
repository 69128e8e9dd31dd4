#!/usr/bin/env python3
"""Job control in an interactive shell under cocoon, in a pseudo-terminal.

`cocoon run -- bash --norc -i` in a pty: start `sleep`, Ctrl-Z must stop it
(group stop: the tracer must keep it stopped with PTRACE_LISTEN so bash's
waitpid(WUNTRACED) sees it), `jobs` lists it Stopped, `bg` resumes it, `fg`
plus Ctrl-C kills it, a second job is stopped and `kill %1`ed, `exit 0`
ends bash and cocoon exits 0.

Usage: python3 jobcontrol.py COCOON seccomp|noseccomp GUESTS_DIR
"""
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from ptylib import Test  # noqa: E402

t = Test(__file__)
PROMPT = re.escape("PROMPT$ ")
try:
    t.spawn(t.cocoon_argv("--", "bash", "--norc", "--noprofile", "-i"), {"PS1": "PROMPT$ "})
    t.read_until(PROMPT, 15)
    t.ok("interactive bash under cocoon shows its prompt")
    t.send("grep TracerPid /proc/$$/status\n")
    seen = t.read_until(r"TracerPid:\s*\d+\n(.|\n)*" + PROMPT)
    if re.search(r"TracerPid:\s*0\n", seen):
        t.fail("the shell is not traced")
    t.ok("the shell is traced")

    # Ctrl-Z stops the foreground job.
    t.send(f"sleep {t.sleep_arg}\n")
    t.wait_sleep_state("SR")
    t.send("\x1a")
    t.read_until(r"Stopped.*\n(.|\n)*" + PROMPT)
    t.ok("Ctrl-Z: bash reports the job Stopped")
    pids = t.wait_sleep_state("Tt")  # T (stopped) or t (tracing stop)
    t.ok(f"the sleep is stopped (state {t.state(pids[0])})")
    time.sleep(0.3)
    if not all(t.state(p) in "Tt" for p in pids):
        t.fail(f"the stopped sleep started running again: {[t.state(p) for p in pids]}")
    t.ok("it stays stopped")

    t.send("jobs\n")
    t.read_until(r"\[1\].*Stopped.*sleep.*\n(.|\n)*" + PROMPT)
    t.ok("jobs lists it Stopped")

    # bg resumes it in the background, fg brings it back, Ctrl-C ends it.
    t.send("bg\n")
    t.read_until(PROMPT)
    t.wait_sleep_state("SR")
    t.ok("bg: the job runs again")
    t.send("fg\n")
    t.read_until(r"sleep")
    time.sleep(0.2)
    t.send("\x03")
    t.read_until(PROMPT)
    t.wait_sleep_state("gone")
    t.ok("fg then Ctrl-C: the job is gone")

    # A second job: stop it, kill %1.
    t.send(f"sleep {t.sleep_arg}\n")
    t.wait_sleep_state("SR")
    t.send("\x1a")
    t.read_until(r"Stopped(.|\n)*" + PROMPT)
    t.send("kill %1\n")
    t.read_until(PROMPT)
    t.send("jobs\n")  # reports (and forgets) the terminated job
    t.read_until(PROMPT)
    t.wait_sleep_state("gone")
    t.ok("kill %1: the stopped job is gone")

    t.send("exit 0\n")
    status = t.wait_exit(10)
    if status != 0:
        t.fail(f"cocoon exited {status}, expected 0")
    t.ok("exit 0: bash and cocoon exit 0")
    t.finish()
finally:
    t.cleanup()
