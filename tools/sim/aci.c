/*
 * teeattest-sim: an Attested Confidential Inference (aci/1) service
 * (Dstack-TEE/private-ai-gateway spec/aci.md): the attestation report with
 * its workload keyset bound into a simulated TDX quote through the
 * attestation statement, and signed per-request receipts. TEST KEYS only.
 *
 * The canonical forms are written with jansson's sorted compact output,
 * which is RFC 8785 for what this file produces (ASCII member names,
 * integers, strings without escapes): independent of the library's JCS
 * writer, so the two check each other.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sim.h"

#define ACI_PURPOSE "aci.report_data.v1"

static json_t *hexj(const uint8_t *p, size_t n)
{
    char *h = malloc(2 * n + 1);
    if (!h)
        return NULL;
    sim_hex(h, p, n);
    json_t *j = json_string(h);
    free(h);
    return j;
}

/* The canonical text of `v` (malloc'd), NULL on allocation failure. */
char *sim_aci_jcs(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

int64_t sim_aci_now(void)
{
    const sim_pki *k = sim_pki_get();
    return k ? k->time : 0;
}

/* The secp256k1 E2EE key (aci_e2ee.c), second in e2ee_public_keys. */
static void add_secp256k1(const sim *s, json_t *ks)
{
    const char *pub = sim_aci_e2ee_pub(s, 1);
    json_t *e = json_object_get(ks, "e2ee_public_keys");
    if (pub && e)
        json_array_append_new(e, json_pack(
            "{s:s,s:s,s:s}", "key_id", "sim-e2ee-secp256k1", "algo",
            "secp256k1-aes-256-gcm-hkdf-sha256", "public_key", pub));
}

static json_t *keyset(const sim *s, const sim_faults *f)
{
    int64_t now = sim_aci_now();
    int64_t not_after = f->aci_expired ? now - 3600 : now + 7 * 86400;
    char app[41], subject[64];
    sim_hex(app, s->td.app_id, 20);
    snprintf(subject, sizeof subject, "dstack:app:%s", app);
    json_t *tls = json_array();
    if (s->have_tls) {
        uint8_t h[32];
        memcpy(h, s->tls_spki_sha256, 32);
        if (f->aci_tls_unlisted)
            sim_sha256(h, "teeattest-sim/aci/other-tls-key", 31);
        json_array_append_new(tls, json_pack("{s:o,s:s}", "spki_sha256",
                                             hexj(h, 32), "domain",
                                             s->aci_domain));
    }
    json_t *ks = json_pack(
        "{s:s,s:I,s:[{s:s,s:s,s:o},{s:s,s:s,s:s}],s:[{s:s,s:s,s:o}],s:o}",
        "subject", subject, "not_after", (json_int_t)not_after,
        "receipt_signing_keys", "key_id", "sim-receipt-ed25519", "algo",
        "ed25519", "public_key", hexj(s->aci_key.ed_pk, 32),
        /* an algorithm no verifier knows: ignored (section 3.1) */
        "key_id", "sim-receipt-future", "algo", "sim-future-sig",
        "public_key", "00",
        "e2ee_public_keys", "key_id", "sim-e2ee-x25519", "algo",
        "x25519-aes-256-gcm-hkdf-sha256", "public_key",
        hexj(s->aci_x25519_pk, 32), "tls_public_keys", tls);
    add_secp256k1(s, ks);
    return ks;
}

/* "sha256:<hex>" of the keyset's canonical form. */
static bool keyset_digest(const json_t *ks, char out[72])
{
    char *t = sim_aci_jcs(ks);
    if (!t)
        return false;
    char h[65];
    sim_sha256_hex(h, t, strlen(t));
    free(t);
    snprintf(out, 72, "sha256:%s", h);
    return true;
}

bool sim_aci_keyset_digest(const sim *s, const sim_faults *f, char out[72])
{
    json_t *ks = keyset(s, f);
    bool ok = ks && keyset_digest(ks, out);
    json_decref(ks);
    return ok;
}

json_t *sim_aci_report(const sim *s, const sim_faults *f,
                       const char *nonce_hex, int *status)
{
    if (nonce_hex) {
        /* section 3.2: exactly 64 lower-case hex */
        bool ok = strlen(nonce_hex) == 64;
        for (size_t i = 0; ok && i < 64; i++)
            ok = (nonce_hex[i] >= '0' && nonce_hex[i] <= '9') ||
                 (nonce_hex[i] >= 'a' && nonce_hex[i] <= 'f');
        if (!ok) {
            *status = 400;
            return sim_error_doc("nonce must be 64 lowercase hex characters",
                                 "invalid_request_error");
        }
    }
    if (f->aci_null_nonce)
        nonce_hex = NULL;
    json_t *ks = keyset(s, f);
    char digest[72];
    if (!ks || !keyset_digest(ks, digest)) {
        json_decref(ks);
        *status = 500;
        return sim_error_doc("out of memory", "server_error");
    }
    char st[200];
    snprintf(st, sizeof st,
             "{\"keyset_digest\":\"%s\",\"nonce\":%s%s%s,\"purpose\":\""
             ACI_PURPOSE "\"}", digest, nonce_hex ? "\"" : "",
             nonce_hex ? nonce_hex : "null", nonce_hex ? "\"" : "");
    uint8_t rd[64] = {0};
    sim_sha256(rd, st, strlen(st));
    size_t qlen = 0;
    uint8_t *quote = sim_quote_generate(&s->td, rd, &qlen);
    char *log = json_dumps(s->td.event_log, JSON_COMPACT);
    char stated[72];
    snprintf(stated, sizeof stated, "%s", digest);
    if (f->aci_wrong_digest)
        stated[7] = stated[7] == '0' ? '1' : '0';
    json_t *doc = quote && log ? json_pack(
        "{s:s,s:s,s:{s:s,s:O,s:o,s:{s:s,s:s,s:n,s:n},"
        "s:{s:o,s:o,s:s,s:s,s:s,s:{s:s}}},s:{s:[s],s:s}}",
        "api_version", "aci/1", "workload_keyset_digest", stated,
        "attestation", "tee_type", "tdx", "workload_keyset", ks,
        "report_data", hexj(rd, 32), "source_provenance", "repo_url",
        "https://github.com/teeattest/sim-aci", "repo_commit",
        "0000000000000000000000000000000000000000", "image_digest",
        "image_provenance", "evidence", "quote", hexj(quote, qlen),
        "quote_report_data", hexj(rd, 32), "event_log", log, "app_compose",
        s->td.app_compose, "vm_config", s->td.vm_config, "key_custody",
        "note", "teeattest-sim: TEST keys, no KMS",
        "service_capabilities", "supported_e2ee_versions", "2", "serving",
        s->aci_aggregator ? "aggregator" : "direct") : NULL;
    free(quote);
    free(log);
    json_decref(ks);
    const char *unlisted = sim_aci_e2ee_pub(s, 2);
    if (doc && f->aci_e2ee_unlisted && unlisted)
        /* a key outside the quote-bound keyset: never to be used */
        json_object_set_new(json_object_get(doc, "service_capabilities"),
                            "e2ee_public_key", json_string(unlisted));
    if (!doc) {
        *status = 500;
        return sim_error_doc("out of memory", "server_error");
    }
    *status = 200;
    return doc;
}

/* ---- receipts (spec 7) ------------------------------------------------- */

#define ACI_RECEIPTS 1024

struct sim_aci_rec {
    char id[48];
    char *json;
};

/* The ring of receipts, shared by the request threads (s->lock). */
static struct sim_aci_rec recs[ACI_RECEIPTS];
static size_t rec_next;

char *sim_aci_receipt_make(const sim *s, const sim_faults *f, const char *id,
                           const char *chat_id, const char *model,
                           const void *req, size_t req_len,
                           const char resp_hex[65])
{
    return sim_aci_receipt_make_route(s, f, id, chat_id, model, req, req_len,
                                      resp_hex, NULL);
}

char *sim_aci_receipt_make_route(const sim *s, const sim_faults *f,
                                 const char *id, const char *chat_id,
                                 const char *model, const void *req,
                                 size_t req_len, const char resp_hex[65],
                                 const sim_aci_route *route)
{
    char digest[72], rq[65], rh[72], ph[72];
    if (!sim_aci_keyset_digest(s, f, digest))
        return NULL;
    if (f->aci_body_hash_other) {
        /* a hash of other bytes than those received: the body and a space */
        crypto_hash_sha256_state h;
        uint8_t d[32];
        crypto_hash_sha256_init(&h);
        crypto_hash_sha256_update(&h, req, req_len);
        crypto_hash_sha256_update(&h, (const uint8_t *)" ", 1);
        crypto_hash_sha256_final(&h, d);
        sim_hex(rq, d, 32);
    } else {
        sim_sha256_hex(rq, req, req_len);
    }
    snprintf(rh, sizeof rh, "sha256:%s", rq);
    snprintf(ph, sizeof ph, "sha256:%s", resp_hex);
    /* an aggregator: request.forwarded only when it forwarded, over the
     * bytes it forwarded, then its upstream.verified event */
    char fh[72];
    snprintf(fh, sizeof fh, "sha256:%s",
             route && route->aggregator ? route->fwd_hex : rq);
    json_t *events = json_pack("[{s:s,s:s}]", "type", "request.received",
                               "body_hash", rh);
    if (!route || !route->aggregator || route->forwarded)
        json_array_append_new(events, json_pack("{s:s,s:s}", "type",
                                                "request.forwarded",
                                                "body_hash", fh));
    if (route && route->upstream)
        json_array_append(events, route->upstream);
    json_array_append_new(events, json_pack("{s:s,s:s}", "type",
                                            "response.returned", "body_hash",
                                            ph));
    json_t *doc = events ? json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:s}",
        "api_version", "aci/1", "receipt_id", id, "chat_id", chat_id,
        "model", model, "workload_keyset_digest", digest, "endpoint",
        "/v1/chat/completions", "method", "POST", "served_at",
        (json_int_t)sim_aci_now(), "event_log", events, "key_id",
        "sim-receipt-ed25519") : NULL;
    char *canon = doc ? sim_aci_jcs(doc) : NULL;
    if (!canon) {
        json_decref(doc);
        return NULL;
    }
    /* signed over the JCS form without "signature"; the unlisted-key fault
     * signs with the wrong-signer key under the listed key_id */
    uint8_t sig[64];
    crypto_sign_detached(sig, NULL, (const uint8_t *)canon, strlen(canon),
                         f->aci_unlisted_key ? s->wrong_key.ed_sk
                                             : s->aci_key.ed_sk);
    free(canon);
    json_object_set_new(doc, "signature", hexj(sig, 64));
    char *t = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return t;
}

void sim_aci_receipt_store(sim *s, const char *id, char *json)
{
    pthread_mutex_lock(&s->lock);
    struct sim_aci_rec *r = &recs[rec_next++ % ACI_RECEIPTS];
    free(r->json);
    snprintf(r->id, sizeof r->id, "%s", id);
    r->json = json;
    pthread_mutex_unlock(&s->lock);
}

char *sim_aci_receipt_get(sim *s, const char *id)
{
    char *out = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < ACI_RECEIPTS && !out; i++)
        if (recs[i].json && strcmp(recs[i].id, id) == 0)
            out = strdup(recs[i].json);
    pthread_mutex_unlock(&s->lock);
    return out;
}
