/*
 * Fuzz target (white-box, internal API): E2EE v2 (lib/aci/e2ee*.c), the
 * client's response-field decryptor and the server half's request parser.
 *
 * Each run: a context whose random source is a counter (runs are
 * reproducible: the client's key pair, nonce and ephemeral keys are the
 * same every time) and a fixed clock; a service key; a client session
 * from a keyset listing it, which encrypts a fixed request.
 * Input: the first byte picks the suite (bit 0), the endpoint (bits 1-2:
 * chat, completions, embeddings), buffered or one SSE chunk (bit 3), and
 * the target (bit 4): 0 = the rest is a response body the client
 * decrypts; 1 = the rest is a request body the service opens with the
 * session's headers; when it opens, the service seals an answer that the
 * client must then decrypt.
 * Invariants: error detail discipline; a decrypted body and a restored
 * request are JSON; whatever the service seals for this session the
 * client decrypts; no leak, never NOMEM.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "aci/e2ee_impl.h"

typedef struct rng {
    uint64_t state;
} rng;

static int counter_random(void *ud, uint8_t *buf, size_t len)
{
    rng *r = ud;
    for (size_t i = 0; i < len; i++) {
        /* splitmix64: not secret, only reproducible. */
        uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        buf[i] = (uint8_t)(z ^ (z >> 31));
    }
    return TEEATTEST_OK;
}

static teeattest_ctx *e2ee_ctx(fuzz_heap *heap, rng *r)
{
    teeattest_allocator alloc;
    memset(&alloc, 0, sizeof alloc);
    alloc.struct_size = sizeof alloc;
    alloc.user_data = heap;
    alloc.alloc = fuzz_alloc;
    alloc.realloc = fuzz_realloc;
    alloc.free = fuzz_free;
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.user_data = r;
    cb.random = counter_random;
    teeattest_ctx_options opts = TEEATTEST_CTX_OPTIONS_INIT;
    opts.allocator = &alloc;
    opts.clock = fuzz_clock;
    opts.crypto = &cb;
    teeattest_ctx *ctx = NULL;
    heap->live = 0;
    FUZZ_CHECK(teeattest_ctx_new(&ctx, &opts, NULL) == TEEATTEST_OK);
    return ctx;
}

static const char *const answers[] = {
    NULL,
    "{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"content\":"
    "\"hi\"},\"delta\":{\"content\":\"h\"}}]}",
    "{\"id\":\"x\",\"choices\":[{\"text\":\"t\"}]}",
    "{\"data\":[{\"embedding\":[0.5]}]}",
};

static const char *const requests[] = {
    NULL,
    "{\"model\":\"demo-model\",\"messages\":[{\"role\":\"user\",\"content\":"
    "\"hello\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
    "\"a\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}]}",
    "{\"model\":\"demo-model\",\"prompt\":[\"one\",\"two\"]}",
    "{\"model\":\"demo-model\",\"input\":\"embed\"}",
};

typedef struct setup {
    teeattest_ctx *ctx;
    ta_e2ee_server *srv;
    teeattest_e2ee_session *cli;
    ta_e2ee_headers h;
    int endpoint;
} setup;

