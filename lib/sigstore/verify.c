/*
 * Sigstore bundle verification: every step a sigstore.* check
 * (docs/checks.md), required unless the detail says why not.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "sigstore_verify.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP

static const uint8_t OID_CODE_SIGNING[] = {0x2B, 0x06, 0x01, 0x05,
                                           0x05, 0x07, 0x03, 0x03};

static const ta_ss_log *find_log(const ta_ss_root *root,
                                 const uint8_t id[32])
{
    for (size_t i = 0; i < root->n_tlogs; i++)
        if (!memcmp(root->tlogs[i].log_id, id, 32))
            return &root->tlogs[i];
    return NULL;
}

static bool in_window(const ta_ss_window *w, int64_t t)
{
    return t >= w->start && (!w->end || t <= w->end);
}

/* The in-toto statement names the artifact among its subjects. */
static bool statement_names(const teeattest_ctx *ctx, const ta_ss_bundle *b,
                            const uint8_t digest[32], char *why, size_t cap)
{
    if (strcmp(b->payload_type, "application/vnd.in-toto+json")) {
        snprintf(why, cap, "payloadType %s is not an in-toto statement",
                 b->payload_type);
        return false;
    }
    char hex[65];
    ta_hex_encode(hex, digest, 32);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = ta_ss_statement_names(b->payload.p, b->payload.len, hex, &err);
    if (rc < 0)
        snprintf(why, cap, "statement is not JSON: %.200s", err.message);
    else if (!rc)
        snprintf(why, cap, "no subject of the statement has sha256 %s", hex);
    return rc > 0;
}

int ta_ss_statement_names(const uint8_t *payload, size_t len,
                          const char *digest_hex, teeattest_error *err)
{
    json_t *j = NULL;
    if (ta_json_parse(&j, payload, len, TA_SS_MAX_DOC, err))
        return -1;
    json_t *subs = json_object_get(j, "subject"), *s;
    size_t i;
    int found = 0;
    json_array_foreach(subs, i, s) {
        const char *d = json_string_value(
            json_object_get(json_object_get(s, "digest"), "sha256"));
        if (d && !strcmp(d, digest_hex))
            found = 1;
    }
    json_decref(j);
    return found;
}

/* DSSE pre-authentication encoding. */
static int pae(const teeattest_ctx *ctx, const ta_ss_bundle *b, ta_buf *out)
{
    ta_buf_init(out, ctx, 0);
    if (ta_buf_printf(out, "DSSEv1 %zu %s %zu ", strlen(b->payload_type),
                      b->payload_type, b->payload.len) ||
        ta_buf_append(out, b->payload.p, b->payload.len))
        return TEEATTEST_E_NOMEM;
    return TEEATTEST_OK;
}

static void check_content(const teeattest_ctx *ctx, const ta_ss_bundle *b,
                          const ta_ss_key *signer, const ta_ss_policy *pol,
                          const uint8_t digest[32], teeattest_result *r)
{
    char why[256];
    int rc;
    if (!b->dsse) {
        if (b->has_digest && !ta_ct_equal(b->digest, digest, 32))
            ta_result_check(r, "sigstore.artifact.digest", FAIL, true,
                            "the bundle's messageDigest is not the "
                            "artifact's SHA-256");
        else
            ta_result_check(r, "sigstore.artifact.digest", PASS, true,
                            b->has_digest ? "messageDigest is the artifact's "
                                            "SHA-256"
                                          : "no messageDigest; the signature "
                                            "is checked over the artifact");
        if (signer->kind == TA_SS_KEY_P256)
            rc = ta_ss_key_verify(ctx, signer, digest, 32, true, b->sig.p,
                                  b->sig.len);
        else if (pol->artifact)
            rc = ta_ss_key_verify(ctx, signer, pol->artifact,
                                  pol->artifact_len, false, b->sig.p,
                                  b->sig.len);
        else
            rc = TEEATTEST_E_UNSUPPORTED;
        ta_result_check(r, "sigstore.signature", rc ? FAIL : PASS, true,
                        rc ? "the message signature does not verify with "
                             "the signer's key (%s)"
                           : "message signature verified (%s)",
                        teeattest_status_str(rc));
        return;
    }
    if (statement_names(ctx, b, digest, why, sizeof why))
        ta_result_check(r, "sigstore.dsse.subject", PASS, true,
                        "the in-toto statement names the artifact");
    else
        ta_result_check(r, "sigstore.dsse.subject", FAIL, true, "%s", why);
    ta_buf m;
    rc = b->n_dsse_sigs == 1 ? pae(ctx, b, &m) : TEEATTEST_E_PARSE;
    if (!rc) {
        rc = ta_ss_key_verify(ctx, signer, m.data, m.len, false, b->sig.p,
                              b->sig.len);
        ta_buf_free(&m);
    } else if (b->n_dsse_sigs == 1) {
        ta_buf_free(&m);
    }
    if (b->n_dsse_sigs != 1)
        ta_result_check(r, "sigstore.signature", FAIL, true,
                        "the DSSE envelope holds %zu signatures, not one",
                        b->n_dsse_sigs);
    else
        ta_result_check(r, "sigstore.signature", rc ? FAIL : PASS, true,
                        rc ? "the DSSE signature over the PAE does not "
                             "verify (%s)"
                           : "DSSE signature over the PAE verified (%s)",
                        teeattest_status_str(rc));
}

