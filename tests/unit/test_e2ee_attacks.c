/*
 * E2EE v2 attacks (lib/aci/e2ee*.c), each failing with its status, field
 * path and the spec's error type: every AAD component (algo, model, id,
 * field path, nonce, timestamp) changed, each hex digit of a field
 * flipped, fields swapped or moved between paths, plaintext where a
 * ciphertext belongs, replayed nonces and stale or future timestamps on
 * the server half, unlisted, malformed, off-curve and low-order keys.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "e2ee_kit.h"

/* ---- attacks on responses -------------------------------------------- */

/* A chat response whose choices.0.message.content was sealed to the
 * client's key under a binding changed by `mutate`. */
static int forged(pair *p, const char *field, const char *id,
                  void (*mutate)(ta_e2ee_binding *), teeattest_error *err)
{
    const uint8_t *body;
    size_t blen;
    (void)body;
    (void)blen;
    ta_e2ee_headers h;
    headers_of(p->cli, &h);
    ta_e2ee_key client;
    CHECK_EQ_INT(ta_e2ee_pub_parse(&client, p->suite, h.client_pub,
                                   strlen(h.client_pub)), 0);
    ta_e2ee_binding b = {.suite = p->suite, .model = "demo-model",
                         .model_len = 10, .ts = strtoll(h.timestamp, NULL, 10)};
    memcpy(b.nonce, h.nonce, 65);
    if (mutate)
        mutate(&b);
    ta_buf aad;
    ta_buf_init(&aad, p->ctx, 0);
    CHECK_EQ_INT(ta_e2ee_aad(&aad, &b, id, strlen(id), field), 0);
    char *hex = NULL;
    CHECK_EQ_INT(ta_e2ee_seal(p->ctx, &hex, &client, aad.data, aad.len,
                              (const uint8_t *)"forged", 6), 0);
    ta_buf_free(&aad);
    char resp[2048];
    snprintf(resp, sizeof resp,
             "{\"id\":\"chatcmpl-123\",\"choices\":[{\"index\":0,\"message\":"
             "{\"content\":\"%s\"}}]}", hex);
    ta_free(p->ctx, hex);
    const uint8_t *plain;
    size_t plen;
    return teeattest_e2ee_decrypt_response(p->cli, &plain, &plen,
                                           (const uint8_t *)resp,
                                           strlen(resp), err);
}

static void m_model(ta_e2ee_binding *b) { b->model = "demo-modeL"; }
static void m_nonce(ta_e2ee_binding *b) { b->nonce[63] ^= 1; }
static void m_ts(ta_e2ee_binding *b) { b->ts += 1; }
static void m_algo(ta_e2ee_binding *b)
{
    b->suite = b->suite == TA_E2EE_X25519 ? TA_E2EE_SECP256K1
                                          : TA_E2EE_X25519;
}

