# SPDX-License-Identifier: Apache-2.0
"""What the aci integration tests share (test_aci_dialect.py,
test_aci_aggregator.py, test_aci_bundle.py, test_aci_e2ee_bundle.py):
running the CLI without the caller's API keys or proxies, reading a JSON
result's checks, starting teeattest-sim --dialect aci with its TEST root
fetched, and saving and re-verifying bundles of its chats."""
import json
import os
import subprocess
import urllib.request

from simproc import SimProcess


def run_cli(exe, *args):
    """(exit code, stdout, stderr) of `exe args...`."""
    e = {k: v for k, v in os.environ.items()
         if not k.endswith("_API_KEY") and not k.lower().endswith("_proxy")}
    r = subprocess.run([exe] + [str(a) for a in args], capture_output=True,
                       timeout=120, env=e)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def checks(doc):
    return {c["name"]: c for c in doc["checks"]}


def outcomes(doc):
    return {c["name"]: c["outcome"] for c in doc["checks"]}


def failed(doc):
    """Names of the checks that decide a FAILED verdict."""
    return sorted(c["name"] for c in doc["checks"]
                  if c["outcome"] == "fail" or
                  (c["outcome"] == "skip" and c["required"]))


def start_sim(cls, sim_exe, prefix, args):
    """Start the simulator on cls: cls.sim, cls.root (its TEST root, DER),
    cls.https (its HTTPS base URL)."""
    cls.sim = SimProcess(sim_exe, https=True, prefix=prefix, args=args)
    cls.root = os.path.join(cls.sim.dir.name, "root.der")
    with urllib.request.urlopen(cls.sim.http_url + "/_sim/tdx-root.der",
                                timeout=60) as r, \
            open(cls.root, "wb") as f:
        f.write(r.read())
    cls.https = "https://127.0.0.1:%d" % cls.sim.ports["https_port"]


def chat_save(cls, exe, at, name, prompt, stream, *extra):
    """`chat --provider aci ... --json --save FILE` against cls's simulator
    (started by start_sim) at time `at`, with `extra` flags; the chat must
    verify. (online JSON result, FILE); FILE is named name-N.json, N
    counted in cls.n."""
    cls.n += 1
    path = os.path.join(cls.sim.dir.name, "%s-%d.json" % (name, cls.n))
    rc, out, err = run_cli(
        exe, "chat", "--provider", "aci", "--base-url", cls.https,
        "--ca-file", cls.sim.cert, "--model", "m", "--pccs",
        cls.sim.http_url, "--test-root", cls.root, "--no-gpu",
        "--gpu-online", "none", "--timeout", "30", "--at", at, "--json",
        *extra, *(["--stream"] if stream else []), "--save", path, prompt)
    if rc != 0:
        raise AssertionError("chat %s failed: %s %s"
                             % (" ".join(list(extra) + ["--save"]), out, err))
    return json.loads(out), path


def verify_bundle(case, exe, doc_or_path, *extra):
    """(exit code, stdout, stderr) of `verify FILE --json` with case's TEST
    root; a dict is first written to a new edit-N.json (N counted in the
    class's n)."""
    path = doc_or_path
    if not isinstance(doc_or_path, str):
        type(case).n += 1
        path = os.path.join(case.sim.dir.name, "edit-%d.json" % case.n)
        with open(path, "w") as f:
            json.dump(doc_or_path, f)
    return run_cli(exe, "verify", path, "--test-root", case.root, "--no-gpu",
                   "--json", *extra)
