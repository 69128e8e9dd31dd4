# Union mounts (issue 18): bwrap's --overlay-src/--overlay/--tmp-overlay/
# --ro-overlay under `cocoon bwrap`, and `cocoon run`'s --overlay and kin in
# this script's mode, as nobody. Debian's bwrap (0.8) has no overlay
# options, so the reference is what bwrap 0.9 does with them: the kernel's
# overlayfs, mounted by nobody in a user namespace of its own (unshare -Urm)
# over the same directories. The same commands must show the same view
# (listings, contents, errors); the layers are then compared: the lower
# ones untouched, the upper one holding the same copies (whiteouts in each
# one's format: the kernel's 0/0 character device, cocoon's .wh.NAME).
source "$(dirname "$0")/lib.sh" "$@"
RUN_PREFIX=(${AS_NOBODY[@]+"${AS_NOBODY[@]}"})
M=$TMP/mnt

# Fresh layers, owned by nobody: lo1 at the bottom, lo2 over it.
layers() {
  rm -rf "$TMP/lo1" "$TMP/lo2" "$TMP/up" "$TMP/work" "$M"
  mkdir -p "$TMP/lo1/d" "$TMP/lo2/d" "$TMP/up" "$TMP/work" "$M"
  echo "a-lo1" >"$TMP/lo1/a"
  echo "b-lo1" >"$TMP/lo1/b"
  echo "b-lo2" >"$TMP/lo2/b"
  echo "x-lo1" >"$TMP/lo1/d/x"
  echo "y-lo2" >"$TMP/lo2/d/y"
  echo "gone-lo1" >"$TMP/lo1/gone"
  echo "c-up" >"$TMP/up/c"          # the upper layer's own
  echo "y-up" >"$TMP/up/y"
  chmod 640 "$TMP/lo1/a"
  touch -d '2020-01-02 03:04:05' "$TMP/lo1/a"
  [[ $(id -u) != 0 ]] || chown -R 65534:65534 "$TMP/lo1" "$TMP/lo2" "$TMP/up" "$TMP/work" "$M"
}
# What a layer holds: names, kinds, modes, contents (whiteouts by kind).
snapshot() {
  (cd "$1" && find . -mindepth 1 | sort | while read -r f; do
    printf '%s %s' "$f" "$(stat -c '%F %a' "$f")"
    [[ -f $f && ! -L $f ]] && printf ' [%s]' "$(tr '\n' '|' <"$f")"
    echo
  done)
}

# Whiteouts in one format: the kernel's (a 0/0 character device, mode 0)
# and cocoon's (an empty file .wh.NAME, mode 0600) as "whiteout PATH".
whiteouts() {
  sed -E -e 's|^(.*/)\.wh\.([^ ]*) regular empty file 600( \[\])?$|whiteout \1\2|' \
    -e 's|^([^ ]*) character special file 0$|whiteout \1|' | sort
}

# The guest's commands, the mount point as $1: what a user of the merged
# view does and sees.
SCRIPT='cd "$1" || exit 9
ls; cat a b c d/x d/y; ls d
chmod 600 a && stat -c "%a %y" a | cut -c1-23 && echo more >>a && cat a
rm gone && ls
echo z >d/z && mv d/x d/x2 && ls d
perl -e "rename(q(d), q(d2)) or print qq(rename d: \$!\n)"
rmdir d 2>&1 | sed "s/^[a-z/]*rmdir/rmdir/"
mkdir n && touch n/f && ls n
rm -r n && ls -a
cat gone 2>&1 | sed "s/^[a-z/]*cat/cat/"'

reference() {  # SCRIPT-ARGS: the kernel's overlayfs on $M
  run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} unshare -Urm sh -c \
    'mount -t overlay overlay -o "$1" "$2" || exit 8; shift; shift; exec sh -c "$@"' sh "$@"
}

layers
reference "lowerdir=$TMP/lo2:$TMP/lo1,upperdir=$TMP/up,workdir=$TMP/work" "$M" true
if ((STATUS != 0)); then
  echo "SKIP: this kernel does not let nobody mount overlayfs in a user namespace (status $STATUS: $ERR)" >&2
  exit 77
fi

# 1. Read-write: a view as the kernel's, the same upper layer.
layers
before=$(snapshot "$TMP/lo1"; snapshot "$TMP/lo2")
reference "lowerdir=$TMP/lo2:$TMP/lo1,upperdir=$TMP/up,workdir=$TMP/work" "$M" "$SCRIPT" sh "$M"
[[ $STATUS == 0 ]] || fail "reference: status $STATUS ($ERR)"
want=$OUT
want_upper=$(snapshot "$TMP/up" | whiteouts)
[[ $want == *"rename d: Invalid cross-device link"* ]] || fail "reference: no EXDEV for a merged directory (test bug?): $want"

