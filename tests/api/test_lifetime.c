/*
 * Object lifetimes as a binding sees them: handles may be freed in any
 * order (the context first, children still usable), references are
 * counted, backends are released exactly once when the very last handle
 * goes, every input is copied, and nothing leaks.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

static int crypto_released, transport_released;

static void crypto_release(void *ud)
{
    (void)ud;
    crypto_released++;
}

static void transport_release(void *ud)
{
    (void)ud;
    transport_released++;
}

static int no_request(void *ud, teeattest_http_response *resp,
                      const teeattest_http_request *req)
{
    (void)ud;
    (void)resp;
    (void)req;
    return TEEATTEST_E_TRANSPORT;
}

static teeattest_ctx *ctx_with_backends(api_alloc_stats *st)
{
    teeattest_allocator a = {sizeof a, st, api_alloc, api_realloc, api_free};
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.release = crypto_release;
    teeattest_transport tr = TEEATTEST_TRANSPORT_INIT;
    tr.request = no_request;
    tr.release = transport_release;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.allocator = &a;
    o.crypto = &cb;
    o.transport = &tr;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    /* Everything given was copied: scribble over the caller's tables. */
    memset(&a, 0, sizeof a);
    memset(&cb, 0, sizeof cb);
    memset(&tr, 0, sizeof tr);
    return ctx;
}

/* Check that a result still reads correctly (its strings are owned by it). */
static bool result_usable(const teeattest_result *r, const char *signer)
{
    const char *js = NULL;
    size_t len = 0;
    const char *name = NULL, *detail = NULL;
    return teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED &&
           teeattest_result_check_count(r) >= 5 &&
           teeattest_result_check(r, 0, &name, NULL, &detail, NULL, NULL) == 0 &&
           strcmp(name, "signature.hash.request") == 0 && detail[0] != 0 &&
           teeattest_result_to_json(r, &js, &len, NULL) == 0 && strlen(js) == len &&
           strstr(js, "\"verdict\":\"verified\"") != NULL &&
           teeattest_result_fact(r, "signer") != NULL &&
           strcmp(teeattest_result_fact(r, "signer"), signer) == 0;
}

static void test_ctx_freed_first(void)
{
    api_exchange x;
    api_synthetic(&x, "nonstream_2part", "ecdsa");
    api_alloc_stats st;
    api_stats_init(&st);
    crypto_released = transport_released = 0;
    teeattest_ctx *ctx = ctx_with_backends(&st);

    teeattest_policy *pol = NULL;
    teeattest_signature *sig = NULL;
    teeattest_result *res = NULL;
    CHECK_EQ_INT(teeattest_policy_new(ctx, &pol, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, x.text, x.signature,
                                         x.address, x.algo, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &res, pol, x.expected, x.req,
                                            x.req_len, x.resp, x.resp_len, NULL),
                 TEEATTEST_OK);

    /* The application drops its context first. */
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(crypto_released, 0);
    CHECK_EQ_INT(transport_released, 0);

    /* Children still work, including creating new results. */
    CHECK(result_usable(res, x.address));
    teeattest_result *res2 = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &res2, pol, x.expected, x.req,
                                            x.req_len, x.resp, x.resp_len, NULL),
                 TEEATTEST_OK);
    CHECK(result_usable(res2, x.address));
    char buf[TEEATTEST_SIGNER_MAX];
    CHECK_EQ_INT(teeattest_signature_recover(sig, buf, sizeof buf, NULL),
                 TEEATTEST_OK);
    CHECK_STR(buf, x.address);
    CHECK_EQ_INT(teeattest_policy_set_expected_model(pol, "later", NULL), TEEATTEST_OK);

    teeattest_policy_free(pol);
    teeattest_signature_free(sig);
    CHECK(result_usable(res, x.address));
    teeattest_result_free(res);
    CHECK_EQ_INT(crypto_released, 0);
    teeattest_result_free(res2);
    /* The last handle: backends released once, memory all returned. */
    CHECK_EQ_INT(crypto_released, 1);
    CHECK_EQ_INT(transport_released, 1);
    CHECK_EQ_INT(st.live, 0);
    CHECK_EQ_INT(st.bad, 0);
    api_exchange_free(&x);
}

static void test_refs(void)
{
    api_exchange x;
    api_synthetic(&x, "stream_2part", "ed25519");
    api_alloc_stats st;
    api_stats_init(&st);
    crypto_released = transport_released = 0;
    teeattest_ctx *ctx = ctx_with_backends(&st);
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, x.text, x.signature,
                                         x.address, x.algo, NULL), TEEATTEST_OK);
    /* Extra references on every kind of handle. */
    CHECK(teeattest_ctx_ref(ctx) == ctx);
    CHECK(teeattest_signature_ref(sig) == sig);
    teeattest_result *res = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &res, NULL, x.expected, x.req,
                                            x.req_len, x.resp, x.resp_len, NULL),
                 TEEATTEST_OK);
    CHECK(teeattest_result_ref(res) == res);

    teeattest_signature_free(sig);
    CHECK_STR(teeattest_signature_text(sig), x.text);
    teeattest_result_free(res);
    CHECK(result_usable(res, x.address));
    teeattest_ctx_free(ctx);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(crypto_released, 0);
    CHECK_EQ_INT(teeattest_signature_algo(sig), TEEATTEST_SIG_ED25519);
    teeattest_signature_free(sig);
    CHECK_EQ_INT(crypto_released, 0);
    teeattest_result_free(res);
    CHECK_EQ_INT(crypto_released, 1);
    CHECK_EQ_INT(transport_released, 1);
    CHECK_EQ_INT(st.live, 0);
    api_exchange_free(&x);
}

