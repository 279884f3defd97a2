/*
 * ACI/1 receipts (lib/aci/receipt.c): spec/test-vectors.md section 4 of
 * Dstack-TEE/private-ai-gateway b6b5c1b reproduced byte for byte (signing
 * input hash, signature, any encoding verifying), then one negative per
 * check: every field edited, keys swapped or unlisted, other digests,
 * duplicate members, malformed event logs, rewrite, upstream and session
 * policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "aci/aci.h"
#include "crypto/crypto.h"
#include "aci_kit.h"

static teeattest_ctx *ctx;
static ta_aci_keyset ks;

/* The served document of section 4: the signing input with "signature"
 * inserted in its JCS place (before workload_keyset_digest). */
static char signed_doc[4096];
#define SIGNED_DOC signed_doc

static void make_signed_doc(void)
{
    const char *at = strstr(V4_UNSIGNED, "\"workload_keyset_digest\"");
    snprintf(signed_doc, sizeof signed_doc, "%.*s\"signature\":\"%s\",%s",
             (int)(at - V4_UNSIGNED), V4_UNSIGNED, V4_SIGNATURE, at);
}

static json_t *vector_doc(void)
{
    json_error_t e;
    json_t *d = json_loads(V4_UNSIGNED, 0, &e);
    json_object_set_new(d, "signature", json_string(V4_SIGNATURE));
    return d;
}

static ta_aci_receipt_opts bodies(void)
{
    ta_aci_receipt_opts o;
    memset(&o, 0, sizeof o);
    o.request = (const uint8_t *)V4_REQUEST;
    o.request_len = strlen(V4_REQUEST);
    o.has_request = true;
    o.response = (const uint8_t *)V4_RESPONSE;
    o.response_len = strlen(V4_RESPONSE);
    o.has_response = true;
    return o;
}

/* Verify `text`; the outcome of check `name` (0 when absent); the verdict
 * in *verdict. */
static int32_t run_text(const char *text, const ta_aci_receipt_opts *o,
                        const char *name, int32_t *verdict,
                        ta_aci_receipt_info *info)
{
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_checks c;
    memset(&c, 0, sizeof c);
    c.r = r;
    int rc = ta_aci_receipt_verify(ctx, &c, (const uint8_t *)text,
                                   strlen(text), &ks, o, info, NULL);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    ta_result_finish(r, NULL);
    int32_t out = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        if (strcmp(r->checks[i].name, name) == 0)
            out = r->checks[i].outcome;
    if (verdict)
        *verdict = teeattest_result_verdict(r);
    teeattest_result_free(r);
    return out;
}

static int32_t run(json_t *d, const ta_aci_receipt_opts *o, const char *name,
                   int32_t *verdict)
{
    char *text = json_dumps(d, JSON_COMPACT);
    int32_t out = run_text(text, o, name, verdict, NULL);
    free(text);
    return out;
}

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define WARN TEEATTEST_OUTCOME_WARN
#define VERIFIED TEEATTEST_VERDICT_VERIFIED
#define FAILED TEEATTEST_VERDICT_FAILED

