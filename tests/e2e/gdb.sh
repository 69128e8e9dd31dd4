# Debian's gdb inside a guest (docs/internals/ptrace.md): it runs its
# program under PTRACE_TRACEME through a shell, reads registers (GETREGS,
# the XSTATE regset, the debug registers with PEEKUSER), writes
# breakpoints, single-steps (a syscall instruction too)
# and attaches with PTRACE_ATTACH. What gdb prints under cocoon must be
# what it prints natively, addresses and pids masked. Both as nobody, as a
# developer runs gdb.
source "$(dirname "$0")/lib.sh" "$@"
assert_traced
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
command -v gdb >/dev/null || { echo "SKIP $TEST_NAME: gdb is not installed"; exit 77; }
[[ $(uname -m) == x86_64 ]] || { echo "SKIP $TEST_NAME: ptrace is emulated on x86-64 only"; exit 77; }
[[ -x $GUESTS/debuggee ]] || fail "no debuggee guest beside ptracer"
# Yama's scope as the host has it (Documentation/admin-guide/LSM/Yama.rst):
# 3 forbids every attach, PTRACE_TRACEME included; 2 leaves attaching to
# CAP_SYS_PTRACE; 1 to ancestors (gdb -p below is its target's parent).
SCOPE=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
((SCOPE < 3)) || { echo "SKIP $TEST_NAME: Yama's ptrace_scope is 3 (no ptrace at all)"; exit 77; }
DEBUGGEE=$GUESTS/debuggee

# What may differ between two runs of the same session: addresses (ASLR),
# pids and thread ids (a null pointer stays 0x0).
mask() {
  sed -E 's/0x[0-9a-f]{2,}/0xADDR/g; s/(process|LWP) [0-9]+/\1 PID/g' <<<"$1"
}

compare() {  # WHAT GDB-ARGS...: gdb -batch natively and under cocoon, masked
  local what=$1
  shift
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$@"
  local native_status=$STATUS native
  native=$(mask "$OUT$ERR")
  cocoon_run -- "$@"
  assert_status "$native_status" "$what: gdb's status as native"
  [[ $(mask "$OUT$ERR") == "$native" ]] || fail "$what: gdb's output differs from native:
$(diff <(echo "$native") <(mask "$OUT$ERR") | head -40)"
  pass "$what: gdb's output as native ($(wc -l <<<"$native") lines)"
}

# 1. A crash's backtrace: SIGSEGV three calls deep.
compare "run, bt of a SIGSEGV" gdb -batch -ex run -ex bt --args "$DEBUGGEE" crash
assert_match "#2 +0xADDR in outer \(p=0x0\)" "$(mask "$OUT")" "the backtrace names inner, middle and outer"

# 2. A breakpoint, next, step into a call, finish, locals; then stepi
# through an instruction at a time and over a syscall instruction (a
# wait4 cocoon stops at in both modes: its result is the kernel's ECHILD,
# and gdb sees the kernel's SIGTRAP after it, TRAP_BRKPT).
compare "break, next, step, finish, print, stepi over a syscall" \
  gdb -batch -ex 'break compute' -ex run -ex next -ex step -ex 'info registers rip' \
  -ex finish -ex next -ex 'print doubled' -ex 'break stepped_call' -ex continue \
  -ex 'stepi 5' -ex 'x/i $pc' -ex stepi -ex 'print $rax' -ex 'print $_siginfo.si_code' \
  -ex 'x/i $pc' -ex continue --args "$DEBUGGEE"
assert_match "Value returned is \\\$1 = 36" "$OUT" "finish returns square's value"
assert_match "\\\$3 = -10
\\\$4 = 1
" "$OUT" "the stepped syscall ran and returned ECHILD; gdb saw TRAP_BRKPT"
assert_match "total 42, wait4 -10" "$OUT" "the program ran to its end"

# A program that vforks (dash runs /bin/true so): gdb detaches the child
# and waits for the parent's PTRACE_EVENT_VFORK_DONE before it puts its
# breakpoints back (PTRACE_O_TRACEVFORKDONE).
compare "run of a shell that vforks" gdb -batch -ex run --args /bin/sh -c '/bin/true; exit 3'
assert_match "Detaching after vfork" "$OUT" "gdb follows the vfork"
assert_match "exited with code 03" "$OUT" "the shell's status reaches gdb"

# 3. gdb -p: the shell that started the sleeping debuggee becomes gdb, its
# parent (which Yama's scope 1 allows), attaches, reads it and kills it.
if ((SCOPE < 2)); then
  chmod 777 "$TMP"
  attach="rm -f $TMP/ready; $DEBUGGEE wait >$TMP/ready & \
while [ ! -s $TMP/ready ]; do sleep 0.05; done; \
exec gdb -batch -p \$! -ex bt -ex 'print counter > 7' -ex kill"
  compare "gdb -p of its sleeping child" sh -c "$attach"
  assert_match "in main \(argc=2" "$OUT" "the attached process's backtrace reaches main"
else
  echo "note $TEST_NAME: gdb -p not checked: Yama's ptrace_scope is $SCOPE (CAP_SYS_PTRACE only)"
fi

# 4. The rules: cocoon itself (the command's parent) and tasks outside the
# run are never a guest's tracee, whatever the ids: EPERM, as the kernel
# says for a task one may not trace. A same-user process outside the run
# would be attachable natively.
"${AS_NOBODY[@]}" sleep "$SLEEP_ARG" &
outsider=$!
BG_PIDS+=("$outsider")
cocoon_run -- sh -c "gdb -batch -p \$PPID; gdb -batch -p $outsider; gdb -batch -p 1"
assert_eq "ptrace: Operation not permitted.
ptrace: Operation not permitted.
ptrace: Operation not permitted." "$(grep '^ptrace:' <<<"$ERR$OUT")" \
  "gdb -p of cocoon, of a same-user process outside the run and of pid 1: EPERM"
kill -0 "$outsider" 2>/dev/null || fail "the outsider died"
assert_eq "0" "$(awk '/^TracerPid:/ {print $2}' /proc/$outsider/status)" \
  "the process outside the run is traced by nobody"
{ kill -KILL "$outsider" && wait "$outsider"; } 2>/dev/null

finish