static void test_response_attacks(int suite)
{
    printf("# response attacks, %s\n", ta_e2ee_algo(suite));
    pair p;
    pair_open(&p, suite);
    static const char req[] =
        "{\"model\":\"demo-model\",\"messages\":[{\"role\":\"user\","
        "\"content\":\"q\"}]}";
    const char *spec;
    uint8_t *restored;
    size_t rlen;
    CHECK_EQ_INT(send_req(&p, TA_E2EE_EP_CHAT, req, &spec, &restored, &rlen),
                 0);
    ta_free(p.ctx, restored);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    const char *f = "choices.0.message.content";
    /* The honest binding decrypts; each changed component does not. */
    CHECK_EQ_INT(forged(&p, f, "chatcmpl-123", NULL, &err), 0);
    void (*muts[])(ta_e2ee_binding *) = {m_model, m_nonce, m_ts, m_algo};
    for (size_t i = 0; i < TA_ARRAY_LEN(muts); i++) {
        CHECK_EQ_INT(forged(&p, f, "chatcmpl-123", muts[i], &err),
                     TEEATTEST_E_VERIFY_FAILED);
        CHECK(!strcmp(err.where, f));
        CHECK(!strncmp(err.message, "e2ee_decryption_failed", 22));
    }
    CHECK_EQ_INT(forged(&p, f, "chatcmpl-124", NULL, &err),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(forged(&p, "choices.1.message.content", "chatcmpl-123", NULL,
                        &err), TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(forged(&p, "choices.0.delta.content", "chatcmpl-123", NULL,
                        &err), TEEATTEST_E_VERIFY_FAILED);

    /* A real sealed answer: flip bytes, move fields, drop, replace. */
    static const char resp[] =
        "{\"id\":\"r\",\"choices\":[{\"index\":0,\"message\":{\"content\":"
        "\"A\",\"reasoning\":\"B\"}},{\"index\":1,\"message\":{\"content\":"
        "\"C\"}}]}";
    uint8_t *sealed;
    size_t slen;
    CHECK_EQ_INT(ta_e2ee_server_seal(p.x, &sealed, &slen, false,
                                     (const uint8_t *)resp, strlen(resp),
                                     NULL), 0);
    json_t *j = json_loadb((char *)sealed, slen, 0, NULL);
    json_t *c0 = json_object_get(json_array_get(json_object_get(j, "choices"),
                                                0), "message");
    json_t *c1 = json_object_get(json_array_get(json_object_get(j, "choices"),
                                                1), "message");
    char *a = strdup(json_string_value(json_object_get(c0, "content")));
    char *b = strdup(json_string_value(json_object_get(c0, "reasoning")));
    char *c = strdup(json_string_value(json_object_get(c1, "content")));
    const uint8_t *plain;
    size_t plen;
    /* Every hex digit of the field (ephemeral key, IV, ciphertext, tag). */
    size_t n = strlen(a), bad = 0;
    for (size_t i = 0; i < n; i++) {
        char *t = strdup(a);
        t[i] = t[i] == '0' ? '1' : '0';
        json_object_set_new(c0, "content", json_string(t));
        char *doc = json_dumps(j, JSON_COMPACT);
        int rc = teeattest_e2ee_decrypt_response(p.cli, &plain, &plen,
                                                 (uint8_t *)doc, strlen(doc),
                                                 &err);
        bad += rc == TEEATTEST_E_VERIFY_FAILED &&
               !strcmp(err.where, "choices.0.message.content");
        free(doc);
        free(t);
    }
    CHECK_EQ_INT(bad, n);
    struct { const char *c0c, *c0r, *c1c; int want; const char *where; } cases[] = {
        {a, b, c, 0, NULL},
        {c, b, a, TEEATTEST_E_VERIFY_FAILED, "choices.0.message.content"},
        {b, a, c, TEEATTEST_E_VERIFY_FAILED, "choices.0.message.content"},
        {a, a, c, TEEATTEST_E_VERIFY_FAILED, "choices.0.message.reasoning"},
        {"plain text", b, c, TEEATTEST_E_HEX, "choices.0.message.content"},
        {"", b, c, TEEATTEST_E_LENGTH, "choices.0.message.content"},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        json_object_set_new(c0, "content", json_string(cases[i].c0c));
        json_object_set_new(c0, "reasoning", json_string(cases[i].c0r));
        json_object_set_new(c1, "content", json_string(cases[i].c1c));
        char *doc = json_dumps(j, JSON_COMPACT);
        CHECK_EQ_INT(teeattest_e2ee_decrypt_response(
                         p.cli, &plain, &plen, (uint8_t *)doc, strlen(doc),
                         &err), cases[i].want);
        if (cases[i].where)
            CHECK(!strcmp(err.where, cases[i].where));
        free(doc);
    }
    /* The same answer under another id, a swapped index, a number. */
    json_object_set_new(c0, "content", json_string(a));
    json_object_set_new(c0, "reasoning", json_string(b));
    json_object_set_new(c1, "content", json_string(c));
    json_object_set_new(j, "id", json_string("r2"));
    char *doc = json_dumps(j, JSON_COMPACT);
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(p.cli, &plain, &plen,
                                                 (uint8_t *)doc, strlen(doc),
                                                 &err),
                 TEEATTEST_E_VERIFY_FAILED);
    free(doc);
    json_object_set_new(j, "id", json_string("r"));
    json_object_set_new(json_array_get(json_object_get(j, "choices"), 1),
                        "index", json_integer(0));
    doc = json_dumps(j, JSON_COMPACT);
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(p.cli, &plain, &plen,
                                                 (uint8_t *)doc, strlen(doc),
                                                 &err), TEEATTEST_E_JSON);
    free(doc);
    json_object_set_new(json_array_get(json_object_get(j, "choices"), 1),
                        "index", json_integer(1));
    json_object_set_new(c0, "content", json_integer(7));
    doc = json_dumps(j, JSON_COMPACT);
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(p.cli, &plain, &plen,
                                                 (uint8_t *)doc, strlen(doc),
                                                 &err), TEEATTEST_E_JSON);
    free(doc);
    /* Missing choices in a buffered answer; an id that is not a string. */
    static const char nochoices[] = "{\"id\":\"r\"}";
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(
                     p.cli, &plain, &plen, (const uint8_t *)nochoices,
                     strlen(nochoices), &err), TEEATTEST_E_FIELD_MISSING);
    static const char numid[] = "{\"id\":5,\"choices\":[]}";
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(p.cli, &plain, &plen,
                                                 (const uint8_t *)numid,
                                                 strlen(numid), &err),
                 TEEATTEST_E_JSON);
    /* The X25519 ephemeral key of a field replaced by a low-order point:
     * the all-zero secret is refused. */
    if (suite == TA_E2EE_X25519) {
        char *t = strdup(a);
        memset(t, '0', 64);
        json_object_set_new(c0, "content", json_string(t));
        json_object_set_new(c0, "reasoning", json_null());
        json_object_set_new(c1, "content", json_null());
        doc = json_dumps(j, JSON_COMPACT);
        CHECK_EQ_INT(teeattest_e2ee_decrypt_response(
                         p.cli, &plain, &plen, (uint8_t *)doc, strlen(doc),
                         &err), TEEATTEST_E_VERIFY_FAILED);
        free(doc);
        free(t);
    } else {
        /* secp256k1: an ephemeral point off the curve. */
        char *t = strdup(a);
        t[129] = t[129] == '0' ? '1' : '0';
        t[128] = t[128] == '0' ? '1' : '0';
        json_object_set_new(c0, "content", json_string(t));
        json_object_set_new(c0, "reasoning", json_null());
        json_object_set_new(c1, "content", json_null());
        doc = json_dumps(j, JSON_COMPACT);
        CHECK_EQ_INT(teeattest_e2ee_decrypt_response(
                         p.cli, &plain, &plen, (uint8_t *)doc, strlen(doc),
                         &err), TEEATTEST_E_VERIFY_FAILED);
        free(doc);
        free(t);
    }
    json_decref(j);
    free(a);
    free(b);
    free(c);
    ta_free(p.ctx, sealed);
    pair_close(&p);
}