static void vector(void)
{
    /* the signing input and its hash */
    uint8_t h[32];
    ta_sha256(ctx, h, (const uint8_t *)V4_UNSIGNED, strlen(V4_UNSIGNED));
    CHECK_HEX(h, 32, V4_UNSIGNED_SHA256);
    ta_sha256(ctx, h, (const uint8_t *)V4_REQUEST, strlen(V4_REQUEST));
    char ds[TA_ACI_DIGEST_SIZE];
    ta_aci_digest_str(ds, h);
    CHECK_STR(ds, V4_REQUEST_HASH);
    ta_sha256(ctx, h, (const uint8_t *)V4_RESPONSE, strlen(V4_RESPONSE));
    ta_aci_digest_str(ds, h);
    CHECK_STR(ds, V4_RESPONSE_HASH);
    /* our signer reproduces the published signature (Ed25519 is
     * deterministic) */
    json_t *d = vector_doc();
    aci_kit_sign(ctx, d, 0x02);
    CHECK_STR(json_string_value(json_object_get(d, "signature")),
              V4_SIGNATURE);
    json_decref(d);

    ta_aci_receipt_opts o = bodies();
    o.session_id = V3_SESSION_ID;
    o.session_established_at = 1750000000;
    o.session_expires_at = 1750003600;
    o.require_verified = true;
    const char *pins[] = {"00", V3_SESSION_ID};
    o.pinned = pins;
    o.n_pinned = 2;
    int32_t v;
    ta_aci_receipt_info info;
    static const char *const all[] = {
        "aci.receipt.shape", "aci.receipt.api_version", "aci.receipt.signature",
        "aci.receipt.keyset_digest", "aci.receipt.keyset_expiry",
        "aci.receipt.events", "aci.receipt.request_hash",
        "aci.receipt.response_hash", "aci.receipt.rewrite",
        "aci.receipt.upstream", "aci.receipt.session_pinned",
        "aci.receipt.session_window",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(all); i++)
        CHECK_EQ_INT(run_text(SIGNED_DOC, &o, all[i], &v, &info), PASS);
    CHECK_EQ_INT(v, VERIFIED);
    CHECK_EQ_INT(info.upstream, TA_ACI_UPSTREAM_VERIFIED);
    CHECK(info.cites_session && info.upstream_required);
    CHECK_STR(info.session_id, V3_SESSION_ID);
    CHECK_EQ_INT(info.served_at, 1750000000);
    CHECK(info.forwarded && !info.rewritten);

    /* any encoding: pretty-printed, reordered */
    d = vector_doc();
    char *pretty = json_dumps(d, JSON_INDENT(3));
    CHECK_EQ_INT(run_text(pretty, &o, "aci.receipt.signature", &v, NULL), PASS);
    CHECK_EQ_INT(v, VERIFIED);
    free(pretty);
    char *sorted = json_dumps(d, JSON_SORT_KEYS);
    CHECK_EQ_INT(run_text(sorted, &o, "aci.receipt.signature", &v, NULL), PASS);
    free(sorted);
    json_decref(d);

    /* no bodies given: skipped, not required; the signature still binds */
    CHECK_EQ_INT(run_text(SIGNED_DOC, NULL, "aci.receipt.request_hash", &v,
                          NULL),
                 SKIP);
    CHECK_EQ_INT(v, VERIFIED);
    /* digests instead of bytes */
    ta_aci_receipt_opts od;
    memset(&od, 0, sizeof od);
    uint8_t rq[32], rs[32];
    ta_sha256(ctx, rq, (const uint8_t *)V4_REQUEST, strlen(V4_REQUEST));
    ta_sha256(ctx, rs, (const uint8_t *)V4_RESPONSE, strlen(V4_RESPONSE));
    od.request_sha256 = rq;
    od.response_sha256 = rs;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &od, "aci.receipt.response_hash", &v,
                          NULL),
                 PASS);
    rs[0] ^= 1;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &od, "aci.receipt.response_hash", &v,
                          NULL),
                 FAIL);
    CHECK_EQ_INT(v, FAILED);
}