check_rw() {  # WHAT: after a run, the view and the layers as the kernel's
  [[ $STATUS == 0 ]] || fail "$1: status $STATUS ($ERR)"
  [[ $OUT == "$want" ]] || fail "$1: the view differs from the kernel's overlayfs:
--- overlayfs
$want
--- cocoon
$OUT"
  pass "$1: the view as the kernel's overlayfs"
  assert_eq "$before" "$(snapshot "$TMP/lo1"; snapshot "$TMP/lo2")" "$1: the lower layers are untouched"
  assert_eq "$want_upper" "$(snapshot "$TMP/up" | whiteouts)" "$1: the upper layer holds the same copies and whiteouts"
}

layers
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" bwrap --ro-bind / / --dev /dev \
  --overlay-src "$TMP/lo1" --overlay-src "$TMP/lo2" --overlay "$TMP/up" "$TMP/work" "$M" \
  sh -c "$SCRIPT" sh "$M"
check_rw "cocoon bwrap --overlay"

layers
cocoon_run --overlay "$M:$TMP/up:$TMP/lo2:$TMP/lo1" -- sh -c "$SCRIPT" sh "$M"
check_rw "cocoon run --overlay ($MODE)"

# 2. --tmp-overlay: the same view, and nothing left anywhere: the lower
# layers as they were, cocoon's scratch directory ($TMPDIR) empty again.
TMPSCRIPT='cd "$1" && echo more >>a && rm gone && touch new && ls && cat a'
layers
rm -f "$TMP/up/"*  # a --tmp-overlay's upper layer starts empty
mkdir -m 777 "$TMP/scratch"
reference "lowerdir=$TMP/lo2:$TMP/lo1,upperdir=$TMP/up,workdir=$TMP/work" "$M" "$TMPSCRIPT" sh "$M"
want=$OUT
layers
rm -f "$TMP/up/"*
before=$(snapshot "$TMP/lo1"; snapshot "$TMP/lo2")
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} env TMPDIR="$TMP/scratch" "$COCOON" bwrap \
  --ro-bind / / --dev /dev --overlay-src "$TMP/lo1" --overlay-src "$TMP/lo2" --tmp-overlay "$M" \
  sh -c "$TMPSCRIPT" sh "$M"
assert_eq "$want" "$OUT" "cocoon bwrap --tmp-overlay: the view as the kernel's overlayfs"
assert_eq "$before" "$(snapshot "$TMP/lo1"; snapshot "$TMP/lo2")" "--tmp-overlay: the lower layers are untouched"
assert_eq "" "$(find "$TMP/scratch" "$TMP/up" -mindepth 1)" "--tmp-overlay: nothing left in the scratch or upper directories"

# 3. --ro-overlay: reads merge, every write is EROFS.
ROSCRIPT='cd "$1" && ls && cat b && touch a 2>&1; rm b 2>&1; mkdir n 2>&1; true'
layers
reference "ro,lowerdir=$TMP/lo2:$TMP/lo1" "$M" "$ROSCRIPT" sh "$M"
want=$OUT
[[ $want == *"Read-only file system"* ]] || fail "reference: no EROFS (test bug?): $want"
run_limited "$LIMIT" ${RUN_PREFIX[@]+"${RUN_PREFIX[@]}"} "$COCOON" bwrap --ro-bind / / --dev /dev \
  --overlay-src "$TMP/lo1" --overlay-src "$TMP/lo2" --ro-overlay "$M" sh -c "$ROSCRIPT" sh "$M"
assert_eq "$want" "$OUT" "cocoon bwrap --ro-overlay: the view and EROFS as the kernel's overlayfs"
cocoon_run --ro-overlay "$M:$TMP/lo2:$TMP/lo1" -- sh -c "$ROSCRIPT" sh "$M"
assert_eq "$want" "$OUT" "cocoon run --ro-overlay ($MODE): as the kernel's overlayfs"

# 4. bwrap 0.9's refusals, in its words (status 1).
run_limited "$LIMIT" "$COCOON" bwrap --ro-bind / / --overlay "$TMP/up" "$TMP/work" "$M" true
assert_eq "1 bwrap: --overlay requires at least one --overlay-src" "$STATUS $ERR" "--overlay without --overlay-src"
run_limited "$LIMIT" "$COCOON" bwrap --ro-bind / / --overlay-src "$TMP/lo1" --ro-overlay "$M" true
assert_eq "1 bwrap: --ro-overlay requires at least two --overlay-src" "$STATUS $ERR" "--ro-overlay with one --overlay-src"
run_limited "$LIMIT" "$COCOON" bwrap --ro-bind / / --size 1000 --tmpfs /tmp true
assert_match "^bwrap: --size is not supported by cocoon: " "$ERR" "--size refused by name, with the reason"

finish
