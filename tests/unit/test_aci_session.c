/*
 * ACI/1 attested sessions (lib/aci/session.c): spec/test-vectors.md
 * section 3 of Dstack-TEE/private-ai-gateway b6b5c1b (the session id, the
 * evidence digest and data URI) byte for byte, any encoding giving the same
 * id, a non-ASCII document whose JCS order differs between UTF-16 code
 * units and code points, then a negative per check.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "aci/aci.h"
#include "crypto/crypto.h"
#include "aci_kit.h"

static teeattest_ctx *ctx;

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define VERIFIED TEEATTEST_VERDICT_VERIFIED
#define FAILED TEEATTEST_VERDICT_FAILED

/* Non-ASCII: members U+FB01, U+1F600 and "z" in claims.extra, escaped in
 * the input; JCS orders U+1F600 (UTF-16 D83D) before U+FB01. Expected id
 * computed with Python over a UTF-16-sorted serialization. */
#define UNICODE_DOC                                                            \
    "{\"api_version\": \"aci/1\", \"upstream_name\": \"caf\\u00e9 \\u2603\", " \
    "\"endpoint\": null, \"verifier_id\": \"v/1\", \"established_at\": 1, "   \
    "\"expires_at\": 2, \"channel_binding\": [{\"type\": "                     \
    "\"e2ee_public_key_sha256\", \"provider\": \"p\", \"algorithm\": "        \
    "\"x25519-aes-256-gcm-hkdf-sha256\", \"public_key_sha256\": "             \
    "\"abababababababababababababababababababababababababababababababab\"}], " \
    "\"claims\": {\"extra\": {\"\\ufb01\": \"a\", \"\\ud83d\\ude00\": \"b\", " \
    "\"z\": \"\\u00e9\"}}, \"evidence\": {\"digest\": \"sha256:80d70e44d0ae1e" \
    "829fd5f37c3ee4a60dfbea8d3aa18407ea3f34cf7ec91da34d\", \"data\": "        \
    "\"data:text/plain;base64,ZXhhbXBsZS1ldmlkZW5jZQ==\"}}"
#define UNICODE_ID                                                             \
    "c06c1ef9014cacedb441a14405426dc723ce67e53bba027169c748ecede24a3c"

static int32_t run_text(const char *text, const char *expected,
                        const char *name, int32_t *verdict,
                        ta_aci_session_info *info, teeattest_result **keep)
{
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_checks c;
    memset(&c, 0, sizeof c);
    c.r = r;
    CHECK_EQ_INT(ta_aci_session_verify(ctx, &c, (const uint8_t *)text,
                                       strlen(text), expected, info, NULL),
                 TEEATTEST_OK);
    ta_result_finish(r, NULL);
    int32_t out = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        if (strcmp(r->checks[i].name, name) == 0)
            out = r->checks[i].outcome;
    if (verdict)
        *verdict = teeattest_result_verdict(r);
    if (keep)
        *keep = r;
    else
        teeattest_result_free(r);
    return out;
}

static int32_t run(json_t *d, const char *expected, const char *name,
                   int32_t *verdict)
{
    char *text = json_dumps(d, JSON_COMPACT);
    int32_t out = run_text(text, expected, name, verdict, NULL, NULL);
    free(text);
    return out;
}

static json_t *vector_doc(void)
{
    return json_loads(V3_SESSION_JCS, 0, NULL);
}

