# `cocoon bwrap` as a drop-in for bubblewrap (issue 18): the same command
# line run by the real bwrap (Debian's 0.8.0, which this host lets make user
# namespaces, also as nobody) and by cocoon installed as `bwrap`, as nobody,
# must give the same output, status, stderr and files left on disk.
source "$(dirname "$0")/lib.sh" "$@"
PEER=$(command -v bwrap || true)
if [[ -z $PEER ]] || ! "${AS_NOBODY[@]}" "$PEER" --ro-bind / / true 2>/dev/null; then
  echo "SKIP: no bwrap that runs here to compare with ('$PEER')" >&2
  exit 77
fi
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
mkdir -p "$TMP/bin" "$TMP/a/sub" "$TMP/b"
ln -s "$COCOON" "$TMP/bin/bwrap"
echo "a-$MARK" >"$TMP/a/fa"
echo "b-$MARK" >"$TMP/b/fb"
printf 'data-%s\n' "$MARK" >"$TMP/data"
chmod -R a+rwX "$TMP"
A=$TMP/a B=$TMP/b

# Both run as `bwrap` found on PATH (so argv[0] is the same), with
# descriptors 3 and 4 open on $TMP/data for --file and the like, 5 and 6
# on $TMP/data.5 and .6 when those exist (seccomp programs), 7 and 8
# written to $TMP/data.7 and .8 (--info-fd, --json-status-fd), 9 open on
# the FIFO $TMP/data.9 (--block-fd) when it exists. A descriptor that is
# not open is 99, closed here for everything below: bwrap's own descriptors
# (/proc, an eventfd, the pipe of --json-status-fd) take the lowest free
# numbers, so a low one like 12 can be bwrap's own pipe, which its report
# then writes to (status 0, the command run: seen in CI when one more
# descriptor was open).
exec 99>&-
with_fds() {
  local bin=$1
  shift
  run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} env PATH="$bin:/usr/bin:/bin" sh -c \
    'exec 3<"$0" 4<"$0" 7>"$0.7" 8>"$0.8"; [ -e "$0.5" ] && exec 5<"$0.5"; [ -e "$0.6" ] && exec 6<"$0.6"
    [ -p "$0.9" ] && exec 9<>"$0.9"; exec bwrap "$@"' \
    "$TMP/data" "$@"
}

# same_as_bwrap WHAT ARGS...: the real bwrap and cocoon's with ARGS; fails
# unless stdout, status and stderr agree. Leaves cocoon's in OUT, ERR,
# STATUS and bwrap's in PEER_OUT, PEER_ERR, PEER_STATUS.
same_as_bwrap() {
  local what=$1
  shift
  with_fds "$(dirname "$PEER")" "$@"
  PEER_OUT=$OUT PEER_ERR=$ERR PEER_STATUS=$STATUS
  with_fds "$TMP/bin" "$@"
  [[ -n $PEER_OUT$PEER_ERR || $PEER_STATUS != 0 ]] || fail "$what: bwrap printed nothing and succeeded (test bug?)"
  [[ $STATUS == "$PEER_STATUS" ]] || fail "$what: status $STATUS under cocoon bwrap, $PEER_STATUS under bwrap (stderr '$ERR')"
  [[ $OUT == "$PEER_OUT" ]] || fail "$what: stdout differs from bwrap's:
--- bwrap
$PEER_OUT
--- cocoon bwrap
$OUT"
  [[ $ERR == "$PEER_ERR" ]] || fail "$what: stderr differs from bwrap's:
--- bwrap
$PEER_ERR
--- cocoon bwrap
$ERR"
  pass "$what: as bwrap (status $STATUS)"
}

# 4. Stacked seccomp programs, installed with prctl(PR_SET_SECCOMP) as
# bwrap's: the first refuses seccomp(2) (ENOSYS) and allows the rest, so
# the second can only be loaded with the prctl; the second refuses
# uname(2) with EPERM.
python3 - "$TMP/data" <<'PY'
import platform, struct, sys
arch, nr_uname, nr_seccomp = {"x86_64": (0xc000003e, 63, 317), "aarch64": (0xc00000b7, 160, 277),
                              "riscv64": (0xc00000f3, 160, 277)}[platform.machine()]
