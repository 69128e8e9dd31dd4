# `cocoon proot`: PRoot's command line (issue 6's front end) over cocoon's
# view and identities, as nobody, also when cocoon runs under the name
# proot. Debian's PRoot 5.1 cannot be the oracle here: on this kernel it
# fails to load a dynamic program whenever it binds anything ("cannot stat
# shared object: Invalid argument"), so the expected outputs are written
# out.
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
ROOT=$TMP/root DATA=$TMP/data HOMEDIR=$TMP/home
busybox_root "$ROOT" sh ls cat pwd id uname chown touch cut
mkdir -p "$ROOT/proc" "$DATA" "$HOMEDIR"
echo "data-$MARK" >"$DATA/d"
echo "home-$MARK" >"$HOMEDIR/h"
chmod -R a+rwX "$ROOT" "$DATA" "$HOMEDIR"
proot_run() { run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" proot "$@"; }
# PRoot's own switch for its seccomp acceleration is this mode's --no-seccomp.
[[ $MODE == noseccomp ]] && export PROOT_NO_SECCOMP=1
proot_run grep '^Seccomp:' /proc/self/status
assert_eq "Seccomp:	$([[ $MODE == noseccomp ]] && echo 0 || echo 2)" "$OUT" "the mode's filter (PROOT_NO_SECCOMP in noseccomp)"

proot_run -r "$ROOT" -b "$DATA:/mnt/data" -w /mnt/data -k 9.8.7-proot -- sh -c 'pwd; uname -r; cat d; id -u'
assert_eq "/mnt/data
9.8.7-proot
data-$MARK
$NOBODY_UID" "$OUT" "-r, -b HOST:GUEST, -w, -k"
proot_run --rootfs="$ROOT" -m "$DATA:/m" --cwd=/m -0 sh -c 'id -u; touch f && chown 7:8 f && ls -ln f'
assert_match $'^0\n-rw-r--r-- +1 7 +8 ' "$OUT" "--rootfs=, -m, --cwd=, -0 (fake root, chown recorded)"
proot_run -r "$ROOT" -i 5:6 sh -c 'id -u; id -g'
assert_eq $'5\n6' "$OUT" "-i UID:GID"
HOME=$HOMEDIR proot_run -R "$ROOT" sh -c 'cat '"$HOMEDIR"'/h; ls /proc/self/status'
assert_eq "home-$MARK"$'\n/proc/self/status' "$OUT" "-R: the rootfs with /proc and \$HOME bound"
HOME=$HOMEDIR proot_run -S "$ROOT" sh -c 'id -u; ls /proc/self/status'
assert_eq $'0\n/proc/self/status' "$OUT" "-S: -R's binds and fake root"
STDIN_FILE=$DATA/d proot_run -r "$ROOT" -w / -- cat
assert_eq "data-$MARK" "$OUT" "stdin passes through"
printf 'echo default-%s\n' "$MARK" >"$TMP/script"
STDIN_FILE=$TMP/script proot_run -r "$ROOT"
assert_eq "default-$MARK" "$OUT" "no command: /bin/sh"

# --db (cocoon's own): the owners -0 records are there in the next run.
proot_run -r "$ROOT" -0 --db "$HOMEDIR/owners.db" -w /mnt -b "$DATA:/mnt" sh -c 'touch o && chown 7:8 o'
proot_run -r "$ROOT" -0 --db "$HOMEDIR/owners.db" -b "$DATA:/mnt" sh -c 'ls -ln /mnt/o'
assert_match '^-rw-r--r-- +1 7 +8 ' "$OUT" "--db: the chown of the previous run is kept"
proot_run -r "$ROOT" -0 -b "$DATA:/mnt" sh -c 'ls -ln /mnt/o'
assert_match '^-rw-r--r-- +1 0 +0 ' "$OUT" "without --db the next run knows nothing of it"
proot_run -r "$ROOT" --db "$HOMEDIR/owners.db" true
assert_status 125 "--db without -0, -S or -i is refused"
assert_cocoon_message "--db keeps what -0, -S or -i record" "--db alone: the message says why"

proot_run -p 8080:80 -r "$ROOT" true
assert_status 125 "-p (port mapping) is refused"
assert_cocoon_message "option -p is not supported" "-p names the option"
proot_run -q "no-such-qemu-$MARK -cpu max" -r "$ROOT" true
assert_status 125 "-q with a qemu that is not there"
assert_cocoon_message "-q no-such-qemu-$MARK: no such executable file" "-q names the missing emulator"
proot_run --frobnicate true
assert_status 125 "an unknown option is refused"
assert_cocoon_message "unknown option --frobnicate" "the unknown option is named"
proot_run -r "$ROOT" -i 1000: true
assert_status 125 "-i with an empty gid is refused"
assert_cocoon_message "expects UID:GID" "-i 1000: is named"
proot_run -V
assert_match "^proot 5\.1\.0 \(cocoon " "$OUT" "-V"
ln -s "$COCOON" "$TMP/proot"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$TMP/proot" -r "$ROOT" -k 1.0 uname -r
assert_eq "1.0" "$OUT" "invoked as proot"
finish
