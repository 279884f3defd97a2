/*
 * The in-memory memo of verified material (lib/crypto/memo.c) on real GPU
 * evidence through the public API:
 *  - hits: a second verification of the NEAR 8-GPU payload (with NRAS) and
 *    of the H100 RIM case at a new time verifies no certificate link and
 *    no RIM signature again (counted by ta_memo_stats_get);
 *  - results (the whole result JSON) are identical with the memo off, cold,
 *    warm and at tiny bounds (every entry evicted at once);
 *  - two threads verifying through one context get the same results
 *    (`unit-memo_gpu threads` runs only that, for helgrind);
 *  - an embedder's ecdsa_verify member turns the RIM signature memo off.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>

#include "unit.h"

#include "crypto/memo.h"
#include "memo_kit.h"

#define AT_550 1761307200     /* 2025-10-24T12:00:00Z */
#define AT_CAPTURE 1782699000 /* 2026-06-29T02:10:00Z */
#define NONCE_550 "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
#define NONCE_NEAR "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
#define DRIVER_550 "NV_GPU_DRIVER_GH100_550.90.07"
#define VBIOS_550 "NV_GPU_VBIOS_1010_0200_882_96009F0001"

/* ---- real GPU cases through the public API ------------------------------ */

typedef struct gcase {
    const char *name;
    const char *payload;
    const char *nonce;
    int64_t at;
    int32_t mode;
    const char *const *files; /* kind letter + path: R rim, O ocsp, N nras, J jwks */
} gcase;

static const char *const near_files[] = {
    "Nnvidia/remote_neardirect_h100x8/nras_response.json",
    "Jnvidia/jwks/nras_jwks_20260629.json", NULL};
static const char *const h100_files[] = {
    "R" DRIVER_550 "|nvidia/h100_550.90.07_full/driver_rim.xml",
    "R" VBIOS_550 "|nvidia/h100_550.90.07_full/vbios_rim.xml",
    "Onvidia/h100_550.90.07_full/ocsp/rim_driver_l4_signer.der",
    "Onvidia/h100_550.90.07_full/ocsp/rim_vbios_l4_signer.der",
    "Onvidia/h100_550.90.07_full/ocsp/rim_l3_reference_value_gh100_002.der",
    "Onvidia/h100_550.90.07_full/ocsp/rim_l2_reference_value_gh100_ca.der",
    NULL};

static const gcase cases[] = {
    {"NEAR 8 GPUs + NRAS", "nvidia/remote_neardirect_h100x8/nvidia_payload.json",
     NONCE_NEAR, AT_CAPTURE, TEEATTEST_GPU_MODE_AUTO, near_files},
    {"H100 through RIMs", "nvidia/h100_550.90.07_full/nvidia_payload.json",
     NONCE_550, AT_550, TEEATTEST_GPU_MODE_AUTO, h100_files},
};

/* The GPU helpers run in worker threads too, where the TAP counters
 * (not thread-safe) must not be touched: they note failures in *fail. */
static bool need(bool cond, bool *fail)
{
    if (!cond)
        *fail = true;
    return cond;
}

static teeattest_gpu_inputs *case_inputs(const teeattest_ctx *cctx,
                                         const gcase *g, bool *fail)
{
    teeattest_ctx *ctx = (teeattest_ctx *)cctx;
    teeattest_gpu_inputs *in = NULL;
    need(teeattest_gpu_inputs_new(ctx, &in, NULL) == 0, fail);
    for (size_t i = 0; g->files[i]; i++) {
        const char *f = g->files[i];
        int32_t kind = f[0] == 'R' ? TEEATTEST_GPU_ITEM_RIM
                       : f[0] == 'O' ? TEEATTEST_GPU_ITEM_OCSP
                       : f[0] == 'N' ? TEEATTEST_GPU_ITEM_NRAS_RESPONSE
                                     : TEEATTEST_GPU_ITEM_JWKS;
        char id[128] = "";
        const char *path = f + 1;
        const char *bar = strchr(path, '|');
        if (bar) {
            snprintf(id, sizeof id, "%.*s", (int)(bar - path), path);
            path = bar + 1;
        }
        size_t len;
        uint8_t *d = unit_fixture(path, &len);
        need(teeattest_gpu_inputs_add(in, kind, bar ? id : NULL, d, len,
                                      NULL) == 0, fail);
        free(d);
    }
    return in;
}

/* The whole result of one case at `at` as JSON (malloc'ed); "" and
 * *fail set when it could not be run. */
