#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The installed library, as a C or C++ consumer gets it.

Usage: test_install.py BUILD_ROOT SOURCE_ROOT PREFIX LIBDIR INCLUDEDIR BINDIR
                       CC CXX SIM_BUILT [TestClass ...]

`meson install --destdir` into <build>/tests/install/work, then the staged
prefix is MOVED elsewhere (relocatability), and from that moved copy only:
  - the installed files (shared and static library, headers, CLI,
    simulator, teeattest.pc, teeattest-static.pc, the CMake package);
  - pkg-config with PKG_CONFIG_LIBDIR naming only the staged pkgconfig
    directory (no dependency's .pc visible): shared flags, no third-party
    -I, the --static flags;
  - every installed header alone, and the umbrella with every macro, as C99
    and C++11/C++17 with -Wall -Wextra -pedantic -Werror (gcc, g++, and
    clang/clang++ when present);
  - the CMake package: find_package() versions, imported targets;
  - this project as a meson subproject: dependency('teeattest');
  - every example in examples/ built four ways (make + pkg-config shared,
    make STATIC=1 through teeattest-static, CMake shared, CMake static) and
    run against the real fixtures and a teeattest-sim (the installed one)
    started here: outputs and exit statuses asserted.

Needs cmake, make, pkg-config, readelf and a C++ compiler: without one the
script is skipped (exit 77), and fails under CI=true (runner.py).
"""
import calendar
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "abi"))
import runner  # noqa: E402
import check_headers  # noqa: E402
from simproc import SimProcess  # noqa: E402

A = None  # the command-line arguments, set by main()
PREFIX = LIBDIR = INCDIR = BINDIR = PCDIR = WORK = None
EXAMPLES = ["verify_signature", "verify_report", "attest_chat",
            "custom_transport", "counting_crypto"]
VARIANTS = ["make-shared", "make-static", "cmake-shared", "cmake-static"]
PRIVATE_LIBS = ["-ljansson", "-lsecp256k1", "-lsodium", "-lmbedx509",
                "-lmbedcrypto"]


class Args:
    def __init__(self, argv):
        (self.build, self.src, self.prefix, self.libdir, self.includedir,
         self.bindir, cc, cxx, sim) = argv[:9]
        # the compiler itself, without a ccache wrapper meson may add
        self.cc = [w for w in shlex.split(cc) if w != "ccache"]
        self.cxx = [w for w in shlex.split(cxx) if w != "ccache"]
        self.sim = sim == "yes"
        self.rest = argv[9:]


def clean_env(**extra):
    """The environment without API keys, proxies or pkg-config paths."""
    env = {k: v for k, v in os.environ.items()
           if not (k.endswith("_API_KEY") or k.lower().endswith("_proxy") or
                   k.startswith("PKG_CONFIG") or k == "LD_LIBRARY_PATH")}
    env.update(extra)
    return env


def run(argv, env=None, cwd=None, timeout=300):
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd,
                          env=env or clean_env(), timeout=timeout)


def must(argv, **kw):
    r = run(argv, **kw)
    if r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (
            " ".join(argv), r.returncode, r.stdout[-4000:], r.stderr[-4000:]))
    return r


def under(path, root):
    return os.path.realpath(path).startswith(os.path.realpath(root) + os.sep)


def install():
    """meson install into a DESTDIR, then move the prefix: every later
    step sees only the moved copy."""
    global PREFIX, LIBDIR, INCDIR, BINDIR, PCDIR, WORK
    WORK = os.path.join(A.build, "tests", "install", "work")
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    dest = os.path.join(WORK, "destdir")
    must(["meson", "install", "-C", A.build, "--no-rebuild",
          "--skip-subprojects", "--destdir", dest], env=clean_env())
    staged = dest + A.prefix
    PREFIX = os.path.join(WORK, "moved", "opt", "teeattest")
    os.makedirs(os.path.dirname(PREFIX))
    os.rename(staged, PREFIX)
    shutil.rmtree(dest)
    LIBDIR = os.path.join(PREFIX, A.libdir)
    INCDIR = os.path.join(PREFIX, A.includedir)
    BINDIR = os.path.join(PREFIX, A.bindir)
    PCDIR = os.path.join(LIBDIR, "pkgconfig")


def pkg_config(*args):
    r = must(["pkg-config"] + list(args),
             env=clean_env(PKG_CONFIG_LIBDIR=PCDIR))
    return r.stdout.split()


class TestFiles(unittest.TestCase):
    def test_installed(self):
        for rel in [os.path.join(A.libdir, f) for f in
                    ("libteeattest.so", "libteeattest.so.1", "libteeattest.a",
                     "pkgconfig/teeattest.pc", "pkgconfig/teeattest-static.pc",
                     "cmake/teeattest/teeattestConfig.cmake",
                     "cmake/teeattest/teeattestConfigVersion.cmake")] + \
                [os.path.join(A.includedir, "teeattest", h) for h in
                 ("teeattest.h", "version.h", "common.h")] + \
                [os.path.join(A.bindir, "teeattest")] + \
                ([os.path.join(A.bindir, "teeattest-sim")] if A.sim else []):
            self.assertTrue(os.path.exists(os.path.join(PREFIX, rel)), rel)
        soname = must(["readelf", "-d", os.path.join(LIBDIR,
                                                     "libteeattest.so")])
        self.assertIn("[libteeattest.so.1]", soname.stdout)

    def test_relocatable(self):
        """No installed package file names the configured prefix."""
        for d in (PCDIR, os.path.join(LIBDIR, "cmake", "teeattest")):
            for name in os.listdir(d):
                with open(os.path.join(d, name)) as f:
                    text = f.read()
                self.assertNotIn(A.prefix + "/", text, name)

    def test_cli_runs(self):
        r = run([os.path.join(BINDIR, "teeattest"), "--version"],
                env=clean_env(LD_LIBRARY_PATH=LIBDIR))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_demo_finds_installed_sim(self):
        """`teeattest demo` starts the teeattest-sim installed beside it."""
        if not A.sim:
            self.skipTest("teeattest-sim not built")
        env = clean_env(LD_LIBRARY_PATH=LIBDIR)
        env.pop("TEEATTEST_SIM", None)
        r = run([os.path.join(BINDIR, "teeattest"), "demo"], env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("A simulated TEE, attested end to end", r.stdout)
        self.assertNotIn("NOT AS EXPECTED", r.stdout)


class TestPkgConfig(unittest.TestCase):
    def test_shared(self):
        info = must(["meson", "introspect", "--projectinfo", A.build])
        self.assertEqual(pkg_config("--modversion", "teeattest"),
                         [json.loads(info.stdout)["version"]])
        cflags = pkg_config("--cflags", "teeattest")
        self.assertEqual(len(cflags), 1, cflags)
        self.assertTrue(cflags[0].startswith("-I"), cflags)
        self.assertEqual(os.path.realpath(cflags[0][2:]),
                         os.path.realpath(INCDIR))
        libs = pkg_config("--libs", "teeattest")
        self.assertEqual(len(libs), 2, libs)
        self.assertEqual(os.path.realpath(libs[0][2:]),
                         os.path.realpath(LIBDIR))
        self.assertEqual(libs[1], "-lteeattest")
        self.assertEqual(pkg_config("--print-requires-private", "teeattest"),
                         [])

    def test_static(self):
        cflags = pkg_config("--static", "--cflags", "teeattest")
        self.assertIn("-DTEEATTEST_STATIC", cflags)
        self.assertEqual([f for f in cflags if f.startswith("-I")
                          and not under(f[2:], PREFIX)], [])
        libs = pkg_config("--static", "--libs", "teeattest")
        self.assertIn("-lteeattest", libs)
        for lib in PRIVATE_LIBS:
            self.assertIn(lib, libs)
        both = pkg_config("--cflags", "--libs", "teeattest-static")
        self.assertIn("-DTEEATTEST_STATIC", both)
        self.assertIn(os.path.realpath(os.path.join(LIBDIR, "libteeattest.a")),
                      [os.path.realpath(f) for f in both if f.endswith(".a")])


    def test_static_link(self):
        """The --static list is complete: a program linked with the archive
        in place of -lteeattest (and its dependencies shared) runs with no
        libteeattest.so anywhere on its path."""
        out = os.path.join(WORK, "static-link")
        os.makedirs(out, exist_ok=True)
        libs = []
        for f in pkg_config("--static", "--libs", "teeattest"):
            libs += (["-Wl,-Bstatic", f, "-Wl,-Bdynamic"]
                     if f == "-lteeattest" else [f])
        prog = os.path.join(out, "verify_signature")
        must(A.cc + ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror",
                     "-o", prog, os.path.join(A.src, "examples",
                                              "verify_signature.c")] +
             pkg_config("--static", "--cflags", "teeattest") + libs)
        self.assertNotIn("libteeattest", must(["readelf", "-d", prog]).stdout)
        r = run([prog] + signature_args() + [NEAR_SIGNER])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestHeaders(unittest.TestCase):
    """Each installed header alone (twice: the include guard) and the
    umbrella with every public macro expanded, from the installed copy."""

    def compile(self, compiler, lang, std):
        flags = [f for f in check_headers.FLAGS[lang]
                 if not f.startswith("-std=")] + ["-std=" + std]
        headers = sorted(os.listdir(os.path.join(INCDIR, "teeattest")))
        cases = [(h, "") for h in headers]
        cases.append(("teeattest.h", check_headers.UMBRELLA_USE))
        tmp = os.path.join(WORK, "headers", os.path.basename(compiler[0]) +
                           "-" + std)
        os.makedirs(tmp, exist_ok=True)
        for i, (h, extra) in enumerate(cases):
            path = os.path.join(tmp, "t%d.%s" % (i, "c" if lang == "c"
                                                 else "cpp"))
            with open(path, "w") as f:
                f.write("#include <teeattest/%s>\n#include <teeattest/%s>\n"
                        "typedef int ta_hy_not_empty;\n%s" % (h, h, extra))
            r = run(compiler + flags + ["-I" + INCDIR, "-c", path, "-o",
                                        path + ".o"])
            with self.subTest(compiler=compiler[0], std=std, header=h,
                              macros=bool(extra)):
                self.assertEqual((r.returncode, r.stderr.strip()), (0, ""))

    def test_c99(self):
        self.compile(A.cc, "c", "c99")
        if shutil.which("clang") and os.path.basename(A.cc[0]) != "clang":
            self.compile(["clang"], "c", "c99")

    def test_cxx(self):
        for std in ("c++11", "c++17"):
            self.compile(A.cxx, "c++", std)
            if shutil.which("clang++"):
                self.compile(["clang++"], "c++", std)


class TestCMakePackage(unittest.TestCase):
    def test_versions(self):
        """SameMajorVersion: 1.0 found, 1.x above this minor and 2.0 not."""
        src = os.path.join(WORK, "cmake-versions")
        os.makedirs(src, exist_ok=True)
        with open(os.path.join(src, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.16)\n"
                    "project(v LANGUAGES C)\n"
                    "foreach(v 2.0 1.99 1.0 1)\n"
                    "  find_package(teeattest ${v} CONFIG QUIET)\n"
                    "  if(teeattest_FOUND)\n"
                    "    message(STATUS \"want ${v}: found\")\n"
                    "  else()\n"
                    "    message(STATUS \"want ${v}: not found\")\n"
                    "  endif()\n"
                    "  unset(teeattest_DIR CACHE)\n"
                    "endforeach()\n"
                    "get_target_property(d teeattest::teeattest_static "
                    "INTERFACE_COMPILE_DEFINITIONS)\n"
                    "message(STATUS \"static defines: ${d}\")\n")
        r = must(["cmake", "-S", src, "-B", os.path.join(src, "b"),
                  "-DCMAKE_PREFIX_PATH=" + PREFIX], env=clean_env())
        for want, found in (("2.0", "not found"), ("1.99", "not found"),
                            ("1.0", "found"), ("1", "found")):
            self.assertIn("want %s: %s\n" % (want, found), r.stdout)
        self.assertIn("static defines: TEEATTEST_STATIC", r.stdout)


    def test_static_target_beside_same_named_targets(self):
        """The static target's dependencies are -l flags: a project with
        its own target called 'crypto' still gets OpenSSL's libcrypto."""
        src = os.path.join(WORK, "cmake-names")
        os.makedirs(src, exist_ok=True)
        with open(os.path.join(src, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.16)\n"
                    "project(n LANGUAGES C)\n"
                    "add_library(crypto STATIC own.c)\n"
                    "add_library(curl STATIC own.c)\n"
                    "find_package(teeattest 1.0 CONFIG REQUIRED)\n"
                    "add_executable(app app.c)\n"
                    "target_link_libraries(app PRIVATE "
                    "teeattest::teeattest_static)\n")
        with open(os.path.join(src, "own.c"), "w") as f:
            f.write("int own(void);\nint own(void) { return 0; }\n")
        with open(os.path.join(src, "app.c"), "w") as f:
            f.write("#include <stdio.h>\n#include <teeattest/teeattest.h>\n"
                    "int main(void) { puts(teeattest_version_string()); "
                    "return 0; }\n")
        b = os.path.join(src, "b")
        must(["cmake", "-S", src, "-B", b, "-DCMAKE_PREFIX_PATH=" + PREFIX])
        must(["cmake", "--build", b])
        self.assertEqual(must([os.path.join(b, "app")]).stdout.strip(),
                         json.loads(must(["meson", "introspect",
                                          "--projectinfo", A.build]).stdout)
                         ["version"])


class TestMesonSubproject(unittest.TestCase):
    def test_override_names(self):
        """A parent project finds this one as a subproject under the .pc's
        name, 'teeattest', and under the older 'libteeattest'."""
        parent = os.path.join(WORK, "subproject-parent")
        os.makedirs(os.path.join(parent, "subprojects"))
        os.symlink(os.path.realpath(A.src),
                   os.path.join(parent, "subprojects", "libteeattest"))
        with open(os.path.join(parent, "meson.build"), "w") as f:
            f.write("project('parent', 'c')\n"
                    "opts = ['tests=false', 'bench=false']\n"
                    "foreach name : ['teeattest', 'libteeattest']\n"
                    "  d = dependency(name, fallback: 'libteeattest',\n"
                    "                 default_options: opts)\n"
                    "  message('found @0@ @1@'.format(name, d.version()))\n"
                    "endforeach\n")
        r = must(["meson", "setup", os.path.join(parent, "build"), parent,
                  "--wrap-mode=nodownload", "--force-fallback-for=teeattest,"
                  "libteeattest"], env=clean_env())
        self.assertIn("found teeattest 1.", r.stdout)
        self.assertIn("found libteeattest 1.", r.stdout)


def build_examples(variant):
    """Build every example one way; the directory of the programs."""
    out = os.path.join(WORK, "examples-" + variant)
    os.makedirs(out, exist_ok=True)
    src = os.path.join(A.src, "examples")
    env = clean_env(CC=" ".join(A.cc), CXX=" ".join(A.cxx))
    strict = "-O2 -Wall -Wextra -pedantic -Werror"
    if variant.startswith("make"):
        env["PKG_CONFIG_LIBDIR"] = PCDIR
        must(["make", "-f", os.path.join(src, "Makefile"), "SRCDIR=" + src,
              "CFLAGS=" + strict, "CXXFLAGS=" + strict] +
             (["STATIC=1"] if variant == "make-static" else []),
             cwd=out, env=env)
        return out
    r = must(["cmake", "-S", src, "-B", out, "-DCMAKE_PREFIX_PATH=" + PREFIX,
              "-DCMAKE_C_FLAGS=-Werror", "-DCMAKE_CXX_FLAGS=-Werror",
              "-DTEEATTEST_EXAMPLES_STATIC=" +
              ("ON" if variant == "cmake-static" else "OFF")], env=env)
    found = re.search(r"-- teeattest \S+: (\S+)", r.stdout)
    assert found and under(found.group(1), PREFIX), r.stdout
    must(["cmake", "--build", out], env=env)
    return out


class ExampleRuns:
    """Every example, built one way (`variant`), run on real data."""
    variant = None

    @classmethod
    def setUpClass(cls):
        cls.bin = build_examples(cls.variant)
        cls.shared = cls.variant.endswith("shared")

    def run_example(self, name, *args):
        # Shared builds find the library only in the moved prefix; static
        # builds must not need it at all.
        env = clean_env(LD_LIBRARY_PATH=LIBDIR) if self.shared else clean_env()
        r = run([os.path.join(self.bin, name)] + list(args), env=env,
                timeout=120)
        return r.returncode, r.stdout, r.stderr

    def test_linkage(self):
        for name in EXAMPLES:
            d = must(["readelf", "-d", os.path.join(self.bin, name)]).stdout
            self.assertEqual("[libteeattest.so.1]" in d, self.shared, name)

    # -- (1) and (5): a saved signature against a pinned signer ------------
    def test_verify_signature(self):
        rc, out, err = self.run_example("verify_signature",
                                        *signature_args(), NEAR_SIGNER)
        self.assertEqual(rc, 0, out + err)
        self.assertTrue(out.endswith("verdict: verified\n"), out)
        rc, out, err = self.run_example("verify_signature",
                                        *signature_args(), "0x" + "11" * 20)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("fail signature.signer.expected", out)
        self.assertIn("verdict: failed", out)
        rc, out, err = self.run_example(
            "verify_signature", *signature_args(TAMPERED), NEAR_SIGNER)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("fail signature.hash.response", out)
        rc, out, err = self.run_example("verify_signature",
                                        *signature_args(), "not-a-signer")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("TEEATTEST_E_SIGNER_FORMAT", err)

    def test_counting_crypto(self):
        rc, out, err = self.run_example("counting_crypto",
                                        *signature_args(), NEAR_SIGNER)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("verdict: verified\ncrypto backend released\n", out)
        calls = out.rsplit("calls: ", 1)[1].split()
        self.assertEqual((calls[0], calls[2]), ("hash", "secp256k1_recover"))
        self.assertGreaterEqual(int(calls[1].rstrip(",")), 2)
        self.assertEqual(int(calls[3]), 1)

    # -- (2): the NEAR capture, offline, at its recorded time --------------
    def test_verify_report(self):
        d = NEAR["dir"]
        base = ["nearai", os.path.join(d, "attestation_report.json")]
        pcs = os.path.join(d, "intel_pcs")
        gpu = [os.path.join(d, "nras_response.json"),
               os.path.join(d, "nras_jwks.json"), NEAR["spki"]]
        rc, out, err = self.run_example("verify_report", *base, NEAR["nonce"],
                                        str(NEAR["at"]), pcs, *gpu)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("verdict: verified\nattested signer: %s (ed25519)\n"
                      % NEAR["signer"], out)
        # Only the optional measurement pins (none given), the OCSP/RIM
        # checks NRAS stands in for and gpu.binding (a dstack 0.5 log has
        # no gpu-attestation event) are not passes, and provenance, which
        # the example does not request.
        for line in out.splitlines():
            if line.startswith("  "):
                self.assertRegex(line, r"^  skip entry\[0\]\.(compose_manager"
                                 r"\.)?(tdx\.td\.measurements|gpu.*\.(ocsp|"
                                 r"rim)\b|gpu\.binding |provenance )", line)
        # 40 days later the collateral has expired: not verified.
        rc, out, err = self.run_example("verify_report", *base, NEAR["nonce"],
                                        str(NEAR["at"] + 40 * 86400), pcs, *gpu)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("fail entry[0].tdx.tcb_info.freshness", out)
        self.assertNotIn("attested signer", out)
        # Another nonce: the report is not fresh for it.
        rc, out, err = self.run_example("verify_report", *base,
                                        NEAR["other_nonce"], str(NEAR["at"]),
                                        pcs, *gpu)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("fail entry[0].binding.nonce", out)
        # A nonce that is not 32 bytes of hex, a TLS key that is not base64:
        # errors (exit 2), never a verdict.
        for nonce, gpu_args, status in (
                (NEAR["nonce"][:-2] + "zz", gpu, "TEEATTEST_E_HEX"),
                (NEAR["nonce"][:-2], gpu, "the nonce must be 32 bytes"),
                (NEAR["nonce"], gpu[:2] + [NEAR["spki"][1:]],
                 "TEEATTEST_E_BASE64")):
            rc, out, err = self.run_example("verify_report", *base, nonce,
                                            str(NEAR["at"]), pcs, *gpu_args)
            self.assertEqual(rc, 2, out + err)
            self.assertIn(status, err)
            self.assertNotIn("verdict", out)

    # -- (3) and (4): attest and chat against the simulator ---------------
    def check_attest_chat(self, out):
        self.assertEqual(out.count("verdict: verified\n"), 2, out)
        self.assertIn("warn entry[0].tdx.root_override", out)
        self.assertRegex(out, r"\nchat chatcmpl-\d+: HTTP 200, ")
        self.assertIn("verdict: verified\n", out.split("chat signature\n")[1])

    def test_attest_chat(self):
        rc, out, err = self.run_example("attest_chat", SIM.url, SIM_ROOT)
        self.assertEqual(rc, 0, out + err)
        self.check_attest_chat(out)
        self.assertIn("attested signer: %s\n" % SIM_SIGNER, out)
        self.assertRegex(out, r"HTTP 200, ([1-9]\d*) events\n")
        # Intel's root does not anchor the simulator: no chat at all.
        rc, out, err = self.run_example("attest_chat", SIM.url, INTEL_ROOT)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("fail entry[0].tdx.pck_chain", out)
        self.assertNotIn("chat ", out)

    def test_custom_transport(self):
        before = SIM.log()["count"]
        rc, out, err = self.run_example("custom_transport", SIM.url, SIM_ROOT)
        self.assertEqual(rc, 0, out + err)
        self.check_attest_chat(out)
        n = int(out.rsplit("requests through the custom transport: ", 1)[1])
        # report, PCCS collateral, chat, signature: all through it
        self.assertGreaterEqual(n, 4)
        self.assertEqual(SIM.log()["count"] - before, n)


FIX = os.environ.get("TEEATTEST_FIXTURES", "")
NEAR_SIGNER = "0x319f1b8BB3b723A5d098FFB67005Bdf7BB579ACa"
INTEL_ROOT = os.path.join(FIX, "tdx", "intel_sgx_root_ca.der")
TAMPERED = NEAR = SIM = SIM_ROOT = SIM_SIGNER = None


def signature_args(response=None):
    """verify_signature's first three arguments: NEAR AI's documented
    exchange (or another response)."""
    d = os.path.join(FIX, "providers", "real_signatures",
                     "nearai_cloud_2025_stream")
    return [os.path.join(d, "signature_response.json"),
            os.path.join(d, "request_body.json"),
            response or os.path.join(d, "response_body.sse")]


def prepare_data():
    """What the examples read out of the fixtures' JSON: the NEAR
    capture's nonce (hex) and TLS key (base64), its time in Unix seconds,
    and a tampered copy of a response."""
    global TAMPERED, NEAR
    data = os.path.join(WORK, "data")
    os.makedirs(data)
    d = os.path.join(FIX, "providers", "nearai_direct_ed25519_tls")
    with open(os.path.join(d, "capture_manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(d, "attestation_report.http_meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(d, "expected.json")) as f:
        expected = json.load(f)
    nonce = bytes.fromhex(manifest["nonce_hex"])
    NEAR = {"dir": d, "nonce": "0x" + nonce.hex().upper(),
            "other_nonce": bytes([nonce[0] ^ 1]).hex() + nonce[1:].hex(),
            "spki": meta["peer_spki_der_base64"],
            "signer": expected["top_level"]["signing_address"],
            "at": calendar.timegm(time.strptime(
                manifest["captured_at"][:19], "%Y-%m-%dT%H:%M:%S"))}
    src = os.path.join(FIX, "providers", "real_signatures",
                       "nearai_cloud_2025_stream", "response_body.sse")
    with open(src, "rb") as f:
        body = bytearray(f.read())
    body[len(body) // 2] ^= 0x20
    TAMPERED = os.path.join(data, "tampered.sse")
    with open(TAMPERED, "wb") as f:
        f.write(body)


def start_sim():
    global SIM, SIM_ROOT, SIM_SIGNER
    sim = os.path.join(BINDIR, "teeattest-sim")
    SIM_ROOT = os.path.join(WORK, "data", "sim-root.der")
    keys = must([sim, "--seed", "11", "--print-keys"]).stdout
    SIM_SIGNER = json.loads(keys)["ecdsa_address"].lower()
    SIM = SimProcess(sim, ["--seed", "11", "--no-gpu", "--tdx-root-out",
                           SIM_ROOT], prefix="test-install-sim-")


def example_classes():
    classes = {}
    for v in VARIANTS:
        name = "TestExamples" + "".join(p.capitalize() for p in v.split("-"))
        classes[name] = type(name, (ExampleRuns, unittest.TestCase),
                             {"variant": v})
    return classes


globals().update(example_classes())


def missing_tools():
    need = {"cmake": ["cmake"], "make": ["make"], "pkg-config": ["pkg-config"],
            "readelf": ["readelf"], "the C compiler": A.cc[:1],
            "a C++ compiler": A.cxx[:1], "meson": ["meson"]}
    return [what for what, cmd in need.items()
            if not cmd or not shutil.which(cmd[0])]


def main(argv):
    global A
    if len(argv) < 9:
        print(__doc__, file=sys.stderr)
        return 2
    A = Args(argv)
    missing = missing_tools()
    if not A.sim:
        missing.append("teeattest-sim (needs libmicrohttpd and GnuTLS)")
    if not os.path.isdir(os.path.join(FIX, "providers")):
        missing.append("the shared fixtures (TEEATTEST_FIXTURES=%r)" % FIX)
    if missing:
        return runner.cannot_run("missing: " + ", ".join(missing))
    install()
    prepare_data()
    start_sim()
    try:
        return runner.main(A.rest)
    finally:
        SIM.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
