# The kernel probe (docs/kernels.md): `cocoon doctor` on this host, and
# runs on this kernel with features turned off in the probe's answer
# (COCOON_TEST_KERNEL), which take the fallbacks an older kernel would: a
# missing requirement refused in one line before the command runs, no
# Landlock said at startup, no WAIT_KILLABLE_RECV no listener. The qemu
# cases run doctor on the real 5.10 (tests/qemu/cases.sh).
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=("${AS_NOBODY[@]}")
# Where the guest (nobody) writes.
W=$TMP/w
mkdir -p "$W"
chmod 1777 "$W"

run_native "${AS_NOBODY[@]}" "$COCOON" doctor
assert_status 0 "cocoon doctor"
assert_match $'^kernel '"$(uname -r)"' \(x86_64\), as probed:' "$OUT" "doctor names this kernel"
assert_match $'\nPTRACE_GET_SYSCALL_INFO +yes ' "$OUT" "doctor: PTRACE_GET_SYSCALL_INFO"
# This host's Landlock ABI, asked directly (landlock_create_ruleset(2)).
abi=$(python3 -c 'import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(max(libc.syscall(444, None, 0, 1), 0))')
if ((abi > 0)); then
  assert_match $'\nlandlock +yes  ABI '"$abi"':' "$OUT" "doctor: Landlock ABI $abi, as the kernel says"
else
  assert_match $'\nlandlock +no ' "$OUT" "doctor: no Landlock, as the kernel says"
fi
assert_match $'\ncocoon runs on this kernel\\.$' "$OUT" "doctor's verdict"
[[ -z $ERR ]] || fail "doctor wrote on stderr: $ERR"

COCOON_TEST_KERNEL=landlock run_native "$COCOON" doctor
assert_match $'\nlandlock +no   \\(Linux 5\\.13\\) a view .* path rewriting alone' "$OUT" \
  "doctor without Landlock says what that means"

# A kernel without PTRACE_GET_SYSCALL_INFO: refused before anything runs.
COCOON_TEST_KERNEL=get_syscall_info cocoon_run -- sh -c "touch $W/ran"
assert_status 125 "no PTRACE_GET_SYSCALL_INFO: refused"
assert_cocoon_message "no PTRACE_GET_SYSCALL_INFO \\(Linux 5\\.3\\)" "the refusal names the feature"
[[ ! -e $W/ran ]] || fail "the command ran although cocoon refused"
pass "the command did not run"
cocoon_run -- sh -c "touch $W/ran"
[[ -e $W/ran ]] || fail "the command cannot leave its mark (test bug)"
pass "without COCOON_TEST_KERNEL the same command runs"
COCOON_TEST_KERNEL=get_syscall_info run_native "$COCOON" doctor
assert_status 125 "doctor on such a kernel"
assert_match $'\ncocoon cannot run on this kernel: ' "$OUT" "doctor's verdict on such a kernel"

# No seccomp filter: only --no-seccomp runs.
COCOON_TEST_KERNEL=seccomp_filter cocoon_run -- echo hi
if [[ $MODE == seccomp ]]; then
  assert_status 125 "no seccomp filter: a filtering run is refused"
  assert_cocoon_message "no seccomp filter.*--no-seccomp" "the refusal says --no-seccomp"
else
  assert_status 0 "no seccomp filter: --no-seccomp runs"
  assert_eq hi "$OUT" "--no-seccomp without a seccomp filter"
fi

# No Landlock: a view runs, and cocoon says at startup, in one line, that
# it is held by path rewriting alone.
mkdir -p "$TMP/mnt"
echo inside >"$TMP/mnt/f"
chmod -R a+rX "$TMP"
COCOON_TEST_KERNEL=landlock cocoon_run -b "$TMP/mnt:/mnt" -- cat /mnt/f
assert_status 0 "no Landlock: a run with a bind"
assert_eq inside "$OUT" "no Landlock: the bind is seen"
assert_match 'no Landlock \(Linux 5\.13\).*path rewriting alone' "$ERR" "no Landlock: said at startup"
[[ $(grep -c '' <<<"$ERR") == 1 ]] || fail "more than one line on stderr: $ERR"
cocoon_run -b "$TMP/mnt:/mnt" -- cat /mnt/f
[[ -z $ERR ]] || fail "with Landlock, something on stderr: $ERR"
pass "with Landlock, nothing on stderr"

