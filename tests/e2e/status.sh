# cocoon's exit status: the command's, 128+N for signal N, 127 not found,
# 126 not executable, 125 cocoon's own failure (one "cocoon: ..." line).
source "$(dirname "$0")/lib.sh" "$@"

missing="no-such-command-$MARK"
cocoon_run -- "$missing" arg
assert_status 127 "command not found in PATH"
assert_cocoon_message "$missing" "not-found message names the command"
cocoon_run -- "/nonexistent/$missing"
assert_status 127 "absolute path that does not exist"
assert_cocoon_message "$missing" "not-found message names the path"

printf '#!/bin/sh\necho should not run\n' >"$TMP/notexec"
chmod 644 "$TMP/notexec"
cocoon_run -- "$TMP/notexec"
assert_status 126 "file without execute permission"
assert_cocoon_message "notexec" "not-executable message names the file"
[[ $OUT != *"should not run"* ]] || fail "the non-executable file ran"
cocoon_run -- "$TMP"
assert_status 126 "a directory as the command"

cocoon_run --bogus-option -- true
assert_status 125 "unknown cocoon option"
assert_cocoon_message "bogus-option" "bad option message"
run_native "$COCOON" run "${MODE_FLAGS[@]}"
assert_status 125 "cocoon run without a command"
assert_cocoon_message "" "missing command message"
run_native "$COCOON"
assert_status 125 "cocoon without a subcommand"
assert_cocoon_message "" "missing subcommand message"
run_native "$COCOON" frobnicate
assert_status 125 "unknown subcommand"
assert_cocoon_message "" "unknown subcommand message"

cocoon_run -- sh -c 'echo before; kill -KILL $$; echo after'
assert_status 137 "guest killed by SIGKILL"
assert_eq before "$OUT" "the SIGKILLed guest's output"
[[ -z $ERR ]] || fail "cocoon wrote on stderr: $ERR"
pass "no cocoon message for a signalled guest"

run_native "$GUESTS/segv"
assert_status 139 "native NULL dereference (reference)"
cocoon_run -- "$GUESTS/segv"
assert_status 139 "guest dereferencing NULL"
assert_eq "about to fault" "$OUT" "segv guest's output"

cocoon_run -- sh -c 'kill -ABRT $$'
assert_status 134 "guest killed by SIGABRT"

finish
