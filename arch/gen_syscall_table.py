#!/usr/bin/env python3
"""Turns arch/syscalls.tbl into C++ rows, after checking it against kernel headers.

The table is cocoon's one source of truth for syscall numbers and argument
roles. This script refuses to generate anything when the table disagrees with
the uapi headers of an arch it was given: a wrong number would make the
seccomp filter trace or allow the wrong call.

Checks, per arch whose headers are given:
  * every __NR_<name> the headers define is a row, with that number;
  * every row numbered on that arch is in the headers with the same number,
    unless it says since=X.Y with X.Y newer than the headers (LINUX_VERSION_CODE);
and for the whole table: names unique, numbers unique per arch, roles known,
at most six arguments.

Usage:
  gen_syscall_table.py TABLE OUT.cc [--cpp 'CMD...'] [--check ARCH=DIR[:DIR...] ...]
  gen_syscall_table.py TABLE --check ARCH=DIR ...      (check only)
"""
import argparse
import re
import shlex
import subprocess
import sys

ARCHES = ["x86_64", "i386", "aarch64", "riscv64"]  # column order == arch::Arch
ROLES = {
    "": "kOther", "path": "kPath", "dirfd": "kDirfd", "atflags": "kAtFlags",
    "pid": "kPid", "uid": "kUid", "gid": "kGid", "fd": "kFdIn",
    "fdout": "kFdOut", "sockaddr": "kSockaddr",
}
RETS = {"": "kOther", "fd": "kFd", "pid": "kPid", "uid": "kUid", "gid": "kGid"}

# How to make each arch's <asm/unistd.h> define its own 64-bit table when read
# by the host's preprocessor with -nostdinc -undef (no compiler predefines).
CPP_DEFINES = {
    "x86_64": ["-D__x86_64__", "-D__LP64__"],
    "i386": ["-D__i386__"],
    "aarch64": ["-D__aarch64__", "-D__LP64__"],
    # asm/bitsperlong.h derives __BITS_PER_LONG from __SIZEOF_POINTER__.
    "riscv64": ["-D__riscv", "-D__riscv_xlen=64", "-D__LP64__", "-D__SIZEOF_POINTER__=8"],
}
HEADER = {"x86_64": "asm/unistd_64.h", "i386": "asm/unistd_32.h",
          "aarch64": "asm/unistd.h", "riscv64": "asm/unistd.h"}
# Macros in those headers that are not syscalls.
NOT_SYSCALLS = {"syscalls", "arch_specific_syscall"}


class TableError(Exception):
    pass


def parse_version(text):
    m = re.fullmatch(r"(\d+)\.(\d+)", text)
    if not m:
        raise TableError(f"bad version '{text}'")
    return int(m[1]), int(m[2])


def parse_args(text, where):
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        raise TableError(f"{where}: arguments must be in parentheses: {text}")
    inner = text[1:-1].strip()
    out = []
    if not inner:
        return out
    for item in inner.split(","):
        item = item.strip()
        role, _, name = item.rpartition(":")
        if role not in ROLES:
            raise TableError(f"{where}: unknown role '{role}' (known: {', '.join(r for r in ROLES if r)})")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise TableError(f"{where}: bad argument name '{name}'")
        out.append((role, name))
    if len(out) > 6:
        raise TableError(f"{where}: more than six arguments")
    return out


ROW = re.compile(r"^(\w+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(?:since=(\S+)\s+)?(\(.*\))\s*(?:->\s*(\w+))?\s*$")


def parse_table(path):
    rows = []
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        m = ROW.match(line)
        if not m:
            raise TableError(f"{where}: cannot parse row: {line}")
        nums = []
        for col in m.group(2, 3, 4, 5):
            if col == "-":
                nums.append(None)
            elif col.isdigit():
                nums.append(int(col))
            else:
                raise TableError(f"{where}: bad number '{col}'")
        ret = m[8] or ""
        if ret not in RETS:
            raise TableError(f"{where}: unknown return role '{ret}'")
        rows.append({
            "name": m[1], "nr": nums, "since": parse_version(m[6]) if m[6] else None,
            "args": parse_args(m[7], where), "ret": ret, "where": where,
        })
    check_unique(rows)
    return rows


def check_unique(rows):
    seen = {}
    for r in rows:
        if r["name"] in seen:
            raise TableError(f"{r['where']}: {r['name']} already at {seen[r['name']]}")
        seen[r["name"]] = r["where"]
    for i, arch in enumerate(ARCHES):
        by_nr = {}
        for r in rows:
            n = r["nr"][i]
            if n is None:
                continue
            if n in by_nr:
                raise TableError(f"{r['where']}: {arch} number {n} also used by {by_nr[n]}")
            by_nr[n] = r["name"]


