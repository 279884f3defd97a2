#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of the `teeattest` command-line tool.

Usage: test_cli.py TEEATTEST_EXE [--valgrind[=PATH]] [unittest arguments...]

Fixtures are read only from the directory named by $TEEATTEST_FIXTURES and
are never written: every tampered file is a copy in a temporary directory.
Nothing here uses the network or the wall clock. With --valgrind, every run
of the tool happens under valgrind, and a memory error or leak fails the
test through valgrind's exit status (42). Known library bugs are kept as
expected failures in TestLibraryBugs.
"""
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

import runner

EXE = None
WRAPPER = []
VALGRIND = ["valgrind", "--error-exitcode=42", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--quiet"]

FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
REAL = os.path.join(FIXTURES, "providers", "real_signatures")
SYNTH = os.path.join(FIXTURES, "providers", "synthetic_signature_vectors")

NEAR = "nearai_cloud_2025_stream"
PHALA = "phala_inference_api_2024_stream"
REAL_CASES = {
    NEAR: "0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca",
    PHALA: "0x50f9b35e94dfa4805a8c69c50ba13841a06c1216",
}
SYNTH_ECDSA_SIGNER = "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
SYNTH_ED25519_SIGNER = \
    "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"
# secp256k1 group order, to build the high-s twin of a signature.
SECP256K1_N = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
VALGRIND_ERROR = 42


def run(*args, stdin=b""):
    timeout = 600 if WRAPPER else 60
    r = subprocess.run(WRAPPER + [EXE] + [str(a) for a in args],
                       input=stdin, capture_output=True, timeout=timeout)
    if r.returncode == VALGRIND_ERROR:
        raise AssertionError("valgrind reported errors for %r:\n%s"
                             % (args, r.stderr.decode(errors="replace")))
    return r


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def load_vectors():
    with open(os.path.join(SYNTH, "vectors.json"), encoding="utf-8") as f:
        return json.load(f)["vectors"]


def model_of(text):
    """The model of a three-part text, None for a two-part one."""
    parts = text.rsplit(":", 2)
    return parts[0] if len(parts) == 3 else None


def replace_hex_digit(s, i):
    """s with its i-th character replaced by a different hex digit."""
    return s[:i] + ("1" if s[i] == "0" else "0") + s[i + 1:]


class Case(unittest.TestCase):
    """Helpers shared by every test class."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="teeattest-cli-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def tmp_path(self, name):
        return os.path.join(self.tmp, name)

    def assertUsageError(self, r, pattern=None):
        """Exit 2, nothing on stdout, exactly one line on stderr starting
        with "teeattest:" (and matching `pattern` when given)."""
        err = r.stderr.decode("utf-8", errors="replace")
        self.assertEqual(r.returncode, EXIT_USAGE, err)
        self.assertEqual(r.stdout, b"")
        self.assertTrue(err.startswith("teeattest:"), err)
        self.assertTrue(err.endswith("\n"), err)
        self.assertEqual(err.count("\n"), 1, err)
        if pattern:
            self.assertRegex(err, pattern)
        return err

    def verify_json(self, *args):
        """Run verify-signature --json; return (exit code, parsed JSON)."""
        r = run("verify-signature", *args, "--json")
        self.assertIn(r.returncode, (EXIT_VERIFIED, EXIT_FAILED),
                      r.stderr.decode(errors="replace"))
        out = r.stdout.decode("utf-8")
        # Exactly the library's JSON and one newline.
        self.assertTrue(out.endswith("}\n"), out)
        self.assertEqual(out.count("\n"), 1, out)
        self.assertEqual(r.stderr, b"")
        doc = json.loads(out)
        self.assertEqual(doc["verdict"],
                         "verified" if r.returncode == EXIT_VERIFIED else "failed")
        return r.returncode, doc

    def outcomes(self, doc):
        return {c["name"]: c["outcome"] for c in doc["checks"]}

    def failing(self, doc):
        return sorted(c["name"] for c in doc["checks"] if c["outcome"] == "fail")

    # ---- exchanges: real ones, and synthetic ones built in self.tmp ----

    def real_files(self, name):
        d = os.path.join(REAL, name)
        return {"request": os.path.join(d, "request_body.json"),
                "response": os.path.join(d, "response_body.sse"),
                "signature": os.path.join(d, "signature_response.json")}

    def synth_record(self, vector, algo):
        return {"text": vector["text"],
                "signature": vector[algo]["signature"],
                "signing_address": vector[algo]["signing_address"],
                "signing_algo": vector[algo]["signing_algo"]}

    def synth_files(self, vector, algo, record=None):
        sig = self.tmp_path("sig-%s-%s.json" % (vector["name"], algo))
        write(sig, json.dumps(record or self.synth_record(vector, algo)))
        return {"request": os.path.join(SYNTH, vector["request_body_file"]),
                "response": os.path.join(SYNTH, vector["response_body_file"]),
                "signature": sig}

    def args(self, files, signer=None, model=None):
        a = ["--request", files["request"], "--response", files["response"],
             "--signature", files["signature"]]
        if signer:
            a += ["--expect-signer", signer]
        if model:
            a += ["--model", model]
        return a

    def copy_to_tmp(self, files):
        out = {}
        for k, path in files.items():
            out[k] = self.tmp_path(k + "-" + os.path.basename(path))
            if path != out[k]:
                shutil.copyfile(path, out[k])
        return out


