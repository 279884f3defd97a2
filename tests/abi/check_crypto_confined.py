#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mbedTLS, OpenSSL and nettle/GMP are used only inside lib/crypto.

Usage: check_crypto_confined.py <source root>

Fails when a C file under lib/ but outside lib/crypto includes an
<mbedtls/...>, <openssl/...>, <nettle/...> or <gmp.h> header, or names an
mbedtls_/MBEDTLS_ identifier: the layers above reach certificates, keys,
CRLs and DER only through lib/crypto/x509.h and lib/crypto/der.h (issue
15), so a second crypto implementation can slot in without touching them.

PENDING listed the files not yet moved onto that interface while the move
was under way (each had to still use mbedTLS, so the list only shrank); it
is empty now. A self-test first checks the checker on small trees made in
a temporary directory (one clean, one per kind of use).

Prints TAP. Uses only the Python standard library.
"""
import glob
import os
import re
import sys
import tempfile

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]((mbedtls|openssl|nettle)/|gmp\.h)')
NAME_RE = re.compile(r"\b(mbedtls_\w+|MBEDTLS_\w+)")

# Files still on mbedTLS directly, to be moved behind lib/crypto (issue 15).
PENDING = set()


def uses(path):
    """(line number, text) of each include or identifier of mbedTLS/OpenSSL."""
    hits = []
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            m = INCLUDE_RE.search(line) or NAME_RE.search(line)
            if m:
                hits.append((no, line.strip()))
    return hits


def check(src, pending):
    """TAP lines (without numbers) and the number of failures for a tree."""
    crypto = os.path.join(src, "lib", "crypto") + os.sep
    files = sorted(p for p in glob.glob(os.path.join(src, "lib", "**", "*.[ch]"),
                                        recursive=True)
                   if not p.startswith(crypto))
    lines = []
    failed = 0
    seen = set()
    for path in files:
        rel = os.path.relpath(path, src).replace(os.sep, "/")
        hits = uses(path)
        if rel in pending:
            seen.add(rel)
            if hits:
                lines.append(("ok", "%s: pending (%d uses)" % (rel, len(hits))))
            else:
                failed += 1
                lines.append(("not ok", "%s no longer uses mbedTLS: remove it "
                              "from PENDING" % rel))
        elif hits:
            failed += 1
            lines.append(("not ok", "%s uses a crypto library outside "
                          "lib/crypto" % rel))
            for no, text in hits[:5]:
                lines.append(("#", "  %s:%d: %s" % (rel, no, text)))
        else:
            lines.append(("ok", rel))
    for rel in sorted(pending - seen):
        failed += 1
        lines.append(("not ok", "%s is listed as pending but does not exist"
                      % rel))
    return lines, failed, len(files)


def self_test():
    """The check itself: a clean tree passes, each kind of use fails."""
    results = []
    cases = [
        ("clean", {"lib/crypto/x.c": "#include <mbedtls/pk.h>\n",
                   "lib/tdx/a.c": "#include \"../crypto/x509.h\"\n"}, 0),
        ("mbedTLS include", {"lib/tdx/a.c": "#include <mbedtls/pk.h>\n"}, 1),
        ("OpenSSL include", {"lib/gpu/b.h": "#  include <openssl/evp.h>\n"}, 1),
        ("mbedTLS identifier", {"lib/verify/c.c":
                                "int f(void) { return MBEDTLS_ERR_X; }\n"}, 1),
    ]
    for name, tree, want in cases:
        with tempfile.TemporaryDirectory() as d:
            for rel, text in tree.items():
                os.makedirs(os.path.dirname(os.path.join(d, rel)),
                            exist_ok=True)
                with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            _, failed, _ = check(d, set())
        results.append((failed == want, "self-test: %s tree %s" %
                        (name, "passes" if not want else "fails")))
    return results


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = sys.argv[1]
    n = 0
    failed = 0
    for ok, what in self_test():
        n += 1
        failed += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    lines, bad, nfiles = check(src, PENDING)
    if not nfiles:
        print("Bail out! no C files under %s/lib" % src)
        return 1
    failed += bad
    for status, text in lines:
        if status == "#":
            print("#" + text)
            continue
        n += 1
        print("%s %d - %s" % (status, n, text))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
