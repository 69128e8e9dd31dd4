# The emulated root's DAC override on reading, writing, listing and
# entering (issue 18): root passes permission bits on files it could chmod,
# so `cocoon run -0` (and `proot -0`, bwrap's CAP_DAC_OVERRIDE: bwrap_dropin)
# passes them on the real user's own files, and on nobody else's. cocoon
# runs as nobody, the owner of the files; the oracles are real root
# natively on the same commands, nobody natively (for files of another
# owner, which cocoon must not open for the guest), and Debian's fakeroot,
# which has no such override, for `cocoon fakeroot`.
source "$(dirname "$0")/lib.sh" "$@"
[[ $(id -u) == 0 ]] || { echo "SKIP: the native oracle of root needs the suite to run as root" >&2; exit 77; }
[[ -x /usr/bin/fakeroot ]] || fail "Debian's fakeroot is not installed (tools/install-deps.sh)"
RUN_PREFIX=("${AS_NOBODY[@]}")
[[ $MODE == noseccomp ]] && export PROOT_NO_SECCOMP=1
W=$TMP/w
mkdir -m 777 "$W"

# The tree, made by whoever runs it: files and directories whose modes bar
# their owner in every way root passes (and one it does not: X_OK of a
# file with no x bit).
cat >"$TMP/setup.sh" <<'EOF'
echo s >r0 && chmod 0 r0
echo s >w2 && chmod 0200 w2
echo s >ro && chmod 0444 ro
mkdir -p d0/sub && echo in >d0/f && chmod 0 d0
mkdir d6 && echo in >d6/f && chmod 0600 d6
mkdir -p t0/d0 && echo deep >t0/d0/f && chmod 0 t0/d0 t0
echo x >nx && chmod 0 nx
echo x >x1 && chmod 0100 x1
echo x >g1 && chmod 0010 g1
EOF
# What the guest does: one line per command, "ok" with its output or
# "FAIL" with the reason (the text after the last ": ").
OWN='cat r0
cat w2
printf more | dd of=ro conv=notrunc,nocreat status=none && cat ro
cat <r0
ls d0
ls -l d0 | cut -c1-10
ls d6
cat d0/f
cat d6/f
cat t0/d0/f
cd d0 && cat f && ls
cd t0/d0 && cat f
find d0 t0 | sort
test -r r0
test -w ro
test -r d0
test -x d0
test -e d0/f
test -x nx
test -x x1
test -x g1
python3 -c "import os; print(os.access(\"r0\", os.W_OK), os.access(\"nx\", os.X_OK), os.access(\"ro\", os.W_OK, effective_ids=True))"'
cat >"$TMP/each.sh" <<'EOF'
while IFS= read -r c; do
  if out=$(sh -c "$c" 2>&1); then
    echo "ok   $c: $(printf %s "$out" | tr '\n' ' ')"
  else
    echo "FAIL $c: $(printf %s "$out" | sed 's/.*: //' | tr '\n' ' ')"
  fi
done <"$1"
EOF
printf '%s\n' "$OWN" >"$TMP/own.cmds"
chmod -R a+rX "$TMP/setup.sh" "$TMP/each.sh" "$TMP/own.cmds"
modes() { (cd "$1" && stat -c '%a %n' r0 w2 ro d0 d6 t0 t0/d0 nx x1 g1); }
# fresh NAME [USER-PREFIX...]: a new tree in W/NAME made by that user.
fresh() {
  local dir=$W/$1
  shift
  mkdir -m 777 "$dir"
  "$@" sh -c "cd '$dir' && sh '$TMP/setup.sh'" || fail "setup of $dir"
}
EACH="sh $TMP/each.sh $TMP/own.cmds"

fresh native
run_native sh -c "cd '$W/native' && $EACH"
root=$OUT
assert_match '^ok   cat r0: s' "$root" "test premise: natively, root reads its mode-0 file"
assert_match $'\nFAIL test -x nx' "$root" "test premise: natively, root may not execute a file with no x bit"
fresh nobody "${AS_NOBODY[@]}"
run_native "${AS_NOBODY[@]}" sh -c "cd '$W/nobody' && $EACH"
owner=$OUT
assert_match '^FAIL cat r0: Permission denied' "$owner" "test premise: natively, the owner may not"
before=$(modes "$W/nobody")

