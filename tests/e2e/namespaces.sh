# Namespaces the guest makes itself (--namespaces), checked against what
# the kernel's own do; where this host's root may, on a kernel that refuses
# user namespaces (user.max_user_namespaces set to 0 for the test and put
# back after). The guests run UNPRIVILEGED (uid 65534): as root
# unshare would succeed without cocoon, and the kernel's refusal is only
# for an unprivileged user without user namespaces.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
SYSCTL=/proc/sys/user/max_user_namespaces
# Switching user namespaces off needs the real root (a container's root
# cannot write the sysctl: then the kernel's refusal is shown by the qemu
# case namespaces.userns_disabled instead, tests/qemu/cases.sh). Both modes
# change the same sysctl: one at a time, each putting back what it found.
exec 9>/tmp/cocoon-e2e-userns.lock
flock 9
saved=$(cat "$SYSCTL")
can_switch=0
if echo "$saved" 2>/dev/null >"$SYSCTL"; then can_switch=1; fi
restore() { ((can_switch)) && echo "$saved" >"$SYSCTL"; cleanup; }
trap restore EXIT

# ls alone, into a file: a pipeline's other members may or may not be born
# when ls reads /proc, natively as under cocoon.
mkdir -m 777 "$TMP/w"
probe='hostname box; hostname; echo $$; ls /proc >"$0"; grep -E "^[0-9]+$" "$0"; id -u; cat /proc/self/uid_map | tr -s " "'
# What the kernel itself does while it allows user namespaces: the oracle.
((can_switch)) && echo 1000 >"$SYSCTL"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} unshare -Urunp --fork --mount-proc sh -c "$probe" "$TMP/w/ls.out"
assert_status 0 "natively, with user namespaces allowed, unshare -Urunp --fork --mount-proc works"
native=$OUT
assert_eq "box
1
1
4
0
 0 $NOBODY_UID 1" "$native" "the native output is what the test expects (hostname, PID 1, /proc, root in the namespace)"

if ((can_switch)); then
  echo 0 >"$SYSCTL"
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} unshare -U true
  [[ $STATUS != 0 ]] || fail "unshare -U succeeded with $SYSCTL at 0"
  pass "natively unshare -U fails with user namespaces disabled ($(head -c 80 <<<"$ERR"))"
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} bwrap --unshare-all --ro-bind / / true
  [[ $STATUS != 0 ]] || fail "bwrap --unshare-all succeeded with $SYSCTL at 0"
  pass "natively bwrap --unshare-all fails too ($(head -c 80 <<<"$ERR"))"
else
  pass "(this host's root cannot write $SYSCTL: the disabled case runs in qemu)"
fi

cocoon_run --namespaces -- unshare -Urunp --fork --mount-proc sh -c "$probe" "$TMP/w/ls.out"
assert_status 0 "under cocoon unshare -Urunp --fork --mount-proc"
assert_eq "$native" "$OUT" "under cocoon: the same output as the kernel's own namespaces"
[[ $(cat /proc/sys/kernel/hostname) != box ]] || fail "the host was renamed"
pass "the host's name is unchanged"
# The real bubblewrap: natively while user namespaces are allowed, then
# under cocoon (with them off where this host lets the test switch them).
bw_probe='hostname; echo $$; p=$(ls /proc); echo "$p" | grep -E "^[0-9]+$"; touch /x 2>&1; ls /dev | tr "\n" " "; echo; id -u; ls -A /tmp | wc -l'
bw_args=(--unshare-all --ro-bind / / --proc /proc --dev /dev --tmpfs /tmp --hostname box -- sh -c "$bw_probe")
((can_switch)) && echo 1000 >"$SYSCTL"
# (Not under the harness's reaper: bwrap's own init outlives the bwrap
# process by a moment and would count as left behind.)
bw_native=$(timeout 30 ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} bwrap "${bw_args[@]}") ||
  fail "natively (user namespaces allowed) bwrap --unshare-all failed"
