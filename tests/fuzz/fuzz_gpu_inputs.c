/*
 * Fuzz target: the public GPU API's untrusted inputs (teeattest/gpu.h).
 * Byte 0 selects what the rest is: 0 a GPU evidence payload verified
 * offline in every mode; 1 a RIM (document or RIM service JSON) added
 * without an id, 2 the same with an id; 3 an OCSP response; 4 an NRAS
 * answer; 5 a JWKS. Material that was accepted then goes through a
 * verification in mode both.
 *
 * Invariants (abort on violation): the counting allocator ends balanced;
 * failures return documented codes with the error filled; an item that was
 * added reads back byte for byte (RIMs given as XML); verification returns
 * OK with a finished result whose verdict is failed (no input here can be
 * genuine evidence for the fixed nonce) and whose JSON renders.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdbool.h>

#include "fuzz.h"

static void verify_payload(teeattest_ctx *ctx, teeattest_gpu_inputs *in,
                           const uint8_t *d, size_t n, int32_t mode)
{
    static const uint8_t nonce[32] = {1, 2, 3};
    teeattest_policy *p = NULL;
    FUZZ_CHECK(teeattest_policy_new(ctx, &p, NULL) == TEEATTEST_OK);
    teeattest_policy_set_time(p, 1761307200, NULL);
    teeattest_policy_set_gpu_mode(p, mode, NULL);
    teeattest_result *r = NULL;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = teeattest_gpu_verify(ctx, &r, d, n, nonce, 32, in, p, &e);
    fuzz_err_check(rc, &e);
    if (n > TEEATTEST_GPU_PAYLOAD_MAX) {
        FUZZ_CHECK(rc == TEEATTEST_E_TOO_LARGE && r == NULL);
    } else {
        FUZZ_CHECK(rc == TEEATTEST_OK && r != NULL);
        FUZZ_CHECK(teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
        const char *json = NULL;
        FUZZ_CHECK(teeattest_result_to_json(r, &json, NULL, NULL) == TEEATTEST_OK &&
                   json && json[0] == '{');
        FUZZ_CHECK(teeattest_result_check_count(r) > 0);
    }
    teeattest_result_free(r);
    teeattest_policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int sel = data[0] % 6;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    teeattest_gpu_inputs *in = NULL;
    FUZZ_CHECK(teeattest_gpu_inputs_new(ctx, &in, NULL) == TEEATTEST_OK);
    static const int32_t kinds[6] = {0, TEEATTEST_GPU_ITEM_RIM,
                                     TEEATTEST_GPU_ITEM_RIM,
                                     TEEATTEST_GPU_ITEM_OCSP,
                                     TEEATTEST_GPU_ITEM_NRAS_RESPONSE,
                                     TEEATTEST_GPU_ITEM_JWKS};
    if (sel == 0) {
        for (int32_t m = TEEATTEST_GPU_MODE_AUTO; m <= TEEATTEST_GPU_MODE_BOTH;
             m++)
            verify_payload(ctx, in, d, n, m);
    } else {
        teeattest_error e;
        fuzz_err_reset(&e);
        const char *id = sel == 2 ? "NV_GPU_DRIVER_GH100_550.90.07" : NULL;
        int rc = teeattest_gpu_inputs_add(in, kinds[sel], id, n ? d : data,
                                          n, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL &&
                   rc != TEEATTEST_E_INVALID_ARG);
        size_t want = rc == TEEATTEST_OK ? 1 : 0;
        FUZZ_CHECK(teeattest_gpu_inputs_count(in, kinds[sel]) == want);
        if (rc == TEEATTEST_OK) {
            const uint8_t *got = NULL;
            size_t len = 0;
            FUZZ_CHECK(teeattest_gpu_inputs_get(in, kinds[sel], 0, NULL, &got,
                                                &len, NULL) == TEEATTEST_OK);
            bool json_rim = kinds[sel] == TEEATTEST_GPU_ITEM_RIM && n &&
                            memchr(d, '{', n) != NULL;
            if (!json_rim)
                FUZZ_CHECK(len == n && memcmp(got, d, n) == 0);
            /* Whatever was added, a payload that is not evidence fails. */
            static const uint8_t not_gpu[] = "{\"evidence_list\":[]}";
            verify_payload(ctx, in, not_gpu, sizeof not_gpu - 1,
                           TEEATTEST_GPU_MODE_BOTH);
        }
    }
    teeattest_gpu_inputs_free(in);
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
