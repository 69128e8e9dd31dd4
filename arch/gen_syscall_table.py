#!/usr/bin/env python3
"""Turns arch/syscalls.tbl into C++, after checking it against kernel headers.

The table is cocoon's one source of truth for syscall numbers and argument
meaning (roles, and how each path argument is looked up). This script
refuses to generate anything when the table disagrees with the uapi headers
of an arch it was given: a wrong number would make the seccomp filter trace
or allow the wrong call.

Checks, per arch whose headers are given:
  * every __NR_<name> the headers define is a row, with that number;
  * every row numbered on that arch is in the headers with the same number,
    unless it says since=X.Y with X.Y newer than the headers (LINUX_VERSION_CODE);
and for the whole table: names unique, numbers unique per arch, roles and
path attributes known and consistent with the row (see the table's header),
at most six arguments, per-arch exceptions that really differ from the
generic column.

Outputs: OUT.cc (the rows) and, with --header, the `enum class Sys` header.

Usage:
  gen_syscall_table.py TABLE OUT.cc --header SYS.h [--cpp 'CMD...'] [--check ARCH=DIR[:DIR...] ...]
  gen_syscall_table.py TABLE --check ARCH=DIR ...      (check only)
"""
import argparse
import re
import shlex
import subprocess
import sys

ARCHES = ["x86_64", "i386", "aarch64", "riscv64"]  # order == arch::Arch
# The arches numbered by the asm-generic table (include/uapi/asm-generic/
# unistd.h): the table's third column, plus each one's [ARCH] exceptions.
GENERIC = ["aarch64", "riscv64"]
ROLES = {
    "": "kOther", "path": "kPath", "dirfd": "kDirfd", "atflags": "kAtFlags",
    "oflags": "kOpenFlags", "openhow": "kOpenHow", "lookupflags": "kLookupFlags",
    "pid": "kPid", "uid": "kUid", "gid": "kGid", "fd": "kFdIn",
    "fdout": "kFdOut", "sockaddr": "kSockaddr", "mode": "kMode", "dev": "kDev",
    "statbuf": "kStatBuf", "statxbuf": "kStatxBuf", "xattr": "kXattrName",
    "xattrargs": "kXattrArgs", "xattrlist": "kXattrList",
}
RETS = {"": "kOther", "fd": "kFd", "pid": "kPid", "uid": "kUid", "gid": "kGid", "addr": "kAddr"}
# Path attributes: how the last component is followed (exactly one; the
# flag that changes the default, where one does, and the role of the
# argument that carries it), what the call does to the entry (exactly one),
# and three flags.
FOLLOW = {
    "follow": ("kYes", None), "nofollow": ("kNo", None),
    "AT_SYMLINK_NOFOLLOW": ("kUnlessAtNoFollow", {"atflags"}),
    "AT_SYMLINK_FOLLOW": ("kIfAtFollow", {"atflags"}),
    "O_NOFOLLOW": ("kOpenFlags", {"oflags", "openhow"}),
    "IN_DONT_FOLLOW": ("kInotifyMask", {"lookupflags"}),
    "FAN_MARK_DONT_FOLLOW": ("kFanotifyFlags", {"lookupflags"}),
}
EFFECT = {"read": "kRead", "modify": "kModify", "create": "kCreate",
          "replace": "kReplace", "open": "kOpenFlags"}
PATH_FLAGS = {"empty", "null", "exdev"}
FLAG_ROLES = {"atflags", "oflags", "openhow", "lookupflags"}
# Kernel names that are C++ keywords get a trailing underscore in enum Sys.
CXX_KEYWORDS = {"break", "delete", "new", "this", "throw", "try", "union", "export", "module"}

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


def parse_number(text, where):
    if text == "-":
        return None
    if text.isdigit():
        return int(text)
    raise TableError(f"{where}: bad number '{text}'")


ARG = re.compile(r"^(?:(\w+)(?:\[([^\]]*)\])?:)?([A-Za-z_][A-Za-z0-9_]*)$")