static void setup_open(setup *s, fuzz_heap *heap, rng *r, uint8_t mode)
{
    memset(s, 0, sizeof *s);
    r->state = 1;
    s->ctx = e2ee_ctx(heap, r);
    int suite = mode & 1 ? TA_E2EE_SECP256K1 : TA_E2EE_X25519;
    s->endpoint = (mode >> 1) & 3 ? (mode >> 1) & 3 : TA_E2EE_EP_CHAT;
    uint8_t secret[32];
    memset(secret, 3, sizeof secret);
    FUZZ_CHECK(ta_e2ee_server_new(s->ctx, &s->srv, suite, secret, 0) == 0);
    char ks[512];
    snprintf(ks, sizeof ks,
             "{\"e2ee_public_keys\":[{\"key_id\":\"k\",\"algo\":\"%s\","
             "\"public_key\":\"%s\"}]}", ta_e2ee_algo(suite),
             ta_e2ee_server_pub_hex(s->srv));
    FUZZ_CHECK(teeattest_e2ee_session_new(s->ctx, &s->cli,
                                          (const uint8_t *)ks, strlen(ks),
                                          NULL, NULL, NULL) == 0);
    const char *req = requests[s->endpoint];
    FUZZ_CHECK(teeattest_e2ee_encrypt_request(s->cli, s->endpoint,
                                              (const uint8_t *)req,
                                              strlen(req), NULL) == 0);
    const char *n, *v;
    for (size_t i = 0; i < teeattest_e2ee_header_count(s->cli); i++) {
        FUZZ_CHECK(teeattest_e2ee_header(s->cli, &n, &v, i, NULL) == 0);
        const char **slot[] = {&s->h.version, &s->h.client_pub,
                               &s->h.model_pub, &s->h.nonce,
                               &s->h.timestamp};
        *slot[i] = v;
    }
}

static void setup_close(setup *s, fuzz_heap *heap)
{
    teeattest_e2ee_session_free(s->cli);
    ta_e2ee_server_free(s->srv);
    fuzz_ctx_done(s->ctx, heap);
}

static void check_json(const uint8_t *d, size_t n)
{
    if (n == 6 && !memcmp(d, "[DONE]", 6))
        return;
    json_t *j = json_loadb((const char *)d, n, 0, NULL);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
}

static void client_decrypt(setup *s, bool chunk, const uint8_t *d, size_t n,
                           bool must_pass)
{
    const uint8_t *plain = NULL;
    size_t plen = 0;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = chunk ? teeattest_e2ee_decrypt_chunk(s->cli, &plain, &plen, d,
                                                  n, &e)
                   : teeattest_e2ee_decrypt_response(s->cli, &plain, &plen,
                                                     d, n, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc != TEEATTEST_E_NOMEM);
    if (must_pass && rc) {
        fprintf(stderr, "fuzz: the client refused what the service sealed: "
                        "%s (%s)\n", e.message, e.where);
        FUZZ_CHECK(rc == TEEATTEST_OK);
    }
    if (rc == TEEATTEST_OK)
        check_json(plain, plen);
    else
        FUZZ_CHECK(plain == NULL && plen == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    bool chunk = mode & 8;
    data++;
    size--;
    fuzz_heap heap;
    rng r;
    setup s;
    setup_open(&s, &heap, &r, mode);
    if (!(mode & 16)) {
        client_decrypt(&s, chunk, data, size, false);
    } else {
        ta_e2ee_exchange *x = NULL;
        uint8_t *restored = NULL, *sealed = NULL;
        size_t rlen = 0, slen = 0;
        const char *spec = NULL;
        teeattest_error e;
        fuzz_err_reset(&e);
        int rc = ta_e2ee_server_open(s.srv, &x, &restored, &rlen, &spec,
                                     &s.h, s.endpoint, data, size, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM);
        FUZZ_CHECK((rc == 0) == (x != NULL && spec == NULL));
        if (rc == 0) {
            check_json(restored, rlen);
            fuzz_err_reset(&e);
            /* The fields opened: the request carried the session's model,
             * so what the service answers the client must read. */
            const char *a = answers[s.endpoint];
            bool c = chunk && s.endpoint != TA_E2EE_EP_EMBEDDINGS;
            FUZZ_CHECK(ta_e2ee_server_seal(x, &sealed, &slen, c,
                                           (const uint8_t *)a, strlen(a),
                                           &e) == 0);
            client_decrypt(&s, c, sealed, slen, true);
        }
        ta_free(s.ctx, restored);
        ta_free(s.ctx, sealed);
        ta_e2ee_exchange_free(x);
    }
    setup_close(&s, &heap);
    return 0;
}