pass "natively (user namespaces allowed) bwrap --unshare-all works"
((can_switch)) && echo 0 >"$SYSCTL"
cocoon_run --namespaces -- bwrap "${bw_args[@]}"
assert_status 0 "the real bwrap --unshare-all under cocoon --namespaces"
assert_eq "$bw_native" "$OUT" "bwrap under cocoon: hostname, PID 2 under bwrap's init, /proc, read-only /, minimal /dev, uid, empty /tmp: as the kernel's"

# Where the kernel refuses user namespaces bwrap works under cocoon because
# no kernel namespace is made: the guest's real /proc/PID/ns links, read
# from outside, are this shell's own.
${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$COCOON" run "${MODE_FLAGS[@]}" --namespaces -- bwrap --unshare-all \
  --ro-bind / / --proc /proc -- sleep "$SLEEP_ARG" &
BG_PIDS+=($!)
wait_for 10 pgrep -f "^sleep $SLEEP_ARG" >/dev/null || fail "the sandboxed sleep did not start"
guest=$(pgrep -f "^sleep $SLEEP_ARG" | head -1)
for kind in user pid mnt net uts ipc cgroup; do
  [[ $(readlink "/proc/$guest/ns/$kind") == "$(readlink "/proc/$$/ns/$kind")" ]] ||
    fail "the guest is in a kernel $kind namespace of its own"
done
pass "the sandboxed process is in every kernel namespace of the host (none was made)"
kill "$guest"

# The issue's own command has no -p: natively its mount of /proc fails
# (the PID namespace belongs to the initial user namespace).
((can_switch)) && echo 1000 >"$SYSCTL"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} unshare -Urun --fork --mount-proc true
nstatus=$STATUS
((can_switch)) && echo 0 >"$SYSCTL"
[[ $nstatus != 0 ]] || fail "natively unshare -Urun --mount-proc worked (test bug?)"
pass "natively unshare -Urun --fork --mount-proc (no -p) fails (status $nstatus)"

# User namespaces: unmapped ids are the overflow id; a map makes root.
cocoon_run --namespaces -- sh -c 'unshare -U id -u; unshare -Ur id -u; unshare -Ur cat /proc/self/gid_map | tr -s " "'
assert_eq "65534
0
 0 65534 1" "$OUT" "unshare -U (unmapped) and -Ur (mapped) ids and gid_map"
# The kernel's rules for a map: an unprivileged owner maps only its own id.
cocoon_run --namespaces -- unshare -U sh -c 'echo "0 0 1" >/proc/self/uid_map 2>/dev/null; id -u; cat /proc/self/uid_map | wc -l'
assert_eq "65534
0" "$OUT" "a uid_map naming another user's id is not applied (the owner may only map itself)"
# File owners go through the namespace's id maps, both ways (user_namespaces(7)):
# inside, one's own file is root's, an unmapped owner (root's /) reads as
# 65534, a chown to an unmapped id is EINVAL; a chown to 0 inside is the
# outer id outside, in the run and in the ownership database after it.
owners='cd "$0" && touch f && unshare -Ur sh -c "stat -c %u:%g f; chown 0:0 f; echo chown=\$?; stat -c %u:%g f; chown 5 f 2>/dev/null; echo chown5=\$?; stat -c %u /" && stat -c %u:%g f'
mkdir -m 777 "$TMP/own-native" "$TMP/own-cocoon" "$TMP/own-db"
((can_switch)) && echo 1000 >"$SYSCTL"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} sh -c "$owners" "$TMP/own-native"
((can_switch)) && echo 0 >"$SYSCTL"
assert_eq "0:0
chown=0
0:0
chown5=1
65534
$NOBODY_UID:$NOBODY_UID" "$OUT" "natively: owners inside unshare -Ur and after its chown 0 (the oracle)"
owners_native=$OUT
cocoon_run --namespaces -- sh -c "$owners" "$TMP/own-cocoon"
assert_eq "$owners_native" "$OUT" "under cocoon: owners inside unshare -Ur and after its chown 0, as the kernel's"
db_ids=(--uid "$NOBODY_UID" --gid "$NOBODY_UID" --unknown-is-real --db "$TMP/own-db/db")
cocoon_run --namespaces "${db_ids[@]}" -- sh -c "$owners" "$TMP/own-db"
assert_eq "$owners_native" "$OUT" "the same with an ownership database"
cocoon_run "${db_ids[@]}" -- stat -c %u:%g "$TMP/own-db/f"
assert_eq "$NOBODY_UID:$NOBODY_UID" "$OUT" "the database records the chown 0 made inside as the outer id"
# Credentials' ids go in through the maps too: setuid to an unmapped id is
# EINVAL, setgroups EPERM once unshare -r wrote "deny" (user_namespaces(7)).
ids_probe='import os
def t(f, *a):
    try:
        f(*a)
        return "ok"
    except OSError as e:
        return str(e.errno)
