# OCI bundles with uid/gid mappings of ranges (docs/sandboxes.md, "Id
# mappings"): rootless podman's shape, the caller's uid as container 0 and
# 65536 ids from 100000 as 1..65536, which cocoon emulates in a user
# namespace of its own with the config's maps. What the container sees
# (ids, uid_map and gid_map, chown and stat, ls -ln, setresuid to a mapped
# id and to an unmapped one) is compared with the kernel's answers for the
# same commands in a real user namespace with the same maps (written by
# root from outside, as newuidmap would) and with what the maps say.
# umoci's one-id map is compared with `unshare -r`. Refusals by name. Run
# UNPRIVILEGED (uid 65534), umoci too.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
command -v umoci >/dev/null || fail "umoci is not installed (tools/install-deps.sh)"

export XDG_RUNTIME_DIR=$TMP/xdg
W=$TMP/oci
mkdir -m 700 "$XDG_RUNTIME_DIR" "$W"
[[ $(id -u) == 0 ]] && chown "$NOBODY_UID:$NOBODY_UID" "$XDG_RUNTIME_DIR" "$W"
as_user() { ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$@"; }
oci() { run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" oci "${MODE_FLAGS[@]}" "$@"; }

# The busybox root as an OCI image's one layer, unpacked by umoci
# --rootless (its files the user's), with the host's /usr bound in (ro)
# so that the container runs the same coreutils and setpriv as the
# kernel's namespace below: the same programs, the same messages.
as_user bash "$(dirname "$0")/../../tools/busybox-root.sh" "$W/root" || fail "busybox-root.sh"
as_user sh -ec "
  cd $W
  umoci init --layout img
  umoci new --image img:bb
  umoci unpack --rootless --image img:bb empty
  rm -rf empty/rootfs && cp -a root empty/rootfs
  mkdir empty/rootfs/usr && ln -s usr/lib empty/rootfs/lib && ln -s usr/lib64 empty/rootfs/lib64
  umoci repack --image img:bb empty
  umoci unpack --rootless --image img:bb bundle
" >"$TMP/umoci.log" 2>&1 || fail "building and unpacking the image: $(cat "$TMP/umoci.log")"
[[ -f $W/bundle/config.json ]] || fail "umoci made no bundle"
cp "$W/bundle/config.json" "$W/config.orig.json"
edit() {  # PYTHON on the original config.json (as c)
  python3 - "$W/config.orig.json" "$W/bundle/config.json" "$1" <<'PY' || fail "editing config.json"
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
  chmod a+r "$W/bundle/config.json"
}

# The probe, run in the container's /tmp and in the kernel's namespace in a
# directory of the user's (mode 1777 as /tmp, so that uid 5 may write).
probe='id -u; id -g; id -G
cat /proc/self/uid_map /proc/self/gid_map | tr -s " "
stat -c "%u %g" . /usr/bin/id
touch f && chown 5:7 f && stat -c "%u %g" f && ls -ln f | cut -d" " -f3,4
chown 66000 f 2>&1; chgrp 70000 f 2>&1; stat -c "%u %g" f
setpriv --reuid 5 --regid 7 --clear-groups sh -c "id -u; id -g; id -G; touch g; stat -c \"%u %g\" g"
ls -ln g | cut -d" " -f3,4
setpriv --reuid 66000 true 2>&1; echo "status $?"'
# podman's rootless maps for this user (hostIDs from /etc/subuid there;
# here any: cocoon owns none of them) and podman's default capabilities.
UIDS="0 $NOBODY_UID 1
1 100000 65536"
podman_style() {  # [PYTHON]: the config with these maps, the probe as the command
  edit "
m = [{'containerID': 0, 'hostID': $NOBODY_UID, 'size': 1}, {'containerID': 1, 'hostID': 100000, 'size': 65536}]
c['linux']['uidMappings'] = m
c['linux']['gidMappings'] = [dict(x) for x in m]
c['process']['user'] = {'uid': 0, 'gid': 0}
caps = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
        'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT']
for s in ('bounding', 'effective', 'permitted'): c['process']['capabilities'][s] = caps
c['process']['terminal'] = False
c['process']['cwd'] = '/tmp'
c['process']['env'] = ['PATH=/usr/bin:/bin']
c['process']['args'] = ['sh', '-c', r'''$probe''']
c['mounts'].append({'destination': '/usr', 'type': 'bind', 'source': '/usr', 'options': ['rbind', 'ro']})
${1:-}"
}

# What the maps say the probe sees: container root (the user's own id),
# the maps' lines, its directory and files the user's (0), a file of real
# root's unmapped (the overflow id); a file chowned to 5:7 is 5:7 and an
# unmapped id is refused (EINVAL); setresuid to 5 takes effect, to 66000
# fails with EINVAL.
lines=$(printf '%s\n%s' "$UIDS" "$UIDS" | sed 's/^/ /')
expected="0
0
0
$lines
0 0
65534 65534
5 7
5 7
chown: changing ownership of 'f': Invalid argument
chgrp: changing group of 'f': Invalid argument
5 7
5
7
7
5 7
5 7
setpriv: setresuid failed: Invalid argument
status 127"

# The kernel's answers: the probe as the user in a new user namespace
# whose maps root writes from outside (newuidmap's part), in $K.
kernel_probe() {  # MAP-TEXT SCRIPT: OUT, STATUS
  local k=$TMP/kernel
  rm -rf "$k" && mkdir -m 1777 "$k" && chown "$NOBODY_UID:$NOBODY_UID" "$k"
  printf '%s\n' "$1" >"$TMP/map"
  timeout -k 5 "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} unshare -U sh -c 'echo $$ >"$0/pid"; while ! [ -e "$0/go" ]; do sleep 0.05; done
    cd "$0/d" && exec env -i PATH=/usr/bin:/bin sh -c "$1"' "$k" "$2" >"$TMP/kout" 2>&1 &
  BG_PIDS+=($!)
  wait_for 20 test -s "$k/pid" || fail "the kernel's user namespace did not start"
  mkdir -m 1777 "$k/d" && chown "$NOBODY_UID:$NOBODY_UID" "$k/d"
  cat "$TMP/map" >"/proc/$(cat "$k/pid")/uid_map" && cat "$TMP/map" >"/proc/$(cat "$k/pid")/gid_map" ||
    fail "writing the kernel namespace's maps"
  touch "$k/go"
  wait $!
  STATUS=$?
  OUT=$(cat "$TMP/kout")
}

if [[ $(id -u) == 0 ]]; then
  kernel_probe "$UIDS" "$probe"
  assert_eq "$expected" "$OUT" "the kernel's user namespace with podman's maps: what the maps say"
  kernel_out=$OUT
else
  echo "note $TEST_NAME: not root: no kernel namespace with these maps to compare with (the maps' expectations still checked)"
  kernel_out=$expected
fi

podman_style
oci run -b "$W/bundle" "ranges-$MARK"
assert_status 0 "oci run of a bundle with podman's maps"
assert_eq "$kernel_out" "$OUT" "podman's maps: ids, uid_map/gid_map, owners shown, chown 5:7, ls -ln, an unmapped id refused, setresuid to 5 and a file it makes, to 66000 refused: as the kernel's namespace"
for f in f g; do
  [[ $(stat -c %u "$W/bundle/rootfs/tmp/$f") == "$NOBODY_UID" ]] || fail "the container's /tmp/$f is not really the user's"
done
pass "the files the container gave to 5:7 are really the user's on the host (5:7 is emulated)"

# process.user through the maps: container uid 1000 is 100999 of the first
# namespace, an emulated id; additionalGids mapped too, set as runc sets
# them where setgroups is allowed.
podman_style "
c['process']['user'] = {'uid': 1000, 'gid': 1000, 'additionalGids': [10, 20]}
c['process']['args'] = ['sh', '-c', 'id -u; id -g; id -G; cat /proc/self/setgroups; touch h; stat -c \"%u %g\" h']"
oci run -b "$W/bundle" "user-$MARK"
assert_eq "1000
1000
1000 10 20
allow
1000 1000" "$OUT" "process.user 1000:1000 with additionalGids 10, 20: its ids, groups and files through the maps; setgroups allowed"

# umoci's own map (the user's id as 0, one id): what `unshare -r` makes.
run_native ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} unshare -r sh -c 'cat /proc/self/uid_map /proc/self/gid_map | tr -s " "; id -u; cat /proc/self/setgroups'
native=$OUT
[[ $STATUS == 0 && -n $native ]] || fail "unshare -r natively: $STATUS $ERR"
edit "
c['process']['terminal'] = False
c['process']['args'] = ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map | tr -s \" \"; id -u; cat /proc/self/setgroups']"
oci run -b "$W/bundle" "umoci-$MARK"
assert_eq "$native" "$OUT" "umoci's one-id maps: uid_map, gid_map, uid 0 and setgroups denied, as unshare -r natively"

