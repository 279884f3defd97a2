/*
 * Fuzz target: teeattest_signature_new(). The input is split at NUL bytes
 * into text, signature, signing_address and signing_algo; fields the input
 * does not reach are NULL (so "text only" also exercises the NULL-argument
 * checks). A parsed record must keep the text exactly as given and is then
 * exercised like in fuzz_signature_json. See fuzz.h.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

enum { F_TEXT, F_SIG, F_ADDR, F_ALGO, F_N };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A NUL-terminated copy: every field then ends at a NUL. */
    char *copy = malloc(size + 1);
    FUZZ_CHECK(copy != NULL);
    if (size)
        memcpy(copy, data, size);
    copy[size] = '\0';
    const char *field[F_N] = {NULL, NULL, NULL, NULL};
    size_t pos = 0;
    for (int f = 0; f < F_N && pos <= size; f++) {
        field[f] = copy + pos;
        pos += strlen(copy + pos) + 1;
    }

    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    teeattest_signature *sig = NULL;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = teeattest_signature_new(ctx, &sig, field[F_TEXT], field[F_SIG],
                                     field[F_ADDR], field[F_ALGO], &e);
    fuzz_err_check(rc, &e);
    if (!field[F_TEXT] || !field[F_SIG])
        FUZZ_CHECK(rc == TEEATTEST_E_INVALID_ARG);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(sig != NULL);
        FUZZ_CHECK(strcmp(teeattest_signature_text(sig), field[F_TEXT]) == 0);
        FUZZ_CHECK((teeattest_signature_claimed_signer(sig) != NULL) ==
                   (field[F_ADDR] != NULL));
        fuzz_exercise_signature(ctx, sig, data, size);
        teeattest_signature_free(sig);
    } else {
        FUZZ_CHECK(sig == NULL);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
    }
    fuzz_ctx_done(ctx, &heap);
    free(copy);
    return 0;
}