/* Every member edited without re-signing fails the signature. */
static void edits(void)
{
    ta_aci_receipt_opts o = bodies();
    static const char *const strs[] = {"api_version", "receipt_id", "chat_id",
                                       "model", "endpoint", "method"};
    for (size_t i = 0; i < TA_ARRAY_LEN(strs); i++) {
        json_t *d = vector_doc();
        const char *s = json_string_value(json_object_get(d, strs[i]));
        char buf[128];
        snprintf(buf, sizeof buf, "%sX", s);
        json_object_set_new(d, strs[i], json_string(buf));
        int32_t v;
        CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", &v), FAIL);
        CHECK_EQ_INT(v, FAILED);
        json_decref(d);
    }
    json_t *d = vector_doc();
    json_object_set_new(d, "served_at", json_integer(1750000001));
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", NULL), FAIL);
    json_decref(d);
    /* an added member, a dropped event, swapped events */
    d = vector_doc();
    json_object_set_new(d, "extra", json_true());
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", NULL), FAIL);
    json_decref(d);
    d = vector_doc();
    json_array_remove(json_object_get(d, "event_log"), 1);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", NULL), FAIL);
    json_decref(d);
    d = vector_doc();
    json_t *log = json_object_get(d, "event_log");
    json_t *e2 = json_incref(json_array_get(log, 2));
    json_array_remove(log, 2);
    json_array_insert_new(log, 1, e2);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", NULL), FAIL);
    json_decref(d);
    /* a signature bit flipped */
    d = vector_doc();
    char sig[129];
    memcpy(sig, V4_SIGNATURE, 129);
    sig[0] = sig[0] == 'd' ? 'e' : 'd';
    json_object_set_new(d, "signature", json_string(sig));
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", NULL), FAIL);
    json_decref(d);
    /* duplicate members: refused before any check */
    static const char dup[] = "{\"api_version\":\"aci/1\",\"api_version\":"
                              "\"aci/1\"}";
    ta_checks c;
    memset(&c, 0, sizeof c);
    CHECK(ta_aci_receipt_verify(ctx, &c, (const uint8_t *)dup, strlen(dup),
                                &ks, NULL, NULL, NULL) != TEEATTEST_OK);
    CHECK(ta_aci_receipt_verify(ctx, &c, (const uint8_t *)"[]", 2, &ks, NULL,
                                NULL, NULL) == TEEATTEST_E_JSON);
}

/* Re-signed documents: the signature holds, the named check must not. */
static void signed_negatives(void)
{
    ta_aci_receipt_opts o = bodies();
    int32_t v;
    /* signed by an unlisted key under a listed key_id */
    json_t *d = vector_doc();
    aci_kit_sign(ctx, d, 0x07);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", &v), FAIL);
    json_decref(d);
    /* a key_id the keyset does not list; the E2EE key's id */
    d = vector_doc();
    json_object_set_new(d, "key_id", json_string("receipt-2"));
    aci_kit_sign(ctx, d, 0x02);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", &v), FAIL);
    json_decref(d);
    d = vector_doc();
    json_object_set_new(d, "key_id", json_string("e2ee-1"));
    aci_kit_sign(ctx, d, 0x02);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", &v), FAIL);
    json_decref(d);
    /* another version, another keyset digest */
    d = vector_doc();
    json_object_set_new(d, "api_version", json_string("aci/2"));
    aci_kit_sign(ctx, d, 0x02);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.api_version", &v), FAIL);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", &v), PASS);
    CHECK_EQ_INT(v, FAILED);
    json_decref(d);
    d = vector_doc();
    json_object_set_new(d, "workload_keyset_digest",
                        json_string("sha256:" V3_SESSION_ID));
    aci_kit_sign(ctx, d, 0x02);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.keyset_digest", &v), FAIL);
    CHECK_EQ_INT(v, FAILED);
    json_decref(d);
    /* served after the keyset's not_after */
    d = vector_doc();
    json_object_set_new(d, "served_at", json_integer(1800000000));
    aci_kit_sign(ctx, d, 0x02);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.keyset_expiry", &v), FAIL);
    json_decref(d);
    /* body hashes of other bytes */
    ta_aci_receipt_opts other = o;
    other.request = (const uint8_t *)V4_RESPONSE;
    other.request_len = strlen(V4_RESPONSE);
    CHECK_EQ_INT(run_text(SIGNED_DOC, &other, "aci.receipt.request_hash", &v,
                          NULL),
                 FAIL);
    CHECK_EQ_INT(v, FAILED);
    other = o;
    other.response_len--;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &other, "aci.receipt.response_hash", &v,
                          NULL),
                 FAIL);
}