/* Inputs are copied: every caller buffer is overwritten and freed as soon
 * as the call returns, and the objects still hold the right values. */
static void test_inputs_copied(void)
{
    api_exchange x;
    api_synthetic(&x, "nonstream_3part_model_prefixed", "ecdsa");
    api_alloc_stats st;
    api_stats_init(&st);
    teeattest_ctx *ctx = api_ctx_with(&st);

    char *text = strdup(x.text), *sigs = strdup(x.signature);
    char *addr = strdup(x.address), *algo = strdup(x.algo);
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, text, sigs, addr, algo, NULL),
                 TEEATTEST_OK);
    memset(text, 'X', strlen(text));
    memset(sigs, 'X', strlen(sigs));
    memset(addr, 'X', strlen(addr));
    memset(algo, 'X', strlen(algo));
    free(text);
    free(sigs);
    free(addr);
    free(algo);

    char json[1024];
    int jl = snprintf(json, sizeof json,
                      "{\"text\":\"%s\",\"signature\":\"%s\","
                      "\"signing_address\":\"%s\"}", x.text, x.signature,
                      x.address);
    uint8_t *jcopy = malloc((size_t)jl);
    memcpy(jcopy, json, (size_t)jl); /* not NUL-terminated */
    teeattest_signature *jsig = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &jsig, jcopy, (size_t)jl,
                                                NULL), TEEATTEST_OK);
    memset(jcopy, '}', (size_t)jl);
    free(jcopy);

    teeattest_policy *pol = NULL;
    char *model = strdup("demo-model");
    teeattest_policy_new(ctx, &pol, NULL);
    CHECK_EQ_INT(teeattest_policy_set_expected_model(pol, model, NULL), TEEATTEST_OK);
    memset(model, 'X', strlen(model));
    free(model);

    char *expected = strdup(x.expected);
    uint8_t *req = malloc(x.req_len), *resp = malloc(x.resp_len);
    memcpy(req, x.req, x.req_len);
    memcpy(resp, x.resp, x.resp_len);
    teeattest_result *r1 = NULL, *r2 = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r1, pol, expected, req,
                                            x.req_len, resp, x.resp_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_verify(jsig, &r2, pol, expected, req,
                                            x.req_len, resp, x.resp_len, NULL),
                 TEEATTEST_OK);
    memset(expected, 'X', strlen(expected));
    memset(req, 0, x.req_len);
    memset(resp, 0, x.resp_len);
    free(expected);
    free(req);
    free(resp);
    /* Verifications copy what they need from the policy. */
    teeattest_policy_free(pol);

    CHECK_EQ_INT(teeattest_result_verdict(r1), TEEATTEST_VERDICT_VERIFIED);
    CHECK_EQ_INT(teeattest_result_verdict(r2), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(teeattest_signature_text(sig), x.text);
    CHECK_STR(teeattest_signature_model(sig), "demo-model");
    CHECK_STR(teeattest_signature_claimed_signer(jsig), x.address);
    CHECK_STR(teeattest_result_fact(r1, "model"), "demo-model");
    const char *a = NULL, *b = NULL;
    teeattest_result_to_json(r1, &a, NULL, NULL);
    teeattest_result_to_json(r2, &b, NULL, NULL);
    CHECK_STR(a, b); /* same exchange, same record: same result */

    teeattest_result_free(r1);
    teeattest_result_free(r2);
    teeattest_signature_free(sig);
    teeattest_signature_free(jsig);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
    CHECK_EQ_INT(st.bad, 0);
    api_exchange_free(&x);
}

/* Failed calls leave nothing behind either. */
static void test_failures_do_not_leak(void)
{
    api_alloc_stats st;
    api_stats_init(&st);
    teeattest_ctx *ctx = api_ctx_with(&st);
    size_t live = st.live;
    teeattest_signature *sig = NULL;
    static const char *const bad_json[] = {
        "{\"text\":\"a:b\",\"signature\":\"00\"}",
        "{\"text\":1}",
        "[1,2]",
        "{\"error_code\":\"STREAM_DISCONNECTED\",\"message\":\"gone\"}",
        "{\"text\":\"0592c1a09ed9de31fbee196073f55bf0fe5e245199a3efcac3e4fe6a53f48e"
        "bc:0f664fad0319c8646eb0fccea329f5461781f8fa5d90b992e8a4acd59ac8102e\","
        "\"signature\":\"zz\"}",
        "{\"text\":\"0592c1a09ed9de31fbee196073f55bf0fe5e245199a3efcac3e4fe6a53f48e"
        "bc:0f664fad0319c8646eb0fccea329f5461781f8fa5d90b992e8a4acd59ac8102e\","
        "\"signature\":\"0x1f92443bf2398b67a524628601943aaf3762be41a3465ddb129890"
        "442a6403b14892d2a8f7fa9a4e3c6015e99aaa2156b9686122a3ea41edf85c3c19a8903"
        "f771c\",\"signing_address\":\"0x7E5f4552091a69125d5dfcb7b8c2659029395bdf\"}",
    };
    int failed = 0;
    for (size_t i = 0; i < API_ARRAY_LEN(bad_json); i++) {
        int rc = teeattest_signature_parse_json(ctx, &sig,
                                                (const uint8_t *)bad_json[i],
                                                strlen(bad_json[i]), NULL);
        failed += rc < 0 && sig == NULL;
    }
    CHECK_EQ_INT(failed, (int)API_ARRAY_LEN(bad_json));
    CHECK_EQ_INT(st.live, live);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
}

int main(void)
{
    test_ctx_freed_first();
    test_refs();
    test_inputs_copied();
    test_failures_do_not_leak();
    return ta_test_done();
}