print(os.getuid(), os.getgroups(), t(os.setgroups, []), t(os.setuid, 5), t(os.setgid, 0), t(os.setuid, 0))'
((can_switch)) && echo 1000 >"$SYSCTL"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} unshare -Ur python3 -c "$ids_probe"
((can_switch)) && echo 0 >"$SYSCTL"
ids_native=$OUT
cocoon_run --namespaces -- unshare -Ur python3 -c "$ids_probe"
assert_eq "$ids_native" "$OUT" "set*id and setgroups inside unshare -Ur, as the kernel's ($ids_native)"
# Without a user namespace the others need privilege; with one they do
# not, but the host's UTS namespace stays out of reach.
cocoon_run --namespaces -- unshare -u hostname x
[[ $STATUS != 0 ]] || fail "an unprivileged unshare -u succeeded"
pass "unshare -u alone is refused (status $STATUS)"
cocoon_run --namespaces -- unshare -Ur hostname x
[[ $STATUS != 0 ]] || fail "root of a new user namespace renamed the initial UTS namespace"
pass "root in a new user namespace cannot rename the initial UTS namespace"

# /proc/PID/ns links: distinct per namespace, equal within one; setns
# through them (nsenter) joins the emulated namespace.
cocoon_run --namespaces -- sh -c 'a=$(readlink /proc/self/ns/uts); b=$(unshare -Ur --uts readlink /proc/self/ns/uts); c=$(unshare -Ur --uts sh -c "readlink /proc/\$\$/ns/uts; readlink /proc/self/ns/uts" | sort -u | wc -l); [ "$a" != "$b" ] && echo distinct; echo "$b" | grep -qE "^uts:\[[0-9]+\]$" && echo form; echo "same-within=$c"'
assert_eq "distinct
form
same-within=1" "$OUT" "readlink /proc/PID/ns/uts: uts:[N], N differs between namespaces and agrees within one"
cocoon_run --namespaces -- sh -c 'unshare -Ur --uts sh -c "hostname inner; exec sleep 3" & sleep 0.5; nsenter --preserve-credentials -t $! -U -u hostname; kill $!'
assert_eq "inner" "$OUT" "nsenter -U -u (setns) joins the emulated UTS namespace"
# Without -U the caller has no CAP_SYS_ADMIN in its own user namespace,
# which setns(2) of a UTS namespace asks too: refused, as natively (where
# this host lets nobody make a user namespace) it is.
nsenter_u='unshare -Ur --uts sh -c "hostname inner; exec sleep 3" & sleep 0.5; nsenter -t $! -u hostname; echo "status $?"; kill $!; wait'
cocoon_run --namespaces -- sh -c "$nsenter_u"
assert_eq "status 1" "$OUT" "nsenter -t PID -u without -U: refused (EPERM)"
assert_match "nsenter: reassociate to namespace 'ns/uts' failed: Operation not permitted" "$ERR" "nsenter's message"
run_native ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} sh -c "$nsenter_u"
if [[ $(cat "$SYSCTL") != 0 && $OUT == "status 1" ]]; then
  pass "natively too: nsenter -t PID -u without -U is refused"
elif [[ $(cat "$SYSCTL") != 0 ]]; then
  fail "natively nsenter -t PID -u gave '$OUT' (expected the refusal cocoon shows)"
fi

