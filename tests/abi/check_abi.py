#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ABI gate: compare the built library with the committed baselines.

Usage:
  check_abi.py check <libteeattest.so.1> <source root> <build root>
               <C compiler command>
  check_abi.py write-baseline <libteeattest.so.1> <source root> <build root>
               <version>

`check` compares the library with every abi/libteeattest-*.xml whose SONAME
is the library's, and prints TAP:

  1. abidiff gate: `abidiff --no-added-syms --headers-dir2 include/teeattest
     --header-file2 <build>/include/teeattest/version.h --suppressions
     abi/suppressions.abignore <baseline> <lib>`; any non-zero exit fails
     (bit 1 error, 2 usage, 4 ABI change, 8 incompatible change).
  2. strict layout check. libabigail's `has_data_member_inserted_at = end`
     suppression does not look at *changed* members: once a struct matches
     it, a retyped member, or any change inside a struct reached through a
     pointer member (teeattest_ctx_options -> crypto backend, transport,
     allocator, HTTP request), is suppressed too (see abi/README.md). So the
     public types are also compared here from abidw dumps of both sides:
     every member of every public struct keeps its name, offset and type;
     members may be added only to size-versioned structs (first member
     `size_t struct_size`), only after the struct's baseline size; public
     enumerators keep their values (abidiff never sees the status enum: no
     function uses it); public typedefs and exported function signatures
     are unchanged.
  3. header probe: every baseline enumerator still has its value and every
     simple public typedef still names the same type, checked by compiling
     _Static_asserts against the current headers with the C compiler given
     (independent of what the compiler put into the library's DWARF).
  4. the suppression file allows nothing but tail growth of exactly the
     size-versioned public structs.

`write-baseline` writes abi/libteeattest-<version>.xml with the same abidw
flags (run it only at a release; see abi/README.md).

abidw/abidiff missing: fails when CI=true, skips (TAP "1..0 # SKIP")
otherwise. A library without DWARF (.debug_info) fails: build with -g
(the default buildtype debugoptimized does).
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

# Flags for every abidw run (baseline and the dump of the library under
# test). --no-corpus-path/--no-comp-dir-path keep absolute paths of the
# build machine out of the baseline; --drop-private-types keeps internal
# struct layouts out; --load-all-types records types no exported function
# reaches (the enums). Do NOT add --short-locs: with it abidiff no longer
# reports a changed return type (verified with abigail-tools 2.2).
# --type-id-style hash names each type by a hash of itself instead of a
# running number, so adding a type does not renumber every later one and a
# regenerated baseline's diff shows only what changed.
ABIDW_FLAGS = ["--no-corpus-path", "--no-comp-dir-path",
               "--drop-private-types", "--load-all-types",
               "--type-id-style", "hash"]


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what, details=()):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}")
        if not ok:
            self.failed += 1
            for d in details:
                for line in str(d).splitlines():
                    print(f"#   {line}")
        return ok

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def paths(src, build):
    return (os.path.join(src, "include", "teeattest"),
            os.path.join(build, "include", "teeattest", "version.h"),
            os.path.join(src, "abi"))


def abidw(lib, src, build, out):
    headers, version_h, _ = paths(src, build)
    cmd = (["abidw"] + ABIDW_FLAGS +
           ["--headers-dir", headers, "--header-file", version_h,
            "--out-file", out, lib])
    r = subprocess.run(cmd, capture_output=True, text=True)
    return cmd, r


def has_debug_info(lib):
    r = subprocess.run(["readelf", "-S", "-W", lib], capture_output=True,
                       text=True)
    return r.returncode == 0 and ".debug_info" in r.stdout


# ---- abixml model ---------------------------------------------------------

def is_public_loc(elem):
    """Defined in a public header (.../teeattest/<header>.h)?"""
    fp = elem.get("filepath", "")
    return os.path.basename(os.path.dirname(fp)) == "teeattest"