# --strict: where the kernel cannot back a wall, refuse in one line (125)
# and run nothing; where it can, run as without it.
COCOON_TEST_KERNEL=landlock cocoon_run --strict -b "$TMP/mnt:/mnt" -- sh -c "touch $TMP/mnt/ran"
assert_status 125 "--strict without Landlock"
assert_match '^cocoon: --strict: this kernel has no Landlock \(Linux 5\.13\), so the filesystem view would rest on translation alone' "$ERR" "--strict without Landlock: the reason"
[[ $(grep -c '' <<<"$ERR") == 1 ]] || fail "--strict: more than one line on stderr: $ERR"
[[ ! -e $TMP/mnt/ran ]] || fail "--strict without Landlock ran the command"
pass "--strict without Landlock ran nothing"
cocoon_run --strict --no-landlock -b "$TMP/mnt:/mnt" -- true
assert_status 125 "--strict with --no-landlock"
assert_match '[-]-strict and --no-landlock' "$ERR" "--strict with --no-landlock: the reason"
cocoon_run --strict -b "$TMP/mnt:/mnt" -- cat /mnt/f
assert_status 0 "--strict with Landlock"
assert_eq inside "$OUT" "--strict with Landlock: the bind is seen"
# Abstract names under --unshare-net need Landlock's scope (ABI 6, 6.12):
# without it the run is refused in one line (125) and runs nothing, unless
# the user accepts the race (--allow-races, COCOON_ALLOW_RACES=1), when it
# is said at startup; --no-landlock accepts it by itself.
if [[ $("$COCOON" doctor 2>&1) =~ ABI\ ([0-9]+) ]] && (( BASH_REMATCH[1] >= 6 )); then
  rm -f "$TMP/mnt/ran"
  COCOON_TEST_KERNEL=landlock_scope cocoon_run --unshare-net -- sh -c "touch $TMP/mnt/ran"
  assert_status 125 "no abstract scope: --unshare-net refused"
  assert_match "^cocoon: this kernel's Landlock \(ABI 5\) cannot scope abstract sockets .*can race; --allow-races or COCOON_ALLOW_RACES=1 runs it anyway" "$ERR" "no abstract scope: the reason"
  [[ $(grep -c '' <<<"$ERR") == 1 ]] || fail "no abstract scope: more than one line on stderr: $ERR"
  [[ ! -e $TMP/mnt/ran ]] || fail "no abstract scope: the refused run ran the command"
  COCOON_TEST_KERNEL=landlock_scope cocoon_run --allow-races --unshare-net -- true
  assert_status 0 "no abstract scope: --allow-races --unshare-net runs"
  assert_match 'cannot scope abstract sockets.*kept by translation alone' "$ERR" "no abstract scope: --allow-races said at startup"
  COCOON_ALLOW_RACES=1 COCOON_TEST_KERNEL=landlock_scope cocoon_run --unshare-net -- true
  assert_status 0 "no abstract scope: COCOON_ALLOW_RACES=1 --unshare-net runs"
  COCOON_ALLOW_RACES=1 COCOON_TEST_KERNEL=landlock_scope run_limited 20 "${RUN_PREFIX[@]}" "$COCOON" bwrap --unshare-net --ro-bind / / true
  assert_status 0 "no abstract scope: COCOON_ALLOW_RACES=1 cocoon bwrap --unshare-net runs"
  COCOON_TEST_KERNEL=landlock_scope run_limited 20 "${RUN_PREFIX[@]}" "$COCOON" bwrap --unshare-net --ro-bind / / true
  assert_status 1 "no abstract scope: cocoon bwrap --unshare-net refused as bwrap fails"
  assert_match '^bwrap: .*cannot scope abstract sockets.*COCOON_ALLOW_RACES=1' "$ERR" "no abstract scope: cocoon bwrap's reason"
  cocoon_run --no-landlock --unshare-net -- true
  assert_status 0 "--no-landlock --unshare-net runs"
  COCOON_TEST_KERNEL=landlock_scope cocoon_run --strict --unshare-net -- true
  assert_status 125 "--strict --unshare-net without the abstract scope"
  assert_match "[-]-strict: this kernel's Landlock \(ABI 5\) cannot scope abstract sockets" "$ERR" "--strict --unshare-net: the reason"
  cocoon_run --strict --unshare-net -- true
  assert_status 0 "--strict --unshare-net with the scope"
  cocoon_run --unshare-net -- true
  assert_status 0 "--unshare-net with the scope"
  [[ -z $ERR ]] || fail "--unshare-net with the scope: something on stderr: $ERR"
  pass "no abstract scope: --unshare-net refused unless the race is accepted; with the scope it runs quietly"