/* Log entries; returns the count of verified signing times in times[]. */
static size_t check_tlog(const teeattest_ctx *ctx, const ta_ss_root *root,
                         const ta_ss_bundle *b, const ta_ss_signed *sd,
                         const ta_ss_policy *pol, int64_t *times,
                         teeattest_result *r)
{
    char why[256];
    size_t n_times = 0;
    if (b->n_entries == 0) {
        ta_result_check(r, "sigstore.tlog", FAIL, true,
                        "the bundle has no transparency log entry");
        return 0;
    }
    for (size_t i = 0; i < b->n_entries; i++) {
        const ta_ss_entry *e = &b->entries[i];
        char pre[32];
        snprintf(pre, sizeof pre, "tlog[%zu]: ", i);
        const ta_ss_log *log = find_log(root, e->log_id);
        if (!log) {
            ta_result_check(r, "sigstore.tlog.log", FAIL, true,
                            "%sits log id names no log of the %s", pre,
                            ta_ss_root_name(root));
            continue;
        }
        ta_result_check(r, "sigstore.tlog.log", PASS, true,
                        "%sa log of the trusted root", pre);
        if (ta_ss_tlog_body(ctx, e, sd, why, sizeof why))
            ta_result_check(r, "sigstore.tlog.body", FAIL, true, "%s%s", pre,
                            why);
        else
            ta_result_check(r, "sigstore.tlog.body", PASS, true,
                            "%s%s %s body matches the bundle", pre, e->kind,
                            e->version);
        if (e->set.len) {
            int rc = e->has_time ? ta_ss_tlog_set(ctx, e, log)
                                 : TEEATTEST_E_PARSE;
            if (rc) {
                ta_result_check(r, "sigstore.tlog.set", FAIL, true,
                                "%sthe signed entry timestamp does not "
                                "verify with the log's key (%s)",
                                pre, teeattest_status_str(rc));
            } else if (!in_window(&log->valid, e->integrated_time)) {
                ta_result_check(r, "sigstore.tlog.set", FAIL, true,
                                "%sintegrated time is outside the log key's "
                                "validity in the %s", pre,
                                ta_ss_root_name(root));
            } else if (e->integrated_time > pol->now) {
                ta_result_check(r, "sigstore.tlog.set", FAIL, true,
                                "%sintegrated time %lld is in the future",
                                pre, (long long)e->integrated_time);
            } else {
                ta_result_check(r, "sigstore.tlog.set", PASS, true,
                                "%ssigned entry timestamp verified", pre);
                times[n_times++] = e->integrated_time;
            }
        } else if (e->has_time) {
            ta_result_check(r, "sigstore.tlog.set", FAIL, true,
                            "%san integrated time without a signed entry "
                            "timestamp", pre);
        } else {
            ta_result_check(r, "sigstore.tlog.set", SKIP, false,
                            "%sno signed entry timestamp (Rekor v2 entry): "
                            "the inclusion proof stands alone", pre);
        }
        if (!e->has_proof) {
            bool need = b->minor >= 2 || !e->set.len;
            ta_result_check(r, "sigstore.tlog.inclusion", need ? FAIL : SKIP,
                            need,
                            need ? "%sno inclusion proof (required from "
                                   "bundle v0.2 and without a SET)"
                                 : "%sno inclusion proof: a v0.1 bundle, its "
                                   "SET stands in",
                            pre);
            continue;
        }
        uint8_t leaf[32], *buf = ta_malloc(ctx, e->body.len + 1);
        if (!buf) {
            ta_result_check(r, "sigstore.tlog.inclusion", FAIL, true,
                            "%sout of memory", pre);
            continue;
        }
        buf[0] = 0x00;
        memcpy(buf + 1, e->body.p, e->body.len);
        (void)ta_sha256(ctx, leaf, buf, e->body.len + 1);
        ta_free(ctx, buf);
        bool ok = ta_ss_merkle_verify(ctx, leaf, e->proof_index, e->tree_size,
                                      (const uint8_t(*)[32])e->hashes,
                                      e->n_hashes, e->root_hash);
        ta_result_check(r, "sigstore.tlog.inclusion", ok ? PASS : FAIL, true,
                        ok ? "%sRFC 6962 inclusion proof of leaf %lld in a "
                             "tree of %lld verified"
                           : "%sthe inclusion proof of leaf %lld in a tree "
                             "of %lld does not lead to its root hash",
                        pre, (long long)e->proof_index,
                        (long long)e->tree_size);
        if (ta_ss_tlog_checkpoint(ctx, e, log, why, sizeof why))
            ta_result_check(r, "sigstore.tlog.checkpoint", FAIL, true, "%s%s",
                            pre, why);
        else
            ta_result_check(r, "sigstore.tlog.checkpoint", PASS, true,
                            "%sthe log signed the proof's root", pre);
    }
    return n_times;
}

