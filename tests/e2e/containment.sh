# The filter's blind spots: io_uring and clone3 answer ENOSYS; i386 calls
# (int 0x80) are decided by the i386 table; x32 calls are refused; the
# guest's own seccomp filters keep working. The routes around the tracer
# are tried by tests/adversarial.
source "$(dirname "$0")/lib.sh" "$@"

run_native "$GUESTS/iouring"
echo "     (native: $OUT)"
cocoon_run -- "$GUESTS/iouring"
assert_status 0 "io_uring guest"
assert_eq "io_uring_setup: -1 ENOSYS" "$OUT" "io_uring_setup answers ENOSYS"

run_native "$GUESTS/clone3"
echo "     (native: ${OUT//$'\n'/; })"
cocoon_run -- "$GUESTS/clone3"
assert_status 0 "clone3 guest"
assert_eq $'clone3: -1 ENOSYS\npthread_create: ok' "$OUT" "raw clone3 answers ENOSYS, pthread_create still works"

# int 0x80 from a 64-bit process. Whether the kernel runs it depends on its
# IA32 emulation (docs/kernel-facts.md, "Registers per architecture"):
# without it the instruction faults natively (SIGSEGV); this host's 6.18
# runs it. Either way the outcome under cocoon must be the native one: never
# assume success.
run_native "$GUESTS/int80" getpid
native_out=$OUT native_status=$STATUS
echo "     (native int 0x80 getpid: status $native_status, ${OUT//$'\n'/; })"
cocoon_run -- "$GUESTS/int80" getpid
assert_status "$native_status" "int 0x80 getpid: same status as native"
assert_eq "$native_out" "$OUT" "int 0x80 getpid: same output as native"

# An i386 uname must not leak the host's name when --hostname is set: cocoon
# answers it ENOSYS (-38) or the emulated name; natively it is the host's
# name, or SIGSEGV without IA32 emulation (then cocoon must give the same).
name="i386box$MARK"
run_native "$GUESTS/int80" uname
native_status=$STATUS native_out=$OUT
cocoon_run --hostname "$name" -- "$GUESTS/int80" uname
if ((native_status == 139)); then
  assert_status 139 "int 0x80 uname: faults as natively"
else
  assert_status 0 "int 0x80 uname"
  assert_match $'^before int 0x80 uname\nint 0x80 uname: (-38|0 '"$name"')$' "$OUT" \
    "int 0x80 uname: ENOSYS or the emulated name, not the host's"
fi

# The i386 entry must not be a way around the x86-64 rules: io_uring_setup
# and clone3 through int 0x80 answer ENOSYS too (when the kernel runs i386
# calls at all; otherwise the outcome must equal the native fault).
for call in io_uring clone3; do
  run_native "$GUESTS/int80" "$call"
  native_status=$STATUS
  echo "     (native int 0x80 $call: status $STATUS, ${OUT//$'\n'/; })"
  cocoon_run -- "$GUESTS/int80" "$call"
  if ((native_status == 139)); then
    assert_status 139 "int 0x80 $call: faults as natively"
  else
    assert_status 0 "int 0x80 $call"
    assert_match $'\nint 0x80 [a-z0-9_]+: -ENOSYS$' "$OUT" "int 0x80 $call answers ENOSYS"
  fi
done

# The guest's own filter under cocoon's: its RET_ERRNO answer holds (it
# outranks cocoon's stop), and its RET_TRACE for openat, which no tracer of
# the guest's asked for (PTRACE_O_TRACESECCOMP), fails the call with ENOSYS
# as natively, although cocoon, the real tracer, gets the stop (and traces
# openat itself under -r: the data tells the guest's filter's stop apart,
# docs/internals/ptrace.md). Without cocoon's filter the guest's stop
# comes after cocoon's entry stop, and the answer is the same.
own=$TMP/ownroot
mkdir -p "$own/etc"
cp "$GUESTS/ownfilter" "$own/"
echo "the root's file" >"$own/etc/f"
run_native "$GUESTS/ownfilter" "$own/etc/f"
assert_eq $'getppid: EBADFD\nopen: ENOSYS' "$OUT" "the guest's own filter, natively"
cocoon_run -r "$own" -- /ownfilter /etc/f
assert_eq "$OUT" $'getppid: EBADFD\nopen: ENOSYS' \
  "the guest's own filter under cocoon: its errno, and its RET_TRACE with no tracer of its own ENOSYS, as natively"