def stmt(code, k): return struct.pack("HBBI", code, 0, 0, k)
def jump(code, k, jt, jf): return struct.pack("HBBI", code, jt, jf, k)
def deny(nr, errno):
    return [stmt(0x20, 4), jump(0x15, arch, 0, 3), stmt(0x20, 0), jump(0x15, nr, 0, 1),
            stmt(0x06, 0x00050000 | errno), stmt(0x06, 0x7fff0000)]
open(sys.argv[1] + ".5", "wb").write(b"".join(deny(nr_seccomp, 38)))
open(sys.argv[1] + ".6", "wb").write(b"".join(deny(nr_uname, 1)))
PY
chmod a+r "$TMP/data.5" "$TMP/data.6"
# 1. Stacked mounts: a later mount on a target hides the earlier one.
same_as_bwrap "--dir then --bind on it" --ro-bind / / --tmpfs /tmp --dir /tmp/d --bind "$A" /tmp/d ls /tmp/d
same_as_bwrap "two --bind on one target" --ro-bind / / --tmpfs /tmp --bind "$A" /tmp/c --bind "$B" /tmp/c ls /tmp/c
same_as_bwrap "a bind over a mount point hides what is under it" \
  --ro-bind / / --tmpfs /tmp --bind "$A" /tmp/c/x --bind "$B" /tmp/c ls -R /tmp
same_as_bwrap "a bind through a --symlink lands on its target" \
  --ro-bind / / --tmpfs /tmp --dir /tmp/real --symlink real /tmp/ln --bind "$A" /tmp/ln \
  sh -c 'ls /tmp/real; readlink /tmp/ln; ls /tmp'
# --bind-fd / --ro-bind-fd: what descriptor 3 has open ($TMP/data) on a
# target; a descriptor that is not open; a command that cannot be executed
# (bwrap's words and status 1, where a shell says 127).
same_as_bwrap "--ro-bind-fd" --ro-bind / / --tmpfs /tmp --ro-bind-fd 3 /tmp/d sh -c 'cat /tmp/d; echo x >>/tmp/d'
same_as_bwrap "--bind-fd" --ro-bind / / --tmpfs /tmp --bind-fd 3 /tmp/d cat /tmp/d
same_as_bwrap "--bind-fd of a closed descriptor" --ro-bind / / --bind-fd 99 /mnt true
same_as_bwrap "a command not found" --ro-bind / / "no-such-command-$MARK"
# A launch report to a descriptor bwrap cannot write: closed (99), or open
# for reading only (3). bwrap dies before the command runs, with the same
# text for --json-status-fd. It leaves its sandbox's side behind, blocked
# for good (bubblewrap 0.8), which the reaper kills: allowed for bwrap's
# run only (LEFTOVERS_OK), never for cocoon's.
for fd_case in "--info-fd 99" "--json-status-fd 99" "--info-fd 3"; do
  # shellcheck disable=SC2086  # the option and its descriptor
  LEFTOVERS_OK=1 with_fds "$(dirname "$PEER")" --ro-bind / / $fd_case echo ran
  assert_status 1 "bwrap $fd_case"
  [[ $ERR == "bwrap: Write to info_fd: Bad file descriptor" && -z $OUT ]] ||
    fail "bwrap $fd_case: not what this test knows of it: '$OUT' '$ERR'"
  # shellcheck disable=SC2086
  with_fds "$TMP/bin" --ro-bind / / $fd_case echo ran
  assert_status 1 "cocoon bwrap $fd_case"
  assert_eq "bwrap: Write to info_fd: Bad file descriptor" "$ERR" "cocoon bwrap $fd_case: stderr as bwrap's"
  assert_eq "" "$OUT" "cocoon bwrap $fd_case: the command did not run"
  pass "$fd_case, a descriptor bwrap cannot write to: as bwrap (status 1, its line, no command)"
done
# --lock-file: a read lock on the file, seen through the sandbox's view,
# held while the command runs (a write lock from another process inside
# fails with EAGAIN, 11); one with --as-pid-1 refused.
printf '%s\n' 'import fcntl, sys' 'f = open(sys.argv[1], "r+")' \
  'try: fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print("free")' \
  'except OSError as e: print("locked", e.errno)' >"$TMP/trylock.py"