static char *run_case_in(const teeattest_ctx *cctx, const gcase *g,
                         int64_t at, int32_t *verdict, bool *fail)
{
    teeattest_ctx *ctx = (teeattest_ctx *)cctx;
    size_t len;
    uint8_t *pl = unit_fixture(g->payload, &len);
    teeattest_gpu_inputs *in = case_inputs(ctx, g, fail);
    teeattest_policy *p = NULL;
    need(teeattest_policy_new(ctx, &p, NULL) == 0, fail);
    teeattest_policy_set_time(p, at, NULL);
    teeattest_policy_set_gpu_mode(p, g->mode, NULL);
    uint8_t nonce[32];
    need(unit_unhex(nonce, 32, g->nonce) == 32, fail);
    teeattest_result *r = NULL;
    char *out = NULL;
    if (need(teeattest_gpu_verify(ctx, &r, pl, len, nonce, 32, in, p,
                                  NULL) == 0, fail)) {
        const char *js = NULL;
        if (need(teeattest_result_to_json(r, &js, NULL, NULL) == 0, fail))
            out = strdup(js);
        if (verdict)
            *verdict = teeattest_result_verdict(r);
    }
    teeattest_result_free(r);
    teeattest_policy_free(p);
    teeattest_gpu_inputs_free(in);
    free(pl);
    return out ? out : strdup("");
}

static char *run_case(const teeattest_ctx *ctx, const gcase *g, int64_t at,
                      int32_t *verdict)
{
    bool fail = false;
    char *out = run_case_in(ctx, g, at, verdict, &fail);
    CHECK(!fail);
    return out;
}

static void test_gpu_cases(void)
{
    for (size_t c = 0; c < TA_ARRAY_LEN(cases); c++) {
        const gcase *g = &cases[c];
        printf("# %s\n", g->name);
        teeattest_ctx *off = ctx_with(0, TEEATTEST_MEMO_OFF, NULL);
        teeattest_ctx *m = ctx_with(0, 0, NULL);
        teeattest_ctx *tiny = ctx_with(1, 1, NULL);
        int32_t v = -1;
        char *want = run_case(off, g, g->at, &v);
        CHECK_EQ_INT(v, TEEATTEST_VERDICT_VERIFIED);
        char *cold = run_case(m, g, g->at, NULL);
        ta_memo_stats s1 = stats(m);
        char *warm = run_case(m, g, g->at, NULL);
        char *t1 = run_case(tiny, g, g->at, NULL);
        char *t2 = run_case(tiny, g, g->at, NULL);
        CHECK_STR(cold, want);
        CHECK_STR(warm, want);
        CHECK_STR(t1, want);
        CHECK_STR(t2, want);
        ta_memo_stats st = stats(tiny);
        CHECK(st.evictions > 0);
        CHECK(st.entries <= 1);
        CHECK(st.bytes <= 1);
        /* a minute later: no certificate link, no RIM signature verified
         * again; the result as without the memo at that time */
        char *later_off = run_case(off, g, g->at + 60, NULL);
        ta_memo_stats s2 = stats(m);
        char *later = run_case(m, g, g->at + 60, NULL);
        ta_memo_stats s3 = stats(m);
        CHECK_STR(later, later_off);
        printf("#   cold: %llu link signatures verified; later: %llu; link "
               "hits %llu, certificate hits %llu, document hits %llu; %zu "
               "entries, %zu bytes\n",
               (unsigned long long)s1.link_verifies,
               (unsigned long long)(s3.link_verifies - s2.link_verifies),
               (unsigned long long)(s3.hits[TA_MEMO_LINK] -
                                    s2.hits[TA_MEMO_LINK]),
               (unsigned long long)(s3.hits[TA_MEMO_CERT] -
                                    s2.hits[TA_MEMO_CERT]),
               (unsigned long long)(s3.hits[TA_MEMO_DOC] -
                                    s2.hits[TA_MEMO_DOC]),
               s3.entries, s3.bytes);
        CHECK(s1.link_verifies > 0);
        CHECK_EQ_INT(s3.link_verifies, s2.link_verifies);
        CHECK(s3.hits[TA_MEMO_LINK] > s2.hits[TA_MEMO_LINK]);
        CHECK_EQ_INT(s3.misses[TA_MEMO_DOC], s2.misses[TA_MEMO_DOC]);
        if (c == 1)
            CHECK_EQ_INT(s3.hits[TA_MEMO_DOC] - s2.hits[TA_MEMO_DOC], 2);
        free(want);
        free(cold);
        free(warm);
        free(t1);
        free(t2);
        free(later);
        free(later_off);
        teeattest_ctx_free(tiny);
        teeattest_ctx_free(m);
        teeattest_ctx_free(off);
    }
}

