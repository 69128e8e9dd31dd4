# `cocoon proot` as a drop-in for PRoot (issue 18): the same command line
# run by the real PRoot and by cocoon's front end, as nobody, must give the
# same output, status, guest stderr and files. The real PRoot is upstream
# 5.4 (COCOON_PEER_PROOT, found by tests/e2e/CMakeLists.txt): Debian's 5.1
# cannot load a dynamic program once it binds anything on this kernel. In
# the noseccomp mode both run with PROOT_NO_SECCOMP, PRoot's own switch.
source "$(dirname "$0")/lib.sh" "$@"
PEER=${COCOON_PEER_PROOT:-}
if [[ ! -x $PEER ]]; then
  echo "SKIP: no upstream PRoot to compare with (COCOON_PEER_PROOT='$PEER'; see docs/dependencies.md)" >&2
  exit 77  # ctest reports it skipped, not passed
fi
[[ $MODE == noseccomp ]] && export PROOT_NO_SECCOMP=1
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
ROOT=$TMP/root D=$TMP/d E=$TMP/e
busybox_root "$ROOT" sh ls cat pwd id env true chroot readlink stat
mkdir -p "$ROOT/proc" "$D/sub" "$E"
echo "d-$MARK" >"$D/f"
echo "e-$MARK" >"$E/f"
chmod -R a+rwX "$TMP"