static json_t *event_doc(const char *log_json)
{
    json_t *d = vector_doc();
    json_object_set_new(d, "event_log", json_loads(log_json, 0, NULL));
    aci_kit_sign(ctx, d, 0x02);
    return d;
}

#define RECV "{\"type\":\"request.received\",\"body_hash\":\"" V4_REQUEST_HASH "\"}"
#define RET "{\"type\":\"response.returned\",\"body_hash\":\"" V4_RESPONSE_HASH "\"}"
#define FWD(h) "{\"type\":\"request.forwarded\",\"body_hash\":\"" h "\"}"
#define OTHER_HASH "sha256:" V3_SESSION_ID
#define UPV(req) "{\"type\":\"upstream.verified\",\"result\":\"verified\"," \
    "\"required\":" req ",\"model_id\":\"m\",\"session_id\":\"" V3_SESSION_ID "\"}"
#define UPF(req) "{\"type\":\"upstream.verified\",\"result\":\"failed\"," \
    "\"required\":" req ",\"model_id\":\"m\",\"reason\":\"no quote\"}"

static void event_log(void)
{
    ta_aci_receipt_opts o = bodies();
    static const char *const bad[] = {
        "[" RET "]",                          /* no request.received */
        "[" RECV "]",                         /* no response.returned */
        "[" RET "," RECV "]",                 /* received not first */
        "[" RECV "," RECV "," RET "]",        /* received twice */
        "[" RECV "," RET "," RET "]",         /* returned twice */
        "[" RECV "," FWD(V4_REQUEST_HASH) "," FWD(V4_REQUEST_HASH) "," RET "]",
        "[" RECV ",{\"type\":\"response.returned\",\"body_hash\":\"" /* case */
        "SHA256:dedfffe5b14d031b8e2c01996d021a15293cb7c63b56be7e4be9e89b6f0a5f61\"}]",
        "[" RECV ",{\"type\":\"response.returned\"}]",
        "[" RECV ",{\"body_hash\":\"" V4_RESPONSE_HASH "\"}," RET "]",
        "[" RECV ",7," RET "]",
        "[" RECV ",{\"type\":\"upstream.verified\",\"result\":\"verified\","
        "\"required\":true}," RET "]",        /* no session_id */
        "[" RECV ",{\"type\":\"upstream.verified\",\"result\":\"ok\","
        "\"required\":true,\"session_id\":\"" V3_SESSION_ID "\"}," RET "]",
        "[" RECV ",{\"type\":\"upstream.verified\",\"result\":\"verified\","
        "\"required\":\"yes\",\"session_id\":\"" V3_SESSION_ID "\"}," RET "]",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++) {
        json_t *d = event_doc(bad[i]);
        int32_t v;
        CHECK_EQ_INT(run(d, &o, "aci.receipt.events", &v), FAIL);
        CHECK_EQ_INT(run(d, &o, "aci.receipt.signature", NULL), PASS);
        CHECK_EQ_INT(v, FAILED);
        json_decref(d);
    }
    /* unknown event types are ignored; a direct receipt verifies */
    json_t *d = event_doc("[" RECV ",{\"type\":\"route.selected\",\"x\":1},"
                          FWD(V4_REQUEST_HASH) "," RET "]");
    int32_t v;
    CHECK_EQ_INT(run(d, &o, "aci.receipt.events", &v), PASS);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.upstream", &v), SKIP);
    CHECK_EQ_INT(v, VERIFIED);
    /* ... unless verified serving is required */
    ta_aci_receipt_opts req = o;
    req.require_verified = true;
    CHECK_EQ_INT(run(d, &req, "aci.receipt.upstream", &v), FAIL);
    CHECK_EQ_INT(v, FAILED);
    json_decref(d);

    /* rewrite: warn by default, pass when allowed, fail when forbidden */
    d = event_doc("[" RECV "," FWD(OTHER_HASH) "," RET "]");
    CHECK_EQ_INT(run(d, &o, "aci.receipt.rewrite", &v), WARN);
    CHECK_EQ_INT(v, VERIFIED);
    ta_aci_receipt_opts rw = o;
    rw.rewrite = TA_ACI_REWRITE_ALLOW;
    CHECK_EQ_INT(run(d, &rw, "aci.receipt.rewrite", &v), PASS);
    rw.rewrite = TA_ACI_REWRITE_FAIL;
    CHECK_EQ_INT(run(d, &rw, "aci.receipt.rewrite", &v), FAIL);
    CHECK_EQ_INT(v, FAILED);
    json_decref(d);

    /* upstream outcomes */
    d = event_doc("[" RECV "," FWD(V4_REQUEST_HASH) "," UPF("false") "," RET
                  "]");
    CHECK_EQ_INT(run(d, &o, "aci.receipt.upstream", &v), WARN);
    CHECK_EQ_INT(v, VERIFIED);
    CHECK_EQ_INT(run(d, &req, "aci.receipt.upstream", &v), FAIL);
    json_decref(d);
    /* a refusal receipt: verifies as a record of the refusal */
    d = event_doc("[" RECV "," UPF("true") "," RET "]");
    CHECK_EQ_INT(run(d, &o, "aci.receipt.upstream", &v), WARN);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.rewrite", &v), SKIP);
    CHECK_EQ_INT(v, VERIFIED);
    CHECK_EQ_INT(run(d, &req, "aci.receipt.upstream", &v), FAIL);
    json_decref(d);
    /* verified but required: false, under a policy requiring it */
    d = event_doc("[" RECV "," FWD(V4_REQUEST_HASH) "," UPV("false") "," RET
                  "]");
    CHECK_EQ_INT(run(d, &o, "aci.receipt.upstream", &v), PASS);
    CHECK_EQ_INT(run(d, &req, "aci.receipt.upstream", &v), FAIL);
    json_decref(d);
    /* the last upstream.verified event is the outcome */
    d = event_doc("[" RECV "," UPF("true") "," FWD(V4_REQUEST_HASH) "," UPV(
        "true") "," RET "]");
    CHECK_EQ_INT(run(d, &o, "aci.receipt.upstream", &v), PASS);
    json_decref(d);
}