/* At least one embedded SCT from a CT log of the root verifies. */
static void check_sct(const teeattest_ctx *ctx, const ta_ss_root *root,
                      const ta_x509 *leaf, const ta_ss_ca *ca,
                      teeattest_result *r)
{
    char why[256];
    size_t n_ok = 0;
    ta_x509 *issuer = NULL;
    if (root->n_ctlogs == 0) {
        ta_result_check(r, "sigstore.certificate.sct", SKIP, false,
                        "the %s lists no CT log", ta_ss_root_name(root));
        return;
    }
    if (!ca || ta_x509_parse_der(ctx, &issuer, ca->certs[0].p,
                                 ca->certs[0].len, NULL)) {
        ta_result_check(r, "sigstore.certificate.sct", SKIP, true,
                        "no verified issuer to check the SCTs against");
        return;
    }
    if (ta_ss_sct_verify(ctx, root, leaf, issuer, &n_ok, why, sizeof why))
        ta_result_check(r, "sigstore.certificate.sct", FAIL, true, "%s", why);
    else
        ta_result_check(r, "sigstore.certificate.sct", PASS, true,
                        "%zu embedded SCT(s) verified with CT logs of the "
                        "trusted root", n_ok);
    ta_x509_free(issuer);
}

static void check_cert(const teeattest_ctx *ctx, const ta_ss_root *root,
                       const ta_ss_bundle *b, const ta_x509 *leaf,
                       const ta_ss_policy *pol, const int64_t *times,
                       size_t n_times, teeattest_result *r)
{
    char why[256], found[256];
    bool root_in_bundle = false, chain_ok = false;
    size_t ca = 0;
    for (size_t i = 1; i < b->n_certs; i++) {
        ta_x509 *c = NULL;
        if (ta_x509_parse_der(ctx, &c, b->certs[i].p, b->certs[i].len, NULL) ||
            ta_x509_self_issued(c))
            root_in_bundle = true;
        ta_x509_free(c);
    }
    if (root_in_bundle) {
        ta_result_check(r, "sigstore.certificate.chain", FAIL, true,
                        "the bundle's chain carries a root (self-issued) or "
                        "unparsable certificate");
    } else if (n_times == 0) {
        ta_result_check(r, "sigstore.certificate.chain", SKIP, true,
                        "no verified signing time to judge the chain at");
    } else {
        bool ok = true;
        for (size_t i = 0; i < n_times && ok; i++) {
            char t[21];
            ta_utc_format(t, times[i]);
            if (ta_ss_cert_chain(ctx, root, &b->certs[0], times[i], &ca, why,
                                 sizeof why)) {
                ok = false;
                ta_result_check(r, "sigstore.certificate.chain", FAIL, true,
                                "at %s: %s, or the certificate is not valid "
                                "then", t, why);
            }
        }
        if (ok && !ta_x509_allows_eku(leaf, OID_CODE_SIGNING,
                                      sizeof OID_CODE_SIGNING)) {
            ok = false;
            ta_result_check(r, "sigstore.certificate.chain", FAIL, true,
                            "the certificate does not allow code signing");
        }
        chain_ok = ok;
        if (ok)
            ta_result_check(r, "sigstore.certificate.chain", PASS, true,
                            "issued by certificate authority %zu of the "
                            "trusted root, valid at every signing time", ca);
    }
    int rc = ta_ss_cert_identity(ctx, leaf, pol->identity, pol->identity_re,
                                 found, sizeof found);
    ta_result_check(r, "sigstore.certificate.identity", rc ? FAIL : PASS, true,
                    rc ? "no subjectAltName matches the expected identity "
                         "(first: \"%s\")"
                       : "subjectAltName \"%s\" matches",
                    found);
    if (!rc)
        ta_result_fact_str(r, "sigstore.identity", found);
    rc = ta_ss_cert_issuer(ctx, leaf, pol->issuer, pol->issuer_re, found,
                           sizeof found);
    ta_result_check(r, "sigstore.certificate.issuer", rc ? FAIL : PASS, true,
                    rc ? "the OIDC issuer \"%s\" is not the expected one"
                       : "OIDC issuer \"%s\" matches",
                    found);
    if (!rc)
        ta_result_fact_str(r, "sigstore.issuer", found);
    check_sct(ctx, root, leaf, chain_ok ? &root->cas[ca] : NULL, r);
}