# Nested PID namespaces: each has its own 1; the outer sees the inner's
# processes, the inner not the outer's; kill across fails.
cocoon_run --namespaces -- unshare -Urp --fork sh -c 'echo $$; unshare -p --fork sh -c "echo \$\$; kill -0 1 2>/dev/null; echo inner-kill-outer-1=\$?"'
assert_eq "1
1
inner-kill-outer-1=0" "$OUT" "nested PID namespaces each have a PID 1 (kill -0 1 inside reaches its own init)"
cocoon_run --namespaces -- unshare -Urp --fork sh -c "kill -0 $$ 2>/dev/null; echo \$?"
assert_eq "1" "$OUT" "a process outside the namespace cannot be signalled"

# IPC: System V objects and keys are per namespace, and die with it.
# The run's outside namespace is the host's, shared with whatever else runs
# on the machine (this test in the other mode, at the same time under
# ctest -j): queues are made and counted by keys of this run's own.
k=$(( $(od -An -N2 -tu2 /dev/urandom) * 8 + 0x4c0000 ))
export IPC_KEYS="$k $((k + 1)) $((k + 2))"
ipc_count='n=0; for k in $IPC_KEYS; do ipcs -q | grep -qi "^$(printf 0x%08x $k) " && n=$((n + 1)); done; echo $n'
ipc_make='python3 -c "import ctypes, sys; print(sys.argv[2], ctypes.CDLL(None).msgget(int(sys.argv[1]), int(sys.argv[3], 8)) >= 0)"'
# msgctl(IPC_STAT) fills struct msqid_ds, whose first field is the key.
ipc_stat='import ctypes, sys
libc, key = ctypes.CDLL(None), int(sys.argv[1])
buf = ctypes.create_string_buffer(256)
ok = libc.msgctl(libc.msgget(key, 0), 2, buf) == 0
print("stat-key", ok and int.from_bytes(buf.raw[:4], "little", signed=True) == key)'
export ipc_count ipc_make ipc_stat
ipc_script='
  set -- $IPC_KEYS
  eval "$ipc_make" $1 made 1600 >/dev/null; echo outside=$(eval "$ipc_count")
  eval "$ipc_make" $2 key-outside 1600
  unshare -r --ipc sh -c "echo inside-before=\$(ipcs -q | grep -c ^0x); eval \"\$ipc_make\" $3 made 1600 >/dev/null
    echo inside=\$(eval \"\$ipc_count\"); eval \"\$ipc_make\" $2 key-inside 600
    python3 -c \"\$ipc_stat\" $3"
  echo outside-after=$(eval "$ipc_count")
  for key in $1 $2; do ipcrm -Q $key; done'
ipc_expected="outside=1
key-outside True
inside-before=0
inside=1
key-inside False
stat-key True
outside-after=2"
cocoon_run --namespaces -- sh -c "$ipc_script"
assert_eq "$ipc_expected" "$OUT" "IPC namespace: outside queues invisible inside, a key of the outside absent inside, the inside queue invisible outside, the guest's own key shown inside (/proc/sysvipc, IPC_STAT)"
left=$("${AS_NOBODY[@]}" sh -c "$ipc_count")
assert_eq "0" "$left" "the emulated namespace's queue was removed with the run"
# The same where arg0 cannot be rewritten at the stop (riscv64 before
# 6.16, forced by the test hook): unshare's flags and msgget's key are put
# in arg0 by running the call again (tracer/src/rerun.cc); before, both
# answered ENOSYS.
COCOON_TEST_NO_ARG0=1 cocoon_run --namespaces -- sh -c "$ipc_script"
assert_eq "$ipc_expected" "$OUT" "IPC namespace with unshare's flags and msgget's key in arg0 run again"
left=$("${AS_NOBODY[@]}" sh -c "$ipc_count")
assert_eq "0" "$left" "the emulated namespace's queue was removed with the run (arg0 run again)"
# cgroup: paths relative to the namespace's root, as the kernel shows them.
((can_switch)) && echo 1000 >"$SYSCTL"
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} unshare -rC cat /proc/self/cgroup
cg_native=$OUT
((can_switch)) && echo 0 >"$SYSCTL"
cocoon_run --namespaces -- unshare -rC cat /proc/self/cgroup
assert_eq "$cg_native" "$OUT" "cgroup namespace: /proc/self/cgroup as the kernel's"