static void sessions(void)
{
    ta_aci_receipt_opts o = bodies();
    int32_t v;
    /* pinned: the cited id must be listed */
    const char *pins[] = {"95ad1cb4dd25445808c2e9d116caf420b05703730b506395e8fc"
                          "1ca6faeae28e"};
    o.pinned = pins;
    o.n_pinned = 1;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &o, "aci.receipt.session_pinned", &v,
                          NULL),
                 FAIL);
    CHECK_EQ_INT(v, FAILED);
    /* pinned and the session not verified here: a required skip */
    pins[0] = V3_SESSION_ID;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &o, "aci.receipt.session_pinned", &v,
                          NULL),
                 PASS);
    CHECK_EQ_INT(run_text(SIGNED_DOC, &o, "aci.receipt.session_window", &v,
                          NULL),
                 SKIP);
    CHECK_EQ_INT(v, FAILED);
    /* no pins, no requirement: an optional skip */
    ta_aci_receipt_opts plain = bodies();
    CHECK_EQ_INT(run_text(SIGNED_DOC, &plain, "aci.receipt.session_window", &v,
                          NULL),
                 SKIP);
    CHECK_EQ_INT(v, VERIFIED);
    /* the window: served_at in [established_at, expires_at) */
    plain.session_id = V3_SESSION_ID;
    plain.session_established_at = 1750000001;
    plain.session_expires_at = 1750003600;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &plain, "aci.receipt.session_window", &v,
                          NULL),
                 FAIL);
    plain.session_established_at = 1749990000;
    plain.session_expires_at = 1750000000;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &plain, "aci.receipt.session_window", &v,
                          NULL),
                 FAIL);
    plain.session_expires_at = 1750000001;
    CHECK_EQ_INT(run_text(SIGNED_DOC, &plain, "aci.receipt.session_window", &v,
                          NULL),
                 PASS);
    /* another session than the cited one */
    plain.session_id = pins[0] + 1; /* not 64 hex: another id */
    CHECK_EQ_INT(run_text(SIGNED_DOC, &plain, "aci.receipt.session_window", &v,
                          NULL),
                 FAIL);
}