class Corpus:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.soname = root.get("soname")
        self.by_id = {}
        for e in root.iter():
            if e.get("id") and e.tag != "subrange":
                self.by_id.setdefault(e.get("id"), e)
        self.structs, self.enums, self.typedefs, self.functions = {}, {}, {}, {}
        for e in root.iter():
            name = e.get("name", "")
            if not name.startswith("teeattest_"):
                continue
            if e.tag in ("class-decl", "union-decl"):
                if e.get("is-declaration-only") == "yes" or not is_public_loc(e):
                    continue
                self.structs.setdefault(name, self.struct_info(e))
            elif e.tag == "enum-decl" and is_public_loc(e):
                self.enums.setdefault(name, self.enum_info(e))
            elif e.tag == "typedef-decl" and is_public_loc(e):
                self.typedefs.setdefault(name, self.render(e.get("type-id")))
            elif e.tag == "function-decl" and e.get("elf-symbol-id"):
                self.functions.setdefault(name, (e.get("elf-symbol-id"),
                                                 self.signature(e)))
        # abidw keeps one function-decl per function: that of the first
        # translation unit by path that mentions it. A unit sorting before
        # the defining one (lib/aci/... before lib/core/ctx.c) leaves only
        # a declaration without elf-symbol-id; match it to the exported
        # symbol of that name.
        syms = {}
        for e in root.iter("elf-symbol"):
            if e.get("is-defined") == "yes" and e.get("type") == "func-type":
                sep = "@@" if e.get("is-default-version") == "yes" else "@"
                syms[e.get("name")] = e.get("name") + sep + e.get("version", "")
        for e in root.iter("function-decl"):
            name = e.get("name", "")
            if (name.startswith("teeattest_") and name in syms and
                    name not in self.functions and not e.get("elf-symbol-id")):
                self.functions[name] = (syms[name], self.signature(e))

    def struct_info(self, e):
        members = []
        for dm in e.findall("data-member"):
            v = dm.find("var-decl")
            members.append((v.get("name"), int(dm.get("layout-offset-in-bits", "0")),
                            self.render(v.get("type-id"))))
        kind = "union" if e.tag == "union-decl" else "struct"
        return {"kind": kind, "size": int(e.get("size-in-bits", "0")),
                "members": members}

    def enum_info(self, e):
        ut = e.find("underlying-type")
        return {"underlying": self.render(ut.get("type-id")) if ut is not None else "?",
                "values": {x.get("name"): int(x.get("value"))
                           for x in e.findall("enumerator")}}

    def signature(self, e):
        params = [self.render(p.get("type-id")) if p.get("type-id") else "..."
                  for p in e.findall("parameter")]
        if any(p.get("is-variadic") == "yes" for p in e.findall("parameter")):
            params = [p for p in params if p != "..."] + ["..."]
        ret = e.find("return")
        r = self.render(ret.get("type-id")) if ret is not None else "void"
        return f"{r} ({', '.join(params) or 'void'})"

    def render(self, tid, depth=0):
        """A canonical spelling of a type, independent of type-ids."""
        e = self.by_id.get(tid)
        if e is None or depth > 40:
            return f"<unknown {tid}>"
        t = e.tag
        if t == "type-decl":
            return e.get("name")
        if t == "typedef-decl":
            return e.get("name")
        if t == "pointer-type-def":
            return self.render(e.get("type-id"), depth + 1) + " *"
        if t == "reference-type-def":
            return self.render(e.get("type-id"), depth + 1) + " &"
        if t == "qualified-type-def":
            q = [k for k in ("const", "volatile", "restrict") if e.get(k) == "yes"]
            inner = self.render(e.get("type-id"), depth + 1)
            under = self.by_id.get(e.get("type-id"))
            if under is not None and under.tag == "pointer-type-def":
                return " ".join([inner] + q)  # qualified pointer: T *const
            return " ".join(q + [inner])
        if t == "array-type-def":
            dims = "".join(f"[{s.get('length', '')}]" for s in e.findall("subrange"))
            return self.render(e.get("type-id"), depth + 1) + dims
        if t in ("class-decl", "union-decl"):
            kind = "union" if t == "union-decl" else "struct"
            if e.get("is-anonymous") == "yes":
                inner = "; ".join(
                    f"{self.render(dm.find('var-decl').get('type-id'), depth + 1)} "
                    f"{dm.find('var-decl').get('name')}@{dm.get('layout-offset-in-bits')}"
                    for dm in e.findall("data-member"))
                return f"{kind} {{{inner}}}"
            return f"{kind} {e.get('name')}"
        if t == "enum-decl":
            return f"enum {e.get('name')}"
        if t == "function-type":
            params = [self.render(p.get("type-id"), depth + 1)
                      if p.get("is-variadic") != "yes" else "..."
                      for p in e.findall("parameter")]
            ret = e.find("return")
            r = self.render(ret.get("type-id"), depth + 1) if ret is not None else "void"
            return f"{r} ({', '.join(params) or 'void'})"
        return f"<{t}>"


def size_versioned(info):
    m = info["members"]
    return (info["kind"] == "struct" and len(m) > 0 and
            m[0][0] == "struct_size" and m[0][1] == 0 and m[0][2] == "size_t")


