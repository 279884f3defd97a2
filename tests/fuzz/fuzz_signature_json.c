/*
 * Fuzz target: teeattest_signature_parse_json() on arbitrary bytes; when a
 * record parses, everything a caller can do with it (getters, recovery,
 * verification of the input split into request/response bodies, result
 * accessors and result JSON). See fuzz.h for the invariants checked.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    teeattest_signature *sig = NULL;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = teeattest_signature_parse_json(ctx, &sig, data, size, &e);
    fuzz_err_check(rc, &e);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(sig != NULL);
        FUZZ_CHECK(size <= TEEATTEST_SIGNATURE_RECORD_MAX);
        /* The record holds its own reference to the context. */
        teeattest_ctx *keep = teeattest_ctx_ref(ctx);
        teeattest_ctx_free(keep);
        fuzz_exercise_signature(ctx, sig, data, size);
        teeattest_signature_free(sig);
    } else {
        FUZZ_CHECK(sig == NULL);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