void ta_ss_verify(const teeattest_ctx *ctx, const ta_ss_root *root,
                  const ta_ss_bundle *b, const ta_ss_policy *pol,
                  teeattest_result *r)
{
    uint8_t digest[32];
    ta_ss_key signer = {0};
    ta_x509 *leaf = NULL;
    if (pol->artifact)
        (void)ta_sha256(ctx, digest, pol->artifact, pol->artifact_len);
    else
        memcpy(digest, pol->digest, 32);
    if (pol->key) {
        if (!b->public_key) {
            ta_result_check(r, "sigstore.key", FAIL, true,
                            "a key was given but the bundle is signed with "
                            "a certificate");
            return;
        }
        if (ta_ss_key_from_spki(ctx, &signer, pol->key->spki,
                                pol->key->spki_len))
            return;
        ta_result_check(r, "sigstore.key", PASS, true,
                        "verifying with the given public key");
    } else {
        if (b->public_key) {
            ta_result_check(r, "sigstore.certificate", FAIL, true,
                            "the bundle names a public key; no key was given");
            return;
        }
        ta_der spki;
        if (ta_x509_parse_der(ctx, &leaf, b->certs[0].p, b->certs[0].len,
                              NULL) ||
            ta_x509_der(leaf).len != b->certs[0].len ||
            (spki = ta_x509_spki_der(leaf),
             ta_ss_key_from_spki(ctx, &signer, spki.p, spki.len))) {
            ta_result_check(r, "sigstore.certificate", FAIL, true,
                            "the signing certificate does not parse");
            ta_x509_free(leaf);
            ta_ss_key_clear(ctx, &signer);
            return;
        }
        ta_result_check(r, "sigstore.certificate", PASS, true,
                        "signing certificate parsed");
    }
    check_content(ctx, b, &signer, pol, digest, r);
    uint8_t pae_digest[32];
    ta_buf m;
    if (b->dsse && !pae(ctx, b, &m))
        (void)ta_sha256(ctx, pae_digest, m.data, m.len);
    else
        memset(pae_digest, 0, sizeof pae_digest);
    if (b->dsse)
        ta_buf_free(&m);
    ta_ss_signed sd = {b, leaf ? &b->certs[0] : NULL, &signer, digest,
                       pae_digest};
    int64_t times[2 * TA_SS_MAX_ITEMS];
    size_t n_times = check_tlog(ctx, root, b, &sd, pol, times, r);
    for (size_t i = 0; i < b->n_timestamps; i++) {
        char why[256], t[21];
        int64_t at;
        if (ta_ss_tsa_verify(ctx, root, &b->timestamps[i], &b->sig, &at, why,
                             sizeof why)) {
            ta_utc_format(t, at);
            if (at > pol->now) {
                ta_result_check(r, "sigstore.timestamp", FAIL, true,
                                "timestamp[%zu]: genTime %s is in the "
                                "future", i, t);
                continue;
            }
            ta_result_check(r, "sigstore.timestamp", PASS, true,
                            "timestamp[%zu]: RFC 3161 timestamp of the "
                            "signature by a trusted authority at %s", i, t);
            times[n_times++] = at;
        } else {
            ta_result_check(r, "sigstore.timestamp", FAIL, true,
                            "timestamp[%zu]: %s", i, why);
        }
    }
    if (n_times == 0)
        ta_result_check(r, "sigstore.time", FAIL, true,
                        "no verified signing time: neither a Rekor v1 "
                        "signed entry timestamp nor an RFC 3161 timestamp");
    else {
        char t[21];
        ta_utc_format(t, times[0]);
        ta_result_check(r, "sigstore.time", PASS, true,
                        "%zu verified signing time(s), first %s", n_times, t);
        ta_result_fact_str(r, "sigstore.signing_time", t);
    }
    if (leaf)
        check_cert(ctx, root, b, leaf, pol, times, n_times, r);
    ta_x509_free(leaf);
    ta_ss_key_clear(ctx, &signer);
}