# --- refusals, by name ----------------------------------------------------
refused() {  # WHAT REGEX PYTHON-EDIT
  podman_style "$3"
  oci run -b "$W/bundle" "ref-$MARK"
  assert_status 125 "$1"
  assert_cocoon_message "$2" "$1"
}
refused "overlapping ranges" "config.json: linux.uidMappings: two mappings overlap outside \(hostID\)" \
  "c['linux']['uidMappings'][1]['hostID'] = $NOBODY_UID"
refused "overlapping container ids" "config.json: linux.gidMappings: two mappings overlap inside \(containerID\)" \
  "c['linux']['gidMappings'][1]['containerID'] = 0"
refused "more than 340 lines" "config.json: linux.uidMappings: more than 340 mappings" \
  "c['linux']['uidMappings'] += [{'containerID': 70000 + i, 'hostID': 200000 + i, 'size': 1} for i in range(339)]"
refused "a range reaching (uid_t)-1" "config.json: linux.uidMappings: a mapping reaches 4294967295, which is no id" \
  "c['linux']['uidMappings'][1]['hostID'] = 4294967295 - 100"
refused "maps without the user's own id" "config.json: linux.gidMappings: no hostID is yours \($NOBODY_UID\)" \
  "c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
refused "an unmapped process.user" "config.json: process.user.uid: 70000 is not mapped in the user namespace" \
  "c['process']['user']['uid'] = 70000"
refused "an unmapped additional gid" "config.json: process.user.additionalGids: 70000 is not mapped in the user namespace" \
  "c['process']['user']['additionalGids'] = [70000]"

finish