mkdir -p "$TMP/locks" && : >"$TMP/locks/lk" && chmod -R a+rwX "$TMP/locks" "$TMP/trylock.py"
same_as_bwrap "--lock-file, through a bind" --ro-bind / / --bind "$TMP/locks" /mnt --lock-file /mnt/lk \
  python3 "$TMP/trylock.py" /mnt/lk
# A missing one: bwrap 0.8.0's init fails after the command started and
# leaves it behind (the harness's reaper would fail the test), so only
# cocoon's run is checked, against bwrap's text.
with_fds "$TMP/bin" --ro-bind / / --lock-file "/nonexistent-$MARK" true
assert_status 1 "--lock-file of a missing file"
assert_eq "bwrap: Unable to open lock file /nonexistent-$MARK: No such file or directory" "$ERR" \
  "--lock-file of a missing file: bwrap's words"
same_as_bwrap "--lock-file with --as-pid-1" --ro-bind / / --unshare-pid --as-pid-1 --lock-file /etc/passwd true
# --disable-userns: no user namespace inside, by unshare(2) or by clone(2)
# (x86-64's number 56, CLONE_NEWUSER|SIGCHLD: ENOSPC, 28); it needs
# --unshare-user; --assert-userns-disabled fails where they can be made.
clone_newuser='import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)
os._exit(0) if r == 0 else print(r, ctypes.get_errno())'
if [[ $(uname -m) == x86_64 ]]; then
  same_as_bwrap "--disable-userns" --ro-bind / / --unshare-user --disable-userns \
    sh -c 'unshare -U true; echo $?; unshare -Ur true; echo $?; python3 -c "$0"' "$clone_newuser"
fi
same_as_bwrap "--disable-userns without --unshare-user" --ro-bind / / --disable-userns true
same_as_bwrap "--assert-userns-disabled where they are not" --ro-bind / / --assert-userns-disabled true
same_as_bwrap "--assert-userns-disabled with --disable-userns" --ro-bind / / --unshare-user --disable-userns \
  --assert-userns-disabled echo ok
# --unshare-user maps one uid and one gid (--uid/--gid to the user's): a
# file of another owner shows the overflow id, a chown to an unmapped id is
# EINVAL, setgroups is denied.
same_as_bwrap "--unshare-user: one id mapped" --ro-bind / / --tmpfs /tmp --unshare-user --uid 0 --gid 0 \
  sh -c 'stat -c "%u %g" /etc/passwd; touch /tmp/f; stat -c "%u %g" /tmp/f; chown 5 /tmp/f; chown 0:0 /tmp/f && echo chowned'
same_as_bwrap "--unshare-user as oneself" --ro-bind / / --unshare-user sh -c 'stat -c "%u %g" /etc/passwd; id -u; id -g'
# The namespace's own files: one id mapped to the caller's, setgroups
# denied (cocoon showed the host's maps: 0 0 4294967295, allow).
maps='cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups /proc/$$/task/$$/uid_map'
same_as_bwrap "--unshare-user --uid 0 --gid 5: uid_map, gid_map, setgroups" --ro-bind / / --proc /proc \
  --unshare-user --uid 0 --gid 5 sh -c "$maps"
same_as_bwrap "the implied user namespace: uid_map, gid_map, setgroups" --ro-bind / / --proc /proc sh -c "$maps"
# /proc/PID's owner is the process's (task_dump_owner()) as the namespace
# maps it: 0 as --uid 0, the overflow id for a process outside it.
same_as_bwrap "--unshare-user --uid 0: the owner of /proc/self" --ro-bind / / --proc /proc --unshare-user \
  --uid 0 --gid 0 sh -c 'stat -c "%u %g %n" /proc/self/ /proc/self/status /proc/self/fd /proc/1; stat -c "%u %g" /proc/$$'
mkdir -m 777 "$TMP/capdir"
# Capabilities: an unprivileged bwrap's sandbox holds none (bounding set
# included) unless --cap-add names them, whatever its uid; they are in all
# five sets, so they survive the exec of a non-root program (ambient).
caps='grep -E "^Cap(Eff|Bnd|Amb)" /proc/self/status >/dev/null; /usr/sbin/capsh --print | grep -E "^(Current|Bounding|Ambient)"'
same_as_bwrap "no capabilities by default, even as uid 0" --ro-bind / / --uid 0 sh -c "$caps; chown 0 /tmp 2>&1 | sed 's/.*: //'"
same_as_bwrap "--cap-add, by name and number" --ro-bind / / --cap-add CAP_NET_ADMIN --cap-add cap_chown --cap-add 21 sh -c "$caps"
same_as_bwrap "--cap-add ALL then --cap-drop, in order" --ro-bind / / --uid 0 --cap-add ALL --cap-drop CAP_CHOWN \
  --cap-drop cap_sys_admin sh -c "$caps"
