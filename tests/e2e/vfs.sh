# The filesystem view (issue 4, first part): a guest root made of a static
# busybox, binds, read-only binds, --tmpfs, -w, and path translation back
# (getcwd, readlink of /proc magic links). cocoon runs as nobody: root would
# make writes succeed that the view must refuse.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})

BUSYBOX=$(command -v busybox) || fail "busybox-static is not installed"
ROOT=$TMP/root DATA=$TMP/data RO=$TMP/ro
busybox_root "$ROOT" sh ls cat echo pwd mkdir readlink touch rm mv ln rmdir truncate stat grep sleep true
mkdir -p "$ROOT/home/u" "$DATA/sub" "$RO"
echo "guest-$MARK" > "$ROOT/etc/hostname"
ln -s /etc/hostname "$ROOT/home/u/abs"            # absolute: resolves in the root
ln -s ../../../../../../etc/hostname "$ROOT/home/u/up"  # climbs, stays in the root
echo "data-$MARK" > "$DATA/sub/f"
echo "ro-$MARK" > "$RO/keep"
# "#!" scripts: the interpreter is the guest's /bin/sh (busybox), never the
# host's; a script whose interpreter is a script; an interpreter only the
# host has.
printf '#!/bin/sh\nreadlink /proc/$$/exe; echo "$0 $*"\n' > "$ROOT/bin/who"
printf '#!/bin/who -x\n' > "$ROOT/bin/nested"
printf '#!/usr/bin/python3\nprint(1)\n' > "$ROOT/bin/hostonly"
chmod +x "$ROOT/bin/who" "$ROOT/bin/nested" "$ROOT/bin/hostonly"
chmod -R a+rwX "$TMP"
chmod a-w "$RO"; chmod a+w "$RO/keep"  # writable on the host for nobody: the view refuses

run() { cocoon_run -r "$ROOT" -b "$DATA:/mnt/data" --ro-bind "$RO:/ro" --proc /proc "$@"; }

run -- /bin/sh -c 'cat /etc/hostname; cat /home/u/abs; cat /home/u/up; cat /../../etc/hostname'
assert_status 0 "guest root"
assert_eq "$(printf 'guest-%s\n' "$MARK" "$MARK" "$MARK" "$MARK")" "$OUT" \
  "/etc/hostname, absolute and climbing symlinks, /.. all stay in the root"

cocoon_run -r "$ROOT" -- /bin/ls /
assert_eq "$(printf '%s\n' bin etc home | head -c -1)" "$OUT" "ls / lists the root's entries"
# Mount targets the root lacks (/mnt/data, /ro, /proc) show in their
# parents' listings, once per listing, also when listed again.
run -- /bin/sh -c 'ls /; echo --; ls /mnt; echo --; ls -d /mnt/*; ls / | wc -l'
assert_eq "$(printf '%s\n' bin etc home mnt proc ro -- data -- /mnt/data 6 | head -c -1)" "$OUT" \
  "ls shows mount targets the root lacks"

run -w /mnt/data -- /bin/sh -c 'cat sub/f; /bin/pwd; cd sub && /bin/pwd && readlink /proc/self/cwd'
assert_eq "data-$MARK"$'\n/mnt/data\n/mnt/data/sub\n/mnt/data/sub' "$OUT" \
  "-w in a bind onto a path the root lacks; getcwd and /proc/self/cwd in guest terms"

run -- /bin/sh -c 'cat /proc/mounts; echo x > /proc/self/mountinfo || echo refused'
assert_eq "$(printf '%s\n' 'cocoon-root / cocoon rw 0 0' 'proc /proc proc rw 0 0' \
  'cocoon-bind /ro cocoon ro 0 0' 'cocoon-bind /mnt/data cocoon rw 0 0' refused | head -c -1)" "$OUT" \
  "/proc/mounts shows the guest's mounts, read-only"

run -- /bin/sh -c 'echo new > /mnt/data/new && cat /mnt/data/new'
assert_eq new "$OUT" "a write through a bind"
[[ $(cat "$DATA/new" 2>/dev/null) == new ]] || fail "the bind's write did not reach $DATA/new"
pass "the write landed in the bind's source"

run -- /bin/sh -c 'cat /ro/keep; for c in "echo x > /ro/keep" "echo x > /ro/new" "rm /ro/keep" \
  "mkdir /ro/d" "mv /ro/keep /ro/k2" "touch /ro/keep" "ln -s a /ro/l"; do
  sh -c "$c" 2>&1 | grep -q "Read-only file system" && echo EROFS || echo "allowed: $c"; done'
