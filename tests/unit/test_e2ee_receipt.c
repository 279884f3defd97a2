/*
 * E2EE v2 inside ACI receipt verification (teeattest_aci_verify_receipt
 * with opts.e2ee): the request hash over the restored body, aci.e2ee.key
 * (the key encrypted to is listed in the keyset verified against) and
 * aci.e2ee.response (every answer field opens under its AAD), each with
 * its negative: a keyset without the key, a tampered tag, a plaintext
 * answer, the encrypted wire body in place of the restored one.
 *
 * Receipts are signed with the vectors' receipt-1 key (aci_kit.h); the
 * service half runs on the injected clock (e2ee_kit.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "aci_kit.h"
#include "e2ee_kit.h"

static const char req[] =
    "{\"model\":\"demo-model\",\"messages\":[{\"role\":\"user\","
    "\"content\":\"secret prompt\"}],\"temperature\":0.7}";
static const char resp[] =
    "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"choices\":[{"
    "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"secret "
    "answer\"},\"finish_reason\":\"stop\"}]}";

static char *hash_str(const uint8_t *p, size_t n)
{
    static char out[2][72];
    static int k;
    uint8_t d[32];
    crypto_hash_sha256(d, p, n);
    char hex[65];
    unit_tohex(hex, d, 32);
    k ^= 1;
    snprintf(out[k], sizeof out[k], "sha256:%s", hex);
    return out[k];
}

/* A receipt over (req_hash, resp_hash) against keyset `ks`. */
static char *receipt(teeattest_ctx *ctx, const char *ks, const char *rq,
                     const char *rs)
{
    char digest[TEEATTEST_ACI_DIGEST_SIZE];
    CHECK_EQ_INT(teeattest_aci_keyset_digest(ctx, digest, sizeof digest,
                                             (const uint8_t *)ks, strlen(ks),
                                             NULL), 0);
    json_t *d = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:[{s:s,s:s},{s:s,s:s}],s:s}",
        "api_version", "aci/1", "receipt_id", "rcpt-1", "chat_id",
        "chatcmpl-9", "model", "demo-model", "workload_keyset_digest", digest,
        "endpoint", "/v1/chat/completions", "method", "POST", "served_at",
        (json_int_t)V_TS, "event_log", "type", "request.received",
        "body_hash", rq, "type", "response.returned", "body_hash", rs,
        "key_id", "receipt-1");
    aci_kit_sign(ctx, d, 0x02);
    char *t = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return t;
}

static int32_t outcome(const teeattest_result *r, const char *name)
{
    int32_t o = -1;
    teeattest_result_find_check(r, name, &o, NULL, NULL);
    return o;
}

static teeattest_result *verify(pair *p, const char *ks, const char *rc,
                                const uint8_t *request, size_t request_len,
                                const uint8_t *response, size_t response_len)
{
    teeattest_aci_receipt_options o = TEEATTEST_ACI_RECEIPT_OPTIONS_INIT;
    o.request = request;
    o.request_len = request_len;
    o.response = response;
    o.response_len = response_len;
    o.e2ee = p->cli;
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_aci_verify_receipt(
                     p->ctx, &r, (const uint8_t *)rc, strlen(rc),
                     (const uint8_t *)ks, strlen(ks), &o, NULL), 0);
    return r;
}

