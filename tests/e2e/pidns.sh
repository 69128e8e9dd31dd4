# --unshare-pid: the command is PID 1 of an emulated PID namespace. Run
# UNPRIVILEGED (uid 65534), against a process of the same user outside,
# which the guest could signal natively: under cocoon it must not see it.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})

# A process outside, of the same user.
${AS_NOBODY[@]+"${AS_NOBODY[@]}"} sleep "$SLEEP_ARG" &
outside=$!
BG_PIDS+=("$outside")
# Until it runs sleep (as nobody: setpriv has switched before its exec): a
# guest that signals it while setpriv is still root gets EPERM natively
# (seen at load 11).
is_sleep() { [[ $(cat "/proc/$outside/comm" 2>/dev/null) == sleep ]]; }
wait_for 60 is_sleep || fail "the outside sleep did not start"

run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$GUESTS/pidns" "$outside" native
assert_match "kill_outside=0 " "$OUT" "natively the guest can signal the outside process"

cocoon_run --unshare-pid -- "$GUESTS/pidns" "$outside"
assert_status 0 "the pidns guest"
assert_eq "pid=1 tid=1 ppid=0
self_si_pid=1
thread_kill=0 seen=1
thread_tid=2
fork=3 child_getpid=3 waited=3 exit=7 sigchld_si_pid=3
waitid_si_pid_ok=1
kill_outside=-1 errno=ESRCH
kill_absent=ESRCH
orphan_ppid=1 reaped_orphan=1" "$OUT" \
  "getpid/gettid/getppid, a thread's tid and pthread_kill, fork/wait/waitid, SIGCHLD si_pid, raise() in a child, kill across the boundary, an orphan reparented to PID 1 and reaped"
kill -0 "$outside" || fail "the outside process died"
pass "the outside process is still alive"

# The same where arg0 cannot be rewritten at the stop (riscv64 before
# 6.16, forced here by the test hook): tgkill, wait4 and kill of one pid
# are skipped and run again with the host's number in arg0
# (tracer/src/rerun.cc). Before, tgkill answered ENOSYS and wait4 -1.
expected_pidns=$OUT
COCOON_TEST_NO_ARG0=1 cocoon_run --unshare-pid -- "$GUESTS/pidns" "$outside"
assert_status 0 "the pidns guest, arg0 run again"
assert_eq "$expected_pidns" "$OUT" "the same numbers when every pid in arg0 is put there by running the call again"
kill -0 "$outside" || fail "the outside process died (arg0 run again)"

# A child making itself a group leader with its own number twice, as
# gdb's inferior does (setpgid(getpid(), getpid())), and its parent doing
# it for the child, as a shell with job control does: both succeed.
setpgid_script='$| = 1; if (my $c = fork) { waitpid($c, 0) } else { print setpgrp($$, $$) ? "child ok\n" : "child $!\n"; exit 0 }
  pipe(my $r, my $w); if (my $c = fork) { print setpgrp($c, $c) ? "parent ok\n" : "parent $!\n"; close $w; waitpid($c, 0) }
  else { close $w; <$r>; exit 0 }'
run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} perl -e "$setpgid_script"
assert_eq $'child ok\nparent ok' "$OUT" "natively setpgid(getpid(), getpid()) succeeds"
cocoon_run --unshare-pid -- perl -e "$setpgid_script"
assert_eq $'child ok\nparent ok' "$OUT" "setpgid(getpid(), getpid()) in a child, and of a child by its parent (the pgid translated once)"

# Without --unshare-pid the numbers are the host's.
cocoon_run -- sh -c 'echo $$'
[[ $OUT != 1 ]] || fail "without --unshare-pid the shell is PID 1"
pass "without --unshare-pid the shell has its real pid ($OUT)"

