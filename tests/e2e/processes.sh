# Many threads, many processes, exec chains, exec from a non-leader thread.
source "$(dirname "$0")/lib.sh" "$@"
ITERS=${ITERS:-2000}
host_name=$(uname -n)
assert_traced

run_native "$GUESTS/threads" "$ITERS"
native=$OUT
cocoon_run -- "$GUESTS/threads" "$ITERS"
assert_status 0 "16 threads x $ITERS iterations"
assert_eq "$native" "$OUT" "16 threads: same result as native"

# With --hostname uname is traced: every thread's every uname() must see it.
cocoon_run --hostname "tbox$MARK" -- "$GUESTS/threads" "$ITERS" "tbox$MARK"
assert_status 0 "16 threads with --hostname (traced uname)"
assert_eq "threads ok tbox$MARK $((ITERS * 16 * 5))" "$OUT" "every thread saw the emulated name"
[[ $host_name != "tbox$MARK" ]] || fail "host name equals the test's name"

cocoon_run -- "$GUESTS/forker"
assert_status 0 "200 children (fork and vfork) with distinct exit codes"
assert_eq "forker ok 200" "$OUT" "forker's checks"

cocoon_run -- sh -c 'i=0; while [ $i -lt 200 ]; do /bin/true || exit 1; i=$((i + 1)); done; echo $i'
assert_status 0 "shell loop of 200 /bin/true"
assert_eq 200 "$OUT" "the loop ran 200 times"

cocoon_run -- sh -c 'for i in $(seq 50); do echo $i & done | sort -n | tail -1; wait'
assert_eq 50 "$OUT" "50 concurrent background subshells"

cocoon_run -- "$GUESTS/execchain" 50
assert_status 0 "exec chain of 50"
assert_eq "done 50" "$OUT" "exec chain output (pid kept across 50 execs)"

# Racy by nature (threads die in the middle of stops): run it a few times.
for i in 1 2 3 4 5; do
  cocoon_run -- "$GUESTS/thread_exec"
  [[ $STATUS == 0 && $OUT == *$'\nnew image ok' ]] || fail "execve from a non-leader thread, run $i"
done
assert_status 0 "execve from a non-leader thread (5 runs)"
assert_match $'^exec from tid [0-9]+ \\(leader [0-9]+\\)\nnew image ok$' "$OUT" \
  "the new image runs with the leader's pid"

cocoon_run --hostname "tbox$MARK" -- "$GUESTS/thread_exec"
assert_status 0 "execve from a non-leader thread, uname traced"

# The leader leaves first (pthread_exit); a thread then exits or execs.
cocoon_run -- "$GUESTS/leader_exit" exit
assert_status 5 "leader pthread_exits, another thread exits 5"
cocoon_run -- "$GUESTS/leader_exit" exec
assert_status 6 "leader pthread_exits, another thread execs"
assert_eq "exec'd image: same pid" "$OUT" "exec after the leader's exit keeps the pid"

# posix_spawn / vfork+exec, as Python's subprocess does it.
cocoon_run -- /usr/bin/python3 -c 'import subprocess
outs = {subprocess.run(["/bin/echo", str(i % 3)], capture_output=True).stdout for i in range(60)}
print(sorted(outs))'
assert_eq "[b'0\\n', b'1\\n', b'2\\n']" "$OUT" "60 subprocess.run calls from Python (vfork + exec)"

# perf_event_open (tests/guests/perfcalls.c) as a profiler makes it, as
# nobody: on itself, on its child, and on its child made not dumpable
# (EACCES, natively and under cocoon's emulated flag). Only where
# kernel.perf_event_paranoid lets an unprivileged user profile at all.
if (($(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3) <= 2)); then
  run_native "${AS_NOBODY[@]}" "$GUESTS/perfcalls"
  native=$OUT
  [[ $native == *"perf child: ok"* ]] || fail "perfcalls: natively the child was not observed (test bug?): $native"
  RUN_PREFIX=("${AS_NOBODY[@]}")
  cocoon_run -- "$GUESTS/perfcalls"
  assert_eq "$native" "$OUT" "perf_event_open of itself and its children: as natively"
  RUN_PREFIX=()
