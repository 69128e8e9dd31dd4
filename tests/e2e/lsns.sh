# lsns(8), nsenter(1), stat(1) and readlink(1) against emulated namespaces
# (issue 22): each emulated /proc/PID/ns/KIND shows one number, the same
# to readlink ("uts:[N]"), to stat's st_ino and to lsns, shared by the
# tasks in that namespace, another one when a guest unshares, and never the
# host's for a namespace the guest is in. Compared with the kernel's own
# namespaces: the numbers differ, so they are renamed N1, N2... in order of
# appearance, and the rest (rows, columns, grouping, tree) must be equal.
# Guests run as nobody (cocoon's -0 gives the root the native case has).
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
command -v lsns >/dev/null && command -v nsenter >/dev/null || fail "util-linux's lsns and nsenter are needed"
# namespaces.sh switches user namespaces off while it runs: take its lock,
# under which the sysctl is as the host has it.
exec 9>/tmp/cocoon-e2e-userns.lock
flock 9

# Numbers of 9 digits or more (namespace inodes) renamed by first appearance.
renumber() { perl -pe 's/(\d{9,})/$m{$1}||="N".++$n/ge'; }
mkdir -m 777 "$TMP/w"

# 1. Root's unshare -u -p -f --mount-proc natively, against nobody's under
# cocoon -0 --namespaces. The inner sleep unshares UTS and PID again; the
# FIFO says when its shell is ready, and a loop of builtins waits for the
# exec of sleep (which the FIFO's writer has not done yet: pgrep -x sleep
# found nothing once in CI). No forks in the wait: they would make the
# pids differ.
probe1='mkfifo "$0/ready"
unshare -u -p -f sh -c "hostname inner; echo >\"$0/ready\"; exec sleep $1" &
read x <"$0/ready"
c=$(pgrep -P $!)
while read -r n </proc/$c/comm && [ "$n" != sleep ]; do :; done
lsns
lsns -t pid
lsns -p $c -o NS,TYPE,NPROCS,PID,COMMAND
for k in uts pid mnt; do
  for p in self $c; do
    [ "$(readlink /proc/$p/ns/$k)" = "$k:[$(stat -L -c %i /proc/$p/ns/$k)]" ] && echo "$k of $p: readlink = stat"
  done
done
[ "$(stat -L -c %d /proc/$c/ns/uts)" = "$(stat -L -c %d /proc/self/ns/net)" ] && echo "st_dev: nsfs"
nsenter -t $c -u -p sh -c "hostname; echo \$\$"
kill -KILL $c
wait'
if [[ $(id -u) == 0 ]]; then
  rm -f "$TMP/w/ready"
  run_native unshare -u -p -f --mount-proc sh -c "$probe1" "$TMP/w" "$SLEEP_ARG"
  assert_status 0 "natively (root) unshare -u -p -f --mount-proc with lsns, stat, nsenter"
  native1=$(renumber <<<"$OUT")
  [[ $native1 == *"uts of self: readlink = stat"* && $native1 == *"inner"* ]] || fail "the native run's output is not what the test expects: $native1"
  rm -f "$TMP/w/ready"
  cocoon_run -0 --namespaces -- unshare -u -p -f --mount-proc sh -c "$probe1" "$TMP/w" "$SLEEP_ARG"
  assert_status 0 "under cocoon -0 --namespaces as nobody"
  assert_eq "$native1" "$(renumber <<<"$OUT")" "lsns, lsns -t pid, lsns -p, readlink = stat, st_dev, nsenter -t -u -p: as the kernel's, numbers aside"
else
  pass "(not root: the root-made native case is left out)"
fi