# A program that sandboxes itself (selffilter.c) on calls cocoon answers
# itself: getuid under -0, getcwd and readlink under a view (-r). Its
# filter's ERRNO, TRAP and KILL_PROCESS hold as natively, in both modes:
# without cocoon's filter cocoon runs the guest's filters itself before
# its handlers (docs/internals/ptrace.md, "A guest's own seccomp filters").
# A TRAP whose SIGSYS the program blocks or ignores kills it (the kernel
# forces the signal through); a filter installed with TSYNC refuses the
# other thread's calls too, and a TSYNC the kernel refuses (the other
# thread has a filter of its own) returns that thread's id and refuses
# nothing; in a PID namespace that id is the thread's number there. As
# nobody, so that -0's answer (uid 0) differs from the real one.
cp "$GUESTS/selffilter" "$own/"
RUN_PREFIX=("${AS_NOBODY[@]}")
for mode in errno trap trap-blocked trap-ignored kill tsync tsync-refused; do
  run_native "${AS_NOBODY[@]}" "$GUESTS/selffilter" "$mode"
  nout=$OUT nst=$STATUS
  [[ -n $nout ]] || fail "selffilter $mode: no output natively (test bug?)"
  for opts in "-0" "-r $own" "-0 -r $own" "-0 --unshare-pid"; do
    exe=$GUESTS/selffilter
    [[ $opts == *-r* ]] && exe=/selffilter
    # shellcheck disable=SC2086 # the options are words
    cocoon_run $opts -- "$exe" "$mode"
    assert_eq "$nout" "$OUT" "selffilter $mode under cocoon $opts: the output of its own filter, as natively"
    assert_status "$nst" "selffilter $mode under cocoon $opts: status $nst as natively"
  done
done

# SECCOMP_MODE_STRICT, by seccomp(2) and by prctl: read and write work and
# getuid kills (SIGKILL), as natively. Under cocoon's filter the kernel
# would refuse strict mode (EINVAL); cocoon gives the task a filter of the
# same rule (syscalls/src/guard/strict_mode.h). The call it kills runs no
# handler of cocoon's: a chown under -0 with --db is not recorded (with
# the filter the trap comes before cocoon's notification; without it the
# kernel kills after cocoon's entry stop, at which no handler ran).
for mode in strict strict-prctl; do
  run_native "${AS_NOBODY[@]}" "$GUESTS/selffilter" "$mode"
  nout=$OUT nst=$STATUS
  assert_eq $'strict: 0\nread: ok' "$nout" "selffilter $mode natively (test bug?)"
  for opts in "-0" "-r $own" "-0 -r $own"; do
    exe=$GUESTS/selffilter
    [[ $opts == *-r* ]] && exe=/selffilter
    # shellcheck disable=SC2086 # the options are words
    cocoon_run $opts -- "$exe" "$mode"
    assert_eq "$nout" "$OUT" "selffilter $mode under cocoon $opts: strict mode's calls, as natively"
    assert_status "$nst" "selffilter $mode under cocoon $opts: killed as natively (status $nst)"
  done
done
mkdir "$TMP/db"
chowned=$TMP/db/chowned
touch "$chowned"
chown "$NOBODY_UID" "$TMP/db" "$chowned"
cocoon_run -0 --db "$TMP/db/owners" -- "$GUESTS/selffilter" strict "$chowned"
assert_status 137 "selffilter strict, chown under -0: killed as natively"
cocoon_run -0 --db "$TMP/db/owners" -- stat -c %u:%g "$chowned"
assert_eq "0:0" "$OUT" "the chown strict mode killed for was not recorded (--db)"
RUN_PREFIX=()

run_native "$GUESTS/x32"
echo "     (native: $OUT)"
cocoon_run -- "$GUESTS/x32"
assert_status 0 "x32 guest"
assert_eq "x32 getpid: -1 ENOSYS" "$OUT" "an x32 syscall answers ENOSYS"

finish