same_as_bwrap "--cap-drop ALL then --cap-add" --ro-bind / / --cap-drop ALL --cap-add CAP_KILL sh -c "$caps"
same_as_bwrap "--cap-add of an unknown name" --ro-bind / / --cap-add NET_ADMIN true
same_as_bwrap "capabilities decide: CAP_DAC_OVERRIDE reads a mode-0 file of one's own" --ro-bind / / \
  --bind "$TMP/capdir" /mnt --uid 0 --cap-add CAP_DAC_OVERRIDE sh -c 'echo s >/mnt/secret; chmod 0 /mnt/secret; cat /mnt/secret; rm -f /mnt/secret'
same_as_bwrap "... and without it, cannot" --ro-bind / / --bind "$TMP/capdir" /mnt --uid 0 \
  sh -c 'echo s >/mnt/secret; chmod 0 /mnt/secret; cat /mnt/secret 2>&1 | sed "s/^cat: //"; rm -f /mnt/secret'
# ... also over the real user's own files made outside, mode 0: bwrap's
# user namespace lends the capability; cocoon opens them for the command
# (identity/dac_override.h). Listing, entering and reading through a
# mode-0 directory too.
"${AS_NOBODY[@]}" sh -c "cd '$TMP/capdir' && echo out >outside && mkdir -p closed/sub && echo in >closed/f &&
  chmod 0 outside closed"
dac='cat /mnt/outside; ls /mnt/closed; cat /mnt/closed/f; cd /mnt/closed && ls; test -r /mnt/outside && echo readable'
same_as_bwrap "CAP_DAC_OVERRIDE over a mode-0 file and directory made outside" --ro-bind / / \
  --bind "$TMP/capdir" /mnt --uid 0 --cap-add CAP_DAC_OVERRIDE sh -c "$dac"
same_as_bwrap "... and without it, not" --ro-bind / / --bind "$TMP/capdir" /mnt --uid 0 \
  sh -c "$dac 2>&1 | sed 's/.*: //'"
assert_eq "0 0" "$(stat -c %a "$TMP/capdir/outside" "$TMP/capdir/closed" | xargs)" "their modes are given back"
rm -rf "$TMP/capdir/outside" "$TMP/capdir/closed"
# Open errors in the kernel's order on a read-only bind: a directory
# opened for writing is EISDIR, a regular file EROFS. (A FIFO there opens
# for writing natively; under cocoon Landlock's write right, which covers
# FIFOs, refuses it: unit EffectError tests the tracer's own rule.)
same_as_bwrap "a read-only bind: EISDIR, then EROFS" --ro-bind / / --dev /dev --ro-bind "$TMP/capdir" /mnt \
  sh -c '(: >/mnt) 2>&1 | sed "s/.*: //"; (: >/mnt/new) 2>&1 | sed "s/.*: //"'
# /proc/PID/status shows the sandbox's credentials: ids as its user
# namespace maps them, its groups, its five capability sets.
status_lines='grep -E "^(Uid|Gid|Groups|Cap)" /proc/self/status; sh -c "grep -E \"^(Uid|CapEff)\" /proc/\$\$/status"'
same_as_bwrap "/proc/self/status: ids and capabilities" --ro-bind / / --proc /proc --uid 0 --gid 0 \
  --cap-add CAP_CHOWN --cap-add CAP_SETUID sh -c "$status_lines"
same_as_bwrap "/proc/self/status: unprivileged" --ro-bind / / --proc /proc sh -c "$status_lines"
# Without --unshare-user too, an unprivileged bwrap is in a user namespace
# of its own: root's files read as the overflow id.
same_as_bwrap "a user namespace is implied" --ro-bind / / sh -c 'stat -c "%u %g" /etc/passwd; id -u'
same_as_bwrap "--symlink onto an existing symlink" --ro-bind / / --tmpfs /tmp --symlink a /tmp/l --symlink b /tmp/l true
same_as_bwrap "--symlink onto a directory" --ro-bind / / --tmpfs /tmp --dir /tmp/l --symlink a /tmp/l true