proot_run() { run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" proot "$@"; }
# PRoot under a reaper of its own: an orphan it traced to its end is left a
# zombie of the nearest subreaper (PRoot is not one), which is PRoot's way,
# not a leak of the test's.
peer_run() {
  run_limited "$LIMIT" "$GUESTS/reaper" -r "$TMP/peer-leftovers" -- ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$PEER" "$@"
}
# The guest's own stderr: without the lines the tools write themselves
# ("proot warning: ...", "proot info: ...", "cocoon[vfs] warning: ...").
guest_err() { grep -v -E '^(proot (warning|info|error)|cocoon(\[[a-z]+\])?( [a-z]+)?):' <<<"$ERR"; }

# What differs from run to run: process ids in /proc paths.
# The foreign test program's own "pid=N" too (a pid is the run's own).
masked() { sed -E 's#/proc/[0-9]+(/|$)#/proc/PID\1#g; s#^([^ ]+) pid=[0-9]+ node=#\1 pid=PID node=#' <<<"$1"; }

# same_as_proot WHAT ARGS...: PRoot and cocoon proot with ARGS; fails unless
# stdout, status and the guest's stderr agree (pids masked: in /proc paths
# and the foreign program's pid= line);
# a silent success compares nothing, so PRoot must print or fail.
# Leaves cocoon's in OUT, ERR, STATUS and PRoot's in PEER_OUT, PEER_ERR,
# PEER_STATUS.
same_as_proot() {
  local what=$1
  shift
  peer_run "$@"
  PEER_OUT=$OUT PEER_ERR=$ERR PEER_STATUS=$STATUS
  local peer_out peer_err
  peer_out=$(masked "$OUT")
  peer_err=$(masked "$(guest_err)")
  proot_run "$@"
  [[ -n $peer_out$peer_err || $PEER_STATUS != 0 ]] || fail "$what: PRoot printed nothing and succeeded (test bug?)"
  [[ $STATUS == "$PEER_STATUS" ]] || fail "$what: status $STATUS under cocoon proot, $PEER_STATUS under PRoot"
  [[ $(masked "$OUT") == "$peer_out" ]] || fail "$what: stdout differs from PRoot's:
--- PRoot
$peer_out
--- cocoon proot
$(masked "$OUT")"
  [[ $(masked "$(guest_err)") == "$peer_err" ]] || fail "$what: the guest's stderr differs from PRoot's:
--- PRoot
$peer_err
--- cocoon proot
$(masked "$(guest_err)")"
  pass "$what: as PRoot (status $STATUS)"
}

cd "$TMP" || fail "cd $TMP"
# The same bind twice, and two sources for one guest path: the last wins.
same_as_proot "-b F:/x twice" -b "$D/f:/x" -b "$D/f:/x" cat /x
same_as_proot "-b D:/x -b E:/x: the last" -b "$D:/x" -b "$E:/x" cat /x/f
assert_eq "e-$MARK" "$OUT" "-b D:/x -b E:/x shows E"

# A bind whose source is missing: PRoot warns and runs without it (cocoon
# refused the command line, 125); an earlier bind of that guest path stays.
same_as_proot "-b of a missing source" -b "$D/f:/y" -b "$TMP/nonexistent.$MARK:/x" -b "$TMP/nonexistent.$MARK:/y" \
  sh -c 'cat /y; ls -d /x'
assert_match "can't sanitize binding \"$TMP/nonexistent\.$MARK\": No such file or directory" "$ERR" \
  "-b of a missing source: PRoot's warning"
# A relative -w names a directory under the current one; PWD follows.
same_as_proot "-w d (relative)" -w d sh -c 'pwd; echo "$PWD"'
assert_eq "$D"$'\n'"$D" "$OUT" "-w d starts in \$TMP/d"
cd "$D" || fail "cd $D"
same_as_proot "-w . (relative)" -w . sh -c 'pwd; echo "$PWD"'
cd "$TMP" || fail "cd $TMP"

# PWD names the new directory in the guest's terms, also when it is the
# same host directory as the old one (a shell keeps an inherited PWD that
# names its current directory).
cd "$D" || fail "cd $D"
same_as_proot "-b \$PWD:/foo -w /foo: PWD" -b "$D:/foo" -w /foo sh -c 'echo "$PWD"; pwd'
assert_eq $'/foo\n/foo' "$OUT" "-b \$PWD:/foo -w /foo: PWD is /foo"
cd "$TMP" || fail "cd $TMP"

# -w to a missing directory: a warning, and the command starts in /.
same_as_proot "-w /missing" -w "/missing.$MARK" sh -c 'pwd; echo "$PWD"'
assert_eq $'/\n/' "$OUT" "-w /missing starts in /"
assert_match "missing\.$MARK" "$ERR" "-w /missing: the warning names the directory"
# Without -w, a current directory the root lacks: the same.
same_as_proot "-r ROOT from a directory it lacks" -r "$ROOT" sh -c 'pwd; echo "$PWD"'

# /proc's magic links inside -r ROOT, with /proc bound as -R binds it: a
# trailing slash asks for the directory the link stands for.
same_as_proot "-r ROOT -b /proc: /proc/self/cwd/, /proc/PID/fd/N/" -r "$ROOT" -b /proc -b /dev -w / \
  sh -c 'exec 3</bin; ls -d /proc/self/cwd/ /proc/$$/fd/3/; stat -c %F /proc/self/cwd/ /proc/$$/fd/3/
         cd /proc/$$/fd/3/ && pwd; cat /proc/$$/fd/3/busybox >/dev/null && echo read
         ls -d /proc/self/fd/0/ /proc/self/exe/'
assert_match $'^/proc/[0-9]+/fd/3/\n/proc/self/cwd/\ndirectory\ndirectory\n/proc/[0-9]+/fd/3\nread$' "$OUT" "the links' directories are seen"
# PRoot finds no /proc/PID/root/ (it says ENOENT); it is the root, as natively.
proot_run -r "$ROOT" -b /proc -w / sh -c 'stat -c %F /proc/$$/root/; ls /proc/self/root/bin/busybox'
assert_eq $'directory\n/proc/self/root/bin/busybox' "$OUT" "/proc/PID/root/ is the guest's root (PRoot: ENOENT)"

# execve's errors in a root holding one static program (issue 18: a file
# that cannot be executed must fail as the kernel says, never run): no
# format (ENOEXEC), no execute bit (EACCES, also for a script whose
# interpreter exists or is missing, and for a dynamic program: the tracer
# reads past both), a directory (EACCES), a missing interpreter (ENOENT).
X=$TMP/xroot
mkdir -p "$X/bin" "$X/dir"
cp "$GUESTS/execerr" "$X/bin/execerr"
head -c 100 /dev/urandom >"$X/junk"
: >"$X/empty"
printf '#!/bin/execerr\n' >"$X/script"
printf '#!/missing.%s\n' "$MARK" >"$X/nointerp"
printf '#!\n' >"$X/blank"
echo data >"$X/plain"
cp "$GUESTS/execerr" "$X/static"
# A dynamic program with its ld.so (which cocoon runs in its place) but no
# libc.
prog=$(type -P true)
cp "$prog" "$X/dynamic"
interp=$(ldd "$prog" | awk '$1 ~ /^\// {print $1}')
[[ -n $interp ]] || fail "no ELF interpreter in 'ldd $prog'"
mkdir -p "$X/$(dirname "$interp")"
cp "$(readlink -f "$interp")" "$X/$interp"
chmod 755 "$X/junk" "$X/empty" "$X/blank"
for f in script nointerp plain static; do
  cp "$X/$f" "$X/x-$f" && chmod 755 "$X/x-$f"
  chmod 644 "$X/$f"
done
chmod 644 "$X/dynamic"
chmod -R a+rX "$X"
EXECS=(/junk /empty /blank /script /nointerp /plain /static /dynamic /dir /missing /x-nointerp /x-plain)
LIMIT=15 same_as_proot "execve's errors in a one-program root" -r "$X" -w / /bin/execerr "${EXECS[@]}"
assert_eq "/junk: ENOEXEC
/empty: ENOEXEC
/blank: ENOEXEC
/script: EACCES
/nointerp: EACCES
/plain: EACCES
/static: EACCES
/dynamic: EACCES
/dir: EACCES
/missing: ENOENT
/x-nointerp: ENOENT
/x-plain: ENOEXEC" "$OUT" "each as the kernel says"
# Without the ld.so: the program's own permission is checked first.
Y=$TMP/yroot
mkdir -p "$Y/bin"
cp "$GUESTS/execerr" "$Y/bin/execerr"
cp "$prog" "$Y/dynamic"
cp "$prog" "$Y/x-dynamic"
chmod 644 "$Y/dynamic"
chmod -R a+rX "$Y"
same_as_proot "a dynamic program without its ld.so" -r "$Y" -w / /bin/execerr /dynamic /x-dynamic
assert_eq $'/dynamic: EACCES\n/x-dynamic: ENOENT' "$OUT" "EACCES before the missing ld.so's ENOENT"

# The auxiliary vector (getauxval(3)) carries the emulated ids: ld.so and
# libc read AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE from it.
AUXV='LD_SHOW_AUXV=1 /bin/true | grep -E "^AT_(UID|EUID|GID|EGID|SECURE):" | tr -s " "'
same_as_proot "-i 123:456: the auxiliary vector's ids" -i 123:456 sh -c "$AUXV"
assert_eq $'AT_UID: 123\nAT_EUID: 123\nAT_GID: 456\nAT_EGID: 456\nAT_SECURE: 0' "$OUT" "-i 123:456: AT_UID 123, AT_GID 456"
same_as_proot "-0: the auxiliary vector's ids" -0 sh -c "$AUXV"
assert_match $'^AT_UID: 0\nAT_EUID: 0\nAT_GID: 0\nAT_EGID: 0\nAT_SECURE: 0$' "$OUT" "-0: AT_UID 0"
# An exec with the effective ids not the real ones is a secure one
# (commoncap.c's secureexec; natively as root: "0 5 0 7 1"). PRoot leaves
# AT_SECURE 0 there; cocoon says what the kernel would.
SETID="import os, sys; os.setegid(7); os.seteuid(5); os.execvp('python3', ['python3', '-c', sys.argv[1]])"
GETAUXV='import ctypes; g = ctypes.CDLL(None).getauxval; g.restype = ctypes.c_ulong; print(*[g(t) for t in (11, 12, 13, 14, 23)])'
proot_run -0 python3 -c "$SETID" "$GETAUXV"
assert_eq "0 5 0 7 1" "$OUT" "-0, seteuid(5), setegid(7), exec: AT_EUID 5, AT_EGID 7, AT_SECURE 1"

# chroot(2) by the fake root to the root it already has: 0, as PRoot's -0
# (`chroot / cmd`, `chroot "$ROOT"` with ROOT=/ in maintainer scripts).
# Into another directory PRoot says EPERM, and so does cocoon without
# --namespaces (cocoon run -0 --namespaces emulates it: e2e namespaces).
same_as_proot "-0 -r / -w /: chroot / /bin/true" -0 -r / -w / sh -c 'chroot / /bin/true; echo "status $?"'
assert_eq "status 0" "$OUT" "-0 -r / -w /: chroot / /bin/true succeeds"
same_as_proot "-0: chroot / (the host's own view)" -0 sh -c 'chroot / /bin/true && echo chrooted'
same_as_proot "-0 -r ROOT: chroot /, chroot ." -0 -r "$ROOT" -w / sh -c 'chroot / /bin/true && cd / && chroot . /bin/true && echo chrooted'
same_as_proot "-0 -r ROOT: chroot /bin is EPERM" -0 -r "$ROOT" -w / chroot /bin /busybox true
assert_status 1 "chroot /bin fails (EPERM)"
same_as_proot "no -0: chroot / is EPERM" -r "$ROOT" -w / chroot / /bin/true
assert_status 1 "chroot / without -0 fails (EPERM)"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" run "${MODE_FLAGS[@]}" -0 -- \
  sh -c 'busybox chroot / /bin/true && cd / && busybox chroot . /bin/true && echo chrooted'
assert_eq "chrooted" "$OUT" "cocoon run -0: chroot /, chroot . (busybox: always calls chroot(2))"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" fakeroot -- sh -c 'chroot / /bin/true && echo chrooted'
assert_eq "chrooted" "$OUT" "cocoon fakeroot: chroot /"

# A command that leaves a child it never waited for: PRoot traces it to
# its end and exits with the status of the last process that exited. A
# process a signal killed does not count (cocoon: unless none exited, then
# the command's 128+N, where PRoot says 255).
same_as_proot "the child outlives the command: its status" sh -c '(sleep 0.3; exit 3) & exit 5'
assert_status 3 "the last process's status, not the command's 5"
# 2 s apart: a loaded machine once let the 0.3 s sleeper end last.
same_as_proot "two children: the last to end" sh -c '(sleep 2.3; exit 3) & (sleep 0.3; exit 4) & exit 5'
assert_status 3 "the child that ended last"
same_as_proot "the command killed, its child exits" sh -c '(sleep 0.3; exit 3) & kill -9 $$'
assert_status 3 "a killed process does not count"
same_as_proot "the command alone" sh -c 'exit 7'
assert_status 7 "the command's own status when it is the last"
proot_run sh -c 'kill -9 $$'
assert_status 137 "killed, none exited: 128+9 (PRoot: 255)"
# cocoon's own command lines (run, trace, fakeroot, bwrap) keep the
# command's status, as fakeroot and bwrap do; they too wait for the child.
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" run "${MODE_FLAGS[@]}" -- \
  sh -c '(sleep 0.3; echo child done) & exit 5'
assert_status 5 "cocoon run: the command's own status"
assert_eq "child done" "$OUT" "cocoon run waits for the child too"

# Absolute symlinks in a bind's source naming host paths: under the same
# bind's source PRoot shows and follows them in guest terms (its
# detranslation of a link's target: the referrer's binding only); under
# another bind's source, or elsewhere, they stay host paths (dangling under
# -r ROOT), as the kernel's bind mounts show them. cocoon proot does the
# same; cocoon run and bwrap keep the kernel's.
SA=$TMP/srcA SB=$TMP/srcB
mkdir -p "$SA/sub" "$SB"
echo "b-$MARK" >"$SB/file"
echo "sub-$MARK" >"$SA/sub/f"
ln -s "$SB/file" "$SA/other"
ln -s "$SA/sub" "$SA/same"
ln -s "$SA/sub/f" "$SA/samefile"
ln -s "$SA" "$SA/top"
ln -s /etc/hostname "$SA/outside"
chmod -R a+rwX "$SA" "$SB"
same_as_proot "-r ROOT: absolute links in a bind's source" -r "$ROOT" -b "$SA:/a" -b "$SB:/b" -w / \
  sh -c 'for l in other same samefile top outside; do echo "$l -> $(readlink /a/$l)"; done
         ls /a/same/; cat /a/samefile /a/top/sub/f; readlink -f /a/same; cat /a/other'
assert_eq "other -> $SB/file
same -> /a/sub
samefile -> /a/sub/f
top -> /a
outside -> /etc/hostname
f
sub-$MARK
sub-$MARK
/a/sub" "$OUT" "links under the same bind's source in guest terms, others as stored"
# cocoon run keeps the bodies as stored, as the kernel's bind mounts do.
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" run "${MODE_FLAGS[@]}" -r "$ROOT" -b "$SA:/a" -- readlink /a/same
assert_eq "$SA/sub" "$OUT" "cocoon run: a bind's link as stored"
# With the host's "/" as the root every host path is the guest's: PRoot
# changes no link then.
same_as_proot "no -r: absolute links in a bind's source" -b "$SA:/a" -b "$SB:/b" -w / \
  sh -c 'for l in other same top; do echo "$l -> $(readlink /a/$l)"; done; ls /a/same/'
assert_eq "other -> $SB/file
same -> $SA/sub
top -> $SA
f" "$OUT" "no -r: links as stored"
# A link in the root naming a host path under the root's directory.
ln -s "$ROOT/bin" "$ROOT/hostbin"
same_as_proot "-r ROOT: a link naming the root's own host path" -r "$ROOT" -w / \
  sh -c 'readlink /hostbin; ls /hostbin/busybox; cd /bin && readlink ../hostbin'
assert_eq $'/bin\n/hostbin/busybox\n/bin' "$OUT" "the root's prefix taken off"
rm "$ROOT/hostbin"

# -q 'QEMU OPTIONS' (docs/internals/foreign.md): an aarch64 root of the
# e2e foreign guests under qemu-user; static, dynamic (the root's ld.so),
# a foreign child, -0, and a riscv64 child the one aarch64 emulator
# refuses, as under PRoot.
if command -v qemu-aarch64-static >/dev/null && [[ -x $GUESTS/foreign-aarch64-static ]]; then
  Q=$TMP/qroot
  busybox_root "$Q" sh uname grep
  cp "$GUESTS/foreign-aarch64-static" "$Q/bin/foreign"
  cp "$GUESTS/foreign-aarch64-dyn" "$Q/bin/dyn"
  cp "$GUESTS/foreign-riscv64-static" "$Q/bin/other" 2>/dev/null || cp "$GUESTS/foreign-aarch64-static" "$Q/bin/other"
  mkdir -p "$Q/lib"
  cp /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 /usr/aarch64-linux-gnu/lib/libc.so.6 "$Q/lib/"
  chmod -R a+rX "$Q"
  same_as_proot "-q: a foreign program and its foreign child" \
    -q "qemu-aarch64-static -E COCOON_FOREIGN_ROUTED=yes" -r "$Q" -w / /bin/foreign exec /bin/foreign kid
  assert_match "kid routed=yes" "$OUT" "-q: qemu's own options reach the foreign child"
  same_as_proot "-q: a dynamic foreign program" -q qemu-aarch64-static -r "$Q" -w / /bin/dyn
  same_as_proot "-q -0: a relative name, a host shell beside it" -0 -q qemu-aarch64-static -r "$Q" -w / \
    sh -c './bin/foreign | grep -E "uid|exe"; uname -m'
  same_as_proot "-q: a program of another arch than the emulator's" -q qemu-aarch64-static -r "$Q" -w / \
    /bin/foreign exec /bin/other
  # Without -q a foreign program is the kernel's (ENOEXEC, which busybox sh
  # reports as "not found", 127, as under chroot natively): cocoon run's
  # choice of qemu from the ELF header is not the front end's. PRoot
  # differs: its loader maps the program and jumps into it (SIGILL, 132).
  # Only where no binfmt_misc handler runs it.
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    peer_run -r "$Q" -w / sh -c '/bin/foreign; echo "status $?"'
    peer=$OUT
    proot_run -r "$Q" -w / sh -c '/bin/foreign; echo "status $?"'
    assert_eq "status 127" "$OUT" "no -q: a foreign program is the kernel's (ENOEXEC: PRoot's says '$peer')"
  fi
else
  echo "(no qemu-aarch64-static or foreign guests: -q not compared)"
fi

finish