# chroot(2) for a privileged caller: the emulated root, or root of a user
# namespace it made; an unprivileged one gets EPERM as from the kernel.
busybox_root "$TMP/cr" sh ls cat wc true
echo "marker-$MARK" >"$TMP/cr/etc/marker"
chmod -R a+rX "$TMP/cr"
cocoon_run -0 --namespaces -- chroot "$TMP/cr" /bin/sh -c 'cat /etc/marker; ls /; cd /..; ls / | wc -l'
assert_eq "marker-$MARK
bin
etc
2" "$OUT" "chroot as the emulated root: the directory is /, .. stays inside"
cocoon_run --namespaces -- unshare -r chroot "$TMP/cr" /bin/cat /etc/marker
assert_eq "marker-$MARK" "$OUT" "chroot as root of a new user namespace"
cocoon_run --namespaces -- chroot "$TMP/cr" /bin/true
[[ $STATUS != 0 ]] || fail "an unprivileged chroot succeeded"
pass "an unprivileged chroot is refused (status $STATUS)"

# Network: loopback only, for --unshare-net and for unshare -n inside.
net_probe='import socket, sys
srv = socket.socket(); srv.bind(("0.0.0.0", 0)); srv.listen()
host, port = srv.getsockname()
def reach(addr):
    s = socket.socket(); s.settimeout(2)
    try: s.connect(addr); return "ok"
    except OSError as e: return str(e.errno)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try: u.sendto(b"x", ("192.0.2.1", 53)); udp = "ok"
except OSError as e: udp = str(e.errno)
b = socket.socket()
try: b.bind(("192.0.2.1", 0)); bound = "ok"
except OSError as e: bound = str(e.errno)
print(host, reach(("127.0.0.1", port)), reach(("192.0.2.1", 80)), udp, bound)'
cocoon_run --unshare-net -- python3 -c "$net_probe"
assert_eq "127.0.0.1 ok 101 101 99" "$OUT" \
  "--unshare-net: the wildcard binds loopback, loopback connects, elsewhere ENETUNREACH (TCP, UDP), foreign bind EADDRNOTAVAIL"
cocoon_run --namespaces -- unshare -rn python3 -c "$net_probe"
assert_eq "127.0.0.1 ok 101 101 99" "$OUT" "unshare -rn inside: the same"
cocoon_run --namespaces -- unshare -n true
[[ $STATUS != 0 ]] || fail "an unprivileged unshare -n succeeded"
pass "unshare -n without a user namespace is refused (status $STATUS)"

# The emulated root mounts in the run's own mount namespace (fake root's
# mounts change the run's table: mmdebstrap --mode=root, a chroot's /proc
# and /sys); a process in a user namespace of its own may not (the mount
# namespace belongs to the first user namespace). Natively nobody cannot.
mkdir -m 777 "$TMP/mnt" "$TMP/mnt/a" "$TMP/mnt/s"
mnt_script="mount --bind /etc $TMP/mnt/a && ls $TMP/mnt/a/passwd && mount -t sysfs sys $TMP/mnt/s && ls -d $TMP/mnt/s/class"
run_native "${AS_NOBODY[@]}" sh -c "$mnt_script"
[[ $STATUS != 0 ]] || fail "test premise: nobody mounted natively"
cocoon_run -0 --namespaces -- sh -c "$mnt_script && umount $TMP/mnt/a && ls $TMP/mnt/a | wc -l
  unshare -U sh -c 'mount --bind /etc $TMP/mnt/a 2>/dev/null || echo refused in a user namespace'"
assert_eq "$TMP/mnt/a/passwd
$TMP/mnt/s/class
0
refused in a user namespace" "$OUT" "-0 --namespaces: bind and sysfs mounts in the run's own namespace, umount"
[[ -z $(ls "$TMP/mnt/a") ]] || fail "the host directory got the mount"
pass "the host's directory is untouched"

# Without --namespaces, a user namespace the kernel refuses gets one line
# saying how to have them emulated. The kernel is made to refuse: inside a
# user namespace of nobody's own, max_user_namespaces (a per-namespace
# limit) set to 0 makes a nested one fail with ENOSPC.
refuse='echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"'
run_native "${AS_NOBODY[@]}" unshare -U -r sh -c "$refuse" sh unshare -U true
if [[ $STATUS == 0 ]]; then
  fail "test premise: the nested user namespace was not refused natively"
