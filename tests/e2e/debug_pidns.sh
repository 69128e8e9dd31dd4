# A guest's debugger in an emulated PID namespace (docs/internals/ptrace.md,
# "PID namespaces"): Debian's gdb and strace -f under --unshare-pid, and in
# a guest root (-r) with --unshare-pid, both as nobody. What they print must
# be what they print natively (addresses and pids masked), and every pid
# they show must be the guest's: the one the program reads with getpid(),
# the one ps lists inside, a number of the namespace (which counts from 1).
source "$(dirname "$0")/lib.sh" "$@"
assert_traced
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
for tool in gdb strace ps; do
  command -v $tool >/dev/null || { echo "SKIP $TEST_NAME: $tool is not installed"; exit 77; }
done
[[ $(uname -m) == x86_64 ]] || { echo "SKIP $TEST_NAME: ptrace is emulated on x86-64 only"; exit 77; }
SCOPE=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
((SCOPE < 3)) || { echo "SKIP $TEST_NAME: Yama's ptrace_scope is 3 (no ptrace at all)"; exit 77; }
[[ -x $GUESTS/debuggee ]] || fail "no debuggee guest"
DEBUGGEE=$GUESTS/debuggee
STRACE=$(command -v strace)
mkdir -m 777 "$TMP/logs"

# A guest root holding the host's /usr and /etc read-only, with Debian's
# merged-/usr links, the guests, their sources and the logs at their host
# paths (so that gdb and strace print what they print natively).
ROOT=$TMP/root
mkdir -p "$ROOT/usr" "$ROOT/etc" "$ROOT/proc" "$ROOT/tmp"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$ROOT/$d"; done
chmod -R a+rX "$ROOT"
SOURCES=$(realpath "$(dirname "$0")/../guests")
IN_ROOT=(-r "$ROOT" --ro-bind /usr:/usr --ro-bind /etc:/etc --proc /proc --dev /dev
  -b "$GUESTS:$GUESTS" --ro-bind "$SOURCES:$SOURCES" -b "$TMP/logs:$TMP/logs" -w "$TMP/logs")
# Natively too, every command starts there (the shell reads its $PWD).
cd "$TMP/logs" || fail "cd $TMP/logs"

# Addresses, pids and thread ids, and the padding after a pid in gdb's
# tables (its width differs).
mask() {
  sed -E 's/0x[0-9a-f]{2,}/0xADDR/g; s/(process|LWP) [0-9]+ +/\1 PID /g; s/(process|LWP) [0-9]+/\1 PID/g; s/^pid [0-9]+$/pid PID/' <<<"$1"
}

# WHERE (a label) and OPTS (cocoon run's options) say where each check runs.
gdb_compare() {  # WHAT GDB-ARGS...: gdb -batch natively and in WHERE, masked
  local what="$1 ($WHERE)"
  shift
  run_native ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} "$@"
  local native_status=$STATUS native
  native=$(mask "$OUT$ERR")
  cocoon_run "${OPTS[@]}" -- "$@"
  assert_status "$native_status" "$what: gdb's status as native"
  [[ $(mask "$OUT$ERR") == "$native" ]] || fail "$what: gdb's output differs from native:
$(diff <(echo "$native") <(mask "$OUT$ERR") | head -40)"
  pass "$what: gdb's output as native ($(wc -l <<<"$native") lines)"
}

strace_compare() { strace_same_as_native "$1" "$WHERE" "${OPTS[@]}" -- "${@:2}"; }  # lib.sh

checks() {
  # gdb: a crash's backtrace; a breakpoint, next, step and bt; the
  # inferior's pid as gdb shows it is the one the program prints.
  gdb_compare "run, bt of a SIGSEGV" gdb -batch -ex run -ex bt --args "$DEBUGGEE" crash
  assert_match "#2 +0xADDR in outer \(p=0x0\)" "$(mask "$OUT")" "the backtrace names outer ($WHERE)"
  gdb_compare "break, next, step, bt, info inferiors" gdb -batch -ex 'break compute' -ex run \
    -ex next -ex step -ex bt -ex 'info inferiors' -ex continue --args "$DEBUGGEE" pid
  assert_match "#1 +0xADDR in compute \(x=3\)" "$(mask "$OUT")" "bt at the breakpoint's step ($WHERE)"
  local own shown
  own=$(sed -n 's/^pid \([0-9]*\)$/\1/p' <<<"$OUT")
  shown=$(sed -n 's/.*process \([0-9]*\).*/\1/p' <<<"$OUT" | sort -u)
  [[ -n $own && $own == "$shown" ]] ||
    fail "gdb shows process '$shown', the program's getpid() is '$own' ($WHERE): $OUT"
  ((own < 20)) || fail "the inferior's pid $own is not a number of the namespace ($WHERE)"
  pass "gdb's inferior is process $own, the program's own getpid() ($WHERE)"

  # strace -f: each process's calls as native; then the [pid N] prefixes
  # are the guest's numbers, those ps lists inside.
  strace_compare "sh -c 'true; ls /; (exit 4)'" sh -c 'true; ls / >/dev/null; (exit 4); exit 3'
  cocoon_run "${OPTS[@]}" -- "$STRACE" -f -e trace=execve sh -c 'echo $$; ps -o pid=,comm='
  assert_status 0 "strace -f of sh and ps ($WHERE)"
  local sh_pid ps_pid prefixed listed
  sh_pid=$(head -1 <<<"$OUT")
  listed=$(tail -n +2 <<<"$OUT" | awk '{print $1 " " $2}')
  ps_pid=$(awk '$2 == "ps" {print $1}' <<<"$listed")
  prefixed=$(sed -n 's/^\[pid *\([0-9]*\)\] execve("[^"]*\/ps".*/\1/p' <<<"$ERR")
  [[ -n $ps_pid && $prefixed == "$ps_pid" ]] ||
    fail "strace's [pid N] of ps's execve is '$prefixed', ps lists itself as '$ps_pid' ($WHERE):
$ERR
$OUT"
  grep -q "^$sh_pid " <<<"$listed" || fail "ps does not list the shell's own \$\$ $sh_pid ($WHERE): $OUT"
  local p
  for p in $(sed -n 's/^\[pid *\([0-9]*\)\].*/\1/p' <<<"$ERR" | sort -u); do
    grep -q "^$p " <<<"$listed" || fail "strace shows pid $p, which ps does not list ($WHERE):
$ERR
$OUT"
  done
  pass "strace's [pid N] prefixes are the guest's pids, as ps lists them: ps $ps_pid, sh $sh_pid ($WHERE)"
}

WHERE="--unshare-pid"
OPTS=(--unshare-pid)
checks

WHERE="-r ROOT --unshare-pid"
OPTS=("${IN_ROOT[@]}" --unshare-pid)
checks

# A task outside the namespace has no number there: ESRCH, as natively
# for a pid the caller's namespace does not have (a same-user process
# outside, which gdb -p could attach to without cocoon).
"${AS_NOBODY[@]}" sleep "$SLEEP_ARG" &
outsider=$!
BG_PIDS+=("$outsider")
cocoon_run --unshare-pid -- gdb -batch -p "$outsider"
assert_match "ptrace: No such process" "$ERR$OUT" "gdb -p of a process outside the namespace: ESRCH"
assert_eq "0" "$(awk '/^TracerPid:/ {print $2}' /proc/$outsider/status)" \
  "the process outside the namespace is traced by nobody"
{ kill -KILL "$outsider" && wait "$outsider"; } 2>/dev/null

finish
