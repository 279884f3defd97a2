/*
 * Every allocation libteeattest makes goes through the context's
 * allocator, and every block is given back.
 *
 * This program is linked with -Wl,--wrap for the C library's allocation
 * functions. --wrap only redirects references from objects linked
 * statically into this executable, i.e. from this file and from the
 * internal library, never from jansson/mbedTLS/libsodium/libsecp256k1
 * (shared libraries whose own allocations the documentation exempts). So
 * a library function that called malloc() directly would be counted here,
 * and the count must stay at zero while a custom allocator is installed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"

#include "transport/transport.h"
#include "verify/verify.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static int armed;
static size_t direct_allocs;

void *__wrap_malloc(size_t n)
{
    direct_allocs += armed;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    direct_allocs += armed;
    return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    direct_allocs += armed;
    return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    direct_allocs += armed;
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    direct_allocs += armed;
    return __real_strndup(s, n);
}

/* The counting allocator itself must not use the wrapped entry points. */
struct counts {
    size_t allocs, reallocs, frees, live, bad;
};

#define MAGIC 0x636f756e74696e67ULL

static void *c_alloc(void *ud, size_t n)
{
    struct counts *c = ud;
    if (n > SIZE_MAX - 16)
        return NULL;
    uint64_t *p = __real_malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = MAGIC;
    c->allocs++;
    c->live++;
    return p + 2;
}

static void *c_realloc(void *ud, void *ptr, size_t n)
{
    struct counts *c = ud;
    if (!ptr)
        return c_alloc(ud, n);
    uint64_t *h = (uint64_t *)ptr - 2;
    if (h[0] != MAGIC) {
        c->bad++;
        return NULL;
    }
    if (n > SIZE_MAX - 16)
        return NULL;
    uint64_t *p = __real_realloc(h, n + 16);
    if (!p)
        return NULL;
    c->reallocs++;
    return p + 2;
}

static void c_free(void *ud, void *ptr)
{
    struct counts *c = ud;
    if (!ptr)
        return;
    uint64_t *h = (uint64_t *)ptr - 2;
    if (h[0] != MAGIC) {
        c->bad++;
        return;
    }
    h[0] = 0;
    c->frees++;
    c->live--;
    free(h);
}

static uint8_t *fixture(const char *rel, size_t *len)
{
    int was = armed;
    armed = 0;
    uint8_t *p = unit_fixture(rel, len);
    armed = was;
    return p;
}

static int fake_chunk(void *ud, const uint8_t *d, size_t n)
{
    (void)d;
    *(size_t *)ud += n;
    return 0;
}

