#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exported symbols == TEEATTEST_API declarations == version script.

Usage: check_exports.py <libteeattest.so.1> <source root>

Compares three sets of names and fails on any difference:
  1. the dynamic symbols the built library defines (nm -D --defined-only),
     with their "@@TEEATTEST_1.x" suffix stripped;
  2. the names declared with TEEATTEST_API in include/teeattest/*.h and
     include/teeattest/version.h.in (declarations may span lines);
  3. the names listed in lib/libteeattest.map.
It also checks that the SONAME is exactly libteeattest.so.1, that every
exported symbol carries a TEEATTEST_1.x version, that only teeattest_*
names are exported, that the map is well formed (one TEEATTEST_1.x node
per minor release, names sorted, one "local: *;" in TEEATTEST_1.0), and
that the public headers include nothing but <stddef.h>, <stdint.h> and
teeattest/ headers (and the umbrella header includes all the others), and
the header rules of docs/abi-policy.md: no variadic or inline functions,
bitfields, `long`, `time_t` or enum-typed struct members.

Prints TAP. Uses only the Python standard library plus nm and readelf.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

SONAME = "libteeattest.so.1"
NODE_RE = re.compile(r"^TEEATTEST_1\.(0|[1-9][0-9]*)$")
ALLOWED_SYSTEM_INCLUDES = {"stddef.h", "stdint.h"}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what, details=()):
        self.n += 1
        if ok:
            print(f"ok {self.n} - {what}")
        else:
            self.failed += 1
            print(f"not ok {self.n} - {what}")
            for d in details:
                print(f"#   {d}")
        return ok

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def tool(name):
    path = shutil.which(name)
    if not path:
        print(f"Bail out! {name} not found")
        sys.exit(1)
    return path


def strip_comments(text):
    """Remove C comments and string literals' contents (keeps line count)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j) or " ")
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_preprocessor(text):
    """Drop preprocessor directives, including continued lines."""
    lines = text.split("\n")
    out, cont = [], False
    for line in lines:
        directive = cont or line.lstrip().startswith("#")
        cont = directive and line.rstrip().endswith("\\")
        out.append("" if directive else line)
    return "\n".join(out)


DECL_RE = re.compile(r"\bTEEATTEST_API\b([^;{]*)[;{]")
IDENT_BEFORE_PAREN_RE = re.compile(r"([A-Za-z_]\w*)\s*\(")
LAST_IDENT_RE = re.compile(r"([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*(?:=.*)?$", re.S)


def header_declarations(paths):
    """{name: header} for every TEEATTEST_API declaration."""
    names, problems = {}, []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            code = strip_preprocessor(strip_comments(f.read()))
        for m in DECL_RE.finditer(code):
            decl = " ".join(m.group(1).split())
            fn = IDENT_BEFORE_PAREN_RE.search(decl)
            if fn and fn.group(1) != "TEEATTEST_CALLBACK":
                name = fn.group(1)
            else:  # an exported variable
                var = LAST_IDENT_RE.search(decl)
                if not var:
                    problems.append(f"{os.path.basename(path)}: cannot parse "
                                    f"'TEEATTEST_API {decl}'")
                    continue
                name = var.group(1)
            if name in names:
                problems.append(f"{name} declared twice ({names[name]}, "
                                f"{os.path.basename(path)})")
            names[name] = os.path.basename(path)
    return names, problems


def parse_map(path):
    """Returns ({name: node}, [node order], [problems])."""
    with open(path, encoding="utf-8") as f:
        text = strip_comments(f.read())
    names, nodes, problems = {}, [], []
    node_re = re.compile(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}\s*([A-Za-z_][\w.]*)?\s*;",
                         re.S)
    pos = 0
    for m in node_re.finditer(text):
        if text[pos:m.start()].strip():
            problems.append(f"unparsed text in map: {text[pos:m.start()].strip()!r}")
        pos = m.end()
        node, body, parent = m.group(1), m.group(2), m.group(3)
        if not NODE_RE.match(node):
            problems.append(f"version node {node} is not TEEATTEST_1.x")
        if nodes and parent != nodes[-1]:
            problems.append(f"node {node} must inherit from {nodes[-1]}, "
                            f"not {parent}")
        if not nodes and parent:
            problems.append(f"first node {node} must not inherit ({parent})")
        nodes.append(node)
        section, in_node = None, []
        for stmt in body.split(";"):
            stmt = stmt.strip()
            if not stmt:
                continue
            lab = re.match(r"^(global|local)\s*:\s*(.*)$", stmt, re.S)
            if lab:
                section, stmt = lab.group(1), lab.group(2).strip()
                if not stmt:
                    continue
            if section == "local":
                if stmt != "*" or node != nodes[0]:
                    problems.append(f"{node}: unexpected local entry {stmt!r}")
                continue
            if section != "global":
                problems.append(f"{node}: entry {stmt!r} outside global:")
                continue
            if not re.match(r"^[A-Za-z_]\w*$", stmt):
                problems.append(f"{node}: pattern {stmt!r} (list names exactly)")
                continue
            if stmt in names:
                problems.append(f"{stmt} listed in {names[stmt]} and {node}")
            names[stmt] = node
            in_node.append(stmt)
        if in_node != sorted(in_node):
            problems.append(f"{node}: names are not sorted")
    if text[pos:].strip():
        problems.append(f"unparsed text in map: {text[pos:].strip()!r}")
    if "local" not in text:
        problems.append("no 'local: *;' catch-all in the map")
    return names, nodes, problems


def exported_symbols(lib):
    """{name: set(versions)}, defaults {name: default version}, version nodes."""
    out = subprocess.run([tool("nm"), "-D", "--defined-only", lib],
                         check=True, capture_output=True, text=True).stdout
    syms, defaults, nodes, unversioned = {}, {}, set(), []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, sym = parts[1], parts[2]
        if "@" in sym:
            name, _, ver = sym.partition("@")
            default = ver.startswith("@")
            ver = ver.lstrip("@")
        else:
            name, ver, default = sym, None, True
        if kind == "A" and (ver is None or name == ver):
            nodes.add(name)  # the version node definition itself
            continue
        if ver is None:
            unversioned.append(name)
        syms.setdefault(name, set()).add(ver)
        if default:
            defaults[name] = ver
    return syms, defaults, nodes, unversioned


def soname(lib):
    out = subprocess.run([tool("readelf"), "-d", "-W", lib], check=True,
                         capture_output=True, text=True).stdout
    m = re.findall(r"\(SONAME\)\s+Library soname: \[([^\]]*)\]", out)
    return m


def includes(path):
    with open(path, encoding="utf-8") as f:
        text = strip_comments_keep_includes(f.read())
    return re.findall(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', text, re.M)


def strip_comments_keep_includes(text):
    # Comments may hide an #include; string literals must stay intact here.
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)


def policy_violations(paths):
    """Rules of docs/abi-policy.md that can be read off the headers: no
    variadic or inline functions, no bitfields, no `long` or `time_t`, no
    enum-typed struct members (an enum's size is the compiler's choice)."""
    bad = []
    for path in paths:
        base = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            code = strip_preprocessor(strip_comments(f.read()))
        for what, rx in (("variadic function", r"\.\.\."),
                         ("inline function", r"\b(?:inline|__inline__|__inline)\b"),
                         ("'long'", r"\blong\b"),
                         ("'time_t'", r"\btime_t\b")):
            for m in re.finditer(rx, code):
                line = code.count("\n", 0, m.start()) + 1
                bad.append(f"{base}:{line}: {what}")
        enums = set()
        for m in re.finditer(r"\benum\s+(\w+)?\s*\{[^}]*\}\s*(\w+)?", code):
            enums.update(n for n in m.groups() if n)
        for m in re.finditer(r"\b(?:struct|union)\s+\w*\s*\{", code):
            depth, i = 1, m.end()
            while i < len(code) and depth:
                depth += {"{": 1, "}": -1}.get(code[i], 0)
                i += 1
            body = code[m.end():i - 1]
            for member in body.split(";"):
                words = set(re.findall(r"\w+", member))
                line = code.count("\n", 0, m.start()) + 1
                if "enum" in words or words & enums:
                    bad.append(f"{base}:{line}: enum-typed member "
                               f"'{' '.join(member.split())}'")
                if re.search(r"\w\s*:\s*\d", member):
                    bad.append(f"{base}:{line}: bitfield "
                               f"'{' '.join(member.split())}'")
    return bad


# Functions returning a status that take no `teeattest_error *err`, each
# with the reason (docs/errors.md, "Which functions take err"). Everything
# else that returns `int` must take err last.
ERR_EXEMPT = {
    "teeattest_error_init": "initialises the error struct itself",
    "teeattest_ctx_options_init": "initialiser: fails only on a NULL struct "
                                  "or a size below 1.0, like error_init",
    "teeattest_aci_receipt_options_init": "initialiser, like "
                                          "ctx_options_init",
    "teeattest_has_feature": "returns 0/1, not a status",
    "teeattest_http_response_set_status": "transport sink: a failure is "
        "recorded in the response and reaches the caller's err",
    "teeattest_http_response_add_header": "transport sink (as above)",
    "teeattest_http_response_write": "transport sink (as above)",
    "teeattest_http_response_set_peer_spki": "transport sink (as above)",
    "teeattest_http_response_set_error": "transport sink: it is the error",
    "teeattest_report_raw": "fails only on a NULL handle or output",
    "teeattest_exchange_request": "fails only on a NULL handle or output",
    "teeattest_exchange_response": "fails only on a NULL handle or output",
    "teeattest_provider_set_timeouts": "fails only on a NULL handle (0 = "
                                       "default; every value is valid)",
    "teeattest_provider_set_max_body_size": "fails only on a NULL handle",
}

FUNC_RE = re.compile(r"\bTEEATTEST_API\s+([^;{(]*?)\b(teeattest_\w+)\s*\(([^;{]*)\)\s*;")


def function_signatures(paths):
    """[(return type, name, [params])] for every exported function."""
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            code = strip_preprocessor(strip_comments(f.read()))
        for m in FUNC_RE.finditer(code):
            params = [" ".join(p.split()) for p in m.group(3).split(",")]
            out.append((" ".join(m.group(1).split()), m.group(2), params))
    return out


def error_contract_violations(sigs):
    bad = []
    for ret, name, params in sigs:
        takes_err = any(p.startswith("teeattest_error *") for p in params)
        if (takes_err and name not in ERR_EXEMPT and
                not params[-1].startswith("teeattest_error *")):
            bad.append(f"{name}: teeattest_error * is not the last parameter")
        if ret == "int" and not takes_err and name not in ERR_EXEMPT:
            bad.append(f"{name} returns a status but takes no "
                       f"teeattest_error *err")
    return bad


def lifecycle_violations(sigs, misuse_test):
    """Every handle type has _ref and _free; the misuse test frees and
    refs NULL of each."""
    names = {name for _, name, _ in sigs}
    with open(misuse_test, encoding="utf-8") as f:
        test = f.read()
    bad = []
    for name in sorted(names):
        if not name.endswith("_free"):
            continue
        base = name[:-len("_free")]
        if base + "_ref" not in names:
            bad.append(f"{name} has no {base}_ref")
        if f"{name}(NULL)" not in test:
            bad.append(f"tests/api/test_misuse.c never calls {name}(NULL)")
        if base + "_ref" in names and f"{base}_ref(NULL)" not in test:
            bad.append(f"tests/api/test_misuse.c never calls {base}_ref(NULL)")
    for name in sorted(names):
        if name.endswith("_ref") and name[:-4] + "_free" not in names:
            bad.append(f"{name} has no {name[:-4]}_free")
    return bad


def diff(a, b, an, bn):
    d = []
    for x in sorted(a - b):
        d.append(f"{x}: in {an}, not in {bn}")
    for x in sorted(b - a):
        d.append(f"{x}: in {bn}, not in {an}")
    return d


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    lib, src = sys.argv[1], sys.argv[2]
    t = Tap()
    inc_dir = os.path.join(src, "include", "teeattest")
    headers = sorted(glob.glob(os.path.join(inc_dir, "*.h")))
    headers.append(os.path.join(inc_dir, "version.h.in"))
    map_path = os.path.join(src, "lib", "libteeattest.map")

    sonames = soname(lib)
    t.check(sonames == [SONAME], f"SONAME is {SONAME}",
            [f"readelf -d reports {sonames}"])

    syms, defaults, lib_nodes, unversioned = exported_symbols(lib)
    decls, decl_problems = header_declarations(headers)
    mapped, map_nodes, map_problems = parse_map(map_path)

    t.check(len(decls) > 0 and not decl_problems,
            f"public headers declare {len(decls)} TEEATTEST_API names",
            decl_problems)
    t.check(len(mapped) > 0 and not map_problems,
            f"version script is well formed ({len(mapped)} names, nodes "
            f"{', '.join(map_nodes)})", map_problems)

    exported = set(syms)
    t.check(exported == set(decls), "exports == TEEATTEST_API declarations",
            diff(exported, set(decls), "libteeattest.so.1", "headers"))
    t.check(set(mapped) == set(decls), "version script == TEEATTEST_API "
            "declarations", diff(set(mapped), set(decls), "libteeattest.map",
                                 "headers"))
    t.check(exported == set(mapped), "exports == version script",
            diff(exported, set(mapped), "libteeattest.so.1", "libteeattest.map"))

    bad_names = sorted(n for n in exported if not n.startswith("teeattest_"))
    t.check(not bad_names, "only teeattest_* symbols are exported",
            [f"exported: {n}" for n in bad_names])

    bad_ver = []
    for name, vers in sorted(syms.items()):
        for v in sorted(vers, key=str):
            if v is None or not NODE_RE.match(v):
                bad_ver.append(f"{name} has version {v}")
        if name not in defaults or defaults[name] is None:
            bad_ver.append(f"{name} has no default (@@) TEEATTEST_1.x version")
        elif name in mapped and defaults[name] != mapped[name]:
            bad_ver.append(f"{name}@@{defaults[name]} but the map lists it "
                           f"under {mapped[name]}")
    bad_ver += [f"{n} is unversioned" for n in unversioned]
    t.check(not bad_ver, "every export has a TEEATTEST_1.x version "
            "matching its map node", bad_ver)
    t.check(lib_nodes == set(map_nodes) and
            all(NODE_RE.match(n) for n in lib_nodes),
            "version nodes in the library == nodes in the map",
            [f"library defines {sorted(lib_nodes)}, map has {map_nodes}"])

    # Public headers: self-contained set, no system headers beyond C basics.
    public = {os.path.basename(h) for h in headers}
    public.discard("version.h.in")
    public.add("version.h")
    bad_inc = []
    for h in headers:
        for kind, inc in includes(h):
            base = os.path.basename(h)
            if inc.startswith("teeattest/"):
                if inc[len("teeattest/"):] not in public:
                    bad_inc.append(f"{base}: includes unknown {inc}")
            elif kind == "<" and inc in ALLOWED_SYSTEM_INCLUDES:
                pass
            else:
                q = "<>" if kind == "<" else '""'
                bad_inc.append(f"{base}: includes {q[0]}{inc}{q[1]}")
    t.check(not bad_inc, "public headers include only <stddef.h>, "
            "<stdint.h> and teeattest/ headers", bad_inc)

    bad_policy = policy_violations(headers)
    t.check(not bad_policy, "public headers: no variadic or inline "
            "functions, bitfields, long, time_t or enum-typed struct members",
            bad_policy)

    sigs = function_signatures(headers)
    t.check(len(sigs) > 100 and not error_contract_violations(sigs),
            "every function returning a status takes teeattest_error *err "
            "last, or is a documented exemption",
            error_contract_violations(sigs))
    misuse = os.path.join(src, "tests", "api", "test_misuse.c")
    t.check(len(sigs) > 100 and not lifecycle_violations(sigs, misuse),
            "every handle type has _ref and _free, both NULL-safe and tested",
            lifecycle_violations(sigs, misuse))

    umbrella = {inc for _, inc in includes(os.path.join(inc_dir, "teeattest.h"))}
    missing = sorted(f"teeattest/{h}" for h in public - {"teeattest.h"}
                     if f"teeattest/{h}" not in umbrella)
    t.check(not missing, "teeattest.h includes every public header",
            [f"missing {m}" for m in missing])

    # libabigail decides which types are private by the name of the header
    # that defines them: a handle defined in lib/tdx/tdx.h would be taken
    # for part of the public include/teeattest/tdx.h, and its private
    # layout would become ABI in the baseline.
    misplaced = []
    for path in sorted(glob.glob(os.path.join(src, "lib", "**", "*.h"),
                                 recursive=True)):
        if os.path.basename(path) not in public:
            continue
        with open(path, encoding="utf-8") as f:
            text = strip_comments(f.read())
        misplaced += [f"{os.path.relpath(path, src)}: struct {m}"
                      for m in re.findall(r"\bstruct\s+(teeattest_\w+)\s*\{",
                                          text)]
    t.check(not misplaced, "no public handle is defined in an internal header "
            "named like a public one", misplaced)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