# 6. --dir, --symlink and mount points on a writable bind are made on the
# filesystem under it, and stay there after the run, with bwrap's modes.
left_on_disk() {  # BIN ARGS...: runs them, FILES is the listing of $TMP/w after
  rm -rf "$TMP/w"
  mkdir -m 777 "$TMP/w"
  with_fds "$@"
  FILES=$(cd "$TMP/w" && find . -mindepth 1 -printf '%p %y %m %l\n' | sort)
}
on_writable=(--ro-bind / / --bind "$TMP/w" /mnt --dir /mnt/d --perms 0700 --dir /mnt/p/q --symlink target /mnt/l
  --bind "$A" /mnt/mnt --ro-bind "$TMP/data" /mnt/file --tmpfs /mnt/t -- sh -c "ls /mnt; cat /mnt/mnt/fa")
left_on_disk "$(dirname "$PEER")" "${on_writable[@]}"
peer_files=$FILES peer_out=$OUT
[[ $STATUS == 0 && -n $peer_files ]] || fail "the real bwrap on a writable bind: status $STATUS, '$ERR'"
left_on_disk "$TMP/bin" "${on_writable[@]}"
cocoon_files=$FILES
assert_eq "$peer_out" "$OUT" "on a writable bind: the view as bwrap's"
assert_eq "$peer_files" "$cocoon_files" "on a writable bind: --dir, --symlink and mount points left on disk as bwrap's"
same_as_bwrap "--symlink onto an existing one on a writable bind" --ro-bind / / --bind "$TMP/w" /mnt --symlink x /mnt/l true

# --dev: a pseudo-terminal from /dev/ptmx (-> pts/ptmx, mode 0666 under
# bwrap's own devpts; cocoon's bound the host's, mode 0: EACCES), and its
# slave in /dev/pts.
pty='import os; m, s = os.openpty(); os.write(m, b"typed\n"); print(os.ttyname(s).startswith("/dev/pts/"), os.read(s, 9))'
same_as_bwrap "--dev: openpty through /dev/ptmx" --ro-bind / / --dev /dev \
  sh -c 'readlink /dev/ptmx; stat -c "%A %t:%T" /dev/pts/ptmx; python3 -c "$0"' "$pty"

# 2. Modes and the working directory.
same_as_bwrap "--tmpfs and --dir modes" --ro-bind / / --tmpfs /tmp --dir /tmp/d --perms 0700 --tmpfs /tmp/t \
  stat -c "%a %n" /tmp /tmp/d /tmp/t
same_as_bwrap "--perms with a leading zero" --ro-bind / / --tmpfs /tmp --perms 01777 --dir /tmp/d stat -c %a /tmp/d
same_as_bwrap "--perms above 07777" --ro-bind / / --tmpfs /tmp --perms 017777 --dir /tmp/d true
same_as_bwrap "--perms twice for one action" --ro-bind / / --tmpfs /tmp --perms 0700 --perms 0755 --dir /tmp/d true
same_as_bwrap "--perms before an option that makes nothing" --ro-bind / / --perms 0700 --bind /etc /mnt true
same_as_bwrap "--file 0666, --bind-data with --perms" --ro-bind / / --tmpfs /tmp --file 3 /tmp/f \
  --perms 0640 --bind-data 4 /tmp/g sh -c 'stat -c "%a %s %n" /tmp/f /tmp/g; cat /tmp/g'
same_as_bwrap "--bind-data and --ro-bind-data are 0600" --ro-bind / / --tmpfs /tmp --bind-data 3 /tmp/g \
  --ro-bind-data 4 /tmp/h sh -c 'stat -c "%a %s %n" /tmp/g /tmp/h; echo x >/tmp/h'
