/*
 * signature_kind (NEAR AI cloud-api): the kind fixes the signed text's
 * form and, against an attested report, whose verified key must have
 * signed: provider_tee the model entry's, gateway the gateway's; a legacy
 * record (no kind) may come from either, and signer_role says which.
 *
 * Where the vectors come from:
 * - The two kinds and their text forms are NEAR's, from nearai/cloud-api
 *   at commit 54b4a7c0dbc8be780662ca8fa89b99761dee2c27 (Apache-2.0):
 *   crates/api/src/routes/attestation/signature.rs (SignatureResponse:
 *   provider_tee "{model_id}:{request_hash}:{response_hash}", gateway
 *   "{request_hash}:{response_hash}", the member omitted for records
 *   stored before the kind existed) and
 *   crates/services/src/attestation/gateway_signatures.rs (the gateway
 *   signs "{request_hash}:{response_hash}" with Ed25519 over the UTF-8
 *   text, and with EIP-191 personal_sign, "0x" + r||s||(27 + recid)).
 * - The signed exchanges are the shared synthetic vectors
 *   (shared/fixtures/providers/synthetic_signature_vectors, public test
 *   keys: secp256k1 private key 1, Ed25519 seed 32 x 0x02), signed in
 *   exactly those two forms: "nonstream_2part" is a gateway text,
 *   "nonstream_3part_model_prefixed" a provider_tee text over the same
 *   request and response.
 * - The attestation is a stand-in for a verified two-layer report result
 *   (the facts teeattest_report_verify() writes: entry[i].role,
 *   entry[i].signer, signer, signer.gateway), since no attested key here
 *   has a private key. The other role's key is a key nobody signed with.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"
#include "report_helpers.h"

#include "teeattest/teeattest.h"

static teeattest_ctx *ctx;

/* The secp256k1 key 2's address and a real Ed25519 gateway key (from the
 * NEAR cloud gateway capture): keys that did not sign the vectors. */
#define OTHER_ECDSA "0x2b5ad5c4795c026514f8317c7a215e218dccd6cf"
#define OTHER_ED "cb6fc58f6bd685919fa42fb54d3fcfe03222e324bdda91f0bac6d5c73dc4f1c6"
/* A third key of each: secp256k1 key 3, the capture's model key. */
#define THIRD_ECDSA "0x6813eb9362372eef6200f3b1dbc3f819671cba69"
#define THIRD_ED "d0aa20bcf567cc0c7c914608967dbd4c7a17e10b600802d45923434ce323f823"

typedef struct vec {
    char text[400], sig[160], addr[80];
} vec;

static json_t *vectors;
static uint8_t *req, *resp;
static size_t req_len, resp_len;

static void load_vec(vec *v, const char *name, const char *algo)
{
    json_t *arr = json_object_get(vectors, "vectors");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "name")), name))
            continue;
        json_t *a = json_object_get(e, algo);
        snprintf(v->text, sizeof v->text, "%s",
                 json_string_value(json_object_get(e, "text")));
        snprintf(v->sig, sizeof v->sig, "%s",
                 json_string_value(json_object_get(a, "signature")));
        snprintf(v->addr, sizeof v->addr, "%s",
                 json_string_value(json_object_get(a, "signing_address")));
        return;
    }
    printf("Bail out! vector %s not found\n", name);
    exit(1);
}

/* The record as cloud-api serves it, with `kind` (NULL: no member). */
static teeattest_signature *record(const vec *v, const char *algo,
                                   const char *kind_json)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"text\":\"%s\",\"signature\":\"%s\",\"signing_address\":"
             "\"%s\",\"signing_algo\":\"%s\"%s%s}",
             v->text, v->sig, v->addr, algo,
             kind_json ? ",\"signature_kind\":" : "",
             kind_json ? kind_json : "");
    teeattest_signature *s = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_signature_parse_json(ctx, &s, (const uint8_t *)buf,
                                            strlen(buf), &e);
    if (rc) {
        printf("Bail out! record: %s %s\n", teeattest_status_name(rc),
               e.message);
        exit(1);
    }
    return s;
}

/* A verified two-layer report result: entry 0 the gateway, entry 1 the
 * model. */
