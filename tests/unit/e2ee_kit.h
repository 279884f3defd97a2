/*
 * Shared by the E2EE v2 unit tests (test_e2ee.c, test_e2ee_attacks.c): the
 * published fixed inputs (Dstack-TEE/private-ai-gateway
 * spec/e2ee-v2-test-vectors.md, commit b6b5c1b), a context on a fixed
 * clock, and a client session paired with the server half.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_E2EE_KIT_H
#define TA_E2EE_KIT_H

#include <ctype.h>

#include <jansson.h>

#include "unit.h"

#include "aci/e2ee_impl.h"
#include "crypto/crypto.h"

/* spec/e2ee-v2-test-vectors.md, "Fixed inputs". */
#define V_PUB "5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22"
#define V_NONCE "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define V_TS 1750000000
static const char v_req_aad[] __attribute__((unused)) =
    "{\"algo\":\"x25519-aes-256-gcm-hkdf-sha256\",\"field\":\"messages.0."
    "content\",\"model\":\"demo-model\",\"nonce\":\"000102030405060708090a0b"
    "0c0d0e0f101112131415161718191a1b1c1d1e1f\",\"purpose\":\"aci.e2ee."
    "request.v2\",\"ts\":1750000000}";
static const char v_resp_aad[] __attribute__((unused)) =
    "{\"algo\":\"x25519-aes-256-gcm-hkdf-sha256\",\"field\":\"choices.0."
    "message.content\",\"id\":\"chatcmpl-123\",\"model\":\"demo-model\","
    "\"nonce\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c"
    "1d1e1f\",\"purpose\":\"aci.e2ee.response.v2\",\"ts\":1750000000}";

static int64_t now_s = V_TS;

static inline teeattest_ctx *clock_ctx(void)
{
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.clock = unit_clock;
    o.clock_user_data = &now_s;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

/* ---- a service and a client ------------------------------------------- */

typedef struct pair {
    teeattest_ctx *ctx;
    ta_e2ee_server *srv;
    teeattest_e2ee_session *cli;
    ta_e2ee_exchange *x;
    int suite;
} pair;

static inline char *keyset_for(const char *algo, const char *pub)
{
    static char ks[1024];
    snprintf(ks, sizeof ks,
             "{\"subject\":null,\"not_after\":1790000000,"
             "\"receipt_signing_keys\":[],\"e2ee_public_keys\":["
             "{\"key_id\":\"legacy\",\"algo\":\"ecdsa\",\"public_key\":\"00\"},"
             "{\"key_id\":\"e2ee-1\",\"algo\":\"%s\",\"public_key\":\"%s\"}],"
             "\"tls_public_keys\":[]}", algo, pub);
    return ks;
}

static inline void pair_open(pair *p, int suite)
{
    memset(p, 0, sizeof *p);
    p->ctx = clock_ctx();
    p->suite = suite;
    uint8_t secret[32];
    memset(secret, 3, 32);
    CHECK_EQ_INT(ta_e2ee_server_new(p->ctx, &p->srv, suite, secret, 0), 0);
    const char *ks = keyset_for(ta_e2ee_algo(suite),
                                ta_e2ee_server_pub_hex(p->srv));
    CHECK_EQ_INT(teeattest_e2ee_session_new(p->ctx, &p->cli,
                                            (const uint8_t *)ks, strlen(ks),
                                            NULL, NULL, NULL), 0);
}

static inline void pair_close(pair *p)
{
    ta_e2ee_exchange_free(p->x);
    teeattest_e2ee_session_free(p->cli);
    ta_e2ee_server_free(p->srv);
    teeattest_ctx_free(p->ctx);
}

static inline void headers_of(const teeattest_e2ee_session *s, ta_e2ee_headers *h)
{
    const char *n, *v;
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < teeattest_e2ee_header_count(s); i++) {
        CHECK_EQ_INT(teeattest_e2ee_header(s, &n, &v, i, NULL), 0);
        if (!strcmp(n, "X-E2EE-Version")) h->version = v;
        if (!strcmp(n, "X-Client-Pub-Key")) h->client_pub = v;
        if (!strcmp(n, "X-Model-Pub-Key")) h->model_pub = v;
        if (!strcmp(n, "X-E2EE-Nonce")) h->nonce = v;
        if (!strcmp(n, "X-E2EE-Timestamp")) h->timestamp = v;
    }
}

/* Encrypt `req` on the client, open it on the server: returns the
 * server's status; *spec the spec error. */
static inline int send_req(pair *p, int ep, const char *req, const char **spec,
                    uint8_t **restored, size_t *rlen)
{
    CHECK_EQ_INT(teeattest_e2ee_encrypt_request(p->cli, ep,
                                                (const uint8_t *)req,
                                                strlen(req), NULL), 0);
    const uint8_t *body;
    size_t len;
    CHECK_EQ_INT(teeattest_e2ee_request_body(p->cli, &body, &len, NULL), 0);
    ta_e2ee_headers h;
    headers_of(p->cli, &h);
    return ta_e2ee_server_open(p->srv, &p->x, restored, rlen, spec, &h, ep,
                               body, len, NULL);
}

#endif /* TA_E2EE_KIT_H */