else
  echo "note: this kernel's Landlock has no abstract scope: the cases without it were not run"
fi
cocoon_run --strict --allow-races -- true
assert_status 125 "--strict with --allow-races"
assert_match '[-]-strict and --allow-races' "$ERR" "--strict with --allow-races: the reason"
# Before pidfd_getfd (5.6) the namespace's IP addresses go as a copy a
# sibling thread can race: refused unless accepted, then said at startup.
COCOON_TEST_KERNEL=pidfd_getfd cocoon_run --no-landlock --unshare-net -- true
assert_status 125 "no pidfd_getfd: --unshare-net refused"
assert_match '^cocoon: this kernel has no pidfd_getfd \(Linux 5\.6\).*IP addresses would go as a copy.*--allow-races' "$ERR" "no pidfd_getfd: the reason"
[[ $(grep -c '' <<<"$ERR") == 1 ]] || fail "no pidfd_getfd: more than one line on stderr: $ERR"
COCOON_TEST_KERNEL=pidfd_getfd cocoon_run --no-landlock --allow-races --unshare-net -- true
assert_status 0 "no pidfd_getfd: --allow-races --unshare-net runs"
assert_match 'no pidfd_getfd \(Linux 5\.6\).*IP addresses would go as a copy' "$ERR" "no pidfd_getfd: --allow-races said at startup"
COCOON_TEST_KERNEL=pidfd_getfd cocoon_run --strict --unshare-net -- true
assert_status 125 "--strict --unshare-net without pidfd_getfd"
assert_match '^cocoon: --strict: this kernel has no pidfd_getfd' "$ERR" "--strict without pidfd_getfd: the reason"
[[ $(grep -c '' <<<"$ERR") == 1 ]] || fail "--strict without pidfd_getfd: more than one line on stderr: $ERR"
cocoon_run --unshare-net -- true
assert_status 0 "with pidfd_getfd: --unshare-net"
[[ $ERR != *pidfd_getfd* ]] || fail "with pidfd_getfd: a warning anyway: $ERR"
pass "no pidfd_getfd: --unshare-net refused unless the race is accepted (then said); with it, neither"

# No WAIT_KILLABLE_RECV: the identity calls stop instead of being notified
# (x86-64 with the filter), with the same answers. Whether cocoon holds a
# notification listener shows in its descriptors (root reads them).
listeners() {  # ENV...: cocoon -0 in the background; sets LISTENERS
  env "$@" "${AS_NOBODY[@]}" "$COCOON" run "${MODE_FLAGS[@]}" -0 -- \
    sh -c "stat -c %u / >$W/uid.tmp; mv $W/uid.tmp $W/uid; exec sleep 3.$MARK" &
  local pid=$!
  wait_for 10 test -s "$W/uid" || fail "the guest did not start"
  LISTENERS=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'seccomp notify')
  wait "$pid"
  assert_eq 0 "$(cat "$W/uid")" "-0: stat says root owns / ($*)"
  rm -f "$W/uid"
}
want=0
[[ $MODE == seccomp && $(uname -m) == x86_64 ]] && want=1
listeners COCOON_TEST_KERNEL=
assert_eq "$want" "$LISTENERS" "a listener where the kernel has every feature"
listeners COCOON_TEST_KERNEL=wait_killable_recv
assert_eq 0 "$LISTENERS" "no listener without WAIT_KILLABLE_RECV"

finish