static void test_suite(int suite)
{
    pair p;
    pair_open(&p, suite);
    const char *spec = NULL;
    uint8_t *restored = NULL;
    size_t rlen = 0;
    CHECK_EQ_INT(send_req(&p, TA_E2EE_EP_CHAT, req, &spec, &restored, &rlen),
                 0);
    uint8_t *sealed = NULL;
    size_t slen = 0;
    CHECK_EQ_INT(ta_e2ee_server_seal(p.x, &sealed, &slen, false,
                                     (const uint8_t *)resp, strlen(resp),
                                     NULL), 0);
    /* the keyset the session was made from, with receipt-1 */
    char ks[1024];
    snprintf(ks, sizeof ks,
             "{\"subject\":null,\"not_after\":1790000000,"
             "\"receipt_signing_keys\":[{\"key_id\":\"receipt-1\",\"algo\":"
             "\"ed25519\",\"public_key\":"
             "\"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\"}],"
             "\"e2ee_public_keys\":[{\"key_id\":\"e2ee-1\",\"algo\":\"%s\","
             "\"public_key\":\"%s\"}],\"tls_public_keys\":[]}",
             ta_e2ee_algo(suite), ta_e2ee_server_pub_hex(p.srv));
    char *rc = receipt(p.ctx, ks, hash_str(restored, rlen),
                       hash_str(sealed, slen));

    teeattest_result *r = verify(&p, ks, rc, NULL, 0, sealed, slen);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_EQ_INT(outcome(r, "aci.receipt.request_hash"),
                 TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(outcome(r, "aci.e2ee.key"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(outcome(r, "aci.e2ee.response"), TEEATTEST_OUTCOME_PASS);
    CHECK_STR(teeattest_result_fact(r, "aci.e2ee.fields"), "1");
    teeattest_result_free(r);

    /* the encrypted wire body is not what the receipt hashes */
    const uint8_t *wire;
    size_t wlen;
    CHECK_EQ_INT(teeattest_e2ee_request_body(p.cli, &wire, &wlen, NULL), 0);
    r = verify(&p, ks, rc, wire, wlen, sealed, slen);
    CHECK_EQ_INT(outcome(r, "aci.receipt.request_hash"),
                 TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);

    /* a tag digit changed (the receipt covering those bytes) */
    uint8_t *bad = malloc(slen);
    memcpy(bad, sealed, slen);
    uint8_t *q = memmem(bad, slen, "\"content\":\"", 11);
    CHECK(q != NULL);
    q = q ? (uint8_t *)memchr(q + 11, '"', slen - (size_t)(q + 11 - bad)) : 0;
    if (q) {
        q[-5] = q[-5] == '0' ? '1' : '0';
        free(rc);
        rc = receipt(p.ctx, ks, hash_str(restored, rlen), hash_str(bad, slen));
        r = verify(&p, ks, rc, NULL, 0, bad, slen);
        CHECK_EQ_INT(outcome(r, "aci.receipt.response_hash"),
                     TEEATTEST_OUTCOME_PASS);
        CHECK_EQ_INT(outcome(r, "aci.e2ee.response"), TEEATTEST_OUTCOME_FAIL);
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
        teeattest_result_free(r);
    }
    free(bad);

    /* a plaintext answer */
    free(rc);
    rc = receipt(p.ctx, ks, hash_str(restored, rlen),
                 hash_str((const uint8_t *)resp, strlen(resp)));
    r = verify(&p, ks, rc, NULL, 0, (const uint8_t *)resp, strlen(resp));
    CHECK_EQ_INT(outcome(r, "aci.e2ee.response"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);

    /* a keyset that does not list the key the request went to (the X25519
     * base point: a valid key, not the service's) */
    char other[1024];
    snprintf(other, sizeof other,
             "{\"subject\":null,\"not_after\":1790000000,"
             "\"receipt_signing_keys\":[{\"key_id\":\"receipt-1\",\"algo\":"
             "\"ed25519\",\"public_key\":"
             "\"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\"}],"
             "\"e2ee_public_keys\":[{\"key_id\":\"e2ee-1\",\"algo\":"
             "\"x25519-aes-256-gcm-hkdf-sha256\",\"public_key\":"
             "\"0900000000000000000000000000000000000000000000000000000000000000\"}],"
             "\"tls_public_keys\":[]}");
    free(rc);
    rc = receipt(p.ctx, other, hash_str(restored, rlen),
                 hash_str(sealed, slen));
    r = verify(&p, other, rc, NULL, 0, sealed, slen);
    CHECK_EQ_INT(outcome(r, "aci.e2ee.key"), TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(outcome(r, "aci.receipt.signature"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* no response bytes: the required check is skipped, not passed */
    free(rc);
    rc = receipt(p.ctx, ks, hash_str(restored, rlen), hash_str(sealed, slen));
    r = verify(&p, ks, rc, NULL, 0, NULL, 0);
    CHECK_EQ_INT(outcome(r, "aci.e2ee.response"), TEEATTEST_OUTCOME_SKIP);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    free(rc);
    ta_free(p.ctx, restored);
    ta_free(p.ctx, sealed);
    pair_close(&p);
}

int main(void)
{
    test_suite(TA_E2EE_X25519);
    test_suite(TA_E2EE_SECP256K1);
    return ta_test_done();
}