same_as_bwrap "--chdir then --clearenv keeps PWD" --ro-bind / / --chdir /etc --clearenv /usr/bin/env
same_as_bwrap "two --chdir warn, the last wins" --ro-bind / / --chdir /etc --chdir /usr sh -c 'pwd; echo $PWD'
# A --chdir that cannot be entered: bwrap's "Can't chdir to D", status 1
# (missing, not a directory, a directory nobody may not search).
same_as_bwrap "--chdir to a missing directory" --ro-bind / / --chdir "/nonexistent-$MARK" true
same_as_bwrap "--chdir to a file" --ro-bind / / --chdir /etc/passwd true
same_as_bwrap "--chdir to a directory it may not enter" --ro-bind / / --chdir /root true
# --chmod goes through the view: on a read-only bind it is EROFS and the
# host file keeps its mode (cocoon chmodded it through the bind before);
# on a writable one it changes; a missing path fails. bwrap's words.
mkdir -m 777 "$TMP/modes"
"${AS_NOBODY[@]}" sh -c "echo m >'$TMP/modes/f' && chmod 644 '$TMP/modes/f'"
same_as_bwrap "--chmod on a read-only bind" --ro-bind / / --ro-bind "$TMP/modes" /mnt --chmod 0755 /mnt/f true
assert_eq "644" "$(stat -c %a "$TMP/modes/f")" "--chmod on a read-only bind: the host file keeps its mode"
same_as_bwrap "--chmod on a writable bind" --ro-bind / / --bind "$TMP/modes" /mnt --chmod 700 /mnt/f stat -c %a /mnt/f
"${AS_NOBODY[@]}" chmod 644 "$TMP/modes/f"
same_as_bwrap "--chmod of a missing path" --ro-bind / / --chmod 0755 "/nonexistent-$MARK" true

# 3. Failures: bwrap's words, status 1.
same_as_bwrap "a missing source" --ro-bind / / --bind "$TMP/nonexistent" /x true
same_as_bwrap "a missing optional source" --ro-bind / / --bind-try "$TMP/nonexistent" /x echo ran
same_as_bwrap "an unknown option" --ro-bind / / --bogus true
same_as_bwrap "an option without its values" --ro-bind / / --bind
same_as_bwrap "--hostname without --unshare-uts" --ro-bind / / --hostname h true
same_as_bwrap "--as-pid-1 without --unshare-pid" --ro-bind / / --as-pid-1 true
same_as_bwrap "--uid implies a user namespace" --ro-bind / / --uid 5 --gid 6 sh -c 'id -u; id -g'
same_as_bwrap "--chmod with a bad mode" --ro-bind / / --chmod 999 /x true
same_as_bwrap "--args with a bad descriptor" --ro-bind / / --args x true
same_as_bwrap "--seccomp with --add-seccomp-fd" --ro-bind / / --seccomp 5 --add-seccomp-fd 6 true
# Usage without a command: bwrap's first line, naming argv[0], on stderr.
with_fds "$(dirname "$PEER")" --ro-bind / /
peer_usage=$(head -1 <<<"$ERR") peer_status=$STATUS
with_fds "$TMP/bin" --ro-bind / /
assert_eq "$peer_usage $peer_status" "$(head -1 <<<"$ERR") $STATUS" "no command: the usage line on stderr, status 1"
with_fds "$TMP/bin" --help
assert_eq "$peer_usage" "$(head -1 <<<"$OUT")" "--help: the usage line names argv[0]"
with_fds "$TMP/bin" --version
assert_match "^bubblewrap 0\.8\.0 \(cocoon .*following bubblewrap 0\.8\.0" "$OUT" "--version says the bubblewrap version followed"

if [[ $MODE == seccomp ]]; then
  same_as_bwrap "--add-seccomp-fd twice, the first allowing only the prctl" \
    --ro-bind / / --add-seccomp-fd 5 --add-seccomp-fd 6 sh -c 'uname -n; echo $?'
  same_as_bwrap "--seccomp twice: the last is used" --ro-bind / / --seccomp 6 --seccomp 5 sh -c 'uname -s; echo $?'
else
  # Refused without cocoon's filter (COCOON_NO_SECCOMP, e2e bwrap says why).
  with_fds "$TMP/bin" --ro-bind / / --add-seccomp-fd 5 --add-seccomp-fd 6 sh -c 'uname -n; echo $?'
  assert_status 1 "--add-seccomp-fd without cocoon's filter: refused"
fi

