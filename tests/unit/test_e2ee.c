/*
 * E2EE v2 (lib/aci/e2ee*.c): the published vectors of
 * Dstack-TEE/private-ai-gateway spec/e2ee-v2-test-vectors.md (commit
 * b6b5c1b; the same constants as its src/aggregator/service/
 * e2ee_crypto.rs tests), and client <-> server half round trips for both
 * suites: chat with every part type, completions, embeddings, the
 * restored body of the receipt, a stream split at every byte. The attacks
 * are in test_e2ee_attacks.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "e2ee_kit.h"
#include "transport/sse.h"

static void test_vectors(void)
{
    teeattest_ctx *ctx = clock_ctx();
    ta_e2ee_binding b = {.suite = TA_E2EE_X25519, .model = "demo-model",
                         .model_len = 10, .nonce = V_NONCE, .ts = V_TS};
    ta_buf buf;
    ta_buf_init(&buf, ctx, 0);
    CHECK_EQ_INT(ta_e2ee_aad(&buf, &b, NULL, 0, "messages.0.content"), 0);
    CHECK(buf.len == strlen(v_req_aad) && !memcmp(buf.data, v_req_aad, buf.len));
    buf.len = 0;
    CHECK_EQ_INT(ta_e2ee_aad(&buf, &b, "chatcmpl-123", 12,
                             "choices.0.message.content"), 0);
    CHECK(buf.len == strlen(v_resp_aad) &&
          !memcmp(buf.data, v_resp_aad, buf.len));
    ta_buf_free(&buf);
    /* The service key of the vectors: X25519 seed 32 x 0x03. */
    uint8_t seed[32];
    memset(seed, 3, 32);
    ta_e2ee_key k;
    CHECK_EQ_INT(ta_e2ee_key_from_secret(&k, TA_E2EE_X25519, seed), 0);
    CHECK_HEX(k.pub, 32, V_PUB);
    CHECK(ta_e2ee_suite("x25519-aes-256-gcm-hkdf-sha256") == TA_E2EE_X25519);
    CHECK(ta_e2ee_suite("secp256k1-aes-256-gcm-hkdf-sha256") ==
          TA_E2EE_SECP256K1);
    CHECK(ta_e2ee_suite("X25519-AES-256-GCM-HKDF-SHA256") == 0);
    CHECK(ta_e2ee_suite("ecdsa") == 0);
    teeattest_ctx_free(ctx);
}

static const char chat_req[] =
    "{\"model\":\"demo-model\",\"temperature\":0.70,\"top_p\":1,"
    "\"x\":[1e-7,100.0,1.5e300,-2.5E2,123456789012345678.0],"
    "\"messages\":["
    "{\"role\":\"system\",\"content\":\"be brief\"},"
    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"secret "
    "prompt\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/"
    "png;base64,AAAA\"}},{\"type\":\"input_audio\",\"input_audio\":{\"data\":"
    "\"UklG\",\"format\":\"wav\"}}]},"
    "{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_data\""
    ":\"QUJD\"}},{\"type\":\"text\",\"text\":\"with a file\"}]},"
    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]},"
    "{\"role\":\"user\",\"content\":\"[1, 2]\"},"
    "{\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"q\\\" \\n\\u0001 /\"}],"
    "\"stream\":false}";
/* What the service restores and hashes (serde_json compact form). */
static const char chat_restored[] =
    "{\"model\":\"demo-model\",\"temperature\":0.7,\"top_p\":1,"
    "\"x\":[1e-7,100.0,1.5e300,-250.0,1.2345678901234568e17],"
    "\"messages\":["
    "{\"role\":\"system\",\"content\":\"be brief\"},"
    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"secret "
    "prompt\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/"
    "png;base64,AAAA\"}},{\"type\":\"input_audio\",\"input_audio\":{\"data\":"
    "\"UklG\",\"format\":\"wav\"}}]},"
    "{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_data\""
    ":\"QUJD\"}},{\"type\":\"text\",\"text\":\"with a file\"}]},"
    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]},"
    "{\"role\":\"user\",\"content\":[1,2]},"
    "{\"role\":\"user\",\"content\":\"caf\xc3\xa9 \\\"q\\\" \\n\\u0001 /\"}],"
    "\"stream\":false}";

