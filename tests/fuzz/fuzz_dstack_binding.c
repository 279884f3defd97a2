/*
 * Fuzz target (white-box, internal API): report_data helpers of
 * lib/dstack/binding.c. The first byte picks the entry point, the rest is
 * the untrusted input:
 *   0..3  ta_json_member_span for "gpu", "report_data", "actions", ""
 *   4     ta_rd_actions_hash
 *   5     ta_rd_tinfoil_half
 *   6     ta_rd_cert_spki_hash
 *   7     ta_ohttp_key_config_parse (lib/dstack/ohttp.c) + suites text
 *   8     ta_ohttp_attestation_verify (the input as the object text; the
 *         stated config is its own first 45 bytes when there are that many)
 * Invariants: no crash, no leak (counting allocator), returned spans lie
 * within the input and start a value, errors fill teeattest_error, never
 * NOMEM (the allocator does not fail here).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "dstack/dstack.h"

static const char *const span_keys[] = {"gpu", "report_data", "actions", ""};

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
    uint8_t out[32];
    int rc;

    switch (data[0] % 9) {
    case 0: case 1: case 2: case 3: {
        const uint8_t *v = (const uint8_t *)"x";
        size_t vl = 1;
        rc = ta_json_member_span(in, n, span_keys[data[0] % 7], &v, &vl);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_NOT_FOUND ||
                   rc == TEEATTEST_E_JSON);
        if (rc == TEEATTEST_OK) {
            FUZZ_CHECK(v >= in && vl >= 1 && vl <= n &&
                       (size_t)(v - in) <= n - vl);
            /* A span is a value: the scanner accepts it as a member too. */
            FUZZ_CHECK(v[0] != ' ' && v[vl - 1] != ' ');
        } else {
            FUZZ_CHECK(v == NULL && vl == 0);
        }
        break;
    }
    case 4:
        rc = ta_rd_actions_hash(ctx, out, in, n, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_JSON ||
                   rc == TEEATTEST_E_TOO_LARGE);
        break;
    case 5: {
        ta_rd_tinfoil f;
        rc = ta_rd_tinfoil_half(ctx, out, in, n, &f, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        if (rc != TEEATTEST_OK)
            FUZZ_CHECK(!f.has_nvswitch);
        break;
    }
    case 7: {
        ta_ohttp_key_config k;
        rc = ta_ohttp_key_config_parse(&k, in, n, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_PARSE);
        if (rc == TEEATTEST_OK) {
            /* Everything it points to lies within the input, exactly. */
            FUZZ_CHECK(k.public_key == in + 3 && k.kem_name != NULL);
            FUZZ_CHECK(3 + k.public_key_len + 2 + 4 * k.n_suites == n);
            FUZZ_CHECK(k.suites == in + 3 + k.public_key_len + 2);
            char text[512];
            rc = ta_ohttp_suites_text(text, sizeof text, &k);
            FUZZ_CHECK(rc == TEEATTEST_OK ||
                       rc == TEEATTEST_E_BUFFER_TOO_SMALL);
        }
        break;
    }
    case 8: {
        uint8_t key[32];
        uint8_t *cfg = (uint8_t *)"x";
        size_t cl = 1;
        rc = ta_ohttp_attestation_verify(ctx, in, n, in, n < 45 ? n : 45,
                                         n >= 45, key, &cfg, &cl, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        if (rc == TEEATTEST_OK)
            ta_free(ctx, cfg);
        else
            FUZZ_CHECK(cfg == NULL && cl == 0);
        break;
    }
    default:
        rc = ta_rd_cert_spki_hash(ctx, out, in, n, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_PARSE ||
                   rc == TEEATTEST_E_TOO_LARGE);
        break;
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