def parse_args(text, where):
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        raise TableError(f"{where}: arguments must be in parentheses: {text}")
    inner = text[1:-1].strip()
    out = []
    if not inner:
        return out
    # Commas separate arguments, except inside a path's [attributes].
    for item in re.split(r",(?![^\[]*\])", inner):
        item = item.strip()
        m = ARG.match(item)
        if not m:
            raise TableError(f"{where}: bad argument '{item}'")
        role, attrs, name = m[1] or "", m[2], m[3]
        if role not in ROLES:
            raise TableError(f"{where}: unknown role '{role}' (known: {', '.join(r for r in ROLES if r)})")
        if attrs is not None and role != "path":
            raise TableError(f"{where}: only a path takes [attributes]: {item}")
        spec = parse_path_attrs(attrs, where) if attrs is not None else None
        out.append({"role": role, "name": name, "spec": spec})
    if len(out) > 6:
        raise TableError(f"{where}: more than six arguments")
    return out


def parse_path_attrs(text, where):
    words = [w.strip() for w in text.split(",") if w.strip()]
    follow = [w for w in words if w in FOLLOW]
    effect = [w for w in words if w in EFFECT]
    unknown = [w for w in words if w not in FOLLOW and w not in EFFECT and w not in PATH_FLAGS]
    if unknown:
        raise TableError(f"{where}: unknown path attribute '{unknown[0]}'")
    if len(follow) != 1 or len(effect) != 1:
        raise TableError(f"{where}: a path's [attributes] need one follow mode "
                         f"({', '.join(FOLLOW)}) and one effect ({', '.join(EFFECT)}): [{text}]")
    if len(set(words)) != len(words):
        raise TableError(f"{where}: repeated path attribute: [{text}]")
    return {"follow": follow[0], "effect": effect[0], "flags": set(words) & PATH_FLAGS}


def check_paths(args, where):
    """The translated paths of a row, each with its dirfd and flags argument."""
    flag_args = [i for i, a in enumerate(args) if a["role"] in FLAG_ROLES]
    if len(flag_args) > 1:
        raise TableError(f"{where}: more than one flags argument ({', '.join(sorted(FLAG_ROLES))})")
    flags_arg = flag_args[0] if flag_args else -1
    for i, a in enumerate(args):
        if a["role"] == "dirfd" and (i + 1 >= len(args) or args[i + 1]["role"] != "path"):
            raise TableError(f"{where}: a dirfd must come just before its path")
    paths = [i for i, a in enumerate(args) if a["role"] == "path"]
    specs = [i for i in paths if args[i]["spec"] is not None]
    if specs and len(specs) != len(paths):
        raise TableError(f"{where}: either every path of a row has [attributes] or none")
    if len(specs) > 2:
        raise TableError(f"{where}: at most two translated paths")
    out = []
    for n, i in enumerate(specs):
        s = args[i]["spec"]
        needs = FOLLOW[s["follow"]][1]
        if s["effect"] == "open":
            needs = {"oflags", "openhow"}
        if needs and (flags_arg < 0 or args[flags_arg]["role"] not in needs):
            raise TableError(f"{where}: {s['follow']}/{s['effect']} needs a "
                             f"{' or '.join(sorted(needs))} argument")
        if "empty" in s["flags"] and flags_arg >= 0 and args[flags_arg]["role"] != "atflags":
            raise TableError(f"{where}: 'empty' reads AT_EMPTY_PATH from an atflags argument")
        if "exdev" in s["flags"] and n != 1:
            raise TableError(f"{where}: 'exdev' belongs on a row's second path")
        dirfd = i - 1 if i > 0 and args[i - 1]["role"] == "dirfd" else -1
        out.append({"path": i, "dirfd": dirfd, **s})
    return out, flags_arg


ROW = re.compile(r"^(\w+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(?:since=(\S+)\s+)?(\(.*\))\s*(?:->\s*(\w+))?\s*$")
EXCEPTION = re.compile(r"^(\w+)\s+(\S+)\s*$")


def parse_table(path):
    rows, by_name, section = [], {}, None
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            if m[1] not in GENERIC:
                raise TableError(f"{where}: [{m[1]}] is not a generic arch ({', '.join(GENERIC)})")
            section = m[1]
            continue
        if section is not None:
            apply_exception(by_name, section, line, where)
            continue
        m = ROW.match(line)
        if not m:
            raise TableError(f"{where}: cannot parse row: {line}")
        generic = parse_number(m[4], where)
        ret = m[7] or ""
        if ret not in RETS:
            raise TableError(f"{where}: unknown return role '{ret}'")
        args = parse_args(m[6], where)
        paths, flags_arg = check_paths(args, where)
        row = {
            "name": m[1],
            "nr": [parse_number(m[2], where), parse_number(m[3], where)] + [generic] * len(GENERIC),
            "since": parse_version(m[5]) if m[5] else None, "args": args, "paths": paths,
            "flags_arg": flags_arg, "ret": ret, "where": where,
        }
        if row["name"] in by_name:
            raise TableError(f"{where}: {row['name']} already at {by_name[row['name']]['where']}")
        by_name[row["name"]] = row
        rows.append(row)
    check_unique(rows)
    return rows