else
  run_limited "$LIMIT" "${AS_NOBODY[@]}" unshare -U -r sh -c "$refuse" sh \
    "$COCOON" run "${MODE_FLAGS[@]}" -- sh -c 'unshare -U true; unshare -U true; echo $?'
  assert_eq 1 "$OUT" "the refusal is the kernel's, unchanged"
  [[ $(grep -c "refused the guest a user namespace" <<<"$ERR") == 1 && $ERR == *"--namespaces emulates them"* ]] ||
    fail "no single hint on stderr: $ERR"
  pass "one line says --namespaces emulates them"
  run_limited "$LIMIT" "${AS_NOBODY[@]}" unshare -U -r sh -c "$refuse" sh \
    "$COCOON" run "${MODE_FLAGS[@]}" --namespaces -- unshare -Ur id -u
  assert_eq 0 "$OUT" "with --namespaces the same unshare works"
fi

# A namespace's init signalled from the namespace above: SIGTERM, which it
# has no handler for, is dropped (only SIGKILL and SIGSTOP are forced from
# an ancestor: kernel/signal.c), SIGKILL ends it. Natively as nobody in
# the kernel's namespaces, then under --namespaces. The init is found as
# unshare's child once it is sleep (pgrep -n -x sleep after a second took
# another test's sleep under load: EPERM, then a hang).
lower_init='unshare -rpf sleep "$0" & until c=$(pgrep -P $! -x sleep); do sleep 0.1; done
kill -TERM $c; sleep 0.3; kill -0 $c && echo "init took no SIGTERM from above"
kill -KILL $c; wait; kill -0 $c 2>/dev/null || echo "SIGKILL ended it"'
run_native "${AS_NOBODY[@]}" sh -c "$lower_init" "$SLEEP_ARG"
native=$OUT
if [[ $native == *"took no SIGTERM"* ]]; then
  cocoon_run --namespaces -- sh -c "$lower_init" "$SLEEP_ARG"
  assert_eq "$native" "$OUT" "--namespaces: a lower namespace's init ignores SIGTERM from above and dies of SIGKILL, as natively"
else
  fail "test premise: natively the lower init did not ignore SIGTERM: $native"
fi

# The same rule for the calls that signal a thread or queue a signal:
# tkill, tgkill and sigqueue (rt_sigqueueinfo) of SIGTERM, from above and,
# to its own init, from inside the namespace; each returns 0 and the init
# lives on, natively in the kernel's namespaces as nobody.
thread_signals='import ctypes, platform, sys
libc = ctypes.CDLL(None, use_errno=True)
tkill, tgkill = {"x86_64": (200, 234), "aarch64": (130, 131), "riscv64": (130, 131)}[platform.machine()]
c = int(sys.argv[1])
print("tkill", libc.syscall(tkill, c, 15), "tgkill", libc.syscall(tgkill, c, c, 15),
      "sigqueue", libc.sigqueue(c, 15, ctypes.c_void_p(0)))'
lower_init2='unshare -rpf sleep "$0" & until c=$(pgrep -P $! -x sleep); do sleep 0.1; done
python3 -c "$1" $c; sleep 0.3; kill -0 $c && echo "init took no SIGTERM from above"
kill -KILL $c; wait
unshare -rpf sh -c "python3 -c \"\$0\" 1; sleep 0.3; echo init lives" "$1"'
run_native "${AS_NOBODY[@]}" sh -c "$lower_init2" "$SLEEP_ARG" "$thread_signals"
native=$OUT
if [[ $native == *"tkill 0 tgkill 0 sigqueue 0"*"took no SIGTERM"*"tkill 0 tgkill 0 sigqueue 0"*"init lives"* ]]; then
  cocoon_run --namespaces -- sh -c "$lower_init2" "$SLEEP_ARG" "$thread_signals"
  assert_eq "$native" "$OUT" "--namespaces: tkill, tgkill and sigqueue of SIGTERM to an init, from above and from inside, are dropped as natively"
else
  fail "test premise: natively the init did not ignore SIGTERM from tkill/tgkill/sigqueue: $native"
fi

finish