# 5. bwrap's descriptors. --info-fd and --json-status-fd: the child's pid
# (the command's $$ here, no PID namespace), then its exit code; the
# namespace ids bwrap adds are not compared (cocoon's are emulated).
status_fds() {  # BIN: the two files' JSON as "child-pid=$$ ... exit-code=N"
  with_fds "$1" --ro-bind / / --info-fd 7 --json-status-fd 8 sh -c 'echo $$; exit 3'
  python3 - "$TMP/data" "$OUT" <<'PY'
import json, sys
info = json.load(open(sys.argv[1] + ".7"))
docs = [json.loads(l) for l in open(sys.argv[1] + ".8")]
pid = int(sys.argv[2])
print("info child-pid=" + ("$$" if info["child-pid"] == pid else str(info["child-pid"])),
      "status", " ".join("child-pid=" + ("$$" if d.get("child-pid") == pid else "?") if "child-pid" in d
                         else "exit-code=%d" % d["exit-code"] for d in docs))
PY
}
peer_fds=$(status_fds "$(dirname "$PEER")")
assert_eq "$peer_fds" "$(status_fds "$TMP/bin")" "--info-fd and --json-status-fd as bwrap's ($peer_fds)"
# With namespaces made: the ids of those bwrap made (the mount namespace
# always, then each --unshare-*), in bwrap's order, each the one the
# command reads in /proc/self/ns (cocoon's: its emulated namespaces').
ns_fds() {  # BIN
  with_fds "$1" --ro-bind / / --unshare-uts --unshare-ipc --unshare-net --info-fd 7 --json-status-fd 8 \
    sh -c 'for k in cgroup ipc mnt net pid uts; do echo "$k $(readlink /proc/self/ns/$k)"; done
      ls -l /proc/self/ns/uts | cut -c1'
  python3 - "$TMP/data" "$OUT" <<'PY'
import json, sys
info = json.load(open(sys.argv[1] + ".7"))
first = json.loads(open(sys.argv[1] + ".8").readline())
lines = sys.argv[2].splitlines()
read = {k: int(v.split("[")[1].rstrip("]")) for k, v in (l.split() for l in lines[:-1])}
keys = [k for k in info if k != "child-pid"]
print("info", " ".join(keys), "json", " ".join(k for k in first if k != "child-pid"),
      "as read:", all(info[k] == read[k.replace("-namespace", "")] == first[k] for k in keys),
      "ls -l type:", lines[-1])
PY
}
peer_ns=$(ns_fds "$(dirname "$PEER")")
[[ $peer_ns == *uts-namespace*"as read: True ls -l type: l" ]] || fail "test premise: bwrap reports the namespaces it made: $peer_ns"
assert_eq "$peer_ns" "$(ns_fds "$TMP/bin")" "--info-fd and --json-status-fd's namespace ids as bwrap's, each what the command reads ($peer_ns)"
# --sync-fd: held open while the sandbox runs (bwrap then puts an init of
# its own before the command, whose pid --info-fd reports instead).
same_as_bwrap "--sync-fd is taken" --ro-bind / / --sync-fd 4 echo ran
# --block-fd: the command starts once the FIFO has data, which a writer
# puts there after making a file the command looks for.
block_fd() {  # BIN
  rm -f "$TMP/ready" "$TMP/data.9"
  mkfifo -m 666 "$TMP/data.9"
  (sleep 0.5; touch "$TMP/ready"; echo go >"$TMP/data.9") &
  with_fds "$1" --ro-bind / / --block-fd 9 sh -c "test -e '$TMP/ready' && echo started after the data"
  wait
  rm -f "$TMP/data.9"
}
block_fd "$(dirname "$PEER")"
peer_out=$OUT
block_fd "$TMP/bin"
assert_eq "$peer_out" "$OUT" "--block-fd: the command waits for data on the descriptor, as bwrap's"

# A foreign program in a root of its own: bwrap leaves it to the kernel
# (ENOEXEC, the shell says so), cocoon bwrap too (cocoon run would take
# the installed qemu from its ELF header). Only where no binfmt_misc
# handler runs it anyway.
if [[ -x $GUESTS/foreign-aarch64-static && ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] &&
  command -v qemu-aarch64-static >/dev/null; then
  F=$TMP/froot
  busybox_root "$F" sh
  cp "$GUESTS/foreign-aarch64-static" "$F/bin/foreign"
  chmod -R a+rX "$F"
  same_as_bwrap "a foreign program in a root of its own" --bind "$F" / sh -c '/bin/foreign; echo "status $?"'
fi
finish