/* Verify `d`; the outcome of `name`, its detail into `detail` and the
 * fact aci.receipt.serving into `serving` ("" when absent). */
static int32_t run_detail(json_t *d, const ta_aci_receipt_opts *o,
                          const char *name, char *detail, size_t size,
                          char serving[16], int32_t *verdict)
{
    char *text = json_dumps(d, JSON_COMPACT);
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_checks c;
    memset(&c, 0, sizeof c);
    c.r = r;
    CHECK_EQ_INT(ta_aci_receipt_verify(ctx, &c, (const uint8_t *)text,
                                       strlen(text), &ks, o, NULL, NULL),
                 TEEATTEST_OK);
    free(text);
    ta_result_finish(r, NULL);
    int32_t out = 0;
    detail[0] = '\0';
    for (size_t i = 0; i < r->n_checks; i++)
        if (strcmp(r->checks[i].name, name) == 0) {
            out = r->checks[i].outcome;
            snprintf(detail, size, "%s", r->checks[i].detail);
        }
    const char *f = teeattest_result_fact(r, "aci.receipt.serving");
    snprintf(serving, 16, "%s", f ? f : "");
    *verdict = teeattest_result_verdict(r);
    teeattest_result_free(r);
    return out;
}

/* spec 5.3: a direct service satisfies verified serving by construction,
 * only when the caller established it (TA_ACI_SERVING_DIRECT); a direct
 * receipt with an upstream record is judged by the record; pinned
 * sessions fail (a direct service has none). */
