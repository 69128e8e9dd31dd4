# What the guest creates under a fake root (issue 18): who owns it, and the
# modes fakeroot's users rely on. cocoon runs as nobody; the oracle is root
# natively for what real root does (owners of another uid's files, root
# passing permission bits) and Debian's fakeroot, as nobody, for what a
# drop-in must show the same (mkdir -m 0, mkfifo -m 0, chmod 0 of a
# directory in use).
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
W=$TMP/w
mkdir -m 777 "$W"
# in DIR SCRIPT: runs the script under `cocoon run -0` (this script's mode)
# as nobody, in a fresh directory DIR of W.
in_dir() {
  mkdir -m 777 "$W/$1"
  cocoon_run -0 -w "$W/$1" -- sh -c "$2"
}
# native DIR SCRIPT: the same as root, natively (the oracle of real root).
native_root() {
  mkdir -p "$TMP/native/$1"
  run_native sh -c "cd '$TMP/native/$1' && $2"
}
# fakeroot_in TOOL DIR SCRIPT: under TOOL (Debian's fakeroot or cocoon's
# front end) as nobody in a fresh directory DIR. Debian's faked outlives
# the command for a moment, by design: outside the reaper.
fakeroot_in() {
  local tool=$1 dir=$W/$2
  mkdir -m 777 "$dir"
  if [[ $tool == debian ]]; then
    OUT=$(timeout 30 ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} /usr/bin/fakeroot -- sh -c "cd '$dir' && $3" \
      2>&1 <"${STDIN_FILE:-/dev/null}")
    STATUS=$?
  else
    run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" fakeroot -- sh -c "cd '$dir' && $3"
  fi
}
[[ -x /usr/bin/fakeroot ]] || fail "Debian's fakeroot is not installed (tools/install-deps.sh)"

# apt's sandbox: root makes a directory for _apt (uid 42) and a
# set-group-ID one of group 50 (writable by all); a process that became 42:65534 makes files
# in both and chmods them; root then lists them. Natively the files are
# 42's and the chmods work; under cocoon they showed 0:0 and the chmod was
# EPERM, so apt-get update failed its signature check.
APT='mkdir own g && chown 42:0 own && chown 0:50 g && chmod 2777 g &&
perl -MPOSIX -e '\''setgid(65534); setuid(42) or die "setuid";
  mkdir "own/d" or die "mkdir: $!"; open(F, ">own/f") or die "open: $!"; close F;
  symlink("f", "own/l") or die "symlink: $!"; mkdir "g/d" or die; open(F, ">g/f") or die; close F;
  chmod(0600, "own/f") or die "chmod: $!"; chmod(0700, "own/d") or die "chmod: $!"'\'' &&
stat -c "%n %A %u %g" own/d own/f own/l g/d g/f'
native_root apt "$APT"
expected=$OUT
assert_eq "own/d drwx------ 42 65534
own/f -rw------- 42 65534
own/l lrwxrwxrwx 42 65534
g/d drwxr-sr-x 42 50
g/f -rw-r--r-- 42 50" "$expected" "test premise: natively, root sees 42's files as 42's"
in_dir apt "$APT"
assert_eq "$expected" "$OUT" "run -0: a process that became uid 42 owns what it makes, and chmods it"
fakeroot_in cocoon apt-fakeroot "$APT"
assert_eq "$expected" "$OUT" "cocoon fakeroot: the same"
mkdir -m 777 "$W/apt-proot"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" proot -0 -w "$W/apt-proot" sh -c "$APT"
assert_eq "$expected" "$OUT" "cocoon proot -0: the same"

# mkdir -m 0 (and -m 0500) then a file in it, as tar does extracting a
# mode-0 directory: fakeroot makes the directory mode|0700 and shows the
# mode asked. Same output, same modes on disk.
MKDIR0='umask 022; mkdir -m 0 d && touch d/f && mkdir -m 0500 e && touch e/f && ls -ld d e | cut -c1-10 && ls d e'
fakeroot_in debian mkdir-fakeroot "$MKDIR0"
expected=$OUT
assert_eq $'d---------\ndr-x------\nd:\nf\n\ne:\nf' "$expected" "test premise: fakeroot's mkdir -m 0"
fakeroot_in cocoon mkdir-cocoon "$MKDIR0"
assert_eq "$expected" "$OUT" "cocoon fakeroot: mkdir -m 0 and -m 0500, then a file inside, as fakeroot"
assert_eq "700 700" "$(stat -c %a "$W/mkdir-fakeroot/d" "$W/mkdir-fakeroot/e" | xargs)" \
  "test premise: fakeroot's directories are 0700 on disk"
