/*
 * Fuzz target (white-box, internal API): the JWS/JWKS parser and the NRAS
 * answer verifier (lib/gpu/jwt.c, nras.c). The first byte picks the entry
 * point, the rest is the untrusted input:
 *   0  ta_jwt_parse, then signature (JWKS below), claims and eat_nonce
 *   1  ta_jwks_add_json, then a lookup of every parsed kid
 *   2  ta_nras_verify_append with the JWKS below, into a result
 * The JWKS holds one P-384 key, the generator G (private key 1), kid
 * "fuzz-kid": corpus tokens signed with it reach the claim checks.
 * Invariants: no crash, no leak (counting allocator), a parse failure
 * leaves nothing allocated, a passing NRAS outcome only with every check
 * passed or warned, never NOMEM (the allocator does not fail here).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "gpu/nras.h"

static const char fuzz_jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"fuzz-kid\","
    "\"x\":\"qofKIr6LBTeOscce8yCtdG4dO2KLp5uYWfdB4IJUKjhVAvJdv1UpbDpUXjhydgq3\","
    "\"y\":\"NhfeSpYmLG9dnpi_kpLcKfj0Hb0omhR86doxE7XwuMAKYLHOHX6BnXpDHXyQ6g5f\"}]}";

static const uint8_t fuzz_nonce[32] = {
    0x54, 0x1b, 0x65, 0x23, 0xf9, 0x44, 0x6d, 0xcd, 0x17, 0x0e, 0x67,
    0xac, 0x81, 0x71, 0xeb, 0x92, 0x26, 0xbe, 0xe5, 0xe3, 0xf1, 0x92,
    0xde, 0x49, 0x00, 0xb7, 0x4f, 0x0e, 0xf2, 0x93, 0x50, 0x0b,
};

#define FUZZ_AT 1000100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    ta_jwks jwks;
    ta_jwks_init(&jwks, ctx);
    FUZZ_CHECK(ta_jwks_add_json(&jwks, (const uint8_t *)fuzz_jwks,
                                sizeof fuzz_jwks - 1, 1, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(jwks.n == 1);
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    teeattest_error e;
    fuzz_err_reset(&e);

    switch (data[0] % 3) {
    case 0: {
        ta_jwt j;
        int rc = ta_jwt_parse(ctx, &j, (const char *)in, n, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        if (rc == TEEATTEST_OK) {
            FUZZ_CHECK(j.kid && j.header && j.claims);
            FUZZ_CHECK(j.signing_len < n);
            char d[400];
            ta_jwt_keyopts ko = {NULL, 0};
            int v = ta_jwt_verify_signature(ctx, &j, &jwks, &ko, FUZZ_AT, d,
                                            sizeof d);
            FUZZ_CHECK(memchr(d, 0, sizeof d) != NULL);
            FUZZ_CHECK(v != TEEATTEST_E_NOMEM);
            (void)ta_jwt_check_claims(&j, TA_NRAS_ISSUER, FUZZ_AT, 60, d,
                                      sizeof d);
            int m = ta_jwt_nonce_matches(&j, fuzz_nonce, 32, d, sizeof d);
            FUZZ_CHECK(m >= -1 && m <= 1);
            ta_jwt_clear(&j);
        } else {
            FUZZ_CHECK(j.header == NULL && j.claims == NULL);
        }
        break;
    }
    case 1: {
        ta_jwks t;
        ta_jwks_init(&t, ctx);
        int rc = ta_jwks_add_json(&t, in, n, 2, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        if (rc == TEEATTEST_OK) {
            FUZZ_CHECK(t.n <= TA_JWKS_KEYS_MAX);
            for (size_t i = 0; i < t.n; i++) {
                FUZZ_CHECK(ta_jwks_find(&t, t.keys[i].kid) == &t.keys[i]);
                FUZZ_CHECK(t.keys[i].pub[0] == 0x04);
            }
        } else {
            FUZZ_CHECK(t.n == 0);
        }
        ta_jwks_clear(&t);
        break;
    }
    default: {
        teeattest_result *r = NULL;
        FUZZ_CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
        ta_nras_outcome o;
        int rc = ta_nras_verify_append(ctx, r, &o, in, n, &jwks, fuzz_nonce,
                                       FUZZ_AT, NULL, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK);
        FUZZ_CHECK(ta_result_finish(r, NULL) == TEEATTEST_OK);
        FUZZ_CHECK(r->n_checks >= 1);
        bool all_ok = true;
        for (size_t i = 0; i < r->n_checks; i++)
            all_ok = all_ok && (r->checks[i].outcome == TEEATTEST_OUTCOME_PASS ||
                                r->checks[i].outcome == TEEATTEST_OUTCOME_WARN);
        FUZZ_CHECK(o.passed == all_ok);
        FUZZ_CHECK((teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED) ==
                   all_ok);
        FUZZ_CHECK(o.first_failure == NULL || !all_ok);
        fuzz_exercise_result(r);
        teeattest_result_free(r);
        break;
    }
    }
    ta_jwks_clear(&jwks);
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
