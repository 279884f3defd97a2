#!/usr/bin/env python3
"""Writes the TEST Sigstore bundles of tests/data/tinfoil-hardware (README.md).

Everything here is signed under a TEST trust root this script makes up
(test_trusted_root.json: a Fulcio-like CA, a Rekor-like log key and a CT
log key whose SCT each signing certificate embeds); it anchors nothing but
these files. The statements have the shape
Tinfoil's hardware-measurements releases have (in-toto Statement v1,
predicate https://tinfoil.sh/predicate/hardware-measurements/v1: an object
mapping a platform id to {mrtd, rtmr0, ...}); the values are described in
README.md. Run it again only to replace every file at once (new keys).

SPDX-License-Identifier: Apache-2.0
"""
import base64
import datetime
import hashlib
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
ISSUER = "https://token.actions.githubusercontent.com"
HW_PRED = "https://tinfoil.sh/predicate/hardware-measurements/v1"
MP_PRED = "https://tinfoil.sh/predicate/snp-tdx-multiplatform/v1"
PT = "application/vnd.in-toto+json"
# Logged on 2026-06-20T00:00:00Z, before the capture of
# ../shared/fixtures/providers/tinfoil_v3_direct (2026-06-29).
T = 1781913600

# The capture's quote (tinfoil_v3_direct): MRTD and RTMR0.
Q_MRTD = ("7357a10d2e2724dffe68813e3cc4cfcde6814d749f2fb62e3953e54f6e0b50a2"
          "19786afe2cd478f684b52c61837e1114")
Q_RTMR0 = ("67dddcfc052d86247f797ab11f58c6552f8073e8375121b777fb79f4cdddae19"
           "6381f8b76d40ea1343c99063a9366591")
# Platform hw1 of the real hardware-measurements release whose
# tinfoil.hash is fe03832f...a9bc, as tinfoilsh/verifier's tests state it:
# the same MRTD as the capture, another RTMR0.
HW1_RTMR0 = ("5c70e5e513f82d930e4740228a51a96fb981dd8e63a583aae5d71c84caaa06c1"
             "241c4eaf46faab066d0120e44bf5a1e1")
OTHER = "ab" * 48  # made up: no platform's


def b64(b):
    return base64.b64encode(b).decode()


def key():
    return ec.generate_private_key(ec.SECP256R1())


def when(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


def utf8_ext(v):
    b = v.encode()
    assert len(b) < 128
    return bytes([0x0C, len(b)]) + b


def fulcio_oid(arc):
    return x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.%d" % arc)


CA_NAME = x509.Name([
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "teeattest TEST"),
    x509.NameAttribute(NameOID.COMMON_NAME,
                       "teeattest TEST Fulcio (not Sigstore)")])


def make_ca(k):
    return (x509.CertificateBuilder().subject_name(CA_NAME)
            .issuer_name(CA_NAME).public_key(k.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(when(1577836800))
            .not_valid_after(when(2524607999))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), True)
            .add_extension(x509.KeyUsage(False, False, False, False, False,
                                         True, False, False, False), True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                k.public_key()), False)
            .sign(k, hashes.SHA256()))


def sct_list(ct_k, ct_id, ca_k, tbs):
    """An RFC 6962 SCT list (extension value) over the precertificate
    entry: the TBSCertificate without the SCT extension, the issuer's key
    hash."""
    ts = (T - 30) * 1000
    issuer_hash = hashlib.sha256(ca_k.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)).digest()
    signed = (bytes([0, 0]) + ts.to_bytes(8, "big") + (1).to_bytes(2, "big")
              + issuer_hash + len(tbs).to_bytes(3, "big") + tbs
              + (0).to_bytes(2, "big"))
    sig = ct_k.sign(signed, ec.ECDSA(hashes.SHA256()))
    sct = (bytes([0]) + ct_id + ts.to_bytes(8, "big") + (0).to_bytes(2, "big")
           + bytes([4, 3]) + len(sig).to_bytes(2, "big") + sig)
    lst = len(sct).to_bytes(2, "big") + sct
    lst = len(lst).to_bytes(2, "big") + lst
    assert len(lst) < 128
    return bytes([0x04, len(lst)]) + lst