static void test_roundtrip(int suite)
{
    printf("# round trip, %s\n", ta_e2ee_algo(suite));
    pair p;
    pair_open(&p, suite);
    CHECK(!strcmp(teeattest_e2ee_session_algo(p.cli), ta_e2ee_algo(suite)));
    CHECK(!strcmp(teeattest_e2ee_session_key_id(p.cli), "e2ee-1"));
    CHECK_EQ_INT(teeattest_e2ee_header_count(p.cli), 0);
    const char *spec = NULL;
    uint8_t *restored = NULL;
    size_t rlen = 0;
    CHECK_EQ_INT(send_req(&p, TA_E2EE_EP_CHAT, chat_req, &spec, &restored,
                          &rlen), 0);
    const uint8_t *cr, *body;
    size_t crl, blen;
    CHECK_EQ_INT(teeattest_e2ee_restored_body(p.cli, &cr, &crl, NULL), 0);
    CHECK(rlen == crl && !memcmp(restored, cr, crl));
    CHECK(crl == strlen(chat_restored) && !memcmp(cr, chat_restored, crl));
    if (crl != strlen(chat_restored) || memcmp(cr, chat_restored, crl))
        printf("# client restored: %.*s\n", (int)crl, (const char *)cr);
    ta_free(p.ctx, restored);
    /* No plaintext on the wire; the clear parts stay clear. */
    CHECK_EQ_INT(teeattest_e2ee_request_body(p.cli, &body, &blen, NULL), 0);
    CHECK(!memmem(body, blen, "secret", 6));
    CHECK(!memmem(body, blen, "be brief", 8));
    CHECK(!memmem(body, blen, "AAAA", 4));
    CHECK(!memmem(body, blen, "QUJD", 4));
    CHECK(memmem(body, blen, "\"format\":\"wav\"", 14) != NULL);
    CHECK(memmem(body, blen, "\"model\":\"demo-model\"", 20) != NULL);
    const char *n, *v;
    CHECK_EQ_INT(teeattest_e2ee_header_count(p.cli), 5);
    CHECK_EQ_INT(teeattest_e2ee_header(p.cli, &n, &v, 0, NULL), 0);
    CHECK(!strcmp(n, "X-E2EE-Version") && !strcmp(v, "2"));
    CHECK_EQ_INT(teeattest_e2ee_header(p.cli, &n, &v, 4, NULL), 0);
    CHECK(!strcmp(n, "X-E2EE-Timestamp") && !strcmp(v, "1750000000"));
    CHECK_EQ_INT(teeattest_e2ee_header(p.cli, &n, &v, 3, NULL), 0);
    CHECK(strlen(v) == 64 && ta_is_hex(v, 64));
    CHECK_EQ_INT(teeattest_e2ee_header(p.cli, &n, &v, 5, NULL),
                 TEEATTEST_E_NOT_FOUND);
    /* One request per session. */
    CHECK_EQ_INT(teeattest_e2ee_encrypt_request(
                     p.cli, TEEATTEST_E2EE_CHAT, (const uint8_t *)chat_req,
                     strlen(chat_req), NULL),
                 TEEATTEST_E_INVALID_ARG);

    /* The answer, buffered. */
    static const char resp[] =
        "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion\",\"choices\":"
        "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hel"
        "lo\",\"reasoning_content\":\"think\",\"audio\":{\"id\":\"a\",\"data\""
        ":\"UklG\"}},\"finish_reason\":\"stop\"},{\"index\":1,\"message\":{"
        "\"role\":\"assistant\",\"content\":null,\"reasoning\":\"r\"}}],"
        "\"usage\":{\"total_tokens\":3}}";
    uint8_t *sealed = NULL;
    size_t slen = 0;
    CHECK_EQ_INT(ta_e2ee_server_seal(p.x, &sealed, &slen, false,
                                     (const uint8_t *)resp, strlen(resp),
                                     NULL), 0);
    CHECK(!memmem(sealed, slen, "hello", 5) && !memmem(sealed, slen, "UklG", 4));
    const uint8_t *plain;
    size_t plen;
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(p.cli, &plain, &plen, sealed,
                                                 slen, NULL), 0);
    CHECK(plen == strlen(resp) && !memcmp(plain, resp, plen));
    ta_free(p.ctx, sealed);
    pair_close(&p);
}

/* ---- completions, embeddings ---------------------------------------- */