assert_eq "ro-$MARK"$'\n'"$(printf 'EROFS\n%.0s' 1 2 3 4 5 6 7 | head -c -1)" "$OUT" \
  "every write under --ro-bind fails with EROFS"
[[ $(ls "$RO") == keep && $(cat "$RO/keep") == "ro-$MARK" ]] || fail "the read-only source changed: $(ls -l "$RO")"
pass "the read-only source is unchanged"

run -- /bin/sh -c 'ln /mnt/data/sub/f /home/u/hard 2>&1; echo $?'
assert_match 'Invalid cross-device link'$'\n''1$' "$OUT" "link across binds: EXDEV"

run -- /bin/sh -c 'readlink /proc/self/exe; readlink /proc/self/root; cat /proc/self/root/etc/hostname; \
  cat /proc/self/root/../../etc/hostname; cat /proc/self/cwd/../../../etc/hostname'
assert_eq "/bin/busybox"$'\n'"/"$'\n'"$(printf 'guest-%s\n' "$MARK" "$MARK" "$MARK" | head -c -1)" "$OUT" \
  "/proc/self/exe and root read in guest terms; magic links do not lead out"

run -- /bin/who a b
assert_eq $'/bin/busybox\n/bin/who a b' "$OUT" "a #! script runs the guest's interpreter"
run -w /bin -- ./nested y
assert_eq $'/bin/busybox\n/bin/who -x ./nested y' "$OUT" "an interpreter that is itself a script"
run -- /bin/sh -c '/bin/hostonly; echo "rc=$?"'
assert_eq "rc=127" "$OUT" "an interpreter only the host has is not found"

# A dynamic rootfs: the host's cat and sh with their libraries copied in.
# The guest's ELF interpreter must be the root's copy of ld.so, not the
# host's file of the same path; argv[0] stays what the caller gave.
DYN=$TMP/dyn
for f in /bin/cat /bin/sh /usr/bin/readlink $(ldd /bin/cat /bin/sh /usr/bin/readlink | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}'); do
  mkdir -p "$DYN$(dirname "$f")" && cp -L "$f" "$DYN$f"
done
interp=$(readelf -l /bin/cat | sed -n 's/.*interpreter: \(.*\)]/\1/p')
[[ -f $DYN$interp ]] || fail "test setup: no $DYN$interp"
chmod -R a+rX "$DYN"
cocoon_run -r "$DYN" --proc /proc -- /bin/cat /proc/self/maps
assert_status 0 "a dynamic program in a copied rootfs"
assert_match "$DYN$interp" "$OUT" "its ELF interpreter is the root's $interp"
grep -q " $(realpath "$interp")\$" <<<"$OUT" && fail "the host's $interp is mapped: $OUT"
pass "the host's $interp is not mapped"
cocoon_run -r "$DYN" -- /bin/sh -c 'echo "$0"'
assert_eq /bin/sh "$OUT" "argv[0] survives the interpreter's --argv0"
cocoon_run -r "$DYN" --proc /proc -- /usr/bin/readlink /proc/self/exe
assert_eq /usr/bin/readlink "$OUT" "/proc/self/exe names the program, not the ld.so it runs through"
# --dev: bubblewrap's minimal /dev, not the host's: the harmless devices
# work, shm is private and writable, the host's other devices are absent.
cocoon_run -r "$ROOT" --dev /dev --proc /proc -- /bin/sh -c \
  'ls /dev; echo x >/dev/null && head -c 3 /dev/zero | wc -c; touch /dev/shm/s && ls /dev/shm;
   readlink /dev/fd; ls /dev/sda /dev/mem /dev/kmsg 2>&1 | wc -l; ls /dev/sda 2>&1'
assert_eq $'core\nfd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n3\ns\n/proc/self/fd\n3\nls: /dev/sda: No such file or directory' \
  "$OUT" "--dev makes a minimal /dev"
