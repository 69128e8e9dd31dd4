#!/usr/bin/env bash
# The agent's image must run wherever it is mapped, alone: no relocation
# (an absolute address would be the link's, 0), no writable data (it keeps
# its state in the header and on the stack), no symbol from outside.
set -euo pipefail
elf=$1
fail() { echo "agent image $elf: $*" >&2; exit 1; }
relocs=$(readelf -rW "$elf" | grep -cE '^[0-9a-f]{8,}' || true)
[[ $relocs == 0 ]] || fail "$relocs relocations"
undefined=$(nm -u "$elf" | wc -l)
[[ $undefined == 0 ]] || fail "undefined symbols: $(nm -u "$elf" | tr '\n' ' ')"
bad=$(readelf -SW "$elf" | awk '$2 == ".bad" { print $6 }')
[[ -z $bad || $((16#$bad)) == 0 ]] || fail "writable data or a GOT (.bad is $bad bytes)"
entry=$(nm "$elf" | awk '$3 == "cocoon_agent_entry" { print $1 }')
[[ $((16#$entry)) == 4096 ]] || fail "entry at $entry, not 0x1000"
