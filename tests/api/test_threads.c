/*
 * Concurrency: four threads share one context, one policy and one
 * signature record and verify the same exchange 200 times each, at the
 * same time, also taking and dropping references and recovering the
 * signer; then four threads verify the 8-GPU NEAR payload with a saved
 * NRAS answer, each with its own inputs object. Every result must be identical to the one computed alone, and
 * the shared (thread-safe) allocator must end balanced. Run under
 * valgrind/ASan in CI; helgrind or TSan would catch races too.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

#define THREADS 4
#define ROUNDS 200

struct shared {
    teeattest_signature *sig;
    const teeattest_policy *policy;
    const api_exchange *x;
    const char *reference_json;
    const char *reference_signer; /* NULL for ed25519 */
    pthread_barrier_t start;
};

struct worker {
    pthread_t tid;
    struct shared *sh;
    int mismatches, errors;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct shared *sh = w->sh;
    pthread_barrier_wait(&sh->start);
    for (int i = 0; i < ROUNDS; i++) {
        /* References taken and dropped on the shared record race with the
         * other threads' verifications. */
        teeattest_signature *mine = teeattest_signature_ref(sh->sig);
        teeattest_result *r = NULL;
        int rc = teeattest_signature_verify(mine, &r, sh->policy,
                                            sh->x->expected, sh->x->req,
                                            sh->x->req_len, sh->x->resp,
                                            sh->x->resp_len, NULL);
        if (rc != TEEATTEST_OK) {
            w->errors++;
        } else {
            const char *js = NULL;
            teeattest_result_to_json(r, &js, NULL, NULL);
            if (!js || strcmp(js, sh->reference_json) != 0 ||
                teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED)
                w->mismatches++;
            /* Results are shareable: one more reference and back. */
            teeattest_result_free(teeattest_result_ref(r));
            teeattest_result_free(r);
        }
        if (sh->reference_signer && i % 10 == 0) {
            char buf[TEEATTEST_SIGNER_MAX];
            if (teeattest_signature_recover(mine, buf, sizeof buf, NULL) != 0 ||
                strcmp(buf, sh->reference_signer) != 0)
                w->mismatches++;
        }
        teeattest_signature_free(mine);
    }
    return NULL;
}

static void run(teeattest_ctx *ctx, const teeattest_policy *pol, api_exchange *x,
                bool ecdsa)
{
    teeattest_signature *sig = NULL;
    int rc;
    if (x->record)
        rc = teeattest_signature_parse_json(ctx, &sig, x->record, x->record_len,
                                            NULL);
    else
        rc = teeattest_signature_new(ctx, &sig, x->text, x->signature,
                                     x->address, x->algo, NULL);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    if (rc)
        return;
    teeattest_result *ref = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &ref, pol, x->expected, x->req,
                                            x->req_len, x->resp, x->resp_len,
                                            NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(ref), TEEATTEST_VERDICT_VERIFIED);
    const char *js = NULL;
    teeattest_result_to_json(ref, &js, NULL, NULL);

    struct shared sh = {sig, pol, x, js, ecdsa ? x->expected : NULL, {{0}}};
    pthread_barrier_init(&sh.start, NULL, THREADS);
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){0, &sh, 0, 0};
        CHECK_EQ_INT(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
    }
    int mism = 0, errs = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].tid, NULL);
        mism += w[i].mismatches;
        errs += w[i].errors;
    }
    pthread_barrier_destroy(&sh.start);
    printf("# %s: %d threads x %d verifications\n", x->name, THREADS, ROUNDS);
    CHECK_EQ_INT(errs, 0);
    CHECK_EQ_INT(mism, 0);
    teeattest_result_free(ref);
    teeattest_signature_free(sig);
}

/* GPU verification: every thread with its own inputs object (saved NRAS
 * answer + JWKS, the documented rule), sharing context and policy. */
struct gpu_shared {
    teeattest_ctx *ctx;
    const teeattest_policy *policy;
    const uint8_t *payload, *answer, *jwks;
    size_t payload_len, answer_len, jwks_len;
    uint8_t nonce[32];
    const char *reference_json;
    pthread_barrier_t start;
};

struct gpu_worker {
    pthread_t tid;
    struct gpu_shared *sh;
    int mismatches, errors;
};

#define GPU_ROUNDS 3

