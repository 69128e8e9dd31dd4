#!/usr/bin/env python3
"""The timing harness behind bench.sh (run bench.sh, not this).

Runs every workload natively, under cocoon and under PRoot, interleaved run by
run (the runners' order rotates each run) so that a noisy spell of the machine
spreads over all runners instead of landing on one. Prints, per workload, the
median over BENCH_RUNS runs for each runner and the ratios, then the targets
and whether the medians meet them. A missed target is reported, never an
error: the exit status is non-zero only when a workload failed to run.
"""

import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUN_TIMEOUT = 300  # seconds; a run taking longer counts as a failure

SMALL_C = r"""
#include <stdio.h>
#include <string.h>
struct point { int x, y; };
static int dist2(struct point a, struct point b) {
  int dx = a.x - b.x, dy = a.y - b.y;
  return dx * dx + dy * dy;
}
int main(int argc, char **argv) {
  struct point p = {argc, (int)strlen(argv[0])}, q = {3, 4};
  printf("%d\n", dist2(p, q));
  return 0;
}
"""


class Failure(Exception):
    pass


def fmt_time(s):
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.3f} s"
    return f"{s * 1000:.1f} ms"


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def fmt_mib(kib):
    return "-" if kib is None else f"{kib / 1024:.2f} MiB"


def fmt_us(ns):
    return "-" if ns is None else f"{ns / 1000:.3f} us"


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return a / b if a is not None and b else None