def compare(base, cur):
    """Returns a list of problems (empty = compatible)."""
    p = []
    for name, b in sorted(base.structs.items()):
        c = cur.structs.get(name)
        if c is None:
            p.append(f"{b['kind']} {name}: removed (or no longer in the "
                     f"library's debug info)")
            continue
        bm, cm = b["members"], c["members"]
        for i, (bn, bo, bt) in enumerate(bm):
            if i >= len(cm):
                p.append(f"{name}.{bn}: member removed")
                continue
            cn, co, ct = cm[i]
            if (bn, bo, bt) != (cn, co, ct):
                p.append(f"{name}: member {i} was '{bt} {bn}' at bit {bo}, "
                         f"is '{ct} {cn}' at bit {co}")
        extra = cm[len(bm):]
        if extra and not size_versioned(b):
            p.append(f"{name}: members added ({', '.join(x[0] for x in extra)}) "
                     f"to a struct that is not size-versioned")
        for (xn, xo, xt) in extra:
            if xo < b["size"]:
                p.append(f"{name}.{xn}: added at bit {xo}, inside the "
                         f"baseline size of {b['size']} bits (append after it)")
        if c["size"] < b["size"]:
            p.append(f"{name}: size shrank from {b['size']} to {c['size']} bits")
        elif c["size"] != b["size"] and not size_versioned(b):
            p.append(f"{name}: size changed from {b['size']} to {c['size']} "
                     f"bits but the struct is not size-versioned")
    for name, b in sorted(base.enums.items()):
        c = cur.enums.get(name)
        if c is None:
            continue  # not in this build's DWARF: the header probe checks it
        if b["underlying"] != c["underlying"]:
            p.append(f"enum {name}: underlying type {b['underlying']} -> "
                     f"{c['underlying']}")
        for en, ev in sorted(b["values"].items()):
            if en not in c["values"]:
                p.append(f"{en}: enumerator removed")
            elif c["values"][en] != ev:
                p.append(f"{en}: value changed from {ev} to {c['values'][en]}")
    for name, b in sorted(base.typedefs.items()):
        c = cur.typedefs.get(name)
        if c is None and not SIMPLE_TYPE_RE.match(b):
            p.append(f"typedef {name}: no longer in the library's debug info")
        elif c is not None and c != b:
            p.append(f"typedef {name}: was '{b}', is '{c}'")
    for name, (bsym, bsig) in sorted(base.functions.items()):
        if name not in cur.functions:
            p.append(f"function {name} ({bsym}): removed")
            continue
        csym, csig = cur.functions[name]
        if csig != bsig:
            p.append(f"function {name}: was '{bsig}', is '{csig}'")
        if csym != bsym:
            p.append(f"function {name}: symbol version {bsym} -> {csym}")
    return p


# ---- header probe ---------------------------------------------------------

SIMPLE_TYPE_RE = re.compile(r"^(?:(?:struct|union|enum) )?[A-Za-z_]\w*$")