/* ---- attacks on requests (the server half) --------------------------- */

static void test_request_attacks(void)
{
    pair p;
    pair_open(&p, TA_E2EE_X25519);
    static const char req[] =
        "{\"model\":\"demo-model\",\"messages\":[{\"role\":\"user\","
        "\"content\":\"q\"},{\"role\":\"user\",\"content\":\"r\"}]}";
    CHECK_EQ_INT(teeattest_e2ee_encrypt_request(p.cli, TEEATTEST_E2EE_CHAT,
                                                (const uint8_t *)req,
                                                strlen(req), NULL), 0);
    const uint8_t *body;
    size_t blen;
    CHECK_EQ_INT(teeattest_e2ee_request_body(p.cli, &body, &blen, NULL), 0);
    ta_e2ee_headers h, g;
    headers_of(p.cli, &h);
    const char *spec;
    uint8_t *restored;
    size_t rlen;
    ta_e2ee_exchange *x = NULL;
#define OPEN(hdrs, b, l) \
    ta_e2ee_server_open(p.srv, &x, &restored, &rlen, &spec, (hdrs), \
                        TA_E2EE_EP_CHAT, (b), (l), NULL)
    /* Header checks, in the spec's vocabulary. */
    g = h; g.nonce = NULL;
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_header_missing"));
    g = h; g.version = "1";
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_invalid_version"));
    g = h; g.nonce = "00";
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_invalid_nonce"));
    g = h; g.timestamp = "17500000x0";
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_invalid_timestamp"));
    g = h; g.client_pub = "abcd";
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_invalid_public_key"));
    g = h; g.model_pub = "0x" V_PUB "00";
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_model_key_mismatch"));
    char other[65];
    memcpy(other, V_PUB, 65);
    other[0] = '6';
    g = h; g.model_pub = other;
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_model_key_mismatch"));
    /* The nonce and timestamp are in every field's AAD. */
    char n2[65];
    memcpy(n2, h.nonce, 65);
    n2[0] = n2[0] == '0' ? '1' : '0';
    g = h; g.nonce = n2;
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_decryption_failed"));
    g = h; g.timestamp = "1750000001";
    CHECK(OPEN(&g, body, blen) && !strcmp(spec, "e2ee_decryption_failed"));
    /* The model too; a missing model has its own error. */
    json_t *j = json_loadb((const char *)body, blen, 0, NULL);
    json_object_set_new(j, "model", json_string("demo-model "));
    char *doc = json_dumps(j, JSON_COMPACT);
    CHECK(OPEN(&h, (uint8_t *)doc, strlen(doc)) &&
          !strcmp(spec, "e2ee_decryption_failed"));
    free(doc);
    json_object_del(j, "model");
    doc = json_dumps(j, JSON_COMPACT);
    CHECK(OPEN(&h, (uint8_t *)doc, strlen(doc)) &&
          !strcmp(spec, "e2ee_invalid_payload_model"));
    free(doc);
    /* Fields swapped between messages. */
    json_object_set_new(j, "model", json_string("demo-model"));
    json_t *m = json_object_get(j, "messages");
    json_t *a = json_deep_copy(json_object_get(json_array_get(m, 0), "content"));
    json_object_set(json_array_get(m, 0), "content",
                    json_object_get(json_array_get(m, 1), "content"));
    json_object_set_new(json_array_get(m, 1), "content", a);
    doc = json_dumps(j, JSON_COMPACT);
    CHECK(OPEN(&h, (uint8_t *)doc, strlen(doc)) &&
          !strcmp(spec, "e2ee_decryption_failed"));
    free(doc);
    json_decref(j);
    /* Stale and future timestamps, at the edge of the window. */
    now_s = V_TS + 301;
    CHECK(OPEN(&h, body, blen) && !strcmp(spec, "e2ee_invalid_timestamp"));
    now_s = V_TS - 301;
    CHECK(OPEN(&h, body, blen) && !strcmp(spec, "e2ee_invalid_timestamp"));
    now_s = V_TS + 300;
    CHECK_EQ_INT(OPEN(&h, body, blen), 0);
    ta_free(p.ctx, restored);
    ta_e2ee_exchange_free(x);
    x = NULL;
    /* Replay: the same request again, the nonce in upper case too. */
    CHECK(OPEN(&h, body, blen) && !strcmp(spec, "e2ee_replay_detected"));
    char up[65];
    for (int i = 0; i < 65; i++)
        up[i] = (char)toupper((unsigned char)h.nonce[i]);
    g = h; g.nonce = up;
    /* (The AAD binds the nonce as sent: an upper-case copy fails there
     * unless the client sent it so; either way it is not accepted.) */
    CHECK(OPEN(&g, body, blen) != 0);
    now_s = V_TS;
#undef OPEN
    pair_close(&p);
}

