#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mbedTLS and OpenSSL are used only inside lib/crypto.

Usage: check_crypto_confined.py <source root>

Fails when a C file under lib/ but outside lib/crypto includes an
<mbedtls/...> or <openssl/...> header, or names an mbedtls_/MBEDTLS_
identifier: the layers above reach certificates, keys, CRLs and DER only
through lib/crypto/x509.h and lib/crypto/der.h (issue 15), so a second
crypto implementation can slot in without touching them.

PENDING lists the files not yet moved onto that interface; each must still
use mbedTLS (so the list only shrinks) and the list must end empty.

Prints TAP. Uses only the Python standard library.
"""
import glob
import os
import re
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"](mbedtls|openssl)/')
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


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = sys.argv[1]
    crypto = os.path.join(src, "lib", "crypto") + os.sep
    files = sorted(p for p in glob.glob(os.path.join(src, "lib", "**", "*.[ch]"),
                                        recursive=True)
                   if not p.startswith(crypto))
    n = 0
    failed = 0
    if not files:
        print("Bail out! no C files under %s/lib" % src)
        return 1
    seen = set()
    for path in files:
        rel = os.path.relpath(path, src).replace(os.sep, "/")
        hits = uses(path)
        n += 1
        if rel in PENDING:
            seen.add(rel)
            if hits:
                print("ok %d - %s: pending (%d uses)" % (n, rel, len(hits)))
            else:
                failed += 1
                print("not ok %d - %s no longer uses mbedTLS: remove it from "
                      "PENDING" % (n, rel))
        elif hits:
            failed += 1
            print("not ok %d - %s uses a crypto library outside lib/crypto"
                  % (n, rel))
            for no, text in hits[:5]:
                print("#   %s:%d: %s" % (rel, no, text))
        else:
            print("ok %d - %s" % (n, rel))
    for rel in sorted(PENDING - seen):
        n += 1
        failed += 1
        print("not ok %d - %s is listed as pending but does not exist"
              % (n, rel))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
