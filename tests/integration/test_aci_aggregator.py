# SPDX-License-Identifier: Apache-2.0
"""Integration tests of `teeattest chat --provider aci` behind an ACI
aggregator (teeattest-sim --dialect aci --aci-aggregator): the cited
session fetched, verified and deep-audited, the serving constraints
--aci-verified and --aci-session, refusals reported with their receipt,
and each session fault failing on its named check.

Usage: test_aci_aggregator.py TEEATTEST_EXE SIM_EXE|- [unittest args...]

The simulator's clock (--pki-time) and the verification time (--at) are
fixed: nothing depends on the wall clock.
"""
import base64
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

import runner
from aci_case import checks, failed, run_cli, start_sim

EXE = None
SIM = None
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PKI_TIME = 1796000000
AT = PKI_TIME + 60


def run(*args):
    return run_cli(EXE, *args)






class AggCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        start_sim(cls, SIM, "test-aci-agg-",
                  ["--dialect", "aci", "--aci-aggregator", "--seed", "5",
                   "--no-gpu", "--pki-time", str(PKI_TIME)])

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.control({"reset": True})

    def chat(self, *extra, stream=False):
        self.sim.control({"clear_log": True})
        return run(
            "chat", "--provider", "aci", "--base-url", self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at", AT,
            *(["--stream"] if stream else []), *extra, "hello")

    def chat_json(self, *extra, stream=False):
        rc, out, err = self.chat("--json", *extra, stream=stream)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return rc, json.loads(out)

    def requests(self):
        return self.sim.log()["requests"]

    def session_id(self):
        rc, doc = self.chat_json("--aci-verified")
        self.assertEqual(rc, EXIT_VERIFIED, failed(doc))
        return doc["facts"]["aci.receipt.session_id"]