# ------------------------------------------------------------------------

class TestHelp(Case):
    def test_help_everywhere(self):
        for args in (["--help"], ["-h"], ["help"], ["help", "help"],
                     ["help", "signer"], ["help", "verify-signature"],
                     ["help", "demo"], ["signer", "--help"],
                     ["verify-signature", "--help"], ["demo", "--help"],
                     ["signer", "-h"],
                     # --help wins over other (even wrong) arguments
                     ["verify-signature", "--request", "x", "--help"],
                     ["signer", "--bogus", "--help"]):
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, b"")
                self.assertIn(b"Usage: teeattest", r.stdout)

    def test_command_help_documents_options(self):
        r = run("verify-signature", "--help")
        for opt in (b"--request", b"--response", b"--signature",
                    b"--signature-headers", b"--expect-signer", b"--model",
                    b"--allow-unbound-signer", b"--allow-high-s", b"--json",
                    b"--strict-ecdsa"):
            self.assertIn(opt, r.stdout)
        self.assertIn(b"--algo", run("signer", "--help").stdout)

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"\A\d+\.\d+\.\d+\n\Z")

    def test_help_unknown_command(self):
        self.assertUsageError(run("help", "frobnicate"), "unknown command")


class TestDemo(Case):
    def test_demo(self):
        """The whole demo: a simulated TEE attested end to end, a verified
        streamed chat and its tampered copy, then the real exchanges."""
        r = run("demo")
        out = r.stdout.decode("utf-8")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertEqual(r.stderr, b"")
        lines = out.splitlines()
        self.assertEqual(lines[-1], "demo: all results as expected")
        verdicts = [l.split()[1] for l in lines if l.strip().startswith("verdict")]
        self.assertEqual(verdicts, ["verified", "verified", "FAILED",
                                    "verified", "verified", "FAILED"])
        # Each tampered answer fails on its response hash and on nothing
        # else; nothing else fails anywhere.
        fails = [l.split()[1] for l in lines if l.strip().startswith("FAIL ")]
        self.assertEqual(fails, ["signature.hash.response"] * 2)
        # The simulated TEE really was verified, and labelled as a test root.
        for check in ("entry[0].tdx.quote.signature", "entry[0].binding.report_data",
                      "entry[0].binding.nonce", "entry[0].eventlog.replay",
                      "entry[0].compose.hash"):
            self.assertRegex(out, r"PASS +" + re.escape(check) + " ")
        self.assertRegex(out, r"WARN +entry\[0\]\.tdx\.root_override")
        self.assertIn("TEST root", out)
        for signer in REAL_CASES.values():
            self.assertIn(signer, out)
        # Sources are named.
        self.assertIn("nearai/docs", out)
        self.assertIn("Phala-Network/phala-docs", out)
        self.assertNotIn("\x1b", out)  # no colours when not a terminal

    def test_demo_offline(self):
        r = run("demo", "--offline")
        out = r.stdout.decode("utf-8")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        verdicts = [l.split()[1] for l in out.splitlines()
                    if l.strip().startswith("verdict")]
        self.assertEqual(verdicts, ["verified", "verified", "FAILED"])
        self.assertNotIn("simulator", out)

    def test_demo_without_simulator(self):
        env = dict(os.environ, TEEATTEST_SIM="/nonexistent/teeattest-sim")
        r = subprocess.run(WRAPPER + [EXE, "demo"], capture_output=True,
                           env=env, timeout=600 if WRAPPER else 60)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"teeattest-sim not found", r.stderr)
        self.assertIn(b"NOT as expected", r.stdout)

    def test_demo_rejects_arguments(self):
        self.assertUsageError(run("demo", "--frobnicate"), "unknown option")
        self.assertUsageError(run("demo", "extra"), "unexpected argument")

    def test_embedded_bytes_are_exact(self):
        """`demo --save` writes the embedded exchanges: they must be the
        reference bytes and hash to the values in expected.json."""
        out = self.tmp_path("saved")
        r = run("demo", "--save", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name, signer in REAL_CASES.items():
            with self.subTest(exchange=name):
                with open(os.path.join(REAL, name, "expected.json")) as f:
                    expected = json.load(f)
                ref = self.real_files(name)
                saved = {k: os.path.join(out, name, os.path.basename(p))
                         for k, p in ref.items()}
                for k in ref:
                    self.assertEqual(read(saved[k]), read(ref[k]), k)
                self.assertEqual(sha256(read(saved["request"])),
                                 expected["request_sha256"])
                self.assertEqual(sha256(read(saved["response"])),
                                 expected["response_sha256"])
                self.assertEqual(signer, expected["recovered_address_lowercase"])
                code, doc = self.verify_json(*self.args(saved, signer))
                self.assertEqual(code, EXIT_VERIFIED, doc)

    def test_save_never_overwrites(self):
        out = self.tmp_path("saved")
        self.assertEqual(run("demo", "--save", out).returncode, 0)
        victim = os.path.join(out, NEAR, "request_body.json")
        write(victim, b"precious")
        self.assertUsageError(run("demo", "--save", out), "File exists")
        self.assertEqual(read(victim), b"precious")

    def test_save_into_a_file(self):
        path = write(self.tmp_path("plain-file"), b"x")
        self.assertUsageError(run("demo", "--save", path), "cannot create directory")


class TestSigner(Case):
    def test_real_exchanges(self):
        for name, signer in REAL_CASES.items():
            with self.subTest(exchange=name):
                with open(self.real_files(name)["signature"]) as f:
                    rec = json.load(f)
                r = run("signer", "--text", rec["text"], "--signature",
                        rec["signature"])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.decode(), signer + "\n")
                self.assertEqual(r.stderr, b"")

    def test_synthetic_v27_and_v28(self):
        seen_v = set()
        for v in load_vectors():
            with self.subTest(vector=v["name"]):
                sig = v["ecdsa"]["signature"]
                seen_v.add(sig[-2:])
                r = run("signer", "--text", v["text"], "--signature", sig,
                        "--algo", "ecdsa")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.decode(), SYNTH_ECDSA_SIGNER + "\n")
                # also without "0x" and in upper case
                r = run("signer", "--text", v["text"], "--signature",
                        sig[2:].upper())
                self.assertEqual(r.stdout.decode(), SYNTH_ECDSA_SIGNER + "\n")
        self.assertEqual(seen_v, {"1b", "1c"})  # v = 27 and v = 28 covered

    def test_other_text_other_signer(self):
        v = load_vectors()[0]
        text = replace_hex_digit(v["text"], 0)
        r = run("signer", "--text", text, "--signature", v["ecdsa"]["signature"])
        if r.returncode == 0:
            self.assertRegex(r.stdout.decode(), r"\A0x[0-9a-f]{40}\n\Z")
            self.assertNotEqual(r.stdout.decode(), SYNTH_ECDSA_SIGNER + "\n")
        else:
            self.assertEqual(r.returncode, EXIT_FAILED, r.stderr)

    def test_ed25519_has_no_recovery(self):
        v = load_vectors()[0]
        self.assertUsageError(
            run("signer", "--text", v["text"], "--signature",
                v["ed25519"]["signature"], "--algo", "ed25519"),
            "(?i)ed25519")

    def test_malformed(self):
        v = load_vectors()[0]
        sig = v["ecdsa"]["signature"]
        cases = [
            (["--text", v["text"]], "missing --signature"),
            (["--signature", sig], "missing --text"),
            (["--text", v["text"], "--signature", "0x" + "zz" * 65],
             "^teeattest: signer: .*hexadecimal"),
            (["--text", v["text"], "--signature", sig[:-2]],
             "^teeattest: signer: .*130"),
            (["--text", "abc:def", "--signature", sig],
             "^teeattest: signer: .*64 hex"),
            (["--text", v["text"], "--signature", sig[:-2] + "05"],
             "^teeattest: signer: .*recovery byte"),
            (["--text", v["text"], "--signature", sig, "--algo", "rsa"],
             "unknown --algo"),
            (["--text", v["text"], "--signature", sig, "--text", "x"],
             "more than once"),
            (["--text", v["text"], "--signature"], "needs a value"),
            (["--text=", "--signature", sig], "non-empty"),
            (["--txet", v["text"]], "unknown option '--txet'"),
        ]
        for args, pattern in cases:
            with self.subTest(args=args):
                self.assertUsageError(run("signer", *args), pattern)