[[ -e /dev/mem || -e /dev/kmsg ]] || fail "test premise: the host has neither /dev/mem nor /dev/kmsg"
# A pseudo-terminal from --dev's /dev/ptmx, as in bwrap's /dev (was EACCES:
# the host's /dev/pts/ptmx is mode 0).
cocoon_run --dev /dev -- python3 -c 'import os; m, s = os.openpty(); print(os.ttyname(s).startswith("/dev/pts/"))'
assert_eq "True" "$OUT" "--dev: openpty through /dev/ptmx"
# chroot(2) as for an unprivileged process: the path's errors, then EPERM.
cocoon_run -r "$ROOT" -- /bin/sh -c 'chroot /home 2>&1; chroot /nope 2>&1; chroot /etc/hostname 2>&1'
assert_match "Operation not permitted" "$(sed -n 1p <<<"$OUT")" "chroot of a guest directory: EPERM"
assert_match "No such file or directory" "$(sed -n 2p <<<"$OUT")" "chroot of a missing path: ENOENT"
assert_match "Not a directory" "$(sed -n 3p <<<"$OUT")" "chroot of a file: ENOTDIR"
# fanotify_mark and getxattrat (raw syscalls) take guest paths too: the same
# answers as natively on the host path, through a bind the host lacks.
mkdir -m 777 "$TMP/fan"
run_native ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$GUESTS/pathcalls" "$TMP/fan"
want=$OUT
cocoon_run -b "$TMP/fan:/mnt/fan.$MARK" -- "$GUESTS/pathcalls" "/mnt/fan.$MARK"
assert_eq "$want" "$OUT" "fanotify_mark and getxattrat on a guest path (native: ${want//$'\n'/, })"
# AT_EXECFN is the name the guest exec'd by: through the kernel (the host's
# ld.so, -r /: cocoon rewrites the string on the new stack) and through the
# root's ld.so (its --argv0 route, where ld.so sets AT_EXECFN itself).
cocoon_run -r / -b "$GUESTS:/mnt/g" -- /bin/sh -c 'cd /mnt/g && ./execfn && /mnt/g/execfn'
assert_eq $'./execfn\n/mnt/g/execfn' "$OUT" "AT_EXECFN is the guest's name (kernel route)"
cocoon_run -r "$DYN" -b "$GUESTS:/guests" -- /bin/sh -c 'cd /guests && ./execfn && /guests/execfn'
assert_eq $'./execfn\n/guests/execfn' "$OUT" "AT_EXECFN is the guest's name (through the root's ld.so)"
# AF_UNIX paths: bind creates the socket file in the bind's source, connect
# reaches it by the guest's path, a second bind at that path is EADDRINUSE.
mkdir -m 777 "$TMP/sock"
cocoon_run -r "$DYN" -b "$GUESTS:/guests" -b "$TMP/sock:/run" -w /run -- /guests/unixsock "s.$MARK"
assert_eq "bound: s.$MARK"$'\nread: k' "$OUT" "bind/connect of an AF_UNIX path in a bind"
assert_match "rebind: Address already in use" "$ERR" "a second bind at that path"
[[ -S $TMP/sock/s.$MARK ]] || fail "no socket file in the bind's source: $(ls -l "$TMP/sock")"
pass "the socket file is in the bind's source"
# AF_UNIX names both ways (unixaddr.c): getsockname, getpeername, accept
# and recvfrom show guest paths (a short buffer gets the name cut and its
# whole length, as natively; also after an accept restarted by a signal
# handler); datagrams reach guest paths by sendto,
# sendmsg and sendmmsg, and a reply to recvfrom's source arrives. /far's
# host path is longer than sun_path: bound and reached through a short link
# in cocoon's scratch directory, still named /far/... in the guest.
FAR=$TMP/$(printf 'l%.0s' {1..90})
mkdir -m 777 "$TMP/names" "$FAR"
((${#FAR} + 10 > 108)) || fail "test setup: $FAR/l.stream fits in sun_path"
cocoon_run -r "$DYN" -b "$GUESTS:/guests" -b "$TMP/names:/run" -b "$FAR:/far" -- /guests/unixaddr /run /far
assert_eq "sockname: /run/s.stream len=16
peername: /run/s.stream len=16
accept: /run/c.stream len=16
short: /run/s.str len=16
accept4 unnamed: - len=2
signals 1, restarted accept: /run/c2.stream len=17
ping: /run/c.dgram len=15
reply: pong
sendmmsg: 3 5
msg: /run/c.dgram len=15
one: /run/c.dgram len=15
three: /run/c.dgram len=15
long sockname: /far/l.stream len=16
long peername: /far/l.stream len=16
long io: k far
relative: r.stream len=11
abstract: unchanged" "$OUT" "AF_UNIX names in guest terms, datagrams to guest paths, a path longer than sun_path"
[[ -S $FAR/l.stream && -S $TMP/names/c.dgram ]] || fail "the sockets are not in the binds' sources: $(ls "$FAR" "$TMP/names")"
pass "the sockets are in the binds' sources, the long one too"
# The check-then-use race (symlink_race.c): a thread swaps a directory for
# a symlink to a host directory while another opens a path through it.
# Path rewriting alone loses it now and then (the count is printed); with
# Landlock (the default) the kernel refuses the host file every time.
mkdir -p "$TMP/hostside" && echo "HOST-$MARK" > "$TMP/hostside/secret"
chmod -R a+rX "$TMP/hostside"
for landlock in --no-landlock ""; do
  mkdir -m 777 "$TMP/race${landlock}"
  cocoon_run -r "$DYN" -b "$GUESTS:/guests" -b "$TMP/race${landlock}:/race" $landlock -- \
    /guests/symlink_race /race "$TMP/hostside" 2
  assert_match '^escapes [0-9]+ guest [1-9][0-9]* other [0-9]+$' "$OUT" "the race ran (${landlock:-landlock})"
  read -r _ escapes _ <<<"$OUT"
  if [[ -n $landlock ]]; then
    echo "     (without Landlock the host's file was read $escapes times)"
  else
    assert_eq 0 "$escapes" "with Landlock the race never reaches the host's file"
  fi
done
rm "$DYN$interp"
cocoon_run -r "$DYN" -- /bin/cat /dev/null
assert_status 127 "a missing ELF interpreter is ENOENT, as natively"

# --symlink: an entry only the table has, seen as a symlink by ls, readlink,
# stat and test -L, followed by open, listed in its parent, not removable.
run --symlink /mnt/data/sub /shortcut -- /bin/sh -c 'readlink /shortcut; cat /shortcut/f;
  [ -L /shortcut ] && echo link; stat -c "%F %s" /shortcut; ls / | grep -c "^shortcut$";
  rm /shortcut 2>&1 | grep -c "Read-only"'
assert_eq "/mnt/data/sub"$'\n'"data-$MARK"$'\nlink\nsymbolic link 13\n1\n1' "$OUT" \
  "--symlink entries: readlink, follow, lstat, listing, EROFS"

# The route for kernels where arg0 cannot be rewritten (riscv64 before
# 6.16), forced on this arch by the test hook COCOON_TEST_NO_ARG0=1:
# execve becomes execveat, chdir/truncate/statfs take the host path in place.
COCOON_TEST_NO_ARG0=1 run -- /bin/sh -c 'cd /mnt/data/sub && /bin/pwd && echo 12345 > t &&
  /bin/truncate -s 2 /mnt/data/sub/t && cat t && echo && /bin/who z && stat -f -c %n /mnt/data'
assert_eq $'/mnt/data/sub\n12\n/bin/busybox\n/bin/who z\n/mnt/data' "$OUT" \
  "without arg0 rewriting: chdir, truncate, statfs in place, execve as execveat, scripts too"
COCOON_TEST_NO_ARG0=1 cocoon_run -r / -b "$DATA:/cocoon-$MARK" -- "$GUESTS/arg0_restore" "/cocoon-$MARK/sub"
assert_eq "arg0 ok /cocoon-$MARK/sub" "$OUT" "the guest's buffer is put back after an in-place translation"

# --tmpfs: private, writable, and gone after the run. cocoon makes its
# scratch directory in $TMPDIR (a private one here, so parallel tests do not
# mix) and names it in its debug log.
mkdir -m 777 "$TMP/tmpdir"
TMPDIR=$TMP/tmpdir run --log-level debug --tmpfs /scratch -- /bin/sh -c \
  'echo t > /scratch/f && cat /scratch/f && ls -d /scratch'
assert_eq $'t\n/scratch' "$OUT" "--tmpfs is writable"
assert_match "scratch directory $TMP/tmpdir/cocoon\." "$ERR" "the scratch directory is in \$TMPDIR"
left=$(ls -A "$TMP/tmpdir")
[[ -z $left ]] || fail "a scratch directory was left behind: $left"
pass "the tmpfs scratch directory is removed at exit"

# A SIGKILLed cocoon cannot remove its scratch directory; the next run in
# the same $TMPDIR does (its owner's pid is gone).
mkdir -m 777 "$TMP/ktmp"
TMPDIR=$TMP/ktmp ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" run "${MODE_FLAGS[@]}" -r "$ROOT" \
  --tmpfs /x -- /bin/sleep "$SLEEP_ARG" &
killed=$!
has_scratch() { compgen -G "$TMP/ktmp/cocoon.*" >/dev/null; }
wait_for 15 has_scratch || fail "no scratch directory appeared in $TMP/ktmp"
kill -9 "$killed"
wait "$killed" 2>/dev/null
has_scratch || fail "the SIGKILLed run's scratch directory vanished by itself (test bug?)"
TMPDIR=$TMP/ktmp run -- /bin/true
assert_status 0 "the next run"
left=$(ls -A "$TMP/ktmp")
[[ -z $left ]] || fail "the killed run's scratch directory is still there: $left"
pass "the next run removed the killed run's scratch directory"

# Nothing created in the guest lands on the host outside the root.
run -- /bin/sh -c "touch /created-$MARK && ls /created-$MARK"
assert_eq "/created-$MARK" "$OUT" "a file created at the guest's /"
[[ -e $ROOT/created-$MARK && ! -e /created-$MARK ]] || fail "/created-$MARK is not in the root only"
pass "it is in the root directory, not the host's /"

# Bad input: one line naming the culprit, status 125; --bind-try skips.
cocoon_run -r "$TMP/nonexistent" -- /bin/true
assert_status 125 "missing root"
assert_cocoon_message "$TMP/nonexistent" "missing root names it"
cocoon_run -r "$ROOT" -b "$TMP/nosuch:/x" -- /bin/true
assert_status 125 "missing bind source"
assert_cocoon_message "nosuch" "missing bind source names it"
cocoon_run -r "$ROOT" --bind-try "$TMP/nosuch:/x" -- /bin/echo ok
assert_eq ok "$OUT" "--bind-try skips a missing source"
cocoon_run -r "$ROOT" -w /nowhere -- /bin/true
assert_status 125 "missing working directory"
assert_cocoon_message "/nowhere" "missing working directory names it"

# A guest that makes itself non-dumpable could no longer be read by cocoon
# (no CAP_SYS_PTRACE): every translated path would fail with EFAULT
# (ssh-agent could not make its socket directory). So prctl(PR_SET_DUMPABLE)
# is emulated (syscalls/src/guard/dumpable.h): 0 succeeds and
# PR_GET_DUMPABLE reads it, as natively, while the real task stays
# readable, so the path read next is translated; 1 runs, as bwrap needs.
# ssh-agent, which sets 0, starts and answers. (Under main the 0 was
# refused with EPERM.)
dumpable='import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.prctl(4, 0, 0, 0, 0)
print(r, os.strerror(ctypes.get_errno()) if r else "ok", libc.prctl(3, 0, 0, 0, 0), open("/mnt/data/f").read().strip(), libc.prctl(4, 1, 0, 0, 0), libc.prctl(3, 0, 0, 0, 0))'
mkdir -p "$TMP/dd" && echo "data$MARK" >"$TMP/dd/f" && chmod -R a+rX "$TMP/dd"
run_native ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} /usr/bin/python3 -c "${dumpable//\/mnt\/data/$TMP/dd}"
assert_eq "0 ok 0 data$MARK 0 1" "$OUT" "test premise: natively PR_SET_DUMPABLE 0 and 1 succeed"
cocoon_run -r / -b "$TMP/dd:/mnt/data" -- /usr/bin/python3 -c "$dumpable"
assert_eq "0 ok 0 data$MARK 0 1" "$OUT" "PR_SET_DUMPABLE 0 and 1 as natively, the guest's paths still translated while it reads 0"
command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null ||
  fail "ssh-agent and ssh-add are needed (openssh-client: tools/install-deps.sh)"
cocoon_run -r / -b "$TMP/dd:/mnt/data" -- sh -c 'eval "$(ssh-agent -s)" >/dev/null && ssh-add -l; echo "status $?"; kill "$SSH_AGENT_PID"'
assert_eq "The agent has no identities.
status 1" "$OUT" "ssh-agent under -r makes its socket and answers ssh-add"

run_limited "$LIMIT" "$COCOON" mounts -r "$ROOT" -b "$DATA:/mnt/data" --ro-bind "$RO:/ro"
assert_match "/ro +bind +ro +$RO" "$OUT" "cocoon mounts shows the read-only bind"

finish
