#!/usr/bin/env python3
"""cocoon in a user's terminal, as a job of the user's own interactive shell.

An outer bash (native, in a pty) runs `cocoon run -- python3 -q -i`:
- Ctrl-Z stops cocoon and its guest as one job; `fg` resumes both and the
  guest still reads the terminal; its exit status reaches the user's shell;
- in a second REPL, Ctrl-C at the guest's prompt: the terminal sends SIGINT to the whole
  foreground process group, cocoon included. Natively the REPL prints
  KeyboardInterrupt and carries on; under cocoon it must too (the guest
  decides what SIGINT means, as when it runs natively);
- Ctrl-\\ (SIGQUIT, to the same process group) with a handler in the guest:
  natively the handler runs; under cocoon too;

Usage: python3 terminal.py COCOON seccomp|noseccomp GUESTS_DIR
"""
import re
import sys
import shlex
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from ptylib import Test  # noqa: E402

t = Test(__file__)
PROMPT = re.escape("OUTER$ ")
PY = re.escape(">>> ")
try:
    t.spawn(["/bin/bash", "--norc", "--noprofile", "-i"], {"PS1": "OUTER$ "})
    t.read_until(PROMPT, 10)
    # The marker is an (unused) argument of the REPL: sys.argv[1].
    cmd = " ".join(shlex.quote(a) for a in t.cocoon_argv(
        "--", "/usr/bin/python3", "-q", "-i", "-c", "pass", t.mark))
    def start_repl():
        t.send(f"{cmd}\n")
        t.read_until(PY, 15)

    def exit_repl(code):
        t.send(f"import sys; sys.exit({code})\n")
        t.read_until(PROMPT)
        t.send("echo status=$?\n")
        t.read_until(rf"status={code}\n")
        t.ok(f"sys.exit({code}): the user's shell sees status {code}")

    def interrupt(char, expect):
        """Types a control character at the REPL's prompt and waits for the
        handler's output. Python's REPL has a window (natively too): a signal
        that lands between printing the prompt and blocking in select() is
        only acted on at the next input. So wait before typing, and nudge
        with an empty line if nothing shows."""
        time.sleep(0.3)
        start = len(t.transcript)
        t.send(char)
        if t.try_read_until(expect, 2, start) is None:
            t.send("\n")
            t.read_until(expect, 5, start)

    start_repl()
    t.ok("python3 REPL under cocoon, a job of the user's shell")
    t.send("\x1a")
    t.read_until(r"Stopped(.|\n)*" + PROMPT)
    t.ok("Ctrl-Z: the user's shell reports cocoon's job Stopped")
    t.send("fg\n")
    t.send("print('alive', 6 * 7)\n")
    t.read_until(r"alive 42\n(.|\n)*" + PY)
    t.ok("fg: the guest runs again and reads the terminal")
    exit_repl(7)

    # A new REPL for the signals.
    start_repl()
    interrupt("\x03", r"KeyboardInterrupt(.|\n)*" + PY)
    t.ok("Ctrl-C reaches the guest, which handles it (KeyboardInterrupt)")
    t.send("print('still', 6 * 7)\n")
    t.read_until(r"still 42\n(.|\n)*" + PY)
    t.ok("the guest survives its own Ctrl-C handling")

    t.send("import signal; signal.signal(signal.SIGQUIT, lambda *a: print('quit handled'))\n")
    t.read_until(PY)
    interrupt("\x1c", r"quit handled(.|\n)*" + PY)
    t.send("print('still', 7 * 7)\n")
    t.read_until(r"still 49\n(.|\n)*" + PY)
    t.ok("Ctrl-\\ reaches the guest's SIGQUIT handler; the guest goes on")
    exit_repl(0)
    t.send("exit 0\n")
    t.wait_exit(10)
    t.finish()
finally:
    t.cleanup()