def make_leaf(k, ca, ca_k, repo, ct_k, ct_id, tag="v0.0.35"):
    ident = ("https://github.com/%s/.github/workflows/build.yml@refs/tags/%s"
             % (repo, tag))
    b = (x509.CertificateBuilder().subject_name(x509.Name([]))
         .issuer_name(ca.subject).public_key(k.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(when(T - 60)).not_valid_after(when(T + 540))
         .add_extension(x509.KeyUsage(True, False, False, False, False, False,
                                      False, False, False), True)
         .add_extension(x509.ExtendedKeyUsage(
             [ExtendedKeyUsageOID.CODE_SIGNING]), False)
         .add_extension(x509.SubjectAlternativeName(
             [x509.UniformResourceIdentifier(ident)]), True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
             ca_k.public_key()), False))
    for arc, v in ((8, ISSUER), (9, ident), (12, "https://github.com/" + repo),
                   (14, "refs/tags/" + tag)):
        b = b.add_extension(x509.UnrecognizedExtension(fulcio_oid(arc),
                                                       utf8_ext(v)), False)
    # The precertificate TBS is this certificate's without the SCT list:
    # the SCT extension comes last, so removing it gives these bytes.
    tbs = b.sign(ca_k, hashes.SHA256()).tbs_certificate_bytes
    b = b.add_extension(x509.UnrecognizedExtension(
        x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"),
        sct_list(ct_k, ct_id, ca_k, tbs)), False)
    return b.sign(ca_k, hashes.SHA256())


def statement(name, pred_type, predicate_json, digest=None):
    """The statement as bytes; predicate_json is raw JSON text (so that a
    duplicate member can be written)."""
    d = digest or hashlib.sha256(predicate_json.encode()).hexdigest()
    return ('{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":'
            '"%s","digest":{"sha256":"%s"}}],"predicateType":"%s",'
            '"predicate":%s}' % (name, d, pred_type, predicate_json)).encode()


def bundle(stmt, leaf_k, leaf_cert, log_k, log_id, index):
    pae = b"DSSEv1 %d %s %d " % (len(PT), PT.encode(), len(stmt)) + stmt
    sig = leaf_k.sign(pae, ec.ECDSA(hashes.SHA256()))
    pem = leaf_cert.public_bytes(serialization.Encoding.PEM)
    body = json.dumps({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
        "payloadHash": {"algorithm": "sha256",
                        "value": hashlib.sha256(stmt).hexdigest()},
        "signatures": [{"signature": b64(sig), "verifier": b64(pem)}]}},
        separators=(",", ":"))
    body64 = b64(body.encode())
    canon = ('{"body":"%s","integratedTime":%d,"logID":"%s","logIndex":%d}'
             % (body64, T, log_id.hex(), index))
    setsig = log_k.sign(canon.encode(), ec.ECDSA(hashes.SHA256()))
    # A log of two entries, ours the second (index 1): an inclusion proof
    # of one hash and a checkpoint (signed note) over the root.
    leaf = hashlib.sha256(b"\x00" + body.encode()).digest()
    other = hashlib.sha256(b"\x00" + b"another entry").digest()
    root_hash = hashlib.sha256(b"\x01" + other + leaf).digest()
    note = "rekor.teeattest-test.invalid - 1\n2\n%s\n" % b64(root_hash)
    nsig = log_k.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
    checkpoint = (note + "\n\u2014 rekor.teeattest-test.invalid %s\n"
                  % b64(log_id[:4] + nsig))
    return {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(leaf_cert.public_bytes(
                serialization.Encoding.DER))},
            "tlogEntries": [{
                "logIndex": str(index), "logId": {"keyId": b64(log_id)},
                "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                "integratedTime": str(T),
                "inclusionPromise": {"signedEntryTimestamp": b64(setsig)},
                "inclusionProof": {
                    "logIndex": "1", "rootHash": b64(root_hash),
                    "treeSize": "2", "hashes": [b64(other)],
                    "checkpoint": {"envelope": checkpoint}},
                "canonicalizedBody": body64}]},
        "dsseEnvelope": {"payload": b64(stmt), "payloadType": PT,
                         "signatures": [{"sig": b64(sig)}]}}


def platforms(entries):
    return json.dumps({k: {"mrtd": m, "rtmr0": r} for k, m, r in entries},
                      indent=2, sort_keys=True) + "\n"