class TestVerifyReal(Case):
    def test_pinned_signer_verifies(self):
        for name, signer in REAL_CASES.items():
            for pin in (signer, signer.upper().replace("0X", "0x")):
                with self.subTest(exchange=name, pin=pin):
                    code, doc = self.verify_json(*self.args(self.real_files(name), pin))
                    self.assertEqual(code, EXIT_VERIFIED, doc)
                    o = self.outcomes(doc)
                    self.assertEqual(o["signature.hash.request"], "pass")
                    self.assertEqual(o["signature.hash.response"], "pass")
                    self.assertEqual(o["signature.signer.expected"], "pass")
                    self.assertEqual(doc["facts"]["signer"], signer)

    def test_phala_record_names_no_signer(self):
        code, doc = self.verify_json(*self.args(self.real_files(PHALA),
                                                REAL_CASES[PHALA]))
        self.assertEqual(code, EXIT_VERIFIED)
        self.assertEqual(self.outcomes(doc)["signature.signer.claimed"], "skip")

    def test_without_signer_fails(self):
        for name in REAL_CASES:
            with self.subTest(exchange=name):
                code, doc = self.verify_json(*self.args(self.real_files(name)))
                self.assertEqual(code, EXIT_FAILED)
                self.assertEqual(self.failing(doc), [])
                self.assertEqual(self.outcomes(doc)["signature.signer.expected"],
                                 "skip")

    def test_allow_unbound_signer(self):
        for name in REAL_CASES:
            with self.subTest(exchange=name):
                code, doc = self.verify_json(*self.args(self.real_files(name)),
                                             "--allow-unbound-signer")
                self.assertEqual(code, EXIT_VERIFIED, doc)
                self.assertEqual(self.outcomes(doc)["signature.signer.expected"],
                                 "skip")

    def test_wrong_signer(self):
        other = REAL_CASES[PHALA]
        code, doc = self.verify_json(*self.args(self.real_files(NEAR), other))
        self.assertEqual(code, EXIT_FAILED)
        self.assertIn("signature.signer.expected", self.failing(doc))

    def test_human_output(self):
        files = self.real_files(NEAR)
        r = run("verify-signature", *self.args(files, REAL_CASES[NEAR]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        lines = r.stdout.decode().splitlines()
        self.assertEqual(lines[-1], "verdict: verified")
        checks = lines[:-1]
        for l in checks:
            self.assertRegex(l, r"^(PASS |FAIL |SKIP |WARN |SKIP\*) signature\.[a-z0-9_.]+ +\S")
        self.assertIn("PASS  signature.hash.request", lines[0])
        self.assertNotIn("hint:", r.stdout.decode())
        # without a signer: FAILED, with a hint naming --expect-signer
        r = run("verify-signature", *self.args(files))
        self.assertEqual(r.returncode, EXIT_FAILED)
        out = r.stdout.decode()
        self.assertEqual(out.splitlines()[-1], "verdict: FAILED")
        self.assertIn("hint:", out)
        self.assertIn("--expect-signer", out)
        # the required skip is marked as such (SKIP*, with a legend once):
        # a FAILED verdict always has a line saying why
        self.assertRegex(out, r"(?m)^SKIP\* signature\.signer\.expected +no "
                              r"expected signer given")
        self.assertEqual(out.count("SKIP* = a required check that could not "
                                   "run: it fails the verdict\n"), 1, out)
        self.assertNotRegex(out, r"(?m)^FAIL ")
        # an optional skip is still plain SKIP
        self.assertRegex(out, r"(?m)^SKIP  signature\.text\.model")
        # with every required check run, no legend
        r = run("verify-signature", *self.args(files, REAL_CASES[NEAR]))
        self.assertNotIn(b"SKIP*", r.stdout)

    def test_signature_from_stdin(self):
        files = self.real_files(NEAR)
        args = self.args(files, REAL_CASES[NEAR])
        args[args.index("--signature") + 1] = "-"
        r = run("verify-signature", *args, stdin=read(files["signature"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertUsageError(run("verify-signature", "--request", "-",
                                  "--response", "-", "--signature", "-"),
                              "standard input")


class TestVerifySynthetic(Case):
    SIGNERS = {"ecdsa": SYNTH_ECDSA_SIGNER, "ed25519": SYNTH_ED25519_SIGNER}

    def each(self):
        return [(v, algo) for v in load_vectors() for algo in ("ecdsa", "ed25519")]

    def test_all_vectors_verify(self):
        parts = set()
        for v, algo in self.each():
            with self.subTest(vector=v["name"], algo=algo):
                model = model_of(v["text"])
                parts.add(3 if model else 2)
                files = self.synth_files(v, algo)
                code, doc = self.verify_json(*self.args(files, self.SIGNERS[algo], model))
                self.assertEqual(code, EXIT_VERIFIED, doc)
                o = self.outcomes(doc)
                self.assertEqual(o["signature.text.model"], "pass" if model else "skip")
                self.assertEqual(doc["facts"]["algorithm"], algo)
                self.assertEqual(doc["facts"]["signer"], self.SIGNERS[algo])
        self.assertEqual(parts, {2, 3})

    def test_without_signer(self):
        for v, algo in self.each():
            with self.subTest(vector=v["name"], algo=algo):
                files = self.synth_files(v, algo)
                model = model_of(v["text"])
                code, doc = self.verify_json(*self.args(files, None, model))
                self.assertEqual(code, EXIT_FAILED, doc)
                self.assertEqual(self.outcomes(doc)["signature.signer.expected"], "skip")
                self.assertEqual(self.failing(doc), [])
                code, doc = self.verify_json(*self.args(files, None, model),
                                             "--allow-unbound-signer")
                self.assertEqual(code, EXIT_VERIFIED, doc)

    def test_wrong_signer(self):
        wrong = {"ecdsa": REAL_CASES[NEAR], "ed25519": "11" * 32}
        for v, algo in self.each():
            with self.subTest(vector=v["name"], algo=algo):
                files = self.synth_files(v, algo)
                code, doc = self.verify_json(*self.args(files, wrong[algo],
                                                        model_of(v["text"])))
                self.assertEqual(code, EXIT_FAILED)
                self.assertIn("signature.signer.expected", self.failing(doc))

    def test_model_taken_from_request(self):
        """Without --model the request's "model" (demo-model) is expected:
        the demo-model vector verifies, the model-0 one fails."""
        for v in load_vectors():
            model = model_of(v["text"])
            if not model:
                continue
            with self.subTest(vector=v["name"]):
                files = self.synth_files(v, "ecdsa")
                code, doc = self.verify_json(*self.args(files, SYNTH_ECDSA_SIGNER))
                if model == "demo-model":
                    self.assertEqual(code, EXIT_VERIFIED, doc)
                else:
                    self.assertEqual(code, EXIT_FAILED)
                    self.assertEqual(self.failing(doc), ["signature.text.model"])
                code, doc = self.verify_json(*self.args(files, SYNTH_ECDSA_SIGNER,
                                                        "another-model"))
                self.assertEqual(self.failing(doc), ["signature.text.model"])

    def test_signature_headers(self):
        for v, algo in self.each():
            with self.subTest(vector=v["name"], algo=algo):
                rec = self.synth_record(v, algo)
                block = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Text: %(text)s\r\nsignature: %(signature)s\r\n"
                         "SIGNING_ADDRESS: %(signing_address)s\r\n"
                         "signing_algo:  %(signing_algo)s \r\n\r\n" % rec)
                hdr = write(self.tmp_path("headers-%s-%s.txt" % (v["name"], algo)), block)
                files = self.synth_files(v, algo)
                args = ["--request", files["request"], "--response", files["response"],
                        "--signature-headers", hdr,
                        "--expect-signer", self.SIGNERS[algo]]
                model = model_of(v["text"])
                if model:
                    args += ["--model", model]
                code, doc = self.verify_json(*args)
                self.assertEqual(code, EXIT_VERIFIED, doc)
                # LF-only line ends are accepted too
                write(hdr, block.replace("\r\n", "\n"))
                self.assertEqual(self.verify_json(*args)[0], EXIT_VERIFIED)

    def test_signature_headers_errors(self):
        v = load_vectors()[0]
        files = self.synth_files(v, "ecdsa")
        base = ["--request", files["request"], "--response", files["response"]]
        bad = write(self.tmp_path("bad-headers.txt"),
                    "text: %s\nthis line has no colon\n" % v["text"])
        self.assertUsageError(run("verify-signature", *base,
                                  "--signature-headers", bad),
                              "--signature-headers .*malformed header")
        nosig = write(self.tmp_path("nosig.txt"), "text: %s\n" % v["text"])
        self.assertUsageError(run("verify-signature", *base,
                                  "--signature-headers", nosig),
                              'no "signature" header')
        self.assertUsageError(run("verify-signature", *base,
                                  "--signature", files["signature"],
                                  "--signature-headers", nosig), "not both")

    def test_high_s(self):
        """The malleable twin (n - s, other recovery id) of a valid ECDSA
        signature recovers to the same signer: by default it verifies with
        a warning (as eth_account accepts it), --allow-high-s (the default,
        kept) changes nothing."""
        v = load_vectors()[0]
        sig = bytes.fromhex(v["ecdsa"]["signature"][2:])
        s = int.from_bytes(sig[32:64], "big")
        twin = sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + \
            bytes([55 - sig[64]])  # 27 <-> 28
        rec = dict(self.synth_record(v, "ecdsa"), signature="0x" + twin.hex())
        files = self.synth_files(v, "ecdsa", rec)
        for extra in ((), ("--allow-high-s",)):
            code, doc = self.verify_json(*self.args(files, SYNTH_ECDSA_SIGNER),
                                         *extra)
            self.assertEqual(code, EXIT_VERIFIED, (extra, doc))
            self.assertEqual(self.outcomes(doc)["signature.ecdsa.low_s"],
                             "warn")
            self.assertEqual(doc["facts"]["signer"].lower(),
                             SYNTH_ECDSA_SIGNER)
        r = run("verify-signature", *self.args(files, SYNTH_ECDSA_SIGNER))
        self.assertEqual(r.returncode, EXIT_VERIFIED, r.stdout + r.stderr)
        out = r.stdout.decode()
        self.assertRegex(out, r"(?m)^WARN  signature\.ecdsa\.low_s .*"
                              r"the key still signed this text")
        self.assertEqual(out.splitlines()[-1], "verdict: verified")
        # --strict-ecdsa rejects it, and only it
        code, doc = self.verify_json(*self.args(files, SYNTH_ECDSA_SIGNER),
                                     "--strict-ecdsa")
        self.assertEqual(code, EXIT_FAILED, doc)
        self.assertEqual(self.failing(doc), ["signature.ecdsa.low_s"])
        # ... while the low-s original still verifies under it
        low = self.synth_files(v, "ecdsa")
        code, doc = self.verify_json(*self.args(low, SYNTH_ECDSA_SIGNER),
                                     "--strict-ecdsa")
        self.assertEqual(code, EXIT_VERIFIED, doc)
        self.assertEqual(self.outcomes(doc)["signature.ecdsa.low_s"], "pass")
        # contradictory flags are a usage error
        self.assertUsageError(
            run("verify-signature", *self.args(files, SYNTH_ECDSA_SIGNER),
                "--strict-ecdsa", "--allow-high-s"), "not both")


class TestTamper(Case):
    """A changed byte anywhere in the exchange is caught, by the right
    check. Files are copied to a temporary directory first."""

    def exchanges(self):
        for name, signer in REAL_CASES.items():
            yield name, self.real_files(name), signer, None
        for v in load_vectors():
            for algo, signer in (("ecdsa", SYNTH_ECDSA_SIGNER),
                                 ("ed25519", SYNTH_ED25519_SIGNER)):
                yield ("%s/%s" % (v["name"], algo), self.synth_files(v, algo),
                       signer, model_of(v["text"]))

    def flip_body(self, path):
        data = bytearray(read(path))
        data[len(data) // 2] ^= 0x01
        write(path, bytes(data))

    def test_request_and_response(self):
        for name, files, signer, model in self.exchanges():
            for part, check in (("request", "signature.hash.request"),
                                ("response", "signature.hash.response")):
                with self.subTest(exchange=name, part=part):
                    copy = self.copy_to_tmp(files)
                    self.flip_body(copy[part])
                    code, doc = self.verify_json(*self.args(copy, signer, model))
                    self.assertEqual(code, EXIT_FAILED)
                    self.assertEqual(self.failing(doc), [check])

    def tampered_record(self, files, field, index):
        """A copy of the signature record with one character of `field`
        replaced by another hex digit."""
        with open(files["signature"], encoding="utf-8") as f:
            rec = json.load(f)
        rec[field] = replace_hex_digit(rec[field], index)
        copy = dict(files, signature=self.tmp_path("tampered-" + field + ".json"))
        write(copy["signature"], json.dumps(rec))
        return copy

    def test_text(self):
        for name, files, signer, model in self.exchanges():
            with open(files["signature"], encoding="utf-8") as f:
                text = json.load(f)["text"]
            req_start = len(text) - 129  # "<req 64>:<resp 64>" at the end
            for which, index, check in (
                    ("request hash", req_start, "signature.hash.request"),
                    ("response hash", len(text) - 1, "signature.hash.response")):
                with self.subTest(exchange=name, which=which):
                    copy = self.tampered_record(files, "text", index)
                    code, doc = self.verify_json(*self.args(copy, signer, model))
                    self.assertEqual(code, EXIT_FAILED)
                    fails = self.failing(doc)
                    self.assertIn(check, fails)
                    # the signature no longer covers this text
                    if "ed25519" in name:
                        self.assertIn("signature.ed25519.verify", fails)
                    else:
                        self.assertIn("signature.signer.expected", fails)

    def test_signature(self):
        for name, files, signer, model in self.exchanges():
            with self.subTest(exchange=name):
                with open(files["signature"], encoding="utf-8") as f:
                    sig = json.load(f)["signature"]
                # a digit of r (ecdsa) or R (ed25519)
                copy = self.tampered_record(files, "signature", len(sig) - 120)
                code, doc = self.verify_json(*self.args(copy, signer, model))
                self.assertEqual(code, EXIT_FAILED)
                fails = self.failing(doc)
                if "ed25519" in name:
                    self.assertIn("signature.ed25519.verify", fails)
                else:
                    self.assertIn("signature.signer.expected", fails)
                self.assertNotIn("signature.hash.request", fails)
                self.assertNotIn("signature.hash.response", fails)

    def test_ecdsa_recovery_byte(self):
        """v = 27 <-> 28 recovers another key: the claimed signer no
        longer matches."""
        files = self.real_files(NEAR)
        with open(files["signature"], encoding="utf-8") as f:
            rec = json.load(f)
        rec["signature"] = rec["signature"][:-2] + "1c"
        copy = dict(files, signature=write(self.tmp_path("v.json"), json.dumps(rec)))
        code, doc = self.verify_json(*self.args(copy, REAL_CASES[NEAR]))
        self.assertEqual(code, EXIT_FAILED)
        self.assertIn("signature.signer.expected", self.failing(doc))

    def test_signature_no_longer_parses(self):
        """A flipped byte that makes the record unparsable is an input
        error (exit 2), not a verdict."""
        files = self.real_files(NEAR)
        raw = bytearray(read(files["signature"]))
        cases = []
        i = raw.index(b'"signature": "0x') + len(b'"signature": "0x') + 4
        cases.append((i, ord("g"), "hexadecimal"))              # non-hex digit
        cases.append((raw.index(b"{"), ord("["), "JSON"))       # not JSON
        i = raw.index(b'"signing_address": "0x') + len(b'"signing_address": "0x')
        cases.append((i, ord("z"), "hexadecimal"))              # address
        for index, byte, pattern in cases:
            with self.subTest(index=index):
                data = bytearray(raw)
                data[index] = byte
                path = write(self.tmp_path("broken.json"), bytes(data))
                self.assertUsageError(
                    run("verify-signature", *self.args(dict(files, signature=path),
                                                       REAL_CASES[NEAR]), "--json"),
                    pattern)

    def test_claimed_address_checksum(self):
        """Changing the case of one letter of an EIP-55 address breaks its
        checksum: rejected as malformed."""
        files = self.real_files(NEAR)
        raw = read(files["signature"])
        fixed = raw.replace(b"0x319f1b8BB3b723A5", b"0x319f1b8bB3b723A5")
        self.assertNotEqual(raw, fixed)
        path = write(self.tmp_path("eip55.json"), fixed)
        self.assertUsageError(run("verify-signature",
                                  *self.args(dict(files, signature=path))),
                              "EIP-55")


class TestExactBytes(Case):
    """Files are hashed as exact bytes: NUL bytes, CRLF, no trailing
    newline added or removed."""

    def test_binary_bodies(self):
        v = load_vectors()[0]
        files = self.synth_files(v, "ecdsa")
        req = b'{"model":"demo-model"}\r\n\x00\x01\xff binary\r\n\r\n'
        resp = b"data: x\r\n\r\n\x00" * 1000
        files["request"] = write(self.tmp_path("req.bin"), req)
        files["response"] = write(self.tmp_path("resp.bin"), resp)
        code, doc = self.verify_json(*self.args(files, SYNTH_ECDSA_SIGNER))
        self.assertEqual(code, EXIT_FAILED)
        self.assertEqual(doc["facts"]["unverified.request_sha256"], sha256(req))
        self.assertEqual(doc["facts"]["unverified.response_sha256"],
                         sha256(resp))
        self.assertIn("%d bytes" % len(resp),
                      [c for c in doc["checks"]
                       if c["name"] == "signature.hash.response"][0]["detail"])

    def test_crlf_is_not_normalised(self):
        files = self.copy_to_tmp(self.real_files(NEAR))
        data = read(files["response"])
        write(files["response"], data.replace(b"\n", b"\r\n"))
        code, doc = self.verify_json(*self.args(files, REAL_CASES[NEAR]))
        self.assertEqual(self.failing(doc), ["signature.hash.response"])
        write(files["response"], data + b"\n")
        code, doc = self.verify_json(*self.args(files, REAL_CASES[NEAR]))
        self.assertEqual(self.failing(doc), ["signature.hash.response"])

    def test_empty_request(self):
        v = load_vectors()[0]
        files = self.synth_files(v, "ecdsa")
        files["request"] = write(self.tmp_path("empty"), b"")
        code, doc = self.verify_json(*self.args(files, SYNTH_ECDSA_SIGNER))
        self.assertEqual(doc["facts"]["unverified.request_sha256"],
                         sha256(b""))
        self.assertEqual(self.failing(doc), ["signature.hash.request"])

    def test_size_limit(self):
        limit = 64 * 1024 * 1024
        files = self.synth_files(load_vectors()[0], "ecdsa")
        big = self.tmp_path("big")
        with open(big, "wb") as f:
            f.truncate(limit + 1)  # sparse: costs no disk space
        self.assertUsageError(run("verify-signature",
                                  *self.args(dict(files, request=big))),
                              "cannot read --request .*64 MiB")
        self.assertUsageError(run("verify-signature",
                                  *self.args(dict(files, signature=big))),
                              "cannot read --signature .*64 MiB")
        # the same limit through a pipe, where the size is not known first
        cmd = WRAPPER + [EXE, "verify-signature", "--request", "-",
                         "--response", files["response"],
                         "--signature", files["signature"]]
        r = subprocess.run("head -c %d /dev/zero | %s" % (
            limit + 1, " ".join(shlex.quote(a) for a in cmd)),
            shell=True, capture_output=True, timeout=600)
        self.assertUsageError(r, "cannot read --request -: .*64 MiB")
        if WRAPPER:
            return  # hashing 64 MiB under valgrind takes minutes
        with open(big, "wb") as f:
            f.truncate(limit)
        code, doc = self.verify_json(*self.args(dict(files, request=big),
                                                SYNTH_ECDSA_SIGNER))
        self.assertEqual(self.failing(doc), ["signature.hash.request"])


class TestUsage(Case):
    def setUp(self):
        super().setUp()
        self.files = self.real_files(NEAR)

    def test_no_arguments_lists_every_command(self):
        """`teeattest` alone is a usage error (exit 2, nothing on stdout)
        whose message is the usage with every command, the same list as
        --help, each with its own help."""
        r = run()
        self.assertEqual(r.returncode, EXIT_USAGE)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode()
        self.assertTrue(err.startswith("teeattest: missing command\n"
                                       "Usage: teeattest COMMAND"), err)
        listed = re.findall(r"(?m)^  ([a-z][a-z-]+)  +\S", err)
        helped = re.findall(r"(?m)^  ([a-z][a-z-]+)  +\S",
                            run("--help").stdout.decode())
        self.assertEqual(listed, helped)
        for cmd in ("signer", "verify-signature", "demo", "providers",
                    "attest", "chat", "quote", "gpu", "verify"):
            self.assertIn(cmd, listed)
        for cmd in listed:
            with self.subTest(cmd=cmd):
                h = run("help", cmd)
                self.assertEqual(h.returncode, 0, h.stderr)
                self.assertIn(b"Usage: teeattest " + cmd.encode(), h.stdout)

    def test_every_command_refuses_an_unknown_option(self):
        """Each command and subcommand ends an unknown option with one
        usage line, exit 2: the early exits free what argument parsing
        took once (chat's --aci-session list and the rest of argv were
        freed twice here: exit 134, 'double free detected')."""
        listed = re.findall(r"(?m)^  ([a-z][a-z-]+)  +\S",
                            run("--help").stdout.decode())
        self.assertIn("chat", listed)
        cases = [[c] for c in listed] + [
            ["aci", "keyset-digest"], ["aci", "session-id"],
            ["aci", "verify-receipt"], ["sigstore", "verify-bundle"],
            ["chat", "--aci-session", "ab" * 32, "--aci-session", "cd" * 32],
            ["chat", "--model", "m", "--aci-verified"]]
        for args in cases:
            with self.subTest(args=args):
                self.assertUsageError(
                    run(*args, "--frobnicate", "prompt"),
                    "^teeattest: %s( [a-z-]+)?: (unknown (option|subcommand) "
                    "'--frobnicate'|expected the subcommand)" % args[0])

    def test_top_level(self):
        self.assertUsageError(run("frobnicate"), "unknown command 'frobnicate'")
        self.assertUsageError(run("--frobnicate"), "unknown option '--frobnicate'")
        self.assertUsageError(run("help", "signer", "extra"))
        self.assertUsageError(run("--version", "extra"))

    def test_verify_signature_arguments(self):
        f = self.files
        req, resp, sig = ["--request", f["request"]], \
            ["--response", f["response"]], ["--signature", f["signature"]]
        cases = [
            (resp + sig, "missing --request"),
            (req + sig, "missing --response"),
            (req + resp, "missing --signature"),
            (req + resp + sig + ["--frobnicate"], "unknown option '--frobnicate'"),
            (req + resp + sig + ["--json=yes"], "takes no value"),
            (req + resp + sig + ["positional"], "unexpected argument 'positional'"),
            (req + resp + sig + ["--expect-signer"], "needs a value"),
            (req + resp + ["--signature", "--json"], "needs a value"),
            (req + req + resp + sig, "more than once"),
            (req + resp + sig + ["--expect-signer", "0x" + "zz" * 20],
             "^teeattest: verify-signature: --expect-signer .*hexadecimal"),
            (req + resp + sig + ["--expect-signer", "0x1234"],
             "--expect-signer .*40 hex digits"),
            (req + resp + sig + ["--expect-signer", SYNTH_ED25519_SIGNER],
             "--expect-signer"),
        ]
        for args, pattern in cases:
            with self.subTest(args=args):
                self.assertUsageError(run("verify-signature", *args), pattern)

    def test_unreadable_files(self):
        missing = self.tmp_path("missing.json")
        for opt in ("request", "response", "signature"):
            with self.subTest(option=opt):
                args = self.args(dict(self.files, **{opt: missing}))
                err = self.assertUsageError(run("verify-signature", *args))
                self.assertEqual(
                    err, "teeattest: verify-signature: cannot read --%s %s: "
                         "No such file or directory\n" % (opt, missing))
        err = self.assertUsageError(run("verify-signature",
                                        *self.args(dict(self.files, request=self.tmp))))
        self.assertIn("Is a directory", err)
        if os.geteuid() != 0:  # root reads anything
            locked = write(self.tmp_path("locked"), b"{}")
            os.chmod(locked, 0)
            self.assertUsageError(run("verify-signature",
                                      *self.args(dict(self.files, response=locked))),
                                  "Permission denied")

    def test_malformed_signature_records(self):
        text = "ab" * 32 + ":" + "cd" * 32
        cases = [
            (b"{not json", "invalid JSON"),
            (b"", "invalid JSON"),
            (b"[]", "JSON object"),
            (b'{"signature": "00"}', 'no "text"'),
            (json.dumps({"text": text}).encode(), 'no "signature"'),
            (json.dumps({"text": text, "signature": "0x" + "zz" * 65}).encode(),
             "hexadecimal"),
            (json.dumps({"text": "x", "signature": "00" * 65}).encode(), "text"),
            (json.dumps({"text": text, "signature": "00" * 65,
                         "signing_algo": "rsa"}).encode(), "signing_algo"),
            (json.dumps({"text": text, "signature": 5}).encode(), "string"),
            (b'{"text": "a", "text": "b", "signature": "00"}', "(?i)duplicate"),
            (json.dumps({"error_code": "STREAM_DISCONNECTED",
                         "message": "stream\nended"}).encode(),
             "no signature"),
            # control characters from the record must not reach the terminal
            (json.dumps({"text": text, "signature": "00" * 65,
                         "signing_algo": "\x1b[31mecdsa\nx"}).encode(),
             "signing_algo"),
        ]
        for data, pattern in cases:
            with self.subTest(record=data):
                path = write(self.tmp_path("sig.json"), data)
                err = self.assertUsageError(
                    run("verify-signature", *self.args(dict(self.files, signature=path))),
                    pattern)
                self.assertNotIn("\x1b", err)
                self.assertTrue(err.startswith("teeattest: verify-signature: "
                                               "--signature " + path + ": "), err)



class TestLibraryBugs(Case):
    """Regressions for library bugs found while writing the CLI: untrusted
    bytes that are not UTF-8 (or a UTF-8 character cut by a length limit)
    in a check detail or fact must still give a verdict, never an error."""

    def test_long_non_ascii_model_gives_a_verdict(self):
        """check_model() quotes the model with "%.200s", which can cut a
        UTF-8 character in two; the result must still render."""
        v = [v for v in load_vectors() if model_of(v["text"]) == "demo-model"][0]
        files = self.synth_files(v, "ecdsa")
        files["request"] = write(self.tmp_path("req.json"), json.dumps(
            {"model": "a" * 199 + "\u00e9"}, ensure_ascii=False))
        r = run("verify-signature", *self.args(files, SYNTH_ECDSA_SIGNER), "--json")
        self.assertEqual(r.returncode, EXIT_FAILED, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(self.failing(doc), ["signature.hash.request",
                                             "signature.text.model"])

    def test_non_utf8_model_in_headers_gives_a_verdict(self):
        """A header text whose model field is not UTF-8 must be refused or
        give a verdict, never TEEATTEST_E_NOMEM from JSON rendering."""
        v = load_vectors()[0]
        files = self.synth_files(v, "ecdsa")
        hdr = write(self.tmp_path("h.txt"), b"text: \xff\xfe:" +
                    v["text"].encode() + b"\nsignature: " +
                    v["ecdsa"]["signature"].encode() + b"\n")
        r = run("verify-signature", "--request", files["request"],
                "--response", files["response"], "--signature-headers", hdr,
                "--expect-signer", SYNTH_ECDSA_SIGNER, "--json")
        self.assertIn(r.returncode, (EXIT_FAILED, EXIT_USAGE), r.stderr)
        if r.returncode == EXIT_USAGE:  # refusing the record is also right
            self.assertNotIn(b"rendering the result", r.stderr)
        else:
            json.loads(r.stdout)


def main():
    global EXE, WRAPPER
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    EXE = os.path.abspath(sys.argv[1])
    rest = sys.argv[2:]
    if rest and (rest[0] == "--valgrind" or rest[0].startswith("--valgrind=")):
        WRAPPER = VALGRIND[:]
        if "=" in rest[0]:
            WRAPPER[0] = rest[0].split("=", 1)[1]
        rest = rest[1:]
    if not os.path.isdir(os.path.join(REAL, NEAR)) or not os.path.isdir(SYNTH):
        print("TEEATTEST_FIXTURES must name the shared fixtures directory "
              "(got %r)" % FIXTURES)
        return 1
    return runner.main(rest)


if __name__ == "__main__":
    sys.exit(main())
