# SPDX-License-Identifier: Apache-2.0
"""What the aci integration tests share (test_aci_dialect.py,
test_aci_aggregator.py, test_aci_bundle.py): running the CLI without the
caller's API keys or proxies, reading a JSON result's checks, and starting
teeattest-sim --dialect aci with its TEST root fetched."""
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