# 2. Nobody's own user namespace: a user, PID and mount namespace, and a
# UTS one made inside it; lsns's tree (parent and owner namespaces, from
# NS_GET_PARENT and NS_GET_USERNS), NS_GET_OWNER_UID and NS_GET_NSTYPE,
# nsenter into the UTS namespace (and refused into one's own user
# namespace: EINVAL).
probe2='mkfifo "$0/ready2"
unshare -u sh -c "hostname x; echo >\"$0/ready2\"; exec sleep $1" &
read x <"$0/ready2"
lsns -T -o NS,TYPE,NPROCS,PID,PNS,ONS,UID
lsns -t uts -o NS,TYPE,NPROCS,PID,USER
python3 -c "
import fcntl, os, struct, sys
fd = os.open(\"/proc/self/ns/user\", os.O_RDONLY)
b = bytearray(4)
fcntl.ioctl(fd, 0xb704, b)  # NS_GET_OWNER_UID
print(\"owner uid\", struct.unpack(\"I\", b)[0])
print(\"types\", fcntl.ioctl(fd, 0xb703), fcntl.ioctl(os.open(\"/proc/%s/ns/uts\" % sys.argv[1], os.O_RDONLY), 0xb703))
u = fcntl.ioctl(os.open(\"/proc/%s/ns/uts\" % sys.argv[1], os.O_RDONLY), 0xb701)  # NS_GET_USERNS
print(\"uts owner is my user ns:\", os.fstat(u).st_ino == os.stat(\"/proc/self/ns/user\").st_ino, os.get_inheritable(u))
" $!
nsenter -t $! -u hostname
nsenter --preserve-credentials -U -u -t $! hostname
kill $!'
rm -f "$TMP/w/ready2"
run_native "${AS_NOBODY[@]}" unshare -Urpf --mount-proc sh -c "$probe2" "$TMP/w" "$SLEEP_ARG"
if [[ $STATUS != 0 || $OUT != *"owner uid"* ]]; then
  pass "(natively nobody cannot make a user namespace here: case 2 has no oracle: $(head -c 100 <<<"$ERR"))"
else
  native2=$(renumber <<<"$OUT")
  native2_err=$(grep reassociate <<<"$ERR")
  [[ $native2 == *"uts owner is my user ns: True False"* ]] || fail "the native run's output is not what the test expects: $native2"
  rm -f "$TMP/w/ready2"
  cocoon_run --namespaces -- unshare -Urpf --mount-proc sh -c "$probe2" "$TMP/w" "$SLEEP_ARG"
  assert_status 0 "under cocoon --namespaces as nobody: unshare -Urpf --mount-proc"
  assert_eq "$native2" "$(renumber <<<"$OUT")" "lsns -T (PNS, ONS), lsns -t uts, the nsfs ioctls, nsenter -u: as the kernel's, numbers aside"
  assert_eq "$native2_err" "$(grep reassociate <<<"$ERR")" "nsenter -U into its own user namespace: refused as by the kernel"
fi

# 3. The options that start the command in a namespace of its own: the
# guest sees a number of its own, never the host's, the same to readlink,
# stat and lsns.
check_own() {  # WHAT KIND COCOON-ARGS...
  local what=$1 kind=$2 host
  shift 2
  host=$(readlink "/proc/self/ns/$kind")
  cocoon_run "$@" -- sh -c "readlink /proc/self/ns/$kind; stat -L -c %i /proc/self/ns/$kind; lsns -n -t $kind -o NS"
  assert_status 0 "$what"
  local lines=($OUT)
  [[ ${lines[0]} =~ ^$kind:\[([0-9]+)\]$ ]] || fail "$what: readlink says '${lines[0]}'"
  local id=${BASH_REMATCH[1]}
  [[ ${lines[0]} != "$host" ]] || fail "$what: the guest sees the host's $host"
  assert_eq "$id $id" "${lines[1]} ${lines[2]}" "$what: $kind:[$id], not the host's $host; stat and lsns say $id too"
}
check_own "--unshare-pid" pid --unshare-pid
check_own "--hostname with --unshare-pid" uts --hostname box --unshare-pid
check_own "--unshare-net" net --unshare-net
check_own "-r / --unshare-pid (a view)" pid -r / --unshare-pid
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" bwrap --ro-bind / / --proc /proc --dev /dev \
  --unshare-uts --unshare-ipc --hostname b -- sh -c 'readlink /proc/self/ns/uts /proc/self/ns/ipc'
assert_status 0 "cocoon bwrap --unshare-uts --unshare-ipc"
[[ $OUT != *"$(readlink /proc/self/ns/uts)"* && $OUT != *"$(readlink /proc/self/ns/ipc)"* && $OUT == *"uts:["* ]] ||
  fail "cocoon bwrap --unshare-uts --unshare-ipc: the host's ids shown: $OUT"
pass "cocoon bwrap --unshare-uts --unshare-ipc: ids of the guest's own ($(tr '\n' ' ' <<<"$OUT"))"
finish
