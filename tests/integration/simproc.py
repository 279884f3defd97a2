# SPDX-License-Identifier: Apache-2.0
"""Start and stop teeattest-sim for the integration tests.

SimProcess runs the simulator on an ephemeral loopback port (and, with
https=True, an HTTPS port whose certificate is written to `cert`), waits
for its port file, and stops it with SIGTERM. `ports` maps "http_port" /
"https_port" to numbers; `url` and `http_url` are the plain-HTTP base URL
(a caller may point `url` elsewhere); control() and log() are the
fault-injection and request-log endpoints, over `http_url`.

Waits are bounded only to catch a simulator that never starts or stops:
the bounds are wide, so a loaded machine (or valgrind beside it) never
trips them.
"""
import json

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

START_LIMIT = 120  # seconds for the port file to appear


class SimProcess:
    def __init__(self, sim, args=(), https=False, prefix="test-sim-"):
        self.dir = tempfile.TemporaryDirectory(prefix=prefix)
        self.port_file = os.path.join(self.dir.name, "ports")
        self.cert = os.path.join(self.dir.name, "cert.pem")
        cmd = [sim, "--http", "0", "--port-file", self.port_file]
        if https:
            cmd += ["--https", "0", "--cert-out", self.cert]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.ports = self._wait_ports()
        self.url = "http://127.0.0.1:%d" % self.ports["http_port"]
        self.http_url = self.url

    def _wait_ports(self):
        deadline = time.monotonic() + START_LIMIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("simulator exited: %s"
                                     % self.proc.stderr.read().decode())
            try:
                with open(self.port_file) as f:
                    text = f.read()
                return {k: int(v) for k, v in
                        (line.split("=") for line in text.split())}
            except (FileNotFoundError, ValueError):
                time.sleep(0.01)
        raise AssertionError("simulator did not write its port file")

    def control(self, settings):
        """POST /_sim/control with a dict of faults; the faults in force."""
        req = urllib.request.Request(
            self.http_url + "/_sim/control", method="POST",
            data=json.dumps(settings).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def log(self):
        """GET /_sim/log: the requests the simulator saw."""
        with urllib.request.urlopen(self.http_url + "/_sim/log",
                                    timeout=60) as r:
            return json.loads(r.read())

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """Stop the simulator; its exit status (stderr shown unless 0)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read()
        self.proc.stderr.close()
        if self.proc.returncode != 0:
            sys.stderr.write(err.decode(errors="replace"))
        self.dir.cleanup()
        return self.proc.returncode