def header_numbers(cpp, arch, include_dir):
    """{name: number} as the arch's uapi headers define them."""
    incs = [flag for d in include_dir.split(":") for flag in ("-I", d)]
    base = cpp + ["-nostdinc", "-undef", "-P"] + CPP_DEFINES[arch] + incs
    src = f"#include <{HEADER[arch]}>\n"
    run = lambda extra, text: subprocess.run(base + extra + ["-"], input=text, text=True,
                                             capture_output=True, check=True).stdout
    try:
        macros = run(["-dM"], src)
    except subprocess.CalledProcessError as e:
        raise TableError(f"{arch}: cannot read {HEADER[arch]} under {include_dir}: {e.stderr.strip()}")
    names = sorted({n for n in re.findall(r"#define __NR_(\w+)\s", macros)
                    if n not in NOT_SYSCALLS and not n.startswith("3264")})
    # Let the preprocessor expand aliases such as __NR3264_fstatat, then
    # evaluate the few sums ("__NR_arch_specific_syscall + 15").
    expanded = run([], src + "".join(f"@@{n} __NR_{n}\n" for n in names))
    out = {}
    for m in re.finditer(r"^@@(\w+) (.+)$", expanded, re.M):
        expr = m[2].strip()
        if not re.fullmatch(r"[\d\s()+\-xXa-fA-FuUlL]+", expr):
            raise TableError(f"{arch}: cannot evaluate __NR_{m[1]} = {expr}")
        out[m[1]] = eval(re.sub(r"(?<=[0-9a-fA-F])[uUlL]+", "", expr))
    code = int(run([], "#include <linux/version.h>\nLINUX_VERSION_CODE\n").split()[-1])
    return out, (code >> 16, (code >> 8) & 0xFF)


def check_against_headers(rows, arch, numbers, version):
    i = ARCHES.index(arch)
    errors = []
    by_name = {r["name"]: r for r in rows}
    for name, nr in sorted(numbers.items()):
        r = by_name.get(name)
        if r is None:
            errors.append(f"{arch}: __NR_{name} = {nr} in the headers has no row")
        elif r["nr"][i] != nr:
            errors.append(f"{r['where']}: {name} is {r['nr'][i]} on {arch}, headers say {nr}")
    for r in rows:
        if r["nr"][i] is None or r["name"] in numbers:
            continue
        if r["since"] is None or r["since"] <= version:
            errors.append(f"{r['where']}: {r['name']} is numbered on {arch} but not in its "
                          f"Linux {version[0]}.{version[1]} headers (add since=X.Y if newer)")
    return errors


def cxx_row(r):
    nums = ", ".join("kAbsent" if n is None else str(n) for n in r["nr"])
    args = list(r["args"]) + [("", "")] * (6 - len(r["args"]))
    roles = ", ".join(f"ArgRole::{ROLES[role]}" for role, _ in args)
    names = ", ".join(f'"{name}"' for _, name in args)
    since = r["since"][0] * 100 + r["since"][1] if r["since"] else 0
    return (f'  {{"{r["name"]}", {{{nums}}}, {{{roles}}}, {{{names}}}, {len(r["args"])}, '
            f'RetRole::{RETS[r["ret"]]}, {since}}},\n')


def write_cxx(rows, out_path, checked):
    text = ("// Generated by arch/gen_syscall_table.py from arch/syscalls.tbl: do not edit.\n"
            f"// Checked against the kernel headers of: {', '.join(checked) or 'none'}.\n"
            '#include "syscall_rows.h"\n\n'
            "namespace cocoon::arch::detail {\n\n"
            f"const SyscallDesc kRows[{len(rows)}] = {{\n"
            + "".join(cxx_row(r) for r in rows) +
            "};\n"
            f"const std::size_t kRowCount = {len(rows)};\n\n"
            "}  // namespace cocoon::arch::detail\n")
    try:
        if open(out_path, encoding="utf-8").read() == text:
            return
    except OSError:
        pass
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--cpp", default="cpp", help="preprocessor command (default: cpp)")
    ap.add_argument("--check", action="append", default=[], metavar="ARCH=DIR")
    a = ap.parse_args()
    try:
        rows = parse_table(a.table)
        errors, checked = [], []
        for spec in a.check:
            arch, _, inc = spec.partition("=")
            if arch not in ARCHES:
                raise TableError(f"--check: unknown arch '{arch}'")
            numbers, version = header_numbers(shlex.split(a.cpp), arch, inc)
            errors += check_against_headers(rows, arch, numbers, version)
            checked.append(f"{arch} (Linux {version[0]}.{version[1]})")
        if errors:
            raise TableError("\n".join(errors))
        if a.out:
            write_cxx(rows, a.out, checked)
    except TableError as e:
        print(f"gen_syscall_table.py: syscall table check failed:\n{e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