class TestAciAggregatorChat(AggCase):
    def test_verified_with_deep_audit(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                rc, doc = self.chat_json("--aci-verified", stream=stream)
                self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
                c = checks(doc)
                for name in ("aci.receipt.signature", "aci.receipt.upstream",
                             "aci.receipt.session_window", "aci.session.id",
                             "aci.session.evidence"):
                    self.assertEqual(c[name]["outcome"], "pass", c[name])
                self.assertIn("required: true",
                              c["aci.receipt.upstream"]["detail"])
                # an aggregator: judged by its record, never by construction
                self.assertEqual(
                    doc["attestation"]["facts"]["aci.serving"], "aggregator")
                self.assertNotIn("aci.receipt.serving", doc["facts"])
                self.assertNotIn("construction",
                                 c["aci.receipt.upstream"]["detail"])
                # the constraints are consumed: reported as a rewrite
                self.assertEqual(c["aci.receipt.rewrite"]["outcome"], "warn")
                s = doc["session"]
                self.assertEqual((s["verdict"], failed(s)), ("verified", []))
                sc = checks(s)
                self.assertEqual(sc["aci.session.deep_audit"]["outcome"],
                                 "pass")
                self.assertEqual(
                    sc["aci.session.deep_audit_binding"]["outcome"], "pass")
                self.assertEqual(
                    sc["aci.session.audit.entry[0].tdx.quote.signature"]
                    ["outcome"], "pass")
                # freshness of the aggregator's own challenge: a warn
                self.assertEqual(
                    sc["aci.session.audit.report.freshness"]["outcome"],
                    "warn")
                self.assertEqual(sc["aci.session.audit.aci.nonce"]["outcome"],
                                 "warn")
                f = s["facts"]
                self.assertEqual(f["aci.session.audit.aci.keyset_digest"],
                                 doc["attestation"]["facts"]
                                 ["aci.keyset_digest"])
                # the claims stay the aggregator's statements, apart
                self.assertEqual(
                    f["unverified.aci.session.claim.tee_attested.source"],
                    "hardware_proven")
                self.assertNotIn("aci.session.claim.tee_attested", f)
                sid = doc["facts"]["aci.receipt.session_id"]
                paths = [e["path"] for e in self.requests()]
                self.assertIn("/v1/aci/sessions/" + sid, paths)
                body = [e for e in self.requests()
                        if e["path"] == "/v1/chat/completions"]
                self.assertEqual(len(body), 1)

    def test_unconstrained_chat_audits_the_cited_session(self):
        rc, doc = self.chat_json()
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
        self.assertIn("required: false",
                      checks(doc)["aci.receipt.upstream"]["detail"])
        self.assertEqual(checks(doc)["aci.receipt.rewrite"]["outcome"],
                         "pass")
        self.assertEqual(doc["session"]["verdict"], "verified")

    def test_text_output(self):
        rc, out, err = self.chat("--aci-verified")
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("PASS  aci.session.deep_audit ", out)
        self.assertIn("simulated answer", out)
        self.assertTrue(out.rstrip().endswith("verdict: verified"))

    def test_pinned_session_honoured(self):
        sid = self.session_id()
        rc, doc = self.chat_json("--aci-session", sid)
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
        c = checks(doc)
        self.assertEqual(c["aci.receipt.session_pinned"]["outcome"], "pass")
        self.assertEqual(doc["facts"]["aci.receipt.session_id"], sid)

    def test_other_pinned_session_refused(self):
        other = "ab" * 32
        rc, doc = self.chat_json("--aci-session", other)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(doc["refusal"], "session_not_accepted")
        c = checks(doc)
        # the refusal receipt itself verifies over the exact bytes
        for name in ("aci.receipt.signature", "aci.receipt.keyset_digest",
                     "aci.receipt.request_hash", "aci.receipt.response_hash"):
            self.assertEqual(c[name]["outcome"], "pass", c[name])
        self.assertEqual(failed(doc), ["aci.receipt.session_pinned",
                                       "aci.receipt.upstream"])
        self.assertNotIn("session", doc)

    def test_refusal_text(self):
        rc, out, err = self.chat("--aci-session", "cd" * 32)
        self.assertEqual(rc, EXIT_FAILED, err)
        self.assertIn("refused: session_not_accepted", out)
        self.assertNotIn("simulated answer", out)
        self.assertTrue(out.rstrip().endswith("verdict: FAILED"))

    def test_upstream_failure_refused_when_required(self):
        self.sim.control({"reset": True, "aci_upstream_failed": True})
        rc, doc = self.chat_json("--aci-verified")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(doc["refusal"], "upstream_verification_failed")
        self.assertEqual(failed(doc), ["aci.receipt.upstream"])
        self.assertEqual(checks(doc)["aci.receipt.signature"]["outcome"],
                         "pass")

    def test_unverified_serving_is_a_warn_unless_required(self):
        self.sim.control({"reset": True, "aci_upstream_failed": True})
        rc, doc = self.chat_json()
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
        self.assertEqual(checks(doc)["aci.receipt.upstream"]["outcome"],
                         "warn")

    def fault(self, name, want, want_session):
        self.sim.control({"reset": True, name: True})
        rc, doc = self.chat_json("--aci-verified")
        self.assertEqual(rc, EXIT_FAILED, name)
        self.assertEqual(failed(doc), want, name)
        self.assertEqual(failed(doc["session"]), want_session, name)
        return doc

    def test_bad_session_fails_evidence(self):
        doc = self.fault("aci_bad_session", ["aci.session.evidence"],
                         ["aci.session.deep_audit",
                          "aci.session.deep_audit_binding",
                          "aci.session.evidence"])
        self.assertIn("not evidence.digest",
                      checks(doc)["aci.session.evidence"]["detail"])

    def test_session_other_fails_its_id(self):
        self.fault("aci_session_other", ["aci.receipt.session_window",
                                         "aci.session.id"],
                   ["aci.session.id"])

    def test_expired_session_fails_the_window(self):
        doc = self.fault("aci_session_expired",
                         ["aci.receipt.session_window"], [])
        self.assertIn("outside",
                      checks(doc)["aci.receipt.session_window"]["detail"])


class TestAciAggregatorBundle(AggCase):
    """chat --save FILE behind the aggregator: the cited session is saved
    as fetched and `teeattest verify FILE` re-verifies the receipt, the
    session and its deep audit offline; then attacks on the saved
    bundle, each failing on its named check."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.n = 0
        cls.sim.control({"reset": True})
        cls.online, cls.path = cls.save("--aci-verified")
        # a second session document (another variant, another id)
        cls.sim.control({"reset": True, "aci_session_expired": True})
        _, cls.path_expired = cls.save("--aci-verified", rc=EXIT_FAILED)
        cls.sim.control({"reset": True})

    @classmethod
    def save(cls, *extra, rc=EXIT_VERIFIED, save_to=None):
        cls.n += 1
        path = save_to or os.path.join(cls.sim.dir.name,
                                       "agg-bundle-%d.json" % cls.n)
        got, out, err = run(
            "chat", "--provider", "aci", "--base-url", cls.https,
            "--ca-file", cls.sim.cert, "--model", "m", "--pccs",
            cls.sim.http_url, "--test-root", cls.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at", AT, "--json",
            "--save", path, *extra, "hello")
        if got != rc:
            raise AssertionError("chat --save: %d %s %s" % (got, out, err))
        return json.loads(out), path

    def load(self, path=None):
        with open(path or self.path) as f:
            return json.load(f)

    def verify(self, doc_or_path, *extra):
        path = doc_or_path
        if not isinstance(doc_or_path, str):
            type(self).n += 1
            path = os.path.join(self.sim.dir.name, "agg-edit-%d.json" %
                                self.n)
            with open(path, "w") as f:
                json.dump(doc_or_path, f)
        rc, out, err = run("verify", path, "--test-root", self.root,
                           "--no-gpu", "--json", *extra)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), out + err)
        return rc, json.loads(out)

    def verify_failed(self, doc):
        rc, res = self.verify(doc)
        self.assertEqual(rc, EXIT_FAILED)
        return failed(res)

    def session_doc(self, b):
        return json.loads(b["aci"]["sessions"][0])

    def test_saves_the_cited_session_as_fetched(self):
        b = self.load()
        self.assertEqual(b["version"], 2)
        self.assertEqual(len(b["aci"]["sessions"]), 1)
        sid = self.online["facts"]["aci.receipt.session_id"]
        with urllib.request.urlopen(self.sim.http_url + "/v1/aci/sessions/" +
                                    sid, timeout=60) as r:
            served = r.read().decode()
        self.assertEqual(b["aci"]["sessions"][0], served)  # exact bytes

    def test_reverifies_offline_with_the_deep_audit(self):
        rc, res = self.verify(self.path)
        self.assertEqual((rc, failed(res)), (EXIT_VERIFIED, []))
        got = {c["name"]: c["outcome"] for c in res["checks"]}
        # the online checklist: report, receipt (with the session), the
        # session's audit, plus bundle.sessions
        want = {c["name"]: c["outcome"]
                for c in self.online["attestation"]["checks"]}
        want.update({c["name"]: c["outcome"]
                     for c in self.online["checks"]})
        want.update({c["name"]: c["outcome"]
                     for c in self.online["session"]["checks"]})
        want["bundle.sessions"] = "pass"
        self.assertEqual(got, want)
        for name in ("aci.receipt.upstream", "aci.receipt.session_window",
                     "aci.session.id", "aci.session.evidence",
                     "aci.session.deep_audit",
                     "aci.session.deep_audit_binding",
                     "aci.session.audit.entry[0].tdx.quote.signature"):
            self.assertEqual(got[name], "pass", name)
        self.assertEqual(
            res["facts"]["aci.session.audit.aci.keyset_digest"],
            self.online["session"]["facts"][
                "aci.session.audit.aci.keyset_digest"])
        rc, out, err = run("verify", self.path, "--test-root", self.root,
                           "--no-gpu")
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("1 receipt, 1 session", out)

    def test_unconstrained_chat_saves_its_session(self):
        online, path = self.save()
        b = self.load(path)
        self.assertEqual(len(b["aci"]["sessions"]), 1)
        rc, res = self.verify(path)
        self.assertEqual((rc, failed(res)), (EXIT_VERIFIED, []))
        # nothing asked for verified serving: dropping the session still
        # fails, as a cited session not served fails online
        b["aci"]["sessions"] = []
        self.assertEqual(self.verify_failed(b), ["bundle.sessions"])

    def test_session_dropped(self):
        b = self.load()
        b["aci"]["sessions"] = []
        # the request asked for verified serving: the window is required
        self.assertEqual(self.verify_failed(b),
                         ["aci.receipt.session_window", "bundle.sessions"])

    def test_session_duplicated(self):
        b = self.load()
        b["aci"]["sessions"] *= 2
        self.assertEqual(self.verify_failed(b), ["bundle.sessions"])

    def test_session_evidence_byte_edited(self):
        b = self.load()
        s = self.session_doc(b)
        head, data = s["evidence"]["data"].split(",", 1)
        ev = bytearray(base64.b64decode(data))
        ev[len(ev) // 2] ^= 0x01
        s["evidence"]["data"] = head + "," + base64.b64encode(ev).decode()
        b["aci"]["sessions"] = [json.dumps(s)]
        # the session's id is the hash of all of it: no longer the cited one
        self.assertEqual(self.verify_failed(b),
                         ["aci.receipt.session_window", "bundle.sessions"])

    def test_session_window_edited(self):
        b = self.load()
        s = self.session_doc(b)
        s["expires_at"] += 86400
        b["aci"]["sessions"] = [json.dumps(s)]
        self.assertEqual(self.verify_failed(b),
                         ["aci.receipt.session_window", "bundle.sessions"])

    def test_session_in_another_encoding(self):
        # a session is identified by its JCS form: any encoding verifies
        b = self.load()
        b["aci"]["sessions"] = [json.dumps(self.session_doc(b), indent=1)]
        rc, res = self.verify(b)
        self.assertEqual((rc, failed(res)), (EXIT_VERIFIED, []))

    def test_session_swapped_for_another(self):
        b = self.load()
        other = self.load(self.path_expired)["aci"]["sessions"]
        self.assertNotEqual(other, b["aci"]["sessions"])
        b["aci"]["sessions"] = other
        self.assertEqual(self.verify_failed(b),
                         ["aci.receipt.session_window", "bundle.sessions"])
        # beside the cited one, an uncited session fails too
        b["aci"]["sessions"] = self.load()["aci"]["sessions"] + other
        self.assertEqual(self.verify_failed(b), ["bundle.sessions"])

    def test_expired_session_fails_offline_too(self):
        rc, res = self.verify(self.path_expired)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(failed(res), ["aci.receipt.session_window"])

    def test_receipt_citing_another_session(self):
        self.sim.control({"reset": True, "aci_session_other": True})
        online, path = self.save("--aci-verified", rc=EXIT_FAILED)
        self.assertEqual(failed(online), ["aci.receipt.session_window",
                                          "aci.session.id"])
        # saved as fetched: the document served under the cited id is
        # not the cited session
        self.assertEqual(self.verify_failed(path),
                         ["aci.receipt.session_window", "bundle.sessions"])

    def test_bad_session_evidence_fails_offline(self):
        self.sim.control({"reset": True, "aci_bad_session": True})
        online, path = self.save("--aci-verified", rc=EXIT_FAILED)
        rc, res = self.verify(path)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(failed(res), failed(online["session"]))

    def test_constraints_read_from_the_exact_request(self):
        # the request's "provider" constraints, bound by the receipt's
        # request hash, hold the receipt as chat held it online: removing
        # them from the saved request breaks the hash
        b = self.load()
        req = json.loads(base64.b64decode(b["exchange"]["request"]))
        self.assertEqual(req["provider"], {"aci_verified": True})
        del req["provider"]
        b["exchange"]["request"] = base64.b64encode(
            json.dumps(req).encode()).decode()
        self.assertIn("aci.receipt.request_hash", self.verify_failed(b))

    def exchange_bundle(self, raw):
        """The saved bundle with its exchange replaced by `raw` sent to the
        aggregator as is, the answer, its receipt and cited session."""
        req = urllib.request.Request(
            self.sim.http_url + "/v1/chat/completions", method="POST",
            data=raw, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            resp, rid = r.read(), r.headers["X-Receipt-Id"]
        with urllib.request.urlopen(self.sim.http_url + "/v1/aci/receipts/" +
                                    rid, timeout=60) as r:
            receipt = r.read().decode()
        up = [e for e in json.loads(receipt)["event_log"]
              if e["type"] == "upstream.verified"][0]
        with urllib.request.urlopen(self.sim.http_url + "/v1/aci/sessions/" +
                                    up["session_id"], timeout=60) as r:
            session = r.read().decode()
        b = self.load()
        b["exchange"] = {"request": base64.b64encode(raw).decode(),
                         "response": base64.b64encode(resp).decode()}
        b["aci"] = {"receipts": [receipt], "sessions": [session]}
        return b, up

    def test_request_constraints_read_fail_closed(self):
        # the same request without constraints verifies
        plain = (b'{"model":"m","messages":[{"role":"user",'
                 b'"content":"hello"}]}')
        b, up = self.exchange_bundle(plain)
        self.assertFalse(up["required"])
        rc, res = self.verify(b)
        self.assertEqual((rc, failed(res)), (EXIT_VERIFIED, []))
        # "provider" twice: the service took the last (not required); the
        # bundle cannot tell which was meant and requires verified serving
        dup = (b'{"model":"m","messages":[{"role":"user","content":'
               b'"hello"}],"provider":{"aci_verified":true},'
               b'"provider":{"aci_verified":false}}')
        b, up = self.exchange_bundle(dup)
        self.assertFalse(up["required"])
        self.assertEqual(self.verify_failed(b), ["aci.receipt.upstream"])

    def test_pinned_session_saved_and_checked(self):
        sid = self.online["facts"]["aci.receipt.session_id"]
        online, path = self.save("--aci-session", sid)
        rc, res = self.verify(path)
        self.assertEqual((rc, failed(res)), (EXIT_VERIFIED, []))
        c = checks(res)
        self.assertEqual(c["aci.receipt.session_pinned"]["outcome"], "pass")

    def test_refusal_saved_fails_offline(self):
        # a refusal is saved (its receipt is the signed record of it);
        # verify fails it on the same checks as the online chat
        online, path = self.save("--aci-session", "ab" * 32, rc=EXIT_FAILED)
        self.assertEqual(online["refusal"], "session_not_accepted")
        b = self.load(path)
        self.assertEqual(b["aci"]["sessions"], [])
        rc, res = self.verify(path)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(failed(res), failed(online))
        self.assertEqual(failed(res), ["aci.receipt.session_pinned",
                                       "aci.receipt.upstream"])

    def test_upstream_failure_refusal_saved_fails_offline(self):
        self.sim.control({"reset": True, "aci_upstream_failed": True})
        online, path = self.save("--aci-verified", rc=EXIT_FAILED)
        self.assertEqual(online["refusal"], "upstream_verification_failed")
        self.assertEqual(self.verify_failed(path), ["aci.receipt.upstream"])

    def test_save_dir_writes_the_session(self):
        d = os.path.join(self.sim.dir.name, "agg-dir-%d" % os.getpid())
        os.mkdir(d)
        online, _ = self.save("--aci-verified", save_to=d + "/")
        with open(os.path.join(d, "session.json"), "rb") as f:
            sess = f.read()
        rc, out, err = run(
            "aci", "verify-receipt", "--receipt",
            os.path.join(d, "receipt.json"), "--keyset",
            os.path.join(d, "keyset.json"), "--request",
            os.path.join(d, "request_body.json"), "--response",
            os.path.join(d, "response_body.json"), "--session",
            os.path.join(d, "session.json"), "--require-verified")
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertEqual(json.loads(sess)["api_version"], "aci/1")


class TestAciAggregatorSim(AggCase):
    """The simulator's side of spec 5.3 and 8.1."""

    def post(self, body):
        req = urllib.request.Request(
            self.sim.http_url + "/v1/chat/completions", method="POST",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read()), r.headers
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read()), e.headers

    def msg(self, provider):
        return {"model": "m", "messages": [{"role": "user", "content": "x"}],
                "provider": provider}

    def test_malformed_constraints_are_invalid_requests(self):
        for prov in ({"aci_verified": "yes"}, {"aci_session_ids": []},
                     {"aci_session_ids": ["AB" * 32]},
                     {"aci_verified": False, "aci_session_ids": ["ab" * 32]},
                     {"aci_other": True}):
            with self.subTest(provider=prov):
                st, doc, hdrs = self.post(self.msg(prov))
                self.assertEqual(st, 400)
                self.assertEqual(doc["error"]["type"],
                                 "invalid_request_error")
                self.assertIsNone(hdrs.get("X-Receipt-Id"))

    def test_unknown_session_is_not_found(self):
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(self.sim.http_url + "/v1/aci/sessions/" +
                                   "00" * 32, timeout=60)
        self.assertEqual(cm.exception.code, 404)

    def test_refusal_carries_a_receipt_without_forwarding(self):
        st, doc, hdrs = self.post(self.msg({"aci_session_ids": ["ef" * 32]}))
        self.assertEqual(st, 412)
        self.assertEqual(doc["error"]["type"], "session_not_accepted")
        rid = hdrs["X-Receipt-Id"]
        with urllib.request.urlopen(self.sim.http_url + "/v1/aci/receipts/" +
                                    rid, timeout=60) as r:
            rc = json.loads(r.read())
        types = [e["type"] for e in rc["event_log"]]
        self.assertNotIn("request.forwarded", types)
        up = [e for e in rc["event_log"] if e["type"] == "upstream.verified"]
        self.assertEqual((up[0]["result"], up[0]["required"]),
                         ("failed", True))



