# Debian's ltrace inside a guest (issue 17: "ltrace if Debian's works
# natively here"; docs/internals/ptrace.md): it starts its program under
# PTRACE_TRACEME, writes breakpoints into its PLT (POKETEXT), single-steps
# over them and reads registers at each library call and return; with -S
# it also stops at every syscall (PTRACE_SYSCALL). What it prints under
# cocoon must be what it prints natively, addresses masked (ASLR). As
# nobody, as a developer runs it; plain and under -0.
source "$(dirname "$0")/lib.sh" "$@"
assert_traced
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
command -v ltrace >/dev/null || { echo "SKIP $TEST_NAME: ltrace is not installed"; exit 77; }
[[ $(uname -m) == x86_64 ]] || { echo "SKIP $TEST_NAME: ptrace is emulated on x86-64 only"; exit 77; }
[[ -x $GUESTS/debuggee ]] || fail "no debuggee guest"
SCOPE=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
((SCOPE < 3)) || { echo "SKIP $TEST_NAME: Yama's ptrace_scope is 3 (no ptrace at all)"; exit 77; }
mkdir -m 777 "$TMP/logs"

# Addresses (ASLR) and the numbers of processes and threads a call returns
# (set_tid_address gives the caller's tid), which ltrace prints in decimal
# when small (6656) and in hex otherwise (0x3dbb).
mask() {
  sed -E 's/0x[0-9a-f]{2,}/0xADDR/g;
    s/^(SYS_(set_tid_address|getpid|gettid|getppid|clone|clone3|fork|vfork)\(.*\) += )(0xADDR|[0-9]+)$/\1PID/' "$1"
}

# WHAT OPTS -- LTRACE-ARGS...: ltrace -o LOG natively and under cocoon.
compare() {
  local what=$1 opts=()
  shift
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  rm -f "$TMP/logs/native" "$TMP/logs/cocoon"
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} ltrace -o "$TMP/logs/native" "$@"
  local native_status=$STATUS native_out=$OUT
  [[ -s $TMP/logs/native ]] || fail "$what: ltrace writes no log natively ($STATUS): $ERR"
  cocoon_run ${opts[@]+"${opts[@]}"} -- ltrace -o "$TMP/logs/cocoon" "$@"
  assert_status "$native_status" "$what: ltrace's status as native"
  assert_eq "$native_out" "$OUT" "$what: the program's output as native"
  local native cocoon
  native=$(mask "$TMP/logs/native")
  cocoon=$(mask "$TMP/logs/cocoon")
  [[ $native == "$cocoon" ]] || fail "$what: ltrace's log differs from native:
$(diff <(echo "$native") <(echo "$cocoon") | head -40)"
  pass "$what: ltrace's log as native ($(wc -l <<<"$native") lines)"
}

compare "library calls" -- "$GUESTS/debuggee"
assert_match 'printf\("total %d, wait4 %ld\\n", 42, -10\)' "$(cat "$TMP/logs/cocoon")" \
  "ltrace shows the library call with its arguments"
compare "library calls and syscalls (-S)" -- -S "$GUESTS/debuggee"
assert_match 'SYS_wait4\(' "$(cat "$TMP/logs/cocoon")" "ltrace -S shows the syscalls"
compare "library calls under -0" -0 -- "$GUESTS/debuggee"
compare "a crash (SIGSEGV)" -- "$GUESTS/debuggee" crash

finish
