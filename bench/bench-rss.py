#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench-rss: peak resident memory of `teeattest attest --report-file` on
the NEAR AI capture, offline, invoked exactly as the integration tests do
(tests/integration/test_attest_cli.py, near_args: the captured Intel
collateral, NRAS answer, JWKS, the connection's TLS key from the http_meta
capture, --at the capture time).

The child's peak RSS is its ru_maxrss from wait4() (Linux: KiB), so the
Python interpreter running this script does not count. Two variants, 3
runs each (the largest is reported): as the tests run it (the on-disk
cache on, in a temporary $XDG_CACHE_HOME) and with --no-cache. Every run
must exit 0 with the verdict "verified" (--json), else exit 1.

Usage: bench-rss.py TEEATTEST_EXE [FIXTURE_DIR]
Prints key=value lines; issue 15's goal is peak_rss_mib <= 16.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

AT = 1782698797  # 2026-06-29T02:06:37Z, the capture time
RUNS = 3
GOAL_MIB = 16


def fail(msg, code=1):
    print("error: " + msg, file=sys.stderr)
    sys.exit(code)


def peak_rss_kib(argv, env, out_path):
    """Runs argv; returns (exit code, ru_maxrss in KiB) of the child."""
    with open(out_path, "wb") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL,
                             env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, usage.ru_maxrss


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[1].startswith("-"):
        print(__doc__)
        return 0 if sys.argv[1:2] == ["--help"] else 2
    exe = os.path.abspath(sys.argv[1])
    near = sys.argv[2] if len(sys.argv) == 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
        "fixtures", "providers", "nearai_direct_ed25519_tls")
    try:
        with open(os.path.join(near, "capture_manifest.json")) as f:
            nonce = json.load(f)["nonce_hex"]
        with open(os.path.join(near, "attestation_report.http_meta.json")) \
                as f:
            spki = base64.b64decode(json.load(f)["peer_spki_der_base64"])
    except (OSError, ValueError, KeyError) as e:
        fail("input: %s" % e, 2)

    with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        spki_path = os.path.join(tmp, "spki.der")
        with open(spki_path, "wb") as f:
            f.write(spki)
        args = [exe, "attest", "--report-file",
                os.path.join(near, "attestation_report.json"),
                "--provider", "nearai", "--nonce", nonce,
                "--collateral", os.path.join(near, "intel_pcs"),
                "--nras-response", os.path.join(near, "nras_response.json"),
                "--jwks", os.path.join(near, "nras_jwks.json"),
                "--tls-spki", spki_path, "--at", str(AT), "--json"]
        env = {k: v for k, v in os.environ.items()
               if not k.endswith("_API_KEY") and
               not k.lower().endswith("_proxy")}
        env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
        print("command=teeattest " + " ".join(args[1:]))
        out = os.path.join(tmp, "out.json")
        figures = {}
        for name, extra in (("peak_rss", []), ("peak_rss_no_cache",
                                               ["--no-cache"])):
            kib = []
            for _ in range(RUNS):
                rc, rss = peak_rss_kib(args + extra, env, out)
                try:
                    with open(out) as f:
                        verdict = json.load(f).get("verdict")
                except (OSError, ValueError):
                    verdict = None
                if rc != 0 or verdict != "verified":
                    fail("%s: exit %d, verdict %s" % (name, rc, verdict))
                kib.append(rss)
            figures[name] = max(kib)
            print("%s_kib=%d (max of %d runs: %s)" % (
                name, max(kib), RUNS, " ".join(map(str, kib))))
        mib = figures["peak_rss"] / 1024
        print("peak_rss_mib=%.2f (goal <= %d)" % (mib, GOAL_MIB))
    return 0


if __name__ == "__main__":
    sys.exit(main())