def apply_exception(by_name, arch, line, where):
    """`name number|-` under [arch]: that arch's number where it differs."""
    m = EXCEPTION.match(line)
    if not m:
        raise TableError(f"{where}: an [{arch}] line is 'name number' or 'name -': {line}")
    row = by_name.get(m[1])
    if row is None:
        raise TableError(f"{where}: [{arch}] {m[1]} has no row above")
    i = ARCHES.index(arch)
    nr = parse_number(m[2], where)
    if nr == row["nr"][i]:
        raise TableError(f"{where}: [{arch}] {m[1]} repeats the generic column")
    row["nr"][i] = nr


def check_unique(rows):
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


def enumerator(name):
    return name + "_" if name in CXX_KEYWORDS else name


def cxx_path(p):
    if p is None:
        return "{}"
    flags = p["flags"]
    return (f"{{{p['path']}, {p['dirfd']}, Follow::{FOLLOW[p['follow']][0]}, "
            f"Effect::{EFFECT[p['effect']]}, {str('empty' in flags).lower()}, "
            f"{str('null' in flags).lower()}, {str('exdev' in flags).lower()}}}")


def cxx_row(r):
    nums = ", ".join("kAbsent" if n is None else str(n) for n in r["nr"])
    args = list(r["args"]) + [{"role": "", "name": ""}] * (6 - len(r["args"]))
    roles = ", ".join(f"ArgRole::{ROLES[a['role']]}" for a in args)
    names = ", ".join(f'"{a["name"]}"' for a in args)
    since = r["since"][0] * 100 + r["since"][1] if r["since"] else 0
    paths = list(r["paths"]) + [None] * (2 - len(r["paths"]))
    return (f'  {{"{r["name"]}", Sys::{enumerator(r["name"])}, {{{nums}}}, {{{roles}}}, '
            f'{{{names}}}, {len(r["args"])}, RetRole::{RETS[r["ret"]]}, {since}, '
            f'{{{{{", ".join(cxx_path(p) for p in paths)}}}}}, {len(r["paths"])}, {r["flags_arg"]}}},\n')


def write_if_changed(path, text):
    try:
        if open(path, encoding="utf-8").read() == text:
            return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_cxx(rows, out_path, checked):
    write_if_changed(out_path,
        "// Generated by arch/gen_syscall_table.py from arch/syscalls.tbl: do not edit.\n"
        f"// Checked against the kernel headers of: {', '.join(checked) or 'none'}.\n"
        '#include "syscall_rows.h"\n\n'
        "namespace cocoon::arch::detail {\n\n"
        f"const SyscallDesc kRows[{len(rows)}] = {{\n"
        + "".join(cxx_row(r) for r in rows) +
        "};\n"
        f"const std::size_t kRowCount = {len(rows)};\n\n"
        "}  // namespace cocoon::arch::detail\n")


def write_header(rows, out_path):
    write_if_changed(out_path,
        "// Generated by arch/gen_syscall_table.py from arch/syscalls.tbl: do not edit.\n"
        "// One enumerator per row, in table order, named as the kernel names the\n"
        "// call (a C++ keyword gets a trailing underscore: break_).\n"
        "#pragma once\n\n"
        "#include <cstddef>\n#include <cstdint>\n\n"
        "namespace cocoon::arch {\n\n"
        "enum class Sys : std::uint16_t {\n"
        + "".join(f"  {enumerator(r['name'])},\n" for r in rows) +
        "};\n"
        f"inline constexpr std::size_t kSysCount = {len(rows)};\n\n"
        "}  // namespace cocoon::arch\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--header", help="where to write the enum class Sys header")
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
        if a.header:
            write_header(rows, a.header)
    except TableError as e:
        print(f"gen_syscall_table.py: syscall table check failed:\n{e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