static teeattest_result *attestation(const char *gateway, const char *model,
                                     const char *algo)
{
    teeattest_result *r = NULL;
    if (ta_result_new(ctx, &r) != TEEATTEST_OK) {
        printf("Bail out! ta_result_new\n");
        exit(1);
    }
    ta_result_check(r, "report.entries", TEEATTEST_OUTCOME_PASS, true,
                    "stand-in for a verified two-layer report");
    ta_result_fact_str(r, "entry[0].role", "gateway");
    ta_result_fact_str(r, "entry[0].signer", gateway);
    ta_result_fact_str(r, "entry[1].role", "model");
    ta_result_fact_str(r, "entry[1].signer", model);
    ta_result_fact_str(r, "signer", model);
    ta_result_fact_str(r, "signing_algo", algo);
    ta_result_fact_str(r, "signer.gateway", gateway);
    if (ta_result_finish(r, NULL) != TEEATTEST_OK) {
        printf("Bail out! ta_result_finish\n");
        exit(1);
    }
    return r;
}

static teeattest_result *attested(const teeattest_signature *s,
                                  const teeattest_result *att)
{
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_signature_verify_attested(s, &r, NULL, att, req,
                                                     req_len, resp, resp_len,
                                                     NULL),
                 TEEATTEST_OK);
    return r;
}

static const char *detail(const teeattest_result *r, const char *name)
{
    const char *d = NULL;
    teeattest_result_find_check(r, name, NULL, &d, NULL);
    return d ? d : "";
}

static void for_algo(const char *algo, const char *other, const char *third)
{
    printf("# %s\n", algo);
    vec two, three;
    load_vec(&two, "nonstream_2part", algo);
    load_vec(&three, "nonstream_3part_model_prefixed", algo);
    const char *key = two.addr; /* the key both vectors are signed with */
    teeattest_result *as_model = attestation(other, key, algo);
    teeattest_result *as_gateway = attestation(key, other, algo);

    /* provider_tee, model:req:resp, signed by the model entry's key. */
    teeattest_signature *pt = record(&three, algo, "\"provider_tee\"");
    CHECK_EQ_INT(teeattest_signature_kind(pt), TEEATTEST_SIG_KIND_PROVIDER_TEE);
    teeattest_result *r = attested(pt, as_model);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(ta_test_outcome(r, "signature.kind"), "pass");
    CHECK_STR(ta_test_outcome(r, "signature.signer.role"), "pass");
    CHECK_STR(ta_test_fact(r, "signature_kind"), "provider_tee");
    CHECK_STR(ta_test_fact(r, "signer_role"), "model");
    teeattest_result_free(r);
    /* Kind swapped: a provider_tee record signed by the gateway's key. */
    r = attested(pt, as_gateway);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(ta_test_outcome(r, "signature.signer.role"), "fail");
    CHECK(strstr(detail(r, "signature.signer.role"), other) != NULL);
    CHECK(strstr(detail(r, "signature.signer.role"), key) != NULL);
    CHECK(strstr(detail(r, "signature.signer.role"),
                 "the verified gateway's key") != NULL);
    /* ECDSA recovers the claimed key; Ed25519 is verified under the
     * expected (model) key, so its own checks fail too. */
    CHECK_STR(ta_test_failures(r),
              strcmp(algo, "ecdsa") == 0
                  ? "signature.signer.expected,signature.signer.role"
                  : "signature.ed25519.verify,signature.signer.claimed,"
                    "signature.signer.expected,signature.signer.role");
    teeattest_result_free(r);
    teeattest_signature_free(pt);

    /* gateway, req:resp, signed by the gateway's key. */
    teeattest_signature *gw = record(&two, algo, "\"gateway\"");
    CHECK_EQ_INT(teeattest_signature_kind(gw), TEEATTEST_SIG_KIND_GATEWAY);
    r = attested(gw, as_gateway);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(ta_test_outcome(r, "signature.kind"), "pass");
    CHECK_STR(ta_test_fact(r, "signer_role"), "gateway");
    CHECK_STR(ta_test_fact(r, "signature_kind"), "gateway");
    teeattest_result_free(r);
    /* Kind swapped: a gateway record signed by the model entry's key. */
    r = attested(gw, as_model);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(ta_test_outcome(r, "signature.signer.role"), "fail");
    CHECK(strstr(detail(r, "signature.signer.role"), other) != NULL);
    CHECK(strstr(detail(r, "signature.signer.role"), key) != NULL);
    CHECK(strstr(detail(r, "signature.signer.role"),
                 "the verified model's key") != NULL);
    teeattest_result_free(r);
    teeattest_signature_free(gw);

    /* Text form swapped: each kind over the other kind's text. */
    teeattest_signature *bad = record(&two, algo, "\"provider_tee\"");
    r = attested(bad, as_model);
    CHECK_STR(ta_test_failures(r), "signature.kind");
    CHECK(strstr(detail(r, "signature.kind"), "two-part") != NULL);
    teeattest_result_free(r);
    teeattest_signature_free(bad);
    bad = record(&three, algo, "\"gateway\"");
    r = attested(bad, as_gateway);
    CHECK_STR(ta_test_failures(r), "signature.kind");
    CHECK(strstr(detail(r, "signature.kind"), "demo-model") != NULL);
    teeattest_result_free(r);
    teeattest_signature_free(bad);

    /* Kind removed: a legacy record may come from either key, in either
     * form; signer_role says whose key signed and signature.kind why it
     * was not checked. */
    teeattest_signature *legacy = record(&two, algo, NULL);
    CHECK_EQ_INT(teeattest_signature_kind(legacy), TEEATTEST_SIG_KIND_NONE);
    r = attested(legacy, as_gateway);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(ta_test_outcome(r, "signature.kind"), "skip");
    CHECK_STR(ta_test_fact(r, "signer_role"), "gateway");
    CHECK(teeattest_result_fact(r, "signature_kind") == NULL);
    teeattest_result_free(r);
    r = attested(legacy, as_model);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(ta_test_fact(r, "signer_role"), "model");
    teeattest_result_free(r);
    /* ... but never from a key the report does not attest. */
    teeattest_result *neither = attestation(other, third, algo);
    r = attested(legacy, neither);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(ta_test_outcome(r, "signature.signer.role"), "fail");
    CHECK(strstr(detail(r, "signature.signer.role"),
                 "a key the report does not attest") != NULL);
    teeattest_result_free(r);
    teeattest_result_free(neither);
    teeattest_signature_free(legacy);
    legacy = record(&three, algo, "null");
    CHECK_EQ_INT(teeattest_signature_kind(legacy), TEEATTEST_SIG_KIND_NONE);
    r = attested(legacy, as_gateway);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(ta_test_fact(r, "signer_role"), "gateway");
    teeattest_result_free(r);
    teeattest_signature_free(legacy);

    teeattest_result_free(as_model);
    teeattest_result_free(as_gateway);
}