static void direct_service(void)
{
    ta_aci_receipt_opts o = bodies();
    o.require_verified = true;
    char det[512], sv[16];
    int32_t v;
    json_t *d = event_doc("[" RECV "," FWD(V4_REQUEST_HASH) "," RET "]");
    /* established direct: a pass, with the fact */
    o.serving = TA_ACI_SERVING_DIRECT;
    CHECK_EQ_INT(run_detail(d, &o, "aci.receipt.upstream", det, sizeof det,
                            sv, &v),
                 PASS);
    CHECK_STR(det, "direct service: aci_verified satisfied by construction "
                   "(spec 5.3)");
    CHECK_STR(sv, "direct");
    CHECK_EQ_INT(v, VERIFIED);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.session_window", &v), SKIP);
    CHECK_EQ_INT(v, VERIFIED);
    /* not required: a skip, still the direct fact */
    ta_aci_receipt_opts plain = bodies();
    plain.serving = TA_ACI_SERVING_DIRECT;
    CHECK_EQ_INT(run_detail(d, &plain, "aci.receipt.upstream", det,
                            sizeof det, sv, &v),
                 SKIP);
    CHECK_STR(sv, "direct");
    CHECK_EQ_INT(v, VERIFIED);
    /* an unbound "direct" claim does not relax, and says so */
    o.serving = TA_ACI_SERVING_DIRECT_UNBOUND;
    CHECK_EQ_INT(run_detail(d, &o, "aci.receipt.upstream", det, sizeof det,
                            sv, &v),
                 FAIL);
    CHECK(strstr(det, "over no channel the attested keyset binds") != NULL);
    CHECK_STR(sv, "");
    CHECK_EQ_INT(v, FAILED);
    /* unknown (an aggregator): today's rule */
    o.serving = TA_ACI_SERVING_UNKNOWN;
    CHECK_EQ_INT(run_detail(d, &o, "aci.receipt.upstream", det, sizeof det,
                            sv, &v),
                 FAIL);
    CHECK(strstr(det, "no upstream.verified event") != NULL);
    CHECK_EQ_INT(v, FAILED);
    /* pinned sessions against a direct service: none to cite, a failure
     * whatever the list (spec 5.3: it refuses any list) */
    o.serving = TA_ACI_SERVING_DIRECT;
    const char *pins[] = {V3_SESSION_ID};
    o.pinned = pins;
    o.n_pinned = 1;
    CHECK_EQ_INT(run_detail(d, &o, "aci.receipt.session_pinned", det,
                            sizeof det, sv, &v),
                 FAIL);
    CHECK(strstr(det, "a direct service has none") != NULL);
    CHECK_EQ_INT(v, FAILED);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.upstream", &v), PASS);
    json_decref(d);
    /* its refusal receipt (not forwarded): the pin still fails */
    d = event_doc("[" RECV "," RET "]");
    CHECK_EQ_INT(run(d, &o, "aci.receipt.session_pinned", &v), FAIL);
    CHECK_EQ_INT(v, FAILED);
    json_decref(d);
    o.pinned = NULL;
    o.n_pinned = 0;

    /* a direct service's receipt that does carry upstream.verified is
     * judged by the record as today (spec 7.5 says it carries none) */
    ta_aci_receipt_opts agg = o;
    agg.serving = TA_ACI_SERVING_UNKNOWN;
    static const char *const logs[] = {
        "[" RECV "," FWD(V4_REQUEST_HASH) "," UPF("false") "," RET "]",
        "[" RECV "," FWD(V4_REQUEST_HASH) "," UPV("false") "," RET "]",
        "[" RECV "," UPF("true") "," RET "]",
        "[" RECV "," FWD(V4_REQUEST_HASH) "," UPV("true") "," RET "]",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(logs); i++) {
        d = event_doc(logs[i]);
        int32_t va, vd;
        int32_t want = run(d, &agg, "aci.receipt.upstream", &va);
        CHECK_EQ_INT(run_detail(d, &o, "aci.receipt.upstream", det,
                                sizeof det, sv, &vd),
                     want);
        CHECK_EQ_INT(vd, va);
        CHECK(strstr(det, "judged by the record") != NULL);
        CHECK_STR(sv, "");
        json_decref(d);
    }
    /* the direct mode does not lend a receipt of another keyset anything */
    d = event_doc("[" RECV "," FWD(V4_REQUEST_HASH) "," RET "]");
    json_object_set_new(d, "workload_keyset_digest", json_string(OTHER_HASH));
    aci_kit_sign(ctx, d, 0x02);
    CHECK_EQ_INT(run(d, &o, "aci.receipt.keyset_digest", &v), FAIL);
    CHECK_EQ_INT(v, FAILED);
    json_decref(d);

    /* the public options: teeattest_aci_serving values only */
    d = event_doc("[" RECV "," FWD(V4_REQUEST_HASH) "," RET "]");
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    teeattest_aci_receipt_options po = TEEATTEST_ACI_RECEIPT_OPTIONS_INIT;
    po.require_verified = 1;
    teeattest_result *r = NULL;
    static const int32_t outcome[] = {FAIL, PASS, FAIL};
    for (int32_t m = 0; m <= 2; m++) {
        po.serving = m;
        CHECK_EQ_INT(teeattest_aci_verify_receipt(
                         ctx, &r, (const uint8_t *)text, strlen(text),
                         (const uint8_t *)V1_KEYSET_JCS,
                         strlen(V1_KEYSET_JCS), &po, NULL),
                     TEEATTEST_OK);
        int32_t got = 0;
        teeattest_result_find_check(r, "aci.receipt.upstream", &got, NULL,
                                    NULL);
        CHECK_EQ_INT(got, outcome[m]);
        teeattest_result_free(r);
        r = NULL;
    }
    static const int32_t bad[] = {-1, 3, 0x101};
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++) {
        po.serving = bad[i];
        CHECK_EQ_INT(teeattest_aci_verify_receipt(
                         ctx, &r, (const uint8_t *)text, strlen(text),
                         (const uint8_t *)V1_KEYSET_JCS,
                         strlen(V1_KEYSET_JCS), &po, NULL),
                     TEEATTEST_E_INVALID_ARG);
        CHECK(r == NULL);
    }
    free(text);
}