class TestAciAggregatorDirect(unittest.TestCase):
    """Serving constraints sent to a direct service (teeattest-sim
    --dialect aci without --aci-aggregator), spec 5.3: aci_verified is
    satisfied by construction (served; the receipt has no upstream
    event), any aci_session_ids list is refused (412 session_not_accepted
    with its receipt: a direct service has no sessions), malformed
    constraints are a 400. The client holds the receipt to the same rule
    when the report's serving "direct" came over the keyset-bound
    connection (aci.tls), online and offline; an unbound or edited claim
    keeps the aggregator rule."""

    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        start_sim(cls, SIM, "test-aci-direct-",
                  ["--dialect", "aci", "--seed", "5", "--no-gpu",
                   "--pki-time", str(PKI_TIME)])

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    post = TestAciAggregatorSim.post
    msg = TestAciAggregatorSim.msg

    def receipt(self, rid):
        with urllib.request.urlopen(self.sim.http_url + "/v1/aci/receipts/" +
                                    rid, timeout=60) as r:
            return json.loads(r.read())

    def chat(self, *extra):
        rc, out, err = run(
            "chat", "--provider", "aci", "--base-url", self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at", AT, "--json",
            *extra, "hello")
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), out + err)
        return rc, json.loads(out)

    def test_aci_verified_served_by_construction(self):
        st, doc, hdrs = self.post(self.msg({"aci_verified": True}))
        self.assertEqual(st, 200, doc)
        types = [e["type"] for e in
                 self.receipt(hdrs["X-Receipt-Id"])["event_log"]]
        self.assertEqual(types, ["request.received", "request.forwarded",
                                 "response.returned"])

    def test_pinned_sessions_refused(self):
        st, doc, hdrs = self.post(self.msg({"aci_session_ids": ["ab" * 32]}))
        self.assertEqual(st, 412)
        self.assertEqual(doc["error"]["type"], "session_not_accepted")
        types = [e["type"] for e in
                 self.receipt(hdrs["X-Receipt-Id"])["event_log"]]
        self.assertEqual(types, ["request.received", "response.returned"])

    def test_malformed_constraints_are_invalid_requests(self):
        for prov in ({"aci_verified": 1}, {"aci_session_ids": "ab"},
                     {"aci_other": True}):
            with self.subTest(provider=prov):
                st, doc, hdrs = self.post(self.msg(prov))
                self.assertEqual((st, doc["error"]["type"]),
                                 (400, "invalid_request_error"))
                self.assertIsNone(hdrs.get("X-Receipt-Id"))

    def test_unconstrained_chat_verifies(self):
        rc, doc = self.chat()
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))

    def test_chat_pinned_session_refused(self):
        # spec 5.3: a direct service has no sessions and refuses any list;
        # the receipt cites none, so the pin fails (aci_verified itself is
        # satisfied by construction)
        path = os.path.join(self.sim.dir.name, "direct-refusal.json")
        rc, doc = self.chat("--aci-session", "ab" * 32, "--save", path)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(doc["refusal"], "session_not_accepted")
        self.assertEqual(checks(doc)["aci.receipt.signature"]["outcome"],
                         "pass")
        self.assertEqual(failed(doc), ["aci.receipt.session_pinned"])
        self.assertIn("a direct service has none",
                      checks(doc)["aci.receipt.session_pinned"]["detail"])
        # the saved refusal fails offline on the same checks
        rc, out, err = run("verify", path, "--test-root", self.root,
                           "--no-gpu", "--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        self.assertEqual(failed(json.loads(out)), failed(doc))

    def verify_saved(self, doc_or_path):
        """(exit code, result or None) of `teeattest verify` of a saved
        bundle (a path, or a document written to a file first)."""
        path = doc_or_path
        if not isinstance(path, str):
            path = os.path.join(self.sim.dir.name, "direct-edit.json")
            with open(path, "w") as f:
                f.write(doc_or_path if isinstance(doc_or_path, str)
                        else json.dumps(doc_or_path))
        rc, out, err = run("verify", path, "--test-root", self.root,
                           "--no-gpu", "--json")
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE), err)
        return rc, (json.loads(out) if rc != EXIT_USAGE else None)

    def save_verified(self, name, *extra):
        path = os.path.join(self.sim.dir.name, name)
        rc, doc = self.chat("--aci-verified", "--save", path, *extra)
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
        return doc, path

    def test_chat_aci_verified_by_construction(self):
        # spec 5.3: aci_verified is satisfied by construction by a direct
        # service; its report's serving "direct" came over the connection
        # whose key the attested keyset lists (aci.tls), so the receipt
        # needs no upstream record. Offline the bundle agrees.
        for stream in (False, True):
            with self.subTest(stream=stream):
                doc, path = self.save_verified(
                    "direct-verified-%d.json" % stream,
                    *(["--stream"] if stream else []))
                c = checks(doc)["aci.receipt.upstream"]
                self.assertEqual((c["outcome"], c["required"], c["detail"]),
                                 ("pass", True, "direct service: aci_verified "
                                  "satisfied by construction (spec 5.3)"))
                self.assertEqual(doc["facts"]["aci.receipt.serving"],
                                 "direct")
                att = doc["attestation"]["facts"]
                self.assertEqual((att["aci.serving"],
                                  att["aci.serving_bound"]),
                                 ("direct", True))
                self.assertNotIn("aci.receipt.session_id", doc["facts"])
                rc, off = self.verify_saved(path)
                self.assertEqual((rc, failed(off)), (EXIT_VERIFIED, []))
                self.assertEqual(checks(off)["aci.receipt.upstream"],
                                 checks(doc)["aci.receipt.upstream"])
                self.assertEqual(off["facts"]["aci.receipt.serving"],
                                 "direct")

    def test_verify_receipt_keeps_the_keyset_rule(self):
        # teeattest aci verify-receipt has a keyset only: no serving mode
        # is established, so --require-verified keeps asking for a record
        d = os.path.join(self.sim.dir.name, "direct-dir") + "/"
        rc, doc = self.chat("--aci-verified", "--save", d)
        self.assertEqual(rc, EXIT_VERIFIED, failed(doc))
        rc, out, err = run(
            "aci", "verify-receipt", "--receipt", d + "receipt.json",
            "--keyset", d + "keyset.json", "--request",
            d + "request_body.json", "--response", d + "response_body.json", "--require-verified",
            "--json")
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertEqual(failed(json.loads(out)), ["aci.receipt.upstream"])

    def test_chat_over_an_unbound_channel_does_not_relax(self):
        # over plain HTTP no connection key binds the report to the
        # keyset (aci.tls skipped): its "direct" is the service's unbound
        # claim and verified serving keeps failing, saying so
        rc, out, err = run(
            "chat", "--provider", "aci", "--base-url", self.sim.http_url,
            "--model", "m", "--pccs", self.sim.http_url, "--test-root",
            self.root, "--no-gpu", "--gpu-online", "none", "--timeout", "30",
            "--at", AT, "--json", "--aci-verified", "hello")
        self.assertEqual(rc, EXIT_FAILED, out + err)
        doc = json.loads(out)
        self.assertEqual(failed(doc), ["aci.receipt.upstream"])
        self.assertIn("over no channel the attested keyset binds",
                      checks(doc)["aci.receipt.upstream"]["detail"])
        self.assertNotIn("aci.receipt.serving", doc["facts"])
        att = doc["attestation"]
        self.assertEqual(checks(att)["aci.tls"]["outcome"], "skip")
        self.assertEqual((att["facts"]["aci.serving"],
                          att["facts"]["aci.serving_bound"]),
                         ("direct", False))

    def test_saved_serving_claim_edited(self):
        # service_capabilities is outside what the quote binds: an edited
        # serving still verifies as a report, and only the exact "direct"
        # over the bound channel relaxes the receipt's upstream rule.
        # Every other value (an aggregator's, unknown values, case and
        # whitespace variants, other types, absent) keeps today's rule.
        _, path = self.save_verified("direct-edits.json")
        with open(path) as f:
            text = f.read()
        base = json.loads(text)
        variants = ["aggregator", "upstream", "Direct", "DIRECT", " direct",
                    "direct ", "direct\n", "direct\u0000", "dire\u0441t", "",
                    1, True, None, ["direct"], {"serving": "direct"}]
        for value in variants + ["(absent)", "(no capabilities)"]:
            with self.subTest(serving=value):
                b = json.loads(text)
                caps = b["report"]["service_capabilities"]
                if value == "(absent)":
                    del caps["serving"]
                elif value == "(no capabilities)":
                    del b["report"]["service_capabilities"]
                else:
                    caps["serving"] = value
                rc, doc = self.verify_saved(b)
                if value == "direct\u0000":  # JSON with NUL: refused
                    self.assertEqual(rc, EXIT_USAGE)
                    continue
                self.assertEqual(rc, EXIT_FAILED)
                self.assertEqual(failed(doc), ["aci.receipt.upstream"])
                # a failed verdict reports its facts as unverified.*
                self.assertEqual(doc["facts"]["unverified.aci.serving"],
                                 "aggregator")
        # "direct" in places that are not service_capabilities.serving
        for where in (("attestation",), ("attestation", "evidence"), ()):
            with self.subTest(where=where):
                b = json.loads(text)
                b["report"]["service_capabilities"]["serving"] = "aggregator"
                o = b["report"]
                for k in where:
                    o = o[k]
                o["serving"] = "direct"
                rc, doc = self.verify_saved(b)
                self.assertEqual(rc, EXIT_FAILED)
                self.assertEqual(failed(doc), ["aci.receipt.upstream"])
        # the member twice, either order: the report is refused
        for dup in ('"serving":"aggregator","serving":"direct"',
                    '"serving":"direct","serving":"aggregator"'):
            with self.subTest(duplicate=dup):
                self.assertEqual(text.count('"serving":"direct"'), 1)
                rc, doc = self.verify_saved(
                    text.replace('"serving":"direct"', dup))
                self.assertEqual(rc, EXIT_USAGE)
        # without the recorded connection key the claim is unbound
        b = json.loads(text)
        del b["tls_spki"]
        rc, doc = self.verify_saved(b)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(failed(doc), ["aci.receipt.upstream"])
        self.assertIn("over no channel the attested keyset binds",
                      checks(doc)["aci.receipt.upstream"]["detail"])
        # and the untouched bundle still verifies
        rc, doc = self.verify_saved(base)
        self.assertEqual(rc, EXIT_VERIFIED)

if __name__ == "__main__":
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