def main():
    ca_k, log_k, ct_k = key(), key(), key()
    ca = make_ca(ca_k)
    log_spki = log_k.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    log_id = hashlib.sha256(log_spki).digest()
    ct_spki = ct_k.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    ct_id = hashlib.sha256(ct_spki).digest()
    root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;"
                     "version=0.1",
        "tlogs": [{"baseUrl": "https://rekor.teeattest-test.invalid",
                   "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": b64(log_spki),
                                 "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                 "validFor": {"start": "2020-01-01T00:00:00Z"}},
                   "logId": {"keyId": b64(log_id)}}],
        "certificateAuthorities": [{
            "subject": {"organization": "teeattest TEST",
                        "commonName": "teeattest TEST Fulcio (not Sigstore)"},
            "uri": "https://fulcio.teeattest-test.invalid",
            "certChain": {"certificates": [{"rawBytes": b64(
                ca.public_bytes(serialization.Encoding.DER))}]},
            "validFor": {"start": "2020-01-01T00:00:00Z"}}],
        "ctlogs": [{"baseUrl": "https://ctfe.teeattest-test.invalid",
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": b64(ct_spki),
                                  "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                  "validFor": {"start":
                                               "2020-01-01T00:00:00Z"}},
                    "logId": {"keyId": b64(ct_id)}}],
        "timestampAuthorities": []}
    hw_k, other_k = key(), key()
    hw = make_leaf(hw_k, ca, ca_k, "tinfoilsh/hardware-measurements",
                   ct_k, ct_id)
    other = make_leaf(other_k, ca, ca_k, "attacker/hardware-measurements",
                      ct_k, ct_id)

    match = platforms([("hw1", Q_MRTD, HW1_RTMR0),
                       ("capture_platform", Q_MRTD, Q_RTMR0),
                       ("other_mrtd", OTHER, Q_RTMR0)])
    nomatch = platforms([("hw1", Q_MRTD, HW1_RTMR0),
                         ("other_mrtd", OTHER, Q_RTMR0)])
    dup = ('{"capture_platform":{"mrtd":"%s","rtmr0":"%s"},'
           '"capture_platform":{"mrtd":"%s","rtmr0":"%s"}}'
           % (OTHER, OTHER, Q_MRTD, Q_RTMR0))
    short = '{"capture_platform":{"mrtd":"%s","rtmr0":"%s"}}' % (
        Q_MRTD[:94], Q_RTMR0)
    mp = json.dumps({"snp_measurement": OTHER, "tdx_measurement": {
        "rtmr1": Q_MRTD, "rtmr2": Q_RTMR0}})
    name = "hardware-measurements.json"
    out = {
        "hw-match": bundle(statement(name, HW_PRED, match), hw_k, hw, log_k,
                           log_id, 1),
        "hw-nomatch": bundle(statement(name, HW_PRED, nomatch), hw_k, hw,
                             log_k, log_id, 2),
        "hw-other-repo": bundle(statement(name, HW_PRED, match), other_k,
                                other, log_k, log_id, 3),
        "hw-duplicate": bundle(statement(name, HW_PRED, dup), hw_k, hw,
                               log_k, log_id, 4),
        "hw-short": bundle(statement(name, HW_PRED, short), hw_k, hw, log_k,
                           log_id, 5),
        "hw-enclave-type": bundle(statement("tinfoil-deployment.json",
                                            MP_PRED, mp), hw_k, hw, log_k,
                                  log_id, 6),
    }
    # The signed statement of hw-nomatch edited after signing: its platform
    # other_mrtd given the quote's MRTD, so that it would match.
    edited = json.loads(json.dumps(out["hw-nomatch"]))
    stmt = base64.b64decode(edited["dsseEnvelope"]["payload"]).decode()
    assert stmt.count(OTHER) == 1
    edited["dsseEnvelope"]["payload"] = b64(stmt.replace(OTHER,
                                                         Q_MRTD).encode())
    out["hw-edited"] = edited
    with open(os.path.join(HERE, "test_trusted_root.json"), "w") as f:
        json.dump(root, f, indent=2)
        f.write("\n")
    for k, v in out.items():
        with open(os.path.join(HERE, k + ".sigstore.json"), "w") as f:
            json.dump(v, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