static void *gpu_work(void *arg)
{
    struct gpu_worker *w = arg;
    struct gpu_shared *sh = w->sh;
    teeattest_gpu_inputs *in = NULL;
    if (teeattest_gpu_inputs_new(sh->ctx, &in, NULL) ||
        teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, NULL,
                                 sh->answer, sh->answer_len, NULL) ||
        teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_JWKS, NULL, sh->jwks,
                                 sh->jwks_len, NULL))
        w->errors++;
    pthread_barrier_wait(&sh->start);
    for (int i = 0; in && i < GPU_ROUNDS; i++) {
        teeattest_result *r = NULL;
        if (teeattest_gpu_verify(sh->ctx, &r, sh->payload, sh->payload_len,
                                 sh->nonce, 32, in, sh->policy, NULL)) {
            w->errors++;
            continue;
        }
        const char *js = NULL;
        teeattest_result_to_json(r, &js, NULL, NULL);
        if (!js || strcmp(js, sh->reference_json) != 0 ||
            teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED)
            w->mismatches++;
        teeattest_result_free(r);
    }
    teeattest_gpu_inputs_free(in);
    return NULL;
}

static void run_gpu(teeattest_ctx *ctx)
{
    struct gpu_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.ctx = ctx;
    uint8_t *pl = ta_test_read_file(
        ta_test_fixture("nvidia/remote_neardirect_h100x8/nvidia_payload.json"),
        &sh.payload_len);
    uint8_t *ans = ta_test_read_file(
        ta_test_fixture("nvidia/remote_neardirect_h100x8/nras_response.json"),
        &sh.answer_len);
    uint8_t *jw = ta_test_read_file(
        ta_test_fixture("nvidia/jwks/nras_jwks_20260629.json"), &sh.jwks_len);
    if (!CHECK(pl && ans && jw)) {
        free(pl);
        free(ans);
        free(jw);
        return;
    }
    sh.payload = pl;
    sh.answer = ans;
    sh.jwks = jw;
    static const char hex[] =
        "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b";
    for (size_t i = 0; i < 32; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        sh.nonce[i] = (uint8_t)v;
    }
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, 1782699000, NULL);
    sh.policy = pol;
    teeattest_gpu_inputs *in = NULL;
    teeattest_gpu_inputs_new(ctx, &in, NULL);
    teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, NULL, ans,
                             sh.answer_len, NULL);
    teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_JWKS, NULL, jw, sh.jwks_len,
                             NULL);
    teeattest_result *ref = NULL;
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, &ref, pl, sh.payload_len, sh.nonce,
                                      32, in, pol, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(ref), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_to_json(ref, &sh.reference_json, NULL, NULL);
    pthread_barrier_init(&sh.start, NULL, THREADS);
    struct gpu_worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct gpu_worker){0, &sh, 0, 0};
        CHECK_EQ_INT(pthread_create(&w[i].tid, NULL, gpu_work, &w[i]), 0);
    }
    int mism = 0, errs = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].tid, NULL);
        mism += w[i].mismatches;
        errs += w[i].errors;
    }
    pthread_barrier_destroy(&sh.start);
    printf("# gpu: %d threads x %d 8-GPU verifications\n", THREADS, GPU_ROUNDS);
    CHECK_EQ_INT(errs, 0);
    CHECK_EQ_INT(mism, 0);
    teeattest_result_free(ref);
    teeattest_gpu_inputs_free(in);
    teeattest_policy_free(pol);
    free(pl);
    free(ans);
    free(jw);
}

int main(void)
{
    api_alloc_stats st;
    api_stats_init(&st);
    teeattest_ctx *ctx = api_ctx_with(&st);
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);

    api_exchange x;
    api_real(&x, "nearai_cloud_2025_stream");
    run(ctx, pol, &x, true);
    api_exchange_free(&x);

    /* Ed25519 with a three-part text: the model check reads the request
     * body's JSON in every thread. */
    api_synthetic(&x, "nonstream_3part_model_prefixed", "ed25519");
    run(ctx, NULL, &x, false);
    api_exchange_free(&x);

    run_gpu(ctx);

    teeattest_policy_free(pol);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
    CHECK_EQ_INT(st.bad, 0);
    CHECK(st.total > THREADS * ROUNDS);
    return ta_test_done();
}
