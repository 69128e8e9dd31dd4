#!/usr/bin/env bash
# Builds the resolver's libFuzzer target (resolver_fuzz.cc) with clang, ASan
# and UBSan, and runs it for SECONDS (default 60), keeping its corpus in
# OUT_DIR/corpus between runs. Exits non-zero when an invariant breaks; the
# crashing input is left in OUT_DIR (replay: OUT_DIR/resolver_fuzz FILE).
#
#   bash tests/fuzz/run.sh OUT_DIR [SECONDS]
#
# Why clang: GCC has no libFuzzer. Why -D__cpp_concepts: libstdc++ 12 only
# declares std::expected when __cpp_concepts >= 202002L, which clang reports
# from version 19 on although 16 implements what <expected> uses. libc++ 16
# was tried instead and rejected: its std::expected stores has_value in the
# value's tail padding and a copy of the value overwrites it (LLVM issue
# 68552, fixed in 18), which UBSan caught here at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: run.sh OUT_DIR [SECONDS]}
seconds=${2:-60}
cxx=${COCOON_FUZZ_CXX:-clang++-16}
command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (bash tools/install-deps.sh installs it)" >&2; exit 2; }
mkdir -p "$out/corpus"
"$cxx" -std=c++2b -U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined \
  -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/vfs/include" \
  "$here/resolver_fuzz.cc" "$root"/vfs/src/{filesystem,mount_table,path,proc_magic,resolver}.cc \
  -o "$out/resolver_fuzz"
cd "$out"
# -timeout: one input taking ten seconds means a loop the resolver failed to
# cut (one second flaked on a machine at load 11, where the fuzzer gets a
# fifth of a CPU).
exec ./resolver_fuzz -max_total_time="$seconds" -timeout=10 -print_final_stats=1 corpus
