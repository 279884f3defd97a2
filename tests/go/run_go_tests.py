#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run the Go binding's checks (go vet, go test -race ./...) against the
build tree.

Usage: run_go_tests.py SOURCE_ROOT BUILD_ROOT WORK_DIR SIM

Writes WORK_DIR/pkgconfig/teeattest.pc pointing at the build tree's
headers (include/ and the generated version.h) and library, and keeps
everything Go writes (GOCACHE, GOPATH, HOME, temporary files) under
WORK_DIR. GOPROXY=off: no module is ever downloaded (the module has no
requirements). SIM is the teeattest-sim executable or "-" when it was not
built. Without `go` the test is skipped, or fails when CI=true.
"""
import os
import shutil
import subprocess
import sys


def main():
    src, build, work, sim = sys.argv[1:5]
    sys.path.insert(0, os.path.join(src, "tests", "integration"))
    import runner  # the project's rule for tests that cannot run

    go = shutil.which("go")
    if not go:
        return runner.cannot_run("`go` is not installed (Debian: golang-go)")

    pcdir = os.path.join(work, "pkgconfig")
    os.makedirs(pcdir, exist_ok=True)
    with open(os.path.join(pcdir, "teeattest.pc"), "w") as f:
        f.write("# the uninstalled libteeattest of this build tree\n"
                "Name: teeattest\n"
                "Description: libteeattest (build tree)\n"
                "Version: 1.0.0\n"
                "Cflags: -I%s -I%s\n"
                "Libs: -L%s -lteeattest\n"
                % (os.path.join(src, "include"), os.path.join(build, "include"),
                   os.path.join(build, "lib")))
    env = dict(os.environ)
    for name in ("gocache", "gopath", "home", "tmp"):
        os.makedirs(os.path.join(work, name), exist_ok=True)
    env.update({
        "PKG_CONFIG_PATH": pcdir,
        "LD_LIBRARY_PATH": os.path.join(build, "lib"),
        "GOPROXY": "off",
        "GOFLAGS": "-buildvcs=false",
        "GO111MODULE": "on",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "1",
        "GOCACHE": os.path.join(work, "gocache"),
        "GOPATH": os.path.join(work, "gopath"),
        "HOME": os.path.join(work, "home"),
        "TMPDIR": os.path.join(work, "tmp"),
        "GOTMPDIR": os.path.join(work, "tmp"),
        "TEEATTEST_SOURCE_ROOT": src,
    })
    env.pop("TEEATTEST_SIM", None)
    if sim != "-":
        env["TEEATTEST_SIM"] = sim
    pkg = os.path.join(src, "bindings", "go")
    for cmd in ([go, "version"], [go, "vet", "./..."],
                [go, "test", "-race", "-count=1", "-v", "./..."]):
        print("$ " + " ".join(cmd), flush=True)
        rc = subprocess.call(cmd, cwd=pkg, env=env)
        if rc != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