fresh run "${AS_NOBODY[@]}"
cocoon_run -0 -w "$W/run" -- sh -c "$EACH"
assert_eq "$root" "$OUT" "run -0: reads, writes, lists and enters the user's own closed files as root does"
fresh run-modes "${AS_NOBODY[@]}"
cocoon_run -0 -w "$W/run-modes" -- sh -c "$EACH >/dev/null"
assert_eq "$before" "$(modes "$W/run-modes")" "run -0: their modes on disk are given back"

# A view (-r /, a bind): the opens are ptrace stops of Paths', and the
# guest's own call runs with the modes widened until its exit.
fresh view "${AS_NOBODY[@]}"
cocoon_run -0 -r / -b "$W/view:/mnt/w" -w /mnt/w -- sh -c "$EACH"
assert_eq "$root" "$OUT" "run -0 -r / -b: the same through a view"
assert_eq "$before" "$(modes "$W/view")" "run -0 -r /: modes given back"

fresh proot "${AS_NOBODY[@]}"
run_limited "$LIMIT" "${AS_NOBODY[@]}" "$COCOON" proot -0 -w "$W/proot" sh -c "$EACH"
assert_eq "$root" "$OUT" "proot -0: the same"

# Without root's capabilities the modes hold, as for the owner natively.
fresh uid "${AS_NOBODY[@]}"
cocoon_run --uid 1000 -w "$W/uid" -- sh -c "$EACH"
assert_eq "$owner" "$OUT" "--uid 1000: the owner's own modes hold, as natively"

# Debian's fakeroot has no override on reading or entering (its library
# wraps no open); nor has `cocoon fakeroot`, which keeps its answers. One
# known difference: the stat family passes the user's closed directories
# under every cocoon fake root (FileOwners answers it itself), as root.
stat_line='test -e d0/f'
fresh fakeroot "${AS_NOBODY[@]}"
OUT=$(cd "$W/fakeroot" && timeout 30 "${AS_NOBODY[@]}" /usr/bin/fakeroot -- sh -c "$EACH" 2>&1)
peer=$OUT
assert_match '^FAIL cat r0: Permission denied' "$peer" "test premise: fakeroot cannot read a mode-0 file of its own"
assert_match $'\nFAIL '"$stat_line" "$peer" "test premise: fakeroot cannot stat through a mode-0 directory"
fresh cocoon-fakeroot "${AS_NOBODY[@]}"
run_limited "$LIMIT" "${AS_NOBODY[@]}" "$COCOON" fakeroot -- sh -c "cd '$W/cocoon-fakeroot' && $EACH"
assert_eq "$(grep -v "$stat_line" <<<"$peer")" "$(grep -v "$stat_line" <<<"$OUT")" \
  "cocoon fakeroot: as Debian's fakeroot (but for the stat family)"
assert_match $'\nok   '"$stat_line" "$OUT" "cocoon fakeroot: stat through a mode-0 directory passes, as for root"

# Files of another owner (uid 4321, made here by root): root natively
# passes them, cocoon cannot and must not; the guest gets the real user's
# answer.
OTHER='cat o6
ls od
cat od/f
test -r o6
cd od'
printf '%s\n' "$OTHER" >"$TMP/other.cmds"
chmod a+r "$TMP/other.cmds"
mkdir -m 777 "$W/other"
(cd "$W/other" && echo o >o6 && chmod 0600 o6 && mkdir od && echo o >od/f && chmod 0700 od &&
  chown 4321:4321 o6 od od/f)
run_native sh -c "cd '$W/other' && sh $TMP/each.sh $TMP/other.cmds"
assert_match '^ok   cat o6: o' "$OUT" "test premise: natively, root reads another user's 0600 file"
run_native "${AS_NOBODY[@]}" sh -c "cd '$W/other' && sh $TMP/each.sh $TMP/other.cmds"
expected=$OUT
assert_match '^FAIL cat o6: Permission denied' "$expected" "test premise: nobody may not"
cocoon_run -0 -w "$W/other" -- sh -c "sh $TMP/each.sh $TMP/other.cmds"
assert_eq "$expected" "$OUT" "run -0: another user's files stay closed (the real user's answers)"
assert_eq "600 4321 700 4321" "$(stat -c '%a %u' "$W/other/o6" "$W/other/od" | xargs)" \
  "their modes and owners are untouched"
finish