/* ---- two threads through one context ------------------------------------ */

typedef struct worker {
    const teeattest_ctx *ctx;
    const char *want[TA_ARRAY_LEN(cases)];
    int rounds;
    int mismatches;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int r = 0; r < w->rounds; r++)
        for (size_t c = 0; c < TA_ARRAY_LEN(cases); c++) {
            bool fail = false;
            char *got = run_case_in(w->ctx, &cases[c], cases[c].at, NULL,
                                    &fail);
            w->mismatches += fail || strcmp(got, w->want[c]) != 0;
            free(got);
        }
    return NULL;
}

static void test_threads(void)
{
    printf("# two threads, one context\n");
    teeattest_ctx *off = ctx_with(TEEATTEST_MEMO_OFF, 0, NULL);
    char *want[TA_ARRAY_LEN(cases)];
    for (size_t c = 0; c < TA_ARRAY_LEN(cases); c++)
        want[c] = run_case(off, &cases[c], cases[c].at, NULL);
    /* default bounds, then bounds small enough to evict all the time */
    const size_t entries[] = {0, 8};
    for (size_t b = 0; b < TA_ARRAY_LEN(entries); b++) {
        teeattest_ctx *m = ctx_with(entries[b], 0, NULL);
        worker w[2];
        pthread_t t[2];
        for (int i = 0; i < 2; i++) {
            memset(&w[i], 0, sizeof w[i]);
            w[i].ctx = m;
            w[i].rounds = 3;
            for (size_t c = 0; c < TA_ARRAY_LEN(cases); c++)
                w[i].want[c] = want[c];
            CHECK_EQ_INT(pthread_create(&t[i], NULL, work, &w[i]), 0);
        }
        for (int i = 0; i < 2; i++) {
            pthread_join(t[i], NULL);
            CHECK_EQ_INT(w[i].mismatches, 0);
        }
        ta_memo_stats s = stats(m);
        CHECK(s.hits[TA_MEMO_LINK] > 0);
        if (entries[b])
            CHECK(s.evictions > 0 && s.entries <= entries[b]);
        teeattest_ctx_free(m);
    }
    for (size_t c = 0; c < TA_ARRAY_LEN(cases); c++)
        free(want[c]);
    teeattest_ctx_free(off);
}

/* ---- an embedder's ecdsa_verify turns the RIM signature memo off ----- */

typedef struct spy {
    int ecdsa_calls;
} spy;

static int spy_ecdsa(void *ud, int32_t curve, const uint8_t *pub,
                     size_t pub_len, const uint8_t *digest, size_t digest_len,
                     const uint8_t *sig, size_t sig_len)
{
    spy *s = ud;
    (void)curve, (void)pub, (void)pub_len, (void)digest, (void)digest_len;
    (void)sig, (void)sig_len;
    s->ecdsa_calls++;
    return TEEATTEST_E_PASSTHROUGH;
}

static void test_embedder_ecdsa(void)
{
    printf("# embedder's ecdsa_verify\n");
    spy sp;
    /* ecdsa_verify set: the RIM signatures are verified (asked) on every
     * call */
    memset(&sp, 0, sizeof sp);
    teeattest_crypto_backend eb = TEEATTEST_CRYPTO_BACKEND_INIT;
    eb.user_data = &sp;
    eb.ecdsa_verify = spy_ecdsa;
    teeattest_ctx *m = ctx_with(0, 0, &eb);
    int32_t v = -1;
    char *a = run_case(m, &cases[1], cases[1].at, &v);
    int first = sp.ecdsa_calls;
    char *b = run_case(m, &cases[1], cases[1].at, NULL);
    CHECK_EQ_INT(v, TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(a, b);
    CHECK(first >= 3); /* SPDM + two RIMs */
    CHECK_EQ_INT(sp.ecdsa_calls, 2 * first);
    CHECK_EQ_INT(stats(m).hits[TA_MEMO_DOC], 0);
    free(a);
    free(b);
    teeattest_ctx_free(m);
}


int main(int argc, char **argv)
{
    /* `unit-memo_gpu threads`: only the thread test (for helgrind) */
    if (argc > 1 && strcmp(argv[1], "threads") == 0) {
        test_threads();
        return ta_test_done();
    }
    test_gpu_cases();
    test_threads();
    test_embedder_ecdsa();
    return ta_test_done();
}