int main(void)
{
    /* Everything the test itself needs, read before arming. */
    size_t req_len, resp_len, sig_len, vec_len;
    const char *dir = "providers/real_signatures/nearai_cloud_2025_stream/";
    char path[256];
    snprintf(path, sizeof path, "%srequest_body.json", dir);
    uint8_t *req = fixture(path, &req_len);
    snprintf(path, sizeof path, "%sresponse_body.sse", dir);
    uint8_t *resp = fixture(path, &resp_len);
    snprintf(path, sizeof path, "%ssignature_response.json", dir);
    uint8_t *sigjson = fixture(path, &sig_len);
    uint8_t *vecs = fixture("providers/synthetic_signature_vectors/vectors.json",
                            &vec_len);
    json_t *vroot = json_loadb((const char *)vecs, vec_len, 0, NULL);
    json_t *v0 = json_array_get(json_object_get(vroot, "vectors"), 0);
    const char *text = json_string_value(json_object_get(v0, "text"));
    json_t *ed = json_object_get(v0, "ed25519");
    const char *ed_sig = json_string_value(json_object_get(ed, "signature"));
    const char *ed_key = json_string_value(json_object_get(ed, "signing_address"));
    char rq[128], rs[128];
    snprintf(rq, sizeof rq, "synthetic_signature_vectors/%s",
             json_string_value(json_object_get(v0, "request_body_file")));
    snprintf(rs, sizeof rs, "synthetic_signature_vectors/%s",
             json_string_value(json_object_get(v0, "response_body_file")));
    char p2[256];
    size_t ed_req_len, ed_resp_len;
    snprintf(p2, sizeof p2, "providers/%s", rq);
    uint8_t *ed_req = fixture(p2, &ed_req_len);
    snprintf(p2, sizeof p2, "providers/%s", rs);
    uint8_t *ed_resp = fixture(p2, &ed_resp_len);
    if (!CHECK(text && ed_sig && ed_key))
        return ta_test_done();

    struct counts c = {0};
    teeattest_allocator a = {sizeof a, &c, c_alloc, c_realloc, c_free};
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.allocator = &a;

    armed = 1;
    teeattest_ctx *ctx = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(c.allocs, 1); /* the context itself */

    teeattest_policy *pol = NULL;
    CHECK_EQ_INT(teeattest_policy_new(ctx, &pol, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_expected_model(pol, "m", NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_expected_model(pol, NULL, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_time(pol, 1700000000, NULL), TEEATTEST_OK);
    size_t after_policy = c.allocs;
    CHECK(after_policy >= 3);

    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, sigjson, sig_len,
                                                NULL), TEEATTEST_OK);
    CHECK(c.allocs > after_policy);
    teeattest_result *res = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &res, pol,
                                            teeattest_signature_claimed_signer(sig),
                                            req, req_len, resp, resp_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(res), TEEATTEST_VERDICT_VERIFIED);
    const char *js = NULL;
    CHECK_EQ_INT(teeattest_result_to_json(res, &js, NULL, NULL), TEEATTEST_OK);
    char addr[TEEATTEST_SIGNER_MAX];
    CHECK_EQ_INT(teeattest_signature_recover(sig, addr, sizeof addr, NULL),
                 TEEATTEST_OK);
    teeattest_result_ref(res);
    teeattest_result_free(res);

    /* Headers and fields, Ed25519. */
    char hdr[1024];
    snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\ntext: %s\r\nsignature: %s\r\n"
             "signing_address: %s\r\nsigning_algo: ed25519\r\n\r\n", text,
             ed_sig, ed_key);
    teeattest_signature *hsig = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &hsig, hdr, strlen(hdr),
                                                   NULL), TEEATTEST_OK);
    teeattest_signature *fsig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &fsig, "model:" "0592c1a09ed9de31"
                                         "fbee196073f55bf0fe5e245199a3efcac3e4fe"
                                         "6a53f48ebc:0f664fad0319c8646eb0fccea3"
                                         "29f5461781f8fa5d90b992e8a4acd59ac8102e",
                                         ed_sig, NULL, "ed25519", NULL),
                 TEEATTEST_OK);
    teeattest_result *hres = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(hsig, &hres, NULL, ed_key, ed_req,
                                            ed_req_len, ed_resp, ed_resp_len,
                                            NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(hres), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result *fres = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(fsig, &fres, NULL, NULL, NULL, 0,
                                            NULL, 0, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(fres), TEEATTEST_VERDICT_FAILED);

    /* A parse failure part way through a record frees what it built. */
    teeattest_signature *bad = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &bad, text, "0x00", NULL, NULL,
                                         NULL), TEEATTEST_E_SIG_ENCODING);

    /* The HTTP response sink. */
    teeattest_http_response hr;
    size_t chunked = 0;
    ta_http_response_init(&hr, ctx, 0, fake_chunk, &chunked);
    for (int i = 0; i < 40; i++)
        CHECK_EQ_INT(teeattest_http_response_add_header(&hr, "X-H", 3, " v ", 3),
                     TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_write(&hr, resp, resp_len),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&hr, req, 100),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&hr, req, 50),
                 TEEATTEST_OK);
    CHECK_EQ_INT(chunked, resp_len);
    ta_http_response_clear(&hr);

    /* The EIP-191 digest buffers through the allocator too. */
    size_t before = c.allocs;
    uint8_t dg[32];
    CHECK_EQ_INT(ta_eip191_digest(ctx, dg, (const uint8_t *)text, strlen(text)),
                 TEEATTEST_OK);
    CHECK(c.allocs > before);

    teeattest_ctx_free(ctx);            /* children keep it alive */
    teeattest_policy_free(pol);
    teeattest_signature_free(sig);
    teeattest_signature_free(hsig);
    teeattest_signature_free(fsig);
    teeattest_result_free(res);
    teeattest_result_free(hres);
    teeattest_result_free(fres);
    armed = 0;

    printf("# %zu allocations, %zu reallocations, %zu frees through the "
           "allocator\n", c.allocs, c.reallocs, c.frees);
    CHECK(c.allocs > 20);
    CHECK(c.reallocs > 0);
    CHECK_EQ_INT(c.frees, c.allocs);
    CHECK_EQ_INT(c.live, 0);
    CHECK_EQ_INT(c.bad, 0);
    /* The proof: nothing in libteeattest allocated behind the allocator. */
    CHECK_EQ_INT(direct_allocs, 0);

    /* Sanity check of the instrument itself: the default allocator (no
     * allocator option) does call malloc directly, and is seen. */
    armed = 1;
    teeattest_ctx *dctx = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&dctx, NULL, NULL), TEEATTEST_OK);
    armed = 0;
    CHECK(direct_allocs >= 1);
    teeattest_ctx_free(dctx);

    json_decref(vroot);
    free(vecs);
    free(req);
    free(resp);
    free(sigjson);
    free(ed_req);
    free(ed_resp);
    return ta_test_done();
}