static void vector(void)
{
    uint8_t h[32];
    ta_sha256(ctx, h, (const uint8_t *)V3_SESSION_JCS, strlen(V3_SESSION_JCS));
    CHECK_HEX(h, 32, V3_SESSION_ID);
    json_t *d = vector_doc();
    char id[65];
    CHECK_EQ_INT(ta_aci_session_id(ctx, d, id, NULL), TEEATTEST_OK);
    CHECK_STR(id, V3_SESSION_ID);
    /* pretty-printed and reordered: the same id */
    char *pretty = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    ta_aci_session_info info;
    teeattest_result *r = NULL;
    int32_t v;
    static const char *const all[] = {
        "aci.session.shape", "aci.session.api_version", "aci.session.id",
        "aci.session.evidence", "aci.session.channel_binding",
        "aci.session.claims",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(all); i++) {
        CHECK_EQ_INT(run_text(pretty, V3_SESSION_ID, all[i], &v, &info, &r),
                     PASS);
        CHECK_EQ_INT(v, VERIFIED);
        CHECK_STR(info.id, V3_SESSION_ID);
        CHECK(info.evidence_ok);
        CHECK_EQ_INT(info.evidence_len, 16);
        CHECK(info.evidence && memcmp(info.evidence, "example-evidence", 16) == 0);
        CHECK_STR(info.evidence_type, "text/plain");
        CHECK_EQ_INT(info.established_at, 1750000000);
        CHECK_EQ_INT(info.expires_at, 1750003600);
        /* claims kept with their source, as the service's statements */
        CHECK_STR(teeattest_result_fact(r, "unverified.aci.session.claim."
                                           "tee_attested"),
                  "asserted");
        CHECK_STR(teeattest_result_fact(r, "unverified.aci.session.claim."
                                           "tee_attested.source"),
                  "hardware_proven");
        CHECK_STR(teeattest_result_fact(r, "unverified.aci.session.claim."
                                           "gpu_attested"),
                  "unknown");
        CHECK(teeattest_result_fact(r, "unverified.aci.session.claim."
                                       "gpu_attested.source") == NULL);
        CHECK(teeattest_result_fact(r, "aci.session.claim.tee_attested") ==
              NULL);
        CHECK_STR(teeattest_result_fact(r, "unverified.aci.session.extra."
                                           "gpu_arch"),
                  "HOPPER");
        CHECK_STR(teeattest_result_fact(r, "aci.session.id"), V3_SESSION_ID);
        teeattest_result_free(r);
        ta_aci_session_info_free(ctx, &info);
    }
    free(pretty);
    /* no expected id: reported, skipped (not required) */
    CHECK_EQ_INT(run(d, NULL, "aci.session.id", &v), SKIP);
    CHECK_EQ_INT(v, VERIFIED);
    json_decref(d);
}

static void unicode(void)
{
    int32_t v;
    ta_aci_session_info info;
    CHECK_EQ_INT(run_text(UNICODE_DOC, UNICODE_ID, "aci.session.id", &v, &info,
                          NULL),
                 PASS);
    CHECK_EQ_INT(v, VERIFIED);
    CHECK_STR(info.id, UNICODE_ID);
    ta_aci_session_info_free(ctx, &info);
}

