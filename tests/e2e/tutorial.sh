# docs/tutorial.md is run, so the lesson cannot rot: every fenced block
# whose info string is "sh run" is executed by bash (as nobody when the suite
# runs as root, with cocoon and the guests on PATH, in a fresh directory
# shared by the blocks in order); it must exit 0, and its output (stdout and
# stderr) must match every `<!-- expect: REGEX -->` (Python regex, per line,
# re.M) written after it. A block without any expectation fails: the text
# claims something about each command.
source "$(dirname "$0")/lib.sh" "$@"
DOC=$(dirname "$0")/../../docs/tutorial.md
[[ -f $DOC ]] || fail "no $DOC"
BIN=$TMP/bin
mkdir -p "$BIN"
ln -s "$COCOON" "$BIN/cocoon"
ln -s "$GUESTS/lesson" "$BIN/lesson"
WORK=$TMP/work
mkdir -m 777 "$WORK"
python3 - "$DOC" "$TMP/blocks" <<'PY' || fail "cannot split $DOC"
import json, re, sys
text = open(sys.argv[1]).read()
blocks = []
for m in re.finditer(r"^```sh run\n(.*?)^```\n((?:<!-- expect: [^\n]* -->\n)*)", text, re.S | re.M):
    expects = re.findall(r"<!-- expect: (.*) -->", m.group(2))
    blocks.append({"code": m.group(1), "expect": expects, "line": text[:m.start()].count("\n") + 1})
json.dump(blocks, open(sys.argv[2], "w"))
PY
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/blocks")
((n >= 8)) || fail "only $n runnable blocks found in the tutorial"
for ((i = 0; i < n; i++)); do
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[int(sys.argv[2])]["code"])' "$TMP/blocks" "$i" >"$TMP/block.sh"
  line=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[int(sys.argv[2])]["line"])' "$TMP/blocks" "$i")
  chmod 644 "$TMP/block.sh"
  run_limited "$LIMIT" ${AS_NOBODY[@]+"${AS_NOBODY[@]}"} env PATH="$BIN:$PATH" HOME="$WORK" \
    bash -c "cd '$WORK' && set -e && source '$TMP/block.sh'"
  ((STATUS == 0)) || fail "tutorial block at line $line exits $STATUS"
  python3 - "$TMP/blocks" "$i" "$TMP/out" "$TMP/err" <<'PY' >"$TMP/check" 2>&1 || fail "tutorial block at line $line: $(cat "$TMP/check")"
import json, re, sys
block = json.load(open(sys.argv[1]))[int(sys.argv[2])]
output = open(sys.argv[3]).read() + open(sys.argv[4]).read()
if not block["expect"]:
    sys.exit("no <!-- expect: --> after the block")
for e in block["expect"]:
    if not re.search(e, output, re.M):
        sys.exit("output does not match /%s/:\n%s" % (e, output[-3000:]))
PY
  pass "tutorial block at line $line: status 0, output as the text says"
done
finish