def header_probe(base, cc, src, build):
    """Compile-time checks of the current headers against a baseline.

    Enumerator values and simple typedefs do not depend on what the
    compiler chose to put into the library's DWARF (clang omits enums that
    no code names as a type), so check them with the compiler: every
    baseline enumerator must still exist with its value, every
    `typedef struct X name` must still be that.
    """
    lines = ["#include <teeattest/teeattest.h>"]
    for ename, info in sorted(base.enums.items()):
        for n, v in sorted(info["values"].items()):
            lines.append(f'_Static_assert({n} == {v}, "{ename}: {n} was {v} '
                         f'in the baseline");')
    for tname, under in sorted(base.typedefs.items()):
        if SIMPLE_TYPE_RE.match(under):
            lines.append(f"typedef {under} {tname}; /* C11: same type again */")
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, "probe.c")
        with open(c, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        cmd = shlex.split(cc) + [
            "-std=c11", "-fsyntax-only", "-Werror",
            "-I" + os.path.join(src, "include"),
            "-I" + os.path.join(build, "include"), c]
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        return []
    return [l for l in (r.stdout + r.stderr).splitlines()
            if "error" in l] or [r.stdout + r.stderr]


# ---- suppression file -----------------------------------------------------

def parse_abignore(path):
    sections, cur = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#") or line.startswith(";"):
                continue
            m = re.match(r"^\[(\w+)\]$", line)
            if m:
                cur = (m.group(1), {})
                sections.append(cur)
                continue
            k, sep, v = line.partition("=")
            if not sep or cur is None:
                sections.append(("<unparsed>", {"line": line}))
                continue
            cur[1][k.strip()] = v.strip()
    return sections


def check_abignore(path, cur):
    p = []
    sv = {n for n, i in cur.structs.items() if size_versioned(i)}
    others = set(cur.structs) - sv
    allowed_keys = {"label", "type_kind", "name_regexp",
                    "has_data_member_inserted_at"}
    secs = parse_abignore(path)
    if not secs:
        p.append("no suppression at all: appending to size-versioned structs "
                 "would fail the gate")
    for kind, props in secs:
        if kind != "suppress_type":
            p.append(f"[{kind}] {props}: only [suppress_type] sections are allowed")
            continue
        if set(props) - allowed_keys:
            p.append(f"unexpected properties {sorted(set(props) - allowed_keys)}")
        if props.get("type_kind") != "struct":
            p.append(f"type_kind = {props.get('type_kind')} (must be struct)")
        if props.get("has_data_member_inserted_at") != "end":
            p.append("has_data_member_inserted_at must be 'end'")
        rx = props.get("name_regexp")
        if not rx:
            p.append("name_regexp missing")
            continue
        try:
            r = re.compile(rx)
        except re.error as e:
            p.append(f"name_regexp {rx!r}: {e}")
            continue
        matched = {n for n in cur.structs if r.search(n)}
        for n in sorted(matched & others):
            p.append(f"name_regexp matches {n}, which is not size-versioned")
        for n in sorted(sv - matched):
            p.append(f"name_regexp does not match size-versioned struct {n}")
        if not (rx.startswith("^") and rx.endswith("$")):
            p.append("name_regexp must be anchored (^...$)")
    return p


# ---- main -----------------------------------------------------------------

def cmd_check(lib, src, build, cc):
    t = Tap()
    missing = [x for x in ("abidw", "abidiff", "readelf") if not shutil.which(x)]
    if missing:
        why = f"{', '.join(missing)} not installed (apt-get install abigail-tools binutils)"
        if in_ci():
            print(f"Bail out! {why}; CI=true: the ABI gate must run")
            return 1
        print(f"1..0 # SKIP {why}")
        return 0
    headers, version_h, abi_dir = paths(src, build)
    if not has_debug_info(lib):
        print(f"Bail out! {lib} has no DWARF (.debug_info): build with -g "
              f"(buildtype debug or debugoptimized)")
        return 1
    supp = os.path.join(abi_dir, "suppressions.abignore")
    baselines = sorted(glob.glob(os.path.join(abi_dir, "libteeattest-*.xml")))

    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "current.xml")
        cmd, r = abidw(lib, src, build, dump)
        if r.returncode != 0:
            print(f"Bail out! abidw failed ({r.returncode}): {' '.join(cmd)}")
            print("# " + (r.stdout + r.stderr).replace("\n", "\n# "))
            return 1
        cur = Corpus(dump)
        relevant = [b for b in baselines if Corpus(b).soname == cur.soname]
        t.check(bool(relevant), f"a baseline exists for {cur.soname}",
                [f"no abi/libteeattest-*.xml with soname {cur.soname}"])

        t.check(os.path.exists(supp) and not check_abignore(supp, cur),
                "suppressions.abignore allows only tail growth of the "
                "size-versioned public structs",
                check_abignore(supp, cur) if os.path.exists(supp)
                else [f"{supp} missing"])

        for base_path in relevant:
            base_name = os.path.basename(base_path)
            cmd = ["abidiff", "--no-added-syms",
                   "--headers-dir2", headers, "--header-file2", version_h,
                   "--suppressions", supp, base_path, lib]
            r = subprocess.run(cmd, capture_output=True, text=True)
            meaning = {1: "error", 2: "usage error", 4: "ABI change",
                       8: "incompatible ABI change"}
            details = [" ".join(cmd),
                       f"exit {r.returncode}: " + ", ".join(
                           v for b, v in meaning.items() if r.returncode & b),
                       r.stdout, r.stderr]
            t.check(r.returncode == 0, f"abidiff vs {base_name}", details)

            base = Corpus(base_path)
            problems = compare(base, cur)
            t.check(not problems, f"public struct/enum/typedef/function layout "
                    f"vs {base_name}", problems)
            problems = header_probe(base, cc, src, build)
            t.check(not problems, f"enumerator values and typedefs in the "
                    f"headers vs {base_name}", problems)
    return t.done()


def cmd_write_baseline(lib, src, build, version):
    if not has_debug_info(lib):
        print(f"{lib} has no DWARF: build with -g", file=sys.stderr)
        return 1
    out = os.path.join(src, "abi", f"libteeattest-{version}.xml")
    cmd, r = abidw(lib, src, build, out)
    sys.stderr.write(r.stdout + r.stderr)
    if r.returncode:
        print(f"abidw failed: {' '.join(cmd)}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "check":
        return cmd_check(*a[1:])
    if len(a) == 5 and a[0] == "write-baseline":
        return cmd_write_baseline(*a[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
