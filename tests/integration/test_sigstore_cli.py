#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of `teeattest sigstore verify-bundle`.

Usage: test_sigstore_cli.py TEEATTEST_EXE [unittest arguments...]

The CLI driven exactly as Sigstore's conformance suite drives a client
(docs/cli_protocol.md there) over every case of
tests/data/sigstore-conformance/bundle-verify: exit 0 for a passing case,
1 for a _fail case (the known gaps of tests/conformance/sigstore_expect.txt
excepted, and reported), 2 for usage and input errors. Signing times of
the cases all lie in the past, so the current time does not change any
outcome.
"""
import hashlib
import json
import os
import subprocess
import sys
import unittest

import runner

EXE = None
SRC = os.environ.get("TEEATTEST_SOURCE_ROOT",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(SRC, "tests", "data", "sigstore-conformance")
CASES = os.path.join(DATA, "bundle-verify")
IDENTITY = ("https://github.com/sigstore-conformance/extremely-dangerous-"
            "public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-"
            "beacon.yml@refs/heads/main")
ISSUER = "https://token.actions.githubusercontent.com"
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def run(*args):
    r = subprocess.run([EXE, "sigstore", "verify-bundle"] +
                       [str(a) for a in args], capture_output=True,
                       timeout=120)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def gaps():
    out = set()
    with open(os.path.join(SRC, "tests", "conformance",
                           "sigstore_expect.txt")) as f:
        for line in f:
            p = line.split()
            if len(p) >= 2 and p[0] == "gap":
                out.add(p[1])
    return out


def protocol_args(case):
    """The arguments the conformance suite passes for a case."""
    d = os.path.join(CASES, case)

    def opt(name, default):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as f:
                return f.read().strip()
        return default
    args = ["--bundle", os.path.join(d, "bundle.sigstore.json")]
    if os.path.exists(os.path.join(d, "key.pub")):
        args += ["--key", os.path.join(d, "key.pub")]
    else:
        args += ["--certificate-identity", opt("identity", IDENTITY),
                 "--certificate-oidc-issuer", opt("issuer", ISSUER)]
    tr = os.path.join(d, "trusted_root.json")
    args += ["--trusted-root", tr if os.path.exists(tr) else
             os.path.join(DATA, "production_trusted_root.json")]
    art = os.path.join(d, "artifact")
    args.append(art if os.path.exists(art) else os.path.join(DATA, "a.txt"))
    return args


class TestSigstoreCli(unittest.TestCase):
    def test_every_case(self):
        known = gaps()
        cases = sorted(c for c in os.listdir(CASES)
                       if os.path.isdir(os.path.join(CASES, c)))
        self.assertGreaterEqual(len(cases), 70)
        for case in cases:
            with self.subTest(case=case):
                rc, out, err = run(*protocol_args(case))
                want = EXIT_FAILED if case.endswith("_fail") else EXIT_VERIFIED
                if case in known:
                    print("# known gap: %s (exit %d)" % (case, rc))
                    continue
                self.assertEqual(rc, want, out + err)

    def test_digest_and_json(self):
        with open(os.path.join(DATA, "a.txt"), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        args = protocol_args("happy-path-v0.3")
        rc, out, err = run(*(args[:-1] + ["--json", "sha256:" + digest]))
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        res = json.loads(out)
        self.assertEqual(res["verdict"], "verified")
        self.assertIn("sigstore.tlog.inclusion",
                      [c["name"] for c in res["checks"]])
        rc, out, err = run(*(args[:-1] + ["sha256:" + "00" * 32]))
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertIn("sigstore.artifact.digest", out)

    def test_regexp(self):
        args = protocol_args("happy-path-v0.3")
        i = args.index("--certificate-identity")
        args[i], args[i + 1] = ("--certificate-identity-regexp",
                                r"https://github\.com/sigstore-conformance/.*")
        rc, out, err = run(*args)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        args[i + 1] = "sigstore-conformance"  # anchored: a part is no match
        rc, out, err = run(*args)
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertIn("sigstore.certificate.identity", out)

    def test_default_trusted_root(self):
        """Without --trusted-root the library's shipped default (Sigstore's
        public-good root) is used: every case that used the production
        root exits as with it given; a passing case signed under another
        root (one sharing no log with the default) fails against it."""
        default_logs = set(
            l["logId"]["keyId"] for l in json.load(open(os.path.join(
                SRC, "data", "sigstore", "trusted_root.json")))["tlogs"])
        cases = sorted(c for c in os.listdir(CASES)
                       if os.path.isdir(os.path.join(CASES, c)))
        n_prod = n_foreign = 0
        for case in cases:
            args = protocol_args(case)
            i = args.index("--trusted-root")
            bare = args[:i] + args[i + 2:]
            own = os.path.join(CASES, case, "trusted_root.json")
            with self.subTest(case=case):
                if not os.path.exists(own):
                    n_prod += 1
                    want = run(*args)[0]
                    rc, out, err = run(*bare)
                    self.assertEqual(rc, want, out + err)
                    self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED))
                    if case == "happy-path-v0.3":
                        self.assertEqual(rc, EXIT_VERIFIED, out + err)
                        self.assertIn("shipped default trusted root", out)
                    continue
                with open(own) as f:
                    logs = set(l["logId"]["keyId"]
                               for l in json.load(f).get("tlogs", []))
                if logs & default_logs:
                    continue  # an edited production root: may verify
                n_foreign += 1
                rc, out, err = run(*bare)
                self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertGreaterEqual(n_prod, 30)
        self.assertGreaterEqual(n_foreign, 10)

    def test_usage(self):
        args = protocol_args("happy-path-v0.3")
        for bad in ([],
                    args[:-1],  # no artifact
                    ["--key", "k.pub"] + args,  # key and identity
                    [a for a in args if a != "--bundle"][1:]):
            rc, out, err = run(*bad)
            self.assertEqual(rc, EXIT_USAGE, (bad, out, err))
        rc, out, err = run(*(args[:-1] + ["/nonexistent/artifact"]))
        self.assertEqual(rc, EXIT_USAGE, out + err)
        # A --trusted-root that cannot be read is an input error, never the
        # default; an empty one is a root that does not parse.
        i = args.index("--trusted-root")
        bad = list(args)
        bad[i + 1] = "/nonexistent/trusted_root.json"
        rc, out, err = run(*bad)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        bad[i + 1] = "/dev/null"
        rc, out, err = run(*bad)
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertIn("sigstore.trusted_root", out)
        r = subprocess.run([EXE, "sigstore", "sign-bundle"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, EXIT_USAGE)
        r = subprocess.run([EXE, "sigstore", "--help"], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, EXIT_VERIFIED)
        self.assertIn(b"verify-bundle", r.stdout)


def main():
    global EXE
    if len(sys.argv) < 2:
        sys.exit("usage: test_sigstore_cli.py TEEATTEST_EXE [unittest args]")
    EXE = sys.argv[1]
    sys.exit(runner.main(sys.argv[2:]))


if __name__ == "__main__":
    main()