static void negatives(void)
{
    int32_t v;
    /* any member edited: another id */
    static const char *const strs[] = {"upstream_name", "endpoint",
                                       "verifier_id"};
    for (size_t i = 0; i < TA_ARRAY_LEN(strs); i++) {
        json_t *d = vector_doc();
        json_object_set_new(d, strs[i], json_string("https://evil.example"));
        CHECK_EQ_INT(run(d, V3_SESSION_ID, "aci.session.id", &v), FAIL);
        CHECK_EQ_INT(v, FAILED);
        json_decref(d);
    }
    json_t *d = vector_doc();
    json_object_set_new(d, "expires_at", json_integer(1750007200));
    CHECK_EQ_INT(run(d, V3_SESSION_ID, "aci.session.id", &v), FAIL);
    json_decref(d);
    d = vector_doc();
    json_object_set_new(json_object_get(json_object_get(d, "claims"),
                                        "gpu_attested"),
                        "status", json_string("asserted"));
    CHECK_EQ_INT(run(d, V3_SESSION_ID, "aci.session.id", &v), FAIL);
    json_decref(d);
    /* evidence whose data does not hash to its digest (the id recomputed
     * over the edited document still fails the evidence check) */
    d = vector_doc();
    json_t *ev = json_object_get(d, "evidence");
    json_object_set_new(ev, "data",
                        json_string("data:text/plain;base64,ZXhhbXBsZS1ldmlk"
                                    "ZW5jZR=="));
    CHECK_EQ_INT(run(d, NULL, "aci.session.evidence", &v), FAIL);
    CHECK_EQ_INT(v, FAILED);
    json_object_set_new(ev, "data",
                        json_string("data:text/plain;base64,b3RoZXI="));
    CHECK_EQ_INT(run(d, NULL, "aci.session.evidence", &v), FAIL);
    static const char *const bad_uri[] = {
        "text/plain;base64,ZXhhbXBsZS1ldmlkZW5jZQ==",
        "data:text/plain,example-evidence",
        "data:text/plain;base64,ZXhhbXBsZS1ldmlkZW5jZQ",
        "data:text/plain;base64,ZXhhbXBsZS1ldmlkZW5jZQ-_",
        "data:;base64",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad_uri); i++) {
        json_object_set_new(ev, "data", json_string(bad_uri[i]));
        CHECK_EQ_INT(run(d, NULL, "aci.session.evidence", &v), FAIL);
    }
    json_decref(d);
    d = vector_doc();
    json_object_set_new(json_object_get(d, "evidence"), "digest",
                        json_string("sha256:80D70E44D0AE1E829FD5F37C3EE4A60DFB"
                                    "EA8D3AA18407EA3F34CF7EC91DA34D"));
    CHECK_EQ_INT(run(d, NULL, "aci.session.evidence", &v), FAIL);
    json_decref(d);
    /* version */
    d = vector_doc();
    json_object_set_new(d, "api_version", json_string("aci/0"));
    CHECK_EQ_INT(run(d, NULL, "aci.session.api_version", &v), FAIL);
    CHECK_EQ_INT(v, FAILED);
    json_decref(d);
    /* shape: each required member dropped, or of the wrong type */
    static const char *const members[] = {
        "api_version", "upstream_name", "endpoint", "verifier_id",
        "established_at", "expires_at", "channel_binding", "claims",
        "evidence",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(members); i++) {
        d = vector_doc();
        json_object_del(d, members[i]);
        CHECK_EQ_INT(run(d, NULL, "aci.session.shape", &v), FAIL);
        CHECK_EQ_INT(run(d, NULL, "aci.session.evidence", &v), SKIP);
        CHECK_EQ_INT(v, FAILED);
        json_object_set_new(d, members[i], json_true());
        CHECK_EQ_INT(run(d, NULL, "aci.session.shape", &v), FAIL);
        json_decref(d);
    }
    d = vector_doc();
    json_object_set_new(d, "expires_at", json_integer(1750000000));
    CHECK_EQ_INT(run(d, NULL, "aci.session.shape", &v), FAIL);
    json_decref(d);
    /* channel bindings: none enforceable */
    d = vector_doc();
    json_t *cb = json_object_get(d, "channel_binding");
    json_object_set_new(json_array_get(cb, 0), "type", json_string("quic"));
    CHECK_EQ_INT(run(d, NULL, "aci.session.channel_binding", &v), FAIL);
    json_array_clear(cb);
    CHECK_EQ_INT(run(d, NULL, "aci.session.channel_binding", &v), FAIL);
    json_array_append_new(cb, json_integer(1));
    CHECK_EQ_INT(run(d, NULL, "aci.session.channel_binding", &v), FAIL);
    json_decref(d);
    d = vector_doc();
    json_object_set_new(json_array_get(json_object_get(d, "channel_binding"),
                                       0),
                        "spki_sha256", json_string("d1d1"));
    CHECK_EQ_INT(run(d, NULL, "aci.session.channel_binding", &v), FAIL);
    json_decref(d);
    /* claims: asserted without a source, not an object; unknown status */
    d = vector_doc();
    json_t *claims = json_object_get(d, "claims");
    json_object_set_new(json_object_get(claims, "gpu_attested"), "status",
                        json_string("asserted"));
    CHECK_EQ_INT(run(d, NULL, "aci.session.claims", &v), FAIL);
    json_object_set_new(claims, "gpu_attested", json_string("asserted"));
    CHECK_EQ_INT(run(d, NULL, "aci.session.claims", &v), FAIL);
    json_object_set_new(claims, "gpu_attested",
                        json_pack("{s:s}", "status", "probably"));
    teeattest_result *r = NULL;
    char *text = json_dumps(d, 0);
    CHECK_EQ_INT(run_text(text, NULL, "aci.session.claims", &v, NULL, &r),
                 PASS);
    CHECK_STR(teeattest_result_fact(r, "unverified.aci.session.claim."
                                       "gpu_attested"),
              "unknown");
    teeattest_result_free(r);
    free(text);
    json_object_set_new(claims, "extra", json_string("x"));
    CHECK_EQ_INT(run(d, NULL, "aci.session.claims", &v), FAIL);
    json_decref(d);
    /* a provider-asserted claim stays provider-asserted */
    d = vector_doc();
    json_object_set_new(json_object_get(d, "claims"), "gpu_attested",
                        json_pack("{s:s,s:s,s:s}", "status", "asserted",
                                  "source", "provider_asserted", "reason",
                                  "says so"));
    text = json_dumps(d, 0);
    CHECK_EQ_INT(run_text(text, NULL, "aci.session.claims", &v, NULL, &r),
                 PASS);
    CHECK_STR(teeattest_result_fact(r, "unverified.aci.session.claim."
                                       "gpu_attested.source"),
              "provider_asserted");
    teeattest_result_free(r);
    free(text);
    json_decref(d);
    /* not an object, duplicate members */
    ta_checks c;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(ta_aci_session_verify(ctx, &c, (const uint8_t *)"[1]", 3,
                                       NULL, NULL, NULL),
                 TEEATTEST_E_JSON);
    static const char dup[] = "{\"api_version\":\"aci/1\",\"api_version\":1}";
    CHECK(ta_aci_session_verify(ctx, &c, (const uint8_t *)dup, strlen(dup),
                                NULL, NULL, NULL) != TEEATTEST_OK);
}

int main(void)
{
    ctx = unit_ctx();
    vector();
    unicode();
    negatives();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
