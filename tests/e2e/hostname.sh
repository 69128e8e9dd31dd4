# --hostname: uname's node name in the guest. Run UNPRIVILEGED (uid 65534):
# as root a guest could really set the host name and pass for the wrong
# reason. The host's name must be unchanged afterwards.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
host_before=$(cat /proc/sys/kernel/hostname)
name="box$MARK"
[[ $host_before != "$name" ]] || fail "the host is already called $name"

cocoon_run -- sh -c 'id -u; uname -n'
assert_eq "$NOBODY_UID"$'\n'"$host_before" "$OUT" "without --hostname the unprivileged guest sees the host's name"

cocoon_run --hostname "$name" -- sh -c 'id -u; uname -n; hostname; uname -a | cut -d" " -f2'
assert_status 0 "uname -n and hostname with --hostname"
assert_eq "$NOBODY_UID"$'\n'"$name"$'\n'"$name"$'\n'"$name" "$OUT" "uname -n, hostname and uname -a print the emulated name"

cocoon_run --hostname "$name" -- /bin/busybox sh -c '/bin/busybox uname -n; /bin/busybox hostname'
assert_eq "$name"$'\n'"$name" "$OUT" "busybox (static) uname -n and hostname print the emulated name"

# The other fields are the host's.
cocoon_run --hostname "$name" -- uname -srvm
assert_eq "$(uname -srvm)" "$OUT" "the other uname fields are the host's"

# The longest name uname can hold (64 characters).
long=$(printf 'h%.0s' {1..64})
cocoon_run --hostname "$long" -- uname -n
assert_eq "$long" "$OUT" "a 64-character host name"

# In every thread of a multi-threaded guest, and in children after exec.
cocoon_run --hostname "$name" -- "$GUESTS/threads" 300 "$name"
assert_eq "threads ok $name $((300 * 16 * 5))" "$OUT" "16 threads all see the emulated name"
cocoon_run --hostname "$name" -- sh -c 'sh -c "sh -c uname\ -n" & wait'
assert_eq "$name" "$OUT" "a grandchild after two execs sees it"

# The guest cannot change the real host name (it is not root).
cocoon_run --hostname "$name" -- hostname "evil$MARK"
[[ $STATUS != 0 ]] || fail "an unprivileged guest could set the host name"
pass "the unprivileged guest cannot set the host name (status $STATUS)"

# --domainname, --kernel-release (PRoot's -k), and the /proc/sys/kernel
# files: what uname says, by absolute path and relative to the directory.
cocoon_run --hostname "$name" --domainname "dom$MARK" --kernel-release 9.9.9-cocoon -- sh -c \
  'uname -r; domainname; cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname /proc/sys/kernel/osrelease;
   cd /proc/sys/kernel && cat hostname'
assert_eq "9.9.9-cocoon
dom$MARK
$name
dom$MARK
9.9.9-cocoon
$name" "$OUT" "--domainname, --kernel-release and /proc/sys/kernel/{hostname,domainname,osrelease}"
# The emulated root may rename the (emulated) host; uname and the /proc
# file follow, the real host does not.
cocoon_run -0 --hostname "$name" -- sh -c 'hostname "new$0" && hostname && cat /proc/sys/kernel/hostname &&
  domainname "d$0" && domainname; python3 -c "import socket; socket.sethostname(\"x\" * 65)" 2>&1 | tail -1' "$MARK"
assert_eq "new$MARK
new$MARK
d$MARK
OSError: [Errno 22] Invalid argument" "$OUT" "sethostname/setdomainname as the emulated root (EINVAL past 64)"

host_after=$(cat /proc/sys/kernel/hostname)
assert_eq "$host_before" "$host_after" "the host's name is unchanged"
assert_eq "$host_before" "$(hostname)" "hostname on the host is unchanged"

finish
