/*
 * Fuzz target (white-box, internal API): the Sigstore parsers
 * (lib/sigstore). The first byte picks the entry point, the rest is the
 * untrusted input:
 *   0  ta_ss_bundle_parse (bundle JSON)
 *   1  ta_ss_root_parse (trusted_root.json)
 *   2  ta_ss_tsa_verify: an RFC 3161 TimeStampResp (DER) against an empty
 *      trusted root
 *   3  ta_ss_key_from_spki (DER SubjectPublicKeyInfo)
 * Invariants: no crash, no leak (counting allocator), a failed parse
 * returns an error and leaves nothing allocated.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "sigstore/sigstore_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    teeattest_error e;
    fuzz_err_reset(&e);
    switch (data[0] % 4) {
    case 0: {
        ta_ss_bundle *b = NULL;
        int rc = ta_ss_bundle_parse(ctx, &b, in, n, &e);
        FUZZ_CHECK((rc == TEEATTEST_OK) == (b != NULL));
        if (b) {
            FUZZ_CHECK(b->minor >= 1 && b->minor <= 3);
            FUZZ_CHECK(b->n_entries <= TA_SS_MAX_ITEMS);
        }
        ta_ss_bundle_free(ctx, b);
        break;
    }
    case 1: {
        ta_ss_root *r = NULL;
        int rc = ta_ss_root_parse(ctx, &r, in, n, &e);
        FUZZ_CHECK((rc == TEEATTEST_OK) == (r != NULL));
        ta_ss_root_free(ctx, r);
        break;
    }
    case 2: {
        ta_ss_root root;
        memset(&root, 0, sizeof root);
        ta_ss_blob ts = {(uint8_t *)in, n};
        ta_ss_blob sig = {(uint8_t *)"sig", 3};
        int64_t t = 0;
        char why[256];
        /* no authority: never verified */
        FUZZ_CHECK(!ta_ss_tsa_verify(ctx, &root, &ts, &sig, &t, why,
                                     sizeof why));
        break;
    }
    default: {
        ta_ss_key k;
        if (ta_ss_key_from_spki(ctx, &k, in, n) == TEEATTEST_OK)
            FUZZ_CHECK(k.spki_len == n);
        ta_ss_key_clear(ctx, &k);
        break;
    }
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