/* A gateway record against a report without a gateway (a model proxy's
 * own report): no gateway key is attested, so nothing passes. */
static void no_gateway(void)
{
    vec two;
    load_vec(&two, "nonstream_2part", "ecdsa");
    teeattest_result *att = NULL;
    ta_result_new(ctx, &att);
    ta_result_check(att, "report.entries", TEEATTEST_OUTCOME_PASS, true, "x");
    ta_result_fact_str(att, "entry[0].role", "model");
    ta_result_fact_str(att, "entry[0].signer", two.addr);
    ta_result_fact_str(att, "signer", two.addr);
    CHECK_EQ_INT(ta_result_finish(att, NULL), TEEATTEST_OK);
    teeattest_signature *gw = record(&two, "ecdsa", "\"gateway\"");
    teeattest_result *r = attested(gw, att);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(ta_test_outcome(r, "signature.attestation"), "fail");
    CHECK(strstr(detail(r, "signature.attestation"), "no gateway key") != NULL);
    CHECK_STR(ta_test_outcome(r, "signature.signer.role"), "skip");
    teeattest_result_free(r);
    teeattest_signature_free(gw);
    teeattest_result_free(att);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    size_t n;
    uint8_t *vj = unit_fixture(
        "providers/synthetic_signature_vectors/vectors.json", &n);
    req = unit_fixture(
        "providers/synthetic_signature_vectors/nonstream_request_body.json",
        &req_len);
    resp = unit_fixture(
        "providers/synthetic_signature_vectors/nonstream_response_body.json",
        &resp_len);
    vectors = vj ? json_loadb((const char *)vj, n, 0, NULL) : NULL;
    if (!vectors || !req || !resp) {
        printf("Bail out! synthetic vectors not found\n");
        return 1;
    }
    for_algo("ecdsa", OTHER_ECDSA, THIRD_ECDSA);
    for_algo("ed25519", OTHER_ED, THIRD_ED);
    no_gateway();
    json_decref(vectors);
    free(vj);
    free(req);
    free(resp);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
