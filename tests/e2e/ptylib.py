"""Helpers of the pseudo-terminal tests (jobcontrol.py, terminal.py): the same
contract as lib.sh (argv: COCOON MODE GUESTS; one line per check; exit 1 at
the first failure; every wait has a deadline; nothing left behind)."""
import os
import pty
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time


class Test:
    def __init__(self, script):
        if len(sys.argv) < 4:
            sys.exit(f"usage: python3 {script} COCOON seccomp|noseccomp GUESTS_DIR")
        self.cocoon = os.path.realpath(sys.argv[1])
        self.mode = sys.argv[2]
        self.guests = os.path.realpath(sys.argv[3])
        self.mode_flags = {"seccomp": [], "noseccomp": ["--no-seccomp"]}[self.mode]
        self.name = f"{os.path.splitext(os.path.basename(script))[0]}.{self.mode}"
        self.mark = f"31415{os.getpid()}{random.randint(0, 32767)}"
        self.sleep_arg = f"600.{self.mark}"
        self.tmp = tempfile.mkdtemp(prefix=f"cocoon-e2e-{self.name}.")
        self.leftovers = os.path.join(self.tmp, "leftovers")
        self.checks = 0
        self.pid = None
        self.fd = None
        self.transcript = ""

    def cocoon_argv(self, *opts_and_cmd):
        """reaper + cocoon run in this mode; reaper reports what cocoon leaves."""
        return [os.path.join(self.guests, "reaper"), "-r", self.leftovers, "--",
                self.cocoon, "run", *self.mode_flags, *opts_and_cmd]

    def spawn(self, argv, env_extra):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            env = dict(os.environ, TERM="dumb", HOME=self.tmp, HISTFILE="/dev/null",
                       **env_extra)
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)

    def cleanup(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        subprocess.run(["pkill", "-KILL", "-f", self.mark], check=False)
        subprocess.run(["rm", "-rf", self.tmp], check=False)

    def fail(self, msg):
        print(f"FAIL {self.name}: {msg}")
        print("  transcript (end):\n    " + self.transcript[-3000:].replace("\n", "\n    "))
        self.cleanup()
        sys.exit(1)

    def ok(self, msg):
        self.checks += 1
        print(f"ok   {self.name}: {msg}", flush=True)

    def read_until(self, pattern, timeout=10.0, start=None):
        """Reads the pty until `pattern` (a regex) matches what was read since
        the call began (or since transcript offset `start`), and returns that.
        Fails on timeout or EOF."""
        seen = self.try_read_until(pattern, timeout, start)
        if seen is None:
            self.fail(f"timed out waiting for /{pattern}/; got {self.last_seen!r}")
        return seen

    def try_read_until(self, pattern, timeout, start=None):
        """read_until, but returns None on timeout (EOF still fails)."""
        if start is None:
            start = len(self.transcript)
        deadline = time.monotonic() + timeout
        while True:
            seen = self.transcript[start:]
            if re.search(pattern, seen):
                return seen
            left = deadline - time.monotonic()
            if left <= 0:
                self.last_seen = seen
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                data = b""
            if not data:
                self.fail(f"EOF while waiting for /{pattern}/; got {seen!r}")
            self.transcript += data.decode(errors="replace").replace("\r", "")

    def send(self, text):
        os.write(self.fd, text.encode())

    def wait_exit(self, timeout=10.0):
        """Waits for the pty's child, draining output; returns its status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    self.transcript += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:
                    pass
            wpid, st = os.waitpid(self.pid, os.WNOHANG)
            if wpid == self.pid:
                self.pid = None
                return os.waitstatus_to_exitcode(st)
        self.fail(f"no exit within {timeout} s")

    def sleep_pids(self):
        r = subprocess.run(["pgrep", "-f", f"^sleep {re.escape(self.sleep_arg)}"],
                           capture_output=True, text=True)
        return [int(p) for p in r.stdout.split()]

    @staticmethod
    def state(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return "gone"

    def wait_sleep_state(self, states, timeout=5.0):
        """Waits until every marked sleep is in one of `states` (e.g. "SR",
        "Tt"), or until there is none when states == "gone"."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.sleep_pids()
            if states == "gone" and not pids:
                return []
            if pids and states != "gone" and all(self.state(p) in states for p in pids):
                return pids
            time.sleep(0.05)
        self.fail(f"sleep never reached state {states}: "
                  f"{[(p, self.state(p)) for p in self.sleep_pids()]}")

    def finish(self):
        left = open(self.leftovers).read() if os.path.exists(self.leftovers) else ""
        if left:
            self.fail(f"left behind under cocoon: {left}")
        self.ok("no orphan or zombie left under cocoon")
        time.sleep(0.1)
        r = subprocess.run(["pgrep", "-af", self.mark], capture_output=True, text=True)
        if r.stdout.strip():
            self.fail(f"processes with marker {self.mark} remain: {r.stdout}")
        self.ok(f"no process left with marker {self.mark} ({self.checks} checks)")
        self.cleanup()