assert_eq "700 700" "$(stat -c %a "$W/mkdir-cocoon/d" "$W/mkdir-cocoon/e" | xargs)" \
  "cocoon's are too"
in_dir mkdir-run "$MKDIR0"
assert_eq "$expected" "$OUT" "run -0: the same"

# chmod 0 of directories in use: fakeroot and cocoon keep the real owner's
# rwx (ls shows the mode asked), so the file can still be made.
CHMOD0='mkdir -p T/foo && chmod 0 T/foo T && touch T/foo/bar && ls -ld T T/foo T/foo/bar | cut -c1-10'
fakeroot_in debian chmod-fakeroot "$CHMOD0"
expected=$OUT
assert_eq $'d---------\nd---------\n-rw-r--r--' "$expected" "test premise: fakeroot's chmod 0 of a directory"
fakeroot_in cocoon chmod-cocoon "$CHMOD0"
assert_eq "$expected" "$OUT" "cocoon fakeroot: chmod 0 T/foo T, then touch T/foo/bar, as fakeroot"

# The user's own directories made mode 000 outside: root natively passes
# them (CAP_DAC_OVERRIDE) and so does the emulated root; they keep 000.
DAC='touch T/foo/bar && mkdir T/foo/d && ln -s bar T/foo/l && echo made'
mkdir -p "$TMP/native/dac/T/foo" && chmod 0 "$TMP/native/dac/T/foo" "$TMP/native/dac/T"
native_root dac "$DAC"
[[ $(id -u) == 0 ]] || fail "the native oracle of root needs the suite to run as root"
assert_eq "made" "$OUT" "test premise: natively, root makes files in mode-000 directories"
mkdir -m 777 "$W/dac"
${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} sh -c "mkdir -p $W/dac/T/foo && chmod 0 $W/dac/T/foo $W/dac/T"
cocoon_run -0 -w "$W/dac" -- sh -c "$DAC"
assert_eq "made" "$OUT" "run -0: touch, mkdir and ln -s in the user's own mode-000 T/foo"
assert_eq "0 0" "$(stat -c %a "$W/dac/T" "$W/dac/T/foo" | xargs)" "T and T/foo are still mode 000"

# mkfifo -m 0: coreutils chmods the FIFO through glibc's lchmod, which
# goes through /proc/self/fd/N of an O_PATH descriptor (EOPNOTSUPP here
# before: cocoon looked at its own descriptor N).
FIFO='mkfifo -m 0 p && mkfifo -m 0604 q && ls -l p q | cut -c1-10'
fakeroot_in debian fifo-fakeroot "$FIFO"
expected=$OUT
assert_eq $'p---------\nprw----r--' "$expected" "test premise: fakeroot's mkfifo -m"
fakeroot_in cocoon fifo-cocoon "$FIFO"
assert_eq "$expected" "$OUT" "cocoon fakeroot: mkfifo -m 0 and -m 0604, as fakeroot"
in_dir fifo-run "$FIFO"
assert_eq "$expected" "$OUT" "run -0: the same"

# tar -xf - < ARCHIVE: tar gives each directory its mode at the end
# through fchmodat(AT_SYMLINK_NOFOLLOW), which chmodded cocoon's own
# descriptor 0 (the archive) instead, leaving the directories 0700.
mkdir -p "$TMP/tree/top/sub" && chmod 0555 "$TMP/tree/top/sub" && chmod 0751 "$TMP/tree/top"
tar -C "$TMP/tree" -cf "$TMP/tree.tar" top && chmod 644 "$TMP/tree.tar"
TAR='tar -xf - && ls -ld top top/sub | cut -c1-10'
STDIN_FILE=$TMP/tree.tar fakeroot_in debian tar-fakeroot "$TAR"
expected=$OUT
assert_eq $'drwxr-x--x\ndr-xr-xr-x' "$expected" "test premise: fakeroot's tar -xf - < archive"
STDIN_FILE=$TMP/tree.tar in_dir tar-run "$TAR"
assert_eq "$expected" "$OUT" "run -0: tar -xf - < archive gives the directories their modes"
finish
