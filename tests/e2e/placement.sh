# CPU placement (tracer/src/placement.h): a serial guest runs on one CPU
# with cocoon (stops are then context switches, not wake-ups of another
# vCPU), a guest with two runnable processes gets its CPUs back, and what
# the guest reads of its affinity (nproc, sched_getaffinity) is what it
# would see without cocoon. Needs a machine with 2 CPUs or more.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
ncpu=$(nproc)
((ncpu >= 2)) || fail "this test needs at least 2 CPUs (nproc says $ncpu)"
all=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)

cocoon_run -- sh -c 'sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status; nproc; python3 -c "import os; print(len(os.sched_getaffinity(0)))"'
lines=($OUT)
[[ ${lines[0]} =~ ^[0-9]+$ ]] || fail "a serial guest should be on one CPU, got Cpus_allowed_list '${lines[0]}'"
pass "a serial guest (a shell and its command) runs on one CPU (${lines[0]})"
assert_eq "$ncpu"$'\n'"$ncpu" "${lines[1]}"$'\n'"${lines[2]}" "nproc and sched_getaffinity still see $ncpu CPUs"

# Two processes that compete for a CPU: both CPUs again, once samples of
# their states have found both runnable twice (Placement::kGrace, 3 ms
# apart). Two long busy loops (no system call in them), whose masks the
# test reads from outside, from /proc, while they run: a reader inside
# the guest makes system calls, and under --no-seccomp on a loaded machine
# it spends most of its time in ptrace stops, not runnable, so the guest
# it joins may rightly be serial again when it reads (seen beside two CPU
# hogs).
"${RUN_PREFIX[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -- \
  sh -c 'p() { i=0; while [ $i -lt $1 ]; do i=$((i+1)); done; }; p 50000000 & p 50000000; wait' "$MARK" &
bg=$!
BG_PIDS+=("$bg")
loops_unpinned() {
  local p n=0
  for p in $(pgrep -f -- "$MARK"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == sh ]] || continue
    [[ $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null) == "$all" ]] || return 1
    n=$((n + 1))
  done
  ((n == 2))
}
wait_for 30 loops_unpinned || fail "a guest with two runnable processes: not on all CPUs ($all) within 30 s"
pass "a guest with two runnable processes has all its CPUs"
kill -TERM "$bg"
wait "$bg" 2>/dev/null || :

# A shell blocked reading a command substitution is not runnable: a busy
# command that runs far longer than the samples' grace stays on one CPU
# with it (cocoon traces no wait4; it samples /proc/TID/stat).
cocoon_run -- sh -c 'x=$(i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done
  sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status); echo "$x"'
[[ $OUT =~ ^[0-9]+$ ]] || fail "a shell waiting on a pipe for its busy command: expected one CPU, got '$OUT'"
pass "a shell blocked on its command's pipe leaves the guest on one CPU ($OUT)"

cocoon_run --no-cpu-placement -- sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status
assert_eq "$all" "$OUT" "--no-cpu-placement leaves the CPUs alone"

# The mask a guest sets is inherited as the kernel has it: by a forked
# child and across execve (sched_setaffinity(2)), and by a new thread
# (pthread_create(3)). taskset execs sh, whose children read it.
first=${all%%[-,]*}
same_as_native "a mask set with taskset is what its children and threads read" \
  "taskset -c $first sh -c 'nproc; (nproc); python3 -c \"import os, threading; t = threading.Thread(target=lambda: print(len(os.sched_getaffinity(0)))); t.start(); t.join()\"'"

# A guest's own sched_setaffinity is what it reads back.
cocoon_run -- python3 -c 'import os; os.sched_setaffinity(0, {0}); print(sorted(os.sched_getaffinity(0)))'
assert_eq "[0]" "$OUT" "the guest reads back the affinity it set"
finish