static void shapes(void)
{
    static const char *const members[] = {
        "api_version", "receipt_id", "workload_keyset_digest", "key_id",
        "signature", "served_at", "event_log",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(members); i++) {
        json_t *d = vector_doc();
        json_object_del(d, members[i]);
        int32_t v;
        CHECK_EQ_INT(run(d, NULL, "aci.receipt.shape", &v), FAIL);
        CHECK_EQ_INT(run(d, NULL, "aci.receipt.signature", &v), SKIP);
        CHECK_EQ_INT(v, FAILED);
        json_object_set_new(d, members[i], json_true());
        CHECK_EQ_INT(run(d, NULL, "aci.receipt.shape", &v), FAIL);
        json_decref(d);
    }
    json_t *d = vector_doc();
    json_object_set_new(d, "signature", json_string("abcd"));
    CHECK_EQ_INT(run(d, NULL, "aci.receipt.shape", NULL), FAIL);
    json_decref(d);
    d = vector_doc();
    json_object_set_new(d, "served_at", json_real(1.75e9));
    CHECK_EQ_INT(run(d, NULL, "aci.receipt.shape", NULL), FAIL);
    json_decref(d);
    d = vector_doc();
    json_object_set_new(d, "model", json_null());
    aci_kit_sign(ctx, d, 0x02);
    CHECK_EQ_INT(run(d, NULL, "aci.receipt.shape", NULL), PASS);
    CHECK_EQ_INT(run(d, NULL, "aci.receipt.signature", NULL), PASS);
    json_decref(d);
}

/* A receipt signed by a key whose algorithm the verifier does not
 * implement is rejected, even if the keyset lists it. */
static void unknown_algo(void)
{
    ta_aci_keyset k2;
    static const char doc[] =
        "{\"not_after\":1800000000,\"receipt_signing_keys\":[{\"key_id\":"
        "\"receipt-1\",\"algo\":\"ed448\",\"public_key\":"
        "\"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\"}],"
        "\"e2ee_public_keys\":[]}";
    CHECK_EQ_INT(ta_aci_keyset_parse_bytes(ctx, &k2, (const uint8_t *)doc,
                                           strlen(doc), NULL),
                 TEEATTEST_OK);
    ta_checks c;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(ta_aci_receipt_verify(ctx, &c, (const uint8_t *)SIGNED_DOC,
                                       strlen(SIGNED_DOC), &k2, NULL, NULL,
                                       NULL),
                 TEEATTEST_OK);
    CHECK(c.failed);
    CHECK_STR(c.first_fail, "aci.receipt.signature");
    ta_aci_keyset_free(ctx, &k2);
}

int main(void)
{
    ctx = unit_ctx();
    if (ta_aci_keyset_parse_bytes(ctx, &ks, (const uint8_t *)V1_KEYSET_JCS,
                                  strlen(V1_KEYSET_JCS), NULL)) {
        printf("Bail out! vector keyset\n");
        return 1;
    }
    make_signed_doc();
    vector();
    edits();
    signed_negatives();
    event_log();
    sessions();
    direct_service();
    shapes();
    unknown_algo();
    ta_aci_keyset_free(ctx, &ks);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