class Bench:
    def __init__(self, args):
        self.build = os.path.abspath(args.build_dir)
        self.helpers = args.helpers
        self.work = args.work
        # tmpfs for workload 7b, removed by main(); None without /dev/shm.
        self.shm = tempfile.mkdtemp(prefix="cocoon-bench-", dir="/dev/shm") \
            if os.path.isdir("/dev/shm") else None
        if self.shm:
            os.chmod(self.shm, 0o755)
        self.runs = args.runs
        self.cocoon = os.path.join(self.build, "cocoon")
        self.proot = os.environ.get("BENCH_PROOT") or shutil.which("proot")
        want = [r for r in os.environ.get("BENCH_RUNNERS", "native,cocoon,proot").split(",") if r]
        self.runners = []
        for r in want:
            if r == "native":
                self.runners.append(r)
            elif r == "cocoon":
                if os.access(self.cocoon, os.X_OK):
                    self.runners.append(r)
                else:
                    raise SystemExit(f"bench: {self.cocoon} not found or not executable "
                                     "(build cocoon, or leave cocoon out of BENCH_RUNNERS)")
            elif r == "before":
                # Another cocoon build measured beside this one in the same
                # run (a change's before/after): its binary's path.
                self.before = os.environ.get("BENCH_BEFORE", "")
                if not os.access(self.before, os.X_OK):
                    raise SystemExit("bench: runner 'before' needs BENCH_BEFORE=PATH to another "
                                     "cocoon binary")
                self.runners.append(r)
            elif r == "proot":
                if self.proot:
                    self.runners.append(r)
                else:
                    print("bench: proot not installed: PRoot not measured", file=sys.stderr)
            else:
                raise SystemExit(f"bench: unknown runner {r!r} in BENCH_RUNNERS")
        self.getpid_n = int(os.environ.get("BENCH_GETPID_N", "1000000"))
        self.proot_getpid_n = int(os.environ.get("BENCH_PROOT_GETPID_N", "10000"))
        self.noseccomp_getpid_n = int(os.environ.get("BENCH_NOSECCOMP_GETPID_N", "10000"))
        self.floor_n = int(os.environ.get("BENCH_FLOOR_N", "20000"))
        self.failures = []
        # results[key][runner] -> list of samples
        self.results = {}

    # -- running ---------------------------------------------------------

    def prefix(self, runner, extra=()):
        if runner == "native":
            return []
        if runner in self.COCOONS:
            return [self.binary(runner), "run", *extra, "--"]
        if runner == "proot":
            return [self.proot]
        raise ValueError(runner)

    # The runners that are a cocoon binary: this build's, and the one a
    # before/after comparison measures beside it (BENCH_BEFORE).
    COCOONS = ("cocoon", "before")

    def binary(self, runner):
        return self.before if runner == "before" else self.cocoon

    def run(self, label, argv, cwd=None, capture=False):
        """Runs argv, returns (seconds, stdout). Raises Failure if it fails."""
        t0 = time.perf_counter_ns()
        try:
            p = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure(f"{label}: timed out after {RUN_TIMEOUT} s: {' '.join(argv)}")
        except OSError as e:
            raise Failure(f"{label}: cannot run {argv[0]}: {e}")
        dt = (time.perf_counter_ns() - t0) / 1e9
        if p.returncode != 0:
            err = p.stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise Failure(f"{label}: exit status {p.returncode}: {' '.join(argv)}"
                          + "".join(f"\n    {l}" for l in err))
        return dt, (p.stdout.decode(errors="replace") if capture else "")

    def record(self, key, runner, value):
        self.results.setdefault(key, {}).setdefault(runner, []).append(value)

    def attempt(self, fn, *a):
        try:
            fn(*a)
        except Failure as f:
            self.failures.append(str(f))
            print(f"bench: FAILED: {f}", file=sys.stderr)

    @staticmethod
    def field(out, name, label):
        m = re.search(rf"\b{name}=([0-9.]+)", out)
        if not m:
            raise Failure(f"{label}: no {name}= in output: {out.strip()!r}")
        return float(m.group(1))

    # -- workloads (one run of one runner each) --------------------------

    def w_find(self, runner):
        argv = self.prefix(runner) + ["find", "/usr/include", "/usr/share/doc",
                                      "-name", "*.h", "-newer", "/etc/hostname"]
        dt, _ = self.run(f"find/{runner}", argv)
        self.record("find", runner, dt)

    def w_gcc(self, runner, key="gcc", extra=(), pin=()):
        script = "for i in 1 2 3 4; do gcc -O2 -c small.c -o small$i.o || exit 1; done"
        dt, _ = self.run(f"{key}/{runner}",
                         list(pin) + self.prefix(runner, extra) + ["sh", "-c", script],
                         cwd=self.work)
        self.record(key, runner, dt)

    # Issue 4's view: -r / plus a bind, so every path syscall is translated
    # (and Landlock confines the guest). cocoon only: PRoot translates always.
    def view_args(self):
        return ["-r", "/", "-b", f"{self.work}:/mnt/bench"]

    def w_find_view(self, runner, key="find.view", pin=(), extra=()):
        if runner in self.COCOONS:
            argv = list(pin) + self.prefix(runner, [*extra, *self.view_args()]) + [
                "find", "/usr/include", "/usr/share/doc", "-name", "*.h", "-newer", "/etc/hostname"]
            dt, _ = self.run(f"{key}/{runner}", argv)
            self.record(key, runner, dt)
        # The in-guest agent in a view (docs/agent.md, "In a view"), beside
        # cocoon without it: KEY.agent.
        if runner == "cocoon" and not pin and not extra:
            self.w_find_view(runner, key + ".agent", extra=("--agent",))

    # The same with cocoon and its guests confined to one CPU (taskset): a
    # stop is then a context switch on that CPU, not a wake-up of another
    # vCPU (docs/benchmark.md). Compared with native unpinned.
    PIN = ("taskset", "-c", "0")

    def w_find_view_pin(self, runner):
        self.w_find_view(runner, "find.view.pin", self.PIN)

    def w_gcc_view_pin(self, runner):
        if runner in self.COCOONS:
            self.w_gcc(runner, "gcc.view.pin", self.view_args(), self.PIN)

    # Issue 4 with a Debian rootfs (the e2e rootfs test's debootstrap, when
    # present): the same find natively through chroot(8), and under cocoon -r.
    ROOTFS = os.environ.get("COCOON_ROOTFS_CACHE", "/var/tmp/cocoon-rootfs") + "/bookworm-minbase"
    ROOTFS_FIND = ["find", "/usr", "/etc", "-name", "*.conf"]

    def w_find_rootfs(self, runner, key="find.rootfs", pin=(), extra=()):
        if not os.path.isdir(os.path.join(self.ROOTFS, "usr")) or runner == "proot":
            return
        pre = ["chroot", self.ROOTFS] if runner == "native" else \
            self.prefix(runner, [*extra, "-r", self.ROOTFS])
        dt, _ = self.run(f"{key}/{runner}", list(pin) + pre + self.ROOTFS_FIND)
        self.record(key, runner, dt)
        if runner == "cocoon" and not pin and not extra:
            self.w_find_rootfs(runner, key + ".agent", extra=("--agent",))

    def w_find_rootfs_pin(self, runner):
        if runner in self.COCOONS:
            self.w_find_rootfs(runner, "find.rootfs.pin", self.PIN)

    # Issue 21: an arm64 Debian root under qemu-user, cocoon -q against
    # PRoot -q (the peer build has -q). A root from debootstrap's first stage
    # is enough: its programs are unpacked, none needs configuring
    # (tests/bench/foreign_root.sh makes the cache). "native" is qemu-user
    # run by hand on the root's host paths (-L: no translation at all); the
    # exec-heavy shell has no native row: without binfmt_misc its children
    # cannot be exec'd natively.
    FOREIGN_ROOT = os.environ.get("BENCH_FOREIGN_ROOT") or \
        os.environ.get("COCOON_ROOTFS_CACHE", "/var/tmp/cocoon-rootfs") + "/bookworm-arm64-foreign"
    FOREIGN_QEMU = shutil.which("qemu-aarch64-static")
    FOREIGN_FIND = ["-name", "*.h", "-o", "-name", "*.conf"]
    FOREIGN_SH = ("for i in $(seq 20); do ls /usr/bin | sort -r | head -n 3 | tr a-z A-Z; "
                  "done >/dev/null")

    def foreign_prefix(self, runner):
        if runner in self.COCOONS:
            return [self.binary(runner), "run", "-q", self.FOREIGN_QEMU, "-r", self.FOREIGN_ROOT, "--"]
        return [self.proot, "-q", self.FOREIGN_QEMU, "-r", self.FOREIGN_ROOT]

    def foreign_ready(self):
        return self.FOREIGN_QEMU is not None and os.path.isfile(
            os.path.join(self.FOREIGN_ROOT, "usr/bin/find"))

    def w_foreign_find(self, runner):
        if not self.foreign_ready() or runner == "before":
            return
        if runner == "native":
            r = self.FOREIGN_ROOT
            argv = [self.FOREIGN_QEMU, "-L", r, r + "/usr/bin/find", r + "/usr", r + "/etc"]
        else:
            argv = self.foreign_prefix(runner) + ["/usr/bin/find", "/usr", "/etc"]
        dt, _ = self.run(f"foreign.find/{runner}", argv + self.FOREIGN_FIND)
        self.record("foreign.find", runner, dt)

    # A small build in the root: its own gcc (arm64, unpacked by
    # foreign_root.sh), 4 × gcc -O2 -c small.c in WORK bound at /mnt/bench.
    def w_foreign_gcc(self, runner):
        if not self.foreign_ready() or runner in ("native", "before") or \
                not os.path.isfile(os.path.join(self.FOREIGN_ROOT, "usr/bin/gcc")):
            return
        script = "for i in 1 2 3 4; do gcc -O2 -c small.c -o small$i.o || exit 1; done"
        bind = ["-b", f"{self.work}:/mnt/bench", "-w", "/mnt/bench"]
        pre = self.foreign_prefix(runner)
        argv = pre[:-1] + bind + ["--"] if runner in self.COCOONS else pre + bind
        dt, _ = self.run(f"foreign.gcc/{runner}", argv + ["sh", "-c", script])
        self.record("foreign.gcc", runner, dt)

    def w_foreign_sh(self, runner):
        if not self.foreign_ready() or runner in ("native", "before"):
            return
        dt, _ = self.run(f"foreign.sh/{runner}", self.foreign_prefix(runner) + ["/bin/sh", "-c", self.FOREIGN_SH])
        self.record("foreign.sh", runner, dt)

    # Issue 19's real workloads, in debootstrap'd roots that
    # tests/bench/build_root.sh makes once (bench.sh runs it when they are
    # missing). Each run works on a fresh copy, made and removed outside the
    # timing: natively as root under chroot(8), under cocoon and PRoot as
    # nobody, the copy then owned by nobody (what an unprivileged user who
    # unpacked it has). The guest's environment is the same minimal one
    # under every runner.
    CACHE = os.environ.get("COCOON_ROOTFS_CACHE", "/var/tmp/cocoon-rootfs")
    BUILD_ROOT = CACHE + "/bookworm-build"
    BUILD_SRC = "usr/src/zlib/tree"  # zlib's Debian source, unpacked in the root
    APT_ROOT = CACHE + "/bookworm-minbase"
    DEBS = CACHE + "/debs-bookworm-amd64"
    APT_PACKAGES = ("less", "file", "libmagic1", "libmagic-mgc", "libssl3", "openssl",
                    "ca-certificates")  # as build_root.sh's PACKAGES
    GUEST_ENV = ("/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                 "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive")
    NOBODY = 65534

    def real_ready(self, what):
        """None when row `what` (build, apt) can run, else why not."""
        skip = os.environ.get("BENCH_REAL_SKIP")  # bench.sh: why build_root.sh failed
        if os.getuid() != 0:
            return "not root: the reference runs under chroot(8)"
        if what == "build":
            if not os.path.isfile(os.path.join(self.BUILD_ROOT, self.BUILD_SRC, "configure")):
                return skip or f"no build root with zlib's source at {self.BUILD_ROOT}"
        elif not (os.path.isfile(os.path.join(self.APT_ROOT, "usr/bin/apt-get")) and
                  all(glob.glob(os.path.join(self.DEBS, p + "_*.deb")) for p in self.APT_PACKAGES)):
            return skip or f"no root at {self.APT_ROOT} or no packages in {self.DEBS}"
        return None

    def chown_tree(self, top):
        subprocess.run(["chown", "-R", "--no-dereference", f"{self.NOBODY}:{self.NOBODY}", top],
                       check=True)

    def real_prefix(self, runner, root, extra=()):
        """The runner's command line that runs a program in `root`."""
        if runner == "native":
            return ["chroot", root]
        if runner in self.COCOONS:
            return self.unprivileged() + [self.binary(runner), "run", *extra, "-r", root, "-w", "/", "--"]
        return self.unprivileged() + [self.proot, *extra, "-r", root, "-w", "/"]

    # 10: ./configure && make -j2 of zlib in the build root, in a copy of
    # the unpacked tree under the root's /tmp (the disk). Counts as failed
    # unless the static and the shared library and the examples are there.
    BUILD_SCRIPT = "cd {dir} && ./configure >/dev/null && make -j2 >/dev/null"

    def w_build(self, runner):
        self.build_row(runner, "build")
        if runner == "cocoon" and not self.real_ready("build"):
            self.build_row(runner, "build.agent", ["--agent"])

    def build_row(self, runner, key, extra=()):
        if self.real_ready("build"):
            return
        tmp = tempfile.mkdtemp(prefix="cocoon-bench-build-", dir=os.path.join(self.BUILD_ROOT, "tmp"))
        try:
            tree = os.path.join(tmp, "zlib")
            subprocess.run(["cp", "-a", os.path.join(self.BUILD_ROOT, self.BUILD_SRC), tree], check=True)
            if runner != "native":
                self.chown_tree(tmp)
            guest_dir = "/tmp/" + os.path.basename(tmp) + "/zlib"
            argv = self.real_prefix(runner, self.BUILD_ROOT, extra) + list(self.GUEST_ENV) + [
                "sh", "-c", self.BUILD_SCRIPT.format(dir=guest_dir)]
            dt, _ = self.run(f"{key}/{runner}", argv)
            made = [f for f in ("libz.a", "libz.so", "minigzip", "example")
                    if not os.path.exists(os.path.join(tree, f))]
            if made:
                raise Failure(f"{key}/{runner}: the build made no {', '.join(made)}")
            self.record(key, runner, dt)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # 11: apt-get install of the cached .debs (less, file, openssl,
    # ca-certificates and their libraries: maintainer scripts, debconf,
    # alternatives, update-ca-certificates, ldconfig triggers) into a copy
    # of the minbase root on tmpfs (cp -a to /dev/shm), as fake root
    # (cocoon -0, proot -0: the peer PRoot 5.4 installs them too). The copy's package lists are removed, so the
    # files named are the only candidates and nothing is downloaded (with
    # the lists apt fetches the same versions from the archive instead, and
    # --no-download with files named fails: "Pathname to install is not
    # absolute", apt 2.6.1). Counts as failed unless dpkg then says every
    # package is installed (dpkg-query in the copy, as root, untimed).
    APT_SCRIPT = "apt-get install -y /debs/*.deb >/dev/null"

    def w_apt(self, runner):
        self.apt_row(runner, "apt")
        if runner == "cocoon" and not self.real_ready("apt"):
            self.apt_row(runner, "apt.agent", ["--agent"])

    def apt_row(self, runner, key, extra=()):
        if self.real_ready("apt") or not self.shm:
            return
        tmp = tempfile.mkdtemp(prefix="apt-", dir=self.shm)
        try:
            os.chmod(tmp, 0o755)
            root = os.path.join(tmp, "root")
            subprocess.run(["cp", "-a", self.APT_ROOT, root], check=True)
            subprocess.run(["find", os.path.join(root, "var/lib/apt/lists"), "-type", "f", "-delete"],
                           check=True)
            os.mkdir(os.path.join(root, "debs"))
            for p in self.APT_PACKAGES:
                for deb in glob.glob(os.path.join(self.DEBS, p + "_*.deb")):
                    shutil.copy(deb, os.path.join(root, "debs"))
            if runner != "native":
                self.chown_tree(root)
            argv = self.real_prefix(runner, root, ["-0", *extra]) + list(self.GUEST_ENV) + [
                "sh", "-c", self.APT_SCRIPT]
            dt, _ = self.run(f"{key}/{runner}", argv)
            q = subprocess.run(["chroot", root, "dpkg-query", "-W", "-f", "${Package} ${Status}\\n",
                                *self.APT_PACKAGES], capture_output=True, text=True)
            missing = [p for p in self.APT_PACKAGES if f"{p} install ok installed" not in q.stdout]
            if missing:
                raise Failure(f"{key}/{runner}: not installed afterwards: {' '.join(missing)}")
            self.record(key, runner, dt)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def w_gcc_view(self, runner):
        if runner in self.COCOONS:
            self.w_gcc(runner, "gcc.view", self.view_args())
        if runner == "cocoon":
            self.w_gcc(runner, "gcc.view.agent", ["--agent", *self.view_args()])

    # Issue 5's packaging workload, as an unprivileged user (nobody when the
    # bench runs as root): create 2,000 files in 40 directories, chown -R
    # 0:0, tar the tree. Natively the chowns fail (EPERM) at about the cost
    # of succeeding; under fakeroot, PRoot -0 and cocoon they are faked.
    PKG_SCRIPT = ("mkdir t && for d in $(seq 40); do mkdir t/d$d; for f in $(seq 50); do "
                  ": >t/d$d/f$f; done; done; chown -R 0:0 t 2>/dev/null; tar -cf t.tar t")

    def unprivileged(self):
        return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] \
            if os.getuid() == 0 else []

    def pkg(self, key, runner, wrapper, base=None):
        d = os.path.join(base or self.work, "pkg")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        os.chmod(self.work, 0o755)
        os.chmod(d, 0o777)
        argv = self.unprivileged() + wrapper + ["sh", "-c", self.PKG_SCRIPT]
        dt, _ = self.run(f"{key}/{runner}", argv, cwd=d)
        self.record(key, runner, dt)
        shutil.rmtree(d, ignore_errors=True)

    # Workload 7 under every runner, in `base` (the work directory by
    # default): native, proot -0, cocoon fakeroot, and beside native
    # fakeroot (KEY.fakeroot), beside cocoon cocoon on one CPU (KEY.pin).
    def pkg_runners(self, key, runner, base=None):
        wrapper = {"native": [], "proot": [self.proot or "proot", "-0"] if self.proot else None,
                   "cocoon": [self.cocoon, "fakeroot", "--"],
                   "before": [self.binary("before"), "fakeroot", "--"] if runner == "before" else None
                   }.get(runner)
        if wrapper is not None:
            self.pkg(key, runner, wrapper, base)
        if runner == "native" and shutil.which("fakeroot"):
            self.pkg(key + ".fakeroot", runner, ["fakeroot", "--"], base)
        if runner in self.COCOONS:
            self.pkg(key + ".pin", runner, list(self.PIN) + [self.binary(runner), "fakeroot", "--"], base)
        # The in-guest agent (docs/agent.md), beside cocoon without it.
        if runner == "cocoon":
            self.pkg(key + ".agent", runner, ["env", "COCOON_AGENT=1", self.cocoon, "fakeroot", "--"], base)

    def w_pkg(self, runner):
        self.pkg_runners("pkg", runner)

    # The same workload on tmpfs. On the build disk (ext4) creating the
    # 2,000 files dominates and swings from run to run (ext4 scans its inode
    # bitmaps for recently deleted inodes after each run's rm -rf,
    # find_inode_bit()/recently_deleted() in a profile), which hides the
    # tools' own cost; on tmpfs the tools' overhead is most of what varies.
    def w_pkg_shm(self, runner):
        if self.shm:
            self.pkg_runners("pkg.shm", runner, self.shm)

    # Two CPU-bound processes side by side: what cocoon's CPU placement must
    # not serialize (it puts only serial guests on one CPU).
    PAR_SCRIPT = ("p() { i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; }; "
                  "p & p; wait")

    def w_parallel(self, runner):
        if runner == "native" or runner in self.COCOONS:
            dt, _ = self.run(f"parallel/{runner}", self.prefix(runner) + ["sh", "-c", self.PAR_SCRIPT])
            self.record("parallel", runner, dt)

    def w_true(self, runner):
        script = "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done"
        dt, _ = self.run(f"true300/{runner}", self.prefix(runner) + ["sh", "-c", script])
        self.record("true300", runner, dt)

    # cocoon's own start (issue 19's fixed costs): 20 starts of the tool
    # around /bin/true from one shell, against 20 /bin/true natively.
    START_LOOP = 'i=0; while [ $i -lt 20 ]; do "$@"; i=$((i+1)); done'

    def w_start(self, runner):
        argv = ["sh", "-c", self.START_LOOP, "sh"] + self.prefix(runner) + ["/bin/true"]
        dt, _ = self.run(f"start20/{runner}", argv)
        self.record("start20", runner, dt)

    def getpid(self, key, runner, n, extra=()):
        label = f"{key}/{runner}"
        argv = self.prefix(runner, extra) + [os.path.join(self.helpers, "getpid_loop"), str(n)]
        dt, out = self.run(label, argv, capture=True)
        loop_ns = self.field(out, "loop_ns", label)
        self.record(key, runner, dt)
        self.record(key + ".percall", runner, loop_ns / n)

    def w_getpid(self, runner):
        if runner == "proot":
            # PRoot (Debian's build has no seccomp accelerator) stops twice at
            # every syscall: 10^6 calls would take minutes. Fewer, scaled.
            n = self.proot_getpid_n
        else:
            n = self.getpid_n
        self.getpid("getpid", runner, n)

    def w_getpid_hostname(self, runner):
        if runner in self.COCOONS:
            self.getpid("getpid.hostname", runner, self.getpid_n, ["--hostname", "x"])

    def w_getpid_noseccomp(self, runner):
        if runner in self.COCOONS:
            self.getpid("getpid.noseccomp", runner, self.noseccomp_getpid_n, ["--no-seccomp"])

    def w_rss(self, runner):
        for n, key in ((200, "rss200"), (0, "rss0")):
            label = f"{key}/{runner}"
            argv = self.prefix(runner) + [os.path.join(self.helpers, "fork200"), str(n)]
            dt, out = self.run(label, argv, capture=True)
            if key == "rss200":
                self.record("fork200.time", runner, dt)
            if runner == "native":
                continue
            if "tracer=none" in out:
                raise Failure(f"{label}: the guest sees no tracer (TracerPid 0)")
            self.record(key, runner, self.field(out, "vmhwm_kb", label))

    def w_floor(self, runner):
        if runner != "native":
            return
        exe = os.path.join(self.helpers, "floor")
        for key, argv in (("floor", [exe, str(self.floor_n)]),
                          ("floor.pinned", ["taskset", "-c", "0", exe, str(self.floor_n)])):
            if key == "floor.pinned" and not shutil.which("taskset"):
                continue
            dt, out = self.run(key, argv, capture=True)
            for f in ("native_ns", "native_getpid_ns", "filtered_ns", "stop_ns"):
                self.record(f"{key}.{f}", "native", self.field(out, f, key))
            for f in ("trap_ns", "traced_trap_ns"):  # x86-64 only
                if f"{f}=" in out:
                    self.record(f"{key}.{f}", "native", self.field(out, f, key))

    WORKLOADS = ("w_find", "w_gcc", "w_find_view", "w_gcc_view", "w_find_view_pin",
                 "w_gcc_view_pin", "w_find_rootfs", "w_find_rootfs_pin", "w_pkg", "w_pkg_shm", "w_parallel",
                 "w_true", "w_start", "w_getpid", "w_getpid_hostname",
                 "w_getpid_noseccomp", "w_rss", "w_floor", "w_foreign_find", "w_foreign_sh", "w_foreign_gcc",
                 "w_build", "w_apt")

    def selected(self):
        """WORKLOADS, or those BENCH_WORKLOADS names (without w_: build,apt)."""
        want = [w for w in os.environ.get("BENCH_WORKLOADS", "").split(",") if w]
        for w in want:
            if "w_" + w not in self.WORKLOADS:
                raise SystemExit(f"bench: unknown workload {w!r} in BENCH_WORKLOADS "
                                 f"(one of {', '.join(x[2:] for x in self.WORKLOADS)})")
        return [w for w in self.WORKLOADS if not want or w[2:] in want]

    def go(self):
        with open(os.path.join(self.work, "small.c"), "w") as f:
            f.write(SMALL_C)
        workloads = self.workloads = self.selected()
        # Warm-up: page cache (find, gcc, the build root), binaries, not recorded.
        for runner in self.runners:
            for w in ("w_find", "w_gcc", "w_build"):
                if w not in workloads or w == "w_build" and runner != "native":
                    continue
                try:
                    getattr(self, w)(runner)
                except Failure:
                    pass  # reported by the measured runs
        self.results.clear()
        t_start = time.monotonic()
        for r in range(self.runs):
            order = self.runners[r % len(self.runners):] + self.runners[:r % len(self.runners)]
            for w in workloads:
                for runner in order:
                    self.attempt(getattr(self, w), runner)
            print(f"  run {r + 1}/{self.runs} done ({time.monotonic() - t_start:.0f} s)",
                  file=sys.stderr, flush=True)
        self.report(time.monotonic() - t_start)
        return 1 if self.failures else 0

    # -- report ----------------------------------------------------------

    def med(self, key, runner):
        return median(self.results.get(key, {}).get(runner, []))

    def pkg_line(self, title, key):
        R = self.med
        n, f = R(key, "native"), R(key + ".fakeroot", "native")
        c, p, cp = R(key, "cocoon"), R(key, "proot"), R(key + ".pin", "cocoon")
        a = R(key + ".agent", "cocoon")
        print(f"{title}: "
              f"native {fmt_time(n)}, fakeroot {fmt_time(f)} ({fmt_ratio(ratio(f, n))}), "
              f"proot -0 {fmt_time(p)} ({fmt_ratio(ratio(p, n))}), "
              f"cocoon fakeroot {fmt_time(c)} ({fmt_ratio(ratio(c, n))}), "
              f"under taskset -c 0 {fmt_time(cp)} ({fmt_ratio(ratio(cp, n))}), "
              f"with the agent {fmt_time(a)} ({fmt_ratio(ratio(a, n))})")

    # Issue 5's target: at most fakeroot's ratio in the same run.
    def pkg_targets(self, name, key, of_fakeroot=1.0):
        """Cocoon's ratio against `of_fakeroot` times fakeroot's in the same run."""
        R = self.med
        n = R(key, "native")
        limit = ratio(R(key + ".fakeroot", "native"), n)
        if limit is None:
            return []
        limit *= of_fakeroot
        return [(name, ratio(R(key, "cocoon"), n), limit, fmt_ratio),
                ("  the same, taskset -c 0", ratio(R(key + ".pin", "cocoon"), n), limit, fmt_ratio),
                ("  the same, with the agent", ratio(R(key + ".agent", "cocoon"), n), limit, fmt_ratio)]

    def report(self, elapsed):
        R = self.med
        have = set(self.runners)
        if os.environ.get("BENCH_VERBOSE"):
            print("\nAll samples:")
            for key, per in self.results.items():
                for runner, xs in per.items():
                    print(f"  {key:<28} {runner:<7} " + " ".join(f"{x:.6g}" for x in xs))
        print()
        print(f"Medians of {self.runs} runs (runners interleaved run by run), "
              f"wall-clock time of the whole command:")
        hdr = f"{'workload':<34}{'native':>11}{'cocoon':>11}{'proot':>11}" \
              f"{'cocoon/nat':>12}{'proot/nat':>11}{'proot/cocoon':>14}"
        print(hdr)
        print("-" * len(hdr))
        rows = (("1 find /usr/include /usr/share/doc", "find"),
                ("2 4x gcc -c small.c", "gcc"),
                ("3 300x /bin/true from sh", "true300"),
                (f"4 {self.getpid_n}x getpid", "getpid"))
        for name, key in rows:
            n, c, p = R(key, "native"), R(key, "cocoon"), R(key, "proot")
            note = ""
            if key == "getpid" and p is not None and self.proot_getpid_n != self.getpid_n:
                # PRoot ran fewer calls: add the missing ones at its per-call cost.
                p += (self.getpid_n - self.proot_getpid_n) * R("getpid.percall", "proot") / 1e9
                note = f"  (proot: estimated from {self.proot_getpid_n} calls)"
            print(f"{name:<34}{fmt_time(n):>11}{fmt_time(c):>11}{fmt_time(p):>11}"
                  f"{fmt_ratio(ratio(c, n)):>12}{fmt_ratio(ratio(p, n)):>11}"
                  f"{fmt_ratio(ratio(p, c)):>14}{note}")
        if "cocoon" in have:
            print("1, 2 with path translation (cocoon run -r / -b WORK:/mnt/bench): "
                  f"find {fmt_time(R('find.view', 'cocoon'))} "
                  f"({fmt_ratio(ratio(R('find.view', 'cocoon'), R('find', 'native')))}, "
                  "target <= 2x), "
                  f"gcc {fmt_time(R('gcc.view', 'cocoon'))} "
                  f"({fmt_ratio(ratio(R('gcc.view', 'cocoon'), R('gcc', 'native')))}, "
                  "target <= 1.1x)")
            print("  the same, with the agent (--agent): "
                  f"find {fmt_time(R('find.view.agent', 'cocoon'))} "
                  f"({fmt_ratio(ratio(R('find.view.agent', 'cocoon'), R('find', 'native')))}), "
                  f"gcc {fmt_time(R('gcc.view.agent', 'cocoon'))} "
                  f"({fmt_ratio(ratio(R('gcc.view.agent', 'cocoon'), R('gcc', 'native')))})")
            print("  the same, cocoon under taskset -c 0 (one CPU): "
                  f"find {fmt_time(R('find.view.pin', 'cocoon'))} "
                  f"({fmt_ratio(ratio(R('find.view.pin', 'cocoon'), R('find', 'native')))}), "
                  f"gcc {fmt_time(R('gcc.view.pin', 'cocoon'))} "
                  f"({fmt_ratio(ratio(R('gcc.view.pin', 'cocoon'), R('gcc', 'native')))})")
            fr_n, fr_c = R("find.rootfs", "native"), R("find.rootfs", "cocoon")
            fr_p = R("find.rootfs.pin", "cocoon")
            if fr_c is not None:
                print(f"  with a Debian rootfs ({self.ROOTFS}), find /usr /etc -name '*.conf': "
                      f"chroot {fmt_time(fr_n)}, cocoon -r {fmt_time(fr_c)} "
                      f"({fmt_ratio(ratio(fr_c, fr_n))}), under taskset -c 0 {fmt_time(fr_p)} "
                      f"({fmt_ratio(ratio(fr_p, fr_n))}), with the agent "
                      f"{fmt_time(R('find.rootfs.agent', 'cocoon'))} "
                      f"({fmt_ratio(ratio(R('find.rootfs.agent', 'cocoon'), fr_n))})")
            elif not os.path.isdir(os.path.join(self.ROOTFS, "usr")):
                print("  (no Debian rootfs at " + self.ROOTFS + ": run the e2e rootfs test to make one)")
        self.pkg_line("7 packaging as nobody (2,000 files in 40 dirs, chown -R 0:0, tar -cf)", "pkg")
        if self.shm:
            self.pkg_line("7b the same on tmpfs (/dev/shm)", "pkg.shm")
        sn, sc, sp = R("start20", "native"), R("start20", "cocoon"), R("start20", "proot")
        per = (sc - sn) / 20 if sn is not None and sc is not None else None
        print(f"12 20 starts around /bin/true: native {fmt_time(sn)}, cocoon run {fmt_time(sc)} "
              f"({'-' if per is None else f'{per * 1e3:.2f} ms'} a start over native), proot {fmt_time(sp)}")
        qn, qc = R("parallel", "native"), R("parallel", "cocoon")
        print(f"8 two CPU-bound shells side by side: native {fmt_time(qn)}, cocoon {fmt_time(qc)} "
              f"({fmt_ratio(ratio(qc, qn))}; serialized would be about 2x)")
        self.foreign_lines()
        self.real_lines()
        print()
        print("4 getpid, time per call inside the guest's loop (no process start-up):")
        n, c, p = (R("getpid.percall", x) for x in ("native", "cocoon", "proot"))
        print(f"  native {fmt_us(n)}   cocoon {fmt_us(c)} ({fmt_ratio(ratio(c, n))})"
              f"   proot {fmt_us(p)} ({fmt_ratio(ratio(p, n))})")
        if "cocoon" in have:
            h = R("getpid.hostname.percall", "cocoon")
            hw = R("getpid.hostname", "cocoon")
            ns = R("getpid.noseccomp.percall", "cocoon")
            print(f"  cocoon --hostname x (uname traced, getpid not): {fmt_us(h)} per call "
                  f"({fmt_ratio(ratio(h, n))}), whole command {fmt_time(hw)} "
                  f"({fmt_ratio(ratio(hw, R('getpid', 'native')))})")
            print(f"  cocoon --no-seccomp ({self.noseccomp_getpid_n} calls, 2 stops each): "
                  f"{fmt_us(ns)} per call ({fmt_ratio(ratio(ns, n))})")
        print()
        print("5 tracer peak RSS (VmHWM of the TracerPid, read by the guest while its "
              "children are alive):")
        for runner in ("cocoon", "proot"):
            if runner not in have:
                continue
            h200, h0 = R("rss200", runner), R("rss0", runner)
            per = (h200 - h0) / 200 if h200 is not None and h0 is not None else None
            print(f"  {runner:<7} 200 live: {fmt_mib(h200):>9}   1 live: {fmt_mib(h0):>9}   "
                  f"per extra process: {'-' if per is None else f'{per:.1f} KiB'}   "
                  f"(fork200 wall {fmt_time(R('fork200.time', runner))}, "
                  f"native {fmt_time(R('fork200.time', 'native'))})")
        print()
        print(f"6 the floor: a minimal tracer (waitpid + PTRACE_CONT), "
              f"{self.floor_n} calls, per call:")
        for key, what in (("floor", "unpinned"), ("floor.pinned", "both on CPU 0")):
            nat, gp, fil, stop = (R(f"{key}.{f}", "native") for f in
                                  ("native_ns", "native_getpid_ns", "filtered_ns", "stop_ns"))
            if nat is None:
                continue
            print(f"  {what:<14} getpid native {fmt_us(gp)}, through the filter {fmt_us(fil)} "
                  f"({fmt_ratio(ratio(fil, gp))});  getppid native {fmt_us(nat)}, "
                  f"with a seccomp stop {fmt_us(stop)} ({ratio(stop, nat) or 0:.0f}x)")
            trap, traced = R(f"{key}.trap_ns", "native"), R(f"{key}.traced_trap_ns", "native")
            if trap is not None:
                print(f"  {'':<14} an in-guest agent's floor (RET_TRAP, SIGSYS handler, the call "
                      f"from its own code): {fmt_us(trap)} untraced, {fmt_us(traced)} ptraced "
                      f"(every signal is also a ptrace stop)")
        print()
        print("Targets ((3)-(5): no path rewriting configured):")
        targets = []
        if "cocoon" in have:
            g = ratio(R("getpid", "cocoon"), R("getpid", "native"))
            t = ratio(R("true300", "cocoon"), R("true300", "native"))
            m = R("rss200", "cocoon")
            targets = [("(4) 10^6 getpid, cocoon/native", g, 1.02, fmt_ratio),
                       ("(3) 300x /bin/true, cocoon/native", t, 1.3, fmt_ratio),
                       ("(5) cocoon peak RSS, 200 live guests", m / 1024 if m else None, 16,
                        lambda v: f"{v:.2f} MiB")]
            fn, gn = R("find", "native"), R("gcc", "native")
            targets += [
                ("find with -r / -b, cocoon/native", ratio(R("find.view", "cocoon"), fn), 2,
                 fmt_ratio),
                ("gcc with -r / -b, cocoon/native", ratio(R("gcc.view", "cocoon"), gn), 1.1,
                 fmt_ratio),
                ("  the same, with the agent: find", ratio(R("find.view.agent", "cocoon"), fn), 2,
                 fmt_ratio),
                ("  the same, with the agent: gcc", ratio(R("gcc.view.agent", "cocoon"), gn), 1.1,
                 fmt_ratio),
                ("  the same, taskset -c 0: find", ratio(R("find.view.pin", "cocoon"), fn), 2,
                 fmt_ratio),
                ("  the same, taskset -c 0: gcc", ratio(R("gcc.view.pin", "cocoon"), gn), 1.1,
                 fmt_ratio)]
            # Issue 19: at most fakeroot's on disk; at most 0.8 of fakeroot's
            # ratio on tmpfs (where the tools' own cost is what varies).
            targets += self.pkg_targets("packaging, cocoon/native", "pkg")
            targets += self.pkg_targets("packaging on tmpfs, cocoon/native", "pkg.shm", 0.8)
            targets += [("(10) make -j2 of zlib, cocoon -r/chroot",
                         ratio(R("build", "cocoon"), R("build", "native")), 1.2, fmt_ratio),
                        ("  the same, with the agent",
                         ratio(R("build.agent", "cocoon"), R("build", "native")), 1.2, fmt_ratio),
                        ("(11) apt-get install, cocoon -0 -r/chroot",
                         ratio(R("apt", "cocoon"), R("apt", "native")), 1.5, fmt_ratio),
                        ("  the same, with the agent",
                         ratio(R("apt.agent", "cocoon"), R("apt", "native")), 1.5, fmt_ratio)]
        if os.environ.get("BENCH_WORKLOADS"):
            # Only some workloads ran: the others' targets are not missing, just not asked for.
            # Rows 10 and 11 say NOT MEASURED when asked for and not measured.
            targets = [t for t in targets if t[1] is not None or
                       t[0].startswith("(10)") and "w_build" in self.workloads or
                       t[0].startswith("(11)") and "w_apt" in self.workloads]
        for name, val, limit, f in targets:
            verdict = "NOT MEASURED" if val is None else ("MEETS" if val <= limit else "MISSES")
            shown = "-" if val is None else f(val)
            print(f"  {name:<40} {shown:>10}  target <= {f(limit):<9} {verdict}")
        if not targets:
            print("  (cocoon not measured)")
        self.before_after()
        if self.failures:
            print(f"\n{len(self.failures)} workload run(s) FAILED:")
            for f in self.failures:
                print(f"  {f}")
        print(f"\n(bench took {elapsed:.0f} s)")

    def foreign_lines(self):
        R = self.med
        if not self.foreign_ready():
            print(f"9 foreign root: not measured (needs qemu-aarch64-static and an arm64 root at "
                  f"{self.FOREIGN_ROOT}: bash tests/bench/foreign_root.sh)")
            return
        n, c, p = R("foreign.find", "native"), R("foreign.find", "cocoon"), R("foreign.find", "proot")
        print(f"9 arm64 root through qemu-aarch64-static, find /usr /etc: qemu -L by hand {fmt_time(n)}, "
              f"cocoon -q -r {fmt_time(c)} ({fmt_ratio(ratio(c, n))}), "
              f"proot -q -r {fmt_time(p)} ({fmt_ratio(ratio(p, n))}; proot/cocoon {fmt_ratio(ratio(p, c))})")
        c, p = R("foreign.sh", "cocoon"), R("foreign.sh", "proot")
        print(f"9b the same root, sh: 20 x ls | sort | head | tr (80 foreign execs): "
              f"cocoon -q -r {fmt_time(c)}, proot -q -r {fmt_time(p)} "
              f"(proot/cocoon {fmt_ratio(ratio(p, c))})")
        c, p = R("foreign.gcc", "cocoon"), R("foreign.gcc", "proot")
        print(f"9c the same root's gcc: 4 x gcc -O2 -c small.c: cocoon -q -r {fmt_time(c)}, "
              f"proot -q -r {fmt_time(p)} (proot/cocoon {fmt_ratio(ratio(p, c))})")

    def real_lines(self):
        R = self.med
        for key, title in (("build", f"10 ./configure && make -j2 of zlib in {self.BUILD_ROOT}"),
                           ("apt", f"11 apt-get install -y of {len(self.APT_PACKAGES)} "
                                   f".debs ({' '.join(self.APT_PACKAGES)}) in a copy of {self.APT_ROOT}")):
            if "w_" + key not in self.workloads:
                continue
            why = self.real_ready(key)
            if why:
                print(f"{title}: not measured ({why}; the roots: bash tests/bench/build_root.sh as root)")
                continue
            n, c, p = R(key, "native"), R(key, "cocoon"), R(key, "proot")
            a = R(key + ".agent", "cocoon")
            fake = " -0" if key == "apt" else ""
            print(f"{title}: chroot as root {fmt_time(n)}, cocoon{fake} -r as nobody {fmt_time(c)} "
                  f"({fmt_ratio(ratio(c, n))}), with the agent {fmt_time(a)} ({fmt_ratio(ratio(a, n))}), "
                  f"proot{fake} -r {fmt_time(p)} ({fmt_ratio(ratio(p, n))}; "
                  f"proot/cocoon {fmt_ratio(ratio(p, c))})")

    # A change's cost: every measurement both cocoon builds made in this run
    # (runner "before": BENCH_BEFORE), medians side by side.
    def before_after(self):
        if "before" not in self.runners:
            return
        print(f"\nBefore/after in this run: before = {self.before}, after = {self.cocoon}")
        hdr = f"{'measurement':<30}{'before':>12}{'after':>12}{'after/before':>14}"
        print(hdr)
        print("-" * len(hdr))
        for key in sorted(self.results):
            b, a = self.med(key, "before"), self.med(key, "cocoon")
            if b is None or a is None:
                continue
            fmt = fmt_time if not key.endswith((".percall", "rss0", "rss200")) else (lambda v: f"{v:.4g}")
            print(f"{key:<30}{fmt(b):>12}{fmt(a):>12}{fmt_ratio(ratio(a, b)):>14}")
        print("(.percall: ns per call; rss: KiB of the tracer's peak resident memory)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--helpers", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    bench = Bench(args)
    try:
        status = bench.go()
    finally:
        if bench.shm:
            shutil.rmtree(bench.shm, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
