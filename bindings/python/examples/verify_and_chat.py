#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""teeattest from Python, end to end:

1. verify a saved signed exchange (NEAR AI, December 2025) against the
   signer pinned by the provider's documentation;
2. verify the NEAR AI attestation capture offline at its recorded time
   (Intel collateral, NVIDIA NRAS answer and JWKS, TLS key);
3. attest a provider and chat with it, streamed, verifying the answer's
   signature against the attested key, then a tampered answer. Run
   against the loopback simulator teeattest-sim, whose TEST root is
   trusted for this demo only (never outside a test).

Usage: verify_and_chat.py --fixtures DIR [--sim PATH-TO-teeattest-sim]
Exit status 0 when every step gave the expected verdict.
"""
import argparse
import base64
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import teeattest as ta


def read(*parts):
    with open(os.path.join(*parts), "rb") as f:
        return f.read()


def saved_signature(ctx, fixtures):
    d = os.path.join(fixtures, "providers", "real_signatures",
                     "nearai_cloud_2025_stream")
    with ta.Signature.parse_json(ctx, read(d, "signature_response.json")) as sig:
        res = sig.verify(read(d, "request_body.json"),
                         read(d, "response_body.sse"),
                         expected_signer="0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca")
        print("saved signature: %s" % res.verdict.value)
        return res.verified


def near_capture(ctx, fixtures):
    d = os.path.join(fixtures, "providers", "nearai_direct_ed25519_tls")
    manifest = json.loads(read(d, "capture_manifest.json"))
    meta = json.loads(read(d, "attestation_report.http_meta.json"))
    at = datetime.datetime.strptime(manifest["captured_at"][:19],
                                    "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    report = ta.Report.parse(ctx, "nearai", read(d, "attestation_report.json"))
    ev = ta.Evidence(ctx)
    with ta.Collateral.load_dir(ctx, os.path.join(d, "intel_pcs")) as col:
        ev.add_collateral(col)
    ev.set_tls_spki(base64.b64decode(meta["peer_spki_der_base64"]))
    ev.set_nras_response(read(d, "nras_response.json"), entry=0)
    ev.gpu_inputs.add(ta.GpuItem.JWKS, read(d, "nras_jwks.json"))
    policy = ta.Policy(ctx).set_time(at)
    res = report.verify(ev, policy, nonce=manifest["nonce_hex"])
    print("NEAR capture at %s: %s (%d checks)"
          % (at.strftime("%Y-%m-%dT%H:%M:%SZ"), res.verdict.value,
             len(res.checks)))
    if res.verified:
        s = res.verified_signer()
        print("  attested signer: %s (%s)" % (s.signer, s.algo))
    for c in res.failures:
        print("  FAILED %s: %s" % (c.name, c.detail))
    return res.verified


def start_sim(sim):
    tmp = tempfile.mkdtemp(prefix="teeattest-example-")
    ports = os.path.join(tmp, "ports")
    proc = subprocess.Popen([sim, "--http", "0", "--port-file", ports,
                             "--no-gpu", "--seed", "3"],
                            stdout=subprocess.DEVNULL)
    for _ in range(12000):
        if os.path.exists(ports):
            break
        if proc.poll() is not None:
            raise SystemExit("teeattest-sim exited")
        time.sleep(0.01)
    with open(ports) as f:
        port = dict(l.split("=") for l in f.read().split())["http_port"]
    return proc, "http://127.0.0.1:%s" % port


def simulator(ctx, sim):
    proc, url = start_sim(sim)
    try:
        with urllib.request.urlopen(url + "/_sim/tdx-root.der") as r:
            test_root = r.read()
        provider = ta.Provider(ctx, "redpill", base_url=url, model="m")
        policy = (ta.Policy(ctx).set_tdx_root(test_root)  # TESTS ONLY
                  .set_require_gpu(False))                # a CPU-only sim
        evidence = ta.Evidence(ctx).set_online(pccs=True, pccs_url=url)
        att = provider.attest(policy, evidence)
        print("simulator attestation: %s" % att.result.verdict.value)
        with provider.chat_stream(ta.chat_body("m", "Say hello.",
                                               stream=True)) as chat:
            print("  answer: ", end="")
            for event in chat:
                print(event.content, end="", flush=True)
            print()
            res = chat.verify(attestation=att.result)
        print("simulator chat: %s" % res.verdict.value)
        # The simulator changes one byte of the next answers.
        req = urllib.request.Request(url + "/_sim/control", method="POST",
                                     data=b'{"tamper_response": true}')
        urllib.request.urlopen(req).read()
        chat = provider.chat_stream(ta.chat_body("m", "Again.", stream=True))
        bad = chat.verify(attestation=att.result)
        print("tampered answer: %s (%s)" % (
            bad.verdict.value, ", ".join(c.name for c in bad.failures)))
        return att.verified and res.verified and not bad.verified
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--sim")
    args = ap.parse_args()
    print("libteeattest %s (%s)" % (ta.library_version(), ta.library_path()))
    with ta.Context() as ctx:
        ok = saved_signature(ctx, args.fixtures)
        ok = near_capture(ctx, args.fixtures) and ok
        if args.sim:
            ok = simulator(ctx, args.sim) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