static void test_other_endpoints(void)
{
    pair p;
    pair_open(&p, TA_E2EE_X25519);
    const char *spec;
    uint8_t *restored, *sealed;
    size_t rlen, slen;
    static const char req[] =
        "{\"model\":\"m\",\"prompt\":[\"one\",[1,2],\"two\"]}";
    CHECK_EQ_INT(send_req(&p, TA_E2EE_EP_COMPLETIONS, req, &spec, &restored,
                          &rlen), 0);
    CHECK(rlen == strlen(req) && !memcmp(restored, req, rlen));
    ta_free(p.ctx, restored);
    static const char resp[] =
        "{\"id\":\"cmpl-1\",\"choices\":[{\"text\":\"a\"},{\"text\":\"b\"}]}";
    CHECK_EQ_INT(ta_e2ee_server_seal(p.x, &sealed, &slen, true,
                                     (const uint8_t *)resp, strlen(resp),
                                     NULL), 0);
    const uint8_t *plain;
    size_t plen;
    CHECK_EQ_INT(teeattest_e2ee_decrypt_chunk(p.cli, &plain, &plen, sealed,
                                              slen, NULL), 0);
    CHECK(plen == strlen(resp) && !memcmp(plain, resp, plen));
    ta_free(p.ctx, sealed);
    pair_close(&p);

    pair_open(&p, TA_E2EE_SECP256K1);
    static const char ereq[] = "{\"model\":\"e\",\"input\":\"embed me\"}";
    CHECK_EQ_INT(send_req(&p, TA_E2EE_EP_EMBEDDINGS, ereq, &spec, &restored,
                          &rlen), 0);
    ta_free(p.ctx, restored);
    static const char eresp[] =
        "{\"object\":\"list\",\"data\":[{\"index\":0,\"embedding\":[0.25,-1.0,"
        "3e-9]},{\"index\":1,\"embedding\":\"AAAA\"}]}";
    CHECK_EQ_INT(ta_e2ee_server_seal(p.x, &sealed, &slen, false,
                                     (const uint8_t *)eresp, strlen(eresp),
                                     NULL), 0);
    CHECK(!memmem(sealed, slen, "0.25", 4));
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(p.cli, &plain, &plen, sealed,
                                                 slen, NULL), 0);
    CHECK(plen == strlen(eresp) && !memcmp(plain, eresp, plen));
    /* Embeddings do not stream. */
    CHECK_EQ_INT(teeattest_e2ee_decrypt_chunk(p.cli, &plain, &plen, sealed,
                                              slen, NULL),
                 TEEATTEST_E_UNSUPPORTED);
    ta_free(p.ctx, sealed);
    pair_close(&p);
}

/* ---- streaming, split at every byte --------------------------------- */

typedef struct stream_acc {
    teeattest_e2ee_session *cli;
    char text[256];
    int events, done, failed;
} stream_acc;

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
    (void)event;
    stream_acc *a = ud;
    const uint8_t *plain;
    size_t plen;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_e2ee_decrypt_chunk(a->cli, &plain, &plen,
                                          (const uint8_t *)data, len, &err);
    if (rc) {
        a->failed++;
        return rc;
    }
    a->events++;
    if (plen == 6 && !memcmp(plain, "[DONE]", 6)) {
        a->done++;
        return 0;
    }
    json_t *j = json_loadb((const char *)plain, plen, 0, NULL);
    json_t *c = json_object_get(
        json_object_get(json_array_get(json_object_get(j, "choices"), 0),
                        "delta"), "content");
    if (json_is_string(c))
        strncat(a->text, json_string_value(c),
                sizeof a->text - strlen(a->text) - 1);
    json_decref(j);
    return 0;
}

static void test_stream(void)
{
    pair p;
    pair_open(&p, TA_E2EE_X25519);
    static const char req[] =
        "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
        "\"content\":\"hi\"}]}";
    const char *spec;
    uint8_t *restored;
    size_t rlen;
    CHECK_EQ_INT(send_req(&p, TA_E2EE_EP_CHAT, req, &spec, &restored, &rlen),
                 0);
    ta_free(p.ctx, restored);
    static const char *const chunks[] = {
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
        "\"assistant\",\"content\":\"\"}}]}",
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
        "\"Hello\",\"reasoning_content\":\"hm\"}}]}",
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
        "\" world\"},\"finish_reason\":null}]}",
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},"
        "\"finish_reason\":\"stop\"}]}",
        "{\"id\":\"c1\",\"choices\":[],\"usage\":{\"total_tokens\":2}}",
        "[DONE]",
    };
    ta_buf sse;
    ta_buf_init(&sse, p.ctx, 0);
    for (size_t i = 0; i < TA_ARRAY_LEN(chunks); i++) {
        uint8_t *s;
        size_t sl;
        CHECK_EQ_INT(ta_e2ee_server_seal(p.x, &s, &sl, true,
                                         (const uint8_t *)chunks[i],
                                         strlen(chunks[i]), NULL), 0);
        CHECK(ta_buf_append_str(&sse, "data: ") == 0);
        CHECK(ta_buf_append(&sse, s, sl) == 0);
        CHECK(ta_buf_append_str(&sse, "\r\n\r\n") == 0);
        ta_free(p.ctx, s);
    }
    /* Every split of the stream into two reads gives the same text. */
    int good = 0;
    for (size_t k = 0; k <= sse.len; k++) {
        stream_acc a = {.cli = p.cli};
        ta_sse st;
        ta_sse_init(&st, p.ctx, on_event, &a);
        int rc = ta_sse_feed(&st, sse.data, k);
        if (!rc)
            rc = ta_sse_feed(&st, sse.data + k, sse.len - k);
        if (!rc)
            rc = ta_sse_finish(&st, false);
        ta_sse_clear(&st);
        good += !rc && a.events == 6 && a.done == 1 && !a.failed &&
                !strcmp(a.text, "Hello world");
    }
    CHECK_EQ_INT(good, sse.len + 1);
    ta_buf_free(&sse);
    pair_close(&p);
}

int main(void)
{
    test_vectors();
    test_roundtrip(TA_E2EE_X25519);
    test_roundtrip(TA_E2EE_SECP256K1);
    test_other_endpoints();
    test_stream();
    return ta_test_done();
}
