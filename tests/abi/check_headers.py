#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Header hygiene: every public header compiles on its own.

Usage: check_headers.py c|c++ <compiler command> <source root> <build root>

Compiles, with the given compiler:
  - each include/teeattest/*.h and the generated <build>/include/teeattest/
    version.h alone (included twice, to check the include guard);
  - the umbrella teeattest.h alone, in a translation unit that also expands
    every public *_INIT macro and version macro;
as C with -std=c99 -Wall -Wextra -pedantic -Werror, or as C++ with
-std=c++11 -Wall -Wextra -pedantic -Werror; include directories include/
and <build>/include only.

Prints TAP. A missing compiler fails the test when CI=true (Bail out!),
and otherwise skips it (TAP plan "1..0 # SKIP").
"""
import glob
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

FLAGS = {
    "c": ["-x", "c", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror",
          "-Wundef", "-Wstrict-prototypes"],
    "c++": ["-x", "c++", "-std=c++11", "-Wall", "-Wextra", "-pedantic",
            "-Werror", "-Wundef"],
}

# Expands every macro a user of the umbrella header is expected to use, so
# the macros themselves (not only the declarations) are checked.
UMBRELLA_USE = """
typedef char ta_hy_version_ok[TEEATTEST_VERSION_NUMBER > 0 ? 1 : -1];
typedef char ta_hy_signer_ok[TEEATTEST_SIGNER_MAX >= 65 ? 1 : -1];
int ta_hy_use(void);
int ta_hy_use(void)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx_options opts = TEEATTEST_CTX_OPTIONS_INIT;
    teeattest_crypto_backend crypto = TEEATTEST_CRYPTO_BACKEND_INIT;
    teeattest_transport transport = TEEATTEST_TRANSPORT_INIT;
    const char *version = TEEATTEST_VERSION_STRING;
    int64_t now = TEEATTEST_TIME_MAX;
    uint32_t flags = TEEATTEST_X509_NOT_TRUSTED | TEEATTEST_HTTP_STREAM;
    return (int)err.struct_size + (int)opts.struct_size +
           (int)crypto.struct_size + (int)transport.struct_size +
           (int)version[0] + (now > 0) + (int)flags +
           (int)TEEATTEST_SIGNATURE_RECORD_MAX +
           teeattest_has_feature(TEEATTEST_FEATURE_ED25519);
}
"""


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in FLAGS:
        print(__doc__, file=sys.stderr)
        return 2
    lang, compiler, src, build = sys.argv[1:]
    cmd = shlex.split(compiler)
    if not cmd or not shutil.which(cmd[0]):
        why = f"{lang} compiler {compiler!r} not found"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            print(f"Bail out! {why} (CI=true: header hygiene must run)")
            return 1
        print(f"1..0 # SKIP {why}")
        return 0

    inc = os.path.join(src, "include")
    gen = os.path.join(build, "include")
    headers = sorted(os.path.basename(h) for h in
                     glob.glob(os.path.join(inc, "teeattest", "*.h")))
    if not os.path.exists(os.path.join(gen, "teeattest", "version.h")):
        print(f"Bail out! {gen}/teeattest/version.h was not generated")
        return 1
    headers.append("version.h")

    n = failed = 0
    ext = ".c" if lang == "c" else ".cpp"
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(f"{lang} {h} alone", h, "") for h in headers]
        cases.append((f"{lang} teeattest.h with every macro expanded",
                      "teeattest.h", UMBRELLA_USE))
        for i, (name, header, extra) in enumerate(cases):
            path = os.path.join(tmp, f"t{i}{ext}")
            with open(path, "w", encoding="utf-8") as f:
                f.write(f"#include <teeattest/{header}>\n"
                        f"#include <teeattest/{header}>\n"
                        "typedef int ta_hy_not_empty;\n" + extra)
            argv = cmd + FLAGS[lang] + ["-I" + inc, "-I" + gen, "-c", path,
                                        "-o", os.path.join(tmp, f"t{i}.o")]
            r = subprocess.run(argv, capture_output=True, text=True)
            n += 1
            if r.returncode == 0 and not r.stderr.strip():
                print(f"ok {n} - {name}")
            else:
                failed += 1
                print(f"not ok {n} - {name}")
                print("#   " + " ".join(shlex.quote(a) for a in argv))
                for line in (r.stdout + r.stderr).splitlines():
                    print(f"#   {line}")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