# /proc lists the namespace only, under its numbers; /proc/self, the
# status file and stat agree with getpid.
# ls alone into a file (a pipeline's other members may not be born yet
# when ls reads /proc).
mkdir -m 777 "$TMP/w"
cocoon_run --unshare-pid -- sh -c 'sleep 30 & ls /proc >"$0"; grep -E "^[0-9]+$" "$0" | sort -n | tr "\n" " "; kill $!' "$TMP/w/ls"
assert_eq "1 2 3 " "$OUT" "ls /proc shows the shell (1), the sleep (2) and ls (3)"
cocoon_run --unshare-pid -- sh -c 'echo $$; readlink /proc/self; grep -E "^(Pid|PPid|Tgid|NSpid|TracerPid):" /proc/$$/status | tr "\t\n" "  "; echo; cut -d" " -f1,4 /proc/self/stat; cd /proc && cat 1/stat | cut -d" " -f1'
assert_eq "1
2
Tgid: 1 Pid: 1 PPid: 0 TracerPid: 0 NSpid: 1 
5 1
1" "$OUT" "\$\$, readlink /proc/self, /proc/1/status, /proc/self/stat and a relative 1/stat"
cocoon_run --unshare-pid -- sh -c "cat /proc/$outside/status; ls -d /proc/$outside"
[[ $STATUS != 0 && $OUT == "" ]] || fail "the outside process is visible in /proc: $OUT"
pass "the outside process's /proc directory does not exist inside (status $STATUS)"
cocoon_run --unshare-pid -- ps -eo pid=,ppid=,comm=
assert_eq "    1     0 ps" "$OUT" "ps -e shows only itself, as PID 1"
cocoon_run --unshare-pid -- sh -c "kill $outside; echo \$?"
assert_match "^1$" "$(tail -n1 <<<"$OUT")" "kill(1) of the outside pid fails"

# taskset -p of a sibling: Pids translates its number before Affinity
# (CPU placement's sched_getaffinity) answers for it. The sibling put
# itself on CPU 0 (as natively: mask 1); asked about the host's pid 2
# instead, Affinity said ESRCH, or where that exists (kthreadd), gave
# cocoon's CPUs.
cocoon_run --unshare-pid -- sh -c "taskset -c 0 sleep $SLEEP_ARG &
  until [ \"\$(cat /proc/\$!/comm)\" = sleep ]; do sleep 0.05; done
  taskset -p \$!; kill \$!"
assert_status 0 "taskset -p of a sibling"
assert_eq "pid 2's current affinity mask: 1" "$OUT" \
  "taskset -p reads a sibling's affinity by its number in the namespace"

# mount(2) with a bind (paths translated) and no --namespaces: refused,
# not handed to the kernel with the guest's paths.
cocoon_run --unshare-pid -b "$TMP:/mnt" -- python3 -c 'import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.mount(b"none", b"/mnt", b"tmpfs", 0, None)
print(r, os.strerror(ctypes.get_errno()))'
assert_eq "-1 Function not implemented" "$OUT" "mount(2) under --unshare-pid -b is ENOSYS"

# Static busybox (no libc) and the shell's job control numbers.
cocoon_run --unshare-pid -- /bin/busybox sh -c 'echo $$; /bin/busybox sh -c "echo \$PPID"; true'
assert_eq "1
1" "$OUT" "static busybox: \$\$ and a child's \$PPID"

# SIGKILL and unhandled signals from inside do not reach init; its
# handled ones do (SIGNAL_UNKILLABLE).
cocoon_run --unshare-pid -- sh -c 'kill -9 1; kill -TERM 1; echo alive; trap "echo got USR1" USR1; kill -USR1 1; echo end'
assert_eq "alive
got USR1
end" "$OUT" "init ignores SIGKILL/SIGTERM from inside but takes a handled SIGUSR1"

# When PID 1 exits, the rest of the namespace is killed (the finish check
# below fails on any leftover with the marker).
start=$(now_ms)
cocoon_run --unshare-pid -- sh -c "sleep $SLEEP_ARG & sleep $SLEEP_ARG & echo started"
assert_eq "started" "$OUT" "PID 1 started two sleeps and exited"
(( $(now_ms) - start < 10000 )) || fail "cocoon waited for the sleeps"
pass "cocoon returned when PID 1 exited"

kill "$outside"
wait "$outside" 2>/dev/null
finish