/* ---- key selection ----------------------------------------------------- */

static void test_keys(void)
{
    teeattest_ctx *ctx = clock_ctx();
    teeattest_e2ee_session *s = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    const char *x = ta_e2ee_algo(TA_E2EE_X25519);
    const char *k1 = ta_e2ee_algo(TA_E2EE_SECP256K1);
#define NEW(ks, algo, kid) \
    teeattest_e2ee_session_new(ctx, &s, (const uint8_t *)(ks), strlen(ks), \
                               (algo), (kid), &err)
    CHECK_EQ_INT(NEW(keyset_for(x, V_PUB), NULL, NULL), 0);
    teeattest_e2ee_session_free(s);
    CHECK_EQ_INT(NEW(keyset_for(x, "0x" V_PUB), x, "e2ee-1"), 0);
    teeattest_e2ee_session_free(s);
    /* Unlisted: no entry of that algo or key_id; an unknown suite. */
    CHECK_EQ_INT(NEW(keyset_for(x, V_PUB), k1, NULL), TEEATTEST_E_NOT_FOUND);
    CHECK(s == NULL);
    CHECK_EQ_INT(NEW(keyset_for(x, V_PUB), NULL, "other"),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(NEW(keyset_for(x, V_PUB), "ecdsa", NULL),
                 TEEATTEST_E_UNSUPPORTED);
    CHECK_EQ_INT(NEW(keyset_for("x25519", V_PUB), NULL, NULL),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(NEW("{\"e2ee_public_keys\":{}}", NULL, NULL),
                 TEEATTEST_E_JSON);
    /* Wrong lengths for the suite, not hex, a secp256k1 point off the
     * curve, a low-order X25519 key. */
    CHECK_EQ_INT(NEW(keyset_for(x, V_PUB "00"), NULL, NULL),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(NEW(keyset_for(k1, V_PUB), NULL, NULL), TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(NEW(keyset_for(x, "zz" V_PUB), NULL, NULL), TEEATTEST_E_HEX);
    static const char g[] =
        "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
    CHECK_EQ_INT(NEW(keyset_for(k1, g), NULL, NULL), 0);
    teeattest_e2ee_session_free(s);
    CHECK_EQ_INT(NEW(keyset_for(k1, g + 2), NULL, NULL), 0); /* no 04 */
    teeattest_e2ee_session_free(s);
    char off[131];
    memcpy(off, g, 131);
    off[129] = '9';
    CHECK_EQ_INT(NEW(keyset_for(k1, off), NULL, NULL),
                 TEEATTEST_E_VERIFY_FAILED);
    char c33[67] = "02";
    memcpy(c33 + 2, g + 2, 64);
    c33[66] = 0;
    CHECK_EQ_INT(NEW(keyset_for(k1, c33), NULL, NULL), TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(NEW(keyset_for(x, "0000000000000000000000000000000000000000"
                                   "000000000000000000000000"), NULL, NULL),
                 TEEATTEST_E_VERIFY_FAILED);
    /* Preference: X25519 first whatever the order. */
    static const char both[] =
        "{\"e2ee_public_keys\":[{\"key_id\":\"k\",\"algo\":"
        "\"secp256k1-aes-256-gcm-hkdf-sha256\",\"public_key\":\"0479be667ef9"
        "dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4"
        "655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8\"},{\"key_id\":"
        "\"x\",\"algo\":\"x25519-aes-256-gcm-hkdf-sha256\",\"public_key\":\""
        V_PUB "\"}]}";
    CHECK_EQ_INT(NEW(both, NULL, NULL), 0);
    CHECK(!strcmp(teeattest_e2ee_session_key_id(s), "x"));
    /* Requests the client refuses to send. */
    static const char nomodel[] = "{\"messages\":[{\"content\":\"a\"}]}";
    CHECK_EQ_INT(teeattest_e2ee_encrypt_request(s, TEEATTEST_E2EE_CHAT,
                                                (const uint8_t *)nomodel,
                                                strlen(nomodel), &err),
                 TEEATTEST_E_FIELD_MISSING);
    static const char nothing[] = "{\"model\":\"m\",\"messages\":[]}";
    CHECK_EQ_INT(teeattest_e2ee_encrypt_request(s, TEEATTEST_E2EE_CHAT,
                                                (const uint8_t *)nothing,
                                                strlen(nothing), &err),
                 TEEATTEST_E_FIELD_MISSING);
    static const char ambiguous[] =
        "{\"model\":\"m\",\"messages\":[{\"content\":\"[not json\"}]}";
    CHECK_EQ_INT(teeattest_e2ee_encrypt_request(s, TEEATTEST_E2EE_CHAT,
                                                (const uint8_t *)ambiguous,
                                                strlen(ambiguous), &err),
                 TEEATTEST_E_INVALID_ARG);
    const uint8_t *plain;
    size_t plen;
    CHECK_EQ_INT(teeattest_e2ee_decrypt_response(s, &plain, &plen,
                                                 (const uint8_t *)"{}", 2,
                                                 &err),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_e2ee_session_free(s);
#undef NEW
    teeattest_ctx_free(ctx);
}

int main(void)
{
    test_response_attacks(TA_E2EE_X25519);
    test_response_attacks(TA_E2EE_SECP256K1);
    test_request_attacks();
    test_keys();
    return ta_test_done();
}
