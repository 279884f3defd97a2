/*
 * Fuzz target: teeattest_signature_parse_headers() on an arbitrary header
 * block (bytes, not NUL-terminated); parsed records are exercised like in
 * fuzz_signature_json. See fuzz.h for the invariants checked.
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
    int rc = teeattest_signature_parse_headers(ctx, &sig, (const char *)data,
                                               size, &e);
    fuzz_err_check(rc, &e);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(sig != NULL);
        FUZZ_CHECK(size <= TEEATTEST_SIGNATURE_RECORD_MAX);
        fuzz_exercise_signature(ctx, sig, data, size);
        teeattest_signature_free(sig);
    } else {
        FUZZ_CHECK(sig == NULL);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