else
  echo "note: kernel.perf_event_paranoid is above 2: perfcalls not run (unprivileged profiling is refused natively)"
fi

# pidfd_getfd and process_madvise, which cocoon makes itself on its own
# copy of the guest's pidfd (docs/threat-model.md, "Around the tracer"):
# the kernel's answers, as nobody and as the caller (root here, whose
# process_madvise of its child succeeds: made by cocoon). A bind makes a
# view, and a view Landlock. Without a listener (--no-seccomp) and without
# Landlock (no view) pidfd_getfd gets EPERM.
for who in nobody caller; do
  pre=()
  [[ $who == nobody ]] && pre=("${AS_NOBODY[@]}")
  run_native ${pre[@]+"${pre[@]}"} "$GUESTS/pidfdcalls"
  native=$OUT
  [[ $native == *"getfd child 1: ok cloexec"* ]] || fail "pidfdcalls ($who): natively no descriptor taken (test bug?): $native"
  RUN_PREFIX=(${pre[@]+"${pre[@]}"})
  cocoon_run -b "$GUESTS:$GUESTS" -- "$GUESTS/pidfdcalls"
  assert_eq "$native" "$OUT" "pidfd_getfd and process_madvise ($who, Landlock): as natively"
  want=$native
  [[ $MODE == noseccomp ]] && want=$(sed 's/^\(getfd [^:]*\): .*/\1: EPERM/' <<<"$native")
  cocoon_run -- "$GUESTS/pidfdcalls"
  assert_eq "$want" "$OUT" "pidfd_getfd and process_madvise ($who, no Landlock)"
  RUN_PREFIX=()
done

# PR_SET_DUMPABLE, emulated (syscalls/src/guard/dumpable.h): the guest's
# 0 succeeds and PR_GET_DUMPABLE reads it (threads share it, a fork
# inherits it, an exec makes it 1 again, 2 is EINVAL), and the guest's
# other processes reach a process that set it no more than natively:
# PTRACE_SEIZE, process_vm_readv, pidfd_getfd, kcmp (EPERM),
# process_madvise, its /proc/PID/environ and cwd (EACCES); set to 1
# again, as natively. Under main the set was refused (EPERM) and every
# call reached the process. As nobody (the guest's own calls; the
# parent probes its child, which Yama's scope 1 would allow too).
RUN_PREFIX=("${AS_NOBODY[@]}")
run_native "${AS_NOBODY[@]}" "$GUESTS/nodump" proc
native=$OUT
[[ $native == *$'not dumpable:\n  process_vm_readv: EPERM'*"open environ: EACCES"* &&
  $native == *$'dumpable again:\n  process_vm_readv: ok'* ]] ||
  fail "nodump: natively not as expected (test bug?): $native"
# A view other than the host's own (a bind) has cocoon rewrite /proc paths.
cocoon_run -b "$GUESTS:$GUESTS" -- "$GUESTS/nodump" proc
assert_status 0 "nodump (a view)"
assert_eq "$native" "$OUT" "nodump (a view): the flag's life and the calls on a process not dumpable, as natively"
# In the host's own view cocoon does not see /proc opens: the kernel
# answers them, for a task that is dumpable for real (docs/threat-model.md).
# Without Landlock and a listener (--no-seccomp) pidfd_getfd is EPERM
# anyway (e2e pidfdcalls above).
want=$(sed '/^not dumpable:/,/^dumpable again:/s/\(environ\|cwd\): EACCES/\1: ok/' <<<"$native")
[[ $MODE == noseccomp ]] && want=$(sed 's/^\(  pidfd_getfd\): ok/\1: EPERM/' <<<"$want")
cocoon_run -- "$GUESTS/nodump" proc
assert_status 0 "nodump (the host's view)"
assert_eq "$want" "$OUT" "nodump (the host's view): as natively but for /proc, which the kernel answers"
RUN_PREFIX=()

finish
