# Logging options and `cocoon syscalls`.
source "$(dirname "$0")/lib.sh" "$@"

log=$TMP/cocoon.log
cocoon_run --log-level debug --log-file "$log" --hostname "lbox$MARK" -- \
  sh -c 'echo out; echo err >&2; uname -n'
assert_status 0 "--log-level debug --log-file"
assert_eq $'out\nlbox'"$MARK" "$OUT" "guest stdout carries only the guest's output"
assert_eq "err" "$ERR" "guest stderr carries only the guest's output"
[[ -s $log ]] || fail "the log file is empty"
grep -q '^cocoon\[' "$log" || fail "no cocoon[...] line in the log file: $(head -3 "$log")"
pass "the log file has cocoon's debug lines ($(grep -c '' "$log") lines)"

# The guest must not inherit the log file's descriptor.
cocoon_run --log-level debug --log-file "$log" -- sh -c 'ls -l /proc/self/fd/ | grep -c cocoon.log'
assert_eq 0 "$OUT" "the log file's descriptor is not inherited by the guest"

# Without --log-file, logs go to cocoon's stderr, never to the guest's stdout.
cocoon_run --log-level trace --hostname "lbox$MARK" -- sh -c 'echo out; uname -n'
assert_eq $'out\nlbox'"$MARK" "$OUT" "trace level: stdout carries only the guest's output"
[[ $ERR == *"cocoon["* ]] || fail "trace level: nothing logged on stderr"
pass "trace level: logs are on stderr"

# The global form of the options (before `run`) works too.
run_native "$COCOON" --log-level debug --log-file "$log" run "${MODE_FLAGS[@]}" -- echo global
assert_eq global "$OUT" "global --log-level/--log-file before 'run'"

cocoon_run --log-level bogus -- true
assert_status 125 "bad --log-level"
assert_cocoon_message "bogus" "bad --log-level message"
COCOON_LOG_LEVEL=bogus2 cocoon_run -- true
assert_status 125 "bad COCOON_LOG_LEVEL"
assert_cocoon_message "bogus2" "bad COCOON_LOG_LEVEL message"
# (Under a regular file: spdlog creates missing parent directories.)
touch "$TMP/afile"
cocoon_run --log-file "$TMP/afile/x.log" -- true
assert_status 125 "unwritable --log-file"
assert_cocoon_message "afile/x.log" "unwritable log file message"

run_native "$COCOON" --version
assert_match '^cocoon [0-9]' "$OUT" "--version"

# --help lists the front ends beside cocoon's own subcommands, and the
# front ends still take cocoon's own options before their name.
run_native "$COCOON" --help
for sub in run trace syscalls mounts fakeroot proot bwrap; do
  assert_match $'\n  '"$sub"' +[A-Za-z]' "$OUT" "--help lists $sub"
done
run_native "$COCOON" --log-level debug proot -k 7.7.7 uname -r
assert_eq "7.7.7" "$OUT" "cocoon --log-level debug proot ...: the front end runs"
assert_match "cocoon\[[a-z]+\] debug:" "$ERR" "--log-level before a front end's name reaches it"

# cocoon syscalls
run_native "$COCOON" syscalls
assert_status 0 "cocoon syscalls"
rows=$(grep -c '^[0-9]' <<<"$OUT")
((rows > 300)) || fail "cocoon syscalls lists only $rows rows"
pass "cocoon syscalls lists $rows rows"
assert_match $'(^|\n)257 openat ' "$OUT" "x86_64 (default) openat is 257"
assert_match $'(^|\n)39 getpid ' "$OUT" "x86_64 getpid is 39"
run_native "$COCOON" syscalls --arch x86_64
assert_match $'(^|\n)257 openat ' "$OUT" "--arch x86_64: openat is 257"
run_native "$COCOON" syscalls --arch aarch64
assert_status 0 "cocoon syscalls --arch aarch64"
assert_match $'(^|\n)56 openat ' "$OUT" "--arch aarch64: openat is 56"
[[ ! $OUT =~ $'\n'[0-9]+\ open\  ]] || fail "aarch64 lists the legacy open"
pass "--arch aarch64 has no legacy open"
run_native "$COCOON" syscalls --arch riscv64
assert_match $'(^|\n)56 openat ' "$OUT" "--arch riscv64: openat is 56"
assert_match $'(^|\n)259 riscv_flush_icache ' "$OUT" "--arch riscv64: riscv_flush_icache is 259"
run_native "$COCOON" syscalls --arch i386
assert_match $'(^|\n)20 getpid ' "$OUT" "--arch i386: getpid is 20"

run_native "$COCOON" syscalls --traced --hostname box
assert_status 0 "cocoon syscalls --traced --hostname box"
assert_match $'(^|\n)63 uname .*trace' "$OUT" "--traced --hostname box: uname is traced"
assert_match $'(^|\n)425 io_uring_setup .*errno' "$OUT" "--traced: io_uring_setup is answered with an errno"
assert_match $'(^|\n)435 clone3 .*errno' "$OUT" "--traced: clone3 is answered with an errno"
[[ ! $OUT =~ $'\n'[0-9]+\ getpid\  ]] || fail "--traced lists getpid"
pass "--traced does not list allowed calls (getpid)"
run_native "$COCOON" syscalls --traced
[[ ! $OUT =~ $'\n'63\ uname\  ]] || fail "--traced without --hostname lists uname"
pass "--traced without --hostname does not trace uname"

# mount(2) and its kin take paths only --namespaces' mount namespaces
# translate: without it they are refused, not let through untranslated.
run_native "$COCOON" syscalls --traced --unshare-pid -b "$TMP:/mnt"
assert_status 0 "cocoon syscalls --traced --unshare-pid -b"
for call in mount umount2 pivot_root; do
  assert_match $'(^|\n)[0-9]+ '"$call"$' [^\n]*: errno 38(\n|$)' "$OUT" \
    "--unshare-pid -b: $call is refused (ENOSYS)"
done
run_native "$COCOON" syscalls --traced --unshare-pid --namespaces -b "$TMP:/mnt"
assert_match $'(^|\n)[0-9]+ mount [^\n]*: trace(\n|$)' "$OUT" "--namespaces: mount is traced (emulated)"

run_native "$COCOON" syscalls --arch bogus
assert_status 125 "--arch bogus"
assert_cocoon_message "bogus" "--arch bogus message"

# cocoon's own start (docs/benchmark.md, "cocoon's own start"): C++
# exceptions are unwound by libgcc's unwinder linked in, never by
# libunwind's local one (a sigprocmask pair and a mincore a frame: ~5 ms
# for --version), and the loader has no libstdc++, libspdlog or libfmt to
# look symbols up in (~1.4 ms a start). Dynamic builds only: a static
# one has no loader.
if readelf -d "$COCOON" 2>/dev/null | grep -q NEEDED; then
  needed=$(readelf -d "$COCOON" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  [[ $needed != *libstdc++* && $needed != *libspdlog* && $needed != *libfmt* && $needed != *"libunwind.so"* ]] ||
    fail "cocoon needs $needed"
  pass "cocoon's shared libraries: $needed"
  run_native env LD_DEBUG=bindings "$COCOON" --version
  assert_status 0 "cocoon --version"
  ! grep '_Unwind_' <<<"$ERR" | grep -q 'to [^ ]*/libunwind\.so' ||
    fail "an _Unwind_ symbol is bound to libunwind.so: $(grep _Unwind_ <<<"$ERR" | head -3)"
  pass "C++ exceptions do not go through libunwind's local unwinder"
fi

finish
